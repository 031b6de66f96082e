/* The `phaselab` command: parses, validates, dispatches. No numerics here. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#ifdef PL_HAVE_MPI
#include <mpi.h>
/* Initialise MPI only when started by a launcher (mpirun / srun), not for a plain run. */
static int under_mpi_launcher(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK");
}
#endif

static const char *const usage_text =
    "usage: phaselab <command> [arguments]\n"
    "\n"
    "Solvable models of high-dimensional learning: sample, run, solve the theory, sweep, plot.\n"
    "\n"
    "commands:\n"
    "  list                         experiments, one line each\n"
    "  help EXP                     an experiment's parameters (defaults, ranges, meaning)\n"
    "  run EXP [key=value ...]      simulation + theory over the grid of the given values\n"
    "      [--seeds N] [--seed-base S] [--store FILE] [--plot FILE.png|.svg|.pdf]\n"
    "      [--format table|csv|json|none] [--default-sweep] [--no-theory] [--progress] [--x P] [--y M,...]\n"
    "      [--logx] [--logy] [--jobs J (default: all cores)] [--blas-threads T (default 1)]\n"
    "      [--direction up|down] [--continue PARAM]\n"
    "      [--config FILE.json]\n"
    "  sweep EXP [key=value ...]    the same as run (under mpirun: rank 0 coordinates and\n"
    "                               writes the store, the other ranks compute)\n"
    "  theory EXP [key=value ...]   theory only (same options as run)\n"
    "  threshold EXP --param P --metric M (--above L | --below L) [--lo A --hi B]\n"
    "      [--source theory|sim] [--seeds N] [--tol T] [key=value ...]\n"
    "                               bisect P for where M crosses the level L\n"
    "  export --store FILE [--csv|--jsonl] [--experiment EXP]\n"
    "  plot --store FILE EXP [--x PARAM] [--y METRIC[,METRIC]] [--out FILE] [--logx] [--logy]\n"
    "      [--z METRIC (heat map over --x and --y parameters)] [--width W] [--height H]\n"
    "  unlock --store FILE          remove the writer lock of a run that is gone\n"
    "\n"
    "A value may be a list (alpha=0.5,1,2) or a range start:stop:step (alpha=0.2:2:0.1);\n"
    "run then sweeps the Cartesian product of the grids. With --store, records are written\n"
    "as soon as they exist and a rerun of the same command skips what is stored.\n"
    "\n"
    "options: --help, --version\n";

int pl_cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("phaselab: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

const pl_experiment *pl_cli_find_experiment(const char *name)
{
    char err[256];
    const pl_experiment *e = pl_experiment_lookup(name, err, sizeof err);
    if (!e) pl_cli_error("%s", err);
    return e;
}

static int cmd_list(void)
{
    for (size_t i = 0; i < pl_experiment_count(); i++) {
        const pl_experiment *e = pl_experiment_at(i);
        printf("%-18s %s\n", e->name, e->summary);
    }
    return 0;
}

static int cmd_help(int argc, char **argv)
{
    if (argc < 1) return pl_cli_error("help: which experiment? (see: phaselab list)");
    const pl_experiment *e = pl_cli_find_experiment(argv[0]);
    if (!e) return 2;
    printf("%s — %s\n\n%s\n\nparameters:\n", e->name, e->summary, e->description);
    for (size_t i = 0; i < e->n_params; i++) {
        const pl_param_spec *ps = &e->params[i];
        char def[64], range[96];
        pl_param_format(e, (int)i, ps->def, def, sizeof def);
        if (ps->type == PL_PARAM_CHOICE)
            pl_param_choices(e, (int)i, range, sizeof range);
        else
            snprintf(range, sizeof range, "%s %c%g, %g%c", ps->type == PL_PARAM_INT ? "int" : "real",
                     ps->lo_open ? '(' : '[', ps->lo, ps->hi, ps->hi_open ? ')' : ']');
        printf("  %-12s default %-10s %-26s %s\n", ps->name, def, range, ps->help);
    }
    printf("\nmetrics:");
    for (size_t k = 0; k < e->n_metrics; k++) printf(" %s", pl_metric_name(e, k));
    for (size_t k = 0; e->metric_map && k < e->n_metrics; k++)
        if (e->metric_map[k].help)
            printf("%s  %-12s %s", k ? "\n" : "\n", e->metric_map[k].name, e->metric_map[k].help);
    int sim = pl_experiment_has_sim(e), th = pl_experiment_has_theory(e);
    printf("\nsources: %s%s%s\n", sim ? "sim:<algorithm>" : "", sim && th ? ", " : "",
           th ? "theory" : "");
    if (e->default_sweep)
        printf("default sweep (--default-sweep): %s --seeds %d\n", e->default_sweep,
               e->default_seeds);
    printf("default plot: --x %s --y %s%s%s\n", e->plot_x, e->plot_y, e->plot_logx ? " --logx" : "",
           e->plot_logy ? " --logy" : "");
    return 0;
}

static int dispatch(int argc, char **argv);

int main(int argc, char **argv)
{
#ifdef PL_HAVE_MPI
    int mpi = under_mpi_launcher();
    if (mpi) MPI_Init(&argc, &argv);
    int rc = dispatch(argc, argv);
    if (mpi) MPI_Finalize();
    return rc;
#else
    return dispatch(argc, argv);
#endif
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_text, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        if (strcmp(cmd, "help") == 0 && argc > 2) return cmd_help(argc - 2, argv + 2);
        fputs(usage_text, stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("phaselab %s\n", PL_VERSION);
        return 0;
    }
    if (strcmp(cmd, "list") == 0) return cmd_list();
    if (strcmp(cmd, "run") == 0 || strcmp(cmd, "sweep") == 0)
        return pl_cmd_run(argc - 2, argv + 2, 0);
    if (strcmp(cmd, "threshold") == 0) return pl_cmd_threshold(argc - 2, argv + 2);
    if (strcmp(cmd, "unlock") == 0) return pl_cmd_unlock(argc - 2, argv + 2);
    if (strcmp(cmd, "theory") == 0) return pl_cmd_run(argc - 2, argv + 2, 1);
    if (strcmp(cmd, "export") == 0) return pl_cmd_export(argc - 2, argv + 2);
    if (strcmp(cmd, "plot") == 0) return pl_cmd_plot(argc - 2, argv + 2);
    const char *cmds[] = {"list", "help", "run", "sweep", "theory", "threshold", "export",
                          "plot", "unlock"};
    const char *near = pl_closest_name(cmd, cmds, sizeof cmds / sizeof cmds[0]);
    if (near) return pl_cli_error("unknown command '%s' (did you mean '%s'?)", cmd, near);
    return pl_cli_error("unknown command '%s' (see: phaselab --help)", cmd);
}
