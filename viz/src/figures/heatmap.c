/*
 * heatmap.c - the figures of `lmpviz heatmap`: LMP's weights over a frame
 * (seg/frame_input.c computes them), alone or beside the frame, ground
 * truth, prediction, loss and class shares.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmpviz.h"
#include "lmpviz_private.h"
#include "plot/ticks.h"
#include "viz_internal.h"

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
image_panel(
    lmpviz_panel *pn, const uint32_t *argb, size_t w, size_t h, int smooth, const char *title)
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
weights_panel(lmpviz_panel *pn,
              const lmpviz_heatmap *hm,
              const lmpviz_overlay_opts *ov,
              uint32_t *buf,
              const char *title)
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
        top = fmax(
            top, 100.0 * fmax(rows[k].pixel_share, fmax(rows[k].loss_share, rows[k].weight_share)));
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
        lmpviz_panel_add_text(pn, 0.0, yc, -3.0, 0.0, LMPVIZ_ANCHOR_E, lmpviz_color_hex(0), 8.0,
                              txt);
    }
}

/* The overlay alone: the frame at about its own size (bounded), with text
 * scaled along so that it stays legible. */
static lmpviz_figure *
overlay_figure(const lmpviz_heatmap *hm, const lmpviz_heatmap_fig_opts *opts)
{
    const size_t w = hm->width, h = hm->height;
    const size_t fw = opts->width_px ? opts->width_px
                                     : (w + 240 < 1000 ? 1000 : (w + 240 > 2400 ? 2400 : w + 240));
    const double dpi = fmin(240.0, fmax(100.0, 100.0 * (double)fw / 1100.0));
    const double scale = dpi / 72.0;
    const double img_w =
        (double)fw / scale - 16.0 - 100.0; /* cell pads, colour bar with its labels */
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
    const double hpt =
        2.0 * (img_w * (double)h / (double)w + 16.0 + 12.0 * 1.25 + 7.0) + 13.0 * 1.25 + 8.0;

    return lmpviz_figure_create(fw, (size_t)ceil(hpt * scale), dpi, 2, 3);
}

static void
draw_panels(lmpviz_figure *fig,
            const lmpviz_heatmap *hm,
            const lmpviz_heatmap_fig_opts *opts,
            uint32_t *buf)
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
        image_panel(lmpviz_figure_panel(fig, 0, 2), buf, w, h, 1,
                    "prediction: not available from a loss map");
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
        lmpvizi_figure_fail(fig, LMPVIZ_ERR_NOMEM, "out of memory for a %zux%zu raster", hm->width,
                            hm->height);
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
