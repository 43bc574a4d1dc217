/*
 * plot.c - a small plotting layer on cairo: figures, panels, axes with nice
 * ticks, series, reference lines, legends; PNG, SVG and PDF output.
 *
 * Everything is laid out in points (1/72 inch).  The PNG surface is scaled by
 * dpi / 72; SVG and PDF surfaces are in points already.  Text is measured
 * with unhinted metrics on a private surface so that the layout, and hence
 * lmpviz_panel_to_pixel, is the same for every output format.
 */
#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>

#include "viz_internal.h"
#include "lmpviz.h"
#include "lmpviz_private.h"

#define FONT_FAMILY   "DejaVu Sans"
#define FONT_TICK     10.0
#define FONT_LABEL    11.0
#define FONT_TITLE    12.0
#define FONT_SUPTITLE 13.0
#define FONT_LEGEND   9.5
#define FONT_TEXT     9.5

#define CELL_PAD   8.0  /* free space around each panel, pt */
#define TICK_LEN   3.5  /* outward tick marks, pt */
#define TICK_PAD   3.5  /* between a tick and its label */
#define LABEL_PAD  5.0  /* between tick labels and the axis label */
#define TITLE_PAD  7.0  /* between the axes box and the panel title */
#define TICK_GAP_X 10.0 /* least free space between two x tick labels */
#define AXIS_LW    0.8
#define AUTO_MARGIN 0.05 /* matplotlib's default axes margin */

#define LEGEND_PAD    5.0
#define LEGEND_SAMPLE 26.0 /* length of the line sample */
#define LEGEND_GAP    6.0
#define LEGEND_ROW    1.45 /* row height in units of the font size */
#define LEGEND_INSET  6.0  /* from the axes box */

#define PLOT_PI 3.14159265358979323846

#define MAX_TICKS 64
#define MAX_MINOR 160
#define LABEL_LEN 48

/* Above this many points a monotone series is reduced to first/min/max/last
 * per half point of x, which draws the same picture in a fraction of the time
 * and keeps SVG/PDF files small. */
#define DECIMATE_MIN 4096

typedef enum item_kind {
    ITEM_SERIES,
    ITEM_POLYGON,
    ITEM_HLINE,
    ITEM_VLINE,
    ITEM_ARROW,
    ITEM_TEXT,
    ITEM_IMAGE
} item_kind;

typedef struct plot_item {
    item_kind kind;
    double *x; /* owned; n points (2 for an arrow) */
    double *y;
    size_t n;
    double v; /* hline / vline position */
    lmpviz_style style;
    char *label; /* owned; legend label, or the text of ITEM_TEXT */
    lmpviz_anchor anchor;
    double dx, dy, size;
    uint32_t *pix; /* ITEM_IMAGE: owned ARGB32, iw * ih; x, y hold the corners */
    size_t iw, ih;
    int smooth;
} plot_item;

/* Colour bar right of the axes box. */
#define CBAR_GAP   8.0  /* between the axes box and the bar, pt */
#define CBAR_WIDTH 11.0 /* width of the bar, pt */

typedef struct colorbar {
    lmpviz_color *colors; /* owned; n_colors, bottom to top */
    size_t n_colors;
    double *pos;  /* owned; n_ticks fractions of the height */
    char **ticks; /* owned */
    size_t n_ticks;
    char *label; /* owned or NULL */
} colorbar;

typedef struct axis {
    int log;
    int integer; /* ticks on whole numbers only */
    double lo, hi; /* view limits; log10 units on a log axis */
    size_t n_ticks;
    double ticks[MAX_TICKS];
    char labels[MAX_TICKS][LABEL_LEN];
    size_t n_minor;
    double minor[MAX_MINOR];
    char mult[LABEL_LEN]; /* "×10⁻⁴" drawn at the end of the axis, or "" */
} axis;

struct lmpviz_panel {
    char *title;
    char *xlabel;
    char *ylabel;
    double xlim[2], ylim[2]; /* NAN = automatic */
    int logx, logy, equal, grid, xinteger;
    lmpviz_legend_loc legend;
    plot_item *items;
    size_t n_items, cap_items;
    int axes_off;     /* no spines, ticks or tick labels */
    colorbar cbar;    /* n_colors == 0: none */

    /* layout, in points */
    int laid_out;
    double scale; /* points -> PNG pixels */
    double cx, cy, cw, ch; /* cell */
    double ax, ay, aw, ah; /* plot area */
    double ytick_w;        /* widest y tick label */
    axis xa, ya;
    int has_legend;
    double lx, ly, lw, lh; /* legend box */
    size_t legend_cols, legend_rows;
    double legend_col_w;
};

struct lmpviz_figure {
    size_t width_px, height_px;
    double dpi;
    double width, height; /* points */
    char *title;
    size_t rows, cols;
    lmpviz_panel *panels;
    int png_level; /* -1: cairo's own PNG writer; 0..9: libpng at that zlib level */
};

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
        free(pn->items[i].pix);
    }
    colorbar_free(&pn->cbar);
    free(pn->items);
    free(pn->title);
    free(pn->xlabel);
    free(pn->ylabel);
}

lmpviz_figure *
lmpviz_figure_create(size_t width_px, size_t height_px, double dpi, size_t rows, size_t cols)
{
    lmpviz_figure *fig;
    size_t i;

    if (width_px == 0 || height_px == 0 || width_px > 32767 || height_px > 32767 ||
        !(dpi > 0.0 && dpi <= 10000.0) || rows == 0 || cols == 0 || rows > 64 || cols > 64)
        return NULL;
    fig = calloc(1, sizeof *fig);
    if (fig == NULL)
        return NULL;
    fig->panels = calloc(rows * cols, sizeof *fig->panels);
    if (fig->panels == NULL) {
        free(fig);
        return NULL;
    }
    fig->width_px = width_px;
    fig->height_px = height_px;
    fig->dpi = dpi;
    fig->width = (double)width_px * 72.0 / dpi;
    fig->height = (double)height_px * 72.0 / dpi;
    fig->rows = rows;
    fig->cols = cols;
    fig->png_level = -1;
    for (i = 0; i < rows * cols; i++)
        panel_init(&fig->panels[i]);
    return fig;
}

void
lmpviz_figure_destroy(lmpviz_figure *fig)
{
    size_t i;
    if (fig == NULL)
        return;
    for (i = 0; i < fig->rows * fig->cols; i++)
        panel_free(&fig->panels[i]);
    free(fig->panels);
    free(fig->title);
    free(fig);
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
    assert(fig != NULL);
    fig->png_level = level < -1 ? -1 : (level > 9 ? 9 : level);
}

lmpviz_status
lmpviz_figure_set_title(lmpviz_figure *fig, const char *title)
{
    assert(fig != NULL);
    return replace_string(&fig->title, title);
}

lmpviz_panel *
lmpviz_figure_panel(lmpviz_figure *fig, size_t row, size_t col)
{
    assert(fig != NULL);
    if (row >= fig->rows || col >= fig->cols)
        return NULL;
    return &fig->panels[row * fig->cols + col];
}

lmpviz_status
lmpviz_panel_set_title(lmpviz_panel *panel, const char *title)
{
    assert(panel != NULL);
    return replace_string(&panel->title, title);
}

lmpviz_status
lmpviz_panel_set_xlabel(lmpviz_panel *panel, const char *label)
{
    assert(panel != NULL);
    return replace_string(&panel->xlabel, label);
}

lmpviz_status
lmpviz_panel_set_ylabel(lmpviz_panel *panel, const char *label)
{
    assert(panel != NULL);
    return replace_string(&panel->ylabel, label);
}

void
lmpviz_panel_set_xlim(lmpviz_panel *panel, double lo, double hi)
{
    assert(panel != NULL);
    panel->xlim[0] = lo;
    panel->xlim[1] = hi;
}

void
lmpviz_panel_set_ylim(lmpviz_panel *panel, double lo, double hi)
{
    assert(panel != NULL);
    panel->ylim[0] = lo;
    panel->ylim[1] = hi;
}

void
lmpviz_panel_set_logx(lmpviz_panel *panel, int on)
{
    assert(panel != NULL);
    panel->logx = on != 0;
}

void
lmpviz_panel_set_logy(lmpviz_panel *panel, int on)
{
    assert(panel != NULL);
    panel->logy = on != 0;
}

void
lmpviz_panel_set_xinteger(lmpviz_panel *panel, int on)
{
    assert(panel != NULL);
    panel->xinteger = on != 0;
}

void
lmpviz_panel_set_equal_aspect(lmpviz_panel *panel, int on)
{
    assert(panel != NULL);
    panel->equal = on != 0;
}

void
lmpviz_panel_set_grid(lmpviz_panel *panel, int on)
{
    assert(panel != NULL);
    panel->grid = on != 0;
}

void
lmpviz_panel_set_legend(lmpviz_panel *panel, lmpviz_legend_loc loc)
{
    assert(panel != NULL);
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
    free(it->pix);
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

lmpviz_status
lmpviz_panel_add_series(lmpviz_panel *panel,
                        const double *x,
                        const double *y,
                        size_t n,
                        const lmpviz_style *style,
                        const char *label)
{
    assert(panel != NULL);
    return add_points(panel, ITEM_SERIES, x, y, n, style, label);
}

lmpviz_status
lmpviz_panel_add_polygon(lmpviz_panel *panel,
                         const double *x,
                         const double *y,
                         size_t n,
                         const lmpviz_style *style,
                         const char *label)
{
    assert(panel != NULL);
    return add_points(panel, ITEM_POLYGON, x, y, n, style, label);
}

lmpviz_status
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
    assert(panel != NULL);
    return add_points(panel, ITEM_ARROW, x, y, 2, style, label);
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

lmpviz_status
lmpviz_panel_add_hline(lmpviz_panel *panel, double y, const lmpviz_style *style, const char *label)
{
    assert(panel != NULL);
    return add_line(panel, ITEM_HLINE, y, style, label);
}

lmpviz_status
lmpviz_panel_add_vline(lmpviz_panel *panel, double x, const lmpviz_style *style, const char *label)
{
    assert(panel != NULL);
    return add_line(panel, ITEM_VLINE, x, style, label);
}

lmpviz_status
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
    lmpviz_style style;
    lmpviz_status st;
    plot_item *it;

    assert(panel != NULL);
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

lmpviz_status
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
    double xs[2] = { x0, x1 }, ys[2] = { y0, y1 };
    lmpviz_style style;
    lmpviz_status st;
    plot_item *it;
    size_t r;

    assert(panel != NULL);
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
    it->pix = malloc(width * height * sizeof *it->pix);
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
lmpviz_panel_set_axes_visible(lmpviz_panel *panel, int on)
{
    assert(panel != NULL);
    panel->axes_off = !on;
    panel->laid_out = 0;
}

lmpviz_status
lmpviz_panel_set_colorbar(lmpviz_panel *panel,
                          const lmpviz_color *colors,
                          size_t n_colors,
                          const double *pos,
                          const char *const *tick_labels,
                          size_t n_ticks,
                          const char *label)
{
    colorbar cb;
    size_t k;

    assert(panel != NULL);
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

/* ------------------------------------------------------------------------
 * Coordinates
 */

static int
axis_transform(const axis *a, double v, double *out)
{
    if (!isfinite(v))
        return -1;
    if (a->log) {
        if (!(v > 0.0))
            return -1;
        v = log10(v);
    }
    *out = v;
    return 0;
}

/* Data -> points; -1 when the point has no place on the axes. */
static int
to_pt(const lmpviz_panel *pn, double x, double y, double *px, double *py)
{
    double tx, ty;
    if (axis_transform(&pn->xa, x, &tx) != 0 || axis_transform(&pn->ya, y, &ty) != 0)
        return -1;
    *px = pn->ax + pn->aw * (tx - pn->xa.lo) / (pn->xa.hi - pn->xa.lo);
    *py = pn->ay + pn->ah * (1.0 - (ty - pn->ya.lo) / (pn->ya.hi - pn->ya.lo));
    return 0;
}

static double
x_pt(const lmpviz_panel *pn, double tx)
{
    return pn->ax + pn->aw * (tx - pn->xa.lo) / (pn->xa.hi - pn->xa.lo);
}

static double
y_pt(const lmpviz_panel *pn, double ty)
{
    return pn->ay + pn->ah * (1.0 - (ty - pn->ya.lo) / (pn->ya.hi - pn->ya.lo));
}

lmpviz_status
lmpviz_panel_to_pixel(const lmpviz_panel *panel, double x, double y, double *px, double *py)
{
    double tx, ty;
    assert(panel != NULL);
    if (!panel->laid_out || px == NULL || py == NULL)
        return LMPVIZ_ERR_INVALID_ARG;
    if (to_pt(panel, x, y, &tx, &ty) != 0)
        return LMPVIZ_ERR_INVALID_ARG;
    *px = tx * panel->scale;
    *py = ty * panel->scale;
    return LMPVIZ_OK;
}

lmpviz_status
lmpviz_panel_area(const lmpviz_panel *panel, double *x, double *y, double *w, double *h)
{
    assert(panel != NULL);
    if (!panel->laid_out)
        return LMPVIZ_ERR_INVALID_ARG;
    if (x != NULL)
        *x = panel->ax * panel->scale;
    if (y != NULL)
        *y = panel->ay * panel->scale;
    if (w != NULL)
        *w = panel->aw * panel->scale;
    if (h != NULL)
        *h = panel->ah * panel->scale;
    return LMPVIZ_OK;
}

/* ------------------------------------------------------------------------
 * Text
 */

static void
set_font(cairo_t *cr, double size)
{
    cairo_select_font_face(cr, FONT_FAMILY, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

static double
text_width(cairo_t *cr, double size, const char *s)
{
    cairo_text_extents_t te;
    set_font(cr, size);
    cairo_text_extents(cr, s, &te);
    return te.x_advance;
}

/* Height of a line of text: ascent + descent of the font. */
static double
text_height(cairo_t *cr, double size)
{
    cairo_font_extents_t fe;
    set_font(cr, size);
    cairo_font_extents(cr, &fe);
    return fe.ascent + fe.descent;
}

/* Draws s so that the anchor point of its box is (x, y).  angle 0 or -pi/2. */
static void
draw_text(cairo_t *cr, double size, const char *s, double x, double y, lmpviz_anchor anchor, double angle)
{
    cairo_font_extents_t fe;
    cairo_text_extents_t te;
    double w, h, ox, oy;

    set_font(cr, size);
    cairo_font_extents(cr, &fe);
    cairo_text_extents(cr, s, &te);
    w = te.x_advance;
    h = fe.ascent + fe.descent;
    switch (anchor) {
    case LMPVIZ_ANCHOR_W:
    case LMPVIZ_ANCHOR_NW:
    case LMPVIZ_ANCHOR_SW:
        ox = 0.0;
        break;
    case LMPVIZ_ANCHOR_E:
    case LMPVIZ_ANCHOR_NE:
    case LMPVIZ_ANCHOR_SE:
        ox = -w;
        break;
    default:
        ox = -0.5 * w;
        break;
    }
    switch (anchor) {
    case LMPVIZ_ANCHOR_N:
    case LMPVIZ_ANCHOR_NE:
    case LMPVIZ_ANCHOR_NW:
        oy = fe.ascent;
        break;
    case LMPVIZ_ANCHOR_S:
    case LMPVIZ_ANCHOR_SE:
    case LMPVIZ_ANCHOR_SW:
        oy = -fe.descent;
        break;
    default:
        oy = fe.ascent - 0.5 * h;
        break;
    }
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_rotate(cr, angle);
    cairo_move_to(cr, ox, oy);
    cairo_show_text(cr, s);
    cairo_restore(cr);
}

/* ------------------------------------------------------------------------
 * Ticks
 */

static const char *const superscript[10] = { "⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹" };

/* "10" followed by e in superscript digits, e.g. "10⁻³". */
static void
format_pow10(char *buf, size_t size, const char *prefix, int e)
{
    char digits[16];
    size_t i;
    size_t used;

    snprintf(buf, size, "%s10%s", prefix, e < 0 ? "⁻" : "");
    snprintf(digits, sizeof digits, "%d", e < 0 ? -e : e);
    for (i = 0; digits[i] != '\0'; i++) {
        used = strlen(buf);
        snprintf(buf + used, size - used, "%s", superscript[digits[i] - '0']);
    }
}

/* A fixed-point label with a real minus sign (U+2212), never "-0". */
static void
format_fixed(char *buf, size_t size, double v, int decimals)
{
    char tmp[LABEL_LEN - 4];
    snprintf(tmp, sizeof tmp, "%.*f", decimals, v);
    if (tmp[0] == '-') {
        size_t i;
        int zero = 1;
        for (i = 1; tmp[i] != '\0'; i++) {
            if (tmp[i] >= '1' && tmp[i] <= '9')
                zero = 0;
        }
        if (zero)
            snprintf(buf, size, "%s", tmp + 1);
        else
            snprintf(buf, size, "−%s", tmp + 1);
    } else {
        snprintf(buf, size, "%s", tmp);
    }
}

/* Smallest of 1, 2, 2.5, 5 times a power of ten that is >= raw. */
static double
nice_step(double raw)
{
    static const double mantissa[] = { 1.0, 2.0, 2.5, 5.0, 10.0 };
    double mag = pow(10.0, floor(log10(raw)));
    double f = raw / mag;
    size_t i;
    for (i = 0; i < sizeof mantissa / sizeof mantissa[0]; i++) {
        if (f <= mantissa[i] * (1.0 + 1e-9))
            return mantissa[i] * mag;
    }
    return 10.0 * mag;
}

/* Decimals needed to print multiples of step exactly. */
static int
step_decimals(double step)
{
    int d = (int)ceil(-log10(step) - 1e-9);
    if (d < 0)
        d = 0;
    while (d < 12) {
        double scaled = step * pow(10.0, d);
        if (fabs(scaled - nearbyint(scaled)) < 1e-6 * scaled)
            break;
        d++;
    }
    return d;
}

static void
linear_ticks(axis *a, double step)
{
    double first = ceil(a->lo / step - 1e-9) * step;
    double amax = 0.0;
    double scale = 1.0;
    int e = 0;
    int decimals;
    size_t k;

    a->n_ticks = 0;
    a->n_minor = 0;
    a->mult[0] = '\0';
    for (k = 0; k < MAX_TICKS; k++) {
        double t = first + (double)k * step;
        if (t > a->hi + step * 1e-9)
            break;
        if (fabs(t) < step * 1e-9)
            t = 0.0;
        a->ticks[a->n_ticks++] = t;
        if (fabs(t) > amax)
            amax = fabs(t);
    }
    /* Long labels such as 0.000012 or 2500000 get a common factor instead. */
    if (amax > 0.0 && (amax >= 1e5 || amax < 1e-3)) {
        e = (int)floor(log10(amax));
        scale = pow(10.0, -e);
        format_pow10(a->mult, sizeof a->mult, "×", e);
    }
    decimals = step_decimals(step * scale);
    for (k = 0; k < a->n_ticks; k++)
        format_fixed(a->labels[k], LABEL_LEN, a->ticks[k] * scale, decimals);
}

/* Log axis: lo, hi are log10 units.  max_labels bounds the decade labels. */
static void
log_ticks(axis *a, size_t max_labels)
{
    int k0 = (int)ceil(a->lo - 1e-9);
    int k1 = (int)floor(a->hi + 1e-9);
    int k;

    a->n_ticks = 0;
    a->n_minor = 0;
    a->mult[0] = '\0';
    if (k1 - k0 + 1 >= 2) {
        int stride = 1;
        if (max_labels < 2)
            max_labels = 2;
        while ((size_t)((k1 - k0) / stride + 1) > max_labels)
            stride++;
        for (k = k0; k <= k1 && a->n_ticks < MAX_TICKS; k++) {
            if ((k - k0) % stride != 0)
                continue;
            a->ticks[a->n_ticks] = (double)k;
            format_pow10(a->labels[a->n_ticks], LABEL_LEN, "", k);
            a->n_ticks++;
        }
        if (a->hi - a->lo <= 12.0) {
            for (k = (int)floor(a->lo); k <= k1; k++) {
                int mm;
                for (mm = 2; mm <= 9 && a->n_minor < MAX_MINOR; mm++) {
                    double v = (double)k + log10((double)mm);
                    if (v >= a->lo && v <= a->hi)
                        a->minor[a->n_minor++] = v;
                }
            }
        }
        return;
    }
    /* Less than two decades: label 1, 2 and 5 times powers of ten. */
    {
        static const int mant[] = { 1, 2, 5 };
        for (k = (int)floor(a->lo); k <= (int)ceil(a->hi) && a->n_ticks < MAX_TICKS; k++) {
            size_t i;
            for (i = 0; i < 3 && a->n_ticks < MAX_TICKS; i++) {
                double v = (double)k + log10((double)mant[i]);
                if (v >= a->lo - 1e-9 && v <= a->hi + 1e-9) {
                    int decimals = k < 0 ? -k : 0;
                    a->ticks[a->n_ticks] = v;
                    format_fixed(a->labels[a->n_ticks], LABEL_LEN, pow(10.0, v), decimals);
                    a->n_ticks++;
                }
            }
        }
    }
}

/* Ticks for an axis of length len points.  For x (horizontal) labels the
 * step grows until neighbouring labels leave TICK_GAP_X free. */
static void
axis_ticks(cairo_t *cr, axis *a, double len, int horizontal)
{
    double span = a->hi - a->lo;
    double per = horizontal ? 60.0 : 38.0;
    double target = len / per;
    double step;
    int tries;

    if (target < 3.0)
        target = 3.0;
    if (target > 10.0)
        target = 10.0;
    if (a->log) {
        size_t max_labels = (size_t)target + 1;
        for (tries = 0; tries < 20; tries++) {
            size_t k;
            int ok = 1;
            log_ticks(a, max_labels);
            if (!horizontal || a->n_ticks < 2)
                return;
            for (k = 1; k < a->n_ticks; k++) {
                double gap = (a->ticks[k] - a->ticks[k - 1]) / span * len;
                double need = 0.5 * (text_width(cr, FONT_TICK, a->labels[k]) +
                                     text_width(cr, FONT_TICK, a->labels[k - 1])) +
                              TICK_GAP_X;
                if (gap < need)
                    ok = 0;
            }
            if (ok || max_labels <= 2)
                return;
            max_labels--;
        }
        return;
    }
    step = nice_step(span / target);
    for (tries = 0; tries < 20; tries++) {
        size_t k;
        int ok = 1;
        /* counts (pixel ranks): steps of 1, 2, 5, 10, ... */
        while (a->integer && (step < 1.0 || fabs(step - nearbyint(step)) > 1e-9))
            step = nice_step(step * 1.01);
        linear_ticks(a, step);
        if (!horizontal && len / (span / step) < 1.6 * FONT_TICK)
            ok = 0;
        for (k = 1; horizontal && k < a->n_ticks; k++) {
            double gap = step / span * len;
            double need = 0.5 * (text_width(cr, FONT_TICK, a->labels[k]) +
                                 text_width(cr, FONT_TICK, a->labels[k - 1])) +
                          TICK_GAP_X;
            if (gap < need)
                ok = 0;
        }
        if (ok)
            return;
        step = nice_step(step * 1.01);
    }
}

/* ------------------------------------------------------------------------
 * Layout
 */

/* Data range of the items along one axis (after the log transform). */
static void
data_range(const lmpviz_panel *pn, int for_y, int log, double *lo, double *hi)
{
    size_t i, k;
    double mn = INFINITY, mx = -INFINITY;

    for (i = 0; i < pn->n_items; i++) {
        const plot_item *it = &pn->items[i];
        if (it->kind == ITEM_TEXT)
            continue;
        if (it->kind == ITEM_HLINE || it->kind == ITEM_VLINE) {
            double v = it->v;
            if ((it->kind == ITEM_HLINE) != (for_y != 0))
                continue;
            if (log && !(v > 0.0))
                continue;
            v = log ? log10(v) : v;
            mn = fmin(mn, v);
            mx = fmax(mx, v);
            continue;
        }
        for (k = 0; k < it->n; k++) {
            double v = for_y ? it->y[k] : it->x[k];
            if (!isfinite(v) || (log && !(v > 0.0)))
                continue;
            v = log ? log10(v) : v;
            mn = fmin(mn, v);
            mx = fmax(mx, v);
        }
    }
    *lo = mn;
    *hi = mx;
}

static void
axis_limits(const lmpviz_panel *pn, axis *a, int for_y)
{
    const double *lim = for_y ? pn->ylim : pn->xlim;
    double lo, hi, fixed_lo = NAN, fixed_hi = NAN;

    a->log = for_y ? pn->logy : pn->logx;
    a->integer = !for_y && pn->xinteger;
    data_range(pn, for_y, a->log, &lo, &hi);
    if (isfinite(lim[0]) && (!a->log || lim[0] > 0.0))
        fixed_lo = a->log ? log10(lim[0]) : lim[0];
    if (isfinite(lim[1]) && (!a->log || lim[1] > 0.0))
        fixed_hi = a->log ? log10(lim[1]) : lim[1];
    if (!isfinite(lo) || !isfinite(hi)) {
        lo = a->log ? 0.0 : 0.0;
        hi = 1.0;
    }
    if (isfinite(fixed_lo))
        lo = fixed_lo;
    if (isfinite(fixed_hi))
        hi = fixed_hi;
    if (!(hi > lo)) {
        double c = isfinite(fixed_lo) ? lo : (isfinite(fixed_hi) ? hi : 0.5 * (lo + hi));
        double d = a->log ? 0.5 : (c != 0.0 ? 0.1 * fabs(c) : 0.5);
        if (isfinite(fixed_lo) && !isfinite(fixed_hi))
            hi = lo + 2.0 * d;
        else if (isfinite(fixed_hi) && !isfinite(fixed_lo))
            lo = hi - 2.0 * d;
        else {
            lo = c - d;
            hi = c + d;
        }
    } else {
        double span = hi - lo;
        if (!isfinite(fixed_lo))
            lo -= AUTO_MARGIN * span;
        if (!isfinite(fixed_hi))
            hi += AUTO_MARGIN * span;
    }
    a->lo = lo;
    a->hi = hi;
}

static double
max_label_width(cairo_t *cr, const axis *a)
{
    double w = 0.0;
    size_t k;
    for (k = 0; k < a->n_ticks; k++)
        w = fmax(w, text_width(cr, FONT_TICK, a->labels[k]));
    return w;
}

/* Entries that go in the legend. */
static size_t
legend_count(const lmpviz_panel *pn)
{
    size_t i, n = 0;
    for (i = 0; i < pn->n_items; i++) {
        if (pn->items[i].label != NULL && pn->items[i].kind != ITEM_TEXT)
            n++;
    }
    return n;
}

/* Measures the legend for rows of at most max_h points. */
static void
legend_measure(cairo_t *cr, lmpviz_panel *pn, double max_h)
{
    size_t i, n = legend_count(pn);
    double row = LEGEND_ROW * FONT_LEGEND;
    double textw = 0.0;
    size_t per_col;

    for (i = 0; i < pn->n_items; i++) {
        if (pn->items[i].label != NULL && pn->items[i].kind != ITEM_TEXT)
            textw = fmax(textw, text_width(cr, FONT_LEGEND, pn->items[i].label));
    }
    per_col = (size_t)floor((max_h - 2.0 * LEGEND_PAD) / row);
    if (per_col < 1)
        per_col = 1;
    pn->legend_cols = (n + per_col - 1) / per_col;
    if (pn->legend_cols < 1)
        pn->legend_cols = 1;
    pn->legend_rows = (n + pn->legend_cols - 1) / pn->legend_cols;
    pn->legend_col_w = LEGEND_SAMPLE + LEGEND_GAP + textw;
    pn->lw = 2.0 * LEGEND_PAD + (double)pn->legend_cols * pn->legend_col_w +
             (double)(pn->legend_cols - 1) * 2.0 * LEGEND_GAP;
    pn->lh = 2.0 * LEGEND_PAD + (double)pn->legend_rows * row;
}

/* Liang-Barsky: does the segment touch the rectangle? */
static int
segment_hits(double x0, double y0, double x1, double y1, double rx, double ry, double rw, double rh)
{
    double t0 = 0.0, t1 = 1.0;
    double dx = x1 - x0, dy = y1 - y0;
    double p[4], q[4];
    int i;

    p[0] = -dx;
    q[0] = x0 - rx;
    p[1] = dx;
    q[1] = rx + rw - x0;
    p[2] = -dy;
    q[2] = y0 - ry;
    p[3] = dy;
    q[3] = ry + rh - y0;
    for (i = 0; i < 4; i++) {
        if (p[i] == 0.0) {
            if (q[i] < 0.0)
                return 0;
        } else {
            double r = q[i] / p[i];
            if (p[i] < 0.0) {
                if (r > t1)
                    return 0;
                if (r > t0)
                    t0 = r;
            } else {
                if (r < t0)
                    return 0;
                if (r < t1)
                    t1 = r;
            }
        }
    }
    return 1;
}

/* How much of the drawn data a legend box at (rx, ry) would cover. */
static size_t
legend_overlap(const lmpviz_panel *pn, double rx, double ry, double rw, double rh)
{
    size_t i, k, hits = 0;

    for (i = 0; i < pn->n_items; i++) {
        const plot_item *it = &pn->items[i];
        double px0 = 0, py0 = 0, px1, py1;
        int have = 0;
        size_t stride;

        switch (it->kind) {
        case ITEM_HLINE:
            if (to_pt(pn, pn->xa.log ? pow(10.0, pn->xa.lo) : pn->xa.lo, it->v, &px0, &py0) == 0 &&
                py0 >= ry && py0 <= ry + rh)
                hits += 100;
            break;
        case ITEM_VLINE:
            if (to_pt(pn, it->v, pn->ya.log ? pow(10.0, pn->ya.lo) : pn->ya.lo, &px0, &py0) == 0 &&
                px0 >= rx && px0 <= rx + rw)
                hits += 100;
            break;
        case ITEM_TEXT:
            break;
        case ITEM_IMAGE:
            if (to_pt(pn, it->x[0], it->y[1], &px0, &py0) == 0 &&
                to_pt(pn, it->x[1], it->y[0], &px1, &py1) == 0 && px0 < rx + rw && px1 > rx &&
                py0 < ry + rh && py1 > ry)
                hits += 100;
            break;
        default:
            stride = it->n > 20000 ? it->n / 20000 : 1;
            for (k = 0; k < it->n; k += stride) {
                if (to_pt(pn, it->x[k], it->y[k], &px1, &py1) != 0) {
                    have = 0;
                    continue;
                }
                if (px1 >= rx && px1 <= rx + rw && py1 >= ry && py1 <= ry + rh)
                    hits += 10;
                else if (have && segment_hits(px0, py0, px1, py1, rx, ry, rw, rh))
                    hits += 10;
                px0 = px1;
                py0 = py1;
                have = 1;
            }
            if (it->kind == ITEM_POLYGON && it->n > 1 && have &&
                to_pt(pn, it->x[0], it->y[0], &px1, &py1) == 0 &&
                segment_hits(px0, py0, px1, py1, rx, ry, rw, rh))
                hits += 10;
            break;
        }
    }
    return hits;
}

/* Picks a legend spot inside the axes that covers no data; 0 when none. */
static int
legend_place_inside(lmpviz_panel *pn)
{
    /* Fractions of the free space: upper right first, as matplotlib's "best". */
    static const double spots[][2] = { { 1, 0 },   { 0, 0 },   { 0, 1 },   { 1, 1 },   { 1, 0.5 },
                                       { 0, 0.5 }, { 0.5, 1 }, { 0.5, 0 }, { 0.5, 0.5 } };
    double fw = pn->aw - pn->lw - 2.0 * LEGEND_INSET;
    double fh = pn->ah - pn->lh - 2.0 * LEGEND_INSET;
    size_t i;

    if (fw < 0.0 || fh < 0.0)
        return 0;
    for (i = 0; i < sizeof spots / sizeof spots[0]; i++) {
        double rx = pn->ax + LEGEND_INSET + spots[i][0] * fw;
        double ry = pn->ay + LEGEND_INSET + spots[i][1] * fh;
        if (legend_overlap(pn, rx, ry, pn->lw, pn->lh) == 0) {
            pn->lx = rx;
            pn->ly = ry;
            return 1;
        }
    }
    return 0;
}

static void
panel_layout(cairo_t *cr, lmpviz_panel *pn)
{
    double tick_h = text_height(cr, FONT_TICK);
    double label_h = text_height(cr, FONT_LABEL);
    double title_h = pn->title ? text_height(cr, FONT_TITLE) + TITLE_PAD : 0.0;
    double left_label = pn->ylabel ? label_h + LABEL_PAD : 0.0;
    double bottom_label = pn->xlabel ? label_h + LABEL_PAD : 0.0;
    double ytick_w = 3.0 * FONT_TICK; /* first guess */
    double right_extra = 0.0;
    double legend_w = 0.0;
    int outside = pn->legend == LMPVIZ_LEGEND_OUTSIDE_RIGHT;
    size_t n_legend = legend_count(pn);
    double cbar_w = 0.0;
    int pass, it;

    if (pn->cbar.n_colors > 0) {
        size_t k;
        double tw = 0.0;
        for (k = 0; k < pn->cbar.n_ticks; k++)
            tw = fmax(tw, text_width(cr, FONT_TICK, pn->cbar.ticks[k]));
        cbar_w = CBAR_GAP + CBAR_WIDTH + TICK_LEN + TICK_PAD + tw;
        if (pn->cbar.label != NULL)
            cbar_w += LABEL_PAD + label_h;
    }

    axis_limits(pn, &pn->xa, 0);
    axis_limits(pn, &pn->ya, 1);
    pn->has_legend = n_legend > 0 && pn->legend != LMPVIZ_LEGEND_NONE;

    for (pass = 0; pass < 2; pass++) {
        if (pn->has_legend && outside) {
            legend_measure(cr, pn, pn->ch - 2.0 * CELL_PAD - title_h);
            legend_w = pn->lw + LEGEND_GAP + CELL_PAD;
        }
        for (it = 0; it < 3; it++) {
            double top_extra = fmax(0.5 * tick_h, 0.0);
            double x_over;
            if (pn->ya.mult[0] != '\0' || pn->xa.mult[0] != '\0')
                top_extra = fmax(top_extra, tick_h + 2.0);
            if (pn->axes_off) {
                pn->ax = pn->cx + CELL_PAD + left_label;
                pn->ay = pn->cy + CELL_PAD + title_h;
                pn->aw = pn->cx + pn->cw - CELL_PAD - legend_w - cbar_w - pn->ax;
                pn->ah = pn->cy + pn->ch - CELL_PAD - bottom_label - pn->ay;
            } else {
                pn->ax = pn->cx + CELL_PAD + left_label + ytick_w + TICK_LEN + TICK_PAD;
                pn->ay = pn->cy + CELL_PAD + title_h + top_extra;
                pn->aw = pn->cx + pn->cw - CELL_PAD - right_extra - legend_w - cbar_w - pn->ax;
                pn->ah = pn->cy + pn->ch - CELL_PAD - bottom_label - tick_h - TICK_LEN - TICK_PAD -
                         pn->ay;
            }
            if (pn->aw < 10.0)
                pn->aw = 10.0;
            if (pn->ah < 10.0)
                pn->ah = 10.0;
            axis_ticks(cr, &pn->xa, pn->aw, 1);
            axis_ticks(cr, &pn->ya, pn->ah, 0);
            ytick_w = max_label_width(cr, &pn->ya);
            pn->ytick_w = ytick_w;
            if (pn->axes_off) {
                pn->ytick_w = 0.0;
                break;
            }
            /* The last x label may stick out right of the axes. */
            right_extra = 0.0;
            if (pn->xa.n_ticks > 0) {
                size_t last = pn->xa.n_ticks - 1;
                x_over = x_pt(pn, pn->xa.ticks[last]) +
                         0.5 * text_width(cr, FONT_TICK, pn->xa.labels[last]) - (pn->ax + pn->aw);
                if (legend_w == 0.0 && x_over > 0.0)
                    right_extra = x_over;
            }
            if (pn->xa.mult[0] != '\0' && legend_w == 0.0)
                right_extra = fmax(right_extra, 0.5 * text_width(cr, FONT_TICK, pn->xa.mult));
        }
        if (pn->equal) {
            double sx = (pn->xa.hi - pn->xa.lo) / pn->aw;
            double sy = (pn->ya.hi - pn->ya.lo) / pn->ah;
            if (sx > sy) {
                double h = (pn->ya.hi - pn->ya.lo) / sx;
                pn->ay += 0.5 * (pn->ah - h);
                pn->ah = h;
            } else {
                double w = (pn->xa.hi - pn->xa.lo) / sy;
                pn->ax += 0.5 * (pn->aw - w);
                pn->aw = w;
            }
        }
        if (!pn->has_legend)
            break;
        if (outside) {
            pn->lx = pn->ax + pn->aw + LEGEND_GAP;
            if (pn->equal)
                pn->lx = fmin(pn->lx, pn->cx + pn->cw - CELL_PAD - pn->lw);
            pn->ly = pn->ay;
            break;
        }
        legend_measure(cr, pn, pn->ah - 2.0 * LEGEND_INSET);
        if (legend_place_inside(pn))
            break;
        outside = 1;
    }
}

static void
figure_layout(lmpviz_figure *fig, cairo_t *cr)
{
    double top = 0.0;
    size_t r, c;

    if (fig->title != NULL)
        top = text_height(cr, FONT_SUPTITLE) + CELL_PAD;
    for (r = 0; r < fig->rows; r++) {
        for (c = 0; c < fig->cols; c++) {
            lmpviz_panel *pn = &fig->panels[r * fig->cols + c];
            pn->cw = fig->width / (double)fig->cols;
            pn->ch = (fig->height - top) / (double)fig->rows;
            pn->cx = (double)c * pn->cw;
            pn->cy = top + (double)r * pn->ch;
            pn->scale = fig->dpi / 72.0;
            panel_layout(cr, pn);
            pn->laid_out = 1;
        }
    }
}

static void
apply_font_options(cairo_t *cr)
{
    cairo_font_options_t *fo = cairo_font_options_create();
    /* Unhinted metrics: text measures the same at every scale and format. */
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    cairo_set_font_options(cr, fo);
    cairo_font_options_destroy(fo);
}

lmpviz_status
lmpviz_figure_layout(lmpviz_figure *fig, lmpviz_err *err)
{
    cairo_surface_t *s;
    cairo_t *cr;
    cairo_status_t cs;

    assert(fig != NULL);
    s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
    cr = cairo_create(s);
    apply_font_options(cr);
    figure_layout(fig, cr);
    cs = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    if (cs != CAIRO_STATUS_SUCCESS) {
        lmpviz_err_set(err, "cairo: %s", cairo_status_to_string(cs));
        return LMPVIZ_ERR_CAIRO;
    }
    return LMPVIZ_OK;
}

/* ------------------------------------------------------------------------
 * Drawing
 */

static void
set_color(cairo_t *cr, lmpviz_color c)
{
    cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a);
}

static void
set_dash(cairo_t *cr, lmpviz_dash dash, double lw)
{
    /* matplotlib's patterns, scaled by the line width as it does. */
    static const double dashed[] = { 3.7, 1.6 };
    static const double dotted[] = { 1.0, 1.65 };
    static const double dashdot[] = { 6.4, 1.6, 1.0, 1.6 };
    double pat[4];
    const double *src = NULL;
    int n = 0, i;

    switch (dash) {
    case LMPVIZ_DASH_DASHED:
        src = dashed;
        n = 2;
        break;
    case LMPVIZ_DASH_DOTTED:
        src = dotted;
        n = 2;
        break;
    case LMPVIZ_DASH_DASHDOT:
        src = dashdot;
        n = 4;
        break;
    default:
        break;
    }
    for (i = 0; i < n; i++)
        pat[i] = src[i] * (lw > 0.0 ? lw : 1.0);
    cairo_set_dash(cr, pat, n, 0.0);
}

static void
stroke_style(cairo_t *cr, const lmpviz_style *s)
{
    set_color(cr, s->color);
    cairo_set_line_width(cr, s->line_width);
    set_dash(cr, s->dash, s->line_width);
    cairo_set_line_cap(cr, s->dash == LMPVIZ_DASH_DOTTED ? CAIRO_LINE_CAP_ROUND : CAIRO_LINE_CAP_BUTT);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0.0);
}

static void
draw_marker(cairo_t *cr, const lmpviz_style *s, double x, double y)
{
    double d = s->marker_size > 0.0 ? s->marker_size : 6.0;
    double r = 0.5 * d;

    switch (s->marker) {
    case LMPVIZ_MARKER_CIRCLE:
        cairo_new_sub_path(cr);
        cairo_arc(cr, x, y, r, 0.0, 2.0 * PLOT_PI);
        break;
    case LMPVIZ_MARKER_SQUARE:
        cairo_rectangle(cr, x - r * 0.85, y - r * 0.85, 1.7 * r, 1.7 * r);
        break;
    case LMPVIZ_MARKER_DIAMOND:
        cairo_move_to(cr, x, y - r * 1.15);
        cairo_line_to(cr, x + r * 0.85, y);
        cairo_line_to(cr, x, y + r * 1.15);
        cairo_line_to(cr, x - r * 0.85, y);
        cairo_close_path(cr);
        break;
    case LMPVIZ_MARKER_TRIANGLE:
        cairo_move_to(cr, x, y - r * 1.1);
        cairo_line_to(cr, x + r, y + r * 0.75);
        cairo_line_to(cr, x - r, y + r * 0.75);
        cairo_close_path(cr);
        break;
    default:
        return;
    }
    set_color(cr, s->color);
    cairo_fill_preserve(cr);
    cairo_set_source_rgba(cr, 1.0, 1.0, 1.0, 0.9);
    cairo_set_line_width(cr, 0.6);
    cairo_stroke(cr);
}

/* Builds the path of a series, dropping points that cannot be mapped (the
 * line breaks there) and decimating long monotone series. */
static void
series_path(cairo_t *cr, const lmpviz_panel *pn, const plot_item *it, int close)
{
    size_t k;
    int pen = 0;
    int decimate = it->n >= DECIMATE_MIN;
    /* bin state for decimation */
    long bin = 0;
    int in_bin = 0;
    double fx = 0, fy = 0, mnx = 0, mny = 0, mxx = 0, mxy = 0, lx = 0, ly = 0;
    size_t imn = 0, imx = 0;

    for (k = 1; decimate && k < it->n; k++) {
        if (it->x[k] < it->x[k - 1])
            decimate = 0;
    }
    for (k = 0; k < it->n; k++) {
        double px, py;
        if (to_pt(pn, it->x[k], it->y[k], &px, &py) != 0) {
            if (in_bin) {
                cairo_line_to(cr, lx, ly);
                in_bin = 0;
            }
            pen = 0;
            continue;
        }
        if (!decimate) {
            if (pen)
                cairo_line_to(cr, px, py);
            else
                cairo_move_to(cr, px, py);
            pen = 1;
            continue;
        }
        {
            long b = (long)floor(px * 2.0);
            if (in_bin && b == bin) {
                if (py < mny) {
                    mny = py;
                    mnx = px;
                    imn = k;
                }
                if (py > mxy) {
                    mxy = py;
                    mxx = px;
                    imx = k;
                }
                lx = px;
                ly = py;
                continue;
            }
            if (in_bin) {
                /* flush: min and max in the order they occurred */
                if (imn < imx) {
                    cairo_line_to(cr, mnx, mny);
                    cairo_line_to(cr, mxx, mxy);
                } else {
                    cairo_line_to(cr, mxx, mxy);
                    cairo_line_to(cr, mnx, mny);
                }
                cairo_line_to(cr, lx, ly);
            }
            if (pen)
                cairo_line_to(cr, px, py);
            else
                cairo_move_to(cr, px, py);
            pen = 1;
            in_bin = 1;
            bin = b;
            fx = mnx = mxx = lx = px;
            fy = mny = mxy = ly = py;
            imn = imx = k;
        }
    }
    if (in_bin) {
        cairo_line_to(cr, mnx, mny);
        cairo_line_to(cr, mxx, mxy);
        cairo_line_to(cr, lx, ly);
    }
    (void)fx;
    (void)fy;
    if (close && pen)
        cairo_close_path(cr);
}

static void
draw_arrow(cairo_t *cr, const lmpviz_panel *pn, const plot_item *it)
{
    double x0, y0, x1, y1, dx, dy, len, ux, uy;
    double lw = it->style.line_width > 0.0 ? it->style.line_width : 1.5;
    double head = 4.0 + 3.0 * lw;

    if (to_pt(pn, it->x[0], it->y[0], &x0, &y0) != 0 || to_pt(pn, it->x[1], it->y[1], &x1, &y1) != 0)
        return;
    dx = x1 - x0;
    dy = y1 - y0;
    len = hypot(dx, dy);
    if (len < 1e-9)
        return;
    ux = dx / len;
    uy = dy / len;
    cairo_move_to(cr, x0, y0);
    cairo_line_to(cr, x1 - ux * head * 0.8, y1 - uy * head * 0.8);
    stroke_style(cr, &it->style);
    cairo_move_to(cr, x1, y1);
    cairo_line_to(cr, x1 - ux * head - uy * head * 0.4, y1 - uy * head + ux * head * 0.4);
    cairo_line_to(cr, x1 - ux * head + uy * head * 0.4, y1 - uy * head - ux * head * 0.4);
    cairo_close_path(cr);
    set_color(cr, it->style.color);
    cairo_fill(cr);
}

static void
draw_image(cairo_t *cr, const lmpviz_panel *pn, const plot_item *it)
{
    double left, top, right, bottom;
    cairo_surface_t *img;
    cairo_pattern_t *pat;

    if (to_pt(pn, it->x[0], it->y[1], &left, &top) != 0 ||
        to_pt(pn, it->x[1], it->y[0], &right, &bottom) != 0 || !(right > left) || !(bottom > top))
        return;
    /* cairo only reads the pixels; the item keeps them alive until the
     * surface is destroyed below. */
    img = cairo_image_surface_create_for_data((unsigned char *)it->pix, CAIRO_FORMAT_ARGB32,
                                              (int)it->iw, (int)it->ih,
                                              (int)(it->iw * sizeof(uint32_t)));
    cairo_save(cr);
    cairo_translate(cr, left, top);
    cairo_scale(cr, (right - left) / (double)it->iw, (bottom - top) / (double)it->ih);
    cairo_set_source_surface(cr, img, 0.0, 0.0);
    pat = cairo_get_source(cr);
    cairo_pattern_set_filter(pat, it->smooth ? CAIRO_FILTER_GOOD : CAIRO_FILTER_NEAREST);
    /* PAD: no fade to transparent at the image border when filtering. */
    cairo_pattern_set_extend(pat, CAIRO_EXTEND_PAD);
    cairo_rectangle(cr, 0.0, 0.0, (double)it->iw, (double)it->ih);
    cairo_fill(cr);
    cairo_restore(cr);
    cairo_surface_destroy(img);
}

static void
draw_colorbar(cairo_t *cr, const lmpviz_panel *pn)
{
    const colorbar *cb = &pn->cbar;
    double x = pn->ax + pn->aw + CBAR_GAP;
    double y = pn->ay, h = pn->ah;
    double tw = 0.0;
    size_t k;

    /* A gradient through every colour: no seams between bands. */
    if (cb->n_colors == 1) {
        set_color(cr, cb->colors[0]);
    } else {
        cairo_pattern_t *g = cairo_pattern_create_linear(0.0, y + h, 0.0, y);
        for (k = 0; k < cb->n_colors; k++)
            cairo_pattern_add_color_stop_rgba(g, (double)k / (double)(cb->n_colors - 1),
                                              cb->colors[k].r, cb->colors[k].g, cb->colors[k].b,
                                              cb->colors[k].a);
        cairo_set_source(cr, g);
        cairo_pattern_destroy(g);
    }
    cairo_rectangle(cr, x, y, CBAR_WIDTH, h);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
    cairo_set_line_width(cr, AXIS_LW);
    cairo_rectangle(cr, x, y, CBAR_WIDTH, h);
    cairo_stroke(cr);
    for (k = 0; k < cb->n_ticks; k++) {
        double ty = y + h * (1.0 - cb->pos[k]);
        cairo_move_to(cr, x + CBAR_WIDTH, ty);
        cairo_line_to(cr, x + CBAR_WIDTH + TICK_LEN, ty);
    }
    cairo_stroke(cr);
    for (k = 0; k < cb->n_ticks; k++) {
        double ty = y + h * (1.0 - cb->pos[k]);
        draw_text(cr, FONT_TICK, cb->ticks[k], x + CBAR_WIDTH + TICK_LEN + TICK_PAD, ty,
                  LMPVIZ_ANCHOR_W, 0.0);
        tw = fmax(tw, text_width(cr, FONT_TICK, cb->ticks[k]));
    }
    if (cb->label != NULL)
        draw_text(cr, FONT_LABEL, cb->label, x + CBAR_WIDTH + TICK_LEN + TICK_PAD + tw + LABEL_PAD,
                  y + 0.5 * h, LMPVIZ_ANCHOR_S, 0.5 * PLOT_PI);
}

static void
draw_item(cairo_t *cr, const lmpviz_panel *pn, const plot_item *it)
{
    size_t k;
    double px, py;

    switch (it->kind) {
    case ITEM_POLYGON:
        series_path(cr, pn, it, 1);
        if (it->style.fill_alpha > 0.0) {
            lmpviz_color c = it->style.color;
            c.a *= it->style.fill_alpha;
            set_color(cr, c);
            cairo_fill_preserve(cr);
        }
        if (it->style.line_width > 0.0)
            stroke_style(cr, &it->style);
        else
            cairo_new_path(cr);
        break;
    case ITEM_SERIES:
        if (it->style.line_width > 0.0 && it->n > 1) {
            series_path(cr, pn, it, 0);
            stroke_style(cr, &it->style);
        }
        if (it->style.marker != LMPVIZ_MARKER_NONE) {
            for (k = 0; k < it->n; k++) {
                if (to_pt(pn, it->x[k], it->y[k], &px, &py) == 0)
                    draw_marker(cr, &it->style, px, py);
            }
        }
        break;
    case ITEM_HLINE:
        if (axis_transform(&pn->ya, it->v, &py) == 0) {
            py = y_pt(pn, py);
            cairo_move_to(cr, pn->ax, py);
            cairo_line_to(cr, pn->ax + pn->aw, py);
            stroke_style(cr, &it->style);
        }
        break;
    case ITEM_VLINE:
        if (axis_transform(&pn->xa, it->v, &px) == 0) {
            px = x_pt(pn, px);
            cairo_move_to(cr, px, pn->ay);
            cairo_line_to(cr, px, pn->ay + pn->ah);
            stroke_style(cr, &it->style);
        }
        break;
    case ITEM_ARROW:
        draw_arrow(cr, pn, it);
        break;
    case ITEM_TEXT:
        if (to_pt(pn, it->x[0], it->y[0], &px, &py) == 0) {
            set_color(cr, it->style.color);
            draw_text(cr, it->size, it->label, px + it->dx, py + it->dy, it->anchor, 0.0);
        }
        break;
    case ITEM_IMAGE:
        draw_image(cr, pn, it);
        break;
    }
}

static void
draw_legend(cairo_t *cr, const lmpviz_panel *pn)
{
    double row = LEGEND_ROW * FONT_LEGEND;
    size_t i, e = 0;

    cairo_new_path(cr);
    cairo_rectangle(cr, pn->lx, pn->ly, pn->lw, pn->lh);
    cairo_set_source_rgba(cr, 1.0, 1.0, 1.0, 0.9);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);
    cairo_set_line_width(cr, AXIS_LW);
    cairo_stroke(cr);

    for (i = 0; i < pn->n_items; i++) {
        const plot_item *it = &pn->items[i];
        size_t col, r;
        double x, y;

        if (it->label == NULL || it->kind == ITEM_TEXT)
            continue;
        col = e / pn->legend_rows;
        r = e % pn->legend_rows;
        e++;
        x = pn->lx + LEGEND_PAD + (double)col * (pn->legend_col_w + 2.0 * LEGEND_GAP);
        y = pn->ly + LEGEND_PAD + ((double)r + 0.5) * row;
        if (it->kind == ITEM_POLYGON && it->style.fill_alpha > 0.0) {
            lmpviz_color c = it->style.color;
            cairo_rectangle(cr, x + 2.0, y - 0.3 * row, LEGEND_SAMPLE - 4.0, 0.6 * row);
            c.a *= it->style.fill_alpha;
            set_color(cr, c);
            cairo_fill_preserve(cr);
            if (it->style.line_width > 0.0)
                stroke_style(cr, &it->style);
            else
                cairo_new_path(cr);
        } else {
            if (it->style.line_width > 0.0) {
                cairo_move_to(cr, x, y);
                cairo_line_to(cr, x + LEGEND_SAMPLE, y);
                stroke_style(cr, &it->style);
            }
            if (it->style.marker != LMPVIZ_MARKER_NONE)
                draw_marker(cr, &it->style, x + 0.5 * LEGEND_SAMPLE, y);
        }
        cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
        draw_text(cr, FONT_LEGEND, it->label, x + LEGEND_SAMPLE + LEGEND_GAP, y, LMPVIZ_ANCHOR_W, 0.0);
    }
}

/* Title, axis labels and legend of a panel whose axes are hidden. */
static void
draw_panel_labels(cairo_t *cr, const lmpviz_panel *pn)
{
    cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
    if (pn->xlabel != NULL)
        draw_text(cr, FONT_LABEL, pn->xlabel, pn->ax + 0.5 * pn->aw, pn->ay + pn->ah + LABEL_PAD,
                  LMPVIZ_ANCHOR_N, 0.0);
    if (pn->ylabel != NULL)
        draw_text(cr, FONT_LABEL, pn->ylabel, pn->ax - LABEL_PAD, pn->ay + 0.5 * pn->ah,
                  LMPVIZ_ANCHOR_S, -0.5 * PLOT_PI);
    if (pn->title != NULL)
        draw_text(cr, FONT_TITLE, pn->title, pn->ax + 0.5 * pn->aw, pn->ay - TITLE_PAD,
                  LMPVIZ_ANCHOR_S, 0.0);
    if (pn->has_legend)
        draw_legend(cr, pn);
}

static void
draw_panel(cairo_t *cr, const lmpviz_panel *pn)
{
    size_t i, k;
    double bottom = pn->ay + pn->ah;
    double tick_h = text_height(cr, FONT_TICK);

    /* grid */
    if (pn->grid) {
        cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
        cairo_set_line_width(cr, 0.6);
        for (k = 0; k < pn->xa.n_ticks; k++) {
            double x = x_pt(pn, pn->xa.ticks[k]);
            cairo_move_to(cr, x, pn->ay);
            cairo_line_to(cr, x, bottom);
        }
        for (k = 0; k < pn->ya.n_ticks; k++) {
            double y = y_pt(pn, pn->ya.ticks[k]);
            cairo_move_to(cr, pn->ax, y);
            cairo_line_to(cr, pn->ax + pn->aw, y);
        }
        cairo_stroke(cr);
    }

    /* data, clipped to the axes */
    cairo_save(cr);
    cairo_rectangle(cr, pn->ax, pn->ay, pn->aw, pn->ah);
    cairo_clip(cr);
    for (i = 0; i < pn->n_items; i++) {
        if (pn->items[i].kind != ITEM_TEXT)
            draw_item(cr, pn, &pn->items[i]);
    }
    cairo_restore(cr);
    for (i = 0; i < pn->n_items; i++) {
        if (pn->items[i].kind == ITEM_TEXT)
            draw_item(cr, pn, &pn->items[i]);
    }

    if (pn->cbar.n_colors > 0)
        draw_colorbar(cr, pn);
    if (pn->axes_off) {
        draw_panel_labels(cr, pn);
        return;
    }

    /* spines */
    cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
    cairo_set_line_width(cr, AXIS_LW);
    cairo_rectangle(cr, pn->ax, pn->ay, pn->aw, pn->ah);
    cairo_stroke(cr);

    /* ticks and labels */
    for (k = 0; k < pn->xa.n_ticks; k++) {
        double x = x_pt(pn, pn->xa.ticks[k]);
        cairo_move_to(cr, x, bottom);
        cairo_line_to(cr, x, bottom + TICK_LEN);
    }
    for (k = 0; k < pn->xa.n_minor; k++) {
        double x = x_pt(pn, pn->xa.minor[k]);
        cairo_move_to(cr, x, bottom);
        cairo_line_to(cr, x, bottom + 0.55 * TICK_LEN);
    }
    for (k = 0; k < pn->ya.n_ticks; k++) {
        double y = y_pt(pn, pn->ya.ticks[k]);
        cairo_move_to(cr, pn->ax, y);
        cairo_line_to(cr, pn->ax - TICK_LEN, y);
    }
    for (k = 0; k < pn->ya.n_minor; k++) {
        double y = y_pt(pn, pn->ya.minor[k]);
        cairo_move_to(cr, pn->ax, y);
        cairo_line_to(cr, pn->ax - 0.55 * TICK_LEN, y);
    }
    cairo_stroke(cr);
    for (k = 0; k < pn->xa.n_ticks; k++)
        draw_text(cr, FONT_TICK, pn->xa.labels[k], x_pt(pn, pn->xa.ticks[k]),
                  bottom + TICK_LEN + TICK_PAD, LMPVIZ_ANCHOR_N, 0.0);
    for (k = 0; k < pn->ya.n_ticks; k++)
        draw_text(cr, FONT_TICK, pn->ya.labels[k], pn->ax - TICK_LEN - TICK_PAD,
                  y_pt(pn, pn->ya.ticks[k]), LMPVIZ_ANCHOR_E, 0.0);
    if (pn->ya.mult[0] != '\0')
        draw_text(cr, FONT_TICK, pn->ya.mult, pn->ax, pn->ay - 2.0, LMPVIZ_ANCHOR_SW, 0.0);
    if (pn->xa.mult[0] != '\0')
        draw_text(cr, FONT_TICK, pn->xa.mult, pn->ax + pn->aw, bottom + TICK_LEN + TICK_PAD + tick_h,
                  LMPVIZ_ANCHOR_NE, 0.0);

    /* axis labels and title */
    if (pn->xlabel != NULL)
        draw_text(cr, FONT_LABEL, pn->xlabel, pn->ax + 0.5 * pn->aw,
                  bottom + TICK_LEN + TICK_PAD + tick_h + LABEL_PAD, LMPVIZ_ANCHOR_N, 0.0);
    if (pn->ylabel != NULL)
        draw_text(cr, FONT_LABEL, pn->ylabel, pn->ax - TICK_LEN - TICK_PAD - pn->ytick_w - LABEL_PAD,
                  pn->ay + 0.5 * pn->ah, LMPVIZ_ANCHOR_S, -0.5 * PLOT_PI);
    if (pn->title != NULL) {
        double top = pn->ay - TITLE_PAD;
        if (pn->ya.mult[0] != '\0' || pn->xa.mult[0] != '\0')
            top -= tick_h;
        draw_text(cr, FONT_TITLE, pn->title, pn->ax + 0.5 * pn->aw, top, LMPVIZ_ANCHOR_S, 0.0);
    }
    if (pn->has_legend)
        draw_legend(cr, pn);
}

static void
draw_figure(cairo_t *cr, const lmpviz_figure *fig)
{
    size_t i;

    cairo_set_source_rgb(cr, 1.0, 1.0, 1.0);
    cairo_paint(cr);
    if (fig->title != NULL) {
        cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
        draw_text(cr, FONT_SUPTITLE, fig->title, 0.5 * fig->width, CELL_PAD, LMPVIZ_ANCHOR_N, 0.0);
    }
    for (i = 0; i < fig->rows * fig->cols; i++)
        draw_panel(cr, &fig->panels[i]);
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

lmpviz_status
lmpviz_figure_write(lmpviz_figure *fig, lmpviz_format fmt, FILE *fp, lmpviz_err *err)
{
    cairo_surface_t *s = NULL;
    cairo_t *cr = NULL;
    cairo_status_t cs;
    lmpviz_status st;

    assert(fig != NULL);
    if (fp == NULL) {
        lmpviz_err_set(err, "no output stream");
        return LMPVIZ_ERR_INVALID_ARG;
    }
    st = lmpviz_figure_layout(fig, err);
    if (st != LMPVIZ_OK)
        return st;
    switch (fmt) {
    case LMPVIZ_FORMAT_PNG:
        s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)fig->width_px, (int)fig->height_px);
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
    cr = cairo_create(s);
    apply_font_options(cr);
    if (fmt == LMPVIZ_FORMAT_PNG)
        cairo_scale(cr, fig->dpi / 72.0, fig->dpi / 72.0);
    draw_figure(cr, fig);
    cs = cairo_status(cr);
    cairo_destroy(cr);
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

lmpviz_status
lmpviz_figure_save(lmpviz_figure *fig, const char *path, lmpviz_err *err)
{
    lmpviz_afile af;
    lmpviz_format fmt;
    lmpviz_status st;

    assert(fig != NULL);
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
