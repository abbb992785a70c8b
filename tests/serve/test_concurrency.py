"""Many clients at once: 8 users, each on its own thread, uploading 10 different corpus
images concurrently. Every upload lands exactly once, ends ready, and stays with its owner."""

import os
import threading
import time
import unittest

from harness import CORPUS, ServerTestCase, new_user, read_corpus

THREADS = 8
UPLOADS_PER_THREAD = 10


class ManyClientsTest(ServerTestCase):
    SERVER_ARGS = ("--workers", "2")

    def test_concurrent_uploads_all_land_and_stay_isolated(self):
        names = sorted(os.listdir(os.path.join(CORPUS, "jpeg")))[:UPLOADS_PER_THREAD * 2]
        users = [new_user(self.server, "crowd") for _ in range(THREADS)]
        results = {u.user_id: [] for u in users}
        errors = []

        def run(index, user):
            try:
                # Each user starts at a different file, so the threads interleave distinct bytes.
                for k in range(UPLOADS_PER_THREAD):
                    rel = "jpeg/" + names[(index + k) % len(names)]
                    results[user.user_id].append((user.upload(read_corpus(rel), filename=rel), rel))
            except Exception as e:  # reported below, with the thread it happened on
                errors.append("thread %d: %r" % (index, e))

        started = time.time()
        threads = [threading.Thread(target=run, args=(i, u)) for i, u in enumerate(users)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        upload_seconds = time.time() - started
        self.assertEqual(errors, [])
        for user in users:
            mine = results[user.user_id]
            self.assertEqual(len(mine), UPLOADS_PER_THREAD)
            for image_id, rel in mine:
                self.assertEqual(user.wait_final(image_id)["status"], "ready", rel)
            listed = {i["imageId"] for i in user.all_images()}
            self.assertEqual(listed, {image_id for image_id, _ in mine})
        total = THREADS * UPLOADS_PER_THREAD
        print("\n  %d uploads from %d clients in %.2fs (%.0f uploads/s), all ready after %.2fs"
              % (total, THREADS, upload_seconds, total / upload_seconds, time.time() - started))


if __name__ == "__main__":
    unittest.main()
