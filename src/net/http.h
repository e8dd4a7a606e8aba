/*
 * http.h: HTTP requests with retries, backoff and a shared rate limit, on
 * the libcurl multi interface (several requests in flight at once).
 *
 * The caller fills sl_http_call structs (method, URL, headers, body) and
 * runs them together with sl_http_run(); each one comes back with its
 * final status and body. Between, every attempt:
 *   - waits for a token of the rate limit bucket (ratelimit.h) and for any
 *     "not before" time a server set;
 *   - is retried on connection errors, timeouts, 408, 425, 429, 5xx and on
 *     a body the validator refuses (truncated JSON), up to `attempts`
 *     tries, after Retry-After when the server sent one (seconds or an
 *     HTTP date, honoured exactly and shared with every request to that
 *     API), else after an exponential backoff with full jitter:
 *     a random time in [0, min(cap, base * 2^(try-1))];
 *   - is never retried on another 4xx: the caller decides (fail the run or
 *     send the page to the DLQ).
 * X-RateLimit-Remaining / -Reset (and -Limit) slow the shared bucket down:
 * at 0 remaining nothing is sent before the reset; below a tenth of the
 * limit the remaining requests are spread evenly until the reset.
 * Redirects are followed (up to 5) only on the request's scheme, host and
 * port: one that leads elsewhere fails the call, not retried, so that an
 * answer cannot send the request's credentials (auth headers, API keys,
 * the body) to another server.
 * Each attempt is logged at debug level (method, URL with secrets
 * redacted, status, latency); failures at error level by the caller.
 */
#ifndef SL_HTTP_H
#define SL_HTTP_H
#include "core/error.h"
#include "core/util.h"
#include "net/ratelimit.h"
#include <curl/curl.h>

typedef struct sl_http_opts {
    int attempts;        /* tries per call, >= 1 */
    double base, cap;    /* backoff, seconds */
    double timeout;      /* per attempt, seconds */
    int concurrency;     /* calls in flight at once */
    /* Optional: when it becomes non-zero, sl_http_run stops (run cancelled). */
    _Atomic int *cancel;
    /* Optional: 0 if a 2xx body is usable, else -1 with why filled. */
    int (*validate)(const sl_buf *body, char *why, size_t cap);
} sl_http_opts;

typedef struct sl_http_call {
    /* in: owned by the caller */
    const char *method;         /* NULL = GET */
    const char *url;
    struct curl_slist *headers;
    const char *body;
    size_t body_len;
    /* out */
    long status;                /* last HTTP status; 0 = no response */
    sl_buf body_out;            /* last response body (caller releases) */
    char *link_next;            /* Link: <...>; rel="next", or NULL (caller frees) */
    int attempts;
    int ok;                     /* 2xx with a valid body */
    int retryable;              /* gave up on an error that retries could fix */
    char error[300];            /* why it failed, when !ok */
    /* private */
    CURL *easy;
    int state;
    double ready_at, started;
    double retry_after;         /* absolute; 0 = none */
    double rl_remaining;        /* X-RateLimit-Remaining; -1 = not sent */
    double rl_limit;            /* X-RateLimit-Limit; 0 = not sent */
    double rl_reset;            /* X-RateLimit-Reset, absolute; 0 = not sent */
} sl_http_call;

typedef struct sl_http {
    CURLM *multi;
    sl_http_opts o;
    sl_ratelimit *rl;           /* may be NULL */
    unsigned rng;
} sl_http;

int sl_http_init(sl_http *h, const sl_http_opts *o, sl_ratelimit *rl, sl_error *err);
void sl_http_release(sl_http *h);
/* Run the calls to their end (success or final failure). -1 only when the
 * client itself fails. */
int sl_http_run(sl_http *h, sl_http_call **calls, size_t n, sl_error *err);
/* Free a call's outputs for reuse. */
void sl_http_call_reset(sl_http_call *c);

#endif
