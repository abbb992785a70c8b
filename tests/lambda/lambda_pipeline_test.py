"""The pipeline end to end on moto: corpus images PUT through presigned URLs, S3 -> SQS
notifications delivered as SQS events to `imgmeta lambda` (_HANDLER=extract) under the
Runtime API emulator, DynamoDB items checked against ExifTool's values. Then duplicated,
reordered and direct S3 events, deletes, a missing object, another bucket, and throttling /
5xx / dropped connections injected between the Lambda and moto with nothing lost.
"""

import copy
import hashlib
import json
import os
import subprocess
import sys
import unittest
import uuid

sys.path.insert(0, os.path.dirname(__file__))

from fault_proxy import KINDS, FaultProxy  # noqa: E402
from harness import (BIN, BUCKET, SHARED, TABLE, LambdaProcess, Moto, Stack, corpus, oracle,  # noqa: E402
                     ulid)
from runtime_emulator import RuntimeEmulator  # noqa: E402

OWNER = "3cc59f9b-d362-4c37-9128-b724f3035a34"
IMAGES = [  # (corpus path, content type)
    ("jpeg/exiftool_Canon.jpg", "image/jpeg"),
    ("jpeg/mei_Apple_iPhone_5.jpg", "image/jpeg"),
    ("jpeg/exiftool_GPS.jpg", "image/jpeg"),
    ("png/exiftool_PNG.png", "image/png"),
    ("gif/exiftool_GIF.gif", "image/gif"),
    ("webp/exiftool_RIFF.webp", "image/webp"),
    ("tiff/exiftool_GeoTiff.tif", "image/tiff"),
    ("heif/ianare_IMG_5195.HEIC", "image/heic"),
    ("avif/pillow_avif_exif.avif", "image/avif"),
    ("bmp/exiftool_BMP.bmp", "image/bmp"),
]
ORACLE_FIELDS = ["FileType", "MIMEType", "ImageWidth", "ImageHeight", "Make", "Model", "DateTimeOriginal",
                 "Orientation", "GPSLatitude", "GPSLongitude"]


def powertools_record(event_name, key, size, etag, sequencer, bucket=BUCKET):
    """A record shaped as real S3 writes it (eventVersion 2.1, hex sequencer)."""
    path = "s3EventDeleteObject.json" if event_name.startswith("ObjectRemoved") else "s3Event.json"
    with open(os.path.join(SHARED, "testdata/events/powertools-lambda-python", path)) as f:
        rec = copy.deepcopy(json.load(f)["Records"][0])
    rec["eventName"] = event_name
    rec["s3"]["bucket"]["name"] = bucket
    rec["s3"]["bucket"]["arn"] = "arn:aws:s3:::" + bucket
    rec["s3"]["object"]["key"] = key
    rec["s3"]["object"]["sequencer"] = sequencer
    if event_name.startswith("ObjectCreated"):
        rec["s3"]["object"]["size"] = size
        rec["s3"]["object"]["eTag"] = etag
    return rec


class LambdaPipeline(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = Moto()
        cls.stack = Stack(cls.moto)
        cls.emulator = RuntimeEmulator().start()
        cls.fn = LambdaProcess(cls.emulator, {"_HANDLER": "extract", "AWS_ENDPOINT_URL": cls.moto.url,
                                              "BUCKET_NAME": BUCKET, "TABLE_NAME": TABLE})

    @classmethod
    def tearDownClass(cls):
        cls.fn.stop()
        cls.emulator.stop()
        cls.moto.stop()

    def deliver(self, msgs, emulator=None):
        """Delivers messages in batches of 10 (SQS's default); returns the failed message ids."""
        failed = []
        for i in range(0, len(msgs), 10):
            result = (emulator or self.emulator).invoke(self.stack.sqs_event(msgs[i:i + 10]))
            self.assertEqual(result.kind, "response", result.body)
            failed += [f["itemIdentifier"] for f in result.json()["batchItemFailures"]]
        return failed

    def upload(self, path, content_type, owner=OWNER, n=None):
        image_id = ulid(n if n is not None else uuid.uuid4().int & 0xFFFF)
        key = f"uploads/{owner}/{image_id}"
        self.stack.put_presigned(key, corpus(path), content_type)
        return key, image_id

    def log_lines_for(self, key):
        return self.fn.json_lines_where(lambda l: l.get("key") == key)

    def test_corpus_images_land_in_dynamodb_with_exiftool_values(self):
        keys = {}
        for n, (path, ctype) in enumerate(IMAGES):
            keys[path] = self.upload(path, ctype, n=n)
        msgs = self.stack.receive(want=len(IMAGES))
        self.assertEqual(len(msgs), len(IMAGES))
        self.assertEqual(self.deliver(msgs), [])
        for path, ctype in IMAGES:
            key, image_id = keys[path]
            item = self.stack.item(OWNER, image_id)
            self.assertIsNotNone(item, path)
            self.assertEqual(item["status"]["S"], "ready", (path, item.get("error")))
            self.assertEqual(int(item["size"]["N"]), len(corpus(path)))
            self.assertEqual(item["contentType"]["S"], ctype)
            md = json.loads(item["metadata"]["S"])
            want = oracle(path)
            for field in ORACLE_FIELDS:
                if field in want:
                    got = md.get(field)
                    if isinstance(want[field], float):
                        self.assertAlmostEqual(got, want[field], places=6, msg=(path, field))
                    else:
                        self.assertEqual(got, want[field], (path, field))
            self.assertEqual(item["format"]["S"], want["FileType"])
            # The same extractor over S3 ranged GETs as over the local file.
            local = json.loads(subprocess.check_output([BIN, "extract", "-j", os.path.join(SHARED, "corpus", path)]))[0]
            local.pop("SourceFile", None)
            self.assertEqual(md, local, path)

        # Header bytes only: the 2.3 MB camera JPEG costs a small fraction of its size.
        big_key = keys["jpeg/mei_Apple_iPhone_5.jpg"][0]
        line = self.log_lines_for(big_key)[-1]
        self.assertEqual(line["Outcome"], "ready")
        self.assertLess(line["BytesRead"], len(corpus("jpeg/mei_Apple_iPhone_5.jpg")) / 10)
        self.assertLessEqual(line["sourceReads"], 3)

    def test_duplicated_delivery_leaves_the_same_record(self):
        key, image_id = self.upload("jpeg/exiftool_Canon.jpg", "image/jpeg")
        msgs = self.stack.receive(want=1)
        self.assertEqual(self.deliver(msgs), [])
        first = self.stack.item(OWNER, image_id)
        self.assertEqual(self.deliver(msgs + msgs), [])
        again = self.stack.item(OWNER, image_id)
        for attr in ("status", "metadata", "seq", "size", "etag"):
            self.assertEqual(again[attr], first[attr], attr)

    def test_reordered_events_end_in_the_newest_state(self):
        key, image_id = self.upload("png/exiftool_PNG.png", "image/png")
        self.stack.drain()
        head = self.stack.s3.head_object(Bucket=BUCKET, Key=key)
        size, etag = head["ContentLength"], head["ETag"].strip('"')
        created = powertools_record("ObjectCreated:Put", key, size, etag, "0C0F6F405D6ED209E1")
        removed = powertools_record("ObjectRemoved:Delete", key, size, etag, "0C0F6F405D6ED209F0")
        # Direct S3 invocations this time (not via SQS): the delete arrives first.
        self.assertEqual(self.emulator.invoke({"Records": [removed]}).kind, "response")
        self.assertEqual(self.emulator.invoke({"Records": [created]}).kind, "response")
        item = self.stack.item(OWNER, image_id)
        self.assertEqual(item["kind"]["S"], "tombstone", "the older create must not resurrect the image")
        newer = powertools_record("ObjectCreated:Put", key, size, etag, "0C0F6F405D6ED20A00")
        self.assertEqual(self.emulator.invoke({"Records": [newer]}).kind, "response")
        self.assertEqual(self.stack.item(OWNER, image_id)["status"]["S"], "ready")
        outcomes = [l["Outcome"] for l in self.log_lines_for(key)]
        self.assertEqual(outcomes[-3:], ["removed", "stale", "ready"])

    def test_delete_removes_the_record(self):
        key, image_id = self.upload("gif/exiftool_GIF.gif", "image/gif")
        self.assertEqual(self.deliver(self.stack.receive(want=1)), [])
        self.assertEqual(self.stack.item(OWNER, image_id)["status"]["S"], "ready")
        self.stack.s3.delete_object(Bucket=BUCKET, Key=key)
        msgs = self.stack.receive(want=1)
        self.assertIn("ObjectRemoved:Delete", msgs[0]["Body"])
        self.assertEqual(self.deliver(msgs), [])
        self.assertEqual(self.stack.item(OWNER, image_id)["kind"]["S"], "tombstone")

    def test_event_for_a_missing_object_writes_no_record(self):
        image_id = ulid(4242)
        key = f"uploads/{OWNER}/{image_id}"
        rec = powertools_record("ObjectCreated:Put", key, 1234, "0123456789abcdef0123456789abcdef", "0A")
        result = self.emulator.invoke({"Records": [rec]})
        self.assertEqual(result.kind, "response", result.body)
        item = self.stack.item(OWNER, image_id)
        self.assertTrue(item is None or item["kind"]["S"] == "tombstone")
        self.assertEqual(self.log_lines_for(key)[-1]["Outcome"], "missing")

    def test_records_of_another_bucket_are_ignored(self):
        key = f"uploads/{OWNER}/{ulid(77)}"
        rec = powertools_record("ObjectCreated:Put", key, 1, "00", "0A", bucket="someone-elses-bucket")
        self.assertEqual(self.emulator.invoke({"Records": [rec]}).kind, "response")
        self.assertEqual(self.log_lines_for(key)[-1]["Outcome"], "ignored")

    def test_a_malformed_event_is_an_invocation_error(self):
        result = self.emulator.invoke(b"this is not json")
        self.assertEqual(result.kind, "error")
        self.assertEqual(result.error_type, "Runtime.InvalidEvent")
        self.assertEqual(result.json()["errorType"], "Runtime.InvalidEvent")

    def test_every_log_line_is_an_emf_document(self):
        key, _ = self.upload("webp/exiftool_RIFF.webp", "image/webp")
        self.deliver(self.stack.receive(want=1))
        line = self.log_lines_for(key)[-1]
        aws = line["_aws"]
        self.assertIsInstance(aws["Timestamp"], int)
        directive = aws["CloudWatchMetrics"][0]
        self.assertEqual(directive["Namespace"], "imgmeta")
        for dims in directive["Dimensions"]:
            for d in dims:
                self.assertIsInstance(line[d], str, d)
        for m in directive["Metrics"]:
            self.assertIsInstance(line[m["Name"]], (int, float), m["Name"])
        self.assertNotIn("requestId", sum(directive["Dimensions"], []))
        self.assertTrue(line["requestId"])
        self.assertTrue(line["traceId"].startswith("Root=1-"))
        self.assertEqual(line["Function"], "s3metadataFetcher")
        self.assertGreater(line["TotalMs"], 0)

    def put_intent(self, image_id, filename, data, legacy=False):
        """The intent POST /api/uploads leaves (DynamoMetadataStore::put_upload_intent): on the
        image's item, or, as written before that layout, at "intent#<imageId>"."""
        digest = hashlib.sha256(data).hexdigest()
        item = {"owner": {"S": OWNER}, "imageId": {"S": ("intent#" if legacy else "") + image_id},
                "kind": {"S": "intent"}, "filename": {"S": filename}, "contentType": {"S": "image/png"},
                "size": {"N": str(len(data))}, "sha256": {"S": digest}, "createdAt": {"N": "1700000000000"},
                "expiresAt": {"N": "4102444800000"}, "uploadId": {"S": ""}, "partSize": {"N": "0"},
                "ttl": {"N": "4102531200"}}
        if not legacy:
            item["nameText"] = {"S": filename.lower()}
            item["bySha256"] = {"S": digest + "#" + image_id}
        self.stack.ddb.put_item(TableName=TABLE, Item=item)
        return digest

    def test_requests_per_image(self):
        """What one image costs in AWS requests, counted by a proxy in front of moto: one S3
        GET and one DynamoDB UpdateItem, whether the upload intent is still all there is (the
        Lambda-first case of a single PUT: the update turns it into the record) or the record
        exists (a re-extraction, a redelivery, a stale event). The connection is opened once
        and kept across invocations. An intent of the old layout costs its GetItems and a
        second UpdateItem and still ends in the whole record."""
        emulator = RuntimeEmulator().start()
        proxy = FaultProxy(self.moto.port, every=0).start()
        fn = LambdaProcess(emulator, {"_HANDLER": "extract", "AWS_ENDPOINT_URL": proxy.url,
                                      "BUCKET_NAME": BUCKET, "TABLE_NAME": TABLE})
        try:
            key, image_id = self.upload("png/exiftool_PNG.png", "image/png")
            self.stack.drain()
            data = corpus("png/exiftool_PNG.png")
            digest = self.put_intent(image_id, "Beach Day.PNG", data)
            head = self.stack.s3.head_object(Bucket=BUCKET, Key=key)
            size, etag = head["ContentLength"], head["ETag"].strip('"')

            def invoke(event_name, sequencer, key=key):
                start = len(proxy.calls)
                rec = powertools_record(event_name, key, size, etag, sequencer)
                result = emulator.invoke({"Records": [rec]})
                self.assertEqual(result.kind, "response", result.body)
                line = fn.json_lines_where(lambda l: l.get("key") == key and l.get("sequencer") == sequencer)[-1]
                return proxy.calls[start:], line["Outcome"]

            s3_get, update = ("s3", "GET"), ("dynamodb", "UpdateItem")
            # Lambda-first: the intent is all there is.
            calls, outcome = invoke("ObjectCreated:Put", "0C0F6F405D6ED20B00")
            self.assertEqual(outcome, "ready")
            self.assertEqual(calls, [s3_get, update])
            item = self.stack.item(OWNER, image_id)
            self.assertEqual(item["status"]["S"], "ready")
            self.assertEqual(item["filename"]["S"], "Beach Day.PNG")
            self.assertEqual(item["contentType"]["S"], "image/png")
            self.assertEqual(item["sha256"]["S"], digest)
            self.assertEqual(int(item["size"]["N"]), len(data))
            self.assertEqual(int(item["uploadedAt"]["N"]), 1567539447192)  # the event's eventTime
            self.assertEqual(item["nameText"]["S"], "beach day.png")
            self.assertTrue(item["searchWords"]["S"].startswith("png"), item["searchWords"])
            self.assertEqual(item["format"]["S"], "PNG")
            self.assertEqual(item["byUploaded"]["S"], "1567539447192#" + image_id)
            self.assertEqual(item["bySha256"]["S"], digest + "#" + image_id)
            for gone in ("ttl", "createdAt", "expiresAt", "uploadId", "partSize"):
                self.assertNotIn(gone, item)

            # The record exists: a re-extraction (CopyObject onto itself), then its redelivery.
            connections = proxy.connections
            for sequencer in ("0C0F6F405D6ED20C00", "0C0F6F405D6ED20C00"):
                calls, outcome = invoke("ObjectCreated:Copy", sequencer)
                self.assertEqual(outcome, "ready")
                self.assertEqual(calls, [s3_get, update])
            self.assertEqual(proxy.connections, connections, "the connection is kept between invocations")
            item = self.stack.item(OWNER, image_id)
            self.assertEqual(item["sequencer"]["S"], "0C0F6F405D6ED20C00")
            self.assertEqual(item["filename"]["S"], "Beach Day.PNG")
            self.assertEqual(item["sha256"]["S"], digest)
            self.assertEqual(int(item["uploadedAt"]["N"]), 1567539447192)
            self.assertEqual(item["contentType"]["S"], "image/png")
            self.assertNotIn("searchText", item)
            self.assertTrue(item["searchWords"]["S"].startswith("png"), item["searchWords"])
            self.assertEqual(item["nameText"]["S"], "beach day.png")
            # Searching still finds the file name and the metadata (the API's q filter).
            for q in ("beach", "png"):
                found = self.stack.ddb.query(
                    TableName=TABLE, IndexName="byUploaded", KeyConditionExpression="#o = :o",
                    FilterExpression="contains(searchText, :q) OR contains(nameText, :q) OR contains(searchWords, :q)",
                    ExpressionAttributeNames={"#o": "owner"},
                    ExpressionAttributeValues={":o": {"S": OWNER}, ":q": {"S": q}})["Items"]
                self.assertIn(image_id, [i["imageId"]["S"] for i in found], q)

            # An older event arriving late: the same two requests, nothing written.
            calls, outcome = invoke("ObjectCreated:Put", "0C0F6F405D6ED20A00")
            self.assertEqual(outcome, "stale")
            self.assertEqual(calls, [s3_get, update])
            self.assertEqual(self.stack.item(OWNER, image_id)["sequencer"]["S"], "0C0F6F405D6ED20C00")

            # An intent of the old layout: the update finds no item, the intent is read (new
            # place, then old), and the whole record is written.
            old_key, old_id = self.upload("png/exiftool_PNG.png", "image/png")
            self.stack.drain()
            self.put_intent(old_id, "Old Layout.png", data, legacy=True)
            calls, outcome = invoke("ObjectCreated:Put", "0C0F6F405D6ED20B00", key=old_key)
            self.assertEqual(outcome, "ready")
            get = ("dynamodb", "GetItem")
            self.assertEqual(calls, [s3_get, update, get, get, update])
            item = self.stack.item(OWNER, old_id)
            self.assertEqual(item["filename"]["S"], "Old Layout.png")
            self.assertEqual(item["sha256"]["S"], digest)
            self.assertEqual(item["status"]["S"], "ready")
            self.assertTrue(item["searchText"]["S"].startswith("old layout.png png"), item["searchText"])
        finally:
            fn.stop()
            proxy.stop()
            emulator.stop()

    def test_faults_between_lambda_and_aws_lose_nothing(self):
        emulator = RuntimeEmulator().start()
        proxy = FaultProxy(self.moto.port, every=3).start()
        fn = LambdaProcess(emulator, {"_HANDLER": "extract", "AWS_ENDPOINT_URL": proxy.url,
                                      "BUCKET_NAME": BUCKET, "TABLE_NAME": TABLE})
        try:
            ids = [self.upload(path, ctype)[1] for path, ctype in IMAGES]
            msgs = self.stack.receive(want=len(IMAGES))
            by_id = {m["MessageId"]: m for m in msgs}
            pending = msgs
            for _ in range(5):  # SQS redelivers what the batch reported as failed
                failed = self.deliver(pending, emulator)
                pending = [by_id[i] for i in failed]
                if not pending:
                    break
            self.assertEqual(pending, [])
            for image_id in ids:
                self.assertEqual(self.stack.item(OWNER, image_id)["status"]["S"], "ready", image_id)
            for kind in KINDS:
                self.assertGreater(proxy.faults[kind], 0, kind)
        finally:
            fn.stop()
            proxy.stop()
            emulator.stop()


if __name__ == "__main__":
    unittest.main()
