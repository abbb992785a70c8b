"""Finding photos: the exposure, orientation and map filters of GET /api/images, the compact
located-images answer of GET /api/locations, and GET /api/images/export (CSV and NDJSON)."""

import csv
import io
import json
import unittest

from harness import ServerTestCase, new_user, read_corpus

FILES = {
    "gps": ("jpeg/exiftool_GPS.jpg", "image/jpeg"),          # 54.99N 1.91W, landscape, ISO 0
    "iphone": ("heif/ianare_IMG_5195.HEIC", "image/heic"),   # 39.05N 94.29W, portrait, ISO 32 f/1.8 4.25 mm
    "canon": ("jpeg/ianare_Canon_40D.jpg", "image/jpeg"),    # no GPS, landscape, ISO 100 f/7.1 135 mm 1/160
    "portrait": ("jpeg/recurser_Portrait_6.jpg", "image/jpeg"),  # portrait as shown (Orientation 6)
    "square": ("png/pillow_exif_imagemagick_orientation.png", "image/png"),  # 512 x 512
}


class FindTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_user(cls.server, "finder")
        cls.ids = {}
        for name, (rel, ctype) in FILES.items():
            cls.ids[name] = cls.user.upload(read_corpus(rel), rel.split("/")[-1], ctype)
        for image_id in cls.ids.values():
            cls.user.wait_final(image_id)
        cls.names = {v: k for k, v in cls.ids.items()}

    def found(self, path="/api/images", **params):
        body = self.user.get(path, params=params, expect=200).json()
        return {self.names[i["imageId"]] for i in body["items"]}

    def test_exposure_ranges(self):
        self.assertEqual(self.found(isoMin=50), {"canon"})
        self.assertEqual(self.found(isoMin=1, isoMax=50), {"iphone"})
        self.assertEqual(self.found(fMin=1.4, fMax=2), {"iphone"})
        self.assertEqual(self.found(focalMin=100), {"canon"})
        self.assertEqual(self.found(exposureMax=0.003), {"iphone"})
        self.assertEqual(self.found(exposureMin=0.005, exposureMax=0.01), {"canon"})

    def test_orientation_is_the_displayed_shape(self):
        self.assertEqual(self.found(orientation="portrait"), {"iphone", "portrait"})
        self.assertEqual(self.found(orientation="square"), {"square"})
        self.assertEqual(self.found(orientation="landscape"), {"gps", "canon"})

    def test_bbox_finds_what_is_inside(self):
        self.assertEqual(self.found(bbox="-10,50,5,60"), {"gps"})
        self.assertEqual(self.found(bbox="-100,30,-90,40"), {"iphone"})
        self.assertEqual(self.found(bbox="-180,-90,180,90"), {"gps", "iphone"})
        self.assertEqual(self.found(bbox="170,-90,-90,90"), {"iphone"})  # across the antimeridian

    def test_locations_are_compact_and_paged(self):
        body = self.user.get("/api/locations", expect=200).json()
        items = {self.names[i["imageId"]]: i for i in body["items"]}
        self.assertEqual(set(items), {"gps", "iphone"})
        self.assertAlmostEqual(items["iphone"]["lat"], 39.0513444444444, places=6)
        self.assertAlmostEqual(items["iphone"]["lon"], -94.2887722222222, places=6)
        self.assertEqual(set(items["iphone"]), {"imageId", "lat", "lon", "takenAt"})
        first = self.user.get("/api/locations", params={"limit": 1}, expect=200).json()
        self.assertEqual(len(first["items"]), 1)
        second = self.user.get("/api/locations", params={"limit": 1, "cursor": first["nextCursor"]}, expect=200).json()
        self.assertEqual(len(second["items"]), 1)
        self.assertNotEqual(first["items"][0]["imageId"], second["items"][0]["imageId"])
        self.assertEqual(self.found("/api/locations", isoMin=10), {"iphone"})

    def test_export_csv_has_the_normalised_columns(self):
        r = self.user.get("/api/images/export", params={"format": "csv"}, expect=200)
        self.assertTrue(r.headers["Content-Type"].startswith("text/csv"))
        self.assertIn("attachment", r.headers["Content-Disposition"])
        rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8"))))
        self.assertEqual({row["imageId"] for row in rows}, set(self.ids.values()))
        iphone = next(row for row in rows if row["imageId"] == self.ids["iphone"])
        self.assertEqual(iphone["make"], "Apple")
        self.assertEqual(iphone["format"], "HEIC")
        self.assertEqual(iphone["takenAtZone"], "-05:00")
        self.assertAlmostEqual(float(iphone["latitude"]), 39.0513444, places=5)
        self.assertEqual(float(iphone["iso"]), 32)
        self.assertIn("iPhone 11 Pro Max", iphone["lens"])

    def test_export_ndjson_follows_the_filters(self):
        r = self.user.get("/api/images/export", params={"format": "ndjson", "hasGps": "true"}, expect=200)
        lines = [json.loads(l) for l in r.text.splitlines() if l]
        self.assertEqual({l["imageId"] for l in lines}, {self.ids["gps"], self.ids["iphone"]})
        self.assertEqual(next(l for l in lines if l["imageId"] == self.ids["iphone"])["metadata"]["Model"],
                         "iPhone 11 Pro Max")

    def test_other_users_see_nothing(self):
        stranger = new_user(self.server, "stranger")
        self.assertEqual(stranger.get("/api/locations", expect=200).json()["items"], [])
        r = stranger.get("/api/images/export", params={"format": "csv"}, expect=200)
        self.assertEqual(len(r.content.decode().strip().splitlines()), 1)  # the header alone

    def test_malformed_filters_are_400_and_the_server_keeps_serving(self):
        for params in ({"bbox": "0,91,1,92"}, {"bbox": "1,2,3"}, {"bbox": "0,10,1,5"}, {"bbox": "a,b,c,d"},
                       {"bbox": "-181,0,0,1"}, {"isoMin": "abc"}, {"isoMin": "-1"}, {"fMin": "nan"},
                       {"isoMin": "100", "isoMax": "50"}, {"orientation": "diagonal"}, {"exposureMax": "1e308"}):
            with self.subTest(params):
                for path in ("/api/images", "/api/locations"):
                    body = self.user.get(path, params=params, expect=400).json()
                    self.assertEqual(body["error"]["code"], "InvalidRequest")
        self.user.get("/api/images/export", params={"format": "xml"}, expect=400)
        self.user.get("/api/images/export", params={"limit": "100000000"}, expect=400)
        self.user.get("/api/images", expect=200)


if __name__ == "__main__":
    unittest.main()
