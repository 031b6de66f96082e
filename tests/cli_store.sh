#!/usr/bin/env bash
# Store: a run killed (SIGKILL) part-way and started again completes without recomputing
# stored records and without duplicates; its records equal an uninterrupted run's; a corrupt
# or foreign file gives a clear error.
bin=$1
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $*"; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
args=(run bbp model=wigner,wishart beta=0.2:3:0.2 d=200 --seeds 3)
total=$((2 * 15 * 4))   # cells x (theory + 3 seeds), one record each
"$bin" "${args[@]}" --store "$dir/ref.db" >/dev/null 2>&1 || bad "reference run"
# kill at growing delays until the kill lands mid-run
partial=0
for delay in 0.05 0.1 0.2 0.3 0.5 0.8 1.2 2; do
    rm -f "$dir"/run.db*
    "$bin" "${args[@]}" --store "$dir/run.db" >/dev/null 2>&1 &
    pid=$!
    sleep $delay
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    partial=$("$bin" export --store "$dir/run.db" --csv 2>/dev/null | tail -n +2 | wc -l)
    [ "$partial" -gt 0 ] && [ "$partial" -lt "$total" ] && break
done
if [ "$partial" -gt 0 ] && [ "$partial" -lt "$total" ]; then ok; else bad "could not interrupt mid-run (partial=$partial)"; fi
msg=$("$bin" "${args[@]}" --store "$dir/run.db" 2>&1 >/dev/null | grep 'records computed')
computed=$(echo "$msg" | sed -E 's/.*: ([0-9]+) records computed, ([0-9]+) loaded/\1/')
loaded=$(echo "$msg" | sed -E 's/.*: ([0-9]+) records computed, ([0-9]+) loaded/\2/')
[ "$loaded" -eq "$partial" ] && ok || bad "resume loaded $loaded, stored before $partial"
[ $((computed + loaded)) -eq $total ] && ok || bad "resume computed $computed + loaded $loaded != $total"
n=$("$bin" export --store "$dir/run.db" --csv | tail -n +2 | wc -l)
[ "$n" -eq "$total" ] && ok || bad "records after resume: $n != $total"
dups=$("$bin" export --store "$dir/run.db" --csv | tail -n +2 | cut -d, -f1-8 | sort | uniq -d | wc -l)
[ "$dups" -eq 0 ] && ok || bad "$dups duplicate records"
# same values bit for bit as the uninterrupted run
if diff <("$bin" export --store "$dir/ref.db" --csv | sort) <("$bin" export --store "$dir/run.db" --csv | sort) >/dev/null; then ok; else bad "resumed records differ from an uninterrupted run"; fi
# a third run computes nothing
msg=$("$bin" "${args[@]}" --store "$dir/run.db" 2>&1 >/dev/null | grep 'records computed')
echo "$msg" | grep -q ": 0 records computed, $total loaded" && ok || bad "rerun: $msg"
# corrupt and foreign files
head -c 4096 /dev/urandom > "$dir/garbage.db"
out=$("$bin" run bbp d=10 --store "$dir/garbage.db" 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "not a phaselab store" && ok || bad "garbage store: rc=$rc $out"
python3 -c "import sqlite3; c=sqlite3.connect('$dir/foreign.db'); c.execute('create table t(x)'); c.commit()"
out=$("$bin" run bbp d=10 --store "$dir/foreign.db" 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "not a phaselab store" && ok || bad "foreign store: rc=$rc $out"
python3 -c "import sqlite3; c=sqlite3.connect('$dir/ref.db'); c.execute(\"update meta set value='99' where key='schema_version'\"); c.commit()"
out=$("$bin" export --store "$dir/ref.db" 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "schema version 99" && ok || bad "schema mismatch: rc=$rc $out"
# plot from a store
"$bin" plot --store "$dir/run.db" bbp --out "$dir/p.png" 2>/dev/null && head -c 8 "$dir/p.png" | od -An -c | grep -q 'P   N   G' && ok || bad "plot from store"
echo "cli_store: $pass passed, $fail failed"
[ $fail -eq 0 ]
