/* test_pg_sink.c: the postgres sink against a real PostgreSQL server
 * (the ctest fixture starts one): modes, types, bad rows isolated inside a
 * COPY batch, on_error: fail rolling back, schema evolution policies, and
 * 3000 hostile identifiers (injection, 63-byte shortening, collisions). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/mem.h"
#include "core/sqlident.h"
#include "core/util.h"
#include "helpers.h"

/* Every test starts from an empty schema "pgs". */
static int setup(void **state)
{
    th_setup(state);
    th_pg_url();
    th_pg_exec("DROP SCHEMA IF EXISTS pgs CASCADE");
    return 0;
}

#define SINK "{type: postgres, url: \"${SLUICE_TEST_PG_URL}\", schema: pgs, "

static void test_modes_and_types(void **state)
{
    th_write(th_dir, "data/a.csv",
             "id,name,score,ratio,joined,seen_at,active\n"
             "1,\"tab\there\",10,0.5,2026-01-01,2026-01-01T10:00:00.123456Z,true\n"
             "2,\"line\nbreak \\\\ back\",,1.25,2026-01-02,2026-01-02 11:30:00+02:00,false\n"
             "3,\"quote \"\" and ; DROP\",30,-2,2026-01-03,2026-01-03T00:00:00Z,true\n");
    th_write(th_dir, "pipelines/a.yml",
             "source: {type: csv, path: data/a.csv}\n"
             "sinks: [" SINK "table: people}]\n");
    sl_run_result r = th_run_dir(th_dir, "a");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.loaded, 3);
    assert_int_equal(th_pg_int("SELECT count(*) FROM pgs.people"), 3);
    char *t = th_pg_text("SELECT string_agg(column_name || ':' || data_type, ',' ORDER BY ordinal_position) "
                         "FROM information_schema.columns WHERE table_schema = 'pgs' AND table_name = 'people'");
    assert_string_equal(t, "id:bigint,name:text,score:bigint,ratio:double precision,joined:date,"
                           "seen_at:timestamp with time zone,active:boolean");
    free(t);
    t = th_pg_text("SELECT name FROM pgs.people WHERE id = 2");
    assert_string_equal(t, "line\nbreak \\\\ back");
    free(t);
    t = th_pg_text("SELECT name FROM pgs.people WHERE id = 1");
    assert_string_equal(t, "tab\there");
    free(t);
    t = th_pg_text("SELECT to_char(seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') FROM pgs.people WHERE id = 1");
    assert_string_equal(t, "2026-01-01 10:00:00.123456");
    free(t);
    t = th_pg_text("SELECT to_char(seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM pgs.people WHERE id = 2");
    assert_string_equal(t, "2026-01-02 09:30");
    free(t);
    assert_int_equal(th_pg_int("SELECT count(*) FROM pgs.people WHERE score IS NULL"), 1);
    assert_int_equal(th_pg_int("SELECT count(*) FROM pgs.people WHERE active"), 2);
    assert_int_equal(th_pg_int("SELECT (sum(ratio) * 100)::int FROM pgs.people"), -25);
    /* the checkpoint row sits beside the data */
    assert_int_equal(th_pg_int("SELECT count(*) FROM pgs._sluice_state WHERE pipeline = 'a'"), 1);
    /* append again: a second copy */
    r = th_run_dir(th_dir, "a");
    assert_int_equal(th_pg_int("SELECT count(*) FROM pgs.people"), 6);

    /* upsert: the last row of a key wins, inside a batch and across runs */
    th_write(th_dir, "data/u1.csv", "id,v\n1,10\n2,20\n2,21\n");
    th_write(th_dir, "pipelines/u.yml",
             "source: {type: csv, path: data/u*.csv}\n"
             "sinks: [" SINK "table: u, mode: upsert, key: [id]}]\n");
    r = th_run_dir(th_dir, "u");
    assert_string_equal(r.status, "success");
    assert_int_equal(th_pg_int("SELECT v FROM pgs.u WHERE id = 2"), 21);
    int64_t xmin1 = th_pg_int("SELECT xmin::text::bigint FROM pgs.u WHERE id = 1");
    th_write(th_dir, "data/u2.csv", "id,v\n2,22\n3,30\n");
    r = th_run_dir(th_dir, "u");
    assert_int_equal(th_pg_int("SELECT count(*) FROM pgs.u"), 3);
    assert_int_equal(th_pg_int("SELECT v FROM pgs.u WHERE id = 2"), 22);
    /* row 1 came again unchanged (u1.csv is re-read): not rewritten */
    assert_int_equal(th_pg_int("SELECT xmin::text::bigint FROM pgs.u WHERE id = 1"), xmin1);

    /* full_refresh: replaced, never doubled, no staging table left */
    th_write(th_dir, "pipelines/f.yml",
             "source: {type: csv, path: data/u*.csv}\n"
             "sinks: [" SINK "table: f, mode: full_refresh}]\n");
    th_run_dir(th_dir, "f");
    r = th_run_dir(th_dir, "f");
    assert_string_equal(r.status, "success");
    assert_int_equal(th_pg_int("SELECT count(*) FROM pgs.f"), 5);
    assert_int_equal(th_pg_int("SELECT count(*) FROM pg_tables WHERE schemaname = 'pgs' AND tablename LIKE '%staging%'"), 0);
}

/* A table with every kind of constraint; 1000 rows, some breaking each. */
static void test_bad_rows_in_copy(void **state)
{
    th_pg_exec("CREATE SCHEMA pgs; CREATE TABLE pgs.strict (id bigint PRIMARY KEY, email text NOT NULL,"
               " score int CHECK (score < 100), code varchar(5))");
    sl_buf csv;
    sl_buf_init(&csv);
    sl_buf_adds(&csv, "id,email,score,code\n");
    int bad = 0;
    for (int i = 1; i <= 1000; i++) {
        int id = i, score = i % 100;
        const char *email = "a@b.c", *code = "ok";
        if (i % 97 == 0) { score = 150; bad++; }                /* check */
        else if (i % 89 == 0) { email = ""; bad++; }            /* NOT NULL (empty = NULL) */
        else if (i % 83 == 0) { code = "toolong"; bad++; }      /* varchar(5) */
        else if (i % 79 == 0) { id = 1; bad++; }                /* duplicate primary key */
        sl_buf_addf(&csv, "%d,%s,%d,%s\n", id, email, score, code);
    }
    th_write(th_dir, "data/s.csv", csv.data);
    sl_buf_release(&csv);
    th_write(th_dir, "pipelines/s.yml",
             "source: {type: csv, path: data/s.csv, columns: {email: text, code: text}}\n"
             "batch_rows: 256\n"
             "sinks: [" SINK "table: strict}]\n");
    sl_run_result r = th_run_dir(th_dir, "s");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.read, 1000);
    assert_int_equal(r.counts.rejected, bad);
    assert_int_equal(r.counts.loaded, 1000 - bad);
    assert_int_equal(th_pg_int("SELECT count(*) FROM pgs.strict"), 1000 - bad);
    /* the server's own words, and the source line of each bad row */
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM dlq WHERE reason LIKE '%violates check constraint%'"), 10);
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM dlq WHERE reason LIKE '%null value in column \"email\"%'"), 11);
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM dlq WHERE reason LIKE '%value too long for type character varying(5)%'"), 12);
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM dlq WHERE reason LIKE '%duplicate key value violates unique constraint%'"), 12);
    assert_int_equal(th_sql_int(th_state_db, "SELECT line FROM dlq WHERE reason LIKE '%check constraint%' ORDER BY line LIMIT 1"), 98);

    /* the same with upsert: failures come from the INSERT, without a row number */
    th_pg_exec("CREATE TABLE pgs.strict2 (id bigint PRIMARY KEY, email text NOT NULL, score int CHECK (score < 100),"
               " code varchar(5))");
    th_write(th_dir, "pipelines/s2.yml",
             "source: {type: csv, path: data/s.csv, columns: {email: text, code: text}}\n"
             "batch_rows: 256\n"
             "sinks: [" SINK "table: strict2, mode: upsert, key: [id]}]\n");
    r = th_run_dir(th_dir, "s2");
    assert_string_equal(r.status, "success");
    /* duplicates of id 1 are updates now, not errors */
    assert_int_equal(bad, 45);
    assert_int_equal(r.counts.rejected, bad - 12);
    assert_int_equal(th_pg_int("SELECT count(*) FROM pgs.strict2"), 1000 - bad);
}

/* on_error: fail, with the bad row in the second batch of two rows. */
/* Text that is not UTF-8 (an SQLite source holds any bytes) reaches a
 * PostgreSQL text column: the server refuses the row, which goes to the
 * DLQ with the reason and the row (the byte shown as \xE9); the rest of the
 * batch loads, in COPY (append) and in upsert's INSERT. */
static void test_invalid_utf8_rows(void **state)
{
    char src[4300];
    snprintf(src, sizeof src, "%s/src.db", th_dir);
    th_sql_int(src, "CREATE TABLE t (id INTEGER, name TEXT)");
    th_sql_int(src, "INSERT INTO t VALUES (1, 'ok'), (2, CAST(x'52656ee965' AS TEXT)), (3, 'fine')");
    for (int upsert = 0; upsert < 2; upsert++) {
        char yml[512];
        snprintf(yml, sizeof yml,
                 "source: {type: sqlite, path: src.db, table: t}\n"
                 "sinks: [" SINK "table: u%d%s}]\n", upsert, upsert ? ", mode: upsert, key: [id]" : "");
        th_write(th_dir, "pipelines/u.yml", yml);
        sl_run_result r = th_run_dir(th_dir, "u");
        assert_string_equal(r.status, "success");
        assert_int_equal(r.counts.loaded, 2);
        assert_int_equal(r.counts.rejected, 1);
        char q[200];
        snprintf(q, sizeof q, "SELECT string_agg(id || '=' || name, ',' ORDER BY id) FROM pgs.u%d", upsert);
        char *t = th_pg_text(q);
        assert_string_equal(t, "1=ok,3=fine");
        free(t);
    }
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM dlq WHERE line = 2 AND reason LIKE "
                                                 "'%invalid byte sequence for encoding \"UTF8\"%'"), 2);
    char *t = th_sql_text(th_state_db, "SELECT raw FROM dlq LIMIT 1");
    assert_string_equal(t, "{\"id\":2,\"name\":\"Ren\\\\xE9e\"}");
    free(t);
}

static void test_on_error_fail_rolls_back(void **state)
{
    th_pg_exec("CREATE SCHEMA pgs; CREATE TABLE pgs.t (id bigint, v int CHECK (v > 0));"
               "CREATE TABLE pgs.t2 (id bigint, v int CHECK (v > 0))");
    th_write(th_dir, "data/t.csv", "id,v\n1,1\n2,2\n3,-3\n4,4\n");
    /* commit: batch (default): the first batch stays, with its checkpoint */
    th_write(th_dir, "pipelines/t.yml",
             "source: {type: csv, path: data/t.csv}\n"
             "on_error: fail\nbatch_rows: 2\n"
             "sinks: [" SINK "table: t}]\n");
    sl_run_result r = th_run_dir(th_dir, "t");
    assert_string_equal(r.status, "failed");
    assert_non_null(strstr(r.error, "check constraint"));
    assert_int_equal(th_pg_int("SELECT count(*) FROM pgs.t"), 2);
    assert_int_equal(th_pg_int("SELECT line FROM pgs._sluice_state WHERE pipeline = 't'"), 4); /* resumes at line 4 */
    /* commit: run: the whole run rolls back, no checkpoint */
    th_write(th_dir, "pipelines/t2.yml",
             "source: {type: csv, path: data/t.csv}\n"
             "on_error: fail\nbatch_rows: 2\n"
             "sinks: [" SINK "table: t2, commit: run}]\n");
    r = th_run_dir(th_dir, "t2");
    assert_string_equal(r.status, "failed");
    assert_int_equal(th_pg_int("SELECT count(*) FROM pgs.t2"), 0);
    assert_int_equal(th_pg_int("SELECT count(*) FROM pgs._sluice_state WHERE pipeline = 't2'"), 0);
    /* and with the bad row fixed, commit: run loads everything once */
    th_write(th_dir, "data/t.csv", "id,v\n1,1\n2,2\n3,3\n4,4\n5,5\n");
    r = th_run_dir(th_dir, "t2");
    assert_string_equal(r.status, "success");
    assert_int_equal(th_pg_int("SELECT count(*) FROM pgs.t2"), 5);
    /* dlq mode under commit: run: a bad row is isolated inside the run's transaction */
    th_write(th_dir, "data/t.csv", "id,v\n6,6\n7,-7\n8,8\n");
    th_write(th_dir, "pipelines/t3.yml",
             "source: {type: csv, path: data/t.csv}\nbatch_rows: 2\n"
             "sinks: [" SINK "table: t2, commit: run}]\n");
    r = th_run_dir(th_dir, "t3");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.rejected, 1);
    assert_int_equal(th_pg_int("SELECT count(*) FROM pgs.t2"), 7);
}

static void test_schema_change_policies(void **state)
{
    th_pg_exec("CREATE SCHEMA pgs; CREATE TABLE pgs.e (id integer, v integer)");
    th_write(th_dir, "data/e1.csv", "id,v\n1,10\n");
    th_write(th_dir, "pipelines/e.yml",
             "source: {type: csv, path: data/e1.csv}\n"
             "sinks: [" SINK "table: e}]\n");
    assert_string_equal(th_run_dir(th_dir, "e").status, "success");
    /* a value too big for integer: the column becomes bigint */
    th_write(th_dir, "data/e1.csv", "id,v\n3000000000,10\n");
    assert_string_equal(th_run_dir(th_dir, "e").status, "success");
    char *t = th_pg_text("SELECT data_type FROM information_schema.columns WHERE table_schema = 'pgs' AND "
                         "table_name = 'e' AND column_name = 'id'");
    assert_string_equal(t, "bigint");
    free(t);
    /* decimals into an int column: numeric; a new column: added */
    th_write(th_dir, "data/e1.csv", "id,v,note\n2,10.75,hello\n");
    assert_string_equal(th_run_dir(th_dir, "e").status, "success");
    t = th_pg_text("SELECT string_agg(column_name || ':' || data_type, ',' ORDER BY ordinal_position) "
                   "FROM information_schema.columns WHERE table_schema = 'pgs' AND table_name = 'e'");
    assert_string_equal(t, "id:bigint,v:numeric,note:text");
    free(t);
    t = th_pg_text("SELECT v::text FROM pgs.e WHERE id = 2");
    assert_string_equal(t, "10.75");
    free(t);
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM schema_changes WHERE pipeline = 'e'"), 3);

    /* freeze: a new column fails the run, nothing loaded */
    th_write(th_dir, "data/e2.csv", "id,v,note,extra\n5,1,x,y\n");
    th_write(th_dir, "pipelines/fr.yml",
             "source: {type: csv, path: data/e2.csv}\n"
             "sinks: [" SINK "table: e, schema_change: freeze}]\n");
    sl_run_result r = th_run_dir(th_dir, "fr");
    assert_string_equal(r.status, "failed");
    assert_non_null(strstr(r.error, "column \"extra\" is not in table \"pgs\".\"e\" and schema_change is freeze"));
    assert_int_equal(th_pg_int("SELECT count(*) FROM pgs.e WHERE id = 5"), 0);
    /* discard_columns: loaded without it */
    th_write(th_dir, "pipelines/dc.yml",
             "source: {type: csv, path: data/e2.csv}\n"
             "sinks: [" SINK "table: e, schema_change: discard_columns}]\n");
    r = th_run_dir(th_dir, "dc");
    assert_string_equal(r.status, "success");
    assert_int_equal(th_pg_int("SELECT count(*) FROM pgs.e WHERE id = 5 AND note = 'x'"), 1);
    assert_int_equal(th_pg_int("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'pgs' AND "
                               "column_name = 'extra'"), 0);
}

/* ---- hostile identifiers ---------------------------------------------- */

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

static const char *const pieces[] = {
    "\"", "'", " ", ";", "--", "/*", "*/", ")", "(", "DROP TABLE pgs.canary;", "select", "FROM", "user", "order",
    "é", "日本語", "🙂", "\t", "\\", "%s", "$1", "x", "Y", ",", "\"\"", "`", "[", "]", "NULL", "e'\\x'", "ß", "Ω",
};

/* n distinct hostile names, some longer than 63 bytes sharing a prefix. */
static char **hostile_names(size_t n)
{
    char **v = sl_calloc(n, sizeof *v);
    size_t k = 0;
    const char *prefix = "a_very_long_shared_prefix_that_fills_most_of_the_63_bytes_";
    while (k < n) {
        sl_buf b;
        sl_buf_init(&b);
        if (next_rand() % 4 == 0)
            sl_buf_adds(&b, prefix);
        int parts = 1 + (int)(next_rand() % 6);
        for (int p = 0; p < parts; p++)
            sl_buf_adds(&b, pieces[next_rand() % (sizeof pieces / sizeof *pieces)]);
        if (next_rand() % 8 == 0) /* past the limit by a multi-byte character */
            for (int p = 0; p < 8; p++)
                sl_buf_adds(&b, "日本");
        sl_buf_addf(&b, "%u", next_rand() % 50); /* some repeats are expected; skip them */
        char *s = sl_buf_detach(&b);
        int dup = 0;
        for (size_t i = 0; i < k && !dup; i++)
            dup = strcmp(v[i], s) == 0;
        if (dup)
            sl_free(s);
        else
            v[k++] = s;
    }
    return v;
}

static void csv_field(sl_buf *b, const char *s)
{
    sl_buf_addc(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            sl_buf_addc(b, '"');
        sl_buf_addc(b, *s);
    }
    sl_buf_addc(b, '"');
}

static void test_hostile_identifiers(void **state)
{
    th_pg_exec("CREATE SCHEMA pgs; CREATE TABLE pgs.canary (x int); INSERT INTO pgs.canary VALUES (42)");
    enum { N = 3000, PER_TABLE = 500 };
    char **names = hostile_names(N);
    size_t shortened = 0;
    for (size_t t = 0; t < N / PER_TABLE; t++) {
        sl_buf csv;
        sl_buf_init(&csv);
        for (size_t i = 0; i < PER_TABLE; i++) {
            if (i)
                sl_buf_addc(&csv, ',');
            csv_field(&csv, names[t * PER_TABLE + i]);
        }
        sl_buf_addc(&csv, '\n');
        for (size_t i = 0; i < PER_TABLE; i++)
            sl_buf_addf(&csv, "%s%zu", i ? "," : "", t * PER_TABLE + i);
        sl_buf_addc(&csv, '\n');
        char rel[64], yml[512];
        snprintf(rel, sizeof rel, "data/h%zu.csv", t);
        th_write(th_dir, rel, csv.data);
        sl_buf_release(&csv);
        /* the table name is hostile too */
        snprintf(yml, sizeof yml,
                 "source: {type: csv, path: data/h%zu.csv, infer_types: false}\n"
                 "sinks: [" SINK "table: 'h%zu\"; DROP TABLE pgs.canary; --'}]\n", t, t);
        snprintf(rel, sizeof rel, "pipelines/h%zu.yml", t);
        th_write(th_dir, rel, yml);
        snprintf(rel, sizeof rel, "h%zu", t);
        sl_run_result r = th_run_dir(th_dir, rel);
        assert_string_equal(r.status, "success");
        assert_int_equal(r.counts.loaded, 1);
        /* every column is where the name's fitted form says, in order */
        char sql[512];
        snprintf(sql, sizeof sql,
                 "SELECT string_agg(column_name, E'\\x1f' ORDER BY ordinal_position) FROM information_schema.columns "
                 "WHERE table_schema = 'pgs' AND table_name = 'h%zu\"; DROP TABLE pgs.canary; --'", t);
        char *got = th_pg_text(sql);
        assert_non_null(got);
        sl_buf want;
        sl_buf_init(&want);
        for (size_t i = 0; i < PER_TABLE; i++) {
            char fit[SL_SQL_NAME_MAX + 1];
            shortened += sl_sql_name_fit(SL_SQL_POSTGRES, names[t * PER_TABLE + i], fit, sizeof fit);
            if (i)
                sl_buf_addc(&want, '\x1f');
            sl_buf_adds(&want, fit);
            if (strlen(names[t * PER_TABLE + i]) <= SL_SQL_NAME_MAX)
                assert_string_equal(fit, names[t * PER_TABLE + i]); /* short names are kept exactly */
        }
        assert_string_equal(got, want.data);
        free(got);
        sl_buf_release(&want);
        /* and every value in its column */
        snprintf(sql, sizeof sql, "SELECT t::text FROM pgs.\"h%zu\"\"; DROP TABLE pgs.canary; --\" t", t);
        got = th_pg_text(sql);
        sl_buf_init(&want);
        sl_buf_addc(&want, '(');
        for (size_t i = 0; i < PER_TABLE; i++)
            sl_buf_addf(&want, "%s%zu", i ? "," : "", t * PER_TABLE + i);
        sl_buf_addc(&want, ')');
        assert_string_equal(got, want.data);
        free(got);
        sl_buf_release(&want);
    }
    assert_true(shortened > 100); /* the generator did exercise the 63-byte rule */
    /* no injection: the canary lives, and only our tables exist */
    assert_int_equal(th_pg_int("SELECT x FROM pgs.canary"), 42);
    assert_int_equal(th_pg_int("SELECT count(*) FROM pg_tables WHERE schemaname = 'pgs'"), 2 + N / PER_TABLE);
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM schema_changes WHERE change LIKE '%at most 63 bytes%'"),
                     (int64_t)shortened);
    for (size_t i = 0; i < N; i++)
        sl_free(names[i]);
    sl_free(names);

    /* a collision is refused, never silent: a long name and its fitted form */
    const char *lng = "this_column_name_is_much_longer_than_sixty_three_bytes_so_it_gets_shortened";
    char fit[SL_SQL_NAME_MAX + 1];
    sl_sql_name_fit(SL_SQL_POSTGRES, lng, fit, sizeof fit);
    char text[512];
    snprintf(text, sizeof text, "%s,%s\n1,2\n", lng, fit);
    th_write(th_dir, "data/c.csv", text);
    th_write(th_dir, "pipelines/c.yml", "source: {type: csv, path: data/c.csv}\nsinks: [" SINK "table: c}]\n");
    sl_run_result r = th_run_dir(th_dir, "c");
    assert_string_equal(r.status, "failed");
    assert_non_null(strstr(r.error, "would both become"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_modes_and_types, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_bad_rows_in_copy, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_on_error_fail_rolls_back, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_invalid_utf8_rows, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_schema_change_policies, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_hostile_identifiers, setup, th_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
