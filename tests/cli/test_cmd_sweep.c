/* Tests of cli/cmd_sweep.c (and cli/loss_inputs.c): the CSV and JSON of a
 * grid on .npy losses against lmpviz_sweep, several inputs, usage errors
 * with their messages and exit codes, and a real Cityscapes frame with
 * classes and a split (skipped without ../shared). */
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

#define N 600

static void
write_losses(const char *path, unsigned seed, float *out)
{
    float l[N];
    size_t shape[2] = { 20, 30 }, i;
    uint64_t rng = seed;
    for (i = 0; i < N; i++)
        l[i] = (float)(-log(1.0 - test_rand_unit(&rng)));
    npy_write_f32(path, shape, 2, l);
    if (out != NULL)
        memcpy(out, l, sizeof l);
}

static void
test_csv_and_json(void **state)
{
    fixture *fx = *state;
    char npy[256], png[256], csv[256];
    float l[N];
    run_result r;
    static const double ps[] = { 1.0, 2.0 }, ms[] = { 0.1, 0.5 };
    lmpviz_sweep sw;
    char *text, *line, *save = NULL;
    size_t len, rows = 0;

    snprintf(npy, sizeof npy, "%s", in_dir(fx, "l.npy"));
    snprintf(png, sizeof png, "%s", in_dir(fx, "s.png"));
    snprintf(csv, sizeof csv, "%s", in_dir(fx, "s.csv"));
    write_losses(npy, 7, l);
    run_cmd(&r, cmd_sweep, "sweep", "--losses", npy, "--p", "1,2", "--m", "0.1,0.5", "--stat",
            "top10,ratio", "-o", png, "--csv", csv, NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.err, "");
    assert_non_null(strstr(r.out, "top10 (mean over 1 input)"));
    assert_true(file_size(png) > 1000);

    assert_int_equal(lmpviz_sweep_init(&sw, ps, 2, ms, 2, NULL), LMPVIZ_OK);
    assert_int_equal(lmpviz_sweep_add(&sw, l, NULL, NULL, N, NULL, NULL, NULL), LMPVIZ_OK);
    text = read_all(csv, &len);
    for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        char src[256], stat[32], ptxt[16];
        double m, v;
        size_t ip, im;
        if (rows++ == 0) {
            assert_string_equal(line, "source,p,m,statistic,value");
            continue;
        }
        assert_int_equal(sscanf(line, "%255[^,],%15[^,],%lf,%31[^,],%lf", src, ptxt, &m, stat, &v),
                         5);
        assert_string_equal(src, npy);
        ip = strcmp(ptxt, "1") == 0 ? 0 : 1;
        im = m < 0.2 ? 0 : 1;
        assert_float_equal(v,
                           lmpviz_sweep_value(&sw, ip, im,
                                              strcmp(stat, "top10") == 0 ? LMPVIZ_SWEEP_TOP10
                                                                         : LMPVIZ_SWEEP_RATIO),
                           1e-8);
    }
    assert_int_equal(rows, 1 + 2 * 2 * 2);
    free(text);

    run_cmd(&r, cmd_sweep, "sweep", "--losses", npy, "--p", "1,inf", "--m", "0.1", "--json", "-o",
            png, NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "{\"inputs\": 1, \"n_valid\": 600, \"p\": [1, \"inf\"], \"m\": "
                                  "[0.10000000000000001], \"stats\": {\"top1\": [["));
    assert_non_null(strstr(r.out, "\"ratio\": [["));
    assert_null(strstr(r.out, "classes"));
}

static void
test_several_inputs(void **state)
{
    fixture *fx = *state;
    char a[256], b[256], png[256], csv[256];
    run_result r;
    char *text;
    size_t len;

    snprintf(a, sizeof a, "%s", in_dir(fx, "a.npy"));
    snprintf(b, sizeof b, "%s", in_dir(fx, "b.npy"));
    snprintf(png, sizeof png, "%s", in_dir(fx, "s.svg"));
    snprintf(csv, sizeof csv, "%s", in_dir(fx, "s.csv"));
    write_losses(a, 1, NULL);
    write_losses(b, 2, NULL);
    run_cmd(&r, cmd_sweep, "sweep", "--losses", a, b, "--p", "1.5", "--m", "0.2", "--stat", "sum",
            "-o", png, "--csv", csv, "--quiet", NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, csv));
    text = read_all(csv, &len);
    /* one row per input, then the mean */
    assert_non_null(strstr(text, "a.npy,1.5,0.2,sum,"));
    assert_non_null(strstr(text, "b.npy,1.5,0.2,sum,"));
    assert_non_null(strstr(text, "\nall,1.5,0.2,sum,"));
    free(text);
}

static void
expect_usage(const char *want, ...)
{
    char *argv[CLI_TEST_MAX_ARGS + 1];
    int argc = 0;
    va_list ap;
    const char *s;
    run_result r;

    argv[argc++] = "sweep";
    va_start(ap, want);
    while ((s = va_arg(ap, const char *)) != NULL)
        argv[argc++] = (char *)s;
    va_end(ap);
    argv[argc] = NULL;
    run_argv(&r, cmd_sweep, argc, argv);
    assert_int_equal(r.rc, 2);
    if (strstr(r.err, want) == NULL)
        fail_msg("stderr \"%s\" lacks \"%s\"", r.err, want);
    assert_non_null(strstr(r.err, "try 'lmpviz sweep --help'"));
}

static void
test_usage_errors(void **state)
{
    fixture *fx = *state;
    char npy[256];
    (void)state;

    snprintf(npy, sizeof npy, "%s", in_dir(fx, "l.npy"));
    write_losses(npy, 3, NULL);
    expect_usage("lmpviz sweep: --p: expected p >= 1 (a number or \"inf\"), got \"0.5\"",
                 "--losses", npy, "--p", "1,0.5", NULL);
    expect_usage("lmpviz sweep: --m: expected a fraction in (0, 1], got \"1.5\"", "--losses", npy,
                 "--m", "0.1,1.5", NULL);
    expect_usage("--p: expected a comma-separated list, got \"1,,2\"", "--losses", npy, "--p",
                 "1,,2", NULL);
    expect_usage("--p: at most 16 values", "--losses", npy, "--p",
                 "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", NULL);
    expect_usage("--stat: unknown statistic \"top5\"", "--losses", npy, "--stat", "top5", NULL);
    expect_usage("--class: unknown class \"cars\"", "--losses", npy, "--class", "cars", NULL);
    expect_usage("--class: needs the classes of the pixels", "--losses", npy, "--class", "car",
                 NULL);
    expect_usage("expected --losses FILE.npy", "--p", "1", NULL);
    expect_usage("unknown option \"--bogus\"", "--losses", npy, "--bogus", NULL);
    expect_usage("unexpected argument \"x.png\"", "--losses", npy, "x.png", NULL);
    expect_usage("unknown option \"--image\"", "--labels", "l.png", "--probs", "p.npy", "--image",
                 "f.png", NULL);
}

static void
test_runtime_errors(void **state)
{
    fixture *fx = *state;
    char npy[256], png[256];
    float z[4] = { 0 };
    size_t shape[1] = { 4 };
    run_result r;

    snprintf(npy, sizeof npy, "%s", in_dir(fx, "z.npy"));
    snprintf(png, sizeof png, "%s", in_dir(fx, "s.png"));
    npy_write_f32(npy, shape, 1, z);
    run_cmd(&r, cmd_sweep, "sweep", "--losses", npy, "-o", png, NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "lmpviz sweep: "));
    assert_non_null(strstr(r.err, "z.npy: every loss is 0"));
    assert_int_equal(file_size(png), -1);
    run_cmd(&r, cmd_sweep, "sweep", "--losses", in_dir(fx, "missing.npy"), "-o", png, NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "missing.npy"));
}

/* A real frame with labels: classes in the CSV and JSON. */
static void
test_cityscapes_frame(void **state)
{
    fixture *fx = *state;
    char lab[512], prb[512], png[256], csv[256];
    run_result r;
    char *text;
    size_t len;

    if (shared_file(
            lab, sizeof lab,
            "leftImg8bit/val/frankfurt/frankfurt_000000_000294_gtFine_labelIds_small.png") ==
            NULL ||
        shared_file(prb, sizeof prb,
                    "leftImg8bit/val/frankfurt/frankfurt_000000_000294_probs.npy") == NULL)
        skip();
    snprintf(png, sizeof png, "%s", in_dir(fx, "s.png"));
    snprintf(csv, sizeof csv, "%s", in_dir(fx, "s.csv"));
    run_cmd(&r, cmd_sweep, "sweep", "--labels", lab, "--probs", prb, "--class", "car,Traffic_Sign",
            "-o", png, "--csv", csv, "--json", NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "\"classes\": {\"road\": {\"pixel_share\": "));
    assert_true(file_size(png) > 10000);
    text = read_all(csv, &len);
    assert_non_null(strstr(text, ",inf,0.5,weight_share:car,"));
    assert_non_null(strstr(text, ",1,0.01,pixel_share:road,"));
    free(text);
}

/* A split: one CSV block per frame, then the mean; the mean of a
 * statistic is the mean of the frames' values. */
static void
test_split(void **state)
{
    fixture *fx = *state;
    char root[512], pred[600], png[256], csv[256];
    const char *dir = test_shared_dir();
    run_result r;
    char *text, *line, *save = NULL;
    double sum = 0.0, all = -1.0;
    size_t len, frames = 0;

    if (dir == NULL)
        skip();
    snprintf(root, sizeof root, "%s/data/cityscapes", dir);
    snprintf(pred, sizeof pred, "%s/leftImg8bit/train", root);
    snprintf(png, sizeof png, "%s", in_dir(fx, "s.png"));
    snprintf(csv, sizeof csv, "%s", in_dir(fx, "s.csv"));
    run_cmd(&r, cmd_sweep, "sweep", "--cityscapes-root", root, "--split", "train", "--pred-dir",
            pred, "--pred-suffix", "_loss.npy", "--resize", "--jobs", "2", "--shard", "1/2", "--p",
            "1.5", "--m", "0.1", "--stat", "top10", "-o", png, "--csv", csv, "--quiet", NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "3 frames: 3 swept, 0 failed"));
    text = read_all(csv, &len);
    for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        const char *v = strstr(line, ",top10,");
        if (v == NULL)
            continue;
        if (strncmp(line, "all,", 4) == 0) {
            all = strtod(v + 7, NULL);
        } else {
            assert_non_null(strstr(line, "aachen_0000"));
            sum += strtod(v + 7, NULL);
            frames++;
        }
    }
    free(text);
    assert_int_equal(frames, 3);
    assert_float_equal(all, sum / 3.0, 1e-8);
    assert_true(all > 0.1 && all < 1.0);
}

/* cli_sweep_parse: the defaults, every value, the .npy after --losses,
 * and --help. */
static void
test_parse(void **state)
{
    char *none[] = { "sweep", "--losses", "l.npy", NULL };
    char *all[] = { "sweep", "--losses", "a.npy",  "b.npy",          "--p",
                    "1,inf", "--m",      "0.5",    "--stat",         "sum,top1",
                    "--csv", "t.csv",    "--json", "--quiet",        "--title",
                    "T",     "-o",       "x.svg",  "--ignore-zeros", "--cmap",
                    "magma", "c.npy",    NULL };
    char *labels[] = { "sweep",   "--labels", "l.png",        "--logits", "g.npy",
                       "--class", "car,road", "--max-pixels", "1000",     NULL };
    char *split[] = { "sweep", "--cityscapes-root", "cs",    "--pred-dir",
                      "p",     "--split",           "train", "--jobs",
                      "3",     "--shard",           "2/4",   NULL };
    char *help[] = { "sweep", "--help", NULL };
    cli_sweep_args a;
    run_result r;
    (void)state;

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_sweep_parse, &a, none);
    assert_int_equal(r.rc, CLI_PARSE_OK);
    assert_string_equal(r.err, "");
    assert_int_equal(a.n_p, 6);
    assert_true(isinf(a.p[5]));
    assert_int_equal(a.n_m, 6);
    assert_float_equal(a.m[0], 0.01, 0.0);
    assert_int_equal(a.n_stats, LMPVIZ_SWEEP_NSTAT);
    assert_int_equal(a.n_losses, 1);
    assert_string_equal(a.output, "sweep.png");
    assert_null(a.csv);
    assert_int_equal(a.json + a.quiet + a.ignore_zeros, 0);
    assert_string_equal(a.sp.split, "val");
    assert_string_equal(a.sp.pred_suffix, "_probs.npy");
    cli_sweep_args_free(&a);

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_sweep_parse, &a, all);
    assert_int_equal(r.rc, CLI_PARSE_OK);
    assert_int_equal(a.n_losses, 3);
    assert_string_equal(a.losses[0], "a.npy");
    assert_string_equal(a.losses[1], "b.npy");
    assert_string_equal(a.losses[2], "c.npy");
    assert_int_equal(a.n_p, 2);
    assert_float_equal(a.p[0], 1.0, 0.0);
    assert_int_equal(a.n_m, 1);
    assert_float_equal(a.m[0], 0.5, 0.0);
    assert_int_equal(a.n_stats, 2);
    assert_int_equal(a.stats[0], LMPVIZ_SWEEP_SUM);
    assert_int_equal(a.stats[1], LMPVIZ_SWEEP_TOP1);
    assert_string_equal(a.csv, "t.csv");
    assert_string_equal(a.title, "T");
    assert_string_equal(a.output, "x.svg");
    assert_int_equal(a.json, 1);
    assert_int_equal(a.quiet, 1);
    assert_int_equal(a.ignore_zeros, 1);
    assert_int_equal(a.overlay.cmap, LMPVIZ_CMAP_MAGMA);
    cli_sweep_args_free(&a);

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_sweep_parse, &a, labels);
    assert_int_equal(r.rc, CLI_PARSE_OK);
    assert_int_equal(a.n_losses, 0);
    assert_string_equal(a.in.labels, "l.png");
    assert_int_equal(a.in.pred_kind, LMPVIZ_PRED_LOGITS);
    assert_int_equal(a.n_classes, 2);
    assert_int_equal(a.in.max_pixels, 1000);
    cli_sweep_args_free(&a);

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_sweep_parse, &a, split);
    assert_int_equal(r.rc, CLI_PARSE_OK);
    assert_string_equal(a.sp.root, "cs");
    assert_string_equal(a.sp.split, "train");
    assert_int_equal(a.sp.jobs, 3);
    assert_int_equal(a.sp.shard_i, 2);
    assert_int_equal(a.sp.shard_n, 4);
    cli_sweep_args_free(&a);

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_sweep_parse, &a, help);
    assert_int_equal(r.rc, CLI_PARSE_HELP);
    assert_non_null(strstr(r.out, "Usage: lmpviz sweep --losses F.npy [MORE.npy ...]"));
    assert_string_equal(r.err, "");
    cli_sweep_args_free(&a);
}

/* cli_sweep_parse: usage errors, each with its message. */
static void
expect_parse_usage(const char *want, char **argv)
{
    cli_sweep_args a;
    run_result r;

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_sweep_parse, &a, argv);
    cli_sweep_args_free(&a);
    assert_int_equal(r.rc, CLI_PARSE_USAGE);
    assert_string_equal(r.out, "");
    if (strstr(r.err, want) == NULL)
        fail_msg("stderr \"%s\" lacks \"%s\"", r.err, want);
}

static void
test_parse_usage(void **state)
{
    char *npy_first[] = { "sweep", "x.npy", NULL };
    char *not_npy[] = { "sweep", "--losses", "a.npy", "b.png", NULL };
    char *both[] = { "sweep", "--losses", "a.npy", "--labels", "l.png", "--probs", "p.npy", NULL };
    char *split_and_one[] = { "sweep", "--cityscapes-root", "cs",    "--pred-dir",
                              "p",     "--losses",          "a.npy", NULL };
    char *no_root[] = { "sweep", "--losses", "a.npy", "--pred-dir", "p", NULL };
    char *zeros[] = { "sweep", "--labels", "l.png", "--probs", "p.npy", "--ignore-zeros", NULL };
    char *two_preds[] = {
        "sweep", "--labels", "l.png", "--probs", "p.npy", "--loss", "q.npy", NULL
    };
    char *csv[] = { "sweep", "--losses", "a.npy", "--csv", "", NULL };
    char *same[] = { "sweep", "--losses", "a.npy", "--csv", "a.npy", NULL };
    char *ext[] = { "sweep", "--losses", "a.npy", "-o", "a.jpg", NULL };
    char *many[CLI_SWEEP_MAX_INPUTS + 4];
    char names[CLI_SWEEP_MAX_INPUTS + 1][16];
    size_t k;
    (void)state;

    expect_parse_usage("lmpviz sweep: unexpected argument \"x.npy\"", npy_first);
    expect_parse_usage("unexpected argument \"b.png\"", not_npy);
    expect_parse_usage("--losses: give either --losses or --labels with a model output", both);
    expect_parse_usage("--cityscapes-root: processes a split", split_and_one);
    expect_parse_usage("--pred-dir, --city and --shard: need --cityscapes-root DIR", no_root);
    expect_parse_usage("--ignore-zeros: applies to --losses", zeros);
    expect_parse_usage("expected exactly one of --probs, --logits and --loss, got 2", two_preds);
    expect_parse_usage("--csv: expected a file name", csv);
    expect_parse_usage("--csv: expected a file that is not an input, got \"a.npy\", the same file "
                       "as --losses \"a.npy\"",
                       same);
    expect_parse_usage("-o: expected a file name ending in .png, .svg or .pdf, got \"a.jpg\"", ext);

    many[0] = "sweep";
    many[1] = "--losses";
    for (k = 0; k <= CLI_SWEEP_MAX_INPUTS; k++) {
        snprintf(names[k], sizeof names[k], "f%zu.npy", k);
        many[k + 2] = names[k];
    }
    many[CLI_SWEEP_MAX_INPUTS + 3] = NULL;
    expect_parse_usage("--losses: at most 256 files", many);
}

/* Every option that takes a value, given without it. */
static void
test_missing_values(void **state)
{
    static const char *const opts[] = {
        "--p",        "--m",
        "--stat",     "--class",
        "--losses",   "--labels",
        "--probs",    "--logits",
        "--loss",     "--label-type",
        "--layout",   "--max-pixels",
        "--cmap",     "--cityscapes-root",
        "--split",    "--city",
        "--pred-dir", "--pred-suffix",
        "--jobs",     "--shard",
        "--csv",      "--title",
        "-o",         "--output",
        NULL,
    };
    (void)state;
    expect_missing_values(cmd_sweep, "sweep", opts);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_csv_and_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_several_inputs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_usage_errors, setup, teardown),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_usage),
        cmocka_unit_test(test_missing_values),
        cmocka_unit_test_setup_teardown(test_runtime_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cityscapes_frame, setup, teardown),
        cmocka_unit_test_setup_teardown(test_split, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
