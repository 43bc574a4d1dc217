/* Tests of cli/cmd_match.c: top-k and OHEM recovered on .npy losses, the
 * JSON fields, the honest "no close match", usage errors with their
 * messages, a frame with labels and the figure (skipped without
 * ../shared), and a small split. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../viz/heatmap_test_util.h"
#include "cli.h"
#include "cli_test_util.h"
#include "lmpviz.h"
#include "sweep_cli.h"

#define N 3000

static void
write_losses(const char *path, unsigned seed)
{
    float l[N];
    size_t shape[1] = { N }, i;
    uint64_t rng = seed;
    for (i = 0; i < N; i++)
        l[i] = (float)(-log(1.0 - test_rand_unit(&rng)));
    npy_write_f32(path, shape, 1, l);
}

/* The number after "key": in a JSON text. */
static double
json_num(const char *text, const char *key)
{
    char pat[64];
    const char *p;
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    p = strstr(text, pat);
    if (p == NULL)
        fail_msg("no %s in %s", key, text);
    p += strlen(pat);
    if (strncmp(p, "\"inf\"", 5) == 0)
        return INFINITY;
    return strtod(p, NULL);
}

static void
test_topk_json(void **state)
{
    fixture *fx = *state;
    char npy[256];
    run_result r;

    snprintf(npy, sizeof npy, "%s", in_dir(fx, "l.npy"));
    write_losses(npy, 11);
    run_cmd(&r, cmd_match, "match", "--scheme", "topk:k=0.1", "--losses", npy, "--json", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.err, "");
    assert_true(json_num(r.out, "p") < 1.01);
    assert_float_equal(json_num(r.out, "m"), 0.1, 0.002);
    assert_true(json_num(r.out, "distance") < 0.01);
    assert_non_null(strstr(r.out, "\"close\": true"));
    assert_non_null(strstr(r.out, "\"scheme\": \"topk:k=0.1\""));

    /* OHEM keeping the pixels above -log(0.7) at least: top-k by another name */
    run_cmd(&r, cmd_match, "match", "--scheme", "ohem:thresh=0.7,min_kept=100", "--losses", npy,
            NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "best match: p = 1"));
    assert_non_null(strstr(r.out, "close: "));
    assert_non_null(strstr(r.out, "share on top 10%"));
}

static void
test_no_close_match(void **state)
{
    fixture *fx = *state;
    char lab[256], loss[256];
    unsigned char ids[40 * 25];
    float l[40 * 25];
    size_t shape[2] = { 25, 40 }, i;
    run_result r;

    /* two classes: road hard, car easy and rare; median frequency
     * balancing puts half of the weight on the easy car pixels */
    for (i = 0; i < 40 * 25; i++) {
        ids[i] = i < 50 ? 26 : 7;
        l[i] = i < 50 ? 0.01f * (float)(i + 1) : 1.0f + 0.001f * (float)i;
    }
    snprintf(lab, sizeof lab, "%s", in_dir(fx, "lab.png"));
    snprintf(loss, sizeof loss, "%s", in_dir(fx, "loss.npy"));
    assert_int_equal(lmpviz_png_write(lab, ids, 40, 25, 40, 1, 8, -1, NULL), LMPVIZ_OK);
    npy_write_f32(loss, shape, 2, l);
    run_cmd(&r, cmd_match, "match", "--scheme", "medfreq", "--labels", lab, "--loss", loss, NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "no close match: the best distance reached is "));
    assert_non_null(strstr(r.out, "car "));
    run_cmd(&r, cmd_match, "match", "--scheme", "medfreq", "--labels", lab, "--loss", loss,
            "--json", NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "\"close\": false"));
    assert_true(json_num(r.out, "distance") > 0.3);
    assert_non_null(strstr(r.out, "\"car\": {\"pixel_share\": 0.05"));
}

static void
expect_usage(const char *want, ...)
{
    char *argv[CLI_TEST_MAX_ARGS + 1];
    int argc = 0;
    va_list ap;
    const char *s;
    run_result r;

    argv[argc++] = "match";
    va_start(ap, want);
    while ((s = va_arg(ap, const char *)) != NULL)
        argv[argc++] = (char *)s;
    va_end(ap);
    argv[argc] = NULL;
    run_argv(&r, cmd_match, argc, argv);
    assert_int_equal(r.rc, 2);
    if (strstr(r.err, want) == NULL)
        fail_msg("stderr \"%s\" lacks \"%s\"", r.err, want);
    assert_non_null(strstr(r.err, "try 'lmpviz match --help'"));
}

static void
test_usage_errors(void **state)
{
    (void)state;
    expect_usage("lmpviz match: expected --scheme", "--losses", "l.npy", NULL);
    expect_usage("--scheme: scheme 1 \"ohem:tresh=0.7\": unknown key \"tresh\" (ohem takes "
                 "thresh, min_kept)",
                 "--scheme", "ohem:tresh=0.7", "--losses", "l.npy", NULL);
    expect_usage("--scheme: scheme 1 \"fokal\": unknown scheme \"fokal\"", "--scheme", "fokal",
                 "--losses", "l.npy", NULL);
    expect_usage("--scheme: expected one scheme", "--scheme", "topk;focal", "--losses", "l.npy",
                 NULL);
    expect_usage("--scheme: lmp is LMP itself", "--scheme", "lmp:p=2", "--losses", "l.npy", NULL);
    expect_usage("--scheme: source=split is not supported", "--scheme", "medfreq:source=split",
                 "--labels", "l.png", "--probs", "p.npy", NULL);
    expect_usage("medfreq needs the class of each pixel", "--scheme", "medfreq", "--losses",
                 "l.npy", NULL);
    expect_usage("--tol: expected a step in [1e-6, 0.1]", "--scheme", "focal", "--losses", "l.npy",
                 "--tol", "0.5", NULL);
    expect_usage("--m-min: expected a fraction in (0, 1]", "--scheme", "focal", "--losses", "l.npy",
                 "--m-min", "0", NULL);
    expect_usage("expected --losses FILE.npy", "--scheme", "focal", NULL);
}

static void
test_frame_figure(void **state)
{
    fixture *fx = *state;
    char lab[512], prb[512], img[512], png[256];
    run_result r;

    if (shared_file(
            lab, sizeof lab,
            "leftImg8bit/val/frankfurt/frankfurt_000000_000294_gtFine_labelIds_small.png") ==
            NULL ||
        shared_file(prb, sizeof prb,
                    "leftImg8bit/val/frankfurt/frankfurt_000000_000294_probs.npy") == NULL ||
        shared_file(img, sizeof img,
                    "leftImg8bit/val/frankfurt/frankfurt_000000_000294_leftImg8bit_small.png") ==
            NULL)
        skip();
    snprintf(png, sizeof png, "%s", in_dir(fx, "m.png"));
    run_cmd(&r, cmd_match, "match", "--scheme", "ohem:thresh=0.7,min_kept=3125", "--labels", lab,
            "--probs", prb, "--image", img, "-o", png, NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "best match: p = "));
    assert_non_null(strstr(r.out, "weight share per class"));
    assert_true(file_size(png) > 20000);
}

/* A small split in the Cityscapes layout, written here: 4 frames of
 * 64x32 loss maps; top-k is matched at p = 1, m = k on every frame and so
 * for the split, with no spread. */
static void
test_split(void **state)
{
    fixture *fx = *state;
    char root[256], path[512], pred[300];
    unsigned char ids[64 * 32], rgb[64 * 32 * 3];
    float l[64 * 32];
    size_t shape[2] = { 32, 64 }, i, f;
    uint64_t rng = 5;
    run_result r;

    snprintf(root, sizeof root, "%s", fx->dir);
    snprintf(pred, sizeof pred, "%s/pred", root);
    memset(rgb, 90, sizeof rgb);
    for (f = 0; f < 4; f++) {
        for (i = 0; i < 64 * 32; i++) {
            ids[i] = i % 5 ? 7 : 26;
            l[i] = (float)(-log(1.0 - test_rand_unit(&rng)) * (1.0 + (double)f));
        }
        snprintf(path, sizeof path, "%s/leftImg8bit/val/bonn", root);
        assert_int_equal(cli_mkdir_p(path), 0);
        snprintf(path, sizeof path, "%s/gtFine/val/bonn", root);
        assert_int_equal(cli_mkdir_p(path), 0);
        snprintf(path, sizeof path, "%s/bonn", pred);
        assert_int_equal(cli_mkdir_p(path), 0);
        snprintf(path, sizeof path, "%s/leftImg8bit/val/bonn/bonn_%06zu_000019_leftImg8bit.png",
                 root, f);
        assert_int_equal(lmpviz_png_write(path, rgb, 64, 32, 64 * 3, 3, 8, -1, NULL), LMPVIZ_OK);
        snprintf(path, sizeof path, "%s/gtFine/val/bonn/bonn_%06zu_000019_gtFine_labelIds.png",
                 root, f);
        assert_int_equal(lmpviz_png_write(path, ids, 64, 32, 64, 1, 8, -1, NULL), LMPVIZ_OK);
        snprintf(path, sizeof path, "%s/bonn/bonn_%06zu_000019_loss.npy", pred, f);
        npy_write_f32(path, shape, 2, l);
    }
    run_cmd(&r, cmd_match, "match", "--scheme", "topk:k=0.05", "--cityscapes-root", root,
            "--pred-dir", pred, "--pred-suffix", "_loss.npy", "--jobs", "2", "--json", NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "\"frames\": 4"));
    assert_true(json_num(r.out, "p") < 1.01);
    assert_float_equal(json_num(r.out, "m"), 0.05, 0.002);
    assert_true(json_num(r.out, "distance") < 0.01);
    assert_non_null(strstr(r.out, "\"close\": true"));
    assert_non_null(strstr(r.out, "\"spread\": {\"p\": {\"min\": "));
    assert_non_null(strstr(r.out, "\"per_frame\": [{\"frame\": \"bonn_000000_000019\""));
    run_cmd(&r, cmd_match, "match", "--scheme", "topk:k=0.05", "--cityscapes-root", root,
            "--pred-dir", pred, "--pred-suffix", "_loss.npy", "--jobs", "1", "--quiet", NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "split: p = 1, m = 0.0"));
    assert_non_null(strstr(r.out, "close on every frame"));
    assert_non_null(strstr(r.out, "4 frames: 4 matched, 0 failed"));

    /* a frame without its prediction: reported once, left out of both
     * passes, exit status 1 */
    snprintf(path, sizeof path, "%s/bonn/bonn_000002_000019_loss.npy", pred);
    assert_int_equal(remove(path), 0);
    run_cmd(&r, cmd_match, "match", "--scheme", "topk:k=0.05", "--cityscapes-root", root,
            "--pred-dir", pred, "--pred-suffix", "_loss.npy", "--jobs", "2", "--quiet", NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.out, "4 frames: 3 matched, 1 failed"));
    assert_null(strstr(r.out, "bonn_000002_000019"));
    assert_non_null(strstr(r.err, "bonn_000002_000019: skipped: "));
    assert_null(strstr(strstr(r.err, "skipped: ") + 1, "skipped: "));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_topk_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_close_match, setup, teardown),
        cmocka_unit_test_setup_teardown(test_usage_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frame_figure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_split, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
