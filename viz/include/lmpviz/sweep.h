/*
 * lmpviz/sweep.h - choosing p and m from one's own loss maps: statistics of
 * the LMP weights over a grid of (p, m) (`lmpviz sweep`), and the (p, m)
 * whose weights are closest to another scheme's (`lmpviz match`).
 *
 * Weights are solved with lmp_solve on the caller's losses; every (p, m) of
 * a grid reuses one workspace and one weight buffer.  Nothing here prints.
 */
#ifndef LMPVIZ_SWEEP_H
#define LMPVIZ_SWEEP_H

#include "../lmpviz.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Statistics over a (p, m) grid
 */
#define LMPVIZ_SWEEP_MAX 16 /* values of p, and of m */

typedef enum lmpviz_sweep_stat {
    LMPVIZ_SWEEP_TOP1 = 0, /* share of Σw on the top 1% of the valid pixels by loss */
    LMPVIZ_SWEEP_TOP10,    /* ... on the top 10% */
    LMPVIZ_SWEEP_SUPPORT,  /* effective support (Σw)² / Σw², as a fraction of n */
    LMPVIZ_SWEEP_SUM,      /* Σw (1 at p = 1 and p = inf, below 1 between) */
    LMPVIZ_SWEEP_RATIO,    /* LMP loss / mean loss (>= 1) */
    LMPVIZ_SWEEP_CAPPED    /* fraction of the valid pixels at the cap tau */
} lmpviz_sweep_stat;
#define LMPVIZ_SWEEP_NSTAT 6

/* "top1", "top10", "support", "sum", "ratio", "capped"; "unknown" otherwise. */
const char *lmpviz_sweep_stat_name(lmpviz_sweep_stat s);
/* A comma-separated list of those names (or "all") into out (at most
 * LMPVIZ_SWEEP_NSTAT, no repeats).  LMPVIZ_ERR_INVALID_ARG with err naming
 * the bad item and the known names. */
lmpviz_status
lmpviz_sweep_stats_parse(const char *text, lmpviz_sweep_stat *out, size_t *count, lmpviz_err *err);

/* Sums over the inputs added; per input, each statistic counts once (the
 * mean over inputs is reported), and class weights add in units of n·w as
 * lmpviz_class_stats does. */
typedef struct lmpviz_sweep {
    size_t n_p, n_m;
    double p[LMPVIZ_SWEEP_MAX];
    double m[LMPVIZ_SWEEP_MAX];
    size_t inputs;    /* inputs added */
    size_t n_valid;   /* their valid pixels */
    int have_classes; /* every input had trainIds */
    double stat[LMPVIZ_SWEEP_MAX][LMPVIZ_SWEEP_MAX][LMPVIZ_SWEEP_NSTAT];
    double class_nw[LMPVIZ_SWEEP_MAX][LMPVIZ_SWEEP_MAX][LMPVIZ_CS_CLASSES];
    double class_px[LMPVIZ_CS_CLASSES];
} lmpviz_sweep;

/* Sets the grid (values copied; p in [1, inf], m in (0, 1], 1 to
 * LMPVIZ_SWEEP_MAX of each) and zeroes the sums.  LMPVIZ_OK or
 * LMPVIZ_ERR_INVALID_ARG (err says which value). */
lmpviz_status lmpviz_sweep_init(
    lmpviz_sweep *sw, const double *p, size_t n_p, const double *m, size_t n_m, lmpviz_err *err);

/* Solves every (p, m) of the grid for one input of n pixels and adds its
 * statistics.  valid: NULL (all valid) or n bytes; train: NULL or n
 * trainIds (255 ignored), needed for the class shares; weight: NULL (a
 * buffer is allocated) or n floats of scratch; ws: NULL or a workspace,
 * reused for every solve.  The top shares split ties at the cut equally
 * (LMP weights depend on the loss only), so they do not depend on pixel
 * order.  LMPVIZ_OK, LMPVIZ_ERR_INVALID_ARG (no valid pixel, every loss 0,
 * a trainId above 18 that is not 255), LMPVIZ_ERR_SOLVER (a bad loss: err
 * names the pixel) or LMPVIZ_ERR_NOMEM; sw is unchanged on failure. */
lmpviz_status lmpviz_sweep_add(lmpviz_sweep *sw,
                               const float *loss,
                               const unsigned char *valid,
                               const unsigned char *train,
                               size_t n,
                               float *weight,
                               lmp_workspace *ws,
                               lmpviz_err *err);

/* sw += other (same grid; LMPVIZ_ERR_INVALID_ARG otherwise). */
lmpviz_status lmpviz_sweep_merge(lmpviz_sweep *sw, const lmpviz_sweep *other);

/* The mean over the inputs of statistic s at (p[ip], m[im]); NaN when no
 * input was added. */
double lmpviz_sweep_value(const lmpviz_sweep *sw, size_t ip, size_t im, lmpviz_sweep_stat s);
/* Class c's share of the total n·w at (p[ip], m[im]), and of the valid
 * pixels; NaN without classes. */
double lmpviz_sweep_class_weight_share(const lmpviz_sweep *sw, size_t ip, size_t im, unsigned c);
double lmpviz_sweep_class_pixel_share(const lmpviz_sweep *sw, unsigned c);

/* CSV rows "source,p,m,statistic,value": one per (p, m, statistic) of
 * stats, then, with classes, "weight_share:<class>" and
 * "pixel_share:<class>" per class present.  header != 0 writes the header
 * line first.  To an open stream; LMPVIZ_OK or LMPVIZ_ERR_IO. */
lmpviz_status lmpviz_sweep_write_csv(const lmpviz_sweep *sw,
                                     const char *source,
                                     const lmpviz_sweep_stat *stats,
                                     size_t n_stats,
                                     int header,
                                     FILE *fp);

typedef struct lmpviz_sweep_fig_opts {
    const lmpviz_sweep_stat *stats; /* one panel each */
    size_t n_stats;
    const unsigned *classes; /* trainIds: one panel each (weight share / pixel share) */
    size_t n_classes;
    lmpviz_cmap cmap;
    const char *title; /* NULL: automatic */
    double dpi;        /* 0: LMPVIZ_DPI_DEFAULT */
} lmpviz_sweep_fig_opts;

/* One annotated heat table per statistic (rows p, columns m; each cell
 * coloured on the statistic's scale and printed), then one per class.
 * Never NULL; a failure (LMPVIZ_ERR_INVALID_ARG: no input, nothing to draw,
 * classes without labels; LMPVIZ_ERR_NOMEM) is the figure's status. */
lmpviz_figure *lmpviz_sweep_figure(const lmpviz_sweep *sw, const lmpviz_sweep_fig_opts *opts);

/* ------------------------------------------------------------------------
 * The (p, m) closest to another scheme
 *
 * Distance: both weight vectors are normalised to sum 1 and laid over the
 * valid pixels sorted by decreasing loss; with C(k) the share of the total
 * held by the k hardest pixels, the distance is max_k |C_lmp(k) - C_s(k)|,
 * taken at the ends of runs of equal losses (so that it does not depend on
 * how ties are ordered).  It is a Kolmogorov-Smirnov distance between the
 * two weightings seen as distributions over the loss ranking: 0 for the
 * same weights, 1 at most, and it reads as "at some depth k, the two put
 * shares differing by this much on the k hardest pixels".
 */
typedef struct lmpviz_match_input {
    size_t n_valid;
    float *loss;        /* n_valid valid losses, decreasing; owned */
    unsigned char *cls; /* their trainIds, or NULL; owned */
    float *ref;         /* the scheme's weights in the same order; owned */
    double ref_sum;
    size_t *ends; /* ends of the runs of equal losses; owned */
    size_t n_ends;
    double *ref_cum; /* the scheme's cumulative share at each end; owned */
    float *work;     /* n_valid floats of scratch; owned */
} lmpviz_match_input;

/* Computes the scheme's weights on in (in->loss required; in->cls for the
 * class schemes and the class shares) and sorts the valid pixels.
 * LMPVIZ_OK, LMPVIZ_ERR_INVALID_ARG (no valid pixel, every loss 0, an lmp
 * scheme, a scheme whose weights are all 0), LMPVIZ_ERR_SOLVER (the scheme
 * failed; err says why) or LMPVIZ_ERR_NOMEM.  out is zeroed on failure. */
lmpviz_status lmpviz_match_prepare(const lmp_scheme *scheme,
                                   const lmp_scheme_input *in,
                                   lmpviz_match_input *out,
                                   lmpviz_err *err);
/* Safe on a zeroed struct. */
void lmpviz_match_input_free(lmpviz_match_input *mi);

/* The distance at (p, m); also the mean absolute gap over the run ends in
 * *l1 (NULL allowed).  NaN on a solver failure or when LMP puts no weight. */
double
lmpviz_match_distance(lmpviz_match_input *mi, double p, double m, lmp_workspace *ws, double *l1);

typedef struct lmpviz_match_opts {
    double m_min; /* smallest m searched; <= 0: max(1/n, 1e-4) */
    double tol;   /* final step in 1/p and in log10 m; <= 0: 1e-3 */
} lmpviz_match_opts;

typedef struct lmpviz_match_result {
    double p, m;     /* best found */
    double distance; /* at (p, m) */
    double l1;       /* mean gap at (p, m) */
    size_t evaluations;
    double top1[2], top10[2]; /* [0] the scheme, [1] LMP at (p, m) */
    int have_classes;
    double class_share[2][LMPVIZ_CS_CLASSES]; /* shares of the total weight */
    double pixel_share[LMPVIZ_CS_CLASSES];
} lmpviz_match_result;

/* The search: every point of a grid over 1/p in {0, 0.1, ..., 1} and 17
 * values of log10 m from log10 m_min to 0, then a compass search from the
 * best point, halving its steps until they are below tol.  1/p and log10 m
 * are the coordinates because LMP's weights below theta go as l^(1/(p-1)),
 * whose shape moves evenly in 1/p, and supports are set in orders of
 * magnitude.  LMPVIZ_OK, LMPVIZ_ERR_SOLVER (every point failed) or
 * LMPVIZ_ERR_NOMEM. */
lmpviz_status lmpviz_match_search(lmpviz_match_input *mi,
                                  const lmpviz_match_opts *opts,
                                  lmp_workspace *ws,
                                  lmpviz_match_result *res,
                                  lmpviz_err *err);

/* Below this distance a match is called close (docs/choosing-p-m.md). */
#define LMPVIZ_MATCH_CLOSE 0.05

typedef struct lmpviz_match_fig_opts {
    const char *scheme_label;   /* legend text of the scheme */
    const lmpviz_heatmap *hm;   /* NULL, or the frame: adds the two heatmaps */
    const float *scheme_weight; /* with hm: the scheme's weights on hm's pixels */
    const float *lmp_weight;    /* with hm: LMP's at the match */
    lmpviz_cmap cmap;
    const char *title; /* NULL: automatic */
} lmpviz_match_fig_opts;

/* The two profiles (n·w over the pixels by decreasing loss, each
 * normalised to sum 1) and the two cumulative shares with the largest gap
 * marked; with opts->hm also the two weight maps on the frame on one
 * colour scale.  Solves LMP at res's (p, m) into mi->work.  Never NULL; a
 * failure (LMPVIZ_ERR_INVALID_ARG, LMPVIZ_ERR_SOLVER, LMPVIZ_ERR_NOMEM) is
 * the figure's status. */
lmpviz_figure *lmpviz_match_figure(lmpviz_match_input *mi,
                                   const lmpviz_match_result *res,
                                   const lmpviz_match_fig_opts *opts,
                                   lmp_workspace *ws);

#ifdef __cplusplus
}
#endif

#endif /* LMPVIZ_SWEEP_H */
