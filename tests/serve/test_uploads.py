"""Uploads: the limits checked when an upload starts (empty, too large, wrong type, bad
fields), what the presigned PUT checks (size, checksum, content type, signature, expiry),
duplicates by SHA-256, cancelling, and multipart uploads that resume."""

import http.client
import os
import time
import unittest
import urllib.parse

from harness import ServerTestCase, Client, new_user, read_corpus, sha256_hex, b64, upload_temp_files

JPEG = "jpeg/exiftool_GPS.jpg"
MiB = 1 << 20


_n = [0]


def unique_jpeg(rel=JPEG):
    """Corpus bytes made unique (bytes after the JPEG's end are ignored by readers), so tests
    sharing a user never collide as duplicates."""
    _n[0] += 1
    return read_corpus(rel) + b"unique-%d-%d" % (os.getpid(), _n[0])




class StartUploadLimitsTest(ServerTestCase):
    SERVER_ARGS = ("--max-upload-size", "3MiB")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_user(cls.server, "limits")

    def start(self, expect, **body):
        fields = {"filename": "a.jpg", "contentType": "image/jpeg", "size": 1000}
        fields.update(body)
        return self.user.post("/api/uploads", {k: v for k, v in fields.items() if v is not None}, expect=expect).json()

    def test_zero_bytes_is_400(self):
        self.assertEqual(self.start(400, size=0)["error"]["code"], "InvalidSize")

    def test_over_the_limit_is_413(self):
        self.assertEqual(self.start(413, size=3 * MiB + 1)["error"]["code"], "PayloadTooLarge")
        self.start(201, size=3 * MiB)

    def test_non_image_content_types_are_415(self):
        for ctype in ("text/plain", "text/html", "image/svg+xml", "application/pdf", ""):
            self.assertEqual(self.start(415, contentType=ctype)["error"]["code"], "UnsupportedMediaType", ctype)

    def test_image_content_types_are_accepted(self):
        for ctype in ("image/jpeg", "image/png", "image/heic", "image/avif", "IMAGE/WEBP", "application/octet-stream"):
            self.start(201, contentType=ctype)

    def test_malformed_fields_are_400(self):
        for body in ({"size": -1}, {"size": 1.5}, {"size": "10"}, {"size": None}, {"filename": ""},
                     {"filename": "a" * 256}, {"filename": "tab\tname"}, {"filename": None},
                     {"contentType": None}, {"sha256": "abc"}, {"sha256": "g" * 64}):
            self.start(400, **body)

    def test_ticket_is_a_presigned_put(self):
        t = self.start(201)
        self.assertEqual(t["method"], "PUT")
        self.assertTrue(t["url"].startswith(self.server.base + "/blobs/uploads/%s/%s?" % (self.user.user_id, t["imageId"])))
        self.assertIn("X-Amz-Signature=", t["url"])
        self.assertEqual({k.lower(): v for k, v in t["headers"].items()}["content-type"], "image/jpeg")


class PutChecksTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_user(cls.server, "puts")

    def ticket(self, data, sha=True, ctype="image/jpeg"):
        return self.user.presign("p.jpg", ctype, len(data), sha256_hex(data) if sha else None).json()

    def test_body_of_another_size_is_refused(self):
        data = unique_jpeg()
        t = self.ticket(data, sha=False)
        r = self.user.put_blob(t, data[:-1], expect=403)
        self.assertEqual(r.json()["error"]["code"], "SignatureDoesNotMatch")
        r = self.user.put_blob(t, data + b"x", expect=403)
        self.user.image(t["imageId"], expect=404)
        # The right body still goes through afterwards.
        self.user.put_blob(t, data, expect=200)

    def test_checksum_mismatch_is_400_and_leaves_nothing(self):
        data = unique_jpeg()
        t = self.ticket(data)
        tampered = bytearray(data)
        tampered[100] ^= 0xFF
        r = self.user.put_blob(t, bytes(tampered), expect=400)
        self.assertEqual(r.json()["error"]["code"], "BadDigest")
        self.user.image(t["imageId"], expect=404)
        self.assertEqual(upload_temp_files(self.server.data_dir), [])

    def test_checksum_header_must_be_the_signed_one(self):
        data = unique_jpeg()
        t = self.ticket(data)
        headers = {k: v for k, v in t["headers"].items() if k.lower() != "x-amz-checksum-sha256"}
        if len(headers) != len(t["headers"]):
            self.user.put_blob({"headers": headers}, data, url=t["url"], expect=403)
        wrong = dict(t["headers"], **{"x-amz-checksum-sha256": b64(b"\0" * 32)})
        self.user.put_blob({"headers": wrong}, data, url=t["url"], expect=403)

    def test_wrong_content_type_header_is_refused(self):
        data = unique_jpeg()
        t = self.ticket(data)
        r = self.user.put_blob(t, data, headers={"content-type": "text/html"}, expect=403)
        self.assertEqual(r.json()["error"]["code"], "SignatureDoesNotMatch")

    def test_tampered_urls_are_403(self):
        data = unique_jpeg()
        t = self.ticket(data)
        url = t["url"]
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
        sig = q["X-Amz-Signature"][0]
        bad_sig = sig[:-1] + ("0" if sig[-1] != "0" else "1")
        for forged in (url.replace(sig, bad_sig),
                       url.replace("X-Amz-Expires=900", "X-Amz-Expires=604800"),
                       url.replace("/blobs/uploads/", "/blobs/uploads/x"),
                       url.split("?")[0]):
            r = self.user.put_blob(t, data, url=forged)
            self.assertIn(r.status_code, (400, 403), forged)
        self.user.image(t["imageId"], expect=404)
        self.user.put_blob(t, data, expect=200)

    def test_chunked_body_is_411(self):
        data = unique_jpeg()
        t = self.ticket(data)
        r = self.user.put_blob(t, iter([data[:100], data[100:]]))
        self.assertIn(r.status_code, (403, 411))

    def test_duplicate_declared_at_start_is_409_with_the_image_id(self):
        data = read_corpus("jpeg/exiftool_Canon.jpg")
        first = self.user.upload(data)
        r = self.user.presign("again.jpg", "image/jpeg", len(data), sha256_hex(data), expect=409).json()
        self.assertEqual(r["imageId"], first)
        self.assertEqual(r["error"]["code"], "DuplicateImage")

    def test_duplicate_found_while_uploading_is_409_and_not_stored(self):
        data = read_corpus("jpeg/exiftool_Nikon.jpg")
        first = self.user.upload(data, with_sha=False)
        t = self.ticket(data, sha=False)
        r = self.user.put_blob(t, data, expect=409).json()
        self.assertEqual(r["imageId"], first)
        self.user.image(t["imageId"], expect=404)
        ids = [i["imageId"] for i in self.user.all_images() if i["sha256"] == sha256_hex(data)]
        self.assertEqual(ids, [first])

    def test_sha256_is_computed_when_not_declared(self):
        data = read_corpus("jpeg/exiftool_Apple.jpg")
        image_id = self.user.upload(data, with_sha=False)
        self.assertEqual(self.user.image(image_id).json()["sha256"], sha256_hex(data))

    def test_cancelled_upload_url_stops_working(self):
        data = unique_jpeg("jpeg/exiftool_Olympus.jpg")
        t = self.ticket(data)
        self.user.delete("/api/uploads/" + t["imageId"], expect=204)
        self.user.put_blob(t, data, expect=404)

    def test_presigned_get_url_is_refused_for_put(self):
        data = unique_jpeg()
        image_id = self.user.upload(data)
        url = self.user.image(image_id).json()["contentUrl"]
        r = self.user.put_blob({"headers": {"Content-Type": "image/jpeg"}}, data, url=url)
        self.assertEqual(r.status_code, 403)

    def test_blob_preflight_allows_the_browser_put(self):
        data = unique_jpeg()
        t = self.ticket(data)
        r = self.user.request("OPTIONS", None, url=t["url"], auth=False, expect=204,
                              headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "PUT"})
        self.assertIn("PUT", r.headers["Access-Control-Allow-Methods"])
        self.assertIn("ETag", r.headers["Access-Control-Expose-Headers"])

    def test_abandoned_body_leaves_no_temp_file(self):
        data = unique_jpeg()
        t = self.ticket(data)
        u = urllib.parse.urlsplit(t["url"])
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        conn.putrequest("PUT", u.path + "?" + u.query)
        for k, v in t["headers"].items():
            conn.putheader(k, v)
        conn.putheader("Content-Length", str(len(data)))
        rid = "abandoned-" + t["imageId"]
        conn.putheader("X-Request-Id", rid)
        conn.endheaders()
        conn.send(data[: len(data) // 2])
        conn.close()  # gone mid-body
        # The server may open the upload's temp file after the client has left: wait for its
        # answer to the cut body (in the access log), then for the temp file to go.
        deadline = time.time() + 10
        while not any(l.get("requestId") == rid for l in self.server.log_lines()) and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual([l["status"] for l in self.server.log_lines() if l.get("requestId") == rid], [400])
        while upload_temp_files(self.server.data_dir) and time.time() < deadline:
            time.sleep(0.1)
        self.assertEqual(upload_temp_files(self.server.data_dir), [])
        self.user.image(t["imageId"], expect=404)
        self.user.put_blob(t, data, expect=200)


class ExpiryTest(ServerTestCase):
    SERVER_ARGS = ("--upload-url-ttl", "1")

    def test_expired_upload_url_is_403(self):
        user = new_user(self.server, "expiry")
        data = unique_jpeg()
        t = user.presign("e.jpg", "image/jpeg", len(data)).json()
        time.sleep(2.2)
        r = user.put_blob(t, data, expect=403)
        self.assertEqual(r.json()["error"]["code"], "AccessDenied")
        user.image(t["imageId"], expect=404)


class MultipartTest(ServerTestCase):
    SERVER_ARGS = ("--multipart-threshold", "5MiB", "--part-size", "5MiB", "--max-upload-size", "64MiB")

    def test_large_upload_in_parts_resumes_and_completes(self):
        user = new_user(self.server, "parts")
        data = read_corpus("jpeg/ianare_Canon_40D.jpg") + os.urandom(12 * MiB)
        t = user.presign("big.jpg", "image/jpeg", len(data), sha256_hex(data)).json()
        self.assertIsNone(t["url"])
        mp = t["multipart"]
        self.assertEqual(mp["partSize"], 5 * MiB)
        self.assertEqual([p["partNumber"] for p in mp["parts"]], [1, 2, 3])
        self.assertEqual(sum(p["size"] for p in mp["parts"]), len(data))

        def part_bytes(n):
            return data[(n - 1) * mp["partSize"]: n * mp["partSize"]]

        etags = {}
        for p in (mp["parts"][0], mp["parts"][2]):  # part 2 "lost" in an interruption
            r = user.put_blob({"headers": {}}, part_bytes(p["partNumber"]), url=p["url"], expect=200)
            etags[p["partNumber"]] = r.headers["ETag"]
        listed = user.get("/api/uploads/%s/parts" % t["imageId"], params={"uploadId": mp["uploadId"]}, expect=200).json()
        self.assertEqual([p["partNumber"] for p in listed["parts"]], [1, 3])
        self.assertEqual([p["partNumber"] for p in listed["missing"]], [2])
        r = user.put_blob({"headers": {}}, part_bytes(2), url=listed["missing"][0]["url"], expect=200)
        etags[2] = r.headers["ETag"]

        bad = [{"partNumber": n, "eTag": '"' + "0" * 32 + '"'} for n in (1, 2, 3)]
        r = user.post("/api/uploads/%s/complete" % t["imageId"], {"uploadId": mp["uploadId"], "parts": bad}, expect=400)
        self.assertEqual(r.json()["error"]["code"], "InvalidPart")

        parts = [{"partNumber": n, "eTag": etags[n]} for n in (1, 2, 3)]
        done = user.post("/api/uploads/%s/complete" % t["imageId"], {"uploadId": mp["uploadId"], "parts": parts},
                         expect=200).json()
        self.assertEqual(done["imageId"], t["imageId"])
        final = user.wait_final(t["imageId"])
        self.assertEqual(final["status"], "ready")
        self.assertEqual(final["size"], len(data))
        self.assertEqual(final["metadata"]["Model"], "Canon EOS 40D")
        r = user.get("/api/images/%s/content" % t["imageId"], headers={"Range": "bytes=%d-" % (len(data) - 100)},
                     expect=206)
        self.assertEqual(r.content, data[-100:])
        # Completed: the parts routes forget the upload.
        user.get("/api/uploads/%s/parts" % t["imageId"], params={"uploadId": mp["uploadId"]}, expect=404)

    def test_aborted_multipart_upload_refuses_its_parts(self):
        user = new_user(self.server, "abort")
        data = os.urandom(6 * MiB)
        t = user.presign("abort.jpg", "image/jpeg", len(data)).json()
        mp = t["multipart"]
        user.delete("/api/uploads/" + t["imageId"], params={"uploadId": mp["uploadId"]}, expect=204)
        r = user.put_blob({"headers": {}}, data[: 5 * MiB], url=mp["parts"][0]["url"])
        self.assertEqual(r.status_code, 404)
        self.assertEqual(upload_temp_files(self.server.data_dir), [])


if __name__ == "__main__":
    unittest.main()
