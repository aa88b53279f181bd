"""Packs the guest's stdlib zip (python3XY.zip) deterministically.

Run with the NATIVE build Python of the guest's exact version (same bytecode magic):

    python3.13 pack_stdlib.py --stdlib <cpython-wasm entry>/lib/python3.13 \
        --archive-path /usr/local/lib/python313.zip --out python313.zip [--no-sources] [--stored]

- Pruned: see PRUNE_TOP / PRUNE_ANY below (tests, GUI, packaging tools that cannot work in WASI).
- Every .py is byte-compiled (optimization level 0) to an *unchecked-hash* .pyc stored next to it
  (zipimport looks for <name>.pyc beside <name>.py, not in __pycache__); unchecked hash pycs are never
  compared with the sources' zip timestamps, so the result does not depend on mtimes.
- co_filename is the guest path (<archive-path>/<rel>.py), which is also the module's __file__, so
  tracebacks point at the file zipimport's get_source() serves (with sources kept).
- Entries are sorted, have fixed timestamps (1980-01-01) and fixed permissions, directory entries
  included; the zip is byte-for-byte reproducible for the same inputs.
"""
import argparse
import importlib.util
import os
import re
import sys
import zipfile

# Top-level names (directories or modules) left out of the guest.
PRUNE_TOP = {
    "test",          # CPython's test suite (not installed with --disable-test-modules anyway)
    "idlelib",       # IDE (needs tkinter)
    "tkinter",       # no Tk in WASI
    "turtle.py",     # needs tkinter
    "turtledemo",
    "ensurepip",     # installs pip via subprocess: no processes in WASI
    "venv",          # creates environments via subprocess/ensurepip: cannot work in the guest
    "lib2to3",       # removed in 3.13; kept here for older/newer layouts
    "site-packages", # the guest's packages come from eryx's own image
    "__pycache__",
    "LICENSE.txt",
}
# Directory names pruned at any depth.
PRUNE_ANY = {"__pycache__", "test", "tests", "idle_test"}
# Files never packed.
PRUNE_SUFFIXES = (".pyc", ".pyo", ".exe", ".dll", ".a", ".o")

FIXED_DATE = (1980, 1, 1, 0, 0, 0)


def wanted(rel_parts):
    if rel_parts[0] in PRUNE_TOP or rel_parts[0].startswith("config-"):
        return False
    if any(p in PRUNE_ANY for p in rel_parts[:-1]):
        return False
    return not rel_parts[-1].endswith(PRUNE_SUFFIXES)


def compile_pyc(source: bytes, guest_filename: str) -> bytes:
    code = compile(source, guest_filename, "exec", dont_inherit=True, optimize=0)
    source_hash = importlib.util.source_hash(source)
    from importlib._bootstrap_external import _code_to_hash_pyc

    return bytes(_code_to_hash_pyc(code, source_hash, checked=False))


def add(zf, name, data, compress, is_dir=False):
    zi = zipfile.ZipInfo(name, date_time=FIXED_DATE)
    zi.create_system = 3  # unix
    if is_dir:
        zi.external_attr = (0o40755 << 16) | 0x10
        zi.compress_type = zipfile.ZIP_STORED
    else:
        zi.external_attr = 0o100644 << 16
        zi.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    zf.writestr(zi, data, compresslevel=9 if compress and not is_dir else None)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stdlib", required=True)
    ap.add_argument("--archive-path", required=True, help="the zip's path inside the guest")
    ap.add_argument("--out", required=True)
    ap.add_argument("--no-sources", action="store_true", help="pack .pyc only (smaller, no source lines in tracebacks)")
    ap.add_argument("--stored", action="store_true", help="do not deflate entries")
    ap.add_argument("--list", help="also write the sorted list of packed modules here")
    ap.add_argument("--wheel", action="append", default=[],
                    help="also pack this pure-Python wheel's files (e.g. tzdata); repeatable")
    args = ap.parse_args()

    m = re.search(r"python(\d+)\.zip$", args.archive_path)
    if not m or m.group(1) != f"{sys.version_info[0]}{sys.version_info[1]}":
        sys.exit(f"pack_stdlib: {args.archive_path} does not match this interpreter "
                 f"({sys.version_info[0]}.{sys.version_info[1]}): run it with the native build Python")

    stdlib = os.path.abspath(args.stdlib)
    files = []
    for dirpath, dirnames, filenames in os.walk(stdlib):
        rel_dir = os.path.relpath(dirpath, stdlib)
        parts = () if rel_dir == "." else tuple(rel_dir.split(os.sep))
        dirnames[:] = sorted(d for d in dirnames if wanted(parts + (d, "x")))
        for fn in filenames:
            if wanted(parts + (fn,)):
                files.append("/".join(parts + (fn,)))
    files.sort()

    sources = []  # (name in the zip, bytes)
    for rel in files:
        with open(os.path.join(stdlib, rel), "rb") as f:
            sources.append((rel, f.read()))
    for wheel in args.wheel:
        with zipfile.ZipFile(wheel) as wz:
            for info in sorted(wz.infolist(), key=lambda i: i.filename):
                if info.is_dir() or info.filename.endswith(PRUNE_SUFFIXES):
                    continue
                if any(name == info.filename for name, _ in sources):
                    sys.exit(f"pack_stdlib: {wheel}: {info.filename} is already in the stdlib")
                sources.append((info.filename, wz.read(info)))

    entries = {}  # name -> bytes (None for directories)
    modules = []
    for rel, data in sources:
        if rel.endswith(".py"):
            entries[rel + "c"] = compile_pyc(data, f"{args.archive_path}/{rel}")
            if not args.no_sources:
                entries[rel] = data
            mod = rel[:-3].replace("/", ".")
            modules.append(mod[: -len(".__init__")] if mod.endswith(".__init__") else mod)
        else:
            entries[rel] = data
    for name in list(entries):
        parts = name.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            entries.setdefault("/".join(parts[:i]) + "/", None)

    tmp = args.out + ".tmp"
    with zipfile.ZipFile(tmp, "w") as zf:
        for name in sorted(entries):
            data = entries[name]
            add(zf, name, b"" if data is None else data, not args.stored, is_dir=data is None)
    os.replace(tmp, args.out)
    if args.list:
        with open(args.list, "w") as f:
            f.write("\n".join(sorted(modules)) + "\n")
    n_py = sum(1 for n in entries if n.endswith(".pyc"))
    print(f"pack_stdlib: {args.out}: {n_py} modules, {os.path.getsize(args.out)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
