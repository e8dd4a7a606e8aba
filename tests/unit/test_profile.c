/* test_profile.c: unit tests for column profiles: the HyperLogLog
 * (quality/hll.c), the in-stream profiler over batches (quality/profile.c:
 * counts, moments against a two-pass computation, lengths of multibyte
 * text, date and timestamp extremes, text cut at a character boundary,
 * columns appearing late, the skip mask) and the state store's profiles
 * (state/quality_profiles.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include "core/batch.h"
#include "core/mem.h"
#include "core/redact.h"
#include "helpers.h"
#include "quality/profile.h"
#include "state/quality_store.h"

static uint64_t hash_u64(uint64_t v)
{
    return XXH3_64bits(&v, sizeof v);
}

static void test_hll_accuracy(void **state)
{
    (void)state;
    /* exact up to 256 distinct values, whatever the repetitions */
    static const int small[] = {0, 1, 12, 100, 256};
    for (size_t k = 0; k < sizeof small / sizeof *small; k++) {
        sl_hll *h = sl_hll_new();
        for (int rep = 0; rep < 3; rep++)
            for (int i = 0; i < small[k]; i++)
                sl_hll_add_hash(h, hash_u64((uint64_t)i));
        assert_true(sl_hll_estimate(h) == (double)small[k]);
        sl_hll_free(h);
    }
    /* within 3 % at 100k (1.6 % standard error), and across the range where
     * linear counting hands over to the raw estimate */
    static const int big[] = {1000, 5000, 10000, 20000, 100000};
    for (size_t k = 0; k < sizeof big / sizeof *big; k++) {
        sl_hll *h = sl_hll_new();
        for (int i = 0; i < big[k]; i++)
            sl_hll_add_hash(h, hash_u64((uint64_t)i * 7919u + 17u));
        double e = sl_hll_estimate(h);
        assert_true(fabs(e - big[k]) / big[k] < 0.03);
        sl_hll_free(h);
    }
}

/* A batch with columns of the given types and names. */
static sl_batch *batch(size_t ncols, const char *const *names, const sl_type *types)
{
    sl_batch *b = sl_batch_new();
    for (size_t i = 0; i < ncols; i++)
        sl_batch_add_column(b, names[i], strlen(names[i]), types[i], 0);
    return b;
}

static const sl_column_profile *col(const sl_profile *p, const char *name)
{
    for (size_t i = 0; i < p->ncols; i++)
        if (strcmp(p->cols[i].name, name) == 0)
            return &p->cols[i];
    fail_msg("no column %s in the profile", name);
    return NULL;
}

static void test_numbers_two_pass(void **state)
{
    (void)state;
    /* 3 batches of large, nearly equal values (where a naive sum of squares
     * loses every digit); mean and sample stddev against two passes */
    static const char *const names[] = {"n", "f"};
    static const sl_type types[] = {SL_T_INT, SL_T_FLOAT};
    sl_profiler *p = sl_profiler_new();
    double all[3000];
    size_t nall = 0;
    unsigned seed = 42;
    for (int k = 0; k < 3; k++) {
        sl_batch *b = batch(2, names, types);
        for (int r = 0; r < 1000; r++) {
            size_t row = sl_batch_add_row(b, 0, r + 1);
            seed = seed * 1103515245u + 12345u;
            double v = 1e9 + (double)(seed >> 16 & 0xfff) / 16.0;
            b->cols[1].f64[row] = v;
            b->cols[1].valid[row] = 1;
            b->cols[0].i64[row] = r % 10;
            b->cols[0].valid[row] = r % 4 != 0; /* a quarter null */
            all[nall++] = v;
        }
        sl_profiler_add(p, b, NULL);
        sl_batch_free(b);
    }
    sl_profile pr;
    sl_profiler_result(p, &pr);
    double mean = 0, m2 = 0, mn = INFINITY, mx = -INFINITY;
    for (size_t i = 0; i < nall; i++) {
        mean += all[i];
        mn = fmin(mn, all[i]);
        mx = fmax(mx, all[i]);
    }
    mean /= (double)nall;
    for (size_t i = 0; i < nall; i++)
        m2 += (all[i] - mean) * (all[i] - mean);
    double sd = sqrt(m2 / (double)(nall - 1));
    const sl_column_profile *f = col(&pr, "f");
    assert_int_equal(pr.rows, 3000);
    assert_true(f->has_num);
    assert_true(fabs(f->mean - mean) < 1e-6);
    assert_true(fabs(f->stddev - sd) / sd < 1e-9);
    assert_true(f->min == mn && f->max == mx);
    assert_string_equal(f->type, "float");
    const sl_column_profile *n = col(&pr, "n");
    assert_int_equal(n->rows, 3000);
    assert_int_equal(n->nulls, 750);
    assert_int_equal(n->distinct, 10); /* r = 10, 14, 18 bring 0, 4 and 8 */
    assert_true(n->min == 0 && n->max == 9);
    assert_string_equal(n->type, "int");
    sl_profile_release(&pr);
    sl_profiler_free(p);
}

static void set_text(sl_batch *b, size_t c, size_t row, const char *s)
{
    if (s)
        sl_batch_set_text(b, c, row, s, strlen(s));
}

static void test_text_dates_late_skip(void **state)
{
    (void)state;
    static const char *const names[] = {"name", "d"};
    static const sl_type types[] = {SL_T_TEXT, SL_T_DATE};
    sl_profiler *p = sl_profiler_new();
    sl_batch *b = batch(2, names, types);
    /* name: "é" is 2 bytes, 1 character; "日本語" 9 bytes, 3 characters */
    static const char *const vals[] = {"Zoë", "日本語", NULL, "al", "A-skipped"};
    static const int64_t days[] = {19723, 18000, 20000, -1, 30000}; /* -1: null */
    uint8_t skip[5] = {0, 0, 0, 0, 1};
    for (size_t r = 0; r < 5; r++) {
        size_t row = sl_batch_add_row(b, 0, (int64_t)r + 1);
        set_text(b, 0, row, vals[r]);
        if (days[r] >= 0) {
            b->cols[1].i64[row] = days[r];
            b->cols[1].valid[row] = 1;
        }
    }
    sl_profiler_add(p, b, skip);
    sl_batch_free(b);
    /* a second batch brings a timestamp column and a 100-byte text whose
     * 63-byte cut falls inside a 2-byte character */
    static const char *const names2[] = {"name", "ts"};
    static const sl_type types2[] = {SL_T_TEXT, SL_T_TIMESTAMP};
    b = batch(2, names2, types2);
    char longv[128];
    strcpy(longv, "日本語");
    memset(longv + 9, 'z', 53);
    strcpy(longv + 62, "éééééééééééééééééééé"); /* bytes 62-63 are one character: cut at 62 */
    size_t row = sl_batch_add_row(b, 0, 10);
    set_text(b, 0, row, longv);
    b->cols[1].i64[row] = 1700000000123000LL;
    b->cols[1].valid[row] = 1;
    row = sl_batch_add_row(b, 0, 11);
    b->cols[1].i64[row] = 1600000000000000LL;
    b->cols[1].valid[row] = 1;
    sl_profiler_add(p, b, NULL);
    sl_batch_free(b);

    sl_profile pr;
    sl_profiler_result(p, &pr);
    assert_int_equal(pr.rows, 6); /* 4 counted + 2 */
    assert_int_equal(pr.ncols, 3);
    const sl_column_profile *n = col(&pr, "name");
    assert_int_equal(n->nulls, 2);
    assert_int_equal(n->distinct, 4);
    assert_true(n->has_len);
    assert_int_equal(n->min_len, 2);
    assert_int_equal(n->max_len, 76); /* 3 + 53 + 20 characters */
    assert_string_equal(n->min_text, "Zoë"); /* not the skipped "A-skipped" */
    assert_int_equal(strlen(n->max_text), 62);
    assert_memory_equal(n->max_text, longv, 62);
    assert_false(n->has_num);
    const sl_column_profile *d = col(&pr, "d");
    assert_int_equal(d->rows, 6);
    assert_int_equal(d->nulls, 3); /* one null + 2 rows of the batch without it */
    assert_string_equal(d->min_text, "2019-04-14");
    assert_string_equal(d->max_text, "2024-10-04");
    assert_string_equal(d->type, "date");
    const sl_column_profile *t = col(&pr, "ts");
    assert_int_equal(t->rows, 6);
    assert_int_equal(t->nulls, 4); /* joined late: the 4 earlier rows are nulls */
    assert_int_equal(t->distinct, 2);
    assert_string_equal(t->min_text, "2020-09-13T12:26:40Z");
    assert_string_equal(t->max_text, "2023-11-14T22:13:20.123Z");
    sl_profile_release(&pr);
    sl_profiler_free(p);
}

static void test_format_inferred(void **state)
{
    (void)state;
    static const char *const names[] = {"email", "note", "country"};
    static const sl_type types[] = {SL_T_TEXT, SL_T_TEXT, SL_T_TEXT};
    static const char *const emails[] = {"a@example.com", "b@example.org", "not an email", "c@example.net"};
    static const char *const notes[] = {"hello", "a@example.com", "world", "again"};
    static const char *const countries[] = {"US", "FR", "DE", "XX"};
    sl_profiler *p = sl_profiler_new();
    for (int k = 0; k < 2; k++) { /* the format of the first batch is kept for the second */
        sl_batch *b = batch(3, names, types);
        for (size_t r = 0; r < 4; r++) {
            size_t row = sl_batch_add_row(b, 0, (int64_t)r + 1);
            set_text(b, 0, row, emails[r]);
            set_text(b, 1, row, notes[r]);
            set_text(b, 2, row, countries[r]);
        }
        sl_profiler_add(p, b, NULL);
        sl_batch_free(b);
    }
    sl_profile pr;
    sl_profiler_result(p, &pr);
    assert_string_equal(col(&pr, "email")->format, "email");
    assert_true(col(&pr, "email")->format_fail_rate == 0.25);
    assert_string_equal(col(&pr, "note")->format, ""); /* one in four: not most */
    assert_true(col(&pr, "note")->format_fail_rate == 0);
    assert_string_equal(col(&pr, "country")->format, "iso_country");
    assert_true(col(&pr, "country")->format_fail_rate == 0.25);
    sl_profile_release(&pr);
    sl_profiler_free(p);
}

/* Lengths in characters for strings of every length 0..40 mixing 1-, 2-,
 * 3- and 4-byte characters (the counter reads 8 bytes at a time and the
 * tail as the last 8), and text extremes among values sharing their first
 * 8 bytes (compared by an 8-byte key, then memcmp). */
static void test_lengths_and_prefixes(void **state)
{
    (void)state;
    static const char *const pieces[] = {"a", "\xc3\xa9", "\xe6\x97\xa5", "\xf0\x9f\x98\x80"};
    unsigned seed = 7;
    for (int len = 1; len <= 40; len++) {
        char v[200];
        size_t n = 0;
        for (int k = 0; k < len; k++) {
            seed = seed * 1103515245u + 12345u;
            const char *piece = pieces[(seed >> 16) % 4];
            memcpy(v + n, piece, strlen(piece));
            n += strlen(piece);
        }
        v[n] = 0;
        static const char *const names[] = {"t"};
        static const sl_type types[] = {SL_T_TEXT};
        sl_batch *b = batch(1, names, types);
        set_text(b, 0, sl_batch_add_row(b, 0, 1), v);
        sl_profiler *p = sl_profiler_new();
        sl_profiler_add(p, b, NULL);
        sl_profile pr;
        sl_profiler_result(p, &pr);
        assert_int_equal(pr.cols[0].min_len, len);
        assert_int_equal(pr.cols[0].max_len, len);
        sl_profile_release(&pr);
        sl_profiler_free(p);
        sl_batch_free(b);
    }
    static const char *const names[] = {"t"};
    static const sl_type types[] = {SL_T_TEXT};
    static const char *const vals[] = {"customer_b", "customer_a2", "customer", "customer_ab", "customer_b\x01",
                                       "custome", "customer_a"};
    sl_batch *b = batch(1, names, types);
    for (size_t r = 0; r < sizeof vals / sizeof *vals; r++)
        set_text(b, 0, sl_batch_add_row(b, 0, (int64_t)r + 1), vals[r]);
    sl_profiler *p = sl_profiler_new();
    sl_profiler_add(p, b, NULL);
    sl_profile pr;
    sl_profiler_result(p, &pr);
    assert_string_equal(pr.cols[0].min_text, "custome");
    assert_string_equal(pr.cols[0].max_text, "customer_b\x01");
    assert_int_equal(pr.cols[0].distinct, 7);
    sl_profile_release(&pr);
    sl_profiler_free(p);
    sl_batch_free(b);
}

/* The batches sl_profiler_add_async handed back, in order; each is freed
 * there (ASan: the profiler must not read a batch after handing it back). */
typedef struct handed {
    sl_batch *order[8];
    size_t n;
} handed;

static void hand_back(void *ctx, sl_batch *b)
{
    handed *h = ctx;
    if (h->n < 8)
        h->order[h->n] = b;
    h->n++;
    sl_batch_free(b);
}

/* Characters (UTF-8 code points) of s: the reference for lengths. */
static int64_t chars_of(const char *s)
{
    int64_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static void test_in_place_blocks(void **state)
{
    (void)state;
    /* 3 batches of 700 rows (blocks of 256 rows: 3 per batch, the last
     * partial) of texts from 0 to 30 bytes, multibyte ones among them,
     * many sharing their first 8 bytes, with nulls and skipped rows;
     * profiled in place (sl_profiler_add_async) and through copies
     * (sl_profiler_add): identical profiles, equal to the ones computed
     * here by brute force, every batch handed back once and in order */
    static const char *const names[] = {"t", "n", "ts"};
    static const sl_type types[] = {SL_T_TEXT, SL_T_INT, SL_T_TIMESTAMP};
    static const char *const stems[] = {"", "a", "ab", "abc", "ü", "日本", "abcdefg", "abcdefgh", "abcdefgh0",
                                        "abcdefgh00", "abcdefgi", "zz", "Zoë Zoë Zoë Zoë Zoë", "customer_"};
    sl_profiler *inplace = sl_profiler_new(), *copied = sl_profiler_new();
    handed h = {0};
    sl_batch *given[3];
    unsigned seed = 11;
    char minv[64] = "", maxv[64] = "";
    int have = 0;
    uint8_t seen[1000] = {0};
    int64_t nulls = 0, rows = 0, minl = INT64_MAX, maxl = -1, nmin = INT64_MAX, nmax = INT64_MIN;
    for (int k = 0; k < 3; k++) {
        sl_batch *b = batch(3, names, types);
        uint8_t skip[700];
        for (int r = 0; r < 700; r++) {
            size_t row = sl_batch_add_row(b, 0, r + 1);
            seed = seed * 1103515245u + 12345u;
            unsigned x = seed >> 8;
            skip[r] = x % 13 == 0;
            char v[64];
            snprintf(v, sizeof v, "%s%u", stems[x % 14], (x >> 4) % (k == 0 ? 3 : 40));
            if (x % 7 == 0)
                v[0] = 0; /* the empty text, and stems alone below */
            if (x % 5 == 0)
                snprintf(v, sizeof v, "%s", stems[(x >> 3) % 14]);
            int null = x % 11 == 0;
            if (!null)
                set_text(b, 0, row, v);
            b->cols[1].i64[row] = (int64_t)(x % 1000) - 500;
            b->cols[1].valid[row] = 1;
            b->cols[2].i64[row] = (int64_t)x * 1000;
            b->cols[2].valid[row] = 1;
            if (skip[r])
                continue;
            rows++;
            seen[x % 1000] = 1;
            nmin = b->cols[1].i64[row] < nmin ? b->cols[1].i64[row] : nmin;
            nmax = b->cols[1].i64[row] > nmax ? b->cols[1].i64[row] : nmax;
            if (null) {
                nulls++;
                continue;
            }
            int64_t l = chars_of(v);
            minl = l < minl ? l : minl;
            maxl = l > maxl ? l : maxl;
            if (!have || strcmp(v, minv) < 0)
                snprintf(minv, sizeof minv, "%s", v);
            if (!have || strcmp(v, maxv) > 0)
                snprintf(maxv, sizeof maxv, "%s", v);
            have = 1;
        }
        sl_profiler_add(copied, b, skip);
        given[k] = b;
        sl_profiler_add_async(inplace, b, skip, hand_back, &h);
        memset(skip, 1, sizeof skip); /* the skip mask is the caller's again once the call returns */
    }
    sl_profiler_wait(inplace);
    assert_int_equal(h.n, 3);
    for (int k = 0; k < 3; k++)
        assert_ptr_equal(h.order[k], given[k]);
    sl_profile a, c;
    sl_profiler_result(inplace, &a);
    sl_profiler_result(copied, &c);
    assert_int_equal(a.ncols, 3);
    assert_int_equal(c.ncols, 3);
    assert_int_equal(a.rows, rows);
    assert_memory_equal(a.cols, c.cols, 3 * sizeof *a.cols);
    const sl_column_profile *t = col(&a, "t");
    assert_int_equal(t->nulls, nulls);
    assert_int_equal(t->min_len, minl);
    assert_int_equal(t->max_len, maxl);
    assert_string_equal(t->min_text, minv);
    assert_string_equal(t->max_text, maxv);
    assert_true(col(&a, "n")->min == (double)nmin && col(&a, "n")->max == (double)nmax);
    int64_t ndistinct = 0;
    for (int v = 0; v < 1000; v++)
        ndistinct += seen[v];
    int64_t est = col(&a, "n")->distinct; /* HyperLogLog beyond 256 values: 1.6 % standard error */
    assert_true(est >= ndistinct * 95 / 100 && est <= ndistinct * 105 / 100);
    sl_profile_release(&a);
    sl_profile_release(&c);
    sl_profiler_free(inplace);
    sl_profiler_free(copied);
}

static void test_state_roundtrip(void **state)
{
    (void)state;
    char *dir = th_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/state.db", dir);
    sl_state *s;
    sl_error err = {0};
    assert_int_equal(sl_state_open(path, &s, &err), 0);
    sl_column_profile cols[2];
    memset(cols, 0, sizeof cols);
    for (int run = 0; run < 3; run++) {
        snprintf(cols[0].name, sizeof cols[0].name, "amount");
        snprintf(cols[0].type, sizeof cols[0].type, "float");
        cols[0].rows = 10 + run;
        cols[0].nulls = run;
        cols[0].distinct = 5;
        cols[0].has_num = 1;
        cols[0].min = -1.5;
        cols[0].max = 2.25 + run;
        cols[0].mean = 0.5;
        cols[0].stddev = 1;
        snprintf(cols[1].name, sizeof cols[1].name, "email");
        snprintf(cols[1].type, sizeof cols[1].type, "text");
        cols[1].rows = 10 + run;
        cols[1].distinct = -1;
        cols[1].has_len = 1;
        cols[1].min_len = 3;
        cols[1].max_len = 40;
        snprintf(cols[1].min_text, sizeof cols[1].min_text, "a\xe9"); /* Latin-1: kept shown as \xE9 */
        snprintf(cols[1].format, sizeof cols[1].format, "email");
        cols[1].format_fail_rate = 0.25;
        sl_profile p = {10 + run, cols, 2};
        char run_id[16];
        snprintf(run_id, sizeof run_id, "run-%d", run);
        assert_int_equal(sl_state_profile_add(s, run_id, "pipeline.proj.contacts", &p, &err), 0);
    }
    /* another node with a name ending alike must not mix in */
    sl_profile other = {1, cols, 1};
    assert_int_equal(sl_state_profile_add(s, "run-x", "pipeline.proj.old_contacts", &other, &err), 0);

    sl_buf b;
    sl_buf_init(&b);
    assert_int_equal(sl_state_profiles_json(s, "contacts", "amount", 2, &b, &err), 0);
    assert_non_null(strstr(b.data, "\"run_id\":\"run-2\""));
    assert_non_null(strstr(b.data, "\"run_id\":\"run-1\""));
    assert_null(strstr(b.data, "run-0"));
    assert_null(strstr(b.data, "run-x"));
    assert_null(strstr(b.data, "email"));
    assert_true(strstr(b.data, "run-2") < strstr(b.data, "run-1")); /* newest first */
    assert_non_null(strstr(b.data, "\"max\":4.25"));
    sl_buf_reset(&b);
    assert_int_equal(sl_state_profiles_json(s, "pipeline.proj.contacts", NULL, 0, &b, &err), 0);
    assert_non_null(strstr(b.data, "\"min_text\":\"a\\\\xE9\""));
    assert_non_null(strstr(b.data, "\"distinct\":null"));
    assert_non_null(strstr(b.data, "run-0"));
    sl_buf_release(&b);

    sl_profile latest;
    assert_int_equal(sl_state_profile_latest(s, "pipeline.proj.contacts", &latest, &err), 0);
    assert_int_equal(latest.ncols, 2);
    assert_int_equal(latest.rows, 12);
    assert_string_equal(latest.cols[0].name, "amount");
    assert_true(latest.cols[0].has_num && latest.cols[0].max == 4.25 && latest.cols[0].min == -1.5);
    assert_int_equal(latest.cols[0].nulls, 2);
    assert_string_equal(latest.cols[1].format, "email");
    assert_true(latest.cols[1].format_fail_rate == 0.25);
    assert_int_equal(latest.cols[1].distinct, -1);
    assert_true(latest.cols[1].has_len && latest.cols[1].max_len == 40);
    sl_profile_release(&latest);
    assert_int_equal(sl_state_profile_latest(s, "pipeline.proj.none", &latest, &err), 0);
    assert_int_equal(latest.ncols, 0);
    /* a value holding a registered secret is stored redacted */
    sl_redact_add("hunter2-profile-secret");
    snprintf(cols[1].max_text, sizeof cols[1].max_text, "pw=hunter2-profile-secret");
    sl_profile sp = {1, cols + 1, 1};
    assert_int_equal(sl_state_profile_add(s, "run-s", "pipeline.proj.secrets", &sp, &err), 0);
    sl_buf_init(&b);
    assert_int_equal(sl_state_profiles_json(s, "secrets", NULL, 0, &b, &err), 0);
    assert_null(strstr(b.data, "hunter2"));
    assert_non_null(strstr(b.data, "\"max_text\":\"pw=***\""));
    sl_buf_release(&b);
    sl_state_close(s);
    th_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hll_accuracy),
        cmocka_unit_test(test_numbers_two_pass),
        cmocka_unit_test(test_text_dates_late_skip),
        cmocka_unit_test(test_format_inferred),
        cmocka_unit_test(test_lengths_and_prefixes),
        cmocka_unit_test(test_in_place_blocks),
        cmocka_unit_test(test_state_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
