/* realpath */
#define _DEFAULT_SOURCE

/* What the commands check about their output files before any work: the
 * extension, and that no output is an input or another output. */
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_args.h"
#include "lmpviz_private.h"

/* What identifies a file: its device and inode when it exists, and its
 * path with links and "." / ".." resolved (the folder's, plus the name,
 * when the file does not exist yet). */
typedef struct file_id {
    const cli_file *f;
    int exists;
    int chr; /* a character device: a stream, never the same "file" */
    dev_t dev;
    ino_t ino;
    char *canon; /* malloc'ed; NULL when memory ran out */
} file_id;

static char *
canonical(const char *path)
{
    char *full = realpath(path, NULL);
    const char *slash, *name;
    char *dir, *rdir;
    size_t dir_len;

    if (full != NULL)
        return full;
    slash = strrchr(path, '/');
    name = slash != NULL ? slash + 1 : path;
    dir_len = slash == NULL ? 0 : slash == path ? 1 : (size_t)(slash - path);
    dir = dir_len > 0 ? strndup(path, dir_len) : strdup(".");
    rdir = dir != NULL ? realpath(dir, NULL) : NULL;
    free(dir);
    if (rdir == NULL)
        return strdup(path);
    full = malloc(strlen(rdir) + strlen(name) + 2);
    if (full != NULL)
        sprintf(full, "%s/%s", rdir, name);
    free(rdir);
    return full;
}

static void
identify(const cli_file *f, file_id *id)
{
    struct stat st;

    memset(id, 0, sizeof *id);
    id->f = f;
    if (stat(f->path, &st) == 0) {
        id->exists = 1;
        id->chr = S_ISCHR(st.st_mode);
        id->dev = st.st_dev;
        id->ino = st.st_ino;
    }
    id->canon = canonical(f->path);
}

static int
same_file(const file_id *a, const file_id *b)
{
    if (a->chr || b->chr)
        return 0;
    if (a->exists && b->exists)
        return a->dev == b->dev && a->ino == b->ino;
    return a->canon != NULL && b->canon != NULL && strcmp(a->canon, b->canon) == 0;
}

int
cli_check_files(const char *cmd, const cli_file *in, size_t n_in, const cli_file *out, size_t n_out)
{
    file_id *ids;
    size_t n = n_in + n_out, i, j;
    int rc = 0;

    ids = calloc(n ? n : 1, sizeof *ids);
    if (ids == NULL) {
        cli_error(cmd, "out of memory");
        return CLI_EXIT_FAILURE;
    }
    for (i = 0; i < n; i++) {
        const cli_file *f = i < n_in ? &in[i] : &out[i - n_in];
        if (f->path != NULL)
            identify(f, &ids[i]);
    }
    /* each output against the inputs, then against the outputs before it */
    for (i = n_in; i < n && rc == 0; i++) {
        if (ids[i].f == NULL)
            continue;
        for (j = 0; j < i && rc == 0; j++) {
            if (ids[j].f == NULL || !same_file(&ids[i], &ids[j]))
                continue;
            rc = cli_usage_error(
                cmd, "%s: expected a file %s, got \"%s\", the same file as %s \"%s\"",
                ids[i].f->opt, j < n_in ? "that is not an input" : "no other output writes",
                ids[i].f->path, ids[j].f->opt, ids[j].f->path);
        }
    }
    for (i = 0; i < n; i++)
        free(ids[i].canon);
    free(ids);
    return rc;
}

cli_parse_result
cli_check_output_ext(const char *cmd, const char *opt, const char *path, const char *ext)
{
    if (path == NULL || path[0] == '\0') {
        cli_usage_error(cmd, "%s: expected a file name ending in %s, got \"\"", opt, ext);
        return CLI_PARSE_USAGE;
    }
    if (!cli_ends_with(path, ext) && !lmpviz_afile_in_place(path)) {
        cli_usage_error(cmd, "%s: expected a file name ending in %s, got \"%s\"", opt, ext, path);
        return CLI_PARSE_USAGE;
    }
    return CLI_PARSE_OK;
}

void
cli_warn_tiny(const char *cmd, const char *path, const lmpviz_array *a)
{
    if (a->n_tiny == 0)
        return;
    cli_error(cmd,
              "%s: warning: %zu nonzero float64 value%s below FLT_MIN (%.9g): %zu flushed to 0 "
              "as float32, %zu kept with less precision",
              path, a->n_tiny, a->n_tiny == 1 ? "" : "s", (double)FLT_MIN, a->n_flushed,
              a->n_tiny - a->n_flushed);
}

void
cli_remove_output(const char *path)
{
    struct stat st;

    if (path != NULL && lstat(path, &st) == 0 && S_ISREG(st.st_mode))
        unlink(path);
}

lmpviz_status
cli_write_table(const char *path,
                lmpviz_status (*write)(const void *ctx, FILE *fp),
                const void *ctx,
                lmpviz_err *err)
{
    lmpviz_afile af;
    lmpviz_status st;

    memset(&af, 0, sizeof af);
    st = lmpviz_afile_open(&af, path, err);
    if (st != LMPVIZ_OK)
        return st;
    st = write(ctx, af.fp);
    if (st != LMPVIZ_OK) {
        snprintf(err->msg, sizeof err->msg, "write failed");
        return lmpviz_afile_fail(&af, st, err);
    }
    return lmpviz_afile_commit(&af, err);
}

int
cli_output_written(const char *cmd,
                   const char *path,
                   lmpviz_status st,
                   const lmpviz_err *err,
                   const char **written,
                   size_t *n_written)
{
    if (st != LMPVIZ_OK) {
        cli_error(cmd, "%s: %s", path, err->msg);
        return CLI_EXIT_FAILURE;
    }
    written[(*n_written)++] = path;
    return 0;
}

void
cli_remove_outputs(const char *const *paths, size_t n)
{
    size_t k;

    for (k = 0; k < n; k++)
        cli_remove_output(paths[k]);
}

int
cli_ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF), or 0. */
static size_t
utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        return (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        unsigned char lo = s[0] == 0xE0 ? 0xA0 : 0x80;
        unsigned char hi = s[0] == 0xED ? 0x9F : 0xBF;
        return s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        unsigned char lo = s[0] == 0xF0 ? 0x90 : 0x80;
        unsigned char hi = s[0] == 0xF4 ? 0x8F : 0xBF;
        return s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80 ? 4 : 0;
    }
    return 0;
}

void
cli_json_string(FILE *fp, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    fputc('"', fp);
    while (*p) {
        size_t len = utf8_len(p);
        if (len == 0) {
            /* not text: JSON has no way to carry the byte itself */
            fputs("\\ufffd", fp);
            p++;
        } else if (*p == '"' || *p == '\\') {
            fputc('\\', fp);
            fputc(*p++, fp);
        } else if (*p < 0x20 || *p == 0x7F) {
            fprintf(fp, "\\u%04x", *p++);
        } else {
            fwrite(p, 1, len, fp);
            p += len;
        }
    }
    fputc('"', fp);
}
