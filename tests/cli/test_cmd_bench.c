/* Tests of cli/cmd_bench.c (`lmpviz bench`): the lines and table it prints,
 * JSON that parses (null for what was not measured), the value it reports
 * against lmp_solve on the same losses, the batch timing, and the exit code
 * and exact stderr of every bad value.  The runs are tiny (n = 20000, one
 * repeat): the times themselves are not checked, only that they are there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_test_util.h"
#include "lmp.h"
#include "lmpviz.h"
#include "test_util.h"

#define run_bench(r, ...) run_cmd((r), cmd_bench, "bench", __VA_ARGS__)

#define PYTHON "/usr/bin/python3"
/* The command's losses: Exp(1) draws, seed 7 (cmd_bench.c). */
#define BENCH_SEED 7UL
#define TINY_N     20000

/* Runs Python's json module on json, which must be one line, then asserts
 * the Python expression check with the parsed object as d.  Returns 0, or -1
 * when there is no Python (the caller goes on without this check). */
static int
python_check(fixture *fx, const char *json, const char *check)
{
    char in[256], script[256], cmd[1024];
    FILE *f;
    int rc;

    if (access(PYTHON, X_OK) != 0) {
        printf("# %s not found: JSON syntax not checked\n", PYTHON);
        return -1;
    }
    snprintf(in, sizeof in, "%s", in_dir(fx, "json.txt"));
    write_bytes(in, json, strlen(json));
    snprintf(script, sizeof script, "%s", in_dir(fx, "check.py"));
    f = fopen(script, "w");
    assert_non_null(f);
    fprintf(f,
            "import json, math, sys\n"
            "t = open(sys.argv[1]).read()\n"
            "assert t.endswith('\\n') and t.count('\\n') == 1, 'not one line'\n"
            "d = json.loads(t)\n"
            "assert %s, d\n",
            check);
    assert_int_equal(fclose(f), 0);
    snprintf(cmd, sizeof cmd, PYTHON " %s %s", script, in);
    rc = system(cmd);
    unlink(in);
    unlink(script);
    if (rc != 0)
        fail_msg("JSON check failed (status %d): %s\n%s", rc, check, json);
    return 0;
}

/* The number after "key": in a JSON line. */
static double
json_double(const char *json, const char *key)
{
    char needle[64];
    const char *p;
    char *end;
    double v;
    snprintf(needle, sizeof needle, "\"%s\": ", key);
    p = strstr(json, needle);
    if (p == NULL)
        fail_msg("no \"%s\" in %s", key, json);
    p += strlen(needle);
    v = strtod(p, &end);
    assert_true(end != p);
    return v;
}

/* lmp_solve's value on the first n of the command's batch x n losses. */
static double
solve_value(size_t batch, size_t n, double p)
{
    float *loss = malloc(batch * n * sizeof *loss);
    lmp_params prm = LMP_PARAMS_INIT;
    lmp_result res;
    assert_non_null(loss);
    assert_int_equal(lmpviz_profile_generate(LMPVIZ_DIST_EXPONENTIAL, batch * n, BENCH_SEED, loss),
                     LMPVIZ_OK);
    prm.p = p;
    assert_int_equal(lmp_solve(loss, NULL, n, &prm, NULL, &res, NULL), LMP_OK);
    free(loss);
    return res.value;
}

/* A line of out that starts with prefix. */
static int
has_line(const char *out, const char *prefix)
{
    const char *p = out;
    const size_t len = strlen(prefix);
    while (p != NULL && *p != '\0') {
        if (strncmp(p, prefix, len) == 0)
            return 1;
        p = strchr(p, '\n');
        if (p != NULL)
            p++;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * Successful runs
 */

static void
test_help(void **state)
{
    run_result r;
    (void)state;
    run_bench(&r, "--help", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.err, "");
    assert_non_null(strstr(r.out, "Usage: lmpviz bench"));
    assert_non_null(strstr(r.out, "(c) the memory floor"));
    assert_non_null(strstr(r.out, "(d) one power per loss"));
    assert_non_null(strstr(r.out, "--p LIST"));
    assert_non_null(strstr(r.out, "--threads T"));
    assert_non_null(strstr(r.out, "--batch B"));
}

static void
test_one_p_lines(void **state)
{
    run_result r;
    (void)state;
    run_bench(&r, "--n", "20000", "--repeat", "1", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.err, "");
    assert_true(
        has_line(r.out, "n = 20000, p = 1.5, m = 0.1 (m_px = 2000), 1 runs, median times:"));
    assert_true(has_line(r.out, "  (a) lmp_solve "));
    assert_true(has_line(r.out, "  (b) lmp_solve_sorted "));
    assert_true(has_line(r.out, "  (c) floor: read n, write n (memcpy) "));
    assert_true(has_line(r.out, "  (d) one power per loss (lmp_power_pass) "));
    assert_true(has_line(r.out, "  a/c = "));
    assert_non_null(strstr(r.out, "   a/d = "));
    assert_non_null(strstr(r.out, "   b/a = "));

    run_bench(&r, "--n", "20000", "--repeat", "1", "--skip-sorted", "--p", "inf", NULL);
    assert_int_equal(r.rc, 0);
    assert_true(has_line(r.out, "n = 20000, p = inf, "));
    assert_false(has_line(r.out, "  (b)"));
    assert_null(strstr(r.out, "b/a"));
}

static void
test_p_list_table(void **state)
{
    run_result r;
    (void)state;
    run_bench(&r, "--n", "20000", "--repeat", "1", "--skip-sorted", "--p", "1,1.7,inf", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.err, "");
    assert_true(has_line(r.out, "         p        (a)        (c)        (d)      a/c      a/d\n"));
    assert_true(has_line(r.out, "         1 "));
    assert_true(has_line(r.out, "       1.7 "));
    assert_true(has_line(r.out, "       inf "));

    run_bench(&r, "--n", "20000", "--repeat", "1", "--p", "2,3", NULL);
    assert_int_equal(r.rc, 0);
    assert_true(has_line(r.out, "         p        (a)        (b)        (c)        (d)      a/c"));
    assert_non_null(strstr(r.out, "b/a\n"));
    assert_true(has_line(r.out, "         2 "));
    assert_true(has_line(r.out, "         3 "));
}

/* One p: one flat object; with --skip-sorted, null (not nan) for (b). */
static void
test_json_one_p(void **state)
{
    fixture *fx = *state;
    run_result r;

    run_bench(&r, "--n", "20000", "--repeat", "1", "--skip-sorted", "--json", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.err, "");
    assert_null(strstr(r.out, "nan"));
    assert_non_null(strstr(r.out, "\"sorted_ms\": null"));
    assert_non_null(strstr(r.out, "\"b_over_a\": null"));
    /* The value is lmp_solve's on the same losses, to the last digit. */
    assert_true(json_double(r.out, "value") == solve_value(1, TINY_N, 1.5));
    python_check(fx, r.out,
                 "d['n'] == 20000 and d['p'] == 1.5 and d['repeat'] == 1 and "
                 "d['sorted_ms'] is None and d['b_over_a'] is None and "
                 "all(d[k] > 0 for k in ('solve_ms', 'floor_ms', 'power_ms', 'a_over_c', "
                 "'a_over_d')) and abs(d['a_over_c'] - d['solve_ms'] / d['floor_ms']) <= "
                 "1e-4 * d['a_over_c']");

    run_bench(&r, "--n", "20000", "--repeat", "1", "--json", "--p", "2", NULL);
    assert_int_equal(r.rc, 0);
    assert_true(json_double(r.out, "value") == solve_value(1, TINY_N, 2.0));
    python_check(fx, r.out, "d['sorted_ms'] > 0 and d['b_over_a'] > 0 and d['p'] == 2");
}

/* Several p: one object with an array of rows, p = inf as "inf". */
static void
test_json_p_list(void **state)
{
    fixture *fx = *state;
    run_result r;

    run_bench(&r, "--n", "20000", "--repeat", "1", "--skip-sorted", "--json", "--p", "1,1.3,inf",
              NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.err, "");
    assert_null(strstr(r.out, "nan"));
    python_check(fx, r.out,
                 "d['n'] == 20000 and [w['p'] for w in d['rows']] == [1, 1.3, 'inf'] and "
                 "all(w['sorted_ms'] is None and w['solve_ms'] > 0 and w['floor_ms'] > 0 "
                 "and w['power_ms'] > 0 and w['value'] > 0 for w in d['rows'])");
}

/* --threads and --batch: lmp_solve_batch on 1 and T threads, and the loop. */
static void
test_batch_timing(void **state)
{
    fixture *fx = *state;
    run_result r;

    run_bench(&r, "--n", "20000", "--repeat", "1", "--batch", "3", "--threads", "2", "--json",
              NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.err, "");
    assert_true(json_double(r.out, "value0") == solve_value(3, TINY_N, 1.5));
    python_check(fx, r.out,
                 "d['batch'] == 3 and d['n'] == 20000 and d['threads'] == 2 and "
                 "d['online_cpus'] >= 1 and all(d[k] > 0 for k in ('spin_1_ms', 'spin_t_ms', "
                 "'spin_speedup', 'batch_1_ms', 'batch_t_ms', 'speedup')) and d['p'] == 1.5");

    run_bench(&r, "--n", "20000", "--repeat", "1", "--batch", "2", "--threads", "2", "--json",
              "--p", "1,inf", NULL);
    assert_int_equal(r.rc, 0);
    python_check(fx, r.out,
                 "[w['p'] for w in d['rows']] == [1, 'inf'] and "
                 "all(w['batch_1_ms'] > 0 and w['batch_t_ms'] > 0 for w in d['rows'])");

    /* --threads alone: one image; 0 threads is one per CPU. */
    run_bench(&r, "--n", "20000", "--repeat", "1", "--threads", "0", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.err, "");
    assert_true(
        has_line(r.out, "lmp_solve_batch: 1 images x n = 20000, m = 0.1, 1 thread against "));
    assert_true(has_line(r.out, "plain parallel loop ("));
    assert_non_null(strstr(r.out, "cores free of "));
}

/* ------------------------------------------------------------------------
 * Bad values: exit 2, one message naming the option, nothing on stdout.
 */

static void
expect_usage(const char *want_first_line, ...)
{
    char *argv[CLI_TEST_MAX_ARGS + 1];
    char want[512];
    int argc = 0;
    const char *a;
    run_result r;
    va_list ap;

    argv[argc++] = "bench";
    va_start(ap, want_first_line);
    while ((a = va_arg(ap, const char *)) != NULL)
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    run_argv(&r, cmd_bench, argc, argv);
    snprintf(want, sizeof want, "lmpviz bench: %s\ntry 'lmpviz bench --help'\n", want_first_line);
    assert_int_equal(r.rc, 2);
    assert_string_equal(r.err, want);
    assert_string_equal(r.out, "");
}

static void
test_bad_values(void **state)
{
    (void)state;
    expect_usage("--threads: expected a count in [0, 1024] (0: one per CPU), got \"2000\"",
                 "--threads", "2000", NULL);
    expect_usage("--threads: expected a count in [0, 1024] (0: one per CPU), got \"-1\"",
                 "--threads", "-1", NULL);
    expect_usage("--threads: expected a count in [0, 1024] (0: one per CPU), got \"2x\"",
                 "--threads", "2x", NULL);
    expect_usage("--p: expected p >= 1 (a number or \"inf\"), got \"0.5\"", "--p", "1,0.5", NULL);
    expect_usage("--p: expected a comma-separated list, got \"1,,2\"", "--p", "1,,2", NULL);
    expect_usage("--p: expected a comma-separated list, got \"2,\"", "--p", "2,", NULL);
    expect_usage("--repeat: expected a positive whole number, got \"0\"", "--repeat", "0", NULL);
    expect_usage("--repeat: expected a count in [1, 100000], got \"100001\"", "--repeat", "100001",
                 NULL);
    expect_usage("--batch: expected a count in [1, 65535], got \"70000\"", "--batch", "70000",
                 NULL);
    expect_usage("--batch: expected a positive whole number, got \"0\"", "--batch", "0", NULL);
    expect_usage("--n: expected a positive whole number, got \"abc\"", "--n", "abc", NULL);
    expect_usage("--m: expected a fraction in (0, 1], got \"2\"", "--m", "2", NULL);
    expect_usage("--device: expected cpu or cuda, got \"gpu\"", "--device", "gpu", NULL);
    expect_usage("--device cuda: expected one value of --p and no --threads", "--device", "cuda",
                 "--p", "1.5,2", NULL);
    expect_usage("--device cuda: expected one value of --p and no --threads", "--device", "cuda",
                 "--threads", "2", NULL);
    expect_usage("unknown or incomplete option \"--frobnicate\"", "--frobnicate", NULL);
    expect_usage("--threads: expected a value", "--threads", NULL);
    expect_usage("unexpected argument \"zz\"", "zz", NULL);
}

/* Every option that takes a value, given without it: the same message. */
static void
test_missing_value_every_option(void **state)
{
    static const char *const opts[] = { "--n",      "--p",     "--m",       "--repeat",
                                        "--device", "--batch", "--threads", NULL };
    (void)state;
    expect_missing_values(cmd_bench, "bench", opts);
}

/* cli_bench_parse: the defaults, and every option into its field. */
static void
test_parse(void **state)
{
    char *none[] = { "bench", NULL };
    char *all[] = { "bench",    "--n", "1000",          "--p",    "1,2,inf", "--m", "0.25",
                    "--repeat", "3",   "--skip-sorted", "--json", "--batch", "4",   "--threads",
                    "0",        NULL };
    char *cuda[] = { "bench", "--device", "cuda", "--p", "2", "--batch", "8", NULL };
    lmp_params def = LMP_PARAMS_INIT;
    cli_bench_args a;
    run_result r;
    (void)state;

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_bench_parse, &a, none);
    assert_int_equal(r.rc, CLI_PARSE_OK);
    assert_int_equal(a.n, (size_t)2048 * 1024);
    assert_int_equal(a.repeat, 15);
    assert_int_equal(a.batch, 1);
    assert_int_equal(a.n_p, 0);
    assert_null(a.p);
    assert_true(a.params.p == def.p && a.params.m == def.m);
    assert_int_equal(a.skip_sorted + a.json + a.on_gpu + a.have_batch + a.have_threads, 0);
    cli_bench_args_free(&a);

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_bench_parse, &a, all);
    assert_int_equal(r.rc, CLI_PARSE_OK);
    assert_string_equal(r.err, "");
    assert_int_equal(a.n, 1000);
    assert_int_equal(a.n_p, 3);
    assert_true(a.p[0] == 1.0 && a.p[1] == 2.0 && isinf(a.p[2]));
    assert_true(a.params.m == 0.25);
    assert_int_equal(a.repeat, 3);
    assert_int_equal(a.skip_sorted, 1);
    assert_int_equal(a.json, 1);
    assert_int_equal(a.batch, 4);
    assert_int_equal(a.have_batch, 1);
    assert_int_equal(a.threads, 0);
    assert_int_equal(a.have_threads, 1);
    cli_bench_args_free(&a);
    assert_null(a.p);

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_bench_parse, &a, cuda);
    assert_int_equal(r.rc, CLI_PARSE_OK);
    assert_int_equal(a.on_gpu, 1); /* parsed only: the device is checked later */
    assert_int_equal(a.n_p, 1);
    cli_bench_args_free(&a);
}

static void
test_parse_help_and_usage(void **state)
{
    char *help[] = { "bench", "--help", "--frobnicate", NULL };
    char *cuda[] = { "bench", "--device", "cuda", "--p", "1.5,2", NULL };
    cli_bench_args a;
    run_result r;
    (void)state;

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_bench_parse, &a, help);
    assert_int_equal(r.rc, CLI_PARSE_HELP);
    assert_string_equal(r.err, "");
    assert_true(strncmp(r.out, "Usage: lmpviz bench", 19) == 0);
    cli_bench_args_free(&a);

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_bench_parse, &a, cuda);
    assert_int_equal(r.rc, CLI_PARSE_USAGE);
    assert_string_equal(r.err,
                        "lmpviz bench: --device cuda: expected one value of --p and no --threads\n"
                        "try 'lmpviz bench --help'\n");
    assert_string_equal(r.out, "");
    cli_bench_args_free(&a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_one_p_lines),
        cmocka_unit_test(test_p_list_table),
        cmocka_unit_test_setup_teardown(test_json_one_p, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_p_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_timing, setup, teardown),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_missing_value_every_option),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_help_and_usage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
