/* A tiny test experiment whose simulation emits arrays: for seed s, "y" holds
 * y_k = a k + s for k < n, "first" holds y_0 (empty when n = 0), "noise" holds n uniform
 * draws from the cell's stream (incompressible), and the metric sum = sum_k y_k. */
#ifndef PL_ARR_EXP_H
#define PL_ARR_EXP_H
#include <stdlib.h>

#include "phaselab/phaselab.h"

typedef struct {
    double a;
    long n;
} arr_point;
typedef struct {
    double sum;
} arr_result;
static const pl_param_spec arr_params[] = {
    {PL_P_REAL(arr_point, a, 1.0, -10, 10, "slope")},
    {PL_P_INT(arr_point, n, 5, 0, 100000, "array length")},
};
static const pl_metric_spec arr_map[] = {PL_METRIC(arr_result, sum, "sum of the array")};

static pl_status arr_sim(const pl_experiment *e, const void *ptv, pl_rng *rng, pl_emitter *em)
{
    (void)e;
    const arr_point *pt = ptv;
    size_t n = (size_t)pt->n;
    double *v = malloc((n ? n : 1) * sizeof *v), *u = malloc((n ? n : 1) * sizeof *u);
    pl_status st = v && u ? PL_OK : PL_ENOMEM;
    arr_result res = {0};
    for (size_t k = 0; st == PL_OK && k < n; k++) {
        v[k] = pt->a * (double)k + (double)em->seed;
        u[k] = pl_rng_uniform(rng);
        res.sum += v[k];
    }
    pl_record *r = st == PL_OK ? pl_emit(em, "sim:fill", &res) : NULL;
    if (st == PL_OK && !r) st = PL_ENOMEM;
    if (st == PL_OK) st = pl_record_set_array(r, "y", v, n);
    if (st == PL_OK) st = pl_record_set_array(r, "first", v, n ? 1 : 0);
    if (st == PL_OK) st = pl_record_set_array(r, "noise", u, n);
    free(v);
    free(u);
    return st;
}

static const pl_experiment arr_exp = {
    .name = "arr-test", .summary = "", .description = "", .params = arr_params, .n_params = 2,
    .point_size = sizeof(arr_point), .metric_map = arr_map, .result_size = sizeof(arr_result),
    .n_metrics = 1, .plot_x = "a", .plot_y = "sum", .sim = arr_sim,
};

/* 1 when every record of recs carries the arrays arr_sim gives it. */
static int arr_records_ok(const pl_records *recs)
{
    for (size_t i = 0; i < recs->n; i++) {
        const pl_record *r = &recs->rec[i];
        arr_point pt;
        pl_point_from_params(&arr_exp, &r->params, &pt);
        size_t n, nn;
        const double *y = pl_record_array(r, "y", &n);
        const double *z = pl_record_array(r, "noise", &nn);
        if (!y || !z || n != (size_t)pt.n || nn != n) return 0;
        double s = 0;
        for (size_t k = 0; k < n; k++) {
            if (y[k] != pt.a * (double)k + (double)r->seed || !(z[k] >= 0 && z[k] < 1)) return 0;
            s += y[k];
        }
        if (s != r->metric[0]) return 0;
    }
    return 1;
}
#endif
