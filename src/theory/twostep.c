/* Family 6 theory: the outlier count floor(alpha2/(1/2 - alpha1)), the log-log exponents, a
 * leading-order spike theory at finite N, and the alignment conditions. The derivations are in
 * docs/two-step-gd.md. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/mat.h"
#include "phaselab/quad.h"
#include "phaselab/special.h"
#include "phaselab/twostep.h"

/* ---- exponents and counts --------------------------------------------------------------- */

double pl_ts_ratio(double alpha1, double alpha2) { return alpha2 / (0.5 - alpha1); }

int pl_ts_kmax(double alpha1, double alpha2)
{
    double r = pl_ts_ratio(alpha1, alpha2);
    if (!isfinite(r) || r < 0) return -1;
    /* 0.1/(0.5-0.49) = 9.99999999999999... in floating point: a relative tolerance far above
     * the rounding error of the two operations and far below any ratio one would set. */
    return (int)floor(r + 1e-9 * fmax(1.0, r));
}

double pl_ts_exponent(double alpha1, double alpha2, int k)
{
    if (k <= 0) return fmax(alpha1, alpha2);
    return alpha2 - (double)k * (0.5 - alpha1);
}

int pl_ts_count_new(double alpha1, double alpha2, const pl_ts_act *act)
{
    if (!(alpha1 >= 0 && alpha1 < 0.5 && alpha2 >= 0 && alpha2 < 0.5)) return -1;
    int K = pl_ts_kmax(alpha1, alpha2);
    if (K < 0) return -1;
    if (act->hermite_zero(1)) return 0;
    int n = 0;
    for (int k = 1; k <= K; k++) n += !act->hermite_zero((size_t)k + 1);
    return n;
}

int pl_ts_nth_term(double alpha1, double alpha2, const pl_ts_act *act, int j)
{
    if (j == 0) return 0;
    int K = pl_ts_kmax(alpha1, alpha2), seen = 0;
    if (act->hermite_zero(1)) return -1;
    for (int k = 1; k <= K; k++)
        if (!act->hermite_zero((size_t)k + 1) && ++seen == j) return k;
    return -1;
}

/* ---- rank-one BBP law for W_0 + theta l r^T ------------------------------------------- */

double pl_ts_mp_edge(size_t N, size_t d) { return 1 + sqrt((double)N / (double)d); }

double pl_ts_bbp_sv(double theta, double c)
{
    theta = fabs(theta);
    if (!(theta > pow(c, 0.25))) return 1 + sqrt(c);
    double t2 = theta * theta;
    return sqrt((1 + t2) * (c + t2)) / theta;
}

double pl_ts_bbp_right2(double theta, double c)
{
    theta = fabs(theta);
    if (!(theta > pow(c, 0.25))) return 0;
    double t2 = theta * theta;
    return 1 - (c + t2) / (t2 * (t2 + 1));
}

double pl_ts_bbp_left2(double theta, double c)
{
    theta = fabs(theta);
    if (!(theta > pow(c, 0.25))) return 0;
    double t2 = theta * theta;
    return 1 - c * (1 + t2) / (t2 * (t2 + c));
}

double pl_ts_bbp_theta(double s, double c)
{
    /* s^2 t = (1 + t)(c + t), t = theta^2: t^2 + (1 + c - s^2) t + c = 0, larger root */
    if (!(s > 1 + sqrt(c))) return NAN;
    double b = 1 + c - s * s, disc = b * b - 4 * c;
    if (disc < 0) disc = 0;
    return sqrt((-b + sqrt(disc)) / 2);
}

/* ---- population moments by tensor Gauss–Hermite ----------------------------------------- */

/* Coordinates of one quadrature node: z[0..r-1] (teacher projections), g (the direction of the
 * step-1 noise), eps (label noise). */
typedef struct {
    const pl_ts_config *c;
    size_t r, D, nq;
    int has_noise;
    const double *x, *w;
} quad_ctx;

typedef void (*node_fn)(const double *z, double g, double eps, double wt, void *acc);

static void tensor_loop(const quad_ctx *q, node_fn fn, void *acc)
{
    size_t idx[8] = {0}, D = q->D;
    for (;;) {
        double z[PL_TS_MAXTERMS] = {0}, g = 0, eps = 0, wt = 1;
        for (size_t j = 0; j < q->r; j++) {
            z[j] = q->x[idx[j]];
            wt *= q->w[idx[j]];
        }
        g = q->x[idx[q->r]];
        wt *= q->w[idx[q->r]];
        if (q->has_noise) {
            eps = q->x[idx[q->r + 1]];
            wt *= q->w[idx[q->r + 1]];
        }
        fn(z, g, eps, wt, acc);
        size_t p = 0;
        while (p < D && ++idx[p] == q->nq) idx[p++] = 0;
        if (p == D) break;
    }
}

typedef struct {
    const pl_ts_config *c;
    size_t r;
    double cz[PL_TS_MAXTERMS], ey2;
} first_acc;

static void first_node(const double *z, double g, double eps, double wt, void *vacc)
{
    (void)g;
    first_acc *a = vacc;
    double fs = pl_ts_target_eval(&a->c->target, z), y = fs + a->c->noise * eps;
    for (size_t j = 0; j < a->r; j++) a->cz[j] += wt * fs * z[j];
    a->ey2 += wt * y * y;
}

#define NV (PL_TS_KTH + 2) /* u, v_0 .. v_K */
typedef struct {
    const pl_ts_config *c;
    size_t r, K, nv;
    int reuse;
    double cz[PL_TS_MAXTERMS], s, psi, kappa, kappa2, mu1;
    double P[PL_TS_KTH + 1][PL_TS_KTH + 1]; /* P[k][j]: coefficient of t^{k-j} (y/psi)^j */
    double M[NV][NV], Ez[NV][PL_TS_MAXTERMS], Eg[NV];
} mom_acc;

static void mom_node(const double *z, double g, double eps, double wt, void *vacc)
{
    mom_acc *a = vacc;
    double y = pl_ts_target_eval(&a->c->target, z) + a->c->noise * eps;
    double t = a->s * g;
    for (size_t j = 0; j < a->r; j++) t += a->cz[j] * z[j];
    double yp = y / a->psi;
    if (a->reuse) t += yp;
    double r = y - a->kappa * t - a->kappa2 * y;
    double h[NV];
    h[0] = y; /* u: the step-1 residual */
    h[1] = r; /* v_0 */
    double tp[PL_TS_KTH + 1], yq[PL_TS_KTH + 1];
    tp[0] = yq[0] = 1;
    for (size_t k = 1; k <= a->K; k++) {
        tp[k] = tp[k - 1] * t;
        yq[k] = yq[k - 1] * yp;
    }
    for (size_t k = 1; k <= a->K; k++) {
        double pk = 0;
        for (size_t j = 0; j <= k; j++) pk += a->P[k][j] * tp[k - j] * yq[j];
        h[k + 1] = r * pk;
    }
    for (size_t i = 0; i < a->nv; i++) {
        double hi = wt * h[i];
        for (size_t l = i; l < a->nv; l++) a->M[i][l] += hi * h[l];
        for (size_t j = 0; j < a->r; j++) a->Ez[i][j] += hi * z[j];
        a->Eg[i] += hi * g;
    }
}

static double binom(size_t k, size_t j)
{
    double b = 1;
    for (size_t i = 1; i <= j; i++) b = b * (double)(k - j + i) / (double)i;
    return b;
}

/* E_z[sigma^{(k+1)}(z) (sigma'(z) - mu1)^j] by 1-D Gauss–Hermite (smooth activations) on the
 * caller's nodes x[nq], w[nq]. */
static pl_status self_coeff(const pl_ts_act *act, size_t k, size_t j, double mu1,
                            const double *mu, const double *x, const double *w, size_t nq,
                            double *out)
{
    if (j == 0) {
        *out = mu[k + 1];
        return PL_OK;
    }
    if (!act->smooth) return PL_EUNSUPPORTED;
    double s = 0;
    for (size_t i = 0; i < nq; i++)
        s += w[i] * act->deriv((unsigned)(k + 1), x[i]) * pow(act->df(x[i]) - mu1, (double)j);
    *out = s;
    return isfinite(s) ? PL_OK : PL_ENAN;
}

typedef struct {
    size_t nv, r;
    double G[NV][NV];          /* Gram of u, v_0..v_K */
    double Ez[NV][PL_TS_MAXTERMS];
    double mu[PL_TS_KTH + 3];
    double unorm, kappa, kappa2;
} moments;

/* Population Gram matrix of the vectors u, v_0, ..., v_K of the K Taylor terms in the
 * N -> infinity limit (used by the alignment conditions). */
static pl_status compute_moments(const pl_ts_config *c, size_t K, moments *m)
{
    memset(m, 0, sizeof *m);
    size_t r = c->target.r, L = K + 2;
    pl_status st = c->act->hermite(L, m->mu);
    if (st != PL_OK) return st;
    quad_ctx q = {.c = c, .r = r, .has_noise = c->noise > 0};
    q.D = r + 1 + (size_t)q.has_noise;
    static const size_t nodes[] = {0, 96, 64, 40, 24, 16, 12};
    if (q.D > 6) return PL_EUNSUPPORTED;
    q.nq = nodes[q.D];
    double x[96], w[96];
    st = pl_gauss_hermite(q.nq, x, w);
    if (st != PL_OK) return st;
    q.x = x;
    q.w = w;
    first_acc fa = {.c = c, .r = r};
    tensor_loop(&q, first_node, &fa);
    mom_acc *a = calloc(1, sizeof *a);
    if (!a) return PL_ENOMEM;
    a->c = c;
    a->r = r;
    a->K = K;
    a->nv = K + 2;
    a->reuse = c->reuse;
    a->psi = (double)c->n / (double)c->d;
    a->s = sqrt(fa.ey2 / a->psi);
    a->mu1 = m->mu[1];
    memcpy(a->cz, fa.cz, sizeof fa.cz);
    /* the N -> infinity limit: the step-1 output (kappa = eta1 mu1^2/sqrt N) drops out */
    a->kappa = a->kappa2 = 0;
    double xs[120], ws[120];
    st = pl_gauss_hermite(120, xs, ws);
    for (size_t k = 1; k <= K && st == PL_OK; k++) {
        double fk = 1;
        for (size_t i = 2; i <= k; i++) fk *= (double)i;
        for (size_t j = 0; j <= (c->reuse ? k : 0) && st == PL_OK; j++) {
            double e = 0;
            st = self_coeff(c->act, k, j, a->mu1, m->mu, xs, ws, 120, &e);
            a->P[k][j] = binom(k, j) * pow(a->mu1, (double)(k - j)) * e / fk;
        }
    }
    if (st != PL_OK) {
        free(a);
        return st;
    }
    tensor_loop(&q, mom_node, a);
    size_t nv = a->nv;
    for (size_t i = 0; i < nv; i++)
        for (size_t l = 0; l < i; l++) a->M[i][l] = a->M[l][i];
    /* Gram: means along beta_j and along the step-1 noise direction, plus the noise part
     * (d/n) E[h_i h_l]; see the docs for the fresh / reused cross terms. */
    for (size_t i = 0; i < nv; i++)
        for (size_t l = 0; l < nv; l++) {
            double gz = 0;
            for (size_t j = 0; j < r; j++) gz += a->Ez[i][j] * a->Ez[l][j];
            double G = gz + a->Eg[i] * a->Eg[l] + a->M[i][l] / a->psi;
            if (c->reuse && a->s > 0)
                G += (a->Eg[i] * a->M[l][0] + a->Eg[l] * a->M[i][0]) / (a->psi * a->s);
            m->G[i][l] = G;
        }
    if (!c->reuse) {
        /* u comes from batch 1: its noise is independent of the batch-2 vectors */
        for (size_t l = 1; l < nv; l++) {
            double G = a->s * a->Eg[l];
            for (size_t j = 0; j < r; j++) G += a->cz[j] * a->Ez[l][j];
            m->G[0][l] = m->G[l][0] = G;
        }
    }
    for (size_t i = 0; i < nv; i++)
        for (size_t j = 0; j < r; j++) m->Ez[i][j] = a->Ez[i][j];
    m->nv = nv;
    m->r = r;
    m->kappa = a->kappa;
    m->kappa2 = a->kappa2;
    m->unorm = sqrt(m->G[0][0]);
    free(a);
    for (size_t i = 0; i < nv; i++)
        for (size_t l = 0; l < nv; l++)
            if (!isfinite(m->G[i][l])) return PL_ENAN;
    return PL_OK;
}

/* ---- the finite-N spike theory: kernel form ------------------------------------------- */

/* Pre-activation of neuron i on a sample at step 2 (a_i = g/sqrt N, e1 = eta1/sqrt N):
 *     z + e1 g (mu1 t + [reused] (y/psi)(sigma'(z) - mu1)) + e1 g rho1 xi,
 * z = <w_i^0, x>, t = <u, x>, xi ~ N(0,1) (the rest of the step-1 noise of neuron i seen by
 * x, of norm rho1). F = E_{z,xi} sigma'(...) and G = E_{z,xi} sigma(...). */
enum { NI = 48, NJ = 12, NL = 16 };
typedef struct {
    const pl_ts_act *act;
    double xi[NI], wi[NI];      /* Gauss–Hermite, fresh inner integral */
    double xj[NJ], wj[NJ];      /* Gauss–Hermite, xi-smoothing in the reused case */
    double xl[2 * NL], wl[2 * NL]; /* Gauss–Legendre on [-9,0] and [0,9] times phi(z) */
    int kind;                   /* 0 generic, 1 exp, 2 relu */
} inner_rule;

static double norm_pdf(double x) { return 0.3989422804014327 * exp(-0.5 * x * x); }

static pl_status inner_init(inner_rule *r, const pl_ts_act *act)
{
    r->act = act;
    r->kind = act == &pl_ts_act_exp ? 1 : act == &pl_ts_act_relu ? 2 : 0;
    pl_status st = pl_gauss_hermite(NI, r->xi, r->wi);
    if (st == PL_OK) st = pl_gauss_hermite(NJ, r->xj, r->wj);
    if (st == PL_OK) st = pl_gauss_legendre(NL, -9, 0, r->xl, r->wl);
    if (st == PL_OK) st = pl_gauss_legendre(NL, 0, 9, r->xl + NL, r->wl + NL);
    for (size_t i = 0; i < 2 * NL; i++) r->wl[i] *= norm_pdf(r->xl[i]);
    return st;
}

/* E_xi sigma'(x + tau xi) and E_xi sigma(x + tau xi) */
static void smooth_at(const inner_rule *r, double x, double tau, double *F, double *G)
{
    if (r->kind == 1) {
        double e = exp(0.5 * x + 0.125 * tau * tau);
        *F = 0.5 * e;
        *G = e;
    } else if (r->kind == 2) {
        if (tau > 0) {
            *F = pl_norm_cdf(x / tau);
            *G = x * pl_norm_cdf(x / tau) + tau * norm_pdf(x / tau);
        } else {
            *F = x > 0;
            *G = x > 0 ? x : 0;
        }
    } else if (tau == 0) {
        *F = r->act->df(x);
        *G = r->act->f(x);
    } else {
        double f = 0, g = 0;
        for (size_t j = 0; j < NJ; j++) {
            f += r->wj[j] * r->act->df(x + tau * r->xj[j]);
            g += r->wj[j] * r->act->f(x + tau * r->xj[j]);
        }
        *F = f;
        *G = g;
    }
}

/* fresh: E_{z,xi} over sigma'(z + delta + tau xi) = E sigma'(s z + delta), s^2 = 1 + tau^2 */
static void fresh_FG(const inner_rule *r, double delta, double tau, double *F, double *G)
{
    double s = sqrt(1 + tau * tau);
    if (r->kind == 1 || r->kind == 2) {
        smooth_at(r, delta, s, F, G);
        return;
    }
    double f = 0, g = 0;
    for (size_t i = 0; i < NI; i++) {
        double x = s * r->xi[i] + delta;
        f += r->wi[i] * r->act->df(x);
        g += r->wi[i] * r->act->f(x);
    }
    *F = f;
    *G = g;
}

/* reused: E_z [smooth_tau(z + e (A + B (sigma'(z) - mu1)))] on the two half-lines (sigma'
 * may jump at 0) */
static void reused_FG(const inner_rule *r, double e, double A, double B, double mu1, double tau,
                      double *F, double *G)
{
    double f = 0, g = 0;
    for (size_t i = 0; i < 2 * NL; i++) {
        double z = r->xl[i], sh = e * (A + B * (r->act->df(z) - mu1)), fi, gi;
        smooth_at(r, z + sh, tau, &fi, &gi);
        f += r->wl[i] * fi;
        g += r->wl[i] * gi;
    }
    *F = f;
    *G = g;
}

#define NQMAX 40
typedef struct {
    const pl_ts_config *c;
    const inner_rule *ir;
    size_t r, nqa;
    int reuse;
    double ga[NQMAX], wa[NQMAX];   /* the a-law: a = g / sqrt N */
    double cz[PL_TS_MAXTERMS], s, psi, e1, mu1, rho1;
    /* accumulators over the data quadrature */
    double K[NQMAX][NQMAX];        /* E[r^2 F_q F_q'] */
    double Ez[NQMAX][PL_TS_MAXTERMS], Eg[NQMAX], Eyr[NQMAX], Ert[NQMAX];
    double er2;                    /* E[r^2] */
} ker_acc;

static void ker_node(const double *z, double g, double eps, double wt, void *vacc)
{
    ker_acc *a = vacc;
    double y = pl_ts_target_eval(&a->c->target, z) + a->c->noise * eps;
    double t = a->s * g;
    for (size_t j = 0; j < a->r; j++) t += a->cz[j] * z[j];
    if (a->reuse) t += y / a->psi;
    double F[NQMAX], G[NQMAX];
    for (size_t q = 0; q < a->nqa; q++) {
        double gq = a->ga[q], tau = a->e1 * fabs(gq) * a->rho1;
        if (a->reuse)
            reused_FG(a->ir, a->e1 * gq, a->mu1 * t, y / a->psi, a->mu1, tau, &F[q], &G[q]);
        else
            fresh_FG(a->ir, a->e1 * gq * a->mu1 * t, tau, &F[q], &G[q]);
    }
    /* the network output after step 1: (1/sqrt N) sum_i a_i sigma(...) -> E_g[g G_g] */
    double f1 = 0;
    for (size_t q = 0; q < a->nqa; q++) f1 += a->wa[q] * a->ga[q] * G[q];
    double r = y - f1;
    a->er2 += wt * r * r;
    for (size_t q = 0; q < a->nqa; q++) {
        double h = wt * r * F[q];
        for (size_t p = q; p < a->nqa; p++) a->K[q][p] += h * r * F[p];
        for (size_t j = 0; j < a->r; j++) a->Ez[q][j] += h * z[j];
        a->Eg[q] += h * g;
        a->Eyr[q] += h * y;
        a->Ert[q] += h * t;
    }
}

pl_status pl_ts_theory_spikes(const pl_ts_config *c, pl_ts_spikes *out)
{
    memset(out, 0, sizeof *out);
    size_t r = c->target.r;
    double mu[3], N = (double)c->N, cr = (double)c->N / (double)c->d;
    pl_status st = c->act->hermite(2, mu);
    if (st != PL_OK) return st;
    quad_ctx q = {.c = c, .r = r, .has_noise = c->noise > 0};
    q.D = r + 1 + (size_t)q.has_noise;
    static const size_t nodes[] = {0, 64, 40, 24, 14, 10, 8};
    if (q.D > 6) return PL_EUNSUPPORTED;
    q.nq = nodes[q.D];
    if (c->reuse && q.nq > 32) q.nq = 32;
    double x[64], w[64];
    st = pl_gauss_hermite(q.nq, x, w);
    if (st != PL_OK) return st;
    q.x = x;
    q.w = w;
    first_acc fa = {.c = c, .r = r};
    tensor_loop(&q, first_node, &fa);
    ker_acc *a = calloc(1, sizeof *a);
    inner_rule *ir = calloc(1, sizeof *ir);
    if (!a || !ir) {
        free(a);
        free(ir);
        return PL_ENOMEM;
    }
    st = inner_init(ir, c->act);
    a->c = c;
    a->ir = ir;
    a->r = r;
    a->reuse = c->reuse;
    a->psi = (double)c->n / (double)c->d;
    a->s = sqrt(fa.ey2 / a->psi);
    a->mu1 = mu[1];
    a->e1 = pl_ts_eta(c, 1) / sqrt(N);
    memcpy(a->cz, fa.cz, sizeof fa.cz);
    /* rho1^2 = (d/n) E[y^2] Var sigma'(z): the step-1 noise of one neuron */
    double var = 0;
    for (size_t i = 0; i < NI && st == PL_OK; i++) {
        double dd = c->act->df(ir->xi[i]) - mu[1];
        var += ir->wi[i] * dd * dd;
    }
    a->rho1 = sqrt(fa.ey2 * var / a->psi);
    if (c->ainit == PL_TS_A_RADEMACHER) {
        a->nqa = 2;
        a->ga[0] = -1;
        a->ga[1] = 1;
        a->wa[0] = a->wa[1] = 0.5;
    } else {
        a->nqa = q.D >= 3 ? 24 : NQMAX;
        if (st == PL_OK) st = pl_gauss_hermite(a->nqa, a->ga, a->wa);
    }
    if (st == PL_OK) tensor_loop(&q, ker_node, a);
    size_t nq = a->nqa;
    for (size_t i = 0; i < nq; i++)
        for (size_t l = 0; l < i; l++) a->K[i][l] = a->K[l][i];
    /* Gram of the row functions Phi_q = eta1 mu1 u + eta2 v_q, v_q = (1/n) sum r F_q x:
     * <v_q, v_p> = sum_j Ez Ez + Eg Eg + (d/n) E[r^2 F_q F_p] (+ the reused cross terms);
     * <u, v_q> = c.Ez + s Eg (fresh) or (1/n) sum r F_q t (reused, exact identity);
     * ||u||^2 = |c|^2 + s^2. */
    double eta1 = pl_ts_eta(c, 1), eta2 = pl_ts_eta(c, 2), m1 = mu[1];
    double u2 = fa.ey2 / a->psi;
    for (size_t j = 0; j < r; j++) u2 += fa.cz[j] * fa.cz[j];
    double uv[NQMAX];
    for (size_t i = 0; i < nq; i++) {
        if (c->reuse) uv[i] = a->Ert[i];
        else {
            uv[i] = a->s * a->Eg[i];
            for (size_t j = 0; j < r; j++) uv[i] += fa.cz[j] * a->Ez[i][j];
        }
    }
    pl_mat A = pl_mat_alloc(nq, nq);
    double *lam = malloc(nq * sizeof *lam);
    if (st == PL_OK && (!A.data || !lam)) st = PL_ENOMEM;
    for (size_t i = 0; i < nq && st == PL_OK; i++)
        for (size_t l = 0; l < nq; l++) {
            double vv = a->Eg[i] * a->Eg[l] + a->K[i][l] / a->psi;
            for (size_t j = 0; j < r; j++) vv += a->Ez[i][j] * a->Ez[l][j];
            if (c->reuse && a->s > 0)
                vv += (a->Eg[i] * a->Eyr[l] + a->Eg[l] * a->Eyr[i]) / (a->psi * a->s);
            double G = eta1 * eta1 * m1 * m1 * u2 + eta1 * m1 * eta2 * (uv[i] + uv[l]) +
                       eta2 * eta2 * vv;
            PL_AT(A, i, l) = sqrt(a->wa[i] * a->wa[l]) * a->ga[i] * a->ga[l] * G;
        }
    for (size_t i = 0; i < nq && st == PL_OK; i++)
        for (size_t l = 0; l < nq; l++)
            if (!isfinite(PL_AT(A, i, l))) st = PL_ENAN; /* sigma overflowed (exp, large eta) */
    if (st == PL_OK) st = pl_syev(A, lam); /* ascending, A = eigenvectors */
    if (st == PL_OK) {
        size_t ns = nq < PL_TS_NSPIKE ? nq : PL_TS_NSPIKE;
        out->nspike = ns;
        for (size_t jj = 0; jj < ns; jj++) {
            size_t col = nq - 1 - jj;
            double th = sqrt(fmax(lam[col], 0));
            out->theta[jj] = th;
            out->sv[jj] = pl_ts_bbp_sv(th, cr);
            double shrink = sqrt(pl_ts_bbp_right2(th, cr)), sub2 = 0;
            for (size_t j = 0; j < r; j++) {
                /* right vector sum_q sqrt(w_q) e_q g_q Phi_q / theta, its beta_j component */
                double b = 0;
                for (size_t i = 0; i < nq; i++)
                    b += sqrt(a->wa[i]) * PL_AT(A, i, col) * a->ga[i] *
                         (eta1 * m1 * fa.cz[j] + eta2 * a->Ez[i][j]);
                b = th > 0 ? fmin(fabs(b) / th, 1.0) : 0;
                if (j == 0) out->spike_beta[jj] = b;
                sub2 += b * b;
            }
            out->beta_ov[jj] = out->spike_beta[jj] * shrink;
            out->sub_ov[jj] = fmin(sqrt(sub2), 1.0) * shrink;
            if (th > pow(cr, 0.25)) out->n_out++;
        }
        out->w1_sv = pl_ts_bbp_sv(fabs(m1) * eta1 * sqrt(u2), cr);
        out->kappa = pl_ts_eta(c, 1) * m1 * m1 / sqrt(N);
        out->rho1 = a->rho1;
        for (size_t i = 0; i < ns; i++)
            if (!isfinite(out->theta[i])) st = PL_ENAN;
    }
    pl_mat_free(&A);
    free(lam);
    free(a);
    free(ir);
    return st;
}

pl_status pl_ts_term_aligns(const pl_ts_config *c, int k, int *aligned, double *comp)
{
    if (k < 0 || k > PL_TS_KTH) return PL_EINVAL;
    moments m;
    size_t K = k > 0 ? (size_t)k : 1;
    pl_status st = compute_moments(c, K, &m);
    if (st != PL_OK) return st;
    size_t idx = (size_t)k + 1; /* v_k */
    double norm = sqrt(fmax(m.G[idx][idx], 0));
    for (size_t j = 0; j < m.r; j++) {
        double b = norm > 0 ? fabs(m.Ez[idx][j]) / norm : 0;
        /* exact zeros come from symmetry (parity, or c*_1 = 0); the quadrature is exact for the
         * polynomial targets, so a relative threshold far above round-off separates them */
        if (aligned) aligned[j] = b > 1e-9;
        if (comp) comp[j] = b;
    }
    return PL_OK;
}

int pl_ts_first_aligned_term(const pl_ts_config *c)
{
    for (int k = 1; k <= PL_TS_KTH; k++) {
        if (c->act->hermite_zero((size_t)k + 1)) continue;
        int al[PL_TS_MAXTERMS] = {0};
        if (pl_ts_term_aligns(c, k, al, NULL) != PL_OK) return -1;
        if (al[0]) return k;
    }
    return -1;
}
