/* Running an experiment by name, for programs and language bindings (the Python package
 * python/phaselab calls these through ctypes).
 *
 * A job holds an experiment's grid (key=value words, as on the command line), the seeds, the
 * sources (theory, simulation) and an optional store; pl_job_run runs the sweep and keeps the
 * records, which are then read back as flat arrays. The experiment's description is read
 * through accessor functions rather than struct fields (these below, and pl_metric_name,
 * pl_param_choices, pl_experiment_has_sim / _has_theory of phaselab/experiment.h), so that a
 * binding does not depend on the layout of pl_experiment or pl_param_spec.
 *
 *     char err[256];
 *     pl_job *j = pl_job_new("bbp", err, sizeof err);
 *     if (!j) { fprintf(stderr, "%s\n", err); return 1; }
 *     pl_job_set_seeds(j, 3, 0);
 *     if (pl_job_set(j, "beta=0.5,2") != PL_OK || pl_job_run(j) != PL_OK)
 *         fprintf(stderr, "%s\n", pl_job_error(j));
 *     for (size_t i = 0; i < pl_job_count(j); i++) ...  // pl_job_metrics(j, buf) etc.
 *     pl_job_free(&j);
 */
#ifndef PHASELAB_JOB_H
#define PHASELAB_JOB_H

#include <stddef.h>
#include "phaselab/experiment.h"
#include "phaselab/status.h"
#include "phaselab/api.h"

PL_BEGIN_DECLS

/* ---- experiments, by name and through accessors ---- */

/* The experiment called `name`; NULL with a message in err ("unknown experiment 'x' (did you
 * mean 'y'?)") when there is none. */
const pl_experiment *pl_experiment_lookup(const char *name, char *err, size_t errlen);

const char *pl_experiment_name(const pl_experiment *e);
const char *pl_experiment_summary(const pl_experiment *e);
const char *pl_experiment_description(const pl_experiment *e);
const char *pl_experiment_default_sweep(const pl_experiment *e); /* "k=grid ..." or NULL */
int pl_experiment_default_seeds(const pl_experiment *e);
size_t pl_experiment_n_params(const pl_experiment *e);
size_t pl_experiment_n_metrics(const pl_experiment *e);
/* Parameter i (i < pl_experiment_n_params(e); NULL / -1 / NaN past the end): name, type
 * (pl_param_type), default (for PL_PARAM_CHOICE the index into the choices; their names:
 * pl_param_choices), valid range (open ends flagged) and help text. */
const char *pl_experiment_param_name(const pl_experiment *e, size_t i);
int pl_experiment_param_type(const pl_experiment *e, size_t i);
double pl_experiment_param_default(const pl_experiment *e, size_t i);
void pl_experiment_param_range(const pl_experiment *e, size_t i, double *lo, double *hi,
                               int *lo_open, int *hi_open);
const char *pl_experiment_param_help(const pl_experiment *e, size_t i);

/* ---- jobs ---- */

typedef struct pl_job pl_job;

/* A job on experiment `name` with every parameter at its default, one seed (seed 0), theory
 * and simulation, no store, one thread. NULL with a message in err for an unknown experiment
 * (or no memory). */
pl_job *pl_job_new(const char *name, char *err, size_t errlen);
void pl_job_free(pl_job **j);
const pl_experiment *pl_job_experiment(const pl_job *j);

/* One "key=value" word: a number or choice name, a list "a,b,c" or a range "start:stop:step",
 * exactly as on the command line; PL_EINVAL with the message in pl_job_error (unknown
 * parameter with a "did you mean", malformed value, out of range). A later word for the same
 * parameter replaces the earlier. */
pl_status pl_job_set(pl_job *j, const char *word);
/* Simulation seeds seed_base .. seed_base + seeds - 1 per cell (seeds >= 0). */
pl_status pl_job_set_seeds(pl_job *j, int seeds, long seed_base);
/* Which sources to compute (theory records, simulation records); a source the experiment does
 * not have is skipped. */
void pl_job_set_sources(pl_job *j, int theory, int simulate);
/* Local worker threads (records do not depend on it) and BLAS threads per task (records are
 * bit-identical for a fixed value; 1 by default). Values below 1 count as 1. */
void pl_job_set_threads(pl_job *j, int jobs, int blas_threads);
/* Store the records in (and resume from) the SQLite store at path; `command` (may be NULL) is
 * what the store's runs table records as the command. NULL path: no store. */
pl_status pl_job_set_store(pl_job *j, const char *path, const char *command);
/* Continue theory along `param` (NULL: the default), upward (down = 0) or downward. */
pl_status pl_job_set_continuation(pl_job *j, const char *param, int down);

/* Run the sweep (grid x seeds), replacing the records of an earlier run. On failure the
 * status is returned and pl_job_error says why (an invalid cell names the parameter). */
pl_status pl_job_run(pl_job *j);
/* The last error's message ("" when none). */
const char *pl_job_error(const pl_job *j);
/* After a run: records computed, loaded from the store, and not converged or failed. */
void pl_job_stats(const pl_job *j, size_t *computed, size_t *loaded, size_t *failed);

/* ---- the records of the last run, in cell order (theory first, then seeds) ---- */
size_t pl_job_count(const pl_job *j);
const pl_record *pl_job_record(const pl_job *j, size_t r);   /* NULL past the end */
/* Row-major copies: out holds count x n_params (choice = index) / count x n_metrics (NaN = not
 * produced) doubles; seeds (-1 for theory), statuses (pl_rec_status), wall times: count. */
void pl_job_params(const pl_job *j, double *out);
void pl_job_metrics(const pl_job *j, double *out);
void pl_job_seeds(const pl_job *j, long *out);
void pl_job_statuses(const pl_job *j, int *out);
void pl_job_walls(const pl_job *j, double *out);
/* Record r's source ("theory", "theory:down", "sim:<algorithm>") and message; NULL past the
 * end. */
const char *pl_job_source(const pl_job *j, size_t r);
const char *pl_job_message(const pl_job *j, size_t r);

PL_END_DECLS

#endif
