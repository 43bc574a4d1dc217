/*
 * libFuzzer target: the PNG readers of `lmpviz heatmap`: frames through
 * libpng's simplified API (lmpviz_image_read) and label maps through the
 * classic API with its setjmp (lmpviz_labelmap_read), both from a file.
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
    lmpviz_image im;
    lmpviz_labelmap lm;
    lmpviz_err err;
    volatile unsigned sink = 0;
    size_t i;

    if (path == NULL)
        abort();
    err.msg[0] = '\0';
    if (lmpviz_image_read(path, &im, &err) == LMPVIZ_OK) {
        if (im.rgb == NULL || im.width == 0 || im.height == 0)
            abort();
        /* RGB, 3 bytes a pixel, every byte written by the decoder. */
        for (i = 0; i < (size_t)im.width * im.height * 3; i++)
            sink += im.rgb[i];
        lmpviz_image_free(&im);
    } else if (err.msg[0] == '\0' || im.rgb != NULL) {
        abort();
    }
    err.msg[0] = '\0';
    if (lmpviz_labelmap_read(path, &lm, &err) == LMPVIZ_OK) {
        if (lm.data == NULL || lm.width == 0 || lm.height == 0)
            abort();
        for (i = 0; i < (size_t)lm.width * lm.height; i++)
            sink += lm.data[i];
        lmpviz_labelmap_free(&lm);
    } else if (err.msg[0] == '\0' || lm.data != NULL) {
        abort();
    }
    (void)sink;
    return 0;
}
