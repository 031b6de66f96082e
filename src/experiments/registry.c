/* The experiment registry: the list of experiments, in family order. Adding one: its file in
 * src/experiments/ defines `const pl_experiment pl_exp_<name>`; declare it here and list it. */
#include <string.h>

#include "phaselab/experiment.h"

extern const pl_experiment pl_exp_bbp;
extern const pl_experiment pl_exp_mim_threshold, pl_exp_mim_spectral, pl_exp_mim_gamp;
extern const pl_experiment pl_exp_aim_se, pl_exp_aim_threshold, pl_exp_aim_gamp, pl_exp_aim_gd;
extern const pl_experiment pl_exp_rbm_gd, pl_exp_rbm_amp, pl_exp_rbm_threshold,
    pl_exp_rbm_dynamics;
extern const pl_experiment pl_exp_quad_erm, pl_exp_quad_threshold, pl_exp_quad_bo,
    pl_exp_quad_spectrum;
extern const pl_experiment pl_exp_quad_width, pl_exp_quad_data, pl_exp_quad_phase;
extern const pl_experiment pl_exp_twostep_spectrum, pl_exp_twostep_phase,
    pl_exp_twostep_scaling, pl_exp_twostep_align;
extern const pl_experiment pl_exp_hier_threshold, pl_exp_hier_recovery, pl_exp_hier_spectrum,
    pl_exp_hier_baselines;
extern const pl_experiment pl_exp_lofi_k, pl_exp_lofi_width, pl_exp_lofi_vs_rf,
    pl_exp_lofi_filters;
extern const pl_experiment pl_exp_bo_channel, pl_exp_bo_width, pl_exp_bo_student, pl_exp_bo_hmc;

static const pl_experiment *const registry[] = {
    &pl_exp_bbp,
    /* 1. multi-index models */
    &pl_exp_mim_threshold, &pl_exp_mim_spectral, &pl_exp_mim_gamp,
    /* 2. attention-indexed model */
    &pl_exp_aim_se, &pl_exp_aim_threshold, &pl_exp_aim_gamp, &pl_exp_aim_gd,
    /* 3. RBM on spiked covariance */
    &pl_exp_rbm_gd, &pl_exp_rbm_amp, &pl_exp_rbm_threshold, &pl_exp_rbm_dynamics,
    /* 4. quadratic networks, the nuclear route */
    &pl_exp_quad_erm, &pl_exp_quad_threshold, &pl_exp_quad_bo, &pl_exp_quad_spectrum,
    /* 5. width x data scaling laws */
    &pl_exp_quad_width, &pl_exp_quad_data, &pl_exp_quad_phase,
    /* 6. two gradient steps */
    &pl_exp_twostep_spectrum, &pl_exp_twostep_phase, &pl_exp_twostep_scaling,
    &pl_exp_twostep_align,
    /* 7. hierarchical power-law targets */
    &pl_exp_hier_threshold, &pl_exp_hier_recovery, &pl_exp_hier_spectrum,
    &pl_exp_hier_baselines,
    /* 8. Neural LoFi */
    &pl_exp_lofi_k, &pl_exp_lofi_width, &pl_exp_lofi_vs_rf, &pl_exp_lofi_filters,
    /* 9. Bayes-optimal extensive-width networks */
    &pl_exp_bo_channel, &pl_exp_bo_width, &pl_exp_bo_student, &pl_exp_bo_hmc,
};

size_t pl_experiment_count(void) { return sizeof registry / sizeof registry[0]; }

const pl_experiment *pl_experiment_at(size_t i)
{
    return i < pl_experiment_count() ? registry[i] : NULL;
}

const pl_experiment *pl_experiment_find(const char *name)
{
    for (size_t i = 0; i < pl_experiment_count(); i++)
        if (strcmp(registry[i]->name, name) == 0) return registry[i];
    return NULL;
}
