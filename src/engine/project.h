/*
 * project.h: projection pushdown: the source columns a pipeline can
 * possibly use, computed before a run starts, so that the file readers
 * (csv, jsonl, json) skip the others without materialising them.
 *
 * The analysis walks backward from the sinks:
 *   - a sink gets every column unless its `select:` lists them (a glob
 *     in it: every column); its `where:` names columns;
 *   - pipeline `checks:` look at whole rows (schema, required_columns, a
 *     quarantined row's DLQ record): every column;
 *   - each transform's `needs` hook (engine/component.h) turns the set
 *     needed after it into the set needed before it; a transform without
 *     the hook needs every column (and a `select` before it narrows the
 *     set again);
 *   - the source: a declared type that may reject a row needs every
 *     column (the DLQ record of a typing reject is the whole row); the
 *     declared names are always read.
 * "Every column" (all = 1) is the safe answer whenever anything is in
 * doubt. Names match without ASCII case (SQLite's name resolution), after
 * normalize_names (the readers name every column first, then skip). The
 * environment variable SLUICE_PUSHDOWN=0 turns pushdown off.
 *
 * Filter pushdown: a first `filter` of a simple shape (fcol below) is
 * checked in the reader as soon as its column is read; the rest of a row
 * that fails is validated but not materialised. The row itself stays in
 * the batch (its filter cell holds its real value), so typing, the
 * schema's column order and the accounting are as without pushdown: the
 * filter transform drops it and counts it, as always.
 */
#ifndef SL_ENGINE_PROJECT_H
#define SL_ENGINE_PROJECT_H
#include "core/util.h"
#include <stddef.h>
#include <stdint.h>

struct sl_pipeline;

/* A set of column names, or "all". */
typedef struct sl_projection {
    int all;    /* 1: every column (no pushdown); v is then empty */
    char **v;   /* the names (owned, as written), when !all */
    /* per name: 1 = only a name a transform writes (sl_projection_add_written):
     * read where the source has it, for its place and type (or a clash), but
     * no stage reads its values */
    uint8_t *written;
    size_t n, cap;
    /* filter pushdown: set when the pipeline's first transform is a
     * filter `col = 'text'` or `col IN ('a', 'b', ...)` on a source with
     * infer_types: false and col not declared (so the condition sees the
     * raw text: SQLite compares it bytewise). NULL: none. */
    char *fcol;        /* the column (owned) */
    char **fval;       /* the literals (owned), nfval of them */
    size_t *flen;
    size_t nfval;
    /* a filter's `needs` hook puts its condition here (not owned): the
     * analysis looks at the first transform's */
    const char *fwhere;
    /* the pipeline's plan rewrites (pl->plan_note; not owned), or NULL */
    const char *note;
} sl_projection;

/* An empty set (nothing needed yet). */
void sl_projection_init(sl_projection *p);
void sl_projection_release(sl_projection *p);
/* Make p "all" (its names are freed). */
void sl_projection_set_all(sl_projection *p);
/* Empty p (finite again). */
void sl_projection_clear(sl_projection *p);
/* Add a name (copied; nothing when p is all or holds it already). */
void sl_projection_add(sl_projection *p, const char *name);
/* A transform writes the column called name (a derived column, a
 * rename's new name, a lookup's added one): what the stages after it need
 * of it comes from the transform, not from the source. It stays in the
 * set (a source column of that name keeps its place and type, or makes
 * the transform fail, as without pushdown) but is described apart from
 * the columns read, until a stage before the transform reads it
 * (sl_projection_add). Hooks call it before adding what they read. */
void sl_projection_add_written(sl_projection *p, const char *name);
/* Whether the column called name[0..len) is needed: 1 when p is NULL or
 * all, or holds name without ASCII case. */
int sl_projection_has(const sl_projection *p, const char *name, size_t len);
/* Add every column an SQL expression (expr/expr.h) names, plus rowid,
 * oid and _rowid_ (a column of that name would shadow the table's row
 * id). An expression that cannot be analysed makes p all. */
void sl_projection_add_expr(sl_projection *p, const char *text);

/* The source columns pipeline pl can use (out is initialised here). why
 * (cap bytes, may be NULL) says in a few words why it is every column
 * ("transform dedupe has no column analysis", ...), else is "". */
void sl_projection_pipeline(const struct sl_pipeline *pl, sl_projection *out, char *why, size_t cap);

/* Parse a filter condition of the pushable shapes (above): 0 with
 * p->fcol/fval set, -1 (p unchanged) for anything else. */
int sl_projection_parse_filter(sl_projection *p, const char *where);
/* With a pushed-down filter: whether a row whose filter column holds
 * text[0..len) (valid = 0: NULL) can pass it. */
int sl_projection_filter_match(const sl_projection *p, int valid, const char *text, size_t len);

/* "a, b, c" or "all (why)", for logs (rowid, oid and _rowid_, read
 * for safety where an expression is, are not shown): the source columns
 * whose values the pipeline reads, then, when there are any, the names
 * only a transform writes: "a, b; if the source has them (transforms
 * write them): f, g". */
void sl_projection_describe(const sl_projection *p, const char *why, sl_buf *out);
/* The same as JSON, for `sluice validate --json`: {"all":false,"columns":
 * ["a","b"]} (with "written":["f"] when a transform writes names) or
 * {"all":true,"why":"..."}, with "rewrites":"filter f before derive d"
 * when the plan was rewritten (transforms/reorder.h). */
void sl_projection_describe_json(const sl_projection *p, const char *why, sl_buf *out);

#endif
