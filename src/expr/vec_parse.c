/*
 * vec_parse.c: sl_vnode_parse (vec_node.h), a small recursive-descent
 * parser of the part of SQLite's expression grammar that the native path
 * evaluates (vec.h), with SQLite's operator precedence (parse.y): OR, AND,
 * NOT, then = == != <> IS IN LIKE BETWEEN ISNULL NOTNULL, then < <= > >=,
 * then + -, then * / %, then ||, then unary -, plus CAST, CASE, the
 * JSON operators and the functions vec.h lists. Anything it does not know
 * (another operator, keyword or function, a blob or hex literal, COLLATE,
 * a name that is no column, ...) makes it give up: NULL, and the
 * expression runs through SQLite, which also reports errors. Its tokens
 * come from vec_lex.c.
 */
#include "expr/vec_node.h"
#include "expr/vec_lex.h"
#include "core/mem.h"
#include "gtm/gtm.h"
#include <ctype.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static sl_vnode *node(sl_vnode_kind k)
{
    sl_vnode *n = sl_calloc(1, sizeof *n);
    n->kind = k;
    sl_vresult_init(&n->res);
    return n;
}

static void add_kid(sl_vnode *n, sl_vnode *k)
{
    n->kids = sl_realloc(n->kids, (n->nkids + 1) * sizeof *n->kids);
    n->kids[n->nkids++] = k;
}

void sl_vnode_free(sl_vnode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nkids; i++)
        sl_vnode_free(n->kids[i]);
    sl_free(n->kids);
    sl_free(n->ls);
    sl_vjson_free(n);
    sl_vset_free(n->set);
    sl_vresult_release(&n->res);
    sl_free(n);
}

static sl_vnode *binary(sl_vnode_kind k, int op, sl_vnode *a, sl_vnode *b)
{
    sl_vnode *n = node(k);
    n->op = op;
    add_kid(n, a);
    add_kid(n, b);
    return n;
}

static sl_vnode *parse_expr(sl_vlex *p);
static sl_vnode *parse_cmp(sl_vlex *p);
static sl_vnode *parse_not(sl_vlex *p);

/* Fail: free what was built. */
static sl_vnode *fail(sl_vlex *p, sl_vnode *a, sl_vnode *b)
{
    p->fail = 1;
    sl_vnode_free(a);
    sl_vnode_free(b);
    return NULL;
}

/* The column called name (SQLite's comparison: ASCII without case), or
 * -1 (none, or more than one). */
static int find_column(const sl_batch *b, const char *name, size_t n)
{
    int found = -1;
    for (size_t i = 0; i < b->ncols; i++)
        if (b->cols[i].namelen == n && sqlite3_strnicmp(b->cols[i].name, name, (int)n) == 0) {
            if (found >= 0 || memchr(name, 0, n))
                return -1;
            found = (int)i;
        }
    return found;
}

enum { VF_JSON_EXTRACT = 1000 };

static const struct {
    const char *name;
    int fn, min, max;
    int (*gtm)(const char *s, size_t n, sl_buf *out);
    int op;
} functions[] = {
    {"lower", VF_LOWER, 1, 1, NULL, 0},   {"upper", VF_UPPER, 1, 1, NULL, 0},   {"length", VF_LENGTH, 1, 1, NULL, 0},
    {"coalesce", VF_COALESCE, 2, 1000, NULL, 0}, {"ifnull", VF_COALESCE, 2, 2, NULL, 0}, {"nullif", VF_NULLIF, 2, 2, NULL, 0},
    {"trim", VF_TRIM, 1, 2, NULL, 0},     {"ltrim", VF_LTRIM, 1, 2, NULL, 0},   {"rtrim", VF_RTRIM, 1, 2, NULL, 0},
    {"substr", VF_SUBSTR, 2, 3, NULL, 0}, {"substring", VF_SUBSTR, 2, 3, NULL, 0}, {"instr", VF_INSTR, 2, 2, NULL, 0},
    {"abs", VF_ABS, 1, 1, NULL, 0},       {"sha256", VF_SHA256, 1, 1, NULL, 0}, {"char", VF_CHAR, 0, 1000, NULL, 0},
    {"replace", VF_REPLACE, 3, 3, NULL, 0}, {"json_extract", VF_JSON_EXTRACT, 2, 100, NULL, 0},
    /* gtm's text normalisers (gtm/register_text.c wraps the same C functions for SQLite) */
    {"normalize_email", VF_GTM, 1, 1, sl_gtm_email_normalize, 0},
    {"canonical_email", VF_GTM, 1, 1, sl_gtm_email_canonical, 0},
    {"email_domain", VF_GTM, 1, 1, sl_gtm_email_domain, 0},
    {"casefold", VF_GTM, 1, 1, sl_gtm_text_casefold, 0},
    {"unaccent", VF_GTM, 1, 1, sl_gtm_text_unaccent, 0},
    {"normalize_company", VF_GTM, 1, 1, sl_gtm_company_normalize, 0},
    {"url_host", VF_GTM, 1, 1, sl_gtm_domain_host, 0},
    {"registered_domain", VF_GTM, 1, 1, sl_gtm_domain_registered, 0},
    {"is_valid_email", VF_IS_VALID_EMAIL, 1, 1, NULL, 0},
    /* gtm/register_reference.c's: iso-codes that cannot be read is
     * SQLite's error there, so the batch goes to SQLite then */
    {"country_code", VF_COUNTRY, 1, 1, sl_gtm_country_code, 0},
    {"country_name", VF_COUNTRY, 1, 1, sl_gtm_country_name, 0},
    {"country_alpha3", VF_COUNTRY, 1, 1, sl_gtm_country_alpha3, 0},
    {"currency_code", VF_COUNTRY, 1, 1, sl_gtm_currency_code, 1},
    {"currency_name", VF_COUNTRY, 1, 1, sl_gtm_currency_name, 1},
    {"normalize_phone", VF_PHONE, 1, 2, NULL, 0},
    {"phone_is_valid", VF_PHONE, 1, 2, NULL, 1},
    {"phone_region", VF_PHONE, 1, 2, NULL, 2},
    {"phone_type", VF_PHONE, 1, 2, NULL, 3},
};

/* n, a constant path for a JSON operator or json_extract: its text. */
static int path_text(const sl_vnode *n, char *tmp, const char **p, size_t *len)
{
    if (n->kind != VN_LIT || n->truefalse)
        return -1;
    if (n->ltype == SQLITE_TEXT) {
        *p = n->ls ? n->ls : "";
        *len = n->lsn;
        return 0;
    }
    if (n->ltype == SQLITE_INTEGER) {
        *len = (size_t)snprintf(tmp, 32, "%lld", (long long)n->li);
        *p = tmp;
        return 0;
    }
    return -1;
}

/* x -> path (jtext), x ->> path (abbrev: the operators' shorthands), or
 * json_extract(x, path, ...): paths[0..npaths), each freed. */
static sl_vnode *json_node(sl_vlex *p, sl_vnode *x, sl_vnode **paths, size_t npaths, int jtext, int abbrev)
{
    sl_vnode *n = node(VN_JSON);
    n->jtext = jtext;
    add_kid(n, x);
    int ok = 1;
    for (size_t k = 0; k < npaths; k++) {
        char tmp[32];
        const char *t;
        size_t tn;
        if (ok && (path_text(paths[k], tmp, &t, &tn) < 0 || sl_vjson_compile(n, t, tn, abbrev) < 0))
            ok = 0;
        sl_vnode_free(paths[k]);
    }
    return ok ? n : fail(p, n, NULL);
}

static sl_vnode *parse_function(sl_vlex *p, const char *name, size_t nlen)
{
    int k = -1;
    for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++)
        if (strlen(functions[i].name) == nlen && strncasecmp(functions[i].name, name, nlen) == 0)
            k = (int)i;
    if (k < 0)
        return fail(p, NULL, NULL);
    sl_vlex_next(p); /* ( */
    sl_vnode *n = node(VN_FN);
    n->fn = functions[k].fn;
    n->gtm = functions[k].gtm;
    n->op = functions[k].op;
    if (sl_vlex_is_kw(p, "DISTINCT") || sl_vlex_is_kw(p, "ALL") || sl_vlex_is_op(p, "*"))
        return fail(p, n, NULL);
    if (!sl_vlex_is_op(p, ")"))
        for (;;) {
            sl_vnode *a = parse_expr(p);
            if (!a)
                return fail(p, n, NULL);
            add_kid(n, a);
            if (sl_vlex_is_op(p, ",")) {
                sl_vlex_next(p);
                continue;
            }
            break;
        }
    if (!sl_vlex_is_op(p, ")") || (int)n->nkids < functions[k].min || (int)n->nkids > functions[k].max)
        return fail(p, n, NULL);
    sl_vlex_next(p);
    if (sl_vlex_is_kw(p, "FILTER") || sl_vlex_is_kw(p, "OVER"))
        return fail(p, n, NULL);
    if (n->fn == VF_JSON_EXTRACT) {
        sl_vnode *x = n->kids[0], **kids = n->kids;
        size_t nk = n->nkids;
        n->kids = NULL;
        n->nkids = 0;
        sl_vnode_free(n);
        sl_vnode *j = json_node(p, x, kids + 1, nk - 1, 0, 0);
        sl_free(kids);
        return j;
    }
    return n;
}

/* sqlite3AffinityType (3.40) of a type's name as written, z[0..n): VA_*
 * (no name at all is NUMERIC, as CAST(x AS) is in SQLite; a column
 * declared without a type would be BLOB, which CAST never is then). */
static int affinity_type(const char *z, size_t n)
{
    uint32_t h = 0;
    int aff = VA_NUMERIC;
#define H4(a, b, c, d) (((uint32_t)(a) << 24) + ((uint32_t)(b) << 16) + ((uint32_t)(c) << 8) + (uint32_t)(d))
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)z[i];
        h = (h << 8) + (uint32_t)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        if (h == H4('c', 'h', 'a', 'r') || h == H4('c', 'l', 'o', 'b') || h == H4('t', 'e', 'x', 't')) {
            aff = VA_TEXT;
        } else if (h == H4('b', 'l', 'o', 'b') && (aff == VA_NUMERIC || aff == VA_REAL)) {
            aff = VA_BLOB;
        } else if ((h == H4('r', 'e', 'a', 'l') || h == H4('f', 'l', 'o', 'a') || h == H4('d', 'o', 'u', 'b')) &&
                   aff == VA_NUMERIC) {
            aff = VA_REAL;
        } else if ((h & 0x00FFFFFF) == H4(0, 'i', 'n', 't')) {
            aff = VA_INTEGER;
            break;
        }
    }
#undef H4
    return aff;
}

/* A signed number in a type's size: (10), (10, 2), (-1). */
static int type_size(sl_vlex *p)
{
    if (sl_vlex_is_op(p, "+") || sl_vlex_is_op(p, "-"))
        sl_vlex_next(p);
    if (p->tk != SL_VTK_INT && p->tk != SL_VTK_REAL)
        return -1;
    sl_vlex_next(p);
    return 0;
}

/* CAST ( expr AS [typename [( signed [, signed] )]] ): a type's name of
 * plain words (no keyword, nothing quoted), or none; its affinity is
 * SQLite's from the name as written, up to the closing parenthesis of
 * its size (BLOB: the value's bytes as a blob). */
static sl_vnode *parse_cast(sl_vlex *p)
{
    sl_vlex_next(p); /* CAST */
    if (!sl_vlex_is_op(p, "("))
        return fail(p, NULL, NULL);
    sl_vlex_next(p);
    sl_vnode *e = parse_expr(p);
    if (!e || !sl_vlex_is_kw(p, "AS"))
        return fail(p, e, NULL);
    sl_vlex_next(p);
    const char *t0 = p->tp, *t1 = NULL;
    while (p->tk == SL_VTK_ID) {
        if (sqlite3_keyword_check(p->tp, (int)p->tn))
            return fail(p, e, NULL);
        t1 = p->tp + p->tn;
        sl_vlex_next(p);
    }
    if (!t1) {
        if (!sl_vlex_is_op(p, ")"))
            return fail(p, e, NULL);
        t1 = t0; /* CAST(x AS): no name */
    } else if (sl_vlex_is_op(p, "(")) {
        sl_vlex_next(p);
        if (type_size(p) < 0)
            return fail(p, e, NULL);
        if (sl_vlex_is_op(p, ",")) {
            sl_vlex_next(p);
            if (type_size(p) < 0)
                return fail(p, e, NULL);
        }
        if (!sl_vlex_is_op(p, ")"))
            return fail(p, e, NULL);
        t1 = p->tp + p->tn;
        sl_vlex_next(p);
    }
    if (!sl_vlex_is_op(p, ")") || p->fail)
        return fail(p, e, NULL);
    sl_vlex_next(p);
    int aff = affinity_type(t0, (size_t)(t1 - t0));
    sl_vnode *n = node(VN_CAST);
    n->aff = aff;
    add_kid(n, e);
    return n;
}

/* SQLite's affinity of an operand in a comparison (sqlite3ExprAffinity):
 * 'B' a column (the batch's table declares no types: BLOB) or a CAST to
 * BLOB, 'T' or 'N' a CAST to text or to a number, 0 none. */
static int aff_of(const sl_vnode *n)
{
    if (n->kind == VN_COL)
        return 'B';
    if (n->kind == VN_CAST)
        return n->aff == VA_BLOB ? 'B' : n->aff == VA_TEXT ? 'T' : 'N';
    return 0;
}

/* Whether n's values are always of affinity aff's kind (or NULL), so
 * that applying it changes nothing (a comparison's affinity converts
 * neither a blob nor a number to a number, nor a text or a blob to
 * text). */
static int fits(const sl_vnode *n, int aff)
{
    if (n->kind == VN_LIT)
        return n->ltype == SQLITE_NULL || (aff == 'T') == (n->ltype == SQLITE_TEXT);
    if (n->kind == VN_NEG)
        return aff == 'N' && n->kids[0]->kind == VN_LIT && n->kids[0]->numlit;
    if (n->kind == VN_CAST)
        return n->aff == VA_BLOB || (aff == 'T') == (n->aff == VA_TEXT);
    return 0;
}

/* Whether comparing a and b converts nothing (sqlite3CompareAffinity,
 * then OP_Eq's conversions): the native comparison is then SQLite's. */
static int cmp_plain(const sl_vnode *a, const sl_vnode *b)
{
    int x = aff_of(a), y = aff_of(b), aff;
    if (x && y)
        aff = x == 'N' || y == 'N' ? 'N' : 'B';
    else
        aff = x ? x : y;
    if (!aff || aff == 'B')
        return 1;
    return fits(a, aff) && fits(b, aff);
}

static sl_vnode *parse_case(sl_vlex *p)
{
    sl_vlex_next(p); /* CASE */
    sl_vnode *n = node(VN_CASE);
    if (!sl_vlex_is_kw(p, "WHEN")) {
        sl_vnode *base = parse_expr(p);
        if (!base)
            return fail(p, n, NULL);
        add_kid(n, base);
        n->has_base = 1;
    }
    int pairs = 0;
    while (sl_vlex_is_kw(p, "WHEN")) {
        sl_vlex_next(p);
        sl_vnode *w = parse_expr(p);
        if (!w || !sl_vlex_is_kw(p, "THEN") || (n->has_base && !cmp_plain(n->kids[0], w)))
            return fail(p, n, w);
        add_kid(n, w);
        sl_vlex_next(p);
        sl_vnode *t = parse_expr(p);
        if (!t)
            return fail(p, n, NULL);
        add_kid(n, t);
        pairs++;
    }
    if (!pairs)
        return fail(p, n, NULL);
    if (sl_vlex_is_kw(p, "ELSE")) {
        sl_vlex_next(p);
        sl_vnode *e = parse_expr(p);
        if (!e)
            return fail(p, n, NULL);
        add_kid(n, e);
        n->has_else = 1;
    }
    if (!sl_vlex_is_kw(p, "END"))
        return fail(p, n, NULL);
    sl_vlex_next(p);
    return n;
}

/* Keywords SQLite's grammar takes as a name where an operand stands
 * (parse.y's %fallback ID), so as columns: first, last, key, ... (the
 * ones with a meaning of their own in an expression, like CAST, END,
 * LIKE or CURRENT_TIME, are not here). */
static int id_keyword(const char *name, size_t len)
{
    static const char *const words[] = {
        "ABORT", "ACTION", "AFTER", "ALWAYS", "ANALYZE", "ASC", "ATTACH", "BEFORE", "BEGIN", "BY", "CASCADE",
        "COLUMN", "CONFLICT", "CURRENT", "DATABASE", "DEFERRED", "DESC", "DETACH", "DO", "EACH", "EXCLUDE",
        "EXCLUSIVE", "EXPLAIN", "FAIL", "FIRST", "FOLLOWING", "FOR", "GENERATED", "GROUPS", "IF", "IGNORE",
        "IMMEDIATE", "INITIALLY", "INSTEAD", "KEY", "LAST", "MATERIALIZED", "NO", "NULLS", "OF", "OFFSET",
        "OTHERS", "PARTITION", "PLAN", "PRAGMA", "PRECEDING", "QUERY", "RANGE", "RECURSIVE", "REINDEX",
        "RELEASE", "RENAME", "REPLACE", "RESTRICT", "ROLLBACK", "ROW", "ROWS", "SAVEPOINT", "TEMP", "TEMPORARY",
        "TIES", "TRIGGER", "UNBOUNDED", "VACUUM", "VIEW", "VIRTUAL", "WITHOUT",
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i]) == len && strncasecmp(words[i], name, len) == 0)
            return 1;
    return 0;
}

static sl_vnode *parse_primary(sl_vlex *p)
{
    if (p->fail)
        return NULL;
    sl_vnode *n = NULL;
    switch (p->tk) {
    case SL_VTK_INT:
    case SL_VTK_REAL:
        n = node(VN_LIT);
        n->numlit = 1;
        n->ltype = p->tk == SL_VTK_INT ? SQLITE_INTEGER : SQLITE_FLOAT;
        n->li = p->iv;
        n->lf = p->rv;
        sl_vlex_next(p);
        return n;
    case SL_VTK_STR:
        n = node(VN_LIT);
        n->ltype = SQLITE_TEXT;
        n->ls = p->text;
        n->lsn = p->textn;
        p->text = NULL;
        sl_vlex_next(p);
        return n;
    case SL_VTK_QID: {
        int c = find_column(p->b, p->text, p->textn);
        if (c < 0)
            return fail(p, NULL, NULL); /* SQLite: a string, a quoted keyword, or an error */
        n = node(VN_COL);
        n->col = c;
        sl_vlex_next(p);
        break;
    }
    case SL_VTK_ID: {
        const char *name = p->tp;
        size_t len = p->tn;
        if (sl_vlex_is_kw(p, "CASE"))
            return parse_case(p);
        if (sl_vlex_is_kw(p, "CAST"))
            return parse_cast(p);
        if (sl_vlex_is_kw(p, "NULL") || sl_vlex_is_kw(p, "TRUE") || sl_vlex_is_kw(p, "FALSE")) {
            /* TRUE and FALSE are columns when the batch has them */
            if (!sl_vlex_is_kw(p, "NULL") && find_column(p->b, name, len) >= 0)
                return fail(p, NULL, NULL);
            n = node(VN_LIT);
            n->ltype = sl_vlex_is_kw(p, "NULL") ? SQLITE_NULL : SQLITE_INTEGER;
            n->li = sl_vlex_is_kw(p, "TRUE");
            n->truefalse = !sl_vlex_is_kw(p, "NULL");
            sl_vlex_next(p);
            return n;
        }
        sl_vlex_next(p);
        if (sl_vlex_is_op(p, "("))
            return parse_function(p, name, len);
        if (sqlite3_keyword_check(name, (int)len) && !id_keyword(name, len))
            return fail(p, NULL, NULL);
        int c = find_column(p->b, name, len);
        if (c < 0)
            return fail(p, NULL, NULL);
        n = node(VN_COL);
        n->col = c;
        break;
    }
    case SL_VTK_OP:
        if (sl_vlex_is_op(p, "(")) {
            sl_vlex_next(p);
            n = parse_expr(p);
            if (!n || !sl_vlex_is_op(p, ")"))
                return fail(p, n, NULL);
            sl_vlex_next(p);
            break;
        }
        return fail(p, NULL, NULL);
    default:
        return fail(p, NULL, NULL);
    }
    if (sl_vlex_is_op(p, "."))
        return fail(p, n, NULL); /* table.column */
    return n;
}

static sl_vnode *parse_unary(sl_vlex *p)
{
    if (sl_vlex_is_op(p, "-")) {
        sl_vlex_next(p);
        sl_vnode *k = parse_unary(p);
        if (!k)
            return fail(p, NULL, NULL);
        sl_vnode *n = node(VN_NEG);
        add_kid(n, k);
        return n;
    }
    if (sl_vlex_is_op(p, "+")) {
        /* SQLite's unary plus gives its operand unchanged; a literal
         * under it is no longer negated as a literal: -+0.0 is 0 - 0.0 */
        sl_vlex_next(p);
        sl_vnode *k = parse_unary(p);
        if (k)
            k->numlit = 0;
        return k;
    }
    if (sl_vlex_is_kw(p, "NOT")) /* NOT as an operand (a = NOT b): it takes everything that binds
                           * tighter than NOT, as in SQLite's grammar */
        return parse_not(p);
    if (sl_vlex_is_op(p, "~") || sl_vlex_is_kw(p, "EXISTS") || sl_vlex_is_kw(p, "SELECT"))
        return fail(p, NULL, NULL);
    sl_vnode *n = parse_primary(p);
    if (n && sl_vlex_is_kw(p, "COLLATE"))
        return fail(p, n, NULL);
    return n;
}

/* || -> ->>: one level, from the left (parse.y: %left CONCAT PTR) */
static sl_vnode *parse_concat(sl_vlex *p)
{
    sl_vnode *a = parse_unary(p);
    while (a && (sl_vlex_is_op(p, "||") || sl_vlex_is_op(p, "->") || sl_vlex_is_op(p, "->>"))) {
        int op = sl_vlex_is_op(p, "||") ? 0 : sl_vlex_is_op(p, "->") ? 1 : 2;
        sl_vlex_next(p);
        sl_vnode *b = parse_unary(p);
        if (!b)
            return fail(p, a, NULL);
        if (op) {
            a = json_node(p, a, &b, 1, op == 1, 1);
            continue;
        }
        sl_vnode *n = node(VN_CONCAT);
        add_kid(n, a);
        add_kid(n, b);
        a = n;
    }
    return a;
}

static sl_vnode *parse_mul(sl_vlex *p)
{
    sl_vnode *a = parse_concat(p);
    while (a && (sl_vlex_is_op(p, "*") || sl_vlex_is_op(p, "/") || sl_vlex_is_op(p, "%"))) {
        int op = sl_vlex_is_op(p, "*") ? VO_MUL : sl_vlex_is_op(p, "/") ? VO_DIV : VO_MOD;
        sl_vlex_next(p);
        sl_vnode *b = parse_concat(p);
        if (!b)
            return fail(p, a, NULL);
        a = binary(VN_ARITH, op, a, b);
    }
    return a;
}

static sl_vnode *parse_add(sl_vlex *p)
{
    sl_vnode *a = parse_mul(p);
    while (a && (sl_vlex_is_op(p, "+") || sl_vlex_is_op(p, "-"))) {
        int op = sl_vlex_is_op(p, "+") ? VO_ADD : VO_SUB;
        sl_vlex_next(p);
        sl_vnode *b = parse_mul(p);
        if (!b)
            return fail(p, a, NULL);
        a = binary(VN_ARITH, op, a, b);
    }
    if (a && (sl_vlex_is_op(p, "&") || sl_vlex_is_op(p, "|") || sl_vlex_is_op(p, "<<") || sl_vlex_is_op(p, ">>")))
        return fail(p, a, NULL);
    return a;
}

static sl_vnode *parse_cmp(sl_vlex *p)
{
    sl_vnode *a = parse_add(p);
    while (a && (sl_vlex_is_op(p, "<") || sl_vlex_is_op(p, "<=") || sl_vlex_is_op(p, ">") || sl_vlex_is_op(p, ">="))) {
        int op = sl_vlex_is_op(p, "<") ? VO_LT : sl_vlex_is_op(p, "<=") ? VO_LE : sl_vlex_is_op(p, ">") ? VO_GT : VO_GE;
        sl_vlex_next(p);
        sl_vnode *b = parse_add(p);
        if (!b)
            return fail(p, a, NULL);
        if (!cmp_plain(a, b))
            return fail(p, a, b);
        a = binary(VN_CMP, op, a, b);
    }
    return a;
}

/* A LIKE pattern or ESCAPE: a text literal. */
static sl_vnode *parse_like(sl_vlex *p, sl_vnode *a, int negate)
{
    sl_vnode *pat = parse_cmp(p);
    if (!pat || pat->kind != VN_LIT || pat->ltype != SQLITE_TEXT || memchr(pat->ls, 0, pat->lsn) ||
        pat->lsn > 50000)
        return fail(p, a, pat);
    sl_vnode *n = node(VN_LIKE);
    n->negate = negate;
    n->ls = pat->ls;
    n->lsn = pat->lsn;
    pat->ls = NULL;
    sl_vnode_free(pat);
    add_kid(n, a);
    if (sl_vlex_is_kw(p, "ESCAPE")) {
        sl_vlex_next(p);
        sl_vnode *e = parse_cmp(p);
        /* one character (SQLite's error otherwise) */
        if (!e || e->kind != VN_LIT || e->ltype != SQLITE_TEXT)
            return fail(p, n, e);
        if (e->lsn != 1 || (unsigned char)e->ls[0] >= 0x80)
            return fail(p, n, e); /* a multi-byte escape: SQLite */
        unsigned c = (unsigned char)e->ls[0];
        if (c == '%' || c == '_') /* the escape then loses its wildcard meaning (SQLite's likeFunc): SQLite */
            return fail(p, n, e);
        n->esc = c;
        sl_vnode_free(e);
    }
    return n;
}

static sl_vnode *parse_eq(sl_vlex *p)
{
    sl_vnode *a = parse_cmp(p);
    while (a && !p->fail) {
        if (sl_vlex_is_op(p, "=") || sl_vlex_is_op(p, "==") || sl_vlex_is_op(p, "!=") || sl_vlex_is_op(p, "<>")) {
            int op = sl_vlex_is_op(p, "=") || sl_vlex_is_op(p, "==") ? VO_EQ : VO_NE;
            sl_vlex_next(p);
            sl_vnode *b = parse_cmp(p);
            if (!b)
                return fail(p, a, NULL);
            if (!cmp_plain(a, b))
                return fail(p, a, b);
            a = binary(VN_CMP, op, a, b);
            continue;
        }
        if (sl_vlex_is_kw(p, "ISNULL") || sl_vlex_is_kw(p, "NOTNULL")) {
            sl_vnode *n = node(VN_ISNULL);
            n->negate = sl_vlex_is_kw(p, "NOTNULL");
            add_kid(n, a);
            a = n;
            sl_vlex_next(p);
            continue;
        }
        if (sl_vlex_is_kw(p, "IS")) {
            sl_vlex_next(p);
            int op = VO_IS;
            if (sl_vlex_is_kw(p, "NOT")) {
                op = VO_ISNOT;
                sl_vlex_next(p);
            }
            if (sl_vlex_is_kw(p, "DISTINCT"))
                return fail(p, a, NULL);
            sl_vnode *b = parse_cmp(p);
            if (!b || b->truefalse || !cmp_plain(a, b))
                return fail(p, a, b); /* x IS TRUE: SQLite's truth test */
            a = binary(VN_CMP, op, a, b);
            continue;
        }
        int negate = 0;
        if (sl_vlex_is_kw(p, "NOT")) {
            sl_vlex_next(p);
            negate = 1;
            if (sl_vlex_is_kw(p, "NULL")) {
                sl_vnode *n = node(VN_ISNULL);
                n->negate = 1;
                add_kid(n, a);
                a = n;
                sl_vlex_next(p);
                continue;
            }
            if (!sl_vlex_is_kw(p, "IN") && !sl_vlex_is_kw(p, "LIKE") && !sl_vlex_is_kw(p, "BETWEEN"))
                return fail(p, a, NULL);
        }
        if (sl_vlex_is_kw(p, "LIKE")) {
            sl_vlex_next(p);
            a = parse_like(p, a, negate);
            continue;
        }
        if (sl_vlex_is_kw(p, "BETWEEN")) {
            sl_vlex_next(p);
            sl_vnode *lo = parse_cmp(p);
            if (!lo || !sl_vlex_is_kw(p, "AND"))
                return fail(p, a, lo);
            sl_vlex_next(p);
            sl_vnode *hi = parse_cmp(p);
            if (!hi || !cmp_plain(a, lo) || !cmp_plain(a, hi)) {
                sl_vnode_free(hi);
                return fail(p, a, lo);
            }
            sl_vnode *n = node(VN_BETWEEN);
            n->negate = negate;
            add_kid(n, a);
            add_kid(n, lo);
            add_kid(n, hi);
            a = n;
            continue;
        }
        if (sl_vlex_is_kw(p, "IN")) {
            sl_vlex_next(p);
            if (!sl_vlex_is_op(p, "("))
                return fail(p, a, NULL);
            sl_vlex_next(p);
            if (sl_vlex_is_kw(p, "SELECT") || sl_vlex_is_kw(p, "VALUES") || sl_vlex_is_kw(p, "WITH"))
                return fail(p, a, NULL);
            sl_vnode *n = node(VN_IN);
            n->negate = negate;
            add_kid(n, a);
            if (!sl_vlex_is_op(p, ")"))
                for (;;) {
                    sl_vnode *v = parse_expr(p);
                    if (!v)
                        return fail(p, n, NULL);
                    add_kid(n, v);
                    if (sl_vlex_is_op(p, ",")) {
                        sl_vlex_next(p);
                        continue;
                    }
                    break;
                }
            if (!sl_vlex_is_op(p, ")"))
                return fail(p, n, NULL);
            sl_vlex_next(p);
            /* exprINAffinity: the left operand's affinity only */
            int aff = aff_of(a);
            if (aff == 'T' || aff == 'N')
                for (size_t k = 1; k < n->nkids; k++)
                    if (!fits(n->kids[k], aff))
                        return fail(p, n, NULL);
            if (n->nkids > 1)
                n->set = sl_vset_build(n);
            if (n->nkids == 1) {
                /* x IN (): SQLite's sl_vlex makes it the constant FALSE
                 * (TRUE for NOT IN), x unread; as such, IS takes it as
                 * a truth test */
                sl_vnode_free(n);
                n = node(VN_LIT);
                n->ltype = SQLITE_INTEGER;
                n->li = negate;
                n->truefalse = 1;
            }
            a = n;
            continue;
        }
        if (sl_vlex_is_kw(p, "GLOB") || sl_vlex_is_kw(p, "MATCH") || sl_vlex_is_kw(p, "REGEXP") || sl_vlex_is_kw(p, "COLLATE"))
            return fail(p, a, NULL);
        break;
    }
    return p->fail ? fail(p, a, NULL) : a;
}

static sl_vnode *parse_not(sl_vlex *p)
{
    if (sl_vlex_is_kw(p, "NOT")) {
        sl_vlex_next(p);
        if (sl_vlex_is_kw(p, "EXISTS"))
            return fail(p, NULL, NULL);
        sl_vnode *k = parse_not(p);
        if (!k)
            return fail(p, NULL, NULL);
        sl_vnode *n = node(VN_NOT);
        add_kid(n, k);
        return n;
    }
    return parse_eq(p);
}

static sl_vnode *parse_and(sl_vlex *p)
{
    sl_vnode *a = parse_not(p);
    while (a && sl_vlex_is_kw(p, "AND")) {
        sl_vlex_next(p);
        sl_vnode *b = parse_not(p);
        if (!b)
            return fail(p, a, NULL);
        a = binary(VN_AND, 0, a, b);
    }
    return a;
}

static sl_vnode *parse_expr(sl_vlex *p)
{
    if (p->fail)
        return NULL;
    sl_vnode *a = parse_and(p);
    while (a && sl_vlex_is_kw(p, "OR")) {
        sl_vlex_next(p);
        sl_vnode *b = parse_and(p);
        if (!b)
            return fail(p, a, NULL);
        a = binary(VN_OR, 0, a, b);
    }
    if (p->fail)
        return fail(p, a, NULL);
    return a;
}

sl_vnode *sl_vnode_parse(const char *text, const sl_batch *b)
{
    sl_vlex p = {.s = text, .b = b};
    sl_vlex_next(&p);
    sl_vnode *n = parse_expr(&p);
    if (n && (p.fail || p.tk != SL_VTK_END)) {
        sl_vnode_free(n);
        n = NULL;
    }
    sl_free(p.text);
    return n;
}
