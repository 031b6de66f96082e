/* Experiments `bo-student` (Adam) and `bo-hmc` (posterior sampling) for family 9. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/bo.h"
#include "phaselab/experiment.h"
#include "bo_exp.h"

/* theory of a (d, k, delta, profile, alpha) point: eps_BO, k_c and the overlaps q (k) */
static pl_status point_theory(const pl_bo_act_type *act, size_t d, size_t k, double delta,
                              int prof, double beta, double tau, double alpha, double *v,
                              pl_bo_fp *r, double *q, char *msg, size_t len)
{
    pl_bo_channel ch;
    pl_status st = pl_bo_exp_channel(act, PL_HERMITE_LMAX, &ch);
    if (st != PL_OK && st != PL_ENOCONV) {
        snprintf(msg, len, "%s", ch.message);
        return st;
    }
    st = pl_bo_profile_fill((pl_bo_profile)prof, prof == PL_BO_POWER ? beta : tau, k, v);
    if (st != PL_OK) {
        snprintf(msg, len, "readout profile could not be normalised");
        return st;
    }
    double nd = (double)pl_bo_exp_n(alpha, d) / (double)d;
    pl_bo_fp_opts o = pl_bo_fp_default_opts();
    o.scan = 100; /* several stable fixed points: the equilibrium (largest free entropy) */
    st = pl_bo_solve(&ch, k, v, nd, delta, &o, r, q);
    if (st != PL_OK) snprintf(msg, len, "BO fixed point: %s", pl_strerror(st));
    return st;
}

/* ---------------------------------------------------------------- bo-student */

enum { MODE_FULL, MODE_KC, MODE_FIXED, MODE_BEST };

typedef struct {
    long d, k;
    double delta, beta, alpha;
    int profile;
    const pl_bo_act_type *act;
    double tau;
    int width_mode;
    long width, epochs, nbatch;
    double lr;
    long ntest;
    double a0;
} s_point;
typedef struct {
    double test_mse, recovered, width, train_loss, eps_bo, k_c;
} s_result;

static const pl_param_spec s_params[] = {
    {PL_P_INT(s_point, d, 200, 2, 1e6, "input dimension")},
    {PL_P_INT(s_point, k, 100, 1, 1e6, "teacher width (<= d: orthogonal rows)")},
    {PL_P_REAL(s_point, delta, 0.01, 0, 1e6, "label noise variance")},
    {PL_P_REAL(s_point, beta, 1.0, 0, 100, "power-law exponent of v")},
    {PL_P_REAL(s_point, alpha, 2.0, 0, 1e6, "n / d^2"), .lo_open = 1},
    {PL_P_CHOICE(s_point, profile, PL_BO_POWER, "power|dense|exp", "readout profile")},
    {PL_P_PTABLE(s_point, act, pl_bo_act_types, 1,
                 "activation of teacher and student (the paper's Adam runs: tanh2)")},
    {PL_P_REAL(s_point, tau, 20, 0, 1e9, "decay length of the exp profile"), .lo_open = 1},
    {PL_P_CHOICE(s_point, width_mode, MODE_FULL, "full|kc|fixed|best",
                 "student width: k, k_c(theory), `width`, or the best of 10, 20, ..., k")},
    {PL_P_INT(s_point, width, 20, 1, 1e6, "width for width_mode=fixed")},
    {PL_P_INT(s_point, epochs, 10000, 1, 1e8, "epochs (the paper: 10000)")},
    {PL_P_INT(s_point, nbatch, 3, 1, 1e6,
              "sequential full-size minibatches per epoch (batch n/nbatch)")},
    {PL_P_REAL(s_point, lr, 3e-3, 0, 10, "Adam learning rate"), .lo_open = 1},
    {PL_P_INT(s_point, ntest, 10000, 1, 1e8, "clean test points")},
    {PL_P_REAL(s_point, a0, -1, -1, 1e3,
               "readout init; -1: 0, or p^-1/2 for width_mode=kc (the paper's)")},
};
static const pl_metric_spec s_metrics[] = {
    PL_METRIC(s_result, test_mse, "MSE against clean labels (theory: eps_BO, the Bayes bound)"),
    PL_METRIC(s_result, recovered, "teacher features with max |cosine| > 0.7 to a student row "
                                   "(theory: k_c)"),
    PL_METRIC(s_result, width, "student width used"),
    PL_METRIC(s_result, train_loss, "last training loss"),
    PL_METRIC(s_result, eps_bo, "Bayes-optimal error of the point"),
    PL_METRIC(s_result, k_c, "effective width of the point"),
};

static const char *s_check(const void *pt, char *buf, size_t len)
{
    const s_point *p = pt;
    size_t d = (size_t)p->d, k = (size_t)p->k;
    if (k > d) {
        snprintf(buf, len, "k = %zu > d = %zu: the teacher's rows are orthogonal (k <= d)", k, d);
        return buf;
    }
    size_t n = pl_bo_exp_n(p->alpha, d);
    if (n < (size_t)p->nbatch) {
        snprintf(buf, len, "n = %zu samples is fewer than nbatch", n);
        return buf;
    }
    return NULL;
}

/* train one student of width w; returns test MSE, recovered count, last train loss */
static pl_status train_one(const s_point *p, const pl_bo_teacher *t, pl_mat X,
                           const double *y, pl_mat Xt, const double *yt, size_t w, double a0,
                           pl_rng *rng, double *mse, double *rec, double *train)
{
    size_t d = t->d, n = X.rows, nb = (size_t)p->nbatch;
    size_t bs = n / nb, bmax = bs > 4096 ? bs : 4096;
    pl_bo_student s;
    pl_status st = pl_bo_student_init(&s, rng, d, w, t->act, a0, p->lr, bmax);
    if (st != PL_OK) return st;
    pl_mat gU = pl_mat_alloc(w, d);
    double *ga = malloc(w * sizeof *ga);
    if (!gU.data || !ga) st = PL_ENOMEM;
    size_t ep = (size_t)p->epochs;
    double L = NAN;
    for (size_t e = 0; e < ep && st == PL_OK; e++) st = pl_bo_student_epoch(&s, X, y, nb, gU, ga, &L);
    if (st == PL_OK) st = pl_bo_student_test(&s, Xt, yt, mse);
    if (st == PL_OK) {
        *rec = (double)pl_bo_recovered(t->W, s.U, 0.7);
        *train = L;
    }
    free(ga);
    pl_mat_free(&gU);
    pl_bo_student_free(&s);
    return st;
}

static pl_status s_sim(const pl_experiment *e, const void *pt, pl_rng *rng, pl_emitter *em)
{
    const s_point *p = pt;
    s_result res;
    pl_result_clear(e, &res);
    size_t d = (size_t)p->d, k = (size_t)p->k, nt = (size_t)p->ntest;
    size_t n = pl_bo_exp_n(p->alpha, d);
    const pl_bo_act_type *act = p->act;
    double *v = malloc(k * sizeof *v), *q = malloc(k * sizeof *q);
    double *y = malloc(n * sizeof *y), *yt = malloc(nt * sizeof *yt);
    pl_mat X = pl_mat_alloc(n, d), Xt = pl_mat_alloc(nt, d);
    pl_bo_teacher t = {0};
    pl_status st = (v && q && y && yt && X.data && Xt.data) ? PL_OK : PL_ENOMEM;
    pl_bo_fp r = {0};
    char msg[PL_MSG_LEN] = "";
    pl_status fail = PL_OK;
    if (st == PL_OK) {
        st = point_theory(act, d, k, p->delta, p->profile, p->beta, p->tau, p->alpha, v, &r, q,
                          msg, sizeof msg);
        if (st != PL_OK) {
            fail = st;
            st = PL_OK;
            goto done;
        }
    }
    pl_rng rt = pl_rng_substream(rng, 1), rx = pl_rng_substream(rng, 2),
           rs = pl_rng_substream(rng, 3);
    if (st == PL_OK) st = pl_bo_teacher_init(&t, &rt, d, k, v, p->delta, act, 1);
    if (st == PL_OK) st = pl_bo_sample(&t, &rx, X, y);
    if (st == PL_OK) {
        t.delta = 0.0; /* clean test labels */
        st = pl_bo_sample(&t, &rx, Xt, yt);
        t.delta = p->delta;
    }
    if (st != PL_OK) goto done;
    size_t kc = (size_t)r.k_c;
    if (kc == 0) kc = 1;
    double a0 = p->a0;
    double mse = NAN, recov = NAN, train = NAN, width = NAN;
    if (p->width_mode == MODE_BEST) {
        double best = INFINITY;
        for (size_t w = 10; w <= k + 9; w += 10) {
            size_t ww = w > k ? k : w;
            double m1, r1, t1;
            pl_rng rw = pl_rng_substream(&rs, ww);
            st = train_one(p, &t, X, y, Xt, yt, ww, a0 < 0 ? 0.0 : a0, &rw, &m1, &r1, &t1);
            if (st != PL_OK) break;
            if (m1 < best) {
                best = m1;
                mse = m1;
                recov = r1;
                train = t1;
                width = (double)ww;
            }
            if (ww == k) break;
        }
    } else {
        size_t w = p->width_mode == MODE_FULL ? k
                                              : (p->width_mode == MODE_KC ? kc : (size_t)p->width);
        if (a0 < 0) a0 = p->width_mode == MODE_KC ? 1.0 / sqrt((double)w) : 0.0;
        st = train_one(p, &t, X, y, Xt, yt, w, a0, &rs, &mse, &recov, &train);
        width = (double)w;
    }
    if (st == PL_ENAN || st == PL_EDIVERGED) {
        fail = st;
        snprintf(msg, sizeof msg, "Adam diverged (NaN loss): try a smaller lr");
        st = PL_OK;
    }
    res.test_mse = mse;
    res.recovered = recov;
    res.width = width;
    res.train_loss = train;
    res.eps_bo = r.eps;
    res.k_c = r.k_c;
done:
    free(v);
    free(q);
    free(y);
    free(yt);
    pl_mat_free(&X);
    pl_mat_free(&Xt);
    pl_bo_teacher_free(&t);
    if (st == PL_ENOMEM) return st;
    pl_record *rec = pl_emit(em, "sim:adam", &res);
    if (!rec) return PL_ENOMEM;
    if (fail != PL_OK)
        pl_record_fail(rec, fail, "%s", msg);
    else if (st != PL_OK)
        pl_record_fail(rec, st, "bo-student: %s", pl_strerror(st));
    return PL_OK;
}

static pl_status s_solve(const pl_experiment *e, const void *pt, pl_emitter *em)
{
    const s_point *p = pt;
    size_t d = (size_t)p->d, k = (size_t)p->k;
    double *v = malloc(k * sizeof *v), *q = malloc(k * sizeof *q);
    if (!v || !q) {
        free(v);
        free(q);
        return PL_ENOMEM;
    }
    pl_bo_fp r;
    char msg[PL_MSG_LEN] = "";
    pl_status st = point_theory(p->act, d, k, p->delta, p->profile, p->beta, p->tau, p->alpha,
                                v, &r, q, msg, sizeof msg);
    free(v);
    free(q);
    if (st == PL_ENOMEM) return st;
    /* the BO error is the lower bound for any student's test MSE against clean labels */
    s_result res;
    pl_result_clear(e, &res);
    res.test_mse = r.eps;
    res.eps_bo = r.eps;
    res.k_c = r.k_c;
    res.recovered = r.k_c;
    pl_record *rec = pl_emit(em, "theory", &res);
    if (!rec) return PL_ENOMEM;
    if (st != PL_OK) pl_record_fail(rec, st, "%s", msg);
    return PL_OK;
}

const pl_experiment pl_exp_bo_student = {
    .name = "bo-student",
    .summary = "Adam-trained two-layer student vs the Bayes-optimal error (full width, width "
               "k_c, best width, fixed width)",
    .description =
        "Teacher as in bo-width with orthogonal rows of norm sqrt(d); student f(x) = sum_j a_j "
        "sigma(u_j.x), p rows, PyTorch's Linear init divided by sqrt(d), trainable readout "
        "(a0 = 0, or p^-1/2 for width k_c), Adam (lr 3e-3, defaults b1 .9, b2 .999) on the "
        "MSE over `nbatch` sequential minibatches per epoch, every row renormalised to unit "
        "norm after each epoch. test_mse: MSE against clean labels (not halved); recovered: "
        "teacher features with max |cosine| > 0.7 to a student row. The theory record gives "
        "eps_BO (as test_mse: the Bayes lower bound) and k_c (as recovered). The paper's "
        "runs (d = 200, n = alpha d^2, 10000 epochs) take hours on a CPU; the default sweep "
        "is a scaled-down version.",
    .params = s_params,
    .n_params = sizeof s_params / sizeof s_params[0],
    .point_size = sizeof(s_point),
    .metric_map = s_metrics,
    .n_metrics = sizeof s_metrics / sizeof s_metrics[0],
    .result_size = sizeof(s_result),
    .default_sweep = "d=40 k=20 alpha=1,2,4,8 width_mode=full,kc epochs=300 ntest=4000 a0=0",
    .default_seeds = 3,
    .plot_x = "alpha",
    .plot_y = "test_mse,recovered",
    .plot_logx = 1,
    .plot_logy = 1,
    .check_point = s_check,
    .sim = s_sim,
    .solve = s_solve,
};

/* ---------------------------------------------------------------- bo-hmc */

typedef struct {
    long d, k;
    double delta, beta, alpha;
    int profile;
    const pl_bo_act_type *act;
    double tau;
    long samples, keep, leapfrog;
    double step;
    long ntest, orth;
    int init;
} h_point;
typedef struct {
    double gibbs_err, eps_hmc, k_c, accept, step_final, overlap_kc;
} h_result;

static const pl_param_spec h_params[] = {
    {PL_P_INT(h_point, d, 40, 2, 1e5, "input dimension")},
    {PL_P_INT(h_point, k, 20, 1, 1e5, "teacher width")},
    {PL_P_REAL(h_point, delta, 0.04, 0, 1e6, "label noise variance"), .lo_open = 1},
    {PL_P_REAL(h_point, beta, 0.3, 0, 100, "power-law exponent of v")},
    {PL_P_REAL(h_point, alpha, 1.0, 0, 1e6, "n / d^2"), .lo_open = 1},
    {PL_P_CHOICE(h_point, profile, PL_BO_POWER, "power|dense|exp", "readout profile")},
    {PL_P_PTABLE(h_point, act, pl_bo_act_types, 0, "activation (the paper's HMC: tanh2-nolin)")},
    {PL_P_REAL(h_point, tau, 20, 0, 1e9, "decay length of the exp profile"), .lo_open = 1},
    {PL_P_INT(h_point, samples, 2000, 1, 1e8,
              "HMC proposals (all with step-size adaptation, as the paper)")},
    {PL_P_INT(h_point, keep, 400, 1, 1e8,
              "last samples over which the test error is averaged")},
    {PL_P_INT(h_point, leapfrog, 10, 1, 1e5, "leapfrog steps")},
    {PL_P_REAL(h_point, step, 0.01, 0, 10, "initial step size"), .lo_open = 1},
    {PL_P_INT(h_point, ntest, 40000, 1, 1e8, "clean test points")},
    {PL_P_INT(h_point, orth, 0, 0, 1,
              "teacher rows: 0 = i.i.d. N(0,1) (the prior: Nishimori exact), 1 = orthogonal")},
    {PL_P_CHOICE(h_point, init, 0, "informed|random",
                 "informed: first k_c(theory) rows = the teacher's, the rest N(0,1)")},
};
static const pl_metric_spec h_metrics[] = {
    PL_METRIC(h_result, gibbs_err, "mean test error of the kept samples (theory: 2 eps_BO)"),
    PL_METRIC(h_result, eps_hmc, "gibbs_err / 2 (the paper's halved convention)"),
    PL_METRIC(h_result, k_c, "effective width of the theory"),
    PL_METRIC(h_result, accept, "acceptance rate"),
    PL_METRIC(h_result, step_final, "adapted step size"),
    PL_METRIC(h_result, overlap_kc, "cosine of row k_c with the teacher's (theory: m_e)"),
};

static const char *h_check(const void *pt, char *buf, size_t len)
{
    const h_point *p = pt;
    if (p->orth && p->k > p->d) {
        snprintf(buf, len, "orth=1 needs k <= d");
        return buf;
    }
    if (p->keep > p->samples) {
        snprintf(buf, len, "keep = %ld exceeds samples = %ld", p->keep, p->samples);
        return buf;
    }
    return NULL;
}

static pl_status h_sim(const pl_experiment *e, const void *pt, pl_rng *rng, pl_emitter *em)
{
    const h_point *p = pt;
    h_result res;
    pl_result_clear(e, &res);
    size_t d = (size_t)p->d, k = (size_t)p->k, nt = (size_t)p->ntest;
    size_t n = pl_bo_exp_n(p->alpha, d);
    const pl_bo_act_type *act = p->act;
    double *v = malloc(k * sizeof *v), *q = malloc(k * sizeof *q), *ov = malloc(k * sizeof *ov);
    double *y = malloc((n ? n : 1) * sizeof *y), *yt = malloc(nt * sizeof *yt);
    pl_mat X = pl_mat_alloc(n ? n : 1, d), Xt = pl_mat_alloc(nt, d), W = pl_mat_alloc(k, d);
    pl_bo_teacher t = {0};
    pl_status st = (v && q && ov && y && yt && X.data && Xt.data && W.data) ? PL_OK : PL_ENOMEM;
    pl_bo_fp r = {0};
    char msg[PL_MSG_LEN] = "";
    pl_status fail = PL_OK;
    if (st == PL_OK && n == 0) {
        fail = PL_EINVAL;
        snprintf(msg, sizeof msg, "n = alpha d^2 rounds to 0 samples");
        goto done;
    }
    if (st == PL_OK) {
        st = point_theory(act, d, k, p->delta, p->profile, p->beta, p->tau, p->alpha, v, &r, q,
                          msg, sizeof msg);
        if (st != PL_OK) {
            fail = st;
            st = PL_OK;
            goto done;
        }
    }
    pl_rng rt = pl_rng_substream(rng, 1), rx = pl_rng_substream(rng, 2),
           rh = pl_rng_substream(rng, 3);
    if (st == PL_OK) st = pl_bo_teacher_init(&t, &rt, d, k, v, p->delta, act, (int)p->orth);
    if (st == PL_OK) st = pl_bo_sample(&t, &rx, X, y);
    if (st == PL_OK) {
        t.delta = 0.0;
        st = pl_bo_sample(&t, &rx, Xt, yt);
        t.delta = p->delta;
    }
    if (st != PL_OK) goto done;
    /* informed initialisation: first k_c rows from the teacher, the rest from the prior */
    pl_rng_normal_mat(&rh, W, 1.0);
    size_t kc = p->init == 0 ? (size_t)r.k_c : 0;
    for (size_t i = 0; i < kc; i++) memcpy(&PL_AT(W, i, 0), &PL_AT(t.W, i, 0), d * sizeof(double));
    pl_bo_hmc_opts o = pl_bo_hmc_default_opts();
    o.nsamples = o.nadapt = (size_t)p->samples;
    o.nkeep = (size_t)p->keep;
    o.leapfrog = (size_t)p->leapfrog;
    o.step = p->step;
    pl_bo_hmc_result hr = {.overlaps = ov};
    st = pl_bo_hmc(&t, X, y, Xt, yt, &rh, &o, W, &hr);
    if (st == PL_ENAN) {
        fail = st;
        snprintf(msg, sizeof msg, "HMC produced a NaN (step size too large?)");
        st = PL_OK;
        goto done;
    }
    if (st != PL_OK) goto done;
    res.gibbs_err = hr.gibbs;
    res.eps_hmc = 0.5 * hr.gibbs;
    res.k_c = r.k_c;
    res.accept = hr.accept;
    res.step_final = hr.step;
    if (r.k_c >= 1) res.overlap_kc = ov[(size_t)r.k_c - 1];
done:
    free(v);
    free(q);
    free(ov);
    free(y);
    free(yt);
    pl_mat_free(&X);
    pl_mat_free(&Xt);
    pl_mat_free(&W);
    pl_bo_teacher_free(&t);
    if (st == PL_ENOMEM) return st;
    pl_record *rec = pl_emit(em, "sim:hmc", &res);
    if (!rec) return PL_ENOMEM;
    if (fail != PL_OK)
        pl_record_fail(rec, fail, "%s", msg);
    else if (st != PL_OK)
        pl_record_fail(rec, st, "bo-hmc: %s", pl_strerror(st));
    return PL_OK;
}

static pl_status h_solve(const pl_experiment *e, const void *pt, pl_emitter *em)
{
    const h_point *p = pt;
    size_t d = (size_t)p->d, k = (size_t)p->k;
    double *v = malloc(k * sizeof *v), *q = malloc(k * sizeof *q);
    if (!v || !q) {
        free(v);
        free(q);
        return PL_ENOMEM;
    }
    pl_bo_fp r;
    char msg[PL_MSG_LEN] = "";
    pl_status st = point_theory(p->act, d, k, p->delta, p->profile, p->beta, p->tau, p->alpha,
                                v, &r, q, msg, sizeof msg);
    h_result res;
    pl_result_clear(e, &res);
    res.gibbs_err = 2.0 * r.eps; /* Nishimori: Gibbs error = 2 eps_BO */
    res.eps_hmc = r.eps;
    res.k_c = r.k_c;
    if (r.k_c >= 1 && st == PL_OK) res.overlap_kc = q[(size_t)r.k_c - 1];
    free(v);
    free(q);
    if (st == PL_ENOMEM) return st;
    pl_record *rec = pl_emit(em, "theory", &res);
    if (!rec) return PL_ENOMEM;
    if (st != PL_OK) pl_record_fail(rec, st, "%s", msg);
    return PL_OK;
}

const pl_experiment pl_exp_bo_hmc = {
    .name = "bo-hmc",
    .summary = "Hamiltonian Monte Carlo on the posterior of extensive-width networks vs the BO "
               "theory (Gibbs error = 2 eps_BO)",
    .description =
        "Posterior over W (k x d) with prior N(0,1) entries, likelihood exp(-sum (y - "
        "f_W(x))^2/(2 delta)), readout v known. HMC with `leapfrog` steps, step-size "
        "adaptation (x(1 + 0.01) when the acceptance probability exceeds 0.75, /(1 + 0.01) "
        "otherwise) during all `samples`, informed initialisation (rows i <= k_c(theory) "
        "set to the teacher's, the rest drawn from the prior). gibbs_err = mean over the last "
        "`keep` samples of E_x (f_W(x) - f*(x))^2 (on `ntest` clean points), eps_hmc = "
        "gibbs_err/2 (the paper's halved convention), overlap_kc = cosine of row k_c with "
        "the teacher's (theory: m_e). The theory record gives gibbs_err = 2 eps_BO.",
    .params = h_params,
    .n_params = sizeof h_params / sizeof h_params[0],
    .point_size = sizeof(h_point),
    .metric_map = h_metrics,
    .n_metrics = sizeof h_metrics / sizeof h_metrics[0],
    .result_size = sizeof(h_result),
    .default_sweep = "d=40 k=20 alpha=0.25,0.5,1,1.5,2 samples=300 keep=150 ntest=4000",
    .default_seeds = 3,
    .plot_x = "alpha",
    .plot_y = "eps_hmc,overlap_kc",
    .check_point = h_check,
    .sim = h_sim,
    .solve = h_solve,
};
