/*
 * colcheck.h: `sluice validate`'s check of the column names a pipeline
 * uses (transforms' columns, expressions, sink keys) against the columns
 * it can know before running: the input's own (the header of a CSV file,
 * the keys of the first records of a JSON one, read through the source's
 * reader without recording anything), then each transform's effect
 * (derive adds, rename renames, select narrows, drop removes). An unknown
 * name is a diagnostic at its file:line:col with "did you mean" the
 * closest known one.
 *
 * When the columns cannot be known (a SQL or HTTP source, a file that is
 * not there yet) nothing is said: a set is "unknown" until a transform
 * makes it known (select lists every column there will be).
 */
#ifndef SL_COLCHECK_H
#define SL_COLCHECK_H
#include "config/project.h"

/* The columns at one step of a pipeline. */
typedef struct sl_colset {
    int known;        /* 0: they cannot be known here; checks say nothing */
    char **v;         /* names, in order (owned) */
    size_t n, cap;
} sl_colset;

void sl_colset_release(sl_colset *c);
int sl_colset_find(const sl_colset *c, const char *name);
void sl_colset_add(sl_colset *c, const char *name);
void sl_colset_remove(sl_colset *c, const char *name);
void sl_colset_rename(sl_colset *c, const char *from, const char *to);
/* Replace the set by names[0..n) and make it known. */
void sl_colset_set(sl_colset *c, char *const *names, size_t n);

/* A column `what` needs (e.g. "select") must be in c: when c is known
 * and it is not, a diagnostic at loc naming it, the closest known name
 * and the columns there are. Returns 1 if a diagnostic was added. */
int sl_colset_require(const sl_colset *c, const char *name, sl_loc loc, const char *what, sl_diags *d);
/* The same for every column an expression names (expr.h,
 * sl_expr_unknown_columns). Returns the number of diagnostics added. */
int sl_colset_require_expr(const sl_colset *c, const char *text, sl_loc loc, const char *what, sl_diags *d);

/* loc, or the instance's own when loc was not recorded (a default). */
sl_loc sl_colcheck_loc(sl_loc loc, const sl_instance *in);

/* Check one pipeline: sample its input (file sources only), then run
 * every transform's `columns` hook in order, then check the sinks' key
 * columns (`key`, `only_if_newer`) and what their own `columns` hook
 * names (a trigger's {{ column }} templates). Returns the diagnostics added. */
int sl_colcheck_pipeline(sl_pipeline *pl, sl_diags *d);

#endif
