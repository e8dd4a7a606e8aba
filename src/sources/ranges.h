/*
 * ranges.h: parsing one large plain file in ranges on several threads,
 * handing the batches on in file order, exactly as one reader would.
 *
 * The bytes from `start` (a record boundary: after the header and the
 * first batch) to the end are cut at nominal offsets start + k * R. Range
 * k guesses where its first record starts: G_k, one past the first '\n'
 * at or after its nominal offset (G_0 = start). A worker thread reads
 * range k with the format's own reader from G_k, records starting before
 * G_{k+1}, counting lines from 1, and reports where its last record ended.
 * When range k is handed on, the true start of range k + 1 is known (the
 * end of range k): if it is G_{k+1}, range k + 1's batches are right (a
 * record boundary is all a reader's state; the same reader parsed it);
 * else (a quoted field with a line break across the cut) range k + 1 is
 * read again from its true start on the calling thread. Line numbers (of
 * rows, rejects, the batch end, and marked in messages: SL_LINE_MARK) get
 * the lines before the range added when it is handed on. A format may
 * also declare a range not faithful (jsonl: a member path the sequential
 * reader had not named yet): it is read again the same way.
 *
 * Errors of a range (a record too large, an unterminated quote to the end)
 * are reported when the range is handed on and found right, so a guess
 * that cut a quoted field never fails a run. Memory: at most
 * workers + 1 ranges in flight and about 2 batches per range waiting; a
 * batch handed on points to the strings of the workers' batches, except
 * that strings filling less than a quarter of their batch's blocks (a
 * small range's few rows) are copied into it, so what batches in flight
 * keep alive is at most 4 times their strings whatever the range size.
 * A file is cut into at most 4096 ranges (smaller ranges are made larger:
 * each costs a guess, a handing on and a reader's start), and a range's
 * reader reads about its own bytes (formats/input.h,
 * sl_input_range_want), not a buffer's worth past them.
 */
#ifndef SL_RANGES_H
#define SL_RANGES_H
#include "core/batch.h"
#include "core/error.h"
#include "formats/input.h"
#include <stdint.h>

/* A format's reader of ranges. One `w` per thread; every `w` shares the
 * format's setup (names, options), which must not change while ranges run. */
typedef struct sl_range_ops {
    /* A reader of ranges; main: the one the calling thread uses for ranges
     * read again (jsonl: the format's own names). */
    void *(*reader_new)(void *fmt, int main);
    void (*reader_free)(void *w);
    /* Start reading `in` (owned by the caller) at `start` with line number
     * `line`; mark: line numbers in messages get SL_LINE_MARK. */
    int (*begin)(void *w, sl_input *in, int64_t start, int64_t line, int mark, sl_error *err);
    /* Append up to max rows of records starting before stop; *done once
     * the next record would start at or after stop, or at the end. Sets
     * b->end_offset and b->end_line. 0 ok, -1 err. */
    int (*fill)(void *w, sl_batch *b, size_t max, int64_t stop, int *done, sl_error *err);
    /* Where the reader is: the offset after its last record and its line. */
    void (*where)(void *w, int64_t *offset, int64_t *line);
    /* NULL, or 0 when what w read since begin may differ from what the
     * format's own reader would (read it again with the main reader). */
    int (*faithful)(void *w);
    /* NULL, or what a batch's names depend on (jsonl: the names known): a
     * worker's batch whose era differs from the main reader's is read again */
    size_t (*era)(void *w);
    /* Rows a batch of the main reader holds (sl_batch_max_rows of its width). */
    size_t (*rows)(void *w, size_t max);
} sl_range_ops;

typedef struct sl_ranges sl_ranges;

/* Start nworkers threads on the bytes of `in` (a plain file of `size`
 * bytes, not owned; it must stay open until sl_ranges_stop) after the
 * file's first batch (read by the format's own reader: it ends where the
 * ranges start), in ranges of range_bytes, batches of at most max rows. */
sl_ranges *sl_ranges_start(const sl_range_ops *ops, void *fmt, sl_input *in, const sl_batch *first,
                           int64_t size, int nworkers, int64_t range_bytes, size_t max);
/* Fill b (empty) with the next batch, in file order: exactly the rows
 * (and rejects, positions, end) one reader's batch would hold, its cells
 * pointing to the strings of the workers' batches, which stay until b
 * comes back (sl_ranges_release). *done at the end of the file (b may
 * then be empty). 0, or -1 with err (a range's error, the cancellation). */
int sl_ranges_next(sl_ranges *rs, sl_batch *b, size_t max, int *done, sl_error *err);
/* b, handed on by sl_ranges_next before, is back (empty): the strings it
 * pointed to may be reused. NULL rs is fine. */
void sl_ranges_release(sl_ranges *rs, const sl_batch *b);
/* End of the file: stop the threads; what batches still point to stays. */
void sl_ranges_stop(sl_ranges *rs);
/* How many ranges (or rests of ranges) were read again on the calling
 * thread (a guess inside a quoted field; jsonl: a new member). */
int64_t sl_ranges_redone(const sl_ranges *rs);
/* How the file was read: ranges handed on so far, worker threads, and the
 * range size in bytes (SLUICE_RANGE_BYTES or the default, made larger for
 * files that would have more than 4096 ranges). */
void sl_ranges_counts(const sl_ranges *rs, int64_t *ranges, int *workers, int64_t *range_bytes);
/* 1 when no batch points to its strings any more (it can be freed). */
int sl_ranges_idle(const sl_ranges *rs);
/* Stop the threads and free everything. NULL is fine. */
void sl_ranges_free(sl_ranges *rs);

/* Add delta to every line number marked with SL_LINE_MARK in s (NUL-
 * terminated, cap bytes), removing the marks; in place. */
void sl_ranges_fix_lines(char *s, size_t cap, int64_t delta);

/* How many threads read a file source's file of `size` bytes: 0 (one
 * reader, as always) unless `parallel` ("auto", "false" or a count) and
 * the machine allow more; *range_bytes: the range size (SLUICE_RANGE_BYTES
 * in the environment overrides it, for tests). */
int sl_ranges_workers(const char *parallel, int64_t size, int64_t *range_bytes);

#endif
