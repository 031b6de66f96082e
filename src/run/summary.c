/* Aggregation of records into mean ± standard error rows. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/report.h"

static int same_params(const pl_experiment *e, const pl_params *a, const pl_params *b)
{
    for (size_t i = 0; i < e->n_params; i++)
        if (a->v[i] != b->v[i]) return 0;
    return 1;
}

pl_status pl_summarize(const pl_experiment *e, const pl_records *recs, pl_summary_row **rows,
                       size_t *nrows)
{
    size_t cap = recs->n ? recs->n : 1, n = 0;
    pl_summary_row *out = calloc(cap, sizeof *out);
    double(*m2)[PL_MAX_METRICS] = calloc(cap, sizeof *m2);
    if (!out || !m2) {
        free(out);
        free(m2);
        return PL_ENOMEM;
    }
    for (size_t r = 0; r < recs->n; r++) {
        const pl_record *rec = &recs->rec[r];
        int is_theory = rec->seed < 0;
        /* theory branches: the k-th theory record of a cell is branch k */
        int branch = 0;
        if (is_theory)
            for (size_t q = 0; q < r; q++)
                if (recs->rec[q].seed < 0 && strcmp(recs->rec[q].source, rec->source) == 0 &&
                    same_params(e, &recs->rec[q].params, &rec->params))
                    branch++;
        size_t k;
        for (k = 0; k < n; k++)
            if (out[k].branch == branch && strcmp(out[k].source, rec->source) == 0 &&
                same_params(e, &out[k].params, &rec->params))
                break;
        if (k == n) {
            memset(&out[n], 0, sizeof out[n]);
            out[n].params = rec->params;
            memcpy(out[n].source, rec->source, sizeof out[n].source);
            out[n].branch = branch;
            n++;
        }
        pl_summary_row *row = &out[k];
        row->nrec++;
        if (rec->status == PL_REC_FAILED || rec->status == PL_REC_DIVERGED) {
            row->nbad++;
            continue;
        }
        if (rec->status == PL_REC_NOT_CONVERGED) row->nnc++;
        for (size_t j = 0; j < e->n_metrics; j++) {
            double v = rec->metric[j];
            if (!isfinite(v)) continue;
            /* Welford update */
            row->n[j]++;
            double d = v - row->mean[j];
            row->mean[j] += d / (double)row->n[j];
            m2[k][j] += d * (v - row->mean[j]);
        }
    }
    for (size_t k = 0; k < n; k++)
        for (size_t j = 0; j < e->n_metrics; j++) {
            size_t c = out[k].n[j];
            if (c == 0) out[k].mean[j] = NAN;
            out[k].se[j] = c > 1 ? sqrt(m2[k][j] / (double)(c - 1) / (double)c) : NAN;
        }
    free(m2);
    *rows = out;
    *nrows = n;
    return PL_OK;
}
