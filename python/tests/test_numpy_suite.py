"""numpy's own tests (from its sdist) run inside the sandbox, with pytest loaded as pure wheels.

The test files come from the numpy cache entry (build/guest/numpy/tests/numpy-tests.zip, copied by
cmake/GuestFlavour.cmake; ERYX_NUMPY_TESTS overrides). numpy lives in the flavour's stdlib zip, so
the runner adds each tests directory's parent to its package's __path__. The guest has no ctypes and
no mmap: test files importing them get empty stand-ins, and only the tests that use them fail.
test_multiarray.py (ctypes, mmap and os.getuid in ~100 tests) and test_numeric.py (hypothesis,
whose sortedcontainers dependency has no py3-none-any wheel for scripts/fetch-test-wheels.py) are run
by hand the same way; their results are in docs/guide/packages.md.
"""

import importlib.util
import os
import pathlib
import zipfile

import pytest

import eryx

REPO = pathlib.Path(__file__).resolve().parents[2]
TESTS_ZIP = os.environ.get("ERYX_NUMPY_TESTS", str(REPO / "build" / "guest" / "numpy" / "tests" / "numpy-tests.zip"))
NUMPY_BUILT = os.path.exists(os.path.join(eryx._GUEST_DIR, "numpy", "eryx-snapshot.id"))

pytestmark = pytest.mark.skipif(
    not (NUMPY_BUILT and os.path.exists(TESTS_ZIP)),
    reason="the numpy guest flavour (and its tests zip) is not built (make NUMPY=1; `make test` builds it)",
)

RUNNER = """
import importlib, os, sys, types
SITE = "/usr/local/lib/python3.13/site-packages"
for d, dirs, files in os.walk(os.path.join(SITE, "numpy")):
    if os.path.basename(d) == "tests":
        parent = os.path.dirname(d)
        module = importlib.import_module(os.path.relpath(parent, SITE).replace("/", "."))
        if parent not in module.__path__:
            module.__path__.append(parent)
for name in ("ctypes", "mmap"):
    try:
        __import__(name)
    except ImportError:
        sys.modules[name] = types.ModuleType(name)
import pytest
# -s: pytest's output capture dup()s file descriptors, which WASI cannot.
result = int(pytest.main([os.path.join(SITE, t) for t in TARGETS] + [
    "-q", "-s", "-p", "no:cacheprovider", "-p", "no:faulthandler", "-p", "no:logging",
    "-o", "addopts=", "--import-mode=importlib", "-rfE", "--tb=short", "-W", "ignore"]
    + (["-k", "not (" + " or ".join(DESELECT) + ")"] if DESELECT else [])))
"""


def pytest_wheels():
    spec = importlib.util.spec_from_file_location("fetch_test_wheels", REPO / "scripts" / "fetch-test-wheels.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    wheels = module.ensure_wheels()
    return [wheels[name] for name in ("pytest", "pluggy", "iniconfig", "packaging", "pygments")]


# Deselected: WebAssembly has no floating-point status flags, so np.errstate(...="raise") cannot
# raise (docs/guide/packages.md).
NO_FP_EXCEPTIONS = {
    "numpy/_core/tests/test_umath.py": [
        "TestSpecialFloats and test_exp_exceptions",
        "TestSpecialFloats and test_exp2",
    ],
}


@pytest.mark.parametrize(
    "target",
    [
        "numpy/fft/tests",
        "numpy/linalg/tests/test_linalg.py",
        "numpy/_core/tests/test_umath.py",
    ],
)
def test_numpys_own_tests_pass_inside_the_sandbox(tmp_path, target):
    with zipfile.ZipFile(TESTS_ZIP) as z:
        z.extractall(tmp_path)
    session = eryx.Session(
        guest="numpy",
        packages=[*pytest_wheels(), tmp_path],
        resource_limits=eryx.ResourceLimits(execution_timeout_ms=600_000, max_memory_bytes=1 << 30),
    )
    deselect = [f"({expression})" for expression in NO_FP_EXCEPTIONS.get(target, [])]
    result = session.execute(f"TARGETS = [{target!r}]\nDESELECT = {deselect!r}\n" + RUNNER)
    assert result.result_json == "0", result.stdout[-3000:]
    assert " passed" in result.stdout and " failed" not in result.stdout
