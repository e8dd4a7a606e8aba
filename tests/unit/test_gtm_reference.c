/* test_gtm_reference.c: phones, countries and currencies (gtm/gtm.h:
 * phone.cc over libphonenumber, country.c over iso-codes and its gettext
 * translations, mo.c) from tables of cases: numbers of 25 regions written
 * as people write them, valid and not, with their types; countries by
 * code, English, official and common name, names in several languages and
 * aliases; currencies by code, numeric code, name and symbol; the .mo
 * reader on hand-made catalogs of both byte orders and broken ones; and
 * the SQL functions (register_reference.c) with NULL in, NULL out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "expr/functions.h"
#include "gtm/country.h"
#include "gtm/gtm.h"
#include "gtm/mo.h"

/* The result of f on s as a string, "(null)" when it cannot normalise. */
static const char *run(int (*f)(const char *, size_t, sl_buf *), const char *s)
{
    static char res[256];
    sl_buf out;
    sl_buf_init(&out);
    int ok = f(s, strlen(s), &out);
    snprintf(res, sizeof res, "%s", ok ? (out.data ? out.data : "") : "(null)");
    sl_buf_release(&out);
    return res;
}

static const char *phone(int (*f)(const char *, size_t, const char *, sl_buf *), const char *s, const char *region)
{
    static char res[256];
    sl_buf out;
    sl_buf_init(&out);
    int ok = f(s, strlen(s), region, &out);
    snprintf(res, sizeof res, "%s", ok ? (out.data ? out.data : "") : "(null)");
    sl_buf_release(&out);
    return res;
}

typedef struct phone_case {
    const char *in, *region, *e164, *type;
    int valid;
} phone_case;

/* as written in each country (national format, with the usual
 * punctuation), then the same with +country and no region */
static const phone_case phones[] = {
    {"(201) 555-0123", "US", "+12015550123", "fixed_line_or_mobile", 1},
    {"201.555.0123", "us", "+12015550123", "fixed_line_or_mobile", 1},
    {"+1 (415) 555-0100", NULL, "+14155550100", "fixed_line_or_mobile", 1},
    {"1-506-234-5678", "CA", "+15062345678", "fixed_line_or_mobile", 1},
    {"07400 123456", "GB", "+447400123456", "mobile", 1},
    {"0121 234 5678", "GB", "+441212345678", "fixed_line", 1},
    {"+44 (0)20 7946 0958", NULL, "+442079460958", "fixed_line", 1},
    {"01512 3456789", "DE", "+4915123456789", "mobile", 1},
    {"030 123456", "DE", "+4930123456", "fixed_line", 1},
    {"0049 30 123456", "DE", "+4930123456", "fixed_line", 1},
    {"06 12 34 56 78", "FR", "+33612345678", "mobile", 1},
    {"01.23.45.67.89", "FR", "+33123456789", "fixed_line", 1},
    {"612 34 56 78", "ES", "+34612345678", "mobile", 1},
    {"312 345 6789", "IT", "+393123456789", "mobile", 1},
    {"02 1234 5678", "IT", "+390212345678", "fixed_line", 1},
    {"06-12345678", "NL", "+31612345678", "mobile", 1},
    {"0470 12 34 56", "BE", "+32470123456", "mobile", 1},
    {"078 123 45 67", "CH", "+41781234567", "mobile", 1},
    {"0664 123456", "AT", "+43664123456", "mobile", 1},
    {"070-123 45 67", "SE", "+46701234567", "mobile", 1},
    {"406 12 345", "NO", "+4740612345", "mobile", 1},
    {"32 12 34 56", "DK", "+4532123456", "fixed_line_or_mobile", 1},
    {"512 345 678", "PL", "+48512345678", "mobile", 1},
    {"(11) 96123-4567", "BR", "+5511961234567", "mobile", 1},
    {"(11) 2345-6789", "BR", "+551123456789", "fixed_line", 1},
    {"222 123 4567", "MX", "+522221234567", "fixed_line_or_mobile", 1},
    {"081234 56789", "IN", "+918123456789", "mobile", 1},
    {"+91 81234 56789", NULL, "+918123456789", "mobile", 1},
    {"090-1234-5678", "JP", "+819012345678", "mobile", 1},
    {"03-1234-5678", "JP", "+81312345678", "fixed_line", 1},
    {"0412 345 678", "AU", "+61412345678", "mobile", 1},
    {"(02) 1234 5678", "AU", "+61212345678", "fixed_line", 1},
    {"8123 4567", "SG", "+6581234567", "mobile", 1},
    {"071 123 4567", "ZA", "+27711234567", "mobile", 1},
    {"085 012 3456", "IE", "+353850123456", "mobile", 1},
    {"912 345 678", "PT", "+351912345678", "mobile", 1},
    {"021 123 4567", "NZ", "+64211234567", "mobile", 1},
    /* the region as a name or alpha-3 */
    {"030 123456", "Germany", "+4930123456", "fixed_line", 1},
    {"030 123456", "DEU", "+4930123456", "fixed_line", 1},
    /* toll free */
    {"0800 123 4567", "GB", "+448001234567", "toll_free", 1},
    /* possible (right length) but not valid: normalised, not valid */
    {"(201) 055-0123", "US", "+12010550123", "(null)", 0},
    /* not numbers */
    {"555-0100", NULL, "(null)", "(null)", 0},        /* no +country, no region */
    {"12", "US", "(null)", "(null)", 0},              /* too short */
    {"call me", "US", "(null)", "(null)", 0},
    {"", "US", "(null)", "(null)", 0},
    {"+999 123 456 789", NULL, "(null)", "(null)", 0}, /* no such country code */
    {"+1 201 555 0123 4567 8901", NULL, "(null)", "(null)", 0}, /* too long */
};

static void test_phones(void **state)
{
    for (size_t i = 0; i < sizeof phones / sizeof *phones; i++) {
        const phone_case *c = &phones[i];
        if (strcmp(phone(sl_gtm_phone_normalize, c->in, c->region), c->e164) != 0)
            fail_msg("normalize_phone('%s', %s) = %s, want %s", c->in, c->region ? c->region : "NULL",
                     phone(sl_gtm_phone_normalize, c->in, c->region), c->e164);
        if (strcmp(phone(sl_gtm_phone_type, c->in, c->region), c->type) != 0)
            fail_msg("phone_type('%s', %s) = %s, want %s", c->in, c->region ? c->region : "NULL",
                     phone(sl_gtm_phone_type, c->in, c->region), c->type);
        if (sl_gtm_phone_valid(c->in, strlen(c->in), c->region) != c->valid)
            fail_msg("phone_is_valid('%s', %s) != %d", c->in, c->region ? c->region : "NULL", c->valid);
    }
}

static void test_phone_region(void **state)
{
    assert_string_equal(phone(sl_gtm_phone_region, "+49 30 123456", NULL), "DE");
    assert_string_equal(phone(sl_gtm_phone_region, "+1 506 234 5678", NULL), "CA");
    assert_string_equal(phone(sl_gtm_phone_region, "+1 201 555 0123", NULL), "US");
    assert_string_equal(phone(sl_gtm_phone_region, "+44 7400 123456", NULL), "GB");
    assert_string_equal(phone(sl_gtm_phone_region, "0412 345 678", "AU"), "AU");
    assert_string_equal(phone(sl_gtm_phone_region, "nonsense", "AU"), "(null)");
    /* invalid UTF-8 and embedded NUL: cannot normalise, no crash */
    sl_buf out;
    sl_buf_init(&out);
    assert_int_equal(sl_gtm_phone_normalize("+49 30 \xff 123456", 14, NULL, &out), 0);
    assert_int_equal(sl_gtm_phone_normalize("+49 30\0 123456", 14, NULL, &out), 0);
    sl_buf_release(&out);
}

typedef struct name_case {
    const char *in, *code;
} name_case;

static const name_case countries[] = {
    /* codes */
    {"DE", "DE"}, {"de", "DE"}, {" DEU ", "DE"}, {"276", "DE"}, {"76", "BR"}, {"076", "BR"}, {"4", "AF"},
    /* English names: plain, official, common; any case, accents, punctuation */
    {"Germany", "DE"}, {"GERMANY", "DE"}, {"germany ", "DE"}, {"Federal Republic of Germany", "DE"},
    {"Korea, Republic of", "KR"}, {"South Korea", "KR"}, {"north korea", "KP"}, {"Côte d'Ivoire", "CI"},
    {"COTE D IVOIRE", "CI"}, {"cote-d'ivoire", "CI"}, {"Viet Nam", "VN"}, {"Vietnam", "VN"},
    {"Türkiye", "TR"}, {"Turkiye", "TR"}, {"United States", "US"}, {"United Kingdom", "GB"},
    {"The Gambia", "GM"}, {"the Netherlands", "NL"},
    /* translations */
    {"Deutschland", "DE"}, {"Allemagne", "DE"}, {"Alemania", "DE"}, {"Germania", "DE"}, {"Duitsland", "DE"},
    {"Niemcy", "DE"}, {"Tyskland", "DE"}, {"ドイツ", "DE"}, {"Германия", "DE"}, {"España", "ES"},
    {"ESPAÑA", "ES"}, {"Espana", "ES"}, {"Spanien", "ES"}, {"Espagne", "ES"}, {"Schweiz", "CH"},
    {"Suisse", "CH"}, {"Svizzera", "CH"}, {"Österreich", "AT"}, {"Brasil", "BR"}, {"Nederland", "NL"},
    {"Royaume-Uni", "GB"}, {"Vereinigtes Königreich", "GB"}, {"Estados Unidos", "US"}, {"États-Unis", "US"},
    {"Japon", "JP"}, {"日本", "JP"},
    /* aliases */
    {"UK", "GB"}, {"U.K.", "GB"}, {"Great Britain", "GB"}, {"England", "GB"}, {"USA", "US"}, {"U.S.", "US"},
    {"U.S.A.", "US"}, {"Holland", "NL"}, {"Russia", "RU"}, {"Turkey", "TR"}, {"Czech Republic", "CZ"},
    {"Ivory Coast", "CI"}, {"UAE", "AE"},
    /* not countries */
    {"Atlantis", "(null)"}, {"", "(null)"}, {"  ", "(null)"}, {"ZZ", "(null)"}, {"999", "(null)"},
    {"-", "(null)"}, {"12345678", "(null)"},
};

static void test_country_code(void **state)
{
    for (size_t i = 0; i < sizeof countries / sizeof *countries; i++)
        if (strcmp(run(sl_gtm_country_code, countries[i].in), countries[i].code) != 0)
            fail_msg("country_code('%s') = %s, want %s", countries[i].in, run(sl_gtm_country_code, countries[i].in),
                     countries[i].code);
}

static void test_country_name_alpha3(void **state)
{
    assert_string_equal(run(sl_gtm_country_name, "DE"), "Germany");
    assert_string_equal(run(sl_gtm_country_name, "KOR"), "South Korea");  /* the common name */
    assert_string_equal(run(sl_gtm_country_name, "Deutschland"), "Germany");
    assert_string_equal(run(sl_gtm_country_name, "uk"), "United Kingdom");
    assert_string_equal(run(sl_gtm_country_name, "nowhere"), "(null)");
    assert_string_equal(run(sl_gtm_country_alpha3, "Allemagne"), "DEU");
    assert_string_equal(run(sl_gtm_country_alpha3, "us"), "USA");
    assert_string_equal(run(sl_gtm_country_alpha3, "840"), "USA");
    assert_string_equal(run(sl_gtm_country_alpha3, "España"), "ESP");
    assert_string_equal(run(sl_gtm_country_alpha3, "Atlantis"), "(null)");
}

static const name_case currencies[] = {
    {"EUR", "EUR"}, {"eur", "EUR"}, {"978", "EUR"}, {"Euro", "EUR"}, {"euro", "EUR"}, {"€", "EUR"},
    {"US Dollar", "USD"}, {"$", "USD"}, {"US$", "USD"}, {"840", "USD"}, {"Pound Sterling", "GBP"},
    {"£", "GBP"}, {"Yen", "JPY"}, {"¥", "JPY"}, {"Swiss Franc", "CHF"}, {"chf", "CHF"}, {"R$", "BRL"},
    {"Renminbi", "CNY"}, {"Yuan Renminbi", "CNY"}, {"Zloty", "PLN"}, {"Złoty", "PLN"}, {"36", "AUD"},
    {"Schweizer Franken", "CHF"}, {"Dólar estadounidense", "USD"},
    {"doubloons", "(null)"}, {"", "(null)"}, {"XYZ", "(null)"},
};

static void test_currency(void **state)
{
    for (size_t i = 0; i < sizeof currencies / sizeof *currencies; i++)
        if (strcmp(run(sl_gtm_currency_code, currencies[i].in), currencies[i].code) != 0)
            fail_msg("currency_code('%s') = %s, want %s", currencies[i].in,
                     run(sl_gtm_currency_code, currencies[i].in), currencies[i].code);
    assert_string_equal(run(sl_gtm_currency_name, "978"), "Euro");
    assert_string_equal(run(sl_gtm_currency_name, "usd"), "US Dollar");
    assert_string_equal(run(sl_gtm_currency_name, "nothing"), "(null)");
    assert_null(sl_gtm_ref_error(0));
    assert_null(sl_gtm_ref_error(1));
}

static void test_fold(void **state)
{
    assert_string_equal(run(sl_gtm_ref_fold, "Côte d'Ivoire"), "cotedivoire");
    assert_string_equal(run(sl_gtm_ref_fold, "STRASSE"), run(sl_gtm_ref_fold, "Straße"));
    assert_string_equal(run(sl_gtm_ref_fold, "7"), "007");
    assert_string_equal(run(sl_gtm_ref_fold, "-- . --"), "(null)");
    assert_string_equal(run(sl_gtm_ref_fold, "bad \xc3"), "(null)");
}

/* ---- the .mo reader ---- */

typedef struct mo_seen {
    char text[512];
    int n;
} mo_seen;

static int on_pair(void *ctx, const char *id, size_t idn, const char *str, size_t strn)
{
    mo_seen *s = ctx;
    size_t at = strlen(s->text);
    snprintf(s->text + at, sizeof s->text - at, "%.*s=%.*s;", (int)idn, id, (int)strn, str);
    s->n++;
    return 0;
}

static void put32(unsigned char *p, uint32_t v, int big)
{
    for (int i = 0; i < 4; i++)
        p[big ? 3 - i : i] = (unsigned char)(v >> (8 * i));
}

/* A catalog of pairs (id, str), in either byte order; returns its size. */
static size_t make_mo(unsigned char *buf, const char *const (*pairs)[2], uint32_t n, int big)
{
    memset(buf, 0, 1024);
    put32(buf, 0x950412deu, big);
    put32(buf + 8, n, big);
    put32(buf + 12, 28, big);
    put32(buf + 16, 28 + 8 * n, big);
    size_t at = 28 + 16 * n;
    for (uint32_t i = 0; i < n; i++)
        for (int k = 0; k < 2; k++) {
            size_t l = strlen(pairs[i][k]);
            memcpy(buf + at, pairs[i][k], l + 1);
            put32(buf + 28 + 8 * n * k + 8 * i, (uint32_t)l, big);
            put32(buf + 28 + 8 * n * k + 8 * i + 4, (uint32_t)at, big);
            at += l + 1;
        }
    return at;
}

static void test_mo(void **state)
{
    static const char *const pairs[][2] = {
        {"", "Content-Type: text/plain; charset=UTF-8\n"}, {"Germany", "Deutschland"}, {"ctx\004France", "Frankreich"},
        {"Spain", ""}, {"Italy", "Italien"}};
    unsigned char buf[1024];
    char err[128];
    for (int big = 0; big <= 1; big++) {
        size_t n = make_mo(buf, pairs, 5, big);
        mo_seen s = {{0}, 0};
        assert_int_equal(sl_mo_parse(buf, n, on_pair, &s, err, sizeof err), 0);
        assert_string_equal(s.text, "Germany=Deutschland;France=Frankreich;Italy=Italien;");
        /* every truncation is an error or a prefix, never a read past the end */
        for (size_t cut = 0; cut < n; cut++) {
            mo_seen t = {{0}, 0};
            int rc = sl_mo_parse(buf, cut, on_pair, &t, err, sizeof err);
            assert_true(rc == 0 || rc == -1);
        }
    }
    size_t n = make_mo(buf, pairs, 5, 0);
    mo_seen s = {{0}, 0};
    buf[0] ^= 1;
    assert_int_equal(sl_mo_parse(buf, n, on_pair, &s, err, sizeof err), -1);
    assert_string_equal(err, "bad magic (not a .mo file)");
    buf[0] ^= 1;
    put32(buf + 8, 0x10000000u, 0); /* a count far past the end */
    assert_int_equal(sl_mo_parse(buf, n, on_pair, &s, err, sizeof err), -1);
    put32(buf + 8, 5, 0);
    put32(buf + 28 + 8 * 5 + 8 + 4, 0xfffffff0u, 0); /* a translation's offset past the end */
    assert_int_equal(sl_mo_parse(buf, n, on_pair, &s, err, sizeof err), -1);
    assert_string_equal(err, "string 1 out of bounds");
}

/* ---- the SQL functions ---- */

static sqlite3 *db;

static const char *eval(const char *sql)
{
    static char out[256];
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    const unsigned char *t = sqlite3_column_text(st, 0);
    snprintf(out, sizeof out, "%s", t ? (const char *)t : "(null)");
    sqlite3_finalize(st);
    return out;
}

static void test_sql(void **state)
{
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sl_functions_register(db), 0);
    assert_string_equal(eval("SELECT normalize_phone('(415) 555-0100', 'US')"), "+14155550100");
    assert_string_equal(eval("SELECT normalize_phone('+1 415 555 0100')"), "+14155550100");
    assert_string_equal(eval("SELECT normalize_phone('415 555 0100')"), "(null)");
    assert_string_equal(eval("SELECT normalize_phone(NULL, 'US')"), "(null)");
    assert_string_equal(eval("SELECT normalize_phone('415 555 0100', NULL)"), "(null)");
    /* a NULL region is no region: an international number still normalises
     * (normalize_phone(phone, country_code(country)) with an unknown country) */
    assert_string_equal(eval("SELECT normalize_phone('+44 20 7946 0958', NULL)"), "+442079460958");
    assert_string_equal(eval("SELECT phone_region('+44 20 7946 0958', NULL)"), "GB");
    assert_string_equal(eval("SELECT phone_is_valid('+44 20 7946 0958')"), "1");
    assert_string_equal(eval("SELECT phone_is_valid('+44 20 7946')"), "0");
    assert_string_equal(eval("SELECT phone_is_valid(NULL)"), "(null)");
    assert_string_equal(eval("SELECT phone_region('+49 30 901820')"), "DE");
    assert_string_equal(eval("SELECT phone_type('07400 123456', 'GB')"), "mobile");
    assert_string_equal(eval("SELECT country_code(276)"), "DE");
    assert_string_equal(eval("SELECT country_code('Allemagne')"), "DE");
    assert_string_equal(eval("SELECT country_code(NULL)"), "(null)");
    assert_string_equal(eval("SELECT country_name('de')"), "Germany");
    assert_string_equal(eval("SELECT country_alpha3('Deutschland')"), "DEU");
    assert_string_equal(eval("SELECT currency_code('Euro')"), "EUR");
    assert_string_equal(eval("SELECT currency_name('EUR')"), "Euro");
    assert_string_equal(eval("SELECT country_code('España') = country_code('ESPAÑA')"), "1");
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phones),       cmocka_unit_test(test_phone_region),
        cmocka_unit_test(test_country_code), cmocka_unit_test(test_country_name_alpha3),
        cmocka_unit_test(test_currency),     cmocka_unit_test(test_fold),
        cmocka_unit_test(test_mo),           cmocka_unit_test(test_sql),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
