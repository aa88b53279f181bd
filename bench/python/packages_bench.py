#!/usr/bin/env python3
"""packages= on every sandbox versus a SandboxFactory with imports=: what each costs per use.

Loads the pinned pure-Python wheels of scripts/fetch-test-wheels.py (the requests stack, or the
attrs wheel alone) and times, per sandbox, creating it and running one execution that uses the
library:

  packages=      eryx.Sandbox(packages=wheels), then execute("import requests ...")
                 (the wheels are read and hashed at creation, decompressed once per process, and
                 the import runs in every execution)
  factory        factory.create_sandbox(), then the same execute; the factory was built once with
                 SandboxFactory(packages=wheels, imports=[module]), so the import is in its image

It also times an execution that imports nothing, with and without the requests stack as packages=
(the per-execution cost of placing the files and the sys.path entry).

Usage:  .venv/bin/python bench/python/packages_bench.py [--runs N]
Prints one table (median and p90 in milliseconds) and the factory's one-off build time.
"""

import argparse
import importlib.util
import pathlib
import statistics
import time

import eryx

REPO = pathlib.Path(__file__).resolve().parents[2]
STACKS = {
    "requests": (["requests", "urllib3", "idna", "certifi", "charset_normalizer"],
                 "import requests\nresult = requests.__version__"),
    "attrs": (["attrs"], "import attr\nresult = attr.asdict.__name__"),
}


def pinned_wheels():
    spec = importlib.util.spec_from_file_location("fetch_test_wheels", REPO / "scripts" / "fetch-test-wheels.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ensure_wheels()


def timed(runs, make_and_run):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        make_and_run()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9) - 1 if len(times) >= 10 else -1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    wheels = pinned_wheels()
    print(f"{'library':<10} {'way':<50} {'median ms':>10} {'p90 ms':>8}")
    # What packages= costs an execution that imports nothing: placing the files, one sys.path entry.
    plain = eryx.Sandbox()
    stack = eryx.Sandbox(packages=[wheels[p] for p in STACKS["requests"][0]])
    for label, sandbox in (("Sandbox().execute('pass')", plain),
                           ("Sandbox(packages=requests stack).execute('pass')", stack)):
        sandbox.execute("pass")
        median, p90 = timed(args.runs, lambda: sandbox.execute("pass"))
        print(f"{'-':<10} {label:<50} {median:>10.2f} {p90:>8.2f}")
    for name, (projects, code) in STACKS.items():
        paths = [wheels[p] for p in projects]
        eryx.Sandbox(packages=paths).execute(code)  # warm: runtime started, archives decoded once

        def with_packages():
            out = eryx.Sandbox(packages=paths).execute(code)
            assert out.result is not None
        median, p90 = timed(args.runs, with_packages)
        print(f"{name:<10} {'Sandbox(packages=...) + execute':<50} {median:>10.1f} {p90:>8.1f}")

        sandbox = eryx.Sandbox(packages=paths)
        median, p90 = timed(args.runs, lambda: sandbox.execute(code))
        print(f"{name:<10} {'  the execute alone (sandbox reused)':<50} {median:>10.1f} {p90:>8.1f}")

        start = time.perf_counter()
        factory = eryx.SandboxFactory(packages=paths, imports=[code.split()[1]])
        build_ms = (time.perf_counter() - start) * 1000

        def from_factory():
            out = factory.create_sandbox().execute(code)
            assert out.result is not None
        median_f, p90_f = timed(args.runs, from_factory)
        print(f"{name:<10} {'factory.create_sandbox() + execute':<50} {median_f:>10.1f} {p90_f:>8.1f}")
        print(f"{name:<10} {'  (factory build, once)':<50} {build_ms:>10.1f}")


if __name__ == "__main__":
    main()
