/*
 * project.c: projection pushdown's analysis (see project.h): which source
 * columns a pipeline can use, walking backward from its sinks through
 * each transform's `needs` hook.
 */
#include "engine/project.h"
#include "config/project.h"
#include "core/mem.h"
#include "core/types.h"
#include "engine/route.h"
#include "engine/run.h"
#include "expr/expr.h"
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void sl_projection_init(sl_projection *p)
{
    memset(p, 0, sizeof *p);
}

void sl_projection_clear(sl_projection *p)
{
    for (size_t i = 0; i < p->n; i++)
        sl_free(p->v[i]);
    p->n = 0;
    p->all = 0;
}

static void filter_release(sl_projection *p)
{
    for (size_t i = 0; i < p->nfval; i++)
        sl_free(p->fval[i]);
    sl_free(p->fval);
    sl_free(p->flen);
    sl_free(p->fcol);
    p->fval = NULL;
    p->flen = NULL;
    p->fcol = NULL;
    p->nfval = 0;
}

void sl_projection_release(sl_projection *p)
{
    filter_release(p);
    sl_projection_clear(p);
    sl_free(p->v);
    sl_free(p->written);
    memset(p, 0, sizeof *p);
}

void sl_projection_set_all(sl_projection *p)
{
    sl_projection_clear(p);
    p->all = 1;
}

/* ASCII case folding only, as SQLite compares names. */
static int same_name(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    return alen == blen && strncasecmp(a, b, alen) == 0;
}

/* The index of name in p's names, or -1. */
static long find(const sl_projection *p, const char *name, size_t len)
{
    for (size_t i = 0; i < p->n; i++)
        if (same_name(name, len, p->v[i]))
            return (long)i;
    return -1;
}

int sl_projection_has(const sl_projection *p, const char *name, size_t len)
{
    if (!p || p->all)
        return 1;
    return find(p, name, len) >= 0;
}

/* Add name (written: 1, only a name a transform writes) or change its mark. */
static void add(sl_projection *p, const char *name, uint8_t written)
{
    if (p->all)
        return;
    long k = find(p, name, strlen(name));
    if (k >= 0) {
        p->written[k] = written;
        return;
    }
    size_t cap = p->cap;
    SL_GROW(p->v, p->cap, p->n + 1);
    if (p->cap != cap || !p->written)
        p->written = sl_realloc(p->written, p->cap);
    p->written[p->n] = written;
    p->v[p->n++] = sl_strdup(name);
}

void sl_projection_add(sl_projection *p, const char *name)
{
    add(p, name, 0);
}

void sl_projection_add_written(sl_projection *p, const char *name)
{
    add(p, name, 1);
}

void sl_projection_add_expr(sl_projection *p, const char *text)
{
    if (p->all)
        return;
    char **names = NULL;
    size_t n = 0;
    sl_error err;
    /* against a table of no columns, every name it reads is "unknown":
     * SQLite's own name resolution (a subquery's tables and json_each()'s
     * columns are not the row's), double-quoted names counted as columns */
    if (!text || sl_expr_unknown_columns(text, NULL, 0, &names, &n, &err) < 0) {
        sl_projection_set_all(p);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        sl_projection_add(p, names[i]);
        sl_free(names[i]);
    }
    sl_free(names);
    sl_projection_add(p, "rowid");
    sl_projection_add(p, "oid");
    sl_projection_add(p, "_rowid_");
}

static int is_rowid(const char *n);

/* ---- filter pushdown: the shapes `col = 'x'`, `'x' = col`, `col IN ('x', ...)` */

static const char *ws(const char *q)
{
    while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
        q++;
    return q;
}

/* A bare identifier that is no keyword and no row id: its length, or 0. */
static size_t ident(const char *q)
{
    size_t n = 0;
    if (!((q[0] >= 'A' && q[0] <= 'Z') || (q[0] >= 'a' && q[0] <= 'z') || q[0] == '_'))
        return 0;
    while ((q[n] >= 'A' && q[n] <= 'Z') || (q[n] >= 'a' && q[n] <= 'z') || (q[n] >= '0' && q[n] <= '9') ||
           q[n] == '_')
        n++;
    if (q[n] == '$' || (unsigned char)q[n] >= 0x80)
        return 0;
    char tmp[16];
    if (n < sizeof tmp) {
        memcpy(tmp, q, n);
        tmp[n] = 0;
        if (is_rowid(tmp))
            return 0;
    }
    if (sqlite3_keyword_check(q, (int)n))
        return 0;
    return n;
}

/* A single-quoted literal ('' inside is one quote) into out: the bytes
 * consumed, or 0. */
static size_t literal(const char *q, sl_buf *out)
{
    if (*q != '\'')
        return 0;
    sl_buf_reset(out);
    size_t i = 1;
    for (;;) {
        if (!q[i])
            return 0;
        if (q[i] == '\'') {
            if (q[i + 1] != '\'')
                return i + 1;
            i++;
        }
        sl_buf_addc(out, q[i]);
        i++;
    }
}

static void add_value(sl_projection *p, const sl_buf *v)
{
    p->fval = sl_realloc(p->fval, (p->nfval + 1) * sizeof *p->fval);
    p->flen = sl_realloc(p->flen, (p->nfval + 1) * sizeof *p->flen);
    p->fval[p->nfval] = sl_malloc(v->len + 1);
    if (v->len)
        memcpy(p->fval[p->nfval], v->data, v->len);
    p->fval[p->nfval][v->len] = 0;
    p->flen[p->nfval++] = v->len;
}

int sl_projection_parse_filter(sl_projection *p, const char *where)
{
    sl_projection t;
    memset(&t, 0, sizeof t);
    sl_buf v;
    sl_buf_init(&v);
    const char *q = ws(where);
    size_t n;
    int ok = 0;
    if ((n = literal(q, &v)) > 0) { /* 'x' = col */
        q = ws(q + n);
        if (q[0] == '=') {
            q = ws(q + (q[1] == '=' ? 2 : 1));
            if ((n = ident(q)) > 0) {
                t.fcol = sl_strndup(q, n);
                add_value(&t, &v);
                ok = *ws(q + n) == 0;
            }
        }
    } else if ((n = ident(q)) > 0) {
        t.fcol = sl_strndup(q, n);
        q = ws(q + n);
        if (q[0] == '=') {
            q = ws(q + (q[1] == '=' ? 2 : 1));
            if ((n = literal(q, &v)) > 0) {
                add_value(&t, &v);
                ok = *ws(q + n) == 0;
            }
        } else if ((q[0] == 'i' || q[0] == 'I') && (q[1] == 'n' || q[1] == 'N') && !ident(q + 2) &&
                   *(q = ws(q + 2)) == '(') {
            q = ws(q + 1);
            while ((n = literal(q, &v)) > 0) {
                add_value(&t, &v);
                q = ws(q + n);
                if (*q == ',') {
                    q = ws(q + 1);
                    continue;
                }
                if (*q == ')')
                    ok = *ws(q + 1) == 0;
                break;
            }
        }
    }
    sl_buf_release(&v);
    if (!ok) {
        filter_release(&t);
        return -1;
    }
    filter_release(p);
    p->fcol = t.fcol;
    p->fval = t.fval;
    p->flen = t.flen;
    p->nfval = t.nfval;
    return 0;
}

int sl_projection_filter_match(const sl_projection *p, int valid, const char *text, size_t len)
{
    if (!valid)
        return 0; /* NULL = 'x' is NULL: not true */
    for (size_t i = 0; i < p->nfval; i++)
        if (p->flen[i] == len && (len == 0 || memcmp(p->fval[i], text, len) == 0))
            return 1;
    return 0;
}

/* The first reason the set became "all" (later ones are consequences). */
static void say(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *why, size_t cap, const char *fmt, ...)
{
    if (!why || !cap || *why)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
}

void sl_projection_pipeline(const sl_pipeline *pl, sl_projection *out, char *why, size_t cap)
{
    sl_projection_init(out);
    if (why && cap)
        *why = 0;
    out->note = pl->plan_note;
    const char *env = getenv("SLUICE_PUSHDOWN");
    if (env && strcmp(env, "0") == 0) {
        sl_projection_set_all(out);
        say(why, cap, "SLUICE_PUSHDOWN=0");
        return;
    }
    /* the sinks */
    for (size_t i = 0; i < pl->nsinks && !out->all; i++) {
        const sl_instance *s = &pl->sinks[i];
        const sl_sink_route *r = s->route;
        if (!r || !r->nselect) {
            sl_projection_set_all(out);
            say(why, cap, "sink %s takes every column", s->id);
            break;
        }
        for (size_t k = 0; k < r->nselect && !out->all; k++) {
            size_t len = strlen(r->select[k]);
            if (len && r->select[k][len - 1] == '*') {
                sl_projection_set_all(out);
                say(why, cap, "sink %s selects '%s'", s->id, r->select[k]);
            } else {
                sl_projection_add(out, r->select[k]);
            }
        }
        if (r->where)
            sl_projection_add_expr(out, r->where);
        if (out->all)
            say(why, cap, "sink %s: where: cannot be analysed", s->id);
    }
    if (pl->checks.n && !out->all) {
        sl_projection_set_all(out);
        say(why, cap, "the pipeline has checks");
    }
    /* the transforms, last to first */
    for (size_t i = pl->ntransforms; i-- > 0;) {
        sl_instance *t = &pl->transforms[i];
        int (*needs)(sl_instance *, sl_projection *) = SL_TRANSFORM(t)->needs;
        out->fwhere = NULL;
        if (!needs) {
            if (!out->all)
                say(why, cap, "transform %s (%s) has no column analysis", t->id, t->type);
            sl_projection_set_all(out);
            continue;
        }
        int was_all = out->all;
        if (needs(t, out) < 0) {
            if (!out->all)
                say(why, cap, "transform %s: its columns cannot be analysed", t->id);
            sl_projection_set_all(out);
        } else if (!was_all && out->all) {
            /* the hooks that do this: a row they reject goes whole to the DLQ */
            say(why, cap, "transform %s (%s) may reject a row: its DLQ record is the whole row", t->id, t->type);
        } else if (was_all && !out->all && why) {
            *why = 0; /* narrowed again (a select): what came after no longer matters */
        }
    }
    /* the source: declared types */
    const sl_source_common *c = pl->source.opts;
    /* filter pushdown: the first transform, on raw text */
    const char *where = out->fwhere; /* set by transform 0's hook, if a filter */
    out->fwhere = NULL;
    if (where && c && !c->infer_types) {
        if (sl_projection_parse_filter(out, where) == 0)
            for (size_t i = 0; i < c->columns.n; i++)
                if (strcasecmp(c->columns.v[i].key, out->fcol) == 0)
                    filter_release(out); /* a declared type is typing's, not the text's */
    }
    if (c && !out->all) {
        for (size_t i = 0; i < c->columns.n && !out->all; i++) {
            sl_type t;
            if (sl_type_parse(c->columns.v[i].value, &t) < 0 || t != SL_T_TEXT) {
                sl_projection_set_all(out);
                say(why, cap, "column '%s' is declared %s: a row it rejects goes whole to the DLQ",
                    c->columns.v[i].key, c->columns.v[i].value);
            } else {
                sl_projection_add(out, c->columns.v[i].key);
            }
        }
    }
}

/* The row id's names: in the set for safety (a source column of that name
 * would shadow the row id), left out of descriptions. */
static int is_rowid(const char *n)
{
    return strcasecmp(n, "rowid") == 0 || strcasecmp(n, "oid") == 0 || strcasecmp(n, "_rowid_") == 0;
}

static void add_note(const sl_projection *p, sl_buf *out)
{
    if (!p->note)
        return;
    sl_buf_adds(out, ",\"rewrites\":");
    sl_buf_add_json_str(out, p->note, strlen(p->note));
}

void sl_projection_describe_json(const sl_projection *p, const char *why, sl_buf *out)
{
    if (p->all) {
        sl_buf_adds(out, "{\"all\":true,\"why\":");
        sl_buf_add_json_str(out, why ? why : "", why ? strlen(why) : 0);
        add_note(p, out);
        sl_buf_adds(out, "}");
        return;
    }
    sl_buf_adds(out, "{\"all\":false,\"columns\":[");
    for (int w = 0; w < 2; w++) {
        size_t k = 0;
        for (size_t i = 0; i < p->n; i++) {
            if (is_rowid(p->v[i]) || p->written[i] != w)
                continue;
            if (w && !k)
                sl_buf_adds(out, ",\"written\":[");
            if (k++)
                sl_buf_addc(out, ',');
            sl_buf_add_json_str(out, p->v[i], strlen(p->v[i]));
        }
        if (!w || k)
            sl_buf_adds(out, "]");
    }
    add_note(p, out);
    sl_buf_adds(out, "}");
}

void sl_projection_describe(const sl_projection *p, const char *why, sl_buf *out)
{
    if (p->all) {
        sl_buf_adds(out, "all");
        if (why && *why)
            sl_buf_addf(out, " (%s)", why);
        return;
    }
    size_t shown = 0;
    for (int w = 0; w < 2; w++) {
        size_t k = 0;
        for (size_t i = 0; i < p->n; i++) {
            if (is_rowid(p->v[i]) || p->written[i] != w)
                continue;
            if (w && !k)
                sl_buf_adds(out, shown ? "; if the source has them (transforms write them): "
                                       : "if the source has them (transforms write them): ");
            else if (k)
                sl_buf_adds(out, ", ");
            k++;
            shown++;
            sl_buf_adds(out, p->v[i]);
        }
    }
}
