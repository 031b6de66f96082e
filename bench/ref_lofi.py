#!/usr/bin/python3
"""numpy reference for bench_lofi (family 8): the signed covariance (Z.T * y) @ Z / n and the
top-K eigenpairs of C by |lambda| (numpy.linalg.eigh of the whole matrix, then a selection by
modulus: numpy has no partial eigensolver by modulus), on the inputs the C program dumped;
checks C (relative 2-norm error), the K eigenvalues and the eigenvectors (1 - |<v, v_ref>|).
Run with Debian's interpreter:

    /usr/bin/python3 bench/ref_lofi.py OUTDIR
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_ref import QUICK, bench, cases, emit, info_line, load, rel_err  # noqa: E402


def once(fn):
    """One timed call (full size: tens of seconds per call, as the C side)."""
    if QUICK:
        return bench(fn, min_reps=1, max_reps=5)
    t0 = time.perf_counter()
    fn()
    el = time.perf_counter() - t0
    return {"median_s": el, "min_s": el, "max_s": el, "reps": 1}


def main():
    out = sys.argv[1]
    info_line()
    for c in cases(out, "lofi"):
        p, size = c["params"], c["size"]
        if c["kernel"] == "lofi_signed_cov":
            Z, y = load(out, c, "Z"), load(out, c, "y")
            res = {}

            def cov():
                res["C"] = (Z.T * y) @ Z / Z.shape[0]

            t = once(cov)
            err, tol = rel_err(res["C"], load(out, c, "C")), 1e-12
            emit("lofi_signed_cov", size, "numpy", "(Z.T * y) @ Z / n", t, err <= tol, err, tol)
            del Z, res
        elif c["kernel"] == "lofi_eigred":
            C, K = load(out, c, "C"), p["K"]
            res = {}

            def eig():
                lam, U = np.linalg.eigh(C)
                idx = np.argsort(-np.abs(lam), kind="stable")[:K]
                res["w"], res["V"] = lam[idx], U[:, idx]

            t = once(eig)
            w, V = load(out, c, "w"), load(out, c, "V")
            errw = rel_err(res["w"], w)
            errv = float(np.max(1.0 - np.abs(np.sum(res["V"] * V, axis=0))))
            err, tol = max(errw, errv), 1e-8
            emit("lofi_eigred", size, "numpy", "linalg.eigh + selection by |lambda|", t,
                 err <= tol, err, tol)


if __name__ == "__main__":
    main()
