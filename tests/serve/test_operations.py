"""Running the server: health and readiness, Prometheus metrics, the web app's static files
and their Content-Security-Policy, /config.json, JSON-lines logs with a request id on every
line, configuration by flags / environment / config file, --help, and graceful shutdown that
finishes an upload in flight."""

import http.client
import gzip
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

from harness import BIN, Client, Server, ServerTestCase, new_user, read_corpus, sha256_hex

JPEG = "jpeg/exiftool_GPS.jpg"
METRIC_LINE = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"]*",?)*\})? -?[0-9.eE+-]+$')


def raw_request(server, method, target, headers=None, body=b""):
    """A request exactly as written (no client-side path normalisation)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.putrequest(method, target, skip_accept_encoding=True)
    for k, v in (headers or {}).items():
        conn.putheader(k, v)
    if body:
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders()
    if body:
        conn.send(body)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r, data


class HealthAndMetricsTest(ServerTestCase):

    def test_healthz_and_readyz(self):
        c = Client(self.server)
        self.assertEqual(c.get("/healthz", expect=200).json()["status"], "ok")
        body = c.get("/readyz", expect=200).json()
        self.assertEqual(body["status"], "ok")
        self.assertEqual(body["checks"]["metadata"], "ok")

    def test_metrics_are_prometheus_text(self):
        user = new_user(self.server, "metrics")
        user.wait_final(user.upload(read_corpus(JPEG)))
        r = user.get("/metrics", auth=False, expect=200)
        self.assertTrue(r.headers["Content-Type"].startswith("text/plain"))
        names = set()
        for line in r.text.splitlines():
            if line.startswith("#"):
                self.assertRegex(line, r"^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$")
                continue
            self.assertRegex(line, METRIC_LINE)
            names.add(re.split(r"[{ ]", line)[0])
        for name in ("imgmeta_http_requests_total", "imgmeta_http_request_duration_seconds_bucket",
                     "imgmeta_uploads_completed_total", "imgmeta_upload_bytes_total", "imgmeta_auth_signins_total",
                     "imgmeta_events_total", "imgmeta_outbox_rows", "process_resident_memory_bytes"):
            self.assertIn(name, names)
        self.assertRegex(r.text, r'imgmeta_http_requests_total\{method="PUT",route="/blobs/\{key\}",status="200"\} [1-9]')
        self.assertRegex(r.text, r'imgmeta_events_total\{outcome="ready"\} [1-9]')

    def test_unknown_api_route_and_wrong_method(self):
        c = Client(self.server)
        r = c.get("/api/nothing-here", validate=False, expect=404)
        self.assertEqual(r.json()["error"]["code"], "NotFound")
        user = new_user(self.server, "methods")
        r = user.request("PUT", "/api/images", validate=False, expect=405)
        self.assertEqual(r.json()["error"]["code"], "MethodNotAllowed")
        self.assertEqual(r.headers["Allow"], "GET")

    def test_get_with_a_body_is_refused(self):
        r, data = raw_request(self.server, "GET", "/healthz", body=b"x" * 100)
        self.assertEqual(r.status, 400)
        self.assertEqual(json.loads(data)["error"]["code"], "InvalidRequest")

    def test_oversized_json_body_is_413(self):
        r, data = raw_request(self.server, "POST", "/api/auth/signin", {"Content-Type": "application/json"},
                              body=b'{"username":"' + b"a" * 70000 + b'"}')
        self.assertEqual(r.status, 413)

    def test_api_responses_are_not_cacheable(self):
        r = Client(self.server).get("/api/me", auth=False, expect=401)
        self.assertEqual(r.headers["Cache-Control"], "no-store")


class LogsTest(ServerTestCase):

    def test_every_line_is_json_with_a_request_id(self):
        user = new_user(self.server, "logs")
        user.upload(read_corpus(JPEG))
        time.sleep(0.3)
        lines = self.server.log_lines()
        self.assertTrue(lines)
        for line in lines:
            self.assertNotIn("unparsable", line)
            for key in ("ts", "level", "msg", "requestId"):
                self.assertIn(key, line)
            self.assertTrue(line["requestId"])

    def test_response_request_id_matches_an_access_log_line(self):
        r = Client(self.server).get("/healthz", expect=200)
        rid = r.headers["X-Request-Id"]
        time.sleep(0.1)
        access = [l for l in self.server.log_lines() if l.get("requestId") == rid and l.get("msg") == "request"]
        self.assertEqual(len(access), 1)
        self.assertEqual(access[0]["status"], 200)
        self.assertEqual(access[0]["path"], "/healthz")

    def test_client_request_id_is_kept(self):
        r = Client(self.server).get("/healthz", headers={"X-Request-Id": "trace-abc-123"}, expect=200)
        self.assertEqual(r.headers["X-Request-Id"], "trace-abc-123")
        r = Client(self.server).get("/healthz", headers={"X-Request-Id": "bad id\twith spaces"}, expect=200)
        self.assertNotEqual(r.headers["X-Request-Id"], "bad id\twith spaces")

    def test_logs_never_hold_secrets(self):
        user = new_user(self.server, "secret")
        text = "\n".join(self.server.raw_lines)
        self.assertNotIn(user.token, text)
        self.assertNotIn(user.refresh_token, text)
        self.assertNotIn("correct horse battery", text)
        self.assertNotIn("X-Amz-Signature", text)


class StaticFilesTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.web = tempfile.TemporaryDirectory(prefix="imgmeta-web-")
        os.makedirs(os.path.join(cls.web.name, "assets"))
        with open(os.path.join(cls.web.name, "index.html"), "w") as f:
            f.write("<!doctype html><title>imgmeta</title><script type=module src=/assets/app.js></script>")
        with open(os.path.join(cls.web.name, "assets", "app.js"), "w") as f:
            f.write("console.log('hi')")
        # What the web build writes beside each text file (web/vite.config.ts).
        with open(os.path.join(cls.web.name, "assets", "app.js.gz"), "wb") as f:
            f.write(gzip.compress(b"console.log('hi')"))
        with open(os.path.join(cls.web.name, ".secret"), "w") as f:
            f.write("hidden")
        cls.server = Server(web=cls.web.name)
        cls.addClassCleanup(cls.web.cleanup)
        cls.addClassCleanup(cls.server.cleanup)
        cls.server.start()

    def test_index_with_a_csp_allowing_no_inline_script(self):
        r, body = raw_request(self.server, "GET", "/")
        self.assertEqual(r.status, 200)
        self.assertIn(b"<title>imgmeta</title>", body)
        self.assertTrue(r.getheader("Content-Type").startswith("text/html"))
        csp = dict(d.strip().split(" ", 1) for d in r.getheader("Content-Security-Policy").split(";") if d.strip())
        self.assertEqual(csp["script-src"], "'self'")
        self.assertNotIn("unsafe-inline", csp["script-src"])
        self.assertNotIn("unsafe-eval", csp.get("default-src", ""))
        self.assertEqual(csp["object-src"], "'none'")
        self.assertEqual(r.getheader("X-Content-Type-Options"), "nosniff")

    def test_client_side_routes_get_the_app(self):
        r, body = raw_request(self.server, "GET", "/images/01ARZ3NDEKTSV4RRFFQ69G5FAV")
        self.assertEqual(r.status, 200)
        self.assertIn(b"<title>imgmeta</title>", body)

    def test_hashed_assets_are_immutable(self):
        r, body = raw_request(self.server, "GET", "/assets/app.js")
        self.assertEqual(r.status, 200)
        self.assertIn("immutable", r.getheader("Cache-Control"))
        self.assertTrue(r.getheader("Content-Type").startswith("text/javascript"))

    def test_precompressed_copy_for_a_client_that_accepts_it(self):
        r, body = raw_request(self.server, "GET", "/assets/app.js", headers={"Accept-Encoding": "gzip, deflate"})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.getheader("Content-Encoding"), "gzip")
        self.assertEqual(gzip.decompress(body), b"console.log('hi')")
        self.assertIn("Accept-Encoding", r.getheader("Vary"))
        self.assertIn("immutable", r.getheader("Cache-Control"))
        r, body = raw_request(self.server, "GET", "/assets/app.js", headers={"Accept-Encoding": "br"})
        self.assertIsNone(r.getheader("Content-Encoding"))
        self.assertEqual(body, b"console.log('hi')")

    def test_traversal_and_hidden_files_are_404(self):
        for target in ("/../../etc/passwd", "/assets/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/.secret",
                       "/assets/missing.js"):
            r, _ = raw_request(self.server, "GET", target)
            self.assertEqual(r.status, 404, target)

    def test_config_json_is_generated(self):
        body = Client(self.server).get("/config.json", expect=200).json()
        self.assertEqual(body["auth"]["mode"], "local")
        self.assertEqual(body["apiBaseUrl"], "")


class ConfigurationTest(unittest.TestCase):

    def test_help_documents_every_option_with_its_default_and_variable(self):
        out = subprocess.run([BIN, "serve", "--help"], capture_output=True, text=True, check=True).stdout
        for option in ("--listen", "--data-dir", "--web", "--public-url", "--config", "--workers", "--max-upload-size",
                       "--multipart-threshold", "--upload-url-ttl", "--access-token-ttl", "--log-level"):
            self.assertIn(option, out)
        self.assertIn("--listen TEXT=127.0.0.1:8080", out)  # loopback by default
        self.assertIn("--data-dir TEXT=./data", out)
        self.assertIn("Env:IMGMETA_LISTEN", out)
        for line in out.splitlines():
            m = re.match(r"^\s+(--[a-z0-9-]+) ", line)
            if m and m.group(1) not in ("--help", "--config"):
                self.assertIn("Env:IMGMETA_", line, m.group(1))

    def test_config_file_environment_and_flags_in_that_order(self):
        with tempfile.TemporaryDirectory() as d:
            config = os.path.join(d, "imgmeta.toml")
            with open(config, "w") as f:
                f.write('# imgmeta serve configuration\nworkers = 3\nlog_level = "info"\nupload-url-ttl = 120\n')
            s = Server("--config", config, env={"IMGMETA_WORKERS": "4"})
            try:
                s.start()
                listening = next(l for l in s.log_lines() if l.get("msg") == "listening")
                self.assertEqual(listening["workers"], 4)  # the environment beats the file
                user = new_user(s, "cfg")
                t = user.presign("a.jpg", "image/jpeg", 10).json()
                self.assertIn("X-Amz-Expires=120", t["url"])  # the file beats the default
            finally:
                s.cleanup()
            s = Server("--config", config, "--workers", "5", env={"IMGMETA_WORKERS": "4"})
            try:
                s.start()
                self.assertEqual(next(l for l in s.log_lines() if l.get("msg") == "listening")["workers"], 5)
            finally:
                s.cleanup()

    def test_unknown_config_key_is_refused(self):
        with tempfile.TemporaryDirectory() as d:
            config = os.path.join(d, "bad.toml")
            with open(config, "w") as f:
                f.write("no-such-option = 1\n")
            r = subprocess.run([BIN, "serve", "--config", config, "--data-dir", d], capture_output=True, text=True,
                               timeout=30)
            self.assertEqual(r.returncode, 2)
            self.assertIn("no-such-option", r.stderr)

    def test_second_server_on_the_same_data_dir_is_refused(self):
        with Server() as first:
            second = Server(data_dir=first.data_dir)
            with self.assertRaises(AssertionError):
                second.start(timeout=10)
            second.cleanup()


class GracefulShutdownTest(unittest.TestCase):

    def test_sigterm_finishes_the_upload_in_flight_then_exits_0(self):
        server = Server()
        self.addCleanup(server.cleanup)
        server.start()
        user = new_user(server, "graceful")
        data = read_corpus(JPEG) + os.urandom(256 * 1024)
        ticket = user.presign("slow.jpg", "image/jpeg", len(data), sha256_hex(data)).json()
        u = urllib.parse.urlsplit(ticket["url"])
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        conn.putrequest("PUT", u.path + "?" + u.query)
        for k, v in ticket["headers"].items():
            conn.putheader(k, v)
        conn.putheader("Content-Length", str(len(data)))
        conn.endheaders()
        conn.send(data[:1000])
        time.sleep(0.3)
        server.proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        self.assertIsNone(server.proc.poll(), "exited with a request in flight")
        conn.send(data[1000:])
        r = conn.getresponse()
        self.assertEqual(r.status, 200, r.read())
        conn.close()
        self.assertEqual(server.proc.wait(timeout=30), 0)
        msgs = [l.get("msg") for l in server.log_lines()]
        self.assertIn("shutting down", msgs)
        self.assertEqual(msgs[-1], "stopped")
        # The upload was recorded before the exit: a restart finds it and finishes it.
        again = Server(data_dir=server.data_dir)
        self.addCleanup(again.cleanup)
        again.start()
        user.server = again
        self.assertEqual(user.wait_final(ticket["imageId"])["status"], "ready")


if __name__ == "__main__":
    unittest.main()
