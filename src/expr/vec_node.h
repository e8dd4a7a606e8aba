/*
 * vec_node.h: the parsed form of a native expression (vec.h), private to
 * vec_parse.c (which builds it) and vec.c (which evaluates it).
 */
#ifndef SL_EXPR_VEC_NODE_H
#define SL_EXPR_VEC_NODE_H
#include "core/util.h"
#include "expr/vec.h"

typedef enum {
    VN_COL,     /* col */
    VN_LIT,     /* ltype, li, lf, ls/lsn */
    VN_NEG,     /* -kids[0]; a numeric literal child is negated as SQLite's parser does */
    VN_NOT,     /* NOT kids[0] */
    VN_AND,
    VN_OR,
    VN_CMP,     /* op: VO_EQ .. VO_GE, VO_IS, VO_ISNOT */
    VN_ARITH,   /* op: VO_ADD .. VO_MOD */
    VN_CONCAT,
    VN_ISNULL,  /* negate: NOT NULL */
    VN_IN,      /* kids[0] IN (kids[1..]); negate: NOT IN */
    VN_BETWEEN, /* kids[0] BETWEEN kids[1] AND kids[2]; negate */
    VN_LIKE,    /* kids[0] LIKE pattern (ls, NUL-terminated) ESCAPE esc; negate */
    VN_CASE,    /* has_base: kids[0] is CASE's operand; then WHEN/THEN pairs; has_else: last kid */
    VN_FN,      /* fn, kids = arguments */
    VN_CAST,    /* CAST(kids[0] AS a type of affinity aff: VA_*) */
    VN_JSON,    /* kids[0] -> path (jtext), ->> path or json_extract(kids[0], path, ...): paths */
} sl_vnode_kind;

/* CAST's affinities (sqlite3AffinityType of the type's name) */
enum { VA_TEXT = 1, VA_NUMERIC, VA_INTEGER, VA_REAL, VA_BLOB };

/* One step of a constant JSON path: .key (the key as the path writes it,
 * compared with a member's name as its JSON text writes it, escapes and
 * all, as SQLite 3.40 does), [index] or [#-index] (from_end: counted
 * back from the array's length; [#] is [#-0], past the last element). */
typedef struct sl_vjstep {
    const char *key; /* NULL for an index */
    size_t keyn;
    uint32_t index;
    int from_end;
} sl_vjstep;

/* A constant JSON path: its text (heap, NUL-terminated) and its steps
 * (pointing into the text). */
typedef struct sl_vjpath {
    char *text;
    sl_vjstep *steps;
    size_t nsteps;
} sl_vjpath;

/* A hashed set of constant IN-list values (vec_set.c). */
typedef struct sl_vset sl_vset;

enum { VO_EQ, VO_NE, VO_LT, VO_LE, VO_GT, VO_GE, VO_IS, VO_ISNOT, VO_ADD, VO_SUB, VO_MUL, VO_DIV, VO_MOD };

enum {
    VF_LOWER, VF_UPPER, VF_LENGTH, VF_COALESCE, VF_NULLIF, VF_TRIM, VF_LTRIM, VF_RTRIM, VF_SUBSTR, VF_INSTR,
    VF_ABS, VF_SHA256, VF_NORMALIZE_EMAIL, VF_CHAR, VF_REPLACE, VF_GTM, VF_IS_VALID_EMAIL, VF_COUNTRY, VF_PHONE,
};

typedef struct sl_vnode {
    sl_vnode_kind kind;
    int op;            /* VN_CMP, VN_ARITH; VF_COUNTRY: 1 a currency function; VF_PHONE: which (vec.c) */
    int fn;            /* VN_FN */
    int negate;        /* VN_ISNULL, VN_IN, VN_BETWEEN, VN_LIKE */
    int has_base, has_else; /* VN_CASE */
    int col;           /* VN_COL */
    int numlit;        /* VN_LIT written as a number (for VN_NEG) */
    int truefalse;     /* VN_LIT written TRUE or FALSE */
    int ltype;         /* VN_LIT: SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_NULL */
    int64_t li;
    double lf;
    char *ls;          /* VN_LIT text, VN_LIKE pattern: heap, NUL-terminated */
    size_t lsn;
    unsigned esc;      /* VN_LIKE: the escape character, 0 for none */
    int aff;           /* VN_CAST: VA_* */
    int jtext;         /* VN_JSON: 1 for ->, the JSON text of the value; 0 its SQL value */
    sl_vjpath *paths;  /* VN_JSON: the paths (more than one: json_extract's array of values) */
    size_t npaths;
    int (*gtm)(const char *s, size_t n, sl_buf *out); /* VF_GTM: gtm.h's normaliser */
    sl_vset *set;      /* VN_IN: the list's values hashed when all are constants (else NULL) */
    struct sl_vnode **kids;
    size_t nkids;
    sl_vresult res;    /* this node's values (not used for the root) */
} sl_vnode;

struct sl_vexpr {
    char *text;
    sl_vnode *root;
    size_t ncols;
    sl_type *types;    /* the column types the plan was bound to */
    sl_buf fnbuf;      /* output of the gtm functions */
    sl_buf tmp;        /* NUL-terminated copies (LIKE) */
};

/* The unsigned decimal p[0..n) (digits, '.', an exponent) as SQLite's
 * sqlite3AtoF (3.40) computes it, when at most 15 significant digits (18
 * in all) and a decimal exponent within +-307: 0, else -1. */
int sl_vnum_decimal(const char *p, size_t n, double *out);

/* vec_json.c: compile the constant path text[0..n) of -> / ->> (abbrev:
 * SQLite's shorthands 'key', 'N', '[N]') or one of json_extract's, added
 * to nd->paths: 0, or -1 when SQLite could raise a path error for it
 * (the expression then goes to SQLite). */
int sl_vjson_compile(sl_vnode *nd, const char *text, size_t n, int abbrev);
void sl_vjson_free(sl_vnode *nd);
/* Row i of nd over the JSON text doc[0..n) into d: 0, or 1 when only
 * SQLite may answer (JSON our reader refuses: malformed, which is
 * SQLite's error too, or what only SQLite's reader accepts). One path:
 * the value (-> its JSON text); several (json_extract): a JSON array of
 * the values' JSON texts, null for a path that finds nothing. */
int sl_vjson_eval(const sl_vnode *nd, const char *doc, size_t n, sl_vresult *d, size_t i, sl_arena *ar);

/* vec_set.c: the set of nd's constant IN-list values (kids[1..]), or
 * NULL when one is not a constant or the list is short. */
sl_vset *sl_vset_build(const sl_vnode *nd);
/* Whether row i of a is in the set: 1 found, 0 not found, 2 not found
 * and the list holds a NULL (SQLite's NULL); a is not NULL there. */
int sl_vset_find(const sl_vset *s, const sl_vresult *a, size_t i);
void sl_vset_free(sl_vset *s);

/* Parse text against b's columns: the tree, or NULL (outside the set). */
sl_vnode *sl_vnode_parse(const char *text, const sl_batch *b);
void sl_vnode_free(sl_vnode *n);

#endif
