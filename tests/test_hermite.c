/* Hermite coefficients of activations: orthogonality, Stein's identity, closed forms for ReLU,
 * Parseval for the kernel g(1), the arc-cosine kernel, and the tail check. */
#include "phaselab/hermite.h"
#include "pl_test.h"

static const double INV_SQRT_2PI = 0.398942280401432677939946059934;
static const double PI = 3.14159265358979323846;

static double he3(double x, void *p) { (void)p; return x * x * x - 3.0 * x; }
static double square(double x, void *p) { (void)p; return x * x; }
static double tanh_fn(double x, void *p) { (void)p; return tanh(x); }
static double relu(double x, void *p) { (void)p; return x > 0.0 ? x : 0.0; }

static double phi(double x) { return exp(-0.5 * x * x) * INV_SQRT_2PI; }
static double dtanh_phi(double x, void *p)
{
    (void)p;
    double t = tanh(x);
    return (1.0 - t * t) * phi(x);
}
static double tanh2_phi(double x, void *p)
{
    (void)p;
    double t = tanh(x);
    return t * t * phi(x);
}

static void test_polynomials(void)
{
    double h[6];
    const double xs[] = {-2.5, -0.3, 0.0, 1.0, 3.7};
    for (int i = 0; i < 5; i++) {
        double x = xs[i];
        pl_hermite_he(5, x, h);
        CHECK_CLOSE(h[0], 1.0, 0.0, "He_0");
        CHECK_CLOSE(h[1], x, 0.0, "He_1");
        CHECK_CLOSE(h[2], x * x - 1.0, 1e-13, "He_2");
        CHECK_CLOSE(h[3], x * x * x - 3.0 * x, 1e-12, "He_3");
        CHECK_CLOSE(h[4], pow(x, 4) - 6.0 * x * x + 3.0, 1e-12, "He_4");
        CHECK_CLOSE(h[5], pow(x, 5) - 10.0 * pow(x, 3) + 15.0 * x, 1e-11, "He_5");
    }
    pl_hermite_he(0, 2.0, h);
    CHECK(h[0] == 1.0, "L = 0");
}

static void test_coefficients(void)
{
    double mu[171];
    /* sigma = He_3: mu_l = 3! delta_{l3} (orthogonality, E He_3^2 = 3!) */
    CHECK(pl_hermite_coeffs(he3, NULL, 8, 10, mu) == PL_OK, "He_3 coeffs");
    for (size_t l = 0; l <= 8; l++) CHECK_CLOSE(mu[l], l == 3 ? 6.0 : 0.0, 1e-12, "He_3 mu_l");
    /* sigma = z^2 = He_2 + He_0: mu_0 = 1, mu_2 = 2 */
    CHECK(pl_hermite_coeffs(square, NULL, 6, 8, mu) == PL_OK, "z^2 coeffs");
    for (size_t l = 0; l <= 6; l++)
        CHECK_CLOSE(mu[l], l == 0 ? 1.0 : l == 2 ? 2.0 : 0.0, 1e-12, "z^2 mu_l");
    CHECK_CLOSE(pl_hermite_kernel(mu, 6, 2, 0.7), 2.0 * 0.49, 1e-12, "z^2 kernel lmin=2");
    CHECK_CLOSE(pl_hermite_kernel(mu, 6, 0, 0.7), 1.0 + 2.0 * 0.49, 1e-12, "z^2 kernel lmin=0");
    CHECK(pl_hermite_kernel(mu, 6, 7, 0.7) == 0.0, "lmin > L gives 0");

    /* tanh: Stein's identity mu_1 = E[sigma'(z)] = E[1 - tanh^2 z], the right side by an
     * adaptive integral of phi times the derivative */
    double stein, err;
    CHECK(pl_integrate_inf(dtanh_phi, NULL, 1e-14, 0, 500, &stein, &err) == PL_OK, "stein");
    CHECK(pl_hermite_coeffs(tanh_fn, NULL, 9, 150, mu) == PL_OK, "tanh coeffs");
    CHECK_CLOSE(mu[1], stein, 1e-12, "tanh mu_1 = E tanh'");
    for (size_t l = 0; l <= 9; l += 2) CHECK_CLOSE(mu[l], 0.0, 1e-14, "tanh is odd");
    /* the adaptive (Gauss–Kronrod) route agrees with Gauss–Hermite on a smooth activation */
    double mua[10];
    CHECK(pl_hermite_coeffs_adaptive(tanh_fn, NULL, 9, 1e-13, mua) == PL_OK, "tanh adaptive");
    for (size_t l = 0; l <= 9; l++) CHECK_CLOSE(mua[l], mu[l], 1e-11, "tanh adaptive vs GH");

    /* ReLU: mu_0 = mu_2 = 1/sqrt(2 pi), mu_1 = 1/2, odd l >= 3 vanish, mu_4 = -1/sqrt(2 pi) */
    CHECK(pl_hermite_coeffs_adaptive(relu, NULL, 5, 1e-13, mu) == PL_OK, "relu adaptive");
    CHECK_CLOSE(mu[0], INV_SQRT_2PI, 1e-12, "relu mu_0");
    CHECK_CLOSE(mu[1], 0.5, 1e-12, "relu mu_1");
    CHECK_CLOSE(mu[2], INV_SQRT_2PI, 1e-12, "relu mu_2");
    CHECK_CLOSE(mu[3], 0.0, 1e-12, "relu mu_3");
    CHECK_CLOSE(mu[4], -INV_SQRT_2PI, 1e-12, "relu mu_4");
    CHECK_CLOSE(mu[5], 0.0, 1e-12, "relu mu_5");
    /* Gauss–Hermite on the kink converges only algebraically, but it does converge */
    double e100, e400;
    pl_hermite_coeffs(relu, NULL, 2, 100, mu);
    e100 = fabs(mu[0] - INV_SQRT_2PI) + fabs(mu[2] - INV_SQRT_2PI);
    CHECK_CLOSE(mu[1], 0.5, 1e-12, "relu GH mu_1");
    pl_hermite_coeffs(relu, NULL, 2, 400, mu);
    e400 = fabs(mu[0] - INV_SQRT_2PI) + fabs(mu[2] - INV_SQRT_2PI);
    CHECK(e400 < 2e-3 && e400 < 0.5 * e100, "relu GH errors %g (100) -> %g (400)", e100, e400);

    CHECK(pl_hermite_coeffs(tanh_fn, NULL, 10, 10, mu) == PL_EINVAL, "order < L+1");
    CHECK(pl_hermite_coeffs(tanh_fn, NULL, 171, 400, mu) == PL_EINVAL, "L > LMAX");
}

static void test_kernel(void)
{
    static double mu[171];
    /* Parseval: g(1) with lmin = 0 is E[tanh(z)^2] */
    double e2, err;
    CHECK(pl_integrate_inf(tanh2_phi, NULL, 1e-14, 0, 500, &e2, &err) == PL_OK, "E tanh^2");
    CHECK(pl_hermite_coeffs(tanh_fn, NULL, 80, 200, mu) == PL_OK, "tanh L = 80");
    CHECK_CLOSE(pl_hermite_kernel(mu, 80, 0, 1.0), e2, 1e-8, "Parseval g(1) = E tanh^2");
    CHECK(pl_hermite_check_tail(mu, 80, 1e-8) == PL_OK, "tail small at L = 80");
    CHECK(fabs(pl_hermite_kernel(mu, 20, 0, 1.0) - e2) > 1e-6, "L = 20 is visibly truncated");
    CHECK(pl_hermite_check_tail(mu, 20, 1e-8) == PL_ENOCONV, "tail check flags L = 20");
    CHECK(pl_hermite_check_tail(mu, 1, 1e-8) == PL_EINVAL, "tail check needs L >= 2");
    /* g(q) = E[sigma(z) sigma(z')] for corr(z, z') = q: the ReLU arc-cosine kernel */
    CHECK(pl_hermite_coeffs_adaptive(relu, NULL, 40, 1e-13, mu) == PL_OK, "relu L = 40");
    for (double q = -0.5; q <= 0.51; q += 0.25) {
        double arccos = (sqrt(1.0 - q * q) + (PI - acos(q)) * q) / (2.0 * PI);
        CHECK_CLOSE(pl_hermite_kernel(mu, 40, 0, q), arccos, 1e-9, "relu arc-cosine kernel");
    }
}

int main(void)
{
    test_polynomials();
    test_coefficients();
    test_kernel();
    return pl_test_done("test_hermite");
}
