/* Running a command over the frames of a Cityscapes split, the way heatmap
 * and compare share: --jobs threads taking frames in order, --shard parts,
 * and the progress display (a bar on a terminal, one line per frame
 * otherwise). */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_split.h"
#include "lmp.h"

/* Room for a library message plus the file it names. */
#define MSG_LEN  (LMPVIZ_ERR_LEN + 64)
#define NOTE_LEN 256
#define BAR_LEN  30

size_t
cli_default_jobs(void)
{
    long nproc = sysconf(_SC_NPROCESSORS_ONLN);
    return nproc > 0 ? (size_t)nproc : 1;
}

cli_parse_result
cli_parse_jobs(const char *cmd, const char *text, size_t *out)
{
    if (cli_parse_size(cmd, "--jobs", text, out) != CLI_PARSE_OK)
        return CLI_PARSE_USAGE;
    if (*out > CLI_MAX_JOBS)
        return cli_parse_error(cmd, "--jobs: expected at most %d, got \"%s\"", CLI_MAX_JOBS, text);
    return CLI_PARSE_OK;
}

cli_parse_result
cli_parse_shard(const char *cmd, const char *text, size_t *i, size_t *n)
{
    char *end = NULL;
    unsigned long a, b;

    errno = 0;
    if (text == NULL || *text < '0' || *text > '9')
        goto bad;
    a = strtoul(text, &end, 10);
    if (errno != 0 || *end != '/' || end[1] < '0' || end[1] > '9')
        goto bad;
    b = strtoul(end + 1, &end, 10);
    if (errno != 0 || *end != '\0' || a < 1 || b < 1 || a > b || b > 1000000)
        goto bad;
    *i = a;
    *n = b;
    return CLI_PARSE_OK;
bad:
    return cli_parse_error(cmd, "--shard: expected I/N with 1 <= I <= N, got \"%s\"",
                           text ? text : "");
}

char *
cli_shard_path(const char *dir, const char *name, const char *ext, size_t shard_i, size_t shard_n)
{
    /* two size_t in decimal and "_shard-of-" */
    size_t len = strlen(dir) + strlen(name) + strlen(ext) + 2 * 21 + 16;
    char *p = malloc(len);

    if (p == NULL)
        return NULL;
    if (shard_n > 0)
        snprintf(p, len, "%s/%s_shard%zu-of-%zu%s", dir, name, shard_i, shard_n, ext);
    else
        snprintf(p, len, "%s/%s%s", dir, name, ext);
    return p;
}

int
cli_frame_missing(const cli_frame *fr, char *msg, size_t len)
{
    if (!cli_is_file(fr->labels)) {
        snprintf(msg, len, "%s: missing (expected the labels of %s)", fr->labels, fr->image);
        return 1;
    }
    if (!cli_is_file(fr->pred)) {
        snprintf(msg, len, "%s: missing (no prediction for %s in --pred-dir)", fr->pred, fr->stem);
        return 1;
    }
    return 0;
}

/* The signal received, set by the handler and read by the workers. */
static volatile sig_atomic_t interrupt_signal;
static struct sigaction old_int, old_term;
static int handlers_installed;

static void
on_interrupt(int sig)
{
    if (interrupt_signal != 0) {
        /* the second one: the default action, now */
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    interrupt_signal = sig;
}

void
cli_interrupt_begin(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    interrupt_signal = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    handlers_installed = 1;
}

void
cli_interrupt_end(void)
{
    if (!handlers_installed)
        return;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    handlers_installed = 0;
}

int
cli_interrupted(void)
{
    return (int)interrupt_signal;
}

const char *
cli_signal_name(int sig)
{
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "signal";
}

typedef struct pool_run {
    const cli_split_pool *p;
    cli_frame_result *res;
    size_t next, done, failed;
    int tty;
    double t0;
    pthread_mutex_t mu;
} pool_run;

static void
fmt_duration(double s, char *buf, size_t len)
{
    long t = (long)(s + 0.5);
    if (!isfinite(s) || s < 0)
        snprintf(buf, len, "--:--");
    else if (t >= 3600)
        snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
    else
        snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
}

/* Called with the mutex held. */
static void
draw_progress(pool_run *r, int final)
{
    size_t n = r->p->n;
    double el = cli_now() - r->t0;
    double rate = el > 0 ? (double)r->done / el : 0.0;
    double left = rate > 0 ? (double)(n - r->done) / rate : NAN;
    char eta[32], bar[BAR_LEN + 1];
    size_t k, fill = n ? BAR_LEN * r->done / n : BAR_LEN;

    fmt_duration(left, eta, sizeof eta);
    for (k = 0; k < BAR_LEN; k++)
        bar[k] = k < fill ? '#' : '.';
    bar[BAR_LEN] = '\0';
    fprintf(stderr, "\r\033[K[%s] %zu/%zu frames  %.2f frames/s  %s left", bar, r->done, n, rate,
            eta);
    if (r->failed)
        fprintf(stderr, "  failed: %zu", r->failed);
    if (final)
        fputc('\n', stderr);
    fflush(stderr);
}

static void *
worker(void *arg)
{
    pool_run *r = arg;
    const cli_split_pool *p = r->p;
    void *state = p->thread_begin ? p->thread_begin(p->ctx) : NULL;
    char msg[MSG_LEN], note[NOTE_LEN];

    for (;;) {
        size_t i;
        double t0;
        int ok;

        pthread_mutex_lock(&r->mu);
        if (r->next >= p->n || interrupt_signal != 0) {
            pthread_mutex_unlock(&r->mu);
            break;
        }
        i = r->next++;
        pthread_mutex_unlock(&r->mu);

        msg[0] = '\0';
        note[0] = '\0';
        t0 = cli_now();
        ok = p->process(p->ctx, i, state, note, sizeof note, msg, sizeof msg) == 0;
        r->res[i].seconds = cli_now() - t0;
        r->res[i].ok = ok;
        r->res[i].ran = 1;

        pthread_mutex_lock(&r->mu);
        r->done++;
        if (!ok) {
            r->failed++;
            if (r->tty && !p->quiet)
                fprintf(stderr, "\r\033[K");
            cli_error(p->cmd, "%s: skipped: %s", p->frames[i].stem,
                      msg[0] ? msg : "failed for an unknown reason");
        } else if (!r->tty && !p->quiet) {
            fprintf(stderr, "lmpviz %s: [%zu/%zu] %s: %s%s(%.2f s)\n", p->cmd, r->done, p->n,
                    p->frames[i].stem, note, note[0] ? " " : "", r->res[i].seconds);
        }
        if (r->tty && !p->quiet)
            draw_progress(r, 0);
        pthread_mutex_unlock(&r->mu);
    }
    if (p->thread_end)
        p->thread_end(p->ctx, state);
    return NULL;
}

size_t
cli_split_pool_run(const cli_split_pool *p, cli_frame_result *results)
{
    pool_run r;
    pthread_t threads[CLI_MAX_JOBS];
    size_t n_threads, i;

    assert(p->process != NULL && (p->n == 0 || results != NULL));
    memset(&r, 0, sizeof r);
    r.p = p;
    r.res = results;
    for (i = 0; i < p->n; i++) {
        results[i].ok = 0;
        results[i].ran = 0;
        results[i].seconds = 0.0;
    }
    r.tty = isatty(2);
    r.t0 = cli_now();
    pthread_mutex_init(&r.mu, NULL);
    n_threads = p->jobs < p->n ? p->jobs : p->n;
    if (n_threads == 0)
        n_threads = 1;
    if (n_threads > CLI_MAX_JOBS)
        n_threads = CLI_MAX_JOBS;
    for (i = 0; i < n_threads; i++) {
        if (pthread_create(&threads[i], NULL, worker, &r) != 0)
            break;
    }
    if (i == 0)
        worker(&r); /* no thread could start: do the work here */
    n_threads = i;
    for (i = 0; i < n_threads; i++)
        pthread_join(threads[i], NULL);
    if (r.tty && !p->quiet)
        draw_progress(&r, 1);
    pthread_mutex_destroy(&r.mu);
    return r.failed;
}

void
cli_split_pool_init(cli_split_pool *p,
                    const char *cmd,
                    const cli_frame *frames,
                    size_t n,
                    const cli_split_opts *sp,
                    int quiet,
                    void *ctx,
                    int (*process)(void *, size_t, void *, char *, size_t, char *, size_t))
{
    memset(p, 0, sizeof *p);
    p->cmd = cmd;
    p->frames = frames;
    p->n = n;
    p->jobs = sp->jobs;
    p->quiet = quiet;
    p->ctx = ctx;
    p->thread_begin = cli_pool_workspace_begin;
    p->thread_end = cli_pool_workspace_end;
    p->process = process;
}

int
cli_split_exit(const char *cmd, size_t failed, size_t n)
{
    if (failed == 0)
        return CLI_EXIT_OK;
    cli_error(cmd, "%zu of %zu frames failed", failed, n);
    return CLI_EXIT_FAILURE;
}

void *
cli_pool_workspace_begin(void *ctx)
{
    (void)ctx;
    return lmp_workspace_create(0);
}

void
cli_pool_workspace_end(void *ctx, void *state)
{
    (void)ctx;
    lmp_workspace_destroy(state);
}
