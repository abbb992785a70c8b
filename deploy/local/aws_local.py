#!/usr/bin/env python3
"""`deploy/deploy.sh local`: the AWS shape of imgmeta on this machine, in one command, on
loopback only. Nothing of it is needed (or used) on real AWS.

  1. starts moto_server with deploy/local/moto_shim_server.py (the CloudFormation models and
     the Amplify calls moto lacks, and SNS -> Lambda forwarding);
  2. deploys deploy/template.yaml through the real `deploy.sh deploy` path (change set,
     artifacts bucket, zips, config.json, the Amplify deployment);
  3. does what moto does not: saves the bucket's notification configuration as the deployed
     template states it (moto skips it in CloudFormation), so S3 publishes to the event
     topic, and the topic delivers to its subscriptions as deployed: to the queues itself,
     to the `lambda` subscriptions through this process;
  4. runs each deployed function's `bootstrap` (from the zip deployed for it, with the
     environment deployed for it) under a Runtime API emulator, one per function, and
     invokes it asynchronously for each SNS delivery, as Lambda does: two retries, then the
     function's dead-letter queue. A function that fails at init is reported, not fatal;
  5. puts the HTTP API in front of the API function: API Gateway's payload format 2.0, the
     JWT authorizer checked against the local user pool's JWKS (issuer, audience or
     client_id, expiry), its claims passed as strings as API Gateway does;
  6. serves the site deploy.sh published (the zip from the Amplify deployment, with the
     config.json it made) on the same origin as the API, and Cognito's public calls;
  7. prints the site's URL and waits; Ctrl-C (or SIGTERM) stops everything it started.

Usage: deploy/deploy.sh local [--stack-name NAME] [--port N] [--binary PATH]
                              [--web-dist DIR | --skip-web-build | --npm-ci] [--param KEY=VALUE]
                              [--ready-file PATH] [--keep-work]
"""

import argparse
import base64
import datetime
import io
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

from runtime_emulator import RuntimeEmulator  # noqa: E402

ACCOUNT = "123456789012"
RETRY_DELAYS_S = (1, 2)  # Lambda waits about 1 and 2 minutes between async retries; seconds here


def log(msg):
    print(f"[aws-local] {msg}", flush=True)


# ---------------------------------------------------------------- template reading
def load_template(text):
    """The deployed template with CloudFormation's short forms as their long forms."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def construct(tag):
        name = "Ref" if tag == "Ref" else "Fn::" + tag

        def f(loader, node):
            if isinstance(node, yaml.ScalarNode):
                v = loader.construct_scalar(node)
                if tag == "GetAtt":
                    v = v.split(".", 1)
            elif isinstance(node, yaml.SequenceNode):
                v = loader.construct_sequence(node, deep=True)
            else:
                v = loader.construct_mapping(node, deep=True)
            return {name: v}
        return f

    for t in ("Ref", "GetAtt", "Sub", "If", "Not", "Equals", "And", "Or", "Join", "Select", "Split",
              "FindInMap", "ImportValue", "GetAZs", "Base64", "Cidr", "Condition"):
        Loader.add_constructor("!" + t, construct(t))
    if isinstance(text, dict):
        return text
    return yaml.load(text, Loader=Loader)  # noqa: S506 - SafeLoader subclass


def ref_of(value):
    """The logical id a {"Ref": X} or {"Fn::GetAtt": [X, ...]} names."""
    if isinstance(value, dict):
        if "Ref" in value:
            return value["Ref"]
        if "Fn::GetAtt" in value:
            return value["Fn::GetAtt"][0]
    return None


# ---------------------------------------------------------------- processes
class Child:
    """A process started here, in its own session (Ctrl-C reaches it only through stop())."""

    def __init__(self, name, cmd, env, log_path, cwd=None):
        self.name = name
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        self.pid = self.proc.pid

    def running(self):
        return self.proc.poll() is None

    def stop(self, grace=5.0):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait()
        self.log.close()


class Function:
    """One deployed function: its unpacked zip, its emulator, its bootstrap process, and the
    worker that invokes it asynchronously."""

    def __init__(self, local, name, config, root):
        self.local, self.name, self.config, self.root = local, name, config, root
        self.arn = config["FunctionArn"]
        self.timeout = int(config.get("Timeout", 30))
        self.emulator = RuntimeEmulator(function_arn=self.arn).start()
        self.child = None
        self.init_error = None
        self.queue = queue.Queue()
        self.dead_letter_url = None
        self.invocations = 0
        self.failures = 0
        self.undelivered = 0
        self.worker = threading.Thread(target=self._work, daemon=True)

    def start(self):
        env = {
            "PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "TZ": "UTC", "LANG": "C.UTF-8",
            "AWS_LAMBDA_RUNTIME_API": self.emulator.address, "_HANDLER": self.config.get("Handler", ""),
            "LAMBDA_TASK_ROOT": self.root, "LAMBDA_RUNTIME_DIR": self.root,
            "AWS_REGION": self.local.region, "AWS_DEFAULT_REGION": self.local.region,
            "AWS_EXECUTION_ENV": "AWS_Lambda_provided.al2023",
            "AWS_LAMBDA_FUNCTION_NAME": self.name, "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.config.get("MemorySize", 128)),
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.name}", "AWS_LAMBDA_LOG_STREAM_NAME": "local",
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "local",
            # What only the local shape needs: every AWS call goes to moto.
            "AWS_ENDPOINT_URL": self.local.endpoint,
        }
        # str(): moto keeps a Number parameter's Ref (TRASH_DAYS) a number; Lambda has strings.
        env.update({k: str(v) for k, v in ((self.config.get("Environment") or {}).get("Variables") or {}).items()})
        if "SITE_URL" in env and self.local.site_url:  # share links point at the local site
            env["SITE_URL"] = self.local.site_url
        pool = env.get("COGNITO_USER_POOL_ID")
        if pool:  # the function's own token check (function URLs) reads the local pool's keys
            env["COGNITO_JWKS_URL"] = f"{self.local.endpoint}/{pool}/.well-known/jwks.json"
        self.child = Child(self.name, [os.path.join(self.root, "bootstrap")], env,
                           os.path.join(self.local.work, "logs", self.name + ".log"), cwd=self.root)
        self.local.children.append(self.child)
        self.worker.start()

    def wait_ready(self, timeout=15.0):
        """True once the runtime asks for its first event; False when it failed at init."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.emulator.init_errors:
                etype, body = self.emulator.init_errors[0]
                try:
                    message = json.loads(body).get("errorMessage", "")
                except ValueError:
                    message = body.decode("utf-8", "replace")
                self.init_error = f"{etype}: {message}"
                return False
            if self.emulator.next_requests:
                return True
            if not self.child.running():
                self.init_error = f"bootstrap exited with status {self.child.proc.returncode} before its first event"
                return False
            time.sleep(0.05)
        self.init_error = f"no request for an event within {timeout:.0f} s"
        return False

    def ready(self):
        return self.init_error is None and self.child is not None and self.child.running()

    def invoke_sync(self, event):
        if not self.ready():
            return None
        self.invocations += 1
        return self.emulator.invoke(event, timeout_s=self.timeout + 5, deadline_in_ms=self.timeout * 1000)

    def invoke_async(self, event):
        self.queue.put(event)

    def _work(self):
        while True:
            event = self.queue.get()
            if event is None:
                return
            self._deliver(event)

    def _deliver(self, event):
        if not self.ready():
            self.undelivered += 1
            if self.undelivered == 1:
                log(f"{self.name} is not running ({self.init_error or 'stopped'}): its events go to its dead-letter queue")
            self._dead_letter(event, "the function is not running")
            return
        for attempt in range(1 + len(RETRY_DELAYS_S)):
            try:
                result = self.invoke_sync(event)
            except TimeoutError as e:
                result, why = None, str(e)
            else:
                why = "" if result is None else result.body.decode("utf-8", "replace")[:300]
            if result is not None and result.kind == "response":
                log(f"{self.name}: event handled in {result.duration_ms:.0f} ms")
                return
            self.failures += 1
            log(f"{self.name}: attempt {attempt + 1} failed: {why}")
            if attempt < len(RETRY_DELAYS_S) and not self.local.stopping.is_set():
                time.sleep(RETRY_DELAYS_S[attempt])
        self._dead_letter(event, "retries exhausted")

    def _dead_letter(self, event, why):
        if not self.dead_letter_url:
            return
        try:
            self.local.client("sqs").send_message(QueueUrl=self.dead_letter_url, MessageBody=json.dumps(event))
        except Exception as e:  # noqa: BLE001 - moto stopping
            log(f"{self.name}: could not send to the dead-letter queue ({why}): {e}")

    def stop(self):
        self.queue.put(None)
        if self.child:
            self.child.stop()
        self.emulator.stop()


# ---------------------------------------------------------------- the JWT authorizer
class JwtAuthorizer:
    """What API Gateway's JWT authorizer checks (HTTP API developer guide, "Controlling access
    with JWT authorizers"): RS256 signature by a key of the issuer's JWKS, `iss` equal to the
    configured issuer, `aud` (ID tokens) or `client_id` (access tokens) in the audience list,
    `exp` in the future, `nbf`/`iat` not in the future. Claims go to the integration as strings."""

    def __init__(self, jwks_url, issuer, audience):
        from joserfc.jwk import KeySet
        with urllib.request.urlopen(jwks_url, timeout=10) as r:
            self.keys = KeySet.import_key_set(json.loads(r.read()))
        self.issuer, self.audience = issuer, set(audience)

    def claims(self, header_value):
        from joserfc import jwt
        if not header_value:
            return None
        token = header_value.split(" ", 1)[1] if header_value.lower().startswith("bearer ") else header_value
        try:
            claims = jwt.decode(token.strip(), self.keys, algorithms=["RS256"]).claims
        except Exception:  # noqa: BLE001 - any malformed or badly signed token is simply unauthorized
            return None
        now = time.time()
        if claims.get("iss") != self.issuer:
            return None
        if not (claims.get("aud") in self.audience or claims.get("client_id") in self.audience):
            return None
        if not isinstance(claims.get("exp"), (int, float)) or claims["exp"] <= now:
            return None
        for k in ("nbf", "iat"):
            if isinstance(claims.get(k), (int, float)) and claims[k] > now + 300:
                return None
        out = {}
        for k, v in claims.items():  # every value a string: numbers as text, arrays as "[a b]"
            out[k] = "[" + " ".join(str(x) for x in v) + "]" if isinstance(v, list) else str(v)
        return out


# ---------------------------------------------------------------- the HTTP side
TEXT_TYPES = ("application/json", "text/", "application/xml", "application/x-www-form-urlencoded")


def make_handler(local):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "imgmeta-aws-local"

        def log_message(self, fmt, *args):
            pass

        def reply(self, status, body=b"", headers=None):
            if isinstance(body, str):
                body = body.encode()
            try:
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def body(self):
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n else b""

        def do_GET(self):
            self.route()

        def do_HEAD(self):
            self.route()

        def do_POST(self):
            self.route()

        def do_DELETE(self):
            self.route()

        def do_PUT(self):
            self.route()

        def do_OPTIONS(self):
            self.route()

        def route(self):
            path = urllib.parse.urlsplit(self.path).path
            if path == "/_local/sns" and self.command == "POST":
                return self.sns_delivery()
            if path.startswith("/api/") or path == "/api":
                return self.api()
            if self.command == "POST" and self.headers.get("X-Amz-Target", "").startswith(
                    "AWSCognitoIdentityProviderService."):
                return self.cognito()
            if self.command in ("GET", "HEAD"):
                return self.site(path)
            return self.reply(405, "method not allowed")

        # SNS -> a lambda subscription (forwarded by moto_shim_server)
        def sns_delivery(self):
            d = json.loads(self.body() or b"{}")
            fn = local.function_by_arn(d.get("functionArn", ""))
            if fn is None:
                log(f"SNS delivery to an unknown function {d.get('functionArn')}: dropped")
                return self.reply(404, "{}")
            fn.invoke_async(sns_event(d, local.region))
            return self.reply(202, "{}")

        # Cognito's public (unsigned) calls, passed to the local pool: same origin for the page
        def cognito(self):
            data = self.body()
            headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "x-amz-target",
                                                                            "x-amz-user-agent")}
            req = urllib.request.Request(local.endpoint + "/", data=data, method="POST", headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    status, body, ctype = r.status, r.read(), r.headers.get("Content-Type", "application/x-amz-json-1.1")
            except urllib.error.HTTPError as e:
                status, body, ctype = e.code, e.read(), e.headers.get("Content-Type", "application/x-amz-json-1.1")
            return self.reply(status, body, {"Content-Type": ctype})

        # API Gateway HTTP API: routes GET/POST/DELETE /api/{proxy+}, JWT authorizer, payload 2.0
        def api(self):
            if self.command == "OPTIONS":  # the API's CORS configuration answers preflights
                return self.reply(204, b"", local.cors_headers(self.headers.get("Origin")))
            if self.command not in ("GET", "POST", "DELETE"):
                return self.reply(404, '{"message":"Not Found"}', {"Content-Type": "application/json"})
            path = urllib.parse.urlsplit(self.path).path
            public = local.public_route(self.command, path)
            claims = None if public else local.authorizer.claims(self.headers.get("Authorization"))
            cors = local.cors_headers(self.headers.get("Origin"))
            if claims is None and not public:
                return self.reply(401, '{"message":"Unauthorized"}', dict(cors, **{
                    "Content-Type": "application/json",
                    "www-authenticate": 'Bearer scope="" error="invalid_token" error_description="the token is missing or invalid"'}))
            api_fn = local.api_function
            event = local.http_event(self, self.body(), claims, public)
            try:
                result = api_fn.invoke_sync(event) if api_fn else None
            except TimeoutError:
                return self.reply(503, '{"message":"Service Unavailable"}', dict(cors, **{"Content-Type": "application/json"}))
            if result is None or result.kind != "response":
                if result is not None:
                    log(f"{api_fn.name}: {result.error_type} {result.body[:300]!r}")
                return self.reply(500, '{"message":"Internal Server Error"}', dict(cors, **{"Content-Type": "application/json"}))
            status, headers, body = api_response(result.body)
            headers.update(cors)
            return self.reply(status, body, headers)

        # the Amplify site
        def site(self, path):
            rel = urllib.parse.unquote(path).lstrip("/") or "index.html"
            full = os.path.realpath(os.path.join(local.site_dir, rel))
            if not full.startswith(os.path.realpath(local.site_dir) + os.sep) or not os.path.isfile(full):
                # Amplify's rewrite (template.yaml, CustomRules): paths that are not files get index.html
                if "." in os.path.basename(rel):
                    return self.reply(404, "not found", {"Content-Type": "text/plain"})
                full = os.path.join(local.site_dir, "index.html")
            with open(full, "rb") as f:
                data = f.read()
            headers = {"Content-Type": content_type(full), "X-Content-Type-Options": "nosniff",
                       "Referrer-Policy": "strict-origin-when-cross-origin", "X-Frame-Options": "DENY"}
            if full.endswith("config.json"):
                headers["Cache-Control"] = "no-cache"
            return self.reply(200, data, headers)

    return Handler


def content_type(path):
    import mimetypes
    t = mimetypes.guess_type(path)[0] or "application/octet-stream"
    return t + "; charset=utf-8" if t.startswith("text/") or t in ("application/javascript", "application/json") else t


def sns_event(d, region):
    """The event Lambda receives from an SNS subscription (Lambda developer guide, "Using
    Lambda with Amazon SNS")."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    topic = d.get("topicArn", "")
    return {"Records": [{
        "EventVersion": "1.0", "EventSubscriptionArn": d.get("subscriptionArn", ""), "EventSource": "aws:sns",
        "Sns": {"SignatureVersion": "1", "Timestamp": now, "Signature": "local", "MessageId": d.get("messageId", ""),
                "Message": d.get("message", ""), "MessageAttributes": {}, "Type": "Notification",
                "SigningCertUrl": f"https://sns.{region}.amazonaws.com/local.pem",
                "UnsubscribeUrl": f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={d.get('subscriptionArn', '')}",
                "TopicArn": topic, "Subject": d.get("subject")}}]}


def api_response(raw):
    """A payload 2.0 response: {statusCode, headers, cookies, body, isBase64Encoded}; anything
    else is a 200 with the result as JSON (API Gateway's rule for format 2.0)."""
    try:
        r = json.loads(raw)
    except ValueError:
        return 200, {"Content-Type": "application/json"}, raw
    if not isinstance(r, dict) or "statusCode" not in r:
        return 200, {"Content-Type": "application/json"}, raw
    headers = {str(k): str(v) for k, v in (r.get("headers") or {}).items()}
    body = r.get("body") or ""
    data = base64.b64decode(body) if r.get("isBase64Encoded") else body.encode()
    if r.get("cookies"):
        headers["Set-Cookie"] = r["cookies"][0]  # one is all the API sets
    return int(r["statusCode"]), headers, data


# ---------------------------------------------------------------- the whole
class AwsLocal:
    def __init__(self, args):
        self.args = args
        self.region = args.region
        self.stack = args.stack_name
        self.work = tempfile.mkdtemp(prefix="imgmeta-aws-local-")
        os.makedirs(os.path.join(self.work, "logs"))
        self.children = []
        self.functions = {}
        self.api_function = None
        self.public_routes = []  # "GET /api/public/{proxy+}": routes deployed without the authorizer
        self.stopping = threading.Event()
        self.endpoint = None
        self.httpd = None
        self.site_dir = os.path.join(self.work, "site")
        self.site_url = None
        self.cors_origins = set()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        cfg = os.path.join(self.work, "aws-config")
        with open(cfg, "w") as f:
            f.write(f"[default]\nregion = {self.region}\ns3 =\n    signature_version = s3v4\n")
        self.env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=self.region,
                        AWS_CONFIG_FILE=cfg, AWS_SHARED_CREDENTIALS_FILE=os.path.join(self.work, "no-credentials"))

    def client(self, service):
        import boto3
        from botocore.config import Config
        return boto3.client(service, endpoint_url=self.endpoint, region_name=self.region, aws_access_key_id="testing",
                            aws_secret_access_key="testing",
                            config=Config(retries={"max_attempts": 2}, signature_version="s3v4" if service == "s3" else None))

    def function_by_arn(self, arn):
        name = arn.split(":function:", 1)[-1].split(":")[0]
        return self.functions.get(name)

    def cors_headers(self, origin):
        if origin and origin in self.cors_origins:
            return {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Methods": "GET,POST,DELETE",
                    "Access-Control-Allow-Headers": "authorization,content-type,x-share-password",
                    "Access-Control-Expose-Headers": "location,etag", "Access-Control-Max-Age": "3600", "Vary": "Origin"}
        return {}

    def public_route(self, method, path):
        """The route key of a deployed route without an authorizer that matches, or None."""
        for key in self.public_routes:
            m, template = key.split(" ", 1)
            prefix = template.split("{", 1)[0]
            if m == method and path.startswith(prefix) and len(path) > len(prefix):
                return key
        return None

    def http_event(self, h, body, claims, public_route=None):
        split = urllib.parse.urlsplit(h.path)
        headers = {}
        for k, v in h.headers.items():
            k = k.lower()
            headers[k] = headers[k] + "," + v if k in headers else v
        route_key = public_route or f"{h.command} /api/{{proxy+}}"
        event = {"version": "2.0", "routeKey": route_key, "rawPath": split.path,
                 "rawQueryString": split.query, "headers": headers}
        if "cookie" in headers:
            event["cookies"] = [c.strip() for c in headers.pop("cookie").split(";")]
        if split.query:
            q = {}
            for k, v in urllib.parse.parse_qsl(split.query, keep_blank_values=True):
                q[k] = q[k] + "," + v if k in q else v
            event["queryStringParameters"] = q
        prefix = route_key.split(" ", 1)[1].split("{", 1)[0]
        event["pathParameters"] = {"proxy": split.path[len(prefix):]}
        now = datetime.datetime.now(datetime.timezone.utc)
        event["requestContext"] = {
            "accountId": ACCOUNT, "apiId": self.api_id, "domainName": h.headers.get("Host", ""),
            "domainPrefix": self.api_id, "requestId": str(uuid.uuid4()), "routeKey": event["routeKey"],
            "stage": "$default", "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"), "timeEpoch": int(now.timestamp() * 1000),
            "http": {"method": h.command, "path": split.path, "protocol": "HTTP/1.1",
                     "sourceIp": h.client_address[0], "userAgent": h.headers.get("User-Agent", "")}}
        if claims is not None:  # API Gateway passes no authorizer context on a route without one
            event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
        ctype = headers.get("content-type", "")
        if body:
            if any(ctype.startswith(t) for t in TEXT_TYPES):
                event["body"], event["isBase64Encoded"] = body.decode("utf-8", "replace"), False
            else:
                event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
        else:
            event["isBase64Encoded"] = False
        return event

    # -------------------------------------------------------- steps
    def start_moto(self):
        log_path = os.path.join(self.work, "logs", "moto.log")
        env = dict(self.env, TMPDIR=self.work)
        self.moto = Child("moto", [sys.executable, os.path.join(HERE, "moto_shim_server.py"), "-H", "127.0.0.1", "-p", "0"],
                          env, log_path)
        self.children.append(self.moto)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if not self.moto.running():
                raise RuntimeError("moto_shim_server exited:\n" + open(log_path).read())
            m = re.search(r"Running on (http://127\.0\.0\.1:\d+)", open(log_path).read())
            if m:
                self.endpoint = m.group(1)
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("moto_shim_server did not start")
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.endpoint + "/moto-api/", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        log(f"moto (with deploy/local/moto_shim_server.py) at {self.endpoint}")

    def start_http(self):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.args.port), make_handler(self))
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.site_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.cors_origins.add(self.site_url)

    def deploy(self):
        cmd = [os.path.join(REPO, "deploy", "deploy.sh"), "deploy", "--stack-name", self.stack, "--region", self.region,
               "--endpoint-url", self.endpoint, "--param", f"ExtraCorsOrigin={self.site_url}"]
        binary = self.args.binary
        if not binary:
            for preset in ("release", "dev"):
                candidate = os.path.join(REPO, "build", preset, "src", "cli", "imgmeta")
                if os.access(candidate, os.X_OK):
                    binary = candidate
                    break
        if binary:
            cmd += ["--binary", binary]
        if self.args.web_dist:
            cmd += ["--web-dist", self.args.web_dist]
        if self.args.skip_web_build:
            cmd.append("--skip-web-build")
        if self.args.npm_ci:
            cmd.append("--npm-ci")
        for p in self.args.param or []:
            cmd += ["--param", p]
        log("deploying the stack through deploy/deploy.sh deploy: " + " ".join(cmd[1:]))
        self.deployer = subprocess.Popen(cmd, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        for line in self.deployer.stdout:
            print("  deploy | " + line.decode("utf-8", "replace").rstrip(), flush=True)
        rc = self.deployer.wait()
        if rc != 0:
            raise RuntimeError(f"deploy.sh deploy failed (exit {rc}); see its output above")

    def wire(self):
        cfn = self.client("cloudformation")
        stack = cfn.describe_stacks(StackName=self.stack)["Stacks"][0]
        self.outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}
        resources = {r["LogicalResourceId"]: r.get("PhysicalResourceId")
                     for r in cfn.describe_stack_resources(StackName=self.stack)["StackResources"]}
        template = load_template(cfn.get_template(StackName=self.stack)["TemplateBody"])
        res = template["Resources"]
        self.api_id = self.outputs["ApiUrl"].split("//", 1)[1].split(".", 1)[0]

        # The bucket's notifications and CORS, as deployed (moto skips both in CloudFormation).
        bucket_id = next(k for k, r in res.items() if r["Type"] == "AWS::S3::Bucket")
        bucket = resources[bucket_id]
        props = res[bucket_id]["Properties"]
        topics = []
        for c in props.get("NotificationConfiguration", {}).get("TopicConfigurations", []):
            rules = [{"Name": r["Name"], "Value": r["Value"]} for r in c.get("Filter", {}).get("S3Key", {}).get("Rules", [])]
            topic = {"TopicArn": resources[ref_of(c["Topic"])], "Events": [c["Event"]]}
            if rules:
                topic["Filter"] = {"Key": {"FilterRules": rules}}
            topics.append(topic)
        s3 = self.client("s3")
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"TopicConfigurations": topics})
        log(f"s3://{bucket} notifies {', '.join(sorted({t['TopicArn'].rsplit(':', 1)[1] for t in topics}))} "
            f"of {', '.join(t['Events'][0] for t in topics)}")
        rules = []
        for r in props.get("CorsConfiguration", {}).get("CorsRules", []):
            rules.append({"AllowedMethods": r["AllowedMethods"], "AllowedOrigins": [self.site_url],
                          "AllowedHeaders": r.get("AllowedHeaders", []), "ExposeHeaders": r.get("ExposedHeaders", []),
                          "MaxAgeSeconds": int(r.get("MaxAge", 3600))})
        if rules:
            s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})

        # The functions, from the zips deployed for them.
        lam = self.client("lambda")
        zips = self.deployed_zips()
        for fid, r in res.items():
            if r["Type"] != "AWS::Lambda::Function":
                continue
            name = resources[fid]
            config = lam.get_function_configuration(FunctionName=name)
            data = zips.get(config["CodeSha256"])
            if data is None:
                log(f"{name}: no zip in the artifacts bucket has its CodeSha256; not started")
                continue
            root = os.path.join(self.work, "functions", name)
            unzip(data, root)
            fn = Function(self, name, config, root)
            dlq = ref_of(r["Properties"].get("DeadLetterConfig", {}).get("TargetArn"))
            if dlq and dlq in resources:
                fn.dead_letter_url = resources[dlq]
            self.functions[name] = fn
            if r["Properties"].get("Handler") == "api":
                self.api_function = fn
        for fn in self.functions.values():
            fn.start()
        for fn in self.functions.values():
            if fn.wait_ready():
                log(f"{fn.name} ({fn.config.get('Handler')}) is running, pid {fn.child.pid}")
            else:
                log(f"{fn.name} ({fn.config.get('Handler')}) FAILED AT INIT: {fn.init_error}; "
                    f"its log: {fn.child.log_path}; everything else keeps running")

        # SNS -> the functions' lambda subscriptions, through this process.
        req = urllib.request.Request(self.endpoint + "/_shim/lambda-forward", method="POST",
                                     data=json.dumps({"url": self.site_url + "/_local/sns"}).encode(),
                                     headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=10).read()
        sns = self.client("sns")
        topic_arns = sorted({t["TopicArn"] for t in topics})
        for arn in topic_arns:
            for s in sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]:
                log(f"{arn.rsplit(':', 1)[1]} -> {s['Protocol']} {s['Endpoint'].rsplit(':', 1)[1]}")

        # Routes without an authorizer (share links' public route), as the template deploys them.
        self.public_routes = [r["Properties"]["RouteKey"] for r in res.values()
                              if r["Type"] == "AWS::ApiGatewayV2::Route"
                              and r["Properties"].get("AuthorizationType") == "NONE"]
        log(f"routes without the authorizer: {', '.join(self.public_routes) or 'none'}")

        # The JWT authorizer, as the stack configured it.
        auth_id = next(k for k, r in res.items() if r["Type"] == "AWS::ApiGatewayV2::Authorizer")
        authorizer = self.client("apigatewayv2").get_authorizer(ApiId=self.api_id, AuthorizerId=resources[auth_id])
        jwt = authorizer["JwtConfiguration"]
        pool = jwt["Issuer"].rsplit("/", 1)[1]
        self.authorizer = JwtAuthorizer(f"{self.endpoint}/{pool}/.well-known/jwks.json", jwt["Issuer"], jwt["Audience"])

        # The site deploy.sh published to Amplify, with its config.json.
        self.unpack_site()

    def deployed_zips(self):
        """CodeSha256 (base64 of the SHA-256, as Lambda reports it) -> the zip's bytes."""
        import hashlib
        s3 = self.client("s3")
        bucket = f"{self.stack}-artifacts-{ACCOUNT}-{self.region}"
        out = {}
        for o in s3.list_objects_v2(Bucket=bucket, Prefix="lambda/").get("Contents", []):
            data = s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
            out[base64.b64encode(hashlib.sha256(data).digest()).decode()] = data
        return out

    def unpack_site(self):
        with urllib.request.urlopen(self.endpoint + "/_shim/amplify", timeout=10) as r:
            apps = json.loads(r.read())
        app = apps.get(self.outputs.get("AmplifyAppId", ""), {})
        jobs = [j for j in app.get("jobs", {}).values() if j.get("zip")]
        if not jobs:
            raise RuntimeError("deploy.sh published no site (no Amplify deployment with a zip)")
        job = max(jobs, key=lambda j: int(j["jobId"]))
        with zipfile.ZipFile(job["zip"]) as z:
            z.extractall(self.site_dir)
        path = os.path.join(self.site_dir, "config.json")
        with open(path) as f:
            config = json.load(f)
        deployed = json.dumps(config)
        # The API (execute-api) and Cognito are answered on this origin locally.
        config["apiBaseUrl"] = self.site_url
        config.setdefault("auth", {})["endpoint"] = self.site_url
        with open(path, "w") as f:
            json.dump(config, f)
        log(f"site from Amplify job {job['jobId']}; config.json as deployed: {deployed}; "
            f"served with apiBaseUrl and auth.endpoint {self.site_url}")

    def write_ready(self):
        info = {"site": self.site_url, "api": self.site_url, "endpoint": self.endpoint, "stack": self.stack,
                "region": self.region, "outputs": self.outputs, "pid": os.getpid(),
                "pids": [c.pid for c in self.children],
                "ports": [self.httpd.server_address[1], int(self.endpoint.rsplit(":", 1)[1])]
                + [int(fn.emulator.address.rsplit(":", 1)[1]) for fn in self.functions.values()],
                "motoPid": self.moto.pid,
                "functions": {n: {"handler": f.config.get("Handler"), "running": f.ready(), "initError": f.init_error,
                                  "pid": f.child.pid if f.child else None,
                                  "log": f.child.log_path if f.child else None} for n, f in self.functions.items()},
                "work": self.work}
        if self.args.ready_file:
            tmp = self.args.ready_file + ".tmp"
            with open(tmp, "w") as f:
                json.dump(info, f, indent=2)
            os.replace(tmp, self.args.ready_file)

    def stop(self):
        self.stopping.set()
        log("stopping")
        if getattr(self, "deployer", None) and self.deployer.poll() is None:
            try:
                os.killpg(self.deployer.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            self.deployer.wait()
        for fn in self.functions.values():
            fn.stop()
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
        for c in reversed(self.children):
            c.stop()
        if self.args.keep_work:
            log(f"logs kept in {self.work}")
        else:
            shutil.rmtree(self.work, ignore_errors=True)
        log("stopped: every process started here is gone")


def unzip(data, root):
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            z.extract(info, root)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(os.path.join(root, info.filename), mode)


def main():
    ap = argparse.ArgumentParser(prog="deploy/deploy.sh local", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stack-name", default="imgmeta-local")
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--port", type=int, default=8787, help="port of the site and the HTTP API on 127.0.0.1 (0: any free one)")
    ap.add_argument("--binary", help="the imgmeta binary to package (default: build/release, else build/dev, else build release)")
    ap.add_argument("--web-dist", help="publish this built web app instead of building web/")
    ap.add_argument("--skip-web-build", action="store_true", help="publish web/dist as it is")
    ap.add_argument("--npm-ci", action="store_true", help="run npm ci in web/ first (the npm registry)")
    ap.add_argument("--param", action="append", metavar="KEY=VALUE",
                    help="a template parameter for deploy.sh (repeatable; e.g. ServeQueue=true)")
    ap.add_argument("--ready-file", help="write the URLs, ports and pids here (JSON) once everything runs")
    ap.add_argument("--keep-work", action="store_true", help="keep the logs and unpacked zips after stopping")
    args = ap.parse_args()

    local = AwsLocal(args)
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()
        if getattr(local, "deployer", None) and local.deployer.poll() is None:
            try:
                os.killpg(local.deployer.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    rc = 0
    try:
        local.start_moto()
        local.start_http()
        if not stop.is_set():
            local.deploy()
        if not stop.is_set():
            local.wire()
            local.write_ready()
            failed = [n for n, f in local.functions.items() if not f.ready()]
            print(flush=True)
            print(f"Site:      {local.site_url}/", flush=True)
            print(f"API:       {local.site_url}/api (HTTP API payload 2.0, JWT authorizer on the local pool)", flush=True)
            print(f"AWS:       {local.endpoint} (moto: S3, DynamoDB, Cognito {local.outputs.get('UserPoolId')}, SNS, SQS)", flush=True)
            if failed:
                print(f"Not running (failed at init): {', '.join(failed)}", flush=True)
            print("Ctrl-C stops everything.", flush=True)
            while not stop.wait(0.5):
                pass
    except Exception as e:  # noqa: BLE001 - reported, then everything started is stopped
        if not stop.is_set():
            print(f"deploy.sh local: {e}", file=sys.stderr, flush=True)
            rc = 1
    finally:
        local.stop()
    return rc


if __name__ == "__main__":
    sys.exit(main())
