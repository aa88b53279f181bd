"""Soak: many sandboxes, sessions and concurrent executions in one process; resources must stay flat.

Run: .venv/bin/python bench/python/soak.py   (or `make soak`; --scale 0.1 for a quick pass)

Three phases, each sampling the process's resident memory (RSS), open file descriptors and threads
(from /proc/self) at regular points, after gc.collect():
  sandboxes    10,000 sequential Sandboxes, each created, executed once (with a callback, a file in
               /tmp and some output) and dropped
  sessions     1,000 sequential Sessions, each executed, forked, snapshotted, restored (also
               restore_state of pickled state), cleared and dropped
  concurrent   64 threads executing at once (own Sandboxes, one shared Sandbox, own Sessions, with
               callbacks), round after round
A phase PASSes when, after its warm-up (the first quarter of its samples), no later sample exceeds the
first post-warm-up sample by more than 5% (RSS, fds and threads alike). Prints every sample, then
PASS/FAIL per phase; the exit status is 1 when a phase failed.
"""

import argparse
import gc
import os
import sys
import threading
import time

import eryx

TOLERANCE = 0.05


def sample():
    gc.collect()
    with open("/proc/self/statm") as f:
        rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    return {"rss_mb": rss / (1 << 20), "fds": len(os.listdir("/proc/self/fd")),
            "threads": len(os.listdir("/proc/self/task"))}


def registry():
    callbacks = eryx.CallbackRegistry()
    callbacks.add(lambda x: x + 1, name="inc")
    return callbacks


SANDBOX_CODE = ("import json\nopen('/tmp/f', 'w').write('x' * 4096)\nv = await inc(41)\n"
                "print(json.dumps({'v': v}))\nresult = v")


def phase_sandboxes(count, samples):
    callbacks = registry()
    points = []
    step = max(1, count // samples)
    for i in range(1, count + 1):
        result = eryx.Sandbox(callbacks=callbacks).execute(SANDBOX_CODE)
        assert result.result == 42, result.stdout
        if i % step == 0:
            points.append((i, sample()))
    return points


def phase_sessions(count, samples):
    callbacks = registry()
    points = []
    step = max(1, count // samples)
    for i in range(1, count + 1):
        session = eryx.Session(callbacks=callbacks)
        session.execute("data = list(range(1000))\nv = await inc(1)")
        child = session.fork()
        child.execute("data.append(v)")
        restored = eryx.Session.from_snapshot(child.snapshot(), callbacks=callbacks)
        assert restored.execute("print(len(data), v)").stdout == "1001 2\n"
        # snapshot_state() of a Session with callbacks fails (it tries to pickle the callback
        # globals), so the pickled state comes from a Session without them.
        plain = eryx.Session()
        plain.execute("kept = {'a': [1, 2, 3]}")
        restored.restore_state(plain.snapshot_state())
        assert restored.execute("print(kept['a'][2], v)").stdout == "3 2\n"
        session.clear_state()
        del session, child, restored, plain
        if i % step == 0:
            points.append((i, sample()))
    return points


def phase_concurrent(threads, rounds, samples):
    callbacks = registry()
    shared = eryx.Sandbox(callbacks=callbacks)
    sessions = [eryx.Session(callbacks=callbacks) for _ in range(threads)]
    errors = []
    points = []
    step = max(1, rounds // samples)

    def work(index, round_index):
        try:
            kind = index % 3
            if kind == 0:
                runner = eryx.Sandbox(callbacks=callbacks)
            elif kind == 1:
                runner = shared
            else:
                runner = sessions[index]
            out = runner.execute(f"import asyncio\nr = await asyncio.gather(*(inc(i) for i in range(8)))\n"
                                 f"print(sum(r) + {round_index})").stdout
            if out != f"{36 + round_index}\n":
                errors.append(out)
        except Exception as e:  # noqa: BLE001 - any failure fails the phase
            errors.append(repr(e))

    for r in range(1, rounds + 1):
        workers = [threading.Thread(target=work, args=(i, r)) for i in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        if r % step == 0:
            points.append((r * threads, sample()))
    if errors:
        raise RuntimeError(f"{len(errors)} concurrent executions failed, first: {errors[0]}")
    return points


def verdict(points):
    warm = max(1, len(points) // 4)
    base = points[warm][1]
    worst = {key: max(p[1][key] for p in points[warm:]) for key in base}
    growth = {key: (worst[key] - base[key]) / base[key] for key in base}
    return all(g <= TOLERANCE for g in growth.values()), base, worst, growth


def report(name, points, seconds):
    ok, base, worst, growth = verdict(points)
    print(f"\n== {name} ({seconds:.1f} s)")
    print(f"{'after':>8} {'rss MB':>8} {'fds':>5} {'threads':>7}")
    for count, s in points:
        print(f"{count:>8} {s['rss_mb']:>8.1f} {s['fds']:>5} {s['threads']:>7}")
    print(f"{name}: {'PASS' if ok else 'FAIL'}: after warm-up rss {base['rss_mb']:.1f} -> max "
          f"{worst['rss_mb']:.1f} MB ({growth['rss_mb'] * 100:+.1f}%), fds {base['fds']} -> max "
          f"{worst['fds']}, threads {base['threads']} -> max {worst['threads']} (limit +{TOLERANCE:.0%})")
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every count (0.1: quick)")
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--threads", type=int, default=64)
    args = parser.parse_args()
    sandboxes = max(args.samples, int(10_000 * args.scale))
    sessions = max(args.samples, int(1_000 * args.scale))
    rounds = max(args.samples, int(100 * args.scale))

    print(f"eryx soak: {sandboxes} sandboxes, {sessions} sessions, {args.threads} concurrent x {rounds} rounds; "
          f"start {sample()}")
    results = []
    for name, run in (("sandboxes", lambda: phase_sandboxes(sandboxes, args.samples)),
                      ("sessions", lambda: phase_sessions(sessions, args.samples)),
                      ("concurrent", lambda: phase_concurrent(args.threads, rounds, args.samples))):
        start = time.monotonic()
        points = run()
        results.append((name, report(name, points, time.monotonic() - start)))
    print("\n" + ", ".join(f"{name} {'PASS' if ok else 'FAIL'}" for name, ok in results))
    return 0 if all(ok for _, ok in results) else 1


if __name__ == "__main__":
    sys.exit(main())
