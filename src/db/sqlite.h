/*
 * sqlite.h: opening SQLite connections. Every connection sluice opens (the
 * warehouse sink and source, the state store, the WAL checkpointer, the
 * expression engine) goes through sl_sqlite_open, which first applies the
 * process-wide settings once:
 *
 *   memory statistics off   SQLite otherwise takes one global mutex around
 *                           every allocation to keep its counters, and the
 *                           transform and sink threads allocate millions of
 *                           times per run (JSONL filter: 2.07 -> 1.85 s CPU).
 *
 * A setting SQLite refuses because the process initialised it before us
 * (an application embedding libsluice that uses SQLite itself) is skipped.
 */
#ifndef SL_SQLITE_H
#define SL_SQLITE_H
#include <sqlite3.h>

/* sqlite3_open_v2 after the one-time settings; on failure *db may still
 * need sqlite3_close, as with sqlite3_open_v2. */
int sl_sqlite_open(const char *path, sqlite3 **db, int flags);

#endif
