/* The default line figure of an experiment, built as data (see pl_figure_lines in report.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "phaselab/figure.h"
#include "phaselab/report.h"

#define MAX_PANEL_METRICS 8
#define FINE_N 100           /* theory points per curve on the fine grid */
#define FINE_BUDGET_S 4.0    /* predicted seconds of theory the fine grid may take */

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int is_theory_source(const char *s) { return strncmp(s, "theory", 6) == 0; }

/* Line style of theory source `src` (the s-th theory source) on branch b: plain "theory" solid,
 * "theory:down" pattern 2, every other named theory (theory:dw, theory:pop, ...) a pattern of
 * its own, so that several theories of one curve can be told apart. */
static int theory_dash(const char *src, size_t s, int b)
{
    if (strcmp(src, "theory") == 0) return b;
    if (strncmp(src, "theory:down", 11) == 0) return 2 + b;
    return (int)(3 + s + (size_t)b) % 8;
}

/* ---- curve groups: rows that agree on every varying parameter except x ---- */

typedef struct {
    const pl_experiment *e;
    const pl_summary_row *rows;
    size_t nrows;
    int xi;
    int varies[PL_MAX_PARAMS];
    int *grp;          /* group of each row */
    size_t *reps;      /* a representative row of each group */
    size_t ngroups;
    const char **src;  /* distinct sources, theory ones first */
    size_t nsrc;
} layout;

static int same_group(const layout *L, size_t a, size_t b)
{
    for (size_t i = 0; i < L->e->n_params; i++)
        if (L->varies[i] && (int)i != L->xi && L->rows[a].params.v[i] != L->rows[b].params.v[i])
            return 0;
    return 1;
}

static pl_status layout_init(layout *L)
{
    L->grp = malloc((L->nrows ? L->nrows : 1) * sizeof *L->grp);
    L->reps = malloc((L->nrows ? L->nrows : 1) * sizeof *L->reps);
    L->src = malloc((L->nrows ? L->nrows : 1) * sizeof *L->src);
    if (!L->grp || !L->reps || !L->src) return PL_ENOMEM;
    for (size_t i = 0; i < L->e->n_params; i++)
        for (size_t r = 1; r < L->nrows; r++)
            if (L->rows[r].params.v[i] != L->rows[0].params.v[i]) L->varies[i] = 1;
    for (size_t r = 0; r < L->nrows; r++) {
        size_t g = 0;
        while (g < L->ngroups && !same_group(L, L->reps[g], r)) g++;
        if (g == L->ngroups) L->reps[L->ngroups++] = r;
        L->grp[r] = (int)g;
    }
    for (int pass = 0; pass < 2; pass++) /* theory sources first */
        for (size_t r = 0; r < L->nrows; r++) {
            const char *s = L->rows[r].source;
            if (is_theory_source(s) != (pass == 0)) continue;
            size_t k = 0;
            while (k < L->nsrc && strcmp(L->src[k], s) != 0) k++;
            if (k == L->nsrc) L->src[L->nsrc++] = s;
        }
    return PL_OK;
}

static void layout_free(layout *L)
{
    free(L->grp);
    free(L->reps);
    free(L->src);
}

/* "name=value name=value" of the parameters that vary, except x */
static void group_label(const layout *L, size_t g, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = 0;
    for (size_t i = 0; i < L->e->n_params && off < len; i++)
        if (L->varies[i] && (int)i != L->xi) {
            char v[64];
            pl_param_format(L->e, (int)i, L->rows[L->reps[g]].params.v[i], v, sizeof v);
            int w = snprintf(buf + off, len - off, "%s%s=%s", off ? " " : "", L->e->params[i].name, v);
            if (w > 0) off += (size_t)w;
        }
}

/* ---- theory on a fine grid ---- */

typedef struct {
    size_t nb;        /* branches */
    double *y;        /* nb x nmetrics x FINE_N values (NaN: not produced) */
    double x[FINE_N];
} fine_curve;         /* one per (group, theory source) */

/* Does the record source `got` (as the theory hook emits it) stand for the summary source
 * `want` ("theory:down..." is what the sweep calls the downward chain of "theory...")? */
static int source_matches(const char *want, const char *got)
{
    if (strncmp(want, "theory:down", 11) == 0)
        return strncmp(got, "theory", 6) == 0 && strcmp(got + 6, want + 11) == 0;
    return strcmp(want, got) == 0;
}

static pl_status fine_compute(const layout *L, size_t g, const char *source, int logx,
                              fine_curve *fc)
{
    const pl_experiment *e = L->e;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t r = 0; r < L->nrows; r++)
        if (L->grp[r] == (int)g && strcmp(L->rows[r].source, source) == 0) {
            lo = fmin(lo, L->rows[r].params.v[L->xi]);
            hi = fmax(hi, L->rows[r].params.v[L->xi]);
        }
    fc->nb = 0;
    fc->y = NULL;
    if (!(hi > lo)) return PL_OK;
    int lg = logx && lo > 0;
    for (int i = 0; i < FINE_N; i++) {
        double t = (double)i / (FINE_N - 1);
        fc->x[i] = lg ? exp(log(lo) + t * (log(hi) - log(lo))) : lo + t * (hi - lo);
    }
    fc->x[0] = lo;
    fc->x[FINE_N - 1] = hi;
    int down = strncmp(source, "theory:down", 11) == 0, warm = pl_experiment_has_warm(e);
    double state[PL_MAX_STATE], nstate_buf[PL_MAX_STATE];
    size_t nstate = 0;
    pl_records out;
    pl_records_init(&out);
    size_t nm = e->n_metrics, cap = 0;
    pl_status st = PL_OK;
    for (int j = 0; j < FINE_N && st == PL_OK; j++) {
        int i = down ? FINE_N - 1 - j : j;
        pl_params p = L->rows[L->reps[g]].params;
        p.v[L->xi] = fc->x[i];
        char msg[256];
        if (pl_params_validate(e, &p, msg, sizeof msg)) continue;
        pl_records_clear(&out);
        size_t nout = 0;
        pl_status ts = warm ? pl_experiment_theory(e, &p, nstate ? state : NULL, nstate, nstate_buf,
                                                   &nout, &out)
                            : pl_experiment_theory(e, &p, NULL, 0, NULL, NULL, &out);
        if (ts == PL_ENOMEM) {
            st = ts;
            break;
        }
        if (warm && ts == PL_OK && nout > 0) {
            nstate = nout > PL_MAX_STATE ? PL_MAX_STATE : nout;
            memcpy(state, nstate_buf, nstate * sizeof *state);
        }
        size_t b = 0;
        for (size_t q = 0; q < out.n; q++) {
            const pl_record *rec = &out.rec[q];
            if (!source_matches(source, rec->source)) continue;
            if (b >= cap) { /* one more branch: grow, filling with NaN */
                size_t nc = cap ? 2 * cap : 2;
                double *ny = realloc(fc->y, nc * nm * FINE_N * sizeof *ny);
                if (!ny) {
                    st = PL_ENOMEM;
                    break;
                }
                for (size_t z = cap * nm * FINE_N; z < nc * nm * FINE_N; z++) ny[z] = NAN;
                fc->y = ny;
                cap = nc;
            }
            int good = rec->status != PL_REC_FAILED && rec->status != PL_REC_DIVERGED;
            for (size_t k = 0; k < nm; k++)
                fc->y[(b * nm + k) * FINE_N + (size_t)i] = good ? rec->metric[k] : NAN;
            b++;
        }
        if (b > fc->nb) fc->nb = b;
    }
    pl_records_free(&out);
    return st;
}

/* Whether to draw the theory on a fine grid: the mean wall time of the stored theory records
 * times the number of fine points must fit the budget. */
static int fine_wanted(const pl_experiment *e, const pl_records *recs, size_t ncurves)
{
    if (e->theory_fine < 0 || !pl_experiment_has_theory(e) || ncurves == 0) return 0;
    if (e->theory_fine > 0) return 1;
    double w = 0;
    size_t n = 0;
    for (size_t i = 0; i < recs->n; i++)
        if (recs->rec[i].seed < 0 && isfinite(recs->rec[i].wall)) {
            w += recs->rec[i].wall;
            n++;
        }
    return n > 0 && w / (double)n * FINE_N * (double)ncurves <= FINE_BUDGET_S;
}

/* ---- titles ---- */

static void subtitle(const layout *L, const pl_records *recs, char *buf, size_t len)
{
    const pl_experiment *e = L->e;
    pl_params def;
    pl_params_default(e, &def);
    size_t off = 0;
    int omitted = 0;
    buf[0] = 0;
    /* fixed parameters away from their defaults first, then the defaults while they fit */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < e->n_params; i++) {
            double v = L->rows[0].params.v[i];
            if (L->varies[i] || (int)i == L->xi || ((v != def.v[i]) != (pass == 0))) continue;
            char vb[64], item[128];
            pl_param_format(e, (int)i, v, vb, sizeof vb);
            int w = snprintf(item, sizeof item, "%s%s=%s", off ? "  " : "", e->params[i].name, vb);
            if (w < 0) continue;
            if (off + (size_t)w + 32 < len && off + (size_t)w < 110) {
                memcpy(buf + off, item, (size_t)w + 1);
                off += (size_t)w;
            } else {
                omitted++;
            }
        }
    long smin = -1, smax = -1;
    for (size_t i = 0; i < recs->n; i++)
        if (recs->rec[i].seed >= 0) {
            if (smin < 0 || recs->rec[i].seed < smin) smin = recs->rec[i].seed;
            if (recs->rec[i].seed > smax) smax = recs->rec[i].seed;
        }
    if (omitted && off + 24 < len)
        off += (size_t)snprintf(buf + off, len - off, "%s(%d more at defaults)", off ? "  " : "", omitted);
    if (smin >= 0 && off + 40 < len)
        snprintf(buf + off, len - off, "%sseeds %ld-%ld, mean ± SE", off ? "   " : "", smin, smax);
}

/* ---- the figure ---- */

typedef struct {
    double x, y, e;
} xye;

static int cmp_xye(const void *a, const void *b)
{
    double d = ((const xye *)a)->x - ((const xye *)b)->x;
    return (d > 0) - (d < 0);
}

/* Add the points (or line through the swept points) of rows of group g, source s, branch b,
 * metric k; nc selects rows with (1) or without (0) not-converged records (-1: all). */
static pl_status add_rows(pl_panel *p, const layout *L, size_t g, size_t s, int b, int k,
                          pl_series_kind kind, int nc, xye *buf, double *xs, double *ys,
                          double *es, int *added)
{
    size_t m = 0;
    for (size_t r = 0; r < L->nrows; r++) {
        const pl_summary_row *row = &L->rows[r];
        if (L->grp[r] != (int)g || row->branch != b || strcmp(row->source, L->src[s]) != 0)
            continue;
        if (nc >= 0 && (row->nnc > 0) != nc) continue;
        if (!isfinite(row->mean[k])) continue;
        buf[m].x = row->params.v[L->xi];
        buf[m].y = row->mean[k];
        buf[m].e = row->se[k];
        m++;
    }
    *added = 0;
    if (m == 0) return PL_OK;
    qsort(buf, m, sizeof *buf, cmp_xye);
    for (size_t q = 0; q < m; q++) {
        xs[q] = buf[q].x;
        ys[q] = buf[q].y;
        es[q] = buf[q].e;
    }
    *added = 1;
    return pl_panel_add_series(p, kind, "", m, xs, ys, kind == PL_SERIES_POINTS ? es : NULL);
}

pl_status pl_figure_lines(const pl_experiment *e, const pl_records *recs, const pl_plot_opts *o,
                          pl_figure *fig, char *err, size_t errlen)
{
    if (errlen) err[0] = 0;
    size_t nth = 0; /* theory sources (the first nth of L.src) */
    const char *xname = o->x ? o->x : e->plot_x;
    int xi = xname ? pl_param_index(e, xname) : -1;
    if (xi < 0) {
        snprintf(err, errlen, "plot: experiment '%s' has no parameter '%s'", e->name,
                 xname ? xname : "(none)");
        return PL_EINVAL;
    }
    int metrics[MAX_PANEL_METRICS];
    size_t nk = 0;
    char ybuf[512];
    snprintf(ybuf, sizeof ybuf, "%s", o->y ? o->y : e->plot_y ? e->plot_y : "");
    char *save = NULL;
    for (char *t = strtok_r(ybuf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int k = pl_metric_index(e, t);
        if (k < 0) {
            snprintf(err, errlen, "plot: experiment '%s' has no metric '%s'", e->name, t);
            return PL_EINVAL;
        }
        if (nk == MAX_PANEL_METRICS) {
            snprintf(err, errlen, "plot: at most %d metrics in one figure", MAX_PANEL_METRICS);
            return PL_EINVAL;
        }
        metrics[nk++] = k;
    }
    if (nk == 0 || recs->n == 0) {
        snprintf(err, errlen, "plot: nothing to plot");
        return PL_EINVAL;
    }
    pl_summary_row *rows;
    layout L;
    memset(&L, 0, sizeof L);
    pl_status st = pl_summarize(e, recs, &rows, &L.nrows);
    if (st != PL_OK) return st;
    L.e = e;
    L.rows = rows;
    L.xi = xi;
    size_t nmax = L.nrows + FINE_N;
    xye *buf = malloc(nmax * sizeof *buf);
    double *xs = malloc(nmax * sizeof *xs), *ys = malloc(nmax * sizeof *ys),
           *es = malloc(nmax * sizeof *es);
    fine_curve *fine = NULL;
    if (!buf || !xs || !ys || !es || (st = layout_init(&L)) != PL_OK) {
        st = PL_ENOMEM;
        goto done;
    }
    /* theory on the fine grid, per (group, theory source) */
    while (nth < L.nsrc && is_theory_source(L.src[nth])) nth++;
    if (fine_wanted(e, recs, L.ngroups * nth)) {
        fine = calloc(L.ngroups * nth, sizeof *fine);
        if (!fine) {
            st = PL_ENOMEM;
            goto done;
        }
        double t0 = mono_s();
        for (size_t g = 0; g < L.ngroups && st == PL_OK; g++)
            for (size_t s = 0; s < nth && st == PL_OK; s++) {
                st = fine_compute(&L, g, L.src[s], o->logx, &fine[g * nth + s]);
                /* slower than the records promised: stop, and draw through the swept points */
                if (e->theory_fine == 0 && mono_s() - t0 > 3 * FINE_BUDGET_S) {
                    for (size_t q = 0; q < L.ngroups * nth; q++) free(fine[q].y);
                    free(fine);
                    fine = NULL;
                    g = L.ngroups;
                    break;
                }
            }
        if (st != PL_OK) goto done;
    }
    /* titles */
    if (o->title) {
        snprintf(fig->title, sizeof fig->title, "%s", o->title);
    } else {
        snprintf(fig->title, sizeof fig->title, "%s%s%s", e->name, e->summary && *e->summary ? ": " : "",
                 e->summary ? e->summary : "");
    }
    subtitle(&L, recs, fig->subtitle, sizeof fig->subtitle);
    size_t nchunks = (L.ngroups + PL_CURVES_PER_PANEL - 1) / PL_CURVES_PER_PANEL;
    if (nchunks == 0) nchunks = 1;
    fig->cols = nchunks == 1 ? 1 : nchunks <= 3 ? (int)nchunks : 3;
    for (size_t pk = 0; pk < nk && st == PL_OK; pk++) {
        int k = metrics[pk];
        for (size_t c = 0; c < nchunks && st == PL_OK; c++) {
            size_t g0 = c * PL_CURVES_PER_PANEL, g1 = g0 + PL_CURVES_PER_PANEL;
            if (g1 > L.ngroups) g1 = L.ngroups;
            char title[128] = "";
            if (nchunks > 1)
                snprintf(title, sizeof title, "curves %zu-%zu of %zu", g0 + 1, g1, L.ngroups);
            pl_panel *p = pl_figure_add_panel(fig, title, L.e->params[xi].name,
                                              pl_metric_name(e, (size_t)k), o->logx, o->logy);
            if (!p) {
                st = PL_ENOMEM;
                break;
            }
            int used[64] = {0}, any_nc = 0; /* sources drawn in this panel */
            for (size_t g = g0; g < g1 && st == PL_OK; g++) {
                int color = (int)(g - g0) + 1;
                for (size_t s = 0; s < L.nsrc && st == PL_OK; s++) {
                    int theory = s < nth, added = 0;
                    if (theory && fine && fine[g * nth + s].nb > 0) {
                        const fine_curve *fc = &fine[g * nth + s];
                        for (size_t b = 0; b < fc->nb && st == PL_OK; b++) {
                            st = pl_panel_add_series(p, PL_SERIES_LINE, "", FINE_N, fc->x,
                                                     fc->y + (b * e->n_metrics + (size_t)k) * FINE_N,
                                                     NULL);
                            if (st == PL_OK) {
                                pl_panel_last(p)->color = color;
                                pl_panel_last(p)->dashed = theory_dash(L.src[s], s, (int)b);
                                added = 1;
                            }
                        }
                    } else {
                        int maxb = 0;
                        for (size_t r = 0; r < L.nrows; r++)
                            if (L.grp[r] == (int)g && strcmp(rows[r].source, L.src[s]) == 0 &&
                                rows[r].branch > maxb)
                                maxb = rows[r].branch;
                        for (int b = 0; b <= maxb && st == PL_OK; b++)
                            for (int nc = 0; nc < (theory ? 1 : 2) && st == PL_OK; nc++) {
                                int a = 0;
                                st = add_rows(p, &L, g, s, b, k,
                                              theory ? PL_SERIES_LINE : PL_SERIES_POINTS,
                                              theory ? -1 : nc, buf, xs, ys, es, &a);
                                if (st != PL_OK || !a) continue;
                                pl_series *se = pl_panel_last(p);
                                se->color = color;
                                se->dashed = theory ? theory_dash(L.src[s], s, b) : 0;
                                se->marker = theory ? 0 : (int)(s - nth) + 1;
                                se->hollow = nc;
                                any_nc |= nc;
                                added = 1;
                            }
                    }
                    if (added && s < 64) used[s] = 1;
                }
            }
            /* legend: one entry per curve (its colour) when several, then one per source */
            size_t ng = g1 - g0;
            for (size_t g = g0; ng > 1 && g < g1 && st == PL_OK; g++) {
                char lab[80];
                group_label(&L, g, lab, sizeof lab);
                st = pl_panel_add_series(p, PL_SERIES_LINE, lab, 0, NULL, NULL, NULL);
                if (st == PL_OK) pl_panel_last(p)->color = (int)(g - g0) + 1;
            }
            for (size_t s = 0; s < L.nsrc && s < 64 && st == PL_OK; s++) {
                if (!used[s]) continue;
                int theory = s < nth;
                st = pl_panel_add_series(p, theory ? PL_SERIES_LINE : PL_SERIES_POINTS, L.src[s],
                                         0, NULL, NULL, NULL);
                if (st != PL_OK) break;
                pl_series *se = pl_panel_last(p);
                se->color = ng > 1 ? -1 : 1;
                se->dashed = theory ? theory_dash(L.src[s], s, 0) : 0;
                se->marker = theory ? 0 : (int)(s - nth) + 1;
            }
            if (any_nc && st == PL_OK) {
                st = pl_panel_add_series(p, PL_SERIES_POINTS, "not converged", 0, NULL, NULL, NULL);
                if (st == PL_OK) {
                    pl_panel_last(p)->color = ng > 1 ? -1 : 1;
                    pl_panel_last(p)->hollow = 1;
                }
            }
        }
    }
done:
    if (fine)
        for (size_t q = 0; q < L.ngroups * nth; q++) free(fine[q].y);
    free(fine);
    layout_free(&L);
    free(buf);
    free(xs);
    free(ys);
    free(es);
    free(rows);
    if (st != PL_OK && err[0] == 0) snprintf(err, errlen, "plot: %s", pl_strerror(st));
    return st;
}
