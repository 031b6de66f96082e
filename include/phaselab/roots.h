/* Root finding, damped fixed points, pseudo-arclength continuation. */
#ifndef PHASELAB_ROOTS_H
#define PHASELAB_ROOTS_H

#include <stddef.h>
#include "phaselab/quad.h"
#include "phaselab/status.h"
#include "phaselab/api.h"

PL_BEGIN_DECLS

/* Bisection and Brent (classic Brent–Dekker: inverse quadratic / secant steps safeguarded by
 * bisection) on [a, b] with f(a) f(b) <= 0. PL_EINVAL if the bracket does not bracket;
 * PL_ENOCONV after maxit (then *root is the best estimate); PL_ENAN if f gives a NaN.
 * Tolerance on x: xtol + 4 eps |x|. */
pl_status pl_bisect(pl_fn1 f, void *ctx, double a, double b, double xtol, size_t maxit,
                    double *root);
pl_status pl_brent(pl_fn1 f, void *ctx, double a, double b, double xtol, size_t maxit,
                   double *root);
/* Expand [a, b] geometrically (factor 1.6, moving the end where |f| is smaller; at most
 * maxexpand times) until f(a) f(b) <= 0. On return a < b hold the last interval tried.
 * PL_ENOCONV if no bracket was found within maxexpand expansions, PL_EINVAL if a == b,
 * PL_ENAN if f gives a NaN. */
pl_status pl_bracket(pl_fn1 f, void *ctx, double *a, double *b, size_t maxexpand);

/* Damped fixed point x <- (1 - damp) x + damp F(x) on R^n; x holds the last iterate on return.
 * The residual is ||x_new - x|| / max(1, ||x_new||) (infinity norm).
 * Stops with PL_OK when the residual < tol, PL_ENOCONV at maxit, PL_EDIVERGED when the step
 * ||x_new - x|| exceeds diverge_factor times its smallest value so far (and above 1) -- the
 * absolute step, since the relative residual of a geometric blow-up x -> 2x + 1 stays near 1 --
 * and PL_ENAN on a NaN/Inf (x then keeps the last finite iterate). The map returns a status;
 * non-OK aborts the iteration and is reported as the result status. opts == NULL means
 * pl_fp_default_opts() (damping 1, tol 1e-10, maxit 1000, diverge_factor 1e6, no history). */
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
 * followed, which is what reveals multiple branches.
 *
 * Details: y = (u, t). The start is first corrected by Newton at fixed t = t0 (so H_u must be
 * invertible there) and reported as the first point. Each step predicts y + ds tau along the
 * unit tangent tau (null vector of [H_u H_t], oriented by tau_prev . tau > 0), then solves
 * [H(y); tau . (y - y_pred)] = 0 by Newton (LU, pl_lu_solve) until ||H||_inf <= newton_tol.
 * A step is rejected (ds halved) when Newton fails, moves farther than ds from the prediction,
 * or the tangent turns by more than ~25 degrees; ds grows by 1.5 (up to ds_max) after easy
 * corrections. Arclength is measured in (u, t) space, so scale t and u comparably.
 * Returns PL_OK on a normal stop (maxsteps, t out of range, out() nonzero), PL_ENOCONV if
 * ds would fall below ds_min, PL_EINVAL on bad options (need 0 < ds_min <= ds <= ds_max,
 * tmin < tmax, t0 in [tmin, tmax], newton_tol > 0, maxsteps >= 1, direction = +-1), or the
 * status of a failing start correction (H's own status, PL_ENAN, PL_ENOCONV, PL_ELAPACK). */
typedef pl_status (*pl_cont_fn)(const double *u, double t, double *H, size_t n, void *ctx);
typedef int (*pl_cont_out)(const double *u, double t, void *ctx); /* return nonzero to stop */
typedef struct {
    double ds, ds_min, ds_max;
    double tmin, tmax;
    size_t maxsteps;
    double newton_tol;
    int direction; /* +1: start with increasing t, -1: decreasing */
} pl_cont_opts;
/* ds 0.05, ds_min 1e-8, ds_max 0.5, t unbounded, maxsteps 1000, newton_tol 1e-10, +1.
 * (Added to the original API.) */
pl_cont_opts pl_cont_default_opts(void);
pl_status pl_continuation(pl_cont_fn H, void *ctx, const double *u0, double t0, size_t n,
                          const pl_cont_opts *opts, pl_cont_out out, void *out_ctx);

PL_END_DECLS

#endif
