/* test_webhook.c: unit tests for the webhook ingest kind
 * (stream/webhook_ingest.c) and its HMAC checks (stream/hmac.c), without
 * a spool: HMAC against the documented vectors (RFC 4231, RFC 2202,
 * GitHub's "Validating webhook deliveries" example; the Stripe and
 * Shopify vectors were computed with `openssl dgst -hmac`), every
 * provider scheme's good / wrong / stale / altered cases, and what
 * handle() answers and stores for each kind of body. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "core/mem.h"
#include "engine/component.h"
#include "stream/webhook.h"

extern const sl_source_plugin sl_source_webhook;

static void hex(const unsigned char *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

static void test_hmac_vectors(void **state)
{
    (void)state;
    unsigned char d[64];
    char h[129];
    /* RFC 4231 test case 2 */
    size_t n = sl_hmac(SL_HMAC_SHA256, "Jefe", 4, "what do ya want for nothing?", 28, d);
    assert_int_equal(n, 32);
    hex(d, n, h);
    assert_string_equal(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    /* RFC 2202 test case 2 */
    n = sl_hmac(SL_HMAC_SHA1, "Jefe", 4, "what do ya want for nothing?", 28, d);
    assert_int_equal(n, 20);
    hex(d, n, h);
    assert_string_equal(h, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

#define NOW 1700000000

static void test_github(void **state)
{
    (void)state;
    const char *secret = "It's a Secret to Everybody", *body = "Hello, World!";
    sl_sig_config c = {.alg = SL_HMAC_SHA256, .format = SL_SIG_HEX, .secret = secret,
                       .secret_len = strlen(secret), .prefix = "sha256=", .tolerance_s = 300};
    const char *why = NULL;
    const char *good = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    assert_int_equal(sl_sig_verify(&c, good, body, strlen(body), NOW, &why), 0);
    /* one byte of the body altered */
    assert_int_equal(sl_sig_verify(&c, good, "Hello, World?", 13, NOW, &why), -1);
    /* one digit of the signature wrong; no prefix; missing; truncated */
    assert_int_equal(sl_sig_verify(&c, "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e18", body,
                                   strlen(body), NOW, &why), -1);
    assert_int_equal(sl_sig_verify(&c, good + 7, body, strlen(body), NOW, &why), -1);
    assert_int_equal(sl_sig_verify(&c, NULL, body, strlen(body), NOW, &why), -1);
    assert_string_equal(why, "the signature header is missing");
    assert_int_equal(sl_sig_verify(&c, "sha256=757107ea", body, strlen(body), NOW, &why), -1);
}

static void test_stripe(void **state)
{
    (void)state;
    const char *secret = "whsec_test_secret", *body = "{\"id\":\"evt_1\",\"type\":\"charge.succeeded\"}";
    sl_sig_config c = {.stripe = 1, .alg = SL_HMAC_SHA256, .format = SL_SIG_HEX, .secret = secret,
                       .secret_len = strlen(secret), .prefix = "", .sign_timestamp = 1, .tolerance_s = 300};
    const char *why = NULL, *sig = "c0475716eb2200f1fe97fcf35a3c05d1fd4f8ba9a07a596730c8d18bb87c0672";
    char h[300];
    snprintf(h, sizeof h, "t=1700000000,v1=%s,v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39", sig);
    assert_int_equal(sl_sig_verify(&c, h, body, strlen(body), NOW + 10, &why), 0);
    /* several v1 (a secret being rolled): any one matches */
    snprintf(h, sizeof h, "t=1700000000,v1=%064d,v1=%s", 0, sig);
    assert_int_equal(sl_sig_verify(&c, h, body, strlen(body), NOW, &why), 0);
    /* stale: 301 s later */
    snprintf(h, sizeof h, "t=1700000000,v1=%s", sig);
    assert_int_equal(sl_sig_verify(&c, h, body, strlen(body), NOW + 301, &why), -1);
    assert_string_equal(why, "the signature's timestamp is outside the tolerance");
    /* a timestamp changed: the signature covers it */
    snprintf(h, sizeof h, "t=1700000001,v1=%s", sig);
    assert_int_equal(sl_sig_verify(&c, h, body, strlen(body), NOW, &why), -1);
    assert_string_equal(why, "the signature does not match");
    /* body altered by one byte */
    snprintf(h, sizeof h, "t=1700000000,v1=%s", sig);
    assert_int_equal(sl_sig_verify(&c, h, "{\"id\":\"evt_2\",\"type\":\"charge.succeeded\"}", strlen(body), NOW, &why), -1);
    /* no t= */
    snprintf(h, sizeof h, "v1=%s", sig);
    assert_int_equal(sl_sig_verify(&c, h, body, strlen(body), NOW, &why), -1);
}

static void test_shopify(void **state)
{
    (void)state;
    const char *secret = "shpss_secret", *body = "{\"id\":1,\"topic\":\"orders/create\"}";
    sl_sig_config c = {.alg = SL_HMAC_SHA256, .format = SL_SIG_BASE64, .secret = secret,
                       .secret_len = strlen(secret), .prefix = ""};
    const char *why = NULL;
    assert_int_equal(sl_sig_verify(&c, "7CJMkwk95NxCIZ/lDNFtYTXok569L4I5Jub461+LJGU=", body, strlen(body), NOW, &why), 0);
    assert_int_equal(sl_sig_verify(&c, "7CJMkwk95NxCIZ/lDNFtYTXok569L4I5Jub461+LJGu=", body, strlen(body), NOW, &why), -1);
    /* the same bytes, not canonically encoded (padding bits set): refused */
    assert_int_equal(sl_sig_verify(&c, "7CJMkwk95NxCIZ/lDNFtYTXok569L4I5Jub461+LJGV=", body, strlen(body), NOW, &why), -1);
    assert_int_equal(sl_sig_verify(&c, "7CJMkwk95NxCIZ/lDNFtYTXok569L4I5Jub461+LJGU=", "{\"id\":2,\"topic\":\"orders/create\"}",
                                   strlen(body), NOW, &why), -1);
}

/* generic: a timestamp header signed with the body, as "t.body" */
static void test_generic_timestamp(void **state)
{
    (void)state;
    const char *secret = "whsec_test_secret", *body = "{\"id\":\"evt_1\",\"type\":\"charge.succeeded\"}";
    sl_sig_config c = {.alg = SL_HMAC_SHA256, .format = SL_SIG_HEX, .secret = secret, .secret_len = strlen(secret),
                       .prefix = "", .timestamp = "1700000000", .sign_timestamp = 1, .tolerance_s = 300};
    const char *why = NULL, *sig = "c0475716eb2200f1fe97fcf35a3c05d1fd4f8ba9a07a596730c8d18bb87c0672";
    assert_int_equal(sl_sig_verify(&c, sig, body, strlen(body), NOW - 200, &why), 0);
    assert_int_equal(sl_sig_verify(&c, sig, body, strlen(body), NOW + 400, &why), -1);
    c.timestamp = "1700000000000"; /* milliseconds: the signed text differs */
    assert_int_equal(sl_sig_verify(&c, sig, body, strlen(body), NOW, &why), -1);
    c.timestamp = NULL;
    assert_int_equal(sl_sig_verify(&c, sig, body, strlen(body), NOW, &why), -1);
}

/* ---- handle() ---- */

typedef struct hdrs {
    const char *names[6], *values[6];
} hdrs;

static const char *hdr(void *ctx, const char *name)
{
    hdrs *h = ctx;
    for (int i = 0; i < 6 && h->names[i]; i++)
        if (strcasecmp(h->names[i], name) == 0)
            return h->values[i];
    return NULL;
}

typedef struct fixture {
    sl_webhook_opts o;
    sl_instance in;
    void *st;
} fixture;

#define KV(k, v) ((sl_kv){(char *)(k), (char *)(v), {0}})
static sl_kv kvs[2][8];

static void setup_opts(fixture *f, const char *format, const char *records_path)
{
    memset(f, 0, sizeof *f);
    sl_options_defaults(sl_source_webhook.options, &f->o);
    sl_free(f->o.path);
    f->o.path = sl_strdup("/hooks/test");
    sl_free(f->o.format);
    f->o.format = sl_strdup(format);
    sl_free(f->o.records_path);
    f->o.records_path = sl_strdup(records_path);
    f->in.kind = SL_KIND_SOURCE;
    f->in.plugin = &sl_source_webhook;
    f->in.type = "webhook";
    f->in.pipeline = "events";
    f->in.opts = &f->o;
}

static void open_fixture(fixture *f)
{
    sl_error err = {0};
    if (sl_ingest_webhook.open(&f->in, NULL, "/nonexistent", NULL, &f->st, &err) < 0)
        fail_msg("open: %s", err.msg);
}

static void close_fixture(fixture *f)
{
    sl_ingest_webhook.close(f->st);
    f->o.auth = (sl_kvlist){0};
    f->o.signature = (sl_kvlist){0};
    sl_options_release(sl_source_webhook.options, &f->o);
}

/* Send a request; returns the status, the records in out, the body in ans. */
static int send(fixture *f, const char *method, const char *ctype, const char *auth, const char *body,
                sl_ingest_records *out, sl_buf *answer)
{
    hdrs h = {{"Content-Type", "Authorization"}, {ctype, auth}};
    if (!ctype) {
        h.names[0] = "Authorization";
        h.values[0] = auth;
        h.names[1] = NULL;
    }
    sl_ingest_request rq = {.method = method, .path = "/hooks/test", .header = hdr, .hctx = &h, .body = body,
                            .len = strlen(body), .received_us = 1700000000123456LL, .remote = "127.0.0.1"};
    sl_ingest_answer ans = {0};
    sl_buf_init(&ans.body);
    sl_error err = {0};
    sl_ingest_records_reset(out);
    assert_int_equal(sl_ingest_webhook.handle(f->st, &rq, out, &ans, &err), 0);
    sl_buf_reset(answer);
    sl_buf_add(answer, ans.body.data ? ans.body.data : "", ans.body.len);
    sl_buf_release(&ans.body);
    return ans.status;
}

static const char *rec(const sl_ingest_records *r, size_t i, char *buf, size_t cap)
{
    snprintf(buf, cap, "%.*s", (int)r->len[i], r->data.data + r->off[i]);
    return buf;
}

static void test_bodies(void **state)
{
    (void)state;
    fixture f;
    setup_opts(&f, "auto", "");
    open_fixture(&f);
    sl_ingest_records r = {0};
    sl_buf a;
    sl_buf_init(&a);
    char b[200];

    assert_int_equal(send(&f, "POST", "application/json", NULL, "{\"a\": 1}", &r, &a), 200);
    assert_string_equal(a.data, "{\"accepted\":1}\n");
    assert_int_equal(r.n, 1);
    assert_string_equal(rec(&r, 0, b, sizeof b), "{\"a\": 1}");
    assert_true(r.time_us[0] == 1700000000123456LL);

    assert_int_equal(send(&f, "POST", "application/json; charset=utf-8", NULL, " [{\"a\":1}, {\"a\":2} ] ", &r, &a), 200);
    assert_string_equal(a.data, "{\"accepted\":2}\n");
    assert_string_equal(rec(&r, 1, b, sizeof b), "{\"a\":2}");

    assert_int_equal(send(&f, "POST", "application/json", NULL, "[]", &r, &a), 200);
    assert_int_equal(r.n, 0);

    /* a number inside the array: 400 naming its index, nothing kept */
    assert_int_equal(send(&f, "POST", "application/json", NULL, "[{\"a\":1}, 7]", &r, &a), 400);
    assert_int_equal(r.n, 0);
    assert_non_null(strstr(a.data, "element 1 of the records array is a number"));
    assert_non_null(strstr(a.data, "\"index\":1"));

    /* invalid JSON: line, column, offset */
    assert_int_equal(send(&f, "POST", "application/json", NULL, "{\"a\": 1,\n \"b\": tru}", &r, &a), 400);
    assert_int_equal(r.n, 0);
    assert_non_null(strstr(a.data, "\"line\":2,\"column\":7,\"offset\":15"));

    /* JSON Lines; a bad line stores nothing */
    assert_int_equal(send(&f, "POST", "application/x-ndjson", NULL, "{\"a\":1}\n\n{\"a\":2}\r\n", &r, &a), 200);
    assert_int_equal(r.n, 2);
    assert_string_equal(rec(&r, 1, b, sizeof b), "{\"a\":2}");
    assert_int_equal(send(&f, "POST", "application/jsonl", NULL, "{\"a\":1}\n{\"a\":}\n", &r, &a), 400);
    assert_int_equal(r.n, 0);
    assert_non_null(strstr(a.data, "\"line\":2,\"column\":6,\"offset\":13"));
    assert_int_equal(send(&f, "POST", "application/jsonl", NULL, "{\"a\":1}\n[1]\n", &r, &a), 400);
    assert_non_null(strstr(a.data, "line 2 is an array"));

    /* forms: + and %-escapes decoded, a repeated name an array */
    assert_int_equal(send(&f, "POST", "application/x-www-form-urlencoded", NULL,
                          "text=hello+w%C3%B6rld&user=ann&tag=a&tag=b&empty=", &r, &a), 200);
    assert_int_equal(r.n, 1);
    assert_string_equal(rec(&r, 0, b, sizeof b),
                        "{\"text\":\"hello w\xc3\xb6rld\",\"user\":\"ann\",\"tag\":[\"a\",\"b\"],\"empty\":\"\"}");
    assert_int_equal(send(&f, "POST", "application/x-www-form-urlencoded", NULL, "a=%zz", &r, &a), 400);
    assert_int_equal(send(&f, "POST", "application/x-www-form-urlencoded", NULL, "a=%ff", &r, &a), 400);

    /* content types and methods */
    assert_int_equal(send(&f, "POST", "text/plain", NULL, "{}", &r, &a), 415);
    assert_int_equal(send(&f, "POST", NULL, NULL, "{}", &r, &a), 415);
    assert_int_equal(send(&f, "GET", "application/json", NULL, "{}", &r, &a), 405);
    assert_string_equal(a.data, "{\"error\":\"use POST\"}\n");
    assert_int_equal(send(&f, "PUT", "application/vnd.api+json", NULL, "{}", &r, &a), 405);

    sl_ingest_records_release(&r);
    sl_buf_release(&a);
    close_fixture(&f);
}

static void test_records_path(void **state)
{
    (void)state;
    fixture f;
    setup_opts(&f, "json", "data.items");
    open_fixture(&f);
    sl_ingest_records r = {0};
    sl_buf a;
    sl_buf_init(&a);
    char b[200];
    /* format: json ignores the Content-Type */
    assert_int_equal(send(&f, "POST", "text/plain", NULL,
                          "{\"meta\":{\"x\":[1,2]},\"data\":{\"n\":2,\"items\":[{\"id\":1},{\"id\":2,\"v\":[3]}]}}", &r, &a),
                     200);
    assert_int_equal(r.n, 2);
    assert_string_equal(rec(&r, 1, b, sizeof b), "{\"id\":2,\"v\":[3]}");
    assert_int_equal(send(&f, "POST", "application/json", NULL, "{\"data\":{\"items\":{\"id\":9}}}", &r, &a), 200);
    assert_int_equal(r.n, 1);
    assert_int_equal(send(&f, "POST", "application/json", NULL, "{\"data\":{\"list\":[]}}", &r, &a), 400);
    assert_non_null(strstr(a.data, "no member 'items'"));
    assert_int_equal(send(&f, "POST", "application/json", NULL, "[{\"data\":1}]", &r, &a), 400);
    sl_ingest_records_release(&r);
    sl_buf_release(&a);
    close_fixture(&f);
}

static void test_auth(void **state)
{
    (void)state;
    fixture f;
    sl_ingest_records r = {0};
    sl_buf a;
    sl_buf_init(&a);

    setup_opts(&f, "auto", "");
    kvs[0][0] = KV("type", "bearer");
    kvs[0][1] = KV("token", "s3cret-token-1234");
    f.o.auth = (sl_kvlist){kvs[0], 2, {0}};
    open_fixture(&f);
    assert_int_equal(send(&f, "POST", "application/json", "Bearer s3cret-token-1234", "{}", &r, &a), 200);
    assert_int_equal(send(&f, "POST", "application/json", "Bearer s3cret-token-1235", "{}", &r, &a), 401);
    assert_int_equal(r.n, 0);
    assert_int_equal(send(&f, "POST", "application/json", "Bearer s3cret-token-123", "{}", &r, &a), 401);
    assert_int_equal(send(&f, "POST", "application/json", NULL, "{}", &r, &a), 401);
    /* auth comes before the body: no position leaks to a stranger */
    assert_int_equal(send(&f, "POST", "application/json", NULL, "{bad", &r, &a), 401);
    close_fixture(&f);

    setup_opts(&f, "auto", "");
    kvs[1][0] = KV("type", "basic");
    kvs[1][1] = KV("username", "hook");
    kvs[1][2] = KV("password", "pa55word-xyz");
    f.o.auth = (sl_kvlist){kvs[1], 3, {0}};
    open_fixture(&f);
    /* base64("hook:pa55word-xyz") */
    assert_int_equal(send(&f, "POST", "application/json", "Basic aG9vazpwYTU1d29yZC14eXo=", "{}", &r, &a), 200);
    assert_int_equal(send(&f, "POST", "application/json", "Basic aG9vazpwYTU1d29yZC15eXo=", "{}", &r, &a), 401);
    assert_int_equal(send(&f, "POST", "application/json", "Bearer aG9vazpwYTU1d29yZC14eXo=", "{}", &r, &a), 401);
    close_fixture(&f);

    /* a signature (GitHub scheme) over the body */
    setup_opts(&f, "auto", "");
    kvs[0][0] = KV("scheme", "github");
    kvs[0][1] = KV("secret", "It's a Secret to Everybody");
    f.o.signature = (sl_kvlist){kvs[0], 2, {0}};
    open_fixture(&f);
    assert_int_equal(send(&f, "POST", "application/json", NULL, "{}", &r, &a), 401);
    assert_non_null(strstr(a.data, "signature: the signature header is missing"));
    close_fixture(&f);

    sl_ingest_records_release(&r);
    sl_buf_release(&a);
}

/* sluice validate's diagnostics for the ingest options */
static void test_check(void **state)
{
    (void)state;
    fixture f;
    setup_opts(&f, "auto", "a..b");
    sl_free(f.o.path);
    f.o.path = sl_strdup("hooks");
    sl_free(f.o.max_body);
    f.o.max_body = sl_strdup("64MiB");
    kvs[0][0] = KV("scheme", "gitlab");
    f.o.signature = (sl_kvlist){kvs[0], 1, {0}};
    kvs[1][0] = KV("type", "bearer");
    f.o.auth = (sl_kvlist){kvs[1], 1, {0}};
    sl_diags d;
    sl_diags_init(&d);
    assert_int_equal(sl_webhook_check(sl_source_webhook.options, &f.o, &d), 5);
    sl_diags_release(&d);
    f.o.auth = (sl_kvlist){0};
    f.o.signature = (sl_kvlist){0};
    sl_options_release(sl_source_webhook.options, &f.o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hmac_vectors), cmocka_unit_test(test_github),
        cmocka_unit_test(test_stripe),       cmocka_unit_test(test_shopify),
        cmocka_unit_test(test_generic_timestamp), cmocka_unit_test(test_bodies),
        cmocka_unit_test(test_records_path), cmocka_unit_test(test_auth),
        cmocka_unit_test(test_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
