#!/usr/bin/env bash
# End to end over TLS: a real vanthud, driven through vanthu. The first
# administrator logs in, creates a clerk, a staff member and an auditor; the
# clerk receives and registers documents with files; everyone's role is
# checked; the file comes back intact; an inclusion proof is verified
# against the signed tree head; bad input is refused and the node goes on.
set -euo pipefail
BIN=${VT_BIN:-$(dirname "$0")/../../build}
T=$(mktemp -d "${VT_TEST_TMP:-/tmp}/e2e-api.XXXXXX" 2>/dev/null || mktemp -d)
DPID=
trap '[ -n "$DPID" ] && kill $DPID 2>/dev/null; rm -rf "$T"' EXIT
V="$BIN/vanthu"
unset VANTHU_DATA_DIR VANTHU_SERVER
export VANTHU_SESSION=$T/session
. "$(dirname "$0")/lib.sh"
as() { # as USER CMD... : runs vanthu with USER's session file
	local u=$1; shift
	VANTHU_SESSION=$T/session.$u "$@"
}

start_node "$T/node" --node-id 000.00.00.H54 --agency-symbol SNN
S="localhost:$PORT"
CA=$T/node/tls/ca.pem
cp "$T/node/bootstrap-admin-password" "$T/admin.pw"
printf 'clerk password 1\n' > "$T/clerk.pw"
printf 'staff password 1\n' > "$T/staff.pw"
printf 'auditor password 1\n' > "$T/auditor.pw"

check no-ca 10 "$V" login --server "$S" --name admin --password-file "$T/admin.pw"
check wrong-password 9 "$V" login --server "$S" --ca "$CA" --name admin --password-file "$T/clerk.pw"
expect wrong-password "wrong login name or password"
check admin-login 0 as admin "$V" login --server "$S" --ca "$CA" --name admin --password-file "$T/admin.pw"
check unit 0 as admin "$V" unit define --id van-phong --name "Văn phòng"
check clerk 0 as admin "$V" account create --name van.thu --full-name "Nguyễn Thị Thư" --roles clerk \
	--unit van-phong --password-file "$T/clerk.pw"
check staff 0 as admin "$V" account create --name chuyen.vien --full-name "Lê Văn Minh" --roles staff \
	--password-file "$T/staff.pw"
check auditor 0 as admin "$V" account create --name kiem.tra --full-name "Trần Văn Kiểm" --roles auditor \
	--password-file "$T/auditor.pw"
check dup-account 5 as admin "$V" account create --name van.thu --full-name X --roles clerk --password-file "$T/clerk.pw"
check bad-role 4 as admin "$V" account create --name x.y --full-name X --roles boss --password-file "$T/clerk.pw"
check list 0 as admin "$V" account list --json
expect list '"name":"kiem.tra"'
check admin-no-docs 8 as admin "$V" doc create --direction incoming --type QĐ --symbol 1/QĐ-X --agency X --summary s
expect admin-no-docs "may not"

for u in clerk:van.thu staff:chuyen.vien auditor:kiem.tra; do
	check "login-${u%%:*}" 0 as "${u%%:*}" "$V" login --server "$S" --ca "$CA" --name "${u#*:}" \
		--password-file "$T/${u%%:*}.pw"
done
check whoami 0 as clerk "$V" whoami --json
expect whoami '"roles":\["clerk"\]'

head -c 300000 /dev/urandom > "$T/body"; { printf '%%PDF-1.4\n'; cat "$T/body"; printf '\n%%%%EOF\n'; } > "$T/scan.pdf"
sha=$(sha256sum "$T/scan.pdf" | cut -d' ' -f1)
for i in 1 2 3; do
	check "receive-$i" 0 as clerk "$V" doc create --direction incoming --type QĐ --symbol "$i/QĐ-UBND" \
		--agency "UBND tỉnh Sóc Trăng" --summary "Văn bản đến $i" --file "$T/scan.pdf" --register den --json
	expect "receive-$i" "\"number\":$i,"
done
id=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' <<<"$out")
check duplicate 5 as clerk "$V" doc create --direction incoming --type QĐ --symbol "3/qđ-ubnd" \
	--agency "UBND tỉnh Sóc Trăng" --summary "lại" --register den
expect duplicate "already registered"
check staff-cannot-receive 8 as staff "$V" doc create --direction incoming --type QĐ --symbol 9/QĐ-X --agency X --summary s
check staff-drafts 0 as staff "$V" doc create --direction outgoing --type TB --summary "Thông báo lịch họp" --json
draft=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' <<<"$out")
check staff-cannot-register 8 as staff "$V" doc register --id "$draft" --book di
check draft-not-numbered 5 as clerk "$V" doc register --id "$draft" --book di
expect draft-not-numbered "issues it after signing"
check paper-issue 0 as clerk "$V" doc create --direction outgoing --type TB --summary "Thông báo (bản giấy)" \
	--paper --register di --json
expect paper-issue '"number_symbol":"01/TB-SNN"'
check auditor-cannot-write 8 as auditor "$V" doc create --direction outgoing --type TB --summary x
check auditor-reads 0 as auditor "$V" doc get --id "$id" --json
expect auditor-reads "$sha"
check download 0 as auditor "$V" doc download --sha256 "$sha" --out "$T/back.pdf"
if cmp -s "$T/scan.pdf" "$T/back.pdf"; then pass=$((pass+1)); else echo "FAIL download differs"; fails=$((fails+1)); fi
check download-missing 3 as auditor "$V" doc download --sha256 "$(printf '%064d' 0)" --out "$T/none.pdf"
check register-list 0 as clerk "$V" register list --book den
expect register-list "Văn bản đến 3"
check register-csv 0 as auditor "$V" register list --book di --csv
expect register-csv '"01/TB-SNN"'
check doc-list 0 as clerk "$V" doc list --json
expect doc-list "$draft"
check audit-head 0 as auditor "$V" audit head
expect audit-head "signature valid"
check audit-proof 0 as auditor "$V" audit proof --seq 5
expect audit-proof "path verified"
check audit-wrong-key 6 as auditor "$V" audit proof --seq 5 --key "$(printf '%064d' 0)"
check proof-beyond 4 as auditor "$V" audit proof --seq 99999
check bad-token 9 env VANTHU_SESSION=/dev/null "$V" whoami --server "$S" --ca "$CA"
check passwd 0 as staff env VANTHU_PASSWORD="staff password 1" VANTHU_NEW_PASSWORD="staff password 2" "$V" passwd
check old-session-ended 9 as staff "$V" whoami
expect old-session-ended "log in again"
check disable 0 as admin "$V" account disable --name van.thu
check disabled-session 9 as clerk "$V" whoami
check logout 0 as auditor "$V" logout
check after-logout 9 as auditor "$V" whoami

# still serving, and the log verifies offline while the node runs
check still-serving 0 as admin "$V" whoami
check verify-running 0 "$V" log verify --data-dir "$T/node" --no-rebuild
kill -TERM $DPID; set +e; wait $DPID; rc=$?; set -e; DPID=
if [ "$rc" = 0 ]; then pass=$((pass+1)); else echo "FAIL vanthud exit $rc"; tail -5 "$T/node.log"; fails=$((fails+1)); fi
check verify-after 0 "$V" log verify --data-dir "$T/node"
expect verify-after "keys identical"

finish
