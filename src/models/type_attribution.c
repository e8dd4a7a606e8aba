/*
 * type_attribution.c: the `type: attribution` model (docs/gtm/attribution.md):
 * its spec (parse: every key checked, with a did-you-mean for unknown ones;
 * inputs declared as DAG edges) and the model type itself. The build
 * (inputs read by entity, credited by gtm/attribution.c, written to the
 * model's relation) is type_attribution_build.c.
 */
#include "config/yaml.h"
#include "core/mem.h"
#include "models/type_attribution.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the spec ---- */

const char *const sl_attr_tp_keys[] = {"from", "entity", "time", "channel", "campaign", "cost", NULL};
const char *const sl_attr_cv_keys[] = {"from", "id", "entity", "time", "value", NULL};
const char *const sl_attr_ms_keys[] = {"from", "entity", "time", "column", NULL};
static const char *const root_keys[] = {"touchpoints", "conversions",    "milestones", "lookback", "models",
                                        "time_decay",  "position_based", "w_shaped",   "direct_channels", NULL};

static void spec_free(void *v)
{
    attr_spec *s = v;
    if (!s)
        return;
    for (int i = 0; i < TP_N; i++)
        sl_free(s->tp[i]);
    for (int i = 0; i < CV_N; i++)
        sl_free(s->cv[i]);
    for (int m = 0; m < 2; m++)
        for (int i = 0; i < MS_N; i++)
            sl_free(s->ms[m][i]);
    for (size_t i = 0; i < s->ndirect; i++)
        sl_free(s->direct[i]);
    sl_free(s->direct);
    sl_free(s);
}

static sl_loc loc_of(const sl_mtype_parse *p, struct fy_node *n)
{
    return sl_yaml_loc(n, p->file);
}

/* A mapping of column names: vals[i] for keys[i] (copies); required is a
 * bit mask of the keys that must be there. */
static void parse_columns(const sl_mtype_parse *p, struct fy_node *map, const char *what, const char *const *keys,
                          unsigned required, char **vals)
{
    if (!fy_node_is_mapping(map)) {
        sl_diags_add(p->d, loc_of(p, map), "%s: must be a mapping (from: RELATION, and its columns)", what);
        return;
    }
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(map, &it)) != NULL) {
        struct fy_node *kn = fy_node_pair_key(pr), *vn = fy_node_pair_value(pr);
        const char *k = sl_mtype_scalar(kn);
        int i = 0;
        while (k && keys[i] && strcmp(keys[i], k) != 0)
            i++;
        if (!k || !keys[i]) {
            sl_mtype_unknown_key(p, kn, k ? k : "?", keys);
            continue;
        }
        const char *v = sl_mtype_scalar(vn);
        if (!v || !*v) {
            sl_diags_add(p->d, loc_of(p, vn ? vn : kn), "%s.%s: must be a %s name", what, k,
                         i == 0 ? "relation" : "column");
            continue;
        }
        sl_free(vals[i]);
        vals[i] = sl_strdup(v);
        if (i == 0)
            sl_mtype_ref(p, v, vn);
    }
    for (int i = 0; keys[i]; i++)
        if ((required >> i & 1) && !vals[i])
            sl_diags_add(p->d, loc_of(p, map), "%s: needs '%s'", what, keys[i]);
}

/* A share in [0, 1] */
static int parse_share(const sl_mtype_parse *p, struct fy_node *vn, const char *what, double *out)
{
    const char *v = sl_mtype_scalar(vn);
    char *end = NULL;
    double x = v ? strtod(v, &end) : NAN;
    if (!v || end == v || *end || !(x >= 0 && x <= 1)) {
        sl_diags_add(p->d, loc_of(p, vn), "%s: must be a number from 0 to 1", what);
        return -1;
    }
    *out = x;
    return 0;
}

static int parse_duration(const sl_mtype_parse *p, struct fy_node *vn, const char *what, double *out)
{
    const char *v = sl_mtype_scalar(vn);
    int64_t s = v ? sl_parse_duration(v) : -1;
    if (s <= 0) {
        sl_diags_add(p->d, loc_of(p, vn), "%s: must be a duration such as 90d, 36h or 1d12h", what);
        return -1;
    }
    *out = (double)s;
    return 0;
}

/* A mapping of shares: the keys given set vals[i]; their sum must be <= 1. */
static void parse_shares(const sl_mtype_parse *p, struct fy_node *map, const char *what, const char *const *keys,
                         double **vals)
{
    if (!fy_node_is_mapping(map)) {
        sl_diags_add(p->d, loc_of(p, map), "%s: must be a mapping", what);
        return;
    }
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(map, &it)) != NULL) {
        struct fy_node *kn = fy_node_pair_key(pr);
        const char *k = sl_mtype_scalar(kn);
        int i = 0;
        while (k && keys[i] && strcmp(keys[i], k) != 0)
            i++;
        if (!k || !keys[i]) {
            sl_mtype_unknown_key(p, kn, k ? k : "?", keys);
            continue;
        }
        char w[64];
        snprintf(w, sizeof w, "%s.%s", what, k);
        parse_share(p, fy_node_pair_value(pr), w, vals[i]);
    }
    double sum = 0;
    for (int i = 0; keys[i]; i++)
        sum += *vals[i];
    if (sum > 1 + 1e-9)
        sl_diags_add(p->d, loc_of(p, map), "%s: the shares add up to %g, more than 1", what, sum);
}

static void parse_milestones(const sl_mtype_parse *p, attr_spec *s, struct fy_node *map)
{
    static const char *const names[] = {"lead_created", "opportunity_created", NULL};
    if (!fy_node_is_mapping(map)) {
        sl_diags_add(p->d, loc_of(p, map), "milestones: must be a mapping (lead_created, opportunity_created)");
        return;
    }
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(map, &it)) != NULL) {
        struct fy_node *kn = fy_node_pair_key(pr), *vn = fy_node_pair_value(pr);
        const char *k = sl_mtype_scalar(kn);
        int m = k && strcmp(k, names[0]) == 0 ? 0 : k && strcmp(k, names[1]) == 0 ? 1 : -1;
        if (m < 0) {
            sl_mtype_unknown_key(p, kn, k ? k : "?", names);
            continue;
        }
        char what[64];
        snprintf(what, sizeof what, "milestones.%s", k);
        parse_columns(p, vn, what, sl_attr_ms_keys, 0, s->ms[m]);
        char **c = s->ms[m];
        int from = c[MS_FROM] || c[MS_ENTITY] || c[MS_TIME];
        if (c[MS_COLUMN] && from)
            sl_diags_add(p->d, loc_of(p, vn), "%s: either column: (of the conversions) or from:, entity:, time:, not both",
                         what);
        else if (!c[MS_COLUMN] && !(c[MS_FROM] && c[MS_ENTITY] && c[MS_TIME]))
            sl_diags_add(p->d, loc_of(p, vn), "%s: needs column: (of the conversions) or from:, entity: and time:",
                         what);
    }
}

static void parse_models(const sl_mtype_parse *p, attr_spec *s, struct fy_node *seq)
{
    if (!fy_node_is_sequence(seq)) {
        sl_diags_add(p->d, loc_of(p, seq), "models: must be a list of attribution models (%s, ...)",
                     sl_attr_model_name(0));
        return;
    }
    const char *const *names = sl_attr_model_names();
    size_t nn = 0;
    while (names[nn])
        nn++;
    s->nmodels = 0;
    void *it = NULL;
    struct fy_node *e;
    while ((e = fy_node_sequence_iterate(seq, &it)) != NULL) {
        const char *v = sl_mtype_scalar(e);
        int m = sl_attr_model_find(v);
        if (m < 0) {
            const char *sug = v ? sl_suggest(v, names, nn) : NULL;
            sl_diags_add(p->d, loc_of(p, e), "models: '%s' is not an attribution model (%s, %s, %s, %s, %s, %s, %s)%s%s%s",
                         v ? v : "?", names[0], names[1], names[2], names[3], names[4], names[5], names[6],
                         sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
            continue;
        }
        int dup = 0;
        for (size_t i = 0; i < s->nmodels; i++)
            dup |= s->models[i] == m;
        if (dup) {
            sl_diags_add(p->d, loc_of(p, e), "models: '%s' is listed twice", v);
            continue;
        }
        s->models[s->nmodels++] = m;
    }
    if (s->nmodels == 0)
        sl_diags_add(p->d, loc_of(p, seq), "models: needs at least one attribution model");
}

static void parse_direct(const sl_mtype_parse *p, attr_spec *s, struct fy_node *seq)
{
    if (!fy_node_is_sequence(seq)) {
        sl_diags_add(p->d, loc_of(p, seq), "direct_channels: must be a list of channel names");
        return;
    }
    void *it = NULL;
    struct fy_node *e;
    while ((e = fy_node_sequence_iterate(seq, &it)) != NULL) {
        const char *v = sl_mtype_scalar(e);
        if (!v) {
            sl_diags_add(p->d, loc_of(p, e), "direct_channels: must be a list of channel names");
            continue;
        }
        SL_GROW(s->direct, s->cdirect, s->ndirect + 1);
        s->direct[s->ndirect++] = sl_strdup(v);
    }
}

static void *attr_parse(const sl_mtype_parse *p, struct fy_node *root)
{
    size_t before = p->d->n;
    attr_spec *s = sl_calloc(1, sizeof *s);
    sl_attr_params_default(&s->params);
    s->lookback_s = 90 * 86400.0;
    for (int i = 0; i < SL_ATTR_NMODELS; i++)
        s->models[i] = i;
    s->nmodels = SL_ATTR_NMODELS;
    struct fy_node *tp = NULL, *cv = NULL, *direct = NULL;
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(root, &it)) != NULL) {
        struct fy_node *kn = fy_node_pair_key(pr), *vn = fy_node_pair_value(pr);
        const char *k = sl_mtype_scalar(kn);
        if (!k)
            continue;
        if (sl_mtype_common_key(k))
            continue;
        if (strcmp(k, "touchpoints") == 0) {
            tp = vn;
            parse_columns(p, vn, k, sl_attr_tp_keys, 1u << TP_FROM | 1u << TP_ENTITY | 1u << TP_TIME | 1u << TP_CHANNEL,
                          s->tp);
        } else if (strcmp(k, "conversions") == 0) {
            cv = vn;
            parse_columns(p, vn, k, sl_attr_cv_keys, 1u << CV_FROM | 1u << CV_ID | 1u << CV_ENTITY | 1u << CV_TIME, s->cv);
        } else if (strcmp(k, "milestones") == 0) {
            parse_milestones(p, s, vn);
        } else if (strcmp(k, "lookback") == 0) {
            parse_duration(p, vn, k, &s->lookback_s);
        } else if (strcmp(k, "models") == 0) {
            parse_models(p, s, vn);
        } else if (strcmp(k, "time_decay") == 0) {
            static const char *const keys[] = {"half_life", NULL};
            if (!fy_node_is_mapping(vn)) {
                sl_diags_add(p->d, loc_of(p, vn), "time_decay: must be a mapping (half_life: 7d)");
                continue;
            }
            void *it2 = NULL;
            struct fy_node_pair *q;
            while ((q = fy_node_mapping_iterate(vn, &it2)) != NULL) {
                const char *k2 = sl_mtype_scalar(fy_node_pair_key(q));
                if (k2 && strcmp(k2, "half_life") == 0)
                    parse_duration(p, fy_node_pair_value(q), "time_decay.half_life", &s->params.half_life_s);
                else
                    sl_mtype_unknown_key(p, fy_node_pair_key(q), k2 ? k2 : "?", keys);
            }
        } else if (strcmp(k, "position_based") == 0) {
            static const char *const keys[] = {"first", "last", NULL};
            double *vals[] = {&s->params.pb_first, &s->params.pb_last};
            parse_shares(p, vn, k, keys, vals);
        } else if (strcmp(k, "w_shaped") == 0) {
            static const char *const keys[] = {"first", "lead", "opportunity", NULL};
            double *vals[] = {&s->params.w_first, &s->params.w_lead, &s->params.w_opp};
            parse_shares(p, vn, k, keys, vals);
        } else if (strcmp(k, "direct_channels") == 0) {
            direct = vn;
            parse_direct(p, s, vn);
        } else {
            sl_mtype_unknown_key(p, kn, k, root_keys);
        }
    }
    struct fy_node *type = fy_node_mapping_lookup_by_string(root, "type", -1);
    if (!tp)
        sl_diags_add(p->d, loc_of(p, type), "an attribution model needs touchpoints: {from, entity, time, channel}");
    if (!cv)
        sl_diags_add(p->d, loc_of(p, type), "an attribution model needs conversions: {from, id, entity, time}");
    if (direct) {
        s->params.direct = (const char *const *)s->direct;
        s->params.ndirect = s->ndirect;
    }
    if (p->d->n != before) {
        spec_free(s);
        return NULL;
    }
    return s;
}

const sl_mtype sl_mtype_attribution = {"attribution", "multi-touch attribution of conversions to touchpoints",
                                       attr_parse, sl_mtype_attribution_build, spec_free};
