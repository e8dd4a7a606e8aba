/* test_idgraph.c: gtm/idgraph.h, the interner and union-find under
 * identity resolution: the same (type, value) is one id and the same value
 * under two types two ids; values survive the table growing (10,000
 * identifiers); unions join components with the right sizes, refuse a
 * join past max_size and leave both sides as they were; the order of
 * identifiers is by type, then value bytes (a prefix first). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "gtm/idgraph.h"

static void test_intern(void **state)
{
    (void)state;
    sl_idgraph *g = sl_idgraph_new();
    int added = 0;
    uint32_t a = sl_idgraph_intern(g, 0, "ann@acme.io", 11, &added);
    assert_int_equal(added, 1);
    assert_int_equal(sl_idgraph_intern(g, 0, "ann@acme.io", 11, &added), a);
    assert_int_equal(added, 0);
    uint32_t b = sl_idgraph_intern(g, 1, "ann@acme.io", 11, &added);
    assert_int_equal(added, 1);
    assert_int_not_equal(a, b);
    assert_int_equal(sl_idgraph_lookup(g, 2, "ann@acme.io", 11), SL_IDGRAPH_NONE);
    /* values hold embedded text exactly, and survive 10,000 more */
    char buf[32];
    for (int i = 0; i < 10000; i++) {
        int n = snprintf(buf, sizeof buf, "v%d", i);
        assert_int_equal(sl_idgraph_intern(g, 3, buf, (size_t)n, NULL), (uint32_t)i + 2);
    }
    assert_int_equal(sl_idgraph_count(g), 10002);
    size_t n = 0;
    assert_string_equal(sl_idgraph_value(g, a, &n), "ann@acme.io");
    assert_int_equal(n, 11);
    assert_string_equal(sl_idgraph_value(g, 9001 + 2, NULL), "v9001");
    assert_int_equal(sl_idgraph_lookup(g, 3, "v9001", 5), 9003);
    assert_int_equal(sl_idgraph_type(g, b), 1);
    sl_idgraph_free(g);
}

static void test_union(void **state)
{
    (void)state;
    sl_idgraph *g = sl_idgraph_new();
    uint32_t v[6];
    for (int i = 0; i < 6; i++) {
        char s[2] = {(char)('a' + i), 0};
        v[i] = sl_idgraph_intern(g, 0, s, 1, NULL);
    }
    assert_int_equal(sl_idgraph_union(g, v[0], v[1], 0), 1);
    assert_int_equal(sl_idgraph_union(g, v[1], v[0], 0), 0);
    assert_int_equal(sl_idgraph_union(g, v[2], v[3], 0), 1);
    assert_int_equal(sl_idgraph_union(g, v[3], v[4], 0), 1);
    assert_int_equal(sl_idgraph_size(g, sl_idgraph_root(g, v[4])), 3);
    /* 2 + 3 > 4: refused, both stay */
    assert_int_equal(sl_idgraph_union(g, v[0], v[4], 4), -1);
    assert_int_not_equal(sl_idgraph_root(g, v[0]), sl_idgraph_root(g, v[2]));
    assert_int_equal(sl_idgraph_size(g, sl_idgraph_root(g, v[0])), 2);
    assert_int_equal(sl_idgraph_union(g, v[0], v[4], 5), 1);
    assert_int_equal(sl_idgraph_root(g, v[1]), sl_idgraph_root(g, v[2]));
    assert_int_equal(sl_idgraph_size(g, sl_idgraph_root(g, v[3])), 5);
    assert_int_not_equal(sl_idgraph_root(g, v[5]), sl_idgraph_root(g, v[0]));
    sl_idgraph_free(g);
}

static void test_order(void **state)
{
    (void)state;
    sl_idgraph *g = sl_idgraph_new();
    uint32_t ab = sl_idgraph_intern(g, 1, "ab", 2, NULL);
    uint32_t a = sl_idgraph_intern(g, 1, "a", 1, NULL);
    uint32_t z = sl_idgraph_intern(g, 0, "z", 1, NULL);
    assert_true(sl_idgraph_cmp(g, a, ab) < 0);
    assert_true(sl_idgraph_cmp(g, ab, a) > 0);
    assert_true(sl_idgraph_cmp(g, z, a) < 0); /* type first */
    assert_int_equal(sl_idgraph_cmp(g, a, a), 0);
    sl_idgraph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intern),
        cmocka_unit_test(test_union),
        cmocka_unit_test(test_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
