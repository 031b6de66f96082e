/* Krylov–Schur eigen-solvers (symmetric: thick-restart Lanczos; general: restarted Arnoldi).
 *
 * Krylov decomposition kept throughout:  A Q_m = Q_m B + q_m b^T,  Q_{m+1} orthonormal,
 * where the (m+1) x m matrix H = [B; b^T] is stored column-major. Expansion adds Arnoldi
 * steps with full (DGKS) reorthogonalisation; a restart replaces Q_m by Q_m U_p for the p
 * wanted Schur (or eigen-) vectors U_p of B, so that B <- U_p^T B U_p (triangular / diagonal)
 * and b <- U_p^T b, and then expands again from p. Small dense matrices are column-major.
 */
#include "phaselab/eigs.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PL_EIGS_BLOCK 256          /* column block of the in-place basis rotation */
#define PL_EIGS_STREAM 0x65696773u /* "eigs": rng stream id */

pl_eigs_opts pl_eigs_default_opts(size_t k)
{
    pl_eigs_opts o;
    o.max_basis = 2 * k + 20;
    o.max_restarts = 500;
    o.tol = 1e-10;
    o.seed = 0x5eed5eedULL;
    o.v0 = NULL;
    return o;
}

/* ---- Krylov basis workspace -------------------------------------------------------- */

typedef struct {
    pl_matvec A;
    void *ctx;
    size_t n, m, ldh;
    double *Q;   /* (m+1) x n, row i is basis vector q_i */
    double *H;   /* (m+1) x m column-major, leading dimension ldh = m + 1 */
    double *w;   /* 2n scratch */
    double *c;   /* m+1 scratch (Gram–Schmidt coefficients) */
    double *tmp; /* m x PL_EIGS_BLOCK scratch for the rotation */
    pl_rng rng;
    size_t nmv;
    double *mem;
} kry_ws;

#define HH(K, i, j) ((K)->H[(size_t)(i) + (size_t)(j) * (K)->ldh])

static pl_status kry_alloc(kry_ws *K, pl_matvec A, void *ctx, size_t n, size_t m, uint64_t seed)
{
    K->A = A;
    K->ctx = ctx;
    K->n = n;
    K->m = m;
    K->ldh = m + 1;
    K->nmv = 0;
    size_t nq = (m + 1) * n, nh = (m + 1) * m, nw = 2 * n, nc = m + 1;
    size_t nt = m * PL_EIGS_BLOCK;
    K->mem = malloc((nq + nh + nw + nc + nt) * sizeof(double));
    if (!K->mem) return PL_ENOMEM;
    K->Q = K->mem;
    K->H = K->Q + nq;
    K->w = K->H + nh;
    K->c = K->w + nw;
    K->tmp = K->c + nc;
    memset(K->H, 0, nh * sizeof(double));
    pl_rng_init(&K->rng, seed, PL_EIGS_STREAM);
    return PL_OK;
}

static void kry_free(kry_ws *K)
{
    free(K->mem);
    K->mem = NULL;
}

/* Orthogonalise w against q_0..q_{nvec-1} by classical Gram–Schmidt, repeated while the norm
 * drops by more than 1/sqrt(2) (DGKS; at least two passes, at most four). The coefficients are
 * added to h[0..nvec-1] when h is not NULL. Returns ||w|| afterwards. */
static double kry_orth(kry_ws *K, size_t nvec, double *w, double *h)
{
    size_t n = K->n;
    double prev = pl_nrm2(n, w), nrm = prev;
    if (nvec == 0) return nrm;
    pl_mat Qv = pl_mat_view(K->Q, nvec, n, n);
    for (int pass = 0; pass < 4; pass++) {
        pl_gemv(PL_NOTRANS, 1.0, Qv, w, 0.0, K->c);
        pl_gemv(PL_TRANS, -1.0, Qv, K->c, 1.0, w);
        if (h)
            for (size_t i = 0; i < nvec; i++) h[i] += K->c[i];
        nrm = pl_nrm2(n, w);
        if (pass >= 1 && nrm > 0.7071067811865476 * prev) break;
        prev = nrm;
    }
    return nrm;
}

/* Basis vector j becomes a random unit vector orthogonal to q_0..q_{j-1}, or zero when the
 * basis already spans the whole space (j == n). */
static void kry_random(kry_ws *K, size_t j)
{
    size_t n = K->n;
    double *q = K->Q + j * n;
    if (j < n) {
        for (int tries = 0; tries < 3; tries++) {
            pl_rng_normal_fill(&K->rng, q, n, 1.0);
            double nrm0 = pl_nrm2(n, q);
            double nrm = kry_orth(K, j, q, NULL);
            if (nrm > 1e-8 * nrm0) {
                pl_scal(n, 1.0 / nrm, q);
                return;
            }
        }
    }
    memset(q, 0, n * sizeof(double));
}

static pl_status kry_start(kry_ws *K, const double *v0)
{
    size_t n = K->n;
    if (v0)
        memcpy(K->Q, v0, n * sizeof(double));
    else
        pl_rng_normal_fill(&K->rng, K->Q, n, 1.0);
    double nrm = pl_nrm2(n, K->Q);
    if (!isfinite(nrm)) return PL_ENAN;
    if (nrm == 0) return PL_EINVAL;
    pl_scal(n, 1.0 / nrm, K->Q);
    return PL_OK;
}

/* Arnoldi steps j = p .. m-1: q_{j+1} from A q_j, coefficients into column j of H. On an
 * (exact or numerical) invariant subspace the new vector is random with H(j+1, j) = 0, which
 * keeps the Krylov decomposition valid. */
static pl_status kry_expand(kry_ws *K, size_t p)
{
    size_t n = K->n;
    for (size_t j = p; j < K->m; j++) {
        pl_status st = K->A(K->Q + j * n, K->w, n, K->ctx);
        K->nmv++;
        if (st != PL_OK) return st;
        double nrm0 = pl_nrm2(n, K->w);
        if (!isfinite(nrm0)) return PL_ENAN;
        double beta = kry_orth(K, j + 1, K->w, &HH(K, 0, j));
        if (nrm0 == 0 || beta <= 1e-12 * nrm0) {
            HH(K, j + 1, j) = 0.0;
            kry_random(K, j + 1);
        } else {
            HH(K, j + 1, j) = beta;
            double *q = K->Q + (j + 1) * n, s = 1.0 / beta;
            for (size_t i = 0; i < n; i++) q[i] = K->w[i] * s;
        }
    }
    return PL_OK;
}

/* Restart: H <- [S; b^T U] (S p x p column-major with leading dimension lds, U m x p with
 * leading dimension m), then q_i <- Q_m U e_i for i < p and q_p <- q_m. */
static void kry_restart(kry_ws *K, const double *S, size_t lds, const double *U, size_t p)
{
    size_t n = K->n, m = K->m;
    double *b = K->c;
    for (size_t j = 0; j < m; j++) b[j] = HH(K, m, j);
    memset(K->H, 0, K->ldh * m * sizeof(double));
    for (size_t j = 0; j < p; j++) {
        for (size_t i = 0; i < p; i++) HH(K, i, j) = S[i + j * lds];
        double s = 0;
        for (size_t i = 0; i < m; i++) s += b[i] * U[i + j * m];
        HH(K, p, j) = s;
    }
    /* U column-major m x p is U^T row-major p x m */
    pl_mat Ut = pl_mat_view((double *)U, p, m, m);
    for (size_t c0 = 0; c0 < n; c0 += PL_EIGS_BLOCK) {
        size_t nb = n - c0 < PL_EIGS_BLOCK ? n - c0 : PL_EIGS_BLOCK;
        pl_mat T = pl_mat_view(K->tmp, p, nb, nb);
        pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, Ut, pl_mat_view(K->Q + c0, m, nb, n), 0.0, T);
        pl_mat_copy(pl_mat_view(K->Q + c0, p, nb, n), T);
    }
    memmove(K->Q + p * n, K->Q + m * n, n * sizeof(double));
}

/* y = Q_m x for x of length m (a Ritz vector from a small eigenvector). */
static void kry_lift(const kry_ws *K, const double *x, double *y)
{
    pl_gemv(PL_TRANS, 1.0, pl_mat_view(K->Q, K->m, K->n, K->n), x, 0.0, y);
}

/* ---- shared helpers ------------------------------------------------------------------ */

static pl_status eigs_setup(pl_matvec A, size_t n, size_t k, const pl_eigs_opts *opts,
                            pl_mat V, pl_eigs_opts *o, size_t *m)
{
    if (!A || n == 0 || k == 0 || k > n) return PL_EINVAL;
    *o = opts ? *opts : pl_eigs_default_opts(k);
    if (!(o->tol > 0) || !isfinite(o->tol)) return PL_EINVAL;
    size_t mm = o->max_basis ? o->max_basis : 2 * k + 20;
    if (mm > n) mm = n;
    if (mm < n && mm < k + 2) return PL_EINVAL;
    if (V.data && (V.rows != n || V.cols < k)) return PL_EINVAL;
    *m = mm;
    return PL_OK;
}

/* Column j of V <- y (length n), after scaling y to unit norm (if nonzero) and flipping its
 * sign so that its largest-modulus entry is positive. */
static void store_real_vector(pl_mat V, size_t j, double *y, size_t n, int normalise)
{
    size_t imax = 0;
    double amax = -1;
    for (size_t i = 0; i < n; i++)
        if (fabs(y[i]) > amax) { amax = fabs(y[i]); imax = i; }
    double s = 1.0;
    if (normalise) {
        double nrm = pl_nrm2(n, y);
        if (nrm > 0) s = 1.0 / nrm;
    }
    if (y[imax] < 0) s = -s;
    for (size_t i = 0; i < n; i++) PL_AT(V, i, j) = s * y[i];
}

/* ---- symmetric: thick-restart Lanczos ------------------------------------------------ */

pl_status pl_lanczos(pl_matvec A, void *ctx, size_t n, size_t k, pl_eig_which which,
                     const pl_eigs_opts *opts, double *w, pl_mat V, size_t *nmatvec)
{
    pl_eigs_opts o;
    size_t m = 0;
    if (nmatvec) *nmatvec = 0;
    if (!w || (which != PL_EIG_LARGEST && which != PL_EIG_LARGEST_ABS)) return PL_EINVAL;
    pl_status st = eigs_setup(A, n, k, opts, V, &o, &m);
    if (st != PL_OK) return st;

    kry_ws K;
    st = kry_alloc(&K, A, ctx, n, m, o.seed);
    if (st != PL_OK) return st;
    double *small = malloc((3 * m * m + 2 * m) * sizeof(double));
    size_t *idx = malloc(m * sizeof(size_t));
    if (!small || !idx) {
        free(small); free(idx); kry_free(&K);
        return PL_ENOMEM;
    }
    double *S = small, *U = S + m * m, *D = U + m * m, *theta = D + m * m, *res = theta + m;

    st = kry_start(&K, o.v0);
    size_t p = 0;
    pl_status result = PL_ENOCONV;
    for (size_t it = 0; st == PL_OK; it++) {
        st = kry_expand(&K, p);
        if (st != PL_OK) break;
        for (size_t j = 0; j < m; j++)
            for (size_t i = 0; i < m; i++) S[i + j * m] = 0.5 * (HH(&K, i, j) + HH(&K, j, i));
        lapack_int info = LAPACKE_dsyev(LAPACK_COL_MAJOR, 'V', 'U', (lapack_int)m, S,
                                        (lapack_int)m, theta);
        if (info != 0) { st = info < 0 ? PL_EINVAL : PL_ELAPACK; break; }
        /* selection order: dsyev is ascending, so descending value is the reverse; for
         * |value| an insertion sort (stable, m is small) */
        for (size_t i = 0; i < m; i++) idx[i] = m - 1 - i;
        if (which == PL_EIG_LARGEST_ABS) {
            for (size_t i = 1; i < m; i++) {
                size_t t = idx[i], j = i;
                while (j > 0 && fabs(theta[idx[j - 1]]) < fabs(theta[t])) { idx[j] = idx[j - 1]; j--; }
                idx[j] = t;
            }
        }
        double scale = 0;
        for (size_t i = 0; i < m; i++) scale = fmax(scale, fabs(theta[i]));
        if (!isfinite(scale)) { st = PL_ENAN; break; }
        size_t nconv = 0;
        for (size_t i = 0; i < m; i++) {
            double r = 0;
            for (size_t l = 0; l < m; l++) r += HH(&K, m, l) * S[l + idx[i] * m];
            res[i] = fabs(r);
            if (i < k && res[i] <= o.tol * scale) nconv++;
        }
        if (nconv == k) { result = PL_OK; break; }
        p = k + (m - k) / 2;
        if (it >= o.max_restarts || p >= m) break;
        for (size_t j = 0; j < p; j++) memcpy(U + j * m, S + idx[j] * m, m * sizeof(double));
        memset(D, 0, p * p * sizeof(double));
        for (size_t j = 0; j < p; j++) D[j + j * p] = theta[idx[j]];
        kry_restart(&K, D, p, U, p);
    }
    if (st == PL_OK) {
        for (size_t i = 0; i < k; i++) w[i] = theta[idx[i]];
        if (V.data) {
            for (size_t i = 0; i < k; i++) {
                kry_lift(&K, S + idx[i] * m, K.w);
                store_real_vector(V, i, K.w, n, 1);
            }
        }
        st = result;
    }
    if (nmatvec) *nmatvec = K.nmv;
    free(small); free(idx); kry_free(&K);
    return st;
}

/* ---- non-symmetric: Krylov–Schur Arnoldi --------------------------------------------- */

/* Ritz vector of the complex pair whose first Schur index is j (wi[j] > 0): X_j + i X_{j+1}
 * lifted to R^n, normalised to unit norm with its largest-modulus entry real positive.
 * Re part into yr, Im part into yi. */
static void ritz_complex(const kry_ws *K, const double *X, size_t j, double *yr, double *yi)
{
    size_t n = K->n, m = K->m;
    kry_lift(K, X + j * m, yr);
    kry_lift(K, X + (j + 1) * m, yi);
    size_t imax = 0;
    double amax = -1, nrm2 = 0;
    for (size_t i = 0; i < n; i++) {
        double a = yr[i] * yr[i] + yi[i] * yi[i];
        nrm2 += a;
        if (a > amax) { amax = a; imax = i; }
    }
    double nrm = sqrt(nrm2), ph = atan2(yi[imax], yr[imax]);
    double cs = cos(ph), sn = sin(ph), s = nrm > 0 ? 1.0 / nrm : 1.0;
    for (size_t i = 0; i < n; i++) {
        double a = yr[i], b = yi[i];
        yr[i] = s * (a * cs + b * sn);
        yi[i] = s * (b * cs - a * sn);
    }
}

pl_status pl_arnoldi(pl_matvec A, void *ctx, size_t n, size_t k, const pl_eigs_opts *opts,
                     double *re, double *im, pl_mat V, size_t *nmatvec)
{
    pl_eigs_opts o;
    size_t m = 0;
    if (nmatvec) *nmatvec = 0;
    if (!re || !im) return PL_EINVAL;
    pl_status st = eigs_setup(A, n, k, opts, V, &o, &m);
    if (st != PL_OK) return st;

    kry_ws K;
    st = kry_alloc(&K, A, ctx, n, m, o.seed);
    if (st != PL_OK) return st;
    double *small = malloc((3 * m * m + 6 * m) * sizeof(double));
    size_t *idx = malloc(m * sizeof(size_t));
    lapack_logical *sel = malloc(m * sizeof(lapack_logical));
    if (!small || !idx || !sel) {
        free(small); free(idx); free(sel); kry_free(&K);
        return PL_ENOMEM;
    }
    double *S = small, *U = S + m * m, *X = U + m * m, *wr = X + m * m, *wi = wr + m;
    double *res = wi + m, *wr2 = res + m, *wi2 = wr2 + m, *work = wi2 + m;

    st = kry_start(&K, o.v0);
    size_t p = 0;
    int ritz_valid = 0; /* X, wr, wi, idx describe the current basis */
    pl_status result = PL_ENOCONV;
    for (size_t it = 0; st == PL_OK; it++) {
        st = kry_expand(&K, p);
        if (st != PL_OK) break;
        for (size_t j = 0; j < m; j++)
            for (size_t i = 0; i < m; i++) S[i + j * m] = HH(&K, i, j);
        lapack_int sdim = 0, mout = 0;
        lapack_int info = LAPACKE_dgees(LAPACK_COL_MAJOR, 'V', 'N', NULL, (lapack_int)m, S,
                                        (lapack_int)m, &sdim, wr, wi, U, (lapack_int)m);
        if (info != 0) { st = info < 0 ? PL_EINVAL : PL_ELAPACK; break; }
        memcpy(X, U, m * m * sizeof(double));
        double dummy = 0;
        info = LAPACKE_dtrevc(LAPACK_COL_MAJOR, 'R', 'B', NULL, (lapack_int)m, S, (lapack_int)m,
                              &dummy, 1, X, (lapack_int)m, (lapack_int)m, &mout);
        if (info != 0) { st = info < 0 ? PL_EINVAL : PL_ELAPACK; break; }
        double scale = 0;
        for (size_t i = 0; i < m; i++) scale = fmax(scale, hypot(wr[i], wi[i]));
        if (!isfinite(scale)) { st = PL_ENAN; break; }
        /* residual of each Ritz pair: |b^T x| / ||x|| for the eigenvector x of B */
        for (size_t j = 0; j < m; j++) {
            const double *xr = X + j * m;
            double br = 0, nr = 0;
            for (size_t l = 0; l < m; l++) { br += HH(&K, m, l) * xr[l]; nr += xr[l] * xr[l]; }
            if (wi[j] != 0 && j + 1 < m) {
                const double *xi = X + (j + 1) * m;
                double bi = 0, ni = 0;
                for (size_t l = 0; l < m; l++) { bi += HH(&K, m, l) * xi[l]; ni += xi[l] * xi[l]; }
                res[j] = res[j + 1] = hypot(br, bi) / sqrt(nr + ni);
                j++;
            } else {
                res[j] = fabs(br) / sqrt(nr);
            }
        }
        /* order: descending real part, then descending imaginary part */
        for (size_t i = 0; i < m; i++) idx[i] = i;
        for (size_t i = 1; i < m; i++) {
            size_t t = idx[i], j = i;
            while (j > 0 && (wr[idx[j - 1]] < wr[t] ||
                             (wr[idx[j - 1]] == wr[t] && wi[idx[j - 1]] < wi[t]))) {
                idx[j] = idx[j - 1];
                j--;
            }
            idx[j] = t;
        }
        ritz_valid = 1;
        size_t nconv = 0;
        for (size_t i = 0; i < k; i++)
            if (res[idx[i]] <= o.tol * scale) nconv++;
        if (nconv == k) { result = PL_OK; break; }
        p = k + (m - k) / 2;
        if (it >= o.max_restarts || p >= m) break;
        /* never split a conjugate pair between kept and discarded (its partner, which has
         * the same real part and wi < 0, sorts right after it); dtrsen keeps a pair together
         * when either member is selected, and reports the kept count in mout */
        if (wi[idx[p - 1]] > 0) p = (p + 1 < m) ? p + 1 : p - 1;
        for (size_t i = 0; i < m; i++) sel[i] = 0;
        for (size_t i = 0; i < p; i++) sel[idx[i]] = 1;
        double s_cond = 0, sep = 0;
        /* S and U are reordered; X, wr, wi, idx still describe the current basis. The _work
         * variant: LAPACKE_dtrsen passes iwork = NULL for job 'N', which dtrsen writes. */
        lapack_int iwork = 0;
        info = LAPACKE_dtrsen_work(LAPACK_COL_MAJOR, 'N', 'V', sel, (lapack_int)m, S,
                                   (lapack_int)m, U, (lapack_int)m, wr2, wi2, &mout, &s_cond,
                                   &sep, work, (lapack_int)m, &iwork, 1);
        if (info != 0) { st = info < 0 ? PL_EINVAL : PL_ELAPACK; break; }
        p = (size_t)mout;
        if (p == 0 || p >= m) break;
        ritz_valid = 0;
        kry_restart(&K, S, m, U, p);
    }
    if (ritz_valid && (st == PL_OK || st == PL_ELAPACK)) {
        for (size_t i = 0; i < k; i++) { re[i] = wr[idx[i]]; im[i] = wi[idx[i]]; }
        if (V.data) {
            double *y1 = K.w, *y2 = K.w + n;
            for (size_t i = 0; i < k; i++) {
                size_t j = idx[i];
                if (wi[j] == 0) {
                    kry_lift(&K, X + j * m, y1);
                    store_real_vector(V, i, y1, n, 1);
                } else {
                    /* the pair's first Schur index holds wi > 0 */
                    ritz_complex(&K, X, wi[j] > 0 ? j : j - 1, y1, y2);
                    const double *y = wi[j] > 0 ? y1 : y2;
                    for (size_t l = 0; l < n; l++) PL_AT(V, l, i) = y[l];
                }
            }
        }
        if (st == PL_OK) st = result;
    }
    if (nmatvec) *nmatvec = K.nmv;
    free(small); free(idx); free(sel); kry_free(&K);
    return st;
}
