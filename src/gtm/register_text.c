/*
 * register_text.c: sl_gtm_register_text (register.h), the SQLite wrappers
 * of the e-mail, Unicode text, company and domain normalisers (gtm.h):
 * normalize_email, canonical_email, email_domain, is_valid_email, lower,
 * upper (Unicode; they replace SQLite's ASCII-only ones on the
 * connection), casefold, unaccent, normalize_company, url_host and
 * registered_domain. One argument each; NULL gives NULL, a value that
 * cannot be normalised gives NULL (is_valid_email gives 0), a number is
 * taken as its text. Each function owns one output buffer per connection
 * (freed with it), so a call allocates nothing but SQLite's copy.
 */
#include "gtm/register.h"
#include "gtm/gtm.h"
#include "core/mem.h"

typedef int (*norm_fn)(const char *s, size_t n, sl_buf *out);

typedef struct text_fn {
    norm_fn fn;
    sl_buf out;
} text_fn;

static void call(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    const char *s = (const char *)sqlite3_value_text(argv[0]);
    if (!s) { /* out of memory converting the value */
        sqlite3_result_error_nomem(ctx);
        return;
    }
    size_t n = (size_t)sqlite3_value_bytes(argv[0]);
    text_fn *f = sqlite3_user_data(ctx);
    if (!f->fn(s, n, &f->out))
        sqlite3_result_null(ctx);
    else
        sqlite3_result_text(ctx, f->out.data, (int)f->out.len, SQLITE_TRANSIENT);
}

static void is_valid_email(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    const char *s = (const char *)sqlite3_value_text(argv[0]);
    if (!s) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_int(ctx, sl_gtm_email_valid(s, (size_t)sqlite3_value_bytes(argv[0])));
}

static void destroy(void *p)
{
    text_fn *f = p;
    sl_buf_release(&f->out);
    sl_free(f);
}

static const struct {
    const char *name;
    norm_fn fn;
} fns[] = {
    {"normalize_email", sl_gtm_email_normalize},
    {"canonical_email", sl_gtm_email_canonical},
    {"email_domain", sl_gtm_email_domain},
    {"lower", sl_gtm_text_lower},
    {"upper", sl_gtm_text_upper},
    {"casefold", sl_gtm_text_casefold},
    {"unaccent", sl_gtm_text_unaccent},
    {"normalize_company", sl_gtm_company_normalize},
    {"url_host", sl_gtm_domain_host},
    {"registered_domain", sl_gtm_domain_registered},
};

int sl_gtm_register_text(sqlite3 *db)
{
    int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        text_fn *f = sl_calloc(1, sizeof *f);
        f->fn = fns[i].fn;
        sl_buf_init(&f->out);
        /* on failure SQLite calls destroy(f) itself */
        if (sqlite3_create_function_v2(db, fns[i].name, 1, flags, f, call, NULL, NULL, destroy) != SQLITE_OK)
            return -1;
    }
    if (sqlite3_create_function(db, "is_valid_email", 1, flags, NULL, is_valid_email, NULL, NULL) != SQLITE_OK)
        return -1;
    return 0;
}
