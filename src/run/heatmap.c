/* Heat maps with contour lines (phase diagrams) with PLplot. */
#include <math.h>
#include <plplot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/report.h"

static int cmp_double(const void *a, const void *b)
{
    double d = *(const double *)a - *(const double *)b;
    return (d > 0) - (d < 0);
}

size_t pl_summary_distinct(const pl_summary_row *rows, size_t n, int i, double *out)
{
    size_t m = 0;
    for (size_t r = 0; r < n; r++) out[m++] = rows[r].params.v[i];
    qsort(out, m, sizeof *out, cmp_double);
    size_t k = 0;
    for (size_t r = 0; r < m; r++)
        if (k == 0 || out[r] != out[k - 1]) out[k++] = out[r];
    return k;
}

static size_t find(const double *v, size_t n, double x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x) return i;
    return n;
}

pl_status pl_plot_heatmap(const char *file, const pl_experiment *e, const pl_records *recs,
                          const pl_heatmap_opts *o, char *err, size_t errlen)
{
    const char *dev = NULL;
    int xi = pl_param_index(e, o->x), yi = pl_param_index(e, o->y), zk = pl_metric_index(e, o->z);
    if (xi < 0 || yi < 0 || xi == yi) {
        snprintf(err, errlen, "heat map: --x and --y must be two different parameters of '%s'",
                 e->name);
        return PL_EINVAL;
    }
    if (zk < 0) {
        snprintf(err, errlen, "heat map: experiment '%s' has no metric '%s'", e->name, o->z);
        return PL_EINVAL;
    }
    pl_summary_row *rows;
    size_t nrows;
    pl_status st = pl_summarize(e, recs, &rows, &nrows);
    if (st != PL_OK) return st;
    /* which source: the one asked for, else simulation if present, else theory */
    const char *src = o->source;
    if (!src)
        for (size_t r = 0; r < nrows && !src; r++)
            if (strncmp(rows[r].source, "sim", 3) == 0) src = rows[r].source;
    if (!src) src = "theory";
    double *xs = malloc((nrows + 1) * sizeof *xs), *ys = malloc((nrows + 1) * sizeof *ys);
    size_t nx = pl_summary_distinct(rows, nrows, xi, xs);
    size_t ny = pl_summary_distinct(rows, nrows, yi, ys);
    PLFLT **z = NULL;
    if (nx < 2 || ny < 2) {
        snprintf(err, errlen, "heat map: need at least 2 values of each of %s and %s", o->x, o->y);
        st = PL_EINVAL;
        goto done;
    }
    plAlloc2dGrid(&z, (PLINT)nx, (PLINT)ny);
    for (size_t i = 0; i < nx; i++)
        for (size_t j = 0; j < ny; j++) z[i][j] = NAN;
    double zmin = INFINITY, zmax = -INFINITY;
    for (size_t r = 0; r < nrows; r++) {
        if (strcmp(rows[r].source, src) != 0 || rows[r].branch != 0) continue;
        size_t i = find(xs, nx, rows[r].params.v[xi]), j = find(ys, ny, rows[r].params.v[yi]);
        double v = rows[r].mean[zk];
        if (o->logz) v = v > 0 ? log10(v) : NAN;
        if (i < nx && j < ny && isfinite(v)) {
            z[i][j] = v;
            zmin = fmin(zmin, v);
            zmax = fmax(zmax, v);
        }
    }
    if (!isfinite(zmin)) {
        snprintf(err, errlen, "heat map: no %s values of %s", src, o->z);
        st = PL_EINVAL;
        goto done;
    }
    if (zmax <= zmin) zmax = zmin + 1;
    st = pl_plot_target(file, &dev, err, errlen);
    if (st != PL_OK) goto done;
    /* axis coordinates (log10 on request) */
    PLFLT *cx = malloc(nx * sizeof *cx), *cy = malloc(ny * sizeof *cy);
    for (size_t i = 0; i < nx; i++) cx[i] = o->logx ? log10(xs[i]) : xs[i];
    for (size_t j = 0; j < ny; j++) cy[j] = o->logy ? log10(ys[j]) : ys[j];
    PLcGrid cgrid = {cx, cy, NULL, (PLINT)nx, (PLINT)ny, 0};
    char geom[64];
    snprintf(geom, sizeof geom, "%dx%d", o->width > 0 ? o->width : 900, o->height > 0 ? o->height : 700);
    plsdev(dev);
    plsfnam(file);
    plsetopt("geometry", geom);
    plscolbg(255, 255, 255);
    plinit();
    plfontld(1);
    plscol0(15, 0, 0, 0);
    pladv(0);
    plvpor(0.1, 0.82, 0.1, 0.9);
    plwind(cx[0], cx[nx - 1], cy[0], cy[ny - 1]);
    /* viridis-like colour map 1 */
    PLFLT pos[5] = {0, 0.25, 0.5, 0.75, 1};
    PLFLT rr[5] = {0.267, 0.229, 0.128, 0.369, 0.993};
    PLFLT gg[5] = {0.005, 0.322, 0.567, 0.789, 0.906};
    PLFLT bb[5] = {0.329, 0.546, 0.551, 0.383, 0.144};
    plscmap1l(1, 5, pos, rr, gg, bb, NULL);
    int nlev = 64;
    PLFLT *lev = malloc((size_t)(nlev + 1) * sizeof *lev);
    for (int k = 0; k <= nlev; k++) lev[k] = zmin + (zmax - zmin) * k / nlev;
    PLFLT fill_width = 0, cont_width = 0;
    plshades((PLFLT_MATRIX)z, (PLINT)nx, (PLINT)ny, NULL, cx[0], cx[nx - 1], cy[0], cy[ny - 1], lev,
             nlev + 1, fill_width, 0, cont_width, plfill, 0, pltr1, &cgrid);
    if (o->ncontours > 0) {
        PLFLT *cl = malloc((size_t)o->ncontours * sizeof *cl);
        for (int k = 0; k < o->ncontours; k++)
            cl[k] = zmin + (zmax - zmin) * (k + 1) / (o->ncontours + 1);
        plcol0(15);
        plwidth(1.0);
        plcont((PLFLT_MATRIX)z, (PLINT)nx, (PLINT)ny, 1, (PLINT)nx, 1, (PLINT)ny, cl, o->ncontours,
               pltr1, &cgrid);
        free(cl);
    }
    plcol0(15);
    plbox(o->logx ? "bcnstl" : "bcnst", 0, 0, o->logy ? "bcnstvl" : "bcnstv", 0, 0);
    char title[256], zlabel[128];
    snprintf(title, sizeof title, "%s: %s (%s)", e->name, o->z, src);
    if (o->title) snprintf(title, sizeof title, "%s", o->title);
    pllab(o->x, o->y, title);
    snprintf(zlabel, sizeof zlabel, "%s%s", o->logz ? "log10 " : "", o->z);
    {
        PLFLT cw, ch;
        PLINT opts[] = {PL_COLORBAR_SHADE};
        PLINT lopt[] = {PL_COLORBAR_LABEL_RIGHT};
        const char *labels[] = {zlabel};
        const char *axis_opts[] = {"bcvtm"};
        PLFLT ticks[] = {0};
        PLINT sub[] = {0};
        PLINT nvals[] = {nlev + 1};
        const PLFLT *vals[] = {lev};
        plcolorbar(&cw, &ch, opts[0], PL_POSITION_RIGHT | PL_POSITION_OUTSIDE, 0.02, 0, 0.04, 0.8,
                   0, 15, 1, 0.0, 1.0, 0, 0.0, 1, lopt, labels, 1, axis_opts, ticks, sub, nvals,
                   (PLFLT_MATRIX)vals);
    }
    plend();
    free(lev);
    free(cx);
    free(cy);
done:
    if (z) plFree2dGrid(z, (PLINT)nx, (PLINT)ny);
    free(xs);
    free(ys);
    free(rows);
    return st;
}
