/* Helpers shared by the CLI tests (header-only): running a command with its
 * stdout and stderr captured, a temporary folder per test, reading files.
 *
 * Include after <cmocka.h>: the helpers fail the running test through
 * cmocka's assertions.  Every function is static inline, so a test file that
 * uses only some of them still builds under -Wall -Werror. */
#ifndef LMP_CLI_TEST_UTIL_H
#define LMP_CLI_TEST_UTIL_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dir_test_util.h"

/* Most arguments run_cmd passes, argv[0] included. */
#define CLI_TEST_MAX_ARGS 64

typedef struct run_result {
    int rc;
    char out[16384];
    char err[16384];
} run_result;

/* In a sanitizer build, where AddressSanitizer writes its reports; weak, so
 * NULL in other builds.  A crash inside a captured command would otherwise
 * print into the temporary file and vanish with it. */
extern void __sanitizer_set_report_fd(void *fd) __attribute__((weak));

/* stdout and stderr redirected to temporary files, from capture_begin to
 * capture_end. */
typedef struct capture {
    FILE *out;
    FILE *err;
    int save_out;
    int save_err;
} capture;

/* Reads what was written to f (at most size - 1 bytes) into buf. */
static inline void
slurp(FILE *f, char *buf, size_t size)
{
    size_t n;
    rewind(f);
    n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
}

static inline void
capture_begin(capture *c)
{
    c->out = tmpfile();
    c->err = tmpfile();
    assert_non_null(c->out);
    assert_non_null(c->err);
    fflush(stdout);
    fflush(stderr);
    c->save_out = dup(1);
    c->save_err = dup(2);
    assert_true(c->save_out >= 0);
    assert_true(c->save_err >= 0);
    dup2(fileno(c->out), 1);
    dup2(fileno(c->err), 2);
    if (__sanitizer_set_report_fd != NULL)
        __sanitizer_set_report_fd((void *)(intptr_t)c->save_err);
}

/* Restores stdout and stderr and copies what was captured into r->out and
 * r->err (r->rc is left alone). */
static inline void
capture_end(capture *c, run_result *r)
{
    fflush(stdout);
    fflush(stderr);
    if (__sanitizer_set_report_fd != NULL)
        __sanitizer_set_report_fd((void *)(intptr_t)2);
    dup2(c->save_out, 1);
    dup2(c->save_err, 2);
    close(c->save_out);
    close(c->save_err);
    slurp(c->out, r->out, sizeof r->out);
    slurp(c->err, r->err, sizeof r->err);
    fclose(c->out);
    fclose(c->err);
}

/* Runs cmd(argc, argv) with stdout and stderr captured. */
static inline void
run_argv(run_result *r, int (*cmd)(int, char **), int argc, char **argv)
{
    capture c;
    capture_begin(&c);
    r->rc = cmd(argc, argv);
    capture_end(&c, r);
}

/* Runs cmd with argv = { name, the NULL-terminated arguments }. */
static inline void
run_cmd(run_result *r, int (*cmd)(int, char **), const char *name, ...)
{
    char *argv[CLI_TEST_MAX_ARGS + 1];
    int argc = 0;
    va_list ap;
    const char *a;

    argv[argc++] = (char *)name;
    va_start(ap, name);
    while ((a = va_arg(ap, const char *)) != NULL) {
        assert_true(argc < CLI_TEST_MAX_ARGS);
        argv[argc++] = (char *)a;
    }
    va_end(ap);
    argv[argc] = NULL;
    run_argv(r, cmd, argc, argv);
}

/* argc of a NULL-terminated argv. */
static inline int
argv_count(char *const *argv)
{
    int n = 0;
    while (argv[n] != NULL)
        n++;
    return n;
}

/* r->rc = fn(argv[0], argc, argv, a), a command's parse function, with
 * stdout and stderr captured; argv is NULL-terminated. */
#define RUN_PARSE(r, fn, a, argv)                                                                  \
    do {                                                                                           \
        capture c_;                                                                                \
        capture_begin(&c_);                                                                        \
        (r)->rc = (int)fn((argv)[0], argv_count(argv), (argv), (a));                               \
        capture_end(&c_, (r));                                                                     \
    } while (0)

/* Each option of opts (NULL-terminated), given last without its value,
 * is the usage error "lmpviz NAME: OPT: expected a value" with exit status
 * 2 and nothing on stdout. */
static inline void
expect_missing_values(int (*cmd)(int, char **), const char *name, const char *const *opts)
{
    size_t i;

    for (i = 0; opts[i] != NULL; i++) {
        run_result r;
        char want[256];
        run_cmd(&r, cmd, name, opts[i], NULL);
        snprintf(want, sizeof want, "lmpviz %s: %s: expected a value\ntry 'lmpviz %s --help'\n",
                 name, opts[i], name);
        if (r.rc != 2 || strcmp(r.err, want) != 0 || r.out[0] != '\0')
            fail_msg("%s %s: rc %d, stderr \"%s\"", name, opts[i], r.rc, r.err);
    }
}

/* ------------------------------------------------------------------------
 * A fresh folder under /tmp for each test; teardown removes it with all it
 * holds.
 */

typedef struct fixture {
    char dir[64];
    char path[256]; /* the last in_dir() result */
} fixture;

static inline int
fixture_setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (fx == NULL)
        return -1;
    snprintf(fx->dir, sizeof fx->dir, "/tmp/lmp_test_cli_XXXXXX");
    if (mkdtemp(fx->dir) == NULL) {
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static inline int
fixture_teardown(void **state)
{
    fixture *fx = *state;
    remove_tree(fx->dir);
    free(fx);
    return 0;
}

/* The short names the tests use with cmocka_unit_test_setup_teardown. */
static inline int
setup(void **state)
{
    return fixture_setup(state);
}

static inline int
teardown(void **state)
{
    return fixture_teardown(state);
}

/* fx->dir + "/" + name, kept in fx->path until the next call. */
static inline const char *
in_dir(fixture *fx, const char *name)
{
    assert_true((size_t)snprintf(fx->path, sizeof fx->path, "%s/%s", fx->dir, name) <
                sizeof fx->path);
    return fx->path;
}

/* How many entries the folder holds (files and folders, not . and ..). */
static inline int
entries(const fixture *fx)
{
    return count_entries(fx->dir);
}

/* The whole file, NUL-terminated, malloc'ed (caller frees); *len its size. */
static inline char *
read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    assert_true(n >= 0);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Sum of column col (0-based) over the data lines of a CSV whose data
 * fields hold no commas (the header may, it is skipped). */
static inline double
csv_col_sum(const char *path, int col)
{
    size_t len;
    char *text = read_all(path, &len), *line, *save = NULL;
    double sum = 0.0;
    int first = 1;

    for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        const char *p = line;
        int k;
        if (first) {
            first = 0;
            continue;
        }
        for (k = 0; k < col && p != NULL; k++) {
            p = strchr(p, ',');
            if (p != NULL)
                p++;
        }
        assert_non_null(p);
        sum += strtod(p, NULL);
    }
    free(text);
    return sum;
}

/* Writes len bytes to path (for hand-made, possibly broken, files). */
static inline void
write_bytes(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

#endif /* LMP_CLI_TEST_UTIL_H */
