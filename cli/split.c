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

/* Where a split's frames are and how their companions are named. */
typedef struct split_layout {
    const char *root, *split, *label_suffix, *pred_dir, *pred_suffix;
} split_layout;

/* The frame `file` of `city` (in city_dir), with its labels and
 * prediction.  0, or -1 when memory runs out (f's fields then need
 * freeing all the same). */
static int
fill_frame(
    cli_frame *f, const split_layout *l, const char *city, const char *city_dir, const char *file)
{
    size_t stem_len = strlen(file) - strlen(FRAME_SUFFIX), len;

    memset(f, 0, sizeof *f);
    f->city = strdup(city);
    f->stem = strndup(file, stem_len);
    f->image = cli_path_join(city_dir, file, NULL);
    len = strlen(l->root) + strlen(l->split) + strlen(city) + stem_len + strlen(l->label_suffix) +
          strlen(l->pred_dir) + strlen(l->pred_suffix) + 32;
    f->labels = malloc(len);
    f->pred = malloc(len);
    if (f->city == NULL || f->stem == NULL || f->image == NULL || f->labels == NULL ||
        f->pred == NULL)
        return -1;
    snprintf(f->labels, len, "%s/gtFine/%s/%s/%s%s", l->root, l->split, city, f->stem,
             l->label_suffix);
    snprintf(f->pred, len, "%s/%s/%s%s", l->pred_dir, city, f->stem, l->pred_suffix);
    if (!cli_is_file(f->pred))
        snprintf(f->pred, len, "%s/%s%s", l->pred_dir, f->stem, l->pred_suffix);
    return 0;
}

/* The frames kept so far, and the index of the next one in the whole
 * listing. */
typedef struct frame_list {
    cli_frame *v;
    size_t n, cap, idx;
} frame_list;

/* Adds the frames of city (those of the shard) to fl.  0, or -1 when
 * memory runs out; a city whose folder cannot be listed adds nothing. */
static int
add_city(frame_list *fl,
         const split_layout *l,
         const char *img_root,
         const char *city,
         size_t shard_i,
         size_t shard_n)
{
    char *city_dir = cli_path_join(img_root, city, NULL);
    char **files = NULL;
    size_t n_files = 0, j;
    int rc = 0;

    if (city_dir == NULL)
        return -1;
    if (list_names(city_dir, FRAME_SUFFIX, 0, &files, &n_files) != 0) {
        free(city_dir);
        return 0;
    }
    for (j = 0; j < n_files && rc == 0; j++, fl->idx++) {
        if (shard_n > 0 && fl->idx % shard_n != shard_i - 1)
            continue;
        if (fl->n == fl->cap) {
            size_t cap = fl->cap ? 2 * fl->cap : 64;
            cli_frame *g = realloc(fl->v, cap * sizeof *g);
            if (g == NULL) {
                rc = -1;
                break;
            }
            fl->v = g;
            fl->cap = cap;
        }
        rc = fill_frame(&fl->v[fl->n++], l, city, city_dir, files[j]);
    }
    free_names(files, n_files);
    free(city_dir);
    return rc;
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
    const split_layout l = { root, split, label_suffix, pred_dir, pred_suffix };
    char *img_root = cli_path_join(root, "leftImg8bit", split);
    char **cities = NULL;
    size_t n_cities = 0, i;
    frame_list fl;

    memset(&fl, 0, sizeof fl);
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
        if (city != NULL && strcmp(city, cities[i]) != 0)
            continue;
        if (add_city(&fl, &l, img_root, cities[i], shard_i, shard_n) != 0)
            goto oom;
    }
    free_names(cities, n_cities);
    free(img_root);
    *out = fl.v;
    *count = fl.n;
    *total = fl.idx;
    return 0;
oom:
    cli_error(cmd, "out of memory listing the frames");
    free_names(cities, n_cities);
    free(img_root);
    cli_split_free(fl.v, fl.n);
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
