"""numpy in the sandbox (the "numpy" guest flavour) side by side with native numpy on the host.

    .venv/bin/python bench/python/numpy_bench.py [--repeat N]

Needs numpy of the flavour's version installed in this Python (pip install numpy==2.2.6). Each
kernel runs once to warm up, then N times; the best time counts (both sides the same way). Prints
one row per kernel and the geometric mean of the ratios.
"""

import argparse
import math
import time

import eryx

KERNELS = {
    "matmul 512x512": ("a = rng.random((512, 512)); b = rng.random((512, 512))", "a @ b"),
    "fft 2^20": ("x = rng.random(1 << 20)", "np.fft.fft(x)"),
    "ufuncs 1e6": ("x = rng.random(1_000_000)", "np.sin(x) * np.exp(x) + np.sqrt(x)"),
    "sort 1e6": ("x = rng.random(1_000_000)", "np.sort(x)"),
    "solve 200x200": ("a = rng.random((200, 200)) + 200 * np.eye(200); b = rng.random(200)",
                      "np.linalg.solve(a, b)"),
}

TIMER = """
import time
def best(stmt, glb, repeat):
    code = compile(stmt, "<kernel>", "exec")
    exec(code, glb)
    times = []
    for _ in range(repeat):
        t = time.perf_counter(); exec(code, glb); times.append(time.perf_counter() - t)
    return min(times)
"""


def native(setup, stmt, repeat):
    glb = {}
    exec("import numpy as np\nrng = np.random.default_rng(0)\n" + setup + TIMER, glb)
    return glb["best"](stmt, glb, repeat)


def sandboxed(session, setup, stmt, repeat):
    session.execute("import numpy as np\nrng = np.random.default_rng(0)\n" + setup + TIMER)
    return float(session.execute(f"print(best({stmt!r}, globals(), {repeat}))").stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    import numpy

    limits = eryx.ResourceLimits(execution_timeout_ms=600_000, max_memory_bytes=1 << 30)
    session = eryx.Session(guest="numpy", resource_limits=limits)
    guest_version = session.execute("import numpy; print(numpy.__version__)").stdout.strip()
    print(f"native numpy {numpy.__version__}, guest numpy {guest_version}; best of {args.repeat}")
    print(f"{'kernel':16} {'native ms':>10} {'sandbox ms':>11} {'ratio':>7}")
    ratios = []
    for name, (setup, stmt) in KERNELS.items():
        n = native(setup, stmt, args.repeat)
        s = sandboxed(session, setup, stmt, args.repeat)
        ratios.append(s / n)
        print(f"{name:16} {n * 1e3:10.2f} {s * 1e3:11.2f} {s / n:6.2f}x")
    geomean = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    print(f"{'geomean':16} {'':10} {'':11} {geomean:6.2f}x")


if __name__ == "__main__":
    main()
