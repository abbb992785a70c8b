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


class PreviewCacheTest(ServerTestCase):
    """A rendition's URL names its version, so a GET of a key under previews/ may be cached
    for good; originals keep the headers the content route gives them."""

    def presigned_get(self, key):
        # The server's own presigning, rebuilt with botocore: path-style URLs under /blobs/
        # put the first key segment where the bucket goes; the secret is the data dir's key.
        import boto3
        from botocore.config import Config
        with open(os.path.join(self.server.data_dir, "keys", "presign.key")) as f:
            secret = f.read().strip()[:64]
        bucket, rest = key.split("/", 1)
        s3 = boto3.client("s3", endpoint_url=self.server.base + "/blobs", region_name="local",
                          aws_access_key_id="imgmeta-local", aws_secret_access_key=secret,
                          config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
        return s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": rest}, ExpiresIn=600)

    def test_preview_blobs_are_immutable_and_originals_are_not(self):
        user = new_user(self.server, "preview")
        image_id = user.upload(unique(read_corpus("jpeg/" + sorted(os.listdir(os.path.join(CORPUS, "jpeg")))[3]), 7))
        preview = os.path.join(self.server.data_dir, "blobs", "previews", user.user_id, image_id + "-v1.webp")
        os.makedirs(os.path.dirname(preview), exist_ok=True)
        with open(preview, "wb") as f:
            f.write(b"RIFF\x00\x00\x00\x00WEBPVP8 preview bytes")
        r = user.get("", url=self.presigned_get("previews/%s/%s-v1.webp" % (user.user_id, image_id)),
                     auth=False, validate=False, expect=200)
        self.assertEqual(r.headers["Cache-Control"], "private, max-age=31536000, immutable")
        # An original answers as the content route does (its own, unchanged, headers).
        original = user.get("", url=self.presigned_get("uploads/%s/%s" % (user.user_id, image_id)),
                            auth=False, validate=False, expect=200)
        content = user.get("/api/images/%s/content" % image_id, validate=False, expect=200)
        self.assertEqual(original.headers["Cache-Control"], content.headers["Cache-Control"])


if __name__ == "__main__":
    unittest.main()
