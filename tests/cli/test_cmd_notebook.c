/* Tests of cli/cmd_notebook.c and notebooks_export/: the notebooks' structure
 * (nbformat 4.5, parsed with jansson), the shared introduction, the folded
 * exercises, errors and the files left behind, the lecture figures, the
 * official nbformat validator and, where Jupyter is installed, every notebook
 * executed headless (each check cell compares with lmpviz's numbers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_test_util.h"
#include "lmp.h"
#include "lmpviz.h"
#include "notebook.h"
#include "test_util.h"

#define run_nb(r, ...) run_cmd((r), cmd_notebook, "notebook", __VA_ARGS__)

/* Seconds a headless execution of all the notebooks may take (a kernel
 * start, a few plots and, in the algorithms notebook, a second of timings
 * each). */
#define EXEC_TIMEOUT_S 300

/* The shared introduction, as compiled into liblmpnb (cells/intro.cells),
 * and the reader of cells texts. */
#include "notebook_internal.h"

/* The notebook as JSON; fails the test when it is not. */
static json_t *
load_nb(const char *path)
{
    json_error_t je;
    json_t *nb = json_load_file(path, 0, &je);
    if (nb == NULL)
        fail_msg("%s: not JSON: %s (line %d)", path, je.text, je.line);
    return nb;
}

/* Every cell's source joined, of one type ("code", "markdown") or all (NULL). */
static char *
sources(json_t *nb, const char *type)
{
    size_t cap = 1 << 20, len = 0, i, j;
    char *buf = malloc(cap);
    json_t *cells = json_object_get(nb, "cells"), *cell, *line;

    assert_non_null(buf);
    buf[0] = '\0';
    json_array_foreach(cells, i, cell)
    {
        if (type != NULL &&
            strcmp(json_string_value(json_object_get(cell, "cell_type")), type) != 0)
            continue;
        json_array_foreach(json_object_get(cell, "source"), j, line)
        {
            size_t n = json_string_length(line);
            while (len + n + 1 > cap) {
                cap *= 2;
                buf = realloc(buf, cap);
                assert_non_null(buf);
            }
            memcpy(buf + len, json_string_value(line), n);
            len += n;
            buf[len] = '\0';
        }
    }
    return buf;
}

/* The structure every notebook has: nbformat 4.5, unique cell ids, the
 * kernel, markdown with the mathematics, the NumPy solver, and one code cell
 * whose output is a PNG in base64. */
static void
check_structure_png(const char *path, size_t want_png)
{
    json_t *nb = load_nb(path), *cells, *cell, *meta;
    size_t i, j, n_png = 0, n_folded = 0, n_intro = 0;
    const char *intro = strstr(lmpnbi_cells_intro, "## Loss Max-Pooling in one page");
    char *md, *code, *p;

    assert_int_equal(json_integer_value(json_object_get(nb, "nbformat")), 4);
    assert_int_equal(json_integer_value(json_object_get(nb, "nbformat_minor")), 5);
    meta = json_object_get(nb, "metadata");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(meta, "kernelspec"), "name")), "python3");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(meta, "language_info"), "name")),
        "python");
    cells = json_object_get(nb, "cells");
    assert_true(json_array_size(cells) >= 8);
    json_array_foreach(cells, i, cell)
    {
        const char *id = json_string_value(json_object_get(cell, "id"));
        json_t *other, *outs, *out;
        assert_non_null(id);
        assert_true(strlen(id) >= 1 && strlen(id) <= 64);
        for (j = 0; j < i; j++) {
            other = json_array_get(cells, j);
            assert_string_not_equal(id, json_string_value(json_object_get(other, "id")));
        }
        if (json_is_true(json_object_get(
                json_object_get(json_object_get(cell, "metadata"), "jupyter"), "source_hidden"))) {
            assert_string_equal(json_string_value(json_object_get(cell, "cell_type")), "code");
            n_folded++;
        }
        {
            /* The introduction: one text, the same in every notebook. */
            json_t *wrap = json_pack("{s:[O]}", "cells", cell);
            char *text = sources(wrap, "markdown");
            if (strstr(text, "## Loss Max-Pooling in one page") == text) {
                size_t len = strlen(text);
                assert_non_null(intro);
                assert_int_equal(strncmp(text, intro, len), 0);
                assert_true(intro[len] == '\n' || intro[len] == '\0');
                n_intro++;
            }
            free(text);
            json_decref(wrap);
        }
        outs = json_object_get(cell, "outputs");
        json_array_foreach(outs, j, out)
        {
            const char *png =
                json_string_value(json_object_get(json_object_get(out, "data"), "image/png"));
            assert_string_equal(json_string_value(json_object_get(out, "output_type")),
                                "display_data");
            assert_non_null(png);
            /* base64 of the PNG signature 89 50 4E 47 0D 0A 1A 0A */
            assert_memory_equal(png, "iVBORw0KGgo", 11);
            n_png++;
        }
    }
    assert_int_equal(n_png, want_png);
    assert_int_equal(n_intro, 1);
    /* At least three exercises, each with a folded worked solution. */
    assert_true(n_folded >= 3);
    md = sources(nb, "markdown");
    code = sources(nb, "code");
    for (i = 0, p = md; (p = strstr(p, "<details><summary>Worked solution</summary>")) != NULL; p++)
        i++;
    assert_true(i >= 3);
    assert_non_null(strstr(md, "**Exercise 3.**"));
    /* One notation, stated once: m_px a count, m a fraction. */
    assert_non_null(strstr(md, "m_{\\text{px}} = \\mathrm{clamp}(m\\,n,\\ 1,\\ n)"));
    assert_null(strstr(strstr(md, "**Notation.**") + 1, "**Notation.**"));
    assert_non_null(strstr(md, "\\gamma = n^{1/p - 1}"));
    assert_non_null(strstr(md, "\\tau = \\gamma\\, m_{\\text{px}}^{-1/p}"));
    assert_non_null(strstr(md, "\\theta"));
    assert_non_null(strstr(md, "minimum support"));
    assert_non_null(strstr(code, "def lmp_weights(loss, p, m=0.1, m_pixels=None):"));
    assert_non_null(strstr(code, "import matplotlib.pyplot as plt"));
    free(md);
    free(code);
    json_decref(nb);
}

/* A notebook of one of lmpviz's figures: that figure is its one PNG. */
static void
check_structure(const char *path)
{
    check_structure_png(path, 1);
}

static int
file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void
test_help(void **state)
{
    run_result r;
    (void)state;
    run_nb(&r, "--help", NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "Usage: lmpviz notebook --figure NAME"));
    assert_non_null(strstr(r.out, "compare: `lmpviz compare` as profiles"));
    assert_non_null(strstr(r.out, "DIR/slides/NAME.svg and NAME.pdf"));
    assert_string_equal(r.err, "");
}

static void
test_curve(void **state)
{
    fixture *fx = *state;
    char path[256], expect[300];
    json_t *nb;
    char *code;
    run_result r;

    snprintf(path, sizeof path, "%s", in_dir(fx, "c.ipynb"));
    run_nb(&r, "--figure", "curve", "--p", "1.5,inf", "--m", "0.1", "--n", "50", "-o", path, NULL);
    assert_int_equal(r.rc, 0);
    snprintf(expect, sizeof expect, "%s\n", path);
    assert_string_equal(r.out, expect);
    assert_string_equal(r.err, "");
    check_structure(path);
    nb = load_nb(path);
    code = sources(nb, "code");
    assert_non_null(strstr(code, "dict(p=1.5, m=0.1, m_pixels=None"));
    assert_non_null(strstr(code, "dict(p=np.inf, m=0.1, m_pixels=None"));
    assert_non_null(strstr(code, "The 50 losses (exponential draws, GSL mt19937 seed 42)"));
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(nb, "metadata"), "lmpviz"), "figure")),
                        "curve");
    free(code);
    json_decref(nb);
    assert_int_equal(entries(fx), 1);
}

static void
test_paper_and_region(void **state)
{
    fixture *fx = *state;
    char paper[256], region[256];
    json_t *nb;
    char *code, *md;
    run_result r;

    snprintf(paper, sizeof paper, "%s", in_dir(fx, "p.ipynb"));
    snprintf(region, sizeof region, "%s", in_dir(fx, "r.ipynb"));
    run_nb(&r, "--figure", "paper", "--m-pixels", "3", "-o", paper, NULL);
    assert_int_equal(r.rc, 2); /* paper sweeps m itself */
    assert_int_equal(entries(fx), 0);
    run_nb(&r, "--figure=paper", "--scaled", "--output", paper, NULL);
    assert_int_equal(r.rc, 0);
    check_structure(paper);
    nb = load_nb(paper);
    code = sources(nb, "code");
    assert_non_null(strstr(code, "varying p at m = 0.1"));
    assert_non_null(strstr(code, "varying m at p = 1.5"));
    assert_non_null(strstr(code, "VIEW = 'scaled'"));
    free(code);
    md = sources(nb, "markdown");
    assert_non_null(strstr(md, "lmpviz curve --figure paper --scaled"));
    free(md);
    json_decref(nb);

    run_nb(&r, "--figure", "region", "--p", "1,2", "--m", "0.75", "--losses", "2,1", "-o", region,
           NULL);
    assert_int_equal(r.rc, 0);
    check_structure(region);
    nb = load_nb(region);
    code = sources(nb, "code");
    assert_non_null(strstr(code, "P = [1, 2]"));
    assert_non_null(strstr(code, "LOSSES = (2, 1)"));
    /* p = 1, m_px = 1.5: tau = 2/3 on the larger loss, the rest on the other */
    assert_non_null(strstr(code, "w=(0.666666687, 0.333333343)"));
    free(code);
    json_decref(nb);
}

/* A 6x4 frame, labelIds and float32 probabilities (CHW, 19 classes). */
static void
write_frame(fixture *fx, char *img, char *lab, char *prb, size_t len)
{
    static const unsigned char id_cycle[7] = { 7, 8, 26, 24, 21, 0, 11 };
    enum { W = 6, H = 4, C = 19 };
    unsigned char rgb[W * H * 3], ids[W * H];
    float probs[C * H * W];
    size_t shape[3] = { C, H, W }, i, c;
    uint64_t rng = 7;

    snprintf(img, len, "%s", in_dir(fx, "f.png"));
    snprintf(lab, len, "%s", in_dir(fx, "l.png"));
    snprintf(prb, len, "%s", in_dir(fx, "p.npy"));
    for (i = 0; i < sizeof rgb; i++)
        rgb[i] = (unsigned char)(test_rand_u64(&rng) & 0xFF);
    for (i = 0; i < W * H; i++)
        ids[i] = id_cycle[i % 7];
    for (i = 0; i < W * H; i++) {
        double sum = 0.0, p[C];
        for (c = 0; c < C; c++)
            sum += p[c] = 0.05 + test_rand_unit(&rng);
        for (c = 0; c < C; c++)
            probs[c * H * W + i] = (float)(p[c] / sum);
    }
    assert_int_equal(lmpviz_png_write(img, rgb, W, H, W * 3, 3, 8, -1, NULL), LMPVIZ_OK);
    assert_int_equal(lmpviz_png_write(lab, ids, W, H, W, 1, 8, -1, NULL), LMPVIZ_OK);
    assert_int_equal(lmpviz_npy_write_float(prb, probs, shape, 3, NULL), LMPVIZ_OK);
}

static void
test_heatmap(void **state)
{
    fixture *fx = *state;
    char img[256], lab[256], prb[256], out[256];
    json_t *nb;
    char *code, *md;
    run_result r;

    write_frame(fx, img, lab, prb, sizeof img);
    snprintf(out, sizeof out, "%s", in_dir(fx, "h.ipynb"));
    run_nb(&r, "--figure", "heatmap", "--image", img, "--labels", lab, "--probs", prb, "--p", "2",
           "-o", out, NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.err, "");
    check_structure(out);
    nb = load_nb(out);
    md = sources(nb, "markdown");
    assert_non_null(strstr(md, "| class | pixels | pixels % | loss % | weight % |"));
    assert_non_null(strstr(md, "| road | "));
    code = sources(nb, "code");
    assert_non_null(strstr(code, "CLASSES = [\n    dict(train_id=0, name='road', pixels="));
    assert_non_null(strstr(code, "NW_MAP = "));
    assert_non_null(strstr(code, ".reshape(4, 6)"));
    assert_non_null(strstr(code, "SAMPLE_LOSS = "));
    assert_non_null(strstr(code, "P = 2\n"));
    /* The loss map itself (6 x 4: every pixel), lmpviz's solution on it and
     * the absolute paths of the inputs. */
    assert_non_null(strstr(code, "LOSS_MAP = np.frombuffer(base64.b64decode("));
    assert_non_null(strstr(code, "REDUCED = dict(n_valid=21, "));
    assert_non_null(strstr(code, "INPUTS = dict(image='/tmp/"));
    assert_non_null(strstr(code, "def draw_map("));
    assert_non_null(strstr(md, "| $m_{\\text{px}}$ | "));
    free(md);
    free(code);
    json_decref(nb);
}

/* The file starts with prefix. */
static void
check_starts(const char *path, const char *prefix)
{
    size_t len;
    char *text = read_all(path, &len);
    assert_non_null(text);
    assert_true(len > strlen(prefix));
    assert_memory_equal(text, prefix, strlen(prefix));
    free(text);
}

static void
test_all(void **state)
{
    static const char *const lecture[] = { "derivation", "algorithms" };
    static const char *const slides[] = { "curve", "paper", "region", "heatmap", "compare" };
    fixture *fx = *state;
    char img[256], lab[256], prb[256], dir[256], path[1024], expect[4096];
    size_t k, len = 0;
    run_result r;

    snprintf(dir, sizeof dir, "%s", in_dir(fx, "nb"));
    run_nb(&r, "--all", "-o", dir, NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.err, "lmpviz notebook: --all: heatmap and compare notebooks skipped"));
    len += (size_t)snprintf(expect + len, sizeof expect - len,
                            "%s/lmp_curve.ipynb\n%s/lmp_paper.ipynb\n%s/lmp_region.ipynb\n"
                            "%s/lmp_derivation.ipynb\n%s/lmp_algorithms.ipynb\n",
                            dir, dir, dir, dir, dir);
    for (k = 0; k < 3; k++)
        len += (size_t)snprintf(expect + len, sizeof expect - len,
                                "%s/slides/%s.svg\n%s/slides/%s.pdf\n", dir, slides[k], dir,
                                slides[k]);
    assert_string_equal(r.out, expect);
    snprintf(path, sizeof path, "%s/lmp_region.ipynb", dir);
    check_structure(path);
    for (k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s/lmp_%s.ipynb", dir, lecture[k]);
        check_structure_png(path, 0);
    }
    snprintf(path, sizeof path, "%s/lmp_heatmap.ipynb", dir);
    assert_false(file_exists(path));
    snprintf(path, sizeof path, "%s/slides/heatmap.svg", dir);
    assert_false(file_exists(path));

    write_frame(fx, img, lab, prb, sizeof img);
    run_nb(&r, "--all", "--image", img, "--labels", lab, "--probs", prb, "--p", "2", "-o", dir,
           NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.err, "");
    snprintf(path, sizeof path, "%s/lmp_heatmap.ipynb", dir);
    check_structure(path);
    snprintf(path, sizeof path, "%s/lmp_compare.ipynb", dir);
    check_structure(path);
    /* The lecture figures: every figure as SVG and PDF, from cairo. */
    for (k = 0; k < 5; k++) {
        snprintf(path, sizeof path, "%s/slides/%s.svg", dir, slides[k]);
        assert_non_null(strstr(r.out, path));
        check_starts(path, "<?xml");
        snprintf(path, sizeof path, "%s/slides/%s.pdf", dir, slides[k]);
        assert_non_null(strstr(r.out, path));
        check_starts(path, "%PDF-");
    }
}

static void
test_compare(void **state)
{
    fixture *fx = *state;
    char img[256], lab[256], prb[256], out[256], npy[256], schemes[128];
    float loss[40];
    size_t shape[1] = { 40 }, i;
    json_t *nb;
    char *code, *md;
    run_result r;

    write_frame(fx, img, lab, prb, sizeof img);
    snprintf(out, sizeof out, "%s", in_dir(fx, "c.ipynb"));
    snprintf(schemes, sizeof schemes, "lmp:p=1.5,m=0.1;topk:k=0.25;focal:gamma=2;invfreq;uniform");
    run_nb(&r, "--figure", "compare", "--labels", lab, "--probs", prb, "--schemes", schemes, "-o",
           out, NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.err, "");
    check_structure(out);
    nb = load_nb(out);
    code = sources(nb, "code");
    md = sources(nb, "markdown");
    assert_non_null(strstr(code, "N_VALID = 21  # valid pixels of the input"));
    assert_non_null(strstr(code, "kind='lmp', p=1.5, m=0.1, m_pixels=None"));
    assert_non_null(strstr(code, "kind='topk', k=0.25, k_pixels=None"));
    assert_non_null(strstr(code, "kind='focal', gamma=2"));
    assert_non_null(strstr(code, "kind='invfreq'"));
    assert_non_null(strstr(code, "SAMPLE_NW = ["));
    assert_non_null(strstr(code, "SAMPLE_CLASS = np.array(["));
    assert_non_null(strstr(code, "dict(train_id=0, name='road', pixel_share="));
    assert_non_null(strstr(code, "def scheme_weights(s, loss, cls=None):"));
    assert_non_null(strstr(md, "lmpviz compare --labels"));
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(nb, "metadata"), "lmpviz"), "figure")),
                        "compare");
    free(code);
    free(md);
    json_decref(nb);

    /* A loss file; no classes, so no class table. */
    for (i = 0; i < 40; i++)
        loss[i] = (float)(i % 7) * 0.25f;
    snprintf(npy, sizeof npy, "%s", in_dir(fx, "loss.npy"));
    assert_int_equal(lmpviz_npy_write_float(npy, loss, shape, 1, NULL), LMPVIZ_OK);
    run_nb(&r, "--figure", "compare", "--losses", npy, "--ignore-zeros", "-o", out, NULL);
    assert_int_equal(r.rc, 0);
    nb = load_nb(out);
    code = sources(nb, "code");
    assert_non_null(strstr(code, "N_VALID = 34  # valid pixels of the input"));
    assert_non_null(strstr(code, "SAMPLE_CLASS = None"));
    free(code);
    /* The command that draws the same figure names the notebook's schemes. */
    md = sources(nb, "markdown");
    assert_non_null(strstr(md, "lmpviz compare --schemes 'lmp:p=1.5,m=0.1;lmp:p=1,m=0.1;"));
    free(md);
    json_decref(nb);

    /* Usage errors name what is wrong and write nothing. */
    assert_int_equal(remove(out), 0);
    run_nb(&r, "--figure", "compare", "-o", out, NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "expected --losses FILE.npy, or --labels with one of"));
    run_nb(&r, "--figure", "compare", "--labels", lab, "--probs", prb, "--image", img, "-o", out,
           NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "--image: the compare notebook draws the weight profiles"));
    run_nb(&r, "--figure", "compare", "--losses", npy, "--schemes", "invfreq", "-o", out, NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "invfreq needs classes"));
    run_nb(&r, "--figure", "compare", "--labels", lab, "--probs", prb, "--schemes",
           "medfreq:source=split", "-o", out, NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "source=split needs a split"));
    run_nb(&r, "--figure", "compare", "--losses", npy, "--schemes", "ohem:tresh=1", "-o", out,
           NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "--schemes: "));
    assert_false(file_exists(out));
}

static void
test_lecture(void **state)
{
    static const char *const names[] = { "derivation", "algorithms" };
    fixture *fx = *state;
    char out[256];
    json_t *nb;
    char *md, *code;
    size_t k;
    run_result r;

    for (k = 0; k < 2; k++) {
        snprintf(out, sizeof out, "%s", in_dir(fx, "l.ipynb"));
        run_nb(&r, "--figure", names[k], "-o", out, NULL);
        assert_int_equal(r.rc, 0);
        assert_string_equal(r.err, "");
        check_structure_png(out, 0);
        nb = load_nb(out);
        md = sources(nb, "markdown");
        code = sources(nb, "code");
        if (k == 0) {
            /* The steps of the derivation, each with its numerical check. */
            assert_non_null(strstr(md, "## 2. The Lagrangian and the KKT conditions"));
            assert_non_null(strstr(md, "## 3. $\\theta$ is unique"));
            assert_non_null(strstr(md, "Hölder"));
            assert_non_null(strstr(md, "## 5. The limits"));
            assert_non_null(strstr(code, "assert stationarity < 1e-9"));
            assert_non_null(strstr(code, "assert max(sums[m]) <= 1 + 1e-12"));
        } else {
            assert_non_null(strstr(code, "def theta_sorted_scan(losses, p, m_px, verbose=False):"));
            assert_non_null(strstr(code, "def theta_select(losses, p, m_px,"));
            assert_non_null(strstr(code, "'NumPy: np.sort alone'"));
        }
        assert_string_equal(
            json_string_value(json_object_get(
                json_object_get(json_object_get(nb, "metadata"), "lmpviz"), "command")),
            k == 0 ? "lmpviz notebook --figure derivation" : "lmpviz notebook --figure algorithms");
        free(md);
        free(code);
        json_decref(nb);
        assert_int_equal(remove(out), 0);
    }
    run_nb(&r, "--figure", "derivation", "--p", "2", "-o", out, NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "--figure derivation: takes no options, got \"--p\""));
    run_nb(&r, "--figure", "lecture", "-o", out, NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(
        strstr(r.err, "expected curve, paper, region, heatmap, compare, derivation or algorithms"));
    assert_int_equal(entries(fx), 0);
}

static void
test_bad_options(void **state)
{
    fixture *fx = *state;
    struct {
        const char *args[8];
        const char *msg;
    } cases[] = {
        { { NULL },
          "lmpviz notebook: --figure: expected curve, paper, region, heatmap, compare, derivation "
          "or "
          "algorithms (or --all)\n" },
        { { "--figure", "bars" },
          "--figure: expected curve, paper, region, heatmap, compare, derivation or algorithms, "
          "got \"bars\"" },
        { { "--figure" }, "--figure: expected a value" },
        { { "--figure", "curve", "--all", "-o", "d" }, "--figure and --all: give one of them" },
        { { "--all" }, "--all: expected -o DIR" },
        { { "--figure", "curve", "-o", "x.png" },
          "-o: expected a file name ending in .ipynb, got \"x.png\"" },
        { { "--figure", "curve", "--m", "1.5", "-o", "x.ipynb" },
          "lmpviz notebook: --m: expected a fraction in (0, 1], got \"1.5\"" },
        { { "--figure", "curve", "--csv", "c.csv", "-o", "x.ipynb" }, "--csv: not available here" },
        { { "--figure", "heatmap", "--stats", "s.csv" }, "--stats: not available here" },
        { { "--figure", "heatmap", "--cityscapes-root", "cs" },
          "--cityscapes-root: not available here" },
        { { "--figure", "heatmap", "-o", "x.ipynb" }, "--image: expected the frame PNG" },
        { { "--figure", "region", "--losses", "1", "-o", "x.ipynb" },
          "--losses: expected two losses A,B" },
        { { "--figure", "curve", "--bogus", "-o", "x.ipynb" }, "unknown option \"--bogus\"" },
        { { "--figure", "curve", "--n", "6000", "-o", "x.ipynb" },
          "too many to embed in a notebook" },
    };
    char cwd[1024];
    size_t k, i;

    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(fx->dir), 0);
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *argv[12];
        int argc = 0;
        run_result r;
        argv[argc++] = (char *)"notebook";
        for (i = 0; i < 8 && cases[k].args[i] != NULL; i++)
            argv[argc++] = (char *)cases[k].args[i];
        argv[argc] = NULL;
        run_argv(&r, cmd_notebook, argc, argv);
        if (r.rc != 2 || strstr(r.err, cases[k].msg) == NULL ||
            strstr(r.err, "try 'lmpviz notebook --help'") == NULL)
            fail_msg("case %zu: rc %d, stderr \"%s\", expected \"%s\"", k, r.rc, r.err,
                     cases[k].msg);
        assert_string_equal(r.out, "");
        assert_int_equal(entries(fx), 0);
    }
    assert_int_equal(chdir(cwd), 0);
}

/* A .npy that declares n float32 values, its data a hole (ftruncate):
 * as large as the header says, without writing it. */
static void
write_sparse_npy(const char *path, size_t n)
{
    char dict[128], buf[128];
    size_t len, hlen;
    FILE *f;

    len = (size_t)snprintf(dict, sizeof dict,
                           "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu,), }", n);
    hlen = 128 - 10;
    memset(buf, ' ', sizeof buf);
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (char)hlen;
    buf[9] = 0;
    memcpy(buf + 10, dict, len);
    buf[127] = '\n';
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, 128, f), 128);
    assert_int_equal(ftruncate(fileno(f), (off_t)(128 + 4 * n)), 0);
    assert_int_equal(fclose(f), 0);
}

/* 2^27 losses: refused from the .npy's header, before they are read or
 * solved (which took a minute and 6 GB), with the limits' message. */
static void
test_too_many_losses_first(void **state)
{
    fixture *fx = *state;
    char npy[256], out[256];
    run_result r;
    double t0 = cli_now();

    snprintf(npy, sizeof npy, "%s", in_dir(fx, "big.npy"));
    snprintf(out, sizeof out, "%s", in_dir(fx, "c.ipynb"));
    write_sparse_npy(npy, (size_t)1 << 27);
    run_nb(&r, "--figure", "curve", "--losses", npy, "-o", out, NULL);
    assert_int_equal(r.rc, 2);
    assert_string_equal(r.err, "lmpviz notebook: 134217728 losses and 134217728 weights are too "
                               "many to embed in a notebook (at most 5000 losses and 50000 numbers "
                               "in all); draw fewer with --sample N or --n N\n"
                               "try 'lmpviz notebook --help'\n");
    assert_true(cli_now() - t0 < 5.0);
    /* the same through --n, and --sample makes it fit */
    run_nb(&r, "--figure", "curve", "--n", "6000", "-o", out, NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "6000 losses and 6000 weights are too many"));
    assert_int_equal(entries(fx), 1);
}

/* The notebook over one of its figure's inputs: refused before any work,
 * the input untouched. */
static void
test_output_is_input(void **state)
{
    fixture *fx = *state;
    char npy[256], want[1024], arg[300];
    float loss[4] = { 1.0f, 2.0f, 3.0f, 4.0f };
    size_t shape[1] = { 4 };
    run_result r;
    struct stat before, after;

    snprintf(npy, sizeof npy, "%s", in_dir(fx, "l.ipynb"));
    assert_int_equal(lmpviz_npy_write_float(npy, loss, shape, 1, NULL), LMPVIZ_OK);
    assert_int_equal(stat(npy, &before), 0);
    snprintf(arg, sizeof arg, "--losses=%s", npy);
    run_nb(&r, "--figure", "curve", arg, "-o", npy, NULL);
    snprintf(want, sizeof want,
             "lmpviz notebook: -o: expected a file that is not an input, got \"%s\", the same "
             "file as --losses \"%s\"\ntry 'lmpviz notebook --help'\n",
             npy, npy);
    assert_int_equal(r.rc, 2);
    assert_string_equal(r.err, want);
    assert_int_equal(stat(npy, &after), 0);
    assert_true(after.st_ino == before.st_ino && after.st_size == before.st_size);
    assert_int_equal(entries(fx), 1);
}

static void
test_runtime_errors(void **state)
{
    fixture *fx = *state;
    char missing[256], out[256];
    run_result r;

    snprintf(missing, sizeof missing, "%s", in_dir(fx, "none.npy"));
    snprintf(out, sizeof out, "%s", in_dir(fx, "x.ipynb"));
    run_nb(&r, "--figure", "curve", "--losses", missing, "-o", out, NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "lmpviz notebook: "));
    assert_non_null(strstr(r.err, "none.npy"));
    assert_int_equal(entries(fx), 0);

    snprintf(out, sizeof out, "%s", in_dir(fx, "no/such/folder/x.ipynb"));
    run_nb(&r, "--figure", "region", "-o", out, NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "x.ipynb"));
    assert_int_equal(entries(fx), 0);

    /* --all writes nothing (not even the folder) when a notebook fails. */
    snprintf(out, sizeof out, "%s", in_dir(fx, "nb"));
    run_nb(&r, "--all", "--image", missing, "--labels", missing, "--probs", missing, "-o", out,
           NULL);
    assert_int_equal(r.rc, 1);
    assert_int_equal(entries(fx), 0);
}

static void
test_base64(void **state)
{
    char buf[16];
    (void)state;
    assert_int_equal(lmpnb_base64_encode((const unsigned char *)"", 0, buf), 0);
    assert_string_equal(buf, "");
    lmpnb_base64_encode((const unsigned char *)"f", 1, buf);
    assert_string_equal(buf, "Zg==");
    lmpnb_base64_encode((const unsigned char *)"fo", 2, buf);
    assert_string_equal(buf, "Zm8=");
    lmpnb_base64_encode((const unsigned char *)"foob", 4, buf);
    assert_string_equal(buf, "Zm9vYg==");
    lmpnb_base64_encode((const unsigned char *)"\xff\xfe\x00", 3, buf);
    assert_string_equal(buf, "//4A");
    assert_int_equal(lmpnb_base64_size(4), 9);
}

static void
test_slot(lmpnb_notebook *nb, const char *name, void *ctx)
{
    int *calls = ctx;
    (*calls)++;
    if (strcmp(name, "data") == 0)
        lmpnb_notebook_add_markdown(nb, "DATA");
    else
        lmpnbi_fail(nb, LMPVIZ_ERR_INVALID_ARG, "no slot %s", name);
}

/* A new notebook after the cells: its status, and how many cells it holds. */
static lmpviz_status
cells_status(const char *cells, lmpnbi_slot_fn slot, void *ctx, size_t *n_cells)
{
    lmpnb_notebook *nb = lmpnb_notebook_create();
    lmpviz_status st;

    lmpnbi_add_cells(nb, cells, slot, ctx);
    st = lmpnb_notebook_status(nb);
    *n_cells = lmpnb_notebook_cell_count(nb);
    lmpnb_notebook_destroy(nb);
    return st;
}

/* The cells format: kinds, folded solutions, blank lines dropped at the end
 * of a cell, slots, and the errors. */
static void
test_cells_format(void **state)
{
    fixture *fx = *state;
    const char *text =
        "%% markdown\n# A\n\ntext\n\n%% code\nx = 1\n\n\n%% solution\ny = 2\n%% slot data\n"
        "%% code\nlast = 3";
    lmpnb_notebook *nb = lmpnb_notebook_create();
    json_t *doc, *cells, *cell;
    int calls = 0;
    size_t n_cells;
    char path[256];

    assert_int_equal(lmpnb_notebook_status(nb), LMPVIZ_OK);
    assert_string_equal(lmpnb_notebook_error(nb), "");
    lmpnbi_add_cells(nb, text, test_slot, &calls);
    assert_int_equal(lmpnb_notebook_status(nb), LMPVIZ_OK);
    assert_int_equal(calls, 1);
    assert_int_equal(lmpnb_notebook_cell_count(nb), 5);
    snprintf(path, sizeof path, "%s", in_dir(fx, "cells.ipynb"));
    assert_int_equal(lmpnb_notebook_save(nb, path, NULL), LMPVIZ_OK);
    doc = load_nb(path);
    cells = json_object_get(doc, "cells");
    cell = json_array_get(cells, 0);
    assert_string_equal(json_string_value(json_object_get(cell, "cell_type")), "markdown");
    assert_string_equal(json_string_value(json_array_get(json_object_get(cell, "source"), 2)),
                        "text");
    cell = json_array_get(cells, 1);
    assert_string_equal(json_string_value(json_object_get(cell, "cell_type")), "code");
    assert_int_equal(json_array_size(json_object_get(cell, "source")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(cell, "source"), 0)),
                        "x = 1");
    assert_null(json_object_get(json_object_get(cell, "metadata"), "jupyter"));
    cell = json_array_get(cells, 2);
    assert_string_equal(json_string_value(json_array_get(json_object_get(cell, "source"), 0)),
                        "y = 2");
    assert_true(json_is_true(json_object_get(
        json_object_get(json_object_get(cell, "metadata"), "jupyter"), "source_hidden")));
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(json_object_get(cell, "metadata"), "tags"), 0)),
                        "solution");
    cell = json_array_get(cells, 3);
    assert_string_equal(json_string_value(json_array_get(json_object_get(cell, "source"), 0)),
                        "DATA");
    cell = json_array_get(cells, 4);
    assert_string_equal(json_string_value(json_array_get(json_object_get(cell, "source"), 0)),
                        "last = 3");
    json_decref(doc);

    /* The shared slots need no slot function; others, and unknown kinds, are
     * errors that stop the walk. */
    lmpnbi_add_cells(nb, "%% slot intro\n", NULL, NULL);
    assert_int_equal(lmpnb_notebook_status(nb), LMPVIZ_OK);
    assert_true(lmpnb_notebook_cell_count(nb) > 5);
    lmpnb_notebook_destroy(nb);
    assert_int_equal(cells_status("%% code\na\n%% slot data\n%% code\nb\n", NULL, NULL, &n_cells),
                     LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(n_cells, 1);
    assert_int_equal(cells_status("%% slot other\n%% code\nb\n", test_slot, &calls, &n_cells),
                     LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(n_cells, 0);
    assert_int_equal(calls, 2);
    assert_int_equal(cells_status("%% table\nx\n", NULL, NULL, &n_cells), LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(n_cells, 0);
}

/* Errors are sticky: the first failure is kept with its message, later
 * calls do nothing, and save reports it and writes nothing. */
static void
test_sticky_errors(void **state)
{
    fixture *fx = *state;
    lmpnb_notebook *nb = lmpnb_notebook_create();
    lmpviz_err err = { "" };
    char path[256];

    lmpnb_notebook_add_markdown(nb, "# A");
    lmpnb_notebook_fold_last(nb);
    assert_int_equal(lmpnb_notebook_status(nb), LMPVIZ_OK);
    lmpnb_notebook_destroy(nb);

    nb = lmpnb_notebook_create();
    lmpnb_notebook_fold_last(nb); /* no cell to fold */
    assert_int_equal(lmpnb_notebook_status(nb), LMPVIZ_ERR_INVALID_ARG);
    assert_string_equal(lmpnb_notebook_error(nb), "no cell to fold");
    lmpnb_notebook_add_markdown(nb, "# A");
    lmpnb_notebook_add_code(nb, NULL, NULL, 0, NULL);
    lmpnbi_fail(nb, LMPVIZ_ERR_NOMEM, "later");
    assert_int_equal(lmpnb_notebook_cell_count(nb), 0);
    assert_int_equal(lmpnb_notebook_status(nb), LMPVIZ_ERR_INVALID_ARG);
    assert_string_equal(lmpnb_notebook_error(nb), "no cell to fold");
    snprintf(path, sizeof path, "%s", in_dir(fx, "failed.ipynb"));
    assert_int_equal(lmpnb_notebook_save(nb, path, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_string_equal(err.msg, "no cell to fold");
    assert_int_equal(entries(fx), 0);
    lmpnb_notebook_destroy(nb);

    /* A code cell without source is a bad argument too. */
    nb = lmpnb_notebook_create();
    lmpnb_notebook_add_code(nb, NULL, NULL, 0, NULL);
    assert_int_equal(lmpnb_notebook_status(nb), LMPVIZ_ERR_INVALID_ARG);
    lmpnb_notebook_destroy(nb);

    /* NULL is no notebook; the builders return a failed notebook, never NULL. */
    assert_int_equal(lmpnb_notebook_status(NULL), LMPVIZ_ERR_INVALID_ARG);
    assert_string_equal(lmpnb_notebook_error(NULL), "no notebook");
    nb = lmpnb_curve_notebook(NULL);
    assert_non_null(nb);
    assert_int_equal(lmpnb_notebook_status(nb), LMPVIZ_ERR_INVALID_ARG);
    assert_string_equal(lmpnb_notebook_error(nb), "expected one or two curve data sets");
    lmpnb_notebook_destroy(nb);
    nb = lmpnb_heatmap_notebook(NULL);
    assert_int_equal(lmpnb_notebook_status(nb), LMPVIZ_ERR_INVALID_ARG);
    lmpnb_notebook_destroy(nb);
    nb = lmpnb_region_notebook(NULL);
    assert_int_equal(lmpnb_notebook_status(nb), LMPVIZ_ERR_INVALID_ARG);
    lmpnb_notebook_destroy(nb);
    nb = lmpnb_compare_notebook(NULL);
    assert_int_equal(lmpnb_notebook_status(nb), LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(lmpnb_notebook_save(nb, path, NULL), LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(entries(fx), 0);
    lmpnb_notebook_destroy(nb);
    nb = lmpnb_derivation_notebook(NULL);
    assert_int_equal(lmpnb_notebook_status(nb), LMPVIZ_OK);
    assert_true(lmpnb_notebook_cell_count(nb) > 0);
    lmpnb_notebook_destroy(nb);
}

/* ------------------------------------------------------------------------
 * Python: the nbformat validator and a headless run.
 */

/* A Python 3 that imports every module of the space-separated list, or NULL:
 * $LMP_PYTHON, python3 on the PATH, /usr/bin/python3. */
static const char *
find_python(const char *modules)
{
    static char found[256];
    const char *cands[3];
    char cmd[1024];
    size_t i;

    cands[0] = getenv("LMP_PYTHON");
    cands[1] = "python3";
    cands[2] = "/usr/bin/python3";
    for (i = 0; i < 3; i++) {
        char list[256], *p;
        if (cands[i] == NULL || cands[i][0] == '\0')
            continue;
        snprintf(list, sizeof list, "%s", modules);
        for (p = list; *p; p++)
            if (*p == ' ')
                *p = ',';
        snprintf(cmd, sizeof cmd, "%s -c 'import %s' >/dev/null 2>&1", cands[i], list);
        if (system(cmd) == 0) {
            snprintf(found, sizeof found, "%s", cands[i]);
            return found;
        }
    }
    return NULL;
}

static void
test_nbformat_validator(void **state)
{
    fixture *fx = *state;
    char img[256], lab[256], prb[256], dir[256], cmd[2048];
    const char *py = find_python("nbformat");
    run_result r;

    if (py == NULL) {
        print_message("[  SKIPPED ] no Python with nbformat (apt-get install python3-nbformat, or "
                      "scripts/install-deps)\n");
        skip();
    }
    write_frame(fx, img, lab, prb, sizeof img);
    snprintf(dir, sizeof dir, "%s", in_dir(fx, "nb"));
    run_nb(&r, "--all", "--image", img, "--labels", lab, "--probs", prb, "-o", dir, NULL);
    assert_int_equal(r.rc, 0);
    snprintf(cmd, sizeof cmd,
             "%s -c 'import glob, sys, nbformat\n"
             "files = sorted(glob.glob(sys.argv[1] + \"/*.ipynb\"))\n"
             "assert len(files) == 7, files\n"
             "for f in files:\n"
             "    nb = nbformat.read(f, as_version=nbformat.NO_CONVERT)\n"
             "    nbformat.validate(nb)\n"
             "    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)\n"
             "' '%s' >&2",
             py, dir);
    assert_int_equal(system(cmd), 0);
}

/* Runs nbconvert on the notebooks of dir (a shell glob of names) into
 * dir/exec, in parallel, with PYTHONPATH set to pythonpath; fails the test with the log
 * when a cell fails. */
static void
execute(fixture *fx, const char *py, const char *dir, const char *names, const char *pythonpath)
{
    char cmd[4096], log[300];
    size_t len;
    char *text;

    snprintf(log, sizeof log, "%s/nbconvert.log", fx->dir);
    /* One kernel per notebook, four at a time: starting kernels is most of
     * the time. */
    snprintf(cmd, sizeof cmd,
             "cd '%s' && ls %s | PYTHONPATH='%s' timeout %d xargs -P 4 -n 1 %s -m nbconvert --to "
             "notebook "
             "--execute --output-dir exec >'%s' 2>&1",
             dir, names, pythonpath, EXEC_TIMEOUT_S, py, log);
    if (system(cmd) != 0) {
        text = read_all(log, &len);
        fail_msg("nbconvert failed:\n%s", text);
    }
}

/* The executed notebook dir/exec/lmp_NAME.ipynb: no error output, and each
 * of the texts (NULL-terminated) in its outputs. */
static void
check_executed(const char *dir, const char *name, const char *const *texts)
{
    char path[512];
    size_t len;
    char *text;

    snprintf(path, sizeof path, "%s/exec/lmp_%s.ipynb", dir, name);
    text = read_all(path, &len);
    assert_non_null(text);
    if (strstr(text, "\"output_type\": \"error\"") != NULL)
        fail_msg("%s: a cell failed", path);
    for (; *texts != NULL; texts++) {
        if (strstr(text, *texts) == NULL)
            fail_msg("%s: expected \"%s\" in the outputs", path, *texts);
    }
    free(text);
}

/* Every option that takes a value, given without it, notebook's own and
 * those passed on to the figure's parser: the same message. */
static void
test_missing_value_every_option(void **state)
{
    static const char *const opts[] = { "--figure", "-o", "--output", NULL };
    run_result r;
    (void)state;

    expect_missing_values(cmd_notebook, "notebook", opts);
    run_nb(&r, "--figure", "curve", "--p", NULL);
    assert_int_equal(r.rc, 2);
    assert_string_equal(r.err, "lmpviz notebook: --p: expected a value\n"
                               "try 'lmpviz notebook --help'\n");
    run_nb(&r, "--figure", "heatmap", "--labels", NULL);
    assert_int_equal(r.rc, 2);
    assert_string_equal(r.err, "lmpviz notebook: --labels: expected a value\n"
                               "try 'lmpviz notebook --help'\n");
}

/* cli_notebook_parse: notebook's own options, the arguments passed on, the
 * default -o, and its checks. */
static void
test_parse(void **state)
{
    char *curve[] = { "notebook", "--figure", "curve", NULL };
    char *region[] = { "notebook", "--figure=region", "--m", "0.75", "--losses", "2,1",
                       "-o",       "r.ipynb",         NULL };
    char *all[] = { "notebook", "--all", NULL };
    char *help[] = { "notebook", "-h", "--figure", "nope", NULL };
    char *csv[] = { "notebook", "--figure", "curve", "--csv", "x.csv", NULL };
    cli_notebook_args a;
    run_result r;
    (void)state;

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_notebook_parse, &a, curve);
    assert_int_equal(r.rc, CLI_PARSE_OK);
    assert_string_equal(a.figure, "curve");
    assert_string_equal(a.output, "lmp_curve.ipynb");
    assert_int_equal(a.n_pass, 1);
    assert_string_equal(a.pass[0], "notebook");
    assert_null(a.pass[1]);

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_notebook_parse, &a, region);
    assert_int_equal(r.rc, CLI_PARSE_OK);
    assert_string_equal(a.figure, "region");
    assert_string_equal(a.output, "r.ipynb");
    assert_int_equal(a.n_pass, 5);
    assert_string_equal(a.pass[1], "--m");
    assert_string_equal(a.pass[2], "0.75");
    assert_string_equal(a.pass[3], "--losses");
    assert_string_equal(a.pass[4], "2,1");

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_notebook_parse, &a, all);
    assert_int_equal(r.rc, CLI_PARSE_USAGE);
    assert_string_equal(r.err, "lmpviz notebook: --all: expected -o DIR, the folder for the "
                               "notebooks\ntry 'lmpviz notebook --help'\n");

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_notebook_parse, &a, help);
    assert_int_equal(r.rc, CLI_PARSE_HELP);
    assert_true(strncmp(r.out, "Usage: lmpviz notebook", 22) == 0);
    assert_string_equal(r.err, "");

    memset(&a, 0, sizeof a);
    RUN_PARSE(&r, cli_notebook_parse, &a, csv);
    assert_int_equal(r.rc, CLI_PARSE_USAGE);
    assert_true(strncmp(r.err, "lmpviz notebook: --csv: not available here", 42) == 0);
}

static void
test_execute(void **state)
{
    static const char *const curve[] = { "NumPy and lmpviz weights agree within 1e-06: OK",
                                         "image/png", NULL };
    static const char *const derivation[] = { "(C solver) agrees", "g(theta) = 200 = m_px = 200",
                                              "equal losses: L = the mean", NULL };
    static const char *const algorithms[] = { "36 problems: scan, selection and NumPy agree within",
                                              "lmpviz within 1e-6", "NumPy: np.sort alone", NULL };
    static const char *const compare[] = { "NumPy and lmpviz agree on every scheme: OK", NULL };
    static const char *const heatmap_c[] = { "(C) matches lmpviz within 1e-06: OK", NULL };
    static const char *const heatmap_np[] = { "re-solved by NumPy matches lmpviz within 1e-06: OK",
                                              NULL };
    fixture *fx = *state;
    char img[512], lab[512], prb[512], dir[256], cmd[1024];
    const char *py = find_python("nbconvert nbclient ipykernel matplotlib numpy");
    const char *shared = test_shared_dir();
    run_result r;

    if (py == NULL) {
        print_message("[  SKIPPED ] no Python with nbconvert, ipykernel, matplotlib and numpy "
                      "(apt-get install jupyter-nbconvert python3-ipykernel python3-matplotlib "
                      "python3-numpy)\n");
        skip();
    }
    snprintf(dir, sizeof dir, "%s", in_dir(fx, "nb"));
    if (shared != NULL) {
        /* The real frame of the README: the heatmap and compare notebooks as
         * a lecturer would make them. */
        const char *f = "data/cityscapes/leftImg8bit/val/frankfurt/frankfurt_000000_001236";
        snprintf(img, sizeof img, "%s/%s_leftImg8bit.png", shared, f);
        snprintf(
            lab, sizeof lab,
            "%s/data/cityscapes/gtFine/val/frankfurt/frankfurt_000000_001236_gtFine_labelIds.png",
            shared);
        snprintf(prb, sizeof prb, "%s/%s_probs.npy", shared, f);
    }
    if (shared == NULL || !file_exists(img) || !file_exists(lab) || !file_exists(prb))
        write_frame(fx, img, lab, prb, sizeof img);
    run_nb(&r, "--all", "--image", img, "--labels", lab, "--probs", prb, "--resize", "-o", dir,
           NULL);
    assert_int_equal(r.rc, 0);

    /* Every notebook, with the lmpviz package of this build on the path: the
     * check cells compare the C solver with lmpviz's stored numbers. */
    execute(fx, py, dir, "lmp_*.ipynb", LMP_PYTHON_BUILD_DIR);
    check_executed(dir, "curve", curve);
    check_executed(dir, "paper", curve);
    check_executed(dir, "region", curve);
    check_executed(dir, "compare", compare);
    if (LMP_PYTHON_BUILD_DIR[0] != '\0') {
        check_executed(dir, "derivation", derivation);
        check_executed(dir, "algorithms", algorithms);
        check_executed(dir, "heatmap", heatmap_c);
    } else {
        print_message(
            "[  NOTE    ] no Python package in this build: the notebooks run without lmpviz\n");
        check_executed(dir, "heatmap", heatmap_np);
    }

    /* Without the package: the NumPy fallbacks. */
    snprintf(cmd, sizeof cmd, "cd /tmp && PYTHONPATH= %s -c 'import lmpviz' >/dev/null 2>&1", py);
    if (system(cmd) == 0) {
        print_message("[  NOTE    ] lmpviz is importable without PYTHONPATH: the NumPy fallback is "
                      "not run\n");
        return;
    }
    execute(fx, py, dir, "lmp_heatmap.ipynb", "");
    check_executed(dir, "heatmap", heatmap_np);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help),
        cmocka_unit_test_setup_teardown(test_curve, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paper_and_region, setup, teardown),
        cmocka_unit_test_setup_teardown(test_heatmap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compare, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lecture, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_many_losses_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_is_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_errors, setup, teardown),
        cmocka_unit_test(test_base64),
        cmocka_unit_test_setup_teardown(test_cells_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sticky_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nbformat_validator, setup, teardown),
        cmocka_unit_test_setup_teardown(test_execute, setup, teardown),
        cmocka_unit_test(test_missing_value_every_option),
        cmocka_unit_test(test_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
