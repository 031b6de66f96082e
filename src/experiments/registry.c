/* The experiment registry: one line per experiment. */
#include <string.h>

#include "phaselab/experiment.h"

extern const pl_experiment pl_exp_bbp;
extern const pl_experiment pl_exp_mim_threshold, pl_exp_mim_spectral, pl_exp_mim_gamp;
extern const pl_experiment pl_exp_quad_erm, pl_exp_quad_threshold, pl_exp_quad_bo,
    pl_exp_quad_spectrum;
extern const pl_experiment pl_exp_quad_width, pl_exp_quad_data, pl_exp_quad_phase;
extern const pl_experiment pl_exp_bo_channel;
extern const pl_experiment pl_exp_bo_width;
extern const pl_experiment pl_exp_bo_student;
extern const pl_experiment pl_exp_bo_hmc;
extern const pl_experiment pl_exp_twostep_spectrum;
extern const pl_experiment pl_exp_twostep_phase;
extern const pl_experiment pl_exp_twostep_scaling;
extern const pl_experiment pl_exp_twostep_align;
extern const pl_experiment pl_exp_hier_threshold, pl_exp_hier_recovery, pl_exp_hier_spectrum,
    pl_exp_hier_baselines;

static const pl_experiment *const registry[] = {
    &pl_exp_bbp,
    &pl_exp_mim_threshold,
    &pl_exp_mim_spectral,
    &pl_exp_mim_gamp,
    &pl_exp_quad_erm,
    &pl_exp_quad_threshold,
    &pl_exp_quad_bo,
    &pl_exp_quad_spectrum,
    &pl_exp_quad_width,
    &pl_exp_quad_data,
    &pl_exp_quad_phase,
    &pl_exp_bo_channel,
    &pl_exp_bo_width,
    &pl_exp_bo_student,
    &pl_exp_bo_hmc,
    &pl_exp_twostep_spectrum,
    &pl_exp_twostep_phase,
    &pl_exp_twostep_scaling,
    &pl_exp_twostep_align,
    &pl_exp_hier_threshold,
    &pl_exp_hier_recovery,
    &pl_exp_hier_spectrum,
    &pl_exp_hier_baselines,
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
