/* Family 4 theory: MP(kappa*) ⊞ SC(xi) spectra, the (q, xi) fixed point of the nuclear-norm
 * ERM, its branches, the closed-form thresholds and the Bayes-optimal baseline (spec 04). */
#include "phaselab/quadnet.h"

#include <complex.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/rmt.h"
#include "phaselab/roots.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* ------------------------------------------------------------------ validation */

const char *pl_qn_setting_check(const pl_qn_setting *s, char *buf, size_t len)
{
    if (!(s->kappa > 0) || !isfinite(s->kappa))
        snprintf(buf, len, "kappa = %g: the student width ratio must be > 0", s->kappa);
    else if (!(s->kappa_star > 0) || !isfinite(s->kappa_star))
        snprintf(buf, len, "kappa_star = %g: the teacher width ratio must be > 0", s->kappa_star);
    else if (!(s->lambda >= 0) || !isfinite(s->lambda))
        snprintf(buf, len, "lambda = %g: the regularisation must be >= 0", s->lambda);
    else if (!(s->delta >= 0) || !isfinite(s->delta))
        snprintf(buf, len, "delta = %g: the noise variance must be >= 0", s->delta);
    else
        return NULL;
    return buf;
}

/* ------------------------------------------------------------------ Gauss–Legendre on [0,1] */

static void gauss_legendre01(size_t n, double *x, double *w)
{
    for (size_t i = 0; i < (n + 1) / 2; i++) {
        double z = cos(M_PI * ((double)i + 0.75) / ((double)n + 0.5)), pp = 1;
        for (int it = 0; it < 100; it++) {
            double p1 = 1, p2 = 0;
            for (size_t j = 1; j <= n; j++) {
                double p3 = p2;
                p2 = p1;
                p1 = ((2.0 * (double)j - 1) * z * p2 - ((double)j - 1) * p3) / (double)j;
            }
            pp = (double)n * (z * p1 - p2) / (z * z - 1);
            double dz = p1 / pp;
            z -= dz;
            if (fabs(dz) < 1e-16) break;
        }
        double wi = 2 / ((1 - z * z) * pp * pp);
        x[i] = 0.5 * (1 - z);
        x[n - 1 - i] = 0.5 * (1 + z);
        w[i] = w[n - 1 - i] = 0.5 * wi;
    }
}

pl_status pl_qn_theory_init(pl_qn_theory *th, const pl_qn_setting *s)
{
    char buf[160];
    if (pl_qn_setting_check(s, buf, sizeof buf)) return PL_EINVAL;
    memset(th, 0, sizeof *th);
    th->s = *s;
    th->Q0 = 1 + 1 / s->kappa_star;
    gauss_legendre01(PL_QN_GL, th->glx, th->glw);
    return PL_OK;
}

/* ------------------------------------------------------------------ the spectral law */

/* The complex root (Im >= 0) of a g^3 + b g^2 + c g + e (a > 0) when it has exactly one real
 * root; returns 0 if all three roots are real. The real root comes from monotone Newton
 * (from the side of the inflection point where the cubic is convex/concave), the pair from
 * forward or backward deflation (whichever leaves the smaller residual), then one complex
 * Newton polish on the original cubic. Stable when the real root is huge (xi -> 0), where
 * Cardano's formula cancels catastrophically. */
static int cubic_pair(double a, double b, double c, double e, double complex *z)
{
    double B = b / a, C = c / a, D = e / a;
    double infl = -B / 3;
    double r = NAN;
    /* fast path: Cardano's real root (one real root when the discriminant is positive),
     * polished by Newton; it loses digits when the real root is huge (xi -> 0), so it must
     * converge in a few steps or we take the robust path */
    {
        double p = C - B * B / 3, qq = 2 * B * B * B / 27 - B * C / 3 + D;
        double disc = qq * qq / 4 + p * p * p / 27;
        if (disc > 0) {
            double u = cbrt(-qq / 2 - copysign(sqrt(disc), qq));
            double t = u != 0 ? u - p / (3 * u) : 0;
            double x = t + infl;
            for (int it = 0; it < 6; it++) {
                double f = ((x + B) * x + C) * x + D, fp = (3 * x + 2 * B) * x + C;
                if (fp == 0 || !isfinite(f)) break;
                double dx = f / fp;
                x -= dx;
                /* the pair is polished by complex Newton below: 1e-10 here is plenty */
                if (fabs(dx) <= 1e-10 * fabs(x) || f == 0) {
                    r = x;
                    break;
                }
            }
        }
    }
    double fi = ((infl + B) * infl + C) * infl + D;
    if (!isnan(r)) {
        /* converged on the fast path */
    } else if (fi == 0) {
        r = infl;
    } else {
        /* Fujiwara bound on the root moduli; Newton from the side of the inflection point
         * where the cubic is convex (resp. concave) converges monotonically */
        double U = 2 * fmax(fabs(B), fmax(sqrt(fabs(C)), cbrt(fabs(D) / 2)));
        r = fi < 0 ? U : -U;
        for (int it = 0; it < 200; it++) {
            double f = ((r + B) * r + C) * r + D, fp = (3 * r + 2 * B) * r + C;
            if (fp == 0) break;
            double dr = f / fp;
            r -= dr;
            if (fabs(dr) <= 4 * DBL_EPSILON * fabs(r) || f == 0) break;
        }
    }
    /* forward deflation g^2 + f1 g + f0 is stable when the real root is the smaller one,
     * backward deflation (from the constant term) when it is the larger one (|r|^2 > |f0|,
     * the pair's squared modulus): xi -> 0, where r ~ x/xi */
    double f1 = B + r, f0 = C + f1 * r, p1 = f1, p0 = f0;
    if (r != 0 && r * r > fabs(f0)) {
        double k0 = -D / r, k1 = (k0 - C) / r, k2 = (k1 - B) / r;
        if (isfinite(k1 / k2) && isfinite(k0 / k2)) {
            p1 = k1 / k2;
            p0 = k0 / k2;
        }
    }
    /* complex arithmetic spelled out in real parts (double complex products go through the
     * Annex G helpers, ~10x slower) */
    double bre = -p1 / 2, im2 = p0 - bre * bre, bim = 0, bestres = INFINITY;
    if (im2 > 0) {
        bim = sqrt(im2);
        bestres = 0;
    }
    if (!(bestres < INFINITY)) return 0;
    for (int it = 0; it < 2; it++) {
        double ur = bre + B, ui = bim;
        double vr = ur * bre - ui * bim + C, vi = ur * bim + ui * bre;
        double Pr = vr * bre - vi * bim + D, Pi = vr * bim + vi * bre;
        /* P'(g) = (3 g + 2 B) g + C */
        double wr = 3 * bre + 2 * B, wi = 3 * bim;
        double Qr = wr * bre - wi * bim + C, Qi = wr * bim + wi * bre;
        double den = Qr * Qr + Qi * Qi;
        if (!(den > 0)) break;
        double dr = (Pr * Qr + Pi * Qi) / den, di = (Pi * Qr - Pr * Qi) / den;
        if (!(isfinite(dr) && isfinite(di))) break;
        bre -= dr;
        bim -= di;
        if (fabs(dr) + fabs(di) <= 1e-12 * (fabs(bre) + fabs(bim))) break;
    }
    if (!(bim != 0)) return 0;
    *z = bre + I * fabs(bim);
    return 1;
}

int pl_qn_law_eval(const pl_qn_law *law, double x, double *rho, double *h)
{
    double k = law->kappa_star, s = law->xi;
    double complex g;
    if (!cubic_pair(s, -(x + k * s), 1 - k + k * x, -k, &g)) {
        *rho = 0;
        *h = NAN;
        return 0;
    }
    *rho = cimag(g) / M_PI;
    *h = creal(g);
    return 1;
}

/* Real roots of c[0] + c[1] x + ... + c[deg] x^deg (deg <= 8, pl_poly_roots), ascending;
 * the real parts and imaginary parts (> 0) of the complex pairs go to cre[], cim[]. */
static size_t poly_real_roots(const double *c, size_t deg, double *out, double *cre,
                              double *cim, size_t *ncplx)
{
    double complex z[8];
    *ncplx = 0;
    if (deg > 8 || pl_poly_roots(c, deg, z) != PL_OK) return 0;
    size_t nr = 0;
    for (size_t i = 0; i < deg; i++) {
        double re = creal(z[i]), im = cimag(z[i]);
        if (fabs(im) > 1e-7 * fmax(1, fabs(re))) {
            if (im > 0) {
                cre[*ncplx] = re;
                cim[(*ncplx)++] = im;
            }
            continue;
        }
        out[nr++] = re;
    }
    for (size_t i = 1; i < nr; i++)
        for (size_t j = i; j > 0 && out[j - 1] > out[j]; j--) {
            double t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return nr;
}

pl_status pl_qn_law_init(pl_qn_law *law, double kappa_star, double xi)
{
    if (!(kappa_star > 0) || !(xi > 0) || !isfinite(xi) || !isfinite(kappa_star))
        return PL_EINVAL;
    double k = kappa_star, s = xi, k2 = k * k, k3 = k2 * k, k4 = k3 * k;
    double c[5];
    c[4] = k2;
    c[3] = -2 * k - 2 * k2 - 2 * k3 * s;
    c[2] = 1 - 2 * k + k2 - 2 * k2 * s + 8 * k3 * s + k4 * s * s;
    c[1] = 8 * k * s + 2 * k2 * s - 10 * k3 * s + 8 * k3 * s * s - 2 * k4 * s * s;
    c[0] = -4 * s + 12 * k * s - 12 * k2 * s + 4 * k3 * s - 8 * k2 * s * s - 20 * k3 * s * s +
           k4 * s * s - 4 * k4 * s * s * s;
    double r[4], cre[4], cim[4];
    size_t ncplx;
    size_t nr = poly_real_roots(c, 4, r, cre, cim, &ncplx);
    law->kappa_star = k;
    law->xi = s;
    law->nint = 0;
    law->npiece = 0;
    /* keep the intervals between consecutive roots whose midpoint carries density */
    for (size_t i = 0; i + 1 < nr; i++) {
        double rho, h, mid = 0.5 * (r[i] + r[i + 1]);
        if (pl_qn_law_eval(law, mid, &rho, &h) && law->nint < 2) {
            double lo = r[i], hi = r[i + 1];
            law->edges[2 * law->nint] = lo;
            law->edges[2 * law->nint + 1] = hi;
            law->nint++;
            /* split at a near-real complex root pair inside the interval */
            for (size_t j = 0; j < ncplx; j++)
                if (cre[j] > lo && cre[j] < hi && cim[j] < 0.25 * (hi - lo)) {
                    law->piece[2 * law->npiece] = lo;
                    law->piece[2 * law->npiece + 1] = cre[j];
                    law->npiece++;
                    lo = cre[j];
                    break;
                }
            law->piece[2 * law->npiece] = lo;
            law->piece[2 * law->npiece + 1] = hi;
            law->npiece++;
        }
    }
    return law->nint ? PL_OK : PL_ENOCONV;
}

/* ------------------------------------------------------------------ integrals */

typedef struct {
    double r, A, B, m3;
} qn_ints;

/* x = lo + (hi - lo)(3u^2 - 2u^3) clusters the nodes at both ends: it removes square-root
 * edges and resolves a near-vanishing density at a split point (a cut at b inside a piece
 * keeps the same map; it is exact for smooth integrands too). */
static void integrate_interval(const pl_qn_theory *th, const pl_qn_law *law, double lo,
                               double hi, double q, qn_ints *acc)
{
    double L = hi - lo;
    for (size_t i = 0; i < PL_QN_GL; i++) {
        double u = th->glx[i];
        double x = lo + L * u * u * (3 - 2 * u), jac = 6 * L * u * (1 - u);
        double rho, h;
        if (!pl_qn_law_eval(law, x, &rho, &h)) continue;
        double w = th->glw[i] * jac * rho;
        acc->r += w;
        acc->A += w * h * (x - q);
        acc->B += w * (q * q - x * x);
        acc->m3 += w * rho * rho;
    }
}

pl_status pl_qn_integrals(const pl_qn_theory *th, const pl_qn_law *law, double b, double q,
                          double *r, double *A, double *B, double *m3)
{
    qn_ints acc = {0, 0, 0, 0};
    for (size_t i = 0; i < law->npiece; i++) {
        double lo = fmax(law->piece[2 * i], b), hi = law->piece[2 * i + 1];
        if (lo >= hi) continue;
        integrate_interval(th, law, lo, hi, q, &acc);
    }
    if (!isfinite(acc.r + acc.A + acc.B + acc.m3)) return PL_ENAN;
    if (r) *r = acc.r;
    if (A) *A = acc.A;
    if (B) *B = acc.B;
    if (m3) *m3 = acc.m3;
    return PL_OK;
}

typedef struct {
    const pl_qn_theory *th;
    const pl_qn_law *law;
    double target;
} mass_ctx;

static double mass_above(double w, void *vctx)
{
    mass_ctx *c = vctx;
    double r = NAN;
    pl_qn_integrals(c->th, c->law, w, 0, &r, NULL, NULL, NULL);
    return r - c->target;
}

pl_status pl_qn_omega(const pl_qn_theory *th, const pl_qn_law *law, double *omega)
{
    if (th->s.kappa >= 1) {
        *omega = -INFINITY;
        return PL_OK;
    }
    /* safeguarded Newton on m(w) = int_w^inf rho - kappa, m'(w) = -rho(w): start from the
     * quadrature nodes' cumulative mass, fall back to bisection when a step leaves the
     * bracket or the density vanishes */
    mass_ctx c = {th, law, th->s.kappa};
    double lo = law->edges[0], hi = law->edges[2 * law->nint - 1];
    double w = 0.5 * (lo + hi), acc = 0;
    for (size_t i = law->npiece; i-- > 0 && acc < c.target;) {
        double a = law->piece[2 * i], L = law->piece[2 * i + 1] - a;
        for (size_t j = PL_QN_GL; j-- > 0;) {
            double u = th->glx[j], x = a + L * u * u * (3 - 2 * u), rho, h;
            if (pl_qn_law_eval(law, x, &rho, &h)) acc += th->glw[j] * 6 * L * u * (1 - u) * rho;
            if (acc >= c.target) {
                w = x;
                break;
            }
        }
    }
    double tol = 1e-14 * fmax(1, fabs(hi));
    for (int it = 0; it < 100; it++) {
        double m = mass_above(w, &c);
        if (!isfinite(m)) return PL_ENAN;
        if (m == 0) break;
        if (m > 0) lo = w; /* too much mass above: move right */
        else hi = w;
        double rho, h, wn;
        pl_qn_law_eval(law, w, &rho, &h);
        wn = rho > 0 ? w + m / rho : NAN;
        if (!(wn > lo && wn < hi)) wn = 0.5 * (lo + hi);
        double step = fabs(wn - w);
        w = wn;
        if (step < tol || hi - lo < tol) break;
    }
    *omega = w;
    return PL_OK;
}

/* ------------------------------------------------------------------ the fixed point */

static void fill_state(const pl_qn_theory *th, double xi, double q, double omega, double r,
                       double A, double B, pl_qn_state *st)
{
    const pl_qn_setting *s = &th->s;
    st->status = PL_OK;
    st->xi = xi;
    st->q = q;
    st->omega = omega;
    st->b = fmax(q, omega);
    st->A = A;
    st->B = B;
    st->mse = th->Q0 + B + 4 * xi * A;
    st->alpha = (st->mse + s->delta / 2) / (2 * xi);
    st->rank = r;
    st->singular = 0;
    if (q > 0) {
        st->train_loss = s->lambda * s->lambda * st->alpha * xi / (q * q);
        st->ise = st->train_loss + 0.25 * s->delta * (1 - 2 * s->lambda / q);
    } else {
        /* lambda -> 0+ on the q = 0 branch (spec T4): lambda/q -> 1 - A/alpha */
        double g = st->alpha - A;
        st->train_loss = xi * g * g / st->alpha;
        st->ise = st->train_loss + 0.25 * s->delta * (1 - 2 * g / st->alpha);
        st->singular = 1;
    }
}

pl_status pl_qn_state_at(const pl_qn_theory *th, double xi, double q, pl_qn_state *st)
{
    pl_qn_law law;
    double omega, r, A, B;
    pl_status s = pl_qn_law_init(&law, th->s.kappa_star, xi);
    if (s == PL_OK) s = pl_qn_omega(th, &law, &omega);
    if (s == PL_OK) s = pl_qn_integrals(th, &law, fmax(q, omega), q, &r, &A, &B, NULL);
    if (s != PL_OK) {
        memset(st, 0, sizeof *st);
        st->status = s;
        return s;
    }
    fill_state(th, xi, q, omega, r, A, B, st);
    return PL_OK;
}

pl_status pl_qn_F(const pl_qn_theory *th, const pl_qn_law *law, double omega, double q,
                  double *F)
{
    double A, B;
    pl_status s = pl_qn_integrals(th, law, fmax(q, omega), q, NULL, &A, &B, NULL);
    if (s != PL_OK) return s;
    double E = th->Q0 + B + 4 * law->xi * A;
    *F = 2 * law->xi * A / (E + th->s.delta / 2) - 1 + (q > 0 ? th->s.lambda / q : 0);
    return isfinite(*F) ? PL_OK : PL_ENAN;
}

typedef struct {
    const pl_qn_theory *th;
    const pl_qn_law *law;
    double omega;
} F_ctx;

static double F_fn(double q, void *vctx)
{
    F_ctx *c = vctx;
    double F = NAN;
    pl_qn_F(c->th, c->law, c->omega, q, &F);
    return F;
}

static double q_floor(const pl_qn_theory *th, const pl_qn_law *law)
{
    double top = law->edges[2 * law->nint - 1];
    return th->s.lambda > 0 ? th->s.lambda * (1 + 1e-12) : 1e-10 * fmax(top, 1e-3);
}

pl_status pl_qn_solve_xi(const pl_qn_theory *th, double xi, pl_qn_state *st)
{
    pl_qn_law law;
    double omega;
    pl_status s = pl_qn_law_init(&law, th->s.kappa_star, xi);
    if (s == PL_OK) s = pl_qn_omega(th, &law, &omega);
    if (s != PL_OK) goto fail;
    F_ctx c = {th, &law, omega};
    double top = law.edges[2 * law.nint - 1];
    double qa = q_floor(th, &law), fa = F_fn(qa, &c);
    if (!isfinite(fa)) {
        s = PL_ENAN;
        goto fail;
    }
    double q;
    if (th->s.lambda > 0 && qa >= top) {
        q = th->s.lambda; /* S_hat = 0: the threshold is above the whole spectrum */
    } else {
        double qb = qa, fb = fa;
        int found = fa == 0;
        while (!found && qb < 2 * fmax(top, 1e-300)) {
            double qn = qb * 1.25;
            double fn = F_fn(qn, &c);
            if (!isfinite(fn)) {
                s = PL_ENAN;
                goto fail;
            }
            if ((fn > 0) != (fb > 0) || fn == 0) {
                qa = qb;
                fa = fb;
                qb = qn;
                fb = fn;
                found = 1;
                break;
            }
            qb = qn;
            fb = fn;
        }
        if (!found) {
            s = PL_ENOSOLUTION;
            goto fail;
        }
        if (fa == 0) q = qa;
        else if (fb == 0) q = qb;
        else {
            s = pl_brent(F_fn, &c, qa, qb, 1e-15 * qb, 200, &q);
            if (s != PL_OK) goto fail;
        }
    }
    double r, A, B;
    s = pl_qn_integrals(th, &law, fmax(q, omega), q, &r, &A, &B, NULL);
    if (s != PL_OK) goto fail;
    fill_state(th, xi, q, omega, r, A, B, st);
    return PL_OK;
fail:
    memset(st, 0, sizeof *st);
    st->status = s;
    st->xi = xi;
    return s;
}

size_t pl_qn_roots_xi(const pl_qn_theory *th, double xi, pl_qn_state *st, size_t max)
{
    pl_qn_law law;
    double omega;
    if (pl_qn_law_init(&law, th->s.kappa_star, xi) != PL_OK) return 0;
    if (pl_qn_omega(th, &law, &omega) != PL_OK) return 0;
    F_ctx c = {th, &law, omega};
    double top = law.edges[2 * law.nint - 1];
    double qa = q_floor(th, &law), qmax = 1.01 * fmax(top, qa);
    if (qa >= top && th->s.lambda > 0) {
        if (max > 0 && pl_qn_state_at(th, xi, th->s.lambda, &st[0]) == PL_OK) return 1;
        return 0;
    }
    const int N = 240;
    double ratio = pow(qmax / qa, 1.0 / N);
    double q0 = qa, f0 = F_fn(q0, &c);
    size_t n = 0;
    for (int i = 1; i <= N && n < max; i++) {
        double q1 = qa * pow(ratio, i), f1 = F_fn(q1, &c);
        if (!isfinite(f0) || !isfinite(f1)) break;
        if ((f0 > 0) != (f1 > 0) || f1 == 0) {
            double q = q1;
            if (f1 != 0 && pl_brent(F_fn, &c, q0, q1, 1e-15 * q1, 200, &q) != PL_OK) q = NAN;
            if (isfinite(q) && pl_qn_state_at(th, xi, q, &st[n]) == PL_OK) n++;
        }
        q0 = q1;
        f0 = f1;
    }
    return n;
}

/* ---- continuation in (u, t) = (log q, log xi) */

typedef struct {
    const pl_qn_theory *th;
    pl_qn_curve_cb cb;
    void *ctx;
    double tlo;
    int stopped;
    pl_status err;
} curve_ctx;

static pl_status curve_H(const double *u, double t, double *H, size_t n, void *vctx)
{
    (void)n;
    curve_ctx *c = vctx;
    pl_qn_law law;
    double omega;
    pl_status s = pl_qn_law_init(&law, c->th->s.kappa_star, exp(t));
    if (s == PL_OK) s = pl_qn_omega(c->th, &law, &omega);
    if (s == PL_OK) s = pl_qn_F(c->th, &law, omega, exp(u[0]), &H[0]);
    return s;
}

static int curve_out(const double *u, double t, void *vctx)
{
    curve_ctx *c = vctx;
    pl_qn_state st;
    if (u[0] < log(1e-12)) return 1; /* lambda = 0: the branch ends at q -> 0 */
    pl_status s = pl_qn_state_at(c->th, exp(t), exp(u[0]), &st);
    if (s != PL_OK) {
        c->err = s;
        return 1;
    }
    if (c->cb(&st, c->ctx)) {
        c->stopped = 1;
        return 1;
    }
    return 0;
}

pl_status pl_qn_curve(const pl_qn_theory *th, double xi_hi, double xi_lo, pl_qn_curve_cb cb,
                      void *ctx)
{
    if (!(xi_lo > 0) || !(xi_hi > xi_lo)) return PL_EINVAL;
    pl_qn_state st;
    pl_status s = pl_qn_solve_xi(th, xi_hi, &st);
    if (s != PL_OK) return s;
    curve_ctx c = {th, cb, ctx, log(xi_lo), 0, PL_OK};
    pl_cont_opts o = pl_cont_default_opts();
    o.ds = 0.05;
    o.ds_min = 1e-9;
    o.ds_max = 0.15;
    o.tmin = log(xi_lo);
    o.tmax = log(xi_hi) + 1e-9;
    o.maxsteps = 20000;
    o.newton_tol = 1e-12;
    o.direction = -1;
    double u0 = log(st.q);
    s = pl_continuation(curve_H, &c, &u0, log(xi_hi), 1, &o, curve_out, &c);
    if (c.err != PL_OK) return c.err;
    return s;
}

/* ---- solutions at a given alpha */

typedef struct {
    const pl_qn_theory *th;
    double alpha;
    double prev_u, prev_t, prev_a;
    int have_prev;
    pl_qn_state *out;
    size_t max, n;
    double stop_alpha;
    pl_status err;
} alpha_ctx;

/* 2-d Newton on (log q, log xi): F = 0 and log(alpha(q, xi)/alpha_target) = 0. */
static pl_status alpha_residual(const pl_qn_theory *th, double u, double t, double alpha,
                                double *r)
{
    pl_qn_state st;
    pl_status s = pl_qn_state_at(th, exp(t), exp(u), &st);
    if (s != PL_OK) return s;
    double q = exp(u);
    double E = st.mse, xi = st.xi;
    r[0] = 2 * xi * st.A / (E + th->s.delta / 2) - 1 + th->s.lambda / q;
    r[1] = log(st.alpha / alpha);
    return (isfinite(r[0]) && isfinite(r[1])) ? PL_OK : PL_ENAN;
}

static pl_status refine_alpha(const pl_qn_theory *th, double alpha, double *u, double *t)
{
    for (int it = 0; it < 60; it++) {
        double r[2], ru[2], rt[2], h = 1e-7;
        pl_status s = alpha_residual(th, *u, *t, alpha, r);
        if (s != PL_OK) return s;
        if (fabs(r[0]) < 1e-12 && fabs(r[1]) < 1e-12) return PL_OK;
        if ((s = alpha_residual(th, *u + h, *t, alpha, ru)) != PL_OK) return s;
        if ((s = alpha_residual(th, *u, *t + h, alpha, rt)) != PL_OK) return s;
        double J00 = (ru[0] - r[0]) / h, J10 = (ru[1] - r[1]) / h;
        double J01 = (rt[0] - r[0]) / h, J11 = (rt[1] - r[1]) / h;
        double det = J00 * J11 - J01 * J10;
        if (!(fabs(det) > 0)) return PL_ENOCONV;
        double du = (J11 * r[0] - J01 * r[1]) / det, dt = (-J10 * r[0] + J00 * r[1]) / det;
        double m = fmax(fabs(du), fabs(dt));
        if (m > 0.2) {
            du *= 0.2 / m;
            dt *= 0.2 / m;
        }
        *u -= du;
        *t -= dt;
        if (m < 1e-13) return PL_OK;
    }
    return PL_ENOCONV;
}

static int alpha_cb(const pl_qn_state *st, void *vctx)
{
    alpha_ctx *c = vctx;
    double u = log(st->q), t = log(st->xi), a = st->alpha;
    if (c->have_prev && (c->prev_a - c->alpha) * (a - c->alpha) <= 0 && c->n < c->max) {
        double w = (c->alpha - c->prev_a) / (a - c->prev_a);
        if (!isfinite(w)) w = 0.5;
        double uu = c->prev_u + w * (u - c->prev_u), tt = c->prev_t + w * (t - c->prev_t);
        pl_status s = refine_alpha(c->th, c->alpha, &uu, &tt);
        pl_qn_state *o = &c->out[c->n];
        if (s == PL_OK) s = pl_qn_state_at(c->th, exp(tt), exp(uu), o);
        if (s != PL_OK) {
            c->err = s;
            return 1;
        }
        /* the same root found twice (crossing exactly at a grid point) */
        if (!(c->n > 0 && fabs(log(c->out[c->n - 1].xi / o->xi)) < 1e-8)) c->n++;
    }
    c->prev_u = u;
    c->prev_t = t;
    c->prev_a = a;
    c->have_prev = 1;
    return a > c->stop_alpha;
}

/* lambda = 0, alpha above the threshold: the q = 0 branch, alpha(xi) - alpha_target */
typedef struct {
    const pl_qn_theory *th;
    double alpha;
} alpha0_ctx;

static double alpha0_fn(double t, void *vctx)
{
    alpha0_ctx *c = vctx;
    pl_qn_state st;
    if (pl_qn_state_at(c->th, exp(t), 0.0, &st) != PL_OK) return NAN;
    return log(st.alpha / c->alpha);
}

static pl_status solve_alpha_singular(const pl_qn_theory *th, double alpha, double xi_thr,
                                      pl_qn_state *out)
{
    alpha0_ctx c = {th, alpha};
    double t, thi = log(xi_thr), tlo = thi - 2;
    for (int k = 0; k < 60 && !(alpha0_fn(tlo, &c) > 0); k++) tlo -= 2;
    pl_status st = pl_brent(alpha0_fn, &c, tlo, thi, 1e-13, 300, &t);
    if (st != PL_OK) return st;
    return pl_qn_state_at(th, exp(t), 0.0, out);
}

pl_status pl_qn_solve_alpha(const pl_qn_theory *th, double alpha, pl_qn_state *out,
                            size_t max, size_t *nout)
{
    *nout = 0;
    if (!(alpha > 0) || !isfinite(alpha) || max == 0) return PL_EINVAL;
    const pl_qn_setting *set = &th->s;
    pl_status s;
    if (set->lambda == 0) {
        /* lambda -> 0+ (spec T4): interpolation (q > 0, A = alpha) below the threshold,
         * the q = 0 branch (Delta > 0) or perfect recovery (Delta = 0) above it */
        double a_thr, xi_thr = 0, mse;
        s = set->delta > 0 ? pl_qn_alpha_inter(th, &a_thr, &xi_thr, &mse)
                           : pl_qn_alpha_strong(set->kappa, set->kappa_star, &a_thr);
        if (s != PL_OK && s != PL_ENOSOLUTION) return s;
        if (s == PL_OK && alpha >= a_thr) {
            if (set->delta > 0) {
                s = solve_alpha_singular(th, alpha, xi_thr, out);
            } else {
                memset(out, 0, sizeof *out);
                out->status = PL_OK;
                out->alpha = alpha;
                out->omega = -INFINITY;
                out->rank = fmin(1, set->kappa_star);
                out->singular = 1;
            }
            if (s == PL_OK) *nout = 1;
            return s;
        }
    }
    /* at large xi, alpha ~ (Q0 + Delta/2)/(2 xi): start well below the target and follow
     * the curve (through its folds) by continuation; every crossing of alpha is a solution */
    double xi_hi = fmax(10.0, 4 * (th->Q0 + set->delta) / alpha);
    alpha_ctx c = {th, alpha, 0, 0, 0, 0, out, max, 0, 4 * alpha + 2, PL_OK};
    s = pl_qn_curve(th, xi_hi, 1e-9, alpha_cb, &c);
    *nout = c.n;
    if (c.err != PL_OK) return c.err;
    if (c.n == 0) return s == PL_OK ? PL_ENOSOLUTION : s;
    return PL_OK;
}

/* ------------------------------------------------------------------ spectrum of S_hat */

double pl_qn_spectrum_density(const pl_qn_theory *th, const pl_qn_state *st, double y)
{
    (void)th;
    if (!(y > 0) || y + st->q <= st->b || st->xi <= 0) return 0;
    pl_qn_law law;
    if (pl_qn_law_init(&law, th->s.kappa_star, st->xi) != PL_OK) return NAN;
    double rho, h;
    pl_qn_law_eval(&law, y + st->q, &rho, &h);
    return rho;
}

double pl_qn_spectrum_mean(const pl_qn_theory *th, const pl_qn_state *st)
{
    if (!(st->rank > 0) || !(st->xi > 0)) return NAN;
    pl_qn_law law;
    if (pl_qn_law_init(&law, th->s.kappa_star, st->xi) != PL_OK) return NAN;
    /* int_b x rho with the rule of pl_qn_integrals */
    double m1 = 0;
    for (size_t i = 0; i < law.npiece; i++) {
        double lo = fmax(law.piece[2 * i], st->b), hi = law.piece[2 * i + 1], L = hi - lo;
        if (lo >= hi) continue;
        for (size_t j = 0; j < PL_QN_GL; j++) {
            double u = th->glx[j], x = lo + L * u * u * (3 - 2 * u), rho, h;
            if (pl_qn_law_eval(&law, x, &rho, &h)) m1 += th->glw[j] * 6 * L * u * (1 - u) * rho * x;
        }
    }
    return m1 / st->rank - st->q;
}

typedef struct {
    const pl_qn_theory *th;
    const pl_qn_law *law;
    double b, target;
} quant_ctx;

static double quant_fn(double x, void *vctx)
{
    quant_ctx *c = vctx;
    double above = NAN;
    pl_qn_integrals(c->th, c->law, fmax(x, c->b), 0, &above, NULL, NULL, NULL);
    return above - c->target;
}

pl_status pl_qn_spectrum_quantile(const pl_qn_theory *th, const pl_qn_state *st, double u,
                                  double *y)
{
    if (!(u > 0 && u < 1) || !(st->rank > 0) || !(st->xi > 0)) return PL_EINVAL;
    pl_qn_law law;
    pl_status s = pl_qn_law_init(&law, th->s.kappa_star, st->xi);
    if (s != PL_OK) return s;
    quant_ctx c = {th, &law, st->b, (1 - u) * st->rank};
    double lo = fmax(st->b, law.edges[0]), hi = law.edges[2 * law.nint - 1], x;
    s = pl_brent(quant_fn, &c, lo, hi, 1e-13 * fmax(1, hi), 200, &x);
    *y = x - st->q;
    return s;
}

/* ------------------------------------------------------------------ thresholds */

static double M0(double x) { return 0.5 - x * sqrt(4 - x * x) / (4 * M_PI) - asin(x / 2) / M_PI; }
static double M1(double x) { return pow(4 - x * x, 1.5) / (6 * M_PI); }
static double M2(double x)
{
    return 0.5 - sqrt(4 - x * x) * (x * x * x - 2 * x) / (8 * M_PI) - asin(x / 2) / M_PI;
}

typedef struct {
    double target, w0, ks;
} thr_ctx;

static double m0_fn(double x, void *v) { return M0(x) - ((thr_ctx *)v)->target; }
static double thr_b(double q, double w0) { return fmin(fmax(q, w0), 2); }
static double q0_fn(double q, void *v)
{
    thr_ctx *c = v;
    double b = thr_b(q, c->w0);
    return (M1(b) - q * M0(b)) / q - c->ks / (1 - c->ks);
}

pl_status pl_qn_alpha_strong(double kappa, double kappa_star, double *alpha)
{
    if (!(kappa > 0) || !(kappa_star > 0)) return PL_EINVAL;
    if (kappa_star >= 1) {
        *alpha = 0.5;
        return PL_OK;
    }
    if (kappa <= kappa_star) {
        /* a rank-kappa d student cannot represent the rank-kappa* d teacher */
        *alpha = INFINITY;
        return PL_ENOSOLUTION;
    }
    thr_ctx c = {(fmin(1, kappa) - kappa_star) / (1 - kappa_star), -2, kappa_star};
    pl_status s = PL_OK;
    if (kappa < 1) s = pl_brent(m0_fn, &c, -2, 2, 1e-15, 200, &c.w0);
    double q0;
    if (s == PL_OK) s = pl_brent(q0_fn, &c, 1e-14, 2, 1e-15, 300, &q0);
    if (s != PL_OK) return s;
    double b = thr_b(q0, c.w0), k = kappa_star;
    *alpha = k - k * k / 2 + (1 - k) * (1 - k) / 2 * (M2(b) - q0 * M1(b));
    return PL_OK;
}

static double v_fn(double v, void *ctx)
{
    return (v * sqrt(1 - v * v) + asin(v)) / M_PI - *(double *)ctx;
}

pl_status pl_qn_alpha_pr_gd(double kappa, double kappa_star, double *alpha)
{
    if (!(kappa > 0) || !(kappa_star > 0)) return PL_EINVAL;
    double k = kappa_star;
    if (k >= 1) {
        *alpha = 0.5;
        return PL_OK;
    }
    if (2 * kappa > 1 + k) {
        *alpha = (0.5 + k - k * k / 2) / 2;
        return PL_OK;
    }
    double y = ((1 + k) / 2 - kappa) / (1 - k), v;
    if (!(y >= 0 && y <= 0.5)) {
        /* kappa < kappa*: y > 1/2, no solution in [0, 1] */
        *alpha = INFINITY;
        return PL_ENOSOLUTION;
    }
    pl_status s = pl_brent(v_fn, &y, 0, 1, 1e-15, 200, &v);
    if (s != PL_OK) return s;
    *alpha = fmin((k + kappa * (1 - k)) / 2 + (1 - k) * (1 - k) / M_PI * v * pow(1 - v * v, 1.5),
                  kappa - kappa * kappa / 2);
    return PL_OK;
}

double pl_qn_alpha_bo(double kappa_star)
{
    return kappa_star >= 1 ? 0.5 : kappa_star - kappa_star * kappa_star / 2;
}

static double inter_fn(double t, void *vctx)
{
    const pl_qn_theory *th = vctx;
    pl_qn_state st;
    if (pl_qn_state_at(th, exp(t), 0.0, &st) != PL_OK) return NAN;
    return st.alpha - st.A;
}

pl_status pl_qn_alpha_inter(const pl_qn_theory *th, double *alpha, double *xi, double *mse)
{
    double D = th->s.delta;
    if (!(D > 0)) return PL_EINVAL;
    double tlo = log(D), thi = log(fmax(100, 100 * D));
    const int N = 40;
    double t0 = tlo, f0 = inter_fn(t0, (void *)th);
    for (int i = 1; i <= N; i++) {
        double t1 = tlo + (thi - tlo) * i / N, f1 = inter_fn(t1, (void *)th);
        if (!isfinite(f0) || !isfinite(f1)) return PL_ENAN;
        if ((f0 > 0) != (f1 > 0) || f1 == 0) {
            double t = t1;
            pl_status s = f1 == 0 ? PL_OK : pl_brent(inter_fn, (void *)th, t0, t1, 1e-14, 200, &t);
            if (s != PL_OK) return s;
            pl_qn_state st;
            if ((s = pl_qn_state_at(th, exp(t), 0.0, &st)) != PL_OK) return s;
            *alpha = st.alpha;
            *xi = st.xi;
            *mse = st.mse;
            return PL_OK;
        }
        t0 = t1;
        f0 = f1;
    }
    return PL_ENOSOLUTION;
}

/* ------------------------------------------------------------------ Bayes-optimal baseline */

typedef struct {
    double ks, delta, alpha;
    pl_qn_theory th;
} bo_ctx;

static double bo_m3(bo_ctx *c, double xi)
{
    pl_qn_law law;
    double m3 = NAN;
    if (pl_qn_law_init(&law, c->ks, xi) != PL_OK) return NAN;
    pl_qn_integrals(&c->th, &law, -INFINITY, 0, NULL, NULL, NULL, &m3);
    return m3;
}

/* (4 pi^2/3) xi int rho^3 - Delta/(2 xi) - (1 - 2 alpha), in t = log xi */
static double bo_fn(double t, void *vctx)
{
    bo_ctx *c = vctx;
    double xi = exp(t);
    return 4 * M_PI * M_PI / 3 * xi * bo_m3(c, xi) - c->delta / (2 * xi) - (1 - 2 * c->alpha);
}

pl_status pl_qn_bo(double kappa_star, double delta, double alpha, double *mmse, double *xi,
                   size_t max, size_t *nout)
{
    *nout = 0;
    if (!(kappa_star > 0) || !(delta >= 0) || !(alpha > 0) || max == 0) return PL_EINVAL;
    bo_ctx c;
    memset(&c, 0, sizeof c);
    c.ks = kappa_star;
    c.delta = delta;
    c.alpha = alpha;
    pl_qn_setting s = {1, kappa_star, 0, delta};
    pl_status st = pl_qn_theory_init(&c.th, &s);
    if (st != PL_OK) return st;
    if (delta == 0 && alpha >= pl_qn_alpha_bo(kappa_star)) {
        mmse[0] = 0;
        xi[0] = 0;
        *nout = 1;
        return PL_OK;
    }
    double tlo = log(1e-9), thi = log(1e6);
    const int N = 120;
    double t0 = tlo, f0 = bo_fn(t0, &c);
    for (int i = 1; i <= N && *nout < max; i++) {
        double t1 = tlo + (thi - tlo) * i / N, f1 = bo_fn(t1, &c);
        if (!isfinite(f0) || !isfinite(f1)) return PL_ENAN;
        if ((f0 > 0) != (f1 > 0) || f1 == 0) {
            double t = t1;
            st = f1 == 0 ? PL_OK : pl_brent(bo_fn, &c, t0, t1, 1e-14, 200, &t);
            if (st != PL_OK) return st;
            double x = exp(t);
            xi[*nout] = x;
            mmse[*nout] = 2 * alpha * x - delta / 2;
            (*nout)++;
        }
        t0 = t1;
        f0 = f1;
    }
    return *nout ? PL_OK : PL_ENOSOLUTION;
}
