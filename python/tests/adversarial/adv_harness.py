"""Runs each adversarial case in a child process, so a host crash or hang fails one test only.

A case is a plain function whose body is the attack and its expectations:

    @child(timeout=20)
    def test_symlink_loop_is_eloop():
        sandbox = eryx.Sandbox()
        ...
        assert ...

The decorator ships the function's source to a fresh `sys.executable` (after PRELUDE, which imports
eryx and adv_child), calls it there and prints SENTINEL when it returned. The test passes when the
child exited with `rc` (0 by default) within `timeout` seconds and printed SENTINEL: an assertion
error, an unexpected exception, a signal (SIGSEGV, SIGABRT, ...) or a hang all fail it, with the
child's output in the report.

Children run in parallel on a small pool (ERYX_ADV_JOBS, default 2): when the first case runs, every
collected case is submitted in collection order, and each test waits for its own child.
"""

import concurrent.futures
import dataclasses
import inspect
import os
import pathlib
import signal
import subprocess
import sys
import textwrap
import threading
import time

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[2]
SENTINEL = "ERYX-ADVERSARIAL-CASE-RETURNED"
PRELUDE = "import sys\nsys.path.insert(0, {here!r})\nfrom adv_child import *\n\n"


@dataclasses.dataclass
class Outcome:
    rc: int | None  # None: killed after the timeout
    stdout: str
    stderr: str
    seconds: float


@dataclasses.dataclass(eq=False)
class Spec:
    name: str
    script: str
    timeout: float
    rc: int
    env: dict

    def run(self) -> Outcome:
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", **self.env)
        start = time.monotonic()
        # A session of its own, so a hung child and anything it started are killed together.
        proc = subprocess.Popen(
            [sys.executable, "-c", self.script], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=env, cwd=str(REPO), start_new_session=True)
        try:
            out, err = proc.communicate(timeout=self.timeout)
            rc = proc.returncode
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            rc = None
        return Outcome(rc, out.decode(errors="replace"), err.decode(errors="replace"),
                       time.monotonic() - start)


class _Pool:
    def __init__(self):
        self._lock = threading.Lock()
        self._executor = None
        self._futures = {}
        self.planned = []  # set by conftest.py: the collected cases, in order

    def _submit(self, spec):
        if spec not in self._futures:
            self._futures[spec] = self._executor.submit(spec.run)
        return self._futures[spec]

    def outcome(self, spec) -> Outcome:
        with self._lock:
            if self._executor is None:
                jobs = max(1, int(os.environ.get("ERYX_ADV_JOBS", "2")))
                self._executor = concurrent.futures.ThreadPoolExecutor(jobs)
                for planned in self.planned:
                    self._submit(planned)
            future = self._submit(spec)
        return future.result()


POOL = _Pool()


def _describe(rc):
    if rc is None:
        return "killed after the timeout (hung)"
    if rc < 0:
        try:
            return f"killed by {signal.Signals(-rc).name}"
        except ValueError:
            return f"killed by signal {-rc}"
    return f"exit status {rc}"


def _tail(text, limit=4000):
    return text if len(text) <= limit else "..." + text[-limit:]


def _source_of(fn):
    lines = textwrap.dedent(inspect.getsource(fn)).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(("def ", "async def ")))
    return "\n".join(lines[start:])


def child(timeout=30, rc=0, env=None, prelude=""):
    """Runs the decorated function's body in a child process (see the module docstring).
    `prelude`: more module-level code for the child (e.g. "from adv_net import *\n")."""

    def wrap(fn):
        script = (PRELUDE.format(here=str(HERE)) + prelude + _source_of(fn) +
                  f"\n\n{fn.__name__}()\nprint({SENTINEL!r}, flush=True)\n")
        spec = Spec(fn.__name__, script, timeout, rc, dict(env or {}))

        def test():
            outcome = POOL.outcome(spec)
            returned = SENTINEL in outcome.stdout
            if outcome.rc != rc or not returned:
                raise AssertionError(
                    f"child {_describe(outcome.rc)} after {outcome.seconds:.1f}s "
                    f"(expected exit status {rc}, case body {'returned' if returned else 'did not return'})"
                    f"\n--- child stdout ---\n{_tail(outcome.stdout)}"
                    f"\n--- child stderr ---\n{_tail(outcome.stderr)}")

        test.__name__ = fn.__name__
        test.__qualname__ = fn.__qualname__
        test.__doc__ = fn.__doc__
        test.__module__ = fn.__module__
        test.adversarial_spec = spec
        return test

    return wrap
