/* The frames of a Cityscapes split, paired with their labels and model
 * outputs (the pairing rules of `lmpviz heatmap`). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_split.h"

#define FRAME_SUFFIX "_leftImg8bit.png"

char *
cli_path_join(const char *a, const char *b, const char *c)
{
    size_t len = strlen(a) + strlen(b) + (c ? strlen(c) : 0) + 3;
    char *p = malloc(len);
    if (p == NULL)
        return NULL;
    if (c != NULL)
        snprintf(p, len, "%s/%s/%s", a, b, c);
    else
        snprintf(p, len, "%s/%s", a, b);
    return p;
}

static int
cmp_name(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static void
free_names(char **v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Sorted entries of dir ending in suffix (any when NULL) that are (or are
 * not) folders.  -1 when dir cannot be opened or memory runs out. */
static int
list_names(const char *dir, const char *suffix, int want_dirs, char ***out, size_t *count)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **v = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;

    *out = NULL;
    *count = 0;
    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL) {
        struct stat sb;
        char *full;
        int is_dir;
        if (e->d_name[0] == '.' || (suffix != NULL && !cli_ends_with(e->d_name, suffix)))
            continue;
        full = cli_path_join(dir, e->d_name, NULL);
        if (full == NULL) {
            rc = -1;
            break;
        }
        is_dir = stat(full, &sb) == 0 && S_ISDIR(sb.st_mode);
        free(full);
        if (is_dir != want_dirs)
            continue;
        if (n == cap) {
            char **g;
            cap = cap ? 2 * cap : 64;
            g = realloc(v, cap * sizeof *g);
            if (g == NULL) {
                rc = -1;
                break;
            }
            v = g;
        }
        v[n] = strdup(e->d_name);
        if (v[n] == NULL) {
            rc = -1;
            break;
        }
        n++;
    }
    closedir(d);
    if (rc != 0) {
        free_names(v, n);
        return -1;
    }
    if (n > 0)
        qsort(v, n, sizeof *v, cmp_name);
    *out = v;
    *count = n;
    return 0;
}

int
cli_is_file(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

void
cli_split_free(cli_frame *frames, size_t count)
{
    size_t i;
    for (i = 0; i < count; i++) {
        free(frames[i].city);
        free(frames[i].stem);
        free(frames[i].image);
        free(frames[i].labels);
        free(frames[i].pred);
    }
    free(frames);
}

int
cli_split_list(const char *cmd,
               const char *root,
               const char *split,
               const char *city,
               const char *label_suffix,
               const char *pred_dir,
               const char *pred_suffix,
               size_t shard_i,
               size_t shard_n,
               cli_frame **out,
               size_t *count,
               size_t *total)
{
    char *img_root = cli_path_join(root, "leftImg8bit", split);
    char **cities = NULL, **files = NULL;
    size_t n_cities = 0, n_files = 0, i, j, n = 0, cap = 0, idx = 0;
    cli_frame *v = NULL;

    *out = NULL;
    *count = 0;
    *total = 0;
    if (img_root == NULL)
        goto oom;
    if (list_names(img_root, NULL, 1, &cities, &n_cities) != 0) {
        cli_error(cmd, "%s: cannot list the frames: %s (expected DIR/leftImg8bit/%s/CITY/)",
                  img_root, strerror(errno), split);
        free(img_root);
        return -1;
    }
    for (i = 0; i < n_cities; i++) {
        char *city_dir;
        if (city != NULL && strcmp(city, cities[i]) != 0)
            continue;
        city_dir = cli_path_join(img_root, cities[i], NULL);
        if (city_dir == NULL)
            goto oom;
        if (list_names(city_dir, FRAME_SUFFIX, 0, &files, &n_files) != 0) {
            free(city_dir);
            continue;
        }
        for (j = 0; j < n_files; j++, idx++) {
            cli_frame *f;
            size_t stem_len = strlen(files[j]) - strlen(FRAME_SUFFIX), len;
            if (shard_n > 0 && idx % shard_n != shard_i - 1)
                continue;
            if (n == cap) {
                cli_frame *g;
                cap = cap ? 2 * cap : 64;
                g = realloc(v, cap * sizeof *g);
                if (g == NULL) {
                    free(city_dir);
                    goto oom;
                }
                v = g;
            }
            f = &v[n++];
            memset(f, 0, sizeof *f);
            f->city = strdup(cities[i]);
            f->stem = strndup(files[j], stem_len);
            f->image = cli_path_join(city_dir, files[j], NULL);
            len = strlen(root) + strlen(split) + strlen(cities[i]) + stem_len +
                  strlen(label_suffix) + strlen(pred_dir) + strlen(pred_suffix) + 32;
            f->labels = malloc(len);
            f->pred = malloc(len);
            if (f->city == NULL || f->stem == NULL || f->image == NULL || f->labels == NULL ||
                f->pred == NULL) {
                free(city_dir);
                goto oom;
            }
            snprintf(f->labels, len, "%s/gtFine/%s/%s/%s%s", root, split, cities[i], f->stem,
                     label_suffix);
            snprintf(f->pred, len, "%s/%s/%s%s", pred_dir, cities[i], f->stem, pred_suffix);
            if (!cli_is_file(f->pred))
                snprintf(f->pred, len, "%s/%s%s", pred_dir, f->stem, pred_suffix);
        }
        free_names(files, n_files);
        files = NULL;
        n_files = 0;
        free(city_dir);
    }
    free_names(cities, n_cities);
    free(img_root);
    *out = v;
    *count = n;
    *total = idx;
    return 0;
oom:
    cli_error(cmd, "out of memory listing the frames");
    free_names(files, n_files);
    free_names(cities, n_cities);
    free(img_root);
    cli_split_free(v, n);
    return -1;
}

int
cli_split_list_opts(const char *cmd,
                    const cli_split_opts *sp,
                    lmpviz_label_type label_type,
                    size_t shard_i,
                    size_t shard_n,
                    cli_frame **out,
                    size_t *count,
                    size_t *total)
{
    return cli_split_list(cmd, sp->root, sp->split, sp->city, cli_label_suffix(label_type),
                          sp->pred_dir, sp->pred_suffix, shard_i, shard_n, out, count, total);
}

int
cli_mkdir_p(const char *path)
{
    char buf[4096];
    size_t i, len = strlen(path);
    struct stat st;

    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, path, len + 1);
    for (i = 1; i <= len; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return -1;
            buf[i] = c;
        }
    }
    /* EEXIST also comes from a file of that name */
    if (stat(path, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}
