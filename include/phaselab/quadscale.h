/* Family 5 — width x data scaling laws of quadratic networks with power-law targets.
 *
 * Target S* = O diag(w) O^T, O Haar, w_k = c k^-gamma for k <= kappa* d (0 beyond), c such that
 * |S*|_F^2/d = sum w_k^2/d = 1. Width-p student S = B B^T (B d x p), Gaussian inputs, labels
 * y = <X(x), S*> + sqrt(Delta) z with X(x) = (x x^T - I)/sqrt d, n samples (free: n = d^a or
 * alpha_lin d^2). Loss
 *
 *     L(B) = (1/d^2) sum_mu (y_mu - yhat_mu)^2 + lambda_t Tr(B B^T)/d
 *          = 4 alpha_lin [ family 4's loss with lambda = lambda_t/(4 alpha_lin) ],
 *
 * so the minimiser is family 4's (same sensing operator and solvers, quadnet.h). Error
 * E = |S - S*|_F^2/d (function-space excess error 2E).
 *
 * Theory: the finite-d "deterministic" fixed point in (q, m, Sigma) (spec 05 T1), averaged over
 * K fixed GOE draws: S = top_p relu(sqrt(qh) Z + mh S* - 2 lambda_t I)/Sh with
 * qh = 2 alpha (Q0 - 2m + q + Delta/2)/D^2, mh = Sh = 2 alpha/D, D = Sigma + 1/4.
 */
#ifndef PHASELAB_QUADSCALE_H
#define PHASELAB_QUADSCALE_H

#include <stddef.h>
#include "phaselab/mat.h"
#include "phaselab/rng.h"
#include "phaselab/status.h"
#include "phaselab/api.h"

PL_BEGIN_DECLS

/* Power-law spectrum w[0..d-1] (descending): c k^-gamma for k <= round(kappa_star d), 0 beyond,
 * normalised to sum w^2 = d. PL_EINVAL for d = 0, kappa_star <= 0, non-finite gamma. */
pl_status pl_qs_powerlaw(size_t d, double gamma, double kappa_star, double *w);

/* n -> infinity limit of the error at width p: the best rank-p approximation error
 * (1/d) sum_{k > p} w_k^2 (w descending). */
double pl_qs_tail_error(const double *w, size_t d, size_t p);

/* ---- the finite-d fixed point */

typedef struct {
    size_t d, p;          /* dimension, student width (1 <= p <= d) */
    double n;             /* samples (alpha_lin = n/d^2) */
    double delta;         /* noise variance */
    double lambda_t;      /* lambda-tilde > 0 (family 4's lambda = lambda_t/(4 alpha_lin)) */
    size_t draws;         /* K GOE draws (default 3) */
    unsigned long seed;   /* seed of the draws */
} pl_qs_setting;

const char *pl_qs_setting_check(const pl_qs_setting *s, char *buf, size_t len);

/* The K GOE draws are kept in the eigenbasis of S* (Z is rotation invariant in law, so S* can
 * be taken diagonal: S* = diag(w)). */
typedef struct {
    pl_qs_setting s;
    double *w;            /* d eigenvalues of S* (descending) */
    double Q0;            /* sum w^2/d */
    pl_mat *Z;            /* K d x d GOE matrices, off-diagonal variance 1/d */
    /* workspace */
    pl_mat A, V;          /* d x d */
    double *ev, *dg, *od, *tau, *c;
} pl_qs_theory;

/* Allocates; w (d entries, any order: sorted descending internally) is copied. */
pl_status pl_qs_theory_init(pl_qs_theory *th, const pl_qs_setting *s, const double *w);
void pl_qs_theory_free(pl_qs_theory *th);
/* Change p, n, delta or lambda_t without redrawing Z (d, draws, seed must not change). */
void pl_qs_theory_update(pl_qs_theory *th, const pl_qs_setting *s);

typedef struct {
    pl_status status;
    size_t iterations;
    double residual;
    double q, m, sigma;   /* the fixed point */
    double err;           /* Q0 + q - 2m */
    double qh, mh;        /* hat variables */
    double xi, tau;       /* scalar form: S = relu(S* + sqrt(xi) Z - tau I), tau = family 4's q */
    double train;         /* qh/16 + lambda_t Tr S/d */
    double reg;           /* lambda_t Tr S/d */
    double rank;          /* #{f > 0}/d of the denoiser output (averaged over draws) */
    int at_floor;         /* converged only to the resolution of the map: the count of positive
                             eigenvalues in the Sigma update jumps by 2/(d^2 mh) (small alpha) */
} pl_qs_state;

/* One application of the map x = (q, m, Sigma) -> T(x), averaged over the draws; extra
 * (optional) receives the observables at x. */
pl_status pl_qs_map(pl_qs_theory *th, const double *x, double *Tx, pl_qs_state *extra);

typedef struct {
    double damping;       /* Picard damping in (0, 1] (default 0.7) */
    double tol;           /* relative residual |T(x) - x|/max(1,|x|) (default 1e-8) */
    size_t maxit;         /* default 300 */
    int newton;           /* 1: Newton steps (finite-difference Jacobian) with Picard fallback */
} pl_qs_opts;
pl_qs_opts pl_qs_default_opts(void);

/* Solve from x0 = (q, m, Sigma) (NULL: the code's (0.775, 0.666, 2.91)): Newton steps with a
 * finite-difference Jacobian while they reduce the residual, then damped iteration with
 * adaptive damping. st gets the fixed point and its observables; st->status PL_OK,
 * PL_ENOCONV (still filled), PL_ENAN, ...; PL_OK with at_floor = 1 when the residual is above
 * tol but below the jump of the map (see at_floor). */
pl_status pl_qs_solve(pl_qs_theory *th, const double *x0, const pl_qs_opts *o, pl_qs_state *st);

/* ---- scaling laws */

/* rho_eff = min(1, (a - l - 3/2)/gamma) with n = d^a, lambda_t = d^l (spec 05 T2). */
double pl_qs_rho_eff(double a, double l, double gamma);
/* Predicted exponents: width-limited E ~ p^(1 - 2 gamma); data-limited E ~ n^(1/(2 gamma) - 1)
 * (needs gamma > 1/2: PL_EINVAL otherwise). */
pl_status pl_qs_exponents(double gamma, double *width_exp, double *data_exp);
/* Least-squares fit log y = c + s log x with the standard error of s (needs n >= 3 positive
 * points; PL_EINVAL otherwise). */
pl_status pl_qs_fit_exponent(const double *x, const double *y, size_t n, double *slope,
                             double *se, double *intercept);

/* ---- simulation at finite d (family 4's operator and solvers) */

enum { PL_QS_LBFGS = 0, PL_QS_FISTA = 1 };

typedef struct {
    double err;           /* |S - S*|_F^2/d */
    double objective;     /* (1/d^2) sum res^2 + lambda_t Tr S/d */
    double train;         /* (1/d^2) sum res^2 */
    double rank;          /* rank fraction of S */
    size_t iterations;
    pl_status status;
} pl_qs_sim;

/* Teacher with spectrum w (d entries, Haar basis), n Gaussian samples, the solver (L-BFGS on
 * B (d x p), B_ij ~ N(0, 1/d) at start; or FISTA on S with rank cap p), tolerance tol. */
pl_status pl_qs_simulate(pl_rng *rng, const double *w, size_t d, size_t p, size_t n,
                         double delta, double lambda_t, int solver, double tol, size_t maxit,
                         pl_qs_sim *out);

PL_END_DECLS

#endif
