/*
 * vec_json.c: json_extract(x, 'path', ...), x -> 'path' and x ->> 'path'
 * with constant paths for the native expression path (vec.h), following
 * SQLite 3.40's json1 (json.c: jsonExtractFunc, jsonLookupStep,
 * jsonReturn, jsonRenderNode). Paths take .key, ."key", [N], [#] and
 * [#-N] steps (# is the array's length, looked up by counting its
 * elements first). The document is read with sluice's JSON reader
 * (formats/json.h), which accepts a subset of what SQLite's does (RFC
 * 8259, UTF-8 checked, 512 levels): a text it refuses sends the batch to
 * SQLite, which gives its answer or its "malformed JSON" error. The whole
 * document is validated, as SQLite parses it whole before the lookup.
 */
#include "expr/vec_int.h"
#include "core/mem.h"
#include "formats/json.h"
#include <stdlib.h>
#include <string.h>

/* ---- the path ---------------------------------------------------------------- */

int sl_vjson_compile(sl_vnode *nd, const char *text, size_t n, int abbrev)
{
    if (memchr(text, 0, n))
        return -1;
    sl_buf path;
    sl_buf_init(&path);
    /* jsonExtractFunc's shorthands for -> and ->> (3.40.1: a path that
     * does not start with '$'): NUMBER is $[NUMBER], [NUMBER] is
     * $[NUMBER], LABEL is $.LABEL */
    if (abbrev && !(n >= 1 && text[0] == '$')) {
        if (n && text[0] >= '0' && text[0] <= '9') {
            sl_buf_adds(&path, "$[");
            sl_buf_add(&path, text, n);
            sl_buf_addc(&path, ']');
        } else {
            sl_buf_adds(&path, n && text[0] == '[' ? "$" : "$.");
            sl_buf_add(&path, text, n);
        }
    } else {
        sl_buf_add(&path, text, n);
    }
    sl_buf_addc(&path, 0);
    char *z = sl_buf_detach(&path);
    /* every step well formed (jsonLookupStep reports an error only for
     * the steps it reaches: a path with none can never raise one) */
    if (z[0] != '$') {
        sl_free(z);
        return -1;
    }
    size_t cap = 4, ns = 0;
    sl_vjstep *st = sl_calloc(cap, sizeof *st);
    size_t i = 1;
    while (z[i]) {
        sl_vjstep s = {0};
        if (z[i] == '.') {
            i++;
            if (z[i] == '"') {
                size_t k = i + 1;
                while (z[k] && z[k] != '"')
                    k++;
                if (!z[k])
                    goto bad;
                s.key = z + i + 1;
                s.keyn = k - i - 1;
                i = k + 1;
            } else {
                size_t k = i;
                while (z[k] && z[k] != '.' && z[k] != '[')
                    k++;
                if (k == i)
                    goto bad;
                s.key = z + i;
                s.keyn = k - i;
                i = k;
            }
        } else if (z[i] == '[' && z[i + 1] == '#') {
            /* [#] or [#-N] (anything else after # is SQLite's path
             * error, on an array) */
            size_t k = i + 2;
            uint32_t v = 0;
            if (z[k] == '-' && z[k + 1] >= '0' && z[k + 1] <= '9')
                for (k++; z[k] >= '0' && z[k] <= '9'; k++) {
                    if (k - i > 11)
                        goto bad; /* SQLite's u32 would wrap */
                    v = v * 10 + (uint32_t)(z[k] - '0');
                }
            if (z[k] != ']')
                goto bad;
            s.index = v;
            s.from_end = 1;
            i = k + 1;
        } else if (z[i] == '[') {
            size_t k = i + 1;
            uint32_t v = 0;
            while (z[k] >= '0' && z[k] <= '9') {
                if (k - i > 9)
                    goto bad; /* SQLite's u32 would wrap */
                v = v * 10 + (uint32_t)(z[k] - '0');
                k++;
            }
            if (k == i + 1 || z[k] != ']')
                goto bad; /* no digits: SQLite's error */
            s.index = v;
            i = k + 1;
        } else {
            goto bad;
        }
        if (ns == cap) {
            cap *= 2;
            st = sl_realloc(st, cap * sizeof *st);
        }
        st[ns++] = s;
    }
    nd->paths = sl_realloc(nd->paths, (nd->npaths + 1) * sizeof *nd->paths);
    nd->paths[nd->npaths++] = (sl_vjpath){z, st, ns};
    return 0;
bad:
    sl_free(st);
    sl_free(z);
    return -1;
}

void sl_vjson_free(sl_vnode *nd)
{
    for (size_t k = 0; k < nd->npaths; k++) {
        sl_free(nd->paths[k].text);
        sl_free(nd->paths[k].steps);
    }
    sl_free(nd->paths);
    nd->paths = NULL;
    nd->npaths = 0;
}

/* ---- the lookup ---------------------------------------------------------------- */

/* The value at the cursor, through steps st[0..left): its text in
 * [*vs, *ve) when found (*vs stays NULL otherwise); the value is
 * validated whole either way. 0, or -1 on malformed JSON. */
static int walk(sl_json *j, const sl_vjstep *st, size_t left, const char **vs, const char **ve)
{
    sl_json_ws(j);
    if (left == 0) {
        const char *s = j->p;
        if (sl_json_skip(j) < 0)
            return -1;
        *vs = s;
        *ve = j->p;
        return 0;
    }
    sl_json_kind k = sl_json_peek(j);
    if (st->key && k == SL_JSON_OBJECT) {
        if (sl_json_object_begin(j) < 0)
            return -1;
        int first = 1, found = 0;
        for (;;) {
            sl_json_ws(j);
            if (j->p < j->end && *j->p == '}') {
                j->p++;
                j->depth--;
                return 0;
            }
            if (!first) {
                if (j->p >= j->end || *j->p != ',')
                    return -1;
                j->p++;
                sl_json_ws(j);
            }
            first = 0;
            const char *kp;
            size_t kn;
            int escaped;
            if (j->p >= j->end || *j->p != '"' || sl_json_string_raw(j, &kp, &kn, &escaped) < 0)
                return -1;
            sl_json_ws(j);
            if (j->p >= j->end || *j->p != ':')
                return -1;
            j->p++;
            /* the first member of that name (jsonLabelCompare: its raw text) */
            if (!found && kn == st->keyn && memcmp(kp, st->key, kn) == 0) {
                found = 1;
                if (walk(j, st + 1, left - 1, vs, ve) < 0)
                    return -1;
            } else if (sl_json_skip(j) < 0) {
                return -1;
            }
        }
    }
    if (!st->key && k == SL_JSON_ARRAY) {
        uint32_t want = st->index;
        int first = 1, rc;
        if (st->from_end) {
            /* [#-N]: the array's length first (the array validated) */
            sl_json at_array = *j;
            uint32_t count = 0;
            if (sl_json_array_begin(j) < 0)
                return -1;
            while ((rc = sl_json_element(j, &first)) == 1) {
                if (sl_json_skip(j) < 0)
                    return -1;
                count++;
            }
            if (rc < 0)
                return -1;
            if (st->index == 0 || st->index > count)
                return 0; /* past the last, or before the first: not found */
            want = count - st->index;
            *j = at_array;
            first = 1;
        }
        if (sl_json_array_begin(j) < 0)
            return -1;
        uint32_t at = 0;
        while ((rc = sl_json_element(j, &first)) == 1) {
            if (at++ == want) {
                if (walk(j, st + 1, left - 1, vs, ve) < 0)
                    return -1;
            } else if (sl_json_skip(j) < 0) {
                return -1;
            }
        }
        return rc;
    }
    return sl_json_skip(j);
}

/* ---- the value ----------------------------------------------------------------- */

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* jsonRenderNode into z (room for e - s bytes): a value without the
 * whitespace between its tokens (strings and numbers as written). The
 * end of what was written. */
static char *render_to(char *z, const char *s, const char *e)
{
    int str = 0;
    for (const char *p = s; p < e; p++) {
        char c = *p;
        if (str) {
            *z++ = c;
            if (c == '\\')
                *z++ = *++p;
            else if (c == '"')
                str = 0;
        } else if (!is_ws(c)) {
            *z++ = c;
            str = c == '"';
        }
    }
    return z;
}

static void render(const char *s, const char *e, sl_vresult *d, size_t i, sl_arena *ar)
{
    char *o = sl_arena_alloc(ar, (size_t)(e - s) + 1), *z = render_to(o, s, e);
    *z = 0;
    set_text(d, i, o, (size_t)(z - o));
}

static unsigned hex1(int h)
{
    h += 9 * (1 & (h >> 6));
    return (unsigned)(h & 0xf);
}

static unsigned hex4(const char *z)
{
    return (hex1(z[0]) << 12) + (hex1(z[1]) << 8) + (hex1(z[2]) << 4) + hex1(z[3]);
}

/* jsonReturn's JSON_STRING: z[0..n) is the string with its quotes. */
static void string_value(const char *z, int n, sl_vresult *d, size_t r, sl_arena *ar)
{
    if (!memchr(z, '\\', (size_t)n)) {
        set_text(d, r, z + 1, (size_t)n - 2);
        return;
    }
    char *o = sl_arena_alloc(ar, (size_t)n + 1);
    int i, j = 0;
    for (i = 1; i < n - 1; i++) {
        char c = z[i];
        if (c != '\\') {
            o[j++] = c;
            continue;
        }
        c = z[++i];
        if (c == 'u') {
            unsigned v = hex4(z + i + 1);
            i += 4;
            if (v == 0)
                break;
            if (v <= 0x7f) {
                o[j++] = (char)v;
            } else if (v <= 0x7ff) {
                o[j++] = (char)(0xc0 | (v >> 6));
                o[j++] = (char)(0x80 | (v & 0x3f));
            } else {
                unsigned vlo;
                if ((v & 0xfc00) == 0xd800 && i < n - 6 && z[i + 1] == '\\' && z[i + 2] == 'u' &&
                    ((vlo = hex4(z + i + 3)) & 0xfc00) == 0xdc00) {
                    v = ((v & 0x3ff) << 10) + (vlo & 0x3ff) + 0x10000;
                    i += 6;
                    o[j++] = (char)(0xf0 | (v >> 18));
                    o[j++] = (char)(0x80 | ((v >> 12) & 0x3f));
                    o[j++] = (char)(0x80 | ((v >> 6) & 0x3f));
                    o[j++] = (char)(0x80 | (v & 0x3f));
                } else {
                    o[j++] = (char)(0xe0 | (v >> 12));
                    o[j++] = (char)(0x80 | ((v >> 6) & 0x3f));
                    o[j++] = (char)(0x80 | (v & 0x3f));
                }
            }
        } else {
            if (c == 'b')
                c = '\b';
            else if (c == 'f')
                c = '\f';
            else if (c == 'n')
                c = '\n';
            else if (c == 'r')
                c = '\r';
            else if (c == 't')
                c = '\t';
            o[j++] = c;
        }
    }
    o[j] = 0;
    set_text(d, r, o, (size_t)j);
}

/* jsonReturn's JSON_INT and JSON_REAL. A real (or an integer past
 * int64) is the double nearest its decimal value, correctly rounded, as
 * the C library's strtod gives it: SQLite 3.40.1's json1 converts with
 * strtod, not with sqlite3AtoF as CAST and arithmetic do (they differ:
 * '[1e126]' ->> 0 is 1e+126, CAST('1e126' AS REAL) 1.0000000000000001e+126).
 * Always 0. */
static int number_value(const char *s, const char *e, sl_vresult *d, size_t r, sl_arena *ar)
{
    int neg = *s == '-';
    const char *z = s + neg;
    int real = 0;
    for (const char *p = z; p < e; p++)
        if (*p == '.' || *p == 'e' || *p == 'E')
            real = 1;
    if (!real) {
        int64_t v = 0;
        while (z < e) {
            unsigned dg = (unsigned)(*z++ - '0');
            if (v >= INT64_MAX / 10) {
                if (v > INT64_MAX / 10 || z < e || dg == 9)
                    goto as_real;
                if (dg == 8) {
                    if (!neg)
                        goto as_real;
                    set_int(d, r, INT64_MIN);
                    return 0;
                }
            }
            v = v * 10 + dg;
        }
        set_int(d, r, neg ? -v : v);
        return 0;
    }
as_real:;
    /* a NUL-terminated copy: the number may end the text */
    char tmp[64];
    size_t len = (size_t)(e - s);
    const char *num = len < sizeof tmp ? memcpy(tmp, s, len) : sl_arena_copy(ar, s, len);
    if (len < sizeof tmp)
        tmp[len] = 0;
    set_real(d, r, strtod(num, NULL));
    return 0;
}

/* The value of path pa in doc[0..n): [*vs, *ve), *vs NULL when not
 * found. 0, or -1 when the document is malformed (for our reader). */
static int lookup(const sl_vjpath *pa, const char *doc, size_t n, const char **vs, const char **ve)
{
    sl_json j;
    sl_json_init(&j, doc, n);
    *vs = *ve = NULL;
    if (walk(&j, pa->steps, pa->nsteps, vs, ve) < 0)
        return -1;
    sl_json_ws(&j);
    return j.p == j.end ? 0 : -1;
}

/* jsonExtractFunc with several paths: [v1,v2,...], each value rendered
 * as JSON (jsonRenderNode), null when not found. */
static int extract_array(const sl_vnode *nd, const char *doc, size_t n, sl_vresult *d, size_t i, sl_arena *ar)
{
    const char *(*span)[2] = sl_arena_alloc(ar, nd->npaths * sizeof *span);
    size_t len = 2;
    for (size_t k = 0; k < nd->npaths; k++) {
        if (lookup(&nd->paths[k], doc, n, &span[k][0], &span[k][1]) < 0)
            return 1;
        len += 1 + (span[k][0] ? (size_t)(span[k][1] - span[k][0]) : 4);
    }
    char *o = sl_arena_alloc(ar, len + 1), *z = o;
    *z++ = '[';
    for (size_t k = 0; k < nd->npaths; k++) {
        if (k)
            *z++ = ',';
        if (span[k][0]) {
            z = render_to(z, span[k][0], span[k][1]);
        } else {
            memcpy(z, "null", 4);
            z += 4;
        }
    }
    *z++ = ']';
    *z = 0;
    set_text(d, i, o, (size_t)(z - o));
    return 0;
}

int sl_vjson_eval(const sl_vnode *nd, const char *doc, size_t n, sl_vresult *d, size_t i, sl_arena *ar)
{
    if (nd->npaths > 1)
        return extract_array(nd, doc, n, d, i, ar);
    const char *vs, *ve;
    if (lookup(&nd->paths[0], doc, n, &vs, &ve) < 0)
        return 1;
    if (!vs) {
        set_null(d, i);
        return 0;
    }
    switch (*vs) {
    case '{':
    case '[': render(vs, ve, d, i, ar); return 0;
    case '"':
        if (nd->jtext)
            break;
        string_value(vs, (int)(ve - vs), d, i, ar);
        return 0;
    case 'n':
        if (nd->jtext)
            break;
        set_null(d, i);
        return 0;
    case 't':
    case 'f':
        if (nd->jtext)
            break;
        set_int(d, i, *vs == 't');
        return 0;
    default:
        if (nd->jtext)
            break;
        return number_value(vs, ve, d, i, ar);
    }
    /* ->: a scalar's JSON text as written */
    set_text(d, i, vs, (size_t)(ve - vs));
    return 0;
}
