#!/usr/bin/env python3
"""Gathers a cross-built package into its cache entry (the layout cmake/GuestFlavour.cmake links).

  collect_package.py --site SITE --build BUILD --ar AR --out ENTRY

SITE is the package's installed tree (site-packages), where each extension module is an archive
made by cross_link.py; BUILD is the build directory holding <module>.link next to each. Writes:
  ENTRY/lib/*.a         the modules' archives and the libraries they were linked with (thin
                        archives made ordinary: the entry must not point into a build directory)
  ENTRY/modules.txt     "<dotted module name> <PyInit function>", one a line (the inittab)
  ENTRY/link.txt        the link inputs in order: lib/<file>.a (relative to ENTRY), then -l/-L flags
  ENTRY/python.zip      the package's Python files (stored; packed into the flavour's stdlib zip)
  ENTRY/tests.zip       its test packages (*/tests/*), loadable as an eryx package for its own tests
"""
import argparse
import os
import re
import subprocess
import sys
import zipfile

EXT = re.compile(r"^(?P<name>[A-Za-z0-9_]+)\.cpython-\d+-wasm32-wasi\.so$")


def ordinary_archive(ar, src, dst):
    with open(src, "rb") as f:
        thin = f.read(8) == b"!<thin>\n"
    if not thin:
        subprocess.run(["cp", src, dst], check=True)
        return
    members = subprocess.run([ar, "t", src], check=True, capture_output=True, text=True).stdout.split()
    base = os.path.dirname(src)
    paths = [m if os.path.isabs(m) else os.path.join(base, m) for m in members]
    subprocess.run([ar, "rcs", dst] + paths, check=True)


def zip_tree(root, files, out):
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for rel in sorted(files):
            info = zipfile.ZipInfo(rel, date_time=(1980, 1, 1, 0, 0, 0))
            with open(os.path.join(root, rel), "rb") as f:
                z.writestr(info, f.read())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--site", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--ar", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    lib = os.path.join(args.out, "lib")
    os.makedirs(lib, exist_ok=True)

    modules, module_libs, deps, flags = [], [], [], []
    python_files, test_files = [], []
    for d, dirs, files in os.walk(args.site):
        dirs[:] = sorted(x for x in dirs if x != "__pycache__")
        for fn in sorted(files):
            rel = os.path.relpath(os.path.join(d, fn), args.site)
            m = EXT.match(fn)
            if m:
                dotted = ".".join(os.path.dirname(rel).split(os.sep) + [m["name"]])
                archive = f"lib/{dotted}.a"
                ordinary_archive(args.ar, os.path.join(d, fn), os.path.join(args.out, archive))
                modules.append(f"{dotted} PyInit_{m['name']}")
                module_libs.append(archive)
                link = os.path.join(args.build, rel + ".link")
                if not os.path.exists(link):
                    sys.exit(f"collect_package: {link} missing (not linked by cross_link.py?)")
                for item in open(link).read().split():
                    if item.startswith("-"):
                        if item not in flags:
                            flags.append(item)
                    elif item not in deps:
                        deps.append(item)
            elif fn.endswith(".so"):
                sys.exit(f"collect_package: {rel} is not a wasm32-wasi extension module")
            elif f"{os.sep}tests{os.sep}" in f"{os.sep}{rel}":
                test_files.append(rel)
            else:
                python_files.append(rel)
    dep_libs = []
    for path in deps:
        rel = os.path.relpath(path, args.build).replace(os.sep, "_")
        archive = f"lib/{rel}"
        ordinary_archive(args.ar, path, os.path.join(args.out, archive))
        dep_libs.append(archive)
    with open(os.path.join(args.out, "modules.txt"), "w") as f:
        f.write("".join(m + "\n" for m in sorted(modules)))
    with open(os.path.join(args.out, "link.txt"), "w") as f:
        f.write("".join(x + "\n" for x in module_libs + dep_libs + flags))
    zip_tree(args.site, python_files, os.path.join(args.out, "python.zip"))
    if test_files:
        zip_tree(args.site, test_files, os.path.join(args.out, "tests.zip"))
    print(f"{len(modules)} extension modules, {len(dep_libs)} libraries, "
          f"{len(python_files)} Python files, {len(test_files)} test files")


if __name__ == "__main__":
    main()
