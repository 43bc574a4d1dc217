/*
 * libFuzzer target: the scheme lists of `lmpviz compare --schemes`
 * (lmpviz_schemes_parse, viz/src/figures/compare.c), e.g.
 * "lmp:p=1.5,m=0.1;ohem:thresh=0.7,min_kept=1000;topk:k_px=500".  The text
 * is the input up to its first NUL, as argv delivers it.  Accepted specs
 * must pass lmp_scheme_check and carry NUL-terminated texts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lmpviz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lmpviz_scheme_spec spec[LMPVIZ_COMPARE_MAX_SCHEMES];
    lmpviz_err err;
    size_t count = 0;
    size_t i;
    char *text = malloc(size + 1);

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    err.msg[0] = '\0';
    if (lmpviz_schemes_parse(text, spec, LMPVIZ_COMPARE_MAX_SCHEMES, &count, &err) == LMPVIZ_OK) {
        if (count > LMPVIZ_COMPARE_MAX_SCHEMES)
            abort();
        for (i = 0; i < count; i++) {
            if (lmp_scheme_check(&spec[i].scheme) != LMP_OK)
                abort();
            if (memchr(spec[i].text, '\0', sizeof spec[i].text) == NULL ||
                memchr(spec[i].label, '\0', sizeof spec[i].label) == NULL)
                abort();
        }
    } else if (err.msg[0] == '\0' || memchr(err.msg, '\0', sizeof err.msg) == NULL) {
        abort();
    }
    free(text);
    return 0;
}
