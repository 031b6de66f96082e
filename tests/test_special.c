/* Special functions: exact identities.
 *  - Bessel K0/K1: Wronskian I0 K1 + I1 K0 = 1/x, continuity at the series/integral switch,
 *    large-x asymptotics, int_0^inf K0 = pi/2, the edge values.
 *  - normal density and distribution function: symmetry, Phi(0) = 1/2, Phi' = phi.
 *  - bivariate normal orthant against a one-dimensional integral. */
#include <math.h>

#include "phaselab/quad.h"
#include "phaselab/special.h"
#include "pl_test.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static double bessel_i(int nu, double x)
{
    double q = 0.25 * x * x, t = pow(0.5 * x, nu), s = 0;
    for (int k = 1; k <= nu; k++) t /= k;
    for (int k = 0; k < 200; k++) {
        s += t;
        t *= q / ((double)(k + 1) * (double)(k + 1 + nu));
    }
    return s;
}

static double k0_fn(double x, void *c)
{
    (void)c;
    return pl_bessel_k0e(x) * exp(-x);
}

static void check_bessel(void)
{
    double xs[] = {0.05, 0.5, 0.999, 1.001, 2.5, 7, 15};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        double x = xs[i], e = exp(-x);
        double w = bessel_i(0, x) * pl_bessel_k1e(x) * e + bessel_i(1, x) * pl_bessel_k0e(x) * e;
        CHECK_CLOSE(w * x, 1.0, 1e-12, "Wronskian x (I0 K1 + I1 K0)");
    }
    CHECK_CLOSE(pl_bessel_k0e(1 - 1e-12), pl_bessel_k0e(1 + 1e-12), 1e-11, "K0e continuity");
    CHECK_CLOSE(pl_bessel_k1e(1 - 1e-12), pl_bessel_k1e(1 + 1e-12), 1e-11, "K1e continuity");
    /* e^x K_nu(x) sqrt(2x/pi) = 1 + (4nu^2 - 1)/(8x) + (4nu^2-1)(4nu^2-9)/(2 (8x)^2) + ... */
    double x = 1e4, s = sqrt(2 * x / M_PI), u = 8 * x;
    CHECK_CLOSE(pl_bessel_k0e(x) * s, 1 - 1 / u + 9 / (2 * u * u), 1e-12, "K0 asymptotics");
    CHECK_CLOSE(pl_bessel_k1e(x) * s, 1 + 3 / u - 15 / (2 * u * u), 1e-12, "K1 asymptotics");
    double I, err;
    pl_integrate(k0_fn, NULL, 0, 1, 1e-13, 1e-12, 0, 2000, &I, &err);
    double I2;
    pl_integrate(k0_fn, NULL, 1, 60, 1e-14, 1e-12, 0, 2000, &I2, &err);
    CHECK_CLOSE(I + I2, M_PI / 2, 1e-9, "int_0^inf K0 = pi/2 (z1 z2 density normalised)");
}

static void check_edges(void)
{
    CHECK(pl_bessel_k0e(0) == INFINITY && pl_bessel_k1e(0) == INFINITY, "K(0) = inf");
    CHECK(isnan(pl_bessel_k0e(-1)) && isnan(pl_bessel_k1e(-1)), "K(-1) = NaN");
    double k0, k1;
    pl_bessel_k01e(2.5, &k0, &k1);
    CHECK(k0 == pl_bessel_k0e(2.5) && k1 == pl_bessel_k1e(2.5), "both at once");
}

static void check_normal(void)
{
    CHECK_CLOSE(pl_norm_cdf(0), 0.5, 0, "Phi(0)");
    CHECK_CLOSE(pl_norm_pdf(0), 1 / sqrt(2 * M_PI), 1e-17, "phi(0)");
    double xs[] = {-3, -0.7, 0.2, 1.5, 6};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        double x = xs[i], h = 1e-5;
        CHECK_CLOSE(pl_norm_cdf(x) + pl_norm_cdf(-x), 1, 4e-16, "Phi(x) + Phi(-x) = 1");
        CHECK(pl_norm_pdf(x) == pl_norm_pdf(-x), "phi even");
        /* central difference: truncation h^2 |phi''|/6 < 2e-11, rounding 2 eps/h < 3e-11 */
        CHECK_CLOSE((pl_norm_cdf(x + h) - pl_norm_cdf(x - h)) / (2 * h), pl_norm_pdf(x), 1e-10,
                    "Phi' = phi");
    }
}

typedef struct {
    double h, k, r;
} bvn_ctx;
static double bvn_fn(double x, void *c)
{
    bvn_ctx *b = c;
    double ph = exp(-0.5 * x * x) / sqrt(2 * M_PI);
    return ph * 0.5 * erfc(-(b->r * x - b->k) / sqrt(1 - b->r * b->r) / sqrt(2.0));
}

static void check_bvn(void)
{
    double cases[][3] = {{0.3, -0.2, 0.5}, {0.3, -0.2, 0.95}, {1.2, 0.4, -0.97},
                         {-0.5, 0.7, 0.99}, {0.1, 0.1, -0.5}, {-1, -2, 0.93}, {0, 0, 0.2}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bvn_ctx c = {cases[i][0], cases[i][1], cases[i][2]};
        double I, I2, err;
        pl_integrate(bvn_fn, &c, c.h, c.h + 12, 1e-15, 1e-13, 0, 4000, &I, &err);
        (void)I2;
        CHECK_CLOSE(pl_bvn_upper(c.h, c.k, c.r), I, 1e-13, "bivariate normal orthant");
    }
    CHECK_CLOSE(pl_bvn_upper(0, 0, 0.4), 0.25 + asin(0.4) / (2 * M_PI), 1e-15,
                "orthant at the origin: 1/4 + asin(r)/(2 pi)");
}

int main(void)
{
    check_bessel();
    check_edges();
    check_normal();
    check_bvn();
    return pl_test_done("test_special");
}
