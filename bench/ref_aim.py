#!/usr/bin/python3
"""numpy/scipy reference for bench_aim.c (run with Debian's /usr/bin/python3): the softmax SE
curve (T = 2, rho = 0.5) and one GAMP-RIE iteration, the same equations as src/theory/aim.c and
src/algos/aim_gamp.c written independently: the density of mu_Delta from the roots of its cubic
(np.roots), int mu^3 and the RIE's Hilbert transform by scipy.integrate.quad (QAWC for the
principal value), the fixed point by brentq."""
import json, sys, time
import numpy as np
from scipy.integrate import quad
from scipy.optimize import brentq

d_ = sys.argv[1] if len(sys.argv) > 1 else "."
cases = {c["kernel"]: c for c in map(json.loads, open(f"{d_}/aim_cases.jsonl"))}

def load(case, name):
    f, t, r, c = case["files"][name]
    return np.fromfile(f"{d_}/{f}", dtype="<f8").reshape(r, c)

def timeit(fn, reps):
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); out = fn(); ts.append(time.perf_counter() - t0)
    ts.sort()
    return out, (ts[len(ts) // 2], ts[0], ts[-1], reps)

def emit(kernel, size, t, check, err):
    print(json.dumps({"kernel": kernel, "size": size, "impl": "numpy", "median_s": t[0],
                      "min_s": t[1], "max_s": t[2], "reps": t[3], "check": bool(check),
                      "max_abs_err": float(err)}))

def nu_density(u, kappa, xi):
    # g(z) = int nu/(x - z): xi g^3 + (z + kappa xi) g^2 + (1 - kappa + kappa z) g + kappa = 0
    r = np.roots([xi, u + kappa * xi, 1 - kappa + kappa * u, kappa])
    return max(0.0, np.max(r.imag)) / np.pi

def box(kappa, xi):
    return -2 * np.sqrt(xi) - 1e-9, (1 + 1 / np.sqrt(kappa)) ** 2 + 2 * np.sqrt(xi) + 1e-9

def mmse(Delta, rho):
    kappa, xi = rho, Delta / rho
    lo, hi = box(kappa, xi)
    I = quad(lambda u: nu_density(u, kappa, xi) ** 3, lo, hi, points=[0.0], limit=400,
             epsabs=1e-13, epsrel=1e-10)[0] / rho
    return Delta - (4 * np.pi ** 2 / 3) * Delta ** 2 * I

def se_softmax(alpha, rho=0.5, T=2):
    c = (T * T + T - 2) * alpha
    dof = 2 * rho - rho * rho if rho < 1 else 1.0
    if alpha >= dof / (T * T + T - 2):
        return 0.0
    f = lambda m: mmse(m / c, rho) - m
    lo = 1e-3
    while f(lo) <= 0 and lo > 1e-14:
        lo *= 0.1
    return brentq(f, lo, 1.0, xtol=1e-13)

only = sys.argv[2] if len(sys.argv) > 2 else None
se = cases["aim_se_curve"]
alpha = load(se, "alpha").ravel(); ours = load(se, "mmse").ravel()
if only in (None, "aim_se_curve"):
    ref, t = timeit(lambda: np.array([se_softmax(a) for a in alpha]), 1)
    err = np.max(np.abs(ref - ours))
    emit("aim_se_curve", se["size"], t, err < 1e-6, err)

g = cases["aim_gamp_iteration"]
p = g["params"]; d, n, T, rho = p["d"], p["n"], p["T"], p["rho"]
X = load(g, "X").reshape(n, T, d); y = load(g, "y").reshape(n, T, T); S1 = load(g, "S1")

def gamp_iteration():
    S = np.sqrt(rho) * np.eye(d)
    V = 2.0                                   # 2 Chat, Chat = 1
    tr = np.trace(S)
    P = X @ S                                 # n x T x d
    h = np.einsum("nad,nbd->nab", X, P)
    h[:, np.arange(T), np.arange(T)] -= tr
    iu = np.triu_indices(T)
    tau = np.where(iu[0] == iu[1], 1.0, np.sqrt(2.0))
    om = tau * h[:, iu[0], iu[1]] / np.sqrt(d)          # g_old = 0
    L = T - 1
    h0 = np.log(y[:, iu[0], iu[1]] / y[:, iu[0], L]) + np.log(y[:, L, iu[0]] / y[:, L, L][:, None])
    cs = (tau * (om - tau * h0)).sum(1) / T ** 2
    gg = (tau * (h0 + cs[:, None]) - om) / V
    k = len(tau)
    A = 2 * n * (k - (tau ** 2).sum() / T ** 2) / V / d ** 2
    Gam = np.zeros((n, T, T))
    Gam[:, iu[0], iu[1]] = gg / tau
    Gam[:, iu[1], iu[0]] = gg / tau
    M = np.einsum("nad,nab,nbe->de", X, Gam, X) - np.trace(Gam, axis1=1, axis2=2).sum() * np.eye(d)
    R = S + M / (A * d * np.sqrt(d))
    Delta = 1 / (2 * A)
    lam, U = np.linalg.eigh(0.5 * (R + R.T))
    kappa, xi = rho, Delta / rho
    lo, hi = box(kappa, xi)
    def H(x):                                 # p.v. int mu(t)/(x - t) dt
        u = x / np.sqrt(rho)
        v = quad(lambda t: nu_density(t, kappa, xi), lo, hi, weight="cauchy", wvar=u,
                 limit=400, epsabs=1e-12, epsrel=1e-10)[0]
        return -v / np.sqrt(rho)
    f = np.array([l - 2 * Delta * H(l) for l in lam])
    return (U * f) @ U.T

if only in (None, "aim_gamp_iteration"):
    ref, t = timeit(gamp_iteration, 1)
    err = np.max(np.abs(ref - S1))
    emit("aim_gamp_iteration", g["size"], t, err < 1e-6, err)
