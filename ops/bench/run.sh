#!/usr/bin/env bash
# Builds the benchmarks in build-bench/ (Release) and runs every
# ops/bench/bench_*.c program in turn, appending their output to
# build-bench/bench-results.txt. Extra arguments for one benchmark go in
# BENCH_ARGS_<name>, e.g. BENCH_ARGS_bench_proof="--entries 200000".
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build="$root/build-bench"
out="$build/bench-results.txt"

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null

names=()
for src in "$root"/ops/bench/bench_*.c; do
	names+=("$(basename "$src" .c)")
done
cmake --build "$build" -j2 --target "${names[@]}"

mkdir -p "$build"
{
	echo "# vanthu benchmarks $(date -u +%Y-%m-%dT%H:%M:%SZ) $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')"
	echo "# $(uname -srm), nproc $(nproc)"
} | tee -a "$out"

status=0
for name in "${names[@]}"; do
	var="BENCH_ARGS_$name"
	read -r -a args <<<"${!var:-}"
	echo "## $name ${args[*]:-}" | tee -a "$out"
	if ! "$build/$name" "${args[@]}" 2>&1 | tee -a "$out"; then
		echo "## $name FAILED" | tee -a "$out"
		status=1
	fi
done
echo "results appended to $out"
exit $status
