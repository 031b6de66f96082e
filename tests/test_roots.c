/* Root finding, damped fixed points and pseudo-arclength continuation. */
#include <stdlib.h>
#include "phaselab/roots.h"
#include "pl_test.h"

static const double DOTTIE = 0.7390851332151607;  /* cos x = x */
static const double WALLIS = 2.0945514815423265;  /* x^3 - 2x - 5 = 0 */

typedef struct {
    long calls;
} counter;

static double cos_minus_x(double x, void *p)
{
    if (p) ((counter *)p)->calls++;
    return cos(x) - x;
}

static double wallis(double x, void *p)
{
    if (p) ((counter *)p)->calls++;
    return x * x * x - 2.0 * x - 5.0;
}

static double no_root(double x, void *p) { (void)p; return x * x + 1.0; }
static double nan_right(double x, void *p) { (void)p; return x < 0.5 ? -1.0 : NAN; }

static void test_scalar_roots(void)
{
    double r;
    counter cb = {0}, cr = {0};
    CHECK(pl_bisect(cos_minus_x, &cb, 0, 1, 1e-14, 200, &r) == PL_OK, "bisect cos");
    CHECK_CLOSE(r, DOTTIE, 1e-12, "bisect cos x = x");
    CHECK(pl_brent(cos_minus_x, &cr, 0, 1, 1e-14, 200, &r) == PL_OK, "brent cos");
    CHECK_CLOSE(r, DOTTIE, 1e-12, "brent cos x = x");
    CHECK(cr.calls * 3 < cb.calls, "brent %ld calls, bisection %ld", cr.calls, cb.calls);
    CHECK(pl_bisect(wallis, NULL, 2, 3, 1e-14, 200, &r) == PL_OK, "bisect wallis");
    CHECK_CLOSE(r, WALLIS, 1e-12, "bisect x^3 - 2x - 5");
    CHECK(pl_brent(wallis, NULL, 2, 3, 1e-14, 200, &r) == PL_OK, "brent wallis");
    CHECK_CLOSE(r, WALLIS, 1e-12, "brent x^3 - 2x - 5");
    /* reversed bracket and a root at an end */
    CHECK(pl_brent(wallis, NULL, 3, -5, 0, 200, &r) == PL_OK, "brent reversed");
    CHECK_CLOSE(r, WALLIS, 1e-12, "brent reversed bracket");
    CHECK(pl_brent(cos_minus_x, NULL, 2.0, 2.0, 0, 10, &r) == PL_EINVAL, "a == b, f != 0");
    CHECK(pl_brent(wallis, NULL, WALLIS - 1e-3, 3, 1e-15, 100, &r) == PL_OK, "tight bracket");
    CHECK_CLOSE(r, WALLIS, 4 * 2.2e-16 * WALLIS, "xtol = 1e-15: to a few ulps");
    /* non-bracketing intervals */
    CHECK(pl_bisect(cos_minus_x, NULL, 0, 0.5, 1e-12, 100, &r) == PL_EINVAL, "bisect no bracket");
    CHECK(pl_brent(cos_minus_x, NULL, 0, 0.5, 1e-12, 100, &r) == PL_EINVAL, "brent no bracket");
    CHECK(pl_brent(wallis, NULL, -3, 0, 1e-12, 100, &r) == PL_EINVAL, "brent wallis no bracket");
    /* budget */
    CHECK(pl_bisect(cos_minus_x, NULL, 0, 1, 0, 5, &r) == PL_ENOCONV, "bisect budget");
    CHECK(fabs(r - DOTTIE) < 1.0 / 32, "bisect best estimate after budget");
    CHECK(pl_brent(cos_minus_x, NULL, 0, 1, 0, 2, &r) == PL_ENOCONV, "brent budget");
    CHECK(pl_brent(nan_right, NULL, 0, 1, 0, 50, &r) == PL_ENAN, "brent NaN");
    /* bracket expansion, then Brent */
    double a = 0.0, b = 0.1;
    CHECK(pl_bracket(wallis, NULL, &a, &b, 50) == PL_OK, "bracket wallis");
    CHECK(a < WALLIS && WALLIS < b, "bracket [%g, %g]", a, b);
    CHECK(pl_brent(wallis, NULL, a, b, 1e-14, 200, &r) == PL_OK, "brent after bracket");
    CHECK_CLOSE(r, WALLIS, 1e-12, "brent after bracket");
    a = -1.0;
    b = 1.0;
    CHECK(pl_bracket(no_root, NULL, &a, &b, 30) == PL_ENOCONV, "no root: no bracket");
    a = b = 1.0;
    CHECK(pl_bracket(no_root, NULL, &a, &b, 30) == PL_EINVAL, "a == b");
}

static pl_status cos_map(const double *x, double *fx, size_t n, void *ctx)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++) fx[i] = cos(x[i]);
    return PL_OK;
}

static pl_status affine_map(const double *x, double *fx, size_t n, void *ctx)
{
    const double *ab = ctx; /* x -> a x + b */
    for (size_t i = 0; i < n; i++) fx[i] = ab[0] * x[i] + ab[1];
    return PL_OK;
}

static pl_status log_map(const double *x, double *fx, size_t n, void *ctx)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++) fx[i] = log(x[i] - 2.0); /* NaN for x < 2 */
    return PL_OK;
}

static pl_status failing_map(const double *x, double *fx, size_t n, void *ctx)
{
    (void)x;
    (void)fx;
    (void)n;
    (void)ctx;
    return PL_ENOSOLUTION;
}

/* 2-d: x = cos(y)/2, y = sin(x)/2 + 1 (a contraction) */
static pl_status map2(const double *x, double *fx, size_t n, void *ctx)
{
    (void)n;
    (void)ctx;
    fx[0] = 0.5 * cos(x[1]);
    fx[1] = 0.5 * sin(x[0]) + 1.0;
    return PL_OK;
}

static void test_fixed_point(void)
{
    pl_fp_opts o = pl_fp_default_opts();
    double x = 0.0;
    pl_fp_result res = pl_fixed_point(cos_map, NULL, &x, 1, &o);
    CHECK(res.status == PL_OK, "cos converges: %s", pl_strerror(res.status));
    CHECK_CLOSE(x, DOTTIE, 1e-9, "cos fixed point");
    CHECK(res.residual < o.tol && res.iterations > 10 && res.iterations < 200,
          "residual %g after %zu iterations", res.residual, res.iterations);
    /* x -> 2x + 1 blows up geometrically */
    double ab[2] = {2.0, 1.0};
    x = 0.0;
    res = pl_fixed_point(affine_map, ab, &x, 1, &o);
    CHECK(res.status == PL_EDIVERGED, "2x+1 diverges: %s", pl_strerror(res.status));
    CHECK(res.iterations < 40, "divergence detected early (%zu)", res.iterations);
    /* slow contraction: not converged at maxit, history recorded */
    double hist[100];
    double slow[2] = {0.999, 0.0};
    pl_fp_opts os = o;
    os.maxit = 100;
    os.history = hist;
    x = 1.0;
    res = pl_fixed_point(affine_map, slow, &x, 1, &os);
    CHECK(res.status == PL_ENOCONV, "slow map: %s", pl_strerror(res.status));
    CHECK(res.iterations == 100, "stopped at maxit (%zu)", res.iterations);
    CHECK_CLOSE(hist[0], 1e-3, 1e-12, "history[0]");
    CHECK_CLOSE(hist[99], res.residual, 0.0, "history[last] is the residual");
    CHECK(hist[99] < hist[0], "history decreasing");
    /* NaN */
    x = 0.0;
    res = pl_fixed_point(log_map, NULL, &x, 1, &o);
    CHECK(res.status == PL_ENAN, "NaN reported: %s", pl_strerror(res.status));
    CHECK(x == 0.0, "x keeps the last finite iterate");
    /* the map's own failure is passed through */
    res = pl_fixed_point(failing_map, NULL, &x, 1, &o);
    CHECK(res.status == PL_ENOSOLUTION, "map status passed through");
    /* damping: x -> 2 - x oscillates undamped, converges at damping 1/2 */
    double flip[2] = {-1.0, 2.0};
    x = 0.0;
    os.history = NULL;
    res = pl_fixed_point(affine_map, flip, &x, 1, &os);
    CHECK(res.status == PL_ENOCONV, "undamped oscillation: %s", pl_strerror(res.status));
    os.damping = 0.5;
    x = 0.0;
    res = pl_fixed_point(affine_map, flip, &x, 1, &os);
    CHECK(res.status == PL_OK && fabs(x - 1.0) < 1e-12, "damped converges to 1 (x = %g)", x);
    /* vector map */
    double v[2] = {0.0, 0.0};
    res = pl_fixed_point(map2, NULL, v, 2, NULL);
    CHECK(res.status == PL_OK, "2-d map converges");
    CHECK(fabs(v[0] - 0.5 * cos(v[1])) < 1e-9 && fabs(v[1] - 0.5 * sin(v[0]) - 1.0) < 1e-9,
          "2-d fixed point (%g, %g)", v[0], v[1]);
    os.damping = 0.0;
    res = pl_fixed_point(map2, NULL, v, 2, &os);
    CHECK(res.status == PL_EINVAL, "damping 0 rejected");
}

/* H = u^3 - u + t: S-shaped branch with folds at t = +-2/(3 sqrt 3) */
static pl_status s_curve(const double *u, double t, double *H, size_t n, void *ctx)
{
    (void)n;
    (void)ctx;
    H[0] = u[0] * u[0] * u[0] - u[0] + t;
    return PL_OK;
}

static pl_status circle(const double *u, double t, double *H, size_t n, void *ctx)
{
    (void)n;
    (void)ctx;
    H[0] = u[0] * u[0] + t * t - 1.0;
    return PL_OK;
}

typedef struct {
    pl_cont_fn H;
    double tol;
    size_t npts, cap;
    double *u, *t;
    double maxres;
} trace;

static int record(const double *u, double t, void *p)
{
    trace *tr = p;
    double h;
    tr->H(u, t, &h, 1, NULL);
    tr->maxres = fmax(tr->maxres, fabs(h));
    if (tr->npts < tr->cap) {
        tr->u[tr->npts] = u[0];
        tr->t[tr->npts] = t;
    }
    tr->npts++;
    return 0;
}

/* u at the crossings of t = 0 along the trace (linear interpolation) */
static size_t zero_crossings(const trace *tr, double *uz, size_t cap)
{
    size_t k = 0;
    for (size_t i = 1; i < tr->npts && i < tr->cap; i++) {
        double t0 = tr->t[i - 1], t1 = tr->t[i];
        if ((t0 < 0) != (t1 < 0) && k < cap) {
            double s = t0 / (t0 - t1);
            uz[k++] = tr->u[i - 1] + s * (tr->u[i] - tr->u[i - 1]);
        }
    }
    return k;
}

static size_t turns(const trace *tr)
{
    size_t k = 0;
    for (size_t i = 2; i < tr->npts && i < tr->cap; i++)
        if ((tr->t[i] - tr->t[i - 1]) * (tr->t[i - 1] - tr->t[i - 2]) < 0) k++;
    return k;
}

static void test_continuation(void)
{
    enum { CAP = 4000 };
    double *ub = malloc(CAP * sizeof(double)), *tb = malloc(CAP * sizeof(double));
    pl_cont_opts o = pl_cont_default_opts();
    o.ds = 0.02;
    o.ds_max = 0.1;
    o.tmin = -1.5;
    o.tmax = 1.0;
    o.newton_tol = 1e-12;
    trace tr = {s_curve, o.newton_tol, 0, CAP, ub, tb, 0.0};
    double u0 = 1.0; /* corrected to the root of u^3 - u - 1 at t = -1 */
    pl_status st = pl_continuation(s_curve, NULL, &u0, -1.0, 1, &o, record, &tr);
    CHECK(st == PL_OK, "S-curve continuation: %s", pl_strerror(st));
    CHECK(tr.npts > 20 && tr.npts < CAP, "S-curve points: %zu", tr.npts);
    CHECK(tr.maxres <= o.newton_tol, "all points on H = 0: max |H| = %g", tr.maxres);
    CHECK_CLOSE(tb[0], -1.0, 0.0, "first point at t0");
    CHECK_CLOSE(ub[0], 1.3247179572447460, 1e-10, "start corrected to the plastic number");
    /* the turning points of t along the trace sit at the folds t = +-2/(3 sqrt 3) */
    double tf = 2.0 / (3.0 * sqrt(3.0)), tpeak = NAN, tvalley = NAN;
    for (size_t i = 1; i + 1 < tr.npts && i + 1 < CAP; i++) {
        if (tb[i] >= tb[i - 1] && tb[i] >= tb[i + 1]) tpeak = tb[i];
        if (tb[i] <= tb[i - 1] && tb[i] <= tb[i + 1]) tvalley = tb[i];
    }
    CHECK(tpeak > tf - 0.01 && tpeak <= tf + 1e-12, "turns at the upper fold: %g vs %g", tpeak,
          tf);
    CHECK(tvalley < -tf + 0.01 && tvalley >= -tf - 1e-12, "turns at the lower fold: %g",
          tvalley);
    CHECK(turns(&tr) == 2, "t turns around twice (%zu)", turns(&tr));
    double uz[8];
    size_t nz = zero_crossings(&tr, uz, 8);
    CHECK(nz == 3, "three solutions at t = 0 visited (%zu)", nz);
    if (nz == 3) {
        CHECK_CLOSE(uz[0], 1.0, 0.05, "upper branch u = 1");
        CHECK_CLOSE(uz[1], 0.0, 0.05, "middle branch u = 0");
        CHECK_CLOSE(uz[2], -1.0, 0.05, "lower branch u = -1");
    }
    CHECK(tb[(tr.npts < CAP ? tr.npts : CAP) - 1] > 0.5, "ends on the lower branch at large t");

    /* circle: closed curve, t folds at +-1; stop by maxsteps */
    pl_cont_opts oc = pl_cont_default_opts();
    oc.ds = 0.05;
    oc.ds_max = 0.1;
    oc.maxsteps = 200;
    oc.newton_tol = 1e-12;
    oc.direction = -1;
    trace tc = {circle, oc.newton_tol, 0, CAP, ub, tb, 0.0};
    double uc = 1.1;
    st = pl_continuation(circle, NULL, &uc, 0.0, 1, &oc, record, &tc);
    CHECK(st == PL_OK, "circle continuation: %s", pl_strerror(st));
    CHECK(tc.npts == oc.maxsteps, "stopped after maxsteps (%zu)", tc.npts);
    CHECK(tc.maxres <= oc.newton_tol, "circle points on H = 0: %g", tc.maxres);
    CHECK(tb[1] < 0.0, "direction -1 starts with decreasing t");
    double cmin = INFINITY, cmax = -INFINITY, umin = INFINITY;
    for (size_t i = 0; i < tc.npts; i++) {
        cmin = fmin(cmin, tb[i]);
        cmax = fmax(cmax, tb[i]);
        umin = fmin(umin, ub[i]);
    }
    CHECK(cmin < -0.99 && cmax > 0.99 && umin < -0.99, "whole circle traced");
    CHECK(turns(&tc) >= 2, "circle turns in t (%zu)", turns(&tc));

    o.ds = 0.0;
    CHECK(pl_continuation(s_curve, NULL, &u0, -1.0, 1, &o, NULL, NULL) == PL_EINVAL, "ds = 0");
    free(ub);
    free(tb);
}

int main(void)
{
    test_scalar_roots();
    test_fixed_point();
    test_continuation();
    return pl_test_done("test_roots");
}
