/* libFuzzer harness: the argument parser of run / sweep / theory. The input is split into
 * arguments at newlines. --config is left out (its file contents have their own harness, and a
 * fuzzed path could name a device that never ends). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = pl_fuzz_text(data, size);
    if (!text) return 0;
    if (strstr(text, "--config")) {
        free(text);
        return 0;
    }
    char *argv[64];
    int argc = 0;
    char *save = NULL;
    for (char *w = strtok_r(text, "\n", &save); w && argc < 64; w = strtok_r(NULL, "\n", &save))
        argv[argc++] = w;
    run_args a;
    pl_cli_run_args_init(&a);
    if (pl_cli_parse_run_args(argc, argv, "run", &a) == 0) {
        if (a.seeds > PL_CLI_MAX_SEEDS || a.seed_base > PL_CLI_MAX_SEED || a.jobs < 1 ||
            a.nwords > PL_CLI_MAX_WORDS)
            abort(); /* accepted values lie in their documented ranges */
    }
    pl_cli_run_args_free(&a);
    free(text);
    return 0;
}
