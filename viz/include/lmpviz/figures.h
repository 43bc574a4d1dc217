/*
 * lmpviz/figures.h - the figures of the lmpviz commands: weight profiles
 * (curve), the feasible set (region), heatmaps of one frame (heatmap) and
 * LMP beside other weighting schemes (compare).
 */
#ifndef LMPVIZ_FIGURES_H
#define LMPVIZ_FIGURES_H

#include "lmp_schemes.h"
#include "lmpviz/core.h"
#include "lmpviz/io.h"
#include "lmpviz/plot.h"
#include "lmpviz/seg.h"

#ifdef __cplusplus
extern "C" {
#endif

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
 * legend.  Failures (LMPVIZ_ERR_INVALID_ARG: no data; LMPVIZ_ERR_NOMEM)
 * are the figure's (see lmpviz_figure_status). */
void lmpviz_curve_panel(lmpviz_panel *panel,
                        const lmpviz_curve_data *data,
                        const lmpviz_curve_opts *opts);

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
lmpviz_status
lmpviz_sample_float(const float *src, size_t n, size_t k, unsigned long seed, float *out);

/* ------------------------------------------------------------------------
 * The feasible set for n = 2 (`lmpviz region`, the paper's Figure 1).
 */

/* Boundary of W = { w >= 0, ||w||_p <= gamma, ||w||_inf <= tau } for n = 2
 * as a closed polygon starting at the origin, counter-clockwise, with
 * n_arc points on the curved part of the p-ball.  x and y need room for
 * n_arc + 4 points; *count receives how many were written.  p in [1, inf],
 * m a fraction in (0, 1] (m_px = clamp(2 m, 1, 2)).  LMPVIZ_OK or
 * LMPVIZ_ERR_INVALID_ARG. */
lmpviz_status
lmpviz_region_boundary(double p, double m, size_t n_arc, double *x, double *y, size_t *count);

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
 * Failures (LMPVIZ_ERR_INVALID_ARG, LMPVIZ_ERR_SOLVER, LMPVIZ_ERR_NOMEM) are
 * the figure's. */
void lmpviz_region_panel(lmpviz_panel *panel, const lmpviz_region_opts *opts);

/* ------------------------------------------------------------------------
 * The heatmap of one frame (`lmpviz heatmap`), from lmpviz_heatmap (seg.h).
 */
typedef struct lmpviz_heatmap_fig_opts {
    lmpviz_overlay_opts overlay;
    int panels;        /* 0: the overlay with a colour bar; 1: frame | ground truth |
                          prediction | loss | weights | class shares */
    size_t width_px;   /* 0: automatic */
    const char *title; /* NULL: p, m, n, LMP loss and mean loss */
} lmpviz_heatmap_fig_opts;

/* Builds the figure (the caller saves and destroys it).  Never NULL; a
 * failure (LMPVIZ_ERR_INVALID_ARG, LMPVIZ_ERR_NOMEM) is the figure's status
 * (lmpviz_figure_status, lmpviz_figure_save). */
lmpviz_figure *lmpviz_heatmap_figure(const lmpviz_heatmap *hm, const lmpviz_heatmap_fig_opts *opts);

/* ------------------------------------------------------------------------
 * LMP beside the other pixel-weighting schemes (`lmpviz compare`); the
 * weights come from lmp_scheme_weights (lmp_schemes.h).
 */
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
lmpviz_status lmpviz_schemes_parse(
    const char *text, lmpviz_scheme_spec *out, size_t max, size_t *count, lmpviz_err *err);

/* The weights of several schemes on one input. */
typedef struct lmpviz_compare_data {
    size_t n;          /* pixels of the input (valid or not) */
    size_t n_valid;    /* valid pixels */
    size_t *order;     /* n_valid indices of the valid pixels by decreasing loss
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
 * figure; it is never NULL, and a failure is its status
 * (lmpviz_figure_status, lmpviz_figure_save). */
lmpviz_figure *lmpviz_compare_profile_figure(const lmpviz_compare_data *d,
                                             size_t width_px,
                                             size_t height_px,
                                             const lmpviz_compare_opts *opts);

/* "rank,loss,<one weight column per scheme>" for the valid pixels by
 * decreasing loss, atomically.  LMPVIZ_OK, LMPVIZ_ERR_IO or LMPVIZ_ERR_NOMEM. */
lmpviz_status
lmpviz_compare_write_csv(const lmpviz_compare_data *d, const char *path, lmpviz_err *err);

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
 * n_valid come from d, the frame and mask from hm (same pixels).  Never
 * NULL; a failure (LMPVIZ_ERR_INVALID_ARG, e.g. the rank scale, which is
 * per scheme; LMPVIZ_ERR_NOMEM) is the figure's status. */
lmpviz_figure *lmpviz_compare_frame_figure(const lmpviz_heatmap *hm,
                                           const lmpviz_compare_data *d,
                                           const lmpviz_compare_fig_opts *opts);

#ifdef __cplusplus
}
#endif

#endif /* LMPVIZ_FIGURES_H */
