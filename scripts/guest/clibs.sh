# Stage: C libraries of the stdlib cross-compiled for wasm32-wasip1 (cache entry guest-clibs-*):
# lib/libz.a + include/{zlib,zconf}.h, lib/libbz2.a + include/bzlib.h, lib/liblzma.a + include/lzma{.h,/},
# and (when pinned) lib/libsqlite3.a + include/sqlite3.h.
# Built without -fPIC (static reactor link; PIC objects would pull GOT globals into the module).

# SQLite's compile-time options for the guest: no threads, no extension loading, SQLite's own WASI
# port (SQLITE_WASI: no WAL/shared memory, "unix-dotfile" locking, no fchown/fchmod).
GUEST_SQLITE_DEFINES="-DSQLITE_WASI -DSQLITE_THREADSAFE=0 -DSQLITE_OMIT_LOAD_EXTENSION \
-DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_MATH_FUNCTIONS"
GUEST_CLIBS_CFLAGS="-O2 -g0 -DNDEBUG"

guest_key_clibs() {   # SYSROOT_ENTRY ZLIB_SRC BZIP2_SRC XZ_SRC [SQLITE_SRC]
    local sqlite_id="none"
    if [ -n "${5:-}" ]; then sqlite_id=$(guest_src_id "$5"); fi
    cache_key "guest-clibs" "$root/scripts/guest/clibs.sh" "$root/scripts/guest/toolchain.sh" -- \
        "$(basename "$1")" "$(guest_src_id "$2")" "$(guest_src_id "$3")" "$(guest_src_id "$4")" \
        "$sqlite_id" "$(guest_toolchain_id)"
}
guest_stage_clibs() {   # SYSROOT_ENTRY ZLIB_SRC BZIP2_SRC XZ_SRC [SQLITE_SRC] -> REPLY=entry path
    local sysroot_entry="$1" zsrc="$2" bzsrc="$3" xzsrc="$4" ssrc="${5:-}" key work
    key=$(guest_key_clibs "$sysroot_entry" "$zsrc" "$bzsrc" "$xzsrc" "$ssrc")
    if guest_lookup "$key"; then return 0; fi
    guest_begin "$key"; work="$TMP/.work"
    guest_cross_env "$sysroot_entry"
    mkdir -p "$TMP/lib" "$TMP/include"

    # zlib: its own configure (only compiles probes), then just the static library.
    guest_unpack "$zsrc" "$work/zlib"
    run_logged "configuring zlib for wasm32-wasip1" "$GUEST_LOG_DIR/zlib-configure.log" \
        sh -c "cd '$work/zlib' && CC='$GUEST_CC' CFLAGS='$GUEST_CLIBS_CFLAGS' AR='$GUEST_AR' RANLIB='$GUEST_RANLIB' \
               CHOST=wasm32-wasi ./configure --static --prefix=/"
    run_logged "building zlib for wasm32-wasip1" "$GUEST_LOG_DIR/zlib-make.log" \
        make -C "$work/zlib" -j"$(nproc)" libz.a \
            CFLAGS="$GUEST_CLIBS_CFLAGS -D_LARGEFILE64_SOURCE=1 -DHAVE_HIDDEN"
    cp "$work/zlib/libz.a" "$TMP/lib/"
    cp "$work/zlib/zlib.h" "$work/zlib/zconf.h" "$TMP/include/"
    printf 'zlib %s\n' "$(. "$zsrc/SOURCE.env"; printf '%s' "$SRC_DEBIAN_VERSION")" >> "$TMP/VERSIONS"

    # bzip2: its Makefile's library target only (no configure).
    guest_unpack "$bzsrc" "$work/bzip2"
    run_logged "building libbz2 for wasm32-wasip1" "$GUEST_LOG_DIR/bzip2-make.log" \
        make -C "$work/bzip2" -j"$(nproc)" libbz2.a CC="$GUEST_CC" AR="$GUEST_AR" RANLIB="$GUEST_RANLIB" \
            CFLAGS="$GUEST_CLIBS_CFLAGS -D_FILE_OFFSET_BITS=64"
    cp "$work/bzip2/libbz2.a" "$TMP/lib/"
    cp "$work/bzip2/bzlib.h" "$TMP/include/"
    printf 'bzip2 %s\n' "$(. "$bzsrc/SOURCE.env"; printf '%s' "$SRC_DEBIAN_VERSION")" >> "$TMP/VERSIONS"

    # liblzma from xz-utils: its configure (no threads: WASI has none), then src/liblzma alone.
    guest_unpack "$xzsrc" "$work/xz"
    run_logged "configuring liblzma for wasm32-wasip1" "$GUEST_LOG_DIR/xz-configure.log" \
        sh -c "cd '$work/xz' && ./configure --host=wasm32-unknown-wasi CC='$GUEST_CC' AR='$GUEST_AR' \
               RANLIB='$GUEST_RANLIB' CFLAGS='$GUEST_CLIBS_CFLAGS' --disable-threads --enable-static \
               --disable-shared --disable-xz --disable-xzdec --disable-lzmadec --disable-lzmainfo \
               --disable-lzma-links --disable-scripts --disable-doc --disable-nls --disable-sandbox"
    run_logged "building liblzma for wasm32-wasip1" "$GUEST_LOG_DIR/xz-make.log" \
        make -C "$work/xz/src/liblzma" -j"$(nproc)"
    cp "$work/xz/src/liblzma/.libs/liblzma.a" "$TMP/lib/"
    cp -r "$work/xz/src/liblzma/api/lzma.h" "$work/xz/src/liblzma/api/lzma" "$TMP/include/"
    printf 'xz-utils %s\n' "$(. "$xzsrc/SOURCE.env"; printf '%s' "$SRC_DEBIAN_VERSION")" >> "$TMP/VERSIONS"

    if [ -n "$ssrc" ]; then
        # SQLite: the amalgamation is generated natively (configure + make sqlite3.c, uses the bundled
        # jimsh), then compiled once for wasm.
        guest_unpack "$ssrc" "$work/sqlite-src"
        mkdir -p "$work/sqlite-build"
        run_logged "generating the SQLite amalgamation" "$GUEST_LOG_DIR/sqlite-amalgamation.log" \
            sh -c "cd '$work/sqlite-build' && ../sqlite-src/configure --disable-tcl && make sqlite3.c"
        run_logged "compiling SQLite for wasm32-wasip1 (~30 s)" "$GUEST_LOG_DIR/sqlite-compile.log" \
            sh -c "cd '$work/sqlite-build' && $GUEST_CC $GUEST_CLIBS_CFLAGS $GUEST_SQLITE_DEFINES -c sqlite3.c -o sqlite3.wasm.o \
                   && $GUEST_AR rcs '$TMP/lib/libsqlite3.a' sqlite3.wasm.o"
        cp "$work/sqlite-build/sqlite3.h" "$work/sqlite-build/sqlite3ext.h" "$TMP/include/"
        printf 'sqlite3 %s\n' "$(. "$ssrc/SOURCE.env"; printf '%s' "$SRC_DEBIAN_VERSION")" >> "$TMP/VERSIONS"
        printf '%s\n' "$GUEST_SQLITE_DEFINES" > "$TMP/sqlite-defines.txt"
    fi
    rm -rf "$work"
    cache_commit "$TMP" "$key"
    REPLY="$ERYX_CACHE_ROOT/$key"
}
