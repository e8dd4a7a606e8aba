/*
 * materialize.c: dbt's model materializations on the two warehouses
 * (models/materialize.h), and the helpers snapshot.c and seed.c share
 * (materialize_impl.h). Every build is ONE transaction with the node's
 * pre_hook and post_hook statements inside it: a failure anywhere rolls
 * everything back, so the previous relation stays as it was.
 *
 *   view         BEGIN; DROP the old relation (a table or a view);
 *                CREATE VIEW rel AS <sql>; COMMIT. SQLite resolves a view's
 *                names only when it is read: the SQL is first run under
 *                LIMIT 0, so a wrong name fails the build.
 *                PostgreSQL first tries CREATE OR REPLACE VIEW under a
 *                savepoint (views over it survive); when the columns changed
 *                it drops the old view with CASCADE, as dbt does.
 *   table        BEGIN; CREATE TABLE "<name>__sluice_tmp" AS <sql>; DROP the
 *                old relation; ALTER TABLE .. RENAME TO "<name>"; COMMIT.
 *                Readers see the old table until the commit, then the new one.
 *                SQLite, when the SQL does not mention the name (so cannot
 *                read the old table): BEGIN; DROP the old; CREATE TABLE
 *                "<name>" AS <sql>; COMMIT, the same to every reader (the
 *                transaction hides it all), without the RENAME, which
 *                re-parses the whole schema: 26 ms with 400 tables.
 *   incremental  first run, --full-refresh (unless config full_refresh:
 *                false), or a view in its place: as table. Otherwise:
 *                BEGIN; CREATE TABLE "<name>__sluice_tmp" AS <sql> (the new
 *                rows, a work table that never outlives the transaction);
 *                on_schema_change; then by strategy
 *                  append         INSERT INTO rel (cols) SELECT cols FROM tmp
 *                  delete+insert  DELETE FROM rel WHERE (key) IN (SELECT key
 *                                 FROM tmp); INSERT ... (all of tmp)
 *                  merge          (unique_key needed once per key in tmp,
 *                                 else an error, as dbt's MERGE fails)
 *                                 UPDATE rel AS t SET c = s.c ... FROM tmp AS s
 *                                 WHERE t.key = s.key; INSERT ... WHERE NOT
 *                                 EXISTS (the same key in rel)
 *                the same SQL on SQLite (3.33+: UPDATE FROM) and PostgreSQL,
 *                rows keep their identity (dbt-sqlite's merge is a
 *                delete+insert; this one updates in place); DROP tmp; COMMIT.
 *                Default strategy: merge with a unique_key, else append.
 *                on_schema_change compares column names (SQLite: without
 *                ASCII case): ignore (the table's columns are filled; one
 *                missing from the new rows is an error, as in dbt), fail,
 *                append_new_columns (ALTER TABLE ADD COLUMN with the new
 *                rows' type; a column the new rows lack stays, NULL in
 *                them), sync_all_columns (also DROP COLUMN, and on
 *                PostgreSQL ALTER COLUMN TYPE .. USING col::type for a
 *                changed type; SQLite columns have no enforced type).
 *                Names ending in __sluice_tmp/__sluice_src/__sluice_stg are
 *                sluice's work tables: one left by a crash is dropped.
 *   ephemeral    nothing (the compiler inlines it).
 *
 * Write-audit-publish: sl_materialize_model_audited calls the audit inside
 * the transaction once the new data is in place and before the swap (table)
 * or the commit (incremental); a failing audit rolls everything back.
 */
#include "models/materialize_impl.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/sqlident.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- shared helpers (materialize_impl.h) ---- */

sl_relation sl_mat_relation(const sl_node *n)
{
    sl_relation r;
    r.schema = n->schema;
    r.identifier = n->identifier ? n->identifier : n->config.alias ? n->config.alias : n->name;
    return r;
}

char *sl_mat_work_name(sl_adapter *a, const char *identifier, const char *suffix)
{
    char *want = sl_printf("%s%s", identifier, suffix);
    if (!sl_adapter_is_pg(a))
        return want;
    char out[SL_SQL_NAME_MAX + 1];
    sl_sql_name_fit(SL_SQL_POSTGRES, want, out, sizeof out);
    sl_free(want);
    return sl_strdup(out);
}

int sl_mat_hooks(sl_adapter *a, const sl_strv *hooks, const char *which, sl_error *err)
{
    for (size_t i = 0; i < hooks->n; i++)
        if (sl_adapter_exec(a, hooks->v[i], err) < 0)
            return sl_error_prefix(err, "%s %zu", which, i + 1);
    return 0;
}

int sl_mat_drop(sl_adapter *a, sl_relation r, sl_error *err)
{
    int exists, is_view;
    if (sl_adapter_exists(a, r, &exists, &is_view, err) < 0)
        return -1;
    if (!exists)
        return 0;
    sl_buf q;
    sl_buf_init(&q);
    sl_buf_adds(&q, is_view ? "DROP VIEW " : "DROP TABLE ");
    sl_adapter_relation_sql(a, r, &q);
    if (sl_adapter_is_pg(a))
        sl_buf_adds(&q, " CASCADE");
    int rc = sl_adapter_exec(a, q.data, err);
    sl_buf_release(&q);
    return rc;
}

int sl_mat_swap(sl_adapter *a, sl_relation target, const char *work, sl_error *err)
{
    if (sl_mat_drop(a, target, err) < 0)
        return -1;
    sl_relation w = {target.schema, work};
    sl_buf q;
    sl_buf_init(&q);
    sl_buf_adds(&q, "ALTER TABLE ");
    sl_adapter_relation_sql(a, w, &q);
    sl_buf_adds(&q, " RENAME TO ");
    sl_sql_ident(&q, target.identifier);
    int rc = sl_adapter_exec(a, q.data, err);
    sl_buf_release(&q);
    return rc;
}

int sl_mat_direct(sl_adapter *a, const char *sql, sl_relation r)
{
    return !sl_adapter_is_pg(a) && (!sql || !strcasestr(sql, r.identifier));
}

int sl_mat_exec_user(sl_adapter *a, const char *head, const char *sql, const char *tail, int64_t *rows,
                     sl_error *err)
{
    char *text = sl_printf("%s%s%s", head, sql, tail);
    int64_t dummy;
    int rc = sl_adapter_exec_one(a, text, rows ? rows : &dummy, err);
    sl_free(text);
    if (rc < 0) {
        int64_t off = sl_adapter_error_offset(a), h = (int64_t)strlen(head), n = (int64_t)strlen(sql);
        if (off >= h && off <= h + n) {
            int line = 1;
            for (int64_t i = 0; i < off - h; i++)
                line += sql[i] == '\n';
            size_t l = strlen(err->msg);
            snprintf(err->msg + l, sizeof err->msg - l, " (line %d of the compiled SQL)", line);
        }
    }
    return rc;
}

char *sl_mat_clean_sql(const char *sql)
{
    size_t n = strlen(sql);
    while (n > 0 && (sql[n - 1] == ';' || sql[n - 1] == ' ' || sql[n - 1] == '\t' || sql[n - 1] == '\n' ||
                     sql[n - 1] == '\r'))
        n--;
    return sl_strndup(sql, n);
}

int sl_mat_same_column(sl_adapter *a, const char *x, const char *y)
{
    return sl_adapter_is_pg(a) ? strcmp(x, y) == 0 : strcasecmp(x, y) == 0;
}

int sl_mat_find_column(sl_adapter *a, const sl_adapter_column *cols, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (sl_mat_same_column(a, cols[i].name, name))
            return (int)i;
    return -1;
}

static void one_name(sl_buf *b, const char *alias, const char *name, int first)
{
    if (!first)
        sl_buf_adds(b, ", ");
    if (alias) {
        sl_sql_ident(b, alias);
        sl_buf_addc(b, '.');
    }
    sl_sql_ident(b, name);
}

void sl_mat_column_list(sl_buf *b, const char *alias, const sl_adapter_column *cols, size_t n)
{
    for (size_t i = 0; i < n; i++)
        one_name(b, alias, cols[i].name, i == 0);
}

void sl_mat_name_list(sl_buf *b, const char *alias, char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        one_name(b, alias, names[i], i == 0);
}

int sl_mat_count(sl_adapter *a, sl_relation r, int64_t *out, sl_error *err)
{
    sl_buf q;
    sl_buf_init(&q);
    sl_buf_adds(&q, "SELECT count(*) FROM ");
    sl_adapter_relation_sql(a, r, &q);
    int rc = sl_adapter_scalar(a, q.data, out, err);
    sl_buf_release(&q);
    return rc;
}

/* ---- the materializations ---- */

static const char *materialized(const sl_node *n)
{
    return n->config.materialized ? n->config.materialized : "view";
}

/* --full-refresh, unless the model's config full_refresh pins it (dbt). */
static int wants_full_refresh(const sl_node *n, int full_refresh)
{
    return n->config.full_refresh >= 0 ? n->config.full_refresh : full_refresh;
}

int sl_materialize_is_incremental(sl_adapter *a, const sl_node *n, int full_refresh, int *yes, sl_error *err)
{
    *yes = 0;
    if (strcmp(materialized(n), "incremental") != 0 || wants_full_refresh(n, full_refresh))
        return 0;
    int exists, is_view;
    if (sl_adapter_exists(a, sl_mat_relation(n), &exists, &is_view, err) < 0)
        return -1;
    *yes = exists && !is_view;
    return 0;
}

static int build_view(sl_adapter *a, const sl_node *n, const char *sql, sl_mat_result *res, sl_error *err)
{
    sl_relation r = sl_mat_relation(n);
    sl_buf head;
    sl_buf_init(&head);
    int rc = -1, exists = 0, is_view = 0, done = 0;
    if (sl_adapter_begin(a, err) < 0)
        goto out;
    if (sl_mat_hooks(a, &n->config.pre_hook, "pre_hook", err) < 0 ||
        sl_adapter_exists(a, r, &exists, &is_view, err) < 0)
        goto out;
    if (exists && is_view && sl_adapter_is_pg(a)) {
        /* keep the views that read it when the columns allow */
        sl_buf_adds(&head, "CREATE OR REPLACE VIEW ");
        sl_adapter_relation_sql(a, r, &head);
        sl_buf_adds(&head, " AS\n");
        sl_error ignored;
        if (sl_adapter_exec(a, "SAVEPOINT sluice_view", err) < 0)
            goto out;
        if (sl_mat_exec_user(a, head.data, sql, "\n", NULL, &ignored) == 0)
            done = 1;
        if (sl_adapter_exec(a, done ? "RELEASE SAVEPOINT sluice_view" : "ROLLBACK TO SAVEPOINT sluice_view",
                            err) < 0)
            goto out;
        sl_buf_reset(&head);
    }
    /* SQLite resolves a view's names only when it is read: read it once,
     * so a wrong column fails the build, not the first query */
    if (!done && !sl_adapter_is_pg(a) &&
        sl_mat_exec_user(a, "SELECT * FROM (\n", sql, "\n) AS sl_check LIMIT 0", NULL, err) < 0)
        goto out;
    if (!done) {
        if (exists && sl_mat_drop(a, r, err) < 0)
            goto out;
        sl_buf_adds(&head, "CREATE VIEW ");
        sl_adapter_relation_sql(a, r, &head);
        sl_buf_adds(&head, " AS\n");
        if (sl_mat_exec_user(a, head.data, sql, "\n", NULL, err) < 0)
            goto out;
    }
    if (sl_mat_hooks(a, &n->config.post_hook, "post_hook", err) < 0 || sl_adapter_commit(a, err) < 0)
        goto out;
    res->rows_affected = -1;
    snprintf(res->message, sizeof res->message, "CREATE VIEW");
    rc = 0;
out:
    if (rc < 0)
        sl_adapter_rollback(a);
    sl_buf_release(&head);
    return rc;
}

/* Build the work table from sql: drops a leftover, CREATE TABLE .. AS;
 * *rows (may be NULL): its rows (PostgreSQL says how many; SQLite is asked). */
static int build_work(sl_adapter *a, sl_relation w, const char *sql, int64_t *rows, sl_error *err)
{
    if (sl_mat_drop(a, w, err) < 0)
        return -1;
    sl_buf head;
    sl_buf_init(&head);
    sl_buf_adds(&head, "CREATE TABLE ");
    sl_adapter_relation_sql(a, w, &head);
    sl_buf_adds(&head, " AS\n");
    int rc = sl_mat_exec_user(a, head.data, sql, "\n", rows, err);
    sl_buf_release(&head);
    if (rc == 0 && rows && !sl_adapter_is_pg(a))
        rc = sl_mat_count(a, w, rows, err);
    return rc;
}

static int audit(const sl_mat_audit *au, sl_adapter *a, sl_relation staged, sl_error *err)
{
    return au && au->fn ? au->fn(au->ctx, a, staged, err) : 0;
}

static int build_table(sl_adapter *a, const sl_node *n, const char *sql, const sl_mat_audit *au, sl_mat_result *res,
                       sl_error *err)
{
    sl_relation r = sl_mat_relation(n);
    char *work = sl_mat_work_name(a, r.identifier, "__sluice_tmp");
    int direct = sl_mat_direct(a, sql, r);
    sl_relation w = {r.schema, direct ? r.identifier : work};
    int rc = -1;
    int64_t rows = 0;
    if (sl_adapter_begin(a, err) < 0)
        goto out;
    if (sl_mat_hooks(a, &n->config.pre_hook, "pre_hook", err) < 0 || build_work(a, w, sql, &rows, err) < 0 ||
        audit(au, a, w, err) < 0 || (!direct && sl_mat_swap(a, r, work, err) < 0) ||
        sl_mat_hooks(a, &n->config.post_hook, "post_hook", err) < 0 || sl_adapter_commit(a, err) < 0)
        goto out;
    res->rows_affected = rows;
    snprintf(res->message, sizeof res->message, "SELECT %lld", (long long)rows);
    rc = 0;
out:
    if (rc < 0)
        sl_adapter_rollback(a);
    sl_free(work);
    return rc;
}

static void add_names(sl_buf *b, const sl_adapter_column *cols, const int *pick, size_t n)
{
    int first = 1;
    for (size_t i = 0; i < n; i++)
        if (pick[i]) {
            sl_buf_adds(b, first ? "" : ", ");
            sl_buf_adds(b, cols[i].name);
            first = 0;
        }
}

/* ALTER TABLE rel <what> "col" [type] */
static int alter(sl_adapter *a, sl_relation r, const char *what, const char *col, const char *type, sl_error *err)
{
    sl_buf q;
    sl_buf_init(&q);
    sl_buf_adds(&q, "ALTER TABLE ");
    sl_adapter_relation_sql(a, r, &q);
    sl_buf_addf(&q, " %s ", what);
    sl_sql_ident(&q, col);
    if (type && *type) {
        sl_buf_addc(&q, ' ');
        sl_buf_adds(&q, type);
    }
    int rc = sl_adapter_exec(a, q.data, err);
    sl_buf_release(&q);
    return rc;
}

/* on_schema_change: reconcile the table r with the new rows' columns
 * (nc); *dest gets the columns to insert (owned by the caller). */
static int schema_change(sl_adapter *a, const sl_node *n, sl_relation r, const sl_adapter_column *nc, size_t nn,
                         sl_adapter_column **dest, size_t *nd, sl_error *err)
{
    const char *mode = n->config.on_schema_change ? n->config.on_schema_change : "ignore";
    if (strcmp(mode, "ignore") != 0 && strcmp(mode, "fail") != 0 && strcmp(mode, "append_new_columns") != 0 &&
        strcmp(mode, "sync_all_columns") != 0)
        return sl_error_set(err, SL_ECONFIG,
                            "on_schema_change '%s' is not supported (ignore, fail, append_new_columns, sync_all_columns)",
                            mode);
    sl_adapter_column *oc;
    size_t on;
    if (sl_adapter_columns(a, r, &oc, &on, err) < 0)
        return -1;
    int *added = sl_calloc(nn + 1, sizeof *added), *gone = sl_calloc(on + 1, sizeof *gone);
    int nadded = 0, ngone = 0, rc = -1;
    for (size_t i = 0; i < nn; i++)
        if (sl_mat_find_column(a, oc, on, nc[i].name) < 0)
            added[i] = 1, nadded++;
    for (size_t i = 0; i < on; i++)
        if (sl_mat_find_column(a, nc, nn, oc[i].name) < 0)
            gone[i] = 1, ngone++;
    sl_buf names;
    sl_buf_init(&names);
    int sync = strcmp(mode, "sync_all_columns") == 0, append = strcmp(mode, "append_new_columns") == 0;
    if (strcmp(mode, "fail") == 0 && (nadded || ngone)) {
        sl_buf_adds(&names, "new columns: ");
        add_names(&names, nc, added, nn);
        sl_buf_adds(&names, nadded ? "; " : "none; ");
        sl_buf_adds(&names, "columns gone: ");
        add_names(&names, oc, gone, on);
        if (!ngone)
            sl_buf_adds(&names, "none");
        sl_error_set(err, SL_EDATA,
                     "the model's columns and the table's are out of sync (on_schema_change: fail): %s; rebuild it "
                     "with --full-refresh or set on_schema_change",
                     names.data);
        goto out;
    }
    if (!sync && !append && ngone) {
        add_names(&names, oc, gone, on);
        sl_error_set(err, SL_EDATA,
                     "the table's column(s) %s are not in the model's new rows (on_schema_change: %s); put them back, "
                     "or set on_schema_change: sync_all_columns, or rebuild with --full-refresh",
                     names.data, mode);
        goto out;
    }
    if (sync || append) {
        for (size_t i = 0; i < nn; i++)
            if (added[i] && alter(a, r, "ADD COLUMN", nc[i].name, nc[i].type, err) < 0)
                goto out;
        if (nadded)
            sl_log_info("model %s: added column(s) to the table (on_schema_change: %s)", n->name, mode);
    }
    if (sync) {
        for (size_t i = 0; i < on; i++)
            if (gone[i] && alter(a, r, "DROP COLUMN", oc[i].name, NULL, err) < 0)
                goto out;
        if (sl_adapter_is_pg(a))
            for (size_t i = 0; i < nn; i++) {
                int k = sl_mat_find_column(a, oc, on, nc[i].name);
                if (k >= 0 && strcmp(oc[k].type, nc[i].type) != 0) {
                    sl_buf t;
                    sl_buf_init(&t);
                    sl_buf_addf(&t, "TYPE %s USING ", nc[i].type);
                    sl_sql_ident(&t, nc[i].name);
                    sl_buf_addf(&t, "::%s", nc[i].type);
                    int arc = alter(a, r, "ALTER COLUMN", nc[i].name, t.data, err);
                    sl_buf_release(&t);
                    if (arc < 0)
                        goto out;
                }
            }
    }
    /* the columns to fill: the table's (ignore), else the new rows' */
    size_t k = 0;
    *dest = sl_calloc(nn + on + 1, sizeof **dest);
    if (!sync && !append) {
        for (size_t i = 0; i < on; i++) {
            (*dest)[k].name = sl_strdup(oc[i].name);
            (*dest)[k++].type = sl_strdup(oc[i].type);
        }
    } else {
        for (size_t i = 0; i < nn; i++) {
            (*dest)[k].name = sl_strdup(nc[i].name);
            (*dest)[k++].type = sl_strdup(nc[i].type);
        }
    }
    *nd = k;
    rc = 0;
out:
    sl_buf_release(&names);
    sl_free(added);
    sl_free(gone);
    sl_adapter_columns_free(oc, on);
    return rc;
}

/* key join: "x"."k1" = "y"."k1" AND ... */
static void key_join(sl_buf *b, const char *x, const char *y, const sl_strv *keys)
{
    for (size_t i = 0; i < keys->n; i++) {
        sl_buf_adds(b, i ? " AND " : "");
        sl_sql_ident(b, x);
        sl_buf_addc(b, '.');
        sl_sql_ident(b, keys->v[i]);
        sl_buf_adds(b, " = ");
        sl_sql_ident(b, y);
        sl_buf_addc(b, '.');
        sl_sql_ident(b, keys->v[i]);
    }
}

/* INSERT INTO r (dest) SELECT dest FROM w AS sl_s [WHERE NOT EXISTS (same key in r)] */
static int insert_rows(sl_adapter *a, sl_relation r, sl_relation w, const sl_adapter_column *dest, size_t nd,
                       const sl_strv *only_new_keys, int64_t *rows, sl_error *err)
{
    sl_buf q;
    sl_buf_init(&q);
    sl_buf_adds(&q, "INSERT INTO ");
    sl_adapter_relation_sql(a, r, &q);
    sl_buf_adds(&q, " (");
    sl_mat_column_list(&q, NULL, dest, nd);
    sl_buf_adds(&q, ") SELECT ");
    sl_mat_column_list(&q, "sl_s", dest, nd);
    sl_buf_adds(&q, " FROM ");
    sl_adapter_relation_sql(a, w, &q);
    sl_buf_adds(&q, " AS \"sl_s\"");
    if (only_new_keys) {
        sl_buf_adds(&q, " WHERE NOT EXISTS (SELECT 1 FROM ");
        sl_adapter_relation_sql(a, r, &q);
        sl_buf_adds(&q, " AS \"sl_t\" WHERE ");
        key_join(&q, "sl_t", "sl_s", only_new_keys);
        sl_buf_addc(&q, ')');
    }
    int rc = sl_adapter_exec_count(a, q.data, rows, err);
    sl_buf_release(&q);
    return rc;
}

static int delete_keys(sl_adapter *a, sl_relation r, sl_relation w, const sl_strv *keys, int64_t *rows,
                       sl_error *err)
{
    sl_buf q;
    sl_buf_init(&q);
    sl_buf_adds(&q, "DELETE FROM ");
    sl_adapter_relation_sql(a, r, &q);
    sl_buf_adds(&q, " WHERE (");
    sl_mat_name_list(&q, NULL, keys->v, keys->n);
    sl_buf_adds(&q, ") IN (SELECT ");
    sl_mat_name_list(&q, NULL, keys->v, keys->n);
    sl_buf_adds(&q, " FROM ");
    sl_adapter_relation_sql(a, w, &q);
    sl_buf_addc(&q, ')');
    int rc = sl_adapter_exec_count(a, q.data, rows, err);
    sl_buf_release(&q);
    return rc;
}

/* merge needs each key once in the new rows (dbt's MERGE fails otherwise) */
static int check_unique(sl_adapter *a, sl_relation w, const sl_strv *keys, sl_error *err)
{
    sl_buf q;
    sl_buf_init(&q);
    sl_buf_adds(&q, "SELECT count(*) FROM (SELECT 1 AS x FROM ");
    sl_adapter_relation_sql(a, w, &q);
    sl_buf_adds(&q, " GROUP BY ");
    sl_mat_name_list(&q, NULL, keys->v, keys->n);
    sl_buf_adds(&q, " HAVING count(*) > 1) AS d");
    int64_t dups = 0;
    int rc = sl_adapter_scalar(a, q.data, &dups, err);
    if (rc == 0 && dups > 0) {
        sl_buf_reset(&q);
        sl_mat_name_list(&q, NULL, keys->v, keys->n);
        rc = sl_error_set(err, SL_EDATA,
                          "unique_key (%s) is not unique in the model's new rows: %lld key(s) appear more than once "
                          "(incremental_strategy merge updates each row once; deduplicate the model's SQL)",
                          q.data, (long long)dups);
    }
    sl_buf_release(&q);
    return rc;
}

static int update_rows(sl_adapter *a, sl_relation r, sl_relation w, const sl_adapter_column *dest, size_t nd,
                       const sl_strv *keys, int64_t *rows, sl_error *err)
{
    sl_buf q;
    sl_buf_init(&q);
    sl_buf_adds(&q, "UPDATE ");
    sl_adapter_relation_sql(a, r, &q);
    sl_buf_adds(&q, " AS \"sl_t\" SET ");
    int first = 1;
    for (size_t i = 0; i < nd; i++) {
        int is_key = 0;
        for (size_t k = 0; k < keys->n; k++)
            is_key |= sl_mat_same_column(a, dest[i].name, keys->v[k]);
        if (is_key)
            continue;
        sl_buf_adds(&q, first ? "" : ", ");
        sl_sql_ident(&q, dest[i].name);
        sl_buf_adds(&q, " = \"sl_s\".");
        sl_sql_ident(&q, dest[i].name);
        first = 0;
    }
    int rc = 0;
    *rows = 0;
    if (!first) { /* some column besides the key */
        sl_buf_adds(&q, " FROM ");
        sl_adapter_relation_sql(a, w, &q);
        sl_buf_adds(&q, " AS \"sl_s\" WHERE ");
        key_join(&q, "sl_t", "sl_s", keys);
        rc = sl_adapter_exec_count(a, q.data, rows, err);
    }
    sl_buf_release(&q);
    return rc;
}

static int build_incremental(sl_adapter *a, const sl_node *n, const char *sql, const sl_mat_audit *au,
                             sl_mat_result *res, sl_error *err)
{
    const sl_strv *keys = &n->config.unique_key;
    const char *strategy = n->config.incremental_strategy ? n->config.incremental_strategy
                           : keys->n                       ? "merge"
                                                           : "append";
    if (strcmp(strategy, "append") != 0 && strcmp(strategy, "merge") != 0 && strcmp(strategy, "delete+insert") != 0)
        return sl_error_set(err, SL_ECONFIG,
                            "incremental_strategy '%s' is not supported (append, merge, delete+insert)", strategy);
    if (strcmp(strategy, "append") != 0 && keys->n == 0)
        return sl_error_set(err, SL_ECONFIG, "incremental_strategy %s needs a unique_key", strategy);
    sl_relation r = sl_mat_relation(n);
    char *work = sl_mat_work_name(a, r.identifier, "__sluice_tmp");
    sl_relation w = {r.schema, work};
    sl_adapter_column *nc = NULL, *dest = NULL;
    size_t nn = 0, nd = 0;
    int64_t changed = 0, more = 0;
    int rc = -1;
    if (sl_adapter_begin(a, err) < 0)
        goto out;
    if (sl_mat_hooks(a, &n->config.pre_hook, "pre_hook", err) < 0 || build_work(a, w, sql, NULL, err) < 0 ||
        sl_adapter_columns(a, w, &nc, &nn, err) < 0 || schema_change(a, n, r, nc, nn, &dest, &nd, err) < 0)
        goto out;
    for (size_t k = 0; k < keys->n; k++)
        if (sl_mat_find_column(a, nc, nn, keys->v[k]) < 0) {
            sl_error_set(err, SL_ECONFIG, "unique_key column '%s' is not a column of the model", keys->v[k]);
            goto out;
        }
    if (strcmp(strategy, "append") == 0) {
        if (insert_rows(a, r, w, dest, nd, NULL, &changed, err) < 0)
            goto out;
    } else if (strcmp(strategy, "delete+insert") == 0) {
        if (delete_keys(a, r, w, keys, &more, err) < 0 || insert_rows(a, r, w, dest, nd, NULL, &changed, err) < 0)
            goto out;
    } else {
        if (check_unique(a, w, keys, err) < 0 || update_rows(a, r, w, dest, nd, keys, &more, err) < 0 ||
            insert_rows(a, r, w, dest, nd, keys, &changed, err) < 0)
            goto out;
        changed += more;
    }
    if (sl_mat_drop(a, w, err) < 0 || audit(au, a, r, err) < 0 ||
        sl_mat_hooks(a, &n->config.post_hook, "post_hook", err) < 0 || sl_adapter_commit(a, err) < 0)
        goto out;
    res->rows_affected = changed;
    snprintf(res->message, sizeof res->message, "%s %lld",
             strcmp(strategy, "append") == 0 ? "INSERT" : strcmp(strategy, "merge") == 0 ? "MERGE" : "DELETE+INSERT",
             (long long)changed);
    rc = 0;
out:
    if (rc < 0)
        sl_adapter_rollback(a);
    sl_adapter_columns_free(nc, nn);
    sl_adapter_columns_free(dest, nd);
    sl_free(work);
    return rc;
}

int sl_materialize_model(sl_adapter *a, const sl_node *n, const char *sql, int full_refresh, sl_mat_result *res,
                         sl_error *err)
{
    return sl_materialize_model_audited(a, n, sql, full_refresh, NULL, res, err);
}

int sl_materialize_model_audited(sl_adapter *a, const sl_node *n, const char *sql, int full_refresh,
                                 const sl_mat_audit *au, sl_mat_result *res, sl_error *err)
{
    res->rows_affected = -1;
    res->message[0] = 0;
    const char *m = materialized(n);
    if (strcmp(m, "ephemeral") == 0) {
        snprintf(res->message, sizeof res->message, "EPHEMERAL");
        return 0;
    }
    char *clean = sl_mat_clean_sql(sql);
    sl_relation r = sl_mat_relation(n);
    int rc = sl_adapter_ensure_schema(a, r.schema, err);
    if (rc == 0) {
        if (strcmp(m, "view") == 0)
            rc = build_view(a, n, clean, res, err);
        else if (strcmp(m, "table") == 0)
            rc = build_table(a, n, clean, au, res, err);
        else if (strcmp(m, "incremental") == 0) {
            int inc = 0;
            rc = sl_materialize_is_incremental(a, n, full_refresh, &inc, err);
            if (rc == 0)
                rc = inc ? build_incremental(a, n, clean, au, res, err) : build_table(a, n, clean, au, res, err);
        } else
            rc = sl_error_set(err, SL_ECONFIG,
                              "materialized '%s' is not one sluice knows (view, table, incremental, ephemeral)", m);
    }
    sl_free(clean);
    if (rc < 0)
        sl_error_prefix(err, "model %s", n->name);
    return rc;
}
