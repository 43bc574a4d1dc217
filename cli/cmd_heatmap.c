/* lmpviz heatmap: LMP weights over real segmentation outputs, one frame or a
 * whole Cityscapes split. */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "lmp.h"
#include "lmp_cuda.h"
#include "lmpviz.h"

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

static int
parse_unit(const char *cmd, const char *opt, const char *text, double *out)
{
    double v;
    if (cli_parse_double(cmd, opt, text, &v) != 0)
        return -1;
    if (!(v >= 0.0 && v <= 1.0)) {
        cli_usage_error(cmd, "%s: expected a number in [0, 1], got \"%s\"", opt, text);
        return -1;
    }
    *out = v;
    return 0;
}

int
cli_heatmap_parse(const char *cmd, int argc, char **argv, cli_heatmap_args *a)
{
    static const struct option longopts[] = {
        { "image", required_argument, NULL, CLI_OPT_IMAGE },
        { "labels", required_argument, NULL, CLI_OPT_LABELS },
        { "label-type", required_argument, NULL, CLI_OPT_LABEL_TYPE },
        { "probs", required_argument, NULL, CLI_OPT_PROBS },
        { "logits", required_argument, NULL, CLI_OPT_LOGITS },
        { "loss", required_argument, NULL, CLI_OPT_LOSS },
        { "layout", required_argument, NULL, CLI_OPT_LAYOUT },
        { "resize", no_argument, NULL, CLI_OPT_RESIZE },
        { "max-pixels", required_argument, NULL, CLI_OPT_MAX_PIXELS },
        { "p", required_argument, NULL, OPT_P },
        { "m", required_argument, NULL, OPT_M },
        { "m-pixels", required_argument, NULL, OPT_M_PIXELS },
        { "panels", no_argument, NULL, OPT_PANELS },
        { "save-weights", required_argument, NULL, OPT_SAVE_WEIGHTS },
        { "save-loss", required_argument, NULL, OPT_SAVE_LOSS },
        { "stats", required_argument, NULL, OPT_STATS },
        { "cmap", required_argument, NULL, CLI_OPT_CMAP },
        { "scale", required_argument, NULL, OPT_SCALE },
        { "alpha", required_argument, NULL, OPT_ALPHA },
        { "dim", required_argument, NULL, OPT_DIM },
        { "desaturate", required_argument, NULL, OPT_DESATURATE },
        { "vmax", required_argument, NULL, CLI_OPT_VMAX },
        { "width", required_argument, NULL, OPT_WIDTH },
        { "title", required_argument, NULL, OPT_TITLE },
        { "output", required_argument, NULL, 'o' },
        { "cityscapes-root", required_argument, NULL, CLI_OPT_ROOT },
        { "split", required_argument, NULL, CLI_OPT_SPLIT },
        { "city", required_argument, NULL, CLI_OPT_CITY },
        { "pred-dir", required_argument, NULL, CLI_OPT_PRED_DIR },
        { "pred-suffix", required_argument, NULL, CLI_OPT_PRED_SUFFIX },
        { "out-dir", required_argument, NULL, CLI_OPT_OUT_DIR },
        { "jobs", required_argument, NULL, CLI_OPT_JOBS },
        { "shard", required_argument, NULL, CLI_OPT_SHARD },
        { "quiet", no_argument, NULL, OPT_QUIET },
        { "timing", no_argument, NULL, OPT_TIMING },
        { "device", required_argument, NULL, OPT_DEVICE },
        { "batch", required_argument, NULL, OPT_BATCH },
        { "resume", no_argument, NULL, OPT_RESUME },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    lmp_params def = LMP_PARAMS_INIT;
    lmpviz_overlay_opts ov = LMPVIZ_OVERLAY_OPTS_INIT;
    int c;

    a->params = def;
    a->fig.overlay = ov;
    a->output = HEATMAP_DEFAULT_OUT;
    a->sp.split = "val";
    a->sp.pred_suffix = DEFAULT_PRED_SUFFIX;
    a->sp.jobs = cli_default_jobs();
    a->batch = DEFAULT_BATCH;

    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
        int shared = cli_parse_frame_opt(cmd, c, optarg, &a->in, &a->n_pred, &a->fig.overlay, &a->sp);
        if (shared < 0)
            return CLI_EXIT_USAGE;
        if (shared > 0)
            continue;
        switch (c) {
        case OPT_P:
            if (cli_parse_p(cmd, "--p", optarg, &a->params.p) != 0)
                return CLI_EXIT_USAGE;
            break;
        case OPT_M:
            if (cli_parse_m(cmd, "--m", optarg, &a->params.m) != 0)
                return CLI_EXIT_USAGE;
            a->have_m = 1;
            break;
        case OPT_M_PIXELS:
            if (cli_parse_m_pixels(cmd, "--m-pixels", optarg, &a->params.m_pixels) != 0)
                return CLI_EXIT_USAGE;
            a->have_m_px = 1;
            break;
        case OPT_PANELS:
            a->fig.panels = 1;
            break;
        case OPT_SAVE_WEIGHTS:
            a->save_weights = optarg;
            a->any_single = 1;
            break;
        case OPT_SAVE_LOSS:
            a->save_loss = optarg;
            a->any_single = 1;
            break;
        case OPT_STATS:
            a->stats = optarg;
            a->any_single = 1;
            break;
        case OPT_SCALE:
            if (lmpviz_hscale_parse(optarg, &a->fig.overlay.scale) != LMPVIZ_OK)
                return cli_usage_error(cmd, "--scale: expected linear, log or rank, got \"%s\"",
                                       optarg);
            break;
        case OPT_ALPHA:
            if (parse_unit(cmd, "--alpha", optarg, &a->fig.overlay.alpha) != 0)
                return CLI_EXIT_USAGE;
            break;
        case OPT_DIM:
            if (parse_unit(cmd, "--dim", optarg, &a->fig.overlay.dim) != 0)
                return CLI_EXIT_USAGE;
            break;
        case OPT_DESATURATE:
            if (parse_unit(cmd, "--desaturate", optarg, &a->fig.overlay.desaturate) != 0)
                return CLI_EXIT_USAGE;
            break;
        case OPT_WIDTH:
            if (cli_parse_size(cmd, "--width", optarg, &a->fig.width_px) != 0)
                return CLI_EXIT_USAGE;
            if (a->fig.width_px < 200 || a->fig.width_px > 16384)
                return cli_usage_error(cmd, "--width: expected 200..16384 pixels, got \"%s\"",
                                       optarg);
            break;
        case OPT_TITLE:
            a->fig.title = optarg;
            break;
        case 'o':
            a->output = optarg;
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
        case OPT_DEVICE:
            if (!a->allow_device)
                return cli_usage_error(cmd, "--device: not available here (it solves on the CPU)");
            if (cli_parse_device(cmd, optarg, &a->on_gpu) != 0)
                return CLI_EXIT_USAGE;
            break;
        case OPT_BATCH:
            if (!a->allow_device)
                return cli_usage_error(cmd, "--batch: not available here (it solves on the CPU)");
            if (cli_parse_size(cmd, "--batch", optarg, &a->batch) != 0)
                return CLI_EXIT_USAGE;
            if (a->batch < 1 || a->batch > LMP_CUDA_MAX_BATCH)
                return cli_usage_error(cmd, "--batch: expected 1..%d frames, got \"%s\"",
                                       LMP_CUDA_MAX_BATCH, optarg);
            break;
        case 'h':
            usage(stdout);
            return -1;
        case ':':
            return cli_usage_error(cmd, "%s: expected a value", argv[optind - 1]);
        default:
            return cli_usage_error(cmd, "unknown option \"%s\"", argv[optind - 1]);
        }
    }
    /* The frame inputs, like -o and the files saved, belong to one frame. */
    if (a->in.image != NULL || a->in.labels != NULL || a->n_pred > 0)
        a->any_single = 1;
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument \"%s\"", argv[optind]);
    if (a->have_m && a->have_m_px)
        return cli_usage_error(cmd, "--m and --m-pixels: give one of them");
    if (a->sp.root != NULL) {
        if (a->any_single)
            return cli_usage_error(
                cmd, "--cityscapes-root: processes a split; --image, --labels, --probs, "
                     "--logits, --loss, -o, --stats, --save-weights and --save-loss "
                     "are for one frame");
        return cli_split_check(cmd, a->sp.split, a->sp.pred_dir, a->sp.pred_suffix, a->sp.out_dir,
                               &a->in.pred_kind);
    }
    if (a->sp.pred_dir != NULL || a->sp.out_dir != NULL || a->sp.city != NULL ||
        a->sp.shard_n != 0 || a->resume)
        return cli_usage_error(
            cmd, "--pred-dir, --out-dir, --city, --shard and --resume: need --cityscapes-root DIR");
    if (a->in.image == NULL)
        return cli_usage_error(
            cmd, "--image: expected the frame PNG (or --cityscapes-root for a split)");
    if (a->in.labels == NULL)
        return cli_usage_error(cmd, "--labels: expected the ground-truth label PNG");
    if (a->n_pred != 1)
        return cli_usage_error(cmd, "expected exactly one of --probs, --logits and --loss, got %d",
                               a->n_pred);
    if (cli_check_output(cmd, a->output) != 0)
        return CLI_EXIT_USAGE;
    if (a->save_weights != NULL &&
        cli_check_output_ext(cmd, "--save-weights", a->save_weights, ".npy") != 0)
        return CLI_EXIT_USAGE;
    if (a->save_loss != NULL && cli_check_output_ext(cmd, "--save-loss", a->save_loss, ".npy") != 0)
        return CLI_EXIT_USAGE;
    if (a->stats != NULL && a->stats[0] == '\0')
        return cli_usage_error(cmd, "--stats: expected a file name");
    return 0;
}

static void
print_class_table(FILE *out, const lmpviz_class_stats *st)
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
write_stats_csv(const char *path, const lmpviz_class_stats *st, lmpviz_err *err)
{
    lmpviz_afile af;
    lmpviz_status s;

    memset(&af, 0, sizeof af);
    s = lmpviz_afile_open(&af, path, err);
    if (s != LMPVIZ_OK)
        return s;
    s = lmpviz_class_stats_write_csv(st, af.fp);
    if (s != LMPVIZ_OK) {
        snprintf(err->msg, sizeof err->msg, "write failed");
        return lmpviz_afile_fail(&af, s, err);
    }
    return lmpviz_afile_commit(&af, err);
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
static int
gpu_solve(
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
    loss = malloc(k * n * sizeof *loss);
    weight = malloc(k * n * sizeof *weight);
    valid = malloc(k * n);
    if (loss == NULL || weight == NULL || valid == NULL) {
        snprintf(msg, msg_len, "out of memory for a batch of %zu frames of up to %zu pixels", k, n);
        goto done;
    }
    for (i = 0; i < k; i++) {
        size_t m = hm[i]->width * hm[i]->height;
        memcpy(loss + i * n, hm[i]->loss, m * sizeof *loss);
        memcpy(valid + i * n, hm[i]->valid, m);
        memset(loss + i * n + m, 0, (n - m) * sizeof *loss);
        memset(valid + i * n + m, 0, n - m);
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
static int
run_single(cli_heatmap_args *a)
{
    lmpviz_heatmap hm;
    lmpviz_class_stats cst;
    lmpviz_figure *fig = NULL;
    lmpviz_err err;
    lmpviz_status st;
    const char *written[4];
    size_t n_written = 0, k, shape[2];
    int rc = CLI_EXIT_FAILURE;
    double t0 = cli_now(), t_fig = 0.0, t_save = 0.0, t;

    memset(&err, 0, sizeof err);
    memset(&cst, 0, sizeof cst);
    a->in.want_argmax = a->fig.panels;
    if (!a->on_gpu) {
        st = lmpviz_heatmap_compute(&a->in, &a->params, NULL, &hm, &err);
    } else {
        st = lmpviz_heatmap_load(&a->in, &a->params, &hm, &err);
        if (st == LMPVIZ_OK) {
            lmpviz_heatmap *one = &hm;
            lmp_status ls;
            t = cli_now();
            if (gpu_solve(&one, 1, &a->params, &ls, err.msg, sizeof err.msg) != 0) {
                lmpviz_heatmap_free(&hm);
                st = LMPVIZ_ERR_SOLVER;
            } else {
                hm.seconds_solve = cli_now() - t;
                st = lmpviz_heatmap_solved(&hm, a->in.pred, ls, &err);
            }
        }
    }
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
    shape[0] = hm.height;
    shape[1] = hm.width;
    if (a->stats != NULL) {
        st = write_stats_csv(a->stats, &cst, &err);
        if (st != LMPVIZ_OK) {
            cli_error(CMD, "%s: %s", a->stats, err.msg);
            goto cleanup;
        }
        written[n_written++] = a->stats;
    }
    if (a->save_weights != NULL) {
        st = lmpviz_npy_write_float(a->save_weights, hm.weight, shape, 2, &err);
        if (st != LMPVIZ_OK) {
            cli_error(CMD, "%s: %s", a->save_weights, err.msg);
            goto cleanup;
        }
        written[n_written++] = a->save_weights;
    }
    if (a->save_loss != NULL) {
        st = lmpviz_npy_write_float(a->save_loss, hm.loss, shape, 2, &err);
        if (st != LMPVIZ_OK) {
            cli_error(CMD, "%s: %s", a->save_loss, err.msg);
            goto cleanup;
        }
        written[n_written++] = a->save_loss;
    }
    t = cli_now();
    st = lmpviz_figure_save(fig, a->output, &err);
    t_save = cli_now() - t;
    if (st != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", a->output, err.msg);
        goto cleanup;
    }
    rc = CLI_EXIT_OK;
    if (!a->quiet) {
        printf("n = %zu valid pixels of %zux%zu, m_px = %.6g, tau = %.6g, theta = %.6g\n",
               hm.n_valid, hm.width, hm.height, hm.result.m_px, hm.result.tau, hm.result.theta);
        printf("LMP loss %.6g, mean loss %.6g, %zu pixels at the cap, %zu with weight > 0\n",
               hm.result.value, hm.result.mean, hm.result.n_clamped, hm.result.n_support);
        print_class_table(stdout, &cst);
        for (k = 0; k < n_written; k++)
            printf("%s\n", written[k]);
        printf("%s\n", a->output);
    }
    if (a->timing)
        fprintf(stderr,
                "lmpviz heatmap: timing: read %.3f s, loss %.3f s, solve %.3f s, figure %.3f s, "
                "draw+encode %.3f s, total %.3f s\n",
                hm.seconds_read, hm.seconds_loss, hm.seconds_solve, t_fig, t_save, cli_now() - t0);
    n_written = 0;

cleanup:
    for (k = 0; k < n_written; k++)
        cli_remove_output(written[k]);
    lmpviz_figure_destroy(fig);
    lmpviz_heatmap_free(&hm);
    return rc;
}

/* ------------------------------------------------------------------------
 * A whole split
 */
typedef struct frame_job {
    lmpviz_class_stats stats;
    size_t n_valid;
    double mean, value;
} frame_job;

typedef struct split_run {
    cli_heatmap_args *a;
    cli_frame *frames; /* n of them */
    frame_job *jobs;   /* one per frame */
    cli_frame_result *res;
    size_t n;
    /* --device cuda: the batch of frames base.. in hand; hm[j] is frame
     * base + j; the pool that draws them runs over draw[0..] */
    size_t base;
    lmpviz_heatmap *hm;
    size_t *draw;
} split_run;

/* The frame's inputs, as lmpviz_heatmap_input. */
static lmpviz_heatmap_input
frame_input(const cli_heatmap_args *a, const cli_frame *fr)
{
    lmpviz_heatmap_input in = a->in;

    in.image = fr->image;
    in.labels = fr->labels;
    in.pred = fr->pred;
    in.want_argmax = a->fig.panels && in.pred_kind != LMPVIZ_PRED_LOSS;
    return in;
}

/* ------------------------------------------------------------------------
 * Per-frame records (--resume): STEM_record.csv beside the frame's figure
 * and table, written after them, so that it exists only when both are
 * whole.  It holds what the split's tables need from the frame: the LMP
 * parameters it was solved with, n, the mean and LMP losses, the seconds
 * it took and its per-class sums ("class,ID,PIXELS,LOSS_SUM,NW_SUM",
 * doubles in %.17g, which read back exactly).
 */
#define RECORD_MAGIC "lmpviz-frame-record,1"

/* DIR/STEM + suffix, malloc'ed. */
static char *
frame_file(const char *dir, const char *stem, const char *suffix)
{
    size_t len = strlen(dir) + strlen(stem) + strlen(suffix) + 2;
    char *p = malloc(len);

    if (p != NULL)
        snprintf(p, len, "%s/%s%s", dir, stem, suffix);
    return p;
}

static lmpviz_status
write_record(
    const char *path, const lmp_params *prm, const frame_job *f, double seconds, lmpviz_err *err)
{
    lmpviz_afile af;
    lmpviz_status st;
    size_t k;

    st = lmpviz_afile_open(&af, path, err);
    if (st != LMPVIZ_OK)
        return st;
    fprintf(af.fp, "%s\np,%.17g\nm,%.17g\nm_pixels,%.17g\n", RECORD_MAGIC, prm->p, prm->m,
            prm->m_pixels);
    fprintf(af.fp, "n_valid,%zu\nmean_loss,%.17g\nlmp_loss,%.17g\nseconds,%.17g\n", f->n_valid,
            f->mean, f->value, seconds);
    for (k = 0; k < LMPVIZ_CS_CLASSES; k++) {
        if (f->stats.pixels[k] > 0)
            fprintf(af.fp, "class,%zu,%zu,%.17g,%.17g\n", k, f->stats.pixels[k],
                    f->stats.loss_sum[k], f->stats.nw_sum[k]);
    }
    return lmpviz_afile_commit(&af, err);
}

/* 0 when path is a whole record for these parameters, not older than the
 * frame's inputs; fills f and *seconds.  -1 otherwise (the frame is then
 * computed again). */
static int
read_record(
    const char *path, const lmp_params *prm, const cli_frame *fr, frame_job *f, double *seconds)
{
    FILE *fp = fopen(path, "r");
    char line[256];
    double p = NAN, m = NAN, m_px = NAN;
    int have = 0, ok;
    struct stat rec, in;
    const char *inputs[3];
    size_t k;

    if (fp == NULL)
        return -1;
    memset(f, 0, sizeof *f);
    *seconds = 0.0;
    ok = fgets(line, sizeof line, fp) != NULL && strcmp(line, RECORD_MAGIC "\n") == 0;
    while (ok && fgets(line, sizeof line, fp) != NULL) {
        size_t id, px;
        double a, b;
        if (strchr(line, '\n') == NULL)
            ok = 0;
        else if (sscanf(line, "class,%zu,%zu,%lf,%lf", &id, &px, &a, &b) == 4 &&
                 id < LMPVIZ_CS_CLASSES) {
            f->stats.pixels[id] = px;
            f->stats.loss_sum[id] = a;
            f->stats.nw_sum[id] = b;
        } else if (sscanf(line, "p,%lf", &p) == 1 || sscanf(line, "m,%lf", &m) == 1 ||
                   sscanf(line, "m_pixels,%lf", &m_px) == 1) {
            have++;
        } else if (sscanf(line, "n_valid,%zu", &f->n_valid) == 1 ||
                   sscanf(line, "mean_loss,%lf", &f->mean) == 1 ||
                   sscanf(line, "lmp_loss,%lf", &f->value) == 1 ||
                   sscanf(line, "seconds,%lf", seconds) == 1) {
            have++;
        } else {
            ok = 0;
        }
    }
    ok = ok && !ferror(fp) && have == 7;
    fclose(fp);
    /* the same problem: p, m and m_pixels as given now */
    if (!ok || p != prm->p || m != prm->m || m_px != prm->m_pixels)
        return -1;
    /* inputs changed since (a new model's predictions): computed again */
    inputs[0] = fr->image;
    inputs[1] = fr->labels;
    inputs[2] = fr->pred;
    if (stat(path, &rec) != 0)
        return -1;
    for (k = 0; k < 3; k++) {
        if (stat(inputs[k], &in) != 0 || in.st_mtime > rec.st_mtime)
            return -1;
    }
    f->stats.frames = 1;
    return 0;
}

/* Removes the temporaries of a dead run of lmpviz (one killed before it
 * could) for the files base[0..n_base) in dir: names that
 * lmpviz_afile_is_tmp recognises, made for one of those files, by a
 * process that is gone (or by one with this process's id, as in a
 * container started again).  Nothing else is touched: other files, other
 * frames' temporaries and a live run's are left alone. */
static void
remove_stale_tmp(const char *dir, const char *const *base, size_t n_base)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t mark_len = strlen(LMPVIZ_AFILE_TMP_MARK);

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        const char *mark;
        unsigned long pid;
        size_t k, len;
        char *path;
        if (!lmpviz_afile_is_tmp(e->d_name))
            continue;
        mark = strstr(e->d_name, LMPVIZ_AFILE_TMP_MARK);
        while (strstr(mark + 1, LMPVIZ_AFILE_TMP_MARK) != NULL)
            mark = strstr(mark + 1, LMPVIZ_AFILE_TMP_MARK);
        len = (size_t)(mark - e->d_name);
        for (k = 0; k < n_base; k++) {
            if (strlen(base[k]) == len && strncmp(base[k], e->d_name, len) == 0)
                break;
        }
        if (k == n_base)
            continue;
        pid = strtoul(mark + mark_len, NULL, 16);
        if ((pid_t)pid != getpid() && (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
            continue; /* alive, here or not ours to judge */
        path = frame_file(dir, e->d_name, "");
        if (path != NULL)
            unlink(path);
        free(path);
    }
    closedir(d);
}

/* Frame i, solved in hm: its statistics, figure, table and record.
 * seconds: the time already spent on it (reading, solving). */
static int
save_frame(split_run *r,
           size_t i,
           const lmpviz_heatmap *hm,
           double seconds,
           char *note,
           size_t note_len,
           char *msg,
           size_t msg_len)
{
    double t_save = cli_now();
    char *rec = NULL;
    cli_heatmap_args *a = r->a;
    const cli_frame *fr = &r->frames[i];
    frame_job *f = &r->jobs[i];
    lmpviz_figure *fig = NULL;
    lmpviz_err err;
    lmpviz_status st;
    char *dir = NULL, *png = NULL, *csv = NULL;
    int rc = -1;

    memset(&err, 0, sizeof err);
    lmpviz_class_stats_add(&f->stats, hm->train, hm->loss, hm->weight, hm->width * hm->height,
                           hm->n_valid);
    f->n_valid = hm->n_valid;
    f->mean = hm->result.mean;
    f->value = hm->result.value;
    dir = cli_path_join(a->sp.out_dir, fr->city, NULL);
    png = dir ? frame_file(dir, fr->stem, "_lmp.png") : NULL;
    csv = dir ? frame_file(dir, fr->stem, "_stats.csv") : NULL;
    if (png == NULL || csv == NULL) {
        snprintf(msg, msg_len, "out of memory");
        goto done;
    }
    if (cli_mkdir_p(dir) != 0) {
        snprintf(msg, msg_len, "%s: cannot create the folder: %s", dir, strerror(errno));
        goto done;
    }
    fig = lmpviz_heatmap_figure(hm, &a->fig);
    if (lmpviz_figure_status(fig) != LMPVIZ_OK) {
        snprintf(msg, msg_len, "%s: %s", png, lmpviz_figure_error(fig));
        goto done;
    }
    st = write_stats_csv(csv, &f->stats, &err);
    if (st != LMPVIZ_OK) {
        snprintf(msg, msg_len, "%s: %s", csv, err.msg);
        goto done;
    }
    st = lmpviz_figure_save(fig, png, &err);
    if (st != LMPVIZ_OK) {
        cli_remove_output(csv);
        snprintf(msg, msg_len, "%s: %s", png, err.msg);
        goto done;
    }
    /* last: the record says the figure and the table are whole */
    rec = frame_file(dir, fr->stem, "_record.csv");
    st = rec != NULL ? write_record(rec, &a->params, f, seconds + (cli_now() - t_save), &err)
                     : LMPVIZ_ERR_NOMEM;
    if (st != LMPVIZ_OK) {
        snprintf(msg, msg_len, "%s: %s", rec ? rec : "record", err.msg);
        goto done;
    }
    snprintf(note, note_len, "n = %zu, mean loss %.4g, LMP loss %.4g", f->n_valid, f->mean,
             f->value);
    rc = 0;
done:
    lmpviz_figure_destroy(fig);
    free(dir);
    free(png);
    free(csv);
    free(rec);
    return rc;
}

/* --device cpu: frame i from the files to the figure. */
static int
process_frame(
    void *ctx, size_t i, void *state, char *note, size_t note_len, char *msg, size_t msg_len)
{
    split_run *r = ctx;
    const cli_frame *fr = &r->frames[i];
    lmpviz_heatmap_input in = frame_input(r->a, fr);
    lmpviz_heatmap hm;
    lmpviz_err err;
    double t0 = cli_now();
    int rc;

    memset(&err, 0, sizeof err);
    if (cli_frame_missing(fr, msg, msg_len))
        return -1;
    if (lmpviz_heatmap_compute(&in, &r->a->params, state, &hm, &err) != LMPVIZ_OK) {
        snprintf(msg, msg_len, "%s", err.msg);
        return -1;
    }
    rc = save_frame(r, i, &hm, cli_now() - t0, note, note_len, msg, msg_len);
    lmpviz_heatmap_free(&hm);
    return rc;
}

/* --device cuda, first stage: the losses of frame base + j. */
static int
load_frame(void *ctx, size_t j, void *state, char *note, size_t note_len, char *msg, size_t msg_len)
{
    split_run *r = ctx;
    const cli_frame *fr = &r->frames[r->base + j];
    lmpviz_heatmap_input in = frame_input(r->a, fr);
    lmpviz_err err;

    (void)state;
    (void)note;
    (void)note_len;
    memset(&err, 0, sizeof err);
    if (cli_frame_missing(fr, msg, msg_len))
        return -1;
    if (lmpviz_heatmap_load(&in, &r->a->params, &r->hm[j], &err) != LMPVIZ_OK) {
        snprintf(msg, msg_len, "%s", err.msg);
        return -1;
    }
    return 0;
}

/* --device cuda, last stage: the figure of the k-th solved frame. */
static int
draw_frame(void *ctx, size_t k, void *state, char *note, size_t note_len, char *msg, size_t msg_len)
{
    split_run *r = ctx;
    size_t j = r->draw[k];

    (void)state;
    return save_frame(r, r->base + j, &r->hm[j], r->res[r->base + j].seconds, note, note_len, msg,
                      msg_len);
}

/* --device cuda: the frames in batches of --batch.  Each batch's losses
 * are computed on --jobs threads, solved in one GPU call from this thread,
 * and drawn on --jobs threads.  Returns the number of frames that failed.
 * The pools run quiet; failures are reported as they do, and progress is
 * one line per frame after each batch. */
static size_t
run_batches(split_run *r, const cli_split_pool *base_pool)
{
    cli_heatmap_args *a = r->a;
    size_t nb = a->batch < r->n ? a->batch : r->n;
    cli_frame_result *res = calloc(nb ? nb : 1, sizeof *res);
    cli_frame *sub = calloc(nb ? nb : 1, sizeof *sub);
    lmpviz_heatmap **solve = calloc(nb ? nb : 1, sizeof *solve);
    lmp_status *ls = calloc(nb ? nb : 1, sizeof *ls);
    char msg[LMPVIZ_ERR_LEN];
    size_t start, j, failed = 0, done = 0;

    r->hm = calloc(nb ? nb : 1, sizeof *r->hm);
    r->draw = calloc(nb ? nb : 1, sizeof *r->draw);
    if (res == NULL || sub == NULL || solve == NULL || ls == NULL || r->hm == NULL ||
        r->draw == NULL) {
        cli_error(CMD, "out of memory for a batch of %zu frames", nb);
        failed = r->n;
        goto done;
    }
    for (start = 0; start < r->n && !cli_interrupted(); start += nb) {
        size_t k = r->n - start < nb ? r->n - start : nb, n_solve = 0, n_draw = 0;
        cli_split_pool pool = *base_pool;
        double t, t_solve;

        r->base = start;
        pool.frames = r->frames + start;
        pool.n = k;
        pool.quiet = 1;
        pool.thread_begin = NULL;
        pool.thread_end = NULL;
        pool.process = load_frame;
        cli_split_pool_run(&pool, res);
        for (j = 0; j < k; j++) {
            r->res[start + j].seconds = res[j].seconds;
            r->res[start + j].ran = res[j].ran;
            if (res[j].ok)
                solve[n_solve++] = &r->hm[j];
        }

        t = cli_now();
        msg[0] = '\0';
        if (n_solve > 0 && gpu_solve(solve, n_solve, &a->params, ls, msg, sizeof msg) != 0) {
            for (j = 0; j < n_solve; j++)
                lmpviz_heatmap_free(solve[j]);
        }
        t_solve = n_solve > 0 ? (cli_now() - t) / (double)n_solve : 0.0;
        for (j = 0, n_solve = 0; j < k; j++) {
            const cli_frame *fr = &r->frames[start + j];
            lmpviz_err err;
            int ok;
            if (!res[j].ok)
                continue;
            r->res[start + j].seconds += t_solve;
            r->hm[j].seconds_solve = t_solve;
            memset(&err, 0, sizeof err);
            if (msg[0] != '\0') {
                snprintf(err.msg, sizeof err.msg, "%s", msg);
                ok = 0;
            } else {
                ok = lmpviz_heatmap_solved(&r->hm[j], fr->pred, ls[n_solve], &err) == LMPVIZ_OK;
            }
            n_solve++;
            if (ok) {
                r->draw[n_draw] = j;
                sub[n_draw++] = *fr;
            } else {
                cli_error(CMD, "%s: skipped: %s", fr->stem, err.msg);
            }
        }

        pool.frames = sub;
        pool.n = n_draw;
        pool.process = draw_frame;
        cli_split_pool_run(&pool, res);
        for (j = 0; j < n_draw; j++) {
            size_t i = start + r->draw[j];
            r->res[i].seconds += res[j].seconds;
            r->res[i].ok = res[j].ok;
            r->res[i].ran = res[j].ran;
        }
        for (j = 0; j < k; j++) {
            size_t i = start + j;
            done++;
            if (!r->res[i].ok && r->res[i].ran)
                failed++;
            else if (!a->quiet)
                fprintf(stderr,
                        "lmpviz %s: [%zu/%zu] %s: n = %zu, mean loss %.4g, LMP loss %.4g "
                        "(%.2f s)\n",
                        CMD, done, r->n, r->frames[i].stem, r->jobs[i].n_valid, r->jobs[i].mean,
                        r->jobs[i].value, r->res[i].seconds);
            lmpviz_heatmap_free(&r->hm[j]);
        }
    }
done:
    free(res);
    free(sub);
    free(solve);
    free(ls);
    free(r->hm);
    free(r->draw);
    r->hm = NULL;
    r->draw = NULL;
    return failed;
}

static int
write_tables(split_run *r, const lmpviz_class_stats *total)
{
    cli_heatmap_args *a = r->a;
    char *pc = NULL, *pf = NULL;
    lmpviz_afile af;
    lmpviz_err err;
    lmpviz_status st;
    size_t i;
    int rc = -1;

    memset(&err, 0, sizeof err);
    pc = cli_shard_path(a->sp.out_dir, "classes", ".csv", a->sp.shard_i, a->sp.shard_n);
    pf = cli_shard_path(a->sp.out_dir, "frames", ".csv", a->sp.shard_i, a->sp.shard_n);
    if (pc == NULL || pf == NULL)
        goto done;
    st = write_stats_csv(pc, total, &err);
    if (st != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", pc, err.msg);
        goto done;
    }
    memset(&af, 0, sizeof af);
    st = lmpviz_afile_open(&af, pf, &err);
    if (st != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", pf, err.msg);
        goto done;
    }
    fprintf(af.fp, "city,frame,status,n_valid,mean_loss,lmp_loss,seconds\n");
    for (i = 0; i < r->n; i++) {
        const cli_frame *fr = &r->frames[i];
        const frame_job *f = &r->jobs[i];
        if (r->res[i].ok)
            fprintf(af.fp, "%s,%s,ok,%zu,%.9g,%.9g,%.3f\n", fr->city, fr->stem, f->n_valid, f->mean,
                    f->value, r->res[i].seconds);
        else if (r->res[i].ran)
            fprintf(af.fp, "%s,%s,failed,,,,%.3f\n", fr->city, fr->stem, r->res[i].seconds);
        else
            fprintf(af.fp, "%s,%s,not_run,,,,\n", fr->city, fr->stem);
    }
    st = lmpviz_afile_commit(&af, &err);
    if (st != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", pf, err.msg);
        goto done;
    }
    if (!a->quiet)
        printf("%s\n%s\n", pc, pf);
    rc = 0;
done:
    free(pc);
    free(pf);
    return rc;
}

/* Before the first frame: the temporaries a dead run left for this run's
 * frames and tables (and only those). */
static void
clean_stale(const split_run *r)
{
    const cli_heatmap_args *a = r->a;
    size_t i = 0;

    while (i < r->n) {
        /* the frames of one city, which share a folder */
        size_t j = i, k, n_base = 0;
        const char **base = NULL;
        char *dir = cli_path_join(a->sp.out_dir, r->frames[i].city, NULL);
        char **names = NULL;
        while (j < r->n && strcmp(r->frames[j].city, r->frames[i].city) == 0)
            j++;
        names = calloc(3 * (j - i), sizeof *names);
        base = calloc(3 * (j - i), sizeof *base);
        if (dir != NULL && names != NULL && base != NULL) {
            static const char *const suffix[3] = { "_lmp.png", "_stats.csv", "_record.csv" };
            for (k = i; k < j; k++) {
                size_t s;
                for (s = 0; s < 3; s++) {
                    names[n_base] = frame_file("", r->frames[k].stem, suffix[s]);
                    if (names[n_base] != NULL)
                        base[n_base] = names[n_base] + 1; /* past the "/" */
                    if (names[n_base] != NULL)
                        n_base++;
                }
            }
            remove_stale_tmp(dir, base, n_base);
        }
        for (k = 0; names != NULL && k < n_base; k++)
            free(names[k]);
        free(names);
        free(base);
        free(dir);
        i = j;
    }
    {
        char *pc = cli_shard_path("", "classes", ".csv", a->sp.shard_i, a->sp.shard_n);
        char *pf = cli_shard_path("", "frames", ".csv", a->sp.shard_i, a->sp.shard_n);
        if (pc != NULL && pf != NULL) {
            const char *tables[2] = { pc + 1, pf + 1 };
            remove_stale_tmp(a->sp.out_dir, tables, 2);
        }
        free(pc);
        free(pf);
    }
}

/* --resume: the frames whose record is whole and matches; their results
 * go into r->jobs and r->res.  Returns how many. */
static size_t
resume_frames(split_run *r, unsigned char *done)
{
    size_t i, n_done = 0;

    for (i = 0; i < r->n; i++) {
        const cli_frame *fr = &r->frames[i];
        char *dir = cli_path_join(r->a->sp.out_dir, fr->city, NULL);
        char *rec = dir ? frame_file(dir, fr->stem, "_record.csv") : NULL;
        char *png = dir ? frame_file(dir, fr->stem, "_lmp.png") : NULL;
        char *csv = dir ? frame_file(dir, fr->stem, "_stats.csv") : NULL;
        double seconds;
        if (rec != NULL && png != NULL && csv != NULL && cli_is_file(png) && cli_is_file(csv) &&
            read_record(rec, &r->a->params, fr, &r->jobs[i], &seconds) == 0) {
            done[i] = 1;
            r->res[i].ok = 1;
            r->res[i].ran = 1;
            r->res[i].seconds = seconds;
            n_done++;
        }
        free(dir);
        free(rec);
        free(png);
        free(csv);
    }
    return n_done;
}

static int
run_split(cli_heatmap_args *a)
{
    split_run r, todo;
    cli_split_pool pool;
    size_t i, k, total = 0, ok = 0, failed, n_resumed = 0, not_run = 0;
    unsigned char *done = NULL;
    lmpviz_class_stats sum;
    double t0;
    int rc = CLI_EXIT_FAILURE, sig;

    memset(&r, 0, sizeof r);
    memset(&todo, 0, sizeof todo);
    memset(&sum, 0, sizeof sum);
    r.a = a;
    if (cli_split_list(CMD, a->sp.root, a->sp.split, a->sp.city, cli_label_suffix(a->in.label_type),
                       a->sp.pred_dir, a->sp.pred_suffix, a->sp.shard_i, a->sp.shard_n, &r.frames, &r.n,
                       &total) != 0)
        goto cleanup;
    if (cli_split_ready(CMD, a->sp.root, a->sp.split, a->sp.city, total, a->sp.out_dir) != 0)
        goto cleanup;
    if (r.n > 0) {
        r.jobs = calloc(r.n, sizeof *r.jobs);
        r.res = calloc(r.n, sizeof *r.res);
        done = calloc(r.n, 1);
        todo.frames = calloc(r.n, sizeof *todo.frames);
        todo.jobs = calloc(r.n, sizeof *todo.jobs);
        todo.res = calloc(r.n, sizeof *todo.res);
        if (r.jobs == NULL || r.res == NULL || done == NULL || todo.frames == NULL ||
            todo.jobs == NULL || todo.res == NULL) {
            cli_error(CMD, "out of memory listing the frames");
            goto cleanup;
        }
    }
    clean_stale(&r);
    if (a->resume)
        n_resumed = resume_frames(&r, done);
    /* the frames left to do, as a split of their own */
    todo.a = a;
    for (i = 0; i < r.n; i++) {
        if (!done[i])
            todo.frames[todo.n++] = r.frames[i];
    }
    if (a->resume && !a->quiet)
        fprintf(stderr, "lmpviz %s: --resume: %zu of %zu frames already done, %zu to do\n", CMD,
                n_resumed, r.n, todo.n);

    memset(&pool, 0, sizeof pool);
    pool.cmd = CMD;
    pool.frames = todo.frames;
    pool.n = todo.n;
    pool.jobs = a->sp.jobs;
    pool.quiet = a->quiet;
    pool.ctx = &todo;
    pool.thread_begin = cli_pool_workspace_begin;
    pool.thread_end = cli_pool_workspace_end;
    pool.process = process_frame;
    t0 = cli_now();
    cli_interrupt_begin();
    failed = todo.n == 0 ? 0
             : a->on_gpu ? run_batches(&todo, &pool)
                         : cli_split_pool_run(&pool, todo.res);
    for (i = 0, k = 0; i < r.n; i++) {
        if (done[i])
            continue;
        r.jobs[i] = todo.jobs[k];
        r.res[i] = todo.res[k];
        k++;
    }

    /* Frame order, not completion order: the sums do not depend on --jobs. */
    for (i = 0; i < r.n; i++) {
        if (r.res[i].ok) {
            lmpviz_class_stats_merge(&sum, &r.jobs[i].stats);
            ok++;
        }
        not_run += !r.res[i].ran;
    }
    sig = cli_interrupted();
    if (write_tables(&r, &sum) != 0) {
        cli_interrupt_end();
        goto cleanup;
    }
    cli_interrupt_end();
    if (!a->quiet) {
        printf("%zu frames: %zu written, %zu failed", r.n, ok, failed);
        if (n_resumed > 0)
            printf(", %zu of them kept from an earlier run", n_resumed);
        if (not_run > 0)
            printf(", %zu not run", not_run);
        printf(" (%.1f s)\n", cli_now() - t0);
        if (ok > 0)
            print_class_table(stdout, &sum);
    }
    rc = failed > 0 ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
    if (failed > 0)
        cli_error(CMD, "%zu of %zu frames failed", failed, r.n);
    if (sig != 0) {
        cli_error(CMD,
                  "interrupted (%s): the tables cover the %zu frames done; %zu not run (rerun "
                  "with --resume)",
                  sig == SIGINT    ? "SIGINT"
                  : sig == SIGTERM ? "SIGTERM"
                                   : "signal",
                  ok, not_run);
        rc = 128 + sig;
    }

cleanup:
    free(r.jobs);
    free(r.res);
    free(done);
    free(todo.frames);
    free(todo.jobs);
    free(todo.res);
    cli_split_free(r.frames, r.n);
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
    int rc;

    memset(&a, 0, sizeof a);
    a.allow_device = 1;
    rc = cli_heatmap_parse(CMD, argc, argv, &a);
    if (rc != 0)
        return rc < 0 ? CLI_EXIT_OK : rc;
    /* before any file or folder is written */
    if (a.on_gpu && cli_cuda_check(CMD) != 0)
        return CLI_EXIT_FAILURE;
    if (a.sp.root != NULL)
        return run_split(&a);
    rc = check_single_files(&a);
    if (rc != 0)
        return rc;
    return run_single(&a);
}
