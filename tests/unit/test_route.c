/* test_route.c: unit tests for routing and the trigger sinks' pieces:
 * a sink's copy of a batch (engine/route.h: the rows its where took, the
 * columns its select keeps, positions kept, strings shared), select
 * globs, {{ }} templates in text and JSON (sinks/template.h), and the
 * e-mail's form (net/smtp.h: RFC 2047 subject, CRLF body, Message-ID,
 * header injection refused). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/batch.h"
#include "engine/route.h"
#include "net/smtp.h"
#include "sinks/template.h"

/* 5 rows: id int, kind text, user_a text (row 3 NULL), user_b float */
static sl_batch *sample(void)
{
    sl_batch *b = sl_batch_new();
    size_t id = sl_batch_add_column(b, "id", 2, SL_T_INT, 0);
    size_t kind = sl_batch_add_column(b, "kind", 4, SL_T_TEXT, 0);
    size_t ua = sl_batch_add_column(b, "user_a", 6, SL_T_TEXT, 0);
    size_t ub = sl_batch_add_column(b, "user_b", 6, SL_T_FLOAT, 0);
    for (int r = 0; r < 5; r++) {
        size_t i = sl_batch_add_row(b, 100 + r * 10, r + 1);
        b->cols[id].i64[i] = r;
        b->cols[id].valid[i] = 1;
        sl_batch_set_text(b, kind, i, r % 2 ? "odd" : "even", r % 2 ? 3 : 4);
        if (r != 3) {
            char v[8];
            snprintf(v, sizeof v, "a%d", r);
            sl_batch_set_text(b, ua, i, v, strlen(v));
        }
        b->cols[ub].f64[i] = r * 0.5;
        b->cols[ub].valid[i] = 1;
    }
    b->file = "in.jsonl";
    b->end_offset = 150;
    b->end_line = 6;
    b->file_done = 1;
    return b;
}

static void test_copy(void **state)
{
    sl_batch *b = sample(), *c = sl_batch_new();
    size_t map[5];
    uint8_t keep[5] = {0, 1, 0, 1, 1};
    char *sel[] = {"user_*", "id", "nope"};
    sl_route_copy(b, keep, sel, 3, c, map);
    assert_int_equal(c->nrows, 3);
    assert_int_equal(c->ncols, 3);
    assert_string_equal(c->cols[0].name, "user_a");
    assert_string_equal(c->cols[1].name, "user_b");
    assert_string_equal(c->cols[2].name, "id");
    assert_int_equal(map[0], 1);
    assert_int_equal(map[1], 3);
    assert_int_equal(map[2], 4);
    assert_int_equal(c->offset[1], 130);
    assert_int_equal(c->line[2], 5);
    assert_int_equal(c->end_offset, 150);
    assert_int_equal(c->end_line, 6);
    assert_string_equal(c->file, "in.jsonl");
    assert_int_equal(c->file_done, 1);
    assert_int_equal(c->cols[0].valid[1], 0); /* row 3's NULL */
    assert_int_equal(c->cols[0].str[0].n, 2);
    assert_memory_equal(c->cols[0].str[2].p, "a4", 2);
    assert_true(c->cols[0].str[2].p == b->cols[2].str[4].p); /* shared */
    assert_true(c->cols[1].f64[2] == 2.0);
    assert_int_equal(c->cols[2].i64[0], 1);
    assert_int_equal(c->nread + c->nfiltered + c->nderived, 0);
    /* every row and column; then reused for a smaller copy */
    sl_route_copy(b, NULL, NULL, 0, c, map);
    assert_int_equal(c->nrows, 5);
    assert_int_equal(c->ncols, 4);
    uint8_t none[5] = {0};
    char *one[] = {"kind"};
    sl_route_copy(b, none, one, 1, c, map);
    assert_int_equal(c->nrows, 0);
    assert_int_equal(c->ncols, 1);
    assert_int_equal(c->end_offset, 150);
    /* a sink's reject on the copy carries the batch row's position */
    sl_route_copy(b, keep, sel, 3, c, map);
    sl_batch_reject_row(c, 1, "s", "no");
    assert_int_equal(c->rejects[0].offset, 130);
    assert_string_equal(c->rejects[0].raw, "{\"user_a\":null,\"user_b\":1.5,\"id\":3}");
    sl_batch_free(c);
    sl_batch_free(b);
    (void)state;
}

static void test_match(void **state)
{
    assert_true(sl_route_match("user_*", "user_id"));
    assert_true(sl_route_match("user_*", "user_"));
    assert_false(sl_route_match("user_*", "use"));
    assert_true(sl_route_match("*", "anything"));
    assert_true(sl_route_match("id", "id"));
    assert_false(sl_route_match("id", "ids"));
    (void)state;
}

static void test_template(void **state)
{
    sl_batch *b = sample();
    sl_buf o;
    sl_buf_init(&o);
    sl_template_render(&o, "{{ kind }}:{{user_a}}:{{ user_b }}:{{ missing }}:{{ x", b, 3, 0, NULL, NULL);
    sl_buf_addc(&o, 0);
    assert_string_equal(o.data, "odd::1.5::{{ x");
    sl_buf_reset(&o);
    sl_template_render(&o, "{\"k\": {{ kind }}, \"a\": {{ user_a }}, \"m\": {{ missing }}}", b, 3, 1, NULL, NULL);
    sl_buf_addc(&o, 0);
    assert_string_equal(o.data, "{\"k\": \"odd\", \"a\": null, \"m\": null}");
    /* a value is never read as a template */
    sl_batch_set_text(b, 1, 0, "{{ user_a }}\"", 13);
    sl_buf_reset(&o);
    sl_template_render(&o, "{{ kind }}|{\"k\": {{ kind }}}", b, 0, 0, NULL, NULL);
    sl_buf_addc(&o, 0);
    assert_string_equal(o.data, "{{ user_a }}\"|{\"k\": {{ user_a }}\"}");
    sl_buf_reset(&o);
    sl_template_render(&o, "{{ kind }}", b, 0, 1, NULL, NULL);
    sl_buf_addc(&o, 0);
    assert_string_equal(o.data, "\"{{ user_a }}\\\"\"");
    sl_buf_release(&o);
    sl_batch_free(b);
    (void)state;
}

static void test_smtp_format(void **state)
{
    const char *to[] = {"Ada <ada@example.com>", "cs@example.com"};
    const char *hdr[] = {"X-Plan: pro\r\nBcc: evil@example.com"};
    sl_smtp_message m = {.from = "Product <p@example.com>", .to = to, .nto = 2,
                         .subject = "Bienvenue, Zo\xc3\xab \xe2\x9c\x93\nBcc: x@example.com",
                         .body = "Hi\n.dot\r\nend", .message_id = "<abc@sluice>", .headers = hdr, .nheaders = 1,
                         .date_us = 1764547200000000LL};
    sl_buf o;
    sl_buf_init(&o);
    sl_smtp_format(&m, &o);
    sl_buf_addc(&o, 0);
    const char *want =
        "Date: Mon, 01 Dec 2025 00:00:00 +0000\r\n"
        "From: Product <p@example.com>\r\n"
        "To: Ada <ada@example.com>, cs@example.com\r\n"
        "Subject: =?UTF-8?B?QmllbnZlbnVlLCBab8OrIOKckyBCY2M6IHhAZXhhbXBsZS5jb20=?=\r\n"
        "Message-ID: <abc@sluice>\r\n"
        "X-Plan: pro  Bcc: evil@example.com\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        "Hi\r\n.dot\r\nend\r\n";
    assert_string_equal(o.data, want);
    sl_buf_release(&o);
    char addr[64];
    sl_smtp_address("Ada Lovelace <ada@example.com>", addr, sizeof addr);
    assert_string_equal(addr, "ada@example.com");
    sl_smtp_address("  bob@example.com ", addr, sizeof addr);
    assert_string_equal(addr, "bob@example.com");
    assert_true(sl_smtp_permanent(550));
    assert_false(sl_smtp_permanent(451));
    assert_false(sl_smtp_permanent(0));
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy),
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_template),
        cmocka_unit_test(test_smtp_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
