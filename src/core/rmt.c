/* Random-matrix laws (semicircle, Marchenko–Pastur, MP ⊞ semicircle) and polynomial roots.
 *
 * Stieltjes convention: g(z) = int rho(x)/(x - z) dx (see rmt.h). The closed forms use the
 * branch sqrt(z - a) sqrt(z - b) (principal square roots), which is analytic off [a, b] and
 * behaves like z at infinity; of the two algebraically equal forms of each root the one
 * without cancellation is evaluated.
 */
#include "phaselab/rmt.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* glibc defines CMPLX for GCC only; clang (the fuzzing build) has the same builtin */
#if !defined(CMPLX) && defined(__clang__)
#define CMPLX(x, y) __builtin_complex((double)(x), (double)(y))
#endif

#define PL_PI 3.14159265358979323846
#define PL_POLY_STACK 16 /* degrees up to this use stack workspace */

/* On the real axis (either sign of zero) return the limit from above. */
static double complex upper_limit(double complex z)
{
    return cimag(z) == 0.0 ? CMPLX(creal(z), 0.0) : z;
}

/* ---- semicircle ---------------------------------------------------------------------- */

double pl_semicircle_density(double x, double s2)
{
    if (!(s2 >= 0) || isnan(x)) return NAN;
    if (s2 == 0) return 0.0;
    double r2 = 4.0 * s2 - x * x;
    return r2 > 0 ? sqrt(r2) / (2.0 * PL_PI * s2) : 0.0;
}

void pl_semicircle_edges(double s2, double *lo, double *hi)
{
    double r = s2 >= 0 ? 2.0 * sqrt(s2) : NAN;
    if (lo) *lo = -r;
    if (hi) *hi = r;
}

double complex pl_semicircle_stieltjes(double complex z, double s2)
{
    if (!(s2 >= 0)) return NAN;
    if (cimag(z) < 0) return conj(pl_semicircle_stieltjes(conj(z), s2));
    z = upper_limit(z);
    if (s2 == 0) return -1.0 / z;
    double r = 2.0 * sqrt(s2);
    double complex S = csqrt(z - r) * csqrt(z + r);
    /* g = (S - z)/(2 s2) = -2/(z + S), since S^2 - z^2 = -4 s2 */
    double complex a = z + S, b = S - z;
    return cabs(a) >= cabs(b) ? -2.0 / a : b / (2.0 * s2);
}

/* ---- Marchenko–Pastur ---------------------------------------------------------------- */

double pl_mp_atom(double c)
{
    if (!(c > 0)) return NAN;
    return c > 1 ? 1.0 - 1.0 / c : 0.0;
}

void pl_mp_edges(double c, double s2, double *lo, double *hi)
{
    double l = NAN, h = NAN;
    if (c > 0 && s2 > 0) {
        double r = sqrt(c);
        l = s2 * (1 - r) * (1 - r);
        h = s2 * (1 + r) * (1 + r);
    }
    if (lo) *lo = l;
    if (hi) *hi = h;
}

double pl_mp_density(double x, double c, double s2)
{
    if (!(c > 0) || !(s2 > 0) || isnan(x)) return NAN;
    double lo, hi;
    pl_mp_edges(c, s2, &lo, &hi);
    if (x <= lo || x >= hi) return 0.0;
    return sqrt((hi - x) * (x - lo)) / (2.0 * PL_PI * c * s2 * x);
}

double complex pl_mp_stieltjes(double complex z, double c, double s2)
{
    if (!(c > 0) || !(s2 > 0)) return NAN;
    if (cimag(z) < 0) return conj(pl_mp_stieltjes(conj(z), c, s2));
    z = upper_limit(z);
    double lo, hi;
    pl_mp_edges(c, s2, &lo, &hi);
    /* c s2 z g^2 + B g + 1 = 0 with B = z - s2 (1 - c); S^2 = B^2 - 4 c s2 z */
    double complex B = z - s2 * (1 - c);
    double complex S = csqrt(z - lo) * csqrt(z - hi);
    double complex a = B + S, b = S - B;
    return cabs(a) >= cabs(b) ? -2.0 / a : b / (2.0 * c * s2 * z);
}

/* ---- polynomial roots ---------------------------------------------------------------- */

/* p(x) and p'(x) by Horner; coefficients from cr (real) or cc (complex). */
static double complex poly_eval(const double *cr, const double complex *cc, size_t deg,
                                double complex x, double complex *dp)
{
    double complex p = cr ? cr[deg] : cc[deg], d = 0;
    for (size_t i = deg; i-- > 0;) {
        d = d * x + p;
        p = p * x + (cr ? cr[i] : cc[i]);
    }
    *dp = d;
    return p;
}

/* A few Newton steps, each kept only if it decreases |p|. */
static double complex poly_polish(const double *cr, const double complex *cc, size_t deg,
                                  double complex r)
{
    double complex dp, p = poly_eval(cr, cc, deg, r, &dp);
    for (int it = 0; it < 6; it++) {
        if (p == 0 || dp == 0) break;
        double complex rn = r - p / dp, dpn;
        double complex pn = poly_eval(cr, cc, deg, rn, &dpn);
        if (!(cabs(pn) < cabs(p))) break;
        r = rn;
        p = pn;
        dp = dpn;
    }
    return r;
}

pl_status pl_poly_roots(const double *c, size_t deg, double complex *roots)
{
    if (!c || (deg > 0 && !roots)) return PL_EINVAL;
    for (size_t i = 0; i <= deg; i++)
        if (!isfinite(c[i])) return PL_ENAN;
    if (deg == 0) return PL_OK;
    if (c[deg] == 0) return PL_EINVAL;
    if (deg == 1) {
        roots[0] = -c[0] / c[1];
        return PL_OK;
    }
    size_t n = deg, nw = 8 * n;
    double stack[PL_POLY_STACK * PL_POLY_STACK + 2 * PL_POLY_STACK + 8 * PL_POLY_STACK];
    double *mem = n <= PL_POLY_STACK ? stack : malloc((n * n + 2 * n + nw) * sizeof(double));
    if (!mem) return PL_ENOMEM;
    double *A = mem, *wr = A + n * n, *wi = wr + n, *work = wi + n;
    /* companion matrix, column-major: first row -c[n-1-j]/c[n], ones on the subdiagonal */
    memset(A, 0, n * n * sizeof(double));
    for (size_t j = 0; j < n; j++) A[j * n] = -c[n - 1 - j] / c[n];
    for (size_t j = 0; j + 1 < n; j++) A[(j + 1) + j * n] = 1.0;
    double dummy = 0;
    lapack_int info = LAPACKE_dgeev_work(LAPACK_COL_MAJOR, 'N', 'N', (lapack_int)n, A,
                                         (lapack_int)n, wr, wi, &dummy, 1, &dummy, 1, work,
                                         (lapack_int)nw);
    if (info == 0) {
        for (size_t j = 0; j < n; j++) {
            if (wi[j] > 0 && j + 1 < n) {
                double complex r = poly_polish(c, NULL, deg, CMPLX(wr[j], wi[j]));
                if (cimag(r) < 0) r = conj(r);
                roots[j] = r;
                roots[j + 1] = conj(r);
                j++;
            } else {
                roots[j] = poly_polish(c, NULL, deg, CMPLX(wr[j], wi[j]));
            }
        }
    }
    if (mem != stack) free(mem);
    return info == 0 ? PL_OK : PL_ELAPACK;
}

pl_status pl_poly_roots_cplx(const double complex *c, size_t deg, double complex *roots)
{
    if (!c || (deg > 0 && !roots)) return PL_EINVAL;
    for (size_t i = 0; i <= deg; i++)
        if (!isfinite(creal(c[i])) || !isfinite(cimag(c[i]))) return PL_ENAN;
    if (deg == 0) return PL_OK;
    if (c[deg] == 0) return PL_EINVAL;
    if (deg == 1) {
        roots[0] = -c[0] / c[1];
        return PL_OK;
    }
    size_t n = deg, nw = 4 * n;
    double complex stack[PL_POLY_STACK * PL_POLY_STACK + 4 * PL_POLY_STACK];
    double rstack[2 * PL_POLY_STACK];
    double complex *mem = n <= PL_POLY_STACK ? stack : malloc((n * n + nw) * sizeof(double complex));
    double *rwork = n <= PL_POLY_STACK ? rstack : malloc(2 * n * sizeof(double));
    if (!mem || !rwork) {
        if (mem != stack) free(mem);
        if (rwork != rstack) free(rwork);
        return PL_ENOMEM;
    }
    double complex *A = mem, *work = A + n * n;
    memset(A, 0, n * n * sizeof(double complex));
    for (size_t j = 0; j < n; j++) A[j * n] = -c[n - 1 - j] / c[n];
    for (size_t j = 0; j + 1 < n; j++) A[(j + 1) + j * n] = 1.0;
    double complex dummy = 0;
    lapack_int info = LAPACKE_zgeev_work(LAPACK_COL_MAJOR, 'N', 'N', (lapack_int)n, A,
                                         (lapack_int)n, roots, &dummy, 1, &dummy, 1, work,
                                         (lapack_int)nw, rwork);
    if (info == 0)
        for (size_t j = 0; j < n; j++) roots[j] = poly_polish(NULL, c, deg, roots[j]);
    if (mem != stack) free(mem);
    if (rwork != rstack) free(rwork);
    return info == 0 ? PL_OK : PL_ELAPACK;
}

/* ---- MP(kappa) ⊞ semicircle(xi) ------------------------------------------------------ */

/* out[0..na+nb-2] = a * b (ascending coefficients; na, nb are coefficient counts) */
static void poly_mul(const double *a, size_t na, const double *b, size_t nb, double *out)
{
    for (size_t i = 0; i + 1 < na + nb; i++) out[i] = 0;
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++) out[i + j] += a[i] * b[j];
}

/* Discriminant in x of the cubic A g^3 + B(x) g^2 + C(x) g + D with A = xi,
 * B = x + kappa xi, C = 1 - kappa + kappa x, D = kappa:
 *   18 A B C D - 4 B^3 D + B^2 C^2 - 4 A C^3 - 27 A^2 D^2   (a quartic, ascending coeffs). */
static void mpsc_discriminant(double k, double s, double out[5])
{
    const double B[2] = {k * s, 1.0}, C[2] = {1.0 - k, k};
    double BC[3], B2[3], C2[3], B3[4], C3[4], B2C2[5];
    poly_mul(B, 2, C, 2, BC);
    poly_mul(B, 2, B, 2, B2);
    poly_mul(C, 2, C, 2, C2);
    poly_mul(B2, 3, B, 2, B3);
    poly_mul(C2, 3, C, 2, C3);
    poly_mul(B2, 3, C2, 3, B2C2);
    for (int i = 0; i < 5; i++) {
        double v = B2C2[i];
        if (i < 3) v += 18.0 * s * k * BC[i];
        if (i < 4) v += -4.0 * k * B3[i] - 4.0 * s * C3[i];
        if (i == 0) v -= 27.0 * s * s * k * k;
        out[i] = v;
    }
}

static double poly_eval_real(const double *c, size_t deg, double x, double *dp)
{
    double p = c[deg], d = 0;
    for (size_t i = deg; i-- > 0;) {
        d = d * x + p;
        p = p * x + c[i];
    }
    if (dp) *dp = d;
    return p;
}

pl_status pl_mpsc_init(pl_mpsc *law, double kappa, double xi)
{
    if (!law || !(kappa > 0) || !isfinite(kappa) || !(xi >= 0) || !isfinite(xi))
        return PL_EINVAL;
    memset(law, 0, sizeof *law);
    law->kappa = kappa;
    law->xi = xi;
    if (xi == 0) {
        pl_mp_edges(1.0 / kappa, 1.0, &law->edges[0], &law->edges[1]);
        law->nedges = 2;
        law->atom = kappa < 1 ? 1.0 - kappa : 0.0;
        return PL_OK;
    }
    double d[5];
    double complex r[4];
    mpsc_discriminant(kappa, xi, d);
    pl_status st = pl_poly_roots(d, 4, r);
    if (st != PL_OK) return st;
    /* candidate edges: (nearly) real roots, polished on the quartic. Spurious candidates
     * only split a segment in two with the same sign, so the tolerance can be generous. */
    double t[4];
    size_t q = 0;
    for (size_t i = 0; i < 4; i++) {
        double x = creal(r[i]);
        if (fabs(cimag(r[i])) > 1e-6 * (1.0 + fabs(x))) continue;
        double dp, p = poly_eval_real(d, 4, x, &dp);
        for (int it = 0; it < 8 && p != 0 && dp != 0; it++) {
            double xn = x - p / dp, dpn, pn = poly_eval_real(d, 4, xn, &dpn);
            if (!(fabs(pn) < fabs(p))) break;
            x = xn; p = pn; dp = dpn;
        }
        t[q++] = x;
    }
    for (size_t i = 1; i < q; i++) { /* sort */
        double v = t[i];
        size_t j = i;
        while (j > 0 && t[j - 1] > v) { t[j] = t[j - 1]; j--; }
        t[j] = v;
    }
    /* segments (t[i-1], t[i]), i = 0..q with t[-1] = -inf, t[q] = +inf: support where the
     * discriminant is negative (one real root and a complex pair) */
    int neg[5];
    for (size_t i = 0; i <= q; i++) {
        double x;
        if (q == 0) x = 0;
        else if (i == 0) x = t[0] - 1.0 - fabs(t[0]);
        else if (i == q) x = t[q - 1] + 1.0 + fabs(t[q - 1]);
        else x = 0.5 * (t[i - 1] + t[i]);
        neg[i] = poly_eval_real(d, 4, x, NULL) < 0;
    }
    if (q == 0 || neg[0] || neg[q]) return PL_ENOSOLUTION;
    size_t ne = 0;
    for (size_t i = 1; i < q; i++) {
        if (!neg[i] || neg[i - 1]) continue;
        size_t j = i;
        while (neg[j + 1]) j++;
        double lo = t[i - 1], hi = t[j];
        if (hi - lo > 1e-14 * (1.0 + fabs(lo) + fabs(hi)) && ne + 2 <= 6) {
            law->edges[ne++] = lo;
            law->edges[ne++] = hi;
        }
        i = j;
    }
    if (ne == 0) return PL_ENOSOLUTION;
    law->nedges = ne;
    return PL_OK;
}

static int mpsc_inside(const pl_mpsc *law, double x)
{
    for (size_t i = 0; i + 1 < law->nedges; i += 2)
        if (x > law->edges[i] && x < law->edges[i + 1]) return 1;
    return 0;
}

/* Root selection (z in the closed upper half plane, xi > 0). Every root g of the cubic solves
 * the MP quadratic at omega = z + xi g, either on the physical branch g = g_MP(omega) or on the
 * other one. The physical root is the unique solution of g = g_MP(omega) with omega in Biane's
 * domain xi int dmu_MP(t)/|t - omega|^2 < 1; for Im z > 0 this is implied by Im g > 0. On the
 * real axis off the support several real roots can lie on the physical branch, and only one
 * has xi g_MP'(omega) < 1. Score = relative branch residual, plus a unit penalty when
 * xi |g_MP'(omega)| >= 1 (|g_MP'| <= int dmu/|t - omega|^2, with equality for real omega) and
 * one when Im g < 0 beyond rounding. */
static double mpsc_root_score(const pl_mpsc *law, double complex z, double complex g)
{
    double c = 1.0 / law->kappa;
    double complex w = z + law->xi * g;
    if (cimag(z) == 0 && cimag(g) == 0) w = CMPLX(creal(w), 0.0);
    double complex gm = pl_mp_stieltjes(w, c, 1.0);
    /* derivative from c w g^2 + (w - 1 + c) g + 1 = 0 */
    double complex dg = -(c * gm * gm + gm) / (2.0 * c * w * gm + (w - 1.0 + c));
    double score = cabs(g - gm) / (1.0 + cabs(g));
    if (!(law->xi * cabs(dg) < 1.0)) score += 1.0;
    if (cimag(g) < -1e-10 * (1.0 + cabs(g))) score += 1.0;
    return isnan(score) ? INFINITY : score;
}

static double complex mpsc_select(const pl_mpsc *law, double complex z, const double complex *r)
{
    size_t best = 0;
    double sbest = INFINITY;
    for (size_t j = 0; j < 3; j++) {
        double sc = mpsc_root_score(law, z, r[j]);
        if (sc < sbest) { sbest = sc; best = j; }
    }
    return r[best];
}

/* g(x + i0) on the real axis, xi > 0. Inside the support the cubic has one real root and a
 * conjugate pair, and the physical root is the member of the pair with Im g > 0; outside,
 * all three roots are real and mpsc_select picks the physical one. */
static double complex mpsc_g_real(const pl_mpsc *law, double x)
{
    double k = law->kappa, s = law->xi;
    double c[4] = {k, 1.0 - k + k * x, x + k * s, s};
    double complex r[3];
    if (pl_poly_roots(c, 3, r) != PL_OK) return NAN;
    if (mpsc_inside(law, x)) {
        size_t best = 0;
        for (size_t j = 1; j < 3; j++)
            if (fabs(cimag(r[j])) > fabs(cimag(r[best]))) best = j;
        return CMPLX(creal(r[best]), fabs(cimag(r[best])));
    }
    for (size_t j = 0; j < 3; j++) r[j] = CMPLX(creal(r[j]), 0.0);
    return mpsc_select(law, CMPLX(x, 0.0), r);
}

double pl_mpsc_density(const pl_mpsc *law, double x)
{
    if (!law || isnan(x)) return NAN;
    if (law->xi == 0) return pl_mp_density(x, 1.0 / law->kappa, 1.0);
    if (!mpsc_inside(law, x)) return 0.0;
    return cimag(mpsc_g_real(law, x)) / PL_PI;
}

double complex pl_mpsc_stieltjes(const pl_mpsc *law, double complex z)
{
    if (!law) return NAN;
    if (cimag(z) < 0) return conj(pl_mpsc_stieltjes(law, conj(z)));
    if (law->xi == 0) return pl_mp_stieltjes(z, 1.0 / law->kappa, 1.0);
    if (cimag(z) == 0) return mpsc_g_real(law, creal(z));
    double k = law->kappa, s = law->xi;
    double complex c[4] = {k, 1.0 - k + k * z, z + k * s, s}, r[3];
    if (pl_poly_roots_cplx(c, 3, r) != PL_OK) return NAN;
    return mpsc_select(law, z, r);
}

double pl_mpsc_hilbert(const pl_mpsc *law, double x)
{
    if (!law || isnan(x)) return NAN;
    return -creal(pl_mpsc_stieltjes(law, CMPLX(x, 0.0)));
}
