/* test_nameidx.c: unit tests for wide inputs: core/nameidx.c (the name ->
 * index hash), the batch's lookup by name through it (sl_batch_find,
 * sl_batch_swap_columns), the batch's cell budget and column sizing, and
 * the JSON record reader's spill of members beyond max_columns into
 * `_extra` (formats/json_record.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "core/batch.h"
#include "core/mem.h"
#include "core/nameidx.h"
#include "formats/json_record.h"

#define N 100000

static char names[N][16];

static const char *name_at(const void *ctx, size_t k, size_t *n)
{
    (void)ctx;
    (void)n; /* NUL-terminated */
    return names[k];
}

static void test_add_find(void **state)
{
    (void)state;
    sl_nameidx x;
    sl_nameidx_init(&x);
    assert_int_equal(sl_nameidx_find(&x, "c0", 2, name_at, NULL), -1); /* empty: no table yet */
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "c%d", i);
        sl_nameidx_add(&x, names[i], strlen(names[i]), (size_t)i, name_at, NULL);
    }
    assert_int_equal(x.n, N);
    assert_true(x.nslots >= 2 * N);
    for (int i = 0; i < N; i++)
        assert_int_equal(sl_nameidx_find(&x, names[i], strlen(names[i]), name_at, NULL), i);
    /* exact bytes: no prefix, no other case, no longer name */
    assert_int_equal(sl_nameidx_find(&x, "c1", 1, name_at, NULL), -1);
    assert_int_equal(sl_nameidx_find(&x, "C1", 2, name_at, NULL), -1);
    assert_int_equal(sl_nameidx_find(&x, "c1x", 3, name_at, NULL), -1);
    assert_int_equal(sl_nameidx_find(&x, "c100000", 7, name_at, NULL), -1);
    /* a name added again keeps its first index */
    snprintf(names[N - 1], sizeof names[N - 1], "c7");
    sl_nameidx_add(&x, "c7", 2, N - 1, name_at, NULL);
    assert_int_equal(x.n, N);
    assert_int_equal(sl_nameidx_find(&x, "c7", 2, name_at, NULL), 7);
    /* swap: the names trade indexes (called before the caller moves them) */
    sl_nameidx_swap(&x, 3, 5, name_at, NULL);
    char tmp[16];
    memcpy(tmp, names[3], sizeof tmp);
    memcpy(names[3], names[5], sizeof tmp);
    memcpy(names[5], tmp, sizeof tmp);
    assert_int_equal(sl_nameidx_find(&x, "c3", 2, name_at, NULL), 5);
    assert_int_equal(sl_nameidx_find(&x, "c5", 2, name_at, NULL), 3);
    /* clear keeps the table, forgets the entries */
    size_t slots = x.nslots;
    sl_nameidx_clear(&x);
    assert_int_equal(x.n, 0);
    assert_int_equal(x.nslots, slots);
    assert_int_equal(sl_nameidx_find(&x, "c3", 2, name_at, NULL), -1);
    sl_nameidx_release(&x);
}

/* A batch of 20,000 columns finds each by name, also after columns moved,
 * were dropped or renamed, and after a clear. */
static void test_batch_find_wide(void **state)
{
    (void)state;
    sl_batch *b = sl_batch_new();
    char nm[32];
    for (int i = 0; i < 20000; i++) {
        int n = snprintf(nm, sizeof nm, "col%d", i);
        assert_int_equal(sl_batch_add_column(b, nm, (size_t)n, SL_T_TEXT, 1), i);
    }
    for (int i = 0; i < 20000; i += 7) {
        snprintf(nm, sizeof nm, "col%d", i);
        assert_int_equal(sl_batch_find(b, nm), i);
    }
    assert_int_equal(sl_batch_find(b, "col20000"), -1);
    sl_batch_swap_columns(b, 0, 19999);
    assert_int_equal(sl_batch_find(b, "col0"), 19999);
    assert_int_equal(sl_batch_find(b, "col19999"), 0);
    assert_string_equal(b->cols[0].name, "col19999");
    sl_batch_drop_column(b, 1); /* everything after it moves down one */
    assert_int_equal(sl_batch_find(b, "col1"), -1);
    assert_int_equal(sl_batch_find(b, "col2"), 1);
    assert_int_equal(sl_batch_find(b, "col0"), 19998);
    sl_batch_rename_column(b, 1, "two");
    assert_int_equal(sl_batch_find(b, "col2"), -1);
    assert_int_equal(sl_batch_find(b, "two"), 1);
    sl_batch_clear(b);
    assert_int_equal(sl_batch_find(b, "two"), -1);
    sl_batch_add_column(b, "col5", 4, SL_T_TEXT, 1);
    assert_int_equal(sl_batch_find(b, "col5"), 0);
    assert_int_equal(sl_batch_find(b, "col6"), -1);
    sl_batch_free(b);
}

/* Rows x columns stay within the budget; a column added after a clear is
 * sized for the rows the batch holds now, not for its longest past. */
static void test_batch_cells(void **state)
{
    (void)state;
    assert_int_equal(sl_batch_max_rows(0, 8192), 8192);
    assert_int_equal(sl_batch_max_rows(10, 8192), 8192);
    assert_int_equal(sl_batch_max_rows(1000, 8192), SL_BATCH_CELLS / 1000);
    assert_int_equal(sl_batch_max_rows(10 * SL_BATCH_CELLS, 8192), 1);
    sl_batch *b = sl_batch_new();
    sl_batch_add_column(b, "a", 1, SL_T_TEXT, 1);
    for (int r = 0; r < 8192; r++)
        sl_batch_add_row(b, r, r + 1);
    assert_true(b->cols[0].cap >= 8192);
    sl_batch_clear(b);
    sl_batch_add_column(b, "a", 1, SL_T_TEXT, 1);
    size_t c = sl_batch_add_column(b, "b", 1, SL_T_TEXT, 1);
    sl_batch_add_row(b, 0, 1);
    sl_batch_set_text(b, c, 0, "x", 1);
    assert_true(b->cols[c].cap < 1024); /* was 8192: every sparse column cost the longest batch's rows */
    assert_int_equal(b->cols[c].valid[0], 1);
    assert_int_equal(b->cols[0].valid[0], 0);
    sl_batch_free(b);
}

static void read_record(sl_json_record_ctx *ctx, sl_batch *b, const char *text, const sl_json_record_opts *o)
{
    sl_json j;
    sl_json_init(&j, text, strlen(text));
    size_t row = sl_batch_add_row(b, 0, (int64_t)b->nrows + 1);
    assert_int_equal(sl_json_record_read(ctx, &j, b, row, o), 0);
}

static const char *cell(const sl_batch *b, const char *col, size_t row, char *out, size_t n)
{
    int c = sl_batch_find(b, col);
    assert_true(c >= 0);
    if (!b->cols[c].valid[row])
        return "null";
    snprintf(out, n, "%.*s", (int)b->cols[c].str[row].n, b->cols[c].str[row].p);
    return out;
}

/* max_columns 3: two member columns, then `_extra`, a json object of the
 * members beyond (flattened names, values as written). */
static void test_json_extra(void **state)
{
    (void)state;
    char v[128];
    sl_json_record_ctx ctx;
    sl_json_record_init(&ctx);
    sl_json_record_opts o = {1, 10, "_", 0, 3};
    sl_batch *b = sl_batch_new();
    read_record(&ctx, b, "{\"a\":1,\"b\":\"x\",\"c\":[1, 2],\"d\":{\"e\":true}}", &o);
    read_record(&ctx, b, "{\"b\":\"y\",\"z\":null,\"a\":2}", &o);
    read_record(&ctx, b, "{\"a\":3}", &o);
    assert_int_equal(b->ncols, 3);
    assert_int_equal(sl_json_record_width(&ctx), 3);
    assert_string_equal(b->cols[2].name, "_extra");
    assert_string_equal(cell(b, "a", 0, v, sizeof v), "1");
    assert_string_equal(cell(b, "b", 1, v, sizeof v), "y");
    assert_string_equal(cell(b, "_extra", 0, v, sizeof v), "{\"c\":[1, 2],\"d_e\":true}");
    assert_int_equal(b->cols[2].kind[0], SL_KIND_JSON);
    assert_string_equal(cell(b, "_extra", 1, v, sizeof v), "{\"z\":null}");
    assert_string_equal(cell(b, "_extra", 2, v, sizeof v), "null");
    sl_batch_free(b);
    sl_json_record_release(&ctx);

    /* a member really called _extra, seen first, keeps the name */
    sl_json_record_init(&ctx);
    b = sl_batch_new();
    read_record(&ctx, b, "{\"_extra\":1,\"k\":2,\"q\":3}", &o);
    assert_int_equal(b->ncols, 3);
    assert_string_equal(cell(b, "_extra", 0, v, sizeof v), "1");
    assert_string_equal(cell(b, "_extra_2", 0, v, sizeof v), "{\"q\":3}");
    sl_batch_free(b);
    sl_json_record_release(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_find),
        cmocka_unit_test(test_batch_find_wide),
        cmocka_unit_test(test_batch_cells),
        cmocka_unit_test(test_json_extra),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
