"""deploy/package-lambda.sh's s3metadataFetcher.zip, unpacked into an empty root (nothing but
the zip's files under /var/task) and run there as Lambda runs it, against the Runtime API
emulator and moto, with real S3 event JSON. A second run executes `bootstrap` itself with
an empty environment and the loader's debug output, proving every library it loads comes
from the zip.
"""

import json
import os
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import unittest
import zipfile

sys.path.insert(0, os.path.dirname(__file__))

from harness import BIN, BUCKET, SHARED, SOURCE, TABLE, LambdaProcess, Moto, Stack, corpus, ulid  # noqa: E402
from runtime_emulator import RuntimeEmulator  # noqa: E402

OWNER = "0b6bd4a4-0e53-4c1c-a3b1-5a2d6f0c9e11"
TASK = "/var/task"


def has_interpreter(elf):
    """Whether a 64-bit little-endian ELF file has a PT_INTERP program header (is dynamic)."""
    phoff, = struct.unpack_from("<Q", elf, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
    return any(struct.unpack_from("<I", elf, phoff + i * phentsize)[0] == 3 for i in range(phnum))


def can_chroot(root):
    """chroot needs root (or a user namespace); probe with the zip's own loader."""
    try:
        r = subprocess.run([TASK + "/lib/ld-linux-x86-64.so.2", "--version"], preexec_fn=lambda: os.chroot(root),
                           capture_output=True, timeout=10)
        return r.returncode == 0
    except (PermissionError, OSError, subprocess.SubprocessError):
        return False


class LambdaPackage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="imgmeta-package-")
        out = subprocess.run([os.path.join(SOURCE, "deploy/package-lambda.sh"), "--binary", BIN, "--out", cls.tmp],
                             capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError("package-lambda.sh failed: " + out.stderr)
        cls.zip_path = os.path.join(cls.tmp, "s3metadataFetcher.zip")
        # The empty root: only the zip's files, where Lambda puts them.
        cls.root = os.path.join(cls.tmp, "root")
        cls.task = cls.root + TASK
        os.makedirs(cls.task)
        with zipfile.ZipFile(cls.zip_path) as z:
            for info in z.infolist():
                z.extract(info, cls.task)
                mode = (info.external_attr >> 16) & 0o777
                if mode:
                    os.chmod(os.path.join(cls.task, info.filename), mode)
        cls.moto = Moto()
        cls.stack = Stack(cls.moto)

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def upload(self, path, content_type):
        key = f"uploads/{OWNER}/{ulid(len(path))}"
        self.stack.put_presigned(key, corpus(path), content_type)
        msgs = self.stack.receive(want=1)
        return key, key.rsplit("/", 1)[1], json.loads(msgs[0]["Body"])

    def test_zip_holds_an_executable_bootstrap_binary_loader_and_libraries(self):
        with zipfile.ZipFile(self.zip_path) as z:
            names = z.namelist()
            modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in z.infolist()}
            bootstrap = z.read("bootstrap")
        self.assertIn("bootstrap", names)
        self.assertEqual(modes["bootstrap"], 0o755)
        self.assertEqual(modes["bin/imgmeta"], 0o755)
        self.assertIn("lib/ld-linux-x86-64.so.2", names)
        # A static executable (no shell, no loader of its own) that execs the zip's loader.
        self.assertTrue(bootstrap.startswith(b"\x7fELF"))
        self.assertFalse(has_interpreter(bootstrap), "bootstrap must be statically linked")
        for text in (b"/lib/ld-linux-x86-64.so.2", b"--inhibit-cache", b"--library-path", b"/bin/imgmeta", b"lambda",
                     b"LAMBDA_TASK_ROOT"):
            self.assertIn(text, bootstrap)
        # Every library the binary needs resolves inside the package.
        listed = subprocess.run([self.task + "/lib/ld-linux-x86-64.so.2", "--inhibit-cache", "--library-path",
                                 self.task + "/lib", "--list", self.task + "/bin/imgmeta"],
                                capture_output=True, text=True, env={}, timeout=30)
        self.assertEqual(listed.returncode, 0, listed.stderr)
        for line in listed.stdout.splitlines():
            if "=>" in line and "linux-vdso" not in line:
                self.assertIn(self.task + "/lib/", line)

    def test_runs_in_an_empty_root_with_a_real_s3_event(self):
        if not can_chroot(self.root):
            self.skipTest("chroot is not permitted here; test_bootstrap_loads_only_the_zips_libraries covers the loader")
        key, image_id, moto_event = self.upload("jpeg/exiftool_GPS.jpg", "image/jpeg")
        with RuntimeEmulator() as emu:
            # bootstrap itself, run inside the empty root: no /bin/sh there, no host library,
            # nothing but the zip.
            fn = LambdaProcess(emu, {"_HANDLER": "extract", "LAMBDA_TASK_ROOT": TASK, "AWS_ENDPOINT_URL": self.moto.url,
                                     "BUCKET_NAME": BUCKET, "TABLE_NAME": TABLE},
                               cmd=[TASK + "/bootstrap"], chroot=self.root)
            try:
                result = emu.invoke(moto_event)  # the S3 event moto sent, delivered directly
                self.assertEqual(result.kind, "response", result.body)
            finally:
                fn.stop()
        item = self.stack.item(OWNER, image_id)
        self.assertEqual(item["status"]["S"], "ready", fn.stderr)
        md = json.loads(item["metadata"]["S"])
        self.assertIn("GPSLatitude", md)
        self.assertEqual(item["hasGps"]["BOOL"], True)

    def test_bootstrap_loads_only_the_zips_libraries(self):
        key, image_id, moto_event = self.upload("png/exiftool_PNG.png", "image/png")
        with RuntimeEmulator() as emu:
            # bootstrap run with an empty environment but Lambda's variables and
            # LD_LIBRARY_PATH unset; after an invocation, every file the process has mapped
            # must come from the zip.
            fn = LambdaProcess(emu, {"_HANDLER": "extract", "LAMBDA_TASK_ROOT": self.task, "AWS_ENDPOINT_URL": self.moto.url,
                                     "BUCKET_NAME": BUCKET, "TABLE_NAME": TABLE, "PATH": ""},
                               cmd=[self.task + "/bootstrap"], cwd=self.task)
            try:
                self.assertEqual(emu.invoke(moto_event).kind, "response")
                with open(f"/proc/{fn.proc.pid}/maps") as f:
                    mapped = {line.split()[5] for line in f if len(line.split()) >= 6 and line.split()[5].startswith("/")}
            finally:
                fn.stop()
        self.assertEqual(self.stack.item(OWNER, image_id)["status"]["S"], "ready")
        # glibc at least: the release and dev builds link everything else from static archives.
        self.assertIn(self.task + "/lib/libc.so.6", mapped)
        for path in mapped:
            self.assertTrue(path.startswith(self.task + "/"), path)
        self.assertIn(self.task + "/lib/ld-linux-x86-64.so.2", mapped)
        self.assertIn(self.task + "/bin/imgmeta", mapped)

    def test_an_init_error_is_reported_to_the_runtime_api(self):
        with RuntimeEmulator() as emu:
            fn = LambdaProcess(emu, {"_HANDLER": "extract", "LAMBDA_TASK_ROOT": self.task},  # no BUCKET_NAME
                               cmd=[self.task + "/bootstrap"], cwd=self.task)
            self.assertEqual(fn.proc.wait(20), 1)
            fn.stop()
        self.assertEqual(len(emu.init_errors), 1)
        error_type, body = emu.init_errors[0]
        self.assertEqual(error_type, "Runtime.InvalidConfiguration")
        self.assertIn("BUCKET_NAME", json.loads(body)["errorMessage"])


if __name__ == "__main__":
    unittest.main()
