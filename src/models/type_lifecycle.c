/*
 * type_lifecycle.c: `type: lifecycle` models (docs/gtm/lifecycle.md):
 * ordered stages with SQL conditions evaluated in the warehouse in one
 * SELECT over the entities; an entity's stage is the last whose condition
 * holds (never_regress: never earlier than its previous stage, read from
 * the model's previous build). Outputs: the model's relation (the current
 * stage, when it was entered, the stage before) and the history relation
 * (a row per stage entered, with entered_at/exited_at), carried over from
 * the previous build like a snapshot.
 */
#include "config/yaml.h"
#include "core/mem.h"
#include "core/sqlident.h"
#include "models/gtm_spec.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct lc_stage {
    char *name, *when;
} lc_stage;

typedef struct lc_spec {
    sl_gtms_input ent;
    lc_stage *stages;
    size_t nstages;
    int never_regress;
    char *history;   /* the history relation's name */
    char *as_of;     /* NULL: the build's start */
} lc_spec;

static const char *const root_keys[] = {"entities", "stages", "never_regress", "history", "as_of",
                                        "type", "name", "description", "config", NULL};
static const char *const stage_keys[] = {"name", "when", NULL};
static const char *const reserved[] = {"stage", "stage_index", "stage_entered_at", "previous_stage",
                                       "entered_at", "exited_at", NULL};

static void lc_free(void *v)
{
    lc_spec *s = v;
    if (!s)
        return;
    sl_gtms_input_free(&s->ent);
    for (size_t i = 0; i < s->nstages; i++) {
        sl_free(s->stages[i].name);
        sl_free(s->stages[i].when);
    }
    sl_free(s->stages);
    sl_free(s->history);
    sl_free(s->as_of);
    sl_free(s);
}

static void parse_stage(const sl_mtype_parse *p, struct fy_node *m, lc_spec *s)
{
    if (!fy_node_is_mapping(m)) {
        sl_diags_add(p->d, sl_yaml_loc(m, p->file), "stages: each stage must be a mapping {name: N, when: SQL}");
        return;
    }
    lc_stage st = {0};
    struct fy_node *nn = NULL;
    size_t before = p->d->n;
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(m, &it)) != NULL) {
        struct fy_node *kn = fy_node_pair_key(pr), *vn = fy_node_pair_value(pr);
        const char *k = sl_mtype_scalar(kn), *v = sl_mtype_scalar(vn);
        if (k && strcmp(k, "name") == 0 && v && *v) {
            nn = vn;
            sl_free(st.name);
            st.name = sl_strdup(v);
        } else if (k && strcmp(k, "when") == 0 && v && *v) {
            sl_free(st.when);
            st.when = sl_strdup(v);
        } else if (k && (strcmp(k, "name") == 0 || strcmp(k, "when") == 0)) {
            sl_diags_add(p->d, sl_yaml_loc(vn, p->file), "%s: must be a non-empty string", k);
        } else {
            sl_mtype_unknown_key(p, kn, k ? k : "?", stage_keys);
        }
    }
    if ((!st.name || !st.when) && p->d->n == before)
        sl_diags_add(p->d, sl_yaml_loc(m, p->file), "a stage needs %s", !st.name ? "name:" : "when: (a SQL condition)");
    for (size_t i = 0; st.name && i < s->nstages; i++)
        if (strcmp(s->stages[i].name, st.name) == 0)
            sl_diags_add(p->d, sl_yaml_loc(nn, p->file), "two stages are called '%s'", st.name);
    s->stages[s->nstages++] = st;
}

static void *lc_parse(const sl_mtype_parse *p, struct fy_node *root)
{
    lc_spec *s = sl_calloc(1, sizeof *s);
    s->never_regress = 1;
    size_t before = p->d->n;
    struct fy_node *ent = NULL, *stages = NULL, *hist = NULL;
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(root, &it)) != NULL) {
        struct fy_node *kn = fy_node_pair_key(pr), *vn = fy_node_pair_value(pr);
        const char *k = sl_mtype_scalar(kn);
        if (k && sl_mtype_common_key(k))
            continue;
        if (!k) {
            sl_mtype_unknown_key(p, kn, "?", root_keys);
        } else if (strcmp(k, "entities") == 0) {
            ent = vn;
            sl_gtms_input_parse(p, vn, "entities", NULL, NULL, &s->ent);
        } else if (strcmp(k, "stages") == 0) {
            stages = vn;
            if (!fy_node_is_sequence(vn) || fy_node_sequence_item_count(vn) == 0) {
                sl_diags_add(p->d, sl_yaml_loc(vn, p->file), "stages: must be a list of at least one stage");
                continue;
            }
            s->stages = sl_calloc((size_t)fy_node_sequence_item_count(vn), sizeof *s->stages);
            void *it2 = NULL;
            struct fy_node *e;
            while ((e = fy_node_sequence_iterate(vn, &it2)) != NULL)
                parse_stage(p, e, s);
        } else if (strcmp(k, "never_regress") == 0) {
            const char *v = sl_mtype_scalar(vn);
            if (v && (strcmp(v, "true") == 0 || strcmp(v, "false") == 0))
                s->never_regress = strcmp(v, "true") == 0;
            else
                sl_diags_add(p->d, sl_yaml_loc(vn, p->file), "never_regress: must be true or false");
        } else if (strcmp(k, "history") == 0) {
            hist = vn;
            const char *v = sl_mtype_scalar(vn);
            if (!v || !*v)
                sl_diags_add(p->d, sl_yaml_loc(vn, p->file), "history: must be a relation name");
            else
                s->history = sl_strdup(v);
        } else if (strcmp(k, "as_of") == 0) {
            sl_gtms_timestamp(p, vn, "as_of", &s->as_of);
        } else {
            sl_mtype_unknown_key(p, kn, k, root_keys);
        }
    }
    struct fy_node *tn = fy_node_mapping_lookup_by_string(root, "type", -1);
    if (!ent)
        sl_diags_add(p->d, sl_yaml_loc(tn, p->file), "a lifecycle model needs entities: {from: NAME, key: COLUMN}");
    if (!stages)
        sl_diags_add(p->d, sl_yaml_loc(tn, p->file), "a lifecycle model needs stages: (an ordered list)");
    for (size_t i = 0; s->ent.key && reserved[i]; i++)
        if (strcmp(reserved[i], s->ent.key) == 0)
            sl_diags_add(p->d, sl_yaml_loc(ent, p->file),
                         "entities.key '%s' is the name of an output column: use a SQL model that renames it",
                         s->ent.key);
    if (!s->history) {
        size_t n = strlen(p->name) + 9;
        s->history = sl_calloc(1, n);
        snprintf(s->history, n, "%s_history", p->name);
    }
    if (p->d->n == before)
        sl_mtype_output(p, s->history, hist ? hist : tn);
    if (p->d->n != before) {
        lc_free(s);
        return NULL;
    }
    return s;
}

/* ---- build ---- */

typedef struct lc_ent {
    int now;              /* stage index the conditions give, 1-based; 0: none */
    int prev;             /* stage of the previous build (1-based; 0: none or unknown) */
    char *prev_name;      /* its name as stored (a stage since removed keeps its name) */
    char *entered, *previous;  /* previous build's stage_entered_at, previous_stage */
} lc_ent;

typedef struct lc_run {
    const sl_mtype_build *b;
    lc_spec *s;
    sl_gtms_keys keys;
    lc_ent *e;
    size_t cap;
    char *dup;
} lc_run;

static int stage_index(const lc_spec *s, const char *name)
{
    for (size_t i = 0; name && i < s->nstages; i++)
        if (strcmp(s->stages[i].name, name) == 0)
            return (int)i + 1;
    return 0;
}

static int on_entity(void *ctx, size_t ncols, const char *const *names, const char *const *cells)
{
    (void)names;
    lc_run *R = ctx;
    if (!cells[0])
        return 0;
    long k = sl_gtms_keys_add(&R->keys, cells[0]);
    if (k < 0) {
        R->dup = sl_strdup(cells[0]);
        return 1;
    }
    if (R->keys.n > R->cap) {
        R->cap = R->cap ? R->cap * 2 : 256;
        R->e = sl_realloc(R->e, R->cap * sizeof *R->e);
    }
    lc_ent *e = &R->e[k];
    memset(e, 0, sizeof *e);
    for (size_t i = 1; i < ncols; i++)
        if (cells[i] && strtod(cells[i], NULL) != 0)
            e->now = (int)i;
    return 0;
}

static char *norm_time(const char *s)
{
    int64_t t;
    if (!s || sl_gtms_time_parse(s, &t) < 0)
        return s ? sl_strdup(s) : NULL;
    char buf[32];
    sl_gtms_time_format(t, buf, sizeof buf);
    return sl_strdup(buf);
}

static int on_prev(void *ctx, size_t ncols, const char *const *names, const char *const *cells)
{
    (void)names;
    (void)ncols;
    lc_run *R = ctx;
    long k = cells[0] ? sl_gtms_keys_find(&R->keys, cells[0]) : -1;
    if (k < 0 || !cells[1])
        return 0;
    lc_ent *e = &R->e[k];
    e->prev = stage_index(R->s, cells[1]);
    e->prev_name = sl_strdup(cells[1]);
    e->entered = norm_time(cells[2]);
    e->previous = cells[3] ? sl_strdup(cells[3]) : NULL;
    return 0;
}

static int query_cols(lc_run *R, sl_relation rel, const char *const *cols, const char *tail,
                      int (*fn)(void *, size_t, const char *const *, const char *const *), void *ctx, sl_error *err)
{
    sl_buf sql;
    sl_buf_init(&sql);
    sl_buf_adds(&sql, "SELECT ");
    for (size_t i = 0; cols[i]; i++) {
        if (i)
            sl_buf_adds(&sql, ", ");
        sl_gtms_text_sql(&sql, cols[i]);
    }
    sl_buf_adds(&sql, " FROM ");
    sl_mtype_relation_sql(R->b, rel, &sql);
    if (tail)
        sl_buf_adds(&sql, tail);
    int rc = sl_adapter_query(R->b->a, sql.data, 0, fn, ctx, err);
    sl_buf_release(&sql);
    return rc;
}

/* Whether r is a table with every one of cols (state of a previous build). */
static int has_table(lc_run *R, sl_relation r, const char *const *cols, int *yes, sl_error *err)
{
    *yes = 0;
    int exists = 0;
    if (sl_mtype_exists(R->b, r, &exists, err) < 0)
        return -1;
    if (!exists)
        return 0;
    sl_adapter_column *c = NULL;
    size_t n = 0;
    if (sl_adapter_columns(R->b->a, r, &c, &n, err) < 0)
        return -1;
    int all = 1;
    for (size_t j = 0; cols[j]; j++) {
        int found = 0;
        for (size_t i = 0; i < n; i++)
            found |= strcmp(c[i].name, cols[j]) == 0;
        all &= found;
    }
    sl_adapter_columns_free(c, n);
    *yes = all;
    return 0;
}

static int noop_row(void *ctx, size_t ncols, const char *const *names, const char *const *cells)
{
    (void)ctx;
    (void)ncols;
    (void)names;
    (void)cells;
    return 0;
}

static int read_entities(lc_run *R, sl_relation rel, sl_error *err)
{
    /* each condition alone first, so one the warehouse refuses is named by its stage */
    for (size_t i = 0; i < R->s->nstages; i++) {
        sl_buf sql;
        sl_buf_init(&sql);
        sl_buf_adds(&sql, "SELECT ");
        sl_gtms_case_sql(&sql, R->s->stages[i].when);
        sl_buf_adds(&sql, " FROM ");
        sl_mtype_relation_sql(R->b, rel, &sql);
        sl_buf_adds(&sql, " LIMIT 0");
        int rc = sl_adapter_query(R->b->a, sql.data, 1, noop_row, NULL, err);
        sl_buf_release(&sql);
        if (rc < 0)
            return sl_error_prefix(err, "model %s: stage %s", R->b->n->name, R->s->stages[i].name);
    }
    sl_buf sql;
    sl_buf_init(&sql);
    sl_buf_adds(&sql, "SELECT ");
    sl_gtms_text_sql(&sql, R->s->ent.key);
    for (size_t i = 0; i < R->s->nstages; i++) {
        sl_buf_adds(&sql, ", ");
        sl_gtms_case_sql(&sql, R->s->stages[i].when);
    }
    sl_buf_adds(&sql, " FROM ");
    sl_mtype_relation_sql(R->b, rel, &sql);
    int rc = sl_adapter_query(R->b->a, sql.data, 0, on_entity, R, err);
    sl_buf_release(&sql);
    if (rc < 0)
        return sl_error_prefix(err, "model %s", R->b->n->name);
    if (R->dup)
        return sl_error_set(err, SL_EDATA, "model %s: input '%s' has %s = '%s' twice (entities must be unique)",
                            R->b->n->name, R->s->ent.from, R->s->ent.key, R->dup);
    return 0;
}

static int publish(const sl_mtype_build *b, sl_mtype_table *t, int audit, int64_t *rows, sl_error *err)
{
    int rc = 0;
    if (audit && b->audit && b->audit->fn)
        rc = b->audit->fn(b->audit->ctx, b->a, sl_mtype_table_staged(t), err);
    if (rc == 0)
        return sl_mtype_table_publish(t, rows, err);
    sl_mtype_table_free(t);
    return rc;
}

/* The previous history into the work table w, in the warehouse (one
 * INSERT ... SELECT: no row passes through memory), then its open rows
 * whose stage is no longer the entity's stage in the model's new relation
 * self closed at as_of. An entity gone from the input keeps its rows. */
static int carry_history(const sl_mtype_build *b, const lc_spec *s, sl_relation old, sl_relation w,
                         sl_relation self, const char *as_of, int64_t *carried, sl_error *err)
{
    static const char *const rest[] = {"stage", "stage_index", "entered_at", "exited_at", NULL};
    sl_buf cols, sql;
    sl_buf_init(&cols);
    sl_buf_init(&sql);
    sl_sql_ident(&cols, s->ent.key);
    for (size_t i = 0; rest[i]; i++) {
        sl_buf_adds(&cols, ", ");
        sl_sql_ident(&cols, rest[i]);
    }
    sl_buf_adds(&sql, "INSERT INTO ");
    sl_mtype_relation_sql(b, w, &sql);
    sl_buf_addf(&sql, " (%s) SELECT %s FROM ", cols.data, cols.data);
    sl_mtype_relation_sql(b, old, &sql);
    int rc = sl_adapter_exec_count(b->a, sql.data, carried, err);
    if (rc == 0) {
        sl_buf_reset(&sql);
        sl_buf_adds(&sql, "UPDATE ");
        sl_mtype_relation_sql(b, w, &sql);
        sl_buf_adds(&sql, " SET exited_at = ");
        sl_sql_literal(&sql, as_of);
        sl_buf_adds(&sql, " WHERE exited_at IS NULL AND EXISTS (SELECT 1 FROM ");
        sl_mtype_relation_sql(b, self, &sql);
        sl_buf_adds(&sql, " sluice_now WHERE sluice_now.");
        sl_sql_ident(&sql, s->ent.key);
        sl_buf_adds(&sql, " = ");
        sl_sql_ident(&sql, w.identifier);
        sl_buf_adds(&sql, ".");
        sl_sql_ident(&sql, s->ent.key);
        sl_buf_adds(&sql, " AND (sluice_now.stage IS NULL OR sluice_now.stage <> ");
        sl_sql_ident(&sql, w.identifier);
        sl_buf_adds(&sql, ".stage))");
        rc = sl_adapter_exec(b->a, sql.data, err);
    }
    sl_buf_release(&cols);
    sl_buf_release(&sql);
    if (rc < 0)
        sl_error_prefix(err, "model %s: carrying its history over", b->n->name);
    return rc;
}

static int lc_build(const sl_mtype_build *b, sl_mat_result *res, sl_error *err)
{
    lc_spec *s = b->spec;
    lc_run R = {0};
    R.b = b;
    R.s = s;
    sl_gtms_keys_init(&R.keys);
    int hist_exists = 0;
    const char *as_of = s->as_of ? s->as_of : b->run_started_at;
    sl_relation rel, self = sl_mtype_self(b), hist;
    int key_integer = 0;
    const char *kc[] = {s->ent.key, NULL};
    int rc = sl_gtms_input_check(b, s->ent.from, kc, &rel, &key_integer, err);
    if (rc == 0)
        rc = sl_mtype_relation(b, s->history, &hist, err);
    if (rc == 0)
        rc = read_entities(&R, rel, err);
    int yes = 0;
    if (rc == 0 && !b->full_refresh) {
        const char *sc[] = {s->ent.key, "stage", "stage_entered_at", "previous_stage", NULL};
        rc = has_table(&R, self, sc, &yes, err);
        if (rc == 0 && yes)
            rc = query_cols(&R, self, sc, NULL, on_prev, &R, err);
        const char *hc[] = {s->ent.key, "stage", "stage_index", "entered_at", "exited_at", NULL};
        if (rc == 0)
            rc = has_table(&R, hist, hc, &hist_exists, err);
        if (rc < 0)
            sl_error_prefix(err, "model %s: reading its previous build", b->n->name);
    }
    /* the new stages */
    int64_t moved = 0;
    int *changed = sl_calloc(R.keys.n + 1, sizeof *changed);
    for (size_t k = 0; rc == 0 && k < R.keys.n; k++) {
        lc_ent *e = &R.e[k];
        if (s->never_regress && e->prev > e->now)
            e->now = e->prev;
        const char *now_name = e->now ? s->stages[e->now - 1].name : NULL;
        int same = (!now_name && !e->prev_name) || (now_name && e->prev_name && strcmp(now_name, e->prev_name) == 0);
        if (!same) {
            changed[k] = 1;
            moved++;
            sl_free(e->previous);
            e->previous = e->prev_name ? sl_strdup(e->prev_name) : NULL;
            sl_free(e->entered);
            e->entered = now_name ? sl_strdup(as_of) : NULL;
        }
    }
    static const sl_mtype_col base[] = {{"stage", SL_MT_TEXT},
                                        {"stage_index", SL_MT_INTEGER},
                                        {"stage_entered_at", SL_MT_TIMESTAMP},
                                        {"previous_stage", SL_MT_TEXT}};
    static const sl_mtype_col hbase[] = {{"stage", SL_MT_TEXT},
                                         {"stage_index", SL_MT_INTEGER},
                                         {"entered_at", SL_MT_TIMESTAMP},
                                         {"exited_at", SL_MT_TIMESTAMP}};
    sl_mtype_col cols[5], hcols[5];
    cols[0] = hcols[0] = (sl_mtype_col){s->ent.key, key_integer ? SL_MT_INTEGER : SL_MT_TEXT};
    memcpy(cols + 1, base, sizeof base);
    memcpy(hcols + 1, hbase, sizeof hbase);
    sl_mtype_table *t = NULL, *h = NULL;
    int64_t rows = 0, hrows = 0;
    if (rc == 0)
        rc = sl_mtype_table_open(b, self, cols, 5, &t, err);
    for (size_t k = 0; rc == 0 && k < R.keys.n; k++) {
        lc_ent *e = &R.e[k];
        char idx[16];
        snprintf(idx, sizeof idx, "%d", e->now);
        const char *cells[5] = {R.keys.v[k], e->now ? s->stages[e->now - 1].name : NULL, e->now ? idx : NULL,
                                e->entered, e->previous};
        rc = sl_mtype_table_row(t, cells, err);
    }
    /* the model's relation first: the history's carry-over reads it */
    if (rc == 0) {
        rc = publish(b, t, 1, &rows, err);
        t = NULL;
    }
    if (rc == 0)
        rc = sl_mtype_table_open(b, hist, hcols, 5, &h, err);
    int64_t carried = 0;
    if (rc == 0 && hist_exists)
        rc = carry_history(b, s, hist, sl_mtype_table_staged(h), self, as_of, &carried, err);
    for (size_t k = 0; rc == 0 && k < R.keys.n; k++) {
        lc_ent *e = &R.e[k];
        if (!changed[k] || !e->now)
            continue;
        char idx[16];
        snprintf(idx, sizeof idx, "%d", e->now);
        const char *cells[5] = {R.keys.v[k], s->stages[e->now - 1].name, idx, as_of, NULL};
        rc = sl_mtype_table_row(h, cells, err);
    }
    if (rc == 0) {
        rc = publish(b, h, 0, &hrows, err);
        hrows += carried;
        h = NULL;
    }
    sl_mtype_table_free(t);
    sl_mtype_table_free(h);
    if (rc == 0) {
        res->rows_affected = rows;
        snprintf(res->message, sizeof res->message, "LIFECYCLE %lld entities, %lld moved, %lld history rows",
                 (long long)rows, (long long)moved, (long long)hrows);
    }
    sl_free(changed);
    for (size_t k = 0; k < R.keys.n; k++) {
        sl_free(R.e[k].prev_name);
        sl_free(R.e[k].entered);
        sl_free(R.e[k].previous);
    }
    sl_free(R.e);
    sl_free(R.dup);
    sl_gtms_keys_release(&R.keys);
    return rc;
}

const sl_mtype sl_mtype_lifecycle = {
    "lifecycle", "lifecycle stages from ordered conditions, with their history (docs/gtm/lifecycle.md)", lc_parse,
    lc_build, lc_free};
