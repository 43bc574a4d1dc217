/*
 * Pixel orders: the indices of an array by decreasing value, ties in index
 * order.  A stable LSD radix sort in two passes of 16 bits over keys made
 * from the float bits (flipped so that unsigned order is decreasing float
 * order; -0 counts as +0), so that a frame of 2 M pixels is ordered in a few
 * memory passes rather than a comparison sort's 21.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lmpviz_private.h"

#define DIGITS 65536u

/* Unsigned key whose increasing order is x's decreasing order. */
static inline uint32_t
desc_key(float x)
{
    uint32_t b;
    memcpy(&b, &x, sizeof b);
    if (b == 0x80000000u)
        b = 0; /* -0 == +0 */
    /* increasing: negative floats reversed below the positive ones */
    b = (b & 0x80000000u) ? ~b : b | 0x80000000u;
    return ~b;
}

int
lmpviz_order_desc(const float *key, size_t *idx, size_t n)
{
    size_t *tmp, *count;
    size_t i;
    int pass;

    if (n < 2)
        return 0;
    tmp = lmpviz_big_alloc(n * sizeof *tmp);
    count = malloc((DIGITS + 1) * sizeof *count);
    if (tmp == NULL || count == NULL) {
        lmpviz_big_free(tmp);
        free(count);
        return -1;
    }
    for (pass = 0; pass < 2; pass++) {
        const int shift = 16 * pass;
        size_t *src = pass == 0 ? idx : tmp, *dst = pass == 0 ? tmp : idx;
        memset(count, 0, (DIGITS + 1) * sizeof *count);
        for (i = 0; i < n; i++)
            count[((desc_key(key[src[i]]) >> shift) & 0xFFFFu) + 1]++;
        for (i = 1; i <= DIGITS; i++)
            count[i] += count[i - 1];
        for (i = 0; i < n; i++)
            dst[count[(desc_key(key[src[i]]) >> shift) & 0xFFFFu]++] = src[i];
    }
    lmpviz_big_free(tmp);
    free(count);
    return 0;
}
