"""The Runtime API contract of `imgmeta lambda`: posts retried when the Runtime API fails,
the invocation deadline honoured, the trace header passed on, init errors reported, and the
time from process start to the first `next` request (cold start) measured.
"""

import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))

from harness import BUCKET, TABLE, LambdaProcess, Moto, Stack, corpus, ulid  # noqa: E402
from runtime_emulator import RuntimeEmulator  # noqa: E402

OWNER = "7f1c2d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f"


class LambdaRuntime(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = Moto()
        cls.stack = Stack(cls.moto)

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def start(self, emu, **env):
        base = {"_HANDLER": "extract", "AWS_ENDPOINT_URL": self.moto.url, "BUCKET_NAME": BUCKET, "TABLE_NAME": TABLE}
        base.update(env)
        fn = LambdaProcess(emu, base)
        self.addCleanup(fn.stop)
        return fn

    def upload_and_receive(self, path="png/exiftool_PNG.png", ctype="image/png"):
        key = f"uploads/{OWNER}/{ulid(len(path))}"
        self.stack.put_presigned(key, corpus(path), ctype)
        return key, self.stack.receive(want=1)

    def test_cold_start_reaches_next_quickly(self):
        with RuntimeEmulator() as emu:
            fn = self.start(emu)
            deadline = time.monotonic() + 10
            while not emu.next_requests and time.monotonic() < deadline:
                time.sleep(0.001)
            self.assertTrue(emu.next_requests)
            cold_ms = (emu.next_requests[0] - fn.started_at) * 1000
            print(f"\ncold start (process start -> first next): {cold_ms:.1f} ms", file=sys.stderr)
            self.assertLess(cold_ms, 1000)

    def test_failed_posts_to_the_runtime_api_are_retried(self):
        key, msgs = self.upload_and_receive()
        with RuntimeEmulator() as emu:
            self.start(emu)
            emu.fail_posts = 2
            result = emu.invoke(self.stack.sqs_event(msgs))
            self.assertEqual(result.kind, "response")
            self.assertEqual(result.json(), {"batchItemFailures": []})
            self.assertEqual(emu.post_attempts, 3)

    def test_records_are_not_started_too_close_to_the_deadline(self):
        key, msgs = self.upload_and_receive("gif/exiftool_GIF.gif", "image/gif")
        with RuntimeEmulator() as emu:
            fn = self.start(emu)
            result = emu.invoke(self.stack.sqs_event(msgs), deadline_in_ms=300)
            self.assertEqual(result.json(), {"batchItemFailures": [{"itemIdentifier": msgs[0]["MessageId"]}]})
            # Redelivered with time to spare, it succeeds.
            self.assertEqual(emu.invoke(self.stack.sqs_event(msgs)).json(), {"batchItemFailures": []})
        lines = [l for l in fn.json_lines() if l.get("key") == key]
        self.assertEqual([l["Outcome"] for l in lines], ["error", "ready"])
        self.assertEqual(lines[0]["reason"], "Deadline")

    def test_the_trace_header_reaches_the_log(self):
        key, msgs = self.upload_and_receive("bmp/exiftool_BMP.bmp", "image/bmp")
        trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
        with RuntimeEmulator() as emu:
            fn = self.start(emu)
            emu.invoke(self.stack.sqs_event(msgs), trace_id=trace)
        line = [l for l in fn.json_lines() if l.get("key") == key][-1]
        self.assertEqual(line["traceId"], trace)

    def test_an_unknown_handler_is_an_init_error(self):
        with RuntimeEmulator() as emu:
            fn = self.start(emu, _HANDLER="resize")
            self.assertEqual(fn.proc.wait(20), 1)
        self.assertEqual(emu.init_errors[0][0], "Runtime.InvalidHandler")
        self.assertIn("resize", json.loads(emu.init_errors[0][1])["errorMessage"])


if __name__ == "__main__":
    unittest.main()
