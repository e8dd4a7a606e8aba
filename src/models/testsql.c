/*
 * testsql.c: the SQL of data tests (graph.h's sl_graph_compile_test): a
 * singular test's own template, or a generic test's {% test %} macro
 * (built-in or the project's, builtin.c) called with model (the tested
 * relation; with `where:`, dbt's "(select * from REL where COND)
 * dbt_subquery"), column_name and the test's arguments from its properties
 * file, rendered the way dbt renders them: a string that looks like a
 * ref(), source(), var(), env_var() or doc() call is evaluated, one that
 * holds {{ }} or {% %} rendered, lists and dicts item by item.
 */
#include "core/mem.h"
#include "models/compile_int.h"
#include "models/context.h"
#include "models/jvyaml.h"
#include "quality/check.h"
#include <ctype.h>
#include <string.h>

static int looks_like_call(const char *s)
{
    static const char *const fns[] = {"env_var", "ref", "var", "source", "doc", NULL};
    while (isspace((unsigned char)*s))
        s++;
    for (size_t i = 0; fns[i]; i++) {
        size_t l = strlen(fns[i]);
        if (strncmp(s, fns[i], l) != 0)
            continue;
        const char *p = s + l;
        while (isspace((unsigned char)*p))
            p++;
        if (*p != '(')
            continue;
        const char *e = s + strlen(s);
        while (e > p && isspace((unsigned char)e[-1]))
            e--;
        return e > p + 1 && e[-1] == ')';
    }
    return 0;
}

/* The value of the one {{ expression }} a string is made of, for dbt's
 * native rendering of test arguments ("{{ var('methods') }}" is the list
 * the var holds, not its printed text). */
static int fn_capture(void *ud, const sl_jinja_args *a, sl_jv **ret, sl_error *err)
{
    (void)err;
    sl_jv **slot = ud;
    if (*slot)
        sl_jv_unref(*slot);
    *slot = a->npos ? sl_jv_ref(a->pos[0]) : NULL;
    *ret = sl_jv_cstr("");
    return 0;
}

/* Whether s is one {{ expression }} and nothing else; its inside in
 * *expr (caller frees). */
static int single_expression(const char *s, char **expr)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (n < 4 || strncmp(s, "{{", 2) != 0 || strncmp(s + n - 2, "}}", 2) != 0)
        return 0;
    char *in = sl_strndup(s + 2, n - 4);
    if (strstr(in, "}}") || strstr(in, "{{") || strstr(in, "{%") || strstr(in, "%}")) {
        sl_free(in);
        return 0;
    }
    size_t l = strlen(in); /* whitespace control: {{- x -}} */
    if (in[0] == '-')
        in[0] = ' ';
    if (l && in[l - 1] == '-')
        in[l - 1] = ' ';
    *expr = in;
    return 1;
}

/* dbt renders a test argument natively: a list, dict, number or boolean
 * stays one. *out is the value (new reference) or NULL when the text form
 * applies (strings, relations). Returns -1 on a template error. */
static int native_kwarg(sl_graph *g, const char *file, const char *s, sl_jv **out, sl_error *err)
{
    *out = NULL;
    char *expr = NULL;
    if (!single_expression(s, &expr))
        return 0;
    sl_jv *captured = NULL;
    sl_jinja_env_set(g->env, "__sluice_capture", sl_jv_fn("__sluice_capture", fn_capture, &captured));
    char *text = sl_printf("{{ __sluice_capture((%s)) }}", expr);
    sl_free(expr);
    sl_jinja_tpl *t = NULL;
    sl_buf b;
    sl_buf_init(&b);
    int rc = sl_jinja_parse(file, text, strlen(text), &t, err);
    if (rc == 0) {
        rc = sl_jinja_render(g->env, t, NULL, &b, err);
        sl_jinja_tpl_free(t);
    }
    sl_buf_release(&b);
    sl_free(text);
    sl_jinja_env_set(g->env, "__sluice_capture", sl_jv_none());
    if (rc == 0 && captured) {
        sl_jv_type ty = sl_jv_type_of(captured);
        int object = ty == SL_JV_DICT && sl_jv_dict_get(captured, "identifier"); /* a relation prints as text */
        if (!object && (ty == SL_JV_LIST || ty == SL_JV_DICT || ty == SL_JV_INT || ty == SL_JV_FLOAT ||
                        ty == SL_JV_BOOL)) {
            *out = captured;
            captured = NULL;
        }
    }
    if (captured)
        sl_jv_unref(captured);
    return rc;
}

/* A test argument as dbt renders it: strings that look like a ref(),
 * source(), var(), env_var() or doc() call are evaluated, strings holding
 * {{ }} or {% %} rendered, lists and dicts item by item; the result is a
 * new reference. */
static sl_jv *render_kwarg(sl_graph *g, const char *file, const sl_jv *v, sl_error *err)
{
    switch (sl_jv_type_of(v)) {
    case SL_JV_STRING: {
        size_t len;
        const char *s = sl_jv_str_of(v, &len);
        char *text = NULL;
        if (looks_like_call(s))
            text = sl_printf("{{ %s }}", s);
        else if (strstr(s, "{{") || strstr(s, "{%"))
            text = sl_strndup(s, len);
        if (!text)
            return sl_jv_ref((sl_jv *)v);
        sl_jv *native = NULL;
        if (native_kwarg(g, file, text, &native, err) < 0) {
            sl_free(text);
            return NULL;
        }
        if (native) {
            sl_free(text);
            return native;
        }
        sl_jinja_tpl *t = NULL;
        sl_buf b;
        sl_buf_init(&b);
        sl_jv *res = NULL;
        if (sl_jinja_parse(file, text, strlen(text), &t, err) == 0) {
            if (sl_jinja_render(g->env, t, NULL, &b, err) == 0)
                res = sl_jv_str(b.data ? b.data : "", b.len);
            sl_jinja_tpl_free(t);
        }
        sl_buf_release(&b);
        sl_free(text);
        return res;
    }
    case SL_JV_LIST: {
        sl_jv *l = sl_jv_list();
        for (size_t i = 0; i < sl_jv_len(v); i++) {
            sl_jv *x = render_kwarg(g, file, sl_jv_list_at(v, i), err);
            if (!x) {
                sl_jv_unref(l);
                return NULL;
            }
            sl_jv_list_push(l, x);
        }
        return l;
    }
    case SL_JV_DICT: {
        sl_jv *d = sl_jv_dict();
        for (size_t i = 0; i < sl_jv_len(v); i++) {
            sl_jv *x = render_kwarg(g, file, sl_jv_dict_value_at(v, i), err);
            if (!x) {
                sl_jv_unref(d);
                return NULL;
            }
            sl_jv_dict_set(d, sl_jv_dict_key_at(v, i), x);
        }
        return d;
    }
    default:
        return sl_jv_ref((sl_jv *)v);
    }
}

sl_jv *sl_compile_test_kwargs(sl_graph *g, const sl_node *n, sl_error *err)
{
    const char *file = n->file ? n->file : n->name;
    sl_jv *raw = n->test_kwargs ? sl_jv_from_yaml(file, n->test_kwargs, strlen(n->test_kwargs), err) : sl_jv_dict();
    if (!raw)
        return NULL;
    if (sl_jv_type_of(raw) == SL_JV_NONE) {
        sl_jv_unref(raw);
        raw = sl_jv_dict();
    }
    if (sl_jv_type_of(raw) != SL_JV_DICT) {
        sl_jv_unref(raw);
        sl_error_set(err, SL_EINTERNAL, "%s: test %s: its arguments are not a mapping", file, n->name);
        return NULL;
    }
    sl_jv *d = sl_jv_dict();
    for (size_t i = 0; i < sl_jv_len(raw); i++) {
        const char *k = sl_jv_dict_key_at(raw, i);
        if (strcmp(k, "column_name") == 0 || strcmp(k, "model") == 0)
            continue;
        sl_jv *x = render_kwarg(g, file, sl_jv_dict_value_at(raw, i), err);
        if (!x) {
            sl_jv_unref(d);
            sl_jv_unref(raw);
            return NULL;
        }
        sl_jv_dict_set(d, k, x);
    }
    sl_jv_unref(raw);
    return d;
}

/* The relation a generic test reads: the tested node's, or with `where:`
 * dbt's subquery over it. */
static sl_jv *test_model(sl_graph *g, const sl_node *t, sl_render *r)
{
    size_t m = t->attached;
    sl_jv *rel = sl_context_relation(g, m);
    const sl_node *mn = &g->nodes[m];
    if (mn->kind == SL_NODE_MODEL && mn->config.materialized && strcmp(mn->config.materialized, "ephemeral") == 0) {
        SL_GROW(r->eph, r->ephcap, r->neph + 1);
        r->eph[r->neph++] = m;
    }
    if (!t->config.where || !*t->config.where)
        return rel;
    sl_buf b;
    sl_buf_init(&b);
    sl_buf_adds(&b, "(select * from ");
    if (sl_jv_print(rel, &b, NULL) < 0)
        sl_buf_reset(&b);
    sl_buf_adds(&b, " where ");
    sl_buf_adds(&b, t->config.where);
    sl_buf_adds(&b, ") dbt_subquery");
    sl_jv *attrs = sl_jv_dict();
    const char *keys[] = {"database", "schema", "identifier", "name", "table", "type"};
    for (size_t k = 0; k < 6; k++) {
        sl_jv *v = sl_jv_dict_get(rel, keys[k]);
        sl_jv_dict_set(attrs, keys[k], v ? sl_jv_ref(v) : sl_jv_none());
    }
    sl_jv *sub = sl_jv_object(attrs, b.data);
    sl_buf_release(&b);
    sl_jv_unref(rel);
    return sub;
}

/* The closest known test: dbt's four generic tests and sluice's check
 * kinds (a column test of a sluice kind runs as a check, models/props.c). */
static const char *test_names_hint(sl_graph *g, const char *name)
{
    static const char *const dbt[] = {"unique", "not_null", "accepted_values", "relationships"};
    const char *known[4 + SL_CHECK_NKINDS];
    size_t n = 0;
    for (size_t i = 0; i < 4; i++)
        known[n++] = dbt[i];
    for (int k = 0; k < SL_CHECK_NKINDS; k++) {
        const char *kn = sl_check_kind_name((sl_check_kind)k);
        int dup = 0;
        for (size_t i = 0; i < 4; i++)
            dup |= strcmp(kn, dbt[i]) == 0;
        if (!dup)
            known[n++] = kn;
    }
    (void)g;
    return sl_suggest(name, known, n);
}

int sl_graph_compile_test(sl_graph *g, size_t i, sl_buf *out, sl_error *err)
{
    sl_node *n = &g->nodes[i];
    if (!g->compile)
        return sl_error_set(err, SL_EINTERNAL, "%s: compiled before sl_compile_env_init", n->name);
    sl_compile_state *st = g->compile;
    sl_render r = {.node = i, .execute = 1};
    sl_buf b;
    sl_buf_init(&b);
    int rc;
    if (n->raw) { /* a singular test: its own SQL */
        rc = sl_compile_render_node(g, i, &r, &b, err);
    } else if (n->test_name && n->attached != (size_t)-1 && n->attached < g->n) {
        char *macro = sl_printf("test_%s", n->test_name);
        if (!sl_jinja_env_has(g->env, macro)) {
            const char *s = test_names_hint(g, n->test_name);
            if (s)
                rc = sl_error_set(err, SL_ECONFIG, "%s: test '%s' is not defined (did you mean '%s'?)",
                                  n->file ? n->file : n->name, n->test_name, s);
            else
                rc = sl_error_set(err, SL_ECONFIG,
                                  "%s: test '%s' is not defined (no {%% test %s(model, ...) %%} in macros/ or tests/generic/, "
                                  "and not a sluice check kind: see `sluice help checks`)",
                                  n->file ? n->file : n->name, n->test_name, n->test_name);
        } else {
            sl_render *saved = st->cur;
            sl_context_enter(st, &r);
            sl_jv *kw = sl_compile_test_kwargs(g, n, err);
            if (!kw) {
                rc = -1;
            } else {
                size_t nk = sl_jv_len(kw) + 2;
                const char **names = sl_calloc(nk, sizeof *names);
                sl_jv **vals = sl_calloc(nk, sizeof *vals);
                size_t k = 0;
                names[k] = "model";
                vals[k++] = test_model(g, n, &r);
                if (n->column_name) {
                    names[k] = "column_name";
                    vals[k++] = sl_jv_cstr(n->column_name);
                }
                for (size_t j = 0; j < sl_jv_len(kw); j++) {
                    names[k] = sl_jv_dict_key_at(kw, j);
                    vals[k++] = sl_jv_ref(sl_jv_dict_value_at(kw, j));
                }
                sl_jinja_args a = {.nkw = k, .kw_names = names, .kw = vals};
                rc = sl_jinja_call(g->env, macro, &a, &b, err);
                for (size_t j = 0; j < k; j++)
                    sl_jv_unref(vals[j]);
                sl_free(vals);
                sl_free(names);
                sl_jv_unref(kw);
            }
            sl_context_enter(st, saved);
        }
        sl_free(macro);
    } else {
        rc = sl_error_set(err, SL_EINTERNAL, "%s: a test with neither SQL nor a tested node", n->name);
    }
    if (rc == 0)
        rc = sl_compile_finish(g, i, &r, b.data ? b.data : "", b.len, out, err);
    sl_buf_release(&b);
    sl_compile_render_release(&r);
    return rc;
}
