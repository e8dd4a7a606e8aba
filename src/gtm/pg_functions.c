/*
 * pg_functions.c: installing the GTM functions on a PostgreSQL warehouse
 * (gtm/pg_functions.h): the version check, the advisory lock, the DDL of
 * the schema `sluice` (tables, then functions), and the search_path.
 * The function bodies below are fixed text; everything that comes from
 * data (character maps, legal forms, suffix rules, names) arrives as
 * parameters or COPY rows (pg_charmap.c, pg_reference.c).
 */
#include "gtm/pg_functions.h"
#include "core/log.h"
#include "core/mem.h"
#include "db/pg.h"
#include "gtm/gtm.h"
#include "gtm/pg_install.h"
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#ifndef SLUICE_VERSION
#define SLUICE_VERSION "dev"
#endif
#define MARKER SL_GTM_PG_VERSION " sluice-" SLUICE_VERSION
/* pg_advisory_xact_lock key of the install: "slgtm" */
#define LOCK_KEY "115108103116109"

/* Tables first (emptied and refilled on every install: they are ours).
 * Emptied with DELETE, never DROP or TRUNCATE: another session's query that
 * calls registered_domain while a newer sluice reinstalls must keep seeing
 * the old rows until the install commits. A STABLE function reads its
 * tables with its caller's snapshot, so behind a DROP (or TRUNCATE) it
 * waited for the lock, then found the refilled table's rows invisible and
 * answered as if the list were empty ('co.uk' for www.shop.example.co.uk).
 * A later version that changes a table's shape must migrate it here. */
static const char *const tables_sql =
    "CREATE SCHEMA IF NOT EXISTS sluice;"
    "CREATE TABLE IF NOT EXISTS sluice.functions_version (version text NOT NULL, installed_at timestamptz NOT NULL "
    "DEFAULT now());"
    "CREATE TABLE IF NOT EXISTS sluice.public_suffixes (rule text NOT NULL);"
    "CREATE TABLE IF NOT EXISTS sluice.company_legal_forms (form text NOT NULL);"
    "CREATE TABLE IF NOT EXISTS sluice.countries (alpha2 text PRIMARY KEY, alpha3 text, name text);"
    "CREATE TABLE IF NOT EXISTS sluice.country_keys (key text PRIMARY KEY, code text NOT NULL);"
    "CREATE TABLE IF NOT EXISTS sluice.currencies (alpha3 text PRIMARY KEY, name text);"
    "CREATE TABLE IF NOT EXISTS sluice.currency_keys (key text PRIMARY KEY, code text NOT NULL);"
    "DELETE FROM sluice.public_suffixes; DELETE FROM sluice.company_legal_forms; DELETE FROM sluice.countries;"
    "DELETE FROM sluice.country_keys; DELETE FROM sluice.currencies; DELETE FROM sluice.currency_keys;"
    /* every character of x through the map m (JSON object char -> text) */
    "CREATE OR REPLACE FUNCTION sluice._map_chars(x text, m jsonb) RETURNS text LANGUAGE sql IMMUTABLE STRICT "
    "PARALLEL SAFE AS $f$ SELECT coalesce(string_agg(coalesce(m ->> c, c), '' ORDER BY i), '') FROM "
    "regexp_split_to_table(x, '') WITH ORDINALITY AS t(c, i) $f$;"
    /* define sluice.<fname>(x text) from a character map (pg_install.h):
     * PL/pgSQL, whose plans (and so the map's constants, parsed once) are
     * cached for the session; a SQL function would parse them per call */
    "CREATE OR REPLACE FUNCTION sluice._install_charmap(fname text, af text, at text, f text, t text, cls text, m "
    "jsonb) RETURNS void LANGUAGE plpgsql AS $f$ BEGIN EXECUTE format('CREATE OR REPLACE FUNCTION sluice.%I(x text) "
    "RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS %L', fname, "
    "format('BEGIN IF x !~ ''[^\\x01-\\x7f]'' THEN RETURN translate(x, %L, %L); END IF; ', af, at) || "
    "CASE WHEN cls = '' THEN '' ELSE format('IF x ~ %L THEN RETURN sluice._map_chars(x, %L::jsonb); END IF; ', cls, "
    "m) END || format('RETURN translate(x, %L, %L); END', f, t)); END $f$;";

/* Then the functions (CREATE OR REPLACE: views using them survive). */
static const char *const functions_sql =
    /* ---- e-mail (email.c): one dot-atom addr-spec, trimmed, lower-cased */
    "CREATE OR REPLACE FUNCTION sluice._email_shape(e text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE "
    "AS $f$ SELECT CASE WHEN e ~ '^[a-z0-9!#$%&''*+/=?^_`{|}~\\u0080-\\U0010FFFF-]+(\\.[a-z0-9!#$%&''*+/=?^_`{|}~"
    "\\u0080-\\U0010FFFF-]+)*@[a-z0-9\\u0080-\\U0010FFFF]([a-z0-9\\u0080-\\U0010FFFF-]*[a-z0-9\\u0080-\\U0010FFFF])?"
    "(\\.[a-z0-9\\u0080-\\U0010FFFF]([a-z0-9\\u0080-\\U0010FFFF-]*[a-z0-9\\u0080-\\U0010FFFF])?)+$' "
    "AND char_length(split_part(e, '@', 1)) <= 64 AND char_length(e) <= 254 "
    "AND split_part(e, '@', 2) !~ '[^.]{64}' AND substring(e FROM '[^.]*$') ~ '^.*[^0-9].*$' "
    "AND char_length(substring(e FROM '[^.]*$')) >= 2 THEN e END $f$;"
    "CREATE OR REPLACE FUNCTION sluice.normalize_email(x text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL "
    "SAFE AS $f$ SELECT sluice._email_shape(sluice.lower(btrim(x, E' \\t\\r\\n\\f\\v'))) $f$;"
    /* canonical: a +tag (from a '+' past the first character) removed;
     * gmail.com / googlemail.com: dots removed, gmail.com */
    "CREATE OR REPLACE FUNCTION sluice._email_canonical(e text) RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT "
    "PARALLEL SAFE AS $f$ DECLARE l text := split_part(e, '@', 1); d text := split_part(e, '@', 2); p int; BEGIN "
    "p := position('+' IN substr(l, 2)); IF p > 0 THEN l := substr(l, 1, p); END IF; "
    "IF d IN ('gmail.com', 'googlemail.com') THEN l := replace(l, '.', ''); d := 'gmail.com'; END IF; "
    "IF l = '' THEN RETURN NULL; END IF; RETURN l || '@' || d; END $f$;"
    "CREATE OR REPLACE FUNCTION sluice.canonical_email(x text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL "
    "SAFE AS $f$ SELECT sluice._email_canonical(sluice.normalize_email(x)) $f$;"
    "CREATE OR REPLACE FUNCTION sluice.email_domain(x text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE "
    "AS $f$ SELECT split_part(sluice.normalize_email(x), '@', 2) $f$;"
    "CREATE OR REPLACE FUNCTION sluice.is_valid_email(x text) RETURNS integer LANGUAGE sql IMMUTABLE STRICT PARALLEL "
    "SAFE AS $f$ SELECT (sluice.normalize_email(x) IS NOT NULL)::integer $f$;"
    /* ---- companies (company.c): the fold map gives word characters, ' ',
     * '.' and '&'; a dot after a one-character word joins; '&' is "and";
     * a leading "the" goes; legal forms go from the end, longest first,
     * while a word is left (not past 64 words) */
    "CREATE OR REPLACE FUNCTION sluice.normalize_company(x text) RETURNS text LANGUAGE plpgsql STABLE STRICT "
    "PARALLEL SAFE AS $f$ DECLARE s text; w text[]; n int; m int; f int := 1; BEGIN "
    "s := sluice._company_fold(x); "
    "s := regexp_replace(s, '(?<![^ .&])([^ .&])\\.', '\\1', 'g'); "
    "s := replace(s, '&', ' and '); "
    "s := btrim(regexp_replace(s, '[ .]+', ' ', 'g')); "
    "IF s = '' THEN RETURN NULL; END IF; w := string_to_array(s, ' '); n := array_length(w, 1); "
    "IF n > 1 AND w[1] = 'the' THEN f := 2; END IF; "
    "IF n <= 64 THEN LOOP "
    "SELECT max(k) INTO m FROM generate_series(1, n - f) k WHERE EXISTS (SELECT 1 FROM sluice.company_legal_forms "
    "l WHERE l.form = array_to_string(w[n - k + 1 : n], ' ')); "
    "EXIT WHEN m IS NULL; n := n - m; END LOOP; END IF; "
    "RETURN array_to_string(w[f : n], ' '); END $f$;"
    /* ---- domains (domain.c) */
    "CREATE OR REPLACE FUNCTION sluice.url_host(x text) RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL "
    "SAFE AS $f$ DECLARE s text := btrim(x, E' \\t\\r\\n\\f\\v'); h text; b int; BEGIN "
    "IF s ~ '^[A-Za-z][A-Za-z0-9+.-]*://' THEN s := substr(s, position('://' IN s) + 3); "
    "ELSIF left(s, 2) = '//' THEN s := substr(s, 3); END IF; "
    "s := substring(s FROM '^[^/?#\\\\]*'); "
    "s := regexp_replace(s, '^.*@', ''); "
    "IF left(s, 1) = '[' THEN "
    "h := substring(s FROM '^\\[([0-9a-fA-F:.]*)\\](:[0-9]*)?$'); "
    "IF h IS NULL OR char_length(h) < 2 THEN RETURN NULL; END IF; RETURN sluice.lower(h); END IF; "
    "b := position(':' IN s); IF b > 0 THEN IF substr(s, b + 1) !~ '^[0-9]*$' THEN RETURN NULL; END IF; "
    "s := left(s, b - 1); END IF; "
    "IF right(s, 1) = '.' THEN s := left(s, -1); END IF; "
    "s := sluice.lower(s); "
    "IF s = '' OR octet_length(s) > 253 OR s !~ '^[a-zA-Z0-9\\u0080-\\U0010FFFF-]+(\\.[a-zA-Z0-9\\u0080-\\U0010FFFF-]+)*$' "
    "OR s ~ '(^|\\.)-' OR s ~ '-(\\.|$)' "
    "OR EXISTS (SELECT 1 FROM unnest(string_to_array(s, '.')) l WHERE octet_length(l) > 63) THEN RETURN NULL; END IF; "
    "RETURN s; END $f$;"
    /* the Public Suffix List's algorithm: the longest matching rule, an
     * exception (!rule) winning and meaning the rule minus its first
     * label, a wildcard (*.rule) matching any one label; no rule: the
     * last label; the registrable domain is one label more */
    "CREATE OR REPLACE FUNCTION sluice.registered_domain(x text) RETURNS text LANGUAGE plpgsql STABLE STRICT "
    "PARALLEL SAFE AS $f$ DECLARE h text := sluice.url_host(x); l text[]; c text[] := '{}'; s text; n int; ps int; "
    "exc int; BEGIN "
    "IF h IS NULL OR position('.' IN h) = 0 OR position(':' IN h) > 0 OR h ~ '\\.[0-9]+$' THEN RETURN NULL; END IF; "
    "l := string_to_array(h, '.'); n := array_length(l, 1); "
    "FOR i IN 1 .. n LOOP s := array_to_string(l[i : n], '.'); c := c || s || ('!' || s); "
    "IF i > 1 THEN c := c || ('*.' || s); END IF; END LOOP; "
    "SELECT max(length(rule) - length(replace(rule, '.', '')) + 1) FILTER (WHERE left(rule, 1) <> '!'), "
    "max(length(rule) - length(replace(rule, '.', ''))) FILTER (WHERE left(rule, 1) = '!') INTO ps, exc "
    "FROM sluice.public_suffixes WHERE rule = ANY(c); "
    "ps := coalesce(exc, ps, 1); "
    "IF ps >= n THEN RETURN NULL; END IF; RETURN array_to_string(l[n - ps : n], '.'); END $f$;"
    /* ---- countries and currencies (country.c): its key, its codes */
    "CREATE OR REPLACE FUNCTION sluice._ref_key(x text) RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE "
    "AS $f$ DECLARE k text; BEGIN IF octet_length(x) > 512 THEN RETURN NULL; END IF; k := sluice._ref_fold(x); "
    "IF k = '' THEN RETURN NULL; END IF; IF k ~ '^[0-9]{1,6}$' AND k::int < 1000 THEN RETURN lpad(k::int::text, 3, "
    "'0'); END IF; RETURN k; END $f$;"
    "CREATE OR REPLACE FUNCTION sluice._ref_code(k text, cur boolean) RETURNS text LANGUAGE sql STABLE STRICT "
    "PARALLEL SAFE AS $f$ SELECT CASE WHEN cur THEN coalesce((SELECT code FROM sluice.currency_keys WHERE key = k), "
    "CASE WHEN octet_length(k) > 3 AND left(k, 3) = 'the' THEN (SELECT code FROM sluice.currency_keys WHERE key = "
    "substr(k, 4)) END) ELSE coalesce((SELECT code FROM sluice.country_keys WHERE key = k), CASE WHEN "
    "octet_length(k) > 3 AND left(k, 3) = 'the' THEN (SELECT code FROM sluice.country_keys WHERE key = substr(k, "
    "4)) END) END $f$;"
    "CREATE OR REPLACE FUNCTION sluice.country_code(x text) RETURNS text LANGUAGE sql STABLE STRICT PARALLEL SAFE AS "
    "$f$ SELECT sluice._ref_code(sluice._ref_key(x), false) $f$;"
    "CREATE OR REPLACE FUNCTION sluice.country_name(x text) RETURNS text LANGUAGE sql STABLE STRICT PARALLEL SAFE AS "
    "$f$ SELECT name FROM sluice.countries WHERE alpha2 = sluice.country_code(x) $f$;"
    "CREATE OR REPLACE FUNCTION sluice.country_alpha3(x text) RETURNS text LANGUAGE sql STABLE STRICT PARALLEL SAFE "
    "AS $f$ SELECT alpha3 FROM sluice.countries WHERE alpha2 = sluice.country_code(x) $f$;"
    "CREATE OR REPLACE FUNCTION sluice.currency_code(x text) RETURNS text LANGUAGE sql STABLE STRICT PARALLEL SAFE "
    "AS $f$ SELECT sluice._ref_code(sluice._ref_key(x), true) $f$;"
    "CREATE OR REPLACE FUNCTION sluice.currency_name(x text) RETURNS text LANGUAGE sql STABLE STRICT PARALLEL SAFE "
    "AS $f$ SELECT name FROM sluice.currencies WHERE alpha3 = sluice.currency_code(x) $f$;"
    /* phones: libphonenumber is not in PostgreSQL */
    "CREATE OR REPLACE FUNCTION sluice._no_phones(fname text) RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE "
    "AS $f$ BEGIN RAISE EXCEPTION '% is not available in PostgreSQL models: phones need libphonenumber, which runs "
    "in sluice, not in the warehouse', fname USING ERRCODE = 'feature_not_supported', HINT = 'normalise phones in the "
    "pipeline that loads the table (the normalize transform, or normalize_phone() in a derive step), or build the "
    "model on a SQLite warehouse'; END $f$;"
    "CREATE OR REPLACE FUNCTION sluice.normalize_phone(x text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS "
    "$f$ SELECT sluice._no_phones('normalize_phone') $f$;"
    "CREATE OR REPLACE FUNCTION sluice.normalize_phone(x text, region text) RETURNS text LANGUAGE sql IMMUTABLE "
    "PARALLEL SAFE AS $f$ SELECT sluice._no_phones('normalize_phone') $f$;"
    "CREATE OR REPLACE FUNCTION sluice.phone_is_valid(x text) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE "
    "AS $f$ SELECT sluice._no_phones('phone_is_valid')::integer $f$;"
    "CREATE OR REPLACE FUNCTION sluice.phone_is_valid(x text, region text) RETURNS integer LANGUAGE sql IMMUTABLE "
    "PARALLEL SAFE AS $f$ SELECT sluice._no_phones('phone_is_valid')::integer $f$;"
    "CREATE OR REPLACE FUNCTION sluice.phone_region(x text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS "
    "$f$ SELECT sluice._no_phones('phone_region') $f$;"
    "CREATE OR REPLACE FUNCTION sluice.phone_region(x text, region text) RETURNS text LANGUAGE sql IMMUTABLE "
    "PARALLEL SAFE AS $f$ SELECT sluice._no_phones('phone_region') $f$;"
    "CREATE OR REPLACE FUNCTION sluice.phone_type(x text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS "
    "$f$ SELECT sluice._no_phones('phone_type') $f$;"
    "CREATE OR REPLACE FUNCTION sluice.phone_type(x text, region text) RETURNS text LANGUAGE sql IMMUTABLE "
    "PARALLEL SAFE AS $f$ SELECT sluice._no_phones('phone_type') $f$;";

/* After the data: the match keys and the indexes. */
static const char *const keys_sql =
    "CREATE INDEX IF NOT EXISTS public_suffixes_rule_idx ON sluice.public_suffixes (rule);"
    "ANALYZE sluice.public_suffixes, sluice.company_legal_forms, sluice.country_keys, sluice.currency_keys;";

static int step(PGconn *c, const char *sql, sl_error *err)
{
    return sl_pg_exec_step(c, sql, "installing sluice's GTM functions", err);
}

static int params(PGconn *c, const char *sql, int n, const char *const *p, PGresult **res, sl_error *err)
{
    PGresult *r = PQexecParams(c, sql, n, NULL, p, NULL, NULL, 0);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        sl_pg_result_error(r, c, "installing sluice's GTM functions", err);
        PQclear(r);
        return -1;
    }
    if (res)
        *res = r;
    else
        PQclear(r);
    return 0;
}

/* 1 when the marker says MARKER, 0 when not (or no marker), -1 on error. */
static int installed(PGconn *c, sl_error *err)
{
    PGresult *r;
    if (params(c, "SELECT to_regclass('sluice.functions_version') IS NOT NULL", 0, NULL, &r, err) < 0)
        return -1;
    int has = PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (!has)
        return 0;
    const char *p[1] = {MARKER};
    if (params(c, "SELECT 1 FROM sluice.functions_version WHERE version = $1", 1, p, &r, err) < 0)
        return -1;
    int same = PQntuples(r) > 0;
    PQclear(r);
    return same;
}

static int install_charmap(PGconn *c, const char *name, int (*fn)(const char *, size_t, sl_buf *), sl_error *err)
{
    sl_gtm_charmap m;
    sl_gtm_pg_charmap(fn, &m);
    const char *p[7] = {name, m.ascii_from.data, m.ascii_to.data, m.from.data, m.to.data, m.cls.data, m.json.data};
    int rc = params(c, "SELECT sluice._install_charmap($1, $2, $3, $4, $5, $6, $7::jsonb)", 7, p, NULL, err);
    sl_gtm_pg_charmap_release(&m);
    return rc;
}

static int install_legal_forms(PGconn *c, sl_error *err)
{
    size_t n = 0;
    const char *const *forms = sl_gtm_company_legal_forms(&n);
    for (size_t i = 0; i < n; i++) {
        const char *p[1] = {forms[i]};
        /* written as company.c's words already ("gmbh and co kg") */
        if (params(c, "INSERT INTO sluice.company_legal_forms (form) VALUES ($1)", 1, p, NULL, err) < 0)
            return -1;
    }
    return 0;
}

static int install(PGconn *c, sl_error *err)
{
    int rc = step(c, "BEGIN", err);
    if (rc == 0)
        rc = step(c, "SELECT pg_advisory_xact_lock(" LOCK_KEY ")", err);
    int have = rc == 0 ? installed(c, err) : -1;
    if (have == 1)
        return step(c, "COMMIT", err); /* a concurrent opener did it while we waited */
    rc = have < 0 ? -1 : step(c, tables_sql, err);
    if (rc == 0)
        rc = install_charmap(c, "lower", sl_gtm_text_lower, err);
    if (rc == 0)
        rc = install_charmap(c, "upper", sl_gtm_text_upper, err);
    if (rc == 0)
        rc = install_charmap(c, "casefold", sl_gtm_text_casefold, err);
    if (rc == 0)
        rc = install_charmap(c, "unaccent", sl_gtm_text_unaccent, err);
    if (rc == 0)
        rc = install_charmap(c, "_company_fold", sl_gtm_pg_company_char, err);
    if (rc == 0)
        rc = install_charmap(c, "_ref_fold", sl_gtm_pg_ref_char, err);
    if (rc == 0)
        rc = step(c, functions_sql, err);
    if (rc == 0)
        rc = install_legal_forms(c, err);
    if (rc == 0)
        rc = sl_gtm_pg_load_reference(c, err);
    if (rc == 0)
        rc = step(c, keys_sql, err);
    const char *p[1] = {MARKER};
    if (rc == 0)
        rc = step(c, "DELETE FROM sluice.functions_version", err);
    if (rc == 0)
        rc = params(c, "INSERT INTO sluice.functions_version (version) VALUES ($1)", 1, p, NULL, err);
    if (rc == 0)
        return step(c, "COMMIT", err);
    sl_error ignored;
    step(c, "ROLLBACK", &ignored);
    return -1;
}

int sl_gtm_pg_install(PGconn *c, sl_error *err)
{
    int have = installed(c, err);
    if (have != 0)
        return have < 0 ? -1 : 0;
    int64_t t0 = sl_now_us();
    if (install(c, err) < 0)
        return -1;
    sl_log_info("installed sluice's GTM functions (%s) in schema sluice in %lld ms", MARKER,
                (long long)((sl_now_us() - t0) / 1000));
    return 0;
}

/* Whether the comma-separated search_path already names the schema. */
static int path_has(const char *path, const char *schema)
{
    size_t sn = strlen(schema);
    for (const char *p = path; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        while (n && p[n - 1] == ' ')
            n--;
        if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
            p++;
            n -= 2;
        }
        if (n == sn && memcmp(p, schema, n) == 0)
            return 1;
        p += n;
        while (*p && *p != ',')
            p++;
    }
    return 0;
}

int sl_gtm_pg_search_path(PGconn *c, sl_error *err)
{
    PGresult *r;
    if (params(c, "SELECT current_setting('search_path')", 0, NULL, &r, err) < 0)
        return -1;
    char *path = sl_strdup(PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    int rc = 0;
    if (!path_has(path, SL_GTM_PG_SCHEMA)) {
        sl_buf b;
        sl_buf_init(&b);
        sl_buf_adds(&b, path);
        if (b.len && strcmp(path, "\"\"") != 0)
            sl_buf_adds(&b, ", ");
        else
            sl_buf_reset(&b);
        sl_buf_adds(&b, SL_GTM_PG_SCHEMA);
        const char *p[1] = {b.data};
        rc = params(c, "SELECT set_config('search_path', $1, false)", 1, p, NULL, err);
        sl_buf_release(&b);
    }
    sl_free(path);
    return rc;
}

/* The databases this process installed on (or failed to): host:port/db. */
static pthread_mutex_t done_mu = PTHREAD_MUTEX_INITIALIZER;
static char *done_keys[16];
static size_t done_n;

int sl_gtm_pg_prepare(PGconn *c, sl_error *err)
{
    char key[512];
    snprintf(key, sizeof key, "%s:%s/%s", PQhost(c) ? PQhost(c) : "", PQport(c) ? PQport(c) : "",
             PQdb(c) ? PQdb(c) : "");
    pthread_mutex_lock(&done_mu);
    int seen = 0;
    for (size_t i = 0; i < done_n && !seen; i++)
        seen = strcmp(done_keys[i], key) == 0;
    if (!seen) {
        sl_error e;
        if (sl_gtm_pg_install(c, &e) < 0) {
            if (PQstatus(c) != CONNECTION_OK) {
                pthread_mutex_unlock(&done_mu);
                *err = e;
                return -1;
            }
            sl_log_warn("PostgreSQL warehouse: sluice's GTM functions (normalize_email, country_code, ...) are not "
                        "installed, models calling them will fail: %s",
                        e.msg);
        }
        if (done_n < sizeof done_keys / sizeof *done_keys)
            done_keys[done_n++] = sl_strdup(key);
    }
    pthread_mutex_unlock(&done_mu);
    sl_error ignored;
    if (sl_gtm_pg_search_path(c, &ignored) < 0 && PQstatus(c) != CONNECTION_OK) {
        *err = ignored;
        return -1;
    }
    return 0;
}
