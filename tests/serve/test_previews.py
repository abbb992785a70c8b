"""Previews in the local shape: after the metadata, `imgmeta serve` makes a WebP thumbnail
and preview of every image it can decode, upright and without metadata, served from stable
URLs the browser can cache; failures are recorded without touching the image's status; a
re-extraction makes new renditions and a delete removes them."""

import json
import os
import struct
import subprocess
import time
import unittest
import zlib

import requests

from harness import ServerTestCase, new_user, read_corpus

FORMATS = {
    "jpeg": ("jpeg/recurser_Portrait_6.jpg", "image/jpeg"),  # stored sideways, Orientation 6
    "heic": ("heif/ianare_IMG_5195.HEIC", "image/heic"),
    "avif": ("avif/libheif_example.avif", "image/avif"),
    "png": ("png/pillow_exif_imagemagick_orientation.png", "image/png"),
    "tiff": ("tiff/exiftool_ExifTool.tif", "image/tiff"),
    "gif": ("gif/pillow_hopper.gif", "image/gif"),
    "webp": ("webp/pillow_flower.webp", "image/webp"),
}


def webp_size(data):
    """(width, height) of a WebP file from its first chunk (VP8X, VP8 or VP8L)."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP", data[:16]
    chunk = data[12:16]
    if chunk == b"VP8X":
        w = int.from_bytes(data[24:27], "little") + 1
        h = int.from_bytes(data[27:30], "little") + 1
        return w, h
    if chunk == b"VP8 ":
        w, h = struct.unpack("<HH", data[26:30])
        return w & 0x3FFF, h & 0x3FFF
    if chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    raise AssertionError("unknown WebP chunk %r" % chunk)


def exif_groups(data):
    """The metadata groups ExifTool finds in a file (File/ExifTool/RIFF are about the file)."""
    out = subprocess.run(["exiftool", "-j", "-G", "-"], input=data, capture_output=True, check=True).stdout
    tags = json.loads(out)[0]
    return {k.split(":")[0] for k in tags if ":" in k} - {"File", "ExifTool", "RIFF", "SourceFile"}


def png_bomb(width=60000, height=60000):
    """A valid PNG header promising width x height pixels over a few bytes of data."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


class PreviewsTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_user(cls.server, "previews")
        cls.ids = {}
        for name, (rel, ctype) in FORMATS.items():
            cls.ids[name] = cls.user.upload(read_corpus(rel), os.path.basename(rel), ctype)
        cls.images = {name: cls.wait_preview(image_id) for name, image_id in cls.ids.items()}

    @classmethod
    def wait_preview(cls, image_id, timeout=60):
        deadline = time.time() + timeout
        while True:
            body = cls.user.image(image_id).json()
            if body["status"] != "pending" and body["previewStatus"] != "pending":
                return body
            if time.time() > deadline:
                raise AssertionError("no renditions for %s after %ss: %s" % (image_id, timeout, body))
            time.sleep(0.1)

    def fetch(self, url):
        r = requests.get(self.server.url(url) if url.startswith("/") else url, timeout=10)
        return r

    def test_every_format_gets_a_thumbnail_and_a_preview(self):
        for name, body in self.images.items():
            with self.subTest(name):
                self.assertEqual(body["status"], "ready")
                self.assertEqual(body["previewStatus"], "ready", body["previewError"])
                self.assertIsNone(body["previewError"])
                for key, edge in (("thumbnailUrl", 400), ("previewUrl", 1600)):
                    r = self.fetch(body[key])
                    self.assertEqual(r.status_code, 200, body[key])
                    self.assertEqual(r.headers["Content-Type"], "image/webp")
                    w, h = webp_size(r.content)
                    self.assertLessEqual(max(w, h), edge)
                    self.assertGreater(min(w, h), 0)
                    if key == "thumbnailUrl":
                        self.assertEqual((w, h), (body["thumbnailWidth"], body["thumbnailHeight"]))

    def test_renditions_are_upright(self):
        # Portrait_6 stores landscape pixels and says "rotate 90 CW": shown portrait.
        jpeg = self.images["jpeg"]
        w, h = webp_size(self.fetch(jpeg["thumbnailUrl"]).content)
        self.assertGreater(h, w)
        self.assertEqual(jpeg["metadata"]["Orientation"], 6)

    def test_renditions_carry_no_metadata(self):
        for name in ("jpeg", "heic", "png", "tiff"):
            with self.subTest(name):
                for key in ("thumbnailUrl", "previewUrl"):
                    groups = exif_groups(self.fetch(self.images[name][key]).content)
                    self.assertFalse(groups & {"EXIF", "XMP", "IPTC", "GPS", "ICC_Profile", "MakerNotes"}, groups)

    def test_urls_are_the_same_from_one_listing_to_the_next_and_cacheable(self):
        first = {i["imageId"]: i["thumbnailUrl"] for i in self.user.all_images()}
        time.sleep(1.1)
        second = {i["imageId"]: i["thumbnailUrl"] for i in self.user.all_images()}
        self.assertEqual(first, second)
        r = self.fetch(self.images["heic"]["thumbnailUrl"])
        self.assertIn("max-age=", r.headers.get("Cache-Control", ""))
        self.assertIn("private", r.headers.get("Cache-Control", ""))

    def test_rendition_routes_redirect_to_the_same_urls_for_the_owner_only(self):
        image_id = self.ids["png"]
        for route, key in (("thumbnail", "thumbnailUrl"), ("preview", "previewUrl")):
            r = self.user.get("/api/images/%s/%s" % (image_id, route), expect=302, allow_redirects=False)
            self.assertEqual(r.headers["Location"], self.images["png"][key])
        stranger = new_user(self.server, "stranger")
        stranger.get("/api/images/%s/thumbnail" % image_id, expect=404, allow_redirects=False)

    def test_bomb_is_refused_and_the_image_stays_ready(self):
        image_id = self.user.upload(png_bomb(), "bomb.png", "image/png")
        t0 = time.time()
        body = self.wait_preview(image_id, timeout=30)
        self.assertEqual(body["status"], "ready")
        self.assertEqual(body["previewStatus"], "failed")
        self.assertIsNone(body["thumbnailUrl"])
        self.assertRegex(body["previewError"], r"(?i)pixels|too large")
        self.assertLess(time.time() - t0, 30)
        self.user.get("/api/images/%s/thumbnail" % image_id, expect=404, allow_redirects=False)

    def test_unreadable_file_shows_no_preview_and_says_why(self):
        image_id = self.user.upload(b"\xff\xd8\xff\xe1\x00\x10Exif\0\0garbage-garbage", "bad.jpg", "image/jpeg")
        body = self.wait_preview(image_id)
        self.assertIn(body["status"], ("failed", "ready"))
        if body["status"] == "failed":
            self.assertEqual(body["previewStatus"], "unsupported")
        else:
            self.assertIn(body["previewStatus"], ("failed", "unsupported"))
        self.assertIsNone(body["thumbnailUrl"])
        self.assertTrue(body["previewError"])

    def test_reextract_makes_new_renditions_and_delete_removes_them(self):
        image_id = self.user.upload(read_corpus("jpeg/recurser_Landscape_3.jpg"), "l3.jpg", "image/jpeg")
        before = self.wait_preview(image_id)
        self.assertEqual(before["previewStatus"], "ready")
        time.sleep(1.1)  # renditions are versioned by the second
        self.user.post("/api/images/%s/reextract" % image_id, expect=202)
        deadline = time.time() + 30
        while True:
            after = self.user.image(image_id).json()
            if after["previewStatus"] == "ready" and after["thumbnailUrl"] != before["thumbnailUrl"]:
                break
            self.assertLess(time.time(), deadline, after)
            time.sleep(0.1)
        self.user.delete("/api/images/" + image_id, params={"permanent": "true"}, expect=204)
        deadline = time.time() + 30
        for key in ("thumbnailUrl", "previewUrl"):
            while self.fetch(after[key]).status_code != 404:
                self.assertLess(time.time(), deadline, "the %s outlived its image" % key)
                time.sleep(0.1)

    def test_rendering_runs_at_background_priority(self):
        # Uploads come first: the threads that render (libvips's workers included, which
        # libvips starts itself) run at nice 19, the server's other threads at its own.
        jpeg = read_corpus(FORMATS["jpeg"][0])
        jpeg = jpeg[:2] + b"\xff\xfe\x00\x07again" + jpeg[2:]  # a COM segment: new bytes, no duplicate
        image_id = self.user.upload(jpeg, "again.jpg", "image/jpeg")
        self.assertEqual(self.wait_preview(image_id)["previewStatus"], "ready")
        tasks = "/proc/%d/task" % self.server.proc.pid
        nice = {}
        for tid in os.listdir(tasks):
            try:
                with open("%s/%s/stat" % (tasks, tid)) as f:
                    stat = f.read()
            except OSError:
                continue  # the thread ended meanwhile
            comm = stat[stat.index("(") + 1:stat.rindex(")")]
            nice.setdefault(comm, set()).add(int(stat[stat.rindex(")") + 2:].split()[16]))
        self.assertIn("libvips worker", nice, nice)
        self.assertEqual(nice["libvips worker"], {19}, nice)
        self.assertIn(0, nice["imgmeta-service"], nice)

    def test_metrics_count_the_renditions(self):
        text = requests.get(self.server.url("/metrics"), timeout=10).text
        ready = [l for l in text.splitlines() if l.startswith('imgmeta_previews_total{outcome="ready"}')]
        self.assertTrue(ready)
        self.assertGreaterEqual(int(ready[0].split()[-1]), len(FORMATS))


if __name__ == "__main__":
    unittest.main()
