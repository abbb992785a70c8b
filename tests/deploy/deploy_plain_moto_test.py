"""deploy.sh against plain moto_server (without deploy/local/moto_shim_server.py): moto
cannot make the stack (it skips Amplify, Cognito and API Gateway in CloudFormation and then
fails on `!GetAtt AmplifyApp.DefaultDomain`), so deploy.sh must say so in a sentence that
names the way out, and leave nothing behind: no stack, no bucket."""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.request

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("IMGMETA_SOURCE_DIR") or os.path.abspath(os.path.join(HERE, "../.."))
BIN = os.environ.get("IMGMETA_BIN") or os.path.join(SOURCE, "build/dev/src/cli/imgmeta")


class PlainMoto(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="imgmeta-plain-moto-")
        self.log = open(os.path.join(self.work, "moto.log"), "w")
        self.proc = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", "0"], stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 30
        self.url = None
        while self.url is None and time.time() < deadline:
            m = re.search(r"Running on (http://127\.0\.0\.1:\d+)", open(self.log.name).read())
            self.url = m.group(1) if m else None
            time.sleep(0.1)
        self.assertIsNotNone(self.url, open(self.log.name).read())
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url + "/moto-api/", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)

    def tearDown(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.work, ignore_errors=True)

    def test_a_clear_message_and_nothing_left(self):
        site = os.path.join(self.work, "dist")
        os.makedirs(site)
        with open(os.path.join(site, "index.html"), "w") as f:
            f.write("<!doctype html>\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                   AWS_CONFIG_FILE=os.path.join(self.work, "none"), AWS_SHARED_CREDENTIALS_FILE=os.path.join(self.work, "none"))
        p = subprocess.run([os.path.join(SOURCE, "deploy/deploy.sh"), "deploy", "--stack-name", "imgmeta-p",
                            "--region", "us-east-1", "--endpoint-url", self.url, "--binary", BIN, "--web-dist", site],
                           capture_output=True, text=True, env=env, timeout=120)
        out = p.stdout + p.stderr
        self.assertNotEqual(p.returncode, 0, out)
        self.assertIn("plain moto_server", out)
        self.assertIn("deploy/deploy.sh local", out)
        self.assertIn("Nothing was created", out)
        self.assertNotIn("Traceback", out)
        self.assertNotIn("GetAtt", out)  # not the raw CloudFormation error
        c = dict(endpoint_url=self.url, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
        self.assertEqual(boto3.client("cloudformation", **c).list_stacks()["StackSummaries"], [])
        self.assertEqual(boto3.client("s3", **c).list_buckets()["Buckets"], [])


if __name__ == "__main__":
    unittest.main()
