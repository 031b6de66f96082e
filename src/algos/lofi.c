/* Neural LoFi at finite width: random expansion, signed covariance, eigen-reduction by
 * modulus, layer stacks with a ridge readout; the convolutional variant (im2col + BLAS). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/eigred.h"
#include "phaselab/lofi.h"

pl_status pl_lofi_expand(pl_lofi_act act, pl_mat H, pl_mat W, double c, pl_mat Z)
{
    if (H.cols != W.rows || Z.rows != H.rows || Z.cols != W.cols || !(c > 0)) return PL_EINVAL;
    pl_status st = pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0 / c, H, W, 0.0, Z);
    double s = 1.0 / sqrt((double)W.cols);
    for (size_t i = 0; st == PL_OK && i < Z.rows; i++) {
        double *z = &PL_AT(Z, i, 0);
        for (size_t j = 0; j < Z.cols; j++) z[j] = s * pl_lofi_act_apply(act, z[j]);
    }
    return st;
}

pl_status pl_lofi_signed_cov(pl_mat Z, const double *w, double scale, double beta, pl_mat C)
{
    size_t n = Z.rows, P = Z.cols;
    if (C.rows != P || C.cols != P) return PL_EINVAL;
    /* Rows in blocks of B >= P (when n allows): every rank update reads and writes all of C
     * (P^2), so a block must bring at least ~P rows of work (2 B P^2 flops) for the update to
     * be compute-bound; positive-weight rows fill the buffer from the top, negative ones from
     * the bottom. */
    size_t B = P < 256 ? 256 : P;
    if (B > n) B = n > 0 ? n : 1;
    pl_mat Buf = pl_mat_alloc(B, P);
    if (!Buf.data) return PL_ENOMEM;
    pl_status st = PL_OK;
    double b = beta;
    for (size_t i0 = 0; st == PL_OK && i0 < n; i0 += B) {
        size_t np = 0, nn = 0;
        for (size_t i = i0; i < n && i < i0 + B; i++) {
            if (w[i] == 0) continue;
            double r = sqrt(fabs(w[i]));
            double *dst = w[i] > 0 ? &PL_AT(Buf, np++, 0) : &PL_AT(Buf, B - 1 - nn++, 0);
            const double *z = &PL_AT(Z, i, 0);
            for (size_t j = 0; j < P; j++) dst[j] = r * z[j];
        }
        if (np) {
            st = pl_syrk(PL_TRANS, scale, pl_mat_sub(Buf, 0, 0, np, P), b, C);
            b = 1.0;
        }
        if (st == PL_OK && nn) {
            st = pl_syrk(PL_TRANS, -scale, pl_mat_sub(Buf, B - nn, 0, nn, P), b, C);
            b = 1.0;
        }
    }
    if (st == PL_OK && b != 1.0) { /* no nonzero weight at all */
        for (size_t i = 0; i < P; i++)
            for (size_t j = 0; j < P; j++) PL_AT(C, i, j) *= beta;
    }
    pl_mat_free(&Buf);
    return st;
}

double pl_lofi_rms_norm(pl_mat H)
{
    double s = 0;
    for (size_t i = 0; i < H.rows; i++) s += pl_dot(H.cols, &PL_AT(H, i, 0), &PL_AT(H, i, 0));
    return sqrt(s / (double)H.rows);
}

pl_status pl_lofi_kernel_reduce(pl_mat G, const double *y, size_t K, double eps, double *w,
                                pl_mat A, pl_mat F)
{
    size_t n = G.rows;
    if (G.cols != n || K == 0 || K > n || !(eps > 0)) return PL_EINVAL;
    if ((A.data && (A.rows != n || A.cols != K)) || (F.data && (F.rows != n || F.cols != K)))
        return PL_EINVAL;
    pl_mat U = pl_mat_alloc(n, n), T = pl_mat_alloc(n, n), S = pl_mat_alloc(n, n);
    pl_mat M = pl_mat_alloc(n, n), B = pl_mat_alloc(n, K), UB = pl_mat_alloc(n, K);
    double *E = malloc(n * sizeof *E);
    pl_status st = (U.data && T.data && S.data && M.data && B.data && UB.data && E)
                       ? PL_OK : PL_ENOMEM;
    if (st == PL_OK) {
        pl_mat_copy(U, G);
        st = pl_syev(U, E);
    }
    if (st == PL_OK) {
        /* G^{1/2} = U diag(sqrt E) U^T with E clipped at eps */
        for (size_t j = 0; j < n; j++) E[j] = E[j] > eps ? E[j] : eps;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) PL_AT(T, i, j) = PL_AT(U, i, j) * sqrt(E[j]);
        st = pl_gemm(PL_NOTRANS, PL_TRANS, 1.0, T, U, 0.0, S);
    }
    if (st == PL_OK) {
        /* M = G^{1/2} diag(y) G^{1/2} */
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) PL_AT(T, i, j) = PL_AT(S, i, j) * y[j];
        st = pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, T, S, 0.0, M);
    }
    if (st == PL_OK) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < i; j++)
                PL_AT(M, i, j) = PL_AT(M, j, i) = 0.5 * (PL_AT(M, i, j) + PL_AT(M, j, i));
        st = pl_eigred_topk_abs(M, K, w, B);
    }
    if (st == PL_OK && F.data) st = pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, S, B, 0.0, F);
    if (st == PL_OK && A.data) {
        /* A = U diag(E^{-1/2}) U^T B */
        st = pl_gemm(PL_TRANS, PL_NOTRANS, 1.0, U, B, 0.0, UB);
        for (size_t i = 0; st == PL_OK && i < n; i++)
            for (size_t k = 0; k < K; k++) PL_AT(UB, i, k) /= sqrt(E[i]);
        if (st == PL_OK) st = pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, U, UB, 0.0, A);
    }
    pl_mat_free(&U);
    pl_mat_free(&T);
    pl_mat_free(&S);
    pl_mat_free(&M);
    pl_mat_free(&B);
    pl_mat_free(&UB);
    free(E);
    return st;
}

const char *pl_lofi_cfg_check(const pl_lofi_cfg *c, int finite, char *buf, size_t len)
{
    if (c->nlayers < 1 || c->nlayers > PL_LOFI_MAXL) {
        snprintf(buf, len, "layers must be in [1, %d] (got %zu)", PL_LOFI_MAXL, c->nlayers);
        return buf;
    }
    for (size_t l = 0; finite && l < c->nlayers; l++) {
        if (c->P[l] < 1) {
            snprintf(buf, len, "P of layer %zu must be >= 1", l + 1);
            return buf;
        }
        if (c->K[l] > c->P[l]) {
            snprintf(buf, len, "K of layer %zu (%zu) must be <= P (%zu)", l + 1, c->K[l],
                     c->P[l]);
            return buf;
        }
    }
    if (!(c->eps > 0)) {
        snprintf(buf, len, "eps must be > 0");
        return buf;
    }
    if (!c->ridge.lambdas || c->ridge.nlambda == 0) {
        snprintf(buf, len, "ridge: empty penalty grid");
        return buf;
    }
    return NULL;
}

pl_status pl_lofi_readout(const pl_ridge_opts *o, pl_mat Ftr, const double *ytr, pl_mat Fte,
                         const double *yte, pl_lofi_out *out)
{
    size_t n = Ftr.rows, nt = Fte.rows, P = Ftr.cols;
    double *coef = malloc(P * sizeof *coef), *pred = malloc((n > nt ? n : nt) * sizeof *pred);
    pl_ridge_result r;
    pl_status st = (coef && pred) ? PL_OK : PL_ENOMEM;
    if (st == PL_OK) st = pl_ridge_fit(Ftr, ytr, o, coef, NULL, &r);
    if (st == PL_OK) st = pl_ridge_predict(Ftr, coef, r.intercept, pred);
    if (st == PL_OK) {
        out->train_mse = pl_lofi_mse(n, pred, ytr);
        st = pl_ridge_predict(Fte, coef, r.intercept, pred);
    }
    if (st == PL_OK) {
        out->test_mse = pl_lofi_mse(nt, pred, yte);
        out->test_acc = pl_lofi_acc(nt, pred, yte);
        out->lambda = r.lambda;
        out->loo_mse = r.loo_mse;
    }
    free(coef);
    free(pred);
    return st;
}

void pl_lofi_out_clear(pl_lofi_out *out)
{
    out->test_mse = out->test_acc = out->train_mse = out->lambda = out->loo_mse = NAN;
    for (size_t l = 0; l < PL_LOFI_MAXL; l++) out->top_eig[l] = NAN;
}

/* Reduce one layer at finite width: (Ztr, Zte) -> (Htr, Hte) with K columns. */
static pl_status fc_reduce(pl_mat Ztr, pl_mat Zte, const double *y, size_t K, double eps,
                           pl_mat Htr, pl_mat Hte, double *top)
{
    size_t n = Ztr.rows, nt = Zte.rows, P = Ztr.cols;
    double *w = malloc(K * sizeof *w);
    pl_status st = w ? PL_OK : PL_ENOMEM;
    if (st == PL_OK && P <= n) {
        pl_mat C = pl_mat_alloc(P, P), V = pl_mat_alloc(P, K);
        st = (C.data && V.data) ? PL_OK : PL_ENOMEM;
        if (st == PL_OK) st = pl_lofi_signed_cov(Ztr, y, 1.0 / (double)n, 0.0, C);
        if (st == PL_OK) st = pl_eigred_topk_abs(C, K, w, V);
        if (st == PL_OK) st = pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, Ztr, V, 0.0, Htr);
        if (st == PL_OK) st = pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, Zte, V, 0.0, Hte);
        if (st == PL_OK) *top = fabs(w[0]);
        pl_mat_free(&C);
        pl_mat_free(&V);
    } else if (st == PL_OK) {
        /* P > n: the same features from the n x n Gram Z Z^T (kernel trick, exact) */
        pl_mat G = pl_mat_alloc(n, n), Gx = pl_mat_alloc(n, nt), A = pl_mat_alloc(n, K);
        st = (G.data && Gx.data && A.data) ? PL_OK : PL_ENOMEM;
        if (st == PL_OK) st = pl_syrk(PL_NOTRANS, 1.0, Ztr, 0.0, G);
        if (st == PL_OK) st = pl_gemm(PL_NOTRANS, PL_TRANS, 1.0, Ztr, Zte, 0.0, Gx);
        if (st == PL_OK) st = pl_lofi_kernel_reduce(G, y, K, eps, w, A, Htr);
        if (st == PL_OK) st = pl_gemm(PL_TRANS, PL_NOTRANS, 1.0, Gx, A, 0.0, Hte);
        if (st == PL_OK) *top = fabs(w[0]) / (double)n;
        pl_mat_free(&G);
        pl_mat_free(&Gx);
        pl_mat_free(&A);
    }
    free(w);
    return st;
}

pl_status pl_lofi_fc_run(const pl_lofi_cfg *c, const pl_lofi_data *d, pl_rng *rng,
                         pl_lofi_out *out)
{
    char buf[128];
    pl_lofi_out_clear(out);
    if (pl_lofi_cfg_check(c, 1, buf, sizeof buf)) return PL_EINVAL;
    size_t n = d->train.X.rows, nt = d->test.X.rows;
    pl_mat Htr = d->train.X, Hte = d->test.X; /* borrowed at layer 0 */
    int own = 0;
    pl_status st = PL_OK;
    for (size_t l = 0; st == PL_OK && l < c->nlayers; l++) {
        size_t m = Htr.cols, P = c->P[l], K = c->K[l];
        pl_rng lr = pl_rng_substream(rng, 1000 + l);
        double cn = pl_lofi_rms_norm(Htr);
        pl_mat W = pl_mat_alloc(m, P), Ztr = pl_mat_alloc(n, P), Zte = pl_mat_alloc(nt, P);
        pl_mat Ntr = {0}, Nte = {0};
        st = (W.data && Ztr.data && Zte.data) ? PL_OK : PL_ENOMEM;
        if (st == PL_OK && !(cn > 0)) st = PL_ENAN;
        if (st == PL_OK) {
            pl_rng_normal_mat(&lr, W, 1.0);
            st = pl_lofi_expand(c->act, Htr, W, cn, Ztr);
        }
        if (st == PL_OK) st = pl_lofi_expand(c->act, Hte, W, cn, Zte);
        if (st == PL_OK && K == 0) {
            Ntr = Ztr;
            Nte = Zte;
            Ztr.data = Zte.data = NULL;
        } else if (st == PL_OK) {
            Ntr = pl_mat_alloc(n, K);
            Nte = pl_mat_alloc(nt, K);
            st = (Ntr.data && Nte.data) ? PL_OK : PL_ENOMEM;
            if (st == PL_OK)
                st = fc_reduce(Ztr, Zte, d->train.y, K, c->eps, Ntr, Nte, &out->top_eig[l]);
        }
        pl_mat_free(&W);
        pl_mat_free(&Ztr);
        pl_mat_free(&Zte);
        if (own) {
            pl_mat_free(&Htr);
            pl_mat_free(&Hte);
        }
        Htr = Ntr;
        Hte = Nte;
        own = 1;
    }
    if (st == PL_OK) st = pl_lofi_readout(&c->ridge, Htr, d->train.y, Hte, d->test.y, out);
    if (own) {
        pl_mat_free(&Htr);
        pl_mat_free(&Hte);
    }
    return st;
}

/* ---- convolutional variant ---------------------------------------------------------- */

void pl_lofi_im2col(const double *img, size_t side, pl_mat patches)
{
    const long h = PL_LOFI_KSIZE / 2, s = (long)side;
    for (long r = 0; r < s; r++)
        for (long q = 0; q < s; q++) {
            double *row = &PL_AT(patches, (size_t)(r * s + q), 0);
            for (long a = 0; a < PL_LOFI_KSIZE; a++)
                for (long b = 0; b < PL_LOFI_KSIZE; b++) {
                    long rr = r + a - h, qq = q + b - h;
                    row[a * PL_LOFI_KSIZE + b] =
                        (rr >= 0 && rr < s && qq >= 0 && qq < s) ? img[rr * s + qq] : 0.0;
                }
        }
}

/* Patches of images i0..i0+B of X (each side^2 x 25) stacked into Pt (B side^2 x 25). */
static void batch_patches(pl_mat X, size_t side, size_t i0, size_t B, pl_mat Pt)
{
    size_t S = side * side;
    for (size_t b = 0; b < B; b++)
        pl_lofi_im2col(&PL_AT(X, i0 + b, 0), side, pl_mat_sub(Pt, b * S, 0, S, Pt.cols));
}

/* Pooled K-channel features of every image of X: rows of F (n x (side/pool)^2 K). */
static pl_status cnn_features(const pl_lofi_cnn_cfg *c, pl_mat X, size_t side, pl_mat W,
                              double cn, pl_mat V, size_t B, pl_mat F)
{
    size_t S = side * side, K = V.cols, ps = side / c->pool, n = X.rows;
    pl_mat Pt = pl_mat_alloc(B * S, PL_LOFI_KSIZE * PL_LOFI_KSIZE);
    pl_mat Z = pl_mat_alloc(B * S, W.cols), Mp = pl_mat_alloc(B * S, K);
    pl_status st = (Pt.data && Z.data && Mp.data) ? PL_OK : PL_ENOMEM;
    for (size_t i0 = 0; st == PL_OK && i0 < n; i0 += B) {
        size_t nb = n - i0 < B ? n - i0 : B;
        pl_mat Pb = pl_mat_sub(Pt, 0, 0, nb * S, Pt.cols), Zb = pl_mat_sub(Z, 0, 0, nb * S, Z.cols);
        pl_mat Mb = pl_mat_sub(Mp, 0, 0, nb * S, K);
        batch_patches(X, side, i0, nb, Pb);
        st = pl_lofi_expand(c->act, Pb, W, cn, Zb);
        if (st == PL_OK) st = pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, Zb, V, 0.0, Mb);
        for (size_t b = 0; st == PL_OK && b < nb; b++) {
            double *f = &PL_AT(F, i0 + b, 0);
            memset(f, 0, F.cols * sizeof *f);
            for (size_t r = 0; r < ps * c->pool; r++)
                for (size_t q = 0; q < ps * c->pool; q++) {
                    const double *m = &PL_AT(Mb, b * S + r * side + q, 0);
                    double *cell = f + ((r / c->pool) * ps + q / c->pool) * K;
                    for (size_t k = 0; k < K; k++)
                        cell[k] += m[k] / (double)(c->pool * c->pool);
                }
        }
    }
    pl_mat_free(&Pt);
    pl_mat_free(&Z);
    pl_mat_free(&Mp);
    return st;
}

pl_status pl_lofi_cnn_run(const pl_lofi_cnn_cfg *c, const pl_lofi_data *d, pl_rng *rng,
                          pl_lofi_out *out, double *eig, pl_mat filters)
{
    pl_lofi_out_clear(out);
    size_t side = d->side, S = side * side, n = d->train.X.rows, KK = PL_LOFI_KSIZE * PL_LOFI_KSIZE;
    if (side < 1 || d->train.X.cols != S || c->P < 1 || c->K < 1 || c->K > c->P ||
        c->pool < 1 || c->pool > side)
        return PL_EINVAL;
    if (filters.data && (filters.rows != c->K || filters.cols != KK)) return PL_EINVAL;
    size_t B = (size_t)(4e6 / (double)(S * c->P));
    B = B < 1 ? 1 : (B > n ? n : B);
    pl_rng lr = pl_rng_substream(rng, 1000);
    pl_mat W = pl_mat_alloc(KK, c->P), C = pl_mat_alloc(c->P, c->P), V = pl_mat_alloc(c->P, c->K);
    pl_mat Pt = pl_mat_alloc(B * S, KK), Z = pl_mat_alloc(B * S, c->P);
    double *w = malloc(c->K * sizeof *w), *yw = malloc(B * S * sizeof *yw);
    pl_status st = (W.data && C.data && V.data && Pt.data && Z.data && w && yw) ? PL_OK
                                                                                 : PL_ENOMEM;
    double cn = 0;
    if (st == PL_OK) {
        pl_rng_normal_mat(&lr, W, 1.0);
        /* c^2: mean squared patch norm over the training (image, position) pairs */
        for (size_t i0 = 0; i0 < n; i0 += B) {
            size_t nb = n - i0 < B ? n - i0 : B;
            pl_mat Pb = pl_mat_sub(Pt, 0, 0, nb * S, KK);
            batch_patches(d->train.X, side, i0, nb, Pb);
            cn += pl_mat_frob2(Pb);
        }
        cn = sqrt(cn / (double)(n * S));
        if (!(cn > 0)) st = PL_ENAN;
    }
    /* signed covariance over all (image, position) pairs, weight = the image's label */
    for (size_t i0 = 0; st == PL_OK && i0 < n; i0 += B) {
        size_t nb = n - i0 < B ? n - i0 : B;
        pl_mat Pb = pl_mat_sub(Pt, 0, 0, nb * S, KK), Zb = pl_mat_sub(Z, 0, 0, nb * S, c->P);
        batch_patches(d->train.X, side, i0, nb, Pb);
        for (size_t b = 0; b < nb; b++)
            for (size_t s = 0; s < S; s++) yw[b * S + s] = d->train.y[i0 + b];
        st = pl_lofi_expand(c->act, Pb, W, cn, Zb);
        if (st == PL_OK)
            st = pl_lofi_signed_cov(Zb, yw, 1.0 / (double)(n * S), i0 == 0 ? 0.0 : 1.0, C);
    }
    pl_mat_free(&Pt);
    pl_mat_free(&Z);
    free(yw);
    if (st == PL_OK) st = pl_eigred_topk_abs(C, c->K, w, V);
    if (st == PL_OK) {
        out->top_eig[0] = fabs(w[0]);
        if (eig) memcpy(eig, w, c->K * sizeof *w);
    }
    if (st == PL_OK && filters.data) {
        /* eigenfilter k: W v_k (25 pixel weights) */
        st = pl_gemm(PL_TRANS, PL_TRANS, 1.0, V, W, 0.0, filters);
    }
    size_t nf = (side / c->pool) * (side / c->pool) * c->K;
    pl_mat Ftr = pl_mat_alloc(n, nf), Fte = pl_mat_alloc(d->test.X.rows, nf);
    if (st == PL_OK && (!Ftr.data || !Fte.data)) st = PL_ENOMEM;
    if (st == PL_OK) st = cnn_features(c, d->train.X, side, W, cn, V, B, Ftr);
    if (st == PL_OK) st = cnn_features(c, d->test.X, side, W, cn, V, B, Fte);
    if (st == PL_OK) st = pl_lofi_readout(&c->ridge, Ftr, d->train.y, Fte, d->test.y, out);
    pl_mat_free(&Ftr);
    pl_mat_free(&Fte);
    pl_mat_free(&W);
    pl_mat_free(&C);
    pl_mat_free(&V);
    free(w);
    return st;
}
