/* Family 6 measurements: top singular triplets (Lanczos on W^T W), outlier counts against the
 * Marchenko–Pastur edge of W_0, alignments, and the ridge readout on the learned features. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/eigs.h"
#include "phaselab/ridge.h"
#include "phaselab/twostep.h"

typedef struct {
    pl_mat W;
    int gram_right; /* 1: operator W^T W (d x d), 0: W W^T (N x N) */
    double *tmp;
} gram_op;

static pl_status gram_matvec(const double *x, double *y, size_t n, void *ctx)
{
    (void)n;
    gram_op *g = ctx;
    pl_status st;
    if (g->gram_right) {
        st = pl_gemv(PL_NOTRANS, 1.0, g->W, x, 0.0, g->tmp);
        if (st == PL_OK) st = pl_gemv(PL_TRANS, 1.0, g->W, g->tmp, 0.0, y);
    } else {
        st = pl_gemv(PL_TRANS, 1.0, g->W, x, 0.0, g->tmp);
        if (st == PL_OK) st = pl_gemv(PL_NOTRANS, 1.0, g->W, g->tmp, 0.0, y);
    }
    return st;
}

pl_status pl_ts_top_svd(pl_mat W, size_t k, double *s, pl_mat U, pl_mat Vt)
{
    size_t N = W.rows, d = W.cols, m = N < d ? N : d;
    if (k == 0 || k > m) return PL_EINVAL;
    gram_op g = {W, d <= N, NULL};
    size_t dim = g.gram_right ? d : N, other = g.gram_right ? N : d;
    g.tmp = malloc(other * sizeof *g.tmp);
    pl_mat V = pl_mat_alloc(dim, k);
    double *w = malloc(k * sizeof *w);
    pl_status st = (g.tmp && V.data && w) ? PL_OK : PL_ENOMEM;
    if (st == PL_OK && dim <= 2 * k + 40) {
        /* small: dense eigen-decomposition of the Gram matrix */
        pl_mat A = pl_mat_alloc(dim, dim);
        st = A.data ? pl_syrk(g.gram_right ? PL_TRANS : PL_NOTRANS, 1.0, W, 0.0, A) : PL_ENOMEM;
        if (st == PL_OK) st = pl_syev_topk(A, k, w, V);
        pl_mat_free(&A);
    } else if (st == PL_OK) {
        pl_eigs_opts o = pl_eigs_default_opts(k);
        o.max_basis = 2 * k + 40;
        if (o.max_basis > dim) o.max_basis = dim;
        o.tol = 1e-9;
        o.max_restarts = 2000;
        st = pl_lanczos(gram_matvec, &g, dim, k, PL_EIG_LARGEST, &o, w, V, NULL);
    }
    if (st == PL_OK) {
        for (size_t j = 0; j < k; j++) s[j] = sqrt(fmax(w[j], 0));
        /* the other side: W v / s or W^T u / s */
        double *col = malloc(dim * sizeof *col), *oth = malloc(other * sizeof *oth);
        if (!col || !oth) st = PL_ENOMEM;
        for (size_t j = 0; j < k && st == PL_OK; j++) {
            for (size_t i = 0; i < dim; i++) col[i] = PL_AT(V, i, j);
            pl_mat *mine = g.gram_right ? &Vt : &U, *theirs = g.gram_right ? &U : &Vt;
            if (mine->data)
                for (size_t i = 0; i < dim; i++) {
                    if (g.gram_right) PL_AT(Vt, j, i) = col[i];
                    else PL_AT(U, i, j) = col[i];
                }
            if (theirs->data) {
                st = pl_gemv(g.gram_right ? PL_NOTRANS : PL_TRANS, 1.0, W, col, 0.0, oth);
                double inv = s[j] > 0 ? 1 / s[j] : 0;
                for (size_t i = 0; i < other; i++) {
                    if (g.gram_right) PL_AT(U, i, j) = oth[i] * inv;
                    else PL_AT(Vt, j, i) = oth[i] * inv;
                }
            }
        }
        free(col);
        free(oth);
    }
    free(g.tmp);
    free(w);
    pl_mat_free(&V);
    return st;
}

pl_status pl_ts_all_sv(pl_mat W, double *s)
{
    pl_mat A = pl_mat_alloc(W.rows, W.cols);
    if (!A.data) return PL_ENOMEM;
    pl_mat_copy(A, W);
    pl_mat none = {0};
    pl_status st = pl_svd(A, s, none, none);
    pl_mat_free(&A);
    return st;
}

double pl_ts_bulk_edge_fit(const double *s, size_t m)
{
    if (m < 20) return NAN;
    size_t klo = (size_t)(0.01 * (double)m), khi = (size_t)(0.05 * (double)m);
    if (klo < 1) klo = 1;
    if (khi < klo + 4) khi = klo + 4;
    /* least squares of lambda_k on (1, x_k), x_k = (k/m)^{2/3} */
    double sx = 0, sy = 0, sxx = 0, sxy = 0, cnt = 0;
    for (size_t k = klo; k <= khi; k++) {
        double x = pow((double)k / (double)m, 2.0 / 3.0), y = s[k - 1] * s[k - 1];
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
        cnt += 1;
    }
    double den = cnt * sxx - sx * sx;
    if (!(den > 0)) return NAN;
    double slope = (cnt * sxy - sx * sy) / den, icpt = (sy - slope * sx) / cnt;
    return icpt > 0 ? sqrt(icpt) : NAN;
}

pl_status pl_ts_analyse(pl_mat W, const double *a, pl_mat B, pl_ts_edge_mode mode,
                        double margin, size_t kmin, pl_ts_spectrum *out)
{
    memset(out, 0, sizeof *out);
    size_t N = W.rows, d = W.cols, mdim = N < d ? N : d;
    out->edge_mp = pl_ts_mp_edge(N, d);
    out->edge_fit = NAN;
    double bulk = out->edge_mp;
    if (mode == PL_TS_EDGE_FIT) {
        double *all = malloc(mdim * sizeof *all);
        if (!all) return PL_ENOMEM;
        pl_status st0 = pl_ts_all_sv(W, all);
        if (st0 == PL_OK) out->edge_fit = pl_ts_bulk_edge_fit(all, mdim);
        free(all);
        if (st0 != PL_OK) return st0;
        if (out->edge_fit > bulk) bulk = out->edge_fit;
    }
    out->edge = bulk * (1 + margin);
    size_t k = kmin < 8 ? 8 : kmin;
    if (k > PL_TS_MAXOUT) k = PL_TS_MAXOUT;
    if (k > mdim) k = mdim;
    pl_mat U = {0}, Vt = {0};
    pl_status st = PL_OK;
    for (;;) {
        pl_mat_free(&U);
        pl_mat_free(&Vt);
        U = pl_mat_alloc(N, k);
        Vt = pl_mat_alloc(k, d);
        if (!U.data || !Vt.data) {
            st = PL_ENOMEM;
            break;
        }
        st = pl_ts_top_svd(W, k, out->s, U, Vt);
        if (st != PL_OK) break;
        /* resolved when the smallest computed value is below the threshold */
        if (out->s[k - 1] <= out->edge || k == PL_TS_MAXOUT || k == mdim) break;
        k = 2 * k > PL_TS_MAXOUT ? PL_TS_MAXOUT : 2 * k;
        if (k > mdim) k = mdim;
    }
    if (st == PL_OK) {
        out->nsv = k;
        for (size_t j = 0; j < k; j++)
            if (out->s[j] > out->edge) out->n_out++;
        out->n_out_capped = out->s[k - 1] > out->edge;
        for (size_t j = 0; j < k; j++) {
            double sub = 0;
            for (size_t q = 0; q < B.rows; q++) {
                double b = pl_dot(d, &PL_AT(Vt, j, 0), &PL_AT(B, q, 0));
                if (q == 0) out->beta_ov[j] = fabs(b);
                sub += b * b;
            }
            out->sub_ov[j] = sqrt(sub);
        }
        for (int t = 0; t < PL_TS_NID; t++) {
            out->id_idx[t] = -1;
            out->id_proj[t] = NAN;
        }
        if (a) {
            /* q_t: Gram–Schmidt (QR) of a, a^2, a^3, a^4 */
            pl_mat P = pl_mat_alloc(N, PL_TS_NID), R = {0};
            if (!P.data) st = PL_ENOMEM;
            for (size_t i = 0; i < N && st == PL_OK; i++) {
                double p = a[i];
                for (int t = 0; t < PL_TS_NID; t++) {
                    PL_AT(P, i, t) = p;
                    p *= a[i] * sqrt((double)N); /* keep the columns of order one */
                }
            }
            if (st == PL_OK && N >= PL_TS_NID) st = pl_qr(P, R);
            for (int t = 0; t < PL_TS_NID && st == PL_OK && N >= PL_TS_NID; t++) {
                double best = -1;
                for (size_t j = 0; j < k; j++) {
                    double dot = 0;
                    for (size_t i = 0; i < N; i++) dot += PL_AT(U, i, j) * PL_AT(P, i, t);
                    if (dot * dot > best) {
                        best = dot * dot;
                        out->id_idx[t] = (int)j;
                    }
                }
                out->id_proj[t] = best;
            }
            pl_mat_free(&P);
        }
    }
    pl_mat_free(&U);
    pl_mat_free(&Vt);
    return st;
}

/* Features F = sigma(X W^T) (rows samples). */
static pl_status features(const pl_ts_act *act, pl_mat W, pl_mat X, pl_mat F)
{
    pl_status st = pl_gemm(PL_NOTRANS, PL_TRANS, 1.0, X, W, 0.0, F);
    if (st != PL_OK) return st;
    for (size_t i = 0; i < F.rows; i++) {
        double *f = &PL_AT(F, i, 0);
        for (size_t j = 0; j < F.cols; j++) f[j] = act->f(f[j]);
    }
    return PL_OK;
}

pl_status pl_ts_ridge_readout(const pl_ts_config *c, pl_mat W, pl_mat B, double lambda,
                              size_t n_train, size_t n_test, pl_rng *rng, double *test_mse,
                              double *train_mse)
{
    size_t N = W.rows, d = W.cols;
    if (!(lambda > 0) || n_train < 1 || n_test < 1) return PL_EINVAL;
    pl_mat X = pl_mat_alloc(n_train > n_test ? n_train : n_test, d);
    pl_mat F = pl_mat_alloc(n_train > n_test ? n_train : n_test, N);
    double *y = malloc((n_train > n_test ? n_train : n_test) * sizeof *y);
    double *coef = malloc(N * sizeof *coef);
    pl_status st = (X.data && F.data && y && coef) ? PL_OK : PL_ENOMEM;
    pl_mat Xt = {0}, Ft = {0};
    if (st == PL_OK) {
        Xt = pl_mat_sub(X, 0, 0, n_train, d);
        Ft = pl_mat_sub(F, 0, 0, n_train, N);
        pl_ts_sample_batch(c, B, rng, Xt, y);
        st = features(c->act, W, Xt, Ft);
    }
    /* the shared ridge readout (no intercept, one penalty lambda n_train) */
    double reg = lambda * (double)n_train;
    pl_ridge_opts ro = {.intercept = 0, .lambdas = &reg, .nlambda = 1};
    pl_ridge_result rr;
    if (st == PL_OK) st = pl_ridge_fit(Ft, y, &ro, coef, NULL, &rr);
    if (st == PL_OK) {
        double *pred = malloc(n_train * sizeof *pred);
        if (!pred) st = PL_ENOMEM;
        else {
            pl_gemv(PL_NOTRANS, 1.0, Ft, coef, 0.0, pred);
            double e = 0;
            for (size_t i = 0; i < n_train; i++) e += (y[i] - pred[i]) * (y[i] - pred[i]);
            if (train_mse) *train_mse = e / (double)n_train;
            free(pred);
        }
    }
    if (st == PL_OK) {
        pl_mat Xs = pl_mat_sub(X, 0, 0, n_test, d), Fs = pl_mat_sub(F, 0, 0, n_test, N);
        pl_ts_sample_batch(c, B, rng, Xs, y);
        st = features(c->act, W, Xs, Fs);
        double *pred = malloc(n_test * sizeof *pred);
        if (st == PL_OK && !pred) st = PL_ENOMEM;
        if (st == PL_OK) {
            pl_gemv(PL_NOTRANS, 1.0, Fs, coef, 0.0, pred);
            double e = 0;
            for (size_t i = 0; i < n_test; i++) e += (y[i] - pred[i]) * (y[i] - pred[i]);
            *test_mse = e / (double)n_test;
            if (!isfinite(*test_mse)) st = PL_ENAN;
        }
        free(pred);
    }
    pl_mat_free(&X);
    pl_mat_free(&F);
    free(y);
    free(coef);
    return st;
}
