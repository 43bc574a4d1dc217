/*
 * notebook_heatmap_map.c - what lets the heatmap notebook redraw the whole
 * weight map for a new p and m: the loss map at reduced resolution (every
 * k-th pixel of every k-th row, so the values are real pixel losses and
 * their distribution is the frame's), lmpviz's solution on that map for the
 * check cell, and the absolute paths of the inputs.
 */
#define _DEFAULT_SOURCE /* realpath */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notebook.h"
#include "notebook_internal.h"

typedef struct map_ctx {
    const lmpnb_heatmap_input *in;
    lmpviz_err *err;
} map_ctx;

/* The absolute path of a file, as a Python string (None when unknown). */
static void
sb_abs_path(lmpnbi_sbuf *b, const char *path)
{
    char *abs = path ? realpath(path, NULL) : NULL;
    if (abs == NULL && path == NULL) {
        lmpnbi_sb_printf(b, "None");
        return;
    }
    lmpnbi_sb_py_str(b, abs ? abs : path);
    free(abs);
}

static lmpviz_status
map_data(lmpnb_notebook *nb, const map_ctx *cx)
{
    const lmpviz_heatmap *hm = cx->in->hm;
    const size_t stride = (hm->width + LMPNB_LOSS_MAP_WIDTH - 1) / LMPNB_LOSS_MAP_WIDTH;
    const size_t mw = (hm->width + stride - 1) / stride, mh = (hm->height + stride - 1) / stride;
    lmpnbi_sbuf b = { 0 };
    float *map = malloc(mw * mh * sizeof *map), *w = malloc(mw * mh * sizeof *w);
    unsigned char *valid = malloc(mw * mh);
    lmp_result r;
    lmp_params prm;
    lmp_status ls;
    lmpviz_status st = LMPVIZ_ERR_NOMEM;
    size_t x, y, nv = 0;
    double sum = 0.0;
    char num[64];

    if (map == NULL || w == NULL || valid == NULL)
        goto done;
    for (y = 0; y < mh; y++) {
        for (x = 0; x < mw; x++) {
            size_t yy = y * stride + stride / 2, xx = x * stride + stride / 2, i;
            if (yy >= hm->height)
                yy = hm->height - 1;
            if (xx >= hm->width)
                xx = hm->width - 1;
            i = yy * hm->width + xx;
            valid[y * mw + x] = hm->valid[i];
            map[y * mw + x] = hm->valid[i] ? hm->loss[i] : NAN;
            nv += hm->valid[i] != 0;
        }
    }
    /* m as the frame's fraction m_px / n, also when it was given in pixels:
     * the reduced map has fewer pixels. */
    prm = hm->params;
    prm.m_pixels = 0.0;
    prm.m = hm->n_valid > 0 ? fmin(fmax(hm->result.m_px / (double)hm->n_valid, 1e-300), 1.0) : 0.1;
    memset(&r, 0, sizeof r);
    ls = nv > 0 ? lmp_solve(map, valid, mw * mh, &prm, w, &r, NULL) : LMP_OK;
    if (ls != LMP_OK) {
        lmpviz_err_set(cx->err, "cannot solve LMP on the reduced loss map: %s",
                       lmp_status_string(ls));
        st = LMPVIZ_ERR_SOLVER;
        goto done;
    }
    lmpnbi_sb_printf(
        &b,
        "import base64\n\n# Written by lmpviz %s.\n# The inputs (absolute paths; the notebook "
        "needs none of them: its data is embedded).\nINPUTS = dict(image=",
        lmp_version());
    sb_abs_path(&b, cx->in->image);
    lmpnbi_sb_printf(&b, ", labels=");
    sb_abs_path(&b, cx->in->labels);
    lmpnbi_sb_printf(&b, ", pred=");
    sb_abs_path(&b, cx->in->pred);
    lmpnbi_sb_printf(&b, ")\nM_FRAC = %s  # m as a fraction (m_px / n)\n",
                     lmpnbi_py_num(prm.m, num, sizeof num));
    lmpnbi_sb_printf(
        &b,
        "# The per-pixel loss of every %zu-th pixel of every %zu-th row (%zu x %zu; nan:\n"
        "# ignored), from the %zu x %zu frame.\nLOSS_MAP = ",
        stride, stride, mw, mh, hm->width, hm->height);
    lmpnbi_sb_float_b64(&b, map, mw * mh);
    lmpnbi_sb_printf(&b, ".reshape(%zu, %zu)\n", mh, mw);
    lmpnbi_sb_printf(
        &b, "# lmpviz's LMP on LOSS_MAP alone, at the frame's p and m (for the check cell).\n");
    for (x = 0; x < mw * mh; x++)
        sum += valid[x] ? (double)w[x] : 0.0;
    lmpnbi_sb_printf(&b, "REDUCED = dict(n_valid=%zu, ", r.n_valid);
    lmpnbi_sb_printf(&b, "m_px=%s, ", lmpnbi_py_num(r.m_px, num, sizeof num));
    lmpnbi_sb_printf(&b, "tau=%s, ", lmpnbi_py_num(r.tau, num, sizeof num));
    lmpnbi_sb_printf(&b, "theta=%s, ", lmpnbi_py_num(r.theta, num, sizeof num));
    lmpnbi_sb_printf(&b, "value=%s, ", lmpnbi_py_num(r.value, num, sizeof num));
    lmpnbi_sb_printf(&b, "weight_sum=%s)\n", lmpnbi_py_num(sum, num, sizeof num));
    st = lmpnbi_add_cell(nb, &b, 1, NULL, 0, NULL);

done:
    lmpnbi_sb_free(&b);
    free(map);
    free(w);
    free(valid);
    return st;
}

static lmpviz_status
map_slot(lmpnb_notebook *nb, const char *name, void *ctx)
{
    if (strcmp(name, "lossmap") == 0)
        return map_data(nb, ctx);
    return LMPVIZ_ERR_INVALID_ARG;
}

lmpviz_status
lmpnbi_heatmap_map_cells(lmpnb_notebook *nb, const lmpnb_heatmap_input *in, lmpviz_err *err)
{
    map_ctx cx;
    cx.in = in;
    cx.err = err;
    return lmpnbi_add_cells(nb, LMPVIZ_OK, lmpnbi_cells_heatmap, map_slot, &cx);
}
