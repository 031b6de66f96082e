/* Figures as data: panels of series and heat maps, owning copies of their arrays. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/figure.h"

void pl_figure_init(pl_figure *f, const char *title)
{
    memset(f, 0, sizeof *f);
    if (title) snprintf(f->title, sizeof f->title, "%s", title);
}

static void panel_free(pl_panel *p)
{
    for (size_t i = 0; i < p->nseries; i++) {
        free(p->series[i].x);
        free(p->series[i].y);
        free(p->series[i].yerr);
    }
    free(p->series);
    free(p->z);
    free(p->levels);
}

void pl_figure_free(pl_figure *f)
{
    for (size_t i = 0; i < f->npanels; i++) panel_free(&f->panels[i]);
    free(f->panels);
    memset(f, 0, sizeof *f);
}

pl_panel *pl_figure_add_panel(pl_figure *f, const char *title, const char *xlabel,
                              const char *ylabel, int logx, int logy)
{
    if (f->npanels == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 4;
        pl_panel *np = realloc(f->panels, cap * sizeof *np);
        if (!np) return NULL;
        f->panels = np;
        f->cap = cap;
    }
    pl_panel *p = &f->panels[f->npanels++];
    memset(p, 0, sizeof *p);
    snprintf(p->title, sizeof p->title, "%s", title ? title : "");
    snprintf(p->xlabel, sizeof p->xlabel, "%s", xlabel ? xlabel : "");
    snprintf(p->ylabel, sizeof p->ylabel, "%s", ylabel ? ylabel : "");
    p->logx = logx;
    p->logy = logy;
    return p;
}

/* A copy of n doubles (NULL when v is NULL; *ok = 0 when out of memory). */
static double *dup_values(const double *v, size_t n, int *ok)
{
    if (!v) return NULL;
    double *c = malloc((n ? n : 1) * sizeof *c);
    if (!c) {
        *ok = 0;
        return NULL;
    }
    if (n) memcpy(c, v, n * sizeof *c);
    return c;
}

pl_status pl_panel_add_series(pl_panel *p, pl_series_kind kind, const char *label, size_t n,
                              const double *x, const double *y, const double *yerr)
{
    if (kind < PL_SERIES_LINE || kind > PL_SERIES_STEP || (n && (!x || !y))) return PL_EINVAL;
    if (p->nseries == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 8;
        pl_series *ns = realloc(p->series, cap * sizeof *ns);
        if (!ns) return PL_ENOMEM;
        p->series = ns;
        p->cap = cap;
    }
    size_t nx = (kind == PL_SERIES_HIST || kind == PL_SERIES_STEP) && n ? n + 1 : n;
    int ok = 1;
    pl_series s;
    memset(&s, 0, sizeof s);
    s.kind = kind;
    snprintf(s.label, sizeof s.label, "%s", label ? label : "");
    s.n = n;
    s.x = dup_values(x, nx, &ok);
    s.y = dup_values(y, n, &ok);
    s.yerr = dup_values(yerr, n, &ok);
    if (!ok) {
        free(s.x);
        free(s.y);
        free(s.yerr);
        return PL_ENOMEM;
    }
    p->series[p->nseries++] = s;
    return PL_OK;
}

pl_series *pl_panel_last(pl_panel *p)
{
    return p->nseries ? &p->series[p->nseries - 1] : NULL;
}

pl_status pl_panel_set_map(pl_panel *p, size_t nx, size_t ny, const double *z, double x0,
                           double x1, double y0, double y1, const double *levels,
                           size_t nlevels, const char *zlabel)
{
    if (nx < 2 || ny < 2 || !z || !(x1 > x0) || !(y1 > y0) || (nlevels && !levels))
        return PL_EINVAL;
    int ok = 1;
    double *zc = dup_values(z, nx * ny, &ok), *lc = dup_values(levels, nlevels, &ok);
    if (!ok) {
        free(zc);
        free(lc);
        return PL_ENOMEM;
    }
    free(p->z);
    free(p->levels);
    p->z = zc;
    p->levels = lc;
    p->nlevels = nlevels;
    p->nx = nx;
    p->ny = ny;
    p->x0 = x0;
    p->x1 = x1;
    p->y0 = y0;
    p->y1 = y1;
    snprintf(p->zlabel, sizeof p->zlabel, "%s", zlabel ? zlabel : "");
    return PL_OK;
}
