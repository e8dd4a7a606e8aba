/*
 * pg.h: connecting to PostgreSQL and running statements, shared by the
 * postgres sink, the postgres source and the PostgreSQL state store.
 *
 * Connection settings are one struct, embedded in each component's option
 * struct, with one set of option rows (SL_PG_CONN_OPTIONS): either `url`
 * (a libpq URI or conninfo string, typically ${DATABASE_URL}) or the
 * fields host, port, user, password, database, sslmode, which override the
 * URL's. Passwords are registered as secrets so no log or error shows them.
 *
 * Errors carry the server's message (primary, detail, hint) and name what
 * was being done; SQL text in errors is cut at 200 bytes.
 */
#ifndef SL_PG_H
#define SL_PG_H
#include "config/options.h"
#include "core/error.h"
#include <libpq-fe.h>

typedef struct sl_pg_conn_opts {
    char *url, *host, *user, *password, *database, *sslmode;
    int64_t port;
} sl_pg_conn_opts;

#define SL_PG_CONN_OPTIONS(type, member)                                                                     \
    {"url", SL_OPT_STRING, "", SL_OPT_SECRET, offsetof(type, member.url), NULL,                                \
     "libpq connection URI or conninfo (postgresql://user@host:5432/db), usually ${DATABASE_URL}"},           \
    {"host", SL_OPT_STRING, "", 0, offsetof(type, member.host), NULL, "server host (overrides url)"},         \
    {"port", SL_OPT_INT, "0", 0, offsetof(type, member.port), NULL, "server port (overrides url)"},           \
    {"user", SL_OPT_STRING, "", 0, offsetof(type, member.user), NULL, "user name (overrides url)"},           \
    {"password", SL_OPT_STRING, "", SL_OPT_SECRET, offsetof(type, member.password), NULL,                     \
     "password, from ${ENV} (overrides url)"},                                                               \
    {"database", SL_OPT_STRING, "", 0, offsetof(type, member.database), NULL, "database name (overrides url)"}, \
    {"sslmode", SL_OPT_STRING, "", 0, offsetof(type, member.sslmode), NULL, "libpq sslmode (overrides url)"}

/* Connect; on failure err says why (never with the password). */
int sl_pg_connect(const sl_pg_conn_opts *o, PGconn **out, sl_error *err);
/* Connect a component: its own settings, else the project's PostgreSQL
 * warehouse (warehouse: {type: postgres, url: ...}); `what` names it. */
struct sl_project;
int sl_pg_connect_component(const sl_pg_conn_opts *o, const struct sl_project *p, const char *what, PGconn **out,
                            sl_error *err);
/* Run SQL with no result rows expected (several statements allowed). */
int sl_pg_exec(PGconn *c, const char *sql, sl_error *err);
/* The same, for SQL the user never wrote: a failure says "what: <the
 * server's message>" and the statement goes to the debug log only. */
int sl_pg_exec_step(PGconn *c, const char *sql, const char *what, sl_error *err);
/* Run a parameterised statement; *res is the result to PQclear (NULL on error). */
int sl_pg_query(PGconn *c, PGresult **res, sl_error *err, const char *sql, int nparams, const char *const *params);
/* Describe a failed result: "primary (DETAIL: ...) (HINT: ...)" into err. */
int sl_pg_result_error(const PGresult *r, PGconn *c, const char *what, sl_error *err);

#endif
