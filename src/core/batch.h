/*
 * batch.h: the columnar batch, the unit of work handed between stages.
 *
 * A batch is a schema (named, typed columns), one typed array plus one
 * validity array per column, and an arena holding every string. It has one
 * owner at a time: a stage receives it, changes it in place, and passes it
 * on; nobody else touches it meanwhile. Batches are recycled through a pool
 * (engine/pipeline.c), so sl_batch_clear() keeps the memory for reuse.
 *
 * A batch from a source starts "raw": every cell is text (CSV) or text plus
 * a JSON kind (JSON sources). The typing stage (engine/typing.c) turns it
 * into typed columns. Every row carries its source position (byte offset
 * and line in `file`), which the DLQ records and sinks compare with their
 * checkpoints. The batch also carries its share of the run's accounting:
 * rows read, filtered and rejected (with the rejected rows themselves).
 *
 * Width: a batch holds at most batch_rows rows and about SL_BATCH_CELLS
 * cells (rows x columns; sl_batch_max_rows): a wide input gets shorter
 * batches, so the pool of batches bounds memory whatever the input's shape.
 * A column's arrays grow with the rows the batch holds, never to a size a
 * wider or longer batch once needed; columns are found by name through a
 * hash (sl_batch_find, constant time).
 *
 * Invariant: nread + nderived == nrows + nfiltered + nrejects (checked by
 * sl_batch_check_accounting()). A blocking transform (dedupe keep: last)
 * counts rows it holds back as filtered and, when it releases them in
 * later batches, counts those with a negative nfiltered: run totals stay
 * exact. A transform that adds rows no source read (a milestone's event,
 * transforms/milestones.c) adds them with sl_batch_add_derived_row: they
 * are counted as derived, so a run accounts for
 * read + derived = loaded + filtered + rejected.
 */
#ifndef SL_BATCH_H
#define SL_BATCH_H
#include "core/arena.h"
#include "core/types.h"
#include "core/util.h"
#include <stddef.h>
#include <stdint.h>

typedef struct sl_str {
    const char *p;
    size_t n;
} sl_str;

/* Kinds of a raw JSON cell; CSV cells have no kind array (all text). */
enum { SL_KIND_STRING = 0, SL_KIND_NUMBER, SL_KIND_BOOL, SL_KIND_JSON };

typedef struct sl_column {
    char *name;      /* heap, owned by the column */
    size_t namelen;
    sl_type type;    /* SL_T_TEXT for raw cells */
    int raw;         /* 1: cells are unconverted text from a source */
    uint8_t *kind;   /* raw JSON cells only */
    uint8_t *valid;  /* one byte per row: 1 = has a value, 0 = null */
    int64_t *i64;    /* storage per sl_type_storage(type) */
    double *f64;
    sl_str *str;
    size_t cap;      /* rows allocated in the arrays above */
    int rendered;    /* date/timestamp: str[] also holds each value as ISO text
                      * (sl_batch_render_times, after the last transform) */
} sl_column;

typedef struct sl_reject {
    int64_t offset, line;  /* source position of the rejected record */
    char *stage;           /* "source", "typing", "transform cast", "sink warehouse" */
    char *reason;
    char *raw;             /* the raw record, or the row as a JSON object */
} sl_reject;

/* Cells (rows x columns) a batch is filled up to: 256 Ki, e.g. 8192 rows
 * of 32 columns or 262 rows of 1000. About 26 bytes each before strings,
 * so the pool's 8 batches stay around 55 MB plus their strings. */
#define SL_BATCH_CELLS ((size_t)1 << 18)

struct sl_batch_index;

typedef struct sl_batch {
    size_t nrows, rowcap;  /* every column's arrays hold rowcap rows; reset to 0 by sl_batch_clear */
    size_t ncols, colcap;
    unsigned layout;       /* bumped whenever columns are removed or moved (clear, drop):
                            * a reader caching column indices checks it */
    sl_column *cols;
    struct sl_batch_index *index; /* column name -> index; private to batch.c */
    size_t poscap;         /* rows allocated in offset and line */
    sl_arena arena;

    /* source position */
    int file_index;        /* index in the run's file list; -1 when none */
    const char *file;      /* path; owned by the source, valid for the run */
    int64_t *offset, *line;
    int64_t end_offset;    /* where reading resumes after this batch */
    int64_t end_line;      /* the line number at end_offset */
    int no_position;       /* rows held by a blocking transform: do not checkpoint */
    int file_done;         /* this batch ends its file */
    int64_t bytes;         /* input bytes consumed for this batch */
    int64_t clock_us;      /* a stream source's tick that ended this batch (UTC
                            * microseconds; sources/stream.h), 0 when none */

    /* accounting */
    int64_t nread, nfiltered;
    int64_t nderived;      /* rows a transform added (sl_batch_add_derived_row) */
    uint8_t *derived;      /* per row: 1 = added by a transform; NULL while nderived == 0 */
    size_t derivedcap;
    sl_reject *rejects;
    size_t nrejects, caprejects;
} sl_batch;

sl_batch *sl_batch_new(void);
void sl_batch_free(sl_batch *b);
/* Empty the batch (rows, columns, rejects, position) but keep its memory. */
void sl_batch_clear(sl_batch *b);

/* Add a column (all null for existing rows); returns its index. name is copied. */
size_t sl_batch_add_column(sl_batch *b, const char *name, size_t namelen, sl_type type, int raw);
/* Index of the column called name, or -1. Constant time (a hash kept
 * by the functions below; a caller that moves columns uses
 * sl_batch_swap_columns, never an assignment of cols[]). */
int sl_batch_find(const sl_batch *b, const char *name);
/* Exchange columns i and j (their arrays and names). */
void sl_batch_swap_columns(sl_batch *b, size_t i, size_t j);
/* Rows a source may put in a batch of ncols columns (at least the columns
 * known so far in the run, as typing adds every schema column to every
 * batch): batch_rows, fewer for wide inputs so that rows x columns stays
 * within SL_BATCH_CELLS; at least 1. */
size_t sl_batch_max_rows(size_t ncols, size_t batch_rows);
/* Make room for and append a row, all null; returns its index. */
size_t sl_batch_add_row(sl_batch *b, int64_t offset, int64_t line);
/* Insert a row no source read (all null) before row `at` (at == nrows:
 * append), with the position of the row it derives from (rows stay in
 * position order); counted in nderived. Returns its index (at). */
size_t sl_batch_add_derived_row(sl_batch *b, size_t at, int64_t offset, int64_t line);
/* Whether row r was added by a transform. */
static inline int sl_batch_row_derived(const sl_batch *b, size_t r) { return b->nderived && b->derived[r]; }
/* Ensure a column's arrays for its (possibly new) type can hold rowcap rows. */
void sl_column_ensure(sl_column *c, size_t rows);
void sl_column_set_type(sl_column *c, sl_type t, size_t rows);

static inline int sl_cell_valid(const sl_column *c, size_t row) { return c->valid[row]; }
/* Whether str[] holds every cell's text: raw cells, or dates and
 * timestamps after sl_batch_render_times. */
static inline int sl_column_is_text(const sl_column *c) { return c->raw || c->rendered; }
/* Store text in a cell, copying it into the batch arena. */
void sl_batch_set_text(sl_batch *b, size_t col, size_t row, const char *p, size_t n);

/* Take back row `row`, the last one, that its source could not read
 * whole (a record it rejects): its cells are cleared and the columns
 * added since it began (index ncols and after, which only it had) are
 * dropped, so a rejected record adds no column. */
void sl_batch_unadd_row(sl_batch *b, size_t row, size_t ncols);
/* Keep only rows whose keep[row] is non-zero, preserving order. */
void sl_batch_keep(sl_batch *b, const uint8_t *keep);
/* Remove column i. */
void sl_batch_drop_column(sl_batch *b, size_t i);
void sl_batch_rename_column(sl_batch *b, size_t i, const char *name);

/* Record a rejected source record (raw text copied; not a row of the batch). */
void sl_batch_reject_raw(sl_batch *b, int64_t offset, int64_t line, const char *stage,
                         const char *reason, const char *raw, size_t rawlen);
/* Record row `row` as rejected (its values as JSON); the caller removes it from
 * the batch afterwards with sl_batch_keep(). */
void sl_batch_reject_row(sl_batch *b, size_t row, const char *stage, const char *reason);

/* Write every date and timestamp as ISO text into str[] (the arena), once,
 * on the transform thread after the last transform: sinks that want text
 * (SQLite, files) then copy it instead of formatting it on their thread. */
void sl_batch_render_times(sl_batch *b);

/* The cell as text (JSON-ish formatting for dates, floats...); 0 if null. */
int sl_cell_text(const sl_column *c, size_t row, char *tmp, const char **p, size_t *n);
/* Append row as a JSON object to out. */
/* sl_batch_row_json for what people read (check samples): a value longer
 * than cell_max bytes is cut at a character and ends with "…" (as a
 * string), and columns after the first row_max bytes are left out with
 * "...": "N more columns". */
void sl_batch_row_json_capped(const sl_batch *b, size_t row, size_t cell_max, size_t row_max, sl_buf *out);
void sl_batch_row_json(const sl_batch *b, size_t row, sl_buf *out);
/* Append the cell as a JSON value to out (json columns are emitted verbatim). */
void sl_cell_json(const sl_column *c, size_t row, sl_buf *out);

int sl_batch_check_accounting(const sl_batch *b);

#endif
