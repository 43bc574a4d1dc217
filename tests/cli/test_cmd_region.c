/* Tests of cli/cmd_region.c: the feasible-set figure for n = 2. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_test_util.h"
#include "lmp.h"
#include "lmpviz.h"
#include "png_test_util.h"

#define COLOR_TOL 12

/* Runs cmd_region with the NULL-terminated arguments, capturing stdout and
 * stderr. */
#define run_region(r, ...) run_cmd((r), cmd_region, "region", __VA_ARGS__)

static void
test_default(void **state)
{
    fixture *fx = *state;
    char cwd[1024];
    run_result r;
    image im;
    size_t i;

    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(fx->dir), 0);
    run_region(&r, "--p", "1.5", "--m", "0.5", NULL);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "lmp_region.png\n");
    assert_string_equal(r.err, "");
    image_load(in_dir(fx, "lmp_region.png"), &im);
    assert_int_equal(im.w, 900);
    assert_int_equal(im.h, 560);
    assert_true(count_color(&im, lmpviz_palette_color(0), COLOR_TOL) > 100);
    free(im.px);

    run_region(&r, "--p", "1,1.5,2,inf", "--m", "0.75", "--losses", "2,1", "-o",
               in_dir(fx, "r.png"), NULL);
    assert_int_equal(r.rc, 0);
    image_load(fx->path, &im);
    for (i = 0; i < 4; i++)
        assert_true(count_color(&im, lmpviz_palette_color(i), COLOR_TOL) > 50);
    assert_true(count_color(&im, lmpviz_palette_color(4), COLOR_TOL) == 0);
    free(im.px);
}

static void
test_formats(void **state)
{
    fixture *fx = *state;
    run_result r;
    FILE *f;
    char buf[8] = { 0 };

    run_region(&r, "--losses", "1,3", "--size", "700x500", "--dpi", "90", "--title", "W", "-o",
               in_dir(fx, "r.svg"), NULL);
    assert_int_equal(r.rc, 0);
    f = fopen(fx->path, "r");
    assert_non_null(f);
    assert_int_equal(fread(buf, 1, 5, f), 5);
    fclose(f);
    assert_string_equal(buf, "<?xml");
    if (access("/usr/bin/python3", X_OK) == 0) {
        char cmd[512];
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' %s",
                 fx->path);
        assert_int_equal(system(cmd), 0);
    }
    run_region(&r, "-o", in_dir(fx, "r.pdf"), NULL);
    assert_int_equal(r.rc, 0);
    f = fopen(fx->path, "r");
    assert_non_null(f);
    assert_int_equal(fread(buf, 1, 5, f), 5);
    fclose(f);
    assert_string_equal(buf, "%PDF-");
}

static void
test_help(void **state)
{
    run_result r;
    (void)state;
    run_region(&r, "--help", NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "Usage: lmpviz region"));
}

static void
test_bad_options(void **state)
{
    fixture *fx = *state;
    run_result r;

    run_region(&r, "--p", "0.5", "-o", in_dir(fx, "b.png"), NULL);
    assert_int_equal(r.rc, 2);
    assert_string_equal(r.err,
                        "lmpviz region: --p: expected p >= 1 (a number or \"inf\"), got \"0.5\"\n"
                        "try 'lmpviz region --help'\n");
    run_region(&r, "--m", "0", "-o", in_dir(fx, "b.png"), NULL);
    assert_int_equal(r.rc, 2);
    assert_string_equal(r.err, "lmpviz region: --m: expected a fraction in (0, 1], got \"0\"\n"
                               "try 'lmpviz region --help'\n");
    run_region(&r, "--losses", "1", "-o", in_dir(fx, "b.png"), NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "--losses: expected two losses"));
    run_region(&r, "--losses", "-1,2", "-o", in_dir(fx, "b.png"), NULL);
    assert_int_equal(r.rc, 2);
    run_region(&r, "--losses", "0,0", "-o", in_dir(fx, "b.png"), NULL);
    assert_int_equal(r.rc, 2);
    run_region(&r, "--losses", "1,2,3", "-o", in_dir(fx, "b.png"), NULL);
    assert_int_equal(r.rc, 2);
    run_region(&r, "-o", in_dir(fx, "b.gif"), NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "-o: expected a file name ending in .png, .svg or .pdf"));
    run_region(&r, "--size", "5x5", "-o", in_dir(fx, "b.png"), NULL);
    assert_int_equal(r.rc, 2);
    run_region(&r, "-o", in_dir(fx, "missing/b.png"), NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "missing/b.png"));
    assert_int_equal(entries(fx), 0);
}

/* Every option that takes a value, given without it: the same message. */
static void
test_missing_value_every_option(void **state)
{
    static const char *const opts[] = { "--p",     "--m", "--losses", "--size", "--dpi",
                                        "--title", "-o",  "--output", NULL };
    (void)state;
    expect_missing_values(cmd_region, "region", opts);
}

/* cli_region_parse: the defaults and values; --losses checked as a pair. */
static void
test_parse(void **state)
{
    char *none[] = { "region", NULL };
    char *argv[] = {
        "region", "--p", "1,2", "--m", "0.75", "--losses", "2,1", "--dpi", "150", NULL
    };
    char *one[] = { "region", "--losses", "2", NULL };
    cli_region_args a;
    run_result r;
    (void)state;

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_region_parse, &a, none);
    assert_int_equal(r.rc, CLI_PARSE_OK);
    assert_null(a.p);
    assert_true(a.m == 0.5);
    assert_int_equal(a.have_losses, 0);
    assert_string_equal(a.output, "lmp_region.png");
    cli_region_args_free(&a);

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_region_parse, &a, argv);
    assert_int_equal(r.rc, CLI_PARSE_OK);
    assert_int_equal(a.n_p, 2);
    assert_true(a.p[0] == 1.0 && a.p[1] == 2.0);
    assert_true(a.m == 0.75);
    assert_int_equal(a.have_losses, 1);
    assert_true(a.losses[0] == 2.0 && a.losses[1] == 1.0);
    assert_true(a.dpi == 150.0);
    cli_region_args_free(&a);

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_region_parse, &a, one);
    assert_int_equal(r.rc, CLI_PARSE_USAGE);
    assert_string_equal(r.err, "lmpviz region: --losses: expected two losses A,B >= 0, not both "
                               "0, got \"2\"\ntry 'lmpviz region --help'\n");
    assert_int_equal(a.have_losses, 0);
    cli_region_args_free(&a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_default, setup, teardown),
        cmocka_unit_test_setup_teardown(test_formats, setup, teardown),
        cmocka_unit_test(test_help),
        cmocka_unit_test_setup_teardown(test_bad_options, setup, teardown),
        cmocka_unit_test(test_missing_value_every_option),
        cmocka_unit_test(test_parse),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
