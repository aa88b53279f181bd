# Stage: WASI sysroot = trixie's binary wasi-libc .deb, unpacked (cache entry wasi-sysroot-*).
# The sysroot is <entry>/usr (lib/wasm32-wasi, include/wasm32-wasi, wasm32-wasip1 symlinks).
guest_key_sysroot() {
    cache_key "wasi-sysroot" "$root/scripts/guest/sysroot.sh" "$root/scripts/guest/common.sh" -- \
        "$WASI_LIBC_PACKAGE" "$WASI_LIBC_VERSION" "$WASI_LIBC_SUITE" "$WASI_LIBC_SHA256"
}
guest_stage_sysroot() {   # -> REPLY=entry path
    local key deb got
    key=$(guest_key_sysroot)
    if guest_lookup "$key"; then return 0; fi
    guest_begin "$key"
    guest_apt_init
    mkdir -p "$TMP/.dl"
    log "downloading $WASI_LIBC_PACKAGE=$WASI_LIBC_VERSION ($WASI_LIBC_SUITE)"
    (cd "$TMP/.dl" && guest_apt download "$WASI_LIBC_PACKAGE=$WASI_LIBC_VERSION") >"$GUEST_LOG_DIR/wasi-libc.log" 2>&1 \
        || { cat "$GUEST_LOG_DIR/wasi-libc.log" >&2; die "could not download $WASI_LIBC_PACKAGE=$WASI_LIBC_VERSION"; }
    deb=$(ls "$TMP/.dl"/*.deb)
    got=$(sha256sum "$deb" | cut -d' ' -f1)
    [ "$got" = "$WASI_LIBC_SHA256" ] || die "sha256 mismatch for $(basename "$deb"): got $got, pinned $WASI_LIBC_SHA256"
    dpkg -x "$deb" "$TMP"
    rm -rf "$TMP/.dl"
    [ -f "$TMP/usr/lib/wasm32-wasi/libc.a" ] && [ -f "$TMP/usr/lib/wasm32-wasi/crt1-reactor.o" ] \
        || die "unexpected layout of $WASI_LIBC_PACKAGE (no usr/lib/wasm32-wasi/libc.a)"
    cache_commit "$TMP" "$key"
    REPLY="$ERYX_CACHE_ROOT/$key"
}
