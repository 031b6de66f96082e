/* Hermite expansions of activations: mu_l = E[sigma(z) He_l(z)], z ~ N(0,1), with the
 * probabilists' Hermite polynomials He_l, and the kernel g(q) = sum_{l>=lmin} mu_l^2 q^l / l!. */
#ifndef PHASELAB_HERMITE_H
#define PHASELAB_HERMITE_H

#include <stddef.h>
#include "phaselab/quad.h"

/* He_0..He_L at x into h[0..L] (three-term recurrence). */
void pl_hermite_he(size_t L, double x, double *h);
/* mu[0..L] by Gauss–Hermite quadrature with `order` nodes (order >= L+1; larger for
 * non-smooth sigma). */
pl_status pl_hermite_coeffs(pl_fn1 sigma, void *ctx, size_t L, size_t order, double *mu);
/* g(q) = sum_{l=lmin}^{L} mu_l^2 q^l / l! (lmin = 2 removes the constant and linear parts). */
double pl_hermite_kernel(const double *mu, size_t L, size_t lmin, double q);
/* Check the series: PL_ENOCONV if the tail sum_{l>L-2} mu_l^2/l! exceeds tol * sum mu_l^2/l!
 * (use to report an activation whose series does not converge at the requested order). */
pl_status pl_hermite_check_tail(const double *mu, size_t L, double tol);

#endif
