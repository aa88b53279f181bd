"""SandboxPool through the Python binding: a pooled `acquire + execute('pass') + release` beside a
fresh `factory.create_sandbox().execute('pass')` of the same factory, in one run.

Run: .venv/bin/python bench/python/pool_bench.py [--rounds N] [--per-round N] [--seconds S]

Per-call times are measured in pairs (one fresh call, one pooled call, alternating which goes first)
so both see the same machine load, and the median of the per-pair ratios is printed beside the
p50s; then executions/s on 1 and 2 threads in alternating short windows (the GIL is released during
execute and while acquire waits). Prints a markdown table with the pooled/fresh ratios.
"""

import argparse
import statistics
import threading
import time

import eryx


def fresh(factory):
    factory.create_sandbox().execute("pass")


def pooled(pool):
    with pool.acquire() as sandbox:
        sandbox.execute("pass")


def timed(fn, arg):
    start = time.perf_counter()
    fn(arg)
    return (time.perf_counter() - start) * 1000


def paired(factory, pool, n):
    fresh_ms, pooled_ms = [], []
    for i in range(n):
        if i % 2:
            fresh_ms.append(timed(fresh, factory))
            pooled_ms.append(timed(pooled, pool))
        else:
            pooled_ms.append(timed(pooled, pool))
            fresh_ms.append(timed(fresh, factory))
    return fresh_ms, pooled_ms


def throughput(fn, arg, threads, seconds):
    counts = [0] * threads
    stop = time.perf_counter() + seconds

    def work(i):
        while time.perf_counter() < stop:
            fn(arg)
            counts[i] += 1

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(counts) / (time.perf_counter() - start)


def p(samples, q):
    samples = sorted(samples)
    return samples[min(len(samples) - 1, int(len(samples) * q))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--per-round", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()

    factory = eryx.SandboxFactory(imports=["json", "decimal", "re"])
    pool = factory.create_pool(max_size=4)
    for _ in range(50):  # warm-up of both paths
        fresh(factory)
        pooled(pool)

    samples = {"fresh": [], "pooled": []}
    for _ in range(args.rounds):
        fresh_ms, pooled_ms = paired(factory, pool, args.per_round)
        samples["fresh"] += fresh_ms
        samples["pooled"] += pooled_ms
    pair_ratio = statistics.median(q / f for f, q in zip(samples["fresh"], samples["pooled"]))

    # Executions/s: 10 alternating windows per system and thread count, summed.
    windows = 10
    done = {}
    for threads in (1, 2):
        for _ in range(windows):
            for name, fn, arg in (("fresh", fresh, factory), ("pooled", pooled, pool)):
                rate = throughput(fn, arg, threads, args.seconds / windows)
                done[(name, threads)] = done.get((name, threads), 0.0) + rate / windows
    rates = done

    f50, q50 = statistics.median(samples["fresh"]), statistics.median(samples["pooled"])
    print("| measure | fresh `create_sandbox().execute('pass')` | pooled `acquire + execute + release` | pooled / fresh |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| p50 per call | {f50:.3f} ms | {q50:.3f} ms | {q50 / f50:.2f}x |")
    print(f"| median of per-pair ratios | | | {pair_ratio:.2f}x |")
    f90, q90 = p(samples["fresh"], 0.9), p(samples["pooled"], 0.9)
    print(f"| p90 per call | {f90:.3f} ms | {q90:.3f} ms | {q90 / f90:.2f}x |")
    for threads in (1, 2):
        fr, po = rates[("fresh", threads)], rates[("pooled", threads)]
        print(f"| executions/s, {threads} thread{'s' if threads > 1 else ''} | {fr:,.0f} | {po:,.0f} | {po / fr:.2f}x |")
    stats = pool.stats()
    print(f"\npool after the run: {stats!r}")


if __name__ == "__main__":
    main()
