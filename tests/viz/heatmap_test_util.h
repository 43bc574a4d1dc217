/* Helpers for the heatmap tests (header-only): small PNG and .npy fixtures
 * written by hand, and the shared Cityscapes frames. */
#ifndef LMP_HEATMAP_TEST_UTIL_H
#define LMP_HEATMAP_TEST_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lmpviz.h"
#include "test_util.h"

/* A .npy file with any descr and raw little-endian data (version 1.0). */
static inline void
npy_write_raw(const char *path,
              const char *descr,
              const size_t *shape,
              size_t ndim,
              const void *data,
              size_t bytes)
{
    char dict[256], shp[128] = "";
    size_t k, len = 0, hlen, total;
    unsigned char pre[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0 };
    FILE *f;

    for (k = 0; k < ndim; k++)
        len += (size_t)snprintf(shp + len, sizeof shp - len, "%zu%s", shape[k],
                                ndim == 1 ? "," : (k + 1 < ndim ? ", " : ""));
    snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr,
             shp);
    hlen = strlen(dict);
    total = 10 + hlen + 1;
    while (total % 64 != 0) {
        total++;
    }
    hlen = total - 10;
    pre[8] = (unsigned char)(hlen & 0xFF);
    pre[9] = (unsigned char)(hlen >> 8);
    f = fopen(path, "wb");
    if (f == NULL)
        abort();
    fwrite(pre, 1, 10, f);
    fputs(dict, f);
    for (k = strlen(dict); k < hlen - 1; k++)
        fputc(' ', f);
    fputc('\n', f);
    if (bytes > 0)
        fwrite(data, 1, bytes, f);
    fclose(f);
}

static inline void
npy_write_f32(const char *path, const size_t *shape, size_t ndim, const float *data)
{
    size_t k, n = 1;
    for (k = 0; k < ndim; k++)
        n *= shape[k];
    npy_write_raw(path, "<f4", shape, ndim, data, n * sizeof *data);
}

/* Cuts a file to len bytes. */
static inline void
truncate_file(const char *path, long len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    if (f == NULL)
        abort();
    buf = malloc((size_t)len);
    if (buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len)
        abort();
    fclose(f);
    f = fopen(path, "wb");
    fwrite(buf, 1, (size_t)len, f);
    fclose(f);
    free(buf);
}

static inline long
file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Path of a shared Cityscapes file ("leftImg8bit/val/frankfurt/..."), or
 * NULL when ../shared or the file is absent. */
static inline const char *
shared_file(char *buf, size_t len, const char *rel)
{
    const char *dir = test_shared_dir();
    struct stat st;
    if (dir == NULL)
        return NULL;
    snprintf(buf, len, "%s/data/cityscapes/%s", dir, rel);
    if (stat(buf, &st) != 0)
        return NULL;
    return buf;
}

#endif /* LMP_HEATMAP_TEST_UTIL_H */
