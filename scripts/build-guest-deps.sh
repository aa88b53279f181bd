#!/usr/bin/env bash
# Builds every heavy, cacheable input of the eryx guest (CPython for wasm32-wasip1 and what it needs),
# each into its own cache entry under ${ERYX_CACHE_ROOT:-~/.cache/eryx}, and prints ONE line on stdout:
# the directory holding guest-deps.cmake (pass it as -DERYX_GUEST_DEPS_DIR=... to CMake).
# All progress goes to stderr. A second run only checks the entries' manifests. See docs/guest.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
. "$root/scripts/lib/cache.sh"
. "$root/guest/versions.env"
. "$root/scripts/guest/common.sh"
. "$root/scripts/guest/toolchain.sh"
. "$root/scripts/guest/sysroot.sh"
. "$root/scripts/guest/sources.sh"
. "$root/scripts/guest/native.sh"
. "$root/scripts/guest/clibs.sh"
. "$root/scripts/guest/cpython-wasm.sh"
. "$root/scripts/guest/deps.sh"

mkdir -p "$GUEST_LOG_DIR"
guest_check_tools

# Validate every entry this run would use, in parallel (see guest_prefetch in scripts/guest/common.sh).
c="$ERYX_CACHE_ROOT"
k_sys=$(guest_key_sysroot)
k_py=$(guest_key_source "$PYTHON_SRC_PACKAGE" "$PYTHON_SRC_CANDIDATES")
k_z=$(guest_key_source "$ZLIB_SRC_PACKAGE" "$ZLIB_SRC_CANDIDATES")
k_bz=$(guest_key_source "$BZIP2_SRC_PACKAGE" "$BZIP2_SRC_CANDIDATES")
k_xz=$(guest_key_source "$XZ_SRC_PACKAGE" "$XZ_SRC_CANDIDATES")
k_sq=""; p_sq=""
if [ -n "${SQLITE_SRC_CANDIDATES//[[:space:]]/}" ]; then
    k_sq=$(guest_key_source "$SQLITE_SRC_PACKAGE" "$SQLITE_SRC_CANDIDATES"); p_sq="$c/$k_sq"
fi
k_nat=""; k_cl=""; k_wasm=""; k_deps=""
if guest_has_src "$c/$k_py" && guest_has_src "$c/$k_z" && guest_has_src "$c/$k_bz" \
   && guest_has_src "$c/$k_xz" && { [ -z "$k_sq" ] || guest_has_src "$p_sq"; }; then
    k_nat=$(guest_key_native "$c/$k_py")
    k_cl=$(guest_key_clibs "$c/$k_sys" "$c/$k_z" "$c/$k_bz" "$c/$k_xz" "$p_sq")
    k_wasm=$(guest_key_cpython_wasm "$c/$k_sys" "$c/$k_py" "$c/$k_cl")
    k_deps=$(guest_key_deps "$c/$k_sys" "$c/$k_nat" "$c/$k_cl" "$c/$k_wasm")
fi
guest_prefetch "$k_sys" "$k_py" "$k_z" "$k_bz" "$k_xz" "$k_sq" "$k_nat" "$k_cl" "$k_wasm" "$k_deps"

# Each stage returns its cache entry's path in REPLY (stages run in this shell, not in $(...)).
guest_stage_sysroot;                                                  sysroot_entry=$REPLY
guest_stage_source "$PYTHON_SRC_PACKAGE" "$PYTHON_SRC_CANDIDATES";   py_src=$REPLY
guest_stage_source "$ZLIB_SRC_PACKAGE" "$ZLIB_SRC_CANDIDATES";       zlib_src=$REPLY
guest_stage_source "$BZIP2_SRC_PACKAGE" "$BZIP2_SRC_CANDIDATES";     bzip2_src=$REPLY
guest_stage_source "$XZ_SRC_PACKAGE" "$XZ_SRC_CANDIDATES";           xz_src=$REPLY
sqlite_src=""   # SQLite is optional: empty SQLITE_SRC_CANDIDATES leaves _sqlite3 out of the guest
if [ -n "${SQLITE_SRC_CANDIDATES//[[:space:]]/}" ]; then
    guest_stage_source "$SQLITE_SRC_PACKAGE" "$SQLITE_SRC_CANDIDATES"; sqlite_src=$REPLY
fi
guest_stage_native "$py_src";                                         native=$REPLY
guest_stage_clibs "$sysroot_entry" "$zlib_src" "$bzip2_src" "$xz_src" "$sqlite_src"; clibs=$REPLY
guest_stage_cpython_wasm "$sysroot_entry" "$py_src" "$native" "$clibs"; wasm=$REPLY
guest_stage_deps "$sysroot_entry" "$native" "$clibs" "$wasm";       deps=$REPLY
printf '%s\n' "$deps"
