"""References for bench/bench_core.c: numpy / scipy / PyTorch (CPU) doing the same computations
on the inputs the C program dumped, the way a researcher would write them, timed with the same
policy, each checked against phaselab's output.

Usage: /usr/bin/python3 bench/ref_core.py OUTDIR   (OUTDIR as given to build/bench/bench_core)
"""
import os
import sys

import numpy as np
import scipy
import scipy.linalg
import scipy.sparse.linalg as sla

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_ref import bench, cases, emit, info_line, load, rel_err, threads, vec_err  # noqa: E402

try:
    import torch
    torch.set_num_threads(threads())
except ImportError:  # the table then has no torch rows
    torch = None

K = 5


def matvec(out, c):
    size = c["size"]
    X = load(out, c, "X")
    v, u = load(out, c, "v"), load(out, c, "u")
    a64, b64 = load(out, c, "a64"), load(out, c, "b64")
    a32, b32 = load(out, c, "a32"), load(out, c, "b32")
    X32, v32, u32 = X.astype(np.float32), v.astype(np.float32), u.astype(np.float32)

    def check(a, b, ra, rb):
        return max(rel_err(a, ra), rel_err(b, rb))

    af, bf = load(out, c, "afused"), load(out, c, "bfused")
    # tolerances: a different summation order changes a dot of length d by ~eps sqrt(d)
    for kern, Xm, vm, um, ra, rb, tol in (("amp_matvec_pair_f64", X, v, u, a64, b64, 1e-12),
                                          ("amp_matvec_pair_f32", X32, v32, u32, a32, b32, 1e-5)):
        res = {}
        runs = []

        def np_pair():
            res["a"], res["b"] = Xm @ vm, Xm.T @ um
        runs.append(("numpy", "X @ v, X.T @ u", np_pair))
        if torch is not None:
            Xt, vt, ut = torch.from_numpy(Xm), torch.from_numpy(vm), torch.from_numpy(um)

            def torch_pair():
                a_, b_ = torch.mv(Xt, vt), torch.mv(Xt.T, ut)
                res["a"], res["b"] = a_.numpy(), b_.numpy()
            runs.append(("torch", "torch.mv(X, v), torch.mv(X.T, u)", torch_pair))
        for impl, method, fn in runs:
            t = bench(fn)
            err = check(res["a"], res["b"], ra, rb)
            emit(kern, size, impl, method, t, err <= tol, err, tol)
            if kern.endswith("_f64"):  # the same timing against the fused single pass
                err = check(res["a"], res["b"], af, bf)
                emit("amp_matvec_pair_fused_f64", size, impl, method, t, err <= tol, err, tol)


def top_from_eigh(vals, vecs):
    return vals[::-1][:K], vecs[:, ::-1][:, :K]


def eigs(out, c):
    size = c["size"]
    X, w = load(out, c, "X"), load(out, c, "w")
    n, d = X.shape
    pl = {tag: (load(out, c, tag + "_vals"), load(out, c, tag + "_vecs"))
          for tag in ("l64", "l32", "dense")}
    # tolerances: eigenvalues to tol-level relative accuracy; vectors by 1 - |overlap|, which is
    # quadratic in the angle (a residual r gives an angle ~ r / gap)
    TOL64 = {"vals": 1e-8, "vecs": 1e-8}
    TOL32 = {"vals": 1e-5, "vecs": 1e-5}

    def report(kern, impl, method, t, vals, vecs, ref, tols, **extra):
        ev = rel_err(vals, ref[0])
        evec = vec_err(vecs, ref[1])
        ok = ev <= tols["vals"] and evec <= tols["vecs"]
        emit(kern, size, impl, method, t, ok, max(ev, evec), tols, val_err=ev, vec_err=evec,
             **extra)

    # matrix-free, float64: scipy eigsh (ARPACK) on a LinearOperator doing the two products
    nmv = [0]

    def mv64(x):
        nmv[0] += 1
        return X.T @ (w * (X @ x))
    op64 = sla.LinearOperator((d, d), matvec=mv64, dtype=np.float64)
    res = {}

    def eigsh64():
        nmv[0] = 0
        res["v"] = sla.eigsh(op64, k=K, which="LA", tol=1e-10)
    t = bench(eigsh64, 5, 30)
    vals, vecs = res["v"]
    o = np.argsort(vals)[::-1]
    report("topk_eig_lanczos_f64", "scipy", "eigsh(LinearOperator), tol 1e-10", t, vals[o],
           vecs[:, o], pl["l64"], TOL64, nmatvec=nmv[0])

    # the same, matrix in float32 (vectors converted at each product, Krylov in float64)
    X32, w32 = X.astype(np.float32), w.astype(np.float32)

    def mv32(x):
        nmv[0] += 1
        return (X32.T @ (w32 * (X32 @ x.astype(np.float32)))).astype(np.float64)
    op32 = sla.LinearOperator((d, d), matvec=mv32, dtype=np.float64)

    def eigsh32():
        nmv[0] = 0
        res["v"] = sla.eigsh(op32, k=K, which="LA", tol=1e-6)
    t = bench(eigsh32, 5, 30)
    vals, vecs = res["v"]
    o = np.argsort(vals)[::-1]
    report("topk_eig_lanczos_f32", "scipy", "eigsh(LinearOperator, float32 matrix), tol 1e-6",
           t, vals[o], vecs[:, o], pl["l32"], TOL32, nmatvec=nmv[0],
           vec_err_vs_dense_f64=vec_err(vecs[:, o], pl["dense"][1]))

    # dense: form M = X^T diag(w) X, then a symmetric eigensolver; each timed once, reported
    # against both the matrix-free Lanczos and phaselab's dense path
    def dense_np():
        M = X.T @ (w[:, None] * X)
        res["v"] = top_from_eigh(*np.linalg.eigh(M))

    def dense_sp():
        M = X.T @ (w[:, None] * X)
        vals, vecs = scipy.linalg.eigh(M, subset_by_index=[d - K, d - 1])
        res["v"] = top_from_eigh(vals, vecs)
    dense = [("numpy", "X.T @ (w[:,None]*X); numpy.linalg.eigh", dense_np),
             ("scipy", "X.T @ (w[:,None]*X); scipy.linalg.eigh(subset_by_index)", dense_sp)]
    if torch is not None:
        Xt, wt = torch.from_numpy(X), torch.from_numpy(w)

        def dense_torch():
            M = Xt.T @ (wt[:, None] * Xt)
            vals, vecs = torch.linalg.eigh(M)
            res["v"] = top_from_eigh(vals.numpy(), vecs.numpy())
        dense.append(("torch", "Xt.T @ (w[:,None]*Xt); torch.linalg.eigh", dense_torch))
    for impl, method, fn in dense:
        t = bench(fn, 3, 20)
        vals, vecs = res["v"]
        for kern, ref in (("topk_eig_lanczos_f64", pl["l64"]), ("topk_eig_dense_f64", pl["dense"])):
            report(kern, impl, method, t, vals, vecs, ref, TOL64)


def qnet(out, c):
    size = c["size"]
    X, S, r = load(out, c, "X"), load(out, c, "S"), load(out, c, "r")
    yhat_pl, G_pl = load(out, c, "yhat"), load(out, c, "G")
    d = X.shape[1]
    sq = np.sqrt(d)
    res = {}

    def np_qnet():
        Z = X @ S
        yhat = (np.einsum("ij,ij->i", Z, X) - np.trace(S)) / sq
        G = (X.T @ (r[:, None] * X) - r.sum() * np.eye(d)) / sq
        res["v"] = (yhat, G)
    impls = [("numpy", "einsum rows of (X @ S) * X; X.T @ (r[:,None]*X)", np_qnet)]
    if torch is not None:
        Xt, St, rt = torch.from_numpy(X), torch.from_numpy(S), torch.from_numpy(r)
        eye = torch.eye(d, dtype=torch.float64)

        def torch_qnet():
            Z = Xt @ St
            yhat = ((Z * Xt).sum(1) - torch.trace(St)) / sq
            G = (Xt.T @ (rt[:, None] * Xt) - rt.sum() * eye) / sq
            res["v"] = (yhat.numpy(), G.numpy())
        impls.append(("torch", "((X @ S) * X).sum(1); X.T @ (r[:,None]*X)", torch_qnet))
    tol = 1e-10
    for impl, method, fn in impls:
        t = bench(fn)
        yhat, G = res["v"]
        err = max(rel_err(yhat, yhat_pl), rel_err(G, G_pl))
        emit("qnet_sensing_f64", size, impl, method, t, err <= tol, err, tol)


def bbp_theory(beta, alpha):
    """The bbp experiment's wishart theory (src/theory/bbp.c), vectorised."""
    g = 1.0 / alpha
    above = alpha * beta * beta > 1.0
    top = np.where(above, (1.0 + beta) * (1.0 + g / beta), (1.0 + np.sqrt(g)) ** 2)
    ov = np.where(above, (1.0 - g / (beta * beta)) / (1.0 + g / beta), 0.0)
    return top, ov


def bbp(out, c):
    size = c["size"]
    beta = load(out, c, "beta")
    alpha = float(c["params"]["alpha"])
    top_pl, ov_pl = load(out, c, "top_eig"), load(out, c, "overlap2")
    inner = max(1, 20000 // beta.size)  # >= ~1 ms per timed call
    res = {}

    def curve():
        for _ in range(inner):
            res["v"] = bbp_theory(beta, alpha)
    t = bench(curve, 7, 51, inner=inner)
    top, ov = res["v"]
    err = max(rel_err(top, top_pl), rel_err(ov, ov_pl))
    tol = 1e-13
    emit("bbp_theory_wishart", size, "numpy", "vectorised np.where formulas", t, err <= tol, err,
         tol, inner=inner)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    extra = {"scipy": scipy.__version__, "torch_threads": torch.get_num_threads() if torch else 0}
    if torch is not None:
        extra["torch"] = torch.__version__
    info_line(extra)
    run = {"amp_matvec_pair": matvec, "topk_eig": eigs, "qnet_sensing": qnet,
           "bbp_theory_wishart": bbp}
    for c in cases(out, "core"):
        run[c["kernel"]](out, c)


if __name__ == "__main__":
    main()
