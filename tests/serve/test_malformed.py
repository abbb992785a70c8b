"""Every file of ../shared/corpus/malformed uploaded: the server keeps serving, and each file
ends with a final status; a file that is not ready says why (in the record, the logs and the
metrics). Also a non-image declared as an image, and the re-extraction of a failure."""

import os
import unittest

from harness import CORPUS, ServerTestCase, new_user, read_corpus

MALFORMED = os.path.join(CORPUS, "malformed")

CONTENT_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
                 ".webp": "image/webp", ".tif": "image/tiff", ".tiff": "image/tiff", ".heic": "image/heic",
                 ".avif": "image/avif", ".bmp": "image/bmp", ".ico": "image/x-icon"}


class MalformedUploadsTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_user(cls.server, "malformed")
        cls.uploaded = {}
        for name in sorted(os.listdir(MALFORMED)):
            data = read_corpus("malformed/" + name)
            ctype = CONTENT_TYPES.get(os.path.splitext(name)[1].lower(), "application/octet-stream")
            cls.uploaded[name] = (cls.user.upload(data, filename=name, content_type=ctype), len(data))
            cls.user.get("/healthz", expect=200)  # still serving after each one
        cls.final = {name: cls.user.wait_final(image_id) for name, (image_id, _) in cls.uploaded.items()}

    def test_every_file_was_accepted_and_ends_final(self):
        self.assertEqual(len(self.final), len(os.listdir(MALFORMED)))
        for name, body in self.final.items():
            self.assertIn(body["status"], ("ready", "failed", "unsupported"), name)
            self.assertEqual(body["size"], self.uploaded[name][1], name)

    def test_failed_and_unsupported_files_say_why(self):
        not_ready = {n: b for n, b in self.final.items() if b["status"] != "ready"}
        self.assertGreater(len(not_ready), 0)
        for name, body in not_ready.items():
            self.assertTrue(body["error"], "%s is %s without a reason" % (name, body["status"]))

    def test_ready_files_carry_no_error(self):
        for name, body in self.final.items():
            if body["status"] == "ready":
                self.assertIsNone(body["error"], name)

    def test_status_filter_lists_exactly_the_failures(self):
        for status in ("failed", "unsupported"):
            expected = {b["imageId"] for b in self.final.values() if b["status"] == status}
            got = {i["imageId"] for i in self.user.all_images(status=status)}
            self.assertEqual(got, expected, status)

    def test_failures_are_logged_with_their_reason(self):
        not_ready = {b["imageId"]: b for b in self.final.values() if b["status"] != "ready"}
        logged = {}
        for line in self.server.log_lines():
            if line.get("imageId") in not_ready and line.get("level") == "warn":
                logged[line["imageId"]] = line
        self.assertEqual(set(logged), set(not_ready))
        for image_id, line in logged.items():
            self.assertEqual(line["reason"], not_ready[image_id]["error"])
            self.assertTrue(line["requestId"])

    def test_failures_are_counted_in_metrics(self):
        text = self.user.get("/metrics", auth=False, expect=200).text
        counts = {}
        for line in text.splitlines():
            if line.startswith("imgmeta_events_total{"):
                label = line.split('outcome="')[1].split('"')[0]
                counts[label] = float(line.rsplit(" ", 1)[1])
        statuses = [b["status"] for b in self.final.values()]
        self.assertGreaterEqual(counts.get("failed", 0), statuses.count("failed"))
        self.assertGreaterEqual(counts.get("unsupported", 0), statuses.count("unsupported"))

    def test_reextract_of_a_failure_ends_final_again(self):
        body = next(b for b in self.final.values() if b["status"] != "ready")
        self.user.post("/api/images/%s/reextract" % body["imageId"], expect=202)
        again = self.user.wait_final(body["imageId"])
        self.assertEqual(again["status"], body["status"])
        self.assertEqual(again["error"], body["error"])

    def test_text_declared_as_jpeg_is_unsupported(self):
        image_id = self.user.upload(b"this is not an image, just text\n" * 10, filename="notes.jpg")
        body = self.user.wait_final(image_id)
        self.assertEqual(body["status"], "unsupported")
        self.assertTrue(body["error"])


if __name__ == "__main__":
    unittest.main()
