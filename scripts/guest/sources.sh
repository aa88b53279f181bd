# Stage: pristine upstream sources (.orig.tar.*) of Debian source packages (cache entries src-*).
guest_key_source() {   # PACKAGE "CANDIDATES"
    cache_key "src-$1" "$root/scripts/guest/sources.sh" "$root/scripts/guest/common.sh" -- \
        "$1" "$2" "$DEBIAN_MIRROR" "$DEBIAN_SRC_SUITES"
}
guest_stage_source() {   # PACKAGE "CANDIDATES" -> REPLY=entry path
    local pkg="$1" cands="$2" key
    key=$(guest_key_source "$pkg" "$cands")
    if guest_lookup "$key"; then return 0; fi
    guest_begin "$key"
    guest_fetch_orig "$pkg" "$cands" "$TMP"
    cache_commit "$TMP" "$key"
    REPLY="$ERYX_CACHE_ROOT/$key"
}
