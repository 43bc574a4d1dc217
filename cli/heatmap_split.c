/* lmpviz heatmap over a whole Cityscapes split: the frames on --jobs
 * threads (or in batches on the GPU), per-frame records for --resume, and
 * the split's tables. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_commands.h"
#include "cmd_heatmap.h"
#include "lmp.h"
#include "lmpviz.h"
#include "lmpviz_private.h"

#define CMD "heatmap"

typedef struct frame_job {
    lmpviz_class_stats stats;
    size_t n_valid;
    double mean, value;
} frame_job;

typedef struct split_run {
    cli_heatmap_args *a;
    cli_frame *frames; /* n of them */
    frame_job *jobs;   /* one per frame */
    cli_frame_result *res;
    size_t n;
    /* --device cuda: the batch of frames base.. in hand; hm[j] is frame
     * base + j; the pool that draws them runs over draw[0..] */
    size_t base;
    lmpviz_heatmap *hm;
    size_t *draw;
} split_run;

/* The frame's inputs, as lmpviz_heatmap_input. */
static lmpviz_heatmap_input
frame_input(const cli_heatmap_args *a, const cli_frame *fr)
{
    lmpviz_heatmap_input in = a->in;

    in.image = fr->image;
    in.labels = fr->labels;
    in.pred = fr->pred;
    in.want_argmax = a->fig.panels && in.pred_kind != LMPVIZ_PRED_LOSS;
    return in;
}

/* ------------------------------------------------------------------------
 * Per-frame records (--resume): STEM_record.csv beside the frame's figure
 * and table, written after them, so that it exists only when both are
 * whole.  It holds what the split's tables need from the frame: the LMP
 * parameters it was solved with, n, the mean and LMP losses, the seconds
 * it took and its per-class sums ("class,ID,PIXELS,LOSS_SUM,NW_SUM",
 * doubles in %.17g, which read back exactly).
 */
#define RECORD_MAGIC "lmpviz-frame-record,1"

/* DIR/STEM + suffix, malloc'ed. */
static char *
frame_file(const char *dir, const char *stem, const char *suffix)
{
    size_t len = strlen(dir) + strlen(stem) + strlen(suffix) + 2;
    char *p = malloc(len);

    if (p != NULL)
        snprintf(p, len, "%s/%s%s", dir, stem, suffix);
    return p;
}

static lmpviz_status
write_record(
    const char *path, const lmp_params *prm, const frame_job *f, double seconds, lmpviz_err *err)
{
    lmpviz_afile af;
    lmpviz_status st;
    size_t k;

    st = lmpviz_afile_open(&af, path, err);
    if (st != LMPVIZ_OK)
        return st;
    fprintf(af.fp, "%s\np,%.17g\nm,%.17g\nm_pixels,%.17g\n", RECORD_MAGIC, prm->p, prm->m,
            prm->m_pixels);
    fprintf(af.fp, "n_valid,%zu\nmean_loss,%.17g\nlmp_loss,%.17g\nseconds,%.17g\n", f->n_valid,
            f->mean, f->value, seconds);
    for (k = 0; k < LMPVIZ_CS_CLASSES; k++) {
        if (f->stats.pixels[k] > 0)
            fprintf(af.fp, "class,%zu,%zu,%.17g,%.17g\n", k, f->stats.pixels[k],
                    f->stats.loss_sum[k], f->stats.nw_sum[k]);
    }
    return lmpviz_afile_commit(&af, err);
}

/* 0 when path is a whole record for these parameters, not older than the
 * frame's inputs; fills f and *seconds.  -1 otherwise (the frame is then
 * computed again). */
static int
read_record(
    const char *path, const lmp_params *prm, const cli_frame *fr, frame_job *f, double *seconds)
{
    FILE *fp = fopen(path, "r");
    char line[256];
    double p = NAN, m = NAN, m_px = NAN;
    int have = 0, ok;
    struct stat rec, in;
    const char *inputs[3];
    size_t k;

    if (fp == NULL)
        return -1;
    memset(f, 0, sizeof *f);
    *seconds = 0.0;
    ok = fgets(line, sizeof line, fp) != NULL && strcmp(line, RECORD_MAGIC "\n") == 0;
    while (ok && fgets(line, sizeof line, fp) != NULL) {
        size_t id, px;
        double a, b;
        if (strchr(line, '\n') == NULL)
            ok = 0;
        else if (sscanf(line, "class,%zu,%zu,%lf,%lf", &id, &px, &a, &b) == 4 &&
                 id < LMPVIZ_CS_CLASSES) {
            f->stats.pixels[id] = px;
            f->stats.loss_sum[id] = a;
            f->stats.nw_sum[id] = b;
        } else if (sscanf(line, "p,%lf", &p) == 1 || sscanf(line, "m,%lf", &m) == 1 ||
                   sscanf(line, "m_pixels,%lf", &m_px) == 1) {
            have++;
        } else if (sscanf(line, "n_valid,%zu", &f->n_valid) == 1 ||
                   sscanf(line, "mean_loss,%lf", &f->mean) == 1 ||
                   sscanf(line, "lmp_loss,%lf", &f->value) == 1 ||
                   sscanf(line, "seconds,%lf", seconds) == 1) {
            have++;
        } else {
            ok = 0;
        }
    }
    ok = ok && !ferror(fp) && have == 7;
    fclose(fp);
    /* the same problem: p, m and m_pixels as given now */
    if (!ok || p != prm->p || m != prm->m || m_px != prm->m_pixels)
        return -1;
    /* inputs changed since (a new model's predictions): computed again */
    inputs[0] = fr->image;
    inputs[1] = fr->labels;
    inputs[2] = fr->pred;
    if (stat(path, &rec) != 0)
        return -1;
    for (k = 0; k < 3; k++) {
        if (stat(inputs[k], &in) != 0 || in.st_mtime > rec.st_mtime)
            return -1;
    }
    f->stats.frames = 1;
    return 0;
}

/* Removes the temporaries of a dead run of lmpviz (one killed before it
 * could) for the files base[0..n_base) in dir: names that
 * lmpviz_afile_is_tmp recognises, made for one of those files, by a
 * process that is gone (or by one with this process's id, as in a
 * container started again).  Nothing else is touched: other files, other
 * frames' temporaries and a live run's are left alone. */
static void
remove_stale_tmp(const char *dir, const char *const *base, size_t n_base)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t mark_len = strlen(LMPVIZ_AFILE_TMP_MARK);

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        const char *mark;
        unsigned long pid;
        size_t k, len;
        char *path;
        if (!lmpviz_afile_is_tmp(e->d_name))
            continue;
        mark = strstr(e->d_name, LMPVIZ_AFILE_TMP_MARK);
        while (strstr(mark + 1, LMPVIZ_AFILE_TMP_MARK) != NULL)
            mark = strstr(mark + 1, LMPVIZ_AFILE_TMP_MARK);
        len = (size_t)(mark - e->d_name);
        for (k = 0; k < n_base; k++) {
            if (strlen(base[k]) == len && strncmp(base[k], e->d_name, len) == 0)
                break;
        }
        if (k == n_base)
            continue;
        pid = strtoul(mark + mark_len, NULL, 16);
        if ((pid_t)pid != getpid() && (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
            continue; /* alive, here or not ours to judge */
        path = frame_file(dir, e->d_name, "");
        if (path != NULL)
            unlink(path);
        free(path);
    }
    closedir(d);
}

/* Frame i, solved in hm: its statistics, figure, table and record.
 * seconds: the time already spent on it (reading, solving). */
static int
save_frame(split_run *r,
           size_t i,
           const lmpviz_heatmap *hm,
           double seconds,
           char *note,
           size_t note_len,
           char *msg,
           size_t msg_len)
{
    double t_save = cli_now();
    char *rec = NULL;
    cli_heatmap_args *a = r->a;
    const cli_frame *fr = &r->frames[i];
    frame_job *f = &r->jobs[i];
    lmpviz_figure *fig = NULL;
    lmpviz_err err;
    lmpviz_status st;
    char *dir = NULL, *png = NULL, *csv = NULL;
    int rc = -1;

    memset(&err, 0, sizeof err);
    lmpviz_class_stats_add(&f->stats, hm->train, hm->loss, hm->weight, hm->width * hm->height,
                           hm->n_valid);
    f->n_valid = hm->n_valid;
    f->mean = hm->result.mean;
    f->value = hm->result.value;
    dir = cli_path_join(a->sp.out_dir, fr->city, NULL);
    png = dir ? frame_file(dir, fr->stem, "_lmp.png") : NULL;
    csv = dir ? frame_file(dir, fr->stem, "_stats.csv") : NULL;
    if (png == NULL || csv == NULL) {
        snprintf(msg, msg_len, "out of memory");
        goto done;
    }
    if (cli_mkdir_p(dir) != 0) {
        snprintf(msg, msg_len, "%s: cannot create the folder: %s", dir, strerror(errno));
        goto done;
    }
    fig = lmpviz_heatmap_figure(hm, &a->fig);
    if (lmpviz_figure_status(fig) != LMPVIZ_OK) {
        snprintf(msg, msg_len, "%s: %s", png, lmpviz_figure_error(fig));
        goto done;
    }
    st = cli_heatmap_write_stats(csv, &f->stats, &err);
    if (st != LMPVIZ_OK) {
        snprintf(msg, msg_len, "%s: %s", csv, err.msg);
        goto done;
    }
    st = lmpviz_figure_save(fig, png, &err);
    if (st != LMPVIZ_OK) {
        cli_remove_output(csv);
        snprintf(msg, msg_len, "%s: %s", png, err.msg);
        goto done;
    }
    /* last: the record says the figure and the table are whole */
    rec = frame_file(dir, fr->stem, "_record.csv");
    st = rec != NULL ? write_record(rec, &a->params, f, seconds + (cli_now() - t_save), &err)
                     : LMPVIZ_ERR_NOMEM;
    if (st != LMPVIZ_OK) {
        snprintf(msg, msg_len, "%s: %s", rec ? rec : "record", err.msg);
        goto done;
    }
    snprintf(note, note_len, "n = %zu, mean loss %.4g, LMP loss %.4g", f->n_valid, f->mean,
             f->value);
    rc = 0;
done:
    lmpviz_figure_destroy(fig);
    free(dir);
    free(png);
    free(csv);
    free(rec);
    return rc;
}

/* --device cpu: frame i from the files to the figure. */
static int
process_frame(
    void *ctx, size_t i, void *state, char *note, size_t note_len, char *msg, size_t msg_len)
{
    split_run *r = ctx;
    const cli_frame *fr = &r->frames[i];
    lmpviz_heatmap_input in = frame_input(r->a, fr);
    lmpviz_heatmap hm;
    lmpviz_err err;
    double t0 = cli_now();
    int rc;

    memset(&err, 0, sizeof err);
    if (cli_frame_missing(fr, msg, msg_len))
        return -1;
    if (lmpviz_heatmap_compute(&in, &r->a->params, state, &hm, &err) != LMPVIZ_OK) {
        snprintf(msg, msg_len, "%s", err.msg);
        return -1;
    }
    rc = save_frame(r, i, &hm, cli_now() - t0, note, note_len, msg, msg_len);
    lmpviz_heatmap_free(&hm);
    return rc;
}

/* --device cuda, first stage: the losses of frame base + j. */
static int
load_frame(void *ctx, size_t j, void *state, char *note, size_t note_len, char *msg, size_t msg_len)
{
    split_run *r = ctx;
    const cli_frame *fr = &r->frames[r->base + j];
    lmpviz_heatmap_input in = frame_input(r->a, fr);
    lmpviz_err err;

    (void)state;
    (void)note;
    (void)note_len;
    memset(&err, 0, sizeof err);
    if (cli_frame_missing(fr, msg, msg_len))
        return -1;
    if (lmpviz_heatmap_load(&in, &r->a->params, &r->hm[j], &err) != LMPVIZ_OK) {
        snprintf(msg, msg_len, "%s", err.msg);
        return -1;
    }
    return 0;
}

/* --device cuda, last stage: the figure of the k-th solved frame. */
static int
draw_frame(void *ctx, size_t k, void *state, char *note, size_t note_len, char *msg, size_t msg_len)
{
    split_run *r = ctx;
    size_t j = r->draw[k];

    (void)state;
    return save_frame(r, r->base + j, &r->hm[j], r->res[r->base + j].seconds, note, note_len, msg,
                      msg_len);
}

/* --device cuda: the buffers of one batch of up to nb frames. */
typedef struct gpu_batch {
    cli_frame_result *res;  /* what a stage's pool records, per frame */
    cli_frame *sub;         /* the frames to draw */
    lmpviz_heatmap **solve; /* the frames loaded, to solve */
    lmp_status *ls;         /* each solved frame's status */
} gpu_batch;

/* First stage: the losses of frames start.. start + k - 1 on --jobs
 * threads; g->solve gets those loaded.  Returns how many. */
static size_t
batch_load(split_run *r, cli_split_pool *pool, gpu_batch *g, size_t start, size_t k)
{
    size_t j, n_solve = 0;

    r->base = start;
    pool->frames = r->frames + start;
    pool->n = k;
    pool->process = load_frame;
    cli_split_pool_run(pool, g->res);
    for (j = 0; j < k; j++) {
        r->res[start + j].seconds = g->res[j].seconds;
        r->res[start + j].ran = g->res[j].ran;
        if (g->res[j].ok)
            g->solve[n_solve++] = &r->hm[j];
    }
    return n_solve;
}

/* Second stage: one GPU solve of the n_solve frames loaded, then each
 * frame's result; those to draw go into r->draw and g->sub.  Returns how
 * many. */
static size_t
batch_solve(split_run *r, gpu_batch *g, size_t start, size_t k, size_t n_solve)
{
    char msg[LMPVIZ_ERR_LEN];
    size_t j, n_draw = 0;
    double t = cli_now(), t_solve;

    msg[0] = '\0';
    if (n_solve > 0 &&
        cli_heatmap_gpu_solve(g->solve, n_solve, &r->a->params, g->ls, msg, sizeof msg) != 0) {
        for (j = 0; j < n_solve; j++)
            lmpviz_heatmap_free(g->solve[j]);
    }
    t_solve = n_solve > 0 ? (cli_now() - t) / (double)n_solve : 0.0;
    for (j = 0, n_solve = 0; j < k; j++) {
        const cli_frame *fr = &r->frames[start + j];
        lmpviz_err err;
        int ok;
        if (!g->res[j].ok)
            continue;
        r->res[start + j].seconds += t_solve;
        r->hm[j].seconds_solve = t_solve;
        memset(&err, 0, sizeof err);
        if (msg[0] != '\0') {
            snprintf(err.msg, sizeof err.msg, "%s", msg);
            ok = 0;
        } else {
            ok = lmpviz_heatmap_solved(&r->hm[j], fr->pred, g->ls[n_solve], &err) == LMPVIZ_OK;
        }
        n_solve++;
        if (ok) {
            r->draw[n_draw] = j;
            g->sub[n_draw++] = *fr;
        } else {
            cli_error(CMD, "%s: skipped: %s", fr->stem, err.msg);
        }
    }
    return n_draw;
}

/* Last stage: the figures of the n_draw frames solved, on --jobs threads;
 * then one progress line per frame of the batch, in order (*done counts
 * them).  Returns how many frames of the batch failed. */
static size_t
batch_draw(split_run *r,
           cli_split_pool *pool,
           gpu_batch *g,
           size_t start,
           size_t k,
           size_t n_draw,
           size_t *done)
{
    size_t j, failed = 0;

    pool->frames = g->sub;
    pool->n = n_draw;
    pool->process = draw_frame;
    cli_split_pool_run(pool, g->res);
    for (j = 0; j < n_draw; j++) {
        size_t i = start + r->draw[j];
        r->res[i].seconds += g->res[j].seconds;
        r->res[i].ok = g->res[j].ok;
        r->res[i].ran = g->res[j].ran;
    }
    for (j = 0; j < k; j++) {
        size_t i = start + j;
        (*done)++;
        if (!r->res[i].ok && r->res[i].ran)
            failed++;
        else if (!r->a->quiet)
            fprintf(stderr,
                    "lmpviz %s: [%zu/%zu] %s: n = %zu, mean loss %.4g, LMP loss %.4g "
                    "(%.2f s)\n",
                    CMD, *done, r->n, r->frames[i].stem, r->jobs[i].n_valid, r->jobs[i].mean,
                    r->jobs[i].value, r->res[i].seconds);
        lmpviz_heatmap_free(&r->hm[j]);
    }
    return failed;
}

/* --device cuda: the frames in batches of --batch.  Each batch's losses
 * are computed on --jobs threads, solved in one GPU call from this thread,
 * and drawn on --jobs threads.  Returns the number of frames that failed.
 * The pools run quiet; failures are reported as they do, and progress is
 * one line per frame after each batch. */
static size_t
run_batches(split_run *r, const cli_split_pool *base_pool)
{
    gpu_batch g;
    cli_split_pool pool = *base_pool;
    size_t nb = r->a->batch < r->n ? r->a->batch : r->n;
    size_t start, failed = 0, done = 0;

    memset(&g, 0, sizeof g);
    g.res = calloc(nb ? nb : 1, sizeof *g.res);
    g.sub = calloc(nb ? nb : 1, sizeof *g.sub);
    g.solve = calloc(nb ? nb : 1, sizeof *g.solve);
    g.ls = calloc(nb ? nb : 1, sizeof *g.ls);
    r->hm = calloc(nb ? nb : 1, sizeof *r->hm);
    r->draw = calloc(nb ? nb : 1, sizeof *r->draw);
    if (g.res == NULL || g.sub == NULL || g.solve == NULL || g.ls == NULL || r->hm == NULL ||
        r->draw == NULL) {
        cli_error(CMD, "out of memory for a batch of %zu frames", nb);
        failed = r->n;
        goto done;
    }
    pool.quiet = 1;
    pool.thread_begin = NULL;
    pool.thread_end = NULL;
    for (start = 0; start < r->n && !cli_interrupted(); start += nb) {
        size_t k = r->n - start < nb ? r->n - start : nb;
        size_t n_solve = batch_load(r, &pool, &g, start, k);
        size_t n_draw = batch_solve(r, &g, start, k, n_solve);
        failed += batch_draw(r, &pool, &g, start, k, n_draw, &done);
    }
done:
    free(g.res);
    free(g.sub);
    free(g.solve);
    free(g.ls);
    free(r->hm);
    free(r->draw);
    r->hm = NULL;
    r->draw = NULL;
    return failed;
}

static int
write_tables(split_run *r, const lmpviz_class_stats *total)
{
    cli_heatmap_args *a = r->a;
    char *pc = NULL, *pf = NULL;
    lmpviz_afile af;
    lmpviz_err err;
    lmpviz_status st;
    size_t i;
    int rc = -1;

    memset(&err, 0, sizeof err);
    pc = cli_shard_path(a->sp.out_dir, "classes", ".csv", a->sp.shard_i, a->sp.shard_n);
    pf = cli_shard_path(a->sp.out_dir, "frames", ".csv", a->sp.shard_i, a->sp.shard_n);
    if (pc == NULL || pf == NULL)
        goto done;
    st = cli_heatmap_write_stats(pc, total, &err);
    if (st != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", pc, err.msg);
        goto done;
    }
    memset(&af, 0, sizeof af);
    st = lmpviz_afile_open(&af, pf, &err);
    if (st != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", pf, err.msg);
        goto done;
    }
    fprintf(af.fp, "city,frame,status,n_valid,mean_loss,lmp_loss,seconds\n");
    for (i = 0; i < r->n; i++) {
        const cli_frame *fr = &r->frames[i];
        const frame_job *f = &r->jobs[i];
        if (r->res[i].ok)
            fprintf(af.fp, "%s,%s,ok,%zu,%.9g,%.9g,%.3f\n", fr->city, fr->stem, f->n_valid, f->mean,
                    f->value, r->res[i].seconds);
        else if (r->res[i].ran)
            fprintf(af.fp, "%s,%s,failed,,,,%.3f\n", fr->city, fr->stem, r->res[i].seconds);
        else
            fprintf(af.fp, "%s,%s,not_run,,,,\n", fr->city, fr->stem);
    }
    st = lmpviz_afile_commit(&af, &err);
    if (st != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", pf, err.msg);
        goto done;
    }
    if (!a->quiet)
        printf("%s\n%s\n", pc, pf);
    rc = 0;
done:
    free(pc);
    free(pf);
    return rc;
}

/* Before the first frame: the temporaries a dead run left for this run's
 * frames and tables (and only those). */
static void
clean_stale(const split_run *r)
{
    const cli_heatmap_args *a = r->a;
    size_t i = 0;

    while (i < r->n) {
        /* the frames of one city, which share a folder */
        size_t j = i, k, n_base = 0;
        const char **base = NULL;
        char *dir = cli_path_join(a->sp.out_dir, r->frames[i].city, NULL);
        char **names = NULL;
        while (j < r->n && strcmp(r->frames[j].city, r->frames[i].city) == 0)
            j++;
        names = calloc(3 * (j - i), sizeof *names);
        base = calloc(3 * (j - i), sizeof *base);
        if (dir != NULL && names != NULL && base != NULL) {
            static const char *const suffix[3] = { "_lmp.png", "_stats.csv", "_record.csv" };
            for (k = i; k < j; k++) {
                size_t s;
                for (s = 0; s < 3; s++) {
                    names[n_base] = frame_file("", r->frames[k].stem, suffix[s]);
                    if (names[n_base] != NULL)
                        base[n_base] = names[n_base] + 1; /* past the "/" */
                    if (names[n_base] != NULL)
                        n_base++;
                }
            }
            remove_stale_tmp(dir, base, n_base);
        }
        for (k = 0; names != NULL && k < n_base; k++)
            free(names[k]);
        free(names);
        free(base);
        free(dir);
        i = j;
    }
    {
        char *pc = cli_shard_path("", "classes", ".csv", a->sp.shard_i, a->sp.shard_n);
        char *pf = cli_shard_path("", "frames", ".csv", a->sp.shard_i, a->sp.shard_n);
        if (pc != NULL && pf != NULL) {
            const char *tables[2] = { pc + 1, pf + 1 };
            remove_stale_tmp(a->sp.out_dir, tables, 2);
        }
        free(pc);
        free(pf);
    }
}

/* --resume: the frames whose record is whole and matches; their results
 * go into r->jobs and r->res.  Returns how many. */
static size_t
resume_frames(split_run *r, unsigned char *done)
{
    size_t i, n_done = 0;

    for (i = 0; i < r->n; i++) {
        const cli_frame *fr = &r->frames[i];
        char *dir = cli_path_join(r->a->sp.out_dir, fr->city, NULL);
        char *rec = dir ? frame_file(dir, fr->stem, "_record.csv") : NULL;
        char *png = dir ? frame_file(dir, fr->stem, "_lmp.png") : NULL;
        char *csv = dir ? frame_file(dir, fr->stem, "_stats.csv") : NULL;
        double seconds;
        if (rec != NULL && png != NULL && csv != NULL && cli_is_file(png) && cli_is_file(csv) &&
            read_record(rec, &r->a->params, fr, &r->jobs[i], &seconds) == 0) {
            done[i] = 1;
            r->res[i].ok = 1;
            r->res[i].ran = 1;
            r->res[i].seconds = seconds;
            n_done++;
        }
        free(dir);
        free(rec);
        free(png);
        free(csv);
    }
    return n_done;
}

/* The frames of the split (or shard) in r, with room for their results,
 * and todo with room for those left to do.  0, or -1 after printing
 * why. */
static int
split_setup(cli_heatmap_args *a, split_run *r, split_run *todo, unsigned char **done)
{
    size_t total = 0;

    r->a = a;
    todo->a = a;
    if (cli_split_list_opts(CMD, &a->sp, a->in.label_type, a->sp.shard_i, a->sp.shard_n, &r->frames,
                            &r->n, &total) != 0)
        return -1;
    if (cli_split_ready(CMD, a->sp.root, a->sp.split, a->sp.city, total, a->sp.out_dir) != 0)
        return -1;
    if (r->n == 0)
        return 0;
    r->jobs = calloc(r->n, sizeof *r->jobs);
    r->res = calloc(r->n, sizeof *r->res);
    *done = calloc(r->n, 1);
    todo->frames = calloc(r->n, sizeof *todo->frames);
    todo->jobs = calloc(r->n, sizeof *todo->jobs);
    todo->res = calloc(r->n, sizeof *todo->res);
    if (r->jobs == NULL || r->res == NULL || *done == NULL || todo->frames == NULL ||
        todo->jobs == NULL || todo->res == NULL) {
        cli_error(CMD, "out of memory listing the frames");
        return -1;
    }
    return 0;
}

static void
split_free(split_run *r, split_run *todo, unsigned char *done)
{
    free(r->jobs);
    free(r->res);
    free(done);
    free(todo->frames);
    free(todo->jobs);
    free(todo->res);
    cli_split_free(r->frames, r->n);
}

/* The frames left to do (all, or with --resume those without a whole
 * record) into todo, as a split of their own; done[i] marks the others.
 * Returns how many were done. */
static size_t
pick_todo(split_run *r, split_run *todo, unsigned char *done)
{
    const cli_heatmap_args *a = r->a;
    size_t i, n_resumed = 0;

    clean_stale(r);
    if (a->resume)
        n_resumed = resume_frames(r, done);
    for (i = 0; i < r->n; i++) {
        if (!done[i])
            todo->frames[todo->n++] = r->frames[i];
    }
    if (a->resume && !a->quiet)
        fprintf(stderr, "lmpviz %s: --resume: %zu of %zu frames already done, %zu to do\n", CMD,
                n_resumed, r->n, todo->n);
    return n_resumed;
}

/* Runs the frames of todo and puts their results back into r, in frame
 * order.  Returns how many failed. */
static size_t
run_todo(split_run *r, split_run *todo, const unsigned char *done)
{
    cli_split_pool pool;
    size_t i, k, failed;

    cli_split_pool_init(&pool, CMD, todo->frames, todo->n, &r->a->sp, r->a->quiet, todo,
                        process_frame);
    failed = todo->n == 0   ? 0
             : r->a->on_gpu ? run_batches(todo, &pool)
                            : cli_split_pool_run(&pool, todo->res);
    for (i = 0, k = 0; i < r->n; i++) {
        if (done[i])
            continue;
        r->jobs[i] = todo->jobs[k];
        r->res[i] = todo->res[k];
        k++;
    }
    return failed;
}

/* After the tables: the counts, the class table, and the exit status. */
static int
split_report(const split_run *r,
             const lmpviz_class_stats *sum,
             size_t ok,
             size_t failed,
             size_t n_resumed,
             size_t not_run,
             double seconds,
             int sig)
{
    int rc;

    if (!r->a->quiet) {
        printf("%zu frames: %zu written, %zu failed", r->n, ok, failed);
        if (n_resumed > 0)
            printf(", %zu of them kept from an earlier run", n_resumed);
        if (not_run > 0)
            printf(", %zu not run", not_run);
        printf(" (%.1f s)\n", seconds);
        if (ok > 0)
            cli_heatmap_class_table(stdout, sum);
    }
    rc = cli_split_exit(CMD, failed, r->n);
    if (sig != 0) {
        cli_error(CMD,
                  "interrupted (%s): the tables cover the %zu frames done; %zu not run (rerun "
                  "with --resume)",
                  cli_signal_name(sig), ok, not_run);
        rc = 128 + sig;
    }
    return rc;
}

int
cli_heatmap_run_split(cli_heatmap_args *a)
{
    split_run r, todo;
    size_t i, ok = 0, failed, n_resumed, not_run = 0;
    unsigned char *done = NULL;
    lmpviz_class_stats sum;
    double t0;
    int rc = CLI_EXIT_FAILURE, sig;

    memset(&r, 0, sizeof r);
    memset(&todo, 0, sizeof todo);
    memset(&sum, 0, sizeof sum);
    if (split_setup(a, &r, &todo, &done) != 0)
        goto cleanup;
    n_resumed = pick_todo(&r, &todo, done);
    t0 = cli_now();
    cli_interrupt_begin();
    failed = run_todo(&r, &todo, done);

    /* Frame order, not completion order: the sums do not depend on --jobs. */
    for (i = 0; i < r.n; i++) {
        if (r.res[i].ok) {
            lmpviz_class_stats_merge(&sum, &r.jobs[i].stats);
            ok++;
        }
        not_run += !r.res[i].ran;
    }
    sig = cli_interrupted();
    if (write_tables(&r, &sum) != 0) {
        cli_interrupt_end();
        goto cleanup;
    }
    cli_interrupt_end();
    rc = split_report(&r, &sum, ok, failed, n_resumed, not_run, cli_now() - t0, sig);

cleanup:
    split_free(&r, &todo, done);
    return rc;
}
