/* lmpviz notebook: teaching notebooks (Jupyter) that reproduce the figures of
 * curve, region and heatmap, with the same options as those commands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cmd_notebook_extra.h"
#include "lmp.h"
#include "lmpviz.h"
#include "lmpviz_private.h"
#include "notebook.h"

#define CMD "notebook"

/* Width of the heatmap figure stored in the notebook unless --width is given:
 * a downscaled overlay keeps the notebook small. */
#define NB_HEATMAP_WIDTH 640
#define NB_MAX_ARGS      CLI_NOTEBOOK_MAX_ARGS
#define NB_CMD_LEN       2048

static void
usage(FILE *out)
{
    fprintf(out,
            "Usage: lmpviz notebook --figure NAME [OPTIONS] [-o FILE.ipynb]\n"
            "       lmpviz notebook --all [HEATMAP OPTIONS] -o DIR\n"
            "\n"
            "Writes a Jupyter notebook (nbformat 4.5) for teaching LMP: markdown cells with\n"
            "the mathematics (W, gamma, tau, theta, what p and m do), Python cells (NumPy,\n"
            "matplotlib) that redraw lmpviz's figure from data embedded in the notebook and\n"
            "check a short NumPy solver against lmpviz, sliders for p and m (ipywidgets,\n"
            "when installed) and at least three exercises with folded worked solutions.\n"
            "The figure lmpviz rendered is stored as an output, so the notebook reads well\n"
            "unexecuted.\n"
            "\n"
            "Options:\n"
            "  --figure NAME     curve: `lmpviz curve`; paper: `lmpviz curve --figure paper`;\n"
            "                    region: `lmpviz region`; heatmap: `lmpviz heatmap` for one\n"
            "                    frame (needs --image, --labels and --probs/--logits/--loss);\n"
            "                    compare: `lmpviz compare` as profiles (--losses, or --labels\n"
            "                    with a model output); derivation: the closed form derived\n"
            "                    (KKT, uniqueness of theta, Hoelder, the limits); algorithms:\n"
            "                    the sorted scan and the selection solver, in Python\n"
            "  OPTIONS           the options of that command (see 'lmpviz curve --help',\n"
            "                    ...), except those that write other files or run a split\n"
            "                    (--csv, --stats, --save-weights, --save-loss,\n"
            "                    --cityscapes-root and its options)\n"
            "  -o, --output FILE the notebook (default lmp_NAME.ipynb)\n"
            "  --all             curve, paper and region with their defaults (region with\n"
            "                    --m 0.75 --losses 2,1), derivation and algorithms into DIR\n"
            "                    as lmp_NAME.ipynb; with heatmap options also lmp_heatmap.ipynb\n"
            "                    and lmp_compare.ipynb (on the same labels and model output),\n"
            "                    else those two are skipped with a note.  The figures also go\n"
            "                    to DIR/slides/NAME.svg and NAME.pdf, for a lecture\n"
            "  -h, --help        show this help\n"
            "\n"
            "Curves embed their losses: at most %d (use --sample N with --losses).  The\n"
            "heatmap notebook embeds a %d-pixel-wide overlay (unless --width), the per-class\n"
            "table, an n·w map averaged over blocks, at most %d sampled pixels and the loss\n"
            "map at most %d pixels wide (to redraw the weights for any p and m).  The\n"
            "compare notebook embeds at most %d ranks of the sorted losses.\n",
            LMPNB_MAX_LOSSES, NB_HEATMAP_WIDTH, LMPNB_MAX_SAMPLE, LMPNB_LOSS_MAP_WIDTH,
            LMPNB_COMPARE_POINTS);
}

/* Options of curve, region and heatmap that take a value (so that the value
 * is passed on with them). */
static const char *const value_opts[] = {
    "p",     "m",          "m-pixels", "n",      "losses",     "sample",  "dist",
    "seed",  "size",       "dpi",      "title",  "image",      "labels",  "label-type",
    "probs", "logits",     "loss",     "layout", "cmap",       "scale",   "alpha",
    "dim",   "desaturate", "vmax",     "width",  "max-pixels", "schemes", NULL,
};

/* Options of those commands that write other files or process a split. */
static const char *const refused_opts[] = {
    "csv",         "save-weights", "save-loss", "stats", "cityscapes-root", "pred-dir",
    "pred-suffix", "out-dir",      "split",     "city",  "shard",           "jobs",
    "quiet",       "timing",       "resume",    NULL,
};

static const char *const figure_names[] = {
    "curve", "paper", "region", "heatmap", "compare", "derivation", "algorithms", NULL,
};

static int
in_list(const char *const *list, const char *name, size_t len)
{
    size_t i;
    for (i = 0; list[i] != NULL; i++) {
        if (strlen(list[i]) == len && strncmp(list[i], name, len) == 0)
            return 1;
    }
    return 0;
}

/* Splits argv into notebook's own options and those for the figure's
 * parser; *help is set when -h or --help is among them. */
static cli_parse_result
split_args(const char *cmd, int argc, char **argv, cli_notebook_args *a, int *help)
{
    int i;

    a->pass[a->n_pass++] = (char *)cmd;
    for (i = 1; i < argc; i++) {
        const char *s = argv[i];
        const char *val = NULL;
        if (a->n_pass >= NB_MAX_ARGS)
            return cli_parse_error(cmd, "too many arguments (at most %d)", NB_MAX_ARGS);
        if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
            *help = 1;
        } else if (strcmp(s, "--all") == 0) {
            a->all = 1;
        } else if (strcmp(s, "--figure") == 0 || strncmp(s, "--figure=", 9) == 0) {
            if (s[8] == '=')
                val = s + 9;
            else if (i + 1 < argc)
                val = argv[++i];
            else
                return cli_parse_bad_option(cmd, ':', "--figure", NULL);
            a->figure = val;
        } else if (strcmp(s, "-o") == 0 || strcmp(s, "--output") == 0) {
            if (i + 1 >= argc)
                return cli_parse_bad_option(cmd, ':', s, NULL);
            a->output = argv[++i];
        } else if (strncmp(s, "--output=", 9) == 0) {
            a->output = s + 9;
        } else if (strncmp(s, "-o", 2) == 0) {
            a->output = s + 2;
        } else if (strcmp(s, "--") == 0) {
            while (i < argc && a->n_pass < NB_MAX_ARGS)
                a->pass[a->n_pass++] = argv[i++];
        } else if (strncmp(s, "--", 2) == 0) {
            const char *eq = strchr(s + 2, '=');
            size_t len = eq ? (size_t)(eq - s - 2) : strlen(s + 2);
            if (in_list(refused_opts, s + 2, len))
                return cli_parse_error(
                    cmd,
                    "--%.*s: not available here: a notebook embeds its data and "
                    "writes only the .ipynb (use lmpviz curve or heatmap for it)",
                    (int)len, s + 2);
            a->pass[a->n_pass++] = argv[i];
            if (eq == NULL && in_list(value_opts, s + 2, len) && i + 1 < argc)
                a->pass[a->n_pass++] = argv[++i];
        } else {
            a->pass[a->n_pass++] = argv[i];
        }
    }
    a->pass[a->n_pass] = NULL;
    return CLI_PARSE_OK;
}

/* The checks of notebook's own options; sets the default -o. */
static cli_parse_result
check_args(const char *cmd, cli_notebook_args *a)
{
    const char *ext = ".ipynb";
    size_t len;

    if (a->figure != NULL && a->all)
        return cli_parse_error(cmd, "--figure and --all: give one of them");
    if (a->all) {
        if (a->output == NULL || a->output[0] == '\0')
            return cli_parse_error(cmd, "--all: expected -o DIR, the folder for the notebooks");
        return CLI_PARSE_OK;
    }
    if (a->figure == NULL)
        return cli_parse_error(cmd, "--figure: expected curve, paper, region, heatmap, compare, "
                                    "derivation or algorithms (or --all)");
    if (!in_list(figure_names, a->figure, strlen(a->figure)))
        return cli_parse_error(cmd,
                               "--figure: expected curve, paper, region, heatmap, compare, "
                               "derivation or algorithms, got \"%s\"",
                               a->figure);
    if (a->output == NULL) {
        snprintf(a->default_output, sizeof a->default_output, "lmp_%s.ipynb", a->figure);
        a->output = a->default_output;
    }
    len = strlen(a->output);
    if (!lmpviz_afile_in_place(a->output) &&
        (!cli_ends_with(a->output, ext) || len <= strlen(ext) ||
         a->output[len - strlen(ext) - 1] == '/'))
        return cli_parse_error(cmd, "-o: expected a file name ending in .ipynb, got \"%s\"",
                               a->output);
    return CLI_PARSE_OK;
}

cli_parse_result
cli_notebook_parse(const char *cmd, int argc, char **argv, cli_notebook_args *a)
{
    int help = 0;
    cli_parse_result pr = split_args(cmd, argc, argv, a, &help);

    if (pr != CLI_PARSE_OK)
        return pr;
    if (help) {
        usage(stdout);
        return CLI_PARSE_HELP;
    }
    return check_args(cmd, a);
}

/* "lmpviz NAME [extra] ARGS" with shell quoting where needed. */
static void
command_line(char *buf, size_t len, const char *name, const char *extra, char **args, int n)
{
    size_t used;
    int i;

    snprintf(buf, len, "lmpviz %s%s%s", name, extra ? " " : "", extra ? extra : "");
    for (i = 0; i < n; i++) {
        const char *s = args[i];
        int plain = *s != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789_-+=.,/:@%") == strlen(s);
        used = strlen(buf);
        if (used + 4 >= len)
            return;
        buf[used++] = ' ';
        if (!plain)
            buf[used++] = '\'';
        for (; *s && used + 6 < len; s++) {
            if (*s == '\'' && !plain) {
                memcpy(buf + used, "'\\''", 4);
                used += 4;
            } else {
                buf[used++] = *s;
            }
        }
        if (!plain)
            buf[used++] = '\'';
        buf[used] = '\0';
    }
}

/* Reports a failed notebook build: too much data is a usage error. */
/* 0 when the notebook *nb was built, else the exit status after saying why
 * (and *nb destroyed and NULL). */
static int
nb_failed(lmpnb_notebook **nb)
{
    lmpviz_status st = lmpnb_notebook_status(*nb);
    const char *msg = lmpnb_notebook_error(*nb);
    int rc = CLI_EXIT_FAILURE;

    if (st == LMPVIZ_OK)
        return 0;
    if (st == LMPVIZ_ERR_INVALID_ARG)
        rc = cli_usage_error(CMD, "%s", msg);
    else
        cli_error(CMD, "%s", msg[0] ? msg : lmpviz_status_string(st));
    lmpnb_notebook_destroy(*nb);
    *nb = NULL;
    return rc;
}

/* The limits of lmpnb_curve_notebook, checked before the losses are read
 * and solved (2^27 of them would take a minute to be refused), with its
 * message. */
static int
check_embeddable(const cli_curve_args *a)
{
    size_t n, n_series;
    lmpviz_err err = { "" };
    int rc = cli_curve_count(CMD, a, &n, &n_series);

    if (rc != 0)
        return rc;
    if (lmpnb_curve_fits(n, n_series * n, &err) != LMPVIZ_OK)
        return cli_usage_error(CMD, "%s", err.msg);
    return 0;
}

static int
build_curve(int paper, char **pass, int n_pass, lmpnb_notebook **out, lmpviz_figure **keep)
{
    char *argv2[NB_MAX_ARGS + 4];
    char command[NB_CMD_LEN], source[512];
    cli_curve_args a;
    cli_curve_fig cf;
    lmpnb_curve_input in;
    cli_parse_result pr;
    int argc2 = n_pass, rc;

    *out = NULL;
    memcpy(argv2, pass, (size_t)n_pass * sizeof *argv2);
    if (paper) {
        argv2[argc2++] = (char *)"--figure";
        argv2[argc2++] = (char *)"paper";
    }
    argv2[argc2] = NULL;
    memset(&a, 0, sizeof a);
    memset(&cf, 0, sizeof cf);
    pr = cli_curve_parse(CMD, argc2, argv2, &a);
    rc = cli_parse_exit(pr);
    if (pr == CLI_PARSE_OK)
        rc = check_embeddable(&a);
    if (pr == CLI_PARSE_OK && rc == 0)
        rc = cli_curve_build(CMD, &a, &cf);
    if (pr != CLI_PARSE_OK || rc != 0) {
        cli_curve_args_free(&a);
        return rc;
    }
    if (a.losses != NULL && a.sample > 0)
        snprintf(source, sizeof source, "%zu drawn from %s with seed %lu", a.sample, a.losses,
                 a.seed);
    else if (a.losses != NULL)
        snprintf(source, sizeof source, "every loss of %s", a.losses);
    else
        snprintf(source, sizeof source, "%s draws, GSL mt19937 seed %lu", lmpviz_dist_name(a.dist),
                 a.seed);
    command_line(command, sizeof command, "curve", paper ? "--figure paper" : NULL, pass + 1,
                 n_pass - 1);
    memset(&in, 0, sizeof in);
    in.sets[0] = &cf.data[0];
    in.sets[1] = &cf.data[1];
    in.n_sets = cf.n_sets;
    in.paper = paper;
    in.view = cf.view;
    in.logy = a.logy;
    in.source = source;
    in.command = command;
    in.fig = cf.fig;
    *out = lmpnb_curve_notebook(&in);
    rc = nb_failed(out);
    if (rc == 0 && keep != NULL) {
        *keep = cf.fig;
        cf.fig = NULL;
    }
    cli_curve_fig_free(&cf);
    cli_curve_args_free(&a);
    return rc;
}

static int
build_region(char **pass, int n_pass, lmpnb_notebook **out, lmpviz_figure **keep)
{
    char command[NB_CMD_LEN];
    cli_region_args a;
    lmpviz_region_opts opts;
    lmpnb_region_input in;
    lmpviz_figure *fig;
    int rc = cli_region_figure(CMD, n_pass, pass, &a, &opts, &fig);

    *out = NULL;
    if (fig == NULL)
        return rc;
    command_line(command, sizeof command, "region", NULL, pass + 1, n_pass - 1);
    memset(&in, 0, sizeof in);
    in.opts = &opts;
    in.command = command;
    in.fig = fig;
    *out = lmpnb_region_notebook(&in);
    rc = nb_failed(out);
    if (rc == 0 && keep != NULL) {
        *keep = fig;
        fig = NULL;
    }
    lmpviz_figure_destroy(fig);
    cli_region_args_free(&a);
    return rc;
}

static int
build_heatmap(char **pass, int n_pass, lmpnb_notebook **out, lmpviz_figure **keep)
{
    char command[NB_CMD_LEN];
    cli_heatmap_args a;
    lmpviz_heatmap hm;
    lmpnb_heatmap_input in;
    lmpviz_figure *fig;
    lmpviz_err err;
    lmpviz_status st;
    cli_parse_result pr;
    int rc;

    *out = NULL;
    memset(&a, 0, sizeof a);
    memset(&hm, 0, sizeof hm);
    memset(&err, 0, sizeof err);
    pr = cli_heatmap_parse(CMD, n_pass, pass, &a);
    if (pr != CLI_PARSE_OK)
        return cli_parse_exit(pr);
    if (a.fig.width_px == 0)
        a.fig.width_px = NB_HEATMAP_WIDTH;
    a.in.want_argmax = a.fig.panels && a.in.pred_kind != LMPVIZ_PRED_LOSS;
    st = lmpviz_heatmap_compute(&a.in, &a.params, NULL, &hm, &err);
    if (st != LMPVIZ_OK) {
        cli_error(CMD, "%s", err.msg);
        return CLI_EXIT_FAILURE;
    }
    if (hm.n_valid == 0) {
        cli_error(CMD, "%s: no valid pixel (every label is ignored): nothing to teach with",
                  a.in.labels);
        lmpviz_heatmap_free(&hm);
        return CLI_EXIT_FAILURE;
    }
    fig = lmpviz_heatmap_figure(&hm, &a.fig);
    if (lmpviz_figure_status(fig) != LMPVIZ_OK) {
        cli_error(CMD, "%s", lmpviz_figure_error(fig));
        lmpviz_heatmap_free(&hm);
        return CLI_EXIT_FAILURE;
    }
    lmpviz_figure_set_png_level(fig, 9);
    command_line(command, sizeof command, "heatmap", NULL, pass + 1, n_pass - 1);
    memset(&in, 0, sizeof in);
    in.hm = &hm;
    in.image = a.in.image;
    in.labels = a.in.labels;
    in.pred = a.in.pred;
    in.command = command;
    in.fig = fig;
    *out = lmpnb_heatmap_notebook(&in);
    rc = nb_failed(out);
    if (rc == 0 && keep != NULL) {
        *keep = fig;
        fig = NULL;
    }
    lmpviz_figure_destroy(fig);
    lmpviz_heatmap_free(&hm);
    return rc;
}

/* The notebooks without a figure of lmpviz's take no option. */
static int
build_lecture(const char *figure, char **pass, int n_pass, lmpnb_notebook **out)
{
    char command[NB_CMD_LEN];

    *out = NULL;
    if (n_pass > 1)
        return cli_usage_error(CMD, "--figure %s: takes no options, got \"%s\"", figure, pass[1]);
    snprintf(command, sizeof command, "lmpviz notebook --figure %s", figure);
    *out = strcmp(figure, "derivation") == 0 ? lmpnb_derivation_notebook(command)
                                             : lmpnb_algorithms_notebook(command);
    return nb_failed(out);
}

static int
build_compare(char **pass, int n_pass, lmpnb_notebook **out, lmpviz_figure **keep)
{
    char command[NB_CMD_LEN];
    int i, schemes = 0;

    /* The notebook's default schemes are not compare's: the command that
     * draws the same figure names them. */
    for (i = 1; i < n_pass; i++)
        schemes |= strncmp(pass[i], "--schemes", 9) == 0;
    command_line(command, sizeof command, "compare",
                 schemes ? NULL : "--schemes '" CLI_NB_COMPARE_SCHEMES "'", pass + 1, n_pass - 1);
    return cli_notebook_compare(pass, n_pass, command, out, keep);
}

static int
build_one(const char *figure, char **pass, int n_pass, lmpnb_notebook **out)
{
    if (strcmp(figure, "curve") == 0)
        return build_curve(0, pass, n_pass, out, NULL);
    if (strcmp(figure, "paper") == 0)
        return build_curve(1, pass, n_pass, out, NULL);
    if (strcmp(figure, "region") == 0)
        return build_region(pass, n_pass, out, NULL);
    if (strcmp(figure, "compare") == 0)
        return build_compare(pass, n_pass, out, NULL);
    if (strcmp(figure, "derivation") == 0 || strcmp(figure, "algorithms") == 0)
        return build_lecture(figure, pass, n_pass, out);
    return build_heatmap(pass, n_pass, out, NULL);
}

static int
save(const lmpnb_notebook *nb, const char *path)
{
    lmpviz_err err;
    lmpviz_status st;

    memset(&err, 0, sizeof err);
    st = lmpnb_notebook_save(nb, path, &err);
    if (st != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", path, err.msg[0] ? err.msg : lmpviz_status_string(st));
        return CLI_EXIT_FAILURE;
    }
    return 0;
}

#define NB_ALL 7

/* The options of a frame's inputs that compare shares with heatmap, and
 * whether each takes a value: --all passes these on to the compare
 * notebook. */
static int
compare_input_opt(const char *s, int *takes_value)
{
    static const char *const with_value[] = { "labels", "probs",      "logits",     "loss",
                                              "layout", "label-type", "max-pixels", NULL };
    const char *eq;
    size_t len;

    if (strncmp(s, "--", 2) != 0)
        return 0;
    eq = strchr(s + 2, '=');
    len = eq ? (size_t)(eq - s - 2) : strlen(s + 2);
    *takes_value = eq == NULL && in_list(with_value, s + 2, len);
    return in_list(with_value, s + 2, len) || (len == 6 && strncmp(s + 2, "resize", 6) == 0);
}

static int
run_all(cli_notebook_args *a)
{
    static const char *const names[NB_ALL] = { "curve",   "paper",      "region",    "heatmap",
                                               "compare", "derivation", "algorithms" };
    static char *region_argv[] = { (char *)CMD,        (char *)"--m", (char *)"0.75",
                                   (char *)"--losses", (char *)"2,1", NULL };
    lmpnb_notebook *nb[NB_ALL] = { NULL };
    lmpviz_figure *figs[NB_ALL] = { NULL };
    char *paths[NB_ALL] = { NULL };
    char *none[] = { (char *)CMD, NULL };
    char *cmp_argv[NB_MAX_ARGS + 4];
    char **slides = NULL;
    size_t n_slides = 0;
    struct stat sb;
    size_t k, len;
    int rc = 0, n_cmp = 1, i, made_dir = 0;

    /* Everything is built before anything is written: a failure leaves no
     * file (and no new folder) behind. */
    rc = build_curve(0, none, 1, &nb[0], &figs[0]);
    if (rc == 0)
        rc = build_curve(1, none, 1, &nb[1], &figs[1]);
    if (rc == 0)
        rc = build_region(region_argv, 5, &nb[2], &figs[2]);
    if (rc == 0 && a->n_pass > 1)
        rc = build_heatmap(a->pass, a->n_pass, &nb[3], &figs[3]);
    if (rc == 0 && a->n_pass > 1) {
        cmp_argv[0] = (char *)CMD;
        for (i = 1; i < a->n_pass; i++) {
            int takes_value = 0;
            if (!compare_input_opt(a->pass[i], &takes_value))
                continue;
            cmp_argv[n_cmp++] = a->pass[i];
            if (takes_value && i + 1 < a->n_pass)
                cmp_argv[n_cmp++] = a->pass[++i];
        }
        cmp_argv[n_cmp] = NULL;
        rc = build_compare(cmp_argv, n_cmp, &nb[4], &figs[4]);
    }
    if (rc == 0)
        rc = build_lecture("derivation", none, 1, &nb[5]);
    if (rc == 0)
        rc = build_lecture("algorithms", none, 1, &nb[6]);
    if (rc != 0)
        goto cleanup;
    if (nb[3] == NULL)
        cli_error(CMD,
                  "--all: heatmap and compare notebooks skipped (they need a frame: give --image, "
                  "--labels and --probs, --logits or --loss)");

    if (stat(a->output, &sb) != 0) {
        if (mkdir(a->output, 0777) != 0) {
            cli_error(CMD, "%s: cannot create the folder: %s", a->output, strerror(errno));
            rc = CLI_EXIT_FAILURE;
            goto cleanup;
        }
        made_dir = 1;
    } else if (!S_ISDIR(sb.st_mode)) {
        rc = cli_usage_error(CMD, "-o: with --all, expected a folder, got the file \"%s\"",
                             a->output);
        goto cleanup;
    }
    for (k = 0; k < NB_ALL; k++) {
        if (nb[k] == NULL)
            continue;
        len = strlen(a->output) + strlen(names[k]) + 16;
        paths[k] = malloc(len);
        if (paths[k] == NULL) {
            cli_error(CMD, "out of memory");
            rc = CLI_EXIT_FAILURE;
            break;
        }
        snprintf(paths[k], len, "%s/lmp_%s.ipynb", a->output, names[k]);
        rc = save(nb[k], paths[k]);
        if (rc != 0) {
            free(paths[k]);
            paths[k] = NULL;
            break;
        }
    }
    if (rc == 0)
        rc = cli_notebook_slides(a->output, names, figs, NB_ALL, &slides, &n_slides);
    if (rc != 0) {
        for (k = 0; k < NB_ALL; k++) {
            if (paths[k] != NULL)
                cli_remove_output(paths[k]);
        }
        for (k = 0; k < n_slides; k++)
            cli_remove_output(slides[k]);
        if (made_dir) {
            char sub[NB_CMD_LEN];
            snprintf(sub, sizeof sub, "%s/slides", a->output);
            rmdir(sub);
            rmdir(a->output);
        }
    } else {
        for (k = 0; k < NB_ALL; k++) {
            if (paths[k] != NULL)
                printf("%s\n", paths[k]);
        }
        for (k = 0; k < n_slides; k++)
            printf("%s\n", slides[k]);
    }

cleanup:
    for (k = 0; k < NB_ALL; k++) {
        lmpnb_notebook_destroy(nb[k]);
        lmpviz_figure_destroy(figs[k]);
        free(paths[k]);
    }
    for (k = 0; k < n_slides; k++)
        free(slides[k]);
    free(slides);
    return rc;
}

/* The notebook must not replace an input file of its figure: the values of
 * --losses, --image, --labels, --probs, --logits and --loss in the
 * arguments passed on. */
static int
check_output_not_input(const cli_notebook_args *a)
{
    static const char *const input_opts[] = { "--losses", "--image",  "--labels",
                                              "--probs",  "--logits", "--loss" };
    cli_file in[NB_MAX_ARGS];
    cli_file out = { "-o", a->output };
    size_t n_in = 0, k;
    int i;

    for (i = 1; i < a->n_pass; i++) {
        const char *s = a->pass[i];
        for (k = 0; k < sizeof input_opts / sizeof input_opts[0]; k++) {
            size_t len = strlen(input_opts[k]);
            if (strncmp(s, input_opts[k], len) != 0)
                continue;
            if (s[len] == '=') {
                in[n_in].opt = input_opts[k];
                in[n_in++].path = s + len + 1;
            } else if (s[len] == '\0' && i + 1 < a->n_pass) {
                in[n_in].opt = input_opts[k];
                in[n_in++].path = a->pass[i + 1];
            }
        }
    }
    return cli_check_files(CMD, in, n_in, &out, 1);
}

int
cmd_notebook(int argc, char **argv)
{
    cli_notebook_args a;
    lmpnb_notebook *nb = NULL;
    cli_parse_result pr;
    int rc;

    memset(&a, 0, sizeof a);
    pr = cli_notebook_parse(CMD, argc, argv, &a);
    if (pr != CLI_PARSE_OK)
        return cli_parse_exit(pr);
    if (a.all)
        return run_all(&a);
    rc = check_output_not_input(&a);
    if (rc != 0)
        return rc;
    rc = build_one(a.figure, a.pass, a.n_pass, &nb);
    if (rc == 0 && nb != NULL) {
        rc = save(nb, a.output);
        if (rc == 0)
            printf("%s\n", a.output);
    }
    lmpnb_notebook_destroy(nb);
    return rc;
}
