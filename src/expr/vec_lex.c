/* vec_lex.c: the native expression tokenizer (vec_lex.h), and
 * sl_vnum_decimal (vec_node.h), the conversion of its real literals. */
#include "expr/vec_lex.h"
#include "expr/vec_node.h"
#include "core/mem.h"
#include <ctype.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static int id_char(int c)
{
    return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

/* sl_vnum_decimal (vec_node.h): the decimal at p (n bytes, digits, '.', exponent) as SQLite's
 * sqlite3AtoF (3.40) computes it: significand s and exponent e, then
 * s / 10^-e or s * 10^e in long double. Only when s has at most 15
 * significant digits (18 in all) and |e| <= 22, where that is exact up
 * to the final rounding; else -1. */
int sl_vnum_decimal(const char *p, size_t n, double *out)
{
    int64_t s = 0;
    int digits = 0, sig = 0, e = 0, d = 0;
    size_t i = 0;
    /* past 18 digits s is no longer kept: the number is refused below */
    for (; i < n && isdigit((unsigned char)p[i]); i++, digits++) {
        if (digits < 18)
            s = s * 10 + (p[i] - '0');
        if (s)
            sig++;
    }
    if (i < n && p[i] == '.')
        for (i++; i < n && isdigit((unsigned char)p[i]); i++, digits++, d--) {
            if (digits < 18)
                s = s * 10 + (p[i] - '0');
            if (s)
                sig++;
        }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        int esign = 1, ev = 0, ed = 0;
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-'))
            esign = p[i++] == '-' ? -1 : 1;
        for (; i < n && isdigit((unsigned char)p[i]); i++, ed++)
            if (ev < 1000)
                ev = ev * 10 + (p[i] - '0');
        if (!ed)
            return -1;
        e = esign * ev;
    }
    if (i != n || digits > 18 || sig > 15)
        return -1;
    e += d;
    if (e < -307 || e > 307)
        return -1;
    if (s == 0) {
        *out = 0.0;
        return 0;
    }
    /* sqlite3AtoF's scaling, step for step */
    int ae = e < 0 ? -e : e;
    long double scale = 1.0L;
    while (ae % 22) {
        scale *= 1.0e+1L;
        ae -= 1;
    }
    while (ae > 0) {
        scale *= 1.0e+22L;
        ae -= 22;
    }
    *out = e < 0 ? (double)((long double)s / scale) : (double)((long double)s * scale);
    return 0;
}

/* Read the next token into p. */
void sl_vlex_next(sl_vlex *p)
{
    sl_free(p->text);
    p->text = NULL;
    const char *s = p->s;
    for (;;) {
        while (is_space((unsigned char)s[p->pos]))
            p->pos++;
        if (s[p->pos] == '-' && s[p->pos + 1] == '-') {
            while (s[p->pos] && s[p->pos] != '\n')
                p->pos++;
            continue;
        }
        if (s[p->pos] == '/' && s[p->pos + 1] == '*') {
            const char *end = strstr(s + p->pos + 2, "*/");
            if (!end) {
                p->fail = 1;
                p->tk = SL_VTK_END;
                return;
            }
            p->pos = (size_t)(end - s) + 2;
            continue;
        }
        break;
    }
    size_t at = p->pos;
    unsigned char c = (unsigned char)s[at];
    p->tp = s + at;
    if (!c) {
        p->tk = SL_VTK_END;
        p->tn = 0;
        return;
    }
    if (c == '\'' || c == '"' || c == '`' || c == '[') {
        char close = c == '[' ? ']' : (char)c;
        sl_buf t;
        sl_buf_init(&t);
        size_t i = at + 1;
        for (;;) {
            if (!s[i]) {
                sl_buf_release(&t);
                p->fail = 1;
                p->tk = SL_VTK_END;
                return;
            }
            if (s[i] == close) {
                if (close != ']' && s[i + 1] == close) {
                    sl_buf_addc(&t, close);
                    i += 2;
                    continue;
                }
                i++;
                break;
            }
            sl_buf_addc(&t, s[i++]);
        }
        p->textn = t.len;
        sl_buf_addc(&t, 0);
        p->text = sl_buf_detach(&t);
        p->tk = c == '\'' ? SL_VTK_STR : SL_VTK_QID;
        p->tn = i - at;
        p->pos = i;
        /* SQLite's "double-quoted" may be a string: only a column here */
        if (c == '"')
            p->tk = SL_VTK_QID;
        return;
    }
    if (isdigit(c) || (c == '.' && isdigit((unsigned char)s[at + 1]))) {
        size_t i = at;
        int real = 0;
        if (c == '0' && (s[at + 1] == 'x' || s[at + 1] == 'X')) {
            p->fail = 1; /* hex literals: SQLite */
            p->tk = SL_VTK_END;
            return;
        }
        while (isdigit((unsigned char)s[i]))
            i++;
        if (s[i] == '.') {
            real = 1;
            i++;
            while (isdigit((unsigned char)s[i]))
                i++;
        }
        if (s[i] == 'e' || s[i] == 'E') {
            size_t j = i + 1;
            if (s[j] == '+' || s[j] == '-')
                j++;
            if (isdigit((unsigned char)s[j])) {
                real = 1;
                i = j;
                while (isdigit((unsigned char)s[i]))
                    i++;
            }
        }
        if (id_char((unsigned char)s[i]) || s[i] == '.' || s[i] == '_') {
            p->fail = 1; /* 1a, 1.2.3: SQLite's error */
            p->tk = SL_VTK_END;
            return;
        }
        p->tn = i - at;
        p->pos = i;
        if (real) {
            p->tk = SL_VTK_REAL;
            if (sl_vnum_decimal(s + at, i - at, &p->rv) < 0)
                p->fail = 1;
            return;
        }
        p->tk = SL_VTK_INT;
        uint64_t v = 0;
        for (size_t k = at; k < i; k++) {
            if (v > ((uint64_t)INT64_MAX - (uint64_t)(s[k] - '0')) / 10) {
                p->fail = 1; /* beyond INT64_MAX: SQLite makes it a real */
                return;
            }
            v = v * 10 + (uint64_t)(s[k] - '0');
        }
        p->iv = (int64_t)v;
        return;
    }
    if (isalpha(c) || c == '_' || c >= 0x80) {
        size_t i = at;
        while (id_char((unsigned char)s[i]))
            i++;
        p->tk = SL_VTK_ID;
        p->tn = i - at;
        p->pos = i;
        return;
    }
    static const char *const ops[] = {"||", "->>", "->", "==", "!=", "<>", "<=", ">=", "<<", ">>", "=", "<", ">",
                                      "+", "-", "*", "/", "%", "(", ")", ",", ".", "~", "&", "|", NULL};
    for (int k = 0; ops[k]; k++) {
        size_t n = strlen(ops[k]);
        if (strncmp(s + at, ops[k], n) == 0) {
            p->tk = SL_VTK_OP;
            p->tn = n;
            p->pos = at + n;
            return;
        }
    }
    p->fail = 1;
    p->tk = SL_VTK_END;
}

int sl_vlex_is_op(const sl_vlex *p, const char *op)
{
    return p->tk == SL_VTK_OP && p->tn == strlen(op) && strncmp(p->tp, op, p->tn) == 0;
}

int sl_vlex_is_kw(const sl_vlex *p, const char *kw)
{
    return p->tk == SL_VTK_ID && p->tn == strlen(kw) && strncasecmp(p->tp, kw, p->tn) == 0;
}
