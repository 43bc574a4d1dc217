/*
 * sweep_cli.h - `lmpviz sweep` and `lmpviz match`, and the loss inputs they
 * share (cli/loss_inputs.c).
 */
#ifndef LMPVIZ_SWEEP_CLI_H
#define LMPVIZ_SWEEP_CLI_H

#include <stddef.h>

#include "cli.h"

int cmd_sweep(int argc, char **argv);
int cmd_match(int argc, char **argv);

/* One input's losses: a .npy of losses (every element a pixel), or labels
 * with a model output (trainIds too). */
typedef struct cli_loss_input {
    float *loss;          /* n values */
    unsigned char *valid; /* NULL (all valid) or n bytes */
    unsigned char *train; /* NULL (no labels) or n trainIds */
    size_t n;
    lmpviz_array arr;  /* --losses: owns loss (valid from lmpviz_big_alloc) */
    lmpviz_heatmap hm; /* labels: owns loss, valid and train */
    int big;           /* 1: hm holds them */
} cli_loss_input;

/* Loads --losses PATH (ignore_zeros: zero losses are not valid) when
 * losses is not NULL, else in's labels and prediction (sizes checked from
 * the headers first).  0, or -1 with msg set (naming the file).  out is
 * zeroed first. */
int cli_loss_input_load(const char *cmd,
                        const char *losses,
                        int ignore_zeros,
                        const lmpviz_heatmap_input *in,
                        cli_loss_input *out,
                        char *msg,
                        size_t msg_len);
/* Safe on a zeroed struct. */
void cli_loss_input_free(cli_loss_input *li);

/* The checks of one input's options, without --cityscapes-root: no split
 * companion, and either --losses (have_losses) or --labels with exactly
 * one model output (n_pred), not both; --ignore-zeros only with --losses.
 * CLI_PARSE_OK, or CLI_PARSE_USAGE after a usage error naming cmd. */
cli_parse_result cli_loss_input_check(const char *cmd,
                                      int have_losses,
                                      int ignore_zeros,
                                      const lmpviz_heatmap_input *in,
                                      int n_pred,
                                      const cli_split_opts *sp);
/* The inputs of one input's options, for cli_check_files: each of the
 * n_losses --losses files, then --labels, the model output and --image
 * (their path NULL when not given).  out has room for n_losses + 3;
 * returns how many were stored. */
size_t cli_loss_input_files(cli_file *out,
                            const char *const *losses,
                            size_t n_losses,
                            const lmpviz_heatmap_input *in);

/* --class NAME[,NAME...]: Cityscapes class names (any case; "traffic
 * light" or traffic_light) into trainIds.  0, or CLI_EXIT_USAGE after a
 * usage error naming cmd and the known names. */
int cli_parse_classes(const char *cmd, const char *text, unsigned *out, size_t *count, size_t max);

#endif /* LMPVIZ_SWEEP_CLI_H */
