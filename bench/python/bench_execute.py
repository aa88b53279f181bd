"""Per-execute overhead through the Python binding, side by side with native CPython.

Run: .venv/bin/python bench/python/bench_execute.py [--repeat N]

Prints p50/p90 per operation (per call for the callback rows) in one run, so the ratios are measured under the same machine load.
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

    # Callback round trips (guest await -> Python function on the host -> guest), 100 per execute,
    # sequential and under one gather; the rows report the cost per call.
    registry = eryx.CallbackRegistry()
    registry.add(lambda x: x, name="echo")

    async def async_echo(x):
        return x

    registry.add(async_echo, name="aecho")
    callbacks = eryx.Session(
        callbacks=registry,
        resource_limits=eryx.ResourceLimits(max_callback_invocations=None),
    )
    sequential = "for i in range(100):\n    await echo(i)"
    gathered = "import asyncio\nawait asyncio.gather(*(echo(i) for i in range(100)))"
    async_sequential = "for i in range(100):\n    await aecho(i)"

    rows = [
        ("Sandbox.execute('pass')", lambda: sandbox.execute("pass")),
        ("Sandbox() + execute('pass')", lambda: eryx.Sandbox().execute("pass")),
        ("Session.execute('pass')", lambda: session.execute("pass")),
        ("Session.execute('x += 1')", lambda: session.execute("x += 1")),
        ("callback, sequential (per call)", lambda: callbacks.execute(sequential), 100),
        ("callback, gather of 100 (per call)", lambda: callbacks.execute(gathered), 100),
        ("async def callback, seq. (per call)", lambda: callbacks.execute(async_sequential), 100),
        ("native exec('pass')", lambda: exec(pass_code, native_globals)),
        ("native exec('x += 1')", lambda: exec(inc_code, native_globals)),
    ]
    print(f"python {sys.version.split()[0]}, {args.repeat} runs each")
    print(f"{'operation':36} {'p50 ms':>10} {'p90 ms':>10}")
    for name, fn, *per in rows:
        calls = per[0] if per else 1
        p50, p90 = measure(fn, args.repeat if calls == 1 else max(10, args.repeat // 10))
        print(f"{name:36} {p50 / calls:10.4f} {p90 / calls:10.4f}")


if __name__ == "__main__":
    main()
