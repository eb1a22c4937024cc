#!/usr/bin/env bash
# The regulation end to end (Điều 8, 9) through vanthu against a real vanthud:
# incoming received → registered (số đến 1, 2, 3) → submitted → directed
# (lead, coordinating, deadline) → assigned → resolved into a dossier; a
# rejection with its reason; outgoing drafted → returned for changes →
# revised → resubmitted → initialed → appraised → signed → returned by the
# clerk → fixed → signed → issued (number, date, agency signature) →
# distributed; a paper issue (9.4c); wrong roles and states refused; two
# clerks issuing at once: exactly one wins.
set -euo pipefail
BIN=${VT_BIN:-$(dirname "$0")/../../build}
T=$(mktemp -d "${VT_TEST_TMP:-/tmp}/e2e-wf.XXXXXX" 2>/dev/null || mktemp -d)
DPID=
trap '[ -n "$DPID" ] && kill $DPID 2>/dev/null; rm -rf "$T"' EXIT
V="$BIN/vanthu"
unset VANTHU_DATA_DIR VANTHU_SERVER
. "$(dirname "$0")/lib.sh"
as() { local u=$1; shift; VANTHU_SESSION=$T/session.$u "$V" "$@"; }
idof() { sed -n 's/.*"id":"\([^"]*\)".*/\1/p' <<<"$out" | head -1; }

start_node "$T/node" --node-id 000.00.00.H54 --agency-symbol SNN --plaintext 1
S="127.0.0.1:$PORT"
printf 'a long password\n' > "$T/pw"
check admin-login 0 as admin login --server "$S" --plaintext --name admin --password-file "$T/node/bootstrap-admin-password"
for u in van-phong:"Văn phòng" ke-hoach:"Phòng Kế hoạch" phap-che:"Phòng Pháp chế"; do
	check "unit-${u%%:*}" 0 as admin unit define --id "${u%%:*}" --name "${u#*:}"
done
# name roles unit
while read -r name roles unit full; do
	check "account-$name" 0 as admin account create --name "$name" --full-name "$full" --roles "$roles" \
		--unit "$unit" --password-file "$T/pw"
	check "login-$name" 0 as "$name" login --server "$S" --plaintext --name "$name" --password-file "$T/pw"
done <<'EOF2'
van.thu clerk van-phong Nguyễn Thị Thư
van.thu2 clerk van-phong Lê Thị Hai
giam.doc agency-leader van-phong Trần Văn Giám
truong.kh unit-leader ke-hoach Phạm Văn Trưởng
cv.kh staff ke-hoach Hoàng Thị Viên
truong.pc unit-leader phap-che Vũ Văn Chế
cv.pc staff phap-che Đỗ Thị Pháp
EOF2

# ---- incoming (Điều 8)
printf '%%PDF-1.4\nscan\n%%%%EOF\n' > "$T/scan.pdf"
printf '%%PDF-1.3\nold\n%%%%EOF\n' > "$T/old.pdf"
ids=()
for i in 1 2 3 4; do
	check "receive-$i" 0 as van.thu doc create --direction incoming --type CV --symbol "$i/UBND-VX" \
		--agency "UBND tỉnh Sóc Trăng" --summary "Công văn đến $i" --urgency 1 --json
	ids+=("$(idof)")
done
check received-state 0 as van.thu doc get --id "${ids[0]}" --json
expect received-state '"state":"received"'
check digitise-old-pdf 4 as van.thu doc act --id "${ids[0]}" --action digitise --file "$T/old.pdf"
expect digitise-old-pdf "1.4 or later"
check digitise 0 as van.thu doc act --id "${ids[0]}" --action digitise --file "$T/scan.pdf"
for i in 0 1 2; do
	check "register-$i" 0 as van.thu doc register --id "${ids[$i]}" --book den --json
	expect "register-$i" "\"number\":$((i + 1)),"
done
check reject-no-reason 4 as van.thu doc act --id "${ids[3]}" --action reject
check reject 0 as van.thu doc act --id "${ids[3]}" --action reject --comment "Gửi nhầm địa chỉ"
expect reject "rejected"
check register-rejected 5 as van.thu doc register --id "${ids[3]}" --book den
expect register-rejected "possible now: none"
check staff-cannot-submit 8 as cv.kh doc act --id "${ids[0]}" --action submit-to-head --to giam.doc
check submit-to-staff 4 as van.thu doc act --id "${ids[0]}" --action submit-to-head --to cv.kh
check submit 0 as van.thu doc act --id "${ids[0]}" --action submit-to-head --to giam.doc
check submit-twice 5 as van.thu doc act --id "${ids[0]}" --action submit-to-head --to giam.doc
expect submit-twice "is submitted-to-head"
check director-inbox 0 as giam.doc doc list --mine --json
expect director-inbox "${ids[0]}"
check other-leader-cannot-direct 8 as truong.kh doc act --id "${ids[0]}" --action direct --lead-unit ke-hoach
expect other-leader-cannot-direct "only they may"
check direct 0 as giam.doc doc act --id "${ids[0]}" --action direct --lead-unit ke-hoach \
	--coordinating-units phap-che --deadline 2099-12-31 --comment "Phòng KH chủ trì, PC phối hợp"
check wrong-unit-assign 8 as truong.pc doc act --id "${ids[0]}" --action assign --to cv.pc
expect wrong-unit-assign "is with unit ke-hoach"
check director-cannot-assign 8 as giam.doc doc act --id "${ids[0]}" --action assign --to cv.kh
check assign 0 as truong.kh doc act --id "${ids[0]}" --action assign --to cv.kh
check staff-inbox 0 as cv.kh doc list --mine --json
expect staff-inbox "${ids[0]}"
check due-soon 0 as truong.kh doc list --due-within 40000 --json
expect due-soon "${ids[0]}"
check coordinator-comment 0 as cv.pc doc act --id "${ids[0]}" --action comment --comment "Pháp chế: thống nhất"
check other-staff-cannot-resolve 8 as cv.pc doc act --id "${ids[0]}" --action resolve --dossier HS-01
check resolve-no-dossier 3 as cv.kh doc act --id "${ids[0]}" --action resolve --dossier HS-01
check resolve 0 as cv.kh doc act --id "${ids[0]}" --action resolve --dossier HS-01 --dossier-title "Hồ sơ kế hoạch 2027"
expect resolve "resolved"
check add-to-dossier 0 as van.thu doc act --id "${ids[1]}" --action add-to-dossier --dossier HS-01
check add-twice 5 as van.thu doc act --id "${ids[1]}" --action add-to-dossier --dossier HS-01
check dossier 0 as cv.kh dossier show --id HS-01
expect dossier "  1  ${ids[0]}"
expect dossier "  2  ${ids[1]}"
check status 0 as giam.doc report status
expect status "ke-hoach"
check status-json 0 as giam.doc report status --json
expect status-json '"unit":"ke-hoach","received":1,"open":0,"overdue":0,"resolved":1'

# ---- outgoing (Điều 9)
printf '%%PDF-1.4\ndraft 1\n%%%%EOF\n' > "$T/d1.pdf"
printf '%%PDF-1.4\ndraft 2\n%%%%EOF\n' > "$T/d2.pdf"
printf '%%PDF-1.4\ndraft 3\n%%%%EOF\n' > "$T/d3.pdf"
check draft 0 as cv.kh doc create --direction outgoing --type QĐ --summary "Quyết định ban hành kế hoạch 2027" \
	--signer "Trần Văn Giám" --position "Giám đốc" --file "$T/d1.pdf" --json
out_id=$(idof)
o() { as "$@"; }
check colleague-comment 0 as cv.pc doc act --id "$out_id" --action comment --comment "Bổ sung căn cứ"
check not-drafter-submit 8 as cv.pc doc act --id "$out_id" --action submit --to truong.kh
check submit-out 0 as cv.kh doc act --id "$out_id" --action submit --to truong.kh
check changes 0 as truong.kh doc act --id "$out_id" --action request-changes --comment "Sửa điều 2"
expect changes "draft"
check revise 0 as cv.kh doc act --id "$out_id" --action revise --file "$T/d2.pdf"
check resubmit 0 as cv.kh doc act --id "$out_id" --action submit --to truong.kh
check initial 0 as truong.kh doc act --id "$out_id" --action initial --to giam.doc
check appraisal 0 as giam.doc doc act --id "$out_id" --action send-for-appraisal --to phap-che
check wrong-unit-appraise 8 as cv.kh doc act --id "$out_id" --action appraise --comment "ok"
check appraise 0 as cv.pc doc act --id "$out_id" --action appraise --comment "Đúng thẩm quyền, đúng thể thức"
check clerk-cannot-sign 8 as van.thu doc act --id "$out_id" --action sign
check sign 0 as giam.doc doc act --id "$out_id" --action sign
check clerk-return 0 as van.thu doc act --id "$out_id" --action return --comment "Sai thể thức: thiếu nơi nhận"
expect clerk-return "draft"
check revise-3 0 as cv.kh doc act --id "$out_id" --action revise --file "$T/d3.pdf"
check resubmit-2 0 as cv.kh doc act --id "$out_id" --action submit --to truong.kh
check initial-2 0 as truong.kh doc act --id "$out_id" --action initial --to giam.doc
check sign-2 0 as giam.doc doc act --id "$out_id" --action sign
check distribute-early 5 as van.thu doc act --id "$out_id" --action distribute --recipients ke-hoach
# two clerks issue at once: exactly one wins, the other is told of the conflict
set +e
as van.thu doc act --id "$out_id" --action issue --book di > "$T/i1" 2>&1 &
p1=$!
as van.thu2 doc act --id "$out_id" --action issue --book di > "$T/i2" 2>&1 &
p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
set -e
if { [ $r1 = 0 ] && [ $r2 = 5 ]; } || { [ $r1 = 5 ] && [ $r2 = 0 ]; }; then pass=$((pass+1)); else
	echo "FAIL concurrent issue: exits $r1 $r2"; cat "$T/i1" "$T/i2"; fails=$((fails+1)); fi
check issued 0 as van.thu doc get --id "$out_id" --json
expect issued '"state":"issued"'
expect issued '"number_symbol":"01/QĐ-SNN"'
expect issued '"versions":3'
expect issued '"kind":"initials"'
expect issued '"kind":"signer"'
expect issued '"kind":"agency"'
expect issued '"legally_valid":false'
check distribute 0 as van.thu doc act --id "$out_id" --action distribute --recipients ke-hoach,phap-che \
	--paper-recipients "UBND tỉnh Sóc Trăng"
expect distribute "distributed"
check register-out 0 as van.thu register list --book di --csv
expect register-out '"01/QĐ-SNN"'
# the register printed: the regulation's columns, Vietnamese text that extracts
check register-pdf 0 as van.thu register list --book di --pdf "$T/so-di.pdf"
check register-pdf-valid 0 qpdf --check "$T/so-di.pdf"
check register-pdf-text 0 pdftotext -layout "$T/so-di.pdf" -
expect register-pdf-text "SỔ ĐĂNG KÝ VĂN BẢN ĐI"
expect register-pdf-text "01/QĐ-SNN"
expect register-pdf-text "Nơi nhận văn bản"
expect register-pdf-text "In từ hệ thống quản lý văn bản vanthu"

# ---- paper issue while the system was down (Điều 9.4c)
check paper 0 as van.thu doc create --direction outgoing --type TB --summary "Thông báo khẩn (bản giấy)" \
	--paper --register di --json
paper_id=$(idof)
expect paper '"number_symbol":"02/TB-SNN"'
check paper-distribute-early 5 as van.thu doc act --id "$paper_id" --action distribute --recipients ke-hoach
check paper-scan 0 as van.thu doc act --id "$paper_id" --action attach-digitised --file "$T/scan.pdf"
expect paper-scan "issued"
check paper-distribute 0 as van.thu doc act --id "$paper_id" --action distribute --recipients ke-hoach

# the whole history is in the log and replays to the same state
kill -TERM $DPID; set +e; wait $DPID; rc=$?; set -e; DPID=
[ "$rc" = 0 ] && pass=$((pass+1)) || { echo "FAIL vanthud exit $rc"; fails=$((fails+1)); }
check verify 0 "$V" log verify --data-dir "$T/node"
expect verify "keys identical"
check history 0 "$V" log show --data-dir "$T/node" --count 1000
expect history "document_action"

finish
