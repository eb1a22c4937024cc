#!/usr/bin/env bash
# Installs the dependencies (apt, idempotent) and builds vanthu into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ops/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
