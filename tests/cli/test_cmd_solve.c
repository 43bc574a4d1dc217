/* mknod, S_IFCHR, makedev */
#define _DEFAULT_SOURCE
/* Tests of cli/cmd_solve.c (`lmpviz solve`) and of the dispatch in
 * cli/lmpviz_cli.c: the printed fields against lmp_solve, the JSON line, the
 * weights file, and the exit code and exact stderr of every failure, which
 * must leave no output file behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "cli_test_util.h"
#include "device_test_util.h"
#include "lmp.h"
#include "lmpviz.h"
#include "test_util.h"

#define run_solve(r, ...) run_cmd((r), cmd_solve, "solve", __VA_ARGS__)
#define run_main(r, ...)  run_cmd((r), lmpviz_cli_main, "lmpviz", __VA_ARGS__)

#define PYTHON "/usr/bin/python3"

/* ------------------------------------------------------------------------
 * Helpers
 */

/* Random losses in [0, 3), from a printed seed. */
static void
random_losses(float *loss, size_t n)
{
    uint64_t seed = test_seed();
    size_t i;
    for (i = 0; i < n; i++)
        loss[i] = (float)(3.0 * test_rand_unit(&seed));
}

static void
write_npy(const char *path, const float *data, const size_t *shape, size_t ndim)
{
    lmpviz_err err = { "" };
    if (lmpviz_npy_write_float(path, data, shape, ndim, &err) != LMPVIZ_OK)
        fail_msg("cannot write %s: %s", path, err.msg);
}

/* A version 1.0 .npy file with the given header dictionary (padded as NumPy
 * pads it) followed by data_len bytes of data. */
static void
write_npy_raw(const char *path, const char *dict, const void *data, size_t data_len)
{
    unsigned char buf[1024];
    size_t len = strlen(dict);
    size_t hlen = (10 + len + 1 + 63) / 64 * 64 - 10;
    assert_true(10 + hlen + data_len <= sizeof buf);
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (unsigned char)(hlen & 0xff);
    buf[9] = (unsigned char)(hlen >> 8);
    memcpy(buf + 10, dict, len);
    memset(buf + 10 + len, ' ', hlen - len - 1);
    buf[10 + hlen - 1] = '\n';
    memcpy(buf + 10 + hlen, data, data_len);
    write_bytes(path, buf, 10 + hlen + data_len);
}

/* What `lmpviz solve` prints for these results (print_text's layout). */
static void
expected_text(char *buf,
              size_t len,
              const char *source,
              const lmp_params *prm,
              const lmp_result *res,
              const char *weights)
{
    int k = 0;
    k += snprintf(buf + k, len - (size_t)k, "losses   %s\nn        %zu\np        %g\n", source,
                  res->n_valid, prm->p);
    if (prm->m_pixels > 0.0)
        k += snprintf(buf + k, len - (size_t)k, "m        %g pixels (m_px = %.10g)\n",
                      prm->m_pixels, res->m_px);
    else
        k += snprintf(buf + k, len - (size_t)k, "m        %g (m_px = %.10g)\n", prm->m, res->m_px);
    k += snprintf(buf + k, len - (size_t)k,
                  "value    %.10g\nmean     %.10g\nratio    %.6g (value / mean)\n"
                  "theta    %.10g\ntau      %.10g\ngamma    %.10g\nclamped  %zu\nsupport  %zu\n",
                  res->value, res->mean, res->mean > 0.0 ? res->value / res->mean : 1.0, res->theta,
                  res->tau, res->gamma, res->n_clamped, res->n_support);
    if (weights != NULL)
        k += snprintf(buf + k, len - (size_t)k, "weights  %s\n", weights);
    assert_true(k > 0 && (size_t)k < len);
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

/* Parses json with Python's json module: it must be one line holding every
 * documented key.  With field != NULL, the string value of that key is
 * written to back.  Returns 0 when it parsed, -1 when there is no Python
 * (the caller goes on without this check). */
static int
python_json(fixture *fx, const char *json, const char *field, char *back, size_t back_len)
{
    char in[256], out[256], cmd[1400];
    size_t len;
    char *text;
    int rc;

    if (access(PYTHON, X_OK) != 0) {
        printf("# %s not found: JSON syntax not checked\n", PYTHON);
        return -1;
    }
    snprintf(in, sizeof in, "%s", in_dir(fx, "json.txt"));
    snprintf(out, sizeof out, "%s", in_dir(fx, "json.back"));
    write_bytes(in, json, strlen(json));
    snprintf(cmd, sizeof cmd,
             PYTHON " -c 'import json, sys\n"
                    "t = sys.stdin.read()\n"
                    "assert t.endswith(\"\\n\") and t.count(\"\\n\") == 1, \"not one line\"\n"
                    "d = json.loads(t)\n"
                    "keys = [\"losses\", \"n\", \"p\", \"m\", \"m_px\", \"value\",\n"
                    "        \"mean\", \"theta\", \"tau\", \"gamma\", \"clamped\", \"support\"]\n"
                    "missing = [k for k in keys if k not in d]\n"
                    "assert not missing, missing\n"
                    "open(sys.argv[2], \"w\").write(d[sys.argv[1]] if sys.argv[1] else \"\")\n"
                    "' '%s' %s < %s",
             field ? field : "", out, in);
    rc = system(cmd);
    unlink(in);
    if (rc != 0) {
        unlink(out);
        fail_msg("python rejected the JSON (status %d): %s", rc, json);
    }
    text = read_all(out, &len);
    unlink(out);
    if (back != NULL) {
        assert_true(len < back_len);
        memcpy(back, text, len + 1);
    }
    free(text);
    return 0;
}

static long
file_size_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static int
link_helper(const char *from, const char *to)
{
    return link(from, to);
}

static int
exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* ------------------------------------------------------------------------
 * Successful runs
 */

static void
test_default_profile(void **state)
{
    float loss[LMPVIZ_PROFILE_N];
    lmp_params prm = LMP_PARAMS_INIT;
    lmp_result res;
    char source[128], want[2048];
    run_result r;
    (void)state;

    assert_int_equal(
        lmpviz_profile_generate(LMPVIZ_PROFILE_DIST, LMPVIZ_PROFILE_N, LMPVIZ_PROFILE_SEED, loss),
        LMPVIZ_OK);
    assert_int_equal(lmp_solve(loss, NULL, LMPVIZ_PROFILE_N, &prm, NULL, &res, NULL), LMP_OK);
    snprintf(source, sizeof source, "default profile (%d exponential draws, seed %lu)",
             LMPVIZ_PROFILE_N, LMPVIZ_PROFILE_SEED);
    expected_text(want, sizeof want, source, &prm, &res, NULL);

    run_solve(&r, NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.err, "");
    assert_string_equal(r.out, want);
    /* the documented fields, spelled out once */
    assert_non_null(strstr(r.out, "\nn        100\n"));
    assert_non_null(strstr(r.out, "\nm        0.1 (m_px = 10)\n"));
    assert_non_null(strstr(r.out, "\nvalue    "));
    assert_non_null(strstr(r.out, "\nmean     "));
    assert_non_null(strstr(r.out, "\ntheta    "));
    assert_non_null(strstr(r.out, "\ntau      "));
    assert_non_null(strstr(r.out, "\ngamma    "));
    assert_non_null(strstr(r.out, "\nclamped  "));
    assert_non_null(strstr(r.out, "\nsupport  100\n"));
}

static void
test_json_matches_lmp_solve(void **state)
{
    fixture *fx = *state;
    float loss[64];
    size_t shape[1] = { 64 };
    lmp_params prm = LMP_PARAMS_INIT;
    lmp_result res;
    char npy[256];
    run_result r;

    random_losses(loss, 64);
    snprintf(npy, sizeof npy, "%s", in_dir(fx, "l.npy"));
    write_npy(npy, loss, shape, 1);
    prm.p = 3.0;
    prm.m = 0.2;
    assert_int_equal(lmp_solve(loss, NULL, 64, &prm, NULL, &res, NULL), LMP_OK);

    run_solve(&r, "--json", "--losses", npy, "--p", "3", "--m", "0.2", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.err, "");
    assert_non_null(strchr(r.out, '\n'));
    assert_true(strchr(r.out, '\n')[1] == '\0'); /* one line */
    assert_true(r.out[0] == '{');
    python_json(fx, r.out, NULL, NULL, 0);
    /* %.17g reads back exactly */
    assert_true(json_double(r.out, "value") == res.value);
    assert_true(json_double(r.out, "mean") == res.mean);
    assert_true(json_double(r.out, "theta") == res.theta);
    assert_true(json_double(r.out, "tau") == res.tau);
    assert_true(json_double(r.out, "gamma") == res.gamma);
    assert_true(json_double(r.out, "m_px") == res.m_px);
    assert_true(json_double(r.out, "p") == 3.0);
    assert_true(json_double(r.out, "m") == 0.2);
    assert_true(json_double(r.out, "n") == 64.0);
    assert_true(json_double(r.out, "clamped") == (double)res.n_clamped);
    assert_true(json_double(r.out, "support") == (double)res.n_support);
    assert_null(strstr(r.out, "\"weights\""));
    assert_int_equal(entries(fx), 1);
}

/* File names with a quote, a backslash and control characters still make
 * valid JSON, and read back as the names given. */
static void
test_json_escapes_file_names(void **state)
{
    fixture *fx = *state;
    float loss[3] = { 1.0f, 2.0f, 3.0f };
    size_t shape[1] = { 3 };
    char npy[256], w[256], back[600];
    run_result r;

    snprintf(npy, sizeof npy, "%s", in_dir(fx, "l\"o\\s\x01s.npy"));
    snprintf(w, sizeof w, "%s", in_dir(fx, "w\"e\\i\tg.npy"));
    write_npy(npy, loss, shape, 1);
    run_solve(&r, "--losses", npy, "-o", w, "--json", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.err, "");
    assert_true(exists(w));
    /* a raw control character inside a JSON string is invalid */
    assert_null(strchr(r.out, '\t'));
    assert_null(strchr(r.out, '\x01'));
    if (python_json(fx, r.out, "losses", back, sizeof back) == 0)
        assert_string_equal(back, npy);
    if (python_json(fx, r.out, "weights", back, sizeof back) == 0)
        assert_string_equal(back, w);
    assert_int_equal(entries(fx), 2);
}

static void
test_weights_file_matches_lmp_solve(void **state)
{
    fixture *fx = *state;
    float loss[60], ref[60];
    size_t shape[3] = { 3, 4, 5 };
    lmp_params prm = LMP_PARAMS_INIT;
    lmp_result res;
    lmpviz_array a;
    lmpviz_err err = { "" };
    char npy[256], w[256], want[2048];
    size_t i;
    run_result r;

    random_losses(loss, 60);
    loss[7] = 0.0f; /* a zero loss gets weight 0 */
    snprintf(npy, sizeof npy, "%s", in_dir(fx, "l.npy"));
    snprintf(w, sizeof w, "%s", in_dir(fx, "W.npy"));
    write_npy(npy, loss, shape, 3);
    prm.p = 2.0;
    prm.m = 0.25;
    assert_int_equal(lmp_solve(loss, NULL, 60, &prm, ref, &res, NULL), LMP_OK);

    run_solve(&r, "--losses", npy, "--p", "2", "--m", "0.25", "-o", w, NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.err, "");
    expected_text(want, sizeof want, npy, &prm, &res, w);
    assert_string_equal(r.out, want);

    assert_int_equal(lmpviz_npy_read_float(w, &a, &err), LMPVIZ_OK);
    assert_string_equal(a.descr, "<f4");
    assert_int_equal(a.ndim, 3);
    assert_int_equal(a.shape[0], 3);
    assert_int_equal(a.shape[1], 4);
    assert_int_equal(a.shape[2], 5);
    assert_int_equal(a.count, 60);
    for (i = 0; i < 60; i++) {
        if (!(a.data[i] == ref[i]))
            fail_msg("weight %zu: file %.9g, lmp_solve %.9g", i, (double)a.data[i], (double)ref[i]);
    }
    assert_true(a.data[7] == 0.0f);
    lmpviz_array_free(&a);

    /* --output is the long spelling; --json names the file */
    run_solve(&r, "--losses", npy, "--p", "2", "--m", "0.25", "--output", w, "--json", NULL);
    assert_int_equal(r.rc, 0);
    assert_true(json_double(r.out, "value") == res.value);
    assert_non_null(strstr(r.out, "\"weights\": \""));
    assert_non_null(strstr(r.out, "W.npy\"}\n"));
    python_json(fx, r.out, NULL, NULL, 0);
    assert_int_equal(entries(fx), 2);
}

static void
test_m_pixels(void **state)
{
    fixture *fx = *state;
    float loss[50];
    size_t shape[2] = { 5, 10 };
    lmp_params prm = LMP_PARAMS_INIT;
    lmp_result res;
    char npy[256], want[2048];
    run_result r;

    random_losses(loss, 50);
    snprintf(npy, sizeof npy, "%s", in_dir(fx, "l.npy"));
    write_npy(npy, loss, shape, 2);
    prm.m_pixels = 7.0;
    assert_int_equal(lmp_solve(loss, NULL, 50, &prm, NULL, &res, NULL), LMP_OK);
    assert_true(res.m_px == 7.0);

    run_solve(&r, "--losses", npy, "--m-pixels", "7", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.err, "");
    expected_text(want, sizeof want, npy, &prm, &res, NULL);
    assert_string_equal(r.out, want);
    assert_non_null(strstr(r.out, "\nm        7 pixels (m_px = 7)\n"));

    run_solve(&r, "--losses", npy, "--m-pixels", "7", "--json", NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "\"m\": null, \"m_px\": 7, "));
    assert_true(json_double(r.out, "value") == res.value);
    python_json(fx, r.out, NULL, NULL, 0);

    /* more pixels than there are: clamped to n, the mean loss */
    run_solve(&r, "--losses", npy, "--m-pixels", "1000", "--json", NULL);
    assert_int_equal(r.rc, 0);
    assert_true(json_double(r.out, "m_px") == 50.0);
}

static void
test_p_inf_is_mean(void **state)
{
    fixture *fx = *state;
    float loss[40];
    size_t shape[1] = { 40 };
    char npy[256];
    run_result r;
    double value, mean;

    random_losses(loss, 40);
    snprintf(npy, sizeof npy, "%s", in_dir(fx, "l.npy"));
    write_npy(npy, loss, shape, 1);

    run_solve(&r, "--losses", npy, "--p", "inf", "--json", NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "\"p\": \"inf\", "));
    python_json(fx, r.out, NULL, NULL, 0);
    value = json_double(r.out, "value");
    mean = json_double(r.out, "mean");
    assert_true(fabs(value - mean) <= 1e-12 * mean);

    run_solve(&r, "--losses", npy, "--p", "INF", "--m", "0.05", NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "\np        inf\n"));
    assert_non_null(strstr(r.out, "\nratio    1 (value / mean)\n"));
}

static void
test_ignore_zeros(void **state)
{
    /* Zeros leave n: the same answer as the array without them. */
    fixture *fx = *state;
    float loss[60];
    float compact[60];
    size_t shape[2] = { 6, 10 };
    size_t k = 0;
    size_t i;
    lmp_params prm = LMP_PARAMS_INIT;
    lmp_result res;
    char npy[256];
    run_result r;

    random_losses(loss, 60);
    for (i = 0; i < 60; i++) {
        if (i % 3 == 0)
            loss[i] = 0.0f;
        else
            compact[k++] = loss[i];
    }
    snprintf(npy, sizeof npy, "%s", in_dir(fx, "z.npy"));
    write_npy(npy, loss, shape, 2);
    assert_int_equal(lmp_solve(compact, NULL, k, &prm, NULL, &res, NULL), LMP_OK);
    run_solve(&r, "--losses", npy, "--ignore-zeros", "--json", NULL);
    assert_int_equal(r.rc, 0);
    /* equal up to the order of the sums (masked pixels shift the lanes) */
    assert_true(fabs(json_double(r.out, "value") - res.value) <= 1e-12 * res.value);
    assert_non_null(strstr(r.out, "\"n\": 40,"));
    /* without it the zeros count: a smaller gamma, another value */
    run_solve(&r, "--losses", npy, "--json", NULL);
    assert_non_null(strstr(r.out, "\"n\": 60,"));
    assert_true(fabs(json_double(r.out, "value") - res.value) > 1e-6 * res.value);
}

static void
test_help(void **state)
{
    run_result r;
    (void)state;

    run_solve(&r, "--help", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.err, "");
    assert_memory_equal(r.out, "Usage: lmpviz solve ", 20);
    assert_non_null(strstr(r.out, "--m-pixels K"));
    assert_non_null(strstr(r.out, "--ignore-nonfinite"));
    run_solve(&r, "-h", NULL);
    assert_int_equal(r.rc, 0);
    assert_memory_equal(r.out, "Usage: lmpviz solve ", 20);
}

/* ------------------------------------------------------------------------
 * Bad files and bad losses: exit 1, the exact message, no weights file.
 */

/* Runs solve on npy with -o into the folder and checks the whole of stderr
 * ("lmpviz solve: NPY: " + tail) and that nothing was written. */
static void
expect_file_error(fixture *fx, const char *npy, const char *tail, int n_files)
{
    char w[256], want[1024];
    run_result r;

    snprintf(w, sizeof w, "%s", in_dir(fx, "w.npy"));
    run_solve(&r, "--losses", npy, "-o", w, NULL);
    snprintf(want, sizeof want, "lmpviz solve: %s: %s\n", npy, tail);
    assert_int_equal(r.rc, 1);
    assert_string_equal(r.err, want);
    assert_string_equal(r.out, "");
    assert_false(exists(w));
    assert_int_equal(entries(fx), n_files);
}

static void
test_missing_file(void **state)
{
    fixture *fx = *state;
    char npy[256];
    snprintf(npy, sizeof npy, "%s", in_dir(fx, "nope.npy"));
    expect_file_error(fx, npy, "cannot open: No such file or directory", 0);
}

static void
test_corrupt_npy(void **state)
{
    fixture *fx = *state;
    char npy[256];
    static const char junk[] = "this is not a NumPy file at all";
    snprintf(npy, sizeof npy, "%s", in_dir(fx, "junk.npy"));
    write_bytes(npy, junk, sizeof junk - 1);
    expect_file_error(fx, npy, "not a NumPy .npy file (bad magic)", 1);
}

static void
test_truncated_npy(void **state)
{
    fixture *fx = *state;
    float loss[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
    size_t shape[1] = { 10 }, len;
    char npy[256];
    char *buf;

    snprintf(npy, sizeof npy, "%s", in_dir(fx, "t.npy"));
    write_npy(npy, loss, shape, 1);
    buf = read_all(npy, &len);
    assert_int_equal(len, 128 + 40);
    write_bytes(npy, buf, len - 4);
    free(buf);
    expect_file_error(fx, npy, "file ends after 36 of 40 data bytes", 1);
}

static void
test_wrong_dtype(void **state)
{
    fixture *fx = *state;
    char npy[256];
    unsigned char data[24] = { 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3 };

    snprintf(npy, sizeof npy, "%s", in_dir(fx, "i8.npy"));
    write_npy_raw(npy, "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }", data,
                  sizeof data);
    expect_file_error(fx, npy, "expected float16, float32 or float64 data, got '<i8'", 1);
}

static void
test_fortran_order(void **state)
{
    fixture *fx = *state;
    char npy[256];
    float data[6] = { 1, 2, 3, 4, 5, 6 };

    snprintf(npy, sizeof npy, "%s", in_dir(fx, "f.npy"));
    write_npy_raw(npy, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", data,
                  sizeof data);
    expect_file_error(fx, npy,
                      "expected a C-order array, got fortran_order=True; convert with "
                      "np.ascontiguousarray(a)",
                      1);
}

static void
test_big_endian(void **state)
{
    fixture *fx = *state;
    char npy[256];
    unsigned char data[8] = { 0x3f, 0x80, 0, 0, 0x40, 0, 0, 0 };

    snprintf(npy, sizeof npy, "%s", in_dir(fx, "be.npy"));
    write_npy_raw(npy, "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", data,
                  sizeof data);
    expect_file_error(fx, npy,
                      "expected little-endian data, got '>f4'; convert with a.astype('<f4')", 1);
}

#define HINT " (--ignore-nonfinite skips NaN and Inf)"

static void
test_nan_loss(void **state)
{
    fixture *fx = *state;
    float loss[60], ref[60];
    size_t shape[3] = { 3, 4, 5 }, i;
    lmp_params prm = LMP_PARAMS_INIT;
    lmp_result res;
    lmpviz_array a;
    char npy[256], w[256], want[2048];
    run_result r;

    random_losses(loss, 60);
    loss[27] = NAN; /* 27 = 1*20 + 1*5 + 2 */
    loss[41] = NAN;
    snprintf(npy, sizeof npy, "%s", in_dir(fx, "nan.npy"));
    write_npy(npy, loss, shape, 3);
    expect_file_error(fx, npy,
                      "element 27 (index (1, 1, 2)) is nan; expected finite losses >= 0" HINT, 1);

    /* ignored: weight 0 there, the rest as lmp_solve gives it */
    prm.nonfinite = LMP_NONFINITE_IGNORE;
    assert_int_equal(lmp_solve(loss, NULL, 60, &prm, ref, &res, NULL), LMP_OK);
    assert_int_equal(res.n_valid, 58);
    snprintf(w, sizeof w, "%s", in_dir(fx, "w.npy"));
    run_solve(&r, "--losses", npy, "--ignore-nonfinite", "-o", w, NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.err, "");
    expected_text(want, sizeof want, npy, &prm, &res, w);
    assert_string_equal(r.out, want);
    assert_int_equal(lmpviz_npy_read_float(w, &a, NULL), LMPVIZ_OK);
    assert_int_equal(a.ndim, 3);
    for (i = 0; i < 60; i++)
        assert_true(a.data[i] == ref[i]);
    assert_true(a.data[27] == 0.0f);
    assert_true(a.data[41] == 0.0f);
    lmpviz_array_free(&a);
}

static void
test_nonfinite_1d(void **state)
{
    fixture *fx = *state;
    float loss[4] = { 1.0f, 2.0f, 0.5f, 0.0f };
    size_t shape[1] = { 4 };
    char npy[256];
    run_result r;

    snprintf(npy, sizeof npy, "%s", in_dir(fx, "x.npy"));
    loss[3] = NAN;
    write_npy(npy, loss, shape, 1);
    expect_file_error(fx, npy, "element 3 is nan; expected finite losses >= 0" HINT, 1);

    loss[3] = INFINITY;
    write_npy(npy, loss, shape, 1);
    expect_file_error(fx, npy, "element 3 is inf; expected finite losses >= 0" HINT, 1);

    /* -inf is non-finite too: --ignore-nonfinite skips it, so say so */
    loss[3] = -INFINITY;
    write_npy(npy, loss, shape, 1);
    expect_file_error(fx, npy, "element 3 is -inf; expected finite losses >= 0" HINT, 1);
    run_solve(&r, "--losses", npy, "--ignore-nonfinite", "--json", NULL);
    assert_int_equal(r.rc, 0);
    assert_true(json_double(r.out, "n") == 3.0);
}

static void
test_negative_loss(void **state)
{
    fixture *fx = *state;
    float loss[6] = { 1.0f, 2.0f, 0.5f, 0.0f, -0.25f, 3.0f };
    size_t shape[2] = { 2, 3 };
    char npy[256], want[512];
    run_result r;

    snprintf(npy, sizeof npy, "%s", in_dir(fx, "neg.npy"));
    write_npy(npy, loss, shape, 2);
    expect_file_error(fx, npy, "element 4 (index (1, 1)) is -0.25; expected finite losses >= 0", 1);
    /* not a non-finite value: --ignore-nonfinite does not help */
    run_solve(&r, "--losses", npy, "--ignore-nonfinite", NULL);
    assert_int_equal(r.rc, 1);
    snprintf(want, sizeof want,
             "lmpviz solve: %s: element 4 (index (1, 1)) is -0.25; expected finite losses >= 0\n",
             npy);
    assert_string_equal(r.err, want);
    assert_string_equal(r.out, "");
}

static void
test_empty(void **state)
{
    fixture *fx = *state;
    float dummy = 0.0f, nan2[2] = { NAN, NAN };
    size_t shape0[1] = { 0 }, shape2[1] = { 2 }, shape30[2] = { 3, 0 };
    char npy[256], want[512], w[256];
    run_result r;

    snprintf(npy, sizeof npy, "%s", in_dir(fx, "e.npy"));
    write_npy(npy, &dummy, shape0, 1);
    expect_file_error(fx, npy, "no valid loss (the array is empty or every element was ignored)",
                      1);
    write_npy(npy, &dummy, shape30, 2);
    expect_file_error(fx, npy, "no valid loss (the array is empty or every element was ignored)",
                      1);

    /* every element ignored */
    write_npy(npy, nan2, shape2, 1);
    snprintf(w, sizeof w, "%s", in_dir(fx, "w.npy"));
    run_solve(&r, "--losses", npy, "--ignore-nonfinite", "-o", w, NULL);
    assert_int_equal(r.rc, 1);
    snprintf(want, sizeof want,
             "lmpviz solve: %s: no valid loss (the array is empty or every element was ignored)\n",
             npy);
    assert_string_equal(r.err, want);
    assert_false(exists(w));
    assert_int_equal(entries(fx), 1);
}

static void
test_unwritable_output(void **state)
{
    fixture *fx = *state;
    run_result r;
    char w[256], want[512];

    assert_false(exists("/nonexistent-dir"));
    run_solve(&r, "-o", "/nonexistent-dir/w.npy", NULL);
    assert_int_equal(r.rc, 1);
    assert_string_equal(r.err, "lmpviz solve: /nonexistent-dir/w.npy: cannot create a file in "
                               "folder /nonexistent-dir: No such file or directory\n");
    assert_string_equal(r.out, "");
    assert_false(exists("/nonexistent-dir/w.npy"));

    snprintf(w, sizeof w, "%s", in_dir(fx, "missing/w.npy"));
    run_solve(&r, "-o", w, "--json", NULL);
    assert_int_equal(r.rc, 1);
    snprintf(want, sizeof want,
             "lmpviz solve: %s: cannot create a file in folder %s/missing: No such file or "
             "directory\n",
             w, fx->dir);
    assert_string_equal(r.err, want);
    assert_string_equal(r.out, "");
    assert_int_equal(entries(fx), 0);
}

/* float64 losses beyond float's range: an error with index and value,
 * --ignore-nonfinite or not; below FLT_MIN: a warning with the counts. */
static void
test_float64_range(void **state)
{
    fixture *fx = *state;
    const double big[2 * 2] = { 1.0, 2.0, 3.0, 1e300 };
    const double tiny[3] = { 1e-50, 2e-50, 1e-39 };
    char npy[256], want[600];
    run_result r;

    snprintf(npy, sizeof npy, "%s", in_dir(fx, "big.npy"));
    write_npy_raw(npy, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", big,
                  sizeof big);
    snprintf(want, sizeof want,
             "lmpviz solve: %s: element 3 (index (1, 1)) is 1e+300: expected float64 values "
             "within float32's range (magnitude at most 3.40282347e+38)\n",
             npy);
    run_solve(&r, "--losses", npy, NULL);
    assert_int_equal(r.rc, 1);
    assert_string_equal(r.err, want);
    run_solve(&r, "--losses", npy, "--ignore-nonfinite", NULL);
    assert_int_equal(r.rc, 1);
    assert_string_equal(r.err, want);

    snprintf(npy, sizeof npy, "%s", in_dir(fx, "tiny.npy"));
    write_npy_raw(npy, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", tiny,
                  sizeof tiny);
    run_solve(&r, "--losses", npy, NULL);
    snprintf(want, sizeof want,
             "lmpviz solve: %s: warning: 3 nonzero float64 values below FLT_MIN "
             "(1.17549435e-38): 2 flushed to 0 as float32, 1 kept with less precision\n",
             npy);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.err, want);
}

/* ------------------------------------------------------------------------
 * What -o does with what is already there
 */

/* Writes three losses to fx->dir/name; the path goes to out. */
static void
small_losses(fixture *fx, const char *name, char *out, size_t len)
{
    float loss[3] = { 1.0f, 2.0f, 3.0f };
    size_t shape[1] = { 3 };

    snprintf(out, len, "%s", in_dir(fx, name));
    write_npy(out, loss, shape, 1);
}

/* A null device discards the weights and stays the device; a full one
 * reports ENOSPC with exit 1.  Nodes of the test's own where mknod is
 * allowed (device_test_util.h), so a regression cannot take /dev/null. */
static void
test_output_devices(void **state)
{
    fixture *fx = *state;
    char npy[256], null_dev[256], full_dev[256], want[600];
    struct stat null_st, full_st;
    run_result r;

    small_losses(fx, "l.npy", npy, sizeof npy);
    if (test_device(fx->dir, "null", 1, 3, "/dev/null", null_dev, sizeof null_dev) != 0)
        skip();
    assert_int_equal(stat(null_dev, &null_st), 0);
    run_solve(&r, "--losses", npy, "-o", null_dev, "--json", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.err, "");
    snprintf(want, sizeof want, "\"weights\": \"%s\"", null_dev);
    assert_non_null(strstr(r.out, want));
    assert_true(test_still_device(null_dev, 1, 3, null_st.st_ino));

    if (test_device(fx->dir, "full", 1, 7, "/dev/full", full_dev, sizeof full_dev) == 0) {
        assert_int_equal(stat(full_dev, &full_st), 0);
        run_solve(&r, "--losses", npy, "-o", full_dev, NULL);
        snprintf(want, sizeof want, "lmpviz solve: %s: cannot write: No space left on device\n",
                 full_dev);
        assert_int_equal(r.rc, 1);
        assert_string_equal(r.err, want);
        assert_string_equal(r.out, "");
        assert_true(test_still_device(full_dev, 1, 7, full_st.st_ino));
    }
    /* and nothing else appeared */
    assert_int_equal(entries(fx), 1 + (null_dev[0] != '/' || strncmp(null_dev, "/dev/", 5) != 0) +
                                      (strncmp(full_dev, "/dev/", 5) != 0));
}

/* A FIFO: a child reads the .npy bytes from it; the FIFO stays. */
static void
test_output_fifo(void **state)
{
    fixture *fx = *state;
    char npy[256], fifo[256];
    struct stat st;
    run_result r;
    pid_t pid;
    int status;

    small_losses(fx, "l.npy", npy, sizeof npy);
    snprintf(fifo, sizeof fifo, "%s", in_dir(fx, "w.npy"));
    assert_int_equal(mkfifo(fifo, 0644), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* exit 0 when a whole .npy of 3 floats arrives: 128 + 12 bytes */
        unsigned char buf[512];
        FILE *in = fopen(fifo, "rb");
        size_t n = in != NULL ? fread(buf, 1, sizeof buf, in) : 0;
        _exit(n == 140 && memcmp(buf, "\x93NUMPY", 6) == 0 ? 0 : 1);
    }
    run_solve(&r, "--losses", npy, "-o", fifo, NULL);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.err, "");
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(lstat(fifo, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    assert_int_equal(entries(fx), 2);
}

/* -o naming the input, however spelled, is refused before anything is
 * read or written: the input keeps its bytes and its inode. */
static void
test_output_is_input(void **state)
{
    fixture *fx = *state;
    char npy[256], alias[256], link[256], hard[256], want[1024];
    const char *spellings[3];
    struct stat before, after;
    size_t len_before, len_after, k;
    char *bytes_before, *bytes_after;
    run_result r;

    small_losses(fx, "l.npy", npy, sizeof npy);
    snprintf(alias, sizeof alias, "%s/./sub/../l.npy", fx->dir);
    assert_int_equal(mkdir(in_dir(fx, "sub"), 0755), 0);
    snprintf(link, sizeof link, "%s", in_dir(fx, "link.npy"));
    assert_int_equal(symlink("l.npy", link), 0);
    snprintf(hard, sizeof hard, "%s", in_dir(fx, "hard.npy"));
    assert_int_equal(link_helper(npy, hard), 0);
    assert_int_equal(stat(npy, &before), 0);
    bytes_before = read_all(npy, &len_before);

    spellings[0] = alias;
    spellings[1] = link;
    spellings[2] = hard;
    run_solve(&r, "--losses", npy, "-o", npy, NULL);
    snprintf(want, sizeof want,
             "lmpviz solve: -o: expected a file that is not an input, got \"%s\", the same "
             "file as --losses \"%s\"\ntry 'lmpviz solve --help'\n",
             npy, npy);
    assert_int_equal(r.rc, 2);
    assert_string_equal(r.err, want);
    assert_string_equal(r.out, "");
    for (k = 0; k < 3; k++) {
        run_solve(&r, "--losses", npy, "-o", spellings[k], NULL);
        snprintf(want, sizeof want,
                 "lmpviz solve: -o: expected a file that is not an input, got \"%s\", the same "
                 "file as --losses \"%s\"\ntry 'lmpviz solve --help'\n",
                 spellings[k], npy);
        if (r.rc != 2 || strcmp(r.err, want) != 0)
            fail_msg("spelling %zu (%s): rc %d, stderr \"%s\"", k, spellings[k], r.rc, r.err);
    }
    assert_int_equal(stat(npy, &after), 0);
    assert_true(after.st_ino == before.st_ino);
    bytes_after = read_all(npy, &len_after);
    assert_int_equal(len_after, len_before);
    assert_memory_equal(bytes_after, bytes_before, len_before);
    free(bytes_before);
    free(bytes_after);
    assert_int_equal(entries(fx), 4);
}

/* cli_json_string on every kind of byte sequence: valid UTF-8 at the
 * bounds of each length passes, overlong forms, surrogates, values above
 * U+10FFFF, stray and missing continuation bytes become U+FFFD, one per
 * byte. */
static void
test_json_string_utf8(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        { "a\"b\\c\x01", "\"a\\\"b\\\\c\\u0001\"" },
        { "\x7f", "\"\\u007f\"" },
        { "\xc2\x80|\xdf\xbf", "\"\xc2\x80|\xdf\xbf\"" },
        { "\x80", "\"\\ufffd\"" },
        { "\xc1\xbf", "\"\\ufffd\\ufffd\"" },
        { "\xe0\xa0\x80|\xef\xbf\xbf", "\"\xe0\xa0\x80|\xef\xbf\xbf\"" },
        { "\xe0\x9f\xbf", "\"\\ufffd\\ufffd\\ufffd\"" },
        { "\xed\x9f\xbf", "\"\xed\x9f\xbf\"" },
        { "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },
        { "\xe2\x82|", "\"\\ufffd\\ufffd|\"" },
        { "\xf0\x90\x80\x80|\xf4\x8f\xbf\xbf", "\"\xf0\x90\x80\x80|\xf4\x8f\xbf\xbf\"" },
        { "\xf0\x8f\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
        { "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
        { "\xf5\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
        { "\xf0\x90\x80", "\"\\ufffd\\ufffd\\ufffd\"" },
    };
    char buf[256];
    size_t i, n;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FILE *f = tmpfile();
        assert_non_null(f);
        cli_json_string(f, cases[i].in);
        rewind(f);
        n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = '\0';
        fclose(f);
        if (strcmp(buf, cases[i].out) != 0)
            fail_msg("case %zu: got %s, expected %s", i, buf, cases[i].out);
    }
}

/* Two outputs not there yet, one file under two spellings: refused. */
static void
test_outputs_not_yet_there(void **state)
{
    fixture *fx = *state;
    char npy[256], a[256], b[300], want[1024];
    const cli_file in = { "--losses", npy };
    cli_file out[2];
    run_result r;
    capture c;

    small_losses(fx, "l.npy", npy, sizeof npy);
    assert_int_equal(mkdir(in_dir(fx, "sub"), 0755), 0);
    snprintf(a, sizeof a, "%s", in_dir(fx, "w.npy"));
    snprintf(b, sizeof b, "%s/sub/../w.npy", fx->dir);
    out[0].opt = "-o";
    out[0].path = a;
    out[1].opt = "--other";
    out[1].path = b;
    capture_begin(&c);
    r.rc = cli_check_files("solve", &in, 1, out, 2);
    capture_end(&c, &r);
    snprintf(want, sizeof want,
             "lmpviz solve: --other: expected a file no other output writes, got \"%s\", the same "
             "file as -o \"%s\"\ntry 'lmpviz solve --help'\n",
             b, a);
    assert_int_equal(r.rc, 2);
    assert_string_equal(r.err, want);
    /* relative, in the current folder, against an absolute spelling */
    {
        char cwd[1024];
        assert_non_null(getcwd(cwd, sizeof cwd));
        assert_int_equal(chdir(fx->dir), 0);
        out[1].path = "w.npy";
        capture_begin(&c);
        r.rc = cli_check_files("solve", &in, 1, out, 2);
        capture_end(&c, &r);
        assert_int_equal(chdir(cwd), 0);
        assert_int_equal(r.rc, 2);
    }
    /* different files: fine */
    out[1].path = in_dir(fx, "v.npy");
    capture_begin(&c);
    r.rc = cli_check_files("solve", &in, 1, out, 2);
    capture_end(&c, &r);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.err, "");
}

/* -o with another extension than .npy, or empty: usage errors (exit 2). */
static void
test_output_name_checked(void **state)
{
    fixture *fx = *state;
    char npy[256], png[256], want[600];
    run_result r;

    small_losses(fx, "l.npy", npy, sizeof npy);
    snprintf(png, sizeof png, "%s", in_dir(fx, "weights.png"));
    run_solve(&r, "--losses", npy, "-o", png, NULL);
    snprintf(want, sizeof want,
             "lmpviz solve: -o: expected a file name ending in .npy, got \"%s\"\n"
             "try 'lmpviz solve --help'\n",
             png);
    assert_int_equal(r.rc, 2);
    assert_string_equal(r.err, want);
    /* an existing regular file is no device: its extension counts too */
    write_bytes(png, "png", 3);
    run_solve(&r, "--losses", npy, "-o", png, NULL);
    assert_int_equal(r.rc, 2);
    assert_string_equal(r.err, want);
    assert_int_equal(file_size_of(png), 3);
    unlink(png);
    run_solve(&r, "--losses", npy, "-o", "", NULL);
    assert_int_equal(r.rc, 2);
    assert_string_equal(r.err, "lmpviz solve: -o: expected a file name ending in .npy, got \"\"\n"
                               "try 'lmpviz solve --help'\n");
    assert_int_equal(entries(fx), 1);
}

/* Replacing a file: new inode, old mode, no temporary left. */
static void
test_output_keeps_mode(void **state)
{
    fixture *fx = *state;
    char npy[256], w[256];
    struct stat before, after;
    run_result r;

    small_losses(fx, "l.npy", npy, sizeof npy);
    snprintf(w, sizeof w, "%s", in_dir(fx, "w.npy"));
    write_bytes(w, "old", 3);
    assert_int_equal(chmod(w, 0600), 0);
    assert_int_equal(stat(w, &before), 0);
    run_solve(&r, "--losses", npy, "-o", w, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(stat(w, &after), 0);
    assert_int_equal(after.st_mode & 07777, 0600);
    assert_true(after.st_ino != before.st_ino);
    assert_int_equal(after.st_size, 140);
    assert_int_equal(entries(fx), 2);
}

/* A file name of 255 bytes, the most a name may have. */
static void
test_output_longest_name(void **state)
{
    fixture *fx = *state;
    char npy[256], w[600];
    size_t k, dir_len;
    struct stat st;
    run_result r;

    small_losses(fx, "l.npy", npy, sizeof npy);
    dir_len = (size_t)snprintf(w, sizeof w, "%s/", fx->dir);
    for (k = 0; k < 251; k++)
        w[dir_len + k] = 'w';
    memcpy(w + dir_len + 251, ".npy", 5);
    run_solve(&r, "--losses", npy, "-o", w, NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.err, "");
    assert_int_equal(stat(w, &st), 0);
    assert_int_equal(st.st_size, 140);
    assert_int_equal(entries(fx), 2);
}

/* --json with file names that are not UTF-8: still valid JSON, each bad
 * byte as U+FFFD; valid multi-byte names pass through. */
static void
test_json_non_utf8_names(void **state)
{
    fixture *fx = *state;
    char npy[256], w[256], back[600], want[600];
    run_result r;

    small_losses(fx, "\xc3\xa9t\xc3\xa9.npy", npy, sizeof npy);
    snprintf(w, sizeof w, "%s", in_dir(fx, "w\xff\xfe\xc3.npy"));
    run_solve(&r, "--losses", npy, "-o", w, "--json", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.err, "");
    assert_null(strchr(r.out, '\xff'));
    snprintf(want, sizeof want, "\"weights\": \"%s/w\\ufffd\\ufffd\\ufffd.npy\"", fx->dir);
    assert_non_null(strstr(r.out, want));
    if (python_json(fx, r.out, "losses", back, sizeof back) == 0)
        assert_string_equal(back, npy);
    snprintf(want, sizeof want, "%s/w\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd.npy", fx->dir);
    if (python_json(fx, r.out, "weights", back, sizeof back) == 0)
        assert_string_equal(back, want);
    assert_int_equal(entries(fx), 2);
}

/* ------------------------------------------------------------------------
 * Usage errors: exit 2, the exact message, nothing on stdout, no file.
 */

typedef struct usage_case {
    const char *args[6];
    const char *line; /* stderr's first line after "lmpviz solve: " */
} usage_case;

static void
test_usage_errors(void **state)
{
    fixture *fx = *state;
    static const usage_case cases[] = {
        { { "--p", "0.5" }, "--p: expected p >= 1 (a number or \"inf\"), got \"0.5\"" },
        { { "--p", "nan" }, "--p: expected p >= 1 (a number or \"inf\"), got \"nan\"" },
        { { "--m", "0" }, "--m: expected a fraction in (0, 1], got \"0\"" },
        { { "--m", "1.5" }, "--m: expected a fraction in (0, 1], got \"1.5\"" },
        { { "--m-pixels", "0.5" }, "--m-pixels: expected a pixel count >= 1, got \"0.5\"" },
        { { "--m", "0.1", "--m-pixels", "4" }, "--m and --m-pixels: give one of them, not both" },
        { { "--m-pixels", "4", "--m", "0.1" }, "--m and --m-pixels: give one of them, not both" },
        { { "--bogus" }, "unknown or incomplete option \"--bogus\"" },
        { { "-x" }, "unknown or incomplete option \"-x\"" },
        { { "stray" }, "unexpected argument \"stray\"" },
        { { "--json", "a", "b" }, "unexpected argument \"a\"" },
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[16];
        char w[256], want[512];
        int argc = 0, j;
        run_result r;

        snprintf(w, sizeof w, "%s", in_dir(fx, "w.npy"));
        argv[argc++] = (char *)"solve";
        argv[argc++] = (char *)"-o";
        argv[argc++] = w;
        for (j = 0; j < 6 && cases[i].args[j] != NULL; j++)
            argv[argc++] = (char *)cases[i].args[j];
        argv[argc] = NULL;
        run_argv(&r, cmd_solve, argc, argv);
        snprintf(want, sizeof want, "lmpviz solve: %s\ntry 'lmpviz solve --help'\n", cases[i].line);
        if (r.rc != 2 || strcmp(r.err, want) != 0)
            fail_msg("case %zu (%s): rc %d, stderr \"%s\"", i, cases[i].args[0], r.rc, r.err);
        assert_string_equal(r.out, "");
        assert_int_equal(entries(fx), 0);
    }
}

/* An option missing its value, last on the line. */
static void
test_missing_value(void **state)
{
    fixture *fx = *state;
    run_result r;
    char w[256];

    snprintf(w, sizeof w, "%s", in_dir(fx, "w.npy"));
    run_solve(&r, "-o", w, "--p", NULL);
    assert_int_equal(r.rc, 2);
    assert_string_equal(r.err, "lmpviz solve: --p: expected a value\n"
                               "try 'lmpviz solve --help'\n");
    run_solve(&r, "--losses", NULL);
    assert_int_equal(r.rc, 2);
    assert_string_equal(r.err, "lmpviz solve: --losses: expected a value\n"
                               "try 'lmpviz solve --help'\n");
    assert_string_equal(r.out, "");
    assert_int_equal(entries(fx), 0);
}

/* Every option that takes a value, given without it: the same message. */
static void
test_missing_value_every_option(void **state)
{
    static const char *const opts[] = { "--losses", "--p",      "--m",      "--m-pixels",
                                        "-o",       "--output", "--device", NULL };
    (void)state;
    expect_missing_values(cmd_solve, "solve", opts);
}

/* ------------------------------------------------------------------------
 * cli_solve_parse
 */

static void
test_parse_defaults(void **state)
{
    char *argv[] = { "solve", NULL };
    lmp_params def = LMP_PARAMS_INIT;
    cli_solve_args a;
    run_result r;
    (void)state;

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_solve_parse, &a, argv);
    assert_int_equal(r.rc, CLI_PARSE_OK);
    assert_string_equal(r.err, "");
    assert_string_equal(r.out, "");
    assert_true(a.params.p == def.p);
    assert_true(a.params.m == def.m);
    assert_true(a.params.m_pixels == 0.0);
    assert_int_equal(a.params.nonfinite, def.nonfinite);
    assert_null(a.losses);
    assert_null(a.output);
    assert_int_equal(a.json + a.have_m + a.ignore_zeros + a.on_gpu, 0);
}

static void
test_parse_values(void **state)
{
    char *argv[] = { "solve",
                     "--losses",
                     "l.npy",
                     "--p",
                     "2.5",
                     "--m-pixels",
                     "7",
                     "-o",
                     "w.npy",
                     "--json",
                     "--ignore-nonfinite",
                     "--ignore-zeros",
                     "--device",
                     "cuda",
                     NULL };
    cli_solve_args a;
    run_result r;
    (void)state;

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_solve_parse, &a, argv);
    assert_int_equal(r.rc, CLI_PARSE_OK);
    assert_string_equal(r.err, "");
    assert_string_equal(a.losses, "l.npy");
    assert_true(a.params.p == 2.5);
    assert_true(a.params.m_pixels == 7.0);
    assert_int_equal(a.have_m, 0);
    assert_string_equal(a.output, "w.npy");
    assert_int_equal(a.json, 1);
    assert_int_equal(a.params.nonfinite, LMP_NONFINITE_IGNORE);
    assert_int_equal(a.ignore_zeros, 1);
    assert_int_equal(a.on_gpu, 1); /* parsed only: the device is checked later */
}

static void
test_parse_help_and_usage(void **state)
{
    char *help[] = { "solve", "--p", "2", "--help", NULL };
    char *both[] = { "solve", "--m", "0.5", "--m-pixels", "3", NULL };
    char *ext[] = { "solve", "-o", "w.txt", NULL };
    char *extra[] = { "solve", "--json", "x", NULL };
    cli_solve_args a;
    run_result r;
    (void)state;

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_solve_parse, &a, help);
    assert_int_equal(r.rc, CLI_PARSE_HELP);
    assert_string_equal(r.err, "");
    assert_true(strncmp(r.out, "Usage: lmpviz solve", 19) == 0);
    assert_int_equal(cli_parse_exit(CLI_PARSE_HELP), CLI_EXIT_OK);

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_solve_parse, &a, both);
    assert_int_equal(r.rc, CLI_PARSE_USAGE);
    assert_string_equal(r.err, "lmpviz solve: --m and --m-pixels: give one of them, not both\n"
                               "try 'lmpviz solve --help'\n");
    assert_int_equal(cli_parse_exit(CLI_PARSE_USAGE), CLI_EXIT_USAGE);

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_solve_parse, &a, ext);
    assert_int_equal(r.rc, CLI_PARSE_USAGE);
    assert_string_equal(r.err,
                        "lmpviz solve: -o: expected a file name ending in .npy, got \"w.txt\"\n"
                        "try 'lmpviz solve --help'\n");

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_solve_parse, &a, extra);
    assert_int_equal(r.rc, CLI_PARSE_USAGE);
    assert_string_equal(r.err, "lmpviz solve: unexpected argument \"x\"\n"
                               "try 'lmpviz solve --help'\n");
    assert_string_equal(r.out, "");
}

/* ------------------------------------------------------------------------
 * lmpviz_cli_main
 */

static void
test_main_dispatch(void **state)
{
    run_result r;
    (void)state;

    run_main(&r, "--version", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "lmpviz " LMP_VERSION_STRING "\n");
    assert_string_equal(r.err, "");
    run_main(&r, "-V", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "lmpviz " LMP_VERSION_STRING "\n");

    run_main(&r, "--help", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.err, "");
    assert_memory_equal(r.out, "Usage: lmpviz <command> [options]\n", 34);
    assert_non_null(strstr(r.out, "\n  solve    "));
    assert_non_null(strstr(r.out, "\n  curve    "));
    assert_non_null(strstr(r.out, "\n  region   "));
    assert_non_null(strstr(r.out, "\n  bench    "));
    run_main(&r, "-h", NULL);
    assert_int_equal(r.rc, 0);
    assert_memory_equal(r.out, "Usage: lmpviz <command> [options]\n", 34);

    /* no command: the help, on stderr, as a usage error */
    run_main(&r, NULL);
    assert_int_equal(r.rc, 2);
    assert_string_equal(r.out, "");
    assert_memory_equal(r.err, "Usage: lmpviz <command> [options]\n", 34);

    run_main(&r, "frobnicate", "--p", "2", NULL);
    assert_int_equal(r.rc, 2);
    assert_string_equal(r.out, "");
    assert_string_equal(r.err, "lmpviz: unknown command \"frobnicate\"\ntry 'lmpviz --help'\n");

    /* the command gets its own argv[0] */
    run_main(&r, "solve", "--help", NULL);
    assert_int_equal(r.rc, 0);
    assert_memory_equal(r.out, "Usage: lmpviz solve ", 20);
    run_main(&r, "solve", "--m", "0", NULL);
    assert_int_equal(r.rc, 2);
    assert_string_equal(r.err, "lmpviz solve: --m: expected a fraction in (0, 1], got \"0\"\n"
                               "try 'lmpviz solve --help'\n");
    run_main(&r, "solve", "--json", NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "\"n\": 100, "));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_profile),
        cmocka_unit_test_setup_teardown(test_json_matches_lmp_solve, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_escapes_file_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_weights_file_matches_lmp_solve, setup, teardown),
        cmocka_unit_test_setup_teardown(test_m_pixels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_p_inf_is_mean, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ignore_zeros, setup, teardown),
        cmocka_unit_test(test_help),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_npy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_npy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_dtype, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fortran_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_big_endian, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nan_loss, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nonfinite_1d, setup, teardown),
        cmocka_unit_test_setup_teardown(test_negative_loss, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable_output, setup, teardown),
        cmocka_unit_test_setup_teardown(test_float64_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_devices, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_fifo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_is_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_name_checked, setup, teardown),
        cmocka_unit_test(test_json_string_utf8),
        cmocka_unit_test_setup_teardown(test_outputs_not_yet_there, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_keeps_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_longest_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_non_utf8_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_usage_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_value, setup, teardown),
        cmocka_unit_test(test_missing_value_every_option),
        cmocka_unit_test(test_parse_defaults),
        cmocka_unit_test(test_parse_values),
        cmocka_unit_test(test_parse_help_and_usage),
        cmocka_unit_test(test_main_dispatch),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
