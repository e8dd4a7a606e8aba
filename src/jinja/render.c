/*
 * render.c: executing a template's statements: text and {{ }} output, if,
 * for (a fresh scope per iteration as in Jinja, `loop`, else, the `if`
 * filter, break/continue), set and block set (namespace attributes too),
 * macros and call blocks (a macro sees its parameters, then the scope it
 * was defined in, then the render's locals, then the globals), do, and
 * return() unwinding to the macro that called it. Also the public entry
 * points sl_jinja_parse, sl_jinja_render and sl_jinja_call.
 *
 * Limits (jinja.h): output 256 MiB, 10 million loop iterations per
 * render, macro calls 256 deep; each fails the render with a message
 * naming the limit.
 */
#include "jinja/jinja_int.h"
#include <string.h>

static int check_out(jctx *c, const jnode *at, const sl_buf *out)
{
    if (out->len > c->max_output) {
        if (c->max_output % (1 << 20) == 0)
            return sl_jerr(c, at, "output larger than the %zu MiB limit", c->max_output >> 20);
        return sl_jerr(c, at, "output larger than the %zu-byte limit", c->max_output);
    }
    return 0;
}

int sl_jemit_value(jctx *c, const jnode *at, const sl_jv *v, sl_buf *out)
{
    if (v->type == SL_JV_STRING)
        sl_buf_add(out, v->u.s.p, v->u.s.n);
    else if (v->type == SL_JV_UNDEFINED) {
        if (v->u.u.line)
            return sl_error_set(c->err, SL_ECONFIG, "%s:%u:%u: %s", c->file, v->u.u.line, v->u.u.col, sl_jv_undef_msg(v));
        return sl_jerr(c, at, "%s", sl_jv_undef_msg(v));
    } else if (sl_jv_str_into(v, out, c->err) < 0)
        return sl_jerr(c, at, "%s", c->err->msg);
    return check_out(c, at, out);
}

sl_jv *sl_jiter_list(jctx *c, const jnode *at, sl_jv *v)
{
    switch (v->type) {
    case SL_JV_LIST:
        return sl_jv_ref(v);
    case SL_JV_DICT:
        if (v->sub != JV_LOOP) {
            sl_jv *l = sl_jv_list();
            for (size_t i = 0; i < v->u.dc.n; i++)
                sl_jv_list_push(l, sl_jv_ref(v->u.dc.keys[i]));
            return l;
        }
        break;
    case SL_JV_STRING: {
        sl_jv *l = sl_jv_list();
        size_t n = sl_jv_strlen_cp(v);
        size_t off = 0;
        for (size_t i = 0; i < n; i++) {
            size_t next = sl_jv_str_cp_off(v, 1 + i);
            sl_jv_list_push(l, sl_jv_str(v->u.s.p + off, next - off));
            off = next;
        }
        return l;
    }
    case SL_JV_UNDEFINED:
        if (v->u.u.line)
            sl_error_set(c->err, SL_ECONFIG, "%s:%u:%u: %s", c->file, v->u.u.line, v->u.u.col, sl_jv_undef_msg(v));
        else
            sl_jerr(c, at, "%s", sl_jv_undef_msg(v));
        return NULL;
    default:
        break;
    }
    sl_jerr(c, at, "'%s' object is not iterable", sl_jv_type_name(v));
    return NULL;
}

/* Bind target (a name, a tuple of names, ns.attr) to v (borrowed). */
static int assign(jctx *c, jscope *s, const jnode *t, sl_jv *v)
{
    if (t->kind == E_NAME) {
        sl_jscope_set(s, t->name, t->nlen, t->hash, sl_jv_ref(v));
        return 0;
    }
    if (t->kind == E_GETATTR) {
        const jnode *nsn = t->a;
        sl_jv *ns = sl_jlookup(c, s, nsn->name, nsn->nlen, nsn->hash);
        if (!ns)
            return sl_jerr(c, nsn, "'%.*s' is undefined", (int)nsn->nlen, nsn->name);
        if (ns->type != SL_JV_DICT || ns->sub != JV_NS)
            return sl_jerr(c, nsn, "cannot assign attribute on non-namespace object");
        sl_jv *key = sl_jv_str(t->name, t->nlen);
        sl_jv_dict_setv(ns, key, sl_jv_ref(v));
        sl_jv_unref(key);
        return 0;
    }
    /* tuple unpacking */
    sl_jv *items = sl_jiter_list(c, t, v);
    if (!items)
        return -1;
    int rc = 0;
    if (items->u.l.n != t->nkids) {
        if (items->u.l.n > t->nkids)
            rc = sl_jerr(c, t, "too many values to unpack (expected %u)", t->nkids);
        else
            rc = sl_jerr(c, t, "not enough values to unpack (expected %u, got %zu)", t->nkids, items->u.l.n);
    } else
        for (uint32_t i = 0; i < t->nkids && rc == 0; i++)
            rc = assign(c, s, t->kids[i], items->u.l.v[i]);
    sl_jv_unref(items);
    return rc;
}

static int exec_for(jctx *c, jscope *s, const jnode *n, sl_buf *out)
{
    sl_jv *it = sl_jeval(c, n->b);
    if (!it)
        return -1;
    sl_jv *items = sl_jiter_list(c, n->b, it);
    sl_jv_unref(it);
    if (!items)
        return -1;
    jscope ls = {.parent = s};
    int rc = 0;
    if (n->nkids) { /* {% for x in xs if cond %} */
        sl_jv *kept = sl_jv_list();
        c->scope = &ls;
        for (size_t i = 0; i < items->u.l.n && rc == 0; i++) {
            sl_jscope_release(&ls);
            if ((rc = assign(c, &ls, n->a, items->u.l.v[i])) < 0)
                break;
            sl_jv *cv = sl_jeval(c, n->kids[0]);
            if (!cv) {
                rc = -1;
                break;
            }
            if (cv->type == SL_JV_UNDEFINED) {
                rc = sl_jemit_value(c, n->kids[0], cv, out);
                sl_jv_unref(cv);
                break;
            }
            if (sl_jv_truthy(cv))
                sl_jv_list_push(kept, sl_jv_ref(items->u.l.v[i]));
            sl_jv_unref(cv);
        }
        sl_jscope_release(&ls);
        c->scope = s;
        sl_jv_unref(items);
        items = kept;
        if (rc < 0) {
            sl_jv_unref(items);
            return -1;
        }
    }
    if (items->u.l.n == 0) {
        sl_jv_unref(items);
        return n->d ? sl_jexec(c, s, n->d, out) : 0;
    }
    sl_jv *loop = NULL;
    uint32_t loop_hash = sl_jhash("loop", 4);
    /* as jinja2's generated code: the else block runs unless some iteration
     * ran its body to the end (a break or continue skips that mark) */
    int completed = 0;
    int64_t len = (int64_t)items->u.l.n;
    c->scope = &ls;
    for (size_t i = 0; i < items->u.l.n; i++) {
        if (++c->iters > c->max_iters) {
            rc = sl_jerr(c, n, "more than %llu loop iterations in one render (the limit)",
                         (unsigned long long)c->max_iters);
            break;
        }
        sl_jscope_release(&ls);
        if (!loop || loop->refs > 1) {
            sl_jv_unref(loop);
            loop = sl_jv_new_(SL_JV_DICT, JV_LOOP);
            loop->u.lp.items = sl_jv_ref(items);
            loop->u.lp.length = len;
            loop->u.lp.depth = 1;
        }
        loop->u.lp.index0 = (int64_t)i;
        sl_jscope_set(&ls, "loop", 4, loop_hash, sl_jv_ref(loop));
        if ((rc = assign(c, &ls, n->a, items->u.l.v[i])) < 0)
            break;
        if ((rc = sl_jexec(c, &ls, n->c, out)) < 0)
            break;
        if (c->unwind == UNW_NONE)
            completed = 1;
        if (c->unwind == UNW_BREAK) {
            c->unwind = UNW_NONE;
            break;
        }
        if (c->unwind == UNW_CONTINUE)
            c->unwind = UNW_NONE;
        if (c->unwind == UNW_RETURN)
            break;
    }
    sl_jscope_release(&ls);
    c->scope = s;
    sl_jv_unref(loop);
    sl_jv_unref(items);
    if (rc == 0 && !completed && n->d && c->unwind == UNW_NONE)
        rc = sl_jexec(c, s, n->d, out);
    return rc;
}

static sl_jv *make_macro(jctx *c, jscope *s, const jnode *n)
{
    sl_jv *m = sl_jv_new_(SL_JV_CALLABLE, JV_MACRO);
    m->u.m.node = n;
    m->u.m.tpl = c->tpl;
    sl_jtpl_shared_ref(c->tpl);
    if (s) {
        if (!s->alive)
            s->alive = sl_jalive_new();
        m->u.m.scope = s;
        m->u.m.alive = s->alive;
        s->alive->refs++;
    }
    return m;
}

static sl_jv *apply_block_filters(jctx *c, const jnode *f, sl_jv *body)
{
    sl_jv *v = f->a ? apply_block_filters(c, f->a, body) : sl_jv_ref(body);
    if (!v)
        return NULL;
    sl_jv *r = sl_japply_filter(c, f, v);
    sl_jv_unref(v);
    return r;
}

static int exec_stmt(jctx *c, jscope *s, const jnode *n, sl_buf *out)
{
    switch (n->kind) {
    case S_TEXT:
        sl_buf_add(out, n->name, n->nlen);
        return check_out(c, n, out);
    case S_OUTPUT: {
        sl_jv *v = sl_jeval(c, n->a);
        if (!v)
            return -1;
        int rc = c->unwind ? 0 : sl_jemit_value(c, n, v, out);
        sl_jv_unref(v);
        return rc;
    }
    case S_IF: {
        sl_jv *v = sl_jeval(c, n->a);
        if (!v)
            return -1;
        if (v->type == SL_JV_UNDEFINED) {
            int rc = sl_jemit_value(c, n->a, v, out);
            sl_jv_unref(v);
            return rc;
        }
        int t = sl_jv_truthy(v);
        sl_jv_unref(v);
        if (c->unwind)
            return 0;
        const jnode *branch = t ? n->b : n->c;
        if (!branch)
            return 0;
        if (branch->kind == S_IF)
            return exec_stmt(c, s, branch, out);
        return sl_jexec(c, s, branch, out);
    }
    case S_FOR:
        return exec_for(c, s, n, out);
    case S_SET: {
        sl_jv *v = sl_jeval(c, n->b);
        if (!v)
            return -1;
        int rc = c->unwind ? 0 : assign(c, s, n->a, v);
        sl_jv_unref(v);
        return rc;
    }
    case S_SETBLOCK: {
        sl_buf b;
        sl_buf_init(&b);
        jscope bs = {.parent = s}; /* as jinja2: what the body sets stays in it */
        int rc = sl_jexec(c, &bs, n->c, &b);
        sl_jscope_release(&bs);
        if (rc < 0 || c->unwind) {
            sl_buf_release(&b);
            return rc;
        }
        sl_jv *v = sl_jv_str(b.data ? b.data : "", b.len);
        sl_buf_release(&b);
        if (n->b) {
            sl_jv *f = apply_block_filters(c, n->b, v);
            sl_jv_unref(v);
            if (!f)
                return -1;
            v = f;
        }
        rc = assign(c, s, n->a, v);
        sl_jv_unref(v);
        return rc;
    }
    case S_MACRO:
        sl_jscope_set(s, n->name, n->nlen, n->hash, make_macro(c, s, n));
        return 0;
    case S_CALLBLOCK: {
        sl_jv *caller = make_macro(c, s, n);
        sl_jv *r = sl_jeval_call(c, n->a, caller);
        sl_jv_unref(caller);
        if (!r)
            return -1;
        int rc = c->unwind ? 0 : sl_jemit_value(c, n->a, r, out);
        sl_jv_unref(r);
        return rc;
    }
    case S_DO: {
        sl_jv *v = sl_jeval(c, n->a);
        sl_jv_unref(v);
        return v ? 0 : -1;
    }
    case S_BREAK:
        c->unwind = UNW_BREAK;
        return 0;
    case S_CONTINUE:
        c->unwind = UNW_CONTINUE;
        return 0;
    case S_TEST:
    case S_DOCS:
    case S_SNAPSHOT:
        return 0; /* blocks the loader extracts; they print nothing in place */
    case S_BODY:
        return sl_jexec(c, s, n, out);
    default:
        return sl_jerr(c, n, "cannot execute this statement");
    }
}

int sl_jexec(jctx *c, jscope *s, const jnode *body, sl_buf *out)
{
    jscope *saved = c->scope;
    c->scope = s;
    int rc = 0;
    for (uint32_t i = 0; i < body->nkids; i++) {
        if ((rc = exec_stmt(c, s, body->kids[i], out)) < 0 || c->unwind)
            break;
        c->scope = s;
    }
    c->scope = saved;
    return rc;
}

/* ---- macros ---- */

sl_jv *sl_jmacro_invoke(jctx *c, const jnode *at, sl_jv *m, const sl_jinja_args *a, sl_jv *caller)
{
    const jnode *node = m->u.m.node;
    const char *mname = node->kind == S_CALLBLOCK ? "caller" : node->name;
    int mlen = node->kind == S_CALLBLOCK ? 6 : (int)node->nlen;
    if (m->u.m.alive && !m->u.m.alive->alive) {
        sl_jerr(c, at, "macro '%.*s' is no longer available: the block that defined it has ended", mlen, mname);
        return NULL;
    }
    if (c->calls >= SL_JINJA_MAX_CALLS) {
        sl_jerr(c, at, "macro calls nested too deeply (limit %d)", SL_JINJA_MAX_CALLS);
        return NULL;
    }
    uint32_t np = node->nkids;
    unsigned char setbuf[64];
    unsigned char *isset = np <= sizeof setbuf ? setbuf : sl_malloc(np);
    memset(isset, 0, np);
    jscope ps = {.parent = m->u.m.alive ? m->u.m.scope : NULL};
    sl_jv *varargs = NULL, *kwargs = NULL;
    sl_jv *r = NULL;
    jscope *saved_scope = c->scope;
    const char *saved_file = c->file;
    jtpl_shared *saved_tpl = c->tpl;
    int rc = 0;
    for (size_t i = 0; i < a->npos && rc == 0; i++) {
        if (i < np) {
            const jnode *p = node->kids[i];
            sl_jscope_set(&ps, p->name, p->nlen, p->hash, sl_jv_ref(a->pos[i]));
            isset[i] = 1;
        } else if (node->flags & MF_VARARGS) {
            if (!varargs)
                varargs = sl_jv_tuple();
            sl_jv_list_push(varargs, sl_jv_ref(a->pos[i]));
        } else
            rc = sl_jerr(c, at, "macro '%.*s' takes not more than %u argument(s)", mlen, mname, np);
    }
    for (size_t k = 0; k < a->nkw && rc == 0; k++) {
        const char *kn = a->kw_names[k];
        size_t kl = strlen(kn);
        uint32_t j;
        for (j = 0; j < np; j++)
            if (node->kids[j]->nlen == kl && memcmp(node->kids[j]->name, kn, kl) == 0)
                break;
        if (j < np) {
            if (isset[j]) {
                rc = sl_jerr(c, at, "macro '%.*s' got multiple values for argument '%s'", mlen, mname, kn);
                break;
            }
            const jnode *p = node->kids[j];
            sl_jscope_set(&ps, p->name, p->nlen, p->hash, sl_jv_ref(a->kw[k]));
            isset[j] = 1;
        } else if (strcmp(kn, "caller") == 0 && (node->flags & MF_CALLER))
            caller = a->kw[k];
        else if (node->flags & MF_KWARGS) {
            if (!kwargs)
                kwargs = sl_jv_dict();
            sl_jv_dict_set(kwargs, kn, sl_jv_ref(a->kw[k]));
        } else
            rc = sl_jerr(c, at, "macro '%.*s' takes no keyword argument '%s'", mlen, mname, kn);
    }
    c->scope = &ps;
    c->file = m->u.m.tpl->file;
    c->tpl = m->u.m.tpl;
    for (uint32_t j = 0; j < np && rc == 0; j++) {
        if (isset[j])
            continue;
        const jnode *p = node->kids[j];
        sl_jv *v;
        if (p->a) {
            if (!(v = sl_jeval(c, p->a))) {
                rc = -1;
                break;
            }
        } else
            v = sl_jv_undefined_hint("parameter '%.*s' was not provided", (int)p->nlen, p->name);
        sl_jscope_set(&ps, p->name, p->nlen, p->hash, v);
    }
    if (rc == 0) {
        if (node->flags & MF_VARARGS)
            sl_jscope_set(&ps, "varargs", 7, sl_jhash("varargs", 7), varargs ? varargs : sl_jv_tuple());
        else
            sl_jv_unref(varargs);
        varargs = NULL;
        if (node->flags & MF_KWARGS)
            sl_jscope_set(&ps, "kwargs", 6, sl_jhash("kwargs", 6), kwargs ? kwargs : sl_jv_dict());
        else
            sl_jv_unref(kwargs);
        kwargs = NULL;
        if (node->flags & MF_CALLER)
            sl_jscope_set(&ps, "caller", 6, sl_jhash("caller", 6),
                          caller ? sl_jv_ref(caller) : sl_jv_undefined_hint("no caller defined"));
        sl_buf b;
        sl_buf_init(&b);
        c->calls++;
        rc = sl_jexec(c, &ps, node->c, &b);
        c->calls--;
        if (rc == 0) {
            if (c->unwind == UNW_RETURN) {
                r = c->retval ? c->retval : sl_jv_none();
                c->retval = NULL;
                c->unwind = UNW_NONE;
            } else {
                c->unwind = UNW_NONE;
                r = sl_jv_str(b.data ? b.data : "", b.len);
            }
        }
        sl_buf_release(&b);
    }
    sl_jv_unref(varargs);
    sl_jv_unref(kwargs);
    sl_jscope_release(&ps);
    if (isset != setbuf)
        sl_free(isset);
    c->scope = saved_scope;
    c->file = saved_file;
    c->tpl = saved_tpl;
    return r;
}

/* ---- the public API ---- */

static void collect_snapshots(sl_jinja_tpl *t)
{
    size_t n = 0;
    for (uint32_t i = 0; i < t->body->nkids; i++)
        if (t->body->kids[i]->kind == S_SNAPSHOT)
            n++;
    if (!n)
        return;
    t->snaps = sl_calloc(n, sizeof *t->snaps);
    t->snapnames = sl_calloc(n, sizeof *t->snapnames);
    for (uint32_t i = 0; i < t->body->nkids; i++) {
        const jnode *s = t->body->kids[i];
        if (s->kind != S_SNAPSHOT)
            continue;
        t->snaps[t->nsnaps].sh = t->sh;
        t->snaps[t->nsnaps].body = s->c;
        t->snapnames[t->nsnaps] = sl_arena_copy(&t->sh->arena, s->name, s->nlen);
        t->nsnaps++;
    }
}

int sl_jinja_parse(const char *file, const char *text, size_t len, sl_jinja_tpl **out, sl_error *err)
{
    jtpl_shared *sh;
    jnode *body;
    *out = NULL;
    if (sl_jparse(file, text, len, &sh, &body, err) < 0)
        return -1;
    sl_jinja_tpl *t = sl_calloc(1, sizeof *t);
    t->sh = sh;
    t->body = body;
    collect_snapshots(t);
    *out = t;
    return 0;
}

void sl_jinja_tpl_free(sl_jinja_tpl *t)
{
    if (!t)
        return;
    sl_free(t->snaps);
    sl_free(t->snapnames);
    sl_jtpl_shared_unref(t->sh);
    sl_free(t);
}

size_t sl_jinja_tpl_nsnapshots(const sl_jinja_tpl *t) { return t->nsnaps; }

const sl_jinja_tpl *sl_jinja_tpl_snapshot(const sl_jinja_tpl *t, size_t i, const char **name)
{
    if (i >= t->nsnaps)
        return NULL;
    if (name)
        *name = t->snapnames[i];
    return &t->snaps[i];
}

static void ctx_init(jctx *c, sl_jinja_env *env, const sl_jv *locals, sl_error *err, jtpl_shared *tpl)
{
    memset(c, 0, sizeof *c);
    c->env = env;
    c->locals = locals && locals->type == SL_JV_DICT ? locals : NULL;
    c->err = err;
    c->tpl = tpl;
    c->file = tpl ? tpl->file : "<call>";
    c->max_output = env->max_output ? env->max_output : SL_JINJA_MAX_OUTPUT;
    c->max_iters = env->max_iters ? env->max_iters : SL_JINJA_MAX_ITERS;
}

int sl_jinja_render(sl_jinja_env *env, const sl_jinja_tpl *t, const sl_jv *locals, sl_buf *out, sl_error *err)
{
    jctx c;
    ctx_init(&c, env, locals, err, t->sh);
    jscope top = {0};
    c.scope = &top;
    int rc = sl_jexec(&c, &top, t->body, out);
    sl_jscope_release(&top);
    sl_jv_unref(c.retval);
    if (out->data == NULL)
        sl_buf_add(out, "", 0);
    return rc;
}

int sl_jinja_call(sl_jinja_env *env, const char *name, const sl_jinja_args *a, sl_buf *out, sl_error *err)
{
    jctx c;
    ctx_init(&c, env, NULL, err, NULL);
    sl_jv *fn = sl_jinja_env_get(env, name, strlen(name));
    if (!fn || fn->type != SL_JV_CALLABLE)
        return sl_error_set(err, SL_ECONFIG, "no macro named '%s'", name);
    sl_jinja_args none = {0};
    sl_jv *r = sl_jcall_value(&c, NULL, fn, a ? a : &none);
    sl_jv_unref(c.retval);
    if (!r)
        return -1;
    int rc = 0;
    if (r->type == SL_JV_STRING)
        sl_buf_add(out, r->u.s.p, r->u.s.n);
    else if (r->type == SL_JV_UNDEFINED)
        rc = sl_error_set(err, SL_ECONFIG, "%s", sl_jv_undef_msg(r));
    else
        rc = sl_jv_print(r, out, err);
    sl_jv_unref(r);
    return rc;
}
