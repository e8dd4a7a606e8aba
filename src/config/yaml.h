/*
 * yaml.h: loading YAML files (libfyaml) and reading their nodes.
 *
 * sl_yaml_load() parses a file, turning libfyaml's diagnostics into ours.
 * Scalars are read through sl_yaml_scalar(), which interpolates ${ENV}
 * references *after* parsing, so a variable can never inject YAML
 * structure. Syntax (Vector / Docker Compose): ${VAR}, ${VAR:-default}
 * (unset or empty), ${VAR-default} (unset), ${VAR:?message} and
 * ${VAR?message} (required), and $$ for a literal $. A lone $ is literal.
 * An undefined variable without default is an error naming it and its
 * file:line:col. A result holding a newline is refused unless the caller
 * allows multi-line values.
 *
 * Secrets (docs/secrets.md): the value a ${VAR} brings (or its default)
 * is registered as a secret (core/redact.h) when the option is marked
 * secret (SL_YAML_SECRET: headers, passwords, database and alert URLs) or when the variable's name looks like one (sl_env_name_is_secret),
 * wherever it is used. Values shorter than SL_REDACT_MIN bytes never are.
 */
#ifndef SL_YAML_H
#define SL_YAML_H
#include "config/diag.h"
#include <libfyaml.h>

struct fy_document *sl_yaml_load(const char *path, sl_diags *d);
sl_loc sl_yaml_loc(struct fy_node *n, const char *file);
/* Flags for sl_yaml_scalar */
#define SL_YAML_MULTILINE 1
#define SL_YAML_SECRET 2
/* Returns a new heap string (caller frees), or NULL after adding a diagnostic.
 * *from_env is set when any ${...} was expanded. */
char *sl_yaml_scalar(struct fy_node *n, const char *file, unsigned flags, sl_diags *d);
/* Whether a variable's name says it holds a secret: it contains KEY,
 * TOKEN, SECRET, PASSWORD, PASSWD, PWD, PASS, AUTH, CREDENTIAL, PRIVATE,
 * COOKIE, SESSION or SIGNATURE (any case). */
int sl_env_name_is_secret(const char *name);
/* Interpolate text (exposed for tests): NULL + diagnostic on error. */
char *sl_interpolate(const char *s, size_t len, sl_loc loc, unsigned flags, sl_diags *d);
/* The key of a mapping pair as a C string (caller frees), or NULL if not a scalar. */
char *sl_yaml_key(struct fy_node_pair *p);

#endif
