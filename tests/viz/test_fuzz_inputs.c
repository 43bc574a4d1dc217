/* The fuzzers' findings and seeds (tests/data/fuzz/, fuzz/seeds/) replayed
 * through the readers they broke, plus the early refusal of inputs larger
 * than the memory available.  Each file must give LMPVIZ_OK or a clean
 * error with a message, never a crash (the sanitizer and valgrind runs of
 * the suite check the rest). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lmpviz.h"

#ifndef LMP_SOURCE_DIR
#error "LMP_SOURCE_DIR must name the source tree"
#endif

typedef void (*replay_fn)(const char *path, size_t *n_ok, size_t *n_err);

/* Calls fn on every regular file of dir (relative to the source tree);
 * returns how many. */
static size_t
for_each_file(const char *dir, replay_fn fn, size_t *n_ok, size_t *n_err)
{
    char path[1024];
    struct dirent *e;
    size_t count = 0;
    DIR *d;

    snprintf(path, sizeof path, "%s/%s", LMP_SOURCE_DIR, dir);
    d = opendir(path);
    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        snprintf(path, sizeof path, "%s/%s/%s", LMP_SOURCE_DIR, dir, e->d_name);
        if (e->d_name[0] == '.' || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        fn(path, n_ok, n_err);
        count++;
    }
    closedir(d);
    return count;
}

static void
replay_npy(const char *path, size_t *n_ok, size_t *n_err)
{
    lmpviz_array a;
    lmpviz_err err;
    err.msg[0] = '\0';
    if (lmpviz_npy_read_float(path, &a, &err) == LMPVIZ_OK) {
        assert_true(a.count == 0 || a.data != NULL);
        lmpviz_array_free(&a);
        (*n_ok)++;
    } else {
        if (err.msg[0] == '\0')
            fail_msg("%s: error without a message", path);
        assert_null(a.data);
        (*n_err)++;
    }
}

static void
replay_png(const char *path, size_t *n_ok, size_t *n_err)
{
    lmpviz_image im;
    lmpviz_labelmap lm;
    lmpviz_err err;
    err.msg[0] = '\0';
    if (lmpviz_image_read(path, &im, &err) == LMPVIZ_OK) {
        lmpviz_image_free(&im);
        (*n_ok)++;
    } else {
        if (err.msg[0] == '\0')
            fail_msg("%s: frame error without a message", path);
        (*n_err)++;
    }
    err.msg[0] = '\0';
    if (lmpviz_labelmap_read(path, &lm, &err) == LMPVIZ_OK) {
        lmpviz_labelmap_free(&lm);
        (*n_ok)++;
    } else {
        if (err.msg[0] == '\0')
            fail_msg("%s: label map error without a message", path);
        (*n_err)++;
    }
}

static void
replay_schemes(const char *path, size_t *n_ok, size_t *n_err)
{
    lmpviz_scheme_spec spec[LMPVIZ_COMPARE_MAX_SCHEMES];
    lmpviz_err err;
    char text[4097];
    size_t count = 0;
    size_t got;
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    got = fread(text, 1, sizeof text - 1, fp);
    fclose(fp);
    text[got] = '\0';
    err.msg[0] = '\0';
    if (lmpviz_schemes_parse(text, spec, LMPVIZ_COMPARE_MAX_SCHEMES, &count, &err) == LMPVIZ_OK) {
        (*n_ok)++;
    } else {
        if (err.msg[0] == '\0')
            fail_msg("%s: error without a message", path);
        (*n_err)++;
    }
}

static void
test_replay(void **state)
{
    static const struct {
        const char *dir;
        replay_fn fn;
    } sets[] = {
        { "tests/data/fuzz/npy", replay_npy },         { "fuzz/seeds/npy", replay_npy },
        { "tests/data/fuzz/png", replay_png },         { "fuzz/seeds/png", replay_png },
        { "tests/data/fuzz/schemes", replay_schemes }, { "fuzz/seeds/schemes", replay_schemes },
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        size_t n_ok = 0;
        size_t n_err = 0;
        const size_t n = for_each_file(sets[i].dir, sets[i].fn, &n_ok, &n_err);
        printf("# %s: %zu files, %zu reads ok, %zu refused\n", sets[i].dir, n, n_ok, n_err);
    }
}

/* The PNG finding: a 75-byte file whose iTXt chunk declares 1.7 GB made
 * libpng allocate that much before reading it.  Now refused up front. */
static void
test_png_chunk_length(void **state)
{
    char path[1024];
    lmpviz_image im;
    lmpviz_err err;
    (void)state;
    snprintf(path, sizeof path, "%s/tests/data/fuzz/png/oom-itxt-chunk-length", LMP_SOURCE_DIR);
    assert_int_equal(lmpviz_image_read(path, &im, &err), LMPVIZ_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "chunk 'iTXt'"));
    assert_non_null(strstr(err.msg, "declares 1734829927 bytes"));
}

/* A .npy whose header asks for 2^40 float32 values, read through a pipe
 * (no file size to check against): refused before any allocation, with
 * the size needed and the memory available. */
static void
test_npy_larger_than_memory(void **state)
{
    static const char hdr[] =
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776,), }";
    char dir[] = "/tmp/lmp-test-fifo-XXXXXX";
    char fifo[64];
    lmpviz_array a;
    lmpviz_err err;
    lmpviz_status st;
    pid_t pid;
    int status = 0;
    (void)state;

    assert_non_null(mkdtemp(dir));
    snprintf(fifo, sizeof fifo, "%s/big.npy", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        unsigned char pre[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0 };
        char h[128];
        size_t len;
        int fd = open(fifo, O_WRONLY);
        memset(h, ' ', sizeof h);
        memcpy(h, hdr, sizeof hdr - 1);
        len = 118; /* 10 + 118 = 128, a multiple of 64 */
        h[len - 1] = '\n';
        pre[8] = (unsigned char)(len & 0xff);
        pre[9] = (unsigned char)(len >> 8);
        signal(SIGPIPE, SIG_IGN);
        if (fd < 0 || write(fd, pre, sizeof pre) != (ssize_t)sizeof pre ||
            write(fd, h, len) != (ssize_t)len)
            _exit(1);
        close(fd);
        _exit(0);
    }
    st = lmpviz_npy_read_float(fifo, &a, &err);
    waitpid(pid, &status, 0);
    unlink(fifo);
    rmdir(dir);
    printf("# %s\n", err.msg);
    assert_int_equal(st, LMPVIZ_ERR_NOMEM);
    assert_null(a.data);
    assert_non_null(strstr(err.msg, "needs 4096.0 GiB of memory for 1099511627776 values"));
    assert_non_null(strstr(err.msg, "available"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay),
        cmocka_unit_test(test_png_chunk_length),
        cmocka_unit_test(test_npy_larger_than_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
