/*
 * json.c: the `json` source: JSON documents holding an array of records,
 * at the top level or at `records_path` (e.g. data.items).
 *
 * The whole document is validated before any row is produced: a file that
 * is not valid JSON (a cut download), or has no array at records_path,
 * fails the run with an error naming line, column and byte offset. Its
 * records cannot be told apart, so it can be neither loaded in part nor
 * counted as one rejected row; going on with the other files would look
 * like a whole read (and replace a full_refresh table with it). A record
 * that is not an object is rejected alone. A document is read into
 * memory: for large data use jsonl.
 */
#include "core/mem.h"
#include "formats/json_record.h"
#include "sources/files.h"
#include <string.h>

typedef struct json_opts {
    sl_file_opts files;
    int flatten;
    int64_t max_depth;
    char *separator;
    char *records_path;
} json_opts;

static const sl_option json_options[] = {
    SL_FILE_OPTIONS(json_opts),
    SL_JSON_RECORD_OPTIONS(json_opts),
    {"records_path", SL_OPT_STRING, "", 0, offsetof(json_opts, records_path), NULL,
     "dot path to the array of records (e.g. data.items); empty: the top-level array"},
    SL_OPT_END,
};

typedef struct json_state {
    sl_filesource fs; /* first: the shared callbacks cast in->state to it */
    json_opts *o;
    sl_json_record_opts ro;
    sl_json_record_ctx ctx;
    sl_buf doc;
    sl_json j;
    int first, in_array;
    int64_t resume_offset;
    int64_t line;         /* the line of line_at */
    const char *line_at;  /* the last element whose line was counted */
} json_state;

/* Move the cursor to the array at records_path; 0 ok, -1 JSON error, -2 not found. */
static int find_records(json_state *st)
{
    const char *path = st->o->records_path;
    sl_buf key;
    sl_buf_init(&key);
    while (*path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (sl_json_peek(&st->j) != SL_JSON_OBJECT) {
            sl_buf_release(&key);
            return -2;
        }
        sl_json_object_begin(&st->j);
        int first = 1, rc, found = 0;
        while ((rc = sl_json_member(&st->j, &first, &key)) == 1) {
            if (key.len == n && memcmp(key.data, path, n) == 0) {
                found = 1;
                break;
            }
            if (sl_json_skip(&st->j) < 0)
                break;
        }
        if (!found) {
            sl_buf_release(&key);
            return st->j.err_at ? -1 : -2;
        }
        path += n + (dot ? 1 : 0);
    }
    sl_buf_release(&key);
    return sl_json_peek(&st->j) == SL_JSON_ARRAY ? 0 : -2;
}

static int json_fmt_open(void *fmt, sl_input *in, const char *path, const sl_resume *resume, sl_error *err)
{
    json_state *st = fmt;
    sl_buf_reset(&st->doc);
    char *block = sl_malloc(SL_INPUT_BLOCK);
    ptrdiff_t r;
    while ((r = sl_input_read(in, block, SL_INPUT_BLOCK, err)) > 0)
        sl_buf_add(&st->doc, block, (size_t)r);
    sl_free(block);
    if (r < 0)
        return -1;
    st->resume_offset = resume->offset;
    st->in_array = 0;
    char msg[200];
    /* a UTF-8 byte order mark is not part of the document (offsets stay the file's) */
    size_t bom = st->doc.len >= 3 && memcmp(st->doc.data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    if (sl_json_validate(st->doc.data ? st->doc.data + bom : "", st->doc.len - bom, msg, sizeof msg) < 0)
        return sl_error_set(err, SL_EDATA, "%s: invalid JSON document, no row of it can be loaded: %s", path, msg);
    sl_json_init(&st->j, st->doc.data + bom, st->doc.len - bom);
    if (find_records(st) < 0)
        return sl_error_set(err, SL_EDATA, "%s: %s", path,
                            *st->o->records_path ? "records_path does not lead to an array in this document"
                                                 : "the document is not an array of records (set records_path)");
    sl_json_array_begin(&st->j);
    st->first = 1;
    st->in_array = 1;
    st->line = 1;
    st->line_at = st->doc.data;
    return 0;
}

/* The line of `at` (at or after every element counted before): counted
 * on from the last one, so a document is counted once, not once per batch. */
static int64_t line_of(json_state *st, const char *at)
{
    for (const char *p = st->line_at; p < at; p++)
        st->line += *p == '\n';
    st->line_at = at;
    return st->line;
}

static int json_fmt_fill(void *fmt, sl_batch *b, size_t max, int *done, sl_error *err)
{
    json_state *st = fmt;
    int64_t line = st->line;
    /* wide records make shorter batches: rows x the run's columns stay
     * within the batch's cells (core/batch.h) */
    while (b->nrows < sl_batch_max_rows(sl_json_record_width(&st->ctx), max)) {
        if (sl_filesource_cancelled(&st->fs, err))
            return -1;
        int rc = sl_json_element(&st->j, &st->first);
        if (rc <= 0) {
            *done = 1;
            break;
        }
        sl_json_ws(&st->j);
        const char *at = st->j.p;
        int64_t off = at - st->doc.data;
        if (off < st->resume_offset) {
            sl_json_skip(&st->j);
            continue;
        }
        line = line_of(st, at); /* counted incrementally from the last element */
        size_t row = sl_batch_add_row(b, off, line), ncols = b->ncols;
        int r = sl_json_record_read(&st->ctx, &st->j, b, row, &st->ro);
        if (r != 0) {
            sl_batch_unadd_row(b, row, ncols);
            sl_batch_reject_raw(b, off, line, "source", "array element is not a JSON object", at,
                                (size_t)(st->j.p - at));
        }
    }
    b->end_offset = (int64_t)(st->j.p - st->doc.data);
    if (*done)
        b->end_offset = (int64_t)st->doc.len;
    b->end_line = line;
    return 0;
}

static void json_fmt_close(void *fmt)
{
    (void)fmt;
}

static const sl_format_ops json_format = {json_fmt_open, json_fmt_fill, json_fmt_close};

static int json_open(sl_instance *in, sl_run *run, sl_resume_fn resume, sl_error *err)
{
    json_state *st = sl_calloc(1, sizeof *st);
    st->o = in->opts;
    st->ro = (sl_json_record_opts){st->o->flatten, (int)st->o->max_depth, st->o->separator,
                                   strcmp(st->o->files.common.normalize_names, "snake_case") == 0,
                                   sl_source_max_columns(&st->o->files.common)};
    sl_json_record_init(&st->ctx);
    sl_json_record_project(&st->ctx, in->projection); /* engine/project.h */
    sl_buf_init(&st->doc);
    in->state = st;
    return sl_filesource_open(&st->fs, in, run, resume, &json_format, st, err);
}

static void json_close(sl_instance *in)
{
    json_state *st = in->state;
    if (!st)
        return;
    sl_filesource_close(&st->fs);
    sl_json_record_release(&st->ctx);
    sl_buf_release(&st->doc);
    sl_free(st);
    in->state = NULL;
}

const sl_source_plugin sl_source_json = {
    .version = SL_PLUGIN_VERSION,
    .name = "json",
    .summary = "JSON documents: an array of records (top level or at records_path); invalid files rejected whole",
    .options = json_options,
    .opts_size = sizeof(json_opts),
    .check = sl_filesource_check,
    .open = json_open,
    .next = sl_filesource_plugin_next,
    .done = sl_filesource_plugin_done,
    .close = json_close,
    .total_bytes = sl_filesource_plugin_total,
};
