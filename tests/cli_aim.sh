#!/usr/bin/env bash
# Attention-indexed experiments through the CLI: stable names and metrics, O1 thresholds, the
# O2 softmax SE point, and readable refusals of bad input (T < 2, rho <= 0, hardmax T != 2).
bin=$1
export OPENBLAS_NUM_THREADS=1
pass=0; fail=0
ok() { if eval "$1"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $2"; fi; }
close() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN{d=a-b; if(d<0)d=-d; exit !(d<=t)}'; }
col() { printf '%s\n' "$1" | awk -F, -v r="$2" -v n="$3" 'NR==1{for(i=1;i<=NF;i++)h[$i]=i} NR==r+1{print $h[n]}'; }
out=$("$bin" theory aim-threshold T=2,3 rho=0.5 channel=softmax --format csv 2>/dev/null)
ok 'close "$(col "$out" 1 alpha_pr)" 0.1875 1e-12 && close "$(col "$out" 2 alpha_pr)" 0.075 1e-12' "O1 alpha_PR"
out=$("$bin" theory aim-threshold T=2 channel=hardmax --format csv 2>/dev/null)
ok 'close "$(col "$out" 1 alpha_bar_c)" 0.403410629 1e-8' "hardmax alpha_bar_c"
out=$("$bin" theory aim-se T=2 rho=0.5 alpha=0.09265211764705882 channel=softmax --format csv 2>/dev/null)
ok 'close "$(col "$out" 1 mmse)" 0.438642 2e-6' "O2 softmax SE"
out=$("$bin" theory aim-se T=3 alpha=0.05 prior=gauss --format csv 2>/dev/null)
ok 'close "$(col "$out" 1 mmse)" 0.5 1e-12' "rho = inf line"
for args in "aim-se T=1" "aim-se rho=0" "aim-se T=3 channel=hardmax" "aim-gamp T=3 channel=hardmax d=20" \
            "aim-threshold rho=-1" "aim-gd channel=hardmax d=20"; do
    msg=$("$bin" theory $args 2>&1 >/dev/null); rc=$?
    p=$(printf '%s' "$args" | awk '{print $2}' | cut -d= -f1)
    ok '[ $rc -ne 0 ] && printf "%s" "$msg" | grep -q "$p"' "refused with a message naming $p: $args ($msg)"
done
echo "cli_aim: $pass passed, $fail failed"
[ $fail -eq 0 ]
