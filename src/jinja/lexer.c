/*
 * lexer.c: template text to tokens, with Jinja's rules: data between
 * {{ }}, {% %} and {# #}; `-` on a delimiter strips the whitespace on that
 * side (newlines included); {% raw %}...{% endraw %} is data; inside a tag,
 * names, numbers, strings (Python escapes) and operators, with brackets
 * balanced so `{{ {'a': {'b': 1}} }}` ends at the right `}}`.
 *
 * Every token carries its 1-based line and column. Data tokens point into
 * the source; decoded strings go in the template's arena: no allocation
 * per character.
 */
#include "jinja/jinja_int.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct lex {
    const char *file, *src;
    size_t n, pos;
    /* line tracking: lines counted up to `at` */
    size_t at, linestart;
    uint32_t line;
    sl_arena *arena;
    jtok *toks;
    size_t ntoks, cap;
    sl_error *err;
} lex;

static void where(lex *L, size_t pos, uint32_t *line, uint32_t *col)
{
    while (L->at < pos) {
        if (L->src[L->at] == '\n') {
            L->line++;
            L->linestart = L->at + 1;
        }
        L->at++;
    }
    *line = L->line;
    *col = (uint32_t)(pos - L->linestart + 1);
}

static int lerr(lex *L, size_t pos, const char *fmt, const char *arg)
{
    uint32_t line, col;
    where(L, pos, &line, &col);
    char msg[512];
    snprintf(msg, sizeof msg, fmt, arg);
    return sl_error_set(L->err, SL_ECONFIG, "%s:%u:%u: %s", L->file, line, col, msg);
}

static jtok *push(lex *L, int type, size_t pos)
{
    if (L->ntoks == L->cap)
        sl_grow((void **)&L->toks, &L->cap, L->ntoks + 1, sizeof(jtok));
    jtok *t = &L->toks[L->ntoks++];
    memset(t, 0, sizeof *t);
    t->type = (uint8_t)type;
    t->off = pos;
    where(L, pos, &t->line, &t->col);
    return t;
}

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

static void push_data(lex *L, size_t from, size_t to, int lstrip, int rstrip)
{
    if (lstrip)
        while (from < to && is_ws(L->src[from]))
            from++;
    if (rstrip)
        while (to > from && is_ws(L->src[to - 1]))
            to--;
    if (to <= from)
        return;
    jtok *t = push(L, T_DATA, from);
    t->p = L->src + from;
    t->n = to - from;
}

/* Does src[pos..] start with `{%[-+]? *WORD *[-+]?%}`? Returns the end (after %}) or 0. */
static size_t match_tag_word(lex *L, size_t pos, const char *word, int *lws, int *rws)
{
    const char *s = L->src;
    size_t n = L->n, i = pos + 2, wl = strlen(word);
    *lws = *rws = 0;
    if (i < n && (s[i] == '-' || s[i] == '+')) {
        *lws = s[i] == '-';
        i++;
    }
    while (i < n && is_ws(s[i]))
        i++;
    if (i + wl > n || memcmp(s + i, word, wl) != 0)
        return 0;
    i += wl;
    if (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_'))
        return 0;
    while (i < n && is_ws(s[i]))
        i++;
    if (i < n && (s[i] == '-' || s[i] == '+')) {
        *rws = s[i] == '-';
        i++;
    }
    if (i + 1 < n + 1 && i + 2 <= n && s[i] == '%' && s[i + 1] == '}')
        return i + 2;
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static size_t put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A string literal at pos (quote char there). */
static int lex_string(lex *L, size_t *ppos)
{
    const char *s = L->src;
    size_t pos = *ppos, i = pos + 1;
    char q = s[pos];
    while (i < L->n && s[i] != q) {
        if (s[i] == '\\' && i + 1 < L->n)
            i++;
        i++;
    }
    if (i >= L->n)
        return lerr(L, pos, "%s", "unterminated string literal");
    size_t end = i; /* the closing quote */
    char *o = sl_arena_alloc(L->arena, end - pos + 1);
    size_t on = 0;
    for (i = pos + 1; i < end; i++) {
        char c = s[i];
        if (c != '\\') {
            o[on++] = c;
            continue;
        }
        char e = s[++i];
        switch (e) {
        case '\n': break;
        case '\\': o[on++] = '\\'; break;
        case '\'': o[on++] = '\''; break;
        case '"': o[on++] = '"'; break;
        case 'a': o[on++] = '\a'; break;
        case 'b': o[on++] = '\b'; break;
        case 'f': o[on++] = '\f'; break;
        case 'n': o[on++] = '\n'; break;
        case 'r': o[on++] = '\r'; break;
        case 't': o[on++] = '\t'; break;
        case 'v': o[on++] = '\v'; break;
        case 'x': case 'u': case 'U': {
            int nd = e == 'x' ? 2 : e == 'u' ? 4 : 8;
            uint32_t cp = 0;
            for (int k = 0; k < nd; k++) {
                int h = i + 1 + (size_t)k < end ? hexval(s[i + 1 + (size_t)k]) : -1;
                if (h < 0)
                    return lerr(L, i - 1, "truncated \\%s escape in a string literal",
                                e == 'x' ? "xXX" : e == 'u' ? "uXXXX" : "UXXXXXXXX");
                cp = cp * 16 + (uint32_t)h;
            }
            if (cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000))
                return lerr(L, i - 1, "%s", "illegal Unicode character in a string literal");
            i += (size_t)nd;
            on += put_utf8(o + on, cp); /* at most 4 bytes for >= 4 source bytes */
            break;
        }
        default:
            if (e >= '0' && e <= '7') {
                uint32_t cp = 0;
                int k = 0;
                while (k < 3 && i < end && s[i] >= '0' && s[i] <= '7') {
                    cp = cp * 8 + (uint32_t)(s[i] - '0');
                    i++;
                    k++;
                }
                i--;
                on += put_utf8(o + on, cp);
            } else {
                o[on++] = '\\';
                o[on++] = e;
            }
        }
    }
    o[on] = 0;
    jtok *t = push(L, T_STRING, pos);
    t->p = o;
    t->n = on;
    *ppos = end + 1;
    return 0;
}

static int lex_number(lex *L, size_t *ppos)
{
    const char *s = L->src;
    size_t pos = *ppos, i = pos;
    int isfloat = 0;
    if (s[pos] == '0' && pos + 2 < L->n && strchr("xXoObB", s[pos + 1]) && s[pos + 1]) {
        /* 0x1f, 0o17, 0b101 (with _ separators) */
        int base = s[pos + 1] == 'x' || s[pos + 1] == 'X' ? 16 : s[pos + 1] == 'o' || s[pos + 1] == 'O' ? 8 : 2;
        int64_t v = 0;
        int big = 0, nd = 0;
        i = pos + 2;
        for (; i < L->n; i++) {
            if (s[i] == '_' && i + 1 < L->n && s[i + 1] != '_')
                continue;
            int d = hexval(s[i]);
            if (d < 0 || d >= base)
                break;
            if (__builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, d, &v))
                big = 1;
            nd++;
        }
        if (nd > 0) {
            jtok *t = push(L, T_INT, pos);
            t->p = s + pos;
            t->n = i - pos;
            t->i = v;
            t->big = big;
            *ppos = i;
            return 0;
        }
        i = pos;
    }
#define DIGITS()                                                                                                       \
    do {                                                                                                               \
        while (i < L->n && (isdigit((unsigned char)s[i]) || (s[i] == '_' && i + 1 < L->n && isdigit((unsigned char)s[i + 1])))) \
            i++;                                                                                                       \
    } while (0)
    DIGITS();
    int after_dot = pos > 0 && s[pos - 1] == '.';
    if (!after_dot && i + 1 < L->n && s[i] == '.' && isdigit((unsigned char)s[i + 1])) {
        isfloat = 1;
        i++;
        DIGITS();
    }
    if (!after_dot && i < L->n && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < L->n && (s[j] == '+' || s[j] == '-'))
            j++;
        if (j < L->n && isdigit((unsigned char)s[j])) {
            isfloat = 1;
            i = j;
            DIGITS();
        }
    }
#undef DIGITS
    if (!isfloat && s[pos] == '0') { /* jinja2: an integer starting with 0 is 0, 00, 0_0... */
        i = pos + 1;
        while (i < L->n && (s[i] == '0' || (s[i] == '_' && i + 1 < L->n && s[i + 1] == '0')))
            i++;
    }
    char buf[128];
    size_t bn = 0;
    for (size_t k = pos; k < i && bn < sizeof buf - 1; k++)
        if (s[k] != '_')
            buf[bn++] = s[k];
    buf[bn] = 0;
    jtok *t = push(L, isfloat ? T_FLOAT : T_INT, pos);
    t->p = s + pos;
    t->n = i - pos;
    if (isfloat)
        t->d = strtod(buf, NULL);
    else {
        int64_t v = 0;
        for (size_t k = 0; k < bn; k++) {
            if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, buf[k] - '0', &v)) {
                t->big = 1;
                break;
            }
        }
        t->i = v;
    }
    *ppos = i;
    return 0;
}

static const struct { const char *s; int op; } ops[] = {
    {"//", OP_FLOORDIV}, {"**", OP_POW}, {"==", OP_EQ}, {"!=", OP_NE}, {">=", OP_GE}, {"<=", OP_LE},
    {"+", OP_ADD}, {"-", OP_SUB}, {"/", OP_DIV}, {"*", OP_MUL}, {"%", OP_MOD}, {"~", OP_TILDE},
    {"[", OP_LBRACKET}, {"]", OP_RBRACKET}, {"(", OP_LPAREN}, {")", OP_RPAREN}, {"{", OP_LBRACE},
    {"}", OP_RBRACE}, {">", OP_GT}, {"<", OP_LT}, {"=", OP_ASSIGN}, {".", OP_DOT}, {":", OP_COLON},
    {"|", OP_PIPE}, {",", OP_COMMA}, {";", OP_SEMI},
};

const char *sl_jop_text(int op)
{
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (ops[i].op == op)
            return ops[i].s;
    return "?";
}

/* The inside of a tag from pos; `kind` is T_VAR_BEGIN or T_BLOCK_BEGIN.
 * On return *ppos is after the closing delimiter, *rstrip says `-` was on it. */
static int lex_tag(lex *L, size_t *ppos, int kind, int *lstrip_next)
{
    const char *s = L->src;
    size_t i = *ppos;
    char stack[SL_JINJA_MAX_DEPTH];
    int depth = 0;
    for (;;) {
        while (i < L->n && is_ws(s[i]))
            i++;
        if (i >= L->n)
            return lerr(L, i, "unexpected end of template: the %s is not closed",
                        kind == T_VAR_BEGIN ? "'{{' tag" : "'{%' tag");
        if (depth == 0) {
            size_t j = i;
            int strip = 0;
            if ((s[j] == '-' || (s[j] == '+' && kind == T_BLOCK_BEGIN)) && j + 1 < L->n) {
                strip = s[j] == '-';
                j++;
            }
            if (kind == T_VAR_BEGIN && j + 1 < L->n && s[j] == '}' && s[j + 1] == '}') {
                if (j == i || s[i] == '-') {
                    push(L, T_VAR_END, i);
                    *lstrip_next = strip;
                    *ppos = j + 2;
                    return 0;
                }
            }
            if (kind == T_BLOCK_BEGIN && j + 1 < L->n && s[j] == '%' && s[j + 1] == '}') {
                push(L, T_BLOCK_END, i);
                *lstrip_next = strip;
                *ppos = j + 2;
                return 0;
            }
        }
        char c = s[i];
        if (isalpha((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80) {
            size_t st = i;
            while (i < L->n && (isalnum((unsigned char)s[i]) || s[i] == '_' || (unsigned char)s[i] >= 0x80))
                i++;
            jtok *t = push(L, T_NAME, st);
            t->p = s + st;
            t->n = i - st;
            continue;
        }
        if (isdigit((unsigned char)c)) {
            if (lex_number(L, &i) < 0)
                return -1;
            continue;
        }
        if (c == '\'' || c == '"') {
            if (lex_string(L, &i) < 0)
                return -1;
            continue;
        }
        size_t k;
        for (k = 0; k < sizeof ops / sizeof ops[0]; k++) {
            size_t l = strlen(ops[k].s);
            if (i + l <= L->n && memcmp(s + i, ops[k].s, l) == 0)
                break;
        }
        if (k == sizeof ops / sizeof ops[0]) {
            char ch[8];
            snprintf(ch, sizeof ch, "%c", c);
            return lerr(L, i, "unexpected character '%s' in a tag", ch);
        }
        int op = ops[k].op;
        if (op == OP_LPAREN || op == OP_LBRACKET || op == OP_LBRACE) {
            if (depth >= SL_JINJA_MAX_DEPTH)
                return lerr(L, i, "%s", "brackets nested too deeply (limit 256)");
            stack[depth++] = (char)op;
        } else if (op == OP_RPAREN || op == OP_RBRACKET || op == OP_RBRACE) {
            int want = op == OP_RPAREN ? OP_LPAREN : op == OP_RBRACKET ? OP_LBRACKET : OP_LBRACE;
            if (depth == 0)
                return lerr(L, i, "unexpected '%s'", ops[k].s);
            if (stack[depth - 1] != want) {
                const char *exp = stack[depth - 1] == OP_LPAREN ? ")" : stack[depth - 1] == OP_LBRACKET ? "]" : "}";
                char m[64];
                snprintf(m, sizeof m, "unexpected '%s', expected '%s'", ops[k].s, exp);
                return lerr(L, i, "%s", m);
            }
            depth--;
        }
        jtok *t = push(L, T_OP, i);
        t->op = (uint8_t)op;
        t->p = s + i;
        t->n = strlen(ops[k].s);
        i += t->n;
    }
}

int sl_jlex(const char *file, const char *src, size_t n, sl_arena *arena, jtok **toks, size_t *ntoks,
            sl_error *err)
{
    lex L = {.file = file, .src = src, .n = n, .line = 1, .arena = arena, .err = err};
    int lstrip = 0;
    size_t pos = 0;
    while (pos < n) {
        /* next tag start */
        size_t k = pos;
        const char *hit = NULL;
        while (k + 1 < n) {
            hit = memchr(src + k, '{', n - k - 1);
            if (!hit)
                break;
            k = (size_t)(hit - src);
            if (src[k + 1] == '{' || src[k + 1] == '%' || src[k + 1] == '#')
                break;
            k++;
            hit = NULL;
        }
        if (!hit) {
            push_data(&L, pos, n, lstrip, 0);
            break;
        }
        char kind = src[k + 1];
        int ws_before = k + 2 < n && src[k + 2] == '-';
        int lws, rws;
        size_t rawend = kind == '%' ? match_tag_word(&L, k, "raw", &lws, &rws) : 0;
        push_data(&L, pos, k, lstrip, ws_before);
        lstrip = 0;
        if (kind == '#') {
            size_t e = k + 2;
            const char *close = NULL;
            while (e + 1 < n) {
                close = memchr(src + e, '#', n - e - 1);
                if (!close)
                    break;
                e = (size_t)(close - src);
                if (src[e + 1] == '}')
                    break;
                e++;
                close = NULL;
            }
            if (!close)
                return sl_free(L.toks), lerr(&L, k, "%s", "unexpected end of template: the comment '{#' is not closed");
            lstrip = e > k + 2 && src[e - 1] == '-';
            pos = e + 2;
            continue;
        }
        if (rawend) {
            /* find {% endraw %} */
            size_t e = rawend;
            size_t endtag = 0;
            int elws = 0, erws = 0;
            while (e + 1 < n) {
                const char *h = memchr(src + e, '{', n - e - 1);
                if (!h)
                    break;
                e = (size_t)(h - src);
                if (src[e + 1] == '%' && (endtag = match_tag_word(&L, e, "endraw", &elws, &erws)) != 0)
                    break;
                e++;
            }
            if (!endtag)
                return sl_free(L.toks), lerr(&L, k, "%s", "unexpected end of template: '{% raw %}' is not closed by '{% endraw %}'");
            push_data(&L, rawend, e, rws, elws);
            lstrip = erws;
            pos = endtag;
            continue;
        }
        int ttype = kind == '{' ? T_VAR_BEGIN : T_BLOCK_BEGIN;
        push(&L, ttype, k);
        pos = k + 2;
        if (pos < n && (src[pos] == '-' || src[pos] == '+'))
            pos++;
        if (lex_tag(&L, &pos, ttype, &lstrip) < 0) {
            sl_free(L.toks);
            return -1;
        }
    }
    push(&L, T_EOF, n);
    *toks = L.toks;
    *ntoks = L.ntoks;
    return 0;
}
