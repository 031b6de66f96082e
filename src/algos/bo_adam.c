/* Family 9: two-layer student f(x) = sum_j a_j sigma(u_j . x) trained by Adam on the mean
 * squared loss with hand-derived gradients, rows of U renormalised after every epoch. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/adam.h"
#include "phaselab/bo.h"

pl_status pl_bo_student_init(pl_bo_student *s, pl_rng *rng, size_t d, size_t p,
                             const pl_bo_act_type *act, double a0, double lr, size_t bmax)
{
    memset(s, 0, sizeof *s);
    if (d == 0 || p == 0 || !act || bmax == 0 || !(lr > 0.0)) return PL_EINVAL;
    s->d = d;
    s->p = p;
    s->act = act;
    s->lr = lr;
    s->b1 = 0.9;
    s->b2 = 0.999;
    s->eps = 1e-8;
    s->bmax = bmax;
    s->U = pl_mat_alloc(p, d);
    size_t nd = p * d;
    s->a = calloc(p, sizeof *s->a);
    s->mU = calloc(nd, sizeof(double));
    s->vU = calloc(nd, sizeof(double));
    s->ma = calloc(p, sizeof(double));
    s->va = calloc(p, sizeof(double));
    s->H = malloc(bmax * p * sizeof(double));
    s->G = malloc(bmax * p * sizeof(double));
    s->r = malloc(bmax * sizeof(double));
    if (!s->U.data || !s->a || !s->mU || !s->vU || !s->ma || !s->va || !s->H || !s->G || !s->r) {
        pl_bo_student_free(s);
        return PL_ENOMEM;
    }
    /* PyTorch Linear: U(-1/sqrt(d), 1/sqrt(d)), then divided by sqrt(d) */
    for (size_t i = 0; i < nd; i++)
        s->U.data[i] = (2.0 * pl_rng_uniform(rng) - 1.0) / (double)d;
    for (size_t j = 0; j < p; j++) s->a[j] = a0;
    return PL_OK;
}

void pl_bo_student_free(pl_bo_student *s)
{
    pl_mat_free(&s->U);
    free(s->a);
    free(s->mU);
    free(s->vU);
    free(s->ma);
    free(s->va);
    free(s->H);
    free(s->G);
    free(s->r);
    memset(s, 0, sizeof *s);
}

/* forward on a chunk of at most bmax rows: r = f(x) - y (or f(x) if y == NULL); with grad,
 * H <- sigma(XU^T) and G <- sigma'(XU^T) */
static pl_status forward(pl_bo_student *s, pl_mat X, const double *y, int grad)
{
    size_t b = X.rows, p = s->p;
    pl_mat H = pl_mat_view(s->H, b, p, p);
    pl_status st = pl_gemm(PL_NOTRANS, PL_TRANS, 1.0, X, s->U, 0.0, H);
    if (st != PL_OK) return st;
    for (size_t n = 0; n < b; n++) {
        double *h = s->H + n * p, *g = s->G + n * p, f = 0.0;
        if (grad)
            for (size_t j = 0; j < p; j++) {
                s->act->fdf(h[j], &h[j], &g[j]);
                f += s->a[j] * h[j];
            }
        else
            for (size_t j = 0; j < p; j++) {
                h[j] = s->act->f(h[j], NULL);
                f += s->a[j] * h[j];
            }
        s->r[n] = y ? f - y[n] : f;
    }
    return PL_OK;
}

pl_status pl_bo_student_loss_grad(pl_bo_student *s, pl_mat X, const double *y, double *loss,
                                  pl_mat gU, double *ga)
{
    size_t b = X.rows, p = s->p;
    if (X.cols != s->d || b == 0 || b > s->bmax) return PL_EINVAL;
    int grad = gU.data != NULL || ga != NULL;
    pl_status st = forward(s, X, y, grad);
    if (st != PL_OK) return st;
    double L = 0.0;
    for (size_t n = 0; n < b; n++) L += s->r[n] * s->r[n];
    L /= (double)b;
    if (loss) *loss = L;
    if (!isfinite(L)) return PL_ENAN;
    if (!grad) return PL_OK;
    double c = 2.0 / (double)b;
    pl_mat H = pl_mat_view(s->H, b, p, p);
    /* dL/da_j = (2/b) sum_n r_n sigma(h_nj) */
    if (ga && (st = pl_gemv(PL_TRANS, c, H, s->r, 0.0, ga)) != PL_OK) return st;
    if (gU.data) {
        /* dL/du_j = (2/b) sum_n r_n a_j sigma'(h_nj) x_n */
        for (size_t n = 0; n < b; n++) {
            double *g = s->G + n * p, rn = c * s->r[n];
            for (size_t j = 0; j < p; j++) g[j] *= rn * s->a[j];
        }
        pl_mat G = pl_mat_view(s->G, b, p, p);
        st = pl_gemm(PL_TRANS, PL_NOTRANS, 1.0, G, X, 0.0, gU);
    }
    return st;
}

void pl_bo_student_adam_step(pl_bo_student *s, pl_mat gU, const double *ga)
{
    pl_adam a = {.lr = s->lr, .b1 = s->b1, .b2 = s->b2, .eps = s->eps, .t = s->t};
    pl_adam_tick(&a);
    s->t = a.t;
    /* U and gU are contiguous row-major p x d */
    for (size_t j = 0; j < s->p; j++)
        pl_adam_update(&a, s->d, &PL_AT(s->U, j, 0), &PL_AT(gU, j, 0), s->mU + j * s->d,
                       s->vU + j * s->d);
    pl_adam_update(&a, s->p, s->a, ga, s->ma, s->va);
}

pl_status pl_bo_student_epoch(pl_bo_student *s, pl_mat X, const double *y, size_t nbatch,
                              pl_mat gU, double *ga, double *loss)
{
    size_t n = X.rows, bs = nbatch ? n / nbatch : 0;
    if (nbatch == 0 || bs == 0 || bs > s->bmax) return PL_EINVAL;
    pl_status st = PL_OK;
    for (size_t b = 0; b < nbatch && st == PL_OK; b++) {
        pl_mat Xb = pl_mat_sub(X, b * bs, 0, bs, X.cols);
        st = pl_bo_student_loss_grad(s, Xb, y + b * bs, loss, gU, ga);
        if (st == PL_OK) pl_bo_student_adam_step(s, gU, ga);
    }
    /* row renormalisation to unit norm (u_j . x ~ N(0, 1)) */
    for (size_t j = 0; j < s->p && st == PL_OK; j++) {
        double nr = pl_nrm2(s->d, &PL_AT(s->U, j, 0));
        if (nr > 0.0) pl_scal(s->d, 1.0 / nr, &PL_AT(s->U, j, 0));
    }
    return st;
}

pl_status pl_bo_student_test(pl_bo_student *s, pl_mat X, const double *yclean, double *mse)
{
    double acc = 0.0;
    for (size_t r0 = 0; r0 < X.rows; r0 += s->bmax) {
        size_t m = X.rows - r0 < s->bmax ? X.rows - r0 : s->bmax;
        pl_status st = forward(s, pl_mat_sub(X, r0, 0, m, X.cols), yclean + r0, 0);
        if (st != PL_OK) return st;
        for (size_t n = 0; n < m; n++) acc += s->r[n] * s->r[n];
    }
    *mse = acc / (double)X.rows;
    return isfinite(*mse) ? PL_OK : PL_ENAN;
}

size_t pl_bo_recovered(pl_mat Wt, pl_mat U, double thr)
{
    size_t k = Wt.rows, p = U.rows, cnt = 0;
    for (size_t i = 0; i < k; i++) {
        double wn = pl_nrm2(Wt.cols, &PL_AT(Wt, i, 0)), best = 0.0;
        for (size_t j = 0; j < p; j++) {
            double un = pl_nrm2(U.cols, &PL_AT(U, j, 0));
            double c = fabs(pl_dot(Wt.cols, &PL_AT(Wt, i, 0), &PL_AT(U, j, 0))) / (wn * un);
            if (c > best) best = c;
        }
        if (best > thr) cnt++;
    }
    return cnt;
}
