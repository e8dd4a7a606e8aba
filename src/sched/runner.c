/* runner.c: see runner.h. */
#include "sched/runner.h"
#include "core/log.h"
#include "core/mem.h"
#include "quality/monitor.h"
#include "sched/incidents.h"
#include "sched/schedule.h"
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define LOG_TAIL_BYTES (64 * 1024)

int sl_status_failing(const char *s)
{
    return strcmp(s, "failed") == 0 || strcmp(s, "timeout") == 0 || strcmp(s, "interrupted") == 0;
}

static int stopped(const sl_job *j)
{
    return (j->stop && atomic_load(j->stop)) || (j->opts.cancel && atomic_load(j->opts.cancel));
}

/* Sleep up to s seconds, waking early when the job is stopped. */
static void nap(const sl_job *j, double s)
{
    double end = sl_mono_s() + s;
    while (!stopped(j) && sl_mono_s() < end) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static void alert(sl_job *j, sl_alert_kind kind)
{
    sl_alert_event ev = {0};
    ev.kind = kind;
    snprintf(ev.pipeline, sizeof ev.pipeline, "%s", j->pipeline->name);
    snprintf(ev.run_id, sizeof ev.run_id, "%s", j->res.run_id);
    snprintf(ev.status, sizeof ev.status, "%s", j->res.status);
    snprintf(ev.error, sizeof ev.error, "%s", j->res.error);
    ev.counts = j->res.counts;
    ev.duration_s = j->res.duration_s;
    ev.attempts = j->attempts;
    ev.time = (int64_t)time(NULL);
    sl_alerter_send(j->alerter, &ev);
}

/* Data quality after the last attempt (docs/QUALITY.md): the run's check
 * results become incidents (alerted once until they clear), and its
 * counts, profile and schema changes points of the pipeline's monitors.
 * Problems here are logged: they never change the run's status. */
static void after_run_quality(sl_job *j, sl_state *state)
{
    sl_error err = {0};
    if (sl_incident_report_run_checks(state, j->alerter, j->res.run_id, &err) < 0)
        sl_log_warn("%s: check incidents: %s", j->pipeline->name, err.msg);
    char *node = sl_printf("pipeline.%s.%s", j->project->name, j->pipeline->name);
    sl_monitor_run mr = {0};
    mr.node = node;
    mr.run_id = j->res.run_id;
    mr.at = (int64_t)time(NULL);
    mr.status = j->res.status;
    mr.rows_read = j->res.counts.read;
    mr.rows_loaded = j->res.counts.loaded;
    mr.rows_rejected = j->res.counts.rejected;
    sl_error_clear(&err);
    if (sl_monitor_after_run(state, j->alerter, sl_monitor_config_pick(&j->pipeline->monitors, &j->project->monitors),
                             &mr, &err) < 0)
        sl_log_warn("%s: monitors: %s", j->pipeline->name, err.msg);
    sl_free(node);
}

int sl_job_run(sl_job *j)
{
    sl_pipeline *pl = j->pipeline;
    const sl_schedule *sc = pl->schedule;
    sl_state *state = j->state;
    sl_error err = {0};
    memset(&j->res, 0, sizeof j->res);
    j->attempts = 0;
    if (!state && sl_state_open_project(j->project, &state, &err) < 0) {
        snprintf(j->res.status, sizeof j->res.status, "failed");
        snprintf(j->res.error, sizeof j->res.error, "state store: %s", err.msg);
        return -1;
    }
    char before[16] = "";
    sl_state_last_status(state, pl->name, NULL, before, &err);
    if (j->opts.timeout_s <= 0 && sc)
        j->opts.timeout_s = (double)sc->timeout_s;
    int max_attempts = 1 + (sc && !j->opts.dry_run ? sc->retry_attempts : 0);
    int rc = -1;
    sl_log_tail *saved = sl_log_capture_current();
    for (int attempt = 1; attempt <= max_attempts; attempt++) {
        if (attempt > 1) {
            double wait = (double)sc->retry_backoff_s * (double)(1u << (attempt - 2 > 10 ? 10 : attempt - 2));
            sl_log_warn("%s: attempt %d of %d failed (%s); retrying in %.0fs", pl->name, attempt - 1, max_attempts,
                        j->res.status, wait);
            nap(j, wait);
            if (stopped(j))
                break;
        }
        j->attempts = attempt;
        sl_log_tail *tail = sl_log_tail_new(LOG_TAIL_BYTES);
        sl_log_capture(tail);
        sl_log_tail_note(tail, SL_LOG_INFO, "%s: started by %s (attempt %d of %d)", pl->name,
                         j->trigger ? j->trigger : "manual", attempt, max_attempts);
        sl_error_clear(&err);
        rc = sl_pipeline_run(j->project, pl, state, &j->opts, &j->res, &err);
        j->opts.run_id = NULL; /* a queued run's id names its first attempt; retries get their own */
        sl_log_capture(saved);
        sl_log_tail_note(tail, rc == 0 ? SL_LOG_INFO : SL_LOG_ERROR,
                         "%s: %s: read %lld, loaded %lld, filtered %lld, rejected %lld in %.2fs%s%s", pl->name,
                         j->res.status, (long long)j->res.counts.read, (long long)j->res.counts.loaded,
                         (long long)j->res.counts.filtered, (long long)j->res.counts.rejected, j->res.duration_s,
                         j->res.error[0] ? ": " : "", j->res.error);
        if (j->res.run_id[0] && strcmp(j->res.run_id, "dry-run") != 0) {
            char *text = sl_log_tail_text(tail);
            sl_error ignored;
            sl_state_run_log(state, j->res.run_id, j->trigger ? j->trigger : "manual", text, &ignored);
            sl_free(text);
        }
        sl_log_tail_free(tail);
        /* cancelled (shutdown, Ctrl-C) and refused (busy) runs are not retried */
        if (rc == 0 || strcmp(j->res.status, "cancelled") == 0 || err.code == SL_EBUSY || err.code == SL_ECONFIG)
            break;
    }
    if (!j->opts.dry_run && j->res.run_id[0] && strcmp(j->res.run_id, "dry-run") != 0)
        after_run_quality(j, state);
    if (!j->opts.dry_run && j->alerter) {
        if (rc < 0 && sl_status_failing(j->res.status) && !sl_status_failing(before))
            alert(j, SL_ALERT_FAILURE);
        else if (rc == 0 && sl_status_failing(before))
            alert(j, SL_ALERT_RECOVERY);
    }
    if (state != j->state)
        sl_state_close(state);
    return rc;
}
