/* Adam over flat parameter vectors with bias correction (see phaselab/adam.h). */
#include <math.h>

#include "phaselab/adam.h"

pl_adam pl_adam_default(double lr)
{
    pl_adam a = {.lr = lr, .b1 = 0.9, .b2 = 0.999, .eps = 1e-8, .t = 0};
    return a;
}

void pl_adam_tick(pl_adam *a)
{
    a->t++;
}

void pl_adam_update(const pl_adam *a, size_t n, double *x, const double *g, double *m,
                    double *v)
{
    double b1 = a->b1, b2 = a->b2;
    double bc1 = 1.0 - pow(b1, (double)a->t), bc2 = 1.0 - pow(b2, (double)a->t);
    for (size_t i = 0; i < n; i++) {
        m[i] = b1 * m[i] + (1.0 - b1) * g[i];
        v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
        double mh = m[i] / bc1, vh = v[i] / bc2;
        x[i] -= a->lr * mh / (sqrt(vh) + a->eps);
    }
}

void pl_adam_step(pl_adam *a, size_t n, double *x, const double *g, double *m, double *v)
{
    pl_adam_tick(a);
    pl_adam_update(a, n, x, g, m, v);
}
