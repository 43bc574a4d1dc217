/*
 * class_stats.c - per-class statistics of LMP weights over one frame or a
 * split: pixels, loss and weight per Cityscapes class.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmpviz.h"

lmpviz_status
lmpviz_class_stats_add(lmpviz_class_stats *st,
                       const unsigned char *train,
                       const float *loss,
                       const float *weight,
                       size_t n,
                       size_t n_valid)
{
    size_t i;
    double scale = (double)n_valid;

    if (st == NULL || (n > 0 && (train == NULL || loss == NULL || weight == NULL)))
        return LMPVIZ_ERR_INVALID_ARG;
    for (i = 0; i < n; i++) {
        unsigned c = train[i];
        if (c == LMPVIZ_CS_IGNORE)
            continue;
        if (c >= LMPVIZ_CS_CLASSES)
            return LMPVIZ_ERR_INVALID_ARG;
        st->pixels[c]++;
        st->loss_sum[c] += loss[i];
        st->nw_sum[c] += scale * weight[i];
    }
    st->frames++;
    return LMPVIZ_OK;
}

void
lmpviz_class_stats_merge(lmpviz_class_stats *st, const lmpviz_class_stats *other)
{
    int c;

    for (c = 0; c < LMPVIZ_CS_CLASSES; c++) {
        st->pixels[c] += other->pixels[c];
        st->loss_sum[c] += other->loss_sum[c];
        st->nw_sum[c] += other->nw_sum[c];
    }
    st->frames += other->frames;
}

size_t
lmpviz_class_stats_rows(const lmpviz_class_stats *st, lmpviz_class_row rows[LMPVIZ_CS_CLASSES])
{
    double tp = 0.0, tl = 0.0, tw = 0.0;
    size_t k = 0;
    int c;

    for (c = 0; c < LMPVIZ_CS_CLASSES; c++) {
        tp += (double)st->pixels[c];
        tl += st->loss_sum[c];
        tw += st->nw_sum[c];
    }
    for (c = 0; c < LMPVIZ_CS_CLASSES; c++) {
        lmpviz_class_row *r;
        if (st->pixels[c] == 0)
            continue;
        r = &rows[k++];
        r->train_id = (unsigned)c;
        r->name = lmpviz_cs_class_name((unsigned)c);
        r->pixels = st->pixels[c];
        r->pixel_share = tp > 0.0 ? (double)st->pixels[c] / tp : 0.0;
        r->loss_share = tl > 0.0 ? st->loss_sum[c] / tl : 0.0;
        r->weight_share = tw > 0.0 ? st->nw_sum[c] / tw : 0.0;
        r->mean_nw = st->nw_sum[c] / (double)st->pixels[c];
        r->mean_loss = st->loss_sum[c] / (double)st->pixels[c];
    }
    return k;
}

lmpviz_status
lmpviz_class_stats_write_csv(const lmpviz_class_stats *st, FILE *fp)
{
    lmpviz_class_row rows[LMPVIZ_CS_CLASSES];
    size_t k, n;

    if (st == NULL || fp == NULL)
        return LMPVIZ_ERR_INVALID_ARG;
    n = lmpviz_class_stats_rows(st, rows);
    fprintf(fp, "train_id,class,pixels,pixel_share,loss_share,weight_share,mean_nw,mean_loss,loss_"
                "sum,nw_sum\n");
    for (k = 0; k < n; k++) {
        const lmpviz_class_row *r = &rows[k];
        fprintf(fp, "%u,%s,%zu,%.9g,%.9g,%.9g,%.9g,%.9g,%.17g,%.17g\n", r->train_id, r->name,
                r->pixels, r->pixel_share, r->loss_share, r->weight_share, r->mean_nw, r->mean_loss,
                st->loss_sum[r->train_id], st->nw_sum[r->train_id]);
    }
    return ferror(fp) ? LMPVIZ_ERR_IO : LMPVIZ_OK;
}
