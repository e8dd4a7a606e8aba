/*
 * vec_lex.h: the tokenizer of the native expression parser (vec_parse.c):
 * SQLite's tokens (tokenize.c) for the part of its grammar the native path
 * evaluates: names (bare, "quoted", [bracketed], `backticked`), string
 * literals, integer and real literals converted as SQLite converts them,
 * operators. Internal to src/expr.
 */
#ifndef SL_VEC_LEX_H
#define SL_VEC_LEX_H
#include "core/batch.h"
#include <stddef.h>
#include <stdint.h>

enum { SL_VTK_END, SL_VTK_ID, SL_VTK_QID, SL_VTK_STR, SL_VTK_INT, SL_VTK_REAL, SL_VTK_OP };

/* The tokenizer's state, which the parser also reads: the current token
 * and the batch whose columns names resolve to (p->b). */
typedef struct sl_vlex {
    const char *s;
    size_t pos;
    /* the current token */
    int tk;
    const char *tp;
    size_t tn;
    char *text;   /* SL_VTK_QID, SL_VTK_STR: the unquoted text (heap) */
    size_t textn;
    int64_t iv;
    double rv;
    int fail;
    const sl_batch *b;
} sl_vlex;

/* Read the next token into p (p->fail and SL_VTK_END on a character the
 * native grammar does not know). */
void sl_vlex_next(sl_vlex *p);
/* 1 when the current token is operator op / keyword kw (ASCII case ignored). */
int sl_vlex_is_op(const sl_vlex *p, const char *op);
int sl_vlex_is_kw(const sl_vlex *p, const char *kw);

#endif
