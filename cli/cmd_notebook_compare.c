/* lmpviz notebook --figure compare: the options of `lmpviz compare` for one
 * input drawn as profiles (--losses, or --labels with a model output), and
 * the notebook of notebooks_export/notebook_compare.c. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_notebook_extra.h"
#include "lmp.h"
#include "lmpviz.h"
#include "lmpviz_private.h"
#include "notebook.h"

#define CMD "notebook"

#define NBC_DEFAULT_SCHEMES CLI_NB_COMPARE_SCHEMES
#define NBC_WIDTH           1400
#define NBC_HEIGHT          560

enum { NBC_SCHEMES = 256, NBC_LOSSES, NBC_IGNORE_ZEROS, NBC_LOGY, NBC_SIZE, NBC_TITLE };

static void
usage(FILE *out)
{
    fprintf(out,
            "lmpviz notebook --figure compare takes the options of 'lmpviz compare' for\n"
            "profiles: --schemes, --losses (with --ignore-zeros) or --labels with\n"
            "--probs/--logits/--loss, --label-type, --layout, --resize, --max-pixels,\n"
            "--logy, --size, --title.  Default schemes:\n  \"%s\"\n",
            NBC_DEFAULT_SCHEMES);
}

/* The option c with its argument text. */
static cli_parse_result
parse_opt(const char *cmd, int c, const char *text, void *ctx)
{
    cli_nb_compare_args *a = ctx;

    if (cli_is_frame_opt(c))
        return cli_parse_frame_opt(cmd, c, text, &a->in, &a->n_pred, &a->overlay, &a->sp);
    switch (c) {
    case NBC_SCHEMES:
        a->schemes_text = text;
        break;
    case NBC_LOSSES:
        a->losses = text;
        break;
    case NBC_IGNORE_ZEROS:
        a->ignore_zeros = 1;
        break;
    case NBC_LOGY:
        a->logy = 1;
        break;
    case NBC_SIZE:
        return cli_parse_wh(cmd, text, 200, 150, &a->width, &a->height);
    case NBC_TITLE:
        a->title = text;
        break;
    }
    return CLI_PARSE_OK;
}

/* --schemes: per-image schemes, with classes when they need them. */
static cli_parse_result
parse_schemes(const char *cmd, cli_nb_compare_args *a)
{
    lmpviz_err err;
    size_t k;

    memset(&err, 0, sizeof err);
    if (lmpviz_schemes_parse(a->schemes_text, a->spec, LMPVIZ_COMPARE_MAX_SCHEMES, &a->n_spec,
                             &err) != LMPVIZ_OK)
        return cli_parse_error(cmd, "--schemes: %s", err.msg);
    for (k = 0; k < a->n_spec; k++) {
        lmp_scheme_kind kind = a->spec[k].scheme.kind;
        if (a->spec[k].from_split)
            return cli_parse_error(cmd,
                                   "--schemes: source=split needs a split; a notebook takes one "
                                   "input (use source=image)");
        if ((kind == LMP_SCHEME_INVFREQ || kind == LMP_SCHEME_MEDFREQ) && a->in.labels == NULL)
            return cli_parse_error(cmd,
                                   "--schemes: %s needs classes: give --labels with a model output",
                                   a->spec[k].text);
    }
    return CLI_PARSE_OK;
}

static cli_parse_result
check_args(const char *cmd, void *ctx)
{
    cli_nb_compare_args *a = ctx;
    cli_parse_result pr;

    if (a->in.image != NULL)
        return cli_parse_error(cmd, "--image: the compare notebook draws the weight profiles; for "
                                    "the panels on a frame use lmpviz compare --image");
    pr = parse_schemes(cmd, a);
    if (pr != CLI_PARSE_OK)
        return pr;
    if (a->losses != NULL && (a->in.labels != NULL || a->n_pred > 0))
        return cli_parse_error(cmd,
                               "--losses: give either --losses or --labels with a model output, "
                               "not both");
    if (a->losses == NULL && (a->in.labels == NULL || a->n_pred != 1))
        return cli_parse_error(cmd,
                               "--figure compare: expected --losses FILE.npy, or --labels with one "
                               "of --probs, --logits and --loss");
    return CLI_PARSE_OK;
}

cli_parse_result
cli_nb_compare_parse(const char *cmd, int argc, char **argv, cli_nb_compare_args *a)
{
    static const struct option longopts[] = {
        { "schemes", required_argument, NULL, NBC_SCHEMES },
        { "losses", required_argument, NULL, NBC_LOSSES },
        { "ignore-zeros", no_argument, NULL, NBC_IGNORE_ZEROS },
        { "labels", required_argument, NULL, CLI_OPT_LABELS },
        { "probs", required_argument, NULL, CLI_OPT_PROBS },
        { "logits", required_argument, NULL, CLI_OPT_LOGITS },
        { "loss", required_argument, NULL, CLI_OPT_LOSS },
        { "image", required_argument, NULL, CLI_OPT_IMAGE },
        { "label-type", required_argument, NULL, CLI_OPT_LABEL_TYPE },
        { "layout", required_argument, NULL, CLI_OPT_LAYOUT },
        { "resize", no_argument, NULL, CLI_OPT_RESIZE },
        { "max-pixels", required_argument, NULL, CLI_OPT_MAX_PIXELS },
        { "logy", no_argument, NULL, NBC_LOGY },
        { "size", required_argument, NULL, NBC_SIZE },
        { "title", required_argument, NULL, NBC_TITLE },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    static const cli_options o = { ":h",      longopts,   usage,
                                   parse_opt, check_args, "--figure compare: unknown option" };
    lmpviz_overlay_opts ov = LMPVIZ_OVERLAY_OPTS_INIT;

    a->schemes_text = NBC_DEFAULT_SCHEMES;
    a->width = NBC_WIDTH;
    a->height = NBC_HEIGHT;
    a->overlay = ov;
    return cli_parse_options(cmd, argc, argv, &o, a);
}

/* One input's losses, and classes with labels. */
typedef struct nbc_input {
    lmpviz_array arr;     /* --losses */
    unsigned char *valid; /* --losses --ignore-zeros (lmpviz_big_alloc) */
    lmpviz_heatmap hm;    /* --labels with a model output */
    lmp_scheme_input in;  /* borrows the above */
    const char *src;      /* the file that names the input in messages */
} nbc_input;

static void
nbc_input_free(nbc_input *x)
{
    lmpviz_array_free(&x->arr);
    lmpviz_heatmap_free(&x->hm);
    lmpviz_big_free(x->valid);
}

/* --losses F (zero losses invalid with --ignore-zeros) into x->arr. */
static int
load_losses(const cli_nb_compare_args *a, nbc_input *x)
{
    lmpviz_err err;
    lmpviz_status st;
    size_t i;

    memset(&err, 0, sizeof err);
    st = lmpviz_npy_read_float(a->losses, &x->arr, &err);
    if (st != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", a->losses, err.msg[0] ? err.msg : lmpviz_status_string(st));
        return CLI_EXIT_FAILURE;
    }
    x->in.n = x->arr.count;
    x->in.loss = x->arr.data;
    if (!a->ignore_zeros)
        return 0;
    x->valid = lmpviz_big_alloc(x->arr.count ? x->arr.count : 1);
    if (x->valid == NULL) {
        cli_error(CMD, "out of memory");
        return CLI_EXIT_FAILURE;
    }
    for (i = 0; i < x->arr.count; i++)
        x->valid[i] = x->arr.data[i] != 0.0f;
    x->in.valid = x->valid;
    return 0;
}

/* x zeroed first: the input of a.  0, or CLI_EXIT_FAILURE after printing
 * why (x to be freed either way). */
static int
load_input(const cli_nb_compare_args *a, nbc_input *x)
{
    lmp_params prm = LMP_PARAMS_INIT;
    lmpviz_err err;

    if (a->losses != NULL) {
        x->src = a->losses;
        return load_losses(a, x);
    }
    x->src = a->in.pred;
    /* labels and model output without a frame: the labels set the size */
    memset(&err, 0, sizeof err);
    if (lmpviz_heatmap_load(&a->in, &prm, &x->hm, &err) != LMPVIZ_OK) {
        cli_error(CMD, "%s", err.msg);
        return CLI_EXIT_FAILURE;
    }
    x->in.n = x->hm.width * x->hm.height;
    x->in.loss = x->hm.loss;
    x->in.cls = x->hm.train;
    x->in.valid = x->hm.valid;
    return 0;
}

int
cli_notebook_compare(
    char **argv, int argc, const char *command, lmpnb_notebook **out, lmpviz_figure **fig_out)
{
    cli_nb_compare_args a;
    nbc_input x;
    lmpviz_compare_data d;
    lmpviz_compare_opts opts;
    lmpnb_compare_input nin;
    lmpviz_figure *fig = NULL;
    lmpviz_err err;
    lmpviz_status st;
    cli_parse_result pr;
    int rc;

    *out = NULL;
    memset(&a, 0, sizeof a);
    memset(&x, 0, sizeof x);
    memset(&d, 0, sizeof d);
    memset(&err, 0, sizeof err);
    pr = cli_nb_compare_parse(CMD, argc, argv, &a);
    if (pr != CLI_PARSE_OK)
        return cli_parse_exit(pr);
    rc = load_input(&a, &x);
    if (rc != 0)
        goto cleanup;
    rc = CLI_EXIT_FAILURE;
    st = lmpviz_compare_compute(a.spec, a.n_spec, &x.in, NULL, &d, &err);
    if (st != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", x.src, err.msg);
        goto cleanup;
    }
    if (d.n_valid == 0) {
        cli_error(CMD, "%s: no valid pixel to compare", x.src);
        goto cleanup;
    }
    memset(&opts, 0, sizeof opts);
    opts.logy = a.logy;
    opts.title = a.title;
    fig = lmpviz_compare_profile_figure(&d, a.width, a.height, &opts);
    if (lmpviz_figure_status(fig) != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", x.src, lmpviz_figure_error(fig));
        goto cleanup;
    }
    memset(&nin, 0, sizeof nin);
    nin.d = &d;
    nin.cls = x.in.cls;
    nin.source = x.src;
    nin.command = command;
    nin.fig = fig;
    *out = lmpnb_compare_notebook(&nin);
    st = lmpnb_notebook_status(*out);
    if (st != LMPVIZ_OK) {
        cli_error(CMD, "%s",
                  lmpnb_notebook_error(*out)[0] ? lmpnb_notebook_error(*out)
                                                : lmpviz_status_string(st));
        lmpnb_notebook_destroy(*out);
        *out = NULL;
        goto cleanup;
    }
    if (fig_out != NULL) {
        *fig_out = fig;
        fig = NULL;
    }
    rc = 0;
cleanup:
    lmpviz_figure_destroy(fig);
    lmpviz_compare_free(&d);
    nbc_input_free(&x);
    return rc;
}
