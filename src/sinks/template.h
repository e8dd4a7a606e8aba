/*
 * template.h: `{{ name }}` templates over one row of a batch, shared by the
 * sinks that render a row into a message: http (JSON bodies), email
 * (subject, body, recipients: text) and slack (text, JSON blocks).
 *
 * `{{ name }}` is replaced by column `name`'s value in the row (spaces
 * inside the braces are ignored): in a JSON template as a JSON value
 * (text quoted and escaped, numbers bare, null for NULL or a column the
 * batch lacks, json columns verbatim), in a text template as its text
 * (NULL and a missing column: nothing). A caller may answer some names
 * first (the http sink's {{ key }} and {{ dest_id }}). A '{{' without its
 * '}}' is kept as it is. Data values only fill the places: they never
 * change the template's shape (a value is never read as a template).
 */
#ifndef SL_TEMPLATE_H
#define SL_TEMPLATE_H
#include "core/batch.h"
#include "core/util.h"
#include "engine/component.h"

struct sl_colset; /* engine/colcheck.h */

/* Answer {{ name }} (name[0..n)) into out and return 1, or return 0 for
 * the column of that name. json: the template is JSON (the value goes in
 * as a JSON value). */
typedef int (*sl_template_var_fn)(void *ctx, const char *name, size_t n, int json, sl_buf *out);

/* Append tpl rendered for row of b to out; fn may be NULL. */
void sl_template_render(sl_buf *out, const char *tpl, const sl_batch *b, size_t row, int json,
                        sl_template_var_fn fn, void *ctx);

/* The column names tpl refers to, one call of fn each, for validate. */
void sl_template_names(const char *tpl, void (*fn)(void *ctx, const char *name, size_t n), void *ctx);

/* Whether tpl is a template the renderer reads as its author meant, for
 * the sinks' checks at load: 0, or -1 with why (at most len bytes, e.g.
 * "'{{' at character 7 is never closed by '}}'"): a '{{' without its
 * '}}' (the renderer would send it as it is), an empty {{ }} (it names no
 * column), a '{{' inside a {{ }} (a tag left unclosed before another).
 * Characters count from 1. */
int sl_template_check(const char *tpl, char *why, size_t len);

/* Check each template option `names` of a sink (NULL-terminated; SL_OPT_STRING
 * or, for headers, SL_OPT_MAP values) with sl_template_check, and, when
 * cols is given, the columns they name against it (engine/colcheck.h); a
 * diagnostic per problem at the option's file:line:col, prefixed with the
 * sink's id. Returns the number added. */
int sl_template_check_options(const sl_instance *in, const char *const *names, const struct sl_colset *cols,
                              sl_diags *d);

#endif
