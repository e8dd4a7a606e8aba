/* dag.c: see dag.h. Projects hold tens of pipelines, so the graph is
 * walked over the name lists directly (quadratic, no index). */
#include "sched/dag.h"
#include "core/mem.h"
#include "sched/schedule.h"
#include <string.h>

int sl_dag_index(const sl_project *p, const char *name)
{
    for (size_t i = 0; i < p->npipelines; i++)
        if (strcmp(p->pipelines[i]->name, name) == 0)
            return (int)i;
    return -1;
}

static const sl_strlist *ups(const sl_project *p, size_t i)
{
    static const sl_strlist none = {0};
    return p->pipelines[i]->schedule ? &p->pipelines[i]->schedule->after : &none;
}

/* Depth-first search; colour 1 = on the stack. Reports the cycle closed by
 * the edge into `i`, once per cycle (at its smallest member). */
static void visit(const sl_project *p, size_t i, int *colour, size_t *stack, size_t depth, sl_diags *d, int *found)
{
    colour[i] = 1;
    stack[depth] = i;
    const sl_strlist *u = ups(p, i);
    for (size_t k = 0; k < u->n; k++) {
        int j = sl_dag_index(p, u->v[k]);
        if (j < 0)
            continue;
        if (colour[j] == 1) {
            size_t from = depth;
            while (stack[from] != (size_t)j)
                from--;
            sl_buf b;
            sl_buf_init(&b);
            /* print in run order: upstream first */
            for (size_t s = depth + 1; s-- > from;)
                sl_buf_addf(&b, "%s -> ", p->pipelines[stack[s]]->name);
            sl_buf_adds(&b, p->pipelines[i]->name);
            sl_diags_add(d, u->loc, "dependency cycle: %s (after: may not lead back to the pipeline)", b.data);
            sl_buf_release(&b);
            (*found)++;
        } else if (colour[j] == 0) {
            visit(p, (size_t)j, colour, stack, depth + 1, d, found);
        }
    }
    colour[i] = 2;
}

int sl_dag_check(const sl_project *p, sl_diags *d)
{
    int found = 0;
    const char **names = sl_calloc(p->npipelines + 1, sizeof *names);
    for (size_t i = 0; i < p->npipelines; i++)
        names[i] = p->pipelines[i]->name;
    for (size_t i = 0; i < p->npipelines; i++) {
        const sl_strlist *u = ups(p, i);
        for (size_t k = 0; k < u->n; k++) {
            if (sl_dag_index(p, u->v[k]) >= 0 || sl_project_has_node_file(p, u->v[k]))
                continue; /* a pipeline, or a model/seed (checked by models/graph.c) */
            const char *sug = sl_suggest(u->v[k], names, p->npipelines);
            if (sug)
                sl_diags_add(d, u->loc, "after: no pipeline called '%s'; did you mean '%s'?", u->v[k], sug);
            else
                sl_diags_add(d, u->loc, "after: no pipeline called '%s'", u->v[k]);
            found++;
        }
    }
    sl_free(names);
    int *colour = sl_calloc(p->npipelines + 1, sizeof *colour);
    size_t *stack = sl_calloc(p->npipelines + 1, sizeof *stack);
    for (size_t i = 0; i < p->npipelines; i++)
        if (!colour[i])
            visit(p, i, colour, stack, 0, d, &found);
    sl_free(colour);
    sl_free(stack);
    return found;
}

int sl_dag_order(const sl_project *p, size_t *order)
{
    size_t n = p->npipelines, done = 0;
    int *placed = sl_calloc(n + 1, sizeof *placed);
    while (done < n) {
        size_t before = done;
        for (size_t i = 0; i < n; i++) { /* pipelines are sorted by name */
            if (placed[i])
                continue;
            int ready = 1;
            const sl_strlist *u = ups(p, i);
            for (size_t k = 0; k < u->n && ready; k++) {
                int j = sl_dag_index(p, u->v[k]);
                ready = j < 0 || placed[j];
            }
            if (ready) {
                placed[i] = 1;
                order[done++] = i;
                break; /* restart: the smallest ready name goes next */
            }
        }
        if (done == before) {
            sl_free(placed);
            return -1;
        }
    }
    sl_free(placed);
    return 0;
}

void sl_dag_expand(const sl_project *p, int *sel, int upstream, int downstream)
{
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t i = 0; i < p->npipelines; i++) {
            const sl_strlist *u = ups(p, i);
            for (size_t k = 0; k < u->n; k++) {
                int j = sl_dag_index(p, u->v[k]);
                if (j < 0)
                    continue;
                if (upstream && sel[i] && !sel[j])
                    sel[j] = changed = 1;
                if (downstream && sel[j] && !sel[i])
                    sel[i] = changed = 1;
            }
        }
    }
}
