/* batch.c: see batch.h. */
#include "core/batch.h"
#include "core/mem.h"
#include "core/nameidx.h"
#include <stdio.h>
#include <math.h>
#include <string.h>

/* The column name index. `stale`: columns were dropped, renamed or moved
 * since it was built; it is built again at the next lookup. */
struct sl_batch_index {
    sl_nameidx x;
    int stale;
};

sl_batch *sl_batch_new(void)
{
    sl_batch *b = sl_calloc(1, sizeof *b);
    sl_arena_init(&b->arena);
    b->file_index = -1;
    b->index = sl_calloc(1, sizeof *b->index);
    sl_nameidx_init(&b->index->x);
    return b;
}

static const char *col_name(const void *ctx, size_t k, size_t *n)
{
    const sl_batch *b = ctx;
    if (k >= b->ncols || !b->cols[k].name) {
        *n = 0;
        return "";
    }
    *n = b->cols[k].namelen;
    return b->cols[k].name;
}

static void index_rebuild(const sl_batch *b)
{
    struct sl_batch_index *ix = b->index;
    sl_nameidx_clear(&ix->x);
    for (size_t i = 0; i < b->ncols; i++)
        sl_nameidx_add(&ix->x, b->cols[i].name, b->cols[i].namelen, i, col_name, b);
    ix->stale = 0;
}

static void column_release(sl_column *c)
{
    sl_free(c->name);
    sl_free(c->kind);
    sl_free(c->valid);
    sl_free(c->i64);
    sl_free(c->f64);
    sl_free(c->str);
    memset(c, 0, sizeof *c);
}

static void rejects_clear(sl_batch *b)
{
    for (size_t i = 0; i < b->nrejects; i++) {
        sl_free(b->rejects[i].stage);
        sl_free(b->rejects[i].reason);
        sl_free(b->rejects[i].raw);
    }
    b->nrejects = 0;
}

void sl_batch_free(sl_batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->colcap; i++)
        column_release(&b->cols[i]);
    sl_free(b->cols);
    sl_free(b->offset);
    sl_free(b->line);
    sl_free(b->derived);
    rejects_clear(b);
    sl_free(b->rejects);
    sl_arena_release(&b->arena);
    sl_nameidx_release(&b->index->x);
    sl_free(b->index);
    sl_free(b);
}

void sl_batch_clear(sl_batch *b)
{
    for (size_t i = 0; i < b->ncols; i++) {
        sl_free(b->cols[i].name);
        b->cols[i].name = NULL;
    }
    b->ncols = 0;
    b->layout++;
    b->nrows = 0;
    /* columns added to this batch next are sized for its rows, not for the
     * longest batch it once held (columns keep the arrays they have) */
    b->rowcap = 0;
    sl_nameidx_clear(&b->index->x);
    b->index->stale = 0;
    rejects_clear(b);
    sl_arena_reset(&b->arena);
    b->file_index = -1;
    b->file = NULL;
    b->end_offset = 0;
    b->end_line = 0;
    b->no_position = 0;
    b->file_done = 0;
    b->bytes = 0;
    b->nread = b->nfiltered = 0;
    b->nderived = 0;
    b->clock_us = 0;
}

void sl_column_ensure(sl_column *c, size_t rows)
{
    if (rows <= c->cap && c->valid &&
        (sl_type_storage(c->type) != SL_STORE_I64 || c->i64) &&
        (sl_type_storage(c->type) != SL_STORE_F64 || c->f64) &&
        (sl_type_storage(c->type) != SL_STORE_STR || c->str) && (!c->raw || c->str))
        return;
    size_t cap = c->cap > rows ? c->cap : rows;
    if (cap < 16)
        cap = 16;
    /* every array either exists at size c->cap or not at all; grow them together */
    size_t old = c->valid ? c->cap : 0;
    c->valid = sl_realloc(c->valid, cap);
    memset(c->valid + old, 0, cap - old);
    int st = c->raw ? SL_STORE_STR : sl_type_storage(c->type);
    if (c->i64 || st == SL_STORE_I64)
        c->i64 = sl_realloc(c->i64, cap * sizeof *c->i64);
    if (c->f64 || st == SL_STORE_F64)
        c->f64 = sl_realloc(c->f64, cap * sizeof *c->f64);
    if (c->str || st == SL_STORE_STR)
        c->str = sl_realloc(c->str, cap * sizeof *c->str);
    if (c->kind) { /* new rows are strings until a reader says otherwise */
        c->kind = sl_realloc(c->kind, cap);
        memset(c->kind + old, SL_KIND_STRING, cap - old);
    }
    c->cap = cap;
}

void sl_column_set_type(sl_column *c, sl_type t, size_t rows)
{
    c->type = t;
    c->raw = 0;
    sl_column_ensure(c, rows);
}

size_t sl_batch_add_column(sl_batch *b, const char *name, size_t namelen, sl_type type, int raw)
{
    if (b->ncols == b->colcap) {
        size_t old = b->colcap;
        SL_GROW(b->cols, b->colcap, b->ncols + 1);
        memset(b->cols + old, 0, (b->colcap - old) * sizeof *b->cols);
    }
    sl_column *c = &b->cols[b->ncols];
    c->name = sl_strndup(name, namelen);
    c->namelen = namelen;
    c->type = type;
    c->raw = raw;
    c->rendered = 0;
    sl_column_ensure(c, b->rowcap);
    memset(c->valid, 0, c->cap);
    if (c->kind)
        memset(c->kind, 0, c->cap);
    size_t i = b->ncols++;
    if (!b->index->stale && b->index->x.n == i)
        sl_nameidx_add(&b->index->x, c->name, namelen, i, col_name, b);
    return i;
}

int sl_batch_find(const sl_batch *b, const char *name)
{
    struct sl_batch_index *ix = b->index;
    if (ix->stale || ix->x.n != b->ncols)
        index_rebuild(b);
    long k = sl_nameidx_find(&ix->x, name, strlen(name), col_name, b);
    return k >= 0 && (size_t)k < b->ncols ? (int)k : -1;
}

void sl_batch_swap_columns(sl_batch *b, size_t i, size_t j)
{
    if (i == j)
        return;
    struct sl_batch_index *ix = b->index;
    if (!ix->stale && ix->x.n == b->ncols)
        sl_nameidx_swap(&ix->x, i, j, col_name, b);
    else
        ix->stale = 1;
    sl_column tmp = b->cols[i];
    b->cols[i] = b->cols[j];
    b->cols[j] = tmp;
}

size_t sl_batch_max_rows(size_t ncols, size_t batch_rows)
{
    size_t rows = ncols ? SL_BATCH_CELLS / ncols : batch_rows;
    if (rows > batch_rows)
        rows = batch_rows;
    return rows ? rows : 1;
}

/* Make b->derived cover every row (zero for rows not derived). */
static void derived_ensure(sl_batch *b)
{
    if (b->derivedcap < b->rowcap) {
        size_t old = b->derived ? b->derivedcap : 0;
        b->derived = sl_realloc(b->derived, b->rowcap);
        memset(b->derived + old, 0, b->rowcap - old);
        b->derivedcap = b->rowcap;
    }
}

size_t sl_batch_add_row(sl_batch *b, int64_t offset, int64_t line)
{
    if (b->nrows == b->rowcap) {
        size_t cap = b->rowcap ? b->rowcap * 2 : 16;
        if (cap > b->poscap) {
            b->offset = sl_realloc(b->offset, cap * sizeof *b->offset);
            b->line = sl_realloc(b->line, cap * sizeof *b->line);
            b->poscap = cap;
        }
        b->rowcap = cap;
        for (size_t i = 0; i < b->ncols; i++)
            sl_column_ensure(&b->cols[i], cap);
    }
    size_t r = b->nrows++;
    b->offset[r] = offset;
    b->line[r] = line;
    if (b->nderived) {
        derived_ensure(b);
        b->derived[r] = 0;
    }
    for (size_t i = 0; i < b->ncols; i++)
        b->cols[i].valid[r] = 0;
    return r;
}

size_t sl_batch_add_derived_row(sl_batch *b, size_t at, int64_t offset, int64_t line)
{
    if (!b->nderived && b->derived)
        memset(b->derived, 0, b->derivedcap); /* stale marks of an earlier use */
    size_t last = sl_batch_add_row(b, offset, line);
    derived_ensure(b);
    b->derived[last] = 1;
    b->nderived++;
    if (at >= last)
        return last;
    /* move the new (all-null) row from the end to `at` */
    memmove(b->offset + at + 1, b->offset + at, (last - at) * sizeof *b->offset);
    memmove(b->line + at + 1, b->line + at, (last - at) * sizeof *b->line);
    memmove(b->derived + at + 1, b->derived + at, last - at);
    b->offset[at] = offset;
    b->line[at] = line;
    b->derived[at] = 1;
    for (size_t i = 0; i < b->ncols; i++) {
        sl_column *c = &b->cols[i];
        memmove(c->valid + at + 1, c->valid + at, last - at);
        c->valid[at] = 0;
        if (c->i64)
            memmove(c->i64 + at + 1, c->i64 + at, (last - at) * sizeof *c->i64);
        if (c->f64)
            memmove(c->f64 + at + 1, c->f64 + at, (last - at) * sizeof *c->f64);
        if (c->str) {
            memmove(c->str + at + 1, c->str + at, (last - at) * sizeof *c->str);
            c->str[at] = (sl_str){NULL, 0};
        }
        if (c->kind)
            memmove(c->kind + at + 1, c->kind + at, last - at);
    }
    return at;
}

void sl_batch_set_text(sl_batch *b, size_t col, size_t row, const char *p, size_t n)
{
    sl_column *c = &b->cols[col];
    c->str[row].p = sl_arena_copy(&b->arena, p, n);
    c->str[row].n = n;
    c->valid[row] = 1;
}

void sl_batch_keep(sl_batch *b, const uint8_t *keep)
{
    size_t w = 0;
    for (size_t r = 0; r < b->nrows; r++) {
        if (!keep[r])
            continue;
        if (w != r) {
            b->offset[w] = b->offset[r];
            b->line[w] = b->line[r];
            if (b->nderived)
                b->derived[w] = b->derived[r];
            for (size_t i = 0; i < b->ncols; i++) {
                sl_column *c = &b->cols[i];
                c->valid[w] = c->valid[r];
                if (c->i64) c->i64[w] = c->i64[r];
                if (c->f64) c->f64[w] = c->f64[r];
                if (c->str) c->str[w] = c->str[r];
                if (c->kind) c->kind[w] = c->kind[r];
            }
        }
        w++;
    }
    b->nrows = w;
}

void sl_batch_drop_column(sl_batch *b, size_t i)
{
    sl_column tmp = b->cols[i];
    memmove(b->cols + i, b->cols + i + 1, (b->ncols - i - 1) * sizeof *b->cols);
    b->ncols--;
    b->layout++;
    sl_free(tmp.name);
    tmp.name = NULL;
    b->cols[b->ncols] = tmp; /* keep its arrays for reuse */
    b->index->stale = 1;
}

void sl_batch_unadd_row(sl_batch *b, size_t row, size_t ncols)
{
    b->nrows--;
    for (size_t c = 0; c < b->ncols; c++)
        b->cols[c].valid[row] = 0;
    while (b->ncols > ncols)
        sl_batch_drop_column(b, b->ncols - 1);
}

void sl_batch_rename_column(sl_batch *b, size_t i, const char *name)
{
    sl_free(b->cols[i].name);
    b->cols[i].name = sl_strdup(name);
    b->cols[i].namelen = strlen(name);
    b->index->stale = 1;
    b->layout++;
}

static sl_reject *reject_add(sl_batch *b, int64_t offset, int64_t line, const char *stage,
                             const char *reason)
{
    SL_GROW(b->rejects, b->caprejects, b->nrejects + 1);
    sl_reject *r = &b->rejects[b->nrejects++];
    r->offset = offset;
    r->line = line;
    r->stage = sl_strdup(stage);
    r->reason = sl_strdup(reason);
    r->raw = NULL;
    return r;
}

void sl_batch_reject_raw(sl_batch *b, int64_t offset, int64_t line, const char *stage,
                         const char *reason, const char *raw, size_t rawlen)
{
    if (rawlen > 65536)
        rawlen = 65536; /* the DLQ keeps the first 64 KiB of a monster record */
    reject_add(b, offset, line, stage, reason)->raw = sl_strndup(raw, rawlen);
}

void sl_batch_reject_row(sl_batch *b, size_t row, const char *stage, const char *reason)
{
    sl_buf j;
    sl_buf_init(&j);
    sl_batch_row_json(b, row, &j);
    reject_add(b, b->offset[row], b->line[row], stage, reason)->raw = sl_buf_detach(&j);
}

void sl_batch_render_times(sl_batch *b)
{
    for (size_t i = 0; i < b->ncols; i++) {
        sl_column *c = &b->cols[i];
        if (c->raw || (c->type != SL_T_DATE && c->type != SL_T_TIMESTAMP) || b->nrows == 0)
            continue;
        if (!c->str)
            c->str = sl_malloc(c->cap * sizeof *c->str);
        /* the longest: "-292277-01-09T04:00:54.775808Z" and its NUL */
        char *out = sl_arena_alloc(&b->arena, b->nrows * 32);
        for (size_t r = 0; r < b->nrows; r++) {
            if (!c->valid[r])
                continue;
            size_t n = c->type == SL_T_DATE ? sl_format_date(out, c->i64[r]) : sl_format_timestamp(out, c->i64[r]);
            c->str[r].p = out;
            c->str[r].n = n;
            out += n + 1;
        }
        c->rendered = 1;
    }
}

int sl_cell_text(const sl_column *c, size_t row, char *tmp, const char **p, size_t *n)
{
    if (!c->valid[row])
        return 0;
    if (sl_column_is_text(c)) {
        *p = c->str[row].p;
        *n = c->str[row].n;
        return 1;
    }
    switch (c->type) {
    case SL_T_BOOL: *p = c->i64[row] ? "true" : "false"; *n = strlen(*p); break;
    case SL_T_INT: *n = (size_t)sprintf(tmp, "%lld", (long long)c->i64[row]); *p = tmp; break;
    case SL_T_FLOAT: *n = sl_format_float(tmp, c->f64[row]); *p = tmp; break;
    case SL_T_DATE: *n = sl_format_date(tmp, c->i64[row]); *p = tmp; break;
    case SL_T_TIMESTAMP: *n = sl_format_timestamp(tmp, c->i64[row]); *p = tmp; break;
    default: *p = c->str[row].p; *n = c->str[row].n; break;
    }
    return 1;
}

void sl_cell_json(const sl_column *c, size_t row, sl_buf *out)
{
    char tmp[64];
    const char *p;
    size_t n;
    if (!sl_cell_text(c, row, tmp, &p, &n)) {
        sl_buf_add(out, "null", 4);
        return;
    }
    int verbatim = c->raw ? (c->kind && c->kind[row] != SL_KIND_STRING)
                          : (c->type == SL_T_BOOL || c->type == SL_T_INT || c->type == SL_T_FLOAT ||
                             c->type == SL_T_DECIMAL || c->type == SL_T_JSON);
    if (!c->raw && c->type == SL_T_FLOAT && !isfinite(c->f64[row])) {
        /* JSON has no infinity or NaN: 9e999, which parsers read back
         * as infinity (SQLite's JSON writer does the same since 3.45),
         * and null */
        sl_buf_adds(out, isnan(c->f64[row]) ? "null" : c->f64[row] > 0 ? "9e999" : "-9e999");
        return;
    }
    if (verbatim)
        sl_buf_add(out, p, n);
    else
        sl_buf_add_json_str(out, p, n);
}

/* Bytes of s[0..n) cut to at most max at a UTF-8 character boundary. */
static size_t utf8_cut(const char *s, size_t n, size_t max)
{
    if (n <= max)
        return n;
    size_t k = max;
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
        k--;
    return k;
}

void sl_batch_row_json_capped(const sl_batch *b, size_t row, size_t cell_max, size_t row_max, sl_buf *out)
{
    size_t start = out->len;
    sl_buf_addc(out, '{');
    for (size_t i = 0; i < b->ncols; i++) {
        if (out->len - start > row_max) {
            sl_buf_addf(out, ",\"...\":\"%zu more column%s\"", b->ncols - i, b->ncols - i == 1 ? "" : "s");
            break;
        }
        const sl_column *c = &b->cols[i];
        if (i)
            sl_buf_addc(out, ',');
        sl_buf_add_json_str(out, c->name, strlen(c->name));
        sl_buf_addc(out, ':');
        char tmp[64];
        const char *p;
        size_t n;
        if (sl_cell_text(c, row, tmp, &p, &n) && n > cell_max) {
            sl_buf tx;
            sl_buf_init(&tx);
            sl_buf_add(&tx, p, utf8_cut(p, n, cell_max));
            sl_buf_adds(&tx, "\xe2\x80\xa6"); /* … */
            sl_buf_add_json_str(out, tx.data, tx.len);
            sl_buf_release(&tx);
        } else {
            sl_cell_json(c, row, out);
        }
    }
    sl_buf_addc(out, '}');
}

void sl_batch_row_json(const sl_batch *b, size_t row, sl_buf *out)
{
    sl_buf_addc(out, '{');
    for (size_t i = 0; i < b->ncols; i++) {
        if (i)
            sl_buf_addc(out, ',');
        sl_buf_add_json_str(out, b->cols[i].name, strlen(b->cols[i].name));
        sl_buf_addc(out, ':');
        sl_cell_json(&b->cols[i], row, out);
    }
    sl_buf_addc(out, '}');
}

int sl_batch_check_accounting(const sl_batch *b)
{
    return b->nread + b->nderived == (int64_t)b->nrows + b->nfiltered + (int64_t)b->nrejects ? 0 : -1;
}
