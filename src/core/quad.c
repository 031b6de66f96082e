/* Quadrature: Gauss–Hermite (Golub–Welsch), tensor rules, Monte Carlo, adaptive G7–K15. */
#include "phaselab/quad.h"

#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/mat.h"

/* ---------------------------------------------------------------- Gauss–Hermite */

/* Orthonormal probabilists' Hermite polynomials p_k = He_k / sqrt(k!) at x: returns
 * p_n(x) and p_{n-1}(x) and, in *sumsq, sum_{k<n} p_k(x)^2. */
static void gh_orthonormal(size_t n, double x, double *pn, double *pn1, double *sumsq)
{
    double pm1 = 0.0, p = 1.0, s = 0.0; /* p_{-1}, p_0 (the weight has unit mass) */
    for (size_t k = 0; k < n; k++) {
        s += p * p;
        double next = (x * p - sqrt((double)k) * pm1) / sqrt((double)(k + 1));
        pm1 = p;
        p = next;
    }
    *pn = p;
    *pn1 = pm1;
    *sumsq = s;
}

pl_status pl_gauss_hermite(size_t n, double *x, double *w)
{
    if (n == 0 || !x || !w) return PL_EINVAL;
    if (n == 1) {
        x[0] = 0.0;
        w[0] = 1.0;
        return PL_OK;
    }
    /* Jacobi matrix of He_k: zero diagonal, off-diagonal sqrt(k), k = 1..n-1. */
    double *e = malloc((n - 1) * sizeof(double));
    double *z = malloc(n * n * sizeof(double));
    if (!e || !z) {
        free(e);
        free(z);
        return PL_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) x[i] = 0.0;
    for (size_t k = 1; k < n; k++) e[k - 1] = sqrt((double)k);
    lapack_int info = LAPACKE_dstev(LAPACK_ROW_MAJOR, 'V', (lapack_int)n, x, e, z, (lapack_int)n);
    if (info != 0) {
        free(e);
        free(z);
        return PL_ELAPACK;
    }
    /* Golub–Welsch weights: squared first components of the normalised eigenvectors (columns
     * of z; row 0 holds the first components). */
    for (size_t i = 0; i < n; i++) w[i] = z[i] * z[i];
    free(e);
    free(z);

    /* Polish: the eigenvector weights have absolute accuracy ~eps, so the tiny outer weights
     * are relatively inaccurate. One Newton step on p_n (p_n' = sqrt(n) p_{n-1}) and the
     * Christoffel formula w = 1 / sum_{k<n} p_k(x)^2 give relative accuracy throughout. */
    for (size_t i = 0; i < n; i++) {
        double pn, pn1, s;
        gh_orthonormal(n, x[i], &pn, &pn1, &s);
        if (!isfinite(pn) || !isfinite(pn1) || pn1 == 0.0) continue;
        double xi = x[i] - pn / (sqrt((double)n) * pn1);
        gh_orthonormal(n, xi, &pn, &pn1, &s);
        if (!isfinite(s) || s <= 0.0) continue;
        x[i] = xi;
        w[i] = 1.0 / s;
    }
    /* Enforce the exact symmetry of the rule. */
    for (size_t i = 0; i < n / 2; i++) {
        size_t j = n - 1 - i;
        double xs = 0.5 * (x[j] - x[i]), ws = 0.5 * (w[i] + w[j]);
        x[i] = -xs;
        x[j] = xs;
        w[i] = w[j] = ws;
    }
    if (n % 2) x[n / 2] = 0.0;
    return PL_OK;
}

/* ---------------------------------------------------------------- tensor rules */

/* n^K, or 0 if it overflows size_t. */
static size_t tensor_size(size_t n, size_t K)
{
    size_t total = 1;
    for (size_t k = 0; k < K; k++) {
        if (total > SIZE_MAX / n) return 0;
        total *= n;
    }
    return total;
}

pl_status pl_gauss_expect_multi(size_t K, size_t n, size_t m, pl_fn_vec_multi f, void *ctx,
                                double *result)
{
    if (K == 0 || n == 0 || m == 0 || !f || !result) return PL_EINVAL;
    size_t total = tensor_size(n, K);
    if (total == 0) return PL_EINVAL;
    /* one allocation: nodes, weights, z, outputs, index counter */
    size_t nd = 2 * n + K + m;
    double *buf = malloc(nd * sizeof(double));
    size_t *idx = calloc(K, sizeof(size_t));
    if (!buf || !idx) {
        free(buf);
        free(idx);
        return PL_ENOMEM;
    }
    double *x = buf, *w = buf + n, *z = buf + 2 * n, *out = buf + 2 * n + K;
    pl_status st = pl_gauss_hermite(n, x, w);
    if (st != PL_OK) goto done;
    for (size_t j = 0; j < m; j++) result[j] = 0.0;
    for (size_t k = 0; k < K; k++) z[k] = x[0];
    for (size_t p = 0; p < total; p++) {
        double wt = 1.0;
        for (size_t k = 0; k < K; k++) wt *= w[idx[k]];
        f(z, K, out, ctx);
        for (size_t j = 0; j < m; j++) result[j] += wt * out[j];
        /* advance the mixed-radix counter (last coordinate fastest) */
        for (size_t k = K; k-- > 0;) {
            if (++idx[k] < n) {
                z[k] = x[idx[k]];
                break;
            }
            idx[k] = 0;
            z[k] = x[0];
        }
    }
    for (size_t j = 0; j < m; j++)
        if (!isfinite(result[j])) st = PL_ENAN;
done:
    free(buf);
    free(idx);
    return st;
}

typedef struct {
    pl_fn_vec f;
    void *ctx;
} scalar_as_multi;

static void scalar_multi_eval(const double *z, size_t K, double *out, void *ctx)
{
    const scalar_as_multi *s = ctx;
    out[0] = s->f(z, K, s->ctx);
}

pl_status pl_gauss_expect(size_t K, size_t n, pl_fn_vec f, void *ctx, double *result)
{
    if (!f) return PL_EINVAL;
    scalar_as_multi s = {f, ctx};
    return pl_gauss_expect_multi(K, n, 1, scalar_multi_eval, &s, result);
}

/* ---------------------------------------------------------------- Monte Carlo */

pl_status pl_mc_expect(size_t K, size_t nsamples, pl_fn_vec f, void *ctx, pl_rng *rng,
                       double *mean, double *stderr_)
{
    if (K == 0 || nsamples < 2 || !f || !rng || !mean) return PL_EINVAL;
    double *z = malloc(K * sizeof(double));
    if (!z) return PL_ENOMEM;
    /* Welford's running mean and sum of squared deviations */
    double mu = 0.0, m2 = 0.0;
    for (size_t i = 0; i < nsamples; i++) {
        pl_rng_normal_fill(rng, z, K, 1.0);
        double v = f(z, K, ctx);
        double d = v - mu;
        mu += d / (double)(i + 1);
        m2 += d * (v - mu);
    }
    free(z);
    *mean = mu;
    double se = sqrt(m2 / (double)(nsamples - 1) / (double)nsamples);
    if (stderr_) *stderr_ = se;
    return isfinite(mu) && isfinite(se) ? PL_OK : PL_ENAN;
}

/* ---------------------------------------------------------------- Gauss–Legendre */

pl_status pl_gauss_legendre(size_t n, double a, double b, double *x, double *w)
{
    pl_mat J = pl_mat_alloc(n, n);
    double *ev = malloc(n * sizeof *ev);
    pl_status st = (J.data && ev) ? PL_OK : PL_ENOMEM;
    if (st == PL_OK) {
        for (size_t k = 1; k < n; k++) {
            double bk = (double)k / sqrt(4.0 * (double)k * (double)k - 1);
            PL_AT(J, k - 1, k) = PL_AT(J, k, k - 1) = bk;
        }
        st = pl_syev(J, ev);
    }
    for (size_t i = 0; i < n && st == PL_OK; i++) {
        x[i] = a + (b - a) * (ev[i] + 1) / 2;
        w[i] = (b - a) * PL_AT(J, 0, i) * PL_AT(J, 0, i); /* 2 v0^2 times (b-a)/2 */
    }
    pl_mat_free(&J);
    free(ev);
    return st;
}

/* ---------------------------------------------------------------- Gauss–Kronrod */

/* G7–K15 abscissae and weights (QUADPACK qk15). xgk[1,3,5,7] are the Gauss nodes. */
static const double gk_xgk[8] = {
    0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
    0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
    0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
    0.207784955007898467600689403773245, 0.000000000000000000000000000000000};
static const double gk_wgk[8] = {
    0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
    0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
    0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
    0.204432940075298892414161999234649, 0.209482141084727828012999174891714};
static const double gk_wg[4] = {
    0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
    0.381830050505118944950369775488975, 0.417959183673469387755102040816327};

/* One G7–K15 panel on [a, b] with QUADPACK's error estimate. Returns 0 on a non-finite value. */
static int gk15(pl_fn1 f, void *ctx, double a, double b, double *result, double *abserr)
{
    double centr = 0.5 * (a + b), hlgth = 0.5 * (b - a);
    double fv1[7], fv2[7];
    double fc = f(centr, ctx);
    double resg = fc * gk_wg[3], resk = fc * gk_wgk[7], resabs = fabs(resk);
    for (int j = 0; j < 7; j++) {
        double dx = hlgth * gk_xgk[j];
        fv1[j] = f(centr - dx, ctx);
        fv2[j] = f(centr + dx, ctx);
        double s = fv1[j] + fv2[j];
        resk += gk_wgk[j] * s;
        resabs += gk_wgk[j] * (fabs(fv1[j]) + fabs(fv2[j]));
        if (j % 2 == 1) resg += gk_wg[j / 2] * s;
    }
    double reskh = 0.5 * resk;
    double resasc = gk_wgk[7] * fabs(fc - reskh);
    for (int j = 0; j < 7; j++) resasc += gk_wgk[j] * (fabs(fv1[j] - reskh) + fabs(fv2[j] - reskh));
    double h = fabs(hlgth);
    *result = resk * hlgth;
    resabs *= h;
    resasc *= h;
    double err = fabs((resk - resg) * hlgth);
    if (resasc != 0.0 && err != 0.0) err = resasc * fmin(1.0, pow(200.0 * err / resasc, 1.5));
    if (resabs > DBL_MIN / (50.0 * DBL_EPSILON)) err = fmax(50.0 * DBL_EPSILON * resabs, err);
    *abserr = err;
    return isfinite(*result) && isfinite(err);
}

typedef struct {
    double a, b, r, e;
} gk_interval;

/* max-heap on e */
static void heap_push(gk_interval *h, size_t *n, gk_interval v)
{
    size_t i = (*n)++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (h[p].e >= v.e) break;
        h[i] = h[p];
        i = p;
    }
    h[i] = v;
}

static gk_interval heap_pop(gk_interval *h, size_t *n)
{
    gk_interval top = h[0], last = h[--(*n)];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n) break;
        if (c + 1 < *n && h[c + 1].e > h[c].e) c++;
        if (last.e >= h[c].e) break;
        h[i] = h[c];
        i = c;
    }
    if (*n > 0) h[i] = last;
    return top;
}

/* Globally adaptive G7–K15 on [a, b]: always bisect the interval with the largest error. */
static pl_status gk_adapt(pl_fn1 f, void *ctx, double a, double b, double epsabs,
                          double epsrel, size_t maxint, double *result, double *abserr)
{
    gk_interval *heap = malloc(maxint * sizeof(gk_interval));
    if (!heap) return PL_ENOMEM;
    size_t n = 0;
    gk_interval first = {a, b, 0.0, 0.0};
    if (!gk15(f, ctx, a, b, &first.r, &first.e)) {
        free(heap);
        *result = first.r;
        *abserr = INFINITY;
        return PL_ENAN;
    }
    heap_push(heap, &n, first);
    double area = first.r, err = first.e;
    pl_status st = PL_ENOCONV;
    for (;;) {
        if (err <= fmax(epsabs, epsrel * fabs(area))) {
            /* running sums drift: confirm with exact sums before stopping */
            area = 0.0;
            err = 0.0;
            for (size_t i = 0; i < n; i++) {
                area += heap[i].r;
                err += heap[i].e;
            }
            if (err <= fmax(epsabs, epsrel * fabs(area))) {
                st = PL_OK;
                break;
            }
        }
        if (n >= maxint) break;
        gk_interval w = heap_pop(heap, &n);
        double mid = 0.5 * (w.a + w.b);
        if (!(mid > fmin(w.a, w.b) && mid < fmax(w.a, w.b))) {
            heap_push(heap, &n, w); /* cannot bisect further: roundoff limit */
            break;
        }
        gk_interval l = {w.a, mid, 0.0, 0.0}, r = {mid, w.b, 0.0, 0.0};
        if (!gk15(f, ctx, l.a, l.b, &l.r, &l.e) || !gk15(f, ctx, r.a, r.b, &r.r, &r.e)) {
            heap_push(heap, &n, w);
            st = PL_ENAN;
            break;
        }
        area += l.r + r.r - w.r;
        err += l.e + r.e - w.e;
        heap_push(heap, &n, l);
        heap_push(heap, &n, r);
    }
    area = 0.0;
    err = 0.0;
    for (size_t i = 0; i < n; i++) {
        area += heap[i].r;
        err += heap[i].e;
    }
    free(heap);
    *result = area;
    *abserr = st == PL_ENAN ? INFINITY : err;
    return st;
}

/* Transformed integrands on u in [0, 1]. */
typedef struct {
    pl_fn1 f;
    void *ctx;
    double a, b;
} gk_sub;

/* x = a + (b-a) u^2: sqrt(x - a) behaviour becomes smooth in u. */
static double sub_left(double u, void *p)
{
    const gk_sub *s = p;
    double h = s->b - s->a, jac = 2.0 * h * u;
    double v = s->f(s->a + h * u * u, s->ctx);
    return v == 0.0 ? 0.0 : v * jac;
}

/* x = b - (b-a) u^2 */
static double sub_right(double u, void *p)
{
    const gk_sub *s = p;
    double h = s->b - s->a, jac = 2.0 * h * u;
    double v = s->f(s->b - h * u * u, s->ctx);
    return v == 0.0 ? 0.0 : v * jac;
}

/* x = a + (b-a)(3u^2 - 2u^3): x - a ~ u^2 at u = 0 and b - x ~ (1-u)^2 at u = 1. */
static double sub_both(double u, void *p)
{
    const gk_sub *s = p;
    double h = s->b - s->a, jac = 6.0 * h * u * (1.0 - u);
    double x = u <= 0.5 ? s->a + h * u * u * (3.0 - 2.0 * u)
                        : s->b - h * (1.0 - u) * (1.0 - u) * (1.0 + 2.0 * u);
    double v = s->f(x, s->ctx);
    return v == 0.0 ? 0.0 : v * jac;
}

/* x = t / (1 - t^2), dx = (1 + t^2) / (1 - t^2)^2 dt, t in (-1, 1). */
static double sub_inf(double t, void *p)
{
    const gk_sub *s = p;
    double d = 1.0 - t * t;
    double v = s->f(t / d, s->ctx);
    return v == 0.0 ? 0.0 : v * (1.0 + t * t) / (d * d);
}

static int gk_args_ok(double epsabs, double epsrel, size_t maxint, double *result,
                      double *abserr)
{
    return result && abserr && maxint > 0 && epsabs >= 0.0 && epsrel >= 0.0 &&
           (epsabs > 0.0 || epsrel > 0.0);
}

pl_status pl_integrate(pl_fn1 f, void *ctx, double a, double b, double epsabs, double epsrel,
                       int flags, size_t maxint, double *result, double *abserr)
{
    if (!f || !gk_args_ok(epsabs, epsrel, maxint, result, abserr)) return PL_EINVAL;
    if (!isfinite(a) || !isfinite(b) || flags < 0 ||
        flags > (PL_QUAD_SQRT_LEFT | PL_QUAD_SQRT_RIGHT))
        return PL_EINVAL;
    if (a == b) {
        *result = 0.0;
        *abserr = 0.0;
        return PL_OK;
    }
    gk_sub s = {f, ctx, a, b};
    switch (flags) {
    case PL_QUAD_SQRT_LEFT:
        return gk_adapt(sub_left, &s, 0.0, 1.0, epsabs, epsrel, maxint, result, abserr);
    case PL_QUAD_SQRT_RIGHT:
        return gk_adapt(sub_right, &s, 0.0, 1.0, epsabs, epsrel, maxint, result, abserr);
    case PL_QUAD_SQRT_LEFT | PL_QUAD_SQRT_RIGHT:
        return gk_adapt(sub_both, &s, 0.0, 1.0, epsabs, epsrel, maxint, result, abserr);
    default:
        return gk_adapt(f, ctx, a, b, epsabs, epsrel, maxint, result, abserr);
    }
}

pl_status pl_integrate_inf(pl_fn1 f, void *ctx, double epsabs, double epsrel, size_t maxint,
                           double *result, double *abserr)
{
    if (!f || !gk_args_ok(epsabs, epsrel, maxint, result, abserr)) return PL_EINVAL;
    gk_sub s = {f, ctx, 0.0, 0.0};
    return gk_adapt(sub_inf, &s, -1.0, 1.0, epsabs, epsrel, maxint, result, abserr);
}

/* ---------------------------------------------------------------- vector Gauss–Kronrod */

typedef struct {
    double a, b;
    double res[PL_QUAD_VEC_MAXM], err[PL_QUAD_VEC_MAXM];
} vq_panel;

/* One G7–K15 panel of a vector integrand: res = the Kronrod sums, err = |Kronrod - Gauss|
 * per component. Returns 0 on a non-finite value. */
static int vq_eval(pl_fn1_vec f, void *ctx, size_t m, vq_panel *P)
{
    double c = 0.5 * (P->a + P->b), h = 0.5 * (P->b - P->a);
    double fk[PL_QUAD_VEC_MAXM], fg[PL_QUAD_VEC_MAXM];
    double v1[PL_QUAD_VEC_MAXM], v2[PL_QUAD_VEC_MAXM];
    for (size_t k = 0; k < m; k++) fk[k] = fg[k] = 0;
    f(c, v1, ctx);
    for (size_t k = 0; k < m; k++) {
        if (!isfinite(v1[k])) return 0;
        fk[k] = gk_wgk[7] * v1[k];
        fg[k] = gk_wg[3] * v1[k];
    }
    for (int j = 0; j < 7; j++) {
        double dx = h * gk_xgk[j];
        f(c - dx, v1, ctx);
        f(c + dx, v2, ctx);
        for (size_t k = 0; k < m; k++) {
            if (!isfinite(v1[k]) || !isfinite(v2[k])) return 0;
            fk[k] += gk_wgk[j] * (v1[k] + v2[k]);
            if (j % 2 == 1) fg[k] += gk_wg[j / 2] * (v1[k] + v2[k]);
        }
    }
    for (size_t k = 0; k < m; k++) {
        P->res[k] = h * fk[k];
        P->err[k] = fabs(h * (fk[k] - fg[k]));
    }
    return 1;
}

pl_status pl_integrate_vec(pl_fn1_vec f, void *ctx, double a, double b, size_t m,
                           size_t npanels, double tol, size_t maxint, double *result)
{
    if (m == 0 || m > PL_QUAD_VEC_MAXM || npanels == 0 || !(b > a)) {
        if (m <= PL_QUAD_VEC_MAXM && b == a) {
            for (size_t k = 0; k < m; k++) result[k] = 0;
            return PL_OK;
        }
        return PL_EINVAL;
    }
    if (maxint < npanels) maxint = npanels;
    vq_panel *P = malloc(maxint * sizeof *P);
    if (!P) return PL_ENOMEM;
    size_t np = npanels;
    pl_status st = PL_OK;
    for (size_t i = 0; i < np; i++) {
        P[i].a = a + (b - a) * (double)i / (double)np;
        P[i].b = (i + 1 == np) ? b : a + (b - a) * (double)(i + 1) / (double)np;
        if (!vq_eval(f, ctx, m, &P[i])) {
            free(P);
            return PL_ENAN;
        }
    }
    for (;;) {
        double tot[PL_QUAD_VEC_MAXM] = {0}, totE[PL_QUAD_VEC_MAXM] = {0};
        for (size_t i = 0; i < np; i++)
            for (size_t k = 0; k < m; k++) {
                tot[k] += P[i].res[k];
                totE[k] += P[i].err[k];
            }
        int ok = 1;
        for (size_t k = 0; k < m && ok; k++)
            if (totE[k] > tol * (fabs(tot[0]) + fabs(tot[k])) + 1e-300) ok = 0;
        if (ok) {
            memcpy(result, tot, m * sizeof *tot);
            break;
        }
        if (np >= maxint) {
            memcpy(result, tot, m * sizeof *tot);
            st = PL_ENOCONV;
            break;
        }
        /* bisect the panel with the largest weighted error */
        size_t worst = 0;
        double we = -1;
        for (size_t i = 0; i < np; i++) {
            double e = 0;
            for (size_t k = 0; k < m; k++)
                e += P[i].err[k] / (fabs(tot[0]) + fabs(tot[k]) + 1e-300);
            if (e > we) {
                we = e;
                worst = i;
            }
        }
        double mid = 0.5 * (P[worst].a + P[worst].b);
        if (!(mid > P[worst].a && mid < P[worst].b)) {
            memcpy(result, tot, m * sizeof *tot);
            st = PL_ENOCONV;
            break;
        }
        P[np].a = mid;
        P[np].b = P[worst].b;
        P[worst].b = mid;
        if (!vq_eval(f, ctx, m, &P[worst]) || !vq_eval(f, ctx, m, &P[np])) {
            st = PL_ENAN;
            break;
        }
        np++;
    }
    free(P);
    return st;
}
