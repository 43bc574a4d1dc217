/* lmpviz heatmap: LMP weights over real segmentation outputs, one frame or a
 * whole Cityscapes split. */
#include <assert.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_commands.h"
#include "cmd_heatmap.h"
#include "lmp.h"
#include "lmp_cuda.h"
#include "lmpviz.h"
#include "lmpviz_private.h"

#define CMD "heatmap"

#define HEATMAP_DEFAULT_OUT "lmp_heatmap.png"
#define DEFAULT_PRED_SUFFIX "_probs.npy"
#define DEFAULT_BATCH       8

static void
usage(FILE *out)
{
    fprintf(out,
            "Usage: lmpviz heatmap --image FRAME.png --labels LABELS.png\n"
            "                      (--probs P.npy | --logits L.npy | --loss LOSS.npy) [options]\n"
            "       lmpviz heatmap --cityscapes-root DIR --pred-dir DIR --out-dir DIR\n"
            "                      [--split val] [--city NAME] [--pred-suffix _probs.npy]\n"
            "                      [--jobs N] [--shard I/N] [--device cuda [--batch B]]\n"
            "                      [options]\n"
            "\n"
            "Computes the per-pixel cross-entropy of a segmentation output against the\n"
            "ground truth, solves Loss Max-Pooling for it, and draws where the weight\n"
            "went: the frame with the LMP weights blended on top, and a per-class table\n"
            "of the shares of pixels, loss and weight.  Weights are shown as n·w, so 1\n"
            "is the uniform weight of the plain mean loss.\n"
            "\n"
            "Inputs (one frame):\n"
            "  --image FILE        the frame: 8- or 16-bit PNG, RGB, RGBA or grey\n"
            "  --labels FILE       ground truth PNG, 8 or 16 bit (Cityscapes labelIds)\n"
            "  --label-type T      id (default: *_gtFine_labelIds.png, 0..33) or trainid\n"
            "                      (*_gtFine_labelTrainIds.png, 0..18 and 255 = ignore)\n"
            "  --probs FILE.npy    class probabilities, (C,H,W) or (H,W,C), float16/32/64\n"
            "  --logits FILE.npy   logits, same shapes (stable log-softmax)\n"
            "  --loss FILE.npy     a per-pixel loss map (H,W)\n"
            "  --layout L          auto (default; C = 19 tells them apart), chw or hwc\n"
            "  --resize            accept labels and scores of another size than the frame:\n"
            "                      labels nearest-neighbour, scores bilinear\n"
            "  --max-pixels N      the most pixels an input may declare (default %zu,\n"
            "                      8192x8192); sizes are checked from the headers first\n"
            "\n"
            "LMP:\n"
            "  --p P               norm exponent >= 1 or inf (default 1.5)\n"
            "  --m M               support as a fraction of the valid pixels (default 0.1)\n"
            "  --m-pixels K        support as a pixel count (instead of --m)\n"
            "  --device DEV        cpu (default) or cuda: solve on the GPU (same answer)\n"
            "  --batch B           with --device cuda, in a split: frames per GPU solve,\n"
            "                      1..%d (default %d); ignored otherwise\n"
            "\n"
            "Outputs (one frame):\n"
            "  -o, --output FILE   the figure, .png, .svg or .pdf (default %s)\n"
            "  --panels            frame | ground truth | prediction | loss | weights |\n"
            "                      class shares, instead of the overlay alone\n"
            "  --save-weights F    the weights as float32 .npy (H,W), 0 at ignored pixels\n"
            "  --save-loss F       the losses likewise\n"
            "  --stats FILE.csv    the per-class table (it is also printed)\n"
            "\n"
            "Look:\n"
            "  --cmap NAME         viridis (default), magma, inferno, plasma, cividis, turbo\n"
            "  --scale S           linear (default: 0 to the cap n·tau), log or rank\n"
            "  --alpha A           opacity of the heatmap in [0, 1] (default 0.65)\n"
            "  --dim D             brightness of the frame in [0, 1] (default 0.6)\n"
            "  --desaturate D      0 keeps the frame's colours, 1 makes it grey (default 0.7)\n"
            "  --vmax V            top of the colour scale in n·w (default: the cap n·tau)\n"
            "  --width PX          figure width in pixels (default: from the frame)\n"
            "  --title TEXT        replace the title\n"
            "\n",
            LMPVIZ_MAX_PIXELS, LMP_CUDA_MAX_BATCH, DEFAULT_BATCH, HEATMAP_DEFAULT_OUT);
    /* Two strings: one would pass the 4095 characters C11 promises. */
    fprintf(out,
            "A whole split (Cityscapes layout):\n"
            "  --cityscapes-root D frames in D/leftImg8bit/SPLIT/CITY/*_leftImg8bit.png,\n"
            "                      labels in D/gtFine/SPLIT/CITY/*_gtFine_labelIds.png\n"
            "                      (labelTrainIds with --label-type trainid)\n"
            "  --split NAME        train, val or test (default val)\n"
            "  --city NAME         only this city\n"
            "  --pred-dir D        model outputs D/CITY/STEM<suffix> or D/STEM<suffix>\n"
            "  --pred-suffix S     default %s; a suffix containing \"logit\" reads\n"
            "                      logits, one containing \"loss\" loss maps\n"
            "  --out-dir D         writes D/CITY/STEM_lmp.png and STEM_stats.csv, and\n"
            "                      D/classes.csv (the split's per-class table, adding\n"
            "                      n·w over frames) and D/frames.csv\n"
            "  --jobs N            threads (default: all cores); with --device cuda they\n"
            "                      compute the losses and draw, batch after batch, and\n"
            "                      one thread solves each batch on the GPU\n"
            "  --shard I/N         only the I-th of N disjoint parts (1 <= I <= N); the\n"
            "                      tables become classes_shardI-of-N.csv etc.\n"
            "  --resume            keep the frames done by an earlier run with the same\n"
            "                      --p and --m (STEM_record.csv beside their outputs), and\n"
            "                      build the tables from the records of all frames\n"
            "  --quiet             no progress output\n"
            "  --timing            print the time of each stage to stderr\n"
            "  -h, --help          show this help\n"
            "\n"
            "A frame that cannot be processed is reported and skipped; the exit status is\n"
            "1 when any frame failed.  SIGINT or SIGTERM lets the frames under way finish,\n"
            "writes the tables of the frames done (frames.csv lists the others as\n"
            "not_run) and exits with 130 or 143; rerun with --resume to finish.\n"
            "Slurm array job over 8 shards:\n"
            "  #SBATCH --array=1-8\n"
            "  lmpviz heatmap --cityscapes-root $CS --split train --pred-dir preds \\\n"
            "      --out-dir out --resize --jobs $SLURM_CPUS_PER_TASK \\\n"
            "      --shard $SLURM_ARRAY_TASK_ID/8 --resume --quiet\n"
            "then add the loss_sum and nw_sum columns of out/classes_shard*-of-8.csv.\n",
            DEFAULT_PRED_SUFFIX);
}

enum {
    OPT_P = 256,
    OPT_M,
    OPT_M_PIXELS,
    OPT_PANELS,
    OPT_SAVE_WEIGHTS,
    OPT_SAVE_LOSS,
    OPT_STATS,
    OPT_SCALE,
    OPT_ALPHA,
    OPT_DIM,
    OPT_DESATURATE,
    OPT_WIDTH,
    OPT_TITLE,
    OPT_QUIET,
    OPT_TIMING,
    OPT_DEVICE,
    OPT_BATCH,
    OPT_RESUME
};

static cli_parse_result
parse_unit(const char *cmd, const char *opt, const char *text, double *out)
{
    double v;
    if (cli_parse_double(cmd, opt, text, &v) != CLI_PARSE_OK)
        return CLI_PARSE_USAGE;
    if (!(v >= 0.0 && v <= 1.0))
        return cli_parse_error(cmd, "%s: expected a number in [0, 1], got \"%s\"", opt, text);
    *out = v;
    return CLI_PARSE_OK;
}

/* --device and --batch, where the command solves on the GPU. */
static cli_parse_result
parse_device_opt(const char *cmd, int c, const char *text, cli_heatmap_args *a)
{
    const char *opt = c == OPT_DEVICE ? "--device" : "--batch";

    if (!a->allow_device)
        return cli_parse_error(cmd, "%s: not available here (it solves on the CPU)", opt);
    if (c == OPT_DEVICE)
        return cli_parse_device(cmd, text, &a->on_gpu);
    if (cli_parse_size(cmd, "--batch", text, &a->batch) != CLI_PARSE_OK)
        return CLI_PARSE_USAGE;
    if (a->batch < 1 || a->batch > LMP_CUDA_MAX_BATCH)
        return cli_parse_error(cmd, "--batch: expected 1..%d frames, got \"%s\"",
                               LMP_CUDA_MAX_BATCH, text);
    return CLI_PARSE_OK;
}

/* The options of the look of the figure. */
static cli_parse_result
parse_look_opt(const char *cmd, int c, const char *text, lmpviz_heatmap_fig_opts *fig)
{
    switch (c) {
    case OPT_SCALE:
        if (lmpviz_hscale_parse(text, &fig->overlay.scale) != LMPVIZ_OK)
            return cli_parse_error(cmd, "--scale: expected linear, log or rank, got \"%s\"", text);
        return CLI_PARSE_OK;
    case OPT_ALPHA:
        return parse_unit(cmd, "--alpha", text, &fig->overlay.alpha);
    case OPT_DIM:
        return parse_unit(cmd, "--dim", text, &fig->overlay.dim);
    case OPT_DESATURATE:
        return parse_unit(cmd, "--desaturate", text, &fig->overlay.desaturate);
    case OPT_WIDTH:
        return cli_parse_width(cmd, text, 200, &fig->width_px);
    default:
        fig->title = text; /* OPT_TITLE */
        return CLI_PARSE_OK;
    }
}

/* --cityscapes-root: the split options, and none of one frame. */
static cli_parse_result
check_split_args(const char *cmd, cli_heatmap_args *a)
{
    if (a->any_single)
        return cli_parse_error(cmd,
                               "--cityscapes-root: processes a split; --image, --labels, --probs, "
                               "--logits, --loss, -o, --stats, --save-weights and --save-loss "
                               "are for one frame");
    return cli_split_check(cmd, a->sp.split, a->sp.pred_dir, a->sp.pred_suffix, a->sp.out_dir,
                           &a->in.pred_kind);
}

/* One frame: its three inputs, and outputs with names that fit. */
static cli_parse_result
check_single_args(const char *cmd, const cli_heatmap_args *a)
{
    if (a->sp.pred_dir != NULL || a->sp.out_dir != NULL || a->sp.city != NULL ||
        a->sp.shard_n != 0 || a->resume)
        return cli_parse_error(
            cmd, "--pred-dir, --out-dir, --city, --shard and --resume: need --cityscapes-root DIR");
    if (a->in.image == NULL)
        return cli_parse_error(
            cmd, "--image: expected the frame PNG (or --cityscapes-root for a split)");
    if (a->in.labels == NULL)
        return cli_parse_error(cmd, "--labels: expected the ground-truth label PNG");
    if (a->n_pred != 1)
        return cli_parse_error(cmd, "expected exactly one of --probs, --logits and --loss, got %d",
                               a->n_pred);
    if (cli_check_output(cmd, a->output) != CLI_PARSE_OK)
        return CLI_PARSE_USAGE;
    if (a->save_weights != NULL &&
        cli_check_output_ext(cmd, "--save-weights", a->save_weights, ".npy") != CLI_PARSE_OK)
        return CLI_PARSE_USAGE;
    if (a->save_loss != NULL &&
        cli_check_output_ext(cmd, "--save-loss", a->save_loss, ".npy") != CLI_PARSE_OK)
        return CLI_PARSE_USAGE;
    if (a->stats != NULL && a->stats[0] == '\0')
        return cli_parse_error(cmd, "--stats: expected a file name");
    return CLI_PARSE_OK;
}

static cli_parse_result
check_args(const char *cmd, void *ctx)
{
    cli_heatmap_args *a = ctx;

    /* The frame inputs, like -o and the files saved, belong to one frame. */
    if (a->in.image != NULL || a->in.labels != NULL || a->n_pred > 0)
        a->any_single = 1;
    if (a->have_m && a->have_m_px)
        return cli_parse_error(cmd, "--m and --m-pixels: give one of them");
    if (a->sp.root != NULL)
        return check_split_args(cmd, a);
    return check_single_args(cmd, a);
}

static void
set_defaults(cli_heatmap_args *a)
{
    lmp_params def = LMP_PARAMS_INIT;
    lmpviz_overlay_opts ov = LMPVIZ_OVERLAY_OPTS_INIT;

    a->params = def;
    a->fig.overlay = ov;
    a->output = HEATMAP_DEFAULT_OUT;
    a->sp.split = "val";
    a->sp.pred_suffix = DEFAULT_PRED_SUFFIX;
    a->sp.jobs = cli_default_jobs();
    a->batch = DEFAULT_BATCH;
}

/* The option c (not a frame option) with its argument text. */
static cli_parse_result
parse_opt(const char *cmd, int c, const char *text, void *ctx)
{
    cli_heatmap_args *a = ctx;

    if (cli_is_frame_opt(c))
        return cli_parse_frame_opt(cmd, c, text, &a->in, &a->n_pred, &a->fig.overlay, &a->sp);
    switch (c) {
    case OPT_P:
        return cli_parse_p(cmd, "--p", text, &a->params.p);
    case OPT_M:
        a->have_m = 1;
        return cli_parse_m(cmd, "--m", text, &a->params.m);
    case OPT_M_PIXELS:
        a->have_m_px = 1;
        return cli_parse_m_pixels(cmd, "--m-pixels", text, &a->params.m_pixels);
    case OPT_PANELS:
        a->fig.panels = 1;
        break;
    case OPT_SAVE_WEIGHTS:
        a->save_weights = text;
        a->any_single = 1;
        break;
    case OPT_SAVE_LOSS:
        a->save_loss = text;
        a->any_single = 1;
        break;
    case OPT_STATS:
        a->stats = text;
        a->any_single = 1;
        break;
    case OPT_SCALE:
    case OPT_ALPHA:
    case OPT_DIM:
    case OPT_DESATURATE:
    case OPT_WIDTH:
    case OPT_TITLE:
        return parse_look_opt(cmd, c, text, &a->fig);
    case 'o':
        a->output = text;
        a->any_single = 1;
        break;
    case OPT_QUIET:
        a->quiet = 1;
        break;
    case OPT_TIMING:
        a->timing = 1;
        break;
    case OPT_RESUME:
        a->resume = 1;
        break;
    default:
        return parse_device_opt(cmd, c, text, a); /* OPT_DEVICE, OPT_BATCH */
    }
    return CLI_PARSE_OK;
}

cli_parse_result
cli_heatmap_parse(const char *cmd, int argc, char **argv, cli_heatmap_args *a)
{
    static const struct option longopts[] = {
        { "p", required_argument, NULL, OPT_P },
        { "m", required_argument, NULL, OPT_M },
        { "m-pixels", required_argument, NULL, OPT_M_PIXELS },
        { "panels", no_argument, NULL, OPT_PANELS },
        { "save-weights", required_argument, NULL, OPT_SAVE_WEIGHTS },
        { "save-loss", required_argument, NULL, OPT_SAVE_LOSS },
        { "stats", required_argument, NULL, OPT_STATS },
        { "scale", required_argument, NULL, OPT_SCALE },
        { "alpha", required_argument, NULL, OPT_ALPHA },
        { "dim", required_argument, NULL, OPT_DIM },
        { "desaturate", required_argument, NULL, OPT_DESATURATE },
        { "width", required_argument, NULL, OPT_WIDTH },
        { "title", required_argument, NULL, OPT_TITLE },
        { "output", required_argument, NULL, 'o' },
        { "quiet", no_argument, NULL, OPT_QUIET },
        { "timing", no_argument, NULL, OPT_TIMING },
        { "device", required_argument, NULL, OPT_DEVICE },
        { "batch", required_argument, NULL, OPT_BATCH },
        { "resume", no_argument, NULL, OPT_RESUME },
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

void
cli_heatmap_class_table(FILE *out, const lmpviz_class_stats *st)
{
    lmpviz_class_row rows[LMPVIZ_CS_CLASSES];
    size_t k, n = lmpviz_class_stats_rows(st, rows);

    fprintf(out, "%-14s %10s %8s %8s %9s %9s %10s\n", "class", "pixels", "pixels%", "loss%",
            "weight%", "mean_nw", "mean_loss");
    for (k = 0; k < n; k++)
        fprintf(out, "%-14s %10zu %8.2f %8.2f %9.2f %9.3f %10.4f\n", rows[k].name, rows[k].pixels,
                100.0 * rows[k].pixel_share, 100.0 * rows[k].loss_share,
                100.0 * rows[k].weight_share, rows[k].mean_nw, rows[k].mean_loss);
}

static lmpviz_status
put_stats(const void *ctx, FILE *fp)
{
    return lmpviz_class_stats_write_csv(ctx, fp);
}

lmpviz_status
cli_heatmap_write_stats(const char *path, const lmpviz_class_stats *st, lmpviz_err *err)
{
    return cli_write_table(path, put_stats, st, err);
}

/* ------------------------------------------------------------------------
 * --device cuda
 */

/* Solves the k loaded frames hm[0..k-1] in one lmp_cuda_solve_host call,
 * one LMP problem per frame, and fills their weights and results and ls[i]
 * with each frame's status (for lmpviz_heatmap_solved).  The call takes
 * segments of one length: frames of different sizes are padded to the
 * largest with masked-out pixels, which the solver leaves out of n (and
 * bad_index still counts from the frame's first pixel).  0, or -1 with msg
 * set when the batch failed as a whole. */
int
cli_heatmap_gpu_solve(
    lmpviz_heatmap **hm, size_t k, const lmp_params *prm, lmp_status *ls, char *msg, size_t msg_len)
{
    lmp_result *res = NULL;
    float *loss = NULL, *weight = NULL;
    unsigned char *valid = NULL;
    size_t i, n = 0;
    lmp_status st;
    int rc = -1;

    assert(k >= 1 && k <= LMP_CUDA_MAX_BATCH);
    for (i = 0; i < k; i++)
        n = hm[i]->width * hm[i]->height > n ? hm[i]->width * hm[i]->height : n;
    if (k == 1) {
        /* one frame: its own arrays, no copies */
        ls[0] = st = lmp_cuda_solve_host(hm[0]->loss, hm[0]->valid, 1, n, prm, hm[0]->weight,
                                         &hm[0]->result, NULL);
        if (st != LMP_OK && st != LMP_ERR_EMPTY && st != LMP_ERR_INVALID_LOSS &&
            st != LMP_ERR_NO_CONVERGENCE) {
            snprintf(msg, msg_len, "LMP solver on the GPU: %s", lmp_status_string(st));
            return -1;
        }
        return 0;
    }
    res = calloc(k, sizeof *res);
    if (n > SIZE_MAX / sizeof(float) / k || res == NULL) {
        snprintf(msg, msg_len, "out of memory for a batch of %zu frames", k);
        goto done;
    }
    /* zeroed: the padding past each frame is masked out */
    loss = calloc(k * n, sizeof *loss);
    weight = malloc(k * n * sizeof *weight);
    valid = calloc(k * n, 1);
    if (loss == NULL || weight == NULL || valid == NULL) {
        snprintf(msg, msg_len, "out of memory for a batch of %zu frames of up to %zu pixels", k, n);
        goto done;
    }
    for (i = 0; i < k; i++) {
        size_t m = hm[i]->width * hm[i]->height;
        memcpy(loss + i * n, hm[i]->loss, m * sizeof *loss);
        memcpy(valid + i * n, hm[i]->valid, m);
    }
    st = lmp_cuda_solve_host(loss, valid, k, n, prm, weight, res, ls);
    if (st != LMP_OK && st != LMP_ERR_EMPTY && st != LMP_ERR_INVALID_LOSS &&
        st != LMP_ERR_NO_CONVERGENCE) {
        snprintf(msg, msg_len, "LMP solver on the GPU: %s", lmp_status_string(st));
        goto done;
    }
    for (i = 0; i < k; i++) {
        memcpy(hm[i]->weight, weight + i * n, hm[i]->width * hm[i]->height * sizeof *weight);
        hm[i]->result = res[i];
    }
    rc = 0;
done:
    free(res);
    free(loss);
    free(weight);
    free(valid);
    return rc;
}

/* ------------------------------------------------------------------------
 * One frame
 */
/* The frame's losses and weights: solved on the CPU, or loaded here and
 * solved on the GPU. */
static lmpviz_status
single_compute(cli_heatmap_args *a, lmpviz_heatmap *hm, lmpviz_err *err)
{
    lmpviz_heatmap *one = hm;
    lmpviz_status st;
    lmp_status ls;
    double t;

    a->in.want_argmax = a->fig.panels;
    if (!a->on_gpu)
        return lmpviz_heatmap_compute(&a->in, &a->params, NULL, hm, err);
    st = lmpviz_heatmap_load(&a->in, &a->params, hm, err);
    if (st != LMPVIZ_OK)
        return st;
    t = cli_now();
    if (cli_heatmap_gpu_solve(&one, 1, &a->params, &ls, err->msg, sizeof err->msg) != 0) {
        lmpviz_heatmap_free(hm);
        return LMPVIZ_ERR_SOLVER;
    }
    hm->seconds_solve = cli_now() - t;
    return lmpviz_heatmap_solved(hm, a->in.pred, ls, err);
}

/* --stats, --save-weights and --save-loss, each added to written[] once
 * written.  0, or CLI_EXIT_FAILURE after printing why. */
static int
write_single_files(const cli_heatmap_args *a,
                   const lmpviz_heatmap *hm,
                   const lmpviz_class_stats *cst,
                   const char **written,
                   size_t *n_written)
{
    const char *const npy_path[2] = { a->save_weights, a->save_loss };
    const float *const npy_data[2] = { hm->weight, hm->loss };
    size_t shape[2], k;
    lmpviz_err err;
    lmpviz_status st;

    memset(&err, 0, sizeof err);
    shape[0] = hm->height;
    shape[1] = hm->width;
    if (a->stats != NULL) {
        st = cli_heatmap_write_stats(a->stats, cst, &err);
        if (cli_output_written(CMD, a->stats, st, &err, written, n_written) != 0)
            return CLI_EXIT_FAILURE;
    }
    for (k = 0; k < 2; k++) {
        if (npy_path[k] == NULL)
            continue;
        st = lmpviz_npy_write_float(npy_path[k], npy_data[k], shape, 2, &err);
        if (cli_output_written(CMD, npy_path[k], st, &err, written, n_written) != 0)
            return CLI_EXIT_FAILURE;
    }
    return 0;
}

/* The result, the class table and the files written, on stdout. */
static void
print_single(const cli_heatmap_args *a,
             const lmpviz_heatmap *hm,
             const lmpviz_class_stats *cst,
             const char *const *written,
             size_t n_written)
{
    size_t k;

    printf("n = %zu valid pixels of %zux%zu, m_px = %.6g, tau = %.6g, theta = %.6g\n", hm->n_valid,
           hm->width, hm->height, hm->result.m_px, hm->result.tau, hm->result.theta);
    printf("LMP loss %.6g, mean loss %.6g, %zu pixels at the cap, %zu with weight > 0\n",
           hm->result.value, hm->result.mean, hm->result.n_clamped, hm->result.n_support);
    cli_heatmap_class_table(stdout, cst);
    for (k = 0; k < n_written; k++)
        printf("%s\n", written[k]);
    printf("%s\n", a->output);
}

static int
run_single(cli_heatmap_args *a)
{
    lmpviz_heatmap hm;
    lmpviz_class_stats cst;
    lmpviz_figure *fig = NULL;
    lmpviz_err err;
    lmpviz_status st;
    const char *written[3];
    size_t n_written = 0;
    int rc = CLI_EXIT_FAILURE;
    double t0 = cli_now(), t_fig = 0.0, t_save = 0.0, t;

    memset(&err, 0, sizeof err);
    memset(&cst, 0, sizeof cst);
    st = single_compute(a, &hm, &err);
    if (st != LMPVIZ_OK) {
        cli_error(CMD, "%s", err.msg);
        return CLI_EXIT_FAILURE;
    }
    if (hm.n_valid == 0)
        cli_error(CMD, "%s: warning: no valid pixel (every label is ignored); all weights are 0",
                  a->in.labels);
    lmpviz_class_stats_add(&cst, hm.train, hm.loss, hm.weight, hm.width * hm.height, hm.n_valid);

    t = cli_now();
    fig = lmpviz_heatmap_figure(&hm, &a->fig);
    t_fig = cli_now() - t;
    if (lmpviz_figure_status(fig) != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", a->output, lmpviz_figure_error(fig));
        goto cleanup;
    }
    if (write_single_files(a, &hm, &cst, written, &n_written) != 0)
        goto cleanup;
    t = cli_now();
    st = lmpviz_figure_save(fig, a->output, &err);
    t_save = cli_now() - t;
    if (st != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", a->output, err.msg);
        goto cleanup;
    }
    rc = CLI_EXIT_OK;
    if (!a->quiet)
        print_single(a, &hm, &cst, written, n_written);
    if (a->timing)
        fprintf(stderr,
                "lmpviz heatmap: timing: read %.3f s, loss %.3f s, solve %.3f s, figure %.3f s, "
                "draw+encode %.3f s, total %.3f s\n",
                hm.seconds_read, hm.seconds_loss, hm.seconds_solve, t_fig, t_save, cli_now() - t0);
    n_written = 0;

cleanup:
    cli_remove_outputs(written, n_written);
    lmpviz_figure_destroy(fig);
    lmpviz_heatmap_free(&hm);
    return rc;
}

/* No output may be an input or another output (before anything is read). */
static int
check_single_files(const cli_heatmap_args *a)
{
    static const char *const pred_opt[] = { "--probs", "--logits", "--loss" };
    const cli_file in[] = {
        { "--image", a->in.image },
        { "--labels", a->in.labels },
        { pred_opt[a->in.pred_kind], a->in.pred },
    };
    const cli_file out[] = {
        { "-o", a->output },
        { "--save-weights", a->save_weights },
        { "--save-loss", a->save_loss },
        { "--stats", a->stats },
    };

    return cli_check_files(CMD, in, 3, out, 4);
}

int
cmd_heatmap(int argc, char **argv)
{
    cli_heatmap_args a;
    cli_parse_result pr;
    int rc;

    memset(&a, 0, sizeof a);
    a.allow_device = 1;
    pr = cli_heatmap_parse(CMD, argc, argv, &a);
    if (pr != CLI_PARSE_OK)
        return cli_parse_exit(pr);
    /* before any file or folder is written */
    if (a.on_gpu && cli_cuda_check(CMD) != 0)
        return CLI_EXIT_FAILURE;
    if (a.sp.root != NULL)
        return cli_heatmap_run_split(&a);
    rc = check_single_files(&a);
    if (rc != 0)
        return rc;
    return run_single(&a);
}
