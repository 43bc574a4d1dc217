/*
 * notebook.c - the nbformat 4.5 document (jansson), base64, figures to PNG
 * bytes.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmpviz_private.h"
#include "notebook.h"
#include "notebook_internal.h"

struct lmpnb_notebook {
    json_t *root;  /* the document */
    json_t *cells; /* borrowed from root */
    json_t *info;  /* metadata.lmpviz, borrowed from root */
    size_t next_id;
    int nil;              /* the static notebook of a failed create */
    lmpviz_status status; /* the first failure, LMPVIZ_OK when none */
    char error[LMPVIZ_ERR_LEN];
};

/* Returned when no notebook can be made: calls on it do nothing, and
 * lmpnb_notebook_status reports why. */
static lmpnb_notebook nil_nomem = { .nil = 1,
                                    .status = LMPVIZ_ERR_NOMEM,
                                    .error = "out of memory for the notebook" };

static void
vfail(lmpnb_notebook *nb, lmpviz_status status, const char *fmt, va_list ap)
{
    if (nb == NULL || nb->nil || nb->status != LMPVIZ_OK || status == LMPVIZ_OK)
        return;
    nb->status = status;
    vsnprintf(nb->error, sizeof nb->error, fmt, ap);
}

void
lmpnbi_fail(lmpnb_notebook *nb, lmpviz_status status, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfail(nb, status, fmt, ap);
    va_end(ap);
}

void
lmpnbi_fail_err(lmpnb_notebook *nb, lmpviz_status status, const lmpviz_err *err)
{
    if (err != NULL && err->msg[0] != '\0')
        lmpnbi_fail(nb, status, "%s", err->msg);
    else
        lmpnbi_fail(nb, status, "%s",
                    status == LMPVIZ_ERR_NOMEM ? "out of memory for the notebook" : "");
}

lmpnb_notebook *
lmpnbi_failed(lmpviz_status status, const char *fmt, ...)
{
    lmpnb_notebook *nb = lmpnb_notebook_create();
    va_list ap;

    va_start(ap, fmt);
    vfail(nb, status, fmt, ap);
    va_end(ap);
    return nb;
}

static void
nomem(lmpnb_notebook *nb)
{
    lmpnbi_fail(nb, LMPVIZ_ERR_NOMEM, "out of memory for the notebook");
}

/* A live notebook: not NULL, not failed. */
static int
live(const lmpnb_notebook *nb)
{
    return nb != NULL && nb->status == LMPVIZ_OK;
}

lmpviz_status
lmpnb_notebook_status(const lmpnb_notebook *nb)
{
    return nb == NULL ? LMPVIZ_ERR_INVALID_ARG : nb->status;
}

const char *
lmpnb_notebook_error(const lmpnb_notebook *nb)
{
    return nb == NULL ? "no notebook" : nb->error;
}

/* json_object_set_new that reports a failed allocation (value NULL). */
static int
set_new(json_t *obj, const char *key, json_t *value)
{
    return value != NULL && json_object_set_new(obj, key, value) == 0 ? 0 : -1;
}

/* metadata.kernelspec and metadata.language_info, as Jupyter writes them;
 * -1 when out of memory. */
static int
set_kernel(json_t *meta)
{
    json_t *ks = json_object(), *li = json_object(), *cm = json_object();
    int bad = 0;

    if (ks == NULL || li == NULL || cm == NULL) {
        json_decref(ks);
        json_decref(li);
        json_decref(cm);
        return -1;
    }
    bad |= set_new(ks, "display_name", json_string("Python 3"));
    bad |= set_new(ks, "language", json_string("python"));
    bad |= set_new(ks, "name", json_string("python3"));
    bad |= set_new(cm, "name", json_string("ipython"));
    bad |= set_new(cm, "version", json_integer(3));
    bad |= set_new(li, "codemirror_mode", cm);
    bad |= set_new(li, "file_extension", json_string(".py"));
    bad |= set_new(li, "mimetype", json_string("text/x-python"));
    bad |= set_new(li, "name", json_string("python"));
    bad |= set_new(li, "nbconvert_exporter", json_string("python"));
    bad |= set_new(li, "pygments_lexer", json_string("ipython3"));
    bad |= set_new(meta, "kernelspec", ks);
    bad |= set_new(meta, "language_info", li);
    return bad;
}

lmpnb_notebook *
lmpnb_notebook_create(void)
{
    lmpnb_notebook *nb = calloc(1, sizeof *nb);
    json_t *meta;
    int bad = 0;

    if (nb == NULL)
        return &nil_nomem;
    nb->root = json_object();
    nb->cells = json_array();
    meta = json_object();
    nb->info = json_object();
    if (nb->root == NULL || nb->cells == NULL || meta == NULL || nb->info == NULL) {
        json_decref(nb->cells);
        json_decref(meta);
        json_decref(nb->info);
        json_decref(nb->root);
        free(nb);
        return &nil_nomem;
    }
    /* set_new steals every value it is given, even on failure. */
    bad |= set_kernel(meta);
    bad |= set_new(nb->info, "version", json_string(lmp_version()));
    bad |= set_new(meta, "lmpviz", nb->info);
    bad |= set_new(nb->root, "cells", nb->cells);
    bad |= set_new(nb->root, "metadata", meta);
    bad |= set_new(nb->root, "nbformat", json_integer(LMPNB_NBFORMAT));
    bad |= set_new(nb->root, "nbformat_minor", json_integer(LMPNB_NBFORMAT_MINOR));
    if (bad) {
        json_decref(nb->root);
        free(nb);
        return &nil_nomem;
    }
    return nb;
}

void
lmpnb_notebook_destroy(lmpnb_notebook *nb)
{
    if (nb == NULL || nb->nil)
        return;
    json_decref(nb->root);
    free(nb);
}

size_t
lmpnb_notebook_cell_count(const lmpnb_notebook *nb)
{
    return nb == NULL ? 0 : json_array_size(nb->cells);
}

/* Text as nbformat's multiline string: one string per line, each but the
 * last ending in "\n" (what Jupyter writes). */
static json_t *
source_lines(const char *text)
{
    json_t *arr = json_array();
    const char *p = text;

    if (arr == NULL)
        return NULL;
    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
        if (json_array_append_new(arr, json_stringn(p, len)) != 0) {
            json_decref(arr);
            return NULL;
        }
        p += len;
    }
    return arr;
}

static json_t *
new_cell(lmpnb_notebook *nb, const char *type, const char *text)
{
    json_t *cell = json_object();
    char id[32];
    int bad = 0;

    if (cell == NULL)
        return NULL;
    /* ids: 1-64 characters of [a-zA-Z0-9-_], unique in the notebook. */
    snprintf(id, sizeof id, "lmpviz-%zu", ++nb->next_id);
    bad |= set_new(cell, "cell_type", json_string(type));
    bad |= set_new(cell, "id", json_string(id));
    bad |= set_new(cell, "metadata", json_object());
    bad |= set_new(cell, "source", source_lines(text));
    if (bad) {
        json_decref(cell);
        return NULL;
    }
    return cell;
}

void
lmpnb_notebook_add_markdown(lmpnb_notebook *nb, const char *text)
{
    json_t *cell;

    if (!live(nb))
        return;
    if (text == NULL) {
        lmpnbi_fail(nb, LMPVIZ_ERR_INVALID_ARG, "a markdown cell without text");
        return;
    }
    cell = new_cell(nb, "markdown", text);
    if (cell == NULL || json_array_append_new(nb->cells, cell) != 0)
        nomem(nb);
}

/* The display_data output of a PNG (alt_text as text/plain); NULL when out
 * of memory. */
static json_t *
png_output(const unsigned char *png, size_t png_len, const char *alt_text)
{
    json_t *out = json_object(), *data = json_object();
    char *b64 = malloc(lmpnb_base64_size(png_len));
    int bad = 0;

    if (out == NULL || data == NULL || b64 == NULL) {
        json_decref(out);
        json_decref(data);
        free(b64);
        return NULL;
    }
    lmpnb_base64_encode(png, png_len, b64);
    bad |= set_new(data, "image/png", json_string(b64));
    bad |= set_new(data, "text/plain", json_string(alt_text ? alt_text : "<Figure>"));
    free(b64);
    bad |= set_new(out, "data", data);
    bad |= set_new(out, "metadata", json_object());
    bad |= set_new(out, "output_type", json_string("display_data"));
    if (bad) {
        json_decref(out);
        return NULL;
    }
    return out;
}

void
lmpnb_notebook_add_code(lmpnb_notebook *nb,
                        const char *source,
                        const unsigned char *png,
                        size_t png_len,
                        const char *alt_text)
{
    json_t *cell, *outputs;
    int bad = 0;

    if (!live(nb))
        return;
    if (source == NULL) {
        lmpnbi_fail(nb, LMPVIZ_ERR_INVALID_ARG, "a code cell without source");
        return;
    }
    cell = new_cell(nb, "code", source);
    outputs = json_array();
    if (cell == NULL || outputs == NULL) {
        json_decref(cell);
        json_decref(outputs);
        nomem(nb);
        return;
    }
    if (png != NULL && json_array_append_new(outputs, png_output(png, png_len, alt_text)) != 0)
        bad = 1;
    bad |= set_new(cell, "execution_count", json_null());
    bad |= set_new(cell, "outputs", outputs);
    if (bad || json_array_append_new(nb->cells, cell) != 0) {
        json_decref(cell);
        nomem(nb);
    }
}

void
lmpnb_notebook_fold_last(lmpnb_notebook *nb)
{
    json_t *cell, *meta, *jup;

    if (!live(nb))
        return;
    cell = json_array_get(nb->cells, json_array_size(nb->cells) - 1);
    if (cell == NULL) {
        lmpnbi_fail(nb, LMPVIZ_ERR_INVALID_ARG, "no cell to fold");
        return;
    }
    meta = json_object_get(cell, "metadata");
    jup = json_object();
    if (jup == NULL || set_new(jup, "source_hidden", json_true()) != 0) {
        json_decref(jup);
        nomem(nb);
        return;
    }
    /* JupyterLab folds on jupyter.source_hidden; the tag marks the cell for
     * tools such as nbconvert's TagRemovePreprocessor. */
    if (set_new(meta, "jupyter", jup) != 0 ||
        set_new(meta, "tags", json_pack("[s]", "solution")) != 0)
        nomem(nb);
}

void
lmpnb_notebook_set_info(lmpnb_notebook *nb, const char *key, const char *value)
{
    if (!live(nb))
        return;
    if (key == NULL || value == NULL)
        lmpnbi_fail(nb, LMPVIZ_ERR_INVALID_ARG, "metadata without a key or a value");
    else if (set_new(nb->info, key, json_string(value)) != 0)
        nomem(nb);
}

lmpviz_status
lmpnb_notebook_save(const lmpnb_notebook *nb, const char *path, lmpviz_err *err)
{
    lmpviz_afile af;
    lmpviz_status st;

    if (lmpnb_notebook_status(nb) != LMPVIZ_OK) {
        lmpviz_err_set(err, "%s", lmpnb_notebook_error(nb));
        return lmpnb_notebook_status(nb);
    }
    if (path == NULL) {
        lmpviz_err_set(err, "no output path");
        return LMPVIZ_ERR_INVALID_ARG;
    }
    memset(&af, 0, sizeof af);
    st = lmpviz_afile_open(&af, path, err);
    if (st != LMPVIZ_OK)
        return st;
    /* Jupyter's own layout: indent 1, sorted keys, UTF-8; a final newline. */
    if (json_dumpf(nb->root, af.fp, JSON_INDENT(1) | JSON_SORT_KEYS) != 0 ||
        fputc('\n', af.fp) == EOF) {
        lmpviz_err_set(err, "cannot write the notebook");
        return lmpviz_afile_fail(&af, LMPVIZ_ERR_IO, err);
    }
    return lmpviz_afile_commit(&af, err);
}

size_t
lmpnb_base64_size(size_t len)
{
    return 4 * ((len + 2) / 3) + 1;
}

size_t
lmpnb_base64_encode(const unsigned char *src, size_t len, char *dst)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i, o = 0;

    for (i = 0; i + 2 < len; i += 3) {
        unsigned long v = (unsigned long)src[i] << 16 | (unsigned long)src[i + 1] << 8 | src[i + 2];
        dst[o++] = tab[(v >> 18) & 63];
        dst[o++] = tab[(v >> 12) & 63];
        dst[o++] = tab[(v >> 6) & 63];
        dst[o++] = tab[v & 63];
    }
    if (i < len) {
        unsigned long v =
            (unsigned long)src[i] << 16 | (i + 1 < len ? (unsigned long)src[i + 1] << 8 : 0);
        dst[o++] = tab[(v >> 18) & 63];
        dst[o++] = tab[(v >> 12) & 63];
        dst[o++] = i + 1 < len ? tab[(v >> 6) & 63] : '=';
        dst[o++] = '=';
    }
    dst[o] = '\0';
    return o;
}

lmpviz_status
lmpnb_figure_png(lmpviz_figure *fig, unsigned char **png, size_t *len, lmpviz_err *err)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *fp;
    lmpviz_status st;

    *png = NULL;
    *len = 0;
    fp = open_memstream(&buf, &size);
    if (fp == NULL) {
        lmpviz_err_set(err, "out of memory for the PNG");
        return LMPVIZ_ERR_NOMEM;
    }
    st = lmpviz_figure_write(fig, LMPVIZ_FORMAT_PNG, fp, err);
    if (fclose(fp) != 0 && st == LMPVIZ_OK) {
        lmpviz_err_set(err, "out of memory for the PNG");
        st = LMPVIZ_ERR_NOMEM;
    }
    if (st != LMPVIZ_OK) {
        free(buf);
        return st;
    }
    *png = (unsigned char *)buf;
    *len = size;
    return LMPVIZ_OK;
}

/* ------------------------------------------------------------------------
 * Growing text buffer for cell sources.
 */
void
lmpnbi_sb_printf(lmpnbi_sbuf *b, const char *fmt, ...)
{
    va_list ap;
    int need;

    if (b->oom)
        return;
    va_start(ap, fmt);
    need = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
    va_end(ap);
    if (need < 0) {
        b->oom = 1;
        return;
    }
    if (b->s == NULL || b->len + (size_t)need + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        char *s;
        while (cap < b->len + (size_t)need + 1)
            cap *= 2;
        s = realloc(b->s, cap);
        if (s == NULL) {
            b->oom = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
        va_start(ap, fmt);
        vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)need;
}

void
lmpnbi_sb_free(lmpnbi_sbuf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}
