/* Root finding, damped fixed points, pseudo-arclength continuation. */
#ifndef PHASELAB_ROOTS_H
#define PHASELAB_ROOTS_H

#include <stddef.h>
#include "phaselab/quad.h"
#include "phaselab/status.h"

/* Bisection and Brent on [a, b] with f(a) f(b) <= 0. PL_EINVAL if the bracket does not
 * bracket; PL_ENOCONV after maxit. Tolerance on x: xtol + 4 eps |x|. */
pl_status pl_bisect(pl_fn1 f, void *ctx, double a, double b, double xtol, size_t maxit,
                    double *root);
pl_status pl_brent(pl_fn1 f, void *ctx, double a, double b, double xtol, size_t maxit,
                   double *root);
/* Expand [a, b] geometrically (at most maxexpand times) until it brackets a root. */
pl_status pl_bracket(pl_fn1 f, void *ctx, double *a, double *b, size_t maxexpand);

/* Damped fixed point x <- (1 - damp) x + damp F(x) on R^n.
 * Stops with PL_OK when ||x_new - x|| / max(1, ||x||) < tol (infinity norm), PL_ENOCONV at
 * maxit, PL_EDIVERGED when the residual exceeds diverge_factor times its smallest value so far
 * (and above 1), PL_ENAN on a NaN. The map returns a status; non-OK aborts the iteration. */
typedef pl_status (*pl_fp_map)(const double *x, double *fx, size_t n, void *ctx);
typedef struct {
    double damping;        /* in (0, 1]; 1 = undamped */
    double tol;
    size_t maxit;
    double diverge_factor; /* e.g. 1e6; <= 0 disables */
    double *history;       /* optional: residual per iteration (maxit entries) */
} pl_fp_opts;
typedef struct {
    pl_status status;
    size_t iterations;
    double residual;
} pl_fp_result;
pl_fp_opts pl_fp_default_opts(void);
pl_fp_result pl_fixed_point(pl_fp_map F, void *ctx, double *x, size_t n, const pl_fp_opts *opts);

/* Pseudo-arclength continuation of H(u, t) = 0, u in R^n, parameter t: traces the branch
 * through (u0, t0) with step ds, calling out(u, t, ctx) at each accepted point; stops after
 * maxsteps points or when t leaves [tmin, tmax]. Newton corrector with a finite-difference
 * Jacobian; steps are halved on failure down to ds_min. Folds (turning points in t) are
 * followed, which is what reveals multiple branches. */
typedef pl_status (*pl_cont_fn)(const double *u, double t, double *H, size_t n, void *ctx);
typedef int (*pl_cont_out)(const double *u, double t, void *ctx); /* return nonzero to stop */
typedef struct {
    double ds, ds_min, ds_max;
    double tmin, tmax;
    size_t maxsteps;
    double newton_tol;
    int direction; /* +1: start with increasing t, -1: decreasing */
} pl_cont_opts;
pl_status pl_continuation(pl_cont_fn H, void *ctx, const double *u0, double t0, size_t n,
                          const pl_cont_opts *opts, pl_cont_out out, void *out_ctx);

#endif
