/*
 * aggregate.c: the `aggregate` transform: one row per group, with
 * aggregates over the group's rows (docs/gtm/transforms.md).
 *
 *   group_by:   [account_id]                 (none: one group, the whole run)
 *   aggregates: {events: count, users: count_distinct(user_id),
 *                revenue: sum(amount), first_seen: min(ts), ...}
 *   window:     {time: ts, type: tumbling|hopping, size: 1h, hop: 15m,
 *                allowed_lateness: 10m}      (optional)
 *
 * Functions: count (rows), count(x) (non-null x), count_distinct(x) (exact,
 * by sl_tcell_group_key: numbers 1 and 1.0 are one value, texts are
 * compared as written, as are group keys), sum (an integer sum past 64
 * bits turns real, SQLite's rule, and its column a float column; a text
 * counts as its leading number, else 0, as SQLite's sum() and `+` take
 * it: a group whose values were all text sums to 0, never to NULL), min,
 * max, avg, first, last (the first and last non-null value in input
 * order). Every function but count ignores nulls; over no value it gives
 * null (count: 0).
 *
 * Blocking, bounded memory: groups live in a native hash table
 * (agg_hash.h: the same results as the SQLite path, row for row) while
 * it holds at most memory_limit / 8 bytes; past that (or for a value
 * only SQLite can add, or with a window or count_distinct) they live in
 * a private temporary SQLite database whose page cache is memory_limit / 4
 * bytes; past it SQLite writes pages to a temporary file, so memory stays
 * bounded whatever the number of groups. SLUICE_AGG_NATIVE=0 turns the
 * native table off. Without a window every group is emitted at end of
 * input (flush), in order of first appearance. With a window, each row
 * belongs to the windows [start, start + size) holding its event time
 * (tumbling: one; hopping: size / hop of them, starts on multiples of
 * hop), window_start and window_end are added to the group, and a window
 * is emitted as soon as the watermark (the largest event time seen minus
 * allowed_lateness) reaches its end, so it works on unbounded input. A row
 * whose every window was emitted already is late: `late: drop` counts it
 * as filtered (and logs how many at the end), `late: reject` sends it to
 * the DLQ with the reason. A row without an event time is treated alike.
 *
 * Accounting (read = loaded + filtered + rejected): input rows are
 * consumed (filtered) and emitted rows leave the filtered count again, as
 * dedupe's held rows do: loaded counts the rows emitted, filtered the rows
 * folded into a group beyond one per group (plus late rows dropped),
 * rejected the late rows rejected. With hopping windows a row counts in
 * several windows: filtered is then rows consumed minus rows emitted and
 * may be below zero.
 */
#include "core/log.h"
#include "core/mem.h"
#include "db/sqlite.h"
#include "engine/colcheck.h"
#include "engine/project.h"
#include "engine/run.h"
#include "transforms/agg_hash.h"
#include "transforms/columns.h"
#include "transforms/tcell.h"
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

typedef struct agg_opts {
    sl_strlist group_by;
    sl_kvlist aggregates;
    sl_kvlist window;
    char *late;
    int64_t memory_limit;
} agg_opts;

static const sl_option agg_options[] = {
    {"group_by", SL_OPT_LIST, NULL, 0, offsetof(agg_opts, group_by), NULL,
     "columns whose values make a group (none: one group over all rows); a null is a value of its own"},
    {"aggregates", SL_OPT_MAP, NULL, SL_OPT_REQUIRED, offsetof(agg_opts, aggregates), NULL,
     "output column: function, one of count, count(x), count_distinct(x), sum(x), min(x), max(x), avg(x), "
     "first(x), last(x); e.g. {events: count, revenue: sum(amount)}"},
    {"window", SL_OPT_MAP, NULL, 0, offsetof(agg_opts, window), NULL,
     "event-time windows: {time: column, type: tumbling|hopping, size: 1h, hop: 15m (hopping), "
     "allowed_lateness: 10m}; adds window_start and window_end to each group"},
    {"late", SL_OPT_ENUM, "drop", 0, offsetof(agg_opts, late), "drop|reject",
     "a row whose windows were emitted already (or without an event time): counted as filtered, or sent "
     "to the DLQ"},
    {"memory_limit", SL_OPT_INT, "67108864", 0, offsetof(agg_opts, memory_limit), NULL,
     "bytes of memory for the groups (at least 4096): a native table of 1/8, then an SQLite page cache of 1/4; "
     "beyond it they spill to a temporary file"},
    SL_OPT_END,
};

enum {
    F_COUNT = SL_AGG_COUNT,
    F_COUNT_X = SL_AGG_COUNT_X,
    F_COUNT_DISTINCT = SL_AGG_COUNT_DISTINCT,
    F_SUM = SL_AGG_SUM,
    F_MIN = SL_AGG_MIN,
    F_MAX = SL_AGG_MAX,
    F_AVG = SL_AGG_AVG,
    F_FIRST = SL_AGG_FIRST,
    F_LAST = SL_AGG_LAST
};
static const char *const fnames[] = {"count", "count", "count_distinct", "sum", "min", "max", "avg", "first", "last"};

typedef struct agg_fn {
    int fn;
    char *arg;  /* column, or NULL (count) */
    int col;    /* in the current batch */
    sl_type type;     /* output type */
    sl_type out_type; /* this scan's: type, or float for an integer sum past 64 bits */
} agg_fn;

typedef struct agg_window {
    char *time;
    int hopping;
    int64_t size, hop, lateness; /* microseconds */
} agg_window;

typedef struct agg_state {
    sqlite3 *db;
    sqlite3_stmt *put, *distinct, *scan, *del_d, *del_g;
    sl_agghash *hash;   /* the native group table (agg_hash.h), until it spills; NULL: SQLite */
    int *fcols;         /* per aggregate: its column in the current batch, or -1 */
    agg_fn *fns;
    size_t nfns;
    sl_type *gtypes; /* per group_by column; SL_T_NULL until seen */
    int have_window;
    agg_window w;
    int late_reject;
    int64_t seq;
    int64_t max_time;   /* largest event time seen, or INT64_MIN */
    int64_t late_rows;
    int scanning;       /* a scan is running */
    int flushed;        /* flush: the final scan ended */
    int64_t out_seq;
    sl_buf key, vkey;
} agg_state;

/* Parse "fn" or "fn(column)" into f; an error message into why. */
static int parse_fn(const char *s, agg_fn *f, char *why, size_t whylen)
{
    while (*s == ' ')
        s++;
    size_t n = strcspn(s, "( ");
    const char *open = strchr(s, '(');
    int k = -1;
    for (int i = 0; i < (int)(sizeof fnames / sizeof *fnames); i++)
        if (i != F_COUNT_X && strlen(fnames[i]) == n && strncmp(s, fnames[i], n) == 0)
            k = i;
    if (k < 0) {
        snprintf(why, whylen, "unknown function '%.*s' (count, count_distinct, sum, min, max, avg, first, last)",
                 (int)n, s);
        return -1;
    }
    f->arg = NULL;
    if (open) {
        const char *a = open + 1, *close = strchr(a, ')');
        while (*a == ' ')
            a++;
        if (!close || close[1 + strspn(close + 1, " ")] != '\0') {
            snprintf(why, whylen, "'%s': expected %s(column)", s, fnames[k]);
            return -1;
        }
        size_t al = (size_t)(close - a);
        while (al && a[al - 1] == ' ')
            al--;
        if (al == 1 && *a == '*' && k == F_COUNT)
            al = 0;
        if (al)
            f->arg = sl_strndup(a, al);
    } else if (s[n + strspn(s + n, " ")] != '\0') {
        snprintf(why, whylen, "'%s': expected %s or %s(column)", s, fnames[k], fnames[k]);
        return -1;
    }
    if (k == F_COUNT && f->arg)
        k = F_COUNT_X;
    if (k != F_COUNT && !f->arg) {
        snprintf(why, whylen, "%s needs a column: %s(column)", fnames[k], fnames[k]);
        return -1;
    }
    f->fn = k;
    return 0;
}

/* Parse the window map; diagnostics into d (may be NULL). */
static int parse_window(const sl_kvlist *m, agg_window *w, sl_diags *d)
{
    static const char *const keys[] = {"time", "type", "size", "hop", "allowed_lateness", NULL};
    int bad = 0;
    memset(w, 0, sizeof *w);
    int64_t hop = -1;
    for (size_t i = 0; i < m->n; i++) {
        const char *k = m->v[i].key, *v = m->v[i].value;
        int known = 0;
        for (int j = 0; keys[j]; j++)
            known |= strcmp(k, keys[j]) == 0;
        if (!known) {
            if (d)
                sl_diags_add(d, m->v[i].loc, "window: unknown key '%s' (time, type, size, hop, allowed_lateness)", k);
            bad++;
        } else if (strcmp(k, "time") == 0) {
            w->time = m->v[i].value;
        } else if (strcmp(k, "type") == 0) {
            if (strcmp(v, "tumbling") != 0 && strcmp(v, "hopping") != 0) {
                if (d)
                    sl_diags_add(d, m->v[i].loc, "window: type must be tumbling or hopping, not '%s'", v);
                bad++;
            }
            w->hopping = strcmp(v, "hopping") == 0;
        } else {
            int64_t s = sl_parse_duration(v);
            if (s < 0 || (s == 0 && strcmp(k, "allowed_lateness") != 0)) {
                if (d)
                    sl_diags_add(d, m->v[i].loc, "window: %s: '%s' is not a duration (e.g. 15m, 1h, 1d)", k, v);
                bad++;
                continue;
            }
            if (strcmp(k, "size") == 0)
                w->size = s * 1000000;
            else if (strcmp(k, "hop") == 0)
                hop = s * 1000000;
            else
                w->lateness = s * 1000000;
        }
    }
    if (!bad && (!w->time || !w->size)) {
        if (d)
            sl_diags_add(d, m->loc, "window: needs time: (the event-time column) and size: (e.g. 1h)");
        bad++;
    }
    if (!bad && w->hopping != (hop > 0)) {
        if (d)
            sl_diags_add(d, m->loc, w->hopping ? "window: a hopping window needs hop: (e.g. 15m)"
                                               : "window: hop: is for type: hopping");
        bad++;
    }
    if (!bad && w->hopping && (hop > w->size || w->size % hop != 0)) {
        if (d)
            sl_diags_add(d, m->loc, "window: hop must divide size (a window of 1h hopping by 15m)");
        bad++;
    }
    w->hop = w->hopping ? hop : w->size;
    return bad;
}

static int agg_check(sl_instance *in, sl_diags *d)
{
    agg_opts *o = in->opts;
    int n = 0;
    for (size_t i = 0; i < o->aggregates.n; i++) {
        agg_fn f;
        char why[300];
        if (parse_fn(o->aggregates.v[i].value, &f, why, sizeof why) < 0) {
            sl_diags_add(d, o->aggregates.v[i].loc, "aggregates: '%s': %s", o->aggregates.v[i].key, why);
            n++;
        } else {
            sl_free(f.arg);
        }
    }
    if (o->aggregates.n == 0) {
        sl_diags_add(d, sl_colcheck_loc(o->aggregates.loc, in), "aggregates: give at least one, e.g. {rows: count}");
        n++;
    }
    if (o->window.n) {
        agg_window w;
        n += parse_window(&o->window, &w, d);
    }
    if (o->memory_limit < 4096) {
        sl_diags_add(d, sl_colcheck_loc(sl_options_loc(agg_options, o, "memory_limit"), in),
                     "memory_limit: at least 4096 bytes");
        n++;
    }
    return n;
}

/* validate: the columns it reads are there; after it, the group columns,
 * the window's and the aggregates'. */
static int agg_columns(sl_instance *in, sl_colset *c, sl_diags *d)
{
    agg_opts *o = in->opts;
    int n = 0;
    char what[200];
    snprintf(what, sizeof what, "transform %s, group_by", in->id);
    for (size_t i = 0; i < o->group_by.n; i++)
        n += sl_colset_require(c, o->group_by.v[i], sl_colcheck_loc(o->group_by.loc, in), what, d);
    for (size_t i = 0; i < o->aggregates.n; i++) {
        agg_fn f;
        char why[300];
        if (parse_fn(o->aggregates.v[i].value, &f, why, sizeof why) < 0)
            continue;
        snprintf(what, sizeof what, "transform %s, aggregate '%s'", in->id, o->aggregates.v[i].key);
        if (f.arg)
            n += sl_colset_require(c, f.arg, sl_colcheck_loc(o->aggregates.v[i].loc, in), what, d);
        sl_free(f.arg);
    }
    agg_window w;
    int win = o->window.n && parse_window(&o->window, &w, NULL) == 0;
    if (win) {
        snprintf(what, sizeof what, "transform %s, window time", in->id);
        n += sl_colset_require(c, w.time, sl_colcheck_loc(o->window.loc, in), what, d);
    }
    char **names = sl_calloc(o->group_by.n + 2 + o->aggregates.n + 1, sizeof *names);
    size_t k = 0;
    for (size_t i = 0; i < o->group_by.n; i++)
        names[k++] = o->group_by.v[i];
    if (win) {
        names[k++] = "window_start";
        names[k++] = "window_end";
    }
    for (size_t i = 0; i < o->aggregates.n; i++)
        names[k++] = o->aggregates.v[i].key;
    sl_colset_set(c, names, k);
    sl_free(names);
    return n;
}

/* The output type of aggregate f over a column of type t. */
static sl_type out_type(int fn, sl_type t)
{
    switch (fn) {
    case F_COUNT:
    case F_COUNT_X:
    case F_COUNT_DISTINCT: return SL_T_INT;
    case F_AVG: return SL_T_FLOAT;
    case F_SUM: return t == SL_T_INT || t == SL_T_BOOL ? SL_T_INT : t == SL_T_DECIMAL ? SL_T_DECIMAL : SL_T_FLOAT;
    default: return t == SL_T_NULL ? SL_T_TEXT : t;
    }
}

static int db_fail(sqlite3 *db, sl_error *err)
{
    return sl_error_set(err, SL_EINTERNAL, "aggregate: %s", sqlite3_errmsg(db));
}

/* "INSERT INTO g (k, seq, ws, g0.., a0, n0..) VALUES (?1, ?2, ?3": the
 * start of both statements that put groups into the table (the upsert of
 * the SQLite path, the spill of the native table) */
static void insert_head(sl_buf *sql, size_t ng, size_t nfns)
{
    sl_buf_addf(sql, "INSERT INTO g (k, seq, ws");
    for (size_t j = 0; j < ng; j++)
        sl_buf_addf(sql, ", g%zu", j);
    for (size_t i = 0; i < nfns; i++)
        sl_buf_addf(sql, ", a%zu, n%zu", i, i);
    sl_buf_addf(sql, ") VALUES (?1, ?2, ?3");
}

static int agg_open(sl_instance *in, sl_run *run, sl_error *err)
{
    agg_opts *o = in->opts;
    agg_state *st = sl_calloc(1, sizeof *st);
    in->state = st;
    sl_buf_init(&st->key);
    sl_buf_init(&st->vkey);
    st->max_time = INT64_MIN;
    st->late_reject = strcmp(o->late, "reject") == 0;
    st->nfns = o->aggregates.n;
    st->fns = sl_calloc(st->nfns, sizeof *st->fns);
    st->gtypes = sl_calloc(o->group_by.n + 1, sizeof *st->gtypes);
    for (size_t i = 0; i < st->nfns; i++) {
        char why[300];
        if (parse_fn(o->aggregates.v[i].value, &st->fns[i], why, sizeof why) < 0)
            return sl_error_set(err, SL_ECONFIG, "transform %s: aggregates: %s", in->id, why);
        int fn = st->fns[i].fn;
        /* the others' type is known from their input column's */
        st->fns[i].type = fn == F_COUNT || fn == F_COUNT_X || fn == F_COUNT_DISTINCT ? SL_T_INT
                          : fn == F_AVG                                          ? SL_T_FLOAT
                                                                                 : SL_T_NULL;
    }
    if (o->window.n && parse_window(&o->window, &st->w, NULL) != 0)
        return sl_error_set(err, SL_ECONFIG, "transform %s: a bad window", in->id);
    st->have_window = o->window.n > 0;
    (void)run;
    /* "": a private temporary database, in memory until its cache is full */
    if (sl_sqlite_open("", &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) != SQLITE_OK)
        return db_fail(st->db, err);
    sl_buf sql;
    sl_buf_init(&sql);
    sl_buf_addf(&sql, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA temp_store = FILE;"
                      " PRAGMA cache_size = -%lld;", (long long)(o->memory_limit / 4096));
    sl_buf_addf(&sql, "CREATE TABLE g (k BLOB PRIMARY KEY, seq INTEGER, ws INTEGER");
    for (size_t j = 0; j < o->group_by.n; j++)
        sl_buf_addf(&sql, ", g%zu", j);
    for (size_t i = 0; i < st->nfns; i++)
        sl_buf_addf(&sql, ", a%zu, n%zu", i, i);
    sl_buf_addf(&sql, "); CREATE INDEX g_ws ON g (ws, seq);"
                      " CREATE TABLE d (k BLOB, i INTEGER, v BLOB, PRIMARY KEY (k, i, v)) WITHOUT ROWID;");
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql.data, NULL, NULL, &msg) != SQLITE_OK) {
        sl_error_set(err, SL_EINTERNAL, "aggregate: %s", msg ? msg : "?");
        sqlite3_free(msg);
        sl_buf_release(&sql);
        return -1;
    }
    /* the upsert: ?1 key, ?2 seq, ?3 window start, ?4.. group values, then one value per aggregate */
    sl_buf_reset(&sql);
    size_t ng = o->group_by.n;
    insert_head(&sql, ng, st->nfns);
    for (size_t j = 0; j < ng; j++)
        sl_buf_addf(&sql, ", ?%zu", 4 + j);
    for (size_t i = 0; i < st->nfns; i++) {
        size_t p = 4 + ng + i;
        switch (st->fns[i].fn) {
        case F_COUNT: sl_buf_addf(&sql, ", 1, NULL"); break;
        case F_COUNT_X: sl_buf_addf(&sql, ", ?%zu IS NOT NULL, NULL", p); break;
        case F_COUNT_DISTINCT: sl_buf_addf(&sql, ", NULL, NULL"); break;
        /* a sum starts from its first value as a number (SQLite's `+ 0`:
         * a text's leading number, else 0), as SQLite's sum() takes it: a
         * group whose values were all text sums to 0, not to that text */
        case F_AVG:
        case F_SUM:
            sl_buf_addf(&sql, ", CASE WHEN typeof(?%zu) = 'text' THEN ?%zu + 0 ELSE ?%zu END", p, p, p);
            sl_buf_addf(&sql, ", ?%zu IS NOT NULL", p); /* n: the values summed */
            break;
        default: sl_buf_addf(&sql, ", ?%zu, NULL", p); break;
        }
    }
    sl_buf_addf(&sql, ") ON CONFLICT (k) DO UPDATE SET seq = seq");
    for (size_t i = 0; i < st->nfns; i++) {
        switch (st->fns[i].fn) {
        case F_COUNT:
        case F_COUNT_X: sl_buf_addf(&sql, ", a%zu = a%zu + excluded.a%zu", i, i, i); break;
        case F_COUNT_DISTINCT: break;
        case F_AVG: /* a is the sum */
        case F_SUM:
            /* a NULL sum of values summed before (n > 0) is a NaN (inf +
             * -inf): it stays NULL, as SQLite's sum() ends NULL; the SET's
             * right-hand sides see the row before the update */
            sl_buf_addf(&sql, ", n%zu = n%zu + excluded.n%zu", i, i, i);
            sl_buf_addf(&sql, ", a%zu = CASE WHEN excluded.a%zu IS NULL THEN a%zu WHEN a%zu IS NULL AND n%zu > 0 "
                              "THEN NULL WHEN a%zu IS NULL THEN excluded.a%zu ELSE a%zu + excluded.a%zu END",
                        i, i, i, i, i, i, i, i, i);
            break;
        case F_MIN:
        case F_MAX:
            sl_buf_addf(&sql, ", a%zu = CASE WHEN excluded.a%zu IS NULL THEN a%zu WHEN a%zu IS NULL OR excluded.a%zu "
                              "%s a%zu THEN excluded.a%zu ELSE a%zu END", i, i, i, i, i,
                        st->fns[i].fn == F_MIN ? "<" : ">", i, i, i);
            break;
        case F_FIRST: sl_buf_addf(&sql, ", a%zu = coalesce(a%zu, excluded.a%zu)", i, i, i); break;
        case F_LAST: sl_buf_addf(&sql, ", a%zu = coalesce(excluded.a%zu, a%zu)", i, i, i); break;
        }
    }
    if (sqlite3_prepare_v2(st->db, sql.data, -1, &st->put, NULL) != SQLITE_OK) {
        sl_buf_release(&sql);
        return db_fail(st->db, err);
    }
    /* the emitting scan: every group of windows ending at or before ?1 */
    sl_buf_reset(&sql);
    sl_buf_addf(&sql, "SELECT k, ws");
    for (size_t j = 0; j < ng; j++)
        sl_buf_addf(&sql, ", g%zu", j);
    for (size_t i = 0; i < st->nfns; i++) {
        if (st->fns[i].fn == F_COUNT_DISTINCT)
            sl_buf_addf(&sql, ", (SELECT count(*) FROM d WHERE d.k = g.k AND d.i = %zu)", i);
        else if (st->fns[i].fn == F_AVG)
            sl_buf_addf(&sql, ", CASE WHEN n%zu > 0 THEN CAST(a%zu AS REAL) / n%zu END", i, i, i);
        else
            sl_buf_addf(&sql, ", a%zu", i);
    }
    sl_buf_addf(&sql, " FROM g WHERE ws <= ?1 ORDER BY ws, seq");
    int rc = sqlite3_prepare_v2(st->db, sql.data, -1, &st->scan, NULL);
    sl_buf_release(&sql);
    if (rc != SQLITE_OK ||
        sqlite3_prepare_v2(st->db, "INSERT OR IGNORE INTO d (k, i, v) VALUES (?, ?, ?)", -1, &st->distinct, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(st->db, "DELETE FROM d WHERE k IN (SELECT k FROM g WHERE ws <= ?1)", -1, &st->del_d,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(st->db, "DELETE FROM g WHERE ws <= ?1", -1, &st->del_g, NULL) != SQLITE_OK)
        return db_fail(st->db, err);
    /* one transaction for the whole run (a private database: nothing to
     * commit to anyone); each upsert in its own was the SQLite path's
     * main cost once the table outgrew a few pages */
    if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(st->db, err);
    /* the native group table: without a window or count_distinct (their
     * rows and sets stay SQLite's), unless SLUICE_AGG_NATIVE=0 */
    st->fcols = sl_calloc(st->nfns + 1, sizeof *st->fcols);
    const char *env = getenv("SLUICE_AGG_NATIVE");
    int native = !st->have_window && ng <= 64 && !(env && strcmp(env, "0") == 0);
    for (size_t i = 0; i < st->nfns; i++)
        native &= st->fns[i].fn != F_COUNT_DISTINCT;
    if (native) {
        int *fns = sl_calloc(st->nfns + 1, sizeof *fns);
        for (size_t i = 0; i < st->nfns; i++)
            fns[i] = st->fns[i].fn;
        st->hash = sl_agghash_new(ng, fns, st->nfns, (size_t)(o->memory_limit / 8));
        sl_free(fns);
    }
    return 0;
}

/* Move the native table's groups into the SQLite table (every row folded
 * so far; the same rows SQLite's upsert would hold) and free it: the
 * SQLite path from now on. at_end: the input ended (the output scan reads
 * them), else the table reached its budget or a value SQLite must add. */
static int spill(sl_instance *in, agg_state *st, int at_end, sl_error *err)
{
    agg_opts *o = in->opts;
    if (!st->hash)
        return 0;
    size_t ng = o->group_by.n;
    sl_buf sql;
    sl_buf_init(&sql);
    insert_head(&sql, ng, st->nfns);
    for (size_t k = 0; k < ng + 2 * st->nfns; k++)
        sl_buf_addf(&sql, ", ?%zu", 4 + k);
    sl_buf_addf(&sql, ")");
    sqlite3_stmt *ins = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql.data, -1, &ins, NULL);
    sl_buf_release(&sql);
    if (rc != SQLITE_OK)
        return db_fail(st->db, err);
    size_t groups = sl_agghash_groups(st->hash), bytes = sl_agghash_bytes(st->hash);
    rc = sl_agghash_insert_all(st->hash, ins) == 0 ? SQLITE_OK : SQLITE_ERROR;
    sqlite3_finalize(ins);
    if (rc != SQLITE_OK)
        return db_fail(st->db, err);
    sl_agghash_free(st->hash);
    st->hash = NULL;
    if (!at_end)
        sl_log_debug("transform %s: %zu groups (%zu bytes) moved from the native table to SQLite (memory_limit / 8 "
                     "reached, or a value only SQLite adds); continuing there", in->id, groups, bytes);
    return 0;
}

/* The event time of row r in microseconds; 0 when null or not a time. */
static int event_time(const sl_column *c, size_t r, int64_t *us)
{
    if (!c->valid[r])
        return 0;
    if (!c->raw && c->type == SL_T_TIMESTAMP) {
        *us = c->i64[r];
        return 1;
    }
    if (!c->raw && c->type == SL_T_DATE) {
        *us = c->i64[r] * 86400000000LL;
        return 1;
    }
    if (c->raw || sl_type_storage(c->type) == SL_STORE_STR)
        return sl_tcell_parse(SL_T_TIMESTAMP, c->str[r].p, c->str[r].n, us, NULL) == 0;
    return 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Add row r to the group of window start ws. */
static int put_row(agg_state *st, const agg_opts *o, sl_batch *b, const int *gcols, size_t r, int64_t ws,
                   sl_error *err)
{
    size_t ng = o->group_by.n;
    sl_buf_reset(&st->key);
    sl_buf_add(&st->key, &ws, sizeof ws);
    for (size_t j = 0; j < ng; j++)
        sl_tcell_group_key(&b->cols[gcols[j]], r, &st->key);
    sqlite3_bind_blob(st->put, 1, st->key.data, (int)st->key.len, SQLITE_STATIC);
    sqlite3_bind_int64(st->put, 2, st->seq++);
    sqlite3_bind_int64(st->put, 3, ws);
    for (size_t j = 0; j < ng; j++)
        sl_tcell_bind(st->put, (int)(4 + j), &b->cols[gcols[j]], r);
    for (size_t i = 0; i < st->nfns; i++) {
        int p = (int)(4 + ng + i);
        if (st->fns[i].col < 0) {
            sqlite3_bind_null(st->put, p);
            continue;
        }
        const sl_column *c = &b->cols[st->fns[i].col];
        sl_tcell_bind(st->put, p, c, r);
        if (st->fns[i].fn == F_COUNT_DISTINCT && c->valid[r]) {
            sl_buf_reset(&st->vkey);
            sl_tcell_group_key(c, r, &st->vkey);
            sqlite3_bind_blob(st->distinct, 1, st->key.data, (int)st->key.len, SQLITE_STATIC);
            sqlite3_bind_int64(st->distinct, 2, (int64_t)i);
            sqlite3_bind_blob(st->distinct, 3, st->vkey.data, (int)st->vkey.len, SQLITE_STATIC);
            int rc = sqlite3_step(st->distinct);
            sqlite3_reset(st->distinct);
            if (rc != SQLITE_DONE)
                return db_fail(st->db, err);
        }
    }
    int rc = sqlite3_step(st->put);
    sqlite3_reset(st->put);
    return rc == SQLITE_DONE ? 0 : db_fail(st->db, err);
}

/* Emit into b (whose rows and columns are gone) every group of windows
 * starting at or before ws_max, up to max rows; 1 when the scan ended. */
static int emit(sl_instance *in, sl_batch *b, int64_t ws_max, size_t max, int *ended, sl_error *err)
{
    agg_opts *o = in->opts;
    agg_state *st = in->state;
    size_t ng = o->group_by.n;
    if (!st->scanning) {
        sqlite3_reset(st->scan);
        sqlite3_bind_int64(st->scan, 1, ws_max);
        st->scanning = 1;
        /* an integer sum that passed 64 bits is a real (SQLite's rule):
         * its column is a float column for this scan, not a NULL */
        for (size_t i = 0; i < st->nfns; i++) {
            st->fns[i].out_type = st->fns[i].type;
            if (st->fns[i].fn != F_SUM || st->fns[i].type != SL_T_INT)
                continue;
            char q[96];
            snprintf(q, sizeof q, "SELECT 1 FROM g WHERE ws <= ?1 AND typeof(a%zu) = 'real' LIMIT 1", i);
            sqlite3_stmt *s = NULL;
            if (sqlite3_prepare_v2(st->db, q, -1, &s, NULL) != SQLITE_OK)
                return db_fail(st->db, err);
            sqlite3_bind_int64(s, 1, ws_max);
            int rc = sqlite3_step(s);
            sqlite3_finalize(s);
            if (rc == SQLITE_ROW)
                st->fns[i].out_type = SL_T_FLOAT;
            else if (rc != SQLITE_DONE)
                return db_fail(st->db, err);
        }
    }
    if (b->ncols == 0) {
        for (size_t j = 0; j < ng; j++) {
            sl_type t = st->gtypes[j] == SL_T_NULL ? SL_T_TEXT : st->gtypes[j];
            sl_batch_add_column(b, o->group_by.v[j], strlen(o->group_by.v[j]), t, 0);
        }
        if (st->have_window) {
            sl_batch_add_column(b, "window_start", 12, SL_T_TIMESTAMP, 0);
            sl_batch_add_column(b, "window_end", 10, SL_T_TIMESTAMP, 0);
        }
        for (size_t i = 0; i < st->nfns; i++)
            sl_batch_add_column(b, o->aggregates.v[i].key, strlen(o->aggregates.v[i].key),
                                st->fns[i].out_type == SL_T_NULL ? SL_T_TEXT : st->fns[i].out_type, 0);
    }
    *ended = 0;
    size_t ncol0 = st->have_window ? ng + 2 : ng;
    while (b->nrows < max) {
        int rc = sqlite3_step(st->scan);
        if (rc == SQLITE_DONE) {
            *ended = 1;
            st->scanning = 0;
            break;
        }
        if (rc != SQLITE_ROW)
            return db_fail(st->db, err);
        size_t row = sl_batch_add_row(b, st->out_seq, st->out_seq);
        st->out_seq++;
        for (size_t j = 0; j < ng; j++)
            sl_tcell_set(b, j, row, st->scan, (int)(2 + j));
        if (st->have_window) {
            int64_t ws = sqlite3_column_int64(st->scan, 1);
            b->cols[ng].i64[row] = ws;
            b->cols[ng].valid[row] = 1;
            b->cols[ng + 1].i64[row] = ws + st->w.size;
            b->cols[ng + 1].valid[row] = 1;
        }
        /* a sum is a number (its texts were added as numbers), so it fits
         * its int or float column */
        for (size_t i = 0; i < st->nfns; i++)
            sl_tcell_set(b, ncol0 + i, row, st->scan, (int)(2 + ng + i));
    }
    return 0;
}

/* Drop the groups of windows starting at or before ws_max. */
static int forget(agg_state *st, int64_t ws_max, sl_error *err)
{
    sqlite3_bind_int64(st->del_d, 1, ws_max);
    sqlite3_bind_int64(st->del_g, 1, ws_max);
    int a = sqlite3_step(st->del_d), c;
    sqlite3_reset(st->del_d);
    c = sqlite3_step(st->del_g);
    sqlite3_reset(st->del_g);
    return a == SQLITE_DONE && c == SQLITE_DONE ? 0 : db_fail(st->db, err);
}

static void clear_rows_and_columns(sl_batch *b)
{
    uint8_t none = 0;
    uint8_t *keep = b->nrows ? sl_calloc(b->nrows, 1) : &none;
    sl_batch_keep(b, keep);
    if (keep != &none)
        sl_free(keep);
    while (b->ncols)
        sl_batch_drop_column(b, b->ncols - 1);
}

static int agg_process(sl_instance *in, sl_batch *b, sl_error *err)
{
    agg_opts *o = in->opts;
    agg_state *st = in->state;
    /* blocking: input batches never carry a position (see dedupe.c) */
    b->no_position = 1;
    if (b->nrows == 0) {
        /* an empty batch (a blocking transform ahead flushing) must not hand
         * the input's columns on: the sink would take them for the output's */
        clear_rows_and_columns(b);
        return 0;
    }
    size_t ng = o->group_by.n;
    int gcols[64];
    if (ng > 64)
        return sl_error_set(err, SL_ECONFIG, "aggregate: at most 64 group_by columns");
    for (size_t j = 0; j < ng; j++) {
        if ((gcols[j] = sl_transform_column(in, b, o->group_by.v[j], err)) < 0)
            return -1;
        const sl_column *c = &b->cols[gcols[j]];
        st->gtypes[j] = sl_type_widen(st->gtypes[j], c->raw ? SL_T_TEXT : c->type);
    }
    for (size_t i = 0; i < st->nfns; i++) {
        agg_fn *f = &st->fns[i];
        f->col = -1;
        if (!f->arg)
            continue;
        if ((f->col = sl_transform_column(in, b, f->arg, err)) < 0)
            return -1;
        const sl_column *c = &b->cols[f->col];
        sl_type t = out_type(f->fn, c->raw ? SL_T_TEXT : c->type);
        f->type = f->type == SL_T_NULL ? t : f->type == t ? t : sl_type_widen(f->type, t);
    }
    int tcol = -1;
    if (st->have_window && (tcol = sl_transform_column(in, b, st->w.time, err)) < 0)
        return -1;
    size_t nrows = b->nrows, rejects0 = b->nrejects, r0 = 0;
    if (st->hash) {
        if (sl_run_cancelled(in->run))
            return sl_error_set(err, SL_EINTERNAL, "aggregate: cancelled");
        for (size_t i = 0; i < st->nfns; i++)
            st->fcols[i] = st->fns[i].col;
        int64_t ws0 = 0;
        for (; r0 < nrows; r0++) {
            sl_buf_reset(&st->key);
            sl_buf_add(&st->key, &ws0, sizeof ws0);
            for (size_t j = 0; j < ng; j++)
                sl_tcell_group_key(&b->cols[gcols[j]], r0, &st->key);
            if (sl_agghash_add(st->hash, st->key.data, st->key.len, st->seq, b, gcols, st->fcols, r0) != 0)
                break; /* the rest of the input is SQLite's */
            st->seq++;
        }
        if (r0 < nrows && spill(in, st, 0, err) < 0)
            return -1;
    }
    for (size_t r = r0; r < nrows; r++) {
        if (sl_run_cancelled(in->run))
            return sl_error_set(err, SL_EINTERNAL, "aggregate: cancelled");
        if (!st->have_window) {
            if (put_row(st, o, b, gcols, r, 0, err) < 0)
                return -1;
            continue;
        }
        int64_t t;
        if (!event_time(&b->cols[tcol], r, &t)) {
            char why[300];
            snprintf(why, sizeof why, "aggregate: no event time (column '%s' is null or not a time)", st->w.time);
            st->late_rows++;
            if (st->late_reject)
                sl_batch_reject_row(b, r, in->id, why);
            continue;
        }
        if (t > st->max_time)
            st->max_time = t;
        int64_t wm = st->max_time - st->w.lateness;
        int64_t last = floor_div(t, st->w.hop) * st->w.hop;
        int placed = 0;
        for (int64_t ws = last; ws > t - st->w.size; ws -= st->w.hop) {
            if (ws + st->w.size <= wm)
                continue; /* this window is closed */
            if (put_row(st, o, b, gcols, r, ws, err) < 0)
                return -1;
            placed = 1;
        }
        if (!placed) {
            char why[400], ts[48], wms[48];
            sl_format_timestamp(ts, t);
            sl_format_timestamp(wms, wm);
            snprintf(why, sizeof why, "aggregate: late row: event time %s is behind the watermark %s (its windows "
                                      "were emitted)", ts, wms);
            st->late_rows++;
            if (st->late_reject)
                sl_batch_reject_row(b, r, in->id, why);
        }
    }
    /* every input row is consumed: the ones rejected here count as rejects, the others as filtered */
    int64_t consumed = (int64_t)nrows - (int64_t)(b->nrejects - rejects0);
    clear_rows_and_columns(b);
    b->nfiltered += consumed;
    if (st->have_window && st->max_time != INT64_MIN) {
        /* emit the windows whose end the watermark reached */
        int64_t wm = st->max_time - st->w.lateness;
        int64_t ws_max = wm - st->w.size; /* ws + size <= wm */
        int ended = 0;
        st->scanning = 0;
        if (emit(in, b, ws_max, SIZE_MAX, &ended, err) < 0 || forget(st, ws_max, err) < 0)
            return -1;
        if (b->nrows == 0)
            clear_rows_and_columns(b);
        b->nfiltered -= (int64_t)b->nrows;
        b->file = NULL;
        b->file_index = -1;
    }
    return 0;
}

static int agg_flush(sl_instance *in, sl_batch *b, sl_error *err)
{
    agg_state *st = in->state;
    int ended = 0;
    agg_opts *o = in->opts;
    size_t max = sl_batch_max_rows(o->group_by.n + 2 + st->nfns, (size_t)in->run->pipeline->batch_rows);
    if (st->hash && spill(in, st, 1, err) < 0)
        return -1;
    if (!st->flushed && emit(in, b, INT64_MAX, max, &ended, err) < 0)
        return -1;
    st->flushed |= ended;
    if (b->nrows == 0) {
        if (st->late_rows && !st->late_reject)
            sl_log(SL_LOG_WARN, "transform %s: %lld late rows dropped (counted as filtered)", in->id,
                   (long long)st->late_rows);
        st->late_rows = 0;
        return 0;
    }
    b->file = NULL;
    b->file_index = -1;
    b->end_offset = st->out_seq;
    b->end_line = st->out_seq;
    b->nfiltered = -(int64_t)b->nrows; /* released rows leave the "consumed" count */
    return 1;
}

static void agg_close(sl_instance *in)
{
    agg_state *st = in->state;
    if (!st)
        return;
    sqlite3_finalize(st->put);
    sqlite3_finalize(st->distinct);
    sqlite3_finalize(st->scan);
    sqlite3_finalize(st->del_d);
    sqlite3_finalize(st->del_g);
    sqlite3_close(st->db);
    sl_agghash_free(st->hash);
    sl_free(st->fcols);
    for (size_t i = 0; i < st->nfns; i++)
        sl_free(st->fns[i].arg);
    sl_free(st->fns);
    sl_free(st->gtypes);
    sl_buf_release(&st->key);
    sl_buf_release(&st->vkey);
    sl_free(st);
    in->state = NULL;
}

/* pushdown (engine/project.h): a new row set: exactly the group columns,
 * the aggregates' columns and the window's time, whatever comes after it
 * (as select); with a window and late: reject every column (a late row's
 * DLQ record is the whole row). */
static int agg_needs(sl_instance *in, sl_projection *need)
{
    agg_opts *o = in->opts;
    agg_window w;
    if (o->window.n && (parse_window(&o->window, &w, NULL) != 0 || strcmp(o->late, "reject") == 0)) {
        sl_projection_set_all(need);
        return 0;
    }
    sl_projection_clear(need);
    for (size_t j = 0; j < o->group_by.n; j++)
        sl_projection_add(need, o->group_by.v[j]);
    for (size_t i = 0; i < o->aggregates.n; i++) {
        agg_fn f;
        char why[300];
        if (parse_fn(o->aggregates.v[i].value, &f, why, sizeof why) < 0)
            return -1;
        if (f.arg)
            sl_projection_add(need, f.arg);
        sl_free(f.arg);
    }
    if (o->window.n)
        sl_projection_add(need, w.time);
    return 0;
}

const sl_transform_plugin sl_transform_aggregate = {
    .version = SL_PLUGIN_VERSION,
    .name = "aggregate",
    .summary = "one row per group (and event-time window) with count, count_distinct, sum, min, max, avg, "
               "first, last; bounded memory (spills to disk)",
    .options = agg_options,
    .opts_size = sizeof(agg_opts),
    .check = agg_check,
    .columns = agg_columns,
    .open = agg_open,
    .process = agg_process,
    .flush = agg_flush,
    .close = agg_close,
    .stateful = 1,
    .needs = agg_needs,
};
