/* lmpviz compare: LMP beside the other pixel-weighting schemes, as weight
 * profiles over sorted pixels, as heatmaps on a frame, and per class over a
 * split. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "lmp.h"
#include "lmp_schemes.h"
#include "lmpviz.h"

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

typedef struct compare_args {
    const char *schemes_text;
    lmpviz_scheme_spec spec[LMPVIZ_COMPARE_MAX_SCHEMES];
    size_t n_spec;
    const char *losses;
    int ignore_zeros;
    lmpviz_heatmap_input in; /* image, labels, pred, kinds, layout, resize */
    int n_pred;
    const char *output, *csv, *stats, *title;
    int logy, quiet;
    size_t width, height, fig_width;
    lmpviz_overlay_opts overlay;
    cli_split_opts sp;
    int need_classes, need_split;
} compare_args;

/* 0 ok, -1 help printed, else the exit status. */
static int
parse_args(int argc, char **argv, compare_args *a)
{
    static const struct option longopts[] = {
        { "schemes", required_argument, NULL, OPT_SCHEMES },
        { "losses", required_argument, NULL, OPT_LOSSES },
        { "ignore-zeros", no_argument, NULL, OPT_IGNORE_ZEROS },
        { "labels", required_argument, NULL, CLI_OPT_LABELS },
        { "probs", required_argument, NULL, CLI_OPT_PROBS },
        { "logits", required_argument, NULL, CLI_OPT_LOGITS },
        { "loss", required_argument, NULL, CLI_OPT_LOSS },
        { "image", required_argument, NULL, CLI_OPT_IMAGE },
        { "label-type", required_argument, NULL, CLI_OPT_LABEL_TYPE },
        { "layout", required_argument, NULL, CLI_OPT_LAYOUT },
        { "resize", no_argument, NULL, CLI_OPT_RESIZE },
        { "max-pixels", required_argument, NULL, CLI_OPT_MAX_PIXELS },
        { "csv", required_argument, NULL, OPT_CSV },
        { "stats", required_argument, NULL, OPT_STATS },
        { "logy", no_argument, NULL, OPT_LOGY },
        { "size", required_argument, NULL, OPT_SIZE },
        { "width", required_argument, NULL, OPT_WIDTH },
        { "scale", required_argument, NULL, OPT_SCALE },
        { "vmax", required_argument, NULL, CLI_OPT_VMAX },
        { "cmap", required_argument, NULL, CLI_OPT_CMAP },
        { "title", required_argument, NULL, OPT_TITLE },
        { "quiet", no_argument, NULL, OPT_QUIET },
        { "output", required_argument, NULL, 'o' },
        { "cityscapes-root", required_argument, NULL, CLI_OPT_ROOT },
        { "split", required_argument, NULL, CLI_OPT_SPLIT },
        { "city", required_argument, NULL, CLI_OPT_CITY },
        { "pred-dir", required_argument, NULL, CLI_OPT_PRED_DIR },
        { "pred-suffix", required_argument, NULL, CLI_OPT_PRED_SUFFIX },
        { "out-dir", required_argument, NULL, CLI_OPT_OUT_DIR },
        { "jobs", required_argument, NULL, CLI_OPT_JOBS },
        { "shard", required_argument, NULL, CLI_OPT_SHARD },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    lmpviz_overlay_opts ov = LMPVIZ_OVERLAY_OPTS_INIT;
    lmpviz_err err;
    size_t k;
    int c;

    a->schemes_text = DEFAULT_SCHEMES;
    a->overlay = ov;
    a->overlay.scale = LMPVIZ_HSCALE_LOG;
    a->width = PROFILE_W;
    a->height = PROFILE_H;
    a->sp.split = "val";
    a->sp.pred_suffix = DEFAULT_PRED_SUFFIX;
    a->sp.jobs = cli_default_jobs();

    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
        int shared = cli_parse_frame_opt(CMD, c, optarg, &a->in, &a->n_pred, &a->overlay, &a->sp);
        if (shared < 0)
            return CLI_EXIT_USAGE;
        if (shared > 0)
            continue;
        switch (c) {
        case OPT_SCHEMES:
            a->schemes_text = optarg;
            break;
        case OPT_LOSSES:
            a->losses = optarg;
            break;
        case OPT_IGNORE_ZEROS:
            a->ignore_zeros = 1;
            break;
        case OPT_CSV:
            a->csv = optarg;
            break;
        case OPT_STATS:
            a->stats = optarg;
            break;
        case OPT_LOGY:
            a->logy = 1;
            break;
        case OPT_SIZE:
            if (cli_parse_wh(CMD, optarg, 200, 150, &a->width, &a->height) != 0)
                return CLI_EXIT_USAGE;
            break;
        case OPT_WIDTH:
            if (cli_parse_size(CMD, "--width", optarg, &a->fig_width) != 0)
                return CLI_EXIT_USAGE;
            if (a->fig_width < 300 || a->fig_width > 16384)
                return cli_usage_error(CMD, "--width: expected 300..16384 pixels, got \"%s\"",
                                       optarg);
            break;
        case OPT_SCALE:
            if (strcmp(optarg, "log") == 0)
                a->overlay.scale = LMPVIZ_HSCALE_LOG;
            else if (strcmp(optarg, "linear") == 0)
                a->overlay.scale = LMPVIZ_HSCALE_LINEAR;
            else
                return cli_usage_error(CMD,
                                       "--scale: expected log or linear (one scale shared by "
                                       "every scheme), got \"%s\"",
                                       optarg);
            break;
        case OPT_TITLE:
            a->title = optarg;
            break;
        case OPT_QUIET:
            a->quiet = 1;
            break;
        case 'o':
            a->output = optarg;
            break;
        case 'h':
            usage(stdout);
            return -1;
        case ':':
            return cli_usage_error(CMD, "%s: expected a value", argv[optind - 1]);
        default:
            return cli_usage_error(CMD, "unknown option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(CMD, "unexpected argument \"%s\"", argv[optind]);

    memset(&err, 0, sizeof err);
    if (lmpviz_schemes_parse(a->schemes_text, a->spec, LMPVIZ_COMPARE_MAX_SCHEMES, &a->n_spec,
                             &err) != LMPVIZ_OK)
        return cli_usage_error(CMD, "--schemes: %s", err.msg);
    for (k = 0; k < a->n_spec; k++) {
        lmp_scheme_kind kind = a->spec[k].scheme.kind;
        if (kind == LMP_SCHEME_INVFREQ || kind == LMP_SCHEME_MEDFREQ)
            a->need_classes = 1;
        if (a->spec[k].from_split)
            a->need_split = 1;
    }

    if (a->sp.root != NULL) {
        if (a->losses || a->in.labels || a->in.image || a->n_pred || a->output || a->csv ||
            a->stats)
            return cli_usage_error(CMD, "--cityscapes-root: processes a split; --losses, --labels, "
                                        "--image, --probs, --logits, --loss, -o, --csv and "
                                        "--stats are for one input");
        return cli_split_check(CMD, a->sp.split, a->sp.pred_dir, a->sp.pred_suffix, a->sp.out_dir,
                               &a->in.pred_kind);
    }
    if (a->sp.pred_dir != NULL || a->sp.out_dir != NULL || a->sp.city != NULL || a->sp.shard_n != 0)
        return cli_usage_error(
            CMD, "--pred-dir, --out-dir, --city and --shard: need --cityscapes-root DIR");
    if (a->need_split)
        return cli_usage_error(CMD, "--schemes: source=split needs a split (--cityscapes-root "
                                    "DIR); use source=image for one input");
    if (a->losses != NULL && (a->in.labels != NULL || a->n_pred > 0 || a->in.image != NULL))
        return cli_usage_error(CMD, "--losses: give either --losses or --labels with a model "
                                    "output, not both");
    if (a->losses == NULL) {
        if (a->in.labels == NULL)
            return cli_usage_error(CMD, "expected --losses FILE.npy, or --labels with --probs, "
                                        "--logits or --loss");
        if (a->n_pred != 1)
            return cli_usage_error(CMD, "expected exactly one of --probs, --logits and --loss, "
                                        "got %d",
                                   a->n_pred);
    } else if (a->need_classes) {
        return cli_usage_error(CMD, "--schemes: invfreq and medfreq need the class of each "
                                    "pixel: give --labels with --probs, --logits or --loss "
                                    "instead of --losses");
    }
    if (a->ignore_zeros && a->losses == NULL)
        return cli_usage_error(CMD, "--ignore-zeros: applies to --losses");
    if (a->in.image != NULL && a->csv != NULL)
        return cli_usage_error(CMD, "--csv: the per-pixel table is for the profile (without "
                                    "--image); use --stats for the class table");
    if (a->stats != NULL && a->in.labels == NULL)
        return cli_usage_error(CMD, "--stats: needs --labels (the classes)");
    if (a->output == NULL)
        a->output = a->in.image != NULL ? DEFAULT_FRAME_OUT : DEFAULT_PROFILE_OUT;
    if (cli_check_output(CMD, a->output) != 0)
        return CLI_EXIT_USAGE;
    if (a->csv != NULL && a->csv[0] == '\0')
        return cli_usage_error(CMD, "--csv: expected a file name");
    if (a->stats != NULL && a->stats[0] == '\0')
        return cli_usage_error(CMD, "--stats: expected a file name");
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

static lmpviz_status
write_stats(const char *path,
            const lmpviz_compare_stats *cs,
            const lmpviz_scheme_spec *specs,
            lmpviz_err *err)
{
    lmpviz_afile af;
    lmpviz_status st;

    memset(&af, 0, sizeof af);
    st = lmpviz_afile_open(&af, path, err);
    if (st != LMPVIZ_OK)
        return st;
    st = lmpviz_compare_stats_write_csv(cs, specs, af.fp);
    if (st != LMPVIZ_OK) {
        snprintf(err->msg, sizeof err->msg, "write failed");
        return lmpviz_afile_fail(&af, st, err);
    }
    return lmpviz_afile_commit(&af, err);
}

/* ------------------------------------------------------------------------
 * Profile: --losses, or --labels with a model output
 */
static int
run_profile(compare_args *a)
{
    lmpviz_array arr;
    lmpviz_compare_data d;
    lmpviz_compare_stats cst;
    lmpviz_compare_opts opts;
    lmpviz_figure *fig = NULL;
    lmpviz_err err;
    lmpviz_status st;
    lmp_scheme_input in;
    lmpviz_heatmap hm;
    lmp_params prm = LMP_PARAMS_INIT;
    unsigned char *train = NULL, *valid = NULL;
    size_t i;
    const char *src;
    const char *written[2];
    size_t n_written = 0, k;
    int rc = CLI_EXIT_FAILURE;

    memset(&arr, 0, sizeof arr);
    memset(&d, 0, sizeof d);
    memset(&cst, 0, sizeof cst);
    memset(&err, 0, sizeof err);
    memset(&in, 0, sizeof in);
    memset(&hm, 0, sizeof hm);
    if (a->losses != NULL) {
        src = a->losses;
        st = lmpviz_npy_read_float(a->losses, &arr, &err);
        if (st != LMPVIZ_OK) {
            cli_error(CMD, "%s: %s", a->losses, err.msg[0] ? err.msg : lmpviz_status_string(st));
            return CLI_EXIT_FAILURE;
        }
        cli_warn_tiny(CMD, a->losses, &arr);
        if (arr.count == 0) {
            cli_error(CMD, "%s: expected at least one loss, got an empty array", a->losses);
            goto cleanup;
        }
        in.n = arr.count;
        in.loss = arr.data;
        if (a->ignore_zeros) {
            valid = lmpviz_big_alloc(arr.count);
            if (valid == NULL) {
                cli_error(CMD, "out of memory");
                goto cleanup;
            }
            for (i = 0; i < arr.count; i++)
                valid[i] = arr.data[i] != 0.0f;
            in.valid = valid;
        }
    } else {
        src = a->in.pred;
        /* labels and model output without a frame: the labels set the size */
        st = lmpviz_heatmap_load(&a->in, &prm, &hm, &err);
        if (st != LMPVIZ_OK) {
            cli_error(CMD, "%s", err.msg);
            return CLI_EXIT_FAILURE;
        }
        in.n = hm.width * hm.height;
        in.loss = hm.loss;
        in.cls = train = hm.train;
        in.valid = hm.valid;
    }
    st = lmpviz_compare_compute(a->spec, a->n_spec, &in, NULL, &d, &err);
    if (st != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", src, err.msg);
        goto cleanup;
    }
    if (d.n_valid == 0) {
        cli_error(CMD, "%s: no valid pixel to compare", src);
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
    if (a->csv != NULL) {
        st = lmpviz_compare_write_csv(&d, a->csv, &err);
        if (st != LMPVIZ_OK) {
            cli_error(CMD, "%s: %s", a->csv, err.msg);
            goto cleanup;
        }
        written[n_written++] = a->csv;
    }
    if (train != NULL)
        lmpviz_compare_stats_add(&cst, &d, train);
    if (a->stats != NULL) {
        st = write_stats(a->stats, &cst, a->spec, &err);
        if (st != LMPVIZ_OK) {
            cli_error(CMD, "%s: %s", a->stats, err.msg);
            goto cleanup;
        }
        written[n_written++] = a->stats;
    }
    st = lmpviz_figure_save(fig, a->output, &err);
    if (st != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", a->output, err.msg);
        goto cleanup;
    }
    if (!a->quiet) {
        print_summary(&d, stdout);
        if (train != NULL)
            lmpviz_compare_stats_print(&cst, a->spec, stdout);
    }
    for (k = 0; k < n_written; k++)
        printf("%s\n", written[k]);
    printf("%s\n", a->output);
    n_written = 0;
    rc = CLI_EXIT_OK;
cleanup:
    for (k = 0; k < n_written; k++)
        cli_remove_output(written[k]);
    lmpviz_figure_destroy(fig);
    lmpviz_compare_free(&d);
    lmpviz_array_free(&arr);
    lmpviz_heatmap_free(&hm);
    lmpviz_big_free(valid);
    return rc;
}

/* ------------------------------------------------------------------------
 * A frame: heatmap panels
 */

/* Loss, labels and frame through the heatmap pipeline, then the schemes. */
static lmpviz_status
frame_compute(const compare_args *a,
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
run_frame(compare_args *a)
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
    st = frame_compute(a, &a->in, NULL, &hm, &d, &err);
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
        st = write_stats(a->stats, &cst, a->spec, &err);
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

/* ------------------------------------------------------------------------
 * A split
 */

/* First pass for source=split: class pixel counts over the split, and the
 * valid pixels of the frames each class appears in; then the factors. */
static int
split_factors(compare_args *a,
              const cli_frame *frames,
              size_t n_frames,
              double alpha[2][LMPVIZ_CS_CLASSES])
{
    double count[LMPVIZ_CS_CLASSES], img[LMPVIZ_CS_CLASSES];
    size_t f, i, k;
    int c;

    memset(count, 0, sizeof count);
    memset(img, 0, sizeof img);
    for (f = 0; f < n_frames; f++) {
        lmpviz_labelmap lm;
        lmpviz_err err;
        unsigned char *tr;
        size_t n, per[LMPVIZ_CS_CLASSES], nv = 0;
        memset(&err, 0, sizeof err);
        if (lmpviz_labelmap_read(frames[f].labels, &lm, &err) != LMPVIZ_OK) {
            cli_error(CMD, "%s: %s (needed for the split's class statistics)", frames[f].labels,
                      err.msg);
            return -1;
        }
        n = lm.width * lm.height;
        tr = malloc(n ? n : 1);
        if (tr == NULL || lmpviz_cs_to_trainids(lm.data, n, lm.width, a->in.label_type, tr,
                                                &err) != LMPVIZ_OK) {
            cli_error(CMD, "%s: %s", frames[f].labels, tr ? err.msg : "out of memory");
            free(tr);
            lmpviz_labelmap_free(&lm);
            return -1;
        }
        memset(per, 0, sizeof per);
        for (i = 0; i < n; i++) {
            if (tr[i] < LMPVIZ_CS_CLASSES) {
                per[tr[i]]++;
                nv++;
            }
        }
        for (c = 0; c < LMPVIZ_CS_CLASSES; c++) {
            count[c] += (double)per[c];
            if (per[c] > 0)
                img[c] += (double)nv;
        }
        free(tr);
        lmpviz_labelmap_free(&lm);
    }
    for (k = 0; k < 2; k++) {
        lmp_status ls = lmp_class_factors(k == 0 ? LMP_SCHEME_INVFREQ : LMP_SCHEME_MEDFREQ, count,
                                          img, LMPVIZ_CS_CLASSES, alpha[k]);
        if (ls != LMP_OK) {
            cli_error(CMD, "split class statistics: %s (no labelled pixel in the split?)",
                      lmp_status_string(ls));
            return -1;
        }
    }
    return 0;
}

typedef struct compare_job {
    lmpviz_compare_stats cst;
} compare_job;

typedef struct compare_run {
    const compare_args *a;
    const cli_frame *frames; /* n of them */
    compare_job *jobs;       /* one per frame */
} compare_run;

/* One frame of the split: D/CITY/STEM_compare.png and its class shares. */
static int
process_frame(
    void *ctx, size_t i, void *state, char *note, size_t note_len, char *msg, size_t msg_len)
{
    compare_run *r = ctx;
    const compare_args *a = r->a;
    const cli_frame *fr = &r->frames[i];
    lmpviz_heatmap_input in = a->in;
    lmpviz_heatmap hm;
    lmpviz_compare_data d;
    lmpviz_compare_fig_opts fo;
    lmpviz_figure *fig = NULL;
    lmpviz_err err;
    lmpviz_status st;
    char *dir = NULL, *path = NULL;
    size_t len;
    int rc = -1;

    memset(&hm, 0, sizeof hm);
    memset(&d, 0, sizeof d);
    memset(&err, 0, sizeof err);
    if (cli_frame_missing(fr, msg, msg_len))
        return -1;
    in.image = fr->image;
    in.labels = fr->labels;
    in.pred = fr->pred;
    st = frame_compute(a, &in, state, &hm, &d, &err);
    if (st != LMPVIZ_OK) {
        snprintf(msg, msg_len, "%s", err.msg);
        return -1;
    }
    lmpviz_compare_stats_add(&r->jobs[i].cst, &d, hm.train);
    len = strlen(a->sp.out_dir) + strlen(fr->city) + strlen(fr->stem) + 32;
    dir = malloc(len);
    path = malloc(len);
    if (dir == NULL || path == NULL) {
        snprintf(msg, msg_len, "out of memory");
        goto done;
    }
    snprintf(dir, len, "%s/%s", a->sp.out_dir, fr->city);
    snprintf(path, len, "%s/%s_compare.png", dir, fr->stem);
    if (cli_mkdir_p(dir) != 0) {
        snprintf(msg, msg_len, "%s: cannot create the folder: %s", dir, strerror(errno));
        goto done;
    }
    memset(&fo, 0, sizeof fo);
    fo.overlay = a->overlay;
    fo.width_px = a->fig_width;
    fo.title = a->title;
    fig = lmpviz_compare_frame_figure(&hm, &d, &fo);
    st = lmpviz_figure_save(fig, path, &err);
    if (st != LMPVIZ_OK) {
        snprintf(msg, msg_len, "%s: %s", path, err.msg);
        goto done;
    }
    snprintf(note, note_len, "n = %zu", d.n_valid);
    rc = 0;
done:
    lmpviz_figure_destroy(fig);
    lmpviz_compare_free(&d);
    lmpviz_heatmap_free(&hm);
    free(dir);
    free(path);
    return rc;
}

/* source=split: the class factors from every frame of the split (all the
 * shards), so that a shard weighs its pixels like the full run. */
static int
set_split_factors(compare_args *a, double alpha[2][LMPVIZ_CS_CLASSES])
{
    cli_frame *all = NULL;
    size_t n_all = 0, total = 0, k;
    int rc = -1;

    if (cli_split_list(CMD, a->sp.root, a->sp.split, a->sp.city, cli_label_suffix(a->in.label_type),
                       a->sp.pred_dir, a->sp.pred_suffix, 0, 0, &all, &n_all, &total) != 0)
        return -1;
    if (split_factors(a, all, n_all, alpha) != 0)
        goto done;
    for (k = 0; k < a->n_spec; k++) {
        lmp_scheme *s = &a->spec[k].scheme;
        if (a->spec[k].from_split) {
            if (s->n_classes != LMPVIZ_CS_CLASSES) {
                cli_error(CMD,
                          "%s: source=split counts the %d Cityscapes classes; drop "
                          "classes=",
                          a->spec[k].text, LMPVIZ_CS_CLASSES);
                goto done;
            }
            s->class_weight = alpha[s->kind == LMP_SCHEME_INVFREQ ? 0 : 1];
        }
    }
    rc = 0;
done:
    cli_split_free(all, n_all);
    return rc;
}

static int
run_split(compare_args *a)
{
    cli_frame *frames = NULL;
    cli_frame_result *res = NULL;
    compare_run r;
    cli_split_pool pool;
    size_t n_frames = 0, total = 0, f, k, ok = 0, failed;
    double alpha[2][LMPVIZ_CS_CLASSES];
    lmpviz_compare_stats sum;
    char *path = NULL;
    lmpviz_err err;
    int rc = CLI_EXIT_FAILURE, sig = 0;

    memset(&r, 0, sizeof r);
    memset(&sum, 0, sizeof sum);
    memset(&err, 0, sizeof err);
    if (cli_split_list(CMD, a->sp.root, a->sp.split, a->sp.city, cli_label_suffix(a->in.label_type),
                       a->sp.pred_dir, a->sp.pred_suffix, a->sp.shard_i, a->sp.shard_n, &frames, &n_frames,
                       &total) != 0)
        return CLI_EXIT_FAILURE;
    if (cli_split_ready(CMD, a->sp.root, a->sp.split, a->sp.city, total, a->sp.out_dir) != 0)
        goto cleanup;
    if (a->need_split && set_split_factors(a, alpha) != 0)
        goto cleanup;
    if (n_frames > 0) {
        r.jobs = calloc(n_frames, sizeof *r.jobs);
        res = calloc(n_frames, sizeof *res);
        if (r.jobs == NULL || res == NULL) {
            cli_error(CMD, "out of memory listing the frames");
            goto cleanup;
        }
    }
    r.a = a;
    r.frames = frames;
    memset(&pool, 0, sizeof pool);
    pool.cmd = CMD;
    pool.frames = frames;
    pool.n = n_frames;
    pool.jobs = a->sp.jobs;
    pool.quiet = a->quiet;
    pool.ctx = &r;
    pool.thread_begin = cli_pool_workspace_begin;
    pool.thread_end = cli_pool_workspace_end;
    pool.process = process_frame;
    cli_interrupt_begin();
    failed = cli_split_pool_run(&pool, res);
    sig = cli_interrupted();

    /* Frame order, not completion order: the sums do not depend on --jobs. */
    sum.n_schemes = a->n_spec;
    for (f = 0; f < n_frames; f++) {
        if (!res[f].ok)
            continue;
        for (k = 0; k < a->n_spec; k++)
            lmpviz_class_stats_merge(&sum.st[k], &r.jobs[f].cst.st[k]);
        ok++;
    }
    /* an empty shard writes an empty table, so every shard has one */
    if (ok > 0 || n_frames == 0) {
        lmpviz_status st;
        path = cli_shard_path(a->sp.out_dir, "classes_compare", ".csv", a->sp.shard_i, a->sp.shard_n);
        if (path == NULL) {
            cli_error(CMD, "out of memory");
            goto cleanup;
        }
        st = write_stats(path, &sum, a->spec, &err);
        if (st != LMPVIZ_OK) {
            cli_error(CMD, "%s: %s", path, err.msg);
            goto cleanup;
        }
        if (!a->quiet && ok > 0)
            lmpviz_compare_stats_print(&sum, a->spec, stdout);
        printf("%s\n", path);
    }
    printf("%zu frames: %zu written, %zu failed\n", n_frames, ok, failed);
    rc = failed > 0 ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
    if (failed > 0)
        cli_error(CMD, "%zu of %zu frames failed", failed, n_frames);
    if (sig != 0) {
        cli_error(CMD, "interrupted (%s): the table covers the %zu frames done",
                  sig == SIGINT    ? "SIGINT"
                  : sig == SIGTERM ? "SIGTERM"
                                   : "signal",
                  ok);
        rc = 128 + sig;
    }
cleanup:
    cli_interrupt_end();
    free(path);
    free(res);
    free(r.jobs);
    cli_split_free(frames, n_frames);
    return rc;
}

int
cmd_compare(int argc, char **argv)
{
    compare_args a;
    int rc;

    memset(&a, 0, sizeof a);
    rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (a.sp.root != NULL)
        return run_split(&a);
    if (a.in.image != NULL)
        return run_frame(&a);
    return run_profile(&a);
}
