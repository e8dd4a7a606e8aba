/*
 * spool_int.h: what the spool's writer (spool.c) and readers
 * (spool_read.c) share: the record frame, segment file names, and the
 * in-process registry through which a reader of a spool this process
 * writes learns that the durable end moved.
 *
 * Frame (little-endian), see spool.h:
 *
 *     0  u32 magic "SLSP"
 *     4  u32 len = 1 + 8 + payload bytes
 *     8  u8  kind
 *     9  i64 time_us
 *     17 payload
 *     8+len u32 CRC-32 (zlib) of bytes 8 .. 8+len
 *
 * so a frame is SPOOL_FRAME_OVERHEAD + payload bytes.
 */
#ifndef SL_SPOOL_INT_H
#define SL_SPOOL_INT_H
#include "stream/spool.h"
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#define SPOOL_MAGIC 0x50534C53u /* "SLSP" on disk */
#define SPOOL_HDR 8             /* magic + len */
#define SPOOL_FRAME_OVERHEAD 21 /* magic, len, kind, time_us, crc */
#define SPOOL_LEN_MIN 9u        /* kind + time_us */
#define SPOOL_LEN_MAX ((uint32_t)(SL_SPOOL_MAX_RECORD + 9))
#define SPOOL_NAME_FMT "%s/%020lld.log"

static inline void spool_put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}
static inline void spool_put64(unsigned char *p, uint64_t v)
{
    spool_put32(p, (uint32_t)v);
    spool_put32(p + 4, (uint32_t)(v >> 32));
}
static inline uint32_t spool_get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t spool_get64(const unsigned char *p)
{
    return (uint64_t)spool_get32(p) | (uint64_t)spool_get32(p + 4) << 32;
}

/* Check the frame at p (avail bytes there). Returns its total size when it
 * is whole and valid, 0 when it is cut short by the end of avail (its
 * header is plausible), -1 when its header is bad (magic, length), -2
 * when it is whole but fails its CRC. */
long spool_frame_check(const unsigned char *p, size_t avail);
/* The CRC-32 a frame with this kind, time and payload carries. */
uint32_t spool_frame_crc(int kind, int64_t time_us, const void *data, size_t len);

/* Segment files of dir: their base offsets, ascending (*out: caller frees
 * with sl_free). 0 with *n = 0 when dir does not exist. */
int spool_list_segments(const char *dir, int64_t **out, size_t *n, sl_error *err);

/* The registry: one entry per spool this process has open for writing,
 * keyed by the canonical directory. Refcounted: a reader keeps its entry
 * after the writer closed it (closed = 1), and then looks again. */
typedef struct spool_live {
    pthread_mutex_t mu;
    pthread_cond_t cv;  /* broadcast when durable moves or the spool closes */
    int64_t durable;    /* under mu */
    int closed;         /* under mu */
    int refs;           /* under the registry lock */
    char *key;
    struct spool_live *next;
} spool_live;

/* The canonical form of dir (realpath, or dir itself when it does not
 * exist); caller frees. */
char *spool_canonical(const char *dir);
/* Register a writer's entry (refs = 1 for the writer). */
spool_live *spool_live_add(const char *key, int64_t durable);
/* The open writer's entry for key with a reference taken, or NULL. */
spool_live *spool_live_get(const char *key);
/* Mark closed, unlink from the registry, wake readers, drop the writer's reference. */
void spool_live_close(spool_live *l);
void spool_live_put(spool_live *l);
void spool_live_publish(spool_live *l, int64_t durable);

#endif
