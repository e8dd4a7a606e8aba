/*
 * jvyaml.c: YAML or JSON text into template values (jvyaml.h).
 */
#include "models/jvyaml.h"
#include "core/mem.h"
#include <errno.h>
#include <libfyaml.h>
#include <stdlib.h>
#include <string.h>

static int is_word(const char *s, size_t n, const char *a, const char *b, const char *c)
{
    return (strlen(a) == n && !memcmp(s, a, n)) || (strlen(b) == n && !memcmp(s, b, n)) ||
           (strlen(c) == n && !memcmp(s, c, n));
}

/* A plain scalar by YAML 1.2's core schema. */
static sl_jv *plain_scalar(const char *s, size_t n)
{
    if (n == 0 || is_word(s, n, "null", "Null", "NULL") || (n == 1 && s[0] == '~'))
        return sl_jv_none();
    if (is_word(s, n, "true", "True", "TRUE"))
        return sl_jv_bool(1);
    if (is_word(s, n, "false", "False", "FALSE"))
        return sl_jv_bool(0);
    char tmp[64];
    if (n < sizeof tmp) {
        memcpy(tmp, s, n);
        tmp[n] = 0;
        char *end;
        errno = 0;
        long long i = strtoll(tmp, &end, 10);
        if (*end == 0 && errno == 0 && (tmp[0] == '-' || tmp[0] == '+' || (tmp[0] >= '0' && tmp[0] <= '9')))
            return sl_jv_int(i);
        int numeric = 1, digits = 0;
        for (size_t k = 0; k < n; k++) {
            char c = tmp[k];
            if (c >= '0' && c <= '9')
                digits++;
            else if (!strchr("+-.eE", c))
                numeric = 0;
        }
        if (numeric && digits) {
            errno = 0;
            double d = strtod(tmp, &end);
            if (*end == 0 && errno == 0)
                return sl_jv_float(d);
        }
    }
    return sl_jv_str(s, n);
}

sl_jv *sl_jv_from_fy(struct fy_node *n)
{
    if (!n)
        return sl_jv_none();
    switch (fy_node_get_type(n)) {
    case FYNT_SCALAR: {
        size_t len = 0;
        const char *s = fy_node_get_scalar(n, &len);
        if (!s)
            return sl_jv_none();
        if (fy_node_get_style(n) == FYNS_PLAIN)
            return plain_scalar(s, len);
        return sl_jv_str(s, len);
    }
    case FYNT_SEQUENCE: {
        sl_jv *l = sl_jv_list();
        void *it = NULL;
        struct fy_node *c;
        while ((c = fy_node_sequence_iterate(n, &it)))
            sl_jv_list_push(l, sl_jv_from_fy(c));
        return l;
    }
    case FYNT_MAPPING: {
        sl_jv *d = sl_jv_dict();
        void *it = NULL;
        struct fy_node_pair *p;
        while ((p = fy_node_mapping_iterate(n, &it))) {
            struct fy_node *k = fy_node_pair_key(p);
            size_t kl = 0;
            const char *ks = k && fy_node_is_scalar(k) ? fy_node_get_scalar(k, &kl) : NULL;
            if (!ks)
                continue;
            char *key = sl_strndup(ks, kl);
            sl_jv_dict_set(d, key, sl_jv_from_fy(fy_node_pair_value(p)));
            sl_free(key);
        }
        return d;
    }
    }
    return sl_jv_none();
}

sl_jv *sl_jv_from_yaml(const char *what, const char *text, size_t len, sl_error *err)
{
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r'))
        i++;
    if (i == len)
        return sl_jv_none();
    struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG};
    struct fy_document *doc = fy_document_build_from_string(&cfg, text, len);
    if (!doc) {
        sl_error_set(err, SL_ECONFIG, "%s: not valid YAML or JSON: %.*s", what, (int)(len > 80 ? 80 : len), text);
        return NULL;
    }
    sl_jv *v = sl_jv_from_fy(fy_document_root(doc));
    fy_document_destroy(doc);
    return v;
}
