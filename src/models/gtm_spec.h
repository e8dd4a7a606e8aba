/*
 * gtm_spec.h: what the GTM model types of h6 share (models/type_score.c,
 * models/type_lifecycle.c): reading an `entities:`/`events:`-style input
 * mapping of a spec, numbers, durations and timestamps of specs, checking
 * an input's columns at build time, and an entity table (key -> index) fed
 * from the warehouse.
 */
#ifndef SL_MODELS_GTM_SPEC_H
#define SL_MODELS_GTM_SPEC_H
#include "core/nameidx.h"
#include "models/mtype.h"
#include <stdint.h>

/* An input mapping {from: NAME, key: COL, time: COL, where: SQL} (which
 * keys are allowed and required depends on the caller). Strings owned. */
typedef struct sl_gtms_input {
    char *from, *key, *time, *where;
} sl_gtms_input;

/* Read the mapping v into in: allowed keys are "from", "key" and those of
 * extra (NULL-terminated, subset of "time", "where"); "from" and "key" and
 * each of required (NULL-terminated) must be there. Declares `from` as a
 * ref of the model. what names the key in diagnostics ("entities").
 * 0, or -1 after diagnostics. */
int sl_gtms_input_parse(const sl_mtype_parse *p, struct fy_node *v, const char *what, const char *const *extra,
                        const char *const *required, sl_gtms_input *in);
void sl_gtms_input_free(sl_gtms_input *in);

/* A scalar node as a finite number (*out); -1 after a diagnostic naming what. */
int sl_gtms_number(const sl_mtype_parse *p, struct fy_node *v, const char *what, double *out);
/* A scalar node as a duration in seconds > 0 ("14d", "12h"); -1 after a diagnostic. */
int sl_gtms_duration(const sl_mtype_parse *p, struct fy_node *v, const char *what, int64_t *out);
/* A scalar node as 'YYYY-MM-DD HH:MM:SS' (also accepts what
 * sl_gtms_time_parse does); *out the normalised text (owned). -1 after a diagnostic. */
int sl_gtms_timestamp(const sl_mtype_parse *p, struct fy_node *v, const char *what, char **out);
/* A name usable as a column suffix ([A-Za-z0-9_]+): 1 or 0. */
int sl_gtms_name_ok(const char *s);

/* Parse a timestamp as warehouses print them ('2026-11-30', '2026-11-30
 * 10:00', '2026-11-30T10:00:00.5Z', '2026-11-30 10:00:00+01', ...) into
 * seconds since the epoch (UTC). 0, or -1 when s is not one. */
int sl_gtms_time_parse(const char *s, int64_t *out);
/* Format epoch seconds as 'YYYY-MM-DD HH:MM:SS' (out: >= 20 bytes). */
void sl_gtms_time_format(int64_t t, char *out, size_t cap);

/* Resolve the input `from` to its relation and check that it has each of
 * cols (NULL-terminated; NULL entries skipped): an error naming the model,
 * the input and the column otherwise. *key_integer (may be NULL): whether
 * cols[0]'s declared type is an integer type (the key keeps its type in
 * outputs, so joins work on PostgreSQL). */
int sl_gtms_input_check(const sl_mtype_build *b, const char *from, const char *const *cols, sl_relation *rel,
                        int *key_integer, sl_error *err);

/* Make err read "model MODEL: WHAT: ..." (WHAT after the model's name
 * when the message starts with it, else in front); returns -1. */
int sl_gtms_error_in(sl_error *err, const char *model, const char *what);

/* Entity keys in input order (as text), found by key. */
typedef struct sl_gtms_keys {
    char **v;
    size_t n, cap;
    sl_nameidx idx;
} sl_gtms_keys;
void sl_gtms_keys_init(sl_gtms_keys *k);
void sl_gtms_keys_release(sl_gtms_keys *k);
/* Index of key, or -1. */
long sl_gtms_keys_find(const sl_gtms_keys *k, const char *key);
/* Append key (copied): its index, or -1 when it is there already. */
long sl_gtms_keys_add(sl_gtms_keys *k, const char *key);

/* Append a condition, parenthesised, as "CASE WHEN (cond) THEN 1 ELSE 0 END". */
void sl_gtms_case_sql(sl_buf *sql, const char *cond);
/* Append "CAST(<quoted col> AS TEXT)". */
void sl_gtms_text_sql(sl_buf *sql, const char *col);

#endif
