/* test_names.c: unit tests for core/names.c (the one rule that turns
 * source names into column names: NUL bytes, snake_case, collisions). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "core/mem.h"
#include "core/names.h"

#define S(x) x, strlen(x)

static const char *get(sl_names *m, const char *id, const char *name, size_t namelen)
{
    size_t k = sl_names_get(m, id, strlen(id), name, namelen);
    return m->v[k].name;
}

static void test_collisions(void **state)
{
    sl_names m;
    sl_names_init(&m, 0);
    assert_string_equal(get(&m, "top:user_name", S("user_name")), "user_name");
    assert_string_equal(get(&m, "nested:user/name", S("user_name")), "user_name_2");
    /* the same id keeps its name, whatever came in between */
    assert_string_equal(get(&m, "top:user_name", S("user_name")), "user_name");
    assert_string_equal(get(&m, "nested:user/name", S("user_name")), "user_name_2");
    /* case only: one column in SQLite */
    assert_string_equal(get(&m, "Email", S("Email")), "Email");
    assert_string_equal(get(&m, "email", S("email")), "email_2");
    assert_string_equal(get(&m, "EMAIL", S("EMAIL")), "EMAIL_3");
    /* a name that reads like a suffix given before moves on */
    assert_string_equal(get(&m, "literal email_2", S("Email_2")), "Email_2_2");
    /* NUL bytes are kept as text; the empty name is `column` */
    assert_string_equal(get(&m, "a", S("a")), "a");
    assert_string_equal(get(&m, "a0b", "a\0b", 3), "a\\u0000b");
    assert_string_equal(get(&m, "nul", "\0", 1), "\\u0000");
    assert_string_equal(get(&m, "empty", "", 0), "column");
    assert_int_equal(sl_names_find(&m, S("email")), 3);
    assert_int_equal(sl_names_find(&m, S("never")), -1);
    /* many names: the tables grow and every name stays found */
    char id[32];
    for (int i = 0; i < 2000; i++) {
        snprintf(id, sizeof id, "c%d", i);
        assert_string_equal(get(&m, id, S(id)), id);
    }
    for (int i = 0; i < 2000; i += 97) {
        snprintf(id, sizeof id, "c%d", i);
        assert_true(sl_names_find(&m, S(id)) >= 0);
    }
    sl_names_reset(&m);
    assert_string_equal(get(&m, "email", S("email")), "email");
    sl_names_release(&m);
}

static void test_snake_case(void **state)
{
    static const char *const cases[][2] = {
        {"Record ID", "record_id"}, {"recordId", "record_id"}, {"createdAt", "created_at"},
        {"HTTPServer", "http_server"}, {"user.name", "user_name"}, {"  Total  (EUR) ", "total_eur"},
        {"already_snake", "already_snake"}, {"a--b", "a_b"}, {"Zip5", "zip5"}, {"über Straße", "über_straße"},
        {"!!!", "column"}, {"ID", "id"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *s = sl_names_snake_case(S(cases[i][0]));
        assert_string_equal(s, cases[i][1]);
        sl_free(s);
    }
    /* names that collide once normalized follow the same rule */
    sl_names m;
    sl_names_init(&m, 1);
    assert_string_equal(get(&m, "1", S("Record ID")), "record_id");
    assert_string_equal(get(&m, "2", S("recordId")), "record_id_2");
    assert_string_equal(get(&m, "3", S("RECORD_ID")), "record_id_3");
    sl_names_release(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_collisions),
        cmocka_unit_test(test_snake_case),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
