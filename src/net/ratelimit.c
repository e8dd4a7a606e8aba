/* ratelimit.c: see ratelimit.h. */
#include "net/ratelimit.h"
#include "core/mem.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct bucket {
    double tokens, at, not_before;
} bucket;

double sl_ratelimit_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int sl_ratelimit_open(sl_ratelimit *rl, const char *dir, const char *group, double rate, double burst, sl_error *err)
{
    memset(rl, 0, sizeof *rl);
    rl->fd = -1;
    rl->rate = rate;
    rl->burst = burst > 0 ? burst : (rate > 1 ? rate : 1);
    mkdir(dir, 0755);
    /* the group name becomes a file name: keep it to safe characters */
    char safe[128];
    size_t n = 0;
    for (const char *p = group; *p && n + 1 < sizeof safe; p++)
        safe[n++] = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                            *p == '.' || *p == '-' || *p == '_'
                        ? *p
                        : '_';
    safe[n] = 0;
    char *path = sl_printf("%s/%s", dir, n ? safe : "_");
    rl->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    int rc = rl->fd < 0 ? sl_error_set(err, SL_EIO, "rate limit bucket %s: %s", path, strerror(errno)) : 0;
    sl_free(path);
    return rc;
}

void sl_ratelimit_close(sl_ratelimit *rl)
{
    if (rl->fd >= 0)
        close(rl->fd);
    rl->fd = -1;
}

static void load(sl_ratelimit *rl, bucket *b, double now)
{
    if (pread(rl->fd, b, sizeof *b, 0) != (ssize_t)sizeof *b) {
        b->tokens = rl->burst;
        b->at = now;
        b->not_before = 0;
    }
}

static void save(sl_ratelimit *rl, const bucket *b)
{
    if (pwrite(rl->fd, b, sizeof *b, 0) != (ssize_t)sizeof *b)
        return; /* a bucket that cannot be saved only loses precision */
}

int sl_ratelimit_try(sl_ratelimit *rl, double *wait)
{
    *wait = 0;
    if (rl->fd < 0)
        return 1;
    flock(rl->fd, LOCK_EX);
    double now = sl_ratelimit_now();
    bucket b;
    load(rl, &b, now);
    int ok = 0;
    if (now < b.not_before) {
        *wait = b.not_before - now;
    } else if (rl->rate <= 0) {
        ok = 1;
    } else {
        if (now > b.at)
            b.tokens += (now - b.at) * rl->rate;
        if (b.tokens > rl->burst)
            b.tokens = rl->burst;
        b.at = now;
        if (b.tokens >= 1) {
            b.tokens -= 1;
            ok = 1;
        } else {
            *wait = (1 - b.tokens) / rl->rate;
        }
        save(rl, &b);
    }
    flock(rl->fd, LOCK_UN);
    return ok;
}

void sl_ratelimit_defer(sl_ratelimit *rl, double until)
{
    if (rl->fd < 0)
        return;
    flock(rl->fd, LOCK_EX);
    bucket b;
    load(rl, &b, sl_ratelimit_now());
    if (until > b.not_before) {
        b.not_before = until;
        save(rl, &b);
    }
    flock(rl->fd, LOCK_UN);
}
