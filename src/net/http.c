/* http.c: see http.h. */
#include "net/http.h"
#include "net/urltpl.h"
#include "core/log.h"
#include "core/redact.h"
#include "core/mem.h"
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <errno.h>
#include <unistd.h>

enum { WAITING, RUNNING, DONE };

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

int sl_http_init(sl_http *h, const sl_http_opts *o, sl_ratelimit *rl, sl_error *err)
{
    pthread_once(&curl_once, curl_init_once);
    memset(h, 0, sizeof *h);
    h->o = *o;
    if (h->o.attempts < 1)
        h->o.attempts = 1;
    if (h->o.concurrency < 1)
        h->o.concurrency = 1;
    h->rl = rl;
    h->rng = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)h;
    h->multi = curl_multi_init();
    return h->multi ? 0 : sl_error_set(err, SL_EINTERNAL, "curl_multi_init failed");
}

void sl_http_release(sl_http *h)
{
    if (h->multi)
        curl_multi_cleanup(h->multi);
    h->multi = NULL;
}

/* Forget the body of the attempt before (memory and temp file). */
static void body_drop(sl_http_call *c)
{
    sl_buf_reset(&c->body_out);
    if (c->spilled)
        close(c->spill_fd);
    c->spilled = 0;
    c->spill_fd = -1;
    c->body_size = 0;
    c->too_big = 0;
    c->spill_errno = 0;
}

void sl_http_call_reset(sl_http_call *c)
{
    body_drop(c);
    sl_buf_release(&c->body_out);
    sl_free(c->link_next);
    c->link_next = NULL;
    c->status = 0;
    c->attempts = 0;
    c->ok = c->retryable = 0;
    c->error[0] = 0;
    c->state = WAITING;
    c->ready_at = 0;
}

ptrdiff_t sl_http_body_read(const sl_http_call *c, size_t off, char *buf, size_t n)
{
    if (off >= c->body_size)
        return 0;
    if (n > c->body_size - off)
        n = c->body_size - off;
    if (!c->spilled) {
        memcpy(buf, c->body_out.data + off, n);
        return (ptrdiff_t)n;
    }
    ssize_t r;
    do
        r = pread(c->spill_fd, buf, n, (off_t)off);
    while (r < 0 && errno == EINTR);
    return r;
}

void sl_http_size_text(size_t b, char *out, size_t cap)
{
    static const char *const bin[] = {"GiB", "MiB", "KiB"}, *const dec[] = {"GB", "MB", "KB"};
    static const size_t decu[] = {1000000000, 1000000, 1000};
    for (int i = 0; i < 3; i++) { /* exactly as written: 256 MiB, 10 MB */
        size_t u = (size_t)1 << (30 - 10 * i);
        if (b >= u && b % u == 0) {
            snprintf(out, cap, "%zu %s", b / u, bin[i]);
            return;
        }
        if (b >= decu[i] && b % decu[i] == 0) {
            snprintf(out, cap, "%zu %s", b / decu[i], dec[i]);
            return;
        }
    }
    snprintf(out, cap, "%zu bytes", b);
}

int sl_http_size_parse(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || v < 0 || v != v)
        return -1;
    while (*end == ' ')
        end++;
    static const struct { const char *u; double m; } units[] = {
        {"", 1}, {"b", 1}, {"bytes", 1}, {"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9},
        {"k", 1024.0}, {"kib", 1024.0}, {"m", 1048576.0}, {"mib", 1048576.0}, {"g", 1073741824.0}, {"gib", 1073741824.0},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcasecmp(end, units[i].u) != 0)
            continue;
        double b = v * units[i].m;
        if (b >= 9.0e18)
            return -1;
        *out = (size_t)b;
        return 0;
    }
    return -1;
}

/* Move the body held so far to an unlinked temp file. 0 ok, -1 errno. */
static int spill_start(sl_http_call *c)
{
    const char *dir = getenv("TMPDIR");
    char *path = sl_printf("%s/sluice-body-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd >= 0)
        unlink(path);
    sl_free(path);
    if (fd < 0)
        return -1;
    for (size_t off = 0; off < c->body_out.len;) {
        ssize_t w = write(fd, c->body_out.data + off, c->body_out.len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = errno ? errno : EIO;
            close(fd);
            errno = e;
            return -1;
        }
        off += (size_t)w;
    }
    sl_buf_release(&c->body_out);
    c->spill_fd = fd;
    c->spilled = 1;
    return 0;
}

/* The body as it arrives (decompressed), bounded: see http.h. Returning
 * less than given stops the transfer (CURLE_WRITE_ERROR). */
static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    sl_http_call *c = ud;
    sl_http *h = c->client;
    size_t len = size * n, keep = len;
    long status = 0;
    curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
    int success = status >= 200 && status < 300;
    size_t max = success ? (h->o.max_body ? h->o.max_body : SL_HTTP_MAX_BODY_DEFAULT) : SL_HTTP_ERROR_BODY;
    if (c->body_size + len > max) {
        if (success && !h->o.truncate_body) {
            c->too_big = 1;
            return 0;
        }
        keep = c->body_size < max ? max - c->body_size : 0; /* the start is enough to show */
    }
    if (keep == 0)
        return len;
    if (!c->spilled && success && c->spill_after && c->body_size + keep > c->spill_after && spill_start(c) < 0) {
        c->spill_errno = errno;
        return 0;
    }
    if (c->spilled) {
        for (size_t off = 0; off < keep;) {
            ssize_t w = write(c->spill_fd, p + off, keep - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                c->spill_errno = errno ? errno : EIO;
                return 0;
            }
            off += (size_t)w;
        }
    } else {
        sl_buf_add(&c->body_out, p, keep);
    }
    c->body_size += keep;
    return len;
}

/* Seconds from a Retry-After value: delta-seconds or an HTTP date. */
static double parse_retry_after(const char *v, double now)
{
    while (*v == ' ')
        v++;
    char *end;
    double s = strtod(v, &end);
    if (end != v && (*end == 0 || *end == '\r' || *end == '\n' || *end == ' '))
        return now + (s > 0 ? s : 0);
    time_t t = curl_getdate(v, NULL);
    return t > 0 ? (double)t : 0;
}

/* The target of the rel="next" link in a Link header value (RFC 8288:
 * comma-separated `<uri>; param=value; ...`, rel holding space-separated
 * relation types, names and types case-insensitive), or NULL. Heap. */
static char *link_next_target(const char *v)
{
    const char *s = v;
    while ((s = strchr(s, '<')) != NULL) {
        const char *e = strchr(s, '>');
        if (!e)
            return NULL;
        const char *uri = s + 1;
        size_t urilen = (size_t)(e - uri);
        /* the parameters, up to the comma that starts the next link-value */
        const char *q = e + 1;
        int next = 0;
        while (*q && *q != ',') {
            while (*q == ';' || *q == ' ' || *q == '\t')
                q++;
            const char *name = q;
            while (*q && *q != '=' && *q != ';' && *q != ',')
                q++;
            size_t namelen = (size_t)(q - name);
            while (namelen && (name[namelen - 1] == ' ' || name[namelen - 1] == '\t'))
                namelen--;
            if (*q != '=')
                continue;
            q++;
            while (*q == ' ' || *q == '\t')
                q++;
            const char *val = q;
            size_t vallen;
            if (*q == '"') {
                val = ++q;
                while (*q && *q != '"')
                    q++;
                vallen = (size_t)(q - val);
                if (*q == '"')
                    q++;
            } else {
                while (*q && *q != ';' && *q != ',')
                    q++;
                vallen = (size_t)(q - val);
                while (vallen && (val[vallen - 1] == ' ' || val[vallen - 1] == '\t'))
                    vallen--;
            }
            if (namelen != 3 || strncasecmp(name, "rel", 3) != 0)
                continue;
            for (size_t i = 0; i < vallen;) {
                while (i < vallen && val[i] == ' ')
                    i++;
                size_t j = i;
                while (j < vallen && val[j] != ' ')
                    j++;
                if (j - i == 4 && strncasecmp(val + i, "next", 4) == 0)
                    next = 1;
                i = j;
            }
        }
        if (next)
            return sl_strndup(uri, urilen);
        s = *q ? q + 1 : q;
    }
    return NULL;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    sl_http_call *c = ud;
    size_t len = size * n;
    char line[2048];
    size_t k = len < sizeof line - 1 ? len : sizeof line - 1;
    memcpy(line, p, k);
    line[k] = 0;
    line[strcspn(line, "\r\n")] = 0;
    double now = sl_ratelimit_now();
    if (strncasecmp(line, "HTTP/", 5) == 0) {
        /* a new response (after a redirect or 100-continue): start over */
        c->retry_after = c->rl_reset = c->rl_limit = 0;
        c->rl_remaining = -1;
        sl_free(c->link_next);
        c->link_next = NULL;
    } else if (strncasecmp(line, "retry-after:", 12) == 0) {
        c->retry_after = parse_retry_after(line + 12, now);
    } else if (strncasecmp(line, "x-ratelimit-remaining:", 22) == 0) {
        c->rl_remaining = atof(line + 22);
    } else if (strncasecmp(line, "x-ratelimit-limit:", 18) == 0) {
        c->rl_limit = atof(line + 18);
    } else if (strncasecmp(line, "x-ratelimit-reset:", 18) == 0) {
        double v = atof(line + 18);
        c->rl_reset = v > 1e9 ? v : now + v; /* epoch seconds, or seconds from now */
    } else if (strncasecmp(line, "location:", 9) == 0 && c->easy) {
        /* a redirect is followed only on the API's own scheme, host and
         * port: the request's credentials (headers, body) go nowhere else
         * (net/urltpl.h); else the transfer stops here, not retried */
        long code = 0;
        char *at = NULL, where[300];
        curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &code);
        curl_easy_getinfo(c->easy, CURLINFO_EFFECTIVE_URL, &at);
        const char *to = line + 9;
        to += strspn(to, " \t");
        int follows = code == 301 || code == 302 || code == 303 || code == 307 || code == 308; /* as libcurl */
        if (follows && *to && sl_url_same_origin(c->url, at ? at : c->url, to, where, sizeof where) != 1) {
            snprintf(c->error, sizeof c->error,
                     "HTTP %ld redirects to %s, not to the API: refused, the request's credentials are not sent elsewhere",
                     code, where);
            return 0;
        }
    } else if (len >= 5 && strncasecmp(p, "link:", 5) == 0) {
        /* Link: <url>; rel="next", <url2>; rel="last"; the whole line, however long */
        char *value = sl_strndup(p + 5, len - 5);
        value[strcspn(value, "\r\n")] = 0;
        char *t = link_next_target(value);
        if (t) {
            sl_free(c->link_next);
            c->link_next = t;
        }
        sl_free(value);
    }
    return len;
}

static unsigned next_rand(sl_http *h)
{
    h->rng = h->rng * 1103515245u + 12345u;
    return h->rng >> 8;
}

static int start_call(sl_http *h, sl_http_call *c, sl_error *err)
{
    if (!c->easy) {
        c->easy = curl_easy_init();
        if (!c->easy)
            return sl_error_set(err, SL_EINTERNAL, "curl_easy_init failed");
    } else {
        curl_easy_reset(c->easy);
    }
    body_drop(c);
    c->client = h;
    c->retry_after = c->rl_reset = c->rl_limit = 0;
    c->rl_remaining = -1;
    CURL *e = c->easy;
    curl_easy_setopt(e, CURLOPT_URL, c->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, c);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->headers);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_USERAGENT, "sluice/" SLUICE_VERSION);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(h->o.timeout > 0 ? h->o.timeout * 1000 : 60000));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    const char *m = c->method ? c->method : "GET";
    if (c->body) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)c->body_len);
    }
    if (strcmp(m, "GET") != 0 && strcmp(m, "POST") != 0)
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
    else if (strcmp(m, "POST") == 0 && !c->body)
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
    c->attempts++;
    c->started = sl_ratelimit_now();
    c->state = RUNNING;
    return curl_multi_add_handle(h->multi, e) == CURLM_OK ? 0 : sl_error_set(err, SL_EINTERNAL, "curl_multi_add_handle");
}

static int retryable_status(long s)
{
    return s == 408 || s == 425 || s == 429 || (s >= 500 && s <= 599);
}

/* An attempt ended: done, or wait and try again. */
static void finish_attempt(sl_http *h, sl_http_call *c, CURLcode cc)
{
    double now = sl_ratelimit_now();
    curl_multi_remove_handle(h->multi, c->easy);
    c->status = 0;
    if (cc == CURLE_OK)
        curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &c->status);
    char why[300] = "";
    int retry = 0, vrc = 0;
    if (c->too_big) {
        char lim[32];
        sl_http_size_text(h->o.max_body ? h->o.max_body : SL_HTTP_MAX_BODY_DEFAULT, lim, sizeof lim);
        snprintf(why, sizeof why, "the answer is larger than max_response_size (%s): the transfer was stopped there",
                 lim);
        body_drop(c);
        c->too_big = 1;
    } else if (c->spill_errno) {
        snprintf(why, sizeof why, "writing the answer to a temporary file ($TMPDIR or /tmp): %s",
                 strerror(c->spill_errno));
        body_drop(c);
    } else if (cc != CURLE_OK && c->error[0]) {
        snprintf(why, sizeof why, "%s", c->error); /* on_header stopped it: a redirect elsewhere */
    } else if (cc != CURLE_OK) {
        snprintf(why, sizeof why, "%s", curl_easy_strerror(cc));
        retry = 1;
    } else if (retryable_status(c->status)) {
        snprintf(why, sizeof why, "HTTP %ld", c->status);
        retry = 1;
    } else if (c->status >= 200 && c->status < 300 && c->validate && (vrc = c->validate(c, why, sizeof why)) < 0) {
        retry = vrc == -1;
        if (!why[0])
            snprintf(why, sizeof why, "the answer is not usable");
    } else if (c->status >= 200 && c->status < 300 && !c->validate && h->o.validate &&
               h->o.validate(&c->body_out, why, sizeof why) < 0) {
        retry = 1;
    } else if (c->status < 200 || c->status >= 300) {
        snprintf(why, sizeof why, "HTTP %ld", c->status);
    }
    char url[512];
    sl_redact_cut(url, sizeof url, c->url, strlen(c->url)); /* redacted, then cut */
    const char *m = c->method ? c->method : "GET";
    double ms = (now - c->started) * 1000;
    if (c->status)
        sl_log_debug("http: %s %s -> %ld (%.0f ms, try %d)", m, url, c->status, ms, c->attempts);
    else
        sl_log_debug("http: %s %s -> no response: %s (%.0f ms, try %d)", m, url, why, ms, c->attempts);
    /* the server's pacing applies to every request to it */
    if (h->rl && c->retry_after > 0 && (c->status == 429 || c->status == 503))
        sl_ratelimit_defer(h->rl, c->retry_after);
    if (h->rl && c->rl_remaining >= 0 && c->rl_reset > now) {
        if (c->rl_remaining < 1)
            sl_ratelimit_defer(h->rl, c->rl_reset);
        else if (c->rl_limit > 0 && c->rl_remaining <= c->rl_limit / 10)
            sl_ratelimit_defer(h->rl, now + (c->rl_reset - now) / (c->rl_remaining + 1));
    }
    if (!retry && !why[0]) {
        c->ok = 1;
        c->state = DONE;
        return;
    }
    if (!retry || c->attempts >= h->o.attempts) {
        snprintf(c->error, sizeof c->error, "%s%s", why,
                 retry ? (c->attempts > 1 ? " (after every retry)" : "") : "");
        c->retryable = retry;
        c->state = DONE;
        return;
    }
    double delay;
    if (c->retry_after > 0) {
        delay = c->retry_after - now;
        if (delay < 0)
            delay = 0;
    } else {
        double ceiling = h->o.base * pow(2, c->attempts - 1);
        if (ceiling > h->o.cap)
            ceiling = h->o.cap;
        delay = ceiling * (next_rand(h) % 10000) / 10000.0;
    }
    sl_log_debug("http: %s: retrying in %.2fs", why, delay);
    c->ready_at = now + delay;
    c->state = WAITING;
}

int sl_http_run(sl_http *h, sl_http_call **calls, size_t n, sl_error *err)
{
    for (size_t i = 0; i < n; i++) {
        sl_http_call_reset(calls[i]);
    }
    size_t done = 0, running = 0;
    int rc = 0;
    while (done < n) {
        if (h->o.cancel && atomic_load(h->o.cancel)) {
            rc = sl_error_set(err, SL_ECANCELLED, "interrupted");
            break;
        }
        double now = sl_ratelimit_now(), wake = now + 0.2;
        for (size_t i = 0; i < n && running < (size_t)h->o.concurrency; i++) {
            sl_http_call *c = calls[i];
            if (c->state != WAITING)
                continue;
            if (c->ready_at > now) {
                if (c->ready_at < wake)
                    wake = c->ready_at;
                continue;
            }
            double w = 0;
            if (h->rl && !sl_ratelimit_try(h->rl, &w)) {
                if (now + w < wake)
                    wake = now + w;
                break;
            }
            if (start_call(h, c, err) < 0)
                return -1;
            running++;
        }
        int still = 0;
        curl_multi_perform(h->multi, &still);
        CURLMsg *msg;
        int left, freed = 0;
        while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            sl_http_call *c = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&c);
            running--;
            freed = 1;
            finish_attempt(h, c, msg->data.result);
            if (c->state == DONE)
                done++;
        }
        if (done >= n)
            break;
        /* A slot came free: fill it now rather than after the next socket
         * event or the 0.2 s tick (all in flight answered in one perform
         * used to sleep 0.2 s with ready calls waiting: ~5 waves/s). */
        if (freed)
            continue;
        double ms = (wake - sl_ratelimit_now()) * 1000;
        if (running == 0 && ms > 0) {
            struct timespec ts = {(time_t)(ms / 1000), (long)((ms - (double)(long)(ms / 1000) * 1000) * 1e6)};
            nanosleep(&ts, NULL);
        } else if (running > 0) {
            curl_multi_poll(h->multi, NULL, 0, ms > 0 ? (int)ms + 1 : 1, NULL);
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (calls[i]->easy) {
            if (calls[i]->state == RUNNING)
                curl_multi_remove_handle(h->multi, calls[i]->easy);
            curl_easy_cleanup(calls[i]->easy);
            calls[i]->easy = NULL;
        }
    }
    return rc;
}
