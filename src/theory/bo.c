/* Family 9 theory: activation kernel g(q), the scalar channel (m_e, l_e, l_s), the BO fixed
 * point (discrete and proportional-limit forms), k_c, one-shot error, Delta_eff, guides. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/bo.h"
#include "phaselab/roots.h"

#define INV_SQRT_2PI 0.398942280401432677939946059934

pl_bo_channel_opts pl_bo_channel_default_opts(void)
{
    pl_bo_channel_opts o = {PL_HERMITE_LMAX, 2, 0, 0, 1e-6};
    return o;
}

/* ---------------------------------------------------------------- kernel evaluations */

/* g, g', g'' at q by Horner (c2 is zero below lmin) */
static void kernel3(const pl_bo_channel *ch, double q, double *g, double *g1, double *g2)
{
    double a = 0.0, b = 0.0, c = 0.0;
    for (size_t l = ch->L + 1; l-- > 0;) {
        double cl = ch->c2[l];
        a = a * q + cl;
        if (l >= 1) b = b * q + (double)l * cl;
        if (l >= 2) c = c * q + (double)l * (double)(l - 1) * cl;
    }
    if (g) *g = a;
    if (g1) *g1 = b;
    if (g2) *g2 = c;
}

double pl_bo_g(const pl_bo_channel *ch, double q)
{
    double g;
    kernel3(ch, q, &g, NULL, NULL);
    return g;
}

double pl_bo_dg(const pl_bo_channel *ch, double q)
{
    double g1;
    kernel3(ch, q, NULL, &g1, NULL);
    return g1;
}

/* g(1) - g(1 - s) = s sum_{j=0}^{L-1} b_j q^j with b_j = sum_{l > j} c2_l, q = 1 - s. */
double pl_bo_gap(const pl_bo_channel *ch, double s)
{
    if (s <= 0.0) return 0.0;
    if (s >= 1.0) return ch->g1 - ch->g0; /* q = 0 (s > 1 is not used) */
    double q = 1.0 - s, acc = 0.0, b = 0.0;
    /* b_j accumulated from the top: b_{L-1} = c2_L, b_{j} = b_{j+1} + c2_{j+1} */
    for (size_t j = ch->L; j-- > 0;) {
        b += ch->c2[j + 1];
        acc = acc * q + b;
    }
    return s * acc;
}

double pl_bo_phi(const pl_bo_channel *ch, double l, double q)
{
    return l * pl_bo_g(ch, q) + q + log1p(-q);
}

/* L(q) in terms of s = 1 - q */
static double snr_s(const pl_bo_channel *ch, double s)
{
    double q = 1.0 - s, dg = pl_bo_dg(ch, q);
    if (q <= 0.0) return ch->c2[1] > 0.0 ? 0.0 : (ch->c2[2] > 0.0 ? 0.5 / ch->c2[2] : INFINITY);
    if (!(dg > 0.0)) return INFINITY;
    return q / (s * dg);
}

double pl_bo_snr_of_q(const pl_bo_channel *ch, double q) { return snr_s(ch, 1.0 - q); }

/* ---------------------------------------------------------------- fixed points */

/* psi(s) = ln L(1 - s) - ln l, decreasing in s on the top branch; dpsi/ds. */
static double psi_s(const pl_bo_channel *ch, double s, double lnl, double *dpsi)
{
    double q = 1.0 - s, g1, g2;
    kernel3(ch, q, NULL, &g1, &g2);
    if (dpsi) *dpsi = -1.0 / q - 1.0 / s + g2 / g1;
    return log(q) - log(s) - log(g1) - lnl;
}

/* Root of psi on the top branch: s in (0, s_hi], psi(s_hi) <= 0. Safeguarded Newton in
 * u = ln s (psi is close to linear in ln s) with bisection in u as the fallback. */
static double top_branch_s(const pl_bo_channel *ch, double l, double s_hi)
{
    double lnl = log(l), g1 = ch->dg1;
    /* start from the spec's first iterate q = r/(1+r), r = l g'(1): s = 1/(1 + r), which is
     * below the root (the iteration from q = 1 decreases monotonically to it) */
    double s = 1.0 / (1.0 + l * g1);
    if (!(s < s_hi)) s = 0.5 * s_hi;
    double u_hi = log(s_hi), u_lo = log(s);
    int guard = 0;
    while (psi_s(ch, exp(u_lo), lnl, NULL) <= 0.0 && guard++ < 2000) u_lo -= 1.0;
    double u = u_lo;
    for (int it = 0; it < 200; it++) {
        double sv = exp(u), dp, p = psi_s(ch, sv, lnl, &dp);
        if (p > 0.0) u_lo = u;
        else u_hi = u;
        double un = u - p / (dp * sv);
        if (!(un > u_lo && un < u_hi) || !isfinite(un)) un = 0.5 * (u_lo + u_hi);
        if (fabs(un - u) <= 1e-14 * (1.0 + fabs(u)) || u_hi - u_lo <= 1e-14 * (1.0 + fabs(u))) {
            u = un;
            break;
        }
        u = un;
    }
    return exp(u);
}

/* Largest fixed point as (q, s = 1 - q). */
static void fixed_point_qs(const pl_bo_channel *ch, double l, double *q, double *s)
{
    *q = 0.0;
    *s = 1.0;
    if (!(l > 0.0) || ch->status == PL_EINVAL) return;
    if (isinf(l)) {
        *q = 1.0;
        *s = 0.0;
        return;
    }
    double Ltop = ch->L_top;
    if (l >= Ltop) {
        if (ch->q_top <= 0.0 && l == Ltop) return;
        *s = top_branch_s(ch, l, 1.0 - ch->q_top);
        *q = 1.0 - *s;
        return;
    }
    if (ch->branches <= 1) return;
    /* lower branches (only for channels with several local minima of L): scan downwards */
    const size_t N = 4000;
    double qa = ch->q_top;
    for (size_t j = N; j-- > 1;) {
        double qb = qa;
        qa = qb - 1.0 / (double)N;
        if (qa <= 0.0) break;
        if (snr_s(ch, 1.0 - qa) <= l) {
            /* L(qa) <= l < L(qb)? find the crossing by bisection */
            double lo = qa, hi = qb;
            for (int it = 0; it < 100; it++) {
                double mid = 0.5 * (lo + hi);
                if (snr_s(ch, 1.0 - mid) <= l) lo = mid;
                else hi = mid;
            }
            /* the largest crossing is where L goes from <= l to > l upwards */
            *q = 0.5 * (lo + hi);
            *s = 1.0 - *q;
            return;
        }
    }
}

double pl_bo_m_fixed(const pl_bo_channel *ch, double l)
{
    double q, s;
    fixed_point_qs(ch, l, &q, &s);
    return q;
}

pl_status pl_bo_m_iterate(const pl_bo_channel *ch, double l, double tol, size_t maxit,
                          double *q)
{
    double x = 1.0;
    for (size_t it = 0; it < maxit; it++) {
        double r = l * pl_bo_dg(ch, x), xn = r / (1.0 + r);
        if (!isfinite(xn)) return PL_ENAN;
        if (fabs(xn - x) < tol) {
            *q = xn;
            return PL_OK;
        }
        x = xn;
    }
    *q = x;
    return PL_ENOCONV;
}

/* equilibrium overlap as (q, s) */
static void m_e_qs(const pl_bo_channel *ch, double l, double *q, double *s)
{
    fixed_point_qs(ch, l, q, s);
    if (*q < PL_BO_QMIN) {
        *q = 0.0;
        *s = 1.0;
        return;
    }
    if (isinf(l)) return;
    /* phi_l(q) - phi_l(0) = -l gap(q) + l (g1 - g0) + q + ln(1 - q) */
    double dphi = l * (ch->g1 - ch->g0 - pl_bo_gap(ch, *s)) + *q + log(*s);
    if (!(dphi > 0.0)) {
        *q = 0.0;
        *s = 1.0;
    }
}

double pl_bo_m_e(const pl_bo_channel *ch, double l)
{
    double q, s;
    m_e_qs(ch, l, &q, &s);
    return q;
}

/* ---------------------------------------------------------------- channel setup */

typedef struct {
    pl_fn1 f;
    void *ctx;
} sig_ctx;

static double sig2_phi(double z, void *p)
{
    sig_ctx *c = p;
    double phi = exp(-0.5 * z * z) * INV_SQRT_2PI;
    if (phi == 0.0) return 0.0;
    double v = c->f(z, c->ctx);
    return v * v * phi;
}

static double golden_min(const pl_bo_channel *ch, double a, double b, double *fmin)
{
    const double r = 0.5 * (sqrt(5.0) - 1.0);
    double x1 = b - r * (b - a), x2 = a + r * (b - a);
    double f1 = pl_bo_snr_of_q(ch, x1), f2 = pl_bo_snr_of_q(ch, x2);
    for (int it = 0; it < 200 && b - a > 1e-14; it++) {
        if (f1 <= f2) {
            b = x2;
            x2 = x1;
            f2 = f1;
            x1 = b - r * (b - a);
            f1 = pl_bo_snr_of_q(ch, x1);
        } else {
            a = x1;
            x1 = x2;
            f1 = f2;
            x2 = a + r * (b - a);
            f2 = pl_bo_snr_of_q(ch, x2);
        }
    }
    double x = 0.5 * (a + b);
    *fmin = pl_bo_snr_of_q(ch, x);
    return x;
}

/* Delta phi along the top branch, parametrised by q: L(q) (g(q) - g(0)) + q + ln(1 - q) */
static double dphi_branch(double q, void *p)
{
    const pl_bo_channel *ch = p;
    double s = 1.0 - q;
    return pl_bo_snr_of_q(ch, q) * (ch->g1 - ch->g0 - pl_bo_gap(ch, s)) + q + log(s);
}

pl_status pl_bo_channel_init(pl_bo_channel *ch, pl_fn1 sigma, void *ctx,
                             const pl_bo_channel_opts *opts)
{
    pl_bo_channel_opts o = opts ? *opts : pl_bo_channel_default_opts();
    memset(ch, 0, sizeof *ch);
    if (o.order == 0) o.order = PL_HERMITE_LMAX;
    ch->status = PL_OK;
    if (!sigma || o.order > PL_HERMITE_LMAX || o.order < 2 || o.lmin > o.order ||
        !(o.tail_tol >= 0.0)) {
        ch->status = PL_EINVAL;
        snprintf(ch->message, sizeof ch->message,
                 "channel: need 2 <= order <= %d, lmin <= order, tail_tol >= 0",
                 PL_HERMITE_LMAX);
        return ch->status;
    }
    ch->L = o.order;
    ch->lmin = o.lmin;
    sig_ctx sc = {sigma, ctx};
    /* E sigma^2 by adaptive quadrature (exact reference for the series' tail) */
    double es2, err;
    pl_status st = pl_integrate_inf(sig2_phi, &sc, 1e-15, 1e-13, 4000, &es2, &err);
    if (st == PL_ENAN || !isfinite(es2)) {
        ch->status = PL_ENAN;
        snprintf(ch->message, sizeof ch->message, "channel: E sigma^2 is not finite");
        return ch->status;
    }
    /* Hermite coefficients */
    int adaptive = o.adaptive >= 0; /* auto = adaptive: safe for kinks */
    if (adaptive > 0) {
        st = pl_hermite_coeffs_adaptive(sigma, ctx, o.order, 1e-13, ch->mu);
        if (st == PL_ENOCONV) st = PL_OK; /* best estimates; the tail test below judges */
    } else {
        size_t nodes = o.gh_nodes ? o.gh_nodes : 2 * o.order + 80;
        st = pl_hermite_coeffs(sigma, ctx, o.order, nodes, ch->mu);
    }
    if (st != PL_OK) {
        ch->status = st;
        snprintf(ch->message, sizeof ch->message, "channel: Hermite coefficients: %s",
                 pl_strerror(st));
        return st;
    }
    double sfac = 1.0, low = 0.0, total = 0.0;
    for (size_t l = 0; l <= ch->L; l++) {
        if (l > 0) sfac /= sqrt((double)l);
        double c = ch->mu[l] * sfac, c2 = c * c;
        if (l < ch->lmin) low += c2;
        else {
            ch->c2[l] = c2;
            total += c2;
        }
    }
    ch->esig2 = es2 - low;
    ch->g0 = ch->c2[0];
    ch->g1 = pl_bo_g(ch, 1.0);
    if (!(ch->g1 - ch->g0 > 1e-300) || !(ch->esig2 > 0.0)) {
        ch->status = PL_EINVAL;
        snprintf(ch->message, sizeof ch->message,
                 "channel: the activation has no Hermite component of order >= %zu",
                 ch->lmin);
        return ch->status;
    }
    ch->dg1 = pl_bo_dg(ch, 1.0);
    ch->tail_rel = (ch->esig2 - total) / ch->esig2;
    if (fabs(ch->tail_rel) > o.tail_tol) {
        ch->status = PL_ENOCONV;
        snprintf(ch->message, sizeof ch->message,
                 "Hermite series does not converge at order %zu: relative tail %.3g > %.3g "
                 "(g near q = 1 is truncated)",
                 ch->L, ch->tail_rel, o.tail_tol);
    }
    /* thresholds: local minima of L(q) on a grid */
    const size_t N = 4000;
    double *Lg = malloc((N + 1) * sizeof *Lg);
    if (!Lg) return ch->status = PL_ENOMEM;
    for (size_t j = 1; j < N; j++) Lg[j] = pl_bo_snr_of_q(ch, (double)j / (double)N);
    double L0 = pl_bo_snr_of_q(ch, 0.0);
    Lg[0] = L0;
    Lg[N] = INFINITY;
    double lmin_val = L0, argmin = 0.0, qtop = 0.0;
    int nb = 0;
    for (size_t j = 1; j < N; j++) {
        if (Lg[j] <= Lg[j - 1] && Lg[j] < Lg[j + 1] && !(j == 1 && Lg[0] <= Lg[1])) {
            double fm, qm = golden_min(ch, (double)(j - 1) / (double)N,
                                       (double)(j + 1) / (double)N, &fm);
            nb++;
            qtop = qm;
            if (fm < lmin_val) {
                lmin_val = fm;
                argmin = qm;
            }
        }
    }
    free(Lg);
    ch->branches = nb;
    ch->q_top = qtop;
    ch->L_top = snr_s(ch, 1.0 - qtop);
    ch->l_s = lmin_val;
    ch->m_s = argmin;
    if (qtop <= 0.0) {
        ch->continuous = 1;
        ch->l_e = L0;
        ch->m_jump = 0.0;
    } else {
        double a = qtop, b = 1.0 - 1e-15;
        if (dphi_branch(a, ch) >= 0.0) {
            ch->l_e = pl_bo_snr_of_q(ch, a);
            ch->m_jump = a;
        } else {
            double qe;
            st = pl_brent(dphi_branch, ch, a, b, 1e-15, 300, &qe);
            if (st != PL_OK) {
                ch->status = st;
                snprintf(ch->message, sizeof ch->message,
                         "channel: equilibrium threshold not found (%s)", pl_strerror(st));
                return st;
            }
            ch->l_e = pl_bo_snr_of_q(ch, qe);
            ch->m_jump = qe;
        }
    }
    if (nb > 1 && ch->status == PL_OK)
        snprintf(ch->message, sizeof ch->message,
                 "warning: L(q) has %d local minima; l_e is computed on the top branch", nb);
    return ch->status;
}

/* ---------------------------------------------------------------- BO fixed point */

pl_bo_fp_opts pl_bo_fp_default_opts(void)
{
    pl_bo_fp_opts o = {1e-12, 1e-15, 200, 0};
    return o;
}

typedef struct {
    const pl_bo_channel *ch;
    size_t m;
    const double *w, *s;
    double c, delta;
    int sorted;
    double *wtail; /* wtail[i] = sum_{j >= i} w_j (sorted case) */
    double lcut;   /* below this SNR the overlap is 0 */
} weighted_ctx;

/* F(eps) = sum_i w_i gap_i; optionally q_i out */
static double weighted_F(const weighted_ctx *c, double eps, double *q)
{
    const pl_bo_channel *ch = c->ch;
    double den = c->delta + eps, F = 0.0, gap0 = ch->g1 - ch->g0;
    for (size_t i = 0; i < c->m; i++) {
        double l = c->c * c->s[i] / den;
        if (c->sorted && l < c->lcut) {
            F += gap0 * c->wtail[i];
            if (q)
                for (size_t j = i; j < c->m; j++) q[j] = 0.0;
            break;
        }
        double qi, si;
        m_e_qs(ch, l, &qi, &si);
        F += c->w[i] * (qi > 0.0 ? pl_bo_gap(ch, si) : gap0);
        if (q) q[i] = qi;
    }
    return F;
}

static void fp_summary(const weighted_ctx *c, const double *q, pl_bo_fp *res)
{
    const pl_bo_channel *ch = c->ch;
    size_t kc = c->m;
    for (size_t i = 0; i < c->m; i++)
        if (q[i] <= 0.0) {
            kc = i;
            break;
        }
    double gap0 = ch->g1 - ch->g0, os = 0.0, tail = 0.0;
    for (size_t i = 0; i < c->m; i++) {
        double gi = q[i] > 0.0 ? pl_bo_gap(ch, 1.0 - q[i]) : gap0;
        os += (i < kc ? 2.0 : 1.0) * c->w[i] * gi;
        if (i >= kc) tail += c->w[i];
    }
    res->k_c = (double)kc;
    res->eps_one_shot = os;
    res->delta_eff = c->delta + gap0 * tail;
}

/* Replica free entropy of the weighted fixed point, up to a positive factor and a constant
 * (a derivation in docs/bo-extensive-width.md):
 *   Phi(eps) = sum_i (w_i/(c s_i)) max_q phi_{l_i}(q) - (G + Delta)/(Delta + eps)
 *              - ln(Delta + eps),   l_i = c s_i/(Delta + eps), G = g(1) sum_i w_i,
 * built so that dPhi/deps = (F(eps) - eps)/(Delta + eps)^2 (envelope theorem: d max_q
 * phi_l / dl = g(q*)). Stable roots (F crossing eps from above) are its local maxima; the
 * equilibrium one is the global maximum among them. */
static double weighted_potential(const weighted_ctx *c, double eps)
{
    const pl_bo_channel *ch = c->ch;
    double den = c->delta + eps, P = 0.0, sumw = 0.0;
    for (size_t i = 0; i < c->m; i++) sumw += c->w[i];
    for (size_t i = 0; i < c->m; i++) {
        double cs = c->c * c->s[i], l = cs / den;
        if (c->sorted && l < c->lcut) { /* no overlap from here on: phi_l(0) = l g(0) */
            P += ch->g0 * c->wtail[i] / den;
            break;
        }
        double qi, si;
        m_e_qs(ch, l, &qi, &si);
        if (qi > 0.0 && cs > 0.0)
            P += c->w[i] / cs * (l * pl_bo_g(ch, qi) + qi + log(si));
        else
            P += c->w[i] * ch->g0 / den;
    }
    return P - (ch->g1 * sumw + c->delta) / den - log(den);
}

typedef double (*fp_map)(void *ctx, double eps);

static double weighted_map(void *p, double eps) { return weighted_F(p, eps, NULL); }

/* bisection on h(eps) = F(eps) - eps over [0, hi] */
static pl_status fp_bisect(fp_map F, void *ctx, double hi, const pl_bo_fp_opts *o,
                           pl_bo_fp *res)
{
    double lo = 0.0, hi0 = hi;
    double hlo = F(ctx, 0.0) - 0.0;
    if (!isfinite(hlo)) return res->status = PL_ENAN;
    res->iterations = 0;
    if (hlo <= 0.0) {
        res->eps = 0.0;
        res->residual = hlo;
        return res->status = PL_OK;
    }
    double hhi = F(ctx, hi) - hi;
    if (!isfinite(hhi)) return res->status = PL_ENAN;
    if (hhi > 0.0) { /* cannot happen for a valid channel: F <= (g1 - g0) sum w */
        res->eps = hi;
        res->residual = hhi;
        return res->status = PL_ENOSOLUTION;
    }
    pl_status st = PL_ENOCONV;
    size_t it = 0;
    for (; it < o->maxit; it++) {
        if (hi - lo <= o->xtol_rel * hi + o->xtol_abs) {
            st = PL_OK;
            break;
        }
        double mid = 0.5 * (lo + hi), h = F(ctx, mid) - mid;
        if (!isfinite(h)) return res->status = PL_ENAN;
        if (h > 0.0) {
            lo = mid;
            hlo = h;
        } else {
            hi = mid;
            hhi = h;
        }
    }
    res->iterations = it;
    res->eps = 0.5 * (lo + hi);
    res->residual = F(ctx, res->eps) - res->eps;
    /* a continuous root has |h(lo) - h(hi)| ~ |h'| (hi - lo) with |h'| = O(1); a jump of
     * the map leaves a finite gap */
    res->pinned = (hlo - hhi) > 100.0 * (hi - lo) + 1e-300;
    res->sign_changes = 0;
    if (o->scan > 1) {
        /* geometric grid over (0, hi]: h(0) > 0, count the sign changes */
        double top = hi0;
        int prev = 1, sc = 0;
        for (size_t j = 0; j < o->scan; j++) {
            double e = top * pow(1e-10, 1.0 - (double)j / (double)(o->scan - 1));
            double h = F(ctx, e) - e;
            int sg = h > 0.0;
            if (sg != prev) sc++;
            prev = sg;
        }
        res->sign_changes = sc;
    }
    return res->status = st;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Every stable root (a + to - sign change of h = F - eps, refined by bisection) among the
 * scan grid and the two sides of every jump of F: feature i loses its overlap where its SNR
 * crosses l_e, at eps_i = c s_i/l_e - Delta, and only there can F jump (upwards), so roots
 * that appear one per newly learned feature are never missed however close they lie. The
 * root of largest free entropy replaces the bisection's when they differ. */
static void select_equilibrium(const weighted_ctx *wc, double top, const pl_bo_fp_opts *o,
                               pl_bo_fp *res)
{
    const pl_bo_channel *ch = wc->ch;
    size_t njump = !ch->continuous && ch->l_e > 0.0 && isfinite(ch->l_e) ? wc->m : 0;
    double *pts = malloc((o->scan + 2 * njump + 1) * sizeof *pts);
    if (!pts) return;
    size_t np = 0;
    for (size_t j = 0; j < o->scan; j++)
        pts[np++] = top * pow(1e-10, 1.0 - (double)j / (double)(o->scan - 1));
    for (size_t i = 0; i < njump; i++) {
        double e = wc->c * wc->s[i] / ch->l_e - wc->delta;
        if (e > 0.0 && e < top) {
            pts[np++] = e * (1.0 - 1e-12);
            pts[np++] = e * (1.0 + 1e-12);
        }
    }
    qsort(pts, np, sizeof *pts, cmp_dbl);
    double best = res->free_entropy, prev_e = 0.0;
    double prev_h = weighted_F(wc, 0.0, NULL);
    int n = 0;
    for (size_t j = 0; j < np; j++) {
        double e = pts[j];
        double h = weighted_F(wc, e, NULL) - e;
        if (prev_h > 0.0 && h <= 0.0) {
            double lo = prev_e, hi = e;
            for (size_t it = 0; it < o->maxit && hi - lo > o->xtol_rel * hi + o->xtol_abs;
                 it++) {
                double mid = 0.5 * (lo + hi);
                if (weighted_F(wc, mid, NULL) - mid > 0.0)
                    lo = mid;
                else
                    hi = mid;
            }
            double root = 0.5 * (lo + hi), phi = weighted_potential(wc, root);
            n++;
            if (phi > best && fabs(root - res->eps) > 1e-9 * fmax(root, res->eps)) {
                best = phi;
                res->eps = root;
                res->residual = weighted_F(wc, root, NULL) - root;
                res->switched = 1;
            }
        }
        prev_e = e;
        prev_h = h;
    }
    free(pts);
    res->n_stable = n > 0 ? n : 1;
    res->free_entropy = best;
}

pl_status pl_bo_solve_weighted(const pl_bo_channel *ch, size_t m, const double *w,
                               const double *s, double c, double delta,
                               const pl_bo_fp_opts *opts, pl_bo_fp *res, double *q)
{
    memset(res, 0, sizeof *res);
    res->eps = res->k_c = res->eps_one_shot = res->delta_eff = res->residual = NAN;
    pl_bo_fp_opts o = opts ? *opts : pl_bo_fp_default_opts();
    if (!ch || ch->status == PL_EINVAL || m == 0 || !w || !s || !(c >= 0.0) ||
        !(delta >= 0.0) || !isfinite(c) || !isfinite(delta))
        return res->status = PL_EINVAL;
    double sumw = 0.0;
    int sorted = 1;
    for (size_t i = 0; i < m; i++) {
        if (!(w[i] >= 0.0) || !(s[i] >= 0.0) || !isfinite(w[i]) || !isfinite(s[i]))
            return res->status = PL_EINVAL;
        sumw += w[i];
        if (i > 0 && s[i] > s[i - 1]) sorted = 0;
    }
    double *buf = malloc(2 * m * sizeof *buf);
    if (!buf) return res->status = PL_ENOMEM;
    double *wtail = buf, *qq = buf + m;
    double acc = 0.0;
    for (size_t i = m; i-- > 0;) {
        acc += w[i];
        wtail[i] = acc;
    }
    weighted_ctx wc = {ch, m, w, s, c, delta, sorted && ch->branches <= 1, wtail,
                       ch->l_s < ch->l_e ? ch->l_s : ch->l_e};
    /* F <= (g1 - g0) sum w; the margin keeps h(hi) < 0 despite rounding when nothing is
     * learned (then eps = (g1 - g0) sum w is the fixed point) */
    double hi = (ch->g1 - ch->g0) * sumw * (1.0 + 1e-9);
    pl_status st = fp_bisect(weighted_map, &wc, hi, &o, res);
    res->n_stable = 1;
    if (isfinite(res->eps)) res->free_entropy = weighted_potential(&wc, res->eps);
    if (st == PL_OK && o.scan > 1 && res->eps > 0.0)
        select_equilibrium(&wc, hi, &o, res);
    if (isfinite(res->eps)) {
        weighted_F(&wc, res->eps, qq);
        fp_summary(&wc, qq, res);
        if (q) memcpy(q, qq, m * sizeof *q);
    }
    free(buf);
    return st;
}

double pl_bo_free_entropy(const pl_bo_channel *ch, size_t k, const double *v,
                          double n_over_d, double delta, double eps)
{
    double *buf = malloc(2 * (k ? k : 1) * sizeof *buf);
    if (!buf || !ch || k == 0 || !(eps >= 0.0)) {
        free(buf);
        return NAN;
    }
    double *v2 = buf, *wtail = buf + k, acc = 0.0;
    for (size_t i = 0; i < k; i++) v2[i] = v[i] * v[i];
    for (size_t i = k; i-- > 0;) {
        acc += v2[i];
        wtail[i] = acc;
    }
    weighted_ctx wc = {ch, k, v2, v2, n_over_d, delta, 0, wtail, 0.0};
    double phi = weighted_potential(&wc, eps);
    free(buf);
    return phi;
}

pl_status pl_bo_solve(const pl_bo_channel *ch, size_t k, const double *v, double n_over_d,
                      double delta, const pl_bo_fp_opts *opts, pl_bo_fp *res, double *q)
{
    double *v2 = malloc((k ? k : 1) * sizeof *v2);
    if (!v2) return PL_ENOMEM;
    for (size_t i = 0; i < k; i++) v2[i] = v[i] * v[i];
    pl_status st = pl_bo_solve_weighted(ch, k, v2, v2, n_over_d, delta, opts, res, q);
    free(v2);
    return st;
}

/* ---------------------------------------------------------------- profiles */

pl_status pl_bo_profile_fill(pl_bo_profile prof, double param, size_t k, double *v)
{
    if (k == 0 || !v) return PL_EINVAL;
    for (size_t i = 0; i < k; i++) {
        double x;
        switch (prof) {
        case PL_BO_POWER: x = pow((double)(i + 1), -param); break;
        case PL_BO_DENSE: x = k > 1 ? 2.5 - 1.5 * (double)i / (double)(k - 1) : 1.0; break;
        case PL_BO_EXP:
            if (!(param > 0.0)) return PL_EINVAL;
            x = exp(-(double)i / param);
            break;
        default: return PL_EINVAL;
        }
        v[i] = x;
    }
    double nr = pl_nrm2(k, v);
    if (!(nr > 0.0) || !isfinite(nr)) return PL_EINVAL;
    pl_scal(k, 1.0 / nr, v);
    return PL_OK;
}

/* density form: S(t) = u^2 at cumulative weight t; X(t) = feature fraction at t */
typedef struct {
    const pl_bo_channel *ch;
    pl_bo_profile prof;
    double param; /* beta or tau_hat */
    double c, delta;
    double den;   /* delta + eps during an evaluation */
} density_ctx;

static double dens_S(const density_ctx *d, double t)
{
    switch (d->prof) {
    case PL_BO_POWER: {
        double b = d->param;
        return (1.0 - 2.0 * b) * pow(t, -2.0 * b / (1.0 - 2.0 * b));
    }
    case PL_BO_DENSE: return pow(15.625 - 14.625 * t, 2.0 / 3.0) / 3.25;
    case PL_BO_EXP: {
        double th = d->param, E = exp(-2.0 / th), Z = 0.5 * th * (1.0 - E);
        return (1.0 - t * (1.0 - E)) / Z;
    }
    }
    return NAN;
}

/* t at which S(t) = Sstar (S decreasing), clamped to [0, 1] */
static double dens_tstar(const density_ctx *d, double Sstar)
{
    double t;
    switch (d->prof) {
    case PL_BO_POWER: {
        double b = d->param;
        t = pow(Sstar / (1.0 - 2.0 * b), -(1.0 - 2.0 * b) / (2.0 * b));
        break;
    }
    case PL_BO_DENSE: t = (15.625 - pow(3.25 * Sstar, 1.5)) / 14.625; break;
    case PL_BO_EXP: {
        double th = d->param, E = exp(-2.0 / th), Z = 0.5 * th * (1.0 - E);
        t = (1.0 - Z * Sstar) / (1.0 - E);
        break;
    }
    default: t = NAN;
    }
    return t < 0.0 ? 0.0 : (t > 1.0 ? 1.0 : t);
}

static double dens_X(const density_ctx *d, double t)
{
    switch (d->prof) {
    case PL_BO_POWER: return pow(t, 1.0 / (1.0 - 2.0 * d->param));
    case PL_BO_DENSE: return (2.5 - cbrt(15.625 - 14.625 * t)) / 1.5;
    case PL_BO_EXP: {
        double th = d->param, E = exp(-2.0 / th);
        return -0.5 * th * log1p(-t * (1.0 - E));
    }
    }
    return NAN;
}

static double dens_integrand(double t, void *p)
{
    density_ctx *d = p;
    double l = d->c * dens_S(d, t) / d->den, q, s;
    m_e_qs(d->ch, l, &q, &s);
    return q > 0.0 ? pl_bo_gap(d->ch, s) : d->ch->g1 - d->ch->g0;
}

/* returns F and the learned weight fraction t* */
static double dens_F(density_ctx *d, double eps, double *tstar, double *learned_int)
{
    d->den = d->delta + eps;
    const pl_bo_channel *ch = d->ch;
    double ts = dens_tstar(d, ch->l_e * d->den / d->c);
    double I = 0.0, err;
    if (ts > 0.0) pl_integrate(dens_integrand, d, 0.0, ts, 1e-15, 1e-12, 0, 2000, &I, &err);
    if (tstar) *tstar = ts;
    if (learned_int) *learned_int = I;
    return I + (1.0 - ts) * (ch->g1 - ch->g0);
}

static double dens_map(void *p, double eps)
{
    return dens_F(p, eps, NULL, NULL);
}

pl_status pl_bo_solve_density(const pl_bo_channel *ch, pl_bo_profile prof, double param,
                              double c, double delta, const pl_bo_fp_opts *opts,
                              pl_bo_fp *res)
{
    memset(res, 0, sizeof *res);
    res->eps = res->k_c = res->eps_one_shot = res->delta_eff = res->residual = NAN;
    pl_bo_fp_opts o = opts ? *opts : pl_bo_fp_default_opts();
    if (!ch || ch->status == PL_EINVAL || !(c > 0.0) || !(delta >= 0.0) || !isfinite(c))
        return res->status = PL_EINVAL;
    if (prof == PL_BO_POWER && !(param >= 0.0 && param < 0.5)) return res->status = PL_EINVAL;
    if (prof == PL_BO_EXP && !(param > 0.0)) return res->status = PL_EINVAL;
    if (ch->branches > 1) return res->status = PL_EUNSUPPORTED;
    density_ctx d = {ch, prof, param, c, delta, delta};
    pl_status st = fp_bisect(dens_map, &d, (ch->g1 - ch->g0) * (1.0 + 1e-9), &o, res);
    if (isfinite(res->eps)) {
        double ts, I;
        dens_F(&d, res->eps, &ts, &I);
        res->k_c = dens_X(&d, ts);
        res->eps_one_shot = 2.0 * I + (1.0 - ts) * (ch->g1 - ch->g0);
        res->delta_eff = delta + (1.0 - ts) * (ch->g1 - ch->g0);
    }
    return st;
}

/* ---------------------------------------------------------------- scaling laws */

pl_status pl_bo_scaling_exponent(double beta, double *expo)
{
    if (!(beta > 0.5) || !isfinite(beta)) {
        *expo = NAN;
        return PL_EINVAL;
    }
    *expo = 1.0 / (2.0 * beta) - 1.0;
    return PL_OK;
}

/* zeta(s), s > 1: direct sum to N-1 plus Euler–Maclaurin tail (error ~ N^{-s-5}) */
static double zeta(double s)
{
    const int N = 64;
    double sum = 0.0;
    for (int n = 1; n < N; n++) sum += pow((double)n, -s);
    double Nn = (double)N, a = pow(Nn, -s);
    sum += Nn * a / (s - 1.0) + 0.5 * a + s * a / (12.0 * Nn) -
           s * (s + 1.0) * (s + 2.0) * a / (720.0 * Nn * Nn * Nn);
    return sum;
}

void pl_bo_guides(const pl_bo_channel *ch, double beta, size_t k, double n_over_d,
                  double delta, double *eps_fl, double *eps_ref)
{
    double kd = (double)k; /* k d / n = k / (n/d) */
    *eps_ref = n_over_d > kd ? kd * delta / (n_over_d - kd) : NAN;
    if (!(beta > 0.5)) {
        *eps_fl = NAN;
        return;
    }
    double z = zeta(2.0 * beta);
    double ks = pow(n_over_d / (ch->l_e * z * delta), 1.0 / (2.0 * beta));
    *eps_fl = (ch->g1 - ch->g0) * pow(ks, 1.0 - 2.0 * beta) / ((2.0 * beta - 1.0) * z) +
              ks * delta / n_over_d;
}

pl_status pl_bo_fit_loglog(size_t n, const double *x, const double *y, double *slope,
                           double *intercept)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(x[i] > 0.0) || !(y[i] > 0.0)) continue;
        double lx = log(x[i]), ly = log(y[i]);
        sx += lx;
        sy += ly;
        sxx += lx * lx;
        sxy += lx * ly;
        m++;
    }
    if (m < 2) return PL_EINVAL;
    double den = (double)m * sxx - sx * sx;
    if (!(fabs(den) > 0.0)) return PL_EINVAL;
    *slope = ((double)m * sxy - sx * sy) / den;
    if (intercept) *intercept = (sy - *slope * sx) / (double)m;
    return PL_OK;
}
