/* Experiments of family 6 (two gradient steps in linear-width two-layer networks):
 * twostep-spectrum, twostep-phase, twostep-scaling, twostep-align. */
#include <math.h>
#include <plplot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/experiment.h"
#include "phaselab/report.h"
#include "phaselab/rmt.h"
#include "phaselab/sweep.h"
#include "phaselab/twostep.h"

enum {
    P_ALPHA1, P_ALPHA2, P_N, P_D, P_NS, P_ACT, P_TARGET, P_INDEX, P_BATCH, P_NOISE, P_ETA0,
    P_MARGIN, P_AINIT, P_LAMBDA, P_EDGE, NP
};

#define ACT_CHOICES "exp|tanh+softplus|relu|tanh"
static const char *const act_names[] = {"exp", "tanh+softplus", "relu", "tanh"};
#define TARGET_CHOICES "he1|he2|he3|he4|tanh|relu|he1+he2|he1+he3|he2+he3|he2+he4|he1+he2+he3"
static const char *const target_names[] = {"he1",     "he2",     "he3",     "he4",
                                           "tanh",    "relu",    "he1+he2", "he1+he3",
                                           "he2+he3", "he2+he4", "he1+he2+he3"};
enum { T_HE1, T_HE2, T_HE3 };

/* One parameter table per experiment (the defaults differ). */
#define TS_PARAMS(A1, A2, NN, ACT, TGT, ETA0, DNAME, DTYPE, DDEF, DHI, DHELP, NNAME, NDEF, NHELP)                                                 \
    {                                                                                        \
        [P_ALPHA1] = {"alpha1", PL_PARAM_REAL, A1, 0, 0.5, 0, 1, NULL,                         \
                      "step-1 size exponent: eta1 = eta0 N^alpha1, in [0, 1/2)"},              \
        [P_ALPHA2] = {"alpha2", PL_PARAM_REAL, A2, 0, 0.5, 0, 1, NULL,                         \
                      "step-2 size exponent: eta2 = eta0 N^alpha2, in [0, 1/2)"},              \
        [P_N] = {"N", PL_PARAM_INT, NN, 1, 1e6, 0, 0, NULL, "hidden width (neurons)"},        \
        [P_D] = {DNAME, DTYPE, DDEF, DTYPE == PL_PARAM_INT ? 1 : 0, DHI, DTYPE != PL_PARAM_INT,  \
                 0, NULL, DHELP},                                                              \
        [P_NS] = {NNAME, DTYPE, NDEF, DTYPE == PL_PARAM_INT ? 1 : 0, 10 * DHI,                 \
                  DTYPE != PL_PARAM_INT, 0, NULL, NHELP},                                      \
        [P_ACT] = {"act", PL_PARAM_CHOICE, ACT, 0, 0, 0, 0, ACT_CHOICES,                       \
                   "student activation: exp = exp(z/2), tanh+softplus, relu, tanh"},           \
        [P_TARGET] = {"target", PL_PARAM_CHOICE, TGT, 0, 0, 0, 0, TARGET_CHOICES,              \
                      "teacher link(s): heK = He_K/sqrt(K!); a sum is divided by sqrt(#terms)"}, \
        [P_INDEX] = {"index", PL_PARAM_CHOICE, 0, 0, 0, 0, 0, "single|multi",                  \
                     "single: every term on beta_1; multi: term t on its own direction beta_t"}, \
        [P_BATCH] = {"batch", PL_PARAM_CHOICE, 0, 0, 0, 0, 0, "fresh|reused",                  \
                     "step 2 on a fresh batch or on the batch of step 1"},                     \
        [P_NOISE] = {"noise", PL_PARAM_REAL, 0, 0, 1e3, 0, 0, NULL, "label noise sd"},        \
        [P_ETA0] = {"eta0", PL_PARAM_REAL, ETA0, 0, 1e6, 1, 0, NULL,                           \
                    "step-size prefactor: eta_t = eta0 N^alpha_t"},                            \
        [P_MARGIN] = {"margin", PL_PARAM_REAL, 0.03, 0, 10, 0, 0, NULL,                        \
                      "outlier if s > (1 + margin) x bulk edge (see bulk)"},                   \
        [P_AINIT] = {"ainit", PL_PARAM_CHOICE, 0, 0, 0, 0, 0, "gaussian|rademacher",           \
                     "second layer a_i ~ N(0, 1/N) or +-1/sqrt(N)"},                           \
        [P_LAMBDA] = {"lambda", PL_PARAM_REAL, 0, 0, 1e6, 0, 0, NULL,                          \
                      "ridge of the readout on the learned features (0: no readout)"},         \
        [P_EDGE] = {"bulk", PL_PARAM_CHOICE, 0, 0, 0, 0, 0, "fit|mp",                          \
                    "bulk edge: mp = 1 + sqrt(N/d) (W_0); fit = max(mp, edge fitted to the "    \
                    "bulk of W_2, which the updates widen at finite N)"},                      \
    }

#define TS_PARAMS_X(...) TS_PARAMS(__VA_ARGS__)
#define ABS_DN(NN) "d", PL_PARAM_INT, NN, 1e6, "input dimension", "n", NN, "samples per batch"
#define REL_DN                                                                                 \
    "d_over_N", PL_PARAM_REAL, 1, 1e3, "input dimension d = round(d_over_N N)", "n_over_d", 1,    \
        "samples per batch n = round(n_over_d d)"
static const pl_param_spec spectrum_params[NP] =
    TS_PARAMS_X(0.45, 0.4, 1500, 1, T_HE1, 1.0, ABS_DN(1500));
static const pl_param_spec phase_params[NP] =
    TS_PARAMS_X(0.25, 0.3, 1000, 1, T_HE1, 1.0, ABS_DN(1000));
static const pl_param_spec scaling_params[NP] =
    TS_PARAMS_X(0.35, 0.45, 1000, 1, T_HE1, 2.0, REL_DN);
static const pl_param_spec align_params[NP] =
    TS_PARAMS_X(0.4, 0.45, 600, 1, T_HE3, 2.0, "d", PL_PARAM_INT, 600, 1e6, "input dimension",
                "n", 2400, "samples per batch");

/* ---- parameters -> configuration ----------------------------------------------------- */

/* rel: d and n given as d/N and n/d (twostep-scaling), else as numbers */
static const char *make_config_rel(const pl_params *p, int rel, pl_ts_config *c, char *buf,
                                   size_t len)
{
    memset(c, 0, sizeof *c);
    /* sizes: checked here as doubles so that 0 or negative values give the message */
    double N = p->v[P_N], d = p->v[P_D], n = p->v[P_NS];
    if (rel) {
        d = floor(p->v[P_D] * N + 0.5);
        n = floor(p->v[P_NS] * d + 0.5);
    }
    if (!(N >= 1 && d >= 1 && n >= 1)) {
        snprintf(buf, len, "N, d and n must be positive integers (got N=%g, d=%g, n=%g)", N, d,
                 n);
        return buf;
    }
    c->N = (size_t)N;
    c->d = (size_t)d;
    c->n = (size_t)n;
    c->alpha1 = p->v[P_ALPHA1];
    c->alpha2 = p->v[P_ALPHA2];
    c->eta0 = p->v[P_ETA0];
    c->reuse = (int)p->v[P_BATCH] == 1;
    c->noise = p->v[P_NOISE];
    c->ainit = (int)p->v[P_AINIT] == 1 ? PL_TS_A_RADEMACHER : PL_TS_A_GAUSS;
    int ai = (int)p->v[P_ACT], ti = (int)p->v[P_TARGET];
    if (ai < 0 || ai >= (int)(sizeof act_names / sizeof act_names[0]) || ti < 0 ||
        ti >= (int)(sizeof target_names / sizeof target_names[0])) {
        snprintf(buf, len, "unknown activation or target");
        return buf;
    }
    c->act = pl_ts_act_find(act_names[ai]);
    if (pl_ts_target_parse(target_names[ti], (int)p->v[P_INDEX] == 1, &c->target) != PL_OK) {
        snprintf(buf, len, "cannot parse target '%s'", target_names[ti]);
        return buf;
    }
    return pl_ts_config_check(c, buf, len);
}

static const char *make_config(const pl_params *p, pl_ts_config *c, char *buf, size_t len)
{
    return make_config_rel(p, 0, c, buf, len);
}

static const char *ts_check(const pl_params *p, char *buf, size_t len)
{
    pl_ts_config c;
    return make_config(p, &c, buf, len);
}

static const char *ts_check_rel(const pl_params *p, char *buf, size_t len)
{
    pl_ts_config c;
    return make_config_rel(p, 1, &c, buf, len);
}

/* ---- simulation ------------------------------------------------------------------------ */

static pl_ts_edge_mode edge_mode(const pl_params *p)
{
    return (int)p->v[P_EDGE] == 1 ? PL_TS_EDGE_MP : PL_TS_EDGE_FIT;
}

enum { WANT_W1 = 1, WANT_UPDATES = 2, WANT_READOUT = 4, WANT_W0 = 8, WANT_REL = 16 };

typedef struct {
    pl_ts_spectrum w2, w1, d1, d2;
    double w0_top;
    double loss[2];
    double test_mse, test_mse0;
    int n_spikes;
    size_t d;
} sim_result;

static pl_status simulate_core(const pl_params *p, pl_rng *rng, int want, sim_result *res,
                               pl_record *rec)
{
    memset(res, 0, sizeof *res);
    res->test_mse = res->test_mse0 = res->w0_top = NAN;
    pl_ts_config c;
    char msg[256];
    if (make_config_rel(p, (want & WANT_REL) != 0, &c, msg, sizeof msg)) {
        pl_record_fail(rec, PL_EINVAL, "%s", msg);
        return PL_OK;
    }
    res->d = c.d;
    pl_ts_run run;
    pl_status st = pl_ts_run_alloc(&run, &c);
    if (st != PL_OK) return st;
    st = pl_ts_run_train(&run, rng);
    if (st == PL_ENAN) {
        pl_record_fail(rec, PL_ENAN,
                       "weights overflow in step %d (eta%d = %.3g): the step is too large for "
                       "this activation; lower eta0 or alpha%d",
                       run.failed_step, run.failed_step, pl_ts_eta(&c, run.failed_step),
                       run.failed_step);
        rec->status = PL_REC_DIVERGED;
        pl_ts_run_free(&run);
        return PL_OK;
    }
    if (st == PL_OK) {
        res->loss[0] = run.loss[0];
        res->loss[1] = run.loss[1];
        st = pl_ts_analyse(run.W2, run.a, run.B, edge_mode(p), p->v[P_MARGIN], 8, &res->w2);
    }
    if (st == PL_OK) {
        for (int t = 0; t < PL_TS_NID; t++)
            if (res->w2.id_idx[t] >= 0 && res->w2.id_proj[t] >= 0.5 &&
                res->w2.s[res->w2.id_idx[t]] > res->w2.edge)
                res->n_spikes++;
    }
    if (st == PL_OK && (want & WANT_W1))
        st = pl_ts_analyse(run.W1, run.a, run.B, edge_mode(p), p->v[P_MARGIN], 4, &res->w1);
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
    if (st == PL_OK && (want & WANT_READOUT) && p->v[P_LAMBDA] > 0) {
        /* the same training and test data for W_2 and for W_0 (a paired comparison) */
        pl_rng r6 = pl_rng_substream(rng, 6), r7 = pl_rng_substream(rng, 6);
        /* 2N training samples: away from the interpolation peak at n_train = N */
        st = pl_ts_ridge_readout(&c, run.W2, run.B, p->v[P_LAMBDA], 2 * c.N, c.n, &r6,
                                 &res->test_mse, NULL);
        if (st == PL_OK)
            st = pl_ts_ridge_readout(&c, run.W0, run.B, p->v[P_LAMBDA], 2 * c.N, c.n, &r7,
                                     &res->test_mse0, NULL);
    }
    pl_ts_run_free(&run);
    if (st != PL_OK && st != PL_ENOMEM) {
        pl_record_fail(rec, st, "two-step run: %s", pl_strerror(st));
        return PL_OK;
    }
    return st;
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

static pl_status theory_core(const pl_params *p, int rel, theory_result *t, pl_record *rec)
{
    memset(t, 0, sizeof *t);
    char msg[256];
    if (make_config_rel(p, rel, &t->c, msg, sizeof msg)) {
        pl_record_fail(rec, PL_EINVAL, "%s", msg);
        return PL_EINVAL;
    }
    t->ratio = pl_ts_ratio(t->c.alpha1, t->c.alpha2);
    t->kmax = pl_ts_kmax(t->c.alpha1, t->c.alpha2);
    t->n_new = pl_ts_count_new(t->c.alpha1, t->c.alpha2, t->c.act);
    t->edge = pl_ts_mp_edge(t->c.N, t->c.d) * (1 + p->v[P_MARGIN]);
    t->sp_status = pl_ts_theory_spikes(&t->c, &t->sp);
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

static void spike_note(pl_record *rec, const theory_result *t)
{
    if (t->sp_status != PL_OK)
        snprintf(rec->message, sizeof rec->message,
                 "finite-N spike theory unavailable (%s%s); counts and exponents are given",
                 pl_strerror(t->sp_status),
                 t->sp_status == PL_EUNSUPPORTED ? ": reused-batch self-terms need a smooth "
                                                   "activation"
                 : t->sp_status == PL_ENAN ? ": the activation overflows at this step size"
                                           : "");
}

/* ======================================================================================= */
/* twostep-spectrum                                                                        */

enum {
    S_S1, S_S2, S_S3, S_S4, S_S5, S_S6, S_EDGE, S_W0TOP, S_W1S1, S_W1S2, S_W1OUT, S_D1S1,
    S_D2S1, S_D2S2, S_NOUT, S_NNEW, S_NSPK, S_ID0, S_ID1, S_ID2, S_ID3, S_OV1, S_OV2, S_OV3,
    S_OV4, S_MSE, S_MSE0, S_L1, S_L2, S_NNEWFIN, S_EDGEFIT, SM
};
static const char *const spectrum_metrics[SM] = {
    "s1",    "s2",    "s3",    "s4",    "s5",    "s6",    "edge",   "w0_top",
    "w1_s1", "w1_s2", "w1_nout", "d1_s1", "d2_s1", "d2_s2", "n_outliers", "n_new_outliers",
    "n_spikes", "id_s0", "id_s1", "id_s2", "id_s3", "ov1", "ov2", "ov3",
    "ov4",   "test_mse", "test_mse0", "loss1", "loss2", "n_new_fin", "edge_fit"};

static pl_status spectrum_simulate(const pl_experiment *e, const pl_params *p, pl_rng *rng,
                                   pl_records *out)
{
    (void)e;
    pl_record *rec = pl_records_add(out, p, "sim:gd", 0);
    if (!rec) return PL_ENOMEM;
    sim_result r;
    pl_status st = simulate_core(p, rng, WANT_W0 | WANT_W1 | WANT_UPDATES | WANT_READOUT, &r, rec);
    if (st != PL_OK || rec->status != PL_REC_CONVERGED) return st;
    double *m = rec->metric;
    for (int j = 0; j < 6; j++) m[S_S1 + j] = sv_or_nan(&r.w2, (size_t)j);
    m[S_EDGE] = r.w2.edge;
    m[S_EDGEFIT] = r.w2.edge_fit;
    m[S_W0TOP] = r.w0_top;
    m[S_W1S1] = sv_or_nan(&r.w1, 0);
    m[S_W1S2] = sv_or_nan(&r.w1, 1);
    m[S_W1OUT] = r.w1.n_out;
    m[S_D1S1] = sv_or_nan(&r.d1, 0);
    m[S_D2S1] = sv_or_nan(&r.d2, 0);
    m[S_D2S2] = sv_or_nan(&r.d2, 1);
    m[S_NOUT] = r.w2.n_out;
    m[S_NNEW] = new_outliers(&r.w2);
    m[S_NSPK] = r.n_spikes;
    for (int k = 0; k < 4; k++) m[S_ID0 + k] = identified_sv(&r.w2, k);
    for (int j = 0; j < 4; j++) m[S_OV1 + j] = r.w2.beta_ov[j];
    m[S_MSE] = r.test_mse;
    m[S_MSE0] = r.test_mse0;
    m[S_L1] = r.loss[0];
    m[S_L2] = r.loss[1];
    if (r.w2.n_out_capped)
        snprintf(rec->message, sizeof rec->message,
                 "at least %d singular values above the threshold (count capped)", r.w2.n_out);
    return PL_OK;
}

static pl_status spectrum_theory(const pl_experiment *e, const pl_params *p, pl_records *out)
{
    (void)e;
    pl_record *rec = pl_records_add(out, p, "theory", -1);
    if (!rec) return PL_ENOMEM;
    theory_result t;
    if (theory_core(p, 0, &t, rec) != PL_OK) return PL_OK;
    double *m = rec->metric;
    m[S_EDGE] = t.edge;
    m[S_W0TOP] = pl_ts_mp_edge(t.c.N, t.c.d);
    m[S_W1OUT] = 1;
    m[S_NNEW] = t.n_new;
    m[S_NOUT] = t.n_new + 1;
    if (t.sp_status == PL_OK) {
        for (int j = 0; j < 6 && (size_t)j < t.sp.nspike; j++) m[S_S1 + j] = t.sp.sv[j];
        for (int j = 0; j < 4 && (size_t)j < t.sp.nspike; j++) m[S_OV1 + j] = t.sp.beta_ov[j];
        m[S_W1S1] = t.sp.w1_sv;
        m[S_NNEWFIN] = theory_fin_outliers(&t);
    }
    spike_note(rec, &t);
    return PL_OK;
}

/* Histogram of the singular values of W_2 for the first simulated cell and seed (recomputed
 * from its random stream), the MP density of W_0, the threshold and the predicted outliers. */
static pl_status spectrum_plot(const pl_experiment *e, const pl_records *recs, const char *file,
                               char *err, size_t errlen)
{
    const char *dev;
    pl_status pst = pl_plot_target(file, &dev, err, errlen);
    if (pst != PL_OK) return pst;
    const pl_record *sim = NULL, *th = NULL;
    for (size_t i = 0; i < recs->n; i++) {
        if (!sim && recs->rec[i].seed >= 0 && recs->rec[i].status == PL_REC_CONVERGED)
            sim = &recs->rec[i];
    }
    if (!sim) {
        snprintf(err, errlen, "plot: no finished simulation to draw a spectrum of");
        return PL_EINVAL;
    }
    for (size_t i = 0; i < recs->n; i++)
        if (recs->rec[i].seed < 0 && !memcmp(&recs->rec[i].params, &sim->params, sizeof sim->params))
            th = &recs->rec[i];
    pl_ts_config c;
    char msg[256];
    if (make_config(&sim->params, &c, msg, sizeof msg)) {
        snprintf(err, errlen, "plot: %s", msg);
        return PL_EINVAL;
    }
    pl_rng rng;
    pl_rng_init(&rng, (uint64_t)sim->seed, pl_cell_stream(e, &sim->params));
    pl_ts_run run;
    pl_status st = pl_ts_run_alloc(&run, &c);
    if (st != PL_OK) return st;
    size_t m = c.N < c.d ? c.N : c.d;
    double *s = malloc(m * sizeof *s);
    if (!s) st = PL_ENOMEM;
    if (st == PL_OK) st = pl_ts_run_train(&run, &rng);
    if (st == PL_OK) st = pl_ts_all_sv(run.W2, s);
    pl_ts_run_free(&run);
    if (st != PL_OK) {
        free(s);
        snprintf(err, errlen, "plot: recomputing the spectrum failed: %s", pl_strerror(st));
        return st;
    }
    double edge = pl_record_get(sim, e, "edge"), cr = (double)c.N / (double)c.d;
    double mp_hi = 1 + sqrt(cr);
    double xmax = fmax(s[0], th ? pl_record_get(th, e, "s1") : 0) * 1.05;
    /* bulk histogram on [0, ~1.6 * edge], outliers beyond it as marks on a log axis */
    double hmax = 1.6 * mp_hi;
    enum { NB = 60 };
    double cnt[NB] = {0}, xb[NB];
    for (size_t i = 0; i < m; i++) {
        int b = (int)(s[i] / hmax * NB);
        if (b >= 0 && b < NB) cnt[b] += 1;
    }
    double ymax = 0;
    for (int b = 0; b < NB; b++) {
        xb[b] = (b + 0.5) * hmax / NB;
        cnt[b] /= (double)m * hmax / NB; /* density */
        ymax = fmax(ymax, cnt[b]);
    }
    char geom[64];
    snprintf(geom, sizeof geom, "%dx%d", 1100, 520);
    plsdev(dev);
    plsfnam(file);
    plsetopt("geometry", geom);
    plscmap0n(16);
    plscol0(0, 255, 255, 255);
    plscol0(15, 0, 0, 0);
    plscol0(1, 31, 119, 180);
    plscol0(2, 214, 39, 40);
    plscol0(3, 44, 160, 44);
    plscol0(4, 127, 127, 127);
    plssub(2, 1);
    plinit();
    plfontld(1);
    /* panel 1: the bulk with the MP density of W_0 */
    pladv(0);
    plcol0(15);
    plvsta();
    plwind(0, hmax, 0, ymax * 1.15);
    plbox("bcnst", 0, 0, "bcnstv", 0, 0);
    char title[256];
    snprintf(title, sizeof title, "W2 bulk, N=%zu d=%zu n=%zu", c.N, c.d, c.n);
    pllab("singular value", "density", title);
    plcol0(1);
    plbin(NB, xb, cnt, PL_BIN_CENTRED);
    /* MP density of the singular values of W_0: rho_s(s) = 2 s rho_MP(s^2) (ratio N/d) */
    double xs[400], ys[400];
    int np = 0;
    for (int i = 0; i < 400; i++) {
        double x = hmax * (i + 0.5) / 400;
        double dens = 2 * x * pl_mp_density(x * x, cr, 1.0) * (cr > 1 ? 1 / cr : 1.0);
        if (cr > 1) dens *= cr; /* density per nonzero singular value */
        xs[np] = x;
        ys[np++] = isfinite(dens) ? dens : 0;
    }
    plcol0(3);
    plwidth(2);
    plline(np, xs, ys);
    plwidth(1);
    plcol0(2);
    pllsty(2);
    double lx[2] = {edge, edge}, ly[2] = {0, ymax * 1.15};
    plline(2, lx, ly);
    pllsty(1);
    /* panel 2: every singular value above half the edge on a log axis, theory marks */
    pladv(0);
    plcol0(15);
    plvsta();
    double lo = log10(0.8 * mp_hi), hi = log10(xmax);
    if (hi <= lo) hi = lo + 0.5;
    plwind(lo, hi, 0, 3.2);
    plbox("bcnstl", 0, 0, "bc", 0, 0);
    snprintf(title, sizeof title, "top: simulation, bottom: theory");
    pllab("singular value", "", title);
    for (size_t i = 0; i < m && s[i] > 0.8 * mp_hi; i++) {
        double x[2] = {log10(s[i]), log10(s[i])}, y[2] = {1.8, s[i] > edge ? 3.0 : 2.3};
        plcol0(s[i] > edge ? 1 : 4);
        plline(2, x, y);
    }
    if (th) {
        plcol0(3);
        plwidth(2);
        for (int j = 0; j < 6; j++) {
            char nm[8];
            snprintf(nm, sizeof nm, "s%d", j + 1);
            double v = pl_record_get(th, e, nm);
            if (!(v > edge)) continue;
            double x[2] = {log10(v), log10(v)}, y[2] = {0.2, 1.4};
            plline(2, x, y);
        }
        plwidth(1);
    }
    plcol0(2);
    pllsty(2);
    double ex[2] = {log10(edge), log10(edge)}, ey[2] = {0, 3.2};
    plline(2, ex, ey);
    pllsty(1);
    plend();
    free(s);
    return PL_OK;
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
        "ov1..ov4, n_new_fin). --plot draws the histogram of all singular values of W2 for the "
        "first cell and seed.",
    .params = spectrum_params,
    .n_params = NP,
    .metrics = spectrum_metrics,
    .n_metrics = SM,
    .default_sweep = "alpha1=0.45 alpha2=0.4",
    .default_seeds = 1,
    .plot_x = "alpha2",
    .plot_y = "s1,s2,s3",
    .check = ts_check,
    .simulate = spectrum_simulate,
    .theory = spectrum_theory,
    .plot = spectrum_plot,
};

/* ======================================================================================= */
/* twostep-phase                                                                           */

enum { PH_NNEW, PH_NOUT, PH_NSPK, PH_S1, PH_S2, PH_S3, PH_RATIO, PH_NNEWFIN, PH_EDGE, PHM };
static const char *const phase_metrics[PHM] = {"n_new_outliers", "n_outliers", "n_spikes",
                                               "s1", "s2", "s3", "ratio", "n_new_fin", "edge"};

static pl_status phase_simulate(const pl_experiment *e, const pl_params *p, pl_rng *rng,
                                pl_records *out)
{
    (void)e;
    pl_record *rec = pl_records_add(out, p, "sim:gd", 0);
    if (!rec) return PL_ENOMEM;
    sim_result r;
    pl_status st = simulate_core(p, rng, 0, &r, rec);
    if (st != PL_OK || rec->status != PL_REC_CONVERGED) return st;
    double *m = rec->metric;
    m[PH_NNEW] = new_outliers(&r.w2);
    m[PH_NOUT] = r.w2.n_out;
    m[PH_NSPK] = r.n_spikes;
    for (int j = 0; j < 3; j++) m[PH_S1 + j] = sv_or_nan(&r.w2, (size_t)j);
    m[PH_RATIO] = pl_ts_ratio(p->v[P_ALPHA1], p->v[P_ALPHA2]);
    m[PH_EDGE] = r.w2.edge;
    if (r.w2.n_out_capped)
        snprintf(rec->message, sizeof rec->message,
                 "at least %d singular values above the threshold (count capped)", r.w2.n_out);
    return PL_OK;
}

static pl_status phase_theory(const pl_experiment *e, const pl_params *p, pl_records *out)
{
    (void)e;
    pl_record *rec = pl_records_add(out, p, "theory", -1);
    if (!rec) return PL_ENOMEM;
    theory_result t;
    if (theory_core(p, 0, &t, rec) != PL_OK) return PL_OK;
    double *m = rec->metric;
    m[PH_NNEW] = t.n_new;
    m[PH_NOUT] = t.n_new + 1;
    m[PH_RATIO] = t.ratio;
    m[PH_EDGE] = t.edge;
    if (t.sp_status == PL_OK) {
        for (int j = 0; j < 3; j++) m[PH_S1 + j] = t.sp.sv[j];
        m[PH_NNEWFIN] = theory_fin_outliers(&t);
    }
    spike_note(rec, &t);
    return PL_OK;
}

/* Two heat maps over (alpha1, alpha2): the simulated count into FILE and the predicted one
 * into FILE with "-theory" before the extension. */
static pl_status phase_plot(const pl_experiment *e, const pl_records *recs, const char *file,
                            char *err, size_t errlen)
{
    int has_sim = 0, has_th = 0;
    for (size_t i = 0; i < recs->n; i++) {
        if (recs->rec[i].seed >= 0) has_sim = 1;
        else has_th = 1;
    }
    pl_heatmap_opts o = {.x = "alpha1", .y = "alpha2", .z = "n_new_outliers", .ncontours = 0};
    pl_status st = PL_OK;
    char tfile[1024];
    const char *dot = strrchr(file, '.');
    if (has_sim) {
        o.source = "sim:gd";
        o.title = "twostep-phase: simulated new outliers";
        st = pl_plot_heatmap(file, e, recs, &o, err, errlen);
    }
    if (st == PL_OK && has_th) {
        if (has_sim && dot && (size_t)(dot - file) + 16 < sizeof tfile)
            snprintf(tfile, sizeof tfile, "%.*s-theory%s", (int)(dot - file), file, dot);
        else
            snprintf(tfile, sizeof tfile, "%s", file);
        o.source = "theory";
        o.title = "twostep-phase: floor(alpha2/(1/2-alpha1)) (non-vanishing terms)";
        st = pl_plot_heatmap(tfile, e, recs, &o, err, errlen);
        if (st == PL_OK && has_sim) fprintf(stderr, "plot written to %s\n", tfile);
    }
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
        "terms k = 0..3 by their left singular vectors. --plot writes the simulated heat map "
        "to FILE and the predicted one to FILE-theory.",
    .params = phase_params,
    .n_params = NP,
    .metrics = phase_metrics,
    .n_metrics = PHM,
    .default_sweep = "alpha1=0:0.45:0.05 alpha2=0.05:0.45:0.05",
    .default_seeds = 1,
    .plot_x = "alpha2",
    .plot_y = "n_new_outliers",
    .check = ts_check,
    .simulate = phase_simulate,
    .theory = phase_theory,
    .plot = phase_plot,
};

/* ======================================================================================= */
/* twostep-scaling                                                                         */

enum {
    SC_S1, SC_S2, SC_S3, SC_S4, SC_TH1, SC_TH2, SC_TH3, SC_ID1, SC_ID2, SC_EDGE, SC_NOUT,
    SC_SLOPE0, SC_SLOPE1, SC_SLOPE2, SCM
};
static const char *const scaling_metrics[SCM] = {
    "s1", "s2", "s3", "s4", "theta1", "theta2", "theta3", "id_s1", "id_s2", "edge",
    "n_outliers", "slope0", "slope1", "slope2"};

static pl_status scaling_simulate(const pl_experiment *e, const pl_params *p, pl_rng *rng,
                                  pl_records *out)
{
    (void)e;
    pl_record *rec = pl_records_add(out, p, "sim:gd", 0);
    if (!rec) return PL_ENOMEM;
    sim_result r;
    pl_status st = simulate_core(p, rng, WANT_REL, &r, rec);
    if (st != PL_OK || rec->status != PL_REC_CONVERGED) return st;
    double *m = rec->metric, cr = 1 / p->v[P_D];
    for (int j = 0; j < 4; j++) m[SC_S1 + j] = sv_or_nan(&r.w2, (size_t)j);
    for (int j = 0; j < 3; j++) m[SC_TH1 + j] = pl_ts_bbp_theta(m[SC_S1 + j], cr);
    m[SC_ID1] = identified_sv(&r.w2, 1);
    m[SC_ID2] = identified_sv(&r.w2, 2);
    m[SC_EDGE] = r.w2.edge;
    m[SC_NOUT] = r.w2.n_out;
    return PL_OK;
}

static pl_status scaling_theory(const pl_experiment *e, const pl_params *p, pl_records *out)
{
    (void)e;
    pl_record *rec = pl_records_add(out, p, "theory", -1);
    if (!rec) return PL_ENOMEM;
    theory_result t;
    if (theory_core(p, 1, &t, rec) != PL_OK) return PL_OK;
    double *m = rec->metric, cr = (double)t.c.N / (double)t.c.d;
    if (t.sp_status == PL_OK) {
        for (int j = 0; j < 4; j++) m[SC_S1 + j] = t.sp.sv[j];
        for (int j = 0; j < 3; j++) m[SC_TH1 + j] = t.sp.theta[j] > pow(cr, 0.25) ? t.sp.theta[j] : NAN;
        m[SC_ID1] = t.sp.sv[1];
        m[SC_ID2] = t.sp.sv[2];
    }
    m[SC_EDGE] = t.edge;
    m[SC_NOUT] = t.n_new + 1;
    /* asymptotic log-log slopes of the main spike and of the first two new outliers */
    m[SC_SLOPE0] = pl_ts_exponent(t.c.alpha1, t.c.alpha2, 0);
    for (int j = 1; j <= 2; j++) {
        int k = pl_ts_nth_term(t.c.alpha1, t.c.alpha2, t.c.act, j);
        if (k < 0) {
            /* the next non-vanishing term even if it is below the bulk asymptotically */
            int seen = 0;
            for (int q = 1; q < 64 && k < 0; q++)
                if (!t.c.act->hermite_zero((size_t)q + 1) && ++seen == j) k = q;
        }
        m[SC_SLOPE0 + j] = pl_ts_exponent(t.c.alpha1, t.c.alpha2, k);
    }
    spike_note(rec, &t);
    return PL_OK;
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
    .n_params = NP,
    .metrics = scaling_metrics,
    .n_metrics = SCM,
    .default_sweep = "N=250,500,1000,2000 bulk=mp",
    .default_seeds = 2,
    .plot_x = "N",
    .plot_y = "s1,s2,s3",
    .plot_logx = 1,
    .plot_logy = 1,
    .check = ts_check_rel,
    .simulate = scaling_simulate,
    .theory = scaling_theory,
};

/* ======================================================================================= */
/* twostep-align                                                                           */

enum {
    A_OV1, A_OV2, A_OV3, A_OV4, A_OV5, A_OV6, A_OVNEW, A_PROJNEW, A_SUBNEW, A_NOUT, A_KAL,
    A_ALPRED, A_DOV2, AM
};
static const char *const align_metrics[AM] = {
    "ov1", "ov2", "ov3", "ov4", "ov5", "ov6", "ov_new_max", "proj_new", "sub_new",
    "n_outliers", "k_align", "aligned_pred", "d_ov2_new"};

static pl_status align_simulate(const pl_experiment *e, const pl_params *p, pl_rng *rng,
                                pl_records *out)
{
    (void)e;
    pl_record *rec = pl_records_add(out, p, "sim:gd", 0);
    if (!rec) return PL_ENOMEM;
    sim_result r;
    pl_status st = simulate_core(p, rng, 0, &r, rec);
    if (st != PL_OK || rec->status != PL_REC_CONVERGED) return st;
    double *m = rec->metric;
    for (int j = 0; j < 6; j++)
        m[A_OV1 + j] = (size_t)j < r.w2.nsv && r.w2.s[j] > r.w2.edge ? r.w2.beta_ov[j] : NAN;
    /* new outliers: every outlier but the largest */
    double mx = 0, pr = 0, sb = 0;
    for (int j = 1; j < r.w2.n_out && (size_t)j < r.w2.nsv; j++) {
        mx = fmax(mx, r.w2.beta_ov[j]);
        pr += r.w2.beta_ov[j] * r.w2.beta_ov[j];
        sb += r.w2.sub_ov[j] * r.w2.sub_ov[j];
    }
    m[A_OVNEW] = mx;
    m[A_PROJNEW] = pr;
    m[A_SUBNEW] = sb;
    m[A_NOUT] = r.w2.n_out;
    m[A_DOV2] = (double)r.d * mx * mx;
    return PL_OK;
}

static pl_status align_theory(const pl_experiment *e, const pl_params *p, pl_records *out)
{
    (void)e;
    pl_record *rec = pl_records_add(out, p, "theory", -1);
    if (!rec) return PL_ENOMEM;
    theory_result t;
    if (theory_core(p, 0, &t, rec) != PL_OK) return PL_OK;
    double *m = rec->metric;
    int k = pl_ts_first_aligned_term(&t.c);
    m[A_KAL] = k;
    /* asymptotically the k-th term is an outlier iff k <= kmax */
    m[A_ALPRED] = k >= 1 && k <= t.kmax ? 1 : 0;
    m[A_NOUT] = t.n_new + 1;
    if (t.sp_status == PL_OK) {
        double mx = 0, pr = 0, sb = 0;
        for (int j = 0; j < 6 && (size_t)j < t.sp.nspike; j++)
            m[A_OV1 + j] = t.sp.sv[j] > t.edge ? t.sp.beta_ov[j] : NAN;
        for (size_t j = 1; j < t.sp.nspike; j++) {
            if (!(t.sp.sv[j] > t.edge)) continue;
            mx = fmax(mx, t.sp.beta_ov[j]);
            pr += t.sp.beta_ov[j] * t.sp.beta_ov[j];
            sb += t.sp.sub_ov[j] * t.sp.sub_ov[j];
        }
        m[A_OVNEW] = mx;
        m[A_PROJNEW] = pr;
        m[A_SUBNEW] = sb;
        m[A_DOV2] = p->v[P_D] * mx * mx;
    }
    spike_note(rec, &t);
    return PL_OK;
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
    .n_params = NP,
    .metrics = align_metrics,
    .n_metrics = AM,
    .default_sweep = "alpha2=0.05:0.45:0.05 batch=fresh,reused",
    .default_seeds = 4,
    .plot_x = "alpha2",
    .plot_y = "ov1,ov_new_max",
    .check = ts_check,
    .simulate = align_simulate,
    .theory = align_theory,
};
