#!/usr/bin/env bash
# Installs the system packages eryx builds with (Debian bookworm), only those missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
. "$root/scripts/lib/cache.sh"

packages=(
  cmake ninja-build g++ make pkg-config python3 xz-utils dpkg-dev
  clang-19 lld-19 llvm-19 libclang-rt-19-dev-wasm32 libclang-rt-19-dev wabt
  libc++-19-dev-wasm32 libc++abi-19-dev-wasm32
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev nlohmann-json3-dev libssl-dev libre2-dev
  libarchive-dev libedit-dev libcpp-httplib-dev
  libzstd-dev nettle-dev zlib1g-dev libbz2-dev liblzma-dev
  python3-venv python3-dev ca-certificates openssl
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

command -v cargo >/dev/null || die "cargo (Rust >= 1.95) is required; install it with rustup"
