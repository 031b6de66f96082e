#!/usr/bin/python3
"""Family 9 references (bench/README.md protocol): reads the inputs written by bench_bo,
times the same computation and checks phaselab's results.

 - bo_adam_epoch (torch, float64, CPU): one epoch of 3 sequential minibatches of Adam on the
   MSE of f(x) = tanh(2 x U^T) a, then every row of U renormalised to unit norm.
 - bo_eps_curve (scipy): the same equations as src/theory/bo.c written with numpy/scipy --
   Hermite series g(q) (Gauss-Hermite), top-branch fixed point by vectorised Newton,
   l_e by brentq,
   eps by scipy.optimize.bisect -- for 200 values of alpha.
Usage: ref_bo.py OUTDIR [quick]
"""
import json
import os
import sys
import time

import numpy as np


def timeit(fn, warmup, reps):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    return ts[len(ts) // 2], ts[0], ts[-1], reps


def emit(kernel, size, impl, t, check, extra=None):
    d = {"kernel": kernel, "size": size, "impl": impl, "median_s": t[0], "min_s": t[1],
         "max_s": t[2], "reps": t[3], "check": bool(check)}
    if extra:
        d.update(extra)
    print(json.dumps(d), flush=True)


def load(outdir, name, shape):
    return np.fromfile(f"{outdir}/{name}", dtype="<f8").reshape(shape)


def bench_adam(outdir, quick):
    import torch
    torch.set_default_dtype(torch.float64)
    n, d, p = 80000, 200, 100
    X = torch.from_numpy(load(outdir, "bo_adam_X_80000x200.bin", (n, d)))
    y = torch.from_numpy(load(outdir, "bo_adam_y_80000.bin", (n,)))
    U0 = torch.from_numpy(load(outdir, "bo_adam_U0_100x200.bin", (p, d)))
    a0 = torch.from_numpy(load(outdir, "bo_adam_a0_100.bin", (p,)))
    res = {}

    def epoch():
        U = U0.clone().requires_grad_(True)
        a = a0.clone().requires_grad_(True)
        opt = torch.optim.Adam([U, a], lr=3e-3)
        bs = n // 3
        for b in range(3):
            xb, yb = X[b * bs:(b + 1) * bs], y[b * bs:(b + 1) * bs]
            loss = torch.mean((torch.tanh(2.0 * (xb @ U.T)) @ a - yb) ** 2)
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            U /= U.norm(dim=1, keepdim=True)
        res["U"], res["a"] = U.detach().numpy(), a.detach().numpy()

    t = timeit(epoch, 1, 3 if quick else 7)
    U1 = load(outdir, "bo_adam_U1_100x200.bin", (p, d))
    a1 = load(outdir, "bo_adam_a1_100.bin", (p,))
    err = max(np.max(np.abs(res["U"] - U1)), np.max(np.abs(res["a"] - a1)))
    emit("bo_adam_epoch", "d200_p100_n80000", "torch", t, err < 1e-8,
         {"max_abs_diff": float(err), "threads": torch.get_num_threads()})


def bench_curve(outdir, quick):
    from numpy.polynomial.hermite_e import hermegauss
    from scipy.optimize import bisect, brentq, minimize_scalar
    alphas = load(outdir, "bo_curve_alpha.bin", (-1,))
    eps_c = load(outdir, "bo_curve_eps.bin", (-1,))
    size = f"k100_{len(alphas)}pts"
    out = {}

    def curve():
        x, w = hermegauss(250)
        w = w / np.sqrt(2 * np.pi)
        mu1 = 0.7294775314861196
        s = np.tanh(2 * x) - mu1 * x
        L = 170
        h = np.zeros((L + 1, len(x)))
        h[0], h[1] = 1.0, x
        for l in range(1, L):
            h[l + 1] = (x * h[l] - np.sqrt(l) * h[l - 1]) / np.sqrt(l + 1)
        c2 = (h @ (w * s)) ** 2
        c2[:2] = 0.0
        pw = np.arange(L + 1)
        dc2 = pw[1:] * c2[1:]
        ddc2 = pw[2:] * (pw[2:] - 1) * c2[2:]

        def horner(c, q):
            acc = np.zeros_like(q)
            for cl in c[::-1]:
                acc = acc * q + cl
            return acc

        def g(q):
            return horner(c2, np.asarray(q, dtype=float))

        def dg(q):
            return horner(dc2, np.asarray(q, dtype=float))
        g1 = float(g(1.0))

        def Lq(q):
            return q / ((1 - q) * dg(q))
        ms = minimize_scalar(Lq, bounds=(0.05, 0.99), method="bounded",
                             options={"xatol": 1e-12}).x
        dphi = lambda q: Lq(q) * g(q) + q + np.log1p(-q)
        qe = brentq(dphi, ms, 1 - 1e-12, xtol=1e-15)
        le = Lq(qe)
        t_lo = np.log1p(-qe)

        def me(l):
            """m_e for an array of SNRs: vectorised safeguarded Newton on
            psi(t) = ln q - t - ln g'(q) - ln l, q = 1 - e^t, t = ln(1 - q) in [ln(1 - q_e), -35]
            (psi decreases in t on the top branch)."""
            l = np.asarray(l, dtype=float)
            on = l >= le
            out = np.zeros(l.shape)
            if not np.any(on):
                return out
            lnl = np.log(l[on])
            a = np.full(lnl.shape, -35.0)  # psi(a) > 0
            b = np.full(lnl.shape, t_lo)   # psi(b) <= 0
            t = np.clip(-np.log1p(l[on] * float(dg(1.0))), a + 1e-12, b - 1e-12)
            for _ in range(40):
                e = np.exp(t)
                q = -np.expm1(t)
                g1p, g2p = horner(dc2, q), horner(ddc2, q)
                psi = np.log(q) - t - np.log(g1p) - lnl
                dpsi = -e / q - 1.0 + e * g2p / g1p
                a = np.where(psi > 0, t, a)
                b = np.where(psi > 0, b, t)
                tn = t - psi / dpsi
                bad = ~((tn > a) & (tn < b))
                tn = np.where(bad, 0.5 * (a + b), tn)
                done = np.all(np.abs(tn - t) <= 1e-12 * np.abs(t))
                t = tn
                if done:
                    break
            out[on] = -np.expm1(t)
            return out

        v = 1.0 / np.arange(1, 101)
        v /= np.linalg.norm(v)
        v2 = v ** 2
        res = np.empty(len(alphas))
        for i, al in enumerate(alphas):
            nd = al * 200.0

            def F(e):
                return np.sum(v2 * (g1 - g(me(nd * v2 / (0.01 + e))))) - e
            res[i] = bisect(F, 0.0, g1 * (1 + 1e-9), xtol=1e-15, rtol=1e-12, maxiter=200)
        out["eps"] = res

    t = timeit(curve, 0, 1)  # one repetition: the scipy curve takes minutes
    rel = float(np.max(np.abs(out["eps"] / eps_c - 1)))
    emit("bo_eps_curve", size, "scipy", t, rel < 1e-6, {"max_rel_diff": rel})


if __name__ == "__main__":
    outdir = sys.argv[1]
    quick = (len(sys.argv) > 2 and sys.argv[2] == "quick") or \
        os.environ.get("PL_BENCH_QUICK", "0") not in ("", "0")
    try:
        bench_adam(outdir, quick)
    except ImportError as exc:
        print(json.dumps({"kernel": "bo_adam_epoch", "size": "d200_p100_n80000",
                          "impl": "torch", "check": False,
                          "error": f"torch not available: {exc} (apt-get install python3-torch)"}))
    bench_curve(outdir, quick)
