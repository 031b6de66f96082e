/* The results store: one SQLite file, one row per (experiment, cell, seed, record index).
 *
 * Schema (version PL_STORE_SCHEMA): table `meta` (app = 'phaselab', schema_version, created);
 * table `records` (experiment, cell = canonical parameter key, params JSON, seed (-1 for
 * theory), idx (position within the cell-seed group), source, status, message, metrics JSON,
 * wall, version, created); table `runs` (command line, configuration JSON, version, time) of
 * every run that wrote to the store. WAL journal; each (cell, seed) group of records is
 * committed in one transaction as soon as it exists, so a killed run loses at most the group
 * in flight and a restarted run skips every group already present.
 */
#ifndef PHASELAB_STORE_H
#define PHASELAB_STORE_H

#include "phaselab/experiment.h"

#define PL_STORE_SCHEMA 1

typedef struct pl_store pl_store;

/* Open (creating if absent) a store. On failure returns non-OK and a message in err:
 * PL_EIO (cannot open or create), PL_ESTORE (corrupt, foreign, other schema version). */
pl_status pl_store_open(const char *path, pl_store **out, char *err, size_t errlen);
void pl_store_close(pl_store **s);

/* Record a run (command line and configuration JSON) that uses this store. */
pl_status pl_store_log_run(pl_store *s, const char *command, const char *config_json);

/* Does the (cell, seed) group exist? seed -1 = theory. */
pl_status pl_store_has(pl_store *s, const pl_experiment *e, const pl_params *p, long seed,
                       int *present);
/* Load the group's records (appended to out). */
pl_status pl_store_load(pl_store *s, const pl_experiment *e, const pl_params *p, long seed,
                        pl_records *out);
/* Insert a group of records (all with the same params and seed) in one transaction. */
pl_status pl_store_put(pl_store *s, const pl_experiment *e, const pl_record *recs, size_t n);
/* Every record of experiment e (or of all experiments when e is NULL: then the callback gets
 * each record's experiment). Records of experiments unknown to this build are skipped. */
typedef int (*pl_store_visit)(const pl_experiment *e, const pl_record *rec, void *ctx);
pl_status pl_store_each(pl_store *s, const pl_experiment *e, pl_store_visit visit, void *ctx);
const char *pl_store_errmsg(pl_store *s);

/* JSON encoders shared with the exporters */
char *pl_params_json(const pl_experiment *e, const pl_params *p);          /* malloc'd */
char *pl_metrics_json(const pl_experiment *e, const pl_record *rec);       /* malloc'd */
/* Parse a params JSON object; unknown keys are an error (message in err). */
pl_status pl_params_from_json(const pl_experiment *e, const char *json, pl_params *p,
                              char *err, size_t errlen);

#endif
