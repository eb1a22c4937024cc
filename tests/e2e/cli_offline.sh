#!/usr/bin/env bash
# End to end: vanthu's offline commands and vanthud on a real data directory.
# init -> documents registered -> register list -> duplicate refused/accepted
# -> log verify -> proofs checked by the auditor's `proof verify` -> a running
# vanthud holds the directory (writers get "busy", readers still work).
set -euo pipefail
BIN=${VT_BIN:-$(dirname "$0")/../../build}
T=$(mktemp -d "${VT_TEST_TMP:-/tmp}/e2e-cli.XXXXXX" 2>/dev/null || mktemp -d)
trap 'kill $DPID 2>/dev/null || true; rm -rf "$T"' EXIT
DPID=
V="$BIN/vanthu"
export VANTHU_DATA_DIR=$T/node
. "$(dirname "$0")/lib.sh"

check usage 2 "$V"
check no-data-dir 4 env -u VANTHU_DATA_DIR "$V" log show
printf 'first admin password\n' > "$T/admin.pw"
check init-admin-no-pw 4 "$V" init --data-dir "$T/other" --node-id 000.00.00.H55 --admin root
check init 0 "$V" init --node-id 000.00.00.H54 --agency-name "Sở Nông nghiệp" --agency-symbol SNN \
	--admin quan.tri --admin-password-file "$T/admin.pw"
check init-again 5 "$V" init --node-id 000.00.00.H54
expect init-again "already holds node"

printf '%%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%%%EOF\n' > "$T/a.pdf"
for i in 1 2 3; do
	check "incoming-$i" 0 "$V" doc add --direction incoming --type QĐ --symbol "$i/QĐ-UBND" \
		--agency "UBND tỉnh Sóc Trăng" --summary "Văn bản đến số $i" --issue-date 2026-11-0$i \
		--file "$T/a.pdf" --register den --json
	expect "incoming-$i number" "\"number\":$i,"
done
check duplicate 5 "$V" doc add --direction incoming --type QĐ --symbol "2 / qđ-ubnd" \
	--agency "ubnd tỉnh sóc trăng" --summary "gửi lại" --register den
expect duplicate "already registered"
check duplicate-accepted 0 "$V" doc add --direction incoming --type QĐ --symbol "2/QĐ-UBND" \
	--agency "UBND tỉnh Sóc Trăng" --summary "gửi lại" --register den --accept-duplicate --json
expect duplicate-accepted '"number":4,'
expect duplicate-accepted '"duplicate_of"'
check outgoing-draft-no-number 5 "$V" doc add --direction outgoing --type QĐ --summary "Dự thảo" --register di
expect outgoing-draft-no-number "gets its number when the clerk issues it"
check outgoing 0 "$V" doc add --direction outgoing --type QĐ --summary "Quyết định thành lập tổ" \
	--signer "Nguyễn Văn A" --position "Giám đốc" --recipients "Phòng A,Phòng B" --register di --paper --json
expect outgoing '"number_symbol":"01/QĐ-SNN"'
check bad-date 4 "$V" doc add --direction incoming --type QĐ --symbol 9/QĐ-X --agency X --summary s --issue-date 2026-13-01
check unknown-book 3 "$V" doc add --direction incoming --type QĐ --symbol 10/QĐ-X --agency X --summary s --register nope
check unknown-option 4 "$V" log show --frm 3

check book-define 0 "$V" book define --id di-qd --name "Sổ quyết định" --direction outgoing --types QĐ --agency-symbol SNN
check book-wrong-type 4 "$V" doc add --direction outgoing --type TB --summary "Thông báo" --register di-qd --paper
check register-list 0 "$V" register list --book den
expect register-list "Văn bản đến số 3"
check register-csv 0 "$V" register list --book di --csv
expect register-csv '"01/QĐ-SNN"'
check register-json 0 "$V" register list --json
check register-pdf 0 "$V" register list --pdf "$T/so.pdf"
check register-pdf-text 0 pdftotext "$T/so.pdf" -
expect register-pdf-text "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN"
expect register-pdf-text "Văn bản đến số 3"
expect register-pdf-text "SỔ ĐĂNG KÝ VĂN BẢN ĐI"
check register-pdf-csv 4 "$V" register list --pdf "$T/so.pdf" --csv
# a summary of ~4,000 bytes runs over onto the next page: nothing is cut
LONG=$(/usr/bin/python3 -c "s='Về việc triển khai chương trình xây dựng nông thôn mới ' * 80; print(s.encode()[:3990].decode('utf-8','ignore').strip())")
check long-summary 0 "$V" doc add --direction incoming --type CV --symbol 77/UBND --agency "UBND huyện" \
	--summary "$LONG HẾT-TRÍCH-YẾU" --register den
check register-pdf-long 0 "$V" register list --book den --pdf "$T/long.pdf"
check register-pdf-long-text 0 pdftotext "$T/long.pdf" -
expect register-pdf-long-text "HẾT-TRÍCH-YẾU"
check log-show 0 "$V" log show --json
expect log-show '"event":"account_created"'
expect log-show '"actor":"node"' 
# the offline front door writes what the API does: the file's BlobAdded first
expect log-show '"event":"blob_added"'
# text that is not UTF-8 is refused before anything is written
check bad-utf8 4 "$V" doc add --direction incoming --type CV --symbol 78/UBND --agency "UBND huyện" \
	--summary "$(printf 'V/v \xc3\x28')" --register den
expect bad-utf8 "DocumentMeta.summary is not valid UTF-8"
check log-verify 0 "$V" log verify
expect log-verify "keys identical"

# Proofs: generated from the store, checked without it.
check head 0 "$V" log head --json
size=$(sed -n 's/.*"size":\([0-9]*\).*/\1/p' <<<"$out")
root=$(sed -n 's/.*"root":"\([0-9a-f]*\)".*/\1/p' <<<"$out")
check inclusion 0 "$V" proof inclusion --seq 4 --json
leaf=$(sed -n 's/.*"leaf":"\([0-9a-f]*\)".*/\1/p' <<<"$out")
path=$(sed -n 's/.*"path":\[\(.*\)\]}/\1/p' <<<"$out" | tr -d '"')
check proof-verify 0 env -u VANTHU_DATA_DIR "$V" proof verify --index 4 --size "$size" --leaf "$leaf" --root "$root" --path "$path"
bad=$(sed 's/^0/x/;s/^[1-9a-f]/0/;s/^x/1/' <<<"$path") # the first hex digit, always changed
check proof-tampered 6 env -u VANTHU_DATA_DIR "$V" proof verify --index 4 --size "$size" --leaf "$leaf" --root "$root" --path "$bad"
check proof-wrong-index 6 env -u VANTHU_DATA_DIR "$V" proof verify --index 5 --size "$size" --leaf "$leaf" --root "$root" --path "$path"
check consistency 0 "$V" proof consistency --old 3 --json
oroot=$(sed -n 's/.*"old_root":"\([0-9a-f]*\)".*/\1/p' <<<"$out")
cpath=$(sed -n 's/.*"path":\[\(.*\)\]}/\1/p' <<<"$out" | tr -d '"')
check consistency-verify 0 "$V" proof verify --old 3 --new "$size" --old-root "$oroot" --root "$root" --path "$cpath"
check consistency-wrong-root 6 "$V" proof verify --old 3 --new "$size" --old-root "$root" --root "$root" --path "$cpath"
check inclusion-beyond 4 "$V" proof inclusion --seq 999

# A running vanthud holds the directory: writers are told, readers go on.
rm -f "$T/ready"
"$BIN/vanthud" --data-dir "$T/node" --ready-file "$T/ready" 2>"$T/vanthud.log" &
DPID=$!
for _ in $(seq 1 200); do [ -f "$T/ready" ] && break; kill -0 $DPID 2>/dev/null || break; sleep 0.05; done
if [ -f "$T/ready" ]; then pass=$((pass+1)); else echo "FAIL vanthud did not become ready"; cat "$T/vanthud.log"; fails=$((fails+1)); fi
check busy 7 "$V" doc add --direction incoming --type QĐ --symbol 77/QĐ-X --agency X --summary s
expect busy "running vanthud"
check read-while-running 0 "$V" log verify --no-rebuild
check second-daemon 1 "$BIN/vanthud" --data-dir "$T/node"
kill -TERM $DPID; wait $DPID; rc=$?; DPID=
if [ "$rc" = 0 ] && [ ! -f "$T/ready" ]; then pass=$((pass+1)); else echo "FAIL vanthud stop: rc $rc"; fails=$((fails+1)); fi
check after-stop 0 "$V" log verify

finish
