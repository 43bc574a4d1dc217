/* notebook_internal.h - helpers shared by the files of notebooks_export. */
#ifndef LMPNB_NOTEBOOK_INTERNAL_H
#define LMPNB_NOTEBOOK_INTERNAL_H

#include <stddef.h>

#include "lmpviz.h"

/* A growing NUL-terminated string; oom is sticky (check it once at the end). */
typedef struct lmpnbi_sbuf {
    char *s;
    size_t len, cap;
    int oom;
} lmpnbi_sbuf;

void lmpnbi_sb_printf(lmpnbi_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lmpnbi_sb_free(lmpnbi_sbuf *b);

#endif /* LMPNB_NOTEBOOK_INTERNAL_H */
