/* Top-K eigenpairs by modulus: dense (tridiagonalise once, select, invert) and matrix-free. */
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/eigred.h"

typedef struct {
    double w;
    lapack_int block;
} sel_eig;

/* dstein wants the chosen eigenvalues grouped by split-off block, ascending within a block */
static int cmp_block_value(const void *a, const void *b)
{
    const sel_eig *x = a, *y = b;
    if (x->block != y->block) return x->block < y->block ? -1 : 1;
    return (x->w > y->w) - (x->w < y->w);
}

/* Bisection for the eigenvalues of index il..iu (1-based, ascending) of the tridiagonal. */
static pl_status bisect_range(size_t n, const double *d, const double *e, lapack_int il,
                              lapack_int iu, sel_eig *out, size_t *nout, lapack_int *isplit,
                              lapack_int *nsplit)
{
    if (iu < il) return PL_OK;
    lapack_int m = 0;
    size_t cnt = (size_t)(iu - il + 1);
    double *w = malloc(n * sizeof *w);
    lapack_int *iblock = malloc(n * sizeof *iblock);
    if (!w || !iblock) {
        free(w);
        free(iblock);
        return PL_ENOMEM;
    }
    lapack_int info = LAPACKE_dstebz('I', 'B', (lapack_int)n, 0.0, 0.0, il, iu, 0.0, d, e, &m,
                                     nsplit, w, iblock, isplit);
    pl_status st = (info == 0 && (size_t)m == cnt) ? PL_OK : PL_ELAPACK;
    for (size_t j = 0; st == PL_OK && j < cnt; j++) {
        out[*nout].w = w[j];
        out[*nout].block = iblock[j];
        (*nout)++;
    }
    free(w);
    free(iblock);
    return st;
}

/* Columns of the column-major n x k matrix Z (eigenvalues wz) written into descending-|w|
 * order: w and the row-major V. */
static void order_by_modulus(size_t n, size_t k, const double *wz, const double *Z, double *w,
                             pl_mat V)
{
    int *used = calloc(k, sizeof *used);
    for (size_t j = 0; j < k; j++) {
        size_t best = 0;
        int found = 0;
        for (size_t c = 0; c < k; c++) {
            if (used && used[c]) continue;
            double a = fabs(wz[c]), b = found ? fabs(wz[best]) : -1;
            if (!found || a > b || (a == b && wz[c] > wz[best])) {
                best = c;
                found = 1;
            }
        }
        if (used) used[best] = 1;
        w[j] = wz[best];
        if (!V.data) continue;
        const double *z = Z + best * n;
        size_t imax = 0;
        for (size_t i = 1; i < n; i++)
            if (fabs(z[i]) > fabs(z[imax])) imax = i;
        double sgn = z[imax] < 0 ? -1.0 : 1.0;
        for (size_t i = 0; i < n; i++) PL_AT(V, i, j) = sgn * z[i];
    }
    free(used);
}

/* When inverse iteration fails (tight clusters of eigenvalues): the reflectors left in A by
 * dsytrd give Q (dorgtr), the implicit QL/QR iteration rotates it into all eigenvectors
 * (dsteqr), and the lo lowest and hi highest are kept, as the selective path would have. The
 * tridiagonal (d, e) is copied into dd, ee, which are overwritten. */
static pl_status all_from_tridiagonal(pl_mat A, const double *tau, const double *d,
                                      const double *e, double *dd, double *ee, size_t lo,
                                      size_t hi, double *wz, double *Z)
{
    size_t n = A.rows, ld = A.stride;
    memcpy(dd, d, n * sizeof *dd);
    if (n > 1) memcpy(ee, e, (n - 1) * sizeof *ee);
    if (LAPACKE_dorgtr(LAPACK_COL_MAJOR, 'L', (lapack_int)n, A.data, (lapack_int)ld, tau) != 0 ||
        LAPACKE_dsteqr(LAPACK_COL_MAJOR, 'V', (lapack_int)n, dd, ee, A.data, (lapack_int)ld) != 0)
        return PL_ELAPACK;
    for (size_t j = 0; j < lo + hi; j++) { /* eigenvalues ascending, vectors as columns */
        size_t src = j < lo ? j : n - 1 - (j - lo);
        wz[j] = dd[src];
        memcpy(Z + j * n, A.data + src * ld, n * sizeof *Z);
    }
    return PL_OK;
}

pl_status pl_eigred_topk_abs(pl_mat A, size_t k, double *w, pl_mat V)
{
    size_t n = A.rows;
    if (A.cols != n || k == 0 || k > n || (V.data && (V.rows != n || V.cols < k)))
        return PL_EINVAL;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            if (!isfinite(PL_AT(A, i, j))) return PL_ENAN;
    /* Row-major A read as column-major is A^T = A: tridiagonalise from the 'L' triangle. */
    double *d = malloc(n * sizeof *d), *e = malloc(n * sizeof *e), *tau = malloc(n * sizeof *tau);
    double *ev = malloc(n * sizeof *ev), *ee = malloc(n * sizeof *ee);
    /* wz has n entries, zeroed: LAPACKE_dstein's NaN check reads all n of W, not just m */
    double *wz = calloc(n, sizeof *wz), *Z = malloc(n * k * sizeof *Z);
    sel_eig *sel = malloc(k * sizeof *sel);
    lapack_int *isplit = malloc(n * sizeof *isplit), *iblock = malloc(k * sizeof *iblock);
    lapack_int *ifail = malloc(k * sizeof *ifail);
    pl_status st = (d && e && tau && ev && ee && wz && Z && sel && isplit && iblock && ifail)
                       ? PL_OK
                       : PL_ENOMEM;
    lapack_int ld = (lapack_int)A.stride, nn = (lapack_int)n;
    if (st == PL_OK && LAPACKE_dsytrd(LAPACK_COL_MAJOR, 'L', nn, A.data, ld, d, e, tau) != 0)
        st = PL_ELAPACK;
    /* all eigenvalues of the tridiagonal, ascending: how many to take from each end */
    size_t lo = 0, hi = 0;
    if (st == PL_OK) {
        memcpy(ev, d, n * sizeof *ev);
        if (n > 1) memcpy(ee, e, (n - 1) * sizeof *ee);
        if (LAPACKE_dsterf(nn, ev, ee) != 0) st = PL_ELAPACK;
        while (st == PL_OK && lo + hi < k) {
            if (fabs(ev[n - 1 - hi]) >= fabs(ev[lo]))
                hi++;
            else
                lo++;
        }
    }
    size_t m = 0;
    lapack_int nsplit = 0;
    if (st == PL_OK) st = bisect_range(n, d, e, 1, (lapack_int)lo, sel, &m, isplit, &nsplit);
    if (st == PL_OK)
        st = bisect_range(n, d, e, (lapack_int)(n - hi + 1), nn, sel, &m, isplit, &nsplit);
    if (st == PL_OK) {
        qsort(sel, m, sizeof *sel, cmp_block_value);
        for (size_t j = 0; j < m; j++) {
            wz[j] = sel[j].w;
            iblock[j] = sel[j].block;
        }
        lapack_int info = LAPACKE_dstein(LAPACK_COL_MAJOR, nn, d, e, (lapack_int)m, wz, iblock,
                                         isplit, Z, nn, ifail);
        if (info > 0) /* some vectors did not converge: all eigenpairs, from the same Q */
            st = all_from_tridiagonal(A, tau, d, e, ev, ee, lo, hi, wz, Z);
        else if (info != 0)
            st = PL_ELAPACK;
        else if (LAPACKE_dormtr(LAPACK_COL_MAJOR, 'L', 'L', 'N', nn, (lapack_int)m, A.data, ld,
                                tau, Z, nn) != 0)
            st = PL_ELAPACK;
    }
    if (st == PL_OK) order_by_modulus(n, k, wz, Z, w, V);
    free(d), free(e), free(tau), free(ev), free(ee), free(wz), free(Z), free(sel);
    free(isplit), free(iblock), free(ifail);
    return st;
}

pl_status pl_eigred_topk_abs_mf(pl_matvec A, void *ctx, size_t n, size_t k,
                                const pl_eigs_opts *opts, double *w, pl_mat V,
                                size_t *nmatvec)
{
    return pl_lanczos(A, ctx, n, k, PL_EIG_LARGEST_ABS, opts, w, V, nmatvec);
}
