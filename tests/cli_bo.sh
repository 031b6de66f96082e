#!/usr/bin/env bash
# Family 9 command line: stable names of bo-channel / bo-width, warnings, bad input.
bin=$1
pass=0; fail=0
ok() { if eval "$2"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $1"; fi; }
hdr=$("$bin" theory bo-channel --format csv 2>/dev/null | head -1)
ok "bo-channel header" '[[ "$hdr" == *",l_e,l_s,m_e_jump,m_s_jump,g1,"* ]]'
hdr=$("$bin" theory bo-width --format csv 2>/dev/null | head -1)
ok "bo-width header" '[[ "$hdr" == "experiment,source,seed,status,d,k,delta,beta,alpha,profile,act,"* && "$hdr" == *",eps_bo,k_c,"* ]]'
row=$("$bin" theory bo-width alpha=2 --format csv 2>/dev/null | tail -1)
ok "bo-width k_c at alpha 2" '[[ "$row" == *",0.00242194"*",31,"* ]]'
# beta <= 1/2: a warning on the law, the fixed point converges
js=$("$bin" theory bo-width beta=0.4 --format json 2>/dev/null)
ok "beta 0.4 warning" '[[ "$js" == *"\"status\":\"converged\""* && "$js" == *"needs beta > 1/2"* ]]'
# non-converging Hermite series is reported
js=$("$bin" theory bo-channel act=tanh2-nolin order=20 --format json 2>/dev/null)
ok "order 20 not converged" '[[ "$js" == *"\"status\":\"not_converged\""* && "$js" == *"does not converge at order 20"* ]]'
# bad input: density form with beta >= 1/2
out=$("$bin" theory bo-width form=density beta=1 2>&1 >/dev/null); rc=$?
ok "density beta 1 rejected" '[[ $rc -ne 0 && "$out" == *"needs beta < 1/2"* ]]'
out=$("$bin" theory bo-width profile=pwr 2>&1 >/dev/null); rc=$?
ok "bad profile" '[[ $rc -ne 0 && "$out" == *"power|dense|exp"* ]]'
out=$("$bin" theory bo-width delta=0 2>&1 >/dev/null); rc=$?
ok "delta 0 rejected" '[[ $rc -ne 0 && "$out" == *"out of range"* ]]'
# guides: two extra theory branches
n=$("$bin" theory bo-width guides=1 --format csv 2>/dev/null | tail -n +2 | wc -l)
ok "guides rows" '[[ $n -eq 3 ]]'
# simulations run end to end at tiny sizes (sim record + theory record)
out=$("$bin" run bo-student d=10 k=5 alpha=1 epochs=5 ntest=200 --format csv 2>/dev/null)
ok "bo-student tiny" '[[ $(printf "%s\n" "$out" | grep -c "sim:adam,0,converged") -eq 1 && "$out" == *"bo-student,theory"* ]]'
out=$("$bin" run bo-hmc d=10 k=5 alpha=0.5 samples=10 keep=5 ntest=200 --format csv 2>/dev/null)
ok "bo-hmc tiny" '[[ $(printf "%s\n" "$out" | grep -c "sim:hmc,0,converged") -eq 1 ]]'
out=$("$bin" run bo-student d=10 k=20 2>&1 >/dev/null); rc=$?
ok "bo-student k > d rejected" '[[ $rc -ne 0 && "$out" == *"k = 20 > d = 10"* ]]'
out=$("$bin" run bo-hmc samples=10 keep=20 2>&1 >/dev/null); rc=$?
ok "bo-hmc keep > samples rejected" '[[ $rc -ne 0 && "$out" == *"exceeds samples"* ]]'
echo "cli_bo: $pass passed, $fail failed"
[ $fail -eq 0 ]
