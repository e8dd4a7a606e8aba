/*
 * type_identity_int.h: the parsed spec of a `type: identity` model
 * (docs/gtm/identity.md), shared by its parser (type_identity.c) and its
 * build (type_identity_build.c).
 */
#ifndef SL_MODELS_TYPE_IDENTITY_INT_H
#define SL_MODELS_TYPE_IDENTITY_INT_H
#include "models/mtype.h"
#include <stdint.h>

typedef enum { ID_NORM_TEXT, ID_NORM_CASEFOLD, ID_NORM_EMAIL, ID_NORM_CANONICAL, ID_NORM_PHONE, ID_NORM_DOMAIN } id_norm;
typedef enum { ID_SURV_RECENT, ID_SURV_FREQUENT, ID_SURV_PRIORITY } id_surv;

typedef struct id_input {
    char *from;        /* ref() name */
    char *source;      /* label (default: from) */
    char *seen_at;     /* column or NULL */
    size_t nid;
    char **id_cols;    /* column per identifier */
    uint32_t *id_type; /* index into spec types */
    size_t ntraits;
    char **trait_cols;
    uint32_t *trait_idx; /* index into spec traits */
} id_input;

typedef struct id_type {
    char *name;        /* sorted by name: the type index orders identifiers */
    id_norm norm;
    int64_t shared;    /* shared_threshold for this (other) type */
} id_type;

typedef struct id_trait {
    char *name;
    id_surv rule;
    char **priority;   /* source_priority: source labels */
    size_t npriority;
} id_trait;

typedef struct id_spec {
    char *name;                 /* the model's name */
    char *map_name, *merges_name;
    id_input *in;
    size_t nin;
    id_type *types;
    size_t ntypes;
    id_trait *traits;
    size_t ntraits;
    char *region;               /* default_region or NULL */
    char **exclude;             /* globs (defaults included unless exclude_defaults: false) */
    size_t nexclude;
    int account;                /* level: account */
    uint32_t max_component;
} id_spec;

int sl_identity_build(const sl_mtype_build *b, sl_mat_result *res, sl_error *err);

#endif
