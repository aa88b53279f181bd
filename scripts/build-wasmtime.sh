#!/usr/bin/env bash
# Builds Wasmtime's C API (static library + headers) from crates.io into the cache.
# Prints the cache entry's path (lib/libwasmtime.a, include/wasmtime.hh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
. "$root/scripts/lib/cache.sh"
crate="$root/third_party/wasmtime"

command -v cargo >/dev/null || die "cargo is required (rustup or Debian's cargo)"
command -v cmake >/dev/null || die "cmake must be on PATH for wasmtime-c-api-impl's build script"

key=$(cache_key wasmtime "$crate/Cargo.toml" "$crate/Cargo.lock" "$crate/build.rs" "$crate/src/lib.rs" \
      "$0" -- "$(rustc --version)")
if dir=$(cache_lookup "$key"); then echo "$dir"; exit 0; fi

tmp=$(cache_begin "$key")
target="$ERYX_CACHE_ROOT/tmp/wasmtime-target"   # kept between attempts so a retry is incremental
mkdir -p "$tmp/lib" "$tmp/include"
run_logged "building Wasmtime C API (cargo, ~10-15 min on 2 cores)" "$ERYX_CACHE_ROOT/tmp/wasmtime-build.log" \
    env ERYX_WASMTIME_INCLUDE_OUT="$tmp/include" CARGO_TARGET_DIR="$target" \
    cargo build --release --locked --manifest-path "$crate/Cargo.toml"
cp "$target/release/libwasmtime.a" "$tmp/lib/"
[ -f "$tmp/include/wasmtime.hh" ] || die "wasmtime.hh missing from the crate's headers"
cache_commit "$tmp" "$key"
rm -rf "$target"
echo "$ERYX_CACHE_ROOT/$key"
