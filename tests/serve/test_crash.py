"""Crash safety: SIGKILL the server during an upload storm, restart it on the same data
directory, and check that every upload the server acknowledged ends ready or failed, that
nothing stays pending, that a half-sent upload left neither record nor file, and that no
temp file survives."""

import http.client
import os
import tempfile
import threading
import time
import unittest
import urllib.parse

from harness import CORPUS, Server, new_user, read_corpus, sha256_hex, upload_temp_files

STORM_THREADS = 8




class CrashTest(unittest.TestCase):

    def test_sigkill_during_uploads_loses_nothing_acknowledged(self):
        tmp = tempfile.TemporaryDirectory(prefix="imgmeta-crash-test-")
        self.addCleanup(tmp.cleanup)
        server = Server("--workers", "1", data_dir=tmp.name)
        self.addCleanup(server.cleanup)
        server.start()

        jpegs = sorted(os.listdir(os.path.join(CORPUS, "jpeg")))
        users = [new_user(server, "storm") for _ in range(STORM_THREADS)]
        acknowledged = {u.user_id: [] for u in users}
        stop = threading.Event()

        def storm(index, user):
            k = 0
            while not stop.is_set():
                rel = "jpeg/" + jpegs[(index * 31 + k) % len(jpegs)]
                k += 1
                try:
                    acknowledged[user.user_id].append(user.upload(read_corpus(rel), filename=rel))
                except Exception:
                    return  # the server is gone

        # One more client stops half-way through its body and never finishes.
        half_user = new_user(server, "half")
        half_data = read_corpus("jpeg/" + jpegs[0]) + os.urandom(1 << 20)
        half_ticket = half_user.presign("half.jpg", "image/jpeg", len(half_data), sha256_hex(half_data)).json()
        u = urllib.parse.urlsplit(half_ticket["url"])
        half = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        half.putrequest("PUT", u.path + "?" + u.query)
        for name, value in half_ticket["headers"].items():
            half.putheader(name, value)
        half.putheader("Content-Length", str(len(half_data)))
        half.endheaders()
        half.send(half_data[: len(half_data) // 2])

        threads = [threading.Thread(target=storm, args=(i, u)) for i, u in enumerate(users)]
        for t in threads:
            t.start()
        deadline = time.time() + 20
        while sum(len(v) for v in acknowledged.values()) < 20 and time.time() < deadline:
            time.sleep(0.01)
        server.kill()  # SIGKILL, mid-storm
        stop.set()
        for t in threads:
            t.join(timeout=30)
        half.close()
        total = sum(len(v) for v in acknowledged.values())
        self.assertGreaterEqual(total, 20, "the storm never got going")

        restarted = Server(data_dir=tmp.name)
        self.addCleanup(restarted.cleanup)
        restarted.start()
        for user in users + [half_user]:
            user.server = restarted  # same tokens: the signing key is in the data directory

        # Nothing stays pending once the restarted workers have caught up.
        deadline = time.time() + 60
        for user in users:
            while True:
                items = user.all_images()
                pending = [i["imageId"] for i in items if i["status"] == "pending"]
                if not pending:
                    break
                self.assertLess(time.time(), deadline, "still pending after restart: %s" % pending)
                time.sleep(0.1)
            listed = {i["imageId"]: i for i in items}
            for image_id in acknowledged[user.user_id]:
                self.assertIn(image_id, listed, "an acknowledged upload was lost")
                self.assertIn(listed[image_id]["status"], ("ready", "failed"))
            for item in items:
                self.assertIn(item["status"], ("ready", "failed", "unsupported"))

        half_user.image(half_ticket["imageId"], expect=404)
        self.assertEqual(upload_temp_files(tmp.name), [])
        metrics = users[0].get("/metrics", auth=False, expect=200).text
        self.assertIn('imgmeta_outbox_rows{state="queued"} 0', metrics)
        self.assertIn('imgmeta_outbox_rows{state="leased"} 0', metrics)
        self.assertTrue(any(l.get("msg") == "recovery done" for l in restarted.log_lines()))
        self.assertEqual(restarted.stop(), 0)
        handled_after = sum(1 for l in restarted.log_lines() if l.get("msg") == "event handled")
        print("\n  %d uploads acknowledged before SIGKILL; %d events finished by the restarted server; "
              "all final" % (total, handled_after))


if __name__ == "__main__":
    unittest.main()
