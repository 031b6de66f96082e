/* Typed parameters and records shared by every experiment. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/experiment.h"

int pl_param_index(const pl_experiment *e, const char *name)
{
    for (size_t i = 0; i < e->n_params; i++)
        if (strcmp(e->params[i].name, name) == 0) return (int)i;
    return -1;
}

int pl_metric_index(const pl_experiment *e, const char *name)
{
    for (size_t i = 0; i < e->n_metrics; i++)
        if (strcmp(e->metrics[i], name) == 0) return (int)i;
    return -1;
}

void pl_params_default(const pl_experiment *e, pl_params *p)
{
    memset(p, 0, sizeof *p);
    for (size_t i = 0; i < e->n_params; i++) p->v[i] = e->params[i].def;
}

/* Index of `name` in a "a|b|c" list, -1 if absent. */
static int choice_lookup(const char *choices, const char *name, size_t namelen)
{
    int idx = 0;
    const char *s = choices;
    while (*s) {
        const char *bar = strchr(s, '|');
        size_t len = bar ? (size_t)(bar - s) : strlen(s);
        if (len == namelen && strncmp(s, name, len) == 0) return idx;
        idx++;
        if (!bar) break;
        s = bar + 1;
    }
    return -1;
}

const char *pl_param_choice_name(const pl_experiment *e, int i, double v, char *buf,
                                 size_t len)
{
    const char *s = e->params[i].choices;
    int want = v >= 0 && v < 1e6 ? (int)v : -1;
    for (int idx = 0; s && *s; idx++) {
        const char *bar = strchr(s, '|');
        size_t n = bar ? (size_t)(bar - s) : strlen(s);
        if (idx == want) {
            snprintf(buf, len, "%.*s", (int)n, s);
            return buf;
        }
        if (!bar) break;
        s = bar + 1;
    }
    snprintf(buf, len, "?");
    return buf;
}

const char *pl_param_parse_value(const pl_experiment *e, int i, const char *text, double *v,
                                 char *buf, size_t len)
{
    const pl_param_spec *ps = &e->params[i];
    if (ps->type == PL_PARAM_CHOICE) {
        int k = choice_lookup(ps->choices, text, strlen(text));
        if (k < 0) {
            snprintf(buf, len, "parameter '%s': '%s' is not one of %s", ps->name, text,
                     ps->choices);
            return buf;
        }
        *v = k;
        return NULL;
    }
    char *end;
    errno = 0;
    double x = strtod(text, &end);
    if (end == text || *end != 0 || errno == ERANGE || !isfinite(x)) {
        snprintf(buf, len, "parameter '%s': '%s' is not a number", ps->name, text);
        return buf;
    }
    if (ps->type == PL_PARAM_INT && x != floor(x)) {
        snprintf(buf, len, "parameter '%s': '%s' is not an integer", ps->name, text);
        return buf;
    }
    *v = x;
    return NULL;
}

const char *pl_param_check_value(const pl_experiment *e, int i, double v, char *buf, size_t len)
{
    const pl_param_spec *ps = &e->params[i];
    if (ps->type == PL_PARAM_CHOICE) {
        int n = 1;
        for (const char *c = ps->choices; c && *c; c++) n += *c == '|';
        if (!(v >= 0 && v < n && v == floor(v))) {
            snprintf(buf, len, "parameter '%s': %g is not the index of one of %s", ps->name, v,
                     ps->choices);
            return buf;
        }
        return NULL;
    }
    int bad = (ps->lo_open ? v <= ps->lo : v < ps->lo) || (ps->hi_open ? v >= ps->hi : v > ps->hi);
    if (bad || isnan(v)) {
        char vb[40];
        pl_param_format(e, i, v, vb, sizeof vb);
        snprintf(buf, len, "parameter '%s' = %s is out of range %c%g, %g%c", ps->name, vb,
                 ps->lo_open ? '(' : '[', ps->lo, ps->hi, ps->hi_open ? ')' : ']');
        return buf;
    }
    return NULL;
}

const char *pl_params_validate(const pl_experiment *e, const pl_params *p, char *buf, size_t len)
{
    for (size_t i = 0; i < e->n_params; i++) {
        const char *m = pl_param_check_value(e, (int)i, p->v[i], buf, len);
        if (m) return m;
    }
    return e->check ? e->check(p, buf, len) : NULL;
}

void pl_param_format(const pl_experiment *e, int i, double v, char *buf, size_t len)
{
    const pl_param_spec *ps = &e->params[i];
    if (ps->type == PL_PARAM_CHOICE)
        pl_param_choice_name(e, i, v, buf, len);
    else if (ps->type == PL_PARAM_INT)
        snprintf(buf, len, "%.0f", v);
    else
        snprintf(buf, len, "%.15g", v);
}

void pl_params_key(const pl_experiment *e, const pl_params *p, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = 0;
    for (size_t i = 0; i < e->n_params && off < len; i++) {
        char vb[64];
        pl_param_format(e, (int)i, p->v[i], vb, sizeof vb);
        int w = snprintf(buf + off, len - off, "%s%s=%s", i ? ";" : "", e->params[i].name, vb);
        if (w < 0) break;
        off += (size_t)w;
    }
}

void pl_records_init(pl_records *r) { memset(r, 0, sizeof *r); }

void pl_records_free(pl_records *r)
{
    free(r->rec);
    memset(r, 0, sizeof *r);
}

void pl_records_clear(pl_records *r) { r->n = 0; }

static int records_reserve(pl_records *r)
{
    if (r->n < r->cap) return 1;
    size_t cap = r->cap ? 2 * r->cap : 16;
    pl_record *nr = realloc(r->rec, cap * sizeof *nr);
    if (!nr) return 0;
    r->rec = nr;
    r->cap = cap;
    return 1;
}

pl_record *pl_records_add(pl_records *r, const pl_params *p, const char *source, long seed)
{
    if (!records_reserve(r)) return NULL;
    pl_record *rec = &r->rec[r->n++];
    memset(rec, 0, sizeof *rec);
    if (p) rec->params = *p;
    snprintf(rec->source, sizeof rec->source, "%s", source);
    rec->seed = seed;
    rec->status = PL_REC_CONVERGED;
    for (int i = 0; i < PL_MAX_METRICS; i++) rec->metric[i] = NAN;
    return rec;
}

pl_status pl_records_append(pl_records *r, const pl_record *rec)
{
    if (!records_reserve(r)) return PL_ENOMEM;
    r->rec[r->n++] = *rec;
    return PL_OK;
}

void pl_record_set(pl_record *rec, const pl_experiment *e, const char *metric, double v)
{
    int k = pl_metric_index(e, metric);
    if (k >= 0) rec->metric[k] = v;
}

double pl_record_get(const pl_record *rec, const pl_experiment *e, const char *metric)
{
    int k = pl_metric_index(e, metric);
    return k >= 0 ? rec->metric[k] : NAN;
}

pl_rec_status pl_rec_status_from(pl_status s)
{
    switch (s) {
    case PL_OK: return PL_REC_CONVERGED;
    case PL_ENOCONV: return PL_REC_NOT_CONVERGED;
    case PL_EDIVERGED:
    case PL_ENAN: return PL_REC_DIVERGED;
    default: return PL_REC_FAILED;
    }
}

static const char *const rec_status_names[] = {"converged", "not_converged", "diverged", "failed"};

const char *pl_rec_status_name(pl_rec_status s)
{
    return (unsigned)s < 4 ? rec_status_names[s] : "failed";
}

int pl_rec_status_parse(const char *name, pl_rec_status *s)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, rec_status_names[i]) == 0) {
            *s = (pl_rec_status)i;
            return 1;
        }
    return 0;
}

void pl_record_fail(pl_record *rec, pl_status s, const char *fmt, ...)
{
    rec->status = pl_rec_status_from(s);
    if (rec->status == PL_REC_CONVERGED) rec->status = PL_REC_FAILED;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rec->message, sizeof rec->message, fmt, ap);
    va_end(ap);
}
