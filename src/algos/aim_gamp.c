/* GAMP-RIE for attention-indexed models on the generic GAMP (algos/gamp.c).
 *
 * The estimate is Shat (d x d, O(1) spectrum) as N = d^2 blocks of p = 1; sample mu has
 * k = T(T+1)/2 outputs z_ab = <Z_ab, S>/sqrt(d) (a <= b) with Z_ab = (x_a x_b^T + x_b x_a^T)
 * /sqrt 2 off the diagonal and x_a x_a^T - I on it, i.e. z_ab = tau_ab h_ab with tau = sqrt 2
 * (a < b) or 1. Every output has variance V = 2 Chat. Matrix-free: the forward map is one
 * GEMM P = X Shat over all tokens, the adjoint one GEMM X^T (Gamma X) with Gamma the
 * block-diagonal T x T matrices of g; no d x d Z is formed. Input side: A = (2/d^2)
 * sum_mu tr(-dg_mu), R = Shat + X^T Gamma X / (A d sqrt d), Delta = 1/(2A), Shat = RIE(R),
 * Chat = MMSE(Delta). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/aim.h"
#include "phaselab/gamp.h"

#ifndef M_SQRT2
#define M_SQRT2 1.41421356237309504880
#endif
#ifndef M_SQRT1_2
#define M_SQRT1_2 0.70710678118654752440
#endif

typedef struct {
    const pl_aim_data *D;
    double rho;
    size_t k;
    size_t *pa, *pb;   /* pair (a, b), a <= b, of output index */
    double *tau;
    double *h0;        /* softmax: n k, h0_ab = h_ab - h_LL from the labels */
    double *P;         /* n T x d */
    double *Eig;       /* d x d */
    double *lam;       /* d */
} aim_ctx;

static pl_status aim_forward(void *c, const double *xhat, double *Om)
{
    aim_ctx *m = c;
    const pl_aim_data *D = m->D;
    size_t d = D->d, T = D->T, n = D->n, k = m->k;
    pl_mat S = pl_mat_view((double *)xhat, d, d, d), P = pl_mat_view(m->P, n * T, d, d);
    pl_status st = pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, D->X, S, 0.0, P);
    if (st != PL_OK) return st;
    double tr = pl_mat_trace(S), sd = sqrt((double)d);
    for (size_t mu = 0; mu < n; mu++)
        for (size_t i = 0; i < k; i++) {
            size_t a = mu * T + m->pa[i], b = mu * T + m->pb[i];
            double v = pl_dot(d, &PL_AT(D->X, a, 0), &PL_AT(P, b, 0));
            if (m->pa[i] == m->pb[i]) v -= tr;
            Om[mu * k + i] = m->tau[i] * v / sd;
        }
    return PL_OK;
}

static pl_status aim_adjoint(void *c, const double *G, double *B)
{
    aim_ctx *m = c;
    const pl_aim_data *D = m->D;
    size_t d = D->d, T = D->T, n = D->n, k = m->k;
    pl_mat Y = pl_mat_view(m->P, n * T, d, d), Bm = pl_mat_view(B, d, d, d);
    double gdiag = 0, Gam[64 * 64];
    for (size_t mu = 0; mu < n; mu++) {
        for (size_t i = 0; i < k; i++) {
            size_t a = m->pa[i], b = m->pb[i];
            double v = G[mu * k + i] * (a == b ? 1.0 : M_SQRT1_2);
            Gam[a * T + b] = Gam[b * T + a] = v;
            if (a == b) gdiag += v;
        }
        for (size_t a = 0; a < T; a++) {
            double *ya = &PL_AT(Y, mu * T + a, 0);
            memset(ya, 0, d * sizeof *ya);
            for (size_t b = 0; b < T; b++)
                pl_axpy(d, Gam[a * T + b], &PL_AT(D->X, mu * T + b, 0), ya);
        }
    }
    double sc = 1.0 / ((double)d * sqrt((double)d));
    pl_status st = pl_gemm(PL_TRANS, PL_NOTRANS, sc, D->X, Y, 0.0, Bm);
    for (size_t j = 0; j < d; j++) PL_AT(Bm, j, j) -= gdiag * sc;
    return st;
}

static pl_status aim_var_out(void *c, const double *C, double *V)
{
    aim_ctx *m = c;
    size_t k = m->k, n = m->D->n;
    for (size_t i = 0; i < n; i++)
        for (size_t a = 0; a < k * k; a++) V[i * k * k + a] = (a % (k + 1) == 0) ? 2 * C[0] : 0;
    return PL_OK;
}

static pl_status aim_var_in(void *c, const double *mdg, double *A)
{
    aim_ctx *m = c;
    size_t k = m->k, n = m->D->n, d = m->D->d;
    double s = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t a = 0; a < k; a++) s += mdg[i * k * k + a * (k + 1)];
    double A0 = 2 * s / ((double)d * (double)d);
    for (size_t j = 0; j < d * d; j++) A[j] = A0;
    return PL_OK;
}

/* RIE matrix denoiser: R = B/A, Delta = 1/(2A), eigenvalues through the shrinkage */
static pl_status aim_denoise_all(const void *c, size_t N, size_t p, const double *B,
                                 const double *A, double *xhat, double *C)
{
    const aim_ctx *m = c;
    size_t d = m->D->d;
    (void)p;
    double A0 = A[0];
    if (!(A0 > 0) || !isfinite(A0)) return PL_EDIVERGED;
    double Delta = 1 / (2 * A0), mmse;
    pl_aim_law L;
    pl_status st = pl_aim_law_init(&L, Delta, m->rho);
    if (st == PL_OK) st = pl_aim_denoise_mmse(Delta, m->rho, &mmse);
    if (st != PL_OK) return st;
    pl_mat E = pl_mat_view(m->Eig, d, d, d);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++)
            PL_AT(E, i, j) = 0.5 * (B[i * d + j] + B[j * d + i]) / A0;
    if ((st = pl_syev(E, m->lam)) != PL_OK) return st;
    /* Shat = U diag(f(lambda)) U^T */
    memset(xhat, 0, N * sizeof *xhat);
    for (size_t q = 0; q < d; q++) {
        double f = pl_aim_rie_shrink(&L, m->lam[q]);
        for (size_t i = 0; i < d; i++) {
            double ui = PL_AT(E, i, q) * f;
            if (ui == 0) continue;
            for (size_t j = 0; j < d; j++) xhat[i * d + j] += ui * PL_AT(E, j, q);
        }
    }
    for (size_t j = 0; j < N; j++) C[j] = mmse;
    return PL_OK;
}


static const pl_gamp_prior_type aim_prior_rie = {.name = "rie", .denoise_all = aim_denoise_all};

/* softmax: the posterior on h is h0 + c 1; c ~ N(c*, V/T^2) */
static pl_status softmax_gout(const void *c, size_t i, const double *w, const double *V,
                              double *logZ, double *g, double *dg)
{
    const aim_ctx *m = c;
    size_t k = m->k, T = m->D->T;
    double v = V[0], T2 = (double)(T * T), cs = 0;
    if (!(v > 0)) return PL_EINVAL;
    const double *h0 = m->h0 + i * k;
    for (size_t a = 0; a < k; a++) cs += m->tau[a] * (w[a] - m->tau[a] * h0[a]);
    cs /= T2;
    if (logZ) *logZ = NAN; /* degenerate (a delta on k - 1 directions): not used */
    for (size_t a = 0; a < k; a++) g[a] = (m->tau[a] * (h0[a] + cs) - w[a]) / v;
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b < k; b++)
            dg[a * k + b] = (m->tau[a] * m->tau[b] / T2 - (a == b)) / v;
    return PL_OK;
}

/* hardmax (T = 2): outputs (z11, z12, z22) = (h11, sqrt2 h12, h22), V_tau = 2 V_h */
static pl_status hardmax_gout(const void *c, size_t i, const double *w, const double *V,
                              double *logZ, double *g, double *dg)
{
    const aim_ctx *m = c;
    const double *y = m->D->y + i * 4;
    double wh[3] = {w[0], w[1] * M_SQRT1_2, w[2]}, gh[3], dgh[9], s[3] = {1, M_SQRT1_2, 1};
    pl_status st = pl_aim_hardmax_gout(wh, 0.5 * V[0], y[0] > 0.5 ? 1 : -1, y[3] > 0.5 ? 1 : -1,
                                       logZ, gh, dgh);
    if (st != PL_OK) return st;
    for (int a = 0; a < 3; a++) {
        g[a] = s[a] * gh[a];
        for (int b = 0; b < 3; b++) dg[3 * a + b] = s[a] * dgh[3 * a + b] * s[b];
    }
    return PL_OK;
}

static const pl_gamp_channel_type aim_softmax = {.name = "softmax", .gout = softmax_gout};
static const pl_gamp_channel_type aim_hardmax = {.name = "hardmax", .gout = hardmax_gout};

pl_aim_gamp_opts pl_aim_gamp_default_opts(void)
{
    pl_aim_gamp_opts o = {.damping = 0.2, .tol = 1e-5, .maxit = 200};
    return o;
}

pl_status pl_aim_gamp(const pl_aim_data *D, double rho, const pl_aim_gamp_opts *o, pl_mat Shat,
                      pl_aim_gamp_result *res)
{
    pl_aim_gamp_opts def = pl_aim_gamp_default_opts();
    if (!o) o = &def;
    memset(res, 0, sizeof *res);
    res->mse = res->chat = NAN;
    size_t d = D->d, T = D->T, n = D->n, k = T * (T + 1) / 2;
    if (Shat.rows != d || Shat.cols != d || Shat.stride != d || T > 64 ||
        (D->ch == PL_AIM_HARDMAX && T != 2) || !(rho > 0))
        return res->status = PL_EINVAL;
    aim_ctx m = {.D = D, .rho = rho, .k = k};
    m.pa = malloc(k * sizeof *m.pa);
    m.pb = malloc(k * sizeof *m.pb);
    m.tau = malloc(k * sizeof *m.tau);
    m.P = malloc(n * T * d * sizeof *m.P);
    m.Eig = malloc(d * d * sizeof *m.Eig);
    m.lam = malloc(d * sizeof *m.lam);
    m.h0 = D->ch == PL_AIM_SOFTMAX ? malloc(n * k * sizeof *m.h0) : NULL;
    double *C = malloc(d * d * sizeof *C);
    pl_status st = (m.pa && m.pb && m.tau && m.P && m.Eig && m.lam && C &&
                    (m.h0 || D->ch != PL_AIM_SOFTMAX))
                       ? PL_OK
                       : PL_ENOMEM;
    if (st == PL_OK) {
        size_t i = 0;
        for (size_t a = 0; a < T; a++)
            for (size_t b = a; b < T; b++, i++) {
                m.pa[i] = a;
                m.pb[i] = b;
                m.tau[i] = a == b ? 1.0 : M_SQRT2;
            }
        if (m.h0) /* h0_ab = log(y_ab/y_aL) + log(y_La/y_LL) = h_ab - h_LL */
            for (size_t mu = 0; mu < n; mu++) {
                const double *y = D->y + mu * T * T;
                size_t L = T - 1;
                for (size_t q = 0; q < k; q++) {
                    size_t a = m.pa[q], b = m.pb[q];
                    m.h0[mu * k + q] =
                        log(y[a * T + b] / y[a * T + L]) + log(y[L * T + a] / y[L * T + L]);
                }
            }
        /* uninformed start: the prior mean sqrt(rho) I, Chat = Q0 - rho = 1 */
        pl_mat_set_zero(Shat);
        for (size_t j = 0; j < d; j++) PL_AT(Shat, j, j) = sqrt(rho);
        for (size_t j = 0; j < d * d; j++) C[j] = 1.0;
        pl_gamp_problem P = {.n = n, .k = k, .N = d * d, .p = 1, .forward = aim_forward,
                             .adjoint = aim_adjoint, .var_out = aim_var_out,
                             .var_in = aim_var_in, .ctx = &m};
        pl_gamp_channel ch = {.type = D->ch == PL_AIM_SOFTMAX ? &aim_softmax : &aim_hardmax,
                              .ctx = &m, .k = k};
        pl_gamp_prior pr = {.type = &aim_prior_rie, .ctx = &m};
        pl_gamp_opts go = pl_gamp_default_opts();
        go.damping = o->damping;
        go.maxit = o->maxit;
        go.tol = sqrt(o->tol / (double)d); /* ||dS||_F^2/d < tol */
        go.blowup = 1e6;
        pl_gamp_result gr;
        st = pl_gamp_run(&P, &ch, &pr, &go, Shat.data, C, &gr);
        res->status = gr.status;
        res->iterations = gr.iterations;
        memcpy(res->message, gr.message, sizeof res->message);
        res->chat = C[0];
        res->mse = pl_aim_mse(Shat, D->S);
    } else {
        res->status = st;
    }
    free(m.pa);
    free(m.pb);
    free(m.tau);
    free(m.P);
    free(m.Eig);
    free(m.lam);
    free(m.h0);
    free(C);
    return st == PL_ENOMEM || st == PL_EINVAL ? st : PL_OK;
}
