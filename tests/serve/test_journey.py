"""The whole journey of one user, as the web app drives it: sign up, sign in, presign, PUT
real corpus images, poll until ready, list with each filter, get, content with ranges,
re-extract, delete."""

import unittest

from harness import (ServerTestCase, Client, read_corpus, oracle, sha256_hex, unique_name, ULID_RE)

# Corpus images whose ExifTool values the filters below rely on.
GPS = "jpeg/exiftool_GPS.jpg"        # FUJIFILM FinePixS1Pro, 2002-07-13, GPS
CANON = "jpeg/ianare_Canon_40D.jpg"  # Canon EOS 40D, 2008-05-30, no GPS
APPLE = "jpeg/exiftool_Apple.jpg"    # Apple iPhone 7, 2016-09-28, GPS
IPTC = "jpeg/exiftool_IPTC.jpg"      # keywords ExifTool, Test, IPTC; no camera
PNG = "png/exiftool_PNG.png"


class JourneyTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = Client(cls.server)
        cls.name = unique_name("journey")
        cls.user.sign_up(cls.name)
        cls.user.sign_in(cls.name)
        cls.ids = {}
        for rel in (GPS, CANON, APPLE, IPTC, PNG):
            data = read_corpus(rel)
            ctype = "image/png" if rel.endswith(".png") else "image/jpeg"
            cls.ids[rel] = cls.user.upload(data, filename=rel.split("/")[-1], content_type=ctype)
        cls.final = {rel: cls.user.wait_final(i) for rel, i in cls.ids.items()}

    def test_me_names_the_signed_in_user(self):
        me = self.user.get("/api/me", expect=200).json()
        self.assertEqual(me["username"], self.name)
        self.assertEqual(me["userId"], self.user.user_id)

    def test_every_upload_ends_ready_with_exiftool_values(self):
        for rel, body in self.final.items():
            self.assertEqual(body["status"], "ready", rel)
            self.assertIsNone(body["error"], rel)
            expected = oracle(rel)
            for field in ("FileType", "ImageWidth", "ImageHeight", "Make", "Model", "DateTimeOriginal"):
                if field in expected:
                    self.assertEqual(body["metadata"].get(field), expected[field], "%s %s" % (rel, field))

    def test_image_record_carries_the_upload_facts(self):
        data = read_corpus(GPS)
        body = self.final[GPS]
        self.assertRegex(body["imageId"], ULID_RE)
        self.assertEqual(body["filename"], "exiftool_GPS.jpg")
        self.assertEqual(body["contentType"], "image/jpeg")
        self.assertEqual(body["size"], len(data))
        self.assertEqual(body["sha256"], sha256_hex(data))
        self.assertEqual(body["format"], "JPEG")
        self.assertEqual(body["make"], "FUJIFILM")
        self.assertTrue(body["hasGps"])
        self.assertAlmostEqual(body["metadata"]["GPSLatitude"], oracle(GPS)["GPSLatitude"], places=6)

    def test_list_is_newest_first(self):
        items = self.user.list_images().json()["items"]
        got = [i["imageId"] for i in items]
        self.assertEqual(got, sorted(self.ids.values(), reverse=True))

    def test_list_pages_with_cursor(self):
        first = self.user.list_images(limit=2).json()
        self.assertEqual(len(first["items"]), 2)
        self.assertIsNotNone(first["nextCursor"])
        everything = self.user.all_images(limit=2)
        self.assertEqual(sorted(i["imageId"] for i in everything), sorted(self.ids.values()))

    def ids_for(self, **params):
        return {i["imageId"] for i in self.user.all_images(**params)}

    def test_filter_by_format(self):
        self.assertEqual(self.ids_for(format="png"), {self.ids[PNG]})
        self.assertEqual(self.ids_for(format="JPEG"), {self.ids[r] for r in (GPS, CANON, APPLE, IPTC)})

    def test_filter_by_make_and_model(self):
        self.assertEqual(self.ids_for(make="canon"), {self.ids[CANON]})
        self.assertEqual(self.ids_for(model="iPhone 7"), {self.ids[APPLE]})
        self.assertEqual(self.ids_for(make="Leica"), set())

    def test_filter_by_date_taken(self):
        self.assertEqual(self.ids_for(takenFrom="2008-01-01", takenTo="2008-12-31"), {self.ids[CANON]})
        self.assertEqual(self.ids_for(takenFrom="2002-07-13", takenTo="2002-07-13"), {self.ids[GPS]})
        self.assertEqual(self.ids_for(takenFrom="2010-01-01"), {self.ids[APPLE]})

    def test_filter_by_gps(self):
        self.assertEqual(self.ids_for(hasGps="true"), {self.ids[GPS], self.ids[APPLE]})
        self.assertNotIn(self.ids[GPS], self.ids_for(hasGps="false"))

    def test_filter_by_text(self):
        self.assertEqual(self.ids_for(q="iptc"), {self.ids[IPTC]})

    def test_filter_by_status(self):
        self.assertEqual(self.ids_for(status="ready"), set(self.ids.values()))
        self.assertEqual(self.ids_for(status="failed"), set())

    def test_sort_by_date_taken_puts_undated_last(self):
        items = self.user.all_images(sort="taken")
        order = [i["imageId"] for i in items]
        self.assertEqual(order[:3], [self.ids[APPLE], self.ids[CANON], self.ids[GPS]])

    def test_invalid_filters_are_400(self):
        for params in ({"limit": "0"}, {"limit": "101"}, {"limit": "x"}, {"hasGps": "maybe"},
                       {"sort": "size"}, {"status": "done"}, {"takenFrom": "yesterday"}, {"cursor": "garbage!"}):
            r = self.user.list_images(expect=400, **params)
            self.assertEqual(r.json()["error"]["code"], "InvalidRequest", params)

    def test_content_is_the_original_bytes(self):
        data = read_corpus(GPS)
        r = self.user.get("/api/images/%s/content" % self.ids[GPS], expect=200)
        self.assertEqual(r.content, data)
        self.assertEqual(r.headers["Content-Type"], "image/jpeg")
        self.assertEqual(r.headers["X-Content-Type-Options"], "nosniff")
        self.assertIn("private", r.headers["Cache-Control"])
        self.assertTrue(r.headers["ETag"].startswith('"'))

    def test_content_range(self):
        data = read_corpus(CANON)
        path = "/api/images/%s/content" % self.ids[CANON]
        r = self.user.get(path, headers={"Range": "bytes=2-11"}, expect=206)
        self.assertEqual(r.content, data[2:12])
        self.assertEqual(r.headers["Content-Range"], "bytes 2-11/%d" % len(data))
        r = self.user.get(path, headers={"Range": "bytes=-4"}, expect=206)
        self.assertEqual(r.content, data[-4:])
        r = self.user.get(path, headers={"Range": "bytes=%d-" % (len(data) - 3)}, expect=206)
        self.assertEqual(r.content, data[-3:])
        r = self.user.get(path, headers={"Range": "bytes=%d-" % len(data)}, expect=416)
        self.assertEqual(r.headers["Content-Range"], "bytes */%d" % len(data))

    def test_content_etag_revalidates(self):
        path = "/api/images/%s/content" % self.ids[GPS]
        etag = self.user.get(path, expect=200).headers["ETag"]
        self.user.get(path, headers={"If-None-Match": etag}, expect=304)

    def test_content_url_serves_the_bytes_without_a_token(self):
        body = self.user.image(self.ids[APPLE]).json()
        anonymous = Client(self.server)
        r = anonymous.request("GET", None, url=body["contentUrl"], auth=False, expect=200)
        self.assertEqual(r.content, read_corpus(APPLE))

    def test_reextract_keeps_the_image_ready(self):
        image_id = self.ids[IPTC]
        before = self.user.image(image_id).json()
        r = self.user.post("/api/images/%s/reextract" % image_id, expect=202)
        self.assertEqual(r.json()["imageId"], image_id)
        after = self.user.wait_final(image_id)
        self.assertEqual(after["status"], "ready")
        self.assertEqual(after["metadata"].get("Keywords"), before["metadata"].get("Keywords"))


class DeleteTest(ServerTestCase):

    def test_delete_removes_record_bytes_and_listing(self):
        user = Client(self.server)
        name = unique_name("deleter")
        user.sign_up(name)
        user.sign_in(name)
        data = read_corpus(GPS)
        image_id = user.upload(data)
        user.wait_final(image_id)
        user.delete("/api/images/" + image_id, params={"permanent": "true"}, expect=204)
        user.image(image_id, expect=404)
        user.get("/api/images/%s/content" % image_id, expect=404)
        self.assertEqual(user.all_images(), [])
        user.delete("/api/images/" + image_id, expect=404)
        # The same bytes may be uploaded again once deleted.
        again = user.upload(data)
        self.assertNotEqual(again, image_id)
        self.assertEqual(user.wait_final(again)["status"], "ready")


if __name__ == "__main__":
    unittest.main()
