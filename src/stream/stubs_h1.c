/* stubs_h1.c: placeholder for stream/spool.c (helper h1 deletes this file). */
#include "stream/spool.h"
#include <stdlib.h>
int sl_spool_open(const char *dir, const sl_spool_opts *o, sl_spool **out, sl_error *err)
{ (void)dir; (void)o; *out = NULL; return sl_error_set(err, SL_EIO, "spool: not built yet"); }
void sl_spool_close(sl_spool *sp) { (void)sp; }
int sl_spool_append(sl_spool *sp, const sl_spool_rec *recs, size_t n, int64_t *ticket, sl_error *err)
{ (void)sp; (void)recs; (void)n; (void)ticket; return sl_error_set(err, SL_EIO, "spool: not built yet"); }
int sl_spool_wait(sl_spool *sp, int64_t ticket, sl_error *err) { (void)sp; (void)ticket; (void)err; return -1; }
void sl_spool_on_durable(sl_spool *sp, int64_t ticket, sl_spool_durable_fn fn, void *ctx) { (void)sp; (void)ticket; fn(ctx, 0); }
int64_t sl_spool_durable_end(sl_spool *sp) { (void)sp; return 0; }
int64_t sl_spool_end(sl_spool *sp) { (void)sp; return 0; }
int64_t sl_spool_start(sl_spool *sp) { (void)sp; return 0; }
int64_t sl_spool_pending_bytes(sl_spool *sp) { (void)sp; return 0; }
void sl_spool_release(sl_spool *sp, const char *consumer, int64_t offset) { (void)sp; (void)consumer; (void)offset; }
void sl_spool_forget(sl_spool *sp, const char *consumer) { (void)sp; (void)consumer; }
int sl_spool_reader_open(const char *dir, int64_t from, sl_spool_reader **out, int64_t *skipped, sl_error *err)
{ (void)dir; (void)from; (void)skipped; *out = NULL; return sl_error_set(err, SL_EIO, "spool: not built yet"); }
int sl_spool_read(sl_spool_reader *r, sl_spool_rec *rec, double timeout_s, sl_error *err)
{ (void)r; (void)rec; (void)timeout_s; (void)err; return 0; }
int64_t sl_spool_reader_offset(const sl_spool_reader *r) { (void)r; return 0; }
void sl_spool_reader_close(sl_spool_reader *r) { (void)r; }
