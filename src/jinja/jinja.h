/*
 * jinja.h: sluice's renderer of the Jinja subset dbt projects use
 * (docs/TEMPLATES.md). No C library renders Jinja, so this is our own
 * (../shared/DEPENDENCIES.md); python3-jinja2 is its test oracle.
 *
 * The subset: {{ }}, {% %}, {# #} with `-` whitespace control (and the
 * settings of dbt's environment, jinja2's defaults: trim_blocks and
 * lstrip_blocks off, one final newline of a file dropped, newlines
 * normalised to \n); {% raw %}; set (expressions and block set), for (loop.index,
 * index0, first, last, length, revindex; else; tuple unpacking), if/elif/
 * else, macro (default arguments; varargs/kwargs not needed), call/caller,
 * do; expressions: literals (strings, ints, floats, true/false/none in
 * either case, lists, dicts, tuples), ~ + - * / // % **, comparisons,
 * and/or/not, in/not in, is (defined, none, string, number, mapping,
 * iterable...), attribute and item access, slices, conditional
 * expressions (a if c else b), calls with keyword arguments, the methods
 * real projects call on strings, lists and dicts (append, extend, items,
 * keys, values, get, update, split, strip, lower, upper, replace,
 * startswith, endswith, join, format); filters: upper lower trim replace
 * join default/d length/count first last list string int float round abs
 * capitalize title unique sort reverse map (attribute=) select reject
 * selectattr rejectattr batch indent safe escape/e tojson wordcount;
 * globals: range, dict, namespace, return, exceptions.raise_compiler_error,
 * exceptions.warn (the host adds dbt's: ref, source, var, config, this,
 * target, ...); break/continue (dbt enables loopcontrols).
 * Anything else is an error naming the construct at file:line:col.
 *
 * Undefined names are strict, like dbt: using one (printing it, calling
 * it, operating on it) is an error "'x' is undefined"; `is defined` and
 * `default` may test it. Rendering is deterministic (dicts iterate in
 * insertion order) and side-effect free outside the host's functions.
 *
 * Values are reference counted: a function returning sl_jv * returns a new
 * reference the caller releases with sl_jv_unref; "borrowed" results are
 * valid while their container is. Functions taking a value say whether they
 * take the caller's reference ("takes") or not. Counts are not atomic: a
 * value belongs to one thread at a time (an env and its values per thread).
 *
 * Errors: every failing call returns -1 with err->msg
 * "FILE:LINE:COL: message" (1-based line and column of the construct).
 * Limits: nesting depth 256, macro call depth 256, output 256 MiB, loop
 * iterations 10 million per render: past them the render fails with an
 * error naming the limit, so a hostile template cannot hang or exhaust us.
 */
#ifndef SL_JINJA_H
#define SL_JINJA_H
#include "core/error.h"
#include "core/util.h"
#include <stddef.h>
#include <stdint.h>

typedef enum sl_jv_type {
    SL_JV_UNDEFINED,
    SL_JV_NONE,
    SL_JV_BOOL,
    SL_JV_INT,
    SL_JV_FLOAT,
    SL_JV_STRING,
    SL_JV_LIST,     /* lists and tuples */
    SL_JV_DICT,     /* insertion ordered; an "object" is a dict with a text form */
    SL_JV_CALLABLE, /* a macro or a host function */
} sl_jv_type;

typedef struct sl_jv sl_jv;

/* Arguments of a call, as the template wrote them (values borrowed). */
typedef struct sl_jinja_args {
    size_t npos;
    sl_jv **pos;
    size_t nkw;
    const char **kw_names;
    sl_jv **kw;
} sl_jinja_args;

/* A host function. Sets *ret to a new reference (NULL means none) and
 * returns 0, or returns -1 with err->msg holding the message only: the
 * renderer prefixes the call's FILE:LINE:COL. */
typedef int (*sl_jinja_fn)(void *ud, const sl_jinja_args *a, sl_jv **ret, sl_error *err);

/* Constructors: new references. sl_jv_str copies n bytes. */
sl_jv *sl_jv_undefined(void);
sl_jv *sl_jv_none(void);
sl_jv *sl_jv_bool(int b);
sl_jv *sl_jv_int(int64_t i);
sl_jv *sl_jv_float(double d);
sl_jv *sl_jv_str(const char *s, size_t n);
sl_jv *sl_jv_cstr(const char *s);
sl_jv *sl_jv_list(void);
void sl_jv_list_push(sl_jv *list, sl_jv *v); /* takes v */
sl_jv *sl_jv_dict(void);
void sl_jv_dict_set(sl_jv *dict, const char *key, sl_jv *v); /* takes v */
/* An object: attributes `attrs` (a dict, taken) printed by {{ }} as `text`
 * (a relation prints as "schema"."table" and has .schema, .identifier...). */
sl_jv *sl_jv_object(sl_jv *attrs, const char *text);
/* A host function named `name` (for messages); ud is the host's. */
sl_jv *sl_jv_fn(const char *name, sl_jinja_fn fn, void *ud);

sl_jv *sl_jv_ref(sl_jv *v);
void sl_jv_unref(sl_jv *v);

sl_jv_type sl_jv_type_of(const sl_jv *v);
int sl_jv_truthy(const sl_jv *v);          /* Python's truth */
const char *sl_jv_str_of(const sl_jv *v, size_t *len); /* strings only, else NULL; borrowed */
int64_t sl_jv_int_of(const sl_jv *v);      /* ints and bools; 0 otherwise */
double sl_jv_float_of(const sl_jv *v);     /* floats and ints */
size_t sl_jv_len(const sl_jv *v);          /* list items, dict entries, string bytes */
sl_jv *sl_jv_list_at(const sl_jv *v, size_t i);                 /* borrowed */
sl_jv *sl_jv_dict_get(const sl_jv *v, const char *key);         /* borrowed, NULL if absent */
const char *sl_jv_dict_key_at(const sl_jv *v, size_t i);        /* insertion order */
sl_jv *sl_jv_dict_value_at(const sl_jv *v, size_t i);           /* borrowed */
/* Append v as {{ v }} prints it (None prints "None", True "True", lists
 * and dicts as Python's repr, objects their text). Undefined: error. */
int sl_jv_print(const sl_jv *v, sl_buf *out, sl_error *err);
/* A keyword argument by name, else positional argument i, else NULL (borrowed). */
sl_jv *sl_jinja_arg(const sl_jinja_args *a, size_t i, const char *name);

/* An environment: globals, macros (by name, across files), tests
 * ({% test %} blocks) and docs ({% docs %} blocks). */
typedef struct sl_jinja_env sl_jinja_env;
sl_jinja_env *sl_jinja_env_new(void);
void sl_jinja_env_free(sl_jinja_env *env);
/* Set a global (takes v); replaces an earlier one of the same name. */
void sl_jinja_env_set(sl_jinja_env *env, const char *name, sl_jv *v);
/* Lower env's per-render limits: output bytes and loop iterations (0, or
 * a value above the default, keeps the default: 256 MiB, 10 million).
 * For a host that renders small things (a preview) and for tests. */
void sl_jinja_env_set_limits(sl_jinja_env *env, size_t max_output, uint64_t max_iters);
/* Parse a macros file (dbt's macros/ and tests/generic/ .sql files, docs
 * .md files): registers each {% macro NAME %} as a global callable NAME,
 * each {% test NAME(model, column_name, ...) %} as a callable "test_NAME",
 * each {% docs NAME %} block as a doc. Top-level text outside blocks is
 * ignored. A name defined twice is an error naming both places. */
int sl_jinja_env_load(sl_jinja_env *env, const char *file, const char *text, size_t len, sl_error *err);
/* sl_jinja_env_load with flags: SL_JINJA_LOAD_OVERRIDABLE marks the file's
 * macros and tests as defaults a later file may redefine without error
 * (sluice's built-in macros, which a project may override as in dbt). */
#define SL_JINJA_LOAD_OVERRIDABLE 1
int sl_jinja_env_load_ex(sl_jinja_env *env, const char *file, const char *text, size_t len, int flags,
                         sl_error *err);
/* The text of a {% docs NAME %} block, or NULL (borrowed). */
const char *sl_jinja_env_doc(const sl_jinja_env *env, const char *name);
/* Whether a global or macro of that name exists. */
int sl_jinja_env_has(const sl_jinja_env *env, const char *name);
/* The global or macro of that name (borrowed), or NULL: a host function
 * may return it (sl_jv_ref) for the template to call, as dbt's
 * adapter.dispatch() returns a macro. */
sl_jv *sl_jinja_env_lookup(const sl_jinja_env *env, const char *name);

/* A parsed template. */
typedef struct sl_jinja_tpl sl_jinja_tpl;
int sl_jinja_parse(const char *file, const char *text, size_t len, sl_jinja_tpl **out, sl_error *err);
void sl_jinja_tpl_free(sl_jinja_tpl *t);
/* Top-level {% snapshot NAME %}...{% endsnapshot %} blocks of a template,
 * in order: their count, and block i's name and body (borrowed). A
 * snapshot file is rendered one body at a time. */
size_t sl_jinja_tpl_nsnapshots(const sl_jinja_tpl *t);
const sl_jinja_tpl *sl_jinja_tpl_snapshot(const sl_jinja_tpl *t, size_t i, const char **name);

/* Render t with env's globals plus `locals` (a dict or NULL; borrowed),
 * appending to out. Not thread-safe per env: one render at a time per env. */
int sl_jinja_render(sl_jinja_env *env, const sl_jinja_tpl *t, const sl_jv *locals, sl_buf *out, sl_error *err);
/* Call a macro or test of env by name (e.g. "test_unique") with a's
 * arguments; its output (or what it return()ed, printed) goes to out. */
int sl_jinja_call(sl_jinja_env *env, const char *name, const sl_jinja_args *a, sl_buf *out, sl_error *err);

#endif
