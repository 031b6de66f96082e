/* Typed parameters and records shared by every experiment. */
#include <errno.h>
#include <limits.h>
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
        if (strcmp(pl_metric_name(e, i), name) == 0) return (int)i;
    return -1;
}

void pl_params_default(const pl_experiment *e, pl_params *p)
{
    memset(p, 0, sizeof *p);
    for (size_t i = 0; i < e->n_params; i++) p->v[i] = e->params[i].def;
}

/* Entry k of a type table (a struct whose first member is its name), NULL past the end. */
static const void *table_entry(const pl_param_spec *ps, size_t k)
{
    if (ps->table_n && k >= ps->table_n) return NULL;
    const char *slot = (const char *)ps->table;
    for (size_t j = 0; j <= k; j++) { /* a NULL-terminated table: no entry may be skipped */
        const void *entry = slot + j * ps->table_stride;
        if (ps->table_ptrs) memcpy(&entry, entry, sizeof entry);
        if (!entry) return NULL;
        const char *name;
        memcpy(&name, entry, sizeof name);
        if (!name) return NULL;
        if (j == k) return entry;
    }
    return NULL;
}

/* Name of entry k of a type table, NULL past the end. */
static const char *table_name(const pl_param_spec *ps, size_t k)
{
    const void *entry = table_entry(ps, k);
    const char *name = NULL;
    if (entry) memcpy(&name, entry, sizeof name);
    return name;
}

/* Name and length of choice k of parameter ps; 0 if there is no such choice. */
static int choice_at(const pl_param_spec *ps, int k, const char **name, size_t *namelen)
{
    if (k < 0) return 0;
    if (ps->table) {
        *name = table_name(ps, (size_t)k);
        if (!*name) return 0;
        *namelen = strlen(*name);
        return 1;
    }
    const char *s = ps->choices;
    for (int idx = 0; s && *s; idx++) {
        const char *bar = strchr(s, '|');
        size_t n = bar ? (size_t)(bar - s) : strlen(s);
        if (idx == k) {
            *name = s;
            *namelen = n;
            return 1;
        }
        if (!bar) break;
        s = bar + 1;
    }
    return 0;
}

/* Index of choice `name` of parameter ps, -1 if absent. */
static int choice_lookup(const pl_param_spec *ps, const char *name)
{
    const char *c;
    size_t n;
    for (int k = 0; choice_at(ps, k, &c, &n); k++)
        if (n == strlen(name) && strncmp(c, name, n) == 0) return k;
    return -1;
}

size_t pl_param_choice_count(const pl_experiment *e, int i)
{
    const char *c;
    size_t n, k = 0;
    while (choice_at(&e->params[i], (int)k, &c, &n)) k++;
    return k;
}

const char *pl_param_choices(const pl_experiment *e, int i, char *buf, size_t len)
{
    size_t off = 0;
    const char *c;
    size_t n;
    buf[0] = 0;
    for (int k = 0; choice_at(&e->params[i], k, &c, &n) && off < len; k++) {
        int w = snprintf(buf + off, len - off, "%s%.*s", k ? "|" : "", (int)n, c);
        if (w < 0) break;
        off += (size_t)w;
    }
    return buf;
}

const char *pl_param_choice_name(const pl_experiment *e, int i, double v, char *buf,
                                 size_t len)
{
    const char *c;
    size_t n;
    if (v >= 0 && v < INT_MAX && choice_at(&e->params[i], (int)v, &c, &n))
        snprintf(buf, len, "%.*s", (int)n, c);
    else
        snprintf(buf, len, "?");
    return buf;
}

const char *pl_param_parse_value(const pl_experiment *e, int i, const char *text, double *v,
                                 char *buf, size_t len)
{
    const pl_param_spec *ps = &e->params[i];
    if (ps->type == PL_PARAM_CHOICE) {
        int k = choice_lookup(ps, text);
        if (k < 0) {
            char all[512];
            snprintf(buf, len, "parameter '%s': '%s' is not one of %s", ps->name, text,
                     pl_param_choices(e, i, all, sizeof all));
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
        if (v >= 0 && v == floor(v) && v < (double)pl_param_choice_count(e, i)) return NULL;
        char all[512];
        snprintf(buf, len, "parameter '%s': %g is not the index of one of %s", ps->name, v,
                 pl_param_choices(e, i, all, sizeof all));
        return buf;
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
    if (e->check_point) {
        union {
            max_align_t align;
            unsigned char b[PL_MAX_POINT];
        } pt;
        pl_point_from_params(e, p, pt.b);
        return e->check_point(pt.b, buf, len);
    }
    return NULL;
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
        if (e->params[i].added && p->v[i] == e->params[i].def) continue;
        char vb[64];
        pl_param_format(e, (int)i, p->v[i], vb, sizeof vb);
        int w = snprintf(buf + off, len - off, "%s%s=%s", off ? ";" : "", e->params[i].name, vb);
        if (w < 0) break;
        off += (size_t)w;
    }
}

void pl_records_init(pl_records *r) { memset(r, 0, sizeof *r); }

void pl_record_release(pl_record *rec)
{
    for (size_t i = 0; i < rec->narrays; i++) free(rec->arrays[i].v);
    free(rec->arrays);
    rec->arrays = NULL;
    rec->narrays = 0;
}

pl_status pl_record_copy(pl_record *dst, const pl_record *src)
{
    if (dst == src) return PL_OK;
    *dst = *src;
    dst->arrays = NULL;
    dst->narrays = 0;
    if (src->narrays == 0) return PL_OK;
    dst->arrays = calloc(src->narrays, sizeof *dst->arrays);
    if (!dst->arrays) return PL_ENOMEM;
    for (size_t i = 0; i < src->narrays; i++) {
        const pl_rec_array *a = &src->arrays[i];
        pl_rec_array *b = &dst->arrays[i];
        b->v = malloc((a->n ? a->n : 1) * sizeof *b->v);
        if (!b->v) {
            dst->narrays = i;
            pl_record_release(dst);
            return PL_ENOMEM;
        }
        memcpy(b->name, a->name, sizeof b->name);
        b->n = a->n;
        if (a->n) memcpy(b->v, a->v, a->n * sizeof *b->v);
    }
    dst->narrays = src->narrays;
    return PL_OK;
}

pl_status pl_record_set_array(pl_record *rec, const char *name, const double *v, size_t n)
{
    if (!name || !name[0] || strlen(name) >= PL_ARRAY_NAME || (n && !v)) return PL_EINVAL;
    double *copy = malloc((n ? n : 1) * sizeof *copy);
    if (!copy) return PL_ENOMEM;
    if (n) memcpy(copy, v, n * sizeof *copy);
    for (size_t i = 0; i < rec->narrays; i++)
        if (strcmp(rec->arrays[i].name, name) == 0) {
            free(rec->arrays[i].v);
            rec->arrays[i].v = copy;
            rec->arrays[i].n = n;
            return PL_OK;
        }
    pl_rec_array *na = realloc(rec->arrays, (rec->narrays + 1) * sizeof *na);
    if (!na) {
        free(copy);
        return PL_ENOMEM;
    }
    rec->arrays = na;
    pl_rec_array *a = &na[rec->narrays++];
    memset(a, 0, sizeof *a);
    snprintf(a->name, sizeof a->name, "%s", name);
    a->n = n;
    a->v = copy;
    return PL_OK;
}

const double *pl_record_array(const pl_record *rec, const char *name, size_t *n)
{
    for (size_t i = 0; i < rec->narrays; i++)
        if (strcmp(rec->arrays[i].name, name) == 0) {
            if (n) *n = rec->arrays[i].n;
            return rec->arrays[i].v;
        }
    if (n) *n = 0;
    return NULL;
}

void pl_records_clear(pl_records *r)
{
    for (size_t i = 0; i < r->n; i++) pl_record_release(&r->rec[i]);
    r->n = 0;
}

void pl_records_free(pl_records *r)
{
    pl_records_clear(r);
    free(r->rec);
    memset(r, 0, sizeof *r);
}

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
    /* rec may point into r itself: copy before the array can move */
    pl_record tmp;
    pl_status st = pl_record_copy(&tmp, rec);
    if (st != PL_OK) return st;
    if (!records_reserve(r)) {
        pl_record_release(&tmp);
        return PL_ENOMEM;
    }
    r->rec[r->n++] = tmp;
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

/* ------------------------------------------------------------ the generic runner */

const char *pl_metric_name(const pl_experiment *e, size_t k)
{
    if (k >= e->n_metrics) return NULL;
    return e->metric_map[k].name;
}

int pl_experiment_has_sim(const pl_experiment *e) { return e->sim != NULL; }

int pl_experiment_has_theory(const pl_experiment *e)
{
    return e->solve || e->solve_warm;
}

int pl_experiment_has_warm(const pl_experiment *e) { return e->solve_warm != NULL; }

void pl_point_from_params(const pl_experiment *e, const pl_params *p, void *pt)
{
    unsigned char *b = pt;
    memset(b, 0, e->point_size);
    for (size_t i = 0; i < e->n_params; i++) {
        const pl_param_spec *ps = &e->params[i];
        if (!ps->bound) continue;
        double v = p->v[i];
        if (ps->type == PL_PARAM_REAL) {
            memcpy(b + ps->offset, &v, sizeof v);
        } else if (ps->type == PL_PARAM_INT) {
            long l = (long)v;
            memcpy(b + ps->offset, &l, sizeof l);
        } else if (ps->table) {
            const void *entry = v >= 0 ? table_entry(ps, (size_t)v) : NULL;
            if (!entry) entry = table_entry(ps, 0);
            memcpy(b + ps->offset, &entry, sizeof entry);
        } else {
            int k = (int)v;
            memcpy(b + ps->offset, &k, sizeof k);
        }
    }
}

void pl_result_clear(const pl_experiment *e, void *res)
{
    const double nan = NAN;
    for (size_t k = 0; e->metric_map && k < e->n_metrics; k++)
        memcpy((unsigned char *)res + e->metric_map[k].offset, &nan, sizeof nan);
}

pl_record *pl_emit(pl_emitter *em, const char *source, const void *res)
{
    pl_record *rec = pl_records_add(em->out, em->params, source, em->seed);
    if (!rec || !res || !em->e->metric_map) return rec;
    for (size_t k = 0; k < em->e->n_metrics; k++)
        memcpy(&rec->metric[k], (const unsigned char *)res + em->e->metric_map[k].offset,
               sizeof(double));
    return rec;
}

typedef union {
    max_align_t align;
    unsigned char b[PL_MAX_POINT];
} point_buf;

pl_status pl_experiment_simulate(const pl_experiment *e, const pl_params *p, pl_rng *rng,
                                 long seed, pl_records *out)
{
    if (e->sim) {
        point_buf pt;
        pl_point_from_params(e, p, pt.b);
        pl_emitter em = {e, p, seed, out};
        return e->sim(e, pt.b, rng, &em);
    }
    return PL_EUNSUPPORTED;
}

pl_status pl_experiment_theory(const pl_experiment *e, const pl_params *p,
                               const double *state_in, size_t nstate_in, double *state_out,
                               size_t *nstate_out, pl_records *out)
{
    int warm = state_out && nstate_out;
    if (nstate_out) *nstate_out = 0;
    if (e->solve || e->solve_warm) {
        point_buf pt;
        pl_point_from_params(e, p, pt.b);
        pl_emitter em = {e, p, -1, out};
        if (e->solve_warm && (warm || !e->solve)) {
            double scratch[PL_MAX_STATE];
            size_t ns = 0;
            return e->solve_warm(e, pt.b, state_in, nstate_in, warm ? state_out : scratch,
                                 warm ? nstate_out : &ns, &em);
        }
        return e->solve(e, pt.b, &em);
    }
    return PL_EUNSUPPORTED;
}
