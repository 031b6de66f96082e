/* Neural LoFi (low-degree filtering): layer-wise signed-covariance spectral filtering of random
 * features, its kernel (P -> infinity) form, a convolutional variant, and the binary tasks
 * (Fashion-MNIST splits, a synthetic hierarchical task) it is run on. See docs/neural-lofi.md.
 *
 * Finite width, layer l = 1..L on the representation h (n x m; h_0 = x):
 *   c^2 = (1/n) sum_mu ||h_mu||^2 (training set, reused at test time)
 *   Z   = sigma(h W / c) / sqrt(P),       W (m x P) i.i.d. N(0, 1), frozen
 *   C   = (1/n) Z^T diag(y) Z             (P x P, uncentred, indefinite)
 *   V   = top-K eigenvectors of C by |lambda|;   next h = Z V  (n x K)
 * A lazy layer (K = 0) keeps h = Z. Readout: ridge with intercept, penalty by leave-one-out.
 * When P > n the reduction runs on the n x n Gram G = Z Z^T (kernel form below with that G):
 * the features G^{1/2} B equal Z V exactly (Z = U S R^T gives V = R Q, B = U Q, Z V = U S Q).
 *
 * Kernel form (P -> infinity): G = NNGP Gram of the layer, G_ij = E[sigma(a_i) sigma(a_j)] with
 * (a_i, a_j) centred Gaussian of covariance q_ij = h_i . h_j / c^2; eigenvalues of G clipped
 * at eps; M = G^{1/2} diag(y) G^{1/2}; B = top-K eigenvectors of M by |lambda|;
 * train features F = G^{1/2} B, coefficients A = G^{-1/2} B (A^T G A = I_K), test features
 * G_cross^T A with G_cross = k(X_train, X_test). A lazy layer propagates the kernel itself
 * (deep NNGP recursion).
 */
#ifndef PHASELAB_LOFI_H
#define PHASELAB_LOFI_H

#include <stddef.h>
#include <stdint.h>
#include "phaselab/mat.h"
#include "phaselab/ridge.h"
#include "phaselab/rng.h"
#include "phaselab/status.h"
#include "phaselab/api.h"

PL_BEGIN_DECLS

/* ---- activations and data ------------------------------------------------------------- */

typedef enum { PL_LOFI_RELU = 0, PL_LOFI_SIGMOID = 1 } pl_lofi_act;
double pl_lofi_act_apply(pl_lofi_act a, double x);

/* A labelled set: X (n x d) owned, y (n) in {-1, +1}. */
typedef struct {
    pl_mat X;
    double *y;
} pl_lofi_set;

typedef struct {
    pl_lofi_set train, test;
    size_t side; /* images: side x side pixels (d = side^2); 0 for non-image data */
} pl_lofi_data;

void pl_lofi_data_free(pl_lofi_data *d);

/* IDX files (optionally gzip-compressed; read through zlib): the header's item count and
 * item dimensions, then at most max_items items of unsigned bytes (type 0x08) into *data
 * (malloc'd, count x item_size). err receives a message naming the file on failure. */
pl_status pl_idx_read(const char *path, size_t max_items, uint8_t **data, size_t *count,
                      size_t *item_size, char *err, size_t errlen);

/* Where Debian's dataset-fashion-mnist package puts the files. */
#define PL_FMNIST_DIR "/usr/share/datasets/fashion-mnist"
#define PL_FMNIST_PACKAGE "dataset-fashion-mnist"

/* Fashion-MNIST split (test = 0: the 60 000 training images, 1: the 10 000 test images), the
 * first max_items (0: all) images as rows of X (n x 784, pixel/255) and their class labels
 * 0..9. dir NULL: $PHASELAB_FMNIST_DIR, else PL_FMNIST_DIR. A missing file gives PL_EIO and a
 * message naming the package to install. */
pl_status pl_fmnist_load(const char *dir, int test, size_t max_items, pl_mat *X, int **labels,
                         size_t *n, char *err, size_t errlen);

typedef enum {
    PL_LOFI_TASK_FM04 = 0, /* Fashion-MNIST classes 0-4 (-1) against 5-9 (+1) */
    PL_LOFI_TASK_FMTOPS,   /* Fashion-MNIST upper-body garments {T-shirt, pullover, coat,
                              shirt} (+1) against the rest (-1) */
    PL_LOFI_TASK_HIER,     /* synthetic hierarchical task (pl_lofi_hier_sample) */
    PL_LOFI_TASK_COUNT
} pl_lofi_task;

/* Binary label of a Fashion-MNIST class under task t (a Fashion-MNIST task). */
double pl_lofi_fmnist_label(pl_lofi_task t, int cls);

/* Synthetic hierarchical task in dimension d >= 4: x ~ N(0, I_d); a teacher of 4 orthonormal
 * directions u_1..u_4 (drawn from teacher_rng); first-level features of degree 2,
 *   a = (u_1.x)(u_2.x),  b = (u_3.x)(u_4.x),
 * composed at the second level:  y = sign(a + b + a b).
 * The label's degree-2 part in x is carried by a + b (directions u_1..u_4); the product a b
 * (degree 4 in x, degree 2 in the first-level features) is reachable only by composing.
 * Fills X (n x d) and y (n) with data_rng. */
pl_status pl_lofi_hier_sample(pl_rng *teacher_rng, pl_rng *data_rng, pl_mat X, double *y);

/* The task's training set (n points) and test set (n_test points). Fashion-MNIST: random
 * subsets (drawn with rng) of the training split and of the test split, standardised by the
 * scalar mean and standard deviation of the training subset's pixels; d is ignored.
 * Hierarchical: fresh Gaussian samples in dimension d. dir: as for pl_fmnist_load. */
pl_status pl_lofi_task_sample(pl_lofi_task t, const char *dir, size_t n, size_t n_test,
                              size_t d, pl_rng *rng, pl_lofi_data *out, char *err,
                              size_t errlen);

/* Mean squared error and accuracy (sign(pred) == y; pred = 0 counts as +1). */
double pl_lofi_mse(size_t n, const double *pred, const double *y);
double pl_lofi_acc(size_t n, const double *pred, const double *y);

/* ---- finite width (src/algos/lofi.c) ---------------------------------------------------- */

#define PL_LOFI_MAXL 8

typedef struct {
    size_t nlayers;
    size_t P[PL_LOFI_MAXL]; /* width of each random expansion */
    size_t K[PL_LOFI_MAXL]; /* kept eigendirections; 0: lazy layer (no reduction) */
    pl_lofi_act act;
    double eps;             /* eigenvalue clip of G in the kernel form (1e-6) */
    pl_ridge_opts ridge;    /* readout */
} pl_lofi_cfg;

typedef struct {
    double test_mse, test_acc, train_mse;
    double lambda, loo_mse;          /* readout: selected penalty and its LOO MSE */
    double top_eig[PL_LOFI_MAXL];    /* largest |eigenvalue| of each reducing layer (NaN when
                                        the layer is lazy); finite: of C, kernel: of M / n */
} pl_lofi_out;

/* Every field NaN ("not produced"). */
void pl_lofi_out_clear(pl_lofi_out *out);
/* Ridge readout (penalty by leave-one-out over o's grid) fitted on (Ftr, ytr); fills
 * train_mse, test_mse, test_acc on (Fte, yte), lambda and loo_mse. */
pl_status pl_lofi_readout(const pl_ridge_opts *o, pl_mat Ftr, const double *ytr, pl_mat Fte,
                          const double *yte, pl_lofi_out *out);
/* Z = sigma(H W / c) / sqrt(P) (W: m x P, Z: n x P). */
pl_status pl_lofi_expand(pl_lofi_act act, pl_mat H, pl_mat W, double c, pl_mat Z);
/* C = beta C + scale * sum_i w_i z_i z_i^T (Z: n x P, C: P x P, both triangles): positive
 * and negative weights go to two rank-updates (dsyrk, half the flops of a gemm) over row
 * blocks of max(256, P) rows (a block buffer of at most min(n, max(256, P)) x P, no n x P
 * copy). */
pl_status pl_lofi_signed_cov(pl_mat Z, const double *w, double scale, double beta, pl_mat C);
/* Root-mean-square row norm of H: c = sqrt((1/n) sum ||h_i||^2). */
double pl_lofi_rms_norm(pl_mat H);
/* Kernel-form reduction on the Gram G (n x n, not modified): clip eigenvalues at eps,
 * M = G^{1/2} diag(y) G^{1/2}, B = top-K eigenvectors of M by |lambda| (w: K eigenvalues),
 * A = G^{-1/2} B and F = G^{1/2} B (n x K). A or F may have data == NULL to skip them. */
pl_status pl_lofi_kernel_reduce(pl_mat G, const double *y, size_t K, double eps, double *w,
                                pl_mat A, pl_mat F);

/* Check a configuration: NULL or a message (written into buf) naming the field; finite = 0
 * (the kernel form) ignores the widths P. */
const char *pl_lofi_cfg_check(const pl_lofi_cfg *c, int finite, char *buf, size_t len);
/* The finite-width stack on d->train, readout on its last representation, errors on d->test.
 * Random weights from rng (one substream per layer, so that a stack's layer l draws the same
 * W whatever K is). */
pl_status pl_lofi_fc_run(const pl_lofi_cfg *c, const pl_lofi_data *d, pl_rng *rng,
                         pl_lofi_out *out);

/* ---- convolutional variant (src/algos/lofi.c) -------------------------------------------- */

typedef struct {
    size_t P;          /* random 5 x 5 filters (output channels) */
    size_t K;          /* eigenfilters kept (1 x 1 reduction from P to K channels) */
    size_t pool;       /* average pooling window (and stride) of the K-channel map, >= 1 */
    pl_lofi_act act;
    pl_ridge_opts ridge;
} pl_lofi_cnn_cfg;

#define PL_LOFI_KSIZE 5 /* filter side (padding 2, stride 1: same-size maps) */

/* im2col of one side x side image: patches (side^2 x 25), zero padding 2. */
void pl_lofi_im2col(const double *img, size_t side, pl_mat patches);
/* One conv LoFi layer and a ridge readout on the pooled K-channel map. The signed covariance
 * runs over all (image, position) pairs, each weighted by its image's label, normalised by
 * 1/(n side^2). eig (K, may be NULL): eigenvalues; filters (K x 25, data may be NULL): the
 * signed eigenfilters W v_k mapped back to 5 x 5 pixel patches (row-major). */
pl_status pl_lofi_cnn_run(const pl_lofi_cnn_cfg *c, const pl_lofi_data *d, pl_rng *rng,
                          pl_lofi_out *out, double *eig, pl_mat filters);

/* ---- kernel form (src/theory/lofi.c) ---------------------------------------------------- */

#define PL_LOFI_NQUAD 20     /* default Gauss-Hermite nodes per dimension (sigmoid kernel) */
#define PL_LOFI_NQUAD_MAX 64

typedef struct {
    pl_lofi_act act;
    size_t nq;
    double x[PL_LOFI_NQUAD_MAX], w[PL_LOFI_NQUAD_MAX];
} pl_lofi_kernel;

/* nq: nodes per dimension of the sigmoid rule (1..PL_LOFI_NQUAD_MAX; the runs use
 * PL_LOFI_NQUAD = 20: absolute error below 2e-6 for variances q <= 2.5, see the tests). */
pl_status pl_lofi_kernel_init(pl_lofi_kernel *k, pl_lofi_act act, size_t nq);
/* E[sigma(a) sigma(b)] for (a, b) centred Gaussian with variances q1, q2, covariance q12.
 * ReLU: arc-cosine J1 closed form sqrt(q1 q2)/(2 pi) (sin t + (pi - t) cos t),
 * cos t = q12 / sqrt(q1 q2). Sigmoid 1/(1+e^-x): 1/4 + E[(s(a) - 1/2)(s(b) - 1/2)] by the
 * tensor Gauss-Hermite rule on the symmetric square root of the 2 x 2 covariance. */
double pl_lofi_nngp(const pl_lofi_kernel *k, double q1, double q2, double q12);
/* Gram: Gout_ij = nngp(L1_i, L2_j, Lx_ij * s, ...) with the linear Gram Lx (n1 x n2) of the
 * current representation, its diagonals d1 (n1), d2 (n2), all multiplied by s = 1/c^2. */
void pl_lofi_nngp_gram(const pl_lofi_kernel *k, pl_mat Lx, const double *d1, const double *d2,
                       double s, pl_mat Gout);
/* The kernel (P -> infinity) limit of pl_lofi_fc_run on the same data (no randomness). */
pl_status pl_lofi_kernel_run(const pl_lofi_cfg *c, const pl_lofi_data *d, pl_lofi_out *out);

PL_END_DECLS

#endif
