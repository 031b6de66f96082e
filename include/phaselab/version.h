/* The library's version: numeric macros for compile-time checks, pl_version() for the version
 * of the library actually linked (they differ when a program runs against another build). */
#ifndef PHASELAB_VERSION_H
#define PHASELAB_VERSION_H

#include "phaselab/api.h"

PL_BEGIN_DECLS

#define PL_VERSION_MAJOR 0
#define PL_VERSION_MINOR 1
#define PL_VERSION_PATCH 0
/* major * 10000 + minor * 100 + patch, for `#if PL_VERSION_NUMBER >= 100` */
#define PL_VERSION_NUMBER (PL_VERSION_MAJOR * 10000 + PL_VERSION_MINOR * 100 + PL_VERSION_PATCH)

/* "major.minor.patch" of the linked library (the CMake project version it was built as). */
const char *pl_version(void);

PL_END_DECLS

#endif
