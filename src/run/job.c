/* Jobs: an experiment's grid, seeds, sources and store, run by the sweep engine, with the
 * records kept for flat read-back (the interface of language bindings). */
#include <cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/job.h"
#include "phaselab/store.h"
#include "phaselab/sweep.h"

#define JOB_MAX_WORDS 256

struct pl_job {
    const pl_experiment *e;
    pl_grid grid;
    char *words[JOB_MAX_WORDS]; /* the words set, in order, for the store's runs table */
    int nwords;
    int seeds;
    long seed_base;
    int theory, simulate, jobs, blas_threads;
    char *store, *command, *cont;
    pl_direction direction;
    pl_records recs;
    pl_sweep_stats stats;
    char err[512];
};

/* ---- experiments ---- */

const pl_experiment *pl_experiment_lookup(const char *name, char *err, size_t errlen)
{
    const pl_experiment *e = name ? pl_experiment_find(name) : NULL;
    if (e) return e;
    const char *names[256];
    size_t n = pl_experiment_count();
    if (n > 256) n = 256;
    for (size_t i = 0; i < n; i++) names[i] = pl_experiment_at(i)->name;
    const char *near = name ? pl_closest_name(name, names, n) : NULL;
    if (near)
        snprintf(err, errlen, "unknown experiment '%s' (did you mean '%s'?)", name, near);
    else
        snprintf(err, errlen, "unknown experiment '%s' (see: phaselab list)", name ? name : "");
    return NULL;
}

const char *pl_experiment_name(const pl_experiment *e) { return e->name; }
const char *pl_experiment_summary(const pl_experiment *e) { return e->summary; }
const char *pl_experiment_description(const pl_experiment *e) { return e->description; }
const char *pl_experiment_default_sweep(const pl_experiment *e) { return e->default_sweep; }
int pl_experiment_default_seeds(const pl_experiment *e) { return e->default_seeds; }
size_t pl_experiment_n_params(const pl_experiment *e) { return e->n_params; }
size_t pl_experiment_n_metrics(const pl_experiment *e) { return e->n_metrics; }

const char *pl_experiment_param_name(const pl_experiment *e, size_t i)
{
    return i < e->n_params ? e->params[i].name : NULL;
}

int pl_experiment_param_type(const pl_experiment *e, size_t i)
{
    return i < e->n_params ? (int)e->params[i].type : -1;
}

double pl_experiment_param_default(const pl_experiment *e, size_t i)
{
    return i < e->n_params ? e->params[i].def : NAN;
}

void pl_experiment_param_range(const pl_experiment *e, size_t i, double *lo, double *hi,
                               int *lo_open, int *hi_open)
{
    int ok = i < e->n_params;
    if (lo) *lo = ok ? e->params[i].lo : NAN;
    if (hi) *hi = ok ? e->params[i].hi : NAN;
    if (lo_open) *lo_open = ok ? e->params[i].lo_open : 0;
    if (hi_open) *hi_open = ok ? e->params[i].hi_open : 0;
}

const char *pl_experiment_param_help(const pl_experiment *e, size_t i)
{
    return i < e->n_params ? e->params[i].help : NULL;
}

/* ---- jobs ---- */

static pl_status job_fail(pl_job *j, pl_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static pl_status job_fail(pl_job *j, pl_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(j->err, sizeof j->err, fmt, ap);
    va_end(ap);
    return st;
}

/* A malloc'd copy of s (NULL stays NULL); *ok = 0 when the copy failed. */
static char *dup_or_null(const char *s, int *ok)
{
    if (!s) return NULL;
    char *c = malloc(strlen(s) + 1);
    if (!c) {
        *ok = 0;
        return NULL;
    }
    return strcpy(c, s);
}

pl_job *pl_job_new(const char *name, char *err, size_t errlen)
{
    const pl_experiment *e = pl_experiment_lookup(name, err, errlen);
    if (!e) return NULL;
    pl_job *j = calloc(1, sizeof *j);
    if (!j) {
        snprintf(err, errlen, "%s", pl_strerror(PL_ENOMEM));
        return NULL;
    }
    j->e = e;
    pl_grid_init(&j->grid, e);
    j->seeds = 1;
    j->theory = j->simulate = 1;
    j->jobs = j->blas_threads = 1;
    pl_records_init(&j->recs);
    return j;
}

void pl_job_free(pl_job **jp)
{
    pl_job *j = jp ? *jp : NULL;
    if (!j) return;
    pl_grid_free(&j->grid);
    for (int i = 0; i < j->nwords; i++) free(j->words[i]);
    free(j->store);
    free(j->command);
    free(j->cont);
    pl_records_free(&j->recs);
    free(j);
    *jp = NULL;
}

const pl_experiment *pl_job_experiment(const pl_job *j) { return j->e; }
const char *pl_job_error(const pl_job *j) { return j->err; }

pl_status pl_job_set(pl_job *j, const char *word)
{
    j->err[0] = 0;
    if (!word) return job_fail(j, PL_EINVAL, "parameter word is NULL");
    if (j->nwords >= JOB_MAX_WORDS) return job_fail(j, PL_EINVAL, "too many key=value words");
    if (pl_grid_set(&j->grid, word, j->err, sizeof j->err)) return PL_EINVAL;
    int ok = 1;
    char *w = dup_or_null(word, &ok);
    if (!ok) return job_fail(j, PL_ENOMEM, "%s", pl_strerror(PL_ENOMEM));
    j->words[j->nwords++] = w;
    return PL_OK;
}

pl_status pl_job_set_seeds(pl_job *j, int seeds, long seed_base)
{
    j->err[0] = 0;
    if (seeds < 0) return job_fail(j, PL_EINVAL, "seeds must be non-negative, got %d", seeds);
    if (seed_base < 0)
        return job_fail(j, PL_EINVAL, "seed_base must be non-negative, got %ld", seed_base);
    j->seeds = seeds;
    j->seed_base = seed_base;
    return PL_OK;
}

void pl_job_set_sources(pl_job *j, int theory, int simulate)
{
    j->theory = theory != 0;
    j->simulate = simulate != 0;
}

void pl_job_set_threads(pl_job *j, int jobs, int blas_threads)
{
    j->jobs = jobs > 1 ? jobs : 1;
    j->blas_threads = blas_threads > 1 ? blas_threads : 1;
}

pl_status pl_job_set_store(pl_job *j, const char *path, const char *command)
{
    j->err[0] = 0;
    int ok = 1;
    char *p = dup_or_null(path, &ok), *c = dup_or_null(command, &ok);
    if (!ok) {
        free(p);
        free(c);
        return job_fail(j, PL_ENOMEM, "%s", pl_strerror(PL_ENOMEM));
    }
    free(j->store);
    free(j->command);
    j->store = p;
    j->command = c;
    return PL_OK;
}

pl_status pl_job_set_continuation(pl_job *j, const char *param, int down)
{
    j->err[0] = 0;
    if (param && pl_param_index(j->e, param) < 0)
        return job_fail(j, PL_EINVAL, "continuation: experiment '%s' has no parameter '%s'",
                        j->e->name, param);
    int ok = 1;
    char *c = dup_or_null(param, &ok);
    if (!ok) return job_fail(j, PL_ENOMEM, "%s", pl_strerror(PL_ENOMEM));
    free(j->cont);
    j->cont = c;
    j->direction = down ? PL_DIR_DOWN : PL_DIR_UP;
    return PL_OK;
}

/* The configuration the store's runs table records: experiment, words, seeds, sources. */
static char *job_config_json(const pl_job *j)
{
    cJSON *o = cJSON_CreateObject(), *pr = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "experiment", j->e->name);
    for (int i = 0; i < j->nwords; i++) {
        const char *eq = strchr(j->words[i], '=');
        if (!eq) continue;
        char k[64];
        snprintf(k, sizeof k, "%.*s", (int)(eq - j->words[i]), j->words[i]);
        cJSON_DeleteItemFromObject(pr, k);
        cJSON_AddStringToObject(pr, k, eq + 1);
    }
    cJSON_AddItemToObject(o, "params", pr);
    cJSON_AddNumberToObject(o, "seeds", j->simulate ? j->seeds : 0);
    cJSON_AddNumberToObject(o, "seed_base", (double)j->seed_base);
    cJSON_AddStringToObject(o, "direction", j->direction == PL_DIR_DOWN ? "down" : "up");
    if (j->cont) cJSON_AddStringToObject(o, "continue", j->cont);
    cJSON_AddBoolToObject(o, "theory", j->theory);
    cJSON_AddStringToObject(o, "version", PL_VERSION);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

pl_status pl_job_run(pl_job *j)
{
    j->err[0] = 0;
    pl_records_clear(&j->recs);
    memset(&j->stats, 0, sizeof j->stats);
    pl_store *store = NULL;
    if (j->store) {
        pl_status st = pl_store_open(j->store, &store, j->err, sizeof j->err);
        if (st != PL_OK) return st;
        char *cfg = job_config_json(j);
        st = pl_store_log_run(store, j->command ? j->command : "", cfg ? cfg : "{}");
        free(cfg);
        if (st != PL_OK) {
            job_fail(j, st, "store %s: %s", j->store, pl_store_errmsg(store));
            pl_store_close(&store);
            return st;
        }
    }
    pl_sweep_opts o = {
        .seeds = j->simulate ? j->seeds : 0,
        .seed_base = j->seed_base,
        .theory = j->theory,
        .simulate = j->simulate,
        .store = store,
        .jobs = j->jobs,
        .blas_threads = j->blas_threads,
        .direction = j->direction,
        .continue_param = j->cont,
    };
    pl_status st = pl_sweep_run(&j->grid, &o, &j->recs, &j->stats, j->err, sizeof j->err);
    pl_store_close(&store);
    return st;
}

void pl_job_stats(const pl_job *j, size_t *computed, size_t *loaded, size_t *failed)
{
    if (computed) *computed = j->stats.computed;
    if (loaded) *loaded = j->stats.loaded;
    if (failed) *failed = j->stats.failed;
}

size_t pl_job_count(const pl_job *j) { return j->recs.n; }

const pl_record *pl_job_record(const pl_job *j, size_t r)
{
    return r < j->recs.n ? &j->recs.rec[r] : NULL;
}

void pl_job_params(const pl_job *j, double *out)
{
    size_t np = j->e->n_params;
    for (size_t r = 0; r < j->recs.n; r++)
        memcpy(out + r * np, j->recs.rec[r].params.v, np * sizeof *out);
}

void pl_job_metrics(const pl_job *j, double *out)
{
    size_t nm = j->e->n_metrics;
    for (size_t r = 0; r < j->recs.n; r++)
        memcpy(out + r * nm, j->recs.rec[r].metric, nm * sizeof *out);
}

void pl_job_seeds(const pl_job *j, long *out)
{
    for (size_t r = 0; r < j->recs.n; r++) out[r] = j->recs.rec[r].seed;
}

void pl_job_statuses(const pl_job *j, int *out)
{
    for (size_t r = 0; r < j->recs.n; r++) out[r] = (int)j->recs.rec[r].status;
}

void pl_job_walls(const pl_job *j, double *out)
{
    for (size_t r = 0; r < j->recs.n; r++) out[r] = j->recs.rec[r].wall;
}

const char *pl_job_source(const pl_job *j, size_t r)
{
    return r < j->recs.n ? j->recs.rec[r].source : NULL;
}

const char *pl_job_message(const pl_job *j, size_t r)
{
    return r < j->recs.n ? j->recs.rec[r].message : NULL;
}
