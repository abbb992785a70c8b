"""`imgmeta upload` against a real `imgmeta serve` on 127.0.0.1 (tests/serve/harness.py starts
it on a free port with a temporary data directory). The folders uploaded are built in a
temporary directory at test time from symlinks to ../shared/corpus (and one large file
written here), so nothing from the corpus is copied into the project.

Environment (set by tests/CMakeLists.txt): IMGMETA_BIN, IMGMETA_SHARED_DIR, IMGMETA_API_SPEC.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "serve"))

import harness  # noqa: E402
from harness import Client, Server, corpus_file, new_user, sha256_hex  # noqa: E402

PASSWORD = "correct horse battery"  # what harness.new_user signs up with

# Well-formed corpus files of several formats that all extract to `ready`.
PHOTOS = [
    "jpeg/exiftool_GPS.jpg",
    "jpeg/ianare_Canon_40D.jpg",
    "png/libpng_basn2c08.png",
    "gif/exiftool_GIF.gif",
    "webp/exiftool_RIFF.webp",
    "tiff/exiftool_ExifTool.tif",
    "heif/ianare_IMG_5195.HEIC",
    "bmp/small_bmp.bmp",
]

RUN_TIMEOUT = 120
STATE_DIR = tempfile.TemporaryDirectory(prefix="imgmeta-upload-state-")


def run_upload(server_url, *args, password=PASSWORD, username=None, env=None, timeout=RUN_TIMEOUT):
    cmd = [harness.BIN, "upload", "--server", server_url]
    if username:
        cmd += ["--username", username]
    cmd += list(args)
    e = {k: v for k, v in os.environ.items() if k not in ("IMGMETA_PASSWORD", "IMGMETA_USERNAME")}
    if password is not None:
        e["IMGMETA_PASSWORD"] = password
    e.setdefault("XDG_STATE_HOME", STATE_DIR.name)  # the multipart journal, away from the real home
    e.update(env or {})
    # stdin closed and no controlling terminal: a prompt cannot hang the test.
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=e,
                          stdin=subprocess.DEVNULL, start_new_session=True)


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Folder:
    """A temporary folder of corpus symlinks, with a sub-folder and a file that is no image."""

    def __init__(self, photos=PHOTOS):
        self._tmp = tempfile.TemporaryDirectory(prefix="imgmeta-upload-test-")
        self.path = self._tmp.name
        os.mkdir(os.path.join(self.path, "holiday"))
        self.files = {}
        for i, rel in enumerate(photos):
            sub = "holiday" if i % 2 else ""
            dest = os.path.join(self.path, sub, os.path.basename(rel))
            os.symlink(corpus_file(rel), dest)
            with open(corpus_file(rel), "rb") as f:
                self.files[os.path.basename(rel)] = f.read()
        with open(os.path.join(self.path, "notes.txt"), "w") as f:
            f.write("not an image\n")

    def cleanup(self):
        self._tmp.cleanup()


class UploadTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # A small multipart threshold so that a file of a few MiB goes in parts (parts are at
        # least 5 MiB, as in S3).
        cls.server = Server("--multipart-threshold", "1MiB", "--part-size", "5MiB")
        cls.addClassCleanup(cls.server.cleanup)
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        if code != 0:
            raise AssertionError("imgmeta serve exited with %s after SIGTERM" % code)

    def setUp(self):
        self.user = new_user(self.server, "up")
        self.folder = Folder()
        self.addCleanup(self.folder.cleanup)

    def upload(self, *args, **kw):
        kw.setdefault("username", self.user.username)
        return run_upload(self.server.base, *args, **kw)

    def requests_logged(self):
        return [l for l in self.server.log_lines() if l.get("msg") == "request"]

    def test_a_folder_uploads_and_every_image_ends_ready(self):
        r = self.upload(self.folder.path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Summary: %d uploaded, 0 already there, 0 failed, 1 skipped" % len(PHOTOS), r.stdout)
        self.assertRegex(r.stdout, r"skipped .*notes\.txt: not an image")
        images = self.user.all_images()
        self.assertEqual(sorted(i["filename"] for i in images), sorted(self.folder.files))
        for image in images:
            body = self.user.wait_final(image["imageId"])
            self.assertEqual(body["status"], "ready", body)
            self.assertEqual(body["sha256"], sha256_hex(self.folder.files[body["filename"]]))
        # Not a terminal: plain lines, one per file, no carriage returns or escape codes.
        self.assertNotIn("\r", r.stdout)
        self.assertNotIn("\x1b[", r.stdout)
        self.assertEqual(len(re.findall(r"^\[\d+/%d\] uploaded " % len(PHOTOS), r.stdout, re.M)), len(PHOTOS))

    def test_a_second_run_skips_everything_as_already_there(self):
        first = self.upload(self.folder.path)
        self.assertEqual(first.returncode, 0, first.stdout + first.stderr)
        ids = {i["filename"]: i["imageId"] for i in self.user.all_images()}
        again = self.upload("--jobs", "2", self.folder.path)
        self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
        self.assertIn("Summary: 0 uploaded, %d already there, 0 failed" % len(PHOTOS), again.stdout)
        # Each line names the image the server already has.
        for name, image_id in ids.items():
            self.assertRegex(again.stdout, r"already there +\S*%s +\(%s\)" % (re.escape(name), image_id))
        self.assertEqual(len(self.user.all_images()), len(PHOTOS))
        # The second run asked the server once per file and sent no bytes.
        puts = [l for l in self.requests_logged() if l.get("method") == "PUT" and l.get("userId") == self.user.user_id]
        self.assertEqual(len(puts), len(PHOTOS))

    def test_dry_run_lists_the_files_and_sends_nothing(self):
        time.sleep(0.3)  # the set-up's own requests are logged just after they are answered
        before = len(self.requests_logged())
        r = self.upload("--dry-run", self.folder.path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        for name in self.folder.files:
            self.assertRegex(r.stdout, r"would upload +\S*%s +\(image/" % re.escape(name))
        self.assertIn("Nothing was sent", r.stdout)
        time.sleep(0.2)
        self.assertEqual(len(self.requests_logged()), before, "a dry run made requests")
        self.assertEqual(self.user.all_images(), [])

    def test_a_wrong_password_exits_1_with_a_clear_message(self):
        r = self.upload(self.folder.path, password="not the password")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("wrong username or password", r.stderr)
        self.assertEqual(self.user.all_images(), [])

    def test_a_bad_server_url_is_a_clear_error(self):
        start = time.time()
        r = run_upload("http://127.0.0.1:%d" % closed_port(), self.folder.path, username="nobody")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("cannot reach the server at http://127.0.0.1:", r.stderr)
        self.assertLess(time.time() - start, 20, "gave up too slowly")
        r = run_upload("ftp://127.0.0.1/", self.folder.path, username="nobody")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("--server", r.stderr)
        # Something that answers HTTP but is not imgmeta's web app.
        r = run_upload(self.server.url("/api/images"), self.folder.path, username="nobody")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("config.json", r.stderr)

    def test_a_large_file_goes_in_parts_and_lands_byte_identical(self):
        # A JPEG followed by 11 MiB of other bytes: still a JPEG, and three 5 MiB parts.
        big = os.path.join(self.folder.path, "big.jpg")
        with open(corpus_file("jpeg/ianare_Canon_40D.jpg"), "rb") as f:
            data = f.read() + os.urandom(11 * 1024 * 1024)
        with open(big, "wb") as f:
            f.write(data)
        r = self.upload(big)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        (image,) = self.user.all_images()
        completes = [l for l in self.requests_logged()
                     if l.get("route") == "/api/uploads/{imageId}/complete" and image["imageId"] in l.get("path", "")]
        self.assertEqual([l["status"] for l in completes], [200], "the upload was not completed as a multipart upload")
        part_puts = [l for l in self.requests_logged() if l.get("method") == "PUT" and image["imageId"] in l.get("path", "")]
        self.assertEqual(len(part_puts), 3, part_puts)
        self.assertEqual(self.user.wait_final(image["imageId"])["status"], "ready")
        got = self.user.get("/api/images/%s/content" % image["imageId"], expect=200, validate=False)
        self.assertEqual(len(got.content), len(data))
        self.assertTrue(got.content == data, "the stored bytes differ from the file")

    def test_an_unreadable_file_fails_while_the_rest_upload(self):
        os.symlink(os.path.join(self.folder.path, "gone.jpg"), os.path.join(self.folder.path, "broken.jpg"))
        if os.geteuid() != 0:  # root reads a mode-000 file anyway
            locked = os.path.join(self.folder.path, "locked.png")
            with open(locked, "wb") as f:
                f.write(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
            os.chmod(locked, 0)
        r = self.upload(self.folder.path)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("%d uploaded, 0 already there, " % len(PHOTOS), r.stdout)
        failed = r.stdout.split("Failed:", 1)[1]
        self.assertRegex(failed, r"broken\.jpg: cannot read")
        if os.geteuid() != 0:
            self.assertRegex(failed, r"locked\.png: cannot read: Permission denied")
        self.assertEqual(len(self.user.all_images()), len(PHOTOS))

    def test_a_terminal_gets_a_progress_bar(self):
        import pty
        master, slave = pty.openpty()
        e = dict(os.environ, IMGMETA_PASSWORD=PASSWORD)
        proc = subprocess.Popen([harness.BIN, "upload", "--server", self.server.base, "--username", self.user.username,
                                 self.folder.path], stdout=slave, stderr=slave, stdin=subprocess.DEVNULL, env=e,
                                start_new_session=True)
        os.close(slave)
        out = b""
        deadline = time.time() + RUN_TIMEOUT
        while time.time() < deadline:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
        os.close(master)
        self.assertEqual(proc.wait(timeout=30), 0, out)
        text = out.decode("utf-8", "replace")
        # The bar is redrawn in place: files done/total, bytes, rate and time left.
        self.assertRegex(text, r"\r\x1b\[K\[#+\] %d/%d files +[\d.]+ \S+ / [\d.]+ \S+ +[\d.]+ \S+/s +left \d+:\d\d"
                         % (len(PHOTOS), len(PHOTOS)))
        self.assertIn("Summary: %d uploaded" % len(PHOTOS), text)

    def test_copies_of_the_same_bytes_in_one_run_are_sent_once(self):
        for name in ("copy1.jpg", "copy2.jpg", "copy3.jpg"):
            os.symlink(corpus_file("jpeg/mei_Canon_PowerShot_A85.jpg"), os.path.join(self.folder.path, name))
        r = self.upload("--jobs", "4", self.folder.path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Summary: %d uploaded, 2 already there, 0 failed" % (len(PHOTOS) + 1), r.stdout)
        self.assertEqual(len(self.user.all_images()), len(PHOTOS) + 1)

    def test_macos_sidecars_are_skipped(self):
        with open(os.path.join(self.folder.path, "._exiftool_GPS.jpg"), "wb") as f:
            f.write(b"\x00\x05\x16\x07" + b"\0" * 60)
        r = self.upload("--dry-run", self.folder.path)
        self.assertRegex(r.stdout, r"skipped .*\._exiftool_GPS\.jpg: a macOS metadata file")

    def test_an_interrupted_run_resumes_when_run_again(self):
        many = tempfile.mkdtemp(prefix="imgmeta-upload-many-")
        self.addCleanup(subprocess.run, ["rm", "-rf", many])
        digests = set()
        for sub in ("jpeg", "png", "gif", "webp"):
            for name in sorted(os.listdir(corpus_file(sub)))[:40]:
                os.symlink(corpus_file(sub + "/" + name), os.path.join(many, sub + "-" + name))
                with open(corpus_file(sub + "/" + name), "rb") as f:
                    digests.add(sha256_hex(f.read()))
        total = len(os.listdir(many))
        e = dict(os.environ, IMGMETA_PASSWORD=PASSWORD)
        proc = subprocess.Popen([harness.BIN, "upload", "--server", self.server.base, "--username", self.user.username,
                                 "--jobs", "1", many], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                stdin=subprocess.DEVNULL, env=e, start_new_session=True)
        first_line = proc.stdout.readline()
        self.assertRegex(first_line, r"^\[1/%d\] " % total)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=RUN_TIMEOUT)
        self.assertEqual(proc.returncode, 1, first_line + out + err)
        m = re.search(r"Summary: (\d+) uploaded, (\d+) already there, (\d+) failed", out)
        self.assertIsNotNone(m, out)
        # A file in flight when the signal came is failed as interrupted (its upload cancelled).
        self.assertLessEqual(int(m.group(3)), 1, out)
        for line in out.split("Failed:\n", 1)[1:]:
            self.assertRegex(line.splitlines()[0], r": (part \d+: )?interrupted")
        self.assertRegex(out, r"Interrupted: \d+ files not started\. Run the same command again to resume\.")
        done_first = int(m.group(1)) + int(m.group(2))
        self.assertLess(done_first, total)
        again = self.upload(many)
        self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
        m2 = re.search(r"Summary: (\d+) uploaded, (\d+) already there, 0 failed", again.stdout)
        self.assertEqual(int(m2.group(1)) + int(m2.group(2)), total)
        self.assertGreaterEqual(int(m2.group(2)), int(m.group(1)), "what the first run sent is already there")
        self.assertEqual(len(self.user.all_images()), len(digests))

    def test_control_characters_in_names_are_not_sent_to_the_terminal(self):
        os.symlink(corpus_file("png/libpng_basn0g01.png"), os.path.join(self.folder.path, "evil\x1b[2Jname.png"))
        r = self.upload(self.folder.path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn("\x1b", r.stdout)
        self.assertIn("evil?[2Jname.png", r.stdout)
        # The API takes no control characters in a name: the uploader sends a cleaned one.
        self.assertIn("evil_[2Jname.png", [i["filename"] for i in self.user.all_images()])

    def test_names_that_are_not_utf8_are_cleaned_for_the_api(self):
        raw = os.path.join(os.fsencode(self.folder.path), b"caf\xe9.jpg")
        os.symlink(corpus_file("jpeg/mei_Canon_PowerShot_A85.jpg"), raw)
        r = self.upload(self.folder.path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        names = [i["filename"] for i in self.user.all_images()]
        self.assertIn("caf\ufffd.jpg", names)


    def test_a_folder_without_images_signs_in_to_nothing(self):
        empty = tempfile.mkdtemp(prefix="imgmeta-upload-empty-")
        self.addCleanup(os.rmdir, empty)
        r = run_upload("http://127.0.0.1:%d" % closed_port(), empty, password=None)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("nothing to upload", r.stdout)

    def test_usage_errors_exit_2(self):
        for args in (["--server", self.server.base], ["--server", self.server.base, "--jobs", "0", self.folder.path],
                     [self.folder.path], ["--server", self.server.base, "--password", "x", self.folder.path]):
            r = subprocess.run([harness.BIN, "upload"] + args, capture_output=True, text=True, timeout=30,
                               stdin=subprocess.DEVNULL)
            self.assertEqual(r.returncode, 2, (args, r.stdout, r.stderr))
        # No password in the environment and no terminal to ask on.
        r = self.upload(self.folder.path, password=None)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("IMGMETA_PASSWORD", r.stderr)
        # --cognito against a server with local accounts.
        r = self.upload("--cognito", self.folder.path)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("local accounts", r.stderr)
        r = subprocess.run([harness.BIN, "upload", "--help"], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0)
        for text in ("--server", "--username", "--cognito", "--jobs", "--dry-run", "IMGMETA_PASSWORD", "Exit status"):
            self.assertIn(text, r.stdout)



class FaultyProxy:
    """A loopback proxy in front of the API that answers some requests itself: faults[(method,
    path regex)] is a list of statuses for the first requests of that kind (None = forward)."""

    def __init__(self, target, faults):
        self.target = target
        self.faults = {k: list(v) for k, v in faults.items()}
        self.seen = []  # (method, path, status)
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def handle_any(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = self.path.split("?")[0]
                with proxy.lock:
                    queue = next((q for (m, rx), q in proxy.faults.items()
                                  if m == self.command and re.fullmatch(rx, path)), None)
                    fault = queue.pop(0) if queue else None
                if fault is not None:
                    status, payload = fault, b'{"error":{"code":"Injected","message":"injected by the test"}}'
                    headers = {"Content-Type": "application/json"}
                else:
                    h = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                    r = requests.request(self.command, proxy.target + self.path, data=body, headers=h, timeout=30)
                    status, payload = r.status_code, r.content
                    headers = {"Content-Type": r.headers.get("Content-Type", "application/json")}
                with proxy.lock:
                    proxy.seen.append((self.command, path, status))
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = handle_any

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self):
        return "http://127.0.0.1:%d" % self.httpd.server_address[1]

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class RetryAndRefreshTest(unittest.TestCase):
    def test_5xx_is_retried_and_a_401_signs_in_again(self):
        server = Server()
        self.addCleanup(server.cleanup)
        server.start()
        user = new_user(server, "retry")
        folder = Folder(PHOTOS[:4])
        self.addCleanup(folder.cleanup)
        # The first createUpload answers 503 twice, the next one 401 (as when a token expires).
        proxy = FaultyProxy(server.base, {("POST", "/api/uploads"): [503, 502, None, 401]})
        self.addCleanup(proxy.stop)
        r = run_upload(proxy.base, "--jobs", "1", folder.path, username=user.username)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Summary: 4 uploaded, 0 already there, 0 failed", r.stdout)
        creates = [s for m, p, s in proxy.seen if (m, p) == ("POST", "/api/uploads")]
        self.assertEqual(creates, [503, 502, 201, 401, 201, 201, 201])
        refreshes = [s for m, p, s in proxy.seen if (m, p) == ("POST", "/api/auth/refresh")]
        self.assertEqual(refreshes, [200], proxy.seen)
        self.assertEqual(len(user.all_images()), 4)

    def test_a_multipart_upload_cut_short_sends_only_what_is_missing_next_time(self):
        server = Server("--multipart-threshold", "1MiB", "--part-size", "5MiB")
        self.addCleanup(server.cleanup)
        server.start()
        user = new_user(server, "resume")
        state = tempfile.TemporaryDirectory(prefix="imgmeta-upload-state-")
        self.addCleanup(state.cleanup)
        folder = Folder(PHOTOS[:1])
        self.addCleanup(folder.cleanup)
        with open(corpus_file("jpeg/ianare_Canon_40D.jpg"), "rb") as f:
            data = f.read() + os.urandom(11 * 1024 * 1024)
        big = os.path.join(folder.path, "big.jpg")
        with open(big, "wb") as f:
            f.write(data)
        # Every part lands, then completing keeps failing: the run gives up on that file.
        proxy = FaultyProxy(server.base, {("POST", r"/api/uploads/[^/]+/complete"): [503] * 5})
        self.addCleanup(proxy.stop)
        first = run_upload(proxy.base, big, username=user.username, env={"XDG_STATE_HOME": state.name})
        self.assertEqual(first.returncode, 1, first.stdout + first.stderr)
        self.assertIn("3 of 3 parts stored; run again to send the rest", first.stdout)
        journal = os.path.join(state.name, "imgmeta", "multipart-uploads.json")
        self.assertTrue(os.path.exists(journal))

        def puts():
            return [l for l in server.log_lines() if l.get("msg") == "request" and l.get("method") == "PUT"]
        self.assertEqual(len(puts()), 3)
        second = run_upload(proxy.base, big, username=user.username, env={"XDG_STATE_HOME": state.name})
        self.assertEqual(second.returncode, 0, second.stdout + second.stderr)
        self.assertIn("3 of 3 parts are on the server already", second.stdout)
        self.assertIn("Summary: 1 uploaded", second.stdout)
        self.assertEqual(len(puts()), 3, "no part was sent twice")
        (image,) = user.all_images()
        self.assertEqual(user.wait_final(image["imageId"])["status"], "ready")
        got = user.get("/api/images/%s/content" % image["imageId"], expect=200, validate=False)
        self.assertTrue(got.content == data, "the stored bytes differ from the file")
        with open(journal) as f:
            self.assertEqual(f.read().strip(), "{}")

    def test_a_server_that_keeps_failing_is_reported_per_file(self):
        server = Server()
        self.addCleanup(server.cleanup)
        server.start()
        user = new_user(server, "down")
        folder = Folder(PHOTOS[:1])
        self.addCleanup(folder.cleanup)
        proxy = FaultyProxy(server.base, {("POST", "/api/uploads"): [503] * 10})
        self.addCleanup(proxy.stop)
        r = run_upload(proxy.base, folder.path, username=user.username)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"Failed:\n  \S+exiftool_GPS\.jpg: the server kept failing: injected by the test \(HTTP 503\) after 5 attempts")
        creates = [s for m, p, s in proxy.seen if (m, p) == ("POST", "/api/uploads")]
        self.assertEqual(creates, [503] * 5, "five attempts, then the file fails")



class CognitoTest(unittest.TestCase):
    """The AWS shape's sign-in: `imgmeta serve --auth cognito://...` with moto's cognito-idp
    on loopback; the uploader reads /config.json and signs in with USER_PASSWORD_AUTH."""

    @classmethod
    def setUpClass(cls):
        import importlib.util
        spec = importlib.util.spec_from_file_location("lambda_harness", os.path.join(HERE, "..", "lambda", "harness.py"))
        aws = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(aws)
        cls.moto = aws.Moto()
        cls.addClassCleanup(cls.moto.stop)
        cls.stack = aws.Stack(cls.moto)
        idp = cls.moto.client("cognito-idp")
        cls.pool = idp.create_user_pool(PoolName="imgmeta-users")["UserPool"]["Id"]
        cls.client_id = idp.create_user_pool_client(
            UserPoolId=cls.pool, ClientName="web", GenerateSecret=False,
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
        idp.sign_up(ClientId=cls.client_id, Username="carol", Password="Passw0rd!x")
        idp.admin_confirm_sign_up(UserPoolId=cls.pool, Username="carol")
        cls.idp = idp

    def test_upload_signs_in_through_cognito(self):
        server = Server("--auth", "cognito://us-east-1/%s?client=%s" % (self.pool, self.client_id),
                        "--endpoint-url", self.moto.url,
                        env={"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1"})
        self.addCleanup(server.cleanup)
        server.start()
        folder = Folder(PHOTOS[:3])
        self.addCleanup(folder.cleanup)
        r = run_upload(server.base, "--cognito", folder.path, username="carol", password="Passw0rd!x")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Summary: 3 uploaded", r.stdout)
        tokens = self.idp.initiate_auth(ClientId=self.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                        AuthParameters={"USERNAME": "carol", "PASSWORD": "Passw0rd!x"})["AuthenticationResult"]
        carol = Client(server, token=tokens["IdToken"])
        images = carol.all_images()
        self.assertEqual(sorted(i["filename"] for i in images), sorted(os.path.basename(p) for p in PHOTOS[:3]))
        for image in images:
            self.assertEqual(carol.wait_final(image["imageId"])["status"], "ready")
        # Again: everything is already there.
        again = run_upload(server.base, "--cognito", folder.path, username="carol", password="Passw0rd!x")
        self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
        self.assertIn("Summary: 0 uploaded, 3 already there", again.stdout)
        # A wrong password: Cognito's refusal, exit 1.
        bad = run_upload(server.base, "--cognito", folder.path, username="carol", password="wrong-Passw0rd")
        self.assertEqual(bad.returncode, 1, bad.stdout + bad.stderr)
        self.assertIn("Cognito refused the sign-in", bad.stderr)

    def test_the_aws_shape_s3_and_cognito_with_a_multipart_file(self):
        # Bytes in S3 (moto), events through SQS, metadata in DynamoDB: the uploader PUTs to
        # S3's presigned URLs and parts, as the web app does on AWS.
        server = Server("--blob", "s3://" + self.stack.bucket, "--events", self.stack.queue_url,
                        "--meta", "dynamodb://" + self.stack.table, "--endpoint-url", self.moto.url,
                        "--queue-wait", "1", "--multipart-threshold", "1MiB", "--part-size", "5MiB",
                        "--auth", "cognito://us-east-1/%s?client=%s" % (self.pool, self.client_id),
                        env={"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1"})
        self.addCleanup(server.cleanup)
        server.start()
        folder = Folder(PHOTOS[:2])
        self.addCleanup(folder.cleanup)
        with open(corpus_file("jpeg/exiftool_GPS.jpg"), "rb") as f:
            big = f.read() + os.urandom(6 * 1024 * 1024)
        with open(os.path.join(folder.path, "big.jpg"), "wb") as f:
            f.write(big)
        r = run_upload(server.base, "--cognito", folder.path, username="carol", password="Passw0rd!x")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Summary: 3 uploaded", r.stdout)
        tokens = self.idp.initiate_auth(ClientId=self.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                        AuthParameters={"USERNAME": "carol", "PASSWORD": "Passw0rd!x"})["AuthenticationResult"]
        carol = Client(server, token=tokens["IdToken"])
        by_name = {i["filename"]: i for i in carol.all_images()}
        self.assertEqual(sorted(by_name), sorted(["big.jpg"] + [os.path.basename(p) for p in PHOTOS[:2]]))
        for image in by_name.values():
            self.assertEqual(carol.wait_final(image["imageId"])["status"], "ready")
        got = carol.get("/api/images/%s/content" % by_name["big.jpg"]["imageId"], validate=False)
        if got.status_code in (301, 302, 303, 307):
            got = requests.get(got.headers["Location"], timeout=30)
        self.assertEqual(got.status_code, 200)
        self.assertTrue(got.content == big, "the object in S3 differs from the file")

if __name__ == "__main__":
    unittest.main()
