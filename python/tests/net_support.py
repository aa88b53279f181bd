"""Helpers shared by conftest.py and the networking tests (a module, because test files cannot
import conftest.py reliably: pytest loads every conftest.py under the same module name)."""

import importlib.util
import sys
from pathlib import Path

import pytest

import eryx

REPO = Path(__file__).resolve().parents[2]
# Reasons of the skips below, listed again at the end of the run by conftest.pytest_terminal_summary.
LOUD_SKIPS = []


def loud_skip(reason):
    """Skips for a missing prerequisite, said on stderr now and again in the summary at the end."""
    print(f"\n[eryx tests] SKIPPED (missing prerequisite): {reason}", file=sys.stderr, flush=True)
    LOUD_SKIPS.append(reason)
    pytest.skip(reason)


def require_networking():
    if not hasattr(eryx, "NetConfig"):
        loud_skip("this eryx build has no networking (eryx.NetConfig); merge main and rebuild (make python)")


def fetch_test_wheels_module():
    """scripts/fetch-test-wheels.py as a module (its file name is not an identifier)."""
    spec = importlib.util.spec_from_file_location("fetch_test_wheels", REPO / "scripts" / "fetch-test-wheels.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
