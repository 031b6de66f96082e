/* Adam on the tied softmax attention student S = W W^T / sqrt(r d) with hand-derived
 * gradients, single runs and the average of independently started students. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/adam.h"
#include "phaselab/aim.h"

pl_aim_gd_opts pl_aim_gd_default_opts(void)
{
    pl_aim_gd_opts o = {.lr = 0.1, .steps = 1000, .students = 1};
    return o;
}

/* loss and gradient with caller buffers P, Q (n T x r) */
static pl_status loss_grad(const pl_aim_data *D, pl_mat W, double *loss, pl_mat grad, pl_mat P,
                           pl_mat Q)
{
    size_t n = D->n, T = D->T, d = D->d, r = W.cols;
    double srd = sqrt((double)r * (double)d), sd = sqrt((double)d);
    pl_status st = pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, D->X, W, 0.0, P);
    if (st != PL_OK) return st;
    double trS = 0;
    for (size_t i = 0; i < d * r; i++) trS += W.data[i] * W.data[i];
    trS /= srd;
    double h[64 * 64], yh[64 * 64], Gs[64 * 64], L = 0, trG = 0;
    for (size_t mu = 0; mu < n; mu++) {
        const double *y = D->y + mu * T * T;
        for (size_t a = 0; a < T; a++)
            for (size_t b = a; b < T; b++) {
                double v = pl_dot(r, &PL_AT(P, mu * T + a, 0), &PL_AT(P, mu * T + b, 0)) / srd;
                if (a == b) v -= trS;
                h[a * T + b] = h[b * T + a] = v / sd;
            }
        pl_aim_label(PL_AIM_SOFTMAX, T, h, yh);
        /* e = dL/dyhat = 2 (yhat - y)/d ; dL/dh_ab = yhat_ab (e_ab - sum_c yhat_ac e_ac) */
        double Gh[64 * 64];
        for (size_t a = 0; a < T; a++) {
            double s = 0;
            for (size_t c = 0; c < T; c++) {
                double e = yh[a * T + c] - y[a * T + c];
                L += e * e / (double)d;
                s += yh[a * T + c] * 2 * e / (double)d;
            }
            for (size_t b = 0; b < T; b++)
                Gh[a * T + b] = yh[a * T + b] * (2 * (yh[a * T + b] - y[a * T + b]) / (double)d - s);
        }
        for (size_t a = 0; a < T; a++)
            for (size_t b = 0; b < T; b++) Gs[a * T + b] = Gh[a * T + b] + Gh[b * T + a];
        for (size_t a = 0; a < T; a++) {
            trG += Gs[a * T + a];
            double *qa = &PL_AT(Q, mu * T + a, 0);
            memset(qa, 0, r * sizeof *qa);
            for (size_t b = 0; b < T; b++) pl_axpy(r, Gs[a * T + b], &PL_AT(P, mu * T + b, 0), qa);
        }
    }
    *loss = L;
    /* dL/dW = (X^T Gs X W - tr(Gs) W) / (d sqrt r) */
    double sc = 1.0 / ((double)d * sqrt((double)r));
    st = pl_gemm(PL_TRANS, PL_NOTRANS, sc, D->X, Q, 0.0, grad);
    for (size_t i = 0; i < d * r; i++) grad.data[i] -= sc * trG * W.data[i];
    return st;
}

pl_status pl_aim_gd_loss_grad(const pl_aim_data *D, pl_mat W, double *loss, pl_mat grad)
{
    if (D->ch != PL_AIM_SOFTMAX || D->T > 64 || W.rows != D->d || grad.rows != D->d ||
        grad.cols != W.cols)
        return PL_EINVAL;
    pl_mat P = pl_mat_alloc(D->n * D->T, W.cols), Q = pl_mat_alloc(D->n * D->T, W.cols);
    pl_status st = P.data && Q.data ? loss_grad(D, W, loss, grad, P, Q) : PL_ENOMEM;
    pl_mat_free(&P);
    pl_mat_free(&Q);
    return st;
}

pl_status pl_aim_gd(const pl_aim_data *D, const pl_aim_gd_opts *o, pl_rng *rng,
                    pl_aim_gd_result *res)
{
    pl_aim_gd_opts def = pl_aim_gd_default_opts();
    if (!o) o = &def;
    memset(res, 0, sizeof *res);
    res->mse_single = res->mse_avg = res->loss = NAN;
    if (D->ch != PL_AIM_SOFTMAX || D->T > 64 || o->students == 0 || o->steps == 0 ||
        !(o->lr > 0)) {
        snprintf(res->message, sizeof res->message,
                 "Adam needs softmax data with T <= 64, students >= 1, steps >= 1, lr > 0");
        return res->status = PL_EINVAL;
    }
    size_t d = D->d, r = D->r, nT = D->n * D->T;
    pl_mat W = pl_mat_alloc(d, r), G = pl_mat_alloc(d, r), P = pl_mat_alloc(nT, r),
           Q = pl_mat_alloc(nT, r), Ss = pl_mat_alloc(d, d), Sa = pl_mat_alloc(d, d);
    double *m = malloc(d * r * sizeof *m), *v = malloc(d * r * sizeof *v);
    pl_status st = (W.data && G.data && P.data && Q.data && Ss.data && Sa.data && m && v)
                       ? PL_OK
                       : PL_ENOMEM;
    double msum = 0;
    size_t k;
    for (k = 0; k < o->students && st == PL_OK; k++) {
        pl_rng rs = pl_rng_substream(rng, 100 + k);
        for (size_t i = 0; i < d * r; i++) W.data[i] = pl_rng_normal(&rs);
        memset(m, 0, d * r * sizeof *m);
        memset(v, 0, d * r * sizeof *v);
        pl_adam adam = pl_adam_default(o->lr);
        double L = NAN;
        for (size_t t = 0; t < o->steps && st == PL_OK; t++) {
            st = loss_grad(D, W, &L, G, P, Q);
            if (st == PL_OK && !isfinite(L)) st = PL_ENAN;
            if (st == PL_OK) pl_adam_step(&adam, d * r, W.data, G.data, m, v);
        }
        if (st != PL_OK) {
            snprintf(res->message, sizeof res->message, "student %zu: %s", k, pl_strerror(st));
            break;
        }
        res->loss = L;
        st = pl_gemm(PL_NOTRANS, PL_TRANS, 1.0 / sqrt((double)r * (double)d), W, W, 0.0, Ss);
        msum += pl_aim_mse(Ss, D->S);
        for (size_t i = 0; i < d * d; i++) Sa.data[i] += Ss.data[i];
    }
    if (st == PL_OK) {
        for (size_t i = 0; i < d * d; i++) Sa.data[i] /= (double)o->students;
        res->mse_single = msum / (double)o->students;
        res->mse_avg = pl_aim_mse(Sa, D->S);
    }
    res->status = st;
    pl_mat_free(&W);
    pl_mat_free(&G);
    pl_mat_free(&P);
    pl_mat_free(&Q);
    pl_mat_free(&Ss);
    pl_mat_free(&Sa);
    free(m);
    free(v);
    return st == PL_ENOMEM ? st : PL_OK;
}
