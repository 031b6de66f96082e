/* Neural LoFi in the kernel (P -> infinity) limit: NNGP kernels of ReLU (arc-cosine J1, closed
 * form) and sigmoid (tensor Gauss-Hermite), Gram matrices, and the layer stack of
 * reductions G^{1/2} diag(y) G^{1/2} (pl_lofi_kernel_reduce) or lazy NNGP layers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/lofi.h"
#include "phaselab/quad.h"

#define PL_PI 3.14159265358979323846

pl_status pl_lofi_kernel_init(pl_lofi_kernel *k, pl_lofi_act act, size_t nq)
{
    if (nq < 1 || nq > PL_LOFI_NQUAD_MAX) return PL_EINVAL;
    k->act = act;
    k->nq = nq;
    return pl_gauss_hermite(nq, k->x, k->w);
}

double pl_lofi_nngp(const pl_lofi_kernel *k, double q1, double q2, double q12)
{
    if (k->act == PL_LOFI_RELU) {
        if (!(q1 > 0) || !(q2 > 0)) return 0.0;
        double r = sqrt(q1 * q2), ct = q12 / r;
        ct = ct > 1 ? 1 : (ct < -1 ? -1 : ct);
        double t = acos(ct);
        return r / (2 * PL_PI) * (sin(t) + (PL_PI - t) * ct);
    }
    /* sigmoid: s(x) - 1/2 = tanh(x/2)/2 is odd and the rule symmetric, so E[s(a) - 1/2] = 0
     * exactly and K = 1/4 + E[(s(a) - 1/2)(s(b) - 1/2)] keeps the small data-dependent part
     * accurate. a = sqrt(q1) z1, b = rho sqrt(q2) z1 + sqrt(q2 (1 - rho^2)) z2. */
    q1 = q1 > 0 ? q1 : 0;
    q2 = q2 > 0 ? q2 : 0;
    double r1 = sqrt(q1), rho = (q1 > 0 && q2 > 0) ? q12 / sqrt(q1 * q2) : 0;
    rho = rho > 1 ? 1 : (rho < -1 ? -1 : rho);
    double b1 = rho * sqrt(q2), b2 = sqrt(q2 * (1 - rho * rho));
    double acc = 0;
    for (size_t i = 0; i < k->nq; i++) {
        double fa = 0.5 * tanh(0.5 * r1 * k->x[i]), inner = 0;
        for (size_t j = 0; j < k->nq; j++)
            inner += k->w[j] * tanh(0.5 * (b1 * k->x[i] + b2 * k->x[j]));
        acc += k->w[i] * fa * 0.5 * inner;
    }
    return 0.25 + acc;
}

void pl_lofi_nngp_gram(const pl_lofi_kernel *k, pl_mat Lx, const double *d1, const double *d2,
                       double s, pl_mat Gout)
{
    for (size_t i = 0; i < Lx.rows; i++)
        for (size_t j = 0; j < Lx.cols; j++)
            PL_AT(Gout, i, j) = pl_lofi_nngp(k, s * d1[i], s * d2[j], s * PL_AT(Lx, i, j));
}

/* Linear Grams of a representation: L = Htr Htr^T, Lx = Htr Hte^T, ld = row norms^2 of Hte. */
static pl_status linear_grams(pl_mat Htr, pl_mat Hte, pl_mat L, pl_mat Lx, double *ld)
{
    pl_status st = pl_syrk(PL_NOTRANS, 1.0, Htr, 0.0, L);
    if (st == PL_OK) st = pl_gemm(PL_NOTRANS, PL_TRANS, 1.0, Htr, Hte, 0.0, Lx);
    for (size_t j = 0; j < Hte.rows; j++) ld[j] = pl_dot(Hte.cols, &PL_AT(Hte, j, 0), &PL_AT(Hte, j, 0));
    return st;
}

pl_status pl_lofi_kernel_run(const pl_lofi_cfg *c, const pl_lofi_data *d, pl_lofi_out *out)
{
    char buf[128];
    pl_lofi_out_clear(out);
    if (pl_lofi_cfg_check(c, 0, buf, sizeof buf)) return PL_EINVAL;
    size_t n = d->train.X.rows, nt = d->test.X.rows;
    pl_lofi_kernel ker;
    pl_status st = pl_lofi_kernel_init(&ker, c->act, PL_LOFI_NQUAD);
    pl_mat L = pl_mat_alloc(n, n), Lx = pl_mat_alloc(n, nt), G = pl_mat_alloc(n, n),
           Gx = pl_mat_alloc(n, nt);
    double *ld = malloc(nt * sizeof *ld), *dg = malloc(n * sizeof *dg),
           *gd = malloc(nt * sizeof *gd);
    if (st == PL_OK && !(L.data && Lx.data && G.data && Gx.data && ld && dg && gd))
        st = PL_ENOMEM;
    if (st == PL_OK) st = linear_grams(d->train.X, d->test.X, L, Lx, ld);
    for (size_t l = 0; st == PL_OK && l < c->nlayers; l++) {
        size_t K = c->K[l];
        double m = 0;
        for (size_t i = 0; i < n; i++) m += (dg[i] = PL_AT(L, i, i)) / (double)n;
        if (!(m > 0)) {
            st = PL_ENAN;
            break;
        }
        double s = 1.0 / m; /* c^2 = mean ||h||^2 */
        pl_lofi_nngp_gram(&ker, L, dg, dg, s, G);
        pl_lofi_nngp_gram(&ker, Lx, dg, ld, s, Gx);
        for (size_t j = 0; j < nt; j++) gd[j] = pl_lofi_nngp(&ker, s * ld[j], s * ld[j], s * ld[j]);
        int last = l + 1 == c->nlayers;
        if (K == 0) {
            /* lazy layer: the NNGP kernel is the next representation's linear Gram */
            if (last) break;
            pl_mat_copy(L, G);
            pl_mat_copy(Lx, Gx);
            memcpy(ld, gd, nt * sizeof *ld);
            continue;
        }
        pl_mat A = pl_mat_alloc(n, K), F = pl_mat_alloc(n, K), Ft = pl_mat_alloc(nt, K);
        double *w = malloc(K * sizeof *w);
        st = (A.data && F.data && Ft.data && w) ? PL_OK : PL_ENOMEM;
        if (st == PL_OK) st = pl_lofi_kernel_reduce(G, d->train.y, K, c->eps, w, A, F);
        if (st == PL_OK) st = pl_gemm(PL_TRANS, PL_NOTRANS, 1.0, Gx, A, 0.0, Ft);
        if (st == PL_OK) {
            out->top_eig[l] = fabs(w[0]) / (double)n;
            if (last) {
                /* ridge on the K features, as at finite width */
                st = pl_lofi_readout(&c->ridge, F, d->train.y, Ft, d->test.y, out);
            } else {
                st = linear_grams(F, Ft, L, Lx, ld);
            }
        }
        pl_mat_free(&A);
        pl_mat_free(&F);
        pl_mat_free(&Ft);
        free(w);
    }
    if (st == PL_OK && c->K[c->nlayers - 1] == 0) {
        /* last layer lazy: kernel ridge on its NNGP Gram */
        double *alpha = malloc(n * sizeof *alpha), *pred = malloc((n > nt ? n : nt) * sizeof *pred);
        pl_ridge_result r;
        st = (alpha && pred) ? PL_OK : PL_ENOMEM;
        if (st == PL_OK) st = pl_ridge_kernel_fit(G, d->train.y, &c->ridge, alpha, NULL, &r);
        if (st == PL_OK) st = pl_ridge_kernel_predict(G, alpha, r.intercept, pred);
        if (st == PL_OK) {
            out->train_mse = pl_lofi_mse(n, pred, d->train.y);
            st = pl_ridge_kernel_predict(Gx, alpha, r.intercept, pred);
        }
        if (st == PL_OK) {
            out->test_mse = pl_lofi_mse(nt, pred, d->test.y);
            out->test_acc = pl_lofi_acc(nt, pred, d->test.y);
            out->lambda = r.lambda;
            out->loo_mse = r.loo_mse;
        }
        free(alpha);
        free(pred);
    }
    pl_mat_free(&L);
    pl_mat_free(&Lx);
    pl_mat_free(&G);
    pl_mat_free(&Gx);
    free(ld);
    free(dg);
    free(gd);
    return st;
}
