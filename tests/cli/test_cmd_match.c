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

/* cli_match_parse: the defaults, every value, the default figure of
 * --image, and --help. */
static void
test_parse(void **state)
{
    char *none[] = { "match", "--scheme", "topk:k=0.1", "--losses", "l.npy", NULL };
    char *all[] = { "match",   "--scheme", "focal:gamma=2", "--losses", "l.npy",  "--ignore-zeros",
                    "--m-min", "0.001",    "--tol",         "0.01",     "--json", "--quiet",
                    "-o",      "m.svg",    "--cmap",        "magma",    NULL };
    char *image[] = { "match", "--scheme", "medfreq", "--labels",     "l.png",   "--probs",
                      "p.npy", "--image",  "f.png",   "--label-type", "trainid", NULL };
    char *split[] = { "match", "--scheme",   "invfreq", "--cityscapes-root",
                      "cs",    "--pred-dir", "p",       "--city",
                      "bonn",  "--jobs",     "2",       NULL };
    char *help[] = { "match", "-h", NULL };
    cli_match_args a;
    run_result r;
    (void)state;

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_match_parse, &a, none);
    assert_int_equal(r.rc, CLI_PARSE_OK);
    assert_string_equal(r.err, "");
    assert_int_equal(a.spec.scheme.kind, LMP_SCHEME_TOPK);
    assert_string_equal(a.losses, "l.npy");
    assert_null(a.output); /* no figure unless asked for */
    assert_float_equal(a.mo.m_min, 0.0, 0.0);
    assert_float_equal(a.mo.tol, 0.0, 0.0);
    assert_int_equal(a.json + a.quiet + a.ignore_zeros, 0);
    assert_string_equal(a.sp.split, "val");
    assert_string_equal(a.sp.pred_suffix, "_probs.npy");

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_match_parse, &a, all);
    assert_int_equal(r.rc, CLI_PARSE_OK);
    assert_int_equal(a.spec.scheme.kind, LMP_SCHEME_FOCAL);
    assert_int_equal(a.ignore_zeros, 1);
    assert_float_equal(a.mo.m_min, 0.001, 0.0);
    assert_float_equal(a.mo.tol, 0.01, 0.0);
    assert_int_equal(a.json, 1);
    assert_int_equal(a.quiet, 1);
    assert_string_equal(a.output, "m.svg");
    assert_int_equal(a.overlay.cmap, LMPVIZ_CMAP_MAGMA);

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_match_parse, &a, image);
    assert_int_equal(r.rc, CLI_PARSE_OK);
    assert_int_equal(a.spec.scheme.kind, LMP_SCHEME_MEDFREQ);
    assert_string_equal(a.in.image, "f.png");
    assert_int_equal(a.in.label_type, LMPVIZ_LABELS_TRAINID);
    assert_string_equal(a.output, "match.png");

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_match_parse, &a, split);
    assert_int_equal(r.rc, CLI_PARSE_OK);
    assert_string_equal(a.sp.root, "cs");
    assert_string_equal(a.sp.city, "bonn");
    assert_int_equal(a.sp.jobs, 2);
    assert_null(a.output);

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_match_parse, &a, help);
    assert_int_equal(r.rc, CLI_PARSE_HELP);
    assert_non_null(strstr(r.out, "Usage: lmpviz match --scheme S --losses F.npy"));
    assert_string_equal(r.err, "");
}

static void
expect_parse_usage(const char *want, char **argv)
{
    cli_match_args a;
    run_result r;

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_match_parse, &a, argv);
    assert_int_equal(r.rc, CLI_PARSE_USAGE);
    assert_string_equal(r.out, "");
    if (strstr(r.err, want) == NULL)
        fail_msg("stderr \"%s\" lacks \"%s\"", r.err, want);
}

/* cli_match_parse: usage errors, each with its message. */
static void
test_parse_usage(void **state)
{
    char *no_scheme[] = { "match", "--losses", "l.npy", NULL };
    char *two[] = { "match", "--scheme", "topk:k=0.1;focal", "--losses", "l.npy", NULL };
    char *lmp[] = { "match", "--scheme", "lmp:p=2,m=0.1", "--losses", "l.npy", NULL };
    char *from_split[] = { "match",    "--scheme", "medfreq:source=split",
                           "--labels", "l.png",    "--probs",
                           "p.npy",    NULL };
    char *classes[] = { "match", "--scheme", "invfreq", "--losses", "l.npy", NULL };
    char *tol[] = { "match", "--scheme", "focal", "--losses", "l.npy", "--tol", "0.5", NULL };
    char *m_min[] = { "match", "--scheme", "focal", "--losses", "l.npy", "--m-min", "2", NULL };
    char *split_o[] = { "match", "--scheme", "focal", "--cityscapes-root", "cs", "--pred-dir", "p",
                        "-o",    "m.png",    NULL };
    char *image_losses[] = { "match", "--scheme", "focal", "--losses",
                             "l.npy", "--image",  "f.png", NULL };
    char *no_input[] = { "match", "--scheme", "focal", NULL };
    char *extra[] = { "match", "--scheme", "focal", "--losses", "l.npy", "more.npy", NULL };
    char *same[] = { "match", "--scheme", "focal", "--labels", "l.png",   "--probs",
                     "p.npy", "--image",  "f.png", "-o",       "./f.png", NULL };
    (void)state;

    expect_parse_usage("lmpviz match: expected --scheme", no_scheme);
    expect_parse_usage("--scheme: expected one scheme, got \"topk:k=0.1;focal\"", two);
    expect_parse_usage("--scheme: lmp is LMP itself", lmp);
    expect_parse_usage("--scheme: source=split is not supported by match", from_split);
    expect_parse_usage("--scheme: invfreq needs the class of each pixel", classes);
    expect_parse_usage("--tol: expected a step in [1e-6, 0.1], got \"0.5\"", tol);
    expect_parse_usage("--m-min: expected a fraction in (0, 1], got \"2\"", m_min);
    expect_parse_usage("--cityscapes-root: matches a split", split_o);
    expect_parse_usage("--losses: give either --losses or --labels", image_losses);
    expect_parse_usage("expected --losses FILE.npy, --labels with --probs", no_input);
    expect_parse_usage("unexpected argument \"more.npy\"", extra);
    expect_parse_usage(
        "-o: expected a file that is not an input, got \"./f.png\", the same file as "
        "--image \"f.png\"",
        same);
}

/* Every option that takes a value, given without it. */
static void
test_missing_values(void **state)
{
    static const char *const opts[] = {
        "--scheme", "--losses",     "--labels",   "--probs",       "--logits", "--loss",
        "--image",  "--label-type", "--layout",   "--max-pixels",  "--cmap",   "--cityscapes-root",
        "--split",  "--city",       "--pred-dir", "--pred-suffix", "--jobs",   "--shard",
        "--m-min",  "--tol",        "-o",         "--output",      NULL,
    };
    (void)state;
    expect_missing_values(cmd_match, "match", opts);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_topk_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_close_match, setup, teardown),
        cmocka_unit_test_setup_teardown(test_usage_errors, setup, teardown),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_usage),
        cmocka_unit_test(test_missing_values),
        cmocka_unit_test_setup_teardown(test_frame_figure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_split, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
