/* libFuzzer harness: the grid parser. The first byte picks the experiment, the rest is a list
 * of key=value words, one a line, given to pl_grid_set in turn; every accepted grid is counted
 * and its cells read back, which must lie inside each parameter's range. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const pl_experiment *e = pl_experiment_at(data[0] % pl_experiment_count());
    char *text = pl_fuzz_text(data + 1, size - 1);
    if (!text) return 0;
    pl_grid g;
    pl_grid_init(&g, e);
    char err[512], *save = NULL;
    for (char *w = strtok_r(text, "\n", &save); w; w = strtok_r(NULL, "\n", &save)) {
        if (pl_grid_set(&g, w, err, sizeof err)) continue;
        size_t n = pl_grid_cells(&g);
        if (n == 0) abort(); /* every parameter keeps at least one value */
        size_t probe[3] = {0, n / 2, n - 1};
        for (int k = 0; k < 3 && n != SIZE_MAX; k++) {
            pl_params p;
            pl_grid_cell(&g, probe[k], &p);
            for (size_t i = 0; i < e->n_params; i++)
                if (pl_param_check_value(e, (int)i, p.v[i], err, sizeof err)) abort();
        }
    }
    pl_grid_free(&g);
    free(text);
    return 0;
}
