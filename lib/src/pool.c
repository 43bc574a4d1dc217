/*
 * The persistent thread pool of a workspace (lmp_internal.h).
 *
 * The threads are started once, in lmp_workspace_create_threads, and sleep on
 * a condition variable between runs.  A run publishes (fn, ctx, n_tasks)
 * under the mutex and bumps a generation counter; every thread, the caller's
 * included, then takes task indices from one atomic counter until they run
 * out, so a slow task never holds up the others.  The caller waits for the
 * last thread to report before returning: the mutex hand-over makes all the
 * tasks' writes visible to it.
 */
#include <assert.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include "lmp_internal.h"

/* What each started thread is given. */
typedef struct worker {
    struct lmpi_pool *pool;
    unsigned index; /* 1 .. threads - 1; 0 is the caller */
    pthread_t tid;
} worker;

struct lmpi_pool {
    pthread_mutex_t mu;
    pthread_cond_t wake; /* a new run or stop */
    pthread_cond_t done; /* the last thread finished its share of a run */
    unsigned threads;    /* in all, the caller's included */
    pid_t owner;         /* the process that started the threads */
    unsigned started;    /* workers running (threads - 1 once created) */
    worker *workers;
    /* The current run, written under mu before generation is bumped. */
    unsigned long generation;
    lmpi_task_fn fn;
    void *ctx;
    size_t n_tasks;
    atomic_size_t next; /* the next task to hand out */
    unsigned busy;      /* workers still in the current run */
    int stop;
};

static void
run_tasks(struct lmpi_pool *pool, lmpi_task_fn fn, void *ctx, size_t n_tasks, unsigned thread)
{
    for (;;) {
        const size_t task = atomic_fetch_add_explicit(&pool->next, 1, memory_order_relaxed);
        if (task >= n_tasks)
            return;
        fn(ctx, task, thread);
    }
}

static void *
worker_main(void *arg)
{
    worker *w = arg;
    struct lmpi_pool *pool = w->pool;
    unsigned long seen = 0;

    pthread_mutex_lock(&pool->mu);
    for (;;) {
        lmpi_task_fn fn;
        void *ctx;
        size_t n_tasks;
        while (pool->generation == seen && !pool->stop)
            pthread_cond_wait(&pool->wake, &pool->mu);
        if (pool->stop)
            break;
        seen = pool->generation;
        fn = pool->fn;
        ctx = pool->ctx;
        n_tasks = pool->n_tasks;
        pthread_mutex_unlock(&pool->mu);

        run_tasks(pool, fn, ctx, n_tasks, w->index);

        pthread_mutex_lock(&pool->mu);
        if (--pool->busy == 0)
            pthread_cond_signal(&pool->done);
    }
    pthread_mutex_unlock(&pool->mu);
    return NULL;
}

/* Stops and joins the started workers, then frees everything. */
static void
pool_free(struct lmpi_pool *pool)
{
    unsigned i;
    if (getpid() != pool->owner) {
        /* A child of fork(): no thread to stop, and the mutex may be held. */
        free(pool->workers);
        free(pool);
        return;
    }
    pthread_mutex_lock(&pool->mu);
    pool->stop = 1;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mu);
    for (i = 0; i < pool->started; i++)
        pthread_join(pool->workers[i].tid, NULL);
    pthread_cond_destroy(&pool->done);
    pthread_cond_destroy(&pool->wake);
    pthread_mutex_destroy(&pool->mu);
    free(pool->workers);
    free(pool);
}

lmpi_pool *
lmpi_pool_create(unsigned threads)
{
    struct lmpi_pool *pool;
    sigset_t all;
    sigset_t old;
    int ok = 1;
    unsigned i;

    if (threads < 2)
        return NULL;
    pool = calloc(1, sizeof *pool);
    if (pool == NULL)
        return NULL;
    pool->workers = calloc(threads - 1, sizeof *pool->workers);
    if (pool->workers == NULL) {
        free(pool);
        return NULL;
    }
    pool->threads = threads;
    pool->owner = getpid();
    atomic_init(&pool->next, 0);
    if (pthread_mutex_init(&pool->mu, NULL) != 0) {
        free(pool->workers);
        free(pool);
        return NULL;
    }
    if (pthread_cond_init(&pool->wake, NULL) != 0) {
        pthread_mutex_destroy(&pool->mu);
        free(pool->workers);
        free(pool);
        return NULL;
    }
    if (pthread_cond_init(&pool->done, NULL) != 0) {
        pthread_cond_destroy(&pool->wake);
        pthread_mutex_destroy(&pool->mu);
        free(pool->workers);
        free(pool);
        return NULL;
    }
    /* The workers inherit a full signal mask: signals meant for the program
     * keep going to its own threads, never to the library's. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (i = 0; i + 1 < threads; i++) {
        worker *w = &pool->workers[i];
        w->pool = pool;
        w->index = i + 1;
        if (pthread_create(&w->tid, NULL, worker_main, w) != 0) {
            ok = 0;
            break;
        }
        pool->started++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!ok) {
        pool_free(pool);
        return NULL;
    }
    return pool;
}

void
lmpi_pool_destroy(lmpi_pool *pool)
{
    if (pool != NULL)
        pool_free(pool);
}

void
lmpi_pool_exec(lmpi_pool *pool, size_t n_tasks, lmpi_task_fn fn, void *ctx)
{
    size_t i;

    /* One task: waking the workers would cost more than it saves.  A child
     * of fork() has none of the workers, and its copy of the mutex may be
     * held: it runs everything itself (training code forks data loader
     * processes from a parent that may hold a workspace). */
    if (n_tasks <= 1 || getpid() != pool->owner) {
        for (i = 0; i < n_tasks; i++)
            fn(ctx, i, 0);
        return;
    }
    pthread_mutex_lock(&pool->mu);
    pool->fn = fn;
    pool->ctx = ctx;
    pool->n_tasks = n_tasks;
    atomic_store_explicit(&pool->next, 0, memory_order_relaxed);
    pool->busy = pool->started;
    pool->generation++;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mu);

    run_tasks(pool, fn, ctx, n_tasks, 0);

    pthread_mutex_lock(&pool->mu);
    while (pool->busy > 0)
        pthread_cond_wait(&pool->done, &pool->mu);
    pthread_mutex_unlock(&pool->mu);
}

void
lmpi_pool_run(lmp_workspace *ws, size_t n_tasks, lmpi_task_fn fn, void *ctx)
{
    size_t i;

    if (ws != NULL && ws->pool != NULL) {
        lmpi_pool_exec(ws->pool, n_tasks, fn, ctx);
        return;
    }
    for (i = 0; i < n_tasks; i++)
        fn(ctx, i, 0);
}

lmp_workspace *
lmpi_ws_thread(lmp_workspace *ws, unsigned thread)
{
    if (ws == NULL || ws->pool == NULL) {
        assert(thread == 0);
        return ws;
    }
    assert(thread < ws->threads);
    return &ws->each[thread];
}

/* lmp_workspace_spin: each task runs four independent multiply-add chains in
 * registers, enough to keep one core's floating-point units busy without
 * touching memory. */
typedef struct spin_job {
    size_t iters;
    double *out;
} spin_job;

static void
spin_task(void *ctx, size_t task, unsigned thread)
{
    const spin_job *job = ctx;
    double x0 = 1.0 + 1e-3 * (double)task;
    double x1 = x0 + 0.25;
    double x2 = x0 + 0.5;
    double x3 = x0 + 0.75;
    size_t i;

    (void)thread;
    for (i = 0; i < job->iters; i++) {
        /* A contraction towards 2: the values stay finite for any count. */
        x0 = 0.5 * x0 + 1.0;
        x1 = 0.5 * x1 + 1.0;
        x2 = 0.5 * x2 + 1.0;
        x3 = 0.5 * x3 + 1.0;
    }
    job->out[task] = x0 + x1 + x2 + x3;
}

double
lmp_workspace_spin(lmp_workspace *ws, size_t tasks, size_t iters)
{
    spin_job job;
    double sum = 0.0;
    size_t i;

    if (tasks == 0)
        return 0.0;
    if (tasks > SIZE_MAX / sizeof *job.out)
        return NAN;
    job.iters = iters;
    job.out = malloc(tasks * sizeof *job.out);
    if (job.out == NULL)
        return NAN;
    lmpi_pool_run(ws, tasks, spin_task, &job);
    for (i = 0; i < tasks; i++)
        sum += job.out[i];
    free(job.out);
    return sum;
}
