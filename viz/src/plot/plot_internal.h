/*
 * plot_internal.h - the plotting layer's objects (figure, panel, axis,
 * items, colour bar) and the functions its files share: figure.c (objects
 * and output), layout.c (coordinates, text, layout), ticks.c (tick values
 * and labels, pure maths) and draw.c (drawing on cairo).  Internal to
 * liblmpviz.
 *
 * Everything is laid out in points (1/72 inch).  The PNG surface is scaled by
 * dpi / 72; SVG and PDF surfaces are in points already.  Text is measured
 * with unhinted metrics on a private surface so that the layout, and hence
 * lmpviz_panel_to_pixel, is the same for every output format.
 */
#ifndef LMPVIZ_PLOT_INTERNAL_H
#define LMPVIZ_PLOT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <cairo.h>

#include "lmpviz.h"
#include "ticks.h"

#define FONT_FAMILY   "DejaVu Sans"
#define FONT_TICK     10.0
#define FONT_LABEL    11.0
#define FONT_TITLE    12.0
#define FONT_SUPTITLE 13.0
#define FONT_LEGEND   9.5
#define FONT_TEXT     9.5

#define CELL_PAD    8.0  /* free space around each panel, pt */
#define TICK_LEN    3.5  /* outward tick marks, pt */
#define TICK_PAD    3.5  /* between a tick and its label */
#define LABEL_PAD   5.0  /* between tick labels and the axis label */
#define TITLE_PAD   7.0  /* between the axes box and the panel title */
#define TICK_GAP_X  10.0 /* least free space between two x tick labels */
#define AXIS_LW     0.8
#define AUTO_MARGIN 0.05 /* matplotlib's default axes margin */

#define LEGEND_PAD    5.0
#define LEGEND_SAMPLE 26.0 /* length of the line sample */
#define LEGEND_GAP    6.0
#define LEGEND_ROW    1.45 /* row height in units of the font size */
#define LEGEND_INSET  6.0  /* from the axes box */

#define PLOT_PI 3.14159265358979323846

#define MAX_TICKS LMPVIZI_MAX_TICKS
#define LABEL_LEN LMPVIZI_TICK_LABEL

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
    int integer;   /* ticks on whole numbers only */
    double lo, hi; /* view limits; log10 units on a log axis */
    lmpvizi_ticks tk;
} axis;

struct lmpviz_panel {
    lmpviz_figure *fig; /* the figure that holds the panel */
    char *title;
    char *xlabel;
    char *ylabel;
    double xlim[2], ylim[2]; /* NAN = automatic */
    int logx, logy, equal, grid, xinteger;
    lmpviz_legend_loc legend;
    plot_item *items;
    size_t n_items, cap_items;
    int axes_off;  /* no spines, ticks or tick labels */
    colorbar cbar; /* n_colors == 0: none */

    /* layout, in points */
    int laid_out;
    double scale;          /* points -> PNG pixels */
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
    int png_level;        /* -1: cairo's own PNG writer; 0..9: libpng at that zlib level */
    int nil;              /* one of the static figures returned on failure */
    lmpviz_status status; /* the first failure, sticky */
    char error[LMPVIZ_ERR_LEN];
};

int lmpvizi_axis_transform(const axis *a, double v, double *out);
/* Data -> points; -1 when the point has no place on the axes. */
int lmpvizi_to_pt(const lmpviz_panel *pn, double x, double y, double *px, double *py);
double lmpvizi_x_pt(const lmpviz_panel *pn, double tx);
double lmpvizi_y_pt(const lmpviz_panel *pn, double ty);
double lmpvizi_text_width(cairo_t *cr, double size, const char *s);
/* Height of a line of text: ascent + descent of the font. */
double lmpvizi_text_height(cairo_t *cr, double size);
void lmpvizi_set_font(cairo_t *cr, double size);
void lmpvizi_apply_font_options(cairo_t *cr);
void lmpvizi_draw_figure(cairo_t *cr, const lmpviz_figure *fig);

#endif /* LMPVIZ_PLOT_INTERNAL_H */
