/* Tests of cli/cmd_heatmap.c: the files written (weights equal lmp_solve's,
 * shares sum to 1), usage errors, bad inputs that leave no file, dataset
 * mode with a broken frame and shards, and a real full-resolution frame
 * with --resize. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../viz/heatmap_test_util.h"
#include "cli.h"
#include "cli_test_util.h"
#include "lmp.h"
#include "lmpviz.h"

#define W 6
#define H 4
#define C 19

/* A W x H frame with labelIds and float32 probabilities (CHW). seed varies
 * the content; ids include ignored ones (0) and several classes. */
static void
write_frame(const char *img, const char *lab, const char *prb, unsigned seed)
{
    static const unsigned char id_cycle[7] = { 7, 8, 26, 24, 21, 0, 11 };
    unsigned char rgb[W * H * 3], ids[W * H];
    float probs[C * H * W];
    size_t shape[3] = { C, H, W }, i, c;
    uint64_t rng = seed;

    for (i = 0; i < sizeof rgb; i++)
        rgb[i] = (unsigned char)(test_rand_u64(&rng) & 0xFF);
    for (i = 0; i < W * H; i++)
        ids[i] = id_cycle[(i + seed) % 7];
    for (i = 0; i < W * H; i++) {
        double sum = 0.0, p[C];
        for (c = 0; c < C; c++)
            sum += p[c] = 0.05 + test_rand_unit(&rng);
        for (c = 0; c < C; c++)
            probs[c * H * W + i] = (float)(p[c] / sum);
    }
    assert_int_equal(lmpviz_png_write(img, rgb, W, H, W * 3, 3, 8, -1, NULL), LMPVIZ_OK);
    assert_int_equal(lmpviz_png_write(lab, ids, W, H, W, 1, 8, -1, NULL), LMPVIZ_OK);
    npy_write_f32(prb, shape, 3, probs);
}

/* valid mask from a labelIds PNG */
static unsigned char *
valid_of(const char *lab, size_t *n)
{
    lmpviz_labelmap lm;
    unsigned char *tr;
    size_t i;

    assert_int_equal(lmpviz_labelmap_read(lab, &lm, NULL), LMPVIZ_OK);
    *n = lm.width * lm.height;
    tr = malloc(*n);
    assert_non_null(tr);
    assert_int_equal(lmpviz_cs_to_trainids(lm.data, *n, lm.width, LMPVIZ_LABELS_ID, tr, NULL),
                     LMPVIZ_OK);
    for (i = 0; i < *n; i++)
        tr[i] = tr[i] != 255;
    lmpviz_labelmap_free(&lm);
    return tr;
}

/* Saved weights must be lmp_solve's for the saved losses, bit for bit. */
static void
check_weights(const char *wpath, const char *lpath, const char *lab, const lmp_params *prm)
{
    lmpviz_array wa, la;
    unsigned char *valid;
    size_t n;
    float *w;
    lmp_result res;

    valid = valid_of(lab, &n);
    assert_int_equal(lmpviz_npy_read_float(wpath, &wa, NULL), LMPVIZ_OK);
    assert_int_equal(lmpviz_npy_read_float(lpath, &la, NULL), LMPVIZ_OK);
    assert_string_equal(wa.descr, "<f4");
    assert_int_equal(wa.ndim, 2);
    assert_int_equal(wa.count, n);
    w = malloc(n * sizeof *w);
    assert_int_equal(lmp_solve(la.data, valid, n, prm, w, &res, NULL), LMP_OK);
    assert_memory_equal(w, wa.data, n * sizeof *w);
    free(w);
    free(valid);
    lmpviz_array_free(&wa);
    lmpviz_array_free(&la);
}

static void
test_single_frame(void **state)
{
    fixture *fx = *state;
    char img[256], lab[256], prb[256], out[256], wp[256], lp[256], sp[256];
    run_result r;
    lmp_params prm = LMP_PARAMS_INIT;
    lmpviz_image im;

    snprintf(img, sizeof img, "%s", in_dir(fx, "f.png"));
    snprintf(lab, sizeof lab, "%s", in_dir(fx, "l.png"));
    snprintf(prb, sizeof prb, "%s", in_dir(fx, "p.npy"));
    snprintf(out, sizeof out, "%s", in_dir(fx, "o.png"));
    snprintf(wp, sizeof wp, "%s", in_dir(fx, "w.npy"));
    snprintf(lp, sizeof lp, "%s", in_dir(fx, "loss.npy"));
    snprintf(sp, sizeof sp, "%s", in_dir(fx, "s.csv"));
    write_frame(img, lab, prb, 1);
    run_cmd(&r, cmd_heatmap, "heatmap", "--image", img, "--labels", lab, "--probs", prb, "--p", "2",
            "--m", "0.25", "-o", out, "--save-weights", wp, "--save-loss", lp, "--stats", sp, NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.err, "");
    assert_non_null(strstr(r.out, "road"));
    assert_non_null(strstr(r.out, "mean_nw"));
    prm.p = 2.0;
    prm.m = 0.25;
    check_weights(wp, lp, lab, &prm);
    assert_true(fabs(csv_col_sum(sp, 3) - 1.0) < 1e-6); /* pixel shares */
    assert_true(fabs(csv_col_sum(sp, 4) - 1.0) < 1e-6); /* loss shares */
    assert_true(fabs(csv_col_sum(sp, 5) - 1.0) < 1e-6); /* weight shares */
    assert_int_equal(lmpviz_image_read(out, &im, NULL), LMPVIZ_OK);
    assert_true(im.width >= 1000);
    lmpviz_image_free(&im);

    /* the panels, as SVG, with logits read from the same file */
    run_cmd(&r, cmd_heatmap, "heatmap", "--image", img, "--labels", lab, "--logits", prb,
            "--panels", "--scale", "rank", "--cmap", "turbo", "-o", in_dir(fx, "p.svg"), "--quiet",
            NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "");
    assert_true(file_size(in_dir(fx, "p.svg")) > 1000);
}

static void
test_usage_errors(void **state)
{
    static const struct {
        const char *args[8];
        const char *msg;
    } cases[] = {
        { { "--labels", "l.png", "--probs", "p.npy" }, "--image: expected" },
        { { "--image", "f.png", "--probs", "p.npy" }, "--labels: expected" },
        { { "--image", "f.png", "--labels", "l.png" },
          "exactly one of --probs, --logits and --loss, got 0" },
        { { "--image", "f.png", "--labels", "l.png", "--probs", "a", "--loss", "b" }, "got 2" },
        { { "--cmap", "jet" }, "--cmap: expected viridis" },
        { { "--scale", "sqrt" }, "--scale: expected linear, log or rank" },
        { { "--alpha", "1.5" }, "--alpha: expected a number in [0, 1]" },
        { { "--m", "0" }, "--m: expected a fraction in (0, 1]" },
        { { "--layout", "whc" }, "--layout: expected auto, chw or hwc" },
        { { "--label-type", "color" }, "--label-type: expected id or trainid" },
        { { "--shard", "3/2" }, "--shard: expected I/N" },
        { { "--cityscapes-root", "x", "--image", "f.png" }, "are for one frame" },
        { { "--cityscapes-root", "x", "--out-dir", "o" }, "needs --pred-dir" },
        { { "--pred-dir", "x" }, "need --cityscapes-root" },
        { { "--image", "f.png", "--labels", "l.png", "--probs", "p.npy", "-o", "x.jpg" },
          "-o: expected" },
        { { "--bogus" }, "unknown option \"--bogus\"" },
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[10];
        int argc = 0, k;
        run_result r;
        argv[argc++] = (char *)"heatmap";
        for (k = 0; k < 8 && cases[i].args[k] != NULL; k++)
            argv[argc++] = (char *)cases[i].args[k];
        argv[argc] = NULL;
        run_argv(&r, cmd_heatmap, argc, argv);
        if (r.rc != 2 || strstr(r.err, cases[i].msg) == NULL ||
            strstr(r.err, "try 'lmpviz heatmap --help'") == NULL)
            fail_msg("case %zu: rc %d, stderr: %s", i, r.rc, r.err);
        assert_true(strncmp(r.err, "lmpviz heatmap: ", 16) == 0);
    }
    {
        run_result r;
        run_cmd(&r, cmd_heatmap, "heatmap", "--help", NULL);
        assert_int_equal(r.rc, 0);
        assert_non_null(strstr(r.out, "--shard I/N"));
        assert_non_null(strstr(r.out, "SLURM_ARRAY_TASK_ID"));
    }
}

/* Each bad input: exit 1, a message naming the file and the expectation,
 * and no output file left behind. */
static void
test_bad_inputs(void **state)
{
    fixture *fx = *state;
    char img[256], lab[256], prb[256], out[256], wp[256], sp[256], bad[256];
    run_result r;
    int32_t ints[W * H];
    size_t s2[2] = { H, W }, s3[3] = { C, H, W - 1 };
    unsigned char ids[W * H];
    float small[C * H * (W - 1)];
    int before;

    snprintf(img, sizeof img, "%s", in_dir(fx, "f.png"));
    snprintf(lab, sizeof lab, "%s", in_dir(fx, "l.png"));
    snprintf(prb, sizeof prb, "%s", in_dir(fx, "p.npy"));
    snprintf(out, sizeof out, "%s", in_dir(fx, "o.png"));
    snprintf(wp, sizeof wp, "%s", in_dir(fx, "w.npy"));
    snprintf(sp, sizeof sp, "%s", in_dir(fx, "s.csv"));
    snprintf(bad, sizeof bad, "%s", in_dir(fx, "bad"));
    write_frame(img, lab, prb, 2);
    before = entries(fx);

#define RUN_BAD(frame, labels, kind, pred, expect1, expect2)                                       \
    do {                                                                                           \
        run_cmd(&r, cmd_heatmap, "heatmap", "--image", frame, "--labels", labels, kind, pred,      \
                "-o", out, "--save-weights", wp, "--stats", sp, NULL);                             \
        if (r.rc != 1 || strstr(r.err, expect1) == NULL || strstr(r.err, expect2) == NULL)         \
            fail_msg("rc %d, stderr: %s", r.rc, r.err);                                            \
        assert_int_equal(entries(fx), before + 1);                                                 \
    } while (0)

    /* truncated frame */
    memcpy(bad, in_dir(fx, "t.png"), sizeof bad);
    write_frame(bad, in_dir(fx, "tl.png"), in_dir(fx, "tp.npy"), 3);
    remove(in_dir(fx, "tl.png"));
    remove(in_dir(fx, "tp.npy"));
    truncate_file(bad, file_size(bad) - 30);
    RUN_BAD(bad, lab, "--probs", prb, "t.png: cannot decode the PNG (truncated",
            "lmpviz heatmap: ");

    /* labels out of range */
    remove(bad);
    memcpy(bad, in_dir(fx, "b.png"), sizeof bad);
    memset(ids, 7, sizeof ids);
    ids[W + 2] = 34;
    assert_int_equal(lmpviz_png_write(bad, ids, W, H, W, 1, 8, -1, NULL), LMPVIZ_OK);
    RUN_BAD(img, bad, "--probs", prb,
            "b.png: expected Cityscapes labelIds 0..33, got 34 at pixel (2, 1)", "trainid");

    /* a wrong dtype */
    remove(bad);
    memcpy(bad, in_dir(fx, "i.npy"), sizeof bad);
    memset(ints, 0, sizeof ints);
    npy_write_raw(bad, "<i4", s2, 2, ints, sizeof ints);
    RUN_BAD(img, lab, "--loss", bad, "i.npy: ", "<i4");

    /* scores of another size */
    remove(bad);
    memcpy(bad, in_dir(fx, "s.npy"), sizeof bad);
    memset(small, 0, sizeof small);
    npy_write_f32(bad, s3, 3, small);
    RUN_BAD(img, lab, "--probs", bad, "s.npy: expected scores of 6x4 pixels", "--resize");

    /* a loss map of the wrong rank */
    RUN_BAD(img, lab, "--loss", bad, "s.npy: expected a loss map of shape (H, W), got (19, 4, 5)",
            "heatmap");

    /* an output folder that does not exist: the files before it are removed */
    remove(bad);
    run_cmd(&r, cmd_heatmap, "heatmap", "--image", img, "--labels", lab, "--probs", prb, "-o",
            in_dir(fx, "nodir/o.png"), "--save-weights", wp, "--stats", sp, NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "nodir/o.png"));
    assert_int_equal(entries(fx), before);
#undef RUN_BAD
}

static void
mkdirs(const char *path)
{
    char buf[1024];
    size_t i, len = strlen(path);

    assert_true(len < sizeof buf);
    memcpy(buf, path, len + 1);
    for (i = 1; i <= len; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            mkdir(buf, 0777);
            buf[i] = c;
        }
    }
}

/* A small Cityscapes tree: 3 frames in one city, 1 in another; one frame's
 * labels are truncated. */
static void
make_tree(fixture *fx)
{
    static const char *frames[4][2] = {
        { "aachen", "aachen_000000_000019" },
        { "aachen", "aachen_000001_000019" },
        { "aachen", "aachen_000002_000019" },
        { "bonn", "bonn_000000_000019" },
    };
    char img[1024], lab[1024], prb[1024], d[600];
    size_t i;

    for (i = 0; i < 4; i++) {
        snprintf(d, sizeof d, "%s/cs/leftImg8bit/val/%s", fx->dir, frames[i][0]);
        mkdirs(d);
        snprintf(lab, sizeof lab, "%s/cs/gtFine/val/%s", fx->dir, frames[i][0]);
        mkdirs(lab);
        snprintf(prb, sizeof prb, "%s/pred/%s", fx->dir, frames[i][0]);
        mkdirs(prb);
        snprintf(img, sizeof img, "%s/%s_leftImg8bit.png", d, frames[i][1]);
        snprintf(lab, sizeof lab, "%s/cs/gtFine/val/%s/%s_gtFine_labelIds.png", fx->dir,
                 frames[i][0], frames[i][1]);
        /* bonn's prediction sits flat in pred/, the others in pred/CITY/ */
        if (i == 3)
            snprintf(prb, sizeof prb, "%s/pred/%s_probs.npy", fx->dir, frames[i][1]);
        else
            snprintf(prb, sizeof prb, "%s/pred/%s/%s_probs.npy", fx->dir, frames[i][0],
                     frames[i][1]);
        write_frame(img, lab, prb, (unsigned)(10 + i));
        if (i == 1)
            truncate_file(lab, file_size(lab) / 2);
    }
}

static void
test_dataset_mode(void **state)
{
    fixture *fx = *state;
    char root[256], pred[256], out[256], p[512];
    run_result r;
    double full_pixels, shard_pixels;
    size_t len;
    char *frames_csv;

    make_tree(fx);
    snprintf(root, sizeof root, "%s/cs", fx->dir);
    snprintf(pred, sizeof pred, "%s/pred", fx->dir);
    snprintf(out, sizeof out, "%s/out", fx->dir);
    run_cmd(&r, cmd_heatmap, "heatmap", "--cityscapes-root", root, "--pred-dir", pred, "--out-dir",
            out, "--jobs", "2", NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "aachen_000001_000019: skipped: "));
    assert_non_null(strstr(r.err, "gtFine_labelIds.png: cannot decode the PNG"));
    assert_non_null(strstr(r.err, "1 of 4 frames failed"));
    assert_non_null(strstr(r.out, "4 frames: 3 written, 1 failed"));
    snprintf(p, sizeof p, "%s/aachen/aachen_000000_000019_lmp.png", out);
    assert_true(file_size(p) > 0);
    snprintf(p, sizeof p, "%s/aachen/aachen_000002_000019_stats.csv", out);
    assert_true(file_size(p) > 0);
    snprintf(p, sizeof p, "%s/bonn/bonn_000000_000019_lmp.png", out);
    assert_true(file_size(p) > 0);
    snprintf(p, sizeof p, "%s/aachen/aachen_000001_000019_lmp.png", out);
    assert_int_equal(file_size(p), -1);
    snprintf(p, sizeof p, "%s/aachen/aachen_000001_000019_stats.csv", out);
    assert_int_equal(file_size(p), -1);
    snprintf(p, sizeof p, "%s/frames.csv", out);
    frames_csv = read_all(p, &len);
    assert_non_null(strstr(frames_csv, "aachen,aachen_000001_000019,failed"));
    assert_non_null(strstr(frames_csv, "bonn,bonn_000000_000019,ok"));
    free(frames_csv);
    snprintf(p, sizeof p, "%s/classes.csv", out);
    assert_true(fabs(csv_col_sum(p, 3) - 1.0) < 1e-6);
    assert_true(fabs(csv_col_sum(p, 5) - 1.0) < 1e-6);
    full_pixels = csv_col_sum(p, 2);

    /* the split-level table is the sum of the per-frame ones */
    {
        double per = 0.0;
        snprintf(p, sizeof p, "%s/aachen/aachen_000000_000019_stats.csv", out);
        per += csv_col_sum(p, 2);
        snprintf(p, sizeof p, "%s/aachen/aachen_000002_000019_stats.csv", out);
        per += csv_col_sum(p, 2);
        snprintf(p, sizeof p, "%s/bonn/bonn_000000_000019_stats.csv", out);
        per += csv_col_sum(p, 2);
        assert_true(per == full_pixels);
    }

    /* two shards cover the split once; quiet runs print nothing but errors */
    run_cmd(&r, cmd_heatmap, "heatmap", "--cityscapes-root", root, "--pred-dir", pred, "--out-dir",
            out, "--shard", "1/2", "--quiet", NULL);
    assert_int_equal(r.rc, 0); /* frames 0 and 2 of the sorted list */
    run_cmd(&r, cmd_heatmap, "heatmap", "--cityscapes-root", root, "--pred-dir", pred, "--out-dir",
            out, "--shard", "2/2", "--quiet", "--jobs", "1", NULL);
    assert_int_equal(r.rc, 1); /* frames 1 (the broken one) and 3 */
    assert_string_equal(r.out, "");
    snprintf(p, sizeof p, "%s/classes_shard1-of-2.csv", out);
    shard_pixels = csv_col_sum(p, 2);
    snprintf(p, sizeof p, "%s/classes_shard2-of-2.csv", out);
    shard_pixels += csv_col_sum(p, 2);
    assert_true(shard_pixels == full_pixels);

    /* --city and a missing root */
    run_cmd(&r, cmd_heatmap, "heatmap", "--cityscapes-root", root, "--pred-dir", pred, "--out-dir",
            out, "--city", "bonn", "--quiet", NULL);
    assert_int_equal(r.rc, 0);
    run_cmd(&r, cmd_heatmap, "heatmap", "--cityscapes-root", in_dir(fx, "none"), "--pred-dir", pred,
            "--out-dir", out, NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "cannot list the frames"));
}

/* A real 2048x1024 frame with the network's 512x256 probabilities. */
static void
test_real_full_resize(void **state)
{
    fixture *fx = *state;
    char b1[1024], b2[1024], b3[1024], wp[256], lp[256];
    const char *img = shared_file(
        b1, sizeof b1, "leftImg8bit/val/frankfurt/frankfurt_000000_001236_leftImg8bit.png");
    const char *lab = shared_file(
        b2, sizeof b2, "gtFine/val/frankfurt/frankfurt_000000_001236_gtFine_labelIds.png");
    const char *prb =
        shared_file(b3, sizeof b3, "leftImg8bit/val/frankfurt/frankfurt_000000_001236_probs.npy");
    run_result r;
    lmp_params prm = LMP_PARAMS_INIT;

    if (img == NULL || lab == NULL || prb == NULL)
        skip();
    snprintf(wp, sizeof wp, "%s", in_dir(fx, "w.npy"));
    snprintf(lp, sizeof lp, "%s", in_dir(fx, "l.npy"));
    run_cmd(&r, cmd_heatmap, "heatmap", "--image", img, "--labels", lab, "--probs", prb, "-o",
            in_dir(fx, "o.png"), "--save-weights", wp, "--save-loss", lp, NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "expected scores of 2048x1024 pixels"));
    run_cmd(&r, cmd_heatmap, "heatmap", "--image", img, "--labels", lab, "--probs", prb, "--resize",
            "-o", in_dir(fx, "o.png"), "--save-weights", wp, "--save-loss", lp, NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "of 2048x1024"));
    check_weights(wp, lp, lab, &prm);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_single_frame, setup, teardown),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test_setup_teardown(test_bad_inputs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dataset_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_real_full_resize, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
