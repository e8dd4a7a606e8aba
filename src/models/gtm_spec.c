/*
 * gtm_spec.c: see gtm_spec.h. Helpers of the score and lifecycle model
 * types: spec inputs, numbers, durations and timestamps, column checks of
 * inputs at build time, and the entity key table.
 */
#include "models/gtm_spec.h"
#include "config/yaml.h"
#include "core/mem.h"
#include "core/sqlident.h"
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *dup_scalar(const sl_mtype_parse *p, struct fy_node *v, const char *what)
{
    const char *s = sl_mtype_scalar(v);
    if (!s || !*s) {
        sl_diags_add(p->d, sl_yaml_loc(v, p->file), "%s: must be a non-empty string", what);
        return NULL;
    }
    return sl_strdup(s);
}

static int in_list(const char *const *list, const char *s)
{
    for (size_t i = 0; list && list[i]; i++)
        if (strcmp(list[i], s) == 0)
            return 1;
    return 0;
}

int sl_gtms_input_parse(const sl_mtype_parse *p, struct fy_node *v, const char *what, const char *const *extra,
                        const char *const *required, sl_gtms_input *in)
{
    memset(in, 0, sizeof *in);
    if (!v || !fy_node_is_mapping(v)) {
        sl_diags_add(p->d, sl_yaml_loc(v, p->file), "%s: must be a mapping {from: NAME, key: COLUMN%s}", what,
                     extra && extra[0] ? ", ..." : "");
        return -1;
    }
    const char *known[8] = {"from", "key"};
    size_t nk = 2;
    for (size_t i = 0; extra && extra[i] && nk < 7; i++)
        known[nk++] = extra[i];
    known[nk] = NULL;
    size_t before = p->d->n;
    void *it = NULL;
    struct fy_node_pair *pr;
    struct fy_node *from_node = NULL;
    while ((pr = fy_node_mapping_iterate(v, &it)) != NULL) {
        struct fy_node *kn = fy_node_pair_key(pr), *vn = fy_node_pair_value(pr);
        const char *k = sl_mtype_scalar(kn);
        char label[96];
        snprintf(label, sizeof label, "%s.%s", what, k ? k : "?");
        if (k && strcmp(k, "from") == 0) {
            from_node = vn;
            in->from = dup_scalar(p, vn, label);
        } else if (k && strcmp(k, "key") == 0) {
            in->key = dup_scalar(p, vn, label);
        } else if (k && strcmp(k, "time") == 0 && in_list(extra, "time")) {
            in->time = dup_scalar(p, vn, label);
        } else if (k && strcmp(k, "where") == 0 && in_list(extra, "where")) {
            in->where = dup_scalar(p, vn, label);
        } else {
            sl_mtype_unknown_key(p, kn, k ? k : "?", known);
        }
    }
    if (!in->from || !in->key) {
        if (p->d->n == before)
            sl_diags_add(p->d, sl_yaml_loc(v, p->file), "%s: needs %s", what, !in->from ? "from:" : "key:");
    }
    for (size_t i = 0; required && required[i]; i++) {
        int have = (strcmp(required[i], "time") == 0 && in->time) || (strcmp(required[i], "where") == 0 && in->where);
        if (!have && p->d->n == before)
            sl_diags_add(p->d, sl_yaml_loc(v, p->file), "%s: needs %s:", what, required[i]);
    }
    if (p->d->n != before)
        return -1;
    sl_mtype_ref(p, in->from, from_node);
    return 0;
}

void sl_gtms_input_free(sl_gtms_input *in)
{
    sl_free(in->from);
    sl_free(in->key);
    sl_free(in->time);
    sl_free(in->where);
    memset(in, 0, sizeof *in);
}

int sl_gtms_number(const sl_mtype_parse *p, struct fy_node *v, const char *what, double *out)
{
    const char *s = sl_mtype_scalar(v);
    char *end = NULL;
    double x = s && *s ? strtod(s, &end) : 0;
    if (!s || !*s || *end || !isfinite(x)) {
        sl_diags_add(p->d, sl_yaml_loc(v, p->file), "%s: '%s' is not a number", what, s ? s : "?");
        return -1;
    }
    *out = x;
    return 0;
}

int sl_gtms_duration(const sl_mtype_parse *p, struct fy_node *v, const char *what, int64_t *out)
{
    const char *s = sl_mtype_scalar(v);
    int64_t x = s ? sl_parse_duration(s) : -1;
    if (x <= 0) {
        sl_diags_add(p->d, sl_yaml_loc(v, p->file), "%s: '%s' is not a duration (like 14d, 12h, 90m)", what,
                     s ? s : "?");
        return -1;
    }
    *out = x;
    return 0;
}

int sl_gtms_timestamp(const sl_mtype_parse *p, struct fy_node *v, const char *what, char **out)
{
    const char *s = sl_mtype_scalar(v);
    int64_t t;
    if (!s || sl_gtms_time_parse(s, &t) < 0) {
        sl_diags_add(p->d, sl_yaml_loc(v, p->file), "%s: '%s' is not a timestamp ('YYYY-MM-DD HH:MM:SS', UTC)",
                     what, s ? s : "?");
        return -1;
    }
    char buf[32];
    sl_gtms_time_format(t, buf, sizeof buf);
    *out = sl_strdup(buf);
    return 0;
}

int sl_gtms_name_ok(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return 0;
    return 1;
}

static int digits(const char **s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*s)[i]))
            return -1;
        v = v * 10 + ((*s)[i] - '0');
    }
    *s += n;
    *out = v;
    return 0;
}

int sl_gtms_time_parse(const char *s, int64_t *out)
{
    int Y, M, D, h = 0, m = 0, sec = 0;
    if (!s)
        return -1;
    while (*s == ' ')
        s++;
    if (digits(&s, 4, &Y) < 0 || *s++ != '-' || digits(&s, 2, &M) < 0 || *s++ != '-' || digits(&s, 2, &D) < 0)
        return -1;
    if (M < 1 || M > 12 || D < 1 || D > 31)
        return -1;
    if (*s == ' ' || *s == 'T') {
        s++;
        if (digits(&s, 2, &h) < 0 || *s++ != ':' || digits(&s, 2, &m) < 0)
            return -1;
        if (*s == ':') {
            s++;
            if (digits(&s, 2, &sec) < 0)
                return -1;
            if (*s == '.')
                for (s++; isdigit((unsigned char)*s); s++)
                    ;
        }
        if (h > 23 || m > 59 || sec > 60)
            return -1;
    }
    int64_t off = 0;
    if (*s == 'Z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        int sign = *s == '-' ? -1 : 1, oh = 0, om = 0;
        s++;
        if (digits(&s, 2, &oh) < 0)
            return -1;
        if (*s == ':')
            s++;
        if (isdigit((unsigned char)*s) && digits(&s, 2, &om) < 0)
            return -1;
        off = sign * (oh * 3600 + om * 60);
    }
    while (*s == ' ')
        s++;
    if (*s)
        return -1;
    struct tm tm = {0};
    tm.tm_year = Y - 1900;
    tm.tm_mon = M - 1;
    tm.tm_mday = D;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = sec;
    *out = (int64_t)timegm(&tm) - off;
    return 0;
}

void sl_gtms_time_format(int64_t t, char *out, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, cap, "%Y-%m-%d %H:%M:%S", &tm);
}

static int type_is_integer(const char *t)
{
    if (!t)
        return 0;
    char low[64];
    size_t i = 0;
    for (; t[i] && i + 1 < sizeof low; i++)
        low[i] = (char)tolower((unsigned char)t[i]);
    low[i] = 0;
    return strstr(low, "int") != NULL || strcmp(low, "serial") == 0 || strcmp(low, "bigserial") == 0;
}

int sl_gtms_input_check(const sl_mtype_build *b, const char *from, const char *const *cols, sl_relation *rel,
                        int *key_integer, sl_error *err)
{
    if (sl_mtype_relation(b, from, rel, err) < 0)
        return -1;
    sl_adapter_column *c = NULL;
    size_t n = 0;
    if (sl_adapter_columns(b->a, *rel, &c, &n, err) < 0)
        return sl_error_prefix(err, "model %s: input '%s'", b->n->name, from);
    if (n == 0) {
        sl_adapter_columns_free(c, n);
        return sl_error_set(err, SL_ECONFIG, "model %s: input '%s' is not in the warehouse (build it first)",
                            b->n->name, from);
    }
    int rc = 0;
    for (size_t j = 0; cols[j]; j++) {
        size_t i = 0;
        while (i < n && strcmp(c[i].name, cols[j]) != 0)
            i++;
        if (i == n) {
            const char *names[512];
            size_t k = 0;
            for (; k < n && k < 511; k++)
                names[k] = c[k].name;
            const char *s = sl_suggest(cols[j], names, k);
            rc = sl_error_set(err, SL_ECONFIG, "model %s: input '%s' has no column '%s'%s%s%s", b->n->name, from,
                              cols[j], s ? "; did you mean '" : "", s ? s : "", s ? "'?" : "");
            break;
        }
        if (j == 0 && key_integer)
            *key_integer = type_is_integer(c[i].type);
    }
    sl_adapter_columns_free(c, n);
    return rc;
}

static const char *key_name(const void *ctx, size_t k, size_t *n)
{
    const sl_gtms_keys *K = ctx;
    *n = strlen(K->v[k]);
    return K->v[k];
}

void sl_gtms_keys_init(sl_gtms_keys *k)
{
    memset(k, 0, sizeof *k);
    sl_nameidx_init(&k->idx);
}

void sl_gtms_keys_release(sl_gtms_keys *k)
{
    for (size_t i = 0; i < k->n; i++)
        sl_free(k->v[i]);
    sl_free(k->v);
    sl_nameidx_release(&k->idx);
    memset(k, 0, sizeof *k);
}

long sl_gtms_keys_find(const sl_gtms_keys *k, const char *key)
{
    return sl_nameidx_find(&k->idx, key, strlen(key), key_name, k);
}

long sl_gtms_keys_add(sl_gtms_keys *k, const char *key)
{
    if (sl_gtms_keys_find(k, key) >= 0)
        return -1;
    if (k->n == k->cap) {
        k->cap = k->cap ? k->cap * 2 : 64;
        k->v = sl_realloc(k->v, k->cap * sizeof *k->v);
    }
    k->v[k->n] = sl_strdup(key);
    sl_nameidx_add(&k->idx, key, strlen(key), k->n, key_name, k);
    return (long)k->n++;
}

void sl_gtms_case_sql(sl_buf *sql, const char *cond)
{
    sl_buf_adds(sql, "CASE WHEN (");
    sl_buf_adds(sql, cond);
    sl_buf_adds(sql, ") THEN 1 ELSE 0 END");
}

void sl_gtms_text_sql(sl_buf *sql, const char *col)
{
    sl_buf_adds(sql, "CAST(");
    sl_sql_ident(sql, col);
    sl_buf_adds(sql, " AS TEXT)");
}

int sl_gtms_error_in(sl_error *err, const char *model, const char *what)
{
    char head[512];
    snprintf(head, sizeof head, "model %s: ", model);
    size_t n = strlen(head);
    if (strncmp(err->msg, head, n) == 0) {
        char rest[sizeof err->msg];
        snprintf(rest, sizeof rest, "%s", err->msg + n);
        snprintf(err->msg, sizeof err->msg, "%s%s: %s", head, what, rest);
        return -1;
    }
    sl_error_prefix(err, "%s", what);
    return sl_error_prefix(err, "model %s", model);
}
