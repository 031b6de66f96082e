/* Hermite expansions of activations: mu_l = E[sigma(z) He_l(z)], z ~ N(0,1), with the
 * probabilists' Hermite polynomials He_l, and the kernel g(q) = sum_{l>=lmin} mu_l^2 q^l / l!.
 *
 * Internally the sums use the orthonormal polynomials He_l / sqrt(l!), whose values stay
 * bounded, so the coefficients are well conditioned up to l = PL_HERMITE_LMAX (beyond it l!
 * and mu_l overflow a double). */
#ifndef PHASELAB_HERMITE_H
#define PHASELAB_HERMITE_H

#include <stddef.h>
#include "phaselab/quad.h"
#include "phaselab/api.h"

PL_BEGIN_DECLS

/* Largest order L accepted by the coefficient routines (sqrt(l!) stays finite). */
#define PL_HERMITE_LMAX 170

/* He_0..He_L at x into h[0..L] (three-term recurrence He_{l+1} = x He_l - l He_{l-1}). */
void pl_hermite_he(size_t L, double x, double *h);
/* mu[0..L] by Gauss–Hermite quadrature with `order` nodes (order >= L+1; larger for
 * non-smooth sigma: the error then decays only algebraically in order). PL_EINVAL if
 * L > PL_HERMITE_LMAX or order < L+1, PL_ENAN if a coefficient is not finite. */
pl_status pl_hermite_coeffs(pl_fn1 sigma, void *ctx, size_t L, size_t order, double *mu);
/* mu[0..L] by adaptive Gauss–Kronrod on (-inf, inf) (pl_integrate_inf), each normalised
 * coefficient mu_l / sqrt(l!) to absolute accuracy ~epsabs. Slower than pl_hermite_coeffs but
 * accurate for kinks at 0 (ReLU, sign, ...). Every mu[l] is filled; the first non-OK status of
 * the integrals (e.g. PL_ENOCONV when epsabs is below roundoff) is returned. Added to the
 * original API. */
pl_status pl_hermite_coeffs_adaptive(pl_fn1 sigma, void *ctx, size_t L, double epsabs,
                                     double *mu);
/* g(q) = sum_{l=lmin}^{L} mu_l^2 q^l / l! (lmin = 2 removes the constant and linear parts);
 * 0 when lmin > L. With lmin = 0 and q = 1 this is Parseval's E[sigma(z)^2] truncated at L. */
double pl_hermite_kernel(const double *mu, size_t L, size_t lmin, double q);
/* Check the series: PL_ENOCONV if the tail sum_{l>L-2} mu_l^2/l! exceeds tol * sum mu_l^2/l!
 * (use to report an activation whose series does not converge at the requested order). Two
 * terms are used because odd or even activations have every other coefficient zero.
 * PL_EINVAL if L < 2 or tol < 0; PL_OK for an all-zero series. */
pl_status pl_hermite_check_tail(const double *mu, size_t L, double tol);

PL_END_DECLS

#endif
