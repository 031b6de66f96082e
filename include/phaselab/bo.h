/* Family 9: Bayes-optimal learning of extensive-width one-hidden-layer networks
 * (Nguyen & Barbier, arXiv 2605.10395): feature-learning transitions, effective width k_c,
 * scaling laws.
 *
 * Teacher: y = sum_{i<=k} v_i sigma(w_i . x / sqrt(d)) + sqrt(Delta) z, x ~ N(0, I_d),
 * k = gamma d, n = alpha d^2, ||v||_2 = 1 with a profile (power i^-beta, dense linear,
 * exponential).
 *
 * Theory (see docs/bo-extensive-width.md):
 *   g(q) = sum_{l >= lmin} mu_l^2 q^l / l!   (activation kernel; lmin = 2 by default: the
 *          constant and linear Hermite components are removed);
 *   phi_l(q) = l g(q) + q + ln(1 - q)        (scalar-channel free entropy);
 *   q = r/(1 + r), r = l g'(q)               (stationarity);
 *   m_e(l): the largest fixed point if phi_l(q) > phi_l(0) (and q >= 1e-8), else 0;
 *   eps = sum_i v_i^2 [g(1) - g(q_i)],  q_i = m_e((n/d) v_i^2 / (Delta + eps)).
 */
#ifndef PHASELAB_BO_H
#define PHASELAB_BO_H

#include <stddef.h>
#include "phaselab/hermite.h"
#include "phaselab/mat.h"
#include "phaselab/quad.h"
#include "phaselab/rng.h"
#include "phaselab/status.h"
#include "phaselab/api.h"

PL_BEGIN_DECLS

/* ------------------------------------------------------------------------------------------ */
/* Activations                                                                                 */

/* A built-in activation: sigma and its derivative (ctx is unused by the built-ins). */
typedef struct {
    const char *name;
    pl_fn1 f;
    pl_fn1 df;
    int smooth;        /* analytic: Gauss–Hermite coefficients converge fast; else adaptive */
    const char *help;
    void (*fdf)(double x, double *f, double *df); /* both at once (hot loops) */
} pl_bo_act_type;

/* Table of built-ins: "tanh2-nolin" (tanh(2x) - mu1 x, the paper's theory/HMC sigma),
 * "tanh2" (tanh(2x), the paper's Adam sigma), "relu-nolin" (relu - mu0 - mu1 x), "relu",
 * "he3" ((x^3 - 3x)/sqrt(6): g(q) = q^3 exactly), "sin-nolin" (sin x - e^{-1/2} x: g(q) =
 * e^{-1}(sinh q - q) exactly). NULL-terminated. */
extern const pl_bo_act_type *const pl_bo_act_types[];
const pl_bo_act_type *pl_bo_act_find(const char *name);
/* "tanh2-nolin|tanh2|..." for an experiment's choice list */
const char *pl_bo_act_choices(void);
size_t pl_bo_act_count(void);

/* ------------------------------------------------------------------------------------------ */
/* Scalar channel                                                                              */

#define PL_BO_QMIN 1e-8 /* the spec's guard: a fixed point below this is the trivial one */

typedef struct {
    size_t order;      /* Hermite order L (<= PL_HERMITE_LMAX); 0 means 170 */
    size_t lmin;       /* first order kept in g (2: remove constant and linear parts) */
    size_t gh_nodes;   /* Gauss–Hermite nodes for smooth sigma; 0 means 2*order + 80 */
    int adaptive;      /* 0/1: adaptive Gauss–Kronrod coefficients (safe for kinks); -1: Gauss–
                          Hermite with gh_nodes (fast and exact enough for analytic sigma) */
    double tail_tol;   /* relative Hermite tail above which the series "does not converge" */
} pl_bo_channel_opts;
pl_bo_channel_opts pl_bo_channel_default_opts(void); /* 170, 2, 0, 0, 1e-6 */

typedef struct {
    size_t L, lmin;
    double c2[PL_HERMITE_LMAX + 1]; /* c2[l] = mu_l^2 / l! for lmin <= l <= L, 0 otherwise */
    double mu[PL_HERMITE_LMAX + 1]; /* Hermite coefficients mu_l of sigma (all l <= L) */
    double g0, g1;                  /* g(0), g(1) from the series */
    double esig2;                   /* E sigma^2 - sum_{l<lmin} c2_l, by adaptive quadrature */
    double tail_rel;                /* (esig2 - g(1)) / esig2: the truncated Hermite tail */
    /* thresholds */
    double l_s, m_s;    /* spinodal: min_q L(q), L(q) = q / ((1-q) g'(q)); m_s = argmin */
    double l_e, m_jump; /* equilibrium threshold and the overlap just above it */
    double q_top;       /* lower end of the top (increasing) branch of L(q) */
    double L_top, dg1;  /* L(q_top) and g'(1) */
    int continuous;     /* 1 if the transition is continuous (l_e = l_s = L(0+), no jump) */
    int branches;       /* interior local minima of L found (1 for the paper's sigma) */
    pl_status status;   /* PL_OK; PL_ENOCONV when the series tail exceeds tail_tol (the
                           channel is still usable); PL_EINVAL when g has no order >= lmin */
    char message[160];
} pl_bo_channel;

/* Builds the channel of sigma (any C function). Returns ch->status (PL_ENOMEM/PL_ENAN on
 * hard failures, with the message). */
pl_status pl_bo_channel_init(pl_bo_channel *ch, pl_fn1 sigma, void *ctx,
                             const pl_bo_channel_opts *opts);

double pl_bo_g(const pl_bo_channel *ch, double q);
double pl_bo_dg(const pl_bo_channel *ch, double q);
/* g(1) - g(1 - s), accurate for small s */
double pl_bo_gap(const pl_bo_channel *ch, double s);
/* phi_l(q) = l g(q) + q + ln(1 - q) */
double pl_bo_phi(const pl_bo_channel *ch, double l, double q);
/* L(q) = q / ((1 - q) g'(q)): the SNR at which q is a fixed point */
double pl_bo_snr_of_q(const pl_bo_channel *ch, double q);
/* The largest fixed point of q = r/(1+r), r = l g'(q) (0 if none besides 0), found by
 * safeguarded Newton on the top branch; equals the limit of the iteration from q = 1. */
double pl_bo_m_fixed(const pl_bo_channel *ch, double l);
/* The literal iteration q <- r/(1+r) from q = 1 (the spec's recipe; slow near l_s). */
pl_status pl_bo_m_iterate(const pl_bo_channel *ch, double l, double tol, size_t maxit,
                          double *q);
/* Equilibrium overlap m_e(l) with the free-entropy test and the 1e-8 guard. */
double pl_bo_m_e(const pl_bo_channel *ch, double l);

/* ------------------------------------------------------------------------------------------ */
/* BO fixed point                                                                              */

typedef struct {
    double eps;          /* eps_BO, the noise-free excess error of the posterior mean */
    double k_c;          /* effective width (discrete: index of the first zero overlap, k if
                            none; density form: fraction of features learned) */
    double eps_one_shot; /* error of one posterior sample keeping the first k_c neurons */
    double delta_eff;    /* Delta + (g(1) - g(0)) sum_{i > k_c} v_i^2 */
    pl_status status;    /* PL_OK, PL_ENOCONV (bisection budget), PL_ENAN, PL_EINVAL */
    int pinned;          /* 1: the bisection closed on a jump of the map (a feature sits at
                            its threshold l_e), not on a continuous root */
    int sign_changes;    /* sign changes of F(eps) - eps on a scan grid (0 if not scanned);
                            > 1 means several fixed points (bisection keeps the reference's) */
    double residual;     /* F(eps) - eps at the returned eps */
    size_t iterations;
} pl_bo_fp;

typedef struct {
    double xtol_rel;     /* bisection stops at hi - lo <= xtol_rel * hi + xtol_abs */
    double xtol_abs;
    size_t maxit;
    size_t scan;         /* grid points for the multiple-root scan (0 = none) */
} pl_bo_fp_opts;
pl_bo_fp_opts pl_bo_fp_default_opts(void); /* 1e-12, 1e-15, 200, 0 */

/* Weighted form: eps = sum_i w_i [g(1) - g(q_i)], q_i = m_e(c s_i / (Delta + eps)).
 * Discrete form: w_i = s_i = v_i^2, c = n/d. Spec's `solve_dense` with atoms (p_j, u_j):
 * w_j = p_j u_j^2, s_j = u_j^2, c = alpha/gamma. Non-increasing s makes it O(k_c) per
 * evaluation. q (m entries) may be NULL. */
pl_status pl_bo_solve_weighted(const pl_bo_channel *ch, size_t m, const double *w,
                               const double *s, double c, double delta,
                               const pl_bo_fp_opts *opts, pl_bo_fp *res, double *q);
/* Discrete finite-k form with readout v (k entries, need not be normalised). */
pl_status pl_bo_solve(const pl_bo_channel *ch, size_t k, const double *v, double n_over_d,
                      double delta, const pl_bo_fp_opts *opts, pl_bo_fp *res, double *q);

/* Readout profiles. */
typedef enum { PL_BO_POWER = 0, PL_BO_DENSE, PL_BO_EXP } pl_bo_profile;
/* v_i (i = 1..k) normalised to ||v|| = 1: power i^-beta; dense linspace(2.5, 1, k); exp
 * e^{-(i-1)/tau}. */
pl_status pl_bo_profile_fill(pl_bo_profile prof, double param, size_t k, double *v);

/* Proportional-limit (density) form: v_i = u(i/k)/sqrt(k) with int_0^1 u^2 = 1,
 * eps = int_0^1 u(x)^2 [g(1) - g(m_e(c u(x)^2 / (Delta + eps)))] dx, c = alpha/gamma.
 * Profiles: power (beta < 1/2: u^2 = (1 - 2 beta) x^{-2 beta}), dense (u ∝ 2.5 - 1.5 x),
 * exp (u ∝ e^{-x/tau_hat}, tau_hat = tau/k). res->k_c is the learned fraction of features;
 * PL_EINVAL for power with beta >= 1/2 (no proportional limit: use the discrete form). */
pl_status pl_bo_solve_density(const pl_bo_channel *ch, pl_bo_profile prof, double param,
                              double c, double delta, const pl_bo_fp_opts *opts,
                              pl_bo_fp *res);

/* Scaling law of the feature-learning regime: exponent 1/(2 beta) - 1 of eps in n. Returns
 * PL_OK for beta > 1/2; otherwise PL_EINVAL (a warning: the fixed point is still valid) with
 * *expo = NaN. */
pl_status pl_bo_scaling_exponent(double beta, double *expo);
/* Asymptotic guides (T4) for the power profile with beta > 1/2, k -> infinity:
 * feature learning: k* = [n/(d l_e zeta(2 beta) Delta)]^{1/(2beta)},
 *   eps_fl = (g1 - g0) k*^{1-2beta} / ((2beta - 1) zeta(2beta)) + k* Delta d/n;
 * refinement: eps_ref = k d Delta / (n - k d) (NaN if n <= k d). */
void pl_bo_guides(const pl_bo_channel *ch, double beta, size_t k, double n_over_d,
                  double delta, double *eps_fl, double *eps_ref);
/* Least-squares slope and intercept of log y against log x (points with x, y > 0). */
pl_status pl_bo_fit_loglog(size_t n, const double *x, const double *y, double *slope,
                           double *intercept);

/* ------------------------------------------------------------------------------------------ */
/* Teacher and data                                                                            */

typedef struct {
    size_t d, k;
    double delta;
    const pl_bo_act_type *act;
    double act_mu0, act_mu1; /* informational */
    pl_mat W;                /* k x d, rows of norm ~ sqrt(d) */
    double *v;               /* k */
} pl_bo_teacher;

/* W with orthogonal rows of norm sqrt(d) (orth = 1, needs k <= d) or i.i.d. N(0,1) entries. */
pl_status pl_bo_teacher_init(pl_bo_teacher *t, pl_rng *rng, size_t d, size_t k,
                             const double *v, double delta, const pl_bo_act_type *act,
                             int orth);
void pl_bo_teacher_free(pl_bo_teacher *t);
/* Clean outputs f(x) = sum_i v_i sigma(w_i.x/sqrt(d)) for the rows of X (n x d) into y;
 * work: n*k doubles. */
pl_status pl_bo_teacher_eval(const pl_bo_teacher *t, pl_mat X, double *y, double *work);
/* X ~ N(0,1) entries, y = f(x) + sqrt(Delta) z. */
pl_status pl_bo_sample(const pl_bo_teacher *t, pl_rng *rng, pl_mat X, double *y);

/* ------------------------------------------------------------------------------------------ */
/* Adam student: f(x) = sum_j a_j sigma(u_j . x), rows u_j renormalised to unit norm after   */
/* every epoch (so u_j.x ~ N(0,1) as in the teacher).                                          */

typedef struct {
    size_t d, p;
    const pl_bo_act_type *act;
    pl_mat U;   /* p x d */
    double *a;  /* p */
    /* Adam state */
    double *mU, *vU, *ma, *va;
    size_t t;
    double lr, b1, b2, eps;
    /* work buffers, sized for batch b */
    size_t bmax;
    double *H, *G, *r;
} pl_bo_student;

/* init: U uniform(-1/d, 1/d) (PyTorch's Linear init divided by sqrt d), a = a0. */
pl_status pl_bo_student_init(pl_bo_student *s, pl_rng *rng, size_t d, size_t p,
                             const pl_bo_act_type *act, double a0, double lr, size_t bmax);
void pl_bo_student_free(pl_bo_student *s);
/* Mean-squared loss (1/b) sum (f(x) - y)^2 on X (b x d) and its gradients (gU p x d, ga p);
 * gU / ga may be NULL to get the loss only. */
pl_status pl_bo_student_loss_grad(pl_bo_student *s, pl_mat X, const double *y, double *loss,
                                  pl_mat gU, double *ga);
/* One Adam step (PyTorch defaults b1 .9, b2 .999, eps 1e-8) with given gradients. */
void pl_bo_student_adam_step(pl_bo_student *s, pl_mat gU, const double *ga);
/* One epoch: nbatch sequential full-size minibatches (batch n/nbatch) of Adam steps, then
 * the row renormalisation. gU, ga: gradient buffers (p x d, p). Returns the last batch loss. */
pl_status pl_bo_student_epoch(pl_bo_student *s, pl_mat X, const double *y, size_t nbatch,
                              pl_mat gU, double *ga, double *loss);
/* Test MSE against clean labels (not halved). */
pl_status pl_bo_student_test(pl_bo_student *s, pl_mat X, const double *yclean, double *mse);
/* Number of teacher rows whose max |cosine| with a student row exceeds thr (0.7). */
size_t pl_bo_recovered(pl_mat Wt, pl_mat U, double thr);

/* ------------------------------------------------------------------------------------------ */
/* Hamiltonian Monte Carlo on the posterior of W (k x d) with prior N(0,1) entries and         */
/* likelihood exp(-sum (y - f_W(x))^2 / (2 Delta)), readout v known.                           */

typedef struct {
    double step;        /* initial leapfrog step (0.01) */
    size_t leapfrog;    /* leapfrog steps per proposal (10) */
    size_t nsamples;    /* proposals (2000) */
    size_t nadapt;      /* first proposals with step-size adaptation (all: = nsamples) */
    double target;      /* target acceptance (0.75, as TFP's SimpleStepSizeAdaptation) */
    double adapt_rate;  /* 0.01 */
    size_t nkeep;       /* error averaged over the last nkeep samples (400) */
} pl_bo_hmc_opts;
pl_bo_hmc_opts pl_bo_hmc_default_opts(void);

typedef struct {
    double gibbs;       /* mean over kept samples of E_x (f_W(x) - f*(x))^2: ~ 2 eps_BO */
    double gibbs_se;    /* naive standard error over kept samples (autocorrelated) */
    double accept;      /* acceptance rate over all proposals */
    double step;        /* final step size */
    double *overlaps;   /* optional (k): cosine of the last sample's rows with the teacher's */
} pl_bo_hmc_result;

/* Log posterior (up to a constant) and its gradient in W; work: 2 n k doubles. */
double pl_bo_log_post(const pl_bo_teacher *t, pl_mat X, const double *y, pl_mat W,
                      pl_mat grad, double *work);
/* Runs the chain from W (k x d, overwritten by the last sample). Xtest/ytest: clean test
 * set for the error. */
pl_status pl_bo_hmc(const pl_bo_teacher *t, pl_mat X, const double *y, pl_mat Xtest,
                    const double *ytest, pl_rng *rng, const pl_bo_hmc_opts *opts, pl_mat W,
                    pl_bo_hmc_result *res);

PL_END_DECLS

#endif
