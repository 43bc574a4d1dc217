/* Tests of viz/src/afile.c: atomic output through a temporary file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dir_test_util.h"
#include "lmpviz.h"
#include "test_util.h"

typedef struct afile_fixture {
    char dir[64];
    char path[128];
} afile_fixture;

static int
setup(void **state)
{
    afile_fixture *fx = calloc(1, sizeof *fx);

    if (fx == NULL)
        return -1;
    snprintf(fx->dir, sizeof fx->dir, "afile_test_XXXXXX");
    if (mkdtemp(fx->dir) == NULL) {
        free(fx);
        return -1;
    }
    snprintf(fx->path, sizeof fx->path, "%s/out.bin", fx->dir);
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    afile_fixture *fx = *state;

    remove_tree(fx->dir);
    free(fx);
    return 0;
}

/* Whole content of path into buf; returns its length or -1. */
static long
slurp(const char *path, char *buf, size_t size)
{
    FILE *fp = fopen(path, "rb");
    size_t n;

    if (fp == NULL)
        return -1;
    n = fread(buf, 1, size, fp);
    fclose(fp);
    return (long)n;
}

static void
test_commit_creates_file(void **state)
{
    afile_fixture *fx = *state;
    lmpviz_afile af;
    lmpviz_err err = { "" };
    char buf[64];
    struct stat st;
    mode_t old_mask = umask(022);

    assert_int_equal(lmpviz_afile_open(&af, fx->path, &err), LMPVIZ_OK);
    assert_non_null(af.fp);
    /* Nothing at the target until commit. */
    assert_int_equal(access(fx->path, F_OK), -1);
    assert_int_equal(count_entries(fx->dir), 1);
    fputs("hello, world\n", af.fp);
    assert_int_equal(lmpviz_afile_commit(&af, &err), LMPVIZ_OK);
    assert_null(af.fp);
    assert_null(af.tmp_path);
    assert_null(af.path);

    assert_int_equal(slurp(fx->path, buf, sizeof buf), 13);
    assert_memory_equal(buf, "hello, world\n", 13);
    assert_int_equal(stat(fx->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_int_equal(count_entries(fx->dir), 1);
    umask(old_mask);
}

static void
test_commit_respects_umask(void **state)
{
    afile_fixture *fx = *state;
    lmpviz_afile af;
    struct stat st;
    mode_t old_mask = umask(027);

    assert_int_equal(lmpviz_afile_open(&af, fx->path, NULL), LMPVIZ_OK);
    fputs("x", af.fp);
    assert_int_equal(lmpviz_afile_commit(&af, NULL), LMPVIZ_OK);
    umask(old_mask);
    assert_int_equal(stat(fx->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
}

static void
test_commit_replaces_existing(void **state)
{
    afile_fixture *fx = *state;
    lmpviz_afile af;
    char buf[64];
    FILE *fp = fopen(fx->path, "wb");

    assert_non_null(fp);
    fputs("old content that is longer", fp);
    fclose(fp);

    assert_int_equal(lmpviz_afile_open(&af, fx->path, NULL), LMPVIZ_OK);
    fputs("new", af.fp);
    /* The old file stays intact until commit. */
    assert_int_equal(slurp(fx->path, buf, sizeof buf), 26);
    assert_int_equal(lmpviz_afile_commit(&af, NULL), LMPVIZ_OK);
    assert_int_equal(slurp(fx->path, buf, sizeof buf), 3);
    assert_memory_equal(buf, "new", 3);
    assert_int_equal(count_entries(fx->dir), 1);
}

static void
test_abort_leaves_nothing(void **state)
{
    afile_fixture *fx = *state;
    lmpviz_afile af;

    assert_int_equal(lmpviz_afile_open(&af, fx->path, NULL), LMPVIZ_OK);
    fputs("half-written", af.fp);
    assert_int_equal(count_entries(fx->dir), 1);
    lmpviz_afile_abort(&af);
    assert_null(af.fp);
    assert_null(af.tmp_path);
    assert_int_equal(count_entries(fx->dir), 0);
    assert_int_equal(access(fx->path, F_OK), -1);
    /* Twice, and on a committed one, is harmless. */
    lmpviz_afile_abort(&af);
    assert_int_equal(lmpviz_afile_open(&af, fx->path, NULL), LMPVIZ_OK);
    assert_int_equal(lmpviz_afile_commit(&af, NULL), LMPVIZ_OK);
    lmpviz_afile_abort(&af);
    assert_int_equal(access(fx->path, F_OK), 0);
}

static void
test_abort_zeroed(void **state)
{
    lmpviz_afile af;

    (void)state;
    memset(&af, 0, sizeof af);
    lmpviz_afile_abort(&af);
    lmpviz_afile_abort(NULL);
    assert_null(af.fp);
}

static void
test_open_missing_folder(void **state)
{
    afile_fixture *fx = *state;
    lmpviz_afile af;
    lmpviz_err err = { "" };
    char path[256];
    char folder[200];

    snprintf(folder, sizeof folder, "%s/no_such_dir", fx->dir);
    snprintf(path, sizeof path, "%s/out.npy", folder);
    assert_int_equal(lmpviz_afile_open(&af, path, &err), LMPVIZ_ERR_IO);
    assert_null(af.fp);
    assert_null(af.tmp_path);
    assert_null(af.path);
    assert_non_null(strstr(err.msg, folder));
    assert_non_null(strstr(err.msg, strerror(ENOENT)));
    assert_int_equal(count_entries(fx->dir), 0);
    /* err may be NULL. */
    assert_int_equal(lmpviz_afile_open(&af, path, NULL), LMPVIZ_ERR_IO);
}

static void
test_open_bad_args(void **state)
{
    lmpviz_afile af;
    lmpviz_err err = { "" };

    (void)state;
    assert_int_equal(lmpviz_afile_open(&af, "", &err), LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(lmpviz_afile_open(&af, NULL, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(lmpviz_afile_open(NULL, "x", &err), LMPVIZ_ERR_INVALID_ARG);
    memset(&af, 0, sizeof af);
    assert_int_equal(lmpviz_afile_commit(&af, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_int_not_equal(err.msg[0], '\0');
}

/* A path without a folder goes to the current directory. */
static void
test_open_relative_name(void **state)
{
    afile_fixture *fx = *state;
    lmpviz_afile af;
    char cwd[1024];
    char buf[8];

    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(fx->dir), 0);
    assert_int_equal(lmpviz_afile_open(&af, "plain.txt", NULL), LMPVIZ_OK);
    fputs("ok", af.fp);
    assert_int_equal(lmpviz_afile_commit(&af, NULL), LMPVIZ_OK);
    assert_int_equal(slurp("plain.txt", buf, sizeof buf), 2);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(count_entries(fx->dir), 1);
}

/* rename() cannot replace a non-empty folder: commit fails, reports why and
 * removes its temporary. */
static void
test_commit_rename_fails(void **state)
{
    afile_fixture *fx = *state;
    lmpviz_afile af;
    lmpviz_err err = { "" };
    char inner[256];
    FILE *fp;

    assert_int_equal(mkdir(fx->path, 0755), 0);
    snprintf(inner, sizeof inner, "%s/keep", fx->path);
    fp = fopen(inner, "wb");
    assert_non_null(fp);
    fclose(fp);

    assert_int_equal(lmpviz_afile_open(&af, fx->path, &err), LMPVIZ_OK);
    fputs("data", af.fp);
    assert_int_equal(count_entries(fx->dir), 2);
    assert_int_equal(lmpviz_afile_commit(&af, &err), LMPVIZ_ERR_IO);
    assert_non_null(strstr(err.msg, "rename"));
    assert_null(af.fp);
    assert_null(af.tmp_path);
    assert_int_equal(count_entries(fx->dir), 1);
    assert_int_equal(access(inner, F_OK), 0);
}

/* A folder without write permission (root ignores permissions: skipped). */
static void
test_open_readonly_folder(void **state)
{
    afile_fixture *fx = *state;
    lmpviz_afile af;
    lmpviz_err err = { "" };

    if (geteuid() == 0) {
        printf("# skipped: running as root, folder permissions are not enforced\n");
        skip();
    }
    assert_int_equal(chmod(fx->dir, 0555), 0);
    assert_int_equal(lmpviz_afile_open(&af, fx->path, &err), LMPVIZ_ERR_IO);
    assert_int_equal(chmod(fx->dir, 0755), 0);
    assert_non_null(strstr(err.msg, strerror(EACCES)));
    assert_int_equal(count_entries(fx->dir), 0);
}

static void
test_status_string(void **state)
{
    (void)state;
    assert_string_equal(lmpviz_status_string(LMPVIZ_OK), "success");
    assert_string_not_equal(lmpviz_status_string(LMPVIZ_ERR_IO),
                            lmpviz_status_string(LMPVIZ_ERR_FORMAT));
    assert_string_equal(lmpviz_status_string((lmpviz_status)99), "unknown status");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_commit_creates_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_respects_umask, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_replaces_existing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_leaves_nothing, setup, teardown),
        cmocka_unit_test(test_abort_zeroed),
        cmocka_unit_test_setup_teardown(test_open_missing_folder, setup, teardown),
        cmocka_unit_test(test_open_bad_args),
        cmocka_unit_test_setup_teardown(test_open_relative_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_rename_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_readonly_folder, setup, teardown),
        cmocka_unit_test(test_status_string),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
