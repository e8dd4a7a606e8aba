/* failpoint.c: see failpoint.h. */
#include "core/failpoint.h"
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const char *spec;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

#define MAX_POINTS 16
static struct {
    char name[64];
    int crash;
    long sleep_ms;   /* sleepMS: every hit waits, nothing fails */
    long at, hits;
} points[MAX_POINTS];
static int npoints;

static void failpoint_load(void)
{
    spec = getenv("SLUICE_FAILPOINTS");
    if (!spec || !*spec)
        return;
    const char *p = spec;
    while (*p && npoints < MAX_POINTS) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (eq && (size_t)(eq - p) < sizeof points[0].name) {
            memcpy(points[npoints].name, p, (size_t)(eq - p));
            points[npoints].crash = strncmp(eq + 1, "crash", 5) == 0;
            if (strncmp(eq + 1, "sleep", 5) == 0)
                points[npoints].sleep_ms = atol(eq + 6) > 0 ? atol(eq + 6) : 1;
            const char *at = memchr(eq, '@', len - (size_t)(eq - p));
            points[npoints].at = at ? atol(at + 1) : 1;
            npoints++;
        }
        p += len + (end ? 1 : 0);
    }
}

int sl_failpoint(const char *name)
{
    pthread_once(&once, failpoint_load);
    if (npoints == 0)
        return 0;
    int fire = 0, crash = 0;
    long nap = 0;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < npoints; i++) {
        if (points[i].sleep_ms && strcmp(points[i].name, name) == 0) {
            nap = points[i].sleep_ms;
            continue;
        }
        if (strcmp(points[i].name, name) == 0 && ++points[i].hits == points[i].at) {
            fire = 1;
            crash = points[i].crash;
        }
    }
    pthread_mutex_unlock(&lock);
    if (nap)
        usleep((useconds_t)nap * 1000);
    if (fire && crash)
        kill(getpid(), SIGKILL);
    return fire;
}
