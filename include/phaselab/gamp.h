/* Generalised approximate message passing (GAMP) with a channel contract and a prior table.
 *
 * The estimate is N blocks of p numbers (x_j in R^p); the data are n samples, each seen
 * through k linear outputs z_i in R^k of the estimate (z = F x, F a linear operator that the
 * problem supplies matrix-free). One iteration, from (xhat, C) (C_j the p x p posterior
 * covariance of block j) and the previous output functions g:
 *
 *   V_i     = var_out(C)                                 output variances (k x k per sample)
 *   omega_i = (F xhat)_i - V_i g_i                       Onsager-corrected outputs
 *   g_i, dg_i = channel g_out(y_i, omega_i, V_i)         (damped against the previous ones)
 *   xbar_j  = xhat_j, or with opts.damp_estimate xhat_j damped with the same weight as g
 *   A_j     = var_in(-dg)                                input precisions (p x p per block)
 *   b_j     = (F^T g)_j + A_j xbar_j                     natural parameter of block j
 *   xhat_j, C_j = posterior mean and covariance of P(x) exp(b.x - x.A x / 2)  (prior)
 *
 * Damping weight beta: g = beta g_new + (1 - beta) g_old, dg likewise. With
 * opts.damp_estimate, xbar = beta xhat + (1 - beta) xbar_old as well: F^T g then carries the
 * self-feedback of the damped mixture of past estimates, which the Onsager term A_j xbar_j
 * removes exactly (the damped GAMP of Rangan, Schniter and Fletcher, ISIT 2014, and Vila et
 * al., arXiv:1412.2005); with the current xhat_j there (the default) a residual
 * self-feedback remains. Both have the fixed points of undamped GAMP. Measured: the
 * multi-index committee GAMP stalls or oscillates without damp_estimate (docs/multi-index.md);
 * GAMP-RIE of the attention-indexed model near perfect recovery stops early with it (steps
 * below tol while the error is still 0.024 at alpha = 0.2, d = 100, weight 0.2, 0.006 with
 * weight 0.5, against 4e-4 without), so it keeps the default (docs/attention-indexed.md).
 *
 * until ||xhat_new - xhat||_F / sqrt(N) < tol. A channel is a const type table (name, g_out
 * with its w-derivative and log partition function, a check), a prior is a const type table
 * with either a separable block denoiser or a whole-estimate (matrix) denoiser hook, which is
 * how rotation-invariant (RIE) matrix priors plug in.
 *
 * Status reporting: PL_OK (converged), PL_ENOCONV (maxit reached), PL_EDIVERGED (the channel
 * or prior refused its input, or the estimate blew up), PL_ENAN (non-finite g_out or estimate);
 * the result carries a message naming the iteration and, for the channel, the sample.
 *
 * Adaptive damping (opts.adaptive): the weight of the new g, dg is multiplied by 0.7 each time
 * the step fails to shrink by 2% and by 1.05 (up to opts.damping) otherwise, never
 * below opts.damping_min; the variance floor raises every eigenvalue of V_i and of C_j below
 * opts.var_floor to it (0: none), so that g_out always sees a positive-definite V.
 *
 * Damping adapted to the variances (opts.var_adaptive): the weight beta starts at
 * opts.damping0 (0: opts.damping) and follows the multiplier mu of the dominant mode of the
 * variance loop A -> C -> V -> dg, measured from successive changes of the block-averaged
 * precision A: when mu < -1/2 (a period-2 oscillation that does not die out quickly) beta
 * becomes beta / (1 - mu), which cancels that mode (not below opts.damping_min), and when
 * mu > -1/5 it grows by 5% (up to opts.damping). Bayes-optimal GAMP from an uninformed start
 * has such a mode (docs/multi-index.md): at omega ~ 0 the label average of -dg responds to
 * dV as F(dV), so the undamped loop gain is -alpha nu_1 and damping beta multiplies the mode
 * by 1 - beta (1 + alpha nu_1); beta = 1 / (1 + alpha nu_1) cancels it. A weight of its own
 * for dg would break the consistency of the Onsager terms (measured: divergence once the
 * estimate becomes informative).
 */
#ifndef PHASELAB_GAMP_H
#define PHASELAB_GAMP_H

#include <stddef.h>
#include "phaselab/status.h"
#include "phaselab/api.h"

PL_BEGIN_DECLS

#define PL_GAMP_PMAX 16 /* largest block dimension p of a separable prior */

/* ---------------------------------------------------------------- channel contract */
typedef struct {
    const char *name;
    /* Output function of sample i for the density prop. to P(y_i|z) N(z; w, V) (k-dim, V
     * k x k SPD row-major): logZ = log int P(y_i|z) N(z; w, V) dz, g = V^{-1}(E z - w) (k),
     * dg = dg/dw = V^{-1}(Cov z - V) V^{-1} (k x k). logZ may be NULL. PL_EINVAL: V not valid
     * or the label impossible under the channel. */
    pl_status (*gout)(const void *ctx, size_t i, const double *w, const double *V,
                      double *logZ, double *g, double *dg);
    /* optional validation of the instance: NULL or a message written into buf */
    const char *(*check)(const void *ctx, char *buf, size_t len);
} pl_gamp_channel_type;

typedef struct {
    const pl_gamp_channel_type *type;
    const void *ctx;   /* labels and parameters of the instance */
    size_t k;          /* outputs per sample */
} pl_gamp_channel;

/* ---------------------------------------------------------------- prior table */
typedef struct {
    const char *name;
    /* Separable prior on one block (p): mean and covariance (p x p) of the density prop. to
     * P(x) exp(b.x - x.A x / 2). NULL when the prior is a matrix denoiser. */
    pl_status (*denoise)(const void *ctx, size_t p, const double *b, const double *A,
                         double *mean, double *cov);
    /* Whole-estimate (matrix) denoiser: from B (N x p) and A (N x p x p) write xhat (N x p)
     * and C (N x p x p). NULL for a separable prior. */
    pl_status (*denoise_all)(const void *ctx, size_t N, size_t p, const double *B,
                             const double *A, double *xhat, double *C);
    const char *(*check)(const void *ctx, char *buf, size_t len);
} pl_gamp_prior_type;

typedef struct {
    const pl_gamp_prior_type *type;
    const void *ctx;
} pl_gamp_prior;

/* N(0, I_p) on each block: mean (I + A)^{-1} b, covariance (I + A)^{-1} (Gauss-Jordan with
 * partial pivoting; PL_EDIVERGED when I + A is singular). */
extern const pl_gamp_prior_type pl_gamp_prior_gauss;

/* ---------------------------------------------------------------- the linear problem */
typedef struct {
    size_t n, k;   /* samples, outputs per sample */
    size_t N, p;   /* blocks, block dimension */
    /* Omega (n x k) = F xhat (xhat N x p) */
    pl_status (*forward)(void *ctx, const double *xhat, double *Omega);
    /* B (N x p) = F^T G (G n x k) */
    pl_status (*adjoint)(void *ctx, const double *G, double *B);
    /* output variances V (n x k x k) from the posterior covariances C (N x p x p) */
    pl_status (*var_out)(void *ctx, const double *C, double *V);
    /* input precisions A (N x p x p) from mdg = -dg (n x k x k) */
    pl_status (*var_in)(void *ctx, const double *mdg, double *A);
    /* optional: called after every iteration t (1-based) with the new estimate */
    void (*monitor)(void *ctx, size_t t, const double *xhat);
    void *ctx;
} pl_gamp_problem;

typedef struct {
    double damping;      /* weight of the new g, dg (1 = none) */
    int adaptive;        /* adaptive damping (see above) */
    double damping_min;  /* floor of the adaptive weight */
    double var_floor;    /* eigenvalue floor of V_i and C_j (0: none) */
    int damp_estimate;   /* damp the estimate in the Onsager term too (see above) */
    int var_adaptive;    /* damping adapted to the variances' oscillation (see above) */
    double damping0;     /* first weight when var_adaptive (0: damping) */
    double tol;          /* on ||xhat_new - xhat||_F / sqrt(N) */
    size_t maxit;
    double blowup;       /* PL_EDIVERGED when ||xhat||_F^2 / N exceeds blowup * p */
} pl_gamp_opts;
pl_gamp_opts pl_gamp_default_opts(void);

typedef struct {
    pl_status status;    /* PL_OK, PL_ENOCONV, PL_EDIVERGED, PL_ENAN */
    size_t iterations;
    double diff;         /* last step ||xhat_new - xhat||_F / sqrt(N) */
    double damping;      /* final damping weight (adaptive, var_adaptive) */
    char message[160];
} pl_gamp_result;

/* Validation of a problem, channel, prior and options: NULL or a message. */
const char *pl_gamp_check(const pl_gamp_problem *P, const pl_gamp_channel *ch,
                          const pl_gamp_prior *pr, const pl_gamp_opts *o, char *buf,
                          size_t len);

/* Runs GAMP from xhat (N x p) and C (N x p x p), both updated in place; g starts at 0.
 * Returns PL_ENOMEM or PL_EINVAL (bad arguments) without iterating; otherwise PL_OK with the
 * outcome in res->status. */
pl_status pl_gamp_run(const pl_gamp_problem *P, const pl_gamp_channel *ch,
                      const pl_gamp_prior *pr, const pl_gamp_opts *o, double *xhat, double *C,
                      pl_gamp_result *res);

PL_END_DECLS

#endif
