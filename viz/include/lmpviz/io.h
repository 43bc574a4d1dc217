/*
 * lmpviz/io.h - file formats: NumPy .npy arrays, PNG images and label maps.
 */
#ifndef LMPVIZ_IO_H
#define LMPVIZ_IO_H

#include "lmpviz/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * NumPy .npy files (format versions 1.0, 2.0 and 3.0, little-endian,
 * C order).  Float data of any supported dtype is converted to float.
 */
#define LMPVIZ_NPY_MAXDIM 8

typedef struct lmpviz_array {
    float *data; /* owned (lmpviz_big_alloc); count elements in C order */
    size_t shape[LMPVIZ_NPY_MAXDIM];
    size_t ndim;
    size_t count;   /* product of shape (1 for a 0-d array) */
    char descr[16]; /* dtype as stored in the file, e.g. "<f2" */
    /* float64 data: nonzero values below FLT_MIN (about 1.2e-38), which
     * float holds with less precision, and how many of them became 0 */
    size_t n_tiny, n_flushed;
} lmpviz_array;

/* Reads a float16, float32 or float64 array.  Rejects big-endian data,
 * fortran_order=True, other dtypes, truncated files, malformed headers and
 * finite float64 values beyond float's range (err names the first with its
 * index and value) with LMPVIZ_ERR_FORMAT (err says how to convert where
 * that helps); float64 values below FLT_MIN are counted in n_tiny and
 * n_flushed, for the caller to warn about;
 * LMPVIZ_ERR_IO when the file cannot be opened.  out is zeroed on failure. */
lmpviz_status lmpviz_npy_read_float(const char *path, lmpviz_array *out, lmpviz_err *err);

/* The same checks as lmpviz_npy_read_float, the data's length against the
 * file's size included, but only the header is read: out gets shape, ndim,
 * count and descr, and data stays NULL.  For comparing sizes before a large
 * read. */
lmpviz_status lmpviz_npy_read_header(const char *path, lmpviz_array *out, lmpviz_err *err);

/* Writes float32 data ("<f4", version 1.0 header, C order) atomically. */
lmpviz_status lmpviz_npy_write_float(
    const char *path, const float *data, const size_t *shape, size_t ndim, lmpviz_err *err);

/* Frees data; safe on a zeroed array. */
void lmpviz_array_free(lmpviz_array *a);

/* ------------------------------------------------------------------------
 * Raster images (libpng).
 */

/* An 8-bit RGB image, row-major, 3 bytes per pixel, no padding. */
typedef struct lmpviz_image {
    unsigned char *rgb; /* owned; width * height * 3 bytes */
    size_t width, height;
    int bit_depth; /* of the file: 8 or 16 (informative) */
    int channels;  /* of the file: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA */
} lmpviz_image;

/* Reads a PNG frame (grey, grey+alpha, RGB, RGBA or palette; 8 or 16 bits)
 * as 8-bit RGB with libpng's simplified API.  16-bit samples are taken as
 * sRGB-encoded (as Cityscapes' 16-bit frames are), so v16 becomes
 * round(v16 / 257) with no gamma change; alpha is composited onto black.
 * LMPVIZ_ERR_IO (cannot open), LMPVIZ_ERR_FORMAT (not a PNG, truncated,
 * corrupt), LMPVIZ_ERR_NOMEM.  out is zeroed on failure. */
lmpviz_status lmpviz_image_read(const char *path, lmpviz_image *out, lmpviz_err *err);
void lmpviz_image_free(lmpviz_image *im);
/* The width and height a PNG's header (IHDR) declares, without decoding:
 * statuses as lmpviz_image_read. */
lmpviz_status lmpviz_png_size(const char *path, size_t *width, size_t *height, lmpviz_err *err);

/* A single-channel label map with exact integer values. */
typedef struct lmpviz_labelmap {
    uint16_t *data; /* owned; width * height values, row-major */
    size_t width, height;
    int bit_depth; /* of the file: 1, 2, 4, 8 or 16 */
} lmpviz_labelmap;

/* Reads a grey or palette PNG of 1..16 bits with libpng's classic API and
 * no transformation: grey values or palette indices, exactly as stored (no
 * gamma, no palette expansion).  Colour or alpha images are refused with
 * LMPVIZ_ERR_FORMAT (a label map has one channel).  Errors as
 * lmpviz_image_read.  out is zeroed on failure. */
lmpviz_status lmpviz_labelmap_read(const char *path, lmpviz_labelmap *out, lmpviz_err *err);
void lmpviz_labelmap_free(lmpviz_labelmap *lm);

/* Writes a PNG atomically with libpng: channels 1 (grey), 3 (RGB) or 4
 * (RGBA); bit_depth 8 (unsigned char samples) or 16 (uint16_t samples, in
 * host order); stride in samples per row.  compression 0..9 (zlib level) or
 * -1 for the default.  LMPVIZ_OK, LMPVIZ_ERR_INVALID_ARG, LMPVIZ_ERR_IO,
 * LMPVIZ_ERR_NOMEM. */
lmpviz_status lmpviz_png_write(const char *path,
                               const void *samples,
                               size_t width,
                               size_t height,
                               size_t stride,
                               int channels,
                               int bit_depth,
                               int compression,
                               lmpviz_err *err);

#ifdef __cplusplus
}
#endif

#endif /* LMPVIZ_IO_H */
