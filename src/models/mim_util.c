/* Multi-index family: a(u) = u K1(u)/K0(u) of the z1 z2 link's channel. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/mim_internal.h"

double pl_mim_a(double u)
{
    u = fabs(u);
    if (u == 0) return 0;
    if (u < 1e-300) return 1.0 / (-log(0.5 * u) - 0.57721566490153286061);
    double a, b;
    pl_bessel_k01e(u, &a, &b);
    return u * b / a;
}

