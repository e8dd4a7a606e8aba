/*
 * project_models.c: the models layer's keys of a project (docs/MODELS.md
 * "Project layout"), in sluice.yml and in dbt_project.yml:
 *
 *   models: seeds: snapshots: tests: (data_tests:) sources:   config trees
 *   vars:                                                      template vars
 *   model-paths seed-paths snapshot-paths macro-paths test-paths
 *   analysis-paths docs-paths target-path clean-targets          folders
 *
 * dbt_project.yml also has keys with no meaning for sluice (version,
 * profile, require-dbt-version, quoting, query-comment, ...): checked and
 * accepted; and dbt features that would change results and that sluice
 * does not have (packages, dispatch, on-run-start/on-run-end hooks): refused
 * by name at file:line:col. With both files, a key sluice.yml gives wins and
 * dbt_project.yml supplies the rest.
 */
#include "config/project_models.h"
#include "config/yaml.h"
#include "core/mem.h"
#include "models/config.h"
#include <ctype.h>
#include <dirent.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char *const tree_keys[SL_TREE_N] = {"models", "seeds", "snapshots", "tests", "sources"};

typedef struct pathkey {
    const char *name;
    size_t off; /* of the sl_strlist in sl_project */
    const char *def;
} pathkey;

static const pathkey path_keys[] = {
    {"model-paths", offsetof(sl_project, model_paths), "models"},
    {"seed-paths", offsetof(sl_project, seed_paths), "seeds"},
    {"snapshot-paths", offsetof(sl_project, snapshot_paths), "snapshots"},
    {"macro-paths", offsetof(sl_project, macro_paths), "macros"},
    {"test-paths", offsetof(sl_project, test_paths), "tests"},
    {"analysis-paths", offsetof(sl_project, analysis_paths), "analyses"},
    {"docs-paths", offsetof(sl_project, docs_paths), NULL},
    {"clean-targets", offsetof(sl_project, clean_targets), NULL},
    /* dbt's older names */
    {"source-paths", offsetof(sl_project, model_paths), NULL},
    {"data-paths", offsetof(sl_project, seed_paths), NULL},
};
#define NPATHKEYS (sizeof path_keys / sizeof path_keys[0])

/* Keys of dbt_project.yml accepted without meaning for sluice. */
static const char *const dbt_accepted[] = {"version",        "config-version",  "profile",      "require-dbt-version",
                                          "quoting",        "query-comment",   "log-path",     "packages-install-path",
                                          "asset-paths",    "modules-path",    "flags",        "restrict-access",
                                          "semantic-models", "metrics",        "exposures",    "saved-queries",
                                          "analyses",       "unit_tests",      NULL};
/* Keys refused by name: what they do, which sluice does not. */
static const char *const dbt_refused[][2] = {
    {"packages", "packages are not supported"},
    {"dispatch", "dispatch is not supported (it searches for macros in packages)"},
    {"on-run-start", "on-run-start is not supported (SQL hooks around the whole run)"},
    {"on-run-end", "on-run-end is not supported (SQL hooks around the whole run)"},
};

const char *const sl_project_models_keys[] = {"models",         "seeds",          "snapshots",   "tests",
                                              "data_tests",     "sources",        "vars",        "model-paths",
                                              "seed-paths",     "snapshot-paths", "macro-paths", "test-paths",
                                              "analysis-paths", "docs-paths",     "target-path", "clean-targets",
                                              NULL};

static int is_empty(struct fy_node *v)
{
    if (!v)
        return 1;
    if (fy_node_is_sequence(v))
        return fy_node_sequence_item_count(v) == 0;
    if (fy_node_is_mapping(v))
        return fy_node_mapping_item_count(v) == 0;
    const char *s = fy_node_get_scalar0(v);
    return fy_node_get_style(v) == FYNS_PLAIN && (!s || !*s || strcmp(s, "~") == 0 || strcasecmp(s, "null") == 0);
}

static void load_strlist(sl_strlist *l, struct fy_node *v, const char *file, const char *key, sl_diags *d)
{
    for (size_t i = 0; i < l->n; i++)
        sl_free(l->v[i]);
    sl_free(l->v);
    memset(l, 0, sizeof *l);
    l->loc = sl_yaml_loc(v, file);
    if (v && fy_node_is_scalar(v)) {
        char *s = sl_yaml_scalar(v, file, 0, d);
        if (s) {
            l->v = sl_calloc(1, sizeof *l->v);
            l->v[l->n++] = s;
        }
        return;
    }
    if (!v || !fy_node_is_sequence(v)) {
        sl_diags_add(d, l->loc, "%s must be a list of folders", key);
        return;
    }
    l->v = sl_calloc((size_t)fy_node_sequence_item_count(v) + 1, sizeof *l->v);
    void *it = NULL;
    struct fy_node *e;
    while ((e = fy_node_sequence_iterate(v, &it)) != NULL) {
        char *s = sl_yaml_scalar(e, file, 0, d);
        if (!s)
            continue;
        if (!*s || s[0] == '/' || strstr(s, "..")) {
            sl_diags_add(d, sl_yaml_loc(e, file), "%s: '%s' must be a folder inside the project", key, s);
            sl_free(s);
            continue;
        }
        l->v[l->n++] = s;
    }
}

/* "1.5.0", ">=1.5.0", "<2.0.0", ">=1.5.0,<2.0.0" */
static int version_spec_ok(const char *s)
{
    while (*s) {
        while (*s == ' ')
            s++;
        while (*s && strchr("<>=!~^", *s))
            s++;
        if (!isdigit((unsigned char)*s))
            return 0;
        while (isdigit((unsigned char)*s) || *s == '.' || *s == '*' || isalpha((unsigned char)*s))
            s++;
        while (*s == ' ')
            s++;
        if (*s == ',')
            s++;
        else if (*s)
            return 0;
    }
    return 1;
}

static void check_dbt_version(struct fy_node *v, const char *file, sl_diags *d)
{
    if (fy_node_is_sequence(v)) {
        void *it = NULL;
        struct fy_node *e;
        while ((e = fy_node_sequence_iterate(v, &it)) != NULL)
            check_dbt_version(e, file, d);
        return;
    }
    char *s = sl_yaml_scalar(v, file, 0, d);
    if (s && !version_spec_ok(s))
        sl_diags_add(d, sl_yaml_loc(v, file), "require-dbt-version: '%s' is not a version range like \">=1.5.0\"", s);
    sl_free(s);
}

int sl_project_models_key(sl_project *p, const char *key, struct fy_node *kn, struct fy_node *v, const char *file,
                          int from_dbt, sl_diags *d)
{
    for (int t = 0; t < SL_TREE_N; t++) {
        int data_tests = t == SL_TREE_TESTS && strcmp(key, "data_tests") == 0;
        if (strcmp(key, tree_keys[t]) != 0 && !data_tests)
            continue;
        if (p->trees[t].node && from_dbt)
            return 1; /* sluice.yml gave it */
        if (p->trees[t].node && p->trees[t].file == file) {
            sl_diags_add(d, sl_yaml_loc(kn, file), "tests: and data_tests: are the same tree; give one");
            return 1;
        }
        if (is_empty(v))
            return 1;
        sl_config_tree_check(v, file, d);
        p->trees[t].node = v;
        p->trees[t].file = file;
        return 1;
    }
    if (strcmp(key, "vars") == 0) {
        if (p->vars.node && from_dbt)
            return 1;
        if (!is_empty(v) && !fy_node_is_mapping(v)) {
            sl_diags_add(d, sl_yaml_loc(v, file), "vars: must be a mapping of name: value");
            return 1;
        }
        p->vars.node = is_empty(v) ? NULL : v;
        p->vars.file = file;
        return 1;
    }
    if (strcmp(key, "target-path") == 0) {
        if (p->target_path && from_dbt)
            return 1;
        char *s = sl_yaml_scalar(v, file, 0, d);
        if (s && (!*s || s[0] == '/' || strstr(s, ".."))) {
            sl_diags_add(d, sl_yaml_loc(v, file), "target-path: '%s' must be a folder inside the project", s);
            sl_free(s);
            return 1;
        }
        sl_free(p->target_path);
        p->target_path = s;
        return 1;
    }
    for (size_t i = 0; i < NPATHKEYS; i++) {
        if (strcmp(key, path_keys[i].name) != 0)
            continue;
        if (!from_dbt && !path_keys[i].def && strcmp(key, "docs-paths") != 0 && strcmp(key, "clean-targets") != 0)
            return 0; /* source-paths/data-paths: dbt_project.yml only */
        sl_strlist *l = (sl_strlist *)((char *)p + path_keys[i].off);
        if (l->n && from_dbt && l->loc.file != file)
            return 1;
        load_strlist(l, v, file, key, d);
        return 1;
    }
    return 0;
}

static void dbt_key(sl_project *p, const char *k, struct fy_node *kn, struct fy_node *v, const char *file,
                    sl_diags *d)
{
    sl_loc kl = sl_yaml_loc(kn, file);
    if (strcmp(k, "name") == 0) {
        char *s = sl_yaml_scalar(v, file, 0, d);
        if (s && !p->name)
            p->name = s;
        else
            sl_free(s);
        return;
    }
    if (sl_project_models_key(p, k, kn, v, file, 1, d))
        return;
    for (size_t i = 0; i < sizeof dbt_refused / sizeof dbt_refused[0]; i++)
        if (strcmp(k, dbt_refused[i][0]) == 0) {
            if (!is_empty(v))
                sl_diags_add(d, kl, "%s", dbt_refused[i][1]);
            return;
        }
    for (size_t i = 0; dbt_accepted[i]; i++) {
        if (strcmp(k, dbt_accepted[i]) != 0)
            continue;
        if (strcmp(k, "require-dbt-version") == 0)
            check_dbt_version(v, file, d);
        else if (strcmp(k, "version") == 0 && !p->version)
            p->version = sl_yaml_scalar(v, file, 0, d);
        else if (strcmp(k, "config-version") == 0) {
            char *s = sl_yaml_scalar(v, file, 0, d);
            if (s && strcmp(s, "2") != 0)
                sl_diags_add(d, sl_yaml_loc(v, file), "config-version: %s is not supported (sluice reads version 2)", s);
            sl_free(s);
        }
        return;
    }
    const char *all[64];
    size_t n = 0;
    all[n++] = "name";
    for (size_t i = 0; sl_project_models_keys[i]; i++)
        all[n++] = sl_project_models_keys[i];
    for (size_t i = 0; dbt_accepted[i]; i++)
        all[n++] = dbt_accepted[i];
    const char *sug = sl_suggest(k, all, n);
    if (sug)
        sl_diags_add(d, kl, "unknown dbt_project.yml key '%s'; did you mean '%s'?", k, sug);
    else
        sl_diags_add(d, kl, "unknown dbt_project.yml key '%s'", k);
}

/* packages.yml / dependencies.yml with packages in it: refused. */
static void check_packages(sl_project *p, const char *name, sl_diags *d, char *(*remember)(sl_project *, const char *))
{
    char *path = sl_printf("%s/%s", p->dir, name);
    if (access(path, F_OK) != 0) {
        sl_free(path);
        return;
    }
    const char *file = remember(p, path);
    sl_free(path);
    sl_diags own;
    sl_diags_init(&own);
    struct fy_document *doc = sl_yaml_load(file, &own);
    sl_diags_release(&own);
    struct fy_node *root = doc ? fy_document_root(doc) : NULL;
    struct fy_node *pk = root && fy_node_is_mapping(root) ? fy_node_mapping_lookup_by_string(root, "packages", 8) : NULL;
    if (pk && !is_empty(pk)) {
        sl_loc loc = {file, 1, 1};
        void *it = NULL;
        struct fy_node_pair *pr;
        while ((pr = fy_node_mapping_iterate(root, &it)) != NULL)
            if (fy_node_pair_value(pr) == pk)
                loc = sl_yaml_loc(fy_node_pair_key(pr), file);
        sl_diags_add(d, loc, "packages are not supported (sluice runs a project without dbt packages)");
    }
    if (doc)
        fy_document_destroy(doc);
}

static void load_dbt_file(sl_project *p, sl_diags *d);

void sl_project_models_load_dbt(sl_project *p, char *(*remember)(sl_project *, const char *), sl_diags *d)
{
    if (p->dbt_file)
        load_dbt_file(p, d);
    check_packages(p, "packages.yml", d, remember);
    check_packages(p, "dependencies.yml", d, remember);
}

static void load_dbt_file(sl_project *p, sl_diags *d)
{
    struct fy_document *doc = sl_yaml_load(p->dbt_file, d);
    if (!doc)
        return;
    p->docs_kept[1] = doc;
    struct fy_node *root = fy_document_root(doc);
    if (!fy_node_is_mapping(root)) {
        sl_diags_add(d, sl_yaml_loc(root, p->dbt_file), "dbt_project.yml must be a mapping (name:, models:, ...)");
        return;
    }
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(root, &it)) != NULL) {
        char *k = sl_yaml_key(pr);
        if (!k) {
            sl_diags_add(d, sl_yaml_loc(fy_node_pair_key(pr), p->dbt_file), "keys must be plain words");
            continue;
        }
        dbt_key(p, k, fy_node_pair_key(pr), fy_node_pair_value(pr), p->dbt_file, d);
        sl_free(k);
    }
}

void sl_project_models_defaults(sl_project *p)
{
    for (size_t i = 0; i < NPATHKEYS; i++) {
        sl_strlist *l = (sl_strlist *)((char *)p + path_keys[i].off);
        if (l->n || !path_keys[i].def)
            continue;
        l->v = sl_calloc(1, sizeof *l->v);
        l->v[l->n++] = sl_strdup(path_keys[i].def);
    }
    if (!p->target_path)
        p->target_path = sl_strdup("target");
    if (!p->docs_paths.n) { /* dbt: docs blocks are looked for in every resource folder */
        const sl_strlist *from[] = {&p->model_paths, &p->seed_paths, &p->snapshot_paths, &p->macro_paths,
                                    &p->test_paths, &p->analysis_paths};
        size_t n = 0;
        for (size_t i = 0; i < 6; i++)
            n += from[i]->n;
        p->docs_paths.v = sl_calloc(n + 1, sizeof *p->docs_paths.v);
        for (size_t i = 0; i < 6; i++)
            for (size_t j = 0; j < from[i]->n; j++)
                p->docs_paths.v[p->docs_paths.n++] = sl_strdup(from[i]->v[j]);
    }
}

void sl_project_models_free(sl_project *p)
{
    for (size_t i = 0; i < NPATHKEYS; i++) {
        sl_strlist *l = (sl_strlist *)((char *)p + path_keys[i].off);
        for (size_t j = 0; j < l->n; j++)
            sl_free(l->v[j]);
        sl_free(l->v);
        memset(l, 0, sizeof *l);
    }
    sl_free(p->target_path);
    sl_free(p->version);
    for (int i = 0; i < 2; i++)
        if (p->docs_kept[i])
            fy_document_destroy(p->docs_kept[i]);
}

/* NAME.<ext> anywhere under one of the folders of l. */
static int find_file(const char *dir, const char *want, int depth)
{
    if (depth > 32)
        return 0;
    DIR *dh = opendir(dir);
    if (!dh)
        return 0;
    int found = 0;
    struct dirent *e;
    while (!found && (e = readdir(dh)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (strcmp(e->d_name, want) == 0) {
            found = 1;
            break;
        }
        if (e->d_type == DT_DIR || e->d_type == DT_UNKNOWN) {
            char *sub = sl_printf("%s/%s", dir, e->d_name);
            found = find_file(sub, want, depth + 1);
            sl_free(sub);
        }
    }
    closedir(dh);
    return found;
}

int sl_project_has_node_file(const sl_project *p, const char *name)
{
    const sl_strlist *lists[2] = {&p->model_paths, &p->seed_paths};
    const char *ext[2] = {".sql", ".csv"};
    for (int k = 0; k < 2; k++) {
        char *want = sl_printf("%s%s", name, ext[k]);
        for (size_t i = 0; i < lists[k]->n; i++) {
            char *dir = sl_printf("%s/%s", p->dir, lists[k]->v[i]);
            int f = find_file(dir, want, 0);
            sl_free(dir);
            if (f) {
                sl_free(want);
                return 1;
            }
        }
        sl_free(want);
    }
    return 0;
}
