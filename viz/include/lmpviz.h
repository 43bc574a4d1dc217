/*
 * lmpviz.h - analysis and drawing layer of lmpviz: file formats (.npy, PNG),
 * loss profiles (GSL), plots and heatmaps (cairo).
 *
 * Functions return lmpviz_status.  Those that read or write files take an
 * optional lmpviz_err (NULL accepted) that receives one line saying what was
 * expected and what was found; the caller adds the file name and prints it.
 * Nothing here prints or exits.
 */
#ifndef LMPVIZ_H
#define LMPVIZ_H

#include <stddef.h>
#include <stdio.h>

#include "lmp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lmpviz_status {
    LMPVIZ_OK = 0,
    LMPVIZ_ERR_INVALID_ARG, /* a bad parameter or option value */
    LMPVIZ_ERR_IO,          /* open, read, write or rename failed */
    LMPVIZ_ERR_FORMAT,      /* the file is not what was expected */
    LMPVIZ_ERR_NOMEM,       /* allocation failed or size overflow */
    LMPVIZ_ERR_SOLVER,      /* liblmp returned an error */
    LMPVIZ_ERR_CAIRO        /* cairo reported an error */
} lmpviz_status;

#define LMPVIZ_ERR_LEN 320

/* Receives the detail of the last failure. */
typedef struct lmpviz_err {
    char msg[LMPVIZ_ERR_LEN];
} lmpviz_err;

const char *lmpviz_status_string(lmpviz_status status);

/* ------------------------------------------------------------------------
 * Atomic output: data goes to a temporary file in the target's folder and is
 * renamed over the target only on commit, so a failure never leaves a
 * half-written file behind.
 */
typedef struct lmpviz_afile {
    FILE *fp;       /* write here between open and commit/abort */
    char *tmp_path; /* owned */
    char *path;     /* owned copy of the target */
} lmpviz_afile;

/* LMPVIZ_OK or LMPVIZ_ERR_IO (err says why, e.g. the folder is missing). */
lmpviz_status lmpviz_afile_open(lmpviz_afile *af, const char *path, lmpviz_err *err);
/* Flushes, closes and renames.  On failure the temporary is removed. */
lmpviz_status lmpviz_afile_commit(lmpviz_afile *af, lmpviz_err *err);
/* Closes and removes the temporary; safe on a zeroed or finished lmpviz_afile. */
void lmpviz_afile_abort(lmpviz_afile *af);

/* ------------------------------------------------------------------------
 * NumPy .npy files (format versions 1.0, 2.0 and 3.0, little-endian,
 * C order).  Float data of any supported dtype is converted to float.
 */
#define LMPVIZ_NPY_MAXDIM 8

typedef struct lmpviz_array {
    float *data; /* owned; count elements in C order */
    size_t shape[LMPVIZ_NPY_MAXDIM];
    size_t ndim;
    size_t count;   /* product of shape (1 for a 0-d array) */
    char descr[16]; /* dtype as stored in the file, e.g. "<f2" */
} lmpviz_array;

/* Reads a float16, float32 or float64 array.  Rejects big-endian data,
 * fortran_order=True, other dtypes, truncated files and malformed headers
 * with LMPVIZ_ERR_FORMAT (err says how to convert where that helps);
 * LMPVIZ_ERR_IO when the file cannot be opened.  out is zeroed on failure. */
lmpviz_status lmpviz_npy_read_float(const char *path, lmpviz_array *out, lmpviz_err *err);

/* Writes float32 data ("<f4", version 1.0 header, C order) atomically. */
lmpviz_status lmpviz_npy_write_float(const char *path,
                                     const float *data,
                                     const size_t *shape,
                                     size_t ndim,
                                     lmpviz_err *err);

/* Frees data; safe on a zeroed array. */
void lmpviz_array_free(lmpviz_array *a);

/* ------------------------------------------------------------------------
 * Synthetic loss profiles drawn with GSL's random number generators.
 */
typedef enum lmpviz_dist {
    LMPVIZ_DIST_EXPONENTIAL = 0, /* Exp(1): mean 1 nat, like cross-entropy */
    LMPVIZ_DIST_LOGNORMAL,       /* exp(N(-1, 1)) */
    LMPVIZ_DIST_GAMMA,           /* Gamma(shape 0.5, scale 2) */
    LMPVIZ_DIST_UNIFORM,         /* U(0, 1) */
    LMPVIZ_DIST_HALFNORMAL       /* |N(0, 1)| */
} lmpviz_dist;

/* The default profile of `lmpviz solve` and `lmpviz curve`. */
#define LMPVIZ_PROFILE_N    100
#define LMPVIZ_PROFILE_SEED 42UL
#define LMPVIZ_PROFILE_DIST LMPVIZ_DIST_EXPONENTIAL

/* "exponential", "lognormal", "gamma", "uniform", "halfnormal" -> dist.
 * LMPVIZ_ERR_INVALID_ARG for any other name. */
lmpviz_status lmpviz_dist_parse(const char *name, lmpviz_dist *dist);
const char *lmpviz_dist_name(lmpviz_dist dist);

/* Fills out[0..n) with n draws from dist, using gsl_rng_mt19937 seeded with
 * seed.  The same (dist, n, seed) always gives the same values. */
lmpviz_status lmpviz_profile_generate(lmpviz_dist dist, size_t n, unsigned long seed, float *out);

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

/* A figure of rows x cols panels.  NULL when out of memory or when a size is
 * 0, dpi is not in (0, 10000] or rows/cols is 0. */
lmpviz_figure *lmpviz_figure_create(size_t width_px, size_t height_px, double dpi, size_t rows, size_t cols);
/* destroy(NULL) does nothing. */
void lmpviz_figure_destroy(lmpviz_figure *fig);
/* Title above all panels (NULL removes it).  LMPVIZ_OK or LMPVIZ_ERR_NOMEM. */
lmpviz_status lmpviz_figure_set_title(lmpviz_figure *fig, const char *title);
/* Borrowed pointer, valid until the figure is destroyed; NULL when out of range. */
lmpviz_panel *lmpviz_figure_panel(lmpviz_figure *fig, size_t row, size_t col);

/* Computes the layout (limits, ticks, margins, legend) without drawing, so
 * that lmpviz_panel_to_pixel can be asked where data lands.  Saving does the
 * same layout.  LMPVIZ_OK or LMPVIZ_ERR_CAIRO. */
lmpviz_status lmpviz_figure_layout(lmpviz_figure *fig, lmpviz_err *err);
/* Writes the figure to path in the format named by its extension, atomically
 * (a failure leaves no file).  LMPVIZ_ERR_INVALID_ARG (extension),
 * LMPVIZ_ERR_IO, LMPVIZ_ERR_CAIRO or LMPVIZ_ERR_NOMEM; err says why. */
lmpviz_status lmpviz_figure_save(lmpviz_figure *fig, const char *path, lmpviz_err *err);
/* Same, to an open stream in the given format (not closed). */
lmpviz_status lmpviz_figure_write(lmpviz_figure *fig, lmpviz_format fmt, FILE *fp, lmpviz_err *err);

/* Text of the panel; NULL removes it.  LMPVIZ_OK or LMPVIZ_ERR_NOMEM. */
lmpviz_status lmpviz_panel_set_title(lmpviz_panel *panel, const char *title);
lmpviz_status lmpviz_panel_set_xlabel(lmpviz_panel *panel, const char *label);
lmpviz_status lmpviz_panel_set_ylabel(lmpviz_panel *panel, const char *label);
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
 * Each returns LMPVIZ_OK, LMPVIZ_ERR_INVALID_ARG (n == 0, NULL data or
 * style) or LMPVIZ_ERR_NOMEM. */
lmpviz_status lmpviz_panel_add_series(lmpviz_panel *panel,
                                      const double *x,
                                      const double *y,
                                      size_t n,
                                      const lmpviz_style *style,
                                      const char *label);
/* Closed polygon: filled with style.fill_alpha, outlined with style. */
lmpviz_status lmpviz_panel_add_polygon(lmpviz_panel *panel,
                                       const double *x,
                                       const double *y,
                                       size_t n,
                                       const lmpviz_style *style,
                                       const char *label);
/* Lines across the whole axes at y (hline) or x (vline). */
lmpviz_status lmpviz_panel_add_hline(lmpviz_panel *panel,
                                     double y,
                                     const lmpviz_style *style,
                                     const char *label);
lmpviz_status lmpviz_panel_add_vline(lmpviz_panel *panel,
                                     double x,
                                     const lmpviz_style *style,
                                     const char *label);
/* An arrow from (x0, y0) to (x1, y1) with a filled head. */
lmpviz_status lmpviz_panel_add_arrow(lmpviz_panel *panel,
                                     double x0,
                                     double y0,
                                     double x1,
                                     double y1,
                                     const lmpviz_style *style,
                                     const char *label);
/* UTF-8 text at data point (x, y), moved by (dx, dy) points (y down),
 * anchored as given; size in points (0 gives 9.5). */
lmpviz_status lmpviz_panel_add_text(lmpviz_panel *panel,
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
lmpviz_status lmpviz_panel_to_pixel(const lmpviz_panel *panel, double x, double y, double *px, double *py);
/* The plot area (inside the axes) in PNG pixels; same validity. */
lmpviz_status lmpviz_panel_area(const lmpviz_panel *panel, double *x, double *y, double *w, double *h);

/* ------------------------------------------------------------------------
 * Weight profiles over pixels sorted by decreasing loss (`lmpviz curve`).
 */
typedef struct lmpviz_curve_series {
    lmp_params params;
    float *weight;     /* n weights, aligned with lmpviz_curve_data.loss; owned */
    lmp_result result; /* tau, theta, m_px, ... of this solve */
} lmpviz_curve_series;

typedef struct lmpviz_curve_data {
    size_t n;
    float *loss; /* n losses in decreasing order; owned */
    size_t n_series;
    lmpviz_curve_series *series; /* owned */
} lmpviz_curve_data;

/* Sorts a copy of the n losses in decreasing order and solves LMP (lmp_solve)
 * once per entry of params.  out is zeroed on failure.  LMPVIZ_OK,
 * LMPVIZ_ERR_INVALID_ARG (n == 0 or n_params == 0), LMPVIZ_ERR_NOMEM or
 * LMPVIZ_ERR_SOLVER (err gives lmp's reason and the index of a bad loss). */
lmpviz_status lmpviz_curve_compute(const float *loss,
                                   size_t n,
                                   const lmp_params *params,
                                   size_t n_params,
                                   lmpviz_curve_data *out,
                                   lmpviz_err *err);
/* Safe on a zeroed struct. */
void lmpviz_curve_data_free(lmpviz_curve_data *data);

typedef enum lmpviz_curve_view {
    LMPVIZ_CURVE_WEIGHTS = 0, /* w_i against rank i, uniform 1/n dashed */
    LMPVIZ_CURVE_SCALED,      /* n * w_i (uniform = 1) */
    LMPVIZ_CURVE_CUMULATIVE   /* share of sum(w) held by the top-k pixels; uniform k/n */
} lmpviz_curve_view;

typedef struct lmpviz_curve_opts {
    lmpviz_curve_view view;
    int logy;
    const char *title; /* NULL: "LMP weights: p = ..., m = ..., n = ..." */
} lmpviz_curve_opts;

/* Draws data into panel: one line per series (colour per p and dash per m
 * when both vary, else one colour per series), the uniform reference (grey,
 * dashed), tau (a dotted line in the series colour for one series, a marker
 * at the end of the clamped run for several), axis labels, a title and a
 * legend.  LMPVIZ_OK, LMPVIZ_ERR_INVALID_ARG or LMPVIZ_ERR_NOMEM. */
lmpviz_status lmpviz_curve_panel(lmpviz_panel *panel,
                                 const lmpviz_curve_data *data,
                                 const lmpviz_curve_opts *opts,
                                 lmpviz_err *err);

/* Writes "rank,loss,<one weight column per series>" (%.9g) for every series
 * of every data set, atomically.  All sets must share n and the losses.
 * Column names are w_p<p>_m<m> (m<k>px with m_pixels).  LMPVIZ_OK,
 * LMPVIZ_ERR_INVALID_ARG, LMPVIZ_ERR_IO or LMPVIZ_ERR_NOMEM. */
lmpviz_status lmpviz_curve_write_csv(const lmpviz_curve_data *const *sets,
                                     size_t n_sets,
                                     const char *path,
                                     lmpviz_err *err);

/* k of the n values, drawn without replacement with gsl_rng_mt19937 seeded
 * with seed (the same inputs always give the same draw), in input order.
 * LMPVIZ_ERR_INVALID_ARG when k == 0 or k > n, LMPVIZ_ERR_NOMEM. */
lmpviz_status lmpviz_sample_float(const float *src, size_t n, size_t k, unsigned long seed, float *out);

/* ------------------------------------------------------------------------
 * The feasible set for n = 2 (`lmpviz region`, the paper's Figure 1).
 */

/* Boundary of W = { w >= 0, ||w||_p <= gamma, ||w||_inf <= tau } for n = 2
 * as a closed polygon starting at the origin, counter-clockwise, with
 * n_arc points on the curved part of the p-ball.  x and y need room for
 * n_arc + 4 points; *count receives how many were written.  p in [1, inf],
 * m a fraction in (0, 1] (m_px = clamp(2 m, 1, 2)).  LMPVIZ_OK or
 * LMPVIZ_ERR_INVALID_ARG. */
lmpviz_status lmpviz_region_boundary(double p, double m, size_t n_arc, double *x, double *y, size_t *count);

typedef struct lmpviz_region_opts {
    const double *p; /* n_p values in [1, inf], one set each */
    size_t n_p;
    double m;          /* fraction in (0, 1] */
    int have_losses;   /* draw the loss direction and w* */
    double losses[2];  /* >= 0, not both 0 */
    const char *title; /* NULL: built from p and m */
} lmpviz_region_opts;

/* Draws each set (filled, outlined, one palette colour per p), the cap
 * lines w_i = tau, the rest of the p-ball dotted, the uniform point
 * (1/2, 1/2) and, with losses, the loss direction and w* from lmp_solve.
 * LMPVIZ_OK, LMPVIZ_ERR_INVALID_ARG, LMPVIZ_ERR_SOLVER or LMPVIZ_ERR_NOMEM. */
lmpviz_status lmpviz_region_panel(lmpviz_panel *panel, const lmpviz_region_opts *opts, lmpviz_err *err);

#ifdef __cplusplus
}
#endif

#endif /* LMPVIZ_H */
