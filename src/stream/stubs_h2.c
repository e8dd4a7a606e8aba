/* stubs_h2.c: placeholder for stream/ingest.c (helper h2 deletes this file). */
#include "stream/ingest.h"
#include "core/mem.h"
#include <stdarg.h>
int sl_ingest_start(sl_project *p, sl_ingest_set **out, sl_error *err) { (void)p; (void)err; *out = NULL; return 0; }
void sl_ingest_stop(sl_ingest_set *s) { (void)s; }
sl_spool *sl_ingest_spool(sl_ingest_set *s, const char *pipeline) { (void)s; (void)pipeline; return NULL; }
int64_t sl_ingest_received(sl_ingest_set *s, const char *pipeline) { (void)s; (void)pipeline; return 0; }
sl_ingest_endpoint *sl_ingest_route(sl_ingest_set *s, const char *path) { (void)s; (void)path; return NULL; }
