/*
 * webhook_ingest.c: the `webhook` ingest kind (stream/webhook.h): what
 * `sluice serve` does with a request to a webhook source's path.
 *
 * Order of the checks: method (405), auth (401), signature (401), content
 * type (415), body (400). Nothing is stored unless every record of the
 * body is good: a body is one unit, all or none.
 *
 * Records: a JSON body that is an array gives its elements, an object
 * gives one record, and records_path (a.b.c) leads to the array (or
 * object) inside an object body; JSON Lines gives one record per
 * non-blank line; a form body (application/x-www-form-urlencoded) gives
 * one object of strings (a name given more than once: an array of its
 * values, in order). Every record must be a JSON object; each is spooled
 * as its text, as the client wrote it.
 */
#include "config/options.h"
#include "core/log.h"
#include "core/mem.h"
#include "formats/json.h"
#include "net/api.h"
#include "net/http.h"
#include "stream/webhook.h"
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { AUTH_NONE, AUTH_BEARER, AUTH_BASIC };
enum { FMT_AUTO, FMT_JSON, FMT_JSONL, FMT_FORM };

typedef struct wh_state {
    char *path;
    char **methods;
    size_t nmethods;
    char *allow;             /* "POST, PUT": for 405 messages */
    int format;
    char **rpath;            /* records_path split at dots */
    size_t nrpath;
    char *records_path;
    size_t max_body;
    int auth;
    unsigned char auth_digest[32]; /* SHA-256 of the token or of "user:pass" */
    int sig;                 /* a signature is required */
    char *sig_header, *ts_header, *secret, *prefix;
    sl_sig_config sc;
} wh_state;

/* ---- options --------------------------------------------------------------- */

static const sl_kv *kv_find(const sl_kvlist *l, const char *key)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].key, key) == 0)
            return &l->v[i];
    return NULL;
}

/* The signature settings with the scheme's defaults filled in. */
typedef struct sig_eff {
    const char *scheme, *header, *secret, *algorithm, *format, *prefix, *timestamp_header, *tolerance,
        *signed_payload;
} sig_eff;

static int sig_effective(const sl_kvlist *s, sig_eff *e)
{
    memset(e, 0, sizeof *e);
    e->scheme = sl_kv_get(s, "scheme", "");
    const char *hdr = "", *fmt = "hex", *prefix = "", *payload = "body";
    if (strcmp(e->scheme, "github") == 0) {
        hdr = "X-Hub-Signature-256";
        prefix = "sha256=";
    } else if (strcmp(e->scheme, "stripe") == 0) {
        hdr = "Stripe-Signature";
        payload = "timestamp.body";
    } else if (strcmp(e->scheme, "shopify") == 0) {
        hdr = "X-Shopify-Hmac-Sha256";
        fmt = "base64";
    } else if (*e->scheme) {
        return -1;
    }
    e->header = sl_kv_get(s, "header", hdr);
    e->secret = sl_kv_get(s, "secret", NULL);
    e->algorithm = sl_kv_get(s, "algorithm", "sha256");
    e->format = sl_kv_get(s, "format", fmt);
    e->prefix = sl_kv_get(s, "prefix", prefix);
    e->timestamp_header = sl_kv_get(s, "timestamp_header", NULL);
    e->tolerance = sl_kv_get(s, "tolerance", "5m");
    e->signed_payload = sl_kv_get(s, "signed_payload", payload);
    return 0;
}

static sl_loc kv_loc(const sl_kvlist *l, const char *key)
{
    const sl_kv *kv = kv_find(l, key);
    return kv ? kv->loc : l->loc;
}

/* An HTTP method token: upper-case letters. */
static int method_ok(const char *m)
{
    if (!*m)
        return 0;
    for (; *m; m++)
        if (*m < 'A' || *m > 'Z')
            return 0;
    return 1;
}

int sl_webhook_check(const sl_option *table, const sl_webhook_opts *o, sl_diags *d)
{
    int n = 0;
    if (!o->path || o->path[0] != '/' || strchr(o->path, '?') || strchr(o->path, ' ')) {
        sl_diags_add(d, sl_options_loc(table, o, "path"), "path '%s' must start with / (/hooks/github), without a query",
                     o->path ? o->path : "");
        n++;
    } else if (strncmp(o->path, "/api/v1/", 8) == 0 || strcmp(o->path, "/healthz") == 0 ||
               strcmp(o->path, "/metrics") == 0) {
        sl_diags_add(d, sl_options_loc(table, o, "path"), "path '%s' is one of the API's own", o->path);
        n++;
    }
    for (size_t i = 0; i < o->methods.n; i++)
        if (!method_ok(o->methods.v[i])) {
            sl_diags_add(d, o->methods.loc, "method '%s' is not an HTTP method (POST, PUT, ...: upper case)",
                         o->methods.v[i]);
            n++;
        }
    size_t mb = 0;
    if (sl_http_size_parse(o->max_body, &mb) < 0 || mb == 0 || mb > SL_SPOOL_MAX_RECORD) {
        sl_diags_add(d, sl_options_loc(table, o, "max_body"),
                     "max_body '%s' is not a size from 1 byte to 16MiB (64KiB, 1MiB, 1048576)", o->max_body);
        n++;
    }
    if (o->records_path && *o->records_path) {
        const char *p = o->records_path;
        size_t len = strlen(p);
        if (p[0] == '.' || p[len - 1] == '.' || strstr(p, "..")) {
            sl_diags_add(d, sl_options_loc(table, o, "records_path"),
                         "records_path '%s' must be member names joined by dots (data, data.items)", p);
            n++;
        }
    }
    static const char *const auth_keys[] = {"type", "token", "username", "password", NULL};
    n += sl_kv_check_keys(&o->auth, "auth", auth_keys, d);
    sl_log_secret(sl_kv_get(&o->auth, "token", NULL));
    sl_log_secret(sl_kv_get(&o->auth, "password", NULL));
    const char *at = sl_kv_get(&o->auth, "type", o->auth.n ? NULL : "none");
    if (!at) {
        sl_diags_add(d, o->auth.loc, "auth needs type: bearer, basic or none");
        n++;
    } else if (strcmp(at, "bearer") == 0) {
        const char *t = sl_kv_get(&o->auth, "token", NULL);
        if (!t || !*t) {
            sl_diags_add(d, kv_loc(&o->auth, "token"), "auth type bearer needs token: (from ${ENV}, not empty)");
            n++;
        }
    } else if (strcmp(at, "basic") == 0) {
        const char *u = sl_kv_get(&o->auth, "username", NULL), *pw = sl_kv_get(&o->auth, "password", NULL);
        if (!u || !pw || !*pw || strchr(u, ':')) {
            sl_diags_add(d, o->auth.loc, "auth type basic needs username: (without ':') and password: (not empty)");
            n++;
        }
    } else if (strcmp(at, "none") != 0) {
        sl_diags_add(d, kv_loc(&o->auth, "type"), "unknown auth type '%s' (bearer, basic, none)", at);
        n++;
    }
    if (o->signature.n) {
        static const char *const sig_keys[] = {"scheme", "header", "secret", "algorithm", "format", "prefix",
                                               "timestamp_header", "tolerance", "signed_payload", NULL};
        n += sl_kv_check_keys(&o->signature, "signature", sig_keys, d);
        sl_log_secret(sl_kv_get(&o->signature, "secret", NULL));
        sig_eff e;
        if (sig_effective(&o->signature, &e) < 0) {
            sl_diags_add(d, kv_loc(&o->signature, "scheme"), "unknown signature scheme '%s' (github, stripe, shopify)",
                         e.scheme);
            return n + 1;
        }
        if (!e.secret || !*e.secret) {
            sl_diags_add(d, kv_loc(&o->signature, "secret"), "signature needs secret: (from ${ENV}, not empty)");
            n++;
        }
        if (!*e.header) {
            sl_diags_add(d, o->signature.loc, "signature needs header: (or scheme: github|stripe|shopify)");
            n++;
        }
        if (strcmp(e.algorithm, "sha256") != 0 && strcmp(e.algorithm, "sha1") != 0) {
            sl_diags_add(d, kv_loc(&o->signature, "algorithm"), "signature algorithm '%s': sha256 or sha1", e.algorithm);
            n++;
        }
        if (strcmp(e.format, "hex") != 0 && strcmp(e.format, "base64") != 0) {
            sl_diags_add(d, kv_loc(&o->signature, "format"), "signature format '%s': hex or base64", e.format);
            n++;
        }
        if (sl_parse_duration(e.tolerance) < 0) {
            sl_diags_add(d, kv_loc(&o->signature, "tolerance"), "signature tolerance '%s' is not a duration (5m, 300s)",
                         e.tolerance);
            n++;
        }
        if (strcmp(e.signed_payload, "body") != 0 && strcmp(e.signed_payload, "timestamp.body") != 0) {
            sl_diags_add(d, kv_loc(&o->signature, "signed_payload"), "signed_payload '%s': body or timestamp.body",
                         e.signed_payload);
            n++;
        } else if (strcmp(e.signed_payload, "timestamp.body") == 0 && strcmp(e.scheme, "stripe") != 0 &&
                   !e.timestamp_header) {
            sl_diags_add(d, kv_loc(&o->signature, "signed_payload"),
                         "signed_payload timestamp.body needs timestamp_header: (or scheme: stripe)");
            n++;
        }
    }
    return n;
}

static void sha256(const void *p, size_t n, unsigned char out[32])
{
    unsigned int len = 32;
    EVP_Digest(p, n, out, &len, EVP_sha256(), NULL);
}

static void wh_free(wh_state *s)
{
    if (!s)
        return;
    sl_free(s->path);
    for (size_t i = 0; i < s->nmethods; i++)
        sl_free(s->methods[i]);
    sl_free(s->methods);
    sl_free(s->allow);
    for (size_t i = 0; i < s->nrpath; i++)
        sl_free(s->rpath[i]);
    sl_free(s->rpath);
    sl_free(s->records_path);
    sl_free(s->sig_header);
    sl_free(s->ts_header);
    if (s->secret)
        OPENSSL_cleanse(s->secret, strlen(s->secret));
    sl_free(s->secret);
    sl_free(s->prefix);
    OPENSSL_cleanse(s->auth_digest, sizeof s->auth_digest);
    sl_free(s);
}

static int wh_open(sl_instance *src, sl_project *p, const char *spool_dir, sl_spool *spool, void **state, sl_error *err)
{
    (void)p;
    (void)spool_dir;
    (void)spool;
    const sl_webhook_opts *o = src->opts;
    sl_diags d;
    sl_diags_init(&d);
    int bad = sl_webhook_check(SL_SOURCE(src)->options, o, &d);
    sl_diags_release(&d);
    if (bad)
        return sl_error_set(err, SL_ECONFIG, "%s: the webhook options have errors (sluice validate)", src->pipeline);
    wh_state *s = sl_calloc(1, sizeof *s);
    s->path = sl_strdup(o->path);
    sl_buf allow;
    sl_buf_init(&allow);
    size_t nm = o->methods.n;
    s->methods = sl_calloc(nm ? nm : 1, sizeof *s->methods);
    for (size_t i = 0; i < nm; i++) {
        s->methods[s->nmethods++] = sl_strdup(o->methods.v[i]);
        sl_buf_addf(&allow, "%s%s", i ? ", " : "", o->methods.v[i]);
    }
    if (!nm) {
        s->methods[s->nmethods++] = sl_strdup("POST");
        sl_buf_adds(&allow, "POST");
    }
    s->allow = sl_buf_detach(&allow);
    s->format = strcmp(o->format, "json") == 0 ? FMT_JSON
                : strcmp(o->format, "jsonl") == 0 ? FMT_JSONL
                : strcmp(o->format, "form") == 0 ? FMT_FORM
                                                    : FMT_AUTO;
    s->records_path = sl_strdup(o->records_path ? o->records_path : "");
    for (const char *q = s->records_path; *q;) {
        const char *dot = strchr(q, '.');
        size_t n = dot ? (size_t)(dot - q) : strlen(q);
        s->rpath = sl_realloc(s->rpath, (s->nrpath + 1) * sizeof *s->rpath);
        s->rpath[s->nrpath++] = sl_strndup(q, n);
        q += n + (dot != NULL);
    }
    sl_http_size_parse(o->max_body, &s->max_body);
    const char *at = sl_kv_get(&o->auth, "type", "none");
    if (strcmp(at, "bearer") == 0) {
        const char *t = sl_kv_get(&o->auth, "token", "");
        s->auth = AUTH_BEARER;
        sha256(t, strlen(t), s->auth_digest);
    } else if (strcmp(at, "basic") == 0) {
        char *up = sl_printf("%s:%s", sl_kv_get(&o->auth, "username", ""), sl_kv_get(&o->auth, "password", ""));
        s->auth = AUTH_BASIC;
        sha256(up, strlen(up), s->auth_digest);
        OPENSSL_cleanse(up, strlen(up));
        sl_free(up);
    }
    if (o->signature.n) {
        sig_eff e;
        sig_effective(&o->signature, &e);
        s->sig = 1;
        s->sig_header = sl_strdup(e.header);
        s->ts_header = e.timestamp_header ? sl_strdup(e.timestamp_header) : NULL;
        s->secret = sl_strdup(e.secret);
        s->prefix = sl_strdup(e.prefix);
        s->sc.stripe = strcmp(e.scheme, "stripe") == 0;
        s->sc.alg = strcmp(e.algorithm, "sha1") == 0 ? SL_HMAC_SHA1 : SL_HMAC_SHA256;
        s->sc.format = strcmp(e.format, "base64") == 0 ? SL_SIG_BASE64 : SL_SIG_HEX;
        s->sc.secret = s->secret;
        s->sc.secret_len = strlen(s->secret);
        s->sc.prefix = s->prefix;
        s->sc.sign_timestamp = strcmp(e.signed_payload, "timestamp.body") == 0;
        s->sc.tolerance_s = sl_parse_duration(e.tolerance);
    }
    *state = s;
    return 0;
}

static int wh_match(void *state, const char *path)
{
    wh_state *s = state;
    return strcmp(path, s->path) == 0;
}

static size_t wh_max_body(void *state, const char *path)
{
    (void)path;
    return ((wh_state *)state)->max_body;
}

/* ---- the request ----------------------------------------------------------- */

/* Constant time: 1 when the presented value hashes to the configured one. */
static int secret_equal(const wh_state *s, const char *got, size_t n)
{
    unsigned char h[32];
    sha256(got, n, h);
    return CRYPTO_memcmp(h, s->auth_digest, sizeof h) == 0;
}

static int authorized(const wh_state *s, const sl_ingest_request *rq)
{
    if (s->auth == AUTH_NONE)
        return 1;
    const char *h = rq->header(rq->hctx, "Authorization");
    if (!h)
        return 0;
    const char *scheme = s->auth == AUTH_BEARER ? "Bearer " : "Basic ";
    size_t sl = strlen(scheme);
    if (strncasecmp(h, scheme, sl) != 0)
        return 0;
    h += sl;
    while (*h == ' ')
        h++;
    size_t n = strlen(h);
    while (n && (h[n - 1] == ' ' || h[n - 1] == '\t'))
        n--;
    if (s->auth == AUTH_BEARER)
        return secret_equal(s, h, n);
    /* Basic: base64 of user:pass (standard alphabet only, as RFC 7617 says) */
    if (memchr(h, '-', n) || memchr(h, '_', n))
        return 0;
    sl_buf dec;
    sl_buf_init(&dec);
    int ok = sl_base64_decode(h, n, 0, &dec) == 0 && secret_equal(s, dec.data ? dec.data : "", dec.len);
    if (dec.data)
        OPENSSL_cleanse(dec.data, dec.len);
    sl_buf_release(&dec);
    return ok;
}

static int content_format(const sl_ingest_request *rq, int *fmt)
{
    const char *ct = rq->header(rq->hctx, "Content-Type");
    if (!ct)
        return -1;
    while (*ct == ' ')
        ct++;
    size_t n = strcspn(ct, "; \t");
    static const struct { const char *type; int fmt; } types[] = {
        {"application/json", FMT_JSON},           {"text/json", FMT_JSON},
        {"application/x-ndjson", FMT_JSONL},      {"application/ndjson", FMT_JSONL},
        {"application/jsonl", FMT_JSONL},         {"application/x-jsonl", FMT_JSONL},
        {"application/jsonlines", FMT_JSONL},     {"application/x-jsonlines", FMT_JSONL},
        {"application/x-www-form-urlencoded", FMT_FORM},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strlen(types[i].type) == n && strncasecmp(ct, types[i].type, n) == 0) {
            *fmt = types[i].fmt;
            return 0;
        }
    /* application/vnd.x+json */
    if (n > 5 && strncasecmp(ct, "application/", 12) == 0 && strncasecmp(ct + n - 5, "+json", 5) == 0) {
        *fmt = FMT_JSON;
        return 0;
    }
    return -1;
}

/* 400 with the JSON reader's position (at: where in body). */
static void json_error(sl_ingest_answer *a, const char *body, const char *at, const char *msg, const char *what)
{
    long line = 1, col = 1;
    for (const char *p = body; p < at; p++) {
        if (*p == '\n') {
            line++;
            col = 1;
        } else if (((unsigned char)*p & 0xC0) != 0x80) {
            col++;
        }
    }
    char text[300];
    snprintf(text, sizeof text, "%s: line %ld, column %ld (byte %ld): %s", what, line, col, (long)(at - body),
             msg && *msg ? msg : "invalid JSON");
    a->status = 400;
    sl_buf_reset(&a->body);
    sl_buf_adds(&a->body, "{\"error\":");
    sl_buf_add_json_str(&a->body, text, strlen(text));
    sl_buf_addf(&a->body, ",\"line\":%ld,\"column\":%ld,\"offset\":%ld}\n", line, col, (long)(at - body));
}

static const char *kind_name(sl_json_kind k)
{
    switch (k) {
    case SL_JSON_NULL: return "null";
    case SL_JSON_FALSE:
    case SL_JSON_TRUE: return "a boolean";
    case SL_JSON_NUMBER: return "a number";
    case SL_JSON_STRING: return "a string";
    case SL_JSON_ARRAY: return "an array";
    case SL_JSON_OBJECT: return "an object";
    default: return "nothing";
    }
}

/* The length of [start, end) without trailing white space. */
static size_t trimmed(const char *start, const char *end)
{
    while (end > start && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
        end--;
    return (size_t)(end - start);
}

/* The value at j's cursor: add it as a record if it is an object. */
static int take_object(sl_json *j, const sl_ingest_request *rq, sl_ingest_records *out, sl_ingest_answer *a,
                       long index)
{
    sl_json_ws(j);
    const char *start = j->p;
    sl_json_kind k = sl_json_peek(j);
    if (k != SL_JSON_OBJECT) {
        char msg[200];
        if (index >= 0)
            snprintf(msg, sizeof msg, "element %ld of the records array is %s, not a JSON object", index, kind_name(k));
        else
            snprintf(msg, sizeof msg, "the record is %s, not a JSON object", kind_name(k));
        a->status = 400;
        sl_buf_reset(&a->body);
        sl_buf_adds(&a->body, "{\"error\":");
        sl_buf_add_json_str(&a->body, msg, strlen(msg));
        if (index >= 0)
            sl_buf_addf(&a->body, ",\"index\":%ld", index);
        sl_buf_addf(&a->body, ",\"offset\":%ld}\n", (long)(start - rq->body));
        return -1;
    }
    if (sl_json_skip(j) < 0)
        return -2;
    sl_ingest_records_add(out, rq->received_us, start, trimmed(start, j->p));
    return 0;
}

static int parse_json(const wh_state *s, const sl_ingest_request *rq, sl_ingest_records *out, sl_ingest_answer *a)
{
    sl_json j;
    sl_json_init(&j, rq->body, rq->len);
    /* the whole document first: a syntax error anywhere stores nothing */
    if (sl_json_skip(&j) == 0) {
        sl_json_ws(&j);
        if (j.p != j.end) {
            j.err_at = j.p;
            snprintf(j.err, sizeof j.err, "unexpected data after the JSON value");
        }
    }
    if (j.err_at) {
        json_error(a, rq->body, j.err_at, j.err, "invalid JSON");
        return -1;
    }
    sl_json_init(&j, rq->body, rq->len);
    sl_buf key;
    sl_buf_init(&key);
    int rc = 0;
    for (size_t i = 0; i < s->nrpath && rc == 0; i++) {
        if (sl_json_peek(&j) != SL_JSON_OBJECT) {
            sl_ingest_answer_error(a, 400, "records_path '%s': '%s' is inside %s, not an object", s->records_path,
                                   s->rpath[i], kind_name(sl_json_peek(&j)));
            rc = -1;
            break;
        }
        int first = 1, found = 0, r;
        sl_json_object_begin(&j);
        while ((r = sl_json_member(&j, &first, &key)) == 1) {
            if (key.len == strlen(s->rpath[i]) && memcmp(key.data, s->rpath[i], key.len) == 0) {
                found = 1;
                break;
            }
            sl_json_skip(&j);
        }
        if (!found) {
            sl_ingest_answer_error(a, 400, "the body has no member '%s' (records_path '%s')", s->rpath[i],
                                   s->records_path);
            rc = -1;
        }
    }
    sl_buf_release(&key);
    if (rc < 0)
        return -1;
    if (sl_json_peek(&j) == SL_JSON_ARRAY) {
        int first = 1, r;
        long idx = 0;
        sl_json_array_begin(&j);
        while ((r = sl_json_element(&j, &first)) == 1)
            if (take_object(&j, rq, out, a, idx++) < 0)
                return -1;
        return 0;
    }
    return take_object(&j, rq, out, a, -1) < 0 ? -1 : 0;
}

static int parse_jsonl(const sl_ingest_request *rq, sl_ingest_records *out, sl_ingest_answer *a)
{
    const char *p = rq->body, *end = rq->body + rq->len;
    long line = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        line++;
        sl_json j;
        sl_json_init(&j, p, (size_t)(e - p));
        sl_json_ws(&j);
        if (j.p < j.end && !(j.end - j.p == 1 && *j.p == '\r')) {
            const char *start = j.p;
            sl_json_kind k = sl_json_peek(&j);
            if (k != SL_JSON_OBJECT && k != SL_JSON_NONE) {
                char msg[120];
                snprintf(msg, sizeof msg, "line %ld is %s, not a JSON object", line, kind_name(k));
                a->status = 400;
                sl_buf_reset(&a->body);
                sl_buf_adds(&a->body, "{\"error\":");
                sl_buf_add_json_str(&a->body, msg, strlen(msg));
                sl_buf_addf(&a->body, ",\"line\":%ld,\"column\":%ld,\"offset\":%ld}\n", line,
                            (long)(start - p) + 1, (long)(start - rq->body));
                return -1;
            }
            const char *end_of_value = NULL;
            if (sl_json_skip(&j) == 0) {
                end_of_value = j.p;
                sl_json_ws(&j);
                if (j.p != j.end) {
                    j.err_at = j.p;
                    snprintf(j.err, sizeof j.err, "unexpected data after the JSON object");
                }
            }
            if (j.err_at) {
                json_error(a, rq->body, j.err_at, j.err, "invalid JSON");
                return -1;
            }
            sl_ingest_records_add(out, rq->received_us, start, trimmed(start, end_of_value));
        }
        p = nl ? nl + 1 : end;
    }
    return 0;
}

/* ---- form bodies ---- */

typedef struct form_field {
    char *key, *val;
    size_t klen, vlen, idx, group;
} form_field;

static int hexdigit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 32;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decode a form component in place (+ -> space, %XX): its length, -1 when a % is bad. */
static long form_decode(char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            s[o++] = ' ';
        } else if (s[i] == '%') {
            int a = i + 2 < n ? hexdigit((unsigned char)s[i + 1]) : -1;
            int b = i + 2 < n ? hexdigit((unsigned char)s[i + 2]) : -1;
            if (a < 0 || b < 0)
                return -1;
            s[o++] = (char)(a << 4 | b);
            i += 2;
        } else {
            s[o++] = s[i];
        }
    }
    return (long)o;
}

static int field_by_key(const void *a, const void *b)
{
    const form_field *x = a, *y = b;
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int c = memcmp(x->key, y->key, n);
    if (c)
        return c;
    if (x->klen != y->klen)
        return x->klen < y->klen ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int field_by_group(const void *a, const void *b)
{
    const form_field *x = a, *y = b;
    if (x->group != y->group)
        return x->group < y->group ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int parse_form(const sl_ingest_request *rq, sl_ingest_records *out, sl_ingest_answer *a)
{
    char *copy = sl_malloc(rq->len + 1);
    memcpy(copy, rq->body, rq->len);
    copy[rq->len] = 0;
    form_field *f = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (char *p = copy; p < copy + rq->len && rc == 0;) {
        char *amp = memchr(p, '&', (size_t)(copy + rq->len - p));
        char *e = amp ? amp : copy + rq->len;
        if (e > p && e[-1] == '\r')
            e--; /* curl --data from a file with CRLF */
        if (e > p && !(e - p == 1 && *p == '\n')) {
            char *eq = memchr(p, '=', (size_t)(e - p));
            char *k = p, *v = eq ? eq + 1 : e;
            long kl = form_decode(k, (size_t)((eq ? eq : e) - k)), vl = form_decode(v, (size_t)(e - v));
            if (kl < 0 || vl < 0) {
                sl_ingest_answer_error(a, 400, "form body: a bad %%-escape at byte %ld", (long)(p - copy));
                rc = -1;
            } else if (sl_utf8_valid_prefix(k, (size_t)kl) != (size_t)kl ||
                       sl_utf8_valid_prefix(v, (size_t)vl) != (size_t)vl) {
                sl_ingest_answer_error(a, 400, "form body: the field at byte %ld is not UTF-8", (long)(p - copy));
                rc = -1;
            } else if (kl > 0) {
                if (n == cap) {
                    cap = cap ? cap * 2 : 16;
                    f = sl_realloc(f, cap * sizeof *f);
                }
                f[n] = (form_field){k, v, (size_t)kl, (size_t)vl, n, 0};
                n++;
            }
        }
        p = amp ? amp + 1 : copy + rq->len;
    }
    if (rc == 0) {
        /* group equal names: a group is numbered by its first field's position */
        if (n)
            qsort(f, n, sizeof *f, field_by_key);
        for (size_t i = 0; i < n;) {
            size_t j = i;
            while (j < n && f[j].klen == f[i].klen && memcmp(f[j].key, f[i].key, f[i].klen) == 0)
                j++;
            for (size_t k = i; k < j; k++)
                f[k].group = f[i].idx;
            i = j;
        }
        if (n)
            qsort(f, n, sizeof *f, field_by_group);
        sl_buf o;
        sl_buf_init(&o);
        sl_buf_addc(&o, '{');
        for (size_t i = 0; i < n;) {
            size_t j = i;
            while (j < n && f[j].group == f[i].group)
                j++;
            if (i)
                sl_buf_addc(&o, ',');
            sl_buf_add_json_str(&o, f[i].key, f[i].klen);
            sl_buf_addc(&o, ':');
            if (j - i > 1)
                sl_buf_addc(&o, '[');
            for (size_t k = i; k < j; k++) {
                if (k > i)
                    sl_buf_addc(&o, ',');
                sl_buf_add_json_str(&o, f[k].val, f[k].vlen);
            }
            if (j - i > 1)
                sl_buf_addc(&o, ']');
            i = j;
        }
        sl_buf_addc(&o, '}');
        sl_ingest_records_add(out, rq->received_us, o.data, o.len);
        sl_buf_release(&o);
    }
    sl_free(f);
    sl_free(copy);
    return rc;
}

static int wh_handle(void *state, const sl_ingest_request *rq, sl_ingest_records *out, sl_ingest_answer *ans,
                     sl_error *err)
{
    (void)err;
    wh_state *s = state;
    int allowed = 0;
    for (size_t i = 0; i < s->nmethods && !allowed; i++)
        allowed = strcmp(rq->method, s->methods[i]) == 0;
    if (!allowed) {
        sl_ingest_answer_error(ans, 405, "use %s", s->allow);
        return 0;
    }
    if (!authorized(s, rq)) {
        sl_ingest_answer_error(ans, 401, "missing or wrong credentials");
        ans->www_authenticate = s->auth == AUTH_BASIC ? "Basic realm=\"sluice\"" : "Bearer realm=\"sluice\"";
        return 0;
    }
    if (s->sig) {
        sl_sig_config c = s->sc;
        c.timestamp = s->ts_header ? rq->header(rq->hctx, s->ts_header) : NULL;
        const char *why = NULL;
        if (sl_sig_verify(&c, rq->header(rq->hctx, s->sig_header), rq->body, rq->len, rq->received_us / 1000000,
                          &why) < 0) {
            sl_ingest_answer_error(ans, 401, "signature: %s", why);
            return 0;
        }
    }
    int fmt = s->format;
    if (fmt == FMT_AUTO && content_format(rq, &fmt) < 0) {
        const char *ct = rq->header(rq->hctx, "Content-Type");
        sl_ingest_answer_error(ans, 415,
                               "Content-Type %s%s%s: send application/json, application/x-ndjson or "
                               "application/x-www-form-urlencoded",
                               ct ? "'" : "", ct ? ct : "missing", ct ? "'" : "");
        return 0;
    }
    int rc = fmt == FMT_JSONL ? parse_jsonl(rq, out, ans) : fmt == FMT_FORM ? parse_form(rq, out, ans)
                                                                             : parse_json(s, rq, out, ans);
    if (rc < 0) {
        sl_ingest_records_reset(out);
        return 0;
    }
    ans->status = 200;
    sl_buf_reset(&ans->body);
    sl_buf_addf(&ans->body, "{\"accepted\":%zu}\n", out->n);
    return 0;
}

static void wh_close(void *state)
{
    wh_free(state);
}

const sl_ingest_kind sl_ingest_webhook = {
    .name = "webhook",
    .open = wh_open,
    .match = wh_match,
    .max_body = wh_max_body,
    .handle = wh_handle,
    .settled = NULL,
    .close = wh_close,
};
