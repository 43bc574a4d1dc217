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

#ifdef __cplusplus
}
#endif

#endif /* LMPVIZ_SEG_H */
