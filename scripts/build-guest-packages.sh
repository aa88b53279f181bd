#!/usr/bin/env bash
# Builds compiled Python packages for the guest, each into its own cache entry under
# ${ERYX_CACHE_ROOT:-~/.cache/eryx}, and prints one line per package on stdout: its entry (the
# layout cmake/GuestFlavour.cmake links into a guest flavour; see guest/native/collect_package.py).
#
#   scripts/build-guest-packages.sh GUEST_DEPS_DIR PACKAGE...
#
# GUEST_DEPS_DIR is what scripts/build-guest-deps.sh printed (the CPython the packages build
# against). PACKAGE names a recipe scripts/guest/pkg-PACKAGE.sh, which defines
# guest_key_pkg_PACKAGE and guest_stage_pkg_PACKAGE (SYSROOT_ENTRY NATIVE CPYTHON_WASM -> REPLY).
# All progress goes to stderr; a second run only checks the entries.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
. "$root/scripts/lib/cache.sh"
. "$root/guest/versions.env"
. "$root/scripts/guest/common.sh"
. "$root/scripts/guest/toolchain.sh"
. "$root/scripts/guest/packages.sh"

[ $# -ge 1 ] && [ -f "$1/guest-deps.cmake" ] || die "usage: $0 GUEST_DEPS_DIR PACKAGE... (GUEST_DEPS_DIR: from scripts/build-guest-deps.sh)"
deps_dir="$1"; shift
mkdir -p "$GUEST_LOG_DIR"
guest_check_tools
[ -d "$GUEST_PKG_CXX_INCLUDE" ] || die "wasm32 libc++ missing: apt-get install libc++-$LLVM_VERSION-dev-wasm32 libc++abi-$LLVM_VERSION-dev-wasm32"
command -v ninja >/dev/null || die "ninja is required (apt-get install ninja-build)"

# The entries the guest was built from: sysroot;native;clibs;cpython-wasm.
entries=$(sed -n 's/^set(ERYX_GUEST_CACHE_ENTRIES "\(.*\)")$/\1/p' "$deps_dir/guest-deps.cmake")
IFS=';' read -r sysroot_entry native clibs wasm <<< "$entries"
for e in "$sysroot_entry" "$native" "$wasm"; do
    [ -d "$e" ] || die "$e (named by $deps_dir/guest-deps.cmake) is missing: re-run scripts/build-guest-deps.sh"
done

for pkg in "$@"; do
    recipe="$root/scripts/guest/pkg-$pkg.sh"
    [ -f "$recipe" ] || die "no recipe for $pkg (expected $recipe)"
    . "$recipe"
    start=$SECONDS
    "guest_stage_pkg_$pkg" "$sysroot_entry" "$native" "$wasm"
    [ $((SECONDS - start)) -lt 2 ] || log "$pkg ready in $((SECONDS - start)) s"
    printf '%s\n' "$REPLY"
done
