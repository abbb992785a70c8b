"""The API Lambda (`imgmeta lambda`, _HANDLER=api): the routes of `imgmeta serve`, driven by
API Gateway HTTP API v2 events (claims from the JWT authorizer) and Lambda function URL
events (Authorization header verified against moto's Cognito JWKS), on moto's S3, DynamoDB
and Cognito. Every response is checked against api/openapi.yaml with the serve tests' Spec.
"""

import base64
import hashlib
import json
import os
import sys
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))

from harness import BUCKET, SHARED, TABLE, LambdaProcess, Moto, Stack, corpus, oracle  # noqa: E402
from runtime_emulator import RuntimeEmulator  # noqa: E402

EVENTS = os.path.join(SHARED, "testdata/events/aws-lambda-go")


def load_spec():
    """tests/serve/harness.py's Spec (api/openapi.yaml), loaded under another module name."""
    import importlib.util
    path = os.path.join(os.path.dirname(__file__), "..", "serve", "harness.py")
    api_spec = os.environ.get("IMGMETA_API_SPEC", os.path.join(os.path.dirname(__file__), "..", "..", "api", "openapi.yaml"))
    try:
        module_spec = importlib.util.spec_from_file_location("serve_harness", path)
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        return module.Spec(api_spec)
    except Exception as e:  # noqa: BLE001 - the spec check is extra; report why it is off
        print(f"openapi checks disabled: {e}", file=sys.stderr)
        return None


class Response:
    """An API Gateway 2.0 response document, shaped like a requests.Response for Spec."""

    def __init__(self, doc):
        self.doc = doc
        self.status_code = doc["statusCode"]
        self.headers = {k: v for k, v in doc.get("headers", {}).items()}
        self.headers = _CaseInsensitive(self.headers)
        body = doc.get("body", "")
        self.content = base64.b64decode(body) if doc.get("isBase64Encoded") else body.encode()
        self.text = self.content.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.content)


class _CaseInsensitive(dict):
    def get(self, key, default=None):
        for k, v in self.items():
            if k.lower() == key.lower():
                return v
        return default


class ApiLambda(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = Moto()
        cls.stack = Stack(cls.moto)
        idp = cls.moto.client("cognito-idp")
        cls.pool = idp.create_user_pool(PoolName="imgmeta-users", UsernameAttributes=["email"])["UserPool"]["Id"]
        cls.client_id = idp.create_user_pool_client(
            UserPoolId=cls.pool, ClientName="web", GenerateSecret=False,
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
        cls.tokens = {}
        for user in ("alice@example.com", "bob@example.com"):
            idp.sign_up(ClientId=cls.client_id, Username=user, Password="Passw0rdX!",
                        UserAttributes=[{"Name": "email", "Value": user}])
            idp.admin_confirm_sign_up(UserPoolId=cls.pool, Username=user)
            auth = idp.initiate_auth(ClientId=cls.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                     AuthParameters={"USERNAME": user, "PASSWORD": "Passw0rdX!"})["AuthenticationResult"]
            claims = json.loads(base64.urlsafe_b64decode(auth["IdToken"].split(".")[1] + "=="))
            cls.tokens[user] = (auth["AccessToken"], claims)
        cls.api_emu = RuntimeEmulator().start()
        cls.extract_emu = RuntimeEmulator().start()
        env = {"AWS_ENDPOINT_URL": cls.moto.url, "BUCKET_NAME": BUCKET, "TABLE_NAME": TABLE}
        cls.api = LambdaProcess(cls.api_emu, dict(env, _HANDLER="api", AWS_LAMBDA_FUNCTION_NAME="imgmetaApi",
                                                  COGNITO_USER_POOL_ID=cls.pool, COGNITO_CLIENT_ID=cls.client_id))
        cls.extract = LambdaProcess(cls.extract_emu, dict(env, _HANDLER="extract"))
        # The trash's daily purge; TRASH_DAYS=0: whatever is in the trash has expired.
        cls.purge_emu = RuntimeEmulator().start()
        cls.purge = LambdaProcess(cls.purge_emu, dict(env, _HANDLER="purge", TRASH_DAYS="0"))
        cls.spec = load_spec()

    @classmethod
    def tearDownClass(cls):
        cls.api.stop()
        cls.extract.stop()
        cls.purge.stop()
        cls.api_emu.stop()
        cls.extract_emu.stop()
        cls.purge_emu.stop()
        cls.moto.stop()

    # --- events ---

    def http_api_event(self, method, path, user="alice@example.com", body=None, query="", headers=None):
        """An HTTP API v2 event behind a JWT authorizer (aws-lambda-go's example, filled in)."""
        with open(os.path.join(EVENTS, "apigw-v2-request-jwt-authorizer.json")) as f:
            ev = json.load(f)
        ev["rawPath"] = path
        ev["rawQueryString"] = query
        ev["routeKey"] = ev["requestContext"]["routeKey"] = "$default"
        ev["requestContext"]["http"]["method"] = method
        ev["requestContext"]["http"]["path"] = path
        ev["headers"] = {"content-type": "application/json", **(headers or {})}
        ev.pop("cookies", None)
        ev.pop("queryStringParameters", None)
        if user:
            _, claims = self.tokens[user]
            # JWT authorizer claims arrive with every value as a string.
            ev["requestContext"]["authorizer"]["jwt"]["claims"] = {k: str(v) for k, v in claims.items()}
        else:
            del ev["requestContext"]["authorizer"]
        ev["body"] = json.dumps(body) if body is not None else None
        ev["isBase64Encoded"] = False
        return ev

    def function_url_event(self, method, path, token=None, body=None):
        with open(os.path.join(EVENTS, "lambda-urls-request.json")) as f:
            ev = json.load(f)
        ev["rawPath"] = path
        ev["rawQueryString"] = ""
        ev["requestContext"]["http"]["method"] = method
        ev["requestContext"]["http"]["path"] = path
        del ev["requestContext"]["authorizer"]
        ev["headers"] = {"content-type": "application/json"}
        if token:
            ev["headers"]["authorization"] = "Bearer " + token
        ev.pop("cookies", None)
        raw = json.dumps(body).encode() if body is not None else b""
        ev["body"] = base64.b64encode(raw).decode()  # function URLs may base64 any body
        ev["isBase64Encoded"] = True
        return ev

    def call(self, event, check=True):
        result = self.api_emu.invoke(event)
        self.assertEqual(result.kind, "response", result.body)
        resp = Response(result.json())
        if check and self.spec:
            self.spec.check_response(event["requestContext"]["http"]["method"], event["rawPath"], resp)
        return resp

    def upload(self, path, content_type, user="alice@example.com"):
        data = corpus(path)
        resp = self.call(self.http_api_event("POST", "/api/uploads", user, body={
            "filename": os.path.basename(path), "contentType": content_type, "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest()}))
        self.assertEqual(resp.status_code, 201, resp.text)
        ticket = resp.json()
        req = urllib.request.Request(ticket["url"], data=data, method=ticket["method"], headers=ticket["headers"])
        with urllib.request.urlopen(req, timeout=30) as r:
            self.assertEqual(r.status, 200)
        # S3 -> SQS -> the extract Lambda.
        msgs = self.stack.receive(want=1)
        result = self.extract_emu.invoke(self.stack.sqs_event(msgs))
        self.assertEqual(result.json(), {"batchItemFailures": []})
        return ticket["imageId"], data

    # --- tests ---

    def test_upload_list_get_and_content(self):
        image_id, data = self.upload("jpeg/exiftool_Canon.jpg", "image/jpeg")
        listing = self.call(self.http_api_event("GET", "/api/images", query="limit=50&format=jpeg"))
        self.assertEqual(listing.status_code, 200)
        ids = [i["imageId"] for i in listing.json()["items"]]
        self.assertIn(image_id, ids)
        image = self.call(self.http_api_event("GET", f"/api/images/{image_id}")).json()
        self.assertEqual(image["status"], "ready")
        self.assertEqual(image["filename"], "exiftool_Canon.jpg")
        self.assertEqual(image["make"], "Canon")
        self.assertEqual(image["metadata"]["Model"], "Canon EOS DIGITAL REBEL")
        self.assertEqual(image["sha256"], hashlib.sha256(data).hexdigest())
        content = self.call(self.http_api_event("GET", f"/api/images/{image_id}/content"))
        self.assertEqual(content.status_code, 302)
        with urllib.request.urlopen(content.headers.get("Location"), timeout=30) as r:
            self.assertEqual(r.read(), data)

    def test_function_url_verifies_the_bearer_token_itself(self):
        token, claims = self.tokens["alice@example.com"]
        me = self.call(self.function_url_event("GET", "/api/me", token))
        self.assertEqual(me.status_code, 200, me.text)
        self.assertEqual(me.json()["userId"], claims["sub"])
        self.assertEqual(self.call(self.function_url_event("GET", "/api/me")).status_code, 401)
        tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
        self.assertEqual(self.call(self.function_url_event("GET", "/api/me", tampered)).status_code, 401)

    def test_another_users_image_is_not_found(self):
        image_id, _ = self.upload("png/exiftool_PNG.png", "image/png")
        resp = self.call(self.http_api_event("GET", f"/api/images/{image_id}", user="bob@example.com"))
        self.assertEqual(resp.status_code, 404)
        resp = self.call(self.http_api_event("DELETE", f"/api/images/{image_id}", user="bob@example.com"))
        self.assertEqual(resp.status_code, 404)
        self.assertEqual(self.call(self.http_api_event("GET", f"/api/images/{image_id}")).status_code, 200)

    def test_delete_removes_record_and_object(self):
        image_id, _ = self.upload("gif/exiftool_GIF.gif", "image/gif")
        self.assertEqual(self.call(self.http_api_event("DELETE", f"/api/images/{image_id}", query="permanent=true")).status_code, 204)
        self.assertEqual(self.call(self.http_api_event("GET", f"/api/images/{image_id}")).status_code, 404)
        sub = self.tokens["alice@example.com"][1]["sub"]
        objects = self.stack.s3.list_objects_v2(Bucket=BUCKET, Prefix=f"uploads/{sub}/{image_id}").get("KeyCount")
        self.assertEqual(objects, 0)
        # S3's ObjectRemoved event follows; handling it changes nothing visible.
        msgs = self.stack.receive(want=1)
        self.assertEqual(self.extract_emu.invoke(self.stack.sqs_event(msgs)).json(), {"batchItemFailures": []})
        self.assertEqual(self.call(self.http_api_event("GET", f"/api/images/{image_id}")).status_code, 404)

    # --- the trash ---

    def object_count(self, image_id, user="alice@example.com"):
        sub = self.tokens[user][1]["sub"]
        return self.stack.s3.list_objects_v2(Bucket=BUCKET, Prefix=f"uploads/{sub}/{image_id}").get("KeyCount")

    def listed(self, path="/api/images"):
        return [i["imageId"] for i in self.call(self.http_api_event("GET", path)).json()["items"]]

    def removed_event_reaches_the_extractor(self):
        msgs = self.stack.receive(want=1)
        self.assertIn("ObjectRemoved", msgs[0]["Body"])
        self.assertEqual(self.extract_emu.invoke(self.stack.sqs_event(msgs)).json(), {"batchItemFailures": []})

    def test_trash_restore_and_empty(self):
        image_id, _ = self.upload("jpeg/exiftool_GPS.jpg", "image/jpeg")
        self.assertEqual(self.call(self.http_api_event("DELETE", f"/api/images/{image_id}")).status_code, 204)
        img = self.call(self.http_api_event("GET", f"/api/images/{image_id}")).json()
        self.assertIn("trashedAt", img)
        self.assertIn("purgeAt", img)
        self.assertNotIn(image_id, self.listed())
        self.assertEqual(self.listed("/api/trash"), [image_id])
        self.assertEqual(self.object_count(image_id), 1, "the bytes stay while in the trash")
        # Another user can neither restore nor empty it.
        resp = self.call(self.http_api_event("POST", f"/api/images/{image_id}/restore", user="bob@example.com"))
        self.assertEqual(resp.status_code, 404)
        self.assertEqual(self.call(self.http_api_event("POST", "/api/trash/empty", user="bob@example.com")).json(),
                         {"deleted": 0})
        back = self.call(self.http_api_event("POST", f"/api/images/{image_id}/restore"))
        self.assertEqual(back.status_code, 200, back.text)
        self.assertNotIn("trashedAt", back.json())
        self.assertIn(image_id, self.listed())
        self.assertEqual(self.call(self.http_api_event("DELETE", f"/api/images/{image_id}")).status_code, 204)
        emptied = self.call(self.http_api_event("POST", "/api/trash/empty"))
        self.assertEqual(emptied.json(), {"deleted": 1})
        self.assertEqual(self.call(self.http_api_event("GET", f"/api/images/{image_id}")).status_code, 404)
        self.assertEqual(self.object_count(image_id), 0)
        self.removed_event_reaches_the_extractor()
        self.assertEqual(self.call(self.http_api_event("GET", f"/api/images/{image_id}")).status_code, 404)
        self.assertEqual(self.listed("/api/trash"), [])

    def test_purge_event_deletes_expired_trash_through_s3s_own_event(self):
        doomed, _ = self.upload("jpeg/exiftool_Apple.jpg", "image/jpeg")
        kept, _ = self.upload("jpeg/exiftool_NikonD2Hs.jpg", "image/jpeg")
        self.assertEqual(self.call(self.http_api_event("DELETE", f"/api/images/{doomed}")).status_code, 204)
        scheduled = {"version": "0", "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa", "detail-type": "Scheduled Event",
                     "source": "aws.events", "account": "123456789012", "time": "2026-01-01T00:00:00Z",
                     "region": "us-east-1", "resources": ["arn:aws:events:us-east-1:123456789012:rule/purge"], "detail": {}}
        result = self.purge_emu.invoke(scheduled)
        self.assertEqual(result.kind, "response", result.body)
        self.assertEqual(result.json()["deleted"], 1, result.body)
        self.assertEqual(self.object_count(doomed), 0)
        self.assertEqual(self.object_count(kept), 1)
        # The record is still there until S3's ObjectRemoved event reaches the extractor.
        self.removed_event_reaches_the_extractor()
        self.assertEqual(self.call(self.http_api_event("GET", f"/api/images/{doomed}")).status_code, 404)
        self.assertEqual(self.listed("/api/trash"), [])
        self.assertEqual(self.call(self.http_api_event("GET", f"/api/images/{kept}")).status_code, 200)
        # Nothing left to purge: a second run deletes nothing.
        self.assertEqual(self.purge_emu.invoke(scheduled).json()["deleted"], 0)

    def test_reextract_goes_through_s3s_own_event(self):
        image_id, _ = self.upload("webp/exiftool_RIFF.webp", "image/webp")
        resp = self.call(self.http_api_event("POST", f"/api/images/{image_id}/reextract"))
        self.assertEqual(resp.status_code, 202, resp.text)
        msgs = self.stack.receive(want=1)
        self.assertIn("ObjectCreated:Copy", msgs[0]["Body"])
        self.assertEqual(self.extract_emu.invoke(self.stack.sqs_event(msgs)).json(), {"batchItemFailures": []})
        image = self.call(self.http_api_event("GET", f"/api/images/{image_id}")).json()
        self.assertEqual(image["status"], "ready")
        self.assertEqual(image["format"], oracle("webp/exiftool_RIFF.webp")["FileType"])

    def test_requests_without_a_principal_are_unauthorized(self):
        resp = self.call(self.http_api_event("GET", "/api/images", user=None))
        self.assertEqual(resp.status_code, 401)
        self.assertEqual(resp.headers.get("Content-Type").split(";")[0], "application/json")

    def test_unknown_route_answers_404_json(self):
        resp = self.call(self.http_api_event("GET", "/api/nothing-here"), check=False)
        self.assertEqual(resp.status_code, 404)
        self.assertIn("error", resp.json())

    def test_a_non_http_event_is_an_invocation_error(self):
        result = self.api_emu.invoke({"Records": []})
        self.assertEqual(result.kind, "error")
        self.assertEqual(result.error_type, "Runtime.InvalidEvent")

    def test_each_request_logs_one_emf_line(self):
        self.call(self.http_api_event("GET", "/api/images"))
        line = self.api.json_lines_where(lambda l: l.get("path") == "/api/images")[-1]
        self.assertEqual(line["Route"], "GET /api/images")
        self.assertEqual(line["Requests"], 1)
        self.assertEqual(line["_aws"]["CloudWatchMetrics"][0]["Dimensions"], [["Function"], ["Function", "Route"]])
        self.assertEqual(line["Function"], "imgmetaApi")


if __name__ == "__main__":
    unittest.main()
