#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "lmpviz.h"

/* ".tmp." then pid, a counter and clock bits in hex: unique among threads and
 * processes; O_EXCL settles the rest. */
#define AFILE_SUFFIX_MAX 64
#define AFILE_TRIES      100

/* Length of the folder part of path, so that "%.*s" prints it; 0 means ".". */
static int
afile_folder_len(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL)
        return 0;
    if (slash == path)
        return 1; /* keep the root "/" */
    return (int)(slash - path);
}

/* Creates a new file next to path with the permissions fopen() would give:
 * open() with mode 0666 lets the kernel apply the umask (mkstemp would make
 * 0600, and reading the umask means setting it, a race with other threads). */
static int
afile_create_tmp(const char *path, char *tmp, size_t tmp_size)
{
    static atomic_uint counter;
    int tries;

    for (tries = 0; tries < AFILE_TRIES; tries++) {
        struct timespec ts;
        int fd;
        clock_gettime(CLOCK_REALTIME, &ts);
        snprintf(tmp, tmp_size, "%s.tmp.%lx.%x.%lx", path, (unsigned long)getpid(),
                 atomic_fetch_add(&counter, 1u), (unsigned long)ts.tv_nsec);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

static char *
afile_strdup(const char *s)
{
    size_t len = strlen(s) + 1;
    char *copy = malloc(len);

    if (copy != NULL)
        memcpy(copy, s, len);
    return copy;
}

lmpviz_status
lmpviz_afile_open(lmpviz_afile *af, const char *path, lmpviz_err *err)
{
    size_t len;
    int fd;
    int folder_len;
    const char *folder;

    if (af == NULL || path == NULL || path[0] == '\0') {
        lmpviz_err_set(err, "no output path given");
        if (af != NULL)
            memset(af, 0, sizeof *af);
        return LMPVIZ_ERR_INVALID_ARG;
    }
    memset(af, 0, sizeof *af);

    len = strlen(path);
    af->path = afile_strdup(path);
    af->tmp_path = malloc(len + AFILE_SUFFIX_MAX);
    if (af->path == NULL || af->tmp_path == NULL) {
        lmpviz_err_set(err, "out of memory");
        lmpviz_afile_abort(af);
        return LMPVIZ_ERR_NOMEM;
    }

    folder_len = afile_folder_len(path);
    folder = folder_len > 0 ? path : ".";
    if (folder_len == 0)
        folder_len = 1;

    fd = afile_create_tmp(path, af->tmp_path, len + AFILE_SUFFIX_MAX);
    if (fd < 0) {
        lmpviz_err_set(err, "cannot create a file in folder %.*s: %s", folder_len, folder,
                       strerror(errno));
        free(af->tmp_path);
        af->tmp_path = NULL; /* nothing to unlink */
        lmpviz_afile_abort(af);
        return LMPVIZ_ERR_IO;
    }
    af->fp = fdopen(fd, "wb");
    if (af->fp == NULL) {
        lmpviz_err_set(err, "cannot open a stream: %s", strerror(errno));
        close(fd);
        lmpviz_afile_abort(af);
        return LMPVIZ_ERR_IO;
    }
    return LMPVIZ_OK;
}

lmpviz_status
lmpviz_afile_commit(lmpviz_afile *af, lmpviz_err *err)
{
    lmpviz_status status = LMPVIZ_OK;
    FILE *fp;
    int write_failed;
    int saved_errno;

    if (af == NULL || af->fp == NULL || af->tmp_path == NULL || af->path == NULL) {
        lmpviz_err_set(err, "output file is not open");
        return LMPVIZ_ERR_INVALID_ARG;
    }

    fp = af->fp;
    af->fp = NULL;
    errno = 0;
    write_failed = fflush(fp) != 0 || ferror(fp);
    saved_errno = errno;
    /* fclose also reports errors of the last buffered writes. */
    if (fclose(fp) != 0 && !write_failed) {
        write_failed = 1;
        saved_errno = errno;
    }
    if (write_failed) {
        lmpviz_err_set(err, "cannot write: %s",
                       saved_errno != 0 ? strerror(saved_errno) : "write error");
        status = LMPVIZ_ERR_IO;
        goto cleanup;
    }
    if (rename(af->tmp_path, af->path) != 0) {
        lmpviz_err_set(err, "cannot rename the temporary file over the target: %s",
                       strerror(errno));
        status = LMPVIZ_ERR_IO;
        goto cleanup;
    }
    free(af->tmp_path);
    af->tmp_path = NULL; /* renamed: nothing left to remove */

cleanup:
    lmpviz_afile_abort(af);
    return status;
}

void
lmpviz_afile_abort(lmpviz_afile *af)
{
    if (af == NULL)
        return;
    if (af->fp != NULL)
        fclose(af->fp);
    if (af->tmp_path != NULL)
        unlink(af->tmp_path);
    free(af->tmp_path);
    free(af->path);
    memset(af, 0, sizeof *af);
}
