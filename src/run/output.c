/* CSV, JSON lines and the human-readable table. */
#include <cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/report.h"
#include "phaselab/store.h"

void pl_write_csv_header(FILE *f, const pl_experiment *e)
{
    fputs("experiment,source,seed,status", f);
    for (size_t i = 0; i < e->n_params; i++) fprintf(f, ",%s", e->params[i].name);
    for (size_t k = 0; k < e->n_metrics; k++) fprintf(f, ",%s", pl_metric_name(e, k));
    fputc('\n', f);
}

void pl_write_csv_row(FILE *f, const pl_experiment *e, const pl_record *r)
{
    fprintf(f, "%s,%s,", e->name, r->source);
    if (r->seed >= 0) fprintf(f, "%ld", r->seed);
    fprintf(f, ",%s", pl_rec_status_name(r->status));
    for (size_t i = 0; i < e->n_params; i++) {
        char b[64];
        pl_param_format(e, (int)i, r->params.v[i], b, sizeof b);
        fprintf(f, ",%s", b);
    }
    for (size_t k = 0; k < e->n_metrics; k++) {
        if (isfinite(r->metric[k])) {
            char b[40];
            pl_format_exact(b, sizeof b, r->metric[k]);
            fprintf(f, ",%s", b);
        } else
            fputc(',', f);
    }
    fputc('\n', f);
}

void pl_write_jsonl_row(FILE *f, const pl_experiment *e, const pl_record *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "experiment", e->name);
    cJSON_AddStringToObject(o, "source", r->source);
    if (r->seed >= 0)
        cJSON_AddNumberToObject(o, "seed", (double)r->seed);
    else
        cJSON_AddNullToObject(o, "seed");
    cJSON_AddStringToObject(o, "status", pl_rec_status_name(r->status));
    cJSON_AddStringToObject(o, "message", r->message);
    char *pj = pl_params_json(e, &r->params), *mj = pl_metrics_json(e, r);
    cJSON_AddItemToObject(o, "params", cJSON_Parse(pj ? pj : "{}"));
    cJSON_AddItemToObject(o, "metrics", cJSON_Parse(mj ? mj : "{}"));
    cJSON_AddNumberToObject(o, "wall_s", r->wall);
    cJSON_AddStringToObject(o, "version", PL_VERSION);
    if (r->narrays) {
        cJSON *arrs = cJSON_AddObjectToObject(o, "arrays");
        for (size_t a = 0; arrs && a < r->narrays; a++) {
            cJSON *v = cJSON_AddArrayToObject(arrs, r->arrays[a].name);
            for (size_t i = 0; v && i < r->arrays[a].n; i++) {
                double x = r->arrays[a].v[i];
                char b[40];
                pl_format_exact(b, sizeof b, x);
                cJSON_AddItemToArray(v, isfinite(x) ? cJSON_CreateRaw(b) : cJSON_CreateNull());
            }
        }
    }
    char *s = cJSON_PrintUnformatted(o);
    if (s) fprintf(f, "%s\n", s);
    free(s);
    free(pj);
    free(mj);
    cJSON_Delete(o);
}

static void fmt_num(char *b, size_t n, double v)
{
    if (!isfinite(v))
        snprintf(b, n, "-");
    else
        snprintf(b, n, "%.5g", v);
}

pl_status pl_write_table(FILE *f, const pl_experiment *e, const pl_records *recs)
{
    pl_summary_row *rows;
    size_t nrows;
    pl_status st = pl_summarize(e, recs, &rows, &nrows);
    if (st != PL_OK) return st;
    /* parameters that vary across the records become columns; the rest go in the title */
    int varies[PL_MAX_PARAMS] = {0};
    for (size_t i = 0; i < e->n_params; i++)
        for (size_t r = 1; r < nrows; r++)
            if (rows[r].params.v[i] != rows[0].params.v[i]) varies[i] = 1;
    fprintf(f, "# %s", e->name);
    for (size_t i = 0; i < e->n_params && nrows; i++)
        if (!varies[i]) {
            char b[64];
            pl_param_format(e, (int)i, rows[0].params.v[i], b, sizeof b);
            fprintf(f, " %s=%s", e->params[i].name, b);
        }
    fputc('\n', f);
    for (size_t i = 0; i < e->n_params; i++)
        if (varies[i]) fprintf(f, "%-10s ", e->params[i].name);
    fprintf(f, "%-14s %5s", "source", "n");
    for (size_t k = 0; k < e->n_metrics; k++) fprintf(f, " %22s", pl_metric_name(e, k));
    fputc('\n', f);
    for (size_t r = 0; r < nrows; r++) {
        const pl_summary_row *row = &rows[r];
        for (size_t i = 0; i < e->n_params; i++)
            if (varies[i]) {
                char b[64];
                pl_param_format(e, (int)i, row->params.v[i], b, sizeof b);
                fprintf(f, "%-10s ", b);
            }
        char src[40];
        if (row->branch)
            snprintf(src, sizeof src, "%s#%d", row->source, row->branch);
        else
            snprintf(src, sizeof src, "%s", row->source);
        fprintf(f, "%-14s %5zu", src, row->nrec);
        for (size_t k = 0; k < e->n_metrics; k++) {
            char m[32], s[32], cellb[80];
            fmt_num(m, sizeof m, row->mean[k]);
            if (row->n[k] > 1) {
                fmt_num(s, sizeof s, row->se[k]);
                snprintf(cellb, sizeof cellb, "%s ± %s", m, s);
            } else {
                snprintf(cellb, sizeof cellb, "%s", m);
            }
            /* the ± sign is two bytes in UTF-8: pad by display width */
            int pad = 22 + (strstr(cellb, "±") ? 1 : 0);
            fprintf(f, " %*s", pad, cellb);
        }
        if (row->nbad) fprintf(f, "  (%zu failed)", row->nbad);
        fputc('\n', f);
    }
    free(rows);
    return PL_OK;
}
