/*
 * lookup.c: the `lookup` transform: enrich rows with columns of a
 * warehouse table, seed or model (or a query of the warehouse), matched by
 * key (docs/gtm/transforms.md).
 *
 *   {type: lookup, from: accounts, key: {account_id: id},
 *    columns: [name, plan as account_plan], on_miss: keep|drop|reject}
 *
 * At the start of a run the lookup relation is read once from the
 * project's warehouse (SQLite or PostgreSQL, through models/adapter.h)
 * into a private temporary SQLite database indexed by key; its page cache
 * is `memory_limit` bytes, so a small table stays in memory and a large one
 * spills to a temporary file: memory is bounded either way, and no data
 * value ever reaches a statement (rows are matched with bound parameters).
 *
 * Refresh (long and continuous runs, docs/events/enrichment.md): the
 * relation is read again every `refresh:` interval (`ttl:` is its older
 * name), and on a SQLite warehouse also when another connection committed
 * to the warehouse: `PRAGMA data_version` of the lookup's own connection,
 * kept open for the run, is checked once per batch (a few microseconds)
 * and a move reloads; so that a busy warehouse (the pipeline's own sink
 * commits every micro-batch) does not reload a big table all the time, a
 * commit-triggered reload waits at least ten times as long as the last
 * reload took (the cost stays under about a tenth of the run's time).
 * PostgreSQL has no such counter: the interval only.
 * A reload fills the second of two tables (t0, t1) and the lookups switch
 * to it only when it is complete, between batches: a batch never sees half
 * the old rows and half the new; a reload that fails fails the run.
 *
 * Keys compare by their key form (transforms/tcell.h): as text, except that
 * a whole number written as 1.0 is 1; so the integer 1, the float 1.0 and
 * the text '1' match, '01' does not, and case matters. A key with a null
 * in it matches nothing (a miss). Two lookup rows with one key:
 * `duplicates: first` keeps the first the warehouse returns (give
 * `query:` an ORDER BY to choose), `duplicates: error` fails the run
 * naming the key.
 *
 * Types of the added columns: the lookup table's declared types (SQLite
 * affinities, PostgreSQL types: integer -> int, timestamp -> timestamp,
 * ...) when every value parses as one, else text; for a `query:`, the
 * type its values have (as the csv source infers it).
 *
 * A miss: `keep` adds nulls, `drop` drops the row (filtered), `reject`
 * sends it to the DLQ with "lookup: no accounts row for account_id = 7".
 *
 * On PostgreSQL a query:'s unqualified names resolve in the warehouse's
 * schema first (search_path: that schema, then public).
 *
 * DAG: a pipeline whose lookup reads a model's, seed's or snapshot's table
 * (from:, or a word of query:) runs after it (models/graph_link.c).
 */
#include "core/log.h"
#include "core/mem.h"
#include "core/sqlident.h"
#include "core/util.h"
#include "db/sqlite.h"
#include "engine/colcheck.h"
#include "engine/project.h"
#include "engine/run.h"
#include "models/adapter.h"
#include "transforms/columns.h"
#include "transforms/tcell.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef struct lookup_opts {
    char *from, *query;
    sl_kvlist key;
    sl_strlist columns;
    char *on_miss, *duplicates;
    int64_t memory_limit, ttl, refresh;
} lookup_opts;

static const sl_option lookup_options[] = {
    {"from", SL_OPT_STRING, "", 0, offsetof(lookup_opts, from), NULL,
     "warehouse table, seed or model to read (or query:)"},
    {"query", SL_OPT_STRING, "", SL_OPT_MULTILINE, offsetof(lookup_opts, query), NULL,
     "a SELECT of the warehouse to read instead of a table"},
    {"key", SL_OPT_MAP, NULL, SL_OPT_REQUIRED, offsetof(lookup_opts, key), NULL,
     "row column: lookup column, one or more, e.g. {account_id: id}"},
    {"columns", SL_OPT_LIST, NULL, SL_OPT_REQUIRED, offsetof(lookup_opts, columns), NULL,
     "lookup columns to add, each `name` or `name as new_name`, e.g. [name, plan as account_plan]"},
    {"on_miss", SL_OPT_ENUM, "keep", 0, offsetof(lookup_opts, on_miss), "keep|drop|filter|reject",
     "a row whose key is not in the lookup: keep it with nulls, drop it (filtered; `filter` is the same), or send "
     "it to the DLQ"},
    {"duplicates", SL_OPT_ENUM, "first", 0, offsetof(lookup_opts, duplicates), "first|error",
     "two lookup rows with one key: keep the first read, or fail the run"},
    {"memory_limit", SL_OPT_INT, "67108864", 0, offsetof(lookup_opts, memory_limit), NULL,
     "bytes of memory for the lookup rows (at least 4096); beyond it they spill to a temporary file"},
    {"refresh", SL_OPT_DURATION, "0s", 0, offsetof(lookup_opts, refresh), NULL,
     "read the lookup relation again every this long while a run lasts (0: at the start, and on SQLite when "
     "another connection commits to the warehouse)"},
    {"ttl", SL_OPT_DURATION, "0s", 0, offsetof(lookup_opts, ttl), NULL,
     "the older name of refresh: (refresh: wins when both are given)"},
    SL_OPT_END,
};

typedef struct lookup_col {
    char *src, *dst;
    sl_type type;   /* SL_T_NULL until loaded */
    sl_type decl;   /* declared type, or SL_T_NULL */
    int fits;       /* every value so far parses as decl */
} lookup_col;

typedef struct lookup_state {
    sqlite3 *db;
    sqlite3_stmt *put[2], *get[2]; /* tables t0 and t1 */
    int cur;                       /* the table lookups read; a reload fills the other */
    lookup_col *cols;
    size_t ncols, nkeys;
    int dup_error, miss;  /* miss: 0 keep, 1 drop, 2 reject */
    double loaded_at;     /* sl_mono_s() when the last load started */
    double load_s;        /* how long it took */
    int64_t interval;     /* refresh: seconds, 0 none */
    sl_adapter *wh;       /* SQLite warehouse: kept open for PRAGMA data_version */
    int64_t data_version; /* of wh, read before the last load */
    int64_t reloads;      /* loads after the first (tests, debug log) */
    int loaded;
    char *what;           /* "accounts" or "the lookup query", for messages */
    sl_error load_err;
    int load_failed;
    sl_buf key;
} lookup_state;

/* "name" or "name as new" (any case of AS). */
static int split_column(const char *s, char **src, char **dst)
{
    const char *p = s;
    const char *as = NULL;
    for (; *p; p++)
        if ((p[0] == ' ') && strncasecmp(p + 1, "as ", 3) == 0)
            as = p;
    if (!as) {
        if (!*s || strchr(s, ' '))
            return -1;
        *src = sl_strdup(s);
        *dst = sl_strdup(s);
        return 0;
    }
    const char *b = as + 4;
    while (*b == ' ')
        b++;
    size_t al = (size_t)(as - s);
    while (al && s[al - 1] == ' ')
        al--;
    if (!al || !*b || strchr(b, ' '))
        return -1;
    *src = sl_strndup(s, al);
    *dst = sl_strdup(b);
    return 0;
}

static int lookup_check(sl_instance *in, sl_diags *d)
{
    lookup_opts *o = in->opts;
    int n = 0;
    if (!*o->from == !*o->query) {
        sl_diags_add(d, in->loc, "transform %s: give from: (a table, seed or model) or query:, not both", in->id);
        n++;
    }
    if (o->key.n == 0) {
        sl_diags_add(d, sl_colcheck_loc(o->key.loc, in), "key: give at least one row column: lookup column");
        n++;
    }
    for (size_t i = 0; i < o->columns.n; i++) {
        char *a, *b;
        if (split_column(o->columns.v[i], &a, &b) < 0) {
            sl_diags_add(d, sl_colcheck_loc(o->columns.loc, in), "columns: '%s' is not `name` or `name as new_name`",
                         o->columns.v[i]);
            n++;
            continue;
        }
        sl_free(a);
        sl_free(b);
    }
    if (o->memory_limit < 4096) {
        sl_diags_add(d, sl_colcheck_loc(sl_options_loc(lookup_options, o, "memory_limit"), in),
                     "memory_limit: at least 4096 bytes");
        n++;
    }
    return n;
}

/* validate: the key columns are there; the added columns are not yet. */
static int lookup_columns(sl_instance *in, sl_colset *c, sl_diags *d)
{
    lookup_opts *o = in->opts;
    int n = 0;
    char what[200];
    snprintf(what, sizeof what, "transform %s, key", in->id);
    for (size_t i = 0; i < o->key.n; i++)
        n += sl_colset_require(c, o->key.v[i].key, sl_colcheck_loc(o->key.loc, in), what, d);
    for (size_t i = 0; i < o->columns.n; i++) {
        char *a, *b;
        if (split_column(o->columns.v[i], &a, &b) < 0)
            continue;
        if (c->known && sl_colset_find(c, b) >= 0) {
            sl_diags_add(d, sl_colcheck_loc(o->columns.loc, in),
                         "transform %s: column '%s' is there already; add it under another name: %s as %s_2", in->id,
                         b, a, b);
            n++;
        }
        sl_colset_add(c, b);
        sl_free(a);
        sl_free(b);
    }
    return n;
}

/* A declared column type -> sluice type (SQLite affinities, PostgreSQL names). */
static sl_type decl_type(const char *decl)
{
    if (!decl || !*decl || strcasestr(decl, "INTERVAL"))
        return SL_T_TEXT;
    if (strcasestr(decl, "BOOL"))
        return SL_T_BOOL;
    if (strcasestr(decl, "INT"))
        return SL_T_INT;
    if (strcasestr(decl, "TIMESTAMP") || strcasestr(decl, "DATETIME"))
        return SL_T_TIMESTAMP;
    if (strcasestr(decl, "DATE"))
        return SL_T_DATE;
    if (strcasestr(decl, "JSON"))
        return SL_T_JSON;
    if (strcasestr(decl, "DECIMAL") || strcasestr(decl, "NUMERIC"))
        return SL_T_DECIMAL;
    if (strcasestr(decl, "REAL") || strcasestr(decl, "FLOA") || strcasestr(decl, "DOUB"))
        return SL_T_FLOAT;
    return SL_T_TEXT;
}

/* One row of the lookup relation: key cells first, then the columns. */
static int load_row(void *ctx, size_t ncols, const char *const *names, const char *const *cells)
{
    (void)names;
    lookup_state *st = ctx;
    if (ncols != st->nkeys + st->ncols)
        return 1;
    sl_buf_reset(&st->key);
    for (size_t k = 0; k < st->nkeys; k++) {
        if (!cells[k])
            return 0; /* a key with a null matches no row */
        sl_tcell_key_text(cells[k], strlen(cells[k]), &st->key);
    }
    sqlite3_stmt *put = st->put[1 - st->cur];
    sqlite3_bind_blob(put, 1, st->key.data, (int)st->key.len, SQLITE_STATIC);
    for (size_t j = 0; j < st->ncols; j++) {
        lookup_col *c = &st->cols[j];
        const char *v = cells[st->nkeys + j];
        if (!v) {
            sqlite3_bind_null(put, (int)(2 + j));
            continue;
        }
        size_t n = strlen(v);
        sqlite3_bind_text(put, (int)(2 + j), v, (int)n, SQLITE_STATIC);
        if (!st->loaded) {
            int64_t iv;
            double dv;
            if (c->decl != SL_T_NULL)
                c->fits = c->fits && sl_tcell_parse(c->decl, v, n, &iv, &dv) == 0;
            else
                c->type = sl_type_widen(c->type, sl_type_infer_text(v, n));
        }
    }
    int rc = sqlite3_step(put);
    sqlite3_reset(put);
    if (rc == SQLITE_CONSTRAINT && st->dup_error) {
        sl_buf msg;
        sl_buf_init(&msg);
        for (size_t k = 0; k < st->nkeys; k++)
            sl_buf_addf(&msg, "%s%s", k ? ", " : "", cells[k]);
        sl_error_set(&st->load_err, SL_EDATA, "lookup: %s has more than one row for the key (%s) (duplicates: error)",
                     st->what, msg.data);
        sl_buf_release(&msg);
        st->load_failed = 1;
        return 1;
    }
    if (rc != SQLITE_DONE) {
        sl_error_set(&st->load_err, SL_EINTERNAL, "lookup: %s", sqlite3_errmsg(st->db));
        st->load_failed = 1;
        return 1;
    }
    return 0;
}

/* Close the warehouse connection unless it is the one kept for the run. */
static void done_with(lookup_state *st, sl_adapter *a)
{
    if (a != st->wh)
        sl_adapter_close(a);
}

/* Read the lookup relation into the private database's spare table, then
 * make it the one lookups read (so a failed or partial read changes
 * nothing they see). */
static int load(sl_instance *in, sl_error *err)
{
    lookup_opts *o = in->opts;
    lookup_state *st = in->state;
    sl_adapter *a = st->wh;
    double t0 = sl_mono_s();
    if (!a && sl_adapter_open(in->run->project, &a, err) < 0)
        return sl_error_prefix(err, "transform %s: the warehouse", in->id);
    if (a == st->wh && sl_adapter_scalar(a, "PRAGMA data_version", &st->data_version, err) < 0)
        return sl_error_prefix(err, "transform %s: the warehouse", in->id);
    sl_buf sql;
    sl_buf_init(&sql);
    if (!st->loaded && *o->from) {
        sl_adapter_column *dc = NULL;
        size_t nd = 0;
        int exists = 0, is_view = 0;
        if (sl_adapter_exists(a, (sl_relation){NULL, o->from}, &exists, &is_view, err) < 0 || !exists) {
            if (!exists)
                sl_error_set(err, SL_ECONFIG, "transform %s: from: there is no table '%s' in the warehouse (build "
                                              "the model or seed first, or load it)", in->id, o->from);
            done_with(st, a);
            return -1;
        }
        if (sl_adapter_columns(a, (sl_relation){NULL, o->from}, &dc, &nd, err) == 0) {
            for (size_t j = 0; j < st->ncols; j++) {
                int found = 0;
                for (size_t k = 0; k < nd; k++)
                    if (strcmp(dc[k].name, st->cols[j].src) == 0) {
                        st->cols[j].decl = decl_type(dc[k].type);
                        found = 1;
                    }
                if (!found) {
                    sl_error_set(err, SL_ECONFIG, "transform %s: columns: '%s' is not a column of %s", in->id,
                                 st->cols[j].src, o->from);
                    sl_adapter_columns_free(dc, nd);
                    done_with(st, a);
                    return -1;
                }
            }
            for (size_t k = 0; k < st->nkeys; k++) {
                int found = 0;
                for (size_t i = 0; i < nd; i++)
                    found |= strcmp(dc[i].name, o->key.v[k].value) == 0;
                if (!found) {
                    sl_error_set(err, SL_ECONFIG, "transform %s: key: '%s' is not a column of %s", in->id,
                                 o->key.v[k].value, o->from);
                    sl_adapter_columns_free(dc, nd);
                    done_with(st, a);
                    return -1;
                }
            }
            sl_adapter_columns_free(dc, nd);
        }
    }
    if (*o->query && sl_adapter_is_pg(a)) {
        /* a query's unqualified names are the warehouse schema's, as from:'s are */
        sl_buf_addf(&sql, "SET search_path TO ");
        sl_sql_ident(&sql, sl_adapter_schema(a));
        sl_buf_addf(&sql, ", public");
        int rc = sl_adapter_exec(a, sql.data, err);
        sl_buf_reset(&sql);
        if (rc < 0) {
            sl_buf_release(&sql);
            done_with(st, a);
            return -1;
        }
    }
    sl_buf_addf(&sql, "SELECT ");
    for (size_t k = 0; k < st->nkeys; k++) {
        sl_buf_addf(&sql, "%slk.", k ? ", " : "");
        sl_sql_ident(&sql, o->key.v[k].value);
    }
    for (size_t j = 0; j < st->ncols; j++) {
        sl_buf_addf(&sql, ", lk.");
        sl_sql_ident(&sql, st->cols[j].src);
    }
    sl_buf_addf(&sql, " FROM ");
    if (*o->from)
        sl_adapter_relation_sql(a, (sl_relation){NULL, o->from}, &sql);
    else
        sl_buf_addf(&sql, "(%s)", o->query);
    sl_buf_addf(&sql, " AS lk");
    sqlite3_exec(st->db, st->cur ? "DELETE FROM t0" : "DELETE FROM t1", NULL, NULL, NULL);
    st->load_failed = 0;
    int rc = sl_adapter_query(a, sql.data, 0, load_row, st, err);
    sl_buf_release(&sql);
    done_with(st, a);
    if (rc < 0)
        return sl_error_prefix(err, "transform %s: reading %s", in->id, st->what);
    if (st->load_failed) {
        *err = st->load_err;
        return -1;
    }
    /* complete: switch, and give the old rows' pages back for the next load */
    st->cur = 1 - st->cur;
    sqlite3_exec(st->db, st->cur ? "DELETE FROM t0" : "DELETE FROM t1", NULL, NULL, NULL);
    if (st->loaded)
        st->reloads++;
    if (!st->loaded)
        for (size_t j = 0; j < st->ncols; j++) {
            lookup_col *c = &st->cols[j];
            if (c->decl != SL_T_NULL)
                c->type = c->fits ? c->decl : SL_T_TEXT;
            else if (c->type == SL_T_NULL)
                c->type = SL_T_TEXT;
        }
    st->loaded = 1;
    st->loaded_at = t0;
    st->load_s = sl_mono_s() - t0;
    return 0;
}

static int lookup_open(sl_instance *in, sl_run *run, sl_error *err)
{
    lookup_opts *o = in->opts;
    lookup_state *st = sl_calloc(1, sizeof *st);
    in->state = st;
    (void)run;
    sl_buf_init(&st->key);
    st->nkeys = o->key.n;
    st->ncols = o->columns.n;
    st->dup_error = strcmp(o->duplicates, "error") == 0;
    st->miss = strcmp(o->on_miss, "reject") == 0 ? 2 : strcmp(o->on_miss, "keep") == 0 ? 0 : 1; /* drop, filter */
    st->interval = o->refresh > 0 ? o->refresh : o->ttl;
    st->what = sl_strdup(*o->from ? o->from : "the lookup query");
    st->cols = sl_calloc(st->ncols + 1, sizeof *st->cols);
    for (size_t j = 0; j < st->ncols; j++) {
        if (split_column(o->columns.v[j], &st->cols[j].src, &st->cols[j].dst) < 0)
            return sl_error_set(err, SL_ECONFIG, "transform %s: columns: '%s'", in->id, o->columns.v[j]);
        st->cols[j].fits = 1;
    }
    /* "": a private temporary database, in memory until its cache is full */
    if (sl_sqlite_open("", &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) != SQLITE_OK)
        return sl_error_set(err, SL_EINTERNAL, "lookup: %s", sqlite3_errmsg(st->db));
    sl_buf sql;
    sl_buf_init(&sql);
    sl_buf_addf(&sql, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -%lld;"
                      , (long long)(o->memory_limit / 1024));
    for (int t = 0; t < 2; t++) {
        sl_buf_addf(&sql, " CREATE TABLE t%d (k BLOB PRIMARY KEY", t);
        for (size_t j = 0; j < st->ncols; j++)
            sl_buf_addf(&sql, ", c%zu", j);
        sl_buf_addf(&sql, ") WITHOUT ROWID;");
    }
    int rc = sqlite3_exec(st->db, sql.data, NULL, NULL, NULL);
    for (int t = 0; t < 2 && rc == SQLITE_OK; t++) {
        sl_buf_reset(&sql);
        sl_buf_addf(&sql, "INSERT %s INTO t%d VALUES (?", st->dup_error ? "" : "OR IGNORE", t);
        for (size_t j = 0; j < st->ncols; j++)
            sl_buf_addf(&sql, ", ?");
        sl_buf_addf(&sql, ")");
        rc = sqlite3_prepare_v2(st->db, sql.data, -1, &st->put[t], NULL);
        sl_buf_reset(&sql);
        sl_buf_addf(&sql, "SELECT 1");
        for (size_t j = 0; j < st->ncols; j++)
            sl_buf_addf(&sql, ", c%zu", j);
        sl_buf_addf(&sql, " FROM t%d WHERE k = ?", t);
        if (rc == SQLITE_OK)
            rc = sqlite3_prepare_v2(st->db, sql.data, -1, &st->get[t], NULL);
    }
    sl_buf_release(&sql);
    if (rc != SQLITE_OK)
        return sl_error_set(err, SL_EINTERNAL, "lookup: %s", sqlite3_errmsg(st->db));
    /* a SQLite warehouse: keep the connection, to see other connections' commits */
    sl_adapter *a = NULL;
    if (sl_adapter_open(in->run->project, &a, err) < 0)
        return sl_error_prefix(err, "transform %s: the warehouse", in->id);
    if (sl_adapter_is_pg(a))
        sl_adapter_close(a);
    else
        st->wh = a;
    return load(in, err);
}

/* Between batches: read the relation again when refresh: has passed, or
 * when the SQLite warehouse's data_version moved (another connection
 * committed) and the last load was long enough ago (10 times its cost). */
static int refresh_due(sl_instance *in, sl_error *err)
{
    lookup_state *st = in->state;
    double now = sl_mono_s();
    if (st->interval > 0 && now - st->loaded_at >= (double)st->interval)
        return load(in, err);
    if (!st->wh || now - st->loaded_at < 10 * st->load_s)
        return 0;
    int64_t v = 0;
    if (sl_adapter_scalar(st->wh, "PRAGMA data_version", &v, err) < 0)
        return sl_error_prefix(err, "transform %s: the warehouse", in->id);
    return v != st->data_version ? load(in, err) : 0;
}

static int lookup_process(sl_instance *in, sl_batch *b, sl_error *err)
{
    lookup_opts *o = in->opts;
    lookup_state *st = in->state;
    if (refresh_due(in, err) < 0)
        return -1;
    sqlite3_stmt *get = st->get[st->cur];
    int kcols[64];
    if (st->nkeys > 64)
        return sl_error_set(err, SL_ECONFIG, "lookup: at most 64 key columns");
    for (size_t k = 0; k < st->nkeys; k++)
        if ((kcols[k] = sl_transform_column(in, b, o->key.v[k].key, err)) < 0)
            return -1;
    size_t *out = sl_malloc((st->ncols + 1) * sizeof *out);
    for (size_t j = 0; j < st->ncols; j++) {
        const char *name = st->cols[j].dst;
        int clash = sl_batch_find(b, name);
        if (clash < 0)
            clash = sl_transform_name_clash(b, name, -1);
        if (clash >= 0) {
            sl_free(out);
            return sl_error_set(err, SL_ECONFIG, "%s:%d:%d: transform %s: column '%s' is there already; add it "
                                "under another name: columns: [%s as %s_2]", in->loc.file, in->loc.line,
                                in->loc.col, in->id, b->cols[clash].name, st->cols[j].src, name);
        }
        out[j] = sl_batch_add_column(b, name, strlen(name), st->cols[j].type, 0);
        sl_column_ensure(&b->cols[out[j]], b->rowcap);
    }
    size_t n = b->nrows;
    uint8_t *keep = sl_malloc(n + 1);
    size_t dropped = 0, rejected = 0;
    for (size_t r = 0; r < n; r++) {
        keep[r] = 1;
        sl_buf_reset(&st->key);
        int null_key = 0;
        for (size_t k = 0; k < st->nkeys; k++) {
            null_key |= !b->cols[kcols[k]].valid[r];
            sl_tcell_key(&b->cols[kcols[k]], r, &st->key);
        }
        int hit = 0;
        if (!null_key) {
            sqlite3_bind_blob(get, 1, st->key.data, (int)st->key.len, SQLITE_STATIC);
            int rc = sqlite3_step(get);
            if (rc == SQLITE_ROW) {
                hit = 1;
                for (size_t j = 0; j < st->ncols; j++)
                    sl_tcell_set(b, out[j], r, get, (int)(1 + j));
            }
            sqlite3_reset(get);
            if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
                sl_free(out);
                sl_free(keep);
                return sl_error_set(err, SL_EINTERNAL, "lookup: %s", sqlite3_errmsg(st->db));
            }
        }
        if (hit || st->miss == 0)
            continue;
        keep[r] = 0;
        if (st->miss == 1) {
            dropped++;
            continue;
        }
        sl_buf why;
        sl_buf_init(&why);
        sl_buf_addf(&why, "lookup: no %s row for ", st->what);
        for (size_t k = 0; k < st->nkeys; k++) {
            char tmp[64];
            const char *p;
            size_t len;
            sl_buf_addf(&why, "%s%s = ", k ? ", " : "", o->key.v[k].key);
            if (sl_cell_text(&b->cols[kcols[k]], r, tmp, &p, &len))
                sl_buf_add(&why, p, len);
            else
                sl_buf_addf(&why, "null");
        }
        sl_batch_reject_row(b, r, in->id, why.data);
        sl_buf_release(&why);
        rejected++;
    }
    if (dropped || rejected) {
        sl_batch_keep(b, keep);
        b->nfiltered += (int64_t)dropped;
    }
    sl_free(keep);
    sl_free(out);
    return 0;
}

static void lookup_close(sl_instance *in)
{
    lookup_state *st = in->state;
    if (!st)
        return;
    for (int t = 0; t < 2; t++) {
        sqlite3_finalize(st->put[t]);
        sqlite3_finalize(st->get[t]);
    }
    if (st->reloads)
        sl_log(SL_LOG_DEBUG, "transform %s: %s read %lld more times", in->id, st->what, (long long)st->reloads);
    sl_adapter_close(st->wh);
    sqlite3_close(st->db);
    for (size_t j = 0; j < st->ncols; j++) {
        sl_free(st->cols[j].src);
        sl_free(st->cols[j].dst);
    }
    sl_free(st->cols);
    sl_free(st->what);
    sl_buf_release(&st->key);
    sl_free(st);
    in->state = NULL;
}

/* pushdown (engine/project.h): the row's key columns, and each added
 * name as a name it writes (a source column of that name, in any case,
 * makes the lookup fail as it must); with on_miss: reject every column
 * (a DLQ record is the whole row). */
static int lookup_needs(sl_instance *in, sl_projection *need)
{
    lookup_opts *o = in->opts;
    if (strcmp(o->on_miss, "reject") == 0) {
        sl_projection_set_all(need);
        return 0;
    }
    for (size_t i = 0; i < o->columns.n; i++) {
        char *src = NULL, *dst = NULL;
        if (split_column(o->columns.v[i], &src, &dst) < 0)
            return -1;
        sl_projection_add_written(need, dst);
        sl_free(src);
        sl_free(dst);
    }
    for (size_t i = 0; i < o->key.n; i++)
        sl_projection_add(need, o->key.v[i].key);
    return 0;
}

const sl_transform_plugin sl_transform_lookup = {
    .version = SL_PLUGIN_VERSION,
    .name = "lookup",
    .summary = "add columns of a warehouse table, seed or model matched by key; misses kept, dropped or rejected",
    .options = lookup_options,
    .opts_size = sizeof(lookup_opts),
    .check = lookup_check,
    .columns = lookup_columns,
    .open = lookup_open,
    .process = lookup_process,
    .close = lookup_close,
    .needs = lookup_needs,
};
