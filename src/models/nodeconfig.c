/*
 * nodeconfig.c: a template's config(...) call, checked and applied to the
 * node in parse mode (nodeconfig.h). One table lists every key: where it
 * goes in sl_node_config, its kind, and for enumerations the values
 * allowed; misspelt keys and values get the closest known one.
 */
#include "models/nodeconfig.h"
#include "config/diag.h"
#include "core/mem.h"
#include "models/context.h"
#include <stddef.h>
#include <string.h>

typedef enum {
    K_STR,      /* a string */
    K_ENUM,     /* one of vals */
    K_BOOL,     /* true/false into an int */
    K_INT,      /* an integer into an int64_t */
    K_STRV,     /* a string or a list of strings, replacing */
    K_STRV_ADD, /* the same, added to what the node has (tags, hooks) */
    K_TYPES,    /* column_types: a dict name -> type */
    K_HARDDEL,  /* invalidate_hard_deletes: true means hard_deletes: invalidate */
    K_IGNORE,   /* accepted, no effect on results */
    K_REFUSE,   /* would change results; not supported */
} kind;

typedef struct {
    const char *key;
    kind k;
    size_t off;
    const char *const *vals;
} key_def;

static const char *const mat_vals[] = {"view", "table", "incremental", "ephemeral", "seed", "snapshot", "test", NULL};
static const char *const strat_vals[] = {"append", "merge", "delete+insert", NULL};
static const char *const osc_vals[] = {"ignore", "append_new_columns", "fail", "sync_all_columns", NULL};
static const char *const snap_vals[] = {"timestamp", "check", NULL};
static const char *const hd_vals[] = {"ignore", "invalidate", "new_record", NULL};
static const char *const sev_vals[] = {"error", "warn", NULL};

#define OFF(f) offsetof(sl_node_config, f)
static const key_def keys[] = {
    {"enabled", K_BOOL, OFF(enabled), NULL},
    {"materialized", K_ENUM, OFF(materialized), mat_vals},
    {"schema", K_STR, OFF(schema), NULL},
    {"alias", K_STR, OFF(alias), NULL},
    {"tags", K_STRV_ADD, OFF(tags), NULL},
    {"unique_key", K_STRV, OFF(unique_key), NULL},
    {"incremental_strategy", K_ENUM, OFF(incremental_strategy), strat_vals},
    {"on_schema_change", K_ENUM, OFF(on_schema_change), osc_vals},
    {"full_refresh", K_BOOL, OFF(full_refresh), NULL},
    {"strategy", K_ENUM, OFF(strategy), snap_vals},
    {"updated_at", K_STR, OFF(updated_at), NULL},
    {"check_cols", K_STRV, OFF(check_cols), NULL},
    {"hard_deletes", K_ENUM, OFF(hard_deletes), hd_vals},
    {"invalidate_hard_deletes", K_HARDDEL, OFF(hard_deletes), NULL},
    {"target_schema", K_STR, OFF(target_schema), NULL},
    {"severity", K_ENUM, OFF(severity), sev_vals},
    {"error_if", K_STR, OFF(error_if), NULL},
    {"warn_if", K_STR, OFF(warn_if), NULL},
    {"where", K_STR, OFF(where), NULL},
    {"limit", K_INT, OFF(limit), NULL},
    {"store_failures", K_BOOL, OFF(store_failures), NULL},
    {"column_types", K_TYPES, 0, NULL},
    {"delimiter", K_STR, OFF(delimiter), NULL},
    {"pre_hook", K_STRV_ADD, OFF(pre_hook), NULL},
    {"post_hook", K_STRV_ADD, OFF(post_hook), NULL},
    {"schedule", K_STR, OFF(schedule), NULL},
    {"after", K_STRV, OFF(after), NULL},
    {"meta", K_IGNORE, 0, NULL},
    {"docs", K_IGNORE, 0, NULL},
    {"persist_docs", K_IGNORE, 0, NULL},
    {"grants", K_IGNORE, 0, NULL},
    {"group", K_IGNORE, 0, NULL},
    {"access", K_IGNORE, 0, NULL},
    {"description", K_IGNORE, 0, NULL},
    {"quote_columns", K_IGNORE, 0, NULL},
    {"quoting", K_IGNORE, 0, NULL},
    {"indexes", K_IGNORE, 0, NULL},
    {"on_configuration_change", K_IGNORE, 0, NULL},
    {"target_database", K_IGNORE, 0, NULL},
    {"database", K_REFUSE, 0, NULL},
    {"contract", K_REFUSE, 0, NULL},
    {"sql_header", K_REFUSE, 0, NULL},
    {"incremental_predicates", K_REFUSE, 0, NULL},
    {"merge_update_columns", K_REFUSE, 0, NULL},
    {"merge_exclude_columns", K_REFUSE, 0, NULL},
    {"event_time", K_REFUSE, 0, NULL},
    {"batch_size", K_REFUSE, 0, NULL},
    {"lookback", K_REFUSE, 0, NULL},
    {"begin", K_REFUSE, 0, NULL},
    {"concurrent_batches", K_REFUSE, 0, NULL},
    {"dbt_valid_to_current", K_REFUSE, 0, NULL},
    {"snapshot_meta_column_names", K_REFUSE, 0, NULL},
    {"fail_calc", K_REFUSE, 0, NULL},
    {"packages", K_REFUSE, 0, NULL},
};
#define NKEYS (sizeof keys / sizeof keys[0])

static const key_def *find_key(const char *key)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].key, key) == 0)
            return &keys[i];
    return NULL;
}

static void strv_clear(sl_strv *s)
{
    for (size_t i = 0; i < s->n; i++)
        sl_free(s->v[i]);
    sl_free(s->v);
    s->v = NULL;
    s->n = 0;
}

static void strv_push(sl_strv *s, const char *v, size_t len)
{
    s->v = sl_realloc(s->v, (s->n + 1) * sizeof *s->v);
    s->v[s->n++] = sl_strndup(v, len);
}

/* A string or a list of strings into s (added to what it holds). */
static int strv_add(sl_strv *s, const char *key, const sl_jv *v, sl_error *err)
{
    size_t len;
    const char *t = sl_jv_str_of(v, &len);
    if (t) {
        strv_push(s, t, len);
        return 0;
    }
    if (sl_jv_type_of(v) != SL_JV_LIST)
        return sl_error_set(err, SL_ECONFIG, "config(%s=...): expected a string or a list of strings", key);
    for (size_t i = 0; i < sl_jv_len(v); i++) {
        t = sl_jv_str_of(sl_jv_list_at(v, i), &len);
        if (!t)
            return sl_error_set(err, SL_ECONFIG, "config(%s=...): item %zu is not a string", key, i + 1);
        strv_push(s, t, len);
    }
    return 0;
}

static int set_enum(char **slot, const key_def *k, const sl_jv *v, sl_error *err)
{
    size_t len;
    const char *t = sl_jv_str_of(v, &len);
    if (!t)
        return sl_error_set(err, SL_ECONFIG, "config(%s=...): expected a string", k->key);
    size_t n = 0;
    while (k->vals[n])
        n++;
    for (size_t i = 0; i < n; i++)
        if (strlen(k->vals[i]) == len && memcmp(k->vals[i], t, len) == 0) {
            sl_free(*slot);
            *slot = sl_strndup(t, len);
            return 0;
        }
    if (strcmp(k->key, "incremental_strategy") == 0 && (strcmp(t, "microbatch") == 0 || strcmp(t, "insert_overwrite") == 0))
        return sl_error_set(err, SL_ECONFIG, "config(incremental_strategy='%s'): the %s strategy is not supported", t, t);
    if (strcmp(k->key, "materialized") == 0 && strcmp(t, "materialized_view") == 0)
        return sl_error_set(err, SL_ECONFIG, "config(materialized='materialized_view'): materialized views are not supported");
    sl_buf b;
    sl_buf_init(&b);
    for (size_t i = 0; i < n; i++)
        sl_buf_addf(&b, "%s%s", i ? ", " : "", k->vals[i]);
    const char *s = sl_suggest(t, (const char *const *)k->vals, n);
    if (s)
        sl_error_set(err, SL_ECONFIG, "config(%s='%s'): unknown value (did you mean '%s'?)", k->key, t, s);
    else
        sl_error_set(err, SL_ECONFIG, "config(%s='%s'): unknown value; one of %s", k->key, t, b.data);
    sl_buf_release(&b);
    return -1;
}

int sl_nodeconfig_set(sl_node_config *c, const char *key, const sl_jv *v, sl_error *err)
{
    const key_def *k = find_key(key);
    if (!k) {
        const char *names[NKEYS];
        for (size_t i = 0; i < NKEYS; i++)
            names[i] = keys[i].key;
        const char *s = sl_suggest(key, names, NKEYS);
        if (s)
            return sl_error_set(err, SL_ECONFIG, "config(): unknown key '%s' (did you mean '%s'?)", key, s);
        return sl_error_set(err, SL_ECONFIG, "config(): unknown key '%s'", key);
    }
    char *base = (char *)c;
    sl_jv_type t = sl_jv_type_of(v);
    switch (k->k) {
    case K_STR: {
        char **slot = (char **)(base + k->off);
        size_t len;
        const char *s = sl_jv_str_of(v, &len);
        if (t == SL_JV_NONE) {
            sl_free(*slot);
            *slot = NULL;
            return 0;
        }
        if (!s)
            return sl_error_set(err, SL_ECONFIG, "config(%s=...): expected a string", key);
        sl_free(*slot);
        *slot = sl_strndup(s, len);
        return 0;
    }
    case K_ENUM:
        return set_enum((char **)(base + k->off), k, v, err);
    case K_BOOL:
        if (t != SL_JV_BOOL)
            return sl_error_set(err, SL_ECONFIG, "config(%s=...): expected true or false", key);
        *(int *)(base + k->off) = sl_jv_truthy(v);
        return 0;
    case K_INT:
        if (t != SL_JV_INT)
            return sl_error_set(err, SL_ECONFIG, "config(%s=...): expected an integer", key);
        *(int64_t *)(base + k->off) = sl_jv_int_of(v);
        return 0;
    case K_STRV:
        strv_clear((sl_strv *)(base + k->off));
        return strv_add((sl_strv *)(base + k->off), key, v, err);
    case K_STRV_ADD:
        return strv_add((sl_strv *)(base + k->off), key, v, err);
    case K_TYPES:
        if (t != SL_JV_DICT)
            return sl_error_set(err, SL_ECONFIG, "config(column_types=...): expected a mapping of column to type");
        strv_clear(&c->column_types_names);
        strv_clear(&c->column_types_types);
        for (size_t i = 0; i < sl_jv_len(v); i++) {
            const char *name = sl_jv_dict_key_at(v, i);
            size_t len;
            const char *ty = sl_jv_str_of(sl_jv_dict_value_at(v, i), &len);
            if (!ty)
                return sl_error_set(err, SL_ECONFIG, "config(column_types=...): the type of '%s' is not a string", name);
            strv_push(&c->column_types_names, name, strlen(name));
            strv_push(&c->column_types_types, ty, len);
        }
        return 0;
    case K_HARDDEL:
        if (t != SL_JV_BOOL)
            return sl_error_set(err, SL_ECONFIG, "config(%s=...): expected true or false", key);
        if (sl_jv_truthy(v)) {
            sl_free(c->hard_deletes);
            c->hard_deletes = sl_strdup("invalidate");
        }
        return 0;
    case K_IGNORE:
        return 0;
    case K_REFUSE:
        if (strcmp(key, "contract") == 0 && t == SL_JV_DICT) {
            sl_jv *e = sl_jv_dict_get(v, "enforced");
            if (!e || !sl_jv_truthy(e))
                return 0;
            return sl_error_set(err, SL_ECONFIG, "config(contract={'enforced': true}): model contracts are not supported");
        }
        return sl_error_set(err, SL_ECONFIG, "config(%s=...): '%s' is not supported by sluice", key, key);
    }
    return 0;
}

int sl_nodeconfig_fn(void *ud, const sl_jinja_args *a, sl_jv **ret, sl_error *err)
{
    sl_compile_state *st = ud;
    sl_render *r = st->cur;
    *ret = sl_jv_cstr("");
    if (!r || r->execute || r->node == (size_t)-1)
        return 0;
    sl_node_config *c = &st->g->nodes[r->node].config;
    /* config({'k': v}) as well as config(k=v) */
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
    return 0;
}
