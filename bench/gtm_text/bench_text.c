/*
 * bench_text.c: speed of the GTM text normalisers (gtm/gtm.h) over 1M
 * generated values (fixed seed): normalize_email, canonical_email and
 * normalize_company called from C with one reused output buffer, and the
 * same through SQLite (SELECT count(f(x)) FROM a table of the values), in
 * values per second. Build and run: sh bench/gtm_text/run.sh
 */
#include "core/util.h"
#include "expr/functions.h"
#include "gtm/gtm.h"
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N 1000000

static unsigned long long rng = 42;
static unsigned rnd(void)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)(rng >> 33);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(void)
{
    static const char *const first[] = {"ann", "Bob", "JÖRG", "élodie", "li.wei", "o'brien", "Maria.Garcia"};
    static const char *const dom[] = {"gmail.com", "Example.COM", "acme.co.uk", "googlemail.com", "münchen.de"};
    static const char *const co[] = {"Acme", "Globex", "Initech", "Müller", "Société Générale", "Procter & Gamble",
                                     "The Boring", "Umbrella Widgets"};
    static const char *const form[] = {", Inc.", " Inc", " LLC", " GmbH & Co. KG", " S.A.", " Ltd.", "", " Corp."};
    char **emails = malloc(N * sizeof *emails), **companies = malloc(N * sizeof *companies);
    char b[256];
    for (int i = 0; i < N; i++) {
        unsigned r = rnd();
        snprintf(b, sizeof b, "%s%s%u%s@%s%s", r % 5 == 0 ? "  " : "", first[r % 7], r % 1000,
                 r % 3 == 0 ? "+promo" : "", dom[(r >> 8) % 5], r % 11 == 0 ? ", x@y.com" : "");
        emails[i] = strdup(b);
        snprintf(b, sizeof b, "%s %u%s", co[(r >> 4) % 8], (r >> 12) % 100, form[(r >> 16) % 8]);
        companies[i] = strdup(b);
    }
    struct {
        const char *name;
        int (*fn)(const char *, size_t, sl_buf *);
        char **in;
    } c[] = {{"normalize_email", sl_gtm_email_normalize, emails},
             {"canonical_email", sl_gtm_email_canonical, emails},
             {"normalize_company", sl_gtm_company_normalize, companies}};
    sl_buf out;
    sl_buf_init(&out);
    sqlite3 *db;
    sqlite3_open(":memory:", &db);
    sl_functions_register(db);
    sqlite3_exec(db, "CREATE TABLE t(e TEXT, c TEXT)", 0, 0, 0);
    sqlite3_exec(db, "BEGIN", 0, 0, 0);
    sqlite3_stmt *ins;
    sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?, ?)", -1, &ins, 0);
    for (int i = 0; i < N; i++) {
        sqlite3_bind_text(ins, 1, emails[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, companies[i], -1, SQLITE_STATIC);
        sqlite3_step(ins);
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    sqlite3_exec(db, "COMMIT", 0, 0, 0);
    for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
        double t0 = now();
        long ok = 0;
        for (int i = 0; i < N; i++)
            ok += c[k].fn(c[k].in[i], strlen(c[k].in[i]), &out);
        double t1 = now();
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT count(%s(%s)) FROM t", c[k].name, c[k].in == emails ? "e" : "c");
        sqlite3_stmt *st;
        sqlite3_prepare_v2(db, sql, -1, &st, 0);
        sqlite3_step(st);
        long sqlok = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        double t2 = now();
        printf("%-18s C: %8.0f values/s   SQLite: %8.0f values/s   (%ld of %d normalised; SQL %ld)\n", c[k].name,
               N / (t1 - t0), N / (t2 - t1), ok, N, sqlok);
    }
    double t0 = now();
    sqlite3_exec(db, "SELECT count(*) FROM t WHERE trim(lower(e)) IS NOT NULL", 0, 0, 0);
    printf("baseline: SELECT count(trim(lower(e))) %.0f values/s\n", N / (now() - t0));
    sl_buf_release(&out);
    sqlite3_close(db);
    return 0;
}
