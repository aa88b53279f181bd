# Shared parts of the recipes that cross-build compiled Python packages for the guest
# (scripts/guest/pkg-*.sh, run by scripts/build-guest-packages.sh). A recipe builds its package with
# the package's own build system and the wrappers below, then gathers it with
# guest/native/collect_package.py into an entry that cmake/GuestFlavour.cmake links into a guest
# flavour: extension modules as static archives in the inittab, Python files in the stdlib zip.

GUEST_PKG_CXX_INCLUDE="/usr/lib/llvm-$LLVM_VERSION/include/wasm32-wasi/c++/v1"
GUEST_PKG_CXX_LIBDIR="/usr/lib/llvm-$LLVM_VERSION/lib/wasm32-wasi"

# The toolchain identity plus Debian's wasm32 libc++ (C++ extension modules link it).
guest_pkg_toolchain_id() {
    printf '%s %s\n' "$(guest_toolchain_id)" "$(awk -v want=" libc++-$LLVM_VERSION-dev-wasm32 libc++abi-$LLVM_VERSION-dev-wasm32 " '
        /^Package: / { p = $2 } /^Version: / { if (index(want, " " p " ")) print p "=" $2 }' /var/lib/dpkg/status | sort | tr '\n' ' ')"
}

# guest_fetch_pinned URL SHA256: a download kept in its own entry (dl-<name>-<sha>), verified.
# REPLY = the file's path.
guest_fetch_pinned() {
    local url="$1" sha="$2" file key got
    file=$(basename "$url")
    key="dl-${file%%[-_][0-9]*}-${sha:0:16}"
    if guest_lookup "$key"; then REPLY="$REPLY/$file"; return 0; fi
    guest_begin "$key"
    log "fetching $file"
    curl -fsSL -o "$TMP/$file" "$url" || die "downloading $url failed"
    got=$(sha256sum "$TMP/$file" | cut -d' ' -f1)
    [ "$got" = "$sha" ] || die "sha256 mismatch for $file: got $got, pinned $sha"
    cache_commit "$TMP" "$key"
    REPLY="$ERYX_CACHE_ROOT/$key/$file"
}

# guest_pkg_env WORK SYSROOT_ENTRY NATIVE CPYTHON_WASM: writes into WORK
#   bin/wasi-cc, bin/wasi-cxx  the guest compilers; a -shared link runs guest/native/cross_link.py
#                              (an archive per extension module); -fPIC is dropped (static link)
#   bin/pywasi                 the native build Python posing as the guest's (its sysconfig data:
#                              EXT_SUFFIX .cpython-3XY-wasm32-wasi.so, the wasm pyconfig.h)
#   venv/bin/cython            pinned Cython, in a private venv
#   cross.ini                  a meson cross file using the above
# and sets GUEST_PKG_PATH (PATH with the venv first: meson looks for cython on PATH).
guest_pkg_env() {
    local work="$1" sysroot="$2/usr" native="$3" wasm="$4" v="$ERYX_PYTHON_VERSION" cywhl w scd
    mkdir -p "$work/bin" "$work/sysconfig" "$work/emptypc"
    local cc="clang-$LLVM_VERSION --target=$GUEST_TARGET --sysroot=$sysroot"
    local cxx="clang++-$LLVM_VERSION --target=$GUEST_TARGET --sysroot=$sysroot -nostdinc++ -isystem $GUEST_PKG_CXX_INCLUDE -L$GUEST_PKG_CXX_LIBDIR"
    for w in "wasi-cc:$cc" "wasi-cxx:$cxx"; do
        {
            printf '#!/bin/sh\n'
            printf 'for a do\n  [ "$a" = -shared ] && ERYX_CROSS_AR=llvm-ar-%s exec python3 "%s" "$@"\ndone\n' \
                "$LLVM_VERSION" "$root/guest/native/cross_link.py"
            printf 'for a do\n  shift\n  [ "$a" = -fPIC ] && continue\n  set -- "$@" "$a"\ndone\n'
            printf 'exec %s "$@"\n' "${w#*:}"
        } > "$work/bin/${w%%:*}"
        chmod +x "$work/bin/${w%%:*}"
    done
    # The wasm build's sysconfig data names /usr/local/include/python3.X (its install prefix): point
    # it at the entry's headers, so no host directory of that name can be picked up.
    scd=$(basename "$(ls "$wasm/lib/python$v"/_sysconfigdata_*.py | head -n 1)" .py)
    sed "s#/usr/local/include/python$v#$wasm/include/python$v#g" "$wasm/lib/python$v/$scd.py" \
        > "$work/sysconfig/$scd.py"
    {
        printf '#!/bin/sh\n'
        printf 'export PYTHONHOME="%s" PYTHONPATH="%s" _PYTHON_SYSCONFIGDATA_NAME="%s" PYTHONNOUSERSITE=1\n' \
            "$wasm" "$work/sysconfig:$native/lib/python$v/lib-dynload" "$scd"
        printf 'exec "%s" "$@"\n' "$native/bin/python$v"
    } > "$work/bin/pywasi"
    chmod +x "$work/bin/pywasi"
    guest_fetch_pinned "$CYTHON_WHEEL_URL" "$CYTHON_WHEEL_SHA256"; cywhl=$REPLY
    python3 -m venv "$work/venv" >/dev/null
    "$work/venv/bin/pip" install -q --no-index --no-deps "$cywhl" || die "installing Cython failed"
    cat > "$work/cross.ini" <<EOF
[binaries]
c = '$work/bin/wasi-cc'
cpp = '$work/bin/wasi-cxx'
ar = 'llvm-ar-$LLVM_VERSION'
strip = 'llvm-strip-$LLVM_VERSION'
python = '$work/bin/pywasi'
cython = '$work/venv/bin/cython'

[properties]
needs_exe_wrapper = true
# wasm32's long double is IEEE binary128 (meson cannot run a probe to find out).
longdouble_format = 'IEEE_QUAD_LE'
pkg_config_libdir = '$work/emptypc'

[host_machine]
system = 'wasi'
cpu_family = 'wasm32'
cpu = 'wasm32'
endian = 'little'
EOF
    GUEST_PKG_PATH="$work/venv/bin:$PATH"
}

# guest_pkg_apply_patches SRC_DIR PATCH_DIR: applies PATCH_DIR/*.patch in order.
guest_pkg_apply_patches() {
    local p
    for p in "$2"/*.patch; do
        [ -e "$p" ] || continue
        patch -d "$1" -p1 -s --no-backup-if-mismatch < "$p" || die "patch $(basename "$p") does not apply"
    done
}

# guest_pkg_finish SITE BUILD: gathers the installed package into $TMP (the entry).
guest_pkg_finish() {
    python3 "$root/guest/native/collect_package.py" --site "$1" --build "$2" \
        --ar "llvm-ar-$LLVM_VERSION" --out "$TMP" >&2 || die "collecting the package failed"
}
