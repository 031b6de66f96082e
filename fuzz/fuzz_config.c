/* libFuzzer harness: the JSON configuration loader, then the grid parser on the words it
 * builds (as `run --config` does). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = pl_fuzz_text(data, size);
    if (!text) return 0;
    run_args a;
    pl_cli_run_args_init(&a);
    if (pl_cli_load_config_text(&a, "fuzz.json", text) == 0) {
        if (a.seeds > PL_CLI_MAX_SEEDS || a.seed_base > PL_CLI_MAX_SEED || a.jobs < 1)
            abort();
        const pl_experiment *e = a.exp ? pl_experiment_find(a.exp) : NULL;
        if (e) {
            pl_grid g;
            pl_grid_init(&g, e);
            char err[512];
            for (int i = 0; i < a.nwords; i++) pl_grid_set(&g, a.words[i], err, sizeof err);
            pl_grid_free(&g);
        }
    }
    pl_cli_run_args_free(&a);
    free(text);
    return 0;
}
