/*
 * check_load.c: YAML -> sl_check (quality/check.h). A `checks:` entry is
 * written three ways: a kind alone (`- row_count`), dbt's one-key mapping
 * (`- accepted_values: {column: s, values: [a, b]}`, arguments possibly
 * under `arguments:` and `config:` as dbt 1.10 writes them, or a column
 * name alone: `- not_null: email`), or a mapping with `kind:` / `type:`.
 * Every argument is checked against the kind table (check_kinds.c):
 * unknown kinds and arguments get a "did you mean" at file:line:col,
 * missing ones are named, values are typed (numbers, shares 0..1 or "20%",
 * durations) and the combinations refused that cannot run (quarantine of
 * an aggregate or outside a pipeline, min > max, duplicate names).
 */
#include "quality/check_int.h"
#include "config/yaml.h"
#include "core/mem.h"
#include <errno.h>
#include <libfyaml.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct load_ctx {
    const char *file;
    const char *where;
    sl_diags *d;
    sl_check *c;
    const char *kname;
    uint64_t seen; /* bit per sl_check_args index: given already */
} load_ctx;

static int is_empty(struct fy_node *v)
{
    if (!v)
        return 1;
    if (!fy_node_is_scalar(v))
        return 0;
    size_t len;
    const char *s = fy_node_get_scalar(v, &len);
    if (fy_node_get_style(v) != FYNS_PLAIN)
        return 0;
    return !s || len == 0 || (len == 1 && s[0] == '~') || (len == 4 && strncmp(s, "null", 4) == 0);
}

static int parse_number(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* A share: 0..1, or a percentage "20%" (0..100%). */
static int parse_share(const char *s, double *out)
{
    size_t n = strlen(s);
    if (n > 1 && s[n - 1] == '%') {
        char *t = sl_strndup(s, n - 1);
        double v;
        int rc = parse_number(t, &v);
        sl_free(t);
        if (rc < 0 || v < 0 || v > 100)
            return -1;
        *out = v / 100;
        return 0;
    }
    double v;
    if (parse_number(s, &v) < 0 || v < 0 || v > 1)
        return -1;
    *out = v;
    return 0;
}

static int parse_count(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || errno || v < 0)
        return -1;
    *out = v;
    return 0;
}

static int parse_bool(const char *s, int *out)
{
    if (strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0 || strcasecmp(s, "on") == 0)
        return *out = 1, 0;
    if (strcasecmp(s, "false") == 0 || strcasecmp(s, "no") == 0 || strcasecmp(s, "off") == 0)
        return *out = 0, 0;
    return -1;
}

static int choice_ok(const char *choices, const char *v)
{
    size_t n = strlen(v);
    for (const char *p = choices; *p;) {
        size_t len = strcspn(p, "|");
        if (len == n && strncmp(p, v, n) == 0)
            return 1;
        p += len + (p[len] == '|');
    }
    return 0;
}

static const char *choice_suggest(const char *choices, const char *v, char *buf, size_t cap)
{
    const char *c[16];
    size_t n = 0;
    snprintf(buf, cap, "%s", choices);
    char *save = NULL;
    for (char *tok = strtok_r(buf, "|", &save); tok && n < 16; tok = strtok_r(NULL, "|", &save))
        c[n++] = tok;
    return sl_suggest(v, c, n);
}

static void add_column(sl_check *c, const char *name)
{
    c->columns = sl_realloc(c->columns, (c->ncolumns + 1) * sizeof *c->columns);
    c->columns[c->ncolumns++] = sl_strdup(name);
}

static void clear_columns(sl_check *c)
{
    for (size_t i = 0; i < c->ncolumns; i++)
        sl_free(c->columns[i]);
    sl_free(c->columns);
    c->columns = NULL;
    c->ncolumns = 0;
}

/* A list of scalars (or one scalar) into a fresh string array. */
static int read_list(load_ctx *x, const char *arg, struct fy_node *v, char ***out, size_t *n)
{
    sl_loc loc = sl_yaml_loc(v, x->file);
    if (v && fy_node_is_mapping(v)) {
        sl_diags_add(x->d, loc, "check %s: %s must be a list", x->kname, arg);
        return -1;
    }
    if (v && fy_node_is_scalar(v)) {
        char *s = sl_yaml_scalar(v, x->file, 0, x->d);
        if (!s)
            return -1;
        *out = sl_realloc(*out, (*n + 1) * sizeof **out);
        (*out)[(*n)++] = s;
        return 0;
    }
    void *it = NULL;
    struct fy_node *item;
    int bad = 0;
    while (v && (item = fy_node_sequence_iterate(v, &it)) != NULL) {
        if (!fy_node_is_scalar(item)) {
            sl_diags_add(x->d, sl_yaml_loc(item, x->file), "check %s: each of %s must be a single value", x->kname,
                         arg);
            bad = 1;
            continue;
        }
        char *s = sl_yaml_scalar(item, x->file, 0, x->d);
        if (!s) {
            bad = 1;
            continue;
        }
        *out = sl_realloc(*out, (*n + 1) * sizeof **out);
        (*out)[(*n)++] = s;
    }
    return bad ? -1 : 0;
}

/* schema's columns: a mapping name: type (or a list of names: any type). */
static int read_schema(load_ctx *x, struct fy_node *v)
{
    sl_check *c = x->c;
    if (!v || !fy_node_is_mapping(v)) {
        char **names = NULL;
        size_t n = 0;
        if (read_list(x, "columns", v, &names, &n) < 0)
            return -1;
        for (size_t i = 0; i < n; i++) {
            c->schema_names = sl_realloc(c->schema_names, (c->nschema + 1) * sizeof *c->schema_names);
            c->schema_types = sl_realloc(c->schema_types, (c->nschema + 1) * sizeof *c->schema_types);
            c->schema_names[c->nschema] = names[i];
            c->schema_types[c->nschema++] = NULL;
        }
        sl_free(names);
        return 0;
    }
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(v, &it)) != NULL) {
        char *k = sl_yaml_key(p);
        struct fy_node *tv = fy_node_pair_value(p);
        char *t = is_empty(tv) ? NULL : sl_yaml_scalar(tv, x->file, 0, x->d);
        if (!k || (!t && !is_empty(tv))) {
            sl_free(k);
            sl_free(t);
            return -1;
        }
        c->schema_names = sl_realloc(c->schema_names, (c->nschema + 1) * sizeof *c->schema_names);
        c->schema_types = sl_realloc(c->schema_types, (c->nschema + 1) * sizeof *c->schema_types);
        c->schema_names[c->nschema] = k;
        c->schema_types[c->nschema++] = t;
    }
    return 0;
}

/* A duration: "6h", "30m", "1d", a number of seconds, or dbt's {count: N, period: minute|hour|day}. */
static int read_duration(load_ctx *x, const char *arg, struct fy_node *v, int64_t *out)
{
    sl_loc loc = sl_yaml_loc(v, x->file);
    if (v && fy_node_is_mapping(v)) {
        int64_t count = -1, unit = 0;
        void *it = NULL;
        struct fy_node_pair *p;
        while ((p = fy_node_mapping_iterate(v, &it)) != NULL) {
            char *k = sl_yaml_key(p);
            char *s = sl_yaml_scalar(fy_node_pair_value(p), x->file, 0, x->d);
            if (k && s && strcmp(k, "count") == 0)
                parse_count(s, &count);
            else if (k && s && strcmp(k, "period") == 0)
                unit = strcmp(s, "minute") == 0 ? 60 : strcmp(s, "hour") == 0 ? 3600 : strcmp(s, "day") == 0 ? 86400 : -1;
            else
                unit = -1;
            sl_free(k);
            sl_free(s);
        }
        if (count <= 0 || unit <= 0) {
            sl_diags_add(x->d, loc, "check %s: %s must be a duration (30m, 6h, 1d) or {count: N, period: "
                                    "minute|hour|day}", x->kname, arg);
            return -1;
        }
        *out = count * unit;
        return 0;
    }
    char *s = sl_yaml_scalar(v, x->file, 0, x->d);
    if (!s)
        return -1;
    int64_t secs = sl_parse_duration(s);
    if (secs < 0 && parse_count(s, &secs) < 0)
        secs = -1;
    if (secs <= 0) {
        sl_diags_add(x->d, loc, "check %s: %s: '%s' is not a duration (30m, 6h, 1d)", x->kname, arg, s);
        sl_free(s);
        return -1;
    }
    sl_free(s);
    *out = secs;
    return 0;
}

/* Whether min/max of this kind is a share (0..1 or 20%). */
static int bound_is_share(sl_check_kind k)
{
    return k == SL_CHECK_NULL_RATE || k == SL_CHECK_DUPLICATE_RATE || k == SL_CHECK_ROW_COUNT_CHANGE;
}

/* One argument's value into c. */
static void read_arg(load_ctx *x, const sl_check_arg *a, struct fy_node *v)
{
    sl_check *c = x->c;
    sl_loc loc = sl_yaml_loc(v, x->file);
    const char *n = a->name;
    if (strcmp(n, "columns") == 0) {
        if (c->kind == SL_CHECK_SCHEMA) {
            read_schema(x, v);
            return;
        }
        clear_columns(c);
        read_list(x, n, v, &c->columns, &c->ncolumns);
        if (c->ncolumns == 0)
            sl_diags_add(x->d, loc, "check %s: columns is empty", x->kname);
        return;
    }
    if (strcmp(n, "column") == 0 && v && fy_node_is_sequence(v)) {
        if (sl_check_kind_takes(c->kind, "columns")) {
            clear_columns(c);
            read_list(x, n, v, &c->columns, &c->ncolumns);
        } else {
            sl_diags_add(x->d, loc, "check %s checks one column: give column: one name", x->kname);
        }
        return;
    }
    if (strcmp(n, "values") == 0) {
        read_list(x, n, v, &c->values, &c->nvalues);
        if (c->nvalues == 0)
            sl_diags_add(x->d, loc, "check %s: values is empty", x->kname);
        return;
    }
    if (strcmp(n, "warn_after") == 0 || strcmp(n, "error_after") == 0) {
        read_duration(x, n, v, n[0] == 'w' ? &c->warn_after_s : &c->error_after_s);
        return;
    }
    char *s = sl_yaml_scalar(v, x->file, a->type == SL_CARG_SQL ? SL_YAML_MULTILINE : 0, x->d);
    if (!s)
        return;
    if (a->type != SL_CARG_SQL && a->type != SL_CARG_STRING && !*s) {
        sl_diags_add(x->d, loc, "check %s: %s needs a value", x->kname, n);
        sl_free(s);
        return;
    }
    char **str = NULL;
    int bad = 0;
    double num;
    int64_t cnt;
    int b;
    char buf[256];
    switch (a->type) {
    case SL_CARG_STRING:
    case SL_CARG_SQL:
        if (!*s) {
            sl_diags_add(x->d, loc, "check %s: %s needs a value", x->kname, n);
            break;
        }
        str = strcmp(n, "name") == 0          ? &c->name
              : strcmp(n, "column") == 0      ? NULL
              : strcmp(n, "where") == 0       ? &c->where
              : strcmp(n, "description") == 0 ? &c->description
              : strcmp(n, "pattern") == 0     ? &c->pattern
              : strcmp(n, "expression") == 0  ? &c->expression
              : strcmp(n, "to") == 0          ? &c->to
              : strcmp(n, "field") == 0       ? &c->field
              : strcmp(n, "compare_to") == 0  ? &c->compare_to
              : strcmp(n, "compare_expression") == 0 ? &c->compare_expression
                                                     : &c->sql;
        if (!str) {
            clear_columns(c);
            add_column(c, s);
        } else {
            sl_free(*str);
            *str = s;
            s = NULL;
        }
        break;
    case SL_CARG_CHOICE:
        if (strcmp(n, "severity") == 0) {
            for (char *p = s; *p; p++)
                *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p); /* dbt writes ERROR / WARN */
        }
        if (!choice_ok(a->choices, s)) {
            const char *sug = choice_suggest(a->choices, s, buf, sizeof buf);
            if (sug)
                sl_diags_add(x->d, loc, "check %s: %s '%s' is not one of %s; did you mean '%s'?", x->kname, n, s,
                             a->choices, sug);
            else
                sl_diags_add(x->d, loc, "check %s: %s '%s' is not one of %s", x->kname, n, s, a->choices);
            break;
        }
        if (strcmp(n, "severity") == 0)
            c->severity = strcmp(s, "warn") == 0 ? SL_SEVERITY_WARN : SL_SEVERITY_ERROR;
        else if (strcmp(n, "on_fail") == 0)
            c->on_fail = strcmp(s, "alert") == 0 ? SL_ON_FAIL_ALERT
                         : strcmp(s, "fail") == 0 ? SL_ON_FAIL_FAIL
                                                  : SL_ON_FAIL_QUARANTINE;
        else if (strcmp(n, "format") == 0)
            sl_free(c->format), c->format = s, s = NULL;
        else
            sl_free(c->against), c->against = s, s = NULL;
        break;
    case SL_CARG_BOOL:
        if (parse_bool(s, &b) < 0) {
            sl_diags_add(x->d, loc, "check %s: %s must be true or false, not '%s'", x->kname, n, s);
            break;
        }
        if (strcmp(n, "quote") == 0)
            c->quote = b;
        else if (strcmp(n, "exclusive") == 0)
            c->exclusive = b;
        else
            c->exact = b;
        break;
    case SL_CARG_COUNT:
        if (parse_count(s, &cnt) < 0) {
            sl_diags_add(x->d, loc, "check %s: %s must be a whole number >= 0, not '%s'", x->kname, n, s);
            break;
        }
        if (strcmp(n, "max_failures") == 0)
            c->has_max_failures = 1, c->max_failures = cnt;
        else if (cnt == 0)
            sl_diags_add(x->d, loc, "check %s: runs must be at least 1", x->kname);
        else
            c->runs = cnt;
        break;
    case SL_CARG_SHARE:
        if (parse_share(s, &num) < 0) {
            sl_diags_add(x->d, loc, "check %s: %s must be a share between 0 and 1 (or a percentage like 5%%), not '%s'",
                         x->kname, n, s);
            break;
        }
        if (strcmp(n, "max_failure_rate") == 0)
            c->has_max_failure_rate = 1, c->max_failure_rate = num;
        else
            c->tolerance = num;
        break;
    case SL_CARG_BOUND:
    case SL_CARG_NUMBER:
        if (bound_is_share(c->kind)) {
            bad = parse_share(s, &num) < 0;
            if (bad)
                sl_diags_add(x->d, loc,
                             "check %s: %s must be a share between 0 and 1 (or a percentage like 20%%), not '%s'",
                             x->kname, n, s);
        } else if (c->kind == SL_CHECK_LENGTH || c->kind == SL_CHECK_ROW_COUNT) {
            bad = parse_count(s, &cnt) < 0;
            num = (double)cnt;
            if (bad)
                sl_diags_add(x->d, loc, "check %s: %s must be a whole number >= 0, not '%s'", x->kname, n, s);
        } else {
            bad = parse_number(s, &num) < 0;
            if (bad)
                sl_diags_add(x->d, loc, "check %s: %s must be a number, not '%s'", x->kname, n, s);
        }
        if (bad)
            break;
        if (strcmp(n, "min") == 0)
            c->has_min = 1, c->min = num;
        else
            c->has_max = 1, c->max = num;
        break;
    default:
        break;
    }
    sl_free(s);
}

/* Arguments of a mapping (kind_key: the key naming the kind in the
 * `kind:` form, skipped). dbt's `arguments:` and `config:` mappings are
 * read as if their keys were written here. */
static void read_args(load_ctx *x, struct fy_node *m, const char *kind_key)
{
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(m, &it)) != NULL) {
        char *k = sl_yaml_key(p);
        struct fy_node *v = fy_node_pair_value(p);
        sl_loc kloc = sl_yaml_loc(fy_node_pair_key(p), x->file);
        if (!k) {
            sl_diags_add(x->d, kloc, "check %s: an argument's name must be a single word", x->kname);
            continue;
        }
        if (kind_key && strcmp(k, kind_key) == 0) {
            sl_free(k);
            continue;
        }
        if ((strcmp(k, "arguments") == 0 || strcmp(k, "config") == 0) && v && fy_node_is_mapping(v)) {
            read_args(x, v, NULL);
            sl_free(k);
            continue;
        }
        const sl_check_arg *a = sl_check_arg_find(k);
        if (!a || !sl_check_kind_takes(x->c->kind, k)) {
            /* suggest among what this kind takes */
            const char *cand[64];
            size_t n = 0;
            for (const sl_check_arg *q = sl_check_args; q->name && n < 64; q++)
                if (sl_check_kind_takes(x->c->kind, q->name))
                    cand[n++] = q->name;
            const char *sug = sl_suggest(k, cand, n);
            for (size_t i = 0; !sug && i < n && strlen(k) >= 3; i++)
                if (strncmp(cand[i], k, 3) == 0)
                    sug = cand[i]; /* vals -> values */
            sl_buf takes;
            sl_buf_init(&takes);
            sl_check_kind_args_text(x->c->kind, &takes);
            if (sug)
                sl_diags_add(x->d, kloc, "check %s: unknown argument '%s'; did you mean '%s'?", x->kname, k, sug);
            else if (a)
                sl_diags_add(x->d, kloc, "check %s does not take '%s' (it takes %s)", x->kname, k, takes.data);
            else
                sl_diags_add(x->d, kloc, "check %s: unknown argument '%s' (it takes %s)", x->kname, k, takes.data);
            sl_buf_release(&takes);
            sl_free(k);
            continue;
        }
        uint64_t bit = (uint64_t)1 << (unsigned)(a - sl_check_args);
        if (x->seen & bit)
            sl_diags_add(x->d, kloc, "check %s: %s is given twice", x->kname, k);
        x->seen |= bit;
        if (is_empty(v) && strcmp(k, "columns") != 0)
            sl_diags_add(x->d, kloc, "check %s: %s needs a value", x->kname, k);
        else
            read_arg(x, a, v);
        sl_free(k);
    }
}

/* Whether argument name was given (or preset: a column's tests). */
static int given(const load_ctx *x, const char *name)
{
    const sl_check *c = x->c;
    if (strcmp(name, "column") == 0 || strcmp(name, "columns") == 0)
        return c->ncolumns > 0 || c->nschema > 0;
    const sl_check_arg *a = sl_check_arg_find(name);
    return a && (x->seen & ((uint64_t)1 << (unsigned)(a - sl_check_args)));
}

/* The required groups of the kind, the combinations that cannot run, the default name. */
static void finish(load_ctx *x, sl_loc loc)
{
    sl_check *c = x->c;
    const sl_check_kind_info *ki = sl_check_kind_info_get(c->kind);
    for (const char *p = ki->required; *p;) {
        size_t len = strcspn(p, " ");
        char group[64];
        snprintf(group, sizeof group, "%.*s", (int)len, p);
        int ok = 0;
        char *save = NULL;
        for (char *alt = strtok_r(group, "|", &save); alt; alt = strtok_r(NULL, "|", &save))
            ok |= given(x, alt);
        if (!ok) {
            snprintf(group, sizeof group, "%.*s", (int)len, p);
            char *bar = strchr(group, '|');
            if (bar) {
                *bar = 0;
                sl_diags_add(x->d, loc, "check %s needs %s: or %s:", x->kname, group, bar + 1);
            } else {
                sl_diags_add(x->d, loc, "check %s needs %s:", x->kname, group);
            }
        }
        p += len;
        while (*p == ' ')
            p++;
    }
    if ((c->kind == SL_CHECK_NULL_RATE || c->kind == SL_CHECK_RANGE || c->kind == SL_CHECK_LENGTH ||
         c->kind == SL_CHECK_ACCEPTED_VALUES || c->kind == SL_CHECK_REGEX || c->kind == SL_CHECK_FORMAT ||
         c->kind == SL_CHECK_RELATIONSHIPS) &&
        c->ncolumns > 1)
        sl_diags_add(x->d, loc, "check %s checks one column (column:), not %zu", x->kname, c->ncolumns);
    if (c->has_min && c->has_max && c->min > c->max)
        sl_diags_add(x->d, loc, "check %s: min (%g) is greater than max (%g)", x->kname, c->min, c->max);
    if (c->kind == SL_CHECK_FRESHNESS && c->warn_after_s && c->error_after_s && c->warn_after_s > c->error_after_s)
        sl_diags_add(x->d, loc, "check %s: warn_after is longer than error_after", x->kname);
    if (c->kind == SL_CHECK_REGEX && c->pattern) {
        /* compile once here so that a bad pattern is a config error, not a run failure */
        char msg[256];
        if (sl_regex_check(c->pattern, msg, sizeof msg) < 0)
            sl_diags_add(x->d, loc, "check %s: pattern '%s' is not a valid regular expression: %s", x->kname,
                         c->pattern, msg);
    }
    if (c->kind == SL_CHECK_ACCEPTED_VALUES && !c->quote) {
        for (size_t i = 0; i < c->nvalues; i++) {
            double v;
            if (parse_number(c->values[i], &v) < 0 && strcmp(c->values[i], "true") != 0 &&
                strcmp(c->values[i], "false") != 0)
                sl_diags_add(x->d, loc,
                             "check %s: with quote: false every value must be a number, true or false; '%s' is "
                             "not (remove quote: false to compare text)",
                             x->kname, c->values[i]);
        }
    }
    if (c->kind == SL_CHECK_ROW_COUNT_MATCH && c->compare_to && strcmp(c->compare_to, "source") == 0 &&
        strcmp(x->where, "pipeline") != 0)
        sl_diags_add(x->d, loc, "check %s: compare_to: source is only for pipelines; name a table", x->kname);
    if (c->runs && (!c->against || strcmp(c->against, "mean") != 0))
        sl_diags_add(x->d, loc, "check %s: runs is for against: mean", x->kname);
    if (c->on_fail == SL_ON_FAIL_QUARANTINE) {
        if (strcmp(x->where, "pipeline") != 0)
            sl_diags_add(x->d, loc,
                         "check %s: on_fail: quarantine is only for checks in pipelines (the failing rows go to the "
                         "DLQ); use alert or fail here",
                         x->kname);
        else if (!sl_check_kind_is_row(c->kind))
            sl_diags_add(x->d, loc,
                         "check %s: on_fail: quarantine needs a row-level check (not_null, unique, "
                         "accepted_values, regex, range, length, format, expression); %s is an aggregate",
                         x->kname, x->kname);
        else if (!sl_check_in_stream(c))
            sl_diags_add(x->d, loc,
                         "check %s: on_fail: quarantine needs a check evaluated on the pipeline's rows; %s reads "
                         "the warehouse after the load",
                         x->kname, x->kname);
    }
    if (c->kind == SL_CHECK_ROW_COUNT && !c->has_min && !c->has_max)
        c->has_min = 1, c->min = 1; /* `- row_count`: not empty */
    if (c->kind == SL_CHECK_ROW_COUNT_CHANGE && !c->against)
        c->against = sl_strdup("previous");
    if (c->kind == SL_CHECK_ROW_COUNT_CHANGE && !c->runs)
        c->runs = strcmp(c->against, "mean") == 0 ? 7 : 1;
    if (c->kind == SL_CHECK_RELATIONSHIPS && !c->field && c->ncolumns)
        c->field = sl_strdup(c->columns[0]);
    if (c->kind == SL_CHECK_EQUAL_AGGREGATES && !c->compare_expression && c->expression)
        c->compare_expression = sl_strdup(c->expression);
    if (!c->name) {
        sl_buf b;
        sl_buf_init(&b);
        sl_buf_adds(&b, x->kname);
        for (size_t i = 0; i < c->ncolumns; i++) {
            sl_buf_addc(&b, '_');
            sl_buf_adds(&b, c->columns[i]);
        }
        if (c->kind == SL_CHECK_FORMAT && c->format)
            sl_buf_addf(&b, "_%s", c->format);
        c->name = sl_buf_detach(&b);
    }
}

/* One check of kind k (its name kname) from args (mapping, scalar column, or empty). */
static int load_kind(sl_check_kind k, struct fy_node *args, const char *kind_key, const char *column,
                     const char *file, sl_loc loc, const char *where, sl_check *out, sl_diags *d)
{
    size_t before = d->n;
    memset(out, 0, sizeof *out);
    out->kind = k;
    out->quote = 1;
    out->loc = loc;
    load_ctx x = {file, where ? where : "pipeline", d, out, sl_check_kind_name(k), 0};
    if (column)
        add_column(out, column);
    if (args && fy_node_is_mapping(args)) {
        read_args(&x, args, kind_key);
    } else if (args && !is_empty(args)) {
        /* `- not_null: email`: the column */
        if (!sl_check_kind_takes(k, "column") && !sl_check_kind_takes(k, "columns"))
            sl_diags_add(d, sl_yaml_loc(args, file), "check %s takes a mapping of arguments here", x.kname);
        else if (fy_node_is_sequence(args) && k != SL_CHECK_SCHEMA) {
            clear_columns(out);
            read_list(&x, "columns", args, &out->columns, &out->ncolumns);
        } else if (k == SL_CHECK_SCHEMA) {
            read_schema(&x, args);
        } else {
            char *s = sl_yaml_scalar(args, file, 0, d);
            if (s) {
                clear_columns(out);
                add_column(out, s);
                sl_free(s);
            }
        }
    }
    finish(&x, loc);
    return (int)(d->n - before);
}

static void suggest_kind(const char *name, sl_loc loc, sl_diags *d)
{
    const char *cand[SL_CHECK_NKINDS];
    for (int i = 0; i < SL_CHECK_NKINDS; i++)
        cand[i] = sl_check_kind_name((sl_check_kind)i);
    const char *sug = sl_suggest(name, cand, SL_CHECK_NKINDS);
    if (sug)
        sl_diags_add(d, loc, "unknown check kind '%s'; did you mean '%s'?", name, sug);
    else
        sl_diags_add(d, loc, "unknown check kind '%s' (`sluice help checks` lists them)", name);
}

int sl_check_load_one(const char *kind, const char *column, struct fy_node *args, const char *file, sl_loc loc,
                      const char *where, sl_check *out, sl_diags *d)
{
    memset(out, 0, sizeof *out);
    int k = sl_check_kind_find(kind);
    if (k < 0) {
        suggest_kind(kind ? kind : "", loc, d);
        return 1;
    }
    return load_kind((sl_check_kind)k, args, NULL, column, file, loc, where, out, d);
}

/* One entry of a checks: list. Returns 0 and fills out, or -1 (diagnostics added). */
static int load_entry(struct fy_node *e, const char *file, const char *where, sl_check *out, sl_diags *d)
{
    sl_loc loc = sl_yaml_loc(e, file);
    memset(out, 0, sizeof *out);
    if (fy_node_is_scalar(e)) {
        char *s = sl_yaml_scalar(e, file, 0, d);
        if (!s)
            return -1;
        int k = sl_check_kind_find(s);
        if (k < 0) {
            suggest_kind(s, loc, d);
            sl_free(s);
            return -1;
        }
        sl_free(s);
        return load_kind((sl_check_kind)k, NULL, NULL, NULL, file, loc, where, out, d) ? -1 : 0;
    }
    if (!fy_node_is_mapping(e)) {
        sl_diags_add(d, loc, "a check is a kind (- not_null), KIND: {arguments} or a mapping with kind:");
        return -1;
    }
    struct fy_node *kn = fy_node_mapping_lookup_by_string(e, "kind", FY_NT);
    const char *kind_key = "kind";
    if (!kn) {
        kn = fy_node_mapping_lookup_by_string(e, "type", FY_NT);
        kind_key = "type";
    }
    if (kn) {
        char *s = sl_yaml_scalar(kn, file, 0, d);
        if (!s)
            return -1;
        int k = sl_check_kind_find(s);
        if (k < 0) {
            suggest_kind(s, sl_yaml_loc(kn, file), d);
            sl_free(s);
            return -1;
        }
        sl_free(s);
        return load_kind((sl_check_kind)k, e, kind_key, NULL, file, loc, where, out, d) ? -1 : 0;
    }
    if (fy_node_mapping_item_count(e) != 1) {
        sl_diags_add(d, loc,
                     "a check with several keys needs kind: (e.g. {kind: null_rate, column: email, max: 0.05}); "
                     "or write it as KIND: {arguments}");
        return -1;
    }
    void *it = NULL;
    struct fy_node_pair *p = fy_node_mapping_iterate(e, &it);
    char *key = sl_yaml_key(p);
    sl_loc kloc = sl_yaml_loc(fy_node_pair_key(p), file);
    int k = key ? sl_check_kind_find(key) : -1;
    if (k < 0) {
        suggest_kind(key ? key : "?", kloc, d);
        sl_free(key);
        return -1;
    }
    sl_free(key);
    return load_kind((sl_check_kind)k, fy_node_pair_value(p), NULL, NULL, file, kloc, where, out, d) ? -1 : 0;
}

int sl_checks_load(struct fy_node *v, const char *file, const char *where, sl_check_list *out, sl_diags *d)
{
    size_t before = d->n;
    if (is_empty(v))
        return 0;
    if (!fy_node_is_sequence(v)) {
        sl_diags_add(d, sl_yaml_loc(v, file), "checks must be a list (- not_null: {column: id})");
        return 1;
    }
    size_t first = out->n;
    void *it = NULL;
    struct fy_node *e;
    while ((e = fy_node_sequence_iterate(v, &it)) != NULL) {
        sl_check c;
        if (load_entry(e, file, where, &c, d) < 0) {
            sl_check_release(&c);
            continue;
        }
        int dup = 0;
        for (size_t i = first; i < out->n; i++)
            if (strcmp(out->v[i].name, c.name) == 0) {
                sl_diags_add(d, c.loc, "two checks are named '%s' (the other at line %d); give one a name:", c.name,
                             out->v[i].loc.line);
                dup = 1;
                break;
            }
        if (dup) {
            sl_check_release(&c);
            continue;
        }
        out->v = sl_realloc(out->v, (out->n + 1) * sizeof *out->v);
        out->v[out->n++] = c;
    }
    return (int)(d->n - before);
}
