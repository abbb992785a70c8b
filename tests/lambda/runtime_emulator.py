"""The Runtime API emulator lives in deploy/local/runtime_emulator.py (deploy.sh local runs
the deployed functions under it); the Lambda tests import it from here."""

import importlib.util
import os

_spec = importlib.util.spec_from_file_location(
    "imgmeta_runtime_emulator",
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "deploy", "local", "runtime_emulator.py"))
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)

RuntimeEmulator = _module.RuntimeEmulator
Result = _module.Result
