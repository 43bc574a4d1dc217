/* Tests of cli/cmd_curve.c: exit codes, messages, the files written (decoded
 * PNG, CSV against lmp_solve, SVG paths, PDF framing) and that failures
 * leave no file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_test_util.h"
#include "lmp.h"
#include "lmpviz.h"
#include "lmpviz_private.h"
#include "png_test_util.h"
#include "test_util.h"

#define COLOR_TOL 12
/* The CSV prints floats with %.9g, which reads back exactly; allow for a
 * last-bit difference only. */
#define WEIGHT_RTOL 1e-6

/* ------------------------------------------------------------------------
 * Helpers
 */

/* Runs cmd_curve with the NULL-terminated arguments, capturing stdout and
 * stderr. */
#define run_curve(r, ...) run_cmd((r), cmd_curve, "curve", __VA_ARGS__)

static int
cmp_desc(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x < y) - (x > y);
}

/* The default profile, sorted as the command sorts it. */
static void
default_losses_sorted(float *loss)
{
    assert_int_equal(
        lmpviz_profile_generate(LMPVIZ_PROFILE_DIST, LMPVIZ_PROFILE_N, LMPVIZ_PROFILE_SEED, loss),
        LMPVIZ_OK);
    qsort(loss, LMPVIZ_PROFILE_N, sizeof *loss, cmp_desc);
}

/* Reads a curve CSV: n rows, n_w weight columns, into loss[] and w[col][row]. */
static size_t
read_csv(
    const char *path, char *header, size_t header_len, float *loss, float (*w)[2000], size_t n_w)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    size_t row = 0;
    assert_non_null(f);
    assert_non_null(fgets(header, (int)header_len, f));
    while (fgets(line, sizeof line, f) != NULL) {
        char *s = line, *e;
        size_t c;
        assert_true(row < 2000);
        assert_int_equal(strtoul(s, &e, 10), row + 1);
        s = e + 1;
        loss[row] = strtof(s, &e);
        for (c = 0; c < n_w; c++) {
            assert_int_equal(*e, ',');
            s = e + 1;
            w[c][row] = strtof(s, &e);
        }
        assert_true(*e == '\n' || *e == '\0');
        row++;
    }
    fclose(f);
    return row;
}

/* Where 1/n lands in the figure the command draws for one (p, m) with the
 * default profile and size: the same viz calls, laid out without drawing. */
static double
uniform_row(double p, double m)
{
    float loss[LMPVIZ_PROFILE_N];
    lmp_params prm = LMP_PARAMS_INIT;
    lmpviz_curve_data d;
    lmpviz_figure *fig = lmpviz_figure_create(800, 500, LMPVIZ_DPI_DEFAULT, 1, 1);
    double px, py;

    assert_int_equal(
        lmpviz_profile_generate(LMPVIZ_PROFILE_DIST, LMPVIZ_PROFILE_N, LMPVIZ_PROFILE_SEED, loss),
        LMPVIZ_OK);
    prm.p = p;
    prm.m = m;
    assert_int_equal(lmpviz_curve_compute(loss, LMPVIZ_PROFILE_N, &prm, 1, &d, NULL), LMPVIZ_OK);
    lmpviz_curve_panel(lmpviz_figure_panel(fig, 0, 0), &d, NULL);
    assert_int_equal(lmpviz_figure_layout(fig, NULL), LMPVIZ_OK);
    assert_int_equal(lmpviz_panel_to_pixel(lmpviz_figure_panel(fig, 0, 0), 50.0,
                                           1.0 / LMPVIZ_PROFILE_N, &px, &py),
                     LMPVIZ_OK);
    lmpviz_curve_data_free(&d);
    lmpviz_figure_destroy(fig);
    return py;
}

/* ------------------------------------------------------------------------
 * Tests
 */

static void
test_default_writes_lmp_curve_png(void **state)
{
    fixture *fx = *state;
    char cwd[1024];
    run_result r;
    image im;

    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(fx->dir), 0);
    run_curve(&r, "--p", "1.5", "--m", "0.1", NULL);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "lmp_curve.png\n");
    assert_string_equal(r.err, "");
    image_load(in_dir(fx, "lmp_curve.png"), &im);
    assert_int_equal(im.w, 800);
    assert_int_equal(im.h, 500);
    assert_true(count_color(&im, lmpviz_palette_color(0), COLOR_TOL) > 200);
    free(im.px);
    assert_int_equal(entries(fx), 1);
}

static void
test_help(void **state)
{
    run_result r;
    (void)state;
    run_curve(&r, "--help", NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "Usage: lmpviz curve"));
    assert_non_null(strstr(r.out, "--cumulative"));
    assert_string_equal(r.err, "");
}

/* The dashed uniform line is on the row where 1/n maps. */
static void
test_uniform_line_row(void **state)
{
    fixture *fx = *state;
    run_result r;
    image im;
    double py = uniform_row(1.5, 0.1);
    lmpviz_color grey = lmpviz_color_hex(0x555555);
    long row, best_row = -1, x;
    size_t best = 0;
    int transitions = 0, prev = -1;

    run_curve(&r, "--p", "1.5", "--m", "0.1", "-o", in_dir(fx, "u.png"), NULL);
    assert_int_equal(r.rc, 0);
    image_load(fx->path, &im);
    for (row = (long)py - 8; row <= (long)py + 8; row++) {
        size_t n = 0;
        for (x = 0; x < (long)im.w; x++)
            n += (size_t)pixel_is(&im, x, row, grey, COLOR_TOL);
        if (n > best) {
            best = n;
            best_row = row;
        }
    }
    assert_true(best > 100);
    assert_true(labs(best_row - (long)floor(py)) <= 1);
    for (x = 0; x < (long)im.w; x++) {
        int on = pixel_is(&im, x, best_row, grey, COLOR_TOL + 20);
        if (prev >= 0 && on != prev)
            transitions++;
        prev = on;
    }
    assert_true(transitions > 40); /* dashed */
    free(im.px);
}

/* p = inf: the curve lies on the uniform line. */
static void
test_pinf_on_uniform_line(void **state)
{
    fixture *fx = *state;
    run_result r;
    image im;
    double py = uniform_row(INFINITY, 0.1);
    lmpviz_color c = lmpviz_palette_color(0);
    unsigned x, y;
    size_t on = 0;

    run_curve(&r, "--p", "inf", "-o", in_dir(fx, "pinf.png"), NULL);
    assert_int_equal(r.rc, 0);
    image_load(fx->path, &im);
    /* the series colour inside the plot (legend sample excluded: it is in
     * the upper part; the curve is the long run) */
    for (y = 0; y < im.h; y++) {
        size_t run = 0;
        for (x = 0; x < im.w; x++)
            run += (size_t)pixel_is(&im, x, y, c, COLOR_TOL);
        if (run > 200) {
            assert_true(fabs((double)y + 0.5 - py) < 2.5);
            on += run;
        }
    }
    assert_true(on > 500);
    free(im.px);
}

static void
test_several_series_colors(void **state)
{
    fixture *fx = *state;
    run_result r;
    image im;
    size_t s;

    run_curve(&r, "--p", "1,1.3,1.5,2,inf", "--m", "0.1", "-o", in_dir(fx, "multi.png"), NULL);
    assert_int_equal(r.rc, 0);
    image_load(fx->path, &im);
    for (s = 0; s < 5; s++)
        assert_true(count_color(&im, lmpviz_palette_color(s), COLOR_TOL) > 50);
    /* no sixth series */
    assert_true(count_color(&im, lmpviz_palette_color(5), COLOR_TOL) == 0);
    free(im.px);

    run_curve(&r, "--p", "1.5,2", "--m", "0.05,0.1,0.25,1", "--size", "640x400", "-o",
              in_dir(fx, "grid.png"), NULL);
    assert_int_equal(r.rc, 0);
    image_load(fx->path, &im);
    assert_int_equal(im.w, 640);
    assert_int_equal(im.h, 400);
    assert_true(count_color(&im, lmpviz_palette_color(0), COLOR_TOL) > 50);
    assert_true(count_color(&im, lmpviz_palette_color(1), COLOR_TOL) > 50);
    free(im.px);
}

static void
test_csv_matches_lmp_solve(void **state)
{
    fixture *fx = *state;
    static float w[4][2000];
    float loss[2000], sorted[LMPVIZ_PROFILE_N], ref[LMPVIZ_PROFILE_N];
    char header[512];
    static const double ps[2] = { 1.5, 2.0 }, ms[2] = { 0.1, 0.25 };
    size_t rows, i, j, k;
    run_result r;
    char csv[256];

    snprintf(csv, sizeof csv, "%s", in_dir(fx, "c.csv"));
    run_curve(&r, "--p", "1.5,2", "--m", "0.1,0.25", "--csv", csv, "-o", in_dir(fx, "c.png"), NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "c.csv"));
    rows = read_csv(csv, header, sizeof header, loss, w, 4);
    assert_string_equal(header, "rank,loss,w_p1.5_m0.1,w_p1.5_m0.25,w_p2_m0.1,w_p2_m0.25\n");
    assert_int_equal(rows, LMPVIZ_PROFILE_N);
    default_losses_sorted(sorted);
    for (k = 0; k < rows; k++)
        assert_true(loss[k] == sorted[k]);
    for (i = 0; i < 2; i++) {
        for (j = 0; j < 2; j++) {
            lmp_params prm = LMP_PARAMS_INIT;
            lmp_result res;
            prm.p = ps[i];
            prm.m = ms[j];
            assert_int_equal(lmp_solve(sorted, NULL, LMPVIZ_PROFILE_N, &prm, ref, &res, NULL),
                             LMP_OK);
            for (k = 0; k < rows; k++)
                assert_true(fabs(w[2 * i + j][k] - ref[k]) <= WEIGHT_RTOL * ref[k]);
        }
    }
}

static void
test_csv_from_npy_sample(void **state)
{
    fixture *fx = *state;
    static float w[1][2000];
    float src[1000], picked[200], loss[2000], ref[200];
    size_t shape[2] = { 20, 50 }, k, rows;
    uint64_t seed = test_seed();
    char npy[256], csv[256], header[256];
    run_result r;
    lmp_params prm = LMP_PARAMS_INIT;
    lmp_result res;

    for (k = 0; k < 1000; k++)
        src[k] = (float)(3.0 * test_rand_unit(&seed));
    snprintf(npy, sizeof npy, "%s", in_dir(fx, "loss.npy"));
    snprintf(csv, sizeof csv, "%s", in_dir(fx, "s.csv"));
    assert_int_equal(lmpviz_npy_write_float(npy, src, shape, 2, NULL), LMPVIZ_OK);

    run_curve(&r, "--losses", npy, "--sample", "200", "--seed", "3", "--p", "2", "--m", "0.05",
              "--csv", csv, "-o", in_dir(fx, "s.png"), NULL);
    assert_int_equal(r.rc, 0);
    rows = read_csv(csv, header, sizeof header, loss, w, 1);
    assert_int_equal(rows, 200);
    assert_int_equal(lmpviz_sample_float(src, 1000, 200, 3, picked), LMPVIZ_OK);
    qsort(picked, 200, sizeof *picked, cmp_desc);
    prm.p = 2.0;
    prm.m = 0.05;
    assert_int_equal(lmp_solve(picked, NULL, 200, &prm, ref, &res, NULL), LMP_OK);
    for (k = 0; k < 200; k++) {
        assert_true(loss[k] == picked[k]);
        assert_true(fabs(w[0][k] - ref[k]) <= WEIGHT_RTOL * ref[k]);
    }

    /* all of them */
    run_curve(&r, "--losses", npy, "--csv", csv, "-o", in_dir(fx, "all.svg"), NULL);
    assert_int_equal(r.rc, 0);
    rows = read_csv(csv, header, sizeof header, loss, w, 1);
    assert_int_equal(rows, 1000);
}

static void
test_svg_and_pdf(void **state)
{
    fixture *fx = *state;
    run_result r;
    char *buf, cmd[1024];
    size_t len, s;

    run_curve(&r, "--p", "1,1.5,2", "-o", in_dir(fx, "x.svg"), NULL);
    assert_int_equal(r.rc, 0);
    buf = read_all(fx->path, &len);
    assert_non_null(strstr(buf, "<svg"));
    /* one long stroked path per series in its colour, at 1.8 pt */
    for (s = 0; s < 3; s++) {
        lmpviz_color c = lmpviz_palette_color(s);
        char needle[160];
        size_t count = 0;
        const char *p = buf;
        snprintf(needle, sizeof needle,
                 "stroke-width:1.8;stroke-linecap:butt;stroke-linejoin:round;stroke:rgb(");
        while ((p = strstr(p, needle)) != NULL) {
            double rr, gg, bb;
            p += strlen(needle);
            if (sscanf(p, "%lf%%,%lf%%,%lf%%", &rr, &gg, &bb) == 3 && fabs(rr / 100 - c.r) < 1e-3 &&
                fabs(gg / 100 - c.g) < 1e-3 && fabs(bb / 100 - c.b) < 1e-3)
                count++;
        }
        assert_int_equal(count, 2); /* the curve and its legend sample */
    }
    free(buf);
    if (access("/usr/bin/python3", X_OK) == 0) {
        /* parses as XML, and exactly three stroked paths are wider than the
         * 26 pt legend samples in a series colour at 1.8 pt */
        snprintf(
            cmd, sizeof cmd,
            "/usr/bin/python3 -c 'import sys, re, xml.dom.minidom as m\n"
            "d = m.parse(sys.argv[1])\n"
            "n = 0\n"
            "for p in d.getElementsByTagName(\"path\"):\n"
            "    s = p.getAttribute(\"style\")\n"
            "    if \"stroke-width:1.8;\" not in s: continue\n"
            "    xs = [float(v) for v in re.findall(r\"[-0-9.]+\", p.getAttribute(\"d\"))[0::2]]\n"
            "    n += max(xs) - min(xs) > 40\n"
            "sys.exit(0 if n == 3 else 1)' %s",
            fx->path);
        assert_int_equal(system(cmd), 0);
    }

    run_curve(&r, "--figure", "paper", "-o", in_dir(fx, "x.pdf"), NULL);
    assert_int_equal(r.rc, 0);
    buf = read_all(fx->path, &len);
    assert_memory_equal(buf, "%PDF-", 5);
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        len--;
    assert_memory_equal(buf + len - 5, "%%EOF", 5);
    free(buf);
}

static void
test_paper_and_views(void **state)
{
    fixture *fx = *state;
    run_result r;
    image im;
    size_t s;

    run_curve(&r, "--figure", "paper", "-o", in_dir(fx, "paper.png"), NULL);
    assert_int_equal(r.rc, 0);
    image_load(fx->path, &im);
    assert_int_equal(im.w, 1300);
    assert_int_equal(im.h, 500);
    for (s = 0; s < 5; s++)
        assert_true(count_color(&im, lmpviz_palette_color(s), COLOR_TOL) > 50);
    free(im.px);

    run_curve(&r, "--cumulative", "--p", "1,2", "-o", in_dir(fx, "cum.png"), NULL);
    assert_int_equal(r.rc, 0);
    run_curve(&r, "--scaled", "--logy", "--dist", "lognormal", "--n", "1000", "--seed", "1", "-o",
              in_dir(fx, "scaled.png"), NULL);
    assert_int_equal(r.rc, 0);
    run_curve(&r, "--m-pixels", "5,20", "--title", "τ and θ", "--dpi", "150", "--size", "900x600",
              "-o", in_dir(fx, "mpx.png"), NULL);
    assert_int_equal(r.rc, 0);
    image_load(fx->path, &im);
    assert_int_equal(im.w, 900);
    assert_int_equal(im.h, 600);
    free(im.px);
    run_curve(&r, "--p", "1", "--logy", "-o", in_dir(fx, "p1log.png"), NULL);
    assert_int_equal(r.rc, 0);
}

typedef struct bad_case {
    const char *args[8];
    int rc;
    const char *msg;
} bad_case;

static void
test_bad_options(void **state)
{
    fixture *fx = *state;
    static const bad_case cases[] = {
        { { "--p", "0.5" },
          2,
          "lmpviz curve: --p: expected p >= 1 (a number or \"inf\"), got \"0.5\"\n" },
        { { "--p", "1,0.9" }, 2, "--p: expected p >= 1" },
        { { "--m", "1.5" }, 2, "--m: expected a fraction in (0, 1], got \"1.5\"" },
        { { "--m", "0.1", "--m-pixels", "4" }, 2, "give one of them" },
        { { "--size", "10x10" }, 2, "--size: expected WIDTHxHEIGHT" },
        { { "--size", "800" }, 2, "--size: expected WIDTHxHEIGHT" },
        { { "--dpi", "0" }, 2, "--dpi: expected a number in [10, 2400]" },
        { { "--figure", "poster" }, 2, "--figure: expected \"paper\"" },
        { { "--dist", "cauchy" }, 2, "--dist: expected exponential" },
        { { "--sample", "5" }, 2, "--sample: needs --losses" },
        { { "--n", "0" }, 2, "--n: expected a positive whole number" },
        { { "--seed", "-1" }, 2, "--seed: expected a whole number" },
        { { "--scaled", "--cumulative" }, 2, "give one of them" },
        { { "--figure", "paper", "--p", "1,2" }, 2, "--figure paper" },
        { { "--bogus" }, 2, "unknown option \"--bogus\"" },
        { { "--p" }, 2, "--p: expected a value" },
        { { "stray" }, 2, "unexpected argument \"stray\"" },
        { { "--losses", "/nonexistent/l.npy", "--n", "5" }, 2, "--n: applies to generated losses" },
        { { "--losses", "/nonexistent/l.npy" }, 1, "lmpviz curve: /nonexistent/l.npy: " },
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[16];
        int argc = 0, j;
        run_result r;

        argv[argc++] = (char *)"curve";
        for (j = 0; j < 8 && cases[i].args[j] != NULL; j++)
            argv[argc++] = (char *)cases[i].args[j];
        argv[argc++] = (char *)"-o";
        argv[argc++] = (char *)in_dir(fx, "bad.png");
        argv[argc] = NULL;
        /* "--p" without a value must stay last */
        if (strcmp(cases[i].args[0], "--p") == 0 && cases[i].args[1] == NULL) {
            argv[1] = (char *)"-o";
            argv[2] = (char *)fx->path;
            argv[3] = (char *)"--p";
        }
        run_argv(&r, cmd_curve, argc, argv);
        if (r.rc != cases[i].rc || strstr(r.err, cases[i].msg) == NULL)
            fail_msg("case %zu (%s): rc %d, stderr \"%s\"", i, cases[i].args[0], r.rc, r.err);
        if (cases[i].rc == 2)
            assert_non_null(strstr(r.err, "try 'lmpviz curve --help'\n"));
        assert_string_equal(r.out, "");
        assert_int_equal(entries(fx), 0);
    }
}

/* The golden message of STYLE.md. */
static void
test_m_zero_message(void **state)
{
    fixture *fx = *state;
    run_result r;
    run_curve(&r, "--m", "0", "-o", in_dir(fx, "m0.png"), NULL);
    assert_int_equal(r.rc, 2);
    assert_string_equal(r.err, "lmpviz curve: --m: expected a fraction in (0, 1], got \"0\"\n"
                               "try 'lmpviz curve --help'\n");
    assert_int_equal(entries(fx), 0);
}

/* The CSV over the losses, or the figure and the CSV in one file: usage
 * errors before anything is read; the losses keep their bytes. */
static void
test_outputs_distinct(void **state)
{
    fixture *fx = *state;
    float src[4] = { 1.0f, 2.0f, 3.0f, 4.0f };
    size_t shape[1] = { 4 };
    char npy[256], png[256], want[1024];
    struct stat before, after;
    run_result r;

    snprintf(npy, sizeof npy, "%s", in_dir(fx, "loss.npy"));
    snprintf(png, sizeof png, "%s", in_dir(fx, "c.png"));
    assert_int_equal(lmpviz_npy_write_float(npy, src, shape, 1, NULL), LMPVIZ_OK);
    assert_int_equal(stat(npy, &before), 0);
    run_curve(&r, "--losses", npy, "--csv", npy, "-o", png, NULL);
    snprintf(want, sizeof want,
             "lmpviz curve: --csv: expected a file that is not an input, got \"%s\", the same file "
             "as --losses \"%s\"\ntry 'lmpviz curve --help'\n",
             npy, npy);
    assert_int_equal(r.rc, 2);
    assert_string_equal(r.err, want);
    run_curve(&r, "--losses", npy, "--csv", png, "-o", png, NULL);
    snprintf(want, sizeof want,
             "lmpviz curve: --csv: expected a file no other output writes, got \"%s\", the same "
             "file as -o \"%s\"\ntry 'lmpviz curve --help'\n",
             png, png);
    assert_int_equal(r.rc, 2);
    assert_string_equal(r.err, want);
    assert_int_equal(stat(npy, &after), 0);
    assert_true(after.st_ino == before.st_ino && after.st_size == before.st_size);
    assert_int_equal(entries(fx), 1);
}

/* A huge --n is refused at once with the memory it needs, as solve does,
 * instead of after a minute of work (where the memory is known). */
static void
test_memory_estimate_first(void **state)
{
    fixture *fx = *state;
    run_result r;
    double t0;

    if (lmpviz_mem_check(1ULL << 62, "a probe", NULL) == LMPVIZ_OK) {
        printf("# skipped: the memory available is unknown here\n");
        skip();
    }
    t0 = cli_now();
    run_curve(&r, "--n", "1000000000000", "-o", in_dir(fx, "x.png"), NULL);
    assert_int_equal(r.rc, 1);
    assert_true(strncmp(r.err,
                        "lmpviz curve: --n 1000000000000: needs 48428.8 GiB of memory for "
                        "1000000000000 losses and 1 curve, only ",
                        strlen("lmpviz curve: --n 1000000000000: needs 48428.8 GiB of memory for "
                               "1000000000000 losses and 1 curve, only ")) == 0);
    assert_non_null(strstr(r.err, " available\n"));
    assert_true(cli_now() - t0 < 5.0);
    /* every curve counts: 4 p values x 2 m values */
    run_curve(&r, "--n", "100000000000", "--p", "1,2,3,inf", "--m", "0.1,0.2", "-o",
              in_dir(fx, "x.png"), NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "100000000000 losses and 8 curves, only "));
    assert_int_equal(entries(fx), 0);
}

static void
test_output_failures_leave_no_file(void **state)
{
    fixture *fx = *state;
    run_result r;
    char csv[256];

    run_curve(&r, "-o", in_dir(fx, "x.jpg"), NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "-o: expected a file name ending in .png, .svg or .pdf, got \""));
    assert_int_equal(entries(fx), 0);

    run_curve(&r, "-o", in_dir(fx, "missing/x.png"), NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "lmpviz curve: "));
    assert_non_null(strstr(r.err, "missing/x.png"));
    assert_int_equal(entries(fx), 0);

    /* an unwritable CSV: the figure is not written either */
    snprintf(csv, sizeof csv, "%s/missing/c.csv", fx->dir);
    run_curve(&r, "--csv", csv, "-o", in_dir(fx, "ok.png"), NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "missing/c.csv"));
    assert_int_equal(entries(fx), 0);

    /* an unwritable figure after a good CSV: the CSV is removed */
    snprintf(csv, sizeof csv, "%s/c.csv", fx->dir);
    run_curve(&r, "--csv", csv, "-o", in_dir(fx, "missing/x.svg"), NULL);
    assert_int_equal(r.rc, 1);
    assert_int_equal(entries(fx), 0);
}

static void
test_bad_losses_file(void **state)
{
    fixture *fx = *state;
    float v[4] = { 1.0f, -2.0f, 0.5f, 0.0f };
    size_t shape[1] = { 4 };
    char npy[256];
    run_result r;

    snprintf(npy, sizeof npy, "%s", in_dir(fx, "neg.npy"));
    assert_int_equal(lmpviz_npy_write_float(npy, v, shape, 1, NULL), LMPVIZ_OK);
    run_curve(&r, "--losses", npy, "-o", in_dir(fx, "neg.png"), NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "neg.npy: loss 1 is -2"));
    run_curve(&r, "--losses", npy, "--sample", "5", "-o", in_dir(fx, "neg.png"), NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "holds only 4 losses"));
    assert_int_equal(entries(fx), 1); /* just neg.npy */
}

/* Every option that takes a value, given without it: the same message. */
static void
test_missing_value_every_option(void **state)
{
    static const char *const opts[] = {
        "--p",    "--m",    "--m-pixels", "--figure", "--n", "--losses", "--sample", "--dist",
        "--seed", "--size", "--dpi",      "--title",  "-o",  "--output", "--csv",    NULL,
    };
    (void)state;
    expect_missing_values(cmd_curve, "curve", opts);
}

/* cli_curve_parse: values into their fields; --help and a check of the
 * options together. */
static void
test_parse(void **state)
{
    char *argv[] = { "curve",        "--p",      "1,inf",   "--m-pixels", "5", "--losses",
                     "l.npy",        "--sample", "9",       "--seed",     "3", "--logy",
                     "--cumulative", "--size",   "300x200", NULL };
    char *help[] = { "curve", "--help", NULL };
    char *both[] = { "curve", "--scaled", "--cumulative", NULL };
    cli_curve_args a;
    run_result r;
    (void)state;

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_curve_parse, &a, argv);
    assert_int_equal(r.rc, CLI_PARSE_OK);
    assert_int_equal(a.n_p, 2);
    assert_true(a.p[0] == 1.0 && isinf(a.p[1]));
    assert_int_equal(a.n_m_px, 1);
    assert_true(a.m_px[0] == 5.0);
    assert_string_equal(a.losses, "l.npy");
    assert_int_equal(a.sample, 9);
    assert_int_equal(a.seed, 3);
    assert_int_equal(a.logy + a.cumulative + a.have_size, 3);
    assert_int_equal(a.width, 300);
    assert_int_equal(a.height, 200);
    cli_curve_args_free(&a);

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_curve_parse, &a, help);
    assert_int_equal(r.rc, CLI_PARSE_HELP);
    assert_true(strncmp(r.out, "Usage: lmpviz curve", 19) == 0);
    cli_curve_args_free(&a);

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_curve_parse, &a, both);
    assert_int_equal(r.rc, CLI_PARSE_USAGE);
    assert_string_equal(r.err, "lmpviz curve: --scaled and --cumulative: give one of them\n"
                               "try 'lmpviz curve --help'\n");
    cli_curve_args_free(&a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_default_writes_lmp_curve_png, setup, teardown),
        cmocka_unit_test(test_help),
        cmocka_unit_test_setup_teardown(test_uniform_line_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pinf_on_uniform_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_several_series_colors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_matches_lmp_solve, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_from_npy_sample, setup, teardown),
        cmocka_unit_test_setup_teardown(test_svg_and_pdf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paper_and_views, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_m_zero_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outputs_distinct, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memory_estimate_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_failures_leave_no_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_losses_file, setup, teardown),
        cmocka_unit_test(test_missing_value_every_option),
        cmocka_unit_test(test_parse),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
