#!/usr/bin/env bash
# Record arrays over MPI: test_store_v2 --mpi under mpirun (3 ranks) sends arrays from the
# workers to rank 0 and stores them; rank 0 checks every value.
bin=$1
dir=$(dirname "$bin")/tests
t=$dir/test_store_v2
[ -x "$t" ] || t=./test_store_v2
if ! command -v mpirun >/dev/null; then
    echo "FAIL: mpirun not found (install openmpi-bin)"
    exit 1
fi
# OpenMPI keeps allocations until exit: leak reports under a sanitizer would be about MPI
MPIRUN=(env ASAN_OPTIONS=detect_leaks=0 mpirun --oversubscribe)
[ "$(id -u)" -eq 0 ] && MPIRUN+=(--allow-run-as-root)
"${MPIRUN[@]}" -np 3 "$t" --mpi "$$"
