/* Parameter grids and the sweep engine: grid x seeds, theory + simulation, store-backed
 * resume. */
#ifndef PHASELAB_SWEEP_H
#define PHASELAB_SWEEP_H

#include <stdio.h>
#include "phaselab/experiment.h"
#include "phaselab/store.h"
#include "phaselab/api.h"

PL_BEGIN_DECLS

/* Values of every parameter (a single default unless swept). */
typedef struct {
    const pl_experiment *e;
    double *values[PL_MAX_PARAMS];
    size_t count[PL_MAX_PARAMS];
    int given[PL_MAX_PARAMS]; /* set on the command line / config */
} pl_grid;

void pl_grid_init(pl_grid *g, const pl_experiment *e); /* every parameter at its default */
void pl_grid_free(pl_grid *g);
/* Parse one "key=value" word: value is a number or choice, a list "a,b,c", or a range
 * "start:stop:step" (stop included when reached up to rounding). Returns NULL or a message
 * (unknown parameter with a "did you mean", malformed range, out-of-range value). */
const char *pl_grid_set(pl_grid *g, const char *word, char *err, size_t errlen);
size_t pl_grid_cells(const pl_grid *g);
/* The i-th cell (last parameter varies fastest). */
void pl_grid_cell(const pl_grid *g, size_t i, pl_params *p);
/* Parameters with more than one value */
size_t pl_grid_swept(const pl_grid *g, int *idx, size_t max);

/* Closest name to `name` among candidates by edit distance, NULL if none is close. */
const char *pl_closest_name(const char *name, const char *const *cands, size_t n);

typedef enum { PL_DIR_UP = 0, PL_DIR_DOWN = 1 } pl_direction;

typedef struct {
    int seeds;            /* simulation seeds per cell (0 = theory only) */
    long seed_base;       /* seeds are seed_base .. seed_base + seeds - 1 */
    int theory;           /* compute theory records */
    int simulate;         /* compute simulation records */
    pl_store *store;      /* NULL = no store (only the coordinator's is used under MPI) */
    int progress;         /* progress with ETA on stderr: 1 = a live line on a terminal, else
                             one line per 5% of the groups once the sweep has run 5 s (cluster
                             logs); 2 = those lines from the start; 0 = none. The ETA is the
                             remaining work (groups weighted by the experiment's cost hook,
                             theory and simulation apart) at the measured seconds per unit of
                             work, divided by the measured concurrency */
    int jobs;             /* local worker threads (<= 1: run in this thread) */
    int blas_threads;     /* BLAS threads per task (<= 0: 1). OpenBLAS results can differ in
                             the last bits with its thread count, so records are identical
                             across jobs / MPI ranks / scheduling for a fixed value of this */
    int mpi;              /* distribute over MPI ranks when the build has MPI and size > 1 */
    pl_direction direction;    /* theory continuation direction along the continued parameter */
    const char *continue_param; /* parameter to continue along (NULL: the plot x if swept,
                                   else the first swept numeric parameter) */
    /* called for every record (computed or loaded), in cell order (theory first, then seeds)
       whatever the execution order */
    int (*on_record)(const pl_experiment *e, const pl_record *rec, void *ctx);
    void *ctx;
} pl_sweep_opts;

typedef struct {
    size_t computed, loaded, failed, invalid_cells;
    int is_worker;        /* this MPI rank was a worker: it holds no records */
} pl_sweep_stats;

/* Run theory/simulation for every cell and seed. Every cell is validated first: a cell whose
 * parameters fail validation stops the sweep before any work (message in err). Theory is
 * computed along chains of the continued parameter with warm starts (when the experiment has
 * theory_warm), upward (source "theory") or downward (source "theory:down"); simulation cells
 * are independent tasks. With a store, each (cell, seed) group is skipped if present, else
 * committed as soon as it is computed. The BLAS thread count is set to o->blas_threads for the
 * sweep and restored to the caller's on return. */
pl_status pl_sweep_run(const pl_grid *g, const pl_sweep_opts *o, pl_records *all,
                       pl_sweep_stats *stats, char *err, size_t errlen);

/* The stream id of a cell: hash of the experiment name and the canonical key. */
uint64_t pl_cell_stream(const pl_experiment *e, const pl_params *p);
/* Compute one (cell, seed) group: theory when seed < 0 (cold start), simulation otherwise.
 * Records get params, seed and wall time set. */
pl_status pl_cell_compute(const pl_experiment *e, const pl_params *p, long seed,
                          pl_records *out);

/* MPI helpers (no-ops without MPI): rank and size of the world communicator. */
int pl_mpi_rank(void);
int pl_mpi_size(void);

PL_END_DECLS

#endif
