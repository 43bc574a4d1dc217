/*
 * cli_split.h - running heatmap and compare over the frames of a Cityscapes
 * split: the split options, the listing of its frames, the thread pool that
 * processes them (--jobs, --shard, progress) and interruptions.
 */
#ifndef LMPVIZ_CLI_SPLIT_H
#define LMPVIZ_CLI_SPLIT_H

#include <stddef.h>

#include "cli_args.h"
#include "lmpviz.h"

/* The split options of heatmap and compare (--cityscapes-root and its
 * companions, --jobs, --shard); see cli_parse_frame_opt. */
typedef struct cli_split_opts {
    const char *root, *split, *city, *pred_dir, *pred_suffix, *out_dir;
    size_t jobs;
    size_t shard_i, shard_n; /* shard_n = 0: the whole split */
} cli_split_opts;

/* ------------------------------------------------------------------------
 * Options that heatmap and compare share (cli/frame_opts.c).
 */
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
    CLI_OPT_MAX_PIXELS,
    CLI_OPT_END /* past the last */
};
/* getopt_long entries of the CLI_OPT_* options: a frame's inputs, the
 * colours of its overlay, and a split. */
/* clang-format off */
#define CLI_FRAME_LONGOPTS                                                                         \
    { "image", required_argument, NULL, CLI_OPT_IMAGE },                                           \
    { "labels", required_argument, NULL, CLI_OPT_LABELS },                                         \
    { "label-type", required_argument, NULL, CLI_OPT_LABEL_TYPE },                                 \
    { "probs", required_argument, NULL, CLI_OPT_PROBS },                                           \
    { "logits", required_argument, NULL, CLI_OPT_LOGITS },                                         \
    { "loss", required_argument, NULL, CLI_OPT_LOSS },                                             \
    { "layout", required_argument, NULL, CLI_OPT_LAYOUT },                                         \
    { "resize", no_argument, NULL, CLI_OPT_RESIZE },                                               \
    { "max-pixels", required_argument, NULL, CLI_OPT_MAX_PIXELS },                                 \
    { "cmap", required_argument, NULL, CLI_OPT_CMAP },                                             \
    { "vmax", required_argument, NULL, CLI_OPT_VMAX }
#define CLI_SPLIT_LONGOPTS                                                                         \
    { "cityscapes-root", required_argument, NULL, CLI_OPT_ROOT },                                  \
    { "split", required_argument, NULL, CLI_OPT_SPLIT },                                           \
    { "city", required_argument, NULL, CLI_OPT_CITY },                                             \
    { "pred-dir", required_argument, NULL, CLI_OPT_PRED_DIR },                                     \
    { "pred-suffix", required_argument, NULL, CLI_OPT_PRED_SUFFIX },                               \
    { "out-dir", required_argument, NULL, CLI_OPT_OUT_DIR },                                       \
    { "jobs", required_argument, NULL, CLI_OPT_JOBS },                                             \
    { "shard", required_argument, NULL, CLI_OPT_SHARD }
/* clang-format on */
/* 1 when opt (a getopt_long result) is one of the CLI_OPT_* options. */
int cli_is_frame_opt(int opt);
/* Stores opt, one of the CLI_OPT_* options, with its argument arg: the
 * frame inputs into *in (counting --probs, --logits and --loss in *n_pred),
 * --cmap and --vmax into *overlay, the split options into *sp.
 * CLI_PARSE_OK, or CLI_PARSE_USAGE after printing a usage error naming
 * cmd. */
cli_parse_result cli_parse_frame_opt(const char *cmd,
                                     int opt,
                                     const char *arg,
                                     lmpviz_heatmap_input *in,
                                     int *n_pred,
                                     lmpviz_overlay_opts *overlay,
                                     cli_split_opts *sp);
/* The checks of --cityscapes-root's companions: --pred-dir and --out-dir
 * given, --pred-suffix and --split plain names.  Sets *pred_kind from the
 * suffix ("logit": logits, "loss": loss maps, else probabilities).
 * CLI_PARSE_OK or CLI_PARSE_USAGE. */
cli_parse_result cli_split_check(const char *cmd,
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

/* ------------------------------------------------------------------------
 * The frames of a Cityscapes split (cli/split.c).
 */
/* Every ROOT/leftImg8bit/SPLIT/CITY/STEM_leftImg8bit.png (CITY only when
 * city is not NULL; sorted by city, then file name), paired with
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
/* cli_split_list with the split options sp, label maps of that type and
 * shard shard_i of shard_n (0 and 0: the whole split). */
int cli_split_list_opts(const char *cmd,
                        const cli_split_opts *sp,
                        lmpviz_label_type label_type,
                        size_t shard_i,
                        size_t shard_n,
                        cli_frame **out,
                        size_t *count,
                        size_t *total);
void cli_split_free(cli_frame *frames, size_t count);
/* "a/b/c", or "a/b" when c is NULL; malloc'ed (caller frees), NULL when
 * memory runs out. */
char *cli_path_join(const char *a, const char *b, const char *c);
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
/* --jobs N: a count <= CLI_MAX_JOBS (0 runs one thread).  CLI_PARSE_OK, or
 * CLI_PARSE_USAGE after printing a usage error naming cmd. */
cli_parse_result cli_parse_jobs(const char *cmd, const char *text, size_t *out);
/* --shard I/N with 1 <= I <= N <= 1000000.  CLI_PARSE_OK, or
 * CLI_PARSE_USAGE after printing a usage error naming cmd. */
cli_parse_result cli_parse_shard(const char *cmd, const char *text, size_t *i, size_t *n);
/* DIR/NAMEEXT, or DIR/NAME_shardI-of-NEXT when shard_n > 0 (the split
 * tables of a shard); malloc'ed (caller frees), NULL when memory runs out. */
char *
cli_shard_path(const char *dir, const char *name, const char *ext, size_t shard_i, size_t shard_n);
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
    int (*process)(
        void *ctx, size_t i, void *state, char *note, size_t note_len, char *msg, size_t msg_len);
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
/* The name of an interrupting signal: "SIGINT", "SIGTERM", else
 * "signal". */
const char *cli_signal_name(int sig);

/* thread_begin/thread_end for a pool whose frames solve LMP: each thread's
 * state is its own lmp_workspace (NULL when out of memory; lmp_solve then
 * allocates per call). */
void *cli_pool_workspace_begin(void *ctx);
void cli_pool_workspace_end(void *ctx, void *state);

/* A pool of frames[0..n) on sp->jobs threads, each with its own
 * lmp_workspace (cli_pool_workspace_begin), running process with ctx. */
void cli_split_pool_init(cli_split_pool *p,
                         const char *cmd,
                         const cli_frame *frames,
                         size_t n,
                         const cli_split_opts *sp,
                         int quiet,
                         void *ctx,
                         int (*process)(void *, size_t, void *, char *, size_t, char *, size_t));

/* Runs process over frames 0..n-1 on min(jobs, n) threads and fills
 * results[i] (n slots, caller owns).  After an interruption
 * (cli_interrupted) no frame starts, and those not started have ran = 0.
 * Failures are reported to stderr as they come ("lmpviz CMD: STEM:
 * skipped: MSG"); unless quiet, a progress bar is drawn on stderr when it is
 * a terminal, else one line per frame done.  Returns the number of frames
 * that failed.  Add per-frame results in frame order afterwards, so that
 * they do not depend on jobs. */
size_t cli_split_pool_run(const cli_split_pool *p, cli_frame_result *results);

/* The exit status of a split of n frames of which failed failed:
 * CLI_EXIT_FAILURE after printing "F of N frames failed", or CLI_EXIT_OK. */
int cli_split_exit(const char *cmd, size_t failed, size_t n);

#endif /* LMPVIZ_CLI_SPLIT_H */
