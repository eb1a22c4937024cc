#!/usr/bin/env bash
# Runs the Python grpcio interop client against a real vanthud over TLS.
set -euo pipefail
BIN=${VT_BIN:-$(dirname "$0")/../../build}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d "${VT_TEST_TMP:-/tmp}/e2e-interop.XXXXXX" 2>/dev/null || mktemp -d)
DPID=
trap '[ -n "$DPID" ] && kill $DPID 2>/dev/null; rm -rf "$T"' EXIT
mkdir -p "$T/py"
protoc --proto_path="$SRC/proto" --python_out="$T/py" "$SRC/proto/vanthu.proto"
"$BIN/vanthud" --data-dir "$T/node" --node-id 000.00.00.H54 --listen 127.0.0.1:0 \
	--ready-file "$T/ready" 2>"$T/vanthud.log" &
DPID=$!
for _ in $(seq 1 400); do [ -s "$T/ready" ] && break; kill -0 $DPID 2>/dev/null || break; sleep 0.05; done
[ -s "$T/ready" ] || { echo "vanthud did not start"; cat "$T/vanthud.log"; exit 1; }
port=$(awk '{print $2}' "$T/ready")
VT_PYGEN="$T/py" /usr/bin/python3 "$SRC/tests/e2e/interop.py" "localhost:$port" "$T/node/tls/ca.pem" \
	"$(cat "$T/node/bootstrap-admin-password")"
