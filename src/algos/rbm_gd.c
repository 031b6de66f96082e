/* Family 3: full-batch gradient descent on the RBM objective, W <- W - lr d grad l(W). */
#include <math.h>

#include "phaselab/rbm.h"

static pl_status trace_at(const pl_rbm_trace *tr, size_t t, double loss, pl_mat W, pl_mat U)
{
    if (!tr) return PL_OK;
    if (tr->loss) tr->loss[t] = loss;
    if (tr->norm2) tr->norm2[t] = pl_rbm_norm2(W);
    if (tr->m2 && U.data) return pl_rbm_overlap2(W, U, &tr->m2[t]);
    return PL_OK;
}

pl_status pl_rbm_gd(pl_mat V, pl_mat W, size_t steps, double lr, pl_mat U,
                    const pl_rbm_trace *trace)
{
    size_t n = V.rows, d = V.cols, k = W.cols;
    if (!V.data || !W.data || W.rows != d || k == 0 || k > PL_RBM_KMAX || !(lr > 0) ||
        !isfinite(lr) || (U.data && (U.rows != d || U.cols != k)))
        return PL_EINVAL;
    pl_mat G = pl_mat_alloc(d, k), lam = pl_mat_alloc(n, k);
    pl_status st = (G.data && lam.data) ? PL_OK : PL_ENOMEM;
    double loss = NAN;
    /* the loss (n log cosh evaluations) only when it is traced; the end point is evaluated
     * only for a trace */
    double *lp = trace && trace->loss ? &loss : NULL;
    for (size_t t = 0; st == PL_OK && t <= steps; t++) {
        if (t == steps && !trace) break;
        st = pl_rbm_loss_grad(V, W, lp, t < steps ? G : (pl_mat){0}, lam);
        if (st == PL_OK) st = trace_at(trace, t, loss, W, U);
        if (st != PL_OK || t == steps) break;
        double step = -lr * (double)d;
        for (size_t i = 0; i < d; i++)
            for (size_t a = 0; a < k; a++)
                W.data[i * W.stride + a] += step * G.data[i * G.stride + a];
        if (!isfinite(pl_mat_frob2(W))) st = PL_ENAN;
    }
    pl_mat_free(&G);
    pl_mat_free(&lam);
    return st;
}
