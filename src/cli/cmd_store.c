/* `phaselab export` and `phaselab plot` (read a store). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct {
    int jsonl;
    const pl_experiment *last;
    int mixed;
} export_ctx;

static int export_record(const pl_experiment *e, const pl_record *rec, void *ctx)
{
    export_ctx *x = ctx;
    if (x->jsonl) {
        pl_write_jsonl_row(stdout, e, rec);
    } else {
        /* one header per run of records of the same experiment */
        if (x->last != e) {
            if (x->last) x->mixed = 1;
            pl_write_csv_header(stdout, e);
            x->last = e;
        }
        pl_write_csv_row(stdout, e, rec);
    }
    return 0;
}

int pl_cmd_export(int argc, char **argv)
{
    const char *store_path = NULL, *exp = NULL;
    int jsonl = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--store") == 0 && i + 1 < argc) store_path = argv[++i];
        else if (strcmp(argv[i], "--experiment") == 0 && i + 1 < argc) exp = argv[++i];
        else if (strcmp(argv[i], "--csv") == 0) jsonl = 0;
        else if (strcmp(argv[i], "--jsonl") == 0) jsonl = 1;
        else return pl_cli_error("export: unexpected argument '%s'", argv[i]);
    }
    if (!store_path) return pl_cli_error("export: --store FILE is required");
    const pl_experiment *e = NULL;
    if (exp && !(e = pl_cli_find_experiment(exp))) return 2;
    pl_store *s;
    char err[512];
    if (pl_store_open_mode(store_path, PL_STORE_READ, &s, err, sizeof err) != PL_OK) return pl_cli_error("%s", err);
    export_ctx x = {jsonl, NULL, 0};
    pl_status st = pl_store_each(s, e, export_record, &x);
    pl_store_close(&s);
    if (st != PL_OK) return pl_cli_error("export: %s", pl_strerror(st));
    if (x.mixed)
        fprintf(stderr, "phaselab: note: the store holds several experiments; each block of "
                        "CSV has its own header (use --experiment EXP or --jsonl)\n");
    return 0;
}

static int collect(const pl_experiment *e, const pl_record *rec, void *ctx)
{
    (void)e;
    return pl_records_append(ctx, rec) != PL_OK;
}

int pl_cmd_plot(int argc, char **argv)
{
    const char *store_path = NULL, *exp = NULL, *x = NULL, *y = NULL, *out = NULL, *z = NULL;
    const char *source = NULL;
    int logx = -1, logy = -1, logz = 0;
    long width = 0, height = 0, contours = 8;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--store") == 0 && i + 1 < argc) store_path = argv[++i];
        else if (strcmp(a, "--x") == 0 && i + 1 < argc) x = argv[++i];
        else if (strcmp(a, "--y") == 0 && i + 1 < argc) y = argv[++i];
        else if (strcmp(a, "--out") == 0 && i + 1 < argc) out = argv[++i];
        else if (strcmp(a, "--z") == 0 && i + 1 < argc) z = argv[++i];
        else if (strcmp(a, "--source") == 0 && i + 1 < argc) source = argv[++i];
        else if (strcmp(a, "--logz") == 0) logz = 1;
        else if (strcmp(a, "--width") == 0 && i + 1 < argc) {
            if (pl_cli_parse_count(a, argv[++i], &width)) return 2;
        } else if (strcmp(a, "--height") == 0 && i + 1 < argc) {
            if (pl_cli_parse_count(a, argv[++i], &height)) return 2;
        } else if (strcmp(a, "--contours") == 0 && i + 1 < argc) {
            if (pl_cli_parse_count(a, argv[++i], &contours)) return 2;
        }
        else if (strcmp(a, "--logx") == 0) logx = 1;
        else if (strcmp(a, "--logy") == 0) logy = 1;
        else if (a[0] != '-' && !exp) exp = a;
        else return pl_cli_error("plot: unexpected argument '%s'", a);
    }
    if (!store_path) return pl_cli_error("plot: --store FILE is required");
    if (!exp) return pl_cli_error("plot: which experiment?");
    const pl_experiment *e = pl_cli_find_experiment(exp);
    if (!e) return 2;
    char outbuf[512];
    if (!out) {
        snprintf(outbuf, sizeof outbuf, "%s.png", e->name);
        out = outbuf;
    }
    pl_store *s;
    char err[512];
    if (pl_store_open_mode(store_path, PL_STORE_READ, &s, err, sizeof err) != PL_OK) return pl_cli_error("%s", err);
    pl_records recs;
    pl_records_init(&recs);
    pl_status st = pl_store_each(s, e, collect, &recs);
    pl_store_close(&s);
    int rc = 0;
    if (st != PL_OK) {
        rc = pl_cli_error("plot: %s", pl_strerror(st));
    } else if (recs.n == 0) {
        rc = pl_cli_error("plot: the store has no records of '%s'", e->name);
    } else if (z) {
        if (!x || !y) {
            rc = pl_cli_error("plot: a heat map (--z %s) needs --x PARAM and --y PARAM", z);
        } else {
            pl_heatmap_opts ho = {.x = x, .y = y, .z = z, .source = source, .logx = logx > 0,
                                  .logy = logy > 0, .logz = logz, .ncontours = (int)contours,
                                  .width = (int)width, .height = (int)height};
            if (pl_plot_heatmap(out, e, &recs, &ho, err, sizeof err) != PL_OK)
                rc = pl_cli_error("%s", err);
            else
                fprintf(stderr, "plot written to %s\n", out);
        }
    } else {
        pl_plot_opts po = {.x = x ? x : e->plot_x, .y = y ? y : e->plot_y,
                           .logx = logx >= 0 ? logx : e->plot_logx,
                           .logy = logy >= 0 ? logy : e->plot_logy,
                           .width = (int)width, .height = (int)height};
        /* without --x / --y: the experiment's own figure */
        pl_status ps = !x && !y ? pl_plot_experiment(out, e, &recs, &po, err, sizeof err)
                                : pl_plot_lines(out, e, &recs, &po, err, sizeof err);
        if (ps != PL_OK)
            rc = pl_cli_error("%s", err);
        else
            fprintf(stderr, "plot written to %s\n", out);
    }
    pl_records_free(&recs);
    return rc;
}

int pl_cmd_unlock(int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[0], "--store") != 0)
        return pl_cli_error("usage: phaselab unlock --store FILE");
    char err[512];
    if (pl_store_unlock(argv[1], err, sizeof err) != PL_OK) return pl_cli_error("%s", err);
    fprintf(stderr, "store %s unlocked\n", argv[1]);
    return 0;
}
