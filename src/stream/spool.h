/*
 * spool.h: the durable log of a stream source (webhook, segment).
 *
 * `sluice serve` appends every accepted event to a spool under
 * .sluice/spool/<pipeline>/ before it answers 2xx, and the pipeline's
 * lanes (sources/stream.h) read it back. The spool is the stream's source
 * of truth: a position in it is what sinks commit with their data, so
 * "exactly once" from an HTTP client to a SQL sink rests on it.
 *
 * Layout: segment files named by their first offset (20 digits,
 * `00000000000000000000.log`), each a sequence of framed records:
 *
 *     u32 magic 'SLSP' | u32 length of what follows up to crc | u8 kind |
 *     i64 time_us | payload bytes | u32 CRC-32 (zlib) of kind..payload
 *
 * little-endian. Offsets are logical byte offsets over the whole log (a
 * segment's base + the position in it): they only grow, also across
 * segments, restarts and deletion of old segments, so a sink's committed
 * offset stays meaningful forever.
 *
 * Durability: appends go into the current group; one flusher thread
 * write()s a group and fdatasync()s it (group commit: a group forms while
 * the previous fsync runs), then publishes the new durable end and wakes
 * waiters. Readers in this process never see past the durable end. On
 * open, the last segment is scanned and a torn tail (a short or
 * CRC-failing frame at the end: a crash mid-write) is truncated; a bad
 * frame before the last valid one is corruption and fails the open.
 *
 * Bounds: appends that would take the spool past max_bytes (bytes on
 * disk not yet released by every consumer) fail with SL_EFULL, which
 * the HTTP layer answers 503 + Retry-After. Segments whose records every
 * registered consumer released, and that are older than retain_s, are
 * deleted; so are released segments that keep the bytes on disk over
 * max_bytes (retain_s never takes more disk than the limit).
 *
 * One writer per spool directory (an flock on `LOCK` in it): a second
 * process's sl_spool_open fails with SL_EBUSY.
 */
#ifndef SL_SPOOL_H
#define SL_SPOOL_H
#include "core/error.h"
#include <stddef.h>
#include <stdint.h>

typedef struct sl_spool sl_spool;

enum {
    SL_SPOOL_EVENT = 1, /* payload: one event, a JSON object (text) */
    SL_SPOOL_TICK = 2,  /* payload empty: the stream's clock at time_us
                         * (appended by the daemon every tick; sources
                         * end a micro-batch at a tick, milestones'
                         * `inactive` rules are evaluated at ticks) */
};

typedef struct sl_spool_opts {
    int64_t max_bytes;     /* 0: 1 GiB */
    int64_t segment_bytes; /* 0: 64 MiB; a segment is closed past this */
    double retain_s;       /* keep released segments this long (0: delete at once) */
    int no_fsync;          /* 1: skip fdatasync (benchmarks of the HTTP layer only; never the default) */
} sl_spool_opts;

/* One record as appended (offset/end ignored) or as read. */
typedef struct sl_spool_rec {
    int kind;              /* SL_SPOOL_EVENT | SL_SPOOL_TICK */
    int64_t time_us;       /* when sluice received it (UTC microseconds) */
    const char *data;      /* payload; owned by the caller (append) or the reader (read:
                            * followed by a NUL byte, so a JSON text is a C string) */
    size_t len;
    int64_t offset, end;   /* read: where it starts and where the next one starts */
} sl_spool_rec;

/* Open (create) the spool in dir for appending: takes the directory's
 * lock, recovers a torn tail, starts the flusher thread. */
int sl_spool_open(const char *dir, const sl_spool_opts *o, sl_spool **out, sl_error *err);
/* Flush and fsync what was appended, stop the flusher, release the lock. */
void sl_spool_close(sl_spool *sp);

/* Append n records as one unit (all or none; they are contiguous and end
 * at *ticket). Thread-safe; does not wait for the disk. Errors: SL_EFULL
 * (over max_bytes: nothing appended), SL_EIO (the writer failed earlier:
 * the spool accepts nothing until reopened). A record's payload is at
 * most SL_SPOOL_MAX_RECORD bytes (SL_EINVAL past it). */
#define SL_SPOOL_MAX_RECORD ((size_t)16 << 20)
int sl_spool_append(sl_spool *sp, const sl_spool_rec *recs, size_t n, int64_t *ticket, sl_error *err);
/* Block until everything up to ticket is on disk (fdatasync returned).
 * -1 with SL_EIO when the write or fsync failed (the records are not
 * durable: the caller answers 5xx). */
int sl_spool_wait(sl_spool *sp, int64_t ticket, sl_error *err);
/* The same without blocking: fn(ctx, ok) is called once, from the flusher
 * thread (or at once from this call when ticket is already durable), ok = 1
 * when durable, 0 when the write failed or the spool closed. For HTTP
 * connections suspended until their events are durable. */
typedef void (*sl_spool_durable_fn)(void *ctx, int ok);
void sl_spool_on_durable(sl_spool *sp, int64_t ticket, sl_spool_durable_fn fn, void *ctx);

/* The durable end (the offset the next record will start at, once all
 * pending groups are flushed: sl_spool_end), and the first offset still on
 * disk. */
int64_t sl_spool_durable_end(sl_spool *sp);
int64_t sl_spool_end(sl_spool *sp);
int64_t sl_spool_start(sl_spool *sp);
/* Bytes on disk not yet released by every consumer (what max_bytes bounds). */
int64_t sl_spool_pending_bytes(sl_spool *sp);
/* How many groups the flusher has written and synced since open (for
 * metrics and benchmarks: appends / groups = records per fsync). */
int64_t sl_spool_groups(sl_spool *sp);

/* Consumers: a lane registers with the offset it resumes at and moves it
 * as its sinks commit. Segments wholly before the lowest consumer (and
 * older than retain_s) are deleted. A spool without consumers keeps
 * everything (bounded by max_bytes). Thread-safe. */
void sl_spool_release(sl_spool *sp, const char *consumer, int64_t offset);
void sl_spool_forget(sl_spool *sp, const char *consumer);

/* Reading, from any thread of any process. A reader of a spool this
 * process writes (same dir) sees only durable records and can wait for
 * new ones; in another process it reads up to the last whole valid frame. */
typedef struct sl_spool_reader sl_spool_reader;
/* from: an offset a record starts at (a committed position), or the
 * spool's start when from is before it (with *skipped set to how many
 * bytes were gone; NULL allowed). */
int sl_spool_reader_open(const char *dir, int64_t from, sl_spool_reader **out, int64_t *skipped, sl_error *err);
/* The next record: 1 = got one (rec's data valid until the next call),
 * 0 = none yet after waiting up to timeout_s (0: do not wait; waiting only
 * works for a spool this process writes, elsewhere it sleeps and polls),
 * -1 = error (a corrupt frame before the end: SL_EDATA). */
int sl_spool_read(sl_spool_reader *r, sl_spool_rec *rec, double timeout_s, sl_error *err);
/* Where the next read starts. */
int64_t sl_spool_reader_offset(const sl_spool_reader *r);
void sl_spool_reader_close(sl_spool_reader *r);

#endif
