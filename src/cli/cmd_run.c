/* `phaselab run`, `phaselab sweep` and `phaselab theory`: options, JSON configuration files,
 * dispatch to the sweep engine, output. */
#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int pl_cli_parse_count(const char *opt, const char *text, long *out)
{
    char *end;
    errno = 0;
    long v = text ? strtol(text, &end, 10) : 0;
    if (!text || end == text || *end || errno || v < 0)
        return pl_cli_error("%s needs a non-negative integer, got '%s'", opt, text ? text : "");
    *out = v;
    return 0;
}

typedef enum { FMT_TABLE, FMT_CSV, FMT_JSON, FMT_NONE } out_format;

typedef struct {
    out_format fmt;
    int header_done;
} stream_ctx;

static int stream_record(const pl_experiment *e, const pl_record *rec, void *ctx)
{
    stream_ctx *s = ctx;
    if (s->fmt == FMT_CSV) {
        if (!s->header_done) pl_write_csv_header(stdout, e);
        s->header_done = 1;
        pl_write_csv_row(stdout, e, rec);
    } else if (s->fmt == FMT_JSON) {
        pl_write_jsonl_row(stdout, e, rec);
    }
    fflush(stdout);
    return 0;
}

/* Everything a run is told, from the configuration file and then the command line. */
typedef struct {
    const char *exp;
    const char *words[256]; /* key=value words, in order (config first) */
    int nwords;
    long seeds, seed_base, jobs, blas_threads;
    const char *store, *plot, *x, *y, *cont;
    int default_sweep, no_theory, logx, logy, direction;
    int progress_lines; /* --progress: progress lines from the start, terminal or not */
    out_format fmt;
    cJSON *config;          /* parsed configuration file (owns strings in words) */
    char *owned[256];       /* words built from the configuration */
    int nowned;
} run_args;

static int set_format(run_args *a, const char *v)
{
    if (strcmp(v, "table") == 0) a->fmt = FMT_TABLE;
    else if (strcmp(v, "csv") == 0) a->fmt = FMT_CSV;
    else if (strcmp(v, "json") == 0) a->fmt = FMT_JSON;
    else if (strcmp(v, "none") == 0) a->fmt = FMT_NONE;
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

static int add_word(run_args *a, const char *w)
{
    if (a->nwords >= 256) return pl_cli_error("too many key=value words");
    a->words[a->nwords++] = w;
    return 0;
}

/* Read a JSON configuration: {"experiment": ..., "params": {"beta": "0.2:3:0.2", "model":
 * ["wigner", "wishart"], "d": 500}, "seeds": 5, "seed_base": 0, "store": ..., "plot": ...,
 * "format": ..., "jobs": 2, "direction": "up", "continue": "beta"} */
static int load_config(run_args *a, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return pl_cli_error("cannot read configuration '%s': %s", path, strerror(errno));
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *txt = malloc((size_t)len + 1);
    if (!txt || fread(txt, 1, (size_t)len, f) != (size_t)len) {
        fclose(f);
        free(txt);
        return pl_cli_error("cannot read configuration '%s'", path);
    }
    fclose(f);
    txt[len] = 0;
    a->config = cJSON_Parse(txt);
    if (!cJSON_IsObject(a->config)) {
        const char *near = cJSON_GetErrorPtr(); /* points into txt */
        int rc = pl_cli_error("configuration '%s' is not a JSON object (error near: '%.30s')",
                              path, near ? near : "?");
        free(txt);
        return rc;
    }
    free(txt);
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
                char val[1024] = "";
                if (cJSON_IsString(pv)) {
                    snprintf(val, sizeof val, "%s", pv->valuestring);
                } else if (cJSON_IsNumber(pv)) {
                    snprintf(val, sizeof val, "%.17g", pv->valuedouble);
                } else if (cJSON_IsArray(pv)) {
                    cJSON *el;
                    size_t off = 0;
                    cJSON_ArrayForEach(el, pv)
                    {
                        int w = cJSON_IsString(el)
                                    ? snprintf(val + off, sizeof val - off, "%s%s", off ? "," : "", el->valuestring)
                                    : snprintf(val + off, sizeof val - off, "%s%.17g", off ? "," : "", el->valuedouble);
                        if (w > 0) off += (size_t)w;
                    }
                } else {
                    return pl_cli_error("configuration '%s': params.%s must be a number, a "
                                        "string or a list", path, pv->string);
                }
                char *w = malloc(strlen(pv->string) + strlen(val) + 2);
                if (!w || a->nowned >= 256) return pl_cli_error("out of memory");
                sprintf(w, "%s=%s", pv->string, val);
                a->owned[a->nowned++] = w;
                if (add_word(a, w)) return 2;
            }
        } else if (strcmp(k, "seeds") == 0 && cJSON_IsNumber(it) && it->valuedouble >= 0) {
            a->seeds = (long)it->valuedouble;
        } else if (strcmp(k, "seed_base") == 0 && cJSON_IsNumber(it) && it->valuedouble >= 0) {
            a->seed_base = (long)it->valuedouble;
        } else if (strcmp(k, "jobs") == 0 && cJSON_IsNumber(it) && it->valuedouble >= 1) {
            a->jobs = (long)it->valuedouble;
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

static int parse_args(int argc, char **argv, const char *cmdname, run_args *a)
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
            if (pl_cli_parse_count(s, next, &a->seeds)) return 2;
        } else if (strcmp(s, "--seed-base") == 0) {
            if (pl_cli_parse_count(s, next, &a->seed_base)) return 2;
        } else if (strcmp(s, "--jobs") == 0) {
            if (pl_cli_parse_count(s, next, &a->jobs)) return 2;
            if (a->jobs < 1) return pl_cli_error("--jobs must be at least 1");
        } else if (strcmp(s, "--blas-threads") == 0) {
            if (pl_cli_parse_count(s, next, &a->blas_threads)) return 2;
            if (a->blas_threads < 1) return pl_cli_error("--blas-threads must be at least 1");
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
        else if (s[0] == '-')
            return pl_cli_error("%s: unknown option '%s' (see: phaselab --help)", cmdname, s);
        else if (strchr(s, '=')) {
            if (add_word(a, s)) return 2;
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
    char buf[1024], err[512];
    snprintf(buf, sizeof buf, "%s", e->default_sweep);
    char *save = NULL;
    for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
        if (pl_grid_set(g, w, err, sizeof err)) return pl_cli_error("default sweep: %s", err);
    return 0;
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

static void free_args(run_args *a)
{
    for (int i = 0; i < a->nowned; i++) free(a->owned[i]);
    cJSON_Delete(a->config);
}

int pl_cmd_run(int argc, char **argv, int theory_only)
{
    const char *cmdname = theory_only ? "theory" : "run";
    run_args a;
    memset(&a, 0, sizeof a);
    a.seeds = -1;
    a.jobs = sysconf(_SC_NPROCESSORS_ONLN); /* tasks in parallel, one BLAS thread each */
    if (a.jobs < 1) a.jobs = 1;
    a.blas_threads = 1;
    a.logx = a.logy = -1;
    int rc = parse_args(argc, argv, cmdname, &a);
    if (rc) {
        free_args(&a);
        return rc;
    }
    if (!a.exp) {
        free_args(&a);
        return pl_cli_error("%s: which experiment? (see: phaselab list)", cmdname);
    }
    const pl_experiment *e = pl_cli_find_experiment(a.exp);
    if (!e) {
        free_args(&a);
        return 2;
    }
    if (theory_only && !pl_experiment_has_theory(e)) {
        free_args(&a);
        return pl_cli_error("experiment '%s' has no theory", e->name);
    }
    if (a.no_theory && !pl_experiment_has_theory(e)) {
        free_args(&a);
        return pl_cli_error("experiment '%s' has no theory to leave out", e->name);
    }
    pl_grid g;
    pl_grid_init(&g, e);
    char err[512];
    if (a.default_sweep) rc = apply_default_sweep(e, &g);
    for (int i = 0; i < a.nwords && rc == 0; i++)
        if (pl_grid_set(&g, a.words[i], err, sizeof err)) rc = pl_cli_error("%s", err);
    if (rc == 0 && a.cont && pl_param_index(e, a.cont) < 0)
        rc = pl_cli_error("--continue: experiment '%s' has no parameter '%s'", e->name, a.cont);
    if (rc) {
        pl_grid_free(&g);
        free_args(&a);
        return rc;
    }
    long seeds = a.seeds >= 0 ? a.seeds : (a.default_sweep ? e->default_seeds : 1);
    if (!pl_experiment_has_sim(e) || theory_only) seeds = 0;
    int rank = pl_mpi_rank();

    pl_store *store = NULL;
    if (a.store && rank == 0) {
        pl_status st = pl_store_open(a.store, &store, err, sizeof err);
        if (st != PL_OK) {
            pl_grid_free(&g);
            free_args(&a);
            return pl_cli_error("%s", err);
        }
        char *line = join_args(argc, argv, theory_only ? "phaselab theory" : "phaselab run");
        char *cfg = config_json(e, &a, seeds);
        pl_store_log_run(store, line ? line : "", cfg);
        free(line);
        free(cfg);
    }
    stream_ctx sc = {rank == 0 ? a.fmt : FMT_NONE, 0};
    pl_sweep_opts o = {
        .seeds = (int)seeds,
        .seed_base = a.seed_base,
        .theory = !a.no_theory,
        .simulate = !theory_only,
        .store = store,
        .progress = a.progress_lines ? 2 : 1,
        .jobs = (int)a.jobs,
        .blas_threads = (int)a.blas_threads,
        .mpi = 1,
        .direction = (pl_direction)a.direction,
        .continue_param = a.cont,
        .on_record = stream_record,
        .ctx = &sc,
    };
    pl_records all;
    pl_records_init(&all);
    pl_sweep_stats stats;
    pl_status st = pl_sweep_run(&g, &o, &all, &stats, err, sizeof err);
    if (st != PL_OK) {
        rc = pl_cli_error("%s", err);
        if (st != PL_EINVAL) rc = 1;
    } else if (!stats.is_worker) {
        if (a.fmt == FMT_TABLE) pl_write_table(stdout, e, &all);
        if (e->report && all.n) e->report(e, &all, a.fmt == FMT_TABLE ? stdout : stderr);
        if (store)
            fprintf(stderr, "store %s: %zu records computed, %zu loaded\n", a.store,
                    stats.computed, stats.loaded);
        if (stats.failed)
            fprintf(stderr, "phaselab: warning: %zu records did not converge or failed (see the "
                            "status column)\n", stats.failed);
        if (a.plot) {
            pl_plot_opts po = {
                .x = a.x ? a.x : e->plot_x,
                .y = a.y ? a.y : e->plot_y,
                .logx = a.logx >= 0 ? a.logx : e->plot_logx,
                .logy = a.logy >= 0 ? a.logy : e->plot_logy,
            };
            /* with one swept parameter other than the default x, plot against it */
            int sw[PL_MAX_PARAMS];
            size_t nsw = pl_grid_swept(&g, sw, PL_MAX_PARAMS);
            if (!a.x && nsw == 1 && pl_param_index(e, po.x) != sw[0]) {
                po.x = e->params[sw[0]].name;
                po.logx = a.logx >= 0 ? a.logx : 0;
            }
            /* the experiment's own figure unless an axis is asked for */
            pl_status ps = !a.x && !a.y ? pl_plot_experiment(a.plot, e, &all, &po, err, sizeof err)
                                        : pl_plot_lines(a.plot, e, &all, &po, err, sizeof err);
            if (ps != PL_OK)
                rc = pl_cli_error("%s", err);
            else
                fprintf(stderr, "plot written to %s\n", a.plot);
        }
    }
    pl_records_free(&all);
    pl_store_close(&store);
    pl_grid_free(&g);
    free_args(&a);
    return rc;
}
