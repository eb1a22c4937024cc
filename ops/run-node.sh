#!/usr/bin/env bash
# Builds vanthu and starts a development node on the embedded default
# configuration: data in var/dev-node under the repository, loopback, dev
# keys generated on first start. Extra arguments go to vanthud
# (e.g. --role hub, --node-id 000.00.00.H54, --config FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
bash ops/build.sh
mkdir -p var
exec ./build/vanthud "$@"
