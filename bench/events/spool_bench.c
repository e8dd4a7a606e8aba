/*
 * spool_bench.c: group-commit throughput of the spool (stream/spool.h).
 *
 * P producer threads append 300-byte JSON records, one append each (an
 * HTTP request's one event), and register an on_durable callback per
 * append the way the HTTP layer resumes a connection; at most WINDOW
 * records per producer are unacknowledged (connections waiting for their
 * answer), beyond that a producer waits for its oldest. Prints durable
 * appends/s, fsync groups/s (sl_spool_groups)
 * and bytes/s, fdatasync on (or off with --no-fsync).
 *
 * Not part of CI. Build and run: sh bench/events/spool_bench.sh
 *   spool_bench [--records N] [--producers P] [--batch B] [--no-fsync] [DIR]
 * (--batch B: B records per append, as a Segment batch of B events.)
 */
#include "core/util.h"
#include "stream/spool.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WINDOW 50000

static sl_spool *sp;
static long records = 2000000, per_thread;
static int producers = 2, batch = 1;
static atomic_long acked;
static char payload[301];

static void on_durable(void *ctx, int ok)
{
    (void)ctx;
    if (!ok) {
        fprintf(stderr, "a group failed\n");
        exit(1);
    }
    atomic_fetch_add(&acked, batch);
}

static void *producer(void *arg)
{
    (void)arg;
    int64_t *tickets = malloc(sizeof(int64_t) * (WINDOW / batch + 1));
    long nt = 0;
    sl_spool_rec r[64];
    for (int k = 0; k < batch; k++)
        r[k] = (sl_spool_rec){.kind = SL_SPOOL_EVENT, .data = payload, .len = 300};
    for (long i = 0; i < per_thread; i += batch) {
        for (int k = 0; k < batch; k++)
            r[k].time_us = sl_now_us();
        int64_t t;
        sl_error err = {0};
        if (sl_spool_append(sp, r, (size_t)batch, &t, &err) != 0) {
            fprintf(stderr, "append: %s\n", err.msg);
            exit(1);
        }
        sl_spool_on_durable(sp, t, on_durable, NULL);
        tickets[nt++ % (WINDOW / batch + 1)] = t;
        if (nt > WINDOW / batch) /* the oldest waiting "connection" */
            if (sl_spool_wait(sp, tickets[nt % (WINDOW / batch + 1)], &err) != 0) {
                fprintf(stderr, "wait: %s\n", err.msg);
                exit(1);
            }
    }
    free(tickets);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *dir = "/tmp/sluice-spool-bench";
    int no_fsync = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--records") && i + 1 < argc)
            records = atol(argv[++i]);
        else if (!strcmp(argv[i], "--producers") && i + 1 < argc)
            producers = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
            batch = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--no-fsync"))
            no_fsync = 1;
        else
            dir = argv[i];
    }
    if (batch < 1 || batch > 64 || producers < 1) {
        fprintf(stderr, "--batch 1..64, --producers >= 1\n");
        return 2;
    }
    memset(payload, 'x', 300);
    memcpy(payload, "{\"type\":\"track\",\"event\":\"Feature Used\",\"pad\":\"", 46);
    memcpy(payload + 298, "\"}", 2);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        return 1;
    sl_spool_opts o = {.max_bytes = (int64_t)8 << 30, .no_fsync = no_fsync};
    sl_error err = {0};
    if (sl_spool_open(dir, &o, &sp, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    per_thread = records / producers / batch * batch;
    long total = per_thread * producers;
    double t0 = sl_mono_s();
    pthread_t th[64];
    for (int i = 0; i < producers && i < 64; i++)
        pthread_create(&th[i], NULL, producer, NULL);
    for (int i = 0; i < producers && i < 64; i++)
        pthread_join(th[i], NULL);
    if (sl_spool_wait(sp, sl_spool_end(sp), &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    while (atomic_load(&acked) < total)
        usleep(100);
    double dt = sl_mono_s() - t0;
    int64_t bytes = sl_spool_durable_end(sp);
    double groups = (double)sl_spool_groups(sp);
    sl_spool_close(sp);
    printf("spool_bench: %ld records of 300 bytes, %d producers, %d per append, fsync %s\n", total, producers, batch,
           no_fsync ? "off" : "on");
    printf("  %.0f durable appends/s (records), %.0f fsync groups/s (%.0f records per group), %.1f MB/s, %.2f s\n",
           total / dt, groups / dt, (double)total / groups, bytes / dt / 1e6, dt);
    if (system(cmd) != 0)
        return 1;
    return 0;
}
