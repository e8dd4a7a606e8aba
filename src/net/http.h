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
 *
 * Bodies are bounded. A 2xx body (counted after decompression, so a gzip
 * bomb counts as what it expands to) larger than `max_body` stops the
 * transfer and fails the call for good (not retried: the server would
 * send it again), with "the answer is larger than ..." naming the limit;
 * with `truncate_body` the first max_body bytes are kept instead and the
 * rest dropped (answers only logged: alert webhooks). Other answers (4xx,
 * 5xx) keep their first SL_HTTP_ERROR_BODY bytes: only their start is
 * ever shown. `timeout` bounds a whole attempt, body included, so a body
 * that trickles forever ends there too.
 * With a call's `spill_after`, a body that grows past that many bytes moves to an
 * unlinked temporary file ($TMPDIR, else /tmp) as it arrives; read it with
 * sl_http_body_read() (which also reads a body held in memory).
 */
#ifndef SL_HTTP_H
#define SL_HTTP_H
#include "core/error.h"
#include "core/util.h"
#include "net/ratelimit.h"
#include <curl/curl.h>

#define SL_HTTP_MAX_BODY_DEFAULT ((size_t)256 << 20) /* 256 MiB */
#define SL_HTTP_ERROR_BODY ((size_t)64 << 10)        /* kept of a non-2xx answer */

typedef struct sl_http_call sl_http_call;

typedef struct sl_http_opts {
    int attempts;        /* tries per call, >= 1 */
    double base, cap;    /* backoff, seconds */
    double timeout;      /* per attempt, seconds */
    int concurrency;     /* calls in flight at once */
    /* Optional: when it becomes non-zero, sl_http_run stops (run cancelled). */
    _Atomic int *cancel;
    /* Optional: 0 if a 2xx body is usable, else -1 with why filled. */
    int (*validate)(const sl_buf *body, char *why, size_t cap);
    size_t max_body;     /* bytes; 0 = SL_HTTP_MAX_BODY_DEFAULT */
    int truncate_body;   /* keep max_body bytes, drop the rest, no failure */
} sl_http_opts;

struct sl_http_call {
    /* in: owned by the caller */
    const char *method;         /* NULL = GET */
    const char *url;
    struct curl_slist *headers;
    const char *body;
    size_t body_len;
    /* Optional, instead of the client's validate (for bodies that may be
     * spilled): 0 usable, -1 not (retried, as validate), -2 not and never
     * will be (not retried); why filled. */
    int (*validate)(sl_http_call *c, char *why, size_t cap);
    size_t spill_after;         /* bytes held in memory before the body moves to a temp file; 0 = never */
    void *user;                 /* for validate */
    /* out */
    long status;                /* last HTTP status; 0 = no response */
    sl_buf body_out;            /* last response body (caller releases); empty when spilled */
    int spilled;                /* the body is in the temp file spill_fd */
    int spill_fd;
    size_t body_size;           /* bytes of the body, in memory or spilled */
    char *link_next;            /* Link: <...>; rel="next", or NULL (caller frees) */
    int attempts;
    int ok;                     /* 2xx with a valid body */
    int retryable;              /* gave up on an error that retries could fix */
    char error[300];            /* why it failed, when !ok */
    /* private */
    struct sl_http *client;
    CURL *easy;
    int state;
    double ready_at, started;
    double retry_after;         /* absolute; 0 = none */
    double rl_remaining;        /* X-RateLimit-Remaining; -1 = not sent */
    double rl_limit;            /* X-RateLimit-Limit; 0 = not sent */
    double rl_reset;            /* X-RateLimit-Reset, absolute; 0 = not sent */
    int too_big;                /* the body passed max_body: the transfer was stopped */
    int spill_errno;            /* writing the temp file failed */
};

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
/* Free a call's outputs for reuse (the temp file of a spilled body too). */
void sl_http_call_reset(sl_http_call *c);
/* Copy up to n bytes of the call's body from offset off into buf, from
 * memory or the temp file; returns the bytes copied (0 at the end), -1 on
 * a read error (errno set). */
ptrdiff_t sl_http_body_read(const sl_http_call *c, size_t off, char *buf, size_t n);
/* "256 MiB", "10 MB", "1000 KiB", "1500000 bytes": a size for messages, in the
 * largest unit that divides it (as a user would have written it). */
void sl_http_size_text(size_t bytes, char *out, size_t cap);
/* Parse a size: a number of bytes, optionally followed by B, KB, MB, GB
 * (powers of 1000) or KiB, MiB, GiB (powers of 1024; K, M, G alone read
 * as these), case-insensitive, spaces allowed before the unit. 0 ok, -1
 * not a size. */
int sl_http_size_parse(const char *s, size_t *out);

#endif
