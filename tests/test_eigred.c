/* Eigen-reduction by modulus: dense and matrix-free agree with a full eigendecomposition. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/eigred.h"
#include "phaselab/rng.h"
#include "pl_test.h"

/* symmetric matrix with a prescribed spectrum: Q diag(lam) Q^T, Q from QR of a Gaussian */
static void planted(pl_rng *rng, size_t n, const double *lam, pl_mat A)
{
    pl_mat Q = pl_mat_alloc(n, n), T = pl_mat_alloc(n, n);
    for (size_t i = 0; i < n * n; i++) Q.data[i] = pl_rng_normal(rng);
    pl_qr(Q, (pl_mat){0});
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) PL_AT(T, i, j) = PL_AT(Q, i, j) * lam[j];
    pl_gemm(PL_NOTRANS, PL_TRANS, 1.0, T, Q, 0.0, A);
    for (size_t i = 0; i < n; i++) /* exact symmetry */
        for (size_t j = 0; j < i; j++) PL_AT(A, j, i) = PL_AT(A, i, j);
    pl_mat_free(&Q);
    pl_mat_free(&T);
}

typedef struct {
    pl_mat A;
} dense_op;

static pl_status dense_mv(const double *x, double *y, size_t n, void *ctx)
{
    (void)n;
    return pl_gemv(PL_NOTRANS, 1.0, ((dense_op *)ctx)->A, x, 0.0, y);
}

/* residual ||A v - w v|| of every returned pair, largest */
static double max_residual(pl_mat A, size_t k, const double *w, pl_mat V)
{
    size_t n = A.rows;
    double *v = malloc(n * sizeof *v), *y = malloc(n * sizeof *y), worst = 0;
    for (size_t j = 0; j < k; j++) {
        for (size_t i = 0; i < n; i++) v[i] = PL_AT(V, i, j);
        pl_gemv(PL_NOTRANS, 1.0, A, v, 0.0, y);
        double r = 0;
        for (size_t i = 0; i < n; i++) r += (y[i] - w[j] * v[i]) * (y[i] - w[j] * v[i]);
        if (sqrt(r) > worst) worst = sqrt(r);
    }
    free(v);
    free(y);
    return worst;
}

int main(void)
{
    pl_rng rng;
    pl_rng_init(&rng, 7, 1);
    const size_t n = 120, k = 5;
    double *lam = malloc(n * sizeof *lam);
    /* bulk in [-1, 1], outliers at both ends: -9, 7, -6, 5 and 3 are the top 5 by modulus */
    for (size_t i = 0; i < n; i++) lam[i] = -1.0 + 2.0 * (double)i / (double)(n - 1);
    lam[3] = 7, lam[10] = -9, lam[50] = 5, lam[80] = -6, lam[100] = 3;
    const double want[5] = {-9, 7, -6, 5, 3};
    pl_mat A = pl_mat_alloc(n, n), A0 = pl_mat_alloc(n, n), V = pl_mat_alloc(n, k);
    planted(&rng, n, lam, A0);
    pl_mat_copy(A, A0);
    double w[5];
    CHECK(pl_eigred_topk_abs(A, k, w, V) == PL_OK, "dense status");
    for (size_t j = 0; j < k; j++) CHECK_CLOSE(w[j], want[j], 1e-10, "dense eigenvalue");
    CHECK(max_residual(A0, k, w, V) < 1e-10, "dense residuals");
    /* orthonormal columns */
    double worst = 0;
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b < k; b++) {
            double s = 0;
            for (size_t i = 0; i < n; i++) s += PL_AT(V, i, a) * PL_AT(V, i, b);
            worst = fmax(worst, fabs(s - (a == b)));
        }
    CHECK(worst < 1e-10, "V^T V = I (%.3g)", worst);
    /* k = n reproduces the whole spectrum; the eigenvalues only (V.data NULL) */
    double *all = malloc(n * sizeof *all), *ref = malloc(n * sizeof *ref);
    pl_mat_copy(A, A0);
    CHECK(pl_eigred_topk_abs(A, n, all, (pl_mat){0}) == PL_OK, "k = n");
    pl_mat_copy(A, A0);
    pl_syev(A, ref);
    double sa = 0, sr = 0;
    for (size_t i = 0; i < n; i++) sa += all[i] * all[i], sr += ref[i] * ref[i];
    CHECK_CLOSE(sa, sr, 1e-9, "sum of squares of all eigenvalues");
    for (size_t i = 1; i < n; i++) CHECK(fabs(all[i]) <= fabs(all[i - 1]), "sorted by modulus");
    /* matrix-free agrees */
    dense_op op = {A0};
    double wm[5];
    pl_eigs_opts o = pl_eigs_default_opts(k);
    CHECK(pl_eigred_topk_abs_mf(dense_mv, &op, n, k, &o, wm, V, NULL) == PL_OK, "mf status");
    for (size_t j = 0; j < k; j++) CHECK_CLOSE(wm[j], want[j], 1e-8, "matrix-free eigenvalue");
    /* bad input */
    CHECK(pl_eigred_topk_abs(A, 0, w, V) == PL_EINVAL, "k = 0");
    pl_mat_copy(A, A0);
    PL_AT(A, 2, 3) = NAN;
    CHECK(pl_eigred_topk_abs(A, k, w, V) == PL_ENAN, "NaN entry");
    free(lam), free(all), free(ref);
    pl_mat_free(&A), pl_mat_free(&A0), pl_mat_free(&V);
    return pl_test_done("test_eigred");
}
