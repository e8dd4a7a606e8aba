/*
 * diag.h: configuration diagnostics, each tied to file:line:column.
 *
 * Validation collects every problem it finds (not just the first) into an
 * sl_diags list; the CLI prints them as "file:line:col: message" or, with
 * --json, as objects. Locations are 1-based.
 */
#ifndef SL_DIAG_H
#define SL_DIAG_H
#include "core/util.h"
#include <stddef.h>

typedef struct sl_loc {
    const char *file; /* not owned: points into the project's file list */
    int line, col;
} sl_loc;

typedef struct sl_diag {
    char *file;
    int line, col;
    char *msg;
    int order;  /* used by sl_diags_sort */
} sl_diag;

typedef struct sl_diags {
    sl_diag *v;
    size_t n, cap;
} sl_diags;

void sl_diags_init(sl_diags *d);
void sl_diags_release(sl_diags *d);
void sl_diags_add(sl_diags *d, sl_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Order by file (in the order files were read), then line and column. */
void sl_diags_sort(sl_diags *d);
/* "file:line:col: msg" lines, newline-separated. */
void sl_diags_format(const sl_diags *d, sl_buf *out);
/* [{"file":..,"line":..,"column":..,"message":..},...] */
void sl_diags_json(const sl_diags *d, sl_buf *out);

/* The closest candidate to word within a small edit distance, or NULL. */
const char *sl_suggest(const char *word, const char *const *candidates, size_t n);

#endif
