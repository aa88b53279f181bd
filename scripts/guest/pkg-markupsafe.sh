# Recipe: markupsafe for the guest (cache entry markupsafe-wasm-*): its Python files and its C
# speed-ups, markupsafe._speedups, from the PyPI sdist. setup.py declares that one extension from
# src/markupsafe/_speedups.c with no options; it is compiled here directly with the cross wrappers
# (setuptools would need to run inside the guest's Python to cross-compile).
guest_key_pkg_markupsafe() {   # SYSROOT_ENTRY NATIVE CPYTHON_WASM
    cache_key "markupsafe-wasm" "$root/scripts/guest/pkg-markupsafe.sh" "$root/scripts/guest/packages.sh" \
        "$root/scripts/guest/toolchain.sh" "$root/guest/native/cross_link.py" \
        "$root/guest/native/collect_package.py" -- \
        "$MARKUPSAFE_VERSION" "$MARKUPSAFE_SDIST_SHA256" "$CYTHON_WHEEL_SHA256" "$(basename "$1")" \
        "$(basename "$3")" "$(guest_pkg_toolchain_id)"
}
guest_stage_pkg_markupsafe() {   # SYSROOT_ENTRY NATIVE CPYTHON_WASM -> REPLY=entry path
    local sysroot_entry="$1" native="$2" wasm="$3" key work sdist so v="$ERYX_PYTHON_VERSION"
    key=$(guest_key_pkg_markupsafe "$sysroot_entry" "$native" "$wasm")
    if guest_lookup "$key"; then return 0; fi
    guest_fetch_pinned "$MARKUPSAFE_SDIST_URL" "$MARKUPSAFE_SDIST_SHA256"; sdist=$REPLY
    guest_begin "$key"; work="$TMP/.work"
    mkdir -p "$work/src" "$work/build/markupsafe" "$work/site"
    tar -xzf "$sdist" -C "$work/src" --strip-components=1
    guest_pkg_env "$work" "$sysroot_entry" "$native" "$wasm"
    so="_speedups.cpython-${v//./}-wasm32-wasi.so"
    run_logged "compiling markupsafe $MARKUPSAFE_VERSION's speed-ups for wasm32-wasip1" \
        "$GUEST_LOG_DIR/markupsafe-build.log" sh -c "
            '$work/bin/wasi-cc' -O2 -DNDEBUG -I'$wasm/include/python$v' -c '$work/src/src/markupsafe/_speedups.c' \
                -o '$work/build/_speedups.o' &&
            '$work/bin/wasi-cc' -shared -o '$work/build/markupsafe/$so' '$work/build/_speedups.o'"
    cp -r "$work/src/src/markupsafe" "$work/site/"
    rm -f "$work/site/markupsafe/_speedups.c" "$work/site/markupsafe/_speedups.pyi"
    cp "$work/build/markupsafe/$so" "$work/site/markupsafe/"
    guest_pkg_finish "$work/site" "$work/build"
    printf 'markupsafe %s\n' "$MARKUPSAFE_VERSION" > "$TMP/VERSION"
    rm -rf "$work"
    cache_commit "$TMP" "$key"
    REPLY="$ERYX_CACHE_ROOT/$key"
}
