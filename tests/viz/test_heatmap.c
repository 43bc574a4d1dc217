/* Tests of viz/src/heatmap.c and heatmap_frame.c: per-class statistics, the
 * overlay raster's pixel values, colour scales, the frame pipeline on small
 * synthetic files (known answers, errors) and on a real frame, the figures,
 * and the plot layer's image item and colour bar. */
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

static void
test_class_stats(void **state)
{
    unsigned char train[6] = { 0, 0, 1, 255, 13, 13 };
    float loss[6] = { 1.0f, 1.0f, 2.0f, 0.0f, 0.0f, 4.0f };
    float w[6] = { 0.1f, 0.1f, 0.2f, 0.0f, 0.0f, 0.4f };
    lmpviz_class_stats st, two;
    lmpviz_class_row rows[LMPVIZ_CS_CLASSES];
    unsigned char bad[1] = { 40 };
    size_t n, k;
    double ps = 0, ls = 0, ws = 0;

    (void)state;
    memset(&st, 0, sizeof st);
    assert_int_equal(lmpviz_class_stats_add(&st, train, loss, w, 6, 5), LMPVIZ_OK);
    n = lmpviz_class_stats_rows(&st, rows);
    assert_int_equal(n, 3);
    assert_int_equal(rows[0].train_id, 0);
    assert_string_equal(rows[0].name, "road");
    assert_int_equal(rows[2].train_id, 13);
    assert_true(fabs(rows[0].pixel_share - 0.4) < SHARE_TOL);
    assert_true(fabs(rows[1].loss_share - 0.25) < SHARE_TOL);
    assert_true(fabs(rows[2].weight_share - 0.4 / 0.8) < 1e-7);
    assert_true(fabs(rows[2].mean_nw - 5 * 0.2) < 1e-6); /* (0 + 0.4) * 5 / 2 */
    for (k = 0; k < n; k++) {
        ps += rows[k].pixel_share;
        ls += rows[k].loss_share;
        ws += rows[k].weight_share;
    }
    assert_true(fabs(ps - 1.0) < SHARE_TOL && fabs(ls - 1.0) < SHARE_TOL &&
                fabs(ws - 1.0) < SHARE_TOL);
    two = st;
    lmpviz_class_stats_merge(&two, &st);
    assert_int_equal(two.frames, 2);
    assert_int_equal(two.pixels[13], 4);
    /* the sums add too, loss and n·w alike */
    for (k = 0; k < LMPVIZ_CS_CLASSES; k++) {
        assert_true(two.loss_sum[k] == 2.0 * st.loss_sum[k]);
        assert_true(two.nw_sum[k] == 2.0 * st.nw_sum[k]);
    }
    assert_true(st.loss_sum[13] > 0.0);
    assert_int_equal(lmpviz_class_stats_add(&st, bad, loss, w, 1, 1), LMPVIZ_ERR_INVALID_ARG);
}

/* Pixel values: alpha 1 shows the colormap alone, alpha 0 the dimmed and
 * desaturated frame; ignored pixels keep the frame. */
static void
test_overlay_pixels(void **state)
{
    unsigned char rgb[4 * 3] = { 100, 150, 200, 100, 150, 200, 100, 150, 200, 10, 20, 30 };
    lmpviz_image im = { rgb, 4, 1, 8, 3 };
    float w[4] = { 0.5f, 0.0f, 0.25f, 0.0f }; /* n = 3 valid; tau = 0.5 -> n tau = 1.5 */
    unsigned char valid[4] = { 1, 1, 1, 0 };
    uint32_t out[4];
    unsigned char lut[3 * 256];
    lmpviz_overlay_opts o = LMPVIZ_OVERLAY_OPTS_INIT;
    lmpviz_colorscale cs;
    size_t mid;

    (void)state;
    lmpviz_cmap_lut8(LMPVIZ_CMAP_MAGMA, lut);
    o.cmap = LMPVIZ_CMAP_MAGMA;
    o.alpha = 1.0;
    o.dim = 1.0;
    o.desaturate = 0.0;
    assert_int_equal(lmpviz_overlay_render(&im, w, valid, 3, 0.5, &o, out, &cs), LMPVIZ_OK);
    assert_true(fabs(cs.vmax - 1.5) < 1e-12);
    assert_int_equal(out[0],
                     0xFF000000u | (lut[765] << 16) | (lut[766] << 8) | lut[767]);   /* cap: top */
    assert_int_equal(out[1], 0xFF000000u | (lut[0] << 16) | (lut[1] << 8) | lut[2]); /* 0: bottom */
    mid = 3 * (size_t)(0.5 * 255 + 0.5);
    assert_int_equal(out[2], 0xFF000000u | (lut[mid] << 16) | (lut[mid + 1] << 8) | lut[mid + 2]);
    assert_int_equal(out[3], 0xFF0A141Eu); /* ignored: the frame */

    o.alpha = 0.0;
    o.dim = 0.5;
    o.desaturate = 1.0;
    assert_int_equal(lmpviz_overlay_render(&im, w, valid, 3, 0.5, &o, out, NULL), LMPVIZ_OK);
    /* grey = 0.299*100 + 0.587*150 + 0.114*200 = 140.75, halved = 70.4 */
    assert_int_equal(out[0], 0xFF464646u);
    o.dim = 1.5;
    assert_int_equal(lmpviz_overlay_render(&im, w, valid, 3, 0.5, &o, out, NULL),
                     LMPVIZ_ERR_INVALID_ARG);
}

static void
test_scales_and_ticks(void **state)
{
    unsigned char rgb[5 * 3];
    lmpviz_image im = { rgb, 5, 1, 8, 3 };
    float w[5] = { 0.0f, 0.1f, 0.2f, 0.2f, 0.5f };
    unsigned char valid[5] = { 1, 1, 1, 1, 1 };
    uint32_t out[5];
    lmpviz_overlay_opts o = LMPVIZ_OVERLAY_OPTS_INIT;
    lmpviz_colorscale cs;
    double pos[16];
    const char *labels[16];
    char buf[16 * 24];
    size_t k, n;
    int saw_one = 0, saw_cap = 0;
    lmpviz_hscale s;

    (void)state;
    memset(rgb, 0, sizeof rgb);
    o.alpha = 1.0;
    o.scale = LMPVIZ_HSCALE_RANK;
    assert_int_equal(lmpviz_overlay_render(&im, w, valid, 5, 0.5, &o, out, &cs), LMPVIZ_OK);
    assert_int_equal(out[2], out[3]); /* ties share a colour */
    assert_true(cs.quantile[0] == 0.0);
    assert_true(fabs(cs.quantile[8] - 2.5) < 1e-6);

    o.scale = LMPVIZ_HSCALE_LINEAR;
    assert_int_equal(lmpviz_overlay_render(&im, w, valid, 5, 0.5, &o, out, &cs), LMPVIZ_OK);
    n = lmpviz_colorscale_ticks(&cs, pos, labels, buf, 16);
    assert_true(n >= 3);
    for (k = 0; k < n; k++) {
        assert_true(pos[k] >= 0.0 && pos[k] <= 1.0);
        saw_one |= strcmp(labels[k], "1") == 0;
        saw_cap |= strstr(labels[k], "cap") != NULL;
    }
    assert_true(saw_one && saw_cap);

    o.scale = LMPVIZ_HSCALE_LOG;
    assert_int_equal(lmpviz_overlay_render(&im, w, valid, 5, 0.5, &o, out, &cs), LMPVIZ_OK);
    assert_true(fabs(cs.vmin - 2.5e-3) < 1e-12);
    n = lmpviz_colorscale_ticks(&cs, pos, labels, buf, 16);
    assert_true(n >= 3);
    assert_int_equal(lmpviz_hscale_parse("rank", &s), LMPVIZ_OK);
    assert_int_equal(s, LMPVIZ_HSCALE_RANK);
    assert_int_equal(lmpviz_hscale_parse("sqrt", &s), LMPVIZ_ERR_INVALID_ARG);
}

/* Rank scale on random weights with ties and ignored pixels: each valid
 * pixel gets the colour of its mid-rank among the valid weights, counted
 * directly; ignored pixels show the (black) frame. */
static void
test_rank_scale_counts(void **state)
{
    enum { N = 2500 };
    static unsigned char rgb[N * 3];
    static float w[N];
    static unsigned char valid[N];
    static uint32_t out[N];
    unsigned char lut[3 * LMPVIZ_CMAP_SIZE];
    lmpviz_image im = { rgb, N, 1, 8, 3 };
    lmpviz_overlay_opts o = LMPVIZ_OVERLAY_OPTS_INIT;
    size_t i, j, nv = 0;

    (void)state;
    srand(5);
    for (i = 0; i < N; i++) {
        w[i] = rand() % 4 == 0 ? 0.0f : (float)(rand() % 50) * 1e-4f;
        valid[i] = rand() % 5 != 0;
        nv += valid[i];
    }
    o.alpha = 1.0;
    o.scale = LMPVIZ_HSCALE_RANK;
    lmpviz_cmap_lut8(o.cmap, lut);
    assert_int_equal(lmpviz_overlay_render(&im, w, valid, nv, 1e-3, &o, out, NULL), LMPVIZ_OK);
    for (i = 0; i < N; i++) {
        size_t less = 0, equal = 0, c;
        double t;
        if (!valid[i]) {
            assert_int_equal(out[i], 0xFF000000u);
            continue;
        }
        for (j = 0; j < N; j++) {
            less += valid[j] && w[j] < w[i];
            equal += valid[j] && w[j] == w[i];
        }
        t = 0.5 * ((double)less + (double)(less + equal) - 1.0) / (double)(nv - 1);
        c = (size_t)(t * (LMPVIZ_CMAP_SIZE - 1) + 0.5);
        assert_int_equal(out[i], 0xFF000000u | ((uint32_t)lut[3 * c] << 16) |
                                     ((uint32_t)lut[3 * c + 1] << 8) | lut[3 * c + 2]);
    }
}

/* A 4x2 frame: labelIds road (7), car (26) and ignored (0); probabilities
 * with known p_y, so the losses are known and the weights must be
 * lmp_solve's. */
static void
write_tiny_frame(fixture *fx, int resize_scores)
{
    enum { W = 4, H = 2, C = 19 };
    unsigned char rgb[W * H * 3];
    unsigned char ids[W * H] = { 7, 7, 26, 0, 7, 26, 26, 7 };
    float probs[C * H * W];
    size_t shape[3] = { C, H, W }, i, c;
    const double py[W * H] = { 0.9, 0.5, 0.25, 0.3, 0.8, 0.1, 0.6, 0.05 };

    for (i = 0; i < sizeof rgb; i++)
        rgb[i] = (unsigned char)(40 * i);
    assert_int_equal(lmpviz_png_write(in_dir(fx, "f.png"), rgb, W, H, W * 3, 3, 8, -1, NULL),
                     LMPVIZ_OK);
    assert_int_equal(lmpviz_png_write(in_dir(fx, "l.png"), ids, W, H, W, 1, 8, -1, NULL),
                     LMPVIZ_OK);
    for (i = 0; i < W * H; i++) {
        int y = lmpviz_cs_trainid_of_id(ids[i]);
        /* a distribution at every pixel: uniform where the label is ignored */
        for (c = 0; c < C; c++)
            probs[c * H * W + i] = (float)(y != 255 ? (1.0 - py[i]) / (C - 1) : 1.0 / C);
        if (y != 255)
            probs[(size_t)y * H * W + i] = (float)py[i];
    }
    if (resize_scores) {
        /* every other column: W/2 wide */
        float half[C * H * (W / 2)];
        size_t s2[3] = { C, H, W / 2 }, x, yy;
        for (c = 0; c < C; c++)
            for (yy = 0; yy < H; yy++)
                for (x = 0; x < W / 2; x++)
                    half[(c * H + yy) * (W / 2) + x] = probs[(c * H + yy) * W + 2 * x];
        npy_write_f32(in_dir(fx, "p.npy"), s2, 3, half);
    } else {
        npy_write_f32(in_dir(fx, "p.npy"), shape, 3, probs);
    }
}

static void
test_compute_known(void **state)
{
    fixture *fx = *state;
    char f[256], l[256], p[256];
    lmpviz_heatmap_input in;
    lmpviz_heatmap hm;
    lmp_params prm = LMP_PARAMS_INIT;
    lmp_result ref;
    float w[8];
    lmpviz_err err;
    const double py[8] = { 0.9, 0.5, 0.25, 0.3, 0.8, 0.1, 0.6, 0.05 };
    size_t i;

    write_tiny_frame(fx, 0);
    snprintf(f, sizeof f, "%s", in_dir(fx, "f.png"));
    snprintf(l, sizeof l, "%s", in_dir(fx, "l.png"));
    snprintf(p, sizeof p, "%s", in_dir(fx, "p.npy"));
    memset(&in, 0, sizeof in);
    in.image = f;
    in.labels = l;
    in.pred = p;
    in.want_argmax = 1;
    prm.p = 2.0;
    prm.m = 0.5;
    assert_int_equal(lmpviz_heatmap_compute(&in, &prm, NULL, &hm, &err), LMPVIZ_OK);
    assert_int_equal(hm.n_valid, 7);
    assert_int_equal(hm.valid[3], 0);
    assert_true(hm.loss[3] == 0.0f && hm.weight[3] == 0.0f);
    for (i = 0; i < 8; i++) {
        if (i != 3)
            assert_true(fabs(hm.loss[i] + log(py[i])) < 1e-6);
    }
    assert_int_equal(lmp_solve(hm.loss, hm.valid, 8, &prm, w, &ref, NULL), LMP_OK);
    assert_memory_equal(w, hm.weight, sizeof w);
    assert_true(ref.value == hm.result.value);
    assert_true(hm.result.value >= hm.result.mean);
    assert_int_equal(hm.pred[0], 0);  /* road predicted with 0.9 */
    assert_int_equal(hm.pred[5], 13); /* car with 0.1 beats 0.9/18 = 0.05 each */
    lmpviz_heatmap_free(&hm);
    lmpviz_heatmap_free(&hm);
}

static void
test_compute_errors(void **state)
{
    fixture *fx = *state;
    char f[256], l[256], p[256];
    lmpviz_heatmap_input in;
    lmpviz_heatmap hm;
    lmp_params prm = LMP_PARAMS_INIT;
    lmpviz_err err;
    int32_t ints[4] = { 1, 2, 3, 4 };
    size_t s4[2] = { 2, 2 };
    unsigned char badl[8] = { 7, 7, 7, 40, 7, 7, 7, 7 };

    write_tiny_frame(fx, 1);
    snprintf(f, sizeof f, "%s", in_dir(fx, "f.png"));
    snprintf(l, sizeof l, "%s", in_dir(fx, "l.png"));
    snprintf(p, sizeof p, "%s", in_dir(fx, "p.npy"));
    memset(&in, 0, sizeof in);
    in.image = f;
    in.labels = l;
    in.pred = p;
    /* scores at half width: an error naming the file and --resize */
    memset(&err, 0, sizeof err);
    assert_int_equal(lmpviz_heatmap_compute(&in, &prm, NULL, &hm, &err), LMPVIZ_ERR_FORMAT);
    assert_non_null(strstr(err.msg, p));
    assert_non_null(strstr(err.msg, "--resize"));
    assert_null(hm.loss);
    in.resize = 1;
    assert_int_equal(lmpviz_heatmap_compute(&in, &prm, NULL, &hm, &err), LMPVIZ_OK);
    assert_int_equal(hm.width, 4);
    lmpviz_heatmap_free(&hm);

    /* a wrong dtype */
    npy_write_raw(p, "<i4", s4, 2, ints, sizeof ints);
    in.pred_kind = LMPVIZ_PRED_LOSS;
    memset(&err, 0, sizeof err);
    assert_int_equal(lmpviz_heatmap_compute(&in, &prm, NULL, &hm, &err), LMPVIZ_ERR_FORMAT);
    assert_non_null(strstr(err.msg, p));
    assert_non_null(strstr(err.msg, "<i4"));

    /* a negative loss: the solver's error names the pixel */
    {
        float lm[8] = { 1, 1, 1, 1, 1, -2, 1, 1 };
        size_t s8[2] = { 2, 4 };
        npy_write_f32(p, s8, 2, lm);
        memset(&err, 0, sizeof err);
        assert_int_equal(lmpviz_heatmap_compute(&in, &prm, NULL, &hm, &err), LMPVIZ_ERR_SOLVER);
        assert_non_null(strstr(err.msg, "pixel (1, 1)"));
    }

    /* labels out of range */
    assert_int_equal(lmpviz_png_write(l, badl, 4, 2, 4, 1, 8, -1, NULL), LMPVIZ_OK);
    memset(&err, 0, sizeof err);
    assert_int_equal(lmpviz_heatmap_compute(&in, &prm, NULL, &hm, &err), LMPVIZ_ERR_FORMAT);
    assert_non_null(strstr(err.msg, l));
    assert_non_null(strstr(err.msg, "got 40 at pixel (3, 0)"));

    /* a missing frame */
    in.image = in_dir(fx, "nothere.png");
    memset(&err, 0, sizeof err);
    assert_int_equal(lmpviz_heatmap_compute(&in, &prm, NULL, &hm, &err), LMPVIZ_ERR_IO);
    assert_non_null(strstr(err.msg, "nothere.png: cannot open"));
}

/* The plot layer: an image item lands where the layout says, and the colour
 * bar's gradient runs from the first colour at the bottom to the last at
 * the top. */
static void
test_plot_image_colorbar(void **state)
{
    fixture *fx = *state;
    lmpviz_figure *fig = lmpviz_figure_create(400, 300, 100.0, 1, 1);
    lmpviz_panel *pn = lmpviz_figure_panel(fig, 0, 0);
    uint32_t px[4] = { 0xFFFF0000u, 0xFF00FF00u, 0xFF0000FFu, 0xFFFFFFFFu };
    lmpviz_color cols[2] = { { 0, 0, 0, 1 }, { 1, 1, 0, 1 } };
    double pos[2] = { 0.0, 1.0 };
    const char *lab[2] = { "0", "1" };
    double x, y, w, h;
    lmpviz_image im;
    lmpviz_err err;
    const unsigned char *q;

    lmpviz_panel_set_axes_visible(pn, 0);
    lmpviz_panel_set_xlim(pn, 0, 2);
    lmpviz_panel_set_ylim(pn, 0, 2);
    lmpviz_panel_add_image(pn, px, 2, 2, 2, 0, 0, 2, 2, 0);
    lmpviz_panel_set_colorbar(pn, cols, 2, pos, lab, 2, "label");
    assert_int_equal(lmpviz_figure_save(fig, in_dir(fx, "img.png"), &err), LMPVIZ_OK);
    assert_int_equal(lmpviz_panel_area(pn, &x, &y, &w, &h), LMPVIZ_OK);
    assert_int_equal(lmpviz_image_read(in_dir(fx, "img.png"), &im, &err), LMPVIZ_OK);
    /* top-left quarter is pixel 0 (red), bottom-right pixel 3 (white) */
    q = im.rgb + 3 * ((size_t)(y + 0.25 * h) * im.width + (size_t)(x + 0.25 * w));
    assert_true(q[0] > 240 && q[1] < 15 && q[2] < 15);
    q = im.rgb + 3 * ((size_t)(y + 0.75 * h) * im.width + (size_t)(x + 0.25 * w));
    assert_true(q[0] < 15 && q[1] < 15 && q[2] > 240); /* row 1, column 0: blue */
    /* the bar: just right of the axes box, dark at the bottom, yellow on top */
    q = im.rgb + 3 * ((size_t)(y + h - 3) * im.width + (size_t)(x + w + 16));
    assert_true(q[0] < 20 && q[2] < 20);
    q = im.rgb + 3 * ((size_t)(y + 3) * im.width + (size_t)(x + w + 16));
    assert_true(q[0] > 230 && q[1] > 230 && q[2] < 30);
    lmpviz_image_free(&im);
    lmpviz_figure_destroy(fig);
}

/* A real frame: weights equal lmp_solve on the losses, shares sum to 1,
 * and both figures render at the expected sizes. */
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
    lmpviz_heatmap_input in;
    lmpviz_heatmap hm;
    lmp_params prm = LMP_PARAMS_INIT;
    lmp_result ref;
    lmpviz_class_stats st;
    lmpviz_class_row rows[LMPVIZ_CS_CLASSES];
    lmpviz_heatmap_fig_opts fo;
    lmpviz_overlay_opts ov = LMPVIZ_OVERLAY_OPTS_INIT;
    lmpviz_figure *fig;
    lmpviz_err err;
    lmpviz_image out;
    float *w;
    size_t k, n, npx = 0;
    double ps = 0, ls = 0, ws = 0;

    if (img == NULL || lab == NULL || prb == NULL)
        skip();
    memset(&in, 0, sizeof in);
    in.image = img;
    in.labels = lab;
    in.pred = prb;
    in.want_argmax = 1;
    assert_int_equal(lmpviz_heatmap_compute(&in, &prm, NULL, &hm, &err), LMPVIZ_OK);
    assert_int_equal(hm.width, 512);
    w = malloc(512 * 256 * sizeof *w);
    assert_int_equal(lmp_solve(hm.loss, hm.valid, 512 * 256, &prm, w, &ref, NULL), LMP_OK);
    assert_memory_equal(w, hm.weight, 512 * 256 * sizeof *w);
    free(w);
    memset(&st, 0, sizeof st);
    assert_int_equal(
        lmpviz_class_stats_add(&st, hm.train, hm.loss, hm.weight, 512 * 256, hm.n_valid),
        LMPVIZ_OK);
    n = lmpviz_class_stats_rows(&st, rows);
    assert_true(n >= 5);
    for (k = 0; k < n; k++) {
        ps += rows[k].pixel_share;
        ls += rows[k].loss_share;
        ws += rows[k].weight_share;
        npx += rows[k].pixels;
    }
    assert_int_equal(npx, hm.n_valid);
    assert_true(fabs(ps - 1.0) < 1e-9 && fabs(ls - 1.0) < 1e-9 && fabs(ws - 1.0) < 1e-9);

    memset(&fo, 0, sizeof fo);
    fo.overlay = ov;
    fig = lmpviz_heatmap_figure(&hm, &fo);
    assert_int_equal(lmpviz_figure_status(fig), LMPVIZ_OK);
    assert_int_equal(lmpviz_figure_save(fig, in_dir(fx, "o.png"), &err), LMPVIZ_OK);
    lmpviz_figure_destroy(fig);
    assert_int_equal(lmpviz_image_read(in_dir(fx, "o.png"), &out, &err), LMPVIZ_OK);
    assert_int_equal(out.width, 1000);
    lmpviz_image_free(&out);
    fo.panels = 1;
    fo.width_px = 900;
    fig = lmpviz_heatmap_figure(&hm, &fo);
    assert_int_equal(lmpviz_figure_status(fig), LMPVIZ_OK);
    assert_int_equal(lmpviz_figure_save(fig, in_dir(fx, "p.svg"), &err), LMPVIZ_OK);
    lmpviz_figure_destroy(fig);
    assert_true(file_size(in_dir(fx, "p.svg")) > 1000);
    lmpviz_heatmap_free(&hm);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_class_stats),
        cmocka_unit_test(test_overlay_pixels),
        cmocka_unit_test(test_scales_and_ticks),
        cmocka_unit_test(test_rank_scale_counts),
        cmocka_unit_test_setup_teardown(test_compute_known, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compute_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plot_image_colorbar, setup, teardown),
        cmocka_unit_test_setup_teardown(test_real_frame, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
