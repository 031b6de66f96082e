/* `phaselab threshold`: where does a metric cross a level? */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "phaselab/threshold.h"

static int parse_real(const char *opt, const char *text, double *out)
{
    char *end;
    double v = text ? strtod(text, &end) : NAN;
    if (!text || end == text || *end || !isfinite(v))
        return pl_cli_error("%s needs a number, got '%s'", opt, text ? text : "");
    *out = v;
    return 0;
}

int pl_cmd_threshold(int argc, char **argv)
{
    if (argc < 1 || argv[0][0] == '-')
        return pl_cli_error("threshold: which experiment? (see: phaselab list)");
    const pl_experiment *e = pl_cli_find_experiment(argv[0]);
    if (!e) return 2;
    pl_threshold_opts o = {.seeds = 5, .lo = NAN, .hi = NAN, .level = NAN};
    int have_dir = 0;
    long seeds = 5, seed_base = 0;
    pl_grid g;
    pl_grid_init(&g, e);
    char err[512];
    int rc = 0;
    for (int i = 1; i < argc && rc == 0; i++) {
        const char *s = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (s[0] == '-' && !next && strcmp(s, "--help") != 0) {
            rc = pl_cli_error("%s needs a value", s);
            break;
        }
        if (strcmp(s, "--param") == 0) o.param = argv[++i];
        else if (strcmp(s, "--metric") == 0) o.metric = argv[++i];
        else if (strcmp(s, "--above") == 0) {
            rc = parse_real(s, argv[++i], &o.level);
            o.above = 1;
            have_dir++;
        } else if (strcmp(s, "--below") == 0) {
            rc = parse_real(s, argv[++i], &o.level);
            o.above = 0;
            have_dir++;
        } else if (strcmp(s, "--lo") == 0) rc = parse_real(s, argv[++i], &o.lo);
        else if (strcmp(s, "--hi") == 0) rc = parse_real(s, argv[++i], &o.hi);
        else if (strcmp(s, "--tol") == 0) rc = parse_real(s, argv[++i], &o.tol);
        else if (strcmp(s, "--seeds") == 0)
            rc = pl_cli_parse_long(s, argv[++i], 0, PL_CLI_MAX_SEEDS, &seeds);
        else if (strcmp(s, "--seed-base") == 0)
            rc = pl_cli_parse_long(s, argv[++i], 0, PL_CLI_MAX_SEED, &seed_base);
        else if (strcmp(s, "--source") == 0) {
            const char *v = argv[++i];
            if (strcmp(v, "theory") == 0) o.use_sim = 0;
            else if (strcmp(v, "sim") == 0) o.use_sim = 1;
            else rc = pl_cli_error("--source must be theory or sim, got '%s'", v);
        } else if (s[0] == '-') {
            rc = pl_cli_error("threshold: unknown option '%s'", s);
        } else if (pl_grid_set(&g, s, err, sizeof err)) {
            rc = pl_cli_error("%s", err);
        }
    }
    if (rc == 0 && (!o.param || !o.metric || have_dir != 1))
        rc = pl_cli_error("threshold needs --param P, --metric M and one of --above L / --below L");
    int pi = rc == 0 ? pl_param_index(e, o.param) : -1;
    if (rc == 0 && pi < 0)
        rc = pl_cli_error("threshold: experiment '%s' has no parameter '%s'", e->name, o.param);
    if (rc == 0 && pl_grid_cells(&g) != 1)
        rc = pl_cli_error("threshold: give one value per parameter (only --param is searched)");
    if (rc) {
        pl_grid_free(&g);
        return rc;
    }
    if (isnan(o.lo)) o.lo = e->params[pi].lo;
    if (isnan(o.hi)) o.hi = e->params[pi].hi;
    o.seeds = (int)seeds;
    o.seed_base = seed_base;
    pl_params base;
    pl_grid_cell(&g, 0, &base);
    pl_threshold_result r;
    pl_status st = pl_threshold_search(e, &base, &o, &r, err, sizeof err);
    if (st != PL_OK) {
        rc = pl_cli_error("threshold: %s", err);
    } else {
        printf("%s %s crosses %g %s at %s = %.10g ± %.3g (%zu evaluations%s)\n", e->name, o.metric,
               o.level, o.above ? "upward" : "downward", o.param, r.value, r.uncertainty,
               r.evaluations, o.use_sim ? ", simulation" : ", theory");
    }
    pl_grid_free(&g);
    return rc;
}
