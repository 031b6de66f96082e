/* Family 3 model: spiked-covariance data (the visible marginal of a teacher RBM), the RBM
 * objective l(W) = -(1/n) sum eta(W^T v/sqrt d) + Psi(W^T W/d) with its hand-derived gradient,
 * and the overlap metrics. Psi and M(Q) = E_{p_Q}[h h^T] enumerate the 2^k hidden states. */
#include <math.h>
#include <stdlib.h>

#include "phaselab/rbm.h"

pl_status pl_rbm_sample(pl_rng *rng, const double *beta, pl_mat V, pl_mat U)
{
    size_t n = V.rows, d = V.cols, k = U.cols;
    if (!rng || !beta || !V.data || !U.data || k == 0 || k > PL_RBM_KMAX || U.rows != d ||
        d < k || n == 0)
        return PL_EINVAL;
    for (size_t j = 0; j < k; j++)
        if (!(beta[j] >= 0) || !isfinite(beta[j])) return PL_EINVAL;
    pl_rng_normal_mat(rng, U, 1.0);
    pl_status st = pl_qr(U, (pl_mat){0});
    if (st != PL_OK) return st;
    pl_rng_normal_mat(rng, V, 1.0);
    double sb[PL_RBM_KMAX];
    for (size_t mu = 0; mu < n; mu++) {
        double *v = V.data + mu * V.stride;
        for (size_t j = 0; j < k; j++)
            sb[j] = ((pl_rng_u32(rng) & 1u) ? 1.0 : -1.0) * sqrt(beta[j]);
        for (size_t i = 0; i < d; i++) {
            const double *u = U.data + i * U.stride;
            double acc = 0;
            for (size_t j = 0; j < k; j++) acc += sb[j] * u[j];
            v[i] += acc;
        }
    }
    return PL_OK;
}

pl_status pl_rbm_psi(size_t k, const double *Q, double *psi, double *M)
{
    if (k == 0 || k > PL_RBM_KMAX || !Q || !psi) return PL_EINVAL;
    size_t nh = (size_t)1 << k;
    double e[1 << PL_RBM_KMAX], h[PL_RBM_KMAX], emax = -INFINITY;
    for (size_t c = 0; c < nh; c++) {
        for (size_t a = 0; a < k; a++) h[a] = ((c >> a) & 1u) ? 1.0 : -1.0;
        double en = 0;
        for (size_t a = 0; a < k; a++)
            for (size_t b = 0; b < k; b++) en += h[a] * Q[a * k + b] * h[b];
        e[c] = 0.5 * en;
        if (!isfinite(e[c])) return PL_ENAN;
        if (e[c] > emax) emax = e[c];
    }
    double z = 0;
    for (size_t c = 0; c < nh; c++) z += (e[c] = exp(e[c] - emax));
    *psi = emax + log(z / (double)nh);
    if (M) {
        for (size_t a = 0; a < k * k; a++) M[a] = 0;
        for (size_t c = 0; c < nh; c++) {
            double p = e[c] / z;
            for (size_t a = 0; a < k; a++) h[a] = ((c >> a) & 1u) ? 1.0 : -1.0;
            for (size_t a = 0; a < k; a++)
                for (size_t b = 0; b < k; b++) M[a * k + b] += p * h[a] * h[b];
        }
    }
    return PL_OK;
}

/* log cosh x without overflow */
static double log_cosh(double x)
{
    double a = fabs(x);
    return a + log1p(exp(-2 * a)) - 0.69314718055994530942; /* - log 2 */
}

pl_status pl_rbm_loss_grad(pl_mat V, pl_mat W, double *loss, pl_mat G, pl_mat lam)
{
    size_t n = V.rows, d = V.cols, k = W.cols;
    if (!V.data || !W.data || !lam.data || W.rows != d || k == 0 || k > PL_RBM_KMAX ||
        lam.rows != n || lam.cols != k || (G.data && (G.rows != d || G.cols != k)))
        return PL_EINVAL;
    double sd = sqrt((double)d), Q[PL_RBM_KMAX * PL_RBM_KMAX], M[PL_RBM_KMAX * PL_RBM_KMAX], psi;
    pl_status st = pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0 / sd, V, W, 0.0, lam);
    if (st != PL_OK) return st;
    st = pl_gemm(PL_TRANS, PL_NOTRANS, 1.0 / (double)d, W, W, 0.0, pl_mat_view(Q, k, k, k));
    if (st != PL_OK) return st;
    st = pl_rbm_psi(k, Q, &psi, M);
    if (st != PL_OK) return st;
    if (loss) {
        double eta = 0;
        for (size_t mu = 0; mu < n; mu++)
            for (size_t a = 0; a < k; a++) eta += log_cosh(lam.data[mu * lam.stride + a]);
        *loss = -eta / (double)n + psi;
        if (!isfinite(eta)) return PL_ENAN;
    }
    if (G.data)
        for (size_t mu = 0; mu < n; mu++)
            for (size_t a = 0; a < k; a++) {
                double *l = lam.data + mu * lam.stride + a;
                *l = tanh(*l);
            }
    if (G.data) {
        /* G = W M / d - V^T tanh(lam) / (n sqrt d); lam holds tanh(lam) now */
        st = pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0 / (double)d, W, pl_mat_view(M, k, k, k), 0.0,
                     G);
        if (st == PL_OK)
            st = pl_gemm(PL_TRANS, PL_NOTRANS, -1.0 / ((double)n * sd), V, lam, 1.0, G);
        if (st != PL_OK) return st;
    }
    return PL_OK;
}

pl_status pl_rbm_overlap2(pl_mat W, pl_mat U, double *m2)
{
    size_t d = W.rows, k = W.cols;
    if (!W.data || !U.data || !m2 || U.rows != d || U.cols != k || k == 0 || k > PL_RBM_KMAX)
        return PL_EINVAL;
    double Q[PL_RBM_KMAX * PL_RBM_KMAX], B[PL_RBM_KMAX * PL_RBM_KMAX], BB[PL_RBM_KMAX * PL_RBM_KMAX];
    pl_mat Qm = pl_mat_view(Q, k, k, k), Bm = pl_mat_view(B, k, k, k), BBm = pl_mat_view(BB, k, k, k);
    pl_status st = pl_gemm(PL_TRANS, PL_NOTRANS, 1.0, W, W, 0.0, Qm);
    if (st == PL_OK) st = pl_gemm(PL_TRANS, PL_NOTRANS, 1.0, U, W, 0.0, Bm); /* U^T W */
    if (st == PL_OK) st = pl_gemm(PL_TRANS, PL_NOTRANS, 1.0, Bm, Bm, 0.0, BBm); /* W^T U U^T W */
    if (st == PL_OK) st = pl_chol_solve(Qm, BBm);                             /* Q^{-1} (...) */
    if (st != PL_OK) return st;
    double tr = 0;
    for (size_t a = 0; a < k; a++) tr += BB[a * k + a];
    *m2 = tr / (double)k;
    return isfinite(*m2) ? PL_OK : PL_ENAN;
}

double pl_rbm_norm2(pl_mat W)
{
    return pl_mat_frob2(W) / ((double)W.rows * (double)W.cols);
}

pl_status pl_rbm_init(pl_rng *rng, double init, double rho0, pl_mat U, pl_mat W)
{
    size_t d = W.rows;
    if (!rng || !W.data || !(init >= 0) || !(rho0 >= 0 && rho0 <= 1) ||
        (rho0 > 0 && (!U.data || U.rows != d || U.cols < 1)))
        return PL_EINVAL;
    pl_rng_normal_mat(rng, W, init);
    if (rho0 > 0) {
        double c = sqrt(1 - rho0 * rho0), a = init * rho0 * sqrt((double)d);
        for (size_t i = 0; i < d; i++)
            W.data[i * W.stride] = c * W.data[i * W.stride] + a * U.data[i * U.stride];
    }
    return PL_OK;
}

double pl_rbm_prox(double omega, double s)
{
    /* f(lam) = lam - s tanh(lam) - omega is increasing (f' >= 1 - s > 0); the root lies in
     * [omega - s, omega + s]. Newton steps that leave the bracket are replaced by bisection. */
    double lo = omega - s, hi = omega + s, lam = omega;
    for (int it = 0; it < 100; it++) {
        double th = tanh(lam), f = lam - s * th - omega;
        if (f == 0) return lam;
        if (f > 0) hi = lam;
        else lo = lam;
        double fp = 1 - s * (1 - th * th), next = lam - f / fp;
        if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
        if (fabs(next - lam) <= 1e-15 * (1 + fabs(lam))) return next;
        lam = next;
    }
    return lam;
}
