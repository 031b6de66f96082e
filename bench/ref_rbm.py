#!/usr/bin/python3
"""numpy reference for bench_rbm (family 3): one GD step of the RBM objective (k hidden +-1
units, the 2^k hidden sum enumerated) and one iteration of the k = 1 AMP, on the inputs the C
program dumped; checks W1 and w1 against phaselab's output (relative 2-norm error).
Interpreter: Debian's /usr/bin/python3 (command -p -v python3) with python3-numpy.

    /usr/bin/python3 bench/ref_rbm.py OUTDIR
"""
import itertools
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_ref import bench, cases, emit, info_line, load, rel_err  # noqa: E402


def hidden_second_moment(Q):
    """M = E_{p_Q}[h h^T], p_Q(h) ~ exp(h^T Q h / 2), h in {+-1}^k."""
    k = Q.shape[0]
    H = np.array(list(itertools.product((-1.0, 1.0), repeat=k)))
    e = 0.5 * np.einsum("ca,ab,cb->c", H, Q, H)
    p = np.exp(e - e.max())
    p /= p.sum()
    return (H * p[:, None]).T @ H


def gd_step(V, W, lr):
    n, d = V.shape
    sd = np.sqrt(d)
    T = np.tanh(V @ W / sd)
    M = hidden_second_moment(W.T @ W / d)
    G = W @ M / d - V.T @ T / (n * sd)
    return W - lr * d * G


def prox(om, s):
    """Root of lam - s tanh(lam) = om (vectorised safeguarded Newton, bracket om +- s)."""
    lo, hi, lam = om - s, om + s, om.copy()
    for _ in range(60):
        th = np.tanh(lam)
        f = lam - s * th - om
        hi = np.where(f > 0, lam, hi)
        lo = np.where(f <= 0, lam, lo)
        nxt = lam - f / (1.0 - s * (1.0 - th * th))
        bad = ~((nxt > lo) & (nxt < hi))
        nxt[bad] = 0.5 * (lo[bad] + hi[bad])
        if np.max(np.abs(nxt - lam)) <= 1e-15 * (1.0 + np.max(np.abs(lam))):
            return nxt
        lam = nxt
    return lam


def amp_iter(V, w, s, damping):
    n, d = V.shape
    alpha, sd = n / d, np.sqrt(d)
    om = V @ w / sd                 # g_prev = 0 at the first iteration
    th = np.tanh(prox(om, s))
    c = 1.0 - th * th
    a = -np.sum(c / (1.0 - s * c)) / d
    b = V.T @ th / sd + a * w
    return w + damping * (b / (alpha + a) - w)


def main():
    out = sys.argv[1]
    info_line()
    for c in cases(out, "rbm"):
        p, size = c["params"], c["size"]
        V = load(out, c, "V")
        res = {}
        if c["kernel"] == "rbm_gd_step":
            W0 = load(out, c, "W0")

            def step():
                res["W1"] = gd_step(V, W0, p["lr"])

            t = bench(step, min_reps=3, max_reps=50)
            err, tol = rel_err(res["W1"], load(out, c, "W1")), 1e-10
            emit("rbm_gd_step", size, "numpy", "matmul + tanh + 2^k enumeration", t, err <= tol,
                 err, tol)
        elif c["kernel"] == "rbm_amp_iter":
            w0 = load(out, c, "w0")

            def it():
                res["w1"] = amp_iter(V, w0, p["s0"], p["damping"])

            t = bench(it, min_reps=3, max_reps=50)
            err, tol = rel_err(res["w1"], load(out, c, "w1")), 1e-10
            emit("rbm_amp_iter", size, "numpy", "matvec + vectorised Newton prox", t, err <= tol,
                 err, tol)


if __name__ == "__main__":
    main()
