#!/usr/bin/env bash
# Run every benchmark and write bench/RESULTS.md + bench/results.json (see bench/README.md).
#   bash bench/run.sh BUILD_DIR        (`make bench` builds BUILD_DIR in Release first)
# Environment:
#   PL_BENCH_QUICK=1   reduced sizes, writes bench/RESULTS-quick.md + results-quick.json
#   PL_BENCH_LABEL=..  a line put at the top of RESULTS.md (e.g. "noisy: machine shared")
#   PL_BENCH_DATA=DIR  where the programs dump inputs/outputs (default BUILD_DIR/bench-data;
#                      ~1.3 GB at full size), removed at the end unless PL_BENCH_KEEP=1
# Builds nothing. The references run with Debian's /usr/bin/python3 (numpy, scipy, torch).
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
py=/usr/bin/python3
quick=${PL_BENCH_QUICK:-0}
[ "$quick" = 0 ] && quick=
data=${PL_BENCH_DATA:-$build/bench-data}
if [ -n "$quick" ]; then
    md=bench/RESULTS-quick.md json=bench/results-quick.json
else
    md=bench/RESULTS.md json=bench/results.json
fi

[ -x "$build/bench/bench_machine" ] || { echo "run.sh: $build/bench/bench_machine missing: build first (make bench)" >&2; exit 1; }
[ -x "$py" ] || { echo "run.sh: $py missing (apt-get install python3-numpy python3-scipy python3-torch)" >&2; exit 1; }
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
if [ "$build_type" != Release ]; then
    echo "run.sh: WARNING: $build is a '${build_type:-?}' build, not Release: timings are not representative" >&2
fi

# OpenBLAS core-type overrides set on some machines slow a current numpy (env README): unset both,
# together, for every benchmark command (C and Python alike), and record what was set.
orig_env="OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE-<unset>} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE-<unset>}"
benv=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
loadavg=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
start=$(date +%s)

rm -rf "$data"
mkdir -p "$data/lines"
lines=$data/lines
status=0

echo "== machine limits"
"${benv[@]}" "$build/bench/bench_machine" "$data" | tee "$lines/machine.jsonl"
threads=$("$py" -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("kernel") == "machine_info": print(r["threads"]); break' "$lines/machine.jsonl")

for prog in "$build"/bench/bench_*; do
    [ -x "$prog" ] || continue
    name=${prog##*/bench_}
    [ "$name" = machine ] && continue
    dir=$data/$name
    mkdir -p "$dir"
    echo "== $name: phaselab"
    if ! "${benv[@]}" "$prog" "$dir" > "$lines/$name.jsonl"; then
        echo "run.sh: $prog failed" >&2
        status=1
    fi
    grep -v '"impl":"meta"' "$lines/$name.jsonl" || true
    if [ -f "bench/ref_$name.py" ]; then
        echo "== $name: reference (bench/ref_$name.py)"
        if ! "${benv[@]}" PL_BENCH_THREADS="$threads" "$py" "bench/ref_$name.py" "$dir" \
                > "$lines/ref_$name.jsonl"; then
            echo "run.sh: bench/ref_$name.py failed" >&2
            status=1
        fi
        cut -c1-240 "$lines/ref_$name.jsonl"
    else
        echo "run.sh: no bench/ref_$name.py: $name has no reference" >&2
    fi
    [ -n "${PL_BENCH_KEEP:-}" ] || rm -rf "$dir"
done

elapsed=$(( $(date +%s) - start ))
echo "== report ($elapsed s so far)"
"$py" bench/report.py --json "$json" --md "$md" --elapsed "$elapsed" --build-type "${build_type:-?}" \
    --loadavg "$loadavg" --orig-env "$orig_env" --label "${PL_BENCH_LABEL:-}" \
    ${quick:+--quick} "$lines"/*.jsonl || status=1
[ -n "${PL_BENCH_KEEP:-}" ] || rm -rf "$data"
exit $status
