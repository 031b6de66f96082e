/* libFuzzer harness: the stored-parameter reader (the params JSON of a store's records). The
 * first byte picks the experiment. Parameters read back are written again (canonical key and
 * JSON, as the store and the exporters do), and that JSON must read back to the same values. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "phaselab/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const pl_experiment *e = pl_experiment_at(data[0] % pl_experiment_count());
    char *text = pl_fuzz_text(data + 1, size - 1);
    if (!text) return 0;
    pl_params p, q;
    char err[256], key[4096];
    if (pl_params_from_json(e, text, &p, err, sizeof err) == PL_OK) {
        pl_params_key(e, &p, key, sizeof key);
        char *j = pl_params_json(e, &p);
        if (!j) abort();
        if (pl_params_from_json(e, j, &q, err, sizeof err) != PL_OK) abort();
        for (size_t i = 0; i < e->n_params; i++)
            if (!(p.v[i] == q.v[i] || (isnan(p.v[i]) && isnan(q.v[i])))) abort();
        free(j);
    }
    free(text);
    return 0;
}
