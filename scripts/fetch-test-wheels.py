#!/usr/bin/env python3
"""Fetches the pinned pure-Python wheels that the networking tests and benchmark load into the guest.

Usage:  scripts/fetch-test-wheels.py            prints the cache directory (progress on stderr)
        scripts/fetch-test-wheels.py --list     prints one wheel path a line

Each wheel is pinned by file name (so by version and tag) AND sha256. They live in
<cache>/test-wheels-<hash of the pin list>/ (<cache> is $ERYX_CACHE_ROOT or ~/.cache/eryx); a new pin
list gets a new directory, so an old one is never reused by mistake. Every use re-hashes every file:
a truncated or altered wheel is fetched again, and a download that does not match its pin is refused.

Only py3-none-any wheels are pinned: the guest is CPython on wasm32-wasip1, which cannot load a native
extension, so each library here must ship (and fall back to) pure Python. aiohttp and its C-accelerated
dependencies (multidict, yarl, frozenlist, propcache) all publish py3-none-any wheels at these versions,
so no sdist needs building. The download goes through pip (the ordinary client, honouring the
machine's index configuration) with --require-hashes; this is the only moment anything leaves the
machine, and the tests never fetch anything else.

Also importable (importlib) for conftest.py and bench/python/net_bench.py: ensure_wheels() returns
{project name: path}.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

# (project, version, sha256 of its py3-none-any wheel). The requirements of each, for Python 3.13,
# are in this list too (checked by test_network_libraries.py::test_pinned_wheels_cover_their_requirements).
PINS = [
    # requests
    ("requests", "2.34.2", "2a0d60c172f83ac6ab31e4554906c0f3b3588d37b5cb939b1c061f4907e278e0"),
    ("urllib3", "2.8.0", "0cf3cae568d36aa9576b28dfb35f11328f1cb974ca7647d9475ebb86c75ac6e3"),
    ("idna", "3.21", "387ab0bbea1ee7a196ea5b24eb007bad0242cc3127fe96713939942bc9e720d7"),
    ("certifi", "2026.10.19.post1", "1324c476b4811eff41a8bc2122cd0bbd4d9c7234c725446d99ab1612b3a7fdd2"),
    ("charset_normalizer", "3.5.3", "96e268b0cbda016ac519513294fcd17032264085b600abaac58b93049477e132"),
    # httpx
    ("httpx", "0.29.0", "6734dcf742ced6e8018e45d3f9f7728975b6b3e1085a24f3e2c056069d858bd1"),
    ("httpcore", "1.0.9", "2d400746a40668fc9dec9810239072b40b4484b640a8c38fd654a024c7a1bf55"),
    ("h11", "0.16.0", "63cf8bbe7522de3bf65932fda1d9c2772064ffb3dae62d55932da54b31cb6c86"),
    ("anyio", "4.16.0", "c66ae634e0b8228396b801741beb3294326d4b6102f7bba4041c0dfb58c29026"),
    ("sniffio", "1.3.1", "2f6da418d1f1e0fddd844478f41680e794e6051915791a034ff65e5f100525a2"),
    # anyio needs it below Python 3.15
    ("typing_extensions", "4.16.0", "481caa481374e813c1b176ada14e97f1f67a4539ce9cfeb3f350d78d6370c2e8"),
    # aiohttp
    ("aiohttp", "3.14.5", "efc21a454892828368b11c2c780de0ff8bc991f73f6b99c6b66e56205470929b"),
    ("multidict", "7.2.1", "08ea94663d9e7c25d14d78222f7aee906c472d4837766bec62477c38f6e419dc"),
    ("yarl", "1.25.1", "681c758b0490f9e96b78e5fa8e8dc6e648e9185bb6eaebe73183c33ea0c445f3"),
    ("frozenlist", "1.8.0", "0c18a16eab41e82c295618a77502e17b195883241c563b00f0aa5106fc4eaa0d"),
    ("propcache", "0.5.4", "62c60aec739ed00124573cce1178138fd690c7676352d67a37328c1cf51d7468"),
    ("aiosignal", "1.4.0", "053243f8b92b990551949e63930a839ff0cf0b0ebbe0597b0f3fb19e1a0fe82e"),
    ("aiohappyeyeballs", "2.7.1", "9243213661e29250eb41368e5daa826fc017156c3b8a11440826b2e3ed376472"),
    ("attrs", "26.1.0", "c647aa4a12dfbad9333ca4e71fe62ddc36f4e63b2d260a37a8b83d2f043ac309"),
    # pytest, which runs numpy's own tests inside the numpy guest flavour (test_numpy_suite.py)
    ("pytest", "9.2.0", "07acdcf88ec174f907dc01af70bf52d49b014bbab03faeeade31c96b18c2e588"),
    ("pluggy", "1.7.0", "7dd7b0d8832ba3cb632c306926ded123429211b83641b35dc5c41ad2d34f9bec"),
    ("iniconfig", "2.3.1", "9121e2c1fdb355232495be3194c8dfe87ccc2d5dee45947b78e68f499790d7a7"),
    ("packaging", "26.4", "81383611a09c1bc0b08b76e0fd5829d7c6824c65b27a6aee339da133f4233ea2"),
    ("pygments", "2.21.0", "2363c69b61c4a97c838da3b130dcd6468f4848992b21a82f2a63ec34377137d9"),
]

# The guest's Python: the pins are chosen for it, and pip selects wheels for it.
GUEST_PYTHON = "3.13"


class WheelError(RuntimeError):
    pass


def wheel_name(project, version):
    return f"{project}-{version}-py3-none-any.whl"


def pin_list_hash():
    text = "".join(f"{p} {v} {h}\n" for p, v, h in PINS)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def cache_dir():
    root = os.environ.get("ERYX_CACHE_ROOT") or os.path.expanduser("~/.cache/eryx")
    return os.path.join(root, f"test-wheels-{pin_list_hash()}")


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def log(msg):
    print(f"[fetch-test-wheels] {msg}", file=sys.stderr, flush=True)


def _download(missing, dest):
    """pip download of exactly these pins (no dependencies: the pin list is complete)."""
    with tempfile.TemporaryDirectory(prefix="eryx-wheels-") as tmp:
        req = os.path.join(tmp, "requirements.txt")
        with open(req, "w") as f:
            for project, version, digest in missing:
                f.write(f"{project}=={version} --hash=sha256:{digest}\n")
        out = os.path.join(tmp, "out")
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--require-hashes",
               "--only-binary=:all:", "--platform", "any", "--implementation", "py", "--abi", "none",
               "--python-version", GUEST_PYTHON, "--progress-bar", "on", "-d", out, "-r", req]
        log(f"downloading {len(missing)} wheel(s) with pip: " + ", ".join(f"{p}=={v}" for p, v, _ in missing))
        # pip's own progress goes to our stderr; its stdout too, so that --list stays clean.
        r = subprocess.run(cmd, stdout=sys.stderr, stderr=sys.stderr)
        if r.returncode:
            raise WheelError(f"pip download failed (exit {r.returncode}); see its output above")
        for project, version, digest in missing:
            name = wheel_name(project, version)
            got = os.path.join(out, name)
            if not os.path.isfile(got):
                raise WheelError(f"pip did not produce {name} (only {sorted(os.listdir(out))})")
            actual = sha256_of(got)
            if actual != digest:
                raise WheelError(f"{name}: sha256 {actual} does not match the pin {digest}")
            shutil.move(got, os.path.join(dest, name + ".part"))
            os.replace(os.path.join(dest, name + ".part"), os.path.join(dest, name))


def ensure_wheels():
    """Returns {project: wheel path}, every file verified against its pin (fetching what is missing)."""
    dest = cache_dir()
    os.makedirs(dest, exist_ok=True)
    paths, missing = {}, []
    for project, version, digest in PINS:
        path = os.path.join(dest, wheel_name(project, version))
        if os.path.isfile(path) and sha256_of(path) == digest:
            paths[project] = path
            continue
        if os.path.exists(path):
            log(f"{os.path.basename(path)} does not match its pin: fetching it again")
            os.remove(path)
        missing.append((project, version, digest))
    if missing:
        _download(missing, dest)
        for project, version, digest in missing:
            path = os.path.join(dest, wheel_name(project, version))
            if sha256_of(path) != digest:  # re-read from the cache, as the next use will
                raise WheelError(f"{path} changed after it was verified")
            paths[project] = path
        log(f"all {len(PINS)} wheels in {dest}")
    return paths


def main(argv):
    try:
        paths = ensure_wheels()
    except WheelError as e:
        log(f"error: {e}")
        return 1
    if "--list" in argv:
        for project, _, _ in PINS:
            print(paths[project])
    else:
        print(cache_dir())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
