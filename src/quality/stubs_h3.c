/* stubs_h3.c: placeholders for profiles (h3 replaces this file). */
#include "quality/profile.h"
#include "state/quality_store.h"
sl_profiler *sl_profiler_new(void) { return NULL; }
void sl_profiler_add(sl_profiler *p, const sl_batch *b, const uint8_t *skip) { (void)p; (void)b; (void)skip; }
void sl_profiler_result(const sl_profiler *p, sl_profile *out) { (void)p; out->rows = 0; out->cols = NULL; out->ncols = 0; }
void sl_profiler_free(sl_profiler *p) { (void)p; }
int sl_profile_relation(struct sl_adapter *a, const char *schema, const char *identifier, sl_profile *out, sl_error *err) { (void)a; (void)schema; (void)identifier; (void)out; (void)err; return -1; }
void sl_profile_release(sl_profile *p) { (void)p; }
sl_hll *sl_hll_new(void) { return NULL; }
void sl_hll_add_hash(sl_hll *h, uint64_t hash) { (void)h; (void)hash; }
double sl_hll_estimate(const sl_hll *h) { (void)h; return 0; }
void sl_hll_free(sl_hll *h) { (void)h; }
int sl_state_profile_add(sl_state *s, const char *run_id, const char *node, const sl_profile *p, sl_error *err) { (void)s; (void)run_id; (void)node; (void)p; (void)err; return 0; }
int sl_state_profiles_json(sl_state *s, const char *node, const char *column, int runs, sl_buf *out, sl_error *err) { (void)s; (void)node; (void)column; (void)runs; (void)err; sl_buf_adds(out, "[]"); return 0; }
int sl_state_profile_latest(sl_state *s, const char *node, sl_profile *out, sl_error *err) { (void)s; (void)node; (void)err; out->rows = 0; out->cols = NULL; out->ncols = 0; return 0; }
