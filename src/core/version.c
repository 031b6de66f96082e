/* pl_version: the version the library was built as (PL_VERSION, from the CMake project). */
#include "phaselab/version.h"

const char *pl_version(void) { return PL_VERSION; }
