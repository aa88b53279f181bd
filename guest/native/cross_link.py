#!/usr/bin/env python3
"""Stands in for the linker when a package's build links an extension module (-shared).

wasm32-wasip1 has no shared libraries the eryx guest can load: each extension module is linked
statically into a guest flavour instead (docs/architecture.md, "Native packages"). So a -shared
link writes the module's own objects into an ordinary archive at the output path and records the
libraries it was linked with, in order, in <output>.link (one a line: archive paths, -l and -L
flags). Meson's internal libraries are thin archives; collect_package.py turns them into ordinary
ones when it gathers the entry.
"""
import os
import subprocess
import sys


def main(argv):
    ar = os.environ["ERYX_CROSS_AR"]
    out = None
    objects, libs = [], []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "-o":
            out = argv[i + 1]
            i += 2
            continue
        if a.startswith("@"):  # response file
            with open(a[1:]) as f:
                argv[i + 1:i + 1] = f.read().split()
        elif a.endswith((".o", ".obj")):
            objects.append(os.path.abspath(a))
        elif a.endswith(".a"):
            libs.append(os.path.abspath(a))
        elif a.startswith(("-l", "-L")) and not a.startswith("-Wl"):
            libs.append(a)
        i += 1
    if out is None:
        sys.exit("cross_link: no -o")
    if os.path.exists(out):
        os.remove(out)
    subprocess.run([ar, "rcs", out] + objects, check=True)
    with open(out + ".link", "w") as f:
        f.write("".join(l + "\n" for l in libs))


if __name__ == "__main__":
    main(sys.argv[1:])
