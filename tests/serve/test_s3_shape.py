"""`imgmeta serve` on S3 storage: bytes in an S3 bucket (moto_server on loopback), the
bucket's notifications through SQS to the server's queue workers, metadata in DynamoDB.
The browser's path is the same as in the embedded default (presign, PUT, poll), except
that the PUT goes to S3."""

import importlib.util
import os
import subprocess
import time
import unittest

import requests

import harness
from harness import Client, Server, corpus_file, oracle, read_corpus, sha256_hex, unique_name

# tests/lambda/harness.py: moto_server and the bucket/table/queue stack (a module of the
# same name as ours, so it is loaded under another).
_spec = importlib.util.spec_from_file_location(
    "lambda_harness", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lambda", "harness.py"))
aws = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(aws)

PHOTOS = ["jpeg/exiftool_GPS.jpg", "jpeg/ianare_Canon_40D.jpg", "png/libpng_basn2c08.png", "heif/ianare_IMG_5195.HEIC"]


CONTENT_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".heic": "image/heic"}


def put_to_s3(ticket, data):
    """The browser's PUT: to the presigned S3 URL with the headers the ticket names."""
    r = requests.put(ticket["url"], data=data, headers=ticket.get("headers") or {}, timeout=30)
    if r.status_code != 200:
        raise AssertionError("PUT to S3: %d %s" % (r.status_code, r.text[:300]))


class S3ShapeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = aws.Moto()
        cls.addClassCleanup(cls.moto.stop)
        cls.stack = aws.Stack(cls.moto)

    def server(self, *extra):
        s = Server("--blob", "s3://" + self.stack.bucket, "--events", self.stack.queue_url,
                   "--meta", "dynamodb://" + self.stack.table, "--endpoint-url", self.moto.url,
                   "--queue-wait", "1", *extra,
                   env={"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1"})
        self.addCleanup(s.cleanup)
        return s.start()

    def user(self, server):
        c = Client(server)
        name = unique_name("s3user")
        c.sign_up(name)
        c.sign_in(name)
        return c

    def upload(self, client, rel, content_type):
        data = read_corpus(rel)
        ticket = client.presign(os.path.basename(rel), content_type, len(data), sha256_hex(data)).json()
        self.assertTrue(ticket["url"].startswith(self.moto.url + "/" + self.stack.bucket + "/uploads/"), ticket["url"])
        put_to_s3(ticket, data)
        return ticket["imageId"], data

    def test_journey_on_s3_sqs_and_dynamodb(self):
        server = self.server()
        alice = self.user(server)
        ids = {}
        for rel in PHOTOS:
            image_id, data = self.upload(alice, rel, CONTENT_TYPES[os.path.splitext(rel)[1].lower()])
            # Right after the PUT the image is known (pending or already done), never 404.
            self.assertIn(alice.image(image_id).json()["status"], {"pending", "ready"})
            ids[rel] = (image_id, data)
        for rel, (image_id, data) in ids.items():
            body = alice.wait_final(image_id)
            self.assertEqual(body["status"], "ready", body)
            want = oracle(rel)
            for field in ("FileType", "ImageWidth", "ImageHeight", "Make", "Model"):
                if field in want:
                    self.assertEqual(body["metadata"].get(field), want[field], "%s %s" % (rel, field))
            item = self.stack.item(alice.user_id, image_id)
            self.assertIsNotNone(item, "no DynamoDB item for " + rel)
            self.assertEqual(item["status"]["S"], "ready")
            got = alice.get("/api/images/%s/content" % image_id, expect=200)
            self.assertEqual(got.content, data)
        gps_id = ids["jpeg/exiftool_GPS.jpg"][0]
        with_gps = {ids[rel][0] for rel in PHOTOS if "GPSLatitude" in oracle(rel)}
        self.assertIn(gps_id, with_gps)
        self.assertEqual({i["imageId"] for i in alice.all_images(hasGps="true")}, with_gps)
        self.assertEqual(len(alice.all_images()), len(PHOTOS))
        self.assertEqual(alice.get("/readyz", validate=False).status_code, 200)

        # Delete: the object leaves the bucket and the record goes.
        alice.delete("/api/images/" + gps_id, params={"permanent": "true"}, expect=204)
        alice.image(gps_id, expect=404)
        with self.assertRaises(Exception):
            self.stack.s3.head_object(Bucket=self.stack.bucket, Key="uploads/%s/%s" % (alice.user_id, gps_id))
        # Re-extraction goes through S3 (CopyObject) and the queue, and ends ready again.
        canon_id = ids["jpeg/ianare_Canon_40D.jpg"][0]
        before = alice.image(canon_id).json()["updatedAt"]
        alice.post("/api/images/%s/reextract" % canon_id, expect=202)
        deadline = time.time() + 20
        while alice.image(canon_id).json()["updatedAt"] == before and time.time() < deadline:
            time.sleep(0.1)
        after = alice.image(canon_id).json()
        self.assertEqual(after["status"], "ready")
        self.assertNotEqual(after["updatedAt"], before, "re-extraction never ran")
        self.assertEqual(server.stop(), 0)
        handled = [l for l in server.log_lines() if l.get("msg") == "event handled"]
        self.assertGreaterEqual(len(handled), len(PHOTOS) + 2, handled)

    def test_two_instances_share_the_bucket_table_and_queue(self):
        first, second = self.server(), self.server("--auth", "local")
        # Local accounts live in each instance's data dir: one user per instance.
        a, b = self.user(first), self.user(second)
        ids = []
        pngs = sorted(f for f in os.listdir(os.path.dirname(corpus_file("png/x"))) if f.startswith("libpng_basn"))[:8]
        for i, name in enumerate(pngs):
            client = a if i % 2 else b
            ids.append((client, self.upload(client, "png/" + name, "image/png")[0]))
        for client, image_id in ids:
            self.assertEqual(client.wait_final(image_id)["status"], "ready")
        handled = sum(1 for s in (first, second) for l in s.log_lines()
                      if l.get("msg") == "event handled" and l.get("action") == "extracted")
        self.assertEqual(handled, len(ids), "each upload extracted exactly once across the two instances")
        # Each instance sees only its own user's images, as always.
        self.assertEqual(len(a.all_images()), 4)
        self.assertEqual(len(b.all_images()), 4)

    def test_cognito_sign_in_instead_of_local_accounts(self):
        idp = self.moto.client("cognito-idp")
        pool = idp.create_user_pool(PoolName="imgmeta-users", UsernameAttributes=["email"])["UserPool"]["Id"]
        client_id = idp.create_user_pool_client(UserPoolId=pool, ClientName="web", GenerateSecret=False,
                                                ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
                                                )["UserPoolClient"]["ClientId"]
        idp.sign_up(ClientId=client_id, Username="carol@example.com", Password="Passw0rd!x",
                    UserAttributes=[{"Name": "email", "Value": "carol@example.com"}])
        idp.admin_confirm_sign_up(UserPoolId=pool, Username="carol@example.com")
        tokens = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": "carol@example.com", "PASSWORD": "Passw0rd!x"}
                                   )["AuthenticationResult"]
        server = self.server("--auth", "cognito://us-east-1/%s?client=%s" % (pool, client_id))
        config = requests.get(server.url("/config.json"), timeout=10).json()
        self.assertEqual(config["auth"], {"mode": "cognito", "region": "us-east-1", "userPoolId": pool,
                                          "clientId": client_id, "endpoint": self.moto.url})
        carol = Client(server, token=tokens["IdToken"])
        me = carol.get("/api/me", expect=200).json()
        carol.user_id = me["userId"]
        image_id, _ = self.upload(carol, "jpeg/ianare_Canon_40D.jpg", "image/jpeg")
        self.assertEqual(carol.wait_final(image_id)["status"], "ready")
        # No local accounts in this shape; a forged token is refused.
        Client(server).post("/api/auth/signin", {"username": "carol", "password": "x"}, auth=False, expect=404)
        head, payload, sig = tokens["IdToken"].split(".")
        Client(server, token=head + "." + payload + "." + sig[:-4] + "AAAA").get("/api/me", expect=401)

    def test_wrong_combinations_are_refused_with_a_reason(self):
        cases = [
            (["--blob", "s3://b"], "needs --events"),
            (["--meta", "dynamodb://t"], "needs --blob s3://"),
            (["--events", "http://127.0.0.1:1/q"], "only read with --blob"),
            (["--blob", "gs://b", "--events", "x"], "expected s3://"),
            (["--auth", "ldap://x"], "expected local or cognito://"),
        ]
        for args, message in cases:
            r = subprocess.run([harness.BIN, "serve", "--listen", "127.0.0.1:0", "--data-dir", "/nonexistent/x"] + args,
                               capture_output=True, text=True, timeout=10)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertIn(message, r.stderr, args)


if __name__ == "__main__":
    unittest.main()
