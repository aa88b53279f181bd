"""Writes the extension-module status of a CPython build as JSON (run by the build's PYTHON_FOR_BUILD
from the build directory, through `make`, so sysconfig describes the target; see cpython-wasm.sh).

usage: modstatus.py <srcdir>/Tools/build/check_extension_modules.py <build>/Modules/config.c OUT.json
"""
import importlib.util
import json
import re
import sys

checker_path, config_c, out = sys.argv[1:4]
spec = importlib.util.spec_from_file_location("check_extension_modules", checker_path)
mod = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = mod
spec.loader.exec_module(mod)

checker = mod.ModuleChecker(cross_compiling=True, strict=False)
checker.check()


def names(infos):
    return sorted((i.name for i in infos), key=str.lower)


# Every entry of the static import table (_PyImport_Inittab) of the target build: the modules
# compiled into libpython (core ones such as posix, _io, sys-level helpers included).
with open(config_c, encoding="utf-8") as f:
    inittab = sorted(set(re.findall(r'^\s*\{"([A-Za-z0-9_.]+)",\s*PyInit_', f.read(), re.M)), key=str.lower)

status = {
    "platform": checker.platform,
    "inittab": inittab,
    "builtin": names(checker.builtin_ok),
    "shared": names(checker.shared_ok),
    "disabled_configure": names(checker.disabled_configure),
    "disabled_setup": names(checker.disabled_setup),
    "not_available": names(checker.notavailable),
    "missing": names(checker.missing),
    "failed_on_import": names(checker.failed_on_import),
}
with open(out, "w", encoding="utf-8") as f:
    json.dump(status, f, indent=1, sort_keys=True)
    f.write("\n")
