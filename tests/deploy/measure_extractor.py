#!/usr/bin/env python3
"""Per-invocation cost of the s3metadataFetcher Lambda, measured locally: the figures
docs/deploy.md uses to choose the function's memory and timeout and to estimate its cost.

What it does: packages the given imgmeta binary with deploy/package-lambda.sh, unpacks the
zip, and runs its `bootstrap` (the same process Lambda starts) under the Runtime API
emulator of tests/lambda against moto_server on 127.0.0.1. Every well-formed corpus image
(every folder of ../shared/corpus but malformed/) is PUT into the bucket, the S3 event moto
emits for it (via the bucket's SQS notification) is handed to the function as a direct S3
invocation, and for each invocation it records

  wall ms      the emulator's clock: event handed out by /next -> result posted
  CPU ms       user+system time of all the runtime's threads over the invocation
               (/proc/PID/task/*/schedstat, nanoseconds)
  peak RSS     VmHWM of the process after the invocation; the high-water mark is reset
               before each invocation by writing 5 to /proc/PID/clear_refs
  requests     S3 requests (the log line's sourceReads + 1 HEAD) and bytes read

plus the cold start (process start -> first /next request) and the peak RSS of the whole
run. moto answers each request in about 4-5 ms on loopback, so wall times here are
dominated by moto; CPU ms, RSS and the request counts are the figures that carry to AWS.

    tests/deploy/measure_extractor.py --binary build/dev/src/cli/imgmeta [--json out.json]

Needs moto_server and boto3 (scripts/setup.sh installs them). Not a test: CTest does not
run it, nothing fails when a number changes.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.abspath(os.path.join(HERE, "../.."))
sys.path.insert(0, os.path.join(SOURCE, "tests/lambda"))

from harness import BUCKET, SHARED, TABLE, LambdaProcess, Moto, Stack, ulid  # noqa: E402
from runtime_emulator import RuntimeEmulator  # noqa: E402

OWNER = "measure-0000-0000-0000-000000000000"
CONTENT_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
                 "tiff": "image/tiff", "heif": "image/heic", "avif": "image/avif", "bmp": "image/bmp"}


def cpu_ns(pid):
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def reset_hwm(pid):
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(p / 100.0 * len(s) + 0.5)) - 1))]


def corpus_files(limit):
    root = os.path.join(SHARED, "corpus")
    out = []
    for folder in sorted(os.listdir(root)):
        path = os.path.join(root, folder)
        if folder == "malformed" or not os.path.isdir(path):
            continue
        for name in sorted(os.listdir(path)):
            out.append((folder, os.path.join(path, name)))
    return out[:limit] if limit else out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", required=True, help="the imgmeta binary to package and measure")
    ap.add_argument("--json", help="write the per-invocation rows here")
    ap.add_argument("--limit", type=int, default=0, help="only the first N corpus files")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="imgmeta-measure-")
    moto = None
    try:
        subprocess.run([os.path.join(SOURCE, "deploy/package-lambda.sh"), "--binary", args.binary, "--out", tmp],
                       check=True, capture_output=True, timeout=300)
        task = os.path.join(tmp, "task")
        with zipfile.ZipFile(os.path.join(tmp, "s3metadataFetcher.zip")) as z:
            for info in z.infolist():
                z.extract(info, task)
                mode = (info.external_attr >> 16) & 0o777
                if mode:
                    os.chmod(os.path.join(task, info.filename), mode)
        moto = Moto()
        stack = Stack(moto)
        files = corpus_files(args.limit)
        rows = []
        with RuntimeEmulator() as emu:
            fn = LambdaProcess(emu, {"_HANDLER": "extract", "LAMBDA_TASK_ROOT": task, "AWS_ENDPOINT_URL": moto.url,
                                     "BUCKET_NAME": BUCKET, "TABLE_NAME": TABLE,
                                     "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128"},
                               cmd=[os.path.join(task, "bootstrap")], cwd=task)
            try:
                deadline = time.time() + 10
                while not emu.next_requests and time.time() < deadline:
                    time.sleep(0.001)
                cold_start_ms = (emu.next_requests[0] - fn.started_at) * 1000.0
                pid = fn.proc.pid
                idle_rss_kib = status_kib(pid, "VmRSS")
                for n, (folder, path) in enumerate(files):
                    with open(path, "rb") as f:
                        data = f.read()
                    key = f"uploads/{OWNER}/{ulid(n)}"
                    stack.put_presigned(key, data, CONTENT_TYPES.get(folder, "application/octet-stream"))
                    msgs = stack.receive(want=1)
                    event = json.loads(msgs[0]["Body"])
                    lines_before = len(fn.lines)
                    reset_hwm(pid)
                    cpu0 = cpu_ns(pid)
                    result = emu.invoke(event, timeout_s=60)
                    cpu1 = cpu_ns(pid)
                    hwm = status_kib(pid, "VmHWM")
                    rec = {}
                    wait_until = time.time() + 2  # the log line arrives through a reader thread
                    while not rec and time.time() < wait_until:
                        log = [json.loads(l) for l in fn.lines[lines_before:] if l.startswith("{")]
                        rec = next((l for l in log if "Outcome" in l), {})
                        if not rec:
                            time.sleep(0.001)
                    rows.append({"file": os.path.relpath(path, os.path.join(SHARED, "corpus")), "format": folder,
                                 "bytes": len(data), "wallMs": result.duration_ms, "cpuMs": (cpu1 - cpu0) / 1e6,
                                 "peakRssKiB": hwm, "outcome": rec.get("Outcome"), "bytesRead": rec.get("BytesRead"),
                                 "s3Requests": (rec.get("sourceReads") or 0) + 1, "extractMs": rec.get("ExtractMs"),
                                 "headMs": rec.get("headMs"), "storeMs": rec.get("storeMs"), "totalMs": rec.get("TotalMs"),
                                 "first": n == 0})
                run_peak_kib = status_kib(pid, "VmHWM")
            finally:
                fn.stop()
    finally:
        if moto:
            moto.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    warm = [r for r in rows if not r["first"]]
    print(f"binary: {args.binary}")
    print(f"files: {len(rows)} (cold start {cold_start_ms:.1f} ms to the first /next; idle RSS "
          f"{idle_rss_kib / 1024:.1f} MiB; peak RSS of the whole run {run_peak_kib / 1024:.1f} MiB)")
    print(f"first invocation: {rows[0]['wallMs']:.1f} ms wall, {rows[0]['cpuMs']:.1f} ms CPU")
    outcomes = {}
    for r in rows:
        outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
    print("outcomes: " + ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items(), key=lambda kv: str(kv[0]))))
    print()
    print("| format | files | wall ms median / p95 / max | CPU ms median / p95 / max | peak RSS MiB max | "
          "S3 requests median / max | KiB read median / max |")
    print("|---|---|---|---|---|---|---|")
    groups = {}
    for r in warm:
        groups.setdefault(r["format"], []).append(r)
    groups["all"] = warm
    for name, rs in groups.items():
        w = [r["wallMs"] for r in rs]
        c = [r["cpuMs"] for r in rs]
        q = [r["s3Requests"] for r in rs]
        b = [(r["bytesRead"] or 0) / 1024 for r in rs]
        print(f"| {name} | {len(rs)} | {statistics.median(w):.1f} / {pct(w, 95):.1f} / {max(w):.1f} | "
              f"{statistics.median(c):.2f} / {pct(c, 95):.2f} / {max(c):.2f} | "
              f"{max(r['peakRssKiB'] for r in rs) / 1024:.1f} | {statistics.median(q):.0f} / {max(q)} | "
              f"{statistics.median(b):.0f} / {max(b):.0f} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"coldStartMs": cold_start_ms, "idleRssKiB": idle_rss_kib, "runPeakRssKiB": run_peak_kib,
                       "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
