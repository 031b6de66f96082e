#!/usr/bin/env bash
# Run every libFuzzer harness for SECONDS each on a copy of its committed seed corpus; a crash,
# a leak or a failed check leaves its input in BUILD/fuzz-artifacts and makes this fail.
# usage: fuzz/run.sh BUILD SECONDS
set -u
build=${1:-build-fuzz}
secs=${2:-60}
src=$(cd "$(dirname "$0")" && pwd)
art="$build/fuzz-artifacts"
mkdir -p "$art"
status=0
for name in grid args config params; do
    work=$(mktemp -d)
    cp "$src/corpus/$name"/* "$work"/ 2>/dev/null
    echo "== fuzz_$name: $secs s"
    log="$art/$name.log"
    "$build/fuzz/fuzz_$name" -max_total_time="$secs" -seed=1 -max_len=4096 -timeout=10 \
        -rss_limit_mb=2048 -close_fd_mask=3 -print_final_stats=1 \
        -artifact_prefix="$art/$name-" "$work" >"$log" 2>&1
    rc=$?
    grep -E "^stat::number_of_executed_units|^SUMMARY|^==[0-9]+==ERROR" "$log"
    if [ $rc -ne 0 ]; then
        status=1
        tail -40 "$log"
        echo "fuzz_$name FAILED: reproduce with $build/fuzz/fuzz_$name $art/$name-*"
    fi
    rm -rf "$work"
done
exit $status
