"""Helpers shared by bench/ingest and bench/lambda (Python standard library only).

bench/extract is a script without a .py name; `extract_module()` loads it so that the other
benchmarks reuse its build step, its machine description and its camera-sized file recipe
instead of copying them.
"""

import base64
import ctypes
import importlib.machinery
import importlib.util
import json
import os
import signal
import socket
import statistics
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


def extract_module():
    loader = importlib.machinery.SourceFileLoader("bench_extract", str(BENCH / "extract"))
    spec = importlib.util.spec_from_loader("bench_extract", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def log(name, message):
    print(f"[{name}] {message}", file=sys.stderr, flush=True)


# --- processes ----------------------------------------------------------------------------

def die_with_parent():
    """preexec_fn for servers: prctl(PR_SET_PDEATHSIG, SIGKILL), so that no server outlives a
    benchmark that was killed."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)


def stop_on_sigterm():
    """SIGTERM and SIGHUP end the benchmark through the same `finally` blocks as Ctrl-C does."""
    def handler(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGHUP, handler)


def free_port():
    """A port the kernel just handed out on 127.0.0.1 (for servers that cannot take port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """user+sys CPU of a process (all its threads, live and exited) from /proc/PID/stat.
    Kernel clock ticks: 10 ms resolution, so use it over many operations."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14, 15)


def _task_files(pid, *names):
    """The texts of /proc/PID/task/TID/<name> for each of `names`, per live thread. A thread
    that ends while it is read is left out."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return
    for tid in tids:
        try:
            texts = []
            for name in names:
                with open(f"/proc/{pid}/task/{tid}/{name}") as f:
                    texts.append(f.read())
        except OSError:
            continue
        yield texts


def _threads(pid):
    """(name, ns on a CPU) of each live thread of a process, from /proc/PID/task/*/comm and
    schedstat (its first field). A thread that exited takes its time with it."""
    for comm, schedstat in _task_files(pid, "comm", "schedstat"):
        try:
            yield comm.strip(), int(schedstat.split()[0])
        except (ValueError, IndexError):
            continue


def context_switches(pid):
    """Voluntary and involuntary context switches of the live threads of a process, from
    /proc/PID/task/*/status: each is a thread going to sleep or being put aside, and waking
    again, so their count per operation measures the hand-offs between threads."""
    return sum(int(line.split()[1]) for (status,) in _task_files(pid, "status")
               for line in status.splitlines() if "ctxt_switches" in line)


def thread_cpu_ns(pid):
    """CPU time in ns of the live threads of a process. Nanosecond resolution, but a thread
    that exited takes its time with it: use for single-threaded processes or as a cross-check."""
    return sum(ns for _, ns in _threads(pid))


def thread_cpu_by_name(pid):
    """CPU seconds of the live threads of a process, summed per thread name."""
    out = {}
    for name, ns in _threads(pid):
        out[name] = out.get(name, 0.0) + ns / 1e9
    return out


def token_subject(token):
    """The `sub` claim of a JWT (the user's id), unverified: the bench's own accounts."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]


def status_kib(pid, field):
    """A `kB` line of /proc/PID/status (VmHWM, VmRSS), in KiB; None once the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def reset_peak_rss(pid):
    """Makes VmHWM start again from the current RSS (writing 5 to clear_refs, Linux 4.0+)."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


# --- statistics ----------------------------------------------------------------------------

def percentile(values, q):
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, digits=1, none="-"):
    if value is None:
        return none
    return f"{value:,.{digits}f}"


def ratio(a, b, digits=2):
    if a is None or b is None or b == 0:
        return "-"
    return f"{a / b:.{digits}f}"
