/* stubs_h5.c: placeholders for incidents (h5 replaces this file). */
#include "sched/incidents.h"
#include "state/quality_store.h"
const char *sl_incident_kind_name(sl_incident_kind k) { static const char *const n[] = {"check_failure", "anomaly", "freshness", "schema_change"}; return (unsigned)k < 4 ? n[k] : "?"; }
int sl_incident_report(sl_state *s, sl_alerter *al, sl_incident_kind kind, const char *key, const char *node, int failing, const char *message, const char *details, sl_error *err) { (void)s; (void)al; (void)kind; (void)key; (void)node; (void)failing; (void)message; (void)details; (void)err; return 0; }
int sl_incident_report_run_checks(sl_state *s, sl_alerter *al, const char *run_id, sl_error *err) { (void)s; (void)al; (void)run_id; (void)err; return 0; }
