/* progress.c: see progress.h. */
#include "engine/progress.h"
#include "core/util.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void sl_progress_init(sl_progress *p, const char *name, int enabled)
{
    memset(p, 0, sizeof *p);
    p->name = name;
    p->enabled = enabled;
    p->start = sl_mono_s();
}

static void thousands(char *out, long long v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%lld", v), o = 0;
    for (int i = 0; i < n; i++) {
        out[o++] = tmp[i];
        if ((n - i - 1) % 3 == 0 && i < n - 1 && tmp[i] != '-')
            out[o++] = ',';
    }
    out[o] = 0;
}

void sl_progress_draw(sl_progress *p, sl_run *run, int final)
{
    if (!p->enabled)
        return;
    if (final) {
        if (p->drawn && write(2, "\r\033[K", 4) < 0) { /* ignore */ }
        return;
    }
    double now = sl_mono_s(), el = now - p->start;
    if (el < 0.5 || now - p->last < 0.1)
        return;
    p->last = now;
    long long rows = (long long)atomic_load(&run->rows_read);
    double bytes = (double)atomic_load(&run->bytes_read);
    double mbs = bytes / 1e6 / el;
    char line[256], r[32];
    thousands(r, rows);
    if (run->total_bytes > 0) {
        double frac = bytes / (double)run->total_bytes;
        if (frac > 1)
            frac = 1;
        int w = 24, fill = (int)(frac * w);
        char bar[32];
        for (int i = 0; i < w; i++)
            bar[i] = i < fill ? '=' : i == fill ? '>' : ' ';
        bar[w] = 0;
        double eta = frac > 0.001 ? el / frac - el : 0;
        snprintf(line, sizeof line, "\r%s [%s] %3d%%  %s rows  %.1f MB/s  ETA %.0fs\033[K", p->name, bar,
                 (int)(frac * 100), r, mbs, eta);
    } else {
        snprintf(line, sizeof line, "\r%s  %s rows  %.1f MB/s  %.0fs\033[K", p->name, r, mbs, el);
    }
    if (write(2, line, strlen(line)) < 0) { /* ignore */ }
    p->drawn = 1;
}
