/* The canary family: spiked Wigner and spiked covariance models and their BBP transition.
 *
 * Wigner:     Y = (beta/d) v v^T + W/sqrt(d), ||v||^2 = d, W GOE (off-diagonal variance 1).
 * Covariance: x_mu = sqrt(beta) u s_mu + xi_mu, ||u|| = 1, s, xi standard Gaussian,
 *             mu = 1..n, n = alpha d; C = (1/n) sum x x^T.
 */
#ifndef PHASELAB_SPIKED_H
#define PHASELAB_SPIKED_H

#include "phaselab/mat.h"
#include "phaselab/rng.h"
#include "phaselab/api.h"

PL_BEGIN_DECLS

/* Sample Y (d x d) and the spike v (||v||^2 = d). */
pl_status pl_spiked_wigner_sample(pl_rng *rng, double beta, pl_mat Y, double *v);
/* Sample the n x d data X and the unit spike u; C = X^T X / n is formed by the caller. */
pl_status pl_spiked_cov_sample(pl_rng *rng, double beta, pl_mat X, double *u);

/* Top eigenvalue and squared overlap (v_hat . v)^2 / ||v||^2 of the top eigenvector of the
 * symmetric matrix A (destroyed) with the direction v of length n. */
pl_status pl_top_eig_overlap(pl_mat A, const double *v, double *top_eig, double *overlap2);

/* BBP theory (d -> infinity). */
typedef struct {
    double top_eig, overlap2;
    int above; /* 1 if the spike is detectable (above the transition) */
} pl_bbp_prediction;
pl_bbp_prediction pl_bbp_wigner(double beta);
pl_bbp_prediction pl_bbp_cov(double beta, double alpha);
/* transition points: beta_c = 1 (Wigner), beta_c = 1/sqrt(alpha) (covariance) */
double pl_bbp_wigner_threshold(void);
double pl_bbp_cov_threshold(double alpha);

PL_END_DECLS

#endif
