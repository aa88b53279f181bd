# Stage: CPython cross-built for wasm32-wasip1 (cache entry cpython-wasm-*). Holds:
#   lib/libpython<V>.a, lib/libmpdec.a, lib/libHacl_*.a, lib/libexpat.a (every static library of the build)
#   include/python<V>/            headers incl. pyconfig.h
#   lib/python<V>/                installed pure-Python stdlib (no tests, no __pycache__), with the
#                                 build's _sysconfigdata_*.py
#   modules.json                  extension-module status of the build (inittab, built, missing, n/a, ...)
#   builtin-modules.txt           the static import table (_PyImport_Inittab), one name a line
#   link-info.env                 the build's LIBS / MODLIBS / SYSLIBS / LINKFORSHARED / LDFLAGS_NODIST
# zlib, bz2, lzma (and _sqlite3 when the SQLite pin is set) are built in statically from the guest-clibs
# entry.
# The native build Python is not in the key: only its version matters to the cross build (frozen
# modules, generated files), and that is the source identity. Re-stripping or re-packaging the
# native entry must not rebuild this one.
guest_key_cpython_wasm() {   # SYSROOT_ENTRY PY_SRC CLIBS
    cache_key "cpython-wasm" "$root/scripts/guest/cpython-wasm.sh" "$root/scripts/guest/toolchain.sh" \
        "$root/scripts/guest/modstatus.py" -- \
        "$ERYX_PYTHON_VERSION" "$(guest_src_id "$2")" "$PYTHON_CONFIG_SITE" "$PYTHON_WASM_OPT" \
        "$(basename "$1")" "$(basename "$3")" "$(guest_toolchain_id)"
}
guest_stage_cpython_wasm() {   # SYSROOT_ENTRY PY_SRC NATIVE CLIBS -> REPLY=entry path
    local sysroot_entry="$1" src="$2" native="$3" clibs="$4" key work b v="$ERYX_PYTHON_VERSION" f
    key=$(guest_key_cpython_wasm "$sysroot_entry" "$src" "$clibs")
    if guest_lookup "$key"; then return 0; fi
    guest_begin "$key"; work="$TMP/.work"; b="$work/build"
    guest_cross_env "$sysroot_entry"
    guest_unpack "$src" "$work/src"
    [ -f "$work/src/$PYTHON_CONFIG_SITE" ] || die "no $PYTHON_CONFIG_SITE in the CPython source (see PYTHON_CONFIG_SITE in guest/versions.env)"
    touch "$work/src/Modules/Setup.local"
    mkdir -p "$b"

    local -a cenv=(
        CONFIG_SITE="$work/src/$PYTHON_CONFIG_SITE"
        CC="$GUEST_CC" CPP="$GUEST_CPP" CXX="$GUEST_CXX" AR="$GUEST_AR" RANLIB="$GUEST_RANLIB"
        PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR="$GUEST_SYSROOT/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$GUEST_SYSROOT"
        OPT="$PYTHON_WASM_OPT"
        ZLIB_CFLAGS="-I$clibs/include" ZLIB_LIBS="-L$clibs/lib -lz"
        BZIP2_CFLAGS="-I$clibs/include" BZIP2_LIBS="-L$clibs/lib -lbz2"
        LIBLZMA_CFLAGS="-I$clibs/include" LIBLZMA_LIBS="-L$clibs/lib -llzma"
    )
    if [ -f "$clibs/lib/libsqlite3.a" ]; then
        cenv+=(LIBSQLITE3_CFLAGS="-I$clibs/include" LIBSQLITE3_LIBS="-L$clibs/lib -lsqlite3 -lm")
    fi
    # A RELATIVE path to configure (the verified recipe); build-python = the native entry.
    # --with-pymalloc: CPython's configure turns its small-object allocator off for WASI, so every
    # object went through wasi-libc's dlmalloc (~40% of the method-call kernel's profile). Without
    # mmap on WASI, pymalloc takes its 256 KiB arenas from malloc. Compute kernels of
    # bench/python/compare_peers.py, geomean ratio to native: 2.41x -> 2.23x.
    run_logged "configuring CPython $v for wasm32-wasip1 (~3-5 min)" "$GUEST_LOG_DIR/wasm-configure.log" \
        env -C "$b" "${cenv[@]}" ../src/configure \
            --host=wasm32-wasip1 --build="$("$work/src/config.guess")" \
            --with-build-python="$native/bin/python$v" \
            --prefix=/usr/local --disable-test-modules --with-pymalloc
    run_logged "building CPython $v for wasm32-wasip1 (~2-3 min)" "$GUEST_LOG_DIR/wasm-make.log" \
        make -C "$b" -j"$(nproc)" all
    run_logged "installing CPython $v (wasm) into the entry" "$GUEST_LOG_DIR/wasm-install.log" \
        make -C "$b" install DESTDIR="$work/inst"

    # Module status and link information, computed by the build's own Makefile/tools.
    printf 'eryx-modstatus:\n\t$(RUNSHARED) $(PYTHON_FOR_BUILD) %s $(srcdir)/Tools/build/check_extension_modules.py Modules/config.c %s\n' \
        "$root/scripts/guest/modstatus.py" "$TMP/modules.json" > "$work/eryx.mk"
    printf 'eryx-linkinfo:\n\t@printf "%%s\\n" "LIBS=$(LIBS)" "MODLIBS=$(MODLIBS)" "SYSLIBS=$(SYSLIBS)" "LINKFORSHARED=$(LINKFORSHARED)" "LDFLAGS_NODIST=$(LDFLAGS_NODIST)" "LDLIBRARY=$(LDLIBRARY)"\n' \
        >> "$work/eryx.mk"
    run_logged "collecting the module status" "$GUEST_LOG_DIR/wasm-modstatus.log" \
        make -C "$b" -f Makefile -f "$work/eryx.mk" eryx-modstatus
    make -s -C "$b" -f Makefile -f "$work/eryx.mk" eryx-linkinfo > "$TMP/link-info.env"
    "$native/bin/python$v" -I -c 'import json,sys; [print(n) for n in json.load(open(sys.argv[1]))["inittab"]]' \
        "$TMP/modules.json" > "$TMP/builtin-modules.txt"

    # Static libraries (libpython + the bundled libmpdec/HACL/expat), headers, stdlib. (python.wasm,
    # the command build, is left out: every run hashes this entry, keep it lean.)
    mkdir -p "$TMP/lib" "$TMP/include"
    cp "$b/libpython$v.a" "$TMP/lib/"
    while IFS= read -r f; do
        [ -e "$TMP/lib/$(basename "$f")" ] && die "two static libraries named $(basename "$f")"
        cp "$f" "$TMP/lib/"
    done < <(find "$b/Modules" -name '*.a' | sort)
    cp -a "$work/inst/usr/local/include/python$v" "$TMP/include/"
    cp -a "$work/inst/usr/local/lib/python$v" "$TMP/lib/"
    find "$TMP/lib/python$v" -name __pycache__ -type d -prune -exec rm -rf {} +
    rm -rf "$TMP/lib/python$v"/config-*      # a second copy of libpython + build files
    ls "$TMP/lib/python$v"/_sysconfigdata_*.py >/dev/null || die "no _sysconfigdata_*.py installed"
    rm -rf "$work"
    cache_commit "$TMP" "$key"
    REPLY="$ERYX_CACHE_ROOT/$key"
}
