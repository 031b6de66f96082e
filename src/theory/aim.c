/* Family 2 — attention-indexed models: the extensive-rank denoising MMSE, the softmax and
 * hardmax state evolutions, the perfect-recovery and weak-recovery thresholds. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "phaselab/aim.h"
#include "phaselab/special.h"
#include "phaselab/mim.h"
#include "phaselab/quad.h"
#include "phaselab/roots.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#ifndef M_SQRT2
#define M_SQRT2 1.41421356237309504880
#endif

const char *pl_aim_check(long T, double rho, pl_aim_channel ch, char *buf, size_t len)
{
    if (T < 2) {
        snprintf(buf, len, "T = %ld: the sequence length T must be >= 2", T);
        return buf;
    }
    if (!(rho > 0)) {
        snprintf(buf, len, "rho = %g: the width ratio rho = r/d must be > 0", rho);
        return buf;
    }
    if (ch == PL_AIM_HARDMAX && T != 2) {
        snprintf(buf, len, "T = %ld: channel=hardmax is implemented for T = 2 only", T);
        return buf;
    }
    return NULL;
}

/* ---------------------------------------------------------------- prior */
pl_status pl_aim_law_init(pl_aim_law *L, double Delta, double rho)
{
    if (!(Delta > 0) || !(rho > 0) || !isfinite(rho) || !isfinite(Delta)) return PL_EINVAL;
    L->rho = rho;
    L->Delta = Delta;
    return pl_mpsc_init(&L->law, rho, Delta / rho);
}

double pl_aim_law_density(const pl_aim_law *L, double x)
{
    double s = sqrt(L->rho);
    return pl_mpsc_density(&L->law, x / s) / s;
}

static double cubed(double u, void *ctx)
{
    double v = pl_mpsc_density(ctx, u);
    return v * v * v;
}

pl_status pl_aim_law_int_cubed(const pl_aim_law *L, double *res)
{
    double tot = 0;
    for (size_t i = 0; i + 1 < L->law.nedges; i += 2) {
        double v, err;
        pl_status st = pl_integrate(cubed, (void *)&L->law, L->law.edges[i], L->law.edges[i + 1],
                                    0, 1e-11, PL_QUAD_SQRT_LEFT | PL_QUAD_SQRT_RIGHT, 400, &v,
                                    &err);
        if (st != PL_OK && !(st == PL_ENOCONV && err <= 1e-8 * fabs(v))) return st;
        tot += v;
    }
    *res = tot / L->rho; /* mu(x) = nu(x/sqrt rho)/sqrt rho */
    return PL_OK;
}

double pl_aim_rie_shrink(const pl_aim_law *L, double lambda)
{
    double s = sqrt(L->rho);
    return lambda - 2 * L->Delta * pl_mpsc_hilbert(&L->law, lambda / s) / s;
}

pl_status pl_aim_denoise_mmse(double Delta, double rho, double *mmse)
{
    if (!(Delta >= 0) || !(rho > 0)) return PL_EINVAL;
    if (Delta == 0) {
        *mmse = 0;
        return PL_OK;
    }
    if (isinf(Delta)) {
        *mmse = 1;
        return PL_OK;
    }
    if (isinf(rho)) {
        *mmse = Delta / (1 + Delta);
        return PL_OK;
    }
    pl_aim_law L;
    double I3;
    pl_status st = pl_aim_law_init(&L, Delta, rho);
    if (st == PL_OK) st = pl_aim_law_int_cubed(&L, &I3);
    if (st != PL_OK) return st;
    *mmse = Delta - (4 * M_PI * M_PI / 3) * Delta * Delta * I3;
    return isfinite(*mmse) ? PL_OK : PL_ENAN;
}

double pl_aim_dof(double rho)
{
    return rho >= 1 ? 1.0 : 2 * rho - rho * rho;
}

double pl_aim_kdirs(long T)
{
    return (double)T * (double)T + (double)T - 2.0;
}

double pl_aim_alpha_pr(long T, double rho)
{
    return pl_aim_dof(rho) / pl_aim_kdirs(T);
}

/* ---------------------------------------------------------------- softmax SE */
typedef struct {
    double c, rho;   /* qhat = c / m */
    pl_status st;
} sm_ctx;

static double sm_f(double m, void *ctx)
{
    sm_ctx *s = ctx;
    double v;
    pl_status st = pl_aim_denoise_mmse(m / s->c, s->rho, &v);
    if (st != PL_OK) {
        s->st = st;
        return NAN;
    }
    return v - m;
}

pl_status pl_aim_se_softmax(long T, double rho, double alpha, pl_aim_se_result *r)
{
    memset(r, 0, sizeof *r);
    r->mmse = NAN;
    if (T < 2 || !(rho > 0) || !(alpha >= 0)) return r->status = PL_EINVAL;
    double c = pl_aim_kdirs(T) * alpha;
    if (alpha == 0) {
        r->mmse = 1;
        r->qhat = 0;
        return r->status = PL_OK;
    }
    if (alpha >= pl_aim_alpha_pr(T, rho)) {
        r->mmse = 0;
        r->qhat = INFINITY;
        return r->status = PL_OK;
    }
    if (isinf(rho)) { /* m = (m/c)/(1 + m/c) */
        r->mmse = 1 - c;
        r->qhat = c / r->mmse;
        return r->status = PL_OK;
    }
    sm_ctx s = {.c = c, .rho = rho, .st = PL_OK};
    /* f(m) = MMSE(m/c) - m: f(1) < 0 (MMSE < 1); f(m) ~ (dof/c - 1) m > 0 for small m */
    double lo = 1e-3, root = NAN;
    while (lo > 1e-14 && !(sm_f(lo, &s) > 0) && s.st == PL_OK) lo *= 0.1;
    if (s.st != PL_OK) return r->status = s.st;
    if (!(sm_f(lo, &s) > 0)) {
        /* so close to alpha_PR that the root is below 1e-14 */
        r->mmse = 0;
        r->qhat = INFINITY;
        return r->status = PL_OK;
    }
    pl_status st = pl_brent(sm_f, &s, lo, 1.0, 1e-13, 200, &root);
    if (s.st != PL_OK) st = s.st;
    r->mmse = root;
    r->qhat = c / root;
    r->iterations = 1;
    return r->status = st;
}

/* ---------------------------------------------------------------- hardmax (T = 2) */
static double Phi(double x)
{
    return 0.5 * erfc(-x / M_SQRT2);
}
static double phi(double x)
{
    return exp(-0.5 * x * x) / sqrt(2 * M_PI);
}

/* Phi2(k1, k2; rho) and its gradient and Hessian in k */
static double bvn_cdf(double k1, double k2, double rho, double *D, double *H)
{
    double P = pl_bvn_upper(-k1, -k2, rho), s = sqrt(1 - rho * rho);
    double a1 = (k2 - rho * k1) / s, a2 = (k1 - rho * k2) / s;
    double p1 = phi(k1), p2 = phi(k2);
    if (D) {
        D[0] = p1 * Phi(a1);
        D[1] = p2 * Phi(a2);
    }
    if (H) {
        double dens = exp(-(k1 * k1 - 2 * rho * k1 * k2 + k2 * k2) / (2 * s * s)) / (2 * M_PI * s);
        H[0] = -k1 * p1 * Phi(a1) - rho * dens;
        H[3] = -k2 * p2 * Phi(a2) - rho * dens;
        H[1] = H[2] = dens;
    }
    return P;
}

pl_status pl_aim_hardmax_gout(const double *w, double V, int s11, int s22, double *logZ,
                              double *g, double *dg)
{
    if (!(V > 0) || (s11 != 1 && s11 != -1) || (s22 != 1 && s22 != -1)) return PL_EINVAL;
    double r = sqrt(3 * V), rho = s11 * s22 / 3.0;
    double k1 = s11 * (w[0] - w[1]) / r, k2 = s22 * (w[2] - w[1]) / r;
    double D[2], H[4];
    double P = bvn_cdf(k1, k2, rho, D, H);
    if (!(P > 0)) return PL_EINVAL; /* label impossible to working precision */
    if (logZ) *logZ = log(P);
    /* J = d k / d w (2 x 3) */
    double J[2][3] = {{s11 / r, -s11 / r, 0}, {0, -s22 / r, s22 / r}};
    double gk[2] = {D[0] / P, D[1] / P};
    if (g)
        for (int a = 0; a < 3; a++) g[a] = gk[0] * J[0][a] + gk[1] * J[1][a];
    if (dg) {
        double hk[4];
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++) hk[2 * i + j] = H[2 * i + j] / P - gk[i] * gk[j];
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) {
                double s = 0;
                for (int i = 0; i < 2; i++)
                    for (int j = 0; j < 2; j++) s += J[i][a] * hk[2 * i + j] * J[j][b];
                dg[3 * a + b] = s;
            }
    }
    return PL_OK;
}

/* E over kappa ~ N(0, lam R), R = [[1, c],[c, 1]], of (2 D1^2 + 2 D2^2 + (D1 + sg D2)^2)/Phi2
 * with the channel correlation c = sg/3 (sg = s11 s22). Outer z1, inner z2 standard normal:
 * k1 = sqrt(lam) z1, k2 = sqrt(lam)(c z1 + sqrt(1 - c^2) z2). */
typedef struct {
    double lam, c, sg, z1;
    int bad;
} hm_ctx;

static double hm_point(double k1, double k2, double c, double sg)
{
    double D[2], P = bvn_cdf(k1, k2, c, D, NULL);
    if (!(P > 1e-280)) return 0;
    double t = D[0] + sg * D[1];
    return (2 * D[0] * D[0] + 2 * D[1] * D[1] + t * t) / P;
}

static double hm_inner(double z2, void *ctx)
{
    hm_ctx *h = ctx;
    double sl = sqrt(h->lam);
    double v = hm_point(sl * h->z1, sl * (h->c * h->z1 + sqrt(1 - h->c * h->c) * z2), h->c, h->sg);
    return v * phi(z2);
}

static double hm_outer(double z1, void *ctx)
{
    hm_ctx *h = ctx;
    h->z1 = z1;
    double v, err;
    pl_status st = pl_integrate_inf(hm_inner, h, 1e-11, 1e-8, 200, &v, &err);
    if (st != PL_OK && !(st == PL_ENOCONV && err < 1e-7)) h->bad = 1;
    return v * phi(z1);
}

pl_status pl_aim_hardmax_ehat(double q, double Q0, double *E)
{
    double V = Q0 - q;
    if (!(q >= 0) || !(V > 0)) return PL_EINVAL;
    double lam = q / V, tot = 0;
    for (int sg = -1; sg <= 1; sg += 2) {
        hm_ctx h = {.lam = lam, .c = sg / 3.0, .sg = sg, .bad = 0};
        double v, err;
        if (lam == 0) {
            v = hm_point(0, 0, h.c, sg);
        } else {
            pl_status st = pl_integrate_inf(hm_outer, &h, 1e-10, 1e-7, 200, &v, &err);
            if (h.bad || (st != PL_OK && !(st == PL_ENOCONV && err < 1e-6))) return PL_ENOCONV;
        }
        tot += 2 * v; /* (s11, s22) and (-s11, -s22) contribute equally */
    }
    *E = tot / (3 * V); /* g = D / (r Phi2), r^2 = 3 V */
    return isfinite(*E) ? PL_OK : PL_ENAN;
}

pl_aim_se_opts pl_aim_se_default_opts(void)
{
    pl_aim_se_opts o = {.damping = 0.5, .tol = 1e-10, .maxit = 200};
    return o;
}

/* q -> q_new map of the hardmax SE (rho0: the rho -> 0 prior) */
static pl_status hm_step(double q, double Q0, double rho, double alpha, int rho0, double *qn,
                         double *qhat)
{
    double E, m;
    pl_status st = pl_aim_hardmax_ehat(q, Q0, &E);
    if (st != PL_OK) return st;
    *qhat = 2 * alpha * E;
    if (rho0) {
        double t = 1 / *qhat;
        m = t < 1 ? t * (2 - t) : 1;
    } else {
        st = pl_aim_denoise_mmse(1 / *qhat, rho, &m);
        if (st != PL_OK) return st;
    }
    *qn = Q0 - m;
    return PL_OK;
}

typedef struct {
    double Q0, rho, alpha;
    int rho0;
    pl_status st;
    size_t nev;
} hm_ctx2;

static double hm_f(double q, void *ctx)
{
    hm_ctx2 *h = ctx;
    double qn, qhat;
    h->nev++;
    pl_status st = hm_step(q, h->Q0, h->rho, h->alpha, h->rho0, &qn, &qhat);
    if (st != PL_OK) {
        h->st = st;
        return NAN;
    }
    return qn - q;
}

/* The fixed point q = F(q) as a root of F(q) - q between the uninformed start q0 (F(q0) > q0
 * for alpha above the weak-recovery threshold) and Q0 - eps (F < Q0 - eps: the MMSE decays
 * like V/c with c < 1, no perfect recovery). Falls back to damped iteration when no bracket
 * is found. */
static pl_status hm_solve(double rho, double alpha, int rho0, const pl_aim_se_opts *o,
                          pl_aim_se_result *r)
{
    pl_aim_se_opts def = pl_aim_se_default_opts();
    if (!o) o = &def;
    double Q0 = rho0 ? 1.0 : 1 + rho, q0 = rho0 ? 0.0 : rho;
    hm_ctx2 h = {.Q0 = Q0, .rho = rho, .alpha = alpha, .rho0 = rho0, .st = PL_OK};
    memset(r, 0, sizeof *r);
    double f0 = hm_f(q0, &h);
    if (h.st != PL_OK) return r->status = h.st;
    if (!(f0 > 0)) { /* uninformed fixed point (rho -> 0 below the threshold) */
        r->mmse = Q0 - q0;
        r->qhat = 2 * alpha * 0;
        r->iterations = h.nev;
        return r->status = PL_OK;
    }
    double hi = Q0 - 1e-2 * (Q0 - q0), fh = hm_f(hi, &h);
    while (h.st == PL_OK && fh > 0 && Q0 - hi > 1e-12) {
        hi = Q0 - 0.1 * (Q0 - hi);
        fh = hm_f(hi, &h);
    }
    if (h.st != PL_OK) return r->status = h.st;
    if (!(fh <= 0)) return r->status = PL_ENOSOLUTION;
    double q;
    pl_status st = pl_brent(hm_f, &h, q0, hi, o->tol, o->maxit, &q);
    if (h.st != PL_OK) st = h.st;
    double qn, qhat = NAN;
    if (st == PL_OK) st = hm_step(q, Q0, rho, alpha, rho0, &qn, &qhat);
    r->qhat = qhat;
    r->mmse = Q0 - q;
    r->iterations = h.nev;
    return r->status = st;
}

pl_status pl_aim_se_hardmax(double rho, double alpha, const pl_aim_se_opts *o,
                            pl_aim_se_result *r)
{
    if (!(rho > 0) || !isfinite(rho) || !(alpha > 0)) {
        memset(r, 0, sizeof *r);
        r->mmse = alpha == 0 ? 1 : NAN;
        return r->status = alpha == 0 && rho > 0 ? PL_OK : PL_EINVAL;
    }
    return hm_solve(rho, alpha, 0, o, r);
}

pl_status pl_aim_se_rho0(pl_aim_channel ch, long T, double alpha_bar, const pl_aim_se_opts *o,
                         pl_aim_se_result *r)
{
    memset(r, 0, sizeof *r);
    if (!(alpha_bar >= 0) || T < 2) return r->status = PL_EINVAL;
    if (ch == PL_AIM_HARDMAX) {
        if (T != 2) return r->status = PL_EINVAL;
        if (alpha_bar == 0) {
            r->mmse = 1;
            return r->status = PL_OK;
        }
        /* from q = 0: qhat = 2 alpha_bar E(0) > 1 above the threshold moves q off 0 */
        return hm_solve(0, alpha_bar, 1, o, r);
    }
    /* softmax, c = (T^2+T-2) alpha_bar: qhat = c/m, t = m/c, m = t (2 - t) gives t = 2 - c
     * and m = c (2 - c) for 1 < c < 2; m = 1 for c <= 1 (t >= 1), m = 0 for c >= 2 */
    double c = pl_aim_kdirs(T) * alpha_bar;
    r->mmse = c <= 1 ? 1 : (c >= 2 ? 0 : c * (2 - c));
    r->qhat = c / fmax(r->mmse, 1e-300);
    r->iterations = 0;
    return r->status = PL_OK;
}

pl_status pl_aim_alpha_bar_c(pl_aim_channel ch, long T, double *abc)
{
    if (T < 2) return PL_EINVAL;
    if (ch == PL_AIM_SOFTMAX) {
        *abc = 1 / pl_aim_kdirs(T);
        return PL_OK;
    }
    if (T != 2) return PL_EINVAL;
    double E;
    pl_status st = pl_aim_hardmax_ehat(0, 1, &E);
    if (st == PL_OK) *abc = 1 / (2 * E);
    return st;
}
