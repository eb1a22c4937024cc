#!/usr/bin/env bash
# End to end: `vanthu pdf sign|verify` on files. The 3-signature flow with a
# PEM key, a PKCS#12 file and a SoftHSM2 token (PIN from an env var), checked by
# our verifier (exit codes, JSON) and by pdfsig; tampering gives exit 6.
set -euo pipefail
BIN=$(cd "${VT_BIN:-$(dirname "$0")/../../build}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d "${VT_TEST_TMP:-/tmp}/e2e-pdf.XXXXXX" 2>/dev/null || mktemp -d)
DPID=
trap '[ -n "$DPID" ] && kill $DPID 2>/dev/null; rm -rf "$T"' EXIT
V="$BIN/vanthu"
. "$HERE/lib.sh"

python3 "$HERE/../sign/mkfixtures.py" "$T" >/dev/null
cd "$T"
printf 'test\n' > p12.pw

check usage 4 "$V" pdf sign --in plain.pdf
check no-key 4 "$V" pdf sign --in plain.pdf --out x.pdf
check bad-verb 4 "$V" pdf frobnicate --in plain.pdf
check unsigned-verify 0 "$V" pdf verify --in plain.pdf --ca root.pem
expect unsigned-verify "not signed"
check unsigned-require 6 "$V" pdf verify --in plain.pdf --ca root.pem --require valid

check initials 0 "$V" pdf sign --in plain.pdf --out s1.pdf --key initials.key.pem --cert initials.pem \
	--chain chain.pem --reason "Ký nháy" --name "Trần Thị Bình" --field "Ký nháy"
check signer-p12 0 "$V" pdf sign --in s1.pdf --out s2.pdf --p12 signer.p12 --pass-file p12.pw \
	--reason "Ký ban hành" --rect 330,120,500,180 --text "Nguyễn Văn An|Giám đốc" --color blue
check not-yet-legal 6 "$V" pdf verify --in s2.pdf --ca root.pem --require legal
expect not-yet-legal "reference only"

if command -v softhsm2-util >/dev/null && command -v pkcs11-tool >/dev/null; then
	mkdir tokens
	printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$T" > softhsm2.conf
	export SOFTHSM2_CONF=$T/softhsm2.conf
	softhsm2-util --init-token --free --label "Văn thư" --so-pin 87654321 --pin 246810 >/dev/null
	pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label "Văn thư" --login --pin 246810 \
		--write-object agency.key.pem --type privkey --id 02 --label agency --usage-sign >/dev/null 2>&1
	check token-no-pin 4 env -u AGENCY_PIN "$V" pdf sign --in s2.pdf --out s3.pdf --token "Văn thư" \
		--pin-env AGENCY_PIN --cert agency.pem --chain chain.pem </dev/null
	expect token-no-pin "AGENCY_PIN (the PIN) is not set"
	printf '000000\n' > wrong.pin
	check token-wrong-pin 9 "$V" pdf sign --in s2.pdf --out s3.pdf --token "Văn thư" --pin-file wrong.pin \
		--cert agency.pem
	expect token-wrong-pin "wrong PIN"
	check agency-token 0 env AGENCY_PIN=246810 "$V" pdf sign --in s2.pdf --out s3.pdf --token "Văn thư" \
		--pin-env AGENCY_PIN --cert agency.pem --chain chain.pem --reason "Văn thư đóng dấu" \
		--rect 280,110,380,190 --text "Sở Nông nghiệp|24/11/2026 10:00" --color red
else
	check agency-file 0 "$V" pdf sign --in s2.pdf --out s3.pdf --key agency.key.pem --cert agency.pem \
		--chain chain.pem --reason "Văn thư đóng dấu"
fi
check legal 0 "$V" pdf verify --in s3.pdf --ca root.pem --require legal
expect legal "legally valid electronic document"
expect legal "revision 4 of 4"
check json 0 "$V" pdf verify --in s3.pdf --ca root.pem --json
expect json '"legal":true'
expect json '"kind":"agency"'
expect json '"reason":"Ký nháy"'
check untrusted-anchor 6 "$V" pdf verify --in s3.pdf --ca rogue-root.pem
expect untrusted-anchor "untrusted"

if command -v pdfsig >/dev/null && command -v certutil >/dev/null; then
	mkdir nss home
	certutil -N -d sql:nss --empty-password
	certutil -A -d sql:nss -n root -t CT,C,C -i root.pem
	out=$(HOME=$T/home pdfsig -nssdir sql:nss s3.pdf 2>&1 || true)
	n=$(grep -c "Signature is Valid." <<<"$out" || true)
	m=$(grep -c "Certificate is Trusted." <<<"$out" || true)
	if [ "$n" = 3 ] && [ "$m" = 3 ]; then pass=$((pass+1)); else
		echo "FAIL pdfsig: $n valid, $m trusted of 3"; echo "$out" | sed 's/^/    /'; fails=$((fails+1)); fi
fi
if command -v qpdf >/dev/null; then
	check qpdf-check 0 qpdf --check s3.pdf
fi

# a revoked signer, with and without the CA's CRL
check revoked-sign 0 "$V" pdf sign --in plain.pdf --out r.pdf --key revoked.key.pem --cert revoked.pem --chain chain.pem
check revoked 6 "$V" pdf verify --in r.pdf --ca root.pem --crl crl.pem
expect revoked "revoked"
check no-crl 0 "$V" pdf verify --in r.pdf --ca root.pem

# a byte of the first revision changed: every signature fails, exit 6
python3 -c "
import sys; b = bytearray(open('s3.pdf','rb').read()); i = b.index(b'QUYET'); b[i] ^= 1
open('t.pdf','wb').write(b)"
check tampered 6 "$V" pdf verify --in t.pdf --ca root.pem
expect tampered "digest-mismatch"

# The node checks a received document's signatures (Điều 8.1) against its
# trust anchors and records who checked, when, and what it found.
start_node "$T/node" --node-id 000.00.00.H54 --plaintext 1 --trust-ca "$T/root.pem"
S="127.0.0.1:$PORT"
printf 'clerk password 1\n' > "$T/clerk.pw"
export VANTHU_SESSION=$T/session
check admin-login 0 "$V" login --server "$S" --plaintext --name admin --password-file "$T/node/bootstrap-admin-password"
check clerk 0 "$V" account create --name van.thu --full-name "Văn Thư" --roles clerk --password-file "$T/clerk.pw"
check auditor 0 "$V" account create --name kiem.tra --full-name "Kiểm Tra" --roles auditor --password-file "$T/clerk.pw"
check clerk-login 0 "$V" login --name van.thu --password-file "$T/clerk.pw"
check receive-signed 0 "$V" doc create --direction incoming --type QĐ --symbol 1/QĐ-UBND --agency "UBND" \
	--summary "Quyết định đã ký" --file "$T/s3.pdf" --json
signed_id=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' <<<"$out")
check receive-plain 0 "$V" doc create --direction incoming --type CV --symbol 2/UBND-VP --agency "UBND" \
	--summary "Công văn chưa ký" --file "$T/plain.pdf" --json
plain_id=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' <<<"$out")
check pending 0 "$V" doc get --id "$signed_id" --json
expect pending '"check":"pending"'
check verify-signed 0 "$V" doc verify --id "$signed_id" --json
expect verify-signed '"legal":true'
check verified 0 "$V" doc get --id "$signed_id" --json
expect verified '"legally_valid":true'
expect verified '"check":"valid"'
check verify-plain 0 "$V" doc verify --id "$plain_id" --json
expect verify-plain '"legal":false'
check plain-reference 0 "$V" doc get --id "$plain_id" --json
expect plain-reference '"legally_valid":false'
check entries-before 0 "$V" log show --data-dir "$T/node" --count 1000 --json
n1=$(grep -o '"event":"document_verified"' <<<"$out" | wc -l)
check auditor-login 0 env VANTHU_SESSION=$T/session.a "$V" login --server "$S" --plaintext --name kiem.tra \
	--password-file "$T/clerk.pw"
check auditor-verify 0 env VANTHU_SESSION=$T/session.a "$V" doc verify --id "$signed_id"
expect auditor-verify "legally valid"
check entries-after 0 "$V" log show --data-dir "$T/node" --count 1000 --json
n2=$(grep -o '"event":"document_verified"' <<<"$out" | wc -l)
if [ "$n1" = 2 ] && [ "$n2" = 2 ]; then pass=$((pass+1)); else
	echo "FAIL verifications recorded: $n1 then $n2 (want 2, and none for the auditor)"; fails=$((fails+1)); fi

# Điều 9 with real signatures: initials, the signer's, the agency's, each
# added to the same PDF as an incremental update and carried by its action.
as() { local u=$1; shift; VANTHU_SESSION="$T/s.$u" "$V" "$@"; }
check admin-again 0 as admin login --server "$S" --plaintext --name admin \
	--password-file "$T/node/bootstrap-admin-password"
check unit 0 as admin unit define --id ke-hoach --name "Phòng Kế hoạch"
for u in cv.kh:staff tp.kh:unit-leader gd:agency-leader; do
	check "acct-${u%%:*}" 0 as admin account create --name "${u%%:*}" --full-name "${u%%:*}" --roles "${u#*:}" \
		--unit ke-hoach --password-file "$T/clerk.pw"
	check "login-${u%%:*}" 0 env VANTHU_SESSION="$T/s.${u%%:*}" "$V" login --server "$S" --plaintext \
		--name "${u%%:*}" --password-file "$T/clerk.pw"
done
check draft 0 as cv.kh doc create --direction outgoing --type QĐ --summary "Quyết định có chữ ký số" \
	--file "$T/plain.pdf" --json
out_id=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' <<<"$out")
check submit 0 as cv.kh doc act --id "$out_id" --action submit --to tp.kh
check initials-sign 0 "$V" pdf sign --in "$T/plain.pdf" --out "$T/w1.pdf" --key initials.key.pem --cert initials.pem \
	--chain chain.pem --reason "Ký nháy"
check initial 0 as tp.kh doc act --id "$out_id" --action initial --to gd --file "$T/w1.pdf"
check signer-sign 0 "$V" pdf sign --in "$T/w1.pdf" --out "$T/w2.pdf" --p12 signer.p12 --pass-file p12.pw \
	--reason "Ký ban hành"
check sign 0 as gd doc act --id "$out_id" --action sign --file "$T/w2.pdf"
check agency-sign 0 "$V" pdf sign --in "$T/w2.pdf" --out "$T/w3.pdf" --key agency.key.pem --cert agency.pem \
	--chain chain.pem --reason "Văn thư đóng dấu"
check issue 0 "$V" doc act --id "$out_id" --action issue --book di --file "$T/w3.pdf"
check verify-issued 0 "$V" doc verify --id "$out_id" --json
expect verify-issued '"legal":true'
check issued-legal 0 "$V" doc get --id "$out_id" --json
expect issued-legal '"legally_valid":true'
expect issued-legal '"versions":4'
expect issued-legal '"kind":"agency","account":"van.thu","check":"valid"'

finish
