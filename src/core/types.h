/*
 * types.h: sluice's value types, and converting text to and from them.
 *
 * Storage in a batch column (see batch.h):
 *   bool, int, date, timestamp  -> int64 (0/1, value, days since 1970-01-01,
 *                                  microseconds since the epoch, UTC)
 *   float                       -> double
 *   decimal, text, json         -> string (decimal keeps its exact digits)
 *
 * Inference looks at text and says which type it fits best; widening joins
 * two types into the narrowest one that holds both (int+float=float,
 * date+timestamp=timestamp, anything else mixed=text).
 */
#ifndef SL_TYPES_H
#define SL_TYPES_H
#include <stddef.h>
#include <stdint.h>

typedef enum sl_type {
    SL_T_NULL = 0, /* no value seen yet (inference only) */
    SL_T_BOOL,
    SL_T_INT,
    SL_T_FLOAT,
    SL_T_DECIMAL,
    SL_T_TEXT,
    SL_T_DATE,
    SL_T_TIMESTAMP,
    SL_T_JSON,
} sl_type;

const char *sl_type_name(sl_type t);
/* Parse a type name as users write it (int, integer, bigint, float, double,
 * text, string, ...). Returns -1 if unknown. */
int sl_type_parse(const char *name, sl_type *out);
/* 1 when values are stored as int64, 2 as double, 3 as strings. */
int sl_type_storage(sl_type t);
#define SL_STORE_I64 1
#define SL_STORE_F64 2
#define SL_STORE_STR 3
/* The narrowest type holding values of both a and b. */
sl_type sl_type_widen(sl_type a, sl_type b);

/* Strict parsers over (s, n); surrounding ASCII spaces are allowed. 0 ok, -1 no. */
int sl_parse_bool(const char *s, size_t n, int64_t *out);
int sl_parse_int(const char *s, size_t n, int64_t *out);
int sl_parse_float(const char *s, size_t n, double *out);
int sl_parse_decimal(const char *s, size_t n); /* validates only */
int sl_parse_date(const char *s, size_t n, int64_t *days);
int sl_parse_timestamp(const char *s, size_t n, int64_t *us);
/* Parse with a strptime(3) format (plus %f for fractional seconds). */
int sl_parse_time_format(const char *s, size_t n, const char *fmt, int is_date, int64_t *out);

/* The type a text value suggests (never DECIMAL or JSON); NULL for empty. */
sl_type sl_type_infer_text(const char *s, size_t n);

/* Formatting into out (cap >= 40); returns length. */
size_t sl_format_date(char *out, int64_t days);
size_t sl_format_timestamp(char *out, int64_t us);
size_t sl_format_float(char *out, double v);

int64_t sl_days_from_civil(int64_t y, unsigned m, unsigned d);
void sl_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

#endif
