/*
 * jvyaml.h: YAML or JSON text into template values (jinja.h's sl_jv), with
 * YAML 1.2's core types for plain scalars: null/~/empty -> none,
 * true/false -> bool, integers, floats, anything else (and every quoted
 * scalar) a string. For `vars:` (sluice.yml, dbt_project.yml, --vars) and
 * a generic test's arguments (node.h's test_kwargs).
 */
#ifndef SL_MODELS_JVYAML_H
#define SL_MODELS_JVYAML_H
#include "core/error.h"
#include "jinja/jinja.h"
#include <stddef.h>

struct fy_node;

/* The value of text[0..len) (a new reference), or NULL with err set
 * ("what: <libfyaml's message>"). Empty text is none. */
sl_jv *sl_jv_from_yaml(const char *what, const char *text, size_t len, sl_error *err);
/* The value of a parsed YAML node (a new reference); NULL node: none. */
sl_jv *sl_jv_from_fy(struct fy_node *n);

#endif
