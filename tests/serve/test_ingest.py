"""Ingest on the local store: a single PUT's ETag is derived from the SHA-256 the write
computes anyway (no MD5 pass), and is what later GETs of the bytes answer with; concurrent
uploads that share commits are each acknowledged only once recorded."""

import os
import threading
import unittest

from harness import CORPUS, ServerTestCase, new_user, read_corpus, sha256_hex


def unique(data, n):
    return data + b"ingest-%d-%d" % (os.getpid(), n)


class IngestTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_user(cls.server, "ingest")
        cls.jpeg = read_corpus("jpeg/" + sorted(os.listdir(os.path.join(CORPUS, "jpeg")))[2])

    def test_etag_is_the_first_128_bits_of_the_sha256(self):
        data = unique(self.jpeg, 1)
        ticket = self.user.presign("e.jpg", "image/jpeg", len(data)).json()  # no sha256: the server hashes
        r = self.user.put_blob(ticket, data, expect=200)
        digest = sha256_hex(data)
        self.assertEqual(r.headers["ETag"], '"%s"' % digest[:32])
        self.assertEqual(r.json()["sha256"], digest)
        image = self.user.wait_final(ticket["imageId"])
        content = self.user.get("/api/images/%s/content" % ticket["imageId"], expect=200, validate=False)
        self.assertEqual(content.content, data)
        self.assertIn(digest[:32], content.headers["ETag"])
        self.assertEqual(image["sha256"], digest)

    def test_concurrent_uploads_are_all_recorded_when_acknowledged(self):
        users = [new_user(self.server, "group") for _ in range(8)]
        acknowledged = {}
        errors = []
        lock = threading.Lock()

        def upload(i, user):
            for k in range(6):
                data = unique(self.jpeg, 1000 + i * 100 + k)
                try:
                    image_id = user.upload(data, filename="g%d-%d.jpg" % (i, k))
                except Exception as e:  # noqa: BLE001 - reported below
                    with lock:
                        errors.append(repr(e))
                    return
                # Acknowledged means recorded: the record is there at once, pending or later.
                body = user.image(image_id).json()
                with lock:
                    acknowledged[image_id] = (user, body["status"], body["sha256"], sha256_hex(data))

        threads = [threading.Thread(target=upload, args=(i, u)) for i, u in enumerate(users)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(errors, [])
        self.assertEqual(len(acknowledged), 8 * 6)
        for image_id, (user, status, recorded, sent) in acknowledged.items():
            self.assertIn(status, ("pending", "ready", "failed", "unsupported"))
            self.assertEqual(recorded, sent)
            self.assertIn(user.wait_final(image_id)["status"], ("ready", "failed", "unsupported"))


if __name__ == "__main__":
    unittest.main()
