/* Tests of viz/src/npy_io.c: .npy files written by NumPy, by hand and by us. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dir_test_util.h"
#include "lmpviz.h"
#include "test_util.h"

#define PYTHON "/usr/bin/python3"

/* Scratch folder (relative to the test's working directory, so no spaces)
 * and whether NumPy produced the reference files in it. */
static char g_dir[64];
static int g_have_numpy;

/* Reference files written with np.save / np.lib.format.write_array. */
static const char gen_script[] =
    "import sys\n"
    "import numpy as np\n"
    "d = sys.argv[1]\n"
    "def p(n):\n"
    "    return d + '/' + n\n"
    "np.save(p('np_f2.npy'), np.array([1, -2.5, 65504, 2**-24, np.inf, np.nan],\n"
    "                                 dtype='<f2').reshape(2, 3))\n"
    "np.save(p('np_f4.npy'), (np.arange(24, dtype='<f4') * 0.5 - 3).reshape(2, 3, 4))\n"
    "np.save(p('np_f8.npy'), np.array([0.1, -1e-3, 1e10, 3.0, np.inf], dtype='<f8'))\n"
    "np.save(p('np_0d.npy'), np.array(7.25, dtype='<f4'))\n"
    "np.save(p('np_empty.npy'), np.zeros((0, 3), dtype='<f4'))\n"
    "np.save(p('np_fortran.npy'), np.asfortranarray(np.ones((3, 4), dtype='<f4')))\n"
    "np.save(p('np_big.npy'), np.arange(6, dtype='>f4'))\n"
    "np.save(p('np_big8.npy'), np.arange(6, dtype='>f8'))\n"
    "np.save(p('np_i8.npy'), np.arange(5, dtype='<i8'))\n"
    "np.save(p('np_c8.npy'), np.arange(5, dtype='<c8'))\n"
    "np.save(p('np_rec.npy'), np.zeros(3, dtype=[('a', '<f4'), ('b', '<f4')]))\n"
    "for v in (2, 3):\n"
    "    with open(p('np_v%d.npy' % v), 'wb') as f:\n"
    "        a = (np.arange(15, dtype='<f4') / 4).reshape(3, 5)\n"
    "        np.lib.format.write_array(f, a, version=(v, 0))\n"
    "h = np.arange(65536, dtype='<u2').view('<f2')\n"
    "np.save(p('np_half_all.npy'), h)\n"
    "np.save(p('np_half_all_f4.npy'), h.astype('<f4'))\n";

/* Loads the files written by test_written_files_load_in_numpy. */
static const char check_script[] =
    "import sys\n"
    "import numpy as np\n"
    "d = sys.argv[1]\n"
    "for name, shape in (('w0', ()), ('w1', (5,)), ('w2', (3, 4)), ('w3', (2, 3, 4))):\n"
    "    path = d + '/' + name + '.npy'\n"
    "    a = np.load(path)\n"
    "    n = int(np.prod(shape))\n"
    "    want = (np.arange(n, dtype='<f4') * 0.25 - 1).reshape(shape)\n"
    "    assert a.dtype == np.dtype('<f4'), (name, a.dtype)\n"
    "    assert a.shape == shape, (name, a.shape)\n"
    "    assert np.array_equal(a, want), name\n"
    "    with open(path, 'rb') as f:\n"
    "        f.read(8)\n"
    "        hlen = int.from_bytes(f.read(2), 'little')\n"
    "    assert (10 + hlen) % 64 == 0, (name, hlen)\n";

static void
fx_path(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", g_dir, name);
}

static void
write_raw(const char *name, const void *bytes, size_t len)
{
    char path[256];
    FILE *fp;

    fx_path(path, sizeof path, name);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(bytes, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

/* Preamble of format version major.0 for a header of header_len bytes. */
static size_t
put_preamble(unsigned char *buf, int major, size_t header_len)
{
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)major;
    buf[7] = 0;
    buf[8] = (unsigned char)(header_len & 0xff);
    buf[9] = (unsigned char)((header_len >> 8) & 0xff);
    if (major == 1)
        return 10;
    buf[10] = (unsigned char)((header_len >> 16) & 0xff);
    buf[11] = (unsigned char)((header_len >> 24) & 0xff);
    return 12;
}

/* Builds a .npy file in memory: dict padded with spaces and '\n' so that the
 * data starts at a multiple of align (1: no padding).  Returns its length. */
static size_t
build_npy(unsigned char *buf,
          size_t cap,
          int major,
          const char *dict,
          size_t align,
          const void *data,
          size_t data_len)
{
    size_t pre = major == 1 ? 10 : 12;
    size_t hlen = strlen(dict) + 1;
    size_t n;

    while ((pre + hlen) % align != 0)
        hlen++;
    assert_true(pre + hlen + data_len <= cap);
    n = put_preamble(buf, major, hlen);
    memcpy(buf + n, dict, strlen(dict));
    memset(buf + n + strlen(dict), ' ', hlen - strlen(dict) - 1);
    buf[n + hlen - 1] = '\n';
    if (data_len > 0)
        memcpy(buf + n + hlen, data, data_len);
    return n + hlen + data_len;
}

static void
write_npy(
    const char *name, int major, const char *dict, size_t align, const void *data, size_t data_len)
{
    unsigned char buf[4096];
    size_t len = build_npy(buf, sizeof buf, major, dict, align, data, data_len);

    write_raw(name, buf, len);
}

/* Reads name and expects status with err containing every key word given. */
static void
expect_error(const char *name, lmpviz_status want, const char *word1, const char *word2)
{
    char path[256];
    lmpviz_array a;
    lmpviz_err err = { "" };
    lmpviz_status got;

    fx_path(path, sizeof path, name);
    memset(&a, 0xab, sizeof a);
    got = lmpviz_npy_read_float(path, &a, &err);
    if (got != want)
        fail_msg("%s: status %d, expected %d (%s)", name, (int)got, (int)want, err.msg);
    assert_null(a.data);
    assert_int_equal(a.count, 0);
    assert_int_equal(a.ndim, 0);
    assert_null(strchr(err.msg, '\n'));
    if (word1 != NULL && strstr(err.msg, word1) == NULL)
        fail_msg("%s: message \"%s\" lacks \"%s\"", name, err.msg, word1);
    if (word2 != NULL && strstr(err.msg, word2) == NULL)
        fail_msg("%s: message \"%s\" lacks \"%s\"", name, err.msg, word2);
    /* err may be NULL. */
    assert_int_equal(lmpviz_npy_read_float(path, &a, NULL), want);
}

static void
read_ok(const char *name, lmpviz_array *a)
{
    char path[256];
    lmpviz_err err = { "" };
    lmpviz_status got;

    fx_path(path, sizeof path, name);
    got = lmpviz_npy_read_float(path, a, &err);
    if (got != LMPVIZ_OK)
        fail_msg("%s: status %d: %s", name, (int)got, err.msg);
    assert_non_null(a->data);
}

static int
run_python(const char *script_name, const char *script)
{
    char path[256];
    char cmd[512];
    FILE *fp;

    fx_path(path, sizeof path, script_name);
    fp = fopen(path, "w");
    if (fp == NULL)
        return -1;
    fputs(script, fp);
    fclose(fp);
    snprintf(cmd, sizeof cmd, PYTHON " %s %s", path, g_dir);
    return system(cmd);
}

static int
group_setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "npy_test_XXXXXX");
    if (mkdtemp(g_dir) == NULL)
        return -1;
    g_have_numpy =
        access(PYTHON, X_OK) == 0 && system(PYTHON " -c 'import numpy' >/dev/null 2>&1") == 0;
    if (g_have_numpy && run_python("gen.py", gen_script) != 0) {
        printf("# NumPy failed to write the reference files\n");
        return -1;
    }
    if (!g_have_numpy)
        printf("# " PYTHON " with numpy not found: NumPy-file cases will be skipped\n");
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    remove_tree(g_dir);
    return 0;
}

static void
skip_without_numpy(void)
{
    if (!g_have_numpy) {
        printf("# skipped: needs " PYTHON " with numpy\n");
        skip();
    }
}

/* ---- our writer, our reader ------------------------------------------- */

/* A dimension of 2^64 + 1 (and 2^64 - 1 times 2) is refused as too large,
 * not wrapped around to a small size. */
static void
test_dimension_overflow(void **state)
{
    static const char *const dicts[] = {
        "{'descr': '<f4', 'fortran_order': False, 'shape': (18446744073709551617,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (18446744073709551615, 2), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967297), }",
    };
    char path[256];
    lmpviz_array a;
    lmpviz_err err;
    size_t i;

    (void)state;
    for (i = 0; i < 3; i++) {
        memset(&err, 0, sizeof err);
        write_npy("ovf.npy", 1, dicts[i], 64, NULL, 0);
        fx_path(path, sizeof path, "ovf.npy");
        assert_int_equal(lmpviz_npy_read_float(path, &a, &err), LMPVIZ_ERR_FORMAT);
        assert_non_null(strstr(err.msg, "overflows size_t"));
        assert_null(a.data);
        assert_int_equal(lmpviz_npy_read_header(path, &a, &err), LMPVIZ_ERR_FORMAT);
    }
}

/* The header alone: shape, count and dtype, no data; the same checks of
 * the file's length as a full read. */
static void
test_read_header(void **state)
{
    float x[12] = { 0 };
    size_t shape[2] = { 3, 4 };
    char path[256];
    lmpviz_array a;
    lmpviz_err err = { "" };
    FILE *f;

    (void)state;
    fx_path(path, sizeof path, "hdr.npy");
    assert_int_equal(lmpviz_npy_write_float(path, x, shape, 2, NULL), LMPVIZ_OK);
    assert_int_equal(lmpviz_npy_read_header(path, &a, &err), LMPVIZ_OK);
    assert_null(a.data);
    assert_int_equal(a.ndim, 2);
    assert_int_equal(a.shape[0], 3);
    assert_int_equal(a.shape[1], 4);
    assert_int_equal(a.count, 12);
    assert_string_equal(a.descr, "<f4");
    lmpviz_array_free(&a);
    /* one byte short */
    assert_int_equal(truncate(path, 128 + 47), 0);
    assert_int_equal(lmpviz_npy_read_header(path, &a, &err), LMPVIZ_ERR_FORMAT);
    assert_string_equal(err.msg, "file ends after 47 of 48 data bytes");
    f = fopen(path, "wb");
    assert_non_null(f);
    fputs("not npy", f);
    fclose(f);
    assert_int_equal(lmpviz_npy_read_header(path, &a, &err), LMPVIZ_ERR_FORMAT);
    fx_path(path, sizeof path, "missing.npy");
    assert_int_equal(lmpviz_npy_read_header(path, &a, &err), LMPVIZ_ERR_IO);
}

static void
test_round_trip(void **state)
{
    static const size_t shapes[][3] = { { 0 },       { 5 },    { 3, 4 },
                                        { 2, 3, 4 }, { 0, 3 }, { 1024, 2048 } };
    static const size_t ndims[] = { 0, 1, 2, 3, 2, 2 };
    static const char *const shape_text[] = { "'shape': (), }",     "'shape': (5,), }",
                                              "'shape': (3, 4), }", "'shape': (2, 3, 4), }",
                                              "'shape': (0, 3), }", "'shape': (1024, 2048), }" };
    uint64_t rng = test_seed();
    char path[256];
    size_t t;

    (void)state;
    fx_path(path, sizeof path, "rt.npy");
    for (t = 0; t < sizeof ndims / sizeof ndims[0]; t++) {
        size_t count = 1;
        size_t i;
        float *x;
        lmpviz_array a;
        lmpviz_err err = { "" };
        char head[128];
        struct stat st;
        FILE *fp;

        for (i = 0; i < ndims[t]; i++)
            count *= shapes[t][i];
        x = malloc((count > 0 ? count : 1) * sizeof *x);
        assert_non_null(x);
        for (i = 0; i < count; i++)
            x[i] = (float)(test_rand_unit(&rng) * 20.0 - 10.0);
        if (count > 2) {
            x[0] = NAN; /* data is data */
            x[1] = -INFINITY;
        }

        assert_int_equal(lmpviz_npy_write_float(path, x, shapes[t], ndims[t], &err), LMPVIZ_OK);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(((size_t)st.st_size - count * sizeof(float)) % 64, 0);
        fp = fopen(path, "rb");
        assert_non_null(fp);
        assert_int_equal(fread(head, 1, sizeof head - 1, fp), sizeof head - 1);
        fclose(fp);
        head[sizeof head - 1] = '\0';
        assert_memory_equal(head, "\x93NUMPY\x01\x00", 8);
        assert_memory_equal(head + 10, "{'descr': '<f4', 'fortran_order': False, ", 41);
        assert_non_null(strstr(head + 10, shape_text[t]));

        memset(&a, 0xab, sizeof a);
        assert_int_equal(lmpviz_npy_read_float(path, &a, &err), LMPVIZ_OK);
        assert_int_equal(a.ndim, ndims[t]);
        assert_int_equal(a.count, count);
        for (i = 0; i < ndims[t]; i++)
            assert_int_equal(a.shape[i], shapes[t][i]);
        assert_string_equal(a.descr, "<f4");
        assert_non_null(a.data);
        if (count > 0)
            assert_memory_equal(a.data, x, count * sizeof *x);
        lmpviz_array_free(&a);
        assert_null(a.data);
        free(x);
    }
    /* Only the target remains: no temporaries. */
    assert_int_equal(unlink(path), 0);
}

static void
test_written_files_load_in_numpy(void **state)
{
    static const size_t shape[3] = { 2, 3, 4 };
    static const size_t shape2[2] = { 3, 4 };
    static const size_t shape1[1] = { 5 };
    float x[24];
    char path[256];
    size_t i;

    (void)state;
    skip_without_numpy();
    for (i = 0; i < 24; i++)
        x[i] = (float)i * 0.25f - 1.0f;
    fx_path(path, sizeof path, "w0.npy");
    assert_int_equal(lmpviz_npy_write_float(path, x, NULL, 0, NULL), LMPVIZ_OK);
    fx_path(path, sizeof path, "w1.npy");
    assert_int_equal(lmpviz_npy_write_float(path, x, shape1, 1, NULL), LMPVIZ_OK);
    fx_path(path, sizeof path, "w2.npy");
    assert_int_equal(lmpviz_npy_write_float(path, x, shape2, 2, NULL), LMPVIZ_OK);
    fx_path(path, sizeof path, "w3.npy");
    assert_int_equal(lmpviz_npy_write_float(path, x, shape, 3, NULL), LMPVIZ_OK);
    assert_int_equal(run_python("check.py", check_script), 0);
}

static void
test_write_errors(void **state)
{
    static const size_t nine[9] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 };
    static const size_t empty[1] = { 0 };
    static const size_t huge[2] = { SIZE_MAX / 2, 4 };
    float x[1] = { 1.0f };
    lmpviz_err err = { "" };
    char path[256];
    char dir_path[128];
    lmpviz_array a;

    (void)state;
    fx_path(dir_path, sizeof dir_path, "missing_dir");
    snprintf(path, sizeof path, "%s/out.npy", dir_path);
    assert_int_equal(lmpviz_npy_write_float(path, x, NULL, 0, &err), LMPVIZ_ERR_IO);
    assert_non_null(strstr(err.msg, strerror(ENOENT)));
    assert_int_equal(access(path, F_OK), -1);

    fx_path(path, sizeof path, "bad_args.npy");
    assert_int_equal(lmpviz_npy_write_float(path, x, nine, 9, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(lmpviz_npy_write_float(path, NULL, NULL, 0, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(lmpviz_npy_write_float(path, x, NULL, 1, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(lmpviz_npy_write_float(path, x, huge, 2, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "overflow"));
    assert_int_equal(lmpviz_npy_write_float(NULL, x, NULL, 0, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(access(path, F_OK), -1);

    /* No data is needed for an empty array. */
    assert_int_equal(lmpviz_npy_write_float(path, NULL, empty, 1, &err), LMPVIZ_OK);
    assert_int_equal(lmpviz_npy_read_float(path, &a, &err), LMPVIZ_OK);
    assert_int_equal(a.count, 0);
    assert_int_equal(a.ndim, 1);
    lmpviz_array_free(&a);
    assert_int_equal(unlink(path), 0);
}

/* ---- files written by NumPy -------------------------------------------- */

static void
test_numpy_float_files(void **state)
{
    const float f2[6] = { 1.0f, -2.5f, 65504.0f, 0x1p-24f, INFINITY, NAN };
    const float f8[5] = { (float)0.1, (float)-1e-3, (float)1e10, 3.0f, INFINITY };
    lmpviz_array a;
    size_t i;

    (void)state;
    skip_without_numpy();

    read_ok("np_f2.npy", &a);
    assert_string_equal(a.descr, "<f2");
    assert_int_equal(a.ndim, 2);
    assert_int_equal(a.shape[0], 2);
    assert_int_equal(a.shape[1], 3);
    assert_int_equal(a.count, 6);
    for (i = 0; i < 5; i++)
        assert_true(a.data[i] == f2[i]);
    assert_true(isnan(a.data[5]));
    lmpviz_array_free(&a);

    read_ok("np_f4.npy", &a);
    assert_string_equal(a.descr, "<f4");
    assert_int_equal(a.ndim, 3);
    assert_int_equal(a.shape[2], 4);
    assert_int_equal(a.count, 24);
    for (i = 0; i < 24; i++)
        assert_true(a.data[i] == (float)i * 0.5f - 3.0f);
    lmpviz_array_free(&a);

    read_ok("np_f8.npy", &a);
    assert_string_equal(a.descr, "<f8");
    assert_int_equal(a.ndim, 1);
    assert_int_equal(a.count, 5);
    for (i = 0; i < 5; i++)
        assert_true(a.data[i] == f8[i]);
    lmpviz_array_free(&a);

    read_ok("np_0d.npy", &a);
    assert_int_equal(a.ndim, 0);
    assert_int_equal(a.count, 1);
    assert_true(a.data[0] == 7.25f);
    lmpviz_array_free(&a);

    read_ok("np_empty.npy", &a);
    assert_int_equal(a.ndim, 2);
    assert_int_equal(a.shape[0], 0);
    assert_int_equal(a.shape[1], 3);
    assert_int_equal(a.count, 0);
    lmpviz_array_free(&a);
}

static void
test_numpy_versions_2_and_3(void **state)
{
    const char *const names[2] = { "np_v2.npy", "np_v3.npy" };
    lmpviz_array a;
    size_t i;
    int v;

    (void)state;
    skip_without_numpy();
    for (v = 0; v < 2; v++) {
        read_ok(names[v], &a);
        assert_int_equal(a.ndim, 2);
        assert_int_equal(a.shape[0], 3);
        assert_int_equal(a.shape[1], 5);
        for (i = 0; i < 15; i++)
            assert_true(a.data[i] == (float)i / 4.0f);
        lmpviz_array_free(&a);
    }
}

/* Every float16 bit pattern against NumPy's own conversion, bit for bit. */
static void
test_numpy_half_all_patterns(void **state)
{
    lmpviz_array h;
    lmpviz_array f;
    size_t i;

    (void)state;
    skip_without_numpy();
    read_ok("np_half_all.npy", &h);
    read_ok("np_half_all_f4.npy", &f);
    assert_int_equal(h.count, 65536);
    assert_int_equal(f.count, 65536);
    for (i = 0; i < 65536; i++) {
        uint32_t hb;
        uint32_t fb;
        memcpy(&hb, &h.data[i], 4);
        memcpy(&fb, &f.data[i], 4);
        if (hb != fb)
            fail_msg("half 0x%04zx: got 0x%08x, NumPy gives 0x%08x", i, hb, fb);
    }
    lmpviz_array_free(&h);
    lmpviz_array_free(&f);
}

static void
test_numpy_rejected_files(void **state)
{
    (void)state;
    skip_without_numpy();
    expect_error("np_fortran.npy", LMPVIZ_ERR_FORMAT, "fortran_order=True",
                 "np.ascontiguousarray(a)");
    expect_error("np_big.npy", LMPVIZ_ERR_FORMAT, "little-endian data, got '>f4'",
                 "a.astype('<f4')");
    expect_error("np_big8.npy", LMPVIZ_ERR_FORMAT, "'>f8'", "a.astype('<f8')");
    expect_error("np_i8.npy", LMPVIZ_ERR_FORMAT, "float16, float32 or float64", "got '<i8'");
    expect_error("np_c8.npy", LMPVIZ_ERR_FORMAT, "float16, float32 or float64", "'<c8'");
    expect_error("np_rec.npy", LMPVIZ_ERR_FORMAT, "float16, float32 or float64", "structured");
}

/* ---- hand-built files -------------------------------------------------- */

static void
test_half_known_values(void **state)
{
    static const uint16_t bits[] = { 0x3c00, 0xc100, 0x7bff, 0x0001, 0x03ff, 0x0400,
                                     0x8000, 0x7c00, 0xfc00, 0x7e00, 0x3555 };
    const float want[] = { 1.0f,  -2.5f,    65504.0f,  0x1p-24f, 0x3ffp-24f, 0x1p-14f,
                           -0.0f, INFINITY, -INFINITY, NAN,      0x1.554p-2f };
    lmpviz_array a;

    (void)state;
    write_npy("half.npy", 1, "{'descr': '<f2', 'fortran_order': False, 'shape': (11,), }", 64, bits,
              sizeof bits);
    read_ok("half.npy", &a);
    assert_int_equal(a.count, 11);
    for (size_t i = 0; i < 11; i++) {
        if (isnan(want[i]))
            assert_true(isnan(a.data[i]));
        else if (!(a.data[i] == want[i]) || signbit(a.data[i]) != signbit(want[i]))
            fail_msg("half 0x%04x: got %a, expected %a", bits[i], (double)a.data[i],
                     (double)want[i]);
    }
    lmpviz_array_free(&a);
}

/* Header spellings other writers produce: key order, quotes, spaces, trailing
 * commas, 16-byte alignment, no padding, '=' and '|' byte orders. */
static void
test_header_variants(void **state)
{
    static const char *const dicts[] = {
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
        "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}",
        "{ \"descr\" : \"<f4\" ,\"fortran_order\":False,\"shape\":( 2 ,3 , ) , }",
        "{'descr':'=f4','fortran_order':False,'shape':(2,3)}",
        "{'descr': '|f4', 'fortran_order': False, 'shape': (2L, 3L), }",
    };
    static const size_t aligns[] = { 64, 16, 1, 64, 16 };
    const float x[6] = { 1, 2, 3, 4, 5, 6 };
    lmpviz_array a;
    size_t t;

    (void)state;
    for (t = 0; t < sizeof aligns / sizeof aligns[0]; t++) {
        write_npy("variant.npy", 1, dicts[t], aligns[t], x, sizeof x);
        read_ok("variant.npy", &a);
        assert_int_equal(a.ndim, 2);
        assert_int_equal(a.shape[0], 2);
        assert_int_equal(a.shape[1], 3);
        assert_memory_equal(a.data, x, sizeof x);
        lmpviz_array_free(&a);
    }
}

/* float64 beyond float's range is an error naming the value and its
 * index (inf would hide it); below FLT_MIN it is counted. */
static void
test_float64_range(void **state)
{
    const double big[4] = { 0.5, -1.25, 1e-3, -1e300 };
    const double tiny[5] = { 1e-50, 2e-39, 0.0, -1e-40, 1.0 };
    const double inf[2] = { INFINITY, 1.0 };
    lmpviz_array a;
    lmpviz_err err = { "" };
    char path[256];

    (void)state;
    write_npy("big.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 64, big,
              sizeof big);
    fx_path(path, sizeof path, "big.npy");
    assert_int_equal(lmpviz_npy_read_float(path, &a, &err), LMPVIZ_ERR_FORMAT);
    assert_string_equal(err.msg, "element 3 (index (1, 1)) is -1e+300: expected float64 values "
                                 "within float32's range (magnitude at most 3.40282347e+38)");
    assert_null(a.data);

    write_npy("tiny.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }", 64, tiny,
              sizeof tiny);
    read_ok("tiny.npy", &a);
    assert_int_equal(a.n_tiny, 3);    /* 1e-50, 2e-39 and -1e-40 */
    assert_int_equal(a.n_flushed, 1); /* 1e-50 */
    assert_true(a.data[0] == 0.0f);
    assert_true(a.data[1] > 0.0f);
    assert_true(a.data[4] == 1.0f);
    lmpviz_array_free(&a);

    /* infinity itself is no range error: the solver's non-finite policy
     * decides */
    write_npy("inf.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 64, inf,
              sizeof inf);
    read_ok("inf.npy", &a);
    assert_true(isinf(a.data[0]));
    assert_int_equal(a.n_tiny, 0);
    lmpviz_array_free(&a);
}

static void
test_float64_and_version2(void **state)
{
    const double d[4] = { 0.5, -1.25, 1e-3, INFINITY };
    const float x[3] = { 9.0f, 8.0f, 7.0f };
    lmpviz_array a;

    (void)state;
    write_npy("d.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 64, d,
              sizeof d);
    read_ok("d.npy", &a);
    assert_int_equal(a.count, 4);
    assert_true(a.data[0] == 0.5f);
    assert_true(a.data[1] == -1.25f);
    assert_true(a.data[2] == (float)1e-3);
    assert_true(isinf(a.data[3]));
    lmpviz_array_free(&a);

    write_npy("v2.npy", 2, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 64, x,
              sizeof x);
    read_ok("v2.npy", &a);
    assert_int_equal(a.count, 3);
    assert_memory_equal(a.data, x, sizeof x);
    lmpviz_array_free(&a);

    /* Trailing bytes after the data are ignored, as NumPy does. */
    write_npy("extra.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 64, x,
              sizeof x);
    read_ok("extra.npy", &a);
    assert_int_equal(a.count, 2);
    lmpviz_array_free(&a);
}

static void
test_bad_magic(void **state)
{
    unsigned char buf[256];
    size_t len;

    (void)state;
    write_raw("text.npy", "hello, world\n", 13);
    expect_error("text.npy", LMPVIZ_ERR_FORMAT, "not a NumPy .npy file", "bad magic");
    write_raw("empty.npy", "", 0);
    expect_error("empty.npy", LMPVIZ_ERR_FORMAT, "bad magic", NULL);
    len = build_npy(buf, sizeof buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
                    64, "\0\0\0\0", 4);
    buf[5] = 'Z';
    write_raw("magic.npy", buf, len);
    expect_error("magic.npy", LMPVIZ_ERR_FORMAT, "bad magic", NULL);
}

static void
test_truncated_header(void **state)
{
    unsigned char buf[256];
    size_t len;

    (void)state;
    /* Ends inside the preamble. */
    write_raw("pre8.npy", "\x93NUMPY\x01\x00", 8);
    expect_error("pre8.npy", LMPVIZ_ERR_FORMAT, "ends inside the .npy header", NULL);
    write_raw("pre9.npy", "\x93NUMPY\x02\x00\x76\x00", 10);
    expect_error("pre9.npy", LMPVIZ_ERR_FORMAT, "ends inside the .npy header", NULL);

    /* Header length beyond the end of the file. */
    len = build_npy(buf, sizeof buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
                    64, "\0\0\0\0", 4);
    write_raw("cut.npy", buf, 40);
    expect_error("cut.npy", LMPVIZ_ERR_FORMAT, "header length 118", "past the end");
    buf[8] = 0x60;
    buf[9] = 0xea; /* 60000 */
    write_raw("long.npy", buf, len);
    expect_error("long.npy", LMPVIZ_ERR_FORMAT, "header length 60000", "past the end");
    len = put_preamble(buf, 2, 0xfffffff0u);
    write_raw("long2.npy", buf, len + 100);
    expect_error("long2.npy", LMPVIZ_ERR_FORMAT, "past the end", NULL);
    len = put_preamble(buf, 1, 0);
    write_raw("zero.npy", buf, len);
    expect_error("zero.npy", LMPVIZ_ERR_FORMAT, "malformed", NULL);
}

static void
test_truncated_data(void **state)
{
    const float x[3] = { 1, 2, 3 };

    (void)state;
    write_npy("short.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (10,), }", 64, x,
              sizeof x);
    expect_error("short.npy", LMPVIZ_ERR_FORMAT, "file ends after 12 of 40 data bytes", NULL);
    write_npy("short2.npy", 1, "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3), }", 64, x,
              11);
    expect_error("short2.npy", LMPVIZ_ERR_FORMAT, "file ends after 11 of 12 data bytes", NULL);
    /* A huge shape is caught by the file size before any allocation. */
    write_npy("huge.npy", 1,
              "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }", 64, x,
              sizeof x);
    expect_error("huge.npy", LMPVIZ_ERR_FORMAT, "file ends after 12 of 4000000000000 data bytes",
                 NULL);
}

/* A pipe has no size up front: truncation is found by the read itself. */
static void
test_pipe_input(void **state)
{
    const float x[3] = { 1, 2, 3 };
    unsigned char buf[256];
    size_t lens[2];
    char path[256];
    lmpviz_array a;
    lmpviz_err err = { "" };
    int k;

    (void)state;
    fx_path(path, sizeof path, "fifo");
    assert_int_equal(mkfifo(path, 0600), 0);
    lens[0] =
        build_npy(buf, sizeof buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }",
                  64, x, sizeof x);
    lens[1] = lens[0] - 2;
    for (k = 0; k < 2; k++) {
        int wstatus;
        pid_t pid;

        fflush(stdout);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            int fd = open(path, O_WRONLY);
            if (fd < 0 || write(fd, buf, lens[k]) != (ssize_t)lens[k])
                _exit(1);
            close(fd);
            _exit(0);
        }
        if (k == 0) {
            assert_int_equal(lmpviz_npy_read_float(path, &a, &err), LMPVIZ_OK);
            assert_memory_equal(a.data, x, sizeof x);
            lmpviz_array_free(&a);
        } else {
            assert_int_equal(lmpviz_npy_read_float(path, &a, &err), LMPVIZ_ERR_FORMAT);
            assert_non_null(strstr(err.msg, "file ends after 10 of 12 data bytes"));
            assert_null(a.data);
        }
        assert_int_equal(waitpid(pid, &wstatus, 0), pid);
        assert_true(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
    }
    unlink(path);
}

static void
test_malformed_headers(void **state)
{
    static const struct {
        const char *dict;
        const char *word;
    } cases[] = {
        { "{'descr': '<f4', 'fortran_order': False, }", "missing key 'shape'" },
        { "{'fortran_order': False, 'shape': (1,), }", "missing key 'descr'" },
        { "{'descr': '<f4', 'shape': (1,), }", "missing key 'fortran_order'" },
        { "{'descr': '<f4', 'fortran_order': False, 'shape': (1,) ", "malformed" },
        { "not a dict at all", "expected a dictionary" },
        { "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", "'x'" },
        { "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}",
          "repeated key 'descr'" },
        { "{'descr': '<f4', 'fortran_order': False, 'shape': (4)}", "trailing comma" },
        { "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", "non-negative" },
        { "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}", "True or False" },
        { "{'descr': '<f4', 'fortran_order': False, 'shape': [1]}", "tuple" },
        { "{'descr': <f4, 'fortran_order': False, 'shape': (1,)}", "quoted string" },
        { "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} extra", "after the" },
        { "{'descr': '<f4' 'fortran_order': False, 'shape': (1,)}", "expected ',' or '}'" },
        { "{'descr': 'float32', 'fortran_order': False, 'shape': (1,)}", "got 'float32'" },
        { "{'descr': '<f16', 'fortran_order': False, 'shape': (1,)}", "got '<f16'" },
    };
    const float x[4] = { 0 };
    size_t t;

    (void)state;
    for (t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        write_npy("bad.npy", 1, cases[t].dict, 64, x, sizeof x);
        expect_error("bad.npy", LMPVIZ_ERR_FORMAT, cases[t].word, NULL);
    }
}

static void
test_shape_limits(void **state)
{
    const float x[1] = { 2.5f };
    lmpviz_array a;

    (void)state;
    write_npy("ovf.npy", 1,
              "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 16), }",
              64, x, sizeof x);
    expect_error("ovf.npy", LMPVIZ_ERR_FORMAT, "overflow", NULL);
    write_npy("ovf8.npy", 1,
              "{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952,), }", 64, x,
              sizeof x);
    expect_error("ovf8.npy", LMPVIZ_ERR_FORMAT, "overflow", NULL);
    write_npy("ovfdim.npy", 1,
              "{'descr': '<f4', 'fortran_order': False, 'shape': (123456789012345678901234,), }",
              64, x, sizeof x);
    expect_error("ovfdim.npy", LMPVIZ_ERR_FORMAT, "overflow", NULL);
    /* A zero dimension makes the product 0 whatever the others are. */
    write_npy("zero_dim.npy", 1,
              "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4294967296, 4294967296, 16), "
              "}",
              64, x, 0);
    read_ok("zero_dim.npy", &a);
    assert_int_equal(a.count, 0);
    assert_int_equal(a.ndim, 4);
    lmpviz_array_free(&a);

    write_npy("dims9.npy", 1,
              "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1), }",
              64, x, sizeof x);
    expect_error("dims9.npy", LMPVIZ_ERR_FORMAT, "at most 8 dimensions", NULL);
    write_npy("dims8.npy", 1,
              "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1), }", 64,
              x, sizeof x);
    read_ok("dims8.npy", &a);
    assert_int_equal(a.ndim, 8);
    assert_true(a.data[0] == 2.5f);
    lmpviz_array_free(&a);
}

static void
test_fortran_and_endian_by_hand(void **state)
{
    const float x[4] = { 0 };

    (void)state;
    write_npy("f.npy", 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 64, x,
              sizeof x);
    expect_error("f.npy", LMPVIZ_ERR_FORMAT, "expected a C-order array, got fortran_order=True",
                 "np.ascontiguousarray(a)");
    write_npy("be.npy", 1, "{'descr': '>f2', 'fortran_order': False, 'shape': (2, 2), }", 64, x,
              sizeof x);
    expect_error("be.npy", LMPVIZ_ERR_FORMAT, "expected little-endian data, got '>f2'",
                 "a.astype('<f2')");
}

static void
test_version_unsupported(void **state)
{
    unsigned char buf[256];
    size_t len;

    (void)state;
    len = build_npy(buf, sizeof buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
                    64, "\0\0\0\0", 4);
    buf[6] = 4;
    write_raw("v4.npy", buf, len);
    expect_error("v4.npy", LMPVIZ_ERR_FORMAT, "version 4.0", NULL);
    buf[6] = 1;
    buf[7] = 1;
    write_raw("v11.npy", buf, len);
    expect_error("v11.npy", LMPVIZ_ERR_FORMAT, "version 1.1", NULL);
    buf[7] = 0;
    buf[20] = '\0';
    write_raw("nul.npy", buf, len);
    expect_error("nul.npy", LMPVIZ_ERR_FORMAT, "NUL", NULL);
}

static void
test_missing_file(void **state)
{
    char path[256];
    lmpviz_array a;
    lmpviz_err err = { "" };

    (void)state;
    fx_path(path, sizeof path, "does_not_exist.npy");
    memset(&a, 0xab, sizeof a);
    assert_int_equal(lmpviz_npy_read_float(path, &a, &err), LMPVIZ_ERR_IO);
    assert_non_null(strstr(err.msg, strerror(ENOENT)));
    assert_null(a.data);
    assert_int_equal(a.count, 0);
    assert_int_equal(lmpviz_npy_read_float(path, &a, NULL), LMPVIZ_ERR_IO);
    assert_int_equal(lmpviz_npy_read_float(NULL, &a, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(lmpviz_npy_read_float(path, NULL, &err), LMPVIZ_ERR_INVALID_ARG);
    /* A folder opens but cannot be read. */
    assert_int_equal(lmpviz_npy_read_float(g_dir, &a, &err), LMPVIZ_ERR_IO);
}

static void
test_array_free_zeroed(void **state)
{
    lmpviz_array a;

    (void)state;
    memset(&a, 0, sizeof a);
    lmpviz_array_free(&a);
    lmpviz_array_free(&a);
    lmpviz_array_free(NULL);
    assert_null(a.data);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_header),
        cmocka_unit_test(test_dimension_overflow),
        cmocka_unit_test(test_float64_range),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_written_files_load_in_numpy),
        cmocka_unit_test(test_write_errors),
        cmocka_unit_test(test_numpy_float_files),
        cmocka_unit_test(test_numpy_versions_2_and_3),
        cmocka_unit_test(test_numpy_half_all_patterns),
        cmocka_unit_test(test_numpy_rejected_files),
        cmocka_unit_test(test_half_known_values),
        cmocka_unit_test(test_header_variants),
        cmocka_unit_test(test_float64_and_version2),
        cmocka_unit_test(test_bad_magic),
        cmocka_unit_test(test_truncated_header),
        cmocka_unit_test(test_truncated_data),
        cmocka_unit_test(test_pipe_input),
        cmocka_unit_test(test_malformed_headers),
        cmocka_unit_test(test_shape_limits),
        cmocka_unit_test(test_fortran_and_endian_by_hand),
        cmocka_unit_test(test_version_unsupported),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_array_free_zeroed),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
