/* stubs_h4.c: placeholder for sources/stream.c (helper h4 deletes this file). */
#include "sources/stream.h"
#include "core/mem.h"
double sl_stream_interval(const sl_stream_opts *o) { (void)o; return 1; }
int sl_stream_check(sl_instance *in, const sl_stream_opts *o, sl_diags *d) { (void)in; (void)o; (void)d; return 0; }
int sl_stream_open(sl_instance *in, sl_stream_source *st, sl_run *run, sl_resume_fn resume, sl_error *err)
{ (void)in; (void)st; (void)run; (void)resume; return sl_error_set(err, SL_EIO, "stream sources: not built yet"); }
int sl_stream_next(sl_instance *in, sl_batch *b, sl_error *err) { (void)in; (void)b; (void)err; return 0; }
int sl_stream_done(sl_instance *in, sl_run *run, sl_error *err) { (void)in; (void)run; (void)err; return 0; }
void sl_stream_close(sl_instance *in) { (void)in; }
char *sl_stream_spool_dir(const sl_project *p, const char *pipeline) { return sl_printf("%s/.sluice/spool/%s", p->dir, pipeline); }
