/*
 * heatmap.c - one frame of `lmpviz heatmap`: read the frame, labels
 * and model output, compute losses and LMP weights, and build the figures.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lmpviz.h"
#include "lmpviz_private.h"
#include "plot/ticks.h"
#include "viz_internal.h"

/* Prefixes err->msg with the file name. */
static void
hf_prefix(lmpviz_err *err, const char *path)
{
    char tmp[LMPVIZ_ERR_LEN];

    if (err == NULL)
        return;
    snprintf(tmp, sizeof tmp, "%s", err->msg);
    lmpviz_err_set(err, "%s: %s", path, tmp[0] ? tmp : "failed");
}

static double
hf_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void
lmpviz_heatmap_free(lmpviz_heatmap *hm)
{
    if (hm == NULL)
        return;
    lmpviz_image_free(&hm->frame);
    lmpviz_big_free(hm->train);
    lmpviz_big_free(hm->valid);
    lmpviz_big_free(hm->pred);
    lmpviz_big_free(hm->loss);
    lmpviz_big_free(hm->weight);
    memset(hm, 0, sizeof *hm);
}

static const char *
shape_text(const lmpviz_array *a, char *buf, size_t len)
{
    size_t k, used = 0;

    buf[0] = '\0';
    used += (size_t)snprintf(buf, len, "(");
    for (k = 0; k < a->ndim && used < len; k++)
        used += (size_t)snprintf(buf + used, len - used, "%s%zu", k ? ", " : "", a->shape[k]);
    if (used < len)
        snprintf(buf + used, len - used, "%s)", a->ndim == 1 ? "," : "");
    return buf;
}

/* The labels as trainIds at the frame's size. */
static lmpviz_status
load_labels(const lmpviz_heatmap_input *in, lmpviz_heatmap *hm, lmpviz_err *err)
{
    lmpviz_labelmap lm;
    unsigned char *train = NULL;
    size_t n;
    lmpviz_status st;

    st = lmpviz_labelmap_read(in->labels, &lm, err);
    if (st != LMPVIZ_OK) {
        hf_prefix(err, in->labels);
        return st;
    }
    if ((lm.width != hm->width || lm.height != hm->height) && !in->resize) {
        lmpviz_err_set(
            err,
            "%s: expected %zux%zu labels to match the frame %s, got %zux%zu (--resize scales them)",
            in->labels, hm->width, hm->height, in->image, lm.width, lm.height);
        lmpviz_labelmap_free(&lm);
        return LMPVIZ_ERR_FORMAT;
    }
    n = lm.width * lm.height;
    train = malloc(n);
    hm->train = lmpviz_big_alloc(hm->width * hm->height);
    if (train == NULL || hm->train == NULL) {
        free(train);
        lmpviz_labelmap_free(&lm);
        lmpviz_err_set(err, "%s: out of memory", in->labels);
        return LMPVIZ_ERR_NOMEM;
    }
    st = lmpviz_cs_to_trainids(lm.data, n, lm.width, in->label_type, train, err);
    if (st != LMPVIZ_OK) {
        hf_prefix(err, in->labels);
        free(train);
        lmpviz_labelmap_free(&lm);
        return st;
    }
    if (lm.width == hm->width && lm.height == hm->height)
        memcpy(hm->train, train, n);
    else
        lmpviz_resize_nearest_u8(train, lm.width, lm.height, hm->train, hm->width, hm->height);
    free(train);
    lmpviz_labelmap_free(&lm);
    return LMPVIZ_OK;
}

static lmpviz_status
losses_from_scores(const lmpviz_heatmap_input *in,
                   const lmpviz_array *arr,
                   lmpviz_heatmap *hm,
                   lmpviz_err *err)
{
    lmpviz_scores sc;
    lmpviz_status st;
    char shape[96];

    st = lmpviz_scores_view(arr, in->layout, &sc, err);
    if (st != LMPVIZ_OK) {
        hf_prefix(err, in->pred);
        return st;
    }
    if ((sc.width != hm->width || sc.height != hm->height) && !in->resize) {
        lmpviz_err_set(
            err,
            "%s: expected scores of %zux%zu pixels to match the frame %s, got %zux%zu from "
            "shape %s "
            "(--resize scales them)",
            in->pred, hm->width, hm->height, in->image, sc.width, sc.height,
            shape_text(arr, shape, sizeof shape));
        return LMPVIZ_ERR_FORMAT;
    }
    st = lmpviz_seg_loss(
        &sc, in->pred_kind == LMPVIZ_PRED_LOGITS ? LMPVIZ_SCORES_LOGITS : LMPVIZ_SCORES_PROBS,
        hm->train, hm->width, hm->height, hm->loss, hm->valid, &hm->n_valid, err);
    if (st != LMPVIZ_OK) {
        hf_prefix(err, in->pred);
        return st;
    }
    if (in->want_argmax) {
        hm->pred = lmpviz_big_alloc(hm->width * hm->height);
        if (hm->pred == NULL ||
            lmpviz_seg_argmax(&sc, hm->width, hm->height, hm->pred) != LMPVIZ_OK) {
            lmpviz_err_set(err, "%s: out of memory", in->pred);
            return LMPVIZ_ERR_NOMEM;
        }
    }
    return LMPVIZ_OK;
}

static lmpviz_status
losses_from_map(const lmpviz_heatmap_input *in,
                const lmpviz_array *arr,
                lmpviz_heatmap *hm,
                lmpviz_err *err)
{
    size_t i, n = hm->width * hm->height, h, w;
    char shape[96];

    if (arr->ndim != 2 && !(arr->ndim == 3 && arr->shape[0] == 1)) {
        lmpviz_err_set(err, "%s: expected a loss map of shape (H, W), got %s", in->pred,
                       shape_text(arr, shape, sizeof shape));
        return LMPVIZ_ERR_FORMAT;
    }
    h = arr->shape[arr->ndim - 2];
    w = arr->shape[arr->ndim - 1];
    if (w == hm->width && h == hm->height) {
        memcpy(hm->loss, arr->data, n * sizeof *hm->loss);
    } else if (!in->resize) {
        lmpviz_err_set(
            err,
            "%s: expected a %zux%zu loss map (shape (%zu, %zu)) to match the frame %s, got %s "
            "(--resize scales it)",
            in->pred, hm->width, hm->height, hm->height, hm->width, in->image,
            shape_text(arr, shape, sizeof shape));
        return LMPVIZ_ERR_FORMAT;
    } else if (w == 0 || h == 0) {
        lmpviz_err_set(err, "%s: expected a non-empty loss map, got %s", in->pred,
                       shape_text(arr, shape, sizeof shape));
        return LMPVIZ_ERR_FORMAT;
    } else if (lmpviz_resize_bilinear_f32(arr->data, w, h, hm->loss, hm->width, hm->height) !=
               LMPVIZ_OK) {
        lmpviz_err_set(err, "%s: out of memory", in->pred);
        return LMPVIZ_ERR_NOMEM;
    }
    hm->n_valid = 0;
    for (i = 0; i < n; i++) {
        hm->valid[i] = hm->train[i] != LMPVIZ_CS_IGNORE;
        if (!hm->valid[i])
            hm->loss[i] = 0.0f;
        hm->n_valid += hm->valid[i];
    }
    return LMPVIZ_OK;
}

/* "a frame of 32767x32767 = 1073676289 pixels: expected at most ..." */
static lmpviz_status
check_cap(const char *path, size_t w, size_t h, size_t cap, lmpviz_err *err)
{
    if (w > cap / (h ? h : 1) || w * h > cap) {
        lmpviz_err_set(err,
                       "%s: expected at most %zu pixels (--max-pixels raises the limit), got "
                       "%zux%zu = %zu",
                       path, cap, w, h, w * h);
        return LMPVIZ_ERR_FORMAT;
    }
    return LMPVIZ_OK;
}

lmpviz_status
lmpviz_inputs_check(const lmpviz_heatmap_input *in, lmpviz_err *err)
{
    size_t cap = in->max_pixels > 0 ? in->max_pixels : LMPVIZ_MAX_PIXELS;
    size_t fw = 0, fh = 0, lw, lh, pw, ph;
    const char *ref;
    lmpviz_array hdr;
    lmpviz_status st;
    char shape[96];

    if (in->labels == NULL || in->pred == NULL)
        return LMPVIZ_ERR_INVALID_ARG;
    if (in->image != NULL) {
        st = lmpviz_png_size(in->image, &fw, &fh, err);
        if (st != LMPVIZ_OK) {
            hf_prefix(err, in->image);
            return st;
        }
        st = check_cap(in->image, fw, fh, cap, err);
        if (st != LMPVIZ_OK)
            return st;
    }
    st = lmpviz_png_size(in->labels, &lw, &lh, err);
    if (st != LMPVIZ_OK) {
        hf_prefix(err, in->labels);
        return st;
    }
    st = check_cap(in->labels, lw, lh, cap, err);
    if (st != LMPVIZ_OK)
        return st;
    if (in->image != NULL && (lw != fw || lh != fh) && !in->resize) {
        lmpviz_err_set(
            err,
            "%s: expected %zux%zu labels to match the frame %s, got %zux%zu (--resize scales them)",
            in->labels, fw, fh, in->image, lw, lh);
        return LMPVIZ_ERR_FORMAT;
    }
    /* the size everything else must have */
    ref = in->image != NULL ? in->image : in->labels;
    if (in->image == NULL) {
        fw = lw;
        fh = lh;
    }
    st = lmpviz_npy_read_header(in->pred, &hdr, err);
    if (st != LMPVIZ_OK) {
        hf_prefix(err, in->pred);
        return st;
    }
    if (in->pred_kind == LMPVIZ_PRED_LOSS) {
        if (hdr.ndim != 2 && !(hdr.ndim == 3 && hdr.shape[0] == 1))
            return LMPVIZ_OK; /* the full read names the shape */
        ph = hdr.shape[hdr.ndim - 2];
        pw = hdr.shape[hdr.ndim - 1];
        if ((pw != fw || ph != fh) && !in->resize) {
            lmpviz_err_set(
                err,
                "%s: expected a %zux%zu loss map (shape (%zu, %zu)) to match %s%s, got %s "
                "(--resize scales it)",
                in->pred, fw, fh, fh, fw, in->image != NULL ? "the frame " : "", ref,
                shape_text(&hdr, shape, sizeof shape));
            return LMPVIZ_ERR_FORMAT;
        }
    } else {
        lmpviz_scores sc;
        st = lmpviz_scores_view(&hdr, in->layout, &sc, err);
        if (st != LMPVIZ_OK) {
            hf_prefix(err, in->pred);
            return st;
        }
        pw = sc.width;
        ph = sc.height;
        if ((pw != fw || ph != fh) && !in->resize) {
            lmpviz_err_set(err,
                           "%s: expected scores of %zux%zu pixels to match %s%s, got %zux%zu from "
                           "shape %s (--resize scales them)",
                           in->pred, fw, fh, in->image != NULL ? "the frame " : "", ref, pw, ph,
                           shape_text(&hdr, shape, sizeof shape));
            return LMPVIZ_ERR_FORMAT;
        }
    }
    return check_cap(in->pred, pw, ph, cap, err);
}

lmpviz_status
lmpviz_heatmap_load(const lmpviz_heatmap_input *in,
                    const lmp_params *params,
                    lmpviz_heatmap *out,
                    lmpviz_err *err)
{
    lmpviz_array arr;
    lmpviz_status st;
    size_t n;
    double t0 = hf_now(), t1;

    if (out == NULL)
        return LMPVIZ_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    memset(&arr, 0, sizeof arr);
    if (in == NULL || in->image == NULL || in->labels == NULL || in->pred == NULL ||
        params == NULL) {
        lmpviz_err_set(err, "missing input file name or parameters");
        return LMPVIZ_ERR_INVALID_ARG;
    }
    if (lmp_params_check(params) != LMP_OK) {
        lmpviz_err_set(err, "invalid LMP parameters p = %g, m = %g", params->p, params->m);
        return LMPVIZ_ERR_INVALID_ARG;
    }
    out->params = *params;
    st = lmpviz_inputs_check(in, err);
    if (st != LMPVIZ_OK)
        goto fail;
    st = lmpviz_image_read(in->image, &out->frame, err);
    if (st != LMPVIZ_OK) {
        hf_prefix(err, in->image);
        goto fail;
    }
    out->width = out->frame.width;
    out->height = out->frame.height;
    n = out->width * out->height;
    st = load_labels(in, out, err);
    if (st != LMPVIZ_OK)
        goto fail;
    st = lmpviz_npy_read_float(in->pred, &arr, err);
    if (st != LMPVIZ_OK) {
        hf_prefix(err, in->pred);
        goto fail;
    }
    /* Frame-sized: mapped in huge pages, a few page faults instead of
     * thousands (lmpviz_big_alloc). */
    out->loss = lmpviz_big_alloc(n * sizeof *out->loss);
    out->weight = lmpviz_big_alloc(n * sizeof *out->weight);
    out->valid = lmpviz_big_alloc(n);
    if (out->loss == NULL || out->weight == NULL || out->valid == NULL) {
        lmpviz_err_set(err, "out of memory for a %zux%zu frame", out->width, out->height);
        st = LMPVIZ_ERR_NOMEM;
        goto fail;
    }
    t1 = hf_now();
    out->seconds_read = t1 - t0;
    if (in->pred_kind == LMPVIZ_PRED_LOSS)
        st = losses_from_map(in, &arr, out, err);
    else
        st = losses_from_scores(in, &arr, out, err);
    lmpviz_array_free(&arr);
    if (st != LMPVIZ_OK)
        goto fail;
    out->seconds_loss = hf_now() - t1;
    return LMPVIZ_OK;
fail:
    lmpviz_array_free(&arr);
    lmpviz_heatmap_free(out);
    return st;
}

lmpviz_status
lmpviz_heatmap_solved(lmpviz_heatmap *hm, const char *pred_path, lmp_status ls, lmpviz_err *err)
{
    lmpviz_status st;

    if (hm == NULL)
        return LMPVIZ_ERR_INVALID_ARG;
    if (ls == LMP_OK)
        return LMPVIZ_OK;
    if (ls == LMP_ERR_EMPTY) {
        hm->n_valid = 0;
        return LMPVIZ_OK;
    }
    if (ls == LMP_ERR_INVALID_LOSS) {
        lmpviz_err_set(err, "%s: expected losses >= 0 and finite, got %g at pixel (%zu, %zu)",
                       pred_path ? pred_path : "losses", (double)hm->result.bad_value,
                       hm->width ? hm->result.bad_index % hm->width : 0,
                       hm->width ? hm->result.bad_index / hm->width : 0);
        st = LMPVIZ_ERR_SOLVER;
    } else {
        lmpviz_err_set(err, "LMP solver: %s", lmp_status_string(ls));
        st = ls == LMP_ERR_NOMEM ? LMPVIZ_ERR_NOMEM : LMPVIZ_ERR_SOLVER;
    }
    lmpviz_heatmap_free(hm);
    return st;
}

lmpviz_status
lmpviz_heatmap_compute(const lmpviz_heatmap_input *in,
                       const lmp_params *params,
                       lmp_workspace *ws,
                       lmpviz_heatmap *out,
                       lmpviz_err *err)
{
    lmpviz_status st;
    lmp_status ls;
    double t0;

    st = lmpviz_heatmap_load(in, params, out, err);
    if (st != LMPVIZ_OK)
        return st;
    t0 = hf_now();
    ls = lmp_solve(out->loss, out->valid, out->width * out->height, params, out->weight,
                   &out->result, ws);
    out->seconds_solve = hf_now() - t0;
    return lmpviz_heatmap_solved(out, in->pred, ls, err);
}

/* ------------------------------------------------------------------------
 * Figures
 */

static void
default_title(const lmpviz_heatmap *hm, char *buf, size_t len)
{
    char p[32];

    lmpviz_format_p(p, sizeof p, hm->params.p);
    if (hm->params.m_pixels > 0.0)
        snprintf(buf, len,
                 "LMP weights: p = %s, m = %.6g px, n = %zu   LMP loss %.4g, mean loss %.4g", p,
                 hm->result.m_px, hm->n_valid, hm->result.value, hm->result.mean);
    else
        snprintf(buf, len,
                 "LMP weights: p = %s, m = %g (%.6g px), n = %zu   LMP loss %.4g, mean loss %.4g",
                 p, hm->params.m, hm->result.m_px, hm->n_valid, hm->result.value, hm->result.mean);
}

/* An image panel: no axes, equal aspect, the raster over [0, w] x [0, h]. */
static void
image_panel(lmpviz_panel *pn, const uint32_t *argb, size_t w, size_t h, int smooth, const char *title)
{
    lmpviz_panel_set_axes_visible(pn, 0);
    lmpviz_panel_set_equal_aspect(pn, 1);
    lmpviz_panel_set_xlim(pn, 0.0, (double)w);
    lmpviz_panel_set_ylim(pn, 0.0, (double)h);
    lmpviz_panel_set_legend(pn, LMPVIZ_LEGEND_NONE);
    lmpviz_panel_add_image(pn, argb, w, h, w, 0.0, 0.0, (double)w, (double)h, smooth);
    if (title != NULL)
        lmpviz_panel_set_title(pn, title);
}

static void
cmap_colorbar(lmpviz_panel *pn,
              lmpviz_cmap cmap,
              const double *pos,
              const char *const *labels,
              size_t n_ticks,
              const char *label)
{
    lmpviz_color colors[LMPVIZ_CMAP_SIZE];
    size_t i;

    for (i = 0; i < LMPVIZ_CMAP_SIZE; i++)
        colors[i] = lmpviz_cmap_color(cmap, (double)i / (LMPVIZ_CMAP_SIZE - 1));
    lmpviz_panel_set_colorbar(pn, colors, LMPVIZ_CMAP_SIZE, pos, labels, n_ticks, label);
}

static void
weight_colorbar(lmpviz_panel *pn, const lmpviz_colorscale *cs, lmpviz_cmap cmap)
{
    double pos[16];
    const char *labels[16];
    char buf[16 * 24];
    size_t k = lmpviz_colorscale_ticks(cs, pos, labels, buf, 16);
    const char *label = cs->scale == LMPVIZ_HSCALE_RANK  ? "n·w (rank scale; 1 = uniform)"
                        : cs->scale == LMPVIZ_HSCALE_LOG ? "n·w (log scale; 1 = uniform)"
                                                         : "n·w (1 = uniform weight)";
    cmap_colorbar(pn, cmap, pos, labels, k, label);
}

/* The weights over the frame with their colour bar. */
static void
weights_panel(lmpviz_panel *pn, const lmpviz_heatmap *hm, const lmpviz_overlay_opts *ov, uint32_t *buf, const char *title)
{
    lmpviz_colorscale cs;
    lmpviz_status st = lmpviz_overlay_render(&hm->frame, hm->weight, hm->valid, hm->n_valid,
                                             hm->result.tau, ov, buf, &cs);
    if (st != LMPVIZ_OK) {
        lmpvizi_panel_fail(pn, st, "weight overlay: %s", lmpviz_status_string(st));
        return;
    }
    image_panel(pn, buf, hm->width, hm->height, 1, title);
    weight_colorbar(pn, &cs, ov->cmap);
}

/* 99th percentile of the valid losses (the loss panel's top). */
static double
loss_top(const lmpviz_heatmap *hm)
{
    size_t i, k = 0, n = hm->width * hm->height;
    float *v;
    double top;

    if (hm->n_valid == 0)
        return 1.0;
    v = lmpviz_big_alloc(hm->n_valid * sizeof *v);
    if (v == NULL)
        return 5.0;
    for (i = 0; i < n && k < hm->n_valid; i++) {
        if (hm->valid[i])
            v[k++] = hm->loss[i];
    }
    top = lmp_select(v, k, (size_t)(0.99 * (double)(k - 1)));
    lmpviz_big_free(v);
    return top > 0.0 ? top : 1.0;
}

/* The losses in magma up to their 99th percentile, with a colour bar. */
static void
loss_panel(lmpviz_panel *pn, const lmpviz_heatmap *hm, uint32_t *buf)
{
    const double top = loss_top(hm);
    double pos[11];
    const char *labels[11];
    char text[11][LMPVIZI_BAR_LABEL];
    size_t i, k = lmpvizi_bar_ticks(LMPVIZ_HSCALE_LINEAR, 0.0, top, NULL, 4, NULL, pos, text, 11);

    for (i = 0; i < k; i++)
        labels[i] = text[i];
    lmpviz_scalar_render(hm->loss, hm->valid, hm->width, hm->height, LMPVIZ_CMAP_MAGMA, top, buf);
    image_panel(pn, buf, hm->width, hm->height, 1, "cross-entropy loss (ignored: grey)");
    cmap_colorbar(pn, LMPVIZ_CMAP_MAGMA, pos, labels, k, "loss (nats), 99th pct. top");
}

/* Horizontal bars: share of pixels, loss and LMP weight per class. */
static void
shares_panel(lmpviz_panel *pn, const lmpviz_heatmap *hm)
{
    static const char *names[3] = { "pixels", "loss", "LMP weight" };
    lmpviz_class_stats cst;
    lmpviz_class_row rows[LMPVIZ_CS_CLASSES];
    lmpviz_color cols[3];
    size_t n, k, j;
    double top = 0.0;
    lmpviz_status st;

    cols[0] = lmpviz_color_hex(0x999999);
    cols[1] = lmpviz_palette_color(4);
    cols[2] = lmpviz_palette_color(0);
    memset(&cst, 0, sizeof cst);
    st = lmpviz_class_stats_add(&cst, hm->train, hm->loss, hm->weight, hm->width * hm->height,
                                hm->n_valid);
    if (st != LMPVIZ_OK) {
        lmpvizi_panel_fail(pn, st, "class shares: %s", lmpviz_status_string(st));
        return;
    }
    n = lmpviz_class_stats_rows(&cst, rows);
    for (k = 0; k < n; k++)
        top = fmax(top, 100.0 * fmax(rows[k].pixel_share, fmax(rows[k].loss_share, rows[k].weight_share)));
    if (!(top > 0.0))
        top = 1.0;
    lmpviz_panel_set_title(pn, "share per class (%); ×k: mean n·w");
    lmpviz_panel_set_ylim(pn, -0.6, (double)n - 0.4);
    lmpviz_panel_set_xlim(pn, -0.42 * top, 1.05 * top);
    lmpviz_panel_set_axes_visible(pn, 0);
    /* Outside: the bars of the big classes reach into every corner. */
    lmpviz_panel_set_legend(pn, LMPVIZ_LEGEND_OUTSIDE_RIGHT);
    for (k = 0; k < n; k++) {
        const double yc = (double)(n - 1 - k);
        const double vals[3] = { 100.0 * rows[k].pixel_share, 100.0 * rows[k].loss_share,
                                 100.0 * rows[k].weight_share };
        char txt[40];
        for (j = 0; j < 3; j++) {
            double y0 = yc + 0.27 - 0.27 * (double)j - 0.13, y1 = y0 + 0.26;
            double bx[4] = { 0.0, vals[j], vals[j], 0.0 };
            double by[4] = { y0, y0, y1, y1 };
            lmpviz_style s = lmpviz_style_line(cols[j], LMPVIZ_DASH_SOLID);
            s.line_width = 0.0;
            s.fill_alpha = 1.0;
            lmpviz_panel_add_polygon(pn, bx, by, 4, &s, k == 0 ? names[j] : NULL);
        }
        snprintf(txt, sizeof txt, "%s ×%.2g", rows[k].name, rows[k].mean_nw);
        lmpviz_panel_add_text(pn, 0.0, yc, -3.0, 0.0, LMPVIZ_ANCHOR_E, lmpviz_color_hex(0), 8.0, txt);
    }
}

/* The overlay alone: the frame at about its own size (bounded), with text
 * scaled along so that it stays legible. */
static lmpviz_figure *
overlay_figure(const lmpviz_heatmap *hm, const lmpviz_heatmap_fig_opts *opts)
{
    const size_t w = hm->width, h = hm->height;
    const size_t fw = opts->width_px ? opts->width_px : (w + 240 < 1000 ? 1000 : (w + 240 > 2400 ? 2400 : w + 240));
    const double dpi = fmin(240.0, fmax(100.0, 100.0 * (double)fw / 1100.0));
    const double scale = dpi / 72.0;
    const double img_w = (double)fw / scale - 16.0 - 100.0; /* cell pads, colour bar with its labels */
    const double hpt = img_w * (double)h / (double)w + 16.0 + 13.0 * 1.25 + 8.0;

    return lmpviz_figure_create(fw, (size_t)ceil(hpt * scale), dpi, 1, 1);
}

/* Frame | ground truth | prediction over loss | weights | class shares. */
static lmpviz_figure *
panels_figure(const lmpviz_heatmap *hm, const lmpviz_heatmap_fig_opts *opts)
{
    const size_t w = hm->width, h = hm->height;
    const size_t fw = opts->width_px ? opts->width_px : 2100;
    const double dpi = fmax(80.0, 100.0 * (double)fw / 1800.0);
    const double scale = dpi / 72.0;
    const double img_w = (double)fw / scale / 3.0 - 16.0 - 70.0;
    const double hpt = 2.0 * (img_w * (double)h / (double)w + 16.0 + 12.0 * 1.25 + 7.0) + 13.0 * 1.25 + 8.0;

    return lmpviz_figure_create(fw, (size_t)ceil(hpt * scale), dpi, 2, 3);
}

static void
draw_panels(lmpviz_figure *fig, const lmpviz_heatmap *hm, const lmpviz_heatmap_fig_opts *opts, uint32_t *buf)
{
    const size_t w = hm->width, h = hm->height;

    lmpviz_image_to_argb(&hm->frame, buf);
    image_panel(lmpviz_figure_panel(fig, 0, 0), buf, w, h, 1, "frame");
    lmpviz_labels_render(hm->train, NULL, 0.0, w, h, buf);
    image_panel(lmpviz_figure_panel(fig, 0, 1), buf, w, h, 0, "ground truth");
    if (hm->pred != NULL) {
        lmpviz_labels_render(hm->pred, NULL, 0.0, w, h, buf);
        image_panel(lmpviz_figure_panel(fig, 0, 2), buf, w, h, 0, "prediction (argmax)");
    } else {
        lmpviz_image_to_argb(&hm->frame, buf);
        image_panel(lmpviz_figure_panel(fig, 0, 2), buf, w, h, 1, "prediction: not available from a loss map");
    }
    loss_panel(lmpviz_figure_panel(fig, 1, 0), hm, buf);
    weights_panel(lmpviz_figure_panel(fig, 1, 1), hm, &opts->overlay, buf, "LMP weights");
    shares_panel(lmpviz_figure_panel(fig, 1, 2), hm);
}

lmpviz_figure *
lmpviz_heatmap_figure(const lmpviz_heatmap *hm, const lmpviz_heatmap_fig_opts *opts)
{
    lmpviz_figure *fig;
    uint32_t *buf;
    char title[256];

    if (hm == NULL || opts == NULL || hm->frame.rgb == NULL || hm->width == 0 || hm->height == 0)
        return lmpvizi_figure_nil(LMPVIZ_ERR_INVALID_ARG);
    fig = opts->panels ? panels_figure(hm, opts) : overlay_figure(hm, opts);
    if (lmpviz_figure_status(fig) != LMPVIZ_OK)
        return fig;
    if (opts->title != NULL)
        snprintf(title, sizeof title, "%s", opts->title);
    else
        default_title(hm, title, sizeof title);
    lmpviz_figure_set_title(fig, title);
    buf = lmpviz_big_alloc(hm->width * hm->height * sizeof *buf);
    if (buf == NULL) {
        lmpvizi_figure_fail(fig, LMPVIZ_ERR_NOMEM, "out of memory for a %zux%zu raster", hm->width, hm->height);
        return fig;
    }
    if (opts->panels)
        draw_panels(fig, hm, opts, buf);
    else
        weights_panel(lmpviz_figure_panel(fig, 0, 0), hm, &opts->overlay, buf, NULL);
    /* zlib level 2: a 2-megapixel figure encodes ~5x faster than at cairo's
     * default, for a file ~15% larger. */
    lmpviz_figure_set_png_level(fig, 2);
    lmpviz_big_free(buf);
    return fig;
}
