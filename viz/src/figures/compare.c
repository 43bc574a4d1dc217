/*
 * compare.c - LMP beside the other pixel-weighting schemes (`lmpviz
 * compare`): the weights of every scheme on one input (the schemes are
 * parsed in compare_schemes.c), the profile and cumulative panels,
 * per-class shares and the frame panels.
 */
#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmpviz.h"
#include "lmpviz_private.h"
#include "plot/ticks.h"
#include "viz_internal.h"

#define PROFILE_MAX_POINTS 2000
#define UNIFORM_COLOR      0x555555UL

/* ------------------------------------------------------------------------
 * Weights
 */

void
lmpviz_compare_free(lmpviz_compare_data *d)
{
    size_t k;
    if (d == NULL)
        return;
    for (k = 0; k < LMPVIZ_COMPARE_MAX_SCHEMES; k++)
        lmpviz_big_free(d->weight[k]);
    lmpviz_big_free(d->order);
    memset(d, 0, sizeof *d);
}

lmpviz_status
lmpviz_compare_compute(const lmpviz_scheme_spec *specs,
                       size_t n_specs,
                       const lmp_scheme_input *in,
                       lmp_workspace *ws,
                       lmpviz_compare_data *out,
                       lmpviz_err *err)
{
    size_t i, k, nv = 0;

    assert(out != NULL);
    memset(out, 0, sizeof *out);
    if (specs == NULL || n_specs == 0 || n_specs > LMPVIZ_COMPARE_MAX_SCHEMES || in == NULL ||
        in->loss == NULL) {
        lmpviz_err_set(err, "expected 1 to %d schemes and the losses", LMPVIZ_COMPARE_MAX_SCHEMES);
        return LMPVIZ_ERR_INVALID_ARG;
    }
    if (in->n > SIZE_MAX / sizeof(size_t)) {
        lmpviz_err_set(err, "too many pixels");
        return LMPVIZ_ERR_NOMEM;
    }
    out->n = in->n;
    out->loss = in->loss;
    out->n_schemes = n_specs;
    for (k = 0; k < n_specs; k++) {
        lmp_status ls;
        out->spec[k] = specs[k];
        out->weight[k] = lmpviz_big_alloc((in->n ? in->n : 1) * sizeof(float));
        if (out->weight[k] == NULL)
            goto oom;
        ls = lmp_scheme_weights(&specs[k].scheme, in, out->weight[k], &out->result[k], ws);
        if (ls == LMP_ERR_EMPTY)
            continue;
        if (ls == LMP_ERR_NOMEM)
            goto oom;
        if (ls != LMP_OK) {
            if (ls == LMP_ERR_INVALID_LOSS)
                lmpviz_err_set(err,
                               "%s: expected finite losses >= 0 (and p_t in [0, 1]), got %g at "
                               "pixel %zu",
                               specs[k].text, (double)out->result[k].bad_value,
                               out->result[k].bad_index);
            else if (out->result[k].bad_value != 0.0f || out->result[k].bad_index != 0)
                lmpviz_err_set(err, "%s: class %g at pixel %zu is not below %zu", specs[k].text,
                               (double)out->result[k].bad_value, out->result[k].bad_index,
                               specs[k].scheme.n_classes);
            else
                lmpviz_err_set(err, "%s: %s (does the scheme have the input it needs?)",
                               specs[k].text, lmp_status_string(ls));
            lmpviz_compare_free(out);
            return LMPVIZ_ERR_SOLVER;
        }
    }
    for (i = 0; i < in->n; i++)
        nv += in->valid == NULL || in->valid[i];
    out->n_valid = nv;
    out->order = lmpviz_big_alloc((nv ? nv : 1) * sizeof *out->order);
    if (out->order == NULL)
        goto oom;
    for (i = 0, k = 0; i < in->n; i++) {
        if (in->valid == NULL || in->valid[i])
            out->order[k++] = i;
    }
    /* by decreasing loss, ties by index */
    if (lmpviz_order_desc(in->loss, out->order, nv) != 0)
        goto oom;
    return LMPVIZ_OK;
oom:
    lmpviz_compare_free(out);
    lmpviz_err_set(err, "out of memory for %zu pixels", in->n);
    return LMPVIZ_ERR_NOMEM;
}

static double
scheme_total(const lmpviz_compare_data *d, size_t s)
{
    size_t i;
    double t = 0.0;
    for (i = 0; i < d->n_valid; i++)
        t += d->weight[s][d->order[i]];
    return t;
}

double
lmpviz_compare_top_share(const lmpviz_compare_data *d, size_t s, double frac)
{
    size_t i, kk;
    double t, run = 0.0;
    if (d == NULL || s >= d->n_schemes || d->n_valid == 0)
        return 0.0;
    t = scheme_total(d, s);
    if (!(t > 0.0))
        return 0.0;
    if (!(frac > 0.0))
        return 0.0;
    kk = frac >= 1.0 ? d->n_valid : (size_t)ceil(frac * (double)d->n_valid - 1e-9);
    for (i = 0; i < kk; i++)
        run += d->weight[s][d->order[i]];
    return run / t;
}

/* ------------------------------------------------------------------------
 * Profile figure
 */

/* Points of one curve: every pixel for small inputs, else per bucket the
 * largest and the smallest value (in rank order), so that steps and bands
 * survive. */
static size_t
decimate(const double *y, size_t n, double *px, double *py)
{
    size_t b, nb, i, k = 0;
    if (n <= PROFILE_MAX_POINTS) {
        for (i = 0; i < n; i++) {
            px[i] = (double)(i + 1);
            py[i] = y[i];
        }
        return n;
    }
    nb = PROFILE_MAX_POINTS / 2;
    for (b = 0; b < nb; b++) {
        size_t lo = b * n / nb, hi = (b + 1) * n / nb, imax = lo, imin = lo;
        for (i = lo; i < hi; i++) {
            if (y[i] > y[imax])
                imax = i;
            if (y[i] < y[imin])
                imin = i;
        }
        if (imax <= imin) {
            px[k] = (double)(imax + 1);
            py[k++] = y[imax];
            px[k] = (double)(imin + 1);
            py[k++] = y[imin];
        } else {
            px[k] = (double)(imin + 1);
            py[k++] = y[imin];
            px[k] = (double)(imax + 1);
            py[k++] = y[imax];
        }
    }
    return k;
}

static lmpviz_style
scheme_style(size_t s)
{
    lmpviz_style st = lmpviz_style_line(lmpviz_palette_color(s), LMPVIZ_DASH_SOLID);
    st.line_width = 1.7;
    return st;
}

/* The profile n·w and the cumulative share of scheme s over the pixels by
 * decreasing loss, into pw and pc; widens [*bottom, *top] to the profile.
 * y holds n values, px and py the decimated points. */
static void
profile_series(lmpviz_panel *pw,
               lmpviz_panel *pc,
               const lmpviz_compare_data *d,
               size_t s,
               double *y,
               double *px,
               double *py,
               double *bottom,
               double *top)
{
    const size_t n = d->n_valid;
    const double nn = (double)n, total = scheme_total(d, s);
    const float *w = d->weight[s];
    lmpviz_style sty = scheme_style(s);
    double run = 0.0;
    char label[160];
    size_t i, np;

    for (i = 0; i < n; i++) {
        y[i] = nn * w[d->order[i]];
        *top = fmax(*top, y[i]);
        if (y[i] > 0.0)
            *bottom = fmin(*bottom, y[i]);
    }
    if (d->spec[s].scheme.kind == LMP_SCHEME_LMP)
        snprintf(label, sizeof label, "%s (Σw = %.3g)", d->spec[s].label, total);
    else
        snprintf(label, sizeof label, "%s", d->spec[s].label);
    np = decimate(y, n, px, py);
    if (n > PROFILE_MAX_POINTS && (d->spec[s].scheme.kind == LMP_SCHEME_INVFREQ ||
                                   d->spec[s].scheme.kind == LMP_SCHEME_MEDFREQ))
        sty.line_width = 0.8; /* not monotone in the loss: a band */
    lmpviz_panel_add_series(pw, px, py, np, &sty, label);
    for (i = 0; i < n; i++) {
        run += w[d->order[i]];
        y[i] = total > 0.0 ? run / total : 0.0;
    }
    np = decimate(y, n, px, py);
    sty.line_width = 1.7;
    lmpviz_panel_add_series(pc, px, py, np, &sty, label);
}

/* Limits, grids and labels of the two panels. */
static void
profile_axes(lmpviz_panel *pw, lmpviz_panel *pc, double nn, int logy, double bottom, double top)
{
    if (logy) {
        lmpviz_panel_set_logy(pw, 1);
        bottom = fmax(bottom, top * 1e-6);
        lmpviz_panel_set_ylim(pw, bottom / 1.5, top * 1.5);
    } else {
        lmpviz_panel_set_ylim(pw, -0.04 * top, 1.06 * top);
    }
    lmpviz_panel_set_xlim(pw, 1.0 - 0.02 * (nn - 1.0), nn + 0.02 * (nn - 1.0));
    lmpviz_panel_set_xlim(pc, 1.0 - 0.02 * (nn - 1.0), nn + 0.02 * (nn - 1.0));
    lmpviz_panel_set_ylim(pc, -0.03, 1.03);
    lmpviz_panel_set_xinteger(pw, 1);
    lmpviz_panel_set_xinteger(pc, 1);
    lmpviz_panel_set_grid(pw, 1);
    lmpviz_panel_set_grid(pc, 1);
    lmpviz_panel_set_legend(pw, LMPVIZ_LEGEND_AUTO);
    lmpviz_panel_set_legend(pc, LMPVIZ_LEGEND_NONE);
    lmpviz_panel_set_title(pw, "weights over pixels by decreasing loss");
    lmpviz_panel_set_xlabel(pw, "pixel rank i (by decreasing loss)");
    lmpviz_panel_set_ylabel(pw, "scaled weight n·wᵢ (uniform = 1)");
    lmpviz_panel_set_title(pc, "share of each scheme's total weight in the top k");
    lmpviz_panel_set_xlabel(pc, "top k pixels (by decreasing loss)");
    lmpviz_panel_set_ylabel(pc, "Σ top-k w / Σ w");
}

lmpviz_figure *
lmpviz_compare_profile_figure(const lmpviz_compare_data *d,
                              size_t width_px,
                              size_t height_px,
                              const lmpviz_compare_opts *opts)
{
    lmpviz_figure *fig;
    lmpviz_panel *pw, *pc;
    lmpviz_style ref = lmpviz_style_line(lmpviz_color_hex(UNIFORM_COLOR), LMPVIZ_DASH_DASHED);
    double *y, *px, *py;
    double top = 1.0, bottom = 1.0, nn;
    size_t s, n, np;
    char title[256];

    if (d == NULL || d->n_valid == 0 || d->n_schemes == 0)
        return lmpvizi_figure_nil(LMPVIZ_ERR_INVALID_ARG);
    n = d->n_valid;
    nn = (double)n;
    np = n < PROFILE_MAX_POINTS ? n : PROFILE_MAX_POINTS;
    fig = lmpviz_figure_create(width_px, height_px, LMPVIZ_DPI_DEFAULT, 1, 2);
    y = malloc(n * sizeof *y);
    px = malloc(np * sizeof *px + 16);
    py = malloc(np * sizeof *py + 16);
    if (y == NULL || px == NULL || py == NULL)
        lmpvizi_figure_fail(fig, LMPVIZ_ERR_NOMEM, "out of memory for the figure");
    if (opts != NULL && opts->title != NULL)
        snprintf(title, sizeof title, "%s", opts->title);
    else
        snprintf(title, sizeof title, "Pixel weights of %zu schemes over n = %zu pixels",
                 d->n_schemes, n);
    lmpviz_figure_set_title(fig, title);
    pw = lmpviz_figure_panel(fig, 0, 0);
    pc = lmpviz_figure_panel(fig, 0, 1);
    ref.line_width = 1.2;
    lmpviz_panel_add_hline(pw, 1.0, &ref, "uniform: n·w = 1");
    {
        double rx[2] = { 1.0, nn }, ry[2] = { 1.0 / nn, 1.0 };
        lmpviz_panel_add_series(pc, rx, ry, 2, &ref, "uniform: k/n");
    }
    for (s = 0; s < d->n_schemes && lmpviz_figure_status(fig) == LMPVIZ_OK; s++)
        profile_series(pw, pc, d, s, y, px, py, &bottom, &top);
    profile_axes(pw, pc, nn, opts != NULL && opts->logy, bottom, top);
    free(y);
    free(px);
    free(py);
    return fig;
}

lmpviz_status
lmpviz_compare_write_csv(const lmpviz_compare_data *d, const char *path, lmpviz_err *err)
{
    lmpviz_afile af;
    lmpviz_status st;
    size_t s, i;

    if (d == NULL || path == NULL) {
        lmpviz_err_set(err, "nothing to write");
        return LMPVIZ_ERR_INVALID_ARG;
    }
    memset(&af, 0, sizeof af);
    st = lmpviz_afile_open(&af, path, err);
    if (st != LMPVIZ_OK)
        return st;
    fputs("rank,loss", af.fp);
    for (s = 0; s < d->n_schemes; s++)
        fprintf(af.fp, ",\"%s\"", d->spec[s].text);
    fputc('\n', af.fp);
    for (i = 0; i < d->n_valid; i++) {
        size_t j = d->order[i];
        fprintf(af.fp, "%zu,%.9g", i + 1, (double)d->loss[j]);
        for (s = 0; s < d->n_schemes; s++)
            fprintf(af.fp, ",%.9g", (double)d->weight[s][j]);
        fputc('\n', af.fp);
    }
    /* Write errors are sticky on the stream; commit reports them. */
    return lmpviz_afile_commit(&af, err);
}

/* ------------------------------------------------------------------------
 * Per-class shares
 */

lmpviz_status
lmpviz_compare_stats_add(lmpviz_compare_stats *cs,
                         const lmpviz_compare_data *d,
                         const unsigned char *train)
{
    size_t s;
    if (cs == NULL || d == NULL || train == NULL)
        return LMPVIZ_ERR_INVALID_ARG;
    cs->n_schemes = d->n_schemes;
    for (s = 0; s < d->n_schemes; s++) {
        lmpviz_status st =
            lmpviz_class_stats_add(&cs->st[s], train, d->loss, d->weight[s], d->n, d->n_valid);
        if (st != LMPVIZ_OK)
            return st;
    }
    return LMPVIZ_OK;
}

lmpviz_status
lmpviz_compare_stats_write_csv(const lmpviz_compare_stats *cs,
                               const lmpviz_scheme_spec *specs,
                               FILE *fp)
{
    lmpviz_class_row rows[LMPVIZ_COMPARE_MAX_SCHEMES][LMPVIZ_CS_CLASSES];
    size_t n = 0, s, k;

    if (cs == NULL || specs == NULL || fp == NULL || cs->n_schemes == 0)
        return LMPVIZ_ERR_INVALID_ARG;
    for (s = 0; s < cs->n_schemes; s++)
        n = lmpviz_class_stats_rows(&cs->st[s], rows[s]);
    fputs("train_id,class,pixels,pixel_share,loss_share", fp);
    for (s = 0; s < cs->n_schemes; s++)
        fprintf(fp, ",\"%s\"", specs[s].text);
    fputc('\n', fp);
    for (k = 0; k < n; k++) {
        fprintf(fp, "%u,%s,%zu,%.9g,%.9g", rows[0][k].train_id, rows[0][k].name, rows[0][k].pixels,
                rows[0][k].pixel_share, rows[0][k].loss_share);
        for (s = 0; s < cs->n_schemes; s++)
            fprintf(fp, ",%.9g", rows[s][k].weight_share);
        fputc('\n', fp);
    }
    return ferror(fp) ? LMPVIZ_ERR_IO : LMPVIZ_OK;
}

/* A short column head: the scheme's name and its first parameter. */
static void
short_head(const lmpviz_scheme_spec *sp, char *buf, size_t len)
{
    const lmp_scheme *s = &sp->scheme;
    char ps[16];
    switch (s->kind) {
    case LMP_SCHEME_LMP:
        lmpviz_format_p(ps, sizeof ps, s->lmp.p);
        snprintf(buf, len, "lmp%s", ps);
        break;
    case LMP_SCHEME_OHEM:
        snprintf(buf, len, "ohem%g", s->thresh);
        break;
    case LMP_SCHEME_TOPK:
        snprintf(buf, len, "topk%g", s->k_pixels > 0.0 ? s->k_pixels : s->k);
        break;
    case LMP_SCHEME_FOCAL:
        snprintf(buf, len, "focal%g", s->gamma);
        break;
    default:
        snprintf(buf, len, "%s", lmp_scheme_name(s->kind));
        break;
    }
}

void
lmpviz_compare_stats_print(const lmpviz_compare_stats *cs,
                           const lmpviz_scheme_spec *specs,
                           FILE *fp)
{
    lmpviz_class_row rows[LMPVIZ_COMPARE_MAX_SCHEMES][LMPVIZ_CS_CLASSES];
    size_t n = 0, s, k;
    char head[32];

    if (cs == NULL || specs == NULL || fp == NULL || cs->n_schemes == 0)
        return;
    for (s = 0; s < cs->n_schemes; s++)
        n = lmpviz_class_stats_rows(&cs->st[s], rows[s]);
    fprintf(fp, "weight share per class (%%)\n%-14s %8s %8s", "class", "pixels%", "loss%");
    for (s = 0; s < cs->n_schemes; s++) {
        short_head(&specs[s], head, sizeof head);
        fprintf(fp, " %9.9s", head);
    }
    fputc('\n', fp);
    for (k = 0; k < n; k++) {
        fprintf(fp, "%-14s %8.2f %8.2f", rows[0][k].name, 100.0 * rows[0][k].pixel_share,
                100.0 * rows[0][k].loss_share);
        for (s = 0; s < cs->n_schemes; s++)
            fprintf(fp, " %9.2f", 100.0 * rows[s][k].weight_share);
        fputc('\n', fp);
    }
}

/* ------------------------------------------------------------------------
 * Frame panels
 */

/* The largest 99.5th percentile of n·w over the schemes. */
static double
shared_vmax(const lmpviz_compare_data *d)
{
    float *v = lmpviz_big_alloc((d->n_valid ? d->n_valid : 1) * sizeof *v);
    double top = 0.0;
    size_t s, i;
    if (v == NULL)
        return 10.0;
    for (s = 0; s < d->n_schemes; s++) {
        for (i = 0; i < d->n_valid; i++)
            v[i] = d->weight[s][d->order[i]];
        if (d->n_valid > 0)
            top = fmax(top,
                       (double)d->n_valid *
                           lmp_select(v, d->n_valid, (size_t)(0.995 * (double)(d->n_valid - 1))));
    }
    lmpviz_big_free(v);
    return top > 0.0 ? top : 1.0;
}

static void
shared_colorbar(lmpviz_panel *pn, const lmpviz_colorscale *cs, lmpviz_cmap cmap)
{
    lmpviz_color colors[LMPVIZ_CMAP_SIZE];
    double pos[16];
    const char *labels[16];
    char buf[16][LMPVIZI_BAR_LABEL];
    const lmpviz_hscale scale =
        cs->scale == LMPVIZ_HSCALE_LOG ? LMPVIZ_HSCALE_LOG : LMPVIZ_HSCALE_LINEAR;
    size_t i, k = lmpvizi_bar_ticks(scale, cs->vmin, cs->vmax, NULL, 4, "%.3g", pos, buf, 16);

    for (i = 0; i < LMPVIZ_CMAP_SIZE; i++)
        colors[i] = lmpviz_cmap_color(cmap, (double)i / (LMPVIZ_CMAP_SIZE - 1));
    for (i = 0; i < k; i++)
        labels[i] = buf[i];
    lmpviz_panel_set_colorbar(pn, colors, LMPVIZ_CMAP_SIZE, pos, labels, k,
                              cs->scale == LMPVIZ_HSCALE_LOG ? "n·w (log; 1 = uniform)"
                                                             : "n·w (1 = uniform)");
}

/* rows x cols cells, each the frame with room for a title and colour bar. */
static lmpviz_figure *
frame_figure_create(const lmpviz_heatmap *hm,
                    const lmpviz_compare_fig_opts *opts,
                    size_t rows,
                    size_t cols)
{
    const size_t fw = opts->width_px ? opts->width_px : (cols == 3 ? 2100 : 1600);
    const double dpi = fmax(80.0, 100.0 * (double)fw / 1600.0);
    const double scale = dpi / 72.0;
    const double img_w = (double)fw / scale / (double)cols - 16.0 - 78.0;
    const double img_h = img_w * (double)hm->height / (double)hm->width;
    const double hpt = (double)rows * (img_h + 16.0 + 12.0 * 1.25 + 7.0) + 13.0 * 1.25 + 8.0;

    return lmpviz_figure_create(fw, (size_t)ceil(hpt * scale), dpi, rows, cols);
}

/* Scheme s's weights over the frame, titled with the scheme. */
static void
scheme_panel(lmpviz_panel *pn,
             const lmpviz_heatmap *hm,
             const lmpviz_compare_data *d,
             size_t s,
             const lmpviz_overlay_opts *ov,
             uint32_t *buf,
             lmpviz_colorscale *cs)
{
    const size_t w = hm->width, h = hm->height;
    char pt[160];
    /* tau only sets the default vmax, which is given */
    lmpviz_status st =
        lmpviz_overlay_render(&hm->frame, d->weight[s], hm->valid, d->n_valid, 1.0, ov, buf, cs);

    if (st != LMPVIZ_OK) {
        lmpvizi_panel_fail(pn, st, "overlay of %s: %s", d->spec[s].text, lmpviz_status_string(st));
        return;
    }
    lmpviz_panel_set_axes_visible(pn, 0);
    lmpviz_panel_set_equal_aspect(pn, 1);
    lmpviz_panel_set_xlim(pn, 0.0, (double)w);
    lmpviz_panel_set_ylim(pn, 0.0, (double)h);
    lmpviz_panel_set_legend(pn, LMPVIZ_LEGEND_NONE);
    lmpviz_panel_add_image(pn, buf, w, h, w, 0.0, 0.0, (double)w, (double)h, 1);
    if (d->spec[s].scheme.kind == LMP_SCHEME_LMP)
        snprintf(pt, sizeof pt, "%s (Σw = %.2f)", d->spec[s].label, d->result[s].weight_sum);
    else
        snprintf(pt, sizeof pt, "%s", d->spec[s].label);
    lmpviz_panel_set_title(pn, pt);
}

lmpviz_figure *
lmpviz_compare_frame_figure(const lmpviz_heatmap *hm,
                            const lmpviz_compare_data *d,
                            const lmpviz_compare_fig_opts *opts)
{
    lmpviz_figure *fig;
    uint32_t *buf;
    lmpviz_overlay_opts ov;
    lmpviz_colorscale cs;
    size_t s, rows, cols;
    char title[256];

    if (hm == NULL || d == NULL || opts == NULL || hm->frame.rgb == NULL || hm->width == 0 ||
        hm->height == 0 || d->n != hm->width * hm->height || d->n_schemes == 0)
        return lmpvizi_figure_nil(LMPVIZ_ERR_INVALID_ARG);
    cols = d->n_schemes <= 4 ? (d->n_schemes < 2 ? 1 : 2) : 3;
    rows = (d->n_schemes + cols - 1) / cols;
    fig = frame_figure_create(hm, opts, rows, cols);
    if (opts->overlay.scale == LMPVIZ_HSCALE_RANK)
        lmpvizi_figure_fail(fig, LMPVIZ_ERR_INVALID_ARG,
                            "the rank scale is per scheme; a shared scale is linear or log");
    buf = malloc(hm->width * hm->height * sizeof *buf);
    if (buf == NULL)
        lmpvizi_figure_fail(fig, LMPVIZ_ERR_NOMEM, "out of memory for a %zux%zu raster", hm->width,
                            hm->height);
    if (lmpviz_figure_status(fig) != LMPVIZ_OK) {
        free(buf);
        return fig;
    }
    ov = opts->overlay;
    if (!(ov.vmax > 0.0))
        ov.vmax = shared_vmax(d);
    if (opts->title != NULL)
        snprintf(title, sizeof title, "%s", opts->title);
    else
        snprintf(title, sizeof title,
                 "Pixel weights n·w of %zu schemes, one colour scale (n = %zu valid pixels)",
                 d->n_schemes, d->n_valid);
    lmpviz_figure_set_title(fig, title);
    for (s = 0; s < d->n_schemes; s++) {
        lmpviz_panel *pn = lmpviz_figure_panel(fig, s / cols, s % cols);
        scheme_panel(pn, hm, d, s, &ov, buf, &cs);
        if (s % cols == cols - 1 || s == d->n_schemes - 1)
            shared_colorbar(pn, &cs, ov.cmap);
    }
    /* empty cells of the last row: no axes */
    for (; s < rows * cols; s++) {
        lmpviz_panel *pn = lmpviz_figure_panel(fig, s / cols, s % cols);
        lmpviz_panel_set_axes_visible(pn, 0);
        lmpviz_panel_set_legend(pn, LMPVIZ_LEGEND_NONE);
    }
    lmpviz_figure_set_png_level(fig, 2);
    free(buf);
    return fig;
}
