/* Family 3: the PCA baseline, top-k eigenvectors of C = V^T V / n. */
#include <math.h>

#include "phaselab/rbm.h"

pl_status pl_rbm_pca(pl_mat V, pl_mat U, double *m2, double *lmax)
{
    size_t n = V.rows, d = V.cols, k = U.cols;
    if (!V.data || !U.data || !m2 || U.rows != d || k == 0 || k > PL_RBM_KMAX || n == 0)
        return PL_EINVAL;
    double w[PL_RBM_KMAX];
    pl_mat C = pl_mat_alloc(d, d), E = pl_mat_alloc(d, k);
    pl_status st = (C.data && E.data) ? PL_OK : PL_ENOMEM;
    if (st == PL_OK) st = pl_syrk(PL_TRANS, 1.0 / (double)n, V, 0.0, C);
    if (st == PL_OK) st = pl_syev_topk(C, k, w, E);
    if (st == PL_OK) st = pl_rbm_overlap2(E, U, m2);
    if (st == PL_OK && lmax) *lmax = w[0];
    pl_mat_free(&C);
    pl_mat_free(&E);
    return st;
}
