#!/usr/bin/env bash
# Compiles guest/glue/eryx_glue.c natively against the native build Python (same version as the guest)
# and runs guest/tests/glue_native_test.c with the packed stdlib zip. Usage:
#   guest/tests/run-glue-native-test.sh <guest-deps dir> <python3XY.zip>
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
deps="$1"; zip="$(realpath "$2")"
native=$(sed -n 's/^set(ERYX_NATIVE_PYTHON_PREFIX "\(.*\)")$/\1/p' "$deps/guest-deps.cmake")
ver=$(sed -n 's/^set(ERYX_PYTHON_VERSION "\(.*\)")$/\1/p' "$deps/guest-deps.cmake")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cc=${CC:-clang-19}
"$cc" -O1 -g -Wall -Wno-unknown-attributes -I"$native/include/python$ver" \
    -DERYX_STDLIB_ZIP="L\"$zip\"" -DERYX_TEST_EXTRA_SEARCH_PATH="L\"$native/lib/python$ver/lib-dynload\"" \
    "$here/../glue/eryx_glue.c" "$here/glue_native_test.c" \
    $("$native/bin/python$ver-config" --ldflags --embed) -lpthread -lutil -Wl,-E -o "$out/glue-test"
"$out/glue-test"
