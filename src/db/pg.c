/* pg.c: see pg.h. */
#include "db/pg.h"
#include "config/project.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/util.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Server notices and warnings go to our log, not straight to stderr. */
static void notice(void *arg, const char *msg)
{
    (void)arg;
    char m[512];
    snprintf(m, sizeof m, "%s", msg);
    m[strcspn(m, "\n")] = 0;
    sl_log_redact(m);
    if (strncmp(m, "WARNING", 7) == 0)
        sl_log_warn("postgres: %s", m);
    else
        sl_log_debug("postgres: %s", m);
}

static int hexdig(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The password inside a postgres:// or postgresql:// URL, as written and
 * percent-decoded, registered as secrets before libpq sees the URL. A
 * password written with a raw '@', '/' or '#' (postgresql://u:p@ss/w@h/db:
 * the host follows the last '@') would make libpq split the URL in the
 * wrong place and echo pieces of it in its error; such a password is
 * percent-encoded here. Returns the URL to connect with (caller frees) or
 * NULL to use url as it is. */
static char *url_password(const char *url)
{
    const char *p = strstr(url, "://");
    if (!p || (strncmp(url, "postgresql://", 13) != 0 && strncmp(url, "postgres://", 11) != 0))
        return NULL;
    p += 3;
    const char *at = strrchr(p, '@');
    const char *colon = at ? memchr(p, ':', (size_t)(at - p)) : NULL;
    if (!colon || memchr(p, '?', (size_t)(at - p)))
        return NULL;
    const char *pw = colon + 1;
    size_t n = (size_t)(at - pw);
    char *written = sl_strndup(pw, n), *plain = sl_malloc(n + 1);
    size_t k = 0;
    int odd = 0; /* a character libpq would take for a delimiter, or a stray '%' */
    for (size_t i = 0; i < n; i++) {
        if (pw[i] == '%' && i + 2 < n && hexdig(pw[i + 1]) && hexdig(pw[i + 2])) {
            char h[3] = {pw[i + 1], pw[i + 2], 0};
            plain[k++] = (char)strtol(h, NULL, 16);
            i += 2;
        } else {
            if (strchr("@/#%", pw[i]))
                odd = 1;
            plain[k++] = pw[i];
        }
    }
    plain[k] = 0;
    sl_log_secret(written);
    sl_log_secret(plain);
    char *fixed = NULL;
    if (odd) {
        sl_buf b;
        sl_buf_init(&b);
        sl_buf_add(&b, url, (size_t)(pw - url));
        for (size_t i = 0; i < k; i++) {
            unsigned char c = (unsigned char)plain[i];
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("-._~", c))
                sl_buf_addc(&b, (char)c);
            else
                sl_buf_addf(&b, "%%%02X", c);
        }
        sl_buf_adds(&b, at);
        fixed = sl_buf_detach(&b);
    }
    sl_free(written);
    sl_free(plain);
    return fixed;
}

int sl_pg_connect(const sl_pg_conn_opts *o, PGconn **out, sl_error *err)
{
    const char *keys[9], *vals[9];
    int n = 0;
    char port[24];
    char *fixed_url = o->url && *o->url ? url_password(o->url) : NULL;
    /* dbname first with expand_dbname: a URL or conninfo there is expanded,
     * and the fields after it override what it said */
    if (o->url && *o->url) {
        keys[n] = "dbname";
        vals[n++] = fixed_url ? fixed_url : o->url;
    }
#define FIELD(k, v)              \
    if ((v) && *(v)) {           \
        keys[n] = (k);           \
        vals[n++] = (v);         \
    }
    FIELD("host", o->host);
    FIELD("user", o->user);
    FIELD("password", o->password);
    FIELD("dbname", o->database);
    FIELD("sslmode", o->sslmode);
#undef FIELD
    if (o->port > 0) {
        snprintf(port, sizeof port, "%lld", (long long)o->port);
        keys[n] = "port";
        vals[n++] = port;
    }
    keys[n] = "application_name";
    vals[n++] = "sluice";
    keys[n] = NULL;
    vals[n] = NULL;
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    sl_free(fixed_url);
    if (!c)
        return sl_error_set(err, SL_EIO, "postgres: out of memory");
    /* the password may have come inside the URL: never show it */
    const char *pw = PQpass(c);
    if (pw && *pw)
        sl_log_secret(pw);
    if (PQstatus(c) != CONNECTION_OK) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(c));
        msg[strcspn(msg, "\n")] = 0;
        sl_log_redact(msg);
        sl_error_set(err, SL_EIO, "cannot connect to PostgreSQL at %s:%s/%s: %s", PQhost(c) ? PQhost(c) : "?",
                     PQport(c) ? PQport(c) : "?", PQdb(c) ? PQdb(c) : "?", msg);
        PQfinish(c);
        return -1;
    }
    PQsetNoticeProcessor(c, notice, NULL);
    /* the notices of CREATE ... IF NOT EXISTS are noise in our logs */
    PGresult *r = PQexec(c, "SET client_min_messages = warning; SET client_encoding = 'UTF8'");
    PQclear(r);
    *out = c;
    return 0;
}

int sl_pg_result_error(const PGresult *r, PGconn *c, const char *what, sl_error *err)
{
    const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *detail = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : NULL;
    const char *hint = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_HINT) : NULL;
    char msg[1024];
    if (primary)
        snprintf(msg, sizeof msg, "%s%s%s%s", primary, detail ? " (DETAIL: " : "", detail ? detail : "",
                 detail ? ")" : "");
    else
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(c));
    msg[strcspn(msg, "\n")] = 0;
    if (hint) {
        size_t l = strlen(msg);
        snprintf(msg + l, sizeof msg - l, " (HINT: %s)", hint);
    }
    sl_log_redact(msg);
    return sl_error_set(err, SL_ESQL, "%s: %s", what, msg);
}

int sl_pg_exec(PGconn *c, const char *sql, sl_error *err)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType s = PQresultStatus(r);
    int rc = 0;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        char what[256];
        snprintf(what, sizeof what, "postgres (in: %.200s)", sql);
        rc = sl_pg_result_error(r, c, what, err);
    }
    PQclear(r);
    return rc;
}

int sl_pg_exec_step(PGconn *c, const char *sql, const char *what, sl_error *err)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType s = PQresultStatus(r);
    int rc = 0;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        sl_log_debug("%s failed: %s", what, sql);
        rc = sl_pg_result_error(r, c, what, err);
    }
    PQclear(r);
    return rc;
}

int sl_pg_query(PGconn *c, PGresult **res, sl_error *err, const char *sql, int nparams, const char *const *params)
{
    PGresult *r = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        char what[256];
        snprintf(what, sizeof what, "postgres (in: %.200s)", sql);
        sl_pg_result_error(r, c, what, err);
        PQclear(r);
        *res = NULL;
        return -1;
    }
    *res = r;
    return 0;
}

int sl_pg_connect_component(const sl_pg_conn_opts *o, const sl_project *p, const char *what, PGconn **out,
                            sl_error *err)
{
    int own = (o->url && *o->url) || (o->host && *o->host) || (o->database && *o->database);
    if (own || getenv("PGHOST") || getenv("PGDATABASE"))
        return sl_pg_connect(o, out, err);
    if (!p->warehouse_url)
        return sl_error_set(err, SL_ECONFIG,
                            "%s has no connection: give it url: (for example url: ${DATABASE_URL}) or make the "
                            "project's warehouse PostgreSQL (warehouse: {type: postgres, url: ...} in sluice.yml)",
                            what);
    sl_pg_conn_opts w = *o;
    w.url = p->warehouse_url;
    return sl_pg_connect(&w, out, err);
}
