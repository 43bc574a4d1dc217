/* Tests of viz/src/image_io.c, colormap.c and cityscapes.c: PNG frames
 * (8/16 bit, grey, alpha), exact label maps, broken files; the compiled-in
 * colormaps and the Cityscapes label table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "../cli/cli_test_util.h"
#include "heatmap_test_util.h"
#include "lmpviz.h"

static void
test_rgb8_roundtrip(void **state)
{
    fixture *fx = *state;
    unsigned char px[4 * 3 * 3];
    lmpviz_image im;
    lmpviz_err err;
    size_t i;

    for (i = 0; i < sizeof px; i++)
        px[i] = (unsigned char)(i * 7 + 3);
    assert_int_equal(lmpviz_png_write(in_dir(fx, "a.png"), px, 4, 3, 12, 3, 8, -1, &err),
                     LMPVIZ_OK);
    assert_int_equal(lmpviz_image_read(in_dir(fx, "a.png"), &im, &err), LMPVIZ_OK);
    assert_int_equal(im.width, 4);
    assert_int_equal(im.height, 3);
    assert_int_equal(im.channels, 3);
    assert_int_equal(im.bit_depth, 8);
    assert_memory_equal(im.rgb, px, sizeof px);
    lmpviz_image_free(&im);
    lmpviz_image_free(&im); /* safe twice */
}

/* The size from the header alone, for frames and label maps alike. */
static void
test_png_size(void **state)
{
    fixture *fx = *state;
    unsigned char px[5 * 7] = { 0 };
    size_t w, h;
    lmpviz_err err;

    assert_int_equal(lmpviz_png_write(in_dir(fx, "s.png"), px, 5, 7, 5, 1, 8, -1, &err), LMPVIZ_OK);
    assert_int_equal(lmpviz_png_size(in_dir(fx, "s.png"), &w, &h, &err), LMPVIZ_OK);
    assert_int_equal(w, 5);
    assert_int_equal(h, 7);
    assert_int_equal(lmpviz_png_size(in_dir(fx, "none.png"), &w, &h, &err), LMPVIZ_ERR_IO);
    assert_int_equal(w, 0);
    FILE *f = fopen(in_dir(fx, "t.png"), "wb");
    assert_non_null(f);
    fputs("text", f);
    fclose(f);
    assert_int_equal(lmpviz_png_size(in_dir(fx, "t.png"), &w, &h, &err), LMPVIZ_ERR_FORMAT);
}

/* 16-bit samples are sRGB-encoded: v * 257 must read back as v, with no
 * gamma change (libpng's default would take them as linear light). */
static void
test_rgb16_no_gamma(void **state)
{
    fixture *fx = *state;
    uint16_t px[256 * 3];
    lmpviz_image im;
    lmpviz_err err;
    size_t i;

    for (i = 0; i < 256 * 3; i++)
        px[i] = (uint16_t)((i / 3) * 257);
    assert_int_equal(lmpviz_png_write(in_dir(fx, "b.png"), px, 256, 1, 256 * 3, 3, 16, -1, &err),
                     LMPVIZ_OK);
    assert_int_equal(lmpviz_image_read(in_dir(fx, "b.png"), &im, &err), LMPVIZ_OK);
    assert_int_equal(im.bit_depth, 16);
    for (i = 0; i < 256; i++) {
        assert_int_equal(im.rgb[3 * i], i);
        assert_int_equal(im.rgb[3 * i + 2], i);
    }
    lmpviz_image_free(&im);
}

static void
test_grey_and_alpha(void **state)
{
    fixture *fx = *state;
    unsigned char grey[6] = { 0, 50, 100, 150, 200, 255 };
    unsigned char rgba[2 * 4] = { 10, 20, 30, 255, 200, 100, 50, 0 };
    lmpviz_image im;
    lmpviz_err err;
    size_t i;

    assert_int_equal(lmpviz_png_write(in_dir(fx, "g.png"), grey, 6, 1, 6, 1, 8, -1, &err),
                     LMPVIZ_OK);
    assert_int_equal(lmpviz_image_read(in_dir(fx, "g.png"), &im, &err), LMPVIZ_OK);
    assert_int_equal(im.channels, 1);
    for (i = 0; i < 6; i++) {
        assert_int_equal(im.rgb[3 * i], grey[i]);
        assert_int_equal(im.rgb[3 * i + 1], grey[i]);
    }
    lmpviz_image_free(&im);

    assert_int_equal(lmpviz_png_write(in_dir(fx, "r.png"), rgba, 2, 1, 8, 4, 8, -1, &err),
                     LMPVIZ_OK);
    assert_int_equal(lmpviz_image_read(in_dir(fx, "r.png"), &im, &err), LMPVIZ_OK);
    assert_int_equal(im.channels, 4);
    /* opaque pixel unchanged, transparent one composited onto black */
    assert_int_equal(im.rgb[0], 10);
    assert_int_equal(im.rgb[1], 20);
    assert_int_equal(im.rgb[2], 30);
    assert_int_equal(im.rgb[3], 0);
    assert_int_equal(im.rgb[4], 0);
    assert_int_equal(im.rgb[5], 0);
    lmpviz_image_free(&im);
}

static void
test_labelmap_exact(void **state)
{
    fixture *fx = *state;
    unsigned char l8[5] = { 0, 7, 33, 255, 19 };
    uint16_t l16[4] = { 0, 1000, 33, 65535 };
    lmpviz_labelmap lm;
    lmpviz_err err;
    size_t i;

    assert_int_equal(lmpviz_png_write(in_dir(fx, "l8.png"), l8, 5, 1, 5, 1, 8, -1, &err),
                     LMPVIZ_OK);
    assert_int_equal(lmpviz_labelmap_read(in_dir(fx, "l8.png"), &lm, &err), LMPVIZ_OK);
    assert_int_equal(lm.width, 5);
    assert_int_equal(lm.bit_depth, 8);
    for (i = 0; i < 5; i++)
        assert_int_equal(lm.data[i], l8[i]);
    lmpviz_labelmap_free(&lm);

    assert_int_equal(lmpviz_png_write(in_dir(fx, "l16.png"), l16, 2, 2, 2, 1, 16, -1, &err),
                     LMPVIZ_OK);
    assert_int_equal(lmpviz_labelmap_read(in_dir(fx, "l16.png"), &lm, &err), LMPVIZ_OK);
    assert_int_equal(lm.bit_depth, 16);
    assert_int_equal(lm.height, 2);
    for (i = 0; i < 4; i++)
        assert_int_equal(lm.data[i], l16[i]);
    lmpviz_labelmap_free(&lm);
}

static void
test_labelmap_refuses_colour(void **state)
{
    fixture *fx = *state;
    unsigned char px[3 * 2] = { 1, 2, 3, 4, 5, 6 };
    lmpviz_labelmap lm;
    lmpviz_err err;

    assert_int_equal(lmpviz_png_write(in_dir(fx, "c.png"), px, 2, 1, 6, 3, 8, -1, &err), LMPVIZ_OK);
    memset(&err, 0, sizeof err);
    assert_int_equal(lmpviz_labelmap_read(in_dir(fx, "c.png"), &lm, &err), LMPVIZ_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "single-channel"));
    assert_null(lm.data);
}

static void
test_broken_files(void **state)
{
    fixture *fx = *state;
    unsigned char *px = malloc(64 * 64 * 3);
    lmpviz_image im;
    lmpviz_labelmap lm;
    lmpviz_err err;
    size_t i;
    long size;

    assert_non_null(px);
    for (i = 0; i < 64 * 64 * 3; i++)
        px[i] = (unsigned char)((i * 2654435761u) >> 13);
    assert_int_equal(lmpviz_png_write(in_dir(fx, "t.png"), px, 64 * 3, 64, 64 * 3, 1, 8, 0, &err),
                     LMPVIZ_OK);
    size = file_size(in_dir(fx, "t.png"));
    truncate_file(in_dir(fx, "t.png"), size / 2);
    memset(&err, 0, sizeof err);
    assert_int_equal(lmpviz_image_read(in_dir(fx, "t.png"), &im, &err), LMPVIZ_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "truncated"));
    assert_null(im.rgb);
    memset(&err, 0, sizeof err);
    assert_int_equal(lmpviz_labelmap_read(in_dir(fx, "t.png"), &lm, &err), LMPVIZ_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "truncated"));
    assert_null(lm.data);

    write_bytes(in_dir(fx, "n.png"), "not a png at all", 16);
    assert_int_equal(lmpviz_image_read(in_dir(fx, "n.png"), &im, &err), LMPVIZ_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "expected a PNG"));
    assert_int_equal(lmpviz_labelmap_read(in_dir(fx, "n.png"), &lm, &err), LMPVIZ_ERR_FORMAT);
    write_bytes(in_dir(fx, "e.png"), "", 0);
    assert_int_equal(lmpviz_image_read(in_dir(fx, "e.png"), &im, &err), LMPVIZ_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "empty"));
    assert_int_equal(lmpviz_image_read(in_dir(fx, "missing.png"), &im, &err), LMPVIZ_ERR_IO);
    assert_int_equal(lmpviz_labelmap_read(in_dir(fx, "missing.png"), &lm, &err), LMPVIZ_ERR_IO);
    free(px);
}

/* The real files: 8-bit grey labelIds, and a palette PNG whose raw indices
 * are the labels (predictions_external). */
static void
test_real_labels(void **state)
{
    char buf[1024];
    const char *p;
    lmpviz_labelmap lm;
    lmpviz_err err;
    size_t i;
    unsigned mx = 0, mn = 65535;

    (void)state;
    p = shared_file(
        buf, sizeof buf,
        "predictions_external/val/frankfurt/frankfurt_000000_001236_hrnetocr_pred_labelIds.png");
    if (p == NULL)
        skip();
    assert_int_equal(lmpviz_labelmap_read(p, &lm, &err), LMPVIZ_OK);
    assert_int_equal(lm.width, 2048);
    assert_int_equal(lm.height, 1024);
    for (i = 0; i < lm.width * lm.height; i++) {
        mx = lm.data[i] > mx ? lm.data[i] : mx;
        mn = lm.data[i] < mn ? lm.data[i] : mn;
    }
    /* SOURCES.md: only the 19 evaluated labelIds, 7..33 */
    assert_true(mn >= 7);
    assert_true(mx <= 33);
    lmpviz_labelmap_free(&lm);
}

static void
test_colormaps(void **state)
{
    lmpviz_cmap c;
    lmpviz_color col;
    unsigned char lut[3 * LMPVIZ_CMAP_SIZE];
    static const char *names[] = { "viridis", "magma", "inferno", "plasma", "cividis", "turbo" };
    int i;

    (void)state;
    for (i = 0; i < LMPVIZ_CMAP_COUNT; i++) {
        assert_int_equal(lmpviz_cmap_parse(names[i], &c), LMPVIZ_OK);
        assert_int_equal(c, i);
        assert_string_equal(lmpviz_cmap_name(c), names[i]);
    }
    assert_int_equal(lmpviz_cmap_parse("TURBO", &c), LMPVIZ_OK);
    assert_int_equal(lmpviz_cmap_parse("jet", &c), LMPVIZ_ERR_INVALID_ARG);
    /* the table's ends (colormaps.tsv) */
    col = lmpviz_cmap_color(LMPVIZ_CMAP_VIRIDIS, 0.0);
    assert_true(fabs(col.r - 0.267004) < 1e-6 && fabs(col.g - 0.004874) < 1e-6 &&
                fabs(col.b - 0.329415) < 1e-6);
    col = lmpviz_cmap_color(LMPVIZ_CMAP_VIRIDIS, 7.0); /* clamped */
    assert_true(fabs(col.r - 0.993248) < 1e-6 && fabs(col.g - 0.906157) < 1e-6);
    col = lmpviz_cmap_color(LMPVIZ_CMAP_VIRIDIS, NAN);
    assert_true(fabs(col.r - 0.267004) < 1e-6);
    lmpviz_cmap_lut8(LMPVIZ_CMAP_VIRIDIS, lut);
    assert_int_equal(lut[0], 68);
    assert_int_equal(lut[1], 1);
    assert_int_equal(lut[2], 84);
    assert_int_equal(lut[3 * 255], 253);
    assert_int_equal(lut[3 * 255 + 1], 231);
    assert_int_equal(lut[3 * 255 + 2], 37);
}

static void
test_cityscapes_table(void **state)
{
    lmpviz_color c;
    uint16_t ids[6] = { 7, 26, 0, 33, 5, 24 };
    unsigned char tr[6];
    uint16_t bad[4] = { 7, 8, 40, 7 };
    uint16_t tids[3] = { 0, 18, 255 };
    uint16_t badt[3] = { 0, 19, 255 };
    lmpviz_err err;

    (void)state;
    assert_int_equal(lmpviz_cs_trainid_of_id(7), 0);
    assert_int_equal(lmpviz_cs_trainid_of_id(26), 13);
    assert_int_equal(lmpviz_cs_trainid_of_id(33), 18);
    assert_int_equal(lmpviz_cs_trainid_of_id(0), 255);
    assert_int_equal(lmpviz_cs_trainid_of_id(-1), 255);
    assert_int_equal(lmpviz_cs_trainid_of_id(34), -1);
    assert_string_equal(lmpviz_cs_class_name(0), "road");
    assert_string_equal(lmpviz_cs_class_name(18), "bicycle");
    assert_null(lmpviz_cs_class_name(19));
    c = lmpviz_cs_class_color(0);
    assert_true(fabs(c.r - 128 / 255.0) < 1e-12 && fabs(c.g - 64 / 255.0) < 1e-12 &&
                fabs(c.b - 128 / 255.0) < 1e-12);
    c = lmpviz_cs_class_color(255);
    assert_true(c.r == 0.0 && c.g == 0.0 && c.b == 0.0);

    assert_int_equal(lmpviz_cs_to_trainids(ids, 6, 3, LMPVIZ_LABELS_ID, tr, &err), LMPVIZ_OK);
    assert_int_equal(tr[0], 0);
    assert_int_equal(tr[1], 13);
    assert_int_equal(tr[2], 255);
    assert_int_equal(tr[3], 18);
    assert_int_equal(tr[4], 255);
    assert_int_equal(tr[5], 11);
    memset(&err, 0, sizeof err);
    assert_int_equal(lmpviz_cs_to_trainids(bad, 4, 2, LMPVIZ_LABELS_ID, tr, &err),
                     LMPVIZ_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "got 40 at pixel (0, 1)"));
    assert_int_equal(lmpviz_cs_to_trainids(tids, 3, 3, LMPVIZ_LABELS_TRAINID, tr, &err), LMPVIZ_OK);
    assert_int_equal(tr[1], 18);
    assert_int_equal(tr[2], 255);
    memset(&err, 0, sizeof err);
    assert_int_equal(lmpviz_cs_to_trainids(badt, 3, 3, LMPVIZ_LABELS_TRAINID, tr, &err),
                     LMPVIZ_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "got 19 at pixel (1, 0)"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rgb8_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_png_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rgb16_no_gamma, setup, teardown),
        cmocka_unit_test_setup_teardown(test_grey_and_alpha, setup, teardown),
        cmocka_unit_test_setup_teardown(test_labelmap_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_labelmap_refuses_colour, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broken_files, setup, teardown),
        cmocka_unit_test(test_real_labels),
        cmocka_unit_test(test_colormaps),
        cmocka_unit_test(test_cityscapes_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
