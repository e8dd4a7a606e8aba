/*
 * env.c: an environment of globals shared by the renders of a project:
 * the built-ins (range, dict, namespace, return, exceptions), the host's
 * functions and values, the macros and tests of macros files
 * (sl_jinja_env_load), and the text of {% docs %} blocks.
 *
 * Globals live in an open-addressing hash table keyed by name; a macro
 * remembers where it was defined so a second definition is an error that
 * names both places.
 */
#include "jinja/jinja_int.h"
#include <stdio.h>
#include <string.h>

static long env_find_h(const sl_jinja_env *env, const char *name, size_t n, uint32_t hash)
{
    if (!env->cap)
        return -1;
    size_t mask = env->cap - 1, h = hash & mask;
    while (env->names[h]) {
        if (strncmp(env->names[h], name, n) == 0 && env->names[h][n] == 0)
            return (long)h;
        h = (h + 1) & mask;
    }
    return -1;
}

static long env_find(const sl_jinja_env *env, const char *name, size_t n)
{
    return env_find_h(env, name, n, sl_jhash(name, n));
}

static void env_grow(sl_jinja_env *env)
{
    size_t ocap = env->cap;
    char **on = env->names, **ow = env->where;
    sl_jv **ov = env->vals;
    unsigned char *oo = env->overridable;
    env->cap = ocap ? ocap * 2 : 64;
    env->names = sl_calloc(env->cap, sizeof(char *));
    env->vals = sl_calloc(env->cap, sizeof(sl_jv *));
    env->where = sl_calloc(env->cap, sizeof(char *));
    env->overridable = sl_calloc(env->cap, 1);
    for (size_t i = 0; i < ocap; i++) {
        if (!on[i])
            continue;
        size_t mask = env->cap - 1, h = sl_jhash(on[i], strlen(on[i])) & mask;
        while (env->names[h])
            h = (h + 1) & mask;
        env->names[h] = on[i];
        env->vals[h] = ov[i];
        env->where[h] = ow[i];
        env->overridable[h] = oo[i];
    }
    sl_free(on);
    sl_free(ov);
    sl_free(ow);
    sl_free(oo);
}

/* Set name to v (taken); returns the slot. */
static long env_put(sl_jinja_env *env, const char *name, sl_jv *v)
{
    size_t n = strlen(name);
    long at = env_find(env, name, n);
    if (at >= 0) {
        sl_jv_unref(env->vals[at]);
        env->vals[at] = v;
        sl_free(env->where[at]);
        env->where[at] = NULL;
        env->overridable[at] = 0;
        return at;
    }
    if ((env->n + 1) * 2 > env->cap)
        env_grow(env);
    size_t mask = env->cap - 1, h = sl_jhash(name, n) & mask;
    while (env->names[h])
        h = (h + 1) & mask;
    env->names[h] = sl_strdup(name);
    env->vals[h] = v;
    env->n++;
    return (long)h;
}

sl_jv *sl_jinja_env_get(const sl_jinja_env *env, const char *name, size_t n)
{
    long at = env_find(env, name, n);
    return at < 0 ? NULL : env->vals[at];
}

sl_jv *sl_jinja_env_get_h(const sl_jinja_env *env, const char *name, size_t n, uint32_t hash)
{
    long at = env_find_h(env, name, n, hash);
    return at < 0 ? NULL : env->vals[at];
}

static sl_jv *builtin(int id)
{
    sl_jv *f = sl_jv_new_(SL_JV_CALLABLE, JV_BUILTIN);
    f->u.bi.id = id;
    return f;
}

sl_jinja_env *sl_jinja_env_new(void)
{
    sl_jinja_env *env = sl_calloc(1, sizeof *env);
    env_put(env, "range", builtin(BI_RANGE));
    env_put(env, "dict", builtin(BI_DICT));
    env_put(env, "namespace", builtin(BI_NAMESPACE));
    env_put(env, "return", builtin(BI_RETURN));
    sl_jv *ex = sl_jv_dict();
    sl_jv_dict_set(ex, "raise_compiler_error", builtin(BI_RAISE));
    sl_jv_dict_set(ex, "warn", builtin(BI_WARN));
    env_put(env, "exceptions", sl_jv_object(ex, "exceptions"));
    return env;
}

void sl_jinja_env_free(sl_jinja_env *env)
{
    if (!env)
        return;
    for (size_t i = 0; i < env->cap; i++) {
        if (!env->names[i])
            continue;
        sl_free(env->names[i]);
        sl_jv_unref(env->vals[i]);
        sl_free(env->where[i]);
    }
    sl_free(env->names);
    sl_free(env->vals);
    sl_free(env->where);
    sl_free(env->overridable);
    for (size_t i = 0; i < env->ndocs; i++) {
        sl_free(env->docnames[i]);
        sl_free(env->doctexts[i]);
    }
    sl_free(env->docnames);
    sl_free(env->doctexts);
    for (size_t i = 0; i < env->ntpls; i++)
        sl_jtpl_shared_unref(env->tpls[i]);
    sl_free(env->tpls);
    sl_free(env);
}

void sl_jinja_env_set(sl_jinja_env *env, const char *name, sl_jv *v) { env_put(env, name, v); }

void sl_jinja_env_set_limits(sl_jinja_env *env, size_t max_output, uint64_t max_iters)
{
    env->max_output = max_output && max_output < SL_JINJA_MAX_OUTPUT ? max_output : 0;
    env->max_iters = max_iters && max_iters < SL_JINJA_MAX_ITERS ? max_iters : 0;
}

int sl_jinja_env_has(const sl_jinja_env *env, const char *name)
{
    return env_find(env, name, strlen(name)) >= 0;
}

sl_jv *sl_jinja_env_lookup(const sl_jinja_env *env, const char *name)
{
    return sl_jinja_env_get(env, name, strlen(name));
}

const char *sl_jinja_env_doc(const sl_jinja_env *env, const char *name)
{
    for (size_t i = 0; i < env->ndocs; i++)
        if (strcmp(env->docnames[i], name) == 0)
            return env->doctexts[i];
    return NULL;
}

static int define(sl_jinja_env *env, jtpl_shared *sh, const jnode *n, const char *prefix, int overridable,
                  sl_error *err)
{
    char name[256];
    snprintf(name, sizeof name, "%s%.*s", prefix, (int)(n->nlen > 200 ? 200 : n->nlen), n->name);
    char where[1024];
    snprintf(where, sizeof where, "%s:%u:%u", sh->file, n->line, n->col);
    long at = env_find(env, name, strlen(name));
    if (at >= 0 && env->where[at] && !env->overridable[at])
        return sl_error_set(err, SL_ECONFIG, "%s: %s '%.*s' is defined twice (first at %s)", where,
                            n->kind == S_TEST ? "test" : "macro", (int)n->nlen, n->name, env->where[at]);
    sl_jv *m = sl_jv_new_(SL_JV_CALLABLE, JV_MACRO);
    m->u.m.node = n;
    m->u.m.tpl = sh;
    sl_jtpl_shared_ref(sh);
    at = env_put(env, name, m);
    env->where[at] = sl_strdup(where);
    env->overridable[at] = (unsigned char)overridable;
    return 0;
}

int sl_jinja_env_load_ex(sl_jinja_env *env, const char *file, const char *text, size_t len, int flags,
                         sl_error *err)
{
    jtpl_shared *sh;
    jnode *body;
    if (sl_jparse(file, text, len, &sh, &body, err) < 0)
        return -1;
    int overridable = (flags & SL_JINJA_LOAD_OVERRIDABLE) != 0;
    for (uint32_t i = 0; i < body->nkids; i++) {
        const jnode *n = body->kids[i];
        int rc = 0;
        if (n->kind == S_MACRO)
            rc = define(env, sh, n, "", overridable, err);
        else if (n->kind == S_TEST)
            rc = define(env, sh, n, "test_", overridable, err);
        else if (n->kind == S_DOCS) {
            char name[256];
            snprintf(name, sizeof name, "%.*s", (int)(n->nlen > 200 ? 200 : n->nlen), n->name);
            if (sl_jinja_env_doc(env, name)) {
                rc = sl_error_set(err, SL_ECONFIG, "%s:%u:%u: docs block '%s' is defined twice", sh->file, n->line,
                                  n->col, name);
            } else {
                if (env->ndocs == env->doccap) {
                    size_t cap = env->doccap;
                    sl_grow((void **)&env->docnames, &cap, env->ndocs + 1, sizeof(char *));
                    env->doctexts = sl_realloc(env->doctexts, cap * sizeof(char *));
                    env->doccap = cap;
                }
                env->docnames[env->ndocs] = sl_strdup(name);
                env->doctexts[env->ndocs] = sl_strndup(n->a->name, n->a->nlen);
                env->ndocs++;
            }
        }
        if (rc < 0) {
            sl_jtpl_shared_unref(sh);
            return -1;
        }
    }
    if (env->ntpls == env->tplcap)
        sl_grow((void **)&env->tpls, &env->tplcap, env->ntpls + 1, sizeof(jtpl_shared *));
    env->tpls[env->ntpls++] = sh;
    return 0;
}

int sl_jinja_env_load(sl_jinja_env *env, const char *file, const char *text, size_t len, sl_error *err)
{
    return sl_jinja_env_load_ex(env, file, text, len, 0, err);
}
