/* stub_compile.c: a stand-in for models/compile.c (h5) while it is not
 * there, included by test_graph.c only: sl_compile_parse finds ref('x'),
 * ref('p', 'x') and source('s', 't') by scanning, with their line and
 * column, and applies config(materialized='M', enabled=false). Removed
 * once compile.c lands. */
#include "models/compile.h"
#include "core/mem.h"
#include <string.h>

void sl_jinja_env_free(struct sl_jinja_env *env);
void sl_jinja_env_free(struct sl_jinja_env *env)
{
    (void)env;
}

int sl_compile_env_init(sl_graph *g, sl_diags *d)
{
    (void)g;
    (void)d;
    return 0;
}

static int quoted(const char **q, char **out)
{
    const char *s = *q;
    while (*s == ' ' || *s == ',')
        s++;
    if (*s != '\'' && *s != '"')
        return 0;
    char c = *s++;
    const char *e = strchr(s, c);
    if (!e)
        return 0;
    *out = sl_strndup(s, (size_t)(e - s));
    *q = e + 1;
    return 1;
}

int sl_compile_parse(sl_graph *g, size_t i, sl_compile_dep **deps, size_t *ndeps, sl_diags *d)
{
    sl_node *n = &g->nodes[i];
    *deps = NULL;
    *ndeps = 0;
    int line = n->raw_line, col = n->raw_col;
    for (const char *q = n->raw; *q; q++) {
        int is_ref = strncmp(q, "ref(", 4) == 0, is_src = strncmp(q, "source(", 7) == 0,
            is_cfg = strncmp(q, "config(", 7) == 0;
        if (is_ref || is_src) {
            const char *r = q + (is_ref ? 4 : 7);
            char *a = NULL, *b = NULL;
            if (quoted(&r, &a)) {
                quoted(&r, &b);
                *deps = sl_realloc(*deps, (*ndeps + 1) * sizeof **deps);
                sl_compile_dep *x = &(*deps)[(*ndeps)++];
                memset(x, 0, sizeof *x);
                x->line = line;
                x->col = col;
                if (is_ref) {
                    x->package = b ? a : NULL;
                    x->name = b ? b : a;
                } else {
                    x->source_name = a;
                    x->name = b ? b : sl_strdup("?");
                }
            }
        } else if (is_cfg) {
            const char *m = strstr(q, "materialized='");
            if (m) {
                m += 14;
                sl_free(n->config.materialized);
                n->config.materialized = sl_strndup(m, strcspn(m, "'"));
            }
            if (strstr(q, "enabled=false"))
                n->config.enabled = 0;
        }
        if (*q == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    (void)d;
    return 0;
}

void sl_compile_deps_free(sl_compile_dep *deps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sl_free(deps[i].package);
        sl_free(deps[i].name);
        sl_free(deps[i].source_name);
    }
    sl_free(deps);
}
