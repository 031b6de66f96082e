/* Quadrature: Gauss–Hermite rules, tensor rules for K-dimensional Gaussian expectations,
 * adaptive Gauss–Kronrod on intervals, Monte Carlo with a standard error. */
#ifndef PHASELAB_QUAD_H
#define PHASELAB_QUAD_H

#include <stddef.h>
#include "phaselab/rng.h"
#include "phaselab/status.h"
#include "phaselab/api.h"

PL_BEGIN_DECLS

/* Gauss–Hermite rule for the standard normal weight (probabilists'): sum_i w[i] f(x[i])
 * approximates E f(z), z ~ N(0,1); exact for polynomials of degree <= 2n-1. Golub–Welsch via
 * LAPACK (dstev on the Jacobi matrix, off-diagonal sqrt(k)); the nodes then get one Newton
 * step and the weights are recomputed by the Christoffel formula 1/sum_{k<n} p_k(x)^2 so that
 * the tiny outer weights are relatively (not just absolutely) accurate. Nodes ascending and
 * exactly symmetric. x, w have n entries (caller-owned). */
pl_status pl_gauss_hermite(size_t n, double *x, double *w);

/* Tensor rule for E f(z), z ~ N(0, I_K): n^K nodes visited by an index counter (no
 * recursion), f receives z[K]. PL_EINVAL if K, n (or m) is 0 or n^K overflows size_t; PL_ENAN
 * if a result is not finite. */
typedef double (*pl_fn_vec)(const double *z, size_t K, void *ctx);
/* Vector-valued integrand: writes m outputs into out. */
typedef void (*pl_fn_vec_multi)(const double *z, size_t K, double *out, void *ctx);
pl_status pl_gauss_expect(size_t K, size_t n, pl_fn_vec f, void *ctx, double *result);
pl_status pl_gauss_expect_multi(size_t K, size_t n, size_t m, pl_fn_vec_multi f, void *ctx,
                                double *result);

/* Monte Carlo estimate of E f(z), z ~ N(0, I_K), with its standard error
 * sd / sqrt(nsamples) (sample sd, Welford's update). nsamples >= 2; stderr_ may be NULL.
 * Draws K * nsamples normals from rng. */
pl_status pl_mc_expect(size_t K, size_t nsamples, pl_fn_vec f, void *ctx, pl_rng *rng,
                       double *mean, double *stderr_);

/* Adaptive Gauss–Kronrod (G7–K15) integration of f on [a, b] to max(epsabs, epsrel*|I|).
 * Globally adaptive: the interval with the largest error estimate (QUADPACK's) is bisected
 * until the summed estimate meets the tolerance.
 * With PL_QUAD_SQRT_LEFT / RIGHT, the substitution x = a + (b-a) u^2 (resp. mirrored) removes
 * a square-root endpoint behaviour (sqrt(x-a) or 1/sqrt(x-a)) before integrating; with both
 * flags x = a + (b-a)(3u^2 - 2u^3) does it at both ends. f is never called at a or b.
 * Status PL_ENOCONV if the subdivision budget (maxint intervals) runs out or an interval can
 * no longer be bisected; PL_ENAN if f gives a NaN/Inf (then *abserr = INFINITY); PL_EINVAL
 * for maxint = 0, a negative tolerance or both zero. *abserr always holds the estimate. */
typedef double (*pl_fn1)(double x, void *ctx);
enum { PL_QUAD_PLAIN = 0, PL_QUAD_SQRT_LEFT = 1, PL_QUAD_SQRT_RIGHT = 2 };
pl_status pl_integrate(pl_fn1 f, void *ctx, double a, double b, double epsabs, double epsrel,
                       int flags, size_t maxint, double *result, double *abserr);
/* Integral over (-inf, inf) of f (mapped x = t/(1-t^2)), same contract. */
pl_status pl_integrate_inf(pl_fn1 f, void *ctx, double epsabs, double epsrel, size_t maxint,
                           double *result, double *abserr);

PL_END_DECLS

#endif
