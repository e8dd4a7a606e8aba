/*
 * test_walckpt.c: the WAL checkpointer (db/walckpt.h) must leave the
 * process's SQLite locks alone. It once opened the database file for
 * writeback hints and closed it when it stopped; closing any descriptor
 * of a file drops every POSIX lock the process holds on it, so another
 * process (here the sqlite3 CLI, in the field a dashboard or `sluice run`
 * beside `sluice serve`) took the database for unused, and its close
 * checkpointed and deleted the log that this process's connection was
 * still using: disk I/O errors, then "database disk image is malformed"
 * (cli/t0014 failed a third of its runs that way).
 */
#include "db/walckpt.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : "?");
}

static long scalar(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(st) != SQLITE_ROW)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    long v = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void test_stop_keeps_the_process_locks(void **state)
{
    (void)state;
    char dir[] = "/tmp/sluice-walckpt-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128], wal[140], cmd[512];
    snprintf(path, sizeof path, "%s/w.db", dir);
    snprintf(wal, sizeof wal, "%s-wal", path);

    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    exec(db, "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE t (x); INSERT INTO t VALUES (1)");
    /* a checkpointer beside the connection, started and stopped as a
     * SQLite sink's run does */
    sl_walckpt *c = sl_walckpt_start(path, 1);
    assert_non_null(c);
    exec(db, "INSERT INTO t VALUES (2)");
    sl_walckpt_kick(c, 2);
    sl_walckpt_stop(c);
    exec(db, "INSERT INTO t VALUES (3)");
    assert_int_equal(access(wal, F_OK), 0);

    /* another process opens and closes the database: while this process
     * holds its shared lock, that close must not take the log away */
    snprintf(cmd, sizeof cmd, "sqlite3 '%s' 'SELECT count(*) FROM t' > /dev/null", path);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(access(wal, F_OK), 0);

    /* and this connection goes on writing to a sound database */
    exec(db, "INSERT INTO t VALUES (4)");
    assert_int_equal(scalar(db, "SELECT count(*) FROM t"), 4);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
    snprintf(cmd, sizeof cmd, "sqlite3 '%s' 'PRAGMA integrity_check; SELECT count(*) FROM t'", path);
    FILE *f = popen(cmd, "r");
    char out[64] = {0};
    size_t n = fread(out, 1, sizeof out - 1, f);
    pclose(f);
    out[n] = 0;
    assert_string_equal(out, "ok\n4\n");
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stop_keeps_the_process_locks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
