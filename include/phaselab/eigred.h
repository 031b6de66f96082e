/* Eigen-reduction: the top-K eigenpairs of a symmetric operator by modulus |lambda|.
 *
 * Label-weighted moment matrices and signed covariances (families 7 and 8) have informative
 * eigenvalues at both ends of the spectrum; these routines keep the K of largest modulus.
 *   - pl_eigred_topk_abs: dense matrix. One Householder tridiagonalisation (LAPACK dsytrd),
 *     all eigenvalues of the tridiagonal (dsterf, O(n^2)), the K largest in modulus picked
 *     from both ends, bisection for exactly those (dstebz), inverse iteration (dstein) and
 *     back-transformation (dormtr): the cost is one tridiagonalisation, 4/3 n^3 flops, plus
 *     O(n^2 K) — no full eigendecomposition. Where inverse iteration fails (tight clusters),
 *     the same tridiagonalisation is finished by the implicit QL/QR iteration on all
 *     eigenvectors (dorgtr + dsteqr, O(n^3)), so callers need no fallback of their own.
 *   - pl_eigred_topk_abs_mf: operator given as a matvec (never formed): thick-restart
 *     Lanczos by largest modulus (pl_lanczos with PL_EIG_LARGEST_ABS).
 * Output: w[k] sorted by descending |lambda| (ties: larger value first), V (n x k) unit
 * eigenvectors as columns with the largest-modulus entry positive; V.data may be NULL.
 */
#ifndef PHASELAB_EIGRED_H
#define PHASELAB_EIGRED_H

#include <stddef.h>
#include "phaselab/eigs.h"
#include "phaselab/mat.h"
#include "phaselab/api.h"

PL_BEGIN_DECLS

/* Dense symmetric A (n x n; both triangles, or at least the lower-left in row-major terms,
 * i.e. the upper triangle of A^T, hold the matrix). A is destroyed. Returns PL_OK,
 * PL_EINVAL (shapes, k = 0 or k > n), PL_ENOMEM, PL_ENAN (a NaN/Inf entry) or PL_ELAPACK. */
pl_status pl_eigred_topk_abs(pl_mat A, size_t k, double *w, pl_mat V);

/* Matrix-free form: statuses and options as for pl_lanczos. */
pl_status pl_eigred_topk_abs_mf(pl_matvec A, void *ctx, size_t n, size_t k,
                                const pl_eigs_opts *opts, double *w, pl_mat V,
                                size_t *nmatvec);

PL_END_DECLS

#endif
