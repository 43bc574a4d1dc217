/* lmpviz compare: LMP beside the other pixel-weighting schemes, as weight
 * profiles over sorted pixels, as heatmaps on a frame, and per class over a
 * split. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_commands.h"
#include "cmd_compare.h"
#include "lmp.h"
#include "lmp_schemes.h"
#include "lmpviz.h"
#include "lmpviz_private.h"

#define CMD "compare"

#define DEFAULT_SCHEMES     "lmp:p=1.5,m=0.1;ohem:thresh=0.7,min_kept=100000;focal:gamma=2;topk:k=0.1"
#define DEFAULT_PROFILE_OUT "lmp_compare.png"
#define DEFAULT_FRAME_OUT   "lmp_compare_frame.png"
#define DEFAULT_PRED_SUFFIX "_probs.npy"
#define PROFILE_W           1400
#define PROFILE_H           560

static void
usage(FILE *out)
{
    fprintf(out,
            "Usage: lmpviz compare [--schemes LIST] --losses FILE.npy [options]\n"
            "       lmpviz compare [--schemes LIST] --labels L.png (--probs P.npy | --logits F |\n"
            "                      --loss F) [--image FRAME.png] [options]\n"
            "       lmpviz compare [--schemes LIST] --cityscapes-root DIR --pred-dir DIR\n"
            "                      --out-dir DIR [--split val] [--city NAME] [--jobs N]\n"
            "                      [--shard I/N] [options]\n"
            "\n"
            "Puts LMP beside the pixel-weighting schemes segmentation code uses, on the\n"
            "same losses.  Without --image: the weights over the pixels sorted by\n"
            "decreasing loss (as n·w, 1 = uniform) and the share of each scheme's total\n"
            "weight held by the top k pixels.  With --image: one heatmap panel per scheme\n"
            "on the frame with one colour scale, and a per-class table of weight shares.\n"
            "\n"
            "Schemes (separated by \";\", parameters by \",\"; default\n"
            "  \"%s\"):\n"
            "  lmp:p=P,m=M|m_px=K     Loss Max-Pooling (weights as solved: their sum is\n"
            "                         at most 1, below 1 for 1 < p < inf)\n"
            "  uniform                the mean loss, w = 1/n\n"
            "  ohem:thresh=T,min_kept=K  keep pixels with p_t < T, and at least the K\n"
            "                         hardest; 1/kept each (HRNet/mmseg OHEM)\n"
            "  topk:k=F|k_px=K        the k hardest pixels by loss, 1/k each\n"
            "  focal:gamma=G          (1 - p_t)^G, normalised to sum 1\n"
            "  invfreq[:source=image|split]  1 / class frequency, normalised\n"
            "  medfreq[:source=image|split]  median frequency balancing, normalised\n"
            "  p_t is exp(-loss) for a cross-entropy loss (the true-class probability\n"
            "  for --probs).  Class schemes need --labels; source=split needs\n"
            "  --cityscapes-root (a first pass counts the classes of the split).\n"
            "\n"
            "Inputs:\n"
            "  --losses FILE.npy   per-pixel losses, any shape (every element a pixel)\n"
            "  --ignore-zeros      with --losses: leave zero losses out (loss maps that\n"
            "                      store 0 at ignored pixels)\n"
            "  --labels FILE       ground truth PNG (labelIds; --label-type trainid)\n"
            "  --probs/--logits/--loss FILE.npy  the model output for --labels\n"
            "  --image FILE        the frame: draws the heatmap panels\n"
            "  --label-type T      id (default) or trainid\n"
            "  --layout L          auto (default), chw or hwc\n"
            "  --resize            accept outputs of another size (bilinear to the labels,\n"
            "                      or to the frame with --image)\n"
            "  --max-pixels N      the most pixels an input may declare (default 8192x8192)\n"
            "\n"
            "Outputs:\n"
            "  -o, --output FILE   figure, .png, .svg or .pdf (default %s, or %s\n"
            "                      with --image)\n"
            "  --csv FILE          without --image: rank, loss and one weight column per\n"
            "                      scheme\n"
            "  --stats FILE.csv    with labels: per-class pixel, loss and weight shares\n"
            "  --logy              profile: logarithmic n·w axis\n"
            "  --size WxH          profile figure size (default %dx%d)\n"
            "  --width PX          frame figure width\n"
            "  --scale S           frame colour scale: log (default) or linear\n"
            "  --vmax V            top of the shared scale in n·w (default: the largest\n"
            "                      99.5th percentile over the schemes)\n"
            "  --cmap NAME         viridis (default), magma, inferno, plasma, cividis, turbo\n"
            "  --title TEXT        replace the title\n"
            "  --quiet             print only the files written (and, for a split, the\n"
            "                      frame counts); no progress output\n"
            "\n",
            DEFAULT_SCHEMES, DEFAULT_PROFILE_OUT, DEFAULT_FRAME_OUT, PROFILE_W, PROFILE_H);
    /* Two strings: one would pass the 4095 characters C11 promises. */
    fprintf(out,
            "A split (Cityscapes layout, like lmpviz heatmap):\n"
            "  --cityscapes-root D, --split NAME (default val), --city NAME,\n"
            "  --pred-dir D, --pred-suffix S (default %s), --out-dir D: writes\n"
            "  D/CITY/STEM_compare.png per frame and D/classes_compare.csv (the split's\n"
            "  per-class shares, adding n·w over frames).\n"
            "  --jobs N            threads (default: all cores); the results do not\n"
            "                      depend on N\n"
            "  --shard I/N         only the I-th of N disjoint parts (1 <= I <= N); the\n"
            "                      table becomes classes_compare_shardI-of-N.csv.\n"
            "                      source=split still counts the classes of the whole\n"
            "                      split, so the shards' tables add up to the full run's\n"
            "  A frame that cannot be processed is reported and skipped; the exit status\n"
            "  is 1 when any frame failed.  Progress goes to stderr: a bar on a terminal,\n"
            "  else one line per frame.\n"
            "  -h, --help          show this help\n",
            DEFAULT_PRED_SUFFIX);
}

enum {
    OPT_SCHEMES = 256,
    OPT_LOSSES,
    OPT_IGNORE_ZEROS,
    OPT_CSV,
    OPT_STATS,
    OPT_LOGY,
    OPT_SIZE,
    OPT_WIDTH,
    OPT_SCALE,
    OPT_TITLE,
    OPT_QUIET
};

static cli_parse_result
parse_scale(const char *cmd, const char *text, lmpviz_hscale *out)
{
    if (strcmp(text, "log") == 0)
        *out = LMPVIZ_HSCALE_LOG;
    else if (strcmp(text, "linear") == 0)
        *out = LMPVIZ_HSCALE_LINEAR;
    else
        return cli_parse_error(cmd,
                               "--scale: expected log or linear (one scale shared by "
                               "every scheme), got \"%s\"",
                               text);
    return CLI_PARSE_OK;
}

/* The option c (not a frame option) with its argument text. */
static cli_parse_result
parse_opt(const char *cmd, int c, const char *text, void *ctx)
{
    cli_compare_args *a = ctx;

    if (cli_is_frame_opt(c))
        return cli_parse_frame_opt(cmd, c, text, &a->in, &a->n_pred, &a->overlay, &a->sp);
    switch (c) {
    case OPT_SCHEMES:
        a->schemes_text = text;
        break;
    case OPT_LOSSES:
        a->losses = text;
        break;
    case OPT_IGNORE_ZEROS:
        a->ignore_zeros = 1;
        break;
    case OPT_CSV:
        a->csv = text;
        break;
    case OPT_STATS:
        a->stats = text;
        break;
    case OPT_LOGY:
        a->logy = 1;
        break;
    case OPT_SIZE:
        return cli_parse_wh(cmd, text, 200, 150, &a->width, &a->height);
    case OPT_WIDTH:
        return cli_parse_width(cmd, text, 300, &a->fig_width);
    case OPT_SCALE:
        return parse_scale(cmd, text, &a->overlay.scale);
    case OPT_TITLE:
        a->title = text;
        break;
    case OPT_QUIET:
        a->quiet = 1;
        break;
    default:
        a->output = text; /* 'o' */
        break;
    }
    return CLI_PARSE_OK;
}

/* --schemes, and what the schemes need (classes, a split). */
static cli_parse_result
parse_schemes(const char *cmd, cli_compare_args *a)
{
    lmpviz_err err;
    size_t k;

    memset(&err, 0, sizeof err);
    if (lmpviz_schemes_parse(a->schemes_text, a->spec, LMPVIZ_COMPARE_MAX_SCHEMES, &a->n_spec,
                             &err) != LMPVIZ_OK)
        return cli_parse_error(cmd, "--schemes: %s", err.msg);
    for (k = 0; k < a->n_spec; k++) {
        lmp_scheme_kind kind = a->spec[k].scheme.kind;
        if (kind == LMP_SCHEME_INVFREQ || kind == LMP_SCHEME_MEDFREQ)
            a->need_classes = 1;
        if (a->spec[k].from_split)
            a->need_split = 1;
    }
    return CLI_PARSE_OK;
}

/* --cityscapes-root: the split options, and none of one input. */
static cli_parse_result
check_split_args(const char *cmd, cli_compare_args *a)
{
    if (a->losses || a->in.labels || a->in.image || a->n_pred || a->output || a->csv || a->stats)
        return cli_parse_error(cmd, "--cityscapes-root: processes a split; --losses, --labels, "
                                    "--image, --probs, --logits, --loss, -o, --csv and "
                                    "--stats are for one input");
    return cli_split_check(cmd, a->sp.split, a->sp.pred_dir, a->sp.pred_suffix, a->sp.out_dir,
                           &a->in.pred_kind);
}

/* One input: --losses, or --labels with one model output. */
static cli_parse_result
check_input_args(const char *cmd, const cli_compare_args *a)
{
    if (a->sp.pred_dir != NULL || a->sp.out_dir != NULL || a->sp.city != NULL || a->sp.shard_n != 0)
        return cli_parse_error(
            cmd, "--pred-dir, --out-dir, --city and --shard: need --cityscapes-root DIR");
    if (a->need_split)
        return cli_parse_error(cmd, "--schemes: source=split needs a split (--cityscapes-root "
                                    "DIR); use source=image for one input");
    if (a->losses != NULL && (a->in.labels != NULL || a->n_pred > 0 || a->in.image != NULL))
        return cli_parse_error(cmd, "--losses: give either --losses or --labels with a model "
                                    "output, not both");
    if (a->losses == NULL) {
        if (a->in.labels == NULL)
            return cli_parse_error(cmd, "expected --losses FILE.npy, or --labels with --probs, "
                                        "--logits or --loss");
        if (a->n_pred != 1)
            return cli_parse_error(cmd,
                                   "expected exactly one of --probs, --logits and --loss, "
                                   "got %d",
                                   a->n_pred);
    } else if (a->need_classes) {
        return cli_parse_error(cmd, "--schemes: invfreq and medfreq need the class of each "
                                    "pixel: give --labels with --probs, --logits or --loss "
                                    "instead of --losses");
    }
    if (a->ignore_zeros && a->losses == NULL)
        return cli_parse_error(cmd, "--ignore-zeros: applies to --losses");
    return CLI_PARSE_OK;
}

/* One input's outputs: the tables that fit, and names that fit. */
static cli_parse_result
check_output_args(const char *cmd, cli_compare_args *a)
{
    if (a->in.image != NULL && a->csv != NULL)
        return cli_parse_error(cmd, "--csv: the per-pixel table is for the profile (without "
                                    "--image); use --stats for the class table");
    if (a->stats != NULL && a->in.labels == NULL)
        return cli_parse_error(cmd, "--stats: needs --labels (the classes)");
    if (a->output == NULL)
        a->output = a->in.image != NULL ? DEFAULT_FRAME_OUT : DEFAULT_PROFILE_OUT;
    if (cli_check_output(cmd, a->output) != CLI_PARSE_OK)
        return CLI_PARSE_USAGE;
    if (a->csv != NULL && a->csv[0] == '\0')
        return cli_parse_error(cmd, "--csv: expected a file name");
    if (a->stats != NULL && a->stats[0] == '\0')
        return cli_parse_error(cmd, "--stats: expected a file name");
    return CLI_PARSE_OK;
}

static cli_parse_result
check_args(const char *cmd, void *ctx)
{
    cli_compare_args *a = ctx;
    cli_parse_result pr = parse_schemes(cmd, a);

    if (pr != CLI_PARSE_OK)
        return pr;
    if (a->sp.root != NULL)
        return check_split_args(cmd, a);
    pr = check_input_args(cmd, a);
    if (pr != CLI_PARSE_OK)
        return pr;
    return check_output_args(cmd, a);
}

static void
set_defaults(cli_compare_args *a)
{
    lmpviz_overlay_opts ov = LMPVIZ_OVERLAY_OPTS_INIT;

    a->schemes_text = DEFAULT_SCHEMES;
    a->overlay = ov;
    a->overlay.scale = LMPVIZ_HSCALE_LOG;
    a->width = PROFILE_W;
    a->height = PROFILE_H;
    a->sp.split = "val";
    a->sp.pred_suffix = DEFAULT_PRED_SUFFIX;
    a->sp.jobs = cli_default_jobs();
}

cli_parse_result
cli_compare_parse(const char *cmd, int argc, char **argv, cli_compare_args *a)
{
    static const struct option longopts[] = {
        { "schemes", required_argument, NULL, OPT_SCHEMES },
        { "losses", required_argument, NULL, OPT_LOSSES },
        { "ignore-zeros", no_argument, NULL, OPT_IGNORE_ZEROS },
        { "csv", required_argument, NULL, OPT_CSV },
        { "stats", required_argument, NULL, OPT_STATS },
        { "logy", no_argument, NULL, OPT_LOGY },
        { "size", required_argument, NULL, OPT_SIZE },
        { "width", required_argument, NULL, OPT_WIDTH },
        { "scale", required_argument, NULL, OPT_SCALE },
        { "title", required_argument, NULL, OPT_TITLE },
        { "quiet", no_argument, NULL, OPT_QUIET },
        { "output", required_argument, NULL, 'o' },
        CLI_FRAME_LONGOPTS,
        CLI_SPLIT_LONGOPTS,
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    static const cli_options o = {
        ":o:h", longopts, usage, parse_opt, check_args, "unknown option"
    };

    set_defaults(a);
    return cli_parse_options(cmd, argc, argv, &o, a);
}

/* No output may be an input or another output (before anything is read). */
static int
check_files(const cli_compare_args *a)
{
    static const char *const pred_opt[] = { "--probs", "--logits", "--loss" };
    const cli_file in[] = {
        { "--losses", a->losses },
        { "--labels", a->in.labels },
        { pred_opt[a->in.pred_kind], a->in.pred },
        { "--image", a->in.image },
    };
    const cli_file out[] = {
        { "-o", a->output },
        { "--csv", a->csv },
        { "--stats", a->stats },
    };
    return cli_check_files(CMD, in, 4, out, 3);
}

static void set_msg(lmpviz_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* vsnprintf: messages may be cut at LMPVIZ_ERR_LEN, on purpose. */
static void
set_msg(lmpviz_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

/* The scheme summary: kept pixels, weight sum, the scheme's loss, and the
 * share of its weight on the top 1% and 10% of the pixels. */
static void
print_summary(const lmpviz_compare_data *d, FILE *out)
{
    size_t s;
    fprintf(out, "n = %zu valid pixels\n", d->n_valid);
    fprintf(out, "%-38s %9s %8s %9s %7s %7s\n", "scheme", "kept", "sum_w", "loss", "top1%",
            "top10%");
    for (s = 0; s < d->n_schemes; s++) {
        const lmp_scheme_result *r = &d->result[s];
        fprintf(out, "%-38s %9zu %8.4f %9.5g %7.3f %7.3f\n", d->spec[s].text, r->n_kept,
                r->weight_sum, r->value, lmpviz_compare_top_share(d, s, 0.01),
                lmpviz_compare_top_share(d, s, 0.10));
    }
}

/* What write_stats writes. */
typedef struct stats_table {
    const lmpviz_compare_stats *cs;
    const lmpviz_scheme_spec *specs;
} stats_table;

static lmpviz_status
put_stats(const void *ctx, FILE *fp)
{
    const stats_table *t = ctx;
    return lmpviz_compare_stats_write_csv(t->cs, t->specs, fp);
}

lmpviz_status
cli_compare_write_stats(const char *path,
                        const lmpviz_compare_stats *cs,
                        const lmpviz_scheme_spec *specs,
                        lmpviz_err *err)
{
    const stats_table t = { cs, specs };
    return cli_write_table(path, put_stats, &t, err);
}

/* ------------------------------------------------------------------------
 * Profile: --losses, or --labels with a model output
 */
/* The losses a profile compares, and what they were read into. */
typedef struct profile_input {
    lmp_scheme_input in;
    const char *src;      /* names the losses in messages */
    lmpviz_array arr;     /* --losses */
    unsigned char *valid; /* --losses --ignore-zeros */
    lmpviz_heatmap hm;    /* --labels and a model output */
    const unsigned char *train;
} profile_input;

/* --losses, with --ignore-zeros a mask of the nonzero ones.  0, or
 * CLI_EXIT_FAILURE after printing why. */
static int
load_losses(const cli_compare_args *a, profile_input *p)
{
    lmpviz_err err;
    lmpviz_status st;
    size_t i;

    memset(&err, 0, sizeof err);
    p->src = a->losses;
    st = lmpviz_npy_read_float(a->losses, &p->arr, &err);
    if (st != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", a->losses, err.msg[0] ? err.msg : lmpviz_status_string(st));
        return CLI_EXIT_FAILURE;
    }
    cli_warn_tiny(CMD, a->losses, &p->arr);
    if (p->arr.count == 0) {
        cli_error(CMD, "%s: expected at least one loss, got an empty array", a->losses);
        return CLI_EXIT_FAILURE;
    }
    p->in.n = p->arr.count;
    p->in.loss = p->arr.data;
    if (a->ignore_zeros) {
        p->valid = lmpviz_big_alloc(p->arr.count);
        if (p->valid == NULL) {
            cli_error(CMD, "out of memory");
            return CLI_EXIT_FAILURE;
        }
        for (i = 0; i < p->arr.count; i++)
            p->valid[i] = p->arr.data[i] != 0.0f;
        p->in.valid = p->valid;
    }
    return 0;
}

/* --labels with a model output: the per-pixel losses and classes.  0, or
 * CLI_EXIT_FAILURE after printing why. */
static int
load_seg(const cli_compare_args *a, profile_input *p)
{
    const lmp_params prm = LMP_PARAMS_INIT;
    lmpviz_err err;

    memset(&err, 0, sizeof err);
    p->src = a->in.pred;
    /* without a frame: the labels set the size */
    if (lmpviz_heatmap_load(&a->in, &prm, &p->hm, &err) != LMPVIZ_OK) {
        cli_error(CMD, "%s", err.msg);
        return CLI_EXIT_FAILURE;
    }
    p->train = p->hm.train;
    p->in.n = p->hm.width * p->hm.height;
    p->in.loss = p->hm.loss;
    p->in.cls = p->hm.train;
    p->in.valid = p->hm.valid;
    return 0;
}

static void
profile_input_free(profile_input *p)
{
    lmpviz_array_free(&p->arr);
    lmpviz_heatmap_free(&p->hm);
    lmpviz_big_free(p->valid);
}

/* --csv and --stats, each added to written[] once written.  0, or
 * CLI_EXIT_FAILURE after printing why. */
static int
write_profile_files(const cli_compare_args *a,
                    const lmpviz_compare_data *d,
                    const lmpviz_compare_stats *cst,
                    const char **written,
                    size_t *n_written)
{
    lmpviz_err err;
    lmpviz_status st;

    memset(&err, 0, sizeof err);
    if (a->csv != NULL) {
        st = lmpviz_compare_write_csv(d, a->csv, &err);
        if (cli_output_written(CMD, a->csv, st, &err, written, n_written) != 0)
            return CLI_EXIT_FAILURE;
    }
    if (a->stats != NULL) {
        st = cli_compare_write_stats(a->stats, cst, a->spec, &err);
        if (cli_output_written(CMD, a->stats, st, &err, written, n_written) != 0)
            return CLI_EXIT_FAILURE;
    }
    return 0;
}

static int
run_profile(cli_compare_args *a)
{
    profile_input p;
    lmpviz_compare_data d;
    lmpviz_compare_stats cst;
    lmpviz_compare_opts opts;
    lmpviz_figure *fig = NULL;
    lmpviz_err err;
    lmpviz_status st;
    const char *written[2];
    size_t n_written = 0, k;
    int rc = CLI_EXIT_FAILURE;

    memset(&p, 0, sizeof p);
    memset(&d, 0, sizeof d);
    memset(&cst, 0, sizeof cst);
    memset(&err, 0, sizeof err);
    if ((a->losses != NULL ? load_losses(a, &p) : load_seg(a, &p)) != 0)
        goto cleanup;
    st = lmpviz_compare_compute(a->spec, a->n_spec, &p.in, NULL, &d, &err);
    if (st != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", p.src, err.msg);
        goto cleanup;
    }
    if (d.n_valid == 0) {
        cli_error(CMD, "%s: no valid pixel to compare", p.src);
        goto cleanup;
    }
    memset(&opts, 0, sizeof opts);
    opts.logy = a->logy;
    opts.title = a->title;
    fig = lmpviz_compare_profile_figure(&d, a->width, a->height, &opts);
    if (lmpviz_figure_status(fig) != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", a->output, lmpviz_figure_error(fig));
        goto cleanup;
    }
    if (p.train != NULL)
        lmpviz_compare_stats_add(&cst, &d, p.train);
    if (write_profile_files(a, &d, &cst, written, &n_written) != 0)
        goto cleanup;
    st = lmpviz_figure_save(fig, a->output, &err);
    if (st != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", a->output, err.msg);
        goto cleanup;
    }
    if (!a->quiet) {
        print_summary(&d, stdout);
        if (p.train != NULL)
            lmpviz_compare_stats_print(&cst, a->spec, stdout);
    }
    for (k = 0; k < n_written; k++)
        printf("%s\n", written[k]);
    printf("%s\n", a->output);
    n_written = 0;
    rc = CLI_EXIT_OK;
cleanup:
    cli_remove_outputs(written, n_written);
    lmpviz_figure_destroy(fig);
    lmpviz_compare_free(&d);
    profile_input_free(&p);
    return rc;
}

/* ------------------------------------------------------------------------
 * A frame: heatmap panels
 */

/* Loss, labels and frame through the heatmap pipeline, then the schemes. */
lmpviz_status
cli_compare_frame_compute(const cli_compare_args *a,
                          const lmpviz_heatmap_input *hin,
                          lmp_workspace *ws,
                          lmpviz_heatmap *hm,
                          lmpviz_compare_data *d,
                          lmpviz_err *err)
{
    lmp_params prm = LMP_PARAMS_INIT;
    lmp_scheme_input in;
    lmpviz_status st;
    size_t k;

    /* the heatmap pipeline solves LMP once; use the first lmp scheme's
     * parameters (any valid ones would do, the weights are recomputed) */
    for (k = 0; k < a->n_spec; k++) {
        if (a->spec[k].scheme.kind == LMP_SCHEME_LMP) {
            prm = a->spec[k].scheme.lmp;
            break;
        }
    }
    st = lmpviz_heatmap_compute(hin, &prm, ws, hm, err);
    if (st != LMPVIZ_OK)
        return st;
    memset(&in, 0, sizeof in);
    in.n = hm->width * hm->height;
    in.loss = hm->loss;
    in.cls = hm->train;
    in.valid = hm->valid;
    st = lmpviz_compare_compute(a->spec, a->n_spec, &in, ws, d, err);
    if (st != LMPVIZ_OK) {
        char tmp[LMPVIZ_ERR_LEN];
        snprintf(tmp, sizeof tmp, "%s", err->msg);
        set_msg(err, "%s: %s", hin->pred, tmp);
        lmpviz_heatmap_free(hm);
    }
    return st;
}

static int
run_frame(cli_compare_args *a)
{
    lmpviz_heatmap hm;
    lmpviz_compare_data d;
    lmpviz_compare_stats cst;
    lmpviz_compare_fig_opts fo;
    lmpviz_figure *fig = NULL;
    lmpviz_err err;
    lmpviz_status st;
    int rc = CLI_EXIT_FAILURE;

    memset(&hm, 0, sizeof hm);
    memset(&d, 0, sizeof d);
    memset(&cst, 0, sizeof cst);
    memset(&err, 0, sizeof err);
    st = cli_compare_frame_compute(a, &a->in, NULL, &hm, &d, &err);
    if (st != LMPVIZ_OK) {
        cli_error(CMD, "%s", err.msg);
        return CLI_EXIT_FAILURE;
    }
    if (d.n_valid == 0) {
        cli_error(CMD, "%s: no valid pixel (every label is ignored)", a->in.labels);
        goto cleanup;
    }
    lmpviz_compare_stats_add(&cst, &d, hm.train);
    memset(&fo, 0, sizeof fo);
    fo.overlay = a->overlay;
    fo.width_px = a->fig_width;
    fo.title = a->title;
    fig = lmpviz_compare_frame_figure(&hm, &d, &fo);
    if (lmpviz_figure_status(fig) != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", a->output, lmpviz_figure_error(fig));
        goto cleanup;
    }
    if (a->stats != NULL) {
        st = cli_compare_write_stats(a->stats, &cst, a->spec, &err);
        if (st != LMPVIZ_OK) {
            cli_error(CMD, "%s: %s", a->stats, err.msg);
            goto cleanup;
        }
    }
    st = lmpviz_figure_save(fig, a->output, &err);
    if (st != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", a->output, err.msg);
        if (a->stats != NULL)
            cli_remove_output(a->stats);
        goto cleanup;
    }
    if (!a->quiet) {
        print_summary(&d, stdout);
        lmpviz_compare_stats_print(&cst, a->spec, stdout);
    }
    if (a->stats != NULL)
        printf("%s\n", a->stats);
    printf("%s\n", a->output);
    rc = CLI_EXIT_OK;
cleanup:
    lmpviz_figure_destroy(fig);
    lmpviz_compare_free(&d);
    lmpviz_heatmap_free(&hm);
    return rc;
}

int
cmd_compare(int argc, char **argv)
{
    cli_compare_args a;
    cli_parse_result pr;
    int rc;

    memset(&a, 0, sizeof a);
    pr = cli_compare_parse(CMD, argc, argv, &a);
    if (pr != CLI_PARSE_OK)
        return cli_parse_exit(pr);
    if (a.sp.root != NULL)
        return cli_compare_run_split(&a);
    rc = check_files(&a);
    if (rc != 0)
        return rc;
    if (a.in.image != NULL)
        return run_frame(&a);
    return run_profile(&a);
}
