/*
 * lmpviz/seg.h - segmentation: Cityscapes labels, losses from model
 * outputs, resizing and per-class statistics of LMP weights.
 */
#ifndef LMPVIZ_SEG_H
#define LMPVIZ_SEG_H

#include "lmpviz/core.h"
#include "lmpviz/io.h"
#include "lmpviz/plot.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Cityscapes labels (the official table, compiled in).
 */
#define LMPVIZ_CS_CLASSES 19  /* trainIds 0..18 */
#define LMPVIZ_CS_IGNORE  255 /* trainId of pixels left out of the loss */
#define LMPVIZ_CS_MAX_ID  33  /* largest labelId */

typedef enum lmpviz_label_type {
    LMPVIZ_LABELS_ID = 0, /* *_gtFine_labelIds.png: ids 0..33 */
    LMPVIZ_LABELS_TRAINID /* *_gtFine_labelTrainIds.png: 0..18 and 255 */
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
lmpviz_status
lmpviz_seg_argmax(const lmpviz_scores *scores, size_t width, size_t height, unsigned char *pred);

/* Resampling of row-major grids: nearest neighbour (labels) and bilinear
 * with aligned pixel centres (scores, losses; LMPVIZ_OK or
 * LMPVIZ_ERR_NOMEM). */
void lmpviz_resize_nearest_u8(
    const unsigned char *src, size_t sw, size_t sh, unsigned char *dst, size_t dw, size_t dh);
lmpviz_status lmpviz_resize_bilinear_f32(
    const float *src, size_t sw, size_t sh, float *dst, size_t dw, size_t dh);

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
 * One frame's inputs, end to end (`lmpviz heatmap`, `lmpviz compare`): read
 * the frame (optional), the labels and the model output, compute the
 * per-pixel losses and the LMP weights.
 */
typedef enum lmpviz_pred_kind {
    LMPVIZ_PRED_PROBS = 0, /* class probabilities, (C,H,W) or (H,W,C) */
    LMPVIZ_PRED_LOGITS,    /* logits, same shapes */
    LMPVIZ_PRED_LOSS       /* a per-pixel loss map (H,W) */
} lmpviz_pred_kind;

typedef struct lmpviz_heatmap_input {
    const char *image;  /* frame PNG, or NULL: no frame, the labels set the size */
    const char *labels; /* label PNG */
    const char *pred;   /* .npy */
    lmpviz_pred_kind pred_kind;
    lmpviz_label_type label_type;
    lmpviz_layout layout;
    int resize;        /* resample labels (nearest) and scores (bilinear) to the frame */
    int want_argmax;   /* also fill lmpviz_heatmap.pred (scores only) */
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
lmpviz_status
lmpviz_heatmap_solved(lmpviz_heatmap *hm, const char *pred_path, lmp_status ls, lmpviz_err *err);
/* Safe on a zeroed struct. */
void lmpviz_heatmap_free(lmpviz_heatmap *hm);

#ifdef __cplusplus
}
#endif

#endif /* LMPVIZ_SEG_H */
