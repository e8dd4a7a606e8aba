/* log.c: see log.h. */
#include "core/log.h"
#include "core/mem.h"
#include "core/util.h"
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static sl_log_level log_level = SL_LOG_INFO;
static int log_json;
static pthread_mutex_t secret_lock = PTHREAD_MUTEX_INITIALIZER;
static char **secrets;
static size_t nsecrets, capsecrets;

void sl_log_set_level(sl_log_level level) { log_level = level; }
sl_log_level sl_log_get_level(void) { return log_level; }
void sl_log_set_json(int on) { log_json = on; }

void sl_log_secret(const char *value)
{
    if (!value || strlen(value) < 3)
        return;
    pthread_mutex_lock(&secret_lock);
    SL_GROW(secrets, capsecrets, nsecrets + 1);
    secrets[nsecrets++] = sl_strdup(value);
    pthread_mutex_unlock(&secret_lock);
}

void sl_log_redact(char *buf)
{
    pthread_mutex_lock(&secret_lock);
    for (size_t i = 0; i < nsecrets; i++) {
        size_t n = strlen(secrets[i]);
        char *p;
        while ((p = strstr(buf, secrets[i])) != NULL) {
            memcpy(p, "***", 3);
            memmove(p + 3, p + n, strlen(p + n) + 1);
        }
    }
    pthread_mutex_unlock(&secret_lock);
}

static const char *level_names[] = {"error", "warn", "info", "debug"};

void sl_log(sl_log_level level, const char *fmt, ...)
{
    if (level > log_level)
        return;
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sl_log_redact(msg);

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
