/*
 * spool.c: the writing side of a spool (stream/spool.h): open and
 * recovery, group commit, segment roll, retention, consumers.
 *
 * Appenders frame their records into the current group buffer under the
 * spool's mutex and return a ticket (the logical end of what they added).
 * One flusher thread swaps the group with the spare buffer (so a new
 * group forms while it writes), write()s it to the segment file, runs
 * fdatasync, then publishes the new durable end: it wakes sl_spool_wait
 * callers, calls the sl_spool_on_durable callbacks whose ticket is
 * covered, and moves the registry entry that in-process readers wait on
 * (spool_read.c). A write or fsync error breaks the spool: every pending
 * and later waiter fails, appends get SL_EIO until it is reopened (the
 * torn group is then truncated by recovery).
 *
 * A segment roll is decided when an append finds the segment it goes to
 * already segment_bytes long: the group remembers the offset, and the
 * flusher syncs the old file, creates the new one and syncs the directory
 * before writing past it. So a segment file exists only once every
 * segment before it is complete on disk (what readers rely on).
 */
#include "stream/spool_int.h"
#include "core/failpoint.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/util.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_MAX_BYTES ((int64_t)1 << 30)
#define DEFAULT_SEGMENT_BYTES ((int64_t)64 << 20)
#define SPARE_KEEP ((size_t)8 << 20) /* a group buffer larger than this is freed after use */

typedef struct seg {
    int64_t base;
    int64_t mtime_us; /* last write */
} seg;

typedef struct durable_cb {
    int64_t ticket;
    sl_spool_durable_fn fn;
    void *ctx;
} durable_cb;

typedef struct spool_consumer {
    char *name;
    int64_t offset;
} spool_consumer;

/* A group: framed bytes for [base, base + buf.len) and the offsets inside
 * it where a new segment starts. */
typedef struct group {
    sl_buf buf;
    int64_t base;
    int64_t *rolls;
    size_t nrolls, caprolls;
} group;

struct sl_spool {
    char *dir, *key;
    sl_spool_opts o;
    int lockfd;
    spool_live *live;

    pthread_mutex_t mu;
    pthread_cond_t work_cv;    /* the flusher waits for a group */
    pthread_cond_t durable_cv; /* sl_spool_wait callers */
    /* under mu */
    group cur, spare;
    int64_t end;          /* logical end of everything appended */
    int64_t app_seg_base; /* the segment appends go to */
    int64_t durable;
    int64_t groups; /* written and synced */
    seg *segs; /* on disk, ascending; segs[nsegs-1] is the one written */
    size_t nsegs, capsegs;
    spool_consumer *cons;
    size_t ncons, capcons;
    durable_cb *cbs;
    size_t ncbs, capcbs;
    int flusher_idle, stop, broken;
    int closed; /* the flusher has exited: durable never moves again */
    char broken_msg[1024];

    /* the flusher's own */
    pthread_t thread;
    int fd;          /* segs[nsegs-1] */
    int64_t fd_base; /* its base */
    int64_t written; /* logical end written to fd */
};

/* ---- small file helpers */

static int write_all(int fd, const char *p, size_t n, off_t at)
{
    while (n > 0) {
        ssize_t k = pwrite(fd, p, n, at);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += k;
        n -= (size_t)k;
        at += k;
    }
    return 0;
}

static char *seg_path(const char *dir, int64_t base)
{
    return sl_printf(SPOOL_NAME_FMT, dir, (long long)base);
}

/* ---- recovery */

/* Scan the last segment: truncate a torn tail, refuse corruption. *size
 * gets the length of its valid frames. */
static int recover_last(sl_spool *sp, int fd, const char *path, int64_t base, int64_t *size, sl_error *err)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return sl_error_set(err, SL_EIO, "spool %s: stat: %s", path, strerror(errno));
    size_t n = (size_t)st.st_size;
    unsigned char *data = NULL;
    if (n > 0) {
        data = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
        if (data == MAP_FAILED)
            return sl_error_set(err, SL_EIO, "spool %s: mmap: %s", path, strerror(errno));
    }
    size_t pos = 0;
    while (pos < n) {
        long f = spool_frame_check(data + pos, n - pos);
        if (f <= 0)
            break;
        pos += (size_t)f;
    }
    if (pos < n) {
        /* a bad or cut frame: a torn write unless a valid frame follows */
        for (size_t q = pos + 1; q + SPOOL_FRAME_OVERHEAD <= n; q++) {
            if (data[q] != 'S' || spool_frame_check(data + q, n - q) <= 0)
                continue;
            munmap(data, n);
            return sl_error_set(err, SL_EDATA,
                                "spool %s: a bad record frame at file offset %zu (spool offset %lld) is followed by "
                                "valid records at file offset %zu: the segment is corrupt, not torn by a crash "
                                "(truncating the file at %zu drops the records from there on)",
                                path, pos, (long long)(base + (int64_t)pos), q, pos);
        }
        munmap(data, n);
        data = NULL;
        if (ftruncate(fd, (off_t)pos) < 0 || (!sp->o.no_fsync && fsync(fd) < 0)) {
            return sl_error_set(err, SL_EIO, "spool %s: cannot truncate a torn tail: %s", path, strerror(errno));
        }
        sl_log_info("spool %s: truncated a torn tail of %zu bytes at file offset %zu (records never acknowledged)",
                    path, n - pos, pos);
    }
    if (data)
        munmap(data, n);
    *size = (int64_t)pos;
    return 0;
}

static int open_segments(sl_spool *sp, sl_error *err)
{
    int64_t *bases;
    size_t n;
    if (spool_list_segments(sp->dir, &bases, &n, err) < 0)
        return -1;
    int rc = -1;
    if (n == 0) {
        bases = sl_malloc(sizeof *bases);
        bases[0] = 0;
        char *p = seg_path(sp->dir, 0);
        int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
        if (fd < 0 || sl_fsync_dir(sp->dir) < 0) {
            sl_error_set(err, SL_EIO, "spool %s: cannot create: %s", p, strerror(errno));
            if (fd >= 0)
                close(fd);
            sl_free(p);
            goto out;
        }
        close(fd);
        sl_free(p);
        n = 1;
    }
    int64_t now = sl_now_us();
    for (size_t i = 0; i < n; i++) {
        char *p = seg_path(sp->dir, bases[i]);
        struct stat st;
        if (stat(p, &st) < 0) {
            sl_error_set(err, SL_EIO, "spool %s: stat: %s", p, strerror(errno));
            sl_free(p);
            goto out;
        }
        if (i + 1 < n && st.st_size != bases[i + 1] - bases[i]) {
            sl_error_set(err, SL_EDATA,
                         "spool %s: the segment has %lld bytes but the next one starts at offset %lld: the spool is "
                         "corrupt",
                         p, (long long)st.st_size, (long long)bases[i + 1]);
            sl_free(p);
            goto out;
        }
        sl_free(p);
        SL_GROW(sp->segs, sp->capsegs, sp->nsegs + 1);
        sp->segs[sp->nsegs].base = bases[i];
        int64_t mt = (int64_t)st.st_mtim.tv_sec * 1000000 + st.st_mtim.tv_nsec / 1000;
        sp->segs[sp->nsegs++].mtime_us = mt < now ? mt : now;
    }
    int64_t base = bases[n - 1], size = 0;
    char *p = seg_path(sp->dir, base);
    int fd = open(p, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        sl_error_set(err, SL_EIO, "spool %s: cannot open: %s", p, strerror(errno));
        sl_free(p);
        goto out;
    }
    if (recover_last(sp, fd, p, base, &size, err) < 0) {
        close(fd);
        sl_free(p);
        goto out;
    }
    sl_free(p);
    sp->fd = fd;
    sp->fd_base = base;
    sp->end = sp->written = sp->durable = base + size;
    sp->app_seg_base = base;
    sp->cur.base = sp->end;
    rc = 0;
out:
    sl_free(bases);
    return rc;
}

/* ---- retention */

/* The lowest offset a consumer still needs (the start without consumers). */
static int64_t low_mark(sl_spool *sp)
{
    int64_t start = sp->segs[0].base;
    if (sp->ncons == 0)
        return start;
    int64_t m = sp->cons[0].offset;
    for (size_t i = 1; i < sp->ncons; i++)
        if (sp->cons[i].offset < m)
            m = sp->cons[i].offset;
    return m > start ? m : start;
}

/* Under mu: drop from segs the segments every consumer is past that are
 * older than retain_s, or that keep the bytes on disk over max_bytes
 * (retention never takes more disk than the limit); returns their bases
 * for the caller to unlink outside the lock (caller frees). */
static int64_t *retention_take(sl_spool *sp, size_t *n)
{
    *n = 0;
    if (sp->ncons == 0)
        return NULL;
    int64_t m = low_mark(sp), now = sl_now_us();
    int64_t keep_us = (int64_t)(sp->o.retain_s * 1e6);
    size_t k = 0;
    while (k + 1 < sp->nsegs && sp->segs[k + 1].base <= m &&
           (now - sp->segs[k].mtime_us >= keep_us || sp->end - sp->segs[k].base > sp->o.max_bytes))
        k++;
    if (k == 0)
        return NULL;
    int64_t *gone = sl_malloc(k * sizeof *gone);
    for (size_t i = 0; i < k; i++)
        gone[i] = sp->segs[i].base;
    memmove(sp->segs, sp->segs + k, (sp->nsegs - k) * sizeof *sp->segs);
    sp->nsegs -= k;
    *n = k;
    return gone;
}

static void retention_apply(sl_spool *sp, int64_t *gone, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *p = seg_path(sp->dir, gone[i]);
        if (unlink(p) < 0 && errno != ENOENT)
            sl_log_warn("spool %s: cannot delete a released segment: %s", p, strerror(errno));
        else
            sl_log_debug("spool %s: deleted (released by every consumer)", p);
        sl_free(p);
    }
    sl_free(gone);
}

static void retention_run(sl_spool *sp)
{
    size_t n;
    pthread_mutex_lock(&sp->mu);
    int64_t *gone = retention_take(sp, &n);
    pthread_mutex_unlock(&sp->mu);
    retention_apply(sp, gone, n);
}

/* ---- the flusher */

static int flush_fail(sl_spool *sp, const char *what, int64_t at)
{
    int e = errno;
    pthread_mutex_lock(&sp->mu);
    if (!sp->broken) {
        sp->broken = 1;
        snprintf(sp->broken_msg, sizeof sp->broken_msg,
                 "spool %s: %s failed at offset %lld: %s (records after offset %lld are not durable; the spool "
                 "accepts nothing until it is reopened)",
                 sp->dir, what, (long long)at, strerror(e), (long long)sp->durable);
    }
    pthread_mutex_unlock(&sp->mu);
    sl_log_error("spool %s: %s failed: %s", sp->dir, what, strerror(e));
    return -1;
}

/* Write [from, to) of group g into the current segment. */
static int flush_bytes(sl_spool *sp, group *g, int64_t from, int64_t to)
{
    if (to <= from)
        return 0;
    if (sl_failpoint("spool.write")) {
        errno = EIO;
        return flush_fail(sp, "write", from);
    }
    if (write_all(sp->fd, g->buf.data + (from - g->base), (size_t)(to - from), (off_t)(from - sp->fd_base)) < 0)
        return flush_fail(sp, "write", from);
    sp->written = to;
    return 0;
}

static int flush_sync(sl_spool *sp)
{
    if (sp->o.no_fsync)
        return 0;
    if (sl_failpoint("spool.fsync")) {
        errno = EIO;
        return flush_fail(sp, "fdatasync", sp->written);
    }
    if (fdatasync(sp->fd) < 0)
        return flush_fail(sp, "fdatasync", sp->written);
    return 0;
}

/* Close the current segment (already synced) and start the one at base. */
static int flush_roll(sl_spool *sp, int64_t base)
{
    char *p = seg_path(sp->dir, base);
    int fd = open(p, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    sl_free(p);
    if (fd < 0)
        return flush_fail(sp, "creating a segment", base);
    if (!sp->o.no_fsync && sl_fsync_dir(sp->dir) < 0) {
        close(fd);
        return flush_fail(sp, "fsync of the directory", base);
    }
    close(sp->fd);
    sp->fd = fd;
    sp->fd_base = base;
    pthread_mutex_lock(&sp->mu);
    SL_GROW(sp->segs, sp->capsegs, sp->nsegs + 1);
    sp->segs[sp->nsegs].base = base;
    sp->segs[sp->nsegs++].mtime_us = sl_now_us();
    pthread_mutex_unlock(&sp->mu);
    return 0;
}

static int flush_group(sl_spool *sp, group *g)
{
    int64_t at = g->base, end = g->base + (int64_t)g->buf.len;
    for (size_t i = 0; i < g->nrolls; i++) {
        if (flush_bytes(sp, g, at, g->rolls[i]) < 0 || flush_sync(sp) < 0 || flush_roll(sp, g->rolls[i]) < 0)
            return -1;
        at = g->rolls[i];
    }
    if (flush_bytes(sp, g, at, end) < 0 || flush_sync(sp) < 0)
        return -1;
    return 0;
}

/* Under mu: take the callbacks that are due (all when failed) into *out. */
static size_t take_callbacks(sl_spool *sp, int all, durable_cb **out, size_t *cap)
{
    size_t n = 0, keep = 0;
    for (size_t i = 0; i < sp->ncbs; i++) {
        if (all || sp->cbs[i].ticket <= sp->durable) {
            SL_GROW(*out, *cap, n + 1);
            (*out)[n++] = sp->cbs[i];
        } else {
            sp->cbs[keep++] = sp->cbs[i];
        }
    }
    sp->ncbs = keep;
    return n;
}

static void *flusher_main(void *arg)
{
    sl_spool *sp = arg;
    durable_cb *due = NULL;
    size_t capdue = 0;
    pthread_mutex_lock(&sp->mu);
    for (;;) {
        while (sp->cur.buf.len == 0 && !sp->stop) {
            sp->flusher_idle = 1;
            pthread_cond_wait(&sp->work_cv, &sp->mu);
            sp->flusher_idle = 0;
        }
        if (sp->cur.buf.len == 0)
            break;
        group g = sp->cur;
        sp->cur = sp->spare;
        sp->cur.base = sp->end;
        sp->cur.nrolls = 0;
        sl_buf_reset(&sp->cur.buf);
        int broken = sp->broken;
        int64_t end = g.base + (int64_t)g.buf.len;
        pthread_mutex_unlock(&sp->mu);

        int ok = !broken && flush_group(sp, &g) == 0;
        int rolled = g.nrolls > 0;

        pthread_mutex_lock(&sp->mu);
        if (ok) {
            sp->durable = end;
            sp->groups++;
            sp->segs[sp->nsegs - 1].mtime_us = sl_now_us();
            /* before waiters wake: whoever sl_spool_wait returned to
             * finds the records with a reader */
            spool_live_publish(sp->live, end);
        }
        size_t ndue = take_callbacks(sp, !ok, &due, &capdue);
        pthread_cond_broadcast(&sp->durable_cv);
        /* recycle the buffer (a huge one is freed: memory stays bounded) */
        if (g.buf.cap > SPARE_KEEP)
            sl_buf_release(&g.buf);
        sp->spare = g;
        pthread_mutex_unlock(&sp->mu);

        for (size_t i = 0; i < ndue; i++)
            due[i].fn(due[i].ctx, ok);
        if (rolled)
            retention_run(sp);
        pthread_mutex_lock(&sp->mu);
    }
    pthread_mutex_unlock(&sp->mu);
    sl_free(due);
    return NULL;
}

/* ---- the API */

int sl_spool_open(const char *dir, const sl_spool_opts *o, sl_spool **out, sl_error *err)
{
    *out = NULL;
    if (sl_mkdir_p(dir) < 0)
        return sl_error_set(err, SL_EIO, "spool %s: cannot create the directory: %s", dir, strerror(errno));
    char *lp = sl_printf("%s/LOCK", dir);
    int lockfd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (lockfd < 0) {
        sl_error_set(err, SL_EIO, "spool %s: cannot open its lock: %s", lp, strerror(errno));
        sl_free(lp);
        return -1;
    }
    if (flock(lockfd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;
        close(lockfd);
        sl_free(lp);
        if (e == EWOULDBLOCK)
            return sl_error_set(err, SL_EBUSY, "spool %s: another process is writing it (it holds %s/LOCK)", dir, dir);
        return sl_error_set(err, SL_EIO, "spool %s: cannot lock: %s", dir, strerror(e));
    }
    sl_free(lp);
    sl_spool *sp = sl_calloc(1, sizeof *sp);
    sp->dir = sl_strdup(dir);
    sp->key = spool_canonical(dir);
    if (o)
        sp->o = *o;
    if (sp->o.max_bytes <= 0)
        sp->o.max_bytes = DEFAULT_MAX_BYTES;
    if (sp->o.segment_bytes <= 0)
        sp->o.segment_bytes = DEFAULT_SEGMENT_BYTES;
    if (sp->o.retain_s < 0)
        sp->o.retain_s = 0;
    sp->lockfd = lockfd;
    sp->fd = -1;
    sl_buf_init(&sp->cur.buf);
    sl_buf_init(&sp->spare.buf);
    if (open_segments(sp, err) < 0) {
        if (sp->fd >= 0)
            close(sp->fd);
        close(lockfd);
        sl_free(sp->segs);
        sl_free(sp->dir);
        sl_free(sp->key);
        sl_free(sp);
        return -1;
    }
    pthread_mutex_init(&sp->mu, NULL);
    pthread_cond_init(&sp->work_cv, NULL);
    pthread_cond_init(&sp->durable_cv, NULL);
    sp->live = spool_live_add(sp->key, sp->durable);
    int e = pthread_create(&sp->thread, NULL, flusher_main, sp);
    if (e != 0) {
        errno = e;
        sl_error_set(err, SL_EIO, "spool %s: cannot start its flusher thread: %s", dir, strerror(e));
        spool_live_close(sp->live);
        sp->live = NULL;
        close(sp->fd);
        close(lockfd);
        sl_free(sp->segs);
        sl_free(sp->dir);
        sl_free(sp->key);
        sl_free(sp);
        return -1;
    }
    *out = sp;
    return 0;
}

void sl_spool_close(sl_spool *sp)
{
    if (!sp)
        return;
    pthread_mutex_lock(&sp->mu);
    sp->stop = 1;
    pthread_cond_signal(&sp->work_cv);
    pthread_mutex_unlock(&sp->mu);
    pthread_join(sp->thread, NULL);
    /* what is left can never become durable now */
    durable_cb *due = NULL;
    size_t cap = 0;
    pthread_mutex_lock(&sp->mu);
    sp->closed = 1;
    size_t n = take_callbacks(sp, 1, &due, &cap);
    pthread_cond_broadcast(&sp->durable_cv);
    pthread_mutex_unlock(&sp->mu);
    for (size_t i = 0; i < n; i++)
        due[i].fn(due[i].ctx, due[i].ticket <= sp->durable);
    sl_free(due);
    spool_live_close(sp->live);
    close(sp->fd);
    close(sp->lockfd); /* releases the flock */
    pthread_mutex_destroy(&sp->mu);
    pthread_cond_destroy(&sp->work_cv);
    pthread_cond_destroy(&sp->durable_cv);
    sl_buf_release(&sp->cur.buf);
    sl_buf_release(&sp->spare.buf);
    sl_free(sp->cur.rolls);
    sl_free(sp->spare.rolls);
    for (size_t i = 0; i < sp->ncons; i++)
        sl_free(sp->cons[i].name);
    sl_free(sp->cons);
    sl_free(sp->cbs);
    sl_free(sp->segs);
    sl_free(sp->dir);
    sl_free(sp->key);
    sl_free(sp);
}

int sl_spool_append(sl_spool *sp, const sl_spool_rec *recs, size_t n, int64_t *ticket, sl_error *err)
{
    uint32_t crcs_small[32], *crcs = n <= 32 ? crcs_small : sl_malloc(n * sizeof *crcs);
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (recs[i].kind != SL_SPOOL_EVENT && recs[i].kind != SL_SPOOL_TICK) {
            if (crcs != crcs_small)
                sl_free(crcs);
            return sl_error_set(err, SL_EINVAL, "spool %s: record kind %d is not an event (1) or a tick (2)", sp->dir,
                                recs[i].kind);
        }
        if (recs[i].len > SL_SPOOL_MAX_RECORD) {
            if (crcs != crcs_small)
                sl_free(crcs);
            return sl_error_set(err, SL_EINVAL, "spool %s: a record of %zu bytes is larger than the limit (%zu bytes)",
                                sp->dir, recs[i].len, SL_SPOOL_MAX_RECORD);
        }
        crcs[i] = spool_frame_crc(recs[i].kind, recs[i].time_us, recs[i].data, recs[i].len);
        total += SPOOL_FRAME_OVERHEAD + (int64_t)recs[i].len;
    }
    int rc = 0;
    pthread_mutex_lock(&sp->mu);
    if (sp->broken || sp->stop) {
        rc = sl_error_set(err, SL_EIO, "%s", sp->broken ? sp->broken_msg : "spool: appending to a closed spool");
        goto out;
    }
    int64_t pending = sp->end - low_mark(sp);
    if (pending + total > sp->o.max_bytes) {
        rc = sl_error_set(err, SL_EFULL,
                          "spool %s is full: %lld bytes not yet released by every consumer, %lld more would pass its "
                          "limit of %lld bytes",
                          sp->dir, (long long)pending, (long long)total, (long long)sp->o.max_bytes);
        goto out;
    }
    if (n > 0 && sp->end - sp->app_seg_base >= sp->o.segment_bytes) {
        group *g = &sp->cur;
        SL_GROW(g->rolls, g->caprolls, g->nrolls + 1);
        g->rolls[g->nrolls++] = sp->end;
        sp->app_seg_base = sp->end;
    }
    sl_buf_reserve(&sp->cur.buf, (size_t)total);
    for (size_t i = 0; i < n; i++) {
        unsigned char h[17];
        spool_put32(h, SPOOL_MAGIC);
        spool_put32(h + 4, (uint32_t)(SPOOL_LEN_MIN + recs[i].len));
        h[8] = (unsigned char)recs[i].kind;
        spool_put64(h + 9, (uint64_t)recs[i].time_us);
        unsigned char c[4];
        spool_put32(c, crcs[i]);
        sl_buf_add(&sp->cur.buf, h, sizeof h);
        sl_buf_add(&sp->cur.buf, recs[i].data, recs[i].len);
        sl_buf_add(&sp->cur.buf, c, sizeof c);
    }
    sp->end += total;
    if (ticket)
        *ticket = sp->end;
    if (n > 0 && sp->flusher_idle)
        pthread_cond_signal(&sp->work_cv);
out:
    pthread_mutex_unlock(&sp->mu);
    if (crcs != crcs_small)
        sl_free(crcs);
    return rc;
}

int sl_spool_wait(sl_spool *sp, int64_t ticket, sl_error *err)
{
    pthread_mutex_lock(&sp->mu);
    while (sp->durable < ticket && !sp->broken && !sp->closed)
        pthread_cond_wait(&sp->durable_cv, &sp->mu);
    int rc = 0;
    if (sp->durable < ticket)
        rc = sl_error_set(err, SL_EIO, "%s", sp->broken ? sp->broken_msg : "spool: closed before the records were durable");
    pthread_mutex_unlock(&sp->mu);
    return rc;
}

void sl_spool_on_durable(sl_spool *sp, int64_t ticket, sl_spool_durable_fn fn, void *ctx)
{
    pthread_mutex_lock(&sp->mu);
    if (sp->durable >= ticket || sp->broken || sp->closed) {
        int ok = sp->durable >= ticket;
        pthread_mutex_unlock(&sp->mu);
        fn(ctx, ok);
        return;
    }
    SL_GROW(sp->cbs, sp->capcbs, sp->ncbs + 1);
    sp->cbs[sp->ncbs++] = (durable_cb){ticket, fn, ctx};
    pthread_mutex_unlock(&sp->mu);
}

#define LOCKED_GET(expr)                                                                                               \
    do {                                                                                                               \
        pthread_mutex_lock(&sp->mu);                                                                                   \
        int64_t v_ = (expr);                                                                                           \
        pthread_mutex_unlock(&sp->mu);                                                                                 \
        return v_;                                                                                                     \
    } while (0)

int64_t sl_spool_durable_end(sl_spool *sp) { LOCKED_GET(sp->durable); }
int64_t sl_spool_end(sl_spool *sp) { LOCKED_GET(sp->end); }
int64_t sl_spool_start(sl_spool *sp) { LOCKED_GET(sp->segs[0].base); }
int64_t sl_spool_pending_bytes(sl_spool *sp) { LOCKED_GET(sp->end - low_mark(sp)); }
int64_t sl_spool_groups(sl_spool *sp) { LOCKED_GET(sp->groups); }

void sl_spool_release(sl_spool *sp, const char *consumer, int64_t offset)
{
    pthread_mutex_lock(&sp->mu);
    size_t i = 0;
    while (i < sp->ncons && strcmp(sp->cons[i].name, consumer) != 0)
        i++;
    if (i == sp->ncons) {
        SL_GROW(sp->cons, sp->capcons, sp->ncons + 1);
        sp->cons[sp->ncons++].name = sl_strdup(consumer);
    }
    sp->cons[i].offset = offset;
    size_t n;
    int64_t *gone = retention_take(sp, &n);
    pthread_mutex_unlock(&sp->mu);
    retention_apply(sp, gone, n);
}

void sl_spool_forget(sl_spool *sp, const char *consumer)
{
    pthread_mutex_lock(&sp->mu);
    for (size_t i = 0; i < sp->ncons; i++)
        if (strcmp(sp->cons[i].name, consumer) == 0) {
            sl_free(sp->cons[i].name);
            sp->cons[i] = sp->cons[--sp->ncons];
            break;
        }
    size_t n;
    int64_t *gone = retention_take(sp, &n);
    pthread_mutex_unlock(&sp->mu);
    retention_apply(sp, gone, n);
}
