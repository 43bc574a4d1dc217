/* The loss inputs of `lmpviz sweep` and `lmpviz match`: a .npy of losses,
 * or labels with a model output, and --class names. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "lmpviz_private.h"
#include "sweep_cli.h"

int
cli_loss_input_load(const char *cmd,
                    const char *losses,
                    int ignore_zeros,
                    const lmpviz_heatmap_input *in,
                    cli_loss_input *out,
                    char *msg,
                    size_t msg_len)
{
    lmpviz_err err;
    lmpviz_status st;
    size_t i;

    memset(out, 0, sizeof *out);
    memset(&err, 0, sizeof err);
    if (losses != NULL) {
        st = lmpviz_npy_read_float(losses, &out->arr, &err);
        if (st != LMPVIZ_OK) {
            snprintf(msg, msg_len, "%s: %s", losses,
                     err.msg[0] ? err.msg : lmpviz_status_string(st));
            return -1;
        }
        cli_warn_tiny(cmd, losses, &out->arr);
        if (out->arr.count == 0) {
            snprintf(msg, msg_len, "%s: expected at least one loss, got an empty array", losses);
            cli_loss_input_free(out);
            return -1;
        }
        out->loss = out->arr.data;
        out->n = out->arr.count;
        if (ignore_zeros) {
            out->valid = lmpviz_big_alloc(out->n);
            if (out->valid == NULL) {
                snprintf(msg, msg_len, "out of memory");
                cli_loss_input_free(out);
                return -1;
            }
            for (i = 0; i < out->n; i++)
                out->valid[i] = out->loss[i] != 0.0f;
        }
        return 0;
    }
    {
        /* the frame-input pipeline without a frame: the labels set the size */
        lmpviz_heatmap_input hin = *in;
        lmp_params prm = LMP_PARAMS_INIT;
        hin.image = NULL;
        hin.want_argmax = 0;
        st = lmpviz_heatmap_load(&hin, &prm, &out->hm, &err);
    }
    if (st != LMPVIZ_OK) {
        snprintf(msg, msg_len, "%s", err.msg);
        memset(out, 0, sizeof *out);
        return -1;
    }
    out->loss = out->hm.loss;
    out->valid = out->hm.valid;
    out->train = out->hm.train;
    out->n = out->hm.width * out->hm.height;
    out->big = 1;
    return 0;
}

void
cli_loss_input_free(cli_loss_input *li)
{
    if (li == NULL)
        return;
    if (li->big)
        lmpviz_heatmap_free(&li->hm);
    else
        lmpviz_big_free(li->valid);
    lmpviz_array_free(&li->arr);
    memset(li, 0, sizeof *li);
}

/* "traffic light", "Traffic_Light" and "traffic-light" are the same name. */
static int
same_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        int x = tolower((unsigned char)*a), y = tolower((unsigned char)*b);
        if (x == '_' || x == '-')
            x = ' ';
        if (y == '_' || y == '-')
            y = ' ';
        if (x != y)
            return 0;
    }
    return *a == *b;
}

int
cli_parse_classes(const char *cmd, const char *text, unsigned *out, size_t *count, size_t max)
{
    const char *p = text;

    while (1) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char name[64];
        unsigned c, found = LMPVIZ_CS_CLASSES;
        size_t k;

        while (len > 0 && isspace((unsigned char)*p)) {
            p++;
            len--;
        }
        while (len > 0 && isspace((unsigned char)p[len - 1]))
            len--;
        if (len == 0 || len >= sizeof name)
            return cli_usage_error(cmd,
                                   "--class: expected class names separated by \",\", got "
                                   "\"%s\"",
                                   text);
        memcpy(name, p, len);
        name[len] = '\0';
        for (c = 0; c < LMPVIZ_CS_CLASSES; c++) {
            if (same_name(name, lmpviz_cs_class_name(c)))
                found = c;
        }
        if (found == LMPVIZ_CS_CLASSES)
            return cli_usage_error(cmd,
                                   "--class: unknown class \"%s\" (expected a Cityscapes class: "
                                   "road, sidewalk, building, wall, fence, pole, traffic light, "
                                   "traffic sign, vegetation, terrain, sky, person, rider, car, "
                                   "truck, bus, train, motorcycle, bicycle)",
                                   name);
        for (k = 0; k < *count; k++) {
            if (out[k] == found)
                return cli_usage_error(cmd, "--class: \"%s\" is given twice", name);
        }
        if (*count == max)
            return cli_usage_error(cmd, "--class: at most %zu classes", max);
        out[(*count)++] = found;
        if (comma == NULL)
            return 0;
        p = comma + 1;
    }
}

cli_parse_result
cli_loss_input_check(const char *cmd,
                     int have_losses,
                     int ignore_zeros,
                     const lmpviz_heatmap_input *in,
                     int n_pred,
                     const cli_split_opts *sp)
{
    if (sp->pred_dir != NULL || sp->city != NULL || sp->shard_n != 0)
        return cli_parse_error(cmd, "--pred-dir, --city and --shard: need --cityscapes-root DIR");
    if (have_losses && (in->labels != NULL || n_pred > 0 || in->image != NULL))
        return cli_parse_error(cmd, "--losses: give either --losses or --labels with a model "
                                    "output, not both");
    if (!have_losses) {
        if (in->labels == NULL)
            return cli_parse_error(cmd, "expected --losses FILE.npy, --labels with --probs, "
                                        "--logits or --loss, or --cityscapes-root DIR");
        if (n_pred != 1)
            return cli_parse_error(cmd,
                                   "expected exactly one of --probs, --logits and --loss, "
                                   "got %d",
                                   n_pred);
    }
    if (ignore_zeros && !have_losses)
        return cli_parse_error(cmd, "--ignore-zeros: applies to --losses");
    return CLI_PARSE_OK;
}

size_t
cli_loss_input_files(cli_file *out,
                     const char *const *losses,
                     size_t n_losses,
                     const lmpviz_heatmap_input *in)
{
    static const char *const pred_opt[] = { "--probs", "--logits", "--loss" };
    size_t n = 0, k;

    for (k = 0; k < n_losses; k++) {
        out[n].opt = "--losses";
        out[n++].path = losses[k];
    }
    out[n].opt = "--labels";
    out[n++].path = in->labels;
    out[n].opt = pred_opt[in->pred_kind];
    out[n++].path = in->pred;
    out[n].opt = "--image";
    out[n++].path = in->image;
    return n;
}
