/* Figures as data: what an experiment wants drawn, independent of how it is drawn.
 *
 * An experiment's `figure` hook turns a sweep's records into a pl_figure (panels of series:
 * lines, points with error bars, histograms, heat maps with contours); src/run/ draws it
 * with PLplot (pl_figure_draw), and `plot --store` rebuilds it from stored records, so every
 * experiment's own figure can be redrawn without recomputing. A pl_figure owns copies of all
 * the arrays handed to it.
 */
#ifndef PHASELAB_FIGURE_H
#define PHASELAB_FIGURE_H

#include <stddef.h>
#include "phaselab/status.h"
#include "phaselab/api.h"

PL_BEGIN_DECLS

typedef enum {
    PL_SERIES_LINE = 0,  /* theory curves: x, y joined */
    PL_SERIES_POINTS,    /* simulation: x, y markers with optional yerr bars */
    PL_SERIES_HIST,      /* histogram bars: x holds n+1 bin edges, y the n heights */
    PL_SERIES_STEP       /* a density or staircase drawn as steps (x edges n+1, y n) */
} pl_series_kind;

typedef struct {
    pl_series_kind kind;
    char label[80];      /* legend text; empty: no legend entry */
    int color;           /* colour index (0 = automatic: one per series in order; k >= 1: the
                            k-th colour of the palette of PL_FIGURE_COLORS, cycling; -1: the
                            text colour, black) */
    int dashed;          /* line style: 0 solid, 1 dashed, 2..7 further dash patterns */
    int marker;          /* POINTS: 0 = automatic (filled circle), k >= 1: k-th marker shape */
    int hollow;          /* POINTS: hollow markers (e.g. records that did not converge) */
    size_t n;            /* number of y values (0: a legend entry only) */
    double *x, *y, *yerr; /* owned; yerr may be NULL */
} pl_series;

#define PL_FIGURE_COLORS 10 /* distinct palette colours; with 8 line styles / 6 marker shapes */

typedef struct {
    char title[128], xlabel[64], ylabel[64];
    int logx, logy;
    pl_series *series;
    size_t nseries, cap;
    /* optional heat map: z (ny x nx, row-major) on [x0, x1] x [y0, y1], with contour levels */
    double *z;
    size_t nx, ny;
    double x0, x1, y0, y1;
    double *levels;
    size_t nlevels;
    char zlabel[64];
} pl_panel;

typedef struct pl_figure {
    char title[160];
    char subtitle[200];  /* a smaller second line under the title (fixed parameters) */
    pl_panel *panels;
    size_t npanels, cap;
    int cols; /* panels per row (0: automatic) */
    int width, height; /* pixels of the whole figure (0: from the panel layout) */
} pl_figure;

void pl_figure_init(pl_figure *f, const char *title);
void pl_figure_free(pl_figure *f);
/* New empty panel (NULL when out of memory); the pointer stays valid until the next add. */
pl_panel *pl_figure_add_panel(pl_figure *f, const char *title, const char *xlabel,
                              const char *ylabel, int logx, int logy);
/* Append a series copying x (n values, n+1 for HIST/STEP), y (n) and yerr (n, or NULL). */
pl_status pl_panel_add_series(pl_panel *p, pl_series_kind kind, const char *label, size_t n,
                              const double *x, const double *y, const double *yerr);
/* Set the heat map (copies z, ny x nx row-major, and the levels). */
pl_status pl_panel_set_map(pl_panel *p, size_t nx, size_t ny, const double *z, double x0,
                           double x1, double y0, double y1, const double *levels,
                           size_t nlevels, const char *zlabel);
/* Line style / colour / marker of the last series added to p (returns it; NULL if none). */
pl_series *pl_panel_last(pl_panel *p);
/* Draw with PLplot; the device comes from the file name (.png, .svg, .pdf). */
pl_status pl_figure_draw(const pl_figure *f, const char *file, char *err, size_t errlen);

PL_END_DECLS

#endif
