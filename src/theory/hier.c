/* Family 7 theory: threshold exponents, recovered count, residual risk, power-law exponent,
 * deformed-Wigner spikes and the finite-ratio (label-weighted Wishart) spikes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/hier.h"
#include "phaselab/mim.h"

double pl_hier_alpha_th(double i, double d, double gamma, double eps, double q)
{
    double ld = log(i) / log(d);
    if (gamma == 0) return q + eps;
    if (gamma < 0.5) return q + (1 - 2 * gamma) * eps + 2 * gamma * ld;
    return q + 2 * gamma * ld;
}

double pl_hier_m_th(double alpha, double d, size_t p, double gamma, double eps, double q)
{
    double a1 = pl_hier_alpha_th(1, d, gamma, eps, q);
    if (gamma == 0) return alpha + 1e-12 >= a1 ? (double)p : 0.0;
    double m = floor(pow(d, (alpha - a1) / (2 * gamma)) + 1e-9);
    if (m < 0) m = 0;
    return m > (double)p ? (double)p : m;
}

double pl_hier_r_th(double m, size_t p, double gamma)
{
    double num = 0, den = 0;
    for (size_t j = p; j >= 1; j--) { /* small terms first */
        double v = pow((double)j, -2 * gamma);
        den += v;
        if ((double)j > m) num += v;
    }
    return num / den;
}

double pl_hier_exponent(double gamma) { return gamma > 0.5 ? (2 * gamma - 1) / (2 * gamma) : NAN; }

/* Monte Carlo sample of (h, y) with y standardised at the population level: exactly (mean 0,
 * std sqrt(2 sum b^2)) for the identity link, by the sample's own moments otherwise. */
static pl_status mc_sample(const double *b, size_t p, pl_hier_link link, size_t N, pl_rng *rng,
                           double *H, double *y)
{
    double s1 = 0, s2 = 0, bb = 0;
    for (size_t i = 0; i < p; i++) bb += b[i] * b[i];
    if (!(bb > 0)) return PL_EINVAL;
    for (size_t k = 0; k < N; k++) {
        double *h = H + k * p, s = 0;
        pl_rng_normal_fill(rng, h, p, 1.0);
        for (size_t i = 0; i < p; i++) s += b[i] * (h[i] * h[i] - 1);
        y[k] = pl_hier_link_apply(link, s);
        s1 += y[k];
    }
    double mean = 0, sd = sqrt(2 * bb);
    if (link != PL_HIER_ID) {
        mean = s1 / (double)N;
        for (size_t k = 0; k < N; k++) s2 += (y[k] - mean) * (y[k] - mean);
        sd = sqrt(s2 / (double)N);
    }
    if (!(sd > 0)) return PL_ENAN;
    for (size_t k = 0; k < N; k++) y[k] = (y[k] - mean) / sd;
    return PL_OK;
}

pl_status pl_hier_btilde(const double *b, size_t p, pl_hier_link link, size_t nmc,
                         pl_rng *rng, double *bt, double *se)
{
    if (p == 0) return PL_EINVAL;
    if (link == PL_HIER_ID) {
        double bb = 0;
        for (size_t i = 0; i < p; i++) bb += b[i] * b[i];
        if (!(bb > 0)) return PL_EINVAL;
        for (size_t i = 0; i < p; i++) {
            bt[i] = b[i] / sqrt(2 * bb);
            if (se) se[i] = 0;
        }
        return PL_OK;
    }
    size_t N = nmc ? nmc : 200000;
    double *H = malloc(N * p * sizeof *H), *y = malloc(N * sizeof *y);
    pl_status st = (H && y) ? mc_sample(b, p, link, N, rng, H, y) : PL_ENOMEM;
    for (size_t i = 0; i < p && st == PL_OK; i++) {
        double m = 0, m2 = 0;
        for (size_t k = 0; k < N; k++) {
            double v = 0.5 * y[k] * (H[k * p + i] * H[k * p + i] - 1);
            m += v;
            m2 += v * v;
        }
        m /= (double)N;
        bt[i] = m;
        if (se) se[i] = sqrt(fmax(m2 / (double)N - m * m, 0) / (double)N);
    }
    free(H);
    free(y);
    return st;
}

pl_hier_spike pl_hier_dw_spike(double bt, double sigma2)
{
    pl_hier_spike r;
    double s = sqrt(sigma2), sg = bt < 0 ? -1.0 : 1.0;
    if (fabs(bt) > s) {
        r.eig = bt + sigma2 / bt;
        r.cos2 = 1 - sigma2 / (bt * bt);
        r.outlier = 1;
    } else {
        r.eig = sg * 2 * s;
        r.cos2 = 0;
        r.outlier = 0;
    }
    return r;
}

/* Identity link: Monte Carlo weights w_k = (1 + (g_k - gbar)^T c)/N calibrated so that the
 * weighted moments of g = (t, t^2, t^3, lambda, t lambda, t^2 lambda) are exact (a regression
 * control variate): E t = 0, E t^2 = 1/4, E t^3 = sum beta^3, E lambda = 0, E t lambda = bt_i,
 * E t^2 lambda = 2 bt_i^2, with beta = b/sqrt(2 sum b^2) = bt and t = y/2. */
static pl_status calibrate_weights(const double *b, size_t p, size_t i, size_t N,
                                   const double *t, const double *lam, double *w)
{
    enum { M = 6 };
    double bb = 0, b3 = 0;
    for (size_t j = 0; j < p; j++) bb += b[j] * b[j];
    double sd = sqrt(2 * bb), bi = b[i] / sd;
    for (size_t j = 0; j < p; j++) b3 += pow(b[j] / sd, 3);
    const double target[M] = {0, 0.25, b3, 0, bi, 2 * bi * bi};
    double mean[M] = {0}, S[M * M] = {0}, rhs[M], g[M];
#define PL_HIER_G(k)                                                                               \
    do {                                                                                         \
        double t_ = t[k], l_ = lam[k];                                                           \
        g[0] = t_, g[1] = t_ * t_, g[2] = t_ * t_ * t_, g[3] = l_, g[4] = t_ * l_,               \
        g[5] = t_ * t_ * l_;                                                                     \
    } while (0)
    for (size_t k = 0; k < N; k++) {
        PL_HIER_G(k);
        for (int a = 0; a < M; a++) mean[a] += g[a] / (double)N;
    }
    for (size_t k = 0; k < N; k++) {
        PL_HIER_G(k);
        for (int a = 0; a < M; a++)
            for (int c = 0; c < M; c++) S[a * M + c] += (g[a] - mean[a]) * (g[c] - mean[c]) / (double)N;
    }
    for (int a = 0; a < M; a++) rhs[a] = target[a] - mean[a];
    pl_status st = pl_chol_solve(pl_mat_view(S, M, M, M), pl_mat_view(rhs, M, 1, 1));
    for (size_t k = 0; k < N && st == PL_OK; k++) {
        PL_HIER_G(k);
        double u = 1;
        for (int a = 0; a < M; a++) u += (g[a] - mean[a]) * rhs[a];
        w[k] = u / (double)N;
    }
#undef PL_HIER_G
    return st;
}

pl_status pl_hier_finite_ratio(const double *b, size_t p, pl_hier_link link, double c,
                               size_t nmc, pl_rng *rng, pl_hier_fr *out)
{
    memset(out, 0, sizeof *out);
    if (p == 0 || !(c > 0) || !isfinite(c)) return PL_EINVAL;
    size_t N = nmc ? nmc : 100000;
    out->p = p;
    out->eig = malloc(p * sizeof *out->eig);
    out->cos2 = malloc(p * sizeof *out->cos2);
    out->outlier = malloc(p * sizeof *out->outlier);
    double *H = malloc(N * p * sizeof *H), *y = malloc(N * sizeof *y);
    double *tp = malloc(N * sizeof *tp), *tm = malloc(N * sizeof *tm);
    double *lam = malloc(N * sizeof *lam), *w = malloc(N * sizeof *w);
    pl_status st = (out->eig && out->cos2 && out->outlier && H && y && tp && tm && lam && w)
                       ? mc_sample(b, p, link, N, rng, H, y)
                       : PL_ENOMEM;
    double alpha = 1 / c; /* Lu-Li's n/dim */
    for (size_t k = 0; k < N && st == PL_OK; k++) {
        tp[k] = 0.5 * y[k];
        tm[k] = -0.5 * y[k];
        w[k] = 1 / (double)N;
    }
    for (size_t i = 0; i < p && st == PL_OK; i++) {
        double m = 0;
        for (size_t k = 0; k < N; k++) {
            lam[k] = H[k * p + i] * H[k * p + i] - 1;
            m += tp[k] * lam[k];
        }
        if (link == PL_HIER_ID) {
            st = calibrate_weights(b, p, i, N, tp, lam, w);
            if (st != PL_OK) break;
            m = 0;
            for (size_t k = 0; k < N; k++) m += w[k] * tp[k] * lam[k];
        }
        int neg = m < 0; /* the spike's sign: btilde_i = E[t lambda_i] */
        pl_mim_luli r;
        st = pl_mim_luli_solve(N, neg ? tm : tp, lam, w, alpha, &r);
        if (st != PL_OK) break;
        double sg = neg ? -1.0 : 1.0;
        out->outlier[i] = r.outlier && r.eig > r.edge;
        out->eig[i] = sg * (out->outlier[i] ? r.eig : r.edge) / alpha;
        out->cos2[i] = out->outlier[i] ? r.m2 : 0.0;
        if (i == 0) {
            /* both edges (independent of the direction) */
            pl_mim_luli rp, rm;
            st = pl_mim_luli_solve(N, tp, lam, w, alpha, &rp);
            if (st == PL_OK) st = pl_mim_luli_solve(N, tm, lam, w, alpha, &rm);
            out->edge_hi = rp.edge / alpha;
            out->edge_lo = -rm.edge / alpha;
        }
    }
    free(H);
    free(y);
    free(tp);
    free(tm);
    free(lam);
    free(w);
    if (st != PL_OK) pl_hier_fr_free(out);
    return st;
}

void pl_hier_fr_free(pl_hier_fr *fr)
{
    free(fr->eig);
    free(fr->cos2);
    free(fr->outlier);
    fr->eig = fr->cos2 = NULL;
    fr->outlier = NULL;
}

/* Tr(X Y) for row-major d x d matrices (X symmetric or not) */
static double tr_prod(pl_mat X, pl_mat Y)
{
    double s = 0;
    for (size_t i = 0; i < X.rows; i++)
        for (size_t j = 0; j < X.cols; j++) s += PL_AT(X, i, j) * PL_AT(Y, j, i);
    return s;
}

pl_status pl_hier_population(const pl_hier_teacher *t, pl_hier_input input, pl_mat P,
                             double *std_s)
{
    size_t d = t->d, D = t->D, p = t->p;
    if (t->q != 2 || D > 5000 || P.rows != D || P.cols != D) return PL_EINVAL;
    if (t->link != PL_HIER_ID) return PL_EUNSUPPORTED;
    int tr = input == PL_HIER_TRUE;
    pl_mat Am = pl_mat_alloc(p * d, d), A2 = pl_mat_alloc(p * d, d), T1 = pl_mat_alloc(d, d),
           T2 = pl_mat_alloc(d, d), W = pl_mat_alloc(d, d), KW = pl_mat_alloc(d, d);
    double *e = calloc(D, sizeof *e), *col = malloc(D * sizeof *col);
    pl_status st = (Am.data && A2.data && T1.data && T2.data && W.data && KW.data && e && col)
                       ? PL_OK
                       : PL_ENOMEM;
    double var = 0;
    for (size_t i = 0; i < p && st == PL_OK; i++) {
        pl_mat Ai = pl_mat_sub(Am, i * d, 0, d, d), Ai2 = pl_mat_sub(A2, i * d, 0, d, d);
        pl_hier_unflatten2(t->A.data + i * t->A.stride, Ai);
        st = pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, Ai, Ai, 0.0, Ai2);
    }
    for (size_t i = 0; i < p && st == PL_OK; i++)
        for (size_t j = 0; j < p && st == PL_OK; j++) {
            double c = 2.0 * (i == j);
            if (tr) {
                pl_mat Ai = pl_mat_sub(Am, i * d, 0, d, d), Aj = pl_mat_sub(Am, j * d, 0, d, d);
                st = pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, Ai, Aj, 0.0, T1);
                c += 8 * tr_prod(pl_mat_sub(A2, i * d, 0, d, d), pl_mat_sub(A2, j * d, 0, d, d)) +
                     4 * tr_prod(T1, T1);
            }
            var += t->b[i] * t->b[j] * c;
        }
    double sd = sqrt(var);
    if (st == PL_OK && !(sd > 0)) st = PL_ENAN;
    if (std_s && st == PL_OK) *std_s = sd;
    pl_mat_set_zero(P);
    /* spikes */
    for (size_t i = 0; i < p && st == PL_OK; i++) {
        const double *a = t->A.data + i * t->A.stride;
        double bt = t->b[i] / sd;
        for (size_t r = 0; r < D; r++)
            for (size_t c = 0; c < D; c++) PL_AT(P, r, c) += bt * a[r] * a[c];
    }
    /* cumulant part: column m of sum_i bt_i K_i is flat(sum_i bt_i K_i[unflat(e_m)]) */
    for (size_t m = 0; m < D && st == PL_OK && tr; m++) {
        e[m] = 1;
        pl_hier_unflatten2(e, W);
        e[m] = 0;
        pl_mat_set_zero(KW);
        for (size_t i = 0; i < p && st == PL_OK; i++) {
            pl_mat Ai = pl_mat_sub(Am, i * d, 0, d, d), Ai2 = pl_mat_sub(A2, i * d, 0, d, d);
            double bt2 = 2 * t->b[i] / sd;
            st = pl_gemm(PL_NOTRANS, PL_NOTRANS, bt2, Ai2, W, 1.0, KW);
            if (st == PL_OK) st = pl_gemm(PL_NOTRANS, PL_NOTRANS, bt2, W, Ai2, 1.0, KW);
            if (st == PL_OK) st = pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, Ai, W, 0.0, T2);
            if (st == PL_OK) st = pl_gemm(PL_NOTRANS, PL_NOTRANS, bt2, T2, Ai, 1.0, KW);
        }
        pl_hier_flatten2(KW, col);
        for (size_t r = 0; r < D; r++) PL_AT(P, r, m) += col[r];
    }
    pl_mat_free(&Am);
    pl_mat_free(&A2);
    pl_mat_free(&T1);
    pl_mat_free(&T2);
    pl_mat_free(&W);
    pl_mat_free(&KW);
    free(e);
    free(col);
    return st;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_dbl);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

pl_status pl_hier_finite_ratio_avg(const double *b, size_t p, pl_hier_link link, double c,
                                   size_t nlab, size_t ndraws, pl_rng *rng, pl_hier_fr *out)
{
    memset(out, 0, sizeof *out);
    if (ndraws == 0 || nlab < 2 || p == 0) return PL_EINVAL;
    size_t R = ndraws;
    double *E = malloc((p + 2) * R * sizeof *E), *C = calloc(p, sizeof *C);
    size_t *cnt = calloc(p, sizeof *cnt);
    out->p = p;
    out->eig = malloc(p * sizeof *out->eig);
    out->cos2 = malloc(p * sizeof *out->cos2);
    out->outlier = malloc(p * sizeof *out->outlier);
    pl_status st = (E && C && cnt && out->eig && out->cos2 && out->outlier) ? PL_OK : PL_ENOMEM;
    for (size_t r = 0; r < R && st == PL_OK; r++) {
        pl_hier_fr f;
        st = pl_hier_finite_ratio(b, p, link, c, nlab, rng, &f);
        if (st != PL_OK) break;
        for (size_t i = 0; i < p; i++) {
            E[i * R + r] = f.eig[i];
            C[i] += f.cos2[i] / (double)R;
            cnt[i] += (size_t)f.outlier[i];
        }
        E[p * R + r] = f.edge_lo;
        E[(p + 1) * R + r] = f.edge_hi;
        pl_hier_fr_free(&f);
    }
    /* medians for locations (a draw whose extreme labels reach the outlier gives a far-off
     * value), means for the overlaps */
    for (size_t i = 0; i < p && st == PL_OK; i++) {
        out->eig[i] = median_of(E + i * R, R);
        out->cos2[i] = C[i];
        out->outlier[i] = 2 * cnt[i] > R;
    }
    if (st == PL_OK) {
        out->edge_lo = median_of(E + p * R, R);
        out->edge_hi = median_of(E + (p + 1) * R, R);
    }
    free(E);
    free(C);
    free(cnt);
    if (st != PL_OK) pl_hier_fr_free(out);
    return st;
}
