/* Tests of viz/src/afile.c: atomic output through a temporary file. */
/* mknod, S_IFCHR, makedev */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "device_test_util.h"
#include "dir_test_util.h"
#include "lmpviz.h"
#include "lmpviz_private.h"
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

/* rename() cannot replace a non-empty folder made after open: commit fails,
 * reports why and removes its temporary. */
static void
test_commit_rename_fails(void **state)
{
    afile_fixture *fx = *state;
    lmpviz_afile af;
    lmpviz_err err = { "" };
    char inner[256];
    FILE *fp;

    assert_int_equal(lmpviz_afile_open(&af, fx->path, &err), LMPVIZ_OK);
    fputs("data", af.fp);
    assert_int_equal(mkdir(fx->path, 0755), 0);
    snprintf(inner, sizeof inner, "%s/keep", fx->path);
    fp = fopen(inner, "wb");
    assert_non_null(fp);
    fclose(fp);
    assert_int_equal(count_entries(fx->dir), 2);
    assert_int_equal(lmpviz_afile_commit(&af, &err), LMPVIZ_ERR_IO);
    assert_non_null(strstr(err.msg, "rename"));
    assert_null(af.fp);
    assert_null(af.tmp_path);
    assert_int_equal(count_entries(fx->dir), 1);
    assert_int_equal(access(inner, F_OK), 0);
}

/* A folder as the target is refused at open, before any data is made. */
static void
test_open_folder_refused(void **state)
{
    afile_fixture *fx = *state;
    lmpviz_afile af;
    lmpviz_err err = { "" };

    assert_int_equal(mkdir(fx->path, 0755), 0);
    assert_int_equal(lmpviz_afile_open(&af, fx->path, &err), LMPVIZ_ERR_IO);
    assert_string_equal(err.msg, "expected a file, got a folder");
    assert_null(af.fp);
    assert_null(af.path);
    assert_int_equal(count_entries(fx->dir), 1);
}

/* Replacing a file keeps its permissions (and the new file is a new inode:
 * the old one was never written into). */
static void
test_replace_keeps_mode(void **state)
{
    afile_fixture *fx = *state;
    lmpviz_afile af;
    struct stat before, after;
    char buf[16];
    FILE *fp = fopen(fx->path, "wb");
    mode_t old_mask = umask(022);

    assert_non_null(fp);
    fputs("old", fp);
    fclose(fp);
    assert_int_equal(chmod(fx->path, 0600), 0);
    assert_int_equal(stat(fx->path, &before), 0);

    assert_int_equal(lmpviz_afile_open(&af, fx->path, NULL), LMPVIZ_OK);
    fputs("brand new", af.fp);
    assert_int_equal(lmpviz_afile_commit(&af, NULL), LMPVIZ_OK);
    umask(old_mask);
    assert_int_equal(stat(fx->path, &after), 0);
    assert_int_equal(after.st_mode & 07777, 0600);
    assert_true(S_ISREG(after.st_mode));
    assert_true(after.st_ino != before.st_ino);
    assert_int_equal(slurp(fx->path, buf, sizeof buf), 9);
    assert_int_equal(count_entries(fx->dir), 1);

    /* 0751 too: not a umask's work */
    assert_int_equal(chmod(fx->path, 0751), 0);
    assert_int_equal(lmpviz_afile_open(&af, fx->path, NULL), LMPVIZ_OK);
    assert_int_equal(lmpviz_afile_commit(&af, NULL), LMPVIZ_OK);
    assert_int_equal(stat(fx->path, &after), 0);
    assert_int_equal(after.st_mode & 07777, 0751);
}

/* A symbolic link to a file stays a link: the file it names is replaced. */
static void
test_link_is_kept(void **state)
{
    afile_fixture *fx = *state;
    lmpviz_afile af;
    char link[160], buf[16];
    struct stat st;
    FILE *fp = fopen(fx->path, "wb");

    assert_non_null(fp);
    fputs("old", fp);
    fclose(fp);
    snprintf(link, sizeof link, "%s/link.bin", fx->dir);
    assert_int_equal(symlink("out.bin", link), 0);
    assert_int_equal(lmpviz_afile_open(&af, link, NULL), LMPVIZ_OK);
    fputs("via link", af.fp);
    assert_int_equal(lmpviz_afile_commit(&af, NULL), LMPVIZ_OK);
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(slurp(fx->path, buf, sizeof buf), 8);
    assert_memory_equal(buf, "via link", 8);
    assert_int_equal(count_entries(fx->dir), 2);
}

/* A file name of NAME_MAX (255) bytes: the temporary's name is shortened to
 * fit, stays valid UTF-8 and is recognised as a temporary. */
static void
test_longest_name(void **state)
{
    afile_fixture *fx = *state;
    lmpviz_afile af;
    lmpviz_err err = { "" };
    char name[256], path[512], buf[8];
    const char *tmp_name;
    size_t k;
    int pass;

    for (pass = 0; pass < 2; pass++) {
        /* ASCII, then two-byte characters ("é" = C3 A9) cut anywhere */
        for (k = 0; k < 251; k++)
            name[k] = pass == 0 ? 'a' : (k % 2 == 0 ? '\xC3' : '\xA9');
        memcpy(name + 251, ".bin", 5);
        assert_int_equal(strlen(name), 255);
        snprintf(path, sizeof path, "%s/%s", fx->dir, name);
        assert_int_equal(lmpviz_afile_open(&af, path, &err), LMPVIZ_OK);
        tmp_name = strrchr(af.tmp_path, '/') + 1;
        assert_true(strlen(tmp_name) <= 255);
        assert_true(lmpviz_afile_is_tmp(tmp_name));
        /* no cut inside a character: no lone continuation byte first */
        if (pass == 1) {
            const char *mark = strstr(tmp_name, LMPVIZ_AFILE_TMP_MARK);
            assert_non_null(mark);
            assert_int_equal((mark - tmp_name) % 2, 0);
        }
        fputs("ok", af.fp);
        assert_int_equal(lmpviz_afile_commit(&af, &err), LMPVIZ_OK);
        assert_int_equal(slurp(path, buf, sizeof buf), 2);
    }
    assert_int_equal(count_entries(fx->dir), 2);
}

static void
test_is_tmp(void **state)
{
    (void)state;
    assert_true(lmpviz_afile_is_tmp("out.png.lmpviz-tmp.3f2a.0"));
    assert_true(lmpviz_afile_is_tmp("a.lmpviz-tmp.b.lmpviz-tmp.1.ff"));
    assert_true(lmpviz_afile_is_tmp("x.lmpviz-tmp.a.a"));
    assert_false(lmpviz_afile_is_tmp("x.lmpviz-tmp.a.g"));
    assert_false(lmpviz_afile_is_tmp("out.png"));
    assert_false(lmpviz_afile_is_tmp(".lmpviz-tmp.1.2"));
    assert_false(lmpviz_afile_is_tmp("out.png.lmpviz-tmp.3f2a"));
    assert_false(lmpviz_afile_is_tmp("out.png.lmpviz-tmp.3f2a.0.png"));
    assert_false(lmpviz_afile_is_tmp("out.png.lmpviz-tmp.XYZ.0"));
    assert_false(lmpviz_afile_is_tmp("out.png.lmpviz-tmp.123456789.0"));
    assert_false(lmpviz_afile_is_tmp(NULL));
}

/* A null device (see device_test_util.h) is written in place: no
 * temporary, nothing renamed or removed, on commit and on abort. */
static void
test_null_device_in_place(void **state)
{
    afile_fixture *fx = *state;
    lmpviz_afile af;
    lmpviz_err err = { "" };
    char dev[160];
    struct stat st;

    if (test_device(fx->dir, "null", 1, 3, "/dev/null", dev, sizeof dev) != 0)
        skip();
    assert_int_equal(stat(dev, &st), 0);
    assert_true(lmpviz_afile_in_place(dev));
    assert_int_equal(lmpviz_afile_open(&af, dev, &err), LMPVIZ_OK);
    assert_int_equal(af.in_place, 1);
    assert_null(af.tmp_path);
    fputs("discarded", af.fp);
    assert_int_equal(lmpviz_afile_commit(&af, &err), LMPVIZ_OK);
    assert_true(test_still_device(dev, 1, 3, st.st_ino));
    assert_int_equal(lmpviz_afile_open(&af, dev, &err), LMPVIZ_OK);
    fputs("half", af.fp);
    lmpviz_afile_abort(&af);
    assert_true(test_still_device(dev, 1, 3, st.st_ino));
    assert_int_equal(count_entries(fx->dir),
                     dev[0] == '/' && strncmp(dev, "/dev/", 5) == 0 ? 0 : 1);
}

/* Only devices, FIFOs and sockets are written in place: not a regular
 * file, a folder or nothing at all. */
static void
test_in_place_kinds(void **state)
{
    afile_fixture *fx = *state;
    FILE *fp = fopen(fx->path, "wb");

    assert_non_null(fp);
    fclose(fp);
    assert_false(lmpviz_afile_in_place(fx->path));
    assert_false(lmpviz_afile_in_place(fx->dir));
    assert_false(lmpviz_afile_in_place("/nonexistent-dir/x"));
    assert_false(lmpviz_afile_in_place(""));
    assert_false(lmpviz_afile_in_place(NULL));
    unlink(fx->path);
    assert_int_equal(mkfifo(fx->path, 0644), 0);
    assert_true(lmpviz_afile_in_place(fx->path));
}

/* Replacing a file of another owner as root keeps the owner. */
static void
test_replace_keeps_owner(void **state)
{
    afile_fixture *fx = *state;
    lmpviz_afile af;
    struct stat st;
    FILE *fp;

    if (geteuid() != 0) {
        printf("# skipped: only root can give a file to another owner\n");
        skip();
    }
    fp = fopen(fx->path, "wb");
    assert_non_null(fp);
    fclose(fp);
    assert_int_equal(chown(fx->path, 65534, 65534), 0);
    assert_int_equal(lmpviz_afile_open(&af, fx->path, NULL), LMPVIZ_OK);
    fputs("new", af.fp);
    assert_int_equal(lmpviz_afile_commit(&af, NULL), LMPVIZ_OK);
    assert_int_equal(stat(fx->path, &st), 0);
    assert_int_equal(st.st_uid, 65534);
    assert_int_equal(st.st_gid, 65534);
    /* another owner in root's group */
    assert_int_equal(chown(fx->path, 65534, 0), 0);
    assert_int_equal(lmpviz_afile_open(&af, fx->path, NULL), LMPVIZ_OK);
    assert_int_equal(lmpviz_afile_commit(&af, NULL), LMPVIZ_OK);
    assert_int_equal(stat(fx->path, &st), 0);
    assert_int_equal(st.st_uid, 65534);
    assert_int_equal(st.st_gid, 0);
}

/* A writer that fails part-way: lmpviz_afile_fail gives the system's
 * reason for an I/O failure, and leaves other failures' messages alone. */
static void
test_fail_gives_reason(void **state)
{
    afile_fixture *fx = *state;
    lmpviz_afile af;
    lmpviz_err err;
    char dev[160], want[128];
    static char block[100000];

    if (test_device(fx->dir, "full", 1, 7, "/dev/full", dev, sizeof dev) != 0)
        skip();
    assert_int_equal(lmpviz_afile_open(&af, dev, NULL), LMPVIZ_OK);
    fwrite(block, 1, sizeof block, af.fp);
    snprintf(err.msg, sizeof err.msg, "write failed");
    assert_int_equal(lmpviz_afile_fail(&af, LMPVIZ_ERR_IO, &err), LMPVIZ_ERR_IO);
    snprintf(want, sizeof want, "cannot write: %s", strerror(ENOSPC));
    assert_string_equal(err.msg, want);
    assert_null(af.fp);
    /* not an I/O failure: the writer's message stays */
    assert_int_equal(lmpviz_afile_open(&af, fx->path, NULL), LMPVIZ_OK);
    snprintf(err.msg, sizeof err.msg, "out of memory while drawing");
    assert_int_equal(lmpviz_afile_fail(&af, LMPVIZ_ERR_NOMEM, &err), LMPVIZ_ERR_NOMEM);
    assert_string_equal(err.msg, "out of memory while drawing");
    /* an I/O failure with no failed write: the message stays too */
    assert_int_equal(lmpviz_afile_open(&af, fx->path, NULL), LMPVIZ_OK);
    snprintf(err.msg, sizeof err.msg, "cairo: write error");
    assert_int_equal(lmpviz_afile_fail(&af, LMPVIZ_ERR_IO, &err), LMPVIZ_ERR_IO);
    assert_string_equal(err.msg, "cairo: write error");
    assert_int_equal(count_entries(fx->dir), 1); /* the device node only */
}

/* A full device: every write fails with ENOSPC, and commit says so. */
static void
test_full_device_reports_enospc(void **state)
{
    afile_fixture *fx = *state;
    lmpviz_afile af;
    lmpviz_err err = { "" };
    char want[128], dev[160];
    struct stat st;
    static char block[100000];

    if (test_device(fx->dir, "full", 1, 7, "/dev/full", dev, sizeof dev) != 0)
        skip();
    assert_int_equal(stat(dev, &st), 0);
    assert_int_equal(lmpviz_afile_open(&af, dev, &err), LMPVIZ_OK);
    assert_int_equal(af.in_place, 1);
    fwrite(block, 1, sizeof block, af.fp); /* fails; commit reports it */
    assert_int_equal(lmpviz_afile_commit(&af, &err), LMPVIZ_ERR_IO);
    snprintf(want, sizeof want, "cannot write: %s", strerror(ENOSPC));
    assert_string_equal(err.msg, want);
    assert_true(test_still_device(dev, 1, 7, st.st_ino));
    /* a short write that only the final flush sends */
    assert_int_equal(lmpviz_afile_open(&af, dev, &err), LMPVIZ_OK);
    fputs("x", af.fp);
    assert_int_equal(lmpviz_afile_commit(&af, &err), LMPVIZ_ERR_IO);
    assert_string_equal(err.msg, want);
    assert_true(test_still_device(dev, 1, 7, st.st_ino));
}

/* A FIFO is written in place: a reader (a child) gets the bytes, and the
 * FIFO is still there afterwards. */
static void
test_fifo_in_place(void **state)
{
    afile_fixture *fx = *state;
    lmpviz_afile af;
    struct stat st;
    pid_t pid;
    int status;
    size_t k;

    assert_int_equal(mkfifo(fx->path, 0644), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* the child: counts the bytes; exit 0 only for 5000 'z's */
        FILE *in = fopen(fx->path, "rb");
        size_t n = 0;
        int c, ok = in != NULL;
        while (ok && (c = fgetc(in)) != EOF) {
            ok = c == 'z';
            n++;
        }
        _exit(ok && n == 5000 ? 0 : 1);
    }
    assert_int_equal(lmpviz_afile_open(&af, fx->path, NULL), LMPVIZ_OK);
    assert_int_equal(af.in_place, 1);
    for (k = 0; k < 5000; k++)
        fputc('z', af.fp);
    assert_int_equal(lmpviz_afile_commit(&af, NULL), LMPVIZ_OK);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(lstat(fx->path, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    assert_int_equal(count_entries(fx->dir), 1);
}

/* A write that really fails on a regular file: RLIMIT_FSIZE in a child.
 * Commit reports EFBIG, removes the temporary and leaves the old file. */
static void
test_write_fails_fsize(void **state)
{
    afile_fixture *fx = *state;
    pid_t pid;
    int status;
    char buf[16];
    FILE *fp = fopen(fx->path, "wb");

    assert_non_null(fp);
    fputs("old", fp);
    fclose(fp);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit lim = { 4096, 4096 };
        lmpviz_afile af;
        lmpviz_err err = { "" };
        char want[128];
        size_t k;
        signal(SIGXFSZ, SIG_IGN);
        if (setrlimit(RLIMIT_FSIZE, &lim) != 0)
            _exit(2);
        if (lmpviz_afile_open(&af, fx->path, &err) != LMPVIZ_OK)
            _exit(3);
        for (k = 0; k < 100000; k++)
            fputc('y', af.fp);
        if (lmpviz_afile_commit(&af, &err) != LMPVIZ_ERR_IO)
            _exit(4);
        snprintf(want, sizeof want, "cannot write: %s", strerror(EFBIG));
        _exit(strcmp(err.msg, want) == 0 ? 0 : 5);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(slurp(fx->path, buf, sizeof buf), 3);
    assert_memory_equal(buf, "old", 3);
    assert_int_equal(count_entries(fx->dir), 1);
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
        cmocka_unit_test_setup_teardown(test_open_folder_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace_keeps_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_is_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_longest_name, setup, teardown),
        cmocka_unit_test(test_is_tmp),
        cmocka_unit_test_setup_teardown(test_null_device_in_place, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_device_reports_enospc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_in_place_kinds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace_keeps_owner, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fail_gives_reason, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_in_place, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_fails_fsize, setup, teardown),
        cmocka_unit_test(test_status_string),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
