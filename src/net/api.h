/*
 * api.h: one configured API, as the http source and the http sink both
 * talk to it: base URL, auth, the shared rate limit, retries, concurrency.
 *
 * Components embed sl_api_opts in their option struct and list its rows
 * with SL_API_OPTIONS; sl_api_check() validates the maps (auth, retry) and
 * the rate; sl_api_open() opens the rate limit bucket of the group
 * (default: the URL's host), the HTTP client and the auth: api_key (a
 * header or a query parameter), bearer, basic, or oauth2 client
 * credentials (a token fetched at open, refreshed a little before it
 * expires, and again when the API answers 401). Auth values are registered
 * as secrets whatever their source. Every answer, the token endpoint's
 * too, is bounded by max_response_size (net/http.h).
 */
#ifndef SL_API_H
#define SL_API_H
#include "config/options.h"
#include "engine/run.h"
#include "net/http.h"

typedef struct sl_api_opts {
    char *url, *rate_limit, *rate_limit_group, *max_response_size;
    sl_kvlist auth, retry;
    int64_t burst, concurrency, timeout;
} sl_api_opts;

#define SL_API_OPTIONS(T, m)                                                                                   \
    {"url", SL_OPT_STRING, NULL, SL_OPT_REQUIRED, offsetof(T, m.url), NULL, "base URL (https://api.example.com/v2)"}, \
    {"auth", SL_OPT_MAP, NULL, 0, offsetof(T, m.auth), NULL,                                                    \
     "{type: api_key, name, value, in: header|query} | {type: bearer, token} | {type: basic, username, password} | " \
     "{type: oauth2, token_url, client_id, client_secret, scope}"},                                            \
    {"rate_limit", SL_OPT_STRING, "", 0, offsetof(T, m.rate_limit), NULL,                                      \
     "requests allowed for the group, shared by every pipeline in it: 10 (per second), 10/s, 600/min, 5000/h; " \
     "empty = unlimited"},                                                                                     \
    {"burst", SL_OPT_INT, "0", 0, offsetof(T, m.burst), NULL, "requests allowed at once (default: the rate)"},   \
    {"rate_limit_group", SL_OPT_STRING, "", 0, offsetof(T, m.rate_limit_group), NULL,                         \
     "name of the shared quota (default: the URL's host)"},                                                    \
    {"retry", SL_OPT_MAP, NULL, 0, offsetof(T, m.retry), NULL,                                                \
     "{attempts: 6, base: 500ms, cap: 30s}: tries per request and the exponential backoff bounds"},           \
    {"concurrency", SL_OPT_INT, "4", 0, offsetof(T, m.concurrency), NULL, "requests in flight at once"},        \
    {"timeout", SL_OPT_DURATION, "30s", 0, offsetof(T, m.timeout), NULL,                                     \
     "per request attempt, the whole answer included (a body that trickles forever ends here)"},               \
    {"max_response_size", SL_OPT_STRING, "256MiB", 0, offsetof(T, m.max_response_size), NULL,                 \
     "largest answer body accepted (after decompression): 10MB, 256MiB, 1048576 (bytes); a larger one "        \
     "stops the transfer and fails the request, not retried"}

typedef struct sl_api {
    const sl_api_opts *o;
    const char *id;
    sl_ratelimit rl;
    sl_http http;
    char *auth_type;
    char *token;          /* bearer or oauth2 access token */
    double token_expiry;  /* oauth2: refresh after this (wall clock) */
    const char *key_name, *key_value;
    int key_in_query;
    char *basic;          /* "Authorization: Basic ..." */
} sl_api;

/* The value of key in a YAML map option, or def. */
const char *sl_kv_get(const sl_kvlist *l, const char *key, const char *def);
/* Diagnose keys of l not in allowed (NULL-terminated), with suggestions. */
int sl_kv_check_keys(const sl_kvlist *l, const char *what, const char *const *allowed, sl_diags *d);

/* Diagnostics for the API options; table/opts locate them. */
int sl_api_check(const sl_api_opts *o, const sl_option *table, const void *opts, sl_diags *d);
int sl_api_open(sl_api *a, const sl_api_opts *o, sl_run *run, const char *id, sl_error *err);
void sl_api_close(sl_api *a);
/* Append the auth header (if the auth goes in a header) to h. */
struct curl_slist *sl_api_auth_header(sl_api *a, struct curl_slist *h);
/* Append the API key as a query parameter (if it goes there) to url,
 * unless the query has a parameter of that name already (a next URL the
 * API gave back with it). */
void sl_api_auth_query(sl_api *a, sl_buf *url);
/* Add one query parameter to url (data NUL-terminated or empty), its name
 * and value each encoded as one URL component (every byte but RFC 3986's
 * unreserved ones as %XX: neither can add a parameter or leave the query). */
void sl_api_add_param(sl_buf *url, const char *key, const char *value);
int sl_api_is_oauth2(const sl_api *a);
/* oauth2: fetch a token if the one held is about to expire (force: now). */
int sl_api_refresh(sl_api *a, int force, sl_error *err);

#endif
