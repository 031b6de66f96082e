/* Default figures of family 6 as data.
 *  - twostep-phase: on an (alpha1, alpha2) grid of theory records, one heat map whose nodes are
 *    the records' n_new_outliers, on the grid's range, contours between consecutive counts; a
 *    one-dimensional sweep falls back to the line figure.
 *  - twostep-spectrum: the spectrum recomputed from the cell's random stream reproduces the
 *    simulated record (top singular value, outlier count), the histogram integrates to the
 *    fraction of singular values in its range, the theory marks are the record's outliers. */
#include <math.h>
#include <string.h>

#include "phaselab/experiment.h"
#include "phaselab/figure.h"
#include "phaselab/sweep.h"
#include "pl_test.h"

static void set(const pl_experiment *e, pl_params *p, const char *name, const char *value)
{
    char buf[256];
    int i = pl_param_index(e, name);
    double v;
    CHECK(i >= 0 && !pl_param_parse_value(e, i, value, &v, buf, sizeof buf), "%s=%s", name,
          value);
    if (i >= 0) p->v[i] = v;
}

static void check_phase(void)
{
    const pl_experiment *e = pl_experiment_find("twostep-phase");
    const double a1[3] = {0, 0.2, 0.4}, a2[2] = {0.1, 0.4};
    pl_records recs;
    pl_records_init(&recs);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 2; j++) {
            pl_params p;
            pl_params_default(e, &p);
            p.v[pl_param_index(e, "alpha1")] = a1[i];
            p.v[pl_param_index(e, "alpha2")] = a2[j];
            set(e, &p, "N", "40");
            set(e, &p, "d", "40");
            set(e, &p, "n", "40");
            CHECK(pl_cell_compute(e, &p, -1, &recs) == PL_OK, "theory cell");
        }
    pl_figure f;
    pl_figure_init(&f, e->name);
    CHECK(e->figure(e, &recs, &f) == PL_OK, "phase figure");
    CHECK(f.npanels == 1, "theory only: one map (%zu panels)", f.npanels);
    if (f.npanels == 1) {
        const pl_panel *pn = &f.panels[0];
        CHECK(pn->z && pn->nx == 3 && pn->ny == 2, "3 x 2 map");
        CHECK(pn->x0 == 0 && pn->x1 == 0.4 && pn->y0 == 0.1 && pn->y1 == 0.4, "map range");
        double zmax = 0;
        for (size_t r = 0; r < recs.n && pn->z; r++) {
            double x = recs.rec[r].params.v[pl_param_index(e, "alpha1")];
            double y = recs.rec[r].params.v[pl_param_index(e, "alpha2")];
            size_t i = x == 0 ? 0 : x == 0.2 ? 1 : 2, j = y == 0.1 ? 0 : 1;
            double v = pl_record_get(&recs.rec[r], e, "n_new_outliers");
            CHECK(pn->z[j * 3 + i] == v, "node (%g, %g) = %g", x, y, v);
            zmax = fmax(zmax, v);
        }
        CHECK(zmax >= 2, "the grid reaches two new outliers (max %g)", zmax);
        CHECK(pn->nlevels == (size_t)ceil(zmax - 0.5), "%zu contour levels", pn->nlevels);
        for (size_t k = 0; k < pn->nlevels; k++)
            CHECK(pn->levels[k] == (double)k + 0.5, "level between counts");
    }
    pl_figure_free(&f);
    /* one swept exponent: the line figure */
    pl_records one = {0};
    pl_records_init(&one);
    for (size_t r = 0; r < recs.n; r++)
        if (recs.rec[r].params.v[pl_param_index(e, "alpha1")] == 0.2)
            pl_records_append(&one, &recs.rec[r]);
    pl_figure_init(&f, e->name);
    CHECK(e->figure(e, &one, &f) == PL_OK && f.npanels == 1 && !f.panels[0].z &&
              f.panels[0].nseries >= 1 && strcmp(f.panels[0].xlabel, "alpha2") == 0,
          "line figure against alpha2");
    pl_figure_free(&f);
    pl_records_free(&one);
    pl_records_free(&recs);
}

static void check_spectrum(void)
{
    const pl_experiment *e = pl_experiment_find("twostep-spectrum");
    pl_params p;
    pl_params_default(e, &p);
    set(e, &p, "N", "120");
    set(e, &p, "d", "120");
    set(e, &p, "n", "120");
    set(e, &p, "bulk", "mp"); /* the fitted edge is unreliable at N = 120 */
    pl_records recs;
    pl_records_init(&recs);
    CHECK(pl_cell_compute(e, &p, 3, &recs) == PL_OK && recs.n == 1, "simulated cell");
    CHECK(pl_cell_compute(e, &p, -1, &recs) == PL_OK && recs.n == 2, "theory cell");
    if (recs.n != 2) return;
    const pl_record *sim = &recs.rec[0], *th = &recs.rec[1];
    pl_figure f;
    pl_figure_init(&f, e->name);
    CHECK(e->figure(e, &recs, &f) == PL_OK && f.npanels == 2, "spectrum figure");
    if (f.npanels == 2) {
        const pl_panel *bulk = &f.panels[0], *top = &f.panels[1];
        CHECK(bulk->nseries == 3 && bulk->series[0].kind == PL_SERIES_HIST, "hist, MP, edge");
        const pl_series *h = &bulk->series[0];
        double mass = 0;
        for (size_t b = 0; b < h->n; b++) mass += h->y[b] * (h->x[b + 1] - h->x[b]);
        CHECK(mass > 0.9 && mass <= 1 + 1e-12, "histogram mass %g (values beyond: outliers)",
              mass);
        /* the recomputed spectrum is the simulated one */
        const pl_series *out = NULL, *theo = NULL;
        for (size_t k = 0; k < top->nseries; k++) {
            if (strcmp(top->series[k].label, "simulation: outliers") == 0) out = &top->series[k];
            if (strcmp(top->series[k].label, "theory: outliers") == 0) theo = &top->series[k];
        }
        CHECK(out != NULL, "outlier marks");
        if (out) {
            CHECK_CLOSE(out->x[0], pl_record_get(sim, e, "s1"),
                        1e-9 * pl_record_get(sim, e, "s1"), "recomputed s1");
            CHECK((double)out->n == pl_record_get(sim, e, "n_outliers"), "%zu outliers vs %g",
                  out->n, pl_record_get(sim, e, "n_outliers"));
        }
        CHECK(theo != NULL && theo->x[0] == pl_record_get(th, e, "s1"), "theory s1 mark");
    }
    pl_figure_free(&f);
    pl_records_free(&recs);
}

int main(void)
{
    check_phase();
    check_spectrum();
    return pl_test_done("test_twostep_figure");
}
