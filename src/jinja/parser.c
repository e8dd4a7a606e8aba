/*
 * parser.c: tokens to the syntax tree, following Jinja 3.1's grammar
 * (jinja2/parser.py): statements set (and block set), for (unpacking,
 * `if` filter, else), if/elif/else, macro (defaults), call (caller), do,
 * break/continue (dbt enables jinja2.ext.loopcontrols), and dbt's blocks
 * test, docs, snapshot; expressions are parser_expr.c's (parser_int.h
 * between the two). Tags sluice does not support (include, import, extends,
 * block, filter, with, autoescape, materialization...) are refused by name
 * at their line and column.
 *
 * Nodes live in the template's arena.
 */
#include "jinja/parser_int.h"

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
    jnode *n = with_namespace ? sl_jp_primary(p) : sl_jp_tuple(p, 1, 0, extra_end, 0);
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
    if (!(f->b = sl_jp_tuple(p, 0, 0, "recursive", 0)))
        return NULL;
    if (is_name(cur(p), "if")) {
        adv(p);
        jnode *cond = sl_jp_expression(p, 1);
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
    if (!(n->a = sl_jp_tuple(p, 0, 0, NULL, 0)) || expect_block_end(p) < 0)
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
            if (!(arg->a = sl_jp_expression(p, 1)))
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
    jnode *call = sl_jp_expression(p, 1);
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
        if (!(s->b = sl_jp_tuple(p, 0, 1, NULL, 0)) || expect_block_end(p) < 0)
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
        jnode *f = sl_jp_filter(p, NULL);
        while (f && is_op(p, OP_PIPE)) {
            adv(p);
            f = sl_jp_filter(p, f);
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
    if (sl_jp_enter(p) < 0)
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
        if (!(n->a = sl_jp_tuple(p, 0, 1, NULL, 0)) || expect_block_end(p) < 0)
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
            if (!(o->a = sl_jp_tuple(p, 0, 1, NULL, 0)) || expect_type(p, T_VAR_END, "end of print statement") < 0)
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
