/*
 * cli.h - internals of the lmpviz program, built as a static library so the
 * tests can call the parsers and commands directly.
 *
 * Every command is `int cmd_NAME(int argc, char **argv)` with argv[0] the
 * command name; it returns the process exit status: 0 success, 1 runtime
 * failure, 2 usage error.
 */
#ifndef LMPVIZ_CLI_H
#define LMPVIZ_CLI_H

#include <stddef.h>

#include "lmpviz.h"
#include "lmpviz_private.h"

#define CLI_EXIT_OK      0
#define CLI_EXIT_FAILURE 1
#define CLI_EXIT_USAGE   2

/* Entry point of the program: dispatches on argv[1]. */
int lmpviz_cli_main(int argc, char **argv);

int cmd_solve(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_curve(int argc, char **argv);
int cmd_region(int argc, char **argv);
int cmd_heatmap(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_notebook(int argc, char **argv);

/* Messages to stderr, prefixed "lmpviz CMD: ". */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, then "try 'lmpviz CMD --help'"; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Option parsing.  Each returns 0 on success; on failure it prints a usage
 * error naming the option and the expected value, and returns -1. */
int cli_parse_double(const char *cmd, const char *opt, const char *text, double *out);
int cli_parse_size(const char *cmd, const char *opt, const char *text, size_t *out);
/* p in [1, inf]; accepts "inf", "infinity". */
int cli_parse_p(const char *cmd, const char *opt, const char *text, double *out);
/* m as a fraction in (0, 1]. */
int cli_parse_m(const char *cmd, const char *opt, const char *text, double *out);
/* m as a pixel count >= 1. */
int cli_parse_m_pixels(const char *cmd, const char *opt, const char *text, double *out);
/* --device cpu|cuda; *on_gpu is 1 for cuda. */
int cli_parse_device(const char *cmd, const char *text, int *on_gpu);
/* --device cuda: 0 when a CUDA device can be used; else prints why (no
 * device, or a build without CUDA) and returns CLI_EXIT_FAILURE. */
int cli_cuda_check(const char *cmd);
/* --size WxH: each side in [min, CLI_SIZE_MAX] pixels. */
#define CLI_SIZE_MAX 16384
int cli_parse_wh(const char *cmd,
                 const char *text,
                 size_t min_w,
                 size_t min_h,
                 size_t *w,
                 size_t *h);
/* --dpi: a number in [10, 2400]. */
int cli_parse_dpi(const char *cmd, const char *text, double *out);
/* -o: a file name whose extension names a figure format (.png, .svg, .pdf),
 * or an existing device or FIFO (written in place, as PNG). */
int cli_check_output(const char *cmd, const char *path);
/* ------------------------------------------------------------------------
 * Output files (cli/outputs.c).
 */
/* One file a command reads or writes, named by its option. */
typedef struct cli_file {
    const char *opt;  /* "--probs", "-o" */
    const char *path; /* NULL when the option was not given */
} cli_file;
/* Before any work: an output that is the same file as an input or as
 * another output (the same device and inode, or the same path once links,
 * "." and ".." are resolved) is a usage error, printed, and the result is
 * CLI_EXIT_USAGE; else 0.  Character devices (/dev/null, a terminal) are
 * streams and never count as the same file. */
int cli_check_files(
    const char *cmd, const cli_file *in, size_t n_in, const cli_file *out, size_t n_out);
/* An output option's value: a file name ending in ext (".npy"), or an
 * existing device or FIFO, which is written in place.  0, or -1 after a
 * usage error naming opt. */
int cli_check_output_ext(const char *cmd, const char *opt, const char *path, const char *ext);
/* After reading a .npy: a warning on stderr when float64 values below
 * FLT_MIN lost precision or became 0 as float32 (nothing otherwise). */
void cli_warn_tiny(const char *cmd, const char *path, const lmpviz_array *a);
/* Removes an output written before a later one failed, when it is a
 * regular file: a device or FIFO written in place is never removed. */
void cli_remove_output(const char *path);
/* s as a JSON string: quote, backslash and control characters escaped,
 * each byte that is not part of valid UTF-8 written as U+FFFD. */
void cli_json_string(FILE *fp, const char *s);

/* Comma-separated list parsed with one of the parsers above; *out is
 * malloc'ed (caller frees), at most max_count items. */
int cli_parse_list(const char *cmd,
                   const char *opt,
                   const char *text,
                   int (*parse_one)(const char *, const char *, const char *, double *),
                   double **out,
                   size_t *count,
                   size_t max_count);

/* A double as JSON: %.17g, "inf" (a string) for infinity, null for NaN. */
const char *cli_json_number(double v, char *buf, size_t len);

/* Seconds from a monotonic clock. */
double cli_now(void);

/* ------------------------------------------------------------------------
 * The option parsers and figure builders of curve, region and heatmap, shared
 * with `lmpviz notebook` (which accepts the same options).  cmd names the
 * command in messages.  Each parse returns 0 on success, -1 when --help was
 * printed, else the exit status after printing a usage error.
 */

/* `lmpviz curve` */
typedef struct cli_curve_args {
    double *p, *m, *m_px; /* malloc'ed lists (cli_curve_args_free) */
    size_t n_p, n_m, n_m_px;
    int paper;
    size_t n;
    int have_n;
    const char *losses;
    size_t sample;
    int have_dist;
    lmpviz_dist dist;
    unsigned long seed;
    int logy, scaled, cumulative;
    size_t width, height;
    int have_size;
    double dpi;
    const char *title;
    const char *output;
    const char *csv;
} cli_curve_args;

/* What cli_curve_build makes: the losses, one or two data sets (two for
 * --figure paper) and the figure. */
typedef struct cli_curve_fig {
    float *loss; /* n losses as loaded (lmpviz_big_alloc) */
    size_t n;
    lmpviz_curve_data data[2];
    size_t n_sets;
    lmpviz_curve_view view;
    lmpviz_figure *fig;
} cli_curve_fig;

/* a must be zeroed first. */
int cli_curve_parse(const char *cmd, int argc, char **argv, cli_curve_args *a);
void cli_curve_args_free(cli_curve_args *a);
/* How many losses (from the .npy's header, or --n, or --sample) and how
 * many curves a's figure has, before anything is read.  0, or
 * CLI_EXIT_FAILURE after printing why the .npy cannot be used. */
int cli_curve_count(const char *cmd, const cli_curve_args *a, size_t *n, size_t *n_series);
/* Checks first that the memory it needs is available (as solve does);
 * 0, or CLI_EXIT_FAILURE after printing why; out is zeroed on failure. */
int cli_curve_build(const char *cmd, cli_curve_args *a, cli_curve_fig *out);
/* Safe on a zeroed struct. */
void cli_curve_fig_free(cli_curve_fig *f);

/* `lmpviz region` */
typedef struct cli_region_args {
    double *p; /* malloc'ed (cli_region_args_free); NULL: the default list */
    size_t n_p;
    double m;
    int have_losses;
    double losses[2];
    size_t width, height;
    double dpi;
    const char *title;
    const char *output;
} cli_region_args;

/* a must be zeroed first. */
int cli_region_parse(const char *cmd, int argc, char **argv, cli_region_args *a);
void cli_region_args_free(cli_region_args *a);
/* Fills opts (borrowing a's arrays) and builds the figure; NULL after
 * printing why. */
lmpviz_figure *cli_region_build(const char *cmd, const cli_region_args *a, lmpviz_region_opts *opts);

/* The split options of heatmap and compare (--cityscapes-root and its
 * companions, --jobs, --shard); see cli_parse_frame_opt. */
typedef struct cli_split_opts {
    const char *root, *split, *city, *pred_dir, *pred_suffix, *out_dir;
    size_t jobs;
    size_t shard_i, shard_n; /* shard_n = 0: the whole split */
} cli_split_opts;

/* `lmpviz heatmap` */
typedef struct cli_heatmap_args {
    lmpviz_heatmap_input in;
    int n_pred;
    lmp_params params;
    int have_m, have_m_px;
    lmpviz_heatmap_fig_opts fig;
    const char *output;
    const char *save_weights, *save_loss, *stats;
    cli_split_opts sp;
    int quiet, timing;
    int resume; /* --resume: keep the frames a record says are done */
    int any_single;
    /* --device and --batch: set allow_device before parsing to accept them
     * (heatmap does; notebook, which solves on the CPU, does not). */
    int allow_device;
    int on_gpu;   /* --device cuda */
    size_t batch; /* --batch: frames per GPU solve in a split */
} cli_heatmap_args;

/* a must be zeroed first; nothing to free. */
int cli_heatmap_parse(const char *cmd, int argc, char **argv, cli_heatmap_args *a);


/* The frames of a Cityscapes split (cli/split.c): every
 * ROOT/leftImg8bit/SPLIT/CITY/STEM_leftImg8bit.png (CITY only when city is
 * not NULL; sorted by city, then file name), paired with
 * ROOT/gtFine/SPLIT/CITY/STEM<label_suffix> and the prediction
 * PRED_DIR/CITY/STEM<pred_suffix>, or PRED_DIR/STEM<pred_suffix> when the
 * first does not exist.  Files are not checked.  shard_n > 0 keeps the
 * frames whose index i (over the whole listing) has i % shard_n ==
 * shard_i - 1; *total gets the listing's size.  0 on success; -1 with a
 * message (naming cmd) when the frame folder cannot be listed or memory
 * runs out. */
typedef struct cli_frame {
    char *city, *stem;
    char *image, *labels, *pred;
} cli_frame;

int cli_split_list(const char *cmd,
                   const char *root,
                   const char *split,
                   const char *city,
                   const char *label_suffix,
                   const char *pred_dir,
                   const char *pred_suffix,
                   size_t shard_i,
                   size_t shard_n,
                   cli_frame **out,
                   size_t *count,
                   size_t *total);
void cli_split_free(cli_frame *frames, size_t count);
/* "a/b/c", or "a/b" when c is NULL; malloc'ed (caller frees), NULL when
 * memory runs out. */
char *cli_path_join(const char *a, const char *b, const char *c);
/* 1 when s ends in suffix. */
int cli_ends_with(const char *s, const char *suffix);
/* 1 when p names a regular file (following links). */
int cli_is_file(const char *p);
/* mkdir -p; 0 or -1 (errno set; ENOTDIR when path, or a folder on the
 * way, is a file). */
int cli_mkdir_p(const char *path);

/* ------------------------------------------------------------------------
 * Running over the frames of a split (cli/split_run.c), shared by heatmap and
 * compare: --jobs, --shard and the progress display.
 */
#define CLI_MAX_JOBS 256
/* The number of online cores, at least 1: the default of --jobs. */
size_t cli_default_jobs(void);
/* --jobs N: a count <= CLI_MAX_JOBS (0 runs one thread).  0, or
 * CLI_EXIT_USAGE after printing a usage error naming cmd. */
int cli_parse_jobs(const char *cmd, const char *text, size_t *out);
/* --shard I/N with 1 <= I <= N <= 1000000.  0, or CLI_EXIT_USAGE after
 * printing a usage error naming cmd. */
int cli_parse_shard(const char *cmd, const char *text, size_t *i, size_t *n);
/* DIR/NAMEEXT, or DIR/NAME_shardI-of-NEXT when shard_n > 0 (the split
 * tables of a shard); malloc'ed (caller frees), NULL when memory runs out. */
char *cli_shard_path(const char *dir,
                     const char *name,
                     const char *ext,
                     size_t shard_i,
                     size_t shard_n);
/* 1 after writing why into msg when the frame's labels or prediction file
 * is missing; else 0. */
int cli_frame_missing(const cli_frame *fr, char *msg, size_t len);

/* What cli_split_pool_run records per frame. */
typedef struct cli_frame_result {
    int ok;         /* process returned 0 */
    int ran;        /* process ran (0: an interruption came first) */
    double seconds; /* wall time of process */
} cli_frame_result;

typedef struct cli_split_pool {
    const char *cmd;         /* names the command in messages */
    const cli_frame *frames; /* borrowed; n of them */
    size_t n;
    size_t jobs; /* threads, at most CLI_MAX_JOBS (0: one) */
    int quiet;   /* no progress display; failures are still reported */
    void *ctx;   /* passed to the callbacks */
    /* Optional: per-thread state (say an lmp_workspace), made when a
     * thread starts and freed when it ends; state may be NULL. */
    void *(*thread_begin)(void *ctx);
    void (*thread_end)(void *ctx, void *state);
    /* Frame i: 0 on success, with note set to the detail of its progress
     * line ("n = ..."; may be left empty); else -1 with msg set to why.
     * Runs on several threads at once, frames in any order: it may write
     * only frame i's data. */
    int (*process)(void *ctx,
                   size_t i,
                   void *state,
                   char *note,
                   size_t note_len,
                   char *msg,
                   size_t msg_len);
} cli_split_pool;

/* SIGINT and SIGTERM during a split: cli_interrupt_begin installs handlers
 * that only record the signal; the pool then starts no new frame, the
 * frames under way finish (so their outputs are whole, and no temporary is
 * left), and the command writes its tables for the frames done and exits
 * with 128 + the signal (130, 143).  A second signal ends the process at
 * once, as the default action does.  cli_interrupt_end restores the
 * previous handlers (nothing when none were installed). */
void cli_interrupt_begin(void);
void cli_interrupt_end(void);
/* The signal received since cli_interrupt_begin, or 0. */
int cli_interrupted(void);

/* thread_begin/thread_end for a pool whose frames solve LMP: each thread's
 * state is its own lmp_workspace (NULL when out of memory; lmp_solve then
 * allocates per call). */
void *cli_pool_workspace_begin(void *ctx);
void cli_pool_workspace_end(void *ctx, void *state);

/* Runs process over frames 0..n-1 on min(jobs, n) threads and fills
 * results[i] (n slots, caller owns).  After an interruption
 * (cli_interrupted) no frame starts, and those not started have ran = 0.
 * Failures are reported to stderr as they come ("lmpviz CMD: STEM:
 * skipped: MSG"); unless quiet, a progress bar is drawn on stderr when it is
 * a terminal, else one line per frame done.  Returns the number of frames
 * that failed.  Add per-frame results in frame order afterwards, so that
 * they do not depend on jobs. */
size_t cli_split_pool_run(const cli_split_pool *p, cli_frame_result *results);

/* ------------------------------------------------------------------------
 * Options that heatmap and compare share (cli/frame_opts.c).  The parsers
 * return 0, or CLI_EXIT_USAGE after printing a usage error naming cmd.
 */
/* --label-type: id (or labelid) or trainid. */
int cli_parse_label_type(const char *cmd, const char *text, lmpviz_label_type *out);
/* --layout: auto, chw or hwc. */
int cli_parse_layout(const char *cmd, const char *text, lmpviz_layout *out);
/* --cmap: a colour map name. */
int cli_parse_cmap(const char *cmd, const char *text, lmpviz_cmap *out);
/* --vmax: a number > 0. */
int cli_parse_vmax(const char *cmd, const char *text, double *out);
/* getopt_long values of the options heatmap and compare share, above
 * those of each command's own options. */
enum {
    CLI_OPT_IMAGE = 0x1000,
    CLI_OPT_LABELS,
    CLI_OPT_LABEL_TYPE,
    CLI_OPT_PROBS,
    CLI_OPT_LOGITS,
    CLI_OPT_LOSS,
    CLI_OPT_LAYOUT,
    CLI_OPT_RESIZE,
    CLI_OPT_CMAP,
    CLI_OPT_VMAX,
    CLI_OPT_ROOT,
    CLI_OPT_SPLIT,
    CLI_OPT_CITY,
    CLI_OPT_PRED_DIR,
    CLI_OPT_PRED_SUFFIX,
    CLI_OPT_OUT_DIR,
    CLI_OPT_JOBS,
    CLI_OPT_SHARD,
    CLI_OPT_MAX_PIXELS
};
/* Stores opt (a getopt_long result, with its argument arg) when it is one of
 * the CLI_OPT_* options: the frame inputs into *in (counting --probs,
 * --logits and --loss in *n_pred), --cmap and --vmax into *overlay, the
 * split options into *sp.  1 when it was one, 0 when it was not, -1 after
 * printing a usage error naming cmd. */
int cli_parse_frame_opt(const char *cmd,
                        int opt,
                        const char *arg,
                        lmpviz_heatmap_input *in,
                        int *n_pred,
                        lmpviz_overlay_opts *overlay,
                        cli_split_opts *sp);
/* The checks of --cityscapes-root's companions: --pred-dir and --out-dir
 * given, --pred-suffix and --split plain names.  Sets *pred_kind from the
 * suffix ("logit": logits, "loss": loss maps, else probabilities). */
int cli_split_check(const char *cmd,
                    const char *split,
                    const char *pred_dir,
                    const char *pred_suffix,
                    const char *out_dir,
                    lmpviz_pred_kind *pred_kind);
/* The file name ending of Cityscapes label maps of that type. */
const char *cli_label_suffix(lmpviz_label_type type);
/* 0 when the split listed total > 0 frames and out_dir exists or was made;
 * else -1 after printing why. */
int cli_split_ready(const char *cmd,
                    const char *root,
                    const char *split,
                    const char *city,
                    size_t total,
                    const char *out_dir);

#endif /* LMPVIZ_CLI_H */
