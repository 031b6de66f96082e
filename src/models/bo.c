/* Family 9 teacher: y = sum_i v_i sigma(w_i . x / sqrt(d)) + sqrt(Delta) z. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/bo.h"

pl_status pl_bo_teacher_init(pl_bo_teacher *t, pl_rng *rng, size_t d, size_t k,
                             const double *v, double delta, const pl_bo_act_type *act,
                             int orth)
{
    memset(t, 0, sizeof *t);
    if (d == 0 || k == 0 || !v || !act || !(delta >= 0.0) || (orth && k > d)) return PL_EINVAL;
    t->d = d;
    t->k = k;
    t->delta = delta;
    t->act = act;
    t->W = pl_mat_alloc(k, d);
    t->v = malloc(k * sizeof *t->v);
    if (!t->W.data || !t->v) {
        pl_bo_teacher_free(t);
        return PL_ENOMEM;
    }
    memcpy(t->v, v, k * sizeof *v);
    if (!orth) {
        pl_rng_normal_mat(rng, t->W, 1.0);
        return PL_OK;
    }
    /* Gaussian d x k -> thin QR -> orthonormal columns; W = sqrt(d) Q^T */
    pl_mat A = pl_mat_alloc(d, k);
    if (!A.data) {
        pl_bo_teacher_free(t);
        return PL_ENOMEM;
    }
    pl_rng_normal_mat(rng, A, 1.0);
    pl_status st = pl_qr(A, (pl_mat){0});
    if (st == PL_OK) {
        double s = sqrt((double)d);
        for (size_t i = 0; i < k; i++)
            for (size_t j = 0; j < d; j++) PL_AT(t->W, i, j) = s * PL_AT(A, j, i);
    }
    pl_mat_free(&A);
    if (st != PL_OK) pl_bo_teacher_free(t);
    return st;
}

void pl_bo_teacher_free(pl_bo_teacher *t)
{
    pl_mat_free(&t->W);
    free(t->v);
    t->v = NULL;
}

pl_status pl_bo_teacher_eval(const pl_bo_teacher *t, pl_mat X, double *y, double *work)
{
    if (X.cols != t->d) return PL_EINVAL;
    pl_mat H = pl_mat_view(work, X.rows, t->k, t->k);
    pl_status st = pl_gemm(PL_NOTRANS, PL_TRANS, 1.0 / sqrt((double)t->d), X, t->W, 0.0, H);
    if (st != PL_OK) return st;
    for (size_t n = 0; n < X.rows; n++) {
        double s = 0.0;
        const double *h = &PL_AT(H, n, 0);
        for (size_t i = 0; i < t->k; i++) s += t->v[i] * t->act->f(h[i], NULL);
        y[n] = s;
    }
    return PL_OK;
}

pl_status pl_bo_sample(const pl_bo_teacher *t, pl_rng *rng, pl_mat X, double *y)
{
    if (X.cols != t->d) return PL_EINVAL;
    pl_rng_normal_mat(rng, X, 1.0);
    /* in chunks to bound the work buffer */
    const size_t chunk = 4096;
    double *work = malloc(chunk * t->k * sizeof *work);
    if (!work) return PL_ENOMEM;
    pl_status st = PL_OK;
    for (size_t r0 = 0; r0 < X.rows && st == PL_OK; r0 += chunk) {
        size_t m = X.rows - r0 < chunk ? X.rows - r0 : chunk;
        st = pl_bo_teacher_eval(t, pl_mat_sub(X, r0, 0, m, X.cols), y + r0, work);
    }
    free(work);
    double sd = sqrt(t->delta);
    for (size_t n = 0; n < X.rows && sd > 0.0; n++) y[n] += sd * pl_rng_normal(rng);
    return st;
}
