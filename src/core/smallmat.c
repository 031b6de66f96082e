/* Small dense p x p algebra (row-major). */
#include <math.h>
#include <string.h>

#include "phaselab/mat.h"
#include "phaselab/smallmat.h"

int pl_small_chol(size_t p, const double *A, double *L)
{
    for (size_t i = 0; i < p * p; i++) L[i] = 0;
    for (size_t j = 0; j < p; j++) {
        double s = A[j * p + j];
        for (size_t k = 0; k < j; k++) s -= L[j * p + k] * L[j * p + k];
        if (!(s > 0)) return 0;
        double ljj = sqrt(s);
        L[j * p + j] = ljj;
        for (size_t i = j + 1; i < p; i++) {
            double t = A[i * p + j];
            for (size_t k = 0; k < j; k++) t -= L[i * p + k] * L[j * p + k];
            L[i * p + j] = t / ljj;
        }
    }
    return 1;
}

int pl_small_spd_inv(size_t p, const double *A, double *Ainv, double *logdet)
{
    double L[PL_SMALL_MAX * PL_SMALL_MAX], Li[PL_SMALL_MAX * PL_SMALL_MAX];
    if (p > PL_SMALL_MAX || !pl_small_chol(p, A, L)) return 0;
    double ld = 0;
    for (size_t i = 0; i < p; i++) ld += 2 * log(L[i * p + i]);
    if (logdet) *logdet = ld;
    /* Li = L^{-1} (lower) by forward substitution */
    for (size_t i = 0; i < p * p; i++) Li[i] = 0;
    for (size_t c = 0; c < p; c++) {
        for (size_t i = c; i < p; i++) {
            double s = (i == c) ? 1.0 : 0.0;
            for (size_t k = c; k < i; k++) s -= L[i * p + k] * Li[k * p + c];
            Li[i * p + c] = s / L[i * p + i];
        }
    }
    /* A^{-1} = Li^T Li */
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j <= i; j++) {
            double s = 0;
            for (size_t k = i; k < p; k++) s += Li[k * p + i] * Li[k * p + j];
            Ainv[i * p + j] = Ainv[j * p + i] = s;
        }
    return 1;
}

/* swap rows r and s of an n-column row-major block */
static void swap_rows(double *M, size_t n, size_t r, size_t s)
{
    for (size_t k = 0; k < n; k++) {
        double t = M[r * n + k];
        M[r * n + k] = M[s * n + k];
        M[s * n + k] = t;
    }
}

/* the row of the largest |M[r][c]|, r >= c */
static size_t pivot_row(const double *M, size_t n, size_t p, size_t c)
{
    size_t piv = c;
    for (size_t r = c + 1; r < p; r++)
        if (fabs(M[r * n + c]) > fabs(M[piv * n + c])) piv = r;
    return piv;
}

int pl_small_inv(size_t p, const double *A, double *Ainv)
{
    double M[PL_SMALL_MAX * PL_SMALL_MAX], I[PL_SMALL_MAX * PL_SMALL_MAX];
    if (p > PL_SMALL_MAX) return 0;
    memcpy(M, A, p * p * sizeof *M);
    for (size_t i = 0; i < p * p; i++) I[i] = (i % (p + 1) == 0);
    for (size_t c = 0; c < p; c++) {
        size_t piv = pivot_row(M, p, p, c);
        if (!(fabs(M[piv * p + c]) > 1e-300)) return 0;
        if (piv != c) {
            swap_rows(M, p, c, piv);
            swap_rows(I, p, c, piv);
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
    memcpy(Ainv, I, p * p * sizeof *Ainv);
    return 1;
}

int pl_small_solve(size_t p, const double *A, const double *b, double *x)
{
    double a[PL_SMALL_MAX * (PL_SMALL_MAX + 1)];
    size_t n = p + 1;
    if (p > PL_SMALL_MAX) return 0;
    for (size_t i = 0; i < p; i++) {
        for (size_t j = 0; j < p; j++) a[i * n + j] = A[i * p + j];
        a[i * n + p] = b[i];
    }
    for (size_t c = 0; c < p; c++) {
        size_t piv = pivot_row(a, n, p, c);
        if (!(fabs(a[piv * n + c]) > 1e-300)) return 0;
        swap_rows(a, n, c, piv);
        for (size_t r = 0; r < p; r++) {
            if (r == c) continue;
            double f = a[r * n + c] / a[c * n + c];
            for (size_t j = c; j < n; j++) a[r * n + j] -= f * a[c * n + j];
        }
    }
    double sum = 0;
    for (size_t i = 0; i < p; i++) {
        x[i] = a[i * n + p] / a[i * n + i];
        sum += x[i];
    }
    return isfinite(sum);
}

void pl_small_mm(size_t p, const double *A, const double *B, double *C)
{
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++) {
            double s = 0;
            for (size_t k = 0; k < p; k++) s += A[i * p + k] * B[k * p + j];
            C[i * p + j] = s;
        }
}

void pl_small_mv(size_t p, const double *A, const double *x, double *y)
{
    for (size_t i = 0; i < p; i++) {
        double s = 0;
        for (size_t k = 0; k < p; k++) s += A[i * p + k] * x[k];
        y[i] = s;
    }
}

pl_status pl_small_symeig(size_t p, const double *A, double *w, double *U)
{
    memcpy(U, A, p * p * sizeof *U);
    pl_mat M = pl_mat_view(U, p, p, p);
    return pl_syev(M, w);
}
