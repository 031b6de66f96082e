/* Family 2 — attention-indexed models (AIM): Bayes-optimal state evolution, GAMP-RIE and Adam
 * on the tied attention student.
 *
 * Model: a sequence X (T x d) of tokens x_a ~ N(0, I_d); attention indices
 *     h_ab = (x_a^T S x_b - delta_ab Tr S) / sqrt(d),   S = W W^T / sqrt(r d),
 * W (d x r) with N(0,1) entries, r = rho d; labels y = softmax_row(h) or (T = 2) the one-hot
 * row-wise argmax (hardmax). n = alpha d^2 sequences. S has an O(1) spectrum (sqrt(rho) times
 * Marchenko-Pastur of ratio 1/rho), Q0 = ||S||_F^2/d = 1 + rho, and the error is
 * MSE = ||Shat - S||_F^2 / d (1 at alpha = 0: the mean sqrt(rho) I is known).
 * See docs/attention-indexed.md for the equations and the derivations.
 */
#ifndef PHASELAB_AIM_H
#define PHASELAB_AIM_H

#include <stddef.h>
#include "phaselab/mat.h"
#include "phaselab/rmt.h"
#include "phaselab/rng.h"
#include "phaselab/status.h"
#include "phaselab/api.h"

PL_BEGIN_DECLS

typedef enum { PL_AIM_SOFTMAX = 0, PL_AIM_HARDMAX = 1 } pl_aim_channel;

/* NULL when (T, rho, channel) is valid, else a message naming the parameter: T >= 2,
 * rho > 0 (INFINITY: Gaussian prior, softmax theory only), hardmax needs T = 2. */
const char *pl_aim_check(long T, double rho, pl_aim_channel ch, char *buf, size_t len);

/* ---------------------------------------------------------------- prior: matrix denoising */
/* Spectral law mu_Delta of Y = S + sqrt(Delta) Z (Z GOE, semicircle on [-2, 2]): sqrt(rho)
 * times (MP of ratio 1/rho with unit mean, free-convolved with a semicircle of variance
 * Delta/rho). */
typedef struct {
    double rho, Delta;
    pl_mpsc law;   /* the law of Y / sqrt(rho) */
} pl_aim_law;
pl_status pl_aim_law_init(pl_aim_law *L, double Delta, double rho);
double pl_aim_law_density(const pl_aim_law *L, double x);
/* int mu_Delta^3 dx (adaptive Gauss-Kronrod between the support edges) */
pl_status pl_aim_law_int_cubed(const pl_aim_law *L, double *res);
/* Rotation-invariant estimator: eigenvalue lambda of Y maps to lambda - 2 Delta H(lambda),
 * H the Hilbert transform of mu_Delta. */
double pl_aim_rie_shrink(const pl_aim_law *L, double lambda);
/* MMSE(Delta, rho) = Delta - (4 pi^2/3) Delta^2 int mu_Delta^3 (rho = INFINITY: the
 * Gaussian (GOE) prior, Delta/(1 + Delta)). */
pl_status pl_aim_denoise_mmse(double Delta, double rho, double *mmse);
/* slope of MMSE(Delta) at Delta = 0: the fraction of degrees of freedom, 2 rho - rho^2 for
 * rho <= 1 and 1 beyond */
double pl_aim_dof(double rho);

/* ---------------------------------------------------------------- state evolution */
/* T^2 + T - 2: the directions a softmax output reveals */
double pl_aim_kdirs(long T);
/* alpha_PR(T, rho) = dof(rho) / (T^2 + T - 2) */
double pl_aim_alpha_pr(long T, double rho);

typedef struct {
    double mmse;         /* Q0 - q */
    double qhat;
    size_t iterations;
    pl_status status;
} pl_aim_se_result;
/* Softmax SE (any T >= 2, rho > 0 or INFINITY): qhat = (T^2+T-2) alpha / m and
 * m = MMSE(1/qhat, rho), solved as a scalar root in m (Brent) below alpha_PR; 0 above. */
pl_status pl_aim_se_softmax(long T, double rho, double alpha, pl_aim_se_result *r);

/* Hardmax, T = 2, in the coordinates (h11, h12, h22) with prior variances (2V, V, 2V):
 * log Z_out = log Phi2(k1, k2; s11 s22/3), k1 = s11 (w11 - w12)/r, k2 = s22 (w22 - w12)/r,
 * r = sqrt(3V); s_aa = +1 when row a's argmax is a. Writes logZ, g = grad_w log Z (3) and
 * dg = its Hessian (3 x 3, row-major); any may be NULL. PL_EINVAL for V <= 0. */
pl_status pl_aim_hardmax_gout(const double *w, double V, int s11, int s22, double *logZ,
                              double *g, double *dg);
/* E[2 g11^2 + 2 g22^2 + g12^2] at overlap q (V = Q0 - q), over the label and the prior of w,
 * by nested adaptive quadrature (deterministic). qhat = 2 alpha E. */
pl_status pl_aim_hardmax_ehat(double q, double Q0, double *E);

typedef struct {
    double damping;   /* on q (default 0.5) */
    double tol;       /* on |q_new - q| (1e-9) */
    size_t maxit;     /* (2000) */
} pl_aim_se_opts;
pl_aim_se_opts pl_aim_se_default_opts(void);
/* Hardmax SE (T = 2) from the uninformed q = rho. */
pl_status pl_aim_se_hardmax(double rho, double alpha, const pl_aim_se_opts *o,
                            pl_aim_se_result *r);
/* rho -> 0 limit in alpha_bar = alpha/rho: MMSE = t (2 - t) for t = 1/qhat < 1 (1 beyond),
 * q = 1 - MMSE, Q0 = 1; qhat = 2 alpha_bar E (hardmax) or (T^2+T-2) alpha_bar/(1 - q)
 * (softmax). */
pl_status pl_aim_se_rho0(pl_aim_channel ch, long T, double alpha_bar, const pl_aim_se_opts *o,
                         pl_aim_se_result *r);
/* Weak-recovery threshold of the rho -> 0 limit: hardmax 1/(2 E_{q=0}), softmax 1/(T^2+T-2). */
pl_status pl_aim_alpha_bar_c(pl_aim_channel ch, long T, double *abc);

/* ---------------------------------------------------------------- data */
typedef struct {
    size_t n, d, T, r;
    pl_aim_channel ch;
    pl_mat X;      /* (n T) x d: sequence mu is rows mu T ... mu T + T - 1 */
    pl_mat S;      /* d x d teacher */
    double *y;     /* n T T labels (softmax rows, or one-hot rows) */
} pl_aim_data;
/* Sample teacher W (d x r, r = max(1, round(rho d))), S = W W^T / sqrt(r d), n sequences and
 * their labels (substreams of rng: teacher 1, tokens 2). */
pl_status pl_aim_data_sample(pl_aim_channel ch, size_t T, double rho, size_t n, size_t d,
                             pl_rng *rng, pl_aim_data *D);
void pl_aim_data_free(pl_aim_data *D);
/* h (T x T) of sequence X (T x d, rows) under S (d x d); work: T d doubles */
void pl_aim_indices(pl_mat X, pl_mat S, double *h, double *work);
/* y from h: row-wise softmax or one-hot argmax */
void pl_aim_label(pl_aim_channel ch, size_t T, const double *h, double *y);
/* ||A - B||_F^2 / d */
double pl_aim_mse(pl_mat A, pl_mat B);

/* Multi-layer example: X_l = [c I_T + softmax_beta(X_{l-1} S_l X_{l-1}^T / sqrt d)] X_{l-1},
 * y = softmax_beta(X_{L-1} S_L X_{L-1}^T / sqrt d), S_l given (L matrices d x d). X (T x d) is
 * overwritten by X_{L-1}; y receives T x T; work: 3 T d + T T doubles. */
pl_status pl_aim_multilayer_forward(size_t L, const pl_mat *S, double c, double beta, pl_mat X,
                                    double *y, double *work);

/* ---------------------------------------------------------------- algorithms */
typedef struct {
    double damping;   /* weight of the new g (default 0.2: 0.5 diverges at d <= 70) */
    double tol;       /* on ||Shat_new - Shat||_F / d (stop; default 1e-5 squared: 1e-5 on MSE) */
    size_t maxit;     /* (200) */
} pl_aim_gamp_opts;
pl_aim_gamp_opts pl_aim_gamp_default_opts(void);
typedef struct {
    pl_status status;
    size_t iterations;
    double mse;       /* final ||Shat - S||_F^2/d */
    double chat;      /* final predicted MMSE (the algorithm's variance) */
    char message[160];
} pl_aim_gamp_result;
/* GAMP-RIE on the generic GAMP (phaselab/gamp.h): matrix-free in the samples (never forms
 * the d x d Z per sample), one eigendecomposition per iteration. Shat (d x d) receives the
 * estimate. */
pl_status pl_aim_gamp(const pl_aim_data *D, double rho, const pl_aim_gamp_opts *o, pl_mat Shat,
                      pl_aim_gamp_result *res);

typedef struct {
    double lr;        /* Adam learning rate (0.1) */
    size_t steps;     /* full-batch steps (1000) */
    size_t students;  /* estimators averaged (1: a single run) */
} pl_aim_gd_opts;
pl_aim_gd_opts pl_aim_gd_default_opts(void);
typedef struct {
    pl_status status;
    double mse_single;   /* mean over students of their own MSE */
    double mse_avg;      /* MSE of the averaged Shat */
    double loss;         /* final training loss of the last student */
    char message[160];
} pl_aim_gd_result;
/* Adam (phaselab/adam.h) on the tied softmax student S = W W^T/sqrt(r d) (W d x r,
 * N(0,1) start) with loss sum_mu sum_ab (yhat - y)^2 / d, hand-derived gradients; softmax
 * data only. */
pl_status pl_aim_gd(const pl_aim_data *D, const pl_aim_gd_opts *o, pl_rng *rng,
                    pl_aim_gd_result *res);
/* Loss and gradient (d x r) of the student W on D (exposed for finite-difference tests). */
pl_status pl_aim_gd_loss_grad(const pl_aim_data *D, pl_mat W, double *loss, pl_mat grad);

PL_END_DECLS

#endif
