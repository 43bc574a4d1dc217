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
#include <stdint.h>
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

/* p for labels and titles: "1.5", or "∞" for p = inf. */
void lmpviz_format_p(char *buf, size_t size, double p);

/* Formats a message into err->msg (truncated to fit); nothing when err is
 * NULL. */
void lmpviz_err_set(lmpviz_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ------------------------------------------------------------------------
 * Atomic output: data goes to a temporary file in the target's folder and is
 * renamed over the target only on commit, so a failure never leaves a
 * half-written file behind.
 *
 * - A target that exists keeps its permissions (and, when root writes it,
 *   its owner).  A symbolic link to a file is kept: the file it names is
 *   replaced.
 * - A target that exists and is a device, FIFO or socket (/dev/null,
 *   /dev/stdout, a named pipe) is written in place, never replaced: write
 *   errors (ENOSPC from /dev/full) are reported by commit, and a failure
 *   cannot take back what was already written.  Opening a FIFO waits for a
 *   reader, as the shell's `>` does.
 * - A folder is refused (LMPVIZ_ERR_IO, "expected a file, got a folder").
 * - The temporary's name is the target's file name, shortened where needed
 *   so that a name of NAME_MAX bytes still works, then
 *   LMPVIZ_AFILE_TMP_MARK, the process id and a counter in hex:
 *   "out.png.lmpviz-tmp.3f2a.0".
 */
#define LMPVIZ_AFILE_TMP_MARK ".lmpviz-tmp."

typedef struct lmpviz_afile {
    FILE *fp;       /* write here between open and commit/abort */
    char *tmp_path; /* owned; NULL when writing in place */
    char *path;     /* owned copy of the target (the file a link names) */
    int in_place;   /* 1: fp writes to the target itself */
    void *io;       /* private: the stream's state */
} lmpviz_afile;

/* LMPVIZ_OK, LMPVIZ_ERR_IO (err says why, e.g. the folder is missing) or
 * LMPVIZ_ERR_INVALID_ARG (no path, or an empty one). */
lmpviz_status lmpviz_afile_open(lmpviz_afile *af, const char *path, lmpviz_err *err);
/* Flushes, closes and renames.  On failure the temporary is removed. */
lmpviz_status lmpviz_afile_commit(lmpviz_afile *af, lmpviz_err *err);
/* Closes and removes the temporary; safe on a zeroed or finished lmpviz_afile. */
void lmpviz_afile_abort(lmpviz_afile *af);
/* For a writer into af->fp that failed with status: aborts and returns
 * status.  When status is LMPVIZ_ERR_IO and a write to the file failed,
 * err becomes "cannot write: <the system's reason>" (e.g. "No space left
 * on device"), which the writer itself could not know. */
lmpviz_status lmpviz_afile_fail(lmpviz_afile *af, lmpviz_status status, lmpviz_err *err);
/* 1 when path exists and is a device, FIFO or socket (following links):
 * lmpviz_afile writes it in place.  Such a target has no file name
 * extension to check and is never removed. */
int lmpviz_afile_in_place(const char *path);
/* 1 when the file name name (no folder) is one of lmpviz_afile's
 * temporaries: "<name>.lmpviz-tmp.<hex>.<hex>". */
int lmpviz_afile_is_tmp(const char *name);

/* ------------------------------------------------------------------------
 * Buffers for whole images and arrays (huge-page backed where the system
 * allows: far fewer page faults when they are filled).  NULL when out of
 * memory; lmpviz_big_free(NULL) does nothing.  64-byte aligned at least.
 */
void *lmpviz_big_alloc(size_t bytes);
void lmpviz_big_free(void *ptr);

/* LMPVIZ_OK when `bytes` fit in the memory available now (MemAvailable, or a
 * container's limit), or when that is unknown; else LMPVIZ_ERR_NOMEM with
 * err: "needs <bytes> of memory for <what>, only <avail> available".  Large
 * inputs fail here, with a message, instead of being killed later. */
lmpviz_status lmpviz_mem_check(unsigned long long bytes, const char *what, lmpviz_err *err);

/* ------------------------------------------------------------------------
 * NumPy .npy files (format versions 1.0, 2.0 and 3.0, little-endian,
 * C order).  Float data of any supported dtype is converted to float.
 */
#define LMPVIZ_NPY_MAXDIM 8

typedef struct lmpviz_array {
    float *data; /* owned (lmpviz_big_alloc); count elements in C order */
    size_t shape[LMPVIZ_NPY_MAXDIM];
    size_t ndim;
    size_t count;   /* product of shape (1 for a 0-d array) */
    char descr[16]; /* dtype as stored in the file, e.g. "<f2" */
    /* float64 data: nonzero values below FLT_MIN (about 1.2e-38), which
     * float holds with less precision, and how many of them became 0 */
    size_t n_tiny, n_flushed;
} lmpviz_array;

/* Reads a float16, float32 or float64 array.  Rejects big-endian data,
 * fortran_order=True, other dtypes, truncated files, malformed headers and
 * finite float64 values beyond float's range (err names the first with its
 * index and value) with LMPVIZ_ERR_FORMAT (err says how to convert where
 * that helps); float64 values below FLT_MIN are counted in n_tiny and
 * n_flushed, for the caller to warn about;
 * LMPVIZ_ERR_IO when the file cannot be opened.  out is zeroed on failure. */
lmpviz_status lmpviz_npy_read_float(const char *path, lmpviz_array *out, lmpviz_err *err);

/* The same checks as lmpviz_npy_read_float, the data's length against the
 * file's size included, but only the header is read: out gets shape, ndim,
 * count and descr, and data stays NULL.  For comparing sizes before a large
 * read. */
lmpviz_status lmpviz_npy_read_header(const char *path, lmpviz_array *out, lmpviz_err *err);

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
 * (a failure leaves no file; see lmpviz_afile).  A device or FIFO without a
 * known extension gets PNG.  LMPVIZ_ERR_INVALID_ARG (extension),
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

/* ------------------------------------------------------------------------
 * Images on a figure panel (additions to the plotting layer).
 */

/* An image drawn into the data rectangle [x0, x1] x [y0, y1], row 0 at the
 * top (y1).  Pixels are cairo ARGB32: one uint32_t 0xAARRGGBB per pixel,
 * premultiplied alpha, stride_px >= width pixels per row; they are copied.
 * smooth != 0 filters when the image is scaled (photos, heatmaps); 0 keeps
 * hard pixel edges (label maps).  The rectangle counts in the automatic axis
 * limits.  LMPVIZ_OK, LMPVIZ_ERR_INVALID_ARG (a size of 0, NULL pixels,
 * x1 <= x0 or y1 <= y0) or LMPVIZ_ERR_NOMEM. */
lmpviz_status lmpviz_panel_add_image(lmpviz_panel *panel,
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
 * LMPVIZ_OK, LMPVIZ_ERR_INVALID_ARG (n_colors == 0, NULL arrays, a position
 * outside [0, 1]) or LMPVIZ_ERR_NOMEM. */
lmpviz_status lmpviz_panel_set_colorbar(lmpviz_panel *panel,
                                        const lmpviz_color *colors,
                                        size_t n_colors,
                                        const double *pos,
                                        const char *const *tick_labels,
                                        size_t n_ticks,
                                        const char *label);

/* ------------------------------------------------------------------------
 * Raster images (libpng).
 */

/* An 8-bit RGB image, row-major, 3 bytes per pixel, no padding. */
typedef struct lmpviz_image {
    unsigned char *rgb; /* owned; width * height * 3 bytes */
    size_t width, height;
    int bit_depth; /* of the file: 8 or 16 (informative) */
    int channels;  /* of the file: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA */
} lmpviz_image;

/* Reads a PNG frame (grey, grey+alpha, RGB, RGBA or palette; 8 or 16 bits)
 * as 8-bit RGB with libpng's simplified API.  16-bit samples are taken as
 * sRGB-encoded (as Cityscapes' 16-bit frames are), so v16 becomes
 * round(v16 / 257) with no gamma change; alpha is composited onto black.
 * LMPVIZ_ERR_IO (cannot open), LMPVIZ_ERR_FORMAT (not a PNG, truncated,
 * corrupt), LMPVIZ_ERR_NOMEM.  out is zeroed on failure. */
lmpviz_status lmpviz_image_read(const char *path, lmpviz_image *out, lmpviz_err *err);
void lmpviz_image_free(lmpviz_image *im);
/* The width and height a PNG's header (IHDR) declares, without decoding:
 * statuses as lmpviz_image_read. */
lmpviz_status lmpviz_png_size(const char *path, size_t *width, size_t *height, lmpviz_err *err);

/* A single-channel label map with exact integer values. */
typedef struct lmpviz_labelmap {
    uint16_t *data; /* owned; width * height values, row-major */
    size_t width, height;
    int bit_depth; /* of the file: 1, 2, 4, 8 or 16 */
} lmpviz_labelmap;

/* Reads a grey or palette PNG of 1..16 bits with libpng's classic API and
 * no transformation: grey values or palette indices, exactly as stored (no
 * gamma, no palette expansion).  Colour or alpha images are refused with
 * LMPVIZ_ERR_FORMAT (a label map has one channel).  Errors as
 * lmpviz_image_read.  out is zeroed on failure. */
lmpviz_status lmpviz_labelmap_read(const char *path, lmpviz_labelmap *out, lmpviz_err *err);
void lmpviz_labelmap_free(lmpviz_labelmap *lm);

/* Writes a PNG atomically with libpng: channels 1 (grey), 3 (RGB) or 4
 * (RGBA); bit_depth 8 (unsigned char samples) or 16 (uint16_t samples, in
 * host order); stride in samples per row.  compression 0..9 (zlib level) or
 * -1 for the default.  LMPVIZ_OK, LMPVIZ_ERR_INVALID_ARG, LMPVIZ_ERR_IO,
 * LMPVIZ_ERR_NOMEM. */
lmpviz_status lmpviz_png_write(const char *path,
                               const void *samples,
                               size_t width,
                               size_t height,
                               size_t stride,
                               int channels,
                               int bit_depth,
                               int compression,
                               lmpviz_err *err);

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
 * Cityscapes labels (the official table, compiled in).
 */
#define LMPVIZ_CS_CLASSES 19  /* trainIds 0..18 */
#define LMPVIZ_CS_IGNORE  255 /* trainId of pixels left out of the loss */
#define LMPVIZ_CS_MAX_ID  33  /* largest labelId */

typedef enum lmpviz_label_type {
    LMPVIZ_LABELS_ID = 0,  /* *_gtFine_labelIds.png: ids 0..33 */
    LMPVIZ_LABELS_TRAINID  /* *_gtFine_labelTrainIds.png: 0..18 and 255 */
} lmpviz_label_type;

/* Class name of a trainId ("road", ...); NULL when train_id >= 19. */
const char *lmpviz_cs_class_name(unsigned train_id);
/* Official colour of a trainId; black for 255 and anything else. */
lmpviz_color lmpviz_cs_class_color(unsigned train_id);
/* trainId of a labelId (255 for ignored ids and -1); -1 when id is not in
 * the table. */
int lmpviz_cs_trainid_of_id(int id);

/* Converts n label values to trainIds (255 = ignore).  A value outside the
 * type's range (id > 33; a trainId not in 0..18 or 255) gives
 * LMPVIZ_ERR_FORMAT, with err naming the pixel (x, y) = (i % width,
 * i / width) and the value.  LMPVIZ_OK otherwise. */
lmpviz_status lmpviz_cs_to_trainids(const uint16_t *labels,
                                    size_t n,
                                    size_t width,
                                    lmpviz_label_type type,
                                    unsigned char *train,
                                    lmpviz_err *err);

/* ------------------------------------------------------------------------
 * Segmentation losses from model outputs (`lmpviz heatmap`).
 */

typedef enum lmpviz_score_kind {
    LMPVIZ_SCORES_PROBS = 0, /* class probabilities (softmax outputs) */
    LMPVIZ_SCORES_LOGITS     /* unnormalised scores */
} lmpviz_score_kind;

typedef enum lmpviz_layout {
    LMPVIZ_LAYOUT_AUTO = 0, /* (C,H,W) or (H,W,C), told apart by C = 19 */
    LMPVIZ_LAYOUT_CHW,
    LMPVIZ_LAYOUT_HWC
} lmpviz_layout;

/* A borrowed view of a score array: element (c, y, x) is
 * data[c * c_stride + y * row_stride + x * x_stride]. */
typedef struct lmpviz_scores {
    const float *data; /* borrowed */
    size_t classes, height, width;
    size_t c_stride, row_stride, x_stride;
} lmpviz_scores;

/* Interprets a 3-d array as scores.  AUTO picks CHW when shape[0] = 19 and
 * HWC when shape[2] = 19 (CHW when both); otherwise, or when the array is
 * not 3-d, LMPVIZ_ERR_FORMAT with err giving the shape and the way out
 * (--layout).  An explicit layout needs at least 2 classes. */
lmpviz_status lmpviz_scores_view(const lmpviz_array *a,
                                 lmpviz_layout layout,
                                 lmpviz_scores *out,
                                 lmpviz_err *err);

/* Smallest probability used in -log(max(p, eps)), so that a float16 zero
 * gives a finite loss of about 18.4 nats. */
#define LMPVIZ_PROB_EPS 1e-8

/* How far from 1 the sum of a pixel's class probabilities may be.  A
 * softmax computed and stored in float16 is off by a few units of 2^-11
 * relative in each of its values, a few 1e-3 in the sum at worst; 0.01
 * leaves a margin, while sigmoid outputs, scaled scores or the wrong
 * tensor give sums of 0.1 or 5. */
#define LMPVIZ_PROB_SUM_TOL 0.01

/* Per-pixel cross-entropy on a width x height grid of trainIds (255 =
 * ignore): -log(max(p_y, LMPVIZ_PROB_EPS)) for probabilities, the
 * log-softmax computed stably (max subtracted, sums in double) for logits.
 * When the scores have another size they are sampled bilinearly (pixel
 * centres aligned, as PyTorch's interpolate with align_corners=False); the
 * caller decides whether that is allowed.  loss[i] = 0 and valid[i] = 0 at
 * ignored pixels, valid[i] = 1 elsewhere; *n_valid gets their count (may be
 * NULL).  LMPVIZ_ERR_FORMAT when a trainId is not below scores->classes
 * (err names the pixel) or a score is NaN/infinite, a probability
 * negative, or a pixel's probabilities sum to more than LMPVIZ_PROB_SUM_TOL
 * away from 1 (err names the pixel and the sum, and suggests --logits where
 * the values look like scores); LMPVIZ_ERR_INVALID_ARG for a zero size. */
lmpviz_status lmpviz_seg_loss(const lmpviz_scores *scores,
                              lmpviz_score_kind kind,
                              const unsigned char *train,
                              size_t width,
                              size_t height,
                              float *loss,
                              unsigned char *valid,
                              size_t *n_valid,
                              lmpviz_err *err);

/* The predicted class (argmax over the classes, lowest index on ties) on a
 * width x height grid, sampling bilinearly when the sizes differ (argmax of
 * the interpolated scores).  LMPVIZ_OK or LMPVIZ_ERR_NOMEM. */
lmpviz_status lmpviz_seg_argmax(const lmpviz_scores *scores,
                                size_t width,
                                size_t height,
                                unsigned char *pred);

/* Resampling of row-major grids: nearest neighbour (labels) and bilinear
 * with aligned pixel centres (scores, losses; LMPVIZ_OK or
 * LMPVIZ_ERR_NOMEM). */
void lmpviz_resize_nearest_u8(const unsigned char *src,
                              size_t sw,
                              size_t sh,
                              unsigned char *dst,
                              size_t dw,
                              size_t dh);
lmpviz_status lmpviz_resize_bilinear_f32(const float *src,
                                         size_t sw,
                                         size_t sh,
                                         float *dst,
                                         size_t dw,
                                         size_t dh);

/* ------------------------------------------------------------------------
 * Per-class analysis of LMP weights.  Weights are counted in units of n·w
 * (n valid pixels of the frame, so uniform weights give 1), which makes
 * frames of different sizes add up.
 */
typedef struct lmpviz_class_stats {
    size_t pixels[LMPVIZ_CS_CLASSES];
    double loss_sum[LMPVIZ_CS_CLASSES]; /* sum of the losses */
    double nw_sum[LMPVIZ_CS_CLASSES];   /* sum of n·w */
    size_t frames;                      /* frames added */
} lmpviz_class_stats;

typedef struct lmpviz_class_row {
    unsigned train_id;
    const char *name;
    size_t pixels;
    double pixel_share;  /* of all valid pixels */
    double loss_share;   /* of the total loss */
    double weight_share; /* of the total n·w */
    double mean_nw;      /* nw_sum / pixels: > 1 means up-weighted */
    double mean_loss;
} lmpviz_class_row;

/* Adds one frame: n pixels with trainIds (255 skipped), losses and weights;
 * n_valid is the frame's valid count (the n of n·w).  Sums in double in
 * pixel order.  LMPVIZ_ERR_INVALID_ARG when a trainId is neither below 19
 * nor 255. */
lmpviz_status lmpviz_class_stats_add(lmpviz_class_stats *st,
                                     const unsigned char *train,
                                     const float *loss,
                                     const float *weight,
                                     size_t n,
                                     size_t n_valid);
/* st += other. */
void lmpviz_class_stats_merge(lmpviz_class_stats *st, const lmpviz_class_stats *other);
/* The classes present (pixels > 0) in trainId order; returns their count
 * (at most 19).  Shares are 0 when a total is 0. */
size_t lmpviz_class_stats_rows(const lmpviz_class_stats *st,
                               lmpviz_class_row rows[LMPVIZ_CS_CLASSES]);
/* CSV, header train_id,class,pixels,pixel_share,loss_share,weight_share,
 * mean_nw,mean_loss,loss_sum,nw_sum (the last two let shards be merged by
 * adding), one line per class present; to an open stream. */
lmpviz_status lmpviz_class_stats_write_csv(const lmpviz_class_stats *st, FILE *fp);

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
#define LMPVIZ_OVERLAY_OPTS_INIT \
    { LMPVIZ_CMAP_VIRIDIS, LMPVIZ_HSCALE_LINEAR, 0.65, 0.6, 0.7, 0.0, 0.0 }

/* How values map to the colour scale, for the colour bar: position t in
 * [0, 1] of value v (n·w).  For RANK, the n·w quantiles at 0, 1/8, ... 1
 * (nine values) are kept so that ticks can be labelled. */
typedef struct lmpviz_colorscale {
    lmpviz_hscale scale;
    double vmin, vmax;    /* n·w at t = 0 and t = 1 */
    double quantile[9];   /* RANK only: n·w at t = k / 8 */
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

/* ------------------------------------------------------------------------
 * One frame, end to end (`lmpviz heatmap`): read the frame, the labels and
 * the model output, compute the per-pixel losses and the LMP weights.
 */
typedef enum lmpviz_pred_kind {
    LMPVIZ_PRED_PROBS = 0, /* class probabilities, (C,H,W) or (H,W,C) */
    LMPVIZ_PRED_LOGITS,    /* logits, same shapes */
    LMPVIZ_PRED_LOSS       /* a per-pixel loss map (H,W) */
} lmpviz_pred_kind;

typedef struct lmpviz_heatmap_input {
    const char *image;  /* frame PNG */
    const char *labels; /* label PNG */
    const char *pred;   /* .npy */
    lmpviz_pred_kind pred_kind;
    lmpviz_label_type label_type;
    lmpviz_layout layout;
    int resize;      /* resample labels (nearest) and scores (bilinear) to the frame */
    int want_argmax; /* also fill lmpviz_heatmap.pred (scores only) */
    size_t max_pixels; /* per input; 0: LMPVIZ_MAX_PIXELS */
} lmpviz_heatmap_input;

/* The most pixels a frame, a label map or a prediction may have unless
 * lmpviz_heatmap_input.max_pixels says otherwise: 2^26 = 8192x8192, 32
 * Cityscapes frames.  Decoding a frame with C classes of scores takes
 * about (3 + 4 C + 16) bytes a pixel, 6 GB at this size for C = 19. */
#define LMPVIZ_MAX_PIXELS ((size_t)1 << 26)

/* Before anything is decoded: reads only the PNG headers of in->image (NULL:
 * no frame, the labels set the size) and in->labels and the .npy header of
 * in->pred, and checks that each has at most in->max_pixels pixels and,
 * unless in->resize, that their sizes agree.  A 1 MB PNG may declare
 * 32767x32767 pixels, gigabytes once decoded.  LMPVIZ_ERR_FORMAT with the
 * message the full read would give, LMPVIZ_ERR_IO; lmpviz_heatmap_load runs
 * it first. */
lmpviz_status lmpviz_inputs_check(const lmpviz_heatmap_input *in, lmpviz_err *err);

typedef struct lmpviz_heatmap {
    lmpviz_image frame;
    size_t width, height; /* of the frame; every map below has this size */
    size_t n_valid;
    unsigned char *train; /* trainIds, 255 = ignored */
    unsigned char *valid; /* 1 = counted in n */
    unsigned char *pred;  /* argmax trainIds, or NULL */
    float *loss;          /* 0 at ignored pixels */
    float *weight;        /* lmp_solve(loss, valid), 0 at ignored pixels */
    lmp_params params;
    lmp_result result;
    double seconds_read, seconds_loss, seconds_solve; /* wall time of each stage */
} lmpviz_heatmap;

/* Runs the pipeline.  Sizes must agree unless in->resize.  err names the
 * file at fault and what was expected ("labels.png: expected ...").
 * LMPVIZ_ERR_IO, LMPVIZ_ERR_FORMAT (bad file, shape or size mismatch, label
 * out of range, dtype), LMPVIZ_ERR_SOLVER (a negative or non-finite loss in
 * a loss map; err names the pixel), LMPVIZ_ERR_INVALID_ARG (params) or
 * LMPVIZ_ERR_NOMEM.  A frame without valid pixels is LMPVIZ_OK with n_valid
 * = 0 and zero weights.  ws may be NULL.  out is zeroed on failure. */
lmpviz_status lmpviz_heatmap_compute(const lmpviz_heatmap_input *in,
                                     const lmp_params *params,
                                     lmp_workspace *ws,
                                     lmpviz_heatmap *out,
                                     lmpviz_err *err);
/* lmpviz_heatmap_compute in two steps, for callers that solve LMP
 * elsewhere (`lmpviz heatmap --device cuda` solves several frames in one
 * GPU call).  lmpviz_heatmap_load does everything but the solve: weight is
 * allocated but not set, result and seconds_solve are zero.  Errors as
 * lmpviz_heatmap_compute; out is zeroed on failure. */
lmpviz_status lmpviz_heatmap_load(const lmpviz_heatmap_input *in,
                                  const lmp_params *params,
                                  lmpviz_heatmap *out,
                                  lmpviz_err *err);
/* Then the caller solves hm->loss with hm->valid (width * height pixels)
 * into hm->weight and hm->result, with lmp_solve or a solver of the same
 * contract, and hands its status ls here: LMP_OK and LMP_ERR_EMPTY
 * (n_valid set to 0) give LMPVIZ_OK; LMP_ERR_INVALID_LOSS gives
 * LMPVIZ_ERR_SOLVER with err naming pred_path and the pixel; any other
 * status LMPVIZ_ERR_SOLVER (LMPVIZ_ERR_NOMEM for LMP_ERR_NOMEM).  hm is
 * freed (zeroed) on failure. */
lmpviz_status lmpviz_heatmap_solved(lmpviz_heatmap *hm,
                                    const char *pred_path,
                                    lmp_status ls,
                                    lmpviz_err *err);
/* Safe on a zeroed struct. */
void lmpviz_heatmap_free(lmpviz_heatmap *hm);

typedef struct lmpviz_heatmap_fig_opts {
    lmpviz_overlay_opts overlay;
    int panels;        /* 0: the overlay with a colour bar; 1: frame | ground truth |
                          prediction | loss | weights | class shares */
    size_t width_px;   /* 0: automatic */
    const char *title; /* NULL: p, m, n, LMP loss and mean loss */
} lmpviz_heatmap_fig_opts;

/* Builds the figure (the caller saves and destroys it).  NULL on failure
 * with *status (NOMEM or INVALID_ARG) and err set. */
lmpviz_figure *lmpviz_heatmap_figure(const lmpviz_heatmap *hm,
                                     const lmpviz_heatmap_fig_opts *opts,
                                     lmpviz_status *status,
                                     lmpviz_err *err);


/* ------------------------------------------------------------------------
 * LMP beside the other pixel-weighting schemes (`lmpviz compare`); the
 * weights come from lmp_scheme_weights (lmp_schemes.h).
 */
#include "lmp_schemes.h"

#define LMPVIZ_COMPARE_MAX_SCHEMES 8

typedef struct lmpviz_scheme_spec {
    lmp_scheme scheme; /* class_weight NULL after parsing; the caller may set it */
    int from_split;    /* invfreq/medfreq with source=split: factors from a split */
    char text[96];     /* the scheme as written, for messages and CSV columns */
    char label[96];    /* legend text, e.g. "LMP p = 1.5, m = 0.1" */
} lmpviz_scheme_spec;

/* Parses "NAME[:KEY=VALUE,...];NAME..." into at most max specs.  Names and
 * keys (defaults in brackets):
 *   lmp      p [1.5] (>= 1 or inf), m [0.1] (fraction), m_px (count)
 *   uniform  (none)
 *   ohem     thresh [0.7] (p_t in [0, 1]), min_kept [100000] (count >= 0)
 *   topk     k [0.1] (fraction), k_px (count)
 *   focal    gamma [2] (>= 0)
 *   invfreq, medfreq  source [image] (image or split), classes [19]
 * Spaces around items are allowed.  LMPVIZ_ERR_INVALID_ARG with err naming
 * the bad part (the scheme's position and text, the key or value, what was
 * expected), e.g. scheme 2 "ohem:tresh=0.7": unknown key "tresh" (ohem
 * takes thresh, min_kept).  *count gets the number parsed. */
lmpviz_status lmpviz_schemes_parse(const char *text,
                                   lmpviz_scheme_spec *out,
                                   size_t max,
                                   size_t *count,
                                   lmpviz_err *err);

/* The weights of several schemes on one input. */
typedef struct lmpviz_compare_data {
    size_t n;        /* pixels of the input (valid or not) */
    size_t n_valid;  /* valid pixels */
    size_t *order;   /* n_valid indices of the valid pixels by decreasing loss
                        (ties by index); owned */
    const float *loss; /* borrowed from the input (n values) */
    size_t n_schemes;
    lmpviz_scheme_spec spec[LMPVIZ_COMPARE_MAX_SCHEMES];
    float *weight[LMPVIZ_COMPARE_MAX_SCHEMES]; /* n weights each, input order; owned */
    lmp_scheme_result result[LMPVIZ_COMPARE_MAX_SCHEMES];
} lmpviz_compare_data;

/* Runs every scheme on in (in->loss is required: it orders the pixels).
 * out borrows in->loss until it is freed.  LMPVIZ_OK,
 * LMPVIZ_ERR_INVALID_ARG (no scheme, too many, missing input), LMPVIZ_ERR_SOLVER
 * (a scheme failed: err names it and the bad pixel), LMPVIZ_ERR_NOMEM.  No
 * valid pixel is LMPVIZ_OK with n_valid = 0 and zero weights.  out is zeroed
 * on failure. */
lmpviz_status lmpviz_compare_compute(const lmpviz_scheme_spec *specs,
                                     size_t n_specs,
                                     const lmp_scheme_input *in,
                                     lmp_workspace *ws,
                                     lmpviz_compare_data *out,
                                     lmpviz_err *err);
/* Safe on a zeroed struct. */
void lmpviz_compare_free(lmpviz_compare_data *d);

typedef struct lmpviz_compare_opts {
    int logy;          /* profile panel: logarithmic n·w axis */
    const char *title; /* NULL: automatic */
} lmpviz_compare_opts;

/* Two panels: the weight profiles n·w over the valid pixels sorted by
 * decreasing loss (uniform = 1; LMP drawn as is, so its curve holds a total
 * below 1) and the share of each scheme's total weight held by the top k
 * pixels.  Large inputs are drawn through per-bucket minima and maxima (at
 * most about 2000 points a curve).  The caller saves and destroys the
 * figure; NULL on failure with *status and err set. */
lmpviz_figure *lmpviz_compare_profile_figure(const lmpviz_compare_data *d,
                                             size_t width_px,
                                             size_t height_px,
                                             const lmpviz_compare_opts *opts,
                                             lmpviz_status *status,
                                             lmpviz_err *err);

/* "rank,loss,<one weight column per scheme>" for the valid pixels by
 * decreasing loss, atomically.  LMPVIZ_OK, LMPVIZ_ERR_IO or LMPVIZ_ERR_NOMEM. */
lmpviz_status lmpviz_compare_write_csv(const lmpviz_compare_data *d, const char *path, lmpviz_err *err);

/* Share of each scheme's total weight held by the top frac of the valid
 * pixels (by decreasing loss), frac in [0, 1].  0 when the total is 0. */
double lmpviz_compare_top_share(const lmpviz_compare_data *d, size_t scheme, double frac);

/* Per-class statistics, one lmpviz_class_stats per scheme (pixels and
 * losses repeat in each), so frames add up with lmpviz_class_stats_merge. */
typedef struct lmpviz_compare_stats {
    size_t n_schemes;
    lmpviz_class_stats st[LMPVIZ_COMPARE_MAX_SCHEMES];
} lmpviz_compare_stats;

/* Adds one frame (train: trainIds with 255 = ignore, aligned with d's
 * pixels).  LMPVIZ_OK or LMPVIZ_ERR_INVALID_ARG. */
lmpviz_status lmpviz_compare_stats_add(lmpviz_compare_stats *cs,
                                       const lmpviz_compare_data *d,
                                       const unsigned char *train);
/* CSV "train_id,class,pixels,pixel_share,loss_share,<scheme text>..." with
 * each scheme's share of its total weight (n·w, so frames add), to an open
 * stream; specs name the columns.  LMPVIZ_OK or LMPVIZ_ERR_INVALID_ARG. */
lmpviz_status lmpviz_compare_stats_write_csv(const lmpviz_compare_stats *cs,
                                             const lmpviz_scheme_spec *specs,
                                             FILE *fp);
/* The same as an aligned text table. */
void lmpviz_compare_stats_print(const lmpviz_compare_stats *cs,
                                const lmpviz_scheme_spec *specs,
                                FILE *fp);

typedef struct lmpviz_compare_fig_opts {
    lmpviz_overlay_opts overlay; /* scale LINEAR or LOG; vmax/vmin shared by every panel
                                    (<= 0: automatic, the largest 99.5th percentile of
                                    n·w over the schemes; vmin vmax / 1000) */
    size_t width_px;             /* 0: automatic */
    const char *title;           /* NULL: automatic */
} lmpviz_compare_fig_opts;

/* One overlay panel per scheme on the frame, with one colour scale for all
 * (n·w, 1 = uniform) and a colour bar on the right-hand panels.  weight and
 * n_valid come from d, the frame and mask from hm (same pixels).  NULL on
 * failure with *status and err set. */
lmpviz_figure *lmpviz_compare_frame_figure(const lmpviz_heatmap *hm,
                                           const lmpviz_compare_data *d,
                                           const lmpviz_compare_fig_opts *opts,
                                           lmpviz_status *status,
                                           lmpviz_err *err);

/* Losses (and trainIds) of a model output against labels, without a frame:
 * labels PNG and prediction .npy (probabilities, logits or a loss map); the
 * scores are resampled to the labels' size when resize is set.  train,
 * loss and valid come from lmpviz_big_alloc (the caller frees them with
 * lmpviz_big_free); *width, *height their size.
 * Errors as lmpviz_heatmap_compute, err naming the file. */
lmpviz_status lmpviz_seg_inputs_load(const char *labels_path,
                                     lmpviz_label_type label_type,
                                     const char *pred_path,
                                     lmpviz_pred_kind pred_kind,
                                     lmpviz_layout layout,
                                     int resize,
                                     unsigned char **train,
                                     float **loss,
                                     unsigned char **valid,
                                     size_t *width,
                                     size_t *height,
                                     lmpviz_err *err);

#ifdef __cplusplus
}
#endif

#include "lmpviz/sweep.h"

#endif /* LMPVIZ_H */
