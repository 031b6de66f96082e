/* Adam (Kingma & Ba) over flat parameter vectors, with bias correction.
 *
 * The state of the optimiser is split in two: the step counter and hyper-parameters
 * (pl_adam), and the first and second moment vectors m, v (caller-owned, zero-initialised,
 * one entry per parameter). A model whose parameters live in several arrays calls
 * pl_adam_tick once per step and then pl_adam_update on each array with its own m, v; a model
 * with one flat vector calls pl_adam_step.
 *
 *   m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,
 *   x <- x - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
 */
#ifndef PHASELAB_ADAM_H
#define PHASELAB_ADAM_H

#include <stddef.h>
#include "phaselab/api.h"

PL_BEGIN_DECLS

typedef struct {
    double lr, b1, b2, eps;
    size_t t;   /* steps taken */
} pl_adam;

/* PyTorch defaults: b1 0.9, b2 0.999, eps 1e-8, t = 0. */
pl_adam pl_adam_default(double lr);
/* Start a step: t <- t + 1. */
void pl_adam_tick(pl_adam *a);
/* Update n parameters x with gradient g and moments m, v at the current step t (>= 1). */
void pl_adam_update(const pl_adam *a, size_t n, double *x, const double *g, double *m,
                    double *v);
/* tick + update for a single flat parameter vector. */
void pl_adam_step(pl_adam *a, size_t n, double *x, const double *g, double *m, double *v);

PL_END_DECLS

#endif
