/* Matrix-free eigen-solvers against dense LAPACK (dsyevr / dgeev) and planted spectra. */
#include <complex.h>
#include <lapacke.h>
#include <stdlib.h>
#include <string.h>
#include "phaselab/eigs.h"
#include "phaselab/mat.h"
#include "phaselab/rng.h"
#include "pl_test.h"

typedef struct {
    pl_mat A;
    size_t calls;
} dense_op;

static pl_status dense_matvec(const double *x, double *y, size_t n, void *ctx)
{
    dense_op *op = ctx;
    if (n != op->A.rows) return PL_EINVAL;
    op->calls++;
    return pl_gemv(PL_NOTRANS, 1.0, op->A, x, 0.0, y);
}

static pl_status failing_matvec(const double *x, double *y, size_t n, void *ctx)
{
    (void)x; (void)ctx;
    for (size_t i = 0; i < n; i++) y[i] = NAN;
    return PL_OK;
}

static double col_overlap(pl_mat X, size_t i, pl_mat Y, size_t j)
{
    double s = 0;
    for (size_t r = 0; r < X.rows; r++) s += PL_AT(X, r, i) * PL_AT(Y, r, j);
    return s;
}

/* unit vector with random direction */
static void random_unit(pl_rng *r, double *u, size_t n)
{
    pl_rng_normal_fill(r, u, n, 1.0);
    pl_scal(n, 1.0 / pl_nrm2(n, u), u);
}

/* Lanczos top-k (largest value) against dsyevr on the same matrix. */
static void check_lanczos_vs_dense(pl_mat A, size_t k, const char *what)
{
    size_t n = A.rows;
    pl_mat Ac = pl_mat_alloc(n, n), Z = pl_mat_alloc(n, k), V = pl_mat_alloc(n, k);
    double wref[8], w[8];
    pl_mat_copy(Ac, A);
    CHECK(pl_syev_topk(Ac, k, wref, Z) == PL_OK, "%s: dense reference", what);
    dense_op op = {A, 0};
    size_t nmv = 0;
    pl_status st = pl_lanczos(dense_matvec, &op, n, k, PL_EIG_LARGEST, NULL, w, V, &nmv);
    CHECK(st == PL_OK, "%s: lanczos status %s", what, pl_strerror(st));
    CHECK(nmv == op.calls && nmv > 0, "%s: matvec count %zu vs %zu", what, nmv, op.calls);
    for (size_t i = 0; i < k; i++) {
        CHECK_CLOSE(w[i], wref[i], 1e-8 * fabs(wref[i]), what);
        double ov = fabs(col_overlap(V, i, Z, i));
        CHECK(ov > 1 - 1e-8, "%s: eigenvector %zu overlap 1 - %.3g", what, i, 1 - ov);
        CHECK_CLOSE(col_overlap(V, i, V, i), 1.0, 1e-12, "unit eigenvector");
    }
    printf("  %s (k = %zu): %zu matvecs\n", what, k, nmv);
    pl_mat_free(&Ac); pl_mat_free(&Z); pl_mat_free(&V);
}

static void test_lanczos(void)
{
    pl_rng r;
    pl_rng_init(&r, 11, 0);
    const size_t n = 300;
    pl_mat A = pl_mat_alloc(n, n);
    pl_rng_goe(&r, A, 1.0 / sqrt((double)n)); /* semicircle on [-2, 2]: small top gaps */
    check_lanczos_vs_dense(A, 1, "GOE top-1");
    check_lanczos_vs_dense(A, 5, "GOE top-5");

    /* spiked Wishart-like PSD matrix: an outlier and a bulk */
    pl_mat G = pl_mat_alloc(2 * n, n), W = pl_mat_alloc(n, n);
    pl_rng_normal_mat(&r, G, 1.0 / sqrt(2.0 * n));
    pl_syrk(PL_TRANS, 1.0, G, 0.0, W);
    double u[300];
    random_unit(&r, u, n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) PL_AT(W, i, j) += 4.0 * u[i] * u[j];
    check_lanczos_vs_dense(W, 5, "spiked Wishart top-5");

    /* largest |value|: a large negative outlier beats the positive top */
    pl_mat B = pl_mat_alloc(n, n), Bc = pl_mat_alloc(n, n), E = pl_mat_alloc(n, n);
    pl_mat_copy(B, A);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) PL_AT(B, i, j) -= 6.0 * u[i] * u[j];
    pl_mat_copy(Bc, B);
    double *ev = malloc(n * sizeof(double));
    CHECK(pl_syev(Bc, ev) == PL_OK, "full syev");
    /* dense reference sorted by |value| (ascending order from syev: extremes at both ends) */
    size_t ord[5];
    {
        size_t lo = 0, hi = n - 1;
        for (size_t t = 0; t < 5; t++) ord[t] = fabs(ev[lo]) >= fabs(ev[hi]) ? lo++ : hi--;
    }
    pl_mat V = pl_mat_alloc(n, 5);
    double w[5];
    dense_op op = {B, 0};
    size_t nmv = 0;
    pl_status st = pl_lanczos(dense_matvec, &op, n, 5, PL_EIG_LARGEST_ABS, NULL, w, V, &nmv);
    CHECK(st == PL_OK, "largest-abs status %s", pl_strerror(st));
    CHECK(w[0] < -5.0, "largest-abs picks the negative outlier: %g", w[0]);
    for (size_t t = 0; t < 5; t++) {
        CHECK_CLOSE(w[t], ev[ord[t]], 1e-8 * fabs(ev[ord[t]]), "largest-abs eigenvalue");
        double ov = 0;
        for (size_t i = 0; i < n; i++) ov += PL_AT(V, i, t) * PL_AT(Bc, i, ord[t]);
        CHECK(fabs(ov) > 1 - 1e-8, "largest-abs eigenvector %zu overlap 1 - %.3g", t, 1 - fabs(ov));
    }
    printf("  largest |value| (k = 5): %zu matvecs\n", nmv);
    /* largest algebraic on the same matrix ignores the negative outlier */
    st = pl_lanczos(dense_matvec, &op, n, 1, PL_EIG_LARGEST, NULL, w, V, NULL);
    CHECK(st == PL_OK, "largest status");
    CHECK_CLOSE(w[0], ev[n - 1], 1e-8 * fabs(ev[n - 1]), "largest with negative outlier");

    /* spectrum unbounded below (PR-like 1 - 1/y tail), separated top eigenvalue 1.5 */
    pl_mat Q = pl_mat_alloc(n, n), QD = pl_mat_alloc(n, n);
    CHECK(pl_rng_haar_orthogonal(&r, Q) == PL_OK, "haar");
    double *lam = malloc(n * sizeof(double));
    lam[0] = 1.5;
    for (size_t i = 1; i < n; i++) {
        double z = pl_rng_normal(&r);
        lam[i] = 1.0 - 1.0 / fmax(z * z, 1e-3); /* down to -999 */
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) PL_AT(QD, i, j) = PL_AT(Q, i, j) * lam[j];
    pl_gemm(PL_NOTRANS, PL_TRANS, 1.0, QD, Q, 0.0, E);
    pl_eigs_opts o = pl_eigs_default_opts(1);
    o.max_basis = 60;
    o.max_restarts = 2000;
    op.A = E;
    st = pl_lanczos(dense_matvec, &op, n, 1, PL_EIG_LARGEST, &o, w, V, &nmv);
    CHECK(st == PL_OK, "unbounded-below status %s", pl_strerror(st));
    CHECK_CLOSE(w[0], 1.5, 1e-8 * 1.5, "unbounded-below top eigenvalue");
    {
        double ov = 0;
        for (size_t i = 0; i < n; i++) ov += PL_AT(V, i, 0) * PL_AT(Q, i, 0);
        CHECK(fabs(ov) > 1 - 1e-8, "unbounded-below eigenvector overlap 1 - %.3g", 1 - fabs(ov));
    }
    printf("  unbounded below (min %.1f): %zu matvecs\n", -999.0, nmv);

    /* small operator: basis clamped to n, exact invariant subspace */
    pl_mat Sm = pl_mat_alloc(6, 6), Smc = pl_mat_alloc(6, 6), Vs = pl_mat_alloc(6, 6);
    pl_rng_goe(&r, Sm, 1.0);
    pl_mat_copy(Smc, Sm);
    double ws[6], wsr[6];
    CHECK(pl_syev(Smc, wsr) == PL_OK, "small syev");
    dense_op ops = {Sm, 0};
    st = pl_lanczos(dense_matvec, &ops, 6, 6, PL_EIG_LARGEST, NULL, ws, Vs, NULL);
    CHECK(st == PL_OK, "small full status %s", pl_strerror(st));
    for (size_t i = 0; i < 6; i++) CHECK_CLOSE(ws[i], wsr[5 - i], 1e-10, "small full spectrum");

    /* start vector that is an eigenvector: the invariant subspace is left by a random vector */
    pl_mat Dg = pl_mat_alloc(50, 50);
    for (size_t i = 0; i < 50; i++) PL_AT(Dg, i, i) = (double)i / 10.0;
    double e0[50] = {1.0};
    o = pl_eigs_default_opts(2);
    o.v0 = e0;
    dense_op opd = {Dg, 0};
    pl_mat Vd = pl_mat_alloc(50, 2);
    st = pl_lanczos(dense_matvec, &opd, 50, 2, PL_EIG_LARGEST, &o, w, Vd, NULL);
    CHECK(st == PL_OK, "breakdown status %s", pl_strerror(st));
    CHECK_CLOSE(w[0], 4.9, 1e-10, "breakdown top eigenvalue");
    CHECK_CLOSE(w[1], 4.8, 1e-10, "breakdown second eigenvalue");
    CHECK_CLOSE(PL_AT(Vd, 49, 0), 1.0, 1e-8, "breakdown eigenvector (sign convention)");

    /* budget exhausted: ENOCONV with finite estimates; argument checks; NaN detection */
    o = pl_eigs_default_opts(1);
    o.max_basis = 4;
    o.max_restarts = 1;
    op.A = A;
    st = pl_lanczos(dense_matvec, &op, n, 1, PL_EIG_LARGEST, &o, w, V, NULL);
    CHECK(st == PL_ENOCONV, "budget: %s", pl_strerror(st));
    CHECK(isfinite(w[0]) && w[0] > 0.5, "budget estimate %g", w[0]);
    o.max_basis = 2;
    CHECK(pl_lanczos(dense_matvec, &op, n, 1, PL_EIG_LARGEST, &o, w, V, NULL) == PL_EINVAL,
          "basis too small");
    CHECK(pl_lanczos(dense_matvec, &op, n, 0, PL_EIG_LARGEST, NULL, w, V, NULL) == PL_EINVAL, "k = 0");
    CHECK(pl_lanczos(dense_matvec, &op, n, 6, PL_EIG_LARGEST, NULL, w, V, NULL) == PL_EINVAL,
          "V too narrow");
    CHECK(pl_lanczos(failing_matvec, NULL, n, 1, PL_EIG_LARGEST, NULL, w, pl_mat_view(NULL, 0, 0, 0),
                     NULL) == PL_ENAN, "NaN matvec");

    free(ev); free(lam);
    pl_mat_free(&A); pl_mat_free(&G); pl_mat_free(&W); pl_mat_free(&B); pl_mat_free(&Bc);
    pl_mat_free(&E); pl_mat_free(&V); pl_mat_free(&Q); pl_mat_free(&QD); pl_mat_free(&Sm);
    pl_mat_free(&Smc); pl_mat_free(&Vs); pl_mat_free(&Dg); pl_mat_free(&Vd);
}

/* eigenvalues of a dense general matrix, sorted by descending real part (then imag) */
static void dense_geev_sorted(pl_mat A, double *wr, double *wi)
{
    size_t n = A.rows;
    pl_mat Ac = pl_mat_alloc(n, n);
    pl_mat_copy(Ac, A);
    lapack_int info = LAPACKE_dgeev(LAPACK_ROW_MAJOR, 'N', 'N', (lapack_int)n, Ac.data,
                                    (lapack_int)n, wr, wi, NULL, 1, NULL, 1);
    CHECK(info == 0, "dgeev");
    for (size_t i = 1; i < n; i++) {
        double a = wr[i], b = wi[i];
        size_t j = i;
        while (j > 0 && (wr[j - 1] < a || (wr[j - 1] == a && wi[j - 1] < b))) {
            wr[j] = wr[j - 1]; wi[j] = wi[j - 1]; j--;
        }
        wr[j] = a; wi[j] = b;
    }
    pl_mat_free(&Ac);
}

/* ||A v - lambda v|| for v = V[:, j] + i V[:, j+1] (or the real column when im == 0) */
static double eig_residual(pl_mat A, pl_mat V, size_t j, double re, double im)
{
    size_t n = A.rows;
    double *vr = calloc(n, sizeof(double)), *vi = calloc(n, sizeof(double));
    double *ar = calloc(n, sizeof(double)), *ai = calloc(n, sizeof(double));
    for (size_t i = 0; i < n; i++) {
        vr[i] = PL_AT(V, i, j);
        vi[i] = im != 0 ? PL_AT(V, i, j + 1) : 0.0;
    }
    pl_gemv(PL_NOTRANS, 1.0, A, vr, 0.0, ar);
    pl_gemv(PL_NOTRANS, 1.0, A, vi, 0.0, ai);
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double dr = ar[i] - (re * vr[i] - im * vi[i]);
        double di = ai[i] - (re * vi[i] + im * vr[i]);
        s += dr * dr + di * di;
    }
    free(vr); free(vi); free(ar); free(ai);
    return sqrt(s);
}

static void test_arnoldi(void)
{
    pl_rng r;
    pl_rng_init(&r, 23, 0);
    const size_t n = 300;
    double *wr = malloc(n * sizeof(double)), *wi = malloc(n * sizeof(double));
    double u1[300], u2[300];

    /* real outlier: G/sqrt(n) (circular law of radius 1) + 3 u u^T */
    pl_mat A = pl_mat_alloc(n, n);
    pl_rng_normal_mat(&r, A, 1.0 / sqrt((double)n));
    random_unit(&r, u1, n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) PL_AT(A, i, j) += 3.0 * u1[i] * u1[j];
    dense_geev_sorted(A, wr, wi);
    pl_mat V = pl_mat_alloc(n, 2);
    double re[2], im[2];
    dense_op op = {A, 0};
    size_t nmv = 0;
    pl_status st = pl_arnoldi(dense_matvec, &op, n, 1, NULL, re, im, V, &nmv);
    CHECK(st == PL_OK, "arnoldi real outlier: %s", pl_strerror(st));
    CHECK_CLOSE(re[0], wr[0], 1e-8 * fabs(wr[0]), "arnoldi real outlier");
    CHECK(im[0] == 0.0 && wi[0] == 0.0, "outlier is real: %g %g", im[0], wi[0]);
    CHECK(eig_residual(A, V, 0, re[0], 0.0) < 1e-8, "outlier eigenvector residual %.3g",
          eig_residual(A, V, 0, re[0], 0.0));
    CHECK_CLOSE(col_overlap(V, 0, V, 0), 1.0, 1e-12, "unit eigenvector");
    printf("  arnoldi real outlier %.6f: %zu matvecs\n", re[0], nmv);

    /* complex pair 3 +- i on top: 3 (u1 u1^T + u2 u2^T) + (u2 u1^T - u1 u2^T) */
    random_unit(&r, u2, n);
    double d = pl_dot(n, u1, u2);
    pl_axpy(n, -d, u1, u2);
    pl_scal(n, 1.0 / pl_nrm2(n, u2), u2);
    pl_rng_normal_mat(&r, A, 1.0 / sqrt((double)n));
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            PL_AT(A, i, j) += 3.0 * (u1[i] * u1[j] + u2[i] * u2[j]) + u2[i] * u1[j] - u1[i] * u2[j];
    dense_geev_sorted(A, wr, wi);
    CHECK(wi[0] > 0.5 && wi[1] == -wi[0], "reference top is a pair: %g %g", wi[0], wi[1]);
    op.calls = 0;
    st = pl_arnoldi(dense_matvec, &op, n, 2, NULL, re, im, V, &nmv);
    CHECK(st == PL_OK, "arnoldi pair: %s", pl_strerror(st));
    for (int t = 0; t < 2; t++) {
        CHECK_CLOSE(re[t], wr[t], 1e-8 * fabs(wr[t]), "pair real part");
        CHECK_CLOSE(im[t], wi[t], 1e-8 * fabs(wi[t]), "pair imaginary part");
    }
    double res = eig_residual(A, V, 0, re[0], im[0]);
    CHECK(res < 1e-8, "pair eigenvector residual %.3g", res);
    double nv = col_overlap(V, 0, V, 0) + col_overlap(V, 1, V, 1);
    CHECK_CLOSE(nv, 1.0, 1e-12, "pair eigenvector has unit norm");
    printf("  arnoldi pair %.6f +- %.6fi: %zu matvecs\n", re[0], im[0], nmv);

    /* planted spectrum A = P D P^{-1}: D = diag(2, then uniform on [-1, 1]) */
    pl_mat P = pl_mat_alloc(n, n), PD = pl_mat_alloc(n, n), Pt = pl_mat_alloc(n, n);
    pl_mat At = pl_mat_alloc(n, n);
    pl_rng_normal_mat(&r, P, 0.3 / sqrt((double)n));
    for (size_t i = 0; i < n; i++) PL_AT(P, i, i) += 1.0;
    for (size_t j = 0; j < n; j++) {
        double dj = j == 0 ? 2.0 : 2.0 * pl_rng_uniform(&r) - 1.0;
        for (size_t i = 0; i < n; i++) PL_AT(PD, i, j) = PL_AT(P, i, j) * dj;
    }
    /* A = (P D) P^{-1}  <=>  P^T A^T = (P D)^T */
    pl_mat_transpose(Pt, P);
    pl_mat_transpose(At, PD);
    CHECK(pl_lu_solve(Pt, At) == PL_OK, "lu");
    pl_mat_transpose(A, At);
    op.calls = 0;
    st = pl_arnoldi(dense_matvec, &op, n, 1, NULL, re, im, V, &nmv);
    CHECK(st == PL_OK, "arnoldi planted: %s", pl_strerror(st));
    CHECK_CLOSE(re[0], 2.0, 1e-8 * 2.0, "planted top eigenvalue");
    CHECK(im[0] == 0.0, "planted top is real");
    {   /* eigenvector is P e_0 up to scale */
        double pn = 0, ov = 0;
        for (size_t i = 0; i < n; i++) { pn += PL_AT(P, i, 0) * PL_AT(P, i, 0); ov += PL_AT(P, i, 0) * PL_AT(V, i, 0); }
        CHECK(fabs(ov) / sqrt(pn) > 1 - 1e-8, "planted eigenvector overlap 1 - %.3g", 1 - fabs(ov) / sqrt(pn));
    }
    printf("  arnoldi planted P D P^-1: %zu matvecs\n", nmv);

    /* symmetric input: Arnoldi agrees with Lanczos */
    pl_rng_goe(&r, A, 1.0 / sqrt((double)n));
    double wl[1];
    CHECK(pl_lanczos(dense_matvec, &op, n, 1, PL_EIG_LARGEST, NULL, wl, pl_mat_view(NULL, 0, 0, 0), NULL) == PL_OK, "lanczos");
    st = pl_arnoldi(dense_matvec, &op, n, 1, NULL, re, im, pl_mat_view(NULL, 0, 0, 0), NULL);
    CHECK(st == PL_OK, "arnoldi on symmetric: %s", pl_strerror(st));
    CHECK_CLOSE(re[0], wl[0], 1e-8 * fabs(wl[0]), "arnoldi vs lanczos on GOE");

    CHECK(pl_arnoldi(dense_matvec, &op, n, 1, NULL, NULL, im, V, NULL) == PL_EINVAL, "NULL re");
    free(wr); free(wi);
    pl_mat_free(&A); pl_mat_free(&V); pl_mat_free(&P); pl_mat_free(&PD); pl_mat_free(&Pt);
    pl_mat_free(&At);
}

int main(void)
{
    test_lanczos();
    test_arnoldi();
    return pl_test_done("test_eigs");
}
