#!/usr/bin/env bash
# Runs the Python grpcio interop client against a real vanthud over TLS.
set -euo pipefail
BIN=${VT_BIN:-$(dirname "$0")/../../build}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d "${VT_TEST_TMP:-/tmp}/e2e-interop.XXXXXX" 2>/dev/null || mktemp -d)
. "$(dirname "$0")/lib.sh"
DPID=
trap '[ -n "$DPID" ] && kill $DPID 2>/dev/null; rm -rf "$T"' EXIT
mkdir -p "$T/py"
protoc --proto_path="$SRC/proto" --python_out="$T/py" "$SRC/proto/vanthu.proto"
start_node "$T/node" --node-id 000.00.00.H54
VT_PYGEN="$T/py" /usr/bin/python3 "$SRC/tests/e2e/interop.py" "localhost:$PORT" "$T/node/tls/ca.pem" \
	"$(cat "$T/node/bootstrap-admin-password")"
