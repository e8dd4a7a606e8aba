/*
 * maxdeletes.h: the `max_deletes` guard of sinks that delete destination
 * records the source no longer has (the http sink's mirror mode).
 *
 * A source query that suddenly matches nothing (a wrong filter, an empty
 * staging table, a failed upstream load) would make such a sink delete
 * every record it ever created. The guard is a count ("50") or a share of
 * the records the sink has synced ("10%"); a run that would delete more
 * fails before deleting anything, and `sluice run --allow-deletes` lets one
 * run through.
 */
#ifndef SL_MAXDELETES_H
#define SL_MAXDELETES_H
#include <stddef.h>
#include <stdint.h>

typedef struct sl_maxdeletes {
    double limit;   /* records, or percent when percent is set */
    int percent;
} sl_maxdeletes;

/* Parse "N" (records, N >= 0) or "P%" (0 <= P <= 100, decimals allowed)
 * into m. 0, or -1 with why (a sentence naming the accepted forms) filled. */
int sl_maxdeletes_parse(sl_maxdeletes *m, const char *text, char *why, size_t cap);

/* Whether deleting `deletes` of `synced` records exceeds the guard (a share
 * is compared exactly: 1 of 5 is 20 %, more than 10 %). */
int sl_maxdeletes_exceeded(const sl_maxdeletes *m, int64_t deletes, int64_t synced);

#endif
