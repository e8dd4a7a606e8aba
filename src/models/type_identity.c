/*
 * type_identity.c: `type: identity` models (docs/gtm/identity.md): the
 * spec's parser and the type's registration. The build (reading inputs,
 * linking identifiers, stable ids, outputs) is type_identity_build.c.
 */
#include "config/yaml.h"
#include "core/mem.h"
#include "models/type_identity_int.h"
#include <stdlib.h>
#include <string.h>

/* Role and placeholder inboxes and values never used to link
 * (docs/gtm/identity.md lists them: keep the two in step). */
static const char *const default_exclude[] = {
    "info@*", "sales@*", "support@*", "contact@*", "hello@*", "admin@*", "office@*", "team@*", "billing@*",
    "marketing@*", "noreply@*", "no-reply@*", "donotreply@*", "test@*", "*@example.com", "*@example.org",
    "*@test.com", "unknown", "none", "null", "n/a", "na", "-", "0", NULL};
static const char *const freemail[] = {"gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com",
                                       "live.com", "msn.com", "aol.com", "icloud.com", "me.com", "gmx.com",
                                       "gmx.de", "web.de", "yandex.ru", "mail.ru", "proton.me",
                                       "protonmail.com", "qq.com", "163.com", NULL};

static const char *const root_keys[] = {"type", "name", "description", "config", "level", "inputs", "normalize",
                                        "default_region", "exclude", "exclude_defaults", "shared_threshold",
                                        "max_component_size", "survivorship", NULL};
static const char *const input_keys[] = {"from", "source", "identifiers", "seen_at", "traits", NULL};
static const char *const norm_names[] = {"text", "casefold", "email", "canonical_email", "phone", "domain", NULL};
static const char *const surv_names[] = {"most_recent", "most_frequent", "source_priority", NULL};
/* columns of the entities table a trait may not shadow */
static const char *const fixed_cols[] = {"entity_id", "first_seen", "last_seen", "records", "identifiers", NULL};

typedef struct pctx {
    const sl_mtype_parse *p;
    id_spec *s;
    int bad;
} pctx;

static void diag(pctx *c, struct fy_node *at, const char *fmt, const char *a, const char *b)
{
    sl_diags_add(c->p->d, sl_yaml_loc(at, c->p->file), fmt, a ? a : "", b ? b : "");
    c->bad = 1;
}

static int index_of(const char *const *v, const char *s)
{
    for (int i = 0; v[i]; i++)
        if (strcmp(v[i], s) == 0)
            return i;
    return -1;
}

static int is_name(const char *s)
{
    if (!s || !*s || !(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z')))
        return 0;
    for (const char *q = s; *q; q++)
        if (!(*q == '_' || (*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9')))
            return 0;
    return strlen(s) <= 48;
}

static void free_spec(void *v)
{
    id_spec *s = v;
    if (!s)
        return;
    for (size_t i = 0; i < s->nin; i++) {
        id_input *in = &s->in[i];
        sl_free(in->from);
        sl_free(in->source);
        sl_free(in->seen_at);
        for (size_t k = 0; k < in->nid; k++)
            sl_free(in->id_cols[k]);
        sl_free(in->id_cols);
        sl_free(in->id_type);
        for (size_t k = 0; k < in->ntraits; k++)
            sl_free(in->trait_cols[k]);
        sl_free(in->trait_cols);
        sl_free(in->trait_idx);
    }
    sl_free(s->in);
    for (size_t i = 0; i < s->ntypes; i++)
        sl_free(s->types[i].name);
    sl_free(s->types);
    for (size_t i = 0; i < s->ntraits; i++) {
        sl_free(s->traits[i].name);
        for (size_t k = 0; k < s->traits[i].npriority; k++)
            sl_free(s->traits[i].priority[k]);
        sl_free(s->traits[i].priority);
    }
    sl_free(s->traits);
    for (size_t i = 0; i < s->nexclude; i++)
        sl_free(s->exclude[i]);
    sl_free(s->exclude);
    sl_free(s->region);
    sl_free(s->name);
    sl_free(s->map_name);
    sl_free(s->merges_name);
    sl_free(s);
}

static int type_index(id_spec *s, const char *name)
{
    for (size_t i = 0; i < s->ntypes; i++)
        if (strcmp(s->types[i].name, name) == 0)
            return (int)i;
    return -1;
}

static uint32_t add_type(id_spec *s, const char *name)
{
    int i = type_index(s, name);
    if (i >= 0)
        return (uint32_t)i;
    s->types = sl_realloc(s->types, (s->ntypes + 1) * sizeof *s->types);
    id_type *t = &s->types[s->ntypes];
    memset(t, 0, sizeof *t);
    t->name = sl_strdup(name);
    t->norm = strcmp(name, "email") == 0 ? ID_NORM_EMAIL
              : strcmp(name, "phone") == 0 ? ID_NORM_PHONE
              : strcmp(name, "domain") == 0 ? ID_NORM_DOMAIN
                                            : ID_NORM_TEXT;
    t->shared = -1;
    return (uint32_t)s->ntypes++;
}

static uint32_t add_trait(id_spec *s, const char *name)
{
    for (size_t i = 0; i < s->ntraits; i++)
        if (strcmp(s->traits[i].name, name) == 0)
            return (uint32_t)i;
    s->traits = sl_realloc(s->traits, (s->ntraits + 1) * sizeof *s->traits);
    id_trait *t = &s->traits[s->ntraits];
    memset(t, 0, sizeof *t);
    t->name = sl_strdup(name);
    return (uint32_t)s->ntraits++;
}

static char *column_of(pctx *c, struct fy_node *v, const char *what)
{
    const char *col = sl_mtype_scalar(v);
    if (!col || !*col) {
        diag(c, v, "%s%s must be a column name", what, "");
        return NULL;
    }
    return sl_strdup(col);
}

static void parse_input(pctx *c, struct fy_node *item)
{
    id_spec *s = c->s;
    if (!fy_node_is_mapping(item)) {
        diag(c, item, "an input must be a mapping with from: and identifiers:%s%s", NULL, NULL);
        return;
    }
    s->in = sl_realloc(s->in, (s->nin + 1) * sizeof *s->in);
    id_input *in = &s->in[s->nin++];
    memset(in, 0, sizeof *in);
    struct fy_node *ids = NULL, *from = NULL;
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(item, &it)) != NULL) {
        struct fy_node *k = fy_node_pair_key(pr), *v = fy_node_pair_value(pr);
        const char *key = sl_mtype_scalar(k);
        if (!key)
            continue;
        if (strcmp(key, "from") == 0) {
            from = v;
            in->from = column_of(c, v, "from: ");
        } else if (strcmp(key, "source") == 0) {
            in->source = column_of(c, v, "source: ");
        } else if (strcmp(key, "seen_at") == 0) {
            in->seen_at = column_of(c, v, "seen_at: ");
        } else if (strcmp(key, "identifiers") == 0) {
            ids = v;
        } else if (strcmp(key, "traits") == 0) {
            if (!fy_node_is_sequence(v)) {
                diag(c, v, "traits: must be a list of columns%s%s", NULL, NULL);
                continue;
            }
            void *it2 = NULL;
            struct fy_node *e;
            while ((e = fy_node_sequence_iterate(v, &it2)) != NULL) {
                char *col = column_of(c, e, "a trait ");
                if (!col)
                    continue;
                if (index_of(fixed_cols, col) >= 0) {
                    diag(c, e, "trait '%s' has the name of a column of the entities table%s", col, NULL);
                    sl_free(col);
                    continue;
                }
                in->trait_cols = sl_realloc(in->trait_cols, (in->ntraits + 1) * sizeof *in->trait_cols);
                in->trait_idx = sl_realloc(in->trait_idx, (in->ntraits + 1) * sizeof *in->trait_idx);
                in->trait_cols[in->ntraits] = col;
                in->trait_idx[in->ntraits++] = add_trait(s, col);
            }
        } else {
            sl_mtype_unknown_key(c->p, k, key, input_keys);
            c->bad = 1;
        }
    }
    if (!from) {
        diag(c, item, "an input needs from: (a model, seed, snapshot or pipeline table)%s%s", NULL, NULL);
    } else if (in->from) {
        sl_mtype_ref(c->p, in->from, from);
    }
    if (!in->source && in->from)
        in->source = sl_strdup(in->from);
    if (!ids || !fy_node_is_mapping(ids) || fy_node_mapping_item_count(ids) == 0) {
        diag(c, ids ? ids : item, "an input needs identifiers: a mapping of identifier type to column%s%s", NULL,
             NULL);
        return;
    }
    it = NULL;
    while ((pr = fy_node_mapping_iterate(ids, &it)) != NULL) {
        struct fy_node *k = fy_node_pair_key(pr);
        const char *tname = sl_mtype_scalar(k);
        if (!is_name(tname)) {
            diag(c, k, "identifier type '%s' must be a lower-case name (a-z, 0-9, _)%s", tname, NULL);
            continue;
        }
        char *col = column_of(c, fy_node_pair_value(pr), "an identifier ");
        if (!col)
            continue;
        in->id_cols = sl_realloc(in->id_cols, (in->nid + 1) * sizeof *in->id_cols);
        in->id_type = sl_realloc(in->id_type, (in->nid + 1) * sizeof *in->id_type);
        in->id_cols[in->nid] = col;
        in->id_type[in->nid++] = add_type(s, tname);
    }
}

static int64_t parse_count(pctx *c, struct fy_node *v, const char *what)
{
    const char *t = sl_mtype_scalar(v);
    char *end = NULL;
    long long x = t ? strtoll(t, &end, 10) : -1;
    if (!t || !*t || *end || x < 1 || x > 2000000000) {
        diag(c, v, "%s must be a whole number from 1%s", what, NULL);
        return -1;
    }
    return x;
}

static void parse_normalize(pctx *c, struct fy_node *v)
{
    if (!fy_node_is_mapping(v)) {
        diag(c, v, "normalize: must be a mapping of identifier type to method%s%s", NULL, NULL);
        return;
    }
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(v, &it)) != NULL) {
        struct fy_node *k = fy_node_pair_key(pr), *m = fy_node_pair_value(pr);
        const char *tname = sl_mtype_scalar(k), *method = sl_mtype_scalar(m);
        int ti = tname ? type_index(c->s, tname) : -1;
        if (ti < 0) {
            diag(c, k, "normalize: no input has an identifier of type '%s'%s", tname, NULL);
            continue;
        }
        int mi = method ? index_of(norm_names, method) : -1;
        if (mi < 0) {
            const char *sug = method ? sl_suggest(method, norm_names, 6) : NULL;
            sl_diags_add(c->p->d, sl_yaml_loc(m, c->p->file),
                         "normalize: '%s' is not a method (text, casefold, email, canonical_email, phone, "
                         "domain)%s%s%s",
                         method ? method : "?", sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
            c->bad = 1;
            continue;
        }
        c->s->types[ti].norm = (id_norm)mi;
    }
}

static void parse_shared(pctx *c, struct fy_node *v, int64_t *dflt)
{
    if (!fy_node_is_mapping(v)) {
        *dflt = parse_count(c, v, "shared_threshold:");
        return;
    }
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(v, &it)) != NULL) {
        struct fy_node *k = fy_node_pair_key(pr);
        const char *tname = sl_mtype_scalar(k);
        int64_t x = parse_count(c, fy_node_pair_value(pr), "a shared_threshold");
        if (tname && strcmp(tname, "default") == 0) {
            *dflt = x;
            continue;
        }
        int ti = tname ? type_index(c->s, tname) : -1;
        if (ti < 0)
            diag(c, k, "shared_threshold: no input has an identifier of type '%s'%s", tname, NULL);
        else
            c->s->types[ti].shared = x;
    }
}

static void parse_survivorship(pctx *c, struct fy_node *v)
{
    if (!fy_node_is_mapping(v)) {
        diag(c, v, "survivorship: must be a mapping of trait to rule%s%s", NULL, NULL);
        return;
    }
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(v, &it)) != NULL) {
        struct fy_node *k = fy_node_pair_key(pr), *r = fy_node_pair_value(pr);
        const char *tname = sl_mtype_scalar(k);
        id_trait *t = NULL;
        for (size_t i = 0; tname && i < c->s->ntraits; i++)
            if (strcmp(c->s->traits[i].name, tname) == 0)
                t = &c->s->traits[i];
        if (!t) {
            diag(c, k, "survivorship: no input lists '%s' in its traits%s", tname, NULL);
            continue;
        }
        const char *rule = sl_mtype_scalar(r);
        if (rule) {
            int ri = index_of(surv_names, rule);
            if (ri < 0 || ri == ID_SURV_PRIORITY) {
                const char *sug = sl_suggest(rule, surv_names, 2);
                sl_diags_add(c->p->d, sl_yaml_loc(r, c->p->file),
                             "survivorship: '%s' is not a rule (most_recent, most_frequent, "
                             "{source_priority: [...]})%s%s%s",
                             rule, sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
                c->bad = 1;
                continue;
            }
            t->rule = (id_surv)ri;
            continue;
        }
        struct fy_node *list = fy_node_is_mapping(r) ? fy_node_mapping_lookup_by_string(r, "source_priority", -1)
                                                     : NULL;
        if (!list || !fy_node_is_sequence(list) || fy_node_mapping_item_count(r) != 1) {
            diag(c, r, "survivorship of '%s': most_recent, most_frequent or {source_priority: [source, ...]}%s",
                 tname, NULL);
            continue;
        }
        t->rule = ID_SURV_PRIORITY;
        void *it2 = NULL;
        struct fy_node *e;
        while ((e = fy_node_sequence_iterate(list, &it2)) != NULL) {
            const char *src = sl_mtype_scalar(e);
            int known = 0;
            for (size_t i = 0; src && i < c->s->nin; i++)
                known |= c->s->in[i].source && strcmp(c->s->in[i].source, src) == 0;
            if (!known) {
                diag(c, e, "source_priority: no input has source '%s'%s", src, NULL);
                continue;
            }
            t->priority = sl_realloc(t->priority, (t->npriority + 1) * sizeof *t->priority);
            t->priority[t->npriority++] = sl_strdup(src);
        }
    }
}

static void push_exclude(id_spec *s, const char *glob)
{
    s->exclude = sl_realloc(s->exclude, (s->nexclude + 1) * sizeof *s->exclude);
    s->exclude[s->nexclude++] = sl_strdup(glob);
}

static int cmp_type(const void *a, const void *b)
{
    return strcmp(((const id_type *)a)->name, ((const id_type *)b)->name);
}

/* Sort the types by name (so the type index orders identifiers by type
 * name, as the stable ids need) and renumber the inputs' references. */
static void sort_types(id_spec *s)
{
    char **old = sl_calloc(s->ntypes + 1, sizeof *old);
    for (size_t i = 0; i < s->ntypes; i++)
        old[i] = s->types[i].name;
    qsort(s->types, s->ntypes, sizeof *s->types, cmp_type);
    for (size_t i = 0; i < s->nin; i++)
        for (size_t k = 0; k < s->in[i].nid; k++)
            s->in[i].id_type[k] = (uint32_t)type_index(s, old[s->in[i].id_type[k]]);
    sl_free(old);
}

static void *parse(const sl_mtype_parse *p, struct fy_node *root)
{
    id_spec *s = sl_calloc(1, sizeof *s);
    pctx c = {p, s, 0};
    s->name = sl_strdup(p->name);
    s->max_component = 10000;
    struct fy_node *tnode = fy_node_mapping_lookup_by_string(root, "type", -1);
    /* inputs first: the other keys refer to its types and traits */
    struct fy_node *inputs = fy_node_mapping_lookup_by_string(root, "inputs", -1);
    if (!inputs) {
        diag(&c, tnode, "an identity model needs inputs: (a list of from:, identifiers:)%s%s", NULL, NULL);
    } else if (!fy_node_is_sequence(inputs) || fy_node_sequence_item_count(inputs) == 0) {
        diag(&c, inputs, "inputs: must be a list of inputs (from:, identifiers:)%s%s", NULL, NULL);
    } else {
        void *it = NULL;
        struct fy_node *e;
        while ((e = fy_node_sequence_iterate(inputs, &it)) != NULL)
            parse_input(&c, e);
    }
    int64_t shared_default = 3;
    int exclude_defaults = 1;
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(root, &it)) != NULL) {
        struct fy_node *k = fy_node_pair_key(pr), *v = fy_node_pair_value(pr);
        const char *key = sl_mtype_scalar(k);
        if (!key || sl_mtype_common_key(key) || strcmp(key, "inputs") == 0)
            continue;
        if (strcmp(key, "level") == 0) {
            const char *l = sl_mtype_scalar(v);
            if (l && strcmp(l, "account") == 0)
                s->account = 1;
            else if (!l || strcmp(l, "person") != 0)
                diag(&c, v, "level: must be person or account, not '%s'%s", l ? l : "?", NULL);
        } else if (strcmp(key, "normalize") == 0) {
            parse_normalize(&c, v);
        } else if (strcmp(key, "default_region") == 0) {
            const char *r = sl_mtype_scalar(v);
            if (!r || strlen(r) != 2 || r[0] < 'A' || r[0] > 'Z' || r[1] < 'A' || r[1] > 'Z')
                diag(&c, v, "default_region: must be an ISO 3166-1 alpha-2 code such as US, not '%s'%s",
                     r ? r : "?", NULL);
            else
                s->region = sl_strdup(r);
        } else if (strcmp(key, "exclude") == 0) {
            if (!fy_node_is_sequence(v)) {
                diag(&c, v, "exclude: must be a list of globs%s%s", NULL, NULL);
                continue;
            }
            void *it2 = NULL;
            struct fy_node *e;
            while ((e = fy_node_sequence_iterate(v, &it2)) != NULL) {
                const char *g = sl_mtype_scalar(e);
                if (!g || !*g)
                    diag(&c, e, "exclude: each entry must be a glob%s%s", NULL, NULL);
                else
                    push_exclude(s, g);
            }
        } else if (strcmp(key, "exclude_defaults") == 0) {
            const char *b = sl_mtype_scalar(v);
            if (b && strcmp(b, "false") == 0)
                exclude_defaults = 0;
            else if (!b || strcmp(b, "true") != 0)
                diag(&c, v, "exclude_defaults: must be true or false%s%s", NULL, NULL);
        } else if (strcmp(key, "shared_threshold") == 0) {
            parse_shared(&c, v, &shared_default);
        } else if (strcmp(key, "max_component_size") == 0) {
            int64_t x = parse_count(&c, v, "max_component_size:");
            if (x > 0)
                s->max_component = (uint32_t)x;
        } else if (strcmp(key, "survivorship") == 0) {
            parse_survivorship(&c, v);
        } else {
            sl_mtype_unknown_key(p, k, key, root_keys);
            c.bad = 1;
        }
    }
    for (size_t i = 0; i < s->ntypes; i++)
        if (s->types[i].shared < 0)
            s->types[i].shared = shared_default;
    if (exclude_defaults) {
        for (size_t i = 0; default_exclude[i]; i++)
            push_exclude(s, default_exclude[i]);
        for (size_t i = 0; s->account && freemail[i]; i++)
            push_exclude(s, freemail[i]);
    }
    sort_types(s);
    for (size_t i = 0; i < s->ntraits; i++)
        for (size_t k = 0; k < s->ntypes; k++) {
            char *cnt = sl_printf("%s_count", s->types[k].name);
            if (strcmp(cnt, s->traits[i].name) == 0)
                diag(&c, tnode, "trait '%s' has the name of a column of the entities table%s", cnt, NULL);
            sl_free(cnt);
        }
    s->map_name = sl_printf("%s_map", p->name);
    s->merges_name = sl_printf("%s_merges", p->name);
    if (!c.bad) {
        if (sl_mtype_output(p, s->map_name, tnode) < 0 || sl_mtype_output(p, s->merges_name, tnode) < 0)
            c.bad = 1;
    }
    if (c.bad) {
        free_spec(s);
        return NULL;
    }
    return s;
}

const sl_mtype sl_mtype_identity = {"identity", "identity resolution: identifiers linked into entities with stable ids",
                                    parse, sl_identity_build, free_spec};
