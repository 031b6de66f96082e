/* Threshold search: bisect one parameter for where a metric crosses a level. */
#ifndef PHASELAB_THRESHOLD_H
#define PHASELAB_THRESHOLD_H

#include "phaselab/experiment.h"
#include "phaselab/api.h"

PL_BEGIN_DECLS

typedef struct {
    const char *param;   /* parameter to bisect (real-valued) */
    const char *metric;
    double level;
    int above;           /* 1: find where the metric rises above level as param grows;
                            0: where it falls below */
    double lo, hi;       /* bracket: the crossing must lie inside */
    int use_sim;         /* 0: theory (first theory record), 1: simulation mean over seeds */
    int seeds;
    long seed_base;
    double tol;          /* stop when the bracket is narrower than tol */
    size_t maxit;
} pl_threshold_opts;

typedef struct {
    double value;        /* the crossing (midpoint of the final bracket) */
    double uncertainty;  /* theory: half the final bracket; simulation: half the bracket plus
                            2 standard errors of the mean at the crossing divided by the
                            metric's slope across the last bracket that resolved it */
    double lo, hi;       /* final bracket */
    size_t evaluations;
    int resolved_by_noise; /* simulation: stopped because the mean at the midpoint was within
                              2 standard errors of the level */
} pl_threshold_result;

pl_status pl_threshold_search(const pl_experiment *e, const pl_params *base,
                              const pl_threshold_opts *o, pl_threshold_result *res, char *err,
                              size_t errlen);

PL_END_DECLS

#endif
