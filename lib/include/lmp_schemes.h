/*
 * lmp_schemes.h - the pixel-weighting schemes that LMP is compared with, on
 * the same inputs as lmp_solve: per-pixel losses (or true-class
 * probabilities, or classes) and an optional validity mask.
 *
 * Every scheme writes one weight per pixel; the loss it stands for is
 * sum_i w_i l_i.  All schemes except LMP are normalised: their weights sum
 * to 1 over the valid pixels (so the plain mean has w_i = 1/n).  LMP's
 * weights are its maximiser w*, passed through unchanged: by Hoelder,
 * sum_i w_i <= n^(1-1/p) ||w||_p <= n^(1-1/p) gamma = 1, with equality at
 * p = 1 and p = inf (when enough losses are positive) and below 1 in
 * between (0.53 at p = 1.5, m = 0.1 on a real Cityscapes loss map).
 *
 * Conventions shared by the schemes:
 *  - valid: NULL (every pixel counts) or n bytes, non-zero = valid.  Masked
 *    pixels get weight 0 and are not counted in n.
 *  - weight: n floats written by the call (caller-owned), 0 at masked pixels.
 *    It may not alias an input.
 *  - p_t, the probability of the true class: from lmp_scheme_input.pt when
 *    given, else from the cross-entropy loss as p_t = exp(-loss).  Schemes
 *    that rank pixels by hardness (OHEM, top-k) compare in the domain they
 *    were given (smaller p_t, or larger loss, is harder), so exp() never
 *    creates ties that the input does not have.
 *  - Ties are broken by value only, never by pixel order: pixels with equal
 *    inputs always get equal weights, and permuting the input permutes the
 *    weights.
 *  - Selections (OHEM's min_kept hardest, top-k) use an in-place quickselect
 *    on a scratch copy with a deterministic pivot: expected O(n), no sort.
 *    Scratch of n floats is allocated inside the call (LMP uses ws).
 *  - No printing, no globals; concurrent calls are safe.
 *
 * Only libc and libm are needed.
 */
#ifndef LMP_SCHEMES_H
#define LMP_SCHEMES_H

#include <stddef.h>

#include "lmp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lmp_scheme_kind {
    LMP_SCHEME_LMP = 0, /* lmp_solve with lmp_scheme.lmp (weights not normalised) */
    LMP_SCHEME_UNIFORM, /* w_i = 1/n: the mean loss */
    LMP_SCHEME_OHEM,    /* online hard example mining, as in segmentation toolkits */
    LMP_SCHEME_TOPK,    /* the k hardest pixels by loss, 1/k each */
    LMP_SCHEME_FOCAL,   /* w_i proportional to (1 - p_t)^gamma */
    LMP_SCHEME_INVFREQ, /* w_i proportional to 1 / freq(class_i) */
    LMP_SCHEME_MEDFREQ  /* w_i proportional to median_freq / freq(class_i) */
} lmp_scheme_kind;

#define LMP_SCHEME_COUNT 7

/*
 * Parameters of a scheme.  Each scheme reads only its own fields.
 *
 * OHEM (Shrivastava et al. 2016; the OhemCrossEntropy of HRNet and PSPNet's
 * semseg, mmsegmentation's OHEMPixelSampler with thresh set): with p_(k)
 * the k-th smallest p_t (k = min(min_kept, n)), the kept set is
 *     K = { i : p_t,i < thresh } united with { i : p_t,i <= p_(k) }
 * and w_i = 1/|K| on K.  So every pixel below thresh is kept, and at least
 * min_kept of the hardest; pixels tied with the min_kept-th hardest are all
 * kept.  Without ties this is exactly the toolkits' rule "threshold =
 * max(thresh, p_(min_kept+1)), keep p_t < threshold"; with ties at that
 * value they may keep fewer than min_kept, depending on pixel order.
 * min_kept = 0 keeps { p_t < thresh } only; when that set is empty the
 * weights are all 0 (sum 0, n_kept 0), as the toolkits' loss is then 0.
 *
 * TOP-K (hard-pixel mining by loss, "bootstrapped cross-entropy"): k_px =
 * clamp(k n, 1, n) (or clamp(k_pixels, 1, n)), real-valued.  With t the
 * ceil(k_px)-th largest loss, w_i = 1/k_px for l_i > t and the rest of the
 * mass, (k_px - #{l > t}) / k_px, is split equally among the losses equal
 * to t.  Without ties: the floor(k_px) largest at 1/k_px and the fraction on
 * the next.  This is LMP's p = 1 rule, so top-k equals lmp_solve with p = 1
 * and m = k whenever t > 0 (LMP gives zero losses weight 0; top-k does not
 * when t = 0, so that the weights still sum to 1).  Needs losses.
 *
 * FOCAL (Lin et al. 2017): w_i = (1 - p_t,i)^gamma / sum_j (1 - p_t,j)^gamma,
 * gamma >= 0.  gamma = 0 is the mean.  When every (1 - p_t)^gamma is 0
 * (all p_t = 1, so every loss is 0), the weights are uniform, the limit of
 * equal p_t.  From losses, 1 - p_t = -expm1(-loss), accurate for small
 * losses.  0^0 = 1.
 *
 * INVFREQ and MEDFREQ (class balancing; median frequency balancing from
 * Eigen & Fergus 2015, SegNet): a per-class factor alpha_c and w_i =
 * alpha_{c_i} / sum_j alpha_{c_j} over the valid pixels.  With class_weight
 * NULL the factors come from the image itself: alpha_c = 1/n_c (n_c valid
 * pixels of class c), so every class present gets the same total weight
 * 1/C_present.  Per image the two schemes coincide (median / freq_c is a
 * constant times 1/n_c); they differ with a split's statistics, computed by
 * lmp_class_factors and passed in class_weight.  Needs classes.
 */
typedef struct lmp_scheme {
    lmp_scheme_kind kind;
    lmp_params lmp;  /* LMP */
    double thresh;   /* OHEM: p_t threshold in [0, 1] (0.7 in the toolkits) */
    size_t min_kept; /* OHEM: at least this many hardest pixels (100000 in the toolkits) */
    double k;        /* TOPK: fraction of the valid pixels in (0, 1] */
    double k_pixels; /* TOPK: count >= 1; used instead of k when > 0 */
    double gamma;    /* FOCAL: >= 0 (2 in the paper) */
    const double *class_weight; /* INVFREQ/MEDFREQ: NULL, or n_classes factors alpha_c >= 0
                                   (borrowed for the call) */
    size_t n_classes;           /* INVFREQ/MEDFREQ: classes are 0..n_classes-1 (<= 256) */
} lmp_scheme;

/* One frame's inputs.  Which ones a scheme needs: LMP, UNIFORM, TOPK: loss
 * (UNIFORM needs nothing but n and valid); OHEM, FOCAL: pt or loss;
 * INVFREQ, MEDFREQ: cls.  Missing what is needed gives LMP_ERR_INVALID_ARG. */
typedef struct lmp_scheme_input {
    size_t n;
    const float *loss;          /* NULL or n losses >= 0 (finite where valid) */
    const float *pt;            /* NULL or n probabilities in [0, 1] where valid */
    const unsigned char *cls;   /* NULL or n class indices, < n_classes where valid */
    const unsigned char *valid; /* NULL or n bytes */
} lmp_scheme_input;

typedef struct lmp_scheme_result {
    size_t n_valid;    /* valid pixels */
    size_t n_kept;     /* pixels with a non-zero weight */
    double weight_sum; /* sum of the weights: 1, except LMP (and 0 when nothing is kept) */
    double value;      /* sum_i w_i l_i when losses were given, else NAN */
    double threshold;  /* OHEM: the effective p_t threshold max(thresh, p_(k)) (in
                          the loss domain when only losses were given: the loss
                          below which pixels are dropped); TOPK: t; else NAN */
    double k_px;       /* TOPK: the effective k_px; LMP: m_px; else NAN */
    size_t bad_index;  /* with LMP_ERR_INVALID_LOSS: the first bad input */
    float bad_value;
} lmp_scheme_result;

/* Checks the fields that kind reads: LMP_OK or LMP_ERR_INVALID_ARG. */
lmp_status lmp_scheme_check(const lmp_scheme *scheme);

/*
 * Weights of one scheme.  scheme and in and result not NULL; weight NULL
 * (statistics only) or n floats.  ws is used by LMP only (NULL allowed).
 *
 * Returns LMP_OK, LMP_ERR_INVALID_ARG (bad parameters, a needed input
 * missing, a class >= n_classes: bad_index names it), LMP_ERR_INVALID_LOSS
 * (a negative or non-finite loss, or a p_t outside [0, 1]: bad_index),
 * LMP_ERR_EMPTY (no valid pixel: weights 0, sum 0) or LMP_ERR_NOMEM.
 * Time: O(n) for UNIFORM, FOCAL, INVFREQ, MEDFREQ; expected O(n) for OHEM,
 * TOPK (quickselect) and LMP.
 */
lmp_status lmp_scheme_weights(const lmp_scheme *scheme,
                              const lmp_scheme_input *in,
                              float *weight,
                              lmp_scheme_result *result,
                              lmp_workspace *ws);

/* Short lower-case name: "lmp", "uniform", "ohem", "topk", "focal",
 * "invfreq", "medfreq"; "unknown" otherwise. */
const char *lmp_scheme_name(lmp_scheme_kind kind);

/*
 * Class factors alpha_c from a split's statistics, for class_weight.
 * count[c]: valid pixels of class c over the split; image_pixels[c]: the
 * valid pixels of the images in which c appears (MEDFREQ only; NULL for
 * INVFREQ).  With freq_c = count_c / sum(count) (INVFREQ) or count_c /
 * image_pixels_c (MEDFREQ, Eigen & Fergus):
 *     INVFREQ  alpha_c = 1 / freq_c
 *     MEDFREQ  alpha_c = median_c(freq_c) / freq_c   (median over classes
 *              with count > 0; the mean of the middle two for an even count)
 * Classes with count 0 get alpha 0.  LMP_OK or LMP_ERR_INVALID_ARG (NULL,
 * n_classes 0, kind not INVFREQ/MEDFREQ, a negative or non-finite count,
 * image_pixels[c] < count[c]), LMP_ERR_EMPTY (every count 0), LMP_ERR_NOMEM.
 */
lmp_status lmp_class_factors(lmp_scheme_kind kind,
                             const double *count,
                             const double *image_pixels,
                             size_t n_classes,
                             double *alpha);

#ifdef __cplusplus
}
#endif

#endif /* LMP_SCHEMES_H */
