/* cityscapes.c - the Cityscapes label table (cityscapes_table.c, generated)
 * and labelId -> trainId conversion. */
#include <stdio.h>

#include "lmpviz.h"
#include "lmpviz_tables.h"

static const lmpvizi_cs_row *
row_of_trainid(unsigned train_id)
{
    unsigned i;

    for (i = 0; i < lmpvizi_cs_n_rows; i++) {
        if (lmpvizi_cs_rows[i].train_id == (int)train_id)
            return &lmpvizi_cs_rows[i];
    }
    return NULL;
}

const char *
lmpviz_cs_class_name(unsigned train_id)
{
    const lmpvizi_cs_row *r;

    if (train_id >= LMPVIZ_CS_CLASSES)
        return NULL;
    r = row_of_trainid(train_id);
    return r ? r->name : NULL;
}

lmpviz_color
lmpviz_cs_class_color(unsigned train_id)
{
    const lmpvizi_cs_row *r = NULL;
    lmpviz_color c = { 0.0, 0.0, 0.0, 1.0 };

    if (train_id < LMPVIZ_CS_CLASSES)
        r = row_of_trainid(train_id);
    if (r != NULL) {
        c.r = r->r / 255.0;
        c.g = r->g / 255.0;
        c.b = r->b / 255.0;
    }
    return c;
}

int
lmpviz_cs_trainid_of_id(int id)
{
    unsigned i;

    for (i = 0; i < lmpvizi_cs_n_rows; i++) {
        if (lmpvizi_cs_rows[i].id == id)
            return lmpvizi_cs_rows[i].train_id < 0 ? LMPVIZ_CS_IGNORE : lmpvizi_cs_rows[i].train_id;
    }
    return -1;
}

lmpviz_status
lmpviz_cs_to_trainids(const uint16_t *labels,
                      size_t n,
                      size_t width,
                      lmpviz_label_type type,
                      unsigned char *train,
                      lmpviz_err *err)
{
    unsigned char lut[LMPVIZ_CS_MAX_ID + 1];
    size_t i;
    int id;

    if (labels == NULL || train == NULL || width == 0)
        return LMPVIZ_ERR_INVALID_ARG;
    for (id = 0; id <= LMPVIZ_CS_MAX_ID; id++)
        lut[id] = (unsigned char)lmpviz_cs_trainid_of_id(id);
    for (i = 0; i < n; i++) {
        unsigned v = labels[i];
        if (type == LMPVIZ_LABELS_ID) {
            if (v > LMPVIZ_CS_MAX_ID) {
                lmpviz_err_set(err,
                               "expected Cityscapes labelIds 0..%d, got %u at pixel (%zu, %zu) "
                               "(for *_labelTrainIds.png use --label-type trainid)",
                               LMPVIZ_CS_MAX_ID, v, i % width, i / width);
                return LMPVIZ_ERR_FORMAT;
            }
            train[i] = lut[v];
        } else {
            if (v >= LMPVIZ_CS_CLASSES && v != LMPVIZ_CS_IGNORE) {
                lmpviz_err_set(
                    err, "expected Cityscapes trainIds 0..%d or %d, got %u at pixel (%zu, %zu)",
                    LMPVIZ_CS_CLASSES - 1, LMPVIZ_CS_IGNORE, v, i % width, i / width);
                return LMPVIZ_ERR_FORMAT;
            }
            train[i] = (unsigned char)v;
        }
    }
    return LMPVIZ_OK;
}
