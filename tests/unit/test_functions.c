/* test_functions.c: the SQL functions sluice adds to expressions
 * (expr/functions.h): sha256() against the FIPS 180-2 test vectors, and
 * normalize_email() on the cases audience syncs meet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
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
    assert_string_equal(eval("SELECT normalize_email('Ann.Lee+promo@GMail.com')"), "annlee@gmail.com");
    assert_string_equal(eval("SELECT normalize_email('a.b.c@googlemail.com')"), "abc@googlemail.com");
    assert_string_equal(eval("SELECT normalize_email('no-at-sign')"), "(null)");
    assert_string_equal(eval("SELECT normalize_email('two@@example.com')"), "(null)");
    assert_string_equal(eval("SELECT normalize_email('@example.com')"), "(null)");
    assert_string_equal(eval("SELECT normalize_email(NULL)"), "(null)");
    /* the audience form */
    assert_string_equal(eval("SELECT sha256(normalize_email(' Ann.Lee+x@gmail.com')) = sha256('annlee@gmail.com')"), "1");
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
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
