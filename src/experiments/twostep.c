/* Experiments of family 6 (two gradient steps in linear-width two-layer networks):
 * twostep-spectrum, twostep-phase, twostep-scaling, twostep-align. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/experiment.h"
#include "phaselab/figure.h"
#include "phaselab/report.h"
#include "phaselab/rmt.h"
#include "phaselab/sweep.h"
#include "phaselab/twostep.h"

/* The teacher choices (parsed by pl_ts_target_parse). */
typedef struct {
    const char *name;
} ts_target_name;
static const ts_target_name ts_targets[] = {
    {"he1"},     {"he2"},     {"he3"},     {"he4"},     {"tanh"},        {"relu"},
    {"he1+he2"}, {"he1+he3"}, {"he2+he3"}, {"he2+he4"}, {"he1+he2+he3"}};
#define TS_NTARGET (sizeof ts_targets / sizeof ts_targets[0])
enum { T_HE1, T_HE2, T_HE3 };
enum { ACT_TANH_SOFTPLUS = 1 }; /* index of the default activation in pl_ts_acts */
enum { INDEX_SINGLE, INDEX_MULTI };
enum { BATCH_FRESH, BATCH_REUSED };
enum { AINIT_GAUSSIAN, AINIT_RADEMACHER };
enum { BULK_FIT, BULK_MP };

/* The four experiments share one point: twostep-scaling gives the sizes relative to N
 * (d_over_N, n_over_d), the others as numbers (d, n); the fields of the other kind stay 0. */
typedef struct {
    double alpha1, alpha2;
    long N, d, n;
    double d_over_N, n_over_d;
    const pl_ts_act *act;
    const ts_target_name *target;
    int index, batch;
    double noise, eta0, margin;
    int ainit;
    double lambda;
    int bulk;
} ts_point;

/* One parameter table per experiment (the defaults differ); D_N: the two size entries. */
#define TS_PARAMS(A1, A2, NN, ETA0, TGT, D_N)                                                  \
    {                                                                                          \
        {PL_P_REAL(ts_point, alpha1, A1, 0, 0.5,                                               \
                   "step-1 size exponent: eta1 = eta0 N^alpha1, in [0, 1/2)"),                 \
         .hi_open = 1},                                                                        \
        {PL_P_REAL(ts_point, alpha2, A2, 0, 0.5,                                               \
                   "step-2 size exponent: eta2 = eta0 N^alpha2, in [0, 1/2)"),                 \
         .hi_open = 1},                                                                        \
        {PL_P_INT(ts_point, N, NN, 1, 1e6, "hidden width (neurons)")},                         \
        D_N,                                                                                   \
        {PL_P_PTABLE(ts_point, act, pl_ts_acts, ACT_TANH_SOFTPLUS,                             \
                     "student activation: exp = exp(z/2), tanh+softplus, relu, tanh")},        \
        {PL_P_TABLE(ts_point, target, ts_targets, TS_NTARGET, TGT,                             \
                    "teacher link(s): heK = He_K/sqrt(K!); a sum is divided by "               \
                    "sqrt(#terms)")},                                                          \
        {PL_P_CHOICE(ts_point, index, INDEX_SINGLE, "single|multi",                            \
                     "single: every term on beta_1; multi: term t on its own direction "       \
                     "beta_t")},                                                               \
        {PL_P_CHOICE(ts_point, batch, BATCH_FRESH, "fresh|reused",                             \
                     "step 2 on a fresh batch or on the batch of step 1")},                    \
        {PL_P_REAL(ts_point, noise, 0, 0, 1e3, "label noise sd")},                             \
        {PL_P_REAL(ts_point, eta0, ETA0, 0, 1e6, "step-size prefactor: eta_t = eta0 N^alpha_t"), \
         .lo_open = 1},                                                                        \
        {PL_P_REAL(ts_point, margin, 0.03, 0, 10,                                              \
                   "outlier if s > (1 + margin) x bulk edge (see bulk)")},                     \
        {PL_P_CHOICE(ts_point, ainit, AINIT_GAUSSIAN, "gaussian|rademacher",                   \
                     "second layer a_i ~ N(0, 1/N) or +-1/sqrt(N)")},                          \
        {PL_P_REAL(ts_point, lambda, 0, 0, 1e6,                                                \
                   "ridge of the readout on the learned features (0: no readout)")},           \
        {PL_P_CHOICE(ts_point, bulk, BULK_FIT, "fit|mp",                                       \
                     "bulk edge: mp = 1 + sqrt(N/d) (W_0); fit = max(mp, edge fitted to the "  \
                     "bulk of W_2, which the updates widen at finite N)")},                    \
    }

#define ABS_DN(DD, ND)                                                                         \
    {PL_P_INT(ts_point, d, DD, 1, 1e6, "input dimension")},                                    \
        {PL_P_INT(ts_point, n, ND, 1, 1e7, "samples per batch")}
#define REL_DN                                                                                 \
    {PL_P_REAL(ts_point, d_over_N, 1, 0, 1e3, "input dimension d = round(d_over_N N)"),        \
     .lo_open = 1},                                                                            \
        {PL_P_REAL(ts_point, n_over_d, 1, 0, 1e4, "samples per batch n = round(n_over_d d)"),  \
         .lo_open = 1}
static const pl_param_spec spectrum_params[] =
    TS_PARAMS(0.45, 0.4, 1500, 1.0, T_HE1, ABS_DN(1500, 1500));
static const pl_param_spec phase_params[] =
    TS_PARAMS(0.25, 0.3, 1000, 1.0, T_HE1, ABS_DN(1000, 1000));
static const pl_param_spec scaling_params[] = TS_PARAMS(0.35, 0.45, 1000, 2.0, T_HE1, REL_DN);
static const pl_param_spec align_params[] =
    TS_PARAMS(0.4, 0.45, 600, 2.0, T_HE3, ABS_DN(600, 2400));
#define TS_NPARAM (sizeof spectrum_params / sizeof spectrum_params[0])

/* ---- parameters -> configuration ----------------------------------------------------- */

/* rel: d and n given as d/N and n/d (twostep-scaling), else as numbers */
static const char *make_config_rel(const ts_point *p, int rel, pl_ts_config *c, char *buf,
                                   size_t len)
{
    memset(c, 0, sizeof *c);
    /* sizes: checked here as doubles so that 0 or negative values give the message */
    double N = (double)p->N, d = (double)p->d, n = (double)p->n;
    if (rel) {
        d = floor(p->d_over_N * N + 0.5);
        n = floor(p->n_over_d * d + 0.5);
    }
    if (!(N >= 1 && d >= 1 && n >= 1)) {
        snprintf(buf, len, "N, d and n must be positive integers (got N=%g, d=%g, n=%g)", N, d,
                 n);
        return buf;
    }
    c->N = (size_t)N;
    c->d = (size_t)d;
    c->n = (size_t)n;
    c->alpha1 = p->alpha1;
    c->alpha2 = p->alpha2;
    c->eta0 = p->eta0;
    c->reuse = p->batch == BATCH_REUSED;
    c->noise = p->noise;
    c->ainit = p->ainit == AINIT_RADEMACHER ? PL_TS_A_RADEMACHER : PL_TS_A_GAUSS;
    c->act = p->act;
    if (pl_ts_target_parse(p->target->name, p->index == INDEX_MULTI, &c->target) != PL_OK) {
        snprintf(buf, len, "cannot parse target '%s'", p->target->name);
        return buf;
    }
    return pl_ts_config_check(c, buf, len);
}

static const char *make_config(const ts_point *p, pl_ts_config *c, char *buf, size_t len)
{
    return make_config_rel(p, 0, c, buf, len);
}

static const char *ts_check(const void *pt, char *buf, size_t len)
{
    pl_ts_config c;
    return make_config(pt, &c, buf, len);
}

static const char *ts_check_rel(const void *pt, char *buf, size_t len)
{
    pl_ts_config c;
    return make_config_rel(pt, 1, &c, buf, len);
}

/* ---- simulation ------------------------------------------------------------------------ */

static pl_ts_edge_mode edge_mode(const ts_point *p)
{
    return p->bulk == BULK_MP ? PL_TS_EDGE_MP : PL_TS_EDGE_FIT;
}

enum {
    WANT_W1 = 1, WANT_UPDATES = 2, WANT_READOUT = 4, WANT_W0 = 8, WANT_REL = 16,
    WANT_CAPNOTE = 32 /* note on the record when the outlier count was capped */
};

/* Why a cell has no trustworthy numbers: st != PL_OK and a message. */
typedef struct {
    pl_status st;
    char msg[PL_MSG_LEN];
} ts_failure;

/* One record of `src` with no metrics, marked with the failure. */
static pl_status emit_failure(pl_emitter *em, const char *src, const ts_failure *f)
{
    pl_record *rec = pl_emit(em, src, NULL);
    if (!rec) return PL_ENOMEM;
    pl_record_fail(rec, f->st, "%s", f->msg);
    return PL_OK;
}

typedef struct {
    pl_ts_spectrum w2, w1, d1, d2;
    double w0_top;
    double loss[2];
    double test_mse, test_mse0;
    int n_spikes;
    size_t d;
} sim_result;

/* Train and analyse; PL_ENOMEM aborts, any other failure is described in *fail (fail->st). */
static pl_status simulate_core(const ts_point *p, pl_rng *rng, int want, sim_result *res,
                               ts_failure *fail)
{
    memset(res, 0, sizeof *res);
    fail->st = PL_OK;
    res->test_mse = res->test_mse0 = res->w0_top = NAN;
    pl_ts_config c;
    if (make_config_rel(p, (want & WANT_REL) != 0, &c, fail->msg, sizeof fail->msg)) {
        fail->st = PL_EINVAL;
        return PL_OK;
    }
    res->d = c.d;
    pl_ts_run run;
    pl_status st = pl_ts_run_alloc(&run, &c);
    if (st != PL_OK) return st;
    st = pl_ts_run_train(&run, rng);
    if (st == PL_ENAN) {
        fail->st = PL_ENAN;
        snprintf(fail->msg, sizeof fail->msg,
                 "weights overflow in step %d (eta%d = %.3g): the step is too large for "
                 "this activation; lower eta0 or alpha%d",
                 run.failed_step, run.failed_step, pl_ts_eta(&c, run.failed_step),
                 run.failed_step);
        pl_ts_run_free(&run);
        return PL_OK;
    }
    if (st == PL_OK) {
        res->loss[0] = run.loss[0];
        res->loss[1] = run.loss[1];
        st = pl_ts_analyse(run.W2, run.a, run.B, edge_mode(p), p->margin, 8, &res->w2);
    }
    if (st == PL_OK) {
        for (int t = 0; t < PL_TS_NID; t++)
            if (res->w2.id_idx[t] >= 0 && res->w2.id_proj[t] >= 0.5 &&
                res->w2.s[res->w2.id_idx[t]] > res->w2.edge)
                res->n_spikes++;
    }
    if (st == PL_OK && (want & WANT_W1))
        st = pl_ts_analyse(run.W1, run.a, run.B, edge_mode(p), p->margin, 4, &res->w1);
    if (st == PL_OK && (want & WANT_W0)) {
        double s0[1];
        st = pl_ts_top_svd(run.W0, 1, s0, (pl_mat){0}, (pl_mat){0});
        res->w0_top = s0[0];
    }
    if (st == PL_OK && (want & WANT_UPDATES)) {
        /* the updates W_1 - W_0 and W_2 - W_1, formed in the batch-sized work matrix when it
         * is large enough, else in a new one */
        pl_mat D = pl_mat_alloc(c.N, c.d);
        if (!D.data) st = PL_ENOMEM;
        for (int t = 0; t < 2 && st == PL_OK; t++) {
            pl_mat A = t == 0 ? run.W1 : run.W2, Bm = t == 0 ? run.W0 : run.W1;
            for (size_t i = 0; i < c.N; i++)
                for (size_t j = 0; j < c.d; j++) PL_AT(D, i, j) = PL_AT(A, i, j) - PL_AT(Bm, i, j);
            st = pl_ts_analyse(D, run.a, run.B, PL_TS_EDGE_MP, 0.0, 4,
                               t == 0 ? &res->d1 : &res->d2);
        }
        pl_mat_free(&D);
    }
    if (st == PL_OK && (want & WANT_READOUT) && p->lambda > 0) {
        /* the same training and test data for W_2 and for W_0 (a paired comparison) */
        pl_rng r6 = pl_rng_substream(rng, 6), r7 = pl_rng_substream(rng, 6);
        /* 2N training samples: away from the interpolation peak at n_train = N */
        st = pl_ts_ridge_readout(&c, run.W2, run.B, p->lambda, 2 * c.N, c.n, &r6,
                                 &res->test_mse, NULL);
        if (st == PL_OK)
            st = pl_ts_ridge_readout(&c, run.W0, run.B, p->lambda, 2 * c.N, c.n, &r7,
                                     &res->test_mse0, NULL);
    }
    pl_ts_run_free(&run);
    if (st != PL_OK && st != PL_ENOMEM) {
        fail->st = st;
        snprintf(fail->msg, sizeof fail->msg, "two-step run: %s", pl_strerror(st));
        return PL_OK;
    }
    return st;
}

/* A simulation of every twostep experiment: run, then emit a failed record or call fill to
 * turn the run into the experiment's result struct (res, result_size bytes) and emit it. */
typedef void (*sim_fill)(const ts_point *p, const sim_result *r, void *res);
static pl_status ts_sim(const pl_experiment *e, const ts_point *p, pl_rng *rng, int want,
                        sim_fill fill, pl_emitter *em)
{
    sim_result r;
    ts_failure fail;
    pl_status st = simulate_core(p, rng, want, &r, &fail);
    if (st != PL_OK) return st;
    if (fail.st != PL_OK) return emit_failure(em, "sim:gd", &fail);
    union {
        max_align_t align;
        unsigned char b[PL_MAX_RESULT];
    } res;
    pl_result_clear(e, res.b);
    fill(p, &r, res.b);
    pl_record *rec = pl_emit(em, "sim:gd", res.b);
    if (!rec) return PL_ENOMEM;
    if ((want & WANT_CAPNOTE) && r.w2.n_out_capped)
        snprintf(rec->message, sizeof rec->message,
                 "at least %d singular values above the threshold (count capped)", r.w2.n_out);
    return PL_OK;
}

static double sv_or_nan(const pl_ts_spectrum *s, size_t j)
{
    return j < s->nsv ? s->s[j] : NAN;
}

/* n_new_outliers of a simulation: outliers above the threshold other than the main spike */
static double new_outliers(const pl_ts_spectrum *s)
{
    return s->n_out > 0 ? s->n_out - 1 : 0;
}

static double identified_sv(const pl_ts_spectrum *s, int k)
{
    if (s->id_idx[k] < 0 || !(s->id_proj[k] >= 0.5)) return NAN;
    return s->s[s->id_idx[k]];
}

/* ---- theory -------------------------------------------------------------------------- */

typedef struct {
    pl_ts_config c;
    int n_new, kmax;
    double ratio;
    pl_ts_spikes sp;
    pl_status sp_status;
    double edge;
} theory_result;

/* The theory of every twostep experiment: emit a failed record when the point has no valid
 * configuration, else call fill (the experiment's result struct) and emit it with the note
 * on the spike theory. */
typedef void (*theory_fill)(const ts_point *p, const theory_result *t, void *res);
static pl_status ts_solve(const pl_experiment *e, const ts_point *p, int rel, theory_fill fill,
                          pl_emitter *em)
{
    theory_result t;
    memset(&t, 0, sizeof t);
    ts_failure fail = {.st = PL_EINVAL};
    if (make_config_rel(p, rel, &t.c, fail.msg, sizeof fail.msg))
        return emit_failure(em, "theory", &fail);
    t.ratio = pl_ts_ratio(t.c.alpha1, t.c.alpha2);
    t.kmax = pl_ts_kmax(t.c.alpha1, t.c.alpha2);
    t.n_new = pl_ts_count_new(t.c.alpha1, t.c.alpha2, t.c.act);
    t.edge = pl_ts_mp_edge(t.c.N, t.c.d) * (1 + p->margin);
    t.sp_status = pl_ts_theory_spikes(&t.c, &t.sp);
    union {
        max_align_t align;
        unsigned char b[PL_MAX_RESULT];
    } res;
    pl_result_clear(e, res.b);
    fill(p, &t, res.b);
    pl_record *rec = pl_emit(em, "theory", res.b);
    if (!rec) return PL_ENOMEM;
    if (t.sp_status != PL_OK)
        snprintf(rec->message, sizeof rec->message,
                 "finite-N spike theory unavailable (%s%s); counts and exponents are given",
                 pl_strerror(t.sp_status),
                 t.sp_status == PL_EUNSUPPORTED ? ": reused-batch self-terms need a smooth "
                                                  "activation"
                 : t.sp_status == PL_ENAN ? ": the activation overflows at this step size"
                                          : "");
    return PL_OK;
}

/* outliers of the finite-N spike theory above the same threshold as the simulation */
static double theory_fin_outliers(const theory_result *t)
{
    int n = 0;
    for (size_t j = 0; j < t->sp.nspike; j++)
        if (t->sp.sv[j] > t->edge) n++;
    return n > 0 ? n - 1 : 0;
}

/* ======================================================================================= */
/* twostep-spectrum                                                                        */

typedef struct {
    double s1, s2, s3, s4, s5, s6, edge, w0_top, w1_s1, w1_s2, w1_nout, d1_s1, d2_s1, d2_s2,
        n_outliers, n_new_outliers, n_spikes, id_s0, id_s1, id_s2, id_s3, ov1, ov2, ov3, ov4,
        test_mse, test_mse0, loss1, loss2, n_new_fin, edge_fit;
} spectrum_result;
static const pl_metric_spec spectrum_metrics[] = {
    PL_METRIC(spectrum_result, s1, "top singular value of W2 (theory: finite-N spike theory)"),
    PL_METRIC(spectrum_result, s2, "second singular value of W2"),
    PL_METRIC(spectrum_result, s3, "third singular value of W2"),
    PL_METRIC(spectrum_result, s4, "fourth singular value of W2"),
    PL_METRIC(spectrum_result, s5, "fifth singular value of W2"),
    PL_METRIC(spectrum_result, s6, "sixth singular value of W2"),
    PL_METRIC(spectrum_result, edge, "outlier threshold (1 + margin) x bulk edge"),
    PL_METRIC(spectrum_result, w0_top, "top singular value of W0 (theory: 1 + sqrt(N/d))"),
    PL_METRIC(spectrum_result, w1_s1, "top singular value of W1"),
    PL_METRIC(spectrum_result, w1_s2, "second singular value of W1"),
    PL_METRIC(spectrum_result, w1_nout, "outliers of W1 (theory: 1, the step-1 spike)"),
    PL_METRIC(spectrum_result, d1_s1, "top singular value of the first update W1 - W0"),
    PL_METRIC(spectrum_result, d2_s1, "top singular value of the second update W2 - W1"),
    PL_METRIC(spectrum_result, d2_s2, "second singular value of W2 - W1"),
    PL_METRIC(spectrum_result, n_outliers, "singular values of W2 above the threshold"),
    PL_METRIC(spectrum_result, n_new_outliers,
              "outliers of W2 besides the main spike (theory: active Taylor terms k <= "
              "floor(alpha2/(1/2-alpha1)))"),
    PL_METRIC(spectrum_result, n_spikes,
              "outliers identified with a Taylor term by their left singular vectors"),
    PL_METRIC(spectrum_result, id_s0, "singular value identified with the term k = 0 (a)"),
    PL_METRIC(spectrum_result, id_s1, "singular value identified with the term k = 1 (a^2)"),
    PL_METRIC(spectrum_result, id_s2, "singular value identified with the term k = 2 (a^3)"),
    PL_METRIC(spectrum_result, id_s3, "singular value identified with the term k = 3 (a^4)"),
    PL_METRIC(spectrum_result, ov1, "|<v_1, beta_1>| of the top right singular vector"),
    PL_METRIC(spectrum_result, ov2, "|<v_2, beta_1>|"),
    PL_METRIC(spectrum_result, ov3, "|<v_3, beta_1>|"),
    PL_METRIC(spectrum_result, ov4, "|<v_4, beta_1>|"),
    PL_METRIC(spectrum_result, test_mse,
              "test error of the ridge readout on sigma(X W2^T) (lambda > 0)"),
    PL_METRIC(spectrum_result, test_mse0, "the same on the features of W0"),
    PL_METRIC(spectrum_result, loss1, "training loss before step 1"),
    PL_METRIC(spectrum_result, loss2, "training loss before step 2"),
    PL_METRIC(spectrum_result, n_new_fin,
              "new outliers of the finite-N spike theory at the same threshold"),
    PL_METRIC(spectrum_result, edge_fit, "bulk edge fitted to the singular values of W2"),
};

static void spectrum_fill_sim(const ts_point *p, const sim_result *r, void *res)
{
    (void)p;
    spectrum_result *m = res;
    double *s[6] = {&m->s1, &m->s2, &m->s3, &m->s4, &m->s5, &m->s6};
    for (int j = 0; j < 6; j++) *s[j] = sv_or_nan(&r->w2, (size_t)j);
    m->edge = r->w2.edge;
    m->edge_fit = r->w2.edge_fit;
    m->w0_top = r->w0_top;
    m->w1_s1 = sv_or_nan(&r->w1, 0);
    m->w1_s2 = sv_or_nan(&r->w1, 1);
    m->w1_nout = r->w1.n_out;
    m->d1_s1 = sv_or_nan(&r->d1, 0);
    m->d2_s1 = sv_or_nan(&r->d2, 0);
    m->d2_s2 = sv_or_nan(&r->d2, 1);
    m->n_outliers = r->w2.n_out;
    m->n_new_outliers = new_outliers(&r->w2);
    m->n_spikes = r->n_spikes;
    double *id[4] = {&m->id_s0, &m->id_s1, &m->id_s2, &m->id_s3};
    for (int k = 0; k < 4; k++) *id[k] = identified_sv(&r->w2, k);
    double *ov[4] = {&m->ov1, &m->ov2, &m->ov3, &m->ov4};
    for (int j = 0; j < 4; j++) *ov[j] = r->w2.beta_ov[j];
    m->test_mse = r->test_mse;
    m->test_mse0 = r->test_mse0;
    m->loss1 = r->loss[0];
    m->loss2 = r->loss[1];
}

static pl_status spectrum_sim(const pl_experiment *e, const void *pt, pl_rng *rng,
                              pl_emitter *em)
{
    return ts_sim(e, pt, rng, WANT_W0 | WANT_W1 | WANT_UPDATES | WANT_READOUT | WANT_CAPNOTE,
                  spectrum_fill_sim, em);
}

static void spectrum_fill_theory(const ts_point *p, const theory_result *t, void *res)
{
    (void)p;
    spectrum_result *m = res;
    m->edge = t->edge;
    m->w0_top = pl_ts_mp_edge(t->c.N, t->c.d);
    m->w1_nout = 1;
    m->n_new_outliers = t->n_new;
    m->n_outliers = t->n_new + 1;
    if (t->sp_status == PL_OK) {
        double *s[6] = {&m->s1, &m->s2, &m->s3, &m->s4, &m->s5, &m->s6};
        double *ov[4] = {&m->ov1, &m->ov2, &m->ov3, &m->ov4};
        for (int j = 0; j < 6 && (size_t)j < t->sp.nspike; j++) *s[j] = t->sp.sv[j];
        for (int j = 0; j < 4 && (size_t)j < t->sp.nspike; j++) *ov[j] = t->sp.beta_ov[j];
        m->w1_s1 = t->sp.w1_sv;
        m->n_new_fin = theory_fin_outliers(t);
    }
}

static pl_status spectrum_solve(const pl_experiment *e, const void *pt, pl_emitter *em)
{
    return ts_solve(e, pt, 0, spectrum_fill_theory, em);
}

/* The first converged simulated record; the (last) theory record of cell p (NULL: any cell). */
static const pl_record *first_sim(const pl_records *recs)
{
    for (size_t i = 0; i < recs->n; i++)
        if (recs->rec[i].seed >= 0 && recs->rec[i].status == PL_REC_CONVERGED)
            return &recs->rec[i];
    return NULL;
}
static const pl_record *theory_of(const pl_records *recs, const pl_params *p)
{
    const pl_record *th = NULL;
    for (size_t i = 0; i < recs->n; i++)
        if (recs->rec[i].seed < 0 && (!p || !memcmp(&recs->rec[i].params, p, sizeof *p)))
            th = &recs->rec[i];
    return th;
}

/* All singular values of W_2 of a simulated record, recomputed from its cell's random stream
 * (s: min(N, d) values, descending; malloc'ed). */
static pl_status recompute_spectrum(const pl_experiment *e, const pl_record *sim,
                                    const pl_ts_config *c, double **s)
{
    pl_rng rng;
    pl_rng_init(&rng, (uint64_t)sim->seed, pl_cell_stream(e, &sim->params));
    pl_ts_run run;
    pl_status st = pl_ts_run_alloc(&run, c);
    if (st != PL_OK) return st;
    *s = malloc((c->N < c->d ? c->N : c->d) * sizeof **s);
    if (!*s) st = PL_ENOMEM;
    if (st == PL_OK) st = pl_ts_run_train(&run, &rng);
    if (st == PL_OK) st = pl_ts_all_sv(run.W2, *s);
    pl_ts_run_free(&run);
    if (st != PL_OK) {
        free(*s);
        *s = NULL;
    }
    return st;
}

/* One vertical mark per value (points with half-height error bars) at height y. */
static pl_status add_marks(pl_panel *pn, const char *label, int color, const double *v, size_t n,
                           double y)
{
    double ys[PL_TS_NSPIKE + PL_TS_MAXOUT], es[PL_TS_NSPIKE + PL_TS_MAXOUT];
    double *yb = ys, *eb = es;
    if (n > sizeof ys / sizeof ys[0]) {
        yb = malloc(2 * n * sizeof *yb);
        if (!yb) return PL_ENOMEM;
        eb = yb + n;
    }
    for (size_t i = 0; i < n; i++) {
        yb[i] = y;
        eb[i] = 0.5;
    }
    pl_status st = pl_panel_add_series(pn, PL_SERIES_POINTS, label, n, v, yb, eb);
    if (yb != ys) free(yb);
    if (st == PL_OK) pl_panel_last(pn)->color = color;
    return st;
}

/* The threshold as a dashed vertical line from y0 to y1. */
static pl_status add_threshold(pl_panel *pn, double edge, double y0, double y1)
{
    double x[2] = {edge, edge}, y[2] = {y0, y1};
    pl_status st = pl_panel_add_series(pn, PL_SERIES_LINE, "threshold", 2, x, y, NULL);
    if (st == PL_OK) {
        pl_panel_last(pn)->color = 2;
        pl_panel_last(pn)->dashed = 1;
    }
    return st;
}

/* Default figure of twostep-spectrum: the singular values of W_2 of the first simulated cell
 * and seed (recomputed from its random stream), (1) the bulk as a histogram against the MP law
 * of W_0 and the threshold, (2) the values near and above the threshold on a log axis,
 * simulated (outliers, bulk) against the finite-N spike theory. Without a simulation: the MP
 * law and the theory's outliers of the first theory record. */
static pl_status spectrum_figure(const pl_experiment *e, const pl_records *recs, pl_figure *fig)
{
    const pl_record *sim = first_sim(recs);
    const pl_record *th = theory_of(recs, sim ? &sim->params : NULL);
    const pl_record *cell = sim ? sim : th;
    if (!cell) return PL_EINVAL;
    ts_point pt;
    pl_point_from_params(e, &cell->params, &pt);
    pl_ts_config c;
    char msg[256];
    if (make_config(&pt, &c, msg, sizeof msg)) return PL_EINVAL;
    double *s = NULL;
    size_t m = c.N < c.d ? c.N : c.d;
    if (sim) {
        pl_status st = recompute_spectrum(e, sim, &c, &s);
        if (st != PL_OK) return st;
    }
    double edge = pl_record_get(cell, e, "edge"), cr = (double)c.N / (double)c.d;
    double mp_hi = 1 + sqrt(cr);
    /* bulk histogram on [0, 1.6 x the MP edge] */
    double hmax = 1.6 * mp_hi;
    enum { NB = 60, NMP = 400 };
    double cnt[NB] = {0}, xb[NB + 1], ymax = 0;
    for (size_t i = 0; s && i < m; i++) {
        int b = (int)(s[i] / hmax * NB);
        if (b >= 0 && b < NB) cnt[b] += 1;
    }
    for (int b = 0; b <= NB; b++) xb[b] = b * hmax / NB;
    for (int b = 0; b < NB; b++) {
        cnt[b] /= (double)m * hmax / NB; /* density */
        ymax = fmax(ymax, cnt[b]);
    }
    /* MP density of the singular values of W_0: rho_s(s) = 2 s rho_MP(s^2) (ratio N/d), per
     * nonzero singular value */
    double xs[NMP], ys[NMP];
    for (int i = 0; i < NMP; i++) {
        double x = hmax * (i + 0.5) / NMP;
        double dens = 2 * x * pl_mp_density(x * x, cr, 1.0) * (cr > 1 ? 1 / cr : 1.0);
        if (cr > 1) dens *= cr;
        xs[i] = x;
        ys[i] = isfinite(dens) ? dens : 0;
        ymax = fmax(ymax, ys[i]);
    }
    char title[128];
    snprintf(title, sizeof title, "W2 bulk, N=%zu d=%zu n=%zu", c.N, c.d, c.n);
    pl_status st = PL_ENOMEM;
    pl_panel *pn = pl_figure_add_panel(fig, title, "singular value", "density", 0, 0);
    if (pn) st = s ? pl_panel_add_series(pn, PL_SERIES_HIST, "W2", NB, xb, cnt, NULL) : PL_OK;
    if (st == PL_OK) st = pl_panel_add_series(pn, PL_SERIES_LINE, "MP law of W0", NMP, xs, ys, NULL);
    if (st == PL_OK) pl_panel_last(pn)->color = 3;
    if (st == PL_OK) st = add_threshold(pn, edge, 0, ymax * 1.15);
    /* the values near and above the threshold */
    if (st == PL_OK) {
        pn = pl_figure_add_panel(fig, "top: simulation, bottom: theory", "singular value", "", 1,
                                 0);
        if (!pn) st = PL_ENOMEM;
    }
    size_t nout = 0, nbulk = 0;
    while (s && nout < m && s[nout] > edge) nout++;
    while (s && nout + nbulk < m && s[nout + nbulk] > 0.8 * mp_hi) nbulk++;
    if (st == PL_OK && nout) st = add_marks(pn, "simulation: outliers", 1, s, nout, 2.4);
    if (st == PL_OK && nbulk) st = add_marks(pn, "simulation: bulk", 4, s + nout, nbulk, 2.4);
    double tv[6];
    size_t nt = 0;
    for (int j = 0; th && j < 6; j++) {
        char nm[8];
        snprintf(nm, sizeof nm, "s%d", j + 1);
        double v = pl_record_get(th, e, nm);
        if (v > edge) tv[nt++] = v;
    }
    if (st == PL_OK && nt) st = add_marks(pn, "theory: outliers", 3, tv, nt, 0.8);
    if (st == PL_OK) st = add_threshold(pn, edge, 0, 3.2);
    free(s);
    fig->cols = 2;
    return st;
}

const pl_experiment pl_exp_twostep_spectrum = {
    .name = "twostep-spectrum",
    .summary = "two GD steps, linear width: singular values of W0, W1, W2 and of the updates, "
               "outliers, alignments, ridge readout",
    .description =
        "Two first-layer GD steps on f(x) = (1/sqrt N) sum a_i sigma(<w_i,x>) with eta_t = eta0 "
        "N^alpha_t on the sqrt(N)-scaled gradient, batch 2 fresh or reused. Simulation: top "
        "singular values s1..s6 of W2 (Lanczos), outliers above (1+margin)(1+sqrt(N/d)) "
        "(n_outliers, n_new_outliers = n_outliers - 1), n_spikes = outliers whose left "
        "singular vector lies in the span of a, a^2, a^3, a^4 (projection >= 1/2), id_sK = the "
        "singular value identified with the K-th Taylor term, ovJ = |<v_J, beta>|, top values "
        "of W0, W1 and of the updates W1-W0 (d1) and W2-W1 (d2), ridge test error on sigma(X "
        "W2^T) (test_mse, 2N fresh training samples, n test samples) vs W0 (test_mse0) when "
        "lambda > 0. Theory: n_new_outliers = #{k <= "
        "floor(alpha2/(1/2-alpha1)) : mu_{k+1} != 0}, and the finite-N spike theory (s1..s6, "
        "ov1..ov4, n_new_fin). Default figure: the histogram of all singular values of W2 for "
        "the first cell and seed (recomputed) against the MP law of W0, and its values near "
        "and above the threshold against the theory's outliers.",
    .params = spectrum_params,
    .n_params = TS_NPARAM,
    .point_size = sizeof(ts_point),
    .metric_map = spectrum_metrics,
    .n_metrics = sizeof spectrum_metrics / sizeof spectrum_metrics[0],
    .result_size = sizeof(spectrum_result),
    .default_sweep = "alpha1=0.45 alpha2=0.4",
    .default_seeds = 1,
    .plot_x = "alpha2",
    .plot_y = "s1,s2,s3",
    .check_point = ts_check,
    .sim = spectrum_sim,
    .solve = spectrum_solve,
    .figure = spectrum_figure,
};

/* ======================================================================================= */
/* twostep-phase                                                                           */

typedef struct {
    double n_new_outliers, n_outliers, n_spikes, s1, s2, s3, ratio, n_new_fin, edge;
} phase_result;
static const pl_metric_spec phase_metrics[] = {
    PL_METRIC(phase_result, n_new_outliers,
              "outliers of W2 besides the main spike (theory: #{1 <= k <= "
              "floor(alpha2/(1/2-alpha1)) : mu_{k+1} != 0})"),
    PL_METRIC(phase_result, n_outliers, "singular values of W2 above the threshold"),
    PL_METRIC(phase_result, n_spikes,
              "outliers identified with the Taylor terms k = 0..3 by their left vectors"),
    PL_METRIC(phase_result, s1, "top singular value of W2"),
    PL_METRIC(phase_result, s2, "second singular value of W2"),
    PL_METRIC(phase_result, s3, "third singular value of W2"),
    PL_METRIC(phase_result, ratio, "alpha2/(1/2 - alpha1)"),
    PL_METRIC(phase_result, n_new_fin,
              "new outliers of the finite-N spike theory at the same threshold"),
    PL_METRIC(phase_result, edge, "outlier threshold (1 + margin) x bulk edge"),
};

static void phase_fill_sim(const ts_point *p, const sim_result *r, void *res)
{
    phase_result *m = res;
    m->n_new_outliers = new_outliers(&r->w2);
    m->n_outliers = r->w2.n_out;
    m->n_spikes = r->n_spikes;
    m->s1 = sv_or_nan(&r->w2, 0);
    m->s2 = sv_or_nan(&r->w2, 1);
    m->s3 = sv_or_nan(&r->w2, 2);
    m->ratio = pl_ts_ratio(p->alpha1, p->alpha2);
    m->edge = r->w2.edge;
}

static pl_status phase_sim(const pl_experiment *e, const void *pt, pl_rng *rng, pl_emitter *em)
{
    return ts_sim(e, pt, rng, WANT_CAPNOTE, phase_fill_sim, em);
}

static void phase_fill_theory(const ts_point *p, const theory_result *t, void *res)
{
    (void)p;
    phase_result *m = res;
    m->n_new_outliers = t->n_new;
    m->n_outliers = t->n_new + 1;
    m->ratio = t->ratio;
    m->edge = t->edge;
    if (t->sp_status == PL_OK) {
        m->s1 = t->sp.sv[0];
        m->s2 = t->sp.sv[1];
        m->s3 = t->sp.sv[2];
        m->n_new_fin = theory_fin_outliers(t);
    }
}

static pl_status phase_solve(const pl_experiment *e, const void *pt, pl_emitter *em)
{
    return ts_solve(e, pt, 0, phase_fill_theory, em);
}

static size_t index_of(const double *v, size_t n, double x)
{
    size_t i = 0;
    while (i < n && v[i] != x) i++;
    return i;
}

/* A heat map of metric zk of `src` over the grid xs x ys (parameters xi, yi) with contours
 * between consecutive integer counts; no panel when the source has no finite value. */
static pl_status count_map(pl_figure *fig, const char *title, const pl_summary_row *rows,
                           size_t nrows, const char *src, int xi, int yi, int zk,
                           const double *xs, size_t nx, const double *ys, size_t ny)
{
    double *z = malloc(nx * ny * sizeof *z), zmax = -INFINITY, lev[40];
    if (!z) return PL_ENOMEM;
    for (size_t k = 0; k < nx * ny; k++) z[k] = NAN;
    for (size_t r = 0; r < nrows; r++) {
        if (strcmp(rows[r].source, src) != 0 || rows[r].branch != 0) continue;
        size_t i = index_of(xs, nx, rows[r].params.v[xi]);
        size_t j = index_of(ys, ny, rows[r].params.v[yi]);
        double v = rows[r].mean[zk];
        if (i < nx && j < ny && isfinite(v)) {
            z[j * nx + i] = v;
            zmax = fmax(zmax, v);
        }
    }
    pl_status st = PL_OK;
    if (isfinite(zmax)) {
        size_t nl = 0;
        while (nl < sizeof lev / sizeof lev[0] && nl + 0.5 < zmax) {
            lev[nl] = (double)nl + 0.5;
            nl++;
        }
        pl_panel *pn = pl_figure_add_panel(fig, title, "alpha1", "alpha2", 0, 0);
        st = pn ? pl_panel_set_map(pn, nx, ny, z, xs[0], xs[nx - 1], ys[0], ys[ny - 1], lev, nl,
                                   "n_new_outliers")
                : PL_ENOMEM;
    }
    free(z);
    return st;
}

/* Default figure of twostep-phase: heat maps of n_new_outliers over (alpha1, alpha2), simulated
 * and predicted (floor(alpha2/(1/2 - alpha1)) non-vanishing terms), with contours between
 * consecutive counts. A sweep that is not a grid over both exponents: the line figure of
 * n_new_outliers against the swept one. */
static pl_status phase_figure(const pl_experiment *e, const pl_records *recs, pl_figure *fig)
{
    int xi = pl_param_index(e, "alpha1"), yi = pl_param_index(e, "alpha2");
    int zk = pl_metric_index(e, "n_new_outliers");
    pl_summary_row *rows;
    size_t nrows;
    pl_status st = pl_summarize(e, recs, &rows, &nrows);
    if (st != PL_OK) return st;
    double *xs = malloc((2 * nrows + 2) * sizeof *xs), *ys = xs + nrows + 1;
    if (!xs) {
        free(rows);
        return PL_ENOMEM;
    }
    size_t nx = pl_summary_distinct(rows, nrows, xi, xs);
    size_t ny = pl_summary_distinct(rows, nrows, yi, ys);
    if (nx >= 2 && ny >= 2) {
        st = count_map(fig, "simulated new outliers", rows, nrows, "sim:gd", xi, yi, zk, xs, nx,
                       ys, ny);
        if (st == PL_OK)
            st = count_map(fig, "floor(alpha2/(1/2-alpha1)) (non-vanishing terms)", rows, nrows,
                           "theory", xi, yi, zk, xs, nx, ys, ny);
        if (st == PL_OK && fig->npanels == 0) st = PL_EINVAL;
        fig->cols = 2;
    } else {
        pl_plot_opts o = {.x = nx >= 2 ? "alpha1" : "alpha2", .y = e->plot_y};
        char err[256];
        st = pl_figure_lines(e, recs, &o, fig, err, sizeof err);
    }
    free(xs);
    free(rows);
    return st;
}

const pl_experiment pl_exp_twostep_phase = {
    .name = "twostep-phase",
    .summary = "two GD steps: number of new outliers of W2 over (alpha1, alpha2), simulated "
               "vs floor(alpha2/(1/2-alpha1))",
    .description =
        "n_new_outliers: simulation = singular values of W2 above (1+margin)(1+sqrt(N/d)) "
        "other than the main spike; theory = #{1 <= k <= floor(alpha2/(1/2-alpha1)) : "
        "mu_{k+1}(sigma) != 0} (0 if mu_1 = 0). n_new_fin: the count of the finite-N spike "
        "theory at the same threshold. n_spikes: simulated outliers identified with the Taylor "
        "terms k = 0..3 by their left singular vectors. Default figure: the simulated and the "
        "predicted heat maps side by side, with contours between consecutive counts.",
    .params = phase_params,
    .n_params = TS_NPARAM,
    .point_size = sizeof(ts_point),
    .metric_map = phase_metrics,
    .n_metrics = sizeof phase_metrics / sizeof phase_metrics[0],
    .result_size = sizeof(phase_result),
    .default_sweep = "alpha1=0:0.45:0.05 alpha2=0.05:0.45:0.05",
    .default_seeds = 1,
    .plot_x = "alpha2",
    .plot_y = "n_new_outliers",
    .check_point = ts_check,
    .sim = phase_sim,
    .solve = phase_solve,
    .figure = phase_figure,
};

/* ======================================================================================= */
/* twostep-scaling                                                                         */

typedef struct {
    double s1, s2, s3, s4, theta1, theta2, theta3, id_s1, id_s2, edge, n_outliers, slope0,
        slope1, slope2;
} scaling_result;
static const pl_metric_spec scaling_metrics[] = {
    PL_METRIC(scaling_result, s1, "top singular value of W2"),
    PL_METRIC(scaling_result, s2, "second singular value of W2"),
    PL_METRIC(scaling_result, s3, "third singular value of W2"),
    PL_METRIC(scaling_result, s4, "fourth singular value of W2"),
    PL_METRIC(scaling_result, theta1,
              "spike strength of s1 by inverting the rank-one BBP law (c = N/d)"),
    PL_METRIC(scaling_result, theta2, "spike strength of s2"),
    PL_METRIC(scaling_result, theta3, "spike strength of s3"),
    PL_METRIC(scaling_result, id_s1, "singular value identified with the Taylor term k = 1"),
    PL_METRIC(scaling_result, id_s2, "singular value identified with the Taylor term k = 2"),
    PL_METRIC(scaling_result, edge, "outlier threshold (1 + margin) x bulk edge"),
    PL_METRIC(scaling_result, n_outliers, "singular values of W2 above the threshold"),
    PL_METRIC(scaling_result, slope0,
              "theory: log-log slope in N of the main spike, max(alpha1, alpha2)"),
    PL_METRIC(scaling_result, slope1,
              "theory: slope alpha2 - k(1/2 - alpha1) of the first non-vanishing term k"),
    PL_METRIC(scaling_result, slope2, "theory: the same for the second non-vanishing term"),
};

static void scaling_fill_sim(const ts_point *p, const sim_result *r, void *res)
{
    scaling_result *m = res;
    double cr = 1 / p->d_over_N;
    double *s[4] = {&m->s1, &m->s2, &m->s3, &m->s4}, *th[3] = {&m->theta1, &m->theta2, &m->theta3};
    for (int j = 0; j < 4; j++) *s[j] = sv_or_nan(&r->w2, (size_t)j);
    for (int j = 0; j < 3; j++) *th[j] = pl_ts_bbp_theta(*s[j], cr);
    m->id_s1 = identified_sv(&r->w2, 1);
    m->id_s2 = identified_sv(&r->w2, 2);
    m->edge = r->w2.edge;
    m->n_outliers = r->w2.n_out;
}

static pl_status scaling_sim(const pl_experiment *e, const void *pt, pl_rng *rng,
                             pl_emitter *em)
{
    return ts_sim(e, pt, rng, WANT_REL, scaling_fill_sim, em);
}

static void scaling_fill_theory(const ts_point *p, const theory_result *t, void *res)
{
    (void)p;
    scaling_result *m = res;
    double cr = (double)t->c.N / (double)t->c.d;
    if (t->sp_status == PL_OK) {
        double *s[4] = {&m->s1, &m->s2, &m->s3, &m->s4};
        double *th[3] = {&m->theta1, &m->theta2, &m->theta3};
        for (int j = 0; j < 4; j++) *s[j] = t->sp.sv[j];
        for (int j = 0; j < 3; j++) *th[j] = t->sp.theta[j] > pow(cr, 0.25) ? t->sp.theta[j] : NAN;
        m->id_s1 = t->sp.sv[1];
        m->id_s2 = t->sp.sv[2];
    }
    m->edge = t->edge;
    m->n_outliers = t->n_new + 1;
    /* asymptotic log-log slopes of the main spike and of the first two new outliers */
    double *slope[3] = {&m->slope0, &m->slope1, &m->slope2};
    *slope[0] = pl_ts_exponent(t->c.alpha1, t->c.alpha2, 0);
    for (int j = 1; j <= 2; j++) {
        int k = pl_ts_nth_term(t->c.alpha1, t->c.alpha2, t->c.act, j);
        if (k < 0) {
            /* the next non-vanishing term even if it is below the bulk asymptotically */
            int seen = 0;
            for (int q = 1; q < 64 && k < 0; q++)
                if (!t->c.act->hermite_zero((size_t)q + 1) && ++seen == j) k = q;
        }
        *slope[j] = pl_ts_exponent(t->c.alpha1, t->c.alpha2, k);
    }
}

static pl_status scaling_solve(const pl_experiment *e, const void *pt, pl_emitter *em)
{
    return ts_solve(e, pt, 1, scaling_fill_theory, em);
}

const pl_experiment pl_exp_twostep_scaling = {
    .name = "twostep-scaling",
    .summary = "two GD steps: the k-th outlier of W2 against N (log-log), predicted slopes "
               "alpha2 - k(1/2 - alpha1)",
    .description =
        "s1..s4: top singular values of W2; theta1..3 their spike strengths by inverting the "
        "rank-one BBP law s = sqrt((1+t^2)(c+t^2))/t (c = N/d); id_s1, id_s2: the singular "
        "values identified with the Taylor terms k = 1, 2 by their left vectors. Theory: the "
        "finite-N spike theory for s and theta, and slope0 = max(alpha1, alpha2) (main spike), "
        "slope1, slope2 = alpha2 - k(1/2 - alpha1) for the first two non-vanishing terms k "
        "(asymptotic log-log slopes in N at fixed N/d and n/d).",
    .params = scaling_params,
    .n_params = TS_NPARAM,
    .point_size = sizeof(ts_point),
    .metric_map = scaling_metrics,
    .n_metrics = sizeof scaling_metrics / sizeof scaling_metrics[0],
    .result_size = sizeof(scaling_result),
    .default_sweep = "N=250,500,1000,2000 bulk=mp",
    .default_seeds = 2,
    .plot_x = "N",
    .plot_y = "s1,s2,s3",
    .plot_logx = 1,
    .plot_logy = 1,
    .check_point = ts_check_rel,
    .sim = scaling_sim,
    .solve = scaling_solve,
};

/* ======================================================================================= */
/* twostep-align                                                                           */

typedef struct {
    double ov1, ov2, ov3, ov4, ov5, ov6, ov_new_max, proj_new, sub_new, n_outliers, k_align,
        aligned_pred, d_ov2_new;
} align_result;
static const pl_metric_spec align_metrics[] = {
    PL_METRIC(align_result, ov1, "|<v_1, beta_1>| of the top outlier's right singular vector"),
    PL_METRIC(align_result, ov2, "|<v_2, beta_1>| (NaN unless the second value is an outlier)"),
    PL_METRIC(align_result, ov3, "|<v_3, beta_1>|"),
    PL_METRIC(align_result, ov4, "|<v_4, beta_1>|"),
    PL_METRIC(align_result, ov5, "|<v_5, beta_1>|"),
    PL_METRIC(align_result, ov6, "|<v_6, beta_1>|"),
    PL_METRIC(align_result, ov_new_max, "largest |<v_J, beta_1>| over the new outliers"),
    PL_METRIC(align_result, proj_new,
              "||P beta_1||^2 on the span of the new outliers' right vectors"),
    PL_METRIC(align_result, sub_new, "the same for the whole target subspace"),
    PL_METRIC(align_result, n_outliers, "singular values of W2 above the threshold"),
    PL_METRIC(align_result, k_align,
              "theory: first Taylor term whose right vector has a beta component"),
    PL_METRIC(align_result, aligned_pred,
              "theory: 1 when k_align <= floor(alpha2/(1/2-alpha1)) (an aligned outlier)"),
    PL_METRIC(align_result, d_ov2_new, "d ov_new_max^2 (O(1) without alignment)"),
};

static void align_fill_sim(const ts_point *p, const sim_result *r, void *res)
{
    (void)p;
    align_result *m = res;
    double *ov[6] = {&m->ov1, &m->ov2, &m->ov3, &m->ov4, &m->ov5, &m->ov6};
    for (int j = 0; j < 6; j++)
        *ov[j] = (size_t)j < r->w2.nsv && r->w2.s[j] > r->w2.edge ? r->w2.beta_ov[j] : NAN;
    /* new outliers: every outlier but the largest */
    double mx = 0, pr = 0, sb = 0;
    for (int j = 1; j < r->w2.n_out && (size_t)j < r->w2.nsv; j++) {
        mx = fmax(mx, r->w2.beta_ov[j]);
        pr += r->w2.beta_ov[j] * r->w2.beta_ov[j];
        sb += r->w2.sub_ov[j] * r->w2.sub_ov[j];
    }
    m->ov_new_max = mx;
    m->proj_new = pr;
    m->sub_new = sb;
    m->n_outliers = r->w2.n_out;
    m->d_ov2_new = (double)r->d * mx * mx;
}

static pl_status align_sim(const pl_experiment *e, const void *pt, pl_rng *rng, pl_emitter *em)
{
    return ts_sim(e, pt, rng, 0, align_fill_sim, em);
}

static void align_fill_theory(const ts_point *p, const theory_result *t, void *res)
{
    align_result *m = res;
    int k = pl_ts_first_aligned_term(&t->c);
    m->k_align = k;
    /* asymptotically the k-th term is an outlier iff k <= kmax */
    m->aligned_pred = k >= 1 && k <= t->kmax ? 1 : 0;
    m->n_outliers = t->n_new + 1;
    if (t->sp_status == PL_OK) {
        double *ov[6] = {&m->ov1, &m->ov2, &m->ov3, &m->ov4, &m->ov5, &m->ov6};
        double mx = 0, pr = 0, sb = 0;
        for (int j = 0; j < 6 && (size_t)j < t->sp.nspike; j++)
            *ov[j] = t->sp.sv[j] > t->edge ? t->sp.beta_ov[j] : NAN;
        for (size_t j = 1; j < t->sp.nspike; j++) {
            if (!(t->sp.sv[j] > t->edge)) continue;
            mx = fmax(mx, t->sp.beta_ov[j]);
            pr += t->sp.beta_ov[j] * t->sp.beta_ov[j];
            sb += t->sp.sub_ov[j] * t->sp.sub_ov[j];
        }
        m->ov_new_max = mx;
        m->proj_new = pr;
        m->sub_new = sb;
        m->d_ov2_new = (double)p->d * mx * mx;
    }
}

static pl_status align_solve(const pl_experiment *e, const void *pt, pl_emitter *em)
{
    return ts_solve(e, pt, 0, align_fill_theory, em);
}

const pl_experiment pl_exp_twostep_align = {
    .name = "twostep-align",
    .summary = "two GD steps: alignment of the new outliers' right singular vectors with beta, "
               "fresh vs reused batch",
    .description =
        "ovJ = |<v_J, beta_1>| for the J-th outlier of W2; ov_new_max = the largest over the "
        "new outliers (every outlier but the main spike), proj_new = sum of the squares "
        "(||P beta||^2 on the span of the new outliers), sub_new the same for the whole target "
        "subspace, d_ov2_new = d ov_new_max^2 (O(1) without alignment). Theory: k_align = the "
        "first Taylor term whose right vector has a beta component (fresh: needs c*_1 != 0; "
        "reused He_3: k = 2), aligned_pred = 1 when k_align <= floor(alpha2/(1/2-alpha1)), i.e. "
        "alpha2 >= 1 - 2 alpha1 for He_3 with a reused batch; the spike theory's overlaps.",
    .params = align_params,
    .n_params = TS_NPARAM,
    .point_size = sizeof(ts_point),
    .metric_map = align_metrics,
    .n_metrics = sizeof align_metrics / sizeof align_metrics[0],
    .result_size = sizeof(align_result),
    .default_sweep = "alpha2=0.05:0.45:0.05 batch=fresh,reused",
    .default_seeds = 4,
    .plot_x = "alpha2",
    .plot_y = "ov1,ov_new_max",
    .check_point = ts_check,
    .sim = align_sim,
    .solve = align_solve,
};
