/* colormap.c - the compiled-in colormaps (tables in colormap_table.c). */
#include <math.h>
#include <strings.h>

#include "lmpviz.h"
#include "lmpviz_tables.h"

static const char *const cmap_names[LMPVIZ_CMAP_COUNT] = {
    "viridis", "magma", "inferno", "plasma", "cividis", "turbo",
};

lmpviz_status
lmpviz_cmap_parse(const char *name, lmpviz_cmap *cmap)
{
    int i;

    if (name == NULL || cmap == NULL)
        return LMPVIZ_ERR_INVALID_ARG;
    for (i = 0; i < LMPVIZ_CMAP_COUNT; i++) {
        if (strcasecmp(name, cmap_names[i]) == 0) {
            *cmap = (lmpviz_cmap)i;
            return LMPVIZ_OK;
        }
    }
    return LMPVIZ_ERR_INVALID_ARG;
}

const char *
lmpviz_cmap_name(lmpviz_cmap cmap)
{
    if ((int)cmap < 0 || (int)cmap >= LMPVIZ_CMAP_COUNT)
        return "unknown";
    return cmap_names[cmap];
}

static const float (*cmap_table(lmpviz_cmap cmap))[3]
{
    if ((int)cmap < 0 || (int)cmap >= LMPVIZ_CMAP_COUNT)
        cmap = LMPVIZ_CMAP_VIRIDIS;
    return lmpvizi_cmap_tables[cmap];
}

lmpviz_color
lmpviz_cmap_color(lmpviz_cmap cmap, double t)
{
    const float(*tab)[3] = cmap_table(cmap);
    lmpviz_color c;
    long i;

    if (!(t > 0.0))
        t = 0.0;
    if (t > 1.0)
        t = 1.0;
    i = lround(t * (LMPVIZ_CMAP_SIZE - 1));
    c.r = tab[i][0];
    c.g = tab[i][1];
    c.b = tab[i][2];
    c.a = 1.0;
    return c;
}

void
lmpviz_cmap_lut8(lmpviz_cmap cmap, unsigned char lut[3 * LMPVIZ_CMAP_SIZE])
{
    const float(*tab)[3] = cmap_table(cmap);
    int i, k;

    for (i = 0; i < LMPVIZ_CMAP_SIZE; i++) {
        for (k = 0; k < 3; k++)
            lut[3 * i + k] = (unsigned char)lround(255.0 * tab[i][k]);
    }
}
