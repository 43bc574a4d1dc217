/*
 * cmd_heatmap.h - what the two halves of `lmpviz heatmap` share: one frame
 * (cmd_heatmap.c) and a whole split (heatmap_split.c).
 */
#ifndef LMPVIZ_CMD_HEATMAP_H
#define LMPVIZ_CMD_HEATMAP_H

#include <stddef.h>
#include <stdio.h>

#include "cli_commands.h"
#include "lmp.h"
#include "lmpviz.h"

/* The per-class table of st, as printed after a frame or a split. */
void cli_heatmap_class_table(FILE *out, const lmpviz_class_stats *st);
/* st as the per-class CSV at path (written whole or not at all). */
lmpviz_status
cli_heatmap_write_stats(const char *path, const lmpviz_class_stats *st, lmpviz_err *err);
/* Solves the k loaded frames hm[0..k-1] (1 <= k <= LMP_CUDA_MAX_BATCH) in
 * one lmp_cuda_solve_host call, one LMP problem per frame, and fills their
 * weights and results and ls[i] with each frame's status (for
 * lmpviz_heatmap_solved).  0, or -1 with msg set when the batch failed as
 * a whole. */
int cli_heatmap_gpu_solve(lmpviz_heatmap **hm,
                          size_t k,
                          const lmp_params *prm,
                          lmp_status *ls,
                          char *msg,
                          size_t msg_len);
/* --cityscapes-root: every frame of the split (or of the shard), then the
 * split's tables; the exit status. */
int cli_heatmap_run_split(cli_heatmap_args *a);

#endif /* LMPVIZ_CMD_HEATMAP_H */
