/*
 * pg_reference.c: the reference tables of the GTM functions on PostgreSQL
 * (gtm/pg_install.h): the Public Suffix List (Debian's publicsuffix
 * package), ISO 3166-1 countries and ISO 4217 currencies (Debian's
 * iso-codes: its JSON, whose text goes to the server as one parameter and
 * is unpacked there with jsonb, and its gettext .mo translations, read
 * here and sent with COPY). Every name is keyed and coded by country.c
 * itself (sl_gtm_ref_fold, sl_gtm_country_code), so the key -> code
 * tables hold exactly its answers; PostgreSQL folds a function's input
 * with a per-character map of the same fold (pg_charmap.c).
 */
#include "gtm/pg_install.h"
#include "core/log.h"
#include "core/mem.h"
#include "db/pg.h"
#include "gtm/country.h"
#include "gtm/gtm.h"
#include "gtm/mo.h"
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#define PSL_FILE "/usr/share/publicsuffix/public_suffix_list.dat"
#define ISO_JSON "/usr/share/iso-codes/json/"
#define LOCALE_DIR "/usr/share/locale"

static int read_file(const char *path, sl_buf *out, sl_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return sl_error_set(err, SL_EIO, "cannot read %s (install Debian's publicsuffix and iso-codes)", path);
    char chunk[65536];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
        sl_buf_add(out, chunk, k);
    sl_buf_add(out, "", 0);
    fclose(f);
    return 0;
}

static int run(PGconn *c, const char *sql, int n, const char *const *params, sl_error *err)
{
    PGresult *r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType s = PQresultStatus(r);
    int rc = 0;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
        rc = sl_pg_result_error(r, c, "installing sluice's GTM functions", err);
    PQclear(r);
    return rc;
}

/* A COPY text-format field: backslash, tab, newline and CR escaped. */
static void copy_field(sl_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '\\' || ch == '\t' || ch == '\n' || ch == '\r') {
            sl_buf_addc(b, '\\');
            ch = ch == '\t' ? 't' : ch == '\n' ? 'n' : ch == '\r' ? 'r' : '\\';
        }
        sl_buf_addc(b, ch);
    }
}

/* Send rows (COPY text format, already escaped) to a COPY ... FROM STDIN. */
static int copy_in(PGconn *c, const char *sql, const sl_buf *rows, sl_error *err)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        sl_pg_result_error(r, c, "installing sluice's GTM functions", err);
        PQclear(r);
        return -1;
    }
    PQclear(r);
    int ok = rows->len == 0 || PQputCopyData(c, rows->data, (int)rows->len) == 1;
    if (PQputCopyEnd(c, ok ? NULL : "client error") != 1)
        ok = 0;
    int rc = 0;
    while ((r = PQgetResult(c)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && rc == 0)
            rc = sl_pg_result_error(r, c, "installing sluice's GTM functions", err);
        PQclear(r);
    }
    if (!ok && rc == 0)
        rc = sl_pg_result_error(NULL, c, "installing sluice's GTM functions", err);
    return rc;
}

static int load_psl(PGconn *c, sl_error *err)
{
    sl_buf f, rows;
    sl_buf_init(&f);
    sl_buf_init(&rows);
    int rc = read_file(PSL_FILE, &f, err);
    for (char *line = f.data; rc == 0 && line && *line;) {
        char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        size_t w = strcspn(line, " \t\r\n");
        if (w > n)
            w = n;
        if (w > 0 && !(w >= 2 && line[0] == '/' && line[1] == '/')) {
            copy_field(&rows, line, w);
            sl_buf_addc(&rows, '\n');
        }
        line = end ? end + 1 : NULL;
    }
    if (rc == 0)
        rc = copy_in(c, "COPY sluice.public_suffixes (rule) FROM STDIN", &rows, err);
    sl_buf_release(&f);
    sl_buf_release(&rows);
    return rc;
}

typedef struct mo_ctx {
    const char *kind;
    sl_buf *rows;
} mo_ctx;

static int mo_pair(void *ctx, const char *msgid, size_t idn, const char *msgstr, size_t strn)
{
    (void)msgid;
    (void)idn;
    mo_ctx *m = ctx;
    if (sl_utf8_valid_prefix(msgstr, strn) != strn)
        return 0;
    copy_field(m->rows, m->kind, strlen(m->kind));
    sl_buf_addc(m->rows, '\t');
    copy_field(m->rows, msgstr, strn);
    sl_buf_addc(m->rows, '\n');
    return 0;
}

/* The translations (msgstr) of one gettext .mo file (gtm/mo.h) as COPY
 * rows "kind\tmsgstr\n"; a malformed file is skipped with a debug line. */
static void mo_rows(const char *path, const char *kind, sl_buf *rows)
{
    sl_buf f;
    sl_buf_init(&f);
    sl_error e;
    char why[128];
    mo_ctx m = {kind, rows};
    if (read_file(path, &f, &e) == 0 && sl_mo_parse(f.data, f.len, mo_pair, &m, why, sizeof why) < 0)
        sl_log_debug("gtm: %s: %s", path, why);
    sl_buf_release(&f);
}

/* Every language's translations of one iso-codes domain ("iso_3166-1")
 * into the temp table sluice_names as names of kind. */
static int load_mo(PGconn *c, const char *domain, const char *kind, sl_error *err)
{
    sl_buf rows, path;
    sl_buf_init(&rows);
    sl_buf_init(&path);
    DIR *dir = opendir(LOCALE_DIR);
    struct dirent *de;
    while (dir && (de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        sl_buf_reset(&path);
        sl_buf_addf(&path, "%s/%s/LC_MESSAGES/%s.mo", LOCALE_DIR, de->d_name, domain);
        mo_rows(path.data, kind, &rows);
    }
    if (dir)
        closedir(dir);
    int rc = copy_in(c, "COPY sluice_names (kind, name) FROM STDIN", &rows, err);
    sl_buf_release(&rows);
    sl_buf_release(&path);
    return rc;
}

/* Probes country.c knows beyond iso-codes (its documented aliases,
 * docs/gtm/reference.md): their keys go in too; the codes still come
 * from country.c. */
static const char *const alias_probes[] = {
    "UK", "Great Britain", "Britain", "England", "Scotland", "Wales", "Northern Ireland", "USA", "America",
    "United States of America", "Holland", "Russia", "Turkey", "Czech Republic", "Republic of Korea",
    "Ivory Coast", "Cape Verde", "East Timor", "Swaziland", "Macedonia", "Burma", "Vatican", "Vatican City",
    "Brunei", "DR Congo", "DRC", "Democratic Republic of the Congo", "Micronesia", "Palestine", "UAE",
    "Emirates", "$", "US$", "€", "£", "¥", "₹", "R$", "A$", "C$", "Yuan", "Renminbi", "RMB",
};

/* Every distinct name of the temp table sluice_names of one kind, keyed
 * and coded by country.c (sl_gtm_ref_fold + code), COPY'd into table. */
static int load_keys(PGconn *c, const char *kind, int (*code)(const char *, size_t, sl_buf *), const char *table,
                     sl_error *err)
{
    const char *p[1] = {kind};
    PGresult *r = PQexecParams(c, "SELECT DISTINCT name FROM sluice_names WHERE kind = $1", 1, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        sl_pg_result_error(r, c, "installing sluice's GTM functions", err);
        PQclear(r);
        return -1;
    }
    sl_buf rows, key, val;
    sl_buf_init(&rows);
    sl_buf_init(&key);
    sl_buf_init(&val);
    int n = PQntuples(r);
    for (int i = 0; i < n + (int)(sizeof alias_probes / sizeof *alias_probes); i++) {
        const char *name = i < n ? PQgetvalue(r, i, 0) : alias_probes[i - n];
        size_t len = strlen(name);
        if (!sl_gtm_ref_fold(name, len, &key) || !code(name, len, &val))
            continue;
        copy_field(&rows, key.data, key.len);
        sl_buf_addc(&rows, '\t');
        copy_field(&rows, val.data, val.len);
        sl_buf_addc(&rows, '\n');
    }
    PQclear(r);
    int rc = run(c, "TRUNCATE sluice_keys", 0, NULL, err);
    if (rc == 0)
        rc = copy_in(c, "COPY sluice_keys (key, code) FROM STDIN", &rows, err);
    if (rc == 0) {
        char sql[160];
        snprintf(sql, sizeof sql, "INSERT INTO %s (key, code) SELECT DISTINCT ON (key) key, code FROM sluice_keys", table);
        rc = run(c, sql, 0, NULL, err);
    }
    sl_buf_release(&rows);
    sl_buf_release(&key);
    sl_buf_release(&val);
    return rc;
}

int sl_gtm_pg_load_reference(PGconn *c, sl_error *err)
{
    if (load_psl(c, err) < 0)
        return -1;
    if (sl_gtm_ref_error(0) || sl_gtm_ref_error(1))
        return sl_error_set(err, SL_EIO, "%s", sl_gtm_ref_error(0) ? sl_gtm_ref_error(0) : sl_gtm_ref_error(1));
    int rc = run(c, "CREATE TEMP TABLE sluice_names (kind text, name text) ON COMMIT DROP", 0, NULL, err);
    if (rc == 0)
        rc = run(c, "CREATE TEMP TABLE sluice_keys (key text, code text) ON COMMIT DROP", 0, NULL, err);
    sl_buf js;
    sl_buf_init(&js);
    if (rc == 0)
        rc = read_file(ISO_JSON "iso_3166-1.json", &js, err);
    const char *p[1] = {js.data};
    if (rc == 0)
        rc = run(c,
                 "INSERT INTO sluice_names (kind, name) SELECT 'c', v FROM jsonb_array_elements($1::jsonb -> "
                 "'3166-1') e, LATERAL (VALUES (e->>'alpha_2'), (e->>'alpha_3'), (e->>'numeric'), (e->>'name'), "
                 "(e->>'official_name'), (e->>'common_name')) v(v) WHERE v IS NOT NULL",
                 1, p, err);
    sl_buf_reset(&js);
    if (rc == 0)
        rc = read_file(ISO_JSON "iso_4217.json", &js, err);
    p[0] = js.data;
    if (rc == 0)
        rc = run(c,
                 "INSERT INTO sluice_names (kind, name) SELECT 'm', v FROM jsonb_array_elements($1::jsonb -> "
                 "'4217') e, LATERAL (VALUES (e->>'alpha_3'), (e->>'numeric'), (e->>'name')) v(v) WHERE v IS NOT "
                 "NULL",
                 1, p, err);
    sl_buf_release(&js);
    if (rc == 0)
        rc = load_mo(c, "iso_3166-1", "c", err);
    if (rc == 0)
        rc = load_mo(c, "iso_4217", "m", err);
    if (rc == 0)
        rc = load_keys(c, "c", sl_gtm_country_code, "sluice.country_keys", err);
    if (rc == 0)
        rc = load_keys(c, "m", sl_gtm_currency_code, "sluice.currency_keys", err);
    /* the names and alpha-3 as country.c gives them */
    if (rc == 0) {
        PGresult *r = PQexec(c, "SELECT DISTINCT code FROM sluice.country_keys");
        sl_buf rows, v;
        sl_buf_init(&rows);
        sl_buf_init(&v);
        for (int i = 0; PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r); i++) {
            const char *code = PQgetvalue(r, i, 0);
            size_t cn = strlen(code);
            copy_field(&rows, code, cn);
            sl_buf_addc(&rows, '\t');
            if (sl_gtm_country_alpha3(code, cn, &v))
                copy_field(&rows, v.data, v.len);
            sl_buf_addc(&rows, '\t');
            if (sl_gtm_country_name(code, cn, &v))
                copy_field(&rows, v.data, v.len);
            sl_buf_addc(&rows, '\n');
        }
        PQclear(r);
        rc = copy_in(c, "COPY sluice.countries (alpha2, alpha3, name) FROM STDIN", &rows, err);
        sl_buf_reset(&rows);
        r = PQexec(c, "SELECT DISTINCT code FROM sluice.currency_keys");
        for (int i = 0; rc == 0 && PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r); i++) {
            const char *code = PQgetvalue(r, i, 0);
            size_t cn = strlen(code);
            if (!sl_gtm_currency_name(code, cn, &v))
                continue;
            copy_field(&rows, code, cn);
            sl_buf_addc(&rows, '\t');
            copy_field(&rows, v.data, v.len);
            sl_buf_addc(&rows, '\n');
        }
        PQclear(r);
        if (rc == 0)
            rc = copy_in(c, "COPY sluice.currencies (alpha3, name) FROM STDIN", &rows, err);
        sl_buf_release(&rows);
        sl_buf_release(&v);
    }
    return rc;
}
