/*
 * lmpviz_private.h - helpers shared by liblmpviz, the notebook exporter and
 * the lmpviz program, not part of the public API: atomic output files,
 * huge-page buffers, memory checks and pixel orders.
 */
#ifndef LMPVIZ_PRIVATE_H
#define LMPVIZ_PRIVATE_H

#include "lmpviz/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Atomic output: data goes to a temporary file in the target's folder and is
 * renamed over the target only on commit, so a failure never leaves a
 * half-written file behind.
 *
 * - A target that exists keeps its permissions (and, when root writes it,
 *   its owner).  A symbolic link to a file is kept: the file it names is
 *   replaced.
 * - A target that exists and is a device, FIFO or socket (/dev/null,
 *   /dev/stdout, a named pipe) is written in place, never replaced: write
 *   errors (ENOSPC from /dev/full) are reported by commit, and a failure
 *   cannot take back what was already written.  Opening a FIFO waits for a
 *   reader, as the shell's `>` does.
 * - A folder is refused (LMPVIZ_ERR_IO, "expected a file, got a folder").
 * - The temporary's name is the target's file name, shortened where needed
 *   so that a name of NAME_MAX bytes still works, then
 *   LMPVIZ_AFILE_TMP_MARK, the process id and a counter in hex:
 *   "out.png.lmpviz-tmp.3f2a.0".
 */
#define LMPVIZ_AFILE_TMP_MARK ".lmpviz-tmp."

typedef struct lmpviz_afile {
    FILE *fp;       /* write here between open and commit/abort */
    char *tmp_path; /* owned; NULL when writing in place */
    char *path;     /* owned copy of the target (the file a link names) */
    int in_place;   /* 1: fp writes to the target itself */
    void *io;       /* private: the stream's state */
} lmpviz_afile;

/* LMPVIZ_OK, LMPVIZ_ERR_IO (err says why, e.g. the folder is missing) or
 * LMPVIZ_ERR_INVALID_ARG (no path, or an empty one). */
lmpviz_status lmpviz_afile_open(lmpviz_afile *af, const char *path, lmpviz_err *err);
/* Flushes, closes and renames.  On failure the temporary is removed. */
lmpviz_status lmpviz_afile_commit(lmpviz_afile *af, lmpviz_err *err);
/* Closes and removes the temporary; safe on a zeroed or finished lmpviz_afile. */
void lmpviz_afile_abort(lmpviz_afile *af);
/* For a writer into af->fp that failed with status: aborts and returns
 * status.  When status is LMPVIZ_ERR_IO and a write to the file failed,
 * err becomes "cannot write: <the system's reason>" (e.g. "No space left
 * on device"), which the writer itself could not know. */
lmpviz_status lmpviz_afile_fail(lmpviz_afile *af, lmpviz_status status, lmpviz_err *err);
/* 1 when path exists and is a device, FIFO or socket (following links):
 * lmpviz_afile writes it in place.  Such a target has no file name
 * extension to check and is never removed. */
int lmpviz_afile_in_place(const char *path);
/* 1 when the file name name (no folder) is one of lmpviz_afile's
 * temporaries: "<name>.lmpviz-tmp.<hex>.<hex>". */
int lmpviz_afile_is_tmp(const char *name);

/* ------------------------------------------------------------------------
 * Buffers for whole images and arrays (huge-page backed where the system
 * allows: far fewer page faults when they are filled).  NULL when out of
 * memory; lmpviz_big_free(NULL) does nothing.  64-byte aligned at least.
 */
void *lmpviz_big_alloc(size_t bytes);
void lmpviz_big_free(void *ptr);

/* LMPVIZ_OK when `bytes` fit in the memory available now (MemAvailable, or a
 * container's limit), or when that is unknown; else LMPVIZ_ERR_NOMEM with
 * err: "needs <bytes> of memory for <what>, only <avail> available".  Large
 * inputs fail here, with a message, instead of being killed later. */
lmpviz_status lmpviz_mem_check(unsigned long long bytes, const char *what, lmpviz_err *err);

/* ------------------------------------------------------------------------
 * Sorts idx[0..n) (indices into key) by decreasing key, equal keys in the
 * order they had (stable; -0 equals +0; NaN keys must not occur).  0, or
 * -1 when memory runs out (idx then unchanged).
 */
int lmpviz_order_desc(const float *key, size_t *idx, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* LMPVIZ_PRIVATE_H */
