/* test_gtm_text.c: the e-mail, Unicode text, company and domain
 * normalisers (gtm/gtm.h: email.c, text.c, company.c, domain.c) from
 * tables of cases, both through the C functions and through the SQL
 * functions they back (gtm/register_text.c), including NULL in, NULL out,
 * invalid UTF-8, and agreement of is_valid_email with the `format: email`
 * check on trimmed values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include "core/util.h"
#include "expr/functions.h"
#include "gtm/gtm.h"
#include "quality/check.h"

typedef int (*norm_fn)(const char *s, size_t n, sl_buf *out);

typedef struct tcase {
    const char *in;
    const char *want; /* NULL: the function gives 0 (SQL NULL) */
} tcase;

static sqlite3 *db;

/* Every case through fn, and through SELECT sqlfn(?) on a connection. */
static void run_table(const char *sqlfn, norm_fn fn, const tcase *t, size_t n)
{
    sl_buf out;
    sl_buf_init(&out);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT %s(?)", sqlfn);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    for (size_t i = 0; i < n; i++) {
        int r = fn(t[i].in, strlen(t[i].in), &out);
        if (!t[i].want && r)
            fail_msg("%s('%s') gave '%s', want NULL", sqlfn, t[i].in, out.data);
        if (t[i].want && (!r || strcmp(out.data, t[i].want) != 0))
            fail_msg("%s('%s') gave %s%s%s, want '%s'", sqlfn, t[i].in, r ? "'" : "", r ? out.data : "NULL",
                     r ? "'" : "", t[i].want);
        sqlite3_bind_text(st, 1, t[i].in, -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        const char *got = (const char *)sqlite3_column_text(st, 0);
        if ((got == NULL) != (t[i].want == NULL) || (got && strcmp(got, t[i].want) != 0))
            fail_msg("SQL %s('%s') gave %s, want %s", sqlfn, t[i].in, got ? got : "NULL",
                     t[i].want ? t[i].want : "NULL");
        sqlite3_reset(st);
    }
    /* NULL in, NULL out */
    sqlite3_bind_null(st, 1);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_type(st, 0), SQLITE_NULL);
    sqlite3_finalize(st);
    /* invalid UTF-8 gives 0, never a crash */
    static const char *const bad[] = {"a\xC3@x.com", "\xFF", "ab\xED\xA0\x80", "\xC0\xAF@x.com", "x\xF4\x90\x80\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (fn(bad[i], strlen(bad[i]), &out))
            fail_msg("%s of invalid UTF-8 #%zu gave '%s'", sqlfn, i, out.data);
    sl_buf_release(&out);
}

#define TABLE(sqlfn, fn, t) run_table(sqlfn, fn, t, sizeof t / sizeof t[0])

static const tcase emails[] = {
    {"  Ann.Lee@Example.COM ", "ann.lee@example.com"},
    {"ann@example.com", "ann@example.com"},
    {"\tBOB@EXAMPLE.ORG\n", "bob@example.org"},
    {"Ann.Lee+promo@GMail.com", "ann.lee+promo@gmail.com"}, /* no folding: canonical_email does that */
    {"first.last@sub.example.co.uk", "first.last@sub.example.co.uk"},
    {"o'brien@example.ie", "o'brien@example.ie"},
    {"a!#$%&'*+-/=?^_`{|}~z@example.com", "a!#$%&'*+-/=?^_`{|}~z@example.com"},
    {"user@xn--mnchen-3ya.de", "user@xn--mnchen-3ya.de"},
    {"JÖRG@MÜNCHEN.DE", "jörg@münchen.de"},
    {"ÉLODIE@Example.fr", "élodie@example.fr"},
    {"x@a-b.io", "x@a-b.io"},
    {"1234@example.com", "1234@example.com"},
    {"a@b.cd", "a@b.cd"},
    {"a@123.example.com", "a@123.example.com"},
    /* refused */
    {"Jane <jane@example.com>", NULL},
    {"<jane@example.com>", NULL},
    {"\"Jane\" jane@example.com", NULL},
    {"mailto:jane@example.com", NULL},
    {"MAILTO:jane@example.com", NULL},
    {"a@x.com, b@y.com", NULL},
    {"a@x.com;b@y.com", NULL},
    {"a@x.com b@y.com", NULL},
    {"a@x.com,b@y.com", NULL},
    {"no-at-sign", NULL},
    {"two@@example.com", NULL},
    {"a@b@example.com", NULL},
    {"@example.com", NULL},
    {"jane@", NULL},
    {"jane@localhost", NULL},
    {"jane@example", NULL},
    {"jane@example.c", NULL},
    {"jane@1.2.3.4", NULL},
    {"jane@[1.2.3.4]", NULL},
    {"jane doe@example.com", NULL},
    {"jane@exa mple.com", NULL},
    {"jane..doe@example.com", NULL},
    {".jane@example.com", NULL},
    {"jane.@example.com", NULL},
    {"jane@example..com", NULL},
    {"jane@.example.com", NULL},
    {"jane@example.com.", NULL},
    {"jane@-example.com", NULL},
    {"jane@example-.com", NULL},
    {"jane@exa_mple.com", NULL},
    {"\"john doe\"@example.com", NULL},
    {"jane(comment)@example.com", NULL},
    {"", NULL},
    {"   ", NULL},
    {"@", NULL},
    /* lengths: local part 64 characters yes, 65 no; a label 63 yes, 64 no */
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x.io",
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x.io"},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x.io", NULL},
    {"a@bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.io",
     "a@bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.io"},
    {"a@bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.io", NULL},
};

static const tcase canonicals[] = {
    {"Ann.Lee+promo@GMail.com", "annlee@gmail.com"},
    {" a.b.c@googlemail.com ", "abc@gmail.com"},
    {"A.B.C+x+y@GOOGLEMAIL.COM", "abc@gmail.com"},
    {"ann.lee+news@example.com", "ann.lee@example.com"}, /* +tag for every domain, dots only for gmail */
    {"ann.lee@example.com", "ann.lee@example.com"},
    {"+tag@example.com", "+tag@example.com"}, /* a '+' first is not a tag */
    {"a+@example.com", "a@example.com"},
    {"ann.+news@example.com", "ann@example.com"}, /* never a local part ending in a dot */
    {"ann@gmail.co.uk", "ann@gmail.co.uk"},
    {"a.nn@mail.gmail.com", "a.nn@mail.gmail.com"},
    {"Jane <jane@gmail.com>", NULL},
    {"jane..doe@gmail.com", NULL},
};

static const tcase email_domains[] = {
    {" Ann@Example.COM ", "example.com"},
    {"jörg@MÜNCHEN.de", "münchen.de"},
    {"ann@shop.example.co.uk", "shop.example.co.uk"},
    {"no-at-sign", NULL},
    {"Jane <jane@example.com>", NULL},
};

static void test_emails(void **state)
{
    TABLE("normalize_email", sl_gtm_email_normalize, emails);
    TABLE("canonical_email", sl_gtm_email_canonical, canonicals);
    TABLE("email_domain", sl_gtm_email_domain, email_domains);
    /* is_valid_email: 1 exactly when normalize_email succeeds, and the
     * same as the `format: email` check on the trimmed value */
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT is_valid_email(?1), sl_format_valid('email', trim(?1, ' '||char(9,10)))",
                                        -1, &st, NULL), SQLITE_OK);
    for (size_t i = 0; i < sizeof emails / sizeof emails[0]; i++) {
        assert_int_equal(sl_gtm_email_valid(emails[i].in, strlen(emails[i].in)), emails[i].want != NULL);
        sqlite3_bind_text(st, 1, emails[i].in, -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        if (sqlite3_column_int(st, 0) != (emails[i].want != NULL) || sqlite3_column_int(st, 1) != sqlite3_column_int(st, 0))
            fail_msg("is_valid_email('%s') = %d, format email = %d, want %d", emails[i].in, sqlite3_column_int(st, 0),
                     sqlite3_column_int(st, 1), emails[i].want != NULL);
        sqlite3_reset(st);
    }
    sqlite3_bind_null(st, 1);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_type(st, 0), SQLITE_NULL);
    sqlite3_finalize(st);
    /* 254 characters in all at most */
    char longest[300];
    memset(longest, 'a', 64);
    longest[64] = '@';
    size_t p = 65;
    for (int k = 0; k < 3; k++) {
        memset(longest + p, 'b', 60);
        longest[p + 60] = '.';
        p += 61;
    }
    /* p = 248 now: 6 characters more make 254 */
    memcpy(longest + p, "bbb.io", 7);
    assert_int_equal(strlen(longest), 254);
    assert_int_equal(sl_gtm_email_valid(longest, 254), 1);
    memcpy(longest + p, "bbbb.io", 8);
    assert_int_equal(sl_gtm_email_valid(longest, 255), 0);
}

static const tcase lowers[] = {
    {"Ann LEE", "ann lee"},
    {"ÉCOLE", "école"},
    {"ESPAÑA", "españa"},
    {"STRASSE Straße", "strasse straße"},
    {"ΑΘΗΝΑ", "αθηνα"},
    {"МОСКВА", "москва"},
    {"İSTANBUL", "istanbul"}, /* İ (U+0130) -> i: Unicode's simple mapping */
    {"I", "i"},               /* never the Turkish dotless ı */
    {"", ""},
};

static const tcase uppers[] = {
    {"ann lee", "ANN LEE"},
    {"école", "ÉCOLE"},
    {"españa", "ESPAÑA"},
    {"straße", "STRAßE"}, /* ß has no simple upper case */
    {"ıi", "II"},         /* dotless ı -> I */
    {"αθηνα", "ΑΘΗΝΑ"},
};

static const tcase casefolds[] = {
    {"Straße", "strasse"},
    {"STRASSE", "strasse"},
    {"ESPAÑA", "españa"},
    {"Espan\xCC\x83" "a", "españa"}, /* decomposed ñ is composed (NFC) */
    {"İstanbul", "i\xCC\x87stanbul"}, /* İ folds to i + combining dot above */
    {"ıI", "ıi"},                     /* ı has no folding: stays */
    {"ΣΊΣΥΦΟΣ", "σίσυφοσ"},
    {"ﬁ", "fi"},
};

static const tcase unaccents[] = {
    {"España", "Espana"},
    {"Crème Brûlée", "Creme Brulee"},
    {"Łódź", "Lodz"},
    {"Øresund", "Oresund"},
    {"Đorđević", "Dordevic"},
    {"Straße", "Straße"}, /* ß is a letter, not an accented s */
    {"ﬁ", "fi"},
    {"Ａｃｍｅ", "Acme"}, /* full-width letters (NFKD) */
    {"Ångström", "Angstrom"},
    {"naïve café", "naive cafe"},
};

static void test_unicode_text(void **state)
{
    TABLE("lower", sl_gtm_text_lower, lowers);
    TABLE("upper", sl_gtm_text_upper, uppers);
    TABLE("casefold", sl_gtm_text_casefold, casefolds);
    TABLE("unaccent", sl_gtm_text_unaccent, unaccents);
    /* España and ESPAÑA are equal after casefold + unaccent */
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT unaccent(casefold('España')) = unaccent(casefold('ESPAÑA')), "
                                        "unaccent(casefold('ESPAÑA')), casefold('Straße') = casefold('STRASSE'), "
                                        "lower('Ä') = 'ä', upper(42), lower(X'C3')",
                                        -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    assert_string_equal(sqlite3_column_text(st, 1), "espana");
    assert_int_equal(sqlite3_column_int(st, 2), 1);
    assert_int_equal(sqlite3_column_int(st, 3), 1);
    assert_string_equal(sqlite3_column_text(st, 4), "42");
    assert_int_equal(sqlite3_column_type(st, 5), SQLITE_NULL); /* invalid UTF-8 */
    sqlite3_finalize(st);
    /* a long text (past the stack buffer) */
    sl_buf out;
    sl_buf_init(&out);
    char in[4000];
    size_t k = 0;
    while (k + 2 < sizeof in - 1) {
        memcpy(in + k, "É", 2);
        k += 2;
    }
    in[k] = 0;
    assert_int_equal(sl_gtm_text_unaccent(in, k, &out), 1);
    assert_int_equal(out.len, k / 2);
    assert_int_equal(sl_gtm_text_casefold(in, k, &out), 1);
    assert_int_equal(out.len, k);
    assert_memory_equal(out.data, "éé", 4);
    sl_buf_release(&out);
}

static const tcase companies[] = {
    {"Acme, Inc.", "acme"},
    {"ACME Inc", "acme"},
    {"Acme Inc", "acme"},
    {"acme", "acme"},
    {"Acme Incorporated", "acme"},
    {"Acme Corp.", "acme"},
    {"Acme Corporation", "acme"},
    {"Acme Co., Ltd.", "acme"},
    {"Acme LLC", "acme"},
    {"Acme L.L.C.", "acme"},
    {"Acme Holdings Pty Ltd", "acme holdings"},
    {"Siemens AG", "siemens"},
    {"Müller GmbH & Co. KG", "muller"},
    {"Müller GmbH", "muller"},
    {"Société Générale S.A.", "societe generale"},
    {"Renault SAS", "renault"},
    {"Fiat S.p.A.", "fiat"},
    {"Philips N.V.", "philips"},
    {"Heineken B.V.", "heineken"},
    {"Nokia Oyj", "nokia"},
    {"Volvo AB", "volvo"},
    {"Maersk A/S", "maersk"},
    {"Orlen Sp. z o.o.", "orlen"},
    {"Toyota K.K.", "toyota"},
    {"Infosys Pvt Ltd", "infosys"},
    {"Tesco PLC", "tesco"},
    {"Barclays Limited", "barclays"},
    {"Smith & Co.", "smith"},
    {"Procter & Gamble Co", "procter and gamble"},
    {"Procter and Gamble", "procter and gamble"},
    {"Johnson & Johnson", "johnson and johnson"},
    {"AT&T Inc.", "at and t"},
    {"The Boring Company", "boring"},
    {"The Company", "company"}, /* a legal form is never the last word left */
    {"Inc", "inc"},
    {"Incognito Labs", "incognito labs"},
    {"Limited Brands Inc", "limited brands"},
    {"McDonald's Corp", "mcdonalds"},
    {"3M Company", "3m"},
    {"  ACME   Widgets,  Inc. ", "acme widgets"},
    {"Ａｃｍｅ Inc", "acme"},
    {"Booking.com B.V.", "booking com"},
    {"ÉCOLE Ltd", "ecole"},
    {"---", NULL},
    {"", NULL},
    {"&", "and"},
};

static void test_companies(void **state)
{
    TABLE("normalize_company", sl_gtm_company_normalize, companies);
    size_t n;
    const char *const *forms = sl_gtm_company_legal_forms(&n);
    assert_true(n >= 40);
    /* every form in the table is removed after a name */
    sl_buf out;
    sl_buf_init(&out);
    char in[128];
    for (size_t i = 0; i < n; i++) {
        snprintf(in, sizeof in, "Zeta Widgets %s", forms[i]);
        assert_int_equal(sl_gtm_company_normalize(in, strlen(in), &out), 1);
        if (strcmp(out.data, "zeta widgets") != 0)
            fail_msg("'%s' gave '%s'", in, out.data);
    }
    sl_buf_release(&out);
}

static const tcase hosts[] = {
    {"https://www.shop.example.co.uk/x", "www.shop.example.co.uk"},
    {"HTTPS://user:pw@Shop.Example.COM:8443/a?b#c", "shop.example.com"},
    {"example.com", "example.com"},
    {"www.example.com/pricing?x=1", "www.example.com"},
    {"//cdn.example.net/lib.js", "cdn.example.net"},
    {"jane@Acme.IO", "acme.io"},
    {"mailto:jane@acme.io", "acme.io"},
    {"example.com.", "example.com"},
    {"http://192.168.0.1:8080/", "192.168.0.1"},
    {"http://[2001:db8::1]:443/", "2001:db8::1"},
    {"localhost", "localhost"},
    {"https://MÜNCHEN.de", "münchen.de"},
    {"http://exa mple.com", NULL},
    {"http://example.com:http/", NULL},
    {"https://", NULL},
    {"http://ex_ample.com", NULL},
    {"", NULL},
};

static const tcase registered[] = {
    {"https://www.shop.example.co.uk/x", "example.co.uk"},
    {"www.example.com", "example.com"},
    {"example.com", "example.com"},
    {"a.b.c.example.com.au", "example.com.au"},
    {"http://blog.example.org:8080/post", "example.org"},
    {"jane@mail.Acme.IO", "acme.io"},
    {"foo.github.io", "foo.github.io"}, /* a private suffix */
    {"www.bücher.example.de", "example.de"},
    {"münchen.de", "münchen.de"},
    {"xn--mnchen-3ya.de", "xn--mnchen-3ya.de"},
    {"shop.example.co.jp", "example.co.jp"},
    {"a.b.example.gov.uk", "example.gov.uk"},
    {"api.example.io", "example.io"},
    {"co.uk", NULL},    /* a public suffix itself */
    {"com.au", NULL},
    {"github.io", NULL},
    {"com", NULL},
    {"localhost", NULL},
    {"192.168.0.1", NULL},
    {"http://[::1]/", NULL},
    {"not a url", NULL},
};

static void test_domains(void **state)
{
    TABLE("url_host", sl_gtm_domain_host, hosts);
    TABLE("registered_domain", sl_gtm_domain_registered, registered);
}

/* Random texts (fixed seed) of e-mail, URL and Unicode fragments, and
 * random bytes: no function crashes (the ASan build runs this too), and
 * the normalisers are idempotent: f(f(x)) = f(x) wherever f(x) exists;
 * is_valid_email agrees with normalize_email. */
static void test_random_idempotent(void **state)
{
    static const char *const frag[] = {"a", "B", ".", "@", "+", " ", "-", "_", "é", "É", "ß", "İ", "ı", "ﬁ", "\xC3",
                                       "\xFF", "gmail.com", "co.uk", "://", "/", ":", "8080", "[", "]", "&", ",",
                                       "Inc", " GmbH", "S.A.", "'", "\"", "<", ">", "xn--", "ø", "\xCC\x81", "0"};
    unsigned long long r = 20261130;
    struct {
        const char *name;
        norm_fn fn;
    } fs[] = {{"normalize_email", sl_gtm_email_normalize}, {"canonical_email", sl_gtm_email_canonical},
              {"lower", sl_gtm_text_lower},                {"upper", sl_gtm_text_upper},
              {"casefold", sl_gtm_text_casefold},          {"unaccent", sl_gtm_text_unaccent},
              {"url_host", sl_gtm_domain_host},            {"registered_domain", sl_gtm_domain_registered}};
    sl_buf a, b, c;
    sl_buf_init(&a);
    sl_buf_init(&b);
    sl_buf_init(&c);
    char in[256];
    for (int i = 0; i < 20000; i++) {
        size_t n = 0;
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        int parts = (int)((r >> 33) % 12);
        for (int k = 0; k < parts; k++) {
            r = r * 6364136223846793005ULL + 1442695040888963407ULL;
            const char *f = frag[(r >> 33) % (sizeof frag / sizeof frag[0])];
            size_t l = strlen(f);
            if (n + l < sizeof in)
                memcpy(in + n, f, l), n += l;
        }
        if (i % 4 == 0) { /* the shape of an address */
            const char *tail = "@Ex-ample.CO.uk";
            memcpy(in + n, tail, strlen(tail));
            n += strlen(tail);
        }
        for (size_t k = 0; k < sizeof fs / sizeof fs[0]; k++) {
            if (!fs[k].fn(in, n, &a))
                continue;
            sl_buf_reset(&c);
            sl_buf_add(&c, a.data, a.len);
            if (!fs[k].fn(c.data, c.len, &b) || b.len != c.len || memcmp(b.data, c.data, c.len) != 0)
                fail_msg("%s not idempotent on '%.*s': '%s' then '%s'", fs[k].name, (int)n, in, c.data, b.data);
        }
        assert_int_equal(sl_gtm_email_valid(in, n), sl_gtm_email_normalize(in, n, &a));
        sl_gtm_company_normalize(in, n, &a);
    }
    sl_buf_release(&a);
    sl_buf_release(&b);
    sl_buf_release(&c);
}

static int setup(void **state)
{
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sl_functions_register(db), 0);
    sl_error err;
    assert_int_equal(sl_quality_register_sqlite(db, &err), 0); /* sl_format_valid() */
    return 0;
}

static int teardown(void **state)
{
    sqlite3_close(db);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_emails),
        cmocka_unit_test(test_unicode_text),
        cmocka_unit_test(test_companies),
        cmocka_unit_test(test_domains),
        cmocka_unit_test(test_random_idempotent),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
