/* lmpviz compare over a Cityscapes split: the class factors of
 * source=split from the whole split, one figure per frame on --jobs
 * threads, and the split's per-class table. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_commands.h"
#include "cmd_compare.h"
#include "lmp.h"
#include "lmp_schemes.h"
#include "lmpviz.h"

#define CMD "compare"

/* First pass for source=split: class pixel counts over the split, and the
 * valid pixels of the frames each class appears in; then the factors. */
static int
split_factors(cli_compare_args *a,
              const cli_frame *frames,
              size_t n_frames,
              double alpha[2][LMPVIZ_CS_CLASSES])
{
    double count[LMPVIZ_CS_CLASSES], img[LMPVIZ_CS_CLASSES];
    size_t f, i, k;
    int c;

    memset(count, 0, sizeof count);
    memset(img, 0, sizeof img);
    for (f = 0; f < n_frames; f++) {
        lmpviz_labelmap lm;
        lmpviz_err err;
        unsigned char *tr;
        size_t n, per[LMPVIZ_CS_CLASSES], nv = 0;
        memset(&err, 0, sizeof err);
        if (lmpviz_labelmap_read(frames[f].labels, &lm, &err) != LMPVIZ_OK) {
            cli_error(CMD, "%s: %s (needed for the split's class statistics)", frames[f].labels,
                      err.msg);
            return -1;
        }
        n = lm.width * lm.height;
        tr = malloc(n ? n : 1);
        if (tr == NULL ||
            lmpviz_cs_to_trainids(lm.data, n, lm.width, a->in.label_type, tr, &err) != LMPVIZ_OK) {
            cli_error(CMD, "%s: %s", frames[f].labels, tr ? err.msg : "out of memory");
            free(tr);
            lmpviz_labelmap_free(&lm);
            return -1;
        }
        memset(per, 0, sizeof per);
        for (i = 0; i < n; i++) {
            if (tr[i] < LMPVIZ_CS_CLASSES) {
                per[tr[i]]++;
                nv++;
            }
        }
        for (c = 0; c < LMPVIZ_CS_CLASSES; c++) {
            count[c] += (double)per[c];
            if (per[c] > 0)
                img[c] += (double)nv;
        }
        free(tr);
        lmpviz_labelmap_free(&lm);
    }
    for (k = 0; k < 2; k++) {
        lmp_status ls = lmp_class_factors(k == 0 ? LMP_SCHEME_INVFREQ : LMP_SCHEME_MEDFREQ, count,
                                          img, LMPVIZ_CS_CLASSES, alpha[k]);
        if (ls != LMP_OK) {
            cli_error(CMD, "split class statistics: %s (no labelled pixel in the split?)",
                      lmp_status_string(ls));
            return -1;
        }
    }
    return 0;
}

typedef struct compare_job {
    lmpviz_compare_stats cst;
} compare_job;

typedef struct compare_run {
    const cli_compare_args *a;
    const cli_frame *frames; /* n of them */
    compare_job *jobs;       /* one per frame */
} compare_run;

/* One frame of the split: D/CITY/STEM_compare.png and its class shares. */
static int
process_frame(
    void *ctx, size_t i, void *state, char *note, size_t note_len, char *msg, size_t msg_len)
{
    compare_run *r = ctx;
    const cli_compare_args *a = r->a;
    const cli_frame *fr = &r->frames[i];
    lmpviz_heatmap_input in = a->in;
    lmpviz_heatmap hm;
    lmpviz_compare_data d;
    lmpviz_compare_fig_opts fo;
    lmpviz_figure *fig = NULL;
    lmpviz_err err;
    lmpviz_status st;
    char *dir = NULL, *path = NULL;
    size_t len;
    int rc = -1;

    memset(&hm, 0, sizeof hm);
    memset(&d, 0, sizeof d);
    memset(&err, 0, sizeof err);
    if (cli_frame_missing(fr, msg, msg_len))
        return -1;
    in.image = fr->image;
    in.labels = fr->labels;
    in.pred = fr->pred;
    st = cli_compare_frame_compute(a, &in, state, &hm, &d, &err);
    if (st != LMPVIZ_OK) {
        snprintf(msg, msg_len, "%s", err.msg);
        return -1;
    }
    lmpviz_compare_stats_add(&r->jobs[i].cst, &d, hm.train);
    len = strlen(a->sp.out_dir) + strlen(fr->city) + strlen(fr->stem) + 32;
    dir = malloc(len);
    path = malloc(len);
    if (dir == NULL || path == NULL) {
        snprintf(msg, msg_len, "out of memory");
        goto done;
    }
    snprintf(dir, len, "%s/%s", a->sp.out_dir, fr->city);
    snprintf(path, len, "%s/%s_compare.png", dir, fr->stem);
    if (cli_mkdir_p(dir) != 0) {
        snprintf(msg, msg_len, "%s: cannot create the folder: %s", dir, strerror(errno));
        goto done;
    }
    memset(&fo, 0, sizeof fo);
    fo.overlay = a->overlay;
    fo.width_px = a->fig_width;
    fo.title = a->title;
    fig = lmpviz_compare_frame_figure(&hm, &d, &fo);
    st = lmpviz_figure_save(fig, path, &err);
    if (st != LMPVIZ_OK) {
        snprintf(msg, msg_len, "%s: %s", path, err.msg);
        goto done;
    }
    snprintf(note, note_len, "n = %zu", d.n_valid);
    rc = 0;
done:
    lmpviz_figure_destroy(fig);
    lmpviz_compare_free(&d);
    lmpviz_heatmap_free(&hm);
    free(dir);
    free(path);
    return rc;
}

/* source=split: the class factors from every frame of the split (all the
 * shards), so that a shard weighs its pixels like the full run. */
static int
set_split_factors(cli_compare_args *a, double alpha[2][LMPVIZ_CS_CLASSES])
{
    cli_frame *all = NULL;
    size_t n_all = 0, total = 0, k;
    int rc = -1;

    if (cli_split_list_opts(CMD, &a->sp, a->in.label_type, 0, 0, &all, &n_all, &total) != 0)
        return -1;
    if (split_factors(a, all, n_all, alpha) != 0)
        goto done;
    for (k = 0; k < a->n_spec; k++) {
        lmp_scheme *s = &a->spec[k].scheme;
        if (a->spec[k].from_split) {
            if (s->n_classes != LMPVIZ_CS_CLASSES) {
                cli_error(CMD,
                          "%s: source=split counts the %d Cityscapes classes; drop "
                          "classes=",
                          a->spec[k].text, LMPVIZ_CS_CLASSES);
                goto done;
            }
            s->class_weight = alpha[s->kind == LMP_SCHEME_INVFREQ ? 0 : 1];
        }
    }
    rc = 0;
done:
    cli_split_free(all, n_all);
    return rc;
}

/* D/classes_compare.csv (or the shard's), the class shares of the frames
 * done, printed too unless --quiet; an empty shard writes an empty table,
 * so that every shard has one.  0, or -1 after printing why. */
static int
write_split_table(const cli_compare_args *a,
                  const lmpviz_compare_stats *sum,
                  size_t ok,
                  size_t n_frames)
{
    lmpviz_err err;
    lmpviz_status st;
    char *path;

    if (ok == 0 && n_frames > 0)
        return 0;
    memset(&err, 0, sizeof err);
    path = cli_shard_path(a->sp.out_dir, "classes_compare", ".csv", a->sp.shard_i, a->sp.shard_n);
    if (path == NULL) {
        cli_error(CMD, "out of memory");
        return -1;
    }
    st = cli_compare_write_stats(path, sum, a->spec, &err);
    if (st != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", path, err.msg);
        free(path);
        return -1;
    }
    if (!a->quiet && ok > 0)
        lmpviz_compare_stats_print(sum, a->spec, stdout);
    printf("%s\n", path);
    free(path);
    return 0;
}

int
cli_compare_run_split(cli_compare_args *a)
{
    cli_frame *frames = NULL;
    cli_frame_result *res = NULL;
    compare_run r;
    cli_split_pool pool;
    size_t n_frames = 0, total = 0, f, k, ok = 0, failed;
    double alpha[2][LMPVIZ_CS_CLASSES];
    lmpviz_compare_stats sum;
    int rc = CLI_EXIT_FAILURE, sig = 0;

    memset(&r, 0, sizeof r);
    memset(&sum, 0, sizeof sum);
    if (cli_split_list_opts(CMD, &a->sp, a->in.label_type, a->sp.shard_i, a->sp.shard_n, &frames,
                            &n_frames, &total) != 0)
        return CLI_EXIT_FAILURE;
    if (cli_split_ready(CMD, a->sp.root, a->sp.split, a->sp.city, total, a->sp.out_dir) != 0)
        goto cleanup;
    if (a->need_split && set_split_factors(a, alpha) != 0)
        goto cleanup;
    if (n_frames > 0) {
        r.jobs = calloc(n_frames, sizeof *r.jobs);
        res = calloc(n_frames, sizeof *res);
        if (r.jobs == NULL || res == NULL) {
            cli_error(CMD, "out of memory listing the frames");
            goto cleanup;
        }
    }
    r.a = a;
    r.frames = frames;
    cli_split_pool_init(&pool, CMD, frames, n_frames, &a->sp, a->quiet, &r, process_frame);
    cli_interrupt_begin();
    failed = cli_split_pool_run(&pool, res);
    sig = cli_interrupted();

    /* Frame order, not completion order: the sums do not depend on --jobs. */
    sum.n_schemes = a->n_spec;
    for (f = 0; f < n_frames; f++) {
        if (!res[f].ok)
            continue;
        for (k = 0; k < a->n_spec; k++)
            lmpviz_class_stats_merge(&sum.st[k], &r.jobs[f].cst.st[k]);
        ok++;
    }
    if (write_split_table(a, &sum, ok, n_frames) != 0)
        goto cleanup;
    printf("%zu frames: %zu written, %zu failed\n", n_frames, ok, failed);
    rc = cli_split_exit(CMD, failed, n_frames);
    if (sig != 0) {
        cli_error(CMD, "interrupted (%s): the table covers the %zu frames done",
                  cli_signal_name(sig), ok);
        rc = 128 + sig;
    }
cleanup:
    cli_interrupt_end();
    free(res);
    free(r.jobs);
    cli_split_free(frames, n_frames);
    return rc;
}
