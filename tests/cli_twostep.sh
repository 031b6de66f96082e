#!/usr/bin/env bash
# Family 6 (two GD steps): bad input gets a one-line message, overflow is reported in the
# record, the stable names of twostep-phase are in the CSV header, theory rows of the spec.
bin=$1
pass=0; fail=0
ok() { pass=$((pass+1)); }
ko() { fail=$((fail+1)); echo "FAIL: $*"; }
expect_error() { # expect_error "pattern" args...
    local pat=$1; shift
    local out rc
    out=$("$bin" "$@" 2>&1 >/dev/null); rc=$?
    local lines; lines=$(printf '%s\n' "$out" | grep -c .)
    if [ $rc -ne 0 ] && [ "$lines" -eq 1 ] && printf '%s' "$out" | grep -q -- "$pat"; then ok
    else ko "phaselab $* -> rc=$rc, stderr: $out (want /$pat/)"; fi
}
expect_error "parameter 'alpha1' = 0.5 is out of range \[0, 0.5)" run twostep-phase alpha1=0.5
expect_error "parameter 'alpha2' = -0.1 is out of range \[0, 0.5)" run twostep-phase alpha2=-0.1
expect_error "parameter 'alpha1' = 0.7 is out of range" theory twostep-spectrum alpha1=0.7
expect_error "parameter 'N' = 0 is out of range" run twostep-phase N=0
expect_error "parameter 'd' = 0 is out of range" run twostep-align d=0
expect_error "parameter 'n' = -3 is out of range" run twostep-spectrum n=-3
expect_error "parameter 'd_over_N' = 0 is out of range" run twostep-scaling d_over_N=0
expect_error "needs .* GB of memory: too large" run twostep-phase N=1000000 d=1000000
expect_error "'softmax' is not one of" run twostep-phase act=softmax
expect_error "'fesh' is not one of fresh|reused" run twostep-phase batch=fesh
# overflow: a diverged record with a message, not a crash
out=$("$bin" run twostep-phase act=exp eta0=1e4 N=40 d=40 n=40 --format json 2>/dev/null)
printf '%s' "$out" | grep -q '"status":"diverged","message":"weights overflow in step' && ok || ko "overflow record: $out"
# stable names
hdr=$("$bin" theory twostep-phase --format csv 2>/dev/null | head -1)
for w in alpha1 alpha2 N d n act target batch n_new_outliers; do
    printf '%s' "$hdr" | tr ',' '\n' | grep -qx "$w" && ok || ko "header lacks $w: $hdr"
done
# theory rows (spec O1): new outliers floor(alpha2/(1/2-alpha1)) for tanh+softplus
row() { "$bin" theory twostep-phase alpha1=$1 alpha2=$2 --format csv 2>/dev/null | sed -n 2p | cut -d, -f20; }
[ "$(row 0 0.3)" = 0 ] && ok || ko "(0, 0.3) -> $(row 0 0.3)"
[ "$(row 0.25 0.3)" = 1 ] && ok || ko "(0.25, 0.3) -> $(row 0.25 0.3)"
[ "$(row 0.3 0.45)" = 2 ] && ok || ko "(0.3, 0.45) -> $(row 0.3 0.45)"
[ "$(row 0.45 0.38)" = 7 ] && ok || ko "(0.45, 0.38) -> $(row 0.45 0.38)"
[ "$(row 0.45 0.4)" = 8 ] && ok || ko "(0.45, 0.4) -> $(row 0.45 0.4)"
# a small simulation record and a store round trip
tmp=$(mktemp -d)
"$bin" run twostep-phase N=60 d=60 n=60 alpha1=0,0.4 alpha2=0.1,0.4 --store "$tmp/s.db" --format none 2>/dev/null
n=$("$bin" export --store "$tmp/s.db" --csv 2>/dev/null | grep -c '^twostep-phase,sim:gd,0,converged')
[ "$n" -eq 4 ] && ok || ko "store: $n simulated records"
"$bin" plot --store "$tmp/s.db" twostep-phase --x alpha1 --y alpha2 --z n_new_outliers --out "$tmp/h.png" 2>/dev/null
[ -s "$tmp/h.png" ] && ok || ko "heat map"
"$bin" run twostep-spectrum N=60 d=60 n=60 --plot "$tmp/spec.png" --format none 2>/dev/null
[ -s "$tmp/spec.png" ] && ok || ko "spectrum histogram"
rm -rf "$tmp"
echo "cli_twostep: $pass passed, $fail failed"
[ $fail -eq 0 ]
