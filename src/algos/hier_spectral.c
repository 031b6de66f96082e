/* Family 7: the layer-wise spectral algorithm. Layer 1: top-k eigenpairs by |lambda| of the
 * label-weighted Hermite moment M1 = (1/2n) sum y (z z^T - I), dense for small D, matrix-free
 * through the data otherwise; layer 2: Bhat = (1/2n) sum y (hh hh^T - I); predictor
 * hh^T Bhat hh - Tr Bhat, standardised and calibrated by a polynomial least-squares fit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/eigred.h"
#include "phaselab/hier.h"

static double sum_of(const double *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += v[i];
    return s;
}

static size_t m1_chunk(const pl_hier_m1_ctx *c, size_t rowlen)
{
    size_t ch = c->chunk ? c->chunk : ((size_t)1 << 21) / (rowlen ? rowlen : 1);
    if (ch < 16) ch = 16;
    return ch < c->dat->n ? ch : c->dat->n;
}

static pl_status m1_work(pl_hier_m1_ctx *c, size_t len)
{
    if (c->work_len >= len) return PL_OK;
    free(c->work);
    c->work = malloc(len * sizeof *c->work);
    c->work_len = c->work ? len : 0;
    return c->work ? PL_OK : PL_ENOMEM;
}

/* true input, q = 2: V = unflat(v); per chunk T = Xc V, u = (rowdot(T, Xc) - Tr V)/sqrt 2,
 * w = y u / 2n, S += Xc^T diag(w) Xc; out = flat((S - sum(w) I)/sqrt 2) */
static pl_status m1_matrix2(pl_hier_m1_ctx *c, const double *v, double *out)
{
    const pl_hier_data *dat = c->dat;
    size_t d = c->t->d, n = dat->n, ch = m1_chunk(c, d);
    pl_status st = m1_work(c, 2 * d * d + 2 * ch * d);
    if (st != PL_OK) return st;
    pl_mat V = pl_mat_view(c->work, d, d, d), S = pl_mat_view(c->work + d * d, d, d, d);
    double *tb = c->work + 2 * d * d, *wb = tb + ch * d;
    pl_hier_unflatten2(v, V);
    double trV = pl_mat_trace(V), sumw = 0, inv = 1 / (2.0 * (double)n), r2 = 1 / sqrt(2.0);
    pl_mat_set_zero(S);
    for (size_t r0 = 0; r0 < n && st == PL_OK; r0 += ch) {
        size_t m = n - r0 < ch ? n - r0 : ch;
        pl_mat Xc = pl_mat_sub(dat->X, r0, 0, m, d);
        pl_mat T = pl_mat_view(tb, m, d, d), W = pl_mat_view(wb, m, d, d);
        st = pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, Xc, V, 0.0, T);
        for (size_t i = 0; i < m && st == PL_OK; i++) {
            const double *x = Xc.data + i * Xc.stride;
            double u = (pl_dot(d, tb + i * d, x) - trV) * r2;
            double w = dat->y[r0 + i] * u * inv;
            sumw += w;
            for (size_t j = 0; j < d; j++) wb[i * d + j] = w * x[j];
        }
        if (st == PL_OK) st = pl_gemm(PL_TRANS, PL_NOTRANS, 1.0, Xc, W, 1.0, S);
    }
    if (st != PL_OK) return st;
    for (size_t i = 0; i < d; i++) PL_AT(S, i, i) -= sumw;
    pl_mat_transpose(V, S); /* symmetrise against rounding */
    for (size_t i = 0; i < d * d; i++) S.data[i] = 0.5 * (S.data[i] + V.data[i]) * r2;
    pl_hier_flatten2(S, out);
    return PL_OK;
}

/* feature chunks (any q, true input): out = sum_mu w_mu z_mu, w = y <z, v>/2n */
static pl_status m1_features(pl_hier_m1_ctx *c, const double *v, double *out)
{
    const pl_hier_data *dat = c->dat;
    size_t D = c->t->D, n = dat->n, ch = m1_chunk(c, D);
    pl_status st = m1_work(c, ch * D + ch);
    if (st != PL_OK) return st;
    double *u = c->work + ch * D, inv = 1 / (2.0 * (double)n);
    memset(out, 0, D * sizeof *out);
    for (size_t r0 = 0; r0 < n && st == PL_OK; r0 += ch) {
        size_t m = n - r0 < ch ? n - r0 : ch;
        pl_mat Zc = pl_mat_view(c->work, m, D, D);
        st = pl_hier_features_rows(c->t->q, pl_mat_sub(dat->X, r0, 0, m, c->t->d), Zc);
        if (st == PL_OK) st = pl_gemv(PL_NOTRANS, 1.0, Zc, v, 0.0, u);
        for (size_t i = 0; i < m; i++) u[i] *= dat->y[r0 + i] * inv;
        if (st == PL_OK) st = pl_gemv(PL_TRANS, 1.0, Zc, u, 1.0, out);
    }
    return st;
}

static pl_status m1_gauss(pl_hier_m1_ctx *c, const double *v, double *out)
{
    const pl_hier_data *dat = c->dat;
    size_t n = dat->n;
    pl_status st = m1_work(c, n);
    if (st != PL_OK) return st;
    double inv = 1 / (2.0 * (double)n);
    st = pl_gemv(PL_NOTRANS, 1.0, dat->Z, v, 0.0, c->work);
    for (size_t i = 0; i < n; i++) c->work[i] *= dat->y[i] * inv;
    if (st == PL_OK) st = pl_gemv(PL_TRANS, 1.0, dat->Z, c->work, 0.0, out);
    return st;
}

pl_status pl_hier_m1_matvec(const double *v, double *out, size_t D, void *ctx)
{
    pl_hier_m1_ctx *c = ctx;
    if (D != c->t->D) return PL_EINVAL;
    pl_status st;
    if (c->dat->input == PL_HIER_GAUSS) st = m1_gauss(c, v, out);
    else if (c->t->q == 2 && !c->generic) st = m1_matrix2(c, v, out);
    else st = m1_features(c, v, out);
    if (st != PL_OK) return st;
    /* - (sum y / 2n) v: zero for labels standardised on this sample, kept for generality */
    pl_axpy(D, -sum_of(c->dat->y, c->dat->n) / (2.0 * (double)c->dat->n), v, out);
    return PL_OK;
}

void pl_hier_m1_free(pl_hier_m1_ctx *c)
{
    free(c->work);
    c->work = NULL;
    c->work_len = 0;
}

pl_status pl_hier_m1_dense(const pl_hier_teacher *t, const pl_hier_data *dat, pl_mat M)
{
    size_t D = t->D, n = dat->n;
    if (M.rows != D || M.cols != D) return PL_EINVAL;
    size_t ch = ((size_t)1 << 21) / D;
    if (ch < 16) ch = 16;
    if (ch > n) ch = n;
    pl_mat Zc = pl_mat_alloc(ch, D), Wc = pl_mat_alloc(ch, D);
    pl_status st = (Zc.data && Wc.data) ? PL_OK : PL_ENOMEM;
    double inv = 1 / (2.0 * (double)n);
    pl_mat_set_zero(M);
    for (size_t r0 = 0; r0 < n && st == PL_OK; r0 += ch) {
        size_t m = n - r0 < ch ? n - r0 : ch;
        pl_mat Zs = pl_mat_sub(Zc, 0, 0, m, D), Ws = pl_mat_sub(Wc, 0, 0, m, D);
        if (dat->input == PL_HIER_GAUSS) pl_mat_copy(Zs, pl_mat_sub(dat->Z, r0, 0, m, D));
        else st = pl_hier_features_rows(t->q, pl_mat_sub(dat->X, r0, 0, m, t->d), Zs);
        for (size_t i = 0; i < m && st == PL_OK; i++) {
            double w = dat->y[r0 + i] * inv;
            for (size_t j = 0; j < D; j++) PL_AT(Ws, i, j) = w * PL_AT(Zs, i, j);
        }
        if (st == PL_OK) st = pl_gemm(PL_TRANS, PL_NOTRANS, 1.0, Zs, Ws, 1.0, M);
    }
    double sy = sum_of(dat->y, n) * inv;
    for (size_t i = 0; i < D && st == PL_OK; i++) PL_AT(M, i, i) -= sy;
    pl_mat_free(&Zc);
    pl_mat_free(&Wc);
    return st;
}

pl_status pl_hier_layer1(const pl_hier_teacher *t, const pl_hier_data *train, size_t k,
                         size_t dense_max, double tol, uint64_t seed, double *w, pl_mat V,
                         size_t *nmatvec)
{
    size_t D = t->D;
    if (k == 0 || k > D || V.rows != k || V.cols != D) return PL_EINVAL;
    pl_mat C = pl_mat_alloc(D, k);
    if (!C.data) return PL_ENOMEM;
    pl_status st;
    if (nmatvec) *nmatvec = 0;
    if (D <= dense_max) {
        pl_mat M = pl_mat_alloc(D, D);
        st = M.data ? pl_hier_m1_dense(t, train, M) : PL_ENOMEM;
        if (st == PL_OK) st = pl_eigred_topk_abs(M, k, w, C);
        pl_mat_free(&M);
    } else {
        pl_hier_m1_ctx ctx = {.t = t, .dat = train};
        pl_eigs_opts o = pl_eigs_default_opts(k);
        o.tol = tol > 0 ? tol : 1e-8;
        o.seed = seed;
        st = pl_eigred_topk_abs_mf(pl_hier_m1_matvec, &ctx, D, k, &o, w, C, nmatvec);
        pl_hier_m1_free(&ctx);
    }
    if (st == PL_OK || st == PL_ENOCONV) pl_mat_transpose(V, C);
    pl_mat_free(&C);
    return st;
}

pl_status pl_hier_bhat(pl_mat Hh, const double *y, pl_mat Bhat)
{
    size_t n = Hh.rows, k = Hh.cols;
    if (Bhat.rows != k || Bhat.cols != k || n == 0) return PL_EINVAL;
    pl_mat W = pl_mat_alloc(n, k);
    if (!W.data) return PL_ENOMEM;
    double inv = 1 / (2.0 * (double)n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < k; j++) PL_AT(W, i, j) = y[i] * inv * PL_AT(Hh, i, j);
    pl_status st = pl_gemm(PL_TRANS, PL_NOTRANS, 1.0, Hh, W, 0.0, Bhat);
    double sy = sum_of(y, n) * inv;
    for (size_t j = 0; j < k; j++) PL_AT(Bhat, j, j) -= sy;
    pl_mat_free(&W);
    return st;
}

pl_hier_opts pl_hier_default_opts(const pl_hier_teacher *t)
{
    pl_hier_opts o = {.k = t->p, .dense_max = 1500, .poly_degree = t->link == PL_HIER_ID ? 1 : 5,
                      .ridge = 1e-6, .tol = 1e-8, .seed = 1};
    return o;
}

/* raw predictor r = hh^T B hh - Tr B for each row of Hh */
static void raw_predict(pl_mat Hh, pl_mat B, double *r)
{
    size_t k = Hh.cols;
    double tr = pl_mat_trace(B);
    for (size_t i = 0; i < Hh.rows; i++) {
        const double *h = Hh.data + i * Hh.stride;
        double s = 0;
        for (size_t a = 0; a < k; a++) {
            double u = 0;
            for (size_t b = 0; b < k; b++) u += PL_AT(B, a, b) * h[b];
            s += h[a] * u;
        }
        r[i] = s - tr;
    }
}

static double poly_eval(const double *c, int deg, double s)
{
    double v = 0;
    for (int j = deg; j >= 0; j--) v = v * s + c[j];
    return v;
}

/* ridge polynomial fit y ~ sum_j c_j s^j (normal equations, ridge relative to the diagonal) */
static pl_status poly_fit(const double *s, const double *y, size_t n, int deg, double ridge,
                          double *c)
{
    size_t m = (size_t)deg + 1;
    double G[64] = {0}, rhs[8] = {0}, pw[16];
    for (size_t i = 0; i < n; i++) {
        pw[0] = 1;
        for (size_t j = 1; j < 2 * m; j++) pw[j] = pw[j - 1] * s[i];
        for (size_t a = 0; a < m; a++) {
            rhs[a] += pw[a] * y[i];
            for (size_t b = 0; b < m; b++) G[a * m + b] += pw[a + b];
        }
    }
    for (size_t a = 0; a < m; a++) G[a * m + a] *= 1 + ridge;
    pl_mat Gm = pl_mat_view(G, m, m, m), R = pl_mat_view(rhs, m, 1, 1);
    pl_status st = pl_chol_solve(Gm, R);
    for (size_t a = 0; a < m; a++) c[a] = rhs[a];
    return st;
}

pl_status pl_hier_spectral_fit(const pl_hier_teacher *t, const pl_hier_data *train,
                               const pl_hier_opts *o, pl_hier_fit *fit)
{
    memset(fit, 0, sizeof *fit);
    size_t k = o->k ? o->k : t->p, n = train->n;
    if (k > t->D || o->poly_degree < 1 || o->poly_degree > 7) return PL_EINVAL;
    fit->k = k;
    fit->degree = o->poly_degree;
    fit->eig = malloc(k * sizeof *fit->eig);
    fit->Ahat = pl_mat_alloc(k, t->D);
    fit->Bhat = pl_mat_alloc(k, k);
    pl_mat Hh = pl_mat_alloc(n, k);
    double *r = malloc(n * sizeof *r);
    pl_status st = (fit->eig && fit->Ahat.data && fit->Bhat.data && Hh.data && r) ? PL_OK
                                                                                   : PL_ENOMEM;
    if (st == PL_OK) {
        st = pl_hier_layer1(t, train, k, o->dense_max, o->tol, o->seed, fit->eig, fit->Ahat,
                            &fit->nmatvec);
        fit->status = st;
        if (st == PL_ENOCONV) st = PL_OK;
    }
    if (st == PL_OK) st = pl_hier_project(t, train, fit->Ahat, Hh);
    if (st == PL_OK) st = pl_hier_bhat(Hh, train->y, fit->Bhat);
    if (st == PL_OK) {
        raw_predict(Hh, fit->Bhat, r);
        double m = sum_of(r, n) / (double)n, v = 0;
        for (size_t i = 0; i < n; i++) v += (r[i] - m) * (r[i] - m);
        double sd = sqrt(v / (double)n);
        fit->pred_mean = m;
        fit->pred_std = sd > 0 ? sd : 1.0;
        for (size_t i = 0; i < n; i++) r[i] = (r[i] - m) / fit->pred_std;
        st = poly_fit(r, train->y, n, fit->degree, o->ridge, fit->calib);
    }
    free(r);
    pl_mat_free(&Hh);
    if (st != PL_OK) pl_hier_fit_free(fit);
    return st;
}

pl_status pl_hier_spectral_predict(const pl_hier_teacher *t, const pl_hier_fit *fit,
                                   const pl_hier_data *dat, double *out)
{
    pl_mat Hh = pl_mat_alloc(dat->n, fit->k);
    if (!Hh.data) return PL_ENOMEM;
    pl_status st = pl_hier_project(t, dat, fit->Ahat, Hh);
    if (st == PL_OK) {
        raw_predict(Hh, fit->Bhat, out);
        for (size_t i = 0; i < dat->n; i++)
            out[i] = poly_eval(fit->calib, fit->degree, (out[i] - fit->pred_mean) / fit->pred_std);
    }
    pl_mat_free(&Hh);
    return st;
}

void pl_hier_fit_free(pl_hier_fit *fit)
{
    free(fit->eig);
    fit->eig = NULL;
    pl_mat_free(&fit->Ahat);
    pl_mat_free(&fit->Bhat);
}

double pl_hier_mse(const double *pred, const double *y, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (pred[i] - y[i]) * (pred[i] - y[i]);
    return s / (double)n;
}
