/* Ridge readout with intercept and closed-form leave-one-out selection over a penalty grid
 * (see include/phaselab/ridge.h for the equations). */
#include "phaselab/ridge.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void pl_ridge_log_grid(double lo, double hi, size_t n, double *out)
{
    if (n == 1) {
        out[0] = lo;
        return;
    }
    double a = log(lo), b = log(hi);
    for (size_t i = 0; i < n; i++) out[i] = exp(a + (b - a) * (double)i / (double)(n - 1));
}

static pl_status check_opts(const pl_ridge_opts *o)
{
    if (!o || !o->lambdas || o->nlambda == 0) return PL_EINVAL;
    for (size_t l = 0; l < o->nlambda; l++)
        if (!(o->lambdas[l] > 0) || !isfinite(o->lambdas[l])) return PL_EINVAL;
    return PL_OK;
}

static int all_finite(size_t n, const double *v)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i])) return 0;
    return 1;
}

/* Leave-one-out MSE over the grid from the smoother H_c = Q diag(1/(s2 + lambda)) Q^T
 * (plus 11^T/n when h0 = 1/n). loo[l] for every penalty; returns the index of the least. */
static pl_status loo_grid(pl_mat Q, const double *s2, const double *yc, double h0,
                          const pl_ridge_opts *o, double *loo, size_t *best)
{
    size_t n = Q.rows, r = Q.cols, L = o->nlambda;
    pl_mat Q2 = pl_mat_alloc(n, r), D = pl_mat_alloc(r, L), Da = pl_mat_alloc(r, L);
    pl_mat H = pl_mat_alloc(n, L), F = pl_mat_alloc(n, L);
    double *a = malloc(r * sizeof *a);
    pl_status st = (Q2.data && D.data && Da.data && H.data && F.data && a) ? PL_OK : PL_ENOMEM;
    if (st == PL_OK) st = pl_gemv(PL_TRANS, 1.0, Q, yc, 0.0, a);
    if (st == PL_OK) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < r; j++) PL_AT(Q2, i, j) = PL_AT(Q, i, j) * PL_AT(Q, i, j);
        for (size_t j = 0; j < r; j++)
            for (size_t l = 0; l < L; l++) {
                PL_AT(D, j, l) = 1.0 / (s2[j] + o->lambdas[l]);
                PL_AT(Da, j, l) = a[j] * PL_AT(D, j, l);
            }
        st = pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, Q2, D, 0.0, H);
    }
    if (st == PL_OK) st = pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, Q, Da, 0.0, F);
    if (st == PL_OK) {
        for (size_t l = 0; l < L; l++) loo[l] = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t l = 0; l < L; l++) {
                double den = 1.0 - h0 - PL_AT(H, i, l);
                double e = (yc[i] - PL_AT(F, i, l)) / den;
                loo[l] += den > 0 ? e * e : INFINITY;
            }
        size_t b = 0;
        for (size_t l = 0; l < L; l++) {
            loo[l] /= (double)n;
            if (loo[l] < loo[b]) b = l;
        }
        *best = b;
        if (!isfinite(loo[b])) st = PL_ENAN;
    }
    pl_mat_free(&Q2);
    pl_mat_free(&D);
    pl_mat_free(&Da);
    pl_mat_free(&H);
    pl_mat_free(&F);
    free(a);
    return st;
}

/* Dual solve on a centred Gram matrix Gc (n x n, destroyed: eigenvectors on return):
 * LOO over the grid, then alpha = U diag(1/(E + lambda)) U^T yc at the selected penalty. */
static pl_status dual_fit(pl_mat Gc, const double *yc, double h0, const pl_ridge_opts *o,
                          double *alpha, double *loo, size_t *best)
{
    size_t n = Gc.rows;
    double *E = malloc(n * sizeof *E), *t = malloc(n * sizeof *t);
    pl_mat Q = pl_mat_alloc(n, n);
    pl_status st = (E && t && Q.data) ? PL_OK : PL_ENOMEM;
    if (st == PL_OK) st = pl_syev(Gc, E);
    if (st == PL_OK) {
        for (size_t j = 0; j < n; j++) E[j] = E[j] > 0 ? E[j] : 0.0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) PL_AT(Q, i, j) = PL_AT(Gc, i, j) * sqrt(E[j]);
        if (h0 > 0) {
            /* with the intercept, 1 is an exact null vector of G_c and H_c 1 = 0: centre the
             * columns of Q so that rounding along 1 (the computed E of that direction is
             * ~eps ||G||, not 0) does not leak into the hat diagonal */
            for (size_t j = 0; j < n; j++) {
                double m = 0;
                for (size_t i = 0; i < n; i++) m += PL_AT(Q, i, j) / (double)n;
                for (size_t i = 0; i < n; i++) PL_AT(Q, i, j) -= m;
            }
        }
        st = loo_grid(Q, E, yc, h0, o, loo, best);
    }
    if (st == PL_OK) st = pl_gemv(PL_TRANS, 1.0, Gc, yc, 0.0, t);
    if (st == PL_OK) {
        for (size_t j = 0; j < n; j++) t[j] /= E[j] + o->lambdas[*best];
        st = pl_gemv(PL_NOTRANS, 1.0, Gc, t, 0.0, alpha);
    }
    free(E);
    free(t);
    pl_mat_free(&Q);
    return st;
}

/* Fixed-penalty solve without LOO: primal (X^T X + lambda I) b = X^T y when n >= P, dual
 * b = X^T (X X^T + lambda I)^{-1} y otherwise (Cholesky). */
static pl_status direct_solve(pl_mat X, const double *y, double lambda, double *coef)
{
    size_t n = X.rows, P = X.cols, m = n < P ? n : P;
    pl_mat A = pl_mat_alloc(m, m), rhs = pl_mat_alloc(m, 1);
    pl_status st = (A.data && rhs.data) ? PL_OK : PL_ENOMEM;
    if (st == PL_OK && n >= P) {
        st = pl_syrk(PL_TRANS, 1.0, X, 0.0, A);
        for (size_t i = 0; i < P; i++) PL_AT(A, i, i) += lambda;
        if (st == PL_OK) st = pl_gemv(PL_TRANS, 1.0, X, y, 0.0, rhs.data);
        if (st == PL_OK) st = pl_chol_solve(A, rhs);
        if (st == PL_OK) memcpy(coef, rhs.data, P * sizeof *coef);
    } else if (st == PL_OK) {
        st = pl_syrk(PL_NOTRANS, 1.0, X, 0.0, A);
        for (size_t i = 0; i < n; i++) PL_AT(A, i, i) += lambda;
        memcpy(rhs.data, y, n * sizeof *y);
        if (st == PL_OK) st = pl_chol_solve(A, rhs);
        if (st == PL_OK) st = pl_gemv(PL_TRANS, 1.0, X, rhs.data, 0.0, coef);
    }
    pl_mat_free(&A);
    pl_mat_free(&rhs);
    return st;
}

/* Centre y (with intercept) into yc; returns the mean (0 without). */
static double centre_y(size_t n, const double *y, int intercept, double *yc)
{
    double m = 0;
    if (intercept) {
        for (size_t i = 0; i < n; i++) m += y[i];
        m /= (double)n;
    }
    for (size_t i = 0; i < n; i++) yc[i] = y[i] - m;
    return m;
}

static void fill_result(pl_ridge_result *res, const pl_ridge_opts *o, const double *loo,
                        size_t best, double b0)
{
    res->ilambda = best;
    res->lambda = o->lambdas[best];
    res->loo_mse = loo[best];
    res->intercept = b0;
}

pl_status pl_ridge_fit(pl_mat X, const double *y, const pl_ridge_opts *o, double *coef,
                       double *loo, pl_ridge_result *res)
{
    size_t n = X.rows, P = X.cols, L = o ? o->nlambda : 0;
    if (n < 2 || P < 1 || !y || !coef || !res || check_opts(o) != PL_OK) return PL_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!all_finite(P, &PL_AT(X, i, 0)) || !isfinite(y[i])) return PL_ENAN;
    pl_mat Xc = pl_mat_alloc(n, P);
    double *yc = malloc(n * sizeof *yc), *mu = calloc(P, sizeof *mu);
    double *lo = loo ? loo : malloc(L * sizeof *lo);
    if (!Xc.data || !yc || !mu || !lo) {
        pl_mat_free(&Xc);
        free(yc);
        free(mu);
        if (!loo) free(lo);
        return PL_ENOMEM;
    }
    double ybar = centre_y(n, y, o->intercept, yc);
    pl_mat_copy(Xc, X);
    if (o->intercept) {
        for (size_t i = 0; i < n; i++) pl_axpy(P, 1.0 / (double)n, &PL_AT(X, i, 0), mu);
        for (size_t i = 0; i < n; i++) pl_axpy(P, -1.0, mu, &PL_AT(Xc, i, 0));
    }
    double h0 = o->intercept ? 1.0 / (double)n : 0.0;
    size_t best = 0;
    pl_status st;
    if (L == 1 && !loo) {
        /* one penalty, no LOO asked: a Cholesky solve of the smaller normal equations */
        st = direct_solve(Xc, yc, o->lambdas[0], coef);
        lo[0] = NAN;
    } else if (n > P) {
        /* primal: X_c^T X_c = V diag(s2) V^T, Q = X_c V */
        pl_mat A = pl_mat_alloc(P, P), Q = pl_mat_alloc(n, P);
        double *s2 = malloc(P * sizeof *s2), *a = malloc(P * sizeof *a);
        st = (A.data && Q.data && s2 && a) ? PL_OK : PL_ENOMEM;
        if (st == PL_OK) st = pl_syrk(PL_TRANS, 1.0, Xc, 0.0, A);
        if (st == PL_OK) st = pl_syev(A, s2);
        if (st == PL_OK) {
            for (size_t j = 0; j < P; j++) s2[j] = s2[j] > 0 ? s2[j] : 0.0;
            st = pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, Xc, A, 0.0, Q);
        }
        if (st == PL_OK) st = loo_grid(Q, s2, yc, h0, o, lo, &best);
        if (st == PL_OK) st = pl_gemv(PL_TRANS, 1.0, Q, yc, 0.0, a);
        if (st == PL_OK) {
            for (size_t j = 0; j < P; j++) a[j] /= s2[j] + o->lambdas[best];
            st = pl_gemv(PL_NOTRANS, 1.0, A, a, 0.0, coef);
        }
        pl_mat_free(&A);
        pl_mat_free(&Q);
        free(s2);
        free(a);
    } else {
        /* dual: X_c X_c^T = U diag(s2) U^T; coef = X_c^T alpha */
        pl_mat G = pl_mat_alloc(n, n);
        double *alpha = malloc(n * sizeof *alpha);
        st = (G.data && alpha) ? PL_OK : PL_ENOMEM;
        if (st == PL_OK) st = pl_syrk(PL_NOTRANS, 1.0, Xc, 0.0, G);
        if (st == PL_OK) st = dual_fit(G, yc, h0, o, alpha, lo, &best);
        if (st == PL_OK) st = pl_gemv(PL_TRANS, 1.0, Xc, alpha, 0.0, coef);
        pl_mat_free(&G);
        free(alpha);
    }
    if (st == PL_OK) {
        fill_result(res, o, lo, best, ybar - pl_dot(P, mu, coef));
        if (!all_finite(P, coef)) st = PL_ENAN;
    }
    pl_mat_free(&Xc);
    free(yc);
    free(mu);
    if (!loo) free(lo);
    return st;
}

pl_status pl_ridge_predict(pl_mat X, const double *coef, double intercept, double *pred)
{
    for (size_t i = 0; i < X.rows; i++) pred[i] = intercept;
    return pl_gemv(PL_NOTRANS, 1.0, X, coef, 1.0, pred);
}

pl_status pl_ridge_kernel_fit(pl_mat G, const double *y, const pl_ridge_opts *o, double *alpha,
                              double *loo, pl_ridge_result *res)
{
    size_t n = G.rows, L = o ? o->nlambda : 0;
    if (n < 2 || G.cols != n || !y || !alpha || !res || check_opts(o) != PL_OK)
        return PL_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!all_finite(n, &PL_AT(G, i, 0)) || !isfinite(y[i])) return PL_ENAN;
    pl_mat Gc = pl_mat_alloc(n, n);
    double *yc = malloc(n * sizeof *yc), *r = calloc(n, sizeof *r);
    double *lo = loo ? loo : malloc(L * sizeof *lo);
    if (!Gc.data || !yc || !r || !lo) {
        pl_mat_free(&Gc);
        free(yc);
        free(r);
        if (!loo) free(lo);
        return PL_ENOMEM;
    }
    double ybar = centre_y(n, y, o->intercept, yc), g = 0;
    if (o->intercept) {
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < n; j++) r[i] += PL_AT(G, i, j);
            r[i] /= (double)n;
            g += r[i] / (double)n;
        }
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) PL_AT(Gc, i, j) = PL_AT(G, i, j) - r[i] - r[j] + g;
    size_t best = 0;
    pl_status st = dual_fit(Gc, yc, o->intercept ? 1.0 / (double)n : 0.0, o, alpha, lo, &best);
    if (st == PL_OK && o->intercept) {
        /* remove the rounding left along 1 (the null direction of G_c, weight ~eps/lambda) */
        double m = 0;
        for (size_t i = 0; i < n; i++) m += alpha[i] / (double)n;
        for (size_t i = 0; i < n; i++) alpha[i] -= m;
    }
    if (st == PL_OK) {
        /* the centred predictor ybar + sum_i alpha_i k_c(x_i, x) with sum_i alpha_i = 0
         * (alpha lies in the range of G_c, orthogonal to 1) is k^T alpha + ybar - alpha^T r */
        fill_result(res, o, lo, best, ybar - pl_dot(n, alpha, r));
        if (!all_finite(n, alpha)) st = PL_ENAN;
    }
    pl_mat_free(&Gc);
    free(yc);
    free(r);
    if (!loo) free(lo);
    return st;
}

pl_status pl_ridge_kernel_predict(pl_mat Gcross, const double *alpha, double intercept,
                                  double *pred)
{
    for (size_t i = 0; i < Gcross.cols; i++) pred[i] = intercept;
    return pl_gemv(PL_TRANS, 1.0, Gcross, alpha, 1.0, pred);
}
