/*
 * notebook.h - teaching notebooks (Jupyter, nbformat 4.5) that reproduce the
 * paper's figures: markdown cells with the mathematics, Python cells (NumPy
 * and matplotlib) that redraw the figure from data embedded in the notebook
 * and re-solve LMP with a short sort-based NumPy solver, and the figure that
 * lmpviz rendered pre-filled as the output (image/png), so the notebook reads
 * well without being run.
 *
 * The JSON is built with jansson.  Uses lmp.h and lmpviz.h only; nothing here
 * prints or exits.  Calls that compute or write return lmpviz_status; err
 * (NULL accepted) receives one line saying why.  A notebook keeps its errors
 * as a figure does (docs/DESIGN.md, section 3): it records its first
 * failure, later calls on it do nothing, the calls that add to it return
 * nothing, and lmpnb_notebook_status, lmpnb_notebook_error and
 * lmpnb_notebook_save report the failure:
 *
 *     lmpnb_notebook *nb = lmpnb_notebook_create();
 *     lmpnb_notebook_add_markdown(nb, "# Title");
 *     lmpnb_notebook_add_code(nb, "x = 1", NULL, 0, NULL);
 *     st = lmpnb_notebook_save(nb, "out.ipynb", &err);  // any failure, with err
 *     lmpnb_notebook_destroy(nb);
 */
#ifndef LMPNB_NOTEBOOK_H
#define LMPNB_NOTEBOOK_H

#include <stddef.h>

#include "lmp.h"
#include "lmpviz.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LMPNB_NBFORMAT       4
#define LMPNB_NBFORMAT_MINOR 5 /* 4.5: every cell has an id */

/* Limits that keep a notebook small: the losses of a curve, and the numbers
 * of all its curves' weights together. */
#define LMPNB_MAX_LOSSES  5000
#define LMPNB_MAX_NUMBERS 50000
/* Heatmap: the n·w map is block-averaged down to this width, and at most
 * this many valid pixels (every k-th) are embedded with their loss and n·w. */
#define LMPNB_MAP_WIDTH  96
#define LMPNB_MAX_SAMPLE 2000
/* Heatmap: the loss map itself, every k-th pixel in both directions, at most
 * this wide (float32 in base64), so that the notebook can re-solve and
 * redraw the whole map for any p and m. */
#define LMPNB_LOSS_MAP_WIDTH 192

typedef struct lmpnb_notebook lmpnb_notebook;

/* An empty notebook with nbformat 4.5 metadata (kernelspec python3,
 * language_info python).  Never NULL: when out of memory, a nil notebook
 * whose status is LMPVIZ_ERR_NOMEM. */
lmpnb_notebook *lmpnb_notebook_create(void);
/* destroy of NULL or of a nil notebook does nothing. */
void lmpnb_notebook_destroy(lmpnb_notebook *nb);
/* The notebook's first failure (LMPVIZ_OK when none), and its message (""
 * when none); LMPVIZ_ERR_INVALID_ARG and "no notebook" for NULL. */
lmpviz_status lmpnb_notebook_status(const lmpnb_notebook *nb);
const char *lmpnb_notebook_error(const lmpnb_notebook *nb);

/* Adds a markdown cell (UTF-8 text, copied).  Failures (LMPVIZ_ERR_NOMEM;
 * LMPVIZ_ERR_INVALID_ARG for NULL text) are the notebook's. */
void lmpnb_notebook_add_markdown(lmpnb_notebook *nb, const char *text);
/* Adds a code cell; with png (png_len bytes, NULL for none) its output is
 * pre-filled with the image (display_data, image/png in base64) and
 * alt_text as text/plain.  Failures as for add_markdown. */
void lmpnb_notebook_add_code(lmpnb_notebook *nb,
                             const char *source,
                             const unsigned char *png,
                             size_t png_len,
                             const char *alt_text);
/* Folds the source of the last cell (metadata.jupyter.source_hidden, and
 * the tag "solution"): a worked solution that a reader opens on purpose.
 * With no cell, the notebook fails with LMPVIZ_ERR_INVALID_ARG. */
void lmpnb_notebook_fold_last(lmpnb_notebook *nb);
/* metadata.lmpviz.KEY = value (strings), e.g. the version and the command
 * that made the notebook. */
void lmpnb_notebook_set_info(lmpnb_notebook *nb, const char *key, const char *value);
/* Writes the notebook as JSON atomically (a failure leaves no file).  The
 * notebook's failure (nothing is written; err gets its message),
 * LMPVIZ_ERR_IO or LMPVIZ_ERR_NOMEM. */
lmpviz_status lmpnb_notebook_save(const lmpnb_notebook *nb, const char *path, lmpviz_err *err);
/* The number of cells. */
size_t lmpnb_notebook_cell_count(const lmpnb_notebook *nb);

/* Standard base64 (RFC 4648, padded, no line breaks) of len bytes into dst,
 * which needs lmpnb_base64_size(len) bytes; NUL-terminated.  Returns the
 * length written (without the NUL). */
size_t lmpnb_base64_size(size_t len);
size_t lmpnb_base64_encode(const unsigned char *src, size_t len, char *dst);

/* The figure as PNG bytes in memory (malloc'ed, caller frees).  LMPVIZ_OK,
 * LMPVIZ_ERR_CAIRO, LMPVIZ_ERR_IO or LMPVIZ_ERR_NOMEM. */
lmpviz_status
lmpnb_figure_png(lmpviz_figure *fig, unsigned char **png, size_t *len, lmpviz_err *err);

/* ------------------------------------------------------------------------
 * The notebooks of the figures.  Each returns a new notebook, never NULL: a
 * failure (a bad input, a figure that cannot be rendered, no memory) is the
 * notebook's status and message, which lmpnb_notebook_save reports.
 * command (may be NULL) is the lmpviz command line that draws the same
 * figure, quoted in the text; fig is the figure lmpviz drew (rendered to
 * PNG here, not kept).
 */

/* `lmpviz curve` (one data set) or `--figure paper` (two, one per panel).
 * The sets share n and the losses (sorted decreasing, as
 * lmpviz_curve_compute leaves them).  source says where the losses came
 * from.  The notebook fails with LMPVIZ_ERR_INVALID_ARG when n >
 * LMPNB_MAX_LOSSES or all weights together exceed LMPNB_MAX_NUMBERS. */
typedef struct lmpnb_curve_input {
    const lmpviz_curve_data *sets[2];
    size_t n_sets;
    int paper;
    lmpviz_curve_view view;
    int logy;
    const char *source;
    const char *command;
    lmpviz_figure *fig;
} lmpnb_curve_input;

lmpnb_notebook *lmpnb_curve_notebook(const lmpnb_curve_input *in);
/* The limits of the curve notebook: LMPVIZ_OK when n losses and n_weights
 * weights in all can be embedded, else LMPVIZ_ERR_INVALID_ARG and err says
 * how to draw fewer. */
lmpviz_status lmpnb_curve_fits(size_t n, size_t n_weights, lmpviz_err *err);

/* `lmpviz region`: the sets of opts, and w* from lmp_solve for its losses. */
typedef struct lmpnb_region_input {
    const lmpviz_region_opts *opts;
    const char *command;
    lmpviz_figure *fig;
} lmpnb_region_input;

lmpnb_notebook *lmpnb_region_notebook(const lmpnb_region_input *in);

/* `lmpviz heatmap` for one frame: the downscaled overlay (fig), the per-class
 * table (markdown and data), a block-averaged n·w map, a sample of the
 * valid pixels' losses and weights, the absolute paths of the inputs, and
 * the loss map at reduced resolution (LMPNB_LOSS_MAP_WIDTH) with lmpviz's
 * solution on it, from which the notebook re-solves and redraws the whole
 * map for any p and m. */
typedef struct lmpnb_heatmap_input {
    const lmpviz_heatmap *hm;
    const char *image, *labels, *pred; /* file names, for the text */
    const char *command;
    lmpviz_figure *fig;
} lmpnb_heatmap_input;

lmpnb_notebook *lmpnb_heatmap_notebook(const lmpnb_heatmap_input *in);

/* The lecture notebooks, which need no input: the derivation of the closed
 * form (KKT, uniqueness of theta, Hoelder, the limits) and the algorithms
 * (the paper's sorted scan, the selection solver in pure Python, timings).
 * command (may be NULL) goes to metadata.lmpviz.command.  They fail only
 * when out of memory (LMPVIZ_ERR_NOMEM). */
lmpnb_notebook *lmpnb_derivation_notebook(const char *command);
lmpnb_notebook *lmpnb_algorithms_notebook(const char *command);

/* `lmpviz compare` on one input: the weights of every scheme over the
 * pixels sorted by decreasing loss, at most LMPNB_COMPARE_POINTS ranks
 * (evenly spaced over the valid pixels, first and last included), with
 * their losses, each scheme's n w there and its top-k share curve, the
 * sums, and per-class shares when cls is given.  fig is the profile figure
 * lmpviz drew. */
#define LMPNB_COMPARE_POINTS 2000
typedef struct lmpnb_compare_input {
    const lmpviz_compare_data *d;
    const unsigned char *cls; /* trainIds aligned with d's pixels, or NULL */
    const char *source;       /* where the losses came from, for the text */
    const char *command;
    lmpviz_figure *fig;
} lmpnb_compare_input;

lmpnb_notebook *lmpnb_compare_notebook(const lmpnb_compare_input *in);

#ifdef __cplusplus
}
#endif

#endif /* LMPNB_NOTEBOOK_H */
