#!/usr/bin/env python3
"""numpy reference for bench_mim.c: L and T matvecs (n=20000, d=2000, p=2) and one GAMP
iteration for y = z1/z2 (uniform-variance GAMP, closed-form g_out), checked against phaselab."""
import json, sys, time
import numpy as np
from scipy.special import erf

d_ = sys.argv[1] if len(sys.argv) > 1 else "."
sz = json.load(open(f"{d_}/sizes.json"))
n, d, p = sz["n"], sz["d"], sz["p"]
size = f"n={n},d={d},p={p}"
ld = lambda name, shape: np.fromfile(f"{d_}/{name}", dtype="<f8").reshape(shape)

def timeit(fn, warm=2, reps=10):
    for _ in range(warm): fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
    ts.sort()
    return ts[len(ts)//2], ts[0], ts[-1], reps

def emit(kernel, t, check):
    print(json.dumps({"kernel": kernel, "size": size, "impl": "numpy", "median_s": t[0],
                      "min_s": t[1], "max_s": t[2], "reps": t[3], "check": bool(check)}))

X = ld("X.bin", (n, d)); G = ld("G.bin", (n, 2, 2)); T = ld("T.bin", (n, 2, 2))
v = ld("v.bin", (n, p)); w = ld("w.bin", (d, p))
def Lmv():
    U = np.einsum("iab,ib->ia", G, v)
    return X @ (X.T @ U) - U
def Tmv():
    A = np.einsum("iab,ib->ia", T, X @ w)
    return X.T @ A
emit("mim_L_matvec", timeit(Lmv), np.allclose(Lmv(), ld("Lv.bin", (n, p)), rtol=1e-9, atol=1e-9))
emit("mim_T_matvec", timeit(Tmv), np.allclose(Tmv(), ld("Tw.bin", (d, p)), rtol=1e-9, atol=1e-9))

Xr = ld("Xr.bin", (n, d)); y = ld("yr.bin", (n,)); W0 = ld("W0.bin", (d, p))
def gout_ratio(om, V):
    Vi = np.linalg.inv(V)
    nv = np.hypot(y, 1.0); v = np.stack([y / nv, 1 / nv], 1)
    Viv = v @ Vi
    a = np.einsum("ia,ia->i", v, Viv); b = np.einsum("ia,ia->i", om, Viv)
    s = 1 / np.sqrt(a); m = (b / a) / s
    er = erf(m / np.sqrt(2)); ph = np.exp(-0.5 * m * m) / np.sqrt(2 * np.pi)
    E1 = m * er + 2 * ph; E2 = (m * m + 1) * er + 2 * m * ph; E3 = (m**3 + 3 * m) * er + 2 * (m * m + 2) * ph
    Et = s * E2 / E1; var = np.maximum(s * s * E3 / E1 - Et * Et, 0)
    mean = v * Et[:, None]; cov = v[:, :, None] * v[:, None, :] * var[:, None, None]
    g = (mean - om) @ Vi
    dg = Vi @ (cov - V) @ Vi
    return g, dg
def gamp_iter():
    q0 = 0.01
    C = (1 - q0) * np.eye(p)
    V = C                                   # mean_j Chat_j
    om = Xr @ W0                            # g^{-1} = 0
    g, dg = gout_ratio(om, V)
    A = -dg.sum(0) / d
    b = Xr.T @ g + W0 @ A.T
    return np.linalg.solve(np.eye(p) + A, b.T).T
emit("mim_gamp_iteration", timeit(gamp_iter, 1, 5), np.allclose(gamp_iter(), ld("What.bin", (d, p)), rtol=1e-8, atol=1e-10))
