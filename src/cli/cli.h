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
/* Parse an integer option value in [lo, hi]; returns 0 on success, else prints a message naming
 * the option and the range and returns 2. */
int pl_cli_parse_long(const char *opt, const char *text, long lo, long hi, long *out);

#define PL_CLI_MAX_WORDS 256       /* key=value words of one run */
#define PL_CLI_MAX_SEEDS 1000000L  /* --seeds */
#define PL_CLI_MAX_SEED 4294967295L /* the largest seed number: seeds are 32-bit */
#define PL_CLI_MAX_JOBS 4096L

typedef enum { PL_FMT_TABLE, PL_FMT_CSV, PL_FMT_JSON, PL_FMT_NONE } pl_out_format;

/* Everything a run is told, from the configuration file and then the command line. */
typedef struct {
    const char *exp;
    const char *words[PL_CLI_MAX_WORDS]; /* key=value words, in order (config first) */
    int nwords;
    long seeds, seed_base, jobs, blas_threads;
    const char *store, *plot, *x, *y, *cont;
    int default_sweep, no_theory, logx, logy, direction, no_size_check;
    int progress_lines; /* --progress: progress lines from the start, terminal or not */
    pl_out_format fmt;
    struct cJSON *config;                /* parsed configuration file (owns strings) */
    char *owned[PL_CLI_MAX_WORDS];       /* words built from the configuration */
    int nowned;
} run_args;

/* Set the defaults of a run's arguments. */
void pl_cli_run_args_init(run_args *a);
/* Parse run/sweep/theory arguments (a --config file first, then the command line); 0 or an
 * exit code after printing a message. */
int pl_cli_parse_run_args(int argc, char **argv, const char *cmdname, run_args *a);
/* Read a JSON configuration given as text (path only names it in messages). */
int pl_cli_load_config_text(run_args *a, const char *path, const char *txt);
int pl_cli_add_word(run_args *a, const char *w);
void pl_cli_run_args_free(run_args *a);

#endif
