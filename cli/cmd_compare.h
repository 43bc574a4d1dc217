/*
 * cmd_compare.h - what the two halves of `lmpviz compare` share: one input
 * (cmd_compare.c) and a whole split (compare_split.c).
 */
#ifndef LMPVIZ_CMD_COMPARE_H
#define LMPVIZ_CMD_COMPARE_H

#include "cli_commands.h"
#include "lmp.h"
#include "lmpviz.h"

/* A frame's losses, labels and image through the heatmap pipeline (into
 * hm), then a's schemes over them (into d); on failure err names the
 * file, and nothing is left to free. */
lmpviz_status cli_compare_frame_compute(const cli_compare_args *a,
                                        const lmpviz_heatmap_input *hin,
                                        lmp_workspace *ws,
                                        lmpviz_heatmap *hm,
                                        lmpviz_compare_data *d,
                                        lmpviz_err *err);
/* cs as the per-class CSV of the schemes specs at path (written whole or
 * not at all). */
lmpviz_status cli_compare_write_stats(const char *path,
                                      const lmpviz_compare_stats *cs,
                                      const lmpviz_scheme_spec *specs,
                                      lmpviz_err *err);
/* --cityscapes-root: every frame of the split (or of the shard), then the
 * split's table; the exit status. */
int cli_compare_run_split(cli_compare_args *a);

#endif /* LMPVIZ_CMD_COMPARE_H */
