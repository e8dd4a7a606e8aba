/* h4_stubs.c: TEMPORARY weak stand-ins for the execute-mode compiler (h5)
 * so the executor links before it lands; removed when it is merged. */
#include "models/graph.h"

#define WEAK __attribute__((weak))

WEAK int sl_graph_compile(sl_graph *g, size_t i, int inc, sl_buf *out, sl_error *err)
{
    (void)g, (void)i, (void)inc, (void)out;
    return sl_error_set(err, SL_EUSAGE, "the models compiler is not built yet");
}
WEAK int sl_graph_compile_test(sl_graph *g, size_t i, sl_buf *out, sl_error *err)
{
    (void)g, (void)i, (void)out;
    return sl_error_set(err, SL_EUSAGE, "the models compiler is not built yet");
}
