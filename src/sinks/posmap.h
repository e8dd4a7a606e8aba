/*
 * posmap.h: a sink's committed positions (input key -> offset, line),
 * loaded once when the sink opens and read-only afterwards, so the engine
 * may consult it from any thread.
 */
#ifndef SL_POSMAP_H
#define SL_POSMAP_H
#include "engine/component.h"

typedef struct sl_posmap {
    char **keys;
    sl_resume *pos;
    size_t n, cap;
} sl_posmap;

void sl_posmap_put(sl_posmap *m, const char *key, int64_t offset, int64_t line);
int sl_posmap_get(const sl_posmap *m, const char *key, sl_resume *out);
void sl_posmap_release(sl_posmap *m);

#endif
