/* Parameter grids from key=value words. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/sweep.h"

#define PL_GRID_MAX_POINTS 1000000

void pl_grid_init(pl_grid *g, const pl_experiment *e)
{
    memset(g, 0, sizeof *g);
    g->e = e;
    for (size_t i = 0; i < e->n_params; i++) {
        g->values[i] = malloc(sizeof(double));
        if (g->values[i]) g->values[i][0] = e->params[i].def;
        g->count[i] = 1;
    }
}

void pl_grid_free(pl_grid *g)
{
    for (size_t i = 0; i < PL_MAX_PARAMS; i++) free(g->values[i]);
    memset(g, 0, sizeof *g);
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63) return 99;
    size_t d[64][64];
    for (size_t i = 0; i <= la; i++) d[i][0] = i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < c) c = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < c) c = d[i][j - 1] + 1;
            d[i][j] = c;
        }
    return d[la][lb];
}

const char *pl_closest_name(const char *name, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t bd = 99;
    for (size_t i = 0; i < n; i++) {
        size_t dd = edit_distance(name, cands[i]);
        if (dd < bd) {
            bd = dd;
            best = cands[i];
        }
    }
    size_t len = strlen(name);
    return (best && bd <= (len < 4 ? 1 : len / 2)) ? best : NULL;
}

static const char *parse_range_parts(const pl_experiment *e, int pi, const char *text, char *buf,
                                     double **out, size_t *cnt, char *err, size_t errlen);

/* parse "start:stop:step" into a malloc'd array */
static const char *parse_range(const pl_experiment *e, int pi, const char *text, double **out,
                               size_t *cnt, char *err, size_t errlen)
{
    char *buf = strdup(text);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return err;
    }
    const char *msg = parse_range_parts(e, pi, text, buf, out, cnt, err, errlen);
    free(buf);
    return msg;
}

static const char *parse_range_parts(const pl_experiment *e, int pi, const char *text, char *buf,
                                     double **out, size_t *cnt, char *err, size_t errlen)
{
    char *parts[3];
    int np = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, ":", &save); t && np < 4; t = strtok_r(NULL, ":", &save)) {
        if (np == 3) np = 4;
        else parts[np++] = t;
    }
    const char *name = e->params[pi].name;
    if (np != 3 || text[0] == ':' || strstr(text, "::") || text[strlen(text) - 1] == ':') {
        snprintf(err, errlen, "parameter '%s': malformed range '%s' (want start:stop:step)",
                 name, text);
        return err;
    }
    if (e->params[pi].type == PL_PARAM_CHOICE) {
        snprintf(err, errlen, "parameter '%s' takes names, not a range ('%s')", name, text);
        return err;
    }
    double v[3];
    for (int k = 0; k < 3; k++) {
        char *end;
        v[k] = strtod(parts[k], &end);
        if (end == parts[k] || *end || !isfinite(v[k])) {
            snprintf(err, errlen, "parameter '%s': malformed range '%s' ('%s' is not a number)",
                     name, text, parts[k]);
            return err;
        }
    }
    if (!(v[2] > 0) || v[1] < v[0]) {
        snprintf(err, errlen,
                 "parameter '%s': malformed range '%s' (need start <= stop and step > 0)", name,
                 text);
        return err;
    }
    double nf = floor((v[1] - v[0]) / v[2] + 1e-9) + 1;
    if (!(nf <= PL_GRID_MAX_POINTS)) {
        snprintf(err, errlen, "parameter '%s': range '%s' has too many points (%.0f, at most %d)",
                 name, text, nf, PL_GRID_MAX_POINTS);
        return err;
    }
    size_t n = (size_t)nf;
    double *a = malloc(n * sizeof *a);
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return err;
    }
    for (size_t k = 0; k < n; k++) {
        a[k] = v[0] + (double)k * v[2];
        /* snap to a short decimal to keep keys tidy: 0.1*3 -> 0.3 */
        double r = round(a[k] * 1e12) / 1e12;
        if (fabs(r - a[k]) < 1e-12 * fmax(1.0, fabs(a[k]))) a[k] = r;
        if (e->params[pi].type == PL_PARAM_INT) a[k] = round(a[k]);
    }
    *out = a;
    *cnt = n;
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A value given twice would make two cells with the same key: refuse it by name. */
static const char *find_duplicate(const pl_experiment *e, int pi, const double *vals, size_t n,
                                  char *err, size_t errlen)
{
    if (n < 2) return NULL;
    double *s = malloc(n * sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return err;
    }
    memcpy(s, vals, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    const char *msg = NULL;
    for (size_t k = 1; k < n && !msg; k++)
        if (s[k] == s[k - 1]) {
            char b[64];
            pl_param_format(e, pi, s[k], b, sizeof b);
            snprintf(err, errlen,
                     "parameter '%s': the value %s appears more than once in the grid%s",
                     e->params[pi].name, b,
                     e->params[pi].type == PL_PARAM_INT ? " (after rounding to integers)" : "");
            msg = err;
        }
    free(s);
    return msg;
}

const char *pl_grid_set(pl_grid *g, const char *word, char *err, size_t errlen)
{
    const pl_experiment *e = g->e;
    const char *eq = strchr(word, '=');
    if (!eq || eq == word) {
        snprintf(err, errlen, "expected key=value, got '%s'", word);
        return err;
    }
    char key[64];
    size_t kl = (size_t)(eq - word);
    if (kl >= sizeof key) {
        snprintf(err, errlen, "experiment '%s' has no parameter '%.40s...' (name too long)",
                 e->name, word);
        return err;
    }
    memcpy(key, word, kl);
    key[kl] = 0;
    const char *val = eq + 1;
    int pi = pl_param_index(e, key);
    if (pi < 0) {
        const char *names[PL_MAX_PARAMS];
        for (size_t i = 0; i < e->n_params; i++) names[i] = e->params[i].name;
        const char *near = pl_closest_name(key, names, e->n_params);
        if (near)
            snprintf(err, errlen, "experiment '%s' has no parameter '%s' (did you mean '%s'?)",
                     e->name, key, near);
        else
            snprintf(err, errlen, "experiment '%s' has no parameter '%s' (see: phaselab help %s)",
                     e->name, key, e->name);
        return err;
    }
    if (!*val) {
        snprintf(err, errlen, "parameter '%s' has an empty value", key);
        return err;
    }
    double *vals = NULL;
    size_t n = 0;
    if (strchr(val, ':')) {
        if (parse_range(e, pi, val, &vals, &n, err, errlen)) return err;
    } else {
        size_t cap = 1;
        for (const char *c = val; *c; c++) cap += *c == ',';
        if (cap > PL_GRID_MAX_POINTS) {
            snprintf(err, errlen, "parameter '%s': the list has too many values (%zu, at most %d)",
                     key, cap, PL_GRID_MAX_POINTS);
            return err;
        }
        char *buf = strdup(val);
        vals = malloc(cap * sizeof *vals);
        if (!vals || !buf) {
            free(buf);
            free(vals);
            snprintf(err, errlen, "out of memory");
            return err;
        }
        char *p = buf;
        for (;;) {
            char *comma = strchr(p, ',');
            if (comma) *comma = 0;
            if (!*p) {
                snprintf(err, errlen, "parameter '%s': empty item in list '%s'", key, val);
                free(vals);
                free(buf);
                return err;
            }
            if (pl_param_parse_value(e, pi, p, &vals[n], err, errlen)) {
                free(vals);
                free(buf);
                return err;
            }
            n++;
            if (!comma) break;
            p = comma + 1;
        }
        free(buf);
    }
    if (n == 0) {
        snprintf(err, errlen, "parameter '%s': the grid '%s' has no points", key, val);
        free(vals);
        return err;
    }
    for (size_t k = 0; k < n; k++)
        if (pl_param_check_value(e, pi, vals[k], err, errlen)) {
            free(vals);
            return err;
        }
    if (find_duplicate(e, pi, vals, n, err, errlen)) {
        free(vals);
        return err;
    }
    free(g->values[pi]);
    g->values[pi] = vals;
    g->count[pi] = n;
    g->given[pi] = 1;
    return NULL;
}

size_t pl_grid_cells(const pl_grid *g)
{
    size_t n = 1;
    for (size_t i = 0; i < g->e->n_params; i++) {
        if (g->count[i] && n > SIZE_MAX / g->count[i]) return SIZE_MAX;
        n *= g->count[i];
    }
    return n;
}

void pl_grid_cell(const pl_grid *g, size_t idx, pl_params *p)
{
    memset(p, 0, sizeof *p);
    for (size_t i = g->e->n_params; i-- > 0;) {
        p->v[i] = g->values[i][idx % g->count[i]];
        idx /= g->count[i];
    }
}

const char *pl_grid_validate(const pl_grid *g, char *err, size_t errlen)
{
    const pl_experiment *e = g->e;
    size_t ncell = pl_grid_cells(g);
    pl_params p;
    for (size_t c = 0; c < ncell; c++) {
        pl_grid_cell(g, c, &p);
        char msg[256];
        if (pl_params_validate(e, &p, msg, sizeof msg)) {
            char key[1024];
            pl_params_key(e, &p, key, sizeof key);
            snprintf(err, errlen, "%s (at %s)", msg, key);
            return err;
        }
    }
    return NULL;
}

size_t pl_grid_swept(const pl_grid *g, int *idx, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < g->e->n_params; i++)
        if (g->count[i] > 1 && n < max) idx[n++] = (int)i;
    return n;
}
