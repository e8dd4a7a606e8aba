/*
 * check_sql.c: the SQL of a check, for SQLite and PostgreSQL: the
 * predicate that is true for a failing row (pipelines evaluate it on their
 * batches, the warehouse on a relation) and the queries sl_check_run asks.
 *
 * Names go through sl_sql_ident; every value a check is given (accepted
 * values, a pattern, bounds, a format's code list) is a quoted literal or
 * a number printed by us, never pasted text. User-written SQL
 * (expression, where, sql, equal_aggregates' expressions) is the user's,
 * as in dbt, parenthesized; the caller runs the result as one statement.
 *
 * Formats: SQLite calls sl_format_valid() (formats.c); PostgreSQL gets
 * regular expressions (~) that accept exactly the same values, and IN
 * lists of the ISO codes.
 */
#include "quality/check_int.h"
#include "core/mem.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* PostgreSQL regular expressions of the formats (see formats.c for the
 * rules they mirror). L: a letter, digit or non-ASCII character; H: the
 * same or '-'; A: RFC 5322 atext or non-ASCII. */
#define PG_L "[^\\x01-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7f]"
#define PG_H "[^\\x01-\\x2c\\x2e\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7f]"
#define PG_A "[^\\x01-\\x20\\x7f\"(),.:;<>@\\[\\\\\\]]"
#define PG_LABEL PG_L "(" PG_H "{0,61}" PG_L ")?"
/* e-mail: the shape only; the lengths (local part 1-64, labels 1-63) and
 * the TLD not all digits are separate tests in pg_format_valid: bounded
 * repeats ({0,61}) and lookaheads make PostgreSQL's regex engine build a
 * huge automaton (90 s for 10M values, against 3 s this way). */
static const char pg_email[] = "^" PG_A "+(\\." PG_A "+)*@(" PG_L "(" PG_H "*" PG_L ")?\\.)+" PG_L PG_H "*" PG_L "$";
static const char pg_url[] = "^[hH][tT][tT][pP][sS]?://(" PG_LABEL "(\\." PG_LABEL ")*|\\[[0-9A-Fa-f:.]+\\])"
                             "(:[0-9]{1,5})?([/?#][^\\x01-\\x20\\x7f]*)?$";
static const char pg_e164[] = "^\\+[1-9][0-9]{7,14}$";
static const char pg_uuid[] = "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$";
static const char pg_date[] = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$";

const char *sl_format_pg_regex(const char *format)
{
    if (strcmp(format, "email") == 0)
        return pg_email;
    if (strcmp(format, "url") == 0)
        return pg_url;
    if (strcmp(format, "e164") == 0)
        return pg_e164;
    if (strcmp(format, "uuid") == 0)
        return pg_uuid;
    if (strcmp(format, "date") == 0)
        return pg_date;
    return NULL;
}

static void num(sl_buf *b, double v)
{
    sl_buf_addf(b, "%.17g", v);
}

/* PostgreSQL: the SQL that is true when x (text) is a valid value of format. */
static int pg_format_valid(sl_buf *out, const char *format, const char *x, sl_error *err)
{
    if (strcmp(format, "iso_country") == 0 || strcmp(format, "iso_currency") == 0) {
        const char *const *codes;
        size_t n;
        char msg[600];
        if (sl_format_codes(format, &codes, &n, msg, sizeof msg) < 0)
            return sl_error_set(err, SL_ECONFIG, "%s", msg);
        sl_buf_addf(out, "%s IN (", x);
        for (size_t i = 0; i < n; i++) {
            if (i)
                sl_buf_addc(out, ',');
            sl_sql_literal(out, codes[i]);
        }
        sl_buf_addc(out, ')');
        return 0;
    }
    const char *re = sl_format_pg_regex(format);
    if (!re)
        return sl_error_set(err, SL_ECONFIG, "unknown format '%s'", format);
    if (strcmp(format, "date") == 0) {
        /* the shape, then a real calendar day; CASE keeps the casts behind the shape test */
        sl_buf_addf(out, "CASE WHEN %s ~ ", x);
        sl_sql_literal(out, re);
        sl_buf_addf(out,
                    " THEN substr(%s,1,4)::int >= 1 AND substr(%s,9,2)::int <= CASE substr(%s,6,2)::int WHEN 2 THEN "
                    "CASE WHEN (substr(%s,1,4)::int %% 4 = 0 AND substr(%s,1,4)::int %% 100 <> 0) OR "
                    "substr(%s,1,4)::int %% 400 = 0 THEN 29 ELSE 28 END WHEN 4 THEN 30 WHEN 6 THEN 30 WHEN 9 THEN 30 "
                    "WHEN 11 THEN 30 ELSE 31 END ELSE false END",
                    x, x, x, x, x, x);
        return 0;
    }
    sl_buf_addf(out, "%s ~ ", x);
    sl_sql_literal(out, re);
    if (strcmp(format, "email") == 0)
        sl_buf_addf(out,
                    " AND char_length(%s) <= 254 AND strpos(%s, '@') BETWEEN 2 AND 65 AND %s !~ '\\.[0-9]+$'"
                    " AND split_part(%s, '@', 2) !~ '[^.]{64}'",
                    x, x, x, x);
    return 0;
}

/* (v1,v2,...) of accepted_values: quoted literals, or numbers printed by us (quote: false). */
static int value_list(const sl_check *c, sl_buf *out, sl_error *err)
{
    sl_buf_addc(out, '(');
    for (size_t i = 0; i < c->nvalues; i++) {
        if (i)
            sl_buf_addc(out, ',');
        const char *v = c->values[i];
        if (c->quote) {
            sl_sql_literal(out, v);
        } else if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0) {
            sl_buf_adds(out, strcmp(v, "true") == 0 ? "TRUE" : "FALSE");
        } else {
            char *end;
            double n = strtod(v, &end);
            if (end == v || *end)
                return sl_error_set(err, SL_ECONFIG, "check %s: '%s' is not a number (quote: false)", c->name, v);
            num(out, n);
        }
    }
    sl_buf_addc(out, ')');
    return 0;
}

int sl_check_fail_predicate(const sl_check *c, sl_sql_dialect d, sl_buf *out, sl_error *err)
{
    int pg = d == SL_SQL_POSTGRES;
    sl_buf col, x;
    sl_buf_init(&col);
    sl_buf_init(&x);
    if (c->ncolumns)
        sl_sql_ident(&col, c->columns[0]);
    int rc = 0;
    size_t start = out->len;
    if (c->where)
        sl_buf_addf(out, "(%s) AND (", c->where);
    switch (c->kind) {
    case SL_CHECK_NOT_NULL:
        sl_buf_addc(out, '(');
        for (size_t i = 0; i < c->ncolumns; i++) {
            if (i)
                sl_buf_adds(out, " OR ");
            sl_sql_ident(out, c->columns[i]);
            sl_buf_adds(out, " IS NULL");
        }
        sl_buf_addc(out, ')');
        break;
    case SL_CHECK_ACCEPTED_VALUES:
        sl_buf_addf(out, "%s IS NOT NULL AND %s NOT IN ", col.data, col.data);
        rc = value_list(c, out, err);
        if (rc == 0 && !pg && c->quote) {
            /* SQLite: a column without affinity (a pipeline's batch) holding 30 is not IN ('30'); its text is */
            sl_buf_addf(out, " AND CAST(%s AS TEXT) NOT IN ", col.data);
            rc = value_list(c, out, err);
        }
        break;
    case SL_CHECK_REGEX:
        if (pg) {
            sl_buf_addf(out, "%s IS NOT NULL AND NOT ((%s)::text ~ ", col.data, col.data);
            sl_sql_literal(out, c->pattern);
            sl_buf_addc(out, ')');
        } else {
            sl_buf_addf(out, "%s IS NOT NULL AND NOT regexp(", col.data);
            sl_sql_literal(out, c->pattern);
            sl_buf_addf(out, ", %s)", col.data);
        }
        break;
    case SL_CHECK_RANGE:
    case SL_CHECK_LENGTH: {
        if (c->kind == SL_CHECK_LENGTH)
            sl_buf_addf(&x, pg ? "char_length((%s)::text)" : "length(CAST(%s AS TEXT))", col.data);
        else
            sl_buf_adds(&x, col.data);
        const char *lo = c->exclusive ? "<=" : "<", *hi = c->exclusive ? ">=" : ">";
        sl_buf_addf(out, "%s IS NOT NULL AND (", col.data);
        if (c->has_min) {
            sl_buf_addf(out, "%s %s ", x.data, lo);
            num(out, c->min);
        }
        if (c->has_max) {
            sl_buf_addf(out, "%s%s %s ", c->has_min ? " OR " : "", x.data, hi);
            num(out, c->max);
        }
        if (!c->has_min && !c->has_max)
            sl_buf_adds(out, pg ? "false" : "0");
        sl_buf_addc(out, ')');
        break;
    }
    case SL_CHECK_FORMAT:
        if (pg) {
            sl_buf_addf(&x, "(%s)::text", col.data);
            sl_buf_addf(out, "%s IS NOT NULL AND NOT (", col.data);
            rc = pg_format_valid(out, c->format ? c->format : "", x.data, err);
            sl_buf_addc(out, ')');
        } else {
            char msg[600];
            if (sl_format_check(c->format, "", 0, msg, sizeof msg) < 0) {
                rc = sl_error_set(err, SL_ECONFIG, "check %s: %s", c->name, msg);
                break;
            }
            sl_buf_addf(out, "%s IS NOT NULL AND NOT sl_format_valid(", col.data);
            sl_sql_literal(out, c->format);
            sl_buf_addf(out, ", %s)", col.data);
        }
        break;
    case SL_CHECK_EXPRESSION:
        sl_buf_addf(out, "NOT coalesce((%s), %s)", c->expression ? c->expression : "NULL", pg ? "false" : "0");
        break;
    default:
        rc = -1;
        if (err)
            sl_error_set(err, SL_EINTERNAL, "check %s: %s has no row predicate", c->name ? c->name : "?",
                         sl_check_kind_name(c->kind));
        break;
    }
    if (rc == 0 && c->where)
        sl_buf_addc(out, ')');
    if (rc < 0) {
        out->len = start;
        if (out->data)
            out->data[start] = 0;
    }
    sl_buf_release(&col);
    sl_buf_release(&x);
    return rc;
}

/* The relation the check reads, with where applied, as a FROM item aliased `alias`. */
void sl_check_from_sql(const sl_check *c, const char *rel, const char *alias, sl_buf *out)
{
    if (c->where)
        sl_buf_addf(out, "(SELECT * FROM %s WHERE (%s)) %s", rel, c->where, alias);
    else
        sl_buf_addf(out, "%s %s", rel, alias);
}

/* User SQL without trailing blanks and semicolons, so it can stand in a subquery. */
static void add_body(sl_buf *b, const char *sql)
{
    size_t n = strlen(sql);
    while (n && (isspace((unsigned char)sql[n - 1]) || sql[n - 1] == ';'))
        n--;
    sl_buf_add(b, sql, n);
}

/* c1, c2, ... and "c1 IS NOT NULL AND c2 IS NOT NULL" */
static void key_lists(const sl_check *c, sl_buf *cols, sl_buf *notnull)
{
    for (size_t i = 0; i < c->ncolumns; i++) {
        if (i) {
            sl_buf_adds(cols, ", ");
            sl_buf_adds(notnull, " AND ");
        }
        sl_sql_ident(cols, c->columns[i]);
        sl_sql_ident(notnull, c->columns[i]);
        sl_buf_adds(notnull, " IS NOT NULL");
    }
}

int sl_check_build_sql_typed(const sl_check *c, sl_sql_dialect d, const char *rel, const char *other,
                             const char *coltype, sl_check_sql *out, sl_error *err)
{
    memset(out, 0, sizeof *out);
    int pg = d == SL_SQL_POSTGRES;
    sl_buf q, from, from2, a, b;
    sl_buf_init(&q);
    sl_buf_init(&from);
    sl_buf_init(&from2);
    sl_buf_init(&a);
    sl_buf_init(&b);
    sl_check_from_sql(c, rel, "sl_t", &from);
    sl_check_from_sql(c, rel, "sl_u", &from2);
    int rc = 0;
    if ((c->kind == SL_CHECK_RELATIONSHIPS || c->kind == SL_CHECK_EQUAL_AGGREGATES ||
         (c->kind == SL_CHECK_ROW_COUNT_MATCH && !(c->compare_to && strcmp(c->compare_to, "source") == 0))) &&
        !other) {
        rc = sl_error_set(err, SL_EINTERNAL, "check %s: the other table is not resolved", c->name);
        goto done;
    }
    switch (c->kind) {
    case SL_CHECK_NOT_NULL:
    case SL_CHECK_ACCEPTED_VALUES:
    case SL_CHECK_REGEX:
    case SL_CHECK_RANGE:
    case SL_CHECK_LENGTH:
    case SL_CHECK_FORMAT:
    case SL_CHECK_EXPRESSION:
        out->row_level = 1;
        sl_buf_addf(&q, "SELECT * FROM %s WHERE ", rel);
        rc = sl_check_fail_predicate(c, d, &q, err);
        break;
    case SL_CHECK_UNIQUE:
        out->row_level = 1;
        key_lists(c, &a, &b);
        sl_buf_addf(&q, "SELECT * FROM %s WHERE (%s) IN (SELECT %s FROM %s WHERE %s GROUP BY %s HAVING count(*) > 1)",
                    from.data, a.data, a.data, from2.data, b.data, a.data);
        break;
    case SL_CHECK_RELATIONSHIPS:
        out->row_level = 1;
        sl_sql_ident(&a, c->columns[0]);
        sl_sql_ident(&b, c->field ? c->field : c->columns[0]);
        sl_buf_addf(&q, "SELECT * FROM %s WHERE sl_t.%s IS NOT NULL AND NOT EXISTS (SELECT 1 FROM %s sl_o WHERE sl_o.%s = sl_t.%s)",
                    from.data, a.data, other, b.data, a.data);
        break;
    case SL_CHECK_SQL:
        out->row_level = 1;
        add_body(&q, c->sql ? c->sql : "");
        break;
    case SL_CHECK_NULL_RATE:
        sl_sql_ident(&a, c->columns[0]);
        sl_buf_addf(&q,
                    "SELECT CASE WHEN count(*) = 0 THEN 0 ELSE sum(CASE WHEN %s IS NULL THEN 1 ELSE 0 END) * 1.0 / "
                    "count(*) END, count(*), coalesce(sum(CASE WHEN %s IS NULL THEN 1 ELSE 0 END), 0) FROM %s",
                    a.data, a.data, from.data);
        break;
    case SL_CHECK_DUPLICATE_RATE:
        key_lists(c, &a, &b);
        sl_buf_addf(&q,
                    "SELECT CASE WHEN n = 0 THEN 0 ELSE dup * 1.0 / n END, n, dup FROM (SELECT (SELECT count(*) FROM "
                    "%s) AS n, (SELECT coalesce(sum(k - 1), 0) FROM (SELECT count(*) AS k FROM %s WHERE %s GROUP BY "
                    "%s) sl_g) AS dup) sl_x",
                    from.data, from2.data, b.data, a.data);
        break;
    case SL_CHECK_ROW_COUNT:
        sl_buf_addf(&q, "SELECT count(*), count(*) FROM %s", from.data);
        break;
    case SL_CHECK_ROW_COUNT_MATCH:
        if (!other || (c->compare_to && strcmp(c->compare_to, "source") == 0))
            break; /* compare_to: source: a pipeline's, no SQL */
        sl_buf_addf(&q,
                    "SELECT CASE WHEN b = 0 THEN CASE WHEN a = 0 THEN 0 ELSE 1 END ELSE abs(a - b) * 1.0 / b END, a, "
                    "a, b FROM (SELECT (SELECT count(*) FROM %s) AS a, (SELECT count(*) FROM %s sl_o) AS b) sl_x",
                    from.data, other);
        break;
    case SL_CHECK_EQUAL_AGGREGATES:
        sl_buf_addf(&q,
                    "SELECT CASE WHEN b = 0 THEN CASE WHEN a = 0 THEN 0 ELSE 1 END ELSE abs(a - b) * 1.0 / abs(b) "
                    "END, NULL, a, b FROM (SELECT coalesce((SELECT %s FROM %s), 0) AS a, coalesce((SELECT %s FROM "
                    "%s sl_o), 0) AS b) sl_x",
                    c->expression, from.data, c->compare_expression ? c->compare_expression : c->expression, other);
        break;
    case SL_CHECK_FRESHNESS:
        if (!c->ncolumns)
            break;
        sl_sql_ident(&a, c->columns[0]);
        if (!pg) {
            /* numbers are Unix seconds (milliseconds above 1e11); text is read by julianday() */
            sl_buf_addf(&q,
                        "SELECT CASE WHEN typeof(m) IN ('integer', 'real') THEN CASE WHEN m > 100000000000 THEN "
                        "((julianday('now') - 2440587.5) * 86400.0) - m / 1000.0 ELSE ((julianday('now') - 2440587.5) * 86400.0) - m END ELSE "
                        "(julianday('now') - julianday(m)) * 86400.0 END, n, m FROM (SELECT max(%s) AS m, count(*) "
                        "AS n FROM %s) sl_x",
                        a.data, from.data);
        } else {
            /* timestamp without time zone and dates are UTC; text is read as timestamptz; numbers are Unix seconds */
            const char *t = coltype ? coltype : "";
            const char *conv = "extract(epoch from m)";
            if (strstr(t, "char") || strcmp(t, "text") == 0)
                conv = "extract(epoch from m::timestamptz)";
            else if (strstr(t, "int") || strstr(t, "numeric") || strstr(t, "double") || strstr(t, "real"))
                conv = "(CASE WHEN m > 100000000000 THEN m / 1000.0 ELSE m END)";
            sl_buf_addf(&q,
                        "SELECT extract(epoch from now()) - %s, n, m FROM (SELECT max(%s) AS m, count(*) AS n FROM "
                        "%s) sl_x",
                        conv, a.data, from.data);
        }
        break;
    default:
        /* required_columns, schema, row_count_change: sl_check_run */
        break;
    }
done:
    if (rc == 0 && q.len) {
        if (out->row_level)
            out->failing_rows = sl_buf_detach(&q);
        else
            out->observed = sl_buf_detach(&q);
    }
    sl_buf_release(&q);
    sl_buf_release(&from);
    sl_buf_release(&from2);
    sl_buf_release(&a);
    sl_buf_release(&b);
    return rc;
}

int sl_check_build_sql(const sl_check *c, sl_sql_dialect d, const char *rel, const char *other, sl_check_sql *out,
                       sl_error *err)
{
    return sl_check_build_sql_typed(c, d, rel, other, NULL, out, err);
}

void sl_check_sql_release(sl_check_sql *s)
{
    if (!s)
        return;
    sl_free(s->failing_rows);
    sl_free(s->observed);
    s->failing_rows = s->observed = NULL;
}
