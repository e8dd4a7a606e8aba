/*
 * check_kinds.c: the table of check kinds (names, families, the arguments
 * each takes and requires, what is observed): one table drives loading
 * (check_load.c), `sluice help checks` and docs/quality/checks.md. Also
 * judging an observed value (the one place where pass/warn/fail is
 * decided for sluice's kinds), the threshold as people read it, the
 * effective on_fail and releasing checks and results.
 */
#include "quality/check_int.h"
#include "core/mem.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Arguments of every kind (besides the kind's own). */
static const char common_args[] = "name severity on_fail description";
/* Arguments of row-level kinds. */
static const char row_args[] = "max_failures max_failure_rate";

static const sl_check_kind_info kinds[SL_CHECK_NKINDS] = {
    [SL_CHECK_NOT_NULL] = {"not_null", 1, 1, "column columns where", "column|columns",
                           "no NULL in the column(s)", "rows where a column is NULL"},
    [SL_CHECK_NULL_RATE] = {"null_rate", 0, 1, "column max where", "column max",
                            "the share of NULLs stays under a maximum", "NULL rows / rows (0..1)"},
    [SL_CHECK_REQUIRED_COLUMNS] = {"required_columns", 0, 1, "columns column", "column|columns",
                                   "the columns exist", "how many of the columns are missing"},
    [SL_CHECK_UNIQUE] = {"unique", 1, 1, "column columns where", "column|columns",
                         "no two rows share the key (NULL keys are ignored)",
                         "rows whose key occurs more than once"},
    [SL_CHECK_DUPLICATE_RATE] = {"duplicate_rate", 0, 1, "column columns max where", "column|columns max",
                                 "the share of duplicate keys stays under a maximum",
                                 "rows beyond the first of each key / rows (0..1)"},
    [SL_CHECK_ACCEPTED_VALUES] = {"accepted_values", 1, 1, "column values quote where", "column values",
                                  "every value is one of a list (NULL passes)", "rows with another value"},
    [SL_CHECK_REGEX] = {"regex", 1, 1, "column pattern where", "column pattern",
                        "every value matches a regular expression (PCRE2; PostgreSQL's ~ in a PostgreSQL "
                        "warehouse; NULL passes)",
                        "rows whose value does not match"},
    [SL_CHECK_RANGE] = {"range", 1, 1, "column min max exclusive where", "column min|max",
                        "every value lies between min and max (inclusive unless exclusive: true; NULL passes)",
                        "rows outside the range"},
    [SL_CHECK_LENGTH] = {"length", 1, 1, "column min max where", "column min|max",
                         "every value's length in characters lies between min and max (NULL passes)",
                         "rows with a shorter or longer value"},
    [SL_CHECK_FORMAT] = {"format", 1, 1, "column format where", "column format",
                         "every value is a valid email, e164, iso_country, iso_currency, url, uuid or date "
                         "(NULL passes)",
                         "rows with an invalid value"},
    [SL_CHECK_RELATIONSHIPS] = {"relationships", 1, 0, "column to field where", "column to",
                                "every value exists in another table's column (NULL passes)",
                                "rows whose value is missing from the other table"},
    [SL_CHECK_EXPRESSION] = {"expression", 1, 1, "expression where", "expression",
                             "a SQL condition holds for every row (NULL counts as failing)",
                             "rows where the condition is false or NULL"},
    [SL_CHECK_EQUAL_AGGREGATES] = {"equal_aggregates", 0, 0,
                                   "expression compare_to compare_expression tolerance where",
                                   "expression compare_to",
                                   "an aggregate of this table equals the same (or another) aggregate of another",
                                   "|this - other| / |other| (0..1; 1 when other is 0 and this is not)"},
    [SL_CHECK_ROW_COUNT_MATCH] = {"row_count_match", 0, 1, "compare_to tolerance where", "compare_to",
                                  "as many rows as another table (or, in a pipeline, as the source gave)",
                                  "|rows - other| / other (0..1; 1 when other is 0 and rows is not)"},
    [SL_CHECK_ROW_COUNT] = {"row_count", 0, 1, "min max where", "", "the number of rows lies between bounds (default: min 1, not empty)",
                            "rows"},
    [SL_CHECK_ROW_COUNT_CHANGE] = {"row_count_change", 0, 1, "max against runs where", "max",
                                   "rows change by at most a share against the previous run or the mean of "
                                   "the last N runs",
                                   "|rows - baseline| / baseline (no baseline yet: pass)"},
    [SL_CHECK_FRESHNESS] = {"freshness", 0, 1, "column warn_after error_after where", "warn_after|error_after",
                            "the newest timestamp (or, without column, the last successful load) is recent enough",
                            "age in seconds"},
    [SL_CHECK_SCHEMA] = {"schema", 0, 1, "columns exact", "columns",
                         "the expected columns exist with the expected types",
                         "how many columns are missing or of another type (and extra ones with exact: true)"},
    [SL_CHECK_SQL] = {"sql", 1, 0, "sql", "sql", "a query returning the failing rows returns none",
                      "rows the query returns"},
};

const sl_check_arg sl_check_args[] = {
    {"name", SL_CARG_STRING, NULL, "the check's name, unique within its node (default: kind_column...)"},
    {"column", SL_CARG_STRING, NULL, "the column checked"},
    {"columns", SL_CARG_COLUMNS, NULL, "several columns (a list; for schema: a mapping name: type)"},
    {"severity", SL_CARG_CHOICE, "error|warn", "error (default) or warn: a failing warn check is status warn"},
    {"on_fail", SL_CARG_CHOICE, "alert|fail|quarantine",
     "fail (default for error), alert (default for warn), quarantine (row-level checks in pipelines: failing "
     "rows go to the DLQ, the rest load)"},
    {"where", SL_CARG_SQL, NULL, "SQL condition: the check sees only the rows it selects"},
    {"description", SL_CARG_STRING, NULL, "what the check is for (shown in docs)"},
    {"max_failures", SL_CARG_COUNT, NULL, "row-level: fail only when more rows than this fail (default 0)"},
    {"max_failure_rate", SL_CARG_SHARE, NULL, "row-level: fail only when the failing share exceeds this (0..1 or 5%)"},
    {"values", SL_CARG_LIST, NULL, "accepted_values: the accepted values"},
    {"quote", SL_CARG_BOOL, NULL, "accepted_values: false when the values are numbers or booleans (default true)"},
    {"pattern", SL_CARG_STRING, NULL, "regex: the pattern a value must match (anywhere unless anchored with ^...$)"},
    {"min", SL_CARG_BOUND, NULL, "the lower bound (range, length: characters, row_count: rows)"},
    {"max", SL_CARG_BOUND, NULL,
     "the upper bound (range, length, row_count; null_rate, duplicate_rate, row_count_change: a share 0..1 or 20%)"},
    {"exclusive", SL_CARG_BOOL, NULL, "range: the bounds themselves fail (default false)"},
    {"format", SL_CARG_CHOICE, "email|e164|iso_country|iso_currency|url|uuid|date", "format: the format"},
    {"expression", SL_CARG_SQL, NULL,
     "expression: a condition every row must meet; equal_aggregates: an aggregate (sum(amount))"},
    {"to", SL_CARG_STRING, NULL, "relationships: the other table (schema.table or table)"},
    {"field", SL_CARG_STRING, NULL, "relationships: its column (default: the same name)"},
    {"compare_to", SL_CARG_STRING, NULL, "the other table (schema.table or table); row_count_match in a pipeline: source"},
    {"compare_expression", SL_CARG_SQL, NULL, "equal_aggregates: the aggregate on the other table (default: expression)"},
    {"tolerance", SL_CARG_SHARE, NULL, "row_count_match, equal_aggregates: the difference allowed (share, default 0)"},
    {"against", SL_CARG_CHOICE, "previous|mean", "row_count_change: the previous run (default) or the mean of the last runs"},
    {"runs", SL_CARG_COUNT, NULL, "row_count_change with against: mean: how many runs (default 7)"},
    {"warn_after", SL_CARG_DURATION, NULL, "freshness: warn when older than this (30m, 6h, 1d)"},
    {"error_after", SL_CARG_DURATION, NULL, "freshness: fail when older than this"},
    {"exact", SL_CARG_BOOL, NULL, "schema: extra columns fail too (default false)"},
    {"sql", SL_CARG_SQL, NULL, "sql: a query returning the failing rows"},
    {NULL, SL_CARG_STRING, NULL, NULL},
};

const sl_check_kind_info *sl_check_kind_info_get(sl_check_kind k)
{
    return &kinds[k];
}

const char *sl_check_kind_name(sl_check_kind k)
{
    return (unsigned)k < SL_CHECK_NKINDS ? kinds[k].name : NULL;
}

int sl_check_kind_find(const char *name)
{
    for (int i = 0; name && i < SL_CHECK_NKINDS; i++)
        if (strcmp(kinds[i].name, name) == 0)
            return i;
    return -1;
}

int sl_check_kind_is_row(sl_check_kind k)
{
    return (unsigned)k < SL_CHECK_NKINDS && kinds[k].row;
}

int sl_check_kind_in_stream(sl_check_kind k)
{
    return (unsigned)k < SL_CHECK_NKINDS && kinds[k].in_stream;
}

int sl_check_in_stream(const sl_check *c)
{
    if (!sl_check_kind_in_stream(c->kind))
        return 0;
    if (c->kind == SL_CHECK_ROW_COUNT_MATCH)
        return c->compare_to && strcmp(c->compare_to, "source") == 0;
    if (c->kind == SL_CHECK_FRESHNESS)
        return c->ncolumns > 0;
    return 1;
}

const sl_check_arg *sl_check_arg_find(const char *name)
{
    for (const sl_check_arg *a = sl_check_args; a->name; a++)
        if (strcmp(a->name, name) == 0)
            return a;
    return NULL;
}

/* Whether the space-separated list holds word. */
static int in_words(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, " ");
        if (len == n && strncmp(p, word, n) == 0)
            return 1;
        p += len;
        while (*p == ' ')
            p++;
    }
    return 0;
}

int sl_check_kind_takes(sl_check_kind k, const char *name)
{
    return in_words(common_args, name) || in_words(kinds[k].args, name) || (kinds[k].row && in_words(row_args, name));
}

void sl_check_kind_args_text(sl_check_kind k, sl_buf *out)
{
    /* the kind's own arguments in its order, then the row-level ones */
    char list[256];
    snprintf(list, sizeof list, "%s%s%s", kinds[k].args, kinds[k].row ? " " : "", kinds[k].row ? row_args : "");
    int first = 1;
    char *save = NULL;
    for (char *w = strtok_r(list, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        sl_buf_adds(out, first ? "" : ", ");
        sl_buf_adds(out, w);
        first = 0;
    }
}

void sl_check_duration_text(int64_t s, char *out, size_t cap)
{
    static const struct { int64_t n; char u; } units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
    size_t len = 0;
    out[0] = 0;
    if (s <= 0) {
        snprintf(out, cap, "0s");
        return;
    }
    for (int i = 0; i < 4 && len + 1 < cap; i++)
        if (s >= units[i].n) {
            int w = snprintf(out + len, cap - len, "%lld%c", (long long)(s / units[i].n), units[i].u);
            if (w < 0 || (size_t)w >= cap - len)
                break;
            len += (size_t)w;
            s %= units[i].n;
        }
}

void sl_checks_help(sl_buf *out)
{
    sl_buf_adds(out, "A check is written `- KIND` (no arguments), `- KIND: {arguments}` or\n"
                     "`- {kind: KIND, arguments...}`. Every check takes name, severity (error|warn),\n"
                     "on_fail (alert|fail|quarantine) and description; row-level checks also take\n"
                     "max_failures and max_failure_rate.\n\nkinds:\n");
    for (int k = 0; k < SL_CHECK_NKINDS; k++) {
        sl_buf_addf(out, "  %-17s %s\n", kinds[k].name, kinds[k].summary);
        sl_buf_addf(out, "  %-17s   %s; observed: %s\n", "", kinds[k].row ? "row-level" : "aggregate",
                    kinds[k].observed);
        sl_buf_addf(out, "  %-17s   arguments: ", "");
        sl_check_kind_args_text((sl_check_kind)k, out);
        sl_buf_adds(out, "\n");
        if (*kinds[k].required) {
            sl_buf_addf(out, "  %-17s   required: ", "");
            for (const char *p = kinds[k].required; *p; p++)
                sl_buf_adds(out, *p == '|' ? " or " : *p == ' ' ? ", " : (char[2]){*p, 0});
            sl_buf_adds(out, "\n");
        }
    }
    sl_buf_adds(out, "\narguments:\n");
    for (const sl_check_arg *a = sl_check_args; a->name; a++)
        sl_buf_addf(out, "  %-19s %s\n", a->name, a->help);
}

sl_check_on_fail sl_check_effective_on_fail(const sl_check *c)
{
    if (c->on_fail != SL_ON_FAIL_DEFAULT)
        return c->on_fail;
    return c->severity == SL_SEVERITY_WARN ? SL_ON_FAIL_ALERT : SL_ON_FAIL_FAIL;
}

/* A number as people read it: 0.05, 12, 1e+20. */
static void num_text(double v, char *out, size_t cap)
{
    if (v == (double)(int64_t)v && fabs(v) < 1e15)
        snprintf(out, cap, "%lld", (long long)v);
    else
        snprintf(out, cap, "%.6g", v);
}

/* A share as a percentage: 0.2 -> "20%", 0.055 -> "5.5%". */
static void pct_text(double v, char *out, size_t cap)
{
    snprintf(out, cap, "%.6g%%", v * 100);
}

char *sl_check_threshold_text(const sl_check *c)
{
    char a[64], b[64];
    switch (c->kind) {
    case SL_CHECK_NULL_RATE:
    case SL_CHECK_DUPLICATE_RATE:
        num_text(c->max, a, sizeof a);
        return sl_printf("<= %s", a);
    case SL_CHECK_REQUIRED_COLUMNS:
        return sl_strdup("= 0 missing columns");
    case SL_CHECK_SCHEMA:
        return sl_strdup("= 0 mismatched columns");
    case SL_CHECK_ROW_COUNT:
    case SL_CHECK_RANGE:
    case SL_CHECK_LENGTH: {
        const char *unit = c->kind == SL_CHECK_ROW_COUNT ? " rows" : c->kind == SL_CHECK_LENGTH ? " characters" : "";
        num_text(c->min, a, sizeof a);
        num_text(c->max, b, sizeof b);
        if (c->kind == SL_CHECK_RANGE && c->exclusive)
            return c->has_min && c->has_max ? sl_printf("> %s and < %s", a, b)
                   : c->has_min             ? sl_printf("> %s", a)
                                            : sl_printf("< %s", b);
        if (c->has_min && c->has_max)
            return sl_printf("between %s and %s%s", a, b, unit);
        return c->has_min ? sl_printf(">= %s%s", a, unit) : sl_printf("<= %s%s", b, unit);
    }
    case SL_CHECK_ROW_COUNT_CHANGE:
        pct_text(c->max, a, sizeof a);
        if (c->against && strcmp(c->against, "mean") == 0)
            return sl_printf("<= %s change vs the mean of the last %lld runs", a, (long long)c->runs);
        return sl_printf("<= %s change vs the previous run", a);
    case SL_CHECK_ROW_COUNT_MATCH:
    case SL_CHECK_EQUAL_AGGREGATES: {
        const char *to = c->compare_to ? c->compare_to : "?";
        char *what = c->kind == SL_CHECK_EQUAL_AGGREGATES
                         ? sl_printf("%s of %s", c->compare_expression ? c->compare_expression : "?", to)
                     : strcmp(to, "source") == 0 ? sl_strdup("the source's rows")
                                                 : sl_printf("the rows of %s", to);
        char *t;
        pct_text(c->tolerance, a, sizeof a);
        t = c->tolerance > 0 ? sl_printf("within %s of %s", a, what) : sl_printf("= %s", what);
        sl_free(what);
        return t;
    }
    case SL_CHECK_FRESHNESS:
        sl_check_duration_text(c->warn_after_s, a, sizeof a);
        sl_check_duration_text(c->error_after_s, b, sizeof b);
        if (c->warn_after_s && c->error_after_s)
            return sl_printf("warn after %s, error after %s", a, b);
        return c->warn_after_s ? sl_printf("warn after %s", a) : sl_printf("error after %s", b);
    default:
        break;
    }
    /* row-level */
    if (c->has_max_failure_rate) {
        pct_text(c->max_failure_rate, a, sizeof a);
        if (c->has_max_failures)
            return sl_printf("<= %lld failing rows and <= %s of rows", (long long)c->max_failures, a);
        return sl_printf("<= %s of rows failing", a);
    }
    if (c->has_max_failures && c->max_failures > 0)
        return sl_printf("<= %lld failing rows", (long long)c->max_failures);
    return sl_strdup("= 0 failing rows");
}

/* 1 when observed breaks c's threshold (freshness: 2 = error_after, 1 = warn_after). */
static int breaks(const sl_check *c, double observed, int64_t failures, int64_t rows)
{
    switch (c->kind) {
    case SL_CHECK_NULL_RATE:
    case SL_CHECK_DUPLICATE_RATE:
    case SL_CHECK_ROW_COUNT_CHANGE:
        return observed > c->max + 1e-12;
    case SL_CHECK_REQUIRED_COLUMNS:
    case SL_CHECK_SCHEMA:
        return observed > 0;
    case SL_CHECK_ROW_COUNT:
        return (c->has_min && observed < c->min) || (c->has_max && observed > c->max);
    case SL_CHECK_ROW_COUNT_MATCH:
    case SL_CHECK_EQUAL_AGGREGATES:
        return observed > c->tolerance + 1e-12;
    case SL_CHECK_FRESHNESS:
        if (c->error_after_s && observed > (double)c->error_after_s)
            return 2;
        return c->warn_after_s && observed > (double)c->warn_after_s;
    default:
        break;
    }
    int64_t f = failures >= 0 ? failures : (int64_t)observed;
    int bad = 0;
    if (c->has_max_failures && f > c->max_failures)
        bad = 1;
    if (c->has_max_failure_rate) {
        if (rows > 0 && (double)f / (double)rows > c->max_failure_rate + 1e-12)
            bad = 1;
        else if (rows < 0 && f > 0 && !c->has_max_failures)
            bad = 1; /* the rows are unknown: any failing row breaks it */
    }
    if (!c->has_max_failures && !c->has_max_failure_rate && f > 0)
        bad = 1;
    return bad;
}

void sl_check_judge(const sl_check *c, const char *node, double observed, int64_t failures, int64_t rows,
                    sl_check_result *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->node, sizeof r->node, "%s", node ? node : "");
    snprintf(r->check, sizeof r->check, "%s", c->name ? c->name : sl_check_kind_name(c->kind));
    r->kind = sl_check_kind_name(c->kind);
    snprintf(r->column, sizeof r->column, "%s", c->ncolumns ? c->columns[0] : "");
    snprintf(r->severity, sizeof r->severity, "%s", c->severity == SL_SEVERITY_WARN ? "warn" : "error");
    char *th = sl_check_threshold_text(c);
    snprintf(r->threshold, sizeof r->threshold, "%s", th);
    sl_free(th);
    r->failures = sl_check_kind_is_row(c->kind) ? (failures >= 0 ? failures : (int64_t)observed) : -1;
    r->rows = rows;
    if (isnan(observed)) {
        /* nothing to compare yet (row_count_change without history) */
        snprintf(r->status, sizeof r->status, "pass");
        snprintf(r->message, sizeof r->message, "%s: nothing to compare with yet", r->kind);
        return;
    }
    r->has_observed = 1;
    r->observed = observed;
    int b = breaks(c, observed, failures, rows);
    const char *status = "pass";
    if (b)
        status = c->severity == SL_SEVERITY_WARN || (c->kind == SL_CHECK_FRESHNESS && b == 1) ? "warn" : "fail";
    snprintf(r->status, sizeof r->status, "%s", status);
    char v[64];
    if (sl_check_kind_is_row(c->kind)) {
        snprintf(r->message, sizeof r->message, "%s: %lld failing row%s%s%s", r->kind, (long long)r->failures,
                 r->failures == 1 ? "" : "s", b ? ", expected " : "", b ? r->threshold : "");
        if (rows >= 0) {
            size_t len = strlen(r->message);
            snprintf(r->message + len, sizeof r->message - len, " (of %lld)", (long long)rows);
        }
        return;
    }
    if (c->kind == SL_CHECK_FRESHNESS)
        sl_check_duration_text((int64_t)observed, v, sizeof v);
    else
        num_text(observed, v, sizeof v);
    snprintf(r->message, sizeof r->message, "%s %s%s%s%s", r->kind, v, c->kind == SL_CHECK_FRESHNESS ? " old" : "",
             b ? ", expected " : "", b ? r->threshold : "");
}

void sl_check_result_release(sl_check_result *r)
{
    if (!r)
        return;
    sl_free(r->sample_json);
    r->sample_json = NULL;
}

void sl_check_release(sl_check *c)
{
    if (!c)
        return;
    sl_free(c->name);
    for (size_t i = 0; i < c->ncolumns; i++)
        sl_free(c->columns[i]);
    sl_free(c->columns);
    sl_free(c->where);
    for (size_t i = 0; i < c->nvalues; i++)
        sl_free(c->values[i]);
    sl_free(c->values);
    sl_free(c->pattern);
    sl_free(c->format);
    sl_free(c->expression);
    sl_free(c->compare_to);
    sl_free(c->compare_expression);
    sl_free(c->to);
    sl_free(c->field);
    sl_free(c->sql);
    sl_free(c->against);
    sl_free(c->description);
    for (size_t i = 0; i < c->nschema; i++) {
        sl_free(c->schema_names[i]);
        sl_free(c->schema_types[i]);
    }
    sl_free(c->schema_names);
    sl_free(c->schema_types);
    memset(c, 0, sizeof *c);
}

void sl_checks_free(sl_check_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        sl_check_release(&l->v[i]);
    sl_free(l->v);
    l->v = NULL;
    l->n = 0;
}
