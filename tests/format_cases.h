/*
 * format_cases.h: valid and invalid values of each `format` check format
 * (quality/formats.c), shared by tests/unit/test_checks.c (the C
 * validator) and tests/pipeline/test_checks_sql*.c (SQLite's
 * sl_format_valid() and PostgreSQL's regular expressions must agree with
 * it value for value).
 */
#ifndef SL_TEST_FORMAT_CASES_H
#define SL_TEST_FORMAT_CASES_H

typedef struct format_case {
    const char *format, *value;
    int valid;
} format_case;

static const format_case format_cases[] = {
    {"email", "a@b.co", 1},
    {"email", "first.last+tag@example.com", 1},
    {"email", "o'brien@mail.example.ie", 1},
    {"email", "\xc3\xbc\xc3\xb1\xc3\xae@ex\xc3\xa4mple.de", 1},              /* üñî@exämple.de */
    {"email", "\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.\xe5\xb9\xbf\xe5\x91\x8a", 1}, /* 用户@例子.广告 */
    {"email", "x@sub.xn--p1ai", 1},
    {"email", "a-b_c@d-e.f-g.com", 1},
    {"email", "", 0},
    {"email", "plain", 0},
    {"email", "@b.com", 0},
    {"email", "a@", 0},
    {"email", "a@b", 0},
    {"email", "a@b.c", 0},
    {"email", "a..b@c.com", 0},
    {"email", ".a@c.com", 0},
    {"email", "a.@c.com", 0},
    {"email", "a@-b.com", 0},
    {"email", "a@b-.com", 0},
    {"email", "a@b..com", 0},
    {"email", "John <j@x.com>", 0},
    {"email", "a b@c.com", 0},
    {"email", "a@b@c.com", 0},
    {"email", "a@1.2.3.4", 0},
    {"email", "\"q\"@x.com", 0},
    {"email", "a@b.com ", 0},
    {"email", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x.com", 0}, /* 65-character local part */
    {"email", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x.com", 1},  /* 64 */
    {"email", "a@bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.com", 1}, /* a 63-character label */
    {"email", "a@bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.com", 0}, /* 64 */
    {"email", "a@x.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 0}, /* a 64-character TLD */
    {"e164", "+14155552671", 1},
    {"e164", "+442071838750", 1},
    {"e164", "+12345678", 1},
    {"e164", "+123456789012345", 1},
    {"e164", "14155552671", 0},
    {"e164", "+04155552671", 0},
    {"e164", "+1234567", 0},
    {"e164", "+1234567890123456", 0},
    {"e164", "+1 415 555 2671", 0},
    {"e164", "+", 0},
    {"iso_country", "US", 1},
    {"iso_country", "DE", 1},
    {"iso_country", "GB", 1},
    {"iso_country", "us", 0},
    {"iso_country", "USA", 0},
    {"iso_country", "UK", 0},
    {"iso_country", "XX", 0},
    {"iso_country", "", 0},
    {"iso_currency", "USD", 1},
    {"iso_currency", "EUR", 1},
    {"iso_currency", "JPY", 1},
    {"iso_currency", "usd", 0},
    {"iso_currency", "US", 0},
    {"iso_currency", "ABC", 0},
    {"iso_currency", "EURO", 0},
    {"url", "http://example.com", 1},
    {"url", "https://example.com/path?q=1#frag", 1},
    {"url", "HTTPS://EXAMPLE.COM:8443/x", 1},
    {"url", "http://localhost", 1},
    {"url", "http://[::1]:8080/", 1},
    {"url", "https://b\xc3\xbc" "cher.de/", 1},
    {"url", "http://x.com?a=b", 1},
    {"url", "ftp://x.com", 0},
    {"url", "http://", 0},
    {"url", "http:///x", 0},
    {"url", "http://exa mple.com", 0},
    {"url", "http://x.com/a b", 0},
    {"url", "example.com", 0},
    {"url", "http://-x.com", 0},
    {"url", "http://x.com:", 0},
    {"url", "http://x.com:123456", 0},
    {"url", "http://user@x.com", 0},
    {"uuid", "123e4567-e89b-12d3-a456-426614174000", 1},
    {"uuid", "123E4567-E89B-12D3-A456-426614174000", 1},
    {"uuid", "123e4567e89b12d3a456426614174000", 0},
    {"uuid", "123e4567-e89b-12d3-a456-42661417400g", 0},
    {"uuid", "{123e4567-e89b-12d3-a456-426614174000}", 0},
    {"date", "2024-02-29", 1},
    {"date", "2000-02-29", 1},
    {"date", "1999-12-31", 1},
    {"date", "0001-01-01", 1},
    {"date", "2023-02-29", 0},
    {"date", "1900-02-29", 0},
    {"date", "2024-13-01", 0},
    {"date", "2024-04-31", 0},
    {"date", "2024-1-01", 0},
    {"date", "0000-01-01", 0},
    {"date", "2024-01-01T00:00:00", 0},
    {"date", "20240101", 0},
};

#define FORMAT_NCASES (sizeof format_cases / sizeof *format_cases)

#endif
