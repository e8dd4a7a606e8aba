/* vec_lex.c: the native expression tokenizer (vec_lex.h), and
 * sl_vnum_decimal (vec_node.h), SQLite's decimal-to-double conversion
 * (sqlite3AtoF): of real literals here, of texts taken as numbers in
 * vec_value.c (JSON numbers are not converted so: vec_json.c). */
#include "expr/vec_lex.h"
#include "expr/vec_node.h"
#include "core/mem.h"
#include <ctype.h>
#include <math.h>
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

/* sl_vnum_decimal (vec_node.h): the decimal at p (n bytes: digits, '.',
 * an exponent) as SQLite 3.40's sqlite3AtoF computes it, for any number
 * of digits and any exponent. Its documented behaviour, reproduced here
 * operation for operation so that the double is the same to the bit:
 * - the significand s is an int64 that takes digits while it is below
 *   (INT64_MAX - 9) / 10: later digits of the integer part only raise
 *   the exponent, later fraction digits are dropped (truncation, not
 *   rounding);
 * - the exponent's digits saturate at 10000; e = exponent - the number of
 *   fraction digits kept;
 * - while e > 0: s is multiplied by 10 (e > 0, while s < INT64_MAX/10) or
 *   divided by 10 (e < 0, while s is a multiple of 10), e moving to 0;
 * - e == 0: s converted to double;
 * - |e| <= 307: scale = 10^|e| in long double by squaring (sqlite3Pow10:
 *   r = 1, x = 10; for each bit of |e| from the lowest, r *= x when it is
 *   set, then x *= x); s * scale (or s / scale) in long double, rounded
 *   once to double;
 * - 308 <= |e| <= 341: scale = 10^(|e| - 308) so; s * scale (s / scale)
 *   rounded to double, then times (divided by) 1e308 in double;
 * - |e| >= 342: 0.0 or infinity.
 * 0, or -1 when p is not such a decimal (no digit, an 'e' without
 * exponent digits, another character): the callers never pass one. */
/* sqlite3Pow10: 10^e (0 < e <= 307) in long double, by squaring. */
static long double pow10_ld(int e)
{
    long double x = 10.0L, r = 1.0L;
    for (;;) {
        if (e & 1)
            r *= x;
        e >>= 1;
        if (e == 0)
            return r;
        x *= x;
    }
}

int sl_vnum_decimal(const char *p, size_t n, double *out)
{
    const int64_t room = (INT64_MAX - 9) / 10;
    int64_t s = 0;
    int shift = 0, ndigits = 0;
    size_t i = 0;
    while (i < n && isdigit((unsigned char)p[i])) {
        s = s * 10 + (p[i++] - '0');
        ndigits++;
        if (s >= room)
            for (; i < n && isdigit((unsigned char)p[i]); i++)
                shift++;
    }
    if (i < n && p[i] == '.')
        for (i++; i < n && isdigit((unsigned char)p[i]); i++)
            if (s < room) {
                s = s * 10 + (p[i] - '0');
                shift--;
                ndigits++;
            }
    int e = 0;
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        int esign = 1, ed = 0;
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-'))
            esign = p[i++] == '-' ? -1 : 1;
        for (; i < n && isdigit((unsigned char)p[i]); i++, ed++)
            e = e < 10000 ? e * 10 + (p[i] - '0') : 10000;
        if (!ed)
            return -1;
        e *= esign;
    }
    if (i != n || ndigits == 0)
        return -1;
    e += shift;
    int down = e < 0;
    if (down)
        e = -e;
    if (s == 0) {
        *out = 0.0;
        return 0;
    }
    for (; e > 0; e--) {
        if (!down && s >= INT64_MAX / 10)
            break;
        if (down && s % 10 != 0)
            break;
        s = down ? s / 10 : s * 10;
    }
    if (e == 0) {
        *out = (double)s;
        return 0;
    }
    if (e >= 342) {
        *out = down ? 0.0 : (double)INFINITY;
        return 0;
    }
    if (e > 307) {
        long double scale = e > 308 ? pow10_ld(e - 308) : 1.0L;
        double r = down ? (double)((long double)s / scale) : (double)((long double)s * scale);
        *out = down ? r / 1.0e+308 : r * 1.0e+308;
        return 0;
    }
    long double scale = pow10_ld(e);
    *out = down ? (double)((long double)s / scale) : (double)((long double)s * scale);
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
