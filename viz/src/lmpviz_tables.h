/* lmpviz_tables.h - the generated tables (scripts/gen-tables) and their
 * row types; internal to liblmpviz. */
#ifndef LMPVIZ_TABLES_H
#define LMPVIZ_TABLES_H

typedef struct lmpvizi_cs_row {
    const char *name;
    int id;       /* labelId; -1 for license plate */
    int train_id; /* 0..18, or 255 (ignored); -1 for license plate */
    const char *category;
    int ignore_in_eval;
    int has_instances;
    unsigned char r, g, b;
} lmpvizi_cs_row;

extern const lmpvizi_cs_row lmpvizi_cs_rows[];
extern const unsigned lmpvizi_cs_n_rows;

#define LMPVIZI_N_CMAPS 6
/* Order: viridis, magma, inferno, plasma, cividis, turbo (lmpviz_cmap). */
extern const float lmpvizi_cmap_tables[LMPVIZI_N_CMAPS][256][3];

#endif /* LMPVIZ_TABLES_H */
