/* Bisection of a parameter for a metric crossing a level, on theory or on simulation. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "phaselab/report.h"
#include "phaselab/sweep.h"
#include "phaselab/threshold.h"

/* Metric at parameter value x: theory value, or mean and standard error over seeds. */
static pl_status evaluate(const pl_experiment *e, const pl_params *base, int pi, int mk,
                          const pl_threshold_opts *o, double x, double *mean, double *se,
                          char *err, size_t errlen)
{
    pl_params p = *base;
    p.v[pi] = x;
    char msg[256];
    if (pl_params_validate(e, &p, msg, sizeof msg)) {
        snprintf(err, errlen, "%s", msg);
        return PL_EINVAL;
    }
    pl_records r;
    pl_records_init(&r);
    pl_status st = PL_OK;
    double s = 0, s2 = 0;
    size_t n = 0;
    if (!o->use_sim) {
        st = pl_cell_compute(e, &p, -1, &r);
        if (st == PL_OK && r.n > 0 && r.rec[0].status == PL_REC_CONVERGED) {
            s = r.rec[0].metric[mk];
            n = 1;
        }
    } else {
        for (int k = 0; k < o->seeds && st == PL_OK; k++) {
            pl_records_clear(&r);
            st = pl_cell_compute(e, &p, o->seed_base + k, &r);
            if (st == PL_OK && r.n > 0 && r.rec[0].status == PL_REC_CONVERGED &&
                isfinite(r.rec[0].metric[mk])) {
                double v = r.rec[0].metric[mk];
                s += v;
                s2 += v * v;
                n++;
            }
        }
    }
    pl_records_free(&r);
    if (st != PL_OK) return st;
    if (n == 0 || !isfinite(s)) {
        snprintf(err, errlen, "%s at %s = %g: no converged %s value", o->metric, o->param, x,
                 o->use_sim ? "simulation" : "theory");
        return PL_ENOSOLUTION;
    }
    *mean = s / (double)n;
    *se = n > 1 ? sqrt(fmax(0, (s2 - s * s / (double)n) / (double)(n - 1)) / (double)n) : 0;
    return PL_OK;
}

pl_status pl_threshold_search(const pl_experiment *e, const pl_params *base,
                              const pl_threshold_opts *o, pl_threshold_result *res, char *err,
                              size_t errlen)
{
    memset(res, 0, sizeof *res);
    int pi = pl_param_index(e, o->param), mk = pl_metric_index(e, o->metric);
    if (pi < 0 || e->params[pi].type == PL_PARAM_CHOICE) {
        snprintf(err, errlen, "experiment '%s' has no numeric parameter '%s'", e->name, o->param);
        return PL_EINVAL;
    }
    if (mk < 0) {
        snprintf(err, errlen, "experiment '%s' has no metric '%s'", e->name, o->metric);
        return PL_EINVAL;
    }
    if (o->use_sim ? !pl_experiment_has_sim(e) : !pl_experiment_has_theory(e)) {
        snprintf(err, errlen, "experiment '%s' has no %s", e->name, o->use_sim ? "simulation" : "theory");
        return PL_EINVAL;
    }
    if (o->use_sim && o->seeds < 2) {
        snprintf(err, errlen, "a threshold on simulation needs at least 2 seeds");
        return PL_EINVAL;
    }
    if (!(o->lo < o->hi)) {
        snprintf(err, errlen, "the bracket needs lo < hi (got %g, %g)", o->lo, o->hi);
        return PL_EINVAL;
    }
    /* crossed(x) means the metric is past the level in the search direction */
    double a = o->lo, b = o->hi, ma, sa, mb, sb;
    pl_status st = evaluate(e, base, pi, mk, o, a, &ma, &sa, err, errlen);
    if (st == PL_OK) st = evaluate(e, base, pi, mk, o, b, &mb, &sb, err, errlen);
    res->evaluations = 2;
    if (st != PL_OK) return st;
    int ca = o->above ? ma > o->level : ma < o->level;
    int cb = o->above ? mb > o->level : mb < o->level;
    if (ca || !cb) {
        snprintf(err, errlen,
                 "%s does not cross %g %s between %s = %g (%.6g) and %g (%.6g): widen --lo/--hi",
                 o->metric, o->level, o->above ? "upward" : "downward", o->param, a, ma, b, mb);
        return PL_ENOSOLUTION;
    }
    double tol = o->tol > 0 ? o->tol : 1e-9 * fmax(1.0, fabs(b - a));
    size_t maxit = o->maxit ? o->maxit : 200;
    double slope = (mb - ma) / (b - a), se_mid = 0;
    for (size_t it = 0; it < maxit && b - a > tol; it++) {
        double m = 0.5 * (a + b), mm, sm;
        st = evaluate(e, base, pi, mk, o, m, &mm, &sm, err, errlen);
        res->evaluations++;
        if (st != PL_OK) return st;
        se_mid = sm;
        if (o->use_sim && fabs(mm - o->level) <= 2 * sm) {
            /* the mean at m cannot be told from the level: m is the crossing */
            a = b = m;
            res->resolved_by_noise = 1;
            break;
        }
        int cm = o->above ? mm > o->level : mm < o->level;
        if (cm) {
            b = m;
            mb = mm;
        } else {
            a = m;
            ma = mm;
        }
        if (b - a > 0) {
            double s = (mb - ma) / (b - a);
            /* keep the slope of the last bracket whose ends differ beyond their noise */
            if (!o->use_sim || fabs(mb - ma) > 2 * sm) slope = s;
        }
    }
    res->lo = a;
    res->hi = b;
    res->value = 0.5 * (a + b);
    res->uncertainty = 0.5 * (b - a);
    if (o->use_sim && fabs(slope) > 0) res->uncertainty += 2 * se_mid / fabs(slope);
    return PL_OK;
}
