/* lmpviz curve: optimal LMP weights over pixels sorted by decreasing loss. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_commands.h"
#include "lmp.h"
#include "lmpviz.h"
#include "lmpviz_private.h"

#define CMD "curve"

#define CURVE_MAX_LIST    16
#define CURVE_MAX_SERIES  64
#define CURVE_DEFAULT_W   800
#define CURVE_DEFAULT_H   500
#define PAPER_DEFAULT_W   1300
#define PAPER_DEFAULT_H   500
#define CURVE_DEFAULT_OUT "lmp_curve.png"

/* The two panels of `--figure paper` (the paper's Figure 2): p swept at a
 * fixed m, and m swept at a fixed p.  p = inf and m = 1 are the uniform
 * weights 1/n. */
static const double paper_p[] = { 1.0, 1.3, 1.5, 2.0, INFINITY };
static const double paper_m[] = { 0.05, 0.1, 0.25, 1.0 };
#define PAPER_FIXED_M 0.1
#define PAPER_FIXED_P 1.5

static void
usage(FILE *out)
{
    fprintf(
        out,
        "Usage: lmpviz curve [--p LIST] [--m LIST | --m-pixels LIST] [--figure paper]\n"
        "                    [--n N | --losses FILE.npy [--sample N]] [--dist NAME] [--seed S]\n"
        "                    [--logy] [--scaled | --cumulative] [--size WxH] [--dpi D]\n"
        "                    [--title TEXT] [-o FILE.png|.svg|.pdf] [--csv FILE.csv]\n"
        "\n"
        "Plots the optimal LMP weights w* over the pixels sorted by decreasing loss,\n"
        "one curve per (p, m) combination, with the uniform weight 1/n as a dashed\n"
        "line and the cap tau marked (a dotted line for one curve, a dot where each\n"
        "curve leaves the cap for several).\n"
        "\n"
        "Options:\n"
        "  --p LIST          norm exponents >= 1 or inf, comma-separated (default 1.5)\n"
        "  --m LIST          support as fractions in (0, 1] (default 0.1);\n"
        "                    m_px = clamp(m n, 1, n)\n"
        "  --m-pixels LIST   support as pixel counts >= 1 (instead of --m)\n"
        "  --figure paper    the two panels of the paper's Figure 2: left p = 1, 1.3,\n"
        "                    1.5, 2, inf at m = %g (or a single --m); right m = 0.05,\n"
        "                    0.1, 0.25, 1 at p = %g (or a single --p).  p = inf and\n"
        "                    m = 1 give the uniform weights\n"
        "  --n N             pixels of the generated profile (default %d)\n"
        "  --losses FILE.npy real losses (every element of the array, any shape)\n"
        "  --sample N        with --losses: N of them drawn without replacement\n"
        "                    (GSL mt19937, --seed), reproducible\n"
        "  --dist NAME       generated losses: exponential (default), lognormal,\n"
        "                    gamma, uniform, halfnormal (GSL distributions)\n"
        "  --seed S          seed of the generator and of --sample (default %lu)\n"
        "  --logy            logarithmic weight axis (zero weights are not drawn)\n"
        "  --scaled          plot n w, so that uniform = 1\n"
        "  --cumulative      plot the share of the total weight held by the top k\n"
        "                    pixels (uniform: k/n)\n"
        "  --size WxH        image size in pixels (default %dx%d, paper %dx%d)\n"
        "  --dpi D           dots per inch (default %g): text is sized in points, so a\n"
        "                    larger dpi at the same size gives larger text\n"
        "  --title TEXT      replace the title\n"
        "  -o, --output FILE output file; the format follows the extension\n"
        "                    (default %s)\n"
        "  --csv FILE        also write rank, loss and one weight column per curve\n"
        "                    (the weights w*, whatever the view)\n"
        "  -h, --help        show this help\n",
        PAPER_FIXED_M, PAPER_FIXED_P, LMPVIZ_PROFILE_N, LMPVIZ_PROFILE_SEED, CURVE_DEFAULT_W,
        CURVE_DEFAULT_H, PAPER_DEFAULT_W, PAPER_DEFAULT_H, LMPVIZ_DPI_DEFAULT, CURVE_DEFAULT_OUT);
}

static cli_parse_result
parse_seed(const char *cmd, const char *text, unsigned long *out)
{
    char *end = NULL;
    unsigned long v;

    errno = 0;
    if (text == NULL || *text < '0' || *text > '9')
        goto bad;
    v = strtoul(text, &end, 10);
    if (errno != 0 || *end != '\0')
        goto bad;
    *out = v;
    return CLI_PARSE_OK;
bad:
    return cli_parse_error(cmd, "--seed: expected a whole number >= 0, got \"%s\"",
                           text ? text : "");
}

enum {
    OPT_P = 256,
    OPT_M,
    OPT_M_PIXELS,
    OPT_FIGURE,
    OPT_N,
    OPT_LOSSES,
    OPT_SAMPLE,
    OPT_DIST,
    OPT_SEED,
    OPT_LOGY,
    OPT_SCALED,
    OPT_CUMULATIVE,
    OPT_SIZE,
    OPT_DPI,
    OPT_TITLE,
    OPT_CSV
};

/* The checks of the options taken together. */
static cli_parse_result
check_args(const char *cmd, void *ctx)
{
    const cli_curve_args *a = ctx;

    if (cli_check_output(cmd, a->output) != CLI_PARSE_OK)
        return CLI_PARSE_USAGE;
    if (a->csv != NULL && a->csv[0] == '\0')
        return cli_parse_error(cmd, "--csv: expected a file name");
    if (a->n_m > 0 && a->n_m_px > 0)
        return cli_parse_error(cmd, "--m and --m-pixels: give one of them");
    if (a->losses != NULL && a->have_n)
        return cli_parse_error(cmd,
                               "--n: applies to generated losses; with --losses use --sample N");
    if (a->losses != NULL && a->have_dist)
        return cli_parse_error(cmd, "--dist: applies to generated losses, not to --losses");
    if (a->losses == NULL && a->sample > 0)
        return cli_parse_error(cmd,
                               "--sample: needs --losses FILE.npy (use --n for generated losses)");
    if (a->scaled && a->cumulative)
        return cli_parse_error(cmd, "--scaled and --cumulative: give one of them");
    if (a->paper && (a->n_p > 1 || a->n_m > 1 || a->n_m_px > 0))
        return cli_parse_error(cmd, "--figure paper: sweeps its own values; give at most one --p "
                                    "(right panel) and one --m (left panel)");
    if (a->n_p * (a->n_m_px > 0 ? a->n_m_px : (a->n_m > 0 ? a->n_m : 1)) > CURVE_MAX_SERIES)
        return cli_parse_error(cmd, "--p and --m: at most %d combinations", CURVE_MAX_SERIES);
    return CLI_PARSE_OK;
}

/* A list option (--p, --m, --m-pixels): the last one given counts. */
static cli_parse_result
parse_list(const char *cmd,
           const char *opt,
           const char *text,
           cli_parse_result (*parse_one)(const char *, const char *, const char *, double *),
           double **out,
           size_t *count)
{
    free(*out);
    return cli_parse_list(cmd, opt, text, parse_one, out, count, CURVE_MAX_LIST);
}

/* The option c with its argument text. */
static cli_parse_result
parse_opt(const char *cmd, int c, const char *text, void *ctx)
{
    cli_curve_args *a = ctx;

    switch (c) {
    case OPT_P:
        return parse_list(cmd, "--p", text, cli_parse_p, &a->p, &a->n_p);
    case OPT_M:
        return parse_list(cmd, "--m", text, cli_parse_m, &a->m, &a->n_m);
    case OPT_M_PIXELS:
        return parse_list(cmd, "--m-pixels", text, cli_parse_m_pixels, &a->m_px, &a->n_m_px);
    case OPT_FIGURE:
        if (strcmp(text, "paper") != 0)
            return cli_parse_error(cmd, "--figure: expected \"paper\", got \"%s\"", text);
        a->paper = 1;
        break;
    case OPT_N:
        a->have_n = 1;
        return cli_parse_size(cmd, "--n", text, &a->n);
    case OPT_LOSSES:
        a->losses = text;
        break;
    case OPT_SAMPLE:
        return cli_parse_size(cmd, "--sample", text, &a->sample);
    case OPT_DIST:
        if (lmpviz_dist_parse(text, &a->dist) != LMPVIZ_OK)
            return cli_parse_error(cmd,
                                   "--dist: expected exponential, lognormal, gamma, uniform "
                                   "or halfnormal, got \"%s\"",
                                   text);
        a->have_dist = 1;
        break;
    case OPT_SEED:
        return parse_seed(cmd, text, &a->seed);
    case OPT_LOGY:
        a->logy = 1;
        break;
    case OPT_SCALED:
        a->scaled = 1;
        break;
    case OPT_CUMULATIVE:
        a->cumulative = 1;
        break;
    case OPT_SIZE:
        a->have_size = 1;
        return cli_parse_wh(cmd, text, 64, 64, &a->width, &a->height);
    case OPT_DPI:
        return cli_parse_dpi(cmd, text, &a->dpi);
    case OPT_TITLE:
        a->title = text;
        break;
    case OPT_CSV:
        a->csv = text;
        break;
    default:
        a->output = text; /* 'o' */
        break;
    }
    return CLI_PARSE_OK;
}

cli_parse_result
cli_curve_parse(const char *cmd, int argc, char **argv, cli_curve_args *a)
{
    static const struct option longopts[] = {
        { "p", required_argument, NULL, OPT_P },
        { "m", required_argument, NULL, OPT_M },
        { "m-pixels", required_argument, NULL, OPT_M_PIXELS },
        { "figure", required_argument, NULL, OPT_FIGURE },
        { "n", required_argument, NULL, OPT_N },
        { "losses", required_argument, NULL, OPT_LOSSES },
        { "sample", required_argument, NULL, OPT_SAMPLE },
        { "dist", required_argument, NULL, OPT_DIST },
        { "seed", required_argument, NULL, OPT_SEED },
        { "logy", no_argument, NULL, OPT_LOGY },
        { "scaled", no_argument, NULL, OPT_SCALED },
        { "cumulative", no_argument, NULL, OPT_CUMULATIVE },
        { "size", required_argument, NULL, OPT_SIZE },
        { "dpi", required_argument, NULL, OPT_DPI },
        { "title", required_argument, NULL, OPT_TITLE },
        { "output", required_argument, NULL, 'o' },
        { "csv", required_argument, NULL, OPT_CSV },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    static const cli_options o = {
        ":o:h", longopts, usage, parse_opt, check_args, "unknown option"
    };

    a->n = LMPVIZ_PROFILE_N;
    a->dist = LMPVIZ_PROFILE_DIST;
    a->seed = LMPVIZ_PROFILE_SEED;
    a->dpi = LMPVIZ_DPI_DEFAULT;
    a->output = CURVE_DEFAULT_OUT;
    return cli_parse_options(cmd, argc, argv, &o, a);
}

/* The losses to plot: from the .npy (all or a sample) or generated. */
static int
load_losses(const char *cmd, const cli_curve_args *a, float **out, size_t *n)
{
    lmpviz_err err;
    lmpviz_status st;
    lmpviz_array arr;

    *out = NULL;
    *n = 0;
    memset(&err, 0, sizeof err);
    if (a->losses == NULL) {
        float *v = lmpviz_big_alloc(a->n * sizeof *v);
        if (v == NULL) {
            cli_error(cmd, "out of memory for %zu losses", a->n);
            return CLI_EXIT_FAILURE;
        }
        st = lmpviz_profile_generate(a->dist, a->n, a->seed, v);
        if (st != LMPVIZ_OK) {
            lmpviz_big_free(v);
            cli_error(cmd, "cannot generate %s losses: %s", lmpviz_dist_name(a->dist),
                      lmpviz_status_string(st));
            return CLI_EXIT_FAILURE;
        }
        *out = v;
        *n = a->n;
        return 0;
    }
    memset(&arr, 0, sizeof arr);
    st = lmpviz_npy_read_float(a->losses, &arr, &err);
    if (st != LMPVIZ_OK) {
        cli_error(cmd, "%s: %s", a->losses, err.msg[0] ? err.msg : lmpviz_status_string(st));
        return CLI_EXIT_FAILURE;
    }
    cli_warn_tiny(cmd, a->losses, &arr);
    if (arr.count == 0) {
        lmpviz_array_free(&arr);
        cli_error(cmd, "%s: expected at least one loss, got an empty array", a->losses);
        return CLI_EXIT_FAILURE;
    }
    if (a->sample == 0) {
        *out = arr.data;
        *n = arr.count;
        arr.data = NULL;
        lmpviz_array_free(&arr);
        return 0;
    }
    if (a->sample > arr.count) {
        cli_error(cmd, "%s: --sample %zu: the file holds only %zu losses", a->losses, a->sample,
                  arr.count);
        lmpviz_array_free(&arr);
        return CLI_EXIT_FAILURE;
    }
    *out = lmpviz_big_alloc(a->sample * sizeof **out);
    if (*out == NULL) {
        lmpviz_array_free(&arr);
        cli_error(cmd, "out of memory for %zu losses", a->sample);
        return CLI_EXIT_FAILURE;
    }
    st = lmpviz_sample_float(arr.data, arr.count, a->sample, a->seed, *out);
    lmpviz_array_free(&arr);
    if (st != LMPVIZ_OK) {
        lmpviz_big_free(*out);
        *out = NULL;
        cli_error(cmd, "%s: cannot draw %zu losses: %s", a->losses, a->sample,
                  lmpviz_status_string(st));
        return CLI_EXIT_FAILURE;
    }
    *n = a->sample;
    return 0;
}

/* (p, m) pairs, p varying slowest. */
static size_t
make_params(const double *p, size_t n_p, const double *m, size_t n_m, int pixels, lmp_params *out)
{
    size_t i, j, k = 0;
    for (i = 0; i < n_p; i++) {
        for (j = 0; j < n_m; j++) {
            lmp_params prm = LMP_PARAMS_INIT;
            prm.p = p[i];
            if (pixels)
                prm.m_pixels = m[j];
            else
                prm.m = m[j];
            out[k++] = prm;
        }
    }
    return k;
}

void
cli_curve_args_free(cli_curve_args *a)
{
    free(a->p);
    free(a->m);
    free(a->m_px);
    a->p = a->m = a->m_px = NULL;
}

int
cli_curve_count(const char *cmd, const cli_curve_args *a, size_t *n, size_t *n_series)
{
    size_t n_m = a->n_m_px > 0 ? a->n_m_px : (a->n_m > 0 ? a->n_m : 1);

    *n_series = a->paper ? sizeof paper_p / sizeof paper_p[0] + sizeof paper_m / sizeof paper_m[0]
                         : (a->n_p > 0 ? a->n_p : 1) * n_m;
    *n = a->n;
    if (a->losses != NULL) {
        lmpviz_array hdr;
        lmpviz_err err;
        memset(&err, 0, sizeof err);
        if (lmpviz_npy_read_header(a->losses, &hdr, &err) != LMPVIZ_OK) {
            cli_error(cmd, "%s: %s", a->losses, err.msg);
            return CLI_EXIT_FAILURE;
        }
        *n = a->sample > 0 ? a->sample : hdr.count;
    }
    return 0;
}

/* Before anything is generated, read or solved: the memory it all takes,
 * as solve checks it.  Per loss: the losses and their sorted copy (4 + 4
 * bytes), the solver's scratch (8) and the x and y of the drawing (16);
 * per loss and curve: its weights (4) and the figure's copy of its points
 * (16).  A .npy is read whole, up to 8 bytes a value, even for --sample. */
static int
curve_mem_check(const char *cmd, const cli_curve_args *a)
{
    unsigned long long per, bytes, file_bytes = 0;
    size_t n, n_series;
    lmpviz_err err;
    char what[96];
    int rc;

    rc = cli_curve_count(cmd, a, &n, &n_series);
    if (rc != 0)
        return rc;
    if (a->losses != NULL && a->sample > 0) {
        lmpviz_array hdr;
        if (lmpviz_npy_read_header(a->losses, &hdr, NULL) == LMPVIZ_OK)
            file_bytes = hdr.count > ULLONG_MAX / 8 ? ULLONG_MAX : 8ULL * hdr.count;
    }
    per = 32ULL + 20ULL * n_series;
    bytes = n > (ULLONG_MAX - file_bytes) / per ? ULLONG_MAX : n * per + file_bytes;
    snprintf(what, sizeof what, "%zu losses and %zu curve%s", n, n_series,
             n_series == 1 ? "" : "s");
    memset(&err, 0, sizeof err);
    if (lmpviz_mem_check(bytes, what, &err) != LMPVIZ_OK) {
        if (a->losses != NULL)
            cli_error(cmd, "%s: %s", a->losses, err.msg);
        else
            cli_error(cmd, "--n %zu: %s", a->n, err.msg);
        return CLI_EXIT_FAILURE;
    }
    return 0;
}

/* The data sets of out's losses: one, or the two panels of --figure
 * paper; sets out->n_sets. */
static lmpviz_status
compute_sets(const cli_curve_args *a, cli_curve_fig *out, lmpviz_err *err)
{
    lmp_params params[CURVE_MAX_SERIES];
    lmpviz_curve_data *data = out->data;
    double def_p = PAPER_FIXED_P, def_m = PAPER_FIXED_M;
    lmpviz_status st;
    size_t k;

    if (a->paper) {
        double fixed_m = a->n_m == 1 ? a->m[0] : PAPER_FIXED_M;
        double fixed_p = a->n_p == 1 ? a->p[0] : PAPER_FIXED_P;
        k = make_params(paper_p, sizeof paper_p / sizeof paper_p[0], &fixed_m, 1, 0, params);
        st = lmpviz_curve_compute(out->loss, out->n, params, k, &data[0], err);
        if (st == LMPVIZ_OK) {
            k = make_params(&fixed_p, 1, paper_m, sizeof paper_m / sizeof paper_m[0], 0, params);
            st = lmpviz_curve_compute(out->loss, out->n, params, k, &data[1], err);
        }
        out->n_sets = 2;
    } else {
        const double *pl = a->n_p ? a->p : &def_p;
        size_t npl = a->n_p ? a->n_p : 1;
        if (a->n_m_px > 0)
            k = make_params(pl, npl, a->m_px, a->n_m_px, 1, params);
        else
            k = make_params(pl, npl, a->n_m ? a->m : &def_m, a->n_m ? a->n_m : 1, 0, params);
        st = lmpviz_curve_compute(out->loss, out->n, params, k, &data[0], err);
        out->n_sets = 1;
    }
    return st;
}

/* The figure of out's data sets (the default size unless --size); 0, or
 * CLI_EXIT_FAILURE after printing why. */
static int
make_figure(const char *cmd, cli_curve_args *a, cli_curve_fig *out, const lmpviz_curve_opts *view)
{
    lmpviz_curve_opts opts = *view;
    lmpviz_curve_data *data = out->data;
    size_t n_sets = out->n_sets, i;
    lmpviz_figure *fig;

    if (!a->have_size) {
        a->width = a->paper ? PAPER_DEFAULT_W : CURVE_DEFAULT_W;
        a->height = a->paper ? PAPER_DEFAULT_H : CURVE_DEFAULT_H;
    }
    fig = lmpviz_figure_create(a->width, a->height, a->dpi, 1, n_sets);
    if (a->paper) {
        char title[256];
        if (a->title != NULL)
            snprintf(title, sizeof title, "%s", a->title);
        else if (a->losses != NULL)
            snprintf(title, sizeof title, "Optimal LMP weights over %zu pixels of %s", out->n,
                     a->losses);
        else
            snprintf(title, sizeof title,
                     "Optimal LMP weights over %zu pixels (%s losses, seed %lu)", out->n,
                     lmpviz_dist_name(a->dist), a->seed);
        lmpviz_figure_set_title(fig, title);
    } else {
        opts.title = a->title;
    }
    for (i = 0; i < n_sets; i++) {
        char panel_title[128];
        if (a->paper && i == 0) {
            snprintf(panel_title, sizeof panel_title, "varying p at m = %g (%.4g px)",
                     data[0].series[0].params.m, data[0].series[0].result.m_px);
            opts.title = panel_title;
        } else if (a->paper) {
            if (isinf(data[1].series[0].params.p))
                snprintf(panel_title, sizeof panel_title, "varying m at p = ∞");
            else
                snprintf(panel_title, sizeof panel_title, "varying m at p = %g",
                         data[1].series[0].params.p);
            opts.title = panel_title;
        }
        lmpviz_curve_panel(lmpviz_figure_panel(fig, 0, i), &data[i], &opts);
    }
    if (lmpviz_figure_status(fig) != LMPVIZ_OK) {
        cli_error(cmd, "%s", lmpviz_figure_error(fig));
        lmpviz_figure_destroy(fig);
        return CLI_EXIT_FAILURE;
    }
    out->fig = fig;
    return 0;
}

int
cli_curve_build(const char *cmd, cli_curve_args *a, cli_curve_fig *out)
{
    lmpviz_curve_opts opts;
    lmpviz_err err;
    lmpviz_status st;
    int rc;

    memset(out, 0, sizeof *out);
    memset(&err, 0, sizeof err);
    rc = curve_mem_check(cmd, a);
    if (rc != 0)
        return rc;
    rc = load_losses(cmd, a, &out->loss, &out->n);
    if (rc != 0)
        return rc;

    memset(&opts, 0, sizeof opts);
    opts.view = a->cumulative ? LMPVIZ_CURVE_CUMULATIVE
                              : (a->scaled ? LMPVIZ_CURVE_SCALED : LMPVIZ_CURVE_WEIGHTS);
    opts.logy = a->logy;
    out->view = opts.view;

    st = compute_sets(a, out, &err);
    if (st != LMPVIZ_OK) {
        cli_error(cmd, "%s: %s", a->losses ? a->losses : "generated losses", err.msg);
        rc = CLI_EXIT_FAILURE;
        goto fail;
    }
    rc = make_figure(cmd, a, out, &opts);
    if (rc != 0)
        goto fail;
    return 0;

fail:
    cli_curve_fig_free(out);
    return rc;
}

void
cli_curve_fig_free(cli_curve_fig *f)
{
    lmpviz_figure_destroy(f->fig);
    lmpviz_curve_data_free(&f->data[0]);
    lmpviz_curve_data_free(&f->data[1]);
    lmpviz_big_free(f->loss); /* from load_losses: lmpviz_big_alloc or an array's data */
    memset(f, 0, sizeof *f);
}

int
cmd_curve(int argc, char **argv)
{
    cli_curve_args a;
    cli_curve_fig cf;
    const lmpviz_curve_data *sets[2];
    lmpviz_err err;
    lmpviz_status st;
    cli_parse_result pr;
    int rc;

    memset(&a, 0, sizeof a);
    memset(&cf, 0, sizeof cf);
    memset(&err, 0, sizeof err);
    pr = cli_curve_parse(CMD, argc, argv, &a);
    if (pr != CLI_PARSE_OK) {
        rc = cli_parse_exit(pr);
        goto cleanup;
    }
    {
        const cli_file in = { "--losses", a.losses };
        const cli_file out[] = { { "-o", a.output }, { "--csv", a.csv } };
        rc = cli_check_files(CMD, &in, 1, out, 2);
        if (rc != 0)
            goto cleanup;
    }
    rc = cli_curve_build(CMD, &a, &cf);
    if (rc != 0)
        goto cleanup;
    sets[0] = &cf.data[0];
    sets[1] = &cf.data[1];
    /* The CSV first: when the figure then fails, the CSV is removed, so a
     * failed run leaves no file behind. */
    if (a.csv != NULL) {
        st = lmpviz_curve_write_csv(sets, cf.n_sets, a.csv, &err);
        if (st != LMPVIZ_OK) {
            cli_error(CMD, "%s: %s", a.csv, err.msg[0] ? err.msg : lmpviz_status_string(st));
            rc = CLI_EXIT_FAILURE;
            goto cleanup;
        }
    }
    st = lmpviz_figure_save(cf.fig, a.output, &err);
    if (st != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", a.output, err.msg[0] ? err.msg : lmpviz_status_string(st));
        if (a.csv != NULL)
            cli_remove_output(a.csv);
        rc = CLI_EXIT_FAILURE;
        goto cleanup;
    }
    printf("%s\n", a.output);
    if (a.csv != NULL)
        printf("%s\n", a.csv);
    rc = CLI_EXIT_OK;

cleanup:
    cli_curve_fig_free(&cf);
    cli_curve_args_free(&a);
    return rc;
}
