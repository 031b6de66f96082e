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

#endif
