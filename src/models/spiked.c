/* Samplers of the spiked Wigner and spiked covariance models. */
#include <math.h>
#include <stdlib.h>

#include "phaselab/spiked.h"

static void normalise(double *v, size_t n, double norm)
{
    double s = pl_nrm2(n, v);
    pl_scal(n, norm / s, v);
}

pl_status pl_spiked_wigner_sample(pl_rng *rng, double beta, pl_mat Y, double *v)
{
    size_t d = Y.rows;
    if (Y.cols != d || d == 0) return PL_EINVAL;
    pl_rng_normal_fill(rng, v, d, 1.0);
    normalise(v, d, sqrt((double)d));
    pl_rng_goe(rng, Y, 1.0 / sqrt((double)d));
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) PL_AT(Y, i, j) += beta / (double)d * v[i] * v[j];
    return PL_OK;
}

pl_status pl_spiked_cov_sample(pl_rng *rng, double beta, pl_mat X, double *u)
{
    size_t n = X.rows, d = X.cols;
    if (n == 0 || d == 0) return PL_EINVAL;
    pl_rng_normal_fill(rng, u, d, 1.0);
    normalise(u, d, 1.0);
    pl_rng_normal_mat(rng, X, 1.0);
    double sb = sqrt(beta);
    for (size_t mu = 0; mu < n; mu++) {
        double s = pl_rng_normal(rng);
        pl_axpy(d, sb * s, u, X.data + mu * X.stride);
    }
    return PL_OK;
}

pl_status pl_top_eig_overlap(pl_mat A, const double *v, double *top_eig, double *overlap2)
{
    size_t n = A.rows;
    pl_mat z = pl_mat_alloc(n, 1);
    if (!z.data) return PL_ENOMEM;
    double w;
    pl_status st = pl_syev_topk(A, 1, &w, z);
    if (st == PL_OK) {
        double ov = pl_dot(n, z.data, v);
        *top_eig = w;
        *overlap2 = ov * ov / pl_dot(n, v, v);
    }
    pl_mat_free(&z);
    return st;
}
