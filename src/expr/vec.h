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
 * date/timestamp -> ISO-8601 TEXT, everything else TEXT, no affinity.
 *
 * Supported (anything else: sl_vexpr_compile gives NULL and the caller
 * uses SQLite for that expression): column references (names without
 * case, "quoted", [bracketed], `backticked`; SQLite's keywords that its
 * grammar takes as names, like first, last or key), literals (integers up
 * to INT64_MAX, reals of at most 15 significant digits and a decimal
 * exponent within +-307, 'strings', NULL, TRUE, FALSE), = == <> != < <= >
 * >= IS, IS NOT, AND OR NOT, [NOT] IN (list) (a list of 6 or more
 * constants is hashed, vec_set.c), IS [NOT] NULL, ISNULL, NOTNULL, NOT
 * NULL, [NOT] BETWEEN, [NOT] LIKE 'constant' [ESCAPE 'c'], ||, + - * / %,
 * unary - and +, CASE (both forms), CAST(x AS type) (the type's affinity
 * by SQLite's rules from its name; not BLOB; a comparison where SQLite
 * would convert an operand by a CAST's affinity stays with SQLite),
 * coalesce, ifnull, nullif, lower/upper (sluice's Unicode ones, gtm.h),
 * trim/ltrim/rtrim, length, substr/substring, instr, abs, char, replace,
 * x -> 'path', x ->> 'path' (and their shorthands 'key', N, '[N]') and
 * json_extract(x, 'path') with a constant path (vec_json.c), sha256 and
 * gtm's text functions (normalize_email, canonical_email, email_domain,
 * is_valid_email, casefold, unaccent, normalize_company, url_host,
 * registered_domain).
 *
 * Some values are left to SQLite at run time: then sl_vexpr_eval returns
 * 1 and the caller evaluates that batch with SQLite. They are: a text
 * taken as a number (arithmetic, truth, abs, char) that only SQLite's
 * conversion reads exactly (more than 18 digits, an 'e' without exponent
 * digits, more than 15 significant digits or an exponent beyond +-307 in
 * a real); abs(INT64_MIN) (an error in SQLite); substr's positions that
 * are not integers; a JSON text our reader (formats/json.h) refuses
 * (malformed: SQLite's error; or only SQLite's reader takes it: invalid
 * UTF-8, a NUL, deeper than 512 levels) and a JSON number only
 * sqlite3AtoF reads.
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
 * SQLITE_INTEGER (i64[r]), SQLITE_FLOAT (f64[r]), SQLITE_TEXT (str[r]) or
 * SQLITE_NULL (SQLITE_BLOB never happens in this subset). Text bytes
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
