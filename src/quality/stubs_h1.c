/* stubs_h1.c: placeholders for the checks core (h1 replaces this file). */
#include "quality/check.h"
#include <string.h>
static const char *const kind_names[] = {
#define X(id, name, family) name,
    SL_CHECK_KINDS
#undef X
};
const char *sl_check_kind_name(sl_check_kind k) { return (unsigned)k < SL_CHECK_NKINDS ? kind_names[k] : NULL; }
int sl_check_kind_find(const char *name) { for (int i = 0; i < SL_CHECK_NKINDS; i++) if (strcmp(kind_names[i], name) == 0) return i; return -1; }
int sl_check_kind_is_row(sl_check_kind k) { (void)k; return 0; }
int sl_check_kind_in_stream(sl_check_kind k) { (void)k; return 0; }
int sl_checks_load(struct fy_node *v, const char *file, const char *where, sl_check_list *out, sl_diags *d) { (void)v; (void)file; (void)where; (void)out; (void)d; return 0; }
int sl_check_load_one(const char *kind, const char *column, struct fy_node *args, const char *file, sl_loc loc, const char *where, sl_check *out, sl_diags *d) { (void)kind; (void)column; (void)args; (void)file; (void)loc; (void)where; (void)out; (void)d; return 0; }
void sl_check_release(sl_check *c) { (void)c; }
void sl_checks_free(sl_check_list *l) { (void)l; }
sl_check_on_fail sl_check_effective_on_fail(const sl_check *c) { return c->severity == SL_SEVERITY_WARN ? SL_ON_FAIL_ALERT : SL_ON_FAIL_FAIL; }
char *sl_check_threshold_text(const sl_check *c) { (void)c; return NULL; }
void sl_checks_help(sl_buf *out) { (void)out; }
void sl_check_result_release(sl_check_result *r) { (void)r; }
void sl_check_judge(const sl_check *c, const char *node, double observed, int64_t failures, int64_t rows, sl_check_result *r) { (void)c; (void)node; (void)observed; (void)failures; (void)rows; (void)r; }
int sl_check_fail_predicate(const sl_check *c, sl_sql_dialect d, sl_buf *out, sl_error *err) { (void)c; (void)d; (void)out; (void)err; return -1; }
int sl_check_build_sql(const sl_check *c, sl_sql_dialect d, const char *rel, const char *other, sl_check_sql *out, sl_error *err) { (void)c; (void)d; (void)rel; (void)other; (void)out; (void)err; return -1; }
void sl_check_sql_release(sl_check_sql *s) { (void)s; }
int sl_check_run(struct sl_adapter *a, const sl_check *c, const sl_check_target *t, sl_check_result *r) { (void)a; (void)c; (void)t; (void)r; return -1; }
int sl_quality_register_sqlite(struct sqlite3 *db, sl_error *err) { (void)db; (void)err; return 0; }
int sl_format_valid(const char *format, const char *value, size_t len) { (void)format; (void)value; (void)len; return -1; }
