/* api.c: see api.h. */
#include "net/api.h"
#include "core/log.h"
#include "core/mem.h"
#include "formats/json_path.h"
#include "net/urltpl.h"
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *sl_kv_get(const sl_kvlist *l, const char *key, const char *def)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].key, key) == 0)
            return l->v[i].value;
    return def;
}

int sl_kv_check_keys(const sl_kvlist *l, const char *what, const char *const *allowed, sl_diags *d)
{
    int n = 0;
    size_t na = 0;
    while (allowed[na])
        na++;
    for (size_t i = 0; i < l->n; i++) {
        int ok = 0;
        for (size_t k = 0; k < na && !ok; k++)
            ok = strcmp(allowed[k], l->v[i].key) == 0;
        if (ok)
            continue;
        const char *sug = sl_suggest(l->v[i].key, allowed, na);
        sl_diags_add(d, l->v[i].loc, "unknown %s key '%s'%s%s%s", what, l->v[i].key, sug ? "; did you mean '" : "",
                     sug ? sug : "", sug ? "'?" : "");
        n++;
    }
    return n;
}

/* "10", "10/s", "600/min", "5000/h" -> requests per second; 0 = none; -1 unreadable. */
static double parse_rate(const char *s)
{
    if (!s || !*s)
        return 0;
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0)
        return -1;
    if (*end == 0 || strcmp(end, "/s") == 0 || strcmp(end, "/sec") == 0 || strcmp(end, "/second") == 0)
        return v;
    if (strcmp(end, "/m") == 0 || strcmp(end, "/min") == 0 || strcmp(end, "/minute") == 0)
        return v / 60;
    if (strcmp(end, "/h") == 0 || strcmp(end, "/hour") == 0)
        return v / 3600;
    return -1;
}

/* "0.5s", "250ms", "2m", "3" (seconds) -> seconds; -1 when unreadable. */
static double parse_seconds(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0)
        return -1;
    if (strcmp(end, "ms") == 0)
        return v / 1000;
    if (*end == 0 || strcmp(end, "s") == 0)
        return v;
    if (strcmp(end, "m") == 0)
        return v * 60;
    if (strcmp(end, "h") == 0)
        return v * 3600;
    return -1;
}

/* The auth values that are secrets, as soon as the configuration is read
 * (not only once the API is opened): whatever a validation, a dry run or
 * an error shows of them is redacted. The rest of auth (token_url,
 * client_id, username) is not secret. */
static void register_secrets(const sl_kvlist *au)
{
    static const char *const keys[] = {"value", "token", "password", "client_secret"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        sl_log_secret(sl_kv_get(au, keys[i], NULL));
}

int sl_api_check(const sl_api_opts *o, const sl_option *table, const void *opts, sl_diags *d)
{
    static const char *const auth_keys[] = {"type", "name", "value", "in", "token", "username", "password",
                                            "token_url", "client_id", "client_secret", "scope", NULL};
    static const char *const retry_keys[] = {"attempts", "base", "cap", NULL};
    int n = sl_kv_check_keys(&o->auth, "auth", auth_keys, d) + sl_kv_check_keys(&o->retry, "retry", retry_keys, d);
    register_secrets(&o->auth);
    const char *at = sl_kv_get(&o->auth, "type", NULL);
    if (o->auth.n && !at) {
        sl_diags_add(d, o->auth.loc, "auth needs type: api_key, bearer, basic or oauth2");
        n++;
    } else if (at) {
        static const char *const need[][4] = {{"api_key", "name", "value", NULL},
                                              {"bearer", "token", NULL, NULL},
                                              {"basic", "username", "password", NULL},
                                              {"oauth2", "token_url", "client_id", "client_secret"}};
        int known = 0;
        for (size_t t = 0; t < 4; t++) {
            if (strcmp(at, need[t][0]) != 0)
                continue;
            known = 1;
            for (size_t k = 1; k < 4 && need[t][k]; k++)
                if (!sl_kv_get(&o->auth, need[t][k], NULL)) {
                    sl_diags_add(d, o->auth.loc, "auth type %s needs %s:", at, need[t][k]);
                    n++;
                }
        }
        if (!known) {
            sl_diags_add(d, o->auth.loc, "unknown auth type '%s' (api_key, bearer, basic, oauth2)", at);
            n++;
        }
    }
    size_t maxb;
    if (sl_http_size_parse(o->max_response_size, &maxb) < 0 || maxb == 0) {
        sl_diags_add(d, sl_options_loc(table, opts, "max_response_size"),
                     "max_response_size '%s' is not a size (10MB, 256MiB, 1048576 bytes; more than 0)",
                     o->max_response_size);
        n++;
    }
    if (parse_rate(o->rate_limit) < 0) {
        sl_diags_add(d, sl_options_loc(table, opts, "rate_limit"),
                     "rate_limit '%s' is not a rate (10, 10/s, 600/min, 5000/h)", o->rate_limit);
        n++;
    }
    const char *dur[] = {"base", "cap"};
    for (int i = 0; i < 2; i++) {
        const char *v = sl_kv_get(&o->retry, dur[i], NULL);
        if (v && parse_seconds(v) < 0) {
            sl_diags_add(d, o->retry.loc, "retry %s '%s' is not a duration (500ms, 2s, 1m)", dur[i], v);
            n++;
        }
    }
    return n;
}

static char *base64(const char *s)
{
    sl_buf h;
    sl_buf_init(&h);
    sl_buf_add_base64(&h, s, strlen(s));
    return h.data ? sl_buf_detach(&h) : sl_strdup("");
}

int sl_api_is_oauth2(const sl_api *a)
{
    return a->auth_type && strcmp(a->auth_type, "oauth2") == 0;
}

int sl_api_refresh(sl_api *a, int force, sl_error *err)
{
    if (!sl_api_is_oauth2(a) || (!force && a->token && sl_ratelimit_now() < a->token_expiry))
        return 0;
    const sl_kvlist *o = &a->o->auth;
    sl_buf form;
    sl_buf_init(&form);
    sl_buf_adds(&form, "grant_type=client_credentials");
    const char *keys[] = {"client_id", "client_secret", "scope"};
    for (int i = 0; i < 3; i++) {
        const char *v = sl_kv_get(o, keys[i], NULL);
        if (!v)
            continue;
        char *e = curl_easy_escape(NULL, v, 0);
        sl_buf_addf(&form, "&%s=%s", keys[i], e);
        curl_free(e);
    }
    sl_http_call c = {0};
    c.method = "POST";
    c.url = sl_kv_get(o, "token_url", "");
    c.headers = curl_slist_append(NULL, "Content-Type: application/x-www-form-urlencoded");
    c.headers = curl_slist_append(c.headers, "Accept: application/json");
    c.body = form.data;
    c.body_len = form.len;
    sl_http_call *calls[1] = {&c};
    int rc = sl_http_run(&a->http, calls, 1, err);
    if (rc == 0 && !c.ok)
        rc = sl_error_set(err, SL_EIO, "oauth2 token from %s: %s", c.url, c.error);
    char *tok = rc == 0 ? sl_json_path_text(c.body_out.data, c.body_out.len, "access_token") : NULL;
    if (rc == 0 && !tok)
        rc = sl_error_set(err, SL_EIO, "oauth2 token from %s: no access_token in the answer", c.url);
    if (rc == 0) {
        sl_log_secret(tok); /* tokens obtained at run time are secrets too */
        char *refresh = sl_json_path_text(c.body_out.data, c.body_out.len, "refresh_token");
        sl_log_secret(refresh);
        sl_free(refresh);
        sl_free(a->token);
        a->token = tok;
        char *exp = sl_json_path_text(c.body_out.data, c.body_out.len, "expires_in");
        double e = exp ? atof(exp) : 3600;
        sl_free(exp);
        /* refresh a little early: a tenth of the lifetime, at most a minute */
        double margin = e / 10 < 60 ? e / 10 : 60;
        a->token_expiry = sl_ratelimit_now() + e - margin;
        sl_log_debug("%s: oauth2 token fetched, valid %.0fs", a->id, e);
    }
    curl_slist_free_all(c.headers);
    sl_buf_release(&c.body_out);
    sl_free(c.link_next);
    sl_buf_release(&form);
    return rc;
}

int sl_api_open(sl_api *a, const sl_api_opts *o, sl_run *run, const char *id, sl_error *err)
{
    memset(a, 0, sizeof *a);
    a->o = o;
    a->id = id;
    a->rl.fd = -1;
    sl_http_opts ho = {0};
    ho.attempts = atoi(sl_kv_get(&o->retry, "attempts", "6"));
    ho.base = parse_seconds(sl_kv_get(&o->retry, "base", "500ms"));
    ho.cap = parse_seconds(sl_kv_get(&o->retry, "cap", "30s"));
    ho.timeout = (double)o->timeout;
    ho.concurrency = (int)(o->concurrency > 0 ? o->concurrency : 1);
    ho.validate = sl_json_path_validate_body;
    if (sl_http_size_parse(o->max_response_size ? o->max_response_size : "", &ho.max_body) < 0)
        ho.max_body = SL_HTTP_MAX_BODY_DEFAULT;
    ho.cancel = &run->cancel;
    char *group = NULL;
    if (*o->rate_limit_group) {
        group = sl_strdup(o->rate_limit_group);
    } else {
        CURLU *u = curl_url();
        char *host = NULL;
        if (curl_url_set(u, CURLUPART_URL, o->url, 0) == CURLUE_OK && curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
            group = sl_strdup(host);
        curl_free(host);
        curl_url_cleanup(u);
    }
    char *sdir = sl_printf("%s/.sluice", run->project->dir);
    mkdir(sdir, 0755);
    char *dir = sl_printf("%s/ratelimit", sdir);
    int rc = sl_ratelimit_open(&a->rl, dir, group ? group : "default", parse_rate(o->rate_limit), (double)o->burst, err);
    sl_free(dir);
    sl_free(sdir);
    sl_free(group);
    if (rc < 0 || sl_http_init(&a->http, &ho, &a->rl, err) < 0)
        return -1;
    /* auth */
    const sl_kvlist *au = &o->auth;
    const char *t = sl_kv_get(au, "type", NULL);
    if (!t)
        return 0;
    a->auth_type = sl_strdup(t);
    register_secrets(au);
    if (strcmp(t, "api_key") == 0) {
        a->key_name = sl_kv_get(au, "name", "X-API-Key");
        a->key_value = sl_kv_get(au, "value", "");
        a->key_in_query = strcmp(sl_kv_get(au, "in", "header"), "query") == 0;
    } else if (strcmp(t, "bearer") == 0) {
        a->token = sl_strdup(sl_kv_get(au, "token", ""));
    } else if (strcmp(t, "basic") == 0) {
        char *up = sl_printf("%s:%s", sl_kv_get(au, "username", ""), sl_kv_get(au, "password", ""));
        char *enc = base64(up);
        sl_log_secret(enc);
        a->basic = sl_printf("Authorization: Basic %s", enc);
        sl_free(enc);
        sl_free(up);
    } else if (strcmp(t, "oauth2") == 0) {
        return sl_api_refresh(a, 1, err);
    }
    return 0;
}

void sl_api_close(sl_api *a)
{
    sl_http_release(&a->http);
    sl_ratelimit_close(&a->rl);
    sl_free(a->auth_type);
    sl_free(a->token);
    sl_free(a->basic);
    memset(a, 0, sizeof *a);
    a->rl.fd = -1;
}

struct curl_slist *sl_api_auth_header(sl_api *a, struct curl_slist *h)
{
    if (a->token) {
        char *line = sl_printf("Authorization: Bearer %s", a->token);
        h = curl_slist_append(h, line);
        sl_free(line);
    } else if (a->basic) {
        h = curl_slist_append(h, a->basic);
    } else if (a->key_name && !a->key_in_query) {
        char *line = sl_printf("%s: %s", a->key_name, a->key_value);
        h = curl_slist_append(h, line);
        sl_free(line);
    }
    return h;
}

void sl_api_add_param(sl_buf *url, const char *k, const char *v)
{
    int query = url->len && memchr(url->data, '?', url->len) != NULL;
    sl_buf_addc(url, query ? '&' : '?');
    sl_url_add_component(url, k, strlen(k));
    sl_buf_addc(url, '=');
    sl_url_add_component(url, v, strlen(v));
}

/* Whether the query of url (NUL-terminated) has a parameter named name
 * (as sl_api_add_param writes it); text elsewhere (a path segment, another
 * parameter's value) does not count. */
static int has_param(const char *url, const char *name)
{
    const char *q = url ? strchr(url, '?') : NULL;
    if (!q)
        return 0;
    sl_buf e;
    sl_buf_init(&e);
    sl_url_add_component(&e, name, strlen(name));
    sl_buf_addc(&e, 0);
    const char *en = e.data;
    size_t n = e.len - 1;
    int found = 0;
    for (const char *p = q + 1; *p && *p != '#' && !found;) {
        found = strncmp(p, en, n) == 0 && (p[n] == '=' || p[n] == '&' || p[n] == '#' || p[n] == 0);
        size_t step = strcspn(p, "&#");
        p += step + (p[step] == '&');
        if (p[0] == '#')
            break;
    }
    sl_buf_release(&e);
    return found;
}

void sl_api_auth_query(sl_api *a, sl_buf *url)
{
    /* a next URL the API handed back may carry the key already */
    if (a->key_in_query && !has_param(url->data, a->key_name))
        sl_api_add_param(url, a->key_name, a->key_value);
}
