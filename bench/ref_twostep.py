#!/usr/bin/python3
"""numpy reference for bench_twostep (family 6): the two first-layer GD steps with
tanh + softplus and the singular values of W2, on the inputs the C program dumped; checks W2 and
the singular values against phaselab's output (relative 2-norm error).

    /usr/bin/python3 bench/ref_twostep.py OUTDIR
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_ref import QUICK, bench, cases, emit, info_line, load, rel_err  # noqa: E402


def step(W, a, X, y, eta):
    N, n = W.shape[0], X.shape[0]
    Z = X @ W.T
    th = np.tanh(Z)
    sig = 0.5 * (1.0 + np.tanh(0.5 * Z))          # sigmoid without overflow
    f = (th + np.logaddexp(0.0, Z)) @ a / np.sqrt(N)
    r = y - f
    D = (1.0 - th * th + sig) * a[None, :] * (r * (eta / n))[:, None]
    return W + D.T @ X


def main():
    out = sys.argv[1]
    info_line()
    for c in cases(out, "twostep"):
        p, size = c["params"], c["size"]
        if c["kernel"] == "twostep_steps":
            W0, a = load(out, c, "W0"), load(out, c, "a")
            X1, y1 = load(out, c, "X1"), load(out, c, "y1")
            X2, y2 = load(out, c, "X2"), load(out, c, "y2")
            res = {}

            def steps():
                res["W2"] = step(step(W0, a, X1, y1, p["eta1"]), a, X2, y2, p["eta2"])

            t = bench(steps, min_reps=1, max_reps=5)
            err, tol = rel_err(res["W2"], load(out, c, "W2")), 1e-10
            emit("twostep_steps", size, "numpy", "matmul + elementwise", t, err <= tol, err, tol)
        elif c["kernel"] == "twostep_svd":
            W2 = load(out, c, "W2")
            res = {}

            def svd():
                res["s"] = np.linalg.svd(W2, compute_uv=False)

            if QUICK:
                t = bench(svd, min_reps=1, max_reps=5)
            else:  # ~40 s per call at full size: one timed call, as the C side
                t0 = time.perf_counter()
                svd()
                el = time.perf_counter() - t0
                t = {"median_s": el, "min_s": el, "max_s": el, "reps": 1}
            err, tol = rel_err(res["s"], load(out, c, "s")), 1e-10
            emit("twostep_svd", size, "numpy", "linalg.svd(compute_uv=False)", t, err <= tol, err,
                 tol)


if __name__ == "__main__":
    main()
