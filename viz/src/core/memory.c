/*
 * Buffers for whole images and arrays.  On Linux they are mapped 2 MiB
 * aligned and advised for transparent huge pages: filling an 8 MiB array
 * then costs 4 page faults instead of 2048, and on virtual machines the
 * faults, not the copying, dominate reading and writing .npy files.
 */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lmpviz.h"
#include "lmpviz_private.h"
#include "viz_internal.h"

#define BIG_ALIGN     ((size_t)2 << 20)
#define BIG_THRESHOLD ((size_t)1 << 20)
/* In front of every buffer: how it was made. */
#define BIG_HEADER 64

typedef struct big_header {
    void *base; /* NULL: malloc'ed block starting at the header */
    size_t len; /* mapping length */
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
        unsigned char *base =
            mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
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

/* ------------------------------------------------------------------------
 * Memory checks before large allocations
 */
/* A number read from a one-line file such as /sys/fs/cgroup/memory.max;
 * 0 when absent or "max". */
static unsigned long long
read_ull_file(const char *path)
{
    unsigned long long v = 0;
    FILE *fp = fopen(path, "r");
    if (fp == NULL)
        return 0;
    if (fscanf(fp, "%llu", &v) != 1)
        v = 0;
    fclose(fp);
    return v;
}

unsigned long long
lmpvizi_mem_available(void)
{
    unsigned long long avail = 0;
    unsigned long long limit;
    char line[128];
    FILE *fp = fopen("/proc/meminfo", "r");

    if (fp != NULL) {
        while (fgets(line, sizeof line, fp) != NULL) {
            unsigned long long kb;
            if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
                avail = kb * 1024ull;
                break;
            }
        }
        fclose(fp);
    }
#ifdef _SC_AVPHYS_PAGES
    if (avail == 0) {
        long pages = sysconf(_SC_AVPHYS_PAGES);
        long page = sysconf(_SC_PAGESIZE);
        if (pages > 0 && page > 0)
            avail = (unsigned long long)pages * (unsigned long long)page;
    }
#endif
    /* In a container the cgroup limit, not the host's memory, is what the
     * OOM killer enforces. */
    limit = read_ull_file("/sys/fs/cgroup/memory.max");
    if (limit > 0) {
        const unsigned long long used = read_ull_file("/sys/fs/cgroup/memory.current");
        const unsigned long long room = limit > used ? limit - used : 0;
        if (avail == 0 || room < avail)
            avail = room > 0 ? room : 1;
    }
    return avail;
}

/* "1.5 GiB", "12.0 MiB", "512 bytes" */
static void
format_bytes(unsigned long long b, char *buf, size_t len)
{
    if (b >= (1ull << 30))
        snprintf(buf, len, "%.1f GiB", (double)b / (double)(1ull << 30));
    else if (b >= (1ull << 20))
        snprintf(buf, len, "%.1f MiB", (double)b / (double)(1ull << 20));
    else
        snprintf(buf, len, "%llu bytes", b);
}

lmpviz_status
lmpviz_mem_check(unsigned long long bytes, const char *what, lmpviz_err *err)
{
    const unsigned long long avail = lmpvizi_mem_available();
    char need_s[32];
    char avail_s[32];

    if (avail == 0 || bytes <= avail)
        return LMPVIZ_OK;
    format_bytes(bytes, need_s, sizeof need_s);
    format_bytes(avail, avail_s, sizeof avail_s);
    lmpviz_err_set(err, "needs %s of memory for %s, only %s available", need_s, what, avail_s);
    return LMPVIZ_ERR_NOMEM;
}
