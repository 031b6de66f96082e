/* Family 7 baselines: RBF kernel ridge (on x, or on latent estimates) and degree-4 polynomial
 * random features with a ridge readout; small solves through pl_chol_solve. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/hier.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double sqdist(const double *u, const double *v, size_t m)
{
    double s = 0;
    for (size_t j = 0; j < m; j++) s += (u[j] - v[j]) * (u[j] - v[j]);
    return s;
}

pl_status pl_hier_krr_rbf(pl_mat U, const double *y, double lambda, pl_mat Ut, double *out)
{
    size_t n = U.rows, m = U.cols;
    if (n < 2 || Ut.cols != m || !(lambda > 0)) return PL_EINVAL;
    pl_mat K = pl_mat_alloc(n, n), c = pl_mat_alloc(n, 1);
    size_t npair = n * (n - 1) / 2;
    double *dist = malloc(npair * sizeof *dist);
    pl_status st = (K.data && c.data && dist) ? PL_OK : PL_ENOMEM;
    if (st == PL_OK) {
        size_t q = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++) dist[q++] = sqdist(U.data + i * U.stride, U.data + j * U.stride, m);
        qsort(dist, npair, sizeof *dist, cmp_double);
        double h2 = dist[npair / 2]; /* median squared distance: h = median distance */
        if (!(h2 > 0)) h2 = 1;
        for (size_t i = 0; i < n; i++) {
            PL_AT(K, i, i) = 1 + lambda * (double)n;
            for (size_t j = i + 1; j < n; j++) {
                double k = exp(-sqdist(U.data + i * U.stride, U.data + j * U.stride, m) / (2 * h2));
                PL_AT(K, i, j) = PL_AT(K, j, i) = k;
            }
            PL_AT(c, i, 0) = y[i];
        }
        st = pl_chol_solve(K, c);
        for (size_t r = 0; r < Ut.rows && st == PL_OK; r++) {
            double s = 0;
            for (size_t i = 0; i < n; i++)
                s += PL_AT(c, i, 0) *
                     exp(-sqdist(Ut.data + r * Ut.stride, U.data + i * U.stride, m) / (2 * h2));
            out[r] = s;
        }
    }
    free(dist);
    pl_mat_free(&K);
    pl_mat_free(&c);
    return st;
}

/* phi(u) = ((1 + u)^4 - m4) / s4 for u ~ N(0, 1): E(1+u)^4 = 1 + 6 + 3 = 10,
 * E(1+u)^8 = sum_k C(8,k) E u^k = 1 + 28 + 70*3 + 28*15 + 105 = 764, so s4^2 = 764 - 100. */
static double phi4(double u)
{
    double v = (1 + u) * (1 + u);
    return (v * v - 10.0) / sqrt(664.0);
}

static pl_status rf_features(pl_mat X, pl_mat W, pl_mat F)
{
    pl_status st = pl_gemm(PL_NOTRANS, PL_TRANS, 1 / sqrt((double)X.cols), X, W, 0.0, F);
    for (size_t i = 0; i < F.rows && st == PL_OK; i++)
        for (size_t j = 0; j < F.cols; j++) PL_AT(F, i, j) = phi4(PL_AT(F, i, j));
    return st;
}

pl_status pl_hier_poly4_rf(pl_mat X, const double *y, size_t nf, double lambda, pl_rng *rng,
                           pl_mat Xt, double *out)
{
    size_t n = X.rows, d = X.cols;
    if (n < 2 || nf == 0 || Xt.cols != d || !(lambda > 0)) return PL_EINVAL;
    pl_mat W = pl_mat_alloc(nf, d), F = pl_mat_alloc(n, nf), G = pl_mat_alloc(nf, nf);
    pl_mat r = pl_mat_alloc(nf, 1), Ft = pl_mat_alloc(Xt.rows, nf);
    pl_status st = (W.data && F.data && G.data && r.data && Ft.data) ? PL_OK : PL_ENOMEM;
    if (st == PL_OK) {
        pl_rng_normal_mat(rng, W, 1.0);
        st = rf_features(X, W, F);
    }
    if (st == PL_OK) st = pl_syrk(PL_TRANS, 1.0 / (double)n, F, 0.0, G);
    if (st == PL_OK) {
        for (size_t j = 0; j < nf; j++) PL_AT(G, j, j) += lambda;
        st = pl_gemv(PL_TRANS, 1.0 / (double)n, F, y, 0.0, r.data);
    }
    if (st == PL_OK) st = pl_chol_solve(G, r);
    if (st == PL_OK) st = rf_features(Xt, W, Ft);
    if (st == PL_OK) st = pl_gemv(PL_NOTRANS, 1.0, Ft, r.data, 0.0, out);
    pl_mat_free(&W);
    pl_mat_free(&F);
    pl_mat_free(&G);
    pl_mat_free(&r);
    pl_mat_free(&Ft);
    return st;
}
