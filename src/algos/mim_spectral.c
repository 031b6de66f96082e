/* Multi-index spectral methods: the asymmetric matrix L (Arnoldi, matrix-free), the
 * symmetric matrix T (dense eigh for small d p, otherwise Lanczos with the hugely negative
 * label directions deflated), PCA of preprocessed labels. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/mim_internal.h"
#include "phaselab/eigs.h"
#include "phaselab/smallmat.h"

#define P2 (PL_MIM_PMAX * PL_MIM_PMAX)

pl_status pl_mim_label_mats(const pl_mim_link *l, const double *y, size_t n, double *Gy,
                            double *Ty)
{
    size_t p = l->p, q = p * p;
    for (size_t i = 0; i < n; i++) {
        double *G = Gy + i * q;
        pl_status st = pl_mim_G(l, y[i], G);
        if (st != PL_OK) return st;
        for (size_t k = 0; k < q; k++)
            if (!isfinite(G[k])) return PL_ENAN;
        if (Ty) {
            /* T = G (I + G)^{-1} = I - E[z z^T|y]^{-1}, eigenvalues of E clamped at 1e-14 */
            double E[P2], w[PL_MIM_PMAX], U[P2];
            for (size_t k = 0; k < q; k++) E[k] = G[k] + (k % (p + 1) == 0);
            st = pl_small_symeig(p, E, w, U);
            if (st != PL_OK) return st;
            for (size_t a = 0; a < p; a++)
                for (size_t b = 0; b < p; b++) {
                    double s = 0;
                    for (size_t k = 0; k < p; k++)
                        s += U[a * p + k] * (1.0 - 1.0 / fmax(w[k], 1e-14)) * U[b * p + k];
                    Ty[i * q + a * p + b] = s;
                }
        }
    }
    return PL_OK;
}

/* U_i = M_i v_i for blocks M (n x p x p) */
static void apply_blocks(size_t n, size_t p, const double *M, const double *v, double *u)
{
    for (size_t i = 0; i < n; i++) {
        const double *B = M + i * p * p;
        for (size_t a = 0; a < p; a++) {
            double s = 0;
            for (size_t b = 0; b < p; b++) s += B[a * p + b] * v[i * p + b];
            u[i * p + a] = s;
        }
    }
}

pl_status pl_mim_L_matvec(const double *v, double *out, size_t np, void *ctx)
{
    pl_mim_op *op = ctx;
    size_t n = op->X->rows, d = op->X->cols, p = op->p;
    if (np != n * p) return PL_EINVAL;
    apply_blocks(n, p, op->Gy, v, op->buf_np);
    pl_mat U = pl_mat_view(op->buf_np, n, p, p), T = pl_mat_view(op->buf_dp, d, p, p);
    pl_mat O = pl_mat_view(out, n, p, p);
    pl_status st = pl_gemm(PL_TRANS, PL_NOTRANS, 1.0, *op->X, U, 0.0, T);
    if (st == PL_OK) st = pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, *op->X, T, 0.0, O);
    if (st == PL_OK)
        for (size_t i = 0; i < np; i++) out[i] -= op->buf_np[i];
    return st;
}

pl_status pl_mim_T_matvec(const double *w, double *out, size_t dp, void *ctx)
{
    pl_mim_op *op = ctx;
    size_t n = op->X->rows, d = op->X->cols, p = op->p;
    if (dp != d * p) return PL_EINVAL;
    pl_mat W = pl_mat_view((double *)w, d, p, p), A = pl_mat_view(op->buf_np, n, p, p);
    pl_status st = pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, *op->X, W, 0.0, A);
    if (st != PL_OK) return st;
    /* in place U_i = T_i A_i */
    for (size_t i = 0; i < n; i++) {
        const double *B = op->Gy + i * p * p;
        double a[PL_MIM_PMAX];
        memcpy(a, op->buf_np + i * p, p * sizeof *a);
        for (size_t r = 0; r < p; r++) {
            double s = 0;
            for (size_t c = 0; c < p; c++) s += B[r * p + c] * a[c];
            op->buf_np[i * p + r] = s;
        }
    }
    pl_mat O = pl_mat_view(out, d, p, p);
    return pl_gemm(PL_TRANS, PL_NOTRANS, 1.0, *op->X, A, 0.0, O);
}

static void spec_clear(pl_mim_spec_result *res)
{
    memset(res, 0, sizeof *res);
    res->m2 = res->m2_top = NAN;
    for (size_t i = 0; i < 64; i++) res->eig_re[i] = res->eig_im[i] = NAN;
}

/* ---------------------------------------------------------------- asymmetric L */

pl_status pl_mim_asym_spectral(const pl_mim_link *l, const pl_mim_data *D,
                               const pl_mim_spec_opts *o, pl_mim_spec_result *res)
{
    spec_clear(res);
    size_t n = D->n, d = D->d, p = D->p, np = n * p;
    size_t nuse = o->n_use ? o->n_use : 1, k = o->k ? o->k : nuse + 1;
    if (k > 64 || nuse > k || k >= np) return PL_EINVAL;
    double *Gy = malloc(n * p * p * sizeof *Gy), *bnp = malloc(np * sizeof *bnp);
    double *bdp = malloc(d * p * sizeof *bdp);
    pl_mat V = pl_mat_alloc(np, k), E = pl_mat_alloc(d, nuse * p);
    pl_status st = (Gy && bnp && bdp && V.data && E.data) ? PL_OK : PL_ENOMEM;
    if (st == PL_OK) st = pl_mim_label_mats(l, D->y, n, Gy, NULL);
    pl_mim_op op = {&D->X, p, Gy, bnp, bdp};
    pl_status est = PL_OK;
    if (st == PL_OK) {
        pl_eigs_opts eo = pl_eigs_default_opts(k);
        eo.tol = 1e-7;
        eo.max_basis = 2 * k + 30;
        eo.max_restarts = 150;
        eo.seed = o->seed;
        est = pl_arnoldi(pl_mim_L_matvec, &op, np, k, &eo, res->eig_re, res->eig_im, V,
                         &res->nmatvec);
        if (est != PL_OK && est != PL_ENOCONV) st = est;
    }
    if (st == PL_OK) {
        res->k = k;
        /* What_j = X^T mat(G omega_j) */
        double *om = malloc(np * sizeof *om);
        if (!om) st = PL_ENOMEM;
        for (size_t j = 0; j < nuse && st == PL_OK; j++) {
            for (size_t i = 0; i < np; i++) om[i] = PL_AT(V, i, j);
            apply_blocks(n, p, Gy, om, bnp);
            pl_mat U = pl_mat_view(bnp, n, p, p), Ej = pl_mat_sub(E, 0, j * p, d, p);
            st = pl_gemm(PL_TRANS, PL_NOTRANS, 1.0, D->X, U, 0.0, Ej);
        }
        free(om);
        if (st == PL_OK) {
            res->m2 = pl_mim_overlap(E, nuse, D->W);
            pl_mat E1 = pl_mat_sub(E, 0, 0, d, p);
            res->m2_top = pl_mim_overlap(E1, 1, D->W);
        }
    }
    free(Gy);
    free(bnp);
    free(bdp);
    pl_mat_free(&V);
    pl_mat_free(&E);
    res->status = st == PL_OK ? est : st;
    return st;
}

/* ---------------------------------------------------------------- symmetric T */

/* deflated operator: P T_g P with P = I - Q Q^T */
typedef struct {
    pl_mim_op op;
    pl_mat Q;      /* dp x m orthonormal */
    double *c;     /* m */
    double *tmp;   /* dp */
} defl_op;

static void project(const pl_mat *Q, double *c, const double *x, double *y)
{
    size_t dp = Q->rows, m = Q->cols;
    if (y != x) memcpy(y, x, dp * sizeof *y);
    if (m == 0) return;
    pl_gemv(PL_TRANS, 1.0, *Q, x, 0.0, c);
    pl_gemv(PL_NOTRANS, -1.0, *Q, c, 1.0, y);
}

static pl_status defl_matvec(const double *x, double *y, size_t dp, void *ctx)
{
    defl_op *D = ctx;
    project(&D->Q, D->c, x, D->tmp);
    pl_status st = pl_mim_T_matvec(D->tmp, y, dp, &D->op);
    if (st == PL_OK) project(&D->Q, D->c, y, y);
    return st;
}

pl_status pl_mim_sym_spectral(const pl_mim_link *l, const pl_mim_data *D,
                              const pl_mim_spec_opts *o, pl_mim_spec_result *res)
{
    spec_clear(res);
    size_t n = D->n, d = D->d, p = D->p, dp = d * p, q = p * p;
    size_t nuse = o->n_use ? o->n_use : 1, k = o->k ? o->k : nuse + 1;
    if (k > 64 || nuse > k || k >= dp) return PL_EINVAL;
    double *Ty = malloc(n * q * sizeof *Ty), *Gy = malloc(n * q * sizeof *Gy);
    pl_mat Z = pl_mat_alloc(dp, k), E = pl_mat_alloc(d, nuse * p);
    pl_status st = (Ty && Gy && Z.data && E.data) ? PL_OK : PL_ENOMEM;
    if (st == PL_OK) st = pl_mim_label_mats(l, D->y, n, Gy, Ty);
    free(Gy);
    pl_status est = PL_OK;
    size_t dense_max = o->dense_max ? o->dense_max : 2000;
    if (st == PL_OK && dp <= dense_max) {
        /* T[(j mu), (k nu)] = sum_i X_ij X_ik T_i[mu nu]: one gemm per (mu, nu) */
        pl_mat T = pl_mat_alloc(dp, dp), Y = pl_mat_alloc(n, d), C = pl_mat_alloc(d, d);
        st = (T.data && Y.data && C.data) ? PL_OK : PL_ENOMEM;
        for (size_t mu = 0; mu < p && st == PL_OK; mu++)
            for (size_t nu = mu; nu < p && st == PL_OK; nu++) {
                for (size_t i = 0; i < n; i++) {
                    double t = Ty[i * q + mu * p + nu];
                    for (size_t j = 0; j < d; j++) PL_AT(Y, i, j) = t * PL_AT(D->X, i, j);
                }
                st = pl_gemm(PL_TRANS, PL_NOTRANS, 1.0, D->X, Y, 0.0, C);
                for (size_t a = 0; a < d && st == PL_OK; a++)
                    for (size_t b = 0; b < d; b++) {
                        PL_AT(T, a * p + mu, b * p + nu) = PL_AT(C, a, b);
                        PL_AT(T, b * p + nu, a * p + mu) = PL_AT(C, a, b);
                    }
            }
        pl_mat_free(&Y);
        pl_mat_free(&C);
        if (st == PL_OK) st = pl_syev_topk(T, k, res->eig_re, Z);
        pl_mat_free(&T);
    } else if (st == PL_OK) {
        /* deflate the label directions with T_i eigenvalue < -cut: constraint vectors
         * x_i (x) u (u the eigenvector of T_i), removed from T and projected out */
        double cut = o->cut > 0 ? o->cut : 2000.0;
        size_t m = 0, cap = 16;
        double *cv = malloc(cap * dp * sizeof *cv);
        st = cv ? PL_OK : PL_ENOMEM;
        for (size_t i = 0; i < n && st == PL_OK; i++) {
            double w[PL_MIM_PMAX], U[P2];
            st = pl_small_symeig(p, Ty + i * q, w, U);
            for (size_t a = 0; a < p && st == PL_OK; a++) {
                if (w[a] >= -cut) continue;
                if (m == cap) {
                    double *nc = realloc(cv, 2 * cap * dp * sizeof *cv);
                    if (!nc) {
                        st = PL_ENOMEM;
                        break;
                    }
                    cv = nc;
                    cap *= 2;
                }
                for (size_t j = 0; j < d; j++)
                    for (size_t b = 0; b < p; b++)
                        cv[m * dp + j * p + b] = PL_AT(D->X, i, j) * U[b * p + a];
                /* remove w[a] u u^T from T_i */
                for (size_t r = 0; r < p; r++)
                    for (size_t c = 0; c < p; c++)
                        Ty[i * q + r * p + c] -= w[a] * U[r * p + a] * U[c * p + a];
                m++;
            }
        }
        if (m >= dp / 2) st = PL_EUNSUPPORTED;
        defl_op op = {{&D->X, p, Ty, NULL, NULL}, {0}, NULL, NULL};
        double *bnp = malloc(n * p * sizeof *bnp), *bdp = malloc(dp * sizeof *bdp);
        op.op.buf_np = bnp;
        op.op.buf_dp = bdp;
        op.tmp = malloc(dp * sizeof *op.tmp);
        op.c = malloc((m + 1) * sizeof *op.c);
        op.Q = pl_mat_alloc(dp, m ? m : 1);
        op.Q.cols = m;
        if (st == PL_OK && (!bnp || !bdp || !op.tmp || !op.c || !op.Q.data)) st = PL_ENOMEM;
        if (st == PL_OK && m > 0) {
            for (size_t a = 0; a < dp; a++)
                for (size_t b = 0; b < m; b++) PL_AT(op.Q, a, b) = cv[b * dp + a];
            pl_mat R = {0};
            st = pl_qr(op.Q, R);
        }
        free(cv);
        if (st == PL_OK) {
            pl_eigs_opts eo = pl_eigs_default_opts(k);
            eo.tol = 1e-8;
            eo.max_basis = 2 * k + 60;
            eo.max_restarts = 400;
            eo.seed = o->seed;
            est = pl_lanczos(defl_matvec, &op, dp, k, PL_EIG_LARGEST, &eo, res->eig_re, Z,
                             &res->nmatvec);
            if (est != PL_OK && est != PL_ENOCONV) st = est;
        }
        free(bnp);
        free(bdp);
        free(op.tmp);
        free(op.c);
        op.Q.cols = m ? m : 1;
        pl_mat_free(&op.Q);
    }
    if (st == PL_OK) {
        res->k = k;
        for (size_t i = 0; i < k; i++) res->eig_im[i] = 0;
        for (size_t j = 0; j < nuse; j++)
            for (size_t a = 0; a < d; a++)
                for (size_t b = 0; b < p; b++) PL_AT(E, a, j * p + b) = PL_AT(Z, a * p + b, j);
        res->m2 = pl_mim_overlap(E, nuse, D->W);
        pl_mat E1 = pl_mat_sub(E, 0, 0, d, p);
        res->m2_top = pl_mim_overlap(E1, 1, D->W);
    }
    free(Ty);
    pl_mat_free(&Z);
    pl_mat_free(&E);
    res->status = st == PL_OK ? est : st;
    return st;
}

/* ---------------------------------------------------------------- PCA of labels */

typedef struct {
    const pl_mat *X;
    const double *t;
    double *buf;
} pca_op;

static pl_status pca_matvec(const double *x, double *y, size_t d, void *ctx)
{
    pca_op *o = ctx;
    size_t n = o->X->rows;
    pl_status st = pl_gemv(PL_NOTRANS, 1.0, *o->X, x, 0.0, o->buf);
    if (st != PL_OK) return st;
    for (size_t i = 0; i < n; i++) o->buf[i] *= o->t[i];
    (void)d;
    return pl_gemv(PL_TRANS, 1.0, *o->X, o->buf, 0.0, y);
}

pl_status pl_mim_pca_spectral(const pl_mim_data *D, pl_mim_pre pre, const void *pre_ctx,
                              const pl_mim_spec_opts *o, pl_mim_spec_result *res)
{
    spec_clear(res);
    size_t n = D->n, d = D->d, p = D->p;
    size_t nuse = o->n_use ? o->n_use : 1, k = o->k ? o->k : nuse + 1;
    if (k > 64 || nuse > k || k >= d) return PL_EINVAL;
    double *t = malloc(n * sizeof *t), *buf = malloc(n * sizeof *buf);
    pl_mat Z = pl_mat_alloc(d, k);
    pl_status st = (t && buf && Z.data) ? PL_OK : PL_ENOMEM, est = PL_OK;
    for (size_t i = 0; i < n && st == PL_OK; i++) {
        t[i] = pre ? pre(D->y[i], pre_ctx) : D->y[i];
        if (!isfinite(t[i])) st = PL_ENAN;
    }
    if (st == PL_OK && d <= 4000) {
        pl_mat Y = pl_mat_alloc(n, d), C = pl_mat_alloc(d, d);
        st = (Y.data && C.data) ? PL_OK : PL_ENOMEM;
        for (size_t i = 0; i < n && st == PL_OK; i++)
            for (size_t j = 0; j < d; j++) PL_AT(Y, i, j) = t[i] * PL_AT(D->X, i, j);
        if (st == PL_OK) st = pl_gemm(PL_TRANS, PL_NOTRANS, 1.0, D->X, Y, 0.0, C);
        pl_mat_free(&Y);
        if (st == PL_OK) st = pl_syev_topk(C, k, res->eig_re, Z);
        pl_mat_free(&C);
    } else if (st == PL_OK) {
        pca_op op = {&D->X, t, buf};
        pl_eigs_opts eo = pl_eigs_default_opts(k);
        eo.seed = o->seed;
        eo.tol = 1e-8;
        est = pl_lanczos(pca_matvec, &op, d, k, PL_EIG_LARGEST, &eo, res->eig_re, Z,
                         &res->nmatvec);
        if (est != PL_OK && est != PL_ENOCONV) st = est;
    }
    if (st == PL_OK) {
        res->k = k;
        double sum = 0;
        for (size_t j = 0; j < nuse; j++) {
            double nv = 0, m2 = 0;
            for (size_t a = 0; a < d; a++) nv += PL_AT(Z, a, j) * PL_AT(Z, a, j);
            for (size_t b = 0; b < p; b++) {
                double s = 0;
                for (size_t a = 0; a < d; a++) s += PL_AT(Z, a, j) * PL_AT(D->W, a, b);
                m2 += s * s;
            }
            double v = m2 / (nv * (double)d);
            if (j == 0) res->m2_top = v;
            sum += v;
        }
        res->m2 = sum / (double)nuse;
        for (size_t i = 0; i < k; i++) res->eig_im[i] = 0;
    }
    free(t);
    free(buf);
    pl_mat_free(&Z);
    res->status = st == PL_OK ? est : st;
    return st;
}
