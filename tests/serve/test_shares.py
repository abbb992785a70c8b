"""Share links against a real `imgmeta serve`: an owner makes a link to some of their images;
anyone holding it sees them without an account, without the location (and, unless chosen,
without the camera's metadata) in the JSON and in the downloaded bytes; revoked, expired and
unknown links all answer the same 404; passwords are required, checked and rate-limited."""

import json
import os
import re
import subprocess
import tempfile
import time
import unittest

import requests

from harness import Client, ServerTestCase, new_user, read_corpus

GPS_JPEG = "jpeg/ianare_gps_DSCN0021.jpg"
# Its ImageDescription reads "<Digimax i50 MP3, Samsung #1 MP3>": markup-like text.
HOSTILE_JPEG = "jpeg/ianare_Samsung_Digimax_i50_MP3.jpg"
FILE_FACTS = {"FileType", "FileTypeExtension", "MIMEType", "ImageWidth", "ImageHeight", "ImageSize", "Megapixels",
              "FileSize"}
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def exiftool_tags(data):
    """Every tag ExifTool finds in the bytes, group-qualified (-G1), duplicates included (-a)."""
    out = subprocess.run(["exiftool", "-j", "-G1", "-a", "-"], input=data, capture_output=True, check=True,
                         timeout=60).stdout
    return json.loads(out)[0]


def raw_pixels(data):
    """The decoded pixels (libvips' raw dump), to check that stripping left them alone."""
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "in.jpg"), os.path.join(tmp, "out.raw")
        with open(src, "wb") as f:
            f.write(data)
        subprocess.run(["vips", "rawsave", src, dst], check=True, capture_output=True, timeout=60)
        with open(dst, "rb") as f:
            return f.read()


def token_of(url):
    assert "#" in url, url
    token = url.split("#", 1)[1]
    assert TOKEN_RE.match(token), url
    return token


class SharesTest(ServerTestCase):
    SERVER_ARGS = ()

    @classmethod
    def setUpClass(cls):
        os.environ["IMGMETA_SHARE_MIN_EXPIRY"] = "1"  # read by the server started below
        try:
            super().setUpClass()
        finally:
            del os.environ["IMGMETA_SHARE_MIN_EXPIRY"]
        cls.owner = new_user(cls.server, "sharer")
        cls.other = new_user(cls.server, "stranger")
        cls.gps_bytes = read_corpus(GPS_JPEG)
        cls.gps_id = cls.owner.upload(cls.gps_bytes, "beach.jpg", "image/jpeg")
        cls.hostile_id = cls.owner.upload(read_corpus(HOSTILE_JPEG), "<b>odd</b>.jpg", "image/jpeg")
        cls.other_id = cls.other.upload(read_corpus("jpeg/exiftool_GPS.jpg"), "theirs.jpg", "image/jpeg")
        for image_id, who in ((cls.gps_id, cls.owner), (cls.hostile_id, cls.owner), (cls.other_id, cls.other)):
            cls.wait_renditions(who, image_id)
        cls.anon = Client(cls.server)  # no account, no token

    @staticmethod
    def wait_renditions(user, image_id, timeout=60):
        deadline = time.time() + timeout
        while True:
            body = user.image(image_id).json()
            if body["status"] != "pending" and body["previewStatus"] != "pending":
                assert body["previewStatus"] == "ready", body
                return body
            if time.time() > deadline:
                raise AssertionError("no renditions for %s after %ss" % (image_id, timeout))
            time.sleep(0.1)

    def share(self, image_ids, expect=201, **fields):
        body = {"imageIds": image_ids}
        body.update(fields)
        return self.owner.post("/api/shares", body, expect=expect)

    def open(self, token, expect=200, password=None):
        headers = {"X-Share-Password": password} if password is not None else None
        return self.anon.get("/api/public/shares/" + token, expect=expect, headers=headers, auth=False)

    def fetch(self, url):
        r = requests.get(url, timeout=30)
        self.assertEqual(r.status_code, 200, url)
        return r

    # --- making, listing, opening, revoking ---

    def test_create_list_open_revoke(self):
        made = self.share([self.gps_id, self.hostile_id], expiresIn=3600).json()
        self.assertTrue(made["url"].startswith(self.server.base + "/share.html#"), made["url"])
        token = token_of(made["url"])
        listed = {s["shareId"]: s for s in self.owner.get("/api/shares", expect=200).json()["items"]}
        self.assertIn(made["shareId"], listed)
        entry = listed[made["shareId"]]
        self.assertEqual(entry["imageIds"], [self.gps_id, self.hostile_id])
        self.assertEqual(entry["count"], 2)
        self.assertEqual(entry["expiresAt"], made["expiresAt"])
        self.assertFalse(entry["hasPassword"])
        self.assertFalse(entry["includeLocation"])
        self.assertFalse(entry["includeMetadata"])
        self.assertNotIn("url", entry)
        self.assertNotIn(token, json.dumps(listed))
        # The stranger does not see it, and cannot revoke it.
        self.assertNotIn(made["shareId"], json.dumps(self.other.get("/api/shares", expect=200).json()))
        self.other.delete("/api/shares/" + made["shareId"], expect=404)

        body = self.open(token).json()
        self.assertEqual(body["expiresAt"], made["expiresAt"])
        self.assertEqual([i["imageId"] for i in body["images"]], [self.gps_id, self.hostile_id])
        for image in body["images"]:
            for key in ("thumbnailUrl", "previewUrl", "downloadUrl"):
                self.assertTrue(image[key], (key, image))
                self.assertEqual(self.fetch(image[key]).status_code, 200)
        text = json.dumps(body)
        # Nothing of the owner: no user id, no username, no URL of the original.
        self.assertNotIn(self.owner.user_id, text)
        self.assertNotIn(self.owner.username, text)
        self.assertNotIn("uploads/", text)
        self.assertNotIn("previews/" + self.owner.user_id, text)

        self.owner.delete("/api/shares/" + made["shareId"], expect=204)
        self.open(token, expect=404)
        for image in body["images"]:  # the copies went with it
            self.assertEqual(requests.get(image["downloadUrl"], timeout=30).status_code, 404)
        self.assertNotIn(made["shareId"], json.dumps(self.owner.get("/api/shares", expect=200).json()))
        self.owner.delete("/api/shares/" + made["shareId"], expect=404)

    def test_unknown_expired_and_revoked_links_answer_alike(self):
        expired = token_of(self.share([self.gps_id], expiresIn=1).json()["url"])
        revoked_share = self.share([self.gps_id]).json()
        revoked = token_of(revoked_share["url"])
        self.owner.delete("/api/shares/" + revoked_share["shareId"], expect=204)
        time.sleep(2.1)
        bodies = []
        for token in (expired, revoked, "A" * 43, "not-a-token", expired[:-1] + ("A" if expired[-1] != "A" else "B")):
            r = self.open(token, expect=404)
            body = r.json()
            body.pop("requestId", None)
            bodies.append(body)
        self.assertTrue(all(b == bodies[0] for b in bodies), bodies)
        self.assertEqual(bodies[0]["error"]["code"], "NotFound")

    def test_another_users_image_cannot_be_shared(self):
        r = self.share([self.gps_id, self.other_id], expect=404)
        self.assertEqual(r.json()["error"]["code"], "NotFound")
        self.share(["01ARZ3NDEKTSV4RRFFQ69G5FAV"], expect=404)

    def test_public_route_needs_no_account_and_shared_routes_do(self):
        self.anon.post("/api/shares", {"imageIds": [self.gps_id]}, auth=False, expect=401)
        self.anon.get("/api/shares", auth=False, expect=401)

    def test_malformed_bodies(self):
        bad = [
            None,
            {},
            {"imageIds": []},
            {"imageIds": "01ARZ3NDEKTSV4RRFFQ69G5FAV"},
            {"imageIds": ["../../etc/passwd"]},
            {"imageIds": [7]},
            {"imageIds": [self.gps_id] * 501},
            {"imageIds": [self.gps_id], "expiresIn": 0},
            {"imageIds": [self.gps_id], "expiresIn": 366 * 86400},
            {"imageIds": [self.gps_id], "expiresIn": "3600"},
            {"imageIds": [self.gps_id], "expiresIn": 3600.5},
            {"imageIds": [self.gps_id], "includeLocation": "yes"},
            {"imageIds": [self.gps_id], "includeMetadata": 1},
            {"imageIds": [self.gps_id], "password": ""},
            {"imageIds": [self.gps_id], "password": 1234},
            {"imageIds": [self.gps_id], "password": "x" * 1025},
        ]
        for body in bad:
            with self.subTest(body=str(body)[:80]):
                if body is None:
                    r = self.owner.request("POST", "/api/shares", data=b"{not json", expect=400,
                                           headers={"Content-Type": "application/json"})
                else:
                    r = self.owner.post("/api/shares", body, expect=400)
                self.assertEqual(r.json()["error"]["code"], "InvalidRequest")

    # --- what is removed ---

    def test_without_location_no_gps_in_json_or_bytes(self):
        self.assertTrue(any("GPS" in k for k in exiftool_tags(self.gps_bytes)))  # the control: it has GPS
        token = token_of(self.share([self.gps_id], includeMetadata=True).json()["url"])
        image = self.open(token).json()["images"][0]
        self.assertEqual(image["filename"].rsplit(".", 1)[0], "beach")
        self.assertFalse([k for k in image["metadata"] if "gps" in k.lower()], image["metadata"])
        self.assertIn("Make", image["metadata"])  # camera details were chosen
        served = self.fetch(image["downloadUrl"])
        self.assertIn("attachment", served.headers.get("Content-Disposition", ""))
        tags = exiftool_tags(served.content)
        self.assertFalse([k for k in tags if "GPS" in k.upper()], tags)
        if served.content[:2] == b"\xff\xd8":  # the original format, stripped: the same pixels
            self.assertEqual(raw_pixels(served.content), raw_pixels(self.gps_bytes))
        else:  # the preview rendition stands in
            self.assertEqual(served.headers["Content-Type"], "image/webp")
        for key in ("thumbnailUrl", "previewUrl"):
            tags = exiftool_tags(self.fetch(image[key]).content)
            self.assertFalse([k for k in tags if "GPS" in k.upper()], tags)

    def test_without_metadata_only_file_facts(self):
        token = token_of(self.share([self.gps_id]).json()["url"])
        image = self.open(token).json()["images"][0]
        self.assertTrue(image["metadata"])
        self.assertLessEqual(set(image["metadata"]), FILE_FACTS, image["metadata"])
        tags = exiftool_tags(self.fetch(image["downloadUrl"]).content)
        groups = {k.split(":")[0] for k in tags if ":" in k}
        self.assertFalse(groups & {"IFD0", "ExifIFD", "GPS", "XMP-exif", "XMP-tiff", "IPTC", "MakerNotes"}, groups)

    def test_with_location_the_owner_chose_to_share_it(self):
        token = token_of(self.share([self.gps_id], includeLocation=True, includeMetadata=True).json()["url"])
        image = self.open(token).json()["images"][0]
        self.assertIn("GPSLatitude", image["metadata"])

    def test_hostile_metadata_is_text_in_json(self):
        token = token_of(self.share([self.hostile_id], includeMetadata=True).json()["url"])
        r = self.open(token)
        self.assertEqual(r.headers["Content-Type"], "application/json")
        self.assertEqual(r.headers.get("X-Content-Type-Options"), "nosniff")
        image = r.json()["images"][0]
        self.assertEqual(image["metadata"]["ImageDescription"], "<Digimax i50 MP3, Samsung #1 MP3>")
        self.assertEqual(image["filename"].split(".")[0], "<b>odd</b>")

    def test_a_deleted_image_leaves_the_link(self):
        image_id = self.owner.upload(read_corpus("jpeg/exiftool_GPS.jpg") + b"\0", "gone.jpg", "image/jpeg")
        self.owner.wait_final(image_id)
        token = token_of(self.share([image_id, self.gps_id]).json()["url"])
        self.owner.delete("/api/images/" + image_id, expect=204)
        ids = [i["imageId"] for i in self.open(token).json()["images"]]
        self.assertEqual(ids, [self.gps_id])

    def test_a_trashed_image_is_hidden_until_restored_and_cannot_be_shared(self):
        image_id = self.owner.upload(read_corpus("jpeg/exiftool_GPS.jpg") + b"\0\0", "trashed.jpg", "image/jpeg")
        self.owner.wait_final(image_id)
        token = token_of(self.share([image_id, self.gps_id]).json()["url"])
        self.owner.delete("/api/images/" + image_id, expect=204)  # to the trash
        self.assertEqual([i["imageId"] for i in self.open(token).json()["images"]], [self.gps_id])
        self.share([image_id], expect=404)
        self.owner.post("/api/images/%s/restore" % image_id, {}, expect=200)
        self.assertEqual(sorted(i["imageId"] for i in self.open(token).json()["images"]), sorted([image_id, self.gps_id]))

    # --- passwords ---

    def test_password_required_wrong_right_then_rate_limited(self):
        made = self.share([self.gps_id], password="open sesame").json()
        token = token_of(made["url"])
        self.assertTrue(next(s for s in self.owner.get("/api/shares").json()["items"]
                             if s["shareId"] == made["shareId"])["hasPassword"])
        self.assertEqual(self.open(token, expect=401).json()["error"]["code"], "PasswordRequired")
        self.assertEqual(self.open(token, expect=401, password="wrong").json()["error"]["code"], "PasswordRequired")
        self.assertEqual(len(self.open(token, password="open sesame").json()["images"]), 1)
        limited = None
        for _ in range(30):
            r = self.anon.get("/api/public/shares/" + token, headers={"X-Share-Password": "guess"}, auth=False)
            if r.status_code == 429:
                limited = r
                break
            self.assertEqual(r.status_code, 401)
        self.assertIsNotNone(limited, "30 wrong passwords and never a 429")
        self.assertEqual(limited.json()["error"]["code"], "TooManyRequests")
        self.assertGreaterEqual(int(limited.headers["Retry-After"]), 1)
        # Even the right password waits now; everything else is served as before.
        self.open(token, expect=429, password="open sesame")
        self.owner.get("/api/shares", expect=200)
        other = token_of(self.share([self.hostile_id]).json()["url"])
        self.open(other, expect=200)


if __name__ == "__main__":
    unittest.main()
