/* log.c: see log.h. */
#include "core/log.h"
#include "core/mem.h"
#include "core/redact.h"
#include "core/util.h"
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static sl_log_level log_level = SL_LOG_INFO;
static int log_json;
void sl_log_set_level(sl_log_level level) { log_level = level; }
sl_log_level sl_log_get_level(void) { return log_level; }
void sl_log_set_json(int on) { log_json = on; }

void sl_log_secret(const char *value) { sl_redact_add(value); }

void sl_log_redact(char *buf) { sl_redact_str(buf); }

struct sl_log_tail {
    pthread_mutex_t lock;
    sl_buf text;
    size_t max;
};

static _Thread_local sl_log_tail *capture;

sl_log_tail *sl_log_tail_new(size_t max_bytes)
{
    sl_log_tail *t = sl_calloc(1, sizeof *t);
    pthread_mutex_init(&t->lock, NULL);
    sl_buf_init(&t->text);
    t->max = max_bytes < 256 ? 256 : max_bytes;
    return t;
}

void sl_log_tail_free(sl_log_tail *t)
{
    if (!t)
        return;
    sl_buf_release(&t->text);
    pthread_mutex_destroy(&t->lock);
    sl_free(t);
}

char *sl_log_tail_text(sl_log_tail *t)
{
    pthread_mutex_lock(&t->lock);
    char *s = sl_strndup(t->text.data ? t->text.data : "", t->text.len);
    pthread_mutex_unlock(&t->lock);
    return s;
}

void sl_log_capture(sl_log_tail *t) { capture = t; }
sl_log_tail *sl_log_capture_current(void) { return capture; }

/* Append a line, dropping whole lines from the front beyond max. */
static void tail_add(sl_log_tail *t, const char *line, size_t n)
{
    pthread_mutex_lock(&t->lock);
    sl_buf_add(&t->text, line, n);
    if (t->text.len > t->max) {
        size_t cut = t->text.len - t->max / 2;
        const char *nl = memchr(t->text.data + cut, '\n', t->text.len - cut);
        cut = nl ? (size_t)(nl - t->text.data) + 1 : t->text.len;
        memmove(t->text.data, t->text.data + cut, t->text.len - cut);
        t->text.len -= cut;
        t->text.data[t->text.len] = 0;
    }
    pthread_mutex_unlock(&t->lock);
}

static const char *level_names[] = {"error", "warn", "info", "debug"};

/* msg is already redacted */
static void tail_line(sl_log_tail *t, sl_log_level level, const char *msg)
{
    char ts[40], line[4200];
    sl_time_format_now(ts, sizeof ts);
    int k = snprintf(line, sizeof line, "%s %s %s\n", ts, level_names[level], msg);
    tail_add(t, line, k < (int)sizeof line ? (size_t)k : sizeof line - 1);
}

/* The message, redacted whole and then cut to len: a secret cut first
 * would no longer be recognised. */
static void format_redacted(char *out, size_t len, const char *fmt, va_list ap)
{
    char *m = sl_vprintf(fmt, ap);
    sl_redact_str(m);
    snprintf(out, len, "%s", m);
    sl_free(m);
}

void sl_log_tail_note(sl_log_tail *t, sl_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char msg[4096];
    format_redacted(msg, sizeof msg, fmt, ap);
    va_end(ap);
    tail_line(t, level, msg);
}

void sl_log(sl_log_level level, const char *fmt, ...)
{
    sl_log_tail *tail = level <= SL_LOG_INFO ? capture : NULL;
    if (level > log_level && !tail)
        return;
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    format_redacted(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (tail)
        tail_line(tail, level, msg);
    if (level > log_level)
        return;

    char line[8192];
    int n;
    if (log_json) {
        char ts[40], esc[6000];
        sl_time_format_now(ts, sizeof ts);
        sl_json_escape(esc, sizeof esc, msg);
        n = snprintf(line, sizeof line, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":\"%s\"}\n", ts,
                     level_names[level], esc);
    } else {
        n = snprintf(line, sizeof line, "sluice: %s%s\n",
                     level == SL_LOG_INFO ? "" : level == SL_LOG_ERROR ? "error: "
                                               : level == SL_LOG_WARN  ? "warning: "
                                                                       : "debug: ",
                     msg);
    }
    if (n > (int)sizeof line - 1)
        n = (int)sizeof line - 1;
    if (write(2, line, (size_t)n) < 0) { /* stderr gone: nothing to do */ }
}
