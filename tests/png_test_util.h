/* Helpers shared by the viz and CLI tests that check rendered PNGs
 * (header-only): decoding a file to RGBA and testing pixel colours.
 *
 * Include after <cmocka.h>: image_load fails the running test through
 * cmocka's assertions.  Every function is static inline, so a test file that
 * uses only some of them still builds under -Wall -Werror. */
#ifndef LMP_PNG_TEST_UTIL_H
#define LMP_PNG_TEST_UTIL_H

#include <math.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "lmpviz.h"

typedef struct image {
    unsigned w, h;
    unsigned char *px; /* RGBA, malloc'ed (caller frees) */
} image;

/* Decodes the PNG at path into im as 8-bit RGBA. */
static inline void
image_load(const char *path, image *im)
{
    png_image pi;
    memset(&pi, 0, sizeof pi);
    pi.version = PNG_IMAGE_VERSION;
    assert_true(png_image_begin_read_from_file(&pi, path));
    pi.format = PNG_FORMAT_RGBA;
    im->px = malloc(PNG_IMAGE_SIZE(pi));
    assert_non_null(im->px);
    assert_true(png_image_finish_read(&pi, NULL, im->px, 0, NULL));
    im->w = pi.width;
    im->h = pi.height;
}

/* Whether pixel (x, y) is inside the image and within tol levels of c in
 * each of R, G and B. */
static inline int
pixel_is(const image *im, long x, long y, lmpviz_color c, int tol)
{
    const unsigned char *p;
    if (x < 0 || y < 0 || x >= (long)im->w || y >= (long)im->h)
        return 0;
    p = im->px + 4 * ((size_t)y * im->w + (size_t)x);
    return abs(p[0] - (int)lround(c.r * 255)) <= tol && abs(p[1] - (int)lround(c.g * 255)) <= tol &&
           abs(p[2] - (int)lround(c.b * 255)) <= tol;
}

/* How many pixels are within tol levels of c (see pixel_is). */
static inline size_t
count_color(const image *im, lmpviz_color c, int tol)
{
    size_t n = 0;
    unsigned x, y;
    for (y = 0; y < im->h; y++)
        for (x = 0; x < im->w; x++)
            n += (size_t)pixel_is(im, x, y, c, tol);
    return n;
}

#endif /* LMP_PNG_TEST_UTIL_H */
