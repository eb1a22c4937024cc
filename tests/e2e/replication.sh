#!/usr/bin/env bash
# Replication end to end with real vanthud processes on loopback: a hub and
# units over mutual TLS. Certificates not enrolled, or enrolled for another
# node id, are refused; a 10,000-entry catch-up survives the hub being
# killed (kill -9) and restarted, and the unit being killed; a backlog
# built while the hub is stopped is shipped when it is back; afterwards hub
# and unit agree exactly (same root at the same size) and the hub's replica
# verifies (every leaf, node and a replay: nothing applied twice). An
# outgoing document distributed to another unit arrives there as incoming,
# its status codes flow back, and a recall is delivered. A unit whose data
# directory is edited behind its back (an entry changed in place; an old
# entry rewritten and the log re-signed; the log
# truncated and regrown) is refused with an alarm in the hub's log. A unit
# that lost its disk is restored from the hub.
set -euo pipefail
BIN=${VT_BIN:-$(dirname "$0")/../../build}
T=$(mktemp -d "${VT_TEST_TMP:-/tmp}/e2e-repl.XXXXXX" 2>/dev/null || mktemp -d)
PIDS=()
cleanup() { { for p in "${PIDS[@]}"; do kill -9 "$p" || true; done; wait; } 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
V="$BIN/vanthu"
TOOL="$BIN/vt_testtool"
unset VANTHU_DATA_DIR VANTHU_SERVER
. "$(dirname "$0")/lib.sh"
as() { local u=$1; shift; VANTHU_SESSION=$T/session.$u "$V" "$@"; }
jget() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

HUB=000.00.00.HUB
U1=000.00.01.U01
U2=000.00.02.U02
U3=000.00.03.U03

# ---- the hub, on a port kept across restarts
start_hub() {
	local listen=${1:-127.0.0.1:0}
	rm -f "$T/hub.ready"
	"$BIN/vanthud" --data-dir "$T/hub" --node-id $HUB --role hub --listen "$listen" --ready-file "$T/hub.ready" \
		2>>"$T/hub.log" &
	HPID=$!
	PIDS+=("$HPID")
	for _ in $(seq 1 400); do [ -s "$T/hub.ready" ] && break; kill -0 $HPID 2>/dev/null || break; sleep 0.05; done
	[ -s "$T/hub.ready" ] || { echo "hub did not start"; cat "$T/hub.log"; exit 1; }
	HPORT=$(awk '{print $2}' "$T/hub.ready")
}
start_hub
HCA=$T/hub/tls/ca.pem
check hub-login 0 as hadmin login --server "localhost:$HPORT" --ca "$HCA" --name admin \
	--password-file "$T/hub/bootstrap-admin-password"
HUBKEY=$("$V" node key --data-dir "$T/hub" --json | jget 'd["public_key"]')

# ---- units: initialised offline, a client certificate from the hub's CA
new_unit() { # new_unit DIR ID
	"$V" init --data-dir "$1" --node-id "$2" --agency-name "Đơn vị $2" --agency-symbol "${2##*.}" >/dev/null
	"$V" tls issue --ca-dir "$T/hub/tls" --name "$2" --cn "$2" >/dev/null
}
new_unit "$T/u1" $U1
new_unit "$T/u2" $U2
new_unit "$T/u3" $U3
pk() { "$V" node key --data-dir "$1" --json | jget 'd["public_key"]'; }
PK1=$(pk "$T/u1")
PK2=$(pk "$T/u2")

check enroll-u1 0 as hadmin hub enroll --node-id $U1 --public-key "$PK1" --name "Đơn vị 1"
check enroll-u2 0 as hadmin hub enroll --node-id $U2 --public-key "$PK2" --name "Đơn vị 2"
check enroll-twice 5 as hadmin hub enroll --node-id $U1 --public-key "$PK1"
check enroll-other-key 5 as hadmin hub enroll --node-id $U1 --public-key "$PK2"
check enroll-bad-key 4 as hadmin hub enroll --node-id X --public-key abcd

# start_unit DIR CERT-NAME [ARGS...]: sets UPID, UPORT
start_unit() {
	local dir=$1 cert=$2; shift 2
	rm -f "$dir.ready"
	"$BIN/vanthud" --data-dir "$dir" --listen 127.0.0.1:0 --plaintext 1 --ready-file "$dir.ready" \
		--hub "localhost:$HPORT" --hub-ca "$HCA" --hub-cert "$T/hub/tls/$cert.pem" \
		--hub-cert-key "$T/hub/tls/$cert.key" "$@" 2>>"$dir.log" &
	UPID=$!
	PIDS+=("$UPID")
	for _ in $(seq 1 400); do [ -s "$dir.ready" ] && break; kill -0 $UPID 2>/dev/null || break; sleep 0.05; done
	[ -s "$dir.ready" ] || { echo "unit did not start"; cat "$dir.log"; exit 1; }
	UPORT=$(awk '{print $2}' "$dir.ready")
}
# hub_verified ID: entries of ID the hub verified
hub_verified() {
	as hadmin repl status --json | jget "[u['size'] for u in d['units'] if u['node_id']=='$1'][0]"
}
unit_size() { "$V" log head --data-dir "$1" --json | jget 'd["size"]'; }
# wait_for SECONDS CMD...: until CMD succeeds
wait_for() {
	local s=$1; shift
	for _ in $(seq 1 $((s * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}
# ustatus DIR PORT: the unit's own replication status, as its administrator
ustatus() {
	local dir=$1 port=$2 sess
	sess=$T/session.$(basename "$dir").$port
	[ -s "$sess" ] || VANTHU_SESSION=$sess "$V" login --server "127.0.0.1:$port" --plaintext --name admin \
		--password-file "$dir/bootstrap-admin-password" >/dev/null
	VANTHU_SESSION=$sess "$V" repl status --json
}
caught_up() { [ "$(hub_verified "$1")" = "$(unit_size "$2")" ]; }
# agree DIR ID: the unit's head root at its size = the hub's co-signed root
agree() {
	local dir=$1 id=$2 ur hr
	ur=$("$V" log head --data-dir "$dir" --json | jget 'd["root"]')
	hr=$(as hadmin repl status --json | jget "[u['head']['root'] for u in d['units'] if u['node_id']=='$id'][0]")
	[ "$ur" = "$hr" ]
}

# ---- certificates: not enrolled, another node's, another CA's
start_unit "$T/u3" $U3
wait_for 10 grep -q "not enrolled" "$T/u3.log" && pass=$((pass+1)) || { echo "FAIL not-enrolled"; cat "$T/u3.log"; fails=$((fails+1)); }
kill $UPID; wait $UPID 2>/dev/null || true
start_unit "$T/u3" $U1
wait_for 10 grep -q "certificate names $U1 but the unit says it is $U3" "$T/u3.log" && pass=$((pass+1)) ||
	{ echo "FAIL other-cert"; cat "$T/u3.log"; fails=$((fails+1)); }
kill $UPID; wait $UPID 2>/dev/null || true
"$V" tls issue --ca-dir "$T/otherca" --name u3 --cn $U3 >/dev/null # the right name, another CA
"$BIN/vanthud" --data-dir "$T/u3" --listen 127.0.0.1:0 --plaintext 1 --ready-file "$T/u3.ready" \
	--hub "localhost:$HPORT" --hub-ca "$HCA" --hub-cert "$T/otherca/u3.pem" --hub-cert-key "$T/otherca/u3.key" \
	2>>"$T/u3.log" & UPID=$!; PIDS+=("$UPID")
check u3-ready 0 wait_for 20 test -s "$T/u3.ready"
tls_refused() { ustatus "$T/u3" "$(awk '{print $2}' "$T/u3.ready")" | grep -q '"last_error":"UNAVAILABLE'; }
check other-ca-refused 0 wait_for 20 tls_refused
check other-ca-status 0 ustatus "$T/u3" "$(awk '{print $2}' "$T/u3.ready")"
expect other-ca-status '"state":"\(backoff\|connect\|handshake\)"'
expect other-ca-status '"acked":0'
expect other-ca-status '"last_error":"UNAVAILABLE'
kill $UPID; wait $UPID 2>/dev/null || true
check hub-no-u3 0 as hadmin repl status --json
if grep -q "$U3" <<<"$out"; then echo "FAIL hub-no-u3: a refused unit got in"; fails=$((fails+1)); fi

# ---- a 10,000-entry catch-up; the hub killed (-9) in the middle and restarted
check fill-u1 0 "$TOOL" fill "$T/u1" 10000
start_unit "$T/u1" $U1 --repl-batch 10 --repl-window 1
U1PID=$UPID
U1PORT=$UPORT
at_least() { [ "$(hub_verified "$1")" -ge "$2" ]; }
wait_for 60 at_least $U1 1000 ||
	{ echo "FAIL catch-up did not start"; tail -5 "$T/u1.log"; fails=$((fails+1)); }
MID=$(hub_verified $U1)
kill -9 $HPID; { wait $HPID; } 2>/dev/null || true
echo "hub killed with $MID of 10000+ entries verified"
check killed-mid-catch-up 0 test "$MID" -lt 10000
check unit-sees-hub-gone 0 wait_for 10 bash -c "grep -q 'replication to localhost:$HPORT' '$T/u1.log'"
start_hub "127.0.0.1:$HPORT"
check caught-up-after-kill 0 wait_for 120 caught_up $U1 "$T/u1"
check agree-after-kill 0 agree "$T/u1" $U1
# an auditor keeps this co-signed head, to check later that history only grew
OLD1=$(as hadmin repl status --json | jget "[str(u['head']['size'])+' '+u['head']['root'] for u in d['units'] if u['node_id']=='$U1'][0]")
streaming() { ustatus "$T/u1" "$1" | grep -q '"state":"streaming"'; }
check unit-streaming-again 0 wait_for 60 streaming $U1PORT
check unit-status 0 ustatus "$T/u1" $U1PORT
expect unit-status '"state":"streaming"'
expect unit-status '"lag_entries":0'

# ---- the unit killed mid-stream, then restarted
kill $U1PID; wait $U1PID 2>/dev/null || true
check fill-u1-more 0 "$TOOL" fill "$T/u1" 5000
BEFORE=$(hub_verified $U1)
start_unit "$T/u1" $U1 --repl-batch 100 --repl-window 2
# killed once the hub has some of the backlog, not all of it
check unit-shipping 0 wait_for 60 at_least $U1 $((BEFORE + 100))
kill -9 $UPID; { wait $UPID; } 2>/dev/null || true
MID=$(hub_verified $U1)
echo "unit killed with $((MID - BEFORE)) of 5000 new entries at the hub"
start_unit "$T/u1" $U1
U1PID=$UPID
U1PORT=$UPORT
check caught-up-after-unit-kill 0 wait_for 120 caught_up $U1 "$T/u1"
check agree-after-unit-kill 0 agree "$T/u1" $U1

# ---- network cut: the hub stopped while the unit builds a backlog
kill $HPID; wait $HPID 2>/dev/null || true
kill $U1PID; wait $U1PID 2>/dev/null || true
check fill-while-cut 0 "$TOOL" fill "$T/u1" 3000
start_unit "$T/u1" $U1
U1PID=$UPID
U1PORT=$UPORT
cut() { ustatus "$T/u1" $U1PORT | grep -q '"last_error":"UNAVAILABLE'; }
check cut-seen 0 wait_for 20 cut
check cut-status 0 ustatus "$T/u1" $U1PORT
expect cut-status '"state":"\(backoff\|connect\)"'
expect cut-status '"lag_entries":3000'
start_hub "127.0.0.1:$HPORT"
check caught-up-after-cut 0 wait_for 120 caught_up $U1 "$T/u1"
check agree-after-cut 0 agree "$T/u1" $U1
check hub-consistency 0 as hadmin audit consistency --origin $U1 --key "$PK1" --old "${OLD1%% *}" --old-root "${OLD1#* }"
expect hub-consistency "consistency proof verified"
check hub-consistency-other-root 6 as hadmin audit consistency --origin $U1 --key "$PK1" --old "${OLD1%% *}" \
	--old-root 0000000000000000000000000000000000000000000000000000000000000000
mkdir -p "$T/scratch"
check replica-verifies 0 "$V" log verify --data-dir "$T/hub" --origin $U1 --scratch "$T/scratch"

# ---- exchange: U1 sends an issued document to U2 through the hub
start_unit "$T/u2" $U2
U2PID=$UPID
U2PORT=$UPORT
printf 'a long password\n' > "$T/pw"
for u in 1:$U1PORT 2:$U2PORT; do
	n=${u%%:*}; p=${u#*:}
	check "u$n-admin" 0 as "a$n" login --server "127.0.0.1:$p" --plaintext --name admin \
		--password-file "$T/u$n/bootstrap-admin-password"
	check "u$n-clerk" 0 as "a$n" account create --name van.thu --full-name "Văn thư $n" --roles clerk \
		--password-file "$T/pw"
	check "u$n-clerk-login" 0 as "c$n" login --server "127.0.0.1:$p" --plaintext --name van.thu --password-file "$T/pw"
done
head -c 20000 /dev/urandom > "$T/body"; { printf '%%PDF-1.4\n'; cat "$T/body"; printf '\n%%%%EOF\n'; } > "$T/scan.pdf"
send_doc() { # send_doc SUMMARY [NODE]: an outgoing paper issue of U1, digitised and distributed to U2
	check "send-create-$1" 0 as c1 doc create --direction outgoing --type CV --summary "$1" --paper --register di --json
	SENT=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' <<<"$out" | head -1)
	check "send-scan-$1" 0 as c1 doc act --id "$SENT" --action attach-digitised --file "$T/scan.pdf"
	check "send-distribute-$1" 0 as c1 doc act --id "$SENT" --action distribute --nodes "${2:-$U2}"
}
knows_u2() { ustatus "$T/u1" $U1PORT | grep -q "\"node_id\":\"$U2\",\"name\":\"Đơn vị 2\""; }
check directory 0 wait_for 30 knows_u2
send_doc "Công văn gửi đơn vị 2"
DOC1=$SENT
check unknown-node-doc 0 as c1 doc create --direction outgoing --type CV --summary "Gửi nhầm" --paper --register di --json
NOPE_DOC=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' <<<"$out" | head -1)
check unknown-node-scan 0 as c1 doc act --id "$NOPE_DOC" --action attach-digitised --file "$T/scan.pdf"
check distribute-unknown-node 4 as c1 doc act --id "$NOPE_DOC" --action distribute --nodes 000.00.09.NOPE
expect distribute-unknown-node "not a node the hub reaches"
send_doc "Công văn thứ hai"
DOC2=$SENT
received() { as c2 doc list --json | grep -q "$1"; }
check arrived 0 wait_for 30 received "Công văn thứ hai"
check list-u2 0 as c2 doc list --state received --json
expect list-u2 "\"exchange_from\":\"$U1\""
R1=$(/usr/bin/python3 -c "import json,sys; print([x['id'] for x in json.loads(sys.argv[1]) if x['exchange_source']=='$DOC1'][0])" "$out")
R2=$(/usr/bin/python3 -c "import json,sys; print([x['id'] for x in json.loads(sys.argv[1]) if x['exchange_source']=='$DOC2'][0])" "$out")
check u2-file 0 as c2 doc get --id "$R1" --json
expect u2-file "$(sha256sum "$T/scan.pdf" | cut -d' ' -f1)"
status_is() { as c1 doc get --id "$1" --json | grep -q "\"node\":\"$U2\",\"code\":\"$2\""; }
check status-01 0 wait_for 30 status_is "$DOC1" 01
check u2-register 0 as c2 doc register --id "$R1" --book den
check status-03 0 wait_for 30 status_is "$DOC1" 03
check u2-reject 0 as c2 doc act --id "$R2" --action reject --comment "Gửi nhầm đơn vị"
check status-02 0 wait_for 30 status_is "$DOC2" 02
check status-02-reason 0 as c1 doc get --id "$DOC2" --json
expect status-02-reason "Gửi nhầm đơn vị"
check recall 0 as c1 doc act --id "$DOC1" --action recall --comment "Thu hồi để sửa"
check status-15 0 wait_for 30 status_is "$DOC1" 15
check recalled-u2 0 as c2 doc get --id "$R1" --json
expect recalled-u2 "Thu hồi để sửa"
check recalled-no-act 5 as c2 doc act --id "$R1" --action submit-to-head --to admin
# the hub answers for its units: an archivist reads U2's replica
check hub-archivist 0 as hadmin account create --name luu.tru --full-name "Lưu trữ" --roles archivist \
	--password-file "$T/pw"
check hub-archivist-login 0 as harch login --server "localhost:$HPORT" --ca "$HCA" --name luu.tru --password-file "$T/pw"
check hub-replica-list 0 wait_for 30 bash -c "VANTHU_SESSION=$T/session.harch '$V' doc list --origin $U2 --json | grep -q '\"id\":\"$R1\"'"
check hub-replica-get 0 as harch doc get --id "$R1" --json
expect hub-replica-get "\"exchange_from\":\"$U1\""
# an auditor's proofs at the hub: U2's entry, U2's head, the hub's co-signature
check hub-proof 0 as harch audit proof --origin $U2 --key "$PK2" --hub-key "$HUBKEY" --seq 3
expect hub-proof "co-signature verified"
check hub-proof-wrong-hub-key 6 as harch audit proof --origin $U2 --key "$PK2" --hub-key "$PK1" --seq 3
check hub-proof-wrong-unit-key 6 as harch audit proof --origin $U2 --key "$PK1" --seq 3
check hub-head 0 as harch audit head --origin $U2 --key "$PK2"
expect hub-head "signature valid"
check hub-replica-unknown 3 as harch doc list --origin 000.00.09.NOPE
check unit-no-replicas 4 as c1 doc list --origin $U2
# the hub's own office receives from units too, and its status goes back
send_doc "Báo cáo gửi sở" $HUB
DOC3=$SENT
at_hub() { as harch doc list --json | grep -q "\"exchange_source\":\"$DOC3\""; }
check hub-office-received 0 wait_for 30 at_hub
check status-01-from-hub 0 wait_for 30 bash -c "VANTHU_SESSION=$T/session.c1 '$V' doc get --id '$DOC3' --json | grep -q '\"node\":\"$HUB\",\"code\":\"01\"'"
check hub-units 0 as hadmin repl status
expect hub-units "$U1"
expect hub-units "$U2"

# ---- a unit that lost its disk, restored from the hub
kill $U2PID; wait $U2PID 2>/dev/null || true
check u2-agreed 0 caught_up $U2 "$T/u2"
cp "$T/u2/keys/node.ed25519" "$T/u2.key"
U2SIZE=$(unit_size "$T/u2")
mv "$T/u2" "$T/u2.lost"
check restore-wrong-hubkey 6 "$V" restore --data-dir "$T/u2" --hub "localhost:$HPORT" --hub-ca "$HCA" \
	--cert "$T/hub/tls/$U2.pem" --cert-key "$T/hub/tls/$U2.key" --hub-key "$PK1" --node-id $U2 --node-key "$T/u2.key"
check restore-wrong-hubkey-clean 1 test -e "$T/u2/db"
check restore-other-unit 8 "$V" restore --data-dir "$T/u2" --hub "localhost:$HPORT" --hub-ca "$HCA" \
	--cert "$T/hub/tls/$U1.pem" --cert-key "$T/hub/tls/$U1.key" --hub-key "$HUBKEY" --node-id $U2 --node-key "$T/u2.key"
check restore 0 "$V" restore --data-dir "$T/u2" --hub "localhost:$HPORT" --hub-ca "$HCA" \
	--cert "$T/hub/tls/$U2.pem" --cert-key "$T/hub/tls/$U2.key" --hub-key "$HUBKEY" --node-id $U2 --node-key "$T/u2.key"
expect restore "$U2SIZE entries"
check restored-verifies 0 "$V" log verify --data-dir "$T/u2"
check restored-same-root 0 test "$("$V" log head --data-dir "$T/u2" --json | jget 'd["root"]')" = \
	"$("$V" log head --data-dir "$T/u2.lost" --json | jget 'd["root"]')"
check restored-doc 0 "$V" doc show --data-dir "$T/u2" --id "$R1" --json
expect restored-doc "Thu hồi để sửa"
rm -rf "$T/u2"
"$BIN/vanthud" --data-dir "$T/u2" --node-id $U2 --listen 127.0.0.1:0 --plaintext 1 --ready-file "$T/u2r.ready" \
	--hub "localhost:$HPORT" --hub-ca "$HCA" --hub-cert "$T/hub/tls/$U2.pem" --hub-cert-key "$T/hub/tls/$U2.key" \
	--hub-public-key "$HUBKEY" --restore-from-hub "$T/u2.key" 2>"$T/u2r.log" & UPID=$!; PIDS+=("$UPID")
check restore-from-hub 0 wait_for 30 test -s "$T/u2r.ready"
check restore-from-hub-log 0 grep -q "verified against the hub's co-signed head" "$T/u2r.log"
check restored-streams 0 wait_for 30 grep -q "connected to hub" "$T/u2r.log"
# password hashes never enter the log: the administrator gets a new one
check restored-admin 0 grep -q "new password for the administrator 'admin'" "$T/u2r.log"
check restored-login 0 as r2 login --server "127.0.0.1:$(awk '{print $2}' "$T/u2r.ready")" --plaintext --name admin \
	--password-file "$T/u2/bootstrap-admin-password"
check restored-clerk-no-password 9 as r2c login --server "127.0.0.1:$(awk '{print $2}' "$T/u2r.ready")" --plaintext \
	--name van.thu --password-file "$T/pw"
check restored-reset 0 as r2 account reset-password --name van.thu --password-file "$T/pw"
check restored-clerk-login 0 as r2c login --server "127.0.0.1:$(awk '{print $2}' "$T/u2r.ready")" --plaintext \
	--name van.thu --password-file "$T/pw"
check restored-doc-api 0 as r2c doc get --id "$R1" --json
expect restored-doc-api "Thu hồi để sửa"
kill $UPID; wait $UPID 2>/dev/null || true

# ---- a data directory edited behind the unit's back: an entry the hub
# verified, changed in place (nothing else touched): the hub's spot check
kill $U1PID; wait $U1PID 2>/dev/null || true
refused() { as hadmin repl status --json | jget "[u['refused'] for u in d['units'] if u['node_id']=='$1'][0]" | grep -q True; }
N1=$(unit_size "$T/u1")
check poke 0 "$TOOL" poke "$T/u1" $((N1 - 1))
start_unit "$T/u1" $U1
U1PID=$UPID
check poke-refused 0 wait_for 30 refused $U1
check poke-alarm 0 as hadmin repl status --json
expect poke-alarm "entry $((N1 - 1)) on its disk is not the one the hub verified"
kill $U1PID; wait $U1PID 2>/dev/null || true
check unpoke 0 "$TOOL" poke "$T/u1" $((N1 - 1))
check reinstate-after-poke 0 as hadmin hub reinstate --node-id $U1 --reason "entry restored from backup"
start_unit "$T/u1" $U1
U1PID=$UPID
check streams-after-reinstate 0 wait_for 30 streaming $UPORT
kill $U1PID; wait $U1PID 2>/dev/null || true

# ---- an old entry rewritten, the log re-signed with the node's key
check rewrite 0 "$TOOL" rewrite "$T/u1" 5
start_unit "$T/u1" $U1
U1PID=$UPID
check rewrite-refused 0 wait_for 30 refused $U1
check alarm 0 as hadmin repl status --json
expect alarm "\"node_id\":\"$U1\",\"reason\":\"[^\"]*\\(rewritten\\|another history\\)"
expect alarm '"alarms":2,'

check alarm-in-hub-log 0 "$V" log show --data-dir "$T/hub" --json
expect alarm-in-hub-log '"unit_refused"'
# (the rebuilt database has no password hashes: the unit's log says it)
check unit-refused-state 0 wait_for 30 grep -q "is refused by hub $HUB.*(refused)" "$T/u1.log"
kill $U1PID; wait $U1PID 2>/dev/null || true
# reinstating does not make a rewritten history acceptable
check reinstate 0 as hadmin hub reinstate --node-id $U1 --reason "investigated"
start_unit "$T/u1" $U1
U1PID=$UPID
check refused-again 0 wait_for 30 refused $U1
kill $U1PID; wait $U1PID 2>/dev/null || true

# ---- the log truncated and regrown (U2's lost disk, now behind the hub)
N2=$(unit_size "$T/u2.lost")
check truncate 0 "$TOOL" truncate "$T/u2.lost" $((N2 - 3))
check regrow 0 "$TOOL" fill "$T/u2.lost" 5
start_unit "$T/u2.lost" $U2
check truncate-refused 0 wait_for 30 refused $U2
check alarm-truncated 0 as hadmin repl status --json
expect alarm-truncated "\"node_id\":\"$U2\",\"reason\":\"[^\"]*\(another history\|rewrote\|truncated\|edited data directory\)"
kill $UPID; wait $UPID 2>/dev/null || true

# every state change of every unit's link was one of its table's
check no-unexpected-transitions 1 grep -h "unexpected transition" "$T"/*.log
finish
