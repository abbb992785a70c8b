"""Two users who cannot see, read, change or delete each other's images, on every route and
in both directions: another user's image answers 404, exactly like a missing one."""

import re
import unittest

from harness import ServerTestCase, new_user, read_corpus, sha256_hex

JPEG = "jpeg/exiftool_GPS.jpg"
OTHER_JPEG = "jpeg/exiftool_Canon.jpg"


class IsolationTest(ServerTestCase):
    SERVER_ARGS = ("--multipart-threshold", "5MiB", "--part-size", "5MiB")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice = new_user(cls.server, "alice")
        cls.bob = new_user(cls.server, "bob")
        cls.image = {}
        cls.pending_multipart = {}
        for user, rel in ((cls.alice, JPEG), (cls.bob, OTHER_JPEG)):
            image_id = user.upload(read_corpus(rel))
            user.wait_final(image_id)
            cls.image[user.username] = image_id
            big = read_corpus(rel) + b"\0" * (6 << 20)
            cls.pending_multipart[user.username] = user.presign("big.jpg", "image/jpeg", len(big), sha256_hex(big)).json()

    def pairs(self):
        return ((self.alice, self.bob), (self.bob, self.alice))

    def assert_not_found(self, r):
        self.assertEqual(r.status_code, 404, r.text)
        self.assertEqual(r.json()["error"]["code"], "NotFound")

    def test_list_shows_only_own_images(self):
        for me, other in self.pairs():
            ids = {i["imageId"] for i in me.all_images()}
            self.assertIn(self.image[me.username], ids)
            self.assertNotIn(self.image[other.username], ids)

    def test_get_is_404(self):
        for me, other in self.pairs():
            self.assert_not_found(me.get("/api/images/" + self.image[other.username]))

    def test_get_of_a_missing_image_looks_the_same(self):
        a = self.alice.get("/api/images/" + self.image[self.bob.username]).json()["error"]
        b = self.alice.get("/api/images/01ARZ3NDEKTSV4RRFFQ69G5FAV").json()["error"]
        self.assertEqual(a, b)

    def test_content_is_404(self):
        for me, other in self.pairs():
            self.assert_not_found(me.get("/api/images/%s/content" % self.image[other.username]))

    def test_reextract_is_404(self):
        for me, other in self.pairs():
            self.assert_not_found(me.post("/api/images/%s/reextract" % self.image[other.username]))

    def test_delete_is_404_and_changes_nothing(self):
        for me, other in self.pairs():
            self.assert_not_found(me.delete("/api/images/" + self.image[other.username]))
            other.image(self.image[other.username], expect=200)
            other.get("/api/images/%s/content" % self.image[other.username], expect=200)

    def test_multipart_routes_are_404(self):
        for me, other in self.pairs():
            ticket = self.pending_multipart[other.username]
            upload_id = ticket["multipart"]["uploadId"]
            path = "/api/uploads/" + ticket["imageId"]
            self.assert_not_found(me.get(path + "/parts", params={"uploadId": upload_id}))
            self.assert_not_found(me.post(path + "/complete", {"uploadId": upload_id,
                                                               "parts": [{"partNumber": 1, "eTag": "x"}]}))
            self.assert_not_found(me.delete(path, params={"uploadId": upload_id}))
            other.get(path + "/parts", params={"uploadId": upload_id}, expect=200)

    def test_an_upload_url_cannot_be_pointed_at_another_key(self):
        # Bob takes his own valid URL and swaps in Alice's owner id and a new image id.
        data = read_corpus(JPEG) + b"bob"
        ticket = self.bob.presign("x.jpg", "image/jpeg", len(data)).json()
        forged = ticket["url"].replace(self.bob.user_id, self.alice.user_id)
        self.assertNotEqual(forged, ticket["url"])
        r = self.bob.put_blob(ticket, data, url=forged, expect=403)
        self.assertEqual(r.json()["error"]["code"], "SignatureDoesNotMatch")
        forged_id = re.sub(r"/[0-9A-HJKMNP-TV-Z]{26}\?", "/" + self.image[self.alice.username] + "?", ticket["url"])
        self.bob.put_blob(ticket, data, url=forged_id, expect=403)
        self.assertEqual(self.alice.get("/api/images/%s/content" % self.image[self.alice.username]).content,
                         read_corpus(JPEG))

    def test_a_used_upload_url_cannot_overwrite(self):
        data = read_corpus(JPEG) + b"once"
        ticket = self.alice.presign("once.jpg", "image/jpeg", len(data)).json()
        self.alice.put_blob(ticket, data, expect=200)
        again = data[:-4] + b"twce"
        r = self.alice.put_blob(ticket, again, expect=404)
        self.assertEqual(r.json()["error"]["code"], "NoSuchUpload")
        self.assertEqual(self.alice.get("/api/images/%s/content" % ticket["imageId"]).content, data)

    def test_bearer_of_one_user_never_sees_the_other_in_me(self):
        self.assertEqual(self.alice.get("/api/me").json()["userId"], self.alice.user_id)
        self.assertEqual(self.bob.get("/api/me").json()["userId"], self.bob.user_id)

    def test_duplicate_detection_is_per_user(self):
        data = read_corpus(JPEG)
        # Alice has these bytes; Bob may upload them as his own.
        r = self.bob.presign("same.jpg", "image/jpeg", len(data), sha256_hex(data))
        self.assertEqual(r.status_code, 201)


if __name__ == "__main__":
    unittest.main()
