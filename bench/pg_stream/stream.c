/*
 * stream.c: how sl_adapter_query should read big results from PostgreSQL
 * (models/adapter_pg.c): single-row mode (PQsetSingleRowMode) against a
 * cursor read with FETCH n, and the buffered PQexecParams it replaced, on
 * the same query; wall time and the process's peak RSS of each, one mode
 * per run (peak RSS is per process).
 *   cc -O2 -o /tmp/stream bench/pg_stream/stream.c -I/usr/include/postgresql -lpq
 *   /tmp/stream URL single|cursor|buffered [ROWS] [FETCH]
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long long sum;
static void row(PGresult *r, int i)
{
    sum += atoll(PQgetvalue(r, i, 0)) + (long long)strlen(PQgetvalue(r, i, 1));
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    long rows = argc > 3 ? atol(argv[3]) : 1000000;
    int fetch = argc > 4 ? atoi(argv[4]) : 10000;
    PGconn *c = PQconnectdb(argv[1]);
    if (PQstatus(c) != CONNECTION_OK)
        return fprintf(stderr, "%s", PQerrorMessage(c)), 1;
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT g, md5(g::text) || md5((g + 1)::text) FROM generate_series(1, %ld) g", rows);
    double t0 = now();
    long n = 0;
    if (strcmp(argv[2], "single") == 0) {
        PQsendQueryParams(c, sql, 0, NULL, NULL, NULL, NULL, 0);
        PQsetSingleRowMode(c);
        PGresult *r;
        while ((r = PQgetResult(c)) != NULL) {
            if (PQresultStatus(r) == PGRES_SINGLE_TUPLE)
                row(r, 0), n++;
            PQclear(r);
        }
    } else if (strcmp(argv[2], "cursor") == 0) {
        PQclear(PQexec(c, "BEGIN"));
        char d[300];
        snprintf(d, sizeof d, "DECLARE c NO SCROLL CURSOR FOR %s", sql);
        PQclear(PQexec(c, d));
        char f[64];
        snprintf(f, sizeof f, "FETCH %d FROM c", fetch);
        for (;;) {
            PGresult *r = PQexecParams(c, f, 0, NULL, NULL, NULL, NULL, 0);
            int k = PQntuples(r);
            for (int i = 0; i < k; i++)
                row(r, i), n++;
            PQclear(r);
            if (k == 0)
                break;
        }
        PQclear(PQexec(c, "COMMIT"));
    } else {
        PGresult *r = PQexecParams(c, sql, 0, NULL, NULL, NULL, NULL, 0);
        int k = PQntuples(r);
        for (int i = 0; i < k; i++)
            row(r, i), n++;
        PQclear(r);
    }
    double t = now() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%-8s rows=%ld time=%.2fs rows/s=%.0f peak_rss=%ldMB (check %lld)\n", argv[2], n, t, n / t,
           ru.ru_maxrss / 1024, sum);
    PQfinish(c);
    return 0;
}
