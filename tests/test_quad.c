/* Quadrature: Gauss–Hermite exactness (and its failure one degree up), tensor rules, Monte Carlo
 * error bars, adaptive Gauss–Kronrod with square-root edge substitutions and on (-inf, inf),
 * Gauss–Legendre exactness, the vector Gauss–Kronrod against closed forms and the scalar one. */
#include <math.h>
#include <stdlib.h>
#include "phaselab/quad.h"
#include "pl_test.h"

static double dfact2(int m) /* m!! for odd m, 1 for m <= 0 */
{
    double r = 1.0;
    for (int k = m; k > 1; k -= 2) r *= k;
    return r;
}

static double fact(int m)
{
    double r = 1.0;
    for (int k = 2; k <= m; k++) r *= k;
    return r;
}

static double moment(size_t n, const double *x, const double *w, int p)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += w[i] * pow(x[i], p);
    return s;
}

static void test_gauss_hermite(void)
{
    const size_t orders[] = {1, 2, 3, 4, 5, 8, 10, 15, 20, 30};
    for (size_t oi = 0; oi < sizeof orders / sizeof *orders; oi++) {
        size_t n = orders[oi];
        double x[30], w[30];
        CHECK(pl_gauss_hermite(n, x, w) == PL_OK, "gauss_hermite(%zu)", n);
        double wsum = 0.0;
        for (size_t i = 0; i < n; i++) {
            wsum += w[i];
            CHECK(w[i] > 0.0, "n=%zu weight %zu positive", n, i);
            if (i) CHECK(x[i] > x[i - 1], "n=%zu nodes ascending", n);
        }
        CHECK_CLOSE(wsum, 1.0, 1e-14, "weights sum to 1");
        /* exact for every monomial of degree <= 2n-1 */
        int worst_ok = 1;
        for (int p = 0; p <= (int)(2 * n - 1); p++) {
            double q = moment(n, x, w, p);
            double exact = p % 2 ? 0.0 : dfact2(p - 1);
            double scale = p % 2 ? dfact2(p) : exact; /* odd: relative to a neighbour */
            if (fabs(q - exact) > 1e-12 * scale) {
                worst_ok = 0;
                fprintf(stderr, "n=%zu p=%d: %.17g vs %.17g\n", n, p, q, exact);
            }
        }
        CHECK(worst_ok, "n=%zu exact up to degree 2n-1", n);
        /* ... and not for degree 2n: z^{2n} = He_n^2 + (degree < 2n), He_n vanishes at the
         * nodes, so the rule misses exactly E[He_n^2] = n!. */
        double q2n = moment(n, x, w, (int)(2 * n));
        double e2n = dfact2((int)(2 * n - 1));
        /* the defect is n!/(2n-1)!! ~ sqrt(pi n)/2^n relative: far above the 1e-12 above */
        CHECK(fabs(q2n - e2n) > 1e3 * 1e-12 * e2n, "n=%zu degree 2n must not be exact", n);
        CHECK_CLOSE((e2n - q2n) / fact((int)n), 1.0, 1e-12 + 1e-13 * e2n / fact((int)n),
                    "degree-2n defect equals n!");
    }
    double x[3], w[3];
    CHECK(pl_gauss_hermite(0, x, w) == PL_EINVAL, "n = 0 rejected");
    /* a large rule stays finite and accurate in its weights */
    size_t n = 200;
    double *xl = malloc(n * sizeof(double)), *wl = malloc(n * sizeof(double));
    CHECK(pl_gauss_hermite(n, xl, wl) == PL_OK, "n = 200");
    double s = 0.0, s2 = 0.0, s8 = 0.0;
    for (size_t i = 0; i < n; i++) {
        s += wl[i];
        s2 += wl[i] * xl[i] * xl[i];
        s8 += wl[i] * pow(xl[i], 8);
    }
    CHECK_CLOSE(s, 1.0, 1e-13, "n=200 weight sum");
    CHECK_CLOSE(s2, 1.0, 1e-13, "n=200 E z^2");
    CHECK_CLOSE(s8 / 105.0, 1.0, 1e-12, "n=200 E z^8");
    CHECK_CLOSE(xl[0], -xl[n - 1], 0.0, "n=200 symmetric");
    free(xl);
    free(wl);
}

/* product of z_k^{p_k} with powers in ctx */
static double monomial(const double *z, size_t K, void *ctx)
{
    const int *p = ctx;
    double r = 1.0;
    for (size_t k = 0; k < K; k++) r *= pow(z[k], p[k]);
    return r;
}

static void three_outputs(const double *z, size_t K, double *out, void *ctx)
{
    (void)ctx;
    double s = 0.0;
    for (size_t k = 0; k < K; k++) s += z[k];
    out[0] = s * s * s * s;        /* E = 3 K^2 */
    out[1] = z[0] * z[K - 1];      /* E = 0 (K > 1) */
    out[2] = exp(z[0] + 0.5 * z[1]); /* E = exp((1 + 1/4)/2) */
}

static void test_tensor(void)
{
    double r;
    int p22[2] = {2, 2}, p42[2] = {4, 2}, p11[2] = {1, 1};
    CHECK(pl_gauss_expect(2, 4, monomial, p22, &r) == PL_OK, "K=2");
    CHECK_CLOSE(r, 1.0, 1e-13, "E z1^2 z2^2");
    pl_gauss_expect(2, 4, monomial, p42, &r);
    CHECK_CLOSE(r, 3.0, 1e-13, "E z1^4 z2^2");
    pl_gauss_expect(2, 3, monomial, p11, &r);
    CHECK_CLOSE(r, 0.0, 1e-14, "E z1 z2");
    int p246[3] = {2, 4, 6}, p224[3] = {2, 2, 4}, p800[3] = {8, 0, 0};
    pl_gauss_expect(3, 4, monomial, p246, &r);
    CHECK_CLOSE(r, 45.0, 45e-13, "E z1^2 z2^4 z3^6");
    pl_gauss_expect(3, 3, monomial, p224, &r);
    CHECK_CLOSE(r, 3.0, 3e-13, "E z1^2 z2^2 z3^4");
    pl_gauss_expect(3, 4, monomial, p800, &r);
    CHECK(fabs(r - 105.0) > 1.0, "E z1^8 needs 5 nodes: got %g", r);
    pl_gauss_expect(3, 5, monomial, p800, &r);
    CHECK_CLOSE(r, 105.0, 105e-13, "E z1^8 with 5 nodes");
    double m[3];
    for (size_t K = 2; K <= 3; K++) {
        CHECK(pl_gauss_expect_multi(K, 12, 3, three_outputs, NULL, m) == PL_OK, "multi");
        CHECK_CLOSE(m[0], 3.0 * (double)(K * K), 1e-11, "E (sum z)^4");
        CHECK_CLOSE(m[1], 0.0, 1e-14, "E z1 zK");
        CHECK_CLOSE(m[2], exp(0.625), 1e-12, "E exp(z1 + z2/2)");
    }
    CHECK(pl_gauss_expect(0, 3, monomial, p11, &r) == PL_EINVAL, "K = 0 rejected");
    CHECK(pl_gauss_expect(64, 1000, monomial, p11, &r) == PL_EINVAL, "n^K overflow rejected");
}

static double sum_squares(const double *z, size_t K, void *ctx)
{
    (void)ctx;
    double s = 0.0;
    for (size_t k = 0; k < K; k++) s += z[k] * z[k];
    return s;
}

static void test_mc(void)
{
    pl_rng rng;
    pl_rng_init(&rng, 42, 7);
    double m1, se1, m2, se2;
    /* E |z|^2 = K = 3, Var = 2K = 6 */
    CHECK(pl_mc_expect(3, 10000, sum_squares, NULL, &rng, &m1, &se1) == PL_OK, "mc");
    CHECK(pl_mc_expect(3, 160000, sum_squares, NULL, &rng, &m2, &se2) == PL_OK, "mc");
    CHECK(fabs(m1 - 3.0) < 5.0 * se1, "mc N=1e4 within 5 SE: %g +- %g", m1, se1);
    CHECK(fabs(m2 - 3.0) < 5.0 * se2, "mc N=1.6e5 within 5 SE: %g +- %g", m2, se2);
    CHECK_CLOSE(se1, sqrt(6.0 / 10000.0), 0.05 * sqrt(6.0 / 10000.0), "SE = sd/sqrt(N)");
    CHECK_CLOSE(se1 / se2, 4.0, 0.2, "SE scales like 1/sqrt(N)");
    /* same key, same numbers */
    pl_rng a, b;
    pl_rng_init(&a, 5, 1);
    pl_rng_init(&b, 5, 1);
    pl_mc_expect(2, 1000, sum_squares, NULL, &a, &m1, &se1);
    pl_mc_expect(2, 1000, sum_squares, NULL, &b, &m2, &se2);
    CHECK(m1 == m2 && se1 == se2, "mc reproducible from the key");
    CHECK(pl_mc_expect(2, 1, sum_squares, NULL, &a, &m1, &se1) == PL_EINVAL, "N=1 rejected");
}

typedef struct {
    int k;
    long calls;
} fctx;

static double semicircle(double x, void *p)
{
    ((fctx *)p)->calls++;
    double v = 1.0 - x * x;
    return v > 0.0 ? sqrt(v) : 0.0;
}

static double power_k(double x, void *p)
{
    ((fctx *)p)->calls++;
    return pow(x, ((fctx *)p)->k);
}

static double gauss_density(double x, void *p)
{
    ((fctx *)p)->calls++;
    return exp(-0.5 * x * x) / sqrt(2.0 * 3.14159265358979323846) * pow(x, ((fctx *)p)->k);
}

static double lorentz(double x, void *p)
{
    (void)p;
    return 1.0 / (1.0 + x * x);
}

static double sqrt_left(double x, void *p) { (void)p; return sqrt(x); }
static double inv_sqrt_left(double x, void *p) { (void)p; return 1.0 / sqrt(x); }
static double sqrt_right(double x, void *p) { (void)p; return sqrt(2.0 - x) * x; }
static double log_fn(double x, void *p) { (void)p; return log(x); }

static void test_kronrod(void)
{
    const double pi = 3.14159265358979323846;
    double r, e;
    fctx c = {0, 0};
    pl_status st = pl_integrate(semicircle, &c, -1, 1, 1e-12, 0, PL_QUAD_PLAIN, 2000, &r, &e);
    long plain_calls = c.calls;
    CHECK(st == PL_OK, "semicircle plain: %s", pl_strerror(st));
    CHECK_CLOSE(r, pi / 2, 1e-10, "semicircle plain");
    c.calls = 0;
    st = pl_integrate(semicircle, &c, -1, 1, 1e-12, 0, PL_QUAD_SQRT_LEFT | PL_QUAD_SQRT_RIGHT,
                      2000, &r, &e);
    CHECK(st == PL_OK, "semicircle with sqrt flags: %s", pl_strerror(st));
    CHECK_CLOSE(r, pi / 2, 1e-10, "semicircle with sqrt flags");
    CHECK(e <= 1e-12, "error estimate %g", e);
    CHECK(c.calls * 10 < plain_calls, "flags: %ld calls vs %ld plain", c.calls, plain_calls);
    /* one-sided flags, including an integrable 1/sqrt singularity */
    st = pl_integrate(sqrt_left, NULL, 0, 1, 1e-13, 0, PL_QUAD_SQRT_LEFT, 50, &r, &e);
    CHECK(st == PL_OK, "sqrt left");
    CHECK_CLOSE(r, 2.0 / 3.0, 1e-12, "int_0^1 sqrt x");
    st = pl_integrate(inv_sqrt_left, NULL, 0, 1, 1e-13, 0, PL_QUAD_SQRT_LEFT, 50, &r, &e);
    CHECK(st == PL_OK, "inverse sqrt left");
    CHECK_CLOSE(r, 2.0, 1e-12, "int_0^1 1/sqrt x");
    st = pl_integrate(sqrt_right, NULL, 0, 2, 1e-13, 0, PL_QUAD_SQRT_RIGHT, 50, &r, &e);
    CHECK(st == PL_OK, "sqrt right");
    CHECK_CLOSE(r, 16.0 * sqrt(2.0) / 15.0, 1e-12, "int_0^2 x sqrt(2-x)");
    /* monomials */
    for (int k = 0; k <= 20; k++) {
        fctx ck = {k, 0};
        st = pl_integrate(power_k, &ck, -1, 1, 1e-13, 0, PL_QUAD_PLAIN, 100, &r, &e);
        CHECK(st == PL_OK, "x^%d status", k);
        CHECK_CLOSE(r, k % 2 ? 0.0 : 2.0 / (k + 1), 1e-10, "int x^k");
    }
    /* reversed limits change the sign */
    fctx c3 = {3, 0};
    pl_integrate(power_k, &c3, 2, 0, 1e-13, 0, PL_QUAD_PLAIN, 100, &r, &e);
    CHECK_CLOSE(r, -4.0, 1e-12, "int_2^0 x^3");
    /* whole line */
    for (int k = 0; k <= 4; k += 2) {
        fctx cg = {k, 0};
        st = pl_integrate_inf(gauss_density, &cg, 1e-13, 0, 500, &r, &e);
        CHECK(st == PL_OK, "gaussian moment %d status", k);
        CHECK_CLOSE(r, dfact2(k - 1), 1e-10, "int phi(x) x^k over R");
    }
    st = pl_integrate_inf(lorentz, NULL, 1e-12, 0, 500, &r, &e);
    CHECK(st == PL_OK, "lorentz status");
    CHECK_CLOSE(r, pi, 1e-10, "int 1/(1+x^2) over R");
    /* budget and failures */
    c.calls = 0;
    st = pl_integrate(semicircle, &c, -1, 1, 1e-15, 0, PL_QUAD_PLAIN, 5, &r, &e);
    CHECK(st == PL_ENOCONV, "tiny budget reports ENOCONV, got %s", pl_strerror(st));
    CHECK(e > 1e-15 && isfinite(e), "abserr still reported: %g", e);
    CHECK(c.calls == 15 * 9, "5 intervals cost 9 panels: %ld calls", c.calls);
    st = pl_integrate(log_fn, NULL, -1, 1, 1e-10, 0, PL_QUAD_PLAIN, 100, &r, &e);
    CHECK(st == PL_ENAN, "NaN integrand reported");
    CHECK(pl_integrate(log_fn, NULL, 0, 1, 1e-10, 0, 0, 0, &r, &e) == PL_EINVAL, "maxint 0");
    CHECK(pl_integrate(log_fn, NULL, 0, 1, 0, 0, 0, 10, &r, &e) == PL_EINVAL, "zero tol");
    CHECK(pl_integrate(log_fn, NULL, 0, 1, 1e-9, 0, 7, 10, &r, &e) == PL_EINVAL, "bad flags");
}

/* Gauss–Legendre on [a, b]: exact for x^k up to k = 2n-1, not at 2n */
static void test_gauss_legendre(void)
{
    enum { N = 7 };
    double x[N], w[N], a = -0.5, b = 2.0;
    CHECK(pl_gauss_legendre(N, a, b, x, w) == PL_OK, "rule");
    for (int k = 0; k <= 2 * N; k++) {
        double s = 0;
        for (int i = 0; i < N; i++) s += w[i] * pow(x[i], k);
        double exact = (pow(b, k + 1) - pow(a, k + 1)) / (k + 1);
        if (k < 2 * N)
            CHECK_CLOSE(s, exact, 1e-13 * fmax(1, fabs(exact)), "Gauss-Legendre x^k");
        else
            CHECK(fabs(s - exact) > 1e-8, "degree 2n is not exact (%g vs %g)", s, exact);
    }
    for (int i = 1; i < N; i++) CHECK(x[i] > x[i - 1], "nodes ascending");
}

/* (1, x^2, cos(3x), 1/sqrt(x)) on (0, 1] */
static void vec_fn(double x, double *out, void *ctx)
{
    (void)ctx;
    out[0] = 1;
    out[1] = x * x;
    out[2] = cos(3 * x);
    out[3] = 1 / sqrt(x);
}
static double cos3(double x, void *ctx)
{
    (void)ctx;
    return cos(3 * x);
}
static void vec_nan(double x, double *out, void *ctx)
{
    (void)ctx;
    out[0] = 1;
    out[1] = x > 0.5 ? NAN : x;
}

static void test_integrate_vec(void)
{
    double r[4];
    pl_status st = pl_integrate_vec(vec_fn, NULL, 0, 1, 4, 4, 1e-10, 400, r);
    CHECK(st == PL_OK, "vector integral converged: %s", pl_strerror(st));
    CHECK_CLOSE(r[0], 1, 1e-14, "int 1");
    CHECK_CLOSE(r[1], 1.0 / 3, 1e-14, "int x^2");
    CHECK_CLOSE(r[2], sin(3.0) / 3, 1e-12, "int cos 3x");
    /* the error criterion scales with |I_0| + |I_k| = 3: tol 1e-10 of that */
    CHECK_CLOSE(r[3], 2, 3e-10, "int x^-1/2 (endpoint singularity)");
    /* each component as the scalar integrator's */
    double s, e;
    pl_integrate(cos3, NULL, 0, 1, 0, 1e-13, 0, 100, &s, &e);
    CHECK_CLOSE(r[2], s, 1e-12, "cos component = scalar integral");
    /* budget, bad arguments, NaN */
    CHECK(pl_integrate_vec(vec_fn, NULL, 0, 1, 4, 1, 1e-14, 3, r) == PL_ENOCONV, "budget");
    CHECK(pl_integrate_vec(vec_fn, NULL, 0, 1, 0, 1, 1e-8, 10, r) == PL_EINVAL, "m = 0");
    CHECK(pl_integrate_vec(vec_fn, NULL, 0, 1, PL_QUAD_VEC_MAXM + 1, 1, 1e-8, 10, r) ==
              PL_EINVAL,
          "m too large");
    CHECK(pl_integrate_vec(vec_fn, NULL, 1, 1, 4, 1, 1e-8, 10, r) == PL_OK && r[0] == 0 &&
              r[3] == 0,
          "empty interval");
    CHECK(pl_integrate_vec(vec_nan, NULL, 0, 1, 2, 4, 1e-8, 10, r) == PL_ENAN, "NaN");
}

int main(void)
{
    test_gauss_legendre();
    test_integrate_vec();
    test_gauss_hermite();
    test_tensor();
    test_mc();
    test_kronrod();
    return pl_test_done("test_quad");
}
