/*
 * overlay.c - heatmap rasters: weights (or any scalar map) through a
 * colormap and scale, blended over a frame; label maps; colour-bar ticks.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lmpviz.h"
#include "lmpviz_private.h"
#include "ticks.h"

static inline uint32_t
argb_of(unsigned r, unsigned g, unsigned b)
{
    return 0xFF000000u | (r << 16) | (g << 8) | b;
}

static inline unsigned
clamp255(double v)
{
    if (!(v > 0.0))
        return 0;
    if (v >= 255.0)
        return 255;
    return (unsigned)(v + 0.5);
}

/* ------------------------------------------------------------------------
 * Scales
 */
static const char *const hscale_names[] = { "linear", "log", "rank" };

lmpviz_status
lmpviz_hscale_parse(const char *name, lmpviz_hscale *scale)
{
    int i;

    if (name == NULL || scale == NULL)
        return LMPVIZ_ERR_INVALID_ARG;
    for (i = 0; i < 3; i++) {
        if (strcasecmp(name, hscale_names[i]) == 0) {
            *scale = (lmpviz_hscale)i;
            return LMPVIZ_OK;
        }
    }
    return LMPVIZ_ERR_INVALID_ARG;
}

const char *
lmpviz_hscale_name(lmpviz_hscale scale)
{
    if ((int)scale < 0 || (int)scale > 2)
        return "unknown";
    return hscale_names[scale];
}

/* ------------------------------------------------------------------------
 * Rasters
 */
void
lmpviz_image_to_argb(const lmpviz_image *im, uint32_t *argb)
{
    size_t i, n = im->width * im->height;
    const unsigned char *p = im->rgb;

    for (i = 0; i < n; i++, p += 3)
        argb[i] = argb_of(p[0], p[1], p[2]);
}

_Static_assert(LMPVIZ_CMAP_SIZE <= 256, "rank colours are stored in bytes");

/* The rank scale: the colour index of every valid pixel from the mid-rank
 * of its weight among the valid pixels (equal weights share one colour),
 * and the colour bar's nine quantiles (times nn).  The indices go to
 * *colour (n bytes, lmpviz_big_free), NULL when no pixel is valid. */
static lmpviz_status
rank_scale(const float *weight,
           const unsigned char *valid,
           size_t n,
           double nn,
           lmpviz_colorscale *cs,
           unsigned char **colour)
{
    size_t *order = lmpviz_big_alloc((n ? n : 1) * sizeof *order);
    unsigned char *ci = lmpviz_big_alloc(n ? n : 1);
    size_t i, j0, j1, k = 0, q;

    *colour = NULL;
    if (order == NULL || ci == NULL)
        goto oom;
    for (i = 0; i < n; i++) {
        if (valid[i])
            order[k++] = i;
    }
    if (k == 0) {
        lmpviz_big_free(order);
        lmpviz_big_free(ci);
        return LMPVIZ_OK;
    }
    if (lmpviz_order_desc(weight, order, k) != 0)
        goto oom;
    /* increasing position a is order[k - 1 - a] */
    for (q = 0; q < 9; q++)
        cs->quantile[q] =
            nn * weight[order[k - 1 - (size_t)((double)q / 8.0 * (double)(k - 1) + 0.5)]];
    cs->vmin = cs->quantile[0];
    cs->vmax = cs->quantile[8];
    for (j0 = 0; j0 < k; j0 = j1) {
        /* a run of equal weights: increasing positions [k - j1, k - j0) */
        const float w = weight[order[j0]];
        double t;
        unsigned char c;
        for (j1 = j0 + 1; j1 < k && weight[order[j1]] == w; j1++) {
        }
        t = k > 1 ? 0.5 * ((double)(k - j1) + (double)(k - j0) - 1.0) / (double)(k - 1) : 1.0;
        if (!(t > 0.0))
            t = 0.0;
        c = (unsigned char)(t * (LMPVIZ_CMAP_SIZE - 1) + 0.5);
        for (i = j0; i < j1; i++)
            ci[order[i]] = c;
    }
    lmpviz_big_free(order);
    *colour = ci;
    return LMPVIZ_OK;
oom:
    lmpviz_big_free(order);
    lmpviz_big_free(ci);
    return LMPVIZ_ERR_NOMEM;
}

lmpviz_status
lmpviz_overlay_render(const lmpviz_image *frame,
                      const float *weight,
                      const unsigned char *valid,
                      size_t n_valid,
                      double tau,
                      const lmpviz_overlay_opts *opts,
                      uint32_t *argb,
                      lmpviz_colorscale *cs_out)
{
    unsigned char lut[3 * LMPVIZ_CMAP_SIZE];
    lmpviz_colorscale cs;
    size_t i, n;
    unsigned char *rank = NULL;
    double nn = (double)n_valid;
    double a, keep, dim, desat;

    if (frame == NULL || frame->rgb == NULL || weight == NULL || valid == NULL || opts == NULL ||
        argb == NULL || !(opts->alpha >= 0.0 && opts->alpha <= 1.0) ||
        !(opts->dim >= 0.0 && opts->dim <= 1.0) ||
        !(opts->desaturate >= 0.0 && opts->desaturate <= 1.0))
        return LMPVIZ_ERR_INVALID_ARG;
    n = frame->width * frame->height;
    memset(&cs, 0, sizeof cs);
    cs.scale = opts->scale;
    cs.vmax = opts->vmax > 0.0 ? opts->vmax : nn * tau;
    if (!(cs.vmax > 0.0))
        cs.vmax = 1.0;
    cs.vmin = 0.0;
    if (cs.scale == LMPVIZ_HSCALE_LOG)
        cs.vmin = opts->vmin > 0.0 && opts->vmin < cs.vmax ? opts->vmin : cs.vmax / 1000.0;
    if (cs.scale == LMPVIZ_HSCALE_RANK && n_valid > 0) {
        lmpviz_status st = rank_scale(weight, valid, n, nn, &cs, &rank);
        if (st != LMPVIZ_OK)
            return st;
    }
    lmpviz_cmap_lut8(opts->cmap, lut);
    a = opts->alpha;
    keep = 1.0 - a;
    dim = opts->dim;
    desat = opts->desaturate;
    for (i = 0; i < n; i++) {
        const unsigned char *p = frame->rgb + 3 * i;
        double grey = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
        double r = dim * (p[0] + desat * (grey - p[0]));
        double g = dim * (p[1] + desat * (grey - p[1]));
        double b = dim * (p[2] + desat * (grey - p[2]));
        if (valid[i]) {
            const unsigned char *c;
            if (rank != NULL) {
                c = lut + 3 * (size_t)rank[i];
            } else {
                double v = nn * weight[i];
                double t = cs.scale == LMPVIZ_HSCALE_LOG
                               ? (v > cs.vmin ? log(v / cs.vmin) / log(cs.vmax / cs.vmin) : 0.0)
                               : v / cs.vmax;
                if (!(t > 0.0))
                    t = 0.0;
                if (t > 1.0)
                    t = 1.0;
                c = lut + 3 * (size_t)(t * (LMPVIZ_CMAP_SIZE - 1) + 0.5);
            }
            r = keep * r + a * c[0];
            g = keep * g + a * c[1];
            b = keep * b + a * c[2];
        }
        argb[i] = argb_of(clamp255(r), clamp255(g), clamp255(b));
    }
    lmpviz_big_free(rank);
    if (cs_out != NULL)
        *cs_out = cs;
    return LMPVIZ_OK;
}

size_t
lmpviz_colorscale_ticks(const lmpviz_colorscale *cs,
                        double *pos,
                        const char **labels,
                        char *label_buf,
                        size_t max_ticks)
{
    char(*text)[LMPVIZI_BAR_LABEL] = (char(*)[LMPVIZI_BAR_LABEL])label_buf;
    size_t k, n = lmpvizi_bar_ticks(cs->scale, cs->vmin, cs->vmax, cs->quantile, 5, "%.3g (cap)",
                                    pos, text, max_ticks);
    for (k = 0; k < n; k++)
        labels[k] = text[k];
    return n;
}

void
lmpviz_labels_render(const unsigned char *train,
                     const lmpviz_image *frame,
                     double shade,
                     size_t width,
                     size_t height,
                     uint32_t *argb)
{
    unsigned char lut[256][3];
    size_t i, n = width * height;
    int c;

    memset(lut, 0, sizeof lut);
    for (c = 0; c < LMPVIZ_CS_CLASSES; c++) {
        lmpviz_color col = lmpviz_cs_class_color((unsigned)c);
        lut[c][0] = (unsigned char)clamp255(255.0 * col.r);
        lut[c][1] = (unsigned char)clamp255(255.0 * col.g);
        lut[c][2] = (unsigned char)clamp255(255.0 * col.b);
    }
    for (i = 0; i < n; i++) {
        const unsigned char *l = lut[train[i]];
        if (frame != NULL && shade > 0.0) {
            const unsigned char *p = frame->rgb + 3 * i;
            double grey = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
            argb[i] = argb_of(clamp255((1.0 - shade) * l[0] + shade * grey),
                              clamp255((1.0 - shade) * l[1] + shade * grey),
                              clamp255((1.0 - shade) * l[2] + shade * grey));
        } else {
            argb[i] = argb_of(l[0], l[1], l[2]);
        }
    }
}

void
lmpviz_scalar_render(const float *v,
                     const unsigned char *valid,
                     size_t width,
                     size_t height,
                     lmpviz_cmap cmap,
                     double vmax,
                     uint32_t *argb)
{
    unsigned char lut[3 * LMPVIZ_CMAP_SIZE];
    size_t i, n = width * height;

    lmpviz_cmap_lut8(cmap, lut);
    if (!(vmax > 0.0))
        vmax = 1.0;
    for (i = 0; i < n; i++) {
        if (valid != NULL && !valid[i]) {
            argb[i] = argb_of(40, 40, 40);
        } else {
            double t = v[i] / vmax;
            const unsigned char *c;
            if (!(t > 0.0))
                t = 0.0;
            if (t > 1.0)
                t = 1.0;
            c = lut + 3 * (size_t)(t * (LMPVIZ_CMAP_SIZE - 1) + 0.5);
            argb[i] = argb_of(c[0], c[1], c[2]);
        }
    }
}
