/* Experiments: typed parameters, records, and the registry.
 *
 * An experiment wires a model family's sampler, algorithm(s) and theory behind one name. It
 * declares its parameters (name, type, default, valid range, help) and metrics; `simulate`
 * runs the algorithms for one parameter point and one seed, `theory` gives the asymptotic
 * predictions for the same point. Both append records (one per source: "sim:<algo>" or
 * "theory"; several theory records for several solution branches).
 *
 * Adding an experiment: write src/experiments/<name>.c defining a `const pl_experiment
 * pl_exp_<name>` and add one line to src/experiments/registry.c.
 */
#ifndef PHASELAB_EXPERIMENT_H
#define PHASELAB_EXPERIMENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "phaselab/rng.h"
#include "phaselab/status.h"
#include "phaselab/api.h"

PL_BEGIN_DECLS

#define PL_MAX_PARAMS 24
#define PL_MAX_METRICS 32
#define PL_MSG_LEN 200
#define PL_MAX_STATE 64 /* doubles of theory state carried along a continuation */

typedef enum { PL_PARAM_REAL = 0, PL_PARAM_INT, PL_PARAM_CHOICE } pl_param_type;

typedef struct {
    const char *name;
    pl_param_type type;
    double def;          /* default value; for PL_PARAM_CHOICE the index into choices */
    double lo, hi;       /* valid range (inclusive unless the *_open flag is set) */
    int lo_open, hi_open;
    const char *choices; /* PL_PARAM_CHOICE: "wigner|wishart" */
    const char *help;
} pl_param_spec;

/* Parameter values in the order of the experiment's spec array (choice = index). */
typedef struct {
    double v[PL_MAX_PARAMS];
} pl_params;

typedef enum {
    PL_REC_CONVERGED = 0, /* finished normally (iterations converged, or a direct computation) */
    PL_REC_NOT_CONVERGED,
    PL_REC_DIVERGED,
    PL_REC_FAILED
} pl_rec_status;

typedef struct {
    pl_params params;
    char source[32];          /* "theory" or "sim:<algorithm>" */
    long seed;                /* -1 for theory */
    pl_rec_status status;
    char message[PL_MSG_LEN];
    double metric[PL_MAX_METRICS]; /* NaN = not produced */
    double wall;              /* seconds */
} pl_record;

typedef struct {
    pl_record *rec;
    size_t n, cap;
} pl_records;

struct pl_experiment;
typedef struct pl_experiment pl_experiment;

struct pl_experiment {
    const char *name;
    const char *summary;          /* one line for `phaselab list` */
    const char *description;      /* paragraph for `phaselab help EXP` */
    const pl_param_spec *params;
    size_t n_params;
    const char *const *metrics;
    size_t n_metrics;
    const char *default_sweep;    /* key=grid words for `run EXP --default-sweep` */
    int default_seeds;
    const char *plot_x;           /* default plot axes */
    const char *plot_y;           /* comma-separated metrics, one panel each */
    int plot_logx, plot_logy;
    /* Cross-parameter validation beyond the ranges; return NULL or a message in buf. */
    const char *(*check)(const pl_params *p, char *buf, size_t len);
    /* One simulation at point p with the cell's RNG stream; NULL if theory-only. */
    pl_status (*simulate)(const pl_experiment *e, const pl_params *p, pl_rng *rng,
                          pl_records *out);
    /* Theory predictions at point p; NULL if simulation-only. */
    pl_status (*theory)(const pl_experiment *e, const pl_params *p, pl_records *out);
    /* Optional: theory with a warm start, used by sweeps that continue along a parameter
     * (forward or backward), so that hysteresis and spinodals show. state_in is the state the
     * previous point of the chain returned (NULL and nstate_in = 0 for a cold start); the
     * function writes its final state (at most PL_MAX_STATE doubles) into state_out and its
     * length into *nstate_out (0 when it has none worth carrying, e.g. after a failure). */
    pl_status (*theory_warm)(const pl_experiment *e, const pl_params *p, const double *state_in,
                             size_t nstate_in, double *state_out, size_t *nstate_out,
                             pl_records *out);
    /* Optional: the experiment's own default figure for `run --plot FILE` when neither --x
     * nor --y is given (a histogram, a pair of heat maps, ...); NULL: line plot of plot_y
     * against plot_x. */
    pl_status (*plot)(const pl_experiment *e, const pl_records *recs, const char *file,
                      char *err, size_t errlen);
    /* Optional: a summary of a whole sweep (fitted exponents, crossings), printed after the
     * table by `run` / `sweep` (to stderr when the output is CSV or JSON). */
    void (*report)(const pl_experiment *e, const pl_records *recs, FILE *out);
};

/* registry */
size_t pl_experiment_count(void);
const pl_experiment *pl_experiment_at(size_t i);
const pl_experiment *pl_experiment_find(const char *name);

/* parameters and metrics by name (-1 if absent) */
int pl_param_index(const pl_experiment *e, const char *name);
int pl_metric_index(const pl_experiment *e, const char *name);
void pl_params_default(const pl_experiment *e, pl_params *p);
/* Parse one value for parameter i; NULL on success, else a message in buf. */
const char *pl_param_parse_value(const pl_experiment *e, int i, const char *text, double *v,
                                 char *buf, size_t len);
/* Range check of one value; NULL or message. */
const char *pl_param_check_value(const pl_experiment *e, int i, double v, char *buf, size_t len);
/* Range checks of every parameter, then the experiment's own check. */
const char *pl_params_validate(const pl_experiment *e, const pl_params *p, char *buf, size_t len);
/* Text of parameter i's value (choice name or %.17g number) */
void pl_param_format(const pl_experiment *e, int i, double v, char *buf, size_t len);
/* The name of the choice index v of parameter i, written into buf (returned) */
const char *pl_param_choice_name(const pl_experiment *e, int i, double v, char *buf,
                                 size_t len);
/* Canonical key "name=value;..." of a parameter point (identifies a cell in the store). */
void pl_params_key(const pl_experiment *e, const pl_params *p, char *buf, size_t len);

/* records */
void pl_records_init(pl_records *r);
void pl_records_free(pl_records *r);
void pl_records_clear(pl_records *r);
/* Append a record with all metrics NaN, status converged; NULL on allocation failure. */
pl_record *pl_records_add(pl_records *r, const pl_params *p, const char *source, long seed);
pl_status pl_records_append(pl_records *r, const pl_record *rec);
void pl_record_set(pl_record *rec, const pl_experiment *e, const char *metric, double v);
double pl_record_get(const pl_record *rec, const pl_experiment *e, const char *metric);
pl_rec_status pl_rec_status_from(pl_status s);
const char *pl_rec_status_name(pl_rec_status s);
int pl_rec_status_parse(const char *name, pl_rec_status *s);
/* Mark rec failed/diverged/... from a library status with a message. */
void pl_record_fail(pl_record *rec, pl_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

PL_END_DECLS

#endif
