/*
 * mtype.c: see mtype.h. The registry of model types, the helpers their
 * parse and build callbacks share (diagnostics, relations, output tables),
 * and sl_mtype_run, the one transaction around a build. The graph side
 * (a .yml file with `type:` becoming a node) is mtype_load.c.
 */
#include "models/mtype.h"
#include "config/yaml.h"
#include "core/mem.h"
#include "core/sqlident.h"
#include "models/graph.h"
#include "models/graph_int.h"
#include "models/materialize_impl.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

extern const sl_mtype sl_mtype_identity, sl_mtype_attribution, sl_mtype_score, sl_mtype_lifecycle;
static const sl_mtype *const types[] = {&sl_mtype_identity, &sl_mtype_attribution, &sl_mtype_score,
                                        &sl_mtype_lifecycle, NULL};

const sl_mtype *sl_mtype_find(const char *name)
{
    for (size_t i = 0; name && types[i]; i++)
        if (strcmp(types[i]->name, name) == 0)
            return types[i];
    return NULL;
}

const sl_mtype *const *sl_mtype_all(void)
{
    return types;
}

const char *sl_mtype_names(void)
{
    return "identity, attribution, score, lifecycle";
}

/* ---- parse helpers ---- */

int sl_mtype_common_key(const char *key)
{
    static const char *const common[] = {"type", "name", "description", "config", NULL};
    for (size_t i = 0; common[i]; i++)
        if (strcmp(common[i], key) == 0)
            return 1;
    return 0;
}

void sl_mtype_unknown_key(const sl_mtype_parse *p, struct fy_node *key, const char *k, const char *const *known)
{
    size_t n = 0;
    while (known && known[n])
        n++;
    const char *s = sl_suggest(k, known, n);
    const sl_node *self = &p->L->g->nodes[p->node];
    const char *t = self->config.materialized ? self->config.materialized : "typed";
    int vowel = strchr("aeiou", t[0]) != NULL;
    sl_diags_add(p->d, sl_yaml_loc(key, p->file), "unknown key '%s' in %s %s model%s%s%s", k, vowel ? "an" : "a",
                 t, s ? "; did you mean '" : "", s ? s : "", s ? "'?" : "");
}

const char *sl_mtype_scalar(struct fy_node *n)
{
    if (!n || !fy_node_is_scalar(n))
        return NULL;
    return fy_node_get_scalar0(n);
}

/* ---- build helpers ---- */

int sl_mtype_relation(const sl_mtype_build *b, const char *name, sl_relation *out, sl_error *err)
{
    int64_t i = sl_graph_find(b->g, name);
    if (i < 0)
        return sl_error_set(err, SL_ECONFIG, "model %s: no model, seed, snapshot or pipeline called '%s'",
                            b->n->name, name);
    const sl_node *x = &b->g->nodes[i];
    if (!x->identifier)
        return sl_error_set(err, SL_ECONFIG, "model %s: '%s' has no table in the warehouse", b->n->name, name);
    out->schema = x->schema;
    out->identifier = x->identifier;
    return 0;
}

sl_relation sl_mtype_self(const sl_mtype_build *b)
{
    return sl_mat_relation(b->n);
}

void sl_mtype_relation_sql(const sl_mtype_build *b, sl_relation r, sl_buf *out)
{
    sl_adapter_relation_sql(b->a, r, out);
}

int sl_mtype_exists(const sl_mtype_build *b, sl_relation r, int *exists, sl_error *err)
{
    int view = 0;
    if (sl_adapter_exists(b->a, r, exists, &view, err) < 0)
        return -1;
    if (*exists && view)
        *exists = 0;
    return 0;
}

#define TABLE_CHUNK 1000

struct sl_mtype_table {
    sl_adapter *a;
    sl_relation target;
    char *schema, *identifier, *work;
    char **names;
    size_t ncols;
    /* buffered rows: cells row-major, owned */
    char **cells;
    size_t nrows;
    int64_t written;
};

static const char *coltype_sql(int pg, sl_mtype_coltype t)
{
    switch (t) {
    case SL_MT_TEXT:
        return "TEXT";
    case SL_MT_INTEGER:
        return pg ? "BIGINT" : "INTEGER";
    case SL_MT_REAL:
        return pg ? "DOUBLE PRECISION" : "REAL";
    case SL_MT_TIMESTAMP:
        return pg ? "TIMESTAMP" : "TEXT";
    case SL_MT_BOOLEAN:
        return pg ? "BOOLEAN" : "INTEGER";
    }
    return "TEXT";
}

int sl_mtype_table_open(const sl_mtype_build *b, sl_relation r, const sl_mtype_col *cols, size_t ncols,
                        sl_mtype_table **out, sl_error *err)
{
    sl_mtype_table *t = sl_calloc(1, sizeof *t);
    t->a = b->a;
    t->schema = r.schema ? sl_strdup(r.schema) : NULL;
    t->identifier = sl_strdup(r.identifier);
    t->target.schema = t->schema;
    t->target.identifier = t->identifier;
    t->work = sl_mat_work_name(b->a, r.identifier, "__sluice_tmp");
    t->ncols = ncols;
    t->names = sl_calloc(ncols + 1, sizeof *t->names);
    for (size_t i = 0; i < ncols; i++)
        t->names[i] = sl_strdup(cols[i].name);
    t->cells = sl_calloc(TABLE_CHUNK * ncols + 1, sizeof *t->cells);
    *out = t;
    if (sl_adapter_ensure_schema(b->a, r.schema, err) < 0)
        return -1;
    sl_relation w = sl_mtype_table_staged(t);
    if (sl_mat_drop(b->a, w, err) < 0)
        return -1;
    int pg = sl_adapter_is_pg(b->a);
    sl_buf sql;
    sl_buf_init(&sql);
    sl_buf_adds(&sql, "CREATE TABLE ");
    sl_adapter_relation_sql(b->a, w, &sql);
    sl_buf_adds(&sql, " (");
    for (size_t i = 0; i < ncols; i++) {
        if (i)
            sl_buf_adds(&sql, ", ");
        sl_sql_ident(&sql, cols[i].name);
        sl_buf_addf(&sql, " %s", coltype_sql(pg, cols[i].type));
    }
    sl_buf_adds(&sql, ")");
    int rc = sl_adapter_exec(b->a, sql.data, err);
    sl_buf_release(&sql);
    return rc;
}

static void drop_rows(sl_mtype_table *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        sl_free(t->cells[i]);
    t->nrows = 0;
}

static int flush_rows(sl_mtype_table *t, sl_error *err)
{
    if (!t->nrows)
        return 0;
    int rc = sl_adapter_insert(t->a, sl_mtype_table_staged(t), t->ncols, (const char *const *)t->names, t->nrows,
                               (const char *const *)t->cells, err);
    if (rc == 0)
        t->written += (int64_t)t->nrows;
    drop_rows(t);
    return rc;
}

int sl_mtype_table_row(sl_mtype_table *t, const char *const *cells, sl_error *err)
{
    char **dst = t->cells + t->nrows * t->ncols;
    for (size_t i = 0; i < t->ncols; i++)
        dst[i] = cells[i] ? sl_strdup(cells[i]) : NULL;
    if (++t->nrows == TABLE_CHUNK)
        return flush_rows(t, err);
    return 0;
}

int sl_mtype_table_flush(sl_mtype_table *t, sl_error *err)
{
    return flush_rows(t, err);
}

sl_relation sl_mtype_table_staged(const sl_mtype_table *t)
{
    sl_relation w = {t->schema, t->work};
    return w;
}

int sl_mtype_table_publish(sl_mtype_table *t, int64_t *rows, sl_error *err)
{
    int rc = flush_rows(t, err);
    if (rc == 0)
        rc = sl_mat_swap(t->a, t->target, t->work, err);
    if (rc == 0 && rows)
        *rows = t->written;
    sl_mtype_table_free(t);
    return rc;
}

void sl_mtype_table_free(sl_mtype_table *t)
{
    if (!t)
        return;
    drop_rows(t);
    for (size_t i = 0; i < t->ncols; i++)
        sl_free(t->names[i]);
    sl_free(t->names);
    sl_free(t->cells);
    sl_free(t->schema);
    sl_free(t->identifier);
    sl_free(t->work);
    sl_free(t);
}

/* ---- the build ---- */

int sl_mtype_run(sl_adapter *a, const sl_graph *g, size_t i, int full_refresh, const sl_mat_audit *audit,
                 sl_mat_result *res, sl_error *err)
{
    const sl_node *n = &g->nodes[i];
    res->rows_affected = -1;
    res->message[0] = 0;
    if (!n->mtype) {
        /* an extra output: its owner wrote it */
        snprintf(res->message, sizeof res->message, "BUILT BY %s", n->mtype_owner ? n->mtype_owner : "?");
        return 0;
    }
    char started[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(started, sizeof started, "%Y-%m-%d %H:%M:%S", &tm);
    sl_mtype_build b = {a, g, n, n->mtype_spec, full_refresh, started, audit};
    sl_relation self = sl_mat_relation(n);
    if (sl_adapter_ensure_schema(a, self.schema, err) < 0 || sl_adapter_begin(a, err) < 0) {
        sl_error_prefix(err, "model %s", n->name);
        return -1;
    }
    int rc = sl_mat_hooks(a, &n->config.pre_hook, "pre_hook", err);
    if (rc == 0)
        rc = n->mtype->build(&b, res, err);
    if (rc == 0)
        rc = sl_mat_hooks(a, &n->config.post_hook, "post_hook", err);
    if (rc == 0)
        rc = sl_adapter_commit(a, err);
    if (rc < 0) {
        sl_adapter_rollback(a);
        sl_error_prefix(err, "model %s", n->name);
    }
    return rc;
}
