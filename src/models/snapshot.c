/*
 * snapshot.c: dbt's snapshots (SCD type 2) on the two warehouses
 * (models/materialize.h), with dbt 1.9's columns and semantics, in one
 * transaction per run.
 *
 * First run: CREATE TABLE rel AS SELECT *, <scd> AS dbt_scd_id,
 * <u> AS dbt_updated_at, <u> AS dbt_valid_from, nullif(<u>, <u>) AS
 * dbt_valid_to [, 'False' AS dbt_is_deleted] FROM (<sql>) AS sbq, where
 *   <u>    timestamp strategy: the updated_at column; check strategy: now
 *          (sl_adapter_now_sql) unless updated_at is set
 *   <scd>  md5(coalesce(cast(k1 as varchar), '') || '|' || ... ||
 *          coalesce(cast(<u> as varchar), '')): dbt's dbt_scd_id exactly
 *          (SQLite gets md5() from adapter_sqlite.c)
 * Later runs: the query's rows go to "<name>__sluice_src" (run once), then
 * "<name>__sluice_stg" holds dbt's staging rows, built in ONE statement (so
 * "now" is one instant on SQLite too), against the current rows (cur:
 * dbt_valid_to IS NULL):
 *   insert  source rows with no current row of their key, or changed
 *           (timestamp: cur.dbt_valid_from < <u>; check: any check column
 *           differs, NULLs compared as values; new_record: or the current
 *           row is a deletion marker), valid from <u>
 *   update  the current row of a changed key: valid to <u>
 *   delete  (hard_deletes invalidate | new_record) the current row of a key
 *           gone from the source, not already a deletion marker: valid to now
 *   insert  (new_record) a deletion marker row for it: the row's columns,
 *           valid from now, dbt_is_deleted 'True', dbt_scd_id md5 of the
 *           closed row's id and now
 * then UPDATE rel SET dbt_valid_to = stg.dbt_valid_to FROM stg (update and
 * delete rows, by dbt_scd_id, current rows only) and INSERT INTO rel the
 * insert rows. Columns new in the query are added to the table first (as
 * dbt does), and dbt_is_deleted when hard_deletes becomes new_record.
 * A rerun over unchanged data changes nothing. unique_key may be one or
 * several columns; updated_at, check_cols and unique_key are column names
 * (quoted), check_cols: [all] means every column of the query.
 */
#include "models/materialize_impl.h"
#include "core/mem.h"
#include "core/sqlident.h"
#include <stdio.h>
#include <string.h>

typedef struct snap {
    sl_adapter *a;
    const sl_node *n;
    int check, new_record, deletes;
    const char *updated_at; /* column, or NULL: now */
    const sl_strv *keys;
    sl_adapter_column *sc; /* the query's columns */
    size_t ns;
    char *valid_to_type;   /* the table's dbt_valid_to type (PostgreSQL casts of NULL) */
} snap;

static void col(sl_buf *b, const char *alias, const char *name)
{
    if (alias) {
        sl_sql_ident(b, alias);
        sl_buf_addc(b, '.');
    }
    sl_sql_ident(b, name);
}

/* <u> over the source row alias */
static void upd(snap *s, sl_buf *b, const char *alias)
{
    if (s->updated_at)
        col(b, alias, s->updated_at);
    else
        sl_buf_adds(b, sl_adapter_now_sql(s->a));
}

static void hash_part(sl_buf *b, int first, void (*emit)(snap *, sl_buf *, const char *, const char *), snap *s,
                      const char *alias, const char *name)
{
    if (!first)
        sl_buf_adds(b, " || '|' || ");
    sl_buf_adds(b, "coalesce(cast(");
    emit(s, b, alias, name);
    sl_buf_adds(b, " as varchar), '')");
}

static void emit_col(snap *s, sl_buf *b, const char *alias, const char *name)
{
    (void)s;
    col(b, alias, name);
}

static void emit_upd(snap *s, sl_buf *b, const char *alias, const char *name)
{
    (void)name;
    upd(s, b, alias);
}

static void emit_now(snap *s, sl_buf *b, const char *alias, const char *name)
{
    (void)alias;
    (void)name;
    sl_buf_adds(b, sl_adapter_now_sql(s->a));
}

/* dbt's scd id of a source row */
static void scd(snap *s, sl_buf *b, const char *alias)
{
    sl_buf_adds(b, "md5(");
    for (size_t i = 0; i < s->keys->n; i++)
        hash_part(b, i == 0, emit_col, s, alias, s->keys->v[i]);
    hash_part(b, 0, emit_upd, s, alias, NULL);
    sl_buf_addc(b, ')');
}

static void key_join(snap *s, sl_buf *b, const char *x, const char *y)
{
    for (size_t i = 0; i < s->keys->n; i++) {
        sl_buf_adds(b, i ? " AND " : "");
        col(b, x, s->keys->v[i]);
        sl_buf_adds(b, " = ");
        col(b, y, s->keys->v[i]);
    }
}

static void changed(snap *s, sl_buf *b)
{
    sl_buf_addc(b, '(');
    if (!s->check) {
        col(b, "sl_c", "dbt_valid_from");
        sl_buf_adds(b, " < ");
        upd(s, b, "sl_s");
    } else {
        const sl_strv *cc = &s->n->config.check_cols;
        int all = cc->n == 1 && strcmp(cc->v[0], "all") == 0;
        size_t m = all ? s->ns : cc->n;
        for (size_t i = 0; i < m; i++) {
            const char *c = all ? s->sc[i].name : cc->v[i];
            sl_buf_adds(b, i ? " OR " : "");
            /* dbt's: a != b, or exactly one of them NULL */
            sl_buf_addc(b, '(');
            col(b, "sl_c", c);
            sl_buf_adds(b, " <> ");
            col(b, "sl_s", c);
            sl_buf_adds(b, " OR (");
            col(b, "sl_c", c);
            sl_buf_adds(b, " IS NULL AND ");
            col(b, "sl_s", c);
            sl_buf_adds(b, " IS NOT NULL) OR (");
            col(b, "sl_c", c);
            sl_buf_adds(b, " IS NOT NULL AND ");
            col(b, "sl_s", c);
            sl_buf_adds(b, " IS NULL))");
        }
    }
    if (s->new_record)
        sl_buf_adds(b, " OR \"sl_c\".\"dbt_is_deleted\" = 'True'");
    sl_buf_addc(b, ')');
}

static void null_valid_to(snap *s, sl_buf *b)
{
    if (s->valid_to_type)
        sl_buf_addf(b, "CAST(NULL AS %s)", s->valid_to_type);
    else
        sl_buf_adds(b, "NULL");
}

static void source_cols(snap *s, sl_buf *b, const char *alias)
{
    for (size_t i = 0; i < s->ns; i++) {
        sl_buf_adds(b, ", ");
        col(b, alias, s->sc[i].name);
    }
}

/* FROM cur AS sl_c WHERE the key is gone from src [and not a marker] */
static void gone(snap *s, sl_buf *b, const char *cur, sl_relation src)
{
    sl_buf_adds(b, " FROM ");
    sl_buf_adds(b, cur);
    sl_buf_adds(b, " AS \"sl_c\" WHERE NOT EXISTS (SELECT 1 FROM ");
    sl_adapter_relation_sql(s->a, src, b);
    sl_buf_adds(b, " AS \"sl_s\" WHERE ");
    key_join(s, b, "sl_c", "sl_s");
    sl_buf_addc(b, ')');
    if (s->new_record)
        sl_buf_adds(b, " AND coalesce(\"sl_c\".\"dbt_is_deleted\", 'False') <> 'True'");
}

/* The staging rows (one SELECT) of a later run. */
static void staging_sql(snap *s, sl_relation r, sl_relation src, sl_buf *b)
{
    sl_buf cur;
    sl_buf_init(&cur);
    sl_buf_adds(&cur, "(SELECT * FROM ");
    sl_adapter_relation_sql(s->a, r, &cur);
    sl_buf_adds(&cur, " WHERE \"dbt_valid_to\" IS NULL)");
    const char *now = sl_adapter_now_sql(s->a);
    /* insertions */
    sl_buf_adds(b, "SELECT 'insert' AS \"dbt_change_type\"");
    source_cols(s, b, "sl_s");
    sl_buf_adds(b, ", ");
    upd(s, b, "sl_s");
    sl_buf_adds(b, " AS \"dbt_updated_at\", ");
    upd(s, b, "sl_s");
    sl_buf_adds(b, " AS \"dbt_valid_from\", ");
    null_valid_to(s, b);
    sl_buf_adds(b, " AS \"dbt_valid_to\", ");
    scd(s, b, "sl_s");
    sl_buf_adds(b, " AS \"dbt_scd_id\"");
    if (s->new_record)
        sl_buf_adds(b, ", 'False' AS \"dbt_is_deleted\"");
    sl_buf_adds(b, " FROM ");
    sl_adapter_relation_sql(s->a, src, b);
    sl_buf_adds(b, " AS \"sl_s\" LEFT JOIN ");
    sl_buf_adds(b, cur.data);
    sl_buf_adds(b, " AS \"sl_c\" ON ");
    key_join(s, b, "sl_c", "sl_s");
    sl_buf_adds(b, " WHERE \"sl_c\".\"dbt_scd_id\" IS NULL OR ");
    changed(s, b);
    /* updates */
    sl_buf_adds(b, "\nUNION ALL SELECT 'update'");
    source_cols(s, b, "sl_s");
    for (int i = 0; i < 3; i++) {
        sl_buf_adds(b, ", ");
        upd(s, b, "sl_s");
    }
    sl_buf_adds(b, ", \"sl_c\".\"dbt_scd_id\"");
    if (s->new_record)
        sl_buf_adds(b, ", \"sl_c\".\"dbt_is_deleted\"");
    sl_buf_adds(b, " FROM ");
    sl_adapter_relation_sql(s->a, src, b);
    sl_buf_adds(b, " AS \"sl_s\" JOIN ");
    sl_buf_adds(b, cur.data);
    sl_buf_adds(b, " AS \"sl_c\" ON ");
    key_join(s, b, "sl_c", "sl_s");
    sl_buf_adds(b, " WHERE ");
    changed(s, b);
    if (s->deletes) {
        sl_buf_addf(b, "\nUNION ALL SELECT 'delete'");
        source_cols(s, b, "sl_c");
        sl_buf_addf(b, ", %s, %s, %s, \"sl_c\".\"dbt_scd_id\"", now, now, now);
        if (s->new_record)
            sl_buf_adds(b, ", \"sl_c\".\"dbt_is_deleted\"");
        gone(s, b, cur.data, src);
    }
    if (s->new_record) {
        sl_buf_addf(b, "\nUNION ALL SELECT 'insert'");
        source_cols(s, b, "sl_c");
        sl_buf_addf(b, ", %s, %s, ", now, now);
        null_valid_to(s, b);
        sl_buf_adds(b, ", md5(");
        hash_part(b, 1, emit_col, s, "sl_c", "dbt_scd_id");
        hash_part(b, 0, emit_now, s, NULL, NULL);
        sl_buf_adds(b, "), 'True'");
        gone(s, b, cur.data, src);
    }
    sl_buf_release(&cur);
}

static const char *meta_cols[] = {"dbt_updated_at", "dbt_valid_from", "dbt_valid_to", "dbt_scd_id", "dbt_is_deleted"};

static int add_column(sl_adapter *a, sl_relation r, const char *name, const char *type, sl_error *err)
{
    sl_buf q;
    sl_buf_init(&q);
    sl_buf_adds(&q, "ALTER TABLE ");
    sl_adapter_relation_sql(a, r, &q);
    sl_buf_adds(&q, " ADD COLUMN ");
    sl_sql_ident(&q, name);
    if (type && *type)
        sl_buf_addf(&q, " %s", type);
    int rc = sl_adapter_exec(a, q.data, err);
    sl_buf_release(&q);
    return rc;
}

static int first_run(snap *s, sl_relation r, const char *sql, sl_mat_result *res, sl_error *err)
{
    sl_buf head, tail;
    sl_buf_init(&head);
    sl_buf_init(&tail);
    sl_buf_adds(&head, "CREATE TABLE ");
    sl_adapter_relation_sql(s->a, r, &head);
    sl_buf_adds(&head, " AS SELECT *, ");
    scd(s, &head, "sbq");
    sl_buf_adds(&head, " AS \"dbt_scd_id\", ");
    upd(s, &head, "sbq");
    sl_buf_adds(&head, " AS \"dbt_updated_at\", ");
    upd(s, &head, "sbq");
    sl_buf_adds(&head, " AS \"dbt_valid_from\", nullif(");
    upd(s, &head, "sbq");
    sl_buf_adds(&head, ", ");
    upd(s, &head, "sbq");
    sl_buf_adds(&head, ") AS \"dbt_valid_to\"");
    if (s->new_record)
        sl_buf_adds(&head, ", 'False' AS \"dbt_is_deleted\"");
    sl_buf_adds(&head, " FROM (\n");
    sl_buf_adds(&tail, "\n) AS \"sbq\"");
    int64_t rows = 0;
    int rc = sl_mat_exec_user(s->a, head.data, sql, tail.data, NULL, err);
    if (rc == 0)
        rc = sl_mat_count(s->a, r, &rows, err);
    sl_buf_release(&head);
    sl_buf_release(&tail);
    res->rows_affected = rows;
    snprintf(res->message, sizeof res->message, "SELECT %lld", (long long)rows);
    return rc;
}

static int check_columns(snap *s, sl_error *err)
{
    for (size_t i = 0; i < s->keys->n; i++)
        if (sl_mat_find_column(s->a, s->sc, s->ns, s->keys->v[i]) < 0)
            return sl_error_set(err, SL_ECONFIG, "unique_key column '%s' is not a column of the snapshot's query",
                                s->keys->v[i]);
    if (s->updated_at && sl_mat_find_column(s->a, s->sc, s->ns, s->updated_at) < 0)
        return sl_error_set(err, SL_ECONFIG, "updated_at column '%s' is not a column of the snapshot's query",
                            s->updated_at);
    const sl_strv *cc = &s->n->config.check_cols;
    if (s->check && !(cc->n == 1 && strcmp(cc->v[0], "all") == 0))
        for (size_t i = 0; i < cc->n; i++)
            if (sl_mat_find_column(s->a, s->sc, s->ns, cc->v[i]) < 0)
                return sl_error_set(err, SL_ECONFIG, "check_cols column '%s' is not a column of the snapshot's query",
                                    cc->v[i]);
    return 0;
}

static int later_run(snap *s, sl_relation r, const char *sql, sl_mat_result *res, sl_error *err)
{
    sl_adapter *a = s->a;
    char *srcname = sl_mat_work_name(a, r.identifier, "__sluice_src");
    char *stgname = sl_mat_work_name(a, r.identifier, "__sluice_stg");
    sl_relation src = {r.schema, srcname}, stg = {r.schema, stgname};
    sl_adapter_column *tc = NULL;
    size_t nt = 0;
    sl_buf q;
    sl_buf_init(&q);
    int64_t updated = 0, inserted = 0;
    int rc = -1;
    if (sl_mat_drop(a, src, err) < 0 || sl_mat_drop(a, stg, err) < 0)
        goto out;
    sl_buf_adds(&q, "CREATE TABLE ");
    sl_adapter_relation_sql(a, src, &q);
    sl_buf_adds(&q, " AS\n");
    if (sl_mat_exec_user(a, q.data, sql, "\n", NULL, err) < 0 || sl_adapter_columns(a, src, &s->sc, &s->ns, err) < 0 ||
        check_columns(s, err) < 0 || sl_adapter_columns(a, r, &tc, &nt, err) < 0)
        goto out;
    /* columns new in the query, and dbt_is_deleted, are added to the table */
    for (size_t i = 0; i < s->ns; i++)
        if (sl_mat_find_column(a, tc, nt, s->sc[i].name) < 0 && add_column(a, r, s->sc[i].name, s->sc[i].type, err) < 0)
            goto out;
    if (s->new_record && sl_mat_find_column(a, tc, nt, "dbt_is_deleted") < 0 &&
        add_column(a, r, "dbt_is_deleted", sl_adapter_is_pg(a) ? "text" : "TEXT", err) < 0)
        goto out;
    int vt = sl_mat_find_column(a, tc, nt, "dbt_valid_to");
    if (vt < 0 || sl_mat_find_column(a, tc, nt, "dbt_scd_id") < 0) {
        sl_error_set(err, SL_EDATA, "the table has no dbt_valid_to or dbt_scd_id column: it is not a snapshot (drop "
                                    "it, or give the snapshot another name)");
        goto out;
    }
    if (sl_adapter_is_pg(a))
        s->valid_to_type = sl_strdup(tc[vt].type);
    sl_buf_reset(&q);
    sl_buf_adds(&q, "CREATE TABLE ");
    sl_adapter_relation_sql(a, stg, &q);
    sl_buf_adds(&q, " AS ");
    staging_sql(s, r, src, &q);
    if (sl_adapter_exec(a, q.data, err) < 0)
        goto out;
    /* close the changed and deleted current rows */
    sl_buf_reset(&q);
    sl_buf_adds(&q, "UPDATE ");
    sl_adapter_relation_sql(a, r, &q);
    sl_buf_adds(&q, " AS \"sl_t\" SET \"dbt_valid_to\" = \"sl_g\".\"dbt_valid_to\" FROM ");
    sl_adapter_relation_sql(a, stg, &q);
    sl_buf_adds(&q, " AS \"sl_g\" WHERE \"sl_g\".\"dbt_scd_id\" = \"sl_t\".\"dbt_scd_id\" AND "
                    "\"sl_g\".\"dbt_change_type\" IN ('update', 'delete') AND \"sl_t\".\"dbt_valid_to\" IS NULL");
    if (sl_adapter_exec_count(a, q.data, &updated, err) < 0)
        goto out;
    /* insert the new versions */
    sl_buf cols;
    sl_buf_init(&cols);
    for (size_t i = 0; i < s->ns; i++) {
        sl_buf_adds(&cols, i ? ", " : "");
        sl_sql_ident(&cols, s->sc[i].name);
    }
    for (size_t i = 0; i < (s->new_record ? 5u : 4u); i++) {
        sl_buf_adds(&cols, ", ");
        sl_sql_ident(&cols, meta_cols[i]);
    }
    sl_buf_reset(&q);
    sl_buf_adds(&q, "INSERT INTO ");
    sl_adapter_relation_sql(a, r, &q);
    sl_buf_addf(&q, " (%s) SELECT %s FROM ", cols.data, cols.data);
    sl_adapter_relation_sql(a, stg, &q);
    sl_buf_adds(&q, " WHERE \"dbt_change_type\" = 'insert'");
    sl_buf_release(&cols);
    if (sl_adapter_exec_count(a, q.data, &inserted, err) < 0 || sl_mat_drop(a, src, err) < 0 ||
        sl_mat_drop(a, stg, err) < 0)
        goto out;
    res->rows_affected = updated + inserted;
    snprintf(res->message, sizeof res->message, "SNAPSHOT %lld changed", (long long)(updated + inserted));
    rc = 0;
out:
    sl_buf_release(&q);
    sl_adapter_columns_free(tc, nt);
    sl_adapter_columns_free(s->sc, s->ns);
    s->sc = NULL;
    s->ns = 0;
    sl_free(s->valid_to_type);
    sl_free(srcname);
    sl_free(stgname);
    return rc;
}

/* The snapshot's config, checked. */
static int configure(snap *s, sl_error *err)
{
    const sl_node_config *c = &s->n->config;
    if (!c->strategy)
        return sl_error_set(err, SL_ECONFIG, "a snapshot needs strategy: timestamp or check");
    if (strcmp(c->strategy, "timestamp") != 0 && strcmp(c->strategy, "check") != 0)
        return sl_error_set(err, SL_ECONFIG, "strategy '%s' is not supported (timestamp, check)", c->strategy);
    s->check = strcmp(c->strategy, "check") == 0;
    if (c->unique_key.n == 0)
        return sl_error_set(err, SL_ECONFIG, "a snapshot needs a unique_key");
    s->keys = &c->unique_key;
    s->updated_at = c->updated_at && *c->updated_at ? c->updated_at : NULL;
    if (!s->check && !s->updated_at)
        return sl_error_set(err, SL_ECONFIG, "strategy timestamp needs updated_at (the column of the last change)");
    if (s->check && c->check_cols.n == 0)
        return sl_error_set(err, SL_ECONFIG, "strategy check needs check_cols (a list of columns, or all)");
    const char *hd = c->hard_deletes ? c->hard_deletes : "ignore";
    if (strcmp(hd, "ignore") != 0 && strcmp(hd, "invalidate") != 0 && strcmp(hd, "new_record") != 0)
        return sl_error_set(err, SL_ECONFIG, "hard_deletes '%s' is not supported (ignore, invalidate, new_record)", hd);
    s->new_record = strcmp(hd, "new_record") == 0;
    s->deletes = strcmp(hd, "ignore") != 0;
    return 0;
}

int sl_materialize_snapshot(sl_adapter *a, const sl_node *n, const char *sql, sl_mat_result *res, sl_error *err)
{
    res->rows_affected = -1;
    res->message[0] = 0;
    snap s;
    memset(&s, 0, sizeof s);
    s.a = a;
    s.n = n;
    sl_relation r = sl_mat_relation(n);
    if (!r.schema && n->config.target_schema)
        r.schema = n->config.target_schema;
    char *clean = sl_mat_clean_sql(sql);
    int rc = -1, exists = 0, is_view = 0;
    if (configure(&s, err) < 0 || sl_adapter_ensure_schema(a, r.schema, err) < 0 || sl_adapter_begin(a, err) < 0)
        goto out;
    if (sl_mat_hooks(a, &n->config.pre_hook, "pre_hook", err) < 0 ||
        sl_adapter_exists(a, r, &exists, &is_view, err) < 0)
        goto out;
    if (exists && is_view) {
        sl_error_set(err, SL_EDATA, "a view has the snapshot's name: drop it, or give the snapshot another name");
        goto out;
    }
    if ((exists ? later_run(&s, r, clean, res, err) : first_run(&s, r, clean, res, err)) < 0 ||
        sl_mat_hooks(a, &n->config.post_hook, "post_hook", err) < 0 || sl_adapter_commit(a, err) < 0)
        goto out;
    rc = 0;
out:
    if (rc < 0) {
        sl_adapter_rollback(a);
        sl_error_prefix(err, "snapshot %s", n->name);
    }
    sl_free(clean);
    return rc;
}
