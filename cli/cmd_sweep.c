/* lmpviz sweep: what each (p, m) of a grid does to one's own loss maps, as
 * annotated heat tables, a CSV and JSON. */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lmpviz.h"
#include "lmpviz_private.h"
#include "sweep_cli.h"

#define CMD "sweep"

#define DEFAULT_P           "1,1.25,1.5,2,3,inf"
#define DEFAULT_M           "0.01,0.02,0.05,0.1,0.2,0.5"
#define DEFAULT_OUT         "sweep.png"
#define DEFAULT_PRED_SUFFIX "_probs.npy"

static void
usage(FILE *out)
{
    fprintf(out,
            "Usage: lmpviz sweep --losses F.npy [MORE.npy ...] [options]\n"
            "       lmpviz sweep --labels L.png (--probs P.npy | --logits F | --loss F)\n"
            "                    [--resize] [options]\n"
            "       lmpviz sweep --cityscapes-root DIR --pred-dir DIR [--split val]\n"
            "                    [--city NAME] [--jobs N] [--shard I/N] [options]\n"
            "\n"
            "Solves LMP for every (p, m) of a grid on the same losses and shows what\n"
            "each does to them: one annotated table over p x m per statistic.  The\n"
            "losses are read once and every solve reuses one workspace.\n"
            "\n"
            "Grid:\n"
            "  --p LIST            p values, >= 1 or inf (default %s)\n"
            "  --m LIST            m values, fractions in (0, 1] (default %s)\n"
            "                      at most %d of each\n"
            "  --stat LIST         statistics to draw and write (default all):\n"
            "                        top1, top10  share of Σw on the top 1%% / 10%% of pixels\n"
            "                                     by loss\n"
            "                        support      (Σw)²/Σw² as a fraction of n\n"
            "                        sum          Σw (1 at p = 1 and p = inf)\n"
            "                        ratio        LMP loss / mean loss\n"
            "                        capped       fraction of pixels at the cap τ\n"
            "  --class NAMES       with labels: add a table of the weight share against the\n"
            "                      pixel share of each of these classes (comma-separated)\n"
            "\n"
            "Inputs:\n"
            "  --losses FILE.npy   per-pixel losses, any shape; more .npy files may follow\n"
            "                      (each is one input; the tables show their mean)\n"
            "  --ignore-zeros      with --losses: leave zero losses out\n"
            "  --labels FILE       ground truth PNG (labelIds; --label-type trainid)\n"
            "  --probs/--logits/--loss FILE.npy  the model output for --labels\n"
            "  --label-type T, --layout L, --resize, --max-pixels N  as in lmpviz heatmap\n"
            "  --cityscapes-root D, --split S, --city C, --pred-dir D, --pred-suffix S\n"
            "                      (default %s), --jobs N, --shard I/N: every frame\n"
            "                      of a split, as in lmpviz heatmap\n"
            "\n"
            "Outputs:\n"
            "  -o, --output FILE   the figure, .png, .svg or .pdf (default %s)\n"
            "  --csv FILE          source,p,m,statistic,value: one row per input (or frame)\n"
            "                      and per (p, m, statistic), then the rows of the mean\n"
            "                      (source \"all\") when there are several inputs\n"
            "  --json              print the grid as one JSON object instead of the tables\n"
            "  --cmap NAME         viridis (default), magma, inferno, plasma, cividis, turbo\n"
            "  --title TEXT        replace the title\n"
            "  --quiet             print only the files written\n"
            "  -h, --help          show this help\n",
            DEFAULT_P, DEFAULT_M, LMPVIZ_SWEEP_MAX, DEFAULT_PRED_SUFFIX, DEFAULT_OUT);
}

enum {
    OPT_P = 256,
    OPT_M,
    OPT_STAT,
    OPT_CLASS,
    OPT_LOSSES,
    OPT_IGNORE_ZEROS,
    OPT_CSV,
    OPT_JSON,
    OPT_TITLE,
    OPT_QUIET
};

/* One more --losses file. */
static cli_parse_result
add_losses(const char *cmd, const char *path, cli_sweep_args *a)
{
    if (a->n_losses == CLI_SWEEP_MAX_INPUTS)
        return cli_parse_error(cmd, "--losses: at most %d files", CLI_SWEEP_MAX_INPUTS);
    a->losses[a->n_losses++] = path;
    return CLI_PARSE_OK;
}

/* The option c with its argument text. */
static cli_parse_result
parse_opt(const char *cmd, int c, const char *text, void *ctx)
{
    cli_sweep_args *a = ctx;

    if (cli_is_frame_opt(c))
        return cli_parse_frame_opt(cmd, c, text, &a->in, &a->n_pred, &a->overlay, &a->sp);
    switch (c) {
    case OPT_P:
        a->p_text = text;
        break;
    case OPT_M:
        a->m_text = text;
        break;
    case OPT_STAT:
        a->stat_text = text;
        break;
    case OPT_CLASS:
        if (cli_parse_classes(cmd, text, a->classes, &a->n_classes, LMPVIZ_CS_CLASSES) != 0)
            return CLI_PARSE_USAGE;
        break;
    case OPT_LOSSES:
        return add_losses(cmd, text, a);
    case OPT_IGNORE_ZEROS:
        a->ignore_zeros = 1;
        break;
    case OPT_CSV:
        a->csv = text;
        break;
    case OPT_JSON:
        a->json = 1;
        break;
    case OPT_TITLE:
        a->title = text;
        break;
    case OPT_QUIET:
        a->quiet = 1;
        break;
    case 'o':
        a->output = text;
        break;
    }
    return CLI_PARSE_OK;
}

/* More .npy files after --losses F. */
static cli_parse_result
parse_arg(const char *cmd, const char *text, void *ctx)
{
    cli_sweep_args *a = ctx;

    if (a->n_losses == 0 || !cli_ends_with(text, ".npy"))
        return cli_parse_extra_arg(cmd, text);
    return add_losses(cmd, text, a);
}

/* --p, --m and --stat. */
static cli_parse_result
parse_grid(const char *cmd, cli_sweep_args *a)
{
    lmpviz_err err;

    if (cli_parse_list(cmd, "--p", a->p_text, cli_parse_p, &a->p, &a->n_p, LMPVIZ_SWEEP_MAX) !=
        CLI_PARSE_OK)
        return CLI_PARSE_USAGE;
    if (cli_parse_list(cmd, "--m", a->m_text, cli_parse_m, &a->m, &a->n_m, LMPVIZ_SWEEP_MAX) !=
        CLI_PARSE_OK)
        return CLI_PARSE_USAGE;
    memset(&err, 0, sizeof err);
    if (lmpviz_sweep_stats_parse(a->stat_text, a->stats, &a->n_stats, &err) != LMPVIZ_OK)
        return cli_parse_error(cmd, "--stat: %s", err.msg);
    return CLI_PARSE_OK;
}

/* What the inputs are: a split, --losses, or --labels with a model output. */
static cli_parse_result
check_inputs(const char *cmd, cli_sweep_args *a)
{
    cli_parse_result pr;

    if (a->sp.root != NULL) {
        if (a->n_losses || a->in.labels || a->n_pred)
            return cli_parse_error(cmd, "--cityscapes-root: processes a split; --losses, "
                                        "--labels, --probs, --logits and --loss are for one "
                                        "input");
        /* the split's figure and tables go to -o and --csv: no per-frame folder */
        return cli_split_check(cmd, a->sp.split, a->sp.pred_dir, a->sp.pred_suffix, ".",
                               &a->in.pred_kind);
    }
    pr = cli_loss_input_check(cmd, a->n_losses > 0, a->ignore_zeros, &a->in, a->n_pred, &a->sp);
    if (pr != CLI_PARSE_OK)
        return pr;
    if (a->n_classes > 0 && a->n_losses > 0)
        return cli_parse_error(cmd, "--class: needs the classes of the pixels: give "
                                    "--labels with a model output instead of --losses");
    return CLI_PARSE_OK;
}

static cli_parse_result
check_args(const char *cmd, void *ctx)
{
    cli_sweep_args *a = ctx;
    cli_file in[CLI_SWEEP_MAX_INPUTS + 3];
    const cli_file out[] = { { "-o", a->output }, { "--csv", a->csv } };
    size_t n_in;
    cli_parse_result pr = parse_grid(cmd, a);

    if (pr == CLI_PARSE_OK)
        pr = check_inputs(cmd, a);
    if (pr == CLI_PARSE_OK)
        pr = cli_check_output(cmd, a->output);
    if (pr != CLI_PARSE_OK)
        return pr;
    if (a->csv != NULL && a->csv[0] == '\0')
        return cli_parse_error(cmd, "--csv: expected a file name");
    n_in = cli_loss_input_files(in, a->losses, a->n_losses, &a->in);
    return cli_check_files(cmd, in, n_in, out, 2) != 0 ? CLI_PARSE_USAGE : CLI_PARSE_OK;
}

cli_parse_result
cli_sweep_parse(const char *cmd, int argc, char **argv, cli_sweep_args *a)
{
    static const struct option longopts[] = {
        { "p", required_argument, NULL, OPT_P },
        { "m", required_argument, NULL, OPT_M },
        { "stat", required_argument, NULL, OPT_STAT },
        { "class", required_argument, NULL, OPT_CLASS },
        { "losses", required_argument, NULL, OPT_LOSSES },
        { "ignore-zeros", no_argument, NULL, OPT_IGNORE_ZEROS },
        { "labels", required_argument, NULL, CLI_OPT_LABELS },
        { "probs", required_argument, NULL, CLI_OPT_PROBS },
        { "logits", required_argument, NULL, CLI_OPT_LOGITS },
        { "loss", required_argument, NULL, CLI_OPT_LOSS },
        { "label-type", required_argument, NULL, CLI_OPT_LABEL_TYPE },
        { "layout", required_argument, NULL, CLI_OPT_LAYOUT },
        { "resize", no_argument, NULL, CLI_OPT_RESIZE },
        { "max-pixels", required_argument, NULL, CLI_OPT_MAX_PIXELS },
        { "cmap", required_argument, NULL, CLI_OPT_CMAP },
        { "cityscapes-root", required_argument, NULL, CLI_OPT_ROOT },
        { "split", required_argument, NULL, CLI_OPT_SPLIT },
        { "city", required_argument, NULL, CLI_OPT_CITY },
        { "pred-dir", required_argument, NULL, CLI_OPT_PRED_DIR },
        { "pred-suffix", required_argument, NULL, CLI_OPT_PRED_SUFFIX },
        { "jobs", required_argument, NULL, CLI_OPT_JOBS },
        { "shard", required_argument, NULL, CLI_OPT_SHARD },
        { "csv", required_argument, NULL, OPT_CSV },
        { "json", no_argument, NULL, OPT_JSON },
        { "title", required_argument, NULL, OPT_TITLE },
        { "quiet", no_argument, NULL, OPT_QUIET },
        { "output", required_argument, NULL, 'o' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    static const cli_options o = {
        ":o:h", longopts, usage, parse_opt, check_args, "unknown option"
    };
    lmpviz_overlay_opts ov = LMPVIZ_OVERLAY_OPTS_INIT;

    a->p_text = DEFAULT_P;
    a->m_text = DEFAULT_M;
    a->stat_text = "all";
    a->overlay = ov;
    a->output = DEFAULT_OUT;
    a->sp.split = "val";
    a->sp.pred_suffix = DEFAULT_PRED_SUFFIX;
    a->sp.jobs = cli_default_jobs();
    return cli_parse_options_args(cmd, argc, argv, &o, parse_arg, a);
}

void
cli_sweep_args_free(cli_sweep_args *a)
{
    free(a->p);
    free(a->m);
    a->p = a->m = NULL;
}

/* ------------------------------------------------------------------------
 * Printing
 */

static void
print_tables(const cli_sweep_args *a, const lmpviz_sweep *sw, FILE *fp)
{
    size_t k, ip, im;
    char ps[16];
    for (k = 0; k < a->n_stats; k++) {
        fprintf(fp, "%s (mean over %zu input%s)\n%8s", lmpviz_sweep_stat_name(a->stats[k]),
                sw->inputs, sw->inputs == 1 ? "" : "s", "p \\ m");
        for (im = 0; im < sw->n_m; im++)
            fprintf(fp, " %9g", sw->m[im]);
        fputc('\n', fp);
        for (ip = 0; ip < sw->n_p; ip++) {
            lmpviz_format_p(ps, sizeof ps, sw->p[ip]);
            fprintf(fp, "%*s", isinf(sw->p[ip]) ? 10 : 8, ps); /* "∞" is 3 bytes, 1 column */
            for (im = 0; im < sw->n_m; im++)
                fprintf(fp, " %9.4g", lmpviz_sweep_value(sw, ip, im, a->stats[k]));
            fputc('\n', fp);
        }
    }
}

static void
print_json(const cli_sweep_args *a, const lmpviz_sweep *sw, FILE *fp)
{
    size_t k, ip, im;
    unsigned c;
    char nb[40];

    fprintf(fp, "{\"inputs\": %zu, \"n_valid\": %zu, \"p\": [", sw->inputs, sw->n_valid);
    for (ip = 0; ip < sw->n_p; ip++)
        fprintf(fp, "%s%s", ip ? ", " : "", cli_json_number(sw->p[ip], nb, sizeof nb));
    fputs("], \"m\": [", fp);
    for (im = 0; im < sw->n_m; im++)
        fprintf(fp, "%s%s", im ? ", " : "", cli_json_number(sw->m[im], nb, sizeof nb));
    fputs("], \"stats\": {", fp);
    for (k = 0; k < a->n_stats; k++) {
        fprintf(fp, "%s\"%s\": [", k ? ", " : "", lmpviz_sweep_stat_name(a->stats[k]));
        for (ip = 0; ip < sw->n_p; ip++) {
            fprintf(fp, "%s[", ip ? ", " : "");
            for (im = 0; im < sw->n_m; im++)
                fprintf(
                    fp, "%s%s", im ? ", " : "",
                    cli_json_number(lmpviz_sweep_value(sw, ip, im, a->stats[k]), nb, sizeof nb));
            fputc(']', fp);
        }
        fputc(']', fp);
    }
    fputc('}', fp);
    if (sw->have_classes) {
        int first = 1;
        fputs(", \"classes\": {", fp);
        for (c = 0; c < LMPVIZ_CS_CLASSES; c++) {
            if (!(sw->class_px[c] > 0.0))
                continue;
            fprintf(fp, "%s", first ? "" : ", ");
            first = 0;
            cli_json_string(fp, lmpviz_cs_class_name(c));
            fprintf(fp, ": {\"pixel_share\": %s, \"weight_share\": [",
                    cli_json_number(lmpviz_sweep_class_pixel_share(sw, c), nb, sizeof nb));
            for (ip = 0; ip < sw->n_p; ip++) {
                fprintf(fp, "%s[", ip ? ", " : "");
                for (im = 0; im < sw->n_m; im++)
                    fprintf(fp, "%s%s", im ? ", " : "",
                            cli_json_number(lmpviz_sweep_class_weight_share(sw, ip, im, c), nb,
                                            sizeof nb));
                fputc(']', fp);
            }
            fputs("]}", fp);
        }
        fputc('}', fp);
    }
    fputs("}\n", fp);
}

/* ------------------------------------------------------------------------
 * Outputs: the figure, the CSV (one block per input, then the mean)
 */

/* The CSV: one block per input with inputs, then the mean unless there
 * is exactly one. */
typedef struct sweep_csv {
    const cli_sweep_args *a;
    const lmpviz_sweep *total, *each;
    const char *const *names;
    size_t n_each;
} sweep_csv;

static lmpviz_status
write_csv(const void *ctx, FILE *fp)
{
    const sweep_csv *c = ctx;
    const cli_sweep_args *a = c->a;
    lmpviz_status st = LMPVIZ_OK;
    size_t k;

    for (k = 0; k < c->n_each && st == LMPVIZ_OK; k++) {
        if (c->each[k].inputs > 0)
            st = lmpviz_sweep_write_csv(&c->each[k], c->names[k], a->stats, a->n_stats, k == 0, fp);
    }
    if (st == LMPVIZ_OK && c->n_each != 1)
        st = lmpviz_sweep_write_csv(c->total, "all", a->stats, a->n_stats, c->n_each == 0, fp);
    return st;
}

/* The figure of the tables of total. */
static lmpviz_figure *
sweep_figure(const cli_sweep_args *a, const lmpviz_sweep *total)
{
    lmpviz_sweep_fig_opts fo;

    memset(&fo, 0, sizeof fo);
    fo.stats = a->stats;
    fo.n_stats = a->n_stats;
    fo.classes = a->classes;
    fo.n_classes = total->have_classes ? a->n_classes : 0;
    fo.cmap = a->overlay.cmap;
    fo.title = a->title;
    return lmpviz_sweep_figure(total, &fo);
}

static int
write_outputs(const cli_sweep_args *a,
              const lmpviz_sweep *total,
              const lmpviz_sweep *each,
              const char *const *names,
              size_t n_each)
{
    const sweep_csv csv = { a, total, each, names, n_each };
    lmpviz_figure *fig = sweep_figure(a, total);
    const char *written[2];
    size_t n_written = 0;
    lmpviz_status st;
    lmpviz_err err;
    int rc = CLI_EXIT_OK;

    memset(&err, 0, sizeof err);
    if (lmpviz_figure_status(fig) != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", a->output, lmpviz_figure_error(fig));
        lmpviz_figure_destroy(fig);
        return CLI_EXIT_FAILURE;
    }
    if (a->csv != NULL) {
        st = cli_write_table(a->csv, write_csv, &csv, &err);
        rc = cli_output_written(CMD, a->csv, st, &err, written, &n_written);
    }
    if (rc == CLI_EXIT_OK) {
        st = lmpviz_figure_save(fig, a->output, &err);
        rc = cli_output_written(CMD, a->output, st, &err, written, &n_written);
        if (rc != CLI_EXIT_OK)
            cli_remove_outputs(written, n_written);
    }
    lmpviz_figure_destroy(fig);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (a->json)
        print_json(a, total, stdout);
    else if (!a->quiet)
        print_tables(a, total, stdout);
    if (!a->json) {
        if (a->csv != NULL)
            printf("%s\n", a->csv);
        printf("%s\n", a->output);
    }
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------------------
 * Files: --losses F..., or --labels with a model output
 */

static int
run_files(cli_sweep_args *a)
{
    size_t n_in = a->n_losses > 0 ? a->n_losses : 1, k;
    lmpviz_sweep *each = calloc(n_in + 1, sizeof *each);
    const char *names[CLI_SWEEP_MAX_INPUTS];
    lmp_workspace *ws = lmp_workspace_create(0);
    float *wbuf = NULL;
    size_t wcap = 0;
    lmpviz_err err;
    int rc = CLI_EXIT_FAILURE;

    memset(&err, 0, sizeof err);
    if (each == NULL || ws == NULL) {
        cli_error(CMD, "out of memory");
        goto done;
    }
    if (lmpviz_sweep_init(&each[n_in], a->p, a->n_p, a->m, a->n_m, &err) != LMPVIZ_OK) {
        cli_usage_error(CMD, "%s", err.msg);
        rc = CLI_EXIT_USAGE;
        goto done;
    }
    for (k = 0; k < n_in; k++) {
        cli_loss_input li;
        char msg[LMPVIZ_ERR_LEN + 64];
        lmpviz_status st;
        const char *src = a->n_losses > 0 ? a->losses[k] : a->in.pred;

        names[k] = src;
        each[k] = each[n_in];
        if (cli_loss_input_load(CMD, a->n_losses > 0 ? a->losses[k] : NULL, a->ignore_zeros, &a->in,
                                &li, msg, sizeof msg) != 0) {
            cli_error(CMD, "%s", msg);
            goto done;
        }
        /* one weight buffer for every input and every (p, m) */
        if (li.n > wcap) {
            lmpviz_big_free(wbuf);
            wbuf = lmpviz_big_alloc(li.n * sizeof *wbuf);
            wcap = wbuf != NULL ? li.n : 0;
        }
        st = wbuf == NULL
                 ? LMPVIZ_ERR_NOMEM
                 : lmpviz_sweep_add(&each[k], li.loss, li.valid, li.train, li.n, wbuf, ws, &err);
        cli_loss_input_free(&li);
        if (st != LMPVIZ_OK) {
            cli_error(CMD, "%s: %s", src, wbuf == NULL ? "out of memory" : err.msg);
            goto done;
        }
        lmpviz_sweep_merge(&each[n_in], &each[k]);
    }
    if (a->n_classes > 0 && !each[n_in].have_classes) {
        cli_error(CMD, "--class: the inputs have no labels");
        goto done;
    }
    rc = write_outputs(a, &each[n_in], each, names, n_in);
done:
    lmpviz_big_free(wbuf);
    lmp_workspace_destroy(ws);
    free(each);
    return rc;
}

/* ------------------------------------------------------------------------
 * A split
 */

typedef struct sweep_run {
    const cli_sweep_args *a;
    const cli_frame *frames;
    lmpviz_sweep *each; /* one per frame, initialised with the grid */
} sweep_run;

static int
process_frame(
    void *ctx, size_t i, void *state, char *note, size_t note_len, char *msg, size_t msg_len)
{
    sweep_run *r = ctx;
    const cli_frame *fr = &r->frames[i];
    lmpviz_heatmap_input in = r->a->in;
    cli_loss_input li;
    lmpviz_err err;
    lmpviz_status st;

    if (cli_frame_missing(fr, msg, msg_len))
        return -1;
    in.labels = fr->labels;
    in.pred = fr->pred;
    in.image = NULL;
    if (cli_loss_input_load(CMD, NULL, 0, &in, &li, msg, msg_len) != 0)
        return -1;
    memset(&err, 0, sizeof err);
    st = lmpviz_sweep_add(&r->each[i], li.loss, li.valid, li.train, li.n, NULL, state, &err);
    cli_loss_input_free(&li);
    if (st != LMPVIZ_OK) {
        snprintf(msg, msg_len, "%s", err.msg);
        return -1;
    }
    snprintf(note, note_len, "n = %zu", r->each[i].n_valid);
    return 0;
}

/* Merges the frames swept into total, in frame order (the mean does not
 * depend on --jobs); a frame that failed gets no input.  Returns how many
 * were merged. */
static size_t
merge_frames(lmpviz_sweep *total, lmpviz_sweep *each, const cli_frame_result *res, size_t n)
{
    size_t f, ok = 0;

    for (f = 0; f < n; f++) {
        if (!res[f].ok) {
            each[f].inputs = 0;
            continue;
        }
        lmpviz_sweep_merge(total, &each[f]);
        ok++;
    }
    return ok;
}

static int
run_split(cli_sweep_args *a)
{
    cli_frame *frames = NULL;
    cli_frame_result *res = NULL;
    const char **names = NULL;
    lmpviz_sweep *each = NULL, total;
    sweep_run r;
    cli_split_pool pool;
    size_t n_frames = 0, all = 0, f, failed, ok;
    lmpviz_err err;
    int rc = CLI_EXIT_FAILURE, sig;

    memset(&err, 0, sizeof err);
    if (lmpviz_sweep_init(&total, a->p, a->n_p, a->m, a->n_m, &err) != LMPVIZ_OK)
        return cli_usage_error(CMD, "%s", err.msg);
    if (cli_split_list_opts(CMD, &a->sp, a->in.label_type, a->sp.shard_i, a->sp.shard_n, &frames,
                            &n_frames, &all) != 0)
        return CLI_EXIT_FAILURE;
    if (all == 0) {
        cli_error(CMD, "%s/leftImg8bit/%s: no *_leftImg8bit.png frames found", a->sp.root,
                  a->sp.split);
        goto done;
    }
    each = calloc(n_frames + 1, sizeof *each);
    res = calloc(n_frames + 1, sizeof *res);
    names = calloc(n_frames + 1, sizeof *names);
    if (each == NULL || res == NULL || names == NULL) {
        cli_error(CMD, "out of memory");
        goto done;
    }
    for (f = 0; f < n_frames; f++) {
        each[f] = total;
        names[f] = frames[f].stem;
    }
    r.a = a;
    r.frames = frames;
    r.each = each;
    cli_split_pool_init(&pool, CMD, frames, n_frames, &a->sp, a->quiet || a->json, &r,
                        process_frame);
    cli_interrupt_begin();
    failed = cli_split_pool_run(&pool, res);
    sig = cli_interrupted();
    ok = merge_frames(&total, each, res, n_frames);
    if (ok == 0) {
        cli_error(CMD, "no frame could be processed");
        goto done;
    }
    rc = write_outputs(a, &total, each, names, n_frames);
    if (!a->json)
        printf("%zu frames: %zu swept, %zu failed\n", n_frames, ok, failed);
    if (rc == CLI_EXIT_OK)
        rc = cli_split_exit(CMD, failed, n_frames);
    if (sig != 0) {
        cli_error(CMD, "interrupted: the tables cover the %zu frames done", ok);
        rc = 128 + sig;
    }
done:
    cli_interrupt_end();
    free(names);
    free(res);
    free(each);
    cli_split_free(frames, n_frames);
    return rc;
}

int
cmd_sweep(int argc, char **argv)
{
    cli_sweep_args a;
    cli_parse_result pr;
    int rc;

    memset(&a, 0, sizeof a);
    pr = cli_sweep_parse(CMD, argc, argv, &a);
    if (pr != CLI_PARSE_OK)
        rc = cli_parse_exit(pr);
    else
        rc = a.sp.root != NULL ? run_split(&a) : run_files(&a);
    cli_sweep_args_free(&a);
    return rc;
}
