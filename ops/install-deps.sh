#!/usr/bin/env bash
# Installs vanthu's build and test dependencies from Debian packages.
# Idempotent: when everything is present it only checks and returns.
set -euo pipefail
PKGS=(
  build-essential cmake pkg-config git
  librocksdb-dev libsodium-dev libssl-dev
  libgrpc-dev libprotobuf-c-dev protobuf-c-compiler protobuf-compiler
  libcmocka-dev libunistring-dev
  python3 python3-grpcio python3-protobuf python3-cryptography openssl
  # signatures (PAdES, PKCS#11) and their independent checks
  zlib1g-dev libpng-dev libp11-dev softhsm2 opensc
  poppler-utils qpdf libnss3-tools clang libclang-rt-dev
  libharfbuzz-dev fonts-liberation2
  # milestone 2: JSON output, journald and sd_notify, the gRPC health proto,
  # a busy machine for CI's load check
  libjansson-dev libsystemd-dev grpc-proto stress-ng
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "vanthu: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
