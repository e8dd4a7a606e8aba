/*
 * mtype.h: model types, models written as a YAML spec instead of SQL,
 * whose build sluice computes in C on either warehouse (docs/gtm/): the
 * GTM logic no SQL dialect expresses well.
 *
 *   identity      identity resolution: identifiers linked into entities
 *                 (models/type_identity.c)
 *   attribution   multi-touch attribution of conversions to touchpoints
 *                 (models/type_attribution.c)
 *   score         lead scoring by rules (models/type_score.c)
 *   lifecycle     lifecycle stages with their history (models/type_lifecycle.c)
 *
 * A file models/.../NAME.yml (any model path) whose root mapping has a
 * `type:` key is one such model (models/mtype_load.c): a node of kind
 * SL_NODE_MODEL named NAME (or `name:`), config.materialized = the type's
 * name, in the DAG like any model. Keys every type has, handled here:
 * type, name, description, config (the model config keys: tags, schema,
 * alias, enabled, schedule, after, ...). Every other root key is the
 * type's own, read by its parse callback, unknown keys refused at
 * file:line:col with a suggestion (sl_mtype_unknown_key).
 *
 * Inputs are named as ref() names them (a model, seed, snapshot or a
 * pipeline's table: `from: stg_contacts`); parse reports each through
 * sl_mtype_ref, which makes the edge in the DAG. A type writing more than
 * one relation declares the others with sl_mtype_output: each becomes a
 * node of its own (materialized "output", built by its owner, in the DAG
 * after it), so downstream SQL can ref() it: ref('people_map').
 *
 * A build runs in ONE transaction the builder opens and commits (or rolls
 * back on failure: the previous relations stay as they were). A type
 * writes each output through sl_mtype_table (a work table under a
 * temporary name, swapped in at publish), reads its inputs with
 * sl_adapter_query (rows stream; memory stays bounded), and may read its
 * own previous outputs (state across runs: stable entity ids, stage
 * history) before publishing the new ones.
 */
#ifndef SL_MODELS_MTYPE_H
#define SL_MODELS_MTYPE_H
#include "config/diag.h"
#include "core/error.h"
#include "models/adapter.h"
#include "models/materialize.h"
#include "models/node.h"
#include <libfyaml.h>

struct sl_graph;
struct sl_gload;
struct sl_project;

/* What parse gets: where the file is, and how to declare edges/outputs. */
typedef struct sl_mtype_parse {
    struct sl_gload *L;    /* opaque: pass to sl_mtype_ref / sl_mtype_output */
    size_t node;           /* the model's index while loading */
    const char *file;      /* absolute path (diagnostics) */
    const char *name;      /* the model's name */
    sl_diags *d;
} sl_mtype_parse;

/* What build gets. */
typedef struct sl_mtype_build {
    sl_adapter *a;               /* the build's connection, inside its transaction */
    const struct sl_graph *g;
    const sl_node *n;            /* the model; n->mtype_spec is what parse returned */
    void *spec;
    int full_refresh;            /* --full-refresh: forget state, rebuild from all inputs */
    const char *run_started_at;  /* UTC "YYYY-MM-DD HH:MM:SS", one value per build */
    const sl_mat_audit *audit;   /* write-audit-publish: call audit->fn on the
                                  * model's own staged table before publishing it
                                  * (NULL: no error checks to run) */
} sl_mtype_build;

typedef struct sl_mtype {
    const char *name;     /* "identity" */
    const char *summary;  /* one line for `sluice help models` */
    /* Read the type's keys of root (a mapping). Return the spec (freed
     * with free_spec), or NULL after adding diagnostics. Declares inputs
     * (sl_mtype_ref) and extra outputs (sl_mtype_output). */
    void *(*parse)(const sl_mtype_parse *p, struct fy_node *root);
    /* Build the outputs. res->rows_affected: rows of the model's own
     * relation; res->message a dbt-style status ("IDENTITY 1200 entities"). */
    int (*build)(const sl_mtype_build *b, sl_mat_result *res, sl_error *err);
    void (*free_spec)(void *spec);
} sl_mtype;

/* The type called name, or NULL. */
const sl_mtype *sl_mtype_find(const char *name);
/* "identity, attribution, score, lifecycle" (static). */
const char *sl_mtype_names(void);
/* Every type, NULL-terminated, in the order `sluice help model-types` lists them. */
const sl_mtype *const *sl_mtype_all(void);

/* ---- for parse callbacks ---- */

/* The root keys every type has (type, name, description, config). */
int sl_mtype_common_key(const char *key);
/* A diagnostic "unknown key K in a TYPE model; did you mean ...?" at the
 * key node, suggesting among known (NULL-terminated). */
void sl_mtype_unknown_key(const sl_mtype_parse *p, struct fy_node *key, const char *k, const char *const *known);
/* Declare an input (the model depends on it): name as ref() takes it, at
 * the node's location (for "unknown ref" diagnostics). */
void sl_mtype_ref(const sl_mtype_parse *p, const char *name, struct fy_node *at);
/* Declare an extra output relation (a node of its own, named `name`);
 * -1 (and a diagnostic) when the name is taken. */
int sl_mtype_output(const sl_mtype_parse *p, const char *name, struct fy_node *at);
/* A scalar's text (borrowed from the document), or NULL. */
const char *sl_mtype_scalar(struct fy_node *n);

/* ---- for build callbacks ---- */

/* The relation of an input named as in sl_mtype_ref (or of an output). */
int sl_mtype_relation(const sl_mtype_build *b, const char *name, sl_relation *out, sl_error *err);
/* The model's own relation, and an extra output's by name. */
sl_relation sl_mtype_self(const sl_mtype_build *b);
/* Append r quoted to out (schema-qualified as the warehouse spells it). */
void sl_mtype_relation_sql(const sl_mtype_build *b, sl_relation r, sl_buf *out);

/* Portable column types of output tables. */
typedef enum sl_mtype_coltype {
    SL_MT_TEXT,      /* TEXT / text */
    SL_MT_INTEGER,   /* INTEGER / bigint */
    SL_MT_REAL,      /* REAL / double precision */
    SL_MT_TIMESTAMP, /* TEXT 'YYYY-MM-DD HH:MM:SS' / timestamp */
    SL_MT_BOOLEAN,   /* INTEGER 0/1 / boolean ('true'/'false' cells, or '1'/'0') */
} sl_mtype_coltype;
typedef struct sl_mtype_col {
    const char *name;
    sl_mtype_coltype type;
} sl_mtype_col;

/* An output being written: created as "<identifier>__sluice_tmp" (dropped
 * first if a crash left one), filled row by row (cells as text, NULL for
 * NULL; buffered and inserted 1000 rows at a time with
 * sl_adapter_insert), then swapped in by publish: DROP the old relation,
 * RENAME the work table. All inside the build's transaction. */
typedef struct sl_mtype_table sl_mtype_table;
int sl_mtype_table_open(const sl_mtype_build *b, sl_relation r, const sl_mtype_col *cols, size_t ncols,
                        sl_mtype_table **out, sl_error *err);
/* One row: ncols cells (copied). */
int sl_mtype_table_row(sl_mtype_table *t, const char *const *cells, sl_error *err);
/* Insert the rows still buffered (before reading the work table back or
 * auditing it). */
int sl_mtype_table_flush(sl_mtype_table *t, sl_error *err);
/* The work table's relation (to read back, or to audit before publish). */
sl_relation sl_mtype_table_staged(const sl_mtype_table *t);
/* Flush, swap in, free t. rows (may be NULL): rows written. */
int sl_mtype_table_publish(sl_mtype_table *t, int64_t *rows, sl_error *err);
/* Free t without publishing (the transaction's rollback drops the work table). */
void sl_mtype_table_free(sl_mtype_table *t);

/* Whether a relation exists as a table (state of previous runs). */
int sl_mtype_exists(const sl_mtype_build *b, sl_relation r, int *exists, sl_error *err);

/* models/build.c: build a typed model (called for nodes with
 * n->mtype): opens the transaction, calls type->build, commits. */
int sl_mtype_run(sl_adapter *a, const struct sl_graph *g, size_t i, int full_refresh, const sl_mat_audit *audit,
                 sl_mat_result *res, sl_error *err);

#endif
