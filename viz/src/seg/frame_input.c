/*
 * frame_input.c - one frame's inputs, for every command that reads frames
 * (heatmap, compare): the frame PNG (optional), the label PNG and the model
 * output (.npy probabilities, logits or a loss map), checked against each
 * other from their headers first, then decoded into trainIds, per-pixel
 * losses and a validity mask at one size, and solved.  One set of messages,
 * each naming the file at fault and what was expected.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lmpviz.h"
#include "lmpviz_private.h"

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

/* What the other inputs must match: "the frame F", or the labels "L" when
 * there is no frame. */
static const char *
size_ref(const lmpviz_heatmap_input *in, char *buf, size_t len)
{
    if (in->image != NULL)
        snprintf(buf, len, "the frame %s", in->image);
    else
        snprintf(buf, len, "%s", in->labels);
    return buf;
}

/* The size mismatches, as the header check and the full read report them
 * (w x h: the size everything must have). */
static lmpviz_status
labels_mismatch(
    const lmpviz_heatmap_input *in, size_t w, size_t h, size_t lw, size_t lh, lmpviz_err *err)
{
    char ref[LMPVIZ_ERR_LEN / 2];
    lmpviz_err_set(err,
                   "%s: expected %zux%zu labels to match %s, got %zux%zu (--resize scales them)",
                   in->labels, w, h, size_ref(in, ref, sizeof ref), lw, lh);
    return LMPVIZ_ERR_FORMAT;
}

static lmpviz_status
scores_mismatch(const lmpviz_heatmap_input *in,
                size_t w,
                size_t h,
                const lmpviz_array *arr,
                const lmpviz_scores *sc,
                lmpviz_err *err)
{
    char ref[LMPVIZ_ERR_LEN / 2], shape[96];
    lmpviz_err_set(err,
                   "%s: expected scores of %zux%zu pixels to match %s, got %zux%zu from shape %s "
                   "(--resize scales them)",
                   in->pred, w, h, size_ref(in, ref, sizeof ref), sc->width, sc->height,
                   shape_text(arr, shape, sizeof shape));
    return LMPVIZ_ERR_FORMAT;
}

static lmpviz_status
map_mismatch(
    const lmpviz_heatmap_input *in, size_t w, size_t h, const lmpviz_array *arr, lmpviz_err *err)
{
    char ref[LMPVIZ_ERR_LEN / 2], shape[96];
    lmpviz_err_set(err,
                   "%s: expected a %zux%zu loss map (shape (%zu, %zu)) to match %s, got %s "
                   "(--resize scales it)",
                   in->pred, w, h, h, w, size_ref(in, ref, sizeof ref),
                   shape_text(arr, shape, sizeof shape));
    return LMPVIZ_ERR_FORMAT;
}

/* A loss map is (H, W) or (1, H, W). */
static int
map_shape_ok(const lmpviz_array *arr)
{
    return arr->ndim == 2 || (arr->ndim == 3 && arr->shape[0] == 1);
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
    if (hm->width == 0) { /* no frame: the labels set the size */
        hm->width = lm.width;
        hm->height = lm.height;
    }
    if ((lm.width != hm->width || lm.height != hm->height) && !in->resize) {
        lmpviz_labelmap_free(&lm);
        return labels_mismatch(in, hm->width, hm->height, lm.width, lm.height, err);
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

    st = lmpviz_scores_view(arr, in->layout, &sc, err);
    if (st != LMPVIZ_OK) {
        hf_prefix(err, in->pred);
        return st;
    }
    if ((sc.width != hm->width || sc.height != hm->height) && !in->resize)
        return scores_mismatch(in, hm->width, hm->height, arr, &sc, err);
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

    if (!map_shape_ok(arr)) {
        lmpviz_err_set(err, "%s: expected a loss map of shape (H, W), got %s", in->pred,
                       shape_text(arr, shape, sizeof shape));
        return LMPVIZ_ERR_FORMAT;
    }
    h = arr->shape[arr->ndim - 2];
    w = arr->shape[arr->ndim - 1];
    if (w == hm->width && h == hm->height) {
        memcpy(hm->loss, arr->data, n * sizeof *hm->loss);
    } else if (!in->resize) {
        return map_mismatch(in, hm->width, hm->height, arr, err);
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
    lmpviz_array hdr;
    lmpviz_status st;

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
    if (in->image != NULL && (lw != fw || lh != fh) && !in->resize)
        return labels_mismatch(in, fw, fh, lw, lh, err);
    /* the size everything else must have */
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
        if (!map_shape_ok(&hdr))
            return LMPVIZ_OK; /* the full read names the shape */
        ph = hdr.shape[hdr.ndim - 2];
        pw = hdr.shape[hdr.ndim - 1];
        if ((pw != fw || ph != fh) && !in->resize)
            return map_mismatch(in, fw, fh, &hdr, err);
    } else {
        lmpviz_scores sc;
        st = lmpviz_scores_view(&hdr, in->layout, &sc, err);
        if (st != LMPVIZ_OK) {
            hf_prefix(err, in->pred);
            return st;
        }
        pw = sc.width;
        ph = sc.height;
        if ((pw != fw || ph != fh) && !in->resize)
            return scores_mismatch(in, fw, fh, &hdr, &sc, err);
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
    if (in == NULL || in->labels == NULL || in->pred == NULL || params == NULL) {
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
    if (in->image != NULL) {
        st = lmpviz_image_read(in->image, &out->frame, err);
        if (st != LMPVIZ_OK) {
            hf_prefix(err, in->image);
            goto fail;
        }
        out->width = out->frame.width;
        out->height = out->frame.height;
    }
    st = load_labels(in, out, err);
    if (st != LMPVIZ_OK)
        goto fail;
    n = out->width * out->height;
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
