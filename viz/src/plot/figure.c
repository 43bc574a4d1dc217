/*
 * figure.c - figures and panels: creation, the items added to panels, and
 * output as PNG, SVG or PDF.
 */
#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>

#include "lmpviz_private.h"
#include "plot_internal.h"
#include "viz_internal.h"

void
lmpviz_format_p(char *buf, size_t size, double p)
{
    if (isinf(p))
        snprintf(buf, size, "∞");
    else
        snprintf(buf, size, "%g", p);
}

static const unsigned long okabe_ito[LMPVIZ_PALETTE_SIZE] = {
    0x0072B2, 0xD55E00, 0x009E73, 0xCC79A7, 0xE69F00, 0x56B4E9, 0xF0E442, 0x000000,
};

static char *
dup_or_null(const char *s)
{
    char *d;
    size_t len;
    if (s == NULL)
        return NULL;
    len = strlen(s) + 1;
    d = malloc(len);
    if (d != NULL)
        memcpy(d, s, len);
    return d;
}

lmpviz_color
lmpviz_color_hex(unsigned long rgb)
{
    lmpviz_color c;
    c.r = (double)((rgb >> 16) & 0xff) / 255.0;
    c.g = (double)((rgb >> 8) & 0xff) / 255.0;
    c.b = (double)(rgb & 0xff) / 255.0;
    c.a = 1.0;
    return c;
}

lmpviz_color
lmpviz_palette_color(size_t index)
{
    return lmpviz_color_hex(okabe_ito[index % LMPVIZ_PALETTE_SIZE]);
}

lmpviz_style
lmpviz_style_line(lmpviz_color c, lmpviz_dash dash)
{
    lmpviz_style s;
    memset(&s, 0, sizeof s);
    s.color = c;
    s.line_width = 1.5;
    s.dash = dash;
    s.marker = LMPVIZ_MARKER_NONE;
    return s;
}

lmpviz_style
lmpviz_style_marker(lmpviz_color c, lmpviz_marker marker, double size)
{
    lmpviz_style s;
    memset(&s, 0, sizeof s);
    s.color = c;
    s.marker = marker;
    s.marker_size = size;
    return s;
}

lmpviz_status
lmpviz_format_from_path(const char *path, lmpviz_format *fmt, lmpviz_err *err)
{
    const char *dot;
    const char *slash;

    if (path == NULL || fmt == NULL) {
        lmpviz_err_set(err, "no output path");
        return LMPVIZ_ERR_INVALID_ARG;
    }
    dot = strrchr(path, '.');
    slash = strrchr(path, '/');
    if (dot != NULL && (slash == NULL || dot > slash)) {
        if (strcasecmp(dot, ".png") == 0) {
            *fmt = LMPVIZ_FORMAT_PNG;
            return LMPVIZ_OK;
        }
        if (strcasecmp(dot, ".svg") == 0) {
            *fmt = LMPVIZ_FORMAT_SVG;
            return LMPVIZ_OK;
        }
        if (strcasecmp(dot, ".pdf") == 0) {
            *fmt = LMPVIZ_FORMAT_PDF;
            return LMPVIZ_OK;
        }
    }
    lmpviz_err_set(err, "expected a file name ending in .png, .svg or .pdf");
    return LMPVIZ_ERR_INVALID_ARG;
}

/* ------------------------------------------------------------------------
 * Figure and panel objects
 */

static void
panel_init(lmpviz_panel *pn)
{
    memset(pn, 0, sizeof *pn);
    pn->xlim[0] = pn->xlim[1] = NAN;
    pn->ylim[0] = pn->ylim[1] = NAN;
    pn->legend = LMPVIZ_LEGEND_AUTO;
}

static void
colorbar_free(colorbar *cb)
{
    size_t k;
    for (k = 0; k < cb->n_ticks; k++)
        free(cb->ticks[k]);
    free(cb->ticks);
    free(cb->pos);
    free(cb->colors);
    free(cb->label);
    memset(cb, 0, sizeof *cb);
}

static void
panel_free(lmpviz_panel *pn)
{
    size_t i;
    for (i = 0; i < pn->n_items; i++) {
        free(pn->items[i].x);
        free(pn->items[i].y);
        free(pn->items[i].label);
        lmpviz_big_free(pn->items[i].pix);
    }
    colorbar_free(&pn->cbar);
    free(pn->items);
    free(pn->title);
    free(pn->xlabel);
    free(pn->ylabel);
}

/* Returned when a figure cannot be made: calls on them, and on their panel,
 * do nothing, and lmpviz_figure_status reports why. */
static lmpviz_figure nil_nomem = { .nil = 1,
                                   .status = LMPVIZ_ERR_NOMEM,
                                   .error = "out of memory for the figure" };
static lmpviz_figure nil_invalid = { .nil = 1,
                                     .status = LMPVIZ_ERR_INVALID_ARG,
                                     .error = "invalid figure size, dpi or grid" };
static lmpviz_figure nil_no_input = { .nil = 1,
                                      .status = LMPVIZ_ERR_INVALID_ARG,
                                      .error = "nothing to draw" };
static lmpviz_panel nil_panel = { .fig = &nil_invalid };

lmpviz_figure *
lmpvizi_figure_nil(lmpviz_status status)
{
    return status == LMPVIZ_ERR_NOMEM ? &nil_nomem : &nil_no_input;
}

lmpviz_figure *
lmpviz_figure_create(size_t width_px, size_t height_px, double dpi, size_t rows, size_t cols)
{
    lmpviz_figure *fig;
    size_t i;

    if (width_px == 0 || height_px == 0 || width_px > 32767 || height_px > 32767 ||
        !(dpi > 0.0 && dpi <= 10000.0) || rows == 0 || cols == 0 || rows > 64 || cols > 64)
        return &nil_invalid;
    fig = calloc(1, sizeof *fig);
    if (fig == NULL)
        return &nil_nomem;
    fig->panels = calloc(rows * cols, sizeof *fig->panels);
    if (fig->panels == NULL) {
        free(fig);
        return &nil_nomem;
    }
    fig->width_px = width_px;
    fig->height_px = height_px;
    fig->dpi = dpi;
    fig->width = (double)width_px * 72.0 / dpi;
    fig->height = (double)height_px * 72.0 / dpi;
    fig->rows = rows;
    fig->cols = cols;
    fig->png_level = -1;
    for (i = 0; i < rows * cols; i++) {
        panel_init(&fig->panels[i]);
        fig->panels[i].fig = fig;
    }
    return fig;
}

void
lmpviz_figure_destroy(lmpviz_figure *fig)
{
    size_t i;
    if (fig == NULL || fig->nil)
        return;
    for (i = 0; i < fig->rows * fig->cols; i++)
        panel_free(&fig->panels[i]);
    free(fig->panels);
    free(fig->title);
    free(fig);
}

lmpviz_status
lmpviz_figure_status(const lmpviz_figure *fig)
{
    return fig == NULL ? LMPVIZ_ERR_INVALID_ARG : fig->status;
}

const char *
lmpviz_figure_error(const lmpviz_figure *fig)
{
    return fig == NULL ? "no figure" : fig->error;
}

void
lmpvizi_figure_fail(lmpviz_figure *fig, lmpviz_status status, const char *fmt, ...)
{
    va_list ap;

    if (fig == NULL || fig->nil || fig->status != LMPVIZ_OK || status == LMPVIZ_OK)
        return;
    fig->status = status;
    va_start(ap, fmt);
    vsnprintf(fig->error, sizeof fig->error, fmt, ap);
    va_end(ap);
}

void
lmpvizi_panel_fail(lmpviz_panel *panel, lmpviz_status status, const char *fmt, ...)
{
    lmpviz_figure *fig = panel != NULL ? panel->fig : NULL;
    va_list ap;

    if (fig == NULL || fig->nil || fig->status != LMPVIZ_OK || status == LMPVIZ_OK)
        return;
    fig->status = status;
    va_start(ap, fmt);
    vsnprintf(fig->error, sizeof fig->error, fmt, ap);
    va_end(ap);
}

/* A panel of a failed figure, or the nil panel, ignores every call. */
static int
panel_dead(const lmpviz_panel *pn)
{
    return pn == NULL || pn->fig->status != LMPVIZ_OK;
}

/* Records a failed panel call as its figure's failure. */
static void
panel_check(lmpviz_panel *pn, lmpviz_status st, const char *what)
{
    if (st != LMPVIZ_OK)
        lmpvizi_figure_fail(pn->fig, st, "%s: %s", what, lmpviz_status_string(st));
}

static lmpviz_status
replace_string(char **dst, const char *src)
{
    char *copy = NULL;
    if (src != NULL) {
        copy = dup_or_null(src);
        if (copy == NULL)
            return LMPVIZ_ERR_NOMEM;
    }
    free(*dst);
    *dst = copy;
    return LMPVIZ_OK;
}

void
lmpviz_figure_set_png_level(lmpviz_figure *fig, int level)
{
    if (fig == NULL || fig->status != LMPVIZ_OK)
        return;
    fig->png_level = level < -1 ? -1 : (level > 9 ? 9 : level);
}

void
lmpviz_figure_set_title(lmpviz_figure *fig, const char *title)
{
    if (fig == NULL || fig->status != LMPVIZ_OK)
        return;
    if (replace_string(&fig->title, title) != LMPVIZ_OK)
        lmpvizi_figure_fail(fig, LMPVIZ_ERR_NOMEM, "figure title: out of memory");
}

lmpviz_panel *
lmpviz_figure_panel(lmpviz_figure *fig, size_t row, size_t col)
{
    if (fig == NULL || fig->status != LMPVIZ_OK)
        return &nil_panel;
    if (row >= fig->rows || col >= fig->cols) {
        lmpvizi_figure_fail(fig, LMPVIZ_ERR_INVALID_ARG, "panel (%zu, %zu) of a %zu x %zu grid",
                            row, col, fig->rows, fig->cols);
        return &nil_panel;
    }
    return &fig->panels[row * fig->cols + col];
}

void
lmpviz_panel_set_title(lmpviz_panel *panel, const char *title)
{
    if (!panel_dead(panel))
        panel_check(panel, replace_string(&panel->title, title), "panel title");
}

void
lmpviz_panel_set_xlabel(lmpviz_panel *panel, const char *label)
{
    if (!panel_dead(panel))
        panel_check(panel, replace_string(&panel->xlabel, label), "panel xlabel");
}

void
lmpviz_panel_set_ylabel(lmpviz_panel *panel, const char *label)
{
    if (!panel_dead(panel))
        panel_check(panel, replace_string(&panel->ylabel, label), "panel ylabel");
}

void
lmpviz_panel_set_xlim(lmpviz_panel *panel, double lo, double hi)
{
    if (panel_dead(panel))
        return;
    panel->xlim[0] = lo;
    panel->xlim[1] = hi;
}

void
lmpviz_panel_set_ylim(lmpviz_panel *panel, double lo, double hi)
{
    if (panel_dead(panel))
        return;
    panel->ylim[0] = lo;
    panel->ylim[1] = hi;
}

void
lmpviz_panel_set_logx(lmpviz_panel *panel, int on)
{
    if (!panel_dead(panel))
        panel->logx = on != 0;
}

void
lmpviz_panel_set_logy(lmpviz_panel *panel, int on)
{
    if (!panel_dead(panel))
        panel->logy = on != 0;
}

void
lmpviz_panel_set_xinteger(lmpviz_panel *panel, int on)
{
    if (!panel_dead(panel))
        panel->xinteger = on != 0;
}

void
lmpviz_panel_set_equal_aspect(lmpviz_panel *panel, int on)
{
    if (!panel_dead(panel))
        panel->equal = on != 0;
}

void
lmpviz_panel_set_grid(lmpviz_panel *panel, int on)
{
    if (!panel_dead(panel))
        panel->grid = on != 0;
}

void
lmpviz_panel_set_legend(lmpviz_panel *panel, lmpviz_legend_loc loc)
{
    if (!panel_dead(panel))
        panel->legend = loc;
}

static plot_item *
new_item(lmpviz_panel *pn, item_kind kind, const lmpviz_style *style, const char *label)
{
    plot_item *it;

    if (pn->n_items == pn->cap_items) {
        size_t cap = pn->cap_items ? 2 * pn->cap_items : 8;
        plot_item *grown = realloc(pn->items, cap * sizeof *grown);
        if (grown == NULL)
            return NULL;
        pn->items = grown;
        pn->cap_items = cap;
    }
    it = &pn->items[pn->n_items];
    memset(it, 0, sizeof *it);
    it->kind = kind;
    if (style != NULL)
        it->style = *style;
    if (label != NULL) {
        it->label = dup_or_null(label);
        if (it->label == NULL)
            return NULL;
    }
    pn->n_items++;
    pn->laid_out = 0;
    return it;
}

/* Undo the last new_item after a later allocation failed. */
static void
drop_last_item(lmpviz_panel *pn)
{
    plot_item *it = &pn->items[pn->n_items - 1];
    free(it->x);
    free(it->y);
    free(it->label);
    lmpviz_big_free(it->pix);
    pn->n_items--;
}

static lmpviz_status
add_points(lmpviz_panel *pn,
           item_kind kind,
           const double *x,
           const double *y,
           size_t n,
           const lmpviz_style *style,
           const char *label)
{
    plot_item *it;

    if (x == NULL || y == NULL || n == 0 || style == NULL || n > SIZE_MAX / sizeof(double))
        return LMPVIZ_ERR_INVALID_ARG;
    it = new_item(pn, kind, style, label);
    if (it == NULL)
        return LMPVIZ_ERR_NOMEM;
    it->x = malloc(n * sizeof *it->x);
    it->y = malloc(n * sizeof *it->y);
    if (it->x == NULL || it->y == NULL) {
        drop_last_item(pn);
        return LMPVIZ_ERR_NOMEM;
    }
    memcpy(it->x, x, n * sizeof *x);
    memcpy(it->y, y, n * sizeof *y);
    it->n = n;
    return LMPVIZ_OK;
}

void
lmpviz_panel_add_series(lmpviz_panel *panel,
                        const double *x,
                        const double *y,
                        size_t n,
                        const lmpviz_style *style,
                        const char *label)
{
    if (!panel_dead(panel))
        panel_check(panel, add_points(panel, ITEM_SERIES, x, y, n, style, label), "series");
}

void
lmpviz_panel_add_polygon(lmpviz_panel *panel,
                         const double *x,
                         const double *y,
                         size_t n,
                         const lmpviz_style *style,
                         const char *label)
{
    if (!panel_dead(panel))
        panel_check(panel, add_points(panel, ITEM_POLYGON, x, y, n, style, label), "polygon");
}

void
lmpviz_panel_add_arrow(lmpviz_panel *panel,
                       double x0,
                       double y0,
                       double x1,
                       double y1,
                       const lmpviz_style *style,
                       const char *label)
{
    const double x[2] = { x0, x1 };
    const double y[2] = { y0, y1 };
    if (!panel_dead(panel))
        panel_check(panel, add_points(panel, ITEM_ARROW, x, y, 2, style, label), "arrow");
}

static lmpviz_status
add_line(lmpviz_panel *pn, item_kind kind, double v, const lmpviz_style *style, const char *label)
{
    plot_item *it;
    if (style == NULL || !isfinite(v))
        return LMPVIZ_ERR_INVALID_ARG;
    it = new_item(pn, kind, style, label);
    if (it == NULL)
        return LMPVIZ_ERR_NOMEM;
    it->v = v;
    return LMPVIZ_OK;
}

void
lmpviz_panel_add_hline(lmpviz_panel *panel, double y, const lmpviz_style *style, const char *label)
{
    if (!panel_dead(panel))
        panel_check(panel, add_line(panel, ITEM_HLINE, y, style, label), "horizontal line");
}

void
lmpviz_panel_add_vline(lmpviz_panel *panel, double x, const lmpviz_style *style, const char *label)
{
    if (!panel_dead(panel))
        panel_check(panel, add_line(panel, ITEM_VLINE, x, style, label), "vertical line");
}

static lmpviz_status
panel_add_text(lmpviz_panel *panel,
               double x,
               double y,
               double dx,
               double dy,
               lmpviz_anchor anchor,
               lmpviz_color color,
               double size,
               const char *text)
{
    lmpviz_style style;
    lmpviz_status st;
    plot_item *it;

    if (text == NULL)
        return LMPVIZ_ERR_INVALID_ARG;
    style = lmpviz_style_line(color, LMPVIZ_DASH_SOLID);
    st = add_points(panel, ITEM_TEXT, &x, &y, 1, &style, text);
    if (st != LMPVIZ_OK)
        return st;
    it = &panel->items[panel->n_items - 1];
    it->anchor = anchor;
    it->dx = dx;
    it->dy = dy;
    it->size = size > 0.0 ? size : FONT_TEXT;
    return LMPVIZ_OK;
}

void
lmpviz_panel_add_text(lmpviz_panel *panel,
                      double x,
                      double y,
                      double dx,
                      double dy,
                      lmpviz_anchor anchor,
                      lmpviz_color color,
                      double size,
                      const char *text)
{
    if (!panel_dead(panel))
        panel_check(panel, panel_add_text(panel, x, y, dx, dy, anchor, color, size, text), "text");
}

static lmpviz_status
panel_add_image(lmpviz_panel *panel,
                const uint32_t *argb,
                size_t width,
                size_t height,
                size_t stride_px,
                double x0,
                double y0,
                double x1,
                double y1,
                int smooth)
{
    double xs[2] = { x0, x1 }, ys[2] = { y0, y1 };
    lmpviz_style style;
    lmpviz_status st;
    plot_item *it;
    size_t r;

    /* cairo takes int sizes and an int stride in bytes. */
    if (argb == NULL || width == 0 || height == 0 || stride_px < width || width > 32767 ||
        height > 32767 || !(x1 > x0) || !(y1 > y0) || !isfinite(x0) || !isfinite(x1) ||
        !isfinite(y0) || !isfinite(y1))
        return LMPVIZ_ERR_INVALID_ARG;
    style = lmpviz_style_line(lmpviz_color_hex(0), LMPVIZ_DASH_SOLID);
    st = add_points(panel, ITEM_IMAGE, xs, ys, 2, &style, NULL);
    if (st != LMPVIZ_OK)
        return st;
    it = &panel->items[panel->n_items - 1];
    it->pix = lmpviz_big_alloc(width * height * sizeof *it->pix);
    if (it->pix == NULL) {
        drop_last_item(panel);
        return LMPVIZ_ERR_NOMEM;
    }
    for (r = 0; r < height; r++)
        memcpy(it->pix + r * width, argb + r * stride_px, width * sizeof *argb);
    it->iw = width;
    it->ih = height;
    it->smooth = smooth;
    return LMPVIZ_OK;
}

void
lmpviz_panel_add_image(lmpviz_panel *panel,
                       const uint32_t *argb,
                       size_t width,
                       size_t height,
                       size_t stride_px,
                       double x0,
                       double y0,
                       double x1,
                       double y1,
                       int smooth)
{
    if (!panel_dead(panel))
        panel_check(panel,
                    panel_add_image(panel, argb, width, height, stride_px, x0, y0, x1, y1, smooth),
                    "image");
}

void
lmpviz_panel_set_axes_visible(lmpviz_panel *panel, int on)
{
    if (panel_dead(panel))
        return;
    panel->axes_off = !on;
    panel->laid_out = 0;
}

static lmpviz_status
panel_set_colorbar(lmpviz_panel *panel,
                   const lmpviz_color *colors,
                   size_t n_colors,
                   const double *pos,
                   const char *const *tick_labels,
                   size_t n_ticks,
                   const char *label)
{
    colorbar cb;
    size_t k;

    if (colors == NULL || n_colors == 0 || n_colors > 65536 || n_ticks > MAX_TICKS ||
        (n_ticks > 0 && (pos == NULL || tick_labels == NULL)))
        return LMPVIZ_ERR_INVALID_ARG;
    for (k = 0; k < n_ticks; k++) {
        if (!(pos[k] >= 0.0 && pos[k] <= 1.0) || tick_labels[k] == NULL)
            return LMPVIZ_ERR_INVALID_ARG;
    }
    memset(&cb, 0, sizeof cb);
    cb.colors = malloc(n_colors * sizeof *cb.colors);
    cb.pos = malloc((n_ticks ? n_ticks : 1) * sizeof *cb.pos);
    cb.ticks = calloc(n_ticks ? n_ticks : 1, sizeof *cb.ticks);
    if (cb.colors == NULL || cb.pos == NULL || cb.ticks == NULL)
        goto nomem;
    memcpy(cb.colors, colors, n_colors * sizeof *colors);
    cb.n_colors = n_colors;
    for (k = 0; k < n_ticks; k++) {
        cb.ticks[k] = dup_or_null(tick_labels[k]);
        if (cb.ticks[k] == NULL)
            goto nomem;
        cb.pos[k] = pos[k];
        cb.n_ticks = k + 1;
    }
    if (label != NULL) {
        cb.label = dup_or_null(label);
        if (cb.label == NULL)
            goto nomem;
    }
    colorbar_free(&panel->cbar);
    panel->cbar = cb;
    panel->laid_out = 0;
    return LMPVIZ_OK;
nomem:
    colorbar_free(&cb);
    return LMPVIZ_ERR_NOMEM;
}

void
lmpviz_panel_set_colorbar(lmpviz_panel *panel,
                          const lmpviz_color *colors,
                          size_t n_colors,
                          const double *pos,
                          const char *const *tick_labels,
                          size_t n_ticks,
                          const char *label)
{
    if (!panel_dead(panel))
        panel_check(panel,
                    panel_set_colorbar(panel, colors, n_colors, pos, tick_labels, n_ticks, label),
                    "colour bar");
}

/* ------------------------------------------------------------------------
 * Output
 */

static cairo_status_t
write_stream(void *closure, const unsigned char *data, unsigned int length)
{
    FILE *fp = closure;
    if (length > 0 && fwrite(data, 1, length, fp) != length)
        return CAIRO_STATUS_WRITE_ERROR;
    return CAIRO_STATUS_SUCCESS;
}

/* Draws the figure on s: in pixels (raster != 0: PNG and
 * lmpviz_figure_render_rgb) or in points (SVG, PDF). */
static cairo_status_t
draw_on(cairo_surface_t *s, const lmpviz_figure *fig, int raster)
{
    cairo_t *cr = cairo_create(s);
    cairo_status_t cs;

    lmpvizi_apply_font_options(cr);
    if (raster)
        cairo_scale(cr, fig->dpi / 72.0, fig->dpi / 72.0);
    lmpvizi_draw_figure(cr, fig);
    cs = cairo_status(cr);
    cairo_destroy(cr);
    return cs;
}

lmpviz_status
lmpviz_figure_write(lmpviz_figure *fig, lmpviz_format fmt, FILE *fp, lmpviz_err *err)
{
    cairo_surface_t *s = NULL;
    cairo_status_t cs;
    lmpviz_status st;

    if (fp == NULL) {
        lmpviz_err_set(err, "no output stream");
        return LMPVIZ_ERR_INVALID_ARG;
    }
    st = lmpviz_figure_layout(fig, err);
    if (st != LMPVIZ_OK)
        return st;
    switch (fmt) {
    case LMPVIZ_FORMAT_PNG:
        s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)fig->width_px,
                                       (int)fig->height_px);
        break;
    case LMPVIZ_FORMAT_SVG:
        s = cairo_svg_surface_create_for_stream(write_stream, fp, fig->width, fig->height);
        break;
    case LMPVIZ_FORMAT_PDF:
        s = cairo_pdf_surface_create_for_stream(write_stream, fp, fig->width, fig->height);
        break;
    default:
        lmpviz_err_set(err, "unknown output format %d", (int)fmt);
        return LMPVIZ_ERR_INVALID_ARG;
    }
    cs = draw_on(s, fig, fmt == LMPVIZ_FORMAT_PNG);
    if (cs == CAIRO_STATUS_SUCCESS && fmt == LMPVIZ_FORMAT_PNG && fig->png_level >= 0) {
        cairo_surface_flush(s);
        st = lmpvizi_png_write_argb(fp, cairo_image_surface_get_data(s), fig->width_px,
                                    fig->height_px, (size_t)cairo_image_surface_get_stride(s),
                                    fig->png_level, err);
        cairo_surface_destroy(s);
        return st;
    }
    if (cs == CAIRO_STATUS_SUCCESS && fmt == LMPVIZ_FORMAT_PNG)
        cs = cairo_surface_write_to_png_stream(s, write_stream, fp);
    cairo_surface_finish(s);
    if (cs == CAIRO_STATUS_SUCCESS)
        cs = cairo_surface_status(s);
    cairo_surface_destroy(s);
    if (cs == CAIRO_STATUS_NO_MEMORY) {
        lmpviz_err_set(err, "out of memory while drawing");
        return LMPVIZ_ERR_NOMEM;
    }
    if (cs == CAIRO_STATUS_WRITE_ERROR) {
        lmpviz_err_set(err, "write failed");
        return LMPVIZ_ERR_IO;
    }
    if (cs != CAIRO_STATUS_SUCCESS) {
        lmpviz_err_set(err, "cairo: %s", cairo_status_to_string(cs));
        return LMPVIZ_ERR_CAIRO;
    }
    return LMPVIZ_OK;
}

void
lmpviz_pixels_free(lmpviz_pixels *px)
{
    if (px == NULL)
        return;
    lmpviz_big_free(px->data);
    memset(px, 0, sizeof *px);
}

void
lmpvizi_argb_to_rgb(unsigned char *data, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        uint32_t px;
        memcpy(&px, data + 4 * i, sizeof px);
        data[3 * i] = (unsigned char)(px >> 16);
        data[3 * i + 1] = (unsigned char)(px >> 8);
        data[3 * i + 2] = (unsigned char)px;
    }
}

lmpviz_status
lmpviz_figure_render_rgb(lmpviz_figure *fig, lmpviz_pixels *out, lmpviz_err *err)
{
    cairo_surface_t *s;
    cairo_status_t cs;
    lmpviz_status st;
    unsigned char *data;
    size_t stride, n;

    if (out == NULL) {
        lmpviz_err_set(err, "no output raster");
        return LMPVIZ_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof *out);
    st = lmpviz_figure_layout(fig, err);
    if (st != LMPVIZ_OK)
        return st;
    /* Drawn into the buffer that is returned, then packed to RGB in place:
     * one allocation, in huge pages where the kernel gives them (a 3 MB
     * raster in 4 KiB pages is 750 page faults, more time than the packing). */
    stride = (size_t)cairo_format_stride_for_width(CAIRO_FORMAT_ARGB32, (int)fig->width_px);
    n = fig->width_px * fig->height_px;
    data = lmpviz_big_alloc(stride * fig->height_px);
    if (data == NULL) {
        lmpviz_err_set(err, "out of memory for a %zux%zu raster", fig->width_px, fig->height_px);
        return LMPVIZ_ERR_NOMEM;
    }
    s = cairo_image_surface_create_for_data(data, CAIRO_FORMAT_ARGB32, (int)fig->width_px,
                                            (int)fig->height_px, (int)stride);
    cs = draw_on(s, fig, 1);
    if (cs == CAIRO_STATUS_SUCCESS)
        cs = cairo_surface_status(s);
    cairo_surface_flush(s);
    cairo_surface_destroy(s);
    if (cs != CAIRO_STATUS_SUCCESS) {
        lmpviz_big_free(data);
        lmpviz_err_set(err, "cairo: %s", cairo_status_to_string(cs));
        return cs == CAIRO_STATUS_NO_MEMORY ? LMPVIZ_ERR_NOMEM : LMPVIZ_ERR_CAIRO;
    }
    /* ARGB32 rows are 4 * width bytes (the stride cairo asks for is that,
     * 4-byte aligned), and RGB rows are 3 * width: reading ahead of writing.
     * The figure's background is opaque white, so every pixel is opaque and
     * its premultiplied channels are its colour, as in the PNG. */
    assert(stride == 4 * fig->width_px);
    lmpvizi_argb_to_rgb(data, n);
    out->data = data;
    out->width = fig->width_px;
    out->height = fig->height_px;
    out->channels = 3;
    out->stride = fig->width_px * 3;
    return LMPVIZ_OK;
}

lmpviz_status
lmpviz_figure_save(lmpviz_figure *fig, const char *path, lmpviz_err *err)
{
    lmpviz_afile af;
    lmpviz_format fmt;
    lmpviz_status st;

    if (lmpviz_figure_status(fig) != LMPVIZ_OK) {
        lmpviz_err_set(err, "%s", lmpviz_figure_error(fig));
        return lmpviz_figure_status(fig);
    }
    st = lmpviz_format_from_path(path, &fmt, err);
    /* /dev/null or a FIFO: no extension to go by */
    if (st != LMPVIZ_OK && lmpviz_afile_in_place(path))
        fmt = LMPVIZ_FORMAT_PNG;
    else if (st != LMPVIZ_OK)
        return st;
    memset(&af, 0, sizeof af);
    st = lmpviz_afile_open(&af, path, err);
    if (st != LMPVIZ_OK)
        return st;
    st = lmpviz_figure_write(fig, fmt, af.fp, err);
    if (st != LMPVIZ_OK)
        return lmpviz_afile_fail(&af, st, err);
    return lmpviz_afile_commit(&af, err);
}
