/* test_urltpl.c: unit tests for data values in URLs (net/urltpl.h): each
 * value is exactly one component whatever its bytes, dot-only values are
 * not dot segments, empty values in the path are refused; and the API's
 * query parameters (net/api.h) are encoded the same way.
 * Regression 2026-11-30 (case 42): a key ../../admin/users/delete-all?x=
 * went unescaped into an update path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "net/api.h"
#include "net/urltpl.h"

static char *component(const char *v, size_t n)
{
    sl_buf b;
    sl_buf_init(&b);
    sl_url_add_component(&b, v, n);
    sl_buf_addc(&b, 0);
    return sl_buf_detach(&b);
}

static void check(const char *v, const char *want)
{
    char *got = component(v, strlen(v));
    assert_string_equal(got, want);
    free(got);
}

static void test_component(void **state)
{
    check("../../admin/users/delete-all?x=", "..%2F..%2Fadmin%2Fusers%2Fdelete-all%3Fx%3D");
    check("3%2F..%2Fother", "3%252F..%252Fother");
    check("a b#c&d=e@f:g+h", "a%20b%23c%26d%3De%40f%3Ag%2Bh");
    check("x\r\nHost: evil", "x%0D%0AHost%3A%20evil");
    check("\xc3\xa9t\xc3\xa9", "%C3%A9t%C3%A9");
    check("Az09-._~", "Az09-._~");
    /* dot segments: only a value made of dots has its dots encoded */
    check(".", "%2E");
    check("..", "%2E%2E");
    check("...", "%2E%2E%2E");
    check("a..b", "a..b");
    check("..a", "..a");
    check("", "");
    char *nul = component("a\0b", 3);
    assert_string_equal(nul, "a%00b");
    free(nul);
    /* every byte: what is kept is unreserved, and decoding gives the value back */
    for (int c = 1; c < 256; c++) {
        char v[2] = {(char)c, 0};
        char *e = component(v, 1);
        int unres = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '~';
        if (unres) {
            assert_int_equal(strlen(e), 1);
        } else {
            assert_int_equal(strlen(e), 3);
            assert_int_equal(e[0], '%');
            assert_int_equal(strtol(e + 1, NULL, 16), c);
        }
        free(e);
    }
    (void)state;
}

typedef struct vals {
    const char *id, *email;
} vals;

static int value_of(void *ctx, const char *name, size_t n, const char **v, size_t *len)
{
    const vals *x = ctx;
    const char *r = n == 2 && memcmp(name, "id", 2) == 0 ? x->id : n == 5 && memcmp(name, "email", 5) == 0 ? x->email : NULL;
    *v = r;
    *len = r ? strlen(r) : 0;
    return r != NULL;
}

static int expand(const char *tpl, const char *id, const char *email, char *out, size_t cap, char *why)
{
    vals x = {id, email};
    sl_buf b;
    sl_buf_init(&b);
    int rc = sl_urltpl_expand(&b, tpl, value_of, &x, why, 300);
    snprintf(out, cap, "%.*s", (int)b.len, b.data ? b.data : "");
    sl_buf_release(&b);
    return rc;
}

static void test_expand(void **state)
{
    char out[400], why[300];
    assert_int_equal(expand("/crm/contacts/{{ id }}", "../x?y=1#z", "", out, sizeof out, why), 0);
    assert_string_equal(out, "/crm/contacts/..%2Fx%3Fy%3D1%23z");
    assert_int_equal(expand("/c/{{id}}/notes?email={{ email }}&k=1", "..", "a&b=c@d", out, sizeof out, why), 0);
    assert_string_equal(out, "/c/%2E%2E/notes?email=a%26b%3Dc%40d&k=1");
    /* an empty or null value in the path is refused, naming the template */
    assert_int_equal(expand("/crm/contacts/{{ id }}", "", "", out, sizeof out, why), -1);
    assert_non_null(strstr(why, "{{ id }} is empty"));
    assert_int_equal(expand("/crm/contacts/{{ id }}", NULL, "", out, sizeof out, why), -1);
    assert_non_null(strstr(why, "{{ id }} is null"));
    assert_int_equal(expand("/crm/x-{{ nothing }}", "1", "", out, sizeof out, why), -1);
    /* in the query an empty value is a value */
    assert_int_equal(expand("/crm/search?email={{ email }}", "1", "", out, sizeof out, why), 0);
    assert_string_equal(out, "/crm/search?email=");
    assert_int_equal(expand("/crm/search#{{ email }}", "1", "", out, sizeof out, why), 0);
    /* text without templates is kept as it is */
    assert_int_equal(expand("/a/b?c=d", "1", "", out, sizeof out, why), 0);
    assert_string_equal(out, "/a/b?c=d");
    int ids = 0;
    assert_true(sl_urltpl_has_templates("/c/{{ dest_id }}/{{key}}", &ids));
    assert_true(ids);
    assert_true(sl_urltpl_has_templates("/c/{{ dest_id }}/{{ email }}", &ids));
    assert_false(ids);
    assert_false(sl_urltpl_has_templates("/c/d", NULL));
    (void)state;
}

static void test_add_param(void **state)
{
    sl_buf u;
    sl_buf_init(&u);
    sl_buf_adds(&u, "http://h/p");
    sl_api_add_param(&u, "q", "a&api_key=x#y");
    sl_api_add_param(&u, "k y", "..");
    sl_buf_addc(&u, 0);
    assert_string_equal(u.data, "http://h/p?q=a%26api_key%3Dx%23y&k%20y=%2E%2E");
    sl_buf_release(&u);
    /* the API key in the query: added unless the query has the parameter
     * (a next URL that carries it), whatever text elsewhere looks like it */
    sl_api a;
    memset(&a, 0, sizeof a);
    a.key_in_query = 1;
    a.key_name = "api_key";
    a.key_value = "K&1";
    const char *urls[][2] = {
        {"http://h/api_key/x?q=api_key", "http://h/api_key/x?q=api_key&api_key=K%261"},
        {"http://h/p?myapi_key=1", "http://h/p?myapi_key=1&api_key=K%261"},
        {"http://h/p", "http://h/p?api_key=K%261"},
        {"http://h/p?a=1&api_key=K", "http://h/p?a=1&api_key=K"},
        {"http://h/p?api_key=K", "http://h/p?api_key=K"},
        {"http://h/p?a=1#api_key=x", "http://h/p?a=1#api_key=x&api_key=K%261"},
    };
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        sl_buf_init(&u);
        sl_buf_adds(&u, urls[i][0]);
        sl_api_auth_query(&a, &u);
        sl_buf_addc(&u, 0);
        assert_string_equal(u.data, urls[i][1]);
        sl_buf_release(&u);
    }
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_component),
        cmocka_unit_test(test_expand),
        cmocka_unit_test(test_add_param),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
