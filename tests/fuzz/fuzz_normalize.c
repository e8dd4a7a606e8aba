/* fuzz_normalize.c: any bytes through every GTM normaliser (gtm/gtm.h):
 * e-mails, Unicode text, companies, domains, phones (without a region,
 * with a fixed one, and with a region taken from the input itself),
 * countries and currencies, and the gettext .mo reader (gtm/mo.c) on the
 * same bytes: each gives a result or "cannot normalise" and never crashes,
 * hangs, leaks or reads out of bounds. A result must be NUL-terminated
 * valid UTF-8 of its stated length. */
#include "core/util.h"
#include "gtm/gtm.h"
#include "gtm/mo.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* set per input: a NUL byte inside the input may pass through to the
 * result (lower/upper copy every byte they do not map, as SQLite's do) */
static int input_has_nul;

static void check(int ok, const sl_buf *out)
{
    if (!ok)
        return;
    if (out->data && ((!input_has_nul && strlen(out->data) != out->len) ||
                      sl_utf8_valid_prefix(out->data, out->len) != out->len))
        abort();
}

static int on_pair(void *ctx, const char *id, size_t idn, const char *str, size_t strn)
{
    size_t *total = ctx;
    *total += idn + strn; /* touches nothing: mo.c's bounds are what is tested (ASan) */
    if (idn && (id[0] == 1 || id[idn - 1] == 1))
        (*total)++;
    if (strn && (str[0] == 1 || str[strn - 1] == 1))
        (*total)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    input_has_nul = size && memchr(data, 0, size) != NULL;
    sl_buf out;
    sl_buf_init(&out);
    check(sl_gtm_email_normalize(s, size, &out), &out);
    check(sl_gtm_email_canonical(s, size, &out), &out);
    check(sl_gtm_email_domain(s, size, &out), &out);
    (void)sl_gtm_email_valid(s, size);
    check(sl_gtm_text_lower(s, size, &out), &out);
    check(sl_gtm_text_upper(s, size, &out), &out);
    check(sl_gtm_text_casefold(s, size, &out), &out);
    check(sl_gtm_text_unaccent(s, size, &out), &out);
    check(sl_gtm_company_normalize(s, size, &out), &out);
    check(sl_gtm_domain_host(s, size, &out), &out);
    check(sl_gtm_domain_registered(s, size, &out), &out);
    check(sl_gtm_phone_normalize(s, size, NULL, &out), &out);
    check(sl_gtm_phone_normalize(s, size, "US", &out), &out);
    (void)sl_gtm_phone_valid(s, size, "DE");
    check(sl_gtm_phone_region(s, size, "GB", &out), &out);
    check(sl_gtm_phone_type(s, size, NULL, &out), &out);
    /* the region from the input: its first bytes as a code or a name */
    if (size > 2) {
        char region[24];
        size_t rn = size - 2 < sizeof region - 1 ? size - 2 : sizeof region - 1;
        memcpy(region, s, rn);
        region[rn] = 0;
        check(sl_gtm_phone_normalize(s + 2, size - 2, region, &out), &out);
    }
    check(sl_gtm_country_code(s, size, &out), &out);
    check(sl_gtm_country_name(s, size, &out), &out);
    check(sl_gtm_country_alpha3(s, size, &out), &out);
    check(sl_gtm_currency_code(s, size, &out), &out);
    check(sl_gtm_currency_name(s, size, &out), &out);
    /* the .mo reader on an exact-size copy, so ASan sees any overread */
    uint8_t *copy = malloc(size ? size : 1);
    if (copy) {
        memcpy(copy, data, size);
        char err[128];
        size_t total = 0;
        (void)sl_mo_parse(copy, size, on_pair, &total, err, sizeof err);
        free(copy);
    }
    sl_buf_release(&out);
    return 0;
}
