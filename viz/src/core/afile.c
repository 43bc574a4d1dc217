/* realpath; fopencookie */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "lmpviz.h"
#include "lmpviz_private.h"

#ifndef NAME_MAX
#define NAME_MAX 255
#endif

/* The temporary is "<name>" LMPVIZ_AFILE_TMP_MARK "<pid>.<counter>" (both in
 * hex) next to the target: unique among the threads and processes of one
 * host, and O_EXCL settles the rest.  <name> is the target's file name,
 * shortened so that the whole stays within NAME_MAX: 1 + 8 + 1 + 8 hex digits
 * after the mark at most. */
#define AFILE_SUFFIX_MAX (sizeof LMPVIZ_AFILE_TMP_MARK + 18)
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

/* How many bytes of the file name name to keep in a temporary's name: at
 * most max, cut before a UTF-8 continuation byte so that the name stays
 * valid text when the target's is. */
static size_t
afile_name_keep(const char *name, size_t max)
{
    size_t len = strlen(name);

    if (len <= max)
        return len;
    while (max > 0 && ((unsigned char)name[max] & 0xC0) == 0x80)
        max--;
    return max;
}

/* Creates a new file next to path with the permissions fopen() would give:
 * open() with mode 0666 lets the kernel apply the umask (mkstemp would make
 * 0600, and reading the umask means setting it, a race with other threads). */
static int
afile_create_tmp(const char *path, char *tmp, size_t tmp_size)
{
    static atomic_uint counter;
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash != NULL ? (size_t)(slash - path) + 1 : 0;
    const char *name = path + dir_len;
    size_t keep = afile_name_keep(name, NAME_MAX - (AFILE_SUFFIX_MAX - 1));
    int tries;

    for (tries = 0; tries < AFILE_TRIES; tries++) {
        int fd;
        snprintf(tmp, tmp_size, "%.*s%.*s%s%lx.%x", (int)dir_len, path, (int)keep, name,
                 LMPVIZ_AFILE_TMP_MARK, (unsigned long)getpid(), atomic_fetch_add(&counter, 1u));
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

/* The replacement keeps the old file's permissions and, when root writes
 * it, its owner.  Best effort: a file system without modes (vfat) refuses,
 * and the data matters more than the bits. */
static void
afile_keep_mode(int fd, const struct stat *old)
{
    int rc = 0;

    if (geteuid() == 0 && (old->st_uid != 0 || old->st_gid != 0))
        rc = fchown(fd, old->st_uid, old->st_gid);
    /* after fchown, which clears the set-user-ID bit */
    rc |= fchmod(fd, old->st_mode & 07777);
    (void)rc;
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

/* The stream over fd.  With glibc it is a cookie stream that keeps the
 * errno of the first failed write(): stdio keeps only a flag, and by
 * commit time errno has long been overwritten, so "cannot write: No space
 * left on device" would otherwise read "write error". */
typedef struct afile_io {
    int fd;
    int err; /* errno of the first failed write or close; 0 if none */
} afile_io;

#ifdef __GLIBC__
static ssize_t
afile_io_write(void *cookie, const char *buf, size_t size)
{
    afile_io *io = cookie;
    size_t done = 0;

    while (done < size) {
        ssize_t k = write(io->fd, buf + done, size - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            if (io->err == 0)
                io->err = k < 0 ? errno : EIO;
            /* never negative (fopencookie(3)): stdio sets its error flag */
            return (ssize_t)done;
        }
        done += (size_t)k;
    }
    return (ssize_t)done;
}

static int
afile_io_close(void *cookie)
{
    afile_io *io = cookie;
    int rc = close(io->fd);

    if (rc != 0 && io->err == 0)
        io->err = errno;
    io->fd = -1;
    return rc;
}
#endif

/* Opens af->fp over fd (closed on failure). */
static lmpviz_status
afile_stream(lmpviz_afile *af, int fd, lmpviz_err *err)
{
    afile_io *io = calloc(1, sizeof *io);

    if (io == NULL) {
        close(fd);
        lmpviz_err_set(err, "out of memory");
        return LMPVIZ_ERR_NOMEM;
    }
    io->fd = fd;
#ifdef __GLIBC__
    {
        cookie_io_functions_t fns = { NULL, afile_io_write, NULL, afile_io_close };
        af->fp = fopencookie(io, "wb", fns);
        /* big blocks: fewer write() calls for images of many MB */
        if (af->fp != NULL)
            setvbuf(af->fp, NULL, _IOFBF, 1 << 16);
    }
#else
    af->fp = fdopen(fd, "wb");
#endif
    if (af->fp == NULL) {
        lmpviz_err_set(err, "cannot open a stream: %s", strerror(errno));
        close(fd);
        free(io);
        return LMPVIZ_ERR_IO;
    }
    af->io = io;
    return LMPVIZ_OK;
}

int
lmpviz_afile_in_place(const char *path)
{
    struct stat st;

    if (path == NULL || path[0] == '\0' || stat(path, &st) != 0)
        return 0;
    return !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

/* A target that exists and is neither a regular file nor a folder: a
 * device, FIFO or socket.  Renaming over it would replace the node itself
 * (as root, /dev/null by a regular file), so the data goes to it directly. */
static lmpviz_status
afile_open_in_place(lmpviz_afile *af, const char *path, lmpviz_err *err)
{
    int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    lmpviz_status st;

    if (fd < 0) {
        lmpviz_err_set(err, "cannot open for writing: %s", strerror(errno));
        lmpviz_afile_abort(af);
        return LMPVIZ_ERR_IO;
    }
    af->in_place = 1;
    st = afile_stream(af, fd, err);
    if (st != LMPVIZ_OK)
        lmpviz_afile_abort(af);
    return st;
}

lmpviz_status
lmpviz_afile_open(lmpviz_afile *af, const char *path, lmpviz_err *err)
{
    size_t len;
    int fd;
    int folder_len;
    const char *folder;
    struct stat st, lst;
    int have_old = 0;
    lmpviz_status status;

    if (af == NULL || path == NULL || path[0] == '\0') {
        lmpviz_err_set(err, "no output path given");
        if (af != NULL)
            memset(af, 0, sizeof *af);
        return LMPVIZ_ERR_INVALID_ARG;
    }
    memset(af, 0, sizeof *af);

    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            lmpviz_err_set(err, "expected a file, got a folder");
            return LMPVIZ_ERR_IO;
        }
        if (!S_ISREG(st.st_mode)) {
            af->path = afile_strdup(path);
            if (af->path == NULL) {
                lmpviz_err_set(err, "out of memory");
                return LMPVIZ_ERR_NOMEM;
            }
            return afile_open_in_place(af, path, err);
        }
        have_old = 1;
    }

    /* A link to a file: the file is replaced, the link is kept. */
    if (have_old && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
        af->path = realpath(path, NULL);
    else
        af->path = afile_strdup(path);
    if (af->path == NULL) {
        lmpviz_err_set(err, "out of memory");
        lmpviz_afile_abort(af);
        return LMPVIZ_ERR_NOMEM;
    }
    len = strlen(af->path);
    af->tmp_path = malloc(len + AFILE_SUFFIX_MAX);
    if (af->tmp_path == NULL) {
        lmpviz_err_set(err, "out of memory");
        lmpviz_afile_abort(af);
        return LMPVIZ_ERR_NOMEM;
    }

    folder_len = afile_folder_len(af->path);
    folder = folder_len > 0 ? af->path : ".";
    if (folder_len == 0)
        folder_len = 1;

    fd = afile_create_tmp(af->path, af->tmp_path, len + AFILE_SUFFIX_MAX);
    if (fd < 0) {
        lmpviz_err_set(err, "cannot create a file in folder %.*s: %s", folder_len, folder,
                       strerror(errno));
        free(af->tmp_path);
        af->tmp_path = NULL; /* nothing to unlink */
        lmpviz_afile_abort(af);
        return LMPVIZ_ERR_IO;
    }
    if (have_old)
        afile_keep_mode(fd, &st);
    status = afile_stream(af, fd, err);
    if (status != LMPVIZ_OK)
        lmpviz_afile_abort(af);
    return status;
}

lmpviz_status
lmpviz_afile_commit(lmpviz_afile *af, lmpviz_err *err)
{
    lmpviz_status status = LMPVIZ_OK;
    FILE *fp;
    int write_failed;
    int saved_errno;

    if (af == NULL || af->fp == NULL || af->path == NULL ||
        (af->tmp_path == NULL && !af->in_place)) {
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
    if (write_failed && af->io != NULL && ((afile_io *)af->io)->err != 0)
        saved_errno = ((afile_io *)af->io)->err;
    if (write_failed) {
        lmpviz_err_set(err, "cannot write: %s",
                       saved_errno != 0 ? strerror(saved_errno) : "write error");
        status = LMPVIZ_ERR_IO;
        goto cleanup;
    }
    if (af->in_place)
        goto cleanup;
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

lmpviz_status
lmpviz_afile_fail(lmpviz_afile *af, lmpviz_status status, lmpviz_err *err)
{
    if (status == LMPVIZ_ERR_IO && af != NULL && af->fp != NULL && af->io != NULL) {
        const afile_io *io = af->io;
        fflush(af->fp);
        if (io->err != 0)
            lmpviz_err_set(err, "cannot write: %s", strerror(io->err));
    }
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
    /* In place there is no temporary, and the target is never removed. */
    if (af->tmp_path != NULL)
        unlink(af->tmp_path);
    free(af->io);
    free(af->tmp_path);
    free(af->path);
    memset(af, 0, sizeof *af);
}

int
lmpviz_afile_is_tmp(const char *name)
{
    const char *mark;
    const char *p;
    size_t digits;

    if (name == NULL)
        return 0;
    mark = strstr(name, LMPVIZ_AFILE_TMP_MARK);
    if (mark == NULL || mark == name)
        return 0;
    /* the last occurrence: a target's name may hold the mark too */
    while ((p = strstr(mark + 1, LMPVIZ_AFILE_TMP_MARK)) != NULL)
        mark = p;
    p = mark + strlen(LMPVIZ_AFILE_TMP_MARK);
    for (digits = 0; (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'); p++)
        digits++;
    if (digits == 0 || digits > 8 || *p != '.')
        return 0;
    for (p++, digits = 0; (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'); p++)
        digits++;
    return digits > 0 && digits <= 8 && *p == '\0';
}
