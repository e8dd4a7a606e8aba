/*
 * spool_read.c: reading a spool (stream/spool.h) back, record by record,
 * from any thread of any process; plus what writer and readers share
 * (frame checks, the segment listing, the in-process registry).
 *
 * A reader holds one segment file open and a buffer (filled by read() in
 * 256 KiB chunks, grown for a large record). It follows into the next
 * segment when it has consumed its segment up to exactly the next one's
 * base (a segment is complete and synced before the writer creates the
 * next one). A reader of a spool this process writes never reads past
 * the durable end and waits on the registry entry's condition variable;
 * elsewhere it reads up to the last whole valid frame and polls every
 * 20 ms. A frame cut at the end of the last segment is a record not yet
 * written, not an error.
 */
#include "stream/spool_int.h"
#include "core/mem.h"
#include "core/util.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define READ_CHUNK ((size_t)256 << 10)
#define READ_FIRST ((size_t)16 << 10) /* a reader's first buffer; it grows to READ_CHUNK */
#define POLL_S 0.020

/* ---- frames */

uint32_t spool_frame_crc(int kind, int64_t time_us, const void *data, size_t len)
{
    unsigned char h[9];
    h[0] = (unsigned char)kind;
    spool_put64(h + 1, (uint64_t)time_us);
    uLong c = crc32(0L, h, 9);
    const unsigned char *d = data;
    while (len > 0) { /* zlib takes uInt lengths */
        uInt k = len > (1u << 30) ? (1u << 30) : (uInt)len;
        c = crc32(c, d, k);
        d += k;
        len -= k;
    }
    return (uint32_t)c;
}

long spool_frame_check(const unsigned char *p, size_t avail)
{
    if (avail >= 4 && spool_get32(p) != SPOOL_MAGIC)
        return -1;
    if (avail < SPOOL_HDR) {
        /* a prefix of the magic is a plausible start of a frame */
        static const unsigned char m[4] = {'S', 'L', 'S', 'P'};
        return memcmp(p, m, avail < 4 ? avail : 4) == 0 ? 0 : -1;
    }
    uint32_t len = spool_get32(p + 4);
    if (len < SPOOL_LEN_MIN || len > SPOOL_LEN_MAX)
        return -1;
    size_t size = (size_t)SPOOL_HDR + len + 4;
    if (avail < size)
        return 0;
    uint32_t want = spool_get32(p + SPOOL_HDR + len);
    if ((uint32_t)crc32(0L, p + SPOOL_HDR, len) != want)
        return -2;
    return (long)size;
}

/* ---- the segment listing */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int spool_list_segments(const char *dir, int64_t **out, size_t *n, sl_error *err)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT)
            return 0;
        return sl_error_set(err, SL_EIO, "spool %s: cannot list: %s", dir, strerror(errno));
    }
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *s = e->d_name;
        if (strlen(s) != 24 || strcmp(s + 20, ".log") != 0)
            continue;
        int ok = 1;
        for (int i = 0; i < 20; i++)
            if (s[i] < '0' || s[i] > '9')
                ok = 0;
        if (!ok)
            continue;
        errno = 0;
        long long v = strtoll(s, NULL, 10);
        if (errno) /* past INT64_MAX: not ours */
            continue;
        SL_GROW(*out, cap, *n + 1);
        (*out)[(*n)++] = (int64_t)v;
    }
    closedir(d);
    if (*n > 1)
        qsort(*out, *n, sizeof **out, cmp_i64);
    return 0;
}

/* ---- the registry */

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static spool_live *reg_head;

char *spool_canonical(const char *dir)
{
    char buf[PATH_MAX];
    if (realpath(dir, buf))
        return sl_strdup(buf);
    return sl_strdup(dir);
}

spool_live *spool_live_add(const char *key, int64_t durable)
{
    spool_live *l = sl_calloc(1, sizeof *l);
    pthread_mutex_init(&l->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&l->cv, &ca);
    pthread_condattr_destroy(&ca);
    l->durable = durable;
    l->refs = 1;
    l->key = sl_strdup(key);
    pthread_mutex_lock(&reg_mu);
    l->next = reg_head;
    reg_head = l;
    pthread_mutex_unlock(&reg_mu);
    return l;
}

spool_live *spool_live_get(const char *key)
{
    pthread_mutex_lock(&reg_mu);
    spool_live *l = reg_head;
    while (l && strcmp(l->key, key) != 0)
        l = l->next;
    if (l)
        l->refs++;
    pthread_mutex_unlock(&reg_mu);
    return l;
}

void spool_live_put(spool_live *l)
{
    if (!l)
        return;
    pthread_mutex_lock(&reg_mu);
    int last = --l->refs == 0;
    pthread_mutex_unlock(&reg_mu);
    if (!last)
        return;
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->cv);
    sl_free(l->key);
    sl_free(l);
}

void spool_live_close(spool_live *l)
{
    pthread_mutex_lock(&reg_mu);
    for (spool_live **pp = &reg_head; *pp; pp = &(*pp)->next)
        if (*pp == l) {
            *pp = l->next;
            break;
        }
    pthread_mutex_unlock(&reg_mu);
    pthread_mutex_lock(&l->mu);
    l->closed = 1;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
    spool_live_put(l);
}

void spool_live_publish(spool_live *l, int64_t durable)
{
    pthread_mutex_lock(&l->mu);
    l->durable = durable;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

/* ---- readers */

struct sl_spool_reader {
    char *dir, *key;
    spool_live *live;   /* the writer in this process, or NULL */
    int fd;             /* current segment, -1 before the first exists */
    int64_t seg_base;
    char path[4200];    /* of the current segment, for messages */
    unsigned char *buf; /* buf[off..len) are the bytes at pos */
    size_t cap, off, len;
    int grow; /* the last read filled the buffer */
    int64_t pos;
};

/* Open the segment starting at base (positioned at pos, a record start in
 * it). 1 = no such file. */
static int rd_open_seg(sl_spool_reader *r, int64_t base, int64_t pos, sl_error *err)
{
    char path[sizeof r->path];
    snprintf(path, sizeof path, SPOOL_NAME_FMT, r->dir, (long long)base);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 1;
        return sl_error_set(err, SL_EIO, "spool %s: cannot open: %s", path, strerror(errno));
    }
    if (pos > base && lseek(fd, (off_t)(pos - base), SEEK_SET) < 0) {
        int e = errno;
        close(fd);
        return sl_error_set(err, SL_EIO, "spool %s: cannot seek: %s", path, strerror(e));
    }
    if (r->fd >= 0)
        close(r->fd);
    r->fd = fd;
    r->seg_base = base;
    r->pos = pos;
    r->off = r->len = 0;
    memcpy(r->path, path, sizeof path);
    return 0;
}

/* Make at least need bytes available at buf+off. 0 = there, 1 = the file
 * ends before, -1 = error. */
static int rd_fill(sl_spool_reader *r, size_t need, sl_error *err)
{
    if (r->len - r->off >= need)
        return 0;
    /* the unread rest is less than need (a part of one frame): move it to
     * the front; grow the buffer for a large frame, or toward READ_CHUNK
     * while it fills (a small spool keeps a small buffer) */
    if (r->off > 0) {
        memmove(r->buf, r->buf + r->off, r->len - r->off);
        r->len -= r->off;
        r->off = 0;
    }
    size_t cap = r->cap;
    if (need > cap)
        cap = need;
    else if (r->grow && cap < READ_CHUNK)
        cap *= 2;
    r->grow = 0;
    if (cap != r->cap) {
        r->cap = cap;
        r->buf = sl_realloc(r->buf, r->cap);
    }
    while (r->len - r->off < need) {
        size_t room = r->cap - r->len;
        ssize_t k = read(r->fd, r->buf + r->len, room > READ_CHUNK ? READ_CHUNK : room);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return sl_error_set(err, SL_EIO, "spool %s: read: %s", r->path, strerror(errno));
        }
        if (k == 0)
            return 1;
        if ((size_t)k == room)
            r->grow = 1; /* more to read than room: a larger buffer next time */
        r->len += (size_t)k;
    }
    return 0;
}

static int64_t rd_limit(sl_spool_reader *r)
{
    if (r->live) {
        pthread_mutex_lock(&r->live->mu);
        int closed = r->live->closed;
        int64_t d = r->live->durable;
        pthread_mutex_unlock(&r->live->mu);
        if (!closed)
            return d;
        spool_live_put(r->live);
        r->live = NULL;
    }
    r->live = spool_live_get(r->key);
    return r->live ? rd_limit(r) : INT64_MAX;
}

static int rd_corrupt(sl_spool_reader *r, const char *why, sl_error *err)
{
    return sl_error_set(err, SL_EDATA, "spool %s: %s at offset %lld (file offset %lld): the spool is corrupt",
                        r->path, why, (long long)r->pos, (long long)(r->pos - r->seg_base));
}

/* One attempt: 1 = a record, 0 = none yet, -1 = error. */
static int rd_try(sl_spool_reader *r, sl_spool_rec *rec, int64_t limit, sl_error *err)
{
    for (;;) {
        if (r->pos >= limit)
            return 0;
        if (r->fd < 0) {
            int rc = rd_open_seg(r, r->pos, r->pos, err);
            if (rc != 0)
                return rc < 0 ? -1 : 0;
        }
        int rc = rd_fill(r, SPOOL_HDR, err);
        if (rc < 0)
            return -1;
        size_t avail = r->len - r->off;
        if (rc == 1 && avail == 0) {
            /* the end of this segment: the next one starts exactly here */
            if (r->pos == r->seg_base)
                return 0;
            rc = rd_open_seg(r, r->pos, r->pos, err);
            if (rc < 0)
                return -1;
            if (rc == 1) {
                /* no next segment: caught up, unless retention deleted
                 * this one and the next while we were behind */
                struct stat st;
                if (stat(r->path, &st) < 0 && errno == ENOENT)
                    return sl_error_set(err, SL_EDATA,
                                        "spool %s: the records from offset %lld were deleted (retention) while this "
                                        "reader was behind; reopen it (it starts at the spool's start)",
                                        r->dir, (long long)r->pos);
                return 0;
            }
            continue;
        }
        long size = spool_frame_check(r->buf + r->off, avail);
        if (size == -1)
            return rd_corrupt(r, "a bad record frame", err);
        if (size == 0) {
            if (rc == 1)
                return 0; /* a header being written */
            size = (long)(SPOOL_HDR + spool_get32(r->buf + r->off + 4) + 4);
            if (r->pos + size > limit)
                return 0;
            rc = rd_fill(r, (size_t)size, err);
            if (rc < 0)
                return -1;
            if (rc == 1)
                return 0; /* cut by the end of the file: not written yet */
            size = spool_frame_check(r->buf + r->off, (size_t)size);
        }
        if (size == -2) {
            /* out of process: a torn last frame of a writer that crashed
             * (its next open truncates it) is not there yet */
            struct stat st;
            int64_t fsize = SPOOL_HDR + (int64_t)spool_get32(r->buf + r->off + 4) + 4;
            if (limit == INT64_MAX && fstat(r->fd, &st) == 0 && st.st_size == r->pos - r->seg_base + fsize)
                return 0;
            return rd_corrupt(r, "a record failing its CRC", err);
        }
        if (r->pos + size > limit)
            return 0;
        unsigned char *p = r->buf + r->off;
        rec->kind = p[8];
        rec->time_us = (int64_t)spool_get64(p + 9);
        rec->data = (const char *)p + 17;
        rec->len = (size_t)size - SPOOL_FRAME_OVERHEAD;
        p[size - 4] = '\0'; /* over the consumed CRC: a NUL-terminated payload */
        rec->offset = r->pos;
        rec->end = r->pos + size;
        r->off += (size_t)size;
        r->pos += size;
        return 1;
    }
}

int sl_spool_reader_open(const char *dir, int64_t from, sl_spool_reader **out, int64_t *skipped, sl_error *err)
{
    *out = NULL;
    if (skipped)
        *skipped = 0;
    int64_t *bases;
    size_t n;
    if (spool_list_segments(dir, &bases, &n, err) < 0)
        return -1;
    if (n == 0 && from > 0)
        return sl_error_set(err, SL_EDATA, "spool %s: offset %lld is past its end (it has no segment files)", dir,
                            (long long)from);
    sl_spool_reader *r = sl_calloc(1, sizeof *r);
    r->dir = sl_strdup(dir);
    r->key = spool_canonical(dir);
    r->fd = -1;
    r->cap = READ_FIRST;
    r->buf = sl_malloc(r->cap);
    r->live = spool_live_get(r->key);
    if (from < 0)
        from = 0;
    if (n == 0)
        goto done;
    if (from < bases[0]) {
        if (skipped)
            *skipped = bases[0] - from;
        from = bases[0];
    }
    size_t i = n - 1;
    while (bases[i] > from)
        i--;
    if (rd_open_seg(r, bases[i], bases[i], err) != 0) {
        if (err && err->code == SL_OK)
            sl_error_set(err, SL_EIO, "spool %s: segment %lld vanished", dir, (long long)bases[i]);
        goto fail;
    }
    /* walk the frames up to from: it must be a record start */
    while (r->pos < from) {
        int rc = rd_fill(r, SPOOL_HDR, err);
        if (rc < 0)
            goto fail;
        if (rc == 1) {
            sl_error_set(err, SL_EDATA, "spool %s: offset %lld is past its end (%lld)", dir, (long long)from,
                         (long long)r->pos);
            goto fail;
        }
        if (spool_frame_check(r->buf + r->off, SPOOL_HDR) < 0) {
            rd_corrupt(r, "a bad record frame", err);
            goto fail;
        }
        int64_t size = SPOOL_HDR + (int64_t)spool_get32(r->buf + r->off + 4) + 4;
        if (r->pos + size > from) {
            sl_error_set(err, SL_EDATA, "spool %s: offset %lld is not the start of a record (one starts at %lld)",
                         r->path, (long long)from, (long long)r->pos);
            goto fail;
        }
        if ((size_t)size <= r->len - r->off) {
            r->off += (size_t)size;
            r->pos += size;
        } else if (rd_open_seg(r, r->seg_base, r->pos + size, err) < 0) {
            goto fail;
        }
    }
done:
    sl_free(bases);
    *out = r;
    return 0;
fail:
    sl_free(bases);
    sl_spool_reader_close(r);
    return -1;
}

int sl_spool_read(sl_spool_reader *r, sl_spool_rec *rec, double timeout_s, sl_error *err)
{
    double deadline = sl_mono_s() + (timeout_s > 0 ? timeout_s : 0);
    for (;;) {
        int64_t limit = rd_limit(r);
        int rc = rd_try(r, rec, limit, err);
        if (rc != 0)
            return rc;
        double left = deadline - sl_mono_s();
        if (left <= 0)
            return 0;
        if (r->live && limit <= r->pos) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            double t = (double)ts.tv_sec + ts.tv_nsec / 1e9 + left;
            ts.tv_sec = (time_t)t;
            ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
            pthread_mutex_lock(&r->live->mu);
            while (r->live->durable <= r->pos && !r->live->closed)
                if (pthread_cond_timedwait(&r->live->cv, &r->live->mu, &ts) == ETIMEDOUT)
                    break;
            pthread_mutex_unlock(&r->live->mu);
        } else {
            double s = left < POLL_S ? left : POLL_S;
            struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
            nanosleep(&ts, NULL);
        }
    }
}

int64_t sl_spool_reader_offset(const sl_spool_reader *r)
{
    return r->pos;
}

void sl_spool_reader_close(sl_spool_reader *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    spool_live_put(r->live);
    sl_free(r->buf);
    sl_free(r->dir);
    sl_free(r->key);
    sl_free(r);
}
