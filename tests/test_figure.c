/* Figures as data and record arrays: a figure owns copies of what it is handed; records own
 * their arrays and every copy (append, sweep slots, worker threads) is a deep copy; a figure
 * with every kind of series, a heat map and log axes draws to PNG, SVG and PDF. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/phaselab.h"
#include "phaselab/figure.h"
#include "pl_test.h"

#include "pl_arr_exp.h"

static long file_size(const char *path, unsigned char *head, size_t nhead)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return -1;
    size_t got = fread(head, 1, nhead, fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fclose(fp);
    return got == nhead ? n : -1;
}

/* its own figure: a histogram of every stored array value */
static pl_status arr_figure(const pl_experiment *e, const pl_records *recs, pl_figure *fig)
{
    (void)e;
    enum { NB = 20 };
    double edges[NB + 1], h[NB] = {0}, top = 1;
    for (size_t i = 0; i < recs->n; i++) {
        size_t n;
        const double *y = pl_record_array(&recs->rec[i], "y", &n);
        for (size_t k = 0; y && k < n; k++) top = fmax(top, y[k]);
    }
    for (int b = 0; b <= NB; b++) edges[b] = top * b / NB;
    for (size_t i = 0; i < recs->n; i++) {
        size_t n;
        const double *y = pl_record_array(&recs->rec[i], "y", &n);
        for (size_t k = 0; y && k < n; k++) {
            int b = (int)(y[k] / top * NB);
            h[b < NB ? b : NB - 1] += 1;
        }
    }
    pl_panel *p = pl_figure_add_panel(fig, "array values", "y", "count", 0, 0);
    if (!p) return PL_ENOMEM;
    return pl_panel_add_series(p, PL_SERIES_HIST, "all seeds", NB, edges, h, NULL);
}

static pl_experiment arr_exp_fig;

static void check_record_arrays(void)
{
    pl_records rs;
    pl_records_init(&rs);
    pl_record *r = pl_records_add(&rs, NULL, "sim:x", 3);
    double v[4] = {1, 2, 3, 4};
    CHECK(pl_record_set_array(r, "spec", v, 4) == PL_OK, "set");
    v[0] = 99; /* the record holds a copy */
    size_t n = 7;
    const double *g = pl_record_array(r, "spec", &n);
    CHECK(g && n == 4 && g[0] == 1 && g[3] == 4, "get after set: n %zu", n);
    CHECK(pl_record_array(r, "nope", &n) == NULL && n == 0, "absent array");
    /* replacing keeps one entry */
    CHECK(pl_record_set_array(r, "spec", v, 2) == PL_OK && r->narrays == 1, "replace");
    g = pl_record_array(r, "spec", &n);
    CHECK(g && n == 2 && g[0] == 99, "replaced values");
    CHECK(pl_record_set_array(r, "empty", NULL, 0) == PL_OK, "empty array");
    g = pl_record_array(r, "empty", &n);
    CHECK(g != NULL && n == 0, "an empty array is present with n = 0");
    /* bad names and values */
    char longname[PL_ARRAY_NAME + 4];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    CHECK(pl_record_set_array(r, longname, v, 1) == PL_EINVAL, "name too long");
    CHECK(pl_record_set_array(r, "", v, 1) == PL_EINVAL, "empty name");
    CHECK(pl_record_set_array(r, "z", NULL, 3) == PL_EINVAL, "NULL values with n > 0");
    /* append deep-copies, also from the same list (whose storage moves as it grows) */
    for (int k = 0; k < 40; k++) CHECK(pl_records_append(&rs, &rs.rec[0]) == PL_OK, "append");
    CHECK(rs.n == 41, "n %zu", rs.n);
    CHECK(rs.rec[40].arrays != rs.rec[0].arrays, "distinct array lists");
    g = pl_record_array(&rs.rec[40], "spec", &n);
    CHECK(g && n == 2 && g[0] == 99 && g != pl_record_array(&rs.rec[0], "spec", NULL),
          "deep copy");
    /* changing a copy leaves the original */
    double w = -1;
    pl_record_set_array(&rs.rec[5], "spec", &w, 1);
    g = pl_record_array(&rs.rec[0], "spec", &n);
    CHECK(n == 2 && g[0] == 99, "original unchanged");
    /* pl_record_copy / release */
    pl_record c;
    CHECK(pl_record_copy(&c, &rs.rec[5]) == PL_OK && c.narrays == 2, "copy");
    pl_record_release(&c);
    CHECK(c.arrays == NULL && c.narrays == 0, "release");
    pl_records_clear(&rs); /* frees every record's arrays (ASan checks the leaks) */
    CHECK(rs.n == 0, "clear");
    r = pl_records_add(&rs, NULL, "theory", -1);
    CHECK(r->narrays == 0 && r->arrays == NULL, "a fresh record has no arrays");
    pl_records_free(&rs);
}

static void check_sweep_arrays(int jobs)
{
    pl_grid gr;
    char err[256];
    pl_grid_init(&gr, &arr_exp);
    CHECK(pl_grid_set(&gr, "a=0.5,1,2", err, sizeof err) == NULL, "%s", err);
    CHECK(pl_grid_set(&gr, "n=3,200", err, sizeof err) == NULL, "%s", err);
    pl_sweep_opts o = {.seeds = 3, .simulate = 1, .jobs = jobs};
    pl_sweep_stats st;
    pl_records all;
    pl_records_init(&all);
    CHECK(pl_sweep_run(&gr, &o, &all, &st, err, sizeof err) == PL_OK, "%s", err);
    CHECK(all.n == 3 * 2 * 3, "records %zu", all.n);
    int ok = arr_records_ok(&all);
    CHECK(ok, "arrays travel through the sweep (jobs %d) intact", jobs);
    pl_records_free(&all);
    pl_grid_free(&gr);
}

static void check_figure_data(void)
{
    pl_figure f;
    pl_figure_init(&f, "title");
    CHECK(strcmp(f.title, "title") == 0 && f.npanels == 0, "init");
    double x[3] = {1, 2, 3}, y[3] = {4, 5, 6}, e[3] = {0.1, 0.2, 0.3}, edges[4] = {0, 1, 2, 3};
    for (int k = 0; k < 9; k++) {
        pl_panel *p = pl_figure_add_panel(&f, "p", "x", "y", 0, 0);
        CHECK(p != NULL, "panel %d", k);
        CHECK(pl_panel_add_series(p, PL_SERIES_POINTS, "pts", 3, x, y, e) == PL_OK, "points");
        CHECK(pl_panel_add_series(p, PL_SERIES_HIST, "h", 3, edges, y, NULL) == PL_OK, "hist");
    }
    CHECK(f.npanels == 9, "panels %zu", f.npanels);
    x[0] = 100; /* copies */
    const pl_series *s = &f.panels[8].series[0];
    CHECK(s->x[0] == 1 && s->yerr[2] == 0.3 && s->n == 3, "series holds copies");
    CHECK(f.panels[8].series[1].x[3] == 3 && f.panels[8].series[1].yerr == NULL, "hist edges");
    CHECK(pl_panel_last(&f.panels[0]) == &f.panels[0].series[1], "last series");
    CHECK(pl_panel_add_series(&f.panels[0], PL_SERIES_LINE, "", 3, NULL, y, NULL) == PL_EINVAL,
          "missing x");
    double z[6] = {1, 2, 3, 4, 5, 6}, lev[2] = {2.5, 4.5};
    CHECK(pl_panel_set_map(&f.panels[0], 3, 2, z, 0, 1, 0, 1, lev, 2, "z") == PL_OK, "map");
    CHECK(pl_panel_set_map(&f.panels[0], 1, 2, z, 0, 1, 0, 1, NULL, 0, "z") == PL_EINVAL,
          "map needs 2 x 2");
    CHECK(pl_panel_set_map(&f.panels[0], 3, 2, z, 1, 0, 0, 1, NULL, 0, "z") == PL_EINVAL,
          "map extent");
    z[0] = -1;
    CHECK(f.panels[0].z[0] == 1 && f.panels[0].levels[1] == 4.5, "map copies");
    pl_figure_free(&f);
    CHECK(f.panels == NULL && f.npanels == 0, "free");
}

static void check_draw(void)
{
    pl_figure f;
    pl_figure_init(&f, "every kind of series");
    snprintf(f.subtitle, sizeof f.subtitle, "fixed: d=500 lambda=0.1");
    enum { N = 60 };
    double x[N], y[N], y2[N], err[N], edges[N + 1], h[N];
    for (int i = 0; i < N; i++) {
        x[i] = pow(10, -2 + 3.0 * i / (N - 1));
        y[i] = 1 / (1 + x[i]);
        y2[i] = y[i] * (1 + 0.05 * sin(i));
        err[i] = 0.03 * y[i];
        edges[i] = -3 + 6.0 * i / N;
        h[i] = exp(-0.5 * pow(-3 + 6.0 * (i + 0.5) / N, 2)) / sqrt(2 * 3.14159265358979323846);
    }
    edges[N] = 3;
    pl_panel *p = pl_figure_add_panel(&f, "log-log", "alpha", "mse", 1, 1);
    pl_panel_add_series(p, PL_SERIES_LINE, "theory", N, x, y, NULL);
    pl_panel_add_series(p, PL_SERIES_POINTS, "sim:amp", N / 3, x, y2, err);
    pl_panel_last(p)->color = 1;
    p = pl_figure_add_panel(&f, "histogram", "eigenvalue", "density", 0, 0);
    pl_panel_add_series(p, PL_SERIES_HIST, "simulation", N, edges, h, NULL);
    pl_panel_add_series(p, PL_SERIES_STEP, "theory", N, edges, h, NULL);
    p = pl_figure_add_panel(&f, "sub-decade log axis", "x", "y", 1, 0);
    double xs[5] = {2, 3, 4, 5, 6}, ys[5] = {1, 2, 1, 2, 1};
    pl_panel_add_series(p, PL_SERIES_LINE, "a", 5, xs, ys, NULL);
    pl_panel_last(p)->dashed = 1;
    pl_panel_add_series(p, PL_SERIES_POINTS, "not converged", 5, xs, ys, NULL);
    pl_panel_last(p)->hollow = 1;
    p = pl_figure_add_panel(&f, "heat map", "alpha", "beta", 0, 0);
    double z[12 * 10], lev[3] = {0.25, 0.5, 0.75};
    for (int j = 0; j < 10; j++)
        for (int i = 0; i < 12; i++) z[j * 12 + i] = (double)(i * j) / (11.0 * 9.0);
    pl_panel_set_map(p, 12, 10, z, 0, 2, 0, 1, lev, 3, "overlap");
    unsigned char head[8];
    static const char *files[3] = {"test_figure.png", "test_figure.svg", "test_figure.pdf"};
    for (int k = 0; k < 3; k++) {
        char e[256] = "";
        remove(files[k]);
        CHECK(pl_figure_draw(&f, files[k], e, sizeof e) == PL_OK, "draw %s: %s", files[k], e);
        long n = file_size(files[k], head, sizeof head);
        CHECK(n > 2000, "%s has %ld bytes", files[k], n);
        if (k == 0) CHECK(memcmp(head, "\x89PNG", 4) == 0, "PNG signature");
        if (k == 2) CHECK(memcmp(head, "%PDF", 4) == 0, "PDF signature");
    }
    char e[256] = "";
    CHECK(pl_figure_draw(&f, "test_figure.gif", e, sizeof e) == PL_EINVAL && strstr(e, ".png"),
          "unknown extension: %s", e);
    pl_figure empty;
    pl_figure_init(&empty, "nothing");
    CHECK(pl_figure_draw(&empty, "test_figure_empty.png", e, sizeof e) == PL_EINVAL,
          "empty figure refused");
    pl_figure_free(&f);
}

static void check_experiment_figure(void)
{
    arr_exp_fig = arr_exp;
    arr_exp_fig.figure = arr_figure;
    pl_records rs;
    pl_records_init(&rs);
    pl_params p;
    pl_params_default(&arr_exp_fig, &p);
    for (long seed = 0; seed < 4; seed++) {
        pl_rng rng;
        pl_rng_init(&rng, (uint64_t)seed, 1);
        CHECK(pl_experiment_simulate(&arr_exp_fig, &p, &rng, seed, &rs) == PL_OK, "simulate");
    }
    pl_plot_opts o = {.width = 700, .height = 450};
    char err[256] = "";
    unsigned char head[8];
    remove("test_figure_hook.png");
    CHECK(pl_plot_experiment("test_figure_hook.png", &arr_exp_fig, &rs, &o, err, sizeof err) ==
              PL_OK, "figure hook: %s", err);
    CHECK(file_size("test_figure_hook.png", head, sizeof head) > 1000, "hook figure written");
    /* without a hook: the line plot of plot_y against plot_x */
    remove("test_figure_lines.png");
    CHECK(pl_plot_experiment("test_figure_lines.png", &arr_exp, &rs, &o, err, sizeof err) == PL_OK,
          "default figure: %s", err);
    CHECK(file_size("test_figure_lines.png", head, sizeof head) > 1000, "line figure written");
    CHECK(pl_plot_experiment("test_figure_hook.txt", &arr_exp_fig, &rs, &o, err, sizeof err) ==
              PL_EINVAL, "bad extension refused before the hook runs");
    pl_records_free(&rs);
}

/* ---- the default line figure: y = c x^2 (theory), the same plus noise (simulation) ---- */
typedef struct {
    double x, c, s;
} sq_point;
typedef struct {
    double y;
} sq_result;
static const pl_param_spec sq_params[] = {
    {PL_P_REAL(sq_point, x, 1.0, 0, 100, "abscissa")},
    {PL_P_REAL(sq_point, c, 1.0, 0, 100, "curvature")},
    {PL_P_REAL(sq_point, s, 0.0, 0, 100, "a fixed parameter")},
};
static const pl_metric_spec sq_map[] = {PL_METRIC(sq_result, y, "c x^2")};

static pl_status sq_solve(const pl_experiment *e, const void *ptv, pl_emitter *em)
{
    (void)e;
    const sq_point *pt = ptv;
    sq_result r = {pt->c * pt->x * pt->x};
    return pl_emit(em, "theory", &r) ? PL_OK : PL_ENOMEM;
}

static pl_status sq_sim(const pl_experiment *e, const void *ptv, pl_rng *rng, pl_emitter *em)
{
    (void)e;
    const sq_point *pt = ptv;
    sq_result r = {pt->c * pt->x * pt->x + 0.01 * pl_rng_normal(rng)};
    pl_record *rec = pl_emit(em, "sim:noisy", &r);
    if (!rec) return PL_ENOMEM;
    if (pt->x == 0.5) rec->status = PL_REC_NOT_CONVERGED;
    return PL_OK;
}

static pl_experiment sq_exp = {
    .name = "sq-test", .summary = "squares", .description = "", .params = sq_params,
    .n_params = 3, .point_size = sizeof(sq_point), .metric_map = sq_map,
    .result_size = sizeof(sq_result), .n_metrics = 1, .plot_x = "x", .plot_y = "y",
    .solve = sq_solve, .sim = sq_sim,
};

static void sq_records(pl_records *all, const char *xgrid, const char *cgrid)
{
    pl_grid g;
    char err[256];
    pl_grid_init(&g, &sq_exp);
    CHECK(pl_grid_set(&g, xgrid, err, sizeof err) == NULL, "%s", err);
    CHECK(pl_grid_set(&g, cgrid, err, sizeof err) == NULL, "%s", err);
    CHECK(pl_grid_set(&g, "s=2", err, sizeof err) == NULL, "%s", err);
    pl_sweep_opts o = {.seeds = 2, .simulate = 1, .theory = 1, .jobs = 1};
    pl_sweep_stats st;
    CHECK(pl_sweep_run(&g, &o, all, &st, err, sizeof err) == PL_OK, "%s", err);
    pl_grid_free(&g);
}

static size_t count_series(const pl_figure *f, pl_series_kind kind, size_t n, int legend)
{
    size_t c = 0;
    for (size_t p = 0; p < f->npanels; p++)
        for (size_t s = 0; s < f->panels[p].nseries; s++) {
            const pl_series *se = &f->panels[p].series[s];
            if (se->kind == kind && se->n == n && (legend < 0 || (se->label[0] != 0) == legend))
                c++;
        }
    return c;
}

static void check_lines_builder(void)
{
    pl_records all;
    pl_records_init(&all);
    sq_records(&all, "x=0.25:1.25:0.25", "c=1:12:1");
    pl_plot_opts o = {.x = "x", .y = "y"};
    char err[256] = "";
    pl_figure f;
    pl_figure_init(&f, NULL);
    CHECK(pl_figure_lines(&sq_exp, &all, &o, &f, err, sizeof err) == PL_OK, "%s", err);
    /* 12 curves: two panels of at most 10, none dropped */
    CHECK(f.npanels == 2 && strcmp(f.panels[1].title, "curves 11-12 of 12") == 0,
          "%zu panels, '%s'", f.npanels, f.npanels > 1 ? f.panels[1].title : "");
    CHECK(count_series(&f, PL_SERIES_LINE, 100, 0) == 12, "12 fine theory curves");
    /* simulation: converged points (4 x values) and hollow not-converged ones (x = 0.5) */
    CHECK(count_series(&f, PL_SERIES_POINTS, 4, 0) == 12, "12 simulation curves");
    CHECK(count_series(&f, PL_SERIES_POINTS, 1, 0) == 12, "12 not-converged points");
    int hollow_ok = 1, fine_ok = 1;
    for (size_t p = 0; p < f.npanels; p++)
        for (size_t s = 0; s < f.panels[p].nseries; s++) {
            const pl_series *se = &f.panels[p].series[s];
            if (se->kind == PL_SERIES_POINTS && se->n == 1)
                hollow_ok &= se->hollow && se->x[0] == 0.5 && se->yerr != NULL;
            if (se->kind == PL_SERIES_LINE && se->n == 100) {
                /* c from the colour: curve k of the panel has c = 10 p + k */
                double c = (double)(10 * p) + se->color;
                for (size_t i = 0; i < se->n; i++)
                    fine_ok &= fabs(se->y[i] - c * se->x[i] * se->x[i]) <= 1e-12 * c;
                fine_ok &= se->x[0] == 0.25 && se->x[99] == 1.25;
            }
        }
    CHECK(hollow_ok, "not-converged points hollow, with their error bars");
    CHECK(fine_ok, "fine theory = c x^2 on [0.25, 1.25]");
    /* legend: one entry per curve and per source, plus the not-converged marker */
    CHECK(count_series(&f, PL_SERIES_LINE, 0, 1) == 12 + 2, "curve and theory legend entries");
    CHECK(count_series(&f, PL_SERIES_POINTS, 0, 1) == 2 * 2, "sim and not-converged entries");
    CHECK(strstr(f.title, "sq-test") && strstr(f.subtitle, "s=2") && strstr(f.subtitle, "seeds 0-1"),
          "title '%s', subtitle '%s'", f.title, f.subtitle);
    remove("test_figure_curves.png");
    CHECK(pl_figure_draw(&f, "test_figure_curves.png", err, sizeof err) == PL_OK, "%s", err);
    pl_figure_free(&f);

    /* opted out (or too slow): theory through the swept points only */
    sq_exp.theory_fine = -1;
    pl_figure_init(&f, NULL);
    CHECK(pl_figure_lines(&sq_exp, &all, &o, &f, err, sizeof err) == PL_OK, "%s", err);
    CHECK(count_series(&f, PL_SERIES_LINE, 5, 0) == 12 && count_series(&f, PL_SERIES_LINE, 100, 0) == 0,
          "theory_fine = -1: swept points only");
    pl_figure_free(&f);
    sq_exp.theory_fine = 0;
    for (size_t i = 0; i < all.n; i++)
        if (all.rec[i].seed < 0) all.rec[i].wall = 0.5; /* 100 points x 12 curves: 600 s */
    pl_figure_init(&f, NULL);
    CHECK(pl_figure_lines(&sq_exp, &all, &o, &f, err, sizeof err) == PL_OK, "%s", err);
    CHECK(count_series(&f, PL_SERIES_LINE, 100, 0) == 0, "expensive theory: no fine grid");
    pl_figure_free(&f);
    pl_records_free(&all);

    /* a log x axis: the fine grid is geometric */
    pl_records_init(&all);
    sq_records(&all, "x=0.01,0.1,1,10", "c=1");
    o.logx = o.logy = 1;
    pl_figure_init(&f, NULL);
    CHECK(pl_figure_lines(&sq_exp, &all, &o, &f, err, sizeof err) == PL_OK, "%s", err);
    const pl_series *fl = NULL;
    for (size_t s = 0; s < f.panels[0].nseries; s++)
        if (f.panels[0].series[s].n == 100) fl = &f.panels[0].series[s];
    CHECK(fl && fabs(fl->x[1] / fl->x[0] - fl->x[51] / fl->x[50]) < 1e-9 &&
              fabs(fl->x[0] - 0.01) < 1e-15 && fabs(fl->x[99] - 10) < 1e-12,
          "geometric fine grid");
    remove("test_figure_loglog.png");
    CHECK(pl_figure_draw(&f, "test_figure_loglog.png", err, sizeof err) == PL_OK, "%s", err);
    pl_figure_free(&f);
    /* errors name what is wrong */
    o.y = "nope";
    pl_figure_init(&f, NULL);
    CHECK(pl_figure_lines(&sq_exp, &all, &o, &f, err, sizeof err) == PL_EINVAL &&
              strstr(err, "no metric 'nope'"),
          "%s", err);
    pl_figure_free(&f);
    pl_records_free(&all);
}

int main(void)
{
    check_record_arrays();
    check_sweep_arrays(1);
    check_sweep_arrays(3);
    check_figure_data();
    check_draw();
    check_experiment_figure();
    check_lines_builder();
    return pl_test_done("test_figure");
}
