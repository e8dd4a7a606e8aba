/*
 * segment.h: the Segment-compatible stream source, shared by its two
 * halves: the HTTP side (stream/segment_ingest.c, the `segment`
 * sl_ingest_kind: Segment's HTTP Tracking API into the spool) and the
 * reading side (sources/segment.c: spooled messages -> rows named as
 * Segment's warehouse destinations name their columns).
 *
 * The spooled record of one message is a JSON object whose first member
 * is "messageId" (the dedupe rebuild reads only that member), then
 * "type", the client's members (writeKey dropped), the batch's context and
 * integrations merged in, and sluice's: receivedAt, sentAt,
 * originalTimestamp, timestamp (ISO 8601 UTC, see docs/events/segment.md).
 */
#ifndef SL_STREAM_SEGMENT_H
#define SL_STREAM_SEGMENT_H
#include "config/options.h"
#include "engine/run.h"
#include "sources/stream.h"
#include "stream/ingest.h"

/* The `segment` source's options (its option table is in sources/segment.c). */
typedef struct sl_segment_opts {
    sl_source_common common;  /* first: columns, infer_types, ... */
    sl_stream_opts stream;
    sl_strlist write_key;     /* accepted write keys (secrets) */
    char *path_prefix;        /* "" or "/segment": the API is at <prefix>/v1/... */
    int64_t dedupe_window;    /* seconds; 0: no messageId deduplication */
    int64_t dedupe_max_ids;   /* most ids remembered (the oldest go first) */
    char *properties, *traits;/* "json" | "flatten" */
    char *context;            /* "flatten" | "json" */
} sl_segment_opts;

/* Limits of Segment's Tracking API: a single call, one message inside a
 * batch, and a batch request. */
#define SL_SEGMENT_MAX_CALL ((size_t)32 * 1024)
#define SL_SEGMENT_MAX_BATCH ((size_t)500 * 1024)

extern const sl_ingest_kind sl_ingest_segment;

/* What an endpoint did so far (for /metrics): messages stored (durable),
 * duplicates acknowledged but not stored, requests refused (4xx). state is
 * the kind's state (from its open). */
typedef struct sl_segment_counters {
    int64_t received, duplicates, rejected;
} sl_segment_counters;
void sl_segment_counters_get(void *state, sl_segment_counters *out);

/* Format a UTC time as ISO 8601 with milliseconds and Z
 * (2026-01-02T03:04:05.678Z); out holds at least 32 bytes. Microseconds
 * below the millisecond are kept (…05.678901Z) when there are any. */
size_t sl_segment_time_format(char *out, int64_t us);

#endif
