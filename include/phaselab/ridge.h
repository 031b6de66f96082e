/* Ridge readout with an unpenalised intercept and leave-one-out selection of the penalty.
 *
 * Objective: min over (b, b0) of ||y - X b - b0 1||^2 + lambda ||b||^2 (no 1/n: lambda is on
 * the scale of sklearn's `alpha`). With the intercept, X and y are centred (X_c, y_c) and
 * b0 = mean(y) - mean(X) b. The fit is a linear smoother y_hat = H y with
 *     H = 11^T/n + X_c (X_c^T X_c + lambda I)^{-1} X_c^T     (without intercept: no 11^T/n, no
 * centring), and the leave-one-out residuals are exact in closed form:
 *     e_i^loo = (y_i - y_hat_i) / (1 - H_ii).
 * One symmetric eigendecomposition serves the whole lambda grid:
 *   - n > P (primal): X_c^T X_c = V diag(s2) V^T, Q = X_c V (n x P);
 *   - n <= P (dual):  X_c X_c^T = U diag(s2) U^T, Q = U diag(sqrt s2) (n x n);
 * in both cases H_c = Q diag(1/(s2 + lambda)) Q^T, so for every lambda of the grid the fitted
 * values and the hat diagonal are two matrix products Q (diag(Q^T y_c) D) and (Q o Q) D with
 * D_jl = 1/(s2_j + lambda_l): O(n r L) flops for L penalties after one O(n r^2 + r^3)
 * decomposition (r = min(n, P)). The kernel form (pl_ridge_kernel_fit) does the same on a
 * Gram matrix G = k(x_i, x_j), centred as (I - 11^T/n) G (I - 11^T/n) with the intercept.
 */
#ifndef PHASELAB_RIDGE_H
#define PHASELAB_RIDGE_H

#include <stddef.h>
#include "phaselab/mat.h"
#include "phaselab/status.h"
#include "phaselab/api.h"

PL_BEGIN_DECLS

typedef struct {
    int intercept;          /* 1: fit an unpenalised intercept */
    const double *lambdas;  /* penalty grid (each > 0), nlambda >= 1 */
    size_t nlambda;
} pl_ridge_opts;

typedef struct {
    double lambda;     /* selected penalty: the grid point of least leave-one-out MSE */
    size_t ilambda;    /* its index in the grid (first one among ties) */
    double loo_mse;    /* leave-one-out mean squared error at the selected penalty */
    double intercept;  /* b0 (0 without intercept) */
} pl_ridge_result;

/* n points of a log-spaced grid from lo to hi (both > 0, n >= 1; n = 1 gives lo). */
void pl_ridge_log_grid(double lo, double hi, size_t n, double *out);

/* Fit on X (n x P, n >= 2) and y (n). coef (P) receives b at the selected penalty; loo
 * (nlambda values, may be NULL) the leave-one-out MSE of every grid point. With a single
 * penalty and loo == NULL nothing is selected: the normal equations of the smaller side are
 * solved by Cholesky (primal when n >= P, dual otherwise) and res->loo_mse is NaN. Statuses:
 * PL_EINVAL (shapes, empty or non-positive grid), PL_ENOMEM, PL_ELAPACK, PL_ENAN (a NaN or
 * Inf in X, y or the result). */
pl_status pl_ridge_fit(pl_mat X, const double *y, const pl_ridge_opts *o, double *coef,
                       double *loo, pl_ridge_result *res);
/* pred = X coef + intercept (X: m x P). */
pl_status pl_ridge_predict(pl_mat X, const double *coef, double intercept, double *pred);

/* Kernel ridge on the Gram matrix G (n x n, symmetric, not modified): alpha (n) receives the
 * dual coefficients, res->intercept the constant, so that the prediction at a point x with
 * cross-kernel column k(X_train, x) is  k^T alpha + intercept  (pl_ridge_kernel_predict).
 * Equivalent to pl_ridge_fit on any feature map with G = X X^T. */
pl_status pl_ridge_kernel_fit(pl_mat G, const double *y, const pl_ridge_opts *o, double *alpha,
                              double *loo, pl_ridge_result *res);
/* pred (m) = Gcross^T alpha + intercept, Gcross = k(X_train, X_test) (n x m). */
pl_status pl_ridge_kernel_predict(pl_mat Gcross, const double *alpha, double intercept,
                                  double *pred);

PL_END_DECLS

#endif
