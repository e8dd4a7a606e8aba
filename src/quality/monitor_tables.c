/*
 * monitor_tables.c: monitors/NAME.yml, checks and monitors on any table of
 * the warehouse, including tables sluice does not load (docs/quality/models.md):
 *
 *   monitors:
 *     - table: crm.accounts          # "schema.table" or "table" (default schema)
 *       description: the CRM's accounts, loaded by Fivetran
 *       checks:                      # quality/check.h, where "monitor"
 *         - not_null: {column: id}
 *         - row_count: {min: 1}
 *       monitors: {volume: true, null_rate: false}   # quality/monitor.h
 *
 * Each table is the node "table.<project>.<schema>.<table>" (schema: the
 * one written, else the warehouse's default: main on SQLite, the target
 * schema or public on PostgreSQL) for check results, profiles and monitor
 * points. Files are read in name order; a table named twice (in one file
 * or two) is an error at the second place, naming the first.
 */
#include "config/project.h"
#include "config/yaml.h"
#include "core/mem.h"
#include "quality/check.h"
#include "quality/monitor.h"
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

static const char *sc(struct fy_node *n)
{
    return n && fy_node_is_scalar(n) ? fy_node_get_scalar0(n) : NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *keep_file(sl_project *p, char *path)
{
    p->files = sl_realloc(p->files, (p->nfiles + 1) * sizeof *p->files);
    p->files[p->nfiles++] = path;
    return path;
}

static const char *const entry_keys[] = {"table", "description", "checks", "monitors", NULL};

static void load_entry(sl_project *p, struct fy_node *e, const char *file, sl_diags *d)
{
    if (!fy_node_is_mapping(e)) {
        sl_diags_add(d, sl_yaml_loc(e, file), "each entry of monitors: is a mapping with table: (and checks:, monitors:)");
        return;
    }
    struct fy_node *tn = fy_node_mapping_lookup_by_string(e, "table", 5);
    char *table = tn ? sl_yaml_scalar(tn, file, 0, d) : NULL;
    if (!tn) {
        sl_diags_add(d, sl_yaml_loc(e, file), "a monitors: entry needs table: (\"schema.table\" or \"table\")");
        return;
    }
    if (!table)
        return;
    const char *dot = strchr(table, '.');
    if (!*table || (dot && (dot == table || !dot[1] || strchr(dot + 1, '.')))) {
        sl_diags_add(d, sl_yaml_loc(tn, file), "table: '%s' is not \"schema.table\" or \"table\"", table);
        sl_free(table);
        return;
    }
    char *schema = dot ? sl_strndup(table, (size_t)(dot - table)) : NULL;
    char *ident = sl_strdup(dot ? dot + 1 : table);
    const char *def_schema = p->warehouse_url ? (p->warehouse_schema ? p->warehouse_schema : "public") : "main";
    char *node = sl_printf("table.%s.%s.%s", p->name ? p->name : "project", schema ? schema : def_schema, ident);
    for (size_t i = 0; i < p->nmonitor_tables; i++)
        if (strcmp(p->monitor_tables[i].node, node) == 0) {
            const sl_monitor_table *o = &p->monitor_tables[i];
            sl_diags_add(d, sl_yaml_loc(tn, file), "table '%s' is already monitored (%s:%d:%d)", table, o->file,
                         o->loc.line, o->loc.col);
            sl_free(schema);
            sl_free(ident);
            sl_free(node);
            sl_free(table);
            return;
        }
    p->monitor_tables = sl_realloc(p->monitor_tables, (p->nmonitor_tables + 1) * sizeof *p->monitor_tables);
    sl_monitor_table *t = &p->monitor_tables[p->nmonitor_tables++];
    memset(t, 0, sizeof *t);
    t->table = table;
    t->schema = schema;
    t->identifier = ident;
    t->node = node;
    t->file = file;
    t->loc = sl_yaml_loc(tn, file);
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(e, &it)) != NULL) {
        struct fy_node *kn = fy_node_pair_key(pr), *v = fy_node_pair_value(pr);
        const char *k = sc(kn);
        if (!k)
            continue;
        if (strcmp(k, "table") == 0) {
            continue;
        } else if (strcmp(k, "description") == 0) {
            sl_free(t->description);
            t->description = sl_yaml_scalar(v, file, SL_YAML_MULTILINE, d);
        } else if (strcmp(k, "checks") == 0) {
            sl_checks_load(v, file, "monitor", &t->checks, d);
        } else if (strcmp(k, "monitors") == 0) {
            sl_monitor_config_load(v, file, &t->monitors, d);
        } else {
            const char *sug = sl_suggest(k, entry_keys, 4);
            if (sug)
                sl_diags_add(d, sl_yaml_loc(kn, file), "unknown key '%s' in a monitored table; did you mean '%s'?", k,
                             sug);
            else
                sl_diags_add(d, sl_yaml_loc(kn, file), "unknown key '%s' in a monitored table (known: table, "
                             "description, checks, monitors)", k);
        }
    }
}

static void load_file(sl_project *p, const char *file, sl_diags *d)
{
    struct fy_document *doc = sl_yaml_load(file, d);
    if (!doc)
        return;
    struct fy_node *root = fy_document_root(doc);
    if (!root || (fy_node_is_scalar(root) && (!sc(root) || !*sc(root)))) {
        fy_document_destroy(doc);
        return;
    }
    if (!fy_node_is_mapping(root)) {
        sl_diags_add(d, sl_yaml_loc(root, file), "a monitors file is a mapping: monitors: [{table: ..., checks: [...]}]");
        fy_document_destroy(doc);
        return;
    }
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(root, &it)) != NULL) {
        struct fy_node *kn = fy_node_pair_key(pr), *v = fy_node_pair_value(pr);
        const char *k = sc(kn);
        if (!k || strcmp(k, "monitors") != 0) {
            static const char *const top[] = {"monitors", NULL};
            const char *sug = k ? sl_suggest(k, top, 1) : NULL;
            if (sug)
                sl_diags_add(d, sl_yaml_loc(kn, file), "unknown key '%s' in a monitors file; did you mean '%s'?",
                             k ? k : "?", sug);
            else
                sl_diags_add(d, sl_yaml_loc(kn, file), "unknown key '%s' in a monitors file (it holds monitors: [...])",
                             k ? k : "?");
            continue;
        }
        if (!fy_node_is_sequence(v)) {
            sl_diags_add(d, sl_yaml_loc(v, file), "monitors: must be a list of tables");
            continue;
        }
        void *it2 = NULL;
        struct fy_node *e;
        while ((e = fy_node_sequence_iterate(v, &it2)) != NULL)
            load_entry(p, e, file, d);
    }
    fy_document_destroy(doc);
}

int sl_monitor_tables_load(sl_project *p, sl_diags *d)
{
    size_t before = d->n;
    char *dir = sl_printf("%s/monitors", p->dir);
    DIR *dh = opendir(dir);
    if (!dh) {
        sl_free(dir);
        return 0;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dh)) != NULL) {
        size_t l = strlen(e->d_name);
        int yml = (l > 4 && strcmp(e->d_name + l - 4, ".yml") == 0) || (l > 5 && strcmp(e->d_name + l - 5, ".yaml") == 0);
        if (!yml || e->d_name[0] == '.')
            continue;
        names = sl_realloc(names, (n + 1) * sizeof *names);
        names[n++] = sl_strdup(e->d_name);
    }
    closedir(dh);
    if (n)
        qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        const char *file = keep_file(p, sl_printf("%s/%s", dir, names[i]));
        load_file(p, file, d);
        sl_free(names[i]);
    }
    sl_free(names);
    sl_free(dir);
    return (int)(d->n - before);
}

void sl_monitor_tables_free(sl_project *p)
{
    for (size_t i = 0; i < p->nmonitor_tables; i++) {
        sl_monitor_table *t = &p->monitor_tables[i];
        sl_free(t->table);
        sl_free(t->schema);
        sl_free(t->identifier);
        sl_free(t->node);
        sl_free(t->description);
        sl_checks_free(&t->checks);
    }
    sl_free(p->monitor_tables);
    p->monitor_tables = NULL;
    p->nmonitor_tables = 0;
}
