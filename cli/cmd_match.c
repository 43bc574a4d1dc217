/* lmpviz match: the (p, m) whose LMP weights are closest to another
 * scheme's (OHEM, top-k, focal, class balancing) on the same losses. */
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

#define CMD "match"

#define DEFAULT_OUT         "match.png"
#define DEFAULT_PRED_SUFFIX "_probs.npy"

static void
usage(FILE *out)
{
    fprintf(out,
            "Usage: lmpviz match --scheme S --losses F.npy [options]\n"
            "       lmpviz match --scheme S --labels L.png (--probs P.npy | --logits F |\n"
            "                    --loss F) [--image FRAME.png] [--resize] [options]\n"
            "       lmpviz match --scheme S --cityscapes-root DIR --pred-dir DIR\n"
            "                    [--split val] [--city NAME] [--jobs N] [--shard I/N]\n"
            "\n"
            "Finds the LMP (p, m) whose weights are closest to another scheme's on the\n"
            "same pixels.  Both weightings are normalised to sum 1 over the pixels sorted\n"
            "by decreasing loss; the distance is the largest gap between their cumulative\n"
            "shares (the share of the total weight on the k hardest pixels, for every k):\n"
            "0 is the same weighting, 1 the most different.  The search is a grid over\n"
            "1/p in [0, 1] (p in [1, inf]) and log10 m, then a compass search.  Below %.2f\n"
            "the match is called close; otherwise the output says so.\n"
            "\n"
            "  --scheme S          the scheme, as lmpviz compare writes it, e.g.\n"
            "                      \"ohem:thresh=0.7,min_kept=100000\", \"topk:k=0.1\",\n"
            "                      \"focal:gamma=2\", \"medfreq\" (class schemes need labels;\n"
            "                      source=split is not supported here)\n"
            "  --losses FILE.npy   per-pixel losses, any shape\n"
            "  --ignore-zeros      with --losses: leave zero losses out\n"
            "  --labels FILE, --probs/--logits/--loss FILE.npy, --label-type T, --layout L,\n"
            "  --resize, --max-pixels N  a model output against labels, as in lmpviz heatmap\n"
            "  --image FILE        the frame: the figure adds both weight maps on it\n"
            "  --cityscapes-root D, --split S, --city C, --pred-dir D, --pred-suffix S\n"
            "                      (default %s), --jobs N, --shard I/N: match every\n"
            "                      frame of a split, then report one (p, m) for the split\n"
            "                      (the median of the frames' in 1/p and log m), its\n"
            "                      distance on each frame, and the spread across frames\n"
            "  --m-min M           smallest m searched (default max(1/n, 1e-4))\n"
            "  --tol T             final search step in 1/p and log10 m (default 0.001)\n"
            "  -o, --output FILE   draw the two profiles (and with --image the two weight\n"
            "                      maps) to FILE (default %s with --image)\n"
            "  --cmap NAME         colour map of the weight maps (default viridis)\n"
            "  --json              print one JSON object instead of the text\n"
            "  --quiet             no progress output over a split\n"
            "  -h, --help          show this help\n",
            LMPVIZ_MATCH_CLOSE, DEFAULT_PRED_SUFFIX, DEFAULT_OUT);
}

enum { OPT_SCHEME = 256, OPT_LOSSES, OPT_IGNORE_ZEROS, OPT_M_MIN, OPT_TOL, OPT_JSON, OPT_QUIET };

/* The option c with its argument text. */
static cli_parse_result
parse_opt(const char *cmd, int c, const char *text, void *ctx)
{
    cli_match_args *a = ctx;

    if (cli_is_frame_opt(c))
        return cli_parse_frame_opt(cmd, c, text, &a->in, &a->n_pred, &a->overlay, &a->sp);
    switch (c) {
    case OPT_SCHEME:
        a->scheme_text = text;
        break;
    case OPT_LOSSES:
        a->losses = text;
        break;
    case OPT_IGNORE_ZEROS:
        a->ignore_zeros = 1;
        break;
    case OPT_M_MIN:
        return cli_parse_m(cmd, "--m-min", text, &a->mo.m_min);
    case OPT_TOL:
        if (cli_parse_double(cmd, "--tol", text, &a->mo.tol) != CLI_PARSE_OK)
            return CLI_PARSE_USAGE;
        if (!(a->mo.tol >= 1e-6 && a->mo.tol <= 0.1))
            return cli_parse_error(cmd, "--tol: expected a step in [1e-6, 0.1], got \"%s\"", text);
        break;
    case OPT_JSON:
        a->json = 1;
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

/* --scheme: one scheme other than LMP, on each input's own pixels. */
static cli_parse_result
parse_scheme(const char *cmd, cli_match_args *a)
{
    lmpviz_err err;
    size_t count = 0;
    lmp_scheme_kind kind;

    if (a->scheme_text == NULL)
        return cli_parse_error(cmd, "expected --scheme, e.g. \"ohem:thresh=0.7,min_kept=100000\"");
    if (strchr(a->scheme_text, ';') != NULL)
        return cli_parse_error(cmd,
                               "--scheme: expected one scheme, got \"%s\" (compare takes "
                               "several)",
                               a->scheme_text);
    memset(&err, 0, sizeof err);
    if (lmpviz_schemes_parse(a->scheme_text, &a->spec, 1, &count, &err) != LMPVIZ_OK)
        return cli_parse_error(cmd, "--scheme: %s", err.msg);
    kind = a->spec.scheme.kind;
    if (kind == LMP_SCHEME_LMP)
        return cli_parse_error(cmd, "--scheme: lmp is LMP itself; its (p, m) is the answer");
    if (a->spec.from_split)
        return cli_parse_error(cmd, "--scheme: source=split is not supported by match; use "
                                    "source=image (each frame's own class frequencies)");
    if ((kind == LMP_SCHEME_INVFREQ || kind == LMP_SCHEME_MEDFREQ) && a->losses != NULL)
        return cli_parse_error(cmd,
                               "--scheme: %s needs the class of each pixel: give "
                               "--labels with a model output instead of --losses",
                               a->spec.text);
    return CLI_PARSE_OK;
}

static cli_parse_result
check_args(const char *cmd, void *ctx)
{
    cli_match_args *a = ctx;
    cli_file in[4];
    const cli_file out[] = { { "-o", a->output } };
    size_t n_in;
    cli_parse_result pr = parse_scheme(cmd, a);

    if (pr != CLI_PARSE_OK)
        return pr;
    if (a->sp.root != NULL) {
        if (a->losses || a->in.labels || a->n_pred || a->in.image || a->output)
            return cli_parse_error(cmd, "--cityscapes-root: matches a split; --losses, "
                                        "--labels, --probs, --logits, --loss, --image and -o "
                                        "are for one input");
        return cli_split_check(cmd, a->sp.split, a->sp.pred_dir, a->sp.pred_suffix, ".",
                               &a->in.pred_kind);
    }
    pr = cli_loss_input_check(cmd, a->losses != NULL, a->ignore_zeros, &a->in, a->n_pred, &a->sp);
    if (pr != CLI_PARSE_OK)
        return pr;
    if (a->in.image != NULL && a->output == NULL)
        a->output = DEFAULT_OUT;
    if (a->output != NULL && cli_check_output(cmd, a->output) != CLI_PARSE_OK)
        return CLI_PARSE_USAGE;
    n_in = cli_loss_input_files(in, &a->losses, 1, &a->in);
    return cli_check_files(cmd, in, n_in, out, 1) != 0 ? CLI_PARSE_USAGE : CLI_PARSE_OK;
}

cli_parse_result
cli_match_parse(const char *cmd, int argc, char **argv, cli_match_args *a)
{
    static const struct option longopts[] = {
        { "scheme", required_argument, NULL, OPT_SCHEME },
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
        { "cmap", required_argument, NULL, CLI_OPT_CMAP },
        { "cityscapes-root", required_argument, NULL, CLI_OPT_ROOT },
        { "split", required_argument, NULL, CLI_OPT_SPLIT },
        { "city", required_argument, NULL, CLI_OPT_CITY },
        { "pred-dir", required_argument, NULL, CLI_OPT_PRED_DIR },
        { "pred-suffix", required_argument, NULL, CLI_OPT_PRED_SUFFIX },
        { "jobs", required_argument, NULL, CLI_OPT_JOBS },
        { "shard", required_argument, NULL, CLI_OPT_SHARD },
        { "m-min", required_argument, NULL, OPT_M_MIN },
        { "tol", required_argument, NULL, OPT_TOL },
        { "json", no_argument, NULL, OPT_JSON },
        { "quiet", no_argument, NULL, OPT_QUIET },
        { "output", required_argument, NULL, 'o' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    static const cli_options o = {
        ":o:h", longopts, usage, parse_opt, check_args, "unknown option"
    };
    lmpviz_overlay_opts ov = LMPVIZ_OVERLAY_OPTS_INIT;

    a->overlay = ov;
    a->sp.split = "val";
    a->sp.pred_suffix = DEFAULT_PRED_SUFFIX;
    a->sp.jobs = cli_default_jobs();
    return cli_parse_options(cmd, argc, argv, &o, a);
}

/* ------------------------------------------------------------------------
 * Printing
 */

static const char *
p_text(double p, char *buf, size_t len)
{
    if (isinf(p))
        snprintf(buf, len, "inf");
    else
        snprintf(buf, len, "%.4g", p);
    return buf;
}

static void
print_result(const cli_match_args *a, size_t n_valid, const lmpviz_match_result *r, FILE *fp)
{
    char pb[32];
    unsigned c;

    fprintf(fp, "scheme: %s (%s)\nn = %zu valid pixels\n", a->spec.text, a->spec.label, n_valid);
    fprintf(fp, "best match: p = %s, m = %.4g (distance %.4f, mean gap %.4f; %zu solves)\n",
            p_text(r->p, pb, sizeof pb), r->m, r->distance, r->l1, r->evaluations);
    if (r->distance <= LMPVIZ_MATCH_CLOSE)
        fprintf(fp,
                "close: at every depth k the two put shares within %.3f on the k hardest "
                "pixels\n",
                r->distance);
    else
        fprintf(fp,
                "no close match: the best distance reached is %.3f (above %.2f); no LMP (p, m) "
                "puts its weight in the shape this scheme does\n",
                r->distance, LMPVIZ_MATCH_CLOSE);
    fprintf(fp, "%-22s %8s %8s\n", "", "scheme", "LMP");
    fprintf(fp, "%-22s %8.4f %8.4f\n", "share on top 1%", r->top1[0], r->top1[1]);
    fprintf(fp, "%-22s %8.4f %8.4f\n", "share on top 10%", r->top10[0], r->top10[1]);
    if (r->have_classes) {
        fprintf(fp, "weight share per class (%%)\n%-14s %8s %8s %8s\n", "class", "pixels%",
                "scheme", "LMP");
        for (c = 0; c < LMPVIZ_CS_CLASSES; c++) {
            if (r->pixel_share[c] > 0.0)
                fprintf(fp, "%-14s %8.2f %8.2f %8.2f\n", lmpviz_cs_class_name(c),
                        100.0 * r->pixel_share[c], 100.0 * r->class_share[0][c],
                        100.0 * r->class_share[1][c]);
        }
    }
}

static void
json_result_fields(const cli_match_args *a, size_t n_valid, const lmpviz_match_result *r, FILE *fp)
{
    char nb[40];
    unsigned c;
    int first = 1;

    fputs("\"scheme\": ", fp);
    cli_json_string(fp, a->spec.text);
    fprintf(fp, ", \"n_valid\": %zu, \"p\": %s", n_valid, cli_json_number(r->p, nb, sizeof nb));
    fprintf(fp, ", \"m\": %s", cli_json_number(r->m, nb, sizeof nb));
    fprintf(fp, ", \"distance\": %s", cli_json_number(r->distance, nb, sizeof nb));
    fprintf(fp, ", \"mean_gap\": %s", cli_json_number(r->l1, nb, sizeof nb));
    fprintf(fp, ", \"close\": %s, \"evaluations\": %zu",
            r->distance <= LMPVIZ_MATCH_CLOSE ? "true" : "false", r->evaluations);
    fprintf(fp, ", \"top1\": {\"scheme\": %.9g, \"lmp\": %.9g}", r->top1[0], r->top1[1]);
    fprintf(fp, ", \"top10\": {\"scheme\": %.9g, \"lmp\": %.9g}", r->top10[0], r->top10[1]);
    if (!r->have_classes)
        return;
    fputs(", \"classes\": {", fp);
    for (c = 0; c < LMPVIZ_CS_CLASSES; c++) {
        if (!(r->pixel_share[c] > 0.0))
            continue;
        fputs(first ? "" : ", ", fp);
        first = 0;
        cli_json_string(fp, lmpviz_cs_class_name(c));
        fprintf(fp, ": {\"pixel_share\": %.9g, \"scheme\": %.9g, \"lmp\": %.9g}", r->pixel_share[c],
                r->class_share[0][c], r->class_share[1][c]);
    }
    fputc('}', fp);
}

/* ------------------------------------------------------------------------
 * One input
 */

/* The input's losses, classes and valid pixels into in: with --image the
 * whole frame through the heatmap pipeline into hm (no solve), else the
 * loss input into li.  0, or -1 after printing why. */
static int
load_one(const cli_match_args *a, lmpviz_heatmap *hm, cli_loss_input *li, lmp_scheme_input *in)
{
    char msg[LMPVIZ_ERR_LEN + 64];

    memset(in, 0, sizeof *in);
    if (a->in.image != NULL) {
        lmp_params prm = LMP_PARAMS_INIT;
        lmpviz_err err;
        memset(&err, 0, sizeof err);
        if (lmpviz_heatmap_load(&a->in, &prm, hm, &err) != LMPVIZ_OK) {
            cli_error(CMD, "%s", err.msg);
            return -1;
        }
        in->n = hm->width * hm->height;
        in->loss = hm->loss;
        in->cls = hm->train;
        in->valid = hm->valid;
        return 0;
    }
    if (cli_loss_input_load(CMD, a->losses, a->ignore_zeros, &a->in, li, msg, sizeof msg) != 0) {
        cli_error(CMD, "%s", msg);
        return -1;
    }
    in->n = li->n;
    in->loss = li->loss;
    in->cls = li->train;
    in->valid = li->valid;
    return 0;
}

/* -o: the two profiles, and with --image the two weight maps on the frame
 * hm.  0, or CLI_EXIT_FAILURE after printing why. */
static int
draw_one(const cli_match_args *a,
         const lmp_scheme_input *in,
         const lmpviz_heatmap *hm,
         lmpviz_match_input *mi,
         const lmpviz_match_result *r,
         lmp_workspace *ws)
{
    lmpviz_match_fig_opts fo;
    lmpviz_figure *fig;
    float *sw = NULL, *lw = NULL;
    lmpviz_err err;
    int rc = CLI_EXIT_FAILURE;

    memset(&fo, 0, sizeof fo);
    memset(&err, 0, sizeof err);
    fo.scheme_label = a->spec.label;
    fo.cmap = a->overlay.cmap;
    if (a->in.image != NULL) {
        lmp_scheme_result sr;
        lmp_result lr;
        lmp_params prm = LMP_PARAMS_INIT;
        sw = lmpviz_big_alloc(in->n * sizeof *sw);
        lw = lmpviz_big_alloc(in->n * sizeof *lw);
        prm.p = r->p;
        prm.m = r->m;
        if (sw == NULL || lw == NULL ||
            lmp_scheme_weights(&a->spec.scheme, in, sw, &sr, NULL) != LMP_OK ||
            lmp_solve(in->loss, in->valid, in->n, &prm, lw, &lr, ws) != LMP_OK) {
            cli_error(CMD, "%s: cannot compute the weight maps", a->output);
            goto done;
        }
        fo.hm = hm;
        fo.scheme_weight = sw;
        fo.lmp_weight = lw;
    }
    fig = lmpviz_match_figure(mi, r, &fo, ws);
    if (lmpviz_figure_save(fig, a->output, &err) != LMPVIZ_OK)
        cli_error(CMD, "%s: %s", a->output, err.msg);
    else
        rc = CLI_EXIT_OK;
    lmpviz_figure_destroy(fig);
done:
    lmpviz_big_free(sw);
    lmpviz_big_free(lw);
    return rc;
}

static int
run_one(cli_match_args *a)
{
    lmpviz_heatmap hm;
    cli_loss_input li;
    lmp_scheme_input in;
    lmpviz_match_input mi;
    lmpviz_match_result r;
    lmp_workspace *ws = NULL;
    lmpviz_err err;
    lmpviz_status st;
    const char *src = a->losses != NULL ? a->losses : a->in.pred;
    int rc = CLI_EXIT_FAILURE;

    memset(&hm, 0, sizeof hm);
    memset(&li, 0, sizeof li);
    memset(&mi, 0, sizeof mi);
    memset(&err, 0, sizeof err);
    if (load_one(a, &hm, &li, &in) != 0)
        return CLI_EXIT_FAILURE;
    ws = lmp_workspace_create(0);
    if (ws == NULL) {
        cli_error(CMD, "out of memory");
        goto done;
    }
    st = lmpviz_match_prepare(&a->spec.scheme, &in, &mi, &err);
    if (st == LMPVIZ_OK)
        st = lmpviz_match_search(&mi, &a->mo, ws, &r, &err);
    if (st != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s: %s", src, a->spec.text, err.msg);
        goto done;
    }
    if (a->output != NULL && draw_one(a, &in, &hm, &mi, &r, ws) != CLI_EXIT_OK)
        goto done;
    if (a->json) {
        fputc('{', stdout);
        json_result_fields(a, mi.n_valid, &r, stdout);
        fputs("}\n", stdout);
    } else {
        print_result(a, mi.n_valid, &r, stdout);
        if (a->output != NULL)
            printf("%s\n", a->output);
    }
    rc = CLI_EXIT_OK;
done:
    lmpviz_match_input_free(&mi);
    lmp_workspace_destroy(ws);
    cli_loss_input_free(&li);
    lmpviz_heatmap_free(&hm);
    return rc;
}

/* ------------------------------------------------------------------------
 * A split: each frame's own match, then one (p, m) for the split and its
 * distance on every frame (a second, cheap pass: one solve per frame)
 */

typedef struct frame_match {
    lmpviz_match_result r;
    size_t n_valid;
    int matched;           /* the first pass found its match */
    int split_ok;          /* the second pass measured split_distance */
    double split_distance; /* at the split's (p, m) */
} frame_match;

typedef struct match_run {
    const cli_match_args *a;
    const cli_frame *frames;
    frame_match *fm;
    int pass;          /* 0: search, 1: the split's point */
    const size_t *map; /* pass 1: pool index -> frame index */
    double p, m;
} match_run;

static int
process_frame(
    void *ctx, size_t i, void *state, char *note, size_t note_len, char *msg, size_t msg_len)
{
    match_run *mr = ctx;
    size_t j = mr->pass == 0 ? i : mr->map[i];
    const cli_frame *fr = &mr->frames[j];
    lmpviz_heatmap_input hin = mr->a->in;
    cli_loss_input li;
    lmp_scheme_input in;
    lmpviz_match_input mi;
    lmpviz_err err;
    lmpviz_status st;
    int rc = -1;

    if (cli_frame_missing(fr, msg, msg_len))
        return -1;
    hin.labels = fr->labels;
    hin.pred = fr->pred;
    hin.image = NULL;
    if (cli_loss_input_load(CMD, NULL, 0, &hin, &li, msg, msg_len) != 0)
        return -1;
    memset(&in, 0, sizeof in);
    memset(&err, 0, sizeof err);
    in.n = li.n;
    in.loss = li.loss;
    in.cls = li.train;
    in.valid = li.valid;
    st = lmpviz_match_prepare(&mr->a->spec.scheme, &in, &mi, &err);
    if (st == LMPVIZ_OK) {
        frame_match *f = &mr->fm[j];
        f->n_valid = mi.n_valid;
        if (mr->pass == 0) {
            st = lmpviz_match_search(&mi, &mr->a->mo, state, &f->r, &err);
            snprintf(note, note_len, "p = %.3g, m = %.3g, distance %.3f", f->r.p, f->r.m,
                     f->r.distance);
        } else {
            f->split_distance = lmpviz_match_distance(&mi, mr->p, mr->m, state, NULL);
            snprintf(note, note_len, "distance %.3f at the split's (p, m)", f->split_distance);
        }
    }
    if (st != LMPVIZ_OK)
        snprintf(msg, msg_len, "%s", err.msg);
    else
        rc = 0;
    lmpviz_match_input_free(&mi);
    cli_loss_input_free(&li);
    return rc;
}

static int
cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b ? 1 : 0;
}

/* min, first quartile, median, third quartile, max of v[0..n) (sorted in
 * place), by linear interpolation. */
static void
five_numbers(double *v, size_t n, double out[5])
{
    size_t k;
    qsort(v, n, sizeof *v, cmp_double);
    for (k = 0; k < 5; k++) {
        double pos = 0.25 * (double)k * (double)(n - 1);
        size_t lo = (size_t)floor(pos), hi = lo + 1 < n ? lo + 1 : lo;
        out[k] = v[lo] + (pos - (double)lo) * (v[hi] - v[lo]);
    }
}

static void
json_five(FILE *fp, const char *name, const double f[5], int first)
{
    char nb[5][40];
    size_t k;
    for (k = 0; k < 5; k++)
        cli_json_number(f[k], nb[k], sizeof nb[k]);
    fprintf(fp, "%s\"%s\": {\"min\": %s, \"q1\": %s, \"median\": %s, \"q3\": %s, \"max\": %s}",
            first ? "" : ", ", name, nb[0], nb[1], nb[2], nb[3], nb[4]);
}

/* The frames of a split and what the two passes find on them. */
typedef struct match_split {
    cli_frame *frames;
    size_t n_frames;
    cli_frame_result *res;
    frame_match *fm;
    double *u, *v, *d; /* per frame matched: 1/p, log10 m, distance */
    size_t *map;       /* frame matched -> frame index */
    cli_frame *sub;    /* the frames matched, borrowed from frames */
    size_t ok;         /* frames matched */
    /* five numbers (five_numbers) of the frames' own matches in 1/p,
     * log10 m, p and m, of their own distances and of their distances at
     * the split's (p, m) */
    double fu[5], fv[5], fp[5], fmv[5], fd[5], fs[5];
    double p, m; /* the split's */
} match_split;

static int
split_alloc(match_split *s)
{
    size_t n = s->n_frames;

    s->fm = calloc(n, sizeof *s->fm);
    s->res = calloc(n, sizeof *s->res);
    s->u = calloc(n, sizeof *s->u);
    s->v = calloc(n, sizeof *s->v);
    s->d = calloc(n, sizeof *s->d);
    s->map = calloc(n, sizeof *s->map);
    s->sub = calloc(n, sizeof *s->sub);
    if (s->fm == NULL || s->res == NULL || s->u == NULL || s->v == NULL || s->d == NULL ||
        s->map == NULL || s->sub == NULL) {
        cli_error(CMD, "out of memory");
        return -1;
    }
    return 0;
}

static void
split_free(match_split *s)
{
    free(s->u);
    free(s->v);
    free(s->d);
    free(s->map);
    free(s->sub);
    free(s->fm);
    free(s->res);
    cli_split_free(s->frames, s->n_frames);
}

/* After the first pass: the frames matched, their coordinates and
 * distances, and the split's (p, m), the median of the frames' in the
 * search's coordinates.  0 when at least one frame was matched. */
static int
collect_matches(match_split *s)
{
    size_t f, k = 0;

    for (f = 0; f < s->n_frames; f++) {
        const frame_match *fm = &s->fm[f];
        if (!s->res[f].ok)
            continue;
        s->fm[f].matched = 1;
        s->map[k] = f;
        s->sub[k] = s->frames[f];
        s->u[k] = isinf(fm->r.p) ? 0.0 : 1.0 / fm->r.p;
        s->v[k] = log10(fm->r.m);
        s->d[k] = fm->r.distance;
        k++;
    }
    s->ok = k;
    if (k == 0)
        return -1;
    five_numbers(s->u, k, s->fu);
    five_numbers(s->v, k, s->fv);
    five_numbers(s->d, k, s->fd);
    s->p = s->fu[2] > 0.0 ? 1.0 / s->fu[2] : INFINITY;
    s->m = pow(10.0, s->fv[2]);
    /* spread in p and m themselves (the quantiles map through 1/u, 10^v,
     * p reversed) */
    for (f = 0; f < 5; f++) {
        s->fp[f] = s->fu[4 - f] > 0.0 ? 1.0 / s->fu[4 - f] : INFINITY;
        s->fmv[f] = pow(10.0, s->fv[f]);
    }
    return 0;
}

/* After the second pass: the distances at the split's (p, m).  0 when at
 * least one frame was measured. */
static int
collect_split(match_split *s)
{
    size_t f, k = 0;

    for (f = 0; f < s->ok; f++) {
        frame_match *fm = &s->fm[s->map[f]];
        fm->split_ok = s->res[f].ok;
        if (s->res[f].ok)
            s->d[k++] = fm->split_distance;
    }
    if (k == 0)
        return -1;
    five_numbers(s->d, k, s->fs);
    return 0;
}

static void
print_split_json(const cli_match_args *a, const match_split *s)
{
    char nb[40];
    size_t f, k = 0;

    printf("{\"scheme\": ");
    cli_json_string(stdout, a->spec.text);
    printf(", \"frames\": %zu, \"p\": %s", s->ok, cli_json_number(s->p, nb, sizeof nb));
    printf(", \"m\": %s", cli_json_number(s->m, nb, sizeof nb));
    printf(", \"distance\": %s", cli_json_number(s->fs[2], nb, sizeof nb));
    printf(", \"distance_max\": %s, \"close\": %s", cli_json_number(s->fs[4], nb, sizeof nb),
           s->fs[4] <= LMPVIZ_MATCH_CLOSE ? "true" : "false");
    printf(", \"spread\": {");
    json_five(stdout, "p", s->fp, 1);
    json_five(stdout, "m", s->fmv, 0);
    json_five(stdout, "own_distance", s->fd, 0);
    json_five(stdout, "split_distance", s->fs, 0);
    printf("}, \"per_frame\": [");
    for (f = 0; f < s->n_frames; f++) {
        const frame_match *fm = &s->fm[f];
        if (!fm->matched)
            continue;
        printf("%s{\"frame\": ", k++ ? ", " : "");
        cli_json_string(stdout, s->frames[f].stem);
        printf(", \"p\": %s", cli_json_number(fm->r.p, nb, sizeof nb));
        printf(", \"m\": %s", cli_json_number(fm->r.m, nb, sizeof nb));
        printf(", \"distance\": %.9g, \"split_distance\": %s}", fm->r.distance,
               cli_json_number(fm->split_ok ? fm->split_distance : NAN, nb, sizeof nb));
    }
    printf("]}\n");
}

static void
print_split_text(const cli_match_args *a, const match_split *s, size_t failed)
{
    char nb[40], pb[32];
    size_t f;

    printf("scheme: %s (%s), %zu frames\n", a->spec.text, a->spec.label, s->ok);
    printf("%-28s %-10s %-10s %-9s %s\n", "frame", "p", "m", "distance", "at split (p, m)");
    for (f = 0; f < s->n_frames; f++) {
        const frame_match *fm = &s->fm[f];
        if (!fm->matched)
            continue;
        printf("%-28s %-10s %-10.4g %-9.4f ", s->frames[f].stem, p_text(fm->r.p, pb, sizeof pb),
               fm->r.m, fm->r.distance);
        if (fm->split_ok)
            printf("%.4f\n", fm->split_distance);
        else
            printf("-\n");
    }
    printf("split: p = %s, m = %.4g (median of the frames' matches)\n", p_text(s->p, pb, sizeof pb),
           s->m);
    printf("  distance on the frames: median %.4f, max %.4f\n", s->fs[2], s->fs[4]);
    printf("  spread of the frames' own matches: p %s..%s", p_text(s->fp[0], pb, sizeof pb),
           p_text(s->fp[4], nb, sizeof nb));
    printf(" (quartiles %s..", p_text(s->fp[1], pb, sizeof pb));
    printf("%s), m %.4g..%.4g (quartiles %.4g..%.4g)\n", p_text(s->fp[3], pb, sizeof pb), s->fmv[0],
           s->fmv[4], s->fmv[1], s->fmv[3]);
    if (s->fs[4] <= LMPVIZ_MATCH_CLOSE)
        printf("close on every frame (distance <= %.2f)\n", LMPVIZ_MATCH_CLOSE);
    else
        printf("no close match on every frame: the largest distance at the split's (p, m) "
               "is %.3f (above %.2f)\n",
               s->fs[4], LMPVIZ_MATCH_CLOSE);
    printf("%zu frames: %zu matched, %zu failed\n", s->n_frames, s->ok, failed);
}

/* The exit status of a pass that ended with signal sig (0: none). */
static int
pass_failed(int sig)
{
    return sig != 0 ? 128 + sig : CLI_EXIT_FAILURE;
}

static int
run_split(cli_match_args *a)
{
    match_split s;
    match_run mr;
    cli_split_pool pool;
    size_t all = 0, failed;
    int rc = CLI_EXIT_FAILURE, sig;

    memset(&s, 0, sizeof s);
    if (cli_split_list_opts(CMD, &a->sp, a->in.label_type, a->sp.shard_i, a->sp.shard_n, &s.frames,
                            &s.n_frames, &all) != 0)
        return CLI_EXIT_FAILURE;
    if (all == 0 || s.n_frames == 0) {
        cli_error(CMD, "%s/leftImg8bit/%s: no *_leftImg8bit.png frames found", a->sp.root,
                  a->sp.split);
        goto done;
    }
    if (split_alloc(&s) != 0)
        goto done;
    memset(&mr, 0, sizeof mr);
    mr.a = a;
    mr.frames = s.frames;
    mr.fm = s.fm;
    cli_split_pool_init(&pool, CMD, s.frames, s.n_frames, &a->sp, a->quiet || a->json, &mr,
                        process_frame);
    cli_interrupt_begin();
    failed = cli_split_pool_run(&pool, s.res);
    sig = cli_interrupted();
    if (collect_matches(&s) != 0 || sig != 0) {
        cli_error(CMD, s.ok == 0 ? "no frame could be matched" : "interrupted");
        rc = pass_failed(sig);
        goto done;
    }
    /* the split's (p, m) on every frame matched */
    mr.pass = 1;
    mr.map = s.map;
    mr.p = s.p;
    mr.m = s.m;
    pool.frames = s.sub;
    pool.n = s.ok;
    memset(s.res, 0, s.n_frames * sizeof *s.res);
    failed += cli_split_pool_run(&pool, s.res);
    sig = cli_interrupted();
    if (collect_split(&s) != 0 || sig != 0) {
        cli_error(CMD, "the second pass failed");
        rc = pass_failed(sig);
        goto done;
    }
    if (a->json)
        print_split_json(a, &s);
    else
        print_split_text(a, &s, failed);
    rc = failed > 0 ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
    if (failed > 0)
        cli_error(CMD, "%zu frame runs failed", failed);
done:
    cli_interrupt_end();
    split_free(&s);
    return rc;
}

int
cmd_match(int argc, char **argv)
{
    cli_match_args a;
    cli_parse_result pr;

    memset(&a, 0, sizeof a);
    pr = cli_match_parse(CMD, argc, argv, &a);
    if (pr != CLI_PARSE_OK)
        return cli_parse_exit(pr);
    return a.sp.root != NULL ? run_split(&a) : run_one(&a);
}
