/*
 * config.h: a node's configuration (sl_node_config in models/node.h): the
 * keys sluice understands, set from YAML (the `models:`/`seeds:`/
 * `snapshots:`/`tests:` trees of sluice.yml or dbt_project.yml, a
 * properties file's `config:`) or from a template's config() call, and its
 * resolution in dbt's order: the project tree along the node's fqn (deeper
 * wins; tags and hooks add up), then the properties file, then config().
 *
 * Every key is one of three things (the table in config.c):
 *   set      it fills a field of sl_node_config;
 *   accepted dbt's key with no meaning for sluice's results (docs, meta,
 *            persist_docs, group, access, indexes, ...): checked, not kept;
 *   refused  a dbt feature that would change results and that sluice does
 *            not have (database, grants, microbatch, contract enforcement,
 *            ...): an error naming it, never silently ignored.
 * An unknown key is an error with the closest known key as a suggestion.
 */
#ifndef SL_MODELS_CONFIG_H
#define SL_MODELS_CONFIG_H
#include "config/diag.h"
#include "models/node.h"
#include <libfyaml.h>

/* A config value in a neutral form, so YAML and Jinja values share one
 * setter. Strings are borrowed. */
typedef enum sl_cfgv_kind { SL_CFGV_NULL, SL_CFGV_SCALAR, SL_CFGV_LIST, SL_CFGV_MAP } sl_cfgv_kind;
typedef struct sl_cfgv {
    sl_cfgv_kind kind;
    const char *const *items;  /* SCALAR: items[0]; LIST: the items; MAP: the keys */
    const char *const *values; /* MAP: the values (scalars) */
    size_t n;
} sl_cfgv;

/* Defaults: enabled 1, ints -1, everything else unset. */
void sl_node_config_init(sl_node_config *c);
void sl_node_config_release(sl_node_config *c);
/* Copy of src into dst (dst initialised, released first). */
void sl_node_config_copy(sl_node_config *dst, const sl_node_config *src);

/* Set config key (without a leading '+'; "pre-hook" and "pre_hook" alike)
 * to v. Returns 0 when the key was set or accepted, -1 with msg (cap
 * bytes) saying what is wrong: unknown key (with a suggestion), a refused
 * feature by name, a value of the wrong shape or not among the choices. */
int sl_config_set(sl_node_config *c, const char *key, const sl_cfgv *v, char *msg, size_t cap);
/* The same from a YAML value; problems are diagnostics at the value (or
 * key) in file. */
int sl_config_set_yaml(sl_node_config *c, const char *key, struct fy_node *key_node, struct fy_node *v,
                       const char *file, sl_diags *d);
/* Whether key (no '+') is a config key sluice knows (set, accepted or refused). */
int sl_config_is_key(const char *key);

/* Check a whole config tree (the mapping under models:, seeds:, ...):
 * every '+key' and every non-mapping key must be a known config key with
 * a valid value; mappings under other keys are folders (or node names).
 * Returns the number of diagnostics added. */
int sl_config_tree_check(struct fy_node *tree, const char *file, sl_diags *d);
/* Apply tree along fqn to c: the tree's top-level keys, then those under
 * fqn[0], under fqn[0].fqn[1], ... (deeper wins). Values were checked by
 * sl_config_tree_check; problems here are ignored. */
void sl_config_apply_tree(sl_node_config *c, struct fy_node *tree, const char *file, const sl_strv *fqn);

/* Helpers for the string vectors of node.h. */
void sl_strv_push(sl_strv *v, const char *s);
void sl_strv_release(sl_strv *v);
int sl_strv_has(const sl_strv *v, const char *s);

#endif
