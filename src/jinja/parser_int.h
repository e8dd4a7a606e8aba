/*
 * parser_int.h: what the two halves of the template parser share:
 * parser_expr.c (expressions, Jinja's precedence) and parser.c
 * (statements and the entry point). The parser's state P, token helpers
 * and node constructors are small static inline functions; the expression
 * entry points statements use are sl_jp_*. Only those two files include it.
 */
#ifndef SL_JINJA_PARSER_INT_H
#define SL_JINJA_PARSER_INT_H
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

static inline int perr(P *p, const jtok *t, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static inline int perr(P *p, const jtok *t, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sl_error_set(p->err, SL_ECONFIG, "%s:%u:%u: %s", p->file, t->line, t->col, msg);
}

static inline jtok *cur(P *p) { return &p->t[p->i]; }
static inline jtok *peek(P *p, size_t k) { return p->i + k < p->nt ? &p->t[p->i + k] : &p->t[p->nt - 1]; }
static inline void adv(P *p)
{
    if (p->i + 1 < p->nt)
        p->i++;
}

static inline int is_op(P *p, int op) { return cur(p)->type == T_OP && cur(p)->op == op; }
static inline int is_name(const jtok *t, const char *s)
{
    size_t l = strlen(s);
    return t->type == T_NAME && t->n == l && memcmp(t->p, s, l) == 0;
}

static inline void describe(const jtok *t, char *out, size_t cap)
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

static inline int expect_op(P *p, int op)
{
    if (is_op(p, op)) {
        adv(p);
        return 0;
    }
    char d[64];
    describe(cur(p), d, sizeof d);
    return perr(p, cur(p), "expected '%s', got %s", sl_jop_text(op), d);
}

static inline int expect_type(P *p, int type, const char *what)
{
    if (cur(p)->type == type) {
        adv(p);
        return 0;
    }
    char d[64];
    describe(cur(p), d, sizeof d);
    return perr(p, cur(p), "expected %s, got %s", what, d);
}

static inline int expect_block_end(P *p) { return expect_type(p, T_BLOCK_END, "end of statement block"); }

static inline jnode *mk(P *p, int kind, const jtok *at)
{
    jnode *n = sl_arena_alloc(&p->sh->arena, sizeof *n);
    memset(n, 0, sizeof *n);
    n->kind = (uint8_t)kind;
    n->line = at->line;
    n->col = at->col;
    return n;
}

static inline void set_name(jnode *n, const char *s, size_t len)
{
    n->name = s;
    n->nlen = (uint32_t)len;
    n->hash = sl_jhash(s, len);
}

static inline jnode *mk_const(P *p, const jtok *at, sl_jv *v)
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

static inline void nv_push(nvec *nv, jnode *x)
{
    if (nv->n == nv->cap)
        sl_grow((void **)&nv->v, &nv->cap, nv->n + 1, sizeof(jnode *));
    nv->v[nv->n++] = x;
}

static inline void nv_finish(P *p, nvec *nv, jnode *into)
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

/* parser_expr.c: an expression (with_condexpr: `a if c else b` allowed),
 * a tuple (bare `a, b` when not simplified), a primary, the filter after
 * a `|`, and the nesting guard (-1 past SL_JINJA_MAX_DEPTH). */
jnode *sl_jp_expression(P *p, int with_condexpr);
jnode *sl_jp_tuple(P *p, int simplified, int with_condexpr, const char *extra_end, int explicit_parens);
jnode *sl_jp_primary(P *p);
jnode *sl_jp_filter(P *p, jnode *operand);
int sl_jp_enter(P *p);

#endif
