/* The experiment registry and the typed parameter binding: every registered experiment is
 * well formed (names, caps, defaults in range, help text, default sweep and plot axes), and the
 * binding decodes points, emits results and keeps cell keys stable when parameters are added. */
#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "phaselab/experiment.h"
#include "phaselab/sweep.h"
#include "pl_test.h"

static int is_name(const char *s)
{
    if (!s || !*s) return 0;
    for (; *s; s++)
        if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '-' || *s == '_'))
            return 0;
    return 1;
}

/* parameter names are C identifiers (they name the point struct's fields) */
static int is_ident(const char *s)
{
    if (!s || !isalpha((unsigned char)*s)) return 0;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_')) return 0;
    return 1;
}

static size_t field_size(const pl_param_spec *ps)
{
    if (ps->type == PL_PARAM_REAL) return sizeof(double);
    if (ps->type == PL_PARAM_INT) return sizeof(long);
    return ps->table ? sizeof(void *) : sizeof(int);
}

/* every word of a "+"-free comma list names a metric */
static int metrics_exist(const pl_experiment *e, const char *list)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (pl_metric_index(e, t) < 0) return 0;
    return 1;
}

static void check_experiment(const pl_experiment *e)
{
    const char *n = e->name;
    CHECK(is_name(n), "experiment name '%s'", n ? n : "(null)");
    CHECK(e->summary && *e->summary && e->description && *e->description, "%s: summary", n);
    CHECK(e->n_params <= PL_MAX_PARAMS, "%s: %zu parameters", n, e->n_params);
    CHECK(e->n_metrics >= 1 && e->n_metrics <= PL_MAX_METRICS, "%s: %zu metrics", n,
          e->n_metrics);
    CHECK(pl_experiment_has_sim(e) || pl_experiment_has_theory(e), "%s: no hook", n);
    CHECK(e->point_size <= PL_MAX_POINT, "%s: point of %zu bytes", n, e->point_size);
    int typed = e->sim || e->solve || e->solve_warm;
    if (typed) CHECK(e->metric_map != NULL, "%s: typed hooks need a metric map", n);
    for (size_t i = 0; i < e->n_params; i++) {
        const pl_param_spec *ps = &e->params[i];
        char buf[256];
        CHECK(is_ident(ps->name), "%s: parameter %zu name", n, i);
        CHECK(ps->help && *ps->help, "%s.%s: help text", n, ps->name);
        CHECK(!pl_param_check_value(e, (int)i, ps->def, buf, sizeof buf), "%s.%s default: %s",
              n, ps->name, buf);
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(e->params[j].name, ps->name) != 0, "%s.%s twice", n, ps->name);
        if (ps->type == PL_PARAM_CHOICE)
            CHECK(pl_param_choice_count(e, (int)i) >= 1, "%s.%s: no choices", n, ps->name);
        if (typed) CHECK(ps->bound, "%s.%s: not bound to the point struct", n, ps->name);
        if (ps->bound)
            CHECK(ps->offset + field_size(ps) <= e->point_size, "%s.%s: offset %zu past %zu", n,
                  ps->name, ps->offset, e->point_size);
    }
    for (size_t k = 0; k < e->n_metrics; k++) {
        const char *m = pl_metric_name(e, k);
        CHECK(is_name(m), "%s: metric %zu name", n, k);
        for (size_t j = 0; j < k; j++)
            CHECK(strcmp(pl_metric_name(e, j), m) != 0, "%s: metric %s twice", n, m);
        if (e->metric_map) {
            CHECK(e->metric_map[k].offset + sizeof(double) <= e->result_size,
                  "%s.%s: metric offset past the result struct", n, m);
            CHECK(e->metric_map[k].help && *e->metric_map[k].help, "%s.%s: metric help", n, m);
        }
    }
    /* the defaults form a valid point, and the default sweep parses */
    pl_params p;
    char buf[512];
    pl_params_default(e, &p);
    const char *msg = pl_params_validate(e, &p, buf, sizeof buf);
    CHECK(!msg, "%s: defaults invalid: %s", n, msg ? msg : "");
    if (e->default_sweep) {
        pl_grid g;
        pl_grid_init(&g, e);
        char words[1024], err[512];
        snprintf(words, sizeof words, "%s", e->default_sweep);
        for (char *save = NULL, *t = strtok_r(words, " ", &save); t;
             t = strtok_r(NULL, " ", &save)) {
            const char *m2 = pl_grid_set(&g, t, err, sizeof err);
            CHECK(!m2, "%s: default sweep word '%s': %s", n, t, m2 ? m2 : "");
        }
        CHECK(pl_grid_cells(&g) >= 1, "%s: empty default sweep", n);
        pl_grid_free(&g);
    }
    if (e->plot_x) CHECK(pl_param_index(e, e->plot_x) >= 0, "%s: plot_x %s", n, e->plot_x);
    if (e->plot_y) CHECK(metrics_exist(e, e->plot_y), "%s: plot_y %s", n, e->plot_y);
}

/* ---- a toy experiment exercising every binding kind ---- */
typedef struct {
    const char *name;
    double scale;
} toy_kind;
static const toy_kind toy_kinds[] = {{"small", 0.5}, {"big", 2.0}};

static const toy_kind toy_big = {"huge", 9.0}, toy_tiny = {"tiny", 0.125};
static const toy_kind *const toy_ptrs[] = {&toy_tiny, &toy_big, NULL};

typedef struct {
    double x;
    long d;
    int mode;
    const toy_kind *kind;
    double extra;
    const toy_kind *other;
} toy_point;
typedef struct {
    double a, b;
} toy_result;

static const pl_param_spec toy_params[] = {
    {PL_P_REAL(toy_point, x, 1.5, 0, 10, "x"), .lo_open = 1},
    {PL_P_INT(toy_point, d, 100, 2, 1000, "d")},
    {PL_P_CHOICE(toy_point, mode, 1, "one|two|three", "mode")},
    {PL_P_TABLE(toy_point, kind, toy_kinds, 2, 0, "kind")},
    {PL_P_REAL(toy_point, extra, 0.25, 0, 1, "added later"), .added = 1},
    {PL_P_PTABLE(toy_point, other, toy_ptrs, 1, "from a NULL-terminated pointer table"),
     .added = 1},
};
static const pl_metric_spec toy_metrics[] = {
    PL_METRIC(toy_result, b, "second field, listed first"),
    PL_METRIC(toy_result, a, "first field"),
};

static pl_status toy_solve(const pl_experiment *e, const void *pt, pl_emitter *em)
{
    (void)e;
    const toy_point *p = pt;
    toy_result r = {.a = p->x * p->kind->scale + (double)p->d, .b = p->mode + p->extra};
    return pl_emit(em, "theory", &r) ? PL_OK : PL_ENOMEM;
}

static const pl_experiment toy = {
    .name = "toy",
    .summary = "toy",
    .description = "toy",
    .params = toy_params,
    .n_params = 6,
    .point_size = sizeof(toy_point),
    .metric_map = toy_metrics,
    .n_metrics = 2,
    .result_size = sizeof(toy_result),
    .default_sweep = "x=1,2 kind=small,big",
    .plot_x = "x",
    .plot_y = "a,b",
    .solve = toy_solve,
};

static void check_binding(void)
{
    check_experiment(&toy);
    pl_params p;
    pl_params_default(&toy, &p);
    char buf[256], key[256];
    double v;
    /* the key omits the added parameter at its default, and names it elsewhere */
    pl_params_key(&toy, &p, key, sizeof key);
    CHECK(strcmp(key, "x=1.5;d=100;mode=two;kind=small") == 0, "key '%s'", key);
    p.v[4] = 0.5;
    CHECK(pl_param_choice_count(&toy, 5) == 2, "pointer table of 2 entries");
    CHECK(!pl_param_parse_value(&toy, 5, "tiny", &v, buf, sizeof buf) && v == 0, "tiny");
    CHECK(pl_param_parse_value(&toy, 5, "small", &v, buf, sizeof buf) != NULL, "not in it");
    pl_params_key(&toy, &p, key, sizeof key);
    CHECK(strstr(key, ";extra=0.5") != NULL, "key with extra '%s'", key);
    /* decoding */
    CHECK(!pl_param_parse_value(&toy, 3, "big", &v, buf, sizeof buf) && v == 1, "big");
    CHECK(pl_param_parse_value(&toy, 3, "huge", &v, buf, sizeof buf) != NULL, "huge");
    CHECK(strstr(buf, "small|big") != NULL, "message lists the table: %s", buf);
    p.v[3] = v;
    p.v[0] = 3.25;
    p.v[1] = 7;
    p.v[2] = 2;
    toy_point pt;
    pl_point_from_params(&toy, &p, &pt);
    CHECK(pt.x == 3.25 && pt.d == 7 && pt.mode == 2 && pt.kind == &toy_kinds[1] &&
              pt.extra == 0.5 && pt.other == &toy_big,
          "decoded point");
    CHECK(pl_param_check_value(&toy, 2, 3, buf, sizeof buf) != NULL, "choice index 3 invalid");
    /* the generic runner emits through the metric map, in the map's order */
    pl_records out;
    pl_records_init(&out);
    CHECK(pl_experiment_theory(&toy, &p, NULL, 0, NULL, NULL, &out) == PL_OK && out.n == 1,
          "one theory record");
    CHECK(out.n == 1 && out.rec[0].metric[0] == 2.5 && out.rec[0].metric[1] == 3.25 * 2 + 7 &&
              out.rec[0].seed == -1 && isnan(out.rec[0].metric[2]),
          "metrics by map");
    CHECK(pl_experiment_simulate(&toy, &p, NULL, 0, &out) == PL_EUNSUPPORTED, "no sim");
    pl_records_free(&out);
    toy_result r;
    pl_result_clear(&toy, &r);
    CHECK(isnan(r.a) && isnan(r.b), "cleared result");
}

int main(void)
{
    check_binding();
    size_t n = pl_experiment_count();
    CHECK(n >= 19, "%zu experiments", n);
    for (size_t i = 0; i < n; i++) {
        const pl_experiment *e = pl_experiment_at(i);
        check_experiment(e);
        CHECK(pl_experiment_find(e->name) == e, "find %s", e->name);
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(pl_experiment_at(j)->name, e->name) != 0, "%s twice", e->name);
    }
    CHECK(pl_experiment_find("no-such") == NULL, "unknown name");
    return pl_test_done("test_registry");
}
