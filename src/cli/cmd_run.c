/* `phaselab run` and `phaselab theory`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

typedef enum { FMT_TABLE, FMT_CSV, FMT_JSON } out_format;

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

/* Add the words of an experiment's default sweep to the grid (user words override). */
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

int pl_cmd_run(int argc, char **argv, int theory_only)
{
    const char *cmdname = theory_only ? "theory" : "run";
    if (argc < 1 || argv[0][0] == '-')
        return pl_cli_error("%s: which experiment? (see: phaselab list)", cmdname);
    const pl_experiment *e = pl_cli_find_experiment(argv[0]);
    if (!e) return 2;
    if (theory_only && !e->theory)
        return pl_cli_error("experiment '%s' has no theory", e->name);
    long seeds = -1, seed_base = 0;
    const char *store_path = NULL, *plot_path = NULL, *xname = NULL, *yname = NULL;
    int default_sweep = 0, no_theory = 0, logx = -1, logy = -1;
    out_format fmt = FMT_TABLE;
    pl_grid g;
    pl_grid_init(&g, e);
    int rc = 0;
    char err[512];
    for (int i = 1; i < argc && rc == 0; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--seeds") == 0) {
            rc = pl_cli_parse_count("--seeds", next, &seeds);
            i++;
        } else if (strcmp(a, "--seed-base") == 0) {
            rc = pl_cli_parse_count("--seed-base", next, &seed_base);
            i++;
        } else if (strcmp(a, "--store") == 0 || strcmp(a, "--plot") == 0 ||
                   strcmp(a, "--format") == 0 || strcmp(a, "--x") == 0 || strcmp(a, "--y") == 0) {
            if (!next) {
                rc = pl_cli_error("%s needs a value", a);
                break;
            }
            if (strcmp(a, "--store") == 0) store_path = next;
            else if (strcmp(a, "--plot") == 0) plot_path = next;
            else if (strcmp(a, "--x") == 0) xname = next;
            else if (strcmp(a, "--y") == 0) yname = next;
            else if (strcmp(next, "table") == 0) fmt = FMT_TABLE;
            else if (strcmp(next, "csv") == 0) fmt = FMT_CSV;
            else if (strcmp(next, "json") == 0) fmt = FMT_JSON;
            else rc = pl_cli_error("--format must be table, csv or json, got '%s'", next);
            i++;
        } else if (strcmp(a, "--default-sweep") == 0) {
            default_sweep = 1;
        } else if (strcmp(a, "--no-theory") == 0) {
            no_theory = 1;
        } else if (strcmp(a, "--logx") == 0) {
            logx = 1;
        } else if (strcmp(a, "--logy") == 0) {
            logy = 1;
        } else if (a[0] == '-') {
            rc = pl_cli_error("%s: unknown option '%s' (see: phaselab --help)", cmdname, a);
        } else if (strchr(a, '=') == NULL) {
            rc = pl_cli_error("%s: expected key=value or an option, got '%s'", cmdname, a);
        }
    }
    /* the default sweep first, then the user's words on top of it */
    if (rc == 0 && default_sweep) rc = apply_default_sweep(e, &g);
    for (int i = 1; i < argc && rc == 0; i++) {
        if (argv[i][0] == '-') {
            if (strcmp(argv[i], "--seeds") == 0 || strcmp(argv[i], "--seed-base") == 0 ||
                strcmp(argv[i], "--store") == 0 || strcmp(argv[i], "--plot") == 0 ||
                strcmp(argv[i], "--format") == 0 || strcmp(argv[i], "--x") == 0 ||
                strcmp(argv[i], "--y") == 0)
                i++;
            continue;
        }
        if (pl_grid_set(&g, argv[i], err, sizeof err)) rc = pl_cli_error("%s", err);
    }
    if (rc) {
        pl_grid_free(&g);
        return rc;
    }
    if (seeds < 0) seeds = default_sweep ? e->default_seeds : 1;
    if (e->simulate == NULL || theory_only) seeds = 0;
    if (!e->theory && no_theory)
        return pl_cli_error("experiment '%s' has no theory to leave out", e->name);

    pl_store *store = NULL;
    if (store_path) {
        pl_status st = pl_store_open(store_path, &store, err, sizeof err);
        if (st != PL_OK) {
            pl_grid_free(&g);
            return pl_cli_error("%s", err);
        }
        char *line = join_args(argc, argv, theory_only ? "phaselab theory" : "phaselab run");
        pl_store_log_run(store, line ? line : "", NULL);
        free(line);
    }
    stream_ctx sc = {fmt, 0};
    pl_sweep_opts o = {
        .seeds = (int)seeds,
        .seed_base = seed_base,
        .theory = !no_theory,
        .simulate = !theory_only,
        .store = store,
        .progress = 1,
        .on_record = stream_record,
        .ctx = &sc,
    };
    pl_records all;
    pl_records_init(&all);
    pl_sweep_stats stats;
    pl_status st = pl_sweep_run(&g, &o, &all, &stats, err, sizeof err);
    if (st != PL_OK) {
        rc = st == PL_EINVAL ? pl_cli_error("%s", err) : (pl_cli_error("%s", err), 1);
    } else {
        if (fmt == FMT_TABLE) pl_write_table(stdout, e, &all);
        if (store)
            fprintf(stderr, "store %s: %zu records computed, %zu loaded\n", store_path,
                    stats.computed, stats.loaded);
        if (stats.failed)
            fprintf(stderr, "phaselab: warning: %zu records did not converge or failed (see the "
                            "status column)\n", stats.failed);
        if (plot_path) {
            pl_plot_opts po = {
                .x = xname ? xname : e->plot_x,
                .y = yname ? yname : e->plot_y,
                .logx = logx >= 0 ? logx : e->plot_logx,
                .logy = logy >= 0 ? logy : e->plot_logy,
            };
            /* with one swept parameter other than the default x, plot against it */
            int sw[PL_MAX_PARAMS];
            size_t nsw = pl_grid_swept(&g, sw, PL_MAX_PARAMS);
            if (!xname && nsw == 1 && pl_param_index(e, po.x) != sw[0]) {
                po.x = e->params[sw[0]].name;
                po.logx = logx >= 0 ? logx : 0;
            }
            if (pl_plot_lines(plot_path, e, &all, &po, err, sizeof err) != PL_OK)
                rc = pl_cli_error("%s", err);
            else
                fprintf(stderr, "plot written to %s\n", plot_path);
        }
    }
    pl_records_free(&all);
    pl_store_close(&store);
    pl_grid_free(&g);
    return rc;
}
