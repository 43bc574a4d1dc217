/* A character device for the tests that write to one (header-only).
 *
 * The tests must never put a real device node at risk: were the code under
 * test to replace or remove its target, as root /dev/null itself would go.
 * So where mknod is allowed (as root) they get a node of their own in their
 * folder, the same device as /dev/null or /dev/full; elsewhere the real one,
 * but only when /dev cannot be written (then nothing can replace it).
 *
 * Needs _DEFAULT_SOURCE (mknod, makedev), defined before any include. */
#ifndef LMP_DEVICE_TEST_UTIL_H
#define LMP_DEVICE_TEST_UTIL_H

#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Fills buf with dir/name, a new node of the character device
 * (major_no, minor_no), or with real (e.g. "/dev/null") as said above.
 * 0, or -1 when neither is safe to use (the caller skips). */
static inline int
test_device(const char *dir,
            const char *name,
            unsigned major_no,
            unsigned minor_no,
            const char *real,
            char *buf,
            size_t len)
{
    struct stat st;

    if ((size_t)snprintf(buf, len, "%s/%s", dir, name) < len &&
        mknod(buf, S_IFCHR | 0666, makedev(major_no, minor_no)) == 0)
        return 0;
    if (access("/dev", W_OK) != 0 && stat(real, &st) == 0 && S_ISCHR(st.st_mode) &&
        major(st.st_rdev) == major_no && minor(st.st_rdev) == minor_no &&
        (size_t)snprintf(buf, len, "%s", real) < len)
        return 0;
    printf("# no device node of our own (mknod refused) and %s not safe to use\n", real);
    return -1;
}

/* 1 when path is still the character device (major_no, minor_no) with
 * inode ino. */
static inline int
test_still_device(const char *path, unsigned major_no, unsigned minor_no, ino_t ino)
{
    struct stat st;

    return lstat(path, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == major_no &&
           minor(st.st_rdev) == minor_no && st.st_ino == ino;
}

#endif /* LMP_DEVICE_TEST_UTIL_H */
