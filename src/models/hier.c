/* Family 7 model: Hermite-q features, power-law teacher, data sampling, overlap metrics. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/hier.h"

size_t pl_hier_dim(size_t d, size_t q)
{
    if (d == 0) return 0;
    if (q == 2) return d > (size_t)1 << 30 ? 0 : d * (d + 1) / 2;
    if (q == 3) return d > (size_t)1 << 20 ? 0 : d * (d + 1) * (d + 2) / 6;
    return 0;
}

size_t pl_hier_width(size_t d, double eps)
{
    double p = floor(pow((double)d, eps) + 0.5);
    return p < 1 ? 1 : (size_t)p;
}

double pl_hier_scale(double gamma, size_t p, double beta)
{
    if (gamma == 0) return beta / (double)p;
    if (gamma <= 0.5) return pow((double)p, 2 * gamma - 1);
    return beta;
}

double pl_hier_link_apply(pl_hier_link link, double s)
{
    switch (link) {
    case PL_HIER_TANH: return tanh(s);
    case PL_HIER_RELU: return s > 0 ? s : 0.0;
    default: return s;
    }
}

pl_status pl_hier_features(size_t d, size_t q, const double *x, double *z)
{
    const double r2 = 1 / sqrt(2.0), r6 = 1 / sqrt(6.0);
    size_t m = 0;
    if (q == 2) {
        for (size_t i = 0; i < d; i++) {
            z[m++] = (x[i] * x[i] - 1) * r2;
            for (size_t j = i + 1; j < d; j++) z[m++] = x[i] * x[j];
        }
        return PL_OK;
    }
    if (q == 3) {
        for (size_t i = 0; i < d; i++)
            for (size_t j = i; j < d; j++)
                for (size_t k = j; k < d; k++) {
                    double v;
                    if (i == k) v = (x[i] * x[i] * x[i] - 3 * x[i]) * r6;
                    else if (i == j) v = (x[i] * x[i] - 1) * x[k] * r2;
                    else if (j == k) v = x[i] * (x[j] * x[j] - 1) * r2;
                    else v = x[i] * x[j] * x[k];
                    z[m++] = v;
                }
        return PL_OK;
    }
    return PL_EINVAL;
}

pl_status pl_hier_features_rows(size_t q, pl_mat X, pl_mat Z)
{
    size_t D = pl_hier_dim(X.cols, q);
    if (D == 0 || Z.cols != D || Z.rows != X.rows) return PL_EINVAL;
    for (size_t r = 0; r < X.rows; r++)
        pl_hier_features(X.cols, q, X.data + r * X.stride, Z.data + r * Z.stride);
    return PL_OK;
}

void pl_hier_flatten2(pl_mat A, double *a)
{
    size_t d = A.rows, m = 0;
    const double s2 = sqrt(2.0);
    for (size_t i = 0; i < d; i++) {
        a[m++] = PL_AT(A, i, i);
        for (size_t j = i + 1; j < d; j++) a[m++] = s2 * 0.5 * (PL_AT(A, i, j) + PL_AT(A, j, i));
    }
}

void pl_hier_unflatten2(const double *a, pl_mat A)
{
    size_t d = A.rows, m = 0;
    const double r2 = 1 / sqrt(2.0);
    for (size_t i = 0; i < d; i++) {
        PL_AT(A, i, i) = a[m++];
        for (size_t j = i + 1; j < d; j++) {
            double v = a[m++] * r2;
            PL_AT(A, i, j) = v;
            PL_AT(A, j, i) = v;
        }
    }
}

void pl_hier_coeffs(size_t p, double gamma, double beta, pl_rng *rng, double *b)
{
    double sc = pl_hier_scale(gamma, p, beta);
    for (size_t i = 0; i < p; i++) {
        double xi = (pl_rng_u32(rng) & 1u) ? 1.0 : -1.0;
        b[i] = xi * pow((double)(i + 1), -gamma) * sc;
    }
}

pl_status pl_hier_teacher_init(pl_hier_teacher *t, size_t d, size_t q, size_t p, double gamma,
                               double beta, pl_hier_link link, pl_rng *rng)
{
    memset(t, 0, sizeof *t);
    size_t D = pl_hier_dim(d, q);
    if (D == 0 || p == 0 || p > D || !(gamma >= 0) || !isfinite(gamma)) return PL_EINVAL;
    t->d = d;
    t->q = q;
    t->p = p;
    t->D = D;
    t->gamma = gamma;
    t->beta = beta;
    t->link = link;
    t->b = malloc(p * sizeof *t->b);
    t->A = pl_mat_alloc(p, D);
    pl_mat G = pl_mat_alloc(D, p);
    pl_status st = (t->b && t->A.data && G.data) ? PL_OK : PL_ENOMEM;
    if (st == PL_OK) {
        pl_rng_normal_mat(rng, G, 1.0);
        st = pl_qr(G, (pl_mat){0});
    }
    if (st == PL_OK) {
        pl_mat_transpose(t->A, G);
        pl_hier_coeffs(p, gamma, beta, rng, t->b);
    }
    pl_mat_free(&G);
    if (st != PL_OK) pl_hier_teacher_free(t);
    return st;
}

void pl_hier_teacher_free(pl_hier_teacher *t)
{
    free(t->b);
    t->b = NULL;
    pl_mat_free(&t->A);
}

double pl_hier_label(const pl_hier_teacher *t, const double *h)
{
    double s = 0;
    for (size_t i = 0; i < t->p; i++) s += t->b[i] * (h[i] * h[i] - 1);
    return pl_hier_link_apply(t->link, s);
}

/* rows per chunk of features: about 2^22 doubles of workspace */
static size_t feature_chunk(size_t n, size_t D)
{
    size_t c = ((size_t)1 << 22) / (D ? D : 1);
    if (c < 16) c = 16;
    return c < n ? c : n;
}

/* q = 2, true input: P[mu, i] = (x^T V_i x - Tr V_i)/sqrt 2 with V_i = unflat(row i of V), as
 * one gemm per row chunk against the d x (k d) matrix [V_1 ... V_k] and row dots */
static pl_status project_matrix2(const pl_hier_teacher *t, const pl_hier_data *dat, pl_mat V,
                                 pl_mat P)
{
    size_t d = t->d, k = V.rows, n = dat->n, kd = k * d;
    size_t ch = ((size_t)1 << 22) / (kd ? kd : 1);
    if (ch < 8) ch = 8;
    if (ch > n) ch = n;
    pl_mat Vc = pl_mat_alloc(d, kd), T = pl_mat_alloc(ch, kd), S = pl_mat_alloc(d, d);
    double *tr = malloc(k * sizeof *tr);
    pl_status st = (Vc.data && T.data && S.data && tr) ? PL_OK : PL_ENOMEM;
    for (size_t i = 0; i < k && st == PL_OK; i++) {
        pl_hier_unflatten2(V.data + i * V.stride, S);
        pl_mat_copy(pl_mat_sub(Vc, 0, i * d, d, d), S);
        tr[i] = pl_mat_trace(S);
    }
    const double r2 = 1 / sqrt(2.0);
    for (size_t r0 = 0; r0 < n && st == PL_OK; r0 += ch) {
        size_t m = n - r0 < ch ? n - r0 : ch;
        pl_mat Xc = pl_mat_sub(dat->X, r0, 0, m, d);
        st = pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, Xc, Vc, 0.0, pl_mat_sub(T, 0, 0, m, kd));
        for (size_t mu = 0; mu < m && st == PL_OK; mu++)
            for (size_t i = 0; i < k; i++)
                PL_AT(P, r0 + mu, i) =
                    (pl_dot(d, T.data + mu * T.stride + i * d, Xc.data + mu * Xc.stride) - tr[i]) * r2;
    }
    pl_mat_free(&Vc);
    pl_mat_free(&T);
    pl_mat_free(&S);
    free(tr);
    return st;
}

pl_status pl_hier_project(const pl_hier_teacher *t, const pl_hier_data *dat, pl_mat V, pl_mat P)
{
    if (V.cols != t->D || P.rows != dat->n || P.cols != V.rows) return PL_EINVAL;
    if (dat->input == PL_HIER_GAUSS) return pl_gemm(PL_NOTRANS, PL_TRANS, 1.0, dat->Z, V, 0.0, P);
    if (t->q == 2) return project_matrix2(t, dat, V, P);
    size_t n = dat->n, ch = feature_chunk(n, t->D);
    pl_mat Zc = pl_mat_alloc(ch, t->D);
    if (!Zc.data) return PL_ENOMEM;
    pl_status st = PL_OK;
    for (size_t r0 = 0; r0 < n && st == PL_OK; r0 += ch) {
        size_t m = n - r0 < ch ? n - r0 : ch;
        pl_mat Zs = pl_mat_sub(Zc, 0, 0, m, t->D);
        st = pl_hier_features_rows(t->q, pl_mat_sub(dat->X, r0, 0, m, t->d), Zs);
        if (st == PL_OK) st = pl_gemm(PL_NOTRANS, PL_TRANS, 1.0, Zs, V, 0.0,
                                      pl_mat_sub(P, r0, 0, m, V.rows));
    }
    pl_mat_free(&Zc);
    return st;
}

pl_status pl_hier_data_sample(const pl_hier_teacher *t, size_t n, pl_hier_input input,
                              const double *ymean_std, pl_rng *rng, pl_hier_data *dat)
{
    memset(dat, 0, sizeof *dat);
    if (n < 2) return PL_EINVAL;
    dat->n = n;
    dat->input = input;
    dat->y = malloc(n * sizeof *dat->y);
    dat->H = pl_mat_alloc(n, t->p);
    if (input == PL_HIER_GAUSS) dat->Z = pl_mat_alloc(n, t->D);
    else dat->X = pl_mat_alloc(n, t->d);
    pl_status st = (dat->y && dat->H.data && (dat->Z.data || dat->X.data)) ? PL_OK : PL_ENOMEM;
    if (st == PL_OK) {
        pl_rng_normal_mat(rng, input == PL_HIER_GAUSS ? dat->Z : dat->X, 1.0);
        st = pl_hier_project(t, dat, t->A, dat->H);
    }
    if (st == PL_OK) {
        double s = 0, s2 = 0;
        for (size_t i = 0; i < n; i++) {
            double y = pl_hier_label(t, dat->H.data + i * dat->H.stride);
            dat->y[i] = y;
            s += y;
        }
        double mean = s / (double)n;
        for (size_t i = 0; i < n; i++) s2 += (dat->y[i] - mean) * (dat->y[i] - mean);
        double sd = sqrt(s2 / (double)n);
        if (ymean_std) {
            mean = ymean_std[0];
            sd = ymean_std[1];
        }
        if (!(sd > 0) || !isfinite(sd)) st = PL_ENAN;
        dat->ymean = mean;
        dat->ystd = sd;
        for (size_t i = 0; i < n && st == PL_OK; i++) dat->y[i] = (dat->y[i] - mean) / sd;
    }
    if (st != PL_OK) pl_hier_data_free(dat);
    return st;
}

void pl_hier_data_free(pl_hier_data *dat)
{
    free(dat->y);
    dat->y = NULL;
    pl_mat_free(&dat->X);
    pl_mat_free(&dat->Z);
    pl_mat_free(&dat->H);
}

pl_status pl_hier_overlaps(const pl_hier_teacher *t, pl_mat Ahat, double *ovH, double *cos2,
                           double *pcos2, size_t *rank)
{
    size_t k = Ahat.rows, p = t->p;
    if (Ahat.cols != t->D || k == 0) return PL_EINVAL;
    pl_mat O = pl_mat_alloc(k, p);
    if (!O.data) return PL_ENOMEM;
    pl_status st = pl_gemm(PL_NOTRANS, PL_TRANS, 1.0, Ahat, t->A, 0.0, O);
    if (st == PL_OK && ovH) *ovH = pl_mat_frob2(O) / (double)p;
    if (st == PL_OK && cos2)
        for (size_t i = 0; i < p; i++) {
            double s = 0;
            for (size_t r = 0; r < k; r++) s += PL_AT(O, r, i) * PL_AT(O, r, i);
            cos2[i] = s;
        }
    if (st == PL_OK && (pcos2 || rank)) {
        size_t r = k < p ? k : p;
        double *s = malloc(r * sizeof *s);
        st = s ? pl_svd(O, s, (pl_mat){0}, (pl_mat){0}) : PL_ENOMEM;
        if (st == PL_OK) {
            size_t cnt = 0;
            for (size_t i = 0; i < r; i++) {
                if (pcos2) pcos2[i] = s[i] * s[i];
                if (s[i] * s[i] > 0.5) cnt++;
            }
            if (rank) *rank = cnt;
        }
        free(s);
    }
    pl_mat_free(&O);
    return st;
}
