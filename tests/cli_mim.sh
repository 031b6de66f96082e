#!/usr/bin/env bash
# Multi-index experiments through the CLI: spec 01 oracles (O1) reproduced by
# `phaselab theory`, stable names, and readable failures (F = 0, bad p).
bin=$1
# single-threaded BLAS, as for the C tests
export OPENBLAS_NUM_THREADS=1
pass=0; fail=0
ok() { if eval "$1"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $2"; fi; }
close() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN{d=a-b; if(d<0)d=-d; exit !(d<=t)}'; }
col() { # col CSV-TEXT ROW(1-based data row) NAME
    printf '%s\n' "$1" | awk -F, -v r="$2" -v n="$3" 'NR==1{for(i=1;i<=NF;i++)h[$i]=i} NR==r+1{print $h[n]}'; }
# mim-threshold: alpha_c and outlier counts
out=$("$bin" theory mim-threshold link=z1z2,sign-z1z2,pr --format csv 2>/dev/null)
ok 'close "$(col "$out" 1 alpha_c)" 0.59375 1e-4' "alpha_c z1z2"
ok '[ "$(col "$out" 1 n_outliers)" = 2 ]' "n_outliers z1z2"
ok 'close "$(col "$out" 2 alpha_c)" 2.4674011 1e-6' "alpha_c sign = pi^2/4"
ok 'close "$(col "$out" 3 alpha_c)" 0.5 1e-9' "alpha_c pr"
out=$("$bin" theory mim-threshold link=norm2 p=4 --format csv 2>/dev/null)
ok 'close "$(col "$out" 1 alpha_c)" 2 1e-9 && [ "$(col "$out" 1 n_outliers)" = 16 ]' "norm2 p=4: p/2, p^2"
# spec O1 rows via mim-spectral theory
out=$("$bin" theory mim-spectral link=z1z2 alpha=2 method=asym,sym --format csv 2>/dev/null)
ok 'close "$(col "$out" 1 top_eig)" 3.36841 5e-6 && close "$(col "$out" 1 bulk_edge)" 1.83532 5e-6 && close "$(col "$out" 1 m2)" 0.30835 5e-6' "O1 z1z2 alpha=2 asym"
ok 'close "$(col "$out" 2 top_eig)" 1 1e-9 && close "$(col "$out" 2 bulk_edge)" 0.82648 5e-6 && close "$(col "$out" 2 m2)" 0.43254 5e-6' "O1 z1z2 alpha=2 sym"
out=$("$bin" theory mim-spectral link=sign-z1z2 alpha=5 method=asym,sym --format csv 2>/dev/null)
ok 'close "$(col "$out" 1 m2)" 0.50652 5e-6 && close "$(col "$out" 2 bulk_edge)" 0.79215 5e-6 && close "$(col "$out" 2 m2)" 0.57194 5e-6' "O1 sign alpha=5"
out=$("$bin" theory mim-spectral link=pr alpha=4 method=asym,sym --format csv 2>/dev/null)
ok 'close "$(col "$out" 1 m2)" 0.58333 5e-6 && close "$(col "$out" 2 bulk_edge)" -0.96273 5e-6 && close "$(col "$out" 2 m2)" 0.92449 5e-6' "O1 pr alpha=4"
out=$("$bin" theory mim-spectral link=norm2 p=4 alpha=4 --format csv 2>/dev/null)
ok 'close "$(col "$out" 1 top_eig)" 2 1e-9 && close "$(col "$out" 1 m2)" 0.33333 5e-5' "O1 norm2 p=4 alpha=4"
# stable csv headers
hdr=$("$bin" theory mim-spectral --format csv 2>/dev/null | head -1)
ok '[ "$hdr" = "experiment,source,seed,status,link,p,noise,alpha,d,method,clip,m2,top_eig,bulk_edge,m2_top,n_outliers" ]' "mim-spectral header '$hdr'"
hdr=$("$bin" theory mim-gamp link=pr alpha=0.8 --format csv 2>/dev/null | head -1)
ok '[ "$hdr" = "experiment,source,seed,status,link,p,noise,alpha,d,damping,maxit,var_floor,damping_rule,m2,iterations" ]' "mim-gamp header '$hdr'"
# F = 0: readable message, no division by zero
msg=$("$bin" theory mim-threshold link=null --format json 2>/dev/null)
ok 'printf "%s" "$msg" | grep -q "no weak recovery at n = Theta(d)"' "F = 0 message: $msg"
# bad p
err=$("$bin" theory mim-threshold link=z1z2 p=3 2>&1 >/dev/null)
ok 'printf "%s" "$err" | grep -q "has p = 2"' "p mismatch message: $err"
# a small simulation runs and gives a finite overlap
out=$("$bin" run mim-spectral link=pr alpha=2 d=200 method=asym --no-theory --format csv 2>/dev/null)
ok 'awk "BEGIN{exit !($(col "$out" 1 m2) > 0.05)}"' "mim-spectral simulation"
echo "cli_mim: $pass passed, $fail failed"
[ $fail -eq 0 ]
