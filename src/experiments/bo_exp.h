/* Family 9: helpers shared by the bo-* experiments (internal). */
#ifndef PL_BO_EXP_H
#define PL_BO_EXP_H

#include <stddef.h>
#include "phaselab/bo.h"

/* channel of a built-in activation at Hermite order `order` (GH for smooth, adaptive else) */
pl_status pl_bo_exp_channel(const pl_bo_act_type *act, size_t order, pl_bo_channel *ch);
/* n = int(alpha d^2) */
size_t pl_bo_exp_n(double alpha, size_t d);

#endif
