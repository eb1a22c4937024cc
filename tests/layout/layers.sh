#!/usr/bin/env bash
# The layers, read from the includes: each folder may include only from the
# folders below it (node/README.md draws them). The build's views enforce
# the same; this check names the offending line.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
fail=0
# folder | the include prefixes it may use ("." = node/*.h)
rules=(
	"node/store|store"
	"node/rpc|store rpc"
	"node/sign|store sign"
	"node/accounts|store accounts"
	"node/docs|store accounts sign docs"
	"node|store accounts sign docs ."
	"replication|store accounts sign docs . rpc replication"
	"api/svc|store accounts sign docs . rpc replication svc"
	"api/cli|store accounts sign docs . rpc replication cli"
	"api/daemon|store accounts sign docs . rpc replication svc daemon"
)
for rule in "${rules[@]}"; do
	dir=${rule%%|*}
	allowed=" ${rule#*|} "
	for f in "$dir"/*.[ch]; do
		[ -e "$f" ] || continue
		while IFS= read -r line; do
			inc=${line#*\"}
			inc=${inc%\"*}
			case $inc in
			vanthu.pb-c.h) continue ;;
			*/*) prefix=${inc%%/*} ;;
			*) prefix=. ;;
			esac
			if [[ $allowed != *" $prefix "* ]]; then
				echo "layers: $f includes \"$inc\": $dir may use only${allowed% }" >&2
				fail=1
			fi
		done < <(grep -h '^#include "' "$f")
	done
done
# No file of node/ names api/ or replication/ at all.
if grep -rn '#include "\(\.\./\)*\(api\|replication\|svc\|cli\|daemon\)/' node >&2; then
	echo "layers: node/ includes from api/ or replication/" >&2
	fail=1
fi
[ $fail -eq 0 ] && echo "layers: every include points down"
exit $fail
