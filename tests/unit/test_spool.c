/* test_spool.c: the durable event log (stream/spool.h): round trips across
 * segment rolls, durable waits and callbacks, the size bound (SL_EFULL)
 * and retention, recovery (torn tail truncated, corruption refused),
 * offsets continuing over reopen, the one-writer lock, readers woken by
 * appends, write errors failing every waiter, and crash safety (children
 * SIGKILLed after acknowledged appends: every acknowledged record is
 * there intact). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "helpers.h"
#include "stream/spool.h"

#define FRAME 21 /* bytes a record takes beyond its payload */

static char *dir; /* <tmp>/spool, made fresh per test */
static char *tmp;
static void remove_all(void);
/* fdatasync in the spools tests open (off where the test is about
 * something else: the unit test stays fast on a loaded machine) */
static int sync_on;

static int setup(void **state)
{
    (void)state;
    sync_on = 0;
    tmp = th_tmpdir();
    dir = malloc(strlen(tmp) + 16);
    sprintf(dir, "%s/spool", tmp);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    remove_all();
    free(tmp);
    free(dir);
    return 0;
}

static sl_spool *open_spool(int64_t max_bytes, int64_t segment_bytes, double retain_s)
{
    sl_spool_opts o = {.max_bytes = max_bytes, .segment_bytes = segment_bytes, .retain_s = retain_s,
                       .no_fsync = !sync_on};
    sl_spool *sp;
    sl_error err = {0};
    if (sl_spool_open(dir, &o, &sp, &err) != 0)
        fail_msg("open: %s", err.msg);
    return sp;
}

/* Record i's payload: a JSON text of a length that varies with i. */
static void payload(int i, char *out, size_t cap)
{
    int pad = (i * 37) % 150;
    snprintf(out, cap, "{\"id\":%d,\"pad\":\"%.*s\"}", i, pad,
             "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
             "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
}

static int64_t append1(sl_spool *sp, int kind, int64_t t, const char *text)
{
    sl_spool_rec r = {.kind = kind, .time_us = t, .data = text, .len = strlen(text)};
    int64_t ticket = -1;
    sl_error err = {0};
    if (sl_spool_append(sp, &r, 1, &ticket, &err) != 0)
        fail_msg("append: %s", err.msg);
    return ticket;
}

static void wait_ok(sl_spool *sp, int64_t ticket)
{
    sl_error err = {0};
    if (sl_spool_wait(sp, ticket, &err) != 0)
        fail_msg("wait: %s", err.msg);
}

static int is_segment(const char *name)
{
    return strlen(name) == 24 && strspn(name, "0123456789") == 20 && strcmp(name + 20, ".log") == 0;
}

static int count_segments(void)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += is_segment(e->d_name);
    closedir(d);
    return n;
}

/* Remove the spool directory and tmp (no shell: tests stay fast). */
static void remove_all(void)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char path[4200];
        while ((e = readdir(d)))
            if (e->d_name[0] != '.') {
                snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
                unlink(path);
            }
        closedir(d);
        rmdir(dir);
    }
    rmdir(tmp);
}

/* Read every record from `from` (no waiting), checking record i's payload
 * for i = first.. and returning how many were read. */
static int read_all(int64_t from, int first, int64_t *skipped, int64_t *end_out)
{
    sl_spool_reader *r;
    sl_error err = {0};
    if (sl_spool_reader_open(dir, from, &r, skipped, &err) != 0)
        fail_msg("reader: %s", err.msg);
    sl_spool_rec rec;
    int n = 0, rc;
    int64_t at = sl_spool_reader_offset(r);
    char want[256];
    while ((rc = sl_spool_read(r, &rec, 0, &err)) == 1) {
        if (rec.kind == SL_SPOOL_TICK) {
            assert_int_equal(rec.len, 0);
        } else {
            if (first >= 0) { /* first < 0: records from an unknown id on */
                payload(first + n, want, sizeof want);
                assert_int_equal(rec.len, strlen(want));
                assert_memory_equal(rec.data, want, rec.len);
                assert_int_equal(rec.time_us, 1000 + first + n);
            }
            assert_int_equal(rec.data[rec.len], '\0');
            n++;
        }
        assert_int_equal(rec.offset, at);
        assert_int_equal(rec.end, at + FRAME + (int64_t)rec.len);
        at = rec.end;
        assert_int_equal(sl_spool_reader_offset(r), at);
    }
    if (rc < 0)
        fail_msg("read: %s", err.msg);
    if (end_out)
        *end_out = at;
    sl_spool_reader_close(r);
    return n;
}

/* Appends (singly and in threes) across many segment rolls read back in
 * order, with their offsets; readers start at any record start. */
static void test_round_trip(void **state)
{
    (void)state;
    sl_spool *sp = open_spool(0, 1000, 0);
    assert_int_equal(sl_spool_start(sp), 0);
    assert_int_equal(sl_spool_end(sp), 0);
    char p[3][256];
    int64_t ticket = 0, expect = 0, mid = -1;
    for (int i = 0; i < 120;) {
        if (i == 60)
            mid = sl_spool_end(sp);
        if (i % 10 == 3) {
            sl_spool_rec rs[3];
            for (int k = 0; k < 3; k++) {
                payload(i + k, p[k], sizeof p[k]);
                rs[k] = (sl_spool_rec){.kind = SL_SPOOL_EVENT, .time_us = 1000 + i + k, .data = p[k],
                                       .len = strlen(p[k])};
                expect += FRAME + (int64_t)strlen(p[k]);
            }
            sl_error err = {0};
            assert_int_equal(sl_spool_append(sp, rs, 3, &ticket, &err), 0);
            i += 3;
        } else {
            payload(i, p[0], sizeof p[0]);
            ticket = append1(sp, SL_SPOOL_EVENT, 1000 + i, p[0]);
            expect += FRAME + (int64_t)strlen(p[0]);
            i++;
        }
        assert_int_equal(ticket, expect);
        if (i % 25 == 0)
            wait_ok(sp, ticket);
    }
    /* a tick between events */
    ticket = append1(sp, SL_SPOOL_TICK, 5, "");
    wait_ok(sp, ticket);
    assert_int_equal(sl_spool_durable_end(sp), expect + FRAME);
    assert_true(count_segments() > 5);

    int64_t end;
    assert_int_equal(read_all(0, 0, NULL, &end), 120);
    assert_int_equal(end, expect + FRAME);
    /* from a record start inside a later segment */
    assert_true(mid > 1000);
    assert_int_equal(read_all(mid, 60, NULL, NULL), 60);
    /* from the end: nothing yet */
    assert_int_equal(read_all(end, 0, NULL, NULL), 0);
    /* not a record start, past the end */
    sl_spool_reader *r;
    sl_error err = {0};
    assert_int_equal(sl_spool_reader_open(dir, mid + 1, &r, NULL, &err), -1);
    assert_int_equal(err.code, SL_EDATA);
    assert_non_null(strstr(err.msg, "is not the start of a record"));
    assert_int_equal(sl_spool_reader_open(dir, end + 100, &r, NULL, &err), -1);
    assert_int_equal(err.code, SL_EDATA);
    assert_non_null(strstr(err.msg, "past its end"));

    /* limits */
    sl_spool_rec bad = {.kind = 7, .data = "x", .len = 1};
    assert_int_equal(sl_spool_append(sp, &bad, 1, &ticket, &err), -1);
    assert_int_equal(err.code, SL_EINVAL);
    bad.kind = SL_SPOOL_EVENT;
    bad.len = SL_SPOOL_MAX_RECORD + 1;
    assert_int_equal(sl_spool_append(sp, &bad, 1, &ticket, &err), -1);
    assert_int_equal(err.code, SL_EINVAL);
    assert_int_equal(sl_spool_end(sp), expect + FRAME);
    sl_spool_close(sp);
}

/* Records larger than a reader's buffer (it grows from 16 KiB; frames up
 * to SL_SPOOL_MAX_RECORD) read back whole; a reader opened after them
 * skips them by their lengths. */
static void test_large_records(void **state)
{
    (void)state;
    sl_spool *sp = open_spool(0, 0, 0);
    size_t sizes[] = {100000, 20, 600000, 3 << 20, 7};
    int64_t starts[5], t = 0;
    for (int i = 0; i < 5; i++) {
        char *p = malloc(sizes[i] + 1);
        for (size_t k = 0; k < sizes[i]; k++)
            p[k] = (char)('a' + (k * 7 + (size_t)i) % 26);
        p[sizes[i]] = 0;
        starts[i] = t;
        t = append1(sp, SL_SPOOL_EVENT, i, p);
        free(p);
    }
    wait_ok(sp, t);
    for (int from = 0; from < 5; from += 3) {
        sl_spool_reader *r;
        sl_error err = {0};
        assert_int_equal(sl_spool_reader_open(dir, starts[from], &r, NULL, &err), 0);
        sl_spool_rec rec;
        for (int i = from; i < 5; i++) {
            assert_int_equal(sl_spool_read(r, &rec, 0, &err), 1);
            assert_int_equal(rec.len, sizes[i]);
            assert_int_equal(rec.offset, starts[i]);
            for (size_t k = 0; k < sizes[i]; k += 997)
                assert_int_equal(rec.data[k], (char)('a' + (k * 7 + (size_t)i) % 26));
            assert_int_equal(rec.data[sizes[i] - 1], (char)('a' + ((sizes[i] - 1) * 7 + (size_t)i) % 26));
        }
        assert_int_equal(sl_spool_read(r, &rec, 0, &err), 0);
        sl_spool_reader_close(r);
    }
    sl_spool_close(sp);
}

static sl_spool *conc_sp;

static void *conc_writer(void *arg)
{
    int w = (int)(intptr_t)arg;
    char p[64];
    for (int i = 0; i < 500; i++) {
        snprintf(p, sizeof p, "{\"w\":%d,\"i\":%d}", w, i);
        append1(conc_sp, SL_SPOOL_EVENT, i, p);
    }
    return NULL;
}

static void *conc_reader(void *arg)
{
    int *bad = arg;
    sl_spool_reader *r;
    sl_error err = {0};
    if (sl_spool_reader_open(dir, 0, &r, NULL, &err) != 0) {
        *bad = 1;
        return NULL;
    }
    int next[2] = {0, 0};
    sl_spool_rec rec;
    int64_t at = 0;
    for (int n = 0; n < 1000; n++) {
        if (sl_spool_read(r, &rec, 30, &err) != 1 || rec.offset != at) {
            *bad = 2;
            break;
        }
        int w, i;
        if (sscanf(rec.data, "{\"w\":%d,\"i\":%d}", &w, &i) != 2 || w < 0 || w > 1 || i != next[w]) {
            *bad = 3;
            break;
        }
        next[w]++;
        at = rec.end;
    }
    sl_spool_reader_close(r);
    return NULL;
}

/* Two appending threads and a reader following them across segment rolls:
 * every record once, each thread's in order, offsets contiguous. */
static void test_concurrent(void **state)
{
    (void)state;
    conc_sp = open_spool(0, 4096, 0);
    int bad = 0;
    pthread_t rd, w0, w1;
    assert_int_equal(pthread_create(&rd, NULL, conc_reader, &bad), 0);
    assert_int_equal(pthread_create(&w0, NULL, conc_writer, (void *)(intptr_t)0), 0);
    assert_int_equal(pthread_create(&w1, NULL, conc_writer, (void *)(intptr_t)1), 0);
    pthread_join(w0, NULL);
    pthread_join(w1, NULL);
    pthread_join(rd, NULL);
    assert_int_equal(bad, 0);
    assert_true(count_segments() > 3);
    sl_spool_close(conc_sp);
}

static int cb_ok, cb_failed;
static pthread_mutex_t cb_mu = PTHREAD_MUTEX_INITIALIZER;
static void on_durable(void *ctx, int ok)
{
    pthread_mutex_lock(&cb_mu);
    *(int64_t *)ctx = ok ? 1 : -1;
    if (ok)
        cb_ok++;
    else
        cb_failed++;
    pthread_mutex_unlock(&cb_mu);
}

/* sl_spool_wait and sl_spool_on_durable: every callback once, with ok. */
static void test_durable(void **state)
{
    (void)state;
    sync_on = 1;
    sl_spool *sp = open_spool(0, 0, 0);
    cb_ok = cb_failed = 0;
    int64_t seen[50] = {0}, last = 0;
    char p[256];
    for (int i = 0; i < 50; i++) {
        payload(i, p, sizeof p);
        last = append1(sp, SL_SPOOL_EVENT, 1000 + i, p);
        sl_spool_on_durable(sp, last, on_durable, &seen[i]);
    }
    wait_ok(sp, last);
    assert_true(sl_spool_durable_end(sp) >= last);
    assert_int_equal(sl_spool_end(sp), last);
    /* callbacks run on the flusher after durable moved: poll the count */
    for (int k = 0; k < 2000; k++) {
        pthread_mutex_lock(&cb_mu);
        int n = cb_ok;
        pthread_mutex_unlock(&cb_mu);
        if (n == 50)
            break;
        usleep(1000);
    }
    pthread_mutex_lock(&cb_mu);
    assert_int_equal(cb_ok, 50);
    assert_int_equal(cb_failed, 0);
    pthread_mutex_unlock(&cb_mu);
    for (int i = 0; i < 50; i++)
        assert_int_equal(seen[i], 1);
    /* already durable: called at once, from this thread */
    int64_t now = 0;
    sl_spool_on_durable(sp, last, on_durable, &now);
    assert_int_equal(now, 1);
    /* a wait of what is durable returns at once */
    wait_ok(sp, 0);
    sl_spool_close(sp);
    assert_int_equal(read_all(0, 0, NULL, NULL), 50);
}

/* max_bytes: SL_EFULL leaves the spool unchanged; a consumer's release
 * frees the space; without consumers pending_bytes counts from the start. */
static void test_full(void **state)
{
    (void)state;
    sl_spool *sp = open_spool(10 * (FRAME + 100), 0, 0);
    char p[101];
    memset(p, 'a', 100);
    p[100] = 0;
    int64_t t = 0;
    for (int i = 0; i < 10; i++)
        t = append1(sp, SL_SPOOL_EVENT, i, p);
    assert_int_equal(sl_spool_pending_bytes(sp), 10 * (FRAME + 100));
    sl_spool_rec r = {.kind = SL_SPOOL_EVENT, .data = p, .len = 100};
    sl_error err = {0};
    int64_t t2 = -5;
    assert_int_equal(sl_spool_append(sp, &r, 1, &t2, &err), -1);
    assert_int_equal(err.code, SL_EFULL);
    assert_non_null(strstr(err.msg, "is full"));
    assert_int_equal(t2, -5);
    assert_int_equal(sl_spool_end(sp), t);
    wait_ok(sp, t);
    /* a consumer at 3 records: 3 records' room */
    sl_spool_release(sp, "warehouse", 3 * (FRAME + 100));
    assert_int_equal(sl_spool_pending_bytes(sp), 7 * (FRAME + 100));
    /* a second, slower consumer holds the space */
    sl_spool_release(sp, "http", 0);
    assert_int_equal(sl_spool_append(sp, &r, 1, &t2, &err), -1);
    assert_int_equal(err.code, SL_EFULL);
    sl_spool_forget(sp, "http");
    sl_spool_rec three[3] = {r, r, r};
    assert_int_equal(sl_spool_append(sp, three, 3, &t2, &err), 0);
    assert_int_equal(t2, t + 3 * (FRAME + 100));
    assert_int_equal(sl_spool_append(sp, &r, 1, &t2, &err), -1);
    assert_int_equal(err.code, SL_EFULL);
    sl_spool_close(sp);
}

/* Retention: only segments every consumer released and older than
 * retain_s go; the last segment stays; readers before the start skip. */
static void test_retention(void **state)
{
    (void)state;
    char p[256];
    /* retain_s 1 hour: released segments stay */
    sl_spool *sp = open_spool(0, 500, 3600);
    int64_t t = 0;
    for (int i = 0; i < 60; i++) {
        payload(i, p, sizeof p);
        t = append1(sp, SL_SPOOL_EVENT, 1000 + i, p);
    }
    wait_ok(sp, t);
    int nseg = count_segments();
    assert_true(nseg >= 8);
    sl_spool_release(sp, "warehouse", t);
    assert_int_equal(count_segments(), nseg);
    assert_int_equal(sl_spool_start(sp), 0);
    sl_spool_close(sp);

    /* retain_s 0: released segments go at once, unreleased ones stay */
    sp = open_spool(0, 500, 0);
    sl_spool_release(sp, "slow", 0);
    sl_spool_release(sp, "fast", t);
    assert_int_equal(count_segments(), nseg);
    /* find a record start in the middle: read to record 30 */
    sl_spool_reader *r;
    sl_error err = {0};
    assert_int_equal(sl_spool_reader_open(dir, 0, &r, NULL, &err), 0);
    sl_spool_rec rec;
    for (int i = 0; i < 30; i++)
        assert_int_equal(sl_spool_read(r, &rec, 0, &err), 1);
    int64_t mid = rec.end;
    sl_spool_release(sp, "slow", mid);
    int64_t start = sl_spool_start(sp);
    assert_true(start > 0 && start <= mid);
    int left = count_segments();
    assert_true(left < nseg && left > 1);
    /* the reader holding a deleted segment open still reads on */
    int n = 30;
    while (sl_spool_read(r, &rec, 0, &err) == 1)
        n++;
    assert_int_equal(n, 60);
    sl_spool_reader_close(r);
    /* a reader from 0 starts at the start and says how much is gone */
    int64_t skipped = -1;
    assert_true(read_all(0, -1, &skipped, NULL) > 0);
    assert_int_equal(skipped, start);
    assert_int_equal(sl_spool_pending_bytes(sp), t - mid);
    /* a reader behind a consumer that released: its segments go under it;
     * it reads the one it holds open, then says the rest is gone */
    sl_spool_release(sp, "slow", start);
    assert_int_equal(sl_spool_reader_open(dir, start, &r, NULL, &err), 0);
    assert_int_equal(sl_spool_read(r, &rec, 0, &err), 1);
    sl_spool_release(sp, "slow", t);
    n = 1;
    int rc;
    while ((rc = sl_spool_read(r, &rec, 0, &err)) == 1)
        n++;
    assert_int_equal(rc, -1);
    assert_int_equal(err.code, SL_EDATA);
    assert_non_null(strstr(err.msg, "were deleted (retention) while this reader was behind"));
    assert_true(n < 60 - 30);
    sl_spool_reader_close(r);
    /* everything released: the last segment stays */
    sl_spool_release(sp, "slow", t);
    assert_int_equal(count_segments(), 1);
    assert_true(sl_spool_start(sp) > start);
    /* forgetting every consumer keeps what is there */
    sl_spool_forget(sp, "slow");
    sl_spool_forget(sp, "fast");
    assert_int_equal(count_segments(), 1);
    sl_spool_close(sp);

    /* released segments go before retain_s when they keep the disk over
     * max_bytes: with a consumer keeping up and retain_s 1 hour, the spool
     * stays within 2000 bytes (+ the segment being written) */
    remove_all();
    assert_int_equal(mkdir(tmp, 0700), 0);
    sp = open_spool(2000, 500, 3600);
    sl_spool_release(sp, "warehouse", 0);
    for (int i = 60; i < 120; i++) {
        payload(i, p, sizeof p);
        int64_t t2 = append1(sp, SL_SPOOL_EVENT, 1000 + i, p);
        wait_ok(sp, t2);
        sl_spool_release(sp, "warehouse", t2);
        assert_true(sl_spool_end(sp) - sl_spool_start(sp) <= 2000 + 500 + 250);
    }
    assert_true(sl_spool_start(sp) > 4000);
    sl_spool_close(sp);
}

static int64_t file_size(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return (int64_t)st.st_size;
}

static void append_bytes(const char *path, const void *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, p, n), (ssize_t)n);
    close(fd);
}

static char *last_segment(void)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    char best[64] = "";
    struct dirent *e;
    while ((e = readdir(d)))
        if (is_segment(e->d_name) && strcmp(e->d_name, best) > 0)
            snprintf(best, sizeof best, "%s", e->d_name);
    closedir(d);
    assert_true(best[0] != 0);
    char *path = malloc(strlen(dir) + 80);
    sprintf(path, "%s/%s", dir, best);
    return path;
}

/* A torn tail (half a frame, or garbage) is truncated at open and the
 * offsets go on from the last whole record; reopening continues offsets. */
static void test_torn_tail_and_reopen(void **state)
{
    (void)state;
    char p[256];
    sl_spool *sp = open_spool(0, 800, 0);
    int64_t t = 0;
    for (int i = 0; i < 20; i++) {
        payload(i, p, sizeof p);
        t = append1(sp, SL_SPOOL_EVENT, 1000 + i, p);
    }
    sl_spool_close(sp);
    char *seg = last_segment();
    int64_t size = file_size(seg);
    /* half a frame: the first half of a valid record of another spool */
    unsigned char half[] = {'S', 'L', 'S', 'P', 40, 0, 0, 0, 1, 2, 3};
    append_bytes(seg, half, sizeof half);
    sp = open_spool(0, 800, 0);
    assert_int_equal(file_size(seg), size);
    assert_int_equal(sl_spool_end(sp), t);
    assert_int_equal(sl_spool_durable_end(sp), t);
    for (int i = 20; i < 30; i++) {
        payload(i, p, sizeof p);
        t = append1(sp, SL_SPOOL_EVENT, 1000 + i, p);
    }
    sl_spool_close(sp);
    free(seg);
    /* garbage that is no frame at all */
    seg = last_segment();
    size = file_size(seg);
    append_bytes(seg, "garbage\n\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 32);
    sp = open_spool(0, 800, 0);
    assert_int_equal(file_size(seg), size);
    assert_int_equal(sl_spool_end(sp), t);
    payload(30, p, sizeof p);
    t = append1(sp, SL_SPOOL_EVENT, 1030, p);
    wait_ok(sp, t);
    sl_spool_close(sp);
    free(seg);
    int64_t end;
    assert_int_equal(read_all(0, 0, NULL, &end), 31);
    assert_int_equal(end, t);
}

/* A bad frame followed by valid ones is corruption: the open fails naming
 * the file and offset; a reader stops at it with SL_EDATA. */
static void test_corruption(void **state)
{
    (void)state;
    char p[256];
    sl_spool *sp = open_spool(0, 0, 0);
    int64_t second = 0;
    for (int i = 0; i < 3; i++) {
        payload(i, p, sizeof p);
        int64_t t = append1(sp, SL_SPOOL_EVENT, 1000 + i, p);
        if (i == 0)
            second = t;
    }
    sl_spool_close(sp);
    char *seg = last_segment();
    int fd = open(seg, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, "#", 1, second + 20), 1); /* inside record 1's payload */
    close(fd);
    sl_spool_opts o = {0};
    sl_error err = {0};
    assert_int_equal(sl_spool_open(dir, &o, &sp, &err), -1);
    assert_int_equal(err.code, SL_EDATA);
    assert_non_null(strstr(err.msg, seg));
    char at[64];
    snprintf(at, sizeof at, "at file offset %lld", (long long)second);
    assert_non_null(strstr(err.msg, at));
    assert_non_null(strstr(err.msg, "corrupt"));
    /* the file was not truncated */
    assert_true(file_size(seg) > second * 2);
    /* a reader gets the first record, then the error */
    sl_spool_reader *r;
    assert_int_equal(sl_spool_reader_open(dir, 0, &r, NULL, &err), 0);
    sl_spool_rec rec;
    assert_int_equal(sl_spool_read(r, &rec, 0, &err), 1);
    assert_int_equal(sl_spool_read(r, &rec, 0, &err), -1);
    assert_int_equal(err.code, SL_EDATA);
    assert_non_null(strstr(err.msg, "CRC"));
    sl_spool_reader_close(r);
    free(seg);
}

/* One writer: a second opener (another process: flock is per open file
 * description) gets SL_EBUSY naming the directory. */
static void test_busy(void **state)
{
    (void)state;
    sl_spool *sp = open_spool(0, 0, 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        sl_spool *sp2 = NULL;
        sl_error err = {0};
        sl_spool_opts o = {0};
        int rc = sl_spool_open(dir, &o, &sp2, &err);
        _exit(rc == -1 && err.code == SL_EBUSY && strstr(err.msg, dir) && strstr(err.msg, "LOCK") ? 0 : 1);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    sl_spool_close(sp);
    /* released on close */
    sp = open_spool(0, 0, 0);
    sl_spool_close(sp);
}

typedef struct waiter {
    sl_spool_rec rec;
    int rc;
    char text[256];
} waiter;

static void *reader_thread(void *arg)
{
    waiter *w = arg;
    sl_spool_reader *r;
    sl_error err = {0};
    if (sl_spool_reader_open(dir, 0, &r, NULL, &err) != 0) {
        w->rc = -2;
        return NULL;
    }
    w->rc = sl_spool_read(r, &w->rec, 30, &err);
    if (w->rc == 1)
        snprintf(w->text, sizeof w->text, "%.*s", (int)w->rec.len, w->rec.data);
    sl_spool_reader_close(r);
    return NULL;
}

/* A reader waiting on an empty spool is woken by another thread's append. */
static void test_reader_wakes(void **state)
{
    (void)state;
    sl_spool *sp = open_spool(0, 0, 0);
    waiter w = {.rc = 99};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, reader_thread, &w), 0);
    usleep(20000);
    append1(sp, SL_SPOOL_EVENT, 77, "{\"wake\":1}");
    pthread_join(th, NULL);
    assert_int_equal(w.rc, 1);
    assert_string_equal(w.text, "{\"wake\":1}");
    assert_int_equal(w.rec.time_us, 77);
    assert_int_equal(w.rec.offset, 0);
    sl_spool_close(sp);
}

/* A write error (the file size limit: EFBIG) breaks the spool: the waiter
 * and the callbacks of the group fail, later appends get SL_EIO; the
 * reopened spool holds exactly the records acknowledged before. */
static void test_write_error(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {.rlim_cur = 2048, .rlim_max = RLIM_INFINITY};
        setrlimit(RLIMIT_FSIZE, &rl);
        sync_on = 1;
        sl_spool *sp = open_spool(0, 0, 0);
        char p[256];
        sl_error err = {0};
        int i = 0, code = 0;
        for (;; i++) {
            payload(i, p, sizeof p);
            int64_t t = append1(sp, SL_SPOOL_EVENT, 1000 + i, p);
            static int64_t seen[1100];
            sl_spool_on_durable(sp, t, on_durable, &seen[i]);
            if (sl_spool_wait(sp, t, &err) != 0) {
                code = err.code == SL_EIO && strstr(err.msg, "write failed") ? 0 : 10;
                break;
            }
            if (i > 1000)
                _exit(11);
        }
        /* the callback of the failed group said so */
        int failed = 0;
        for (int k = 0; k < 1000 && failed == 0; k++) {
            usleep(1000);
            pthread_mutex_lock(&cb_mu);
            failed = cb_failed;
            pthread_mutex_unlock(&cb_mu);
        }
        if (failed != 1)
            code = 12;
        sl_spool_rec r = {.kind = SL_SPOOL_EVENT, .data = "x", .len = 1};
        int64_t t;
        if (sl_spool_append(sp, &r, 1, &t, &err) != -1 || err.code != SL_EIO)
            code = 13;
        sl_spool_close(sp);
        _exit(code ? code : 100 + i); /* i records were acknowledged */
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    int acked = WEXITSTATUS(st) - 100;
    assert_true(acked > 2);
    /* reopen: the torn group is gone, the acknowledged records are there */
    sl_spool *sp = open_spool(0, 0, 0);
    sl_spool_close(sp);
    assert_int_equal(read_all(0, 0, NULL, NULL), acked);
}

/* Crash safety: a child appends and waits, writes each acknowledged count
 * to a pipe and SIGKILLs itself at a random point (fixed seed); the parent
 * reopens the spool (recovery) and finds every acknowledged record intact
 * and in order. 20 rounds over the same spool (offsets continue). */
static void test_crash_safety(void **state)
{
    (void)state;
    srand(15);
    int64_t from = 0;
    for (int round = 0; round < 20; round++) {
        int kill_after = rand() % 6;    /* acknowledged batches before the kill */
        int wait_last = rand() % 2;     /* whether the kill waits for the last append */
        int sync = round % 2;
        int pfd[2];
        assert_int_equal(pipe(pfd), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(pfd[0]);
            sl_spool_opts o = {.segment_bytes = 2048, .no_fsync = !sync};
            sl_spool *sp;
            sl_error err = {0};
            if (sl_spool_open(dir, &o, &sp, &err) != 0)
                _exit(3);
            char p[3][256];
            int id = 0;
            for (int b = 0;; b++) {
                int k = 1 + (round + b) % 3;
                sl_spool_rec rs[3];
                for (int j = 0; j < k; j++) {
                    payload(id + j, p[j], sizeof p[j]);
                    rs[j] = (sl_spool_rec){.kind = SL_SPOOL_EVENT, .time_us = 1000 + id + j, .data = p[j],
                                           .len = strlen(p[j])};
                }
                int64_t t;
                if (sl_spool_append(sp, rs, (size_t)k, &t, &err) != 0)
                    _exit(4);
                id += k;
                if (b == kill_after && !wait_last)
                    kill(getpid(), SIGKILL);
                if (sl_spool_wait(sp, t, &err) != 0)
                    _exit(5);
                if (write(pfd[1], &id, sizeof id) != sizeof id)
                    _exit(6);
                if (b == kill_after)
                    kill(getpid(), SIGKILL);
            }
        }
        close(pfd[1]);
        int acked = 0, v;
        while (read(pfd[0], &v, sizeof v) == sizeof v)
            acked = v;
        close(pfd[0]);
        int st;
        assert_int_equal(waitpid(pid, &st, 0), pid);
        assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
        sl_spool *sp = open_spool(0, 0, 0);
        int64_t end = sl_spool_end(sp);
        int64_t got_end;
        int n = read_all(from, 0, NULL, &got_end);
        assert_true(n >= acked);
        assert_int_equal(got_end, end);
        sl_spool_close(sp);
        from = end;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_durable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_tail_and_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corruption, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_wakes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash_safety, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
