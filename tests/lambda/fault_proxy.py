"""A fault-injecting HTTP proxy for tests: sits between the Lambda and moto_server (the
Lambda's AWS_ENDPOINT_URL points here) and forwards every request unchanged, except that
every `every`-th request is answered with a fault instead, cycling through:

  throttle  S3: 503 SlowDown (XML); DynamoDB: 400 ProvisionedThroughputExceededException (JSON)
  internal  500 InternalError (S3 XML / DynamoDB JSON "InternalServerError")
  reset     the connection is closed without an answer
  unavailable 503 ServiceUnavailable with an empty body

The request is read in full before the fault is chosen, so a faulted request never reaches
moto: retrying it is what the client must do. Counts per fault kind are kept.

With every=0 it only forwards and counts: `calls` lists every request as (service,
operation), ("s3", "GET") or ("dynamodb", "UpdateItem"), and `connections` counts the TCP
connections clients opened (a client that keeps its connections alive opens one).
"""

import http.client
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KINDS = ("throttle", "internal", "reset", "unavailable")
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A client that went away (a runtime stopped by its test) is expected.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class FaultProxy:
    def __init__(self, target_port, every=3, kinds=KINDS):
        self.target_port = target_port
        self.every = every
        self.kinds = tuple(kinds)
        self.requests = 0
        self.forwarded = 0
        self.faults = {k: 0 for k in self.kinds}
        self.calls = []
        self.connections = 0
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def setup(self):
                super().setup()
                with proxy._lock:
                    proxy.connections += 1

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                target = self.headers.get("X-Amz-Target") or ""
                dynamo = "DynamoDB_" in target
                with proxy._lock:
                    proxy.calls.append(("dynamodb", target.rsplit(".", 1)[-1]) if dynamo else ("s3", self.command))
                    proxy.requests += 1
                    n = proxy.requests
                    kind = None
                    if proxy.every and n % proxy.every == 0:
                        kind = proxy.kinds[(n // proxy.every - 1) % len(proxy.kinds)]
                        proxy.faults[kind] += 1
                if kind == "reset":
                    self.close_connection = True
                    try:
                        self.connection.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    return
                if kind == "throttle":
                    if dynamo:
                        return self._send(400, b'{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",'
                                               b'"message":"injected throttling"}', "application/x-amz-json-1.0")
                    return self._send(503, b"<Error><Code>SlowDown</Code><Message>injected throttling</Message></Error>",
                                      "application/xml")
                if kind == "internal":
                    if dynamo:
                        return self._send(500, b'{"__type":"com.amazon.coral.availability#InternalServerError",'
                                               b'"message":"injected"}', "application/x-amz-json-1.0")
                    return self._send(500, b"<Error><Code>InternalError</Code><Message>injected</Message></Error>",
                                      "application/xml")
                if kind == "unavailable":
                    return self._send(503, b"", "text/plain")
                self._forward(body)

            def _send(self, status, body, content_type):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _forward(self, body):
                conn = http.client.HTTPConnection("127.0.0.1", proxy.target_port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                conn.request(self.command, self.path, body=body if body or self.command in ("PUT", "POST") else None,
                             headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                with proxy._lock:
                    proxy.forwarded += 1
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in HOP_BY_HOP and k.lower() != "content-length":
                        self.send_header(k, v)
                # A HEAD answer keeps the object's length; other answers carry their body.
                length = resp.getheader("Content-Length", "0") if self.command == "HEAD" else str(len(data))
                self.send_header("Content-Length", length)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                conn.close()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
