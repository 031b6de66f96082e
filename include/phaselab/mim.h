/* Family 1 — multi-index models: links, Bayes-optimal GAMP and its state evolution, the optimal
 * spectral methods (asymmetric L, symmetric T) and their asymptotic theory.
 *
 * Model: x_i ~ N(0, I_d/d) (rows of X, n x d), W* (d x p) with N(0,1) entries, z_i = W*^T x_i,
 * y_i ~ P(.|z_i), n = alpha d. Overlaps M = What^T W* / d, Q = What^T What/d, and the reported
 * scalar m2 = ||M||_F^2 / Tr Q. See docs/multi-index.md.
 *
 * A link is a type table (pl_mim_link_type) plus an instance (pl_mim_link: dimension p, label
 * noise variance, user context). The scalar contract: sampling of y given z, the output
 * function g_out(w, y, V) = V^{-1}(E[z|w,V,y] - w) with its w-derivative and log Z_out, the
 * matrix G(y) = E[z z^T | y] - I, and the label marginal Z(y). Every optional entry is computed
 * numerically when absent: g_out by Gauss-Hermite quadrature of the likelihood, G(y) = dg_out at
 * (w = 0, V = I), Z(y) = Z_out(y, 0, I), expectations over y by Monte Carlo.
 */
#ifndef PHASELAB_MIM_H
#define PHASELAB_MIM_H

#include <stddef.h>
#include "phaselab/mat.h"
#include "phaselab/rng.h"
#include "phaselab/status.h"
#include "phaselab/api.h"

PL_BEGIN_DECLS

#define PL_MIM_PMAX 8 /* largest p */

typedef struct pl_mim_link pl_mim_link;

typedef enum { PL_MIM_CONTINUOUS = 0, PL_MIM_DISCRETE = 1 } pl_mim_label_kind;
/* behaviour of the (noise-free) label density at the point `edge_at` */
typedef enum { PL_MIM_EDGE_NONE = 0, PL_MIM_EDGE_SQRT = 1, PL_MIM_EDGE_LOG = 2 } pl_mim_edge;

typedef struct {
    const char *name;
    pl_mim_label_kind kind;
    size_t p_fixed;       /* the link's dimension, or 0 if any p >= 1 is allowed */
    /* y ~ P(.|z) without the label noise of the instance (required). */
    double (*sample)(const pl_mim_link *l, const double *z, pl_rng *rng);
    /* P(y|z): density in y (continuous) or probability (discrete). Needed only when gout is
     * NULL (numeric Gauss-Hermite g_out, p <= 4). */
    double (*likelihood)(const pl_mim_link *l, double y, const double *z);
    /* Output function for the density prop. to P(y|z) N(z; w, V) (V p x p SPD, row-major):
     * logZ = log int P(y|z) N(z; w, V) dz, g = V^{-1}(E z - w) (p), dg = dg/dw =
     * V^{-1}(Cov z - V) V^{-1} (p x p). Any of logZ, g, dg may be NULL. NULL entry: numeric. */
    pl_status (*gout)(const pl_mim_link *l, double y, const double *w, const double *V,
                      double *logZ, double *g, double *dg);
    /* G(y) = E[z z^T | y] - I (p x p), closed form; NULL: dg at (w = 0, V = I). */
    pl_status (*G)(const pl_mim_link *l, double y, double *G);
    /* log of the label density Z(y) (continuous) or probability (discrete); NULL: numeric. */
    double (*log_marginal)(const pl_mim_link *l, double y);
    /* discrete labels: the values */
    size_t nvalues;
    const double *values;
    /* continuous labels: support [support_lo, inf) (-INFINITY: R); behaviour of the density at
     * edge_at (singular point, split there by the integrators); symmetric: Z(y) = Z(-y). */
    double support_lo;
    double edge_at;
    pl_mim_edge edge;
    int symmetric;
    /* label quadrature y = +-exp(s), s in [s_lo, s_hi] (used with log_marginal) */
    double s_lo, s_hi;
    /* optional: validation of the instance (p, context); NULL or a message in buf */
    const char *(*check)(const pl_mim_link *l, char *buf, size_t len);
} pl_mim_link_type;

struct pl_mim_link {
    const pl_mim_link_type *type;
    size_t p;
    double noise;      /* variance of additive Gaussian label noise (0: none) */
    const void *ctx;   /* user data of a user-defined link */
};

/* Built-in links: "z1z2", "sign-z1z2", "norm2", "ratio", "pr", "abs", "null" (labels
 * independent of z: no informative direction). */
extern const pl_mim_link_type pl_mim_link_z1z2, pl_mim_link_sign_z1z2, pl_mim_link_norm2,
    pl_mim_link_ratio, pl_mim_link_pr, pl_mim_link_abs, pl_mim_link_null;
/* The built-in links in that order, NULL-terminated (the type table of the experiments' `link`
 * parameter). */
#define PL_MIM_NLINKS 7
extern const pl_mim_link_type *const pl_mim_link_types[PL_MIM_NLINKS + 1];
const pl_mim_link_type *pl_mim_link_find(const char *name);
/* Fill an instance (p = 0: the link's own dimension; norm2 defaults to p = 2). NULL on success,
 * else a message (unknown link, p mismatch, negative noise, link's own check). */
const char *pl_mim_link_init(pl_mim_link *l, const pl_mim_link_type *t, size_t p, double noise,
                             const void *ctx, char *buf, size_t len);

/* Scalar contract with the instance's label noise applied (noise > 0: Gaussian convolution of
 * the noise-free channel, a sum over values for discrete labels and an adaptive integral
 * otherwise). */
double pl_mim_sample(const pl_mim_link *l, const double *z, pl_rng *rng);
pl_status pl_mim_gout(const pl_mim_link *l, double y, const double *w, const double *V,
                      double *logZ, double *g, double *dg);
pl_status pl_mim_G(const pl_mim_link *l, double y, double *G);
double pl_mim_log_marginal(const pl_mim_link *l, double y);
/* Posterior mean and covariance from g_out: mean = w + V g, cov = V + V dg V. */
void pl_mim_moments_from_gout(size_t p, const double *w, const double *V, const double *g,
                              const double *dg, double *mean, double *cov);

/* a(u) = u K_1(u)/K_0(u), a(0) = 0 (the z1 z2 channel; exposed for tests). Bessel functions
 * and the bivariate normal orthant: phaselab/special.h. */
double pl_mim_a(double u);

/* A quadrature rule over the label marginal: E_y f(y) ~ sum_k w[k] f(y[k]). */
typedef struct {
    size_t n;
    double *y, *w;
    double *G;    /* n x p x p: G(y_k) */
    int mc;       /* 1 if Monte Carlo (then w = 1/n) */
} pl_mim_rule;
/* Build the rule with G at every node. Continuous noise-free links with log_marginal: trapezoid
 * in s = log|y|; discrete: the values; noisy built-ins: trapezoid in y = c sinh(s) over the
 * smooth noisy density; otherwise Monte Carlo with nmc samples from rng (nmc = 0: 20000). */
pl_status pl_mim_rule_build(const pl_mim_link *l, size_t nmc, pl_rng *rng, pl_mim_rule *r);
void pl_mim_rule_free(pl_mim_rule *r);

/* ---------------------------------------------------------------- data and overlaps */
typedef struct {
    size_t n, d, p;
    pl_mat X;       /* n x d, entries N(0, 1/d) */
    pl_mat W;       /* d x p teacher, entries N(0, 1) */
    double *y;      /* n labels */
} pl_mim_data;
/* Allocate and sample (substreams of rng for teacher, covariates, labels). */
pl_status pl_mim_data_sample(const pl_mim_link *l, size_t n, size_t d, pl_rng *rng,
                             pl_mim_data *D);
void pl_mim_data_free(pl_mim_data *D);
/* m2 = sum_k ||M_k||_F^2 / sum_k Tr Q_k over K estimators What_k (each d x p, stacked as the
 * columns of E, d x (K p)), each first normalised to ||What_k||_F^2 = d: the average of their
 * individual m2 values, invariant to rotations inside the estimated span. */
double pl_mim_overlap(pl_mat E, size_t K, pl_mat W);

/* ---------------------------------------------------------------- theory */
typedef struct {
    size_t p;
    double nu[PL_MIM_PMAX * PL_MIM_PMAX];     /* eigenvalues of F, descending (p^2) */
    double M[PL_MIM_PMAX * PL_MIM_PMAX * PL_MIM_PMAX * PL_MIM_PMAX]; /* eigenvectors, row k = vec M_k */
    double alpha_c;            /* 1/nu_1 (INFINITY when F = 0) */
    size_t n_outliers;         /* multiplicity of nu_1 (relative tolerance 1e-6, 1e-2 for MC) */
    int null;                  /* F = 0: no weak recovery at n = Theta(d) */
    double Ez2;                /* E_y ||E[z|y]||^2 (0 under the generative-exponent-2 assumption) */
    int joint_diag;            /* G(y) jointly diagonalisable */
    double U[PL_MIM_PMAX * PL_MIM_PMAX]; /* common eigenbasis (columns) when joint_diag */
} pl_mim_threshold;
pl_status pl_mim_threshold_compute(const pl_mim_link *l, const pl_mim_rule *r,
                                   pl_mim_threshold *t);
/* The rule (nmc = 0) on the fixed random stream (seed 20250202, stream 1) that the
 * experiments' theory uses, then the threshold analysis: the same numbers wherever a link's
 * alpha_c is needed. On success r holds the rule (free it); on failure nothing is held. */
pl_status pl_mim_link_threshold(const pl_mim_link *l, pl_mim_rule *r, pl_mim_threshold *t);

typedef struct {
    double top_eig;    /* asym: largest real eigenvalue; sym: top eigenvalue */
    double bulk_edge;  /* asym: bulk radius sqrt(alpha/alpha_c); sym: right edge lambda_b */
    double m2;         /* overlap (average over the outlier directions) */
    size_t n_outliers; /* predicted outliers */
    int above;         /* alpha above the method's threshold */
    pl_status status;  /* PL_EUNSUPPORTED: sym/pca predictions need jointly diagonal G */
} pl_mim_spectral_pred;
pl_status pl_mim_asym_predict(const pl_mim_rule *r, const pl_mim_threshold *t, double alpha,
                              pl_mim_spectral_pred *out);
pl_status pl_mim_sym_predict(const pl_mim_rule *r, const pl_mim_threshold *t, double alpha,
                             pl_mim_spectral_pred *out);
/* PCA of preprocessed labels D = sum_i T(y_i) x_i x_i^T (d x d): Lu-Li predictions per
 * direction of the common eigenbasis. pre(y, ctx) = T(y); NULL = identity. */
typedef double (*pl_mim_pre)(double y, const void *ctx);
pl_status pl_mim_pca_predict(const pl_mim_rule *r, const pl_mim_threshold *t, double alpha,
                             pl_mim_pre pre, const void *pre_ctx, pl_mim_spectral_pred *out);

/* Lu-Li single-direction formulas for D = sum_i t_i x_i x_i^T (n = alpha d) with spike
 * strength lam (E[z_k^2|y] = 1 + lam): edge = alpha min psi, outlier alpha psi(a*) if
 * psi'(a*) > 0, overlap psi'/(psi' - phi'). tw: nodes (t, lam, weight). */
typedef struct {
    double edge, eig, m2, astar;
    int outlier;
} pl_mim_luli;
pl_status pl_mim_luli_solve(size_t n, const double *t, const double *lam, const double *w,
                            double alpha, pl_mim_luli *out);

/* Bayes-optimal GAMP state evolution: Qhat = alpha E[g g^T], Q <- Qhat (I + Qhat)^{-1}. */
typedef struct {
    double damping;       /* on Q (1 = none) */
    double tol;           /* on max |Q_new - Q| */
    size_t maxit;
    double q0;            /* start Q0 = q0 I (uninformed: small, informed: 1 - small) */
    size_t nquad;         /* Gauss-Hermite points per dimension (0: automatic) */
    size_t nmc;           /* Monte Carlo samples when p > 3 or noisy p >= 2 (0: 20000) */
    uint64_t seed;        /* Monte Carlo stream */
} pl_mim_se_opts;
pl_mim_se_opts pl_mim_se_default_opts(int informed);
typedef struct {
    double Q[PL_MIM_PMAX * PL_MIM_PMAX];
    double m2, m2_se;     /* m2 = ||Q||_F^2 / Tr Q; standard error (Monte Carlo only) */
    size_t iterations;
    pl_status status;
} pl_mim_se_result;
pl_status pl_mim_se_run(const pl_mim_link *l, double alpha, const pl_mim_se_opts *o,
                        pl_mim_se_result *res);
/* One evaluation of Qhat/alpha = E[g g^T] at Q (exposed for tests). */
pl_status pl_mim_se_qhat(const pl_mim_link *l, const double *Q, const pl_mim_se_opts *o,
                         double *Qhat_over_alpha, double *se);

/* ---------------------------------------------------------------- algorithms */
typedef struct {
    double damping;     /* weight of the new g_out and dg_out (1 = none; default 0.65 keeps
                           35% of the old, as [TDD+] do for What) */
    int uniform;        /* 1: V_i = mean_j Chat_j, A_j = -(1/d) sum_i dg_i (asymptotically
                           equivalent, more stable at finite size); 0: the X_ij^2 weights */
    double tol;         /* stop when ||What_new - What||_F / sqrt(d) < tol */
    size_t maxit;
    double plant;       /* init What = sqrt(plant) W* + sqrt(1-plant) noise */
    double blowup;      /* divergence when ||What||_F^2/d exceeds blowup * p */
    int adaptive;       /* adaptive damping of the generic GAMP (phaselab/gamp.h); off by
                           default: it slows the escape from the uninformed start */
    int var_adaptive;   /* damping adapted to the variances (phaselab/gamp.h; default 1): starts
                           at min(damping, 1 / (1 + alpha / alpha_c)) and cancels the
                           period-2 variance mode of the uninformed start */
    double var_floor;   /* eigenvalue floor of the variances V_i, C_j (default 1e-12: stops
                           their geometric collapse in perfect recovery; 0: none) */
} pl_mim_gamp_opts;
pl_mim_gamp_opts pl_mim_gamp_default_opts(void);
typedef struct {
    pl_status status;     /* PL_OK, PL_ENOCONV, PL_EDIVERGED, PL_ENAN */
    size_t iterations;
    double m2;            /* final overlap */
    double diff;          /* last step */
    double damping;       /* final damping weight */
    char message[160];
} pl_mim_gamp_result;
/* Runs on D (X, y; W is used only for the overlap and the planted init). What (d x p) receives
 * the estimate; m2_hist (maxit + 1 entries, may be NULL) the overlap per iteration. */
pl_status pl_mim_gamp(const pl_mim_link *l, const pl_mim_data *D, const pl_mim_gamp_opts *o,
                      pl_rng *rng, pl_mat What, double *m2_hist, pl_mim_gamp_result *res);

/* Spectral operators. Gy holds G(y_i) for every sample (n x p x p), Ty holds T(y_i). */
typedef struct {
    const pl_mat *X;
    size_t p;
    const double *Gy;     /* n p^2 */
    double *buf_np, *buf_dp; /* workspaces n p and d p */
} pl_mim_op;
/* L v = vec(X (X^T U) - U), U_i = G(y_i) v_i, v in R^{np} laid out row-major (i, mu). */
pl_status pl_mim_L_matvec(const double *v, double *out, size_t np, void *ctx);
/* T w = vec(X^T U), U_i = T(y_i) (X W)_i, w in R^{dp} laid out row-major (j, mu). */
pl_status pl_mim_T_matvec(const double *w, double *out, size_t dp, void *ctx);
/* G(y_i) and T(y_i) = G (I + G)^{-1} for every label. */
pl_status pl_mim_label_mats(const pl_mim_link *l, const double *y, size_t n, double *Gy,
                            double *Ty);

typedef struct {
    size_t k;              /* eigenvalues to compute (outliers + bulk) */
    size_t n_use;          /* eigenvectors used for the estimate (outlier count) */
    size_t dense_max;      /* sym: dense eigh when d p <= dense_max */
    double cut;            /* sym matrix-free: samples with min eig T(y_i) < -cut are
                              deflated (projected out), see docs */
    uint64_t seed;
} pl_mim_spec_opts;
typedef struct {
    pl_status status;
    double eig_re[64], eig_im[64]; /* top k by real part (sym: im = 0) */
    size_t k;
    double m2, m2_top;     /* stacked over n_use vectors; top vector alone */
    size_t nmatvec;
} pl_mim_spec_result;
pl_status pl_mim_asym_spectral(const pl_mim_link *l, const pl_mim_data *D,
                               const pl_mim_spec_opts *o, pl_mim_spec_result *res);
pl_status pl_mim_sym_spectral(const pl_mim_link *l, const pl_mim_data *D,
                              const pl_mim_spec_opts *o, pl_mim_spec_result *res);
/* PCA of labels: top eigenvectors of sum_i pre(y_i) x_i x_i^T (d x d, dense for d <= 4000). */
pl_status pl_mim_pca_spectral(const pl_mim_data *D, pl_mim_pre pre, const void *pre_ctx,
                              const pl_mim_spec_opts *o, pl_mim_spec_result *res);

PL_END_DECLS

#endif
