/* test_functions.c: the SQL functions sluice adds to expressions
 * (expr/functions.h): sha256() against the FIPS 180-2 test vectors, and
 * normalize_email() on the cases audience syncs meet (the full tables of
 * the go-to-market functions are in test_gtm_text.c); and their
 * documentation (expr/function_docs.c): every function sluice registers
 * has an entry, every entry names a function that exists, and every
 * example gives its documented result through the expression engine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include "expr/expr.h"
#include "expr/functions.h"

static sqlite3 *db;

static char *eval(const char *sql)
{
    static char out[256];
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    const unsigned char *t = sqlite3_column_text(st, 0);
    snprintf(out, sizeof out, "%s", t ? (const char *)t : "(null)");
    sqlite3_finalize(st);
    return out;
}

static void test_sha256(void **state)
{
    assert_string_equal(eval("SELECT sha256('abc')"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_string_equal(eval("SELECT sha256('')"), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_string_equal(eval("SELECT sha256(NULL)"), "(null)");
    /* numbers hash as their text */
    assert_string_equal(eval("SELECT sha256(42) = sha256('42')"), "1");
}

static void test_normalize_email(void **state)
{
    assert_string_equal(eval("SELECT normalize_email('  Ann.Lee@Example.COM ')"), "ann.lee@example.com");
    /* no gmail folding since #14: canonical_email does it */
    assert_string_equal(eval("SELECT normalize_email('Ann.Lee+promo@GMail.com')"), "ann.lee+promo@gmail.com");
    assert_string_equal(eval("SELECT canonical_email('Ann.Lee+promo@GMail.com')"), "annlee@gmail.com");
    assert_string_equal(eval("SELECT canonical_email('a.b.c@googlemail.com')"), "abc@gmail.com");
    assert_string_equal(eval("SELECT normalize_email('no-at-sign')"), "(null)");
    assert_string_equal(eval("SELECT normalize_email('two@@example.com')"), "(null)");
    assert_string_equal(eval("SELECT normalize_email('@example.com')"), "(null)");
    assert_string_equal(eval("SELECT normalize_email('Jane <jane@example.com>')"), "(null)");
    assert_string_equal(eval("SELECT normalize_email(NULL)"), "(null)");
    /* the audience form */
    assert_string_equal(eval("SELECT sha256(normalize_email(' Ann.Lee+x@gmail.com')) = sha256('ann.lee+x@gmail.com')"), "1");
}

/* Every function of an expression engine's connection that a plain
 * SQLite connection lacks is sluice's, and documented as sluice's; every
 * documented SQLite function exists on a plain connection. A function
 * added to functions.c without an entry in function_docs.c fails here.
 * The SQLite functions sluice replaces (lower, upper: Unicode) are
 * documented as sluice's, and must behave as sluice's. */
static void test_every_function_documented(void **state)
{
    sl_error err;
    sl_expr_engine *e = sl_expr_engine_new(&err);
    assert_non_null(e);
    sqlite3 *plain;
    assert_int_equal(sqlite3_open(":memory:", &plain), SQLITE_OK);
    sqlite3_stmt *st, *has;
    assert_int_equal(sqlite3_prepare_v2(plain, "SELECT count(*) FROM pragma_function_list WHERE name = ?", -1, &has,
                                        NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(sl_expr_engine_db(e), "SELECT DISTINCT name FROM pragma_function_list", -1,
                                        &st, NULL), SQLITE_OK);
    int ours = 0, builtins = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        sqlite3_bind_text(has, 1, name, -1, SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(has), SQLITE_ROW);
        int builtin = sqlite3_column_int(has, 0) > 0;
        sqlite3_reset(has);
        const sl_function_doc *d = sl_functions_doc(name);
        if (builtin && (strcmp(name, "lower") == 0 || strcmp(name, "upper") == 0)) {
            if (!d || !d->sluice)
                fail_msg("function %s is replaced by sluice but not documented as sluice's", name);
            ours++;
            continue;
        }
        if (!builtin) {
            if (!d || !d->sluice)
                fail_msg("function %s is registered by sluice but not documented in function_docs.c", name);
            ours++;
        } else if (d) {
            if (d->sluice)
                fail_msg("function %s is documented as sluice's but is SQLite's", name);
            builtins++;
        }
    }
    sqlite3_finalize(st);
    sqlite3_finalize(has);
    sqlite3_close(plain);
    assert_true(ours >= 3 + 11); /* sha256, regexp, sl_format_valid; 11 of gtm/register_text.c */
    size_t n;
    const sl_function_doc *docs = sl_functions_docs(&n);
    size_t nsluice = 0;
    for (size_t i = 0; i < n; i++)
        nsluice += (size_t)docs[i].sluice;
    assert_int_equal(nsluice, (size_t)ours);
    /* each documented SQLite function was seen (DISTINCT: once each) */
    assert_int_equal((size_t)builtins, n - nsluice);
    /* the replacements are the Unicode ones on the engine's connection */
    assert_int_equal(sqlite3_prepare_v2(sl_expr_engine_db(e), "SELECT lower('ÉA') || upper('éa')", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal(sqlite3_column_text(st, 0), "éaÉA");
    sqlite3_finalize(st);
    sl_expr_engine_free(e);
}

static void one_value(void *ctx, size_t row, sqlite3_value *v)
{
    char *out = ctx;
    const unsigned char *t = sqlite3_value_type(v) == SQLITE_NULL ? NULL : sqlite3_value_text(v);
    snprintf(out, 512, "%s", t ? (const char *)t : "NULL");
}

/* Every entry is complete, in a known section, and its example is a row
 * expression (validate) that gives its documented result over a row. */
static void test_examples_run_as_written(void **state)
{
    sl_error err;
    sl_expr_engine *e = sl_expr_engine_new(&err);
    assert_non_null(e);
    sl_batch *b = sl_batch_new();
    size_t c = sl_batch_add_column(b, "id", 2, SL_T_TEXT, 1);
    sl_batch_set_text(b, c, sl_batch_add_row(b, 1, 1), "1", 1);
    size_t n;
    const sl_function_doc *docs = sl_functions_docs(&n);
    assert_true(n >= 30);
    for (size_t i = 0; i < n; i++) {
        const sl_function_doc *d = &docs[i];
        assert_non_null(d->signature);
        assert_non_null(d->returns);
        assert_non_null(d->nulls);
        assert_non_null(d->result);
        assert_ptr_equal(sl_functions_doc(d->name), d);
        assert_true(strncmp(d->signature, d->name, strlen(d->name)) == 0 && d->signature[strlen(d->name)] == '(');
        assert_non_null(strstr(d->example, d->name));
        int known = 0;
        for (const char *const *s = sl_functions_sections(); *s; s++)
            known |= strcmp(*s, d->section) == 0;
        if (!known)
            fail_msg("%s: unknown section '%s'", d->name, d->section);
        if (sl_expr_validate(d->example, &err) < 0)
            fail_msg("%s: example %s does not validate: %s", d->name, d->example, err.msg);
        sl_expr *x = sl_expr_new(e, d->example);
        char got[512] = "(no row)";
        if (sl_expr_eval(x, b, one_value, got, &err) < 0)
            fail_msg("%s: example %s fails: %s", d->name, d->example, err.msg);
        if (strcmp(got, d->result) != 0)
            fail_msg("%s: example %s gives %s, documented %s", d->name, d->example, got, d->result);
        sl_expr_free(x);
    }
    sl_batch_free(b);
    sl_expr_engine_free(e);
}

static int setup(void **state)
{
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sl_functions_register(db), 0);
    return 0;
}

static int teardown(void **state)
{
    sqlite3_close(db);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_normalize_email),
        cmocka_unit_test(test_every_function_documented),
        cmocka_unit_test(test_examples_run_as_written),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
