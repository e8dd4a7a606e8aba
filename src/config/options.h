/*
 * options.h: option tables, the one description of a component's settings.
 *
 * Each source, transform and sink declares a static table of sl_option
 * rows: name, type, default, flags, where the value goes in the
 * component's option struct (offsetof), allowed values and a help line.
 * That one table validates YAML (unknown keys get a "did you mean"),
 * fills defaults, and generates `sluice help <component>` and the
 * reference docs.
 *
 * Ownership: strings, lists and maps stored into an option struct are
 * heap-allocated and freed by sl_options_release() with the same table.
 */
#ifndef SL_OPTIONS_H
#define SL_OPTIONS_H
#include "config/diag.h"
#include "core/util.h"
#include <libfyaml.h>
#include <stddef.h>
#include <stdint.h>

typedef enum sl_opt_type {
    SL_OPT_STRING,   /* char *                                   */
    SL_OPT_INT,      /* int64_t                                  */
    SL_OPT_BOOL,     /* int                                      */
    SL_OPT_ENUM,     /* char *, one of `choices` ("a|b|c")       */
    SL_OPT_DURATION, /* int64_t seconds ("10m", "1h30m")         */
    SL_OPT_LIST,     /* sl_strlist: a list or a single value     */
    SL_OPT_MAP,      /* sl_kvlist: ordered name -> value mapping */
    SL_OPT_RECORDS,  /* sl_kvlists: a list of mappings (rules): each item's
                      * nested mappings flattened to dotted keys, e.g.
                      * {name: a, count: {when: x}} -> name, count.when */
} sl_opt_type;

#define SL_OPT_REQUIRED 1u
#define SL_OPT_MULTILINE 2u /* value may span lines (SQL, expressions) */
#define SL_OPT_SECRET 4u    /* never print the value; redact from logs */

typedef struct sl_option {
    const char *name;
    sl_opt_type type;
    const char *def;     /* default as YAML text, or NULL */
    unsigned flags;
    size_t offset;       /* offsetof(the option struct, field) */
    const char *choices; /* SL_OPT_ENUM: "a|b|c" */
    const char *help;
} sl_option;

/* The last row of every option table. */
#define SL_OPT_END {NULL, SL_OPT_STRING, NULL, 0, 0, NULL, NULL}

typedef struct sl_strlist {
    char **v;
    size_t n;
    sl_loc loc;
} sl_strlist;

typedef struct sl_kv {
    char *key, *value;
    sl_loc loc;  /* of the value */
} sl_kv;

typedef struct sl_kvlist {
    sl_kv *v;
    size_t n;
    sl_loc loc;
} sl_kvlist;

/* SL_OPT_RECORDS: one sl_kvlist per list item (its loc: the item's). */
typedef struct sl_kvlists {
    sl_kvlist *v;
    size_t n;
    sl_loc loc;
} sl_kvlists;

/* The value of key in m, or NULL. */
const sl_kv *sl_kvlist_get(const sl_kvlist *m, const char *key);

/* Fill opts (zeroed struct of the table's type) from a YAML mapping.
 * `skip` lists keys handled by the caller (NULL-terminated, e.g. "type").
 * `what` names the component in messages ("csv source").
 * Returns the number of diagnostics added (0 = ok). */
int sl_options_load(const sl_option *table, void *opts, struct fy_node *map, const char *file,
                    const char *const *skip, const char *what, sl_diags *d);
/* Fill defaults only (no YAML), for components built in code and tests. */
void sl_options_defaults(const sl_option *table, void *opts);
void sl_options_release(const sl_option *table, void *opts);
/* Human help for a table, as printed by `sluice help`. */
void sl_options_help(const sl_option *table, sl_buf *out);
/* The value of a string or enum option `name` in opts, or NULL when the
 * table has no such option (for code that asks any component, e.g. every
 * sink's `mode`). Borrowed from opts. */
const char *sl_options_string(const sl_option *table, const void *opts, const char *name);
/* Location recorded for an option (0 line if defaulted). */
sl_loc sl_options_loc(const sl_option *table, const void *opts, const char *name);

#endif
