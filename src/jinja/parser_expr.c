/*
 * parser_expr.c: the expressions of a template, following Jinja 3.1's
 * grammar (jinja2/parser.py) and precedence: conditional expressions, or,
 * and, not, comparisons (in, not in, is), + -, ~, * / // %, **, unary - +,
 * postfix . [] () and slices, filters and tests, literals (strings,
 * numbers, lists, dicts, tuples). Filters and tests are resolved here, so
 * a misspelt one is an error before anything renders. Statements are in
 * parser.c (parser_int.h between them).
 */
#include "jinja/parser_int.h"

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

jnode *sl_jp_expression(P *p, int with_condexpr) { return parse_expression(p, with_condexpr); }
jnode *sl_jp_tuple(P *p, int simplified, int with_condexpr, const char *extra_end, int explicit_parens)
{
    return parse_tuple(p, simplified, with_condexpr, extra_end, explicit_parens);
}
jnode *sl_jp_primary(P *p) { return parse_primary(p); }
jnode *sl_jp_filter(P *p, jnode *operand) { return parse_filter(p, operand); }
int sl_jp_enter(P *p) { return enter(p); }
