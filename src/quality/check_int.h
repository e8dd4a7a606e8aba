/*
 * check_int.h: what the files of the checks core share (internal): the
 * kind table that drives loading, `sluice help checks` and the docs, and
 * the arguments each kind takes. check_kinds.c holds the table, judging
 * and threshold text; check_load.c reads YAML into sl_check; check_sql.c
 * writes the SQL; check_run.c evaluates a check on a warehouse relation.
 */
#ifndef SL_QUALITY_CHECK_INT_H
#define SL_QUALITY_CHECK_INT_H
#include "quality/check.h"

/* How an argument's value is read (check_load.c). */
typedef enum {
    SL_CARG_STRING,   /* one line of text */
    SL_CARG_SQL,      /* SQL text, may span lines */
    SL_CARG_NUMBER,   /* a finite number */
    SL_CARG_BOUND,    /* min/max: a number, a share (rate kinds) or a count (length, row_count) by kind */
    SL_CARG_SHARE,    /* 0..1, or "20%" */
    SL_CARG_COUNT,    /* an integer >= 0 */
    SL_CARG_BOOL,     /* true | false */
    SL_CARG_LIST,     /* a list of scalars (or one scalar) */
    SL_CARG_COLUMNS,  /* a list of column names, or for schema a mapping name: type */
    SL_CARG_DURATION, /* 30m, 6h, 1d, or {count: N, period: minute|hour|day} */
    SL_CARG_CHOICE,   /* one of the argument's choices */
} sl_check_arg_type;

typedef struct sl_check_arg {
    const char *name;
    sl_check_arg_type type;
    const char *choices; /* SL_CARG_CHOICE: "a|b|c" */
    const char *help;
} sl_check_arg;

typedef struct sl_check_kind_info {
    const char *name;
    int row;             /* row-level: failing rows exist */
    int in_stream;       /* a pipeline can evaluate it on its rows (in at least one form) */
    const char *args;    /* kind arguments, space-separated (common ones added by the loader) */
    const char *required;/* space-separated groups; "a|b" = one of a, b */
    const char *summary; /* one line */
    const char *observed;/* what is observed */
} sl_check_kind_info;

/* The row of kind k (valid k only). */
const sl_check_kind_info *sl_check_kind_info_get(sl_check_kind k);
/* The argument called name, or NULL. */
const sl_check_arg *sl_check_arg_find(const char *name);
/* Every argument, NULL-terminated by name. */
extern const sl_check_arg sl_check_args[];
/* Whether kind k takes argument name (its own or a common one). */
int sl_check_kind_takes(sl_check_kind k, const char *name);
/* The arguments kind k takes, in table order, for messages: "column, values, quote, ...". */
void sl_check_kind_args_text(sl_check_kind k, sl_buf *out);
/* "6h", "1d2h", "45s": seconds as people write durations. */
void sl_check_duration_text(int64_t s, char *out, size_t cap);
/* Compile pattern with PCRE2 (UTF-8) to validate it (regexp.c): 0, or -1
 * with PCRE2's message and the offset in msg. */
int sl_regex_check(const char *pattern, char *msg, size_t cap);
/* sl_format_valid with the reason of a -1 (unknown format, an ISO list
 * that cannot be read) in msg (may be NULL) (formats.c). */
int sl_format_check(const char *format, const char *value, size_t len, char *msg, size_t cap);
/* The sorted codes of iso_country / iso_currency (static, read once), or
 * -1 with the reason in msg. */
int sl_format_codes(const char *format, const char *const **codes, size_t *n, char *msg, size_t cap);
/* The relation a check reads, its where applied, as a FROM item called alias (check_sql.c). */
void sl_check_from_sql(const sl_check *c, const char *rel, const char *alias, sl_buf *out);
/* sl_check_build_sql knowing the checked column's declared type
 * (PostgreSQL freshness reads text and numbers differently; may be NULL). */
int sl_check_build_sql_typed(const sl_check *c, sl_sql_dialect d, const char *rel, const char *other,
                             const char *coltype, sl_check_sql *out, sl_error *err);
/* PostgreSQL's regular expression of email|url|e164|uuid|date (what sl_format_valid accepts), or NULL. */
const char *sl_format_pg_regex(const char *format);

#endif
