/* config.c: see config.h. The one table of config keys, and the walk of
 * the project's config trees. */
#include "models/config.h"
#include "config/yaml.h"
#include "core/mem.h"
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void sl_strv_push(sl_strv *v, const char *s)
{
    v->v = sl_realloc(v->v, (v->n + 1) * sizeof *v->v);
    v->v[v->n++] = sl_strdup(s);
}

void sl_strv_release(sl_strv *v)
{
    for (size_t i = 0; i < v->n; i++)
        sl_free(v->v[i]);
    sl_free(v->v);
    v->v = NULL;
    v->n = 0;
}

int sl_strv_has(const sl_strv *v, const char *s)
{
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->v[i], s) == 0)
            return 1;
    return 0;
}

typedef enum { K_STR, K_BOOL, K_INT, K_LIST, K_ADDLIST, K_MAP, K_ACCEPT, K_REFUSE, K_SPECIAL } ktype;

typedef struct cfgkey {
    const char *name;
    ktype type;
    size_t off;           /* into sl_node_config */
    const char *choices;  /* K_STR: "a|b|c" or NULL */
    const char *why;      /* K_REFUSE: what the feature is */
} cfgkey;

#define OFF(f) offsetof(sl_node_config, f)
static const cfgkey keys[] = {
    {"enabled", K_BOOL, OFF(enabled), NULL, NULL},
    {"materialized", K_STR, OFF(materialized), "view|table|incremental|ephemeral|seed|snapshot|test", NULL},
    {"schema", K_STR, OFF(schema), NULL, NULL},
    {"alias", K_STR, OFF(alias), NULL, NULL},
    {"tags", K_ADDLIST, OFF(tags), NULL, NULL},
    {"unique_key", K_LIST, OFF(unique_key), NULL, NULL},
    {"incremental_strategy", K_STR, OFF(incremental_strategy), "append|merge|delete+insert", NULL},
    {"on_schema_change", K_STR, OFF(on_schema_change), "ignore|append_new_columns|fail|sync_all_columns", NULL},
    {"full_refresh", K_BOOL, OFF(full_refresh), NULL, NULL},
    {"strategy", K_STR, OFF(strategy), "timestamp|check", NULL},
    {"updated_at", K_STR, OFF(updated_at), NULL, NULL},
    {"check_cols", K_LIST, OFF(check_cols), NULL, NULL},
    {"hard_deletes", K_STR, OFF(hard_deletes), "ignore|invalidate|new_record", NULL},
    {"invalidate_hard_deletes", K_SPECIAL, 0, NULL, NULL},
    {"target_schema", K_STR, OFF(target_schema), NULL, NULL},
    {"severity", K_STR, OFF(severity), "error|warn", NULL},
    {"error_if", K_STR, OFF(error_if), NULL, NULL},
    {"warn_if", K_STR, OFF(warn_if), NULL, NULL},
    {"where", K_STR, OFF(where), NULL, NULL},
    {"limit", K_INT, OFF(limit), NULL, NULL},
    {"store_failures", K_BOOL, OFF(store_failures), NULL, NULL},
    {"profile", K_BOOL, OFF(profile), NULL, NULL},
    {"column_types", K_MAP, 0, NULL, NULL},
    {"delimiter", K_STR, OFF(delimiter), NULL, NULL},
    {"pre-hook", K_ADDLIST, OFF(pre_hook), NULL, NULL},
    {"pre_hook", K_ADDLIST, OFF(pre_hook), NULL, NULL},
    {"post-hook", K_ADDLIST, OFF(post_hook), NULL, NULL},
    {"post_hook", K_ADDLIST, OFF(post_hook), NULL, NULL},
    {"schedule", K_STR, OFF(schedule), NULL, NULL},
    {"after", K_ADDLIST, OFF(after), NULL, NULL},
    {"contract", K_SPECIAL, 0, NULL, NULL},
    {"fail_calc", K_SPECIAL, 0, NULL, NULL},
    /* dbt keys with no effect on what sluice builds */
    {"docs", K_ACCEPT, 0, NULL, NULL},
    {"persist_docs", K_ACCEPT, 0, NULL, NULL},
    {"meta", K_ACCEPT, 0, NULL, NULL},
    {"group", K_ACCEPT, 0, NULL, NULL},
    {"access", K_ACCEPT, 0, NULL, NULL},
    {"indexes", K_ACCEPT, 0, NULL, NULL},
    {"unlogged", K_ACCEPT, 0, NULL, NULL},
    {"quote_columns", K_ACCEPT, 0, NULL, NULL},
    {"quoting", K_ACCEPT, 0, NULL, NULL},
    {"event_time", K_ACCEPT, 0, NULL, NULL},
    {"labels", K_ACCEPT, 0, NULL, NULL},
    {"description", K_ACCEPT, 0, NULL, NULL},
    {"loaded_at_field", K_ACCEPT, 0, NULL, NULL},
    {"freshness", K_ACCEPT, 0, NULL, NULL},
    {"deprecation_date", K_ACCEPT, 0, NULL, NULL},
    /* dbt features that would change results and that sluice does not have */
    {"database", K_REFUSE, 0, NULL, "building in another database"},
    {"target_database", K_REFUSE, 0, NULL, "building in another database"},
    {"project", K_REFUSE, 0, NULL, "building in another database"},
    {"grants", K_REFUSE, 0, NULL, "granting privileges on built relations"},
    {"sql_header", K_REFUSE, 0, NULL, "SQL run before a model's statement"},
    {"incremental_predicates", K_REFUSE, 0, NULL, "extra merge predicates"},
    {"predicates", K_REFUSE, 0, NULL, "extra merge predicates"},
    {"merge_update_columns", K_REFUSE, 0, NULL, "merging a subset of the columns"},
    {"merge_exclude_columns", K_REFUSE, 0, NULL, "merging a subset of the columns"},
    {"on_configuration_change", K_REFUSE, 0, NULL, "materialized views"},
    {"store_failures_as", K_REFUSE, 0, NULL, "storing test failures as a view"},
    {"snapshot_meta_column_names", K_REFUSE, 0, NULL, "renaming the snapshot columns"},
    {"dbt_valid_to_current", K_REFUSE, 0, NULL, "a non-null dbt_valid_to for current rows"},
    {"batch_size", K_REFUSE, 0, NULL, "microbatch incremental models"},
    {"lookback", K_REFUSE, 0, NULL, "microbatch incremental models"},
    {"begin", K_REFUSE, 0, NULL, "microbatch incremental models"},
    {"concurrent_batches", K_REFUSE, 0, NULL, "microbatch incremental models"},
};
#define NKEYS (sizeof keys / sizeof keys[0])

static const cfgkey *find_key(const char *name)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

int sl_config_is_key(const char *key)
{
    return find_key(key) != NULL;
}

void sl_node_config_init(sl_node_config *c)
{
    memset(c, 0, sizeof *c);
    c->enabled = 1;
    c->full_refresh = -1;
    c->limit = -1;
    c->store_failures = -1;
    c->profile = -1;
}

void sl_node_config_release(sl_node_config *c)
{
    for (size_t i = 0; i < NKEYS; i++) {
        const cfgkey *k = &keys[i];
        if (k->type == K_STR)
            sl_free(*(char **)((char *)c + k->off));
        else if (k->type == K_LIST || k->type == K_ADDLIST)
            sl_strv_release((sl_strv *)((char *)c + k->off));
        if (k->type == K_STR)
            *(char **)((char *)c + k->off) = NULL;
    }
    sl_strv_release(&c->column_types_names);
    sl_strv_release(&c->column_types_types);
    sl_node_config_init(c);
}

static void strv_copy(sl_strv *dst, const sl_strv *src)
{
    sl_strv_release(dst);
    for (size_t i = 0; i < src->n; i++)
        sl_strv_push(dst, src->v[i]);
}

void sl_node_config_copy(sl_node_config *dst, const sl_node_config *src)
{
    sl_node_config_release(dst);
    for (size_t i = 0; i < NKEYS; i++) {
        const cfgkey *k = &keys[i];
        if (k->type == K_STR) {
            const char *s = *(char *const *)((const char *)src + k->off);
            char **d = (char **)((char *)dst + k->off);
            if (s && !*d)
                *d = sl_strdup(s);
        } else if ((k->type == K_LIST || k->type == K_ADDLIST) &&
                   ((sl_strv *)((char *)dst + k->off))->n == 0) {
            strv_copy((sl_strv *)((char *)dst + k->off), (const sl_strv *)((const char *)src + k->off));
        }
    }
    dst->enabled = src->enabled;
    dst->full_refresh = src->full_refresh;
    dst->limit = src->limit;
    dst->store_failures = src->store_failures;
    dst->profile = src->profile;
    strv_copy(&dst->column_types_names, &src->column_types_names);
    strv_copy(&dst->column_types_types, &src->column_types_types);
}

static int parse_bool(const char *s, int *out)
{
    if (strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0 || strcmp(s, "1") == 0 || strcasecmp(s, "on") == 0)
        *out = 1;
    else if (strcasecmp(s, "false") == 0 || strcasecmp(s, "no") == 0 || strcmp(s, "0") == 0 ||
             strcasecmp(s, "off") == 0)
        *out = 0;
    else
        return -1;
    return 0;
}

/* Whether s is one of "a|b|c"; else a suggestion from them in *sug. */
static int in_choices(const char *s, const char *choices, char *sug, size_t cap)
{
    const char *names[16];
    char buf[256];
    snprintf(buf, sizeof buf, "%s", choices);
    size_t n = 0;
    for (char *t = strtok(buf, "|"); t && n < 16; t = strtok(NULL, "|"))
        names[n++] = t;
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return 1;
    const char *best = sl_suggest(s, names, n);
    snprintf(sug, cap, "%s", best ? best : "");
    return 0;
}

int sl_config_set(sl_node_config *c, const char *key, const sl_cfgv *v, char *msg, size_t cap)
{
    const cfgkey *k = find_key(key);
    if (!k) {
        const char *names[NKEYS];
        for (size_t i = 0; i < NKEYS; i++)
            names[i] = keys[i].name;
        const char *sug = sl_suggest(key, names, NKEYS);
        if (sug)
            snprintf(msg, cap, "unknown config key '%s'; did you mean '%s'?", key, sug);
        else
            snprintf(msg, cap, "unknown config key '%s' (see \"Project layout\" in docs/MODELS.md)", key);
        return -1;
    }
    if (k->type == K_ACCEPT)
        return 0;
    if (k->type == K_REFUSE) {
        if (v->kind == SL_CFGV_NULL)
            return 0;
        snprintf(msg, cap, "config '%s' is not supported (%s)", key, k->why);
        return -1;
    }
    if (k->type == K_SPECIAL) {
        if (strcmp(key, "invalidate_hard_deletes") == 0) {
            int b = 0;
            if (v->kind != SL_CFGV_SCALAR || parse_bool(v->items[0], &b) < 0) {
                snprintf(msg, cap, "invalidate_hard_deletes must be true or false");
                return -1;
            }
            if (b) {
                sl_free(c->hard_deletes);
                c->hard_deletes = sl_strdup("invalidate");
            }
            return 0;
        }
        if (strcmp(key, "fail_calc") == 0) {
            if (v->kind == SL_CFGV_SCALAR && strcasecmp(v->items[0], "count(*)") == 0)
                return 0;
            snprintf(msg, cap, "config 'fail_calc' other than count(*) is not supported");
            return -1;
        }
        /* contract: {enforced: true} would check the built columns' types */
        for (size_t i = 0; v->kind == SL_CFGV_MAP && i < v->n; i++) {
            int b = 0;
            if (strcmp(v->items[i], "enforced") == 0 && v->values[i] && parse_bool(v->values[i], &b) == 0 && b) {
                snprintf(msg, cap, "config 'contract' with enforced: true is not supported (model contracts)");
                return -1;
            }
        }
        return 0;
    }
    void *field = (char *)c + k->off;
    if (v->kind == SL_CFGV_NULL) { /* dbt: null unsets */
        if (k->type == K_STR) {
            sl_free(*(char **)field);
            *(char **)field = NULL;
        } else if (k->type == K_LIST || k->type == K_ADDLIST) {
            sl_strv_release(field);
        } else if (k->type == K_MAP) {
            sl_strv_release(&c->column_types_names);
            sl_strv_release(&c->column_types_types);
        }
        return 0;
    }
    switch (k->type) {
    case K_STR: {
        if (v->kind != SL_CFGV_SCALAR) {
            snprintf(msg, cap, "config '%s' takes a single value", key);
            return -1;
        }
        char sval[64];
        const char *s = v->items[0];
        if (strcmp(key, "severity") == 0) { /* dbt accepts any case */
            snprintf(sval, sizeof sval, "%s", s);
            for (char *q = sval; *q; q++)
                *q = (char)(*q >= 'A' && *q <= 'Z' ? *q + 32 : *q);
            s = sval;
        }
        char sug[64];
        if (k->choices && !in_choices(s, k->choices, sug, sizeof sug)) {
            char list[160];
            snprintf(list, sizeof list, "%s", k->choices);
            for (char *q = list; *q; q++)
                if (*q == '|')
                    *q = ',';
            if (*sug)
                snprintf(msg, cap, "%s '%s' is not supported (one of %s); did you mean '%s'?", key, s, list, sug);
            else
                snprintf(msg, cap, "%s '%s' is not supported (one of %s)", key, s, list);
            return -1;
        }
        sl_free(*(char **)field);
        *(char **)field = sl_strdup(s);
        return 0;
    }
    case K_BOOL: {
        int b;
        if (v->kind != SL_CFGV_SCALAR || parse_bool(v->items[0], &b) < 0) {
            snprintf(msg, cap, "config '%s' must be true or false", key);
            return -1;
        }
        *(int *)field = b;
        return 0;
    }
    case K_INT: {
        char *end = NULL;
        long long n = v->kind == SL_CFGV_SCALAR ? strtoll(v->items[0], &end, 10) : -1;
        if (v->kind != SL_CFGV_SCALAR || !*v->items[0] || *end || n < 0) {
            snprintf(msg, cap, "config '%s' must be a whole number >= 0", key);
            return -1;
        }
        *(int64_t *)field = n;
        return 0;
    }
    case K_LIST:
    case K_ADDLIST: {
        if (v->kind == SL_CFGV_MAP) {
            snprintf(msg, cap, "config '%s' takes a value or a list", key);
            return -1;
        }
        sl_strv *sv = field;
        if (k->type == K_LIST)
            sl_strv_release(sv);
        for (size_t i = 0; i < (v->kind == SL_CFGV_SCALAR ? 1 : v->n); i++)
            if (k->type == K_LIST || !sl_strv_has(sv, v->items[i]))
                sl_strv_push(sv, v->items[i]);
        return 0;
    }
    case K_MAP: {
        if (v->kind != SL_CFGV_MAP) {
            snprintf(msg, cap, "config '%s' takes a mapping of column name to type", key);
            return -1;
        }
        for (size_t i = 0; i < v->n; i++) {
            if (!v->values[i]) {
                snprintf(msg, cap, "config '%s': column '%s' needs a type", key, v->items[i]);
                return -1;
            }
            size_t j = 0;
            while (j < c->column_types_names.n && strcmp(c->column_types_names.v[j], v->items[i]) != 0)
                j++;
            if (j < c->column_types_names.n) {
                sl_free(c->column_types_types.v[j]);
                c->column_types_types.v[j] = sl_strdup(v->values[i]);
            } else {
                sl_strv_push(&c->column_types_names, v->items[i]);
                sl_strv_push(&c->column_types_types, v->values[i]);
            }
        }
        return 0;
    }
    default:
        return 0;
    }
}

/* A YAML scalar's text (no ${ENV} here: dbt's files use env_var()). */
static const char *yscalar(struct fy_node *n)
{
    size_t len;
    const char *s = n && fy_node_is_scalar(n) ? fy_node_get_scalar0(n) : NULL;
    (void)len;
    return s;
}

static int yaml_is_null(struct fy_node *v)
{
    if (!v)
        return 1;
    if (!fy_node_is_scalar(v) || fy_node_get_style(v) != FYNS_PLAIN)
        return 0;
    const char *s = yscalar(v);
    return !s || !*s || strcmp(s, "~") == 0 || strcasecmp(s, "null") == 0;
}

int sl_config_set_yaml(sl_node_config *c, const char *key, struct fy_node *key_node, struct fy_node *v,
                       const char *file, sl_diags *d)
{
    const char *items[256], *values[256];
    sl_cfgv cv = {SL_CFGV_NULL, items, values, 0};
    const cfgkey *k = find_key(key);
    int accept = k && (k->type == K_ACCEPT || k->type == K_REFUSE);
    if (yaml_is_null(v)) {
        cv.kind = SL_CFGV_NULL;
    } else if (fy_node_is_scalar(v)) {
        cv.kind = SL_CFGV_SCALAR;
        items[0] = yscalar(v);
        cv.n = 1;
    } else if (fy_node_is_sequence(v)) {
        cv.kind = SL_CFGV_LIST;
        void *it = NULL;
        struct fy_node *e;
        while ((e = fy_node_sequence_iterate(v, &it)) != NULL && cv.n < 256) {
            if (!fy_node_is_scalar(e) && !accept) {
                sl_diags_add(d, sl_yaml_loc(e, file), "config '%s': each item must be a single value", key);
                return -1;
            }
            items[cv.n++] = fy_node_is_scalar(e) ? yscalar(e) : "";
        }
    } else {
        cv.kind = SL_CFGV_MAP;
        void *it = NULL;
        struct fy_node_pair *p;
        while ((p = fy_node_mapping_iterate(v, &it)) != NULL && cv.n < 256) {
            struct fy_node *pk = fy_node_pair_key(p), *pv = fy_node_pair_value(p);
            items[cv.n] = pk && fy_node_is_scalar(pk) ? yscalar(pk) : "";
            values[cv.n++] = pv && fy_node_is_scalar(pv) ? yscalar(pv) : NULL;
        }
    }
    char msg[512];
    if (sl_config_set(c, key, &cv, msg, sizeof msg) < 0) {
        int at_key = !k || k->type == K_REFUSE;
        sl_diags_add(d, sl_yaml_loc(at_key && key_node ? key_node : v ? v : key_node, file), "%s", msg);
        return -1;
    }
    return 0;
}

/* One level of a tree: config keys applied to c (when c) or checked. */
static int tree_level(sl_node_config *c, struct fy_node *map, const char *file, sl_diags *d, int recurse)
{
    int bad = 0;
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(map, &it)) != NULL) {
        struct fy_node *kn = fy_node_pair_key(p), *v = fy_node_pair_value(p);
        const char *k = yscalar(kn);
        if (!k) {
            sl_diags_add(d, sl_yaml_loc(kn, file), "config tree keys must be plain words");
            bad++;
            continue;
        }
        int plus = k[0] == '+';
        const char *name = plus ? k + 1 : k;
        const cfgkey *ck = find_key(name);
        int folder = !plus && v && fy_node_is_mapping(v) && (!ck || (ck->type != K_MAP && ck->type != K_ACCEPT &&
                                                                      ck->type != K_SPECIAL && ck->type != K_REFUSE));
        if (folder) {
            if (recurse)
                bad += tree_level(NULL, v, file, d, 1);
            continue;
        }
        if (!plus && !ck && !(v && fy_node_is_mapping(v))) {
            /* a scalar under a name that is no config key: a misspelt key */
            sl_node_config scratch;
            sl_node_config_init(&scratch);
            bad += sl_config_set_yaml(&scratch, name, kn, v, file, d) < 0;
            sl_node_config_release(&scratch);
            continue;
        }
        if (c) {
            sl_diags ignore;
            sl_diags_init(&ignore);
            sl_config_set_yaml(c, name, kn, v, file, &ignore);
            sl_diags_release(&ignore);
        } else {
            sl_node_config scratch;
            sl_node_config_init(&scratch);
            bad += sl_config_set_yaml(&scratch, name, kn, v, file, d) < 0;
            sl_node_config_release(&scratch);
        }
    }
    return bad;
}

int sl_config_tree_check(struct fy_node *tree, const char *file, sl_diags *d)
{
    if (!tree || yaml_is_null(tree))
        return 0;
    if (!fy_node_is_mapping(tree)) {
        sl_diags_add(d, sl_yaml_loc(tree, file), "a config tree must be a mapping (folders and +config keys)");
        return 1;
    }
    return tree_level(NULL, tree, file, d, 1);
}

void sl_config_apply_tree(sl_node_config *c, struct fy_node *tree, const char *file, const sl_strv *fqn)
{
    struct fy_node *level = tree;
    sl_diags ignore;
    sl_diags_init(&ignore);
    for (size_t i = 0; level && fy_node_is_mapping(level); i++) {
        tree_level(c, level, file, &ignore, 0);
        if (i >= fqn->n)
            break;
        struct fy_node *next = fy_node_mapping_lookup_by_string(level, fqn->v[i], strlen(fqn->v[i]));
        const cfgkey *ck = find_key(fqn->v[i]);
        if (next && ck && ck->type == K_MAP)
            next = NULL; /* a key of that name is a config, not a folder */
        level = next;
    }
    sl_diags_release(&ignore);
}
