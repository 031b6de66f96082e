/* Hermite expansions of activations. */
#include "phaselab/hermite.h"

#include <math.h>
#include <stdlib.h>

void pl_hermite_he(size_t L, double x, double *h)
{
    h[0] = 1.0;
    if (L == 0) return;
    h[1] = x;
    for (size_t l = 1; l < L; l++) h[l + 1] = x * h[l] - (double)l * h[l - 1];
}

/* Orthonormal h_l = He_l / sqrt(l!): bounded values keep the sums well conditioned. */
static void hermite_orthonormal(size_t L, double x, double *h)
{
    h[0] = 1.0;
    if (L == 0) return;
    h[1] = x;
    for (size_t l = 1; l < L; l++)
        h[l + 1] = (x * h[l] - sqrt((double)l) * h[l - 1]) / sqrt((double)(l + 1));
}

/* mu_l = sqrt(l!) c_l, computed as a running product so that no factorial is formed. */
static void scale_to_mu(size_t L, double *c)
{
    double s = 1.0;
    for (size_t l = 1; l <= L; l++) {
        s *= sqrt((double)l);
        c[l] *= s;
    }
}

pl_status pl_hermite_coeffs(pl_fn1 sigma, void *ctx, size_t L, size_t order, double *mu)
{
    if (!sigma || !mu || L > PL_HERMITE_LMAX || order < L + 1) return PL_EINVAL;
    double *buf = malloc((2 * order + L + 1) * sizeof(double));
    if (!buf) return PL_ENOMEM;
    double *x = buf, *w = buf + order, *h = buf + 2 * order;
    pl_status st = pl_gauss_hermite(order, x, w);
    if (st == PL_OK) {
        for (size_t l = 0; l <= L; l++) mu[l] = 0.0;
        for (size_t i = 0; i < order; i++) {
            double ws = w[i] * sigma(x[i], ctx);
            if (ws == 0.0) continue;
            hermite_orthonormal(L, x[i], h);
            for (size_t l = 0; l <= L; l++) mu[l] += ws * h[l];
        }
        scale_to_mu(L, mu);
        for (size_t l = 0; l <= L; l++)
            if (!isfinite(mu[l])) st = PL_ENAN;
    }
    free(buf);
    return st;
}

typedef struct {
    pl_fn1 sigma;
    void *ctx;
    size_t l;
    double *h;
} hermite_integrand_ctx;

/* sigma(z) h_l(z) phi(z) */
static double hermite_integrand(double z, void *p)
{
    hermite_integrand_ctx *c = p;
    double phi = exp(-0.5 * z * z) * 0.398942280401432677939946059934; /* 1/sqrt(2 pi) */
    if (phi == 0.0) return 0.0;
    hermite_orthonormal(c->l, z, c->h);
    double v = c->sigma(z, c->ctx);
    return v == 0.0 ? 0.0 : v * c->h[c->l] * phi;
}

pl_status pl_hermite_coeffs_adaptive(pl_fn1 sigma, void *ctx, size_t L, double epsabs,
                                     double *mu)
{
    if (!sigma || !mu || L > PL_HERMITE_LMAX || !(epsabs > 0.0)) return PL_EINVAL;
    double *h = malloc((L + 1) * sizeof(double));
    if (!h) return PL_ENOMEM;
    hermite_integrand_ctx c = {sigma, ctx, 0, h};
    pl_status st = PL_OK;
    for (size_t l = 0; l <= L; l++) {
        double err;
        c.l = l;
        pl_status sl = pl_integrate_inf(hermite_integrand, &c, epsabs, 0.0, 2000, &mu[l], &err);
        if (st == PL_OK) st = sl; /* keep going: every mu[l] gets its best estimate */
    }
    free(h);
    scale_to_mu(L, mu);
    return st;
}

double pl_hermite_kernel(const double *mu, size_t L, size_t lmin, double q)
{
    /* term_l = (mu_l / sqrt(l!))^2 q^l, with 1/sqrt(l!) and q^l as running products */
    double g = 0.0, s = 1.0, ql = 1.0;
    for (size_t l = 0; l <= L; l++) {
        if (l > 0) {
            s /= sqrt((double)l);
            ql *= q;
        }
        if (l >= lmin) {
            double c = mu[l] * s;
            g += c * c * ql;
        }
    }
    return g;
}

pl_status pl_hermite_check_tail(const double *mu, size_t L, double tol)
{
    if (!mu || L < 2 || !(tol >= 0.0)) return PL_EINVAL;
    double total = 0.0, tail = 0.0, s = 1.0;
    for (size_t l = 0; l <= L; l++) {
        if (l > 0) s /= sqrt((double)l);
        double c = mu[l] * s, t = c * c;
        total += t;
        if (l + 2 > L) tail += t;
    }
    if (!isfinite(total)) return PL_ENAN;
    return tail > tol * total ? PL_ENOCONV : PL_OK;
}
