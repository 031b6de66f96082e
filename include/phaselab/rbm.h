/* Family 3: a restricted Boltzmann machine (Gaussian visible, k hidden units h in {+-1}^k)
 * trained on spiked-covariance data, its gradient descent, an AMP whose fixed points are the
 * likelihood's stationary points, the PCA baseline, and their high-dimensional theory
 * (docs/rbm.md has the derivations).
 *
 * Data (the visible marginal of a teacher RBM): v_mu = sum_j sqrt(beta_j) u_j s_mu,j + xi_mu,
 * mu = 1..n, n = alpha d, U = [u_1 .. u_k] orthonormal (d x k), s uniform on {+-1}^k,
 * xi ~ N(0, I_d); covariance I + sum_j beta_j u_j u_j^T.
 *
 * Student RBM P_W(v, h) ∝ N(v; 0, I) exp(v^T W h / sqrt(d)), W in R^{d x k}. Its negative
 * log-likelihood per sample (up to a constant) is the multi-index objective
 *     l(W) = -(1/n) sum_mu eta(W^T v_mu / sqrt(d)) + Psi(W^T W / d),
 *     eta(x) = sum_a log cosh x_a,   Psi(Q) = log E_h exp(h^T Q h / 2),
 * with gradient  -(1/(n sqrt d)) V^T tanh(V W / sqrt d) + W M(Q) / d,  M(Q) = E_{p_Q}[h h^T],
 * p_Q(h) ∝ exp(h^T Q h / 2); Psi and M are exact sums over the 2^k hidden configurations.
 *
 * Matrices are row-major pl_mat views: V is n x d (rows v_mu), W and U are d x k.
 */
#ifndef PHASELAB_RBM_H
#define PHASELAB_RBM_H

#include <stddef.h>
#include "phaselab/mat.h"
#include "phaselab/rng.h"
#include "phaselab/status.h"
#include "phaselab/api.h"

PL_BEGIN_DECLS

#define PL_RBM_KMAX 8 /* hidden units: 2^k configurations are enumerated */

/* ---- model (src/models/rbm.c) ---- */

/* Sample the spike directions U (d x k, orthonormal columns, Haar) and the data V (n x d)
 * with spike strengths beta[0..k-1] >= 0. */
pl_status pl_rbm_sample(pl_rng *rng, const double *beta, pl_mat V, pl_mat U);

/* Psi(Q) = log E_h exp(h^T Q h / 2) and M = E_{p_Q}[h h^T] (k x k, row-major; may be NULL)
 * for the k x k symmetric Q, by enumeration of {+-1}^k (log-sum-exp). */
pl_status pl_rbm_psi(size_t k, const double *Q, double *psi, double *M);

/* Loss l(W) (loss may be NULL) and its gradient G (d x k; G.data may be NULL for the loss
 * only). lam is an n x k
 * work matrix: on return it holds V W / sqrt(d), or tanh of it when G was asked for. */
pl_status pl_rbm_loss_grad(pl_mat V, pl_mat W, double *loss, pl_mat G, pl_mat lam);

/* Mean squared principal cosine between span(W) and span(U) (both d x k, U orthonormal):
 * tr((W^T W)^{-1} W^T U U^T W) / k; for k = 1 the squared overlap (u.w)^2 / |w|^2. */
pl_status pl_rbm_overlap2(pl_mat W, pl_mat U, double *m2);

/* ||W||_F^2 / (d k): |w|^2/d for k = 1. */
double pl_rbm_norm2(pl_mat W);

/* Small initialisation W0 = init * (rho0 sqrt(d) u_1 + sqrt(1 - rho0^2) z) for column 0 and
 * init * z for the others, z ~ N(0, I_d): rho0 = 0 is the uninformed start; rho0 > 0 starts
 * with the prescribed cosine to the spike (the d -> infinity dynamics needs it, docs/rbm.md). */
pl_status pl_rbm_init(pl_rng *rng, double init, double rho0, pl_mat U, pl_mat W);

/* The output proximal map of AMP and its state evolution: the root lam of lam - s tanh(lam) =
 * omega for s in [0, 1) (unique; it lies in [omega - s, omega + s]); safeguarded Newton. */
double pl_rbm_prox(double omega, double s);

/* ---- algorithms (src/algos/rbm_gd.c, src/algos/rbm_amp.c) ---- */

/* Full-batch GD W <- W - lr d grad l(W) (for k = 1: w <- (1-lr) w + lr (sqrt d/n) V^T
 * tanh(V w / sqrt d)), `steps` steps from the W given. Optional traces (steps+1 entries each,
 * NULL to skip): loss, norm2 and (with U.data non-NULL) m2 after each step, entry 0 the
 * start. PL_ENAN if the iterate stops being finite. */
typedef struct {
    double *loss, *m2, *norm2;
} pl_rbm_trace;
pl_status pl_rbm_gd(pl_mat V, pl_mat W, size_t steps, double lr, pl_mat U,
                    const pl_rbm_trace *trace);

/* AMP for k = 1 (docs/rbm.md): with X = V/sqrt(d),
 *     omega = X w - s g,  lam = prox (lam - s tanh lam = omega),  g = tanh lam,
 *     a = -(1/d) sum sech^2 lam / (1 - s sech^2 lam),  b = X^T g + a w,
 *     w <- b / (alpha + a),  s <- 1 / (alpha + a),
 * whose fixed points satisfy alpha w = X^T tanh(X w), the stationarity of l. The update of w
 * and s is damped by `damping` in (0, 1]. w holds the start and the end; s0 the start of s in
 * (0, 1). Stops when |w_new - w| / |w| < tol (PL_OK), at maxit (PL_ENOCONV), or when s leaves
 * (0, 1) (prox ill-posed: PL_EDIVERGED). */
typedef struct {
    size_t maxit;
    double tol, damping, s0;
} pl_rbm_amp_opts;
typedef struct {
    size_t iterations;
    double s, a, change;
} pl_rbm_amp_info;
pl_rbm_amp_opts pl_rbm_amp_default_opts(void);
pl_status pl_rbm_amp(pl_mat V, double *w, const pl_rbm_amp_opts *opts, pl_rbm_amp_info *info);

/* PCA baseline: top-k eigenvectors of C = V^T V / n, their mean squared principal cosine
 * with U (m2) and the top eigenvalue (lmax may be NULL). */
pl_status pl_rbm_pca(pl_mat V, pl_mat U, double *m2, double *lmax);

/* ---- theory (src/theory/rbm.c) ---- */

/* Weak-recovery threshold alpha_c = 1/beta^2 (BBP; +inf for beta = 0). */
double pl_rbm_alpha_c(double beta);
/* k spikes: direction j is recovered iff alpha beta_j^2 > 1. Writes alpha_c[j] = 1/beta_j^2
 * and returns the threshold for recovering the whole k-dimensional subspace, max_j alpha_c[j]
 * (the first direction appears at min_j alpha_c[j]). */
double pl_rbm_alpha_c_k(size_t k, const double *beta, double *alpha_c);
/* PCA squared overlap (BBP): (1 - 1/(alpha beta^2)) / (1 + 1/(alpha beta)) above alpha_c. */
double pl_rbm_pca_m2(double alpha, double beta);

/* State evolution of the k = 1 AMP: the fixed point of
 *     omega = sqrt(beta) m + sqrt(q) z,  lam = prox_s(omega),  g = tanh lam,
 *     mh = alpha sqrt(beta) E g,  qh = alpha E g^2,  a = -alpha E[sech^2/(1 - s sech^2)],
 *     s' = 1/(alpha + a),  m' = mh s',  q' = (mh^2 + qh) s'^2,
 * with m = u.w/sqrt(d), q = |w|^2/d; m2 = m^2/q. stab = alpha s^2 E[(sech^2/(1 - s
 * sech^2))^2] is the stability (replica-symmetric, de Almeida-Thouless) parameter of the
 * fixed point: stab < 1 where the fixed point describes AMP's and GD's end points. */
typedef struct {
    double m, q, s, a, m2, norm2, stab;
    size_t iterations;
} pl_rbm_se_result;
typedef struct {
    double m0, q0, s0; /* start */
    double damping, tol;
    size_t maxit;
    double quad_tol; /* adaptive Gauss-Kronrod tolerance of the Gaussian averages */
    size_t maxint;   /* its interval budget */
} pl_rbm_se_opts;
pl_rbm_se_opts pl_rbm_se_default_opts(void);
pl_status pl_rbm_se(double alpha, double beta, const pl_rbm_se_opts *opts,
                    pl_rbm_se_result *out);

/* Discrete-time DMFT of the k = 1 GD of pl_rbm_gd from pl_rbm_init(init, rho0), d -> infinity
 * at fixed step count: m(t) = u.w_t/sqrt(d), norm2(t) = |w_t|^2/d, m2(t) = m^2/norm2 and the
 * loss l(w_t), t = 0..steps (arrays of steps+1; loss may be NULL). The sample-side effective
 * process is averaged over nmc Monte Carlo paths drawn from rng. */
typedef struct {
    size_t steps, nmc;
    double lr, init, rho0;
} pl_rbm_dmft_opts;
pl_status pl_rbm_dmft(double alpha, double beta, const pl_rbm_dmft_opts *opts, pl_rng *rng,
                      double *m, double *norm2, double *m2, double *loss);

PL_END_DECLS

#endif
