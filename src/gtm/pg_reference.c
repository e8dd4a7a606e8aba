/*
 * pg_reference.c: the reference tables of the GTM functions on PostgreSQL
 * (gtm/pg_install.h): the Public Suffix List (Debian's publicsuffix
 * package), ISO 3166-1 countries and ISO 4217 currencies (Debian's
 * iso-codes: its JSON, whose text goes to the server as one parameter and
 * is unpacked there with jsonb, and its gettext .mo translations, read
 * here and sent with COPY). The matching keys (casefolded, unaccented,
 * punctuation and spaces dropped) are computed in PostgreSQL by the same
 * sluice._name_key that folds a function's input, so both sides agree.
 */
#include "gtm/pg_install.h"
#include "core/log.h"
#include "core/mem.h"
#include "db/pg.h"
#include <dirent.h>
#include <stdint.h>
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

static uint32_t mo_u32(const unsigned char *p, int swap)
{
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return swap ? (v >> 24) | ((v >> 8) & 0xFF00) | ((v << 8) & 0xFF0000) | (v << 24) : v;
}

/* The (msgid, msgstr) pairs of one gettext .mo file as COPY rows
 * "lang\tmsgid\tmsgstr\n"; a malformed file is skipped with a debug line. */
static void mo_rows(const char *path, const char *lang, sl_buf *rows)
{
    sl_buf f;
    sl_buf_init(&f);
    sl_error e;
    if (read_file(path, &f, &e) < 0 || f.len < 28) {
        sl_buf_release(&f);
        return;
    }
    const unsigned char *d = (const unsigned char *)f.data;
    uint32_t magic = mo_u32(d, 0);
    int swap = magic == 0xde120495u;
    if (!swap && magic != 0x950412deu) {
        sl_log_debug("gtm: %s is not a .mo file", path);
        sl_buf_release(&f);
        return;
    }
    uint32_t count = mo_u32(d + 8, swap), orig = mo_u32(d + 12, swap), trans = mo_u32(d + 16, swap);
    for (uint32_t i = 0; i < count; i++) {
        uint64_t oe = (uint64_t)orig + 8ull * i, te = (uint64_t)trans + 8ull * i;
        if (oe + 8 > f.len || te + 8 > f.len)
            break;
        uint32_t on = mo_u32(d + oe, swap), oo = mo_u32(d + oe + 4, swap);
        uint32_t tn = mo_u32(d + te, swap), to = mo_u32(d + te + 4, swap);
        if ((uint64_t)oo + on > f.len || (uint64_t)to + tn > f.len || on == 0 || tn == 0)
            continue;
        /* no context (\004) nor plural forms (\0 inside) in iso-codes' catalogs */
        if (memchr(d + oo, 4, on) || strlen((const char *)d + oo) != on || strlen((const char *)d + to) != tn)
            continue;
        if (sl_utf8_valid_prefix((const char *)d + to, tn) != tn)
            continue;
        copy_field(rows, lang, strlen(lang));
        sl_buf_addc(rows, '\t');
        copy_field(rows, (const char *)d + oo, on);
        sl_buf_addc(rows, '\t');
        copy_field(rows, (const char *)d + to, tn);
        sl_buf_addc(rows, '\n');
    }
    sl_buf_release(&f);
}

/* Every language's translations of one iso-codes domain ("iso_3166-1"). */
static int load_mo(PGconn *c, const char *domain, const char *table, sl_error *err)
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
        mo_rows(path.data, de->d_name, &rows);
    }
    if (dir)
        closedir(dir);
    char sql[128];
    snprintf(sql, sizeof sql, "COPY %s (lang, msgid, msgstr) FROM STDIN", table);
    int rc = copy_in(c, sql, &rows, err);
    sl_buf_release(&rows);
    sl_buf_release(&path);
    return rc;
}

int sl_gtm_pg_load_reference(PGconn *c, sl_error *err)
{
    if (load_psl(c, err) < 0)
        return -1;
    sl_buf js;
    sl_buf_init(&js);
    int rc = read_file(ISO_JSON "iso_3166-1.json", &js, err);
    const char *p[1] = {js.data};
    if (rc == 0)
        rc = run(c,
                 "INSERT INTO sluice.countries (alpha2, alpha3, numeric, name) SELECT e->>'alpha_2', e->>'alpha_3', "
                 "e->>'numeric', coalesce(e->>'common_name', e->>'name') FROM jsonb_array_elements($1::jsonb -> "
                 "'3166-1') e",
                 1, p, err);
    if (rc == 0)
        rc = run(c,
                 "INSERT INTO sluice.country_names (name, code, prio) SELECT v.name, e->>'alpha_2', v.prio FROM "
                 "jsonb_array_elements($1::jsonb -> '3166-1') e, LATERAL (VALUES (e->>'alpha_2', 0), "
                 "(e->>'alpha_3', 0), (e->>'numeric', 0), (e->>'name', 1), (e->>'official_name', 1), "
                 "(e->>'common_name', 1)) v(name, prio) WHERE v.name IS NOT NULL",
                 1, p, err);
    sl_buf_reset(&js);
    if (rc == 0)
        rc = read_file(ISO_JSON "iso_4217.json", &js, err);
    p[0] = js.data;
    if (rc == 0)
        rc = run(c,
                 "INSERT INTO sluice.currencies (alpha3, numeric, name) SELECT e->>'alpha_3', e->>'numeric', "
                 "e->>'name' FROM jsonb_array_elements($1::jsonb -> '4217') e",
                 1, p, err);
    if (rc == 0)
        rc = run(c,
                 "INSERT INTO sluice.currency_names (name, code, prio) SELECT v.name, e->>'alpha_3', v.prio FROM "
                 "jsonb_array_elements($1::jsonb -> '4217') e, LATERAL (VALUES (e->>'alpha_3', 0), "
                 "(e->>'numeric', 0), (e->>'name', 1)) v(name, prio) WHERE v.name IS NOT NULL",
                 1, p, err);
    sl_buf_release(&js);
    if (rc == 0)
        rc = run(c, "CREATE TEMP TABLE sluice_mo (lang text, msgid text, msgstr text) ON COMMIT DROP", 0, NULL, err);
    if (rc == 0)
        rc = load_mo(c, "iso_3166-1", "sluice_mo", err);
    if (rc == 0)
        rc = run(c,
                 "INSERT INTO sluice.country_names (name, code, prio) SELECT DISTINCT m.msgstr, n.code, 2 FROM "
                 "sluice_mo m JOIN sluice.country_names n ON n.name = m.msgid AND n.prio = 1",
                 0, NULL, err);
    if (rc == 0)
        rc = run(c, "TRUNCATE sluice_mo", 0, NULL, err);
    if (rc == 0)
        rc = load_mo(c, "iso_4217", "sluice_mo", err);
    if (rc == 0)
        rc = run(c,
                 "INSERT INTO sluice.currency_names (name, code, prio) SELECT DISTINCT m.msgstr, n.code, 2 FROM "
                 "sluice_mo m JOIN sluice.currency_names n ON n.name = m.msgid AND n.prio = 1",
                 0, NULL, err);
    return rc;
}
