/*
 * incidents.h: data-quality alerts, one per incident (docs/QUALITY.md
 * "Alerts"). A check that fails, a monitor that finds an anomaly, a stale
 * table or a schema change is an incident keyed by what it is about
 * ("check|<node>|<check>", "anomaly|<monitor>", "freshness|<node>",
 * "schema_change|<node>"). The first report of a failing key opens the
 * incident and sends one alert to every channel whose `on:` takes the
 * kind (check_failure, anomaly, freshness, schema_change); later reports
 * while it is open send nothing; the first passing report closes it and
 * sends one recovery message. The state lives in the state store
 * (state/quality_store.h: incidents), so this holds across runs,
 * processes and machines sharing the store.
 */
#ifndef SL_SCHED_INCIDENTS_H
#define SL_SCHED_INCIDENTS_H
#include "core/error.h"
#include "sched/alerts.h"
#include "state/state.h"

typedef enum sl_incident_kind {
    SL_INCIDENT_CHECK_FAILURE,
    SL_INCIDENT_ANOMALY,
    SL_INCIDENT_FRESHNESS,
    SL_INCIDENT_SCHEMA_CHANGE,
} sl_incident_kind;

/* "check_failure", "anomaly", "freshness", "schema_change" */
const char *sl_incident_kind_name(sl_incident_kind k);

/* Report the state of incident `key` about `node`: failing = 1 with a
 * message (one line: what failed, observed vs expected), or 0 when it
 * holds again. Alerts go through al (NULL: recorded, nothing sent).
 * details: more lines for the alert body (schema change: the columns
 * added, widened or dropped), or NULL. */
int sl_incident_report(sl_state *s, sl_alerter *al, sl_incident_kind kind, const char *key, const char *node,
                       int failing, const char *message, const char *details, sl_error *err);

/* The check results of run run_id (state/quality_store.h) as incidents:
 * status warn, fail or error report "check|<node>|<check>" failing, pass
 * clears it. Called after every pipeline run (sched/runner.c) and build. */
int sl_incident_report_run_checks(sl_state *s, sl_alerter *al, const char *run_id, sl_error *err);

#endif
