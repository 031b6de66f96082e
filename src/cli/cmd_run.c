/* `phaselab run`, `phaselab sweep` and `phaselab theory`: options, JSON configuration files,
 * dispatch to the sweep engine, output. */
#include <cJSON.h>
#include <errno.h>
#include <signal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#ifdef PL_HAVE_MPI
#include <mpi.h>
#endif

int pl_cli_parse_long(const char *opt, const char *text, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = text ? strtol(text, &end, 10) : 0;
    if (!text || end == text || *end || errno == ERANGE || v < lo || v > hi)
        return pl_cli_error("%s needs a whole number from %ld to %ld, got '%s'", opt, lo, hi,
                            text ? text : "");
    *out = v;
    return 0;
}

/* Records streamed to stdout as they come. When stdout fails (a closed pipe, a full disk) the
 * run stops printing and goes on computing and storing; the failure is reported at the end. */
typedef struct {
    pl_out_format fmt;
    int header_done;
    int lost;           /* errno of the first failed write, 0 while stdout works */
    int has_store;
} stream_ctx;

/* Check stdout after writing; the first failure is remembered and reported once. */
static int stdout_ok(stream_ctx *s)
{
    if (s->lost) return 0;
    errno = 0;
    if (fflush(stdout) == 0 && !ferror(stdout)) return 1;
    s->lost = errno ? errno : EIO;
    fprintf(stderr, "phaselab: warning: writing the output failed (%s): printing stops; %s\n",
            strerror(s->lost),
            s->has_store ? "the run goes on computing and storing every record"
                         : "the run goes on (without --store its records are not kept)");
    return 0;
}

static int stream_record(const pl_experiment *e, const pl_record *rec, void *ctx)
{
    stream_ctx *s = ctx;
    if (s->lost) return 0;
    if (s->fmt == PL_FMT_CSV) {
        if (!s->header_done) pl_write_csv_header(stdout, e);
        s->header_done = 1;
        pl_write_csv_row(stdout, e, rec);
    } else if (s->fmt == PL_FMT_JSON) {
        pl_write_jsonl_row(stdout, e, rec);
    }
    stdout_ok(s);
    return 0;
}

static int set_format(run_args *a, const char *v)
{
    if (strcmp(v, "table") == 0) a->fmt = PL_FMT_TABLE;
    else if (strcmp(v, "csv") == 0) a->fmt = PL_FMT_CSV;
    else if (strcmp(v, "json") == 0) a->fmt = PL_FMT_JSON;
    else if (strcmp(v, "none") == 0) a->fmt = PL_FMT_NONE;
    else return pl_cli_error("--format must be table, csv, json or none, got '%s'", v);
    return 0;
}

static int set_direction(run_args *a, const char *v)
{
    if (strcmp(v, "up") == 0) a->direction = PL_DIR_UP;
    else if (strcmp(v, "down") == 0) a->direction = PL_DIR_DOWN;
    else return pl_cli_error("--direction must be up or down, got '%s'", v);
    return 0;
}

int pl_cli_add_word(run_args *a, const char *w)
{
    if (a->nwords >= PL_CLI_MAX_WORDS)
        return pl_cli_error("too many key=value words (at most %d)", PL_CLI_MAX_WORDS);
    a->words[a->nwords++] = w;
    return 0;
}

/* A growing string for values built from a configuration list. */
typedef struct {
    char *s;
    size_t n, cap;
} strbuf;

static int strbuf_add(strbuf *b, const char *txt)
{
    size_t l = strlen(txt);
    if (b->n + l + 1 > b->cap) {
        size_t c = b->cap ? b->cap : 64;
        while (c < b->n + l + 1) c *= 2;
        char *q = realloc(b->s, c);
        if (!q) return -1;
        b->s = q;
        b->cap = c;
    }
    memcpy(b->s + b->n, txt, l + 1);
    b->n += l;
    return 0;
}

/* One configuration parameter as the text of a key=value word (malloc'd), or NULL with a
 * message printed. */
static char *config_word(const char *path, const cJSON *pv)
{
    strbuf b = {0};
    char num[40];
    int bad = strbuf_add(&b, pv->string) || strbuf_add(&b, "=");
    if (cJSON_IsString(pv)) {
        bad = bad || strbuf_add(&b, pv->valuestring);
    } else if (cJSON_IsNumber(pv)) {
        pl_format_exact(num, sizeof num, pv->valuedouble);
        bad = bad || strbuf_add(&b, num);
    } else if (cJSON_IsArray(pv)) {
        const cJSON *el;
        int first = 1;
        cJSON_ArrayForEach(el, pv)
        {
            if (!first) bad = bad || strbuf_add(&b, ",");
            first = 0;
            if (cJSON_IsString(el)) {
                bad = bad || strbuf_add(&b, el->valuestring);
            } else if (cJSON_IsNumber(el)) {
                pl_format_exact(num, sizeof num, el->valuedouble);
                bad = bad || strbuf_add(&b, num);
            } else {
                free(b.s);
                pl_cli_error("configuration '%s': params.%s: every item of the list must be a "
                             "number or a string", path, pv->string);
                return NULL;
            }
        }
    } else {
        free(b.s);
        pl_cli_error("configuration '%s': params.%s must be a number, a string or a "
                     "list", path, pv->string);
        return NULL;
    }
    if (bad) {
        free(b.s);
        pl_cli_error("out of memory reading configuration '%s'", path);
        return NULL;
    }
    return b.s;
}

/* A whole number in [lo, hi] from a configuration key, or a message. */
static int config_count(const char *path, const cJSON *it, double lo, double hi, long *out)
{
    if (!cJSON_IsNumber(it) || !(it->valuedouble >= lo && it->valuedouble <= hi) ||
        it->valuedouble != floor(it->valuedouble))
        return pl_cli_error("configuration '%s': '%s' must be a whole number in [%.0f, %.0f]",
                            path, it->string, lo, hi);
    *out = (long)it->valuedouble;
    return 0;
}

/* Read a JSON configuration: {"experiment": ..., "params": {"beta": "0.2:3:0.2", "model":
 * ["wigner", "wishart"], "d": 500}, "seeds": 5, "seed_base": 0, "store": ..., "plot": ...,
 * "format": ..., "jobs": 2, "direction": "up", "continue": "beta"} given as text; path names it
 * in messages. */
int pl_cli_load_config_text(run_args *a, const char *path, const char *txt)
{
    if (a->config) return pl_cli_error("--config given twice");
    a->config = cJSON_Parse(txt);
    if (!cJSON_IsObject(a->config)) {
        const char *near = cJSON_GetErrorPtr(); /* points into txt */
        return pl_cli_error("configuration '%s' is not a JSON object (error near: '%.30s')",
                            path, near ? near : "?");
    }
    cJSON *it;
    cJSON_ArrayForEach(it, a->config)
    {
        const char *k = it->string;
        if (strcmp(k, "experiment") == 0 && cJSON_IsString(it)) {
            a->exp = it->valuestring;
        } else if (strcmp(k, "params") == 0 && cJSON_IsObject(it)) {
            cJSON *pv;
            cJSON_ArrayForEach(pv, it)
            {
                if (a->nowned >= PL_CLI_MAX_WORDS)
                    return pl_cli_error("configuration '%s': too many parameters", path);
                char *w = config_word(path, pv);
                if (!w) return 2;
                a->owned[a->nowned++] = w;
                if (pl_cli_add_word(a, w)) return 2;
            }
        } else if (strcmp(k, "seeds") == 0) {
            if (config_count(path, it, 0, PL_CLI_MAX_SEEDS, &a->seeds)) return 2;
        } else if (strcmp(k, "seed_base") == 0) {
            if (config_count(path, it, 0, PL_CLI_MAX_SEED, &a->seed_base)) return 2;
        } else if (strcmp(k, "jobs") == 0) {
            if (config_count(path, it, 1, PL_CLI_MAX_JOBS, &a->jobs)) return 2;
        } else if (strcmp(k, "store") == 0 && cJSON_IsString(it)) {
            a->store = it->valuestring;
        } else if (strcmp(k, "plot") == 0 && cJSON_IsString(it)) {
            a->plot = it->valuestring;
        } else if (strcmp(k, "continue") == 0 && cJSON_IsString(it)) {
            a->cont = it->valuestring;
        } else if (strcmp(k, "format") == 0 && cJSON_IsString(it)) {
            if (set_format(a, it->valuestring)) return 2;
        } else if (strcmp(k, "direction") == 0 && cJSON_IsString(it)) {
            if (set_direction(a, it->valuestring)) return 2;
        } else {
            return pl_cli_error("configuration '%s': unknown or malformed key '%s' (known: "
                                "experiment, params, seeds, seed_base, jobs, store, plot, "
                                "format, direction, continue)", path, k);
        }
    }
    return 0;
}

static int load_config(run_args *a, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return pl_cli_error("cannot read configuration '%s': %s", path, strerror(errno));
    strbuf b = {0};
    char chunk[4096];
    size_t got;
    int bad = strbuf_add(&b, "");
    while (!bad && (got = fread(chunk, 1, sizeof chunk - 1, f)) > 0) {
        chunk[got] = 0;
        if (memchr(chunk, 0, got)) bad = 1; /* a NUL byte: not a text file */
        else bad = strbuf_add(&b, chunk);
    }
    if (ferror(f)) bad = 1;
    fclose(f);
    if (bad) {
        free(b.s);
        return pl_cli_error("cannot read configuration '%s' (unreadable, not text, or out of "
                            "memory)", path);
    }
    int rc = pl_cli_load_config_text(a, path, b.s);
    free(b.s);
    return rc;
}

int pl_cli_parse_run_args(int argc, char **argv, const char *cmdname, run_args *a)
{
    /* the configuration file first, so that the command line overrides it */
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--config") == 0) {
            if (i + 1 >= argc) return pl_cli_error("--config needs a file");
            if (load_config(a, argv[i + 1])) return 2;
        }
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = strcmp(s, "--seeds") == 0 || strcmp(s, "--seed-base") == 0 ||
                    strcmp(s, "--store") == 0 || strcmp(s, "--plot") == 0 ||
                    strcmp(s, "--format") == 0 || strcmp(s, "--x") == 0 ||
                    strcmp(s, "--y") == 0 || strcmp(s, "--jobs") == 0 ||
                    strcmp(s, "--direction") == 0 || strcmp(s, "--continue") == 0 ||
                    strcmp(s, "--blas-threads") == 0 ||
                    strcmp(s, "--config") == 0;
        if (takes && !next) return pl_cli_error("%s needs a value", s);
        if (strcmp(s, "--seeds") == 0) {
            if (pl_cli_parse_long(s, next, 0, PL_CLI_MAX_SEEDS, &a->seeds)) return 2;
        } else if (strcmp(s, "--seed-base") == 0) {
            if (pl_cli_parse_long(s, next, 0, PL_CLI_MAX_SEED, &a->seed_base)) return 2;
        } else if (strcmp(s, "--jobs") == 0) {
            if (pl_cli_parse_long(s, next, 1, PL_CLI_MAX_JOBS, &a->jobs)) return 2;
        } else if (strcmp(s, "--blas-threads") == 0) {
            if (pl_cli_parse_long(s, next, 1, PL_CLI_MAX_JOBS, &a->blas_threads)) return 2;
        } else if (strcmp(s, "--store") == 0) a->store = next;
        else if (strcmp(s, "--plot") == 0) a->plot = next;
        else if (strcmp(s, "--x") == 0) a->x = next;
        else if (strcmp(s, "--y") == 0) a->y = next;
        else if (strcmp(s, "--continue") == 0) a->cont = next;
        else if (strcmp(s, "--format") == 0) {
            if (set_format(a, next)) return 2;
        } else if (strcmp(s, "--direction") == 0) {
            if (set_direction(a, next)) return 2;
        } else if (strcmp(s, "--config") == 0) {
        } else if (strcmp(s, "--default-sweep") == 0) a->default_sweep = 1;
        else if (strcmp(s, "--no-theory") == 0) a->no_theory = 1;
        else if (strcmp(s, "--progress") == 0) a->progress_lines = 1;
        else if (strcmp(s, "--logx") == 0) a->logx = 1;
        else if (strcmp(s, "--logy") == 0) a->logy = 1;
        else if (strcmp(s, "--no-size-check") == 0) a->no_size_check = 1;
        else if (s[0] == '-')
            return pl_cli_error("%s: unknown option '%s' (see: phaselab --help)", cmdname, s);
        else if (strchr(s, '=')) {
            if (pl_cli_add_word(a, s)) return 2;
        } else if (!a->exp || (a->config && a->exp == cJSON_GetStringValue(cJSON_GetObjectItem(a->config, "experiment"))))
            a->exp = s;
        else
            return pl_cli_error("%s: expected key=value or an option, got '%s'", cmdname, s);
        if (takes) i++;
    }
    return 0;
}

static int apply_default_sweep(const pl_experiment *e, pl_grid *g)
{
    if (!e->default_sweep) return pl_cli_error("experiment '%s' has no default sweep", e->name);
    char err[512], *buf = strdup(e->default_sweep);
    if (!buf) return pl_cli_error("out of memory");
    char *save = NULL;
    int rc = 0;
    for (char *w = strtok_r(buf, " ", &save); w && !rc; w = strtok_r(NULL, " ", &save))
        if (pl_grid_set(g, w, err, sizeof err)) rc = pl_cli_error("default sweep: %s", err);
    free(buf);
    return rc;
}

/* The effective configuration, stored with the results. */
static char *config_json(const pl_experiment *e, const run_args *a, long seeds)
{
    cJSON *o = cJSON_CreateObject(), *pr = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "experiment", e->name);
    if (a->default_sweep && e->default_sweep)
        cJSON_AddStringToObject(o, "default_sweep", e->default_sweep);
    for (int i = 0; i < a->nwords; i++) {
        const char *eq = strchr(a->words[i], '=');
        char k[64];
        snprintf(k, sizeof k, "%.*s", (int)(eq - a->words[i]), a->words[i]);
        cJSON_DeleteItemFromObject(pr, k);
        cJSON_AddStringToObject(pr, k, eq + 1);
    }
    cJSON_AddItemToObject(o, "params", pr);
    cJSON_AddNumberToObject(o, "seeds", (double)seeds);
    cJSON_AddNumberToObject(o, "seed_base", (double)a->seed_base);
    cJSON_AddStringToObject(o, "direction", a->direction == PL_DIR_DOWN ? "down" : "up");
    if (a->cont) cJSON_AddStringToObject(o, "continue", a->cont);
    cJSON_AddBoolToObject(o, "theory", !a->no_theory);
    cJSON_AddStringToObject(o, "version", PL_VERSION);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

static char *join_args(int argc, char **argv, const char *prefix)
{
    size_t len = strlen(prefix) + 1;
    for (int i = 0; i < argc; i++) len += strlen(argv[i]) + 1;
    char *s = malloc(len);
    if (!s) return NULL;
    strcpy(s, prefix);
    for (int i = 0; i < argc; i++) {
        strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

void pl_cli_run_args_init(run_args *a)
{
    memset(a, 0, sizeof *a);
    a->seeds = -1;
    a->jobs = sysconf(_SC_NPROCESSORS_ONLN); /* tasks in parallel, one BLAS thread each */
    if (a->jobs < 1) a->jobs = 1;
    if (a->jobs > PL_CLI_MAX_JOBS) a->jobs = PL_CLI_MAX_JOBS;
    a->blas_threads = 1;
    a->logx = a->logy = -1;
}

void pl_cli_run_args_free(run_args *a)
{
    for (int i = 0; i < a->nowned; i++) free(a->owned[i]);
    cJSON_Delete(a->config);
    a->config = NULL;
    a->nowned = 0;
}

/* The signal that asked the run to stop (SIGTERM, SIGINT), 0 while none has: the one piece of
 * process state a signal handler may set. */
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) { stop_signal = sig; }

/* What the sweep's callbacks need: the output stream and, to stop cleanly, the store. */
typedef struct {
    stream_ctx out;
    pl_store **store;
    const char *store_path;
    const pl_sweep_stats *stats;
} run_ctx;

static int run_record(const pl_experiment *e, const pl_record *rec, void *ctx)
{
    return stream_record(e, rec, &((run_ctx *)ctx)->out);
}

/* A stop request (SIGTERM / SIGINT): every record computed so far is committed; release the
 * lock, say so and end with 128 + the signal number. */
static void run_on_stop(void *ctx)
{
    run_ctx *r = ctx;
    int sig = (int)stop_signal;
    fflush(stdout);
    if (pl_mpi_rank() != 0) _exit(128 + sig); /* a worker: the coordinator speaks */
    if (*r->store) {
        pl_store_close(r->store);
        fprintf(stderr, "\nphaselab: error: stopped by %s: the %zu records computed in this run "
                        "are committed to %s and its lock is released; rerun the same command "
                        "to resume\n", sig == SIGINT ? "SIGINT" : "SIGTERM", r->stats->computed,
                r->store_path);
    } else {
        fprintf(stderr, "\nphaselab: error: stopped by %s (no --store: the records computed "
                        "are not kept)\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    }
    fflush(stderr);
#ifdef PL_HAVE_MPI
    if (pl_mpi_size() > 1) MPI_Abort(MPI_COMM_WORLD, 128 + sig);
#endif
    _exit(128 + sig);
}

/* Memory this machine offers: physical memory, or a lower cgroup limit (container, batch
 * job); 0 when unknown. */
static double machine_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGE_SIZE);
    double m = pages > 0 && psz > 0 ? (double)pages * (double)psz : 0;
    FILE *f = fopen("/sys/fs/cgroup/memory.max", "r");
    if (f) {
        unsigned long long v;
        if (fscanf(f, "%llu", &v) == 1 && v > 0 && (m == 0 || (double)v < m)) m = (double)v;
        fclose(f);
    }
    return m;
}

static void fmt_bytes(char *b, size_t n, double v)
{
    const char *u[] = {"B", "KB", "MB", "GB", "TB", "PB", "EB"};
    int k = 0;
    while (v >= 1000 && k < 6) {
        v /= 1000;
        k++;
    }
    snprintf(b, n, "%.3g %s", v, u[k]);
}

/* Refuse a sweep whose size does not fit before any work: a cell count that overflows (always),
 * or more memory than the machine has (unless --no-size-check). */
static int check_size(const pl_grid *g, const pl_sweep_opts *o, int no_check)
{
    pl_sweep_size sz;
    char err[512];
    if (pl_sweep_estimate(g, o, &sz, err, sizeof err) != PL_OK) return pl_cli_error("%s", err);
    /* a grid small enough to check cell by cell gets the experiment's own message first (it
       knows its memory better than the estimate) */
    if (sz.cells <= 1000000 && pl_grid_validate(g, err, sizeof err)) return pl_cli_error("%s", err);
    double mem = machine_memory();
    if (no_check || mem <= 0 || sz.bytes <= 0.8 * mem) return 0;
    char need[32], have[32], rec[32], sim[32];
    fmt_bytes(need, sizeof need, sz.bytes);
    fmt_bytes(have, sizeof have, mem);
    fmt_bytes(rec, sizeof rec, sz.record_bytes);
    fmt_bytes(sim, sizeof sim, sz.sim_bytes);
    return pl_cli_error("this sweep needs at least %s of memory (%zu cells, %zu record groups: "
                        "%s of records; %zu simulations in parallel x %s of data each), more than "
                        "80%% of the %s this machine offers; use a smaller grid or fewer --jobs, "
                        "or --no-size-check to run it anyway",
                        need, sz.cells, sz.groups, rec, sz.sims_in_parallel, sim, have);
}

/* The plot's options, known before the sweep (the axes of the default line figure). */
static void plot_options(const pl_experiment *e, const pl_grid *g, const run_args *a,
                         pl_plot_opts *po)
{
    memset(po, 0, sizeof *po);
    po->x = a->x ? a->x : e->plot_x;
    po->y = a->y ? a->y : e->plot_y;
    po->logx = a->logx >= 0 ? a->logx : e->plot_logx;
    po->logy = a->logy >= 0 ? a->logy : e->plot_logy;
    /* with one swept parameter other than the default x, plot against it */
    int sw[PL_MAX_PARAMS];
    size_t nsw = pl_grid_swept(g, sw, PL_MAX_PARAMS);
    if (!a->x && nsw == 1 && pl_param_index(e, po->x) != sw[0]) {
        po->x = e->params[sw[0]].name;
        po->logx = a->logx >= 0 ? a->logx : 0;
    }
}

/* --x and --y name a parameter and metrics of the experiment. */
static int check_axes(const pl_experiment *e, const run_args *a)
{
    if (a->x && pl_param_index(e, a->x) < 0)
        return pl_cli_error("--x: experiment '%s' has no parameter '%s' (see: phaselab help %s)",
                            e->name, a->x, e->name);
    if (!a->y) return 0;
    char *buf = strdup(a->y), *save = NULL;
    if (!buf) return pl_cli_error("out of memory");
    int rc = 0, n = 0;
    for (char *t = strtok_r(buf, ",", &save); t && !rc; t = strtok_r(NULL, ",", &save), n++)
        if (pl_metric_index(e, t) < 0)
            rc = pl_cli_error("--y: experiment '%s' has no metric '%s' (see: phaselab help %s)",
                              e->name, t, e->name);
    free(buf);
    if (!rc && n == 0) rc = pl_cli_error("--y needs at least one metric name");
    return rc;
}

/* The plot file can be written and has a known extension (a file made by the probe is removed
 * again). Only the rank that will draw it asks. */
static int check_plot_file(const char *file)
{
    const char *dev;
    char err[512];
    int existed = access(file, F_OK) == 0;
    pl_status st = pl_plot_target(file, &dev, err, sizeof err);
    if (st == PL_OK && !existed) unlink(file);
    return st == PL_OK ? 0 : pl_cli_error("%s", err);
}

/* After the sweep: print the table, the report, the plot; returns the exit code. */
static int run_finish(const pl_experiment *e, const run_args *a, const pl_grid *g,
                      const pl_records *all, const pl_sweep_stats *stats, run_ctx *rc_)
{
    int rc = 0;
    char err[512];
    stream_ctx *sc = &rc_->out;
    if (a->fmt == PL_FMT_TABLE && !sc->lost) {
        pl_write_table(stdout, e, all);
        stdout_ok(sc);
    }
    if (e->report && all->n) {
        e->report(e, all, a->fmt == PL_FMT_TABLE && !sc->lost ? stdout : stderr);
        if (a->fmt == PL_FMT_TABLE) stdout_ok(sc);
    }
    if (a->store)
        fprintf(stderr, "store %s: %zu records computed, %zu loaded\n", a->store,
                stats->computed, stats->loaded);
    if (stats->failed)
        fprintf(stderr, "phaselab: warning: %zu records did not converge or failed (see the "
                        "status column)\n", stats->failed);
    if (a->plot) {
        pl_plot_opts po;
        plot_options(e, g, a, &po);
        /* the experiment's own figure unless an axis is asked for */
        pl_status st = !a->x && !a->y ? pl_plot_experiment(a->plot, e, all, &po, err, sizeof err)
                                      : pl_plot_lines(a->plot, e, all, &po, err, sizeof err);
        if (st != PL_OK)
            rc = pl_cli_error("%s", err);
        else
            fprintf(stderr, "plot written to %s\n", a->plot);
    }
    if (sc->lost) {
        /* the output is gone; keep the final flush at exit from failing again */
        if (!freopen("/dev/null", "w", stdout)) clearerr(stdout);
        if (sc->lost == EPIPE && a->store && rc == 0)
            fprintf(stderr, "phaselab: note: the output was closed early; every record is in "
                            "the store %s\n", a->store);
        else if (rc == 0) {
            pl_cli_error("the output was lost (%s)%s", strerror(sc->lost),
                         a->store ? "; every record is in the store" : "");
            rc = 1;
        }
    }
    return rc;
}

int pl_cmd_run(int argc, char **argv, int theory_only)
{
    const char *cmdname = theory_only ? "theory" : "run";
    run_args a;
    pl_cli_run_args_init(&a);
    int rc = pl_cli_parse_run_args(argc, argv, cmdname, &a);
    const pl_experiment *e = NULL;
    if (!rc && !a.exp) rc = pl_cli_error("%s: which experiment? (see: phaselab list)", cmdname);
    if (!rc && !(e = pl_cli_find_experiment(a.exp))) rc = 2;
    if (!rc && theory_only && !pl_experiment_has_theory(e))
        rc = pl_cli_error("experiment '%s' has no theory", e->name);
    if (!rc && a.no_theory && !pl_experiment_has_theory(e))
        rc = pl_cli_error("experiment '%s' has no theory to leave out", e->name);
    if (rc) {
        pl_cli_run_args_free(&a);
        return rc;
    }
    pl_grid g;
    pl_grid_init(&g, e);
    char err[512];
    if (a.default_sweep) rc = apply_default_sweep(e, &g);
    for (int i = 0; i < a.nwords && rc == 0; i++)
        if (pl_grid_set(&g, a.words[i], err, sizeof err)) rc = pl_cli_error("%s", err);
    if (rc == 0 && a.cont && pl_param_index(e, a.cont) < 0)
        rc = pl_cli_error("--continue: experiment '%s' has no parameter '%s'", e->name, a.cont);
    long seeds = a.seeds >= 0 ? a.seeds : (a.default_sweep ? e->default_seeds : 1);
    if (!pl_experiment_has_sim(e) || theory_only) seeds = 0;
    if (rc == 0 && seeds > 0 && a.seed_base > PL_CLI_MAX_SEED - (seeds - 1))
        rc = pl_cli_error("--seed-base %ld with --seeds %ld goes past the largest seed %ld",
                          a.seed_base, seeds, PL_CLI_MAX_SEED);
    if (rc == 0) rc = check_axes(e, &a);
    int rank = pl_mpi_rank();
    pl_sweep_stats stats;
    memset(&stats, 0, sizeof stats);
    pl_store *store = NULL;
    run_ctx ctx = {.out = {rank == 0 ? a.fmt : PL_FMT_NONE, 0, 0, a.store != NULL},
                   .store = &store, .store_path = a.store, .stats = &stats};
    pl_sweep_opts o = {
        .seeds = (int)seeds,
        .seed_base = a.seed_base,
        .theory = !a.no_theory,
        .simulate = !theory_only,
        .progress = a.progress_lines ? 2 : 1,
        .jobs = (int)a.jobs,
        .blas_threads = (int)a.blas_threads,
        .mpi = 1,
        .direction = (pl_direction)a.direction,
        .continue_param = a.cont,
        .on_record = run_record,
        .ctx = &ctx,
        .stop = &stop_signal,
        .on_stop = run_on_stop,
    };
    /* Checks only the coordinating rank can make (its plot file, its memory, its store); then
       every rank takes its verdict, so that workers never wait for a coordinator that left. */
    if (rc == 0 && rank == 0 && a.plot) rc = check_plot_file(a.plot);
    if (rc == 0 && rank == 0) rc = check_size(&g, &o, a.no_size_check);
    if (rc == 0) {
        /* TERM / INT: commit what is done, release the lock, exit non-zero (run_on_stop); a
           closed output pipe must not kill a run that is storing its records */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
    }
    if (rc == 0 && a.store && rank == 0) {
        pl_status st = pl_store_open(a.store, &store, err, sizeof err);
        if (st != PL_OK) {
            rc = pl_cli_error("%s", err);
        } else {
            char *line = join_args(argc, argv, theory_only ? "phaselab theory" : "phaselab run");
            char *cfg = config_json(e, &a, seeds);
            if (pl_store_log_run(store, line ? line : "", cfg) != PL_OK)
                rc = pl_cli_error("store '%s': cannot record the run: %s", a.store,
                                  pl_store_errmsg(store));
            free(line);
            free(cfg);
        }
    }
    pl_mpi_agree(&rc, NULL, 0);
    if (rc) {
        pl_store_close(&store);
        pl_grid_free(&g);
        pl_cli_run_args_free(&a);
        return rc;
    }
    o.store = store;
    pl_records all;
    pl_records_init(&all);
    pl_status st = pl_sweep_run(&g, &o, &all, &stats, err, sizeof err);
    /* a stop the sweep did not answer (asked for between its tasks and its end) is answered
       here: everything is committed already; from now on TERM / INT act as usual */
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    if (stop_signal) run_on_stop(&ctx);
    if (st != PL_OK) {
        rc = pl_cli_error("%s", err);
        if (st != PL_EINVAL) rc = 1;
    } else if (!stats.is_worker) {
        rc = run_finish(e, &a, &g, &all, &stats, &ctx);
    }
    pl_records_free(&all);
    pl_store_close(&store);
    pl_grid_free(&g);
    pl_cli_run_args_free(&a);
    return rc;
}
