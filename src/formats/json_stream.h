/*
 * json_stream.h: the records array of a JSON document, found as the
 * document's bytes arrive, one record at a time (the http source's answers,
 * which may be far larger than one batch).
 *
 * A push scanner: feed it the document in pieces of any size; it follows
 * the structure (strings, nesting, members) just enough to find the array at
 * a dot path ("" = the document is the array, "data.items") and to cut that
 * array's elements out. Each element is handed to a callback as its exact
 * text, whole, however the pieces fell; memory is one element, never the
 * document. Outside the array it keeps the "skeleton": the document with the
 * array's elements left out (`{"data":[],"next":"abc"}`), small, in which
 * the pagination's values are read, and which sl_json_records_finish()
 * validates with the full JSON reader (elements are validated by whoever
 * reads them). Like sl_json_path_at(), the first member of a name counts.
 *
 * An element larger than `max_record` (SL_RECORD_MAX of formats/input.h,
 * the file readers' cap) stops the scan: a record that large is a runaway, not data.
 *
 * Two ways to start: sl_json_records_init() at the start of a document, or
 * sl_json_records_init_array() just after the array's `[` (found by an
 * earlier scan: array_at), which reads elements only.
 */
#ifndef SL_JSON_STREAM_H
#define SL_JSON_STREAM_H
#include "core/util.h"
#include "formats/input.h"
#include "formats/json.h"
#include <stddef.h>
#include <stdint.h>

typedef enum sl_json_found {
    SL_JSON_FOUND_NONE,  /* nothing at the path (yet) */
    SL_JSON_FOUND_ARRAY, /* an array: the records */
    SL_JSON_FOUND_NULL,  /* null: no records */
    SL_JSON_FOUND_OTHER, /* something else */
} sl_json_found;

/* One element, its exact text (p, n, not NUL-terminated, valid during the
 * call); index counts from 0. Return 0 to go on, 1 to stop after this
 * element (the feed returns early), -1 to fail (set why). */
typedef int (*sl_json_record_fn)(void *ud, const char *p, size_t n, int64_t index, char *why, size_t cap);

typedef struct sl_json_records {
    /* results */
    sl_json_found found;
    uint64_t array_at;      /* offset just after the array's '[' */
    int64_t count;          /* elements handed out */
    uint64_t hash;          /* XXH3-64 of the array's text, '[' to ']' (after the array closed) */
    int closed;             /* the array's ']' was seen */
    sl_buf skeleton;        /* the document without the elements (sl_json_records_init only) */
    char why[240];          /* the error, when a call returned -1 */
    int oversized;          /* ... and it was a record over max_record */
    /* private */
    sl_json_record_fn fn;
    void *ud;
    size_t max_record;
    char **seg;
    size_t nseg;
    int mode, st, esc, key, expect_key, edepth, elem_kind, depth;
    uint64_t off;
    unsigned char *stack;   /* 'o' or 'a' per open container (SL_JSON_MAX_DEPTH) */
    unsigned char *keyok;   /* per level: the member's name is the path's segment */
    sl_buf keybuf, elem;
    void *xh;               /* XXH3 state */
} sl_json_records;

/* Start at a document's first byte; path as sl_json_path_at (NULL = ""). */
void sl_json_records_init(sl_json_records *r, const char *path, size_t max_record, sl_json_record_fn fn, void *ud);
/* Start just after the records array's '[' (elements only, no skeleton). */
void sl_json_records_init_array(sl_json_records *r, size_t max_record, sl_json_record_fn fn, void *ud);
void sl_json_records_release(sl_json_records *r);
/* Feed the next n bytes. Returns the bytes consumed: n, or fewer when the
 * callback asked to stop (feed the rest later); -1 on an error (r->why). */
ptrdiff_t sl_json_records_feed(sl_json_records *r, const char *p, size_t n);
/* The document ended: 0 when it was whole (the skeleton valid JSON, the
 * array closed), -1 with r->why (cut short, not JSON). */
int sl_json_records_finish(sl_json_records *r);

#endif
