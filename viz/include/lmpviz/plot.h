/*
 * lmpviz/plot.h - drawing on cairo: figures, panels, colours, images on
 * panels, colormaps, colour bars and heatmap overlays.
 */
#ifndef LMPVIZ_PLOT_H
#define LMPVIZ_PLOT_H

#include "lmpviz/core.h"
#include "lmpviz/io.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Plotting on cairo: a figure holds a grid of panels; a panel holds axes
 * (linear or log, "nice" ticks), series, polygons, reference lines, markers,
 * arrows and text, and a legend placed where it hides no data (inside when
 * a free corner exists, else to the right of the axes).  Text is DejaVu Sans
 * (UTF-8, so l, tau, theta, gamma and infinity symbols render).  The same
 * drawing code writes PNG, SVG and PDF through cairo.
 *
 * Units: a figure is width_px x height_px pixels at dpi dots per inch, i.e.
 * width_px / dpi inches wide.  Fonts and line widths are in points (1/72
 * inch), so a larger dpi at the same pixel size gives larger text, as in
 * matplotlib.  SVG and PDF pages are width_px * 72 / dpi points wide.
 *
 * Ownership: the figure owns its panels; panels copy every array and string
 * they are given.  Functions taking a figure or panel do not accept NULL
 * (assert) except destroy(NULL).
 */
typedef struct lmpviz_color {
    double r, g, b, a; /* 0..1 */
} lmpviz_color;

/* Okabe-Ito colour-blind-safe palette: blue, vermillion, bluish green,
 * reddish purple, orange, sky blue, yellow, black; index cycles. */
#define LMPVIZ_PALETTE_SIZE 8
lmpviz_color lmpviz_palette_color(size_t index);
/* 0xRRGGBB, opaque. */
lmpviz_color lmpviz_color_hex(unsigned long rgb);

typedef enum lmpviz_dash {
    LMPVIZ_DASH_SOLID = 0,
    LMPVIZ_DASH_DASHED,
    LMPVIZ_DASH_DOTTED,
    LMPVIZ_DASH_DASHDOT
} lmpviz_dash;

typedef enum lmpviz_marker {
    LMPVIZ_MARKER_NONE = 0,
    LMPVIZ_MARKER_CIRCLE,
    LMPVIZ_MARKER_SQUARE,
    LMPVIZ_MARKER_DIAMOND,
    LMPVIZ_MARKER_TRIANGLE
} lmpviz_marker;

typedef struct lmpviz_style {
    lmpviz_color color;
    double line_width; /* points; 0 draws no line (markers only) */
    lmpviz_dash dash;
    lmpviz_marker marker; /* drawn at every point of a series */
    double marker_size;   /* points (diameter); 0 gives 6 */
    double fill_alpha;    /* polygons: opacity of the fill (0 = outline only) */
} lmpviz_style;

/* A 1.5 pt line in colour c with the given dash, no markers, no fill. */
lmpviz_style lmpviz_style_line(lmpviz_color c, lmpviz_dash dash);
/* A filled marker of the given shape, no line. */
lmpviz_style lmpviz_style_marker(lmpviz_color c, lmpviz_marker marker, double size);

typedef enum lmpviz_format {
    LMPVIZ_FORMAT_PNG = 0,
    LMPVIZ_FORMAT_SVG,
    LMPVIZ_FORMAT_PDF
} lmpviz_format;

/* ".png", ".svg", ".pdf" (any case) -> fmt; LMPVIZ_ERR_INVALID_ARG otherwise
 * (err says which extensions are known). */
lmpviz_status lmpviz_format_from_path(const char *path, lmpviz_format *fmt, lmpviz_err *err);

typedef enum lmpviz_legend_loc {
    LMPVIZ_LEGEND_AUTO = 0,     /* a free spot inside the axes, else outside right */
    LMPVIZ_LEGEND_NONE,         /* no legend */
    LMPVIZ_LEGEND_OUTSIDE_RIGHT /* always right of the axes */
} lmpviz_legend_loc;

typedef enum lmpviz_anchor {
    LMPVIZ_ANCHOR_CENTER = 0,
    LMPVIZ_ANCHOR_N, /* the point is the top centre of the text */
    LMPVIZ_ANCHOR_S,
    LMPVIZ_ANCHOR_E, /* right end, vertically centred */
    LMPVIZ_ANCHOR_W,
    LMPVIZ_ANCHOR_NE,
    LMPVIZ_ANCHOR_NW,
    LMPVIZ_ANCHOR_SE,
    LMPVIZ_ANCHOR_SW
} lmpviz_anchor;

typedef struct lmpviz_figure lmpviz_figure;
typedef struct lmpviz_panel lmpviz_panel;

#define LMPVIZ_DPI_DEFAULT 100.0

/*
 * Errors are sticky, as in cairo: a figure records its first failure (a bad
 * argument to a panel call, no memory), every later call on it or its panels
 * does nothing, and lmpviz_figure_status, lmpviz_figure_layout, _save and
 * _write report it.  So panel calls return nothing, and a figure is built
 * with no checks in between:
 *
 *     lmpviz_figure *fig = lmpviz_figure_create(800, 500, 100, 1, 1);
 *     lmpviz_panel *pn = lmpviz_figure_panel(fig, 0, 0);
 *     lmpviz_panel_add_series(pn, x, y, n, &style, "LMP");
 *     st = lmpviz_figure_save(fig, "out.png", &err);  // any failure, with err
 *     lmpviz_figure_destroy(fig);
 */

/* A figure of rows x cols panels.  Never NULL: when out of memory, or when a
 * size is 0 or above 32767, dpi is not in (0, 10000] or rows/cols is not in
 * [1, 64], a nil figure whose status says so (LMPVIZ_ERR_NOMEM,
 * LMPVIZ_ERR_INVALID_ARG). */
lmpviz_figure *
lmpviz_figure_create(size_t width_px, size_t height_px, double dpi, size_t rows, size_t cols);
/* destroy of NULL or of a nil figure does nothing. */
void lmpviz_figure_destroy(lmpviz_figure *fig);
/* The figure's first failure (LMPVIZ_OK when none), and its message ("" when
 * none); LMPVIZ_ERR_INVALID_ARG for NULL. */
lmpviz_status lmpviz_figure_status(const lmpviz_figure *fig);
const char *lmpviz_figure_error(const lmpviz_figure *fig);
/* Title above all panels (NULL removes it). */
void lmpviz_figure_set_title(lmpviz_figure *fig, const char *title);
/* Borrowed pointer, valid until the figure is destroyed.  Never NULL: out
 * of range (a failure of the figure) or on a failed figure, a nil panel. */
lmpviz_panel *lmpviz_figure_panel(lmpviz_figure *fig, size_t row, size_t col);

/* Computes the layout (limits, ticks, margins, legend) without drawing, so
 * that lmpviz_panel_to_pixel can be asked where data lands.  Saving does the
 * same layout.  LMPVIZ_OK, the figure's failure, or LMPVIZ_ERR_CAIRO. */
lmpviz_status lmpviz_figure_layout(lmpviz_figure *fig, lmpviz_err *err);
/* Writes the figure to path in the format named by its extension, atomically
 * (a failure leaves no file; see lmpviz_afile).  A device or FIFO without a
 * known extension gets PNG.  The figure's failure (before anything is
 * opened), LMPVIZ_ERR_INVALID_ARG (extension),
 * LMPVIZ_ERR_IO, LMPVIZ_ERR_CAIRO or LMPVIZ_ERR_NOMEM; err says why. */
lmpviz_status lmpviz_figure_save(lmpviz_figure *fig, const char *path, lmpviz_err *err);
/* Same, to an open stream in the given format (not closed). */
lmpviz_status lmpviz_figure_write(lmpviz_figure *fig, lmpviz_format fmt, FILE *fp, lmpviz_err *err);

/* An 8-bit RGB raster in memory: height rows of stride bytes, each width
 * pixels of channels (3) bytes.  data is owned; lmpviz_pixels_free frees it
 * and zeroes the struct (safe on a zeroed one). */
typedef struct lmpviz_pixels {
    unsigned char *data;
    size_t width, height;
    size_t channels; /* 3: R, G, B */
    size_t stride;   /* bytes per row: width * channels */
} lmpviz_pixels;
void lmpviz_pixels_free(lmpviz_pixels *px);

/* Draws the figure into out, the pixels its PNG would hold (the same
 * drawing, without the encoding).  out is zeroed on failure.  The figure's
 * failure, LMPVIZ_ERR_INVALID_ARG (out NULL), LMPVIZ_ERR_CAIRO or
 * LMPVIZ_ERR_NOMEM; err says why. */
lmpviz_status lmpviz_figure_render_rgb(lmpviz_figure *fig, lmpviz_pixels *out, lmpviz_err *err);

/* Text of the panel; NULL removes it. */
void lmpviz_panel_set_title(lmpviz_panel *panel, const char *title);
void lmpviz_panel_set_xlabel(lmpviz_panel *panel, const char *label);
void lmpviz_panel_set_ylabel(lmpviz_panel *panel, const char *label);
/* Axis limits in data units; NAN for either end keeps it automatic (data
 * range plus a 5% margin).  On a log axis limits must be > 0. */
void lmpviz_panel_set_xlim(lmpviz_panel *panel, double lo, double hi);
void lmpviz_panel_set_ylim(lmpviz_panel *panel, double lo, double hi);
void lmpviz_panel_set_logx(lmpviz_panel *panel, int on);
void lmpviz_panel_set_logy(lmpviz_panel *panel, int on);
/* x ticks on whole numbers only (counts, ranks); linear axes. */
void lmpviz_panel_set_xinteger(lmpviz_panel *panel, int on);
/* One data unit is as long on x as on y (the axes box shrinks to fit). */
void lmpviz_panel_set_equal_aspect(lmpviz_panel *panel, int on);
/* Light grid lines at the major ticks (off by default). */
void lmpviz_panel_set_grid(lmpviz_panel *panel, int on);
void lmpviz_panel_set_legend(lmpviz_panel *panel, lmpviz_legend_loc loc);

/* Items are drawn in the order added (polygons and lines first is the
 * caller's choice).  label NULL keeps an item out of the legend.  Data are
 * copied.  Non-finite points (and points <= 0 on a log axis) break a line.
 * Failures (LMPVIZ_ERR_INVALID_ARG: n == 0, NULL data or style;
 * LMPVIZ_ERR_NOMEM) are the figure's. */
void lmpviz_panel_add_series(lmpviz_panel *panel,
                             const double *x,
                             const double *y,
                             size_t n,
                             const lmpviz_style *style,
                             const char *label);
/* Closed polygon: filled with style.fill_alpha, outlined with style. */
void lmpviz_panel_add_polygon(lmpviz_panel *panel,
                              const double *x,
                              const double *y,
                              size_t n,
                              const lmpviz_style *style,
                              const char *label);
/* Lines across the whole axes at y (hline) or x (vline). */
void
lmpviz_panel_add_hline(lmpviz_panel *panel, double y, const lmpviz_style *style, const char *label);
void
lmpviz_panel_add_vline(lmpviz_panel *panel, double x, const lmpviz_style *style, const char *label);
/* An arrow from (x0, y0) to (x1, y1) with a filled head. */
void lmpviz_panel_add_arrow(lmpviz_panel *panel,
                            double x0,
                            double y0,
                            double x1,
                            double y1,
                            const lmpviz_style *style,
                            const char *label);
/* UTF-8 text at data point (x, y), moved by (dx, dy) points (y down),
 * anchored as given; size in points (0 gives 9.5). */
void lmpviz_panel_add_text(lmpviz_panel *panel,
                           double x,
                           double y,
                           double dx,
                           double dy,
                           lmpviz_anchor anchor,
                           lmpviz_color color,
                           double size,
                           const char *text);

/* Where data point (x, y) lands in the PNG output, in pixels from the top
 * left (for SVG/PDF multiply by 72 / dpi for points).  Valid after
 * lmpviz_figure_layout or a save; LMPVIZ_ERR_INVALID_ARG before that, or when
 * the point cannot be mapped (<= 0 on a log axis, not finite). */
lmpviz_status
lmpviz_panel_to_pixel(const lmpviz_panel *panel, double x, double y, double *px, double *py);
/* The plot area (inside the axes) in PNG pixels; same validity. */
lmpviz_status
lmpviz_panel_area(const lmpviz_panel *panel, double *x, double *y, double *w, double *h);

/* ------------------------------------------------------------------------
 * Images and colour bars on a panel.
 */

/* An image drawn into the data rectangle [x0, x1] x [y0, y1], row 0 at the
 * top (y1).  Pixels are cairo ARGB32: one uint32_t 0xAARRGGBB per pixel,
 * premultiplied alpha, stride_px >= width pixels per row; they are copied.
 * smooth != 0 filters when the image is scaled (photos, heatmaps); 0 keeps
 * hard pixel edges (label maps).  The rectangle counts in the automatic axis
 * limits.  Failures (LMPVIZ_ERR_INVALID_ARG: a size of 0, NULL pixels,
 * x1 <= x0 or y1 <= y0; LMPVIZ_ERR_NOMEM) are the figure's. */
void lmpviz_panel_add_image(lmpviz_panel *panel,
                            const uint32_t *argb,
                            size_t width,
                            size_t height,
                            size_t stride_px,
                            double x0,
                            double y0,
                            double x1,
                            double y1,
                            int smooth);
/* PNG encoding of lmpviz_figure_save/write: -1 (the default) uses cairo's
 * writer; 0..9 uses libpng at that zlib level with one fast filter (3 writes
 * a 2-megapixel photo figure in about a third of the time). */
void lmpviz_figure_set_png_level(lmpviz_figure *fig, int level);
/* on = 0 hides the spines, ticks and tick labels (and frees their space):
 * for pictures.  Axes are visible by default. */
void lmpviz_panel_set_axes_visible(lmpviz_panel *panel, int on);
/* A vertical colour bar right of the axes box, as tall as it: colors[0] at
 * the bottom, colors[n_colors - 1] at the top; ticks at fractions pos[k] in
 * [0, 1] of its height with the given labels; label (NULL for none) written
 * along it.  Replaces an earlier colour bar; everything is copied.
 * Failures (LMPVIZ_ERR_INVALID_ARG: n_colors == 0, NULL arrays, a position
 * outside [0, 1]; LMPVIZ_ERR_NOMEM) are the figure's. */
void lmpviz_panel_set_colorbar(lmpviz_panel *panel,
                               const lmpviz_color *colors,
                               size_t n_colors,
                               const double *pos,
                               const char *const *tick_labels,
                               size_t n_ticks,
                               const char *label);

/* ------------------------------------------------------------------------
 * Colormaps compiled into the library (scripts/gen-tables): matplotlib's
 * 256-entry viridis, magma, inferno, plasma, cividis (CC0) and turbo
 * (Apache-2.0), sRGB; index 0 is the low end.
 */
typedef enum lmpviz_cmap {
    LMPVIZ_CMAP_VIRIDIS = 0,
    LMPVIZ_CMAP_MAGMA,
    LMPVIZ_CMAP_INFERNO,
    LMPVIZ_CMAP_PLASMA,
    LMPVIZ_CMAP_CIVIDIS,
    LMPVIZ_CMAP_TURBO
} lmpviz_cmap;
#define LMPVIZ_CMAP_COUNT 6
#define LMPVIZ_CMAP_SIZE  256

/* "viridis", ... (any case) -> cmap; LMPVIZ_ERR_INVALID_ARG otherwise. */
lmpviz_status lmpviz_cmap_parse(const char *name, lmpviz_cmap *cmap);
const char *lmpviz_cmap_name(lmpviz_cmap cmap);
/* Entry round(t * 255) of the table, t clamped to [0, 1] (NaN gives 0). */
lmpviz_color lmpviz_cmap_color(lmpviz_cmap cmap, double t);
/* The table as 8-bit sRGB, lut[3 * i + c]. */
void lmpviz_cmap_lut8(lmpviz_cmap cmap, unsigned char lut[3 * LMPVIZ_CMAP_SIZE]);

/* ------------------------------------------------------------------------
 * Heatmap overlays of LMP weights on frames.
 */
typedef enum lmpviz_hscale {
    LMPVIZ_HSCALE_LINEAR = 0, /* n·w from 0 to the cap n·tau */
    LMPVIZ_HSCALE_LOG,        /* log10 n·w over [vmin, n·tau] */
    LMPVIZ_HSCALE_RANK        /* rank of w among the valid pixels */
} lmpviz_hscale;

/* "linear", "log", "rank" -> scale; LMPVIZ_ERR_INVALID_ARG otherwise. */
lmpviz_status lmpviz_hscale_parse(const char *name, lmpviz_hscale *scale);
const char *lmpviz_hscale_name(lmpviz_hscale scale);

typedef struct lmpviz_overlay_opts {
    lmpviz_cmap cmap;
    lmpviz_hscale scale;
    double alpha;      /* opacity of the heatmap over valid pixels, [0, 1] */
    double dim;        /* frame brightness factor, [0, 1] (1 = unchanged) */
    double desaturate; /* 0 = frame colours, 1 = grey */
    double vmax;       /* top of the scale in n·w; <= 0: n·tau (the cap) */
    double vmin;       /* bottom of a log scale in n·w; <= 0: vmax / 1000 */
} lmpviz_overlay_opts;

/* alpha 0.65, dim 0.6, desaturate 0.7, viridis, linear, automatic limits. */
#define LMPVIZ_OVERLAY_OPTS_INIT                                                                   \
    {                                                                                              \
        LMPVIZ_CMAP_VIRIDIS, LMPVIZ_HSCALE_LINEAR, 0.65, 0.6, 0.7, 0.0, 0.0                        \
    }

/* How values map to the colour scale, for the colour bar: position t in
 * [0, 1] of value v (n·w).  For RANK, the n·w quantiles at 0, 1/8, ... 1
 * (nine values) are kept so that ticks can be labelled. */
typedef struct lmpviz_colorscale {
    lmpviz_hscale scale;
    double vmin, vmax;  /* n·w at t = 0 and t = 1 */
    double quantile[9]; /* RANK only: n·w at t = k / 8 */
} lmpviz_colorscale;

/* Renders the frame (dimmed, desaturated) with the weights (n·w of the
 * n_valid valid pixels) blended on top in the colormap; ignored pixels show
 * the frame only.  frame, weight and valid share width x height.  argb
 * receives width * height cairo ARGB32 pixels (opaque); cs (NULL allowed)
 * the mapping used.  LMPVIZ_OK, LMPVIZ_ERR_INVALID_ARG (sizes, alpha, dim,
 * desaturate outside [0, 1]) or LMPVIZ_ERR_NOMEM (rank scale). */
lmpviz_status lmpviz_overlay_render(const lmpviz_image *frame,
                                    const float *weight,
                                    const unsigned char *valid,
                                    size_t n_valid,
                                    double tau,
                                    const lmpviz_overlay_opts *opts,
                                    uint32_t *argb,
                                    lmpviz_colorscale *cs);

/* Fills n_colors entries of the colormap from bottom to top, and up to
 * max_ticks tick positions and labels (in n·w; "1" marks the uniform
 * weight when it is in range) for a colour bar of cs.  labels point into
 * label_buf (max_ticks * 24 bytes).  Returns the number of ticks. */
size_t lmpviz_colorscale_ticks(const lmpviz_colorscale *cs,
                               double *pos,
                               const char **labels,
                               char *label_buf,
                               size_t max_ticks);

/* Colours a trainId map with the Cityscapes palette (255 black) as opaque
 * ARGB32; shade in [0, 1] mixes in the frame's grey value (0 = pure label
 * colours); frame may be NULL. */
void lmpviz_labels_render(const unsigned char *train,
                          const lmpviz_image *frame,
                          double shade,
                          size_t width,
                          size_t height,
                          uint32_t *argb);

/* Opaque ARGB32 of an RGB image. */
void lmpviz_image_to_argb(const lmpviz_image *im, uint32_t *argb);

/* A scalar map (losses) through a colormap on [0, vmax] (vmax <= 0: the
 * 99th percentile of the valid values, computed by the caller), invalid
 * pixels dark grey. */
void lmpviz_scalar_render(const float *v,
                          const unsigned char *valid,
                          size_t width,
                          size_t height,
                          lmpviz_cmap cmap,
                          double vmax,
                          uint32_t *argb);

#ifdef __cplusplus
}
#endif

#endif /* LMPVIZ_PLOT_H */
