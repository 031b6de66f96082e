/* Private helpers of the multi-index family (small dense p x p algebra, vector quadrature). */
#ifndef PL_MIM_INTERNAL_H
#define PL_MIM_INTERNAL_H

#include <stddef.h>
#include "phaselab/mim.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#ifndef M_SQRT2
#define M_SQRT2 1.41421356237309504880
#endif
#ifndef M_LN2
#define M_LN2 0.69314718055994530942
#endif

/* Cholesky A = L L^T of a p x p SPD matrix (row-major, L lower). 0 if not positive definite. */
int pl_mim_chol(size_t p, const double *A, double *L);
/* Inverse of a p x p SPD matrix; 0 if not positive definite. logdet may be NULL. */
int pl_mim_spd_inv(size_t p, const double *A, double *Ainv, double *logdet);
/* Symmetric eigendecomposition: w ascending, U columns (row-major p x p). */
pl_status pl_mim_symeig(size_t p, const double *A, double *w, double *U);
/* C = A B for p x p */
void pl_mim_mm(size_t p, const double *A, const double *B, double *C);

/* Adaptive Gauss-Kronrod (G7-K15) integration of a vector integrand f: R -> R^m on [a, b],
 * started from `npanels` equal panels. Error criterion: sum_k err_k <= tol (|I_0| + |I_k|)
 * over components (component 0 is a positive mass). */
typedef void (*pl_mim_vfn)(double x, double *out, void *ctx);
pl_status pl_mim_vquad(pl_mim_vfn f, void *ctx, double a, double b, size_t m, size_t npanels,
                       double tol, size_t maxint, double *result);

/* Normal pdf/cdf helpers */
double pl_mim_phi(double x);
double pl_mim_Phi(double x);

#endif
