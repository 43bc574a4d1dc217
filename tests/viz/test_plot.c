/* Tests of viz/src/plot.c, figure_curve.c and figure_region.c: the drawing
 * layer, checked on the decoded pixels, the SVG text and the PDF bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <cairo.h>
#include <dirent.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dir_test_util.h"
#include "lmp.h"
#include "lmpviz.h"
#include "png_test_util.h"
#include "test_util.h"

/* Anti-aliasing blends the edges of a line; its centre keeps the colour to
 * within a few levels.  A pixel "has" a colour within this distance. */
#define COLOR_TOL 12
/* Weights printed with %.9g read back as the same float. */
#define WEIGHT_RTOL 1e-6

/* ------------------------------------------------------------------------
 * Helpers
 */

typedef struct tmpdir {
    char path[64];
} tmpdir;

/* Folders still present when a test fails (cmocka leaves the test
 * function); the group teardown removes them. */
static char live_dirs[32][64];

static void
tmpdir_make(tmpdir *t)
{
    size_t i;
    snprintf(t->path, sizeof t->path, "/tmp/lmp_test_plot_XXXXXX");
    assert_non_null(mkdtemp(t->path));
    for (i = 0; i < 32; i++) {
        if (live_dirs[i][0] == '\0') {
            snprintf(live_dirs[i], sizeof live_dirs[i], "%s", t->path);
            break;
        }
    }
}

static void
tmpdir_remove(tmpdir *t)
{
    size_t i;
    remove_tree(t->path);
    for (i = 0; i < 32; i++) {
        if (strcmp(live_dirs[i], t->path) == 0)
            live_dirs[i][0] = '\0';
    }
}

static int
remove_live_dirs(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < 32; i++) {
        if (live_dirs[i][0] != '\0') {
            tmpdir t;
            memcpy(t.path, live_dirs[i], sizeof t.path);
            tmpdir_remove(&t);
        }
    }
    return 0;
}

static char *
read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* cairo's SVG writes colours as rgb(R%,G%,B%) with 6 decimals. */
static int
svg_color_matches(const char *style, lmpviz_color c)
{
    const char *s = strstr(style, "stroke:rgb(");
    double r, g, b;
    if (s == NULL || sscanf(s, "stroke:rgb(%lf%%,%lf%%,%lf%%)", &r, &g, &b) != 3)
        return 0;
    return fabs(r / 100 - c.r) < 1e-3 && fabs(g / 100 - c.g) < 1e-3 && fabs(b / 100 - c.b) < 1e-3;
}

/* Stroked paths (not glyphs) in colour c whose x extent exceeds min_extent
 * points: the data lines, not the 26 pt legend samples. */
static size_t
svg_count_paths(const char *svg, lmpviz_color c, double min_extent)
{
    const char *p = svg;
    size_t n = 0;
    while ((p = strstr(p, "<path ")) != NULL) {
        const char *end = strstr(p, "/>");
        const char *st = strstr(p, "style=\"");
        const char *d = strstr(p, " d=\"");
        char style[512];
        size_t len;
        assert_non_null(end);
        if (st != NULL && st < end && d != NULL && d < end) {
            const char *q = st + 7;
            len = (size_t)(strchr(q, '"') - q);
            if (len >= sizeof style)
                len = sizeof style - 1;
            memcpy(style, q, len);
            style[len] = '\0';
            if (strstr(style, "fill:none") != NULL && svg_color_matches(style, c)) {
                /* d = "M x y L x y ..." with only M/L/C/Z commands */
                double xmin = INFINITY, xmax = -INFINITY;
                const char *s = d + 4;
                int coord = 0;
                while (*s != '"') {
                    if ((*s >= '0' && *s <= '9') || *s == '-' || *s == '.') {
                        char *e;
                        double v = strtod(s, &e);
                        if (coord % 2 == 0) {
                            xmin = fmin(xmin, v);
                            xmax = fmax(xmax, v);
                        }
                        coord++;
                        s = e;
                    } else {
                        s++;
                    }
                }
                if (xmax - xmin > min_extent)
                    n++;
            }
        }
        p = end;
    }
    return n;
}

static int
have_python(void)
{
    return access("/usr/bin/python3", X_OK) == 0;
}

/* ------------------------------------------------------------------------
 * Plot layer
 */

static void
test_palette(void **state)
{
    size_t i, j;
    (void)state;
    for (i = 0; i < LMPVIZ_PALETTE_SIZE; i++) {
        lmpviz_color a = lmpviz_palette_color(i);
        lmpviz_color b = lmpviz_palette_color(i + LMPVIZ_PALETTE_SIZE);
        assert_true(a.r == b.r && a.g == b.g && a.b == b.b && a.a == 1.0);
        for (j = 0; j < i; j++) {
            lmpviz_color o = lmpviz_palette_color(j);
            assert_false(a.r == o.r && a.g == o.g && a.b == o.b);
        }
    }
    /* Okabe-Ito blue */
    assert_true(fabs(lmpviz_palette_color(0).b - 0xB2 / 255.0) < 1e-12);
    assert_true(fabs(lmpviz_color_hex(0x102030).g - 0x20 / 255.0) < 1e-12);
}

static void
test_format_from_path(void **state)
{
    lmpviz_format f;
    lmpviz_err err;
    (void)state;
    assert_int_equal(lmpviz_format_from_path("a.png", &f, NULL), LMPVIZ_OK);
    assert_int_equal(f, LMPVIZ_FORMAT_PNG);
    assert_int_equal(lmpviz_format_from_path("dir.x/b.SVG", &f, NULL), LMPVIZ_OK);
    assert_int_equal(f, LMPVIZ_FORMAT_SVG);
    assert_int_equal(lmpviz_format_from_path("c.pdf", &f, NULL), LMPVIZ_OK);
    assert_int_equal(f, LMPVIZ_FORMAT_PDF);
    assert_int_equal(lmpviz_format_from_path("c.jpg", &f, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, ".png"));
    assert_int_equal(lmpviz_format_from_path("dir.png/c", &f, NULL), LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(lmpviz_format_from_path("png", &f, NULL), LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(lmpviz_format_from_path(NULL, &f, NULL), LMPVIZ_ERR_INVALID_ARG);
}

static void
test_figure_create_invalid(void **state)
{
    (void)state;
    assert_int_equal(lmpviz_figure_status(lmpviz_figure_create(0, 100, 100, 1, 1)),
                     LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(lmpviz_figure_status(lmpviz_figure_create(100, 0, 100, 1, 1)),
                     LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(lmpviz_figure_status(lmpviz_figure_create(100, 100, 0, 1, 1)),
                     LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(lmpviz_figure_status(lmpviz_figure_create(100, 100, NAN, 1, 1)),
                     LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(lmpviz_figure_status(lmpviz_figure_create(100, 100, 100, 0, 1)),
                     LMPVIZ_ERR_INVALID_ARG);
    lmpviz_figure_destroy(NULL);
    {
        lmpviz_figure *fig = lmpviz_figure_create(100, 100, 100, 2, 3);
        assert_int_equal(lmpviz_figure_status(fig), LMPVIZ_OK);
        lmpviz_figure_panel(fig, 1, 2);
        assert_int_equal(lmpviz_figure_status(fig), LMPVIZ_OK);
        lmpviz_figure_panel(fig, 0, 3);
        assert_int_equal(lmpviz_figure_status(fig), LMPVIZ_ERR_INVALID_ARG);
        lmpviz_figure_destroy(fig);
    }
}

/* Each bad panel call is the figure's first failure; it is kept (sticky),
 * later calls do nothing, and save reports it without writing a file. */
static void
test_add_invalid(void **state)
{
    lmpviz_style s = lmpviz_style_line(lmpviz_palette_color(0), LMPVIZ_DASH_SOLID);
    double x = 1, y = 1, px, py;
    lmpviz_err err;
    int k;
    (void)state;
    for (k = 0; k < 6; k++) {
        lmpviz_figure *fig = lmpviz_figure_create(200, 100, 100, 1, 1);
        lmpviz_panel *pn = lmpviz_figure_panel(fig, 0, 0);
        const char *what[6] = { "series",          "series", "series",
                                "horizontal line", "text",   "colour bar" };
        const double pos = 2.0;
        const char *lab = "x";
        assert_int_equal(lmpviz_figure_status(fig), LMPVIZ_OK);
        assert_string_equal(lmpviz_figure_error(fig), "");
        switch (k) {
        case 0:
            lmpviz_panel_add_series(pn, &x, &y, 0, &s, NULL);
            break;
        case 1:
            lmpviz_panel_add_series(pn, NULL, &y, 1, &s, NULL);
            break;
        case 2:
            lmpviz_panel_add_series(pn, &x, &y, 1, NULL, NULL);
            break;
        case 3:
            lmpviz_panel_add_hline(pn, NAN, &s, NULL);
            break;
        case 4:
            lmpviz_panel_add_text(pn, 0, 0, 0, 0, LMPVIZ_ANCHOR_W, s.color, 0, NULL);
            break;
        default:
            lmpviz_panel_set_colorbar(pn, &s.color, 1, &pos, &lab, 1, NULL);
            break;
        }
        assert_int_equal(lmpviz_figure_status(fig), LMPVIZ_ERR_INVALID_ARG);
        assert_non_null(strstr(lmpviz_figure_error(fig), what[k]));
        /* later failures do not replace the first; valid calls are ignored */
        lmpviz_panel_add_series(pn, &x, &y, 1, &s, NULL);
        lmpviz_figure_set_title(fig, "t");
        assert_non_null(strstr(lmpviz_figure_error(fig), what[k]));
        memset(&err, 0, sizeof err);
        assert_int_equal(lmpviz_figure_layout(fig, &err), LMPVIZ_ERR_INVALID_ARG);
        assert_string_equal(err.msg, lmpviz_figure_error(fig));
        assert_int_equal(lmpviz_figure_save(fig, "/nonexistent-dir/never.png", &err),
                         LMPVIZ_ERR_INVALID_ARG);
        lmpviz_figure_destroy(fig);
    }
    {
        /* no layout yet */
        lmpviz_figure *fig = lmpviz_figure_create(200, 100, 100, 1, 1);
        lmpviz_panel *pn = lmpviz_figure_panel(fig, 0, 0);
        assert_int_equal(lmpviz_panel_to_pixel(pn, 0, 0, &px, &py), LMPVIZ_ERR_INVALID_ARG);
        assert_int_equal(lmpviz_panel_area(pn, NULL, NULL, NULL, NULL), LMPVIZ_ERR_INVALID_ARG);
        /* a panel out of range fails the figure and is a harmless nil panel */
        pn = lmpviz_figure_panel(fig, 1, 0);
        assert_non_null(pn);
        lmpviz_panel_add_series(pn, &x, &y, 1, &s, NULL);
        assert_int_equal(lmpviz_figure_status(fig), LMPVIZ_ERR_INVALID_ARG);
        assert_non_null(strstr(lmpviz_figure_error(fig), "panel (1, 0)"));
        lmpviz_figure_destroy(fig);
    }
}

/* Bad sizes give nil figures, never NULL: every call on them and their
 * panels does nothing, destroy is harmless, and save reports why. */
static void
test_nil_figure(void **state)
{
    const size_t bad[5][4] = { { 0, 100, 1, 1 },
                               { 100, 0, 1, 1 },
                               { 40000, 100, 1, 1 },
                               { 100, 100, 0, 1 },
                               { 100, 100, 1, 65 } };
    lmpviz_style s = lmpviz_style_line(lmpviz_palette_color(0), LMPVIZ_DASH_SOLID);
    double x = 1, y = 1;
    lmpviz_err err;
    size_t k;
    (void)state;
    for (k = 0; k < 5; k++) {
        lmpviz_figure *fig = lmpviz_figure_create(bad[k][0], bad[k][1], 100, bad[k][2], bad[k][3]);
        lmpviz_panel *pn;
        assert_non_null(fig);
        assert_int_equal(lmpviz_figure_status(fig), LMPVIZ_ERR_INVALID_ARG);
        pn = lmpviz_figure_panel(fig, 0, 0);
        assert_non_null(pn);
        lmpviz_panel_add_series(pn, &x, &y, 1, &s, "x");
        lmpviz_panel_set_title(pn, "t");
        lmpviz_panel_set_xlim(pn, 0, 1);
        lmpviz_figure_set_title(fig, "t");
        lmpviz_figure_set_png_level(fig, 3);
        memset(&err, 0, sizeof err);
        assert_int_equal(lmpviz_figure_save(fig, "/nonexistent-dir/never.png", &err),
                         LMPVIZ_ERR_INVALID_ARG);
        assert_non_null(strstr(err.msg, "invalid figure size"));
        lmpviz_figure_destroy(fig);
    }
    assert_non_null(lmpviz_figure_create(100, 100, 0.0, 1, 1));
    assert_int_equal(lmpviz_figure_status(NULL), LMPVIZ_ERR_INVALID_ARG);
    lmpviz_figure_destroy(NULL);
}

/* A figure with three palette series and a grey dashed line at y = 0.3. */
static lmpviz_figure *
three_series_figure(size_t w, size_t h)
{
    lmpviz_figure *fig = lmpviz_figure_create(w, h, 100, 1, 1);
    lmpviz_panel *pn;
    double x[50], y[50];
    size_t s, k;
    lmpviz_style ref = lmpviz_style_line(lmpviz_color_hex(0x555555), LMPVIZ_DASH_DASHED);
    char label[32];

    assert_non_null(fig);
    pn = lmpviz_figure_panel(fig, 0, 0);
    lmpviz_panel_add_hline(pn, 0.3, &ref, "reference");
    for (s = 0; s < 3; s++) {
        lmpviz_style st = lmpviz_style_line(lmpviz_palette_color(s), LMPVIZ_DASH_SOLID);
        st.line_width = 2.0;
        for (k = 0; k < 50; k++) {
            x[k] = (double)k / 49.0;
            y[k] = pow(x[k], 1.0 + (double)s);
        }
        snprintf(label, sizeof label, "series %zu", s);
        lmpviz_panel_add_series(pn, x, y, 50, &st, label);
    }
    lmpviz_panel_set_title(pn, "ℓ, τ, θ, γ, ∞ in a title");
    lmpviz_panel_set_xlabel(pn, "x");
    lmpviz_panel_set_ylabel(pn, "y");
    return fig;
}

static void
test_png_size_colors_and_dashed_row(void **state)
{
    tmpdir t;
    char path[128];
    lmpviz_figure *fig = three_series_figure(640, 400);
    lmpviz_panel *pn = lmpviz_figure_panel(fig, 0, 0);
    lmpviz_err err;
    image im;
    double px, py, ax, ay, aw, ah;
    long row, best_row = -1, x;
    size_t best = 0, s;
    int transitions = 0, prev = -1;
    lmpviz_color grey = lmpviz_color_hex(0x555555);

    (void)state;
    tmpdir_make(&t);
    snprintf(path, sizeof path, "%s/f.png", t.path);
    assert_int_equal(lmpviz_figure_save(fig, path, &err), LMPVIZ_OK);
    image_load(path, &im);
    assert_int_equal(im.w, 640);
    assert_int_equal(im.h, 400);

    for (s = 0; s < 3; s++)
        assert_true(count_color(&im, lmpviz_palette_color(s), COLOR_TOL) > 50);

    /* The grey dashed line sits on the row where y = 0.3 maps. */
    assert_int_equal(lmpviz_panel_to_pixel(pn, 0.5, 0.3, &px, &py), LMPVIZ_OK);
    assert_int_equal(lmpviz_panel_area(pn, &ax, &ay, &aw, &ah), LMPVIZ_OK);
    assert_true(py > ay && py < ay + ah);
    for (row = (long)py - 6; row <= (long)py + 6; row++) {
        size_t n = 0;
        for (x = (long)ax + 2; x < (long)(ax + aw) - 2; x++)
            n += (size_t)pixel_is(&im, x, row, grey, COLOR_TOL);
        if (n > best) {
            best = n;
            best_row = row;
        }
    }
    assert_true(best > 50);
    assert_true(labs(best_row - (long)floor(py)) <= 1);
    /* dashed: many on/off changes along the row */
    for (x = (long)ax + 2; x < (long)(ax + aw) - 2; x++) {
        int on = pixel_is(&im, x, best_row, grey, COLOR_TOL + 20);
        if (prev >= 0 && on != prev)
            transitions++;
        prev = on;
    }
    assert_true(transitions > 20);
    /* white background in the corner */
    assert_true(pixel_is(&im, 0, 0, lmpviz_color_hex(0xffffff), 0));

    free(im.px);
    lmpviz_figure_destroy(fig);
    tmpdir_remove(&t);
}

/* A curve from corner to corner everywhere visible: the legend must find a
 * spot that hides none of it. */
static void
test_legend_hides_no_data(void **state)
{
    tmpdir t;
    char path[128];
    lmpviz_figure *fig = lmpviz_figure_create(500, 400, 100, 1, 1);
    lmpviz_panel *pn = lmpviz_figure_panel(fig, 0, 0);
    lmpviz_style st = lmpviz_style_line(lmpviz_palette_color(1), LMPVIZ_DASH_SOLID);
    double x[101], y[101];
    size_t k, i;
    image im;

    (void)state;
    st.line_width = 2.0;
    for (k = 0; k <= 100; k++) {
        x[k] = (double)k / 100.0;
        y[k] = x[k];
    }
    lmpviz_panel_add_series(pn, x, y, 101, &st, "the diagonal");
    for (i = 0; i < 6; i++) {
        lmpviz_style o = lmpviz_style_line(lmpviz_palette_color(2 + i), LMPVIZ_DASH_DOTTED);
        double yy[2] = { 0.5, 0.5 }, xx[2] = { 0.0, 0.0 };
        lmpviz_panel_add_series(pn, xx, yy, 2, &o, "another legend entry");
    }
    tmpdir_make(&t);
    snprintf(path, sizeof path, "%s/legend.svg", t.path);
    assert_int_equal(lmpviz_figure_save(fig, path, NULL), LMPVIZ_OK);
    snprintf(path, sizeof path, "%s/legend.png", t.path);
    assert_int_equal(lmpviz_figure_save(fig, path, NULL), LMPVIZ_OK);
    image_load(path, &im);
    for (k = 3; k <= 97; k++) {
        double px, py;
        long dx, dy;
        int found = 0;
        assert_int_equal(lmpviz_panel_to_pixel(pn, x[k], y[k], &px, &py), LMPVIZ_OK);
        for (dy = -2; dy <= 2; dy++)
            for (dx = -2; dx <= 2; dx++)
                found |= pixel_is(&im, lround(px) + dx, lround(py) + dy, st.color, COLOR_TOL);
        assert_true(found);
    }
    free(im.px);
    lmpviz_figure_destroy(fig);
    tmpdir_remove(&t);
}

static void
test_svg_and_pdf(void **state)
{
    tmpdir t;
    char path[128], cmd[512];
    lmpviz_figure *fig = three_series_figure(640, 400);
    char *buf;
    size_t len, s;

    (void)state;
    tmpdir_make(&t);
    snprintf(path, sizeof path, "%s/f.svg", t.path);
    assert_int_equal(lmpviz_figure_save(fig, path, NULL), LMPVIZ_OK);
    buf = read_all(path, &len);
    assert_true(len > 100);
    assert_non_null(strstr(buf, "<svg"));
    assert_non_null(strstr(buf, "</svg>"));
    /* 640 px at 100 dpi = 460.8 pt */
    assert_non_null(strstr(buf, "width=\"460.8pt\""));
    for (s = 0; s < 3; s++)
        assert_int_equal(svg_count_paths(buf, lmpviz_palette_color(s), 40.0), 1);
    assert_int_equal(svg_count_paths(buf, lmpviz_palette_color(3), 40.0), 0);
    free(buf);
    if (have_python()) {
        snprintf(
            cmd, sizeof cmd,
            "/usr/bin/python3 -c 'import sys, xml.dom.minidom as m; "
            "d = m.parse(sys.argv[1]); sys.exit(0 if d.documentElement.tagName == \"svg\" else 1)' "
            "%s",
            path);
        assert_int_equal(system(cmd), 0);
    }

    snprintf(path, sizeof path, "%s/f.pdf", t.path);
    assert_int_equal(lmpviz_figure_save(fig, path, NULL), LMPVIZ_OK);
    buf = read_all(path, &len);
    assert_true(len > 100);
    assert_memory_equal(buf, "%PDF-", 5);
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        len--;
    assert_true(len >= 5);
    assert_memory_equal(buf + len - 5, "%%EOF", 5);
    free(buf);

    lmpviz_figure_destroy(fig);
    tmpdir_remove(&t);
}

static void
test_save_failures_leave_no_file(void **state)
{
    tmpdir t;
    char path[160];
    lmpviz_figure *fig = three_series_figure(200, 150);
    lmpviz_err err;

    (void)state;
    tmpdir_make(&t);
    snprintf(path, sizeof path, "%s/f.jpg", t.path);
    memset(&err, 0, sizeof err);
    assert_int_equal(lmpviz_figure_save(fig, path, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, ".svg"));
    assert_int_equal(count_entries(t.path), 0);
    snprintf(path, sizeof path, "%s/missing/f.png", t.path);
    memset(&err, 0, sizeof err);
    assert_int_equal(lmpviz_figure_save(fig, path, &err), LMPVIZ_ERR_IO);
    assert_true(err.msg[0] != '\0');
    assert_int_equal(count_entries(t.path), 0);
    /* a stream that cannot be written */
    {
        FILE *ro = fopen("/dev/null", "r");
        assert_non_null(ro);
        assert_int_not_equal(lmpviz_figure_write(fig, LMPVIZ_FORMAT_PNG, ro, &err), LMPVIZ_OK);
        fclose(ro);
    }
    assert_int_equal(lmpviz_figure_write(fig, LMPVIZ_FORMAT_PNG, NULL, NULL),
                     LMPVIZ_ERR_INVALID_ARG);
    lmpviz_figure_destroy(fig);
    tmpdir_remove(&t);
}

static void
test_log_axis(void **state)
{
    lmpviz_figure *fig = lmpviz_figure_create(400, 300, 100, 1, 1);
    lmpviz_panel *pn = lmpviz_figure_panel(fig, 0, 0);
    lmpviz_style st = lmpviz_style_line(lmpviz_palette_color(0), LMPVIZ_DASH_SOLID);
    double x[5] = { 1, 2, 3, 4, 5 }, y[5] = { 1e-1, 1e-2, 0.0, 1e-4, 1e-5 };
    double px, py1, py2, py3;
    tmpdir t;
    char path[128];

    (void)state;
    lmpviz_panel_set_logy(pn, 1);
    lmpviz_panel_add_series(pn, x, y, 5, &st, NULL);
    assert_int_equal(lmpviz_figure_layout(fig, NULL), LMPVIZ_OK);
    assert_int_equal(lmpviz_panel_to_pixel(pn, 1, 0.0, &px, &py1), LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(lmpviz_panel_to_pixel(pn, 1, 1e-1, &px, &py1), LMPVIZ_OK);
    assert_int_equal(lmpviz_panel_to_pixel(pn, 1, 1e-3, &px, &py2), LMPVIZ_OK);
    assert_int_equal(lmpviz_panel_to_pixel(pn, 1, 1e-5, &px, &py3), LMPVIZ_OK);
    /* equal steps per decade, larger values higher up */
    assert_true(py1 < py2 && py2 < py3);
    assert_true(fabs((py2 - py1) - (py3 - py2)) < 1e-6);
    tmpdir_make(&t);
    snprintf(path, sizeof path, "%s/log.png", t.path);
    assert_int_equal(lmpviz_figure_save(fig, path, NULL), LMPVIZ_OK);
    lmpviz_figure_destroy(fig);
    tmpdir_remove(&t);
}

/* The same layout whatever the format, and the same as lmpviz_figure_layout. */
static void
test_layout_stable(void **state)
{
    lmpviz_figure *fig = three_series_figure(640, 400);
    lmpviz_panel *pn = lmpviz_figure_panel(fig, 0, 0);
    double a[2], b[2];
    FILE *null = fopen("/dev/null", "w");

    (void)state;
    assert_non_null(null);
    assert_int_equal(lmpviz_figure_layout(fig, NULL), LMPVIZ_OK);
    assert_int_equal(lmpviz_panel_to_pixel(pn, 0.25, 0.75, &a[0], &a[1]), LMPVIZ_OK);
    assert_int_equal(lmpviz_figure_write(fig, LMPVIZ_FORMAT_SVG, null, NULL), LMPVIZ_OK);
    assert_int_equal(lmpviz_panel_to_pixel(pn, 0.25, 0.75, &b[0], &b[1]), LMPVIZ_OK);
    assert_true(fabs(a[0] - b[0]) < 1e-9 && fabs(a[1] - b[1]) < 1e-9);
    assert_true(a[0] > 0 && a[0] < 640 && a[1] > 0 && a[1] < 400);
    fclose(null);
    lmpviz_figure_destroy(fig);
}

/* DejaVu Sans covers the symbols the figures use (no .notdef boxes). */
static void
test_font_has_symbols(void **state)
{
    static const char *const symbols = "ℓτθγ∞ᵢ₁₂⁻⁰¹²³⁴⁵⁶⁷⁸⁹×−·½‖ₚ";
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 4, 4);
    cairo_t *cr = cairo_create(s);
    cairo_scaled_font_t *sf;
    cairo_glyph_t *glyphs = NULL;
    int n = 0, i;
    cairo_font_face_t *face;

    (void)state;
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    face = cairo_get_font_face(cr);
    sf = cairo_get_scaled_font(cr);
    assert_int_equal(cairo_font_face_status(face), CAIRO_STATUS_SUCCESS);
    if (access("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", R_OK) != 0) {
        cairo_destroy(cr);
        cairo_surface_destroy(s);
        skip();
    }
    assert_int_equal(
        cairo_scaled_font_text_to_glyphs(sf, 0, 0, symbols, -1, &glyphs, &n, NULL, NULL, NULL),
        CAIRO_STATUS_SUCCESS);
    assert_true(n > 10);
    for (i = 0; i < n; i++)
        assert_int_not_equal(glyphs[i].index, 0);
    cairo_glyph_free(glyphs);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
}

/* 200000 points: drawn decimated, so the SVG stays small. */
static void
test_long_series_decimated(void **state)
{
    const size_t n = 200000;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    lmpviz_figure *fig = lmpviz_figure_create(600, 400, 100, 1, 1);
    lmpviz_style st = lmpviz_style_line(lmpviz_palette_color(0), LMPVIZ_DASH_SOLID);
    tmpdir t;
    char path[128];
    size_t k, len;
    char *buf;

    (void)state;
    assert_non_null(x);
    assert_non_null(y);
    for (k = 0; k < n; k++) {
        x[k] = (double)k;
        y[k] = exp(-(double)k / 20000.0) + 0.01 * sin((double)k);
    }
    lmpviz_panel_add_series(lmpviz_figure_panel(fig, 0, 0), x, y, n, &st, NULL);
    tmpdir_make(&t);
    snprintf(path, sizeof path, "%s/long.svg", t.path);
    assert_int_equal(lmpviz_figure_save(fig, path, NULL), LMPVIZ_OK);
    buf = read_all(path, &len);
    assert_true(len < 400000);
    assert_int_equal(svg_count_paths(buf, st.color, 40.0), 1);
    free(buf);
    free(x);
    free(y);
    lmpviz_figure_destroy(fig);
    tmpdir_remove(&t);
}

/* ------------------------------------------------------------------------
 * Curves
 */

static void
test_curve_compute_matches_reference(void **state)
{
    float loss[200];
    lmp_params prm[3] = { LMP_PARAMS_INIT, LMP_PARAMS_INIT, LMP_PARAMS_INIT };
    lmpviz_curve_data d;
    uint64_t seed = test_seed();
    size_t k, s;

    (void)state;
    for (k = 0; k < 200; k++)
        loss[k] = (float)(-log(1.0 - test_rand_unit(&seed)));
    prm[1].p = 2.0;
    prm[1].m = 0.25;
    prm[2].p = INFINITY;
    assert_int_equal(lmpviz_curve_compute(loss, 200, prm, 3, &d, NULL), LMPVIZ_OK);
    assert_int_equal(d.n, 200);
    assert_int_equal(d.n_series, 3);
    for (k = 1; k < 200; k++)
        assert_true(d.loss[k - 1] >= d.loss[k]);
    for (s = 0; s < 3; s++) {
        float ref[200];
        lmp_result r;
        assert_int_equal(lmp_solve_sorted(d.loss, NULL, 200, &prm[s], ref, &r), LMP_OK);
        for (k = 0; k < 200; k++)
            assert_true(fabs(d.series[s].weight[k] - ref[k]) <= WEIGHT_RTOL * fabs(ref[k]) + 1e-9);
        assert_true(fabs(d.series[s].result.tau - r.tau) < 1e-12);
        /* sorted losses give non-increasing weights */
        for (k = 1; k < 200; k++)
            assert_true(d.series[s].weight[k - 1] >= d.series[s].weight[k]);
    }
    for (k = 0; k < 200; k++)
        assert_true(fabs(d.series[2].weight[k] - 1.0 / 200) < 1e-7);
    lmpviz_curve_data_free(&d);
    lmpviz_curve_data_free(&d); /* zeroed: safe */
}

static void
test_curve_compute_errors(void **state)
{
    float loss[3] = { 1.0f, -1.0f, 2.0f };
    lmp_params prm = LMP_PARAMS_INIT;
    lmpviz_curve_data d;
    lmpviz_err err;

    (void)state;
    assert_int_equal(lmpviz_curve_compute(loss, 3, &prm, 1, &d, &err), LMPVIZ_ERR_SOLVER);
    assert_non_null(strstr(err.msg, "loss 1"));
    assert_null(d.loss);
    loss[1] = NAN;
    assert_int_equal(lmpviz_curve_compute(loss, 3, &prm, 1, &d, &err), LMPVIZ_ERR_SOLVER);
    loss[1] = 1.0f;
    assert_int_equal(lmpviz_curve_compute(loss, 0, &prm, 1, &d, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(lmpviz_curve_compute(loss, 3, &prm, 0, &d, &err), LMPVIZ_ERR_INVALID_ARG);
    prm.p = 0.5;
    assert_int_equal(lmpviz_curve_compute(loss, 3, &prm, 1, &d, &err), LMPVIZ_ERR_SOLVER);
    assert_null(d.series);
}

/* p = inf: every weight is 1/n, so the curve covers the uniform line. */
static void
test_curve_pinf_on_uniform(void **state)
{
    float loss[100];
    lmp_params prm = LMP_PARAMS_INIT;
    lmpviz_curve_data d;
    lmpviz_figure *fig = lmpviz_figure_create(800, 500, 100, 1, 1);
    lmpviz_panel *pn = lmpviz_figure_panel(fig, 0, 0);
    lmpviz_color c = lmpviz_palette_color(0);
    tmpdir t;
    char path[128];
    image im;
    double px, py;
    unsigned x, y;
    size_t on = 0;

    (void)state;
    assert_int_equal(lmpviz_profile_generate(LMPVIZ_DIST_EXPONENTIAL, 100, 7, loss), LMPVIZ_OK);
    prm.p = INFINITY;
    assert_int_equal(lmpviz_curve_compute(loss, 100, &prm, 1, &d, NULL), LMPVIZ_OK);
    lmpviz_curve_panel(pn, &d, NULL);
    tmpdir_make(&t);
    snprintf(path, sizeof path, "%s/pinf.png", t.path);
    assert_int_equal(lmpviz_figure_save(fig, path, NULL), LMPVIZ_OK);
    assert_int_equal(lmpviz_panel_to_pixel(pn, 50.0, 0.01, &px, &py), LMPVIZ_OK);
    image_load(path, &im);
    /* Rows where the series colour spans most of the axes (the curve, not
     * the 26 pt legend sample) are the row of 1/n. */
    {
        double ax, ay, aw, ah;
        assert_int_equal(lmpviz_panel_area(pn, &ax, &ay, &aw, &ah), LMPVIZ_OK);
        for (y = (unsigned)ay + 1; y < (unsigned)(ay + ah); y++) {
            size_t run = 0;
            for (x = (unsigned)ax + 1; x < (unsigned)(ax + aw); x++)
                run += (size_t)pixel_is(&im, x, y, c, COLOR_TOL);
            if (run > aw / 2) {
                assert_true(fabs((double)y + 0.5 - py) < 2.5);
                on += run;
            }
        }
    }
    assert_true(on > 300); /* the line spans the axes */
    free(im.px);
    lmpviz_curve_data_free(&d);
    lmpviz_figure_destroy(fig);
    tmpdir_remove(&t);
}

static void
test_curve_views_and_csv(void **state)
{
    float loss[50];
    lmp_params prm[2] = { LMP_PARAMS_INIT, LMP_PARAMS_INIT };
    lmpviz_curve_data d;
    const lmpviz_curve_data *sets[1];
    lmpviz_curve_opts opts;
    tmpdir t;
    char path[128], line[256];
    FILE *f;
    size_t row = 0, v;

    (void)state;
    assert_int_equal(lmpviz_profile_generate(LMPVIZ_DIST_GAMMA, 50, 3, loss), LMPVIZ_OK);
    prm[1].p = 1.0;
    assert_int_equal(lmpviz_curve_compute(loss, 50, prm, 2, &d, NULL), LMPVIZ_OK);
    tmpdir_make(&t);
    for (v = 0; v < 3; v++) {
        lmpviz_figure *fig = lmpviz_figure_create(500, 300, 100, 1, 1);
        memset(&opts, 0, sizeof opts);
        opts.view = (lmpviz_curve_view)v;
        opts.logy = v == 1;
        lmpviz_curve_panel(lmpviz_figure_panel(fig, 0, 0), &d, &opts);
        snprintf(path, sizeof path, "%s/v%zu.png", t.path, v);
        assert_int_equal(lmpviz_figure_save(fig, path, NULL), LMPVIZ_OK);
        lmpviz_figure_destroy(fig);
    }
    sets[0] = &d;
    snprintf(path, sizeof path, "%s/c.csv", t.path);
    assert_int_equal(lmpviz_curve_write_csv(sets, 1, path, NULL), LMPVIZ_OK);
    f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "rank,loss,w_p1.5_m0.1,w_p1_m0.1\n");
    while (fgets(line, sizeof line, f) != NULL) {
        size_t rank;
        float l, w0, w1;
        assert_int_equal(sscanf(line, "%zu,%g,%g,%g", &rank, &l, &w0, &w1), 4);
        assert_int_equal(rank, row + 1);
        assert_true(l == d.loss[row]);
        assert_true(w0 == d.series[0].weight[row]);
        assert_true(w1 == d.series[1].weight[row]);
        row++;
    }
    assert_int_equal(row, 50);
    fclose(f);
    lmpviz_curve_data_free(&d);
    tmpdir_remove(&t);
}

static void
test_sample_reproducible(void **state)
{
    float src[1000], a[100], b[100], c[100];
    size_t k, j;
    (void)state;
    for (k = 0; k < 1000; k++)
        src[k] = (float)k;
    assert_int_equal(lmpviz_sample_float(src, 1000, 100, 5, a), LMPVIZ_OK);
    assert_int_equal(lmpviz_sample_float(src, 1000, 100, 5, b), LMPVIZ_OK);
    assert_int_equal(lmpviz_sample_float(src, 1000, 100, 6, c), LMPVIZ_OK);
    assert_memory_equal(a, b, sizeof a);
    assert_memory_not_equal(a, c, sizeof a);
    for (k = 1; k < 100; k++)
        assert_true(a[k] > a[k - 1]); /* distinct, input order */
    for (k = 0; k < 100; k++) {
        j = (size_t)a[k];
        assert_true(j < 1000 && src[j] == a[k]);
    }
    assert_int_equal(lmpviz_sample_float(src, 10, 11, 5, a), LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(lmpviz_sample_float(src, 10, 0, 5, a), LMPVIZ_ERR_INVALID_ARG);
}

/* ------------------------------------------------------------------------
 * Region
 */

static double
pnorm(double p, double x, double y)
{
    if (isinf(p))
        return fmax(x, y);
    return pow(pow(x, p) + pow(y, p), 1.0 / p);
}

static void
test_region_boundary(void **state)
{
    static const double ps[] = { 1.0, 1.2, 1.5, 2.0, 3.0, 10.0, INFINITY };
    static const double ms[] = { 0.5, 0.6, 0.75, 0.9, 1.0 };
    double x[64 + 4], y[64 + 4];
    size_t i, j, k, n;
    (void)state;
    for (i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        for (j = 0; j < sizeof ms / sizeof ms[0]; j++) {
            double p = ps[i], m = ms[j];
            double m_px = fmin(fmax(2.0 * m, 1.0), 2.0);
            double gamma = isinf(p) ? 0.5 : pow(2.0, 1.0 / p - 1.0);
            double tau = isinf(p) ? 0.5 : gamma * pow(m_px, -1.0 / p);
            int on_ball = 0;
            assert_int_equal(lmpviz_region_boundary(p, m, 64, x, y, &n), LMPVIZ_OK);
            assert_true(n >= 4 && n <= 68);
            assert_true(x[0] == 0.0 && y[0] == 0.0);
            for (k = 0; k < n; k++) {
                /* feasible: in the p-ball and under the cap */
                assert_true(pnorm(p, x[k], y[k]) <= gamma * (1 + 1e-9));
                assert_true(x[k] <= tau * (1 + 1e-9) && y[k] <= tau * (1 + 1e-9));
                assert_true(x[k] >= 0.0 && y[k] >= 0.0);
                if (fabs(pnorm(p, x[k], y[k]) - gamma) < 1e-9 * gamma)
                    on_ball = 1;
            }
            /* the boundary touches the ball (the uniform point at least) */
            assert_true(on_ball);
        }
    }
    /* m = 1 (m_px = 2): the square [0, 1/2]^2 for every p */
    assert_int_equal(lmpviz_region_boundary(1.5, 1.0, 64, x, y, &n), LMPVIZ_OK);
    assert_int_equal(n, 4);
    assert_true(fabs(x[2] - 0.5) < 1e-12 && fabs(y[2] - 0.5) < 1e-12);
    assert_int_equal(lmpviz_region_boundary(0.5, 0.5, 64, x, y, &n), LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(lmpviz_region_boundary(2.0, 0.0, 64, x, y, &n), LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(lmpviz_region_boundary(2.0, 1.5, 64, x, y, &n), LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(lmpviz_region_boundary(2.0, 0.5, 1, x, y, &n), LMPVIZ_ERR_INVALID_ARG);
}

static void
test_region_panel(void **state)
{
    static const double ps[] = { 1.0, 1.5, 2.0, INFINITY };
    lmpviz_figure *fig = lmpviz_figure_create(900, 560, 100, 1, 1);
    lmpviz_panel *pn = lmpviz_figure_panel(fig, 0, 0);
    lmpviz_region_opts o;
    tmpdir t;
    char path[128];
    image im;
    size_t i;
    double ux, uy, ox, oy;
    lmpviz_err err;

    (void)state;
    memset(&o, 0, sizeof o);
    o.p = ps;
    o.n_p = 4;
    o.m = 0.5;
    o.have_losses = 1;
    o.losses[0] = 2.0;
    o.losses[1] = 1.0;
    lmpviz_region_panel(pn, &o);
    tmpdir_make(&t);
    snprintf(path, sizeof path, "%s/r.png", t.path);
    assert_int_equal(lmpviz_figure_save(fig, path, NULL), LMPVIZ_OK);
    image_load(path, &im);
    for (i = 0; i < 4; i++)
        assert_true(count_color(&im, lmpviz_palette_color(i), COLOR_TOL) > 30);
    /* equal aspect: (1/2, 1/2) is as far right of the origin as above it */
    assert_int_equal(lmpviz_panel_to_pixel(pn, 0.0, 0.0, &ox, &oy), LMPVIZ_OK);
    assert_int_equal(lmpviz_panel_to_pixel(pn, 0.5, 0.5, &ux, &uy), LMPVIZ_OK);
    assert_true(fabs((ux - ox) - (oy - uy)) < 1e-6);
    /* the uniform marker is black */
    assert_true(pixel_is(&im, lround(ux), lround(uy), lmpviz_color_hex(0), 30));
    free(im.px);
    lmpviz_figure_destroy(fig);

    /* Bad options are the figure's failure, with a message. */
    fig = lmpviz_figure_create(400, 300, 100, 1, 1);
    o.losses[0] = -1.0;
    lmpviz_region_panel(lmpviz_figure_panel(fig, 0, 0), &o);
    assert_int_equal(lmpviz_figure_status(fig), LMPVIZ_ERR_INVALID_ARG);
    assert_non_null(strstr(lmpviz_figure_error(fig), "losses"));
    lmpviz_figure_destroy(fig);
    fig = lmpviz_figure_create(400, 300, 100, 1, 1);
    o.losses[0] = 1.0;
    o.m = 0.0;
    lmpviz_region_panel(lmpviz_figure_panel(fig, 0, 0), &o);
    assert_int_equal(lmpviz_figure_status(fig), LMPVIZ_ERR_INVALID_ARG);
    memset(&err, 0, sizeof err);
    assert_int_equal(lmpviz_figure_save(fig, "never.png", &err), LMPVIZ_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "m in (0, 1]"));
    lmpviz_figure_destroy(fig);
    tmpdir_remove(&t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_palette),
        cmocka_unit_test(test_format_from_path),
        cmocka_unit_test(test_figure_create_invalid),
        cmocka_unit_test(test_add_invalid),
        cmocka_unit_test(test_nil_figure),
        cmocka_unit_test(test_png_size_colors_and_dashed_row),
        cmocka_unit_test(test_legend_hides_no_data),
        cmocka_unit_test(test_svg_and_pdf),
        cmocka_unit_test(test_save_failures_leave_no_file),
        cmocka_unit_test(test_log_axis),
        cmocka_unit_test(test_layout_stable),
        cmocka_unit_test(test_font_has_symbols),
        cmocka_unit_test(test_long_series_decimated),
        cmocka_unit_test(test_curve_compute_matches_reference),
        cmocka_unit_test(test_curve_compute_errors),
        cmocka_unit_test(test_curve_pinf_on_uniform),
        cmocka_unit_test(test_curve_views_and_csv),
        cmocka_unit_test(test_sample_reproducible),
        cmocka_unit_test(test_region_boundary),
        cmocka_unit_test(test_region_panel),
    };

    return cmocka_run_group_tests(tests, NULL, remove_live_dirs);
}
