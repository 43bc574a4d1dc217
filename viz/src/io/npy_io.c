/*
 * NumPy .npy reader and writer, following numpy/lib/format.py (format
 * versions 1.0, 2.0 and 3.0).
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lmpviz.h"
#include "lmpviz_private.h"
#include "viz_internal.h"

/* Float data is copied without byte swapping. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "npy_io.c assumes a little-endian host"
#endif

#define NPY_MAGIC     "\x93NUMPY"
#define NPY_MAGIC_LEN 6
/* NumPy aligns the data to 64 bytes (16 before NumPy 1.14; both are read). */
#define NPY_ALIGN 64
/* NumPy itself refuses headers above 10000 bytes unless told otherwise; a
 * larger limit only guards against absurd allocations. */
#define NPY_MAX_HEADER (1u << 20)

typedef struct npy_header {
    char descr[16];
    int fortran_order;
    size_t shape[LMPVIZ_NPY_MAXDIM];
    size_t ndim;
    int have_descr;
    int have_fortran;
    int have_shape;
} npy_header;

/* Cursor over the NUL-terminated header text. */
typedef struct npy_parser {
    const char *p;
    lmpviz_err *err;
} npy_parser;

static void
npy_skip_space(npy_parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
        ps->p++;
}

static int
npy_accept(npy_parser *ps, char c)
{
    npy_skip_space(ps);
    if (*ps->p != c)
        return 0;
    ps->p++;
    return 1;
}

static lmpviz_status
npy_malformed(npy_parser *ps, const char *what)
{
    lmpviz_err_set(ps->err, "malformed .npy header: %s", what);
    return LMPVIZ_ERR_FORMAT;
}

/* A Python string literal without escapes, quoted with ' or ". */
static lmpviz_status
npy_parse_string(npy_parser *ps, char *out, size_t out_size)
{
    char quote;
    size_t len = 0;

    npy_skip_space(ps);
    quote = *ps->p;
    if (quote != '\'' && quote != '"')
        return npy_malformed(ps, "expected a quoted string");
    ps->p++;
    while (*ps->p != quote) {
        if (*ps->p == '\0' || *ps->p == '\\')
            return npy_malformed(ps, "unterminated or escaped string");
        if (len + 1 < out_size)
            out[len] = *ps->p;
        len++;
        ps->p++;
    }
    ps->p++;
    if (len + 1 > out_size)
        return npy_malformed(ps, "string too long");
    out[len] = '\0';
    return LMPVIZ_OK;
}

static lmpviz_status
npy_parse_bool(npy_parser *ps, int *out)
{
    npy_skip_space(ps);
    if (strncmp(ps->p, "True", 4) == 0) {
        *out = 1;
        ps->p += 4;
    } else if (strncmp(ps->p, "False", 5) == 0) {
        *out = 0;
        ps->p += 5;
    } else {
        return npy_malformed(ps, "expected True or False for 'fortran_order'");
    }
    return LMPVIZ_OK;
}

/* "()", "(5,)", "(2, 3)", "(2, 3,)"; Python 2 writers added an L suffix. */
static lmpviz_status
npy_parse_shape(npy_parser *ps, npy_header *h)
{
    h->ndim = 0;
    if (!npy_accept(ps, '('))
        return npy_malformed(ps, "expected a tuple for 'shape'");
    for (;;) {
        size_t dim = 0;

        if (npy_accept(ps, ')'))
            return LMPVIZ_OK;
        npy_skip_space(ps);
        if (*ps->p < '0' || *ps->p > '9')
            return npy_malformed(ps, "expected a non-negative integer in 'shape'");
        while (*ps->p >= '0' && *ps->p <= '9') {
            size_t digit = (size_t)(*ps->p - '0');
            if (dim > (SIZE_MAX - digit) / 10) {
                lmpviz_err_set(ps->err, "shape dimension too large (overflows size_t)");
                return LMPVIZ_ERR_FORMAT;
            }
            dim = dim * 10 + digit;
            ps->p++;
        }
        if (*ps->p == 'L')
            ps->p++;
        if (h->ndim == LMPVIZ_NPY_MAXDIM) {
            lmpviz_err_set(ps->err, "expected at most %d dimensions, got more", LMPVIZ_NPY_MAXDIM);
            return LMPVIZ_ERR_FORMAT;
        }
        h->shape[h->ndim++] = dim;
        if (npy_accept(ps, ')')) {
            /* Python needs the comma in a 1-tuple: "(5)" is just 5. */
            if (h->ndim == 1)
                return npy_malformed(ps, "a 1-d 'shape' needs a trailing comma");
            return LMPVIZ_OK;
        }
        if (!npy_accept(ps, ','))
            return npy_malformed(ps, "expected ',' or ')' in 'shape'");
    }
}

static lmpviz_status
npy_parse_header(const char *text, npy_header *h, lmpviz_err *err)
{
    npy_parser ps = { text, err };
    lmpviz_status status;

    memset(h, 0, sizeof *h);
    if (!npy_accept(&ps, '{'))
        return npy_malformed(&ps, "expected a dictionary");
    for (;;) {
        char key[32];

        if (npy_accept(&ps, '}'))
            break;
        status = npy_parse_string(&ps, key, sizeof key);
        if (status != LMPVIZ_OK)
            return status;
        if (!npy_accept(&ps, ':'))
            return npy_malformed(&ps, "expected ':' after a key");
        if (strcmp(key, "descr") == 0 && !h->have_descr) {
            npy_skip_space(&ps);
            if (*ps.p == '[') {
                lmpviz_err_set(err, "expected float16, float32 or float64 data, got a structured "
                                    "dtype");
                return LMPVIZ_ERR_FORMAT;
            }
            status = npy_parse_string(&ps, h->descr, sizeof h->descr);
            h->have_descr = 1;
        } else if (strcmp(key, "fortran_order") == 0 && !h->have_fortran) {
            status = npy_parse_bool(&ps, &h->fortran_order);
            h->have_fortran = 1;
        } else if (strcmp(key, "shape") == 0 && !h->have_shape) {
            status = npy_parse_shape(&ps, h);
            h->have_shape = 1;
        } else {
            lmpviz_err_set(err, "malformed .npy header: unexpected or repeated key '%s'", key);
            return LMPVIZ_ERR_FORMAT;
        }
        if (status != LMPVIZ_OK)
            return status;
        if (npy_accept(&ps, '}'))
            break;
        if (!npy_accept(&ps, ','))
            return npy_malformed(&ps, "expected ',' or '}' in the dictionary");
    }
    npy_skip_space(&ps);
    if (*ps.p != '\0')
        return npy_malformed(&ps, "unexpected text after the dictionary");
    if (!h->have_descr)
        return npy_malformed(&ps, "missing key 'descr'");
    if (!h->have_fortran)
        return npy_malformed(&ps, "missing key 'fortran_order'");
    if (!h->have_shape)
        return npy_malformed(&ps, "missing key 'shape'");
    return LMPVIZ_OK;
}

/* Item size of a supported descr, or 0 with err set. */
static size_t
npy_check_descr(const char *descr, lmpviz_err *err)
{
    size_t size;

    /* 'f' plus one size digit; f16 (long double) and other kinds are rejected. */
    if (strlen(descr) != 3 || descr[1] != 'f' ||
        (descr[2] != '2' && descr[2] != '4' && descr[2] != '8') ||
        strchr("<>=|", descr[0]) == NULL) {
        lmpviz_err_set(err, "expected float16, float32 or float64 data, got '%s'", descr);
        return 0;
    }
    if (descr[0] == '>') {
        lmpviz_err_set(err, "expected little-endian data, got '%s'; convert with a.astype('<%s')",
                       descr, descr + 1);
        return 0;
    }
    /* '=' is native order and '|' reads as native in NumPy: both little
     * endian on the hosts this file builds on. */
    size = (size_t)(descr[2] - '0');
    return size;
}

/* IEEE 754 binary16 -> binary32, exact for every input (normals, subnormals,
 * infinities and NaN payloads). */
static float
npy_half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t mant = h & 0x3ffu;
    uint32_t bits;
    float f;

    if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (mant << 13);
    } else if (exp != 0) {
        bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
    } else if (mant == 0) {
        bits = sign;
    } else {
        /* Subnormal: mant * 2^-24, exact in float. */
        f = (float)mant * 0x1p-24f;
        memcpy(&bits, &f, sizeof bits);
        bits |= sign;
    }
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* "element 7" for 1-d data, "element 7 (index (1, 3))" otherwise. */
static void
npy_describe_index(const npy_header *h, size_t flat, char *buf, size_t len)
{
    size_t idx[LMPVIZ_NPY_MAXDIM], rest = flat, d;
    int used = snprintf(buf, len, "element %zu", flat);

    if (h->ndim < 2 || used < 0 || (size_t)used >= len)
        return;
    for (d = h->ndim; d-- > 0;) {
        idx[d] = h->shape[d] ? rest % h->shape[d] : 0;
        rest = h->shape[d] ? rest / h->shape[d] : 0;
    }
    used += snprintf(buf + used, len - (size_t)used, " (index (");
    for (d = 0; d < h->ndim && (size_t)used < len; d++)
        used += snprintf(buf + used, len - (size_t)used, d ? ", %zu" : "%zu", idx[d]);
    if ((size_t)used < len)
        snprintf(buf + used, len - (size_t)used, "))");
}

/* Converts n items of item_size bytes at the start of buf to floats in place.
 * buf holds n floats; float16 expands, so it runs backwards, and float64
 * shrinks, so it runs forwards, each reading an item before overwriting it.
 * A finite float64 beyond float's range would become inf and hide its value
 * (and pass as "non-finite" where those are skipped): LMPVIZ_ERR_FORMAT
 * naming it.  Those below FLT_MIN are counted in out (subnormal or 0). */
static lmpviz_status
npy_convert_in_place(unsigned char *buf,
                     size_t n,
                     size_t item_size,
                     const npy_header *hdr,
                     lmpviz_array *out,
                     lmpviz_err *err)
{
    size_t i;

    if (item_size == 2) {
        for (i = n; i-- > 0;) {
            uint16_t h;
            float f;
            memcpy(&h, buf + 2 * i, sizeof h);
            f = npy_half_to_float(h);
            memcpy(buf + 4 * i, &f, sizeof f);
        }
    } else if (item_size == 8) {
        for (i = 0; i < n; i++) {
            double d;
            float f;
            memcpy(&d, buf + 8 * i, sizeof d);
            if (isfinite(d) && fabs(d) > FLT_MAX) {
                char where[160];
                npy_describe_index(hdr, i, where, sizeof where);
                lmpviz_err_set(err,
                               "%s is %.9g: expected float64 values within float32's range "
                               "(magnitude at most %.9g)",
                               where, d, (double)FLT_MAX);
                return LMPVIZ_ERR_FORMAT;
            }
            f = (float)d;
            if (d != 0.0 && fabs(d) < FLT_MIN) {
                out->n_tiny++;
                out->n_flushed += f == 0.0f;
            }
            memcpy(buf + 4 * i, &f, sizeof f);
        }
    }
    return LMPVIZ_OK;
}

static uint32_t
npy_le32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* A short read of the header: the end of the file, or an I/O error. */
static lmpviz_status
npy_header_short(FILE *fp, lmpviz_err *err)
{
    if (ferror(fp)) {
        lmpviz_err_set(err, "read error: %s", strerror(errno));
        return LMPVIZ_ERR_IO;
    }
    lmpviz_err_set(err, "file ends inside the .npy header");
    return LMPVIZ_ERR_FORMAT;
}

/* The magic, the version and the header length; *pre_len gets the size of
 * that preamble (10 bytes in version 1.0, 12 after). */
static lmpviz_status
npy_read_preamble(
    FILE *fp, long long file_size, size_t *pre_len, uint32_t *header_len, lmpviz_err *err)
{
    unsigned char pre[12];
    size_t got = fread(pre, 1, 8, fp);

    if (got < NPY_MAGIC_LEN || memcmp(pre, NPY_MAGIC, NPY_MAGIC_LEN) != 0) {
        if (ferror(fp))
            return npy_header_short(fp, err);
        lmpviz_err_set(err, "not a NumPy .npy file (bad magic)");
        return LMPVIZ_ERR_FORMAT;
    }
    if (got < 8)
        return npy_header_short(fp, err);
    if (pre[6] == 1 && pre[7] == 0) {
        *pre_len = 10;
    } else if ((pre[6] == 2 || pre[6] == 3) && pre[7] == 0) {
        *pre_len = 12;
    } else {
        lmpviz_err_set(err, "unsupported .npy format version %u.%u (expected 1.0, 2.0 or 3.0)",
                       (unsigned)pre[6], (unsigned)pre[7]);
        return LMPVIZ_ERR_FORMAT;
    }
    if (fread(pre + 8, 1, *pre_len - 8, fp) != *pre_len - 8)
        return npy_header_short(fp, err);
    *header_len = *pre_len == 10 ? (uint32_t)pre[8] | (uint32_t)pre[9] << 8 : npy_le32(pre + 8);
    if (file_size >= 0 && (long long)*header_len > file_size - (long long)*pre_len) {
        lmpviz_err_set(err, "header length %lu runs past the end of the file (%lld bytes)",
                       (unsigned long)*header_len, file_size);
        return LMPVIZ_ERR_FORMAT;
    }
    if (*header_len == 0 || *header_len > NPY_MAX_HEADER) {
        lmpviz_err_set(err, "malformed .npy header: length %lu", (unsigned long)*header_len);
        return LMPVIZ_ERR_FORMAT;
    }
    return LMPVIZ_OK;
}

/* The header text, parsed into h. */
static lmpviz_status
npy_read_header_dict(FILE *fp, uint32_t header_len, npy_header *h, lmpviz_err *err)
{
    lmpviz_status status;
    char *header = malloc((size_t)header_len + 1);

    if (header == NULL) {
        lmpviz_err_set(err, "out of memory");
        return LMPVIZ_ERR_NOMEM;
    }
    if (fread(header, 1, header_len, fp) != header_len) {
        status = npy_header_short(fp, err);
    } else {
        header[header_len] = '\0';
        if (strlen(header) != header_len) {
            lmpviz_err_set(err, "malformed .npy header: contains a NUL byte");
            status = LMPVIZ_ERR_FORMAT;
        } else {
            status = npy_parse_header(header, h, err);
        }
    }
    free(header);
    return status;
}

/* The dtype's item size, the element count and the data's size, checked
 * against what the file holds (data_avail bytes after the header; -1 when
 * unknown). */
static lmpviz_status
npy_check_layout(
    const npy_header *h, long long data_avail, size_t *item_size, size_t *count, lmpviz_err *err)
{
    size_t i;

    *item_size = npy_check_descr(h->descr, err);
    if (*item_size == 0)
        return LMPVIZ_ERR_FORMAT;
    if (h->fortran_order) {
        lmpviz_err_set(err, "expected a C-order array, got fortran_order=True; convert with "
                            "np.ascontiguousarray(a)");
        return LMPVIZ_ERR_FORMAT;
    }
    *count = 1;
    for (i = 0; i < h->ndim; i++) {
        if (h->shape[i] != 0 && *count > SIZE_MAX / h->shape[i]) {
            lmpviz_err_set(err, "shape product overflows size_t");
            return LMPVIZ_ERR_FORMAT;
        }
        *count *= h->shape[i];
    }
    /* The float buffer is also the read buffer, so it must hold both. */
    if (*count > SIZE_MAX / 8) {
        lmpviz_err_set(err, "shape product overflows size_t");
        return LMPVIZ_ERR_FORMAT;
    }
    if (data_avail >= 0 &&
        (unsigned long long)data_avail < (unsigned long long)(*count * *item_size)) {
        lmpviz_err_set(err, "file ends after %lld of %zu data bytes", data_avail,
                       *count * *item_size);
        return LMPVIZ_ERR_FORMAT;
    }
    return LMPVIZ_OK;
}

/* Reads count items of h's dtype and converts them to float in out->data. */
static lmpviz_status
npy_read_data(FILE *fp,
              const npy_header *h,
              size_t item_size,
              size_t count,
              lmpviz_array *out,
              lmpviz_err *err)
{
    const size_t data_bytes = count * item_size;
    const size_t alloc_bytes = item_size > sizeof(float) ? data_bytes : count * sizeof(float);
    unsigned char *buf;
    lmpviz_status status;
    char what[96];
    size_t got;

    snprintf(what, sizeof what, "%zu values of '%s'", count, h->descr);
    status = lmpviz_mem_check(alloc_bytes, what, err);
    if (status != LMPVIZ_OK)
        return status;
    buf = lmpviz_big_alloc(alloc_bytes > 0 ? alloc_bytes : sizeof(float));
    if (buf == NULL) {
        lmpviz_err_set(err, "out of memory for %zu elements", count);
        return LMPVIZ_ERR_NOMEM;
    }
    got = fread(buf, 1, data_bytes, fp);
    if (got != data_bytes) {
        if (ferror(fp)) {
            lmpviz_err_set(err, "read error: %s", strerror(errno));
            status = LMPVIZ_ERR_IO;
        } else {
            lmpviz_err_set(err, "file ends after %zu of %zu data bytes", got, data_bytes);
            status = LMPVIZ_ERR_FORMAT;
        }
    } else {
        status = npy_convert_in_place(buf, count, item_size, h, out, err);
    }
    if (status != LMPVIZ_OK) {
        out->n_tiny = out->n_flushed = 0;
        lmpviz_big_free(buf);
        return status;
    }
    out->data = (float *)(void *)buf;
    return LMPVIZ_OK;
}

/* Reads path's header, checks it against the file's size and, unless
 * header_only, reads and converts the data. */
static lmpviz_status
npy_read(const char *path, lmpviz_array *out, int header_only, lmpviz_err *err)
{
    lmpviz_status status;
    FILE *fp;
    size_t pre_len = 0, item_size = 0, count = 0;
    uint32_t header_len = 0;
    long long file_size = -1;
    struct stat st;
    npy_header h;

    if (out != NULL)
        memset(out, 0, sizeof *out);
    if (path == NULL || out == NULL) {
        lmpviz_err_set(err, "no input path or output array given");
        return LMPVIZ_ERR_INVALID_ARG;
    }
    fp = fopen(path, "rb");
    if (fp == NULL) {
        lmpviz_err_set(err, "cannot open: %s", strerror(errno));
        return LMPVIZ_ERR_IO;
    }
    if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode))
        file_size = (long long)st.st_size;
    status = npy_read_preamble(fp, file_size, &pre_len, &header_len, err);
    if (status == LMPVIZ_OK)
        status = npy_read_header_dict(fp, header_len, &h, err);
    if (status == LMPVIZ_OK)
        status = npy_check_layout(
            &h, file_size >= 0 ? file_size - (long long)pre_len - (long long)header_len : -1,
            &item_size, &count, err);
    if (status == LMPVIZ_OK && !header_only)
        status = npy_read_data(fp, &h, item_size, count, out, err);
    if (status == LMPVIZ_OK) {
        memcpy(out->shape, h.shape, sizeof h.shape);
        out->ndim = h.ndim;
        out->count = count;
        memcpy(out->descr, h.descr, sizeof out->descr);
    }
    fclose(fp);
    return status;
}

lmpviz_status
lmpviz_npy_read_float(const char *path, lmpviz_array *out, lmpviz_err *err)
{
    return npy_read(path, out, 0, err);
}

lmpviz_status
lmpviz_npy_read_header(const char *path, lmpviz_array *out, lmpviz_err *err)
{
    return npy_read(path, out, 1, err);
}

lmpviz_status
lmpviz_npy_write_float(
    const char *path, const float *data, const size_t *shape, size_t ndim, lmpviz_err *err)
{
    lmpviz_status status;
    lmpviz_afile af = { 0 };
    char header[512];
    size_t len;
    size_t total;
    size_t count = 1;
    size_t i;

    if (path == NULL || ndim > LMPVIZ_NPY_MAXDIM || (ndim > 0 && shape == NULL)) {
        lmpviz_err_set(err, "expected a path and at most %d dimensions", LMPVIZ_NPY_MAXDIM);
        return LMPVIZ_ERR_INVALID_ARG;
    }
    for (i = 0; i < ndim; i++) {
        if (shape[i] != 0 && count > SIZE_MAX / sizeof(float) / shape[i]) {
            lmpviz_err_set(err, "shape product overflows size_t");
            return LMPVIZ_ERR_INVALID_ARG;
        }
        count *= shape[i];
    }
    if (data == NULL && count > 0) {
        lmpviz_err_set(err, "no data given for %zu elements", count);
        return LMPVIZ_ERR_INVALID_ARG;
    }

    /* Same text as numpy.lib.format.write_array for a float32 C-order array. */
    len = (size_t)snprintf(header, sizeof header,
                           "{'descr': '<f4', 'fortran_order': False, 'shape': (");
    for (i = 0; i < ndim; i++)
        len +=
            (size_t)snprintf(header + len, sizeof header - len, i == 0 ? "%zu" : ", %zu", shape[i]);
    len += (size_t)snprintf(header + len, sizeof header - len, "%s), }", ndim == 1 ? "," : "");
    /* 10 bytes of magic, version and length, then the header ending in '\n'. */
    total = (10 + len + 1 + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN;
    while (10 + len + 1 < total)
        header[len++] = ' ';
    header[len++] = '\n';

    status = lmpviz_afile_open(&af, path, err);
    if (status != LMPVIZ_OK)
        return status;
    fwrite(NPY_MAGIC "\x01\x00", 1, 8, af.fp);
    fputc((int)(len & 0xff), af.fp);
    fputc((int)(len >> 8), af.fp);
    fwrite(header, 1, len, af.fp);
    if (count > 0)
        fwrite(data, sizeof(float), count, af.fp);
    /* Write errors are sticky on the stream; commit reports them. */
    return lmpviz_afile_commit(&af, err);
}

void
lmpviz_array_free(lmpviz_array *a)
{
    if (a == NULL)
        return;
    lmpviz_big_free(a->data);
    memset(a, 0, sizeof *a);
}
