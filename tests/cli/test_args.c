/* Tests of cli/args.c: the option parsers (values accepted, values refused
 * and the exact usage message each refusal prints), the message helpers and
 * cli_json_number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_test_util.h"

typedef cli_parse_result (*parse_fn)(const char *, const char *, const char *, double *);

/* Runs one parser with stdout and stderr captured; r->rc is its return. */
static void
run_parse(run_result *r, parse_fn fn, const char *opt, const char *text, double *out)
{
    capture c;
    capture_begin(&c);
    r->rc = fn("curve", opt, text, out);
    capture_end(&c, r);
}

static void
run_parse_size(run_result *r, const char *opt, const char *text, size_t *out)
{
    capture c;
    capture_begin(&c);
    r->rc = cli_parse_size("curve", opt, text, out);
    capture_end(&c, r);
}

static void
run_parse_list(
    run_result *r, const char *text, parse_fn fn, double **out, size_t *count, size_t max_count)
{
    capture c;
    capture_begin(&c);
    r->rc = cli_parse_list("curve", "--p", text, fn, out, count, max_count);
    capture_end(&c, r);
}

/* The usage message of every refusal: one line, then the --help hint. */
static void
expect_usage(const run_result *r, const char *line)
{
    char want[1024];
    snprintf(want, sizeof want, "lmpviz curve: %s\ntry 'lmpviz curve --help'\n", line);
    assert_int_equal(r->rc, CLI_PARSE_USAGE);
    assert_string_equal(r->err, want);
    assert_string_equal(r->out, "");
}

/* ------------------------------------------------------------------------
 * Accepted values: exact results, nothing printed.
 */

typedef struct good_case {
    parse_fn fn;
    const char *text;
    double want;
} good_case;

static void
test_good_values(void **state)
{
    static const good_case cases[] = {
        { cli_parse_double, "1.5", 1.5 },
        { cli_parse_double, "1e-3", 1e-3 },
        { cli_parse_double, "-2", -2.0 },
        { cli_parse_double, "0", 0.0 },
        { cli_parse_p, "1", 1.0 },
        { cli_parse_p, "1.5", 1.5 },
        { cli_parse_p, "1e3", 1000.0 },
        { cli_parse_p, "inf", INFINITY },
        { cli_parse_p, "INF", INFINITY },
        { cli_parse_p, "Infinity", INFINITY },
        { cli_parse_m, "1", 1.0 },
        { cli_parse_m, "0.1", 0.1 },
        { cli_parse_m, "1e-3", 1e-3 },
        /* below DBL_MIN: strtod reports ERANGE, yet it is a fraction in (0, 1] */
        { cli_parse_m, "1e-310", 1e-310 },
        { cli_parse_m_pixels, "1", 1.0 },
        { cli_parse_m_pixels, "2.5", 2.5 },
        { cli_parse_m_pixels, "1e3", 1000.0 },
    };
    size_t i;
    (void)state;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_result r;
        double v = -12345.0;
        run_parse(&r, cases[i].fn, "--x", cases[i].text, &v);
        if (r.rc != CLI_PARSE_OK || strcmp(r.err, "") != 0 || strcmp(r.out, "") != 0 ||
            !(v == cases[i].want))
            fail_msg("case %zu (\"%s\"): rc %d, value %.17g, stderr \"%s\"", i, cases[i].text, r.rc,
                     v, r.err);
    }
}

static void
test_size_good(void **state)
{
    run_result r;
    size_t v = 0;
    (void)state;

    run_parse_size(&r, "--n", "1", &v);
    assert_int_equal(r.rc, CLI_PARSE_OK);
    assert_int_equal(v, 1);
    assert_string_equal(r.err, "");
    run_parse_size(&r, "--n", "2000000", &v);
    assert_int_equal(r.rc, CLI_PARSE_OK);
    assert_int_equal(v, 2000000);
    assert_string_equal(r.err, "");
}

/* ------------------------------------------------------------------------
 * Refused values: CLI_PARSE_USAGE and the golden message.
 */

typedef struct bad_case {
    parse_fn fn;
    const char *opt;
    const char *text;
    const char *line; /* the first line of stderr, without "lmpviz curve: " */
} bad_case;

#define NUM  "expected a number, got "
#define PGE1 "expected p >= 1 (a number or \"inf\"), got "
#define FRAC "expected a fraction in (0, 1], got "
#define PIX  "expected a pixel count >= 1, got "

static void
test_bad_values(void **state)
{
    static const bad_case cases[] = {
        { cli_parse_double, "--dpi", "", "--dpi: " NUM "\"\"" },
        { cli_parse_double, "--dpi", NULL, "--dpi: " NUM "\"\"" },
        { cli_parse_double, "--dpi", "abc", "--dpi: " NUM "\"abc\"" },
        { cli_parse_double, "--dpi", "1.5x", "--dpi: " NUM "\"1.5x\"" },
        { cli_parse_double, "--dpi", "nan", "--dpi: " NUM "\"nan\"" },
        { cli_parse_double, "--dpi", "inf", "--dpi: " NUM "\"inf\"" },
        { cli_parse_double, "--dpi", "1e400", "--dpi: " NUM "\"1e400\"" },
        { cli_parse_double, "--dpi", "-1e400", "--dpi: " NUM "\"-1e400\"" },
        { cli_parse_p, "--p", "", "--p: " PGE1 "\"\"" },
        { cli_parse_p, "--p", "abc", "--p: " PGE1 "\"abc\"" },
        { cli_parse_p, "--p", "1.5x", "--p: " PGE1 "\"1.5x\"" },
        { cli_parse_p, "--p", "nan", "--p: " PGE1 "\"nan\"" },
        { cli_parse_p, "--p", "NaN", "--p: " PGE1 "\"NaN\"" },
        { cli_parse_p, "--p", "-1", "--p: " PGE1 "\"-1\"" },
        { cli_parse_p, "--p", "0.5", "--p: " PGE1 "\"0.5\"" },
        { cli_parse_p, "--p", "0.9999999", "--p: " PGE1 "\"0.9999999\"" },
        { cli_parse_p, "--p", "-inf", "--p: " PGE1 "\"-inf\"" },
        { cli_parse_p, "--p", "1e400", "--p: " PGE1 "\"1e400\"" },
        { cli_parse_p, "--p", "infx", "--p: " PGE1 "\"infx\"" },
        { cli_parse_m, "--m", "", "--m: " FRAC "\"\"" },
        { cli_parse_m, "--m", "abc", "--m: " FRAC "\"abc\"" },
        { cli_parse_m, "--m", "1.5x", "--m: " FRAC "\"1.5x\"" },
        { cli_parse_m, "--m", "nan", "--m: " FRAC "\"nan\"" },
        { cli_parse_m, "--m", "0", "--m: " FRAC "\"0\"" },
        { cli_parse_m, "--m", "-0", "--m: " FRAC "\"-0\"" },
        { cli_parse_m, "--m", "-1", "--m: " FRAC "\"-1\"" },
        { cli_parse_m, "--m", "1.0000001", "--m: " FRAC "\"1.0000001\"" },
        { cli_parse_m, "--m", "1.5", "--m: " FRAC "\"1.5\"" },
        { cli_parse_m, "--m", "inf", "--m: " FRAC "\"inf\"" },
        { cli_parse_m, "--m", "1e400", "--m: " FRAC "\"1e400\"" },
        /* underflows to 0: not in (0, 1] */
        { cli_parse_m, "--m", "1e-400", "--m: " FRAC "\"1e-400\"" },
        { cli_parse_m_pixels, "--m-pixels", "", "--m-pixels: " PIX "\"\"" },
        { cli_parse_m_pixels, "--m-pixels", "abc", "--m-pixels: " PIX "\"abc\"" },
        { cli_parse_m_pixels, "--m-pixels", "1.5x", "--m-pixels: " PIX "\"1.5x\"" },
        { cli_parse_m_pixels, "--m-pixels", "nan", "--m-pixels: " PIX "\"nan\"" },
        { cli_parse_m_pixels, "--m-pixels", "0", "--m-pixels: " PIX "\"0\"" },
        { cli_parse_m_pixels, "--m-pixels", "0.5", "--m-pixels: " PIX "\"0.5\"" },
        { cli_parse_m_pixels, "--m-pixels", "-1", "--m-pixels: " PIX "\"-1\"" },
        { cli_parse_m_pixels, "--m-pixels", "inf", "--m-pixels: " PIX "\"inf\"" },
        { cli_parse_m_pixels, "--m-pixels", "1e400", "--m-pixels: " PIX "\"1e400\"" },
    };
    size_t i;
    (void)state;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_result r;
        char want[1024];
        double v = 0.0;
        run_parse(&r, cases[i].fn, cases[i].opt, cases[i].text, &v);
        snprintf(want, sizeof want, "lmpviz curve: %s\ntry 'lmpviz curve --help'\n", cases[i].line);
        if (r.rc != CLI_PARSE_USAGE || strcmp(r.err, want) != 0 || strcmp(r.out, "") != 0)
            fail_msg("case %zu (%s \"%s\"): rc %d, stderr \"%s\"", i, cases[i].opt,
                     cases[i].text ? cases[i].text : "(null)", r.rc, r.err);
    }
}

/* The golden message of STYLE.md, spelled out in full. */
static void
test_m_zero_golden(void **state)
{
    run_result r;
    double v = 0.5;
    (void)state;

    run_parse(&r, cli_parse_m, "--m", "0", &v);
    assert_int_equal(r.rc, CLI_PARSE_USAGE);
    assert_string_equal(r.err, "lmpviz curve: --m: expected a fraction in (0, 1], got \"0\"\n"
                               "try 'lmpviz curve --help'\n");
}

static void
test_size_bad(void **state)
{
    static const char *const texts[] = {
        "", "abc", "1.5", "1.5x", "-1", "0", "1e3", "5 ", "nan", "99999999999999999999999",
    };
    size_t i;
    (void)state;

    for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        run_result r;
        char line[256];
        size_t v = 7;
        run_parse_size(&r, "--n", texts[i], &v);
        snprintf(line, sizeof line, "--n: expected a positive whole number, got \"%s\"", texts[i]);
        expect_usage(&r, line);
    }
    {
        run_result r;
        size_t v = 7;
        run_parse_size(&r, "--n", NULL, &v);
        expect_usage(&r, "--n: expected a positive whole number, got \"\"");
    }
}

/* ------------------------------------------------------------------------
 * Lists
 */

static void
test_list_good(void **state)
{
    run_result r;
    double *v = NULL;
    size_t n = 99;
    (void)state;

    run_parse_list(&r, "1,1.5,inf", cli_parse_p, &v, &n, 8);
    assert_int_equal(r.rc, CLI_PARSE_OK);
    assert_string_equal(r.err, "");
    assert_int_equal(n, 3);
    assert_non_null(v);
    assert_true(v[0] == 1.0);
    assert_true(v[1] == 1.5);
    assert_true(isinf(v[2]) && v[2] > 0);
    free(v);

    /* one item; exactly max_count items */
    run_parse_list(&r, "2", cli_parse_p, &v, &n, 1);
    assert_int_equal(r.rc, CLI_PARSE_OK);
    assert_int_equal(n, 1);
    assert_true(v[0] == 2.0);
    free(v);
    run_parse_list(&r, "0.1,0.25,1", cli_parse_m, &v, &n, 3);
    assert_int_equal(r.rc, CLI_PARSE_OK);
    assert_string_equal(r.err, "");
    assert_int_equal(n, 3);
    assert_true(v[0] == 0.1 && v[1] == 0.25 && v[2] == 1.0);
    free(v);
}

static void
test_list_bad(void **state)
{
    static const char *const shapes[] = { "", ",1", "1,,2", "1,", ",", "1,2,,", ",," };
    static double sentinel;
    size_t i;
    (void)state;

    for (i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        run_result r;
        char line[256];
        double *v = &sentinel; /* must be reset to NULL */
        size_t n = 99;
        run_parse_list(&r, shapes[i], cli_parse_p, &v, &n, 8);
        snprintf(line, sizeof line, "--p: expected a comma-separated list, got \"%s\"", shapes[i]);
        expect_usage(&r, line);
        assert_null(v);
        assert_int_equal(n, 0);
    }
    {
        run_result r;
        double *v = NULL;
        size_t n = 99;
        run_parse_list(&r, NULL, cli_parse_p, &v, &n, 8);
        expect_usage(&r, "--p: expected a comma-separated list, got \"\"");
        assert_null(v);
    }
}

static void
test_list_bad_item_and_too_many(void **state)
{
    run_result r;
    double *v = NULL;
    size_t n = 99;
    (void)state;

    /* the item's own message, naming the item */
    run_parse_list(&r, "1,0.5,2", cli_parse_p, &v, &n, 8);
    expect_usage(&r, "--p: expected p >= 1 (a number or \"inf\"), got \"0.5\"");
    assert_null(v);
    assert_int_equal(n, 0);

    run_parse_list(&r, "0.1,nan", cli_parse_m, &v, &n, 8);
    expect_usage(&r, "--p: expected a fraction in (0, 1], got \"nan\"");
    assert_null(v);

    run_parse_list(&r, "1,2,3", cli_parse_p, &v, &n, 2);
    expect_usage(&r, "--p: at most 2 values, got more in \"1,2,3\"");
    assert_null(v);
    assert_int_equal(n, 0);

    /* too many wins over a later bad item: only one message */
    run_parse_list(&r, "1,2,x", cli_parse_p, &v, &n, 2);
    expect_usage(&r, "--p: at most 2 values, got more in \"1,2,x\"");
    assert_null(v);
}

/* ------------------------------------------------------------------------
 * Messages and JSON numbers
 */

static void
test_messages(void **state)
{
    run_result r;
    capture c;
    (void)state;

    capture_begin(&c);
    cli_error("solve", "%s: expected %d things", "x.npy", 3);
    capture_end(&c, &r);
    assert_string_equal(r.err, "lmpviz solve: x.npy: expected 3 things\n");
    assert_string_equal(r.out, "");

    capture_begin(&c);
    r.rc = cli_usage_error("bench", "unexpected argument \"%s\"", "zz");
    capture_end(&c, &r);
    assert_int_equal(r.rc, CLI_EXIT_USAGE);
    assert_string_equal(r.err,
                        "lmpviz bench: unexpected argument \"zz\"\ntry 'lmpviz bench --help'\n");
    assert_string_equal(r.out, "");
}

static void
test_json_number(void **state)
{
    static const struct {
        double v;
        const char *want;
    } cases[] = {
        { 1.5, "1.5" },          { 0.0, "0" },
        { -2.0, "-2" },          { 0.1, "0.10000000000000001" },
        { 1e-3, "0.001" },       { 1e300, "1.0000000000000001e+300" },
        { INFINITY, "\"inf\"" }, { -INFINITY, "\"-inf\"" },
        { NAN, "null" },
    };
    size_t i;
    (void)state;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[64];
        const char *s = cli_json_number(cases[i].v, buf, sizeof buf);
        assert_ptr_equal(s, buf);
        assert_string_equal(buf, cases[i].want);
        /* finite values read back exactly */
        if (isfinite(cases[i].v))
            assert_true(strtod(buf, NULL) == cases[i].v);
    }
}

static void
test_now_monotonic(void **state)
{
    double a = cli_now();
    double b = cli_now();
    (void)state;
    assert_true(a > 0.0);
    assert_true(b >= a);
}

/* --size with different minimums for width and height: each side is
 * checked against its own (a swap of the two would pass 150x150). */
static void
test_size_minimums_differ(void **state)
{
    static const char *const bad[] = { "199x300", "300x99", "100x200", "150x150" };
    run_result r;
    capture c;
    size_t w = 0, h = 0, i;
    char line[256];

    (void)state;
    capture_begin(&c);
    r.rc = cli_parse_wh("curve", "200x100", 200, 100, &w, &h);
    capture_end(&c, &r);
    assert_int_equal(r.rc, CLI_PARSE_OK);
    assert_int_equal(w, 200);
    assert_int_equal(h, 100);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        capture_begin(&c);
        r.rc = cli_parse_wh("curve", bad[i], 200, 100, &w, &h);
        capture_end(&c, &r);
        snprintf(line, sizeof line,
                 "--size: expected WIDTHxHEIGHT in pixels (at least 200x100), got \"%s\"", bad[i]);
        expect_usage(&r, line);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_values),
        cmocka_unit_test(test_size_good),
        cmocka_unit_test(test_size_minimums_differ),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_m_zero_golden),
        cmocka_unit_test(test_size_bad),
        cmocka_unit_test(test_list_good),
        cmocka_unit_test(test_list_bad),
        cmocka_unit_test(test_list_bad_item_and_too_many),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_json_number),
        cmocka_unit_test(test_now_monotonic),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
