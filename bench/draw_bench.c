/*
 * draw_bench: the heatmap's pictures from arrays in memory (lmpviz/draw.h)
 * at W x H (default 1024 x 512): the overlay figure with its colour bar, the
 * overlay raster alone, and the six panels, each the median and the best of
 * R runs.  The frame is synthetic (a gradient, labelIds in blocks) with
 * exponential losses and their LMP weights, solved once beforehand: what a
 * training loop has in hand when it logs.
 *
 *     build/bin/lmpviz_draw_bench [W H [R]]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lmpviz.h"

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int
cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median and best of reps runs of one call, in ms; -1 on failure. */
static int
time_it(const char *name,
        const lmpviz_frame_arrays *in,
        const lmpviz_heatmap_fig_opts *fo,
        int raster,
        int reps)
{
    double *t = malloc((size_t)reps * sizeof *t);
    lmpviz_pixels px;
    lmpviz_err err;
    size_t w = 0, h = 0;
    int r;

    if (t == NULL)
        return -1;
    for (r = 0; r < reps; r++) {
        double t0 = now();
        lmpviz_status st = raster ? lmpviz_arrays_overlay(in, &fo->overlay, &px, &err)
                                  : lmpviz_arrays_render(in, fo, &px, &err);
        t[r] = 1e3 * (now() - t0);
        if (st != LMPVIZ_OK) {
            fprintf(stderr, "draw_bench: %s: %s\n", name, err.msg);
            free(t);
            return -1;
        }
        w = px.width;
        h = px.height;
        lmpviz_pixels_free(&px);
    }
    qsort(t, (size_t)reps, sizeof *t, cmp_double);
    printf("%-28s %5zux%-5zu median %8.2f ms   best %8.2f ms\n", name, w, h, t[reps / 2], t[0]);
    free(t);
    return 0;
}

int
main(int argc, char **argv)
{
    size_t w = argc > 2 ? (size_t)strtoul(argv[1], NULL, 10) : 1024;
    size_t h = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 512;
    int reps = argc > 3 ? atoi(argv[3]) : 30;
    size_t n = w * h, i;
    unsigned char *rgb = malloc(3 * n), *valid = malloc(n);
    uint16_t *ids = malloc(n * sizeof *ids);
    float *loss = malloc(n * sizeof *loss), *weight = malloc(n * sizeof *weight);
    static const uint16_t pick[5] = { 7, 8, 11, 26, 0 };
    lmp_params prm = LMP_PARAMS_INIT;
    lmp_result res;
    lmpviz_frame_arrays in;
    lmpviz_overlay_opts ov = LMPVIZ_OVERLAY_OPTS_INIT;
    lmpviz_heatmap_fig_opts fo;
    uint64_t s = 42;
    int rc = 0;

    if (w == 0 || h == 0 || reps < 1 || rgb == NULL || valid == NULL || ids == NULL ||
        loss == NULL || weight == NULL) {
        fprintf(stderr, "usage: lmpviz_draw_bench [W H [REPS]]\n");
        return 2;
    }
    for (i = 0; i < n; i++) {
        size_t x = i % w, y = i / w;
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        rgb[3 * i] = (unsigned char)(x * 255 / w);
        rgb[3 * i + 1] = (unsigned char)(y * 255 / h);
        rgb[3 * i + 2] = (unsigned char)((x + y) & 255);
        ids[i] = pick[(x / 64 + y / 48) % 5];
        valid[i] = ids[i] != 0;
        loss[i] =
            valid[i] ? (float)-log(1.0 - 0.999 * (double)(s >> 11) / 9007199254740992.0) : 0.0f;
    }
    if (lmp_solve(loss, valid, n, &prm, weight, &res, NULL) != LMP_OK) {
        fprintf(stderr, "draw_bench: lmp_solve failed\n");
        return 1;
    }
    memset(&in, 0, sizeof in);
    in.image = rgb;
    in.width = w;
    in.height = h;
    in.labels = ids;
    in.scores = loss;
    in.pred_kind = LMPVIZ_PRED_LOSS;
    in.weight = weight;
    in.params = prm;
    in.result = &res;
    memset(&fo, 0, sizeof fo);
    fo.overlay = ov;
    printf("lmpviz_draw_bench: %zux%zu frame, %d runs each\n", w, h, reps);
    rc |= time_it("overlay figure", &in, &fo, 0, reps);
    if (getenv("LMPVIZ_BENCH_OVERLAY_ONLY") != NULL)
        goto done;
    rc |= time_it("overlay raster (no bar)", &in, &fo, 1, reps);
    fo.overlay.scale = LMPVIZ_HSCALE_RANK;
    rc |= time_it("overlay figure, rank scale", &in, &fo, 0, reps);
    fo.overlay.scale = LMPVIZ_HSCALE_LINEAR;
    fo.panels = 1;
    rc |= time_it("panels (loss map)", &in, &fo, 0, reps > 5 ? 5 : reps);
done:
    free(rgb);
    free(valid);
    free(ids);
    free(loss);
    free(weight);
    return rc != 0;
}
