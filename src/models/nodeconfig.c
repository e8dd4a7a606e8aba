/*
 * nodeconfig.c: a template's config(...) call (nodeconfig.h): template
 * values turned into config.h's neutral form and set through the one table
 * of config keys (models/config.c), which YAML config trees use too.
 */
#include "models/nodeconfig.h"
#include "core/mem.h"
#include "models/config.h"
#include "models/context.h"
#include <stdio.h>
#include <string.h>

/* A scalar's text as config.c reads it (caller frees): strings as they
 * are, true/false, numbers in decimal, none as "" (only in lists/maps). */
static char *scalar_text(const sl_jv *v)
{
    switch (sl_jv_type_of(v)) {
    case SL_JV_STRING: {
        size_t n;
        const char *s = sl_jv_str_of(v, &n);
        return sl_strndup(s, n);
    }
    case SL_JV_BOOL:
        return sl_strdup(sl_jv_truthy(v) ? "true" : "false");
    case SL_JV_INT:
        return sl_printf("%lld", (long long)sl_jv_int_of(v));
    case SL_JV_FLOAT:
        return sl_printf("%.17g", sl_jv_float_of(v));
    case SL_JV_NONE:
        return sl_strdup("");
    default:
        return NULL;
    }
}

int sl_nodeconfig_set(sl_node_config *c, const char *key, const sl_jv *v, sl_error *err)
{
    sl_cfgv cv = {SL_CFGV_NULL, NULL, NULL, 0};
    size_t n = 0;
    char **items = NULL, **values = NULL;
    int rc = 0;
    switch (sl_jv_type_of(v)) {
    case SL_JV_NONE:
        break;
    case SL_JV_LIST:
        n = sl_jv_len(v);
        items = sl_calloc(n + 1, sizeof *items);
        for (size_t i = 0; i < n && rc == 0; i++)
            if (!(items[i] = scalar_text(sl_jv_list_at(v, i))))
                rc = sl_error_set(err, SL_ECONFIG, "config(%s=...): item %zu is not a string", key, i + 1);
        cv.kind = SL_CFGV_LIST;
        break;
    case SL_JV_DICT:
        n = sl_jv_len(v);
        items = sl_calloc(n + 1, sizeof *items);
        values = sl_calloc(n + 1, sizeof *values);
        for (size_t i = 0; i < n; i++) {
            items[i] = sl_strdup(sl_jv_dict_key_at(v, i));
            values[i] = scalar_text(sl_jv_dict_value_at(v, i));
            if (!values[i])
                values[i] = sl_strdup(""); /* nested: only accepted keys (meta, docs) hold those */
        }
        cv.kind = SL_CFGV_MAP;
        break;
    default:
        n = 1;
        items = sl_calloc(2, sizeof *items);
        if (!(items[0] = scalar_text(v)))
            rc = sl_error_set(err, SL_ECONFIG, "config(%s=...): a function is not a config value", key);
        cv.kind = SL_CFGV_SCALAR;
        break;
    }
    if (rc == 0) {
        cv.items = (const char *const *)items;
        cv.values = (const char *const *)values;
        cv.n = n;
        char msg[512];
        if (sl_config_set(c, key, &cv, msg, sizeof msg) < 0)
            rc = sl_error_set(err, SL_ECONFIG, "%s", msg);
    }
    for (size_t i = 0; i < n; i++) {
        if (items)
            sl_free(items[i]);
        if (values)
            sl_free(values[i]);
    }
    sl_free(items);
    sl_free(values);
    return rc;
}

int sl_nodeconfig_fn(void *ud, const sl_jinja_args *a, sl_jv **ret, sl_error *err)
{
    sl_compile_state *st = ud;
    sl_render *r = st->cur;
    if (!r || r->execute || r->node == (size_t)-1) {
        *ret = sl_jv_cstr("");
        return 0;
    }
    sl_node_config *c = &st->g->nodes[r->node].config;
    for (size_t i = 0; i < a->npos; i++) {
        const sl_jv *d = a->pos[i];
        if (sl_jv_type_of(d) != SL_JV_DICT)
            return sl_error_set(err, SL_ECONFIG, "config() takes keyword arguments (or one dict)");
        for (size_t k = 0; k < sl_jv_len(d); k++)
            if (sl_nodeconfig_set(c, sl_jv_dict_key_at(d, k), sl_jv_dict_value_at(d, k), err) < 0)
                return -1;
    }
    for (size_t k = 0; k < a->nkw; k++)
        if (sl_nodeconfig_set(c, a->kw_names[k], a->kw[k], err) < 0)
            return -1;
    *ret = sl_jv_cstr("");
    return 0;
}
