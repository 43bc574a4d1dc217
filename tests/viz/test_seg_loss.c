/* Tests of viz/src/seg_loss.c: cross-entropy from probabilities and logits
 * in both layouts, ignore pixels, bilinear and nearest resampling, argmax,
 * and the losses of the real network outputs in ../shared. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "heatmap_test_util.h"
#include "lmpviz.h"

/* float vs double arithmetic on the same formula */
#define LOSS_TOL 1e-5

static lmpviz_array
make_array(float *data, size_t a, size_t b, size_t c)
{
    lmpviz_array arr;
    memset(&arr, 0, sizeof arr);
    arr.data = data;
    arr.ndim = 3;
    arr.shape[0] = a;
    arr.shape[1] = b;
    arr.shape[2] = c;
    arr.count = a * b * c;
    return arr;
}

/* 19 classes on a 3x2 grid; the probabilities in both layouts must give
 * -log p_y, and ignored pixels 0 and valid = 0. */
static void
test_probs_layouts(void **state)
{
    enum { C = 19, H = 2, W = 3 };
    float chw[C * H * W], hwc[H * W * C];
    unsigned char train[H * W] = { 0, 5, 255, 18, 13, 0 };
    float loss[H * W];
    unsigned char valid[H * W];
    lmpviz_array arr;
    lmpviz_scores sc;
    lmpviz_err err;
    size_t c, i, nv;
    uint64_t rng = 7;

    (void)state;
    for (i = 0; i < H * W; i++) {
        double sum = 0.0, p[C];
        for (c = 0; c < C; c++)
            sum += p[c] = 0.01 + test_rand_unit(&rng);
        for (c = 0; c < C; c++) {
            chw[c * H * W + i] = (float)(p[c] / sum);
            hwc[i * C + c] = (float)(p[c] / sum);
        }
    }
    /* p_y = 0 at pixel 5 (clamped to eps), its mass moved to class 1 */
    chw[1 * H * W + 5] += chw[0 * H * W + 5];
    hwc[5 * C + 1] += hwc[5 * C + 0];
    chw[0 * H * W + 5] = 0.0f;
    hwc[5 * C + 0] = 0.0f;
    arr = make_array(chw, C, H, W);
    assert_int_equal(lmpviz_scores_view(&arr, LMPVIZ_LAYOUT_AUTO, &sc, &err), LMPVIZ_OK);
    assert_int_equal(sc.classes, C);
    assert_int_equal(sc.width, W);
    assert_int_equal(lmpviz_seg_loss(&sc, LMPVIZ_SCORES_PROBS, train, W, H, loss, valid, &nv, &err),
                     LMPVIZ_OK);
    assert_int_equal(nv, 5);
    for (i = 0; i < H * W; i++) {
        if (train[i] == 255) {
            assert_int_equal(valid[i], 0);
            assert_true(loss[i] == 0.0f);
        } else {
            double p = fmax(chw[train[i] * H * W + i], LMPVIZ_PROB_EPS);
            assert_int_equal(valid[i], 1);
            assert_true(fabs(loss[i] + log(p)) < LOSS_TOL);
        }
    }
    assert_true(fabs(loss[5] + log(LMPVIZ_PROB_EPS)) < LOSS_TOL);

    arr = make_array(hwc, H, W, C);
    {
        float loss2[H * W];
        unsigned char valid2[H * W];
        assert_int_equal(lmpviz_scores_view(&arr, LMPVIZ_LAYOUT_AUTO, &sc, &err), LMPVIZ_OK);
        assert_int_equal(sc.x_stride, C);
        assert_int_equal(
            lmpviz_seg_loss(&sc, LMPVIZ_SCORES_PROBS, train, W, H, loss2, valid2, NULL, &err),
            LMPVIZ_OK);
        assert_memory_equal(loss, loss2, sizeof loss);
        assert_memory_equal(valid, valid2, sizeof valid);
    }
}

/* Logits: log-softmax without overflow for huge values, equal to the loss of
 * the softmax probabilities. */
static void
test_logits_stable(void **state)
{
    float z[3 * 1 * 2] = { 1000.0f, -5.0f, 999.0f, 0.0f, 998.0f, 5.0f }; /* CHW: 3 classes, 1x2 */
    unsigned char train[2] = { 2, 0 };
    float loss[2];
    unsigned char valid[2];
    lmpviz_array arr = make_array(z, 3, 1, 2);
    lmpviz_scores sc;
    lmpviz_err err;
    double lse0, lse1;

    (void)state;
    memset(&err, 0, sizeof err);
    assert_int_equal(lmpviz_scores_view(&arr, LMPVIZ_LAYOUT_AUTO, &sc, &err), LMPVIZ_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "--layout"));
    assert_int_equal(lmpviz_scores_view(&arr, LMPVIZ_LAYOUT_CHW, &sc, &err), LMPVIZ_OK);
    assert_int_equal(
        lmpviz_seg_loss(&sc, LMPVIZ_SCORES_LOGITS, train, 2, 1, loss, valid, NULL, &err),
        LMPVIZ_OK);
    lse0 = 1000.0 + log(1.0 + exp(-1.0) + exp(-2.0));
    lse1 = 5.0 + log(exp(-10.0) + exp(-5.0) + 1.0);
    assert_true(isfinite(loss[0]) && isfinite(loss[1]));
    assert_true(fabs(loss[0] - (lse0 - 998.0)) < LOSS_TOL);
    assert_true(fabs(loss[1] - (lse1 + 5.0)) < LOSS_TOL);
}

static void
test_bad_scores(void **state)
{
    float p[19 * 1 * 1];
    unsigned char train[1] = { 3 };
    float loss[1];
    unsigned char valid[1];
    lmpviz_array arr = make_array(p, 19, 1, 1);
    lmpviz_array flat;
    lmpviz_scores sc;
    lmpviz_err err;
    size_t i;

    (void)state;
    for (i = 0; i < 19; i++)
        p[i] = 1.0f / 19.0f;
    assert_int_equal(lmpviz_scores_view(&arr, LMPVIZ_LAYOUT_AUTO, &sc, &err), LMPVIZ_OK);
    p[4] = NAN;
    memset(&err, 0, sizeof err);
    assert_int_equal(
        lmpviz_seg_loss(&sc, LMPVIZ_SCORES_PROBS, train, 1, 1, loss, valid, NULL, &err),
        LMPVIZ_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "class 4"));
    p[4] = -0.5f;
    assert_int_equal(
        lmpviz_seg_loss(&sc, LMPVIZ_SCORES_PROBS, train, 1, 1, loss, valid, NULL, &err),
        LMPVIZ_ERR_FORMAT);
    /* a negative logit is fine */
    assert_int_equal(
        lmpviz_seg_loss(&sc, LMPVIZ_SCORES_LOGITS, train, 1, 1, loss, valid, NULL, &err),
        LMPVIZ_OK);
    /* label beyond the classes */
    arr = make_array(p, 3, 1, 1);
    p[0] = p[1] = 0.3f;
    p[2] = 0.4f;
    assert_int_equal(lmpviz_scores_view(&arr, LMPVIZ_LAYOUT_CHW, &sc, &err), LMPVIZ_OK);
    memset(&err, 0, sizeof err);
    assert_int_equal(
        lmpviz_seg_loss(&sc, LMPVIZ_SCORES_PROBS, train, 1, 1, loss, valid, NULL, &err),
        LMPVIZ_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "label class 3"));
    /* not 3-d */
    flat = arr;
    flat.ndim = 2;
    memset(&err, 0, sizeof err);
    assert_int_equal(lmpviz_scores_view(&flat, LMPVIZ_LAYOUT_AUTO, &sc, &err), LMPVIZ_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "2-d"));
}

/* align_corners=False: a 2-pixel ramp [0, 1] upsampled to 4 gives
 * 0, 0.25, 0.75, 1 (PyTorch's F.interpolate, bilinear). */
static void
test_bilinear(void **state)
{
    float src[2] = { 0.0f, 1.0f }, dst[4];
    float cst[6] = { 2.5f, 2.5f, 2.5f, 2.5f, 2.5f, 2.5f }, big[35];
    size_t i;

    (void)state;
    assert_int_equal(lmpviz_resize_bilinear_f32(src, 2, 1, dst, 4, 1), LMPVIZ_OK);
    assert_true(fabsf(dst[0] - 0.0f) < 1e-7f);
    assert_true(fabsf(dst[1] - 0.25f) < 1e-7f);
    assert_true(fabsf(dst[2] - 0.75f) < 1e-7f);
    assert_true(fabsf(dst[3] - 1.0f) < 1e-7f);
    assert_int_equal(lmpviz_resize_bilinear_f32(cst, 3, 2, big, 7, 5), LMPVIZ_OK);
    for (i = 0; i < 35; i++)
        assert_true(big[i] == 2.5f);
}

static void
test_nearest(void **state)
{
    unsigned char src[4] = { 1, 2, 3, 4 }, dst[16], down[4];
    unsigned char want[16] = { 1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4 };

    (void)state;
    lmpviz_resize_nearest_u8(src, 2, 2, dst, 4, 4);
    assert_memory_equal(dst, want, 16);
    lmpviz_resize_nearest_u8(dst, 4, 4, down, 2, 2);
    assert_memory_equal(down, src, 4);
}

/* Scores at half the size: the loss equals -log of the bilinearly
 * interpolated p_y, and argmax follows the interpolated scores. */
static void
test_resized_loss_and_argmax(void **state)
{
    enum { C = 19 };
    float p[C * 1 * 2];
    unsigned char train[4] = { 1, 1, 1, 2 }, pred[4];
    float loss[4];
    unsigned char valid[4];
    lmpviz_array arr = make_array(p, C, 1, 2);
    lmpviz_scores sc;
    lmpviz_err err;
    double want[4] = { 0.1, 0.1 + 0.25 * 0.8, 0.1 + 0.75 * 0.8, 0.9 };
    size_t i;

    (void)state;
    memset(p, 0, sizeof p);
    /* class 1: 0.1 then 0.9; class 2: 0.9 then 0.1 */
    p[1 * 2 + 0] = 0.1f;
    p[1 * 2 + 1] = 0.9f;
    p[2 * 2 + 0] = 0.9f;
    p[2 * 2 + 1] = 0.1f;
    assert_int_equal(lmpviz_scores_view(&arr, LMPVIZ_LAYOUT_AUTO, &sc, &err), LMPVIZ_OK);
    assert_int_equal(
        lmpviz_seg_loss(&sc, LMPVIZ_SCORES_PROBS, train, 4, 1, loss, valid, NULL, &err), LMPVIZ_OK);
    for (i = 0; i < 3; i++)
        assert_true(fabs(loss[i] + log(want[i])) < 1e-5);
    assert_true(fabs(loss[3] + log(0.1)) < 1e-5); /* class 2 at the right edge */
    assert_int_equal(lmpviz_seg_argmax(&sc, 4, 1, pred), LMPVIZ_OK);
    assert_int_equal(pred[0], 2);
    assert_int_equal(pred[1], 2);
    assert_int_equal(pred[2], 1);
    assert_int_equal(pred[3], 1);
}

/* The real network outputs: the losses from the float16 probabilities are
 * -log p_y and agree with the float32 loss maps computed from the logits
 * (SOURCES.md: within about 0.002 nats except where p < 1e-4). */
static void
test_real_probs(void **state)
{
    char b1[1024], b2[1024], b3[1024];
    const char *probs =
        shared_file(b1, sizeof b1, "leftImg8bit/val/frankfurt/frankfurt_000000_000294_probs.npy");
    const char *ref =
        shared_file(b2, sizeof b2, "leftImg8bit/val/frankfurt/frankfurt_000000_000294_loss.npy");
    const char *lab =
        shared_file(b3, sizeof b3,
                    "leftImg8bit/val/frankfurt/frankfurt_000000_000294_gtFine_labelIds_small.png");
    lmpviz_array pa, la;
    lmpviz_labelmap lm;
    lmpviz_scores sc;
    lmpviz_err err;
    unsigned char *train, *valid;
    float *loss;
    size_t i, n, nv = 0, close = 0;

    (void)state;
    if (probs == NULL || ref == NULL || lab == NULL)
        skip();
    assert_int_equal(lmpviz_npy_read_float(probs, &pa, &err), LMPVIZ_OK);
    assert_string_equal(pa.descr, "<f2");
    assert_int_equal(lmpviz_npy_read_float(ref, &la, &err), LMPVIZ_OK);
    assert_int_equal(lmpviz_labelmap_read(lab, &lm, &err), LMPVIZ_OK);
    assert_int_equal(lmpviz_scores_view(&pa, LMPVIZ_LAYOUT_AUTO, &sc, &err), LMPVIZ_OK);
    assert_int_equal(sc.width, lm.width);
    n = lm.width * lm.height;
    train = malloc(n);
    valid = malloc(n);
    loss = malloc(n * sizeof *loss);
    assert_int_equal(lmpviz_cs_to_trainids(lm.data, n, lm.width, LMPVIZ_LABELS_ID, train, &err),
                     LMPVIZ_OK);
    assert_int_equal(lmpviz_seg_loss(&sc, LMPVIZ_SCORES_PROBS, train, lm.width, lm.height, loss,
                                     valid, &nv, &err),
                     LMPVIZ_OK);
    for (i = 0; i < n; i++) {
        if (!valid[i]) {
            assert_true(loss[i] == 0.0f);
            assert_true(la.data[i] == 0.0f); /* ignore pixels are 0 there too */
            continue;
        }
        assert_true(fabs(loss[i] + log(fmax(pa.data[train[i] * n + i], LMPVIZ_PROB_EPS))) <
                    LOSS_TOL);
        close += fabs(loss[i] - la.data[i]) < 0.01;
    }
    assert_true(nv > n / 2);
    assert_true((double)close >= 0.98 * (double)nv);
    free(train);
    free(valid);
    free(loss);
    lmpviz_array_free(&pa);
    lmpviz_array_free(&la);
    lmpviz_labelmap_free(&lm);
}

/* Probabilities whose class sums are not 1: refused with the pixel and
 * the sum; --logits suggested where values above 1 look like scores. */
static void
test_prob_sums(void **state)
{
    enum { C = 19, H = 1, W = 2 };
    float p[C * H * W];
    unsigned char train[W] = { 3, 4 };
    float loss[W];
    unsigned char valid[W];
    lmpviz_array arr = make_array(p, C, H, W);
    lmpviz_scores sc;
    lmpviz_err err;
    size_t i;

    (void)state;
    for (i = 0; i < C * W; i++)
        p[i] = 1.0f / C;
    assert_int_equal(lmpviz_scores_view(&arr, LMPVIZ_LAYOUT_CHW, &sc, &err), LMPVIZ_OK);
    assert_int_equal(
        lmpviz_seg_loss(&sc, LMPVIZ_SCORES_PROBS, train, W, H, loss, valid, NULL, &err), LMPVIZ_OK);
    /* scores at pixel (1, 0): 4 for class 0, 1/18 for the others */
    for (i = 0; i < C; i++)
        p[i * W + 1] = 1.0f / 18.0f;
    p[0 * W + 1] = 4.0f;
    assert_int_equal(
        lmpviz_seg_loss(&sc, LMPVIZ_SCORES_PROBS, train, W, H, loss, valid, NULL, &err),
        LMPVIZ_ERR_FORMAT);
    assert_string_equal(err.msg, "expected probabilities that sum to 1 over the 19 classes, got "
                                 "a sum of 5 at pixel (1, 0) (values above 1 look like scores: "
                                 "for logits use --logits)");
    /* sums of 0.01, as from the wrong tensor: no suggestion */
    for (i = 0; i < C; i++)
        p[i * W + 1] = 0.01f / C;
    assert_int_equal(
        lmpviz_seg_loss(&sc, LMPVIZ_SCORES_PROBS, train, W, H, loss, valid, NULL, &err),
        LMPVIZ_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "got a sum of 0.01 at pixel (1, 0)"));
    assert_null(strstr(err.msg, "--logits"));
    /* the bounds of the tolerance, as float16 rounding gives */
    for (i = 0; i < C; i++)
        p[i * W + 1] = 0.0f;
    p[3 * W + 1] = 0.995f;
    assert_int_equal(
        lmpviz_seg_loss(&sc, LMPVIZ_SCORES_PROBS, train, W, H, loss, valid, NULL, &err), LMPVIZ_OK);
    p[3 * W + 1] = 0.985f;
    assert_int_equal(
        lmpviz_seg_loss(&sc, LMPVIZ_SCORES_PROBS, train, W, H, loss, valid, NULL, &err),
        LMPVIZ_ERR_FORMAT);
    /* a float16 probability just above 1 (1 + 2^-10) and nothing else: a
     * valid pixel of loss 0, not a negative loss */
    p[3 * W + 1] = 0.0f;
    p[4 * W + 1] = 1.0009765625f;
    assert_int_equal(
        lmpviz_seg_loss(&sc, LMPVIZ_SCORES_PROBS, train, W, H, loss, valid, NULL, &err), LMPVIZ_OK);
    assert_true(loss[1] == 0.0f);
    assert_int_equal(valid[1], 1);
    /* a negative value suggests --logits */
    p[0] = -0.5f;
    assert_int_equal(
        lmpviz_seg_loss(&sc, LMPVIZ_SCORES_PROBS, train, W, H, loss, valid, NULL, &err),
        LMPVIZ_ERR_FORMAT);
    assert_string_equal(err.msg, "expected probabilities >= 0, got -0.5 at class 0, pixel (0, 0); "
                                 "for logits use --logits");
}

/* Logits whose largest value is in a middle class, and argmax ties (the
 * lowest class wins). */
static void
test_logits_middle_max_and_ties(void **state)
{
    enum { C = 19 };
    float z[C];
    unsigned char train[1] = { 9 }, valid[1], pred[1];
    float loss[1];
    lmpviz_array arr = make_array(z, C, 1, 1);
    lmpviz_scores sc;
    lmpviz_err err;
    double sum = 0.0, want;
    size_t c;

    (void)state;
    for (c = 0; c < C; c++)
        z[c] = (float)c * 0.25f;
    z[9] = 40.0f; /* the largest, in the middle */
    for (c = 0; c < C; c++)
        sum += exp((double)z[c] - 40.0);
    want = log(sum); /* -log softmax_9 */
    assert_int_equal(lmpviz_scores_view(&arr, LMPVIZ_LAYOUT_CHW, &sc, &err), LMPVIZ_OK);
    assert_int_equal(
        lmpviz_seg_loss(&sc, LMPVIZ_SCORES_LOGITS, train, 1, 1, loss, valid, NULL, &err),
        LMPVIZ_OK);
    assert_true(fabs((double)loss[0] - want) <= 1e-6 * want + 1e-12);
    assert_int_equal(lmpviz_seg_argmax(&sc, 1, 1, pred), LMPVIZ_OK);
    assert_int_equal(pred[0], 9);
    /* a tie between classes 4 and 12: 4 */
    z[9] = 0.0f;
    z[4] = z[12] = 50.0f;
    assert_int_equal(lmpviz_seg_argmax(&sc, 1, 1, pred), LMPVIZ_OK);
    assert_int_equal(pred[0], 4);
}

/* The boundary of the 19 train classes: trainId 18 (bicycle, labelId 33) is
 * a class, 19 is one past the scores' classes and refused, naming it. */
static void
test_train_id_19(void **state)
{
    float p[19];
    unsigned char train[2] = { 18, 19 };
    float loss[2];
    unsigned char valid[2];
    lmpviz_array arr = make_array(p, 19, 1, 1);
    lmpviz_scores sc;
    lmpviz_err err;
    size_t i;

    (void)state;
    for (i = 0; i < 19; i++)
        p[i] = 1.0f / 19.0f;
    assert_int_equal(lmpviz_cs_trainid_of_id(33), 18);
    assert_int_equal(lmpviz_scores_view(&arr, LMPVIZ_LAYOUT_CHW, &sc, &err), LMPVIZ_OK);
    assert_int_equal(
        lmpviz_seg_loss(&sc, LMPVIZ_SCORES_PROBS, train, 1, 1, loss, valid, NULL, &err), LMPVIZ_OK);
    assert_true(valid[0] == 1 && fabsf(loss[0] - logf(19.0f)) < 1e-5f);
    memset(&err, 0, sizeof err);
    assert_int_equal(
        lmpviz_seg_loss(&sc, LMPVIZ_SCORES_PROBS, train + 1, 1, 1, loss, valid, NULL, &err),
        LMPVIZ_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "label class 19"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probs_layouts),
        cmocka_unit_test(test_logits_stable),
        cmocka_unit_test(test_bad_scores),
        cmocka_unit_test(test_train_id_19),
        cmocka_unit_test(test_bilinear),
        cmocka_unit_test(test_nearest),
        cmocka_unit_test(test_resized_loss_and_argmax),
        cmocka_unit_test(test_real_probs),
        cmocka_unit_test(test_prob_sums),
        cmocka_unit_test(test_logits_middle_max_and_ties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
