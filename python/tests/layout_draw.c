/*
 * Prints sizeof and offsetof of the lmpviz/draw.h structs that lmpviz.draw
 * mirrors with ctypes, as one JSON object; test_draw.py compares them.
 */
#include <stddef.h>
#include <stdio.h>

#include "lmpviz.h"

#define FIELD(s, f) printf("%s\"%s\": %zu", first ? "" : ", ", #f, offsetof(s, f)), first = 0
#define BEGIN(s)                                                                                   \
    printf("%s\"" #s "\": {\"sizeof\": %zu, \"offsets\": {", any ? ", " : "", sizeof(s));          \
    first = 1, any = 1
#define END() printf("}}")

int
main(void)
{
    int first, any = 0;

    printf("{");
    BEGIN(lmpviz_frame_arrays);
    FIELD(lmpviz_frame_arrays, image);
    FIELD(lmpviz_frame_arrays, width);
    FIELD(lmpviz_frame_arrays, height);
    FIELD(lmpviz_frame_arrays, labels);
    FIELD(lmpviz_frame_arrays, label_type);
    FIELD(lmpviz_frame_arrays, valid);
    FIELD(lmpviz_frame_arrays, scores);
    FIELD(lmpviz_frame_arrays, classes);
    FIELD(lmpviz_frame_arrays, pred_kind);
    FIELD(lmpviz_frame_arrays, weight);
    FIELD(lmpviz_frame_arrays, params);
    FIELD(lmpviz_frame_arrays, result);
    END();
    BEGIN(lmpviz_overlay_opts);
    FIELD(lmpviz_overlay_opts, cmap);
    FIELD(lmpviz_overlay_opts, scale);
    FIELD(lmpviz_overlay_opts, alpha);
    FIELD(lmpviz_overlay_opts, dim);
    FIELD(lmpviz_overlay_opts, desaturate);
    FIELD(lmpviz_overlay_opts, vmax);
    FIELD(lmpviz_overlay_opts, vmin);
    END();
    BEGIN(lmpviz_heatmap_fig_opts);
    FIELD(lmpviz_heatmap_fig_opts, overlay);
    FIELD(lmpviz_heatmap_fig_opts, panels);
    FIELD(lmpviz_heatmap_fig_opts, width_px);
    FIELD(lmpviz_heatmap_fig_opts, title);
    END();
    BEGIN(lmpviz_pixels);
    FIELD(lmpviz_pixels, data);
    FIELD(lmpviz_pixels, width);
    FIELD(lmpviz_pixels, height);
    FIELD(lmpviz_pixels, channels);
    FIELD(lmpviz_pixels, stride);
    END();
    BEGIN(lmpviz_class_row);
    FIELD(lmpviz_class_row, train_id);
    FIELD(lmpviz_class_row, name);
    FIELD(lmpviz_class_row, pixels);
    FIELD(lmpviz_class_row, pixel_share);
    FIELD(lmpviz_class_row, loss_share);
    FIELD(lmpviz_class_row, weight_share);
    FIELD(lmpviz_class_row, mean_nw);
    FIELD(lmpviz_class_row, mean_loss);
    END();
    BEGIN(lmpviz_err);
    FIELD(lmpviz_err, msg);
    END();
    printf(", \"enums\": {\"LMPVIZ_LABELS_TRAINID\": %d, \"LMPVIZ_PRED_LOGITS\": %d, "
           "\"LMPVIZ_PRED_LOSS\": %d, \"LMPVIZ_HSCALE_LOG\": %d, \"LMPVIZ_HSCALE_RANK\": %d, "
           "\"LMPVIZ_CMAP_TURBO\": %d, \"LMPVIZ_CMAP_MAGMA\": %d, \"LMPVIZ_ERR_LEN\": %d, "
           "\"LMPVIZ_CS_CLASSES\": %d, \"sizeof_enum\": %zu}}\n",
           (int)LMPVIZ_LABELS_TRAINID, (int)LMPVIZ_PRED_LOGITS, (int)LMPVIZ_PRED_LOSS,
           (int)LMPVIZ_HSCALE_LOG, (int)LMPVIZ_HSCALE_RANK, (int)LMPVIZ_CMAP_TURBO,
           (int)LMPVIZ_CMAP_MAGMA, LMPVIZ_ERR_LEN, LMPVIZ_CS_CLASSES, sizeof(lmpviz_pred_kind));
    return 0;
}
