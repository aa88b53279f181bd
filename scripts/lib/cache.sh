# Shell helpers for eryx's build cache (~/.cache/eryx/<name>-<hash>/).
#
# An entry is built in a temporary directory next to the cache and renamed into
# place only when complete, with a MANIFEST of every file's size and sha256.
# An entry without a valid manifest (interrupted build, corrupted file) is
# discarded and rebuilt.

ERYX_CACHE_ROOT="${ERYX_CACHE_ROOT:-$HOME/.cache/eryx}"

log() { printf '\033[1m[eryx]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[eryx] error:\033[0m %s\n' "$*" >&2; exit 1; }

# cache_key NAME FILE... -- VALUE...
# Prints NAME-<16 hex of sha256 over the given recipe files and extra values>.
cache_key() {
    local name="$1"; shift
    {
        while [ $# -gt 0 ] && [ "$1" != "--" ]; do
            printf 'file %s\n' "$(basename "$1")"; cat "$1"; shift
        done
        [ "${1:-}" = "--" ] && shift
        for v in "$@"; do printf 'value %s\n' "$v"; done
    } | sha256sum | cut -c1-16 | sed "s/^/$name-/"
}

# cache_valid DIR: true when DIR holds a complete entry whose files match its manifest.
cache_valid() {
    local dir="$1"
    [ -f "$dir/MANIFEST" ] || return 1
    (cd "$dir" && sha256sum --quiet --strict -c MANIFEST >/dev/null 2>&1)
}

# cache_begin KEY: prints a fresh temporary build directory for KEY.
cache_begin() {
    mkdir -p "$ERYX_CACHE_ROOT/tmp"
    mktemp -d "$ERYX_CACHE_ROOT/tmp/$1.XXXXXX"
}

# cache_commit TMP KEY: writes the manifest and moves TMP into place atomically.
cache_commit() {
    local tmp="$1" key="$2" final="$ERYX_CACHE_ROOT/$2"
    (cd "$tmp" && find . -type f ! -name MANIFEST -print0 | sort -z | xargs -0 sha256sum > MANIFEST)
    rm -rf "$final.old"
    [ -e "$final" ] && mv "$final" "$final.old"
    mv "$tmp" "$final"
    rm -rf "$final.old"
    log "cached $key"
}

# cache_lookup KEY: prints the entry's path when valid; removes a broken one.
cache_lookup() {
    local final="$ERYX_CACHE_ROOT/$1"
    if cache_valid "$final"; then
        printf '%s\n' "$final"
        return 0
    fi
    if [ -e "$final" ]; then
        log "cache entry $1 is incomplete or corrupt; rebuilding it"
        rm -rf "$final"
    fi
    return 1
}

# run_logged LABEL LOGFILE CMD...: runs CMD with output to LOGFILE, printing a
# heartbeat with the log's last line every 20 s so long builds show progress.
run_logged() {
    local label="$1" logfile="$2"; shift 2
    log "$label (log: $logfile)"
    "$@" >"$logfile" 2>&1 &
    local pid=$! start=$SECONDS
    while kill -0 "$pid" 2>/dev/null; do
        sleep 5
        if [ $(( (SECONDS - start) % 20 )) -lt 5 ] && kill -0 "$pid" 2>/dev/null; then
            log "  $label: $((SECONDS - start))s; $(tail -n 1 "$logfile" | cut -c1-110)"
        fi
    done
    if ! wait "$pid"; then
        tail -n 40 "$logfile" >&2
        die "$label failed; see $logfile"
    fi
    log "  $label done in $((SECONDS - start))s"
}
