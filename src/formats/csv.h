/*
 * csv.h: sluice's RFC 4180 reader and writer.
 *
 * The reader pulls records from an sl_input: quoted fields may hold the
 * delimiter, doubled quotes and line breaks; records end in LF, CRLF or a
 * lone CR; a UTF-8 BOM at the start is skipped; blank lines are skipped.
 * An optional escape character (e.g. backslash) inside quotes makes the
 * quote or itself literal; before any other character it is an ordinary
 * character, kept. After a closing quote only spaces (trimmed) may come
 * before the delimiter or line end: other text sets `bad` ("text after the
 * closing quote of field F at line L, column C"), since the field
 * boundaries would be a guess; the record still ends where it should.
 * An optional comment character: a line starting with it, where a record
 * would start, is skipped like a blank line (no record; lines still count).
 *
 * Fields point into the reader's buffer or scratch space and stay valid
 * until the next sl_csv_next() call. Each record knows its byte offset and
 * starting line, and its raw text, for the dead-letter queue.
 *
 * A quote still open at end of input yields a last record with `bad` set
 * ("unterminated quoted field starting at line N").
 */
#ifndef SL_CSV_H
#define SL_CSV_H
#include "core/util.h"
#include "formats/input.h"

typedef struct sl_csv_config {
    char delimiter, quote, escape; /* escape 0: none (quotes are doubled) */
    char comment;                  /* 0: none; else a line starting with it is skipped */
} sl_csv_config;

typedef struct sl_csv_field {
    const char *p;
    size_t n;
    int quoted;
} sl_csv_field;

typedef struct sl_csv_reader {
    sl_input *in;
    sl_csv_config cfg;
    const char *path;        /* for messages; not owned (may be NULL) */
    char *buf;
    size_t cap, len, pos;
    int eof;
    int64_t base;            /* stream offset of buf[0] */
    int64_t line;            /* line number at buf[pos], 1-based */
    unsigned char special[256];
    /* the current record */
    sl_csv_field *fields;
    size_t nfields, capfields;
    int64_t rec_offset, rec_line;
    const char *raw;
    size_t rawlen;
    char bad[160];           /* non-empty: the record is malformed */
    int open_quote;          /* bad because a quote was still open at the end of the input */
    /* parallel ranges (sources/ranges.h): sl_csv_next returns 0 (as at the
     * end) once the next record would start at or after stop_at (INT64_MAX
     * after init); with mark_lines, the line numbers in `bad` and in errors
     * are written between SL_LINE_MARK bytes, for the range's owner to add
     * the lines before the range once they are known */
    int64_t stop_at;
    int mark_lines;
    /* projection pushdown: NULL, or per field index below nskip, nonzero
     * when nobody reads that field. A quoted field skipped so is scanned
     * and checked as any other (its end, its lines, text after its closing
     * quote) but not unescaped: its p and n are the raw text between its
     * quotes (doubled quotes and escapes as they are in the file), which
     * is valid UTF-8 exactly when the unescaped text is (quote and escape
     * ASCII; sl_csv_init's callers set skip only then: sl_csv_can_skip).
     * Not owned; set after sl_csv_init. */
    const unsigned char *skip;
    size_t nskip;
    /* internal */
    sl_buf scratch;
    size_t *scratch_off;     /* per field: offset into scratch, or SIZE_MAX */
    size_t capscratch_off;
    size_t tail;             /* reads past stop_at so far (sl_input_range_want) */
} sl_csv_reader;

/* Start reading `in` (not owned) at stream offset start (already skipped to
 * by the caller) whose line number is start_line. */
void sl_csv_init(sl_csv_reader *r, sl_input *in, const sl_csv_config *cfg, int64_t start,
                 int64_t start_line);
void sl_csv_release(sl_csv_reader *r);
/* Start again on `in` at (start, start_line) as sl_csv_init does, keeping
 * the buffers, path, mark_lines and skip (a range reader, per range). */
void sl_csv_restart(sl_csv_reader *r, sl_input *in, int64_t start, int64_t start_line);
/* 1 when fields of cfg's dialect may be skipped without unescaping (the
 * quote and the escape are ASCII, so raw and unescaped text are alike
 * valid or invalid UTF-8). */
static inline int sl_csv_can_skip(const sl_csv_config *cfg)
{
    return (unsigned char)cfg->quote < 0x80 && (unsigned char)cfg->escape < 0x80;
}
/* 1: a record is in r->fields; 0: end of input; -1: I/O error. */
int sl_csv_next(sl_csv_reader *r, sl_error *err);
/* Stream offset just past the last record returned. */
static inline int64_t sl_csv_offset(const sl_csv_reader *r) { return r->base + (int64_t)r->pos; }

/* Append one field to out, quoting it when needed. */
void sl_csv_write_field(sl_buf *out, const char *p, size_t n, char delimiter);

#endif
