/* stubs_h4.c: placeholders for monitors and anomaly detection (h4 replaces this file). */
#include "quality/monitor.h"
#include "state/quality_store.h"
#include <string.h>
void sl_monitor_config_defaults(sl_monitor_config *c) { memset(c, 0, sizeof *c); for (int i = 0; i < SL_MON_N; i++) c->enabled[i] = 1; }
int sl_monitor_config_load(struct fy_node *v, const char *file, sl_monitor_config *c, sl_diags *d) { (void)v; (void)file; (void)d; sl_monitor_config_defaults(c); c->set = 1; return 0; }
const sl_monitor_config *sl_monitor_config_pick(const sl_monitor_config *c, const sl_monitor_config *parent) { return c && c->set ? c : parent; }
int sl_monitor_after_run(sl_state *s, struct sl_alerter *al, const sl_monitor_config *c, const sl_monitor_run *r, sl_error *err) { (void)s; (void)al; (void)c; (void)r; (void)err; return 0; }
int sl_monitor_freshness(sl_state *s, struct sl_alerter *al, const struct sl_project *p, int64_t now, sl_error *err) { (void)s; (void)al; (void)p; (void)now; (void)err; return 0; }
int sl_state_monitor_point_add(sl_state *s, const sl_monitor_point *p, sl_error *err) { (void)s; (void)p; (void)err; return 0; }
int sl_state_monitor_series(sl_state *s, const char *monitor, int limit, void (*fn)(void *ctx, const sl_monitor_point *p), void *ctx, sl_error *err) { (void)s; (void)monitor; (void)limit; (void)fn; (void)ctx; (void)err; return 0; }
int sl_state_monitors_json(sl_state *s, const char *node, sl_buf *out, sl_error *err) { (void)s; (void)node; (void)err; sl_buf_adds(out, "[]"); return 0; }
