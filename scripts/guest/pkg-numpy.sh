# Recipe: numpy for the guest (cache entry numpy-wasm-*), from its PyPI sdist with numpy's vendored
# meson, guest/patches/numpy/*.patch and the cross file of scripts/guest/packages.sh.
# WASI has no threads, no signals and no runtime CPU detection: build options turn those parts off
# (threading, SIMD dispatch, SVML, Highway, x86-simd-sort); no BLAS/LAPACK (numpy's bundled
# lapack_lite). Entry layout: guest/native/collect_package.py.
guest_key_pkg_numpy() {   # SYSROOT_ENTRY NATIVE CPYTHON_WASM
    cache_key "numpy-wasm" "$root/scripts/guest/pkg-numpy.sh" "$root/scripts/guest/packages.sh" \
        "$root/scripts/guest/toolchain.sh" "$root/guest/native/cross_link.py" \
        "$root/guest/native/collect_package.py" \
        "$root"/guest/patches/numpy/*.patch -- \
        "$NUMPY_VERSION" "$NUMPY_SDIST_SHA256" "$CYTHON_WHEEL_SHA256" "$(basename "$1")" \
        "$(basename "$3")" "$(guest_pkg_toolchain_id)"
}
guest_stage_pkg_numpy() {   # SYSROOT_ENTRY NATIVE CPYTHON_WASM -> REPLY=entry path
    local sysroot_entry="$1" native="$2" wasm="$3" key work sdist
    key=$(guest_key_pkg_numpy "$sysroot_entry" "$native" "$wasm")
    if guest_lookup "$key"; then return 0; fi
    guest_fetch_pinned "$NUMPY_SDIST_URL" "$NUMPY_SDIST_SHA256"; sdist=$REPLY
    guest_begin "$key"; work="$TMP/.work"
    mkdir -p "$work/src"
    tar -xzf "$sdist" -C "$work/src" --strip-components=1
    guest_pkg_apply_patches "$work/src" "$root/guest/patches/numpy"
    guest_pkg_env "$work" "$sysroot_entry" "$native" "$wasm"
    run_logged "configuring numpy $NUMPY_VERSION for wasm32-wasip1 (~20 s)" "$GUEST_LOG_DIR/numpy-configure.log" \
        env PATH="$GUEST_PKG_PATH" python3 "$work/src/vendored-meson/meson/meson.py" setup "$work/build" "$work/src" \
            --cross-file "$work/cross.ini" --prefix=/ --buildtype=release -Db_ndebug=if-release \
            -Dpython.purelibdir=/site -Dpython.platlibdir=/site \
            -Dblas=none -Dlapack=none -Dallow-noblas=true -Ddisable-threading=true \
            -Dcpu-baseline=none -Dcpu-dispatch=none -Ddisable-svml=true -Ddisable-highway=true \
            -Ddisable-intel-sort=true
    run_logged "building numpy $NUMPY_VERSION for wasm32-wasip1 (2-8 min on 2 cores)" "$GUEST_LOG_DIR/numpy-build.log" \
        env PATH="$GUEST_PKG_PATH" ninja -C "$work/build" -j"$(nproc)"
    run_logged "installing numpy into the entry" "$GUEST_LOG_DIR/numpy-install.log" \
        env PATH="$GUEST_PKG_PATH" python3 "$work/src/vendored-meson/meson/meson.py" install -C "$work/build" \
            --no-rebuild --destdir "$work/inst"
    guest_pkg_finish "$work/inst/site" "$work/build"
    # long double formatting (numpy parses and prints long doubles) and libc++ (pocketfft, sorting).
    printf '%s\n' "-L$GUEST_PKG_CXX_LIBDIR" -lc++ -lc++abi -lc-printscan-long-double >> "$TMP/link.txt"
    printf 'numpy %s\n' "$NUMPY_VERSION" > "$TMP/VERSION"
    rm -rf "$work"
    cache_commit "$TMP" "$key"
    REPLY="$ERYX_CACHE_ROOT/$key"
}
