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

typedef struct nbc_args {
    const char *schemes_text;
    lmpviz_scheme_spec spec[LMPVIZ_COMPARE_MAX_SCHEMES];
    size_t n_spec;
    const char *losses;
    int ignore_zeros;
    lmpviz_heatmap_input in;
    int n_pred;
    int logy;
    const char *title;
    size_t width, height;
} nbc_args;

/* 0 ok, -1 help printed, else the exit status. */
static int
parse(int argc, char **argv, nbc_args *a)
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
    lmpviz_overlay_opts ov = LMPVIZ_OVERLAY_OPTS_INIT;
    cli_split_opts sp;
    lmpviz_err err;
    size_t k;
    int c;

    memset(&sp, 0, sizeof sp);
    a->schemes_text = NBC_DEFAULT_SCHEMES;
    a->width = NBC_WIDTH;
    a->height = NBC_HEIGHT;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        if (cli_is_frame_opt(c)) {
            if (cli_parse_frame_opt(CMD, c, optarg, &a->in, &a->n_pred, &ov, &sp) != CLI_PARSE_OK)
                return CLI_EXIT_USAGE;
            continue;
        }
        switch (c) {
        case NBC_SCHEMES:
            a->schemes_text = optarg;
            break;
        case NBC_LOSSES:
            a->losses = optarg;
            break;
        case NBC_IGNORE_ZEROS:
            a->ignore_zeros = 1;
            break;
        case NBC_LOGY:
            a->logy = 1;
            break;
        case NBC_SIZE:
            if (cli_parse_wh(CMD, optarg, 200, 150, &a->width, &a->height) != 0)
                return CLI_EXIT_USAGE;
            break;
        case NBC_TITLE:
            a->title = optarg;
            break;
        case 'h':
            printf("lmpviz notebook --figure compare takes the options of 'lmpviz compare' for\n"
                   "profiles: --schemes, --losses (with --ignore-zeros) or --labels with\n"
                   "--probs/--logits/--loss, --label-type, --layout, --resize, --max-pixels,\n"
                   "--logy, --size, --title.  Default schemes:\n  \"%s\"\n",
                   NBC_DEFAULT_SCHEMES);
            return -1;
        case ':':
            return cli_usage_error(CMD, "%s: expected a value", argv[optind - 1]);
        default:
            return cli_usage_error(CMD, "--figure compare: unknown option \"%s\"",
                                   argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(CMD, "unexpected argument \"%s\"", argv[optind]);
    if (a->in.image != NULL)
        return cli_usage_error(CMD, "--image: the compare notebook draws the weight profiles; for "
                                    "the panels on a frame use lmpviz compare --image");
    memset(&err, 0, sizeof err);
    if (lmpviz_schemes_parse(a->schemes_text, a->spec, LMPVIZ_COMPARE_MAX_SCHEMES, &a->n_spec,
                             &err) != LMPVIZ_OK)
        return cli_usage_error(CMD, "--schemes: %s", err.msg);
    for (k = 0; k < a->n_spec; k++) {
        lmp_scheme_kind kind = a->spec[k].scheme.kind;
        if (a->spec[k].from_split)
            return cli_usage_error(CMD,
                                   "--schemes: source=split needs a split; a notebook takes one "
                                   "input (use source=image)");
        if ((kind == LMP_SCHEME_INVFREQ || kind == LMP_SCHEME_MEDFREQ) && a->in.labels == NULL)
            return cli_usage_error(CMD,
                                   "--schemes: %s needs classes: give --labels with a model output",
                                   a->spec[k].text);
    }
    if (a->losses != NULL && (a->in.labels != NULL || a->n_pred > 0))
        return cli_usage_error(CMD,
                               "--losses: give either --losses or --labels with a model output, "
                               "not both");
    if (a->losses == NULL && (a->in.labels == NULL || a->n_pred != 1))
        return cli_usage_error(CMD,
                               "--figure compare: expected --losses FILE.npy, or --labels with one "
                               "of --probs, --logits and --loss");
    return 0;
}

int
cli_notebook_compare(
    char **argv, int argc, const char *command, lmpnb_notebook **out, lmpviz_figure **fig_out)
{
    nbc_args a;
    lmpviz_array arr;
    lmpviz_compare_data d;
    lmpviz_compare_opts opts;
    lmp_scheme_input in;
    lmpnb_compare_input nin;
    lmpviz_figure *fig = NULL;
    lmpviz_err err;
    lmpviz_status st;
    lmp_params prm = LMP_PARAMS_INIT;
    lmpviz_heatmap hm;
    unsigned char *train = NULL, *valid = NULL;
    size_t i;
    const char *src;
    int rc;

    *out = NULL;
    memset(&a, 0, sizeof a);
    memset(&arr, 0, sizeof arr);
    memset(&d, 0, sizeof d);
    memset(&err, 0, sizeof err);
    memset(&in, 0, sizeof in);
    memset(&hm, 0, sizeof hm);
    rc = parse(argc, argv, &a);
    if (rc != 0)
        return rc < 0 ? CLI_EXIT_OK : rc;
    rc = CLI_EXIT_FAILURE;
    if (a.losses != NULL) {
        src = a.losses;
        st = lmpviz_npy_read_float(a.losses, &arr, &err);
        if (st != LMPVIZ_OK) {
            cli_error(CMD, "%s: %s", a.losses, err.msg[0] ? err.msg : lmpviz_status_string(st));
            return CLI_EXIT_FAILURE;
        }
        in.n = arr.count;
        in.loss = arr.data;
        if (a.ignore_zeros) {
            valid = lmpviz_big_alloc(arr.count ? arr.count : 1);
            if (valid == NULL) {
                cli_error(CMD, "out of memory");
                goto cleanup;
            }
            for (i = 0; i < arr.count; i++)
                valid[i] = arr.data[i] != 0.0f;
            in.valid = valid;
        }
    } else {
        src = a.in.pred;
        /* labels and model output without a frame: the labels set the size */
        st = lmpviz_heatmap_load(&a.in, &prm, &hm, &err);
        if (st != LMPVIZ_OK) {
            cli_error(CMD, "%s", err.msg);
            return CLI_EXIT_FAILURE;
        }
        in.n = hm.width * hm.height;
        in.loss = hm.loss;
        in.cls = train = hm.train;
        in.valid = hm.valid;
    }
    st = lmpviz_compare_compute(a.spec, a.n_spec, &in, NULL, &d, &err);
    if (st != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", src, err.msg);
        goto cleanup;
    }
    if (d.n_valid == 0) {
        cli_error(CMD, "%s: no valid pixel to compare", src);
        goto cleanup;
    }
    memset(&opts, 0, sizeof opts);
    opts.logy = a.logy;
    opts.title = a.title;
    fig = lmpviz_compare_profile_figure(&d, a.width, a.height, &opts);
    if (lmpviz_figure_status(fig) != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", src, lmpviz_figure_error(fig));
        goto cleanup;
    }
    memset(&nin, 0, sizeof nin);
    nin.d = &d;
    nin.cls = train;
    nin.source = src;
    nin.command = command;
    nin.fig = fig;
    *out = lmpnb_compare_notebook(&nin);
    st = lmpnb_notebook_status(*out);
    if (st != LMPVIZ_OK) {
        cli_error(CMD, "%s", lmpnb_notebook_error(*out)[0] ? lmpnb_notebook_error(*out)
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
    lmpviz_array_free(&arr);
    lmpviz_heatmap_free(&hm);
    lmpviz_big_free(valid);
    return rc;
}
