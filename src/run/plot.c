/* Line plots with PLplot (cairo drivers): theory lines, simulation mean ± SE error bars. */
#include <math.h>
#include <plplot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/report.h"

#define MAX_GROUPS 12
#define MAX_SOURCES 8

static const unsigned char palette[MAX_GROUPS][3] = {
    {31, 119, 180}, {214, 39, 40},  {44, 160, 44},  {255, 127, 14}, {148, 103, 189},
    {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207},
    {0, 0, 128},    {128, 0, 0}};

pl_status pl_plot_target(const char *file, const char **dev, char *err, size_t errlen)
{
    const char *dot = strrchr(file, '.');
    *dev = !dot                          ? NULL
           : strcmp(dot, ".png") == 0 ? "pngcairo"
           : strcmp(dot, ".svg") == 0 ? "svgcairo"
           : strcmp(dot, ".pdf") == 0 ? "pdfcairo"
                                      : NULL;
    if (!*dev) {
        snprintf(err, errlen, "plot file '%s': use a .png, .svg or .pdf name", file);
        return PL_EINVAL;
    }
    FILE *probe = fopen(file, "wb");
    if (!probe) {
        snprintf(err, errlen, "plot file '%s' cannot be written", file);
        return PL_EIO;
    }
    fclose(probe);
    return PL_OK;
}

/* Index of the curve group of row r: rows agree on every varying parameter except x. */
static int group_of(const pl_experiment *e, const pl_summary_row *rows, size_t r,
                    const int *varies, int xi, size_t *reps, size_t *ngroups)
{
    for (size_t g = 0; g < *ngroups; g++) {
        int same = 1;
        for (size_t i = 0; i < e->n_params && same; i++)
            if (varies[i] && (int)i != xi && rows[reps[g]].params.v[i] != rows[r].params.v[i])
                same = 0;
        if (same) return (int)g;
    }
    if (*ngroups >= MAX_GROUPS) return -1;
    reps[*ngroups] = r;
    return (int)(*ngroups)++;
}

static double tx(double v, int logv) { return logv ? (v > 0 ? log10(v) : NAN) : v; }

typedef struct {
    double x, y, lo, hi;
} pt;

static int cmp_pt(const void *a, const void *b)
{
    double d = ((const pt *)a)->x - ((const pt *)b)->x;
    return (d > 0) - (d < 0);
}

/* The corner of the panel (as PLplot position bits) holding the fewest data points. */
static PLINT legend_corner(const pl_summary_row *rows, size_t nrows, int xi, int k,
                           const pl_plot_opts *o, double xmin, double xmax, double ymin,
                           double ymax)
{
    size_t cnt[4] = {0};
    for (size_t r = 0; r < nrows; r++) {
        double x = tx(rows[r].params.v[xi], o->logx), y = tx(rows[r].mean[k], o->logy);
        if (!isfinite(x) || !isfinite(y)) continue;
        int right = x > xmin + 0.5 * (xmax - xmin), top = y > ymin + 0.55 * (ymax - ymin);
        int left = x < xmin + 0.5 * (xmax - xmin), bottom = y < ymin + 0.45 * (ymax - ymin);
        if (right && bottom) cnt[0]++;
        if (right && top) cnt[1]++;
        if (left && top) cnt[2]++;
        if (left && bottom) cnt[3]++;
    }
    static const PLINT pos[4] = {PL_POSITION_RIGHT | PL_POSITION_BOTTOM,
                                 PL_POSITION_RIGHT | PL_POSITION_TOP,
                                 PL_POSITION_LEFT | PL_POSITION_TOP,
                                 PL_POSITION_LEFT | PL_POSITION_BOTTOM};
    int best = 0;
    for (int c = 1; c < 4; c++)
        if (cnt[c] < cnt[best]) best = c;
    return pos[best];
}

static void group_label(const pl_experiment *e, const pl_summary_row *row, const int *varies,
                        int xi, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = 0;
    for (size_t i = 0; i < e->n_params && off < len; i++)
        if (varies[i] && (int)i != xi) {
            char v[64];
            pl_param_format(e, (int)i, row->params.v[i], v, sizeof v);
            int w = snprintf(buf + off, len - off, "%s%s=%s", off ? " " : "", e->params[i].name, v);
            if (w > 0) off += (size_t)w;
        }
}

pl_status pl_plot_lines(const char *file, const pl_experiment *e, const pl_records *recs,
                        const pl_plot_opts *o, char *err, size_t errlen)
{
    const char *dev;
    int xi = pl_param_index(e, o->x);
    if (xi < 0) {
        snprintf(err, errlen, "plot: experiment '%s' has no parameter '%s'", e->name, o->x);
        return PL_EINVAL;
    }
    int metrics[8];
    size_t np = 0;
    char ybuf[256];
    snprintf(ybuf, sizeof ybuf, "%s", o->y);
    char *save = NULL;
    for (char *t = strtok_r(ybuf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int k = pl_metric_index(e, t);
        if (k < 0) {
            snprintf(err, errlen, "plot: experiment '%s' has no metric '%s'", e->name, t);
            return PL_EINVAL;
        }
        if (np < 8) metrics[np++] = k;
    }
    if (np == 0 || recs->n == 0) {
        snprintf(err, errlen, "plot: nothing to plot");
        return PL_EINVAL;
    }
    pl_status st = pl_plot_target(file, &dev, err, errlen);
    if (st != PL_OK) return st;

    pl_summary_row *rows;
    size_t nrows;
    st = pl_summarize(e, recs, &rows, &nrows);
    if (st != PL_OK) return st;
    int varies[PL_MAX_PARAMS] = {0};
    for (size_t i = 0; i < e->n_params; i++)
        for (size_t r = 1; r < nrows; r++)
            if (rows[r].params.v[i] != rows[0].params.v[i]) varies[i] = 1;
    size_t reps[MAX_GROUPS], ngroups = 0;
    int *grp = malloc(nrows * sizeof *grp);
    pt *buf = malloc(nrows * sizeof *buf);
    double *xs = malloc(nrows * sizeof *xs), *ys = malloc(nrows * sizeof *ys),
           *lo = malloc(nrows * sizeof *lo), *hi = malloc(nrows * sizeof *hi);
    if (!grp || !buf || !xs || !ys || !lo || !hi) {
        st = PL_ENOMEM;
        goto done;
    }
    for (size_t r = 0; r < nrows; r++) grp[r] = group_of(e, rows, r, varies, xi, reps, &ngroups);
    /* distinct sources */
    const char *sources[MAX_SOURCES];
    size_t nsrc = 0;
    for (size_t r = 0; r < nrows; r++) {
        size_t s;
        for (s = 0; s < nsrc; s++)
            if (strcmp(sources[s], rows[r].source) == 0) break;
        if (s == nsrc && nsrc < MAX_SOURCES) sources[nsrc++] = rows[r].source;
    }

    int width = o->width > 0 ? o->width : 900;
    int height = o->height > 0 ? o->height : 520 * (int)np;
    char geom[64];
    snprintf(geom, sizeof geom, "%dx%d", width, height);
    plsdev(dev);
    plsfnam(file);
    plsetopt("geometry", geom);
    plscmap0n(16);
    plscol0(0, 255, 255, 255); /* background */
    plscol0(15, 0, 0, 0);      /* axes and text */
    plscol0(14, 220, 220, 220); /* grid */
    for (int c = 0; c < MAX_GROUPS; c++) plscol0(c + 1, palette[c][0], palette[c][1], palette[c][2]);
    plssub(1, (PLINT)np);
    plinit();
    plfontld(1);
    for (size_t pi = 0; pi < np; pi++) {
        int k = metrics[pi];
        double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
        for (size_t r = 0; r < nrows; r++) {
            double x = tx(rows[r].params.v[xi], o->logx), y = tx(rows[r].mean[k], o->logy);
            if (!isfinite(x) || !isfinite(y)) continue;
            double s = isfinite(rows[r].se[k]) ? rows[r].se[k] : 0;
            double yl = tx(rows[r].mean[k] - s, o->logy), yh = tx(rows[r].mean[k] + s, o->logy);
            xmin = fmin(xmin, x); xmax = fmax(xmax, x);
            ymin = fmin(ymin, isfinite(yl) ? yl : y); ymax = fmax(ymax, isfinite(yh) ? yh : y);
        }
        if (!isfinite(xmin)) { xmin = 0; xmax = 1; ymin = 0; ymax = 1; }
        if (xmax <= xmin) { xmin -= 0.5; xmax += 0.5; }
        if (ymax <= ymin) { ymin -= 0.5; ymax += 0.5; }
        double dx = 0.03 * (xmax - xmin), dy = 0.06 * (ymax - ymin);
        pladv(0);
        plcol0(15);
        plschr(0, 1.1);
        plvsta();
        plwind(xmin - dx, xmax + dx, ymin - dy, ymax + dy);
        plcol0(14);
        plbox(o->logx ? "gl" : "g", 0, 0, o->logy ? "gl" : "g", 0, 0);
        plcol0(15);
        plbox(o->logx ? "bcnstl" : "bcnst", 0, 0, o->logy ? "bcnstvl" : "bcnstv", 0, 0);
        char title[512];
        if (o->title) {
            snprintf(title, sizeof title, "%s", o->title);
        } else {
            size_t off = (size_t)snprintf(title, sizeof title, "%s:", e->name);
            for (size_t i = 0; i < e->n_params && off < sizeof title; i++)
                if (!varies[i]) {
                    char v[64];
                    pl_param_format(e, (int)i, rows[0].params.v[i], v, sizeof v);
                    int w = snprintf(title + off, sizeof title - off, " %s=%s", e->params[i].name, v);
                    if (w > 0) off += (size_t)w;
                }
        }
        pllab(o->x, pl_metric_name(e, k), pi == 0 ? title : "");
        /* legend entries */
        PLINT lopt[MAX_GROUPS * MAX_SOURCES], lcol[MAX_GROUPS * MAX_SOURCES];
        PLINT lsty[MAX_GROUPS * MAX_SOURCES], snum[MAX_GROUPS * MAX_SOURCES];
        PLFLT lwid[MAX_GROUPS * MAX_SOURCES], ssca[MAX_GROUPS * MAX_SOURCES];
        char ltext[MAX_GROUPS * MAX_SOURCES][160];
        const char *ltp[MAX_GROUPS * MAX_SOURCES], *syms[MAX_GROUPS * MAX_SOURCES];
        int nleg = 0;
        for (size_t g = 0; g < ngroups; g++) {
            for (size_t s = 0; s < nsrc; s++) {
                int is_theory = strcmp(sources[s], "theory") == 0;
                int maxbranch = 0;
                for (size_t r = 0; r < nrows; r++)
                    if (grp[r] == (int)g && strcmp(rows[r].source, sources[s]) == 0 &&
                        rows[r].branch > maxbranch)
                        maxbranch = rows[r].branch;
                int drawn = 0;
                for (int b = 0; b <= maxbranch; b++) {
                    size_t m = 0;
                    for (size_t r = 0; r < nrows; r++) {
                        if (grp[r] != (int)g || rows[r].branch != b ||
                            strcmp(rows[r].source, sources[s]) != 0)
                            continue;
                        double x = tx(rows[r].params.v[xi], o->logx);
                        double y = tx(rows[r].mean[k], o->logy);
                        if (!isfinite(x) || !isfinite(y)) continue;
                        double se = isfinite(rows[r].se[k]) ? rows[r].se[k] : 0;
                        buf[m].x = x;
                        buf[m].y = y;
                        buf[m].lo = tx(rows[r].mean[k] - se, o->logy);
                        buf[m].hi = tx(rows[r].mean[k] + se, o->logy);
                        if (!isfinite(buf[m].lo)) buf[m].lo = y;
                        m++;
                    }
                    if (m == 0) continue;
                    qsort(buf, m, sizeof *buf, cmp_pt);
                    for (size_t q = 0; q < m; q++) {
                        xs[q] = buf[q].x; ys[q] = buf[q].y; lo[q] = buf[q].lo; hi[q] = buf[q].hi;
                    }
                    plcol0((PLINT)(g % MAX_GROUPS) + 1);
                    if (is_theory) {
                        plwidth(2.0);
                        pllsty(b == 0 ? 1 : 2);
                        plline((PLINT)m, xs, ys);
                        pllsty(1);
                    } else {
                        plwidth(1.2);
                        plssym(0, 1.2);
                        plpoin((PLINT)m, xs, ys, (PLINT)(s % 4 == 0 ? 17 : 2 + s % 4));
                        plerry((PLINT)m, xs, lo, hi);
                    }
                    drawn = 1;
                }
                if (drawn && nleg < MAX_GROUPS * MAX_SOURCES) {
                    char gl[128];
                    group_label(e, &rows[reps[g]], varies, xi, gl, sizeof gl);
                    snprintf(ltext[nleg], sizeof ltext[nleg], "%s%s%s", gl, *gl ? " " : "",
                             sources[s]);
                    ltp[nleg] = ltext[nleg];
                    lopt[nleg] = is_theory ? PL_LEGEND_LINE : PL_LEGEND_SYMBOL;
                    lcol[nleg] = (PLINT)(g % MAX_GROUPS) + 1;
                    lsty[nleg] = 1;
                    lwid[nleg] = 2.0;
                    snum[nleg] = 1;
                    ssca[nleg] = 1.0;
                    syms[nleg] = "#(728)";
                    nleg++;
                }
            }
        }
        plwidth(1.0);
        if (nleg > 0) {
            PLFLT lw, lh;
            plcol0(15);
            plschr(0, 0.8);
            pllegend(&lw, &lh, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
                     PL_POSITION_INSIDE | legend_corner(rows, nrows, xi, k, o, xmin, xmax, ymin, ymax),
                     0.02, 0.02, 0.08, 0, 15, 1, 0, 0, nleg, lopt, 1.0, 0.9, 2.0, 0.0, lcol, ltp,
                     NULL, NULL, NULL, NULL, lcol, lsty, lwid, lcol, ssca, snum, syms);
            plschr(0, 1.1);
        }
    }
    plend();
done:
    free(grp); free(buf); free(xs); free(ys); free(lo); free(hi);
    free(rows);
    return st;
}
