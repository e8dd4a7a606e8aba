/* test_expr.c: the expression engine (expr/expr.h, expr/shape.h): an
 * expression stays an expression (no statement, no ATTACH, no {batch}
 * marker: case 41), aggregate and window functions are refused at the
 * row's level (case 48) while a subquery may use them, every row gets
 * exactly one value, validate's messages never show the internal query,
 * and the internal statement form takes any column name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/batch.h"
#include "core/mem.h"
#include "expr/expr.h"
#include "expr/shape.h"

/* sl_expr_validate's message for text, or "ok". */
static const char *check(const char *text)
{
    static sl_error err;
    if (sl_expr_validate(text, &err) == 0)
        return "ok";
    assert_int_equal(err.code, SL_ECONFIG);
    /* "expression '<text>': why", and the wrapper never shows in why: not
     * its SELECT, not the batch's table */
    char head[512];
    snprintf(head, sizeof head, "expression '%s': ", text);
    assert_int_equal(strncmp(err.msg, head, strlen(head)), 0);
    const char *why = err.msg + strlen(head);
    assert_null(strstr(why, "temp."));
    assert_null(strstr(why, "SELECT"));
    assert_null(strstr(why, "FROM"));
    return err.msg;
}

static void assert_has(const char *got, const char *want)
{
    if (!strstr(got, want))
        fail_msg("'%s' not in '%s'", want, got);
}

static void test_shape(void **state)
{
    char msg[256];
    assert_int_equal(sl_expr_shape_check("lower(trim(email))", msg, sizeof msg), 0);
    assert_int_equal(sl_expr_shape_check("a = ')' AND \"b(\" > 1 -- )\n", msg, sizeof msg), 0);
    assert_int_equal(sl_expr_shape_check("replace(name, 'a', 'b')", msg, sizeof msg), 0);
    assert_int_equal(sl_expr_shape_check("(SELECT count(*) FROM json_each(tags))", msg, sizeof msg), 0);
    assert_int_equal(sl_expr_shape_check("x) FROM t WHERE (1", msg, sizeof msg), -1);
    assert_string_equal(msg, "')' at character 2 closes a parenthesis the expression did not open");
    assert_int_equal(sl_expr_shape_check("1; DROP TABLE t", msg, sizeof msg), -1);
    assert_string_equal(msg, "';' at character 2: an expression is not a list of statements");
    assert_int_equal(sl_expr_shape_check("'abc", msg, sizeof msg), -1);
    assert_string_equal(msg, "the string opened at character 1 never ends");
    assert_int_equal(sl_expr_shape_check("a /* b", msg, sizeof msg), -1);
    assert_string_equal(msg, "the comment opened at character 3 never ends");
    assert_int_equal(sl_expr_shape_check("f((a)", msg, sizeof msg), -1);
    assert_string_equal(msg, "1 parenthesis is left open");
    assert_int_equal(sl_expr_shape_check(" -- nothing\n", msg, sizeof msg), -1);
    assert_string_equal(msg, "the expression is empty");
    assert_int_equal(sl_expr_shape_check("  /* x */ attach 'p.db' AS pw", msg, sizeof msg), -1);
    assert_string_equal(msg, "ATTACH begins a statement; only an expression is allowed here (e.g. amount > 0)");
}

/* case 41: the statement forms the {batch} marker used to run */
static void test_statements_refused(void **state)
{
    assert_has(check("ATTACH 'pwned.db' AS pw -- {batch}"), "ATTACH begins a statement");
    assert_has(check("CREATE TABLE pw.evil AS SELECT * FROM {batch}"), "CREATE begins a statement");
    assert_has(check("VACUUM INTO 'copy.db' -- {batch}"), "VACUUM begins a statement");
    assert_has(check("PRAGMA journal_mode = off"), "PRAGMA begins a statement");
    assert_has(check("1) FROM temp.b1; ATTACH 'x.db' AS y; SELECT (1"), "closes a parenthesis");
    /* the marker is not SQL: a syntax error inside the expression */
    assert_has(check("x + {batch}"), "unrecognized token: \"{\"");
}

/* case 48: aggregates and window functions at the row's level */
static void test_aggregates_refused(void **state)
{
    assert_has(check("max(name)"), "max() is an aggregate function, which combines rows; a row expression gives "
                                   "one value per row, so aggregate and window functions are not allowed");
    assert_has(check("count(*) > 0"), "count() is an aggregate function");
    assert_has(check("group_concat(name)"), "group_concat() is an aggregate function");
    assert_has(check("id + sum(id) FILTER (WHERE id > 1)"), "sum() is an aggregate function");
    assert_has(check("row_number() OVER ()"), "row_number() is a window function");
    assert_has(check("max(id) OVER (ORDER BY id)"), "max() is a window function");
    /* an aggregate over the outer row's columns in a subquery still combines rows */
    assert_has(check("(SELECT max(amount) FROM json_each('[1]'))"), "max() is an aggregate function");
    /* allowed: the scalar max, an aggregate over a subquery's own rows */
    assert_string_equal(check("max(id, 5)"), "ok");
    assert_string_equal(check("(SELECT count(*) FROM json_each(tags))"), "ok");
    assert_string_equal(check("(SELECT group_concat(value, '|') FROM json_each(tags))"), "ok");
}

static void test_messages(void **state)
{
    assert_string_equal(check("lower(trim(email)) -- normalised"), "ok");
    assert_string_equal(check("CASE WHEN amount > 0 THEN 'in' ELSE 'out' END"), "ok");
    assert_string_equal(check("\"user.name\" || sha256(normalize_email(email))"), "ok");
    assert_string_equal(check("a +"), "expression 'a +': syntax error: it ends before the expression is complete");
    assert_string_equal(check("a + + * 2"), "expression 'a + + * 2': near \"*\": syntax error at character 7");
    assert_string_equal(check("nosuch(a)"),
                        "expression 'nosuch(a)': no such function: nosuch (`sluice help functions` lists them)");
    assert_string_equal(check("normalise_email(a)"), "expression 'normalise_email(a)': no such function: "
                                                     "normalise_email; did you mean normalize_email()? (`sluice "
                                                     "help functions` lists them)");
    assert_string_equal(check("user.name"), "expression 'user.name': no such column: user.name (a column whose "
                                            "name holds a dot is written in double quotes: \"user.name\")");
    assert_has(check("'open"), "the string opened at character 1 never ends");
}

/* the engine's own connection: no ATTACH, whatever runs on it */
static void test_engine_refuses_attach(void **state)
{
    sl_error err;
    sl_expr_engine *e = sl_expr_engine_new(&err);
    assert_non_null(e);
    char *msg = NULL;
    assert_int_not_equal(sqlite3_exec(sl_expr_engine_db(e), "ATTACH ':memory:' AS x", NULL, NULL, &msg), SQLITE_OK);
    assert_non_null(msg);
    sqlite3_free(msg);
    assert_int_equal(sqlite3_limit(sl_expr_engine_db(e), SQLITE_LIMIT_ATTACHED, -1), 0);
    /* the engine's internal statements (dedupe's temp tables) still work */
    assert_int_equal(sqlite3_exec(sl_expr_engine_db(e), "CREATE TEMP TABLE t(a); INSERT INTO t VALUES (1)", NULL,
                                  NULL, NULL), SQLITE_OK);
    sl_expr_engine_free(e);
}

static sl_batch *three_rows(void)
{
    sl_batch *b = sl_batch_new();
    size_t id = sl_batch_add_column(b, "id", 2, SL_T_TEXT, 1);
    size_t odd = sl_batch_add_column(b, "x{batch}y", 9, SL_T_TEXT, 1);
    size_t quote = sl_batch_add_column(b, "a\") VALUES (", 12, SL_T_TEXT, 1);
    for (int i = 1; i <= 3; i++) {
        size_t r = sl_batch_add_row(b, i, i);
        char t[8];
        snprintf(t, sizeof t, "%d", i);
        sl_batch_set_text(b, id, r, t, strlen(t));
        sl_batch_set_text(b, odd, r, "v", 1);
        sl_batch_set_text(b, quote, r, "q", 1);
    }
    return b;
}

typedef struct seen {
    size_t n;
    long long v[8];
    size_t row[8];
} seen;

static void collect(void *ctx, size_t row, sqlite3_value *v)
{
    seen *s = ctx;
    assert_true(s->n < 8);
    s->row[s->n] = row;
    s->v[s->n++] = sqlite3_value_int64(v);
}

static void test_one_value_per_row(void **state)
{
    sl_error err;
    sl_expr_engine *e = sl_expr_engine_new(&err);
    sl_batch *b = three_rows();
    sl_expr *x = sl_expr_new(e, "id * 10 + length(\"x{batch}y\")");
    seen s = {0};
    assert_int_equal(sl_expr_eval(x, b, collect, &s, &err), 0);
    assert_int_equal(s.n, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(s.row[i], i);
        assert_int_equal(s.v[i], (long long)(i + 1) * 10 + 1);
    }
    sl_expr_free(x);
    /* at run time too (validate aside): an aggregate fails, nothing is handed out */
    x = sl_expr_new(e, "max(id)");
    memset(&s, 0, sizeof s);
    assert_int_equal(sl_expr_eval(x, b, collect, &s, &err), -1);
    assert_int_equal(s.n, 0);
    assert_non_null(strstr(err.msg, "max() is an aggregate function"));
    sl_expr_free(x);
    x = sl_expr_new(e, "id) FROM temp.b1 WHERE (id > 1");
    assert_int_equal(sl_expr_eval(x, b, collect, &s, &err), -1);
    assert_int_equal(s.n, 0);
    assert_non_null(strstr(err.msg, "closes a parenthesis"));
    sl_expr_free(x);
    sl_batch_free(b);
    sl_expr_engine_free(e);
}

/* the internal statement form: any column name (a {batch} in one too) */
static void test_statement_form(void **state)
{
    sl_error err;
    sl_expr_engine *e = sl_expr_engine_new(&err);
    sqlite3 *db = sl_expr_engine_db(e);
    assert_int_equal(sqlite3_exec(db, "CREATE TEMP TABLE out(a, b, c)", NULL, NULL, NULL), SQLITE_OK);
    sl_batch *b = three_rows();
    sl_expr *x = sl_expr_statement_new(e, "INSERT INTO temp.out SELECT \"id\", \"x{batch}y\", \"a\"\") VALUES (\" FROM ",
                                       " WHERE true");
    assert_int_equal(sl_expr_eval(x, b, collect, NULL, &err), 0);
    sl_expr_free(x);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*), group_concat(a || b || c, ',') FROM temp.out", -1, &st,
                                        NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 3);
    assert_string_equal((const char *)sqlite3_column_text(st, 1), "1vq,2vq,3vq");
    sqlite3_finalize(st);
    sl_batch_free(b);
    sl_expr_engine_free(e);
}

/* The batch as a virtual table hands SQLite every kind of cell as it is
 * stored (the SQLite sink's INSERT ... SELECT reads it so): integers and
 * booleans as integers, floats as reals, dates and timestamps as ISO text
 * (typed, or already rendered), text as text, a NULL cell as NULL; the
 * kinds are decided per scan, so a later batch of other columns and types
 * reads right too. */
static void test_vtab_cells(void **state)
{
    sl_error err;
    sl_expr_engine *e = sl_expr_engine_new(&err);
    sqlite3 *db = sl_expr_engine_db(e);
    assert_int_equal(sqlite3_exec(db, "CREATE TEMP TABLE out(a, b, c, d, e, f, g)", NULL, NULL, NULL), SQLITE_OK);
    sl_batch *b = sl_batch_new();
    size_t ci = sl_batch_add_column(b, "i", 1, SL_T_INT, 0);
    size_t cf = sl_batch_add_column(b, "f", 1, SL_T_FLOAT, 0);
    size_t cd = sl_batch_add_column(b, "d", 1, SL_T_DATE, 0);
    size_t ct = sl_batch_add_column(b, "t", 1, SL_T_TIMESTAMP, 0);
    size_t cx = sl_batch_add_column(b, "x", 1, SL_T_TEXT, 1);
    size_t cb = sl_batch_add_column(b, "b", 1, SL_T_BOOL, 0);
    size_t cr = sl_batch_add_column(b, "r", 1, SL_T_TIMESTAMP, 0);
    for (int k = 0; k < 2; k++) {
        size_t r = sl_batch_add_row(b, k, k + 1);
        if (k == 1)
            continue; /* the second row: every cell NULL */
        b->cols[ci].i64[r] = -42;
        b->cols[cf].f64[r] = 2.5;
        b->cols[cd].i64[r] = 19000;              /* days: 2022-01-08 */
        b->cols[ct].i64[r] = 1700000000123456LL; /* microseconds */
        b->cols[cb].i64[r] = 1;
        b->cols[cr].i64[r] = 0;
        b->cols[ci].valid[r] = b->cols[cf].valid[r] = b->cols[cd].valid[r] = b->cols[ct].valid[r] = 1;
        b->cols[cb].valid[r] = b->cols[cr].valid[r] = 1;
        sl_batch_set_text(b, cx, r, "h\xc3\xa9", 3);
    }
    /* r as the sink gets it: rendered to text on the transform thread */
    sl_batch_render_times(b);
    b->cols[ct].rendered = 0;
    b->cols[cd].rendered = 0;
    sl_expr *x = sl_expr_statement_new(e, "INSERT INTO temp.out SELECT i, f, d, t, x, b, r FROM ", " WHERE true");
    assert_int_equal(sl_expr_eval(x, b, collect, NULL, &err), 0);
    /* a later batch: fewer columns, other types under the same names */
    sl_batch *b2 = sl_batch_new();
    size_t c2 = sl_batch_add_column(b2, "i", 1, SL_T_TEXT, 1);
    sl_batch_set_text(b2, c2, sl_batch_add_row(b2, 0, 1), "7", 1);
    sl_expr *x2 = sl_expr_statement_new(e, "INSERT INTO temp.out (a) SELECT i FROM ", " WHERE true");
    assert_int_equal(sl_expr_eval(x2, b2, collect, NULL, &err), 0);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT group_concat(quote(a) || ',' || quote(b) || ',' || quote(c) || ',' "
                                            "|| quote(d) || ',' || quote(e) || ',' || quote(f) || ',' || quote(g) "
                                            "|| ',' || typeof(a), ' / ') FROM (SELECT * FROM temp.out ORDER BY rowid)",
                                        -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0),
                        "-42,2.5,'2022-01-08','2023-11-14T22:13:20.123456Z','h\xc3\xa9',1,'1970-01-01T00:00:00Z',"
                        "integer / NULL,NULL,NULL,NULL,NULL,NULL,NULL,null / '7',NULL,NULL,NULL,NULL,NULL,NULL,text");
    sqlite3_finalize(st);
    sl_expr_free(x);
    sl_expr_free(x2);
    sl_batch_free(b);
    sl_batch_free(b2);
    sl_expr_engine_free(e);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The columns an expression names that are not known, by SQLite's own
 * name resolution (sluice validate's column check). */
static const char *unknown(const char *text)
{
    static char out[256];
    static const char *const known[] = {"id", "email", "Full Name", "tags"};
    char **u;
    size_t n;
    sl_error err;
    if (sl_expr_unknown_columns(text, known, 4, &u, &n, &err) < 0) {
        assert_null(u);
        snprintf(out, sizeof out, "error");
        return out;
    }
    out[0] = 0;
    qsort(u, n, sizeof *u, by_name); /* SQLite's order is its own */
    for (size_t i = 0; i < n; i++) {
        snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", i ? "," : "", u[i]);
        sl_free(u[i]);
    }
    assert_null(u[n]);
    sl_free(u);
    return out;
}

static void test_unknown_columns(void **state)
{
    assert_string_equal(unknown("lower(email) || id"), "");
    assert_string_equal(unknown("EMAIL = 'a'"), "");            /* names compare without case */
    assert_string_equal(unknown("upper(\"Full Name\")"), "");
    assert_string_equal(unknown("lower(emial) || nmae || emial"), "emial,nmae"); /* each once */
    assert_string_equal(unknown("\"Full Nme\" IS NULL AND [x y] = 1"), "Full Nme,x y");
    /* a subquery's own table's columns are not the row's */
    assert_string_equal(unknown("(SELECT count(*) FROM json_each(tags) WHERE value > 0)"), "");
    assert_string_equal(unknown("(SELECT count(*) FROM json_each(tagz) WHERE value > 0)"), "tagz");
    /* wrong otherwise: an error, as at validate */
    assert_string_equal(unknown("lower(email"), "error");
    assert_string_equal(unknown("count(id)"), "error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shape),
        cmocka_unit_test(test_statements_refused),
        cmocka_unit_test(test_aggregates_refused),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_engine_refuses_attach),
        cmocka_unit_test(test_one_value_per_row),
        cmocka_unit_test(test_statement_form),
        cmocka_unit_test(test_unknown_columns),
        cmocka_unit_test(test_vtab_cells),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
