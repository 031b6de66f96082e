/* Family 7 — hierarchical power-law targets: Hermite-q latent features, a power-law quadratic
 * head, the layer-wise spectral algorithm, kernel baselines and the recovery theory.
 *
 * Model (docs/hierarchical.md): x ~ N(0, I_d); z = He_q(x) in R^D, D = C(d+q-1, q), the
 * normalised order-q Hermite features (unit variance, uncorrelated); latent features
 * h_i = <a_i, z> for p orthonormal a_i in R^D; s = sum_i b_i (h_i^2 - 1) with
 * b_i = xi_i i^-gamma scale (xi_i Rademacher); y = g*(s), standardised to mean 0, variance 1
 * with the empirical mean and standard deviation. The Gaussian-equivalent model draws
 * z ~ N(0, I_D) directly.
 *
 * Flattening (q = 2): z_ii = (x_i^2 - 1)/sqrt 2, z_ij = x_i x_j (i < j), in the order
 * (0,0), (0,1), ..., (0,d-1), (1,1), (1,2), ... (upper triangle, row by row). A symmetric d x d
 * matrix A maps to a with a_ii = A_ii, a_ij = sqrt 2 A_ij, so that <a, z> = (x^T A x - Tr A)/sqrt 2
 * and ||a|| = ||A||_F. q = 3: multisets i <= j <= k in lexicographic order with
 * z_iii = He_3(x_i)/sqrt 6, z_iij = (x_i^2 - 1) x_j / sqrt 2 (two equal indices), z_ijk = x_i x_j x_k.
 */
#ifndef PHASELAB_HIER_H
#define PHASELAB_HIER_H

#include <stddef.h>
#include "phaselab/mat.h"
#include "phaselab/rng.h"
#include "phaselab/status.h"
#include "phaselab/api.h"

PL_BEGIN_DECLS

typedef enum { PL_HIER_ID = 0, PL_HIER_TANH = 1, PL_HIER_RELU = 2 } pl_hier_link;
typedef enum { PL_HIER_TRUE = 0, PL_HIER_GAUSS = 1 } pl_hier_input;

/* ---------------------------------------------------------------- model */
/* D = C(d + q - 1, q) for q = 2, 3 (0 for other q or on overflow). */
size_t pl_hier_dim(size_t d, size_t q);
/* p = round(d^eps), at least 1. */
size_t pl_hier_width(size_t d, double eps);
/* The head's scale: beta/p (gamma = 0), p^(2 gamma - 1) (0 < gamma <= 1/2), beta (gamma > 1/2). */
double pl_hier_scale(double gamma, size_t p, double beta);
/* The link g*: id, tanh, ReLU max(s, 0) (centred, like every label, by the standardisation). */
double pl_hier_link_apply(pl_hier_link link, double s);
/* Flattened Hermite-q features of one input x (d) into z (D). */
pl_status pl_hier_features(size_t d, size_t q, const double *x, double *z);
/* Features of the rows of X (m x d) into Z (m x D). */
pl_status pl_hier_features_rows(size_t q, pl_mat X, pl_mat Z);
/* Symmetric d x d matrix A <-> flattened a (q = 2). */
void pl_hier_flatten2(pl_mat A, double *a);
void pl_hier_unflatten2(const double *a, pl_mat A);

/* Head coefficients b_i = xi_i i^-gamma scale, xi_i Rademacher signs from rng. */
void pl_hier_coeffs(size_t p, double gamma, double beta, pl_rng *rng, double *b);

typedef struct {
    size_t d, q, p, D;
    double gamma, beta;
    pl_hier_link link;
    double *b;    /* p head coefficients b_i = xi_i i^-gamma scale */
    pl_mat A;     /* p x D, orthonormal rows a_i */
} pl_hier_teacher;
/* Random teacher: a_i from a Gaussian p x D matrix orthonormalised (QR), Rademacher signs. */
pl_status pl_hier_teacher_init(pl_hier_teacher *t, size_t d, size_t q, size_t p, double gamma,
                               double beta, pl_hier_link link, pl_rng *rng);
void pl_hier_teacher_free(pl_hier_teacher *t);
/* Unstandardised label g*(s) from latent features h (p). */
double pl_hier_label(const pl_hier_teacher *t, const double *h);

typedef struct {
    size_t n;
    pl_hier_input input;
    pl_mat X;        /* n x d inputs (true model), data NULL for the Gaussian-equivalent one */
    pl_mat Z;        /* n x D features (Gaussian-equivalent model), data NULL otherwise */
    pl_mat H;        /* n x p latent features h_i */
    double *y;       /* n standardised labels */
    double ymean, ystd; /* the standardisation (apply to test labels with the training values) */
} pl_hier_data;
/* Sample n points; ymean/ystd: NULL to standardise with this sample's own mean and std, else
 * use the given pair (test data standardised like the training data). */
pl_status pl_hier_data_sample(const pl_hier_teacher *t, size_t n, pl_hier_input input,
                              const double *ymean_std, pl_rng *rng, pl_hier_data *dat);
void pl_hier_data_free(pl_hier_data *dat);
/* Rows of the features Z(x) times V^T: P = Z V^T (n x k) for V k x D, through X in chunks
 * (true model) or the stored Z (Gaussian-equivalent). */
pl_status pl_hier_project(const pl_hier_teacher *t, const pl_hier_data *dat, pl_mat V, pl_mat P);

/* Overlap metrics of an estimate Ahat (k x D, orthonormal rows) against the teacher's A:
 * ovH = ||Ahat A^T||_F^2 / p, cos2[i] = ||Ahat a_i||^2 per teacher direction (may be NULL),
 * principal cosines (squared singular values of Ahat A^T, descending, min(k, p) of them, may
 * be NULL) and rank = #{principal cos^2 > 0.5}. */
pl_status pl_hier_overlaps(const pl_hier_teacher *t, pl_mat Ahat, double *ovH, double *cos2,
                           double *pcos2, size_t *rank);

/* Population layer-1 operator E[M1] (D x D, q = 2, D <= 5000) and the standard deviation of s.
 * Gaussian-equivalent input: P = sum_i bt_i a_i a_i^T with bt_i = b_i / std(s), Var s = 2 sum b^2.
 * True input (fourth cumulants of Hermite-2 features, docs/hierarchical.md):
 *     P = sum_i bt_i (a_i a_i^T + K_i),  K_i[W] = 2 (A_i^2 W + W A_i^2 + A_i W A_i),
 *     Var s = sum_ij b_i b_j (2 delta_ij + 8 Tr(A_i^2 A_j^2) + 4 Tr(A_i A_j A_i A_j)),
 * acting on symmetric W (flattened coordinates); K_i is O(1/d) in operator norm (about 24/d for
 * a random A_i). Identity link only (PL_EUNSUPPORTED otherwise). */
pl_status pl_hier_population(const pl_hier_teacher *t, pl_hier_input input, pl_mat P,
                             double *std_s);

/* ---------------------------------------------------------------- layer-wise spectral */
/* Matvec of M1 = (1/2n) sum_mu y_mu (z_mu z_mu^T - I_D) on flattened vectors, through the data:
 * the true q = 2 model in matrix form (X V, then X^T diag(w) X, gemm in row chunks), q = 3 by
 * chunks of features, the Gaussian-equivalent one on the stored Z. ctx: pl_hier_m1_ctx. */
typedef struct {
    const pl_hier_teacher *t;
    const pl_hier_data *dat;
    size_t chunk;         /* rows per chunk (0: automatic) */
    int generic;          /* 1: always the feature-chunk path (used to test the matrix form) */
    double *work;         /* internal; NULL before the first call, freed by pl_hier_m1_free */
    size_t work_len;
} pl_hier_m1_ctx;
pl_status pl_hier_m1_matvec(const double *v, double *out, size_t D, void *ctx);
void pl_hier_m1_free(pl_hier_m1_ctx *c);
/* The dense D x D matrix M1 (small D only). */
pl_status pl_hier_m1_dense(const pl_hier_teacher *t, const pl_hier_data *dat, pl_mat M);

typedef struct {
    size_t k;           /* eigenpairs of layer 1 (0: p) */
    size_t dense_max;   /* dense eigen-reduction when D <= dense_max (default 1500) */
    int poly_degree;    /* degree of the polynomial calibration of the predictor (1: affine) */
    double ridge;       /* ridge of the polynomial calibration (relative to the diagonal) */
    double tol;         /* Lanczos tolerance (default 1e-8) */
    uint64_t seed;
} pl_hier_opts;
pl_hier_opts pl_hier_default_opts(const pl_hier_teacher *t);

typedef struct {
    size_t k;
    double *eig;        /* k layer-1 eigenvalues by descending |lambda| */
    pl_mat Ahat;        /* k x D eigenvectors as rows */
    pl_mat Bhat;        /* p x p layer-2 matrix (k x k) */
    double pred_mean, pred_std; /* standardisation of the raw prediction h^T Bhat h - Tr Bhat */
    double calib[8];    /* polynomial calibration coefficients c_0..c_deg */
    int degree;
    size_t nmatvec;
    pl_status status;   /* of the eigen-reduction (PL_ENOCONV: best estimates kept) */
} pl_hier_fit;
/* Layer 1 (top-k by |lambda| of M1; dense or matrix-free), layer 2 (Bhat on the same
 * samples), predictor rescaled to unit variance and calibrated on the training samples. */
pl_status pl_hier_spectral_fit(const pl_hier_teacher *t, const pl_hier_data *train,
                               const pl_hier_opts *o, pl_hier_fit *fit);
/* Layer 1 only: top-k eigenpairs (w, rows of V k x D) of M1 (dense when D <= dense_max). */
pl_status pl_hier_layer1(const pl_hier_teacher *t, const pl_hier_data *train, size_t k,
                         size_t dense_max, double tol, uint64_t seed, double *w, pl_mat V,
                         size_t *nmatvec);
/* Bhat = (1/2n) sum_mu y_mu (hh_mu hh_mu^T - I) from latent estimates Hh (n x k). */
pl_status pl_hier_bhat(pl_mat Hh, const double *y, pl_mat Bhat);
/* Predictions (standardised-label units) for data dat; out (dat->n). */
pl_status pl_hier_spectral_predict(const pl_hier_teacher *t, const pl_hier_fit *fit,
                                   const pl_hier_data *dat, double *out);
void pl_hier_fit_free(pl_hier_fit *fit);
/* Mean squared error of predictions against dat->y. */
double pl_hier_mse(const double *pred, const double *y, size_t n);

/* ---------------------------------------------------------------- baselines */
/* RBF kernel ridge: K = exp(-|u - v|^2 / (2 h^2)), h the median pairwise distance of the
 * training inputs, (K + lambda n I) c = y solved by Cholesky. Inputs are the rows of U (n x m):
 * x for input_rbf, latent estimates for latent_rbf. Predicts the rows of Ut into out. */
pl_status pl_hier_krr_rbf(pl_mat U, const double *y, double lambda, pl_mat Ut, double *out);
/* Degree-4 polynomial random features phi_k(x) = ((1 + <w_k, x>/sqrt d)^4 - m4) / s4 with
 * w_k ~ N(0, I), nf features, ridge readout (normal equations, Cholesky). */
pl_status pl_hier_poly4_rf(pl_mat X, const double *y, size_t nf, double lambda, pl_rng *rng,
                           pl_mat Xt, double *out);

/* ---------------------------------------------------------------- theory */
/* alpha_th(i) = log_d n_i: q + eps (gamma = 0); q + (1 - 2 gamma) eps + 2 gamma log_d i
 * (0 < gamma < 1/2); q + 2 gamma log_d i (gamma >= 1/2). */
double pl_hier_alpha_th(double i, double d, double gamma, double eps, double q);
/* m_th(alpha) = clip(floor(d^((alpha - alpha_first)/(2 gamma)) + 1e-9), 0, p); gamma = 0: p
 * when alpha >= alpha_first, else 0. */
double pl_hier_m_th(double alpha, double d, size_t p, double gamma, double eps, double q);
/* R_th(m) = sum_{j > m} j^-2gamma / sum_{j <= p} j^-2gamma. */
double pl_hier_r_th(double m, size_t p, double gamma);
/* MSE power-law exponent in n: (2 gamma - 1)/(2 gamma) for gamma > 1/2, NaN otherwise. */
double pl_hier_exponent(double gamma);

/* Population spikes btilde_i of M1 = E[y (h_i^2 - 1)]/2 for the standardised label: closed
 * form b_i / sqrt(2 sum b^2) for the identity link, Monte Carlo (nmc samples of h, rng) for the
 * others. se (may be NULL): Monte Carlo standard errors (0 for the identity). */
pl_status pl_hier_btilde(const double *b, size_t p, pl_hier_link link, size_t nmc,
                         pl_rng *rng, double *bt, double *se);

/* Deformed-Wigner (D/n -> 0) prediction for one spike of strength bt with sigma^2 = D/(4n):
 * outlier at bt + sigma^2/bt and cos^2 = 1 - sigma^2/bt^2 when |bt| > sigma, else the edge
 * sign(bt) 2 sigma and 0. */
typedef struct {
    double eig, cos2;
    int outlier;
} pl_hier_spike;
pl_hier_spike pl_hier_dw_spike(double bt, double sigma2);

/* Finite-ratio prediction (D/n = c fixed, D -> infinity) for the Gaussian-equivalent model:
 * M1 = (1/n) sum t_mu z z^T with t = y/2 is a label-weighted Wishart matrix whose spikes are
 * the a_i; conditionally on y the a_i-coordinates of z are uncorrelated, so each direction
 * obeys the single-spike Lu-Li equations (pl_mim_luli_solve) with label weight t and spike
 * function lambda_i(y) = E[h_i^2 | y] - 1, on the positive side for bt_i > 0 and on the spectrum
 * of -M1 for bt_i < 0. Expectations over (h, y) by Monte Carlo with nmc samples.
 * Outputs per direction (arrays of p): eig, cos2, outlier flags; and both bulk edges. */
typedef struct {
    size_t p;
    double *eig, *cos2;
    int *outlier;
    double edge_lo, edge_hi;
} pl_hier_fr;
pl_status pl_hier_finite_ratio(const double *b, size_t p, pl_hier_link link, double c,
                               size_t nmc, pl_rng *rng, pl_hier_fr *out);
void pl_hier_fr_free(pl_hier_fr *fr);
/* The same at finite n: the label law is the empirical law of nlab = n labels (the tails that
 * set the finite-n bulk edge and decide whether an outlier clears it are those of n samples,
 * not of the population: for unbounded labels the population law has no finite edge), over
 * ndraws independent label samples: mean cos2, median eig and edges, outlier[i] = 1 when most
 * draws have an outlier. */
pl_status pl_hier_finite_ratio_avg(const double *b, size_t p, pl_hier_link link, double c,
                                   size_t nlab, size_t ndraws, pl_rng *rng, pl_hier_fr *out);

PL_END_DECLS

#endif
