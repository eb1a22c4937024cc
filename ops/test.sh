#!/usr/bin/env bash
# Builds vanthu and runs the whole test suite: every ctest test (unit and
# end-to-end) on the normal build, then the unit tests again under
# AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ops/build.sh
jobs=$(nproc)
echo "== tests (build/)"
(cd build && ctest --output-on-failure -j"$jobs" --timeout 900)
echo "== unit tests under ASan+UBSan (build-asan/)"
cmake -S . -B build-asan -DVT_SANITIZE=ON -DVT_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j"$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	ctest --output-on-failure -j"$jobs" -L unit --timeout 900)
