/* Bayes-optimal multi-index GAMP (committee-machine GAMP with a Gaussian prior on the rows of
 * W; [TDD+] / Aubin et al. 2018), with damping, divergence detection and status. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/mim_internal.h"

#define P2 (PL_MIM_PMAX * PL_MIM_PMAX)
#define BLK 256

pl_mim_gamp_opts pl_mim_gamp_default_opts(void)
{
    pl_mim_gamp_opts o = {.damping = 0.65, .tol = 1e-5, .maxit = 200, .plant = 0.0,
                          .blowup = 1e4, .uniform = 1};
    return o;
}

static double overlap_m2(const pl_mat *What, const pl_mat *W)
{
    return pl_mim_overlap(*What, 1, *W);
}

/* C = op(X∘X) B blockwise (never forming X∘X): trans = 0: C (n x m) = (X∘X) B (B d x m);
 * trans = 1: C (d x m) = (X∘X)^T B (B n x m). buf: BLK x d. */
static pl_status sq_gemm(int trans, const pl_mat *X, pl_mat B, pl_mat C, double *buf)
{
    size_t n = X->rows, d = X->cols;
    if (trans) pl_mat_set_zero(C);
    for (size_t i0 = 0; i0 < n; i0 += BLK) {
        size_t nb = n - i0 < BLK ? n - i0 : BLK;
        pl_mat S = pl_mat_view(buf, nb, d, d);
        for (size_t i = 0; i < nb; i++)
            for (size_t j = 0; j < d; j++) {
                double x = PL_AT(*X, i0 + i, j);
                PL_AT(S, i, j) = x * x;
            }
        pl_status st;
        if (!trans) {
            pl_mat Cb = pl_mat_sub(C, i0, 0, nb, C.cols);
            st = pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, S, B, 0.0, Cb);
        } else {
            pl_mat Bb = pl_mat_sub(B, i0, 0, nb, B.cols);
            st = pl_gemm(PL_TRANS, PL_NOTRANS, 1.0, S, Bb, 1.0, C);
        }
        if (st != PL_OK) return st;
    }
    return PL_OK;
}

/* inverse of a p x p matrix by Gauss-Jordan with partial pivoting; 0 if singular */
static int small_inv(size_t p, const double *A, double *Ai)
{
    double M[P2], I[P2];
    memcpy(M, A, p * p * sizeof *M);
    for (size_t i = 0; i < p * p; i++) I[i] = (i % (p + 1) == 0);
    for (size_t c = 0; c < p; c++) {
        size_t piv = c;
        for (size_t r = c + 1; r < p; r++)
            if (fabs(M[r * p + c]) > fabs(M[piv * p + c])) piv = r;
        if (!(fabs(M[piv * p + c]) > 1e-300)) return 0;
        if (piv != c)
            for (size_t k = 0; k < p; k++) {
                double t = M[c * p + k];
                M[c * p + k] = M[piv * p + k];
                M[piv * p + k] = t;
                t = I[c * p + k];
                I[c * p + k] = I[piv * p + k];
                I[piv * p + k] = t;
            }
        double inv = 1.0 / M[c * p + c];
        for (size_t k = 0; k < p; k++) {
            M[c * p + k] *= inv;
            I[c * p + k] *= inv;
        }
        for (size_t r = 0; r < p; r++) {
            if (r == c) continue;
            double f = M[r * p + c];
            if (f == 0) continue;
            for (size_t k = 0; k < p; k++) {
                M[r * p + k] -= f * M[c * p + k];
                I[r * p + k] -= f * I[c * p + k];
            }
        }
    }
    memcpy(Ai, I, p * p * sizeof *Ai);
    return 1;
}

pl_status pl_mim_gamp(const pl_mim_link *l, const pl_mim_data *D, const pl_mim_gamp_opts *o,
                      pl_rng *rng, pl_mat What, double *m2_hist, pl_mim_gamp_result *res)
{
    pl_mim_gamp_opts def = pl_mim_gamp_default_opts();
    if (!o) o = &def;
    memset(res, 0, sizeof *res);
    res->m2 = NAN;
    size_t n = D->n, d = D->d, p = D->p, q = p * p;
    if (What.rows != d || What.cols != p || !(o->damping > 0 && o->damping <= 1))
        return PL_EINVAL;
    pl_mat C = pl_mat_alloc(d, q), Cn = pl_mat_alloc(d, q), V = pl_mat_alloc(n, q);
    pl_mat G = pl_mat_alloc(n, p), DG = pl_mat_alloc(n, q), Om = pl_mat_alloc(n, p);
    pl_mat A = pl_mat_alloc(d, q), B = pl_mat_alloc(d, p), Wn = pl_mat_alloc(d, p);
    pl_mat Gold = pl_mat_alloc(n, p), DGold = pl_mat_alloc(n, q);
    double *buf = malloc((size_t)BLK * d * sizeof *buf);
    pl_status st = (C.data && Cn.data && V.data && G.data && DG.data && Om.data && A.data &&
                    B.data && Wn.data && Gold.data && DGold.data && buf)
                       ? PL_OK
                       : PL_ENOMEM;
    if (st != PL_OK) goto done;
    /* init: What = sqrt(plant) W* + sqrt(1 - plant) 0.1 xi, Chat = (1 - q0) I with q0 the
     * initial norm ||What||^2/(d p) (Nishimori-consistent uninformed start) */
    {
        pl_rng ri = pl_rng_substream(rng, 7);
        double pl = fmin(fmax(o->plant, 0.0), 1.0), s = 0.1 * sqrt(1 - pl);
        for (size_t j = 0; j < d; j++)
            for (size_t a = 0; a < p; a++)
                PL_AT(What, j, a) = sqrt(pl) * PL_AT(D->W, j, a) + s * pl_rng_normal(&ri);
        double q0 = pl + s * s;
        for (size_t j = 0; j < d; j++)
            for (size_t k = 0; k < q; k++) PL_AT(C, j, k) = (k % (p + 1) == 0) ? 1 - q0 : 0;
    }
    pl_mat_set_zero(G);
    if (m2_hist) m2_hist[0] = overlap_m2(&What, &D->W);
    st = PL_ENOCONV;
    size_t t;
    for (t = 0; t < o->maxit; t++) {
        pl_status s2;
        /* V_i = sum_j X_ij^2 Chat_j ; omega = X What - V_i g_i */
        if (o->uniform) {
            /* V_i = mean_j Chat_j for every i (E X_ij^2 = 1/d) */
            double Vm[P2] = {0};
            for (size_t j = 0; j < d; j++)
                for (size_t k = 0; k < q; k++) Vm[k] += PL_AT(C, j, k) / (double)d;
            for (size_t i = 0; i < n; i++) memcpy(&PL_AT(V, i, 0), Vm, q * sizeof *Vm);
            s2 = PL_OK;
        } else {
            s2 = sq_gemm(0, &D->X, C, V, buf);
        }
        if (s2 != PL_OK ||
            (s2 = pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, D->X, What, 0.0, Om)) != PL_OK) {
            st = s2;
            break;
        }
        memcpy(Gold.data, G.data, n * p * sizeof *G.data);
        for (size_t i = 0; i < n && st != PL_ENAN && st != PL_EDIVERGED; i++) {
            double *Vi = &PL_AT(V, i, 0), w[PL_MIM_PMAX];
            for (size_t a = 0; a < p; a++)
                for (size_t b = 0; b < a; b++)
                    Vi[a * p + b] = Vi[b * p + a] = 0.5 * (Vi[a * p + b] + Vi[b * p + a]);
            for (size_t a = 0; a < p; a++) {
                double s = PL_AT(Om, i, a);
                for (size_t b = 0; b < p; b++) s -= Vi[a * p + b] * PL_AT(G, i, b);
                w[a] = s;
            }
            memcpy(&PL_AT(Om, i, 0), w, p * sizeof *w);
            s2 = pl_mim_gout(l, D->y[i], w, Vi, NULL, &PL_AT(G, i, 0), &PL_AT(DG, i, 0));
            if (s2 != PL_OK) {
                st = s2 == PL_EINVAL ? PL_EDIVERGED : s2;
                snprintf(res->message, sizeof res->message,
                         "g_out failed (%s) at sample %zu, iteration %zu: V not positive "
                         "definite or label impossible under the channel",
                         pl_strerror(s2), i, t + 1);
                break;
            }
            for (size_t k = 0; k < p; k++)
                if (!isfinite(PL_AT(G, i, k))) {
                    st = PL_ENAN;
                    snprintf(res->message, sizeof res->message,
                             "NaN in g_out at sample %zu, iteration %zu", i, t + 1);
                }
        }
        if (st == PL_ENAN || st == PL_EDIVERGED || (st != PL_ENOCONV && st != PL_OK)) break;
        /* damping of g and dg as well keeps the Onsager term consistent with the damped
         * estimate */
        if (o->damping < 1 && t > 0) {
            for (size_t i = 0; i < n * p; i++)
                G.data[i] = o->damping * G.data[i] + (1 - o->damping) * Gold.data[i];
            for (size_t i = 0; i < n * q; i++)
                DG.data[i] = o->damping * DG.data[i] + (1 - o->damping) * DGold.data[i];
        }
        memcpy(DGold.data, DG.data, n * q * sizeof *DG.data);
        /* A_j = -sum_i X_ij^2 dg_i ; b_j = sum_i X_ij g_i + A_j What_j */
        for (size_t i = 0; i < n * q; i++) DG.data[i] = -DG.data[i];
        if (o->uniform) {
            double Am[P2] = {0};
            for (size_t i = 0; i < n; i++)
                for (size_t k = 0; k < q; k++) Am[k] += PL_AT(DG, i, k) / (double)d;
            for (size_t j = 0; j < d; j++) memcpy(&PL_AT(A, j, 0), Am, q * sizeof *Am);
            s2 = PL_OK;
        } else {
            s2 = sq_gemm(1, &D->X, DG, A, buf);
        }
        if (s2 != PL_OK ||
            (s2 = pl_gemm(PL_TRANS, PL_NOTRANS, 1.0, D->X, G, 0.0, B)) != PL_OK) {
            st = s2;
            break;
        }
        double diff = 0, nrm = 0;
        int bad = 0;
        for (size_t j = 0; j < d && !bad; j++) {
            double *Aj = &PL_AT(A, j, 0), M[P2], Mi[P2], b[PL_MIM_PMAX];
            for (size_t a = 0; a < p; a++) {
                double s = PL_AT(B, j, a);
                for (size_t c = 0; c < p; c++) s += Aj[a * p + c] * PL_AT(What, j, c);
                b[a] = s;
            }
            for (size_t k = 0; k < q; k++) M[k] = Aj[k] + (k % (p + 1) == 0);
            if (!small_inv(p, M, Mi)) {
                bad = 1;
                break;
            }
            for (size_t a = 0; a < p; a++) {
                double s = 0;
                for (size_t c = 0; c < p; c++) s += Mi[a * p + c] * b[c];
                double nw = s;
                double dd = nw - PL_AT(What, j, a);
                diff += dd * dd;
                nrm += nw * nw;
                PL_AT(Wn, j, a) = nw;
            }
            for (size_t k = 0; k < q; k++)
                PL_AT(Cn, j, k) = Mi[k];
        }
        if (bad) {
            st = PL_EDIVERGED;
            snprintf(res->message, sizeof res->message,
                     "diverged at iteration %zu: I + A singular", t + 1);
            break;
        }
        if (!isfinite(diff) || !isfinite(nrm)) {
            st = PL_ENAN;
            snprintf(res->message, sizeof res->message, "NaN in the estimate at iteration %zu",
                     t + 1);
            break;
        }
        pl_mat_copy(What, Wn);
        pl_mat_copy(C, Cn);
        res->diff = sqrt(diff / (double)d);
        res->m2 = overlap_m2(&What, &D->W);
        if (m2_hist) m2_hist[t + 1] = res->m2;
        if (nrm / (double)d > o->blowup * (double)p) {
            st = PL_EDIVERGED;
            snprintf(res->message, sizeof res->message,
                     "diverged at iteration %zu: ||What||^2/d = %.3g", t + 1, nrm / (double)d);
            t++;
            break;
        }
        if (res->diff < o->tol) {
            st = PL_OK;
            t++;
            break;
        }
    }
    res->iterations = t;
    if (st == PL_ENOCONV)
        snprintf(res->message, sizeof res->message, "not converged after %zu iterations (step %.3g)",
                 t, res->diff);
    res->m2 = overlap_m2(&What, &D->W);
    res->status = st;
done:
    pl_mat_free(&C);
    pl_mat_free(&Cn);
    pl_mat_free(&V);
    pl_mat_free(&G);
    pl_mat_free(&DG);
    pl_mat_free(&Om);
    pl_mat_free(&A);
    pl_mat_free(&B);
    pl_mat_free(&Wn);
    pl_mat_free(&Gold);
    pl_mat_free(&DGold);
    free(buf);
    if (st == PL_ENOMEM) res->status = st;
    return st == PL_ENOMEM || st == PL_EINVAL ? st : PL_OK;
}
