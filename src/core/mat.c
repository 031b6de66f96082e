#include "phaselab/mat.h"

#include <cblas.h>
#include <lapacke.h>
#include <stdlib.h>
#include <string.h>

pl_mat pl_mat_alloc(size_t rows, size_t cols)
{
    pl_mat m = {rows, cols, cols, NULL};
    size_t n = rows * cols;
    m.data = calloc(n ? n : 1, sizeof(double));
    return m;
}

void pl_mat_free(pl_mat *m)
{
    if (!m) return;
    free(m->data);
    m->data = NULL;
    m->rows = m->cols = m->stride = 0;
}

pl_mat pl_mat_view(double *data, size_t rows, size_t cols, size_t stride)
{
    pl_mat m = {rows, cols, stride, data};
    return m;
}

pl_mat pl_mat_sub(pl_mat m, size_t r0, size_t c0, size_t rows, size_t cols)
{
    pl_mat s = {rows, cols, m.stride, m.data + r0 * m.stride + c0};
    return s;
}

void pl_mat_copy(pl_mat dst, pl_mat src)
{
    for (size_t i = 0; i < src.rows; i++)
        memcpy(dst.data + i * dst.stride, src.data + i * src.stride, src.cols * sizeof(double));
}

void pl_mat_set_zero(pl_mat m)
{
    for (size_t i = 0; i < m.rows; i++) memset(m.data + i * m.stride, 0, m.cols * sizeof(double));
}

void pl_mat_set_identity(pl_mat m)
{
    pl_mat_set_zero(m);
    size_t k = m.rows < m.cols ? m.rows : m.cols;
    for (size_t i = 0; i < k; i++) PL_AT(m, i, i) = 1.0;
}

void pl_mat_transpose(pl_mat dst, pl_mat src)
{
    for (size_t i = 0; i < src.rows; i++)
        for (size_t j = 0; j < src.cols; j++) PL_AT(dst, j, i) = PL_AT(src, i, j);
}

double pl_mat_frob2(pl_mat m)
{
    double s = 0;
    for (size_t i = 0; i < m.rows; i++) {
        const double *r = m.data + i * m.stride;
        for (size_t j = 0; j < m.cols; j++) s += r[j] * r[j];
    }
    return s;
}

double pl_mat_trace(pl_mat m)
{
    double s = 0;
    size_t k = m.rows < m.cols ? m.rows : m.cols;
    for (size_t i = 0; i < k; i++) s += PL_AT(m, i, i);
    return s;
}

static CBLAS_TRANSPOSE cbt(pl_trans t) { return t == PL_TRANS ? CblasTrans : CblasNoTrans; }

pl_status pl_gemm(pl_trans ta, pl_trans tb, double alpha, pl_mat A, pl_mat B, double beta, pl_mat C)
{
    size_t m = ta ? A.cols : A.rows, k = ta ? A.rows : A.cols;
    size_t kb = tb ? B.cols : B.rows, n = tb ? B.rows : B.cols;
    if (k != kb || C.rows != m || C.cols != n) return PL_EINVAL;
    if (m == 0 || n == 0) return PL_OK;
    cblas_dgemm(CblasRowMajor, cbt(ta), cbt(tb), (int)m, (int)n, (int)k, alpha, A.data,
                (int)(A.stride ? A.stride : 1), B.data, (int)(B.stride ? B.stride : 1), beta,
                C.data, (int)C.stride);
    return PL_OK;
}

pl_status pl_gemv(pl_trans ta, double alpha, pl_mat A, const double *x, double beta, double *y)
{
    if (A.rows == 0 || A.cols == 0) {
        size_t m = ta ? A.cols : A.rows;
        for (size_t i = 0; i < m; i++) y[i] *= beta;
        return PL_OK;
    }
    cblas_dgemv(CblasRowMajor, cbt(ta), (int)A.rows, (int)A.cols, alpha, A.data, (int)A.stride,
                x, 1, beta, y, 1);
    return PL_OK;
}

pl_status pl_syrk(pl_trans t, double alpha, pl_mat A, double beta, pl_mat C)
{
    size_t n = t ? A.cols : A.rows, k = t ? A.rows : A.cols;
    if (C.rows != n || C.cols != n) return PL_EINVAL;
    cblas_dsyrk(CblasRowMajor, CblasUpper, t ? CblasTrans : CblasNoTrans, (int)n, (int)k, alpha,
                A.data, (int)A.stride, beta, C.data, (int)C.stride);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++) PL_AT(C, i, j) = PL_AT(C, j, i);
    return PL_OK;
}

pl_status pl_syev(pl_mat A, double *w)
{
    if (A.rows != A.cols) return PL_EINVAL;
    if (A.rows == 0) return PL_OK;
    lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)A.rows, A.data,
                                     (lapack_int)A.stride, w);
    return info == 0 ? PL_OK : PL_ELAPACK;
}

pl_status pl_syev_topk(pl_mat A, size_t k, double *w, pl_mat Z)
{
    size_t n = A.rows;
    if (A.cols != n || k == 0 || k > n || Z.rows != n || Z.cols < k) return PL_EINVAL;
    lapack_int m = 0;
    lapack_int *isuppz = malloc(2 * k * sizeof(lapack_int));
    double *wtmp = malloc(n * sizeof(double));
    pl_mat Zt = pl_mat_alloc(n, k);
    if (!isuppz || !wtmp || !Zt.data) {
        free(isuppz); free(wtmp); pl_mat_free(&Zt);
        return PL_ENOMEM;
    }
    lapack_int info = LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'I', 'U', (lapack_int)n, A.data,
                                     (lapack_int)A.stride, 0.0, 0.0, (lapack_int)(n - k + 1),
                                     (lapack_int)n, 0.0, &m, wtmp, Zt.data, (lapack_int)Zt.stride,
                                     isuppz);
    pl_status st = (info == 0 && (size_t)m == k) ? PL_OK : PL_ELAPACK;
    if (st == PL_OK) {
        /* dsyevr returns ascending order; hand back descending */
        for (size_t j = 0; j < k; j++) {
            w[j] = wtmp[k - 1 - j];
            for (size_t i = 0; i < n; i++) PL_AT(Z, i, j) = PL_AT(Zt, i, k - 1 - j);
        }
    }
    free(isuppz); free(wtmp); pl_mat_free(&Zt);
    return st;
}

pl_status pl_svd(pl_mat A, double *s, pl_mat U, pl_mat Vt)
{
    size_t m = A.rows, n = A.cols, r = m < n ? m : n;
    char jobz = (U.data || Vt.data) ? 'S' : 'N';
    pl_mat Ut = {0}, Vtt = {0};
    if (jobz == 'S') {
        Ut = pl_mat_alloc(m, r);
        Vtt = pl_mat_alloc(r, n);
        if (!Ut.data || !Vtt.data) { pl_mat_free(&Ut); pl_mat_free(&Vtt); return PL_ENOMEM; }
    }
    double dummy = 0;
    lapack_int info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, jobz, (lapack_int)m, (lapack_int)n, A.data,
                                     (lapack_int)A.stride, s, Ut.data ? Ut.data : &dummy,
                                     (lapack_int)(Ut.data ? Ut.stride : (m > 1 ? m : 1)),
                                     Vtt.data ? Vtt.data : &dummy,
                                     /* LAPACKE's row-major check wants ldvt >= n even for
                                      * jobz = 'N', where vt is not referenced */
                                     (lapack_int)(Vtt.data ? Vtt.stride : (n > 1 ? n : 1)));
    if (info == 0) {
        if (U.data) pl_mat_copy(U, Ut);
        if (Vt.data) pl_mat_copy(Vt, Vtt);
    }
    pl_mat_free(&Ut);
    pl_mat_free(&Vtt);
    return info == 0 ? PL_OK : PL_ELAPACK;
}

pl_status pl_chol_solve(pl_mat A, pl_mat B)
{
    if (A.rows != A.cols || B.rows != A.rows) return PL_EINVAL;
    lapack_int info = LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', (lapack_int)A.rows,
                                    (lapack_int)B.cols, A.data, (lapack_int)A.stride, B.data,
                                    (lapack_int)B.stride);
    return info == 0 ? PL_OK : PL_ELAPACK;
}

pl_status pl_lu_solve(pl_mat A, pl_mat B)
{
    if (A.rows != A.cols || B.rows != A.rows) return PL_EINVAL;
    lapack_int *ipiv = malloc((A.rows ? A.rows : 1) * sizeof(lapack_int));
    if (!ipiv) return PL_ENOMEM;
    lapack_int info = LAPACKE_dgesv(LAPACK_ROW_MAJOR, (lapack_int)A.rows, (lapack_int)B.cols,
                                    A.data, (lapack_int)A.stride, ipiv, B.data,
                                    (lapack_int)B.stride);
    free(ipiv);
    return info == 0 ? PL_OK : PL_ELAPACK;
}

pl_status pl_qr(pl_mat A, pl_mat R)
{
    size_t m = A.rows, n = A.cols;
    if (m < n) return PL_EINVAL;
    double *tau = malloc((n ? n : 1) * sizeof(double));
    if (!tau) return PL_ENOMEM;
    lapack_int info = LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, (lapack_int)m, (lapack_int)n, A.data,
                                     (lapack_int)A.stride, tau);
    if (info == 0 && R.data) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) PL_AT(R, i, j) = j >= i ? PL_AT(A, i, j) : 0.0;
    }
    if (info == 0)
        info = LAPACKE_dorgqr(LAPACK_ROW_MAJOR, (lapack_int)m, (lapack_int)n, (lapack_int)n,
                              A.data, (lapack_int)A.stride, tau);
    free(tau);
    return info == 0 ? PL_OK : PL_ELAPACK;
}

double pl_dot(size_t n, const double *x, const double *y) { return cblas_ddot((int)n, x, 1, y, 1); }
double pl_nrm2(size_t n, const double *x) { return cblas_dnrm2((int)n, x, 1); }
void pl_axpy(size_t n, double a, const double *x, double *y) { cblas_daxpy((int)n, a, x, 1, y, 1); }
void pl_scal(size_t n, double a, double *x) { cblas_dscal((int)n, a, x, 1); }
