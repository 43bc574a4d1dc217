/* Tests of cli/cmd_explore.c: the explorer page written from the program. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_test_util.h"

#define run_explore(r, ...) run_cmd((r), cmd_explore, "explore", __VA_ARGS__)

static const char *const page_files[] = { "index.html", "explore.js", "explore.css", "lmp.js" };
#define N_PAGE_FILES (sizeof page_files / sizeof page_files[0])

/* The files are docs/explore/'s, byte for byte, and the paths are printed. */
static void
test_writes_committed_build(void **state)
{
    fixture *fx = *state;
    char dir[512], want_out[4096] = "", path[1024];
    run_result r;
    size_t i;

    snprintf(dir, sizeof dir, "%s/site/sub", fx->dir);
    run_explore(&r, "-o", dir, NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.err, "");
    for (i = 0; i < N_PAGE_FILES; i++) {
        size_t n_got, n_want;
        char *got, *want;
        snprintf(path, sizeof path, "%s/%s\n", dir, page_files[i]);
        strcat(want_out, path);
        snprintf(path, sizeof path, "%s/%s", dir, page_files[i]);
        got = read_all(path, &n_got);
        snprintf(path, sizeof path, "%s/docs/explore/%s", LMP_SOURCE_DIR, page_files[i]);
        want = read_all(path, &n_want);
        assert_true(n_got > 0);
        assert_int_equal(n_got, n_want);
        assert_memory_equal(got, want, n_got);
        free(got);
        free(want);
    }
    assert_string_equal(r.out, want_out);

    /* written again over the same folder */
    run_explore(&r, "--output", dir, NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, want_out);
}

/* The page loads its solver from the script next to it: no other file, no
 * network, and the .wasm inside lmp.js (file:// refuses fetch()). */
static void
test_page_is_self_contained(void **state)
{
    fixture *fx = *state;
    run_result r;
    size_t len;
    char *html, *js;

    run_explore(&r, "-o", fx->dir, NULL);
    assert_int_equal(r.rc, 0);
    html = read_all(in_dir(fx, "index.html"), &len);
    assert_non_null(strstr(html, "<script src=\"lmp.js\"></script>"));
    assert_non_null(strstr(html, "<script src=\"explore.js\"></script>"));
    assert_null(strstr(html, "http://"));
    assert_null(strstr(html, "https://"));
    assert_null(strstr(html, "@LMP_"));
    free(html);
    js = read_all(in_dir(fx, "lmp.js"), &len);
    assert_non_null(strstr(js, "data:application/octet-stream;base64,"));
    free(js);
    assert_int_equal(entries(fx), (int)N_PAGE_FILES);
}

static void
test_usage(void **state)
{
    fixture *fx = *state;
    run_result r;

    run_explore(&r, "--help", NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "Usage: lmpviz explore -o DIR"));
    assert_string_equal(r.err, "");

    run_explore(&r, NULL);
    assert_int_equal(r.rc, 2);
    assert_string_equal(r.err, "lmpviz explore: -o: expected the folder to write the page into\n"
                               "try 'lmpviz explore --help'\n");
    run_explore(&r, "-o", NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "lmpviz explore: -o: expected a value"));
    run_explore(&r, "--frobnicate", NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "unknown option \"--frobnicate\""));
    run_explore(&r, "-o", fx->dir, "extra", NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "unexpected argument \"extra\""));
    assert_int_equal(entries(fx), 0);
}

/* A file where the folder should be: a runtime failure naming it. */
static void
test_not_a_folder(void **state)
{
    fixture *fx = *state;
    run_result r;
    char want[512];

    write_bytes(in_dir(fx, "file"), "x", 1);
    run_explore(&r, "-o", fx->path, NULL);
    assert_int_equal(r.rc, 1);
    snprintf(want, sizeof want, "lmpviz explore: %s: cannot make the folder: Not a directory\n",
             fx->path);
    assert_string_equal(r.err, want);
    assert_string_equal(r.out, "");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_writes_committed_build, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_is_self_contained, setup, teardown),
        cmocka_unit_test_setup_teardown(test_usage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_folder, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
