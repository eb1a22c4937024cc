#!/usr/bin/env bash
# Builds the PDF reader's libFuzzer target with clang (ASan+UBSan) and runs it.
# usage: ops/fuzz.sh [SECONDS=60]   (ctest runs it for a few seconds; run longer by hand)
# Seeds: the test fixtures' PDFs and their qpdf rewrites. Crashes land in $OUT.
set -euo pipefail
SECS=${1:-60}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${VT_FUZZ_OUT:-$ROOT/build-fuzz}
mkdir -p "$OUT/corpus" "$OUT/seeds"
clang -g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I"$ROOT/node" $(pkg-config --cflags harfbuzz-subset) "$ROOT/tests/fuzz/fuzz_pdf.c" "$ROOT/node/sign/pdf.c" "$ROOT/node/sign/pdf_write.c" "$ROOT/node/sign/pdf_text.c" "$ROOT/node/store/error.c" \
	-lz -lunistring $(pkg-config --libs harfbuzz-subset) -o "$OUT/fuzz_pdf"
if [ ! -f "$OUT/seeds/plain.pdf" ]; then
	python3 "$ROOT/tests/sign/mkfixtures.py" "$OUT/fixtures" >/dev/null
	cp "$OUT/fixtures/plain.pdf" "$OUT/seeds/"
	if command -v qpdf >/dev/null; then
		qpdf --object-streams=generate "$OUT/fixtures/plain.pdf" "$OUT/seeds/objstm.pdf" || true
		qpdf --linearize "$OUT/fixtures/plain.pdf" "$OUT/seeds/linear.pdf" || true
	fi
	if [ -x "$ROOT/build/vanthu" ]; then
		"$ROOT/build/vanthu" pdf sign --in "$OUT/fixtures/plain.pdf" --out "$OUT/seeds/signed.pdf" --gap 256 \
			--key "$OUT/fixtures/signer.key.pem" --cert "$OUT/fixtures/signer.pem" >/dev/null 2>&1 || true
	fi
	rm -rf "$OUT/fixtures"
fi
cd "$OUT"
exec ./fuzz_pdf -max_total_time="$SECS" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 corpus seeds
