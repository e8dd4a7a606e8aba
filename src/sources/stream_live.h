/*
 * stream_live.h: what the stream sources of this process are doing now,
 * by recorded pipeline name (a lane's `<pipeline>@<lane>`), for the
 * stream runner (sched/stream.c: /api/v1/pipelines, /metrics, spool
 * release, lag alerts). Entries live as long as the process; a lane's
 * entry is updated by each of its runs (sources/stream.c).
 */
#ifndef SL_STREAM_LIVE_H
#define SL_STREAM_LIVE_H
#include <stdint.h>

typedef struct sl_stream_live {
    int open;              /* a run of it is reading now */
    int64_t read, loaded, filtered, rejected; /* the open run's live counters (0 when none) */
    int64_t start;         /* where its last run started reading: every sink of it committed all before */
    int64_t consumed;      /* end of the last micro-batch handed out */
    int64_t events_read;   /* events read by its runs in this process */
    double lag_s;          /* 0 when caught up, else now - receipt time of the last event read */
    int64_t first_us;      /* receipt time of the first event its last run read that read any (0: none):
                            * when that run failed, the oldest event not known to be committed */
} sl_stream_live;

/* 1 with out filled when a run of `name` has read in this process, else 0. */
int sl_stream_live_get(const char *name, sl_stream_live *out);

#endif
