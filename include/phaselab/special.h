/* Special functions: exponentially scaled modified Bessel functions K0, K1, the standard normal
 * density and distribution function, and the bivariate normal orthant probability. */
#ifndef PHASELAB_SPECIAL_H
#define PHASELAB_SPECIAL_H

#include "phaselab/api.h"

PL_BEGIN_DECLS

/* e^x K_0(x) and e^x K_1(x) for x > 0 (+inf at 0, NaN below): the ascending series for
 * x <= 1, the exponentially convergent trapezoid rule on int_0^inf exp(-x(cosh t - 1))
 * cosh(nu t) dt beyond. Relative accuracy about 1e-15. */
double pl_bessel_k0e(double x);
double pl_bessel_k1e(double x);
/* Both at once (x > 0). */
void pl_bessel_k01e(double x, double *k0e, double *k1e);

/* Standard normal density and distribution function. */
double pl_norm_pdf(double x);
double pl_norm_cdf(double x);

/* P(X > h, Y > k) for a standard bivariate normal with correlation r (Drezner–Wesolowsky as
 * refined by Genz, 20-point Gauss–Legendre): absolute accuracy about 1e-15. */
double pl_bvn_upper(double h, double k, double r);

PL_END_DECLS

#endif
