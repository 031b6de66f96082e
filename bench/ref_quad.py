#!/usr/bin/python3
"""Reference for bench/bench_quad.c (family 4): one FISTA iteration with numpy and torch, and
the theory curve (200 xi) with numpy/scipy. Reads the inputs the C program dumped in OUTDIR,
times the same computation (median of repetitions after a warm-up), checks the result
against phaselab's, prints JSON lines; ratios against phaselab go to stderr when
OUTDIR/quad_phaselab.jsonl exists. Usage: ref_quad.py OUTDIR"""
import json
import os
import sys
import time

import numpy as np
from scipy import optimize

D = sys.argv[1] if len(sys.argv) > 1 else "."


def load(name, shape=None):
    a = np.fromfile(os.path.join(D, name), dtype=np.float64)
    return a.reshape(shape) if shape else a


def timeit(fn, warmup=1, reps=5):
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
    rec = {"kernel": kernel, "size": size, "impl": impl, "median_s": t[0], "min_s": t[1],
           "max_s": t[2], "reps": t[3], "check": bool(check)}
    if extra:
        rec.update(extra)
    print(json.dumps(rec), flush=True)
    return rec


# ---------------------------------------------------------------- one FISTA iteration
n, d, step, thr = load("quad_scalars.bin")
n, d = int(n), int(d)
X = load("quad_X.bin", (n, d))
y = load("quad_y.bin")
Y = load("quad_Y.bin", (d, d))
S_ref = load("quad_S_phaselab.bin", (d, d))
size = f"d={d},n={n}"
sq = np.sqrt(d)


def iter_numpy():
    Ay = (np.einsum("ij,ij->i", X @ Y, X) - np.trace(Y)) / sq
    r = (Ay - y) / (2 * n)
    G = (X.T @ (r[:, None] * X) - r.sum() * np.eye(d)) / sq
    w, V = np.linalg.eigh(Y - step * G)
    f = np.maximum(w - thr, 0)
    return (V * f) @ V.T


S_np = iter_numpy()
ok = np.linalg.norm(S_np - S_ref) <= 1e-8 * np.linalg.norm(S_ref)
results = [emit("fista_iter", size, "numpy", timeit(iter_numpy), ok)]

try:
    import torch

    torch.set_grad_enabled(False)
    Xt, yt, Yt = torch.from_numpy(X), torch.from_numpy(y), torch.from_numpy(Y)
    eye = torch.eye(d, dtype=torch.float64)

    def iter_torch():
        Ay = (torch.einsum("ij,ij->i", Xt @ Yt, Xt) - torch.trace(Yt)) / sq
        r = (Ay - yt) / (2 * n)
        G = (Xt.T @ (r[:, None] * Xt) - r.sum() * eye) / sq
        w, V = torch.linalg.eigh(Yt - step * G)
        f = torch.clamp(w - thr, min=0)
        return (V * f) @ V.T

    S_t = iter_torch().numpy()
    ok = np.linalg.norm(S_t - S_ref) <= 1e-8 * np.linalg.norm(S_ref)
    results.append(emit("fista_iter", size, "torch", timeit(iter_torch), ok))
except ImportError:
    print("torch not available (apt-get install python3-torch)", file=sys.stderr)

# ---------------------------------------------------------------- theory curve (scipy)
KAPPA, KS, LAM, DELTA = 0.7, 0.5, 0.1, 0.0
Q0 = 1 + 1 / KS
u, gw = np.polynomial.legendre.leggauss(96)
u, gw = 0.5 * (u + 1), 0.5 * gw


def law(xi):
    """support pieces of MP(KS) ⊞ SC(xi) (discriminant quartic; split at near-real pairs)"""
    k, s = KS, xi
    c = [k**2, -2*k - 2*k**2 - 2*k**3*s,
         1 - 2*k + k**2 - 2*k**2*s + 8*k**3*s + k**4*s**2,
         8*k*s + 2*k**2*s - 10*k**3*s + 8*k**3*s**2 - 2*k**4*s**2,
         -4*s + 12*k*s - 12*k**2*s + 4*k**3*s - 8*k**2*s**2 - 20*k**3*s**2 + k**4*s**2
         - 4*k**4*s**3]
    r = np.roots(c)
    real = np.sort(r[np.abs(r.imag) <= 1e-7 * np.maximum(1, np.abs(r.real))].real)
    cplx = r[(r.imag > 1e-7 * np.maximum(1, np.abs(r.real)))]
    pieces = []
    for a, b in zip(real[:-1], real[1:]):
        if rho_h(np.array([0.5 * (a + b)]), xi)[0][0] <= 0:
            continue
        lo = a
        for z in cplx:
            if a < z.real < b and z.imag < 0.25 * (b - a):
                pieces.append((lo, z.real))
                lo = z.real
                break
        pieces.append((lo, b))
    return pieces


def rho_h(x, xi):
    """density and Hilbert transform: roots of xi G^3 - (x + k xi) G^2 + (1 - k + k x) G - k,
    the one with the largest |Im G| (batched companion matrices)"""
    k = KS
    C = np.zeros((len(x), 3, 3))
    C[:, 0, 0] = (x + k * xi) / xi
    C[:, 0, 1] = -(1 - k + k * x) / xi
    C[:, 0, 2] = k / xi
    C[:, 1, 0] = 1
    C[:, 2, 1] = 1
    ev = np.linalg.eigvals(C)
    i = np.argmax(np.abs(ev.imag), axis=1)
    g = ev[np.arange(len(x)), i]
    return np.abs(g.imag) / np.pi, g.real


def integrals(pieces, xi, b, q):
    r = A = B = 0.0
    for lo, hi in pieces:
        lo = max(lo, b)
        if lo >= hi:
            continue
        L = hi - lo
        x = lo + L * u * u * (3 - 2 * u)
        w = gw * 6 * L * u * (1 - u)
        rho, h = rho_h(x, xi)
        r += np.sum(w * rho)
        A += np.sum(w * rho * h * (x - q))
        B += np.sum(w * rho * (q * q - x * x))
    return r, A, B


def solve_xi(xi):
    pieces = law(xi)
    if KAPPA < 1:
        omega = optimize.brentq(lambda t: integrals(pieces, xi, t, 0)[0] - KAPPA,
                                pieces[0][0], pieces[-1][1], xtol=1e-14)
    else:
        omega = -np.inf

    def F(q):
        _, A, B = integrals(pieces, xi, max(q, omega), q)
        return 2 * xi * A / (Q0 + B + 4 * xi * A + DELTA / 2) + LAM / q - 1

    qa = LAM * (1 + 1e-12)
    fa = F(qa)
    while True:
        qb = qa * 1.25
        fb = F(qb)
        if (fb > 0) != (fa > 0):
            break
        qa, fa = qb, fb
    q = optimize.brentq(F, qa, qb, xtol=1e-15 * qb)
    r, A, B = integrals(pieces, xi, max(q, omega), q)
    E = Q0 + B + 4 * xi * A
    alpha = (E + DELTA / 2) / (2 * xi)
    return alpha, E, q, r, LAM**2 * alpha * xi / q**2


xis = load("quad_xi.bin")
ref = load("quad_curve_phaselab.bin", (200, 5))
out = np.zeros((200, 5))


def curve():
    for i, xi in enumerate(xis):
        out[i] = solve_xi(xi)


t = timeit(curve, warmup=0, reps=1)
ok = np.max(np.abs(out - ref) / np.maximum(np.abs(ref), 1e-12)) <= 1e-8
results.append(emit("theory_curve", "200xi", "scipy", t, ok,
                    {"max_rel_diff": float(np.max(np.abs(out - ref) / np.abs(ref)))}))

# ---------------------------------------------------------------- ratios
p = os.path.join(D, "quad_phaselab.jsonl")
if os.path.exists(p):
    ours = {}
    for line in open(p):
        rec = json.loads(line)
        ours[(rec["kernel"], rec["size"])] = rec["median_s"]
    for rec in results:
        key = (rec["kernel"], rec["size"])
        if key in ours:
            print(f"{rec['kernel']} {rec['size']}: {rec['impl']} / phaselab = "
                  f"{rec['median_s'] / ours[key]:.2f} (check {rec['check']})", file=sys.stderr)
