# Shared by the end-to-end scripts (sourced, not run): counters, checks,
# and starting a vanthud that reports its port in a ready file.
fails=0
pass=0
# check NAME EXPECTED_EXIT CMD...: runs CMD, keeps its output in $out
check() {
	local name=$1 want=$2; shift 2
	set +e; out=$("$@" 2>&1); got=$?; set -e
	if [ "$got" != "$want" ]; then
		echo "FAIL $name: exit $got, want $want"; echo "$out" | sed 's/^/    /'; fails=$((fails+1))
	else
		pass=$((pass+1))
	fi
}
# expect NAME PATTERN: $out (of the last check) contains PATTERN (grep)
expect() {
	if ! grep -q -- "$2" <<<"$out"; then
		echo "FAIL $1: output lacks '$2'"; echo "$out" | sed 's/^/    /'; fails=$((fails+1))
	else
		pass=$((pass+1))
	fi
}
# start_node DIR [ARGS...]: starts vanthud on 127.0.0.1:0 with DIR as data,
# sets DPID and PORT, fails the script if it does not become ready
start_node() {
	local dir=$1; shift
	rm -f "$dir.ready"
	"$BIN/vanthud" --data-dir "$dir" --listen 127.0.0.1:0 --ready-file "$dir.ready" "$@" 2>"$dir.log" &
	DPID=$!
	for _ in $(seq 1 400); do [ -s "$dir.ready" ] && break; kill -0 $DPID 2>/dev/null || break; sleep 0.05; done
	[ -s "$dir.ready" ] || { echo "vanthud did not start"; cat "$dir.log"; exit 1; }
	PORT=$(awk '{print $2}' "$dir.ready")
}
# finish: the closing line ctest's log shows, and the exit status
finish() {
	echo "$pass passed, $fails failed"
	[ "$fails" = 0 ]
}
