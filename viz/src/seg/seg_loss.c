/*
 * seg_loss.c - per-pixel cross-entropy from a segmentation network's
 * outputs (probabilities or logits, CHW or HWC), argmax predictions and the
 * resampling that maps a network's working resolution onto a frame.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmpviz.h"

lmpviz_status
lmpviz_scores_view(const lmpviz_array *a, lmpviz_layout layout, lmpviz_scores *out, lmpviz_err *err)
{
    int hwc;

    if (a == NULL || out == NULL)
        return LMPVIZ_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (a->ndim != 3) {
        char shape[96] = "";
        size_t k, len = 0;
        for (k = 0; k < a->ndim && len < sizeof shape - 24; k++)
            len += (size_t)snprintf(shape + len, sizeof shape - len, "%s%zu", k ? ", " : "",
                                    a->shape[k]);
        lmpviz_err_set(
            err, "expected class scores of shape (C, H, W) or (H, W, C), got %zu-d shape (%s%s)",
            a->ndim, shape, a->ndim == 1 ? "," : "");
        return LMPVIZ_ERR_FORMAT;
    }
    if (layout == LMPVIZ_LAYOUT_AUTO) {
        if (a->shape[0] == LMPVIZ_CS_CLASSES)
            hwc = 0;
        else if (a->shape[2] == LMPVIZ_CS_CLASSES)
            hwc = 1;
        else {
            lmpviz_err_set(
                err,
                "cannot tell the layout of shape (%zu, %zu, %zu): expected %d Cityscapes classes "
                "first (C, H, W) or last (H, W, C); give --layout chw or hwc",
                a->shape[0], a->shape[1], a->shape[2], LMPVIZ_CS_CLASSES);
            return LMPVIZ_ERR_FORMAT;
        }
    } else {
        hwc = layout == LMPVIZ_LAYOUT_HWC;
    }
    out->data = a->data;
    if (hwc) {
        out->height = a->shape[0];
        out->width = a->shape[1];
        out->classes = a->shape[2];
        out->c_stride = 1;
        out->x_stride = out->classes;
        out->row_stride = out->width * out->classes;
    } else {
        out->classes = a->shape[0];
        out->height = a->shape[1];
        out->width = a->shape[2];
        out->c_stride = out->height * out->width;
        out->x_stride = 1;
        out->row_stride = out->width;
    }
    if (out->classes < 2 || out->width == 0 || out->height == 0) {
        lmpviz_err_set(
            err,
            "expected at least 2 classes and a non-empty image, got shape (%zu, %zu, %zu) (%s)",
            a->shape[0], a->shape[1], a->shape[2], hwc ? "H, W, C" : "C, H, W");
        memset(out, 0, sizeof *out);
        return LMPVIZ_ERR_FORMAT;
    }
    return LMPVIZ_OK;
}

/* ------------------------------------------------------------------------
 * Bilinear sampling with aligned pixel centres (align_corners=False): the
 * destination pixel x looks at source coordinate (x + 0.5) * sw / dw - 0.5,
 * clamped to the image.
 */
typedef struct lin_tap {
    size_t i0, i1;
    float f; /* weight of i1 */
} lin_tap;

static lin_tap *
make_taps(size_t src, size_t dst)
{
    lin_tap *t = malloc(dst * sizeof *t);
    size_t i;
    double scale = (double)src / (double)dst;

    if (t == NULL)
        return NULL;
    for (i = 0; i < dst; i++) {
        double s = ((double)i + 0.5) * scale - 0.5;
        double fl;
        if (s < 0.0)
            s = 0.0;
        fl = floor(s);
        t[i].i0 = (size_t)fl;
        if (t[i].i0 > src - 1)
            t[i].i0 = src - 1;
        t[i].i1 = t[i].i0 + 1 < src ? t[i].i0 + 1 : src - 1;
        t[i].f = (float)(s - (double)t[i].i0);
        if (t[i].i1 == t[i].i0)
            t[i].f = 0.0f;
    }
    return t;
}

static inline float
sample(const lmpviz_scores *s, size_t c, const lin_tap *ty, const lin_tap *tx)
{
    const float *p = s->data + c * s->c_stride;
    const float *r0 = p + ty->i0 * s->row_stride;
    const float *r1 = p + ty->i1 * s->row_stride;
    float a =
        r0[tx->i0 * s->x_stride] + tx->f * (r0[tx->i1 * s->x_stride] - r0[tx->i0 * s->x_stride]);
    float b =
        r1[tx->i0 * s->x_stride] + tx->f * (r1[tx->i1 * s->x_stride] - r1[tx->i0 * s->x_stride]);
    return a + ty->f * (b - a);
}

/* Two source rows blended across x at the destination width, every class:
 * destination rows between the same two source rows (four of them for a
 * 4x upscale) then share that work and only blend across y. */
typedef struct row_cache {
    size_t row[2]; /* source row held in slot k, or SIZE_MAX */
    float *h[2];   /* classes * dw floats each */
    int next;      /* slot to replace next */
} row_cache;

static int
row_cache_init(row_cache *rc, size_t classes, size_t dw)
{
    rc->row[0] = rc->row[1] = SIZE_MAX;
    rc->next = 0;
    rc->h[0] = malloc(classes * dw * sizeof(float));
    rc->h[1] = malloc(classes * dw * sizeof(float));
    return rc->h[0] != NULL && rc->h[1] != NULL;
}

static void
row_cache_free(row_cache *rc)
{
    free(rc->h[0]);
    free(rc->h[1]);
}

/* Source row sy blended across x, with sample()'s arithmetic. */
static const float *
hrow(row_cache *rc, const lmpviz_scores *s, const lin_tap *tx, size_t dw, size_t sy)
{
    size_t c, x;
    float *o;
    int k;
    for (k = 0; k < 2; k++) {
        if (rc->row[k] == sy) {
            rc->next = 1 - k;
            return rc->h[k];
        }
    }
    k = rc->next;
    rc->next = 1 - k;
    rc->row[k] = sy;
    o = rc->h[k];
    for (c = 0; c < s->classes; c++) {
        const float *r = s->data + c * s->c_stride + sy * s->row_stride;
        for (x = 0; x < dw; x++) {
            const float v0 = r[tx[x].i0 * s->x_stride];
            o[c * dw + x] = v0 + tx[x].f * (r[tx[x].i1 * s->x_stride] - v0);
        }
    }
    return o;
}

/* Row y of every class, at the destination width: out[c * dw + x]. */
static void
class_rows(const lmpviz_scores *s,
           const lin_tap *ty,
           const lin_tap *tx,
           size_t dw,
           int same,
           size_t y,
           row_cache *rc,
           float *out)
{
    size_t c, x;

    if (same) {
        for (c = 0; c < s->classes; c++) {
            const float *p = s->data + c * s->c_stride + y * s->row_stride;
            for (x = 0; x < dw; x++)
                out[c * dw + x] = p[x * s->x_stride];
        }
        return;
    }
    {
        const float *a = hrow(rc, s, tx, dw, ty->i0);
        const float *b = hrow(rc, s, tx, dw, ty->i1);
        for (x = 0; x < s->classes * dw; x++)
            out[x] = a[x] + ty->f * (b[x] - a[x]);
    }
}

static lmpviz_status
check_scores(const lmpviz_scores *s, lmpviz_score_kind kind, lmpviz_err *err)
{
    size_t c, y, x;

    for (c = 0; c < s->classes; c++) {
        for (y = 0; y < s->height; y++) {
            const float *p = s->data + c * s->c_stride + y * s->row_stride;
            for (x = 0; x < s->width; x++) {
                float v = p[x * s->x_stride];
                if (!isfinite(v) || (kind == LMPVIZ_SCORES_PROBS && v < 0.0f)) {
                    lmpviz_err_set(
                        err, "expected %s, got %g at class %zu, pixel (%zu, %zu)%s",
                        kind == LMPVIZ_SCORES_PROBS ? "probabilities >= 0" : "finite logits",
                        (double)v, c, x, y,
                        kind == LMPVIZ_SCORES_PROBS && isfinite(v) ? "; for logits use --logits"
                                                                   : "");
                    return LMPVIZ_ERR_FORMAT;
                }
            }
        }
    }
    if (kind != LMPVIZ_SCORES_PROBS)
        return LMPVIZ_OK;
    /* Each pixel's distribution over the classes: pixel-major, so the first
     * bad pixel in reading order is the one reported. */
    for (y = 0; y < s->height; y++) {
        for (x = 0; x < s->width; x++) {
            const float *p = s->data + y * s->row_stride + x * s->x_stride;
            double sum = 0.0, top = 0.0;
            for (c = 0; c < s->classes; c++) {
                sum += p[c * s->c_stride];
                top = fmax(top, p[c * s->c_stride]);
            }
            if (fabs(sum - 1.0) > LMPVIZ_PROB_SUM_TOL) {
                lmpviz_err_set(err,
                               "expected probabilities that sum to 1 over the %zu classes, got a "
                               "sum of %.6g at pixel (%zu, %zu)%s",
                               s->classes, sum, x, y,
                               top > 1.0 + LMPVIZ_PROB_SUM_TOL
                                   ? " (values above 1 look like scores: for logits use --logits)"
                                   : "");
                return LMPVIZ_ERR_FORMAT;
            }
        }
    }
    return LMPVIZ_OK;
}

lmpviz_status
lmpviz_seg_loss(const lmpviz_scores *scores,
                lmpviz_score_kind kind,
                const unsigned char *train,
                size_t width,
                size_t height,
                float *loss,
                unsigned char *valid,
                size_t *n_valid,
                lmpviz_err *err)
{
    const lmpviz_scores *s = scores;
    lin_tap *tx = NULL, *ty = NULL;
    float *rowbuf = NULL;
    row_cache rc;
    lmpviz_status st;
    size_t x, y, count = 0;
    int same;

    if (s == NULL || s->data == NULL || train == NULL || loss == NULL || valid == NULL ||
        width == 0 || height == 0 || s->classes == 0) {
        lmpviz_err_set(err, "invalid arguments");
        return LMPVIZ_ERR_INVALID_ARG;
    }
    st = check_scores(s, kind, err);
    if (st != LMPVIZ_OK)
        return st;
    for (y = 0; y < width * height; y++) {
        if (train[y] != LMPVIZ_CS_IGNORE && train[y] >= s->classes) {
            lmpviz_err_set(err,
                           "label class %u at pixel (%zu, %zu) but the scores have %zu classes",
                           (unsigned)train[y], y % width, y / width, s->classes);
            return LMPVIZ_ERR_FORMAT;
        }
    }
    same = s->width == width && s->height == height;
    if (!same) {
        tx = make_taps(s->width, width);
        ty = make_taps(s->height, height);
    }
    rc.h[0] = rc.h[1] = NULL;
    if (kind == LMPVIZ_SCORES_LOGITS) {
        rowbuf = malloc(s->classes * width * sizeof *rowbuf);
        if (!same && !row_cache_init(&rc, s->classes, width)) {
            free(rowbuf);
            rowbuf = NULL;
        }
    }
    if ((!same && (tx == NULL || ty == NULL)) || (kind == LMPVIZ_SCORES_LOGITS && rowbuf == NULL)) {
        free(tx);
        free(ty);
        free(rowbuf);
        row_cache_free(&rc);
        lmpviz_err_set(err, "out of memory");
        return LMPVIZ_ERR_NOMEM;
    }
    for (y = 0; y < height; y++) {
        const unsigned char *t = train + y * width;
        float *l = loss + y * width;
        unsigned char *v = valid + y * width;
        if (kind == LMPVIZ_SCORES_LOGITS)
            class_rows(s, same ? NULL : &ty[y], tx, width, same, y, &rc, rowbuf);
        for (x = 0; x < width; x++) {
            double li;
            if (t[x] == LMPVIZ_CS_IGNORE) {
                l[x] = 0.0f;
                v[x] = 0;
                continue;
            }
            if (kind == LMPVIZ_SCORES_PROBS) {
                double p = same ? s->data[t[x] * s->c_stride + y * s->row_stride + x * s->x_stride]
                                : sample(s, t[x], &ty[y], &tx[x]);
                li = -log(p > LMPVIZ_PROB_EPS ? p : LMPVIZ_PROB_EPS);
            } else {
                /* log-softmax: subtract the max so exp never overflows. */
                double mx = rowbuf[x], sum = 0.0;
                size_t c;
                for (c = 1; c < s->classes; c++)
                    mx = fmax(mx, rowbuf[c * width + x]);
                for (c = 0; c < s->classes; c++)
                    sum += exp(rowbuf[c * width + x] - mx);
                li = log(sum) + mx - rowbuf[t[x] * width + x];
            }
            l[x] = li > 0.0 ? (float)li : 0.0f; /* -log(p) for p slightly above 1 (float16) */
            v[x] = 1;
            count++;
        }
    }
    free(tx);
    free(ty);
    free(rowbuf);
    row_cache_free(&rc);
    if (n_valid != NULL)
        *n_valid = count;
    return LMPVIZ_OK;
}

lmpviz_status
lmpviz_seg_argmax(const lmpviz_scores *s, size_t width, size_t height, unsigned char *pred)
{
    lmpviz_status st = LMPVIZ_OK;
    int same = s->width == width && s->height == height;
    lin_tap *tx = same ? NULL : make_taps(s->width, width);
    lin_tap *ty = same ? NULL : make_taps(s->height, height);
    float *rowbuf = malloc(s->classes * width * sizeof *rowbuf);
    row_cache rc = { { 0, 0 }, { NULL, NULL }, 0 };
    size_t x, y, c;

    if ((!same && (tx == NULL || ty == NULL || !row_cache_init(&rc, s->classes, width))) ||
        rowbuf == NULL) {
        st = LMPVIZ_ERR_NOMEM;
        goto done;
    }
    for (y = 0; y < height; y++) {
        unsigned char *pr = pred + y * width;
        class_rows(s, same ? NULL : &ty[y], tx, width, same, y, &rc, rowbuf);
        /* Class by class over the row, selects instead of branches: the
         * first class with the largest score wins, as in a scan per pixel. */
        memset(pr, 0, width);
        for (c = 1; c < s->classes; c++) {
            const float *row = rowbuf + c * width;
            const unsigned char cc = (unsigned char)(c < 255 ? c : 254);
            for (x = 0; x < width; x++) {
                const int more = row[x] > rowbuf[x];
                rowbuf[x] = more ? row[x] : rowbuf[x];
                pr[x] = more ? cc : pr[x];
            }
        }
    }
done:
    free(tx);
    free(ty);
    free(rowbuf);
    row_cache_free(&rc);
    return st;
}

void
lmpviz_resize_nearest_u8(
    const unsigned char *src, size_t sw, size_t sh, unsigned char *dst, size_t dw, size_t dh)
{
    size_t x, y;

    /* Source index floor((i + 0.5) * s / d): the pixel whose area holds the
     * destination pixel's centre (PIL's and OpenCV's nearest). */
    for (y = 0; y < dh; y++) {
        size_t sy = (size_t)(((double)y + 0.5) * (double)sh / (double)dh);
        const unsigned char *r = src + (sy < sh ? sy : sh - 1) * sw;
        for (x = 0; x < dw; x++) {
            size_t sx = (size_t)(((double)x + 0.5) * (double)sw / (double)dw);
            dst[y * dw + x] = r[sx < sw ? sx : sw - 1];
        }
    }
}

lmpviz_status
lmpviz_resize_bilinear_f32(const float *src, size_t sw, size_t sh, float *dst, size_t dw, size_t dh)
{
    lmpviz_status st = LMPVIZ_OK;
    lmpviz_scores s;
    lin_tap *tx = make_taps(sw, dw), *ty = make_taps(sh, dh);
    size_t x, y;

    memset(&s, 0, sizeof s);
    s.data = src;
    s.classes = 1;
    s.width = sw;
    s.height = sh;
    s.c_stride = sw * sh;
    s.row_stride = sw;
    s.x_stride = 1;
    if (tx != NULL && ty != NULL) {
        for (y = 0; y < dh; y++)
            for (x = 0; x < dw; x++)
                dst[y * dw + x] = sample(&s, 0, &ty[y], &tx[x]);
    } else {
        st = LMPVIZ_ERR_NOMEM;
    }
    free(tx);
    free(ty);
    return st;
}
