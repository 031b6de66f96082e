/* Row-major dense matrices as views handed to BLAS/LAPACKE.
 *
 * A pl_mat does not own its memory unless it came from pl_mat_alloc (then free it with
 * pl_mat_free). Element (i, j) is data[i*stride + j]. Vectors are plain double arrays.
 */
#ifndef PHASELAB_MAT_H
#define PHASELAB_MAT_H

#include <stddef.h>
#include "phaselab/status.h"
#include "phaselab/api.h"

PL_BEGIN_DECLS

typedef struct {
    size_t rows, cols, stride;
    double *data;
} pl_mat;

#define PL_AT(m, i, j) ((m).data[(size_t)(i) * (m).stride + (size_t)(j)])

typedef enum { PL_NOTRANS = 0, PL_TRANS = 1 } pl_trans;

pl_mat pl_mat_alloc(size_t rows, size_t cols);      /* zeroed; data == NULL on failure */
void pl_mat_free(pl_mat *m);                         /* frees and nulls data */
pl_mat pl_mat_view(double *data, size_t rows, size_t cols, size_t stride);
pl_mat pl_mat_sub(pl_mat m, size_t r0, size_t c0, size_t rows, size_t cols);
void pl_mat_copy(pl_mat dst, pl_mat src);           /* same shapes */
void pl_mat_set_zero(pl_mat m);
void pl_mat_set_identity(pl_mat m);
void pl_mat_transpose(pl_mat dst, pl_mat src);      /* dst is src^T */
double pl_mat_frob2(pl_mat m);                       /* squared Frobenius norm */
double pl_mat_trace(pl_mat m);

/* C = alpha op(A) op(B) + beta C */
pl_status pl_gemm(pl_trans ta, pl_trans tb, double alpha, pl_mat A, pl_mat B, double beta, pl_mat C);
/* y = alpha op(A) x + beta y */
pl_status pl_gemv(pl_trans ta, double alpha, pl_mat A, const double *x, double beta, double *y);
/* C = alpha op(A)^T op(A) + beta C where op = A^T A for PL_TRANS (C is cols x cols) and
 * A A^T for PL_NOTRANS; both triangles of C are filled. */
pl_status pl_syrk(pl_trans t, double alpha, pl_mat A, double beta, pl_mat C);

/* Symmetric eigendecomposition of A (only the upper triangle is read; A is overwritten with
 * eigenvectors as columns). Eigenvalues in ascending order in w[A.rows]. */
pl_status pl_syev(pl_mat A, double *w);
/* Top-k eigenpairs of symmetric A by largest algebraic value (dsyevr by index). A is
 * destroyed. w[k] descending, Z (n x k) columns are the eigenvectors. */
pl_status pl_syev_topk(pl_mat A, size_t k, double *w, pl_mat Z);
/* Thin SVD A = U diag(s) Vt (A is destroyed); U (m x r), Vt (r x n), r = min(m, n); U or Vt
 * may have data == NULL to skip them. s descending. */
pl_status pl_svd(pl_mat A, double *s, pl_mat U, pl_mat Vt);
/* Solve A X = B for symmetric positive definite A (overwritten by its Cholesky factor);
 * B (n x nrhs) overwritten by X. */
pl_status pl_chol_solve(pl_mat A, pl_mat B);
/* General solve A X = B by LU (A and B overwritten). */
pl_status pl_lu_solve(pl_mat A, pl_mat B);
/* Thin QR: A (m x n, m >= n) overwritten by Q; R (n x n) upper triangular if R.data != NULL. */
pl_status pl_qr(pl_mat A, pl_mat R);

/* vector helpers */
double pl_dot(size_t n, const double *x, const double *y);
double pl_nrm2(size_t n, const double *x);
void pl_axpy(size_t n, double a, const double *x, double *y);
void pl_scal(size_t n, double a, double *x);

PL_END_DECLS

#endif
