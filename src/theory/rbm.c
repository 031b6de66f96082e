/* Family 3 theory: weak-recovery thresholds (BBP), the PCA overlap, the state evolution of the
 * k = 1 AMP, and the discrete-time DMFT of k = 1 gradient descent. Derivations: docs/rbm.md. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "phaselab/quad.h"
#include "phaselab/rbm.h"
#include "phaselab/roots.h"
#include "phaselab/spiked.h"

double pl_rbm_alpha_c(double beta)
{
    return beta > 0 ? 1 / (beta * beta) : INFINITY;
}

double pl_rbm_alpha_c_k(size_t k, const double *beta, double *alpha_c)
{
    double worst = 0;
    for (size_t j = 0; j < k; j++) {
        double a = pl_rbm_alpha_c(beta[j]);
        if (alpha_c) alpha_c[j] = a;
        if (a > worst) worst = a;
    }
    return worst;
}

double pl_rbm_pca_m2(double alpha, double beta)
{
    return pl_bbp_cov(beta, alpha).overlap2;
}

/* ---------------- state evolution ---------------- */

pl_rbm_se_opts pl_rbm_se_default_opts(void)
{
    return (pl_rbm_se_opts){.m0 = 1.0, .q0 = 2.0, .s0 = 0.5, .damping = 0.3, .tol = 1e-12,
                            .maxit = 20000, .quad_tol = 1e-12, .maxint = 400};
}

typedef struct {
    double alpha, beta, tol;
    size_t maxint;
} se_ctx;

/* Integrands of the output-side averages at z: phi(z) times g, g^2, dg/domega, (dg/domega)^2
 * with lam = prox_s(sqrt(beta) m + sqrt(q) z), g = tanh lam, dg/domega = c/(1 - s c),
 * c = sech^2 lam. */
typedef struct {
    double mean, sd, s;
    int which;
} se_int;

static double se_integrand(double z, void *ctx)
{
    const se_int *c = ctx;
    double th = tanh(pl_rbm_prox(c->mean + c->sd * z, c->s)), ch = 1 - th * th;
    double dg = ch / (1 - c->s * ch), f;
    switch (c->which) {
    case 0: f = th; break;
    case 1: f = th * th; break;
    case 2: f = dg; break;
    default: f = dg * dg; break;
    }
    return f * exp(-0.5 * z * z) * 0.39894228040143267794; /* 1/sqrt(2 pi) */
}

/* The Gaussian averages E g, E g^2, E dg, E dg^2 at (m, q, s). The prox has complex
 * singularities close to the real axis (slope up to 1/(1-s) at omega = 0), where Gauss-Hermite
 * rules converge slowly (80 nodes: 2e-2 relative error in E dg at alpha = 3); adaptive
 * Gauss-Kronrod on the real line is used instead. */
static pl_status se_out(const se_ctx *c, double m, double q, double s, double out[4])
{
    se_int in = {.mean = sqrt(c->beta) * m, .sd = sqrt(q), .s = s};
    for (int k = 0; k < 4; k++) {
        double err;
        in.which = k;
        pl_status st = pl_integrate_inf(se_integrand, &in, c->tol, c->tol, c->maxint, &out[k],
                                        &err);
        if (st != PL_OK) return st;
    }
    return PL_OK;
}

static pl_status se_map(const double *x, double *fx, size_t n, void *ctx)
{
    (void)n;
    const se_ctx *c = ctx;
    double m = x[0], q = x[1], s = x[2], o[4];
    if (!(q > 0) || !(s > 0 && s < 1)) return PL_EDIVERGED; /* prox ill-posed for s >= 1 */
    pl_status st = se_out(c, m, q, s, o);
    if (st != PL_OK) return st;
    double a = -c->alpha * o[2], den = c->alpha + a;
    if (!(den > 0)) return PL_EDIVERGED;
    double mh = c->alpha * sqrt(c->beta) * o[0], qh = c->alpha * o[1];
    fx[0] = mh / den;
    fx[1] = (mh * mh + qh) / (den * den);
    fx[2] = 1 / den;
    return PL_OK;
}

pl_status pl_rbm_se(double alpha, double beta, const pl_rbm_se_opts *opts,
                    pl_rbm_se_result *out)
{
    pl_rbm_se_opts o = opts ? *opts : pl_rbm_se_default_opts();
    if (!out || !(alpha > 0) || !(beta >= 0) || !isfinite(alpha) || !isfinite(beta) ||
        o.maxint < 1 || !(o.quad_tol > 0) || !(o.q0 > 0) || !(o.s0 > 0 && o.s0 < 1))
        return PL_EINVAL;
    se_ctx c = {.alpha = alpha, .beta = beta, .tol = o.quad_tol, .maxint = o.maxint};
    double u[3] = {o.m0, o.q0, o.s0};
    pl_fp_opts fo = pl_fp_default_opts();
    fo.damping = o.damping;
    fo.tol = o.tol;
    fo.maxit = o.maxit;
    pl_fp_result fr = pl_fixed_point(se_map, &c, u, 3, &fo);
    double oo[4] = {NAN, NAN, NAN, NAN};
    if (u[1] > 0 && u[2] > 0 && u[2] < 1 && se_out(&c, u[0], u[1], u[2], oo) != PL_OK)
        oo[2] = oo[3] = NAN;
    *out = (pl_rbm_se_result){.m = u[0], .q = u[1], .s = u[2], .a = -alpha * oo[2],
                              .m2 = u[0] * u[0] / u[1], .norm2 = u[1],
                              .stab = alpha * u[2] * u[2] * oo[3],
                              .iterations = fr.iterations};
    return fr.status;
}

/* ---------------- DMFT of gradient descent ---------------- */

/* Discrete-time DMFT (docs/rbm.md, "DMFT"). d side (exact, linear): w_t = e_t z + c_t u~ +
 * sum_{s<t} H(t,s) phi_s with
 *   x_{t+1} = (1-lr) x_t + (lr/alpha) sum_{t'<=t} Rg(t,t') x_{t'} + forcing,
 * forcing lr sqrt(beta) E[g_t] for c, (lr/alpha) delta_{st} for H(., s); phi Gaussian with
 * covariance Cg. n side (Monte Carlo): r_t = theta_t + sum_{t'<t} H(t,t') g_{t'} + sqrt(beta)
 * c_t, g = tanh r, theta Gaussian with covariance Cw(t,t') = <w_t, w_t'>; Cg = alpha E[g g],
 * Rg(t,t') = alpha E[d g_t / d theta_t']. */
typedef struct {
    size_t T, N;
    double *Cw, *Cg, *Rg, *H, *L, *K, *e, *c, *mu, *xi, *g, *D;
} dmft_ws;

#define IX(t, s) ((t) * (T + 1) + (s))
#define TRI(t, s) ((t) * ((t) + 1) / 2 + (s))

static void dmft_free(dmft_ws *ws)
{
    double **p[] = {&ws->Cw, &ws->Cg, &ws->Rg, &ws->H, &ws->L, &ws->K, &ws->e,
                    &ws->c,  &ws->mu, &ws->xi, &ws->g, &ws->D};
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++) {
        free(*p[i]);
        *p[i] = NULL;
    }
}

static pl_status dmft_alloc(dmft_ws *ws, size_t T, size_t N)
{
    size_t T1 = T + 1, sq = T1 * T1, tri = T1 * (T1 + 1) / 2;
    *ws = (dmft_ws){.T = T, .N = N};
    ws->Cw = calloc(sq, sizeof(double));
    ws->Cg = calloc(sq, sizeof(double));
    ws->Rg = calloc(sq, sizeof(double));
    ws->H = calloc(sq, sizeof(double));
    ws->L = calloc(sq, sizeof(double));
    ws->K = calloc(sq, sizeof(double));
    ws->e = calloc(T1, sizeof(double));
    ws->c = calloc(T1, sizeof(double));
    ws->mu = calloc(T1, sizeof(double));
    ws->xi = malloc(N * T1 * sizeof(double));
    ws->g = malloc(N * T1 * sizeof(double));
    ws->D = (tri <= SIZE_MAX / sizeof(double) / N) ? malloc(N * tri * sizeof(double)) : NULL;
    if (!ws->Cw || !ws->Cg || !ws->Rg || !ws->H || !ws->L || !ws->K || !ws->e || !ws->c ||
        !ws->mu || !ws->xi || !ws->g || !ws->D) {
        dmft_free(ws);
        return PL_ENOMEM;
    }
    return PL_OK;
}

/* Cw(t, 0..t) from the d-side coefficients, and row t of its Cholesky factor. */
static void dmft_cov_row(dmft_ws *ws, size_t t)
{
    size_t T = ws->T;
    /* K(t, s') = sum_s H(t,s) Cg(s,s') for s' < t */
    for (size_t sp = 0; sp < t; sp++) {
        double acc = 0;
        for (size_t s = 0; s < t; s++) acc += ws->H[IX(t, s)] * ws->Cg[IX(s, sp)];
        ws->K[IX(t, sp)] = acc;
    }
    for (size_t tp = 0; tp <= t; tp++) {
        double acc = ws->e[t] * ws->e[tp] + ws->c[t] * ws->c[tp];
        for (size_t sp = 0; sp < tp; sp++) acc += ws->K[IX(t, sp)] * ws->H[IX(tp, sp)];
        ws->Cw[IX(t, tp)] = ws->Cw[IX(tp, t)] = acc;
    }
    double rest = ws->Cw[IX(t, t)];
    for (size_t j = 0; j < t; j++) {
        double ljj = ws->L[IX(j, j)], v = 0;
        if (ljj > 0) {
            v = ws->Cw[IX(t, j)];
            for (size_t k = 0; k < j; k++) v -= ws->L[IX(t, k)] * ws->L[IX(j, k)];
            v /= ljj;
        }
        ws->L[IX(t, j)] = v;
        rest -= v * v;
    }
    /* a direction of relative size below 1e-7 is numerically degenerate: drop it */
    ws->L[IX(t, t)] = rest > 1e-14 * ws->Cw[IX(t, t)] ? sqrt(rest) : 0;
}

/* The n-side effective process at time t for every path; returns E log cosh r_t. */
static double dmft_paths(dmft_ws *ws, size_t t, double alpha, double beta)
{
    size_t T = ws->T, N = ws->N, tri = (T + 1) * (T + 2) / 2;
    double shift = sqrt(beta) * ws->c[t], lc = 0, mu = 0;
    const double *Lt = ws->L + IX(t, 0), *Ht = ws->H + IX(t, 0);
    for (size_t p = 0; p < N; p++) {
        const double *xi = ws->xi + p * (T + 1);
        double *g = ws->g + p * (T + 1), *D = ws->D + p * tri;
        double r = shift;
        for (size_t j = 0; j <= t; j++) r += Lt[j] * xi[j];
        for (size_t s = 0; s < t; s++) r += Ht[s] * g[s];
        double th = tanh(r), sech2 = 1 - th * th, a = fabs(r);
        g[t] = th;
        mu += th;
        lc += a + log1p(exp(-2 * a)) - 0.69314718055994530942;
        /* D(t,t') = sech2 (delta + sum_{t'<=t''<t} H(t,t'') D(t'',t')) */
        for (size_t tp = 0; tp < t; tp++) {
            double acc = 0;
            for (size_t s = tp; s < t; s++) acc += Ht[s] * D[TRI(s, tp)];
            D[TRI(t, tp)] = sech2 * acc;
        }
        D[TRI(t, t)] = sech2;
        for (size_t tp = 0; tp <= t; tp++) {
            ws->Cg[IX(t, tp)] += g[t] * g[tp];
            ws->Rg[IX(t, tp)] += D[TRI(t, tp)];
        }
    }
    double f = alpha / (double)N;
    for (size_t tp = 0; tp <= t; tp++) {
        ws->Cg[IX(t, tp)] *= f;
        ws->Cg[IX(tp, t)] = ws->Cg[IX(t, tp)];
        ws->Rg[IX(t, tp)] *= f;
    }
    ws->mu[t] = mu / (double)N;
    return lc / (double)N;
}

/* d side: coefficients of w_{t+1}. */
static void dmft_step(dmft_ws *ws, size_t t, double alpha, double beta, double lr)
{
    size_t T = ws->T;
    const double *Rt = ws->Rg + IX(t, 0);
    double k = lr / alpha, acc = 0;
    for (size_t s = 0; s <= t; s++) acc += Rt[s] * ws->e[s];
    ws->e[t + 1] = (1 - lr) * ws->e[t] + k * acc;
    acc = 0;
    for (size_t s = 0; s <= t; s++) acc += Rt[s] * ws->c[s];
    ws->c[t + 1] = (1 - lr) * ws->c[t] + k * acc + lr * sqrt(beta) * ws->mu[t];
    for (size_t s = 0; s <= t; s++) {
        acc = 0;
        for (size_t tp = s + 1; tp <= t; tp++) acc += Rt[tp] * ws->H[IX(tp, s)];
        ws->H[IX(t + 1, s)] = (1 - lr) * ws->H[IX(t, s)] + k * acc + (s == t ? k : 0);
    }
}

pl_status pl_rbm_dmft(double alpha, double beta, const pl_rbm_dmft_opts *o, pl_rng *rng,
                      double *m, double *norm2, double *m2, double *loss)
{
    if (!o || !rng || !m || !norm2 || !m2 || !(alpha > 0) || !(beta >= 0) || !(o->lr > 0) ||
        !(o->init > 0) || !(o->rho0 >= 0 && o->rho0 <= 1) || o->nmc < 2 || o->steps == 0 ||
        !isfinite(alpha) || !isfinite(beta) || !isfinite(o->lr) || !isfinite(o->init))
        return PL_EINVAL;
    dmft_ws ws;
    size_t T = o->steps;
    pl_status st = dmft_alloc(&ws, T, o->nmc);
    if (st != PL_OK) return st;
    /* antithetic pairs (xi, -xi): the part of E g_t linear in theta, whose Monte Carlo noise
     * would otherwise swamp the small drive sqrt(beta) c_t of the overlap while |w| is small,
     * cancels exactly */
    size_t half = (o->nmc + 1) / 2;
    pl_rng_normal_fill(rng, ws.xi, half * (T + 1), 1.0);
    for (size_t i = half * (T + 1); i < o->nmc * (T + 1); i++)
        ws.xi[i] = -ws.xi[i - half * (T + 1)];
    ws.e[0] = o->init * sqrt(1 - o->rho0 * o->rho0);
    ws.c[0] = o->init * o->rho0;
    for (size_t t = 0; t <= T; t++) {
        dmft_cov_row(&ws, t);
        double lc = dmft_paths(&ws, t, alpha, beta);
        double q = ws.Cw[IX(t, t)];
        m[t] = ws.c[t];
        norm2[t] = q;
        m2[t] = ws.c[t] * ws.c[t] / q;
        if (loss) loss[t] = -lc + 0.5 * q;
        if (!isfinite(q) || !isfinite(lc)) {
            st = PL_ENAN;
            break;
        }
        if (t < T) dmft_step(&ws, t, alpha, beta, o->lr);
    }
    dmft_free(&ws);
    return st;
}
