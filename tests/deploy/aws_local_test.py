"""`deploy/deploy.sh local` end to end, at the API level: it starts (moto with the shim, the
real deploy path, the deployed functions under Runtime API emulators, the HTTP API with its
JWT authorizer, the site), two users sign up through the local user pool, upload to
presigned URLs, see their images become `ready` through S3 -> SNS -> the extractor's
bootstrap, cannot see each other's images, and delete (through the API, and by deleting the
object, both through the ObjectRemoved event); then Ctrl-C stops it and every process it
started is gone and every port it opened is closed.

Environment: IMGMETA_BIN (the imgmeta binary to package; default build/dev), IMGMETA_SOURCE_DIR,
IMGMETA_SHARED_DIR."""

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import boto3
from botocore.config import Config

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("IMGMETA_SOURCE_DIR") or os.path.abspath(os.path.join(HERE, "../.."))
SHARED = os.environ.get("IMGMETA_SHARED_DIR") or os.path.abspath(os.path.join(SOURCE, "../shared"))
BIN = os.environ.get("IMGMETA_BIN") or os.path.join(SOURCE, "build/dev/src/cli/imgmeta")
STACK = "imgmeta-lt"
PASSWORD = "Correct-Horse-9"
START_TIMEOUT_S = 240  # deploy.sh on a loaded 2-core machine


def corpus(rel):
    with open(os.path.join(SHARED, "corpus", rel), "rb") as f:
        return f.read()


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is gone for our purposes
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def port_open(port):
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


class AwsLocal(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(BIN, os.X_OK):
            raise RuntimeError(f"no imgmeta binary at {BIN}")
        cls.work = tempfile.mkdtemp(prefix="imgmeta-aws-local-test-")
        site = os.path.join(cls.work, "dist")
        os.makedirs(site)
        with open(os.path.join(site, "index.html"), "w") as f:
            f.write("<!doctype html><title>imgmeta</title>\n")
        cls.ready_file = os.path.join(cls.work, "ready.json")
        cls.out_path = os.path.join(cls.work, "local.out")
        cls.out = open(cls.out_path, "w")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        cls.proc = subprocess.Popen(
            [os.path.join(SOURCE, "deploy/deploy.sh"), "local", "--stack-name", STACK, "--port", "0", "--binary", BIN,
             "--web-dist", site, "--ready-file", cls.ready_file],
            stdout=cls.out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        deadline = time.time() + START_TIMEOUT_S
        while not os.path.exists(cls.ready_file):
            if cls.proc.poll() is not None or time.time() > deadline:
                cls.kill()
                raise RuntimeError("deploy.sh local did not come up:\n" + open(cls.out_path).read()[-6000:])
            time.sleep(0.5)
        with open(cls.ready_file) as f:
            cls.info = json.load(f)
        cls.site = cls.info["site"]
        cls.endpoint = cls.info["endpoint"]
        cls.outputs = cls.info["outputs"]
        cls.tokens = {u: cls.sign_up(u) for u in ("alice@example.com", "bob@example.com")}

    @classmethod
    def kill(cls):
        if cls.proc.poll() is None:
            os.killpg(cls.proc.pid, signal.SIGKILL)
            cls.proc.wait()

    @classmethod
    def tearDownClass(cls):
        if cls.proc.poll() is None:  # the stop test did not run (or failed): stop it anyway
            cls.proc.send_signal(signal.SIGINT)
            try:
                cls.proc.wait(60)
            except subprocess.TimeoutExpired:
                cls.kill()
        cls.out.close()
        shutil.rmtree(cls.work, ignore_errors=True)

    @classmethod
    def client(cls, service):
        return boto3.client(service, endpoint_url=cls.endpoint, region_name="us-east-1", aws_access_key_id="testing",
                            aws_secret_access_key="testing",
                            config=Config(retries={"max_attempts": 1}, signature_version="s3v4" if service == "s3" else None))

    @classmethod
    def sign_up(cls, user):
        """Sign-up and sign-in through the local pool, as the page does (its public calls)."""
        idp = boto3.client("cognito-idp", endpoint_url=cls.site, region_name="us-east-1",
                           aws_access_key_id="unused", aws_secret_access_key="unused")
        client_id = cls.outputs["UserPoolClientId"]
        idp.sign_up(ClientId=client_id, Username=user, Password=PASSWORD, UserAttributes=[{"Name": "email", "Value": user}])
        # The code from the verification email: an administrator confirms instead (moto sends none).
        cls.client("cognito-idp").admin_confirm_sign_up(UserPoolId=cls.outputs["UserPoolId"], Username=user)
        auth = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                 AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD})["AuthenticationResult"]
        return auth["IdToken"]

    def call(self, method, path, user=None, body=None, token=None):
        headers = {"Content-Type": "application/json"}
        if user or token:
            headers["Authorization"] = "Bearer " + (token or self.tokens[user])
        req = urllib.request.Request(self.site + path, method=method, headers=headers,
                                     data=json.dumps(body).encode() if body is not None else None)
        try:
            with urllib.request.urlopen(req, timeout=40) as r:
                raw = r.read()
                return r.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as e:
            raw = e.read()
            return e.code, json.loads(raw) if raw else None

    def upload(self, user, rel, content_type):
        data = corpus(rel)
        status, ticket = self.call("POST", "/api/uploads", user, {
            "filename": os.path.basename(rel), "contentType": content_type, "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest()})
        self.assertEqual(status, 201, ticket)
        self.assertTrue(ticket["url"].startswith(self.endpoint + "/"), ticket["url"])  # presigned, at local S3
        req = urllib.request.Request(ticket["url"], data=data, method=ticket["method"], headers=ticket["headers"])
        with urllib.request.urlopen(req, timeout=30) as r:
            self.assertEqual(r.status, 200)
        return ticket

    def wait_for(self, user, image_id, pred, timeout=20.0):
        deadline = time.time() + timeout
        while True:
            status, body = self.call("GET", f"/api/images/{image_id}", user)
            if pred(status, body) or time.time() > deadline:
                return status, body
            time.sleep(0.2)

    def extractor_log(self):
        name = self.outputs["ExtractorFunctionName"]
        with open(self.info["functions"][name]["log"]) as f:
            return [json.loads(line) for line in f if line.startswith("{")]

    # ------------------------------------------------------------ the journey
    def test_1_every_function_is_running_or_reported(self):
        fns = self.info["functions"]
        self.assertEqual({f["handler"] for f in fns.values()}, {"extract", "api", "preview", "purge"})
        for name, f in fns.items():
            self.assertTrue(f["running"], f"{name}: {f['initError']}")
        with open(self.out_path) as f:
            out = f.read()
        self.assertIn(f"Site:      {self.site}/", out)
        for name, f in fns.items():
            if f["initError"]:
                self.assertIn(f"{name} ({f['handler']}) FAILED AT INIT", out)

    def test_2_the_authorizer_refuses_missing_and_forged_tokens(self):
        self.assertEqual(self.call("GET", "/api/images")[0], 401)
        head, payload, sig = self.tokens["alice@example.com"].split(".")
        forged = ".".join([head, payload[:-4] + ("AAAA" if not payload.endswith("AAAA") else "BBBB"), sig])
        self.assertEqual(self.call("GET", "/api/images", token=forged)[0], 401)
        self.assertEqual(self.call("GET", "/api/images", token="not-a-jwt")[0], 401)

    def test_3_upload_ready_isolated_and_deleted_through_object_removed(self):
        a = self.upload("alice@example.com", "jpeg/ianare_Canon_40D.jpg", "image/jpeg")
        b = self.upload("bob@example.com", "jpeg/exiftool_Canon.jpg", "image/jpeg")
        for user, t in (("alice@example.com", a), ("bob@example.com", b)):
            status, img = self.wait_for(user, t["imageId"], lambda s, j: s == 200 and j["status"] != "pending")
            self.assertEqual((status, img["status"]), (200, "ready"), img)
            self.assertEqual(img["make"], "Canon")
        # The preview function, fed by the same fan-out, made the renditions; S3 serves them.
        status, img = self.wait_for("alice@example.com", a["imageId"],
                                    lambda s, j: s == 200 and j["previewStatus"] != "pending")
        self.assertEqual(img["previewStatus"], "ready", img["previewError"])
        for url_key in ("thumbnailUrl", "previewUrl"):
            with urllib.request.urlopen(img[url_key], timeout=10) as r:
                body = r.read()
                cache_control = r.headers.get("Cache-Control", "")
            self.assertEqual(body[:4] + body[8:12], b"RIFFWEBP", url_key)
            self.assertIn("max-age=", cache_control, url_key)  # stored with the object: browsers keep it
        s3 = self.client("s3")
        rendition_prefix = "previews/" + a["key"].split("/", 1)[1] + "/"
        self.assertEqual(s3.list_objects_v2(Bucket=self.outputs["BucketName"], Prefix=rendition_prefix)["KeyCount"], 2)
        # Isolation: each sees only their own.
        self.assertEqual(self.call("GET", f"/api/images/{a['imageId']}", "bob@example.com")[0], 404)
        self.assertEqual(self.call("GET", f"/api/images/{b['imageId']}", "alice@example.com")[0], 404)
        _, listing = self.call("GET", "/api/images", "alice@example.com")
        self.assertEqual([i["imageId"] for i in listing["items"]], [a["imageId"]])
        self.assertEqual(self.call("DELETE", f"/api/images/{a['imageId']}", "bob@example.com")[0], 404)
        created = [l for l in self.extractor_log() if l.get("event", "").startswith("ObjectCreated:")]
        self.assertGreaterEqual(len(created), 2)

        # Delete through the API: the object goes, S3's ObjectRemoved reaches the extractor.
        status, _ = self.call("DELETE", f"/api/images/{a['imageId']}?permanent=true", "alice@example.com")
        self.assertEqual(status, 204)
        self.assertEqual(self.wait_for("alice@example.com", a["imageId"], lambda s, j: s == 404)[0], 404)
        self.assertEqual(s3.list_objects_v2(Bucket=self.outputs["BucketName"], Prefix=a["key"]).get("KeyCount"), 0)
        # ObjectRemoved reached the preview function too: the renditions went with the original.
        deadline = time.time() + 15
        while s3.list_objects_v2(Bucket=self.outputs["BucketName"], Prefix=rendition_prefix)["KeyCount"] and \
                time.time() < deadline:
            time.sleep(0.2)
        self.assertEqual(s3.list_objects_v2(Bucket=self.outputs["BucketName"], Prefix=rendition_prefix)["KeyCount"], 0)

        # Delete the object itself (as a lifecycle rule or the console would): the event removes the record.
        s3.delete_object(Bucket=self.outputs["BucketName"], Key=b["key"])
        self.assertEqual(self.wait_for("bob@example.com", b["imageId"], lambda s, j: s == 404)[0], 404)
        deadline = time.time() + 10
        while True:
            removed = [l for l in self.extractor_log() if l.get("event", "").startswith("ObjectRemoved:")]
            if len(removed) >= 2 or time.time() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual({l["key"] for l in removed}, {a["key"], b["key"]})

    def test_4_the_site_is_served_with_the_local_config(self):
        with urllib.request.urlopen(self.site + "/config.json", timeout=10) as r:
            config = json.loads(r.read())
        self.assertEqual(config["apiBaseUrl"], self.site)
        self.assertEqual(config["auth"]["mode"], "cognito")
        self.assertEqual(config["auth"]["userPoolId"], self.outputs["UserPoolId"])
        with urllib.request.urlopen(self.site + "/some/app/route", timeout=10) as r:
            self.assertIn(b"<title>imgmeta</title>", r.read())

    def test_5_share_link_made_with_a_cognito_token_read_without_one_then_revoked(self):
        t = self.upload("alice@example.com", "jpeg/ianare_gps_DSCN0021.jpg", "image/jpeg")
        status, img = self.wait_for("alice@example.com", t["imageId"],
                                    lambda s, j: s == 200 and j["status"] != "pending" and j["previewStatus"] != "pending",
                                    timeout=40)
        self.assertEqual((img["status"], img["previewStatus"]), ("ready", "ready"), img)
        self.assertTrue(img["hasGps"])
        status, made = self.call("POST", "/api/shares", "alice@example.com", {"imageIds": [t["imageId"]], "expiresIn": 3600})
        self.assertEqual(status, 201, made)
        self.assertTrue(made["url"].startswith(self.site + "/share.html#"), made["url"])
        token = made["url"].split("#", 1)[1]
        self.assertEqual(self.call("POST", "/api/shares", None, {"imageIds": [t["imageId"]]})[0], 401)  # behind the authorizer
        self.assertEqual(self.call("POST", "/api/shares", "bob@example.com", {"imageIds": [t["imageId"]]})[0], 404)
        status, listing = self.call("GET", "/api/shares", "alice@example.com")
        self.assertEqual([s["shareId"] for s in listing["items"]], [made["shareId"]])

        # The recipient: no Authorization header at all, through the route without the authorizer.
        status, shared = self.call("GET", "/api/public/shares/" + token)
        self.assertEqual(status, 200, shared)
        image = shared["images"][0]
        self.assertEqual(image["imageId"], t["imageId"])
        self.assertFalse([k for k in image["metadata"] if "gps" in k.lower()], image["metadata"])
        self.assertNotIn("uploads/", json.dumps(shared))
        self.assertTrue(image["downloadUrl"].startswith(self.endpoint + "/"), image["downloadUrl"])  # presigned S3
        with urllib.request.urlopen(image["downloadUrl"], timeout=20) as r:
            data = r.read()
        tags = json.loads(subprocess.run(["exiftool", "-j", "-G1", "-a", "-"], input=data, capture_output=True,
                                         check=True, timeout=60).stdout)[0]
        self.assertFalse([k for k in tags if "GPS" in k.upper()], tags)
        with urllib.request.urlopen(image["thumbnailUrl"], timeout=20) as r:
            self.assertEqual(r.read()[8:12], b"WEBP")
        self.assertEqual(self.call("GET", "/api/public/shares/" + "A" * 43)[0], 404)

        # Revoked: the link answers 404 at once and its copies leave the bucket.
        self.assertEqual(self.call("DELETE", "/api/shares/" + made["shareId"], "bob@example.com")[0], 404)
        self.assertEqual(self.call("DELETE", "/api/shares/" + made["shareId"], "alice@example.com")[0], 204)
        self.assertEqual(self.call("GET", "/api/public/shares/" + token)[0], 404)
        s3 = self.client("s3")
        self.assertEqual(s3.list_objects_v2(Bucket=self.outputs["BucketName"], Prefix="shares/" + made["shareId"] + "/")
                         .get("KeyCount"), 0)

    # ------------------------------------------------------------ start to stop
    def test_9_ctrl_c_stops_everything_it_started(self):
        pids = self.info["pids"] + [self.info["pid"]]
        ports = self.info["ports"]
        running = [self.info["pid"], self.info["motoPid"]] + [
            f["pid"] for f in self.info["functions"].values() if f["running"]]
        self.assertEqual(len(running), 2 + sum(f["running"] for f in self.info["functions"].values()))
        self.assertTrue(all(alive(p) for p in running), running)
        self.assertTrue(all(port_open(p) for p in ports), ports)
        os.killpg(self.proc.pid, signal.SIGINT)  # what Ctrl-C in its terminal sends
        self.assertEqual(self.proc.wait(60), 0, open(self.out_path).read()[-3000:])
        deadline = time.time() + 10
        while any(alive(p) for p in pids) and time.time() < deadline:
            time.sleep(0.1)
        self.assertEqual([p for p in pids if alive(p)], [])
        self.assertEqual([p for p in ports if port_open(p)], [])
        self.assertFalse(os.path.exists(self.info["work"]))
        with open(self.out_path) as f:
            self.assertIn("every process started here is gone", f.read())


if __name__ == "__main__":
    unittest.main()
