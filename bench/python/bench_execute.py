"""Per-execute overhead through the Python binding, side by side with native CPython.

Run: .venv/bin/python bench/python/bench_execute.py [--repeat N]

Prints p50/p90 per operation in one run, so the ratios are measured under the same machine load.
The native baseline runs the same snippet with exec() in this very interpreter (a lower bound: no
isolation at all).
"""

import argparse
import statistics
import sys
import time

import eryx


def measure(fn, repeat):
    for _ in range(min(20, repeat)):  # warm-up
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.9) - 1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()

    sandbox = eryx.Sandbox()
    session = eryx.Session()
    session.execute("x = 0")
    native_globals = {"x": 0}
    pass_code = compile("pass", "<bench>", "exec")
    inc_code = compile("x += 1", "<bench>", "exec")

    rows = [
        ("Sandbox.execute('pass')", lambda: sandbox.execute("pass")),
        ("Sandbox() + execute('pass')", lambda: eryx.Sandbox().execute("pass")),
        ("Session.execute('pass')", lambda: session.execute("pass")),
        ("Session.execute('x += 1')", lambda: session.execute("x += 1")),
        ("native exec('pass')", lambda: exec(pass_code, native_globals)),
        ("native exec('x += 1')", lambda: exec(inc_code, native_globals)),
    ]
    print(f"python {sys.version.split()[0]}, {args.repeat} runs each")
    print(f"{'operation':32} {'p50 ms':>10} {'p90 ms':>10}")
    for name, fn in rows:
        p50, p90 = measure(fn, args.repeat)
        print(f"{name:32} {p50:10.4f} {p90:10.4f}")


if __name__ == "__main__":
    main()
