"""Shared set-up of the Lambda tests: moto_server on a free loopback port, the bucket,
table and S3 -> SQS notification, the `imgmeta lambda` process under the Runtime API
emulator, and SQS messages turned into the SQS events Lambda would deliver.

Paths come from the environment CTest sets: IMGMETA_BIN (the imgmeta binary),
IMGMETA_SHARED_DIR (../shared), IMGMETA_SOURCE_DIR (the repository).
"""

import base64
import hashlib
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
import urllib.request

import boto3
from botocore.config import Config

REGION = "us-east-1"
BUCKET = "imgmeta-images"
TABLE = "imgmeta-metadata"
QUEUE = "imgmeta-events"
SHARED = os.environ.get("IMGMETA_SHARED_DIR", os.path.join(os.path.dirname(__file__), "../../../shared"))
BIN = os.environ.get("IMGMETA_BIN", "imgmeta")
SOURCE = os.environ.get("IMGMETA_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../.."))

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", REGION)


class Moto:
    """moto_server -H 127.0.0.1 -p 0, its port parsed from the log (aws-local-testing.md section 1)."""

    def __init__(self):
        self.log = tempfile.NamedTemporaryFile(prefix="moto-", suffix=".log", delete=False)
        env = dict(os.environ)
        self.proc = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", "0"], stdout=self.log,
                                     stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 30
        self.port = None
        while time.time() < deadline and self.port is None:
            with open(self.log.name) as f:
                m = re.search(r"Running on http://127\.0\.0\.1:(\d+)", f.read())
            if m:
                self.port = int(m.group(1))
            else:
                time.sleep(0.05)
        if self.port is None:
            with open(self.log.name) as f:
                log = f.read()
            self.stop()
            raise RuntimeError("moto_server did not start; log: " + log)
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url + "/moto-api/", timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def client(self, service, **kw):
        return boto3.client(service, endpoint_url=self.url, region_name=REGION, **kw)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        os.unlink(self.log.name)


# The DynamoDB layout of src/aws/dynamo_metadata_store.hpp (the CloudFormation template
# declares the same).
def table_definition(name=TABLE):
    def gsi(name, projection):
        return {"IndexName": name,
                "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"}, {"AttributeName": name, "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": projection}}
    return {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"}
                                 for a in ("owner", "imageId", "byUploaded", "byTaken", "bySha256", "byTrashed")],
        "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"}, {"AttributeName": "imageId", "KeyType": "RANGE"}],
        "GlobalSecondaryIndexes": [gsi("byUploaded", "ALL"), gsi("byTaken", "ALL"), gsi("bySha256", "KEYS_ONLY"),
                                   gsi("byTrashed", "ALL")],
    }


class Stack:
    """Bucket + table + queue with the bucket's notifications going to the queue."""

    def __init__(self, moto, bucket=BUCKET, table=TABLE, queue=QUEUE):
        self.moto = moto
        self.bucket, self.table, self.queue = bucket, table, queue
        self.s3 = moto.client("s3", config=Config(signature_version="s3v4"))
        self.ddb = moto.client("dynamodb")
        self.sqs = moto.client("sqs")
        self.s3.create_bucket(Bucket=bucket)
        self.ddb.create_table(**table_definition(table))
        self.queue_url = self.sqs.create_queue(QueueName=queue)["QueueUrl"]
        self.queue_arn = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        self.s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
            "QueueConfigurations": [{"Id": "imgmeta-events", "QueueArn": self.queue_arn,
                                     "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
                                     "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"}]}}}]})
        self.drain()  # the s3:TestEvent

    def put_presigned(self, key, data, content_type):
        """PUT through a presigned URL, as the browser does."""
        url = self.s3.generate_presigned_url("put_object", Params={"Bucket": self.bucket, "Key": key,
                                                                   "ContentType": content_type}, ExpiresIn=900)
        req = urllib.request.Request(url, data=data, method="PUT", headers={"Content-Type": content_type})
        with urllib.request.urlopen(req, timeout=30) as resp:
            assert resp.status == 200, resp.status

    def receive(self, want=None, wait_s=10):
        """SQS messages, as Lambda's event source mapping would pass them (deleted from the queue)."""
        msgs, deadline = [], time.time() + wait_s
        while time.time() < deadline:
            r = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                         AttributeNames=["All"])
            batch = r.get("Messages", [])
            for m in batch:
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])
            msgs.extend(batch)
            if want is not None and len(msgs) >= want:
                break
            if not batch:
                if want is None:
                    break
                time.sleep(0.05)
        return msgs

    def drain(self):
        self.receive(want=None)

    def sqs_event(self, msgs):
        return {"Records": [{
            "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
            "attributes": m.get("Attributes", {}), "messageAttributes": {}, "md5OfBody": m["MD5OfBody"],
            "eventSource": "aws:sqs", "eventSourceARN": self.queue_arn, "awsRegion": REGION} for m in msgs]}

    def item(self, owner, image_id):
        r = self.ddb.get_item(TableName=self.table, Key={"owner": {"S": owner}, "imageId": {"S": image_id}},
                              ConsistentRead=True)
        return r.get("Item")


class LambdaProcess:
    """`imgmeta lambda` (or any bootstrap command) connected to an emulator; stdout collected."""

    def __init__(self, emulator, env, cmd=None, cwd=None, chroot=None):
        self.lines = []
        base = {"PATH": "/usr/bin:/bin", "AWS_LAMBDA_RUNTIME_API": emulator.address, "AWS_REGION": REGION,
                "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "session-token",
                "AWS_LAMBDA_FUNCTION_NAME": "s3metadataFetcher", "HOME": "/nonexistent"}
        base.update(env)
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(cmd or [BIN, "lambda"], env=base, cwd=cwd, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, preexec_fn=(lambda: os.chroot(chroot) or os.chdir("/"))
                                     if chroot else None)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.stderr = b""

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.decode("utf-8", "replace").rstrip("\n"))

    def json_lines(self):
        return [json.loads(l) for l in list(self.lines) if l.startswith("{")]

    def json_lines_where(self, pred, timeout=5.0):
        """The JSON log lines pred accepts, waiting up to timeout for the first: a line is
        written before the response is posted, but read from the pipe by another thread."""
        deadline = time.monotonic() + timeout
        while True:
            lines = [l for l in self.json_lines() if pred(l)]
            if lines or time.monotonic() > deadline:
                return lines
            time.sleep(0.01)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr = self.proc.stderr.read()
        self.proc.stderr.close()
        self._reader.join(2)
        self.proc.stdout.close()


def corpus(path):
    with open(os.path.join(SHARED, "corpus", path), "rb") as f:
        return f.read()


def oracle(path):
    with open(os.path.join(SHARED, "corpus-oracle", path + ".plain.json")) as f:
        return json.load(f)[0]


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def ulid(n):
    """A valid, time-ordered ULID per test image (26 chars of Crockford base32)."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    v = (int(time.time() * 1000) << 80) | n
    return "".join(alphabet[(v >> (5 * i)) & 31] for i in reversed(range(26)))
