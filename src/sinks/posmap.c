/* posmap.c: see posmap.h. Linear: a run has few inputs per sink. */
#include "sinks/posmap.h"
#include "core/mem.h"
#include <string.h>

void sl_posmap_put(sl_posmap *m, const char *key, int64_t offset, int64_t line)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->keys[i], key) == 0) {
            m->pos[i] = (sl_resume){offset, line};
            return;
        }
    if (m->n == m->cap) {
        SL_GROW(m->keys, m->cap, m->n + 1);
        m->pos = sl_realloc(m->pos, m->cap * sizeof *m->pos);
    }
    m->keys[m->n] = sl_strdup(key);
    m->pos[m->n++] = (sl_resume){offset, line};
}

int sl_posmap_get(const sl_posmap *m, const char *key, sl_resume *out)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->keys[i], key) == 0) {
            *out = m->pos[i];
            return 1;
        }
    return 0;
}

void sl_posmap_release(sl_posmap *m)
{
    for (size_t i = 0; i < m->n; i++)
        sl_free(m->keys[i]);
    sl_free(m->keys);
    sl_free(m->pos);
    memset(m, 0, sizeof *m);
}
