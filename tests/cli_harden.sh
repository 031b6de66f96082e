#!/usr/bin/env bash
# Hardening: lists of any length, grids too large to count or to hold, seeds out of range,
# duplicate values, plot options checked before any work, lost output, read-only stores,
# NULLs in hand-made stores, locks (live and zombie holders, unlock, TERM and INT), a full
# disk, and an MPI coordinator that cannot open its store. Uses Debian's python3 (sqlite3).
bin=$1
PY=$(command -p -v python3)
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $*"; }
dir=$(mktemp -d)
chmod 755 "$dir"
mnt=""
bgpids=()
cleanup() {
    for p in "${bgpids[@]}"; do kill "$p" 2>/dev/null; done
    [ -n "$mnt" ] && umount "$mnt" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
# expect_fail "pattern" args...: non-zero exit (not a crash) and the pattern on stderr
expect_fail() {
    local pat=$1; shift
    local out rc
    out=$("$bin" "$@" 2>&1 >/dev/null); rc=$?
    if [ $rc -ne 0 ] && [ $rc -lt 128 ] && printf '%s' "$out" | grep -q -- "$pat"; then ok
    else bad "phaselab $* -> rc=$rc, stderr: $out (want /$pat/)"; fi
}
count() { "$bin" export --store "$1" --csv 2>/dev/null | tail -n +2 | wc -l; }

# --- 1. lists of any length, from a configuration file and from the command line ---
"$PY" - "$dir" <<'EOF'
import json, sys
vals = [1 + i * 0.0123456789012345 for i in range(60)]
json.dump({"experiment": "bbp", "params": {"d": 10, "beta": vals}}, open(sys.argv[1] + "/c60.json", "w"))
open(sys.argv[1] + "/c60.txt", "w").write("\n".join(repr(v) for v in vals) + "\n")
open(sys.argv[1] + "/long.txt", "w").write(",".join("%.15f" % (1 + i * 0.001) for i in range(200)))
EOF
got=$("$bin" theory --config "$dir/c60.json" --format csv 2>/dev/null | tail -n +2 | cut -d, -f6)
if [ "$(printf '%s\n' "$got" | wc -l)" -eq 60 ] && \
   "$PY" -c "import sys; a=[float(x) for x in open('$dir/c60.txt')]; b=[float(x) for x in sys.argv[1].split()]; sys.exit(not all(abs(x-y) <= 1e-14*abs(x) for x, y in zip(a, b)))" "$got"
then ok; else bad "60-value configuration list: $(printf '%s\n' "$got" | wc -l) values back"; fi
long=$(cat "$dir/long.txt")
[ ${#long} -gt 1023 ] || bad "the long list is only ${#long} characters"
got=$("$bin" theory bbp d=10 "beta=$long" --format csv 2>/dev/null | tail -n +2 | cut -d, -f6)
[ "$(printf '%s\n' "$got" | wc -l)" -eq 200 ] && [ "$(printf '%s\n' "$got" | tail -1)" = "1.199" ] && ok \
    || bad "200-value command-line list: $(printf '%s\n' "$got" | wc -l) values, last '$(printf '%s\n' "$got" | tail -1)'"
echo '{"experiment": "bbp", "seeds": 1e10}' > "$dir/seeds.json"
expect_fail "'seeds' must be a whole number in \[0, 1000000\]" run --config "$dir/seeds.json"

# --- 6. values and seeds out of range, duplicates ---
expect_fail "--seeds needs a whole number from 0 to 1000000, got '2147483648'" run bbp d=10 --seeds 2147483648
expect_fail "--seed-base needs a whole number from 0 to 4294967295, got '4294967296'" run bbp d=10 --seed-base 4294967296
expect_fail "goes past the largest seed 4294967295" run bbp d=10 --seed-base 4294967295 --seeds 2
expect_fail "parameter 'beta': the value 1 appears more than once" run bbp d=10 beta=1,2,1
expect_fail "parameter 'd': the value 11 appears more than once in the grid (after rounding" run bbp d=10:12:0.5

# --- 7. sizes refused up front ---
start=$(date +%s)
expect_fail "too many cells to count" theory quad-erm kappa=0.0001:100:0.0001 kappa_star=0.0001:100:0.0001 lambda=0:999999:1 delta=0:999999:1 --no-size-check
expect_fail "this sweep needs at least .* of memory (1000000000000 cells" theory bbp beta=0.000001:1:0.000001 alpha=0.001:1000:0.001
expect_fail "simulations in parallel x .*--no-size-check" run bbp d=20000 beta=1:100:1 --seeds 1 --jobs 100 --no-theory
[ $(( $(date +%s) - start )) -lt 60 ] && ok || bad "size refusals took $(( $(date +%s) - start )) s"

# --- 9. plot options checked before any computation ---
# (the sweep itself would take an hour: the errors must come in seconds)
slow=(run bbp beta=0.1:3:0.1 d=4000 --seeds 50 --format none)
start=$(date +%s)
expect_fail "--y: experiment 'bbp' has no metric 'nosuch'" "${slow[@]}" --y nosuch --plot "$dir/a.png"
expect_fail "--x: experiment 'bbp' has no parameter 'nosuch'" "${slow[@]}" --x nosuch --plot "$dir/a.png"
expect_fail "plot file '$dir/a.gif': use a .png, .svg or .pdf name" "${slow[@]}" --plot "$dir/a.gif"
expect_fail "plot file '$dir/no/a.png' cannot be written" "${slow[@]}" --plot "$dir/no/a.png"
[ $(( $(date +%s) - start )) -lt 60 ] && ok || bad "plot option errors came after $(( $(date +%s) - start )) s"
[ ! -e "$dir/a.png" ] && ok || bad "the plot file probe left a file behind"

# --- 5. lost output ---
out=$("$bin" theory bbp d=10 beta=0.1:3:0.1 --format csv 2>&1 >/dev/full); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "the output was lost (No space left on device)" && ok || bad "run > /dev/full: rc=$rc $out"
"$bin" run bbp d=10 beta=1,2 --store "$dir/e.db" --format none 2>/dev/null
out=$("$bin" export --store "$dir/e.db" 2>&1 >/dev/full); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "export: writing the output failed: No space left on device" && ok || bad "export > /dev/full: rc=$rc $out"
out=$("$bin" list 2>&1 >/dev/full); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "writing the output failed" && ok || bad "list > /dev/full: rc=$rc $out"
# a sweep piped to head goes on computing and storing (exit 0 when every record is stored)
# (cells big enough that head has gone long before the run ends)
"$bin" run bbp beta=0.1:3:0.1 d=300 --seeds 2 --format csv --store "$dir/pipe.db" 2>"$dir/pipe.err" | head -1 >/dev/null
rc=${PIPESTATUS[0]}
n=$(count "$dir/pipe.db")
[ $rc -eq 0 ] && [ "$n" -eq 90 ] && grep -q "every record is in the store" "$dir/pipe.err" && ok || bad "run | head with a store: rc=$rc, $n of 90 stored: $(cat "$dir/pipe.err")"
"$bin" run bbp beta=0.1:3:0.1 d=300 --seeds 2 --format csv 2>"$dir/pipe.err" | head -1 >/dev/null
rc=${PIPESTATUS[0]}
[ $rc -eq 1 ] && grep -q "the output was lost (Broken pipe)" "$dir/pipe.err" && ok || bad "run | head without a store: rc=$rc $(cat "$dir/pipe.err")"

# --- 4. read-only stores: export and plot read them; a run says why it cannot write ---
mkdir "$dir/ro"
"$bin" run bbp d=10 beta=1,2 --store "$dir/ro/s.db" --format none 2>/dev/null
chmod 444 "$dir/ro/s.db"; chmod 555 "$dir/ro"
as_user=()
[ "$(id -u)" -eq 0 ] && as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
n=$("${as_user[@]}" "$bin" export --store "$dir/ro/s.db" 2>/dev/null | tail -n +2 | wc -l)
[ "$n" -eq 4 ] && ok || bad "export of a read-only store: $n records"
out=$("${as_user[@]}" "$bin" plot --store "$dir/ro/s.db" bbp --out "$dir/ro.png" 2>&1)
# the plot file lies in $dir (writable by root only): the store opened, the plot file refused
echo "$out" | grep -q "plot file '$dir/ro.png' cannot be written" && ok || bad "plot of a read-only store: $out"
out=$("${as_user[@]}" "$bin" run bbp d=10 --store "$dir/ro/s.db" 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "cannot write to it" && ok || bad "run on a read-only store: rc=$rc $out"
chmod 755 "$dir/ro"; chmod 644 "$dir/ro/s.db"

# --- 8. NULLs in hand-made stores ---
"$PY" - "$dir" <<'EOF'
import sqlite3, sys
def mk(name, meta, recs=(), lock=()):
    c = sqlite3.connect(sys.argv[1] + "/" + name)
    c.execute("CREATE TABLE meta(key TEXT, value TEXT)")
    c.executemany("INSERT INTO meta VALUES(?,?)", meta)
    c.execute("CREATE TABLE records(id INTEGER PRIMARY KEY, experiment TEXT, cell TEXT, params TEXT,"
              " seed INTEGER, idx INTEGER, source TEXT, status TEXT, message TEXT, metrics TEXT,"
              " wall REAL, version TEXT, created TEXT, state TEXT)")
    c.execute("CREATE TABLE lock(id INTEGER PRIMARY KEY, pid INTEGER, host TEXT, started TEXT)")
    c.execute("CREATE TABLE runs(id INTEGER PRIMARY KEY, command TEXT, config TEXT, version TEXT, started TEXT)")
    for r in recs:
        c.execute("INSERT INTO records(experiment, cell, params, seed, idx, source, status, message,"
                  " metrics, wall, version, created, state) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)", r)
    for l in lock:
        c.execute("INSERT INTO lock VALUES(1,?,?,?)", l)
    c.commit()
mk("null_app.db", [("app", None), ("schema_version", None)])
mk("null_ver.db", [("app", "phaselab"), ("schema_version", None)])
mk("null_rec.db", [("app", "phaselab"), ("schema_version", "1")],
   [(None,) * 13, ("bbp", None, None, None, 0, None, None, None, None, None, None, None, None),
    ("bbp", "x", '{"beta":2}', 0, 0, "sim:eig", None, None, None, None, None, None, None)],
   [(None, None, None)])
EOF
expect_fail "an SQLite database that is not a phaselab store" export --store "$dir/null_app.db"
expect_fail "its meta table has no schema version" export --store "$dir/null_ver.db"
out=$("$bin" export --store "$dir/null_rec.db" 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q "^bbp,sim:eig,0,failed," && ok || bad "export with NULL columns: rc=$rc $out"
expect_fail "locked by pid 0 on host an unknown host" unlock --store "$dir/null_rec.db"

# --- 3. locks: a live holder keeps its lock, a zombie or dead one does not ---
"$bin" run bbp d=10 --store "$dir/l.db" --format none 2>/dev/null
setlock() { "$PY" -c "import socket, sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('INSERT OR REPLACE INTO lock VALUES(1, ?, ?, ?)', (int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else socket.gethostname(), 'then')); c.commit()" "$@"; }
sleep 900 & live=$!; bgpids+=($live)  # outlives the test (killed at exit)
setlock "$dir/l.db" $live
expect_fail "locked by a live phaselab run (pid $live" unlock --store "$dir/l.db"
expect_fail "is being written by another phaselab run (pid $live" run bbp d=10 --store "$dir/l.db"
"$bin" unlock --store "$dir/l.db" --force 2>&1 | grep -q "still running: forced" && ok || bad "unlock --force of a live holder"
setlock "$dir/l.db" 12345 some-other-host
expect_fail "on host some-other-host since then, which cannot be checked from here" unlock --store "$dir/l.db"
"$bin" unlock --store "$dir/l.db" --force >/dev/null 2>&1 && ok || bad "unlock --force of another host's lock"
# a zombie: a child that has ended and that its parent (a sleep) never reaps
bash -c 'sleep 0.2 & exec sleep 60' & zparent=$!; bgpids+=($zparent)
sleep 1
zombie=$(pgrep -P $zparent | head -1)
if [ -n "$zombie" ] && [ "$(awk '{print $3}' /proc/$zombie/stat 2>/dev/null)" = "Z" ]; then
    setlock "$dir/l.db" $zombie
    "$bin" run bbp d=10 --store "$dir/l.db" --format none 2>/dev/null && ok || bad "a zombie holder's lock was not taken over"
    setlock "$dir/l.db" $zombie
    "$bin" unlock --store "$dir/l.db" 2>&1 | grep -q "gone" && ok || bad "unlock of a zombie holder's lock"
else
    bad "could not make a zombie process"
fi
"$bin" unlock --store "$dir/l.db" 2>&1 | grep -q "has no lock" && ok || bad "unlock of an unlocked store"

# --- 3. TERM and INT: what is done is committed, the lock released, exit 128 + signal ---
big=(run bbp model=wigner,wishart beta=0.05:3:0.05 d=150 --seeds 4 --format none)
total=$((2 * 60 * 5))
for sig in TERM INT; do
    db="$dir/sig_$sig.db"
    "$bin" "${big[@]}" --store "$db" 2>"$dir/sig.err" & pid=$!
    seen=0
    for i in $(seq 1 300); do
        sleep 0.05
        seen=$(count "$db")
        [ "$seen" -gt 20 ] && break
    done
    kill -$sig $pid; wait $pid; rc=$?
    want=$([ $sig = TERM ] && echo 143 || echo 130)
    stored=$(count "$db")
    lock=$("$PY" -c "import sqlite3; print(len(sqlite3.connect('$db').execute('SELECT * FROM lock').fetchall()))")
    if [ $rc -eq $want ] && grep -q "stopped by SIG$sig: the [0-9]* records computed in this run are committed" "$dir/sig.err" \
       && [ "$lock" -eq 0 ] && [ "$stored" -ge "$seen" ] && [ "$stored" -lt $total ]; then ok
    else bad "SIG$sig: rc=$rc (want $want), lock rows $lock, stored $stored (seen $seen): $(cat "$dir/sig.err")"; fi
    n=$(grep -o 'the [0-9]* records' "$dir/sig.err" | grep -o '[0-9]*')
    [ "$n" = "$stored" ] && ok || bad "SIG$sig: message says $n records, the store holds $stored"
done
# the rerun (no unlock needed) completes without recomputing or duplicating
msg=$("$bin" "${big[@]}" --store "$dir/sig_TERM.db" 2>&1 | grep 'records computed')
stored=$(count "$dir/sig_TERM.db")
dups=$("$bin" export --store "$dir/sig_TERM.db" --csv | tail -n +2 | cut -d, -f1-8 | sort | uniq -d | wc -l)
[ "$stored" -eq $total ] && [ "$dups" -eq 0 ] && ok || bad "rerun after TERM: $stored of $total records, $dups duplicates ($msg)"

# --- 6. a full disk mid-run: the real error, and everything committed before is kept ---
mkdir "$dir/small"
if mount -t tmpfs -o size=160k tmpfs "$dir/small" 2>/dev/null; then
    mnt="$dir/small"
    out=$("$bin" run bbp d=10 beta=0.01:10:0.01 --seeds 2 --store "$dir/small/s.db" --format none 2>&1); rc=$?
    if [ $rc -eq 1 ] && echo "$out" | grep -q "writing the store failed: the disk is full" && ! echo "$out" | grep -q "rollback"; then ok
    else bad "disk full: rc=$rc $out"; fi
    n=$(count "$dir/small/s.db")
    [ "$n" -gt 0 ] && ok || bad "disk full: nothing kept"
    umount "$mnt"; mnt=""
else
    echo "note: cannot mount a small tmpfs here (not root?): the full-disk check is left out"
fi

# --- 2. MPI: a coordinator that cannot open its store ends every rank ---
if command -v mpirun >/dev/null; then
    MPIRUN=(env ASAN_OPTIONS=detect_leaks=0 timeout 60 mpirun --oversubscribe)
    [ "$(id -u)" -eq 0 ] && MPIRUN+=(--allow-run-as-root)
    for case in missing locked; do
        if [ $case = missing ]; then store="$dir/no/such/dir/x.db"; pat="cannot open or create"
        else setlock "$dir/l.db" $live; store="$dir/l.db"; pat="is being written by another phaselab run"; fi
        start=$(date +%s)
        out=$("${MPIRUN[@]}" -np 3 "$bin" sweep bbp d=10 beta=1,2 --store "$store" --format none 2>&1); rc=$?
        el=$(( $(date +%s) - start ))
        [ $rc -ne 0 ] && [ $rc -ne 124 ] && [ $el -lt 50 ] && echo "$out" | grep -q "$pat" && ok \
            || bad "MPI sweep, store $case: rc=$rc after $el s: $out"
    done
    # a time limit: the scheduler sends SIGTERM to every task; rank 0 commits, releases the lock
    # and ends the job (mpirun's own forwarding of TERM varies, so rank 0 is signalled here)
    db="$dir/mpi_term.db"
    margs=(sweep bbp model=wigner,wishart beta=0.05:3:0.05 d=151 --seeds 4 --format none --store "$db")
    "${MPIRUN[@]}" -np 3 "$bin" "${margs[@]}" >"$dir/mpi.out" 2>"$dir/mpi.err" & mp=$!
    rank0=""
    for i in $(seq 1 600); do
        sleep 0.1
        [ "$(count "$db")" -gt 20 ] || continue
        for p in $(pgrep -f "sweep bbp model=wigner,wishart beta=0.05:3:0.05 d=151"); do
            tr '\0' '\n' < /proc/$p/environ 2>/dev/null | grep -q '^OMPI_COMM_WORLD_RANK=0$' && rank0=$p
        done
        [ -n "$rank0" ] && break
    done
    [ -n "$rank0" ] && kill -TERM $rank0
    wait $mp
    lock=$("$PY" -c "import sqlite3; print(len(sqlite3.connect('$db').execute('SELECT * FROM lock').fetchall()))")
    n=$(grep -o 'the [0-9]* records' "$dir/mpi.err" | grep -o '[0-9]*')
    [ -n "$rank0" ] && [ "$lock" -eq 0 ] && [ -n "$n" ] && [ "$n" = "$(count "$db")" ] && ok \
        || bad "MPI sweep stopped by SIGTERM (rank 0: '$rank0'): lock rows $lock, message '$n' records, stored $(count "$db"): $(cat "$dir/mpi.err" "$dir/mpi.out")"
else
    bad "mpirun not found (install openmpi-bin)"
fi

echo "cli_harden: $pass passed, $fail failed"
[ $fail -eq 0 ]
