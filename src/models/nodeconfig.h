/*
 * nodeconfig.h: a template's {{ config(...) }} call (nodeconfig.c). In
 * parse mode each keyword is checked and applied to the node rendered,
 * through the one table of config keys (models/config.h's sl_config_set:
 * unknown keys get a suggestion, dbt features sluice does not have are
 * refused by name, tags and hooks add up), last in dbt's order (after the
 * project's config tree and the properties files). In execute mode the call
 * does nothing and prints ''. config({'k': v}) works as config(k=v).
 */
#ifndef SL_MODELS_NODECONFIG_H
#define SL_MODELS_NODECONFIG_H
#include "jinja/jinja.h"
#include "models/node.h"

/* The `config` host function; ud is the graph's sl_compile_state. */
int sl_nodeconfig_fn(void *ud, const sl_jinja_args *a, sl_jv **ret, sl_error *err);
/* Apply one key = value (a template value) to c; -1 with err's message
 * naming the key (no location: the renderer adds the call's). */
int sl_nodeconfig_set(sl_node_config *c, const char *key, const sl_jv *v, sl_error *err);

#endif
