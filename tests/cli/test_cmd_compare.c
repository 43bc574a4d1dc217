/* Tests of cli/cmd_compare.c (and viz/src/compare.c): scheme strings and
 * their errors, the profile CSV against lmp_scheme_weights, the frame mode's
 * class shares, dataset mode with a broken frame and split statistics,
 * --jobs and --shard, and a real Cityscapes frame (skipped without
 * ../shared). */
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
#include "lmp_schemes.h"
#include "lmpviz.h"

#define W 8
#define H 5
#define C 19

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
        ids[i] = id_cycle[(i * 3 + seed) % 7];
    for (i = 0; i < W * H; i++) {
        double sum = 0.0, p[C];
        for (c = 0; c < C; c++)
            sum += p[c] = 0.02 + test_rand_unit(&rng) * (c == i % C ? 20.0 : 1.0);
        for (c = 0; c < C; c++)
            probs[c * H * W + i] = (float)(p[c] / sum);
    }
    if (img != NULL)
        assert_int_equal(lmpviz_png_write(img, rgb, W, H, W * 3, 3, 8, -1, NULL), LMPVIZ_OK);
    assert_int_equal(lmpviz_png_write(lab, ids, W, H, W, 1, 8, -1, NULL), LMPVIZ_OK);
    npy_write_f32(prb, shape, 3, probs);
}

static void
expect_usage(const char *schemes, const char *want, const char *extra_opt)
{
    run_result r;
    if (extra_opt != NULL)
        run_cmd(&r, cmd_compare, "compare", "--losses", "x.npy", "--schemes", schemes, extra_opt,
                NULL);
    else
        run_cmd(&r, cmd_compare, "compare", "--losses", "x.npy", "--schemes", schemes, NULL);
    assert_int_equal(r.rc, 2);
    if (strstr(r.err, want) == NULL)
        fail_msg("stderr \"%s\" lacks \"%s\"", r.err, want);
    assert_non_null(strstr(r.err, "try 'lmpviz compare --help'"));
}

static void
test_scheme_strings(void **state)
{
    lmpviz_scheme_spec sp[LMPVIZ_COMPARE_MAX_SCHEMES];
    lmpviz_err err;
    size_t n;
    run_result r;
    (void)state;

    memset(&err, 0, sizeof err);
    assert_int_equal(lmpviz_schemes_parse(" lmp:p=inf,m_px=5 ; uniform;ohem:thresh=0.5;"
                                          "topk:k_px=3;focal:gamma=0;medfreq:source=split",
                                          sp, LMPVIZ_COMPARE_MAX_SCHEMES, &n, &err),
                     LMPVIZ_OK);
    assert_int_equal(n, 6);
    assert_true(isinf(sp[0].scheme.lmp.p));
    assert_true(sp[0].scheme.lmp.m_pixels == 5.0);
    assert_int_equal(sp[1].scheme.kind, LMP_SCHEME_UNIFORM);
    assert_true(sp[2].scheme.thresh == 0.5 && sp[2].scheme.min_kept == 100000);
    assert_true(sp[3].scheme.k_pixels == 3.0);
    assert_true(sp[4].scheme.gamma == 0.0);
    assert_true(sp[5].from_split);
    assert_string_equal(sp[5].text, "medfreq:source=split");

    /* golden stderr for one; the others name their bad part */
    run_cmd(&r, cmd_compare, "compare", "--losses", "x.npy", "--schemes",
            "lmp:p=1.5;ohem:tresh=0.7", NULL);
    assert_int_equal(r.rc, 2);
    assert_string_equal(r.err, "lmpviz compare: --schemes: scheme 2 \"ohem:tresh=0.7\": unknown "
                               "key \"tresh\" (ohem takes thresh, min_kept)\n"
                               "try 'lmpviz compare --help'\n");
    expect_usage("lmp;ohme", "scheme 2 \"ohme\": unknown scheme \"ohme\"", NULL);
    expect_usage("lmp:p=0.5", "scheme 1 \"lmp:p=0.5\": p: expected p >= 1", NULL);
    expect_usage("lmp:m=1.5", "m: expected a fraction in (0, 1], got \"1.5\"", NULL);
    expect_usage("lmp:m=0.1,m_px=5", "give m or m_px, not both", NULL);
    expect_usage("topk:k=0.1,k=0.2", "\"k\" is given twice", NULL);
    expect_usage("topk:k", "expected KEY=VALUE, got \"k\"", NULL);
    expect_usage("focal:", "expected KEY=VALUE after \":\"", NULL);
    expect_usage("focal:gamma=-1", "gamma: expected a number >= 0, got \"-1\"", NULL);
    expect_usage("ohem:min_kept=1.5", "min_kept: expected a whole number >= 0", NULL);
    expect_usage("ohem:thresh=abc", "thresh: expected a probability in [0, 1], got \"abc\"", NULL);
    expect_usage("lmp;;focal", "scheme 2 is empty", NULL);
    expect_usage("lmp;", "scheme 2 is empty", NULL);
    expect_usage("uniform:x=1", "uniform takes (no parameters)", NULL);
    expect_usage("lmp;lmp;lmp;lmp;lmp;lmp;lmp;lmp;lmp", "at most 8 schemes", NULL);
    expect_usage("invfreq", "invfreq and medfreq need the class of each pixel", NULL);
    expect_usage("medfreq:source=split", "source=split needs a split", NULL);
    expect_usage("medfreq:source=dataset", "source: expected image or split", NULL);
}

static void
test_usage_errors(void **state)
{
    run_result r;
    (void)state;

    run_cmd(&r, cmd_compare, "compare", NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "expected --losses FILE.npy, or --labels"));
    run_cmd(&r, cmd_compare, "compare", "--labels", "l.png", NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "expected exactly one of --probs, --logits and --loss, got 0"));
    run_cmd(&r, cmd_compare, "compare", "--losses", "x.npy", "--labels", "l.png", NULL);
    assert_int_equal(r.rc, 2);
    run_cmd(&r, cmd_compare, "compare", "--labels", "l.png", "--probs", "p.npy", "--image", "f.png",
            "--csv", "c.csv", NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "--csv: the per-pixel table is for the profile"));
    run_cmd(&r, cmd_compare, "compare", "--losses", "x.npy", "-o", "x.jpg", NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "-o: expected a file name ending in .png, .svg or .pdf"));
    run_cmd(&r, cmd_compare, "compare", "--losses", "x.npy", "--stats", "s.csv", NULL);
    assert_int_equal(r.rc, 2);
    run_cmd(&r, cmd_compare, "compare", "--losses", "x.npy", "--scale", "rank", NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "--scale: expected log or linear"));
    run_cmd(&r, cmd_compare, "compare", "--cityscapes-root", "cs", "--out-dir", "o", NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "needs --pred-dir"));
    run_cmd(&r, cmd_compare, "compare", "--help", NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "Usage: lmpviz compare"));
    /* the dispatcher knows the command */
    {
        char *argv[] = { "lmpviz", "compare", "--help", NULL };
        run_argv(&r, lmpviz_cli_main, 3, argv);
        assert_int_equal(r.rc, 0);
    }
}

/* The CSV holds, in decreasing-loss order, exactly lmp_scheme_weights'. */
static void
test_profile_csv(void **state)
{
    fixture *fx = *state;
    enum { N = 500 };
    float loss[N];
    size_t shape[1] = { N }, i, k;
    uint64_t rng = 7;
    char npy[256], csv[256], png[256];
    run_result r;
    const char *schemes = "lmp:p=2,m=0.2;uniform;ohem:thresh=0.5,min_kept=50;topk:k=0.05;"
                          "focal:gamma=1";
    lmpviz_scheme_spec sp[LMPVIZ_COMPARE_MAX_SCHEMES];
    size_t n_sp;
    float *w[5];
    double want_sum[5] = { 0 };
    lmp_scheme_input in;
    lmp_scheme_result res;

    for (i = 0; i < N; i++)
        loss[i] = (float)(-log(1.0 - test_rand_unit(&rng)));
    loss[3] = 0.0f;
    snprintf(npy, sizeof npy, "%s", in_dir(fx, "loss.npy"));
    snprintf(csv, sizeof csv, "%s", in_dir(fx, "w.csv"));
    snprintf(png, sizeof png, "%s", in_dir(fx, "p.svg"));
    npy_write_f32(npy, shape, 1, loss);
    run_cmd(&r, cmd_compare, "compare", "--losses", npy, "--schemes", schemes, "--csv", csv, "-o",
            png, "--logy", NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "n = 500 valid pixels"));
    assert_non_null(strstr(r.out, "ohem:thresh=0.5,min_kept=50"));
    assert_true(file_size(png) > 0);

    assert_int_equal(lmpviz_schemes_parse(schemes, sp, 8, &n_sp, NULL), LMPVIZ_OK);
    memset(&in, 0, sizeof in);
    in.n = N;
    in.loss = loss;
    for (k = 0; k < 5; k++) {
        w[k] = malloc(N * sizeof(float));
        assert_non_null(w[k]);
        assert_int_equal(lmp_scheme_weights(&sp[k].scheme, &in, w[k], &res, NULL), LMP_OK);
        for (i = 0; i < N; i++)
            want_sum[k] += w[k][i];
    }
    for (k = 0; k < 5; k++)
        assert_true(fabs(csv_col_sum(csv, (int)k + 2) - want_sum[k]) < 1e-5);
    for (k = 0; k < 5; k++)
        free(w[k]);

    /* a zero-only file with --ignore-zeros: nothing to compare, no file */
    for (i = 0; i < N; i++)
        loss[i] = 0.0f;
    npy_write_f32(npy, shape, 1, loss);
    run_cmd(&r, cmd_compare, "compare", "--losses", npy, "--ignore-zeros", "-o",
            in_dir(fx, "z.png"), NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "no valid pixel to compare"));
    assert_int_equal(file_size(in_dir(fx, "z.png")), -1);
    /* a negative loss names its pixel */
    loss[7] = -1.0f;
    npy_write_f32(npy, shape, 1, loss);
    run_cmd(&r, cmd_compare, "compare", "--losses", npy, "-o", in_dir(fx, "z.png"), NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "at pixel 7"));
    assert_int_equal(file_size(in_dir(fx, "z.png")), -1);
}

/* Frame mode: every weight-share column of the class table sums to 1;
 * per-image inverse and median frequency give each class the same share. */
static void
test_frame_mode(void **state)
{
    fixture *fx = *state;
    char img[256], lab[256], prb[256], st[256], out[256];
    run_result r;

    snprintf(img, sizeof img, "%s", in_dir(fx, "f.png"));
    snprintf(lab, sizeof lab, "%s", in_dir(fx, "l.png"));
    snprintf(prb, sizeof prb, "%s", in_dir(fx, "p.npy"));
    snprintf(st, sizeof st, "%s", in_dir(fx, "s.csv"));
    snprintf(out, sizeof out, "%s", in_dir(fx, "o.png"));
    write_frame(img, lab, prb, 3);
    run_cmd(&r, cmd_compare, "compare", "--image", img, "--labels", lab, "--probs", prb,
            "--schemes", "lmp;ohem:min_kept=5;topk:k=0.25;focal;invfreq;medfreq", "--stats", st,
            "-o", out, "--scale", "linear", NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "weight share per class"));
    assert_true(file_size(out) > 0);
    for (int col = 3; col <= 10; col++)
        assert_true(fabs(csv_col_sum(st, col) - 1.0) < 1e-5);
    {
        size_t len;
        char *text = read_all(st, &len), *line = strchr(text, '\n') + 1;
        /* 6 classes present (labelId 0 is ignored): 1/6 each for the last two */
        int n_lines = 0;
        while (line != NULL && *line) {
            const char *p = line;
            int k;
            for (k = 0; k < 9; k++)
                p = strchr(p, ',') + 1;
            assert_true(fabs(strtod(p, NULL) - 1.0 / 6.0) < 1e-5);
            p = strchr(p, ',') + 1;
            assert_true(fabs(strtod(p, NULL) - 1.0 / 6.0) < 1e-5);
            n_lines++;
            line = strchr(line, '\n');
            if (line != NULL)
                line++;
        }
        assert_int_equal(n_lines, 6);
        free(text);
    }
    /* profile from labels and probabilities (no frame) */
    run_cmd(&r, cmd_compare, "compare", "--labels", lab, "--probs", prb, "--schemes",
            "uniform;medfreq", "-o", in_dir(fx, "q.png"), NULL);
    assert_int_equal(r.rc, 0);
    /* a missing frame: named, no file */
    {
        char none[256];
        snprintf(none, sizeof none, "%s", in_dir(fx, "none.png"));
        run_cmd(&r, cmd_compare, "compare", "--image", none, "--labels", lab, "--probs", prb, "-o",
                in_dir(fx, "x.png"), NULL);
    }
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "none.png"));
    assert_int_equal(file_size(in_dir(fx, "x.png")), -1);
}

/* Dataset mode: a broken frame is skipped and reported; source=split uses
 * the split's class counts. */
static void
test_dataset_mode(void **state)
{
    fixture *fx = *state;
    char root[256], out[256], p1[512], p2[512], p3[512];
    run_result r;
    double alpha_sum;

    snprintf(root, sizeof root, "%s/cs", fx->dir);
    snprintf(out, sizeof out, "%s/out", fx->dir);
    snprintf(p1, sizeof p1, "%s/leftImg8bit/val/bonn", root);
    assert_int_equal(cli_mkdir_p(p1), 0);
    snprintf(p1, sizeof p1, "%s/gtFine/val/bonn", root);
    assert_int_equal(cli_mkdir_p(p1), 0);
    snprintf(p1, sizeof p1, "%s/leftImg8bit/val/bonn/bonn_000000_000019_leftImg8bit.png", root);
    snprintf(p2, sizeof p2, "%s/gtFine/val/bonn/bonn_000000_000019_gtFine_labelIds.png", root);
    snprintf(p3, sizeof p3, "%s/leftImg8bit/val/bonn/bonn_000000_000019_probs.npy", root);
    write_frame(p1, p2, p3, 1);
    snprintf(p1, sizeof p1, "%s/leftImg8bit/val/bonn/bonn_000001_000019_leftImg8bit.png", root);
    snprintf(p2, sizeof p2, "%s/gtFine/val/bonn/bonn_000001_000019_gtFine_labelIds.png", root);
    snprintf(p3, sizeof p3, "%s/leftImg8bit/val/bonn/bonn_000001_000019_probs.npy", root);
    write_frame(p1, p2, p3, 2);

    snprintf(p1, sizeof p1, "%s/leftImg8bit/val", root);
    run_cmd(&r, cmd_compare, "compare", "--cityscapes-root", root, "--pred-dir", p1, "--out-dir",
            out, "--schemes", "lmp;invfreq:source=split;medfreq:source=split;medfreq", NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "2 frames: 2 written, 0 failed"));
    snprintf(p2, sizeof p2, "%s/classes_compare.csv", out);
    alpha_sum = csv_col_sum(p2, 5) + csv_col_sum(p2, 6) + csv_col_sum(p2, 7) + csv_col_sum(p2, 8);
    assert_true(fabs(alpha_sum - 4.0) < 1e-5);
    snprintf(p2, sizeof p2, "%s/bonn/bonn_000001_000019_compare.png", out);
    assert_true(file_size(p2) > 0);

    /* break the second frame's labels */
    snprintf(p2, sizeof p2, "%s/gtFine/val/bonn/bonn_000001_000019_gtFine_labelIds.png", root);
    write_bytes(p2, "not a png", 9);
    run_cmd(&r, cmd_compare, "compare", "--cityscapes-root", root, "--pred-dir", p1, "--out-dir",
            out, "--schemes", "lmp;focal", "--quiet", NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "bonn_000001_000019: skipped: "));
    assert_non_null(strstr(r.err, "1 of 2 frames failed"));
    /* the split statistics need every label map */
    run_cmd(&r, cmd_compare, "compare", "--cityscapes-root", root, "--pred-dir", p1, "--out-dir",
            out, "--schemes", "medfreq:source=split", NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "needed for the split's class statistics"));
    run_cmd(&r, cmd_compare, "compare", "--cityscapes-root", in_dir(fx, "none"), "--pred-dir", p1,
            "--out-dir", out, NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "cannot list the frames"));
}

/* Frames seed 1..n_frames, cycling over two cities, with their
 * predictions beside them (so --pred-dir is ROOT/leftImg8bit/val). */
static void
make_split(const char *root, int n_frames)
{
    static const char *const cities[2] = { "aachen", "bonn" };
    char p1[512], p2[512], p3[512];
    int k;

    for (k = 0; k < 2; k++) {
        snprintf(p1, sizeof p1, "%s/leftImg8bit/val/%s", root, cities[k]);
        assert_int_equal(cli_mkdir_p(p1), 0);
        snprintf(p1, sizeof p1, "%s/gtFine/val/%s", root, cities[k]);
        assert_int_equal(cli_mkdir_p(p1), 0);
    }
    for (k = 0; k < n_frames; k++) {
        const char *c = cities[k % 2];
        snprintf(p1, sizeof p1, "%s/leftImg8bit/val/%s/%s_%06d_000019_leftImg8bit.png", root, c, c,
                 k);
        snprintf(p2, sizeof p2, "%s/gtFine/val/%s/%s_%06d_000019_gtFine_labelIds.png", root, c, c,
                 k);
        snprintf(p3, sizeof p3, "%s/leftImg8bit/val/%s/%s_%06d_000019_probs.npy", root, c, c, k);
        write_frame(p1, p2, p3, (unsigned)k + 1);
    }
}

/* --jobs does not change the tables; two shards cover the split exactly
 * once; progress lines without a terminal, none with --quiet. */
static void
test_dataset_jobs_shards(void **state)
{
    fixture *fx = *state;
    static const char *const schemes = "lmp;ohem:min_kept=5;focal;medfreq:source=split";
    char root[256], pred[512], o1[512], o2[512], s1[512], s2[512], p[1024];
    char *t1, *t2;
    size_t len1, len2;
    double full_pixels, shard_pixels;
    int k, seen;
    run_result r;

    snprintf(root, sizeof root, "%s/cs", fx->dir);
    snprintf(pred, sizeof pred, "%s/leftImg8bit/val", root);
    snprintf(o1, sizeof o1, "%s/out1", fx->dir);
    snprintf(o2, sizeof o2, "%s/out2", fx->dir);
    snprintf(s1, sizeof s1, "%s/sh1", fx->dir);
    snprintf(s2, sizeof s2, "%s/sh2", fx->dir);
    make_split(root, 5);

    run_cmd(&r, cmd_compare, "compare", "--cityscapes-root", root, "--pred-dir", pred, "--out-dir",
            o1, "--schemes", schemes, "--jobs", "1", NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "5 frames: 5 written, 0 failed"));
    assert_non_null(strstr(r.err, "lmpviz compare: [1/5] aachen_000000_000019: n = "));
    assert_non_null(strstr(r.err, "lmpviz compare: [5/5] "));
    run_cmd(&r, cmd_compare, "compare", "--cityscapes-root", root, "--pred-dir", pred, "--out-dir",
            o2, "--schemes", schemes, "--jobs", "2", "--quiet", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.err, "");
    snprintf(p, sizeof p, "%s/classes_compare.csv", o1);
    t1 = read_all(p, &len1);
    full_pixels = csv_col_sum(p, 2);
    snprintf(p, sizeof p, "%s/classes_compare.csv", o2);
    t2 = read_all(p, &len2);
    assert_int_equal(len1, len2);
    assert_memory_equal(t1, t2, len1);
    free(t1);
    free(t2);

    /* shards 1/2 (frames 0, 2, 4) and 2/2 (1, 3) into separate folders */
    run_cmd(&r, cmd_compare, "compare", "--cityscapes-root", root, "--pred-dir", pred, "--out-dir",
            s1, "--schemes", schemes, "--shard", "1/2", "--jobs", "2", "--quiet", NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "3 frames: 3 written, 0 failed"));
    assert_string_equal(r.err, "");
    run_cmd(&r, cmd_compare, "compare", "--cityscapes-root", root, "--pred-dir", pred, "--out-dir",
            s2, "--schemes", schemes, "--shard", "2/2", "--quiet", NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "2 frames: 2 written, 0 failed"));
    snprintf(p, sizeof p, "%s/classes_compare.csv", s1);
    assert_int_equal(file_size(p), -1);
    snprintf(p, sizeof p, "%s/classes_compare_shard1-of-2.csv", s1);
    shard_pixels = csv_col_sum(p, 2);
    snprintf(p, sizeof p, "%s/classes_compare_shard2-of-2.csv", s2);
    shard_pixels += csv_col_sum(p, 2);
    assert_true(shard_pixels == full_pixels);
    for (k = 0; k < 5; k++) {
        const char *c = k % 2 ? "bonn" : "aachen";
        seen = 0;
        snprintf(p, sizeof p, "%s/%s/%s_%06d_000019_compare.png", s1, c, c, k);
        seen += file_size(p) > 0;
        snprintf(p, sizeof p, "%s/%s/%s_%06d_000019_compare.png", s2, c, c, k);
        seen += file_size(p) > 0;
        if (seen != 1)
            fail_msg("frame %d written by %d shards", k, seen);
    }

    /* a shard with no frame writes an empty table and succeeds */
    run_cmd(&r, cmd_compare, "compare", "--cityscapes-root", root, "--pred-dir", pred, "--out-dir",
            s1, "--city", "bonn", "--shard", "3/3", "--quiet", NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "0 frames: 0 written, 0 failed"));

    /* a missing prediction: reported, skipped, counted, exit 1 */
    snprintf(p, sizeof p, "%s/aachen/aachen_000002_000019_probs.npy", pred);
    assert_int_equal(remove(p), 0);
    run_cmd(&r, cmd_compare, "compare", "--cityscapes-root", root, "--pred-dir", pred, "--out-dir",
            s1, "--schemes", "lmp;focal", "--jobs", "3", "--quiet", NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "aachen_000002_000019: skipped: "));
    assert_non_null(strstr(r.err, "missing (no prediction for aachen_000002_000019"));
    assert_non_null(strstr(r.err, "1 of 5 frames failed"));
    assert_non_null(strstr(r.out, "5 frames: 4 written, 1 failed"));
}

/* --jobs and --shard take checked values; --shard needs a split. */
static void
test_jobs_shard_usage(void **state)
{
    static const char *const bad_shards[] = { "0/2", "3/2", "1/0", "2", "a/b", "1/2x", "-1/2", "" };
    size_t i;
    run_result r;
    (void)state;

    for (i = 0; i < sizeof bad_shards / sizeof bad_shards[0]; i++) {
        run_cmd(&r, cmd_compare, "compare", "--cityscapes-root", "cs", "--pred-dir", "p",
                "--out-dir", "o", "--shard", bad_shards[i], NULL);
        if (r.rc != 2 ||
            strstr(r.err, "lmpviz compare: --shard: expected I/N with 1 <= I <= N") == NULL ||
            strstr(r.err, "try 'lmpviz compare --help'") == NULL)
            fail_msg("--shard \"%s\": rc %d, stderr: %s", bad_shards[i], r.rc, r.err);
    }
    run_cmd(&r, cmd_compare, "compare", "--cityscapes-root", "cs", "--pred-dir", "p", "--out-dir",
            "o", "--jobs", "many", NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "--jobs"));
    run_cmd(&r, cmd_compare, "compare", "--cityscapes-root", "cs", "--pred-dir", "p", "--out-dir",
            "o", "--jobs", "100000", NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "--jobs: expected at most 256"));
    run_cmd(&r, cmd_compare, "compare", "--losses", "x.npy", "--shard", "1/2", NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "--shard: need --cityscapes-root"));
    run_cmd(&r, cmd_compare, "compare", "--help", NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "--jobs N"));
    assert_non_null(strstr(r.out, "--shard I/N"));
    assert_non_null(strstr(r.out, "classes_compare_shardI-of-N.csv"));
}

/* A real frame: top-k and LMP at p = 1 agree on the frame's losses. */
static void
test_real_frame(void **state)
{
    fixture *fx = *state;
    char b1[1024], b2[1024], b3[1024], csv[256];
    const char *img = shared_file(
        b1, sizeof b1, "leftImg8bit/val/frankfurt/frankfurt_000000_001236_leftImg8bit_small.png");
    const char *lab =
        shared_file(b2, sizeof b2,
                    "leftImg8bit/val/frankfurt/frankfurt_000000_001236_gtFine_labelIds_small.png");
    const char *prb =
        shared_file(b3, sizeof b3, "leftImg8bit/val/frankfurt/frankfurt_000000_001236_probs.npy");
    run_result r;

    if (img == NULL || lab == NULL || prb == NULL)
        skip();
    snprintf(csv, sizeof csv, "%s", in_dir(fx, "s.csv"));
    run_cmd(&r, cmd_compare, "compare", "--image", img, "--labels", lab, "--probs", prb, "-o",
            in_dir(fx, "o.png"), "--stats", csv, "--quiet", NULL);
    assert_int_equal(r.rc, 0);
    assert_true(file_size(in_dir(fx, "o.png")) > 0);
    assert_true(file_size(csv) > 0);
    snprintf(csv, sizeof csv, "%s", in_dir(fx, "w.csv"));
    run_cmd(&r, cmd_compare, "compare", "--labels", lab, "--probs", prb, "--schemes",
            "lmp:p=1,m=0.1;topk:k=0.1", "--csv", csv, "-o", in_dir(fx, "p.png"), NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "n = 115551 valid pixels"));
    assert_true(fabs(csv_col_sum(csv, 2) - csv_col_sum(csv, 3)) < 1e-5);
    assert_true(fabs(csv_col_sum(csv, 3) - 1.0) < 1e-4);
}

/* Every option that takes a value, given without it: the same message. */
static void
test_missing_value_every_option(void **state)
{
    static const char *const opts[] = {
        "--schemes",
        "--losses",
        "--labels",
        "--probs",
        "--logits",
        "--loss",
        "--image",
        "--label-type",
        "--layout",
        "--max-pixels",
        "--csv",
        "--stats",
        "--size",
        "--width",
        "--scale",
        "--vmax",
        "--cmap",
        "--title",
        "-o",
        "--output",
        "--cityscapes-root",
        "--split",
        "--city",
        "--pred-dir",
        "--pred-suffix",
        "--out-dir",
        "--jobs",
        "--shard",
        NULL,
    };
    (void)state;
    expect_missing_values(cmd_compare, "compare", opts);
}

/* cli_compare_parse: the defaults, what the schemes need, the default
 * output of each mode, and the checks of the options together. */
static void
test_parse(void **state)
{
    char *losses[] = { "compare", "--losses", "l.npy", NULL };
    char *frame[] = { "compare", "--labels",  "l.png",
                      "--probs", "p.npy",     "--image",
                      "f.png",   "--schemes", "invfreq;lmp:p=2,m=0.1",
                      "--scale", "linear",    NULL };
    char *split[] = {
        "compare",   "--cityscapes-root",    "cs", "--pred-dir", "p", "--out-dir", "o",
        "--schemes", "medfreq:source=split", NULL
    };
    char *classes[] = { "compare", "--losses", "l.npy", "--schemes", "invfreq", NULL };
    char *help[] = { "compare", "--help", NULL };
    cli_compare_args a;
    run_result r;
    (void)state;

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_compare_parse, &a, losses);
    assert_int_equal(r.rc, CLI_PARSE_OK);
    assert_string_equal(r.err, "");
    assert_int_equal(a.n_spec, 4);
    assert_string_equal(a.output, "lmp_compare.png");
    assert_int_equal(a.width, 1400);
    assert_int_equal(a.height, 560);
    assert_int_equal(a.overlay.scale, LMPVIZ_HSCALE_LOG);
    assert_int_equal(a.need_classes + a.need_split, 0);

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_compare_parse, &a, frame);
    assert_int_equal(r.rc, CLI_PARSE_OK);
    assert_int_equal(a.n_spec, 2);
    assert_int_equal(a.need_classes, 1);
    assert_string_equal(a.output, "lmp_compare_frame.png");
    assert_int_equal(a.overlay.scale, LMPVIZ_HSCALE_LINEAR);
    assert_int_equal(a.n_pred, 1);

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_compare_parse, &a, split);
    assert_int_equal(r.rc, CLI_PARSE_OK);
    assert_int_equal(a.need_split, 1);
    assert_null(a.output);

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_compare_parse, &a, classes);
    assert_int_equal(r.rc, CLI_PARSE_USAGE);
    assert_string_equal(r.err, "lmpviz compare: --schemes: invfreq and medfreq need the class of "
                               "each pixel: give --labels with --probs, --logits or --loss instead "
                               "of --losses\ntry 'lmpviz compare --help'\n");

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_compare_parse, &a, help);
    assert_int_equal(r.rc, CLI_PARSE_HELP);
    assert_true(strncmp(r.out, "Usage: lmpviz compare", 21) == 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scheme_strings),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test_setup_teardown(test_profile_csv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frame_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dataset_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dataset_jobs_shards, setup, teardown),
        cmocka_unit_test(test_jobs_shard_usage),
        cmocka_unit_test_setup_teardown(test_real_frame, setup, teardown),
        cmocka_unit_test(test_missing_value_every_option),
        cmocka_unit_test(test_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
