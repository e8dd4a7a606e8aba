/*
 * test_gtm_install_pg.c: installing the GTM functions on PostgreSQL while
 * another session uses them (gtm/pg_functions.h). A newer sluice reinstalls
 * the schema `sluice` (new version marker) while an older one, or a model,
 * is calling registered_domain: the caller must get the same answers before,
 * during and after, never an answer computed over half-installed tables.
 *
 * The interleaving is forced, not timed: a third session holds the marker
 * row locked, so the installer stops inside its transaction after it has
 * refilled every table; the reader's query starts then, and the locker lets
 * the installer commit only once the reader has either finished or is
 * waiting on a lock (pg_stat_activity says which). CI caught the fault this
 * guards as a flaky pipeline/test_adapter_stream_pg while cli/t0100 forced a
 * reinstall beside it. It runs in a database of its own, so that no other
 * test's install can come between its steps.
 */
#include "gtm/pg_functions.h"
#include "helpers.h"
#include <libpq-fe.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

/* The test's own database: other tests running beside it open adapters,
 * which install the functions whenever the marker is stale, and one doing
 * so between this test's marking and its lock would leave its installer
 * nothing to do (the test would wait in vain). NULL: the server's. */
static char dbname[64];

static PGconn *conn(void)
{
    const char *const keys[] = {"dbname", "dbname", NULL};
    const char *const vals[] = {th_pg_url(), dbname[0] ? dbname : NULL, NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("connect: %s", PQerrorMessage(c));
    return c;
}

static void exec(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
}

/* One text value (caller frees), NULL for SQL NULL. */
static char *text(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    char *v = PQgetisnull(r, 0, 0) ? NULL : strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

static int count(PGconn *c, const char *sql)
{
    char *v = text(c, sql);
    int n = v ? atoi(v) : -1;
    free(v);
    return n;
}

/* Wait (up to 60 s, polling every 10 ms) until the backend pid is in one of
 * the states the condition names; returns the state it reached. */
static char *wait_backend(PGconn *mon, int pid, const char *condition)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT CASE WHEN wait_event_type = 'Lock' THEN 'lock' WHEN state = 'idle' THEN 'idle' ELSE 'busy' END "
             "FROM pg_stat_activity WHERE pid = %d",
             pid);
    for (int i = 0; i < 6000; i++) {
        char *s = text(mon, sql);
        if (s && strstr(condition, s))
            return s;
        free(s);
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    fail_msg("backend %d never reached %s", pid, condition);
    return NULL;
}

typedef struct {
    PGconn *c;
    int rc;
    sl_error err;
} install_job;

static void *install_thread(void *arg)
{
    install_job *j = arg;
    j->rc = sl_gtm_pg_install(j->c, &j->err);
    return NULL;
}

/* registered_domain alone: a SQL function reading a table (country_code)
 * may be inlined into the calling statement, whose tables are locked
 * before its snapshot is taken, which would hide the fault. */
static const char *const probe = "SELECT sluice.registered_domain('https://www.shop.example.co.uk/x')";
static const char *const others = "SELECT sluice.country_code('Deutschland') || '|' || "
                                  "sluice.normalize_company('Acme GmbH')";

static void test_reinstall_beside_a_reader(void **state)
{
    (void)state;
    snprintf(dbname, sizeof dbname, "sluice_gtm_install_%ld", (long)getpid());
    char sql[160];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", dbname);
    th_pg_exec(sql);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", dbname);
    th_pg_exec(sql);
    PGconn *installer = conn(), *reader = conn(), *locker = conn(), *mon = conn();
    char *db = text(mon, "SELECT current_database()");
    assert_string_equal(db, dbname);
    free(db);
    sl_error err;
    assert_int_equal(sl_gtm_pg_install(installer, &err), 0);
    char *before = text(reader, probe);
    assert_non_null(before);
    assert_string_equal(before, "example.co.uk");
    char *others_before = text(reader, others);
    assert_string_equal(others_before, "DE|acme");
    int rules = count(mon, "SELECT count(*) FROM sluice.public_suffixes");
    assert_true(rules > 5000);

    /* an older marker: the next install replaces everything */
    exec(mon, "UPDATE sluice.functions_version SET version = 'gtm-0 older sluice'");
    exec(locker, "BEGIN");
    exec(locker, "SELECT * FROM sluice.functions_version FOR UPDATE");
    install_job job = {.c = installer};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, install_thread, &job), 0);
    /* the installer has refilled the tables and waits on the marker row */
    free(wait_backend(mon, PQbackendPID(installer), "lock"));

    assert_int_equal(PQsendQuery(reader, probe), 1);
    char *st = wait_backend(mon, PQbackendPID(reader), "idle lock");
    /* with the tables kept and emptied by DELETE the reader is not held */
    assert_string_equal(st, "idle");
    free(st);
    exec(locker, "COMMIT");
    assert_int_equal(pthread_join(t, NULL), 0);
    if (job.rc != 0)
        fail_msg("install: %s", job.err.msg);

    PGresult *r = PQgetResult(reader);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(r, 0, 0), before);
    PQclear(r);
    while ((r = PQgetResult(reader)))
        PQclear(r);

    /* after: the new marker, the same answers, the same rules, one index */
    char *after = text(reader, probe);
    assert_string_equal(after, before);
    char *others_after = text(reader, others);
    assert_string_equal(others_after, others_before);
    free(others_after);
    free(others_before);
    char *v = text(mon, "SELECT version FROM sluice.functions_version");
    assert_true(strncmp(v, SL_GTM_PG_VERSION " ", strlen(SL_GTM_PG_VERSION) + 1) == 0);
    assert_int_equal(count(mon, "SELECT count(*) FROM sluice.functions_version"), 1);
    assert_int_equal(count(mon, "SELECT count(*) FROM sluice.public_suffixes"), rules);
    assert_int_equal(count(mon, "SELECT count(*) FROM pg_indexes WHERE schemaname = 'sluice' AND tablename = "
                                "'public_suffixes'"),
                     1);
    free(v);
    free(after);
    free(before);
    PQfinish(installer);
    PQfinish(reader);
    PQfinish(locker);
    PQfinish(mon);
    snprintf(sql, sizeof sql, "DROP DATABASE %s", dbname);
    dbname[0] = 0;
    th_pg_exec(sql);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reinstall_beside_a_reader),
    };
    return cmocka_run_group_tests(tests, th_setup, th_teardown);
}
