/* Small dense matrices (p x p, row-major, p <= PL_SMALL_MAX): the Cholesky factor, inverses,
 * linear solves, products and the symmetric eigendecomposition that the overlap recursions and
 * channel functions of the families need at every sample or node, where a BLAS call costs more
 * than the arithmetic. Larger matrices: phaselab/mat.h. */
#ifndef PHASELAB_SMALLMAT_H
#define PHASELAB_SMALLMAT_H

#include <stddef.h>
#include "phaselab/status.h"
#include "phaselab/api.h"

PL_BEGIN_DECLS

#define PL_SMALL_MAX 16

/* Cholesky A = L L^T of an SPD matrix (L lower, its upper part zeroed). 0 if A is not
 * positive definite. */
int pl_small_chol(size_t p, const double *A, double *L);
/* Inverse of an SPD matrix by its Cholesky factor; log det A into *logdet when not NULL.
 * 0 if A is not positive definite or p > PL_SMALL_MAX. */
int pl_small_spd_inv(size_t p, const double *A, double *Ainv, double *logdet);
/* Inverse of a general matrix by Gauss–Jordan elimination with partial pivoting. 0 if a pivot
 * is below 1e-300 in modulus (singular) or p > PL_SMALL_MAX. */
int pl_small_inv(size_t p, const double *A, double *Ainv);
/* x = A^{-1} b by Gauss–Jordan elimination with partial pivoting on [A | b]. 0 if singular
 * (a pivot below 1e-300), the sum of x not finite, or p > PL_SMALL_MAX. */
int pl_small_solve(size_t p, const double *A, const double *b, double *x);
/* C = A B and y = A x (C, y distinct from the inputs). */
void pl_small_mm(size_t p, const double *A, const double *B, double *C);
void pl_small_mv(size_t p, const double *A, const double *x, double *y);
/* Symmetric eigendecomposition (LAPACK dsyev): w ascending, U's columns the eigenvectors. */
pl_status pl_small_symeig(size_t p, const double *A, double *w, double *U);

PL_END_DECLS

#endif
