/*
 * type_attribution.h: what the two halves of the attribution model share
 * (private to models/): the parsed spec. type_attribution.c reads it from
 * the YAML, type_attribution_build.c builds the output from it
 * (docs/gtm/attribution.md).
 */
#ifndef SL_MODELS_TYPE_ATTRIBUTION_H
#define SL_MODELS_TYPE_ATTRIBUTION_H
#include "gtm/attribution.h"
#include "models/mtype.h"

/* The column keys of each input (index 0 is always `from`). */
enum { TP_FROM, TP_ENTITY, TP_TIME, TP_CHANNEL, TP_CAMPAIGN, TP_COST, TP_N };
extern const char *const sl_attr_tp_keys[];
enum { CV_FROM, CV_ID, CV_ENTITY, CV_TIME, CV_VALUE, CV_N };
extern const char *const sl_attr_cv_keys[];
enum { MS_FROM, MS_ENTITY, MS_TIME, MS_COLUMN, MS_N };
extern const char *const sl_attr_ms_keys[];

/* A parsed spec (defaults filled in); strings owned. */
typedef struct attr_spec {
    char *tp[TP_N];
    char *cv[CV_N];
    char *ms[2][MS_N]; /* [0] lead_created, [1] opportunity_created */
    double lookback_s;
    int models[SL_ATTR_NMODELS];
    size_t nmodels;
    sl_attr_params params;
    char **direct;
    size_t ndirect, cdirect;
} attr_spec;

/* Build the model's relation from b->spec (an attr_spec). */
int sl_mtype_attribution_build(const sl_mtype_build *b, sl_mat_result *res, sl_error *err);

#endif
