/*
 * methods.c: the Python methods templates call on strings, lists and dicts
 * ('a,b'.split(','), cols.append(x), d.items(), d.get('k', 0)...), with
 * Python's behaviour for the arguments real projects pass. Case changes
 * are ASCII-only (bytes of other characters are kept as they are).
 *
 * Also the stable sort shared with the sort filter.
 */
#include "jinja/jinja_int.h"
#include <ctype.h>
#include <string.h>

enum {
    M_S_UPPER, M_S_LOWER, M_S_STRIP, M_S_LSTRIP, M_S_RSTRIP, M_S_REPLACE, M_S_SPLIT, M_S_STARTSWITH,
    M_S_ENDSWITH, M_S_JOIN, M_S_FORMAT, M_S_TITLE, M_S_CAPITALIZE, M_S_COUNT, M_S_FIND, M_S_ISDIGIT,
    M_S_ISALPHA, M_S_ISUPPER, M_S_ISLOWER,
    M_L_APPEND = 100, M_L_EXTEND, M_L_POP, M_L_INSERT, M_L_REMOVE, M_L_INDEX, M_L_COUNT, M_L_REVERSE,
    M_L_SORT, M_L_COPY,
    M_D_ITEMS = 200, M_D_KEYS, M_D_VALUES, M_D_GET, M_D_UPDATE, M_D_POP, M_D_SETDEFAULT, M_D_COPY,
};

static const struct { const char *name; int id; } str_methods[] = {
    {"upper", M_S_UPPER}, {"lower", M_S_LOWER}, {"strip", M_S_STRIP}, {"lstrip", M_S_LSTRIP},
    {"rstrip", M_S_RSTRIP}, {"replace", M_S_REPLACE}, {"split", M_S_SPLIT}, {"startswith", M_S_STARTSWITH},
    {"endswith", M_S_ENDSWITH}, {"join", M_S_JOIN}, {"format", M_S_FORMAT}, {"title", M_S_TITLE},
    {"capitalize", M_S_CAPITALIZE}, {"count", M_S_COUNT}, {"find", M_S_FIND}, {"isdigit", M_S_ISDIGIT},
    {"isalpha", M_S_ISALPHA}, {"isupper", M_S_ISUPPER}, {"islower", M_S_ISLOWER},
}, list_methods[] = {
    {"append", M_L_APPEND}, {"extend", M_L_EXTEND}, {"pop", M_L_POP}, {"insert", M_L_INSERT},
    {"remove", M_L_REMOVE}, {"index", M_L_INDEX}, {"count", M_L_COUNT}, {"reverse", M_L_REVERSE},
    {"sort", M_L_SORT}, {"copy", M_L_COPY},
}, dict_methods[] = {
    {"items", M_D_ITEMS}, {"keys", M_D_KEYS}, {"values", M_D_VALUES}, {"get", M_D_GET},
    {"update", M_D_UPDATE}, {"pop", M_D_POP}, {"setdefault", M_D_SETDEFAULT}, {"copy", M_D_COPY},
};

#define FIND_IN(tab)                                                                                                   \
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)                                                            \
        if (strlen(tab[i].name) == n && memcmp(tab[i].name, name, n) == 0)                                             \
            return tab[i].id;

int sl_jmethod_find(const sl_jv *recv, const char *name, size_t n)
{
    if (recv->type == SL_JV_STRING) {
        FIND_IN(str_methods);
    } else if (recv->type == SL_JV_LIST) {
        if (recv->sub == JV_TUPLE || recv->sub == JV_RANGE) {
            if ((n == 5 && memcmp(name, "index", 5) == 0) || (n == 5 && memcmp(name, "count", 5) == 0))
                return n == 5 && name[0] == 'i' ? M_L_INDEX : M_L_COUNT;
            return -1;
        }
        FIND_IN(list_methods);
    } else if (recv->type == SL_JV_DICT && (recv->sub == JV_PLAIN)) {
        FIND_IN(dict_methods);
    }
    return -1;
}

static const char *method_name(int id)
{
#define LOOK(tab)                                                                                                      \
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)                                                            \
        if (tab[i].id == id)                                                                                           \
            return tab[i].name;
    LOOK(str_methods);
    LOOK(list_methods);
    LOOK(dict_methods);
#undef LOOK
    return "?";
}

static int nargs(jctx *c, const jnode *at, int id, const sl_jinja_args *a, size_t min, size_t max)
{
    if (a->nkw && id != M_D_UPDATE && id != M_S_FORMAT && id != M_S_SPLIT && id != M_S_REPLACE)
        return sl_jerr(c, at, "%s() takes no keyword arguments", method_name(id));
    if (a->npos < min || a->npos > max) {
        if (min == max)
            return sl_jerr(c, at, "%s() takes exactly %zu argument%s (%zu given)", method_name(id), min,
                           min == 1 ? "" : "s", a->npos);
        return sl_jerr(c, at, "%s() takes from %zu to %zu arguments (%zu given)", method_name(id), min, max, a->npos);
    }
    for (size_t i = 0; i < a->npos; i++)
        if (a->pos[i]->type == SL_JV_UNDEFINED)
            return sl_jerr(c, at, "%s", sl_jv_undef_msg(a->pos[i]));
    return 0;
}

static int want_str(jctx *c, const jnode *at, const sl_jv *v, const char *what)
{
    if (v->type != SL_JV_STRING)
        return sl_jerr(c, at, "%s must be str, not %s", what, sl_jv_type_name(v));
    return 0;
}

/* ---- sort ---- */

typedef struct sortctx {
    jctx *c;
    const jnode *at;
    int failed;
} sortctx;

static int cmp_keys(sortctx *sc, sl_jv *a, sl_jv *b)
{
    int cmp = 0;
    if (sc->failed)
        return 0;
    if (sl_jv_compare(a, b, &cmp, "<", sc->c->err) < 0) {
        sl_jerr(sc->c, sc->at, "%s", sc->c->err->msg);
        sc->failed = 1;
        return 0;
    }
    return cmp == 2 ? 0 : cmp;
}

/* Stable merge sort of idx[0..n) by keys[idx]. */
static void msort(sortctx *sc, sl_jv **keys, size_t *idx, size_t *tmp, size_t n, int reverse)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    msort(sc, keys, idx, tmp, h, reverse);
    msort(sc, keys, idx + h, tmp, n - h, reverse);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) {
        int cmp = cmp_keys(sc, keys[idx[j]], keys[idx[i]]);
        if (reverse ? cmp > 0 : cmp < 0)
            tmp[k++] = idx[j++];
        else
            tmp[k++] = idx[i++];
    }
    while (i < h)
        tmp[k++] = idx[i++];
    while (j < n)
        tmp[k++] = idx[j++];
    memcpy(idx, tmp, n * sizeof *idx);
}

/* Sort items[0..n) in place by keys (borrowed, parallel); stable. */
int sl_jsort(jctx *c, const jnode *at, sl_jv **items, sl_jv **keys, size_t n, int reverse)
{
    if (n < 2)
        return 0;
    size_t *idx = sl_malloc((n + 1) * sizeof *idx), *tmp = sl_malloc((n + 1) * sizeof *tmp);
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    sortctx sc = {c, at, 0};
    msort(&sc, keys, idx, tmp, n, reverse);
    if (!sc.failed) {
        sl_jv **copy = sl_malloc((n + 1) * sizeof *copy);
        for (size_t i = 0; i < n; i++)
            copy[i] = items[idx[i]];
        memcpy(items, copy, n * sizeof *copy);
        sl_free(copy);
    }
    sl_free(idx);
    sl_free(tmp);
    return sc.failed ? -1 : 0;
}

/* ---- strings ---- */

/* Simple case mapping of the scripts templates meet (ASCII, Latin-1,
 * Latin Extended-A, Greek, Cyrillic); other characters are kept. */
static uint32_t cp_upper(uint32_t c)
{
    if (c < 0x80)
        return c >= 'a' && c <= 'z' ? c - 32 : c;
    if (c >= 0xE0 && c <= 0xFE && c != 0xF7)
        return c - 0x20;
    if (c == 0xFF)
        return 0x178;
    if (c == 0xB5)
        return 0x39C;
    if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177))
        return c & 1 ? c - 1 : c;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
        return c & 1 ? c : c - 1;
    if (c == 0x17F)
        return 'S';
    if (c == 0x131)
        return 'I';
    if (c >= 0x3B1 && c <= 0x3C9)
        return c == 0x3C2 ? 0x3A3 : c - 0x20;
    if (c >= 0x430 && c <= 0x44F)
        return c - 0x20;
    if (c >= 0x450 && c <= 0x45F)
        return c - 0x50;
    return c;
}

static uint32_t cp_lower(uint32_t c)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
        return c + 0x20;
    if (c == 0x178)
        return 0xFF;
    if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177))
        return c & 1 ? c : c + 1;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
        return c & 1 ? c + 1 : c;
    if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2)
        return c + 0x20;
    if (c >= 0x410 && c <= 0x42F)
        return c + 0x20;
    if (c >= 0x400 && c <= 0x40F)
        return c + 0x50;
    return c;
}

/* Whether c has case (a letter the maps above change, or one they produce). */
static int cp_cased(uint32_t c) { return cp_upper(c) != c || cp_lower(c) != c || c == 0xDF; }

static size_t utf8_dec(const unsigned char *p, size_t left, uint32_t *cp)
{
    if (p[0] < 0x80 || left < 2) {
        *cp = p[0];
        return 1;
    }
    size_t n = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC2 ? 2 : 1;
    if (n == 1 || n > left) {
        *cp = p[0];
        return 1;
    }
    uint32_t c = p[0] & (0xFF >> (n + 1));
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            *cp = p[0];
            return 1;
        }
        c = (c << 6) | (p[i] & 0x3F);
    }
    *cp = c;
    return n;
}

static void utf8_enc(sl_buf *b, uint32_t c)
{
    char o[4];
    size_t n;
    if (c < 0x80) {
        o[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        o[0] = (char)(0xC0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3F));
        n = 2;
    } else if (c < 0x10000) {
        o[0] = (char)(0xE0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (char)(0x80 | (c & 0x3F));
        n = 3;
    } else {
        o[0] = (char)(0xF0 | (c >> 18));
        o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
        o[3] = (char)(0x80 | (c & 0x3F));
        n = 4;
    }
    sl_buf_add(b, o, n);
}

/* mode: 'u' upper, 'l' lower, 'c' capitalize, 't' Python's title, 'j'
 * jinja2's title filter (words start after whitespace - ( { [ <). */
static sl_jv *case_map(sl_jv *s, int mode)
{
    sl_buf b;
    sl_buf_init(&b);
    sl_buf_reserve(&b, s->u.s.n + 4);
    const unsigned char *p = (const unsigned char *)s->u.s.p;
    size_t n = s->u.s.n;
    int start = 1;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = utf8_dec(p + i, n - i, &cp);
        if (len == 1 && p[i] >= 0x80) { /* an invalid byte: kept */
            sl_buf_addc(&b, (char)p[i]);
            i++;
            continue;
        }
        int up;
        switch (mode) {
        case 'u': up = 1; break;
        case 'l': up = 0; break;
        case 'c': up = i == 0; break;
        case 't':
            up = start;
            start = !cp_cased(cp);
            break;
        default: /* 'j' */
            if (cp < 0x80 && strchr(" \t\n\r\f\v-({[<", (int)cp) && cp) {
                start = 1;
                utf8_enc(&b, cp);
                i += len;
                continue;
            }
            up = start;
            start = 0;
            break;
        }
        if (up && cp == 0xDF)
            sl_buf_adds(&b, "SS");
        else
            utf8_enc(&b, up ? cp_upper(cp) : cp_lower(cp));
        i += len;
    }
    sl_jv *r = sl_jv_str(b.data ? b.data : "", b.len);
    sl_buf_release(&b);
    return r;
}

sl_jv *sl_jstr_case(sl_jv *s, int mode) { return case_map(s, mode); }

static int in_set(char ch, const sl_jv *chars)
{
    if (!chars)
        return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
    return memchr(chars->u.s.p, ch, chars->u.s.n) != NULL;
}

sl_jv *sl_jstr_strip(sl_jv *s, const sl_jv *chars, int left, int right)
{
    size_t a = 0, b = s->u.s.n;
    if (left)
        while (a < b && in_set(s->u.s.p[a], chars))
            a++;
    if (right)
        while (b > a && in_set(s->u.s.p[b - 1], chars))
            b--;
    return sl_jv_str(s->u.s.p + a, b - a);
}

sl_jv *sl_jstr_replace(jctx *c, const jnode *at, sl_jv *s, sl_jv *old, sl_jv *new, int64_t count)
{
    sl_buf b;
    sl_buf_init(&b);
    const char *p = s->u.s.p, *end = p + s->u.s.n;
    int64_t done = 0;
    if (old->u.s.n == 0) {
        /* Python inserts `new` between every character (and at both ends) */
        size_t ncp = sl_jv_strlen_cp(s);
        for (size_t i = 0; i <= ncp; i++) {
            if (count < 0 || done < count) {
                sl_buf_add(&b, new->u.s.p, new->u.s.n);
                done++;
            }
            if (i < ncp) {
                size_t o0 = sl_jv_str_cp_off(s, i), o1 = sl_jv_str_cp_off(s, i + 1);
                sl_buf_add(&b, s->u.s.p + o0, o1 - o0);
            }
            if (b.len > SL_JINJA_MAX_OUTPUT)
                break;
        }
    } else {
        while (p < end) {
            const char *hit = (count < 0 || done < count) ? memmem(p, (size_t)(end - p), old->u.s.p, old->u.s.n) : NULL;
            if (!hit) {
                sl_buf_add(&b, p, (size_t)(end - p));
                break;
            }
            sl_buf_add(&b, p, (size_t)(hit - p));
            sl_buf_add(&b, new->u.s.p, new->u.s.n);
            p = hit + old->u.s.n;
            done++;
            if (b.len > SL_JINJA_MAX_OUTPUT)
                break;
        }
    }
    if (b.len > SL_JINJA_MAX_OUTPUT) {
        sl_buf_release(&b);
        sl_jerr(c, at, "string longer than the 256 MiB limit");
        return NULL;
    }
    sl_jv *r = sl_jv_str(b.data ? b.data : "", b.len);
    sl_buf_release(&b);
    return r;
}

static sl_jv *str_split(jctx *c, const jnode *at, sl_jv *s, sl_jv *sep, int64_t maxsplit)
{
    sl_jv *l = sl_jv_list();
    const char *p = s->u.s.p, *end = p + s->u.s.n;
    if (!sep || sep->type == SL_JV_NONE) {
        int64_t done = 0;
        for (;;) {
            while (p < end && in_set(*p, NULL))
                p++;
            if (p >= end)
                break;
            if (maxsplit >= 0 && done >= maxsplit) {
                const char *e = end;
                while (e > p && in_set(e[-1], NULL))
                    e--;
                sl_jv_list_push(l, sl_jv_str(p, (size_t)(e - p)));
                break;
            }
            const char *q = p;
            while (q < end && !in_set(*q, NULL))
                q++;
            sl_jv_list_push(l, sl_jv_str(p, (size_t)(q - p)));
            done++;
            p = q;
        }
        return l;
    }
    if (sep->type != SL_JV_STRING || sep->u.s.n == 0) {
        sl_jv_unref(l);
        sl_jerr(c, at, sep->type != SL_JV_STRING ? "split() separator must be str or None" : "empty separator");
        return NULL;
    }
    int64_t done = 0;
    for (;;) {
        const char *hit = (maxsplit < 0 || done < maxsplit) ? memmem(p, (size_t)(end - p), sep->u.s.p, sep->u.s.n) : NULL;
        if (!hit) {
            sl_jv_list_push(l, sl_jv_str(p, (size_t)(end - p)));
            break;
        }
        sl_jv_list_push(l, sl_jv_str(p, (size_t)(hit - p)));
        p = hit + sep->u.s.n;
        done++;
    }
    return l;
}

static int affix(const sl_jv *s, const sl_jv *x, int end)
{
    if (x->u.s.n > s->u.s.n)
        return 0;
    const char *p = end ? s->u.s.p + s->u.s.n - x->u.s.n : s->u.s.p;
    return memcmp(p, x->u.s.p, x->u.s.n) == 0;
}

sl_jv *sl_jstr_join(jctx *c, const jnode *at, sl_jv *sep, sl_jv *items, int convert)
{
    sl_buf b;
    sl_buf_init(&b);
    for (size_t i = 0; i < items->u.l.n; i++) {
        sl_jv *it = items->u.l.v[i];
        if (i)
            sl_buf_add(&b, sep->u.s.p, sep->u.s.n);
        if (it->type == SL_JV_STRING)
            sl_buf_add(&b, it->u.s.p, it->u.s.n);
        else if (!convert) {
            sl_buf_release(&b);
            sl_jerr(c, at, "sequence item %zu: expected str instance, %s found", i, sl_jv_type_name(it));
            return NULL;
        } else if (it->type == SL_JV_UNDEFINED || sl_jv_str_into(it, &b, c->err) < 0) {
            sl_buf_release(&b);
            sl_jerr(c, at, "%s", it->type == SL_JV_UNDEFINED ? sl_jv_undef_msg(it) : c->err->msg);
            return NULL;
        }
        if (b.len > SL_JINJA_MAX_OUTPUT) {
            sl_buf_release(&b);
            sl_jerr(c, at, "string longer than the 256 MiB limit");
            return NULL;
        }
    }
    sl_jv *r = sl_jv_str(b.data ? b.data : "", b.len);
    sl_buf_release(&b);
    return r;
}

/* str.format: {} {0} {name} {{ }} and the !s/!r conversions; no format specs. */
static sl_jv *str_format(jctx *c, const jnode *at, sl_jv *fmt, const sl_jinja_args *a)
{
    sl_buf b;
    sl_buf_init(&b);
    const char *s = fmt->u.s.p;
    size_t n = fmt->u.s.n, auto_i = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '{' && i + 1 < n && s[i + 1] == '{') {
            sl_buf_addc(&b, '{');
            i++;
            continue;
        }
        if (s[i] == '}' && i + 1 < n && s[i + 1] == '}') {
            sl_buf_addc(&b, '}');
            i++;
            continue;
        }
        if (s[i] == '}') {
            sl_jerr(c, at, "single '}' encountered in format string");
            goto fail;
        }
        if (s[i] != '{') {
            sl_buf_addc(&b, s[i]);
            continue;
        }
        const char *close = memchr(s + i, '}', n - i);
        if (!close) {
            sl_jerr(c, at, "single '{' encountered in format string");
            goto fail;
        }
        const char *f = s + i + 1;
        size_t fl = (size_t)(close - f), nl = fl;
        char conv = 's';
        const char *bang = memchr(f, '!', fl), *colon = memchr(f, ':', fl);
        if (colon) {
            sl_jerr(c, at, "format specifications ('{:...}') are not supported in sluice templates");
            goto fail;
        }
        if (bang) {
            nl = (size_t)(bang - f);
            conv = bang + 1 < close ? bang[1] : 's';
        }
        sl_jv *arg = NULL;
        if (nl == 0) {
            arg = auto_i < a->npos ? a->pos[auto_i] : NULL;
            auto_i++;
        } else if (isdigit((unsigned char)f[0])) {
            size_t k = 0;
            for (size_t j = 0; j < nl; j++)
                k = k * 10 + (size_t)(f[j] - '0');
            arg = k < a->npos ? a->pos[k] : NULL;
        } else {
            for (size_t k = 0; k < a->nkw; k++)
                if (strlen(a->kw_names[k]) == nl && memcmp(a->kw_names[k], f, nl) == 0)
                    arg = a->kw[k];
        }
        if (!arg) {
            sl_jerr(c, at, "format(): no argument for '{%.*s}'", (int)fl, f);
            goto fail;
        }
        if (arg->type == SL_JV_UNDEFINED) {
            sl_jerr(c, at, "%s", sl_jv_undef_msg(arg));
            goto fail;
        }
        if ((conv == 'r' ? sl_jv_repr_into(arg, &b, c->err) : sl_jv_str_into(arg, &b, c->err)) < 0) {
            sl_jerr(c, at, "%s", c->err->msg);
            goto fail;
        }
        i = (size_t)(close - s);
    }
    sl_jv *r = sl_jv_str(b.data ? b.data : "", b.len);
    sl_buf_release(&b);
    return r;
fail:
    sl_buf_release(&b);
    return NULL;
}

static sl_jv *str_method(jctx *c, const jnode *at, sl_jv *s, int id, const sl_jinja_args *a)
{
    switch (id) {
    case M_S_UPPER: case M_S_LOWER: case M_S_TITLE: case M_S_CAPITALIZE:
        if (nargs(c, at, id, a, 0, 0) < 0)
            return NULL;
        return case_map(s, id == M_S_UPPER ? 'u' : id == M_S_LOWER ? 'l' : id == M_S_TITLE ? 't' : 'c');
    case M_S_STRIP: case M_S_LSTRIP: case M_S_RSTRIP: {
        if (nargs(c, at, id, a, 0, 1) < 0)
            return NULL;
        const sl_jv *chars = a->npos && a->pos[0]->type != SL_JV_NONE ? a->pos[0] : NULL;
        if (chars && want_str(c, at, chars, "strip arg") < 0)
            return NULL;
        return sl_jstr_strip(s, chars, id != M_S_RSTRIP, id != M_S_LSTRIP);
    }
    case M_S_REPLACE: {
        if (a->nkw || a->npos < 2 || a->npos > 3) {
            sl_jerr(c, at, "replace() takes 2 or 3 positional arguments");
            return NULL;
        }
        if (want_str(c, at, a->pos[0], "replace() argument 1") < 0 || want_str(c, at, a->pos[1], "replace() argument 2") < 0)
            return NULL;
        int64_t count = a->npos == 3 ? sl_jv_int_of(a->pos[2]) : -1;
        return sl_jstr_replace(c, at, s, a->pos[0], a->pos[1], count);
    }
    case M_S_SPLIT: {
        sl_jv *sep = sl_jinja_arg(a, 0, "sep"), *mx = sl_jinja_arg(a, 1, "maxsplit");
        if (a->npos > 2) {
            sl_jerr(c, at, "split() takes at most 2 arguments");
            return NULL;
        }
        return str_split(c, at, s, sep, mx ? sl_jv_int_of(mx) : -1);
    }
    case M_S_STARTSWITH: case M_S_ENDSWITH: {
        if (nargs(c, at, id, a, 1, 1) < 0)
            return NULL;
        sl_jv *x = a->pos[0];
        if (x->type == SL_JV_LIST && x->sub == JV_TUPLE) {
            for (size_t i = 0; i < x->u.l.n; i++) {
                if (want_str(c, at, x->u.l.v[i], "tuple item") < 0)
                    return NULL;
                if (affix(s, x->u.l.v[i], id == M_S_ENDSWITH))
                    return sl_jv_bool(1);
            }
            return sl_jv_bool(0);
        }
        if (x->type != SL_JV_STRING) {
            sl_jerr(c, at, "%s first arg must be str or a tuple of str, not %s", method_name(id), sl_jv_type_name(x));
            return NULL;
        }
        return sl_jv_bool(affix(s, x, id == M_S_ENDSWITH));
    }
    case M_S_JOIN: {
        if (nargs(c, at, id, a, 1, 1) < 0)
            return NULL;
        sl_jv *items = sl_jiter_list(c, at, a->pos[0]);
        if (!items)
            return NULL;
        sl_jv *r = sl_jstr_join(c, at, s, items, 0);
        sl_jv_unref(items);
        return r;
    }
    case M_S_FORMAT:
        return str_format(c, at, s, a);
    case M_S_COUNT: case M_S_FIND: {
        if (nargs(c, at, id, a, 1, 1) < 0 || want_str(c, at, a->pos[0], "argument") < 0)
            return NULL;
        sl_jv *x = a->pos[0];
        if (id == M_S_FIND) {
            const char *hit = x->u.s.n == 0 ? s->u.s.p : memmem(s->u.s.p, s->u.s.n, x->u.s.p, x->u.s.n);
            if (!hit)
                return sl_jv_int(-1);
            sl_jv *pre = sl_jv_str(s->u.s.p, (size_t)(hit - s->u.s.p));
            int64_t cp = (int64_t)sl_jv_strlen_cp(pre);
            sl_jv_unref(pre);
            return sl_jv_int(cp);
        }
        if (x->u.s.n == 0)
            return sl_jv_int((int64_t)sl_jv_strlen_cp(s) + 1);
        int64_t n = 0;
        const char *p = s->u.s.p, *end = p + s->u.s.n, *hit;
        while ((hit = memmem(p, (size_t)(end - p), x->u.s.p, x->u.s.n)) != NULL) {
            n++;
            p = hit + x->u.s.n;
        }
        return sl_jv_int(n);
    }
    case M_S_ISDIGIT: case M_S_ISALPHA: case M_S_ISUPPER: case M_S_ISLOWER: {
        if (nargs(c, at, id, a, 0, 0) < 0)
            return NULL;
        int any = 0, ok = s->u.s.n > 0;
        for (size_t i = 0; i < s->u.s.n && ok; i++) {
            unsigned char ch = (unsigned char)s->u.s.p[i];
            if (id == M_S_ISDIGIT)
                ok = isdigit(ch);
            else if (id == M_S_ISALPHA)
                ok = isalpha(ch);
            else if (id == M_S_ISUPPER) {
                if (islower(ch))
                    ok = 0;
                any |= isupper(ch);
            } else {
                if (isupper(ch))
                    ok = 0;
                any |= islower(ch);
            }
        }
        if (id == M_S_ISUPPER || id == M_S_ISLOWER)
            ok = ok && any;
        return sl_jv_bool(ok);
    }
    }
    sl_jerr(c, at, "unknown string method");
    return NULL;
}

/* ---- lists ---- */

static sl_jv *list_method(jctx *c, const jnode *at, sl_jv *l, int id, const sl_jinja_args *a)
{
    switch (id) {
    case M_L_APPEND:
        if (nargs(c, at, id, a, 1, 1) < 0)
            return NULL;
        sl_jv_list_push(l, sl_jv_ref(a->pos[0]));
        return sl_jv_none();
    case M_L_EXTEND: {
        if (nargs(c, at, id, a, 1, 1) < 0)
            return NULL;
        sl_jv *items = sl_jiter_list(c, at, a->pos[0]);
        if (!items)
            return NULL;
        size_t n = items->u.l.n;
        for (size_t i = 0; i < n; i++)
            sl_jv_list_push(l, sl_jv_ref(items->u.l.v[i]));
        sl_jv_unref(items);
        return sl_jv_none();
    }
    case M_L_POP: {
        if (nargs(c, at, id, a, 0, 1) < 0)
            return NULL;
        if (l->u.l.n == 0) {
            sl_jerr(c, at, "pop from empty list");
            return NULL;
        }
        int64_t i = a->npos ? sl_jv_int_of(a->pos[0]) : -1;
        if (i < 0)
            i += (int64_t)l->u.l.n;
        if (i < 0 || (size_t)i >= l->u.l.n) {
            sl_jerr(c, at, "pop index out of range");
            return NULL;
        }
        sl_jv *r = l->u.l.v[i];
        memmove(l->u.l.v + i, l->u.l.v + i + 1, (l->u.l.n - (size_t)i - 1) * sizeof(sl_jv *));
        l->u.l.n--;
        return r;
    }
    case M_L_INSERT: {
        if (nargs(c, at, id, a, 2, 2) < 0)
            return NULL;
        int64_t i = sl_jv_int_of(a->pos[0]), n = (int64_t)l->u.l.n;
        if (i < 0)
            i = i + n < 0 ? 0 : i + n;
        if (i > n)
            i = n;
        sl_jv_list_push(l, NULL);
        memmove(l->u.l.v + i + 1, l->u.l.v + i, (size_t)(n - i) * sizeof(sl_jv *));
        l->u.l.v[i] = sl_jv_ref(a->pos[1]);
        return sl_jv_none();
    }
    case M_L_REMOVE: case M_L_INDEX: case M_L_COUNT: {
        if (nargs(c, at, id, a, 1, 1) < 0)
            return NULL;
        int64_t cnt = 0;
        for (size_t i = 0; i < l->u.l.n; i++) {
            if (!sl_jv_equal(l->u.l.v[i], a->pos[0]))
                continue;
            if (id == M_L_INDEX)
                return sl_jv_int((int64_t)i);
            if (id == M_L_REMOVE) {
                sl_jv_unref(l->u.l.v[i]);
                memmove(l->u.l.v + i, l->u.l.v + i + 1, (l->u.l.n - i - 1) * sizeof(sl_jv *));
                l->u.l.n--;
                return sl_jv_none();
            }
            cnt++;
        }
        if (id == M_L_COUNT)
            return sl_jv_int(cnt);
        sl_jerr(c, at, id == M_L_INDEX ? "list.index(x): x not in list" : "list.remove(x): x not in list");
        return NULL;
    }
    case M_L_REVERSE:
        if (nargs(c, at, id, a, 0, 0) < 0)
            return NULL;
        for (size_t i = 0, j = l->u.l.n; i + 1 < j; i++, j--) {
            sl_jv *t = l->u.l.v[i];
            l->u.l.v[i] = l->u.l.v[j - 1];
            l->u.l.v[j - 1] = t;
        }
        return sl_jv_none();
    case M_L_SORT: {
        sl_jv *rev = sl_jinja_arg(a, 99, "reverse");
        if (a->npos) {
            sl_jerr(c, at, "sort() takes no positional arguments");
            return NULL;
        }
        if (sl_jsort(c, at, l->u.l.v, l->u.l.v, l->u.l.n, rev && sl_jv_truthy(rev)) < 0)
            return NULL;
        return sl_jv_none();
    }
    case M_L_COPY: {
        if (nargs(c, at, id, a, 0, 0) < 0)
            return NULL;
        sl_jv *r = sl_jv_list();
        for (size_t i = 0; i < l->u.l.n; i++)
            sl_jv_list_push(r, sl_jv_ref(l->u.l.v[i]));
        return r;
    }
    }
    sl_jerr(c, at, "unknown list method");
    return NULL;
}

/* ---- dicts ---- */

static sl_jv *dict_method(jctx *c, const jnode *at, sl_jv *d, int id, const sl_jinja_args *a)
{
    switch (id) {
    case M_D_ITEMS: case M_D_KEYS: case M_D_VALUES: {
        if (nargs(c, at, id, a, 0, 0) < 0)
            return NULL;
        sl_jv *l = sl_jv_list();
        for (size_t i = 0; i < d->u.dc.n; i++) {
            if (id == M_D_ITEMS) {
                sl_jv *t = sl_jv_tuple();
                sl_jv_list_push(t, sl_jv_ref(d->u.dc.keys[i]));
                sl_jv_list_push(t, sl_jv_ref(d->u.dc.vals[i]));
                sl_jv_list_push(l, t);
            } else
                sl_jv_list_push(l, sl_jv_ref(id == M_D_KEYS ? d->u.dc.keys[i] : d->u.dc.vals[i]));
        }
        return l;
    }
    case M_D_GET: case M_D_POP: case M_D_SETDEFAULT: {
        if (nargs(c, at, id, a, 1, 2) < 0)
            return NULL;
        sl_jv *v = sl_jv_dict_getv(d, a->pos[0]);
        if (v) {
            v = sl_jv_ref(v);
            if (id == M_D_POP)
                sl_jv_dict_del(d, a->pos[0]);
            return v;
        }
        if (id == M_D_POP && a->npos < 2) {
            sl_jerr(c, at, "pop(): key not found");
            return NULL;
        }
        v = a->npos > 1 ? a->pos[1] : sl_jv_none();
        if (id == M_D_SETDEFAULT)
            sl_jv_dict_setv(d, a->pos[0], sl_jv_ref(v));
        return sl_jv_ref(v);
    }
    case M_D_UPDATE: {
        if (a->npos > 1) {
            sl_jerr(c, at, "update expected at most 1 argument, got %zu", a->npos);
            return NULL;
        }
        if (a->npos) {
            sl_jv *src = a->pos[0];
            if (src->type != SL_JV_DICT || src->sub == JV_LOOP) {
                sl_jerr(c, at, "update() needs a mapping, not %s", sl_jv_type_name(src));
                return NULL;
            }
            size_t n = src->u.dc.n;
            for (size_t i = 0; i < n; i++)
                sl_jv_dict_setv(d, src->u.dc.keys[i], sl_jv_ref(src->u.dc.vals[i]));
        }
        for (size_t i = 0; i < a->nkw; i++)
            sl_jv_dict_set(d, a->kw_names[i], sl_jv_ref(a->kw[i]));
        return sl_jv_none();
    }
    case M_D_COPY: {
        if (nargs(c, at, id, a, 0, 0) < 0)
            return NULL;
        sl_jv *r = sl_jv_dict();
        for (size_t i = 0; i < d->u.dc.n; i++)
            sl_jv_dict_setv(r, d->u.dc.keys[i], sl_jv_ref(d->u.dc.vals[i]));
        return r;
    }
    }
    sl_jerr(c, at, "unknown dict method");
    return NULL;
}

sl_jv *sl_jmethod_call(jctx *c, const jnode *at, sl_jv *recv, int id, const sl_jinja_args *a)
{
    if (id >= M_D_ITEMS)
        return dict_method(c, at, recv, id, a);
    if (id >= M_L_APPEND)
        return list_method(c, at, recv, id, a);
    return str_method(c, at, recv, id, a);
}
