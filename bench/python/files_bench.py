"""Files in the sandbox side by side with native CPython: the in-memory VFS and a host volume.

Run:  .venv/bin/python bench/python/files_bench.py [--rounds N] [--quick] [--json out.json]
      (make bench-files)

The same snippets (write then read 1,000 files of 4 KB; write then read one file of 50 MB in 1 MiB
chunks) run in:

- native:      the native CPython of the guest's version (found as bench/python/compare_peers.py
               finds it), on a directory in /dev/shm (tmpfs);
- eryx VFS:    an eryx Sandbox, in its in-memory /tmp;
- eryx volume: an eryx Sandbox with a read-write volume on a directory in /dev/shm, at /data.

Each snippet times itself with time.perf_counter() inside the interpreter (sandbox start-up is not
counted) and prints "ELAPSED <write seconds> <read seconds>". Rows report the best of the per-round
medians. Targets (issue 11): the VFS within 2x of native, a volume within 1.5x.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

SMALL = '''
import os, time
root = ROOT + "/small"
os.makedirs(root, exist_ok=True)
data = b"x" * 4096
t = time.perf_counter()
for i in range(1000):
    with open(root + "/f%d" % i, "wb") as f:
        f.write(data)
w = time.perf_counter() - t
t = time.perf_counter()
for i in range(1000):
    with open(root + "/f%d" % i, "rb") as f:
        assert len(f.read()) == 4096
r = time.perf_counter() - t
for i in range(1000):
    os.remove(root + "/f%d" % i)
print("ELAPSED %.6f %.6f" % (w, r))
'''

BIG = '''
import os, time
path = ROOT + "/big"
chunk = b"y" * (1 << 20)
t = time.perf_counter()
with open(path, "wb") as f:
    for _ in range(50):
        f.write(chunk)
w = time.perf_counter() - t
t = time.perf_counter()
n = 0
with open(path, "rb") as f:
    while True:
        b = f.read(1 << 20)
        if not b:
            break
        n += len(b)
assert n == 50 << 20, n
r = time.perf_counter() - t
os.remove(path)
print("ELAPSED %.6f %.6f" % (w, r))
'''

ROWS = [("small", "1,000 files of 4 KB", SMALL), ("big", "one file of 50 MB (1 MiB chunks)", BIG)]
SYSTEMS = ("native", "vfs", "volume")


def elapsed(stdout):
    for line in reversed(stdout.splitlines()):
        if line.startswith("ELAPSED "):
            _, w, r = line.split()
            return float(w), float(r)
    raise RuntimeError(f"no ELAPSED line in {stdout[-300:]!r}")


def run_native(python, code, root):
    prog = f"ROOT = {root!r}\n" + code
    r = subprocess.run([python, "-c", prog], capture_output=True, text=True, timeout=600)
    if r.returncode:
        raise RuntimeError(r.stderr[-500:])
    return elapsed(r.stdout)


def run_eryx(code, root, volume_dir=None):
    import eryx

    limits = eryx.ResourceLimits(execution_timeout_ms=600_000)
    volumes = [(volume_dir, "/data", False, 1 << 30)] if volume_dir else []
    sandbox = eryx.Sandbox(volumes=volumes, resource_limits=limits)
    return elapsed(sandbox.execute(f"ROOT = {root!r}\n" + code).stdout)


def measure(system, key, code, native, shm_dir):
    if system == "native":
        return run_native(native, code, shm_dir)
    if system == "vfs":
        return run_eryx(code, "/tmp")
    return run_eryx(code, "/data", volume_dir=shm_dir)


def fmt(seconds):
    if seconds is None:
        return "n/a"
    return f"{seconds * 1e3:.1f} ms" if seconds < 10 else f"{seconds:.2f} s"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="1 round of 2 runs")
    parser.add_argument("--json", help="also write the raw samples here")
    args = parser.parse_args()
    from compare_peers import find_native_python

    native, why = find_native_python()
    if native is None:
        sys.exit(f"files_bench: no native CPython: {why}")
    rounds, reps = (1, 2) if args.quick else (args.rounds, args.reps)
    samples = {(s, k, op): [] for s in SYSTEMS for k, *_ in ROWS for op in ("write", "read")}
    best = {}
    shm_parent = "/dev/shm" if os.path.isdir("/dev/shm") else None
    for rnd in range(rounds):
        order = SYSTEMS[rnd % len(SYSTEMS):] + SYSTEMS[:rnd % len(SYSTEMS)]
        for system in order:
            print(f"round {rnd + 1}/{rounds}: {system} ...", file=sys.stderr, flush=True)
            for key, _, code in ROWS:
                shm_dir = tempfile.mkdtemp(prefix="eryx-files-bench-", dir=shm_parent)
                try:
                    measure(system, key, code, native, shm_dir)  # warm-up
                    runs = [measure(system, key, code, native, shm_dir) for _ in range(reps)]
                finally:
                    shutil.rmtree(shm_dir, ignore_errors=True)
                for op, i in (("write", 0), ("read", 1)):
                    m = statistics.median(r[i] for r in runs)
                    samples[(system, key, op)].append(m)
                    best[(system, key, op)] = min(best.get((system, key, op), m), m)
    load = os.getloadavg()[0]
    print(f"Files: eryx vs native CPython {native_version(native)} "
          f"({os.uname().machine}, {os.cpu_count()} CPUs, load {load:.1f}, {time.strftime('%Y-%m-%d')}; "
          f"best of {rounds} round(s), median of {reps} runs each; native and the volume on tmpfs)\n")
    print("| measurement | native (tmpfs) | eryx VFS (/tmp) | VFS / native | eryx volume (tmpfs) "
          "| volume / native |")
    print("| --- | --- | --- | --- | --- | --- |")
    for key, label, _ in ROWS:
        for op in ("write", "read"):
            n, v, vol = (best.get((s, key, op)) for s in SYSTEMS)
            total_row = f"| {op} {label} | {fmt(n)} | {fmt(v)} | {v / n:.2f}x | {fmt(vol)} | {vol / n:.2f}x |"
            print(total_row)
        n, v, vol = (best[(s, key, "write")] + best[(s, key, "read")] for s in SYSTEMS)
        print(f"| write + read {label} | {fmt(n)} | {fmt(v)} | {v / n:.2f}x "
              f"{'✓' if v / n <= 2 else '✗'} (≤ 2x) | {fmt(vol)} | {vol / n:.2f}x "
              f"{'✓' if vol / n <= 1.5 else '✗'} (≤ 1.5x) |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"|".join(k): v for k, v in samples.items()}, f, indent=1)


def native_version(python):
    r = subprocess.run([python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                       capture_output=True, text=True)
    return r.stdout.strip()


if __name__ == "__main__":
    main()
