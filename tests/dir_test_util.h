/* Helpers shared by the tests that write into a temporary folder
 * (header-only): counting a folder's entries and removing a tree.
 *
 * Include after <cmocka.h>: count_entries fails the running test through
 * cmocka's assertions.  Every function is static inline, so a test file that
 * uses only some of them still builds under -Wall -Werror. */
#ifndef LMP_DIR_TEST_UTIL_H
#define LMP_DIR_TEST_UTIL_H

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* How many entries dir holds (files and folders, not . and ..). */
static inline int
count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    }
    closedir(d);
    return n;
}

/* Removes path and, for a folder, everything below it; links are not
 * followed. */
static inline void
remove_tree(const char *path)
{
    struct stat st;
    DIR *d;
    struct dirent *e;
    char sub[1024];

    if (lstat(path, &st) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        unlink(path);
        return;
    }
    d = opendir(path);
    if (d != NULL) {
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            if ((size_t)snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) < sizeof sub)
                remove_tree(sub);
        }
        closedir(d);
    }
    rmdir(path);
}

#endif /* LMP_DIR_TEST_UTIL_H */
