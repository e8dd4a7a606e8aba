/*
 * mat_cases.h: the materialization cases test_materialize.c (SQLite) and
 * test_materialize_pg.c (PostgreSQL) both run, through the adapter
 * (models/adapter.h) and models/materialize.h with hand-built nodes.
 * The includer defines mc_open(), which sets mc_a to an adapter on a
 * fresh, empty warehouse whose unqualified names resolve to its target
 * schema. Rows are compared as text: "1,a;2,b" (NULL shown as ~).
 */
#ifndef SL_TEST_MAT_CASES_H
#define SL_TEST_MAT_CASES_H
#include "core/mem.h"
#include "models/materialize.h"
#include <string.h>

static sl_adapter *mc_a;
static sl_project *mc_p; /* the project in th_dir (helpers.h) */
static void mc_open(void);

static int mc_row(void *ctx, size_t ncols, const char *const *names, const char *const *cells)
{
    sl_buf *b = ctx;
    (void)names;
    if (b->len)
        sl_buf_addc(b, ';');
    for (size_t i = 0; i < ncols; i++) {
        if (i)
            sl_buf_addc(b, ',');
        sl_buf_adds(b, cells[i] ? cells[i] : "~");
    }
    return 0;
}

/* The rows of a query as "a,b;c,d" (caller frees). */
static char *mc_rows(const char *sql)
{
    sl_buf b;
    sl_buf_init(&b);
    sl_buf_adds(&b, "");
    sl_error err;
    if (sl_adapter_query(mc_a, sql, 0, mc_row, &b, &err) < 0)
        fail_msg("%s: %s", sql, err.msg);
    return sl_buf_detach(&b);
}

#define MC_ROWS(sql, expect)                  \
    do {                                      \
        char *r_ = mc_rows(sql);              \
        assert_string_equal(r_, expect);      \
        sl_free(r_);                          \
    } while (0)

static void mc_x(const char *sql)
{
    sl_error err;
    if (sl_adapter_exec(mc_a, sql, &err) < 0)
        fail_msg("%s: %s", sql, err.msg);
}

static sl_node mc_node(const char *name, const char *materialized)
{
    sl_node n;
    memset(&n, 0, sizeof n);
    n.kind = SL_NODE_MODEL;
    n.name = (char *)name;
    n.identifier = (char *)name;
    n.config.enabled = 1;
    n.config.materialized = (char *)materialized;
    n.config.full_refresh = -1;
    n.config.limit = -1;
    n.config.store_failures = -1;
    n.attached = (size_t)-1;
    return n;
}

static sl_mat_result mc_build(const sl_node *n, const char *sql, int full_refresh)
{
    sl_mat_result r;
    sl_error err;
    if (sl_materialize_model(mc_a, n, sql, full_refresh, &r, &err) < 0)
        fail_msg("model %s: %s", n->name, err.msg);
    return r;
}

/* A build that must fail; its message goes to msg. */
static void mc_build_fails(const sl_node *n, const char *sql, int full_refresh, char *msg, size_t cap)
{
    sl_mat_result r;
    sl_error err;
    if (sl_materialize_model(mc_a, n, sql, full_refresh, &r, &err) == 0)
        fail_msg("model %s built, expected a failure", n->name);
    snprintf(msg, cap, "%s", err.msg);
}

static int mc_exists(const char *schema, const char *name, int *is_view)
{
    sl_relation r = {schema, name};
    int e = 0, v = 0;
    sl_error err;
    if (sl_adapter_exists(mc_a, r, &e, &v, &err) < 0)
        fail_msg("exists %s: %s", name, err.msg);
    if (is_view)
        *is_view = v;
    return e;
}

/* The relation's column names, comma separated (caller frees). */
static char *mc_columns(const char *name)
{
    sl_relation r = {NULL, name};
    sl_adapter_column *c;
    size_t n;
    sl_error err;
    if (sl_adapter_columns(mc_a, r, &c, &n, &err) < 0)
        fail_msg("columns %s: %s", name, err.msg);
    sl_buf b;
    sl_buf_init(&b);
    sl_buf_adds(&b, "");
    for (size_t i = 0; i < n; i++) {
        if (i)
            sl_buf_addc(&b, ',');
        sl_buf_adds(&b, c[i].name);
    }
    sl_adapter_columns_free(c, n);
    return sl_buf_detach(&b);
}

#define MC_COLUMNS(name, expect)            \
    do {                                    \
        char *c_ = mc_columns(name);        \
        assert_string_equal(c_, expect);    \
        sl_free(c_);                        \
    } while (0)

static void mc_raw(void)
{
    mc_x("CREATE TABLE raw (id INTEGER, v TEXT)");
    mc_x("INSERT INTO raw VALUES (1, 'a'), (2, 'b')");
}

/* view <-> table, both ways; a view's SQL replaced; trailing ';' accepted */
static void test_view_and_table(void **state)
{
    (void)state;
    mc_open();
    mc_raw();
    sl_node n = mc_node("m", "view");
    sl_mat_result r = mc_build(&n, "select id, v from raw\n;\n", 0);
    assert_string_equal(r.message, "CREATE VIEW");
    assert_int_equal(r.rows_affected, -1);
    int is_view = 0;
    assert_true(mc_exists(NULL, "m", &is_view));
    assert_true(is_view);
    MC_ROWS("SELECT id, v FROM m ORDER BY id", "1,a;2,b");
    r = mc_build(&n, "select id from raw where id = 2", 0);
    MC_ROWS("SELECT * FROM m", "2");
    /* view -> table */
    n.config.materialized = "table";
    r = mc_build(&n, "select id, v from raw", 0);
    assert_string_equal(r.message, "SELECT 2");
    assert_int_equal(r.rows_affected, 2);
    assert_true(mc_exists(NULL, "m", &is_view));
    assert_false(is_view);
    MC_ROWS("SELECT id, v FROM m ORDER BY id", "1,a;2,b");
    assert_false(mc_exists(NULL, "m__sluice_tmp", NULL));
    /* table rebuilt */
    mc_x("INSERT INTO raw VALUES (3, 'c')");
    r = mc_build(&n, "select id, v from raw", 0);
    assert_int_equal(r.rows_affected, 3);
    /* a view over the table: SQLite views name tables, and it keeps working
     * after the swap; PostgreSQL binds views to the table itself, which the
     * swap drops with CASCADE (as dbt), so it goes until its model runs */
    sl_node over = mc_node("over_m", "view");
    mc_build(&over, "select count(*) as n from m", 0);
    r = mc_build(&n, "select id, v from raw where id < 3", 0);
    if (sl_adapter_is_pg(mc_a))
        assert_false(mc_exists(NULL, "over_m", NULL));
    else
        MC_ROWS("SELECT n FROM over_m", "2");
    /* table -> view */
    n.config.materialized = "view";
    mc_build(&n, "select v from raw where id = 3", 0);
    assert_true(mc_exists(NULL, "m", &is_view));
    assert_true(is_view);
    MC_ROWS("SELECT * FROM m", "c");
    /* ephemeral: nothing in the warehouse */
    sl_node e = mc_node("eph", "ephemeral");
    r = mc_build(&e, "select 1", 0);
    assert_string_equal(r.message, "EPHEMERAL");
    assert_false(mc_exists(NULL, "eph", NULL));
    sl_adapter_close(mc_a);
}

/* a failing build (SQL error, failing post_hook) leaves the old table */
static void test_failed_build_keeps_table(void **state)
{
    (void)state;
    mc_open();
    mc_raw();
    /* "keep" is in none of the SQL: SQLite builds it in place (sl_mat_direct) */
    sl_node n = mc_node("keep", "table");
    mc_build(&n, "select id, v from raw", 0);
    char msg[2048];
    mc_build_fails(&n, "select id,\n  nope\nfrom raw", 0, msg, sizeof msg);
    assert_non_null(strstr(msg, "model keep: "));
    assert_non_null(strstr(msg, "nope"));
    assert_non_null(strstr(msg, "(line 2 of the compiled SQL)"));
    MC_ROWS("SELECT id, v FROM keep ORDER BY id", "1,a;2,b");
    assert_false(mc_exists(NULL, "keep__sluice_tmp", NULL));
    /* the new table was built, then a post_hook failed: all rolled back */
    char *post[] = {"INSERT INTO no_such_table VALUES (1)"};
    n.config.post_hook.v = post;
    n.config.post_hook.n = 1;
    mc_build_fails(&n, "select 9 as id, 'z' as v", 0, msg, sizeof msg);
    assert_non_null(strstr(msg, "post_hook 1"));
    MC_ROWS("SELECT id, v FROM keep ORDER BY id", "1,a;2,b");
    assert_false(mc_exists(NULL, "keep__sluice_tmp", NULL));
    /* a view that fails leaves the old view */
    sl_node v = mc_node("v", "view");
    mc_build(&v, "select id from raw where id = 1", 0);
    mc_build_fails(&v, "select nope from raw", 0, msg, sizeof msg);
    MC_ROWS("SELECT * FROM v", "1");
    /* hooks run in the transaction, in order */
    mc_x("CREATE TABLE hook_log (what TEXT)");
    char *pre[] = {"INSERT INTO hook_log VALUES ('pre')"};
    char *post2[] = {"INSERT INTO hook_log VALUES ('post1')", "INSERT INTO hook_log VALUES ('post2')"};
    n.config.pre_hook.v = pre;
    n.config.pre_hook.n = 1;
    n.config.post_hook.v = post2;
    n.config.post_hook.n = 2;
    mc_build(&n, "select id, v from raw", 0);
    MC_ROWS("SELECT what FROM hook_log ORDER BY what", "post1;post2;pre");
    sl_adapter_close(mc_a);
}

static void test_incremental_append(void **state)
{
    (void)state;
    mc_open();
    mc_raw();
    sl_node n = mc_node("inc", "incremental");
    int yes = 1;
    sl_error err;
    assert_int_equal(sl_materialize_is_incremental(mc_a, &n, 0, &yes, &err), 0);
    assert_false(yes);
    sl_mat_result r = mc_build(&n, "select id, v from raw", 0);
    assert_string_equal(r.message, "SELECT 2");
    assert_int_equal(sl_materialize_is_incremental(mc_a, &n, 0, &yes, &err), 0);
    assert_true(yes);
    assert_int_equal(sl_materialize_is_incremental(mc_a, &n, 1, &yes, &err), 0);
    assert_false(yes);
    mc_x("INSERT INTO raw VALUES (3, 'c')");
    r = mc_build(&n, "select id, v from raw where id > (select max(id) from inc)", 0);
    assert_string_equal(r.message, "INSERT 1");
    assert_int_equal(r.rows_affected, 1);
    MC_ROWS("SELECT id, v FROM inc ORDER BY id", "1,a;2,b;3,c");
    assert_false(mc_exists(NULL, "inc__sluice_tmp", NULL));
    /* --full-refresh rebuilds */
    r = mc_build(&n, "select id, v from raw where id <> 2", 1);
    assert_string_equal(r.message, "SELECT 2");
    MC_ROWS("SELECT id, v FROM inc ORDER BY id", "1,a;3,c");
    /* config full_refresh: false pins it: --full-refresh is ignored */
    n.config.full_refresh = 0;
    assert_int_equal(sl_materialize_is_incremental(mc_a, &n, 1, &yes, &err), 0);
    assert_true(yes);
    r = mc_build(&n, "select id, v from raw where id = 2", 1);
    assert_string_equal(r.message, "INSERT 1");
    MC_ROWS("SELECT id, v FROM inc ORDER BY id", "1,a;2,b;3,c");
    /* a failing incremental run leaves the table as it was */
    char msg[2048];
    mc_build_fails(&n, "select id, v from raw where nope", 0, msg, sizeof msg);
    assert_non_null(strstr(msg, "model inc: "));
    MC_ROWS("SELECT id, v FROM inc ORDER BY id", "1,a;2,b;3,c");
    /* unknown strategies are refused by name */
    n.config.incremental_strategy = "insert_overwrite";
    mc_build_fails(&n, "select id, v from raw", 0, msg, sizeof msg);
    assert_non_null(strstr(msg, "incremental_strategy 'insert_overwrite' is not supported"));
    sl_adapter_close(mc_a);
}

static void test_incremental_merge_and_delete_insert(void **state)
{
    (void)state;
    mc_open();
    mc_raw();
    char *id[] = {"id"};
    sl_node n = mc_node("mg", "incremental");
    n.config.unique_key.v = id;
    n.config.unique_key.n = 1;
    mc_build(&n, "select id, v from raw", 0);
    mc_x("UPDATE raw SET v = 'B' WHERE id = 2");
    mc_x("INSERT INTO raw VALUES (3, 'c')");
    sl_mat_result r = mc_build(&n, "select id, v from raw where id >= 2", 0);
    assert_string_equal(r.message, "MERGE 2"); /* one updated, one inserted */
    MC_ROWS("SELECT id, v FROM mg ORDER BY id", "1,a;2,B;3,c");
    /* the same again changes no value */
    r = mc_build(&n, "select id, v from raw where id >= 2", 0);
    MC_ROWS("SELECT id, v FROM mg ORDER BY id", "1,a;2,B;3,c");
    /* a key twice in the new rows: refused, table untouched */
    char msg[2048];
    mc_build_fails(&n, "select id, v from raw union all select 2, 'x'", 0, msg, sizeof msg);
    assert_non_null(strstr(msg, "unique_key (\"id\") is not unique in the model's new rows: 1 key(s)"));
    MC_ROWS("SELECT id, v FROM mg ORDER BY id", "1,a;2,B;3,c");
    /* a key that is not a column */
    char *bad[] = {"nope"};
    sl_node nb = n;
    nb.config.unique_key.v = bad;
    mc_build_fails(&nb, "select id, v from raw", 0, msg, sizeof msg);
    assert_non_null(strstr(msg, "unique_key column 'nope' is not a column of the model"));
    /* two key columns */
    mc_x("CREATE TABLE raw2 (a INTEGER, b TEXT, v INTEGER)");
    mc_x("INSERT INTO raw2 VALUES (1, 'x', 10), (1, 'y', 20), (2, 'x', 30)");
    char *ab[] = {"a", "b"};
    sl_node m2 = mc_node("mg2", "incremental");
    m2.config.unique_key.v = ab;
    m2.config.unique_key.n = 2;
    m2.config.incremental_strategy = "merge";
    mc_build(&m2, "select a, b, v from raw2", 0);
    r = mc_build(&m2, "select 1 as a, 'y' as b, 21 as v union all select 2, 'y', 40", 0);
    assert_int_equal(r.rows_affected, 2);
    MC_ROWS("SELECT a, b, v FROM mg2 ORDER BY a, b", "1,x,10;1,y,21;2,x,30;2,y,40");
    /* delete+insert: every row of a key in the new rows replaces the key's rows */
    sl_node d = mc_node("di", "incremental");
    d.config.unique_key.v = id;
    d.config.unique_key.n = 1;
    d.config.incremental_strategy = "delete+insert";
    mc_build(&d, "select id, v from raw", 0);
    r = mc_build(&d, "select 2 as id, 'y' as v union all select 2, 'z' union all select 4, 'd'", 0);
    assert_string_equal(r.message, "DELETE+INSERT 3");
    MC_ROWS("SELECT id, v FROM di ORDER BY id, v", "1,a;2,y;2,z;3,c;4,d");
    /* merge and delete+insert need a key */
    sl_node nk = mc_node("nk", "incremental");
    nk.config.incremental_strategy = "merge";
    mc_build(&nk, "select id from raw", 0);
    mc_build_fails(&nk, "select id from raw", 0, msg, sizeof msg);
    assert_non_null(strstr(msg, "incremental_strategy merge needs a unique_key"));
    sl_adapter_close(mc_a);
}

static void test_on_schema_change(void **state)
{
    (void)state;
    mc_open();
    mc_raw();
    sl_node n = mc_node("sc", "incremental");
    mc_build(&n, "select id, v from raw", 0);
    /* ignore (default): the new column is not added */
    mc_build(&n, "select 3 as id, 'c' as v, 'n' as extra", 0);
    MC_COLUMNS("sc", "id,v");
    MC_ROWS("SELECT count(*) FROM sc", "3");
    /* ignore: a column of the table missing from the new rows is an error */
    char msg[2048];
    mc_build_fails(&n, "select 4 as id", 0, msg, sizeof msg);
    assert_non_null(strstr(msg, "the table's column(s) v are not in the model's new rows (on_schema_change: ignore)"));
    /* a mode dbt does not have is refused by name */
    n.config.on_schema_change = "sync";
    mc_build_fails(&n, "select 4 as id, 'd' as v", 0, msg, sizeof msg);
    assert_non_null(strstr(msg, "on_schema_change 'sync' is not supported"));
    /* fail */
    n.config.on_schema_change = "fail";
    mc_build_fails(&n, "select 4 as id, 'd' as v, 'n' as extra", 0, msg, sizeof msg);
    assert_non_null(strstr(msg, "out of sync (on_schema_change: fail): new columns: extra; columns gone: none"));
    MC_ROWS("SELECT count(*) FROM sc", "3");
    MC_COLUMNS("sc", "id,v");
    /* append_new_columns: added, old rows NULL there */
    n.config.on_schema_change = "append_new_columns";
    mc_build(&n, "select 4 as id, 'd' as v, 'n' as extra", 0);
    MC_COLUMNS("sc", "id,v,extra");
    MC_ROWS("SELECT id, v, extra FROM sc ORDER BY id", "1,a,~;2,b,~;3,c,~;4,d,n");
    /* append_new_columns: a column the new rows lack stays, NULL in them */
    mc_build(&n, "select 5 as id, 'n2' as extra", 0);
    MC_ROWS("SELECT id, coalesce(v, '~'), extra FROM sc WHERE id = 5", "5,~,n2");
    mc_x("DELETE FROM sc WHERE id = 5");
    /* sync_all_columns: v dropped, w added */
    n.config.on_schema_change = "sync_all_columns";
    mc_build(&n, "select 5 as id, 'e' as extra, 7 as w", 0);
    MC_COLUMNS("sc", "id,extra,w");
    MC_ROWS("SELECT id, extra, w FROM sc ORDER BY id", "1,~,~;2,~,~;3,~,~;4,n,~;5,e,7");
    sl_adapter_close(mc_a);
}


static sl_mat_result mc_snap(const sl_node *n, const char *sql)
{
    sl_mat_result r;
    sl_error err;
    if (sl_materialize_snapshot(mc_a, n, sql, &r, &err) < 0)
        fail_msg("snapshot %s: %s", n->name, err.msg);
    return r;
}

static void mc_snap_source(void)
{
    mc_x("CREATE TABLE src (id INTEGER, status TEXT, updated_at TIMESTAMP)");
    mc_x("INSERT INTO src VALUES (1, 'new', '2024-01-01 00:00:00'), (2, 'new', '2024-01-01 00:00:00')");
}

/* what changes between runs: 1 changes, 2 goes, 3 comes */
static void mc_snap_change(void)
{
    mc_x("UPDATE src SET status = 'won', updated_at = '2024-01-02 00:00:00' WHERE id = 1");
    mc_x("DELETE FROM src WHERE id = 2");
    mc_x("INSERT INTO src VALUES (3, 'new', '2024-01-02 00:00:00')");
}

#define MC_SNAP_ROWS                                                                                               \
    "SELECT id, status, dbt_valid_from, CASE WHEN dbt_valid_to IS NULL THEN 'current' ELSE 'closed' END FROM snap " \
    "ORDER BY id, dbt_valid_from"

/* timestamp strategy, hard_deletes: ignore (default) */
static void test_snapshot_timestamp_ignore(void **state)
{
    (void)state;
    mc_open();
    mc_snap_source();
    char *id[] = {"id"};
    sl_node n = mc_node("snap", "snapshot");
    n.kind = SL_NODE_SNAPSHOT;
    n.config.strategy = "timestamp";
    n.config.updated_at = "updated_at";
    n.config.unique_key.v = id;
    n.config.unique_key.n = 1;
    const char *sql = "select * from src";
    sl_mat_result r = mc_snap(&n, sql);
    assert_string_equal(r.message, "SELECT 2");
    MC_COLUMNS("snap", "id,status,updated_at,dbt_scd_id,dbt_updated_at,dbt_valid_from,dbt_valid_to");
    /* dbt's id: md5 of key and updated_at */
    MC_ROWS("SELECT count(*) FROM snap WHERE dbt_scd_id = md5('1|2024-01-01 00:00:00')", "1");
    r = mc_snap(&n, sql);
    assert_string_equal(r.message, "SNAPSHOT 0 changed");
    mc_snap_change();
    r = mc_snap(&n, sql);
    assert_string_equal(r.message, "SNAPSHOT 3 changed");
    MC_ROWS("SELECT id, status, dbt_valid_from, coalesce(CAST(dbt_valid_to AS TEXT), '~') FROM snap ORDER BY id, "
            "dbt_valid_from",
            "1,new,2024-01-01 00:00:00,2024-01-02 00:00:00;1,won,2024-01-02 00:00:00,~;"
            "2,new,2024-01-01 00:00:00,~;3,new,2024-01-02 00:00:00,~");
    r = mc_snap(&n, sql);
    assert_string_equal(r.message, "SNAPSHOT 0 changed");
    assert_false(mc_exists(NULL, "snap__sluice_src", NULL));
    assert_false(mc_exists(NULL, "snap__sluice_stg", NULL));
    /* a failing run changes nothing */
    mc_x("UPDATE src SET status = 'lost', updated_at = '2024-01-05 00:00:00' WHERE id = 1");
    char *post[] = {"SELECT * FROM no_such_table"};
    n.config.post_hook.v = post;
    n.config.post_hook.n = 1;
    sl_error err;
    assert_int_equal(sl_materialize_snapshot(mc_a, &n, sql, &r, &err), -1);
    assert_non_null(strstr(err.msg, "snapshot snap: post_hook 1: "));
    MC_ROWS("SELECT count(*) FROM snap", "4");
    /* a column new in the query is added */
    n.config.post_hook.n = 0;
    r = mc_snap(&n, "select id, status, updated_at, 'x' as extra from src");
    assert_string_equal(r.message, "SNAPSHOT 2 changed");
    MC_ROWS("SELECT id, status, coalesce(extra, '~') FROM snap WHERE dbt_valid_to IS NULL ORDER BY id",
            "1,lost,x;2,new,~;3,new,~");
    /* config errors name the key */
    sl_node bad = n;
    bad.config.strategy = "timestmp";
    assert_int_equal(sl_materialize_snapshot(mc_a, &bad, sql, &r, &err), -1);
    assert_string_equal(err.msg, "snapshot snap: strategy 'timestmp' is not supported (timestamp, check)");
    bad = n;
    bad.config.updated_at = "changed_at";
    assert_int_equal(sl_materialize_snapshot(mc_a, &bad, sql, &r, &err), -1);
    assert_string_equal(err.msg,
                        "snapshot snap: updated_at column 'changed_at' is not a column of the snapshot's query");
    sl_adapter_close(mc_a);
}

static void test_snapshot_hard_deletes(void **state)
{
    (void)state;
    mc_open();
    mc_snap_source();
    char *id[] = {"id"};
    sl_node n = mc_node("snap", "snapshot");
    n.kind = SL_NODE_SNAPSHOT;
    n.config.strategy = "timestamp";
    n.config.updated_at = "updated_at";
    n.config.unique_key.v = id;
    n.config.unique_key.n = 1;
    n.config.hard_deletes = "invalidate";
    const char *sql = "select * from src";
    mc_snap(&n, sql);
    mc_snap_change();
    sl_mat_result r = mc_snap(&n, sql);
    assert_string_equal(r.message, "SNAPSHOT 4 changed"); /* 2 closed (1 changed, 2 gone), 2 inserted */
    MC_ROWS(MC_SNAP_ROWS, "1,new,2024-01-01 00:00:00,closed;1,won,2024-01-02 00:00:00,current;"
                          "2,new,2024-01-01 00:00:00,closed;3,new,2024-01-02 00:00:00,current");
    r = mc_snap(&n, sql);
    assert_string_equal(r.message, "SNAPSHOT 0 changed");
    /* back again: a new current row */
    mc_x("INSERT INTO src VALUES (2, 'back', '2024-01-03 00:00:00')");
    r = mc_snap(&n, sql);
    assert_string_equal(r.message, "SNAPSHOT 1 changed");
    MC_ROWS("SELECT status FROM snap WHERE id = 2 AND dbt_valid_to IS NULL", "back");

    /* new_record: the deletion is a row of its own */
    mc_x("DROP TABLE snap; DELETE FROM src; INSERT INTO src VALUES (1, 'new', '2024-01-01 00:00:00'), (2, 'new', "
         "'2024-01-01 00:00:00')");
    n.config.hard_deletes = "new_record";
    r = mc_snap(&n, sql);
    MC_COLUMNS("snap", "id,status,updated_at,dbt_scd_id,dbt_updated_at,dbt_valid_from,dbt_valid_to,dbt_is_deleted");
    mc_snap_change();
    r = mc_snap(&n, sql);
    assert_string_equal(r.message, "SNAPSHOT 5 changed"); /* 2 closed, 2 inserted, 1 deletion row */
    MC_ROWS("SELECT id, status, dbt_is_deleted, CASE WHEN dbt_valid_to IS NULL THEN 'current' ELSE 'closed' END "
            "FROM snap ORDER BY id, dbt_valid_from",
            "1,new,False,closed;1,won,False,current;2,new,False,closed;2,new,True,current;3,new,False,current");
    /* the deletion row starts where the closed row ends */
    MC_ROWS("SELECT count(*) FROM snap AS a JOIN snap AS b ON a.id = b.id WHERE a.id = 2 AND "
            "a.dbt_is_deleted = 'False' AND b.dbt_is_deleted = 'True' AND a.dbt_valid_to = b.dbt_valid_from",
            "1");
    MC_ROWS("SELECT count(*) FROM snap AS a JOIN snap AS b ON b.dbt_scd_id = md5(coalesce(CAST(a.dbt_scd_id AS "
            "VARCHAR), '') || '|' || coalesce(CAST(b.dbt_valid_from AS VARCHAR), '')) WHERE a.id = 2",
            "1");
    r = mc_snap(&n, sql);
    assert_string_equal(r.message, "SNAPSHOT 0 changed");
    /* it comes back: the deletion row is closed, a live row follows */
    mc_x("INSERT INTO src VALUES (2, 'back', '2024-01-03 00:00:00')");
    r = mc_snap(&n, sql);
    assert_string_equal(r.message, "SNAPSHOT 2 changed");
    MC_ROWS("SELECT status, dbt_is_deleted FROM snap WHERE id = 2 AND dbt_valid_to IS NULL", "back,False");
    MC_ROWS("SELECT count(*) FROM snap WHERE id = 2", "3");
    sl_adapter_close(mc_a);
}

static void test_snapshot_check(void **state)
{
    (void)state;
    mc_open();
    mc_x("CREATE TABLE acc (a INTEGER, b TEXT, status TEXT, score INTEGER)");
    mc_x("INSERT INTO acc VALUES (1, 'x', 'open', 10), (1, 'y', 'open', 20)");
    char *ab[] = {"a", "b"}, *cc[] = {"status"}, *all[] = {"all"};
    sl_node n = mc_node("snap", "snapshot");
    n.kind = SL_NODE_SNAPSHOT;
    n.config.strategy = "check";
    n.config.check_cols.v = cc;
    n.config.check_cols.n = 1;
    n.config.unique_key.v = ab;
    n.config.unique_key.n = 2;
    const char *sql = "select a, b, status, score from acc";
    sl_mat_result r = mc_snap(&n, sql);
    assert_string_equal(r.message, "SELECT 2");
    /* a column outside check_cols changes: no new version */
    mc_x("UPDATE acc SET score = 11 WHERE b = 'x'");
    r = mc_snap(&n, sql);
    assert_string_equal(r.message, "SNAPSHOT 0 changed");
    /* a checked column changes, also to NULL */
    mc_x("UPDATE acc SET status = NULL WHERE b = 'y'");
    r = mc_snap(&n, sql);
    assert_string_equal(r.message, "SNAPSHOT 2 changed");
    MC_ROWS("SELECT a, b, coalesce(status, '~'), score FROM snap WHERE dbt_valid_to IS NULL ORDER BY a, b",
            "1,x,open,10;1,y,~,20");
    MC_ROWS("SELECT count(*) FROM snap AS o JOIN snap AS c ON o.a = c.a AND o.b = c.b WHERE o.dbt_valid_to = "
            "c.dbt_valid_from AND c.dbt_valid_to IS NULL",
            "1");
    r = mc_snap(&n, sql);
    assert_string_equal(r.message, "SNAPSHOT 0 changed");
    /* check_cols: all: score counts now */
    n.config.check_cols.v = all;
    r = mc_snap(&n, sql);
    assert_string_equal(r.message, "SNAPSHOT 2 changed"); /* score 10 -> 11 of (1, x) */
    MC_ROWS("SELECT score FROM snap WHERE b = 'x' AND dbt_valid_to IS NULL", "11");
    r = mc_snap(&n, sql);
    assert_string_equal(r.message, "SNAPSHOT 0 changed");
    sl_adapter_close(mc_a);
}

static sl_mat_result mc_seed(const sl_node *n)
{
    sl_mat_result r;
    sl_error err;
    if (sl_materialize_seed(mc_a, mc_p, n, &r, &err) < 0)
        fail_msg("seed %s: %s", n->name, err.msg);
    return r;
}

static void test_seeds(void **state)
{
    (void)state;
    mc_open();
    th_write(th_dir, "seeds/people.csv",
             "id,name,score,active,joined,note\n1,Ann,1.5,true,2024-01-01,\"\"\n2,\"Bob, Jr\",2.25,FALSE,2024-02-01,\n");
    sl_node n = mc_node("people", "seed");
    n.kind = SL_NODE_SEED;
    n.file = "seeds/people.csv";
    sl_mat_result r = mc_seed(&n);
    assert_string_equal(r.message, "INSERT 2");
    assert_int_equal(r.rows_affected, 2);
    MC_ROWS("SELECT id + 0, name, score, CASE WHEN active THEN 'y' ELSE 'n' END, joined, coalesce(note, '~') FROM "
            "people ORDER BY id",
            "1,Ann,1.5,y,2024-01-01,;2,Bob, Jr,2.25,n,2024-02-01,~");
    sl_relation rel = {NULL, "people"};
    sl_adapter_column *c;
    size_t nc;
    sl_error err;
    assert_int_equal(sl_adapter_columns(mc_a, rel, &c, &nc, &err), 0);
    assert_int_equal(nc, 6);
    const char *want_sqlite[] = {"INTEGER", "TEXT", "REAL", "BOOLEAN", "DATE TEXT", "TEXT"};
    const char *want_pg[] = {"bigint", "text", "double precision", "boolean", "date", "text"};
    for (size_t i = 0; i < nc; i++)
        assert_string_equal(c[i].type, sl_adapter_is_pg(mc_a) ? want_pg[i] : want_sqlite[i]);
    sl_adapter_columns_free(c, nc);
    /* column_types wins; replaced whole on the next run */
    char *ctn[] = {"ID"}, *ctt[] = {"text"};
    n.config.column_types_names.v = ctn;
    n.config.column_types_names.n = 1;
    n.config.column_types_types.v = ctt;
    n.config.column_types_types.n = 1;
    th_write(th_dir, "seeds/people.csv", "id,name,score,active,joined,note\n007,Zed,1,true,2024-01-01,x\n");
    r = mc_seed(&n);
    assert_string_equal(r.message, "INSERT 1");
    MC_ROWS("SELECT id, name FROM people", "007,Zed");
    assert_false(mc_exists(NULL, "people__sluice_tmp", NULL));
    /* a bad file names file:line and leaves the seed as it was */
    th_write(th_dir, "seeds/people.csv", "id,name,score,active,joined,note\n1,a,1,true,2024-01-01,x\n2,b\n");
    assert_int_equal(sl_materialize_seed(mc_a, mc_p, &n, &r, &err), -1);
    assert_string_equal(err.msg, "seed people: seeds/people.csv:3: 2 field(s), the header has 6");
    th_write(th_dir, "seeds/people.csv", "id,name\n1,\"a\"b\n");
    assert_int_equal(sl_materialize_seed(mc_a, mc_p, &n, &r, &err), -1);
    assert_non_null(strstr(err.msg, "seed people: seeds/people.csv:2: text after the closing quote"));
    MC_ROWS("SELECT id, name FROM people", "007,Zed");
    /* column_types of a column the file lacks */
    char *bad[] = {"nope"};
    n.config.column_types_names.v = bad;
    th_write(th_dir, "seeds/people.csv", "id\n1\n");
    assert_int_equal(sl_materialize_seed(mc_a, mc_p, &n, &r, &err), -1);
    assert_string_equal(err.msg, "seed people: column_types names 'nope', which is not a column of seeds/people.csv");
    /* delimiter */
    th_write(th_dir, "seeds/semi.csv", "a;b\n1;x,y\n2;\n");
    sl_node s = mc_node("semi", "seed");
    s.kind = SL_NODE_SEED;
    s.file = "seeds/semi.csv";
    s.config.delimiter = ";";
    mc_seed(&s);
    MC_ROWS("SELECT a, coalesce(b, '~') FROM semi ORDER BY a", "1,x,y;2,~");
    sl_adapter_close(mc_a);
}

#define MC_CASES                                                                                      \
    cmocka_unit_test_setup_teardown(test_view_and_table, mc_setup, mc_teardown),                      \
        cmocka_unit_test_setup_teardown(test_failed_build_keeps_table, mc_setup, mc_teardown),        \
        cmocka_unit_test_setup_teardown(test_incremental_append, mc_setup, mc_teardown),              \
        cmocka_unit_test_setup_teardown(test_incremental_merge_and_delete_insert, mc_setup, mc_teardown), \
        cmocka_unit_test_setup_teardown(test_on_schema_change, mc_setup, mc_teardown),                \
        cmocka_unit_test_setup_teardown(test_snapshot_timestamp_ignore, mc_setup, mc_teardown),       \
        cmocka_unit_test_setup_teardown(test_snapshot_hard_deletes, mc_setup, mc_teardown),           \
        cmocka_unit_test_setup_teardown(test_snapshot_check, mc_setup, mc_teardown),                  \
        cmocka_unit_test_setup_teardown(test_seeds, mc_setup, mc_teardown)

#endif
