/*
 * failpoint.h: named failure points for tests.
 *
 * SLUICE_FAILPOINTS="name=action[@N],name2=action" arms them, where action is
 * `crash` (SIGKILL ourselves, like a power cut) or `error` (the call site
 * returns an error), and @N makes it fire on the Nth hit only (default 1st);
 * or `sleepMS`: every hit waits MS milliseconds (a slow load, for timeout
 * and shutdown tests).
 * Unarmed failpoints cost one branch on a global flag.
 *
 * The commit path has: sink.before_data, sink.after_data,
 * sink.before_checkpoint, sink.after_commit (see engine/pipeline.c).
 * Readers and typing have source.record (once per record of a file
 * source) and typing.column (once per column of a batch): with sleepMS
 * they make a run slow where cancellation must reach it.
 * `sluice build` (models/build.c) has build.node (before each node runs)
 * and build.node_done (after it finished, before the next starts), and
 * build.audit (a model's write-audit-publish, the staged data unpublished).
 */
#ifndef SL_FAILPOINT_H
#define SL_FAILPOINT_H

/* Returns 1 when the failpoint fires with action `error`; never returns
 * when it fires with `crash`; returns 0 otherwise. */
int sl_failpoint(const char *name);

#endif
