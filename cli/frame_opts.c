/* The options of `lmpviz heatmap` and `lmpviz compare` that name a frame's
 * inputs or a Cityscapes split, parsed and checked the same way in both. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli_split.h"

cli_parse_result
cli_parse_label_type(const char *cmd, const char *text, lmpviz_label_type *out)
{
    if (strcmp(text, "id") == 0 || strcmp(text, "labelid") == 0)
        *out = LMPVIZ_LABELS_ID;
    else if (strcmp(text, "trainid") == 0)
        *out = LMPVIZ_LABELS_TRAINID;
    else
        return cli_parse_error(cmd, "--label-type: expected id or trainid, got \"%s\"", text);
    return CLI_PARSE_OK;
}

cli_parse_result
cli_parse_layout(const char *cmd, const char *text, lmpviz_layout *out)
{
    if (strcmp(text, "auto") == 0)
        *out = LMPVIZ_LAYOUT_AUTO;
    else if (strcmp(text, "chw") == 0)
        *out = LMPVIZ_LAYOUT_CHW;
    else if (strcmp(text, "hwc") == 0)
        *out = LMPVIZ_LAYOUT_HWC;
    else
        return cli_parse_error(cmd, "--layout: expected auto, chw or hwc, got \"%s\"", text);
    return CLI_PARSE_OK;
}

cli_parse_result
cli_parse_cmap(const char *cmd, const char *text, lmpviz_cmap *out)
{
    if (lmpviz_cmap_parse(text, out) != LMPVIZ_OK)
        return cli_parse_error(cmd,
                               "--cmap: expected viridis, magma, inferno, plasma, cividis or "
                               "turbo, got \"%s\"",
                               text);
    return CLI_PARSE_OK;
}

cli_parse_result
cli_split_check(const char *cmd,
                const char *split,
                const char *pred_dir,
                const char *pred_suffix,
                const char *out_dir,
                lmpviz_pred_kind *pred_kind)
{
    if (pred_dir == NULL)
        return cli_parse_error(cmd,
                               "--cityscapes-root: needs --pred-dir DIR with the model outputs");
    if (out_dir == NULL)
        return cli_parse_error(cmd, "--cityscapes-root: needs --out-dir DIR");
    if (pred_suffix[0] == '\0' || strchr(pred_suffix, '/') != NULL)
        return cli_parse_error(
            cmd, "--pred-suffix: expected a file name ending such as _probs.npy, got \"%s\"",
            pred_suffix);
    if (split[0] == '\0' || strchr(split, '/') != NULL)
        return cli_parse_error(cmd, "--split: expected a split name such as val, got \"%s\"",
                               split);
    *pred_kind = strstr(pred_suffix, "logit") != NULL  ? LMPVIZ_PRED_LOGITS
                 : strstr(pred_suffix, "loss") != NULL ? LMPVIZ_PRED_LOSS
                                                       : LMPVIZ_PRED_PROBS;
    return CLI_PARSE_OK;
}

const char *
cli_label_suffix(lmpviz_label_type type)
{
    return type == LMPVIZ_LABELS_TRAINID ? "_gtFine_labelTrainIds.png" : "_gtFine_labelIds.png";
}

int
cli_split_ready(const char *cmd,
                const char *root,
                const char *split,
                const char *city,
                size_t total,
                const char *out_dir)
{
    if (total == 0) {
        cli_error(cmd, "%s/leftImg8bit/%s: no *_leftImg8bit.png frames found%s%s", root, split,
                  city ? " for city " : "", city ? city : "");
        return -1;
    }
    if (cli_mkdir_p(out_dir) != 0) {
        if (errno == ENOTDIR)
            cli_error(cmd, "%s: expected a folder for --out-dir, got a file", out_dir);
        else
            cli_error(cmd, "%s: cannot create the folder: %s", out_dir, strerror(errno));
        return -1;
    }
    return 0;
}

int
cli_is_frame_opt(int opt)
{
    return opt >= CLI_OPT_IMAGE && opt < CLI_OPT_END;
}

cli_parse_result
cli_parse_frame_opt(const char *cmd,
                    int opt,
                    const char *arg,
                    lmpviz_heatmap_input *in,
                    int *n_pred,
                    lmpviz_overlay_opts *overlay,
                    cli_split_opts *sp)
{
    switch (opt) {
    case CLI_OPT_IMAGE:
        in->image = arg;
        break;
    case CLI_OPT_LABELS:
        in->labels = arg;
        break;
    case CLI_OPT_LABEL_TYPE:
        return cli_parse_label_type(cmd, arg, &in->label_type);
    case CLI_OPT_PROBS:
    case CLI_OPT_LOGITS:
    case CLI_OPT_LOSS:
        in->pred = arg;
        in->pred_kind = opt == CLI_OPT_PROBS    ? LMPVIZ_PRED_PROBS
                        : opt == CLI_OPT_LOGITS ? LMPVIZ_PRED_LOGITS
                                                : LMPVIZ_PRED_LOSS;
        (*n_pred)++;
        break;
    case CLI_OPT_LAYOUT:
        return cli_parse_layout(cmd, arg, &in->layout);
    case CLI_OPT_RESIZE:
        in->resize = 1;
        break;
    case CLI_OPT_MAX_PIXELS:
        return cli_parse_size(cmd, "--max-pixels", arg, &in->max_pixels);
    case CLI_OPT_CMAP:
        return cli_parse_cmap(cmd, arg, &overlay->cmap);
    case CLI_OPT_VMAX:
        return cli_parse_vmax(cmd, arg, &overlay->vmax);
    case CLI_OPT_JOBS:
        return cli_parse_jobs(cmd, arg, &sp->jobs);
    case CLI_OPT_SHARD:
        return cli_parse_shard(cmd, arg, &sp->shard_i, &sp->shard_n);
    case CLI_OPT_ROOT:
        sp->root = arg;
        break;
    case CLI_OPT_SPLIT:
        sp->split = arg;
        break;
    case CLI_OPT_CITY:
        sp->city = arg;
        break;
    case CLI_OPT_PRED_DIR:
        sp->pred_dir = arg;
        break;
    case CLI_OPT_PRED_SUFFIX:
        sp->pred_suffix = arg;
        break;
    case CLI_OPT_OUT_DIR:
        sp->out_dir = arg;
        break;
    default:
        assert(!"not a frame option");
        break;
    }
    return CLI_PARSE_OK;
}
