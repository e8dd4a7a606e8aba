/* typing.c: see typing.h. */
#include "engine/typing.h"
#include "core/failpoint.h"
#include "core/log.h"
#include "core/mem.h"
#include "formats/json.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *schema_name(const void *ctx, size_t k, size_t *n)
{
    (void)n;
    return ((const sl_typing *)ctx)->cols[k].name;
}

static const char *declared_name(const void *ctx, size_t k, size_t *n)
{
    (void)n;
    return ((const sl_typing *)ctx)->common->columns.v[k].key;
}

void sl_typing_init(sl_typing *t, const sl_source_common *common)
{
    memset(t, 0, sizeof *t);
    t->common = common;
    sl_nameidx_init(&t->by_name);
    sl_nameidx_init(&t->declared);
    for (size_t i = 0; common && i < common->columns.n; i++) {
        const char *k = common->columns.v[i].key;
        sl_nameidx_add(&t->declared, k, strlen(k), i, declared_name, t);
    }
}

void sl_typing_release(sl_typing *t)
{
    for (size_t i = 0; i < t->n; i++)
        sl_free(t->cols[i].name);
    sl_free(t->cols);
    sl_nameidx_release(&t->by_name);
    sl_nameidx_release(&t->declared);
    sl_free(t->bad);
    for (size_t i = 0; i < t->badcap; i++)
        sl_free(t->why[i]);
    sl_free(t->why);
}

void sl_run_schema_change(sl_run *run, const char *column, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *change = sl_vprintf(fmt, ap);
    va_end(ap);
    if (!run) {
        sl_free(change);
        return;
    }
    char *entry = sl_printf("%s\t%s", column, change);
    pthread_mutex_lock(&run->lock);
    /* a sink that plans again (a new batch shape, a retried batch) reports
     * the same change again: keep it once */
    int seen = 0;
    for (size_t i = 0; i < run->nschema_changes && !seen; i++)
        seen = strcmp(run->schema_changes[i], entry) == 0;
    if (!seen) {
        run->schema_changes = sl_realloc(run->schema_changes, (run->nschema_changes + 1) * sizeof(char *));
        run->schema_changes[run->nschema_changes++] = entry;
        entry = NULL;
    }
    pthread_mutex_unlock(&run->lock);
    if (!seen)
        sl_log_info("%s: schema change: column '%s' %s", run->pipeline->name, column, change);
    sl_free(entry);
    sl_free(change);
}

/* The type that holds raw cell r exactly (see sl_type_infer_value), with
 * its value parsed into *iv or *dv. A present but empty value is text. */
static sl_type cell_type(const sl_column *c, size_t r, int64_t *iv, double *dv)
{
    const sl_str *s = &c->str[r];
    sl_type t;
    switch (c->kind ? c->kind[r] : -1) {
    case SL_KIND_BOOL:
        *iv = s->n && s->p[0] == 't';
        return SL_T_BOOL;
    case SL_KIND_JSON: return SL_T_JSON;
    case SL_KIND_STRING: /* a JSON string is text, unless it is a date or a timestamp */
        t = sl_type_infer_value(s->p, s->n, iv, dv);
        return t == SL_T_DATE || t == SL_T_TIMESTAMP ? t : SL_T_TEXT;
    default: /* text without a kind, or a JSON number (int, float, decimal; text if 1e400) */
        t = sl_type_infer_value(s->p, s->n, iv, dv);
        return t == SL_T_NULL ? SL_T_TEXT : t;
    }
}

/* A decimal cell in the notation every sink writes as it is (a JSON
 * number, a PostgreSQL numeric): `+5`, `.5`, `007`, ` 5 ` are rewritten
 * (sl_decimal_canonical); cell r must hold a valid decimal. */
static void decimal_text(sl_column *c, size_t r, sl_arena *arena)
{
    const sl_str *s = &c->str[r];
    if (s->n && s->p[0] != ' ' && s->p[0] != '\t' && s->p[s->n - 1] != ' ' && s->p[s->n - 1] != '\t' &&
        sl_parse_decimal_exact(s->p, s->n) == 0)
        return;
    char *p = sl_arena_alloc(arena, s->n + 2);
    c->str[r].n = sl_decimal_canonical(s->p, s->n, p);
    c->str[r].p = p;
}

/* Store cell r of an inferred column of type t: 0 when the type holds the
 * value exactly, -1 when the column must widen. */
static int store_exact(sl_column *c, size_t r, sl_type t)
{
    int64_t iv = 0;
    double dv = 0;
    const sl_str *s = &c->str[r];
    if (t == SL_T_TEXT)
        return 0;
    if (t == SL_T_INT && (!c->kind || c->kind[r] == SL_KIND_NUMBER) && sl_parse_int_exact(s->p, s->n, &iv) == 0) {
        c->i64[r] = iv; /* the common case, without the whole inference */
        return 0;
    }
    sl_type ct = cell_type(c, r, &iv, &dv);
    if (sl_type_widen(t, ct) != t)
        return -1;
    switch (t) {
    case SL_T_BOOL:
    case SL_T_INT:
    case SL_T_DATE: c->i64[r] = iv; return 0;
    case SL_T_TIMESTAMP: c->i64[r] = ct == SL_T_DATE ? iv * 86400 * 1000000 : iv; return 0;
    case SL_T_FLOAT:
        if (ct == SL_T_INT) {
            /* an int beyond 2^53 would come back rounded from a double */
            if (iv > (INT64_C(1) << 53) || iv < -(INT64_C(1) << 53))
                return -1;
            dv = (double)iv;
        }
        c->f64[r] = dv;
        return 0;
    case SL_T_DECIMAL: /* kept as written: an int, or a plain decimal */
        return ct == SL_T_FLOAT ? sl_parse_decimal_exact(s->p, s->n) : 0;
    default: return 0; /* json from json */
    }
}

/* Convert cell r of raw column c to type t into the typed arrays. 0 ok. */
static int convert_cell(sl_column *c, size_t r, sl_type t, sl_arena *arena)
{
    const sl_str *s = &c->str[r];
    int kind = c->kind ? c->kind[r] : -1;
    switch (t) {
    case SL_T_BOOL:
        if (kind == SL_KIND_JSON || kind == SL_KIND_NUMBER)
            return -1;
        return sl_parse_bool(s->p, s->n, &c->i64[r]);
    case SL_T_INT:
        if (kind == SL_KIND_JSON || kind == SL_KIND_BOOL)
            return -1;
        return sl_parse_int(s->p, s->n, &c->i64[r]);
    case SL_T_FLOAT:
        if (kind == SL_KIND_JSON || kind == SL_KIND_BOOL)
            return -1;
        return sl_parse_float(s->p, s->n, &c->f64[r]);
    case SL_T_DECIMAL:
        if (kind == SL_KIND_JSON || kind == SL_KIND_BOOL || sl_parse_decimal(s->p, s->n) < 0)
            return -1;
        decimal_text(c, r, arena);
        return 0;
    case SL_T_DATE:
        return kind > SL_KIND_STRING ? -1 : sl_parse_date(s->p, s->n, &c->i64[r]);
    case SL_T_TIMESTAMP:
        return kind > SL_KIND_STRING ? -1 : sl_parse_timestamp(s->p, s->n, &c->i64[r]);
    case SL_T_JSON:
        if (kind == SL_KIND_STRING) {
            /* a JSON string value stays valid JSON: re-quote it */
            sl_buf q;
            sl_buf_init(&q);
            sl_buf_add_json_str(&q, s->p, s->n);
            c->str[r].p = sl_arena_copy(arena, q.data, q.len);
            c->str[r].n = q.len;
            sl_buf_release(&q);
            return 0;
        }
        if (kind < 0) {
            char e[8];
            return sl_json_validate(s->p, s->n, e, sizeof e);
        }
        return 0;
    default:
        return 0; /* text takes everything */
    }
}

static sl_typing_col *schema_find(sl_typing *t, const char *name)
{
    long k = sl_nameidx_find(&t->by_name, name, strlen(name), schema_name, t);
    return k >= 0 ? &t->cols[k] : NULL;
}

static sl_typing_col *schema_add(sl_typing *t, const char *name, sl_type type, int declared)
{
    SL_GROW(t->cols, t->cap, t->n + 1);
    sl_typing_col *c = &t->cols[t->n];
    c->name = sl_strdup(name);
    c->type = type;
    c->declared = declared;
    sl_nameidx_add(&t->by_name, c->name, strlen(c->name), t->n, schema_name, t);
    t->n++;
    return c;
}

static const char *declared_type(const sl_typing *t, const char *name, sl_type *out)
{
    long k = sl_nameidx_find(&t->declared, name, strlen(name), declared_name, t);
    if (k < 0)
        return NULL;
    const sl_kv *kv = &t->common->columns.v[k];
    return sl_type_parse(kv->value, out) == 0 ? kv->value : NULL;
}

static int cancelled(const sl_run *run, sl_error *err)
{
    sl_failpoint("typing.column"); /* sleepMS: slow typing of a wide batch, for cancellation tests */
    if (!sl_run_cancelled(run))
        return 0;
    sl_error_set(err, SL_ECANCELLED, "interrupted");
    return 1;
}

/* The batch's columns not in the schema yet, if they would take it beyond
 * max_columns: -1 with err naming the limit. */
static int check_width(const sl_typing *t, const sl_batch *b, sl_run *run, sl_error *err)
{
    size_t max = sl_source_max_columns(t->common), fresh = 0;
    if (t->n + b->ncols <= max)
        return 0;
    for (size_t i = 0; i < b->ncols; i++)
        fresh += sl_nameidx_find(&t->by_name, b->cols[i].name, b->cols[i].namelen, schema_name, t) < 0;
    if (t->n + fresh <= max)
        return 0;
    const char *src = run && run->pipeline ? run->pipeline->source.id : "source";
    return sl_error_set(err, SL_EDATA,
                        "source %s: the rows have %zu columns, more than max_columns (%zu): raise max_columns "
                        "(up to 100000; PostgreSQL allows 1600 columns per table, SQLite 2000) or read fewer "
                        "columns", src, t->n + fresh, max);
}

static void mark_bad(sl_typing *t, size_t r, const sl_column *c, sl_type type)
{
    if (t->bad[r])
        return;
    t->bad[r] = 1;
    const sl_str *s = &c->str[r];
    sl_free(t->why[r]);
    t->why[r] = sl_printf("column '%s': '%.*s' is not a valid %s", c->name, (int)(s->n > 80 ? 80 : s->n),
                          s->p, sl_type_name(type));
}

/* The type column c, not in the schema yet, is declared (by `columns:`,
 * or a database source's own type): 1 with *out, else 0. */
static int new_declared(const sl_typing *t, const sl_column *c, sl_type *out)
{
    if (declared_type(t, c->name, out))
        return 1;
    if (c->raw && c->type != SL_T_TEXT && c->type != SL_T_NULL) {
        *out = c->type; /* a database source knows the column's type */
        return 1;
    }
    return 0;
}

int sl_typing_apply(sl_typing *t, sl_batch *b, sl_run *run, sl_error *err)
{
    int infer = t->common ? t->common->infer_types : 1;
    if (b->rowcap > t->badcap) {
        t->bad = sl_realloc(t->bad, b->rowcap);
        t->why = sl_realloc(t->why, b->rowcap * sizeof *t->why);
        memset(t->why + t->badcap, 0, (b->rowcap - t->badcap) * sizeof *t->why);
        t->badcap = b->rowcap;
    }
    if (b->nrows == 0)
        return 0; /* e.g. a resumed file whose rows were all committed: its header
                   * alone must not decide the columns' types (they would all be
                   * text, and the next input's numbers would retype the table) */
    if (b->nrows)
        memset(t->bad, 0, b->nrows);
    if (check_width(t, b, run, err) < 0)
        return -1;

    /* per batch column: its schema entry's index (-1 while new; an index,
     * as schema_add moves the entries), and a new column's declared type
     * (SL_T_NULL: none) */
    long *sc = sl_calloc(b->ncols ? b->ncols : 1, sizeof *sc);
    sl_type *dt = sl_calloc(b->ncols ? b->ncols : 1, sizeof *dt);
    int rc = -1;

    /* 1. declared columns (known or new): a value that does not convert
     * rejects its row. Rows rejected here decide nothing below. */
    for (size_t i = 0; i < b->ncols; i++) {
        if (cancelled(run, err))
            goto out;
        sl_column *c = &b->cols[i];
        sc[i] = sl_nameidx_find(&t->by_name, c->name, strlen(c->name), schema_name, t);
        dt[i] = SL_T_NULL;
        sl_type ty = SL_T_TEXT;
        if (sc[i] >= 0 ? !t->cols[sc[i]].declared : !new_declared(t, c, &ty))
            continue;
        if (sc[i] < 0)
            dt[i] = ty;
        else
            ty = t->cols[sc[i]].type;
        int st = sl_type_storage(ty);
        if (st == SL_STORE_I64 && !c->i64)
            c->i64 = sl_malloc(c->cap * sizeof *c->i64);
        if (st == SL_STORE_F64 && !c->f64)
            c->f64 = sl_malloc(c->cap * sizeof *c->f64);
        for (size_t r = 0; r < b->nrows; r++)
            if (c->valid[r] && convert_cell(c, r, ty, &b->arena) < 0)
                mark_bad(t, r, c, ty);
    }

    /* 2. new columns join the schema: a declared one with its type, an
     * inferred one with the type of its values in rows that load. A
     * column of JSON records (its cells have kinds) whose only values are
     * in rejected rows does not: a rejected record adds nothing to the
     * destination (it is dropped from this batch below; the DLQ record
     * keeps it). A column without any value (a member that is null) joins
     * as before. */
    for (size_t i = 0; i < b->ncols; i++) {
        sl_column *c = &b->cols[i];
        if (sc[i] >= 0)
            continue;
        int good = 0, rejected = 0;
        sl_type ty = dt[i];
        int64_t iv;
        double dv;
        for (size_t r = 0; r < b->nrows; r++) {
            if (!c->valid[r])
                continue;
            if (t->bad[r]) {
                rejected = 1;
                continue;
            }
            good = 1;
            if (dt[i] == SL_T_NULL && infer)
                ty = sl_type_widen(ty, cell_type(c, r, &iv, &dv));
        }
        if (c->kind && rejected && !good)
            continue;
        if (ty == SL_T_NULL)
            ty = SL_T_TEXT;
        schema_add(t, c->name, ty, dt[i] != SL_T_NULL);
        sc[i] = (long)t->n - 1;
        /* a column first met in a later batch is no change of any
         * destination (sinks record what they add to a table, once);
         * recorded here it came back on every run of the same input */
        if (t->batches > 0 && run)
            sl_log_debug("%s: column '%s' (%s) first appears in batch %d of the run", run->pipeline->name, c->name,
                         sl_type_name(ty), t->batches + 1);
    }

    /* 3. convert inferred columns, widening them to hold the values of
     * rows that load (a rejected row's values widen nothing) */
    for (size_t i = 0; i < b->ncols; i++) {
        if (cancelled(run, err))
            goto out;
        sl_column *c = &b->cols[i];
        if (sc[i] < 0 || t->cols[sc[i]].declared)
            continue;
        sl_typing_col *s = &t->cols[sc[i]];
        int st = sl_type_storage(s->type);
        if (st == SL_STORE_I64 && !c->i64)
            c->i64 = sl_malloc(c->cap * sizeof *c->i64);
        if (st == SL_STORE_F64 && !c->f64)
            c->f64 = sl_malloc(c->cap * sizeof *c->f64);
        int text = s->type == SL_T_TEXT;
        for (size_t r = 0; r < b->nrows; r++) {
            /* the cells were written a whole batch ago and are out of the
             * cache: ask for the ones a few rows ahead while this one parses */
            if (!text && r + 8 < b->nrows && c->valid[r + 8])
                __builtin_prefetch(c->str[r + 8].p);
            if (!c->valid[r] || t->bad[r])
                continue;
            if (store_exact(c, r, s->type) == 0)
                continue;
            /* widen to a type that holds this value too, and start this column over */
            int64_t iv;
            double dv;
            sl_type ct = cell_type(c, r, &iv, &dv), wider = sl_type_widen(s->type, ct);
            if (wider == s->type) /* a float column meets an int or float a double rounds */
                wider = s->type == SL_T_FLOAT && (ct == SL_T_INT || ct == SL_T_FLOAT) ? SL_T_DECIMAL : SL_T_TEXT;
            sl_run_schema_change(run, c->name, "widened from %s to %s (value at line %lld)",
                                 sl_type_name(s->type), sl_type_name(wider), (long long)b->line[r]);
            s->type = wider;
            i--; /* redo column i with the wider type */
            break;
        }
    }

    /* 4. rejects (while cells are still raw, so the DLQ gets the input
     * text, every member included) */
    size_t nbad = 0;
    for (size_t r = 0; r < b->nrows; r++)
        if (t->bad[r]) {
            sl_batch_reject_row(b, r, "typing", t->why[r]);
            nbad++;
        }

    /* 5. drop the columns that did not join; switch columns to their
     * types; add missing schema columns; order */
    for (size_t i = b->ncols; i-- > 0;)
        if (sc[i] < 0) {
            sl_batch_drop_column(b, i);
            sl_free(b->cols[b->ncols].kind); /* the dropped slot: no kinds for a typed column reusing it */
            b->cols[b->ncols].kind = NULL;
        }
    for (size_t i = 0; i < b->ncols; i++) {
        sl_column *c = &b->cols[i];
        c->raw = 0;
        c->type = schema_find(t, c->name)->type;
        sl_free(c->kind);
        c->kind = NULL;
    }
    for (size_t s = 0; s < t->n; s++)
        if (sl_batch_find(b, t->cols[s].name) < 0) {
            sl_batch_add_column(b, t->cols[s].name, strlen(t->cols[s].name), t->cols[s].type, 0);
        }
    /* reorder columns to schema order (schema order is stable across batches) */
    for (size_t s = 0; s < t->n; s++) {
        int at = sl_batch_find(b, t->cols[s].name);
        if (at != (int)s)
            sl_batch_swap_columns(b, s, (size_t)at);
    }
    if (nbad) {
        for (size_t r = 0; r < b->nrows; r++)
            t->bad[r] = !t->bad[r];
        sl_batch_keep(b, t->bad);
    }
    t->batches++;
    rc = 0;
out:
    sl_free(sc);
    sl_free(dt);
    return rc;
}
