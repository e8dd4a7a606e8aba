/*
 * types.h: sluice's value types, and converting text to and from them.
 *
 * Storage in a batch column (see batch.h):
 *   bool, int, date, timestamp  -> int64 (0/1, value, days since 1970-01-01,
 *                                  microseconds since the epoch, UTC)
 *   float                       -> double
 *   decimal, text, json         -> string (decimal keeps its exact digits)
 *
 * Inference looks at text and says which type holds it exactly: a value
 * is inferred as a type only when the type gives back what was written
 * (docs/TYPES.md, "Inference": no leading zero or '+' lost, no digit
 * rounded). Widening joins two types into the narrowest one that holds
 * both (int+float=float, int|float+decimal=decimal, date+timestamp=
 * timestamp, anything else mixed=text).
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
/* An int written as sluice writes it back: -?[1-9][0-9]* or 0 (no '+', no
 * redundant zero, no -0). */
int sl_parse_int_exact(const char *s, size_t n, int64_t *out);
int sl_parse_float(const char *s, size_t n, double *out);
int sl_parse_decimal(const char *s, size_t n); /* validates only */
/* Decimal notation that every sink writes back unchanged:
 * -?(0|[1-9][0-9]*)(.[0-9]+)? (no '+', no redundant zero, no exponent). */
int sl_parse_decimal_exact(const char *s, size_t n);
/* A valid decimal (sl_parse_decimal) in that notation into out (n + 2
 * bytes): `+5` -> `5`, `007.50` -> `7.50`, `.5` -> `0.5`, `5.` -> `5`. */
size_t sl_decimal_canonical(const char *s, size_t n, char *out);
int sl_parse_date(const char *s, size_t n, int64_t *days);
int sl_parse_timestamp(const char *s, size_t n, int64_t *us);
/* Parse with a strptime(3) format (plus %f for fractional seconds). */
int sl_parse_time_format(const char *s, size_t n, const char *fmt, int is_date, int64_t *out);

/* The type that holds a text value exactly (never JSON); NULL for empty:
 *   bool       true or false, any case
 *   int        -?[1-9][0-9]* within int64, and 0
 *   float      a number without a redundant leading zero or '+' whose
 *              double gives back the same decimal value (so at most 17
 *              significant digits, and what a double holds exactly)
 *   decimal    an integer beyond int64, or a plain decimal (no exponent)
 *              with more digits than a double keeps
 *   date       YYYY-MM-DD
 *   timestamp  ISO 8601 with at most microseconds (more digits only if
 *              zeros), no leap second :60; an offset is applied (UTC)
 *   text       everything else
 * sl_type_infer_value also returns the value parsed: *iv for bool, int,
 * date and timestamp (storage as in sl_type_storage), *dv for float. */
sl_type sl_type_infer_text(const char *s, size_t n);
sl_type sl_type_infer_value(const char *s, size_t n, int64_t *iv, double *dv);

/* Formatting into out (cap >= 40); returns length. */
size_t sl_format_date(char *out, int64_t days);
size_t sl_format_timestamp(char *out, int64_t us);
size_t sl_format_float(char *out, double v);

int64_t sl_days_from_civil(int64_t y, unsigned m, unsigned d);
void sl_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

#endif
