/* Eigen-solvers for large operators given as matvec callbacks (the matrix is never formed). */
#ifndef PHASELAB_EIGS_H
#define PHASELAB_EIGS_H

#include <stddef.h>
#include "phaselab/mat.h"
#include "phaselab/rng.h"

/* y = A x for an operator of dimension n */
typedef pl_status (*pl_matvec)(const double *x, double *y, size_t n, void *ctx);

typedef enum { PL_EIG_LARGEST = 0, PL_EIG_LARGEST_ABS = 1 } pl_eig_which;

typedef struct {
    size_t max_basis;     /* Krylov basis size before restart (default 2k + 20 or so) */
    size_t max_restarts;
    double tol;           /* residual ||A v - lambda v|| <= tol * |lambda_max| */
    uint64_t seed;        /* start vector */
} pl_eigs_opts;
pl_eigs_opts pl_eigs_default_opts(size_t k);

/* Top-k eigenpairs of a symmetric operator (thick-restart Lanczos with full
 * reorthogonalisation). w[k] sorted by the selection rule (descending value or |value|),
 * V (n x k) columns are unit eigenvectors. Reports iterations in *nmatvec if non-NULL. */
pl_status pl_lanczos(pl_matvec A, void *ctx, size_t n, size_t k, pl_eig_which which,
                     const pl_eigs_opts *opts, double *w, pl_mat V, size_t *nmatvec);

/* Eigenvalues of largest real part of a non-symmetric operator (restarted Arnoldi with
 * Krylov–Schur or explicit restarts; dense Hessenberg eigenproblem via LAPACK dhseqr/dgeev).
 * Returns k eigenvalues (re[k], im[k], sorted by descending real part) and, when V.data is
 * not NULL, the real parts of the eigenvectors (the real eigenvector for a real eigenvalue). */
pl_status pl_arnoldi(pl_matvec A, void *ctx, size_t n, size_t k, const pl_eigs_opts *opts,
                     double *re, double *im, pl_mat V, size_t *nmatvec);

#endif
