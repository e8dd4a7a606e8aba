/* stubs_h5.c: placeholders for check results and incidents (h5 replaces this file). */
#include "sched/incidents.h"
#include "state/quality_store.h"
const char *sl_incident_kind_name(sl_incident_kind k) { static const char *const n[] = {"check_failure", "anomaly", "freshness", "schema_change"}; return (unsigned)k < 4 ? n[k] : "?"; }
int sl_incident_report(sl_state *s, sl_alerter *al, sl_incident_kind kind, const char *key, const char *node, int failing, const char *message, const char *details, sl_error *err) { (void)s; (void)al; (void)kind; (void)key; (void)node; (void)failing; (void)message; (void)details; (void)err; return 0; }
int sl_incident_report_run_checks(sl_state *s, sl_alerter *al, const char *run_id, sl_error *err) { (void)s; (void)al; (void)run_id; (void)err; return 0; }
int sl_state_check_results_add(sl_state *s, const char *run_id, const sl_check_result *r, size_t n, sl_error *err) { (void)s; (void)run_id; (void)r; (void)n; (void)err; return 0; }
int sl_state_check_results_json(sl_state *s, const char *run_id, const char *node, const char *status, int latest, int limit, sl_buf *out, sl_error *err) { (void)s; (void)run_id; (void)node; (void)status; (void)latest; (void)limit; (void)err; sl_buf_adds(out, "[]"); return 0; }
int sl_state_check_latest_each(sl_state *s, void (*fn)(void *ctx, const sl_check_latest *c), void *ctx, sl_error *err) { (void)s; (void)fn; (void)ctx; (void)err; return 0; }
int sl_state_incident(sl_state *s, const char *key, const char *kind, const char *node, int failing, const char *message, int *changed, sl_error *err) { (void)s; (void)key; (void)kind; (void)node; (void)failing; (void)message; (void)err; *changed = 0; return 0; }
int sl_state_incidents_json(sl_state *s, const char *status, int limit, sl_buf *out, sl_error *err) { (void)s; (void)status; (void)limit; (void)err; sl_buf_adds(out, "[]"); return 0; }
