"""deploy/package-lambda.sh's second zip, imgmetaPreview.zip: the first zip's files plus the
rendering module and the libraries ldd resolves for it, all in lib/; without a module only
s3metadataFetcher.zip is made, with a message, and that zip is byte for byte the same either
way (the extractor never pays for previews). The module here is a stand-in built with the C
compiler, with a dependency of its own found through its RUNPATH, until issue 10's
libimgmeta_preview.so is built beside the binary.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import zipfile

sys.path.insert(0, os.path.dirname(__file__))

from harness import BIN, SOURCE  # noqa: E402

PACKAGE = os.path.join(SOURCE, "deploy/package-lambda.sh")


def cc(*args):
    subprocess.run(["cc", *args], check=True, capture_output=True, timeout=60)


class PreviewPackage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="imgmeta-preview-package-")
        mod = os.path.join(cls.tmp, "module")
        os.makedirs(mod)
        with open(os.path.join(mod, "dep.c"), "w") as f:
            f.write("int imgmeta_fake_dep(void) { return 7; }\n")
        with open(os.path.join(mod, "preview.c"), "w") as f:
            f.write("int imgmeta_fake_dep(void);\nint imgmeta_preview_probe(void) { return imgmeta_fake_dep(); }\n")
        cc("-shared", "-fPIC", "-o", os.path.join(mod, "libimgmeta_fakedep.so"), os.path.join(mod, "dep.c"))
        cc("-shared", "-fPIC", "-o", os.path.join(mod, "libimgmeta_preview.so"), os.path.join(mod, "preview.c"),
           "-L" + mod, "-limgmeta_fakedep", "-Wl,-rpath,$ORIGIN")
        cls.module = os.path.join(mod, "libimgmeta_preview.so")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def package(self, out, *extra):
        p = subprocess.run([PACKAGE, "--binary", BIN, "--out", out, *extra], capture_output=True, text=True,
                           timeout=180)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        return p.stdout + p.stderr

    def test_with_and_without_the_module(self):
        without = os.path.join(self.tmp, "without")
        msg = self.package(without, "--preview-module", os.path.join(self.tmp, "missing/libimgmeta_preview.so"))
        self.assertIn("no preview module at", msg)
        self.assertIn("imgmetaPreview.zip not made", msg)
        self.assertFalse(os.path.exists(os.path.join(without, "imgmetaPreview.zip")))

        with_module = os.path.join(self.tmp, "with")
        msg = self.package(with_module, "--preview-module", self.module)
        self.assertIn("imgmetaPreview.zip", msg)
        first = os.path.join(with_module, "s3metadataFetcher.zip")
        with open(first, "rb") as a, open(os.path.join(without, "s3metadataFetcher.zip"), "rb") as b:
            self.assertEqual(a.read(), b.read(), "the extractor's zip changed with a preview module present")

        with zipfile.ZipFile(first) as z:
            base = set(z.namelist())
        with zipfile.ZipFile(os.path.join(with_module, "imgmetaPreview.zip")) as z:
            names = set(z.namelist())
            bootstrap = z.getinfo("bootstrap")
        self.assertLessEqual(base, names)
        self.assertEqual(names - base, {"lib/libimgmeta_preview.so", "lib/libimgmeta_fakedep.so"})
        self.assertFalse(any("preview" in n or "vips" in n for n in base))
        self.assertEqual((bootstrap.external_attr >> 16) & 0o777, 0o755)

    def test_a_module_with_an_unresolved_library_fails(self):
        broken = os.path.join(self.tmp, "broken")
        os.makedirs(broken)
        shutil.copy(self.module, broken)  # without libimgmeta_fakedep.so beside it
        p = subprocess.run([PACKAGE, "--binary", BIN, "--out", os.path.join(self.tmp, "out-broken"),
                            "--preview-module", os.path.join(broken, "libimgmeta_preview.so")],
                           capture_output=True, text=True, timeout=180)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("unresolved libraries", p.stderr)
        self.assertIn("libimgmeta_fakedep.so", p.stderr)


if __name__ == "__main__":
    unittest.main()
