/*
 * progress.h: the progress bar drawn on stderr during long runs:
 *   contacts [=========>          ] 48%  480,112 rows  61.2 MB/s  ETA 3s
 * Drawn only when enabled (stderr is a terminal, not --quiet, not --json),
 * at most 10 times a second, and erased at the end.
 */
#ifndef SL_PROGRESS_H
#define SL_PROGRESS_H
#include "engine/run.h"

typedef struct sl_progress {
    const char *name;
    int enabled, drawn;
    double start, last;
} sl_progress;

void sl_progress_init(sl_progress *p, const char *name, int enabled);
/* Draw (or with final=1, erase) the bar for run. */
void sl_progress_draw(sl_progress *p, sl_run *run, int final);

#endif
