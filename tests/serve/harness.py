"""Test harness for `imgmeta serve`: starts the real binary on a free loopback port with a
temporary data directory, talks to it over HTTP, and checks every response against
api/openapi.yaml.

Environment (set by tests/serve/CMakeLists.txt):
  IMGMETA_BIN         the imgmeta binary
  IMGMETA_SHARED_DIR  the shared corpus directory (../shared)
  IMGMETA_API_SPEC    api/openapi.yaml
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
import unittest

import requests
import yaml
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_spec

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BIN = os.environ.get("IMGMETA_BIN", os.path.join(REPO, "build", "dev", "src", "cli", "imgmeta"))
SHARED = os.environ.get("IMGMETA_SHARED_DIR", os.path.join(os.path.dirname(REPO), "shared"))
SPEC_PATH = os.environ.get("IMGMETA_API_SPEC", os.path.join(REPO, "api", "openapi.yaml"))
CORPUS = os.path.join(SHARED, "corpus")
ORACLE = os.path.join(SHARED, "corpus-oracle")

ULID_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
FINAL_STATUSES = {"ready", "failed", "unsupported"}


def corpus_file(rel):
    return os.path.join(CORPUS, rel)


def read_corpus(rel):
    with open(corpus_file(rel), "rb") as f:
        return f.read()


def oracle(rel):
    with open(os.path.join(ORACLE, rel + ".plain.json")) as f:
        return json.load(f)[0]


def upload_temp_files(data_dir):
    """Temp files of uploads left in data_dir. Renditions (blobs/previews/) are written in the
    background by the preview workers, whose writes may be in flight at any moment: they are
    not an upload's, so they are not counted."""
    found = []
    previews = os.path.join(data_dir, "blobs", "previews")
    for root, _, files in os.walk(data_dir):
        if root == previews or root.startswith(previews + os.sep):
            continue
        found += [os.path.join(root, f) for f in files if f.startswith(".tmp-")]
    return found


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


# --- the OpenAPI document -------------------------------------------------------------

class Spec:
    """api/openapi.yaml: validated once, then used to check every response the tests get."""

    def __init__(self, path):
        with open(path) as f:
            self.doc = yaml.safe_load(f)
        validate_spec(self.doc)
        self.matchers = []
        for template in self.doc["paths"]:
            # {key} in /blobs/{key} spans slashes (an object key); other parameters do not.
            pattern = re.sub(r"\{key\}", r"(.+)", template)
            pattern = re.sub(r"\{[A-Za-z]+\}", r"([^/]+)", pattern)
            self.matchers.append((re.compile("^" + pattern + "$"), template))
        # Literal paths first, so /api/uploads/{imageId} does not shadow nothing and
        # /api/images does not match /api/images/{imageId}.
        self.matchers.sort(key=lambda m: m[1].count("{"))
        self.checked = 0

    def template_for(self, path):
        for rx, template in self.matchers:
            if rx.match(path):
                return template
        return None

    def operation(self, method, path):
        template = self.template_for(path)
        if template is None:
            return None, None
        item = self.doc["paths"][template]
        return template, item.get(method.lower() if method != "HEAD" else "get")

    @staticmethod
    def _pointer(*parts):
        return "#/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)

    def validate_body(self, pointer, body):
        root = dict(self.doc)
        root["$ref"] = pointer
        errors = sorted(OAS30Validator(root).iter_errors(body), key=lambda e: list(e.path))
        return ["%s: %s" % ("/".join(map(str, e.path)) or "(root)", e.message) for e in errors]

    def check_response(self, method, path, response):
        """Raises AssertionError when the response is not what the document says."""
        template, op = self.operation(method, path)
        where = "%s %s -> %d" % (method, path, response.status_code)
        if template is None or op is None:
            raise AssertionError("%s: route not in api/openapi.yaml" % where)
        status = str(response.status_code)
        responses = op["responses"]
        if status not in responses:
            raise AssertionError("%s: status not documented (documented: %s); body %s"
                                 % (where, ", ".join(responses), response.text[:300]))
        declared = responses[status]
        if "$ref" in declared:
            name = declared["$ref"].split("/")[-1]
            declared = self.doc["components"]["responses"][name]
            pointer_base = ("components", "responses", name)
        else:
            pointer_base = ("paths", template, method.lower() if method != "HEAD" else "get", "responses", status)
        content = declared.get("content")
        ctype = response.headers.get("Content-Type", "").split(";")[0].strip()
        if not content:
            if method != "HEAD" and response.content:
                raise AssertionError("%s: documented without a body, got %r" % (where, response.content[:200]))
            self.checked += 1
            return
        if method == "HEAD":
            self.checked += 1
            return
        if "application/json" in content:
            if ctype != "application/json":
                raise AssertionError("%s: expected application/json, got %r" % (where, ctype))
            try:
                body = response.json()
            except ValueError:
                raise AssertionError("%s: body is not JSON: %r" % (where, response.text[:200]))
            errors = self.validate_body(self._pointer(*pointer_base, "content", "application/json", "schema"), body)
            if errors:
                raise AssertionError("%s: body does not match the schema:\n  %s\nbody: %s"
                                     % (where, "\n  ".join(errors[:10]), json.dumps(body)[:800]))
        self.checked += 1


_SPEC = None


def spec():
    global _SPEC
    if _SPEC is None:
        _SPEC = Spec(SPEC_PATH)
    return _SPEC


# --- the server -------------------------------------------------------------------------

def _die_with_parent():
    # prctl(PR_SET_PDEATHSIG, SIGKILL): a server never outlives a killed test run.
    import ctypes
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)


class Server:
    """One `imgmeta serve` process on 127.0.0.1 with port 0 (the kernel picks a free port)."""

    def __init__(self, *args, data_dir=None, env=None, web=None):
        self.extra = list(args)
        self._tmp = None
        if data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="imgmeta-serve-test-")
            data_dir = self._tmp.name
        self.data_dir = data_dir
        self.web = web
        self.env = dict(os.environ, **(env or {}))
        self.proc = None
        self.port = None
        self.logs = []
        self.raw_lines = []
        self._lock = threading.Lock()

    def start(self, timeout=30):
        cmd = [BIN, "serve", "--listen", "127.0.0.1:0", "--data-dir", self.data_dir] + self.extra
        if self.web:
            cmd += ["--web", self.web]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env,
                                     preexec_fn=_die_with_parent)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._err_reader = threading.Thread(target=self._read_err, daemon=True)
        self._err_reader.start()
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self._lock:
                for line in self.logs:
                    if line.get("msg") == "listening":
                        self.port = line["port"]
            if self.port:
                return self
            if self.proc.poll() is not None:
                raise AssertionError("imgmeta serve exited with %s: %s" % (self.proc.returncode, self.stderr_text()))
            time.sleep(0.02)
        raise AssertionError("imgmeta serve did not start in %ss" % timeout)

    def _read(self):
        for raw in self.proc.stdout:
            text = raw.decode("utf-8", "replace").rstrip("\n")
            with self._lock:
                self.raw_lines.append(text)
                try:
                    self.logs.append(json.loads(text))
                except ValueError:
                    self.logs.append({"unparsable": text})

    def _read_err(self):
        self._stderr = []
        for raw in self.proc.stderr:
            self._stderr.append(raw.decode("utf-8", "replace"))

    def stderr_text(self):
        return "".join(getattr(self, "_stderr", []))

    def log_lines(self):
        with self._lock:
            return list(self.logs)

    @property
    def base(self):
        return "http://127.0.0.1:%d" % self.port

    def url(self, path):
        return self.base + path

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Sends sig and waits; returns the exit code."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("imgmeta serve did not stop within %ss after %s" % (timeout, sig))
        self._reader.join(timeout=5)
        return self.proc.returncode

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            self._reader.join(timeout=5)

    def cleanup(self):
        try:
            if self.proc and self.proc.poll() is None:
                self.stop()
        finally:
            if self.proc:
                for pipe in (self.proc.stdout, self.proc.stderr):
                    if pipe:
                        pipe.close()
            if self._tmp:
                self._tmp.cleanup()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()


# --- clients ----------------------------------------------------------------------------

class Client:
    """A user of the API. Every response is checked against api/openapi.yaml and must carry
    an X-Request-Id."""

    def __init__(self, server, token=None):
        self.server = server
        self.session = requests.Session()
        self.token = token
        self.refresh_token = None
        self.user_id = None
        self.username = None

    def request(self, method, path, *, json_body=None, data=None, headers=None, params=None,
                auth=True, validate=True, expect=None, stream=False, url=None, allow_redirects=True):
        h = dict(headers or {})
        if auth and self.token and "Authorization" not in h:
            h["Authorization"] = "Bearer " + self.token
        kwargs = {"headers": h, "params": params, "timeout": 60, "stream": stream, "allow_redirects": allow_redirects}
        if json_body is not None:
            kwargs["json"] = json_body
        if data is not None:
            kwargs["data"] = data
        r = self.session.request(method, url or self.server.url(path), **kwargs)
        if validate:
            check_path = requests.utils.urlparse(r.request.url).path
            spec().check_response(method, check_path, r)
        if "X-Request-Id" not in r.headers:
            raise AssertionError("%s %s: no X-Request-Id header" % (method, path))
        if expect is not None and r.status_code != expect:
            raise AssertionError("%s %s: expected %d, got %d: %s" % (method, path, expect, r.status_code, r.text[:500]))
        return r

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, json_body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    # accounts
    def sign_up(self, username, password="correct horse battery"):
        r = self.post("/api/auth/signup", {"username": username, "password": password}, auth=False, expect=201)
        self.user_id = r.json()["userId"]
        self.username = username
        return r.json()

    def sign_in(self, username, password="correct horse battery"):
        r = self.post("/api/auth/signin", {"username": username, "password": password}, auth=False, expect=200)
        body = r.json()
        self.token = body["accessToken"]
        self.refresh_token = body["refreshToken"]
        return body

    # uploads
    def presign(self, filename, content_type, size, sha256=None, expect=201):
        body = {"filename": filename, "contentType": content_type, "size": size}
        if sha256:
            body["sha256"] = sha256
        return self.post("/api/uploads", body, expect=expect)

    def put_blob(self, ticket, data, headers=None, expect=None, url=None, validate=True):
        h = dict(ticket.get("headers") or {})
        h.update(headers or {})
        return self.request("PUT", None, url=url or ticket["url"], data=data, headers=h, auth=False,
                            expect=expect, validate=validate)

    def upload(self, data, filename="image.jpg", content_type="image/jpeg", with_sha=True):
        """Presign and PUT; returns the imageId."""
        ticket = self.presign(filename, content_type, len(data), sha256_hex(data) if with_sha else None).json()
        self.put_blob(ticket, data, expect=200)
        return ticket["imageId"]

    def image(self, image_id, expect=200):
        return self.get("/api/images/" + image_id, expect=expect)

    def wait_final(self, image_id, timeout=30):
        deadline = time.time() + timeout
        while True:
            body = self.image(image_id).json()
            if body["status"] in FINAL_STATUSES:
                return body
            if time.time() > deadline:
                raise AssertionError("image %s still %s after %ss" % (image_id, body["status"], timeout))
            time.sleep(0.05)

    def list_images(self, expect=200, **params):
        return self.get("/api/images", params=params, expect=expect)

    def all_images(self, **params):
        items, cursor = [], None
        while True:
            p = dict(params)
            if cursor:
                p["cursor"] = cursor
            body = self.list_images(**p).json()
            items += body["items"]
            cursor = body["nextCursor"]
            if not cursor:
                return items


_counter = [0]
_counter_lock = threading.Lock()


def unique_name(prefix="user"):
    with _counter_lock:
        _counter[0] += 1
        return "%s%d_%d" % (prefix, os.getpid(), _counter[0])


def new_user(server, prefix="user"):
    c = Client(server)
    name = unique_name(prefix)
    c.sign_up(name)
    c.sign_in(name)
    return c


def b64(data):
    return base64.b64encode(data).decode()


class ServerTestCase(unittest.TestCase):
    """One server for the whole class; SERVER_ARGS adds flags."""

    SERVER_ARGS = ()

    @classmethod
    def setUpClass(cls):
        cls.server = Server(*cls.SERVER_ARGS)
        # Class cleanups run even when setUpClass fails half-way: no server outlives a test.
        cls.addClassCleanup(cls.server.cleanup)
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        if code != 0:
            raise AssertionError("imgmeta serve exited with %s after SIGTERM" % code)
