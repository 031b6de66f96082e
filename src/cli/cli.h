#ifndef PHASELAB_CLI_H
#define PHASELAB_CLI_H

#include "phaselab/experiment.h"
#include "phaselab/job.h"
#include "phaselab/report.h"
#include "phaselab/store.h"
#include "phaselab/sweep.h"

int pl_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const pl_experiment *pl_cli_find_experiment(const char *name);
int pl_cmd_run(int argc, char **argv, int theory_only);
int pl_cmd_export(int argc, char **argv);
int pl_cmd_plot(int argc, char **argv);
int pl_cmd_threshold(int argc, char **argv);
int pl_cmd_unlock(int argc, char **argv);
/* Parse a non-negative integer option value; returns 0 on success. */
int pl_cli_parse_count(const char *opt, const char *text, long *out);

#endif
