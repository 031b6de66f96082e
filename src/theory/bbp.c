/* BBP (Baik–Ben Arous–Péché) predictions for the spiked models of spiked.h. */
#include <math.h>

#include "phaselab/spiked.h"

double pl_bbp_wigner_threshold(void) { return 1.0; }

double pl_bbp_cov_threshold(double alpha) { return 1.0 / sqrt(alpha); }

pl_bbp_prediction pl_bbp_wigner(double beta)
{
    pl_bbp_prediction p;
    p.above = beta > 1.0;
    /* above: outlier at beta + 1/beta with overlap^2 1 - 1/beta^2; below: bulk edge 2 */
    p.top_eig = p.above ? beta + 1.0 / beta : 2.0;
    p.overlap2 = p.above ? 1.0 - 1.0 / (beta * beta) : 0.0;
    return p;
}

pl_bbp_prediction pl_bbp_cov(double beta, double alpha)
{
    pl_bbp_prediction p;
    double g = 1.0 / alpha; /* aspect ratio d/n */
    p.above = alpha * beta * beta > 1.0;
    if (p.above) {
        p.top_eig = (1.0 + beta) * (1.0 + g / beta);
        p.overlap2 = (1.0 - g / (beta * beta)) / (1.0 + g / beta);
    } else {
        double e = 1.0 + sqrt(g);
        p.top_eig = e * e; /* Marchenko–Pastur right edge */
        p.overlap2 = 0.0;
    }
    return p;
}
