#!/usr/bin/env bash
# Fetches jsoncons (header-only; its jsonschema extension validates callback arguments) from Debian's
# binary package into the cache and prints the include directory. Bookworm does not package a C++
# JSON Schema validator; trixie's libjsoncons-dev is architecture-independent headers with no
# dependencies, so it is unpacked, not installed. Pinned by version and sha256.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
. "$root/scripts/lib/cache.sh"
. "$root/guest/versions.env"
. "$root/scripts/guest/common.sh"

JSONCONS_PACKAGE=libjsoncons-dev
JSONCONS_VERSION=1.3.2-1
JSONCONS_SUITE=trixie
JSONCONS_SHA256=17bed7e9a02838a1e64581d893a9089272e5f9e2f941a1ee4f348682a52768ab

key=$(cache_key jsoncons "$0" -- "$JSONCONS_PACKAGE" "$JSONCONS_VERSION" "$JSONCONS_SHA256")
if dir=$(cache_lookup "$key"); then echo "$dir/usr/include"; exit 0; fi

mkdir -p "$GUEST_LOG_DIR"
WASI_LIBC_SUITE=$JSONCONS_SUITE  # the private apt configuration's binary suite
guest_begin "$key"
guest_apt_init
mkdir -p "$TMP/.dl"
log "downloading $JSONCONS_PACKAGE=$JSONCONS_VERSION ($JSONCONS_SUITE)"
(cd "$TMP/.dl" && guest_apt download "$JSONCONS_PACKAGE=$JSONCONS_VERSION") >"$GUEST_LOG_DIR/jsoncons.log" 2>&1 \
    || { cat "$GUEST_LOG_DIR/jsoncons.log" >&2; die "could not download $JSONCONS_PACKAGE=$JSONCONS_VERSION"; }
deb=$(ls "$TMP/.dl"/*.deb)
got=$(sha256sum "$deb" | cut -d' ' -f1)
[ "$got" = "$JSONCONS_SHA256" ] || die "sha256 mismatch for $(basename "$deb"): got $got, pinned $JSONCONS_SHA256"
dpkg -x "$deb" "$TMP"
rm -rf "$TMP/.dl"
[ -f "$TMP/usr/include/jsoncons_ext/jsonschema/jsonschema.hpp" ] || die "unexpected layout of $JSONCONS_PACKAGE"
cache_commit "$TMP" "$key"
echo "$ERYX_CACHE_ROOT/$key/usr/include"
