/* Tasks and groups of the sweep engine, shared by the local and MPI executors. */
#ifndef PL_SWEEP_INTERNAL_H
#define PL_SWEEP_INTERNAL_H

#include "phaselab/sweep.h"

#define PL_SEED_THEORY (-1L)
#define PL_SEED_THEORY_DOWN (-2L)

/* A unit of work: the simulation of one (cell, seed), or a theory chain of cells computed in
 * order with warm starts (a chain of one cell for experiments without theory_warm). */
typedef struct {
    int theory;
    long seed;            /* simulation seed, or PL_SEED_THEORY[_DOWN] */
    size_t ncells;
    size_t *cells;
    size_t nstate;        /* warm state for the first cell of a chain */
    double state[PL_MAX_STATE];
} pl_task;

/* The records of one (cell, seed) with the continuation state after it. */
typedef struct {
    size_t cell;
    long seed;
    pl_records recs;
    size_t nstate;
    double state[PL_MAX_STATE];
} pl_group;

typedef int (*pl_group_sink)(pl_group *grp, void *ctx); /* nonzero stops the task */

/* Execute a task, handing each finished group to sink (which owns nothing: it must copy). */
pl_status pl_task_execute(const pl_grid *g, const pl_task *t, pl_group_sink sink, void *ctx);

/* The coordinator's side of an executor: hand every group to pl_coord_accept. */
typedef struct pl_coord pl_coord;
pl_status pl_coord_accept(pl_coord *c, pl_group *grp);
/* The options of the sweep a coordinator runs (its stop request and on_stop). */
const pl_sweep_opts *pl_coord_opts(const pl_coord *c);

#ifdef PL_HAVE_MPI
/* MPI executor: rank 0 dispatches tasks and accepts groups; other ranks compute. */
pl_status pl_mpi_coordinate(pl_coord *c, const pl_task *tasks, size_t ntasks);
pl_status pl_mpi_work(const pl_grid *g);
#endif

#endif
