/*
 * columns.h: helpers shared by transforms that work on named columns.
 */
#ifndef SL_TCOLUMNS_H
#define SL_TCOLUMNS_H
#include "core/batch.h"
#include "core/error.h"
#include "engine/component.h"

/* Index of a column that must exist; error naming the transform otherwise. */
int sl_transform_column(const sl_instance *in, const sl_batch *b, const char *name, sl_error *err);

/* A column other than `except` whose name equals name without ASCII case
 * (SQLite folds case in identifiers: `Email` and `email` would land on one
 * column; core/names.h), or -1. */
int sl_transform_name_clash(const sl_batch *b, const char *name, int except);

#endif
