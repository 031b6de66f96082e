/* Shared by the libFuzzer harnesses. */
#ifndef PL_FUZZ_COMMON_H
#define PL_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/experiment.h"
#include "phaselab/sweep.h"

/* The input as a NUL-terminated string (malloc'd; NUL bytes inside end it early). */
static inline char *pl_fuzz_text(const uint8_t *data, size_t size)
{
    char *t = malloc(size + 1);
    if (!t) return NULL;
    memcpy(t, data, size);
    t[size] = 0;
    return t;
}

#endif
