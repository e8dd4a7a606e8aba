/* fuzz_spool.c: any bytes as the segment file of a spool (stream/spool.h):
 * the open (recovery: a torn tail truncated, corruption refused) and the
 * readers must never crash or read out of bounds. When the open succeeds,
 * every record up to the end reads back without error, an append reads
 * back after them, and a reader in "another process" (the writer closed)
 * sees the same records. Seeds: gen_spool_seeds.py. */
#include "core/log.h"
#include "stream/spool.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64], seg[128], lock[128];

/* Read everything from 0 without waiting: the count, -1 on an error. */
static long read_all(int64_t *end, sl_spool_rec *last)
{
    sl_spool_reader *r;
    sl_error err = {0};
    if (sl_spool_reader_open(dir, 0, &r, NULL, &err) != 0)
        return -1;
    sl_spool_rec rec;
    long n = 0;
    int rc;
    while ((rc = sl_spool_read(r, &rec, 0, &err)) == 1) {
        if (rec.end != rec.offset + 21 + (int64_t)rec.len || rec.data[rec.len] != '\0')
            abort();
        if (last && rec.len == 5 && memcmp(rec.data, "{\"z\"}", 5) == 0)
            *last = rec;
        n++;
    }
    *end = sl_spool_reader_offset(r);
    sl_spool_reader_close(r);
    return rc < 0 ? -1 : n;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/sluice-fuzz-spool-%d", (int)getpid());
        snprintf(seg, sizeof seg, "%s/00000000000000000000.log", dir);
        snprintf(lock, sizeof lock, "%s/LOCK", dir);
        sl_log_set_level(SL_LOG_ERROR);
        mkdir(dir, 0700);
    }
    int fd = open(seg, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size)
        abort();
    close(fd);

    /* a reader of the raw file (no writer: "another process") */
    int64_t end;
    long raw = read_all(&end, NULL);

    sl_spool *sp;
    sl_error err = {0};
    sl_spool_opts o = {.no_fsync = 1};
    if (sl_spool_open(dir, &o, &sp, &err) != 0) {
        if (err.code != SL_EDATA)
            abort(); /* a bad file is bad data, never anything else */
    } else {
        /* recovered: everything reads, then an append reads back at the end */
        int64_t e0 = sl_spool_end(sp);
        long n = read_all(&end, NULL);
        if (n < 0 || end != e0 || (raw >= 0 && n < raw))
            abort();
        sl_spool_rec rec = {.kind = SL_SPOOL_EVENT, .time_us = 7, .data = "{\"z\"}", .len = 5};
        int64_t ticket;
        if (sl_spool_append(sp, &rec, 1, &ticket, &err) != 0 || sl_spool_wait(sp, ticket, &err) != 0)
            abort();
        sl_spool_rec got = {0};
        if (read_all(&end, &got) != n + 1 || end != ticket || got.offset != e0 || got.time_us != 7)
            abort();
        sl_spool_close(sp);
        if (read_all(&end, NULL) != n + 1 || end != ticket)
            abort();
    }
    unlink(seg);
    unlink(lock);
    return 0;
}
