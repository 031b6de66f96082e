/* Family 4 solvers at finite d: FISTA on S (convex nuclear-norm PSD sensing), gradient descent
 * and L-BFGS on the Burer–Monteiro factor W. All minimise
 *     (1/(4n)) sum_mu (y_mu - <X_mu, S>)^2 + (lambda/d) Tr S,   S = W W^T (>= 0).
 */
#include <lbfgs.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/quadnet.h"

pl_qn_opts pl_qn_default_opts(void)
{
    pl_qn_opts o = {20000, 1e-9, 0};
    return o;
}

static pl_qn_opts opts_or_default(const pl_qn_opts *o)
{
    pl_qn_opts d = pl_qn_default_opts();
    if (!o) return d;
    pl_qn_opts r = *o;
    if (r.maxit == 0) r.maxit = d.maxit;
    if (!(r.tol > 0)) r.tol = d.tol;
    return r;
}

double pl_qn_objective(const pl_qn_problem *pb, pl_mat S, pl_mat work, double *train_loss)
{
    size_t n = pb->X.rows, d = pb->X.cols;
    double *r = malloc(n * sizeof *r);
    if (!r || pl_qn_sense(pb->X, S, r, work) != PL_OK) {
        free(r);
        return NAN;
    }
    double tl = 0;
    for (size_t mu = 0; mu < n; mu++) tl += (r[mu] - pb->y[mu]) * (r[mu] - pb->y[mu]);
    free(r);
    tl /= 4.0 * (double)n;
    if (train_loss) *train_loss = tl;
    return tl + pb->lambda / (double)d * pl_mat_trace(S);
}

/* ------------------------------------------------------------------ FISTA */

typedef struct {
    size_t n, d;
    pl_mat work;    /* n x d */
    pl_mat E;       /* d x d eigenvectors */
    pl_mat V;       /* d x d scaled eigenvectors */
    double *w;      /* d eigenvalues */
} fista_ws;

/* S = prox(Z): eigenvalues nu - thr clipped at 0, top kmax kept; Z is destroyed. Returns the
 * number of positive eigenvalues kept. */
static pl_status prox_psd(pl_mat Z, double thr, size_t kmax, fista_ws *ws, pl_mat S,
                          size_t *rank)
{
    size_t d = Z.rows;
    pl_status st = pl_syev(Z, ws->w); /* Z now holds the eigenvectors (columns) */
    if (st != PL_OK) return st;
    size_t r = 0;
    for (size_t i = d; i-- > 0 && r < kmax;) {
        double f = ws->w[i] - thr;
        if (!(f > 0)) break;
        double s = sqrt(f);
        for (size_t a = 0; a < d; a++) PL_AT(ws->V, a, r) = PL_AT(Z, a, i) * s;
        r++;
    }
    *rank = r;
    if (r == 0) {
        pl_mat_set_zero(S);
        return PL_OK;
    }
    return pl_syrk(PL_NOTRANS, 1.0, pl_mat_sub(ws->V, 0, 0, d, r), 0.0, S);
}

static double data_term(const double *As, const double *y, size_t n)
{
    double s = 0;
    for (size_t mu = 0; mu < n; mu++) s += (As[mu] - y[mu]) * (As[mu] - y[mu]);
    return s / (4.0 * (double)n);
}

/* Largest eigenvalue of M -> (1/2n) A*(A(M)) on symmetric matrices by power iteration. */
static pl_status fista_lipschitz(const pl_qn_problem *pb, fista_ws *ws, pl_mat M, pl_mat R,
                                 double *r, double *L)
{
    size_t d = ws->d, n = ws->n;
    pl_rng rng;
    pl_rng_init(&rng, 12345, 0x715a);
    pl_rng_goe(&rng, M, 1.0);
    double nrm = sqrt(pl_mat_frob2(M)), est = 0;
    for (int it = 0; it < 40; it++) {
        pl_scal(d * d, 1 / nrm, M.data); /* M is contiguous (d x d alloc) */
        pl_status st = pl_qn_sense(pb->X, M, r, ws->work);
        if (st == PL_OK) st = pl_qn_sense_adj(pb->X, r, R, ws->work);
        if (st != PL_OK) return st;
        pl_scal(d * d, 1 / (2.0 * (double)n), R.data);
        double new_est = pl_dot(d * d, R.data, M.data);
        pl_mat_copy(M, R);
        nrm = sqrt(pl_mat_frob2(M));
        if (it > 5 && fabs(new_est - est) < 1e-4 * new_est) {
            est = new_est;
            break;
        }
        est = new_est;
    }
    *L = est;
    return isfinite(est) && est > 0 ? PL_OK : PL_ENAN;
}

pl_qn_result pl_qn_fista(const pl_qn_problem *pb, const pl_qn_opts *opts, pl_mat S)
{
    pl_qn_result res = {PL_OK, 0, NAN, NAN, NAN};
    pl_qn_opts o = opts_or_default(opts);
    size_t n = pb->X.rows, d = pb->X.cols;
    if (S.rows != d || S.cols != d || n == 0 || !(pb->lambda >= 0)) {
        res.status = PL_EINVAL;
        return res;
    }
    size_t kmax = (pb->rank_max == 0 || pb->rank_max > d) ? d : pb->rank_max;
    fista_ws ws = {n, d, pl_mat_alloc(n, d), pl_mat_alloc(d, d), pl_mat_alloc(d, d),
                   malloc(d * sizeof(double))};
    pl_mat Sc = pl_mat_alloc(d, d), Y = pl_mat_alloc(d, d), G = pl_mat_alloc(d, d),
           Sn = pl_mat_alloc(d, d);
    double *As = malloc(n * sizeof(double)), *Ay = malloc(n * sizeof(double)),
           *Asn = malloc(n * sizeof(double)), *r = malloc(n * sizeof(double));
    pl_status st = (ws.work.data && ws.E.data && ws.V.data && ws.w && Sc.data && Y.data &&
                    G.data && Sn.data && As && Ay && Asn && r)
                       ? PL_OK
                       : PL_ENOMEM;
    double step = o.step;
    if (st == PL_OK && !(step > 0)) {
        double L;
        st = fista_lipschitz(pb, &ws, G, Sn, r, &L);
        step = 1 / (1.02 * L);
    }
    if (st == PL_OK) {
        pl_mat_copy(Sc, S);
        st = pl_qn_sense(pb->X, Sc, As, ws.work);
    }
    double t = 1, thr_unit = pb->lambda / (double)d;
    size_t it = 0;
    double resid = INFINITY;
    if (st == PL_OK) {
        pl_mat_copy(Y, Sc);
        memcpy(Ay, As, n * sizeof(double));
    }
    for (; st == PL_OK && it < o.maxit; it++) {
        /* gradient of the data term at Y: (1/2n) A*(A(Y) - y) */
        for (size_t mu = 0; mu < n; mu++) r[mu] = Ay[mu] - pb->y[mu];
        st = pl_qn_sense_adj(pb->X, r, G, ws.work);
        if (st != PL_OK) break;
        pl_scal(d * d, 1 / (2.0 * (double)n), G.data);
        double fY = data_term(Ay, pb->y, n);
        size_t rank = 0;
        for (int bt = 0;; bt++) {
            /* Sn = prox(Y - step G) */
            for (size_t i = 0; i < d * d; i++) ws.E.data[i] = Y.data[i] - step * G.data[i];
            st = prox_psd(ws.E, step * thr_unit, kmax, &ws, Sn, &rank);
            /* A(Sn) from the factor Sn = V V^T (rank k): 2 n d k flops instead of 2 n d^2 */
            if (st == PL_OK && rank == 0) memset(Asn, 0, n * sizeof(double));
            else if (st == PL_OK)
                st = pl_qn_sense_factor(pb->X, pl_mat_sub(ws.V, 0, 0, d, rank), Asn,
                                        pl_mat_sub(ws.work, 0, 0, n, rank));
            if (st != PL_OK) break;
            /* sufficient decrease of the smooth part (backtracking if the Lipschitz
             * estimate was too small) */
            double fn = data_term(Asn, pb->y, n), lin = 0, quad = 0;
            for (size_t i = 0; i < d * d; i++) {
                double dd = Sn.data[i] - Y.data[i];
                lin += G.data[i] * dd;
                quad += dd * dd;
            }
            if (fn <= fY + lin + quad / (2 * step) + 1e-12 * fabs(fY) || bt >= 30) break;
            step *= 0.5;
        }
        if (st != PL_OK) break;
        /* residual, restart test, momentum */
        double dn = 0, sn = 0, rs = 0;
        for (size_t i = 0; i < d * d; i++) {
            double a = Sn.data[i] - Y.data[i];
            dn += a * a;
            sn += Sn.data[i] * Sn.data[i];
            rs += (Y.data[i] - Sn.data[i]) * (Sn.data[i] - Sc.data[i]);
        }
        resid = sqrt(dn) / fmax(1.0, sqrt(sn));
        if (!isfinite(resid)) {
            st = PL_ENAN;
            break;
        }
        double tn = 0.5 * (1 + sqrt(1 + 4 * t * t)), beta = (t - 1) / tn;
        if (rs > 0) { /* adaptive restart (O'Donoghue–Candès) */
            tn = 1;
            beta = 0;
        }
        for (size_t i = 0; i < d * d; i++) {
            Y.data[i] = Sn.data[i] + beta * (Sn.data[i] - Sc.data[i]);
            Sc.data[i] = Sn.data[i];
        }
        for (size_t mu = 0; mu < n; mu++) {
            Ay[mu] = Asn[mu] + beta * (Asn[mu] - As[mu]);
            As[mu] = Asn[mu];
        }
        t = tn;
        if (resid < o.tol) {
            it++;
            break;
        }
    }
    if (st == PL_OK) {
        pl_mat_copy(S, Sc);
        res.train_loss = data_term(As, pb->y, n);
        res.objective = res.train_loss + thr_unit * pl_mat_trace(Sc);
        if (!(resid < o.tol)) st = PL_ENOCONV;
    }
    res.status = st;
    res.iterations = it;
    res.residual = resid;
    pl_mat_free(&ws.work);
    pl_mat_free(&ws.E);
    pl_mat_free(&ws.V);
    free(ws.w);
    pl_mat_free(&Sc);
    pl_mat_free(&Y);
    pl_mat_free(&G);
    pl_mat_free(&Sn);
    free(As);
    free(Ay);
    free(Asn);
    free(r);
    return res;
}

/* ------------------------------------------------------------------ factor loss */

double pl_qn_factor_loss_grad(const pl_qn_problem *pb, pl_mat W, pl_mat grad, double *res,
                              pl_mat XW, pl_mat T, double *train)
{
    size_t n = pb->X.rows, d = pb->X.cols, m = W.cols;
    if (pl_qn_sense_factor(pb->X, W, res, XW) != PL_OK) return NAN;
    double tl = 0, sr = 0;
    for (size_t mu = 0; mu < n; mu++) {
        res[mu] -= pb->y[mu];
        tl += res[mu] * res[mu];
        sr += res[mu];
    }
    tl /= 4.0 * (double)n;
    double w2 = pl_mat_frob2(W);
    if (train) *train = tl;
    double L = tl + pb->lambda / (double)d * w2;
    if (grad.data) {
        /* grad = 2 G W + (2 lambda/d) W, G W = (X^T diag(res) X W - sum(res) W)/(2 n sqrt d) */
        double sc = 1 / ((double)n * sqrt((double)d));
        for (size_t mu = 0; mu < n; mu++)
            for (size_t j = 0; j < m; j++) PL_AT(T, mu, j) = res[mu] * PL_AT(XW, mu, j);
        if (pl_gemm(PL_TRANS, PL_NOTRANS, sc, pb->X, T, 0.0, grad) != PL_OK) return NAN;
        double c = -sr * sc + 2 * pb->lambda / (double)d;
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j < m; j++) PL_AT(grad, i, j) += c * PL_AT(W, i, j);
    }
    return L;
}

typedef struct {
    const pl_qn_problem *pb;
    size_t d, m;
    double *res;
    pl_mat XW, T;
    size_t evals;
} factor_ws;

static pl_status factor_ws_init(factor_ws *ws, const pl_qn_problem *pb, size_t m)
{
    size_t n = pb->X.rows;
    ws->pb = pb;
    ws->d = pb->X.cols;
    ws->m = m;
    ws->res = malloc(n * sizeof(double));
    ws->XW = pl_mat_alloc(n, m);
    ws->T = pl_mat_alloc(n, m);
    ws->evals = 0;
    return (ws->res && ws->XW.data && ws->T.data) ? PL_OK : PL_ENOMEM;
}

static void factor_ws_free(factor_ws *ws)
{
    free(ws->res);
    pl_mat_free(&ws->XW);
    pl_mat_free(&ws->T);
}

static double gnorm_rel(pl_mat G, pl_mat W, size_t d)
{
    return sqrt(pl_mat_frob2(G)) * (double)d / fmax(1.0, sqrt(pl_mat_frob2(W)));
}

/* ------------------------------------------------------------------ gradient descent */

pl_qn_result pl_qn_gd(const pl_qn_problem *pb, const pl_qn_opts *opts, pl_mat W)
{
    pl_qn_result res = {PL_OK, 0, NAN, NAN, NAN};
    pl_qn_opts o = opts_or_default(opts);
    size_t d = pb->X.cols, m = W.cols;
    if (W.rows != d || m == 0 || !(pb->lambda >= 0)) {
        res.status = PL_EINVAL;
        return res;
    }
    double eta = o.step > 0 ? o.step : 0.2;
    factor_ws ws;
    pl_status st = factor_ws_init(&ws, pb, m);
    pl_mat G = pl_mat_alloc(d, m), Wn = pl_mat_alloc(d, m), Gn = pl_mat_alloc(d, m);
    if (!G.data || !Wn.data || !Gn.data) st = PL_ENOMEM;
    double L = NAN, train = NAN, gn = INFINITY;
    if (st == PL_OK) {
        L = pl_qn_factor_loss_grad(pb, W, G, ws.res, ws.XW, ws.T, &train);
        if (!isfinite(L)) st = PL_ENAN;
    }
    size_t it = 0;
    for (; st == PL_OK && it < o.maxit; it++) {
        gn = gnorm_rel(G, W, d);
        if (gn < o.tol) break;
        double Ln = NAN, tn = NAN;
        int halvings = 0;
        for (;;) {
            double h = eta * (double)d;
            for (size_t i = 0; i < d; i++)
                for (size_t j = 0; j < m; j++)
                    PL_AT(Wn, i, j) = PL_AT(W, i, j) - h * PL_AT(G, i, j);
            Ln = pl_qn_factor_loss_grad(pb, Wn, Gn, ws.res, ws.XW, ws.T, &tn);
            if (isfinite(Ln) && Ln <= L) break;
            if (++halvings > 40) break;
            eta *= 0.5; /* the step overshot: halve it for good */
        }
        if (!(isfinite(Ln) && Ln <= L)) {
            /* no decrease even with tiny steps: at the floor of floating point */
            st = isfinite(Ln) ? (gn < 1e3 * o.tol ? PL_OK : PL_ENOCONV) : PL_EDIVERGED;
            break;
        }
        pl_mat_copy(W, Wn);
        pl_mat_copy(G, Gn);
        L = Ln;
        train = tn;
    }
    if (st == PL_OK && !(gn < o.tol)) {
        gn = gnorm_rel(G, W, d);
        if (!(gn < o.tol) && it >= o.maxit) st = PL_ENOCONV;
    }
    res.status = st;
    res.iterations = it;
    res.objective = L;
    res.train_loss = train;
    res.residual = gn;
    factor_ws_free(&ws);
    pl_mat_free(&G);
    pl_mat_free(&Wn);
    pl_mat_free(&Gn);
    return res;
}

/* ------------------------------------------------------------------ L-BFGS (liblbfgs) */

static lbfgsfloatval_t lbfgs_eval(void *inst, const lbfgsfloatval_t *x, lbfgsfloatval_t *g,
                                  const int nvar, const lbfgsfloatval_t step)
{
    (void)nvar;
    (void)step;
    factor_ws *ws = inst;
    pl_mat W = pl_mat_view((double *)x, ws->d, ws->m, ws->m);
    pl_mat G = pl_mat_view(g, ws->d, ws->m, ws->m);
    ws->evals++;
    double L = pl_qn_factor_loss_grad(ws->pb, W, G, ws->res, ws->XW, ws->T, NULL);
    return isfinite(L) ? L : INFINITY;
}

pl_qn_result pl_qn_lbfgs(const pl_qn_problem *pb, const pl_qn_opts *opts, pl_mat W)
{
    pl_qn_result res = {PL_OK, 0, NAN, NAN, NAN};
    pl_qn_opts o = opts_or_default(opts);
    size_t d = pb->X.cols, m = W.cols, N = d * m;
    if (W.rows != d || m == 0 || !(pb->lambda >= 0)) {
        res.status = PL_EINVAL;
        return res;
    }
    factor_ws ws;
    pl_status st = factor_ws_init(&ws, pb, m);
    lbfgsfloatval_t *x = lbfgs_malloc((int)N);
    if (!x) st = PL_ENOMEM;
    if (st != PL_OK) {
        factor_ws_free(&ws);
        lbfgs_free(x);
        res.status = st;
        return res;
    }
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < m; j++) x[i * m + j] = PL_AT(W, i, j);
    lbfgs_parameter_t prm;
    lbfgs_parameter_init(&prm);
    prm.m = 12;
    prm.epsilon = o.tol / (double)d; /* |g| / max(1, |x|) < epsilon */
    prm.max_iterations = (int)o.maxit;
    prm.past = 0;
    prm.max_linesearch = 60;
    lbfgsfloatval_t fx = 0;
    int ret = lbfgs((int)N, x, &fx, lbfgs_eval, NULL, &ws, &prm);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < m; j++) PL_AT(W, i, j) = x[i * m + j];
    pl_mat G = pl_mat_alloc(d, m);
    double train = NAN, L = NAN;
    if (G.data) L = pl_qn_factor_loss_grad(pb, W, G, ws.res, ws.XW, ws.T, &train);
    double gn = G.data ? gnorm_rel(G, W, d) : NAN;
    if (ret == LBFGS_SUCCESS || ret == LBFGS_CONVERGENCE || ret == LBFGS_STOP ||
        ret == LBFGS_ALREADY_MINIMIZED)
        st = PL_OK;
    else if (ret == LBFGSERR_ROUNDING_ERROR && isfinite(L) && gn < 1e-5)
        st = PL_OK; /* the line search cannot decrease f any more: floating-point floor */
    else if (!isfinite(L))
        st = PL_ENAN;
    else if (gn < 1e2 * o.tol)
        st = PL_OK; /* line search stopped at rounding level next to the optimum */
    else
        st = PL_ENOCONV;
    res.status = st;
    res.iterations = ws.evals;
    res.objective = L;
    res.train_loss = train;
    res.residual = gn;
    pl_mat_free(&G);
    factor_ws_free(&ws);
    lbfgs_free(x);
    return res;
}
