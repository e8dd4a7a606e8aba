/*
 * normalize.c: the `normalize` transform: rewrite columns with the GTM
 * normalisers (gtm/gtm.h), {column: kind, ...}:
 *
 *   - type: normalize
 *     columns: {email: email, phone: phone, country: country, company: company}
 *     region: US              # phones written without +country
 *     region_column: country  # or each row's own country (any name or code)
 *     on_invalid: reject      # null (default) | reject | keep
 *
 * Kinds: email, canonical_email, phone, country (alpha-2), country_alpha3,
 * country_name, currency (alpha-3), currency_name, company, domain
 * (registered domain), host, lower, upper, casefold, unaccent. A
 * normalised column is text. A value that cannot be normalised becomes
 * NULL (on_invalid: null), keeps its original text (keep), or sends the
 * row to the DLQ with "column 'phone': '...' is not a phone number" and
 * its source position (reject; counted as rejected). NULL stays NULL.
 * Columns are rewritten in the order given, so region_column may name a
 * column normalised before the phone (country: country, then phone).
 */
#include "config/diag.h"
#include "core/mem.h"
#include "engine/colcheck.h"
#include "engine/project.h"
#include "gtm/gtm.h"
#include "transforms/columns.h"
#include <stdio.h>
#include <string.h>

typedef struct normalize_opts {
    sl_kvlist columns;
    char *region;
    char *region_column;
    char *on_invalid;
} normalize_opts;

static const sl_option normalize_options[] = {
    {"columns", SL_OPT_MAP, NULL, SL_OPT_REQUIRED, offsetof(normalize_opts, columns), NULL,
     "column: kind (email, canonical_email, phone, country, country_alpha3, country_name, currency, "
     "currency_name, company, domain, host, lower, upper, casefold, unaccent); rewritten in this order"},
    {"region", SL_OPT_STRING, "", 0, offsetof(normalize_opts, region), NULL,
     "phones without +country are of this country (ISO alpha-2 such as US, or any country name/code); "
     "empty: only +... numbers normalise"},
    {"region_column", SL_OPT_STRING, "", 0, offsetof(normalize_opts, region_column), NULL,
     "a column holding each row's country (any name or code) for its phones; region when it is NULL or unknown"},
    {"on_invalid", SL_OPT_ENUM, "null", 0, offsetof(normalize_opts, on_invalid), "null|reject|keep",
     "a value that cannot be normalised: null sets NULL, reject sends the row to the DLQ with the reason, "
     "keep keeps the original value"},
    SL_OPT_END,
};

typedef enum nkind {
    K_EMAIL, K_CANONICAL_EMAIL, K_PHONE, K_COUNTRY, K_COUNTRY_ALPHA3, K_COUNTRY_NAME, K_CURRENCY,
    K_CURRENCY_NAME, K_COMPANY, K_DOMAIN, K_HOST, K_LOWER, K_UPPER, K_CASEFOLD, K_UNACCENT, K_COUNT
} nkind;

/* name, and what a value that fails is not (for the DLQ reason) */
static const char *const kind_names[K_COUNT] = {
    "email", "canonical_email", "phone", "country", "country_alpha3", "country_name", "currency",
    "currency_name", "company", "domain", "host", "lower", "upper", "casefold", "unaccent"};
static const char *const kind_what[K_COUNT] = {
    "an e-mail address", "an e-mail address", "a phone number", "a country", "a country", "a country",
    "a currency", "a currency", "a company name", "a domain", "a host", "UTF-8 text", "UTF-8 text",
    "UTF-8 text", "UTF-8 text"};

static int kind_of(const char *name)
{
    for (int k = 0; k < K_COUNT; k++)
        if (strcmp(kind_names[k], name) == 0)
            return k;
    return -1;
}

static int normalize_check(sl_instance *in, sl_diags *d)
{
    normalize_opts *o = in->opts;
    size_t before = d->n;
    for (size_t i = 0; i < o->columns.n; i++) {
        const char *v = o->columns.v[i].value;
        if (kind_of(v) >= 0)
            continue;
        const char *near = sl_suggest(v, kind_names, K_COUNT);
        sl_diags_add(d, o->columns.v[i].loc,
                     "normalize: unknown kind '%s' for column '%s'%s%s%s (email, canonical_email, phone, country, "
                     "country_alpha3, country_name, currency, currency_name, company, domain, host, lower, upper, "
                     "casefold, unaccent)",
                     v, o->columns.v[i].key, near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
    }
    if (o->region && *o->region) {
        sl_buf b;
        sl_buf_init(&b);
        if (!sl_gtm_country_code(o->region, strlen(o->region), &b))
            sl_diags_add(d, in->loc, "normalize: region '%s' is not a country (e.g. US, DE, Germany)",
                         o->region);
        sl_buf_release(&b);
    }
    return (int)(d->n - before);
}

/* validate: each column (and region_column) is there. */
static int normalize_columns(sl_instance *in, sl_colset *c, sl_diags *d)
{
    normalize_opts *o = in->opts;
    char what[128];
    snprintf(what, sizeof what, "transform %s", in->id);
    int n = 0;
    for (size_t i = 0; i < o->columns.n; i++)
        n += sl_colset_require(c, o->columns.v[i].key, sl_colcheck_loc(o->columns.v[i].loc, in), what, d);
    if (o->region_column && *o->region_column)
        n += sl_colset_require(c, o->region_column, sl_colcheck_loc(in->loc, in), what, d);
    return n;
}

/* Normalise s as kind into out; 1 ok, 0 cannot. */
static int apply(nkind k, const char *s, size_t n, const char *region, sl_buf *out)
{
    switch (k) {
    case K_EMAIL: return sl_gtm_email_normalize(s, n, out);
    case K_CANONICAL_EMAIL: return sl_gtm_email_canonical(s, n, out);
    case K_PHONE: return sl_gtm_phone_normalize(s, n, region, out);
    case K_COUNTRY: return sl_gtm_country_code(s, n, out);
    case K_COUNTRY_ALPHA3: return sl_gtm_country_alpha3(s, n, out);
    case K_COUNTRY_NAME: return sl_gtm_country_name(s, n, out);
    case K_CURRENCY: return sl_gtm_currency_code(s, n, out);
    case K_CURRENCY_NAME: return sl_gtm_currency_name(s, n, out);
    case K_COMPANY: return sl_gtm_company_normalize(s, n, out);
    case K_DOMAIN: return sl_gtm_domain_registered(s, n, out);
    case K_HOST: return sl_gtm_domain_host(s, n, out);
    case K_LOWER: return sl_gtm_text_lower(s, n, out);
    case K_UPPER: return sl_gtm_text_upper(s, n, out);
    case K_CASEFOLD: return sl_gtm_text_casefold(s, n, out);
    case K_UNACCENT: return sl_gtm_text_unaccent(s, n, out);
    default: return 0;
    }
}

static int normalize_process(sl_instance *in, sl_batch *b, sl_error *err)
{
    normalize_opts *o = in->opts;
    int reject = strcmp(o->on_invalid, "reject") == 0, keep_orig = strcmp(o->on_invalid, "keep") == 0;
    uint8_t *keep = NULL;
    sl_str *vals = NULL;
    uint8_t *valid = NULL;
    sl_buf out, reg;
    sl_buf_init(&out);
    sl_buf_init(&reg);
    int rc = 0;
    for (size_t k = 0; k < o->columns.n && rc == 0; k++) {
        int at = sl_transform_column(in, b, o->columns.v[k].key, err);
        int rat = -1;
        if (at >= 0 && o->region_column && *o->region_column)
            rat = sl_transform_column(in, b, o->region_column, err);
        if (at < 0 || (o->region_column && *o->region_column && rat < 0)) {
            rc = -1;
            break;
        }
        nkind kind = (nkind)kind_of(o->columns.v[k].value);
        sl_column *c = &b->cols[at];
        vals = sl_realloc(vals, (b->nrows ? b->nrows : 1) * sizeof *vals);
        valid = sl_realloc(valid, b->nrows ? b->nrows : 1);
        for (size_t r = 0; r < b->nrows; r++) {
            valid[r] = 0;
            if (!c->valid[r] || (keep && !keep[r]))
                continue;
            char tmp[64];
            const char *p;
            size_t n;
            sl_cell_text(c, r, tmp, &p, &n);
            const char *region = *o->region ? o->region : NULL;
            if (kind == K_PHONE && rat >= 0 && b->cols[rat].valid[r]) {
                char rtmp[64];
                const char *rp;
                size_t rn;
                sl_cell_text(&b->cols[rat], r, rtmp, &rp, &rn);
                if (sl_gtm_country_code(rp, rn, &reg))
                    region = reg.data;
            }
            if (apply(kind, p, n, region, &out)) {
                vals[r].p = sl_arena_copy(&b->arena, out.data ? out.data : "", out.len);
                vals[r].n = out.len;
                valid[r] = 1;
            } else if (keep_orig) {
                vals[r].p = sl_arena_copy(&b->arena, p, n);
                vals[r].n = n;
                valid[r] = 1;
            } else if (reject) {
                sl_buf why;
                sl_buf_init(&why);
                sl_buf_addf(&why, "column '%s': '", c->name);
                sl_buf_add_utf8_shown(&why, p, n > 80 ? 80 : n);
                sl_buf_addf(&why, "%s' is not %s", n > 80 ? "..." : "", kind_what[kind]);
                if (kind == K_PHONE)
                    sl_buf_addf(&why, region ? " (region %s)" : " (no region: only +... numbers)",
                                region ? region : "");
                sl_batch_reject_row(b, r, in->id, why.data);
                sl_buf_release(&why);
                if (!keep) {
                    keep = sl_malloc(b->nrows);
                    memset(keep, 1, b->nrows);
                }
                keep[r] = 0;
            }
        }
        sl_column_set_type(c, SL_T_TEXT, b->rowcap);
        for (size_t r = 0; r < b->nrows; r++) {
            c->valid[r] = valid[r];
            if (valid[r])
                c->str[r] = vals[r];
        }
    }
    if (keep && rc == 0)
        sl_batch_keep(b, keep);
    sl_free(keep);
    sl_free(vals);
    sl_free(valid);
    sl_buf_release(&out);
    sl_buf_release(&reg);
    return rc;
}

/* pushdown (engine/project.h): each normalised column and region_column;
 * with on_invalid: reject every column (a DLQ record is the whole row). */
static int normalize_needs(sl_instance *in, sl_projection *need)
{
    normalize_opts *o = in->opts;
    if (strcmp(o->on_invalid, "reject") == 0) {
        sl_projection_set_all(need);
        return 0;
    }
    for (size_t i = 0; i < o->columns.n; i++)
        sl_projection_add(need, o->columns.v[i].key);
    if (o->region_column && *o->region_column)
        sl_projection_add(need, o->region_column);
    return 0;
}

const sl_transform_plugin sl_transform_normalize = {
    .version = SL_PLUGIN_VERSION,
    .name = "normalize",
    .summary = "rewrite columns as normalised e-mails, E.164 phones, ISO countries and currencies, company keys, "
               "domains; invalid values become NULL, stay, or go to the DLQ",
    .options = normalize_options,
    .opts_size = sizeof(normalize_opts),
    .check = normalize_check,
    .process = normalize_process,
    .columns = normalize_columns,
    .needs = normalize_needs,
};
