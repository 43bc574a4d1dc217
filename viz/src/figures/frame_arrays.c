/*
 * frame_arrays.c - `lmpviz heatmap`'s pictures and class shares from arrays
 * in memory: the arrays become an lmpviz_heatmap like the one
 * seg/frame_input.c reads from files (labels to trainIds, losses from the
 * scores, LMP weights), which lmpviz_heatmap_figure draws and
 * lmpviz_figure_render_rgb renders.  The caller's arrays are borrowed where
 * the heatmap can use them as they are (the frame); what is derived is
 * allocated here and freed with the view.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmpviz.h"
#include "lmpviz/draw.h"
#include "lmpviz_private.h"
#include "viz_internal.h"

/* A heatmap over the caller's arrays, and what was allocated for it (the
 * frame and the weights may be the caller's, read only). */
typedef struct arrays_view {
    lmpviz_heatmap hm;
    unsigned char *own_rgb;
    float *own_weight;
} arrays_view;

static void
view_free(arrays_view *v)
{
    lmpviz_big_free(v->own_rgb);
    lmpviz_big_free(v->hm.train);
    lmpviz_big_free(v->hm.valid);
    lmpviz_big_free(v->hm.pred);
    lmpviz_big_free(v->hm.loss);
    lmpviz_big_free(v->own_weight);
    memset(v, 0, sizeof *v);
}

/* Prefixes err->msg with the argument's name. */
static void
arg_prefix(lmpviz_err *err, const char *name)
{
    char tmp[LMPVIZ_ERR_LEN];

    if (err == NULL)
        return;
    snprintf(tmp, sizeof tmp, "%s", err->msg);
    lmpviz_err_set(err, "%s: %s", name, tmp[0] ? tmp : "failed");
}

static lmpviz_status
nomem(lmpviz_err *err, const arrays_view *v)
{
    lmpviz_err_set(err, "out of memory for a %zux%zu frame", v->hm.width, v->hm.height);
    return LMPVIZ_ERR_NOMEM;
}

/* hm.train from the labels, or NULL without them. */
static lmpviz_status
view_labels(const lmpviz_frame_arrays *in, arrays_view *v, lmpviz_err *err)
{
    const size_t n = v->hm.width * v->hm.height;
    lmpviz_status st;

    if (in->labels == NULL)
        return LMPVIZ_OK;
    v->hm.train = lmpviz_big_alloc(n);
    if (v->hm.train == NULL)
        return nomem(err, v);
    st = lmpviz_cs_to_trainids(in->labels, n, v->hm.width, in->label_type, v->hm.train, err);
    if (st != LMPVIZ_OK)
        arg_prefix(err, "labels");
    return st;
}

/* hm.valid: the caller's mask, else labels that are not ignored, else every
 * pixel; and, with scores, the cross-entropy (or the loss map) in hm.loss,
 * 0 at pixels that are not valid, as `lmpviz heatmap` has them. */
static lmpviz_status
view_losses(const lmpviz_frame_arrays *in, int want_argmax, arrays_view *v, lmpviz_err *err)
{
    const size_t w = v->hm.width, h = v->hm.height, n = w * h;
    lmpviz_status st;
    size_t i;

    v->hm.valid = lmpviz_big_alloc(n);
    if (v->hm.valid == NULL)
        return nomem(err, v);
    for (i = 0; i < n; i++)
        v->hm.valid[i] = v->hm.train == NULL || v->hm.train[i] != LMPVIZ_CS_IGNORE;
    if (in->scores != NULL) {
        v->hm.loss = lmpviz_big_alloc(n * sizeof *v->hm.loss);
        if (v->hm.loss == NULL)
            return nomem(err, v);
    }
    if (in->scores != NULL && in->pred_kind != LMPVIZ_PRED_LOSS) {
        lmpviz_scores sc = { in->scores, in->classes, h, w, h * w, w, 1 };
        if (v->hm.train == NULL) {
            lmpviz_err_set(err, "labels: expected the labels with probabilities or logits");
            return LMPVIZ_ERR_INVALID_ARG;
        }
        if (in->classes < 2) {
            lmpviz_err_set(err, "scores: expected at least 2 classes, got %zu", in->classes);
            return LMPVIZ_ERR_INVALID_ARG;
        }
        st = lmpviz_seg_loss(
            &sc, in->pred_kind == LMPVIZ_PRED_LOGITS ? LMPVIZ_SCORES_LOGITS : LMPVIZ_SCORES_PROBS,
            v->hm.train, w, h, v->hm.loss, v->hm.valid, NULL, err);
        if (st != LMPVIZ_OK) {
            arg_prefix(err, "scores");
            return st;
        }
        if (want_argmax) {
            v->hm.pred = lmpviz_big_alloc(n);
            if (v->hm.pred == NULL || lmpviz_seg_argmax(&sc, w, h, v->hm.pred) != LMPVIZ_OK)
                return nomem(err, v);
        }
    } else if (in->scores != NULL) {
        memcpy(v->hm.loss, in->scores, n * sizeof *v->hm.loss);
    }
    v->hm.n_valid = 0;
    for (i = 0; i < n; i++) {
        if (in->valid != NULL && in->valid[i] == 0)
            v->hm.valid[i] = 0;
        if (v->hm.loss != NULL && !v->hm.valid[i])
            v->hm.loss[i] = 0.0f;
        v->hm.n_valid += v->hm.valid[i];
    }
    return LMPVIZ_OK;
}

/* The caller's weights (0 where not valid) and what the picture needs of a
 * result: tau (the largest weight, which is LMP's cap), n, the LMP and the
 * mean loss when there are losses. */
static lmpviz_status
view_given_weights(const lmpviz_frame_arrays *in, arrays_view *v, lmpviz_err *err)
{
    const size_t w = v->hm.width, n = w * v->hm.height;
    const float *wt = in->weight;
    double value = 0.0, sum = 0.0;
    float top = 0.0f;
    int stray = 0; /* a weight where the pixel is not valid */
    size_t i;

    for (i = 0; i < n; i++) {
        const float x = wt[i];
        if (!v->hm.valid[i]) {
            stray |= x != 0.0f;
            continue;
        }
        if (!(isfinite(x) && x >= 0.0f)) {
            lmpviz_err_set(err, "weight: expected finite values >= 0, got %g at pixel (%zu, %zu)",
                           (double)x, i % w, i / w);
            return LMPVIZ_ERR_INVALID_ARG;
        }
        if (x > top)
            top = x;
        if (v->hm.loss != NULL) {
            value += (double)x * (double)v->hm.loss[i];
            sum += (double)v->hm.loss[i];
        }
    }
    if (stray) {
        /* 0 where not valid, as the class shares and `heatmap` have them. */
        v->own_weight = lmpviz_big_alloc(n * sizeof *v->own_weight);
        if (v->own_weight == NULL)
            return nomem(err, v);
        for (i = 0; i < n; i++)
            v->own_weight[i] = v->hm.valid[i] ? wt[i] : 0.0f;
        v->hm.weight = v->own_weight;
    } else {
        /* Read only, like the frame. */
        v->hm.weight = (float *)(uintptr_t)wt;
    }
    if (in->result != NULL) {
        v->hm.result = *in->result;
        return LMPVIZ_OK;
    }
    memset(&v->hm.result, 0, sizeof v->hm.result);
    v->hm.result.tau = top;
    v->hm.result.n_valid = v->hm.n_valid;
    v->hm.result.value = value;
    v->hm.result.mean = v->hm.n_valid > 0 ? sum / (double)v->hm.n_valid : 0.0;
    return LMPVIZ_OK;
}

/* LMP over the valid losses, as lmpviz_heatmap_compute solves them. */
static lmpviz_status
view_solve(const lmpviz_frame_arrays *in, arrays_view *v, lmpviz_err *err)
{
    const size_t w = v->hm.width, n = w * v->hm.height;
    lmp_status ls;

    if (v->hm.loss == NULL) {
        lmpviz_err_set(err, "weight: expected the weights, or scores to solve LMP on");
        return LMPVIZ_ERR_INVALID_ARG;
    }
    v->own_weight = lmpviz_big_alloc(n * sizeof *v->own_weight);
    if (v->own_weight == NULL)
        return nomem(err, v);
    v->hm.weight = v->own_weight;
    ls = lmp_solve(v->hm.loss, v->hm.valid, n, &in->params, v->hm.weight, &v->hm.result, NULL);
    if (ls == LMP_OK)
        return LMPVIZ_OK;
    if (ls == LMP_ERR_EMPTY) {
        v->hm.n_valid = 0;
        return LMPVIZ_OK;
    }
    if (ls == LMP_ERR_INVALID_LOSS) {
        lmpviz_err_set(err, "scores: expected losses >= 0 and finite, got %g at pixel (%zu, %zu)",
                       (double)v->hm.result.bad_value, v->hm.result.bad_index % w,
                       v->hm.result.bad_index / w);
        return LMPVIZ_ERR_SOLVER;
    }
    lmpviz_err_set(err, "LMP solver: %s", lmp_status_string(ls));
    return ls == LMP_ERR_NOMEM ? LMPVIZ_ERR_NOMEM : LMPVIZ_ERR_SOLVER;
}

/* The heatmap of the arrays; need_labels and need_loss name what the caller
 * draws. */
static lmpviz_status
view_build(const lmpviz_frame_arrays *in,
           int need_labels,
           int need_loss,
           int want_argmax,
           arrays_view *v,
           lmpviz_err *err)
{
    size_t n;
    lmpviz_status st;

    memset(v, 0, sizeof *v);
    if (in == NULL) {
        lmpviz_err_set(err, "no frame arrays");
        return LMPVIZ_ERR_INVALID_ARG;
    }
    if (in->width == 0 || in->height == 0 || in->width > LMPVIZ_MAX_PIXELS / in->height) {
        lmpviz_err_set(err, "width, height: expected a frame of 1 to %zu pixels, got %zux%zu",
                       LMPVIZ_MAX_PIXELS, in->width, in->height);
        return LMPVIZ_ERR_INVALID_ARG;
    }
    if ((unsigned)in->pred_kind > LMPVIZ_PRED_LOSS ||
        (unsigned)in->label_type > LMPVIZ_LABELS_TRAINID) {
        lmpviz_err_set(err, "pred_kind, label_type: expected 0..2 and 0..1, got %d and %d",
                       (int)in->pred_kind, (int)in->label_type);
        return LMPVIZ_ERR_INVALID_ARG;
    }
    if (need_labels && in->labels == NULL) {
        lmpviz_err_set(err, "labels: expected the labels (the panels and class shares show them)");
        return LMPVIZ_ERR_INVALID_ARG;
    }
    if (need_loss && in->scores == NULL) {
        lmpviz_err_set(err, "scores: expected probabilities, logits or losses");
        return LMPVIZ_ERR_INVALID_ARG;
    }
    if (in->weight == NULL && lmp_params_check(&in->params) != LMP_OK) {
        lmpviz_err_set(err, "params: invalid LMP parameters p = %g, m = %g", in->params.p,
                       in->params.m);
        return LMPVIZ_ERR_INVALID_ARG;
    }
    n = in->width * in->height;
    v->hm.width = in->width;
    v->hm.height = in->height;
    v->hm.params = in->params;
    v->hm.frame.width = in->width;
    v->hm.frame.height = in->height;
    v->hm.frame.bit_depth = 8;
    v->hm.frame.channels = 3;
    if (in->image != NULL) {
        /* Read only: the figure copies the frame into its rasters. */
        v->hm.frame.rgb = (unsigned char *)(uintptr_t)in->image;
    } else {
        v->own_rgb = lmpviz_big_alloc(3 * n);
        if (v->own_rgb == NULL)
            return nomem(err, v);
        memset(v->own_rgb, 128, 3 * n);
        v->hm.frame.rgb = v->own_rgb;
    }
    st = view_labels(in, v, err);
    if (st == LMPVIZ_OK)
        st = view_losses(in, want_argmax, v, err);
    if (st == LMPVIZ_OK)
        st = in->weight != NULL ? view_given_weights(in, v, err) : view_solve(in, v, err);
    if (st != LMPVIZ_OK)
        view_free(v);
    return st;
}

lmpviz_status
lmpviz_arrays_render(const lmpviz_frame_arrays *in,
                     const lmpviz_heatmap_fig_opts *opts,
                     lmpviz_pixels *out,
                     lmpviz_err *err)
{
    lmpviz_heatmap_fig_opts fo;
    lmpviz_figure *fig;
    arrays_view v;
    lmpviz_status st;
    char title[96];

    if (out == NULL || opts == NULL) {
        lmpviz_err_set(err, "no options or output raster");
        return LMPVIZ_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof *out);
    st = view_build(in, opts->panels, opts->panels,
                    opts->panels && in->pred_kind != LMPVIZ_PRED_LOSS, &v, err);
    if (st != LMPVIZ_OK)
        return st;
    fo = *opts;
    if (fo.title == NULL && in->weight != NULL && in->result == NULL) {
        /* No solve to report (m_px, the LMP loss): what is known. */
        snprintf(title, sizeof title, "LMP weights: n = %zu", v.hm.n_valid);
        fo.title = title;
    }
    fig = lmpviz_heatmap_figure(&v.hm, &fo);
    st = lmpviz_figure_render_rgb(fig, out, err);
    lmpviz_figure_destroy(fig);
    view_free(&v);
    return st;
}

lmpviz_status
lmpviz_arrays_overlay(const lmpviz_frame_arrays *in,
                      const lmpviz_overlay_opts *opts,
                      lmpviz_pixels *out,
                      lmpviz_err *err)
{
    arrays_view v;
    unsigned char *data;
    lmpviz_status st;
    size_t n;

    if (out == NULL || opts == NULL) {
        lmpviz_err_set(err, "no options or output raster");
        return LMPVIZ_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof *out);
    st = view_build(in, 0, 0, 0, &v, err);
    if (st != LMPVIZ_OK)
        return st;
    n = v.hm.width * v.hm.height;
    /* ARGB32 rendered into the buffer returned, then packed to RGB in place
     * (lmpviz_pixels_free frees it with lmpviz_big_free). */
    data = lmpviz_big_alloc(n * sizeof(uint32_t));
    if (data == NULL) {
        st = nomem(err, &v);
        view_free(&v);
        return st;
    }
    st = lmpviz_overlay_render(&v.hm.frame, v.hm.weight, v.hm.valid, v.hm.n_valid, v.hm.result.tau,
                               opts, (uint32_t *)(void *)data, NULL);
    view_free(&v);
    if (st != LMPVIZ_OK) {
        lmpviz_big_free(data);
        lmpviz_err_set(err, st == LMPVIZ_ERR_NOMEM
                                ? "out of memory for the rank scale"
                                : "opts: expected alpha, dim and desaturate in [0, 1]");
        return st;
    }
    lmpvizi_argb_to_rgb(data, n);
    out->data = data;
    out->width = in->width;
    out->height = in->height;
    out->channels = 3;
    out->stride = 3 * in->width;
    return LMPVIZ_OK;
}

lmpviz_status
lmpviz_arrays_class_shares(const lmpviz_frame_arrays *in,
                           lmpviz_class_row rows[LMPVIZ_CS_CLASSES],
                           size_t *n_rows,
                           lmpviz_err *err)
{
    lmpviz_class_stats cs;
    arrays_view v;
    lmpviz_status st;

    if (rows == NULL || n_rows == NULL) {
        lmpviz_err_set(err, "no rows to fill");
        return LMPVIZ_ERR_INVALID_ARG;
    }
    *n_rows = 0;
    st = view_build(in, 1, 1, 0, &v, err);
    if (st != LMPVIZ_OK)
        return st;
    memset(&cs, 0, sizeof cs);
    st = lmpviz_class_stats_add(&cs, v.hm.train, v.hm.loss, v.hm.weight, v.hm.width * v.hm.height,
                                v.hm.n_valid);
    if (st == LMPVIZ_OK)
        *n_rows = lmpviz_class_stats_rows(&cs, rows);
    else
        lmpviz_err_set(err, "labels: %s", lmpviz_status_string(st));
    view_free(&v);
    return st;
}
