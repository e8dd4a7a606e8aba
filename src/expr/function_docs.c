/*
 * function_docs.c: the documentation of every function an expression may
 * call (derive columns, filter conditions): sluice's own (functions.c) and
 * the SQLite built-ins people reach for. One table, the single source of
 * `sluice help functions [NAME]` and of docs/FUNCTIONS.md (generated with
 * `sluice help functions --markdown`). tests/unit/test_functions.c runs
 * every example through the expression engine and compares its result,
 * and fails when a function sluice registers has no entry here.
 */
#include "expr/functions.h"
#include <string.h>

/* The sections, in the order help shows them. */
static const char *const sections[] = {"sluice", "go-to-market", "text", "null handling", "numbers", "json", "date and time", NULL};

static const sl_function_doc docs[] = {
    /* ---- sluice's own (functions.c) ---- */
    {"sha256", "sluice", 1, "sha256(x)",
     "the lowercase hex SHA-256 of x's text (a number hashes as its text: sha256(42) = sha256('42')); ad "
     "platforms take audiences as sha256(normalize_email(email))",
     "NULL gives NULL", "sha256('abc')", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"regexp", "sluice", 1, "regexp(pattern, x)",
     "1 when the PCRE2 regular expression pattern (UTF-8) matches anywhere in x's text (anchor it with ^...$), "
     "else 0; x REGEXP pattern is the same; a bad pattern, or one that backtracks catastrophically on a value, "
     "is an error naming it (quality/regexp.c)",
     "NULL gives NULL", "regexp('^[A-Z]{2}-[0-9]+$', 'AB-12')", "1"},
    {"sl_format_valid", "sluice", 1, "sl_format_valid(format, x)",
     "1 when x is a valid email, e164, iso_country, iso_currency, url, uuid or date (the rules of the format "
     "check, docs/quality/checks.md), else 0; an unknown format is an error",
     "NULL gives NULL", "sl_format_valid('iso_country', 'DE')", "1"},

    /* ---- go-to-market (gtm/gtm.h): e-mails, companies, domains, Unicode text (h1) ---- */
#include "gtm/docs_text.inc"
    /* ---- go-to-market: phones, countries, currencies (h2) ---- */
#include "gtm/docs_reference.inc"

    /* ---- text ---- */
    {"lower", "text", 1, "lower(x)",
     "x in lower case, every letter (Unicode simple case mapping: 'ÉCOLE' gives 'école'); sluice's, in place of "
     "SQLite's ASCII-only one",
     "NULL gives NULL; so does invalid UTF-8", "lower('ÉCOLE Ann')", "école ann"},
    {"upper", "text", 1, "upper(x)",
     "x in upper case, every letter (Unicode simple case mapping: 'españa' gives 'ESPAÑA'; ß is kept); "
     "sluice's, in place of SQLite's ASCII-only one",
     "NULL gives NULL; so does invalid UTF-8", "upper('españa')", "ESPAÑA"},
    {"trim", "text", 0, "trim(x[, chars])", "x without leading and trailing spaces (or any of the characters in chars)",
     "NULL gives NULL", "trim('  a b  ')", "a b"},
    {"ltrim", "text", 0, "ltrim(x[, chars])", "x without leading spaces (or any of the characters in chars)",
     "NULL gives NULL", "ltrim('00042', '0')", "42"},
    {"rtrim", "text", 0, "rtrim(x[, chars])", "x without trailing spaces (or any of the characters in chars)",
     "NULL gives NULL", "rtrim('a.csv  ')", "a.csv"},
    {"substr", "text", 0, "substr(x, start[, length])",
     "the part of x from character start (1 is the first; a negative start counts from the end), length "
     "characters long or to the end",
     "NULL in any argument gives NULL", "substr('2024-03-15', 1, 4)", "2024"},
    {"replace", "text", 0, "replace(x, from, to)", "x with every occurrence of from replaced by to",
     "NULL in any argument gives NULL", "replace('+1 555-0100', '-', '')", "+1 5550100"},
    {"length", "text", 0, "length(x)", "the number of characters of a text (bytes of a blob; of a number, its text's)",
     "NULL gives NULL", "length('héllo')", "5"},
    {"instr", "text", 0, "instr(x, y)", "the character position of the first y in x (1 is the first), 0 if none",
     "NULL in either argument gives NULL", "instr('ann@x.io', '@')", "4"},
    {"printf", "text", 0, "printf(format, ...)",
     "text formatted like C's printf: %d, %s, %f, %.2f, %05d, %%, ...",
     "a NULL argument prints as empty text for %s and as 0 for %d", "printf('%05d-%s', 42, 'x')", "00042-x"},
    {"format", "text", 0, "format(format, ...)", "the same as printf()",
     "a NULL argument prints as empty text for %s and as 0 for %d", "format('%.2f EUR', 3.14159)", "3.14 EUR"},
    {"hex", "text", 0, "hex(x)", "the upper-case hexadecimal of x's bytes (its UTF-8 text)",
     "NULL gives '' (empty text), not NULL", "hex('ab')", "6162"},

    /* ---- null handling and conditions ---- */
    {"coalesce", "null handling", 0, "coalesce(x, y, ...)", "the first argument that is not NULL (two or more arguments)",
     "NULL when every argument is NULL", "coalesce(NULL, 'none')", "none"},
    {"ifnull", "null handling", 0, "ifnull(x, y)", "x, or y when x is NULL", "NULL when both are NULL",
     "ifnull(NULL, 0)", "0"},
    {"nullif", "null handling", 0, "nullif(x, y)", "NULL when x = y, else x (nullif(x, '') turns empty text into NULL)",
     "NULL x gives NULL", "nullif('', '')", "NULL"},
    {"iif", "null handling", 0, "iif(condition, a, b)", "a when condition is true, else b (as CASE WHEN ... THEN a ELSE b END)",
     "a NULL condition is not true: b", "iif(3 > 2, 'big', 'small')", "big"},
    {"typeof", "null handling", 0, "typeof(x)",
     "'null', 'integer', 'real', 'text' or 'blob': how the value reached SQL (dates, timestamps, decimals and "
     "json are text)",
     "NULL gives 'null'", "typeof(1.5)", "real"},

    /* ---- numbers ---- */
    {"abs", "numbers", 0, "abs(x)", "the absolute value of x (a text that is not a number gives 0.0)",
     "NULL gives NULL", "abs(-4)", "4"},
    {"round", "numbers", 0, "round(x[, digits])", "x rounded to digits decimal places (default 0), as a real",
     "NULL gives NULL", "round(3.14159, 2)", "3.14"},
    {"floor", "numbers", 0, "floor(x)", "the largest whole number not above x", "NULL gives NULL", "floor(-2.5)",
     "-3.0"},
    {"ceil", "numbers", 0, "ceil(x)", "the smallest whole number not below x", "NULL gives NULL", "ceil(2.1)", "3.0"},
    {"max", "numbers", 0, "max(x, y, ...)",
     "the largest argument (two or more arguments: with one, max is the aggregate, which a row expression refuses)",
     "any NULL argument gives NULL", "max(3, 7, 5)", "7"},
    {"min", "numbers", 0, "min(x, y, ...)",
     "the smallest argument (two or more arguments: with one, min is the aggregate, which a row expression refuses)",
     "any NULL argument gives NULL", "min(3, 7, 5)", "3"},

    /* ---- json ---- */
    {"json_extract", "json", 0, "json_extract(json, path, ...)",
     "the value at path ($.a.b, $.items[0]): a text, a number, or JSON text for an object or an array",
     "NULL json, or a path that is not there, gives NULL; a text that is not JSON fails the run (guard with "
     "json_valid)",
     "json_extract('{\"a\": {\"b\": [10, 20]}}', '$.a.b[1]')", "20"},
    {"json_valid", "json", 0, "json_valid(x)", "1 when x is well-formed JSON, else 0",
     "check NULL with IS NULL (SQLite versions differ here)", "json_valid('{\"a\": 1')", "0"},
    {"json_type", "json", 0, "json_type(json[, path])",
     "'object', 'array', 'integer', 'real', 'text', 'true', 'false' or 'null': the type of the value (at path)",
     "NULL json, or a path that is not there, gives NULL", "json_type('{\"a\": [1]}', '$.a')", "array"},
    {"json_array_length", "json", 0, "json_array_length(json[, path])",
     "the number of elements of the array (at path); 0 when it is not an array",
     "NULL json, or a path that is not there, gives NULL", "json_array_length('[1, 2, 3]')", "3"},
    {"json_object", "json", 0, "json_object(key, value, ...)", "JSON object text built from key/value pairs",
     "a NULL value becomes JSON null", "json_object('id', 1, 'tags', json_array('a', 'b'))",
     "{\"id\":1,\"tags\":[\"a\",\"b\"]}"},
    {"json_array", "json", 0, "json_array(value, ...)", "JSON array text of the values",
     "a NULL value becomes JSON null", "json_array(1, 'a', NULL)", "[1,\"a\",null]"},

    /* ---- date and time (dates and timestamps reach SQL as ISO-8601 text) ---- */
    {"date", "date and time", 0, "date(time, modifier, ...)",
     "the date 'YYYY-MM-DD' of time, after modifiers such as '+1 day', '-3 months', 'start of month'",
     "NULL, or a text that is not a time, gives NULL", "date('2024-01-31T22:15:00', '+1 day')", "2024-02-01"},
    {"time", "date and time", 0, "time(time, modifier, ...)", "the time of day 'HH:MM:SS' of time, after modifiers",
     "NULL, or a text that is not a time, gives NULL", "time('2024-03-15T10:30:00Z', '+90 minutes')", "12:00:00"},
    {"datetime", "date and time", 0, "datetime(time, modifier, ...)",
     "'YYYY-MM-DD HH:MM:SS' in UTC (a +HH:MM offset or Z in time is applied), after modifiers",
     "NULL, or a text that is not a time, gives NULL", "datetime('2024-03-15T10:30:00+02:00')", "2024-03-15 08:30:00"},
    {"julianday", "date and time", 0, "julianday(time, modifier, ...)",
     "the Julian day number of time, as a real: subtract two for a difference in days",
     "NULL, or a text that is not a time, gives NULL", "julianday('2024-03-02') - julianday('2024-03-01')", "1.0"},
    {"strftime", "date and time", 0, "strftime(format, time, modifier, ...)",
     "time formatted with %Y %m %d %H %M %S %j %W %w %s (seconds since 1970) ...",
     "NULL, or a text that is not a time, gives NULL", "strftime('%Y/%m', '2024-03-15')", "2024/03"},
    {"unixepoch", "date and time", 0, "unixepoch(time, modifier, ...)", "seconds since 1970-01-01 UTC, as an integer",
     "NULL, or a text that is not a time, gives NULL", "unixepoch('2024-01-01')", "1704067200"},
};

const sl_function_doc *sl_functions_docs(size_t *n)
{
    *n = sizeof docs / sizeof docs[0];
    return docs;
}

const sl_function_doc *sl_functions_doc(const char *name)
{
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        if (strcmp(docs[i].name, name) == 0)
            return &docs[i];
    return NULL;
}

const char *const *sl_functions_sections(void)
{
    return sections;
}
