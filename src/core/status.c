#include "phaselab/status.h"

const char *pl_strerror(pl_status s)
{
    switch (s) {
    case PL_OK: return "ok";
    case PL_CONTINUE: return "iteration in progress";
    case PL_EINVAL: return "invalid argument";
    case PL_ENOMEM: return "out of memory";
    case PL_ENOCONV: return "not converged";
    case PL_EDIVERGED: return "diverged";
    case PL_ENAN: return "NaN or Inf in the iteration";
    case PL_ELAPACK: return "LAPACK routine failed";
    case PL_EIO: return "input/output error";
    case PL_ESTORE: return "results store error";
    case PL_ENOTFOUND: return "not found";
    case PL_ENOSOLUTION: return "no solution";
    case PL_EMULTIPLE: return "several solutions";
    case PL_EBUSY: return "resource busy";
    case PL_EUNSUPPORTED: return "unsupported";
    case PL_ESTOPPED: return "stopped on request";
    case PL_STATUS_COUNT: break;
    }
    return "unknown status";
}
