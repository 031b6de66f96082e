/* phaselab status codes: every library function that can fail returns one. */
#ifndef PHASELAB_STATUS_H
#define PHASELAB_STATUS_H

#include "phaselab/api.h"

PL_BEGIN_DECLS

typedef enum {
    PL_OK = 0,          /* success / converged */
    PL_CONTINUE,        /* iteration not finished yet (iterate-style APIs) */
    PL_EINVAL,          /* invalid argument or parameter */
    PL_ENOMEM,          /* allocation failed */
    PL_ENOCONV,         /* iteration stopped at its budget without converging */
    PL_EDIVERGED,       /* iteration diverged (residual grew past its bound) */
    PL_ENAN,            /* a NaN or Inf appeared */
    PL_ELAPACK,         /* a LAPACK routine reported failure */
    PL_EIO,             /* file could not be read or written */
    PL_ESTORE,          /* results store error (corrupt, foreign, schema) */
    PL_ENOTFOUND,       /* unknown name */
    PL_ENOSOLUTION,     /* the equation has no solution in the requested domain */
    PL_EMULTIPLE,       /* the equation has several solutions where one was asked for */
    PL_EBUSY,           /* resource in use (store locked by another process) */
    PL_EUNSUPPORTED,    /* the combination is not supported */
    PL_STATUS_COUNT
} pl_status;

const char *pl_strerror(pl_status s);

PL_END_DECLS

#endif
