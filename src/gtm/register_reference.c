/*
 * register_reference.c: the SQLite functions over phones, countries and
 * currencies (gtm/gtm.h; documented in gtm/docs_reference.inc):
 *   normalize_phone(x[, region]), phone_is_valid(x[, region]),
 *   phone_region(x[, region]), phone_type(x[, region]),
 *   country_code(x), country_name(x), country_alpha3(x),
 *   currency_code(x), currency_name(x).
 * NULL x gives NULL (a NULL region is no region); a value that cannot be
 * normalised gives NULL (phone_is_valid: 0). When iso-codes cannot be read
 * the country and currency functions are an error naming the file, never
 * silent NULLs. As in register_text.c, each registration owns one output
 * buffer per connection (freed with it): a call allocates nothing but
 * SQLite's copy.
 */
#include "core/mem.h"
#include "gtm/country.h"
#include "gtm/gtm.h"
#include "gtm/register.h"
#include <stdio.h>
#include <string.h>

typedef enum ref_fn {
    F_PHONE, F_PHONE_VALID, F_PHONE_REGION, F_PHONE_TYPE,
    F_COUNTRY, F_COUNTRY_NAME, F_COUNTRY_ALPHA3, F_CURRENCY, F_CURRENCY_NAME,
} ref_fn;

typedef struct ref_def {
    const char *name;
    ref_fn fn;
    int phone; /* takes an optional region */
} ref_def;

static const ref_def defs[] = {
    {"normalize_phone", F_PHONE, 1},       {"phone_is_valid", F_PHONE_VALID, 1},
    {"phone_region", F_PHONE_REGION, 1},   {"phone_type", F_PHONE_TYPE, 1},
    {"country_code", F_COUNTRY, 0},        {"country_name", F_COUNTRY_NAME, 0},
    {"country_alpha3", F_COUNTRY_ALPHA3, 0}, {"currency_code", F_CURRENCY, 0},
    {"currency_name", F_CURRENCY_NAME, 0},
};

/* one registration's user data: its definition and its output buffer */
typedef struct ref_call {
    const ref_def *d;
    sl_buf out;
} ref_call;

static void ref_sql(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    ref_call *rc = sqlite3_user_data(ctx);
    const ref_def *d = rc->d;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
        return; /* NULL */
    /* a NULL region is no region (as the normalize transform's
     * region_column without a value): a +country number still parses, so
     * normalize_phone(phone, country_code(country)) keeps the
     * international numbers of rows whose country is unknown */
    int has_region = argc > 1 && sqlite3_value_type(argv[1]) != SQLITE_NULL;
    const char *s = (const char *)sqlite3_value_text(argv[0]);
    int n = sqlite3_value_bytes(argv[0]);
    const char *region = has_region ? (const char *)sqlite3_value_text(argv[1]) : NULL;
    if (!s || (has_region && !region)) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    if (!d->phone) {
        const char *why = sl_gtm_ref_error(d->fn == F_CURRENCY || d->fn == F_CURRENCY_NAME);
        if (why) {
            char msg[600];
            snprintf(msg, sizeof msg, "%s: %s", d->name, why);
            sqlite3_result_error(ctx, msg, -1);
            return;
        }
    }
    sl_buf *out = &rc->out;
    int ok = 0;
    size_t len = (size_t)n;
    switch (d->fn) {
    case F_PHONE: ok = sl_gtm_phone_normalize(s, len, region, out); break;
    case F_PHONE_VALID:
        sqlite3_result_int(ctx, sl_gtm_phone_valid(s, len, region));
        return;
    case F_PHONE_REGION: ok = sl_gtm_phone_region(s, len, region, out); break;
    case F_PHONE_TYPE: ok = sl_gtm_phone_type(s, len, region, out); break;
    case F_COUNTRY: ok = sl_gtm_country_code(s, len, out); break;
    case F_COUNTRY_NAME: ok = sl_gtm_country_name(s, len, out); break;
    case F_COUNTRY_ALPHA3: ok = sl_gtm_country_alpha3(s, len, out); break;
    case F_CURRENCY: ok = sl_gtm_currency_code(s, len, out); break;
    case F_CURRENCY_NAME: ok = sl_gtm_currency_name(s, len, out); break;
    }
    if (ok)
        sqlite3_result_text(ctx, out->data ? out->data : "", (int)out->len, SQLITE_TRANSIENT);
}

static void ref_destroy(void *p)
{
    ref_call *rc = p;
    sl_buf_release(&rc->out);
    sl_free(rc);
}

int sl_gtm_register_reference(sqlite3 *db)
{
    const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    for (size_t i = 0; i < sizeof defs / sizeof *defs; i++) {
        for (int argc = 1; argc <= (defs[i].phone ? 2 : 1); argc++) {
            ref_call *rc = sl_calloc(1, sizeof *rc);
            rc->d = &defs[i];
            sl_buf_init(&rc->out);
            /* on failure SQLite calls ref_destroy(rc) itself */
            if (sqlite3_create_function_v2(db, defs[i].name, argc, flags, rc, ref_sql, NULL, NULL, ref_destroy) !=
                SQLITE_OK)
                return -1;
        }
    }
    return 0;
}
