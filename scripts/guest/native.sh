# Stage: native build CPython of the guest's version (cache entry cpython-native-*).
# Installed with --prefix = the final cache path, so bin/python3 and its scripts work from there.
# Used to cross-build CPython, to byte-compile the guest stdlib, and by benchmarks as
# "native CPython of the guest's version". No pip (python -m ensurepip / venv add it where wanted).
guest_key_native() {   # SRC_ENTRY
    cache_key "cpython-native" "$root/scripts/guest/native.sh" -- \
        "$ERYX_PYTHON_VERSION" "$(guest_src_id "$1")" "$(gcc --version | head -n 1)"
}
guest_stage_native() {   # SRC_ENTRY -> REPLY=entry path
    local src="$1" key final work
    key=$(guest_key_native "$src")
    if guest_lookup "$key"; then return 0; fi
    final="$ERYX_CACHE_ROOT/$key"
    guest_begin "$key"; work="$TMP/.work"
    guest_unpack "$src" "$work/src"
    mkdir -p "$work/build"
    run_logged "configuring native CPython $ERYX_PYTHON_VERSION (~1 min)" "$GUEST_LOG_DIR/native-configure.log" \
        sh -c "cd '$work/build' && ../src/configure --prefix='$final' --disable-test-modules --without-ensurepip"
    run_logged "building native CPython $ERYX_PYTHON_VERSION (~4-8 min on 2 cores)" "$GUEST_LOG_DIR/native-make.log" \
        make -C "$work/build" -j"$(nproc)"
    run_logged "installing native CPython" "$GUEST_LOG_DIR/native-install.log" \
        make -C "$work/build" install DESTDIR="$work/stage"
    (cd "$work/stage$final" && tar -cf - .) | (cd "$TMP" && tar -xf -)
    rm -rf "$work"
    # The entry's manifest is hashed on every run: keep it small. Only level-0 bytecode; no debug
    # info; one copy of libpython (the config dir's copy becomes a symlink).
    find "$TMP/lib" -name '*.opt-[12].pyc' -delete
    strip --strip-debug "$TMP/bin/python$ERYX_PYTHON_VERSION" "$TMP/lib/libpython$ERYX_PYTHON_VERSION.a" \
        "$TMP/lib/python$ERYX_PYTHON_VERSION"/lib-dynload/*.so
    local cfg; cfg=$(ls -d "$TMP/lib/python$ERYX_PYTHON_VERSION"/config-*)
    ln -sf "../../libpython$ERYX_PYTHON_VERSION.a" "$cfg/libpython$ERYX_PYTHON_VERSION.a"
    "$TMP/bin/python3" -I -c 'import sys; assert sys.version_info[:2] == tuple(map(int, sys.argv[1].split(".")))' \
        "$ERYX_PYTHON_VERSION" || die "native python does not run"
    cache_commit "$TMP" "$key"
    REPLY="$final"
}
