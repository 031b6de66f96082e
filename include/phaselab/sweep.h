/* Parameter grids and the sweep engine: grid x seeds, theory + simulation, store-backed
 * resume. */
#ifndef PHASELAB_SWEEP_H
#define PHASELAB_SWEEP_H

#include <stdio.h>
#include "phaselab/experiment.h"
#include "phaselab/store.h"

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

typedef struct {
    int seeds;            /* simulation seeds per cell (0 = theory only) */
    long seed_base;       /* seeds are seed_base .. seed_base + seeds - 1 */
    int theory;           /* compute theory records */
    int simulate;         /* compute simulation records */
    pl_store *store;      /* NULL = no store */
    int progress;         /* progress with ETA on stderr */
    /* called for every record (computed or loaded) in cell order */
    int (*on_record)(const pl_experiment *e, const pl_record *rec, void *ctx);
    void *ctx;
} pl_sweep_opts;

typedef struct {
    size_t computed, loaded, failed, invalid_cells;
} pl_sweep_stats;

/* Run theory/simulation for every cell and seed. Cells whose parameters fail validation are
 * reported in err and stop the sweep before any work is done (all cells are validated first).
 */
pl_status pl_sweep_run(const pl_grid *g, const pl_sweep_opts *o, pl_records *all,
                       pl_sweep_stats *stats, char *err, size_t errlen);

/* The stream id of a cell: hash of the experiment name and the canonical key. */
uint64_t pl_cell_stream(const pl_experiment *e, const pl_params *p);
/* Compute one (cell, seed) group: theory when seed < 0, simulation otherwise. Records get
 * params, seed and wall time set. */
pl_status pl_cell_compute(const pl_experiment *e, const pl_params *p, long seed,
                          pl_records *out);

#endif
