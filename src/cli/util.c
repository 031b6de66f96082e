/* Helpers shared by the commands (and by the fuzzing harnesses, which link the commands without
 * main): error messages and experiment look-up. */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

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
    const pl_experiment *e = pl_experiment_find(name);
    if (e) return e;
    const char *names[256];
    size_t n = pl_experiment_count();
    if (n > 256) n = 256;
    for (size_t i = 0; i < n; i++) names[i] = pl_experiment_at(i)->name;
    const char *near = pl_closest_name(name, names, n);
    if (near)
        pl_cli_error("unknown experiment '%s' (did you mean '%s'?)", name, near);
    else
        pl_cli_error("unknown experiment '%s' (see: phaselab list)", name);
    return NULL;
}
