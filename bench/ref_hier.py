#!/usr/bin/python3
"""numpy reference for bench_hier (family 7): one matvec of the layer-1 operator
M1 = (1/2n) sum y (z z^T - I) on flattened Hermite-2 features, in matrix form through the data
(V = unflat(v); u = (rowdot(X V, X) - Tr V)/sqrt 2; S = X^T diag(y u / 2n) X - sum(w) I;
out = flat(S / sqrt 2)), checked against phaselab's output (relative 2-norm error).

    /usr/bin/python3 bench/ref_hier.py OUTDIR     (Debian's interpreter, with numpy)
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_ref import bench, cases, emit, info_line, load, rel_err  # noqa: E402


def flat_index(d):
    iu = np.triu_indices(d)
    scale = np.where(iu[0] == iu[1], 1.0, np.sqrt(2.0))
    return iu, scale


def main():
    out = sys.argv[1]
    info_line()
    for c in cases(out, "hier"):
        p, size = c["params"], c["size"]
        n, d = p["n"], p["d"]
        X, y, v = load(out, c, "X"), load(out, c, "y"), load(out, c, "v")
        iu, scale = flat_index(d)
        res = {}

        def mv():
            V = np.zeros((d, d))
            V[iu] = v / scale
            V = V + np.triu(V, 1).T
            u = (np.einsum("ij,ij->i", X @ V, X) - np.trace(V)) / np.sqrt(2.0)
            w = y * u / (2.0 * n)
            S = X.T @ (w[:, None] * X) - w.sum() * np.eye(d)
            res["Mv"] = (S / np.sqrt(2.0))[iu] * scale - y.sum() / (2.0 * n) * v

        t = bench(mv, min_reps=3, max_reps=20)
        err, tol = rel_err(res["Mv"], load(out, c, "Mv")), 1e-10
        emit("hier_m1_matvec", size, "numpy", "matmul through the data", t, err <= tol, err, tol,
             flops=4.0 * n * d * d)


if __name__ == "__main__":
    main()
