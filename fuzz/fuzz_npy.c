/*
 * libFuzzer target: the .npy reader (lmpviz_npy_read_float), through a file
 * as in `lmpviz solve --losses` and `heatmap --probs`.  On success the array
 * must be self-consistent: count = product of shape, every element readable.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_file.h"
#include "lmpviz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file_write(data, size);
    lmpviz_array arr;
    lmpviz_err err;
    size_t count = 1;
    size_t i;
    volatile float sink = 0.0f;

    if (path == NULL)
        abort();
    err.msg[0] = '\0';
    if (lmpviz_npy_read_float(path, &arr, &err) != LMPVIZ_OK) {
        /* Every failure explains itself, and leaves out zeroed. */
        if (err.msg[0] == '\0' || arr.data != NULL || arr.count != 0)
            abort();
        return 0;
    }
    if (arr.ndim > LMPVIZ_NPY_MAXDIM)
        abort();
    for (i = 0; i < arr.ndim; i++)
        count *= arr.shape[i];
    if (count != arr.count || (count > 0 && arr.data == NULL))
        abort();
    /* The data is at most as large as the file (float16 expands 2x). */
    if (count > 2 * size)
        abort();
    for (i = 0; i < arr.count; i++)
        sink += arr.data[i];
    (void)sink;
    lmpviz_array_free(&arr);
    return 0;
}
