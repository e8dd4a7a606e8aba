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

#endif
