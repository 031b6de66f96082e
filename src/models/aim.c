/* Family 2 — attention-indexed models: teacher and data sampling, attention indices, labels,
 * the error metric, and the multi-layer forward map of the spec's example. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/aim.h"

void pl_aim_label(pl_aim_channel ch, size_t T, const double *h, double *y)
{
    for (size_t a = 0; a < T; a++) {
        const double *ha = h + a * T;
        double *ya = y + a * T, mx = ha[0];
        size_t am = 0;
        for (size_t b = 1; b < T; b++)
            if (ha[b] > mx) {
                mx = ha[b];
                am = b;
            }
        if (ch == PL_AIM_HARDMAX) {
            for (size_t b = 0; b < T; b++) ya[b] = b == am;
            continue;
        }
        double s = 0;
        for (size_t b = 0; b < T; b++) s += ya[b] = exp(ha[b] - mx);
        for (size_t b = 0; b < T; b++) ya[b] /= s;
    }
}

/* h = (X S X^T - Tr S I)/sqrt(d) given P = X S (T x d) */
static void indices_from(pl_mat X, pl_mat P, double trS, double *h)
{
    size_t T = X.rows, d = X.cols;
    double sd = sqrt((double)d);
    for (size_t a = 0; a < T; a++)
        for (size_t b = a; b < T; b++) {
            double v = pl_dot(d, &PL_AT(X, a, 0), &PL_AT(P, b, 0));
            if (a == b) v -= trS;
            h[a * T + b] = h[b * T + a] = v / sd;
        }
}

void pl_aim_indices(pl_mat X, pl_mat S, double *h, double *work)
{
    pl_mat P = pl_mat_view(work, X.rows, X.cols, X.cols);
    pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, X, S, 0.0, P);
    indices_from(X, P, pl_mat_trace(S), h);
}

double pl_aim_mse(pl_mat A, pl_mat B)
{
    double s = 0;
    for (size_t i = 0; i < A.rows; i++)
        for (size_t j = 0; j < A.cols; j++) {
            double t = PL_AT(A, i, j) - PL_AT(B, i, j);
            s += t * t;
        }
    return s / (double)A.rows;
}

void pl_aim_data_free(pl_aim_data *D)
{
    pl_mat_free(&D->X);
    pl_mat_free(&D->S);
    free(D->y);
    D->y = NULL;
}

pl_status pl_aim_data_sample(pl_aim_channel ch, size_t T, double rho, size_t n, size_t d,
                             pl_rng *rng, pl_aim_data *D)
{
    memset(D, 0, sizeof *D);
    if (T < 2 || d < 2 || n == 0 || !(rho > 0) || !isfinite(rho)) return PL_EINVAL;
    size_t r = (size_t)fmax(1.0, round(rho * (double)d));
    D->n = n;
    D->d = d;
    D->T = T;
    D->r = r;
    D->ch = ch;
    pl_mat W = pl_mat_alloc(d, r), P = pl_mat_alloc(T, d);
    D->X = pl_mat_alloc(n * T, d);
    D->S = pl_mat_alloc(d, d);
    D->y = malloc(n * T * T * sizeof *D->y);
    double *h = malloc(T * T * sizeof *h);
    pl_status st = (W.data && P.data && D->X.data && D->S.data && D->y && h) ? PL_OK : PL_ENOMEM;
    if (st == PL_OK) {
        pl_rng rt = pl_rng_substream(rng, 1), rx = pl_rng_substream(rng, 2);
        for (size_t i = 0; i < d * r; i++) W.data[i] = pl_rng_normal(&rt);
        st = pl_gemm(PL_NOTRANS, PL_TRANS, 1.0 / sqrt((double)r * (double)d), W, W, 0.0, D->S);
        for (size_t i = 0; i < n * T * d; i++) D->X.data[i] = pl_rng_normal(&rx);
        double trS = pl_mat_trace(D->S);
        for (size_t mu = 0; mu < n && st == PL_OK; mu++) {
            pl_mat Xm = pl_mat_sub(D->X, mu * T, 0, T, d);
            st = pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, Xm, D->S, 0.0, P);
            indices_from(Xm, P, trS, h);
            pl_aim_label(ch, T, h, D->y + mu * T * T);
        }
    }
    pl_mat_free(&W);
    pl_mat_free(&P);
    free(h);
    if (st != PL_OK) pl_aim_data_free(D);
    return st;
}

pl_status pl_aim_multilayer_forward(size_t L, const pl_mat *S, double c, double beta, pl_mat X,
                                    double *y, double *work)
{
    size_t T = X.rows, d = X.cols;
    if (L == 0 || !(beta > 0)) return PL_EINVAL;
    pl_mat P = pl_mat_view(work, T, d, d), Xn = pl_mat_view(work + T * d, T, d, d);
    double *A = work + 2 * T * d;
    double sd = sqrt((double)d);
    for (size_t l = 0; l < L; l++) {
        pl_status st = pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, X, S[l], 0.0, P);
        if (st != PL_OK) return st;
        /* A = beta X S X^T / sqrt d (no trace subtraction in this example) */
        for (size_t a = 0; a < T; a++)
            for (size_t b = 0; b < T; b++)
                A[a * T + b] = beta * pl_dot(d, &PL_AT(P, a, 0), &PL_AT(X, b, 0)) / sd; /* x_a S x_b */
        pl_aim_label(PL_AIM_SOFTMAX, T, A, y);
        if (l + 1 == L) break;
        /* X <- (c I + softmax(...)) X */
        for (size_t a = 0; a < T; a++)
            for (size_t j = 0; j < d; j++) {
                double s = c * PL_AT(X, a, j);
                for (size_t b = 0; b < T; b++) s += y[a * T + b] * PL_AT(X, b, j);
                PL_AT(Xn, a, j) = s;
            }
        pl_mat_copy(X, Xn);
    }
    return PL_OK;
}
