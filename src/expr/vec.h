/*
 * vec.h: native, vectorized evaluation of the expression shapes pipelines
 * use most, with SQLite's semantics (SQLite is the specification and the
 * fallback: expr.h's sl_expr_eval_vec picks one or the other).
 *
 * An expression is parsed by a small parser of SQLite's expression
 * grammar (vec_parse.c) and bound to a batch's columns and types; it is
 * then evaluated a whole column at a time, node by node (vec.c). Values
 * follow SQLite's storage classes as the batch's virtual table hands them
 * to SQLite (expr.h): int/bool -> INTEGER, float -> REAL (NaN -> NULL),
 * date/timestamp -> ISO-8601 TEXT, everything else TEXT, no affinity;
 * a BLOB only comes from CAST(x AS BLOB).
 *
 * Supported (anything else: sl_vexpr_compile gives NULL and the caller
 * uses SQLite for that expression): column references (names without
 * case, "quoted", [bracketed], `backticked`; SQLite's keywords that its
 * grammar takes as names, like first, last or key), literals (integers up
 * to INT64_MAX, reals of any digits and exponent, converted as
 * sqlite3AtoF does, 'strings', NULL, TRUE, FALSE), = == <> != < <= >
 * >= IS, IS NOT, AND OR NOT, [NOT] IN (list) (a list of 6 or more
 * constants is hashed, vec_set.c), IS [NOT] NULL, ISNULL, NOTNULL, NOT
 * NULL, [NOT] BETWEEN, [NOT] LIKE 'constant' [ESCAPE 'c'], ||, + - * / %,
 * unary - and +, CASE (both forms), CAST(x AS type) (the type's affinity
 * by SQLite's rules from its name, NUMERIC for no name; BLOB gives the
 * value's text as a blob, typeof() 'blob' whatever the input but NULL;
 * a comparison where SQLite would convert an operand by a CAST's
 * affinity stays with SQLite),
 * coalesce, ifnull, nullif, lower/upper (sluice's Unicode ones, gtm.h),
 * trim/ltrim/rtrim, length, substr/substring, instr, abs, char, replace,
 * x -> 'path', x ->> 'path' (and their shorthands 'key', N, '[N]') and
 * json_extract(x, 'path', ...) with constant paths (several: a JSON array
 * of the values; steps .key, ."key", [N], [#-N]; a JSON real is
 * converted with strtod, as SQLite's json1 does; vec_json.c), sha256 and
 * gtm's text functions (normalize_email, canonical_email, email_domain,
 * is_valid_email, casefold, unaccent, normalize_company, url_host,
 * registered_domain).
 *
 * Some values are left to SQLite at run time: then sl_vexpr_eval returns
 * 1 and the caller evaluates that batch with SQLite. They are: a text
 * taken as a number (arithmetic, truth, abs) with an 'e' without
 * exponent digits or a NUL before any digit (every other text, of any
 * digits and exponent, is converted natively as sqlite3AtoF and
 * sqlite3Atoi64 do); abs(INT64_MIN) (an error in SQLite); substr's
 * positions that are not integers; a JSON text our reader
 * (formats/json.h) refuses (malformed: SQLite's error; or only SQLite's
 * reader takes it: invalid UTF-8, a NUL, deeper than 512 levels, or a
 * number our reader refuses).
 *
 * Invalid UTF-8 is not an error anywhere: every function walks bytes
 * exactly as SQLite's does (a lead byte >= 0xc0 and the 0x80-0xbf bytes
 * after it make one character), so both paths agree on any bytes.
 */
#ifndef SL_EXPR_VEC_H
#define SL_EXPR_VEC_H
#include "core/arena.h"
#include "core/batch.h"
#include "core/error.h"
#include <stddef.h>
#include <stdint.h>

/* One value per row, in SQLite's storage classes: type[r] is
 * SQLITE_INTEGER (i64[r]), SQLITE_FLOAT (f64[r]), SQLITE_TEXT or
 * SQLITE_BLOB (str[r]: bytes) or SQLITE_NULL. Text bytes
 * point into the evaluated batch's arena or into the result's own arena,
 * valid until the next evaluation into this result (or the batch's
 * clear). Caller-owned: sl_vresult_init / sl_vresult_release. */
typedef struct sl_vresult {
    size_t n, cap;
    uint8_t *type;
    int64_t *i64;
    double *f64;
    sl_str *str;
    sl_arena arena;
} sl_vresult;

void sl_vresult_init(sl_vresult *r);
void sl_vresult_release(sl_vresult *r);
/* Make room for n rows (contents undefined) and set r->n = n. */
void sl_vresult_reserve(sl_vresult *r, size_t n);
/* SQLite's truth of row i as a condition takes it: 1 true, 0 false or
 * NULL, -1 for a text whose leading number only SQLite's conversion
 * knows (expr.h's sl_expr_truth asks SQLite then). */
int sl_vresult_truth(const sl_vresult *r, size_t i);

typedef struct sl_vexpr sl_vexpr;

/* A native plan for text bound to b's columns (names and types), or NULL
 * when the text is outside the supported set (or wrong: SQLite then says
 * what is wrong). The text is copied. */
sl_vexpr *sl_vexpr_compile(const char *text, const sl_batch *b);
void sl_vexpr_free(sl_vexpr *x);
/* Evaluate over every row of b (which has the columns and types the plan
 * was compiled for) into out (its previous contents are forgotten).
 * 0 done; 1 this batch holds a value left to SQLite (see above: out is
 * undefined, evaluate the batch with SQLite); -1 with err on failure. */
int sl_vexpr_eval(sl_vexpr *x, const sl_batch *b, sl_vresult *out, sl_error *err);
/* Whether the native path is allowed: not when env SLUICE_VEXPR=0. */
int sl_vexpr_enabled(void);

#endif
