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

/* The loss map at reduced resolution: every stride-th pixel of every
 * stride-th row (the centre of each block), mw x mh. */
typedef struct reduced_map {
    size_t stride, mw, mh, n_valid;
    float *loss, *w; /* loss NaN where ignored; w: lmpviz's weights on it */
    unsigned char *valid;
} reduced_map;

static void
reduced_free(reduced_map *rm)
{
    free(rm->loss);
    free(rm->w);
    free(rm->valid);
}

/* Samples the map; LMPVIZ_ERR_NOMEM when out of memory. */
static lmpviz_status
reduced_sample(const lmpviz_heatmap *hm, reduced_map *rm)
{
    size_t x, y;

    memset(rm, 0, sizeof *rm);
    rm->stride = (hm->width + LMPNB_LOSS_MAP_WIDTH - 1) / LMPNB_LOSS_MAP_WIDTH;
    rm->mw = (hm->width + rm->stride - 1) / rm->stride;
    rm->mh = (hm->height + rm->stride - 1) / rm->stride;
    rm->loss = malloc(rm->mw * rm->mh * sizeof *rm->loss);
    rm->w = malloc(rm->mw * rm->mh * sizeof *rm->w);
    rm->valid = malloc(rm->mw * rm->mh);
    if (rm->loss == NULL || rm->w == NULL || rm->valid == NULL)
        return LMPVIZ_ERR_NOMEM;
    for (y = 0; y < rm->mh; y++) {
        for (x = 0; x < rm->mw; x++) {
            size_t yy = y * rm->stride + rm->stride / 2, xx = x * rm->stride + rm->stride / 2, i;
            if (yy >= hm->height)
                yy = hm->height - 1;
            if (xx >= hm->width)
                xx = hm->width - 1;
            i = yy * hm->width + xx;
            rm->valid[y * rm->mw + x] = hm->valid[i];
            rm->loss[y * rm->mw + x] = hm->valid[i] ? hm->loss[i] : NAN;
            rm->n_valid += hm->valid[i] != 0;
        }
    }
    return LMPVIZ_OK;
}

/* The code cell with the inputs, the reduced map and lmpviz's solution on
 * it (prm, r). */
static void
map_cell(lmpnb_notebook *nb,
         const lmpnb_heatmap_input *in,
         const reduced_map *rm,
         const lmp_params *prm,
         const lmp_result *r)
{
    const lmpviz_heatmap *hm = in->hm;
    lmpnbi_sbuf b = { 0 };
    double sum = 0.0;
    char num[64];
    size_t x;

    lmpnbi_sb_printf(
        &b,
        "import base64\n\n# Written by lmpviz %s.\n# The inputs (absolute paths; the notebook "
        "needs none of them: its data is embedded).\nINPUTS = dict(image=",
        lmp_version());
    sb_abs_path(&b, in->image);
    lmpnbi_sb_printf(&b, ", labels=");
    sb_abs_path(&b, in->labels);
    lmpnbi_sb_printf(&b, ", pred=");
    sb_abs_path(&b, in->pred);
    lmpnbi_sb_printf(&b, ")\nM_FRAC = %s  # m as a fraction (m_px / n)\n",
                     lmpnbi_py_num(prm->m, num, sizeof num));
    lmpnbi_sb_printf(
        &b,
        "# The per-pixel loss of every %zu-th pixel of every %zu-th row (%zu x %zu; nan:\n"
        "# ignored), from the %zu x %zu frame.\nLOSS_MAP = ",
        rm->stride, rm->stride, rm->mw, rm->mh, hm->width, hm->height);
    lmpnbi_sb_float_b64(&b, rm->loss, rm->mw * rm->mh);
    lmpnbi_sb_printf(&b, ".reshape(%zu, %zu)\n", rm->mh, rm->mw);
    lmpnbi_sb_printf(
        &b, "# lmpviz's LMP on LOSS_MAP alone, at the frame's p and m (for the check cell).\n");
    for (x = 0; x < rm->mw * rm->mh; x++)
        sum += rm->valid[x] ? (double)rm->w[x] : 0.0;
    lmpnbi_sb_printf(&b, "REDUCED = dict(n_valid=%zu, ", r->n_valid);
    lmpnbi_sb_result(&b, r);
    lmpnbi_sb_printf(&b, ", weight_sum=%s)\n", lmpnbi_py_num(sum, num, sizeof num));
    lmpnbi_add_cell(nb, &b, 1, NULL, 0, NULL);
}

static void
map_data(lmpnb_notebook *nb, const lmpnb_heatmap_input *in)
{
    const lmpviz_heatmap *hm = in->hm;
    reduced_map rm;
    lmp_result r;
    lmp_params prm;
    lmp_status ls;

    if (reduced_sample(hm, &rm) != LMPVIZ_OK) {
        reduced_free(&rm);
        lmpnbi_fail(nb, LMPVIZ_ERR_NOMEM, "out of memory for the notebook");
        return;
    }
    /* m as the frame's fraction m_px / n, also when it was given in pixels:
     * the reduced map has fewer pixels. */
    prm = hm->params;
    prm.m_pixels = 0.0;
    prm.m = hm->n_valid > 0 ? fmin(fmax(hm->result.m_px / (double)hm->n_valid, 1e-300), 1.0) : 0.1;
    memset(&r, 0, sizeof r);
    ls =
        rm.n_valid > 0 ? lmp_solve(rm.loss, rm.valid, rm.mw * rm.mh, &prm, rm.w, &r, NULL) : LMP_OK;
    if (ls != LMP_OK)
        lmpnbi_fail(nb, LMPVIZ_ERR_SOLVER, "cannot solve LMP on the reduced loss map: %s",
                    lmp_status_string(ls));
    else
        map_cell(nb, in, &rm, &prm, &r);
    reduced_free(&rm);
}

static void
map_slot(lmpnb_notebook *nb, const char *name, void *ctx)
{
    if (strcmp(name, "lossmap") == 0)
        map_data(nb, ctx);
    else
        lmpnbi_fail(nb, LMPVIZ_ERR_INVALID_ARG, "no cells for the slot %s", name);
}

void
lmpnbi_heatmap_map_cells(lmpnb_notebook *nb, const lmpnb_heatmap_input *in)
{
    lmpnbi_add_cells(nb, lmpnbi_cells_heatmap, map_slot, (void *)in);
}
