/*
 * parser.c: tokens to the syntax tree, following Jinja 3.1's grammar
 * (jinja2/parser.py): statements set (and block set), for (unpacking,
 * `if` filter, else), if/elif/else, macro (defaults), call (caller), do,
 * break/continue (dbt enables jinja2.ext.loopcontrols), and dbt's blocks
 * test, docs, snapshot; expressions with Jinja's precedence (or, and, not,
 * comparisons, + -, ~, * / // %, **, unary - +, postfix . [] (), filters
 * and tests). Tags sluice does not support (include, import, extends,
 * block, filter, with, autoescape, materialization...) are refused by name
 * at their line and column.
 *
 * Nodes live in the template's arena; filters and tests are resolved here,
 * so a misspelt one is an error before anything renders.
 */
#include "jinja/jinja_int.h"
#include "config/diag.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct P {
    const char *file;
    jtok *t;
    size_t nt, i;
    jtpl_shared *sh;
    sl_error *err;
    int depth;
    jnode *macro;  /* the macro (or call block) whose body is being parsed */
    int loops;     /* for loops open around the current statement (within the macro) */
} P;

static int perr(P *p, const jtok *t, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int perr(P *p, const jtok *t, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sl_error_set(p->err, SL_ECONFIG, "%s:%u:%u: %s", p->file, t->line, t->col, msg);
}

static jtok *cur(P *p) { return &p->t[p->i]; }
static jtok *peek(P *p, size_t k) { return p->i + k < p->nt ? &p->t[p->i + k] : &p->t[p->nt - 1]; }
static void adv(P *p)
{
    if (p->i + 1 < p->nt)
        p->i++;
}

static int is_op(P *p, int op) { return cur(p)->type == T_OP && cur(p)->op == op; }
static int is_name(const jtok *t, const char *s)
{
    size_t l = strlen(s);
    return t->type == T_NAME && t->n == l && memcmp(t->p, s, l) == 0;
}

static void describe(const jtok *t, char *out, size_t cap)
{
    switch (t->type) {
    case T_EOF: snprintf(out, cap, "end of template"); break;
    case T_VAR_END: snprintf(out, cap, "end of print statement"); break;
    case T_BLOCK_END: snprintf(out, cap, "end of statement block"); break;
    case T_STRING: snprintf(out, cap, "a string"); break;
    case T_DATA: snprintf(out, cap, "template data"); break;
    default: snprintf(out, cap, "'%.*s'", (int)(t->n > 40 ? 40 : t->n), t->p); break;
    }
}

static int expect_op(P *p, int op)
{
    if (is_op(p, op)) {
        adv(p);
        return 0;
    }
    char d[64];
    describe(cur(p), d, sizeof d);
    return perr(p, cur(p), "expected '%s', got %s", sl_jop_text(op), d);
}

static int expect_type(P *p, int type, const char *what)
{
    if (cur(p)->type == type) {
        adv(p);
        return 0;
    }
    char d[64];
    describe(cur(p), d, sizeof d);
    return perr(p, cur(p), "expected %s, got %s", what, d);
}

static int expect_block_end(P *p) { return expect_type(p, T_BLOCK_END, "end of statement block"); }

static jnode *mk(P *p, int kind, const jtok *at)
{
    jnode *n = sl_arena_alloc(&p->sh->arena, sizeof *n);
    memset(n, 0, sizeof *n);
    n->kind = (uint8_t)kind;
    n->line = at->line;
    n->col = at->col;
    return n;
}

static void set_name(jnode *n, const char *s, size_t len)
{
    n->name = s;
    n->nlen = (uint32_t)len;
    n->hash = sl_jhash(s, len);
}

static jnode *mk_const(P *p, const jtok *at, sl_jv *v)
{
    jnode *n = mk(p, E_CONST, at);
    n->val = v;
    jtpl_shared *sh = p->sh;
    if (sh->nconsts == sh->cap)
        sl_grow((void **)&sh->consts, &sh->cap, sh->nconsts + 1, sizeof(sl_jv *));
    sh->consts[sh->nconsts++] = v;
    return n;
}

/* A growable list of nodes, copied into the arena when done. */
typedef struct nvec {
    jnode **v;
    size_t n, cap;
} nvec;

static void nv_push(nvec *nv, jnode *x)
{
    if (nv->n == nv->cap)
        sl_grow((void **)&nv->v, &nv->cap, nv->n + 1, sizeof(jnode *));
    nv->v[nv->n++] = x;
}

static void nv_finish(P *p, nvec *nv, jnode *into)
{
    into->nkids = (uint32_t)nv->n;
    if (nv->n) {
        into->kids = sl_arena_alloc(&p->sh->arena, nv->n * sizeof(jnode *));
        memcpy(into->kids, nv->v, nv->n * sizeof(jnode *));
    }
    sl_free(nv->v);
    nv->v = NULL;
    nv->n = nv->cap = 0;
}

static jnode *parse_expression(P *p, int with_condexpr);
static jnode *parse_tuple(P *p, int simplified, int with_condexpr, const char *extra_end, int explicit_parens);
static jnode *parse_primary(P *p);
static jnode *parse_postfix(P *p, jnode *n);
static jnode *parse_unary(P *p, int with_filter);

static int enter(P *p)
{
    if (++p->depth > SL_JINJA_MAX_DEPTH) {
        perr(p, cur(p), "template nested too deeply (limit %d)", SL_JINJA_MAX_DEPTH);
        return -1;
    }
    return 0;
}

static void note_name(P *p, jnode *n)
{
    if (!p->macro)
        return;
    if (n->nlen == 6 && memcmp(n->name, "caller", 6) == 0)
        p->macro->flags |= MF_CALLER;
    else if (n->nlen == 7 && memcmp(n->name, "varargs", 7) == 0)
        p->macro->flags |= MF_VARARGS;
    else if (n->nlen == 6 && memcmp(n->name, "kwargs", 6) == 0)
        p->macro->flags |= MF_KWARGS;
}

/* Call arguments after '(' (consumed here): positional then keyword (E_KW). */
static int parse_call_args(P *p, jnode *call)
{
    nvec nv = {0};
    int seen_kw = 0;
    if (expect_op(p, OP_LPAREN) < 0)
        return -1;
    while (!is_op(p, OP_RPAREN)) {
        if (nv.n && expect_op(p, OP_COMMA) < 0)
            goto fail;
        if (is_op(p, OP_RPAREN))
            break;
        if (is_op(p, OP_MUL) || is_op(p, OP_POW)) {
            perr(p, cur(p), "'%s' arguments in a call are not supported in sluice templates", is_op(p, OP_MUL) ? "*" : "**");
            goto fail;
        }
        jtok *t = cur(p);
        if (t->type == T_NAME && peek(p, 1)->type == T_OP && peek(p, 1)->op == OP_ASSIGN) {
            jnode *kw = mk(p, E_KW, t);
            set_name(kw, sl_arena_copy(&p->sh->arena, t->p, t->n), t->n);
            adv(p);
            adv(p);
            if (!(kw->a = parse_expression(p, 1)))
                goto fail;
            seen_kw = 1;
            nv_push(&nv, kw);
        } else {
            if (seen_kw) {
                perr(p, t, "invalid syntax for function call expression: a positional argument follows a keyword argument");
                goto fail;
            }
            jnode *e = parse_expression(p, 1);
            if (!e)
                goto fail;
            nv_push(&nv, e);
        }
    }
    adv(p);
    nv_finish(p, &nv, call);
    return 0;
fail:
    sl_free(nv.v);
    return -1;
}

static jnode *parse_call(P *p, jnode *fn)
{
    jnode *c = mk(p, E_CALL, cur(p));
    c->a = fn;
    c->line = fn->line; /* a call is where its callee's name is */
    c->col = fn->col;
    if (parse_call_args(p, c) < 0)
        return NULL;
    return c;
}

static int dotted_name(P *p, const char **name, size_t *len, const jtok **at)
{
    *at = cur(p);
    if (cur(p)->type != T_NAME) {
        char d[64];
        describe(cur(p), d, sizeof d);
        return perr(p, cur(p), "expected a name, got %s", d);
    }
    const char *s = cur(p)->p;
    size_t l = cur(p)->n;
    adv(p);
    while (is_op(p, OP_DOT) && peek(p, 1)->type == T_NAME) {
        adv(p);
        l = (size_t)(cur(p)->p + cur(p)->n - s);
        adv(p);
    }
    *name = s;
    *len = l;
    return 0;
}

static jnode *parse_filter(P *p, jnode *operand)
{
    const char *name;
    size_t len;
    const jtok *at;
    if (dotted_name(p, &name, &len, &at) < 0)
        return NULL;
    jnode *f = mk(p, E_FILTER, at);
    set_name(f, name, len);
    f->a = operand;
    const jfilter *jf = sl_jfilter_find(name, len);
    if (!jf) {
        char nm[128];
        snprintf(nm, sizeof nm, "%.*s", (int)(len > 100 ? 100 : len), name);
        const char *sug = sl_jfilter_suggest(nm);
        if (sug)
            perr(p, at, "unknown filter '%s' (did you mean '%s'?)", nm, sug);
        else
            perr(p, at, "unknown filter '%s'", nm);
        return NULL;
    }
    f->fn = (void *)jf;
    if (is_op(p, OP_LPAREN) && parse_call_args(p, f) < 0)
        return NULL;
    return f;
}

static jnode *parse_test(P *p, jnode *operand)
{
    const jtok *is = cur(p);
    adv(p); /* is */
    int neg = 0;
    if (is_name(cur(p), "not")) {
        neg = 1;
        adv(p);
    }
    const char *name;
    size_t len;
    const jtok *at;
    if (dotted_name(p, &name, &len, &at) < 0)
        return NULL;
    jnode *t = mk(p, E_TEST, is);
    set_name(t, name, len);
    t->a = operand;
    t->op = (uint8_t)neg;
    const jtest *jt = sl_jtest_find(name, len);
    if (!jt) {
        char nm[128];
        snprintf(nm, sizeof nm, "%.*s", (int)(len > 100 ? 100 : len), name);
        const char *sug = sl_jtest_suggest(nm);
        if (sug)
            perr(p, at, "unknown test '%s' (did you mean '%s'?)", nm, sug);
        else
            perr(p, at, "unknown test '%s'", nm);
        return NULL;
    }
    t->fn = (void *)jt;
    jtok *c = cur(p);
    if (is_op(p, OP_LPAREN)) {
        if (parse_call_args(p, t) < 0)
            return NULL;
    } else if ((c->type == T_NAME || c->type == T_STRING || c->type == T_INT || c->type == T_FLOAT ||
                (c->type == T_OP && (c->op == OP_LBRACKET || c->op == OP_LBRACE))) &&
               !is_name(c, "else") && !is_name(c, "or") && !is_name(c, "and")) {
        if (is_name(c, "is")) {
            perr(p, c, "you cannot chain multiple tests with 'is'");
            return NULL;
        }
        jnode *arg = parse_primary(p);
        if (!arg || !(arg = parse_postfix(p, arg)))
            return NULL;
        t->kids = sl_arena_alloc(&p->sh->arena, sizeof(jnode *));
        t->kids[0] = arg;
        t->nkids = 1;
    }
    return t;
}

static jnode *parse_filter_expr(P *p, jnode *n)
{
    for (;;) {
        if (is_op(p, OP_PIPE)) {
            adv(p);
            n = parse_filter(p, n);
        } else if (is_name(cur(p), "is"))
            n = parse_test(p, n);
        else if (is_op(p, OP_LPAREN))
            n = parse_call(p, n);
        else
            return n;
        if (!n)
            return NULL;
    }
}

static jnode *parse_subscribed(P *p)
{
    jtok *at = cur(p);
    jnode *args[3] = {NULL, NULL, NULL};
    if (is_op(p, OP_COLON)) {
        adv(p);
    } else {
        jnode *e = parse_expression(p, 1);
        if (!e)
            return NULL;
        if (!is_op(p, OP_COLON))
            return e;
        args[0] = e;
        adv(p);
    }
    if (!is_op(p, OP_RBRACKET) && !is_op(p, OP_COMMA) && !is_op(p, OP_COLON)) {
        if (!(args[1] = parse_expression(p, 1)))
            return NULL;
    }
    if (is_op(p, OP_COLON)) {
        adv(p);
        if (!is_op(p, OP_RBRACKET) && !is_op(p, OP_COMMA)) {
            if (!(args[2] = parse_expression(p, 1)))
                return NULL;
        }
    }
    jnode *s = mk(p, E_SLICE, at);
    s->b = args[0];
    s->c = args[1];
    s->d = args[2];
    return s;
}

static jnode *parse_postfix(P *p, jnode *n)
{
    for (;;) {
        jtok *t = cur(p);
        if (is_op(p, OP_DOT)) {
            adv(p);
            jtok *a = cur(p);
            if (a->type == T_NAME) {
                jnode *g = mk(p, E_GETATTR, a);
                g->a = n;
                set_name(g, a->p, a->n);
                adv(p);
                n = g;
            } else if (a->type == T_INT) {
                jnode *g = mk(p, E_GETITEM, a);
                g->a = n;
                g->b = mk_const(p, a, sl_jv_int(a->i));
                adv(p);
                n = g;
            } else {
                char d[64];
                describe(a, d, sizeof d);
                perr(p, a, "expected a name or a number after '.', got %s", d);
                return NULL;
            }
        } else if (is_op(p, OP_LBRACKET)) {
            adv(p);
            nvec nv = {0};
            while (!is_op(p, OP_RBRACKET)) {
                if (nv.n && expect_op(p, OP_COMMA) < 0) {
                    sl_free(nv.v);
                    return NULL;
                }
                if (is_op(p, OP_RBRACKET))
                    break;
                jnode *s = parse_subscribed(p);
                if (!s) {
                    sl_free(nv.v);
                    return NULL;
                }
                nv_push(&nv, s);
            }
            adv(p);
            if (nv.n == 0) {
                perr(p, t, "expected a subscript inside '[]'");
                return NULL;
            }
            for (size_t k = 0; nv.n > 1 && k < nv.n; k++)
                if (nv.v[k]->kind == E_SLICE) {
                    jtok at = {.line = nv.v[k]->line, .col = nv.v[k]->col};
                    sl_free(nv.v);
                    perr(p, &at, "a slice inside a tuple subscript is not supported");
                    return NULL;
                }
            jnode *idx;
            if (nv.n == 1) {
                idx = nv.v[0];
                sl_free(nv.v);
            } else {
                idx = mk(p, E_TUPLE, t);
                nv_finish(p, &nv, idx);
            }
            jnode *g = mk(p, idx->kind == E_SLICE ? E_SLICE : E_GETITEM, t);
            if (idx->kind == E_SLICE) {
                *g = *idx;
                g->a = n;
            } else {
                g->a = n;
                g->b = idx;
            }
            n = g;
        } else if (is_op(p, OP_LPAREN)) {
            if (!(n = parse_call(p, n)))
                return NULL;
        } else
            return n;
    }
}

static jnode *parse_primary(P *p)
{
    jtok *t = cur(p);
    if (enter(p) < 0)
        return NULL;
    jnode *n = NULL;
    switch (t->type) {
    case T_NAME:
        if (is_name(t, "true") || is_name(t, "True"))
            n = mk_const(p, t, sl_jv_bool(1));
        else if (is_name(t, "false") || is_name(t, "False"))
            n = mk_const(p, t, sl_jv_bool(0));
        else if (is_name(t, "none") || is_name(t, "None"))
            n = mk_const(p, t, sl_jv_none());
        else {
            n = mk(p, E_NAME, t);
            set_name(n, t->p, t->n);
            note_name(p, n);
        }
        adv(p);
        break;
    case T_STRING: {
        adv(p);
        if (cur(p)->type != T_STRING) {
            n = mk_const(p, t, sl_jv_str(t->p, t->n));
            break;
        }
        sl_buf b;
        sl_buf_init(&b);
        sl_buf_add(&b, t->p, t->n);
        while (cur(p)->type == T_STRING) {
            sl_buf_add(&b, cur(p)->p, cur(p)->n);
            adv(p);
        }
        n = mk_const(p, t, sl_jv_str(b.data, b.len));
        sl_buf_release(&b);
        break;
    }
    case T_INT:
        if (t->big) {
            perr(p, t, "integer literal %.*s is out of range (64-bit)", (int)(t->n > 40 ? 40 : t->n), t->p);
            break;
        }
        n = mk_const(p, t, sl_jv_int(t->i));
        adv(p);
        break;
    case T_FLOAT:
        n = mk_const(p, t, sl_jv_float(t->d));
        adv(p);
        break;
    case T_OP:
        if (t->op == OP_LPAREN) {
            adv(p);
            n = parse_tuple(p, 0, 1, NULL, 1);
            if (n && expect_op(p, OP_RPAREN) < 0)
                n = NULL;
        } else if (t->op == OP_LBRACKET) {
            adv(p);
            nvec nv = {0};
            while (!is_op(p, OP_RBRACKET)) {
                if (nv.n && expect_op(p, OP_COMMA) < 0)
                    goto listfail;
                if (is_op(p, OP_RBRACKET))
                    break;
                jnode *e = parse_expression(p, 1);
                if (!e)
                    goto listfail;
                nv_push(&nv, e);
            }
            adv(p);
            n = mk(p, E_LIST, t);
            nv_finish(p, &nv, n);
            break;
        listfail:
            sl_free(nv.v);
            n = NULL;
        } else if (t->op == OP_LBRACE) {
            adv(p);
            nvec nv = {0};
            while (!is_op(p, OP_RBRACE)) {
                if (nv.n && expect_op(p, OP_COMMA) < 0)
                    goto dictfail;
                if (is_op(p, OP_RBRACE))
                    break;
                jnode *pair = mk(p, E_PAIR, cur(p));
                if (!(pair->a = parse_expression(p, 1)) || expect_op(p, OP_COLON) < 0 ||
                    !(pair->b = parse_expression(p, 1)))
                    goto dictfail;
                nv_push(&nv, pair);
            }
            adv(p);
            n = mk(p, E_DICT, t);
            nv_finish(p, &nv, n);
            break;
        dictfail:
            sl_free(nv.v);
            n = NULL;
        } else {
            perr(p, t, "unexpected '%s'", sl_jop_text(t->op));
        }
        break;
    default: {
        char d[64];
        describe(t, d, sizeof d);
        perr(p, t, "expected an expression, got %s", d);
    }
    }
    p->depth--;
    return n;
}

static jnode *parse_unary(P *p, int with_filter)
{
    jtok *t = cur(p);
    jnode *n;
    if (enter(p) < 0)
        return NULL;
    if (is_op(p, OP_SUB) || is_op(p, OP_ADD)) {
        adv(p);
        n = mk(p, t->op == OP_SUB ? E_NEG : E_POS, t);
        if (!(n->a = parse_unary(p, 0)))
            n = NULL;
    } else
        n = parse_primary(p);
    if (n)
        n = parse_postfix(p, n);
    if (n && with_filter)
        n = parse_filter_expr(p, n);
    p->depth--;
    return n;
}

static jnode *binop(P *p, const jtok *t, int kind, int op, jnode *a, jnode *b)
{
    if (!b)
        return NULL;
    jnode *n = mk(p, kind, t);
    n->op = (uint8_t)op;
    n->a = a;
    n->b = b;
    return n;
}

static jnode *parse_pow(P *p)
{
    jnode *n = parse_unary(p, 1);
    while (n && is_op(p, OP_POW)) {
        jtok *t = cur(p);
        adv(p);
        n = binop(p, t, E_BIN, OP_POW, n, parse_unary(p, 1));
    }
    return n;
}

static jnode *parse_math2(P *p)
{
    jnode *n = parse_pow(p);
    while (n && (is_op(p, OP_MUL) || is_op(p, OP_DIV) || is_op(p, OP_FLOORDIV) || is_op(p, OP_MOD))) {
        jtok *t = cur(p);
        adv(p);
        n = binop(p, t, E_BIN, t->op, n, parse_pow(p));
    }
    return n;
}

static jnode *parse_concat(P *p)
{
    jnode *n = parse_math2(p);
    while (n && is_op(p, OP_TILDE)) {
        jtok *t = cur(p);
        adv(p);
        n = binop(p, t, E_BIN, OP_TILDE, n, parse_math2(p));
    }
    return n;
}

static jnode *parse_math1(P *p)
{
    jnode *n = parse_concat(p);
    while (n && (is_op(p, OP_ADD) || is_op(p, OP_SUB))) {
        jtok *t = cur(p);
        adv(p);
        n = binop(p, t, E_BIN, t->op, n, parse_concat(p));
    }
    return n;
}

static jnode *parse_compare(P *p)
{
    jtok *start = cur(p);
    jnode *first = parse_math1(p);
    if (!first)
        return NULL;
    nvec nv = {0};
    for (;;) {
        jtok *t = cur(p);
        int op = 0;
        if (t->type == T_OP && (t->op == OP_EQ || t->op == OP_NE || t->op == OP_LT || t->op == OP_LE ||
                                t->op == OP_GT || t->op == OP_GE)) {
            op = t->op;
            adv(p);
        } else if (is_name(t, "in")) {
            op = 'i';
            adv(p);
        } else if (is_name(t, "not") && is_name(peek(p, 1), "in")) {
            op = 'n';
            adv(p);
            adv(p);
        } else
            break;
        jnode *o = mk(p, E_CMPOP, t);
        o->op = (uint8_t)op;
        if (!(o->a = parse_math1(p))) {
            sl_free(nv.v);
            return NULL;
        }
        nv_push(&nv, o);
    }
    if (!nv.n)
        return first;
    jnode *c = mk(p, E_CMP, start);
    c->a = first;
    nv_finish(p, &nv, c);
    return c;
}

static jnode *parse_not(P *p)
{
    if (is_name(cur(p), "not")) {
        jtok *t = cur(p);
        adv(p);
        if (enter(p) < 0)
            return NULL;
        jnode *n = mk(p, E_NOT, t);
        n->a = parse_not(p);
        p->depth--;
        return n->a ? n : NULL;
    }
    return parse_compare(p);
}

static jnode *parse_and(P *p)
{
    jnode *n = parse_not(p);
    while (n && is_name(cur(p), "and")) {
        jtok *t = cur(p);
        adv(p);
        n = binop(p, t, E_AND, 0, n, parse_not(p));
    }
    return n;
}

static jnode *parse_or(P *p)
{
    jnode *n = parse_and(p);
    while (n && is_name(cur(p), "or")) {
        jtok *t = cur(p);
        adv(p);
        n = binop(p, t, E_OR, 0, n, parse_and(p));
    }
    return n;
}

static jnode *parse_condexpr(P *p)
{
    jnode *n = parse_or(p);
    while (n && is_name(cur(p), "if")) {
        jtok *t = cur(p);
        adv(p);
        jnode *c = mk(p, E_COND, t);
        c->a = n;
        if (!(c->b = parse_or(p)))
            return NULL;
        if (is_name(cur(p), "else")) {
            adv(p);
            if (enter(p) < 0)
                return NULL;
            c->c = parse_condexpr(p);
            p->depth--;
            if (!c->c)
                return NULL;
        }
        n = c;
    }
    return n;
}

static jnode *parse_expression(P *p, int with_condexpr)
{
    if (enter(p) < 0)
        return NULL;
    jnode *n = with_condexpr ? parse_condexpr(p) : parse_or(p);
    p->depth--;
    return n;
}

static int tuple_end(P *p, const char *extra_end)
{
    jtok *t = cur(p);
    if (t->type == T_VAR_END || t->type == T_BLOCK_END || t->type == T_EOF || (t->type == T_OP && t->op == OP_RPAREN))
        return 1;
    return extra_end && is_name(t, extra_end);
}

static jnode *parse_tuple(P *p, int simplified, int with_condexpr, const char *extra_end, int explicit_parens)
{
    jtok *start = cur(p);
    nvec nv = {0};
    int is_tuple = 0;
    for (;;) {
        if (nv.n && expect_op(p, OP_COMMA) < 0)
            goto fail;
        if (tuple_end(p, extra_end))
            break;
        jnode *e = simplified ? parse_primary(p) : parse_expression(p, with_condexpr);
        if (!e)
            goto fail;
        nv_push(&nv, e);
        if (is_op(p, OP_COMMA))
            is_tuple = 1;
        else
            break;
    }
    if (!is_tuple) {
        if (nv.n) {
            jnode *e = nv.v[0];
            sl_free(nv.v);
            return e;
        }
        if (!explicit_parens) {
            char d[64];
            describe(cur(p), d, sizeof d);
            perr(p, cur(p), "expected an expression, got %s", d);
            goto fail;
        }
    }
    jnode *t = mk(p, E_TUPLE, start);
    nv_finish(p, &nv, t);
    return t;
fail:
    sl_free(nv.v);
    return NULL;
}

/* ---- statements ---- */

static int parse_body(P *p, const char *const *ends, jnode **body, int *which);

static int check_target(P *p, jnode *t)
{
    if (t->kind == E_NAME)
        return 0;
    if (t->kind == E_TUPLE) {
        for (uint32_t i = 0; i < t->nkids; i++)
            if (check_target(p, t->kids[i]) < 0)
                return -1;
        return 0;
    }
    jtok at = {.line = t->line, .col = t->col};
    return perr(p, &at, "can't assign to this expression (a name or a tuple of names is expected)");
}

static jnode *parse_assign_target(P *p, int with_namespace, const char *extra_end)
{
    jtok *t = cur(p);
    if (with_namespace && t->type == T_NAME && peek(p, 1)->type == T_OP && peek(p, 1)->op == OP_DOT &&
        peek(p, 2)->type == T_NAME) {
        jnode *ns = mk(p, E_NAME, t);
        set_name(ns, t->p, t->n);
        adv(p);
        adv(p);
        jnode *g = mk(p, E_GETATTR, cur(p));
        g->a = ns;
        set_name(g, cur(p)->p, cur(p)->n);
        adv(p);
        return g;
    }
    jnode *n = with_namespace ? parse_primary(p) : parse_tuple(p, 1, 0, extra_end, 0);
    if (!n)
        return NULL;
    if (n->kind == E_CONST || check_target(p, n) < 0) {
        if (n->kind == E_CONST)
            perr(p, t, "can't assign to a constant");
        return NULL;
    }
    return n;
}

static jnode *parse_for(P *p, jtok *at)
{
    jnode *f = mk(p, S_FOR, at);
    if (!(f->a = parse_assign_target(p, 0, "in")))
        return NULL;
    if (!is_name(cur(p), "in")) {
        char d[64];
        describe(cur(p), d, sizeof d);
        perr(p, cur(p), "expected 'in', got %s", d);
        return NULL;
    }
    adv(p);
    if (!(f->b = parse_tuple(p, 0, 0, "recursive", 0)))
        return NULL;
    if (is_name(cur(p), "if")) {
        adv(p);
        jnode *cond = parse_expression(p, 1);
        if (!cond)
            return NULL;
        f->kids = sl_arena_alloc(&p->sh->arena, sizeof(jnode *));
        f->kids[0] = cond;
        f->nkids = 1;
    }
    if (is_name(cur(p), "recursive")) {
        perr(p, cur(p), "'recursive' for loops are not supported in sluice templates");
        return NULL;
    }
    if (expect_block_end(p) < 0)
        return NULL;
    static const char *const ends1[] = {"endfor", "else", NULL};
    static const char *const ends2[] = {"endfor", NULL};
    int which;
    p->loops++;
    int rc = parse_body(p, ends1, &f->c, &which);
    p->loops--;
    if (rc < 0)
        return NULL;
    if (which == 1) {
        if (expect_block_end(p) < 0 || parse_body(p, ends2, &f->d, &which) < 0)
            return NULL;
    }
    if (expect_block_end(p) < 0)
        return NULL;
    return f;
}

static jnode *parse_if(P *p, jtok *at)
{
    jnode *n = mk(p, S_IF, at);
    if (!(n->a = parse_tuple(p, 0, 0, NULL, 0)) || expect_block_end(p) < 0)
        return NULL;
    static const char *const ends[] = {"endif", "elif", "else", NULL};
    static const char *const ends2[] = {"endif", NULL};
    int which;
    if (parse_body(p, ends, &n->b, &which) < 0)
        return NULL;
    if (which == 1) {
        jtok *t = &p->t[p->i - 1];
        if (!(n->c = parse_if(p, t)))
            return NULL;
        return n; /* the elif consumed the endif */
    }
    if (which == 2) {
        if (expect_block_end(p) < 0 || parse_body(p, ends2, &n->c, &which) < 0)
            return NULL;
    }
    if (expect_block_end(p) < 0)
        return NULL;
    return n;
}

/* (a, b=1, ...) into n->kids as E_NAME nodes with ->a the default. */
static int parse_signature(P *p, jnode *n)
{
    nvec nv = {0};
    int seen_default = 0;
    if (expect_op(p, OP_LPAREN) < 0)
        return -1;
    while (!is_op(p, OP_RPAREN)) {
        if (nv.n && expect_op(p, OP_COMMA) < 0)
            goto fail;
        if (is_op(p, OP_RPAREN))
            break;
        jtok *t = cur(p);
        if (t->type != T_NAME) {
            char d[64];
            describe(t, d, sizeof d);
            perr(p, t, "expected a parameter name, got %s", d);
            goto fail;
        }
        jnode *arg = mk(p, E_NAME, t);
        set_name(arg, t->p, t->n);
        adv(p);
        if (is_op(p, OP_ASSIGN)) {
            adv(p);
            if (!(arg->a = parse_expression(p, 1)))
                goto fail;
            seen_default = 1;
        } else if (seen_default) {
            perr(p, t, "non-default argument follows default argument");
            goto fail;
        }
        nv_push(&nv, arg);
    }
    adv(p);
    nv_finish(p, &nv, n);
    return 0;
fail:
    sl_free(nv.v);
    return -1;
}

static jnode *parse_macro_like(P *p, jtok *at, int kind, const char *endtag)
{
    jnode *m = mk(p, kind, at);
    jtok *nt = cur(p);
    if (nt->type != T_NAME) {
        char d[64];
        describe(nt, d, sizeof d);
        perr(p, nt, "expected a name, got %s", d);
        return NULL;
    }
    set_name(m, nt->p, nt->n);
    adv(p);
    if (kind == S_DOCS || kind == S_SNAPSHOT) {
        if (expect_block_end(p) < 0)
            return NULL;
    } else if (parse_signature(p, m) < 0 || expect_block_end(p) < 0)
        return NULL;
    const jtok *close = &p->t[p->i - 1];
    size_t body_off = close->off + (p->sh->src[close->off] == '%' ? 2 : 3);
    const char *ends[] = {endtag, NULL};
    int which;
    jnode *outer = p->macro;
    int loops = p->loops;
    if (kind == S_MACRO || kind == S_TEST) {
        p->macro = m;
        p->loops = 0;
    }
    int rc = parse_body(p, ends, &m->c, &which);
    p->macro = outer;
    p->loops = loops;
    if (rc < 0)
        return NULL;
    if (kind == S_DOCS) {
        /* the docs text: from after the opening tag to the end tag's '{%' */
        size_t end_off = p->t[p->i - 2].off;
        jnode *txt = mk(p, S_TEXT, at);
        txt->name = p->sh->src + body_off;
        txt->nlen = (uint32_t)(end_off > body_off ? end_off - body_off : 0);
        m->a = txt;
    }
    if (cur(p)->type == T_NAME) /* {% endmacro name %} */
        adv(p);
    if (expect_block_end(p) < 0)
        return NULL;
    return m;
}

static jnode *parse_call_block(P *p, jtok *at)
{
    jnode *cb = mk(p, S_CALLBLOCK, at);
    if (is_op(p, OP_LPAREN) && parse_signature(p, cb) < 0)
        return NULL;
    jnode *call = parse_expression(p, 1);
    if (!call)
        return NULL;
    if (call->kind != E_CALL) {
        jtok t = {.line = call->line, .col = call->col};
        perr(p, &t, "expected a call after '{%% call %%}'");
        return NULL;
    }
    cb->a = call;
    if (expect_block_end(p) < 0)
        return NULL;
    static const char *const ends[] = {"endcall", NULL};
    int which;
    jnode *outer = p->macro;
    int loops = p->loops;
    p->macro = cb;
    p->loops = 0;
    int rc = parse_body(p, ends, &cb->c, &which);
    p->macro = outer;
    p->loops = loops;
    if (rc < 0 || expect_block_end(p) < 0)
        return NULL;
    return cb;
}

static jnode *parse_set(P *p, jtok *at)
{
    jnode *target = parse_assign_target(p, 1, NULL);
    if (!target)
        return NULL;
    if (target->kind == E_NAME && is_op(p, OP_COMMA)) {
        /* set a, b = ... */
        nvec nv = {0};
        nv_push(&nv, target);
        while (is_op(p, OP_COMMA)) {
            adv(p);
            jtok *t = cur(p);
            if (t->type != T_NAME) {
                sl_free(nv.v);
                perr(p, t, "can't assign to this expression (a name or a tuple of names is expected)");
                return NULL;
            }
            jnode *nm = mk(p, E_NAME, t);
            set_name(nm, t->p, t->n);
            adv(p);
            nv_push(&nv, nm);
        }
        jnode *tup = mk(p, E_TUPLE, at);
        tup->line = target->line;
        tup->col = target->col;
        nv_finish(p, &nv, tup);
        target = tup;
    }
    if (is_op(p, OP_ASSIGN)) {
        adv(p);
        jnode *s = mk(p, S_SET, at);
        s->a = target;
        if (!(s->b = parse_tuple(p, 0, 1, NULL, 0)) || expect_block_end(p) < 0)
            return NULL;
        return s;
    }
    if (target->kind == E_TUPLE) {
        perr(p, cur(p), "expected '=' after a tuple target");
        return NULL;
    }
    jnode *s = mk(p, S_SETBLOCK, at);
    s->a = target;
    if (is_op(p, OP_PIPE)) {
        adv(p);
        jnode *f = parse_filter(p, NULL);
        while (f && is_op(p, OP_PIPE)) {
            adv(p);
            f = parse_filter(p, f);
        }
        if (!f)
            return NULL;
        s->b = f;
    }
    if (expect_block_end(p) < 0)
        return NULL;
    static const char *const ends[] = {"endset", NULL};
    int which;
    if (parse_body(p, ends, &s->c, &which) < 0 || expect_block_end(p) < 0)
        return NULL;
    return s;
}

static const char *const refused[] = {
    "include", "import", "from", "extends", "block", "filter", "with", "autoescape", "materialization",
    "trans", "pluralize", "macro_call", "print", "debug",
};
static const char *const known[] = {
    "for", "if", "set", "macro", "call", "do", "break", "continue", "test", "docs", "snapshot", "raw",
    "endfor", "endif", "endset", "endmacro", "endcall", "elif", "else", "endtest", "enddocs", "endsnapshot",
};

static jnode *parse_statement(P *p)
{
    jtok *open = cur(p); /* T_BLOCK_BEGIN */
    adv(p);
    jtok *t = cur(p);
    if (t->type != T_NAME) {
        char d[64];
        describe(t, d, sizeof d);
        perr(p, t, "expected a tag name after '{%%', got %s", d);
        return NULL;
    }
    adv(p);
    if (enter(p) < 0)
        return NULL;
    jnode *n = NULL;
    if (is_name(t, "for"))
        n = parse_for(p, open);
    else if (is_name(t, "if"))
        n = parse_if(p, open);
    else if (is_name(t, "set"))
        n = parse_set(p, open);
    else if (is_name(t, "macro"))
        n = parse_macro_like(p, open, S_MACRO, "endmacro");
    else if (is_name(t, "test"))
        n = parse_macro_like(p, open, S_TEST, "endtest");
    else if (is_name(t, "docs"))
        n = parse_macro_like(p, open, S_DOCS, "enddocs");
    else if (is_name(t, "snapshot"))
        n = parse_macro_like(p, open, S_SNAPSHOT, "endsnapshot");
    else if (is_name(t, "call"))
        n = parse_call_block(p, open);
    else if (is_name(t, "do")) {
        n = mk(p, S_DO, open);
        if (!(n->a = parse_tuple(p, 0, 1, NULL, 0)) || expect_block_end(p) < 0)
            n = NULL;
    } else if (is_name(t, "break") || is_name(t, "continue")) {
        if (!p->loops) {
            perr(p, t, "'%.*s' outside of a for loop", (int)t->n, t->p);
        } else {
            n = mk(p, is_name(t, "break") ? S_BREAK : S_CONTINUE, open);
            if (expect_block_end(p) < 0)
                n = NULL;
        }
    } else {
        char nm[64];
        snprintf(nm, sizeof nm, "%.*s", (int)(t->n > 50 ? 50 : t->n), t->p);
        size_t k;
        for (k = 0; k < sizeof refused / sizeof refused[0]; k++)
            if (strcmp(nm, refused[k]) == 0)
                break;
        if (k < sizeof refused / sizeof refused[0])
            perr(p, t, "'{%% %s %%}' is not supported in sluice templates (docs/TEMPLATES.md)", nm);
        else if (strncmp(nm, "end", 3) == 0 || strcmp(nm, "elif") == 0 || strcmp(nm, "else") == 0)
            perr(p, t, "unexpected '{%% %s %%}': no open block it closes", nm);
        else {
            const char *sug = sl_suggest(nm, known, 11);
            if (sug)
                perr(p, t, "unknown tag '%s' (did you mean '%s'?)", nm, sug);
            else
                perr(p, t, "unknown tag '%s'", nm);
        }
    }
    p->depth--;
    return n;
}

/* Statements until one of `ends` (a tag name, consumed with the
 * T_BLOCK_BEGIN before it; *which is its index) or the end of the template
 * when ends is NULL. */
static int parse_body(P *p, const char *const *ends, jnode **body, int *which)
{
    nvec nv = {0};
    jnode *b = mk(p, S_BODY, cur(p));
    *which = -1;
    for (;;) {
        jtok *t = cur(p);
        if (t->type == T_EOF) {
            if (ends) {
                perr(p, t, "unexpected end of template: expected '{%% %s %%}'", ends[0]);
                goto fail;
            }
            break;
        }
        if (t->type == T_DATA) {
            jnode *x = mk(p, S_TEXT, t);
            x->name = t->p;
            x->nlen = (uint32_t)t->n;
            nv_push(&nv, x);
            adv(p);
            continue;
        }
        if (t->type == T_VAR_BEGIN) {
            adv(p);
            jnode *o = mk(p, S_OUTPUT, t);
            if (!(o->a = parse_tuple(p, 0, 1, NULL, 0)) || expect_type(p, T_VAR_END, "end of print statement") < 0)
                goto fail;
            nv_push(&nv, o);
            continue;
        }
        if (t->type == T_BLOCK_BEGIN) {
            jtok *nt = peek(p, 1);
            if (ends && nt->type == T_NAME) {
                int k;
                for (k = 0; ends[k]; k++)
                    if (is_name(nt, ends[k]))
                        break;
                if (ends[k]) {
                    adv(p);
                    adv(p);
                    *which = k;
                    break;
                }
            }
            jnode *s = parse_statement(p);
            if (!s)
                goto fail;
            nv_push(&nv, s);
            continue;
        }
        char d[64];
        describe(t, d, sizeof d);
        perr(p, t, "unexpected %s", d);
        goto fail;
    }
    nv_finish(p, &nv, b);
    *body = b;
    return 0;
fail:
    sl_free(nv.v);
    return -1;
}

void sl_jtpl_shared_ref(jtpl_shared *t) { t->refs++; }

void sl_jtpl_shared_unref(jtpl_shared *t)
{
    if (!t || --t->refs > 0)
        return;
    for (size_t i = 0; i < t->nconsts; i++)
        sl_jv_unref(t->consts[i]);
    sl_free(t->consts);
    sl_arena_release(&t->arena);
    sl_free(t->src);
    sl_free(t->file);
    sl_free(t);
}

int sl_jparse(const char *file, const char *text, size_t len, jtpl_shared **shp, jnode **body, sl_error *err)
{
    jtpl_shared *sh = sl_calloc(1, sizeof *sh);
    sh->refs = 1;
    sh->file = sl_strdup(file ? file : "<template>");
    sl_arena_init(&sh->arena);
    /* newlines normalised to \n; one trailing newline dropped (jinja2's keep_trailing_newline=False) */
    sh->src = sl_malloc(len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\r') {
            sh->src[n++] = '\n';
            if (i + 1 < len && text[i + 1] == '\n')
                i++;
        } else
            sh->src[n++] = text[i];
    }
    if (n && sh->src[n - 1] == '\n')
        n--;
    sh->src[n] = 0;
    sh->srclen = n;
    jtok *toks = NULL;
    size_t nt = 0;
    if (sl_jlex(sh->file, sh->src, n, &sh->arena, &toks, &nt, err) < 0) {
        sl_jtpl_shared_unref(sh);
        return -1;
    }
    P p = {.file = sh->file, .t = toks, .nt = nt, .sh = sh, .err = err};
    int which;
    int rc = parse_body(&p, NULL, body, &which);
    sl_free(toks);
    if (rc < 0) {
        sl_jtpl_shared_unref(sh);
        return -1;
    }
    *shp = sh;
    return 0;
}
