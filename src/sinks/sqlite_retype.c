/* sqlite_retype.c: see sqlite_retype.h. */
#include "sinks/sqlite_retype.h"
#include "core/mem.h"
#include "core/sqlident.h"
#include "core/util.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int contains(const char *decl, const char *word)
{
    return strcasestr(decl, word) != NULL;
}

char sl_sqlite_affinity(const char *decl)
{
    if (!decl)
        decl = "";
    if (contains(decl, "INT"))
        return 'i';
    if (contains(decl, "CHAR") || contains(decl, "CLOB") || contains(decl, "TEXT"))
        return 't';
    if (!*decl || contains(decl, "BLOB"))
        return 'b';
    if (contains(decl, "REAL") || contains(decl, "FLOA") || contains(decl, "DOUB"))
        return 'r';
    return 'n';
}

int sl_sqlite_affinity_alters(const char *decl, sl_type t)
{
    char a = sl_sqlite_affinity(decl);
    switch (sl_type_storage(t)) {
    case SL_STORE_STR: return a == 'i' || a == 'r' || a == 'n';
    case SL_STORE_I64: /* bool, int; date and timestamp are bound as text */
        if (t == SL_T_DATE || t == SL_T_TIMESTAMP)
            return a == 'i' || a == 'r' || a == 'n';
        return a == 'r';
    default: return 0;
    }
}

/* sluice_exact_text(x, old declared type): a REAL as the shortest text that
 * reads back as the same double, a BOOLEAN's 0/1 as false/true (as every
 * other sink writes them); any other value unchanged. */
static void exact_text(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *decl = (const char *)sqlite3_value_text(argv[1]);
    if (sqlite3_value_type(argv[0]) == SQLITE_INTEGER && decl && contains(decl, "BOOL") &&
        (sqlite3_value_int64(argv[0]) == 0 || sqlite3_value_int64(argv[0]) == 1)) {
        sqlite3_result_text(ctx, sqlite3_value_int64(argv[0]) ? "true" : "false", -1, SQLITE_STATIC);
        return;
    }
    if (sqlite3_value_type(argv[0]) != SQLITE_FLOAT) {
        sqlite3_result_value(ctx, argv[0]);
        return;
    }
    char tmp[48];
    size_t n = sl_format_float(tmp, sqlite3_value_double(argv[0]));
    sqlite3_result_text(ctx, tmp, (int)n, SQLITE_TRANSIENT);
}

static int run(sqlite3 *db, const char *sql, char **msg)
{
    char *e = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &e) == SQLITE_OK)
        return 0;
    *msg = sl_printf("%s (in: %.200s)", e ? e : sqlite3_errmsg(db), sql);
    sqlite3_free(e);
    return -1;
}

void sl_sqlite_exact_text_register(sqlite3 *db)
{
    sqlite3_create_function(db, "sluice_exact_text", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, exact_text, NULL,
                            NULL);
}

int sl_sqlite_retype(sqlite3 *db, const char *table, const char *const *names, const char *const *decls,
                     size_t n, char **msg)
{
    *msg = NULL;
    sl_sqlite_exact_text_register(db);
    char *tmpname = sl_printf("%s__sluice_retype", table);
    sl_buf create, copy;
    sl_buf_init(&create);
    sl_buf_init(&copy);
    sl_buf_adds(&create, "CREATE TABLE ");
    sl_sql_ident(&create, tmpname);
    sl_buf_adds(&create, " (");
    sl_buf_adds(&copy, "INSERT INTO ");
    sl_sql_ident(&copy, tmpname);
    sl_buf_adds(&copy, " SELECT ");
    /* pk gives each primary-key column's position in the key (1-based) */
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid",
                                -1, &s, NULL);
    char *pkcols[64] = {0};
    int ncols = 0, npk = 0;
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(s, 1, table, -1, SQLITE_STATIC);
        while (sqlite3_step(s) == SQLITE_ROW) {
            const char *name = (const char *)sqlite3_column_text(s, 0);
            const char *decl = (const char *)sqlite3_column_text(s, 1), *old = decl;
            int retyped = 0;
            for (size_t k = 0; k < n; k++)
                if (strcasecmp(names[k], name) == 0) {
                    decl = decls[k];
                    retyped = 1;
                }
            if (ncols++) {
                sl_buf_adds(&create, ", ");
                sl_buf_adds(&copy, ", ");
            }
            sl_sql_ident(&create, name);
            if (decl && *decl)
                sl_buf_addf(&create, " %s", decl);
            if (sqlite3_column_int(s, 2))
                sl_buf_adds(&create, " NOT NULL");
            if (sqlite3_column_type(s, 3) != SQLITE_NULL)
                sl_buf_addf(&create, " DEFAULT %s", (const char *)sqlite3_column_text(s, 3));
            int at = sqlite3_column_int(s, 4);
            if (at > 0 && at <= 64) {
                pkcols[at - 1] = sl_strdup(name);
                npk = at > npk ? at : npk;
            }
            if (retyped) {
                sl_buf_adds(&copy, "sluice_exact_text(");
                sl_sql_ident(&copy, name);
                sl_buf_adds(&copy, ", ");
                sl_sql_literal(&copy, old ? old : "");
                sl_buf_addc(&copy, ')');
            } else {
                sl_sql_ident(&copy, name);
            }
        }
        sqlite3_finalize(s);
    }
    if (npk) {
        sl_buf_adds(&create, ", PRIMARY KEY (");
        for (int k = 0; k < npk; k++) {
            if (k)
                sl_buf_adds(&create, ", ");
            sl_sql_ident(&create, pkcols[k] ? pkcols[k] : "");
        }
        sl_buf_addc(&create, ')');
    }
    sl_buf_addc(&create, ')');
    sl_buf_adds(&copy, " FROM ");
    sl_sql_ident(&copy, table);
    /* indexes and triggers go with the dropped table: keep their SQL */
    char **later = NULL;
    size_t nlater = 0;
    if (rc == SQLITE_OK && sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN "
                                                  "('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name",
                                              -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_text(s, 1, table, -1, SQLITE_STATIC);
        while (sqlite3_step(s) == SQLITE_ROW) {
            later = sl_realloc(later, (nlater + 1) * sizeof *later);
            later[nlater++] = sl_strdup((const char *)sqlite3_column_text(s, 0));
        }
        sqlite3_finalize(s);
    }
    int out = -1;
    if (rc != SQLITE_OK) {
        *msg = sl_printf("%s", sqlite3_errmsg(db));
    } else if (ncols == 0) {
        *msg = sl_printf("no table %s", table);
    } else {
        sl_buf sql;
        sl_buf_init(&sql);
        sl_buf_adds(&sql, "DROP TABLE ");
        sl_sql_ident(&sql, table);
        /* legacy rename: views naming the table must not be checked while it is away */
        sl_buf_adds(&sql, "; PRAGMA legacy_alter_table=ON; ALTER TABLE ");
        sl_sql_ident(&sql, tmpname);
        sl_buf_adds(&sql, " RENAME TO ");
        sl_sql_ident(&sql, table);
        sl_buf_adds(&sql, "; PRAGMA legacy_alter_table=OFF");
        out = run(db, create.data, msg) || run(db, copy.data, msg) || run(db, sql.data, msg) ? -1 : 0;
        for (size_t k = 0; out == 0 && k < nlater; k++)
            out = run(db, later[k], msg);
        sl_buf_release(&sql);
    }
    for (size_t k = 0; k < nlater; k++)
        sl_free(later[k]);
    sl_free(later);
    for (int k = 0; k < 64; k++)
        sl_free(pkcols[k]);
    sl_buf_release(&create);
    sl_buf_release(&copy);
    sl_free(tmpname);
    return out;
}
