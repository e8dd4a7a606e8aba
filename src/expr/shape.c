/* shape.c: see shape.h. Token rules are SQLite's: '...' strings and
 * "...", `...` names with the quote doubled inside, [...] names, -- line
 * comments, and block comments. */
#include "expr/shape.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The end of the quoted token opened at p (the byte past its closing
 * quote), or NULL if it never closes. */
static const char *quoted_end(const char *p)
{
    char close = *p == '[' ? ']' : *p;
    for (const char *q = p + 1; *q; q++)
        if (*q == close) {
            if (close != ']' && q[1] == close) {
                q++; /* a doubled quote stands for itself */
                continue;
            }
            return q + 1;
        }
    return NULL;
}

/* Words that begin a statement and never an expression (SELECT, WITH and
 * VALUES do begin a subquery: "(SELECT ...)" is an expression). */
static const char *const statement_words[] = {
    "ALTER", "ANALYZE", "ATTACH", "BEGIN", "COMMIT", "CREATE", "DELETE", "DETACH", "DROP", "END",
    "EXPLAIN", "INSERT", "PRAGMA", "REINDEX", "RELEASE", "ROLLBACK", "SAVEPOINT", "UPDATE", "VACUUM", NULL};

/* The statement word the text begins with (after blanks and comments), or NULL. */
static const char *statement_word(const char *p)
{
    for (;;) {
        p += strspn(p, " \t\r\n\f\v");
        if (p[0] == '-' && p[1] == '-')
            p += strcspn(p, "\n");
        else if (p[0] == '/' && p[1] == '*' && strstr(p + 2, "*/"))
            p = strstr(p + 2, "*/") + 2;
        else
            break;
    }
    size_t n = 0;
    while (isalpha((unsigned char)p[n]))
        n++;
    if (!n || isalnum((unsigned char)p[n]) || p[n] == '_' || p[n] == '$')
        return NULL;
    for (size_t i = 0; statement_words[i]; i++)
        if (strlen(statement_words[i]) == n && strncasecmp(p, statement_words[i], n) == 0)
            return statement_words[i];
    return NULL;
}

int sl_expr_shape_check(const char *text, char *msg, size_t len)
{
    const char *word = statement_word(text);
    if (word) {
        snprintf(msg, len, "%s begins a statement; only an expression is allowed here (e.g. amount > 0)", word);
        return -1;
    }
    int depth = 0, content = 0;
    for (const char *p = text; *p;) {
        size_t at = (size_t)(p - text) + 1;
        if (*p == '\'' || *p == '"' || *p == '`' || *p == '[') {
            const char *e = quoted_end(p);
            if (!e) {
                snprintf(msg, len, "the %s opened at character %zu never ends",
                         *p == '\'' ? "string" : "quoted name", at);
                return -1;
            }
            p = e;
            content = 1;
        } else if (p[0] == '-' && p[1] == '-') {
            p += strcspn(p, "\n");
        } else if (p[0] == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            if (!e) {
                snprintf(msg, len, "the comment opened at character %zu never ends", at);
                return -1;
            }
            p = e + 2;
        } else if (*p == ';') {
            snprintf(msg, len, "';' at character %zu: an expression is not a list of statements", at);
            return -1;
        } else if (*p == '(') {
            depth++, p++, content = 1;
        } else if (*p == ')') {
            if (--depth < 0) {
                snprintf(msg, len, "')' at character %zu closes a parenthesis the expression did not open", at);
                return -1;
            }
            p++;
        } else {
            if (!strchr(" \t\r\n\f\v", *p))
                content = 1;
            p++;
        }
    }
    if (depth > 0) {
        snprintf(msg, len, "%d parenthes%s left open", depth, depth == 1 ? "is is" : "es are");
        return -1;
    }
    if (!content) {
        snprintf(msg, len, "the expression is empty");
        return -1;
    }
    return 0;
}
