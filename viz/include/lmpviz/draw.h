/*
 * lmpviz/draw.h - the pictures and class shares of `lmpviz heatmap` from
 * arrays in memory (a training loop's tensors) instead of files, returned
 * as pixels.  The arrays become the same lmpviz_heatmap (seg.h) that
 * `lmpviz heatmap` reads from its files, drawn by the same builder
 * (lmpviz_heatmap_figure) and rendered by the same code as its PNG
 * (lmpviz_figure_render_rgb), so the two agree pixel for pixel.
 *
 * Every struct here is plain data (pointers, sizes, ints and doubles), so
 * that ctypes and cffi can mirror it; the Python package checks its copies
 * against this header.
 */
#ifndef LMPVIZ_DRAW_H
#define LMPVIZ_DRAW_H

#include "lmpviz/core.h"
#include "lmpviz/figures.h"
#include "lmpviz/plot.h"
#include "lmpviz/seg.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One frame in memory.  Arrays are row-major, width x height pixels, and
 * borrowed: nothing keeps a pointer after a call.  A pixel is valid (counted
 * in n, drawn with its weight) when valid[i] != 0, or, without valid, when
 * its label is not ignored (every pixel without labels). */
typedef struct lmpviz_frame_arrays {
    const unsigned char *image; /* height x width x 3 RGB bytes; NULL: a grey frame */
    size_t width, height;
    const uint16_t *labels;       /* labelIds or trainIds (label_type), or NULL */
    lmpviz_label_type label_type; /* LMPVIZ_LABELS_ID (default) or _TRAINID */
    const unsigned char *valid;   /* 1 = valid, or NULL (see above) */
    const float *scores;          /* pred_kind PROBS or LOGITS: classes x height x width;
                                     LOSS: height x width losses; NULL: none */
    size_t classes;               /* PROBS and LOGITS: at least 2 */
    lmpviz_pred_kind pred_kind;
    const float *weight;      /* LMP weights; NULL: solved from the losses with params */
    lmp_params params;        /* p and m of the solve, and of the title */
    const lmp_result *result; /* with weight: that solve's result, or NULL (then tau,
                                 the cap of the colour scale, is the largest weight) */
} lmpviz_frame_arrays;

/* The picture of `lmpviz heatmap` (opts->panels: 0 the overlay with its
 * colour bar, 1 the six panels; the panels need labels and scores) into out.
 * The losses are those of `heatmap`: the cross-entropy of the scores
 * against the labels, or the loss map.  Errors name the argument at fault:
 * LMPVIZ_ERR_INVALID_ARG (a missing array, a size of 0, a weight that is
 * NaN, infinite or negative at a valid pixel), LMPVIZ_ERR_FORMAT (a label out
 * of range, scores that are not probabilities), LMPVIZ_ERR_SOLVER (a bad
 * loss), LMPVIZ_ERR_NOMEM, or the figure's failure.  out is zeroed on
 * failure; free it with lmpviz_pixels_free. */
lmpviz_status lmpviz_arrays_render(const lmpviz_frame_arrays *in,
                                   const lmpviz_heatmap_fig_opts *opts,
                                   lmpviz_pixels *out,
                                   lmpviz_err *err);

/* The overlay alone at the frame's size (no title, no colour bar): what the
 * overlay figure shows, pixel for pixel before it is scaled, for loggers
 * that want the frame's own size.  Errors as lmpviz_arrays_render. */
lmpviz_status lmpviz_arrays_overlay(const lmpviz_frame_arrays *in,
                                    const lmpviz_overlay_opts *opts,
                                    lmpviz_pixels *out,
                                    lmpviz_err *err);

/* The class shares of the frame (`lmpviz heatmap --stats`): the classes
 * present in trainId order, *n_rows of them.  Needs labels and losses (scores)
 * and weights or params.  Errors as lmpviz_arrays_render. */
lmpviz_status lmpviz_arrays_class_shares(const lmpviz_frame_arrays *in,
                                         lmpviz_class_row rows[LMPVIZ_CS_CLASSES],
                                         size_t *n_rows,
                                         lmpviz_err *err);

#ifdef __cplusplus
}
#endif

#endif /* LMPVIZ_DRAW_H */
