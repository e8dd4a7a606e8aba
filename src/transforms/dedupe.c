/*
 * dedupe.c: the `dedupe` transform: one row per key across the whole run.
 *
 *   keep: first, no order_by   streaming: a row whose key was seen is dropped
 *   keep: last, or order_by    blocking: rows wait in a temporary SQLite table
 *                              (on disk once large: memory stays bounded) and
 *                              the winners are released at end of input, in
 *                              input order (file, byte offset)
 *
 * With order_by, `last` keeps the row with the largest value (ties: the
 * later row), `first` the smallest (ties: the earlier row); rows whose
 * order value is null lose to any row that has one. Dropped duplicates
 * count as filtered. Keys are compared by value: the key columns' values
 * as SQLite sees them (so 1 and 1.0 are the same key). A key with a NULL
 * in it matches no other (as in a UNIQUE constraint, and as the upsert
 * sinks see it): such a row is always kept, never dropped as a duplicate.
 *
 * The transform is `stateful`: a resumed run re-reads its epoch from the
 * start so the same rows win again, and sinks skip what they committed.
 */
#include "core/mem.h"
#include "engine/colcheck.h"
#include "engine/project.h"
#include "core/sqlident.h"
#include "engine/run.h"
#include "engine/typing.h"
#include "expr/expr.h"
#include "formats/json_record.h"
#include "transforms/columns.h"
#include <string.h>

typedef struct dedupe_opts {
    sl_strlist key;
    char *keep;
    char *order_by;
} dedupe_opts;

static const sl_option dedupe_options[] = {
    {"key", SL_OPT_LIST, NULL, SL_OPT_REQUIRED, offsetof(dedupe_opts, key), NULL, "key columns"},
    {"keep", SL_OPT_ENUM, "first", 0, offsetof(dedupe_opts, keep), "first|last", "which row of a key to keep"},
    {"order_by", SL_OPT_STRING, "", 0, offsetof(dedupe_opts, order_by), NULL,
     "column deciding first/last (default: input order)"},
    SL_OPT_END,
};

typedef struct dedupe_state {
    sqlite3 *db;
    int blocking, last;
    sqlite3_stmt *put, *scan;
    char **files;         /* file paths by index (blocking mode) */
    size_t nfiles;
    int64_t seq;
    /* schema of held rows, to rebuild batches */
    sl_kvlist schema;
    sl_source_common common;
    sl_typing typing;
    sl_json_record_ctx jctx;
    sl_buf row;
    int scanning;
    /* one row of lookahead: the first row of the next file */
    int have_pending, pending_file, scan_done;
    int64_t pending_off, pending_line;
    sl_buf pending_row;
} dedupe_state;

/* validate: the key columns and order_by are there. */
static int dedupe_columns(sl_instance *in, sl_colset *c, sl_diags *d)
{
    dedupe_opts *o = in->opts;
    char what[160];
    snprintf(what, sizeof what, "transform %s, key", in->id);
    int n = 0;
    for (size_t i = 0; i < o->key.n; i++)
        n += sl_colset_require(c, o->key.v[i], sl_colcheck_loc(o->key.loc, in), what, d);
    snprintf(what, sizeof what, "transform %s, order_by", in->id);
    if (*o->order_by)
        n += sl_colset_require(c, o->order_by, sl_colcheck_loc(sl_options_loc(dedupe_options, o, "order_by"), in),
                               what, d);
    return n;
}

static int dedupe_open(sl_instance *in, sl_run *run, sl_error *err)
{
    dedupe_opts *o = in->opts;
    dedupe_state *st = sl_calloc(1, sizeof *st);
    in->state = st;
    st->db = sl_expr_engine_db(run->expr);
    st->last = strcmp(o->keep, "last") == 0;
    st->blocking = st->last || *o->order_by;
    sl_buf_init(&st->row);
    sl_buf_init(&st->pending_row);
    sl_json_record_init(&st->jctx);
    char name[64];
    snprintf(name, sizeof name, "dd_%p", (void *)st);
    sl_buf sql;
    sl_buf_init(&sql);
    /* temp tables spill to a temporary file when they grow */
    sl_buf_addf(&sql, "PRAGMA temp_store = FILE; CREATE TEMP TABLE \"%s\" (k BLOB PRIMARY KEY, ord, seq INTEGER,"
                      " file INTEGER, off INTEGER, line INTEGER, row TEXT)", name);
    char *msg = NULL;
    int rc = sqlite3_exec(st->db, sql.data, NULL, NULL, &msg);
    sl_buf_release(&sql);
    if (rc != SQLITE_OK) {
        sl_error_set(err, SL_EINTERNAL, "dedupe: %s", msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    char put[1024];
    const char *cond = !*o->order_by ? (st->last ? "1" : "0")
                       : st->last ? "excluded.ord IS NOT NULL AND (ord IS NULL OR excluded.ord >= ord)"
                                  : "excluded.ord IS NOT NULL AND (ord IS NULL OR excluded.ord < ord)";
    snprintf(put, sizeof put,
             "INSERT INTO \"%s\" (k, ord, seq, file, off, line, row) VALUES (?,?,?,?,?,?,?) ON CONFLICT(k) DO "
             "UPDATE SET ord = excluded.ord, seq = excluded.seq, file = excluded.file, off = excluded.off, "
             "line = excluded.line, row = excluded.row WHERE %s", name, cond);
    if (sqlite3_prepare_v2(st->db, put, -1, &st->put, NULL) != SQLITE_OK)
        return sl_error_set(err, SL_EINTERNAL, "dedupe: %s", sqlite3_errmsg(st->db));
    snprintf(put, sizeof put, "SELECT file, off, line, row FROM \"%s\" ORDER BY file, off, seq", name);
    if (sqlite3_prepare_v2(st->db, put, -1, &st->scan, NULL) != SQLITE_OK)
        return sl_error_set(err, SL_EINTERNAL, "dedupe: %s", sqlite3_errmsg(st->db));
    return 0;
}

/* The key of row r as a blob: each key value's SQLite text form, framed.
 * A key with a NULL matches nothing: its blob is unique (seq is the row's
 * sequence number). */
static void key_blob(const sl_batch *b, const int *cols, size_t ncols, size_t r, int64_t seq, sl_buf *out)
{
    sl_buf_reset(out);
    char tmp[64];
    for (size_t k = 0; k < ncols; k++) {
        const sl_column *c = &b->cols[cols[k]];
        const char *p;
        size_t n;
        if (!sl_cell_text(c, r, tmp, &p, &n)) {
            sl_buf_reset(out);
            sl_buf_add(out, "\0U", 2);
            sl_buf_add(out, &seq, sizeof seq);
            return;
        }
        if (c->type == SL_T_FLOAT && c->f64[r] == (double)(int64_t)c->f64[r]) {
            n = (size_t)snprintf(tmp, sizeof tmp, "%lld", (long long)c->f64[r]);
            p = tmp;
        }
        uint32_t len = (uint32_t)n;
        sl_buf_add(out, "\0V", 2);
        sl_buf_add(out, &len, sizeof len);
        sl_buf_add(out, p, n);
    }
}

static void remember_schema(dedupe_state *st, const sl_batch *b)
{
    for (size_t i = 0; i < b->ncols; i++) {
        int known = 0;
        for (size_t k = 0; k < st->schema.n; k++)
            known |= strcmp(st->schema.v[k].key, b->cols[i].name) == 0;
        if (!known) {
            st->schema.v = sl_realloc(st->schema.v, (st->schema.n + 1) * sizeof *st->schema.v);
            st->schema.v[st->schema.n++] = (sl_kv){sl_strdup(b->cols[i].name),
                                                    sl_strdup(sl_type_name(b->cols[i].type)), {0}};
        }
    }
}

static int file_index(dedupe_state *st, const char *file)
{
    for (size_t i = 0; i < st->nfiles; i++)
        if (strcmp(st->files[i], file) == 0)
            return (int)i;
    st->files = sl_realloc(st->files, (st->nfiles + 1) * sizeof *st->files);
    st->files[st->nfiles] = sl_strdup(file);
    return (int)st->nfiles++;
}

static int dedupe_process(sl_instance *in, sl_batch *b, sl_error *err)
{
    dedupe_opts *o = in->opts;
    dedupe_state *st = in->state;
    /* blocking: no input batch carries a position, not even an empty one
     * (the end of a file): sinks commit positions only with released rows,
     * or a crash during the release would skip the rows still held */
    if (st->blocking)
        b->no_position = 1;
    if (b->nrows == 0)
        return 0;
    int cols[64];
    if (o->key.n > 64)
        return sl_error_set(err, SL_ECONFIG, "dedupe: at most 64 key columns");
    for (size_t k = 0; k < o->key.n; k++)
        if ((cols[k] = sl_transform_column(in, b, o->key.v[k], err)) < 0)
            return -1;
    int ordc = -1;
    if (*o->order_by && (ordc = sl_transform_column(in, b, o->order_by, err)) < 0)
        return -1;
    if (st->blocking)
        remember_schema(st, b);
    int fidx = b->file ? file_index(st, b->file) : -1;
    uint8_t *keep = sl_malloc(b->nrows);
    sl_buf key;
    sl_buf_init(&key);
    for (size_t r = 0; r < b->nrows; r++) {
        key_blob(b, cols, o->key.n, r, st->seq, &key);
        sqlite3_bind_blob(st->put, 1, key.data, (int)key.len, SQLITE_STATIC);
        if (ordc >= 0)
            sl_expr_bind_cell(st->put, 2, &b->cols[ordc], r);
        else
            sqlite3_bind_null(st->put, 2);
        sqlite3_bind_int64(st->put, 3, st->seq++);
        sqlite3_bind_int64(st->put, 4, fidx);
        sqlite3_bind_int64(st->put, 5, b->offset[r]);
        sqlite3_bind_int64(st->put, 6, b->line[r]);
        if (st->blocking) {
            sl_buf_reset(&st->row);
            sl_batch_row_json(b, r, &st->row);
            sqlite3_bind_text(st->put, 7, st->row.data, (int)st->row.len, SQLITE_STATIC);
        } else {
            sqlite3_bind_null(st->put, 7);
        }
        int rc = sqlite3_step(st->put);
        sqlite3_reset(st->put);
        if (rc != SQLITE_DONE) {
            sl_free(keep);
            sl_buf_release(&key);
            return sl_error_set(err, SL_EINTERNAL, "dedupe: %s", sqlite3_errmsg(st->db));
        }
        /* streaming: a row is new when it inserted; blocking: every row is held */
        keep[r] = !st->blocking && sqlite3_changes(st->db) > 0;
    }
    sl_buf_release(&key);
    size_t before = b->nrows;
    sl_batch_keep(b, keep);
    sl_free(keep);
    b->nfiltered += (int64_t)(before - b->nrows); /* held rows count as filtered until released */
    return 0;
}

static int dedupe_flush(sl_instance *in, sl_batch *b, sl_error *err)
{
    dedupe_state *st = in->state;
    if (!st->blocking)
        return 0;
    if (!st->scanning) {
        st->scanning = 1;
        st->common.columns = st->schema;
        st->common.infer_types = 0;
        st->common.max_columns = INT64_MAX; /* the held rows' columns passed the source's limit already */
        sl_typing_init(&st->typing, &st->common);
    }
    sl_json_record_opts ro = {0, 0, "_", 0, SIZE_MAX};
    int cur_file = -2;
    /* as wide as the rows held: shorter batches for wide rows (core/batch.h) */
    while (b->nrows < sl_batch_max_rows(sl_json_record_width(&st->jctx), (size_t)in->run->pipeline->batch_rows)) {
        if (!st->have_pending) {
            /* stepping a finished statement would silently start it over */
            int rc = st->scan_done ? SQLITE_DONE : sqlite3_step(st->scan);
            if (rc == SQLITE_DONE) {
                st->scan_done = 1;
                break;
            }
            if (rc != SQLITE_ROW)
                return sl_error_set(err, SL_EINTERNAL, "dedupe: %s", sqlite3_errmsg(st->db));
            st->pending_file = sqlite3_column_int(st->scan, 0);
            st->pending_off = sqlite3_column_int64(st->scan, 1);
            st->pending_line = sqlite3_column_int64(st->scan, 2);
            sl_buf_reset(&st->pending_row);
            sl_buf_add(&st->pending_row, sqlite3_column_text(st->scan, 3), (size_t)sqlite3_column_bytes(st->scan, 3));
            st->have_pending = 1;
        }
        if (cur_file != -2 && st->pending_file != cur_file)
            break; /* one file per batch: this row starts the next one */
        cur_file = st->pending_file;
        st->have_pending = 0;
        size_t row = sl_batch_add_row(b, st->pending_off, st->pending_line);
        sl_json j;
        sl_json_init(&j, st->pending_row.data, st->pending_row.len);
        if (sl_json_record_read(&st->jctx, &j, b, row, &ro) != 0)
            return sl_error_set(err, SL_EINTERNAL, "dedupe: cannot decode a held row");
    }
    if (b->nrows == 0)
        return 0;
    if (cur_file >= 0 && (size_t)cur_file < st->nfiles)
        b->file = st->files[cur_file];
    b->file_index = cur_file;
    b->end_offset = b->offset[b->nrows - 1] + 1;
    b->end_line = b->line[b->nrows - 1];
    if (sl_typing_apply(&st->typing, b, in->run, err) < 0)
        return -1;
    b->nfiltered = -(int64_t)b->nrows; /* released rows leave the "held" count */
    return 1;
}

static void dedupe_close(sl_instance *in)
{
    dedupe_state *st = in->state;
    if (!st)
        return;
    sqlite3_finalize(st->put);
    sqlite3_finalize(st->scan);
    for (size_t i = 0; i < st->nfiles; i++)
        sl_free(st->files[i]);
    sl_free(st->files);
    for (size_t i = 0; i < st->schema.n; i++) {
        sl_free(st->schema.v[i].key);
        sl_free(st->schema.v[i].value);
    }
    sl_free(st->schema.v);
    if (st->scanning)
        sl_typing_release(&st->typing);
    sl_json_record_release(&st->jctx);
    sl_buf_release(&st->row);
    sl_buf_release(&st->pending_row);
    sl_free(st);
    in->state = NULL;
}

/* pushdown (engine/project.h): what is needed after it, the key columns
 * and order_by (a held row keeps only the columns read). */
static int dedupe_needs(sl_instance *in, sl_projection *need)
{
    dedupe_opts *o = in->opts;
    for (size_t i = 0; i < o->key.n; i++)
        sl_projection_add(need, o->key.v[i]);
    if (*o->order_by)
        sl_projection_add(need, o->order_by);
    return 0;
}

const sl_transform_plugin sl_transform_dedupe = {
    .version = SL_PLUGIN_VERSION,
    .name = "dedupe",
    .summary = "one row per key across the run: keep first or last, optionally by an order column",
    .options = dedupe_options,
    .opts_size = sizeof(dedupe_opts),
    .open = dedupe_open,
    .process = dedupe_process,
    .flush = dedupe_flush,
    .close = dedupe_close,
    .stateful = 1,
    .columns = dedupe_columns,
    .needs = dedupe_needs,
};
