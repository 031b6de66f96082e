/* Family 5: the finite-d simulation (power-law teacher, data, one ERM solver), through
 * family 4's sensing operator and solvers (quadnet.h). */
#include "phaselab/quadscale.h"

#include <math.h>
#include <stdlib.h>

#include "phaselab/quadnet.h"

pl_status pl_qs_simulate(pl_rng *rng, const double *w, size_t d, size_t p, size_t n,
                         double delta, double lambda_t, int solver, double tol, size_t maxit,
                         pl_qs_sim *out)
{
    if (d < 2 || p < 1 || p > d || n < 1 || !(lambda_t > 0) || !(delta >= 0)) return PL_EINVAL;
    pl_rng rt = pl_rng_substream(rng, 1), rd = pl_rng_substream(rng, 2),
           ri = pl_rng_substream(rng, 3);
    pl_mat Ss = pl_mat_alloc(d, d), X = pl_mat_alloc(n, d), work = pl_mat_alloc(n, d),
           S = pl_mat_alloc(d, d), B = {0, 0, 0, NULL};
    double *y = malloc(n * sizeof *y);
    pl_status st = (Ss.data && X.data && work.data && S.data && y) ? PL_OK : PL_ENOMEM;
    if (st == PL_OK) st = pl_qn_teacher_spectrum(&rt, w, Ss);
    if (st == PL_OK) st = pl_qn_sample(&rd, Ss, delta, X, y, work);
    pl_mat_free(&work);
    /* (1/d^2) sum res^2 + lambda_t Tr S/d = 4 alpha_lin [(1/4n) sum res^2 + (lambda/d) Tr S] */
    double alpha = (double)n / ((double)d * (double)d), scale = 4 * alpha;
    pl_qn_problem pb = {X, y, lambda_t / scale, p};
    pl_qn_opts o = pl_qn_default_opts();
    o.tol = tol;
    o.maxit = maxit;
    pl_qn_result res = {PL_OK, 0, NAN, NAN, NAN};
    if (st == PL_OK) {
        if (solver == PL_QS_FISTA) {
            res = pl_qn_fista(&pb, &o, S);
        } else {
            B = pl_mat_alloc(d, p);
            if (!B.data) st = PL_ENOMEM;
            else {
                pl_rng_normal_mat(&ri, B, 1 / sqrt((double)d)); /* B_ij ~ N(0, 1/d) */
                res = pl_qn_lbfgs(&pb, &o, B);
                st = pl_syrk(PL_NOTRANS, 1.0, B, 0.0, S);
            }
        }
    }
    pl_qn_metrics m;
    if (st == PL_OK) st = pl_qn_evaluate(&pb, Ss, S, 1e-6, &m, NULL);
    if (st == PL_OK) {
        out->err = m.mse;
        out->train = scale * m.train_loss;
        out->objective = scale * m.objective;
        out->rank = m.rank;
        out->iterations = res.iterations;
        out->status = res.status;
    }
    pl_mat_free(&Ss);
    pl_mat_free(&X);
    pl_mat_free(&S);
    pl_mat_free(&B);
    free(y);
    return st;
}
