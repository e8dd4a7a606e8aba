/*
 * filesink.h: what the csv and jsonl sinks share.
 *
 * Rows are appended to "<path>.sluice-tmp" and the file is renamed to
 * <path> when the run finishes, so readers only ever see complete files.
 * At most every SL_FILESINK_SYNC_S seconds (and at the end) the data is
 * flushed (fdatasync) and ONE state-store checkpoint records both the temp
 * file's length and every input position, atomically. On resume the temp
 * file is cut back to that length and rows before the positions are
 * skipped: a crash neither loses nor repeats rows.
 */
#ifndef SL_FILESINK_H
#define SL_FILESINK_H
#include "engine/component.h"
#include "engine/run.h"
#include "sinks/posmap.h"

#define SL_FILESINK_SYNC_S 1.0

typedef struct sl_filesink {
    sl_run *run;
    const char *id;
    char *path, *tmp, *dir; /* the output, its temporary file, their folder */
    int fd, finished;
    int64_t bytes;             /* durable (checkpointed) length of the temp file */
    int64_t written;           /* bytes written so far, synced or not */
    double last_sync;
    sl_posmap positions;       /* committed, from the checkpoint (read-only during the run) */
    sl_posmap pending;         /* positions including this run's commits */
    sl_buf out;                /* formatted rows of the current batch */
    int64_t out_rows;          /* rows in out */
    int64_t rows;              /* rows committed by this run (rows_created) */
    char **header;             /* csv: the columns in the header */
    size_t nheader;
} sl_filesink;

int sl_filesink_open(sl_filesink *fs, sl_instance *in, sl_run *run, const char *path, sl_error *err);
int sl_filesink_position(sl_filesink *fs, const char *key, sl_resume *pos, int *found);
int sl_filesink_commit(sl_filesink *fs, const sl_batch *b, sl_error *err);
int sl_filesink_finish(sl_filesink *fs, sl_error *err);
/* Write-audit-publish refused the run (engine/checks.h): the temp file and
 * this sink's checkpoint go; <path> keeps what it held. */
int sl_filesink_discard(sl_filesink *fs, sl_error *err);
void sl_filesink_close(sl_filesink *fs);

#endif
