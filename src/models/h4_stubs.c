/* h4_stubs.c: TEMPORARY weak stand-ins for the graph loader (h2), the
 * adapters and materializations (h3) so the executor links before those
 * land; each fails with "not built yet". Removed when they are merged. */
#include "models/adapter.h"
#include "models/graph.h"
#include "models/materialize.h"
#include <string.h>

#define WEAK __attribute__((weak))
#define NOT_YET(err) sl_error_set((err), SL_EUSAGE, "the models layer is not built yet")

WEAK int sl_graph_load(const struct sl_project *p, const sl_graph_opts *o, sl_graph **out, sl_diags *d)
{
    (void)p, (void)o, (void)d;
    *out = NULL;
    return -1;
}
WEAK void sl_graph_free(sl_graph *g) { (void)g; }
WEAK int64_t sl_graph_find(const sl_graph *g, const char *name) { (void)g, (void)name; return -1; }
WEAK void sl_graph_order(const sl_graph *g, size_t *order)
{
    for (size_t i = 0; i < g->n; i++)
        order[i] = i;
}
WEAK int sl_graph_select(const sl_graph *g, const char *select, const char *exclude, uint8_t *sel, sl_error *err)
{
    (void)select, (void)exclude;
    memset(sel, 1, g->n);
    (void)err;
    return 0;
}
WEAK int sl_graph_compile(sl_graph *g, size_t i, int inc, sl_buf *out, sl_error *err)
{
    (void)g, (void)i, (void)inc, (void)out;
    return NOT_YET(err);
}
WEAK int sl_graph_compile_test(sl_graph *g, size_t i, sl_buf *out, sl_error *err)
{
    (void)g, (void)i, (void)out;
    return NOT_YET(err);
}
WEAK int sl_adapter_open(const struct sl_project *p, sl_adapter **out, sl_error *err)
{
    (void)p;
    *out = NULL;
    return NOT_YET(err);
}
WEAK void sl_adapter_close(sl_adapter *a) { (void)a; }
WEAK const char *sl_adapter_type(const sl_adapter *a) { (void)a; return "sqlite"; }
WEAK const char *sl_adapter_schema(const sl_adapter *a) { (void)a; return "main"; }
WEAK void sl_adapter_relation_sql(const sl_adapter *a, sl_relation r, sl_buf *out)
{
    (void)a, (void)r, (void)out;
}
WEAK int sl_adapter_exec(sl_adapter *a, const char *sql, sl_error *err) { (void)a, (void)sql; return NOT_YET(err); }
WEAK int sl_adapter_begin(sl_adapter *a, sl_error *err) { (void)a; return NOT_YET(err); }
WEAK int sl_adapter_commit(sl_adapter *a, sl_error *err) { (void)a; return NOT_YET(err); }
WEAK void sl_adapter_rollback(sl_adapter *a) { (void)a; }
WEAK int sl_adapter_scalar(sl_adapter *a, const char *sql, int64_t *out, sl_error *err)
{
    (void)a, (void)sql, (void)out;
    return NOT_YET(err);
}
WEAK int sl_adapter_query(sl_adapter *a, const char *sql, size_t max_rows,
                          int (*fn)(void *, size_t, const char *const *, const char *const *), void *ctx,
                          sl_error *err)
{
    (void)a, (void)sql, (void)max_rows, (void)fn, (void)ctx;
    return NOT_YET(err);
}
WEAK int sl_adapter_ensure_schema(sl_adapter *a, const char *schema, sl_error *err)
{
    (void)a, (void)schema;
    return NOT_YET(err);
}
WEAK int sl_materialize_is_incremental(sl_adapter *a, const sl_node *n, int fr, int *yes, sl_error *err)
{
    (void)a, (void)n, (void)fr, (void)yes;
    return NOT_YET(err);
}
WEAK int sl_materialize_model(sl_adapter *a, const sl_node *n, const char *sql, int fr, sl_mat_result *res,
                              sl_error *err)
{
    (void)a, (void)n, (void)sql, (void)fr, (void)res;
    return NOT_YET(err);
}
WEAK int sl_materialize_snapshot(sl_adapter *a, const sl_node *n, const char *sql, sl_mat_result *res, sl_error *err)
{
    (void)a, (void)n, (void)sql, (void)res;
    return NOT_YET(err);
}
WEAK int sl_materialize_seed(sl_adapter *a, const struct sl_project *p, const sl_node *n, sl_mat_result *res,
                             sl_error *err)
{
    (void)a, (void)p, (void)n, (void)res;
    return NOT_YET(err);
}
WEAK int sl_graph_write_manifest(const sl_graph *g, sl_error *err)
{
    (void)g;
    return NOT_YET(err);
}
