/* metrics.c: see metrics.h. Label values are pipeline and component
 * names (validated identifiers) and run statuses: nothing to escape but
 * they go through sl_metrics_label() anyway. */
#include "sched/metrics.h"
#include "core/mem.h"
#include "state/quality_store.h"
#include <dirent.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#if defined(__SANITIZE_ADDRESS__)
/* libasan's, declared in clang's <sanitizer/allocator_interface.h>, a
 * header GCC does not install */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

void sl_metrics_label(sl_buf *b, const char *v)
{
    for (; v && *v; v++) {
        if (*v == '\\' || *v == '"')
            sl_buf_addc(b, '\\');
        if (*v == '\n') {
            sl_buf_adds(b, "\\n");
            continue;
        }
        sl_buf_addc(b, *v);
    }
}

typedef struct acc {
    sl_buf runs, dur, last, rows, errors;
    const sl_project *p;
    /* per pipeline, summed over statuses (rows arrive grouped by pipeline) */
    char cur[128];
    int64_t le[SL_STATS_BUCKETS], count, errs;
    double sum, last_success;
    sl_run_counts r;
    sl_buf comp;
} acc;

static void flush(acc *a)
{
    if (!a->cur[0])
        return;
    for (int i = 0; i < SL_STATS_BUCKETS; i++) {
        sl_buf_adds(&a->dur, "sluice_pipeline_run_duration_seconds_bucket{pipeline=\"");
        sl_metrics_label(&a->dur, a->cur);
        sl_buf_addf(&a->dur, "\",le=\"%g\"} %lld\n", sl_stats_buckets[i], (long long)a->le[i]);
    }
    sl_buf_adds(&a->dur, "sluice_pipeline_run_duration_seconds_bucket{pipeline=\"");
    sl_metrics_label(&a->dur, a->cur);
    sl_buf_addf(&a->dur, "\",le=\"+Inf\"} %lld\n", (long long)a->count);
    sl_buf_adds(&a->dur, "sluice_pipeline_run_duration_seconds_sum{pipeline=\"");
    sl_metrics_label(&a->dur, a->cur);
    sl_buf_addf(&a->dur, "\"} %.6f\n", a->sum);
    sl_buf_adds(&a->dur, "sluice_pipeline_run_duration_seconds_count{pipeline=\"");
    sl_metrics_label(&a->dur, a->cur);
    sl_buf_addf(&a->dur, "\"} %lld\n", (long long)a->count);
    if (a->last_success > 0) {
        sl_buf_adds(&a->last, "sluice_pipeline_last_success_timestamp_seconds{pipeline=\"");
        sl_metrics_label(&a->last, a->cur);
        sl_buf_addf(&a->last, "\"} %.3f\n", a->last_success);
    }
    const char *outcome[] = {"read", "loaded", "filtered", "rejected"};
    int64_t v[] = {a->r.read, a->r.loaded, a->r.filtered, a->r.rejected};
    for (int i = 0; i < 4; i++) {
        sl_buf_adds(&a->rows, "sluice_pipeline_rows_total{pipeline=\"");
        sl_metrics_label(&a->rows, a->cur);
        sl_buf_addf(&a->rows, "\",outcome=\"%s\"} %lld\n", outcome[i], (long long)v[i]);
    }
    sl_buf_adds(&a->errors, "sluice_pipeline_errors_total{pipeline=\"");
    sl_metrics_label(&a->errors, a->cur);
    sl_buf_addf(&a->errors, "\"} %lld\n", (long long)a->errs);
    /* per component: what the source emitted, what each sink received */
    const sl_pipeline *pl = a->p ? sl_project_find(a->p, a->cur) : NULL;
    if (pl) {
        sl_buf_adds(&a->comp, "sluice_component_received_events_total{pipeline=\"");
        sl_metrics_label(&a->comp, a->cur);
        sl_buf_adds(&a->comp, "\",component_id=\"");
        sl_metrics_label(&a->comp, pl->source.id);
        sl_buf_adds(&a->comp, "\",component_kind=\"source\",component_type=\"");
        sl_metrics_label(&a->comp, pl->source.type);
        sl_buf_addf(&a->comp, "\"} %lld\n", (long long)a->r.read);
        for (size_t k = 0; k < pl->nsinks; k++) {
            sl_buf_adds(&a->comp, "sluice_component_sent_events_total{pipeline=\"");
            sl_metrics_label(&a->comp, a->cur);
            sl_buf_adds(&a->comp, "\",component_id=\"");
            sl_metrics_label(&a->comp, pl->sinks[k].id);
            sl_buf_adds(&a->comp, "\",component_kind=\"sink\",component_type=\"");
            sl_metrics_label(&a->comp, pl->sinks[k].type);
            sl_buf_addf(&a->comp, "\"} %lld\n", (long long)a->r.loaded);
        }
        const char *reason[] = {"filtered", "rejected"};
        int64_t n[] = {a->r.filtered, a->r.rejected};
        for (int i = 0; i < 2; i++) {
            sl_buf_adds(&a->comp, "sluice_component_discarded_events_total{pipeline=\"");
            sl_metrics_label(&a->comp, a->cur);
            sl_buf_addf(&a->comp, "\",reason=\"%s\"} %lld\n", reason[i], (long long)n[i]);
        }
    }
    memset(a->le, 0, sizeof a->le);
    a->count = a->errs = 0;
    a->sum = a->last_success = 0;
    memset(&a->r, 0, sizeof a->r);
    a->cur[0] = 0;
}

static void stats_fn(void *ctx, const sl_run_stats *st)
{
    acc *a = ctx;
    if (strcmp(a->cur, st->pipeline) != 0) {
        flush(a);
        snprintf(a->cur, sizeof a->cur, "%s", st->pipeline);
    }
    if (strcmp(st->status, "running") == 0)
        return; /* not finished: counted once it ends (a counter never goes down) */
    sl_buf_adds(&a->runs, "sluice_pipeline_runs_total{pipeline=\"");
    sl_metrics_label(&a->runs, st->pipeline);
    sl_buf_adds(&a->runs, "\",status=\"");
    sl_metrics_label(&a->runs, st->status);
    sl_buf_addf(&a->runs, "\"} %lld\n", (long long)st->runs);
    for (int i = 0; i < SL_STATS_BUCKETS; i++)
        a->le[i] += st->le[i];
    a->count += st->runs;
    a->sum += st->duration_sum;
    a->r.read += st->rows.read;
    a->r.loaded += st->rows.loaded;
    a->r.filtered += st->rows.filtered;
    a->r.rejected += st->rows.rejected;
    if (strcmp(st->status, "success") == 0)
        a->last_success = st->last_finished;
    else if (strcmp(st->status, "cancelled") != 0)
        a->errs += st->runs;
}

/* ---- data quality: the latest result of every check, open incidents ---- */

typedef struct check_acc {
    sl_buf status, failures, failed;
} check_acc;

static void check_labels(sl_buf *b, const char *family, const sl_check_latest *c)
{
    sl_buf_adds(b, family);
    sl_buf_adds(b, "{node=\"");
    sl_metrics_label(b, c->node);
    sl_buf_adds(b, "\",check=\"");
    sl_metrics_label(b, c->check);
    sl_buf_adds(b, "\"");
}

static void check_fn(void *ctx, const sl_check_latest *c)
{
    check_acc *a = ctx;
    int v = strcmp(c->status, "pass") == 0 ? 0 : strcmp(c->status, "warn") == 0 ? 1 : strcmp(c->status, "fail") == 0 ? 2 : 3;
    check_labels(&a->status, "sluice_check_status", c);
    sl_buf_adds(&a->status, ",kind=\"");
    sl_metrics_label(&a->status, c->kind);
    sl_buf_adds(&a->status, "\",severity=\"");
    sl_metrics_label(&a->status, c->severity);
    sl_buf_addf(&a->status, "\"} %d\n", v);
    if (c->failures >= 0) {
        check_labels(&a->failures, "sluice_check_failures", c);
        sl_buf_addf(&a->failures, "} %lld\n", (long long)c->failures);
    }
    check_labels(&a->failed, "sluice_check_failed_total", c);
    sl_buf_addf(&a->failed, "} %lld\n", (long long)c->failed_total);
}

static const char *const incident_kinds[] = {"check_failure", "anomaly", "freshness", "schema_change"};

static void incident_fn(void *ctx, const sl_incident_row *r)
{
    int64_t *open = ctx;
    for (int i = 0; i < 4; i++)
        if (strcmp(r->kind, incident_kinds[i]) == 0)
            open[i]++;
}

static int render_quality(sl_state *s, sl_buf *out, sl_error *err)
{
    check_acc a;
    sl_buf_init(&a.status);
    sl_buf_init(&a.failures);
    sl_buf_init(&a.failed);
    int64_t open[4] = {0};
    int rc = sl_state_check_latest_each(s, check_fn, &a, err);
    if (rc == 0)
        rc = sl_state_incidents_each(s, NULL, "open", NULL, incident_fn, open, err);
    sl_buf_adds(out, "# HELP sluice_check_status Latest result of each data-quality check: 0 pass, 1 warn, 2 fail, 3 error.\n"
                     "# TYPE sluice_check_status gauge\n");
    sl_buf_add(out, a.status.data ? a.status.data : "", a.status.len);
    sl_buf_adds(out, "# HELP sluice_check_failures Failing rows in the latest result of each row-level check.\n"
                     "# TYPE sluice_check_failures gauge\n");
    sl_buf_add(out, a.failures.data ? a.failures.data : "", a.failures.len);
    sl_buf_adds(out, "# HELP sluice_check_failed_total Results of each check that failed or could not run (status fail or error).\n"
                     "# TYPE sluice_check_failed_total counter\n");
    sl_buf_add(out, a.failed.data ? a.failed.data : "", a.failed.len);
    sl_buf_adds(out, "# HELP sluice_incidents_open Open data-quality incidents (alerted once, until they clear), by kind.\n"
                     "# TYPE sluice_incidents_open gauge\n");
    for (int i = 0; i < 4; i++)
        sl_buf_addf(out, "sluice_incidents_open{kind=\"%s\"} %lld\n", incident_kinds[i], (long long)open[i]);
    sl_buf_release(&a.status);
    sl_buf_release(&a.failures);
    sl_buf_release(&a.failed);
    return rc;
}

int sl_metrics_render(sl_state *s, const sl_project *p, sl_buf *out, sl_error *err)
{
    acc a = {0};
    a.p = p;
    sl_buf *bufs[] = {&a.runs, &a.dur, &a.last, &a.rows, &a.errors, &a.comp};
    for (int i = 0; i < 6; i++)
        sl_buf_init(bufs[i]);
    int rc = sl_state_run_stats(s, NULL, stats_fn, &a, err);
    flush(&a);
    sl_buf_addf(out,
                "# HELP sluice_build_info sluice's version.\n# TYPE sluice_build_info gauge\n"
                "sluice_build_info{version=\"%s\"} 1\n",
                SLUICE_VERSION);
    static const char *const head[] = {
        "# HELP sluice_pipeline_runs_total Finished runs, by pipeline and status (from the run history).\n"
        "# TYPE sluice_pipeline_runs_total counter\n",
        "# HELP sluice_pipeline_run_duration_seconds Duration of finished runs.\n"
        "# TYPE sluice_pipeline_run_duration_seconds histogram\n",
        "# HELP sluice_pipeline_last_success_timestamp_seconds When the last successful run finished.\n"
        "# TYPE sluice_pipeline_last_success_timestamp_seconds gauge\n",
        "# HELP sluice_pipeline_rows_total Rows of finished runs by outcome (read = loaded + filtered + rejected).\n"
        "# TYPE sluice_pipeline_rows_total counter\n",
        "# HELP sluice_pipeline_errors_total Runs that failed, timed out or were interrupted.\n"
        "# TYPE sluice_pipeline_errors_total counter\n",
        NULL,
    };
    for (int i = 0; i < 5; i++) {
        sl_buf_adds(out, head[i]);
        sl_buf_add(out, bufs[i]->data ? bufs[i]->data : "", bufs[i]->len);
    }
    if (a.comp.len) {
        /* three families interleaved per pipeline: regroup them */
        static const char *const fam[] = {"sluice_component_received_events_total",
                                          "sluice_component_sent_events_total",
                                          "sluice_component_discarded_events_total"};
        static const char *const help[] = {"Rows a component received (sources: rows read).",
                                           "Rows a component sent on (sinks: rows loaded).",
                                           "Rows dropped, by reason."};
        for (int f = 0; f < 3; f++) {
            sl_buf_addf(out, "# HELP %s %s\n# TYPE %s counter\n", fam[f], help[f], fam[f]);
            size_t flen = strlen(fam[f]);
            for (const char *line = a.comp.data; line && *line;) {
                const char *nl = strchr(line, '\n');
                size_t n = nl ? (size_t)(nl - line) + 1 : strlen(line);
                if (strncmp(line, fam[f], flen) == 0 && line[flen] == '{')
                    sl_buf_add(out, line, n);
                line += n;
            }
        }
    }
    for (int i = 0; i < 6; i++)
        sl_buf_release(bufs[i]);
    sl_error qerr = {0};
    if (render_quality(s, out, &qerr) < 0 && rc == 0) {
        *err = qerr;
        rc = -1;
    }
    return rc;
}

static int64_t count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return 0;
    int64_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n - 1; /* the directory handle itself */
}

static double start_time(void)
{
    /* field 22 of /proc/self/stat: start time in clock ticks after boot */
    FILE *f = fopen("/proc/self/stat", "r");
    char buf[1024];
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    unsigned long long ticks = 0;
    if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
                    &ticks) == 1) {
        FILE *u = fopen("/proc/uptime", "r");
        double up = 0;
        if (u) {
            if (fscanf(u, "%lf", &up) != 1)
                up = 0;
            fclose(u);
        }
        double now = (double)time(NULL);
        return now - up + (double)ticks / (double)sysconf(_SC_CLK_TCK);
    }
    return 0;
}

/* Bytes of heap the process has allocated and not freed: what the
 * allocator hands out, without its free lists, arenas or (under
 * AddressSanitizer) quarantine and shadow memory. RSS mixes both; a leak
 * shows here first. glibc's mallinfo2(): uordblks (in use from the arenas)
 * + hblkhd (in use in mmapped chunks); ASan replaces malloc, so ask it. */
#if defined(__SANITIZE_ADDRESS__)
static long long heap_inuse(void)
{
    return (long long)__sanitizer_get_current_allocated_bytes();
}
#else
static long long heap_inuse(void)
{
    struct mallinfo2 mi = mallinfo2();
    return (long long)(mi.uordblks + mi.hblkhd);
}
#endif

void sl_metrics_process(sl_buf *out)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu =
        (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    long pages_total = 0, pages_res = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages_total, &pages_res) != 2)
            pages_total = pages_res = 0;
        fclose(f);
    }
    long page = sysconf(_SC_PAGESIZE);
    sl_buf_addf(out,
                "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
                "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %.3f\n"
                "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
                "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %lld\n"
                "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
                "# TYPE process_virtual_memory_bytes gauge\nprocess_virtual_memory_bytes %lld\n"
                "# HELP process_open_fds Number of open file descriptors.\n"
                "# TYPE process_open_fds gauge\nprocess_open_fds %lld\n"
                "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
                "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %.2f\n"
                "# HELP sluice_heap_inuse_bytes Heap bytes allocated and not yet freed (allocator caches excluded).\n"
                "# TYPE sluice_heap_inuse_bytes gauge\nsluice_heap_inuse_bytes %lld\n",
                cpu, (long long)pages_res * page, (long long)pages_total * page, (long long)count_fds(), start_time(),
                heap_inuse());
}
