/*
 * fuzz_file.h - hands the fuzzer's bytes to a reader that takes a path.
 *
 * The readers under test open a file by name, fstat it and read it with
 * stdio; the targets write each input to one scratch file (in /dev/shm when
 * it exists, so no disk is touched) and pass its path, so the production
 * code path is exactly the one a user's file takes.
 */
#ifndef LMP_FUZZ_FILE_H
#define LMP_FUZZ_FILE_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char fuzz_path[256];
static int fuzz_fd = -1;

static void
fuzz_file_cleanup(void)
{
    if (fuzz_fd >= 0) {
        close(fuzz_fd);
        unlink(fuzz_path);
    }
}

/* Writes data to the scratch file and returns its path (NULL on failure). */
static const char *
fuzz_file_write(const uint8_t *data, size_t size)
{
    size_t done = 0;
    if (fuzz_fd < 0) {
        struct stat st;
        const char *dir = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm"
                          : getenv("TMPDIR")                                ? getenv("TMPDIR")
                                                                            : "/tmp";
        snprintf(fuzz_path, sizeof fuzz_path, "%s/lmp-fuzz-%ld-XXXXXX", dir, (long)getpid());
        fuzz_fd = mkstemp(fuzz_path);
        if (fuzz_fd < 0)
            return NULL;
        atexit(fuzz_file_cleanup);
    }
    if (ftruncate(fuzz_fd, 0) != 0)
        return NULL;
    while (done < size) {
        ssize_t w = pwrite(fuzz_fd, data + done, size - done, (off_t)done);
        if (w <= 0)
            return NULL;
        done += (size_t)w;
    }
    return fuzz_path;
}

#endif /* LMP_FUZZ_FILE_H */
