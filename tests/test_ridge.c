/* Ridge readout: closed-form leave-one-out against brute-force refits, primal (n > P) and
 * dual (P >= n) paths, with and without intercept; kernel form against the feature form. */
#include <math.h>
#include <stdlib.h>

#include "phaselab/mat.h"
#include "phaselab/ridge.h"
#include "phaselab/rng.h"
#include "pl_test.h"

/* Direct solve of the ridge problem on rows != skip: (X_c^T X_c + lambda I) b = X_c^T y_c. */
static void direct_fit(pl_mat X, const double *y, size_t skip, int intercept, double lambda,
                       double *b, double *b0)
{
    size_t n = X.rows, P = X.cols, m = 0;
    double *mu = calloc(P, sizeof *mu), ybar = 0;
    for (size_t i = 0; i < n; i++)
        if (i != skip) {
            m++;
            ybar += y[i];
            for (size_t j = 0; j < P; j++) mu[j] += PL_AT(X, i, j);
        }
    for (size_t j = 0; j < P; j++) mu[j] = intercept ? mu[j] / (double)m : 0;
    ybar = intercept ? ybar / (double)m : 0;
    pl_mat A = pl_mat_alloc(P, P), rhs = pl_mat_alloc(P, 1);
    for (size_t i = 0; i < n; i++) {
        if (i == skip) continue;
        for (size_t j = 0; j < P; j++) {
            double xj = PL_AT(X, i, j) - mu[j];
            PL_AT(rhs, j, 0) += xj * (y[i] - ybar);
            for (size_t k = 0; k < P; k++) PL_AT(A, j, k) += xj * (PL_AT(X, i, k) - mu[k]);
        }
    }
    for (size_t j = 0; j < P; j++) PL_AT(A, j, j) += lambda;
    pl_chol_solve(A, rhs);
    for (size_t j = 0; j < P; j++) b[j] = PL_AT(rhs, j, 0);
    *b0 = ybar - pl_dot(P, mu, b);
    pl_mat_free(&A);
    pl_mat_free(&rhs);
    free(mu);
}

static void check_case(size_t n, size_t P, int intercept, uint64_t seed)
{
    pl_rng rng;
    pl_rng_init(&rng, seed, 7);
    pl_mat X = pl_mat_alloc(n, P);
    double *y = malloc(n * sizeof *y), *coef = malloc(P * sizeof *coef);
    double *b = malloc(P * sizeof *b);
    pl_rng_normal_mat(&rng, X, 1.0);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < P; j++) PL_AT(X, i, j) += 0.5; /* a mean: the intercept matters */
        y[i] = 1.0 + PL_AT(X, i, 0) - 0.5 * PL_AT(X, i, 1) + 0.3 * pl_rng_normal(&rng);
    }
    enum { L = 7 };
    double lam[L], loo[L];
    pl_ridge_log_grid(1e-3, 1e3, L, lam);
    pl_ridge_opts o = {.intercept = intercept, .lambdas = lam, .nlambda = L};
    pl_ridge_result res;
    pl_status st = pl_ridge_fit(X, y, &o, coef, loo, &res);
    CHECK(st == PL_OK, "pl_ridge_fit: %d", (int)st);
    char what[128];
    for (size_t l = 0; l < L; l++) {
        double brute = 0, b0;
        for (size_t i = 0; i < n; i++) {
            direct_fit(X, y, i, intercept, lam[l], b, &b0);
            double e = y[i] - b0 - pl_dot(P, &PL_AT(X, i, 0), b);
            brute += e * e / (double)n;
        }
        snprintf(what, sizeof what, "LOO n=%zu P=%zu icpt=%d lambda=%g", n, P, intercept, lam[l]);
        CHECK_CLOSE(loo[l], brute, 1e-9 * brute, what);
    }
    size_t best = 0;
    for (size_t l = 1; l < L; l++)
        if (loo[l] < loo[best]) best = l;
    CHECK(res.ilambda == best && res.lambda == lam[best], "selected %zu, want %zu", res.ilambda,
          best);
    double b0;
    direct_fit(X, y, (size_t)-1, intercept, res.lambda, b, &b0);
    double err = 0, nb = 0;
    for (size_t j = 0; j < P; j++) {
        err = fmax(err, fabs(coef[j] - b[j]));
        nb = fmax(nb, fabs(b[j]));
    }
    snprintf(what, sizeof what, "coef n=%zu P=%zu icpt=%d", n, P, intercept);
    CHECK_CLOSE(err, 0.0, 1e-9 * (nb + 1), what);
    CHECK_CLOSE(res.intercept, b0, 1e-9 * (fabs(b0) + 1), "intercept");
    if (!intercept) CHECK(res.intercept == 0.0, "intercept without intercept: %g", res.intercept);

    /* kernel form with the linear kernel G = X X^T gives the same LOO and predictions */
    pl_mat G = pl_mat_alloc(n, n);
    pl_syrk(PL_NOTRANS, 1.0, X, 0.0, G);
    double *alpha = malloc(n * sizeof *alpha), kloo[L], *p1 = malloc(n * sizeof *p1),
           *p2 = malloc(n * sizeof *p2);
    pl_ridge_result kres;
    st = pl_ridge_kernel_fit(G, y, &o, alpha, kloo, &kres);
    CHECK(st == PL_OK, "pl_ridge_kernel_fit: %d", (int)st);
    for (size_t l = 0; l < L; l++) CHECK_CLOSE(kloo[l], loo[l], 1e-8 * loo[l], "kernel LOO");
    pl_ridge_predict(X, coef, res.intercept, p1);
    pl_ridge_kernel_predict(G, alpha, kres.intercept, p2); /* G = k(X_train, X_train) */
    for (size_t i = 0; i < n; i++) CHECK_CLOSE(p2[i], p1[i], 1e-8 * (fabs(p1[i]) + 1), "kernel pred");
    /* one penalty without LOO: the Cholesky path gives the same coefficients */
    pl_ridge_opts o1 = {.intercept = intercept, .lambdas = &lam[3], .nlambda = 1};
    pl_ridge_result r1;
    double *c1 = malloc(P * sizeof *c1);
    CHECK(pl_ridge_fit(X, y, &o1, c1, NULL, &r1) == PL_OK && isnan(r1.loo_mse), "direct path");
    direct_fit(X, y, (size_t)-1, intercept, lam[3], b, &b0);
    err = 0;
    for (size_t j = 0; j < P; j++) err = fmax(err, fabs(c1[j] - b[j]));
    CHECK_CLOSE(err, 0.0, 1e-9 * (nb + 1), "direct coef");
    CHECK_CLOSE(r1.intercept, b0, 1e-9 * (fabs(b0) + 1), "direct intercept");
    free(c1);
    pl_mat_free(&G);
    free(alpha);
    free(p1);
    free(p2);
    pl_mat_free(&X);
    free(y);
    free(coef);
    free(b);
}

int main(void)
{
    check_case(40, 6, 1, 1);  /* primal */
    check_case(40, 6, 0, 2);
    check_case(15, 30, 1, 3); /* dual */
    check_case(15, 30, 0, 4);
    check_case(20, 20, 1, 5); /* n = P: dual, X_c rank n - 1 */

    /* bad input */
    double lam = -1, y[3] = {0}, c[2];
    pl_mat X = pl_mat_alloc(3, 2);
    pl_ridge_opts o = {.intercept = 1, .lambdas = &lam, .nlambda = 1};
    pl_ridge_result r;
    CHECK(pl_ridge_fit(X, y, &o, c, NULL, &r) == PL_EINVAL, "negative lambda accepted");
    o.nlambda = 0;
    CHECK(pl_ridge_fit(X, y, &o, c, NULL, &r) == PL_EINVAL, "empty grid accepted");
    lam = 1;
    o.nlambda = 1;
    PL_AT(X, 1, 1) = NAN;
    CHECK(pl_ridge_fit(X, y, &o, c, NULL, &r) == PL_ENAN, "NaN accepted");
    pl_mat_free(&X);
    return pl_test_done("test_ridge");
}
