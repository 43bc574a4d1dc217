/* Tests of viz/src/figures/frame_arrays.c and lmpviz_figure_render_rgb: the
 * heatmap's pictures from arrays in memory equal, pixel for pixel, the PNG
 * that the file pipeline of `lmpviz heatmap` writes for the same frame
 * (lmpviz_heatmap_compute, lmpviz_heatmap_figure, lmpviz_figure_save); the
 * overlay raster, the class shares, and the errors, which name the argument
 * at fault. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../cli/cli_test_util.h"
#include "heatmap_test_util.h"
#include "lmpviz.h"

/* Shares are sums of doubles divided by their total. */
#define SHARE_TOL 1e-12

/* A synthetic frame in memory and on disk: W x H pixels, a gradient image,
 * labelIds of road, car, person and ignored, softmax probabilities with a
 * known true-class probability per pixel. */
enum { W = 96, H = 40, C = 19 };

typedef struct frame {
    unsigned char rgb[W * H * 3];
    uint16_t ids[W * H];
    float probs[C * H * W];
    char img[256], lab[256], prb[256];
} frame;

static void
make_frame(fixture *fx, frame *f)
{
    static const unsigned char pick[4] = { 7, 26, 24, 0 };
    unsigned char ids8[W * H];
    size_t shape[3] = { C, H, W }, i, c;
    uint64_t s = 12345;

    for (i = 0; i < W * H; i++) {
        size_t x = i % W, y = i / W;
        f->rgb[3 * i] = (unsigned char)(2 * x);
        f->rgb[3 * i + 1] = (unsigned char)(5 * y);
        f->rgb[3 * i + 2] = (unsigned char)(x * y);
        ids8[i] = pick[(x / 17 + y / 9) % 4];
        f->ids[i] = ids8[i];
    }
    for (i = 0; i < W * H; i++) {
        int t = lmpviz_cs_trainid_of_id(f->ids[i]);
        double py;
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        py = 0.02 + 0.96 * (double)(s >> 11) / 9007199254740992.0;
        for (c = 0; c < C; c++)
            f->probs[c * H * W + i] = (float)(t != 255 ? (1.0 - py) / (C - 1) : 1.0 / C);
        if (t != 255)
            f->probs[(size_t)t * H * W + i] = (float)py;
    }
    snprintf(f->img, sizeof f->img, "%s", in_dir(fx, "f.png"));
    snprintf(f->lab, sizeof f->lab, "%s", in_dir(fx, "l.png"));
    snprintf(f->prb, sizeof f->prb, "%s", in_dir(fx, "p.npy"));
    assert_int_equal(lmpviz_png_write(f->img, f->rgb, W, H, W * 3, 3, 8, -1, NULL), LMPVIZ_OK);
    assert_int_equal(lmpviz_png_write(f->lab, ids8, W, H, W, 1, 8, -1, NULL), LMPVIZ_OK);
    npy_write_f32(f->prb, shape, 3, f->probs);
}

static lmpviz_frame_arrays
arrays_of(const frame *f, const lmp_params *prm)
{
    lmpviz_frame_arrays a;

    memset(&a, 0, sizeof a);
    a.image = f->rgb;
    a.width = W;
    a.height = H;
    a.labels = f->ids;
    a.label_type = LMPVIZ_LABELS_ID;
    a.scores = f->probs;
    a.classes = C;
    a.pred_kind = LMPVIZ_PRED_PROBS;
    a.params = *prm;
    return a;
}

/* What `lmpviz heatmap` writes for the frame with these options, decoded. */
static void
cli_png(fixture *fx,
        const frame *f,
        const lmp_params *prm,
        const lmpviz_heatmap_fig_opts *fo,
        lmpviz_image *out)
{
    lmpviz_heatmap_input in;
    lmpviz_heatmap hm;
    lmpviz_figure *fig;
    lmpviz_err err;
    char png[256];

    memset(&in, 0, sizeof in);
    in.image = f->img;
    in.labels = f->lab;
    in.pred = f->prb;
    in.want_argmax = fo->panels;
    assert_int_equal(lmpviz_heatmap_compute(&in, prm, NULL, &hm, &err), LMPVIZ_OK);
    fig = lmpviz_heatmap_figure(&hm, fo);
    snprintf(png, sizeof png, "%s", in_dir(fx, "cli.png"));
    assert_int_equal(lmpviz_figure_save(fig, png, &err), LMPVIZ_OK);
    lmpviz_figure_destroy(fig);
    lmpviz_heatmap_free(&hm);
    assert_int_equal(lmpviz_image_read(png, out, &err), LMPVIZ_OK);
}

static void
assert_same_pixels(const lmpviz_pixels *px, const lmpviz_image *im)
{
    size_t y;

    assert_int_equal(px->width, im->width);
    assert_int_equal(px->height, im->height);
    assert_int_equal(px->channels, 3);
    for (y = 0; y < px->height; y++)
        assert_memory_equal(px->data + y * px->stride, im->rgb + y * im->width * 3, im->width * 3);
}

static void
test_equal_to_the_cli(void **state)
{
    fixture *fx = *state;
    frame *f = calloc(1, sizeof *f);
    lmp_params prm = LMP_PARAMS_INIT;
    lmpviz_overlay_opts ov = LMPVIZ_OVERLAY_OPTS_INIT;
    lmpviz_heatmap_fig_opts fo;
    lmpviz_frame_arrays a;
    lmpviz_pixels px;
    lmpviz_image im;
    lmpviz_err err;
    int panels, scale;

    assert_non_null(f);
    make_frame(fx, f);
    prm.p = 2.0;
    prm.m = 0.05;
    a = arrays_of(f, &prm);
    for (panels = 0; panels <= 1; panels++) {
        for (scale = 0; scale <= 2; scale++) {
            memset(&fo, 0, sizeof fo);
            fo.overlay = ov;
            fo.overlay.scale = (lmpviz_hscale)scale;
            fo.overlay.cmap = scale == 1 ? LMPVIZ_CMAP_MAGMA : LMPVIZ_CMAP_VIRIDIS;
            fo.panels = panels;
            cli_png(fx, f, &prm, &fo, &im);
            assert_int_equal(lmpviz_arrays_render(&a, &fo, &px, &err), LMPVIZ_OK);
            assert_same_pixels(&px, &im);
            lmpviz_pixels_free(&px);
            lmpviz_pixels_free(&px);
            lmpviz_image_free(&im);
        }
    }
    free(f);
}

/* Given weights and their result draw what the solve draws; without the
 * result, tau is the largest weight, which is the cap. */
static void
test_given_weights(void **state)
{
    fixture *fx = *state;
    frame *f = calloc(1, sizeof *f);
    lmp_params prm = LMP_PARAMS_INIT;
    lmpviz_overlay_opts ov = LMPVIZ_OVERLAY_OPTS_INIT;
    lmpviz_heatmap_fig_opts fo;
    lmpviz_frame_arrays a;
    lmpviz_heatmap_input in;
    lmpviz_heatmap hm;
    lmpviz_pixels p1, p2, r1, r2;
    lmpviz_err err;
    float wmax = 0.0f;
    size_t i;

    assert_non_null(f);
    make_frame(fx, f);
    memset(&in, 0, sizeof in);
    in.image = f->img;
    in.labels = f->lab;
    in.pred = f->prb;
    in.want_argmax = 1;
    assert_int_equal(lmpviz_heatmap_compute(&in, &prm, NULL, &hm, &err), LMPVIZ_OK);
    assert_true(hm.result.n_clamped > 0);
    for (i = 0; i < W * H; i++)
        wmax = fmaxf(wmax, hm.weight[i]);
    assert_true(wmax == (float)hm.result.tau);

    a = arrays_of(f, &prm);
    memset(&fo, 0, sizeof fo);
    fo.overlay = ov;
    fo.panels = 1;
    assert_int_equal(lmpviz_arrays_render(&a, &fo, &p1, &err), LMPVIZ_OK);
    a.weight = hm.weight;
    a.result = &hm.result;
    assert_int_equal(lmpviz_arrays_render(&a, &fo, &p2, &err), LMPVIZ_OK);
    assert_int_equal(p1.height, p2.height);
    assert_memory_equal(p1.data, p2.data, p1.stride * p1.height);

    /* The raster at the frame's size: the same with or without the result. */
    assert_int_equal(lmpviz_arrays_overlay(&a, &ov, &r1, &err), LMPVIZ_OK);
    a.result = NULL;
    assert_int_equal(lmpviz_arrays_overlay(&a, &ov, &r2, &err), LMPVIZ_OK);
    assert_int_equal(r1.width, W);
    assert_int_equal(r1.height, H);
    assert_memory_equal(r1.data, r2.data, 3 * W * H);
    /* Ignored pixels show the frame, dimmed and greyed, without weight:
     * the same whatever the weights. */
    a.weight = NULL;
    a.params.p = 8.0;
    lmpviz_pixels_free(&r2);
    assert_int_equal(lmpviz_arrays_overlay(&a, &ov, &r2, &err), LMPVIZ_OK);
    for (i = 0; i < W * H; i++) {
        if (hm.valid[i])
            continue;
        assert_memory_equal(r1.data + 3 * i, r2.data + 3 * i, 3);
    }
    assert_memory_not_equal(r1.data, r2.data, 3 * W * H);

    lmpviz_pixels_free(&p1);
    lmpviz_pixels_free(&p2);
    lmpviz_pixels_free(&r1);
    lmpviz_pixels_free(&r2);
    lmpviz_heatmap_free(&hm);
    free(f);
}

static void
test_class_shares(void **state)
{
    fixture *fx = *state;
    frame *f = calloc(1, sizeof *f);
    lmp_params prm = LMP_PARAMS_INIT;
    lmpviz_frame_arrays a;
    lmpviz_heatmap_input in;
    lmpviz_heatmap hm;
    lmpviz_class_stats cs;
    lmpviz_class_row rows[LMPVIZ_CS_CLASSES], ref[LMPVIZ_CS_CLASSES];
    lmpviz_err err;
    size_t n, k, n_ref;
    double ps = 0.0, ls = 0.0, ws = 0.0;

    assert_non_null(f);
    make_frame(fx, f);
    a = arrays_of(f, &prm);
    assert_int_equal(lmpviz_arrays_class_shares(&a, rows, &n, &err), LMPVIZ_OK);
    assert_int_equal(n, 3); /* road, person, car */
    for (k = 0; k < n; k++) {
        ps += rows[k].pixel_share;
        ls += rows[k].loss_share;
        ws += rows[k].weight_share;
    }
    assert_true(fabs(ps - 1.0) < SHARE_TOL && fabs(ls - 1.0) < SHARE_TOL &&
                fabs(ws - 1.0) < SHARE_TOL);

    /* The rows of `heatmap --stats`, from the file pipeline. */
    memset(&in, 0, sizeof in);
    in.image = f->img;
    in.labels = f->lab;
    in.pred = f->prb;
    assert_int_equal(lmpviz_heatmap_compute(&in, &prm, NULL, &hm, &err), LMPVIZ_OK);
    memset(&cs, 0, sizeof cs);
    assert_int_equal(lmpviz_class_stats_add(&cs, hm.train, hm.loss, hm.weight, W * H, hm.n_valid),
                     LMPVIZ_OK);
    n_ref = lmpviz_class_stats_rows(&cs, ref);
    assert_int_equal(n, n_ref);
    for (k = 0; k < n; k++) {
        assert_int_equal(rows[k].train_id, ref[k].train_id);
        assert_int_equal(rows[k].pixels, ref[k].pixels);
        assert_true(rows[k].weight_share == ref[k].weight_share);
        assert_true(rows[k].loss_share == ref[k].loss_share);
        assert_true(rows[k].mean_nw == ref[k].mean_nw);
    }
    /* trainIds give the same rows as the labelIds they come from. */
    for (k = 0; k < W * H; k++)
        f->ids[k] = (uint16_t)lmpviz_cs_trainid_of_id(f->ids[k]);
    a.label_type = LMPVIZ_LABELS_TRAINID;
    assert_int_equal(lmpviz_arrays_class_shares(&a, rows, &n, &err), LMPVIZ_OK);
    assert_int_equal(n, n_ref);
    for (k = 0; k < n; k++)
        assert_true(rows[k].weight_share == ref[k].weight_share);
    lmpviz_heatmap_free(&hm);
    free(f);
}

static void
test_errors_name_the_argument(void **state)
{
    fixture *fx = *state;
    frame *f = calloc(1, sizeof *f);
    lmp_params prm = LMP_PARAMS_INIT;
    lmpviz_overlay_opts ov = LMPVIZ_OVERLAY_OPTS_INIT;
    lmpviz_heatmap_fig_opts fo;
    lmpviz_frame_arrays a;
    lmpviz_class_row rows[LMPVIZ_CS_CLASSES];
    lmpviz_pixels px;
    lmpviz_err err;
    float *w = calloc(W * H, sizeof *w), keep;
    size_t n;

    assert_non_null(f);
    assert_non_null(w);
    make_frame(fx, f);
    memset(&fo, 0, sizeof fo);
    fo.overlay = ov;

    a = arrays_of(f, &prm);
    w[5 * W + 3] = NAN;
    a.weight = w;
    assert_int_equal(lmpviz_arrays_render(&a, &fo, &px, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_string_equal(err.msg, "weight: expected finite values >= 0, got nan at pixel (3, 5)");
    assert_null(px.data);
    w[5 * W + 3] = -1.0f;
    assert_int_equal(lmpviz_arrays_overlay(&a, &ov, &px, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "weight:"));

    a = arrays_of(f, &prm);
    a.width = 0;
    assert_int_equal(lmpviz_arrays_render(&a, &fo, &px, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "width, height:"));

    a = arrays_of(f, &prm);
    f->ids[2 * W + 7] = 40;
    assert_int_equal(lmpviz_arrays_render(&a, &fo, &px, &err), LMPVIZ_ERR_FORMAT);
    assert_true(strncmp(err.msg, "labels: ", 8) == 0);
    assert_non_null(strstr(err.msg, "(7, 2)"));
    f->ids[2 * W + 7] = 7;

    a = arrays_of(f, &prm);
    a.labels = NULL;
    fo.panels = 1;
    assert_int_equal(lmpviz_arrays_render(&a, &fo, &px, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_true(strncmp(err.msg, "labels: ", 8) == 0);
    assert_int_equal(lmpviz_arrays_class_shares(&a, rows, &n, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(n, 0);
    fo.panels = 0;

    a = arrays_of(f, &prm);
    keep = f->probs[W + 1];
    f->probs[W + 1] = 7.0f; /* class 0's probability at (1, 1): no longer sums to 1 */
    assert_int_equal(lmpviz_arrays_render(&a, &fo, &px, &err), LMPVIZ_ERR_FORMAT);
    assert_true(strncmp(err.msg, "scores: ", 8) == 0);
    assert_non_null(strstr(err.msg, "(1, 1)"));
    f->probs[W + 1] = keep;

    a = arrays_of(f, &prm);
    a.scores = NULL;
    assert_int_equal(lmpviz_arrays_render(&a, &fo, &px, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_true(strncmp(err.msg, "weight: ", 8) == 0);

    a = arrays_of(f, &prm);
    a.pred_kind = (lmpviz_pred_kind)3;
    assert_int_equal(lmpviz_arrays_render(&a, &fo, &px, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_true(strncmp(err.msg, "pred_kind, label_type: ", 23) == 0);

    a = arrays_of(f, &prm);
    a.params.p = 0.5;
    assert_int_equal(lmpviz_arrays_render(&a, &fo, &px, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_true(strncmp(err.msg, "params: ", 8) == 0);

    /* A loss map with a negative loss at a valid pixel. */
    a = arrays_of(f, &prm);
    memset(w, 0, W * H * sizeof *w);
    w[W + 2] = -3.0f;
    a.scores = w;
    a.pred_kind = LMPVIZ_PRED_LOSS;
    assert_int_equal(lmpviz_arrays_render(&a, &fo, &px, &err), LMPVIZ_ERR_SOLVER);
    assert_string_equal(err.msg, "scores: expected losses >= 0 and finite, got -3 at pixel (2, 1)");

    a = arrays_of(f, &prm);
    ov.alpha = 2.0;
    assert_int_equal(lmpviz_arrays_overlay(&a, &ov, &px, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_null(px.data);
    assert_int_equal(lmpviz_arrays_render(NULL, &fo, &px, &err), LMPVIZ_ERR_INVALID_ARG);
    free(w);
    free(f);
}

/* Without a frame the overlay is drawn on grey; a loss map gives the panels
 * with the prediction panel saying it is not available. */
static void
test_no_frame_and_loss_map(void **state)
{
    fixture *fx = *state;
    frame *f = calloc(1, sizeof *f);
    lmp_params prm = LMP_PARAMS_INIT;
    lmpviz_overlay_opts ov = LMPVIZ_OVERLAY_OPTS_INIT;
    lmpviz_heatmap_fig_opts fo;
    lmpviz_frame_arrays a;
    lmpviz_pixels px;
    lmpviz_err err;
    float *loss = calloc(W * H, sizeof *loss);
    size_t i;

    assert_non_null(f);
    assert_non_null(loss);
    make_frame(fx, f);
    a = arrays_of(f, &prm);
    a.image = NULL;
    ov.alpha = 0.0; /* the frame alone */
    ov.desaturate = 0.0;
    ov.dim = 1.0;
    assert_int_equal(lmpviz_arrays_overlay(&a, &ov, &px, &err), LMPVIZ_OK);
    for (i = 0; i < 3 * W * H; i++)
        assert_int_equal(px.data[i], 128);
    lmpviz_pixels_free(&px);

    for (i = 0; i < W * H; i++)
        loss[i] = (float)(i % 13);
    a = arrays_of(f, &prm);
    a.scores = loss;
    a.pred_kind = LMPVIZ_PRED_LOSS;
    memset(&fo, 0, sizeof fo);
    fo.overlay = ov;
    fo.panels = 1;
    fo.width_px = 900;
    assert_int_equal(lmpviz_arrays_render(&a, &fo, &px, &err), LMPVIZ_OK);
    assert_int_equal(px.width, 900);
    assert_true(px.height > 100);
    lmpviz_pixels_free(&px);
    free(loss);
    free(f);
}

/* lmpviz_figure_render_rgb: the pixels of the PNG, and a failed figure's
 * failure. */
static void
test_render_rgb(void **state)
{
    fixture *fx = *state;
    lmpviz_figure *fig = lmpviz_figure_create(300, 200, 100, 1, 1);
    lmpviz_panel *pn = lmpviz_figure_panel(fig, 0, 0);
    const double x[3] = { 0, 1, 2 }, y[3] = { 1, 3, 2 };
    lmpviz_style s = lmpviz_style_line(lmpviz_palette_color(1), LMPVIZ_DASH_SOLID);
    lmpviz_pixels px;
    lmpviz_image im;
    lmpviz_err err;
    char png[256];

    lmpviz_panel_add_series(pn, x, y, 3, &s, "a");
    lmpviz_figure_set_title(fig, "a figure");
    snprintf(png, sizeof png, "%s", in_dir(fx, "fig.png"));
    assert_int_equal(lmpviz_figure_save(fig, png, &err), LMPVIZ_OK);
    assert_int_equal(lmpviz_figure_render_rgb(fig, &px, &err), LMPVIZ_OK);
    assert_int_equal(lmpviz_image_read(png, &im, &err), LMPVIZ_OK);
    assert_same_pixels(&px, &im);
    lmpviz_image_free(&im);
    lmpviz_pixels_free(&px);
    lmpviz_figure_destroy(fig);

    fig = lmpviz_figure_create(0, 200, 100, 1, 1);
    px.data = (unsigned char *)&px;
    assert_int_equal(lmpviz_figure_render_rgb(fig, &px, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_null(px.data);
    assert_int_equal(lmpviz_figure_render_rgb(NULL, &px, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(lmpviz_figure_render_rgb(fig, NULL, &err), LMPVIZ_ERR_INVALID_ARG);
    lmpviz_figure_destroy(fig);
}

/* The shared Cityscapes frame at 512x256, as in the README. */
static void
test_real_frame(void **state)
{
    fixture *fx = *state;
    char b1[1024], b2[1024], b3[1024];
    const char *img = shared_file(
        b1, sizeof b1, "leftImg8bit/train/aachen/aachen_000000_000019_leftImg8bit_small.png");
    const char *lab = shared_file(
        b2, sizeof b2, "leftImg8bit/train/aachen/aachen_000000_000019_gtFine_labelIds_small.png");
    const char *prb =
        shared_file(b3, sizeof b3, "leftImg8bit/train/aachen/aachen_000000_000019_probs.npy");
    lmp_params prm = LMP_PARAMS_INIT;
    lmpviz_overlay_opts ov = LMPVIZ_OVERLAY_OPTS_INIT;
    lmpviz_heatmap_fig_opts fo;
    lmpviz_heatmap_input in;
    lmpviz_heatmap hm;
    lmpviz_frame_arrays a;
    lmpviz_figure *fig;
    lmpviz_labelmap lm;
    lmpviz_array arr;
    lmpviz_pixels px;
    lmpviz_image im, fr;
    lmpviz_err err;
    int panels;

    if (img == NULL || lab == NULL || prb == NULL)
        skip();
    memset(&in, 0, sizeof in);
    in.image = img;
    in.labels = lab;
    in.pred = prb;
    assert_int_equal(lmpviz_image_read(img, &fr, &err), LMPVIZ_OK);
    assert_int_equal(lmpviz_labelmap_read(lab, &lm, &err), LMPVIZ_OK);
    assert_int_equal(lmpviz_npy_read_float(prb, &arr, &err), LMPVIZ_OK);
    memset(&a, 0, sizeof a);
    a.image = fr.rgb;
    a.width = fr.width;
    a.height = fr.height;
    a.labels = lm.data;
    a.scores = arr.data;
    a.classes = arr.shape[0];
    a.pred_kind = LMPVIZ_PRED_PROBS;
    a.params = prm;
    for (panels = 0; panels <= 1; panels++) {
        in.want_argmax = panels;
        memset(&fo, 0, sizeof fo);
        fo.overlay = ov;
        fo.panels = panels;
        assert_int_equal(lmpviz_heatmap_compute(&in, &prm, NULL, &hm, &err), LMPVIZ_OK);
        fig = lmpviz_heatmap_figure(&hm, &fo);
        assert_int_equal(lmpviz_figure_save(fig, in_dir(fx, "o.png"), &err), LMPVIZ_OK);
        lmpviz_figure_destroy(fig);
        lmpviz_heatmap_free(&hm);
        assert_int_equal(lmpviz_image_read(in_dir(fx, "o.png"), &im, &err), LMPVIZ_OK);
        assert_int_equal(lmpviz_arrays_render(&a, &fo, &px, &err), LMPVIZ_OK);
        assert_same_pixels(&px, &im);
        lmpviz_pixels_free(&px);
        lmpviz_image_free(&im);
    }
    lmpviz_array_free(&arr);
    lmpviz_labelmap_free(&lm);
    lmpviz_image_free(&fr);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_equal_to_the_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(test_given_weights, setup, teardown),
        cmocka_unit_test_setup_teardown(test_class_shares, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_name_the_argument, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_frame_and_loss_map, setup, teardown),
        cmocka_unit_test_setup_teardown(test_render_rgb, setup, teardown),
        cmocka_unit_test_setup_teardown(test_real_frame, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
