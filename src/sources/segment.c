/*
 * segment.c: the `segment` source: a Segment-compatible collection
 * endpoint under `sluice serve` (stream/segment_ingest.c takes the HTTP
 * Tracking API into the pipeline's spool) and the reading side: each
 * spooled message becomes one row whose columns are named as Segment's
 * warehouse destinations name them (docs/events/segment.md):
 *
 *   id (messageId), type, anonymous_id, user_id, event (the event name in
 *   snake_case, as Segment names per-event tables), event_text (the name as
 *   sent), name (page, screen), group_id, previous_id (alias), timestamp,
 *   original_timestamp, sent_at, received_at, uuid_ts (when this run read
 *   the message from the spool: Segment's load time), context_* (context
 *   flattened; `context: json` keeps one json column), properties and
 *   traits (json columns; `flatten` makes properties_* / traits_*).
 *
 * The fixed columns are declared (as if in `columns:`), so the typing
 * stage never takes a type from a first batch where one is all null.
 */
#include "core/mem.h"
#include "core/names.h"
#include "core/types.h"
#include "formats/json.h"
#include "stream/segment.h"
#include <string.h>

#define O(f) offsetof(sl_segment_opts, f)

static const sl_option segment_options[] = {
    {"write_key", SL_OPT_LIST, NULL, SL_OPT_REQUIRED | SL_OPT_SECRET, O(write_key), NULL,
     "the write key(s) clients send (Basic auth user, or writeKey in the body), e.g. ${SEGMENT_WRITE_KEY}; a "
     "list accepts several (rotation)"},
    {"path_prefix", SL_OPT_STRING, "", 0, O(path_prefix), NULL,
     "where the API is served: <path_prefix>/v1/track ... (\"\" or e.g. /segment)"},
    {"dedupe_window", SL_OPT_DURATION, "24h", 0, O(dedupe_window), NULL,
     "messages whose messageId was received within this window are acknowledged but not stored again (0: off)"},
    {"dedupe_max_ids", SL_OPT_INT, "10000000", 0, O(dedupe_max_ids), NULL,
     "most messageIds remembered for dedupe_window (about 48 bytes each); past it the oldest are forgotten"},
    {"properties", SL_OPT_ENUM, "json", 0, O(properties), "json|flatten",
     "track/page/screen properties: one json column `properties`, or flattened into properties_* columns"},
    {"traits", SL_OPT_ENUM, "json", 0, O(traits), "json|flatten",
     "identify/group traits: one json column `traits`, or flattened into traits_* columns"},
    {"context", SL_OPT_ENUM, "flatten", 0, O(context), "flatten|json",
     "context flattened into context_* columns as Segment's warehouses do (context_ip, context_library_name), "
     "or one json column `context`"},
    {"columns", SL_OPT_MAP, NULL, 0, O(common.columns), NULL,
     "declared column types (name: int|float|decimal|bool|text|date|timestamp|json); the Segment columns are "
     "declared already"},
    {"infer_types", SL_OPT_BOOL, "true", 0, O(common.infer_types), NULL,
     "infer the types of flattened columns from the first batch; false keeps them as text"},
    SL_MAX_COLUMNS_OPTION(sl_segment_opts, common.max_columns),
    SL_STREAM_OPTIONS(sl_segment_opts, stream),
    SL_OPT_END,
};

/* The fixed columns, their message member and declared type. */
static const struct {
    const char *member, *column, *type;
} fixed[] = {
    {"messageId", "id", "text"},
    {"type", "type", "text"},
    {"anonymousId", "anonymous_id", "text"},
    {"userId", "user_id", "text"},
    {"event", "event", "text"},
    {NULL, "event_text", "text"},
    {"name", "name", "text"},
    {"groupId", "group_id", "text"},
    {"previousId", "previous_id", "text"},
    {"timestamp", "timestamp", "timestamp"},
    {"originalTimestamp", "original_timestamp", "timestamp"},
    {"sentAt", "sent_at", "timestamp"},
    {"receivedAt", "received_at", "timestamp"},
    {NULL, "uuid_ts", "timestamp"},
};
#define NFIXED (sizeof fixed / sizeof fixed[0])
enum { COL_EVENT = 4, COL_EVENT_TEXT = 5, COL_UUID_TS = 13 };

typedef struct seg_src {
    sl_stream_source ss; /* first: the stream driver casts in->state to it */
    sl_segment_opts *o;
    sl_names names;      /* member path -> column name */
    size_t max_columns;
    int flat_context, flat_properties, flat_traits;
    sl_buf val, key, path, colname;
    char uuid_ts[40];
} seg_src;

static int seg_check(sl_instance *in, sl_diags *d)
{
    sl_segment_opts *o = in->opts;
    size_t before = d->n;
    sl_stream_check(in, &o->stream, d);
    for (size_t i = 0; i < o->write_key.n; i++)
        if (!o->write_key.v[i][0])
            sl_diags_add(d, o->write_key.loc, "write_key %zu is empty (an unset environment variable?)", i + 1);
    if (o->path_prefix && o->path_prefix[0] && o->path_prefix[0] != '/')
        sl_diags_add(d, sl_options_loc(segment_options, o, "path_prefix"),
                     "path_prefix must start with '/' (e.g. /segment), not '%s'", o->path_prefix);
    if (o->dedupe_max_ids < 1)
        sl_diags_add(d, sl_options_loc(segment_options, o, "dedupe_max_ids"), "dedupe_max_ids must be at least 1");
    if (o->common.max_columns < 1 || o->common.max_columns > 100000)
        sl_diags_add(d, sl_options_loc(segment_options, o, "max_columns"), "max_columns must be between 1 and 100000");
    for (size_t i = 0; i < o->common.columns.n; i++) {
        sl_type t;
        const sl_kv *kv = &o->common.columns.v[i];
        if (sl_type_parse(kv->value, &t) < 0)
            sl_diags_add(d, kv->loc, "column '%s': unknown type '%s' (int, float, decimal, bool, text, date, "
                                     "timestamp, json)", kv->key, kv->value);
    }
    return (int)(d->n - before);
}

/* Declare a column's type unless `columns:` does (the run's typing reads them). */
static void declare(sl_segment_opts *o, const char *name, const char *type)
{
    for (size_t i = 0; i < o->common.columns.n; i++)
        if (strcmp(o->common.columns.v[i].key, name) == 0)
            return;
    o->common.columns.v = sl_realloc(o->common.columns.v, (o->common.columns.n + 1) * sizeof(sl_kv));
    o->common.columns.v[o->common.columns.n++] = (sl_kv){sl_strdup(name), sl_strdup(type), (sl_loc){0}};
}

/* The batch column for names entry k (created raw on first sight). */
static size_t column(seg_src *st, sl_batch *b, size_t k)
{
    const sl_name_entry *e = &st->names.v[k];
    int at = sl_batch_find(b, e->name);
    if (at >= 0)
        return (size_t)at;
    size_t i = sl_batch_add_column(b, e->name, e->namelen, SL_T_TEXT, 1);
    if (!b->cols[i].kind) /* a slot of a cleared batch keeps its kind array */
        b->cols[i].kind = sl_calloc(b->cols[i].cap ? b->cols[i].cap : 1, 1);
    return i;
}

/* The column of a member path (id) named name; SIZE_MAX past max_columns. */
static size_t column_named(seg_src *st, sl_batch *b, const char *id, size_t idlen, const char *name, size_t n)
{
    if (sl_names_find(&st->names, id, idlen) < 0 && st->names.n >= st->max_columns)
        return SIZE_MAX;
    return column(st, b, sl_names_get(&st->names, id, idlen, name, n));
}

/* Store the value at j's cursor into (col, row) with its JSON kind. */
static int put_value(seg_src *st, sl_json *j, sl_batch *b, size_t col, size_t row)
{
    sl_json_kind k = sl_json_peek(j);
    const char *v = j->p;
    switch (k) {
    case SL_JSON_NULL:
        return sl_json_skip(j);
    case SL_JSON_STRING:
        sl_buf_reset(&st->val);
        if (sl_json_string(j, &st->val) < 0)
            return -1;
        sl_batch_set_text(b, col, row, st->val.data ? st->val.data : "", st->val.len);
        b->cols[col].kind[row] = SL_KIND_STRING;
        return 0;
    default:
        if (sl_json_skip(j) < 0)
            return -1;
        sl_batch_set_text(b, col, row, v, (size_t)(j->p - v));
        b->cols[col].kind[row] = k == SL_JSON_NUMBER ? SL_KIND_NUMBER
                                 : (k == SL_JSON_TRUE || k == SL_JSON_FALSE) ? SL_KIND_BOOL
                                                                              : SL_KIND_JSON;
        return 0;
    }
}

/* Flatten the object at j's cursor under prefix (st->colname holds it, the
 * member path st->path): nested objects recurse, everything else is one
 * column. -1: bad JSON; -2: past max_columns. */
static int flatten(seg_src *st, sl_json *j, sl_batch *b, size_t row, int depth)
{
    if (sl_json_object_begin(j) < 0)
        return -1;
    size_t plen = st->path.len, clen = st->colname.len;
    int first = 1, rc;
    while ((rc = sl_json_member(j, &first, &st->key)) == 1) {
        st->path.len = plen;
        st->colname.len = clen;
        sl_buf_addc(&st->path, '\x1f');
        sl_buf_add(&st->path, st->key.data ? st->key.data : "", st->key.len);
        sl_buf_addc(&st->colname, '_');
        sl_buf_add(&st->colname, st->key.data ? st->key.data : "", st->key.len);
        if (sl_json_peek(j) == SL_JSON_OBJECT && depth < 10) {
            int r = flatten(st, j, b, row, depth + 1);
            if (r < 0)
                return r;
            continue;
        }
        size_t col = column_named(st, b, st->path.data, st->path.len, st->colname.data, st->colname.len);
        if (col == SIZE_MAX)
            return -2;
        if (put_value(st, j, b, col, row) < 0)
            return -1;
    }
    st->path.len = plen;
    st->colname.len = clen;
    return rc < 0 ? -1 : 0;
}

/* One spooled message -> one row (see the file's comment). */
static int seg_row(void *ctx, const sl_spool_rec *rec, int64_t line, sl_batch *b, sl_error *err)
{
    (void)err;
    seg_src *st = ctx;
    if (rec->kind != SL_SPOOL_EVENT)
        return 0;
    size_t row = sl_batch_add_row(b, rec->offset, line), ncols = b->ncols;
    if (b->nrows == 1) /* uuid_ts: when the batch was read, as Segment's load time */
        sl_segment_time_format(st->uuid_ts, sl_now_us());
    sl_json j;
    sl_json_init(&j, rec->data, rec->len);
    int first = 1, rc = 0;
    char why[300] = "";
    if (sl_json_object_begin(&j) < 0) {
        rc = -1;
        goto end;
    }
    while ((rc = sl_json_member(&j, &first, &st->key)) == 1) {
        const char *k = st->key.data ? st->key.data : "";
        size_t f = 0;
        while (f < NFIXED && !(fixed[f].member && strcmp(fixed[f].member, k) == 0))
            f++;
        if (f < NFIXED) {
            size_t col = column(st, b, f);
            if (put_value(st, &j, b, col, row) < 0) {
                rc = -1;
                break;
            }
            if (f == COL_EVENT && b->cols[col].valid[row]) { /* event_text as sent, event in snake_case */
                sl_str s = b->cols[col].str[row];
                size_t tcol = column(st, b, COL_EVENT_TEXT);
                sl_batch_set_text(b, tcol, row, s.p, s.n);
                b->cols[tcol].kind[row] = SL_KIND_STRING;
                char *snake = sl_names_snake_case(s.p, s.n);
                sl_batch_set_text(b, col, row, snake, strlen(snake));
                sl_free(snake);
            }
            continue;
        }
        int is_ctx = strcmp(k, "context") == 0, is_props = strcmp(k, "properties") == 0,
            is_traits = strcmp(k, "traits") == 0;
        if (!is_ctx && !is_props && !is_traits) {
            if (sl_json_skip(&j) < 0) { /* integrations, library internals: not columns in Segment's warehouse */
                rc = -1;
                break;
            }
            continue;
        }
        int flat = is_ctx ? st->flat_context : is_props ? st->flat_properties : st->flat_traits;
        if (flat && sl_json_peek(&j) == SL_JSON_OBJECT) {
            sl_buf_reset(&st->path);
            sl_buf_add(&st->path, k, strlen(k));
            sl_buf_reset(&st->colname);
            sl_buf_adds(&st->colname, k);
            int r = flatten(st, &j, b, row, 1);
            if (r == -2) {
                snprintf(why, sizeof why, "more than max_columns (%zu) columns: %s has too many members",
                         st->max_columns, k);
                rc = -1;
                break;
            }
            if (r < 0) {
                rc = -1;
                break;
            }
            continue;
        }
        size_t col = column_named(st, b, k, strlen(k), k, strlen(k));
        if (col == SIZE_MAX) {
            snprintf(why, sizeof why, "more than max_columns (%zu) columns", st->max_columns);
            rc = -1;
            break;
        }
        if (put_value(st, &j, b, col, row) < 0) {
            rc = -1;
            break;
        }
    }
end:
    if (rc < 0) {
        if (!why[0]) {
            char msg[200];
            sl_json_error_text(&j, msg, sizeof msg);
            snprintf(why, sizeof why, "invalid spooled message: %s", msg);
        }
        sl_batch_unadd_row(b, row, ncols);
        sl_batch_reject_raw(b, rec->offset, line, "source", why, rec->data, rec->len);
        return 0;
    }
    size_t col = column(st, b, COL_UUID_TS);
    sl_batch_set_text(b, col, row, st->uuid_ts, strlen(st->uuid_ts));
    b->cols[col].kind[row] = SL_KIND_STRING;
    return 0;
}

static int seg_open(sl_instance *in, sl_run *run, sl_resume_fn resume, sl_error *err)
{
    sl_segment_opts *o = in->opts;
    seg_src *st = sl_calloc(1, sizeof *st);
    st->o = o;
    st->ss.o = &o->stream;
    st->ss.row = seg_row;
    st->ss.ctx = st;
    st->flat_context = strcmp(o->context, "flatten") == 0;
    st->flat_properties = strcmp(o->properties, "flatten") == 0;
    st->flat_traits = strcmp(o->traits, "flatten") == 0;
    st->max_columns = sl_source_max_columns(&o->common);
    sl_names_init(&st->names, 1);
    /* the fixed columns first: entries 0..NFIXED-1 of names, in that order */
    for (size_t f = 0; f < NFIXED; f++) {
        char id[64];
        snprintf(id, sizeof id, "=%s", fixed[f].column);
        sl_names_get(&st->names, id, strlen(id), fixed[f].column, strlen(fixed[f].column));
        declare(o, fixed[f].column, fixed[f].type);
    }
    if (!st->flat_context)
        declare(o, "context", "json");
    if (!st->flat_properties)
        declare(o, "properties", "json");
    if (!st->flat_traits)
        declare(o, "traits", "json");
    sl_segment_time_format(st->uuid_ts, sl_now_us());
    sl_buf_init(&st->val);
    sl_buf_init(&st->key);
    sl_buf_init(&st->path);
    sl_buf_init(&st->colname);
    in->state = st;
    return sl_stream_open(in, &st->ss, run, resume, err);
}

static int seg_next(sl_instance *in, sl_batch *b, sl_error *err) { return sl_stream_next(in, b, err); }

static int seg_done(sl_instance *in, sl_run *run, sl_error *err) { return sl_stream_done(in, run, err); }

static void seg_close(sl_instance *in)
{
    seg_src *st = in->state;
    if (!st)
        return;
    sl_stream_close(in);
    sl_names_release(&st->names);
    sl_buf_release(&st->val);
    sl_buf_release(&st->key);
    sl_buf_release(&st->path);
    sl_buf_release(&st->colname);
    sl_free(st);
    in->state = NULL;
}

const sl_source_plugin sl_source_segment = {
    .version = SL_PLUGIN_VERSION,
    .name = "segment",
    .summary = "Segment's HTTP Tracking API under `sluice serve` (identify, track, page, screen, group, alias, "
               "batch): rows named as Segment's warehouse columns",
    .options = segment_options,
    .opts_size = sizeof(sl_segment_opts),
    .check = seg_check,
    .open = seg_open,
    .next = seg_next,
    .done = seg_done,
    .close = seg_close,
    .ingest = &sl_ingest_segment,
};
