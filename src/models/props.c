/*
 * props.c: properties files (the .yml files beside models, seeds,
 * snapshots and analyses; dbt's "version: 2" files): descriptions,
 * columns, config: blocks, sources, and generic tests, which become test
 * nodes named as dbt names them (not_null_<model>_<column>, ...).
 *
 * Values are taken as written (no ${ENV}: dbt files use env_var()).
 * Unknown keys are errors with a suggestion; dbt features that would change
 * results and that sluice does not have (unit_tests, model versions,
 * external sources, another database) are refused by name.
 */
#include "config/yaml.h"
#include "core/mem.h"
#include "models/config.h"
#include "models/graph_int.h"
#include "quality/check.h"
#include "quality/monitor.h"
#include "jinja/jinja.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct props {
    sl_gload *L;
    const char *file;   /* absolute (diagnostics) */
    const char *rel;    /* relative to the project (node->file, patch_file) */
    sl_strv dirs;       /* folders of the file under its resource path */
    sl_diags *d;
    int in_source;      /* dbt names a source's tests source_<test>_<source>_<table>_... */
} props;

static const char *sc(struct fy_node *n)
{
    return n && fy_node_is_scalar(n) ? fy_node_get_scalar0(n) : NULL;
}

static int is_null(struct fy_node *v)
{
    if (!v)
        return 1;
    if (!fy_node_is_scalar(v) || fy_node_get_style(v) != FYNS_PLAIN)
        return 0;
    const char *s = sc(v);
    return !s || !*s || strcmp(s, "~") == 0 || strcasecmp(s, "null") == 0;
}

static void unknown_key(props *P, struct fy_node *kn, const char *k, const char *what, const char *const *known)
{
    size_t n = 0;
    while (known[n])
        n++;
    const char *sug = sl_suggest(k, known, n);
    if (sug)
        sl_diags_add(P->d, sl_yaml_loc(kn, P->file), "unknown key '%s' in %s; did you mean '%s'?", k, what, sug);
    else
        sl_diags_add(P->d, sl_yaml_loc(kn, P->file), "unknown key '%s' in %s", k, what);
}

/* YAML to JSON text: plain scalars that look like numbers, booleans or
 * null keep their type; everything else is a string. */
static void to_json(struct fy_node *v, sl_buf *b)
{
    if (!v || is_null(v)) {
        sl_buf_adds(b, "null");
    } else if (fy_node_is_scalar(v)) {
        const char *s = sc(v);
        if (fy_node_get_style(v) == FYNS_PLAIN) {
            if (strcasecmp(s, "true") == 0 || strcasecmp(s, "false") == 0) {
                sl_buf_adds(b, s[0] == 't' || s[0] == 'T' ? "true" : "false");
                return;
            }
            char *end = NULL;
            strtod(s, &end);
            if (*s && end && !*end && strspn(s, "0123456789+-.eE") == strlen(s) && strcmp(s, ".") != 0 &&
                !(s[0] == '0' && s[1] && s[1] != '.')) {
                sl_buf_adds(b, s);
                return;
            }
        }
        sl_buf_add_json_str(b, s, strlen(s));
    } else if (fy_node_is_sequence(v)) {
        sl_buf_addc(b, '[');
        void *it = NULL;
        struct fy_node *e;
        int first = 1;
        while ((e = fy_node_sequence_iterate(v, &it)) != NULL) {
            if (!first)
                sl_buf_addc(b, ',');
            first = 0;
            to_json(e, b);
        }
        sl_buf_addc(b, ']');
    } else {
        sl_buf_addc(b, '{');
        void *it = NULL;
        struct fy_node_pair *p;
        int first = 1;
        while ((p = fy_node_mapping_iterate(v, &it)) != NULL) {
            const char *k = sc(fy_node_pair_key(p));
            if (!first)
                sl_buf_addc(b, ',');
            first = 0;
            sl_buf_add_json_str(b, k ? k : "", k ? strlen(k) : 0);
            sl_buf_addc(b, ':');
            to_json(fy_node_pair_value(p), b);
        }
        sl_buf_addc(b, '}');
    }
}

/* Python's str() of a YAML value, as dbt's test names show arguments. */
static void py_str(struct fy_node *v, sl_buf *b, int nested)
{
    if (!v || is_null(v)) {
        sl_buf_adds(b, "None");
    } else if (fy_node_is_scalar(v)) {
        const char *s = sc(v);
        if (fy_node_get_style(v) == FYNS_PLAIN && (strcasecmp(s, "true") == 0 || strcasecmp(s, "false") == 0))
            sl_buf_adds(b, s[0] == 't' || s[0] == 'T' ? "True" : "False");
        else if (nested)
            sl_buf_addf(b, "'%s'", s);
        else
            sl_buf_adds(b, s);
    } else if (fy_node_is_sequence(v)) {
        sl_buf_addc(b, '[');
        void *it = NULL;
        struct fy_node *e;
        int first = 1;
        while ((e = fy_node_sequence_iterate(v, &it)) != NULL) {
            sl_buf_adds(b, first ? "" : ", ");
            first = 0;
            py_str(e, b, 1);
        }
        sl_buf_addc(b, ']');
    } else {
        sl_buf_addc(b, '{');
        void *it = NULL;
        struct fy_node_pair *p;
        int first = 1;
        while ((p = fy_node_mapping_iterate(v, &it)) != NULL) {
            sl_buf_adds(b, first ? "" : ", ");
            first = 0;
            sl_buf_addf(b, "'%s': ", sc(fy_node_pair_key(p)) ? sc(fy_node_pair_key(p)) : "");
            py_str(fy_node_pair_value(p), b, 1);
        }
        sl_buf_addc(b, '}');
    }
}

/* dbt's flattening of one argument into name parts (dict: its values,
 * list: its items, else the value), each cleaned to [0-9a-zA-Z_]. */
static void name_parts(struct fy_node *v, sl_buf *out)
{
    sl_buf part;
    sl_buf_init(&part);
    if (v && (fy_node_is_sequence(v) || fy_node_is_mapping(v))) {
        void *it = NULL;
        if (fy_node_is_sequence(v)) {
            struct fy_node *e;
            while ((e = fy_node_sequence_iterate(v, &it)) != NULL) {
                py_str(e, &part, 0);
                sl_buf_addc(&part, '\x01');
            }
        } else {
            struct fy_node_pair *p;
            while ((p = fy_node_mapping_iterate(v, &it)) != NULL) {
                py_str(fy_node_pair_value(p), &part, 0);
                sl_buf_addc(&part, '\x01');
            }
        }
    } else {
        py_str(v, &part, 0);
        sl_buf_addc(&part, '\x01');
    }
    /* clean: runs of other characters become one '_'; parts join with "__" */
    const char *s = part.data ? part.data : "";
    for (size_t i = 0; i < part.len;) {
        if (s[i] == '\x01') {
            sl_buf_adds(out, "\x02");
            i++;
            continue;
        }
        char c = s[i];
        if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') {
            sl_buf_addc(out, c);
            i++;
        } else {
            sl_buf_addc(out, '_');
            while (i < part.len && s[i] != '\x01' &&
                   !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                     s[i] == '_'))
                i++;
        }
    }
    sl_buf_release(&part);
}

/* Scan a string argument for ref('x'), ref('p', 'x') and source('s', 't')
 * (relationships' `to:`), as pending edges of node `from`. */
static void scan_calls(props *P, size_t from, const char *s, struct fy_node *at)
{
    for (const char *q = s; (q = strpbrk(q, "rs")) != NULL; q++) {
        int is_ref = strncmp(q, "ref", 3) == 0, is_src = strncmp(q, "source", 6) == 0;
        if (!is_ref && !is_src)
            continue;
        if (q > s && ((q[-1] >= 'a' && q[-1] <= 'z') || q[-1] == '_' || q[-1] == '.'))
            continue;
        const char *r = q + (is_ref ? 3 : 6);
        while (*r == ' ')
            r++;
        if (*r != '(')
            continue;
        char *args[2] = {NULL, NULL};
        int na = 0;
        r++;
        while (na < 2) {
            while (*r == ' ' || *r == ',')
                r++;
            if (*r != '\'' && *r != '"')
                break;
            char quote = *r++;
            const char *e = strchr(r, quote);
            if (!e)
                break;
            args[na++] = sl_strndup(r, (size_t)(e - r));
            r = e + 1;
        }
        sl_loc loc = sl_yaml_loc(at, P->file);
        if (is_ref && na >= 1)
            sl_gload_dep(P->L, SL_PDEP_REF, from, na == 2 ? args[0] : NULL, na == 2 ? args[1] : args[0], NULL,
                         P->file, loc.line, loc.col);
        else if (is_src && na == 2)
            sl_gload_dep(P->L, SL_PDEP_SOURCE, from, NULL, args[1], args[0], P->file, loc.line, loc.col);
        sl_free(args[0]);
        sl_free(args[1]);
    }
}

static void scan_value(props *P, size_t from, struct fy_node *v)
{
    if (!v)
        return;
    if (fy_node_is_scalar(v)) {
        scan_calls(P, from, sc(v), v);
        return;
    }
    void *it = NULL;
    if (fy_node_is_sequence(v)) {
        struct fy_node *e;
        while ((e = fy_node_sequence_iterate(v, &it)) != NULL)
            scan_value(P, from, e);
    } else {
        struct fy_node_pair *p;
        while ((p = fy_node_mapping_iterate(v, &it)) != NULL)
            scan_value(P, from, fy_node_pair_value(p));
    }
}

static const char *const test_config_args[] = {"severity", "tags",  "enabled",  "where",          "limit",
                                               "warn_if",  "error_if", "fail_calc", "store_failures",
                                               "store_failures_as", "meta", "database", "schema", "alias", NULL};

static int is_test_config_arg(const char *k)
{
    for (size_t i = 0; test_config_args[i]; i++)
        if (strcmp(k, test_config_args[i]) == 0)
            return 1;
    return 0;
}

typedef struct arg {
    const char *name;
    struct fy_node *v;
} arg;

static int cmp_arg(const void *a, const void *b)
{
    return strcmp(((const arg *)a)->name, ((const arg *)b)->name);
}

/* Whether a column test's name is a sluice check kind that runs as a
 * check: not one of dbt's four built-in generic tests (they stay macros)
 * and not the name of one of the project's own {% test %} macros. */
static int is_check_test(props *P, const char *type)
{
    static const char *const dbt[] = {"not_null", "unique", "accepted_values", "relationships"};
    for (size_t i = 0; i < 4; i++)
        if (strcmp(type, dbt[i]) == 0)
            return 0;
    if (sl_check_kind_find(type) < 0)
        return 0;
    char *macro = sl_printf("test_%s", type);
    int own = P->L->g->env && sl_jinja_env_has(P->L->g->env, macro);
    sl_free(macro);
    return !own;
}

/* The edges a check needs: a table it compares with or refers to (to:,
 * compare_to:) that is a model, seed, snapshot or pipeline of the project. */
static void check_deps(props *P, size_t ti, const sl_check *c)
{
    const char *names[2] = {c->to, c->compare_to};
    static const sl_node_kind kinds[] = {SL_NODE_MODEL, SL_NODE_SEED, SL_NODE_SNAPSHOT, SL_NODE_PIPELINE};
    for (size_t k = 0; k < 2; k++) {
        if (!names[k] || strchr(names[k], '.') || strcmp(names[k], "source") == 0)
            continue;
        for (size_t j = 0; j < 4; j++) {
            char *uid = sl_printf("%s.%s.%s", sl_node_kind_word(kinds[j]), P->L->g->name, names[k]);
            long f = sl_gload_find(P->L, uid);
            if (f >= 0)
                sl_gload_dep(P->L, SL_PDEP_UID, ti, NULL, uid, NULL, P->file, 0, 0);
            sl_free(uid);
            if (f >= 0)
                break;
        }
    }
}

/* A test node for check c (taken over: c's strings move to the node) on
 * `target`, named name (made unique with _2, _3...). */
static void check_node(props *P, sl_check *c, long target, const char *name, const char *column)
{
    char *uname = sl_strdup(name);
    for (int k = 2;; k++) {
        char *uid = sl_printf("test.%s.%s", P->L->g->name, uname);
        long found = sl_gload_find(P->L, uid);
        sl_free(uid);
        if (found < 0)
            break;
        sl_free(uname);
        uname = sl_printf("%s_%d", name, k);
    }
    sl_strv dirs = P->dirs;
    sl_node *n = sl_gload_add(P->L, SL_NODE_TEST, uname, P->rel, &dirs, NULL);
    sl_free(uname);
    if (!n) {
        sl_check_release(c);
        return;
    }
    size_t ti = (size_t)(n - P->L->g->nodes);
    c->loc.file = NULL; /* the properties file's name is not kept */
    n->check = sl_malloc(sizeof *n->check);
    *n->check = *c;
    memset(c, 0, sizeof *c);
    n->test_name = sl_strdup(sl_check_kind_name(n->check->kind));
    const char *col = column ? column : n->check->ncolumns ? n->check->columns[0] : NULL;
    n->column_name = col ? sl_strdup(col) : NULL;
    n->patch_file = sl_strdup(P->rel);
    n->test_kwargs = sl_strdup("{}");
    if (n->check->severity == SL_SEVERITY_WARN) {
        sl_free(n->config.severity);
        n->config.severity = sl_strdup("warn");
    } else if (n->config.severity && strcasecmp(n->config.severity, "warn") == 0) {
        n->check->severity = SL_SEVERITY_WARN; /* the project's tests: +severity: warn */
    }
    if (n->check->where && !n->config.where)
        n->config.where = sl_strdup(n->check->where);
    P->L->attached[ti] = sl_strdup(P->L->g->nodes[target].unique_id);
    sl_gload_dep(P->L, SL_PDEP_UID, ti, NULL, P->L->g->nodes[target].unique_id, NULL, P->file, 0, 0);
    check_deps(P, ti, n->check);
}

/* checks: of a model, seed, snapshot or source table (quality/check.h). */
static void checks_list(props *P, struct fy_node *v, long target, const char *tname)
{
    if (is_null(v))
        return;
    sl_check_list l = {0};
    size_t before = P->d->n;
    sl_checks_load(v, P->file, "model", &l, P->d);
    if (P->d->n != before) {
        sl_checks_free(&l);
        return;
    }
    for (size_t i = 0; i < l.n; i++) {
        char *name = sl_printf("%s%s_%s", P->in_source ? "source_" : "", tname, l.v[i].name);
        check_node(P, &l.v[i], target, name, NULL);
        sl_free(name);
    }
    sl_checks_free(&l); /* what check_node took is zeroed */
}

/* One entry of a tests:/data_tests: list, on `target` (node index) whose
 * test-name part is `tname` (a model's name, "<source>_<table>"). */
static void generic_test(props *P, struct fy_node *t, long target, const char *tname, const char *column)
{
    const char *type = NULL;
    struct fy_node *body = NULL, *type_node = t;
    if (fy_node_is_scalar(t)) {
        type = sc(t);
    } else if (fy_node_is_mapping(t) && fy_node_mapping_item_count(t) == 1) {
        void *it = NULL;
        struct fy_node_pair *p = fy_node_mapping_iterate(t, &it);
        type_node = fy_node_pair_key(p);
        type = sc(type_node);
        body = fy_node_pair_value(p);
        if (is_null(body))
            body = NULL;
        else if (!fy_node_is_mapping(body)) {
            sl_diags_add(P->d, sl_yaml_loc(body, P->file), "test '%s': its arguments must be a mapping", type);
            return;
        }
    }
    if (!type || !*type) {
        sl_diags_add(P->d, sl_yaml_loc(t, P->file),
                     "a test is a name (- unique) or a name with arguments (- accepted_values: {values: [...]})");
        return;
    }
    const char *dot = strchr(type, '.');
    if (dot) {
        const char *proj = P->L->g->name;
        if (strlen(proj) != (size_t)(dot - type) || strncmp(type, proj, (size_t)(dot - type)) != 0) {
            sl_diags_add(P->d, sl_yaml_loc(type_node, P->file),
                         "test '%s' comes from a package; packages are not supported", type);
            return;
        }
        type = dot + 1;
    }
    /* split the body: name, config, arguments/args, config args, column_name */
    arg args[64];
    size_t nargs = 0;
    const char *custom_name = NULL;
    struct fy_node *config = NULL, *cfg_args[32], *cfg_keys[32];
    size_t ncfg = 0;
    if (column)
        args[nargs++] = (arg){"column_name", NULL};
    void *it = NULL;
    struct fy_node_pair *p;
    while (body && (p = fy_node_mapping_iterate(body, &it)) != NULL && nargs < 63) {
        struct fy_node *kn = fy_node_pair_key(p), *v = fy_node_pair_value(p);
        const char *k = sc(kn);
        if (!k)
            continue;
        if (strcmp(k, "name") == 0)
            custom_name = sc(v);
        else if (strcmp(k, "config") == 0)
            config = v;
        else if (strcmp(k, "description") == 0)
            continue;
        else if (strcmp(k, "arguments") == 0 && v && fy_node_is_mapping(v)) {
            void *it2 = NULL;
            struct fy_node_pair *p2;
            while ((p2 = fy_node_mapping_iterate(v, &it2)) != NULL && nargs < 63)
                if (sc(fy_node_pair_key(p2)))
                    args[nargs++] = (arg){sc(fy_node_pair_key(p2)), fy_node_pair_value(p2)};
        } else if (is_test_config_arg(k) && ncfg < 32) {
            cfg_keys[ncfg] = kn;
            cfg_args[ncfg++] = v;
        } else if (strcmp(k, "column_name") == 0) {
            if (column)
                args[0].v = v;
            else
                args[nargs++] = (arg){"column_name", v};
        } else {
            args[nargs++] = (arg){k, v};
        }
    }
    qsort(args, nargs, sizeof *args, cmp_arg);
    /* dbt's name: <type>_<target>_<flattened arguments joined by __> */
    sl_buf flat, full;
    sl_buf_init(&flat);
    sl_buf_init(&full);
    for (size_t i = 0; i < nargs; i++) {
        if (strcmp(args[i].name, "column_name") == 0 && !args[i].v) {
            sl_buf cl;
            sl_buf_init(&cl);
            for (const char *c = column; *c;) {
                if ((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '_') {
                    sl_buf_addc(&cl, *c++);
                } else {
                    sl_buf_addc(&cl, '_');
                    while (*c && !((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') ||
                                   (*c >= 'A' && *c <= 'Z') || *c == '_'))
                        c++;
                }
            }
            sl_buf_adds(&flat, cl.data ? cl.data : "");
            sl_buf_adds(&flat, "\x02");
            sl_buf_release(&cl);
        } else {
            name_parts(args[i].v, &flat);
        }
    }
    sl_buf_addf(&full, "%s%s_%s_", P->in_source ? "source_" : "", type, tname);
    const char *f = flat.data ? flat.data : "";
    size_t fl = flat.len;
    if (fl && f[fl - 1] == '\x02')
        fl--;
    for (size_t i = 0; i < fl; i++)
        if (f[i] == '\x02')
            sl_buf_adds(&full, "__");
        else
            sl_buf_addc(&full, f[i]);
    const char *name = custom_name ? custom_name : full.data;
    if (is_check_test(P, type)) { /* a sluice kind: a check node (its arguments: the entry's mapping) */
        struct fy_node *cargs = body;
        struct fy_node *an = body ? fy_node_mapping_lookup_by_string(body, "arguments", 9) : NULL;
        if (an && fy_node_is_mapping(an))
            cargs = an;
        sl_check c;
        memset(&c, 0, sizeof c);
        if (sl_check_load_one(type, column, cargs, P->file, sl_yaml_loc(type_node, P->file), "model", &c, P->d) == 0) {
            if (custom_name && !(cargs && fy_node_mapping_lookup_by_string(cargs, "name", 4))) {
                sl_free(c.name);
                c.name = sl_strdup(custom_name);
            }
            check_node(P, &c, target, name, column);
        } else {
            sl_check_release(&c);
        }
        sl_buf_release(&flat);
        sl_buf_release(&full);
        return;
    }
    /* a second test of the same name (only configs differ): _2, _3 */
    char *uname = sl_strdup(name);
    for (int k = 2;; k++) {
        char *uid = sl_printf("test.%s.%s", P->L->g->name, uname);
        long found = sl_gload_find(P->L, uid);
        sl_free(uid);
        if (found < 0)
            break;
        sl_free(uname);
        uname = sl_printf("%s_%d", name, k);
    }
    sl_strv dirs = P->dirs;
    sl_node *n = sl_gload_add(P->L, SL_NODE_TEST, uname, P->rel, &dirs, NULL);
    sl_free(uname);
    if (n) {
        size_t ti = (size_t)(n - P->L->g->nodes);
        n->test_name = sl_strdup(type);
        n->column_name = column ? sl_strdup(column) : NULL;
        for (size_t i = 0; !column && i < nargs; i++) /* a model-level test's column_name: argument */
            if (strcmp(args[i].name, "column_name") == 0 && args[i].v && sc(args[i].v))
                n->column_name = sl_strdup(sc(args[i].v));
        n->patch_file = sl_strdup(P->rel);
        sl_buf kw;
        sl_buf_init(&kw);
        sl_buf_addc(&kw, '{');
        for (size_t i = 0; i < nargs; i++) {
            if (i)
                sl_buf_addc(&kw, ',');
            sl_buf_add_json_str(&kw, args[i].name, strlen(args[i].name));
            sl_buf_addc(&kw, ':');
            if (strcmp(args[i].name, "column_name") == 0 && !args[i].v)
                sl_buf_add_json_str(&kw, column, strlen(column));
            else
                to_json(args[i].v, &kw);
            if (args[i].v)
                scan_value(P, ti, args[i].v);
        }
        sl_buf_addc(&kw, '}');
        n->test_kwargs = sl_buf_detach(&kw);
        P->L->attached[ti] = sl_strdup(P->L->g->nodes[target].unique_id);
        for (size_t i = 0; i < ncfg; i++)
            sl_config_set_yaml(&n->config, sc(cfg_keys[i]), cfg_keys[i], cfg_args[i], P->file, P->d);
        if (config && fy_node_is_mapping(config)) {
            void *it3 = NULL;
            struct fy_node_pair *p3;
            while ((p3 = fy_node_mapping_iterate(config, &it3)) != NULL)
                if (sc(fy_node_pair_key(p3)))
                    sl_config_set_yaml(&n->config, sc(fy_node_pair_key(p3)), fy_node_pair_key(p3),
                                       fy_node_pair_value(p3), P->file, P->d);
        }
        sl_gload_dep(P->L, SL_PDEP_UID, ti, NULL, P->L->g->nodes[target].unique_id, NULL, P->file, 0, 0);
    }
    sl_buf_release(&flat);
    sl_buf_release(&full);
}

static void tests_list(props *P, struct fy_node *v, long target, const char *tname, const char *column)
{
    if (is_null(v))
        return;
    if (!fy_node_is_sequence(v)) {
        sl_diags_add(P->d, sl_yaml_loc(v, P->file), "tests: must be a list");
        return;
    }
    void *it = NULL;
    struct fy_node *t;
    while ((t = fy_node_sequence_iterate(v, &it)) != NULL)
        generic_test(P, t, target, tname, column);
}

static void apply_config_block(props *P, sl_node *n, struct fy_node *cfg)
{
    if (is_null(cfg))
        return;
    if (!fy_node_is_mapping(cfg)) {
        sl_diags_add(P->d, sl_yaml_loc(cfg, P->file), "config: must be a mapping");
        return;
    }
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(cfg, &it)) != NULL) {
        const char *k = sc(fy_node_pair_key(p));
        if (k)
            sl_config_set_yaml(&n->config, k, fy_node_pair_key(p), fy_node_pair_value(p), P->file, P->d);
    }
}

static const char *const column_keys[] = {"name",   "description", "data_type", "tests",   "data_tests",
                                          "meta",   "quote",       "tags",      "constraints", "config",
                                          "granularity", "policy_tags", "docs", NULL};

/* columns: of a node (idx): descriptions, types and column tests. */
static void columns(props *P, struct fy_node *v, long idx, const char *tname)
{
    if (is_null(v))
        return;
    if (!fy_node_is_sequence(v)) {
        sl_diags_add(P->d, sl_yaml_loc(v, P->file), "columns: must be a list");
        return;
    }
    void *it = NULL;
    struct fy_node *c;
    while ((c = fy_node_sequence_iterate(v, &it)) != NULL) {
        if (!fy_node_is_mapping(c) || !sc(fy_node_mapping_lookup_by_string(c, "name", 4))) {
            sl_diags_add(P->d, sl_yaml_loc(c, P->file), "a column needs a name:");
            continue;
        }
        const char *cname = sc(fy_node_mapping_lookup_by_string(c, "name", 4));
        sl_node *n = &P->L->g->nodes[idx];
        n->columns = sl_realloc(n->columns, (n->ncolumns + 1) * sizeof *n->columns);
        sl_column_prop *cp = &n->columns[n->ncolumns++];
        memset(cp, 0, sizeof *cp);
        cp->name = sl_strdup(cname);
        void *it2 = NULL;
        struct fy_node_pair *p;
        while ((p = fy_node_mapping_iterate(c, &it2)) != NULL) {
            const char *k = sc(fy_node_pair_key(p));
            struct fy_node *cv = fy_node_pair_value(p);
            if (!k)
                continue;
            if (strcmp(k, "description") == 0 && sc(cv)) {
                sl_free(cp->description);
                cp->description = sl_strdup(sc(cv));
            } else if (strcmp(k, "data_type") == 0 && sc(cv)) {
                sl_free(cp->data_type);
                cp->data_type = sl_strdup(sc(cv));
            } else if (strcmp(k, "tests") == 0 || strcmp(k, "data_tests") == 0) {
                tests_list(P, cv, idx, tname, cname); /* may move g->nodes */
                n = &P->L->g->nodes[idx];
                cp = &n->columns[n->ncolumns - 1];
            } else {
                size_t j = 0;
                while (column_keys[j] && strcmp(column_keys[j], k) != 0)
                    j++;
                if (!column_keys[j])
                    unknown_key(P, fy_node_pair_key(p), k, "a column", column_keys);
            }
        }
    }
}

static const char *const node_keys[] = {"name",        "description", "columns", "config",          "tests",
                                        "data_tests",  "docs",        "meta",    "access",          "group",
                                        "constraints", "deprecation_date", "latest_version", "versions",
                                        "time_spine",  "tags",        "arguments", "checks", "monitors", NULL};

/* An entry of models:/seeds:/snapshots:/analyses: describing a node of kind. */
static void node_entry(props *P, struct fy_node *e, sl_node_kind kind, const char *section)
{
    struct fy_node *nn = fy_node_is_mapping(e) ? fy_node_mapping_lookup_by_string(e, "name", 4) : NULL;
    const char *name = sc(nn);
    if (!name) {
        sl_diags_add(P->d, sl_yaml_loc(e, P->file), "each entry of %s: needs a name:", section);
        return;
    }
    struct fy_node *rel = kind == SL_NODE_SNAPSHOT ? fy_node_mapping_lookup_by_string(e, "relation", 8) : NULL;
    if (rel) { /* dbt 1.9's snapshots written in YAML */
        sl_diags_add(P->d, sl_yaml_loc(rel, P->file),
                     "snapshot '%s': snapshots defined in YAML (relation:) are not supported; write a "
                     "{%% snapshot %%} block in a snapshots/ .sql file",
                     name);
        return;
    }
    char *uid = sl_printf("%s.%s.%s", sl_node_kind_word(kind), P->L->g->name, name);
    long idx = sl_gload_find(P->L, uid);
    sl_free(uid);
    if (idx < 0) {
        const char **names = sl_calloc(P->L->g->n + 1, sizeof *names);
        size_t nn2 = 0;
        for (size_t i = 0; i < P->L->g->n; i++)
            if (P->L->g->nodes[i].kind == kind)
                names[nn2++] = P->L->g->nodes[i].name;
        const char *sug = sl_suggest(name, names, nn2);
        if (sug)
            sl_diags_add(P->d, sl_yaml_loc(nn, P->file), "%s: no %s called '%s'; did you mean '%s'?", section,
                         sl_node_kind_word(kind), name, sug);
        else
            sl_diags_add(P->d, sl_yaml_loc(nn, P->file), "%s: no %s called '%s'", section, sl_node_kind_word(kind),
                         name);
        sl_free(names);
        return;
    }
    sl_node *n = &P->L->g->nodes[idx];
    if (n->patch_file) {
        sl_diags_add(P->d, sl_yaml_loc(nn, P->file), "%s '%s' is already described in %s", sl_node_kind_word(kind),
                     name, n->patch_file);
        return;
    }
    n->patch_file = sl_strdup(P->rel);
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(e, &it)) != NULL) {
        const char *k = sc(fy_node_pair_key(p));
        struct fy_node *v = fy_node_pair_value(p);
        n = &P->L->g->nodes[idx];
        if (!k)
            continue;
        if (strcmp(k, "description") == 0 && sc(v)) {
            sl_free(n->description);
            n->description = sl_strdup(sc(v));
        } else if (strcmp(k, "config") == 0) {
            apply_config_block(P, n, v);
        } else if (strcmp(k, "columns") == 0) {
            columns(P, v, idx, name);
        } else if (strcmp(k, "tests") == 0 || strcmp(k, "data_tests") == 0) {
            tests_list(P, v, idx, name, NULL);
        } else if (strcmp(k, "checks") == 0) {
            checks_list(P, v, idx, name);
        } else if (strcmp(k, "monitors") == 0 && kind != SL_NODE_ANALYSIS) {
            if (!n->monitors)
                n->monitors = sl_calloc(1, sizeof *n->monitors);
            sl_monitor_config_load(v, P->file, n->monitors, P->d);
        } else if (strcmp(k, "tags") == 0) {
            sl_config_set_yaml(&n->config, "tags", fy_node_pair_key(p), v, P->file, P->d);
        } else if ((strcmp(k, "versions") == 0 || strcmp(k, "latest_version") == 0) && !is_null(v)) {
            sl_diags_add(P->d, sl_yaml_loc(fy_node_pair_key(p), P->file), "model versions are not supported (%s:)", k);
        } else {
            size_t j = 0;
            while (node_keys[j] && strcmp(node_keys[j], k) != 0)
                j++;
            if (!node_keys[j])
                unknown_key(P, fy_node_pair_key(p), k, section, node_keys);
        }
    }
}

static const char *const source_keys[] = {"name",   "description", "database", "schema", "loader", "loaded_at_field",
                                          "freshness", "quoting",  "meta",     "tags",   "config", "tables",
                                          "overrides", NULL};
static const char *const table_keys[] = {"name",       "identifier", "description", "columns", "tests",
                                         "data_tests", "loaded_at_field", "freshness", "quoting", "meta",
                                         "tags",       "config",     "external",    "docs", "checks", NULL};

static void source_entry(props *P, struct fy_node *e)
{
    struct fy_node *nn = fy_node_is_mapping(e) ? fy_node_mapping_lookup_by_string(e, "name", 4) : NULL;
    const char *sname = sc(nn);
    if (!sname) {
        sl_diags_add(P->d, sl_yaml_loc(e, P->file), "each entry of sources: needs a name:");
        return;
    }
    const char *schema = sname, *loaded_at = NULL;
    struct fy_node *tables = NULL, *freshness = NULL, *config = NULL;
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(e, &it)) != NULL) {
        const char *k = sc(fy_node_pair_key(p));
        struct fy_node *v = fy_node_pair_value(p);
        if (!k)
            continue;
        size_t j = 0;
        while (source_keys[j] && strcmp(source_keys[j], k) != 0)
            j++;
        if (!source_keys[j])
            unknown_key(P, fy_node_pair_key(p), k, "a source", source_keys);
        else if (strcmp(k, "schema") == 0 && sc(v))
            schema = sc(v);
        else if (strcmp(k, "tables") == 0)
            tables = v;
        else if (strcmp(k, "loaded_at_field") == 0)
            loaded_at = sc(v);
        else if (strcmp(k, "freshness") == 0)
            freshness = v;
        else if (strcmp(k, "config") == 0)
            config = v;
        else if ((strcmp(k, "database") == 0 || strcmp(k, "overrides") == 0) && !is_null(v))
            sl_diags_add(P->d, sl_yaml_loc(fy_node_pair_key(p), P->file), "source '%s': %s: is not supported (%s)",
                         sname, k, k[0] == 'd' ? "reading another database" : "it overrides a package's source");
    }
    if (!tables || !fy_node_is_sequence(tables)) {
        sl_diags_add(P->d, sl_yaml_loc(nn, P->file), "source '%s' needs tables: (a list)", sname);
        return;
    }
    struct fy_node *t;
    it = NULL;
    while ((t = fy_node_sequence_iterate(tables, &it)) != NULL) {
        struct fy_node *tn = fy_node_is_mapping(t) ? fy_node_mapping_lookup_by_string(t, "name", 4) : NULL;
        const char *tname = sc(tn);
        if (!tname) {
            sl_diags_add(P->d, sl_yaml_loc(t, P->file), "each table of source '%s' needs a name:", sname);
            continue;
        }
        char *uid = sl_printf("source.%s.%s.%s", P->L->g->name, sname, tname);
        sl_strv dirs = P->dirs;
        sl_strv fq = {0};
        for (size_t i = 0; i < dirs.n; i++)
            sl_strv_push(&fq, dirs.v[i]);
        sl_strv_push(&fq, sname);
        sl_node *n = sl_gload_add(P->L, SL_NODE_SOURCE, tname, P->rel, &fq, uid);
        sl_strv_release(&fq);
        sl_free(uid);
        if (!n) {
            sl_diags_add(P->d, sl_yaml_loc(tn, P->file), "source '%s' has two tables called '%s'", sname, tname);
            continue;
        }
        long idx = n - P->L->g->nodes;
        n->source_name = sl_strdup(sname);
        n->schema = sl_strdup(schema);
        n->patch_file = sl_strdup(P->rel);
        if (loaded_at)
            n->loaded_at_field = sl_strdup(loaded_at);
        if (freshness && !is_null(freshness)) {
            sl_buf b;
            sl_buf_init(&b);
            to_json(freshness, &b);
            n->freshness = sl_buf_detach(&b);
        }
        apply_config_block(P, n, config);
        char *test_target = sl_printf("%s_%s", sname, tname);
        P->in_source = 1;
        void *it2 = NULL;
        struct fy_node_pair *q;
        while ((q = fy_node_mapping_iterate(t, &it2)) != NULL) {
            const char *k = sc(fy_node_pair_key(q));
            struct fy_node *v = fy_node_pair_value(q);
            n = &P->L->g->nodes[idx];
            if (!k)
                continue;
            size_t j = 0;
            while (table_keys[j] && strcmp(table_keys[j], k) != 0)
                j++;
            if (!table_keys[j]) {
                unknown_key(P, fy_node_pair_key(q), k, "a source table", table_keys);
            } else if (strcmp(k, "identifier") == 0 && sc(v)) {
                sl_free(n->identifier);
                n->identifier = sl_strdup(sc(v));
            } else if (strcmp(k, "description") == 0 && sc(v)) {
                sl_free(n->description);
                n->description = sl_strdup(sc(v));
            } else if (strcmp(k, "loaded_at_field") == 0 && sc(v)) {
                sl_free(n->loaded_at_field);
                n->loaded_at_field = sl_strdup(sc(v));
            } else if (strcmp(k, "freshness") == 0) {
                sl_free(n->freshness);
                n->freshness = NULL;
                if (!is_null(v)) {
                    sl_buf b;
                    sl_buf_init(&b);
                    to_json(v, &b);
                    n->freshness = sl_buf_detach(&b);
                }
            } else if (strcmp(k, "config") == 0) {
                apply_config_block(P, n, v);
            } else if (strcmp(k, "columns") == 0) {
                columns(P, v, idx, test_target);
            } else if (strcmp(k, "tests") == 0 || strcmp(k, "data_tests") == 0) {
                tests_list(P, v, idx, test_target, NULL);
            } else if (strcmp(k, "checks") == 0) {
                checks_list(P, v, idx, test_target);
            } else if (strcmp(k, "external") == 0 && !is_null(v)) {
                sl_diags_add(P->d, sl_yaml_loc(fy_node_pair_key(q), P->file),
                             "source table '%s': external: is not supported (external tables)", tname);
            }
        }
        P->in_source = 0;
        sl_free(test_target);
    }
}

static const char *const top_keys[] = {"version", "models",  "seeds",   "snapshots", "sources",         "macros",
                                       "analyses", "exposures", "metrics", "groups",   "semantic_models",
                                       "saved_queries", "unit_tests", NULL};
static const char *const macro_keys[] = {"name", "description", "arguments", "docs", "meta", NULL};

int sl_props_load(sl_gload *L, const char *rel, sl_diags *d)
{
    size_t before = d->n;
    char *abs = sl_project_path(L->p, rel);
    struct fy_document *doc = sl_yaml_load(abs, d);
    props P = {L, abs, rel, {0}, d, 0};
    /* dirs: the folders between the resource path and the file */
    const char *slash = strchr(rel, '/');
    for (const char *q = slash ? slash + 1 : rel; q && strchr(q, '/');) {
        const char *e = strchr(q, '/');
        char *dir = sl_strndup(q, (size_t)(e - q));
        sl_strv_push(&P.dirs, dir);
        sl_free(dir);
        q = e + 1;
    }
    struct fy_node *root = doc ? fy_document_root(doc) : NULL;
    if (sl_mtype_is_spec(root)) /* a typed model (models/mtype.h), loaded by sl_mtype_scan */
        root = NULL;
    if (root && !is_null(root) && !fy_node_is_mapping(root))
        sl_diags_add(d, sl_yaml_loc(root, abs), "a properties file is a mapping (version: 2, models: [...])");
    void *it = NULL;
    struct fy_node_pair *p;
    while (root && fy_node_is_mapping(root) && (p = fy_node_mapping_iterate(root, &it)) != NULL) {
        const char *k = sc(fy_node_pair_key(p));
        struct fy_node *v = fy_node_pair_value(p);
        if (!k)
            continue;
        if (strcmp(k, "version") == 0) {
            if (!sc(v) || strcmp(sc(v), "2") != 0)
                sl_diags_add(d, sl_yaml_loc(v, abs), "version: %s is not supported (properties files are version 2)",
                             sc(v) ? sc(v) : "?");
            continue;
        }
        if (strcmp(k, "unit_tests") == 0) {
            if (!is_null(v))
                sl_diags_add(d, sl_yaml_loc(fy_node_pair_key(p), abs), "unit_tests are not supported");
            continue;
        }
        size_t j = 0;
        while (top_keys[j] && strcmp(top_keys[j], k) != 0)
            j++;
        if (!top_keys[j]) {
            unknown_key(&P, fy_node_pair_key(p), k, "a properties file", top_keys);
            continue;
        }
        int models = strcmp(k, "models") == 0, seeds = strcmp(k, "seeds") == 0, snaps = strcmp(k, "snapshots") == 0,
            anal = strcmp(k, "analyses") == 0, srcs = strcmp(k, "sources") == 0, macros = strcmp(k, "macros") == 0;
        if (!(models || seeds || snaps || anal || srcs || macros) || is_null(v))
            continue; /* exposures, metrics, groups...: no effect on what sluice builds */
        if (!fy_node_is_sequence(v)) {
            sl_diags_add(d, sl_yaml_loc(v, abs), "%s: must be a list", k);
            continue;
        }
        void *it2 = NULL;
        struct fy_node *e;
        while ((e = fy_node_sequence_iterate(v, &it2)) != NULL) {
            if (srcs) {
                source_entry(&P, e);
            } else if (macros) {
                void *it3 = NULL;
                struct fy_node_pair *q;
                while (fy_node_is_mapping(e) && (q = fy_node_mapping_iterate(e, &it3)) != NULL) {
                    const char *mk = sc(fy_node_pair_key(q));
                    size_t m = 0;
                    while (mk && macro_keys[m] && strcmp(macro_keys[m], mk) != 0)
                        m++;
                    if (mk && !macro_keys[m])
                        unknown_key(&P, fy_node_pair_key(q), mk, "a macro", macro_keys);
                }
            } else {
                node_entry(&P, e,
                           models  ? SL_NODE_MODEL
                           : seeds ? SL_NODE_SEED
                           : snaps ? SL_NODE_SNAPSHOT
                                   : SL_NODE_ANALYSIS,
                           k);
            }
        }
    }
    if (doc)
        fy_document_destroy(doc);
    sl_strv_release(&P.dirs);
    sl_free(abs);
    return d->n == before ? 0 : -1;
}
