/*
 * vec_node.h: the parsed form of a native expression (vec.h), private to
 * vec_parse.c (which builds it) and vec.c (which evaluates it).
 */
#ifndef SL_EXPR_VEC_NODE_H
#define SL_EXPR_VEC_NODE_H
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
} sl_vnode_kind;

enum { VO_EQ, VO_NE, VO_LT, VO_LE, VO_GT, VO_GE, VO_IS, VO_ISNOT, VO_ADD, VO_SUB, VO_MUL, VO_DIV, VO_MOD };

enum {
    VF_LOWER, VF_UPPER, VF_LENGTH, VF_COALESCE, VF_NULLIF, VF_TRIM, VF_LTRIM, VF_RTRIM, VF_SUBSTR, VF_INSTR,
    VF_ABS, VF_SHA256, VF_NORMALIZE_EMAIL, VF_CHAR,
};

typedef struct sl_vnode {
    sl_vnode_kind kind;
    int op;            /* VN_CMP, VN_ARITH */
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

/* Parse text against b's columns: the tree, or NULL (outside the set). */
sl_vnode *sl_vnode_parse(const char *text, const sl_batch *b);
void sl_vnode_free(sl_vnode *n);

#endif
