/*
 * type_score.c: `type: score` models (docs/gtm/scoring.md): lead scoring
 * by rules. Firmographic rules are SQL conditions evaluated in the
 * warehouse in one SELECT over the entities; behavioural rules count an
 * entity's events (one SELECT per rule, rows streamed), with a cap and an
 * exact half-life decay computed here; a grade from thresholds; an MQL
 * flag whose date (mql_at) is read back from the model's previous build,
 * so it survives reruns. Output: one row per entity with the score, the
 * grade, each rule's points and a JSON `contributions`.
 */
#include "config/yaml.h"
#include "core/mem.h"
#include "core/sqlident.h"
#include "models/gtm_spec.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct score_rule {
    char *name;
    double points;
    char *when;            /* firmographic: SQL condition on the entity row */
    int is_event;          /* behavioural: ev below */
    sl_gtms_input ev;
    int has_max;
    double max;
    int64_t half_life;     /* seconds; 0: no decay */
    int64_t within;        /* seconds; 0: every event */
} score_rule;

typedef struct score_grade {
    char *name;
    double min;
} score_grade;

typedef struct score_spec {
    sl_gtms_input ent;
    score_rule *rules;
    size_t nrules;
    score_grade *grades;   /* sorted by min, highest first */
    size_t ngrades;
    char *default_grade;
    int has_mql;
    double mql_threshold;
    char *as_of;           /* NULL: the build's start */
} score_spec;

static const char *const root_keys[] = {"entities", "rules", "grades", "default_grade", "mql", "as_of",
                                        "type", "name", "description", "config", NULL};
static const char *const rule_keys[] = {"name", "when", "events", "points", "max", "half_life", "within", NULL};
static const char *const event_extra[] = {"time", "where", NULL};
static const char *const event_required[] = {"time", NULL};
static const char *const reserved[] = {"score", "grade", "is_mql", "mql_at", "contributions", NULL};

static void score_free(void *v)
{
    score_spec *s = v;
    if (!s)
        return;
    sl_gtms_input_free(&s->ent);
    for (size_t i = 0; i < s->nrules; i++) {
        sl_free(s->rules[i].name);
        sl_free(s->rules[i].when);
        sl_gtms_input_free(&s->rules[i].ev);
    }
    sl_free(s->rules);
    for (size_t i = 0; i < s->ngrades; i++)
        sl_free(s->grades[i].name);
    sl_free(s->grades);
    sl_free(s->default_grade);
    sl_free(s->as_of);
    sl_free(s);
}

static int parse_rule(const sl_mtype_parse *p, struct fy_node *m, score_spec *s, score_rule *r)
{
    size_t before = p->d->n;
    if (!fy_node_is_mapping(m)) {
        sl_diags_add(p->d, sl_yaml_loc(m, p->file),
                     "rules: each rule must be a mapping (name, points, when or events)");
        return -1;
    }
    struct fy_node *events = NULL, *name_node = NULL, *points = NULL, *aging = NULL, *maxn = NULL;
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(m, &it)) != NULL) {
        struct fy_node *kn = fy_node_pair_key(pr), *vn = fy_node_pair_value(pr);
        const char *k = sl_mtype_scalar(kn);
        if (!k) {
            sl_mtype_unknown_key(p, kn, "?", rule_keys);
        } else if (strcmp(k, "name") == 0) {
            name_node = vn;
            const char *n = sl_mtype_scalar(vn);
            if (!sl_gtms_name_ok(n))
                sl_diags_add(p->d, sl_yaml_loc(vn, p->file),
                             "rule name '%s': use letters, digits and _ (it names the column points_<name>)",
                             n ? n : "?");
            else
                r->name = sl_strdup(n);
        } else if (strcmp(k, "when") == 0) {
            const char *w = sl_mtype_scalar(vn);
            if (!w || !*w)
                sl_diags_add(p->d, sl_yaml_loc(vn, p->file), "when: must be a SQL condition");
            else
                r->when = sl_strdup(w);
        } else if (strcmp(k, "events") == 0) {
            events = vn;
            r->is_event = 1;
            sl_gtms_input_parse(p, vn, "events", event_extra, event_required, &r->ev);
        } else if (strcmp(k, "points") == 0) {
            points = vn;
            sl_gtms_number(p, vn, "points", &r->points);
        } else if (strcmp(k, "max") == 0) {
            maxn = kn;
            if (sl_gtms_number(p, vn, "max", &r->max) == 0) {
                r->has_max = 1;
                if (r->max < 0)
                    sl_diags_add(p->d, sl_yaml_loc(vn, p->file), "max: must be >= 0 (it caps the absolute value)");
            }
        } else if (strcmp(k, "half_life") == 0) {
            aging = kn;
            sl_gtms_duration(p, vn, "half_life", &r->half_life);
        } else if (strcmp(k, "within") == 0) {
            aging = kn;
            sl_gtms_duration(p, vn, "within", &r->within);
        } else {
            sl_mtype_unknown_key(p, kn, k, rule_keys);
        }
    }
    if (p->d->n != before)
        return -1;
    if (!name_node)
        sl_diags_add(p->d, sl_yaml_loc(m, p->file), "a rule needs name:");
    else if (!points)
        sl_diags_add(p->d, sl_yaml_loc(m, p->file), "rule %s needs points:", r->name);
    else if (!!r->when == !!events)
        sl_diags_add(p->d, sl_yaml_loc(m, p->file), "rule %s needs one of when: (a condition) or events:", r->name);
    else if (!events && (aging || maxn))
        sl_diags_add(p->d, sl_yaml_loc(aging ? aging : maxn, p->file),
                     "rule %s: max, half_life and within apply to events: rules only", r->name);
    for (size_t i = 0; r->name && i < s->nrules; i++)
        if (strcmp(s->rules[i].name, r->name) == 0)
            sl_diags_add(p->d, sl_yaml_loc(name_node, p->file), "two rules are called '%s'", r->name);
    return p->d->n == before ? 0 : -1;
}

static int grade_cmp(const void *a, const void *b)
{
    const score_grade *x = a, *y = b;
    return x->min < y->min ? 1 : x->min > y->min ? -1 : 0;
}

static void *score_parse(const sl_mtype_parse *p, struct fy_node *root)
{
    score_spec *s = sl_calloc(1, sizeof *s);
    size_t before = p->d->n;
    struct fy_node *ent = NULL, *rules = NULL;
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(root, &it)) != NULL) {
        struct fy_node *kn = fy_node_pair_key(pr), *vn = fy_node_pair_value(pr);
        const char *k = sl_mtype_scalar(kn);
        if (k && sl_mtype_common_key(k))
            continue;
        if (!k) {
            sl_mtype_unknown_key(p, kn, "?", root_keys);
        } else if (strcmp(k, "entities") == 0) {
            ent = vn;
            sl_gtms_input_parse(p, vn, "entities", NULL, NULL, &s->ent);
        } else if (strcmp(k, "rules") == 0) {
            rules = vn;
            if (!fy_node_is_sequence(vn) || fy_node_sequence_item_count(vn) == 0) {
                sl_diags_add(p->d, sl_yaml_loc(vn, p->file), "rules: must be a list of at least one rule");
                continue;
            }
            s->rules = sl_calloc((size_t)fy_node_sequence_item_count(vn), sizeof *s->rules);
            void *it2 = NULL;
            struct fy_node *e;
            while ((e = fy_node_sequence_iterate(vn, &it2)) != NULL)
                if (parse_rule(p, e, s, &s->rules[s->nrules]) == 0)
                    s->nrules++;
                else {
                    score_rule *r = &s->rules[s->nrules];
                    sl_free(r->name);
                    sl_free(r->when);
                    sl_gtms_input_free(&r->ev);
                    memset(r, 0, sizeof *r);
                }
        } else if (strcmp(k, "grades") == 0) {
            if (!fy_node_is_mapping(vn)) {
                sl_diags_add(p->d, sl_yaml_loc(vn, p->file), "grades: must be a mapping {GRADE: threshold, ...}");
                continue;
            }
            s->grades = sl_calloc((size_t)fy_node_mapping_item_count(vn) + 1, sizeof *s->grades);
            void *it2 = NULL;
            struct fy_node_pair *g;
            while ((g = fy_node_mapping_iterate(vn, &it2)) != NULL) {
                const char *gn = sl_mtype_scalar(fy_node_pair_key(g));
                double x;
                if (sl_gtms_number(p, fy_node_pair_value(g), "grade threshold", &x) < 0 || !gn)
                    continue;
                s->grades[s->ngrades].name = sl_strdup(gn);
                s->grades[s->ngrades++].min = x;
            }
            qsort(s->grades, s->ngrades, sizeof *s->grades, grade_cmp);
        } else if (strcmp(k, "default_grade") == 0) {
            const char *g = sl_mtype_scalar(vn);
            if (!g)
                sl_diags_add(p->d, sl_yaml_loc(vn, p->file), "default_grade: must be a string");
            else
                s->default_grade = sl_strdup(g);
        } else if (strcmp(k, "mql") == 0) {
            struct fy_node *t = fy_node_is_mapping(vn) ? fy_node_mapping_lookup_by_string(vn, "threshold", -1) : NULL;
            if (!t) {
                sl_diags_add(p->d, sl_yaml_loc(vn, p->file), "mql: must be a mapping {threshold: N}");
                continue;
            }
            void *it2 = NULL;
            struct fy_node_pair *q;
            static const char *const mql_keys[] = {"threshold", NULL};
            while ((q = fy_node_mapping_iterate(vn, &it2)) != NULL) {
                const char *qk = sl_mtype_scalar(fy_node_pair_key(q));
                if (!qk || strcmp(qk, "threshold") != 0)
                    sl_mtype_unknown_key(p, fy_node_pair_key(q), qk ? qk : "?", mql_keys);
            }
            if (sl_gtms_number(p, t, "mql.threshold", &s->mql_threshold) == 0)
                s->has_mql = 1;
        } else if (strcmp(k, "as_of") == 0) {
            sl_gtms_timestamp(p, vn, "as_of", &s->as_of);
        } else {
            sl_mtype_unknown_key(p, kn, k, root_keys);
        }
    }
    struct fy_node *tn = fy_node_mapping_lookup_by_string(root, "type", -1);
    if (!ent)
        sl_diags_add(p->d, sl_yaml_loc(tn, p->file), "a score model needs entities: {from: NAME, key: COLUMN}");
    if (!rules)
        sl_diags_add(p->d, sl_yaml_loc(tn, p->file), "a score model needs rules: (a list of rules)");
    if (s->ent.key) {
        int bad = 0;
        for (size_t i = 0; reserved[i]; i++)
            bad |= strcmp(reserved[i], s->ent.key) == 0;
        for (size_t i = 0; i < s->nrules; i++)
            bad |= strncmp(s->ent.key, "points_", 7) == 0 && strcmp(s->ent.key + 7, s->rules[i].name) == 0;
        if (bad)
            sl_diags_add(p->d, sl_yaml_loc(ent, p->file),
                         "entities.key '%s' is the name of an output column: use a SQL model that renames it",
                         s->ent.key);
    }
    if (!s->default_grade)
        s->default_grade = sl_strdup("D");
    if (p->d->n != before) {
        score_free(s);
        return NULL;
    }
    return s;
}

/* ---- build ---- */

typedef struct score_run {
    const sl_mtype_build *b;
    score_spec *s;
    sl_gtms_keys keys;
    double *pts;          /* keys.n x nrules raw contributions */
    char **mql_at;        /* keys.n: previous mql_at (owned) or NULL */
    size_t cap;
    int64_t as_of;
    size_t rule;          /* the events rule being read */
    char *dup;            /* a key seen twice */
    char *bad_time;       /* an event time that is not a time: the read stops, the build fails naming it */
} score_run;

static void grow(score_run *R)
{
    if (R->keys.n < R->cap)
        return;
    size_t nc = R->cap ? R->cap * 2 : 256;
    R->pts = sl_realloc(R->pts, nc * (R->s->nrules ? R->s->nrules : 1) * sizeof *R->pts);
    R->mql_at = sl_realloc(R->mql_at, nc * sizeof *R->mql_at);
    R->cap = nc;
}

static int on_entity(void *ctx, size_t ncols, const char *const *names, const char *const *cells)
{
    (void)names;
    score_run *R = ctx;
    if (!cells[0])
        return 0;
    long k = sl_gtms_keys_add(&R->keys, cells[0]);
    if (k < 0) {
        R->dup = sl_strdup(cells[0]);
        return 1;
    }
    grow(R);
    R->mql_at[k] = NULL;
    double *row = R->pts + (size_t)k * R->s->nrules;
    for (size_t i = 0, c = 1; i < R->s->nrules; i++) {
        row[i] = 0;
        if (!R->s->rules[i].is_event && c < ncols) {
            const char *v = cells[c++];
            if (v && strtod(v, NULL) != 0)
                row[i] = R->s->rules[i].points;
        }
    }
    return 0;
}

static int on_event(void *ctx, size_t ncols, const char *const *names, const char *const *cells)
{
    (void)names;
    (void)ncols;
    score_run *R = ctx;
    const score_rule *r = &R->s->rules[R->rule];
    long k = cells[0] ? sl_gtms_keys_find(&R->keys, cells[0]) : -1;
    if (k < 0)
        return 0;
    double w = 1;
    int64_t t;
    if (cells[1] && *cells[1] && sl_gtms_time_parse(cells[1], &t) < 0) {
        R->bad_time = sl_strdup(cells[1]);
        return 1; /* stop: a build never guesses a time */
    }
    if (!cells[1] || !*cells[1]) {
        if (r->half_life || r->within)
            return 0; /* no time: no age to decay or window by */
    } else {
        int64_t age = R->as_of - t;
        if (age < 0)
            return 0; /* after as_of */
        if (r->within && age > r->within)
            return 0;
        if (r->half_life)
            w = pow(0.5, (double)age / (double)r->half_life);
    }
    R->pts[(size_t)k * R->s->nrules + R->rule] += r->points * w;
    return 0;
}

static int on_prev(void *ctx, size_t ncols, const char *const *names, const char *const *cells)
{
    (void)names;
    (void)ncols;
    score_run *R = ctx;
    long k = cells[0] ? sl_gtms_keys_find(&R->keys, cells[0]) : -1;
    int64_t t;
    if (k >= 0 && cells[1] && sl_gtms_time_parse(cells[1], &t) == 0 && !R->mql_at[k]) {
        char buf[32];
        sl_gtms_time_format(t, buf, sizeof buf);
        R->mql_at[k] = sl_strdup(buf);
    }
    return 0;
}

static double round2(double x)
{
    double r = round(x * 100.0) / 100.0;
    return r == 0 ? 0 : r; /* no -0 */
}

/* "12.5", "20", "-50": the shortest of %.2f */
static void fmt_num(double x, char *out, size_t cap)
{
    snprintf(out, cap, "%.2f", x);
    char *dot = strchr(out, '.');
    if (dot) {
        char *e = out + strlen(out) - 1;
        while (e > dot && *e == '0')
            *e-- = 0;
        if (e == dot)
            *e = 0;
    }
}

static int noop_row(void *ctx, size_t ncols, const char *const *names, const char *const *cells)
{
    (void)ctx;
    (void)ncols;
    (void)names;
    (void)cells;
    return 0;
}

/* Each condition alone first (LIMIT 0: the warehouse prepares it, reads
 * nothing), so one the warehouse refuses is named by its rule. */
static int check_rules(score_run *R, sl_relation rel, sl_error *err)
{
    for (size_t i = 0; i < R->s->nrules; i++) {
        if (R->s->rules[i].is_event)
            continue;
        sl_buf sql;
        sl_buf_init(&sql);
        sl_buf_adds(&sql, "SELECT ");
        sl_gtms_case_sql(&sql, R->s->rules[i].when);
        sl_buf_adds(&sql, " FROM ");
        sl_mtype_relation_sql(R->b, rel, &sql);
        sl_buf_adds(&sql, " LIMIT 0");
        int rc = sl_adapter_query(R->b->a, sql.data, 1, noop_row, NULL, err);
        sl_buf_release(&sql);
        if (rc < 0)
            return sl_error_prefix(err, "model %s: rule %s", R->b->n->name, R->s->rules[i].name);
    }
    return 0;
}

static int read_entities(score_run *R, sl_relation rel, sl_error *err)
{
    if (check_rules(R, rel, err) < 0)
        return -1;
    sl_buf sql;
    sl_buf_init(&sql);
    sl_buf_adds(&sql, "SELECT ");
    sl_gtms_text_sql(&sql, R->s->ent.key);
    for (size_t i = 0; i < R->s->nrules; i++) {
        if (R->s->rules[i].is_event)
            continue;
        sl_buf_adds(&sql, ", ");
        sl_gtms_case_sql(&sql, R->s->rules[i].when);
    }
    sl_buf_adds(&sql, " FROM ");
    sl_mtype_relation_sql(R->b, rel, &sql);
    int rc = sl_adapter_query(R->b->a, sql.data, 0, on_entity, R, err);
    sl_buf_release(&sql);
    if (rc < 0)
        return sl_error_prefix(err, "model %s", R->b->n->name);
    if (R->dup)
        return sl_error_set(err, SL_EDATA, "model %s: input '%s' has %s = '%s' twice (entities must be unique)",
                            R->b->n->name, R->s->ent.from, R->s->ent.key, R->dup);
    return 0;
}

static int read_events(score_run *R, size_t i, sl_error *err)
{
    const score_rule *r = &R->s->rules[i];
    sl_relation rel;
    const char *cols[] = {r->ev.key, r->ev.time, NULL};
    char what[256];
    snprintf(what, sizeof what, "rule %s", r->name);
    if (sl_gtms_input_check(R->b, r->ev.from, cols, &rel, NULL, err) < 0)
        return sl_gtms_error_in(err, R->b->n->name, what);
    sl_buf sql;
    sl_buf_init(&sql);
    sl_buf_adds(&sql, "SELECT ");
    sl_gtms_text_sql(&sql, r->ev.key);
    sl_buf_adds(&sql, ", ");
    sl_gtms_text_sql(&sql, r->ev.time);
    sl_buf_adds(&sql, " FROM ");
    sl_mtype_relation_sql(R->b, rel, &sql);
    sl_buf_adds(&sql, " WHERE ");
    sl_sql_ident(&sql, r->ev.key);
    sl_buf_adds(&sql, " IS NOT NULL");
    if (r->ev.where) {
        sl_buf_adds(&sql, " AND (");
        sl_buf_adds(&sql, r->ev.where);
        sl_buf_adds(&sql, ")");
    }
    R->rule = i;
    int rc = sl_adapter_query(R->b->a, sql.data, 0, on_event, R, err);
    sl_buf_release(&sql);
    if (rc == 0 && R->bad_time) {
        rc = sl_error_set(err, SL_EDATA, "model %s: rule %s: events %s: column %s holds '%.60s', not a time",
                          R->b->n->name, r->name, r->ev.from, r->ev.time, R->bad_time);
        sl_free(R->bad_time);
        R->bad_time = NULL;
        return rc;
    }
    if (rc < 0)
        return sl_error_prefix(err, "model %s: rule %s", R->b->n->name, r->name);
    return 0;
}

/* mql_at of the previous build, when the model's table has it. */
static int read_previous(score_run *R, sl_error *err)
{
    sl_relation self = sl_mtype_self(R->b);
    int exists = 0;
    if (sl_mtype_exists(R->b, self, &exists, err) < 0 || !exists)
        return exists ? -1 : 0;
    sl_adapter_column *c = NULL;
    size_t n = 0;
    if (sl_adapter_columns(R->b->a, self, &c, &n, err) < 0)
        return -1;
    int have_key = 0, have_mql = 0;
    for (size_t i = 0; i < n; i++) {
        have_key |= strcmp(c[i].name, R->s->ent.key) == 0;
        have_mql |= strcmp(c[i].name, "mql_at") == 0;
    }
    sl_adapter_columns_free(c, n);
    if (!have_key || !have_mql)
        return 0;
    sl_buf sql;
    sl_buf_init(&sql);
    sl_buf_adds(&sql, "SELECT ");
    sl_gtms_text_sql(&sql, R->s->ent.key);
    sl_buf_adds(&sql, ", ");
    sl_gtms_text_sql(&sql, "mql_at");
    sl_buf_adds(&sql, " FROM ");
    sl_mtype_relation_sql(R->b, self, &sql);
    sl_buf_adds(&sql, " WHERE mql_at IS NOT NULL");
    int rc = sl_adapter_query(R->b->a, sql.data, 0, on_prev, R, err);
    sl_buf_release(&sql);
    return rc;
}

static int write_output(score_run *R, int key_integer, sl_mat_result *res, sl_error *err)
{
    const score_spec *s = R->s;
    size_t ncols = 6 + s->nrules;
    sl_mtype_col *cols = sl_calloc(ncols, sizeof *cols);
    char **colnames = sl_calloc(s->nrules, sizeof *colnames);
    cols[0] = (sl_mtype_col){s->ent.key, key_integer ? SL_MT_INTEGER : SL_MT_TEXT};
    cols[1] = (sl_mtype_col){"score", SL_MT_REAL};
    cols[2] = (sl_mtype_col){"grade", SL_MT_TEXT};
    cols[3] = (sl_mtype_col){"is_mql", SL_MT_BOOLEAN};
    cols[4] = (sl_mtype_col){"mql_at", SL_MT_TIMESTAMP};
    for (size_t i = 0; i < s->nrules; i++) {
        size_t n = strlen(s->rules[i].name) + 8;
        colnames[i] = sl_calloc(1, n);
        snprintf(colnames[i], n, "points_%s", s->rules[i].name);
        cols[5 + i] = (sl_mtype_col){colnames[i], SL_MT_REAL};
    }
    cols[5 + s->nrules] = (sl_mtype_col){"contributions", SL_MT_TEXT};
    sl_mtype_table *t = NULL;
    int rc = sl_mtype_table_open(R->b, sl_mtype_self(R->b), cols, ncols, &t, err);
    const char **cells = sl_calloc(ncols, sizeof *cells);
    char (*nums)[32] = sl_calloc(s->nrules + 1, sizeof *nums);
    char as_of_text[32];
    sl_gtms_time_format(R->as_of, as_of_text, sizeof as_of_text);
    sl_buf json;
    sl_buf_init(&json);
    int64_t mqls = 0;
    for (size_t k = 0; rc == 0 && k < R->keys.n; k++) {
        double *row = R->pts + k * s->nrules, score = 0;
        sl_buf_reset(&json);
        sl_buf_addc(&json, '{');
        for (size_t i = 0; i < s->nrules; i++) {
            const score_rule *r = &s->rules[i];
            double x = row[i];
            if (r->has_max && fabs(x) > r->max)
                x = x < 0 ? -r->max : r->max;
            x = round2(x);
            score += x;
            fmt_num(x, nums[i], sizeof nums[i]);
            cells[5 + i] = nums[i];
            if (x != 0) {
                if (json.len > 1)
                    sl_buf_addc(&json, ',');
                sl_buf_add_json_str(&json, r->name, strlen(r->name));
                sl_buf_addf(&json, ":%s", nums[i]);
            }
        }
        sl_buf_addc(&json, '}');
        score = round2(score);
        fmt_num(score, nums[s->nrules], sizeof nums[s->nrules]);
        const char *grade = s->default_grade;
        for (size_t g = 0; g < s->ngrades; g++)
            if (score >= s->grades[g].min) {
                grade = s->grades[g].name;
                break;
            }
        int is_mql = s->has_mql && score >= s->mql_threshold;
        if (is_mql && !R->mql_at[k])
            R->mql_at[k] = sl_strdup(as_of_text);
        mqls += is_mql;
        cells[0] = R->keys.v[k];
        cells[1] = nums[s->nrules];
        cells[2] = grade;
        cells[3] = s->has_mql ? (is_mql ? "1" : "0") : NULL;
        cells[4] = s->has_mql ? R->mql_at[k] : NULL;
        cells[5 + s->nrules] = json.data;
        rc = sl_mtype_table_row(t, cells, err);
    }
    sl_buf_release(&json);
    if (rc == 0 && R->b->audit && R->b->audit->fn)
        rc = R->b->audit->fn(R->b->audit->ctx, R->b->a, sl_mtype_table_staged(t), err);
    int64_t rows = 0;
    if (rc == 0) {
        rc = sl_mtype_table_publish(t, &rows, err);
        t = NULL;
    }
    sl_mtype_table_free(t);
    if (rc == 0) {
        res->rows_affected = rows;
        snprintf(res->message, sizeof res->message, "SCORE %lld entities, %lld MQL", (long long)rows,
                 (long long)mqls);
    }
    for (size_t i = 0; i < s->nrules; i++)
        sl_free(colnames[i]);
    sl_free(colnames);
    sl_free(cols);
    sl_free(cells);
    sl_free(nums);
    return rc;
}

static int score_build(const sl_mtype_build *b, sl_mat_result *res, sl_error *err)
{
    score_spec *s = b->spec;
    score_run R = {0};
    R.b = b;
    R.s = s;
    sl_gtms_keys_init(&R.keys);
    const char *asof = s->as_of ? s->as_of : b->run_started_at;
    int rc = sl_gtms_time_parse(asof, &R.as_of) < 0
                 ? sl_error_set(err, SL_EINTERNAL, "model %s: bad as_of '%s'", b->n->name, asof)
                 : 0;
    sl_relation rel;
    int key_integer = 0;
    const char *kc[] = {s->ent.key, NULL};
    if (rc == 0)
        rc = sl_gtms_input_check(b, s->ent.from, kc, &rel, &key_integer, err);
    if (rc == 0)
        rc = read_entities(&R, rel, err);
    for (size_t i = 0; rc == 0 && i < s->nrules; i++)
        if (s->rules[i].is_event)
            rc = read_events(&R, i, err);
    if (rc == 0 && s->has_mql && !b->full_refresh && read_previous(&R, err) < 0)
        rc = sl_error_prefix(err, "model %s: reading its previous mql_at", b->n->name);
    if (rc == 0)
        rc = write_output(&R, key_integer, res, err);
    for (size_t k = 0; k < R.keys.n; k++)
        sl_free(R.mql_at[k]);
    sl_free(R.mql_at);
    sl_free(R.pts);
    sl_free(R.dup);
    sl_free(R.bad_time);
    sl_gtms_keys_release(&R.keys);
    return rc;
}

const sl_mtype sl_mtype_score = {"score",
                                 "lead scoring by rules: points, grade, MQL flag and date (docs/gtm/scoring.md)",
                                 score_parse, score_build, score_free};
