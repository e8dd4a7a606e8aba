/*
 * mtype_load.c: the graph side of model types (models/mtype.h): a
 * properties-path .yml file whose root mapping has `type:` is a model of
 * that type, not a properties file. props.c hands such a file here.
 */
#include "config/yaml.h"
#include "core/mem.h"
#include "models/config.h"
#include "models/graph_int.h"
#include "models/mtype.h"
#include <stdio.h>
#include <string.h>

int sl_mtype_is_spec(struct fy_node *root)
{
    return root && fy_node_is_mapping(root) && fy_node_mapping_lookup_by_string(root, "type", -1) != NULL;
}

/* A cheap look before parsing: a line that starts with "type:" (the
 * spec's root key; properties files have none at the root). */
static int looks_typed(const char *text)
{
    for (const char *q = text; q && *q; q = strchr(q, '\n'), q = q ? q + 1 : NULL)
        if (strncmp(q, "type:", 5) == 0)
            return 1;
    return 0;
}

/* The stem of rel ("models/gtm/people.yml" -> "people"); caller frees. */
static char *stem_of(const char *rel)
{
    const char *b = strrchr(rel, '/');
    b = b ? b + 1 : rel;
    const char *dot = strrchr(b, '.');
    return sl_strndup(b, dot ? (size_t)(dot - b) : strlen(b));
}

static int load(sl_gload *L, const char *rel, const char *abs, const sl_strv *dirs, struct fy_node *root,
                sl_diags *d)
{
    size_t before = d->n;
    struct fy_node *tn = fy_node_mapping_lookup_by_string(root, "type", -1);
    const char *tname = sl_mtype_scalar(tn);
    const sl_mtype *t = sl_mtype_find(tname);
    if (!t) {
        static const char *const names[] = {"identity", "attribution", "score", "lifecycle", NULL};
        const char *s = tname ? sl_suggest(tname, names, 4) : NULL;
        sl_diags_add(d, sl_yaml_loc(tn, abs), "type: '%s' is not a model type (%s)%s%s%s", tname ? tname : "?",
                     sl_mtype_names(), s ? "; did you mean '" : "", s ? s : "", s ? "'?" : "");
        return -1;
    }
    struct fy_node *nn = fy_node_mapping_lookup_by_string(root, "name", -1);
    char *name = sl_mtype_scalar(nn) ? sl_strdup(sl_mtype_scalar(nn)) : stem_of(rel);
    sl_node *n = sl_gload_add(L, SL_NODE_MODEL, name, rel, dirs, NULL);
    if (!n) {
        sl_diags_add(d, sl_yaml_loc(nn ? nn : tn, abs), "two models are called '%s'", name);
        sl_free(name);
        return -1;
    }
    size_t idx = (size_t)(n - L->g->nodes);
    sl_free(n->config.materialized);
    n->config.materialized = sl_strdup(t->name);
    struct fy_node *desc = fy_node_mapping_lookup_by_string(root, "description", -1);
    if (sl_mtype_scalar(desc))
        n->description = sl_strdup(sl_mtype_scalar(desc));
    struct fy_node *cfg = fy_node_mapping_lookup_by_string(root, "config", -1);
    if (cfg && fy_node_is_mapping(cfg)) {
        void *it = NULL;
        struct fy_node_pair *p;
        while ((p = fy_node_mapping_iterate(cfg, &it)) != NULL) {
            const char *k = sl_mtype_scalar(fy_node_pair_key(p));
            if (!k)
                continue;
            if (strcmp(k, "materialized") == 0) {
                sl_diags_add(d, sl_yaml_loc(fy_node_pair_key(p), abs),
                             "a %s model's materialization is its type: remove materialized", t->name);
                continue;
            }
            sl_config_set_yaml(&L->g->nodes[idx].config, k, fy_node_pair_key(p), fy_node_pair_value(p), abs, d);
        }
    } else if (cfg && !fy_node_is_null(cfg)) {
        sl_diags_add(d, sl_yaml_loc(cfg, abs), "config: must be a mapping");
    }
    sl_mtype_parse P = {L, idx, abs, name, d};
    void *spec = t->parse(&P, root);
    /* parse may have added nodes (outputs): the array may have moved */
    n = &L->g->nodes[idx];
    n->mtype = t;
    n->mtype_spec = spec;
    if (!spec && d->n == before)
        sl_diags_add(d, sl_yaml_loc(tn, abs), "this %s model could not be read", t->name);
    sl_free(name);
    return d->n == before ? 0 : -1;
}

void sl_mtype_ref(const sl_mtype_parse *p, const char *name, struct fy_node *at)
{
    sl_loc loc = sl_yaml_loc(at, p->file);
    sl_gload_dep(p->L, SL_PDEP_REF, p->node, NULL, name, NULL, p->file, loc.line, loc.col);
}

int sl_mtype_output(const sl_mtype_parse *p, const char *name, struct fy_node *at)
{
    sl_gload *L = p->L;
    sl_strv dirs = {0};
    const sl_node *self = &L->g->nodes[p->node];
    for (size_t i = 1; i + 1 < self->fqn.n; i++)
        sl_strv_push(&dirs, self->fqn.v[i]);
    char *file = sl_strdup(self->file);
    sl_node *o = sl_gload_add(L, SL_NODE_MODEL, name, file, &dirs, NULL);
    sl_free(file);
    sl_strv_release(&dirs);
    if (!o) {
        sl_diags_add(p->d, sl_yaml_loc(at, p->file), "output '%s': another model is called '%s'", name, name);
        return -1;
    }
    size_t oi = (size_t)(o - L->g->nodes);
    self = &L->g->nodes[p->node];
    sl_free(o->config.materialized);
    o->config.materialized = sl_strdup("output");
    o->mtype_owner = sl_strdup(self->name);
    /* the output lives beside its owner: same schema config */
    if (self->config.schema) {
        sl_free(o->config.schema);
        o->config.schema = sl_strdup(self->config.schema);
    }
    sl_loc loc = sl_yaml_loc(at, p->file);
    sl_gload_dep(L, SL_PDEP_REF, oi, NULL, self->name, NULL, p->file, loc.line, loc.col);
    return 0;
}

int sl_mtype_scan(sl_gload *L, const char *rel, sl_diags *d)
{
    char *abs = sl_project_path(L->p, rel);
    int typed = 0;
    FILE *f = fopen(abs, "rb");
    if (f) {
        sl_buf text;
        sl_buf_init(&text);
        char chunk[8192];
        size_t k;
        while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
            sl_buf_add(&text, chunk, k);
        fclose(f);
        typed = text.data && looks_typed(text.data);
        sl_buf_release(&text);
    }
    if (!typed) {
        sl_free(abs);
        return 0;
    }
    struct fy_document *doc = sl_yaml_load(abs, d);
    struct fy_node *root = doc ? fy_document_root(doc) : NULL;
    int rc = 0;
    if (sl_mtype_is_spec(root)) {
        /* dirs: the folders between the resource path and the file */
        sl_strv dirs = {0};
        const char *slash = strchr(rel, '/');
        for (const char *q = slash ? slash + 1 : rel; q && strchr(q, '/');) {
            const char *e = strchr(q, '/');
            char *dir = sl_strndup(q, (size_t)(e - q));
            sl_strv_push(&dirs, dir);
            sl_free(dir);
            q = e + 1;
        }
        load(L, rel, abs, &dirs, root, d);
        sl_strv_release(&dirs);
        rc = 1;
    }
    if (doc)
        fy_document_destroy(doc);
    sl_free(abs);
    return rc;
}
