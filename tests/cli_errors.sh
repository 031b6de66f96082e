#!/usr/bin/env bash
# Bad input gets a one-line message naming the problem and a non-zero exit.
bin=$1
pass=0; fail=0
expect_error() { # expect_error "pattern" args...
    local pat=$1; shift
    local out rc
    out=$("$bin" "$@" 2>&1 >/dev/null); rc=$?
    local lines; lines=$(printf '%s\n' "$out" | grep -c .)
    if [ $rc -ne 0 ] && [ "$lines" -eq 1 ] && printf '%s' "$out" | grep -q -- "$pat"; then
        pass=$((pass+1))
    else
        fail=$((fail+1)); echo "FAIL: phaselab $* -> rc=$rc, stderr: $out (want /$pat/)"
    fi
}
expect_error "unknown experiment 'bpp' (did you mean 'bbp'?)" run bpp
expect_error "unknown experiment 'nosuch'" run nosuch
expect_error "no parameter 'bta' (did you mean 'beta'?)" run bbp bta=1
expect_error "parameter 'beta' = -1 is out of range" run bbp beta=-1
expect_error "parameter 'd' = 1 is out of range" run bbp d=1
expect_error "malformed range '1:0.5:0.1'" run bbp beta=1:0.5:0.1
expect_error "malformed range '1:2'" run bbp beta=1:2
expect_error "malformed range '1:2:x'" run bbp beta=1:2:x
expect_error "'wignr' is not one of wigner|wishart" run bbp model=wignr
expect_error "'abc' is not a number" run bbp beta=abc
expect_error "'2.5' is not an integer" run bbp d=2.5
expect_error "cannot open or create" run bbp d=10 --store /nonexistent-dir/x.db
expect_error "--seeds needs a whole number from 0 to 1000000, got .-3." run bbp --seeds -3
expect_error "--format must be table, csv, json or none" run bbp --format xml
expect_error "unknown option '--sedes'" run bbp --sedes 3
expect_error "unknown command 'rn' (did you mean 'run'?)" rn bbp
expect_error "plot file 'x.gif': use a .png, .svg or .pdf name" run bbp d=10 --plot x.gif
# help and version work
"$bin" --version | grep -q '^phaselab ' && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: --version"; }
"$bin" help bbp | grep -q 'beta' && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: help bbp"; }
"$bin" list | grep -q '^bbp' && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: list"; }
# csv header is the stable interface
hdr=$("$bin" run bbp d=20 --format csv 2>/dev/null | head -1)
[ "$hdr" = "experiment,source,seed,status,model,beta,alpha,d,top_eig,overlap2" ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: csv header '$hdr'"; }
rows=$("$bin" run bbp d=20 beta=1,2 --seeds 3 --format csv 2>/dev/null | tail -n +2 | wc -l)
[ "$rows" -eq 8 ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: csv rows $rows != 8"; }
theory_seed=$("$bin" theory bbp beta=2 --format csv 2>/dev/null | sed -n 2p | cut -d, -f2,3)
[ "$theory_seed" = "theory," ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: theory row '$theory_seed'"; }
"$bin" run bbp d=20 --format json 2>/dev/null | head -1 | grep -q '"metrics":{"top_eig"' && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: json"; }
echo "cli_errors: $pass passed, $fail failed"
[ $fail -eq 0 ]
