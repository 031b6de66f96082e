#!/usr/bin/python3
"""Reference for bench/bench_quad.c (family 4, quadratic networks): one FISTA iteration with
numpy and torch, and the (q, xi) theory curve with numpy/scipy. Reads the case manifest and
the dumps the C program wrote in OUTDIR, times the same computation (bench_ref.bench), checks
it against phaselab's output and prints JSON lines (bench/README.md).
Usage: ref_quad.py OUTDIR"""
import os
import sys

import numpy as np
import scipy
from scipy import optimize

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_ref import bench, cases, emit, info_line, load, rel_err, threads  # noqa: E402

try:
    import torch
    torch.set_num_threads(threads())
    torch.set_grad_enabled(False)
except ImportError:  # the table then has no torch rows
    torch = None


# ---------------------------------------------------------------- one FISTA iteration
def fista(out, c):
    size = c["size"]
    X, y, Y, S_pl = load(out, c, "X"), load(out, c, "y"), load(out, c, "Y"), load(out, c, "S")
    step, thr = float(c["params"]["step"]), float(c["params"]["thr"])
    n, d = X.shape
    sq = np.sqrt(d)
    res = {}

    def np_iter():
        Ay = (np.einsum("ij,ij->i", X @ Y, X) - np.trace(Y)) / sq
        r = (Ay - y) / (2 * n)
        G = (X.T @ (r[:, None] * X) - r.sum() * np.eye(d)) / sq
        w, V = np.linalg.eigh(Y - step * G)
        res["S"] = (V * np.maximum(w - thr, 0)) @ V.T
    impls = [("numpy", "einsum rows of (X @ Y) * X; X.T @ (r[:,None]*X); eigh", np_iter)]
    if torch is not None:
        Xt, yt, Yt = torch.from_numpy(X), torch.from_numpy(y), torch.from_numpy(Y)
        eye = torch.eye(d, dtype=torch.float64)

        def torch_iter():
            Ay = ((Xt @ Yt * Xt).sum(1) - torch.trace(Yt)) / sq
            r = (Ay - yt) / (2 * n)
            G = (Xt.T @ (r[:, None] * Xt) - r.sum() * eye) / sq
            w, V = torch.linalg.eigh(Yt - step * G)
            res["S"] = ((V * torch.clamp(w - thr, min=0)) @ V.T).numpy()
        impls.append(("torch", "((X @ Y) * X).sum(1); X.T @ (r[:,None]*X); linalg.eigh",
                      torch_iter))
    tol = 1e-9
    for impl, method, fn in impls:
        t = bench(fn)
        err = rel_err(res["S"], S_pl)
        emit("quad_fista_iter_f64", size, impl, method, t, err <= tol, err, tol)


# ---------------------------------------------------------------- theory curve (scipy)
U, GW = np.polynomial.legendre.leggauss(96)
U, GW = 0.5 * (U + 1), 0.5 * GW


class Theory:
    """spec 04 T1/T3: rho_xi = MP(ks) ⊞ SC(xi), the integrals A, B, rank and the q equation"""

    def __init__(self, kappa, ks, lam, delta):
        self.kappa, self.ks, self.lam, self.delta = kappa, ks, lam, delta
        self.Q0 = 1 + 1 / ks

    def rho_h(self, x, xi):
        """roots of xi G^3 - (x + k xi) G^2 + (1 - k + k x) G - k by batched companion
        eigenvalues; the one with the largest |Im G| gives rho = |Im G|/pi, h = Re G"""
        k = self.ks
        C = np.zeros((len(x), 3, 3))
        C[:, 0, 0] = (x + k * xi) / xi
        C[:, 0, 1] = -(1 - k + k * x) / xi
        C[:, 0, 2] = k / xi
        C[:, 1, 0] = 1
        C[:, 2, 1] = 1
        ev = np.linalg.eigvals(C)
        g = ev[np.arange(len(x)), np.argmax(np.abs(ev.imag), axis=1)]
        return np.abs(g.imag) / np.pi, g.real

    def pieces(self, xi):
        """support from the discriminant quartic; split where a complex pair is near the axis"""
        k, s = self.ks, xi
        c = [k**2, -2*k - 2*k**2 - 2*k**3*s,
             1 - 2*k + k**2 - 2*k**2*s + 8*k**3*s + k**4*s**2,
             8*k*s + 2*k**2*s - 10*k**3*s + 8*k**3*s**2 - 2*k**4*s**2,
             -4*s + 12*k*s - 12*k**2*s + 4*k**3*s - 8*k**2*s**2 - 20*k**3*s**2 + k**4*s**2
             - 4*k**4*s**3]
        r = np.roots(c)
        isreal = np.abs(r.imag) <= 1e-7 * np.maximum(1, np.abs(r.real))
        real = np.sort(r[isreal].real)
        cplx = r[~isreal & (r.imag > 0)]
        out = []
        for a, b in zip(real[:-1], real[1:]):
            if self.rho_h(np.array([0.5 * (a + b)]), xi)[0][0] <= 0:
                continue
            lo = a
            for z in cplx:
                if a < z.real < b and z.imag < 0.25 * (b - a):
                    out.append((lo, z.real))
                    lo = z.real
                    break
            out.append((lo, b))
        return out

    def integrals(self, pieces, xi, b, q):
        r = A = B = 0.0
        for lo, hi in pieces:
            lo = max(lo, b)
            if lo >= hi:
                continue
            L = hi - lo
            x = lo + L * U * U * (3 - 2 * U)
            w = GW * 6 * L * U * (1 - U)
            rho, h = self.rho_h(x, xi)
            r += np.sum(w * rho)
            A += np.sum(w * rho * h * (x - q))
            B += np.sum(w * rho * (q * q - x * x))
        return r, A, B

    def solve_xi(self, xi):
        P = self.pieces(xi)
        omega = -np.inf
        if self.kappa < 1:
            omega = optimize.brentq(lambda t: self.integrals(P, xi, t, 0)[0] - self.kappa,
                                    P[0][0], P[-1][1], xtol=1e-14)

        def F(q):
            _, A, B = self.integrals(P, xi, max(q, omega), q)
            return 2 * xi * A / (self.Q0 + B + 4 * xi * A + self.delta / 2) + self.lam / q - 1

        qa = self.lam * (1 + 1e-12)
        fa = F(qa)
        while True:
            qb = qa * 1.25
            fb = F(qb)
            if (fb > 0) != (fa > 0):
                break
            qa, fa = qb, fb
        q = optimize.brentq(F, qa, qb, xtol=1e-15 * qb)
        r, A, B = self.integrals(P, xi, max(q, omega), q)
        E = self.Q0 + B + 4 * xi * A
        alpha = (E + self.delta / 2) / (2 * xi)
        return alpha, E, q, r, self.lam**2 * alpha * xi / q**2


def curve(out, c):
    p = c["params"]
    th = Theory(p["kappa"], p["kappa_star"], p["lambda"], p["delta"])
    xis = load(out, c, "xi")
    ref = load(out, c, "out")
    res = np.zeros_like(ref)

    def run():
        for i, xi in enumerate(xis):
            res[i] = th.solve_xi(xi)
    t = bench(run, 1, 3)
    err = rel_err(res, ref)
    tol = 1e-9
    emit("quad_theory_curve", c["size"], "scipy",
         "vectorised companion-matrix cubic roots, 96-point Gauss-Legendre, brentq", t,
         err <= tol, err, tol)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    extra = {"scipy": scipy.__version__, "torch_threads": torch.get_num_threads() if torch else 0}
    if torch is not None:
        extra["torch"] = torch.__version__
    info_line(extra)
    run = {"quad_fista_iter_f64": fista, "quad_theory_curve": curve}
    for c in cases(out, "quad"):
        run[c["kernel"]](out, c)


if __name__ == "__main__":
    main()
