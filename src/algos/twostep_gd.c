/* Family 6 algorithm: the two full-batch gradient steps on the first layer (one run: teacher,
 * initialisation, batch 1, step 1, batch 2, step 2). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/twostep.h"

/* One pass over Z = X W^T: f_mu = sum_i a_i sigma(z)/sqrt N, r = y - f, and Z <- scale r_mu
 * a_i sigma'(z) in place (the weights of the second gemm). */
static pl_status forward_weights(const pl_ts_act *act, const double *a, double scale,
                                 const double *y, pl_mat Z, double *f, double *r, double *loss)
{
    double s = 1 / sqrt((double)Z.cols), l = 0;
    for (size_t mu = 0; mu < Z.rows; mu++) {
        double *zr = &PL_AT(Z, mu, 0), acc = 0;
        for (size_t i = 0; i < Z.cols; i++) {
            double v, dv;
            act->fdf(zr[i], &v, &dv);
            acc += a[i] * v;
            zr[i] = a[i] * dv;
        }
        f[mu] = s * acc;
        r[mu] = y[mu] - f[mu];
        l += r[mu] * r[mu];
        double rm = scale * r[mu];
        for (size_t i = 0; i < Z.cols; i++) zr[i] *= rm;
    }
    if (loss) *loss = l / (2.0 * (double)Z.rows);
    return isfinite(l) ? PL_OK : PL_ENAN;
}

pl_status pl_ts_gradient(const pl_ts_act *act, pl_mat W, const double *a, pl_mat X,
                         const double *y, pl_mat G, pl_mat Z, double *f, double *r,
                         double *loss)
{
    pl_status st = pl_gemm(PL_NOTRANS, PL_TRANS, 1.0, X, W, 0.0, Z);
    if (st != PL_OK) return st;
    /* -dL/dw_i = (1/n) sum_mu r_mu (a_i / sqrt N) sigma'(z_{mu i}) x_mu */
    st = forward_weights(act, a, 1 / ((double)X.rows * sqrt((double)W.rows)), y, Z, f, r, loss);
    if (st != PL_OK) return st;
    return pl_gemm(PL_TRANS, PL_NOTRANS, 1.0, Z, X, 0.0, G);
}

pl_status pl_ts_gd_step(const pl_ts_act *act, pl_mat W, const double *a, pl_mat X,
                        const double *y, double eta, pl_mat Z, double *f, double *r,
                        double *loss)
{
    pl_status st = pl_gemm(PL_NOTRANS, PL_TRANS, 1.0, X, W, 0.0, Z);
    if (st != PL_OK) return st;
    /* W += eta sqrt(N) G: row i gains (eta a_i / n) sum_mu r_mu sigma'(z_{mu i}) x_mu */
    st = forward_weights(act, a, eta / (double)X.rows, y, Z, f, r, loss);
    if (st != PL_OK) return st;
    return pl_gemm(PL_TRANS, PL_NOTRANS, 1.0, Z, X, 1.0, W);
}

/* ---- one run ------------------------------------------------------------------------------- */

pl_status pl_ts_run_alloc(pl_ts_run *s, const pl_ts_config *c)
{
    memset(s, 0, sizeof *s);
    s->cfg = *c;
    s->W0 = pl_mat_alloc(c->N, c->d);
    s->W1 = pl_mat_alloc(c->N, c->d);
    s->W2 = pl_mat_alloc(c->N, c->d);
    s->B = pl_mat_alloc(c->target.r, c->d);
    s->X = pl_mat_alloc(c->n, c->d);
    s->Z = pl_mat_alloc(c->n, c->N);
    s->a = malloc(c->N * sizeof *s->a);
    s->y = malloc(c->n * sizeof *s->y);
    s->f = malloc(c->n * sizeof *s->f);
    s->res = malloc(c->n * sizeof *s->res);
    if (!s->W0.data || !s->W1.data || !s->W2.data || !s->B.data || !s->X.data || !s->Z.data ||
        !s->a || !s->y || !s->f || !s->res) {
        pl_ts_run_free(s);
        return PL_ENOMEM;
    }
    return PL_OK;
}

void pl_ts_run_free(pl_ts_run *s)
{
    pl_mat_free(&s->W0);
    pl_mat_free(&s->W1);
    pl_mat_free(&s->W2);
    pl_mat_free(&s->B);
    pl_mat_free(&s->X);
    pl_mat_free(&s->Z);
    free(s->a);
    free(s->y);
    free(s->f);
    free(s->res);
    s->a = s->y = s->f = s->res = NULL;
}

static int all_finite(pl_mat W)
{
    for (size_t i = 0; i < W.rows; i++)
        if (!isfinite(pl_nrm2(W.cols, &PL_AT(W, i, 0)))) return 0;
    return 1;
}

pl_status pl_ts_run_train(pl_ts_run *s, pl_rng *rng)
{
    const pl_ts_config *c = &s->cfg;
    pl_rng rt = pl_rng_substream(rng, 1), rw = pl_rng_substream(rng, 2),
           ra = pl_rng_substream(rng, 3), rb1 = pl_rng_substream(rng, 4),
           rb2 = pl_rng_substream(rng, 5);
    pl_status st = pl_ts_sample_teacher(&rt, s->B);
    if (st != PL_OK) return st;
    pl_rng_normal_mat(&rw, s->W0, 1 / sqrt((double)c->d));
    double sa = 1 / sqrt((double)c->N);
    for (size_t i = 0; i < c->N; i++)
        s->a[i] = c->ainit == PL_TS_A_RADEMACHER ? (pl_rng_uniform(&ra) < 0.5 ? -sa : sa)
                                                 : sa * pl_rng_normal(&ra);
    pl_ts_sample_batch(c, s->B, &rb1, s->X, s->y);
    pl_mat_copy(s->W1, s->W0);
    s->failed_step = 0;
    st = pl_ts_gd_step(c->act, s->W1, s->a, s->X, s->y, pl_ts_eta(c, 1), s->Z, s->f, s->res,
                       &s->loss[0]);
    if (st == PL_OK) {
        double u2 = 0; /* ||X^T r / n||: recompute from the residuals */
        double *u = calloc(c->d, sizeof *u);
        if (!u) return PL_ENOMEM;
        pl_gemv(PL_TRANS, 1.0 / (double)c->n, s->X, s->res, 0.0, u);
        u2 = pl_nrm2(c->d, u);
        free(u);
        s->u_norm = u2;
    }
    if (st == PL_OK && !all_finite(s->W1)) st = PL_ENAN;
    if (st != PL_OK) {
        s->failed_step = 1;
        return st;
    }
    if (!c->reuse) pl_ts_sample_batch(c, s->B, &rb2, s->X, s->y);
    pl_mat_copy(s->W2, s->W1);
    st = pl_ts_gd_step(c->act, s->W2, s->a, s->X, s->y, pl_ts_eta(c, 2), s->Z, s->f, s->res,
                       &s->loss[1]);
    if (st == PL_OK && !all_finite(s->W2)) st = PL_ENAN;
    if (st != PL_OK) s->failed_step = 2;
    return st;
}
