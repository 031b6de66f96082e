#!/usr/bin/env bash
# Family 4 (quadratic networks, nuclear route): stable names, bad input messages, branches.
bin=$1
pass=0; fail=0
ok() { pass=$((pass+1)); }
ko() { fail=$((fail+1)); echo "FAIL: $*"; }
expect_error() { # expect_error "pattern" args...
    local pat=$1; shift
    local out rc
    out=$("$bin" "$@" 2>&1 >/dev/null); rc=$?
    if [ $rc -ne 0 ] && printf '%s' "$out" | grep -q -- "$pat"; then ok
    else ko "phaselab $* -> rc=$rc, stderr: $out (want /$pat/)"; fi
}
expect_error "parameter 'kappa' = 0 is out of range" run quad-erm kappa=0
expect_error "parameter 'kappa_star' = -1 is out of range" run quad-erm kappa_star=-1
expect_error "parameter 'alpha' = 0 is out of range" run quad-erm alpha=0
expect_error "parameter 'delta' = -0.5 is out of range" run quad-erm delta=-0.5
expect_error "parameter 'lambda' = -1 is out of range" run quad-erm lambda=-1
expect_error "'newton' is not one of fista|gd|lbfgs" run quad-erm solver=newton
expect_error "kappa_star \* d = 0.06 rounds to no teacher unit" run quad-erm kappa_star=0.001 d=60
expect_error "parameter 'kappa' = 0 is out of range" run quad-threshold kappa=0
expect_error "parameter 'alpha' = -1 is out of range" run quad-bo alpha=-1

# stable names in the CSV headers
h=$("$bin" theory quad-erm alpha=0.3 --format csv 2>/dev/null | head -1)
for w in kappa kappa_star lambda delta alpha d solver mse train_loss rank xi q branch; do
    printf '%s' ",$h," | grep -q ",$w," && ok || ko "quad-erm header lacks $w: $h"
done
h=$("$bin" run quad-threshold --format csv 2>/dev/null | head -1)
for w in kappa kappa_star delta alpha_strong alpha_inter alpha_bo; do
    printf '%s' ",$h," | grep -q ",$w," && ok || ko "quad-threshold header lacks $w: $h"
done
h=$("$bin" run quad-bo --format csv 2>/dev/null | head -1)
for w in kappa_star delta alpha mmse; do
    printf '%s' ",$h," | grep -q ",$w," && ok || ko "quad-bo header lacks $w: $h"
done

# one theory record per branch at a xi with three roots; none reported as failed
n=$("$bin" theory quad-erm kappa=0.4 kappa_star=0.3 lambda=0.01 delta=1 at_xi=5.7 --format csv 2>/dev/null | tail -n +2 | grep -c ',converged,')
[ "$n" = 3 ] && ok || ko "three branches at xi=5.7, got $n"
"$bin" theory quad-erm kappa=1 kappa_star=0.3 lambda=0 delta=0.5 at_xi=2 --format json 2>/dev/null | grep -q '"failed".*no solution' && ok || ko "no-solution record"
# alpha_inter only with noise; alpha_bo = kappa* - kappa*^2/2
l=$("$bin" run quad-threshold kappa=1 kappa_star=0.5 delta=0 --format csv 2>/dev/null | tail -1)
[ "$(echo "$l" | cut -d, -f9)" = "" ] && [ "$(echo "$l" | cut -d, -f10)" = "0.375" ] && ok || ko "threshold row '$l'"
# a small simulation runs and converges with each solver
for s in fista lbfgs gd; do
    st=$("$bin" run quad-erm d=12 alpha=0.5 solver=$s maxit=200000 tol=1e-5 --no-theory --format csv 2>/dev/null | tail -1 | cut -d, -f4)
    [ "$st" = converged ] && ok || ko "solver $s status '$st'"
done
# family 5: stable names and bad input
for x in quad-width quad-data; do
    h=$("$bin" theory $x d=20 n=400 p=3 --format csv 2>/dev/null | head -1)
    for w in d gamma delta lambda_t n p draws err; do
        printf '%s' ",$h," | grep -q ",$w," && ok || ko "$x header lacks $w: $h"
    done
done
expect_error "p = 30 > d = 20: the width cannot exceed the dimension" run quad-width d=20 p=30
expect_error "parameter 'lambda_t' = 0 is out of range" run quad-width lambda_t=0
expect_error "parameter 'n' = 0 is out of range" run quad-data n=0
"$bin" theory quad-width d=20 n=400 p=3 gamma=0.4 --format json 2>/dev/null | grep -q 'gamma = 0.4 <= 1/2' && ok || ko "gamma <= 1/2 message"
st=$("$bin" run quad-width d=16 n=256 p=3 --seeds 1 --format csv 2>/dev/null | tail -1 | cut -d, -f4)
[ "$st" = converged ] && ok || ko "quad-width simulation status '$st'"
n=$("$bin" theory quad-phase d=40 rho=0.2,0.8 a=1.6,2 --format csv 2>/dev/null | tail -n +2 | grep -c ',converged,')
[ "$n" = 4 ] && ok || ko "quad-phase cells converged: $n"
# a sweep in p prints its fitted exponent next to the predicted one
"$bin" theory quad-width d=40 n=1600 p=1,2,4,8 --format none 2>&1 | grep -q "quad-width fit (theory, gamma=1.25): err ~ p^s, s = .* (4 points); predicted 1 - 2 gamma = -1.5000" && ok || ko "quad-width fitted exponent report"
# quad-spectrum's default figure: the histogram of eig(S) against the theory density
tmpd=$(mktemp -d)
"$bin" run quad-spectrum kappa=0.7 kappa_star=0.5 lambda=0.1 alpha=0.4 d=40 --seeds 2 --format none --plot "$tmpd/s.png" 2>/dev/null && head -c 8 "$tmpd/s.png" | od -An -c | grep -q 'P   N   G' && ok || ko "quad-spectrum histogram plot"
rm -rf "$tmpd"
echo "cli_quad: $pass passed, $fail failed"
[ $fail -eq 0 ]
