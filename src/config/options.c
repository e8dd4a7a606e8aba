/* options.c: see options.h. */
#include "config/options.h"
#include "config/yaml.h"
#include "core/mem.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FIELD(opts, o, type) ((type *)((char *)(opts) + (o)->offset))

/* Locations of loaded options, kept beside the struct: a small side table
 * keyed by struct address + option, so option structs stay plain C. One
 * table for the process, so locs_lock guards it: `sluice serve` loads a
 * project on its scheduler thread (a reload) while a run thread frees the
 * previous one (the last run started with it ended), and a realloc here
 * under a compaction there wrote into freed memory. */
typedef struct loc_entry {
    const void *opts;
    const char *name;
    sl_loc loc;
} loc_entry;
static pthread_mutex_t locs_lock = PTHREAD_MUTEX_INITIALIZER;
static loc_entry *locs;
static size_t nlocs, caplocs;

static void remember_loc(const void *opts, const char *name, sl_loc loc)
{
    pthread_mutex_lock(&locs_lock);
    SL_GROW(locs, caplocs, nlocs + 1);
    locs[nlocs++] = (loc_entry){opts, name, loc};
    pthread_mutex_unlock(&locs_lock);
}

const char *sl_options_string(const sl_option *table, const void *opts, const char *name)
{
    for (const sl_option *o = table; o && o->name; o++)
        if (strcmp(o->name, name) == 0 && (o->type == SL_OPT_STRING || o->type == SL_OPT_ENUM))
            return *(char *const *)((const char *)opts + o->offset);
    return NULL;
}

sl_loc sl_options_loc(const sl_option *table, const void *opts, const char *name)
{
    sl_loc found = {NULL, 0, 0};
    pthread_mutex_lock(&locs_lock);
    for (size_t i = nlocs; i-- > 0;)
        if (locs[i].opts == opts && strcmp(locs[i].name, name) == 0) {
            found = locs[i].loc;
            break;
        }
    pthread_mutex_unlock(&locs_lock);
    return found;
}

static int parse_bool_word(const char *s, int *out)
{
    static const char *const t[] = {"true", "yes", "on"}, *const f[] = {"false", "no", "off"};
    for (int i = 0; i < 3; i++) {
        if (strcasecmp(s, t[i]) == 0) { *out = 1; return 0; }
        if (strcasecmp(s, f[i]) == 0) { *out = 0; return 0; }
    }
    return -1;
}

static int choice_ok(const char *choices, const char *v)
{
    size_t n = strlen(v);
    for (const char *p = choices; *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, v, n) == 0)
            return 1;
        p += len + (bar ? 1 : 0);
    }
    return 0;
}

static const char *choice_suggest(const char *choices, const char *v, char *buf, size_t cap)
{
    const char *c[32];
    size_t n = 0;
    snprintf(buf, cap, "%s", choices);
    for (char *tok = strtok(buf, "|"); tok && n < 32; tok = strtok(NULL, "|"))
        c[n++] = tok;
    return sl_suggest(v, c, n);
}

/* Set one scalar-typed option from a string value. */
static int set_scalar(const sl_option *o, void *opts, const char *v, sl_loc loc, const char *what,
                      sl_diags *d)
{
    switch (o->type) {
    case SL_OPT_STRING:
        sl_free(*FIELD(opts, o, char *));
        *FIELD(opts, o, char *) = sl_strdup(v);
        return 0;
    case SL_OPT_ENUM:
        if (!choice_ok(o->choices, v)) {
            char buf[256];
            const char *s = choice_suggest(o->choices, v, buf, sizeof buf);
            if (s)
                sl_diags_add(d, loc, "%s option '%s': '%s' is not one of %s; did you mean '%s'?", what,
                             o->name, v, o->choices, s);
            else
                sl_diags_add(d, loc, "%s option '%s': '%s' is not one of %s", what, o->name, v, o->choices);
            return -1;
        }
        sl_free(*FIELD(opts, o, char *));
        *FIELD(opts, o, char *) = sl_strdup(v);
        return 0;
    case SL_OPT_INT: {
        char *end;
        long long n = strtoll(v, &end, 10);
        if (!*v || *end) {
            sl_diags_add(d, loc, "%s option '%s' must be a whole number, not '%s'", what, o->name, v);
            return -1;
        }
        *FIELD(opts, o, int64_t) = n;
        return 0;
    }
    case SL_OPT_BOOL: {
        int b;
        if (parse_bool_word(v, &b) < 0) {
            sl_diags_add(d, loc, "%s option '%s' must be true or false, not '%s'", what, o->name, v);
            return -1;
        }
        *FIELD(opts, o, int) = b;
        return 0;
    }
    case SL_OPT_DURATION: {
        int64_t s = sl_parse_duration(v);
        if (s < 0) {
            sl_diags_add(d, loc, "%s option '%s' must be a duration like 30s, 10m, 1h30m or 2d, not '%s'",
                         what, o->name, v);
            return -1;
        }
        *FIELD(opts, o, int64_t) = s;
        return 0;
    }
    default:
        return -1;
    }
}

static unsigned scalar_flags(const sl_option *o)
{
    return ((o->flags & SL_OPT_MULTILINE) ? SL_YAML_MULTILINE : 0) |
           ((o->flags & SL_OPT_SECRET) ? SL_YAML_SECRET : 0);
}

static void list_clear(sl_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        sl_free(l->v[i]);
    sl_free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* A list default is written as YAML flow: "[a, b]". */
static void list_default(sl_strlist *l, const char *def)
{
    list_clear(l);
    const char *p = def + (*def == '[');
    while (*p && *p != ']') {
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, ",]");
        size_t m = n;
        while (m && p[m - 1] == ' ')
            m--;
        if (m) {
            l->v = sl_realloc(l->v, (l->n + 1) * sizeof *l->v);
            l->v[l->n++] = sl_strndup(p, m);
        }
        p += n + (p[n] == ',');
    }
}

const sl_kv *sl_kvlist_get(const sl_kvlist *m, const char *key)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->v[i].key, key) == 0)
            return &m->v[i];
    return NULL;
}

static void kvlist_clear(sl_kvlist *m)
{
    for (size_t i = 0; i < m->n; i++) {
        sl_free(m->v[i].key);
        sl_free(m->v[i].value);
    }
    sl_free(m->v);
    memset(m, 0, sizeof *m);
}

/* One mapping of an SL_OPT_RECORDS list into m, nested mappings as
 * "prefix.key" (at most a few levels deep: rules are small). */
static int load_record(const sl_option *o, sl_kvlist *m, struct fy_node *v, const char *prefix, int depth,
                       const char *file, const char *what, sl_diags *d)
{
    void *it = NULL;
    struct fy_node_pair *p;
    int bad = 0;
    while ((p = fy_node_mapping_iterate(v, &it)) != NULL) {
        char *k = sl_yaml_key(p);
        sl_loc kloc = sl_yaml_loc(fy_node_pair_key(p), file);
        struct fy_node *val = fy_node_pair_value(p);
        if (!k) {
            sl_diags_add(d, kloc, "%s option '%s': keys must be plain names", what, o->name);
            bad = 1;
            continue;
        }
        char full[256];
        snprintf(full, sizeof full, "%s%s%s", prefix, *prefix ? "." : "", k);
        sl_free(k);
        if (val && fy_node_is_mapping(val) && depth < 4) {
            bad |= load_record(o, m, val, full, depth + 1, file, what, d) < 0;
            continue;
        }
        char *s = sl_yaml_scalar(val, file, scalar_flags(o), d);
        if (!s) {
            bad = 1;
            continue;
        }
        if (sl_kvlist_get(m, full)) {
            sl_diags_add(d, kloc, "%s option '%s': '%s' is given twice", what, o->name, full);
            sl_free(s);
            bad = 1;
            continue;
        }
        m->v = sl_realloc(m->v, (m->n + 1) * sizeof *m->v);
        m->v[m->n++] = (sl_kv){sl_strdup(full), s, sl_yaml_loc(val, file)};
    }
    return bad ? -1 : 0;
}

static int load_one(const sl_option *o, void *opts, struct fy_node *v, const char *file,
                    const char *what, sl_diags *d)
{
    sl_loc loc = sl_yaml_loc(v, file);
    if (o->type == SL_OPT_LIST) {
        sl_strlist *l = FIELD(opts, o, sl_strlist);
        list_clear(l); /* the value replaces the default */
        l->loc = loc;
        if (v && fy_node_is_scalar(v)) {
            char *s = sl_yaml_scalar(v, file, scalar_flags(o), d);
            if (!s)
                return -1;
            l->v = sl_realloc(l->v, sizeof *l->v);
            l->v[0] = s;
            l->n = 1;
            return 0;
        }
        if (!v || !fy_node_is_sequence(v)) {
            sl_diags_add(d, loc, "%s option '%s' must be a list", what, o->name);
            return -1;
        }
        void *it = NULL;
        struct fy_node *item;
        int bad = 0;
        while ((item = fy_node_sequence_iterate(v, &it)) != NULL) {
            char *s = sl_yaml_scalar(item, file, scalar_flags(o), d);
            if (!s) {
                bad = 1;
                continue;
            }
            l->v = sl_realloc(l->v, (l->n + 1) * sizeof *l->v);
            l->v[l->n++] = s;
        }
        return bad ? -1 : 0;
    }
    if (o->type == SL_OPT_RECORDS) {
        sl_kvlists *l = FIELD(opts, o, sl_kvlists);
        l->loc = loc;
        if (!v || !fy_node_is_sequence(v)) {
            sl_diags_add(d, loc, "%s option '%s' must be a list of mappings", what, o->name);
            return -1;
        }
        void *it = NULL;
        struct fy_node *item;
        int bad = 0;
        while ((item = fy_node_sequence_iterate(v, &it)) != NULL) {
            if (!fy_node_is_mapping(item)) {
                sl_diags_add(d, sl_yaml_loc(item, file), "%s option '%s': each item must be a mapping", what,
                             o->name);
                bad = 1;
                continue;
            }
            l->v = sl_realloc(l->v, (l->n + 1) * sizeof *l->v);
            sl_kvlist *m = &l->v[l->n++];
            memset(m, 0, sizeof *m);
            m->loc = sl_yaml_loc(item, file);
            bad |= load_record(o, m, item, "", 0, file, what, d) < 0;
        }
        return bad ? -1 : 0;
    }
    if (o->type == SL_OPT_MAP) {
        sl_kvlist *m = FIELD(opts, o, sl_kvlist);
        m->loc = loc;
        if (!v || !fy_node_is_mapping(v)) {
            sl_diags_add(d, loc, "%s option '%s' must be a mapping of name: value", what, o->name);
            return -1;
        }
        void *it = NULL;
        struct fy_node_pair *p;
        int bad = 0;
        while ((p = fy_node_mapping_iterate(v, &it)) != NULL) {
            char *k = sl_yaml_key(p);
            sl_loc kloc = sl_yaml_loc(fy_node_pair_key(p), file);
            char *val = k ? sl_yaml_scalar(fy_node_pair_value(p), file, scalar_flags(o), d) : NULL;
            if (!k)
                sl_diags_add(d, kloc, "%s option '%s': keys must be plain names", what, o->name);
            if (!k || !val) {
                sl_free(k);
                sl_free(val);
                bad = 1;
                continue;
            }
            for (size_t i = 0; i < m->n; i++)
                if (strcmp(m->v[i].key, k) == 0) {
                    sl_diags_add(d, kloc, "%s option '%s': '%s' is given twice", what, o->name, k);
                    bad = 1;
                }
            m->v = sl_realloc(m->v, (m->n + 1) * sizeof *m->v);
            m->v[m->n++] = (sl_kv){k, val, sl_yaml_loc(fy_node_pair_value(p), file)};
        }
        return bad ? -1 : 0;
    }
    char *s = sl_yaml_scalar(v, file, scalar_flags(o), d);
    if (!s)
        return -1;
    int rc = set_scalar(o, opts, s, loc, what, d);
    sl_free(s);
    return rc;
}

void sl_options_defaults(const sl_option *table, void *opts)
{
    sl_diags d;
    sl_diags_init(&d);
    sl_loc none = {NULL, 0, 0};
    for (const sl_option *o = table; o->name; o++) {
        if (o->def && o->type == SL_OPT_LIST)
            list_default(FIELD(opts, o, sl_strlist), o->def);
        else if (o->def && o->type != SL_OPT_MAP && o->type != SL_OPT_RECORDS)
            set_scalar(o, opts, o->def, none, "", &d);
    }
    sl_diags_release(&d);
}

int sl_options_load(const sl_option *table, void *opts, struct fy_node *map, const char *file,
                    const char *const *skip, const char *what, sl_diags *d)
{
    size_t before = d->n;
    sl_options_defaults(table, opts);
    unsigned char seen[128] = {0};
    sl_loc where = sl_yaml_loc(map, file);
    if (!map || !fy_node_is_mapping(map)) {
        sl_diags_add(d, where, "%s: expected a mapping of options", what);
        return (int)(d->n - before);
    }
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(map, &it)) != NULL) {
        char *k = sl_yaml_key(p);
        sl_loc kloc = sl_yaml_loc(fy_node_pair_key(p), file);
        if (!k) {
            sl_diags_add(d, kloc, "%s: option names must be plain words", what);
            continue;
        }
        int skipped = 0;
        for (const char *const *s = skip; s && *s; s++)
            skipped |= strcmp(*s, k) == 0;
        const sl_option *o = NULL;
        for (const sl_option *t = table; t->name && !skipped; t++)
            if (strcmp(t->name, k) == 0)
                o = t;
        if (skipped) {
            sl_free(k);
            continue;
        }
        if (!o) {
            const char *cand[128];
            size_t n = 0;
            for (const sl_option *t = table; t->name && n < 120; t++)
                cand[n++] = t->name;
            for (const char *const *s = skip; s && *s && n < 128; s++)
                cand[n++] = *s;
            const char *sug = sl_suggest(k, cand, n);
            if (sug)
                sl_diags_add(d, kloc, "unknown option '%s' for %s; did you mean '%s'?", k, what, sug);
            else
                sl_diags_add(d, kloc, "unknown option '%s' for %s (see `sluice help %s`)", k, what, what);
            sl_free(k);
            continue;
        }
        seen[o - table] = 1;
        if (load_one(o, opts, fy_node_pair_value(p), file, what, d) == 0)
            remember_loc(opts, o->name, sl_yaml_loc(fy_node_pair_value(p), file));
        sl_free(k);
    }
    for (const sl_option *o = table; o->name; o++)
        if ((o->flags & SL_OPT_REQUIRED) && !seen[o - table])
            sl_diags_add(d, where, "%s is missing required option '%s' (%s)", what, o->name, o->help);
    return (int)(d->n - before);
}

void sl_options_release(const sl_option *table, void *opts)
{
    for (const sl_option *o = table; o->name; o++) {
        switch (o->type) {
        case SL_OPT_STRING:
        case SL_OPT_ENUM:
            sl_free(*FIELD(opts, o, char *));
            *FIELD(opts, o, char *) = NULL;
            break;
        case SL_OPT_LIST: {
            sl_strlist *l = FIELD(opts, o, sl_strlist);
            list_clear(l);
            memset(l, 0, sizeof *l);
            break;
        }
        case SL_OPT_MAP:
            kvlist_clear(FIELD(opts, o, sl_kvlist));
            break;
        case SL_OPT_RECORDS: {
            sl_kvlists *l = FIELD(opts, o, sl_kvlists);
            for (size_t i = 0; i < l->n; i++)
                kvlist_clear(&l->v[i]);
            sl_free(l->v);
            memset(l, 0, sizeof *l);
            break;
        }
        default:
            break;
        }
    }
    /* forget remembered locations of this struct */
    pthread_mutex_lock(&locs_lock);
    size_t w = 0;
    for (size_t i = 0; i < nlocs; i++)
        if (locs[i].opts != opts)
            locs[w++] = locs[i];
    nlocs = w;
    pthread_mutex_unlock(&locs_lock);
}

static const char *type_word(const sl_option *o)
{
    switch (o->type) {
    case SL_OPT_STRING: return "string";
    case SL_OPT_INT: return "integer";
    case SL_OPT_BOOL: return "bool";
    case SL_OPT_ENUM: return o->choices;
    case SL_OPT_DURATION: return "duration";
    case SL_OPT_LIST: return "list";
    case SL_OPT_MAP: return "mapping";
    case SL_OPT_RECORDS: return "list of mappings";
    }
    return "?";
}

void sl_options_help(const sl_option *table, sl_buf *out)
{
    for (const sl_option *o = table; o->name; o++) {
        sl_buf_addf(out, "  %-16s %s%s\n", o->name, o->help,
                    (o->flags & SL_OPT_REQUIRED) ? " (required)" : "");
        sl_buf_addf(out, "  %-16s type: %s", "", type_word(o));
        if (o->def)
            sl_buf_addf(out, "; default: %s", o->def);
        sl_buf_addc(out, '\n');
    }
}
