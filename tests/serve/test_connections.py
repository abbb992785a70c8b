"""The transport under connections that misbehave or just stay: thousands of idle and
half-sent connections do not slow /healthz, a sign-in or an upload; a body trickled a byte a
second is cut at the body timeout; oversized headers answer 431; pipelined requests come back
in order; at the connection limit new connections are refused while open ones are served;
a full request queue answers 503 with Retry-After; a forged upload URL is refused on its
header alone, a small upload that asks for 100 Continue gets it, and uploads of one body piece
and of several alternate on one connection."""

import json
import os
import resource
import socket
import statistics
import threading
import time
import unittest
import urllib.parse

from harness import CORPUS, Client, Server, new_user, read_corpus, sha256_hex, upload_temp_files

IDLE_EACH = 1000      # half-open connections, and as many idle keep-alive ones
LATENCY_LIMIT = 0.100  # seconds, for /healthz, a sign-in and an upload while they are held
SAMPLES = 5            # each operation is timed this many times; the median must be within the limit


def raise_file_limit(wanted):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        raise AssertionError("need %d file descriptors, the hard limit allows %d" % (wanted, soft))


def connect(server, timeout=10):
    s = socket.create_connection(("127.0.0.1", server.port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


class RawResponse:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)


class Reader:
    """Reads HTTP/1.1 responses (Content-Length bodies) from one socket, in order."""

    def __init__(self, sock, head=False):
        self.sock = sock
        self.buf = b""

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("closed by the server")
        self.buf += data

    def response(self, head=False):
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        raw, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
        length = 0 if head or status in (204, 304) else int(headers.get("content-length", "0"))
        while len(self.buf) < length:
            self._fill()
        body, self.buf = self.buf[:length], self.buf[length:]
        return RawResponse(status, headers, body)


def request_bytes(method, target, headers=None, body=b""):
    h = {"Host": "127.0.0.1"}
    h.update(headers or {})
    if (body or method in ("POST", "PUT")) and "Content-Length" not in h:
        h["Content-Length"] = str(len(body))
    return ("%s %s HTTP/1.1\r\n" % (method, target) + "".join("%s: %s\r\n" % kv for kv in h.items()) + "\r\n").encode() + body


def presigned_put(user, data, name, extra=None):
    """A presigned PUT of `data` as (ticket, target, headers), the signed Host included."""
    ticket = user.presign(name, "image/jpeg", len(data), sha256_hex(data)).json()
    u = urllib.parse.urlsplit(ticket["url"])
    headers = dict(ticket["headers"], **{"Host": u.netloc, "Content-Length": str(len(data))})
    headers.update(extra or {})
    return ticket, u.path + "?" + u.query, headers


def closed_within(sock, seconds):
    """Reads until the server closes; returns (seconds it took, bytes received)."""
    sock.settimeout(seconds)
    start = time.time()
    got = b""
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                break
            got += data
    except ConnectionResetError:
        pass
    return time.time() - start, got


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start




def metric(text, name):
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError("%s not in /metrics" % name)


class IdleConnectionsTest(unittest.TestCase):

    def test_thousands_of_idle_connections_do_not_slow_the_server(self):
        raise_file_limit(2 * IDLE_EACH + 512)
        # Timeouts long enough that nothing held is closed while the test measures; cheap
        # password hashing so that the sign-in measures the server, not argon2.
        server = Server("--header-timeout", "120", "--keepalive-timeout", "120", "--argon2-ops", "1",
                        "--argon2-memory", "8MiB")
        self.addCleanup(server.cleanup)
        server.start()
        user = new_user(server, "idle")
        data = read_corpus("jpeg/" + sorted(os.listdir(os.path.join(CORPUS, "jpeg")))[0])

        held = []
        self.addCleanup(lambda: [s.close() for s in held])
        # Half-open: a request line and one header, never finished.
        for _ in range(IDLE_EACH):
            s = connect(server)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            held.append(s)
        # Keep-alive: one request answered, then silence.
        keep = []
        for _ in range(IDLE_EACH):
            s = connect(server)
            s.sendall(request_bytes("GET", "/healthz"))
            keep.append(s)
            held.append(s)
        readers = {}
        for s in keep:
            readers[s] = Reader(s)
            self.assertEqual(readers[s].response().status, 200)

        fresh = Client(server)
        self.assertGreaterEqual(metric(fresh.get("/metrics", expect=200).text, "imgmeta_http_open_connections"),
                                2 * IDLE_EACH)

        def upload():
            blob = data + os.urandom(16)  # unique bytes: never a duplicate
            ticket = user.presign("idle.jpg", "image/jpeg", len(blob), sha256_hex(blob)).json()
            user.put_blob(ticket, blob, expect=200)

        timings = {
            "healthz": [timed(lambda: fresh.get("/healthz", expect=200)) for _ in range(SAMPLES)],
            "sign-in": [timed(lambda: Client(server).sign_in(user.username)) for _ in range(SAMPLES)],
            "upload": [timed(upload) for _ in range(SAMPLES)],
        }
        for name, samples in timings.items():
            self.assertLess(statistics.median(samples), LATENCY_LIMIT,
                            "%s with %d idle connections held: %s s" % (name, 2 * IDLE_EACH, ["%.3f" % t for t in samples]))

        # Everything held is still open and the keep-alive connections still answer.
        for s in keep[:: IDLE_EACH // 20]:
            s.sendall(request_bytes("GET", "/healthz"))
            self.assertEqual(readers[s].response().status, 200)
        self.assertGreaterEqual(metric(fresh.get("/metrics", expect=200).text, "imgmeta_http_open_connections"),
                                2 * IDLE_EACH)


class SlowClientsTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = Server("--read-timeout", "2", "--header-timeout", "2", "--keepalive-timeout", "2")
        cls.server.start()
        cls.user = new_user(cls.server, "slow")

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def trickle(self, sock, seconds):
        """Sends one byte a second until the server closes; returns (elapsed, response bytes)."""
        start = time.time()
        while time.time() - start < seconds:
            try:
                sock.sendall(b"x")
            except (BrokenPipeError, ConnectionResetError):
                break
            sock.settimeout(1.0)
            try:
                data = sock.recv(65536)
            except socket.timeout:
                continue
            except ConnectionResetError:
                return time.time() - start, b""
            if not data:
                return time.time() - start, b""
            rest = closed_within(sock, 5)[1]
            return time.time() - start, data + rest
        return time.time() - start, b""

    def test_upload_body_a_byte_a_second_is_cut_at_the_timeout(self):
        data = read_corpus("jpeg/" + sorted(os.listdir(os.path.join(CORPUS, "jpeg")))[1]) + os.urandom(8)
        ticket, target, headers = presigned_put(self.user, data, "slow.jpg")
        s = connect(self.server)
        self.addCleanup(s.close)
        s.sendall(request_bytes("PUT", target, headers))
        elapsed, got = self.trickle(s, 15)
        self.assertLess(elapsed, 6, "a trickled body was not cut at the 2 s timeout")
        self.assertGreater(elapsed, 1.5, got[:300])
        if got:
            self.assertTrue(got.startswith(b"HTTP/1.1 408"), got[:200])
        deadline = time.time() + 5
        while upload_temp_files(self.server.data_dir) and time.time() < deadline:
            time.sleep(0.1)
        self.assertEqual(upload_temp_files(self.server.data_dir), [])
        # A body that never arrived counts as a refused upload.
        text = Client(self.server).get("/metrics", expect=200).text
        self.assertGreaterEqual(metric(text, "imgmeta_uploads_rejected_total"), 1)
        # The upload is still open: the whole body sent properly lands.
        self.user.put_blob(ticket, data, expect=200)

    def test_json_body_a_byte_a_second_is_cut_at_the_timeout(self):
        s = connect(self.server)
        self.addCleanup(s.close)
        s.sendall(b"POST /api/auth/signin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 200\r\n\r\n")
        elapsed, _ = self.trickle(s, 15)
        self.assertLess(elapsed, 6)
        self.assertGreater(elapsed, 1.5)

    def test_header_a_byte_a_second_is_cut_at_the_timeout(self):
        s = connect(self.server)
        self.addCleanup(s.close)
        s.sendall(b"GET /healthz HTTP/1.1\r\nX-Slow: ")
        elapsed, _ = self.trickle(s, 15)
        self.assertLess(elapsed, 6)

    def test_idle_keep_alive_connection_is_closed_after_its_timeout(self):
        s = connect(self.server)
        self.addCleanup(s.close)
        s.sendall(request_bytes("GET", "/healthz"))
        self.assertEqual(Reader(s).response().status, 200)
        elapsed, got = closed_within(s, 10)
        self.assertEqual(got, b"")
        self.assertLess(elapsed, 5)

    def test_server_serves_others_while_slow_clients_wait(self):
        s = connect(self.server)
        self.addCleanup(s.close)
        s.sendall(b"GET /healthz HTTP/1.1\r\n")
        for _ in range(20):
            self.assertLess(timed(lambda: Client(self.server).get("/healthz", expect=200)), 1.0)


class ProtocolTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.server.start()
        cls.user = new_user(cls.server, "proto")

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def test_64_kib_of_headers_answer_431(self):
        s = connect(self.server)
        self.addCleanup(s.close)
        big = "".join("X-Filler-%d: %s\r\n" % (i, "a" * 1000) for i in range(64))
        s.sendall(("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + big + "\r\n").encode())
        r = Reader(s).response()
        self.assertEqual(r.status, 431)
        self.assertIn("x-request-id", r.headers)
        self.assertEqual(r.json()["error"]["code"], "RequestHeaderFieldsTooLarge")
        # The server goes on serving.
        Client(self.server).get("/healthz", expect=200)

    def test_one_64_kib_header_answers_431(self):
        s = connect(self.server)
        self.addCleanup(s.close)
        s.sendall(("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: " + "c" * 65536 + "\r\n\r\n").encode())
        self.assertEqual(Reader(s).response().status, 431)

    def test_pipelined_requests_come_back_in_order(self):
        s = connect(self.server)
        self.addCleanup(s.close)
        body = json.dumps({"username": self.user.username, "password": "wrong password"}).encode()
        plan = [
            ("GET", "/readyz", {}, b"", 200),                      # on the pool
            ("GET", "/healthz", {}, b"", 200),                     # on the I/O thread
            ("POST", "/api/auth/signin", {"Content-Type": "application/json"}, body, 401),  # argon2, slow
            ("GET", "/healthz", {}, b"", 200),
            ("GET", "/api/me", {"Authorization": "Bearer " + self.user.token}, b"", 200),
            ("HEAD", "/healthz", {}, b"", 200),
            ("GET", "/no/such/file.txt", {}, b"", 404),
            ("GET", "/healthz", {}, b"", 200),
        ]
        wire = b"".join(request_bytes(m, t, dict(h, **{"X-Request-Id": "pipe-%d" % i}), b)
                        for i, (m, t, h, b, _) in enumerate(plan))
        s.sendall(wire)  # all at once, before any answer
        reader = Reader(s)
        for i, (method, target, _, _, status) in enumerate(plan):
            r = reader.response(head=method == "HEAD")
            self.assertEqual(r.headers["x-request-id"], "pipe-%d" % i, "%s %s" % (method, target))
            self.assertEqual(r.status, status, "%s %s" % (method, target))

    def test_keep_alive_connection_serves_many_requests(self):
        s = connect(self.server)
        self.addCleanup(s.close)
        reader = Reader(s)
        for i in range(50):
            s.sendall(request_bytes("GET", "/healthz", {"X-Request-Id": "ka-%d" % i}))
            r = reader.response()
            self.assertEqual((r.status, r.headers["x-request-id"]), (200, "ka-%d" % i))

    def test_an_upload_url_that_does_not_verify_is_refused_before_its_body(self):
        # A small body is read before the pool sees the upload, but only once the URL has
        # verified: a forged one is answered on its header alone and holds no piece buffer.
        data = read_corpus("jpeg/" + sorted(os.listdir(os.path.join(CORPUS, "jpeg")))[2]) + os.urandom(8)
        _, target, headers = presigned_put(self.user, data, "forged.jpg")
        path, query = target.split("?", 1)
        params = urllib.parse.parse_qsl(query, keep_blank_values=True)
        forged = [(k, ("1" if v[0] == "0" else "0") + v[1:] if k == "X-Amz-Signature" else v) for k, v in params]
        self.assertNotEqual(forged, params)
        s = connect(self.server, timeout=5)
        self.addCleanup(s.close)
        s.sendall(request_bytes("PUT", path + "?" + urllib.parse.urlencode(forged), headers))  # no body
        r = Reader(s).response()
        self.assertEqual(r.status, 403, r.body[:200])
        self.assertEqual(r.json()["error"]["code"], "SignatureDoesNotMatch")

    def test_a_small_upload_that_asks_for_100_continue_gets_it_first(self):
        data = read_corpus("jpeg/" + sorted(os.listdir(os.path.join(CORPUS, "jpeg")))[3]) + os.urandom(8)
        _, target, headers = presigned_put(self.user, data, "continue.jpg", {"Expect": "100-continue"})
        s = connect(self.server, timeout=5)
        self.addCleanup(s.close)
        s.sendall(request_bytes("PUT", target, headers))
        reader = Reader(s)
        self.assertEqual(reader.response().status, 100)
        s.sendall(data)
        r = reader.response()
        self.assertEqual(r.status, 200, r.body[:200])
        self.assertEqual(r.json()["size"], len(data))
        self.assertEqual(r.json()["sha256"], sha256_hex(data))

    def test_small_and_multi_piece_uploads_on_one_connection(self):
        # One piece (read, then opened, written and committed in one pool task) and several
        # (opened first, then written piece by piece), alternating on one keep-alive connection.
        small = read_corpus("jpeg/" + sorted(os.listdir(os.path.join(CORPUS, "jpeg")))[4])
        com = b"\xff\xfe\xff\xf0" + os.urandom(0xfff0 - 2)  # a 64 KiB COM segment
        large = small[:2] + com * 12 + small[2:]  # ~768 KiB: more than one 256 KiB piece
        s = connect(self.server, timeout=10)
        self.addCleanup(s.close)
        reader = Reader(s)
        for i, data in enumerate([small + os.urandom(4), large, small + os.urandom(8), large + os.urandom(4)]):
            _, target, headers = presigned_put(self.user, data, "mixed-%d.jpg" % i)
            s.sendall(request_bytes("PUT", target, headers, data))
            r = reader.response()
            self.assertEqual(r.status, 200, (i, r.body[:200]))
            self.assertEqual((r.json()["size"], r.json()["sha256"]), (len(data), sha256_hex(data)), i)

    def test_metrics_show_the_transport(self):
        text = Client(self.server).get("/metrics", expect=200).text
        for name in ("imgmeta_http_open_connections", "imgmeta_http_requests_in_flight",
                     "imgmeta_http_request_queue_depth", "imgmeta_http_connections_rejected_total",
                     "imgmeta_http_requests_rejected_busy_total"):
            metric(text, name)
        self.assertGreaterEqual(metric(text, "imgmeta_http_open_connections"), 1)
        self.assertGreaterEqual(metric(text, "imgmeta_http_requests_in_flight"), 1)


class ConnectionLimitTest(unittest.TestCase):

    def test_new_connections_are_refused_at_the_limit_and_open_ones_served(self):
        limit = 20
        server = Server("--max-connections", str(limit))
        self.addCleanup(server.cleanup)
        server.start()
        held = []
        self.addCleanup(lambda: [s.close() for s in held])
        readers = []
        for i in range(limit):
            s = connect(server)
            s.sendall(request_bytes("GET", "/healthz"))
            readers.append(Reader(s))
            self.assertEqual(readers[-1].response().status, 200)
            held.append(s)

        # One more: refused (a 503 and closed, or closed), never served.
        extra = connect(server)
        try:
            extra.sendall(request_bytes("GET", "/healthz"))
        except (BrokenPipeError, ConnectionResetError):
            pass
        _, got = closed_within(extra, 5)
        extra.close()
        self.assertFalse(got.startswith(b"HTTP/1.1 200"), got[:200])
        if got:
            self.assertTrue(got.startswith(b"HTTP/1.1 503"), got[:200])

        # The open ones keep working, and one of them reads the rejection in /metrics.
        for s, r in zip(held, readers):
            s.sendall(request_bytes("GET", "/healthz"))
            self.assertEqual(r.response().status, 200)
        held[0].sendall(request_bytes("GET", "/metrics"))
        text = readers[0].response().body.decode()
        self.assertGreaterEqual(metric(text, "imgmeta_http_connections_rejected_total"), 1)
        self.assertEqual(metric(text, "imgmeta_http_open_connections"), limit)

        # A connection closed makes room for a new one.
        held.pop().close()
        readers.pop()
        deadline = time.time() + 5
        while True:
            s = connect(server)
            s.sendall(request_bytes("GET", "/healthz"))
            try:
                r = Reader(s).response()
            except ConnectionError:
                r = None
            s.close()
            if r and r.status == 200:
                break
            self.assertLess(time.time(), deadline, "no room after a connection closed")
            time.sleep(0.1)


class BusyTest(unittest.TestCase):

    def test_full_request_queue_answers_503_with_retry_after(self):
        server = Server("--http-threads", "2", "--request-queue", "1")
        self.addCleanup(server.cleanup)
        server.start()
        user = new_user(server, "busy")
        results = []
        lock = threading.Lock()

        def sign_in():
            r = Client(server).request("POST", "/api/auth/signin", json_body={"username": user.username, "password": "wrong"},
                                       auth=False, validate=False)
            with lock:
                results.append((r.status_code, r.headers.get("Retry-After")))

        threads = [threading.Thread(target=sign_in) for _ in range(24)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        statuses = [s for s, _ in results]
        self.assertEqual(len(results), 24)
        self.assertIn(503, statuses)
        self.assertTrue(all(ra == "1" for s, ra in results if s == 503))
        self.assertTrue(all(s in (401, 429, 503) for s in statuses), statuses)
        text = Client(server).get("/metrics", expect=200).text
        self.assertGreaterEqual(metric(text, "imgmeta_http_requests_rejected_busy_total"), 1)


if __name__ == "__main__":
    unittest.main()
