/* statedb_pg.c: the state store in PostgreSQL (`state: {type: postgres,
 * url: ...}` in sluice.yml), so several machines share one project's run
 * history, checkpoints, DLQ and schema history. Tables live in the schema
 * "sluice_state". A pipeline's runs are kept to one at a time across
 * machines by a session advisory lock. See statedb.h. */
#include "state/statedb.h"
#include "core/mem.h"
#include "core/util.h"
#include "db/pg.h"
#include <stdio.h>
#include <string.h>
#include <xxhash.h>

static const char schema_sql[] =
    "CREATE SCHEMA IF NOT EXISTS sluice_state;"
    "SET search_path = sluice_state;"
    "CREATE TABLE IF NOT EXISTS runs ("
    "  seq bigserial PRIMARY KEY, run_id text UNIQUE NOT NULL, pipeline text NOT NULL,"
    "  epoch bigint NOT NULL, status text NOT NULL, resumed integer NOT NULL DEFAULT 0,"
    "  started_at text NOT NULL, finished_at text, duration_s double precision,"
    "  rows_read bigint DEFAULT 0, rows_loaded bigint DEFAULT 0, rows_filtered bigint DEFAULT 0,"
    "  rows_rejected bigint DEFAULT 0, bytes_read bigint DEFAULT 0, error text);"
    "ALTER TABLE runs ADD COLUMN IF NOT EXISTS rows_derived bigint DEFAULT 0;"
    "ALTER TABLE runs ADD COLUMN IF NOT EXISTS ranges bigint DEFAULT 0;"
    "ALTER TABLE runs ADD COLUMN IF NOT EXISTS range_workers bigint DEFAULT 0;"
    "CREATE INDEX IF NOT EXISTS runs_pipeline ON runs(pipeline, seq);"
    "CREATE TABLE IF NOT EXISTS epochs (pipeline text PRIMARY KEY, open_epoch bigint);"
    "CREATE TABLE IF NOT EXISTS dlq ("
    "  id bigserial PRIMARY KEY, pipeline text NOT NULL, run_id text NOT NULL, epoch bigint NOT NULL,"
    "  stage text NOT NULL, file text NOT NULL DEFAULT '', \"offset\" bigint NOT NULL, line bigint,"
    "  reason text NOT NULL, raw bytea, created_at text NOT NULL, row_key text);"
    /* a store made before raw was kept byte for byte and rejected rows once */
    "ALTER TABLE dlq ADD COLUMN IF NOT EXISTS row_key text;"
    "DO $$ BEGIN IF (SELECT data_type FROM information_schema.columns WHERE table_schema = 'sluice_state'"
    "  AND table_name = 'dlq' AND column_name = 'raw') = 'text' THEN"
    "  ALTER TABLE dlq ALTER COLUMN raw TYPE bytea USING convert_to(raw, 'UTF8'); END IF; END $$;"
    "CREATE UNIQUE INDEX IF NOT EXISTS dlq_row ON dlq(pipeline, row_key);"
    "CREATE TABLE IF NOT EXISTS files ("
    "  pipeline text NOT NULL, path text NOT NULL, size bigint, mtime bigint, hash text,"
    "  run_id text, loaded_at text, PRIMARY KEY(pipeline, path));"
    "CREATE TABLE IF NOT EXISTS checkpoints ("
    "  pipeline text NOT NULL, sink text NOT NULL, epoch bigint NOT NULL, key text NOT NULL,"
    "  value text, updated_at text, PRIMARY KEY(pipeline, sink, key));"
    "CREATE TABLE IF NOT EXISTS schema_changes ("
    "  id bigserial PRIMARY KEY, pipeline text NOT NULL, run_id text, column_name text,"
    "  change text, changed_at text);"
    "CREATE TABLE IF NOT EXISTS sync_records ("
    "  pipeline text NOT NULL, sink text NOT NULL, key text NOT NULL, hash text, dest_id text,"
    "  status text NOT NULL, seen_epoch bigint, synced_at text, PRIMARY KEY(pipeline, sink, key));"
    "CREATE TABLE IF NOT EXISTS run_logs (run_id text PRIMARY KEY, started_by text, log text);"
    "CREATE TABLE IF NOT EXISTS slots ("
    "  pipeline text NOT NULL, slot bigint NOT NULL, holder text, claimed_at text, PRIMARY KEY(pipeline, slot));"
    "CREATE TABLE IF NOT EXISTS leases (name text PRIMARY KEY, holder text NOT NULL, expires_at double precision NOT NULL);"
    /* models layer: one row per node a `sluice build/run/test/seed/snapshot` ran (state.h) */
    "CREATE TABLE IF NOT EXISTS node_results ("
    "  seq bigserial PRIMARY KEY, run_id text NOT NULL, unique_id text NOT NULL,"
    "  resource_type text NOT NULL, status text NOT NULL, failures bigint, rows_affected bigint,"
    "  message text, compiled_sql text, started_at text NOT NULL, duration_s double precision);"
    "CREATE INDEX IF NOT EXISTS node_results_node ON node_results(unique_id, seq);"
    /* data quality (state/quality_store.h): check results, column profiles, monitor points, incidents */
    "CREATE TABLE IF NOT EXISTS check_results ("
    "  seq bigserial PRIMARY KEY, run_id text NOT NULL, node text NOT NULL, check_name text NOT NULL, kind text NOT NULL,"
    "  column_name text, status text NOT NULL, severity text NOT NULL, observed double precision, threshold text,"
    "  failures bigint, rows_checked bigint, message text, sample text, checked_at text NOT NULL, duration_s double precision);"
    "CREATE INDEX IF NOT EXISTS check_results_node ON check_results(node, check_name, seq);"
    "CREATE INDEX IF NOT EXISTS check_results_run ON check_results(run_id);"
    "CREATE TABLE IF NOT EXISTS profiles ("
    "  seq bigserial PRIMARY KEY, run_id text NOT NULL, node text NOT NULL, column_name text NOT NULL, type text,"
    "  row_count bigint, null_count bigint, distinct_count bigint, min_value double precision, max_value double precision, mean double precision,"
    "  stddev double precision, min_length bigint, max_length bigint, min_text text, max_text text, format text,"
    "  format_fail_rate double precision, profiled_at text NOT NULL);"
    "CREATE INDEX IF NOT EXISTS profiles_node ON profiles(node, column_name, seq);"
    "CREATE TABLE IF NOT EXISTS monitor_points ("
    "  seq bigserial PRIMARY KEY, monitor text NOT NULL, node text NOT NULL, metric text NOT NULL, column_name text,"
    "  run_id text, at bigint NOT NULL, value double precision, expected double precision, lower_bound double precision, upper_bound double precision,"
    "  status text NOT NULL);"
    "CREATE INDEX IF NOT EXISTS monitor_points_monitor ON monitor_points(monitor, seq);"
    "CREATE TABLE IF NOT EXISTS keyed_state (pipeline TEXT NOT NULL, transform TEXT NOT NULL, scope TEXT NOT NULL, key TEXT NOT NULL, value TEXT, updated_at TEXT, PRIMARY KEY(pipeline, transform, scope, key));"
    "CREATE TABLE IF NOT EXISTS incidents ("
    "  incident_key text PRIMARY KEY, kind text NOT NULL, node text NOT NULL, status text NOT NULL,"
    "  message text, opened_at text NOT NULL, updated_at text NOT NULL, closed_at text, occurrences bigint NOT NULL);";

#define BYTEAOID 17

/* Run sql with params[i] sent in binary (bytea's binary form is the bytes
 * themselves) where bit i of bytes is set, as text elsewhere. */
static int query_bytes(PGconn *c, PGresult **res, const char *sql, int nparams, const char *const *params,
                       unsigned bytes, sl_error *err)
{
    int lens[32] = {0}, fmts[32] = {0};
    for (int i = 0; i < nparams && i < 32; i++)
        if (bytes >> i & 1u) {
            fmts[i] = 1;
            lens[i] = params[i] ? (int)strlen(params[i]) : 0;
        }
    PGresult *r = PQexecParams(c, sql, nparams, NULL, params, lens, fmts, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        sl_pg_result_error(r, c, "postgres", err);
        PQclear(r);
        return -1;
    }
    *res = r;
    return 0;
}

/* Text that is not UTF-8 (a Latin-1 file name, a key) cannot be a text
 * value in PostgreSQL. Such a parameter is sent as MARK, then the text with
 * backslashes doubled and each byte that is not UTF-8 as \xE9; a text value
 * read back that starts with MARK becomes its bytes again, so paths and
 * keys round-trip exactly (SQLite keeps the bytes as they are). MARK is
 * U+FDD0, a noncharacter; text that starts with it is encoded too, so
 * reading back is never ambiguous. */
#define MARK "\xEF\xB7\x90"

static int needs_mark(const char *s)
{
    size_t n = strlen(s);
    return strncmp(s, MARK, 3) == 0 || sl_utf8_valid_prefix(s, n) != n;
}

static char *mark_encode(const char *s)
{
    sl_buf b;
    sl_buf_init(&b);
    sl_buf_adds(&b, MARK);
    size_t n = strlen(s), i = 0;
    while (i < n) {
        size_t ok = sl_utf8_valid_prefix(s + i, n - i);
        for (size_t k = i; k < i + ok; k++) {
            if (s[k] == '\\')
                sl_buf_addc(&b, '\\');
            sl_buf_addc(&b, s[k]);
        }
        i += ok;
        if (i < n)
            sl_buf_addf(&b, "\\x%02X", (unsigned char)s[i++]);
    }
    return sl_buf_detach(&b);
}

static char *mark_decode(const char *s)
{
    sl_buf b;
    sl_buf_init(&b);
    for (s += 3; *s; s++) {
        unsigned v;
        if (s[0] == '\\' && s[1] == '\\') {
            sl_buf_addc(&b, '\\');
            s++;
        } else if (s[0] == '\\' && s[1] == 'x' && s[2] && s[3] && sscanf(s + 2, "%2x", &v) == 1) {
            sl_buf_addc(&b, (char)v);
            s += 3;
        } else {
            sl_buf_addc(&b, *s);
        }
    }
    sl_buf_reserve(&b, 0);
    return sl_buf_detach(&b);
}

static int pg_run(void *conn, const char *sql, int nparams, const char *const *params, unsigned bytes,
                  sl_statedb_row_fn fn, void *ctx, sl_error *err)
{
    PGresult *r;
    if (nparams == 0 && !fn) {
        if (sl_pg_exec(conn, sql, err) < 0)
            return sl_error_prefix(err, "state store");
        return 0;
    }
    const char *sent[32] = {0};
    char *marked[32] = {0};
    for (int i = 0; i < nparams && i < 32; i++) {
        sent[i] = params[i];
        if (params[i] && !(bytes >> i & 1u) && needs_mark(params[i]))
            sent[i] = marked[i] = mark_encode(params[i]);
    }
    int rc = bytes ? query_bytes(conn, &r, sql, nparams, sent, bytes, err)
                   : sl_pg_query(conn, &r, err, sql, nparams, sent);
    for (int i = 0; i < nparams && i < 32; i++)
        sl_free(marked[i]);
    if (rc < 0)
        return sl_error_prefix(err, "state store");
    int n = PQnfields(r);
    const char *vals[64];
    char *own[64] = {0};
    for (int t = 0; fn && t < PQntuples(r); t++) {
        for (int i = 0; i < n && i < 64; i++) {
            vals[i] = PQgetisnull(r, t, i) ? NULL : PQgetvalue(r, t, i);
            if (vals[i] && PQftype(r, i) == BYTEAOID) {
                /* the text form of a bytea is hex; hand back the bytes */
                size_t len;
                unsigned char *u = PQunescapeBytea((const unsigned char *)vals[i], &len);
                if (u) {
                    own[i] = sl_malloc(len + 1);
                    memcpy(own[i], u, len);
                    own[i][len] = 0;
                    PQfreemem(u);
                    vals[i] = own[i];
                }
            } else if (vals[i] && strncmp(vals[i], MARK, 3) == 0) {
                vals[i] = own[i] = mark_decode(vals[i]);
            }
        }
        fn(ctx, n, vals);
        for (int i = 0; i < n && i < 64; i++) {
            sl_free(own[i]);
            own[i] = NULL;
        }
    }
    PQclear(r);
    return 0;
}

static int pg_lock(void *conn, const char *pipeline, int take, sl_error *err)
{
    char key[32];
    snprintf(key, sizeof key, "%lld", (long long)(XXH3_64bits(pipeline, strlen(pipeline)) >> 1));
    const char *p[1] = {key};
    PGresult *r;
    if (sl_pg_query(conn, &r, err,
                    take ? "SELECT pg_try_advisory_lock(CAST($1 AS bigint))" : "SELECT pg_advisory_unlock(CAST($1 AS bigint))",
                    1, p) < 0)
        return sl_error_prefix(err, "state store");
    int got = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    return got;
}

static void pg_close(void *conn)
{
    PQfinish(conn);
}

static const sl_statedb_ops pg_ops = {"postgres", pg_run, "BEGIN", pg_lock, pg_close};

int sl_statedb_pg_open(const char *url, void **conn, const sl_statedb_ops **ops, sl_error *err)
{
    sl_pg_conn_opts o = {.url = (char *)url};
    PGconn *c;
    if (sl_pg_connect(&o, &c, err) < 0)
        return sl_error_prefix(err, "state store");
    /* two processes creating the schema at once: serialise them */
    if (sl_pg_exec(c, "SELECT pg_advisory_lock(7468757)", err) < 0 || sl_pg_exec(c, schema_sql, err) < 0 ||
        sl_pg_exec(c, "SELECT pg_advisory_unlock(7468757)", err) < 0) {
        PQfinish(c);
        return sl_error_prefix(err, "state store");
    }
    *conn = c;
    *ops = &pg_ops;
    return 0;
}
