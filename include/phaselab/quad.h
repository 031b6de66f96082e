/* Quadrature: Gauss–Hermite rules, tensor rules for K-dimensional Gaussian expectations,
 * adaptive Gauss–Kronrod on intervals, Monte Carlo with a standard error. */
#ifndef PHASELAB_QUAD_H
#define PHASELAB_QUAD_H

#include <stddef.h>
#include "phaselab/rng.h"
#include "phaselab/status.h"

/* Gauss–Hermite rule for the standard normal weight (probabilists'): sum_i w[i] f(x[i])
 * approximates E f(z), z ~ N(0,1); exact for polynomials of degree <= 2n-1. Golub–Welsch via
 * LAPACK (dstev). x, w have n entries. */
pl_status pl_gauss_hermite(size_t n, double *x, double *w);

/* Tensor rule for E f(z), z ~ N(0, I_K): n^K nodes. f receives z[K]. */
typedef double (*pl_fn_vec)(const double *z, size_t K, void *ctx);
/* Vector-valued integrand: writes m outputs into out. */
typedef void (*pl_fn_vec_multi)(const double *z, size_t K, double *out, void *ctx);
pl_status pl_gauss_expect(size_t K, size_t n, pl_fn_vec f, void *ctx, double *result);
pl_status pl_gauss_expect_multi(size_t K, size_t n, size_t m, pl_fn_vec_multi f, void *ctx,
                                double *result);

/* Monte Carlo estimate of E f(z), z ~ N(0, I_K), with its standard error. */
pl_status pl_mc_expect(size_t K, size_t nsamples, pl_fn_vec f, void *ctx, pl_rng *rng,
                       double *mean, double *stderr_);

/* Adaptive Gauss–Kronrod (G7–K15) integration of f on [a, b] to max(epsabs, epsrel*|I|).
 * With PL_QUAD_SQRT_LEFT / RIGHT, the substitution x = a + (b-a) u^2 (resp. mirrored) removes
 * a square-root endpoint behaviour before integrating. Status PL_ENOCONV if the subdivision
 * budget (maxint intervals) runs out; *abserr always holds the error estimate. */
typedef double (*pl_fn1)(double x, void *ctx);
enum { PL_QUAD_PLAIN = 0, PL_QUAD_SQRT_LEFT = 1, PL_QUAD_SQRT_RIGHT = 2 };
pl_status pl_integrate(pl_fn1 f, void *ctx, double a, double b, double epsabs, double epsrel,
                       int flags, size_t maxint, double *result, double *abserr);
/* Integral over (-inf, inf) of f (mapped x = t/(1-t^2)), same contract. */
pl_status pl_integrate_inf(pl_fn1 f, void *ctx, double epsabs, double epsrel, size_t maxint,
                           double *result, double *abserr);

#endif
