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
#include "lmp.h"
#include "lmpviz.h"
#include "cli_test_util.h"

#define COLOR_TOL 12

/* Runs cmd_region with the NULL-terminated arguments, capturing stdout and
 * stderr. */
#define run_region(r, ...) run_cmd((r), cmd_region, "region", __VA_ARGS__)

typedef struct image {
    unsigned w, h;
    unsigned char *px;
} image;

static void
image_load(const char *path, image *im)
{
    png_image pi;
    memset(&pi, 0, sizeof pi);
    pi.version = PNG_IMAGE_VERSION;
    assert_true(png_image_begin_read_from_file(&pi, path));
    pi.format = PNG_FORMAT_RGBA;
    im->px = malloc(PNG_IMAGE_SIZE(pi));
    assert_non_null(im->px);
    assert_true(png_image_finish_read(&pi, NULL, im->px, 0, NULL));
    im->w = pi.width;
    im->h = pi.height;
}

static size_t
count_color(const image *im, lmpviz_color c)
{
    size_t n = 0, i;
    int r = (int)lround(c.r * 255), g = (int)lround(c.g * 255), b = (int)lround(c.b * 255);
    for (i = 0; i < (size_t)im->w * im->h; i++) {
        const unsigned char *p = im->px + 4 * i;
        n += abs(p[0] - r) <= COLOR_TOL && abs(p[1] - g) <= COLOR_TOL && abs(p[2] - b) <= COLOR_TOL;
    }
    return n;
}

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
    assert_true(count_color(&im, lmpviz_palette_color(0)) > 100);
    free(im.px);

    run_region(&r, "--p", "1,1.5,2,inf", "--m", "0.75", "--losses", "2,1", "-o", in_dir(fx, "r.png"), NULL);
    assert_int_equal(r.rc, 0);
    image_load(fx->path, &im);
    for (i = 0; i < 4; i++)
        assert_true(count_color(&im, lmpviz_palette_color(i)) > 50);
    assert_true(count_color(&im, lmpviz_palette_color(4)) == 0);
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
        snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' %s",
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
    assert_string_equal(r.err, "lmpviz region: --p: expected p >= 1 (a number or \"inf\"), got \"0.5\"\n"
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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_default, setup, teardown),
        cmocka_unit_test_setup_teardown(test_formats, setup, teardown),
        cmocka_unit_test(test_help),
        cmocka_unit_test_setup_teardown(test_bad_options, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
