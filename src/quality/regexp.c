/*
 * regexp.c: the SQL functions the checks call on SQLite, registered by
 * sl_quality_register_sqlite on every warehouse connection, the
 * expression engine's connection and sink audits:
 *
 *   regexp(pattern, value)        PCRE2 in UTF-8 mode; also `value REGEXP
 *                                 pattern`. 1 when the pattern matches
 *                                 anywhere in the value, 0 when not (or the
 *                                 value is not valid UTF-8), NULL for a
 *                                 NULL value or pattern. A bad pattern is
 *                                 an SQL error naming it with PCRE2's
 *                                 message and offset; a match that hits
 *                                 the match or depth limit (catastrophic
 *                                 backtracking) is an error too, never a
 *                                 silent pass or fail.
 *   sl_format_valid(format, value) 1/0 (formats.c), NULL for NULL; an
 *                                 unknown format or an unreadable ISO list
 *                                 is an error.
 *
 * Compiled patterns are cached per connection (SL_RE_CACHE entries,
 * replaced round robin); a connection is used by one thread at a time.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "quality/check_int.h"
#include "core/mem.h"
#include "db/sqlite.h"
#include <pcre2.h>
#include <stdio.h>
#include <string.h>

#define SL_RE_CACHE 16
#define SL_RE_MATCH_LIMIT 1000000u /* backtracking steps per value */
#define SL_RE_DEPTH_LIMIT 10000u

typedef struct re_entry {
    char *pattern;
    pcre2_code *code;
    pcre2_match_data *md;
} re_entry;

typedef struct re_cache {
    re_entry e[SL_RE_CACHE];
    size_t next;
    pcre2_match_context *mctx;
} re_cache;

static pcre2_code *compile(const char *pattern, size_t len, char *msg, size_t cap)
{
    int code;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, len, PCRE2_UTF, &code, &off, NULL);
    if (!re) {
        PCRE2_UCHAR text[256];
        pcre2_get_error_message(code, text, sizeof text);
        snprintf(msg, cap, "%s at offset %zu", (const char *)text, (size_t)off);
    }
    return re;
}

int sl_regex_check(const char *pattern, char *msg, size_t cap)
{
    pcre2_code *re = compile(pattern, strlen(pattern), msg, cap);
    if (!re)
        return -1;
    pcre2_code_free(re);
    return 0;
}

static void cache_free(void *p)
{
    re_cache *c = p;
    for (size_t i = 0; i < SL_RE_CACHE; i++) {
        sl_free(c->e[i].pattern);
        pcre2_match_data_free(c->e[i].md);
        pcre2_code_free(c->e[i].code);
    }
    pcre2_match_context_free(c->mctx);
    sl_free(c);
}

/* The cached entry of pattern, compiling it when new; NULL with msg on a bad pattern. */
static re_entry *cache_get(re_cache *c, const char *pattern, size_t len, char *msg, size_t cap)
{
    for (size_t i = 0; i < SL_RE_CACHE; i++)
        if (c->e[i].pattern && strlen(c->e[i].pattern) == len && memcmp(c->e[i].pattern, pattern, len) == 0)
            return &c->e[i];
    pcre2_code *re = compile(pattern, len, msg, cap);
    if (!re)
        return NULL;
    re_entry *e = &c->e[c->next];
    c->next = (c->next + 1) % SL_RE_CACHE;
    sl_free(e->pattern);
    pcre2_match_data_free(e->md);
    pcre2_code_free(e->code);
    e->pattern = sl_strndup(pattern, len);
    e->code = re;
    e->md = pcre2_match_data_create_from_pattern(re, NULL);
    return e;
}

static void fn_regexp(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    re_cache *c = sqlite3_user_data(ctx);
    const char *pat = (const char *)sqlite3_value_text(argv[0]);
    size_t plen = (size_t)sqlite3_value_bytes(argv[0]);
    const char *val = (const char *)sqlite3_value_text(argv[1]);
    size_t vlen = (size_t)sqlite3_value_bytes(argv[1]);
    if (!pat || !val) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    char msg[320];
    re_entry *e = cache_get(c, pat, plen, msg, sizeof msg);
    if (!e) {
        char *m = sl_printf("regexp: pattern '%.*s' is not a valid regular expression: %s", (int)(plen > 200 ? 200 : plen),
                            pat, msg);
        sqlite3_result_error(ctx, m, -1);
        sl_free(m);
        return;
    }
    int rc = pcre2_match(e->code, (PCRE2_SPTR)val, vlen, 0, 0, e->md, c->mctx);
    if (rc >= 0) {
        sqlite3_result_int(ctx, 1);
    } else if (rc == PCRE2_ERROR_NOMATCH || (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21)) {
        sqlite3_result_int(ctx, 0);
    } else {
        PCRE2_UCHAR text[256];
        pcre2_get_error_message(rc, text, sizeof text);
        char *m = sl_printf("regexp: pattern '%.*s' could not be matched against a value (%s): simplify the "
                            "pattern (nested repetition backtracks catastrophically)",
                            (int)(plen > 200 ? 200 : plen), pat, (const char *)text);
        sqlite3_result_error(ctx, m, -1);
        sl_free(m);
    }
}

static void fn_format_valid(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    const char *fmt = (const char *)sqlite3_value_text(argv[0]);
    const char *val = (const char *)sqlite3_value_text(argv[1]);
    int n = sqlite3_value_bytes(argv[1]);
    if (!fmt || !val) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    char msg[600];
    int v = sl_format_check(fmt, val, (size_t)n, msg, sizeof msg);
    if (v < 0) {
        char *m = sl_printf("sl_format_valid: %s", msg);
        sqlite3_result_error(ctx, m, -1);
        sl_free(m);
        return;
    }
    sqlite3_result_int(ctx, v);
}

int sl_quality_register_sqlite(struct sqlite3 *db, sl_error *err)
{
    int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    re_cache *c = sl_calloc(1, sizeof *c);
    c->mctx = pcre2_match_context_create(NULL);
    pcre2_set_match_limit(c->mctx, SL_RE_MATCH_LIMIT);
    pcre2_set_depth_limit(c->mctx, SL_RE_DEPTH_LIMIT);
    /* SQLite calls cache_free when the function is replaced or the connection closes, also on failure */
    if (sqlite3_create_function_v2(db, "regexp", 2, flags, c, fn_regexp, NULL, NULL, cache_free) != SQLITE_OK ||
        sqlite3_create_function(db, "sl_format_valid", 2, flags, NULL, fn_format_valid, NULL, NULL) != SQLITE_OK)
        return sl_error_set(err, SL_EINTERNAL, "registering regexp() and sl_format_valid(): %s", sqlite3_errmsg(db));
    return 0;
}
