"""Networking in the sandbox side by side with native CPython, against the same loopback servers.

Run:  .venv/bin/python bench/python/net_bench.py [--rounds N] [--quick] [--json out.json]
      (make bench-net)

The driver (the project's .venv Python: it needs `eryx` and `trustme`) starts the servers of
python/tests/net_servers.py on 127.0.0.1 (HTTP, HTTPS with a CA made now, a bare listener), then runs
one worker process per system and round, the order rotated each round:

- native: the native CPython of the guest's version that the guest build leaves in
          <cache>/cpython-native-*/ (found as bench/python/compare_peers.py finds it), running the
          snippets with exec(); it trusts the CA through cafile=.
- eryx:   the same snippets in an eryx Sandbox with NetConfig().allow_localhost().with_root_cert(CA).

Each snippet times itself with time.perf_counter() inside the interpreter (so sandbox start-up is not
counted) and prints "ELAPSED <seconds>". Rows report the best of the per-round medians. Nothing
leaves 127.0.0.1.

Targets (issue 10): each eryx time within 2x of native; connect overhead (eryx minus native, one
TCP connect + close) under 0.5 ms.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO_ROOT, "python", "tests"))
sys.path.insert(0, HERE)

SYSTEMS = ("native", "eryx")
MB = 1024 * 1024

# Snippets: each gets HTTP, HTTPS (base URLs), LISTEN ((host, port)) and CTX (an ssl context that
# trusts the test CA) from the prologue, and prints ELAPSED <seconds> for the timed part only.
GETS_100 = '''
import time, urllib.request
t = time.perf_counter()
for _ in range(100):
    # A new connection each time: urlopen sends "Connection: close".
    with urllib.request.urlopen(BASE + "/1k", timeout=30, context=CTX) as r:
        assert len(r.read()) == 1024
print(f"ELAPSED {time.perf_counter() - t:.6f}")
'''

GET_10MB = '''
import time, urllib.request
t = time.perf_counter()
n = 0
with urllib.request.urlopen(BASE + "/bytes/10485760", timeout=30, context=CTX) as r:
    while True:
        chunk = r.read(65536)
        if not chunk:
            break
        n += len(chunk)
assert n == 10485760, n
print(f"ELAPSED {time.perf_counter() - t:.6f}")
'''

CONNECT = '''
import socket, statistics, time
times = []
for _ in range(200):
    t = time.perf_counter()
    s = socket.create_connection(LISTEN, timeout=30)
    s.close()
    times.append(time.perf_counter() - t)
print(f"ELAPSED {statistics.median(times):.9f}")
'''

# key, label, snippet, https?, runs per worker as a multiple of --reps (the 10 MB GETs take a few ms
# each, so a few more runs steady their median at little cost)
ROWS = [
    ("gets_http", "100 sequential GETs of 1 KB, new connection each, HTTP", GETS_100, False, 1),
    ("gets_https", "100 sequential GETs of 1 KB, new connection each, HTTPS", GETS_100, True, 1),
    ("get10_http", "one GET of 10 MB (64 KiB reads), HTTP", GET_10MB, False, 3),
    ("get10_https", "one GET of 10 MB (64 KiB reads), HTTPS", GET_10MB, True, 3),
    ("connect", "one TCP connect + close, median of 200", CONNECT, False, 1),
]


def prologue(cfg, https, system):
    base = cfg["https"] if https else cfg["http"]
    if system == "native":
        ctx = f"ssl.create_default_context(cafile={cfg['ca_file']!r})"
    else:  # the sandbox trusts the CA through NetConfig.with_root_cert; the guest has no file of it
        ctx = "ssl.create_default_context()"
    return (f"import ssl\nBASE = {base!r}\nLISTEN = ({cfg['listen'][0]!r}, {cfg['listen'][1]})\n"
            f"CTX = {ctx}\n")


def elapsed(stdout):
    for line in reversed(stdout.splitlines()):
        if line.startswith("ELAPSED "):
            return float(line.split()[1])
    raise RuntimeError(f"no ELAPSED line in {stdout[-300:]!r}")


# ---------------------------------------------------------------------------------------------
# Worker: one process per system and round; prints one JSON line {key: [seconds...]} (or errors).
# ---------------------------------------------------------------------------------------------


def native_runner(cfg):
    import contextlib
    import io

    def run(code):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(code, {"__name__": "__main__"})
        return out.getvalue()
    return run


def eryx_runner(cfg):
    import eryx

    with open(cfg["ca_file"], "rb") as f:
        ca = f.read()
    net = eryx.NetConfig().allow_localhost().with_root_cert(ca)
    limits = eryx.ResourceLimits(execution_timeout_ms=300_000)

    def run(code):
        return eryx.Sandbox(network=net, resource_limits=limits).execute(code).stdout
    return run


def worker(system, cfg_json):
    cfg = json.loads(cfg_json)
    out = {}
    try:
        run = native_runner(cfg) if system == "native" else eryx_runner(cfg)
    except Exception as e:  # e.g. an eryx without networking: every row reports it
        print(json.dumps({key: {"error": describe(e)} for key, *_ in ROWS}))
        return
    for key, _, snippet, https, times in ROWS:
        code = prologue(cfg, https, system) + snippet
        try:
            run(code)  # warm-up: imports, first handshake
            out[key] = {"samples": [elapsed(run(code)) for _ in range(cfg["reps"] * times)]}
        except Exception as e:
            out[key] = {"error": describe(e)}
    print(json.dumps(out))


def describe(e):
    lines = f"{type(e).__name__}: {e}".strip().splitlines()
    return (lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1]}")[:300]


# ---------------------------------------------------------------------------------------------
# Driver.
# ---------------------------------------------------------------------------------------------


def run_worker(python, system, cfg):
    cmd = [python, os.path.abspath(__file__), "--worker", system, json.dumps(cfg)]
    from compare_peers import clean_env, last_line
    env = clean_env()
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800)
    except subprocess.TimeoutExpired:
        return {key: {"error": "worker timed out after 1800 s"} for key, *_ in ROWS}
    if r.returncode:
        return {key: {"error": f"worker exited {r.returncode}: {last_line(r.stderr)}"} for key, *_ in ROWS}
    try:
        return json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {key: {"error": f"worker printed no JSON: {last_line(r.stderr or r.stdout)}"} for key, *_ in ROWS}


def fmt_time(seconds):
    if seconds is None:
        return "n/a"
    if seconds < 0.001:
        return f"{seconds * 1e6:.0f} µs"
    return f"{seconds * 1e3:.1f} ms" if seconds < 10 else f"{seconds:.2f} s"


def render(results, machine, rounds, reps):
    best = {s: {} for s in SYSTEMS}
    errors = {s: {} for s in SYSTEMS}
    for s in SYSTEMS:
        for key, *_ in ROWS:
            medians = [statistics.median(r[key]["samples"]) for r in results[s] if "samples" in r.get(key, {})]
            if medians:
                best[s][key] = min(medians)
            else:
                errs = [r.get(key, {}).get("error") for r in results[s]]
                errors[s][key] = next((e for e in errs if e), "no result")
    lines = [f"Networking: eryx vs native CPython ({machine}; best of {rounds} round(s), median of {reps} runs "
             f"each ({3 * reps} for the 10 MB GETs); servers on 127.0.0.1 in the driver process)", "",
             "| measurement | native | eryx | eryx / native | target |", "| --- | --- | --- | --- | --- |"]
    notes = []
    for key, label, *_ in ROWS:
        n, e = best["native"].get(key), best["eryx"].get(key)
        cells = []
        for s, v in (("native", n), ("eryx", e)):
            if v is None:
                notes.append(f"{s}, {label}: {errors[s][key]}")
                cells.append(f"error [{len(notes)}]")
            else:
                cells.append(fmt_time(v))
        if key == "connect":
            ratio = f"+{(e - n) * 1e6:.0f} µs overhead" if n is not None and e is not None else "n/a"
            target = "overhead < 500 µs" + (" ✓" if n is not None and e is not None and e - n < 0.0005 else "")
        else:
            ratio = f"{e / n:.2f}x" if n and e is not None else "n/a"
            target = "≤ 2x" + (" ✓" if n and e is not None and e / n <= 2 else "")
        lines.append(f"| {label} | {cells[0]} | {cells[1]} | {ratio} | {target} |")
    if notes:
        lines.append("")
        lines += [f"[{i}] {note}" for i, note in enumerate(notes, 1)]
    return "\n".join(lines)


def machine_line():
    import platform
    cpus = os.cpu_count()
    try:
        load = "load %.1f" % os.getloadavg()[0]
    except OSError:
        load = ""
    return f"{platform.machine()}, {cpus} CPUs, {load}, {time.strftime('%Y-%m-%d')}"


def driver(args):
    from compare_peers import find_native_python

    import net_servers

    native, why = find_native_python()
    if native is None:
        sys.exit(f"net_bench: no native CPython: {why}")
    pythons = {"native": native, "eryx": sys.executable}
    pki = net_servers.TestPki()
    reps = 2 if args.quick else args.reps
    results = {s: [] for s in SYSTEMS}
    with tempfile.TemporaryDirectory(prefix="eryx-net-bench-") as tmp, \
            net_servers.HttpServer() as http, net_servers.HttpsServer(pki.server_cert) as https, \
            net_servers.Listener() as listen:
        ca_file = os.path.join(tmp, "ca.pem")
        with open(ca_file, "wb") as f:
            f.write(pki.ca_pem)
        cfg = {"http": http.url(""), "https": https.url("", host="localhost"), "listen": list(listen.address()),
               "ca_file": ca_file, "reps": reps}
        for rnd in range(args.rounds):
            order = SYSTEMS[rnd % len(SYSTEMS):] + SYSTEMS[:rnd % len(SYSTEMS)]
            for s in order:
                print(f"round {rnd + 1}/{args.rounds}: {s} ...", file=sys.stderr, flush=True)
                results[s].append(run_worker(pythons[s], s, cfg))
    run = {"machine": machine_line(), "rounds": args.rounds, "reps": reps, "native": native, "results": results}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(run, f, indent=1)
    print(render(results, run["machine"], args.rounds, reps))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--worker", choices=SYSTEMS, help=argparse.SUPPRESS)
    p.add_argument("config", nargs="?", help=argparse.SUPPRESS)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--reps", type=int, default=5, help="runs of each snippet per worker (median)")
    p.add_argument("--quick", action="store_true", help="1 round of 2 runs")
    p.add_argument("--json", help="also write the raw results here")
    args = p.parse_args()
    if args.worker:
        return worker(args.worker, args.config)
    if args.quick:
        args.rounds = 1
    driver(args)


if __name__ == "__main__":
    main()
