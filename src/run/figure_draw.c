/* Drawing a pl_figure with PLplot (cairo devices): a grid of panels, each with its series
 * (lines, points with error bars, histograms, steps), an optional heat map with contour lines
 * and colour bar, a legend in the emptiest corner, and log axes labelled 10^k (or with plain
 * numbers when the range spans less than a decade). */
#include <math.h>
#include <plplot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/figure.h"
#include "phaselab/report.h"

enum { C_BG = 0, C_FG = 1, C_GRID = 2, C_PAL = 3, C_FILL = C_PAL + PL_FIGURE_COLORS, C_N };

static const unsigned char palette[PL_FIGURE_COLORS][3] = {
    {31, 119, 180}, {214, 39, 40},   {44, 160, 44},   {255, 127, 14}, {148, 103, 189},
    {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207}};

static const char *const marker_full[] = {"●", "■", "▲", "◆", "▼", "★"};
static const char *const marker_open[] = {"○", "□", "△", "◇", "▽", "☆"};
#define NMARKERS (sizeof marker_full / sizeof marker_full[0])

#define PANEL_W 820
#define PANEL_H 540
#define TITLE_PX 46
#define SUBTITLE_PX 26

static double tr(double v, int logv) { return logv ? (v > 0 ? log10(v) : NAN) : v; }

/* ---- axis ticks ---- */

typedef struct {
    double pos;        /* in drawn (log10 when log) coordinates */
    char label[40];    /* empty: minor tick */
} tick;

#define MAX_TICKS 64

static double nice_step(double range, int target)
{
    double raw = range / target, mag = pow(10, floor(log10(raw))), f = raw / mag;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

static void value_label(char *buf, size_t len, double v)
{
    if (fabs(v) < 1e-12) v = 0;
    snprintf(buf, len, "%g", v);
}

static size_t push_tick(tick *t, size_t n, double pos, const char *label)
{
    if (n >= MAX_TICKS) return n;
    t[n].pos = pos;
    snprintf(t[n].label, sizeof t[n].label, "%s", label ? label : "");
    return n + 1;
}

/* Ticks of a log axis spanning [lo, hi] in log10 units. */
static size_t log_ticks(double lo, double hi, tick *t)
{
    size_t n = 0;
    double span = hi - lo;
    long k0 = (long)ceil(lo - 1e-9), k1 = (long)floor(hi + 1e-9);
    char b[40];
    if (k1 - k0 >= 2) { /* at least three whole decades: label 10^k */
        long step = (long)ceil((double)(k1 - k0 + 1) / 8.0);
        for (long k = (long)floor(lo); k <= k1; k++) {
            if (k >= k0 && k % step == 0) {
                snprintf(b, sizeof b, "10#u%ld#d", k);
                n = push_tick(t, n, (double)k, b);
            } else if (k >= k0) {
                n = push_tick(t, n, (double)k, NULL);
            }
            if (span <= 6)
                for (int m = 2; m <= 9; m++) {
                    double pos = (double)k + log10(m);
                    if (pos >= lo && pos <= hi) n = push_tick(t, n, pos, NULL);
                }
        }
        return n;
    }
    /* less than three decades: mantissas 1, 2, 5 (or every mantissa), else plain numbers */
    static const int m125[] = {1, 2, 5}, m19[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    const int *sets[2] = {m125, m19};
    size_t sizes[2] = {3, 9};
    for (int s = 0; s < 2; s++) {
        size_t cnt = 0;
        for (long k = (long)floor(lo); k <= k1; k++)
            for (size_t j = 0; j < sizes[s]; j++) {
                double pos = (double)k + log10(sets[s][j]);
                if (pos >= lo - 1e-9 && pos <= hi + 1e-9) cnt++;
            }
        if (cnt >= 3 && cnt <= 10) {
            for (long k = (long)floor(lo); k <= k1; k++)
                for (int m = 1; m <= 9; m++) {
                    double pos = (double)k + log10(m);
                    if (pos < lo - 1e-9 || pos > hi + 1e-9) continue;
                    int lab = 0;
                    for (size_t j = 0; j < sizes[s]; j++) lab |= sets[s][j] == m;
                    value_label(b, sizeof b, pow(10, (double)k) * m);
                    n = push_tick(t, n, pos, lab ? b : NULL);
                }
            return n;
        }
    }
    double a = pow(10, lo), z = pow(10, hi), st = nice_step(z - a, 4);
    for (double v = ceil(a / st) * st; v <= z * (1 + 1e-12) && n < MAX_TICKS; v += st) {
        if (v <= 0) continue;
        value_label(b, sizeof b, v);
        n = push_tick(t, n, log10(v), b);
    }
    return n;
}

/* Draw a log axis by hand inside window w: ticks inside the box, grid lines at labelled
 * ticks, labels outside. */
static void draw_log_axis(int is_x, double lo, double hi, double olo, double ohi,
                          const double *w)
{
    tick t[MAX_TICKS];
    size_t n = log_ticks(lo, hi, t);
    double len = 0.015 * (ohi - olo);
    for (size_t i = 0; i < n; i++) {
        double pos = t[i].pos;
        if (pos < w[is_x ? 0 : 2] || pos > w[is_x ? 1 : 3]) continue;
        double l = t[i].label[0] ? len : 0.55 * len;
        if (t[i].label[0]) {
            plcol0(C_GRID);
            if (is_x) pljoin(pos, w[2], pos, w[3]);
            else pljoin(w[0], pos, w[1], pos);
        }
        plcol0(C_FG);
        if (is_x) {
            pljoin(pos, w[2], pos, w[2] + l);
            pljoin(pos, w[3], pos, w[3] - l);
        } else {
            pljoin(w[0], pos, w[0] + l, pos);
            pljoin(w[1], pos, w[1] - l, pos);
        }
        if (t[i].label[0]) {
            double f = is_x ? (pos - w[0]) / (w[1] - w[0]) : (pos - w[2]) / (w[3] - w[2]);
            if (is_x) plmtex("b", 1.8, f, 0.5, t[i].label);
            else plmtex("lv", 0.6, f, 1.0, t[i].label);
        }
    }
}

/* ---- panel geometry ---- */

typedef struct {
    double xmin, xmax, ymin, ymax; /* world window (drawn coordinates) */
} window;

static void widen(double *lo, double *hi, double v)
{
    if (!isfinite(v)) return;
    if (v < *lo) *lo = v;
    if (v > *hi) *hi = v;
}

static window panel_window(const pl_panel *p)
{
    double xl = INFINITY, xh = -INFINITY, yl = INFINITY, yh = -INFINITY;
    int has_hist = 0;
    for (size_t s = 0; s < p->nseries; s++) {
        const pl_series *se = &p->series[s];
        int edges = se->kind == PL_SERIES_HIST || se->kind == PL_SERIES_STEP;
        if (edges) has_hist = se->kind == PL_SERIES_HIST || has_hist;
        for (size_t i = 0; i < se->n + (edges && se->n ? 1 : 0); i++) {
            double x = tr(se->x[i], p->logx);
            if (i < se->n) {
                double y = tr(se->y[i], p->logy);
                if (!isfinite(y) || (!edges && !isfinite(x))) continue;
                widen(&yl, &yh, y);
                if (se->yerr && isfinite(se->yerr[i])) {
                    widen(&yl, &yh, tr(se->y[i] - se->yerr[i], p->logy));
                    widen(&yl, &yh, tr(se->y[i] + se->yerr[i], p->logy));
                }
            }
            widen(&xl, &xh, x);
        }
    }
    window w;
    if (p->z) {
        double mx0 = tr(p->x0, p->logx), mx1 = tr(p->x1, p->logx);
        double my0 = tr(p->y0, p->logy), my1 = tr(p->y1, p->logy);
        w.xmin = mx0; w.xmax = mx1; w.ymin = my0; w.ymax = my1;
        return w;
    }
    if (has_hist && !p->logy) widen(&yl, &yh, 0);
    if (!isfinite(xl)) { xl = 0; xh = 1; }
    if (!isfinite(yl)) { yl = 0; yh = 1; }
    if (xh <= xl) { xl -= 0.5; xh += 0.5; }
    if (yh <= yl) { double d = fabs(yl) > 0 ? 0.1 * fabs(yl) : 0.5; yl -= d; yh += d; }
    double dx = 0.03 * (xh - xl), dy = 0.06 * (yh - yl);
    w.xmin = xl - dx; w.xmax = xh + dx;
    w.ymin = (has_hist && !p->logy && yl == 0) ? 0 : yl - dy;
    w.ymax = yh + dy;
    return w;
}

/* ---- series ---- */

/* cmap0 index of palette colour idx (0-based; -1: the text colour) */
static int color_index(int idx) { return idx < 0 ? C_FG : C_PAL + idx % PL_FIGURE_COLORS; }
static void set_color(int idx) { plcol0(color_index(idx)); }

/* palette colour (0-based, -1: text colour) of series s given the automatic counter */
static int series_color(const pl_series *s, int *autoc)
{
    if (s->color > 0) return (s->color - 1) % PL_FIGURE_COLORS;
    if (s->color < 0) return -1;
    return (*autoc)++ % PL_FIGURE_COLORS;
}

/* plline over the runs of finite points */
static void line_runs(size_t n, const double *x, const double *y)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && !(isfinite(x[i]) && isfinite(y[i]))) i++;
        size_t j = i;
        while (j < n && isfinite(x[j]) && isfinite(y[j])) j++;
        if (j - i >= 2) plline((PLINT)(j - i), x + i, y + i);
        i = j;
    }
}

static void draw_series(const pl_panel *p, const pl_series *s, int color, const window *w,
                        double *xs, double *ys, double *lo, double *hi)
{
    pllsty((PLINT)(1 + (s->dashed > 0 ? s->dashed % 8 : 0)));
    if (s->kind == PL_SERIES_HIST) {
        static const unsigned char black[3] = {0, 0, 0};
        const unsigned char *c = color < 0 ? black : palette[color];
        plscol0a(C_FILL, c[0], c[1], c[2], 0.45);
        double base = p->logy ? w->ymin : fmax(0, w->ymin);
        for (size_t i = 0; i < s->n; i++) {
            double xa = tr(s->x[i], p->logx), xb = tr(s->x[i + 1], p->logx);
            double y = tr(s->y[i], p->logy);
            if (!isfinite(xa) || !isfinite(xb) || !isfinite(y)) continue;
            PLFLT px[4] = {xa, xa, xb, xb}, py[4] = {base, y, y, base};
            plcol0(C_FILL);
            plfill(4, px, py);
            set_color(color);
            plwidth(0.8);
            plline(4, px, py);
        }
        pllsty(1);
        return;
    }
    if (s->kind == PL_SERIES_STEP) {
        size_t m = 0;
        for (size_t i = 0; i < s->n; i++) {
            xs[m] = tr(s->x[i], p->logx);
            ys[m++] = tr(s->y[i], p->logy);
            xs[m] = tr(s->x[i + 1], p->logx);
            ys[m++] = tr(s->y[i], p->logy);
        }
        set_color(color);
        plwidth(2.0);
        line_runs(m, xs, ys);
        pllsty(1);
        return;
    }
    size_t m = 0;
    for (size_t i = 0; i < s->n; i++) {
        double x = tr(s->x[i], p->logx), y = tr(s->y[i], p->logy);
        if (s->kind == PL_SERIES_POINTS && (!isfinite(x) || !isfinite(y))) continue;
        xs[m] = x;
        ys[m] = y;
        double e = s->yerr && isfinite(s->yerr[i]) ? s->yerr[i] : 0;
        lo[m] = tr(s->y[i] - e, p->logy);
        hi[m] = tr(s->y[i] + e, p->logy);
        if (!isfinite(lo[m])) lo[m] = w->ymin;
        m++;
    }
    set_color(color);
    if (s->kind == PL_SERIES_LINE) {
        plwidth(2.0);
        line_runs(m, xs, ys);
    } else if (m > 0) {
        plwidth(1.2);
        if (s->yerr) plerry((PLINT)m, xs, lo, hi);
        size_t k = s->marker > 0 ? (size_t)(s->marker - 1) % NMARKERS : 0;
        plstring((PLINT)m, xs, ys, s->hollow ? marker_open[k] : marker_full[k]);
    }
    pllsty(1);
    plwidth(1.0);
}

/* The corner (PLplot position bits) of the window holding the fewest data points. */
static PLINT legend_corner(const pl_panel *p, const window *w)
{
    size_t cnt[4] = {0};
    double xm = 0.5 * (w->xmin + w->xmax), yt = w->ymin + 0.55 * (w->ymax - w->ymin),
           yb = w->ymin + 0.45 * (w->ymax - w->ymin);
    for (size_t s = 0; s < p->nseries; s++) {
        const pl_series *se = &p->series[s];
        for (size_t i = 0; i < se->n; i++) {
            double x = tr(se->x[i], p->logx), y = tr(se->y[i], p->logy);
            if (!isfinite(x) || !isfinite(y)) continue;
            if (x > xm && y < yb) cnt[0]++;
            if (x > xm && y > yt) cnt[1]++;
            if (x < xm && y > yt) cnt[2]++;
            if (x < xm && y < yb) cnt[3]++;
        }
    }
    static const PLINT pos[4] = {PL_POSITION_RIGHT | PL_POSITION_BOTTOM,
                                 PL_POSITION_RIGHT | PL_POSITION_TOP,
                                 PL_POSITION_LEFT | PL_POSITION_TOP,
                                 PL_POSITION_LEFT | PL_POSITION_BOTTOM};
    int best = 1; /* top right first on ties */
    static const int order[4] = {1, 2, 0, 3};
    for (int c = 0; c < 4; c++)
        if (cnt[order[c]] < cnt[best]) best = order[c];
    return pos[best];
}

static pl_status draw_legend(const pl_panel *p, const int *colors, const window *w)
{
    size_t n = 0;
    for (size_t s = 0; s < p->nseries; s++) n += p->series[s].label[0] != 0;
    if (n == 0) return PL_OK;
    PLINT *opt = calloc(n, sizeof *opt), *col = calloc(n, sizeof *col),
          *sty = calloc(n, sizeof *sty), *snum = calloc(n, sizeof *snum),
          *fcol = calloc(n, sizeof *fcol), *fsty = calloc(n, sizeof *fsty),
          *tcol = calloc(n, sizeof *tcol);
    PLFLT *wid = calloc(n, sizeof *wid), *ssca = calloc(n, sizeof *ssca),
          *fsca = calloc(n, sizeof *fsca), *fwid = calloc(n, sizeof *fwid);
    const char **text = calloc(n, sizeof *text), **sym = calloc(n, sizeof *sym);
    pl_status st = PL_OK;
    if (!opt || !col || !sty || !snum || !fcol || !fsty || !tcol || !wid || !ssca || !fsca ||
        !fwid || !text || !sym) {
        st = PL_ENOMEM;
        goto done;
    }
    size_t k = 0;
    for (size_t s = 0; s < p->nseries; s++) {
        const pl_series *se = &p->series[s];
        if (!se->label[0]) continue;
        text[k] = se->label;
        col[k] = fcol[k] = color_index(colors[s]);
        tcol[k] = C_FG;
        sty[k] = 1 + (se->dashed > 0 ? se->dashed % 8 : 0);
        wid[k] = 2.0;
        snum[k] = 1;
        ssca[k] = 1.0;
        fsca[k] = 1.0;
        fsty[k] = 0;
        fwid[k] = 1.0;
        size_t mk = se->marker > 0 ? (size_t)(se->marker - 1) % NMARKERS : 0;
        sym[k] = se->hollow ? marker_open[mk] : marker_full[mk];
        opt[k] = se->kind == PL_SERIES_POINTS ? PL_LEGEND_SYMBOL
                 : se->kind == PL_SERIES_HIST ? PL_LEGEND_COLOR_BOX
                                              : PL_LEGEND_LINE;
        k++;
    }
    /* many entries: two or three columns of smaller text */
    PLINT ncol = n > 24 ? 3 : n > 10 ? 2 : 1, nrow = (PLINT)((n + (size_t)ncol - 1) / (size_t)ncol);
    PLFLT lw, lh;
    plcol0(C_FG);
    plschr(0, n > 10 ? 0.75 : 0.9);
    pllegend(&lw, &lh, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX | (ncol > 1 ? PL_LEGEND_ROW_MAJOR : 0),
             PL_POSITION_INSIDE | legend_corner(p, w), 0.02, 0.02, 0.06, C_BG, C_FG, 1, nrow,
             ncol, (PLINT)n, opt, 1.0, 0.9, 1.6, 0.0, tcol, text, fcol, fsty, fsca, fwid, col, sty,
             wid, col, ssca, snum, sym);
    plschr(0, 1.0);
done:
    free(opt); free(col); free(sty); free(snum); free(fcol); free(fsty); free(tcol);
    free(wid); free(ssca); free(fsca); free(fwid); free(text); free(sym);
    return st;
}

/* ---- heat map ---- */

static pl_status draw_map(const pl_panel *p, const window *w)
{
    PLFLT **z = NULL;
    PLINT nx = (PLINT)p->nx, ny = (PLINT)p->ny;
    plAlloc2dGrid(&z, nx, ny);
    PLFLT *cx = malloc(p->nx * sizeof *cx), *cy = malloc(p->ny * sizeof *cy);
    enum { NLEV = 64 };
    PLFLT lev[NLEV + 1];
    if (!z || !cx || !cy) {
        if (z) plFree2dGrid(z, nx, ny);
        free(cx);
        free(cy);
        return PL_ENOMEM;
    }
    double zmin = INFINITY, zmax = -INFINITY;
    for (size_t j = 0; j < p->ny; j++)
        for (size_t i = 0; i < p->nx; i++) {
            double v = p->z[j * p->nx + i];
            z[i][j] = v;
            if (isfinite(v)) {
                zmin = fmin(zmin, v);
                zmax = fmax(zmax, v);
            }
        }
    if (!isfinite(zmin)) { zmin = 0; zmax = 1; }
    if (zmax <= zmin) zmax = zmin + 1;
    for (size_t i = 0; i < p->nx; i++) cx[i] = w->xmin + (w->xmax - w->xmin) * (double)i / (double)(p->nx - 1);
    for (size_t j = 0; j < p->ny; j++) cy[j] = w->ymin + (w->ymax - w->ymin) * (double)j / (double)(p->ny - 1);
    PLcGrid cgrid = {cx, cy, NULL, nx, ny, 0};
    PLFLT pos[5] = {0, 0.25, 0.5, 0.75, 1};
    PLFLT rr[5] = {0.267, 0.229, 0.128, 0.369, 0.993};
    PLFLT gg[5] = {0.005, 0.322, 0.567, 0.789, 0.906};
    PLFLT bb[5] = {0.329, 0.546, 0.551, 0.383, 0.144};
    plscmap1l(1, 5, pos, rr, gg, bb, NULL);
    for (int k = 0; k <= NLEV; k++) lev[k] = zmin + (zmax - zmin) * k / NLEV;
    plshades((PLFLT_MATRIX)z, nx, ny, NULL, w->xmin, w->xmax, w->ymin, w->ymax, lev, NLEV + 1,
             0, 0, 0, plfill, 0, pltr1, &cgrid);
    if (p->nlevels > 0) {
        plcol0(C_FG);
        plwidth(1.0);
        plcont((PLFLT_MATRIX)z, nx, ny, 1, nx, 1, ny, p->levels, (PLINT)p->nlevels, pltr1, &cgrid);
    }
    {
        PLFLT cw, ch;
        PLINT lopt[] = {PL_COLORBAR_LABEL_RIGHT};
        const char *labels[] = {p->zlabel};
        const char *axis_opts[] = {"bcvtm"};
        PLFLT ticks[] = {0};
        PLINT sub[] = {0};
        PLINT nvals[] = {NLEV + 1};
        const PLFLT *vals[] = {lev};
        plcol0(C_FG);
        plschr(0, 0.85);
        plcolorbar(&cw, &ch, PL_COLORBAR_SHADE, PL_POSITION_RIGHT | PL_POSITION_OUTSIDE, 0.02, 0,
                   0.035, 0.85, 0, C_FG, 1, 0.0, 1.0, 0, 0.0, 1, lopt, labels, 1, axis_opts,
                   ticks, sub, nvals, (PLFLT_MATRIX)vals);
        plschr(0, 1.0);
    }
    plFree2dGrid(z, nx, ny);
    free(cx);
    free(cy);
    return PL_OK;
}

/* ---- panel and figure ---- */

/* Character scale at which text fits in width_mm (at most `scale`), from its number of
 * glyphs (UTF-8 code points, PLplot escapes #u #d left out) at a mean glyph width of 0.8
 * character heights. */
static double fit_scale(const char *text, double width_mm, double scale)
{
    size_t glyphs = 0;
    for (const char *c = text; *c; c++) {
        if (c[0] == '#' && (c[1] == 'u' || c[1] == 'd')) {
            c++;
            continue;
        }
        if (((unsigned char)*c & 0xC0) != 0x80) glyphs++;
    }
    plschr(0, scale);
    PLFLT def, ht;
    plgchr(&def, &ht);
    double len = 0.8 * ht * (double)glyphs;
    return len > width_mm && len > 0 ? scale * width_mm / len : scale;
}

/* Width in mm of the current viewport. */
static double viewport_mm(void)
{
    PLFLT x0, x1, y0, y1, s0, s1, t0, t1;
    plgspa(&x0, &x1, &y0, &y1);
    plgvpd(&s0, &s1, &t0, &t1);
    return (x1 - x0) * (s1 - s0);
}

static pl_status draw_panel(const pl_panel *p, double vx0, double vx1, double vy0, double vy1)
{
    window w = panel_window(p);
    plvpor(vx0, vx1, vy0, vy1);
    plwind(w.xmin, w.xmax, w.ymin, w.ymax);
    pl_status st = PL_OK;
    if (p->z) st = draw_map(p, &w);
    if (st != PL_OK) return st;
    double wa[4] = {w.xmin, w.xmax, w.ymin, w.ymax};
    /* grid, then the series, then the box on top */
    plcol0(C_GRID);
    plwidth(0.8);
    if (!p->z) plbox(p->logx ? "" : "g", 0, 0, p->logy ? "" : "g", 0, 0);
    plwidth(1.0);
    if (!p->z) {
        if (p->logx) draw_log_axis(1, w.xmin, w.xmax, w.ymin, w.ymax, wa);
        if (p->logy) draw_log_axis(0, w.ymin, w.ymax, w.xmin, w.xmax, wa);
    }
    size_t nmax = 1;
    for (size_t s = 0; s < p->nseries; s++)
        if (2 * p->series[s].n + 2 > nmax) nmax = 2 * p->series[s].n + 2;
    double *xs = malloc(nmax * sizeof *xs), *ys = malloc(nmax * sizeof *ys),
           *lo = malloc(nmax * sizeof *lo), *hi = malloc(nmax * sizeof *hi);
    int *colors = malloc((p->nseries ? p->nseries : 1) * sizeof *colors);
    if (!xs || !ys || !lo || !hi || !colors) {
        st = PL_ENOMEM;
        goto done;
    }
    int autoc = 0;
    for (size_t s = 0; s < p->nseries; s++) colors[s] = series_color(&p->series[s], &autoc);
    /* histograms first (underneath), then steps and lines, then points */
    static const pl_series_kind order[4] = {PL_SERIES_HIST, PL_SERIES_STEP, PL_SERIES_LINE,
                                            PL_SERIES_POINTS};
    plsmin(0, 1.0);
    plschr(0, 1.0);
    for (int o = 0; o < 4; o++)
        for (size_t s = 0; s < p->nseries; s++)
            if (p->series[s].kind == order[o])
                draw_series(p, &p->series[s], colors[s], &w, xs, ys, lo, hi);
    plcol0(C_FG);
    plwidth(1.0);
    if (p->z && p->logx) draw_log_axis(1, w.xmin, w.xmax, w.ymin, w.ymax, wa);
    if (p->z && p->logy) draw_log_axis(0, w.ymin, w.ymax, w.xmin, w.xmax, wa);
    plcol0(C_FG);
    plbox(p->logx ? "bc" : "bcnst", 0, 0, p->logy ? "bc" : "bcnstv", 0, 0);
    plmtex("b", 3.2, 0.5, 0.5, p->xlabel);
    plmtex("l", 4.6, 0.5, 0.5, p->ylabel);
    if (p->title[0]) {
        plschr(0, fit_scale(p->title, viewport_mm(), 1.0));
        plmtex("t", 1.2, 0.5, 0.5, p->title);
        plschr(0, 1.0);
    }
    st = draw_legend(p, colors, &w);
done:
    free(xs); free(ys); free(lo); free(hi); free(colors);
    return st;
}

pl_status pl_figure_draw(const pl_figure *f, const char *file, char *err, size_t errlen)
{
    if (f->npanels == 0) {
        snprintf(err, errlen, "figure '%s': nothing to draw (no panel)", f->title);
        return PL_EINVAL;
    }
    const char *dev;
    pl_status st = pl_plot_target(file, &dev, err, errlen);
    if (st != PL_OK) return st;
    size_t np = f->npanels;
    size_t cols = f->cols > 0 ? (size_t)f->cols : np == 1 ? 1 : np <= 4 ? 2 : 3;
    if (cols > np) cols = np;
    size_t rows = (np + cols - 1) / cols;
    int has_map = 0;
    for (size_t i = 0; i < np; i++) has_map |= f->panels[i].z != NULL;
    int head = (f->title[0] ? TITLE_PX : 8) + (f->subtitle[0] ? SUBTITLE_PX : 0);
    int width = f->width > 0 ? f->width : (int)cols * (PANEL_W + (has_map ? 110 : 0));
    int height = f->height > 0 ? f->height : head + (int)rows * PANEL_H;
    char geom[64];
    snprintf(geom, sizeof geom, "%dx%d", width, height);
    plsdev(dev);
    plsfnam(file);
    plsetopt("geometry", geom);
    plscmap0n(C_N);
    plscol0(C_BG, 255, 255, 255);
    plscol0(C_FG, 0, 0, 0);
    plscol0(C_GRID, 225, 225, 225);
    for (int c = 0; c < PL_FIGURE_COLORS; c++)
        plscol0(C_PAL + c, palette[c][0], palette[c][1], palette[c][2]);
    plinit();
    plfontld(1);
    pladv(0);
    /* character height in mm: the same text size whatever the number of panels */
    plschr(3.2, 1.0);
    double hfrac = (double)head / height;
    if (f->title[0] || f->subtitle[0]) {
        plvpor(0, 1, 1 - hfrac, 1);
        plwind(0, 1, 0, 1);
        plcol0(C_FG);
        double ty = f->subtitle[0] ? 0.62 : 0.42;
        double wmm = 0.96 * viewport_mm();
        if (f->title[0]) {
            plschr(0, fit_scale(f->title, wmm, 1.25));
            plptex(0.5, f->subtitle[0] ? ty : 0.4, 1, 0, 0.5, f->title);
        }
        if (f->subtitle[0]) {
            plschr(0, fit_scale(f->subtitle, wmm, 0.9));
            plptex(0.5, f->title[0] ? 0.18 : 0.4, 1, 0, 0.5, f->subtitle);
        }
        plschr(0, 1.0);
    }
    double cw = 1.0 / (double)cols, chh = (1 - hfrac) / (double)rows;
    double ml = 95.0 / width, mr = 25.0 / width, mb = 70.0 / height, mt = 42.0 / height;
    for (size_t i = 0; i < np && st == PL_OK; i++) {
        size_t r = i / cols, c = i % cols;
        const pl_panel *p = &f->panels[i];
        double x0 = (double)c * cw, y1 = 1 - hfrac - (double)r * chh;
        double bar = p->z ? 110.0 / width : 0; /* room for the colour bar */
        st = draw_panel(p, x0 + ml, x0 + cw - mr - bar, y1 - chh + mb, y1 - mt);
    }
    plend();
    if (st != PL_OK) snprintf(err, errlen, "figure: %s", pl_strerror(st));
    return st;
}
