/* Family 6: two gradient steps on the first layer of a linear-width two-layer network.
 *
 * Data x ~ N(0, I_d); target y = f*(x) + tau eps with f*(x) = (1/sqrt T) sum_t phi_t(<beta_{j(t)},
 * x>) (T terms, orthonormal directions beta_j; single-index: every term on beta_1). Student
 * f(x) = (1/sqrt N) sum_i a_i sigma(<w_i, x>) with W in R^{N x d} (one row per neuron), rows of
 * W_0 with entries N(0, 1/d), a_i ~ N(0, 1/N) (or +-1/sqrt N), a fixed.
 *
 * Loss L(W) = (1/2n) sum_mu (y_mu - f(x_mu))^2 on a batch of n samples. Step t:
 *     W_t = W_{t-1} + eta_t sqrt(N) G_t,   G_t = -grad_W L(W_{t-1}; batch t),
 *     eta_t = eta0 N^{alpha_t},  alpha_t in [0, 1/2).
 * Row i of sqrt(N) G is (a_i/n) sum_mu r_mu sigma'(<w_i, x_mu>) x_mu, r = y - f(x): computed
 * with two gemms (Z = X W^T, then (sigma'(Z) .* r)^T X). Batch 2 is fresh (independent) or the
 * reused batch 1.
 *
 * Theory (see docs/two-step-gd.md for what is derived here and what the paper states): after
 * the second step W_2 = W_0 + (spike along a) + sum_{k>=1} (rank-one terms with left vectors
 * a^{o(k+1)}) + small, the k-th term of size N^{alpha2 - k(1/2 - alpha1)} times
 * E[sigma^{(k+1)}(z)] = mu_{k+1} (Hermite coefficient). New outliers: the k in
 * 1..floor(alpha2/(1/2 - alpha1)) whose term does not vanish.
 */
#ifndef PHASELAB_TWOSTEP_H
#define PHASELAB_TWOSTEP_H

#include <stddef.h>

#include "phaselab/mat.h"
#include "phaselab/rng.h"
#include "phaselab/status.h"
#include "phaselab/api.h"

PL_BEGIN_DECLS

/* ---- activations (type table) ------------------------------------------------------- */

#define PL_TS_DMAX 24 /* highest derivative order of the derivative tables */

typedef struct {
    const char *name;
    double (*f)(double z);
    double (*df)(double z);
    void (*fdf)(double z, double *f, double *df); /* both at once (the hot loop) */
    /* m-th derivative, 0 <= m <= PL_TS_DMAX; NAN where it is not a function (ReLU, m >= 2) */
    double (*deriv)(unsigned m, double z);
    /* Hermite coefficients mu[0..L] = E[sigma(z) He_k(z)] */
    pl_status (*hermite)(size_t L, double *mu);
    /* 1 if mu_k vanishes by symmetry (parity), exactly; 0 otherwise (nonzero: checked
     * numerically for k <= 20 in the tests, assumed beyond) */
    int (*hermite_zero)(size_t k);
    int smooth; /* 1 if every derivative is a function */
} pl_ts_act;

extern const pl_ts_act pl_ts_act_exp;           /* exp(z/2): every mu_k = e^{1/8} 2^{-k} */
extern const pl_ts_act pl_ts_act_tanh_softplus; /* tanh(z) + log(1 + e^z) */
extern const pl_ts_act pl_ts_act_relu;          /* max(z, 0) */
extern const pl_ts_act pl_ts_act_tanh;          /* tanh(z): odd, mu_{2m} = 0 */
/* "exp", "tanh+softplus", "relu", "tanh"; NULL if unknown */
const pl_ts_act *pl_ts_act_find(const char *name);
/* Numerical check: mu_k is zero up to round-off, |mu_k| < PL_TS_ZERO sqrt(k! E[sigma^2])
 * (meaningful for small k only: the true coefficients of smooth activations decay fast). */
#define PL_TS_ZERO 1e-10
int pl_ts_hermite_numzero(const double *mu, size_t k, double esig2);

/* ---- targets ------------------------------------------------------------------------ */

typedef enum {
    PL_TS_LINK_HE1 = 1, /* He_k / sqrt(k!) (unit variance) */
    PL_TS_LINK_HE2,
    PL_TS_LINK_HE3,
    PL_TS_LINK_HE4,
    PL_TS_LINK_TANH,
    PL_TS_LINK_RELU
} pl_ts_link;

#define PL_TS_MAXTERMS 4
typedef struct {
    size_t nterms;
    pl_ts_link link[PL_TS_MAXTERMS];
    size_t dir[PL_TS_MAXTERMS]; /* index of the direction beta_j of each term */
    size_t r;                   /* number of directions (1: single-index) */
    double scale;               /* 1/sqrt(nterms) */
} pl_ts_target;

/* Parse "he3", "he1+he3", "tanh", "relu+he2", ... ; multi = 1 puts term t on direction t. */
pl_status pl_ts_target_parse(const char *name, int multi, pl_ts_target *t);
double pl_ts_link_eval(pl_ts_link l, double z);
/* f*(z) for the projections z[0..r-1] */
double pl_ts_target_eval(const pl_ts_target *t, const double *z);

/* ---- simulation --------------------------------------------------------------------- */

typedef enum { PL_TS_A_GAUSS = 0, PL_TS_A_RADEMACHER = 1 } pl_ts_ainit;

typedef struct {
    size_t N, d, n;
    double alpha1, alpha2;
    double eta0;      /* eta_t = eta0 N^{alpha_t} */
    int reuse;        /* 1: batch 2 = batch 1 */
    const pl_ts_act *act;
    pl_ts_target target;
    double noise;     /* label noise standard deviation tau */
    pl_ts_ainit ainit;
} pl_ts_config;

/* NULL or a readable message: alpha outside [0, 1/2), N, d, n not positive, ... */
const char *pl_ts_config_check(const pl_ts_config *c, char *buf, size_t len);
double pl_ts_eta(const pl_ts_config *c, int step); /* step 1 or 2 */

/* One run: owns its matrices (about 3 N d + n d + n N doubles). */
typedef struct {
    pl_ts_config cfg;
    pl_mat W0, W1, W2; /* N x d */
    double *a;         /* N */
    pl_mat B;          /* r x d, orthonormal teacher directions */
    pl_mat X;          /* n x d, the current batch */
    double *y;         /* n */
    pl_mat Z;          /* n x N work */
    double *f, *res;   /* n work */
    double loss[2];    /* loss of step t before the update, on its batch */
    int failed_step;   /* 1 or 2 when a step overflowed, else 0 */
    double u_norm;     /* ||X_1^T r_1 / n|| of step 1 */
} pl_ts_run;

pl_status pl_ts_run_alloc(pl_ts_run *s, const pl_ts_config *c);
void pl_ts_run_free(pl_ts_run *s);
/* Teacher, initialisation, batch 1, step 1, batch 2 (fresh or reused), step 2. Substreams of
 * rng: 1 teacher, 2 W_0, 3 a, 4 batch 1, 5 batch 2, so that fresh and reused runs with the
 * same rng share the teacher, the initialisation and batch 1. PL_ENAN with the weights or
 * the loss not finite (overflow). */
pl_status pl_ts_run_train(pl_ts_run *s, pl_rng *rng);

/* Draw a batch: X (n x d) standard Gaussian, y = f*(X B^T) + tau eps. */
void pl_ts_sample_batch(const pl_ts_config *c, pl_mat B, pl_rng *rng, pl_mat X, double *y);
/* Network outputs f = sigma(X W^T) a / sqrt(N); Z (n x N) is overwritten with X W^T. */
pl_status pl_ts_forward(const pl_ts_act *act, pl_mat W, const double *a, pl_mat X, pl_mat Z,
                        double *f);
/* Loss (1/2n) sum (y - f)^2 */
pl_status pl_ts_loss(const pl_ts_act *act, pl_mat W, const double *a, pl_mat X,
                     const double *y, pl_mat Z, double *f, double *loss);
/* G = -grad_W L (N x d). Z (n x N), f, r (n) are work. */
pl_status pl_ts_gradient(const pl_ts_act *act, pl_mat W, const double *a, pl_mat X,
                         const double *y, pl_mat G, pl_mat Z, double *f, double *r,
                         double *loss);
/* W <- W + eta sqrt(N) G in place (no N x d temporary); loss before the update. */
pl_status pl_ts_gd_step(const pl_ts_act *act, pl_mat W, const double *a, pl_mat X,
                        const double *y, double eta, pl_mat Z, double *f, double *r,
                        double *loss);

/* ---- spectra ------------------------------------------------------------------------ */

/* Top-k singular triplets of W (N x d) by thick-restart Lanczos on W^T W (or W W^T when
 * N < d): s[k] descending, U (N x k) and Vt (k x d) may have data == NULL. */
pl_status pl_ts_top_svd(pl_mat W, size_t k, double *s, pl_mat U, pl_mat Vt);
/* All min(N, d) singular values (LAPACK dgesdd on a copy). */
pl_status pl_ts_all_sv(pl_mat W, double *s);

/* Bulk edge of W_0 (entries N(0, 1/d)): 1 + sqrt(N/d). */
double pl_ts_mp_edge(size_t N, size_t d);
/* Rank-one spike theta l r^T (unit l, r independent of the noise) added to W_0: outlier
 * singular value sqrt((1+theta^2)(c+theta^2))/theta for theta > c^{1/4}, c = N/d, else the
 * edge; squared overlaps of the right / left singular vectors with r / l. */
double pl_ts_bbp_sv(double theta, double c);
double pl_ts_bbp_right2(double theta, double c);
double pl_ts_bbp_left2(double theta, double c);
/* Inverse of pl_ts_bbp_sv: theta from an outlier s (NAN if s <= edge). */
double pl_ts_bbp_theta(double s, double c);

#define PL_TS_MAXOUT 32 /* outliers analysed per run */
#define PL_TS_NID 4     /* Taylor terms k = 0..PL_TS_NID-1 identified in the left vectors */

typedef enum {
    PL_TS_EDGE_MP = 0, /* threshold (1 + margin) (1 + sqrt(N/d)): the MP edge of W_0 */
    PL_TS_EDGE_FIT = 1 /* (1 + margin) max(MP edge, edge of the bulk of W fitted from its
                        * singular values, see pl_ts_bulk_edge_fit) */
} pl_ts_edge_mode;

/* Edge of a bulk from its singular values s[0..m-1] (descending): least squares of
 * lambda_k = s_k^2 = lambda_+ - A (k/m)^{2/3} over 0.01 m <= k <= 0.05 m (the square-root
 * edge of MP-like laws), returns sqrt(lambda_+). Bias on a pure Gaussian matrix: below 0.3%
 * for m >= 1000, about 1.5% at m = 250 (measured). NAN if m < 20. */
double pl_ts_bulk_edge_fit(const double *s, size_t m);

typedef struct {
    double edge;                   /* the threshold used: (1 + margin) x bulk edge */
    double edge_mp;                /* 1 + sqrt(N/d) */
    double edge_fit;               /* fitted bulk edge (NAN in MP mode) */
    size_t nsv;                    /* top singular values computed with vectors */
    double s[PL_TS_MAXOUT];        /* top singular values, descending */
    int n_out;                     /* singular values above the threshold */
    int n_out_capped;              /* 1 if every computed value was above it (count >= n_out) */
    double beta_ov[PL_TS_MAXOUT];  /* |<v_j, beta_1>| of the j-th right singular vector */
    double sub_ov[PL_TS_MAXOUT];   /* ||P_B v_j||: overlap with the target subspace */
    /* identification of the Taylor terms: q_k = Gram-Schmidt of a^{o(k+1)} against lower
     * powers; id_idx[k] = the j maximising <u_j, q_k>^2, id_proj[k] that squared overlap */
    int id_idx[PL_TS_NID];
    double id_proj[PL_TS_NID];
} pl_ts_spectrum;

/* Analyse W (N x d): top singular values, outliers above the threshold (k grows until the
 * count is resolved or PL_TS_MAXOUT), right-vector overlaps with the teacher B (r x d),
 * left-vector identification with the powers of a (a may be NULL: skipped). */
pl_status pl_ts_analyse(pl_mat W, const double *a, pl_mat B, pl_ts_edge_mode mode,
                        double margin, size_t kmin, pl_ts_spectrum *out);

/* Ridge readout on the features sigma(X W^T) (no 1/sqrt N): train on n_train fresh samples,
 * lambda the ridge (scaled by n_train), test mean squared error on n_test fresh samples. */
pl_status pl_ts_ridge_readout(const pl_ts_config *c, pl_mat W, pl_mat B, double lambda,
                              size_t n_train, size_t n_test, pl_rng *rng, double *test_mse,
                              double *train_mse);

/* ---- theory ------------------------------------------------------------------------- */

/* alpha2 / (1/2 - alpha1) */
double pl_ts_ratio(double alpha1, double alpha2);
/* floor of the ratio, robust at integer ratios: floor(ratio + 1e-9 max(1, ratio)) */
int pl_ts_kmax(double alpha1, double alpha2);
/* Exponent of the k-th Taylor term: alpha2 - k (1/2 - alpha1) (k >= 1); k = 0: the main
 * spike, max(alpha1, alpha2) (the step-1 spike N^{alpha1} and the step-2 term N^{alpha2}
 * share the left vector a). */
double pl_ts_exponent(double alpha1, double alpha2, int k);
/* Predicted number of new outliers: #{1 <= k <= kmax : mu_{k+1} != 0}, 0 if mu_1 == 0 (no
 * step-1 spike, nothing to expand); -1 for alpha outside [0, 1/2). */
int pl_ts_count_new(double alpha1, double alpha2, const pl_ts_act *act);
/* The Taylor order k of the j-th new outlier (j >= 1) in order of size, 0 for j = 0, -1 if
 * there is none (fewer than j active terms up to kmax). */
int pl_ts_nth_term(double alpha1, double alpha2, const pl_ts_act *act, int j);

/* Finite-N spike theory (derived here, see the docs): the signal part of W_2 has rows
 *     a_i (eta1 mu1 u + eta2 v(a_i)),  v(a) = (1/n) sum_mu r_mu F(a, x_mu) x_mu,
 * where F(a, x) = E sigma'(pre-activation of a neuron with second-layer weight a at step 2)
 * averages over the neuron's own randomness (not Taylor-expanded), and r = y - f_1(x) with the
 * step-1 network output f_1. Its singular values are those of the integral operator with
 * kernel g g' <Phi(g), Phi(g')> over the law of g = sqrt(N) a (Gauss–Hermite in g, nodes
 * +-1 for a Rademacher a), with the population Gram matrix of the vectors by Gaussian
 * quadrature over the data; each singular value theta is mapped through the rank-one BBP
 * law. Its Taylor expansion in a gives the terms a^{o(k+1)} of the asymptotic theory. */
#define PL_TS_NSPIKE 12
typedef struct {
    size_t nspike;                     /* singular values reported */
    double theta[PL_TS_NSPIKE];        /* of the signal part, descending */
    double sv[PL_TS_NSPIKE];           /* predicted singular values of W_2 (edge if none) */
    double beta_ov[PL_TS_NSPIKE];      /* predicted |<v_j, beta_1>| (0 below the edge) */
    double sub_ov[PL_TS_NSPIKE];       /* predicted ||P_B v_j|| */
    double spike_beta[PL_TS_NSPIKE];   /* |<r_j, beta_1>| of the signal's own right vector */
    int n_out;                         /* thetas above the BBP threshold (N/d)^{1/4} */
    double kappa;                      /* eta1 mu1^2 / sqrt N: small-a slope of f_1 */
    double rho1;                       /* norm of one neuron's step-1 noise */
    double w1_sv;                      /* predicted top singular value of W_1 */
} pl_ts_spikes;

pl_status pl_ts_theory_spikes(const pl_ts_config *c, pl_ts_spikes *out);

#define PL_TS_KTH 10 /* Taylor terms examined by the alignment conditions */

/* Asymptotic alignment condition (N -> infinity, kappa -> 0): does the right vector of the
 * k-th Taylor term (k >= 0) have a non-vanishing component along beta_j (j = 0..r-1)? Set in
 * aligned[j] (0/1) for each direction; the magnitude (relative to the vector's norm) in
 * comp[j] if not NULL. With a fresh batch every term vanishes along a direction whose c*_1
 * is 0 (and some vanish by parity otherwise: He_1 aligns at k = 0, 2, 4, not 1, 3). Needs a
 * smooth activation for a reused batch (PL_EUNSUPPORTED for ReLU). */
pl_status pl_ts_term_aligns(const pl_ts_config *c, int k, int *aligned, double *comp);
/* Smallest k >= 1 whose term is active (mu_{k+1} not a structural zero) and aligned with
 * beta_1; -1 if none up to PL_TS_KTH. The paper-level condition for that alignment to
 * be an outlier is k <= kmax, i.e. alpha2 >= k (1/2 - alpha1). */
int pl_ts_first_aligned_term(const pl_ts_config *c);

PL_END_DECLS

#endif
