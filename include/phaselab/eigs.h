/* Eigen-solvers for large operators given as matvec callbacks (the matrix is never formed).
 *
 * Both solvers are Krylov–Schur iterations (Stewart 2001) with full reorthogonalisation
 * (classical Gram–Schmidt repeated until the DGKS criterion holds):
 *   - pl_lanczos: symmetric operators. The restart keeps the p best Ritz vectors (thick-restart
 *     Lanczos; for a symmetric operator Krylov–Schur and thick restart coincide).
 *   - pl_arnoldi: general real operators. The projected matrix is put in real Schur form
 *     (LAPACK dgees), the wanted Schur vectors are moved to the front (dtrsen) without splitting
 *     complex-conjugate pairs, and Ritz vectors come from dtrevc.
 * A Ritz pair (theta, y) with ||y|| = 1 counts as converged when ||A y - theta y|| <=
 * tol * max|theta_i| (the largest Ritz value in modulus, an estimate of ||A||). The residual
 * is read off the Krylov decomposition, no extra matvec is spent. When the restart budget runs
 * out the best estimates are still returned, with PL_ENOCONV.
 *
 * Memory: (max_basis + 1) * n doubles for the basis plus O(n + max_basis^2), allocated once
 * per call (the LAPACK drivers for the small projected problem allocate their own workspace).
 * The callback's status is propagated unchanged; a NaN or Inf in a matvec result gives
 * PL_ENAN.
 *
 * Limitations: the iteration count grows like the inverse square root of the relative gap
 * between the wanted eigenvalues and the rest of the spectrum; an operator unbounded below
 * (long negative tail) makes "largest algebraic" slow, raise max_basis and max_restarts. A
 * single start vector sees only one direction of an exactly multiple eigenvalue; further
 * copies are usually picked up through rounding and restarts, but this is not guaranteed.
 */
#ifndef PHASELAB_EIGS_H
#define PHASELAB_EIGS_H

#include <stddef.h>
#include <stdint.h>
#include "phaselab/mat.h"
#include "phaselab/rng.h"
#include "phaselab/api.h"

PL_BEGIN_DECLS

/* y = A x for an operator of dimension n; x and y never alias. */
typedef pl_status (*pl_matvec)(const double *x, double *y, size_t n, void *ctx);

typedef enum { PL_EIG_LARGEST = 0, PL_EIG_LARGEST_ABS = 1 } pl_eig_which;

typedef struct {
    size_t max_basis;     /* Krylov basis size before restart (default 2k + 20); clamped to n;
                             must be >= k + 2 when smaller than n; 0 means the default */
    size_t max_restarts;  /* restarts before giving up with PL_ENOCONV (default 500) */
    double tol;           /* residual ||A v - lambda v|| <= tol * |lambda_max| (default 1e-10) */
    uint64_t seed;        /* random start vector (and breakdown replacements) */
    const double *v0;     /* optional start vector of length n (need not be normalised);
                             NULL means a random Gaussian start from seed. Added field. */
} pl_eigs_opts;
pl_eigs_opts pl_eigs_default_opts(size_t k);

/* Top-k eigenpairs of a symmetric operator (thick-restart Lanczos with full
 * reorthogonalisation). w[k] sorted by the selection rule (descending value for
 * PL_EIG_LARGEST, descending |value| for PL_EIG_LARGEST_ABS), V (n x k) columns are unit
 * eigenvectors (sign fixed so the largest-modulus entry is positive); V.data may be NULL to
 * skip them. *nmatvec (if non-NULL) receives the number of matvecs. opts may be NULL
 * (defaults). Returns PL_OK, PL_ENOCONV (best estimates returned), PL_EINVAL, PL_ENOMEM,
 * PL_ENAN, PL_ELAPACK or the callback's status. */
pl_status pl_lanczos(pl_matvec A, void *ctx, size_t n, size_t k, pl_eig_which which,
                     const pl_eigs_opts *opts, double *w, pl_mat V, size_t *nmatvec);

/* Eigenvalues of largest real part of a non-symmetric operator (Krylov–Schur restarted
 * Arnoldi; dense Schur form of the projected matrix via LAPACK dgees/dtrsen/dtrevc).
 * Returns k eigenvalues re[k] + i im[k] sorted by descending real part; the two members of a
 * complex-conjugate pair are adjacent, the one with im > 0 first. When V.data is not NULL
 * (V is n x k), eigenvectors follow LAPACK dgeev's convention:
 *   - real eigenvalue: column j is the unit real eigenvector (largest entry positive);
 *   - pair re[j] +- i im[j] (im[j] > 0): columns j and j+1 hold Re v and Im v, where v is the
 *     eigenvector of re[j] + i im[j], normalised to ||v|| = 1 with its largest-modulus entry
 *     real and positive; the eigenvector of the conjugate is conj(v). If k cuts a pair in
 *     two, the last column holds Re v only.
 * Other arguments and statuses as for pl_lanczos. */
pl_status pl_arnoldi(pl_matvec A, void *ctx, size_t n, size_t k, const pl_eigs_opts *opts,
                     double *re, double *im, pl_mat V, size_t *nmatvec);

PL_END_DECLS

#endif
