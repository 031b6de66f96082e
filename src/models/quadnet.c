/* Family 4 model: teachers, Gaussian data, the sensing operator and its adjoint by gemm on
 * the n x d input matrix, and the metrics of an estimate. */
#include "phaselab/quadnet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

pl_status pl_qn_teacher_wishart(pl_rng *rng, size_t mstar, pl_mat S)
{
    if (S.rows != S.cols || mstar == 0) return PL_EINVAL;
    pl_mat W = pl_mat_alloc(S.rows, mstar);
    if (!W.data) return PL_ENOMEM;
    pl_rng_normal_mat(rng, W, 1.0);
    pl_status st = pl_syrk(PL_NOTRANS, 1.0 / (double)mstar, W, 0.0, S);
    pl_mat_free(&W);
    return st;
}

pl_status pl_qn_teacher_spectrum(pl_rng *rng, const double *w, pl_mat S)
{
    size_t d = S.rows;
    if (S.cols != d || d == 0) return PL_EINVAL;
    pl_mat O = pl_mat_alloc(d, d), T = pl_mat_alloc(d, d);
    pl_status st = (O.data && T.data) ? PL_OK : PL_ENOMEM;
    if (st == PL_OK) st = pl_rng_haar_orthogonal(rng, O);
    if (st == PL_OK) {
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j < d; j++) PL_AT(T, i, j) = PL_AT(O, i, j) * w[j];
        st = pl_gemm(PL_NOTRANS, PL_TRANS, 1.0, T, O, 0.0, S);
    }
    if (st == PL_OK) /* exact symmetry */
        for (size_t i = 0; i < d; i++)
            for (size_t j = i + 1; j < d; j++)
                PL_AT(S, i, j) = PL_AT(S, j, i) = 0.5 * (PL_AT(S, i, j) + PL_AT(S, j, i));
    pl_mat_free(&O);
    pl_mat_free(&T);
    return st;
}

pl_status pl_qn_sense(pl_mat X, pl_mat S, double *out, pl_mat work)
{
    size_t n = X.rows, d = X.cols;
    if (S.rows != d || S.cols != d || work.rows != n || work.cols != d) return PL_EINVAL;
    pl_status st = pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, X, S, 0.0, work);
    if (st != PL_OK) return st;
    double tr = pl_mat_trace(S), sc = 1 / sqrt((double)d);
    for (size_t mu = 0; mu < n; mu++)
        out[mu] = (pl_dot(d, &PL_AT(work, mu, 0), &PL_AT(X, mu, 0)) - tr) * sc;
    return PL_OK;
}

pl_status pl_qn_sense_adj(pl_mat X, const double *r, pl_mat R, pl_mat work)
{
    size_t n = X.rows, d = X.cols;
    if (R.rows != d || R.cols != d || work.rows != n || work.cols != d) return PL_EINVAL;
    /* X^T diag(r) X = X+^T X+ - X-^T X- with the rows sqrt(|r_mu|) x_mu split by the sign of
     * r: two symmetric rank-k updates (n d^2 flops in all) instead of one gemm (2 n d^2) */
    double sum = 0, sc = 1 / sqrt((double)d);
    size_t np = 0, nm = 0;
    for (size_t mu = 0; mu < n; mu++) {
        sum += r[mu];
        if (r[mu] == 0) continue;
        double s = sqrt(fabs(r[mu]));
        double *t = r[mu] > 0 ? &PL_AT(work, np++, 0) : &PL_AT(work, n - 1 - nm++, 0);
        const double *x = &PL_AT(X, mu, 0);
        for (size_t j = 0; j < d; j++) t[j] = s * x[j];
    }
    pl_status st = PL_OK;
    if (np > 0) st = pl_syrk(PL_TRANS, sc, pl_mat_sub(work, 0, 0, np, d), 0.0, R);
    else pl_mat_set_zero(R);
    if (st == PL_OK && nm > 0)
        st = pl_syrk(PL_TRANS, -sc, pl_mat_sub(work, n - nm, 0, nm, d), 1.0, R);
    if (st != PL_OK) return st;
    for (size_t i = 0; i < d; i++) PL_AT(R, i, i) -= sum * sc;
    return PL_OK;
}

pl_status pl_qn_sense_factor(pl_mat X, pl_mat W, double *out, pl_mat XW)
{
    size_t n = X.rows, d = X.cols, m = W.cols;
    if (W.rows != d || XW.rows != n || XW.cols != m) return PL_EINVAL;
    pl_status st = pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, X, W, 0.0, XW);
    if (st != PL_OK) return st;
    double w2 = pl_mat_frob2(W), sc = 1 / sqrt((double)d);
    for (size_t mu = 0; mu < n; mu++) {
        const double *t = &PL_AT(XW, mu, 0);
        out[mu] = (pl_dot(m, t, t) - w2) * sc;
    }
    return PL_OK;
}

pl_status pl_qn_sample(pl_rng *rng, pl_mat Sstar, double delta, pl_mat X, double *y,
                       pl_mat work)
{
    if (!(delta >= 0)) return PL_EINVAL;
    pl_rng_normal_mat(rng, X, 1.0);
    pl_status st = pl_qn_sense(X, Sstar, y, work);
    if (st != PL_OK) return st;
    double sd = sqrt(delta);
    for (size_t mu = 0; mu < X.rows; mu++) y[mu] += sd * pl_rng_normal(rng);
    return PL_OK;
}

pl_status pl_qn_evaluate(const pl_qn_problem *pb, pl_mat Sstar, pl_mat S, double rank_tol,
                         pl_qn_metrics *m, double *eig)
{
    size_t n = pb->X.rows, d = pb->X.cols;
    double *res = malloc(n * sizeof *res), *w = malloc(d * sizeof *w);
    pl_mat work = pl_mat_alloc(n, d), D = pl_mat_alloc(d, d);
    pl_status st = (res && w && work.data && D.data) ? PL_OK : PL_ENOMEM;
    if (st == PL_OK) st = pl_qn_sense(pb->X, S, res, work);
    if (st == PL_OK) {
        double tl = 0;
        for (size_t mu = 0; mu < n; mu++) tl += (res[mu] - pb->y[mu]) * (res[mu] - pb->y[mu]);
        m->train_loss = tl / (4.0 * (double)n);
        m->objective = m->train_loss + pb->lambda / (double)d * pl_mat_trace(S);
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j < d; j++) PL_AT(D, i, j) = PL_AT(S, i, j) - PL_AT(Sstar, i, j);
        m->mse = pl_mat_frob2(D) / (double)d;
        st = pl_qn_sense(pb->X, D, res, work);
    }
    if (st == PL_OK) {
        m->ise = pl_dot(n, res, res) / (4.0 * (double)n);
        pl_mat_copy(D, S);
        st = pl_syev(D, w);
    }
    if (st == PL_OK) {
        double top = w[d - 1], thr = rank_tol * fmax(1.0, top);
        size_t r = 0;
        for (size_t i = 0; i < d; i++) r += w[i] > thr;
        m->rank = (double)r / (double)d;
        if (eig) memcpy(eig, w, d * sizeof *w);
    }
    free(res);
    free(w);
    pl_mat_free(&work);
    pl_mat_free(&D);
    return st;
}
