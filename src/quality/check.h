/*
 * check.h: declarative data checks (docs/QUALITY.md), the same kinds and
 * names wherever they are written:
 *
 *   pipelines/NAME.yml   checks: [...]            on the run's rows, before publish
 *   models' .yml         checks: [...]  and  columns: [{name, tests: [...]}]
 *   monitors/NAME.yml       monitors: [{table: T, checks: [...]}]   any warehouse table
 *
 * One entry of a `checks:` list is either a kind name alone (`- row_count`)
 * or a one-key mapping `- KIND: {arguments}` (dbt's spelling of generic
 * tests; dbt 1.10's nested `arguments:` and `config:` mappings are read as
 * if their keys were written there; `- not_null: email` gives the column
 * alone), or a mapping with `kind:` / `type:` (`- {kind: null_rate,
 * column: email, max: 0.05}`). The kind table is in check_kinds.c, the
 * user docs in docs/quality/checks.md. Arguments common to every kind:
 *
 *   name        the check's name, unique within its node (default
 *               "<kind>[_<column>...]", dbt's test naming)
 *   column      one column; columns: several (unique, required_columns...)
 *   severity    error (default) | warn
 *   on_fail     alert (default for warn) | fail (default for error) |
 *               quarantine (row-level kinds only, pipelines only: the
 *               failing rows go to the DLQ with reason "check NAME failed:
 *               ..." and count as rejected; the rest load)
 *   where       SQL condition: the check sees only the rows it selects
 *
 * Kinds (SL_CHECK_KINDS below), their arguments and what is observed:
 *
 *   row-level (observed: failing rows; fail when > max_failures, default 0;
 *   or when the failing share > max_failure_rate if that is given)
 *     not_null          column(s)
 *     accepted_values   column, values: [..], quote (default true)
 *     regex             column, pattern (PCRE2 on SQLite and in pipelines;
 *                       PostgreSQL's ~ operator in a PostgreSQL warehouse)
 *     range             column, min and/or max (inclusive; exclusive: true)
 *     length            column, min and/or max (characters)
 *     format            column, format: email|e164|iso_country|iso_currency|url|uuid|date
 *     expression        expression: SQL that must hold for every row (NULL = fails)
 *     relationships     column, to: table, field: column (default: column)
 *     unique            column(s): rows whose key occurs more than once
 *     sql               sql: a query returning the failing rows
 *   aggregate (observed: a number compared with min/max)
 *     null_rate         column, max (share 0..1): nulls / rows
 *     duplicate_rate    column(s), max: rows beyond the first of each key / rows
 *     required_columns  columns: [..]: observed = how many are missing
 *     row_count         min and/or max rows (neither: min 1, not empty)
 *     row_count_change  max (share, e.g. 0.2 = 20 %), against: previous (default) |
 *                       mean, runs: N (mean of the last N runs, default 7):
 *                       |rows - baseline| / baseline
 *     row_count_match   compare_to: table (or "source" in a pipeline: rows
 *                       read minus filtered and rejected), tolerance (share, default 0)
 *     equal_aggregates  expression: aggregate SQL on this table (sum(amount)),
 *                       compare_to: table, compare_expression (default: same),
 *                       tolerance (share, default 0)
 *     freshness         column (timestamp; without one: the time since the
 *                       table's last successful load), warn_after, error_after
 *                       (durations: 30m, 6h, 1d); observed = age in seconds
 *     schema            columns: {name: type, ...}; exact: false (default;
 *                       true also fails on extra columns); observed = how
 *                       many columns are missing or of another type
 *
 * Status: pass | warn | fail | error (the check could not run: SQL refused,
 * a table missing). A failing check of severity warn is "warn".
 *
 * Ownership: a sl_check_list owns every string in it; sl_checks_free.
 */
#ifndef SL_QUALITY_CHECK_H
#define SL_QUALITY_CHECK_H
#include "config/diag.h"
#include "core/error.h"
#include "core/sqlident.h"
#include "core/util.h"
#include <stdint.h>

struct fy_node;
struct sl_adapter;
struct sl_state;

/* The kinds, in the order `sluice help checks` lists them. */
#define SL_CHECK_KINDS                                                                                        \
    X(NOT_NULL, "not_null", ROW) X(NULL_RATE, "null_rate", AGG) X(REQUIRED_COLUMNS, "required_columns", AGG)  \
    X(UNIQUE, "unique", ROW) X(DUPLICATE_RATE, "duplicate_rate", AGG)                                         \
    X(ACCEPTED_VALUES, "accepted_values", ROW) X(REGEX, "regex", ROW) X(RANGE, "range", ROW)                  \
    X(LENGTH, "length", ROW) X(FORMAT, "format", ROW) X(RELATIONSHIPS, "relationships", ROW)                  \
    X(EXPRESSION, "expression", ROW) X(EQUAL_AGGREGATES, "equal_aggregates", AGG)                             \
    X(ROW_COUNT_MATCH, "row_count_match", AGG) X(ROW_COUNT, "row_count", AGG)                                 \
    X(ROW_COUNT_CHANGE, "row_count_change", AGG) X(FRESHNESS, "freshness", AGG) X(SCHEMA, "schema", AGG)      \
    X(SQL, "sql", ROW)

typedef enum sl_check_kind {
#define X(id, name, family) SL_CHECK_##id,
    SL_CHECK_KINDS
#undef X
        SL_CHECK_NKINDS
} sl_check_kind;

/* "not_null", ...; NULL for an out-of-range kind. */
const char *sl_check_kind_name(sl_check_kind k);
/* The kind called name; -1 when none (see sl_check_kind_suggest). */
int sl_check_kind_find(const char *name);
/* 1 for row-level kinds (failing rows exist and can be quarantined). */
int sl_check_kind_is_row(sl_check_kind k);
/* 1 for the kinds a pipeline evaluates on its rows in the stream (every
 * kind but relationships, equal_aggregates, row_count_match with a table,
 * sql and freshness without a column, which read the warehouse and run on
 * the sink's table: staged, before publish, when the sink publishes at
 * the end; see engine/checks.c). */
int sl_check_kind_in_stream(sl_check_kind k);
/* 1 when a pipeline evaluates c on its rows in the stream: an in-stream
 * kind, row_count_match only with compare_to: source, freshness only
 * with a column. (Added by h1.) */
struct sl_check;
int sl_check_in_stream(const struct sl_check *c);

typedef enum { SL_SEVERITY_ERROR, SL_SEVERITY_WARN } sl_check_severity;
typedef enum { SL_ON_FAIL_DEFAULT, SL_ON_FAIL_ALERT, SL_ON_FAIL_FAIL, SL_ON_FAIL_QUARANTINE } sl_check_on_fail;

/* One check, parsed. Unset numbers have has_* = 0; unset strings are NULL. */
typedef struct sl_check {
    sl_check_kind kind;
    char *name;                   /* always set after loading (the default name when not given) */
    char **columns;               /* column: -> one; columns: -> several (list form) */
    size_t ncolumns;
    sl_check_severity severity;
    sl_check_on_fail on_fail;     /* as written; see sl_check_effective_on_fail */
    char *where;
    /* thresholds */
    int has_min, has_max;
    double min, max;              /* range, length, row_count, null_rate/duplicate_rate (max), row_count_change (max) */
    int exclusive;                /* range: bounds exclusive */
    int has_max_failures;         /* row-level: fail when failing rows > max_failures (default 0) */
    int64_t max_failures;
    int has_max_failure_rate;     /* row-level: or when failing rows / rows > max_failure_rate */
    double max_failure_rate;
    double tolerance;             /* row_count_match, equal_aggregates (share) */
    /* kind arguments */
    char **values;                /* accepted_values */
    size_t nvalues;
    int quote;                    /* accepted_values: 1 (default): values are strings */
    char *pattern;                /* regex */
    char *format;                 /* format: email|e164|iso_country|iso_currency|url|uuid|date */
    char *expression;             /* expression, equal_aggregates */
    char *compare_to;             /* row_count_match, equal_aggregates: a table ("schema.table" or "table"), or "source" */
    char *compare_expression;     /* equal_aggregates */
    char *to, *field;             /* relationships */
    char *sql;                    /* sql */
    char *against;                /* row_count_change: previous (default) | mean */
    int64_t runs;                 /* row_count_change: mean of the last N (default 7) */
    int64_t warn_after_s, error_after_s; /* freshness, seconds; 0 = unset */
    char **schema_names, **schema_types; /* schema: expected columns and types, parallel */
    size_t nschema;
    int exact;                    /* schema: extra columns fail too */
    char *description;            /* description: (docs only) */
    sl_loc loc;                   /* of the entry, for diagnostics */
} sl_check;

typedef struct sl_check_list {
    sl_check *v;
    size_t n;
} sl_check_list;

/* Parse a `checks:` sequence (v) of file into out (appended), validating
 * every entry against its kind's arguments: unknown kinds and keys get a
 * "did you mean" at file:line:col, missing or ill-typed arguments are
 * named. `where` says where the list is ("pipeline", "model", "monitor"):
 * on_fail: quarantine is refused outside pipelines and for aggregate
 * kinds. Duplicate names in one list are an error. Returns the number of
 * diagnostics added. */
int sl_checks_load(struct fy_node *v, const char *file, const char *where, sl_check_list *out, sl_diags *d);
/* One check from a column's `tests:` entry (a generic test entry of a
 * properties file whose name is a sluice kind dbt does not have): column
 * preset, args the entry's mapping or NULL. Returns diagnostics added. */
int sl_check_load_one(const char *kind, const char *column, struct fy_node *args, const char *file, sl_loc loc,
                      const char *where, sl_check *out, sl_diags *d);
void sl_check_release(sl_check *c);
void sl_checks_free(sl_check_list *l);
/* What on_fail means for c: fail for error severity, alert for warn,
 * unless written. */
sl_check_on_fail sl_check_effective_on_fail(const sl_check *c);
/* "<= 0.05", "between 1 and 100", "= 0 failing rows", ...: the threshold as people read it (caller frees). */
char *sl_check_threshold_text(const sl_check *c);
/* `sluice help checks`: every kind with its arguments. */
void sl_checks_help(sl_buf *out);

/* ---- results ------------------------------------------------------------ */

typedef struct sl_check_result {
    char node[256];          /* unique id of what was checked: model.P.N, pipeline.P.N, table.P.<schema.table> */
    char check[256];         /* the check's name */
    const char *kind;        /* static */
    char column[128];        /* first column or "" */
    char status[8];          /* pass | warn | fail | error */
    char severity[8];        /* error | warn */
    int has_observed;
    double observed;         /* the observed value (failing rows, a rate, rows, seconds...) */
    char threshold[128];     /* sl_check_threshold_text */
    int64_t failures;        /* row-level: failing rows; -1 otherwise */
    int64_t rows;            /* rows checked, when known; -1 otherwise */
    char message[512];       /* "null_rate 0.12 > 0.05", or the error */
    char *sample_json;       /* up to 10 failing rows (row-level kinds), JSON array of objects, or NULL; owned */
    double duration_s;
} sl_check_result;

void sl_check_result_release(sl_check_result *r);

/* Failing-row samples stay small whatever the rows' width: a value is cut
 * at 256 bytes (ending with "…"), a row after 8 KiB of JSON. */
#define SL_CHECK_SAMPLE_CELL_MAX 256
#define SL_CHECK_SAMPLE_ROW_MAX 8192

/* Judge an observed value against c's thresholds and severity: fills
 * status, threshold and message of r (r's node/check/kind/column too;
 * r is overwritten whole, so judge before setting sample_json). An
 * observed NAN means "nothing to compare with yet" (row_count_change
 * without history): pass, has_observed = 0.
 * failures: for row-level kinds the failing rows (-1 otherwise), rows: rows
 * checked (-1 unknown). The one place where pass/warn/fail is decided for
 * sluice's kinds (dbt's generic tests are judged by models/test.c). */
void sl_check_judge(const sl_check *c, const char *node, double observed, int64_t failures, int64_t rows,
                    sl_check_result *r);

/* ---- SQL ----------------------------------------------------------------- */

/* For row-level kinds evaluated row by row (not_null, accepted_values,
 * regex, range, length, format, expression): a boolean SQL expression in
 * dialect d that is TRUE for a FAILING row, over the row's columns by
 * name (the pipeline's batch table or a warehouse relation). SQLite needs
 * the functions of sl_quality_register_sqlite. Returns -1 for other kinds. */
int sl_check_fail_predicate(const sl_check *c, sl_sql_dialect d, sl_buf *out, sl_error *err);

/* What the warehouse is asked, for a check of a relation. */
typedef struct sl_check_sql {
    int row_level;       /* 1: failing_rows is a query returning the failing rows */
    char *failing_rows;  /* row-level: SELECT * ... of the failing rows */
    char *observed;      /* aggregate: a query returning one row: the observed number (and the rows counted as a second column when known) */
} sl_check_sql;
/* The SQL of check c on relation rel (already quoted, "schema"."t") in
 * dialect d. other: the quoted relation named by to/compare_to, resolved
 * by the caller (NULL when the kind names none). Kinds that need no SQL or
 * more than SQL (row_count_change, freshness without column, schema) give
 * both fields NULL and are evaluated by sl_check_run. */
int sl_check_build_sql(const sl_check *c, sl_sql_dialect d, const char *rel, const char *other, sl_check_sql *out,
                       sl_error *err);
void sl_check_sql_release(sl_check_sql *s);

/* Run check c on relation rel of the warehouse behind adapter a and fill
 * r (node is the result's node). state (may be NULL) gives the run history
 * for row_count_change and freshness without column (the last successful
 * load of `node`). Always fills r; returns 0 for pass/warn, -1 for
 * fail/error. Samples up to 10 failing rows. Resolves to/compare_to
 * through the adapter ("schema.table" or a table of the default schema). */
typedef struct sl_check_target {
    const char *node;        /* result node id */
    const char *schema;      /* relation's schema (NULL: default) */
    const char *identifier;  /* relation's name */
    struct sl_state *state;  /* may be NULL */
    const char *history_key; /* row_count_change/freshness: the pipeline or node name whose loads count (NULL: node) */
} sl_check_target;
int sl_check_run(struct sl_adapter *a, const sl_check *c, const sl_check_target *t, sl_check_result *r);

/* Pieces pipelines reuse (engine/checks.c; added by h1):
 * the expected columns of a required_columns or schema check against the
 * columns a relation or batch has (types may be NULL: not compared; types
 * compare by family: int/integer/bigint alike, text/varchar, real/double/
 * numeric, timestamp*, date, boolean, json; an empty type matches any):
 * returns how many are missing or of another type (and extra ones with
 * exact: true), msg "missing: a; b is text, expected integer; extra: c". */
int sl_check_schema_compare(const sl_check *c, size_t ncols, const char *const *names, const char *const *types,
                            char *msg, size_t cap);
/* Whether a declared type is of the expected type's family (NULL/"" match). */
int sl_check_types_match(const char *expected, const char *actual);
/* row_count_change: the baseline of check c (the previous run's rows, or
 * the mean of the last c->runs): a pipeline's successful runs' rows_loaded
 * when history_key names one with runs, else the rows of the previous
 * results of this check of node (check_results); NAN when there are none
 * (or state is NULL). */
int sl_check_row_count_baseline(struct sl_state *state, const sl_check *c, const char *node, const char *history_key,
                                double *baseline, sl_error *err);
/* |rows - baseline| / baseline; 1 when the baseline is 0 and rows are not; NAN for a NAN baseline. */
double sl_check_change(double rows, double baseline);

/* ---- functions the checks' SQL calls on SQLite ----------------------------
 * regexp(pattern, value)  (also `value REGEXP pattern`): PCRE2, UTF-8,
 *                          compiled patterns cached per connection; NULL value -> NULL
 * sl_format_valid(format, value): 1/0 for the format kinds (NULL -> NULL)
 * Registered on every warehouse connection the adapter opens, on the
 * expression engine's connection (engine checks) and on sink audits. */
struct sqlite3;
int sl_quality_register_sqlite(struct sqlite3 *db, sl_error *err);
/* The same test in C: 1 valid, 0 not, -1 unknown format. */
int sl_format_valid(const char *format, const char *value, size_t len);

#endif
