/* IDX files (the MNIST family's format), read through zlib so that .gz files and plain files
 * both work: magic 0x0000TTDD (TT = 0x08 unsigned bytes, DD = number of dimensions), then DD
 * big-endian 32-bit sizes, then the items. */
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

#include "phaselab/lofi.h"

static int read_exact(gzFile f, void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n > 0) {
        unsigned chunk = n > (1u << 30) ? (1u << 30) : (unsigned)n;
        int got = gzread(f, p, chunk);
        if (got <= 0) return 0;
        p += got;
        n -= (size_t)got;
    }
    return 1;
}

pl_status pl_idx_read(const char *path, size_t max_items, uint8_t **data, size_t *count,
                      size_t *item_size, char *err, size_t errlen)
{
    *data = NULL;
    gzFile f = gzopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open %s", path);
        return PL_EIO;
    }
    unsigned char h[4];
    pl_status st = PL_OK;
    if (!read_exact(f, h, 4) || h[0] != 0 || h[1] != 0 || h[2] != 0x08 || h[3] < 1 ||
        h[3] > 4) {
        snprintf(err, errlen, "%s: not an IDX file of unsigned bytes", path);
        st = PL_EIO;
    }
    size_t dims[4] = {0}, isz = 1;
    for (int k = 0; st == PL_OK && k < h[3]; k++) {
        unsigned char b[4];
        if (!read_exact(f, b, 4)) {
            snprintf(err, errlen, "%s: truncated header", path);
            st = PL_EIO;
            break;
        }
        dims[k] = ((size_t)b[0] << 24) | ((size_t)b[1] << 16) | ((size_t)b[2] << 8) | b[3];
        if (k > 0) isz *= dims[k];
    }
    size_t n = dims[0];
    if (st == PL_OK && max_items > 0 && max_items < n) n = max_items;
    if (st == PL_OK && (n == 0 || isz == 0 || isz > ((size_t)1 << 24))) {
        snprintf(err, errlen, "%s: empty or implausible item shape", path);
        st = PL_EIO;
    }
    if (st == PL_OK) {
        *data = malloc(n * isz);
        if (!*data) st = PL_ENOMEM;
        else if (!read_exact(f, *data, n * isz)) {
            snprintf(err, errlen, "%s: truncated data (%zu items of %zu bytes expected)", path,
                     n, isz);
            free(*data);
            *data = NULL;
            st = PL_EIO;
        }
    }
    gzclose(f);
    if (st == PL_OK) {
        *count = n;
        *item_size = isz;
    }
    return st;
}
