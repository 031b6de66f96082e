/* Dense linear algebra wrappers: identities against direct computation. */
#include <stdlib.h>
#include "phaselab/mat.h"
#include "phaselab/rng.h"
#include "pl_test.h"

static double maxabs_diff(pl_mat a, pl_mat b)
{
    double e = 0;
    for (size_t i = 0; i < a.rows; i++)
        for (size_t j = 0; j < a.cols; j++) e = fmax(e, fabs(PL_AT(a, i, j) - PL_AT(b, i, j)));
    return e;
}

int main(void)
{
    pl_rng r;
    pl_rng_init(&r, 1, 0);
    size_t n = 40, m = 25;
    pl_mat A = pl_mat_alloc(n, m), C = pl_mat_alloc(m, m), C2 = pl_mat_alloc(m, m);
    pl_rng_normal_mat(&r, A, 1.0);
    /* syrk == gemm(A^T A) */
    pl_gemm(PL_TRANS, PL_NOTRANS, 1.0, A, A, 0.0, C);
    pl_syrk(PL_TRANS, 1.0, A, 0.0, C2);
    CHECK(maxabs_diff(C, C2) < 1e-12, "syrk vs gemm");
    /* gemm against a naive triple loop */
    double naive = 0;
    for (size_t k = 0; k < n; k++) naive += PL_AT(A, k, 3) * PL_AT(A, k, 7);
    CHECK_CLOSE(PL_AT(C, 3, 7), naive, 1e-12, "gemm entry");
    /* gemv: A^T 1 equals column sums */
    double *ones = malloc(n * sizeof(double)), *y = calloc(m, sizeof(double));
    for (size_t i = 0; i < n; i++) ones[i] = 1;
    pl_gemv(PL_TRANS, 1.0, A, ones, 0.0, y);
    double cs = 0;
    for (size_t i = 0; i < n; i++) cs += PL_AT(A, i, 5);
    CHECK_CLOSE(y[5], cs, 1e-12, "gemv column sum");
    /* syev: V diag(w) V^T == C */
    pl_mat V = pl_mat_alloc(m, m), VD = pl_mat_alloc(m, m), R = pl_mat_alloc(m, m);
    double *w = malloc(m * sizeof(double));
    pl_mat_copy(V, C);
    CHECK(pl_syev(V, w) == PL_OK, "syev");
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < m; j++) PL_AT(VD, i, j) = PL_AT(V, i, j) * w[j];
    pl_gemm(PL_NOTRANS, PL_TRANS, 1.0, VD, V, 0.0, R);
    CHECK(maxabs_diff(R, C) < 1e-9, "syev reconstruction");
    /* top-k matches the full decomposition */
    double wk[3];
    pl_mat Z = pl_mat_alloc(m, 3), Cc = pl_mat_alloc(m, m);
    pl_mat_copy(Cc, C);
    CHECK(pl_syev_topk(Cc, 3, wk, Z) == PL_OK, "syev_topk");
    for (int k = 0; k < 3; k++) {
        CHECK_CLOSE(wk[k], w[m - 1 - k], 1e-9 * fabs(w[m - 1]), "top-k eigenvalue");
        double ov = 0;
        for (size_t i = 0; i < m; i++) ov += PL_AT(Z, i, k) * PL_AT(V, i, m - 1 - k);
        CHECK_CLOSE(fabs(ov), 1.0, 1e-8, "top-k eigenvector");
    }
    /* SVD: singular values squared are the eigenvalues of A^T A */
    pl_mat Ac = pl_mat_alloc(n, m), U = pl_mat_alloc(n, m), Vt = pl_mat_alloc(m, m);
    double *s = malloc(m * sizeof(double));
    pl_mat_copy(Ac, A);
    CHECK(pl_svd(Ac, s, U, Vt) == PL_OK, "svd");
    CHECK_CLOSE(s[0] * s[0], w[m - 1], 1e-9 * w[m - 1], "svd top value");
    CHECK_CLOSE(s[m - 1] * s[m - 1], w[0], 1e-9 * w[m - 1], "svd bottom value");
    /* Cholesky solve: C x = C e_1 gives e_1 */
    pl_mat B = pl_mat_alloc(m, 1);
    for (size_t i = 0; i < m; i++) PL_AT(B, i, 0) = PL_AT(C, i, 0);
    pl_mat_copy(Cc, C);
    CHECK(pl_chol_solve(Cc, B) == PL_OK, "chol");
    CHECK_CLOSE(PL_AT(B, 0, 0), 1.0, 1e-10, "chol solution");
    CHECK_CLOSE(PL_AT(B, 5, 0), 0.0, 1e-10, "chol solution");
    /* QR: Q^T Q = I and Q R = A */
    pl_mat Q = pl_mat_alloc(n, m), Rq = pl_mat_alloc(m, m), QR = pl_mat_alloc(n, m);
    pl_mat_copy(Q, A);
    CHECK(pl_qr(Q, Rq) == PL_OK, "qr");
    pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, Q, Rq, 0.0, QR);
    CHECK(maxabs_diff(QR, A) < 1e-12, "QR reconstruction");
    CHECK(pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, A, A, 0.0, C) == PL_EINVAL, "shape mismatch");
    pl_mat_free(&A); pl_mat_free(&C); pl_mat_free(&C2); pl_mat_free(&V); pl_mat_free(&VD);
    pl_mat_free(&R); pl_mat_free(&Z); pl_mat_free(&Cc); pl_mat_free(&Ac); pl_mat_free(&U);
    pl_mat_free(&Vt); pl_mat_free(&B); pl_mat_free(&Q); pl_mat_free(&Rq); pl_mat_free(&QR);
    free(ones); free(y); free(w); free(s);
    return pl_test_done("test_mat");
}
