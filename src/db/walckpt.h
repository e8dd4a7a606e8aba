/*
 * walckpt.h: a background WAL checkpointer for an SQLite database that one
 * connection bulk-loads.
 *
 * In WAL mode with synchronous=NORMAL a commit does not fsync; a checkpoint
 * (copying the WAL back into the database file) does. Run by the writer
 * alone, checkpoints stalled a bulk load on the disk. This thread runs a
 * PASSIVE checkpoint (never blocking the writer) on its own connection
 * once the writer has committed pass_frames frames since the last pass
 * (the SQLite sink: after every commit), asks the kernel to start writing
 * the log's new pages out at every commit (so a pass's fsync of the log
 * finds them on their way), so the copying and the log's disk writes
 * happen beside the load. It never opens the database file itself (see
 * walckpt.c: closing it would drop the process's SQLite locks). The log can only restart once it is copied
 * completely at the moment a write transaction begins, which a busy writer
 * never gives this thread: past a size limit the writer completes the copy
 * itself (sl_walckpt_complete), finding little left to copy or sync, and
 * its next transaction restarts the log. The writer's last commit of a
 * run (sl_walckpt_flush) and stopping run a last pass, so the writer's
 * close has little left to do.
 */
#ifndef SL_WALCKPT_H
#define SL_WALCKPT_H
#include <stdint.h>

typedef struct sl_walckpt sl_walckpt;
struct sqlite3;

/* Start checkpointing the database at path, a pass each time the writer
 * has committed pass_frames frames (pages) since the last one (at least
 * 1); NULL if it cannot be opened (the writer then keeps its own
 * checkpoints). */
sl_walckpt *sl_walckpt_start(const char *path, int64_t pass_frames);
/* The writer committed and its log now holds `frames` frames (SQLite's wal
 * hook): the thread hints the log's writeback at once and runs a pass once
 * pass_frames were committed since the last one (passes coalesce). NULL:
 * no-op. */
void sl_walckpt_kick(sl_walckpt *c, int frames);
/* The writer's last commit of a run is done: a pass now (not at the next
 * pass_frames or when idle), so that the log is copied while the run
 * records its results and stop finds little left. NULL: no-op. */
void sl_walckpt_flush(sl_walckpt *c);
/* The writer (its connection, outside a transaction) is past its size
 * limit: checkpoint on that connection, waiting for a pass of this thread
 * to end first rather than colliding with it (two checkpoints at once: the
 * second gets SQLITE_BUSY, copies nothing, and the log cannot restart; on
 * a loaded machine that happened commit after commit and the log grew to
 * three times its limit). PASSIVE still: it never waits for a reader. With
 * c NULL the writer just checkpoints. */
void sl_walckpt_complete(sl_walckpt *c, struct sqlite3 *writer);
/* Run a last pass, stop the thread and close its connection. NULL: no-op. */
void sl_walckpt_stop(sl_walckpt *c);

#endif
