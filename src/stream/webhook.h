/*
 * webhook.h: the `webhook` stream source, shared by its two halves:
 * sources/webhook.c (option table, check, reading the spool as rows) and
 * stream/webhook_ingest.c (the sl_ingest_kind: HTTP requests -> records),
 * plus the HMAC signature checks (stream/hmac.c) the ingest kind uses.
 *
 * A request goes: method (405) -> auth (bearer/basic, 401) -> signature
 * (HMAC of the body, or of "timestamp.body", 401) -> content type (415)
 * -> body parsed into records (400 with the position) -> each record, the
 * text of one JSON object, appended to the spool; answer 200
 * {"accepted": N} once durable.
 */
#ifndef SL_WEBHOOK_H
#define SL_WEBHOOK_H
#include "config/options.h"
#include "engine/run.h"
#include "sources/stream.h"
#include "stream/ingest.h"
#include <stddef.h>
#include <stdint.h>

/* The webhook source's option struct (sl_source_common first). */
typedef struct sl_webhook_opts {
    sl_source_common common;
    sl_stream_opts stream;
    int flatten;
    int64_t max_depth;
    char *separator;
    char *path;          /* "/hooks/github": required, starts with / */
    sl_strlist methods;  /* default [POST] */
    char *format;        /* json | jsonl | form | auto */
    char *records_path;  /* dot path to the records array in a JSON body, "" = the body */
    char *max_body;      /* "1MiB" */
    sl_kvlist auth;      /* {type: bearer|basic|none, token, username, password} */
    sl_kvlist signature; /* {scheme, header, secret, algorithm, format, prefix, timestamp_header, tolerance, signed_payload} */
} sl_webhook_opts;

extern const sl_ingest_kind sl_ingest_webhook;

/* Diagnostics for the ingest options (path, methods, max_body, auth,
 * signature), at the option's file:line:col; returns how many. */
int sl_webhook_check(const sl_option *table, const sl_webhook_opts *o, sl_diags *d);

/* ---- HMAC signatures (hmac.c) ---- */

typedef enum { SL_HMAC_SHA256, SL_HMAC_SHA1 } sl_hmac_alg;
typedef enum { SL_SIG_HEX, SL_SIG_BASE64 } sl_sig_format;

/* A signature check, as configured (strings owned by the caller). */
typedef struct sl_sig_config {
    int stripe;                 /* scheme: stripe: header "t=<unix s>,v1=<hex>[,v1=...]", signs "t.body" */
    sl_hmac_alg alg;
    sl_sig_format format;
    const char *secret;
    size_t secret_len;
    const char *prefix;         /* stripped from the header value ("sha256="), "" for none */
    const char *timestamp;      /* the timestamp header's value, or NULL (none configured) */
    int sign_timestamp;         /* signed_payload: timestamp.body */
    int64_t tolerance_s;        /* a timestamp further than this from now is stale */
} sl_sig_config;

/* HMAC of data with key (raw digest into out, at most 64 bytes): its length. */
size_t sl_hmac(sl_hmac_alg alg, const void *key, size_t keylen, const void *data, size_t len, unsigned char *out);
/* Verify a request's signature header value (NULL: missing) over body at
 * time now_s (unix seconds). 0 = good; else -1 with why set ("missing",
 * "stale timestamp", "mismatch", ...): a short reason safe to show. The
 * digests are compared in constant time (CRYPTO_memcmp). */
int sl_sig_verify(const sl_sig_config *c, const char *header, const char *body, size_t len, int64_t now_s,
                  const char **why);

#endif
