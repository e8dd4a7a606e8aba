/* sqlsource.c: the shared half of the SQL sources. See sqlsource.h. */
#include "sources/sqlsource.h"
#include "core/log.h"
#include "core/mem.h"
#include "formats/json.h"
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

int sl_sqlsource_check(sl_instance *in, sl_diags *d)
{
    const sl_sql_opts *o = in->opts;
    int n = 0;
    if (!*o->table == !*o->query) {
        sl_diags_add(d, in->loc, "%s source needs exactly one of table: or query:", in->type);
        n++;
    }
    if (!*o->cursor && (*o->cursor_key || o->lookback || *o->start)) {
        const char *what = *o->cursor_key ? "cursor_key" : o->lookback ? "lookback" : "start";
        sl_diags_add(d, sl_options_loc(SL_SOURCE(in)->options, o, what), "%s needs cursor: (the column that grows)",
                     what);
        n++;
    }
    if (o->common.max_columns < 1 || o->common.max_columns > 100000) {
        sl_diags_add(d, sl_options_loc(SL_SOURCE(in)->options, o, "max_columns"),
                     "max_columns must be between 1 and 100000");
        n++;
    }
    return n;
}

/* ---- bookmarks: a JSON array [cursor, key] ------------------------------ */

typedef struct sqlval {
    int kind;  /* 0 null, 1 number, 2 text */
    char *text;
} sqlval;

static void add_value(sl_buf *out, const sl_column *c, size_t r)
{
    if (!c || !c->valid[r]) {
        sl_buf_adds(out, "null");
        return;
    }
    const sl_str *s = &c->str[r];
    if (c->kind && c->kind[r] == SL_KIND_NUMBER)
        sl_buf_add(out, s->p, s->n);
    else
        sl_buf_add_json_str(out, s->p, s->n);
}

static int read_value(sl_json *j, sqlval *v)
{
    sl_json_kind k = sl_json_peek(j);
    v->kind = 0;
    v->text = NULL;
    if (k == SL_JSON_NULL)
        return sl_json_skip(j);
    if (k == SL_JSON_NUMBER) {
        const char *p;
        size_t n;
        if (sl_json_number(j, &p, &n) < 0)
            return -1;
        v->kind = 1;
        v->text = sl_strndup(p, n);
        return 0;
    }
    sl_buf b;
    sl_buf_init(&b);
    if (k != SL_JSON_STRING || sl_json_string(j, &b) < 0) {
        sl_buf_release(&b);
        return -1;
    }
    v->kind = 2;
    v->text = b.data ? sl_buf_detach(&b) : sl_strdup("");
    return 0;
}

/* Parse a bookmark into its two values (cursor, key). */
static int parse_bookmark(const char *bm, sqlval v[2])
{
    memset(v, 0, 2 * sizeof *v);
    sl_json j;
    sl_json_init(&j, bm, strlen(bm));
    int first = 1, i = 0;
    if (sl_json_array_begin(&j) < 0)
        return -1;
    while (i < 2 && sl_json_element(&j, &first) == 1)
        if (read_value(&j, &v[i++]) < 0)
            return -1;
    return i == 2 ? 0 : -1;
}

static void free_values(sqlval v[2])
{
    sl_free(v[0].text);
    sl_free(v[1].text);
}

static void add_literal(sl_buf *q, const sqlval *v)
{
    double d;
    if (v->kind == 0)
        sl_buf_adds(q, "NULL");
    else if (v->kind == 1 && sl_parse_float(v->text, strlen(v->text), &d) == 0)
        sl_buf_adds(q, v->text); /* a number, checked: safe unquoted */
    else
        sl_sql_literal(q, v->text);
}

/* The cursor value `secs` earlier, written in the style of `text` (so it
 * also compares right as text, as SQLite does). -1 if not a time. */
static int time_minus(const char *text, int64_t secs, sl_buf *out)
{
    int64_t us;
    size_t n = strlen(text);
    if (sl_parse_timestamp(text, n, &us) < 0)
        return -1;
    char tmp[64];
    size_t len = sl_format_timestamp(tmp, us - secs * 1000000);
    if (n == 10) {
        len = 10; /* a date stays a date */
    } else {
        if (text[10] == ' ')
            tmp[10] = ' ';
        int zoned = strchr(text + 11, 'Z') || strchr(text + 11, 'z') || strchr(text + 11, '+') ||
                    strchr(text + 11, '-');
        if (!zoned && len && tmp[len - 1] == 'Z')
            len--;
    }
    sl_buf_add(out, tmp, len);
    return 0;
}

/* ---- the query ---------------------------------------------------------- */

/* The SELECT of this read. with_nulls: also the rows whose cursor is NULL
 * (no bookmark passes them; they sort first). */
static char *build_sql(sl_sqlsource *s, const char *bookmark, int lookback, int with_nulls, sl_error *err)
{
    const sl_sql_opts *o = s->o;
    sl_buf q;
    sl_buf_init(&q);
    sl_buf_adds(&q, "SELECT * FROM ");
    if (*o->query) {
        sl_buf_adds(&q, "(");
        sl_buf_adds(&q, o->query);
        sl_buf_adds(&q, "\n) AS sluice_query");
    } else {
        /* "schema.table" is a qualified name; each part quoted */
        const char *dot = strchr(o->table, '.');
        if (dot) {
            char *schema = sl_strndup(o->table, (size_t)(dot - o->table));
            sl_sql_ident(&q, schema);
            sl_free(schema);
            sl_buf_addc(&q, '.');
            sl_sql_ident(&q, dot + 1);
        } else {
            sl_sql_ident(&q, o->table);
        }
    }
    if (*o->cursor) {
        size_t where = q.len;
        sqlval v[2] = {{0}};
        if (bookmark) {
            if (parse_bookmark(bookmark, v) < 0) {
                sl_buf_release(&q);
                sl_error_set(err, SL_EINTERNAL, "unreadable bookmark %s; `sluice state reset` forgets it", bookmark);
                return NULL;
            }
        }
        if (bookmark && v[0].kind && lookback && o->lookback) {
            sl_buf_adds(&q, " WHERE ");
            sl_sql_ident(&q, o->cursor);
            sl_buf_adds(&q, " >= ");
            sl_buf lb;
            sl_buf_init(&lb);
            if (time_minus(v[0].text, o->lookback, &lb) < 0) {
                free_values(v);
                sl_buf_release(&lb);
                sl_buf_release(&q);
                sl_error_set(err, SL_ECONFIG, "lookback needs a date or timestamp cursor; %s is '%s'", o->cursor,
                             v[0].text);
                return NULL;
            }
            sl_sql_literal(&q, lb.data);
            sl_buf_release(&lb);
        } else if (bookmark && v[0].kind) {
            sl_buf_adds(&q, " WHERE ");
            if (*o->cursor_key) {
                sl_buf_addc(&q, '(');
                sl_sql_ident(&q, o->cursor);
                sl_buf_adds(&q, ", ");
                sl_sql_ident(&q, o->cursor_key);
                sl_buf_adds(&q, ") > (");
                add_literal(&q, &v[0]);
                sl_buf_adds(&q, ", ");
                add_literal(&q, &v[1]);
                sl_buf_addc(&q, ')');
            } else {
                sl_sql_ident(&q, o->cursor);
                sl_buf_adds(&q, " > ");
                add_literal(&q, &v[0]);
            }
        } else if (*o->start) {
            sl_buf_adds(&q, " WHERE ");
            sl_sql_ident(&q, o->cursor);
            sl_buf_adds(&q, " >= ");
            sl_sql_literal(&q, o->start);
        }
        free_values(v);
        if (q.len > where) {
            /* WHERE cond -> WHERE (cond) [OR cursor IS NULL] */
            sl_buf cond;
            sl_buf_init(&cond);
            sl_buf_add(&cond, q.data + where + 7, q.len - where - 7);
            q.len = where;
            sl_buf_adds(&q, " WHERE (");
            sl_buf_add(&q, cond.data, cond.len);
            sl_buf_addc(&q, ')');
            sl_buf_release(&cond);
            if (with_nulls) {
                sl_buf_adds(&q, " OR ");
                sl_sql_ident(&q, o->cursor);
                sl_buf_adds(&q, " IS NULL");
            }
        } else if (!with_nulls) {
            sl_buf_adds(&q, " WHERE ");
            sl_sql_ident(&q, o->cursor);
            sl_buf_adds(&q, " IS NOT NULL");
        }
        sl_buf_adds(&q, " ORDER BY ");
        sl_sql_ident(&q, o->cursor);
        sl_buf_adds(&q, " NULLS FIRST");
        if (*o->cursor_key) {
            sl_buf_adds(&q, ", ");
            sl_sql_ident(&q, o->cursor_key);
        }
    }
    return sl_buf_detach(&q);
}

/* ---- the lookback window ----------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void load_window(sl_sqlsource *s, const char *text)
{
    for (const char *p = text; p && *p;) {
        char *end;
        uint64_t h = strtoull(p, &end, 16);
        if (end == p)
            break;
        s->seen = sl_realloc(s->seen, (s->nseen + 1) * sizeof *s->seen);
        s->seen[s->nseen++] = h;
        p = *end == ',' ? end + 1 : end;
    }
    if (s->nseen)
        qsort(s->seen, s->nseen, sizeof *s->seen, cmp_u64);
}

/* ---- open / next / done ------------------------------------------------ */

size_t sl_sqlsource_field_column(sl_batch *b, sl_names *fields, int f, const char *name, sl_type type)
{
    size_t k = sl_names_get(fields, (const char *)&f, sizeof f, name, strlen(name)); /* may move v */
    const sl_name_entry *e = &fields->v[k];
    int i = sl_batch_find(b, e->name);
    return i >= 0 ? (size_t)i : sl_batch_add_column(b, e->name, e->namelen, type, 1);
}

int sl_sqlsource_open(sl_sqlsource *s, sl_instance *in, sl_run *run, sl_resume_fn resume,
                      const sl_sqlsource_ops *ops, void *db, sl_error *err)
{
    s->o = in->opts;
    s->ops = ops;
    s->db = db;
    s->run = run;
    s->id = in->id;
    s->batch_rows = run->pipeline->batch_rows;
    sl_names_init(&s->names, strcmp(s->o->common.normalize_names, "snake_case") == 0);
    sl_bookmarks_init(&s->marks, run, in->id);
    /* positions and bookmarks belong to what is read: another table, query
     * or cursor starts over (sources/bookmarks.h) */
    char *what = sl_printf("%s\x1f%s\x1f%s\x1f%s\x1f%s", ops->name, s->o->table, s->o->query, s->o->cursor,
                           s->o->cursor_key);
    sl_bookmarks_tie(&s->marks, what, "");
    sl_free(what);
    char *base = sl_printf("%s:%s", ops->name, in->id);
    int rc = sl_bookmarks_input_key(&s->marks, base, &s->key, err);
    sl_free(base);
    if (rc < 0)
        return -1;
    s->skip_upto = INT64_MIN;
    s->null_policy = strcmp(s->o->null_cursor, "reject") == 0        ? SL_NULL_CURSOR_REJECT
                     : strcmp(s->o->null_cursor, "always_read") == 0 ? SL_NULL_CURSOR_ALWAYS
                                                                     : SL_NULL_CURSOR_FAIL;
    if (!*s->o->cursor)
        return 0;
    sl_resume pos;
    if (resume(run, s->key, -1, -1, &pos) < 0)
        return -1;
    char *bm = NULL;
    int from_start = pos.offset == 0;
    if (pos.offset > 0) {
        /* a resumed epoch: exactly after what every sink committed */
        if (sl_bookmarks_wal_get(&s->marks, pos.offset, &bm, err) < 0)
            return -1;
        if (!bm)
            return sl_error_set(err, SL_EINTERNAL,
                                "no bookmark recorded for row %lld of this run; `sluice run --restart` starts over",
                                (long long)pos.offset);
        sqlval v[2];
        if (parse_bookmark(bm, v) == 0 && v[0].kind == 0) {
            /* stopped among the NULL-cursor rows, which no bookmark can
             * pass: read the epoch again from its start; the sinks skip
             * the rows they committed (same query, same order) */
            sl_free(bm);
            bm = NULL;
            from_start = 1;
        } else {
            s->ordinal = pos.offset;
            s->nulls_done = 1; /* they sort first: all were read */
        }
        free_values(v);
    } else {
        /* a fresh start: write-ahead entries of earlier epochs are spent */
        if (sl_bookmarks_fresh(&s->marks, err) < 0)
            return -1;
    }
    if (from_start && !run->full_refresh) {
        if (sl_bookmarks_saved_get(&s->marks, "bookmark", &bm, err) < 0)
            return -1;
        if (bm && s->o->lookback) {
            char *win = NULL;
            if (sl_bookmarks_saved_get(&s->marks, "window", &win, err) < 0) {
                sl_free(bm);
                return -1;
            }
            load_window(s, win);
            sl_free(win);
            sqlval v[2];
            int64_t us;
            if (parse_bookmark(bm, v) == 0) {
                if (v[0].kind && sl_parse_timestamp(v[0].text, strlen(v[0].text), &us) == 0)
                    s->skip_upto = us;
                free_values(v);
            }
        }
    }
    s->bookmark = bm;
    return 0;
}

static int start(sl_sqlsource *s, sl_error *err)
{
    int lookback = s->o->lookback && s->ordinal == 0 && s->bookmark && !s->run->full_refresh;
    char *sql = build_sql(s, s->bookmark, lookback, !s->nulls_done, err);
    if (!sql)
        return -1;
    sl_log_debug("%s: %s: %s", s->run->pipeline->name, s->id, sql);
    int rc = s->ops->start(s->db, sql, err);
    sl_free(sql);
    s->started = 1;
    return rc;
}

/* h: the source's hash state, reused row after row (no allocation per row) */
static uint64_t row_hash(XXH3_state_t *h, const sl_batch *b, size_t r)
{
    XXH3_64bits_reset(h);
    for (size_t i = 0; i < b->ncols; i++) {
        const sl_column *c = &b->cols[i];
        uint8_t v = c->valid[r];
        XXH3_64bits_update(h, &v, 1);
        if (v) {
            uint64_t n = c->str[r].n;
            XXH3_64bits_update(h, &n, sizeof n);
            XXH3_64bits_update(h, c->str[r].p, c->str[r].n);
        }
    }
    return XXH3_64bits_digest(h);
}

static void window_add(sl_sqlsource *s, int64_t at, uint64_t hash)
{
    int64_t horizon = at - s->o->lookback * 1000000;
    while (s->headwin < s->nwin && s->win[s->headwin].at < horizon)
        s->headwin++;
    if (s->headwin > 4096 && s->headwin * 2 > s->nwin) {
        memmove(s->win, s->win + s->headwin, (s->nwin - s->headwin) * sizeof *s->win);
        s->nwin -= s->headwin;
        s->headwin = 0;
    }
    SL_GROW(s->win, s->capwin, s->nwin + 1);
    s->win[s->nwin++] = (sl_sqlwin){at, hash};
}

/* null_cursor: fail. The NULL-cursor rows sort first: count the rest of
 * them (reading on while whole batches are NULL) and fail before any row
 * is loaded. */
static int fail_nulls(sl_sqlsource *s, sl_batch *b, int ci, size_t nulls, int done, sl_error *err)
{
    int64_t total = (int64_t)nulls;
    while (!done && nulls == b->nrows) {
        sl_batch_clear(b);
        if (s->ops->fetch(s->db, b, sl_batch_max_rows(s->width, (size_t)s->batch_rows), &done, err) < 0)
            return sl_error_prefix(err, "%s", *s->o->table ? s->o->table : "query");
        ci = sl_batch_find(b, s->o->cursor);
        nulls = 0;
        for (size_t r = 0; ci >= 0 && r < b->nrows; r++)
            nulls += !b->cols[ci].valid[r];
        total += (int64_t)nulls;
    }
    sl_batch_clear(b);
    return sl_error_set(err, SL_EDATA,
                        "%lld row%s of %s %s a NULL cursor (%s), which incremental reads cannot pass: fill the "
                        "column, or set null_cursor: always_read (read them on every run) or reject (send them to "
                        "the DLQ)", (long long)total, total == 1 ? "" : "s", *s->o->table ? s->o->table : "the query",
                        total == 1 ? "has" : "have", s->o->cursor);
}

/* null_cursor: reject. The batch's NULL-cursor rows (they have their
 * ordinals) go to the DLQ and leave the batch. */
static void reject_nulls(sl_sqlsource *s, sl_batch *b, int ci)
{
    SL_GROW(s->keep, s->keepcap, b->nrows);
    char why[200];
    snprintf(why, sizeof why, "cursor column %s is NULL (null_cursor: reject)", s->o->cursor);
    for (size_t r = 0; r < b->nrows; r++) {
        s->keep[r] = b->cols[ci].valid[r];
        if (!s->keep[r])
            sl_batch_reject_row(b, r, s->id, why);
    }
    sl_batch_keep(b, s->keep);
}

int sl_sqlsource_plugin_next(sl_instance *in, sl_batch *b, sl_error *err)
{
    sl_sqlsource *s = in->state;
    if (s->done)
        return 0;
    if (!s->started && start(s, err) < 0)
        return -1;
    int done = 0;
    size_t want = sl_batch_max_rows(s->width, (size_t)s->batch_rows);
    while (b->nrows == 0 && !done) {
        if (s->ops->fetch(s->db, b, want, &done, err) < 0)
            return sl_error_prefix(err, "%s", *s->o->table ? s->o->table : "query");
        s->width = b->ncols;
        if (b->nrows == 0)
            break;
        int ci = *s->o->cursor ? sl_batch_find(b, s->o->cursor) : -1;
        int ki = *s->o->cursor_key ? sl_batch_find(b, s->o->cursor_key) : -1;
        if (*s->o->cursor && ci < 0)
            return sl_error_set(err, SL_ECONFIG, "cursor column '%s' is not in the result", s->o->cursor);
        if (*s->o->cursor_key && ki < 0)
            return sl_error_set(err, SL_ECONFIG, "cursor_key column '%s' is not in the result", s->o->cursor_key);
        size_t last = b->nrows - 1;
        size_t nulls = 0;
        for (size_t r = 0; ci >= 0 && r < b->nrows; r++)
            nulls += !b->cols[ci].valid[r];
        if (nulls && s->null_policy == SL_NULL_CURSOR_FAIL)
            return fail_nulls(s, b, ci, nulls, done, err);
        /* the bookmark after this batch: its last row with a cursor value */
        if (ci >= 0 && b->cols[ci].valid[last]) {
            s->nulls_done = 1; /* NULLs sort first: none follow */
            sl_buf bm;
            sl_buf_init(&bm);
            sl_buf_addc(&bm, '[');
            add_value(&bm, &b->cols[ci], last);
            sl_buf_addc(&bm, ',');
            add_value(&bm, ki >= 0 ? &b->cols[ki] : NULL, last);
            sl_buf_addc(&bm, ']');
            sl_free(s->bookmark);
            s->bookmark = sl_buf_detach(&bm);
        }
        /* the lookback window: skip rows already loaded, remember the rest */
        if (s->o->lookback && ci >= 0) {
            SL_GROW(s->keep, s->keepcap, b->nrows);
            size_t kept = 0;
            for (size_t r = 0; r < b->nrows; r++) {
                int64_t at;
                const sl_column *c = &b->cols[ci];
                s->keep[r] = 1;
                if (!c->valid[r] || sl_parse_timestamp(c->str[r].p, c->str[r].n, &at) < 0) {
                    kept++;
                    continue;
                }
                if (!s->hash)
                    s->hash = XXH3_createState();
                uint64_t h = row_hash(s->hash, b, r);
                if (at <= s->skip_upto && s->nseen && bsearch(&h, s->seen, s->nseen, sizeof h, cmp_u64))
                    s->keep[r] = 0;
                window_add(s, at, h);
                kept += s->keep[r];
            }
            if (kept < b->nrows)
                sl_batch_keep(b, s->keep);
        }
        int64_t bytes = 0;
        for (size_t r = 0; r < b->nrows; r++) {
            b->offset[r] = b->line[r] = ++s->ordinal; /* 1-based, as lines are */
            b->offset[r]--;                          /* offsets are 0-based */
        }
        for (size_t i = 0; i < b->ncols; i++)
            for (size_t r = 0; r < b->nrows; r++)
                bytes += b->cols[i].valid[r] ? (int64_t)b->cols[i].str[r].n + 1 : 1;
        b->bytes = bytes;
        if (nulls && s->null_policy == SL_NULL_CURSOR_REJECT)
            reject_nulls(s, b, ci);
    }
    /* normalize_names: after the cursor columns were found by their names */
    for (size_t i = 0; s->names.snake_case && i < b->ncols; i++) {
        const char *name = b->cols[i].name;
        size_t k = sl_names_get(&s->names, name, strlen(name), name, strlen(name)); /* may move v */
        const sl_name_entry *e = &s->names.v[k];
        if (strcmp(e->name, name) != 0)
            sl_batch_rename_column(b, i, e->name);
    }
    if (done)
        s->done = 1;
    if (b->nrows == 0 && b->ncols == 0)
        return done ? 0 : 1;
    s->read_any |= b->nrows > 0;
    b->file = s->key;
    b->file_index = 0;
    b->end_offset = s->ordinal;
    b->end_line = s->ordinal;
    b->nread = (int64_t)b->nrows + (int64_t)b->nrejects;
    /* write-ahead: the bookmark for "everything up to end_offset" */
    /* ([null,null] while among the NULL-cursor rows: resuming there reads
     * the epoch again from its start) */
    if (*s->o->cursor && b->nread &&
        sl_bookmarks_wal_put(&s->marks, s->ordinal, s->nulls_done && s->bookmark ? s->bookmark : "[null,null]",
                             err) < 0)
        return -1;
    return 1;
}

int sl_sqlsource_plugin_done(sl_instance *in, sl_run *run, sl_error *err)
{
    sl_sqlsource *s = in->state;
    if (!*s->o->cursor)
        return 0;
    if (s->bookmark && sl_bookmarks_saved_put(&s->marks, "bookmark", s->bookmark, err) < 0)
        return -1;
    if (s->o->lookback) {
        sl_buf w;
        sl_buf_init(&w);
        int64_t horizon = s->nwin ? s->win[s->nwin - 1].at - s->o->lookback * 1000000 : 0;
        for (size_t i = s->headwin; i < s->nwin; i++)
            if (s->win[i].at >= horizon)
                sl_buf_addf(&w, "%s%llx", w.len ? "," : "", (unsigned long long)s->win[i].hash);
        /* nothing read: the old window still describes the bookmark */
        int rc = 0;
        if (s->read_any || s->nwin)
            rc = sl_bookmarks_saved_put(&s->marks, "window", w.data ? w.data : "", err);
        sl_buf_release(&w);
        if (rc < 0)
            return -1;
    }
    /* the write-ahead entries stay until the next epoch starts: a crash
     * before this run is marked done resumes from them */
    return 0;
}

void sl_sqlsource_release(sl_sqlsource *s)
{
    sl_free(s->key);
    sl_names_release(&s->names);
    sl_bookmarks_release(&s->marks);
    if (s->hash)
        XXH3_freeState(s->hash);
    sl_free(s->bookmark);
    sl_free(s->seen);
    sl_free(s->win);
    sl_free(s->keep);
}
