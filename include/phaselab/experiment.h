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

/* One parameter of an experiment, bound to a field of the experiment's typed point struct.
 * Write the entries with the PL_P_* macros below, which fill name, type and the checked field
 * offset; add range flags and the rest as designated initialisers, e.g.
 *     {PL_P_REAL(bbp_point, beta, 2.0, 0, 1e6, "spike strength"), .lo_open = 1}
 * Field types: PL_PARAM_REAL binds a double, PL_PARAM_INT a long, PL_PARAM_CHOICE an int (the
 * index into `choices`) or, for a choice from a family's type table (PL_P_TABLE), a pointer to
 * the chosen table entry (each entry's first member is its `const char *name`). */
typedef struct {
    const char *name;
    pl_param_type type;
    double def;          /* default value; for PL_PARAM_CHOICE the index into choices */
    double lo, hi;       /* valid range (inclusive unless the *_open flag is set) */
    int lo_open, hi_open;
    const char *choices; /* PL_PARAM_CHOICE without a table: "wigner|wishart" */
    const char *help;
    size_t offset;       /* field offset in the point struct (valid when bound = 1) */
    int bound;
    const void *table;   /* PL_P_TABLE: array of table_n entries of table_stride bytes */
    size_t table_n, table_stride; /* table_n = 0: the table ends at a NULL name / pointer */
    int table_ptrs;      /* PL_P_PTABLE: the table holds pointers to the entries */
    /* 1 for a parameter added after the experiment's first stored results: the cell key (and
     * so the random stream and the store's cell identity) omits it while it holds its
     * default, so stores written before it existed keep resuming and reproduce bit for bit. */
    int added;
} pl_param_spec;

#define PL_FIELD_(T, f, FT) _Generic(((T *)0)->f, FT: offsetof(T, f))
#define PL_P_REAL(T, f, def_, lo_, hi_, help_)                                                   \
    .name = #f, .type = PL_PARAM_REAL, .def = (def_), .lo = (lo_), .hi = (hi_),                  \
    .help = (help_), .offset = PL_FIELD_(T, f, double), .bound = 1
#define PL_P_INT(T, f, def_, lo_, hi_, help_)                                                    \
    .name = #f, .type = PL_PARAM_INT, .def = (def_), .lo = (lo_), .hi = (hi_), .help = (help_), \
    .offset = PL_FIELD_(T, f, long), .bound = 1
#define PL_P_CHOICE(T, f, def_, choices_, help_)                                                 \
    .name = #f, .type = PL_PARAM_CHOICE, .def = (def_), .choices = (choices_), .help = (help_), \
    .offset = PL_FIELD_(T, f, int), .bound = 1
/* A choice among the entries of a family's type table `tbl` (an array, or a pointer with its
 * count n_): the point's field is a pointer to the entry, compared against &tbl[0] so that a
 * field of the wrong type does not compile silently. */
#define PL_P_TABLE(T, f, tbl, n_, def_, help_)                                                    \
    .name = #f, .type = PL_PARAM_CHOICE, .def = (def_), .help = (help_),                          \
    .offset = offsetof(T, f) + 0 * sizeof(((T *)0)->f == &(tbl)[0]), .bound = 1,              \
    .table = (tbl), .table_n = (n_), .table_stride = sizeof (tbl)[0]

/* A choice among the entries of a NULL-terminated table of pointers to entries (the
 * field is the entry pointer). */
#define PL_P_PTABLE(T, f, tbl, def_, help_)                                                        \
    .name = #f, .type = PL_PARAM_CHOICE, .def = (def_), .help = (help_),                          \
    .offset = offsetof(T, f) + 0 * sizeof(((T *)0)->f == (tbl)[0]), .bound = 1,               \
    .table = (tbl), .table_stride = sizeof (tbl)[0], .table_ptrs = 1

/* One metric: a double field of the experiment's result struct. */
typedef struct {
    const char *name;
    size_t offset;
    const char *help;
} pl_metric_spec;
#define PL_METRIC(R, f, help_) {.name = #f, .offset = PL_FIELD_(R, f, double), .help = (help_)}

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

#define PL_ARRAY_NAME 32

/* A named array carried by a record (owned by the record; see pl_record_set_array). */
typedef struct {
    char name[PL_ARRAY_NAME];
    size_t n;
    double *v;
} pl_rec_array;

/* A record owns its arrays: copy records with pl_records_append / pl_record_copy (deep
 * copies) and release them with pl_records_clear / pl_records_free / pl_record_release, never
 * by assigning the struct to another one that outlives it. */
typedef struct {
    pl_params params;
    char source[32];          /* "theory" or "sim:<algorithm>" */
    long seed;                /* -1 for theory */
    pl_rec_status status;
    char message[PL_MSG_LEN];
    double metric[PL_MAX_METRICS]; /* NaN = not produced */
    double wall;              /* seconds */
    pl_rec_array *arrays;     /* owned, narrays of them (NULL when none) */
    size_t narrays;
} pl_record;

typedef struct {
    pl_record *rec;
    size_t n, cap;
} pl_records;

struct pl_experiment;
typedef struct pl_experiment pl_experiment;
struct pl_figure;

/* Where an experiment's typed hooks put their results: each pl_emit() appends one record for
 * the current cell (parameters and seed filled in) whose metrics are read from the
 * experiment's result struct through its metric map. */
typedef struct {
    const pl_experiment *e;
    const pl_params *params;
    long seed;                /* -1 for theory */
    pl_records *out;
} pl_emitter;

#define PL_MAX_POINT 1024 /* bytes of an experiment's typed point struct */
#define PL_MAX_RESULT (8 * PL_MAX_METRICS)

struct pl_experiment {
    const char *name;
    const char *summary;          /* one line for `phaselab list` */
    const char *description;      /* paragraph for `phaselab help EXP` */
    const pl_param_spec *params;
    size_t n_params;
    size_t point_size;            /* sizeof the typed point struct the params are bound to */
    const pl_metric_spec *metric_map; /* n_metrics double fields of the result struct */
    size_t result_size;           /* sizeof the result struct */
    const char *const *metrics;   /* legacy: metric names, when metric_map is NULL */
    size_t n_metrics;
    const char *default_sweep;    /* key=grid words for `run EXP --default-sweep` */
    int default_seeds;
    const char *plot_x;           /* default plot axes */
    const char *plot_y;           /* comma-separated metrics, one panel each */
    int plot_logx, plot_logy;

    /* ---- typed hooks (pt points to the experiment's point struct) ---- */
    /* Cross-parameter validation beyond the ranges: NULL or a message written into buf. */
    const char *(*check_point)(const void *pt, char *buf, size_t len);
    /* One simulation at point pt with the cell's RNG stream; emits one record per algorithm.
     * NULL if theory-only. */
    pl_status (*sim)(const pl_experiment *e, const void *pt, pl_rng *rng, pl_emitter *em);
    /* Theory predictions at pt (one record per solution branch); NULL if simulation-only. */
    pl_status (*solve)(const pl_experiment *e, const void *pt, pl_emitter *em);
    /* Optional: theory with a warm start along a continued parameter (forward or backward,
     * so that hysteresis and spinodals show). state_in: the state the previous point of the
     * chain returned (NULL, nstate_in = 0 for a cold start); writes at most PL_MAX_STATE
     * doubles of final state into state_out and its length into *nstate_out (0 when there is
     * nothing worth carrying, e.g. after a failure). */
    pl_status (*solve_warm)(const pl_experiment *e, const void *pt, const double *state_in,
                            size_t nstate_in, double *state_out, size_t *nstate_out,
                            pl_emitter *em);

    /* ---- legacy hooks on positional pl_params (being replaced by the typed ones) ---- */
    const char *(*check)(const pl_params *p, char *buf, size_t len);
    pl_status (*simulate)(const pl_experiment *e, const pl_params *p, pl_rng *rng,
                          pl_records *out);
    pl_status (*theory)(const pl_experiment *e, const pl_params *p, pl_records *out);
    pl_status (*theory_warm)(const pl_experiment *e, const pl_params *p, const double *state_in,
                             size_t nstate_in, double *state_out, size_t *nstate_out,
                             pl_records *out);

    /* Optional: the experiment's own default figure as data (src/run/ draws it) for
     * `run --plot FILE` and `plot --store` when neither --x nor --y is given (a histogram, a
     * pair of heat maps, ...); NULL: line plot of plot_y against plot_x. */
    pl_status (*figure)(const pl_experiment *e, const pl_records *recs, struct pl_figure *fig);
    /* legacy: draws the figure itself (being replaced by `figure`) */
    pl_status (*plot)(const pl_experiment *e, const pl_records *recs, const char *file,
                      char *err, size_t errlen);
    /* Optional: a summary of a whole sweep (fitted exponents, crossings), printed after the
     * table by `run` / `sweep` (to stderr when the output is CSV or JSON). */
    void (*report)(const pl_experiment *e, const pl_records *recs, FILE *out);
    /* The default line figure draws the theory on a fine grid of its own (about 100 points
     * along x per curve, recomputed at plot time) when it is cheap: 0 = when the theory
     * records' own wall times predict a few seconds at most for the whole figure, 1 = always,
     * -1 = never (only the swept points, e.g. theory that takes seconds per point). */
    int theory_fine;
    /* Optional: the relative cost of one group at point pt (theory = 1: the theory of the
     * point; 0: one simulation seed), e.g. (double)d * d * n; NULL: every point of a kind
     * costs the same. Only weighs the sweep's ETA. */
    double (*cost)(const pl_experiment *e, const void *pt, int theory);
};

/* ---- the generic runner: what the sweep engine calls ---- */
int pl_experiment_has_sim(const pl_experiment *e);
int pl_experiment_has_theory(const pl_experiment *e);
int pl_experiment_has_warm(const pl_experiment *e);
/* One simulation of cell p with seed `seed` and the cell's stream rng; appends records. */
pl_status pl_experiment_simulate(const pl_experiment *e, const pl_params *p, pl_rng *rng,
                                 long seed, pl_records *out);
/* Theory of cell p; with state pointers non-NULL and a warm hook, a warm-started solve. */
pl_status pl_experiment_theory(const pl_experiment *e, const pl_params *p,
                               const double *state_in, size_t nstate_in, double *state_out,
                               size_t *nstate_out, pl_records *out);
/* Decode cell p into the experiment's typed point struct (point_size bytes at pt). */
void pl_point_from_params(const pl_experiment *e, const pl_params *p, void *pt);
/* Every metric field of the result struct res set to NaN ("not produced"). */
void pl_result_clear(const pl_experiment *e, void *res);
/* Append a record of `source` for the emitter's cell with metrics read from res (NULL: all
 * NaN). Returns the record (to set status and message) or NULL when out of memory. */
pl_record *pl_emit(pl_emitter *em, const char *source, const void *res);
/* Name of metric k. */
const char *pl_metric_name(const pl_experiment *e, size_t k);

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
/* Number of choices of a choice parameter, and all of them as "a|b|c" written into buf. */
size_t pl_param_choice_count(const pl_experiment *e, int i);
const char *pl_param_choices(const pl_experiment *e, int i, char *buf, size_t len);
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
/* Arrays carried by a record (a spectrum, a trajectory, filters), stored with it (store schema
 * v2) and copied with it: set copies v; get returns NULL (and *n = 0) when absent. */
pl_status pl_record_set_array(pl_record *rec, const char *name, const double *v, size_t n);
const double *pl_record_array(const pl_record *rec, const char *name, size_t *n);
/* dst becomes a deep copy of src (dst's own arrays are not released: dst is uninitialised
 * memory or a record already released); PL_ENOMEM leaves dst with no arrays. */
pl_status pl_record_copy(pl_record *dst, const pl_record *src);
/* Free the record's arrays (the rest of the record stays as it is). */
void pl_record_release(pl_record *rec);
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
