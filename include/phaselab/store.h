/* The results store: one SQLite file, one row per (experiment, cell, seed, record index).
 *
 * Schema (version PL_STORE_SCHEMA): table `meta` (app = 'phaselab', schema_version, created);
 * table `records` (experiment, cell = canonical parameter key, params JSON, seed (-1 for
 * theory, -2 for theory continued downward), idx (position within the cell-seed group), source,
 * status, message, metrics JSON, wall, version, created, state = continuation state JSON);
 * table `arrays` (schema 2: record = records.id, name, n, encoding 'f64le' = n little-endian
 * doubles or 'zlib-f64le' = the same compressed with zlib, data) holding the records' arrays;
 * table `lock` (the single writer: pid, host); table `runs` (command line, configuration JSON, version, time) of
 * every run that wrote to the store. A schema-1 store (no arrays table) is migrated to schema
 * 2 when opened for writing (PL_STORE_WRITE) and read as it is otherwise (its records have no
 * arrays). WAL journal; each (cell, seed) group of records is
 * committed in one transaction as soon as it exists, so a killed run loses at most the group
 * in flight and a restarted run skips every group already present.
 */
#ifndef PHASELAB_STORE_H
#define PHASELAB_STORE_H

#include "phaselab/experiment.h"
#include "phaselab/api.h"

PL_BEGIN_DECLS

#define PL_STORE_SCHEMA 2

typedef struct pl_store pl_store;

typedef enum { PL_STORE_READ = 0, PL_STORE_WRITE = 1 } pl_store_mode;

/* Open (creating if absent) a store. On failure returns non-OK and a message in err:
 * PL_EIO (cannot open or create), PL_ESTORE (corrupt, foreign, other schema version),
 * PL_EBUSY (PL_STORE_WRITE: another live run holds the single-writer lock; a lock left by a
 * killed process of this host is taken over). pl_store_open = PL_STORE_WRITE. */
pl_status pl_store_open(const char *path, pl_store **out, char *err, size_t errlen);
pl_status pl_store_open_mode(const char *path, pl_store_mode mode, pl_store **out, char *err,
                             size_t errlen);
/* Remove a writer lock left behind (e.g. by a run killed on another host). */
pl_status pl_store_unlock(const char *path, char *err, size_t errlen);
void pl_store_close(pl_store **s);

/* Record a run (command line and configuration JSON) that uses this store. */
pl_status pl_store_log_run(pl_store *s, const char *command, const char *config_json);

/* Does the (cell, seed) group exist? seed -1 = theory (cold start or continued upward),
 * seed -2 = theory continued downward (source "theory:down"). */
pl_status pl_store_has(pl_store *s, const pl_experiment *e, const pl_params *p, long seed,
                       int *present);
/* Load the group's records (appended to out) and, if state/nstate are not NULL, the
 * continuation state stored with it (PL_MAX_STATE doubles at most; *nstate = 0 if none). */
pl_status pl_store_load(pl_store *s, const pl_experiment *e, const pl_params *p, long seed,
                        pl_records *out, double *state, size_t *nstate);
/* Insert a group of records (all with the same params and seed) and its continuation state
 * (may be NULL / 0) in one transaction. */
pl_status pl_store_put(pl_store *s, const pl_experiment *e, const pl_record *recs, size_t n,
                       const double *state, size_t nstate);
/* Every record of experiment e (or of all experiments when e is NULL: then the callback gets
 * each record's experiment). Records of experiments unknown to this build are skipped. */
typedef int (*pl_store_visit)(const pl_experiment *e, const pl_record *rec, void *ctx);
pl_status pl_store_each(pl_store *s, const pl_experiment *e, pl_store_visit visit, void *ctx);
const char *pl_store_errmsg(pl_store *s);

/* A double as the shortest decimal that reads back to the same bits (15 to 17 digits). */
void pl_format_exact(char *buf, size_t len, double v);
/* JSON encoders shared with the exporters (numbers written exactly) */
char *pl_params_json(const pl_experiment *e, const pl_params *p);          /* malloc'd */
char *pl_metrics_json(const pl_experiment *e, const pl_record *rec);       /* malloc'd */
/* Parse a params JSON object; unknown keys are an error (message in err). */
pl_status pl_params_from_json(const pl_experiment *e, const char *json, pl_params *p,
                              char *err, size_t errlen);

PL_END_DECLS

#endif
