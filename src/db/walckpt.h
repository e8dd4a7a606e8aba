/*
 * walckpt.h: a background WAL checkpointer for an SQLite database that one
 * connection bulk-loads.
 *
 * In WAL mode with synchronous=NORMAL a commit does not fsync; a checkpoint
 * (copying the WAL back into the database file) does. Run by the writer
 * alone, checkpoints stalled a bulk load on the disk. This thread runs
 * PASSIVE checkpoints on its own connection (they never block the writer),
 * so the copying and most of the syncing happen beside the load. The log
 * can only restart once it is copied completely at the moment a write
 * transaction begins, which a busy writer never gives this thread: the
 * writer keeps its own automatic checkpoint at a size limit, and finds
 * little left to copy when it gets there.
 */
#ifndef SL_WALCKPT_H
#define SL_WALCKPT_H

typedef struct sl_walckpt sl_walckpt;

/* Start checkpointing the database at path every interval_ms; NULL if the
 * database cannot be opened (the writer then keeps its own checkpoints). */
sl_walckpt *sl_walckpt_start(const char *path, int interval_ms);
/* Stop the thread (after its current checkpoint) and close its connection. */
void sl_walckpt_stop(sl_walckpt *c);

#endif
