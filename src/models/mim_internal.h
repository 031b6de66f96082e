/* Private header of the multi-index family. */
#ifndef PL_MIM_INTERNAL_H
#define PL_MIM_INTERNAL_H

#include <stddef.h>
#include "phaselab/mim.h"
#include "phaselab/quad.h"
#include "phaselab/smallmat.h"
#include "phaselab/special.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#ifndef M_SQRT2
#define M_SQRT2 1.41421356237309504880
#endif
#ifndef M_LN2
#define M_LN2 0.69314718055994530942
#endif

/* Names the channel functions of mim_links.c use for the shared numerics (core/smallmat,
 * core/quad, core/special). */
#define pl_mim_chol pl_small_chol
#define pl_mim_spd_inv pl_small_spd_inv
#define pl_mim_symeig pl_small_symeig
#define pl_mim_mm pl_small_mm
#define pl_mim_vquad pl_integrate_vec
#define pl_mim_phi pl_norm_pdf
#define pl_mim_Phi pl_norm_cdf

#endif
