"""The trash against a real `imgmeta serve`: DELETE moves an image to the trash (hidden from
every listing, still answered by id, with trashedAt and purgeAt), GET /api/trash lists it,
restore brings it back, POST /api/trash/empty and the expiry sweeper (--trash-days 0) delete
for good through the permanent-delete path: record, bytes and renditions."""

import datetime
import json
import os
import time
import unittest

from harness import Server, ServerTestCase, new_user, read_corpus

GPS = "jpeg/exiftool_GPS.jpg"
CANON = "jpeg/ianare_Canon_40D.jpg"
NIKON = "jpeg/exiftool_NikonD2Hs.jpg"


def parse_time(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


def files_of(data_dir, image_id):
    """Every file under the data directory whose path names the image (original and renditions)."""
    out = []
    for root, _, names in os.walk(data_dir):
        for n in names:
            p = os.path.join(root, n)
            if image_id in p:
                out.append(p)
    return out


def wait_until(what, predicate, timeout=20):
    deadline = time.time() + timeout
    while not predicate():
        if time.time() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.1)


class TrashTest(ServerTestCase):
    SERVER_ARGS = ("--trash-days", "30")

    def setUp(self):
        self.user = new_user(self.server, "trash")
        self.ids = {}
        for rel in (GPS, CANON, NIKON):
            image_id = self.user.upload(read_corpus(rel), filename=os.path.basename(rel))
            self.user.wait_final(image_id)
            self.ids[rel] = image_id

    def listed(self, **params):
        return {i["imageId"] for i in self.user.all_images(**params)}

    def trash_ids(self, user=None):
        return [i["imageId"] for i in (user or self.user).get("/api/trash", expect=200).json()["items"]]

    def test_deleted_image_leaves_every_listing_but_is_still_answered_by_id(self):
        gps = self.ids[GPS]
        located = self.user.get("/api/locations", expect=200).json()["items"]
        self.assertIn(gps, {i["imageId"] for i in located})
        before_facets = self.user.get("/api/facets", expect=200).json()
        self.user.delete("/api/images/" + gps, expect=204)

        self.assertEqual(self.listed(), {self.ids[CANON], self.ids[NIKON]})
        self.assertNotIn(gps, {i["imageId"] for i in self.user.get("/api/locations", expect=200).json()["items"]})
        export = self.user.get("/api/images/export", params={"format": "ndjson"}, expect=200).text
        exported = {json.loads(line)["imageId"] for line in export.splitlines() if line.strip()}
        self.assertEqual(exported, {self.ids[CANON], self.ids[NIKON]})
        after_facets = self.user.get("/api/facets", expect=200).json()
        self.assertEqual(sum(v["count"] for v in after_facets["format"]),
                         sum(v["count"] for v in before_facets["format"]) - 1)

        img = self.user.image(gps).json()
        trashed_at, purge_at = parse_time(img["trashedAt"]), parse_time(img["purgeAt"])
        self.assertEqual(purge_at - trashed_at, datetime.timedelta(days=30))
        self.assertLess(abs((datetime.datetime.now(datetime.timezone.utc) - trashed_at).total_seconds()), 60)
        # The bytes and the renditions stay while it is in the trash (the Trash view shows them).
        self.assertEqual(self.user.get("/api/images/%s/content" % gps, expect=200).content, read_corpus(GPS))
        self.assertEqual(self.trash_ids(), [gps])
        listed = self.user.get("/api/trash", expect=200).json()["items"][0]
        self.assertEqual(listed["trashedAt"], img["trashedAt"])
        self.assertEqual(listed["purgeAt"], img["purgeAt"])
        self.assertNotIn("trashedAt", self.user.image(self.ids[CANON]).json())

    def test_delete_is_idempotent_and_keeps_the_first_time(self):
        image_id = self.ids[CANON]
        self.user.delete("/api/images/" + image_id, expect=204)
        first = self.user.image(image_id).json()["trashedAt"]
        time.sleep(0.01)
        self.user.delete("/api/images/" + image_id, expect=204)
        self.assertEqual(self.user.image(image_id).json()["trashedAt"], first)
        self.assertEqual(self.trash_ids(), [image_id])

    def test_restore_brings_it_back_once(self):
        image_id = self.ids[NIKON]
        self.user.post("/api/images/%s/restore" % image_id, expect=404)  # not in the trash
        self.user.delete("/api/images/" + image_id, expect=204)
        back = self.user.post("/api/images/%s/restore" % image_id, expect=200).json()
        self.assertEqual(back["imageId"], image_id)
        self.assertNotIn("trashedAt", back)
        self.assertIn(image_id, self.listed())
        self.assertEqual(self.trash_ids(), [])
        self.user.post("/api/images/%s/restore" % image_id, expect=404)

    def test_trash_is_newest_trashed_first_and_paginated(self):
        order = [self.ids[CANON], self.ids[GPS], self.ids[NIKON]]
        for image_id in order:
            self.user.delete("/api/images/" + image_id, expect=204)
            time.sleep(0.005)  # distinct trashedAt
        first = self.user.get("/api/trash", params={"limit": 2}, expect=200).json()
        self.assertEqual([i["imageId"] for i in first["items"]], order[::-1][:2])
        self.assertTrue(first["nextCursor"])
        rest = self.user.get("/api/trash", params={"limit": 2, "cursor": first["nextCursor"]}, expect=200).json()
        self.assertEqual([i["imageId"] for i in rest["items"]], order[:1])
        self.assertIsNone(rest["nextCursor"])
        self.user.get("/api/trash", params={"limit": 0}, expect=400)
        self.user.get("/api/trash", params={"cursor": "nonsense"}, expect=400)
        self.assertEqual(self.listed(), set())

    def test_another_users_image_is_404_on_every_trash_route(self):
        bob = new_user(self.server, "bob")
        image_id = self.ids[GPS]
        self.assertEqual(bob.delete("/api/images/" + image_id, expect=404).json()["error"]["code"], "NotFound")
        self.user.delete("/api/images/" + image_id, expect=204)
        bob.post("/api/images/%s/restore" % image_id, expect=404)
        bob.image(image_id, expect=404)
        self.assertEqual(self.trash_ids(bob), [])
        self.assertEqual(bob.post("/api/trash/empty", expect=200).json(), {"deleted": 0})
        self.assertEqual(self.trash_ids(), [image_id])
        self.user.image(image_id, expect=200)

    def test_empty_trash_deletes_record_bytes_and_renditions(self):
        gone, kept = self.ids[GPS], self.ids[CANON]
        self.user.delete("/api/images/" + gone, expect=204)
        self.assertTrue(files_of(self.server.data_dir, gone))
        self.assertEqual(self.user.post("/api/trash/empty", expect=200).json(), {"deleted": 1})
        self.user.image(gone, expect=404)
        self.user.get("/api/images/%s/content" % gone, expect=404)
        self.assertEqual(self.trash_ids(), [])
        self.user.post("/api/images/%s/restore" % gone, expect=404)
        wait_until("the bytes and renditions to go", lambda: not files_of(self.server.data_dir, gone))
        self.user.image(kept, expect=200)
        self.assertTrue(files_of(self.server.data_dir, kept))
        self.assertEqual(self.user.post("/api/trash/empty", expect=200).json(), {"deleted": 0})

    def test_permanent_delete_skips_the_trash(self):
        image_id = self.ids[NIKON]
        self.user.delete("/api/images/" + image_id, params={"permanent": "maybe"}, expect=400)
        self.user.image(image_id, expect=200)
        self.user.delete("/api/images/" + image_id, params={"permanent": "true"}, expect=204)
        self.user.image(image_id, expect=404)
        self.assertEqual(self.trash_ids(), [])
        wait_until("the bytes to go", lambda: not files_of(self.server.data_dir, image_id))

    def test_reextraction_keeps_a_trashed_image_in_the_trash(self):
        image_id = self.ids[CANON]
        self.user.delete("/api/images/" + image_id, expect=204)
        before = self.user.image(image_id).json()
        self.user.post("/api/images/%s/reextract" % image_id, expect=202)
        wait_until("the re-extraction", lambda: self.user.image(image_id).json()["updatedAt"] != before["updatedAt"])
        after = self.user.image(image_id).json()
        self.assertEqual(after["status"], "ready")
        self.assertEqual(after["trashedAt"], before["trashedAt"])
        self.assertNotIn(image_id, self.listed())
        self.assertEqual(self.trash_ids(), [image_id])


class TrashExpiryTest(unittest.TestCase):
    """--trash-days 0: the sweeper deletes what is trashed at its next run (every second here)."""

    def test_expired_images_are_deleted_for_good_by_the_sweeper(self):
        server = Server("--trash-days", "0", "--trash-sweep-interval", "1")
        self.addCleanup(server.cleanup)
        server.start()
        user = new_user(server, "expiry")
        doomed = user.upload(read_corpus(GPS), filename="doomed.jpg")
        kept = user.upload(read_corpus(CANON), filename="kept.jpg")
        user.wait_final(doomed)
        user.wait_final(kept)
        self.assertTrue(files_of(server.data_dir, doomed))
        user.delete("/api/images/" + doomed, expect=204)
        wait_until("the sweeper to delete the record", lambda: user.image(doomed, expect=None).status_code == 404)
        wait_until("the bytes and renditions to go", lambda: not files_of(server.data_dir, doomed))
        self.assertEqual(user.get("/api/trash", expect=200).json()["items"], [])
        user.image(kept, expect=200)
        self.assertTrue(files_of(server.data_dir, kept))
        sweeps = [l for l in server.log_lines() if l.get("msg") == "trash sweep"]
        self.assertTrue(sweeps and sweeps[-1]["deleted"] >= 1, sweeps)
        self.assertEqual(server.stop(), 0)


if __name__ == "__main__":
    unittest.main()
