"""A local Lambda Runtime API (version 2018-06-01), on the standard library only: the Lambda
tests and `deploy/deploy.sh local` (deploy/local/aws_local.py) run `bootstrap` under it.

It plays Lambda's side of the custom-runtime contract (AWS Lambda Developer Guide, "Using
the Lambda runtime API for custom runtimes"; shared/docs/aws-local-testing.md section 11):

  GET  /2018-06-01/runtime/invocation/next              blocks until invoke() queues an event
  POST /2018-06-01/runtime/invocation/{id}/response      202; 413 above the 6 MB payload limit
  POST /2018-06-01/runtime/invocation/{id}/error         202 (Lambda-Runtime-Function-Error-Type)
  POST /2018-06-01/runtime/init/error                    202; the runtime then exits

`next` answers with the headers Lambda sends: Lambda-Runtime-Aws-Request-Id,
-Deadline-Ms, -Invoked-Function-Arn, -Trace-Id. Unknown request ids get 400. Tests can make
the next N posts fail with 500 (`fail_posts`) to check the runtime's retries.

    with RuntimeEmulator() as emu:
        proc = subprocess.Popen([...], env={..., "AWS_LAMBDA_RUNTIME_API": emu.address})
        result = emu.invoke({"Records": [...]})      # -> Result(kind, body, error_type, ...)
"""

import json
import queue
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_PREFIX = "/2018-06-01"
MAX_PAYLOAD = 6 * 1024 * 1024


@dataclass
class Result:
    kind: str                 # "response" or "error"
    body: bytes
    error_type: str = ""
    request_id: str = ""
    duration_ms: float = 0.0  # event handed out -> result posted

    def json(self):
        return json.loads(self.body)


@dataclass
class _Pending:
    request_id: str
    payload: bytes
    deadline_ms: int
    trace_id: str
    function_arn: str
    handed_out_at: float = 0.0
    done: threading.Event = field(default_factory=threading.Event)
    result: Result = None


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A client that went away (a runtime stopped by its test) is expected.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class RuntimeEmulator:
    def __init__(self, function_arn="arn:aws:lambda:us-east-1:123456789012:function:s3metadataFetcher"):
        self.function_arn = function_arn
        self._queue = queue.Queue()
        self._pending = {}
        self._lock = threading.Lock()
        self.init_errors = []         # (error_type, body) posted to /runtime/init/error
        self.next_requests = []       # time.monotonic() of every GET next
        self.post_attempts = 0        # every POST received, including failed ones
        self.fail_posts = 0           # answer this many coming POSTs with 500
        self._stopping = False
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _reply(self, status, body=b"", headers=None):
                try:
                    self.send_response(status)
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the runtime went away (stopped by the test)

            def do_GET(self):
                if self.path != API_PREFIX + "/runtime/invocation/next":
                    return self._reply(404, b'{"errorMessage":"unknown path"}')
                emulator.next_requests.append(time.monotonic())
                while True:
                    if emulator._stopping:
                        return self._reply(500, b'{"errorMessage":"emulator stopping"}')
                    try:
                        p = emulator._queue.get(timeout=0.1)
                        break
                    except queue.Empty:
                        continue
                p.handed_out_at = time.monotonic()
                self._reply(200, p.payload, {
                    "Content-Type": "application/json",
                    "Lambda-Runtime-Aws-Request-Id": p.request_id,
                    "Lambda-Runtime-Deadline-Ms": str(p.deadline_ms),
                    "Lambda-Runtime-Invoked-Function-Arn": p.function_arn,
                    "Lambda-Runtime-Trace-Id": p.trace_id,
                })

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with emulator._lock:
                    emulator.post_attempts += 1
                    if emulator.fail_posts > 0:
                        emulator.fail_posts -= 1
                        return self._reply(500, b'{"errorMessage":"injected failure"}')
                path = self.path[len(API_PREFIX):] if self.path.startswith(API_PREFIX) else ""
                if path == "/runtime/init/error":
                    emulator.init_errors.append((self.headers.get("Lambda-Runtime-Function-Error-Type", ""), body))
                    return self._reply(202, b'{"status":"OK"}')
                parts = path.split("/")  # ["", "runtime", "invocation", id, kind]
                if len(parts) != 5 or parts[1:3] != ["runtime", "invocation"] or parts[4] not in ("response", "error"):
                    return self._reply(404, b'{"errorMessage":"unknown path"}')
                with emulator._lock:
                    p = emulator._pending.get(parts[3])
                if p is None or p.done.is_set():
                    return self._reply(400, b'{"errorMessage":"unknown or finished request id"}')
                if parts[4] == "response" and len(body) > MAX_PAYLOAD:
                    return self._reply(413, b'{"errorMessage":"payload too large"}')
                duration = (time.monotonic() - p.handed_out_at) * 1000.0
                p.result = Result(parts[4], body, self.headers.get("Lambda-Runtime-Function-Error-Type", ""),
                                  p.request_id, duration)
                p.done.set()
                return self._reply(202, b'{"status":"OK"}')

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def address(self):
        host, port = self._server.server_address
        return f"{host}:{port}"

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stopping = True
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def invoke(self, event, timeout_s=30.0, deadline_in_ms=30000, trace_id=None):
        """Queues one event (a dict or bytes) and waits for the runtime's result."""
        payload = event if isinstance(event, (bytes, bytearray)) else json.dumps(event).encode()
        rid = str(uuid.uuid4())
        p = _Pending(rid, payload, int(time.time() * 1000) + deadline_in_ms,
                     trace_id or f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=1",
                     self.function_arn)
        with self._lock:
            self._pending[rid] = p
        self._queue.put(p)
        if not p.done.wait(timeout_s):
            raise TimeoutError(f"no result for request {rid} within {timeout_s} s")
        return p.result


if __name__ == "__main__":  # manual use: print the address, then serve until interrupted
    emu = RuntimeEmulator().start()
    print(emu.address, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        emu.stop()
