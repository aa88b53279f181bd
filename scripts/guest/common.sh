# Helpers shared by scripts/build-guest-deps.sh (sourced after scripts/lib/cache.sh and
# guest/versions.env). Part of every guest cache key.

LLVM_BIN="/usr/lib/llvm-$LLVM_VERSION/bin"
GUEST_TARGET=wasm32-wasi   # see "Toolchain quirk" in docs/guest.md: wasm32-wasip1 misses Debian's builtins
GUEST_LOG_DIR="$ERYX_CACHE_ROOT/tmp/logs"
GUEST_TMP_DIRS=()          # removed on exit (failed entries, apt state)

guest_cleanup() {
    local d
    for d in "${GUEST_TMP_DIRS[@]}"; do [ -n "$d" ] && rm -rf "$d"; done
}
trap guest_cleanup EXIT

# guest_begin KEY: like cache_begin (sets TMP), but the directory is removed if the script fails
# before commit. Stage functions run in the main shell and return their entry's path in REPLY.
guest_begin() {
    TMP=$(cache_begin "$1")
    GUEST_TMP_DIRS+=("$TMP")
}

# ---- entry lookup with parallel pre-validation ------------------------------------------------------
# A second run must only check the entries (sha256 of every file, ~120 MB in all). guest_prefetch
# computes the keys every stage would use and runs cache_lookup on all of them concurrently; a stage's
# guest_lookup then reuses that verdict. A key predicted wrongly (e.g. an input entry was broken) just
# finds no verdict and falls back to a normal cache_lookup, so this only changes the speed.
GUEST_PREFETCH_DIR=""
guest_lookup() {   # KEY -> true with REPLY=entry path when the entry is valid
    if [ -n "$GUEST_PREFETCH_DIR" ] && [ -e "$GUEST_PREFETCH_DIR/$1" ] && [ -d "$ERYX_CACHE_ROOT/$1" ]; then
        REPLY="$ERYX_CACHE_ROOT/$1"
        return 0
    fi
    REPLY=$(cache_lookup "$1")
}
guest_prefetch() {   # KEY... (empty arguments ignored)
    mkdir -p "$ERYX_CACHE_ROOT/tmp"
    GUEST_PREFETCH_DIR=$(mktemp -d "$ERYX_CACHE_ROOT/tmp/prefetch.XXXXXX")
    GUEST_TMP_DIRS+=("$GUEST_PREFETCH_DIR")
    local k
    for k in "$@"; do
        [ -n "$k" ] || continue
        if [ -d "$ERYX_CACHE_ROOT/$k" ]; then
            (if cache_lookup "$k" >/dev/null; then : > "$GUEST_PREFETCH_DIR/$k"; fi) &
        fi
    done
    wait
}

guest_check_tools() {
    local t
    for t in "clang-$LLVM_VERSION" "clang-cpp-$LLVM_VERSION" "llvm-ar-$LLVM_VERSION" "llvm-ranlib-$LLVM_VERSION" \
             apt-get dpkg-deb sha256sum make tar xz; do
        command -v "$t" >/dev/null || die "$t is required (apt-get install clang-$LLVM_VERSION lld-$LLVM_VERSION llvm-$LLVM_VERSION libclang-rt-$LLVM_VERSION-dev-wasm32)"
    done
    [ -x "$LLVM_BIN/wasm-ld" ] || die "wasm-ld missing: apt-get install lld-$LLVM_VERSION"
    [ -f "/usr/lib/llvm-$LLVM_VERSION/lib/clang/$LLVM_VERSION/lib/wasi/libclang_rt.builtins-wasm32.a" ] \
        || die "wasm32 builtins missing: apt-get install libclang-rt-$LLVM_VERSION-dev-wasm32"
}

# Toolchain identity folded into the keys of entries that compile guest code. Computed once per run
# and without running the compiler (a second run must only check entries, in well under a second):
# the installed versions of Debian's packages, from dpkg's status file.
GUEST_TOOLCHAIN_ID=""
guest_toolchain_id() {
    if [ -z "$GUEST_TOOLCHAIN_ID" ]; then
        GUEST_TOOLCHAIN_ID=$(awk -v want=" clang-$LLVM_VERSION lld-$LLVM_VERSION llvm-$LLVM_VERSION libclang-rt-$LLVM_VERSION-dev-wasm32 " '
            /^Package: / { p = $2 } /^Version: / { if (index(want, " " p " ")) print p "=" $2 }' /var/lib/dpkg/status | sort | tr '\n' ' ')
    fi
    printf '%s\n' "$GUEST_TOOLCHAIN_ID"
}

# ---- private apt configuration -----------------------------------------------------------------
# Created lazily, once per run, under the cache's tmp dir; never touches /etc/apt.
GUEST_APT_DIR=""
guest_apt_init() {   # must run in the main shell (not in a subshell) so the state is reused
    if [ -z "$GUEST_APT_DIR" ]; then
        mkdir -p "$ERYX_CACHE_ROOT/tmp"
        GUEST_APT_DIR=$(mktemp -d "$ERYX_CACHE_ROOT/tmp/apt.XXXXXX")
        GUEST_TMP_DIRS+=("$GUEST_APT_DIR")
        local d="$GUEST_APT_DIR" s keyring=/usr/share/keyrings/debian-archive-keyring.gpg
        mkdir -p "$d/etc/sources.list.d" "$d/etc/apt.conf.d" "$d/etc/preferences.d" \
                 "$d/state/lists/partial" "$d/cache/archives/partial"
        : > "$d/etc/preferences"
        {
            printf 'deb [signed-by=%s] %s %s main\n' "$keyring" "$DEBIAN_MIRROR" "$WASI_LIBC_SUITE"
            for s in $DEBIAN_SRC_SUITES; do
                printf 'deb-src [signed-by=%s] %s %s main\n' "$keyring" "$DEBIAN_MIRROR" "$s"
            done
        } > "$d/etc/sources.list"
        cat > "$d/etc/apt.conf" <<EOF
Dir::Etc "$d/etc";
Dir::Etc::main "$d/etc/apt.conf.main";
Dir::Etc::SourceList "$d/etc/sources.list";
Dir::Etc::SourceParts "$d/etc/sources.list.d";
Dir::Etc::Parts "$d/etc/apt.conf.d";
Dir::Etc::Preferences "$d/etc/preferences";
Dir::Etc::PreferencesParts "$d/etc/preferences.d";
Dir::State "$d/state";
Dir::State::status "/var/lib/dpkg/status";
Dir::Cache "$d/cache";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
Acquire::Languages "none";
Acquire::Check-Valid-Until "false";
APT::Sandbox::User "root";
EOF
        : > "$d/etc/apt.conf.main"
        run_logged "apt-get update (private config: $WASI_LIBC_SUITE + deb-src $DEBIAN_SRC_SUITES)" \
            "$GUEST_LOG_DIR/apt-update.log" env APT_CONFIG="$d/etc/apt.conf" apt-get update
    fi
}
guest_apt() {
    [ -n "$GUEST_APT_DIR" ] || die "internal: guest_apt_init not called"
    APT_CONFIG="$GUEST_APT_DIR/etc/apt.conf" apt-get -q "$@"
}

# guest_fetch_orig PACKAGE "CANDIDATES" OUTDIR: downloads the pristine .orig.tar.* of the first candidate
# "<debian version> <sha256>" that downloads, verifies the pin, and writes OUTDIR/SOURCE.env.
guest_fetch_orig() {
    local pkg="$1" cands="$2" out="$3" ver sha dl orig got uris line url
    mkdir -p "$out"
    guest_apt_init
    while read -r ver sha; do
        [ -n "$ver" ] || continue
        dl="$out/.dl"; rm -rf "$dl"; mkdir -p "$dl"
        log "fetching source $pkg=$ver"
        if ! (cd "$dl" && guest_apt source --download-only "$pkg=$ver" >"$GUEST_LOG_DIR/src-$pkg.log" 2>&1); then
            # Some files of a source package may 404 (see docs/guest.md); fetch only the .orig the
            # signed Sources index names, then verify it against our own pin below.
            log "  apt-get source failed for $pkg=$ver; trying the .orig alone"
        fi
        if ! ls "$dl" | grep -qE '^[^_]+_[^-]+\.orig\.tar\.(xz|gz|bz2)$'; then
            # (apt may have fetched the .orig before another file failed: --print-uris then omits it.)
            uris=$(cd "$dl" && guest_apt source --print-uris "$pkg=$ver" 2>/dev/null || true)
            line=$(printf '%s\n' "$uris" | grep -E "^'[^']*\.orig\.tar\.[a-z0-9]+' " | head -n 1 || true)
            url=${line#\'}; url=${url%%\'*}
            if [ -z "$url" ] || ! curl -fsSL -o "$dl/$(basename "$url" | sed 's/%2b/+/gI')" "$url"; then
                log "  $pkg=$ver not downloadable; next candidate"; continue
            fi
        fi
        orig=$(cd "$dl" && ls | grep -E '^[^_]+_[^-]+\.orig\.tar\.(xz|gz|bz2)$' | head -n 1 || true)
        [ -n "$orig" ] || { log "  no .orig tarball for $pkg=$ver; next candidate"; continue; }
        got=$(sha256sum "$dl/$orig" | cut -d' ' -f1)
        [ "$got" = "$sha" ] || die "sha256 mismatch for $orig: got $got, pinned $sha"
        mv "$dl/$orig" "$out/$orig"
        rm -rf "$dl"
        {
            printf 'SRC_PACKAGE=%q\n' "$pkg"
            printf 'SRC_DEBIAN_VERSION=%q\n' "$ver"
            printf 'SRC_ORIG=%q\n' "$orig"
            printf 'SRC_SHA256=%q\n' "$sha"
        } > "$out/SOURCE.env"
        log "  $orig verified ($sha)"
        return 0
    done <<< "$cands"
    die "no candidate of $pkg could be downloaded (tried: $(printf '%s' "$cands" | awk 'NF{print $1}' | xargs))"
}

# guest_unpack ENTRY DEST: extracts the entry's .orig tarball into DEST (top directory stripped).
guest_unpack() {
    local entry="$1" dest="$2" SRC_ORIG
    . "$entry/SOURCE.env"
    mkdir -p "$dest"
    tar -xf "$entry/$SRC_ORIG" -C "$dest" --strip-components=1
}

# guest_src_id ENTRY: identity of a fetched source (for downstream keys).
guest_src_id() { (. "$1/SOURCE.env"; printf '%s %s' "$SRC_DEBIAN_VERSION" "$SRC_SHA256"); }
guest_has_src() { [ -f "$1/SOURCE.env" ]; }
