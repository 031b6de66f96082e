#!/usr/bin/env bash
# lofi experiments from the command line: bad input names the parameter, a missing dataset
# names the Debian package, and a small synthetic run produces its metrics.
set -u
bin=$1
fail=0
out=$(PHASELAB_FMNIST_DIR=/nonexistent-dir "$bin" run lofi-vs-rf --seeds 1 --jobs 1 2>&1)
rc=$?
if [ $rc -eq 0 ] || ! grep -q "dataset-fashion-mnist" <<<"$out"; then
    echo "FAIL: missing dataset: rc=$rc: $out"; fail=1
fi
out=$("$bin" run lofi-vs-rf task=hier P=20 K=30 --seeds 1 --jobs 1 2>&1)
rc=$?
if [ $rc -eq 0 ] || ! grep -q "K (30) must be <= P" <<<"$out"; then
    echo "FAIL: K > P: rc=$rc: $out"; fail=1
fi
out=$("$bin" run lofi-vs-rf task=hier d=8 n=300 n_test=200 P=100 K=10 --seeds 1 --jobs 1 --format csv 2>&1)
rc=$?
if [ $rc -ne 0 ] || ! grep -q "rf_test_acc" <<<"$out" || grep -qi "nan\|failed" <<<"$out"; then
    echo "FAIL: hier run: rc=$rc: $out"; fail=1
fi
[ $fail -eq 0 ] && echo "cli_lofi: passed"
exit $fail
