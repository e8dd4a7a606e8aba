/*
 * shape.h: is a configured SQL text one expression? A lexical check made
 * before SQLite sees it, so that `SELECT (text) FROM <batch>` can only
 * ever be that SELECT: every parenthesis the text closes it opened, it
 * ends with all of them closed, it holds no ';', it does not begin with a
 * statement's word (ATTACH, CREATE, VACUUM, ...), and its strings, quoted
 * names and comments end. (SQLite's grammar then accepts an expression
 * and nothing else inside the parentheses.)
 */
#ifndef SL_EXPR_SHAPE_H
#define SL_EXPR_SHAPE_H
#include <stddef.h>

/* 0 if text has the shape of one expression; else -1 with msg (at most
 * len bytes, NUL-terminated) naming the problem and its character
 * position (1-based, bytes). */
int sl_expr_shape_check(const char *text, char *msg, size_t len);

#endif
