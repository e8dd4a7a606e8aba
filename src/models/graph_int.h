/*
 * graph_int.h: what graph.c (files), graph_link.c (edges, order) and props.c (properties
 * .yml files) share while a project's graph is being loaded. Not a public
 * interface: callers use models/graph.h.
 *
 * While loading, nodes are appended to g->nodes and refer to each other
 * only by name (pending edges below); the array is sorted by unique_id and
 * stripped of disabled nodes before the edges become indexes.
 */
#ifndef SL_MODELS_GRAPH_INT_H
#define SL_MODELS_GRAPH_INT_H
#include "config/project.h"
#include "core/nameidx.h"
#include "models/graph.h"
#include <libfyaml.h>

typedef enum sl_pdep_kind {
    SL_PDEP_REF,    /* ref(name) / ref(package, name) */
    SL_PDEP_SOURCE, /* source(source_name, name) */
    SL_PDEP_UID,    /* a node by unique_id (a generic test's model) */
    SL_PDEP_AFTER,  /* after: NAME (a pipeline or a model) */
} sl_pdep_kind;

typedef struct sl_pdep {
    sl_pdep_kind kind;
    size_t from;        /* index of the node in g->nodes (remapped as it moves) */
    char *package, *name, *source_name;
    const char *file;   /* the from node's file, or the yml file */
    int line, col;
} sl_pdep;

typedef struct sl_gload {
    sl_graph *g;
    const sl_project *p;
    sl_diags *d;
    size_t cap;
    sl_nameidx uid;     /* unique_id -> index, while appending */
    char **attached;    /* per node: a generic test's tested node (unique_id), or NULL */
    sl_pdep *deps;
    size_t ndeps, capdeps;
} sl_gload;

/* Append a node (kind, name, file relative to the project; dirs: the
 * folders between the resource path and the file, for the fqn), with the
 * project tree's config applied. NULL (and a diagnostic) when a node of
 * that unique_id exists. */
sl_node *sl_gload_add(sl_gload *L, sl_node_kind kind, const char *name, const char *file, const sl_strv *dirs,
                      const char *uid_override);
/* Index of a node by unique_id while loading, or -1. */
long sl_gload_find(const sl_gload *L, const char *uid);
void sl_gload_dep(sl_gload *L, sl_pdep_kind kind, size_t from, const char *package, const char *name,
                  const char *source_name, const char *file, int line, int col);
/* The unique_id prefix of a kind ("model", "seed", ...). */
const char *sl_node_kind_word(sl_node_kind k);
/* graph_link.c: once the nodes are final (sorted, disabled ones removed,
 * their unique_id names in `disabled`): relations, edges as sorted
 * indexes, pipeline links, and (check_cycles) the cycle check, each
 * problem a diagnostic in L->d. */
void sl_gload_link(sl_gload *L, const sl_strv *disabled, int check_cycles);

/* props.c: read one properties file (path relative to the project). */
int sl_props_load(sl_gload *L, const char *rel, sl_diags *d);

/* mtype_load.c (models/mtype.h): whether a .yml file's root is a typed
 * model's spec (a mapping with `type:`); and, before any properties file
 * is read (they may describe it), load the file at rel as a typed model
 * when it is one: 1 (loaded, maybe with diagnostics), 0 (not one). */
int sl_mtype_is_spec(struct fy_node *root);
int sl_mtype_scan(sl_gload *L, const char *rel, sl_diags *d);

#endif
