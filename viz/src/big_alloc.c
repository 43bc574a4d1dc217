/*
 * Buffers for whole images and arrays.  On Linux they are mapped 2 MiB
 * aligned and advised for transparent huge pages: filling an 8 MiB array
 * then costs 4 page faults instead of 2048, and on virtual machines the
 * faults, not the copying, dominate reading and writing .npy files.
 */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "lmpviz.h"

#define BIG_ALIGN     ((size_t)2 << 20)
#define BIG_THRESHOLD ((size_t)1 << 20)
/* In front of every buffer: how it was made. */
#define BIG_HEADER 64

typedef struct big_header {
    void *base;  /* NULL: malloc'ed block starting at the header */
    size_t len;  /* mapping length */
} big_header;

void *
lmpviz_big_alloc(size_t bytes)
{
    big_header hd = { NULL, 0 };
    unsigned char *p;

    if (bytes > SIZE_MAX - 2 * BIG_ALIGN - BIG_HEADER)
        return NULL;
#if defined(MADV_HUGEPAGE) && defined(MAP_ANONYMOUS)
    if (bytes >= BIG_THRESHOLD) {
        const size_t len = bytes + BIG_ALIGN + BIG_ALIGN;
        unsigned char *base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                                   -1, 0);
        if (base != MAP_FAILED) {
            p = (unsigned char *)(((uintptr_t)base + BIG_HEADER + BIG_ALIGN - 1) &
                                  ~(uintptr_t)(BIG_ALIGN - 1));
            /* Advice only: without huge pages this is an ordinary mapping. */
            madvise(p, bytes, MADV_HUGEPAGE);
            hd.base = base;
            hd.len = len;
            memcpy(p - BIG_HEADER, &hd, sizeof hd);
            return p;
        }
    }
#endif
    p = malloc(bytes + BIG_HEADER);
    if (p == NULL)
        return NULL;
    memcpy(p, &hd, sizeof hd);
    return p + BIG_HEADER;
}

void
lmpviz_big_free(void *ptr)
{
    big_header hd;
    unsigned char *p = ptr;
    if (p == NULL)
        return;
    memcpy(&hd, p - BIG_HEADER, sizeof hd);
    if (hd.base != NULL)
        munmap(hd.base, hd.len);
    else
        free(p - BIG_HEADER);
}
