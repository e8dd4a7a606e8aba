/*
 * milestones.c: the `milestones` transform: stateful rules over keyed
 * state, each firing a derived event row (docs/events/milestones.md).
 *
 *   - type: milestones
 *     key: user_id          # the entity; rows with a NULL key pass through
 *     time: timestamp       # event time (default received_at)
 *     rules:
 *       - {name: activated, first_time: "event = 'Project Created'"}
 *       - {name: team_growing, count: {when: "event = 'Invite Sent'", at_least: 3, within: 7d}}
 *       - {name: gone_quiet, inactive: {when: "event IS NOT NULL", for: 14d}}
 *
 * Every row gains `milestone` (text, NULL on ordinary rows) and
 * `milestone_at` (timestamp). A milestone is a derived row
 * (sl_batch_add_derived_row) right after the row that triggered it, at
 * the same position, copying its values, with milestone = the rule's
 * name and milestone_at = that row's event time.
 *
 *   first_time  the first matching row per key; once per key, ever
 *   count       at_least matching rows per key whose event times lie
 *               within `within` of each other (inclusive); once per key,
 *               ever. Event time, not arrival order: the times kept are
 *               those within `within` of the newest one seen for the key;
 *               a late row older than that is outside every window still
 *               open and is not counted.
 *   inactive    at a tick (b->clock_us, stream pipelines): every key whose
 *               newest matching event is older than clock - for and that
 *               has not fired since gets a derived row at the end of the
 *               batch (position b->end_offset - 1) holding the key,
 *               milestone and milestone_at = clock, other columns NULL.
 *               It fires again only after a matching event newer than
 *               (the clock it fired at - for). Batch pipelines have no
 *               ticks: there it never fires (end of input is no moment
 *               in time: a later run with more files would have another
 *               "now", and milestones must not depend on how input is
 *               cut into runs).
 * Rows whose key or time is NULL (or a time that is no timestamp or date)
 * change no state and pass through unchanged.
 *
 * State, per (run->pipeline->name, transform id, rule, key): in memory for
 * every key seen (about 90 bytes + the key + 40 bytes per rule per key,
 * plus 8 per event a count rule holds: fewer than at_least), loaded at
 * open, saved at `done` (the run succeeded: the sinks committed all it
 * read) for the keys that changed, in one transaction with a tag per input
 * (b->file): the end offset of the last batch seen (state/keyed.h). A rule's
 * state is keyed by its name and a hash of its definition: a changed rule
 * starts fresh (the old rows stay until `sluice state reset`).
 *
 * Exactly once: the transform is `stateful`, so a resumed run re-reads its
 * epoch from the start and sinks skip what they committed. Rows of an input
 * before its tag offset are in the saved state already: they neither
 * change state nor fire (a crash after done but before the source's done).
 * A crash before done saved nothing: the replay from the saved state fires
 * the same milestones at the same positions, and sinks skip the ones they
 * committed (a derived row has its trigger's position). --full-refresh
 * ignores the saved state and replaces it at done.
 */
#include "core/mem.h"
#include "core/nameidx.h"
#include "engine/colcheck.h"
#include "engine/project.h"
#include "engine/run.h"
#include "expr/expr.h"
#include "state/keyed.h"
#include "transforms/columns.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct ms_opts {
    char *key;
    char *time;
    sl_kvlists rules;
} ms_opts;

static const sl_option ms_options[] = {
    {"key", SL_OPT_STRING, NULL, SL_OPT_REQUIRED, offsetof(ms_opts, key), NULL,
     "the column that identifies the entity (rows with a NULL key pass through)"},
    {"time", SL_OPT_STRING, "received_at", 0, offsetof(ms_opts, time), NULL, "the event-time column"},
    {"rules", SL_OPT_RECORDS, NULL, SL_OPT_REQUIRED | SL_OPT_MULTILINE, offsetof(ms_opts, rules), NULL,
     "list of {name, and one of: first_time: COND | count: {when: COND, at_least: N, within: DURATION} | "
     "inactive: {when: COND, for: DURATION}}; COND is a SQL condition (SQLite semantics)"},
    SL_OPT_END,
};

enum { R_FIRST, R_COUNT, R_INACTIVE };
static const char *const kind_names[] = {"first_time", "count", "inactive"};

typedef struct ms_rule {
    const char *name, *when; /* borrowed from the options */
    sl_loc loc;              /* of `when` */
    int kind;
    int64_t at_least, within_us, for_us;
    char scope[160];         /* name#hash of the definition: its state's scope */
    sl_expr *expr;
    uint8_t *match;          /* per row of the current batch */
    size_t cap;
} ms_rule;

/* One key's state for one rule. */
typedef struct ms_cell {
    int64_t at;       /* first_time, count: when it fired; inactive: newest matching event time */
    int64_t fired_at; /* inactive: the clock it fired at; 0 = armed */
    int64_t *times;   /* count: matching event times within the window, ascending */
    size_t cap;
    uint32_t ntimes;
    uint8_t has, fired, dirty;
} ms_cell;

typedef struct ms_key {
    char *k;
    size_t n;
    ms_cell *cells; /* one per rule */
} ms_key;

typedef struct ms_tag {
    char *file;
    int64_t loaded; /* saved tag offset: rows before it are in the state; -1 none */
    int64_t seen;   /* end offset of the last batch of this run; -1 none */
} ms_tag;

typedef struct ms_emit {
    size_t row;  /* the triggering row, or the key (tick) */
    size_t rule;
    int64_t at;
} ms_emit;

typedef struct ms_state {
    ms_rule *rules;
    size_t nrules;
    ms_key *keys;
    size_t nkeys, capkeys;
    sl_nameidx idx;
    ms_tag *tags;
    size_t ntags;
    ms_emit *emits;
    size_t nemits, capemits;
    int replace; /* --full-refresh: the saved state was not loaded; replace it */
} ms_state;

/* ---- rules --------------------------------------------------------------- */

static uint64_t fnv(uint64_t h, const char *s)
{
    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (h ^ 0xff) * 1099511628211ULL; /* a separator: ("ab","c") != ("a","bc") */
}

static const char *rule_get(const sl_kvlist *m, const char *key, sl_loc *loc)
{
    const sl_kv *kv = sl_kvlist_get(m, key);
    if (kv && loc)
        *loc = kv->loc;
    return kv ? kv->value : NULL;
}

/* Parse the rules into out (may be NULL: check only); diagnostics into d. */
static int parse_rules(const ms_opts *o, ms_rule **out, size_t *nout, sl_diags *d)
{
    static const char *const known[] = {"name", "first_time", "first_time.when", "count.when", "count.at_least",
                                        "count.within", "inactive.when", "inactive.for", NULL};
    size_t before = d->n;
    ms_rule *rules = sl_calloc(o->rules.n ? o->rules.n : 1, sizeof *rules);
    if (o->rules.n == 0)
        sl_diags_add(d, o->rules.loc, "milestones: rules: give at least one rule");
    for (size_t i = 0; i < o->rules.n; i++) {
        const sl_kvlist *m = &o->rules.v[i];
        ms_rule *r = &rules[i];
        for (size_t k = 0; k < m->n; k++) {
            int ok = 0;
            for (const char *const *p = known; *p; p++)
                ok |= strcmp(*p, m->v[k].key) == 0;
            if (!ok) {
                const char *sug = sl_suggest(m->v[k].key, known, sizeof known / sizeof *known - 1);
                sl_diags_add(d, m->v[k].loc, "milestones rule %zu: unknown setting '%s'%s%s%s", i + 1, m->v[k].key,
                             sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
            }
        }
        r->name = rule_get(m, "name", NULL);
        if (!r->name || !*r->name) {
            sl_diags_add(d, m->loc, "milestones rule %zu: give it a name (the milestone column's value)", i + 1);
            continue;
        }
        for (size_t j = 0; j < i; j++)
            if (rules[j].name && strcmp(rules[j].name, r->name) == 0)
                sl_diags_add(d, m->loc, "milestones: two rules are called '%s'", r->name);
        const char *first = rule_get(m, "first_time", &r->loc);
        if (!first)
            first = rule_get(m, "first_time.when", &r->loc);
        sl_loc cl = m->loc, il = m->loc;
        const char *cw = rule_get(m, "count.when", &cl), *iw = rule_get(m, "inactive.when", &il);
        int kinds = !!first + !!cw + !!iw;
        if (kinds != 1) {
            sl_diags_add(d, m->loc,
                         "milestones rule '%s': give exactly one of first_time: COND, count: {when: COND, "
                         "at_least: N, within: DURATION}, inactive: {when: COND, for: DURATION}",
                         r->name);
            continue;
        }
        char def[96];
        if (first) {
            r->kind = R_FIRST;
            r->when = first;
            snprintf(def, sizeof def, "first");
        } else if (cw) {
            r->kind = R_COUNT;
            r->when = cw;
            r->loc = cl;
            sl_loc l = m->loc;
            const char *n = rule_get(m, "count.at_least", &l);
            char *end = NULL;
            r->at_least = n ? strtoll(n, &end, 10) : 0;
            if (!n || *end || r->at_least < 1 || r->at_least > 100000)
                sl_diags_add(d, l, "milestones rule '%s': count: at_least must be a whole number from 1 to 100000",
                             r->name);
            const char *w = rule_get(m, "count.within", &l);
            int64_t s = w ? sl_parse_duration(w) : -1;
            if (s <= 0)
                sl_diags_add(d, l, "milestones rule '%s': count: within must be a duration such as 7d or 12h",
                             r->name);
            r->within_us = s * 1000000;
            snprintf(def, sizeof def, "count %" PRId64 " %" PRId64, r->at_least, r->within_us);
        } else {
            r->kind = R_INACTIVE;
            r->when = iw;
            r->loc = il;
            sl_loc l = m->loc;
            const char *f = rule_get(m, "inactive.for", &l);
            int64_t s = f ? sl_parse_duration(f) : -1;
            if (s <= 0)
                sl_diags_add(d, l, "milestones rule '%s': inactive: for must be a duration such as 14d", r->name);
            r->for_us = s * 1000000;
            snprintf(def, sizeof def, "inactive %" PRId64, r->for_us);
        }
        sl_error err;
        if (sl_expr_validate(r->when, &err) < 0)
            sl_diags_add(d, r->loc, "milestones rule '%s': %s: %s", r->name, kind_names[r->kind], err.msg);
        uint64_t h = fnv(fnv(1469598103934665603ULL, def), r->when);
        snprintf(r->scope, sizeof r->scope, "%.120s#%016" PRIx64, r->name, h);
    }
    if (d->n != before || !out) {
        sl_free(rules);
        return d->n != before ? -1 : 0;
    }
    *out = rules;
    *nout = o->rules.n;
    return 0;
}

static int ms_check(sl_instance *in, sl_diags *d)
{
    return parse_rules(in->opts, NULL, NULL, d) < 0 ? 1 : 0;
}

/* A rule's settings that hold a condition (at most one is set). */
static const char *const conds[] = {"first_time", "first_time.when", "count.when", "inactive.when"};

/* validate: key, time and the columns the conditions name are there. */
static int ms_columns(sl_instance *in, sl_colset *c, sl_diags *d)
{
    ms_opts *o = in->opts;
    char what[200];
    int n = 0;
    snprintf(what, sizeof what, "transform %s, key", in->id);
    n += sl_colset_require(c, o->key, sl_colcheck_loc(sl_options_loc(ms_options, o, "key"), in), what, d);
    snprintf(what, sizeof what, "transform %s, time", in->id);
    n += sl_colset_require(c, o->time, sl_colcheck_loc(sl_options_loc(ms_options, o, "time"), in), what, d);
    for (size_t i = 0; i < o->rules.n; i++) {
        const sl_kvlist *m = &o->rules.v[i];
        for (size_t k = 0; k < sizeof conds / sizeof *conds; k++) {
            const sl_kv *kv = sl_kvlist_get(m, conds[k]);
            if (!kv)
                continue;
            const sl_kv *name = sl_kvlist_get(m, "name");
            snprintf(what, sizeof what, "transform %s, rule '%s'", in->id, name ? name->value : "?");
            n += sl_colset_require_expr(c, kv->value, sl_colcheck_loc(kv->loc, in), what, d);
        }
    }
    sl_colset_add(c, "milestone");
    sl_colset_add(c, "milestone_at");
    return n;
}

/* ---- keys ---------------------------------------------------------------- */

static const char *key_name(const void *ctx, size_t k, size_t *n)
{
    const ms_state *st = ctx;
    *n = st->keys[k].n;
    return st->keys[k].k;
}

static ms_key *key_get(ms_state *st, const char *k, size_t n)
{
    long at = sl_nameidx_find(&st->idx, k, n, key_name, st);
    if (at >= 0)
        return &st->keys[at];
    SL_GROW(st->keys, st->capkeys, st->nkeys + 1);
    ms_key *e = &st->keys[st->nkeys];
    e->k = sl_strndup(k, n);
    e->n = n;
    e->cells = sl_calloc(st->nrules, sizeof *e->cells);
    sl_nameidx_add(&st->idx, e->k, n, st->nkeys, key_name, st);
    st->nkeys++;
    return e;
}

static ms_tag *tag_get(ms_state *st, const char *file)
{
    for (size_t i = 0; i < st->ntags; i++)
        if (strcmp(st->tags[i].file, file) == 0)
            return &st->tags[i];
    st->tags = sl_realloc(st->tags, (st->ntags + 1) * sizeof *st->tags);
    st->tags[st->ntags] = (ms_tag){sl_strdup(file), -1, -1};
    return &st->tags[st->ntags++];
}

/* A cell's stored form: "fired at fired_at t1 t2 ..." (decimal). */
static void cell_encode(const ms_cell *c, sl_buf *out)
{
    sl_buf_reset(out);
    sl_buf_addf(out, "%d %" PRId64 " %" PRId64, c->fired, c->at, c->fired_at);
    for (uint32_t i = 0; i < c->ntimes; i++)
        sl_buf_addf(out, " %" PRId64, c->times[i]);
}

static void cell_decode(ms_cell *c, const char *v)
{
    char *end;
    c->fired = (uint8_t)strtol(v, &end, 10);
    c->at = strtoll(end, &end, 10);
    c->fired_at = strtoll(end, &end, 10);
    c->ntimes = 0;
    for (;;) {
        while (*end == ' ')
            end++;
        if (!*end)
            break;
        int64_t t = strtoll(end, &end, 10);
        SL_GROW(c->times, c->cap, c->ntimes + 1);
        c->times[c->ntimes++] = t;
    }
    c->has = 1;
}

static void load_fn(void *ctx, const char *scope, const char *key, const char *value)
{
    ms_state *st = ctx;
    if (!value)
        return;
    if (strcmp(scope, SL_KEYED_OFFSETS) == 0) {
        tag_get(st, key)->loaded = strtoll(value, NULL, 10);
        return;
    }
    for (size_t r = 0; r < st->nrules; r++)
        if (strcmp(st->rules[r].scope, scope) == 0)
            cell_decode(&key_get(st, key, strlen(key))->cells[r], value);
    /* a scope no rule has: a rule since changed or removed; ignored */
}

static int ms_open(sl_instance *in, sl_run *run, sl_error *err)
{
    ms_opts *o = in->opts;
    ms_state *st = sl_calloc(1, sizeof *st);
    in->state = st;
    sl_nameidx_init(&st->idx);
    sl_diags d;
    sl_diags_init(&d);
    if (parse_rules(o, &st->rules, &st->nrules, &d) < 0) {
        sl_error_set(err, SL_ECONFIG, "milestones: %s", d.n ? d.v[0].msg : "bad rules");
        sl_diags_release(&d);
        return -1;
    }
    sl_diags_release(&d);
    for (size_t r = 0; r < st->nrules; r++)
        st->rules[r].expr = sl_expr_new(run->expr, st->rules[r].when);
    st->replace = run->full_refresh;
    if (run->state && !st->replace &&
        sl_state_keyed_load(run->state, run->pipeline->name, in->id, load_fn, st, err) < 0)
        return sl_error_prefix(err, "milestones: loading the saved state");
    return 0;
}

/* ---- processing ---------------------------------------------------------- */

/* The event time of row r in microseconds: 0, or -1 when NULL or no time. */
static int cell_time(const sl_column *c, size_t r, int64_t *us)
{
    if (!c->valid[r])
        return -1;
    if (!c->raw && c->type == SL_T_TIMESTAMP) {
        *us = c->i64[r];
        return 0;
    }
    if (!c->raw && c->type == SL_T_DATE) {
        *us = c->i64[r] * INT64_C(86400000000);
        return 0;
    }
    if (!c->str || (!c->raw && c->type != SL_T_TEXT))
        return -1;
    const sl_str *s = &c->str[r];
    if (sl_parse_timestamp(s->p, s->n, us) == 0)
        return 0;
    if (sl_parse_date(s->p, s->n, us) == 0) {
        *us *= INT64_C(86400000000);
        return 0;
    }
    return -1;
}

/* The key of row r as text (integral floats as integers, as dedupe does); 0 when NULL. */
static int cell_key(const sl_column *c, size_t r, char *tmp, const char **p, size_t *n)
{
    if (!sl_cell_text(c, r, tmp, p, n))
        return 0;
    if (!c->raw && c->type == SL_T_FLOAT && c->f64[r] == (double)(int64_t)c->f64[r]) {
        *n = (size_t)snprintf(tmp, 64, "%lld", (long long)c->f64[r]);
        *p = tmp;
    }
    return 1;
}

/* Store a saved key (text) into the key column of row r, in its type. */
static void set_key(sl_batch *b, size_t col, size_t r, const ms_key *k)
{
    sl_column *c = &b->cols[col];
    int64_t v;
    if (!c->raw && (c->type == SL_T_INT || c->type == SL_T_BOOL)) {
        c->i64[r] = strtoll(k->k, NULL, 10);
        c->valid[r] = 1;
    } else if (!c->raw && c->type == SL_T_FLOAT) {
        c->f64[r] = strtod(k->k, NULL);
        c->valid[r] = 1;
    } else if (!c->raw && c->type == SL_T_TIMESTAMP) {
        c->valid[r] = sl_parse_timestamp(k->k, k->n, &v) == 0;
        c->i64[r] = v;
    } else if (!c->raw && c->type == SL_T_DATE) {
        c->valid[r] = sl_parse_date(k->k, k->n, &v) == 0;
        c->i64[r] = v;
    } else {
        sl_batch_set_text(b, col, r, k->k, k->n);
    }
}

static void emit(ms_state *st, size_t row, size_t rule, int64_t at)
{
    SL_GROW(st->emits, st->capemits, st->nemits + 1);
    st->emits[st->nemits++] = (ms_emit){row, rule, at};
}

/* One matching event at time t for a key: 1 when the rule fires. */
static int apply(const ms_rule *r, ms_cell *c, int64_t t)
{
    switch (r->kind) {
    case R_FIRST:
        if (c->fired)
            return 0;
        c->fired = c->has = c->dirty = 1;
        c->at = t;
        return 1;
    case R_COUNT: {
        if (c->fired)
            return 0;
        if (c->ntimes && t < c->times[c->ntimes - 1] - r->within_us)
            return 0; /* late: older than every window still open */
        SL_GROW(c->times, c->cap, c->ntimes + 1);
        uint32_t i = c->ntimes;
        while (i > 0 && c->times[i - 1] > t) {
            c->times[i] = c->times[i - 1];
            i--;
        }
        c->times[i] = t;
        c->ntimes++;
        /* keep the times within `within` of the newest */
        int64_t low = c->times[c->ntimes - 1] - r->within_us;
        uint32_t drop = 0;
        while (drop < c->ntimes && c->times[drop] < low)
            drop++;
        memmove(c->times, c->times + drop, (c->ntimes - drop) * sizeof *c->times);
        c->ntimes -= drop;
        c->has = c->dirty = 1;
        if (c->ntimes < r->at_least)
            return 0;
        c->fired = 1;
        c->at = t;
        c->ntimes = 0;
        return 1;
    }
    default:
        if (!c->has || t > c->at)
            c->at = t;
        c->has = c->dirty = 1;
        if (c->fired_at && c->at > c->fired_at - r->for_us)
            c->fired_at = 0; /* active again since it fired: armed */
        return 0;
    }
}

/* Give the copy at row `to` the values of row `from`. */
static void copy_row(sl_batch *b, size_t from, size_t to)
{
    for (size_t i = 0; i < b->ncols; i++) {
        sl_column *c = &b->cols[i];
        c->valid[to] = c->valid[from];
        if (c->i64)
            c->i64[to] = c->i64[from];
        if (c->f64)
            c->f64[to] = c->f64[from];
        if (c->str)
            c->str[to] = c->str[from];
        if (c->kind)
            c->kind[to] = c->kind[from];
    }
}

static int out_column(sl_instance *in, sl_batch *b, const char *name, sl_type t, sl_error *err)
{
    int at = sl_batch_find(b, name);
    if (at >= 0) {
        if (b->cols[at].raw || b->cols[at].type != t)
            return sl_error_set(err, SL_ECONFIG, "transform %s: the input already has a column '%s' (%s); "
                                "milestones adds it as %s: rename it first", in->id, name,
                                b->cols[at].raw ? "raw" : sl_type_name(b->cols[at].type), sl_type_name(t));
        return at;
    }
    int clash = sl_transform_name_clash(b, name, -1);
    if (clash >= 0)
        return sl_error_set(err, SL_ECONFIG, "transform %s: new column '%s' would collide with column '%s' "
                            "(names compare without case)", in->id, name, b->cols[clash].name);
    return (int)sl_batch_add_column(b, name, strlen(name), t, 0);
}

static void set_milestone(sl_batch *b, int mc, int ac, size_t row, const char *name, int64_t at)
{
    sl_batch_set_text(b, (size_t)mc, row, name, strlen(name));
    b->cols[ac].i64[row] = at;
    b->cols[ac].valid[row] = 1;
}

static int ms_process(sl_instance *in, sl_batch *b, sl_error *err)
{
    ms_opts *o = in->opts;
    ms_state *st = in->state;
    if (b->nrows == 0 && !b->clock_us)
        return 0;
    int keyc = sl_batch_find(b, o->key);
    if (keyc < 0 && b->nrows > 0)
        return sl_transform_column(in, b, o->key, err);
    if (keyc < 0)
        keyc = (int)sl_batch_add_column(b, o->key, strlen(o->key), SL_T_TEXT, 0);
    int timec = -1;
    if (b->nrows > 0 && (timec = sl_transform_column(in, b, o->time, err)) < 0)
        return -1;
    int mc = out_column(in, b, "milestone", SL_T_TEXT, err);
    int ac = mc < 0 ? -1 : out_column(in, b, "milestone_at", SL_T_TIMESTAMP, err);
    if (ac < 0)
        return -1;
    size_t n = b->nrows;
    for (size_t k = 0; k < st->nrules && n > 0; k++) {
        ms_rule *r = &st->rules[k];
        SL_GROW(r->match, r->cap, n);
        if (sl_expr_eval_flags(r->expr, b, r->match, err) < 0)
            return sl_error_prefix(err, "%s:%d:%d: transform %s, rule '%s'", r->loc.file ? r->loc.file : "?",
                                   r->loc.line, r->loc.col, in->id, r->name);
    }
    /* rows before the saved tag offset of their input are in the state */
    int64_t done_before = INT64_MIN;
    ms_tag *tag = b->file ? tag_get(st, b->file) : NULL;
    if (tag && tag->loaded >= 0)
        done_before = tag->loaded;
    st->nemits = 0;
    char tmp[64];
    for (size_t row = 0; row < n; row++) {
        const char *kp;
        size_t kn;
        int64_t t;
        if (sl_batch_row_derived(b, row) || b->offset[row] < done_before)
            continue;
        if (!cell_key(&b->cols[keyc], row, tmp, &kp, &kn) || cell_time(&b->cols[timec], row, &t) < 0)
            continue;
        ms_key *key = NULL;
        for (size_t k = 0; k < st->nrules; k++) {
            if (!st->rules[k].match[row])
                continue;
            if (!key)
                key = key_get(st, kp, kn);
            if (apply(&st->rules[k], &key->cells[k], t))
                emit(st, row, k, t);
        }
    }
    /* derived rows right after their trigger, from the last one back so
     * that row indexes stay valid; a row's milestones in rule order */
    for (size_t e = st->nemits; e-- > 0;) {
        const ms_emit *m = &st->emits[e];
        size_t at = sl_batch_add_derived_row(b, m->row + 1, b->offset[m->row], b->line[m->row]);
        copy_row(b, m->row, at);
        set_milestone(b, mc, ac, at, st->rules[m->rule].name, m->at);
    }
    /* a tick: inactive rules, at the end of the batch */
    if (b->clock_us && b->end_offset - 1 >= done_before) {
        int64_t clock = b->clock_us;
        for (size_t k = 0; k < st->nrules; k++) {
            const ms_rule *r = &st->rules[k];
            if (r->kind != R_INACTIVE)
                continue;
            for (size_t i = 0; i < st->nkeys; i++) {
                ms_cell *c = &st->keys[i].cells[k];
                if (!c->has || c->fired_at || c->at >= clock - r->for_us)
                    continue;
                c->fired_at = clock;
                c->dirty = 1;
                size_t at = sl_batch_add_derived_row(b, b->nrows, b->end_offset - 1, b->end_line);
                set_key(b, (size_t)keyc, at, &st->keys[i]);
                set_milestone(b, mc, ac, at, r->name, clock);
            }
        }
    }
    if (tag && b->end_offset > tag->seen)
        tag->seen = b->end_offset;
    return 0;
}

/* The run succeeded: save the keys that changed and the tag offsets. */
static int ms_done(sl_instance *in, sl_run *run, sl_error *err)
{
    ms_state *st = in->state;
    if (!st || !run->state)
        return 0;
    size_t n = 0, cap = 0;
    sl_keyed_item *items = NULL;
    sl_buf *vals = NULL;
    for (size_t i = 0; i < st->nkeys; i++)
        for (size_t k = 0; k < st->nrules; k++)
            if (st->keys[i].cells[k].dirty)
                n++;
    items = sl_calloc(n ? n : 1, sizeof *items);
    vals = sl_calloc(n ? n : 1, sizeof *vals);
    for (size_t i = 0; i < st->nkeys; i++)
        for (size_t k = 0; k < st->nrules; k++) {
            const ms_cell *c = &st->keys[i].cells[k];
            if (!c->dirty)
                continue;
            sl_buf_init(&vals[cap]);
            cell_encode(c, &vals[cap]);
            items[cap] = (sl_keyed_item){st->rules[k].scope, st->keys[i].k, vals[cap].data};
            cap++;
        }
    sl_keyed_tag *tags = sl_calloc(st->ntags ? st->ntags : 1, sizeof *tags);
    size_t ntags = 0;
    for (size_t i = 0; i < st->ntags; i++)
        if (st->tags[i].seen >= 0)
            tags[ntags++] = (sl_keyed_tag){st->tags[i].file, st->tags[i].seen};
    int rc = sl_state_keyed_put(run->state, run->pipeline->name, in->id, st->replace, items, n, tags, ntags, err);
    for (size_t i = 0; i < n; i++)
        sl_buf_release(&vals[i]);
    sl_free(vals);
    sl_free(items);
    sl_free(tags);
    if (rc < 0)
        return sl_error_prefix(err, "milestones: saving the state");
    for (size_t i = 0; i < st->nkeys; i++)
        for (size_t k = 0; k < st->nrules; k++)
            st->keys[i].cells[k].dirty = 0;
    st->replace = 0;
    return 0;
}

static void ms_close(sl_instance *in)
{
    ms_state *st = in->state;
    if (!st)
        return;
    for (size_t r = 0; r < st->nrules; r++) {
        sl_expr_free(st->rules[r].expr);
        sl_free(st->rules[r].match);
    }
    sl_free(st->rules);
    for (size_t i = 0; i < st->nkeys; i++) {
        for (size_t k = 0; k < st->nrules; k++)
            sl_free(st->keys[i].cells[k].times);
        sl_free(st->keys[i].cells);
        sl_free(st->keys[i].k);
    }
    sl_free(st->keys);
    sl_nameidx_release(&st->idx);
    for (size_t i = 0; i < st->ntags; i++)
        sl_free(st->tags[i].file);
    sl_free(st->tags);
    sl_free(st->emits);
    sl_free(st);
    in->state = NULL;
}

/* pushdown (engine/project.h): what is needed after it, the key and the
 * time, every column a rule's condition reads, and milestone and
 * milestone_at (a source column of either name is used as it is, or
 * fails the run: its presence changes what happens). A milestone row
 * copies its trigger's columns: those the later stages need are in the
 * set already; the others no one reads. It rejects no row. */
static int ms_needs(sl_instance *in, sl_projection *need)
{
    ms_opts *o = in->opts;
    sl_projection_add(need, o->key);
    sl_projection_add(need, o->time);
    sl_projection_add(need, "milestone");
    sl_projection_add(need, "milestone_at");
    for (size_t i = 0; i < o->rules.n; i++)
        for (size_t k = 0; k < sizeof conds / sizeof *conds; k++) {
            const sl_kv *kv = sl_kvlist_get(&o->rules.v[i], conds[k]);
            if (kv)
                sl_projection_add_expr(need, kv->value);
        }
    return 0;
}

const sl_transform_plugin sl_transform_milestones = {
    .version = SL_PLUGIN_VERSION,
    .name = "milestones",
    .summary = "stateful rules per key (first_time, count within a window, inactive): a derived row per milestone",
    .options = ms_options,
    .opts_size = sizeof(ms_opts),
    .check = ms_check,
    .columns = ms_columns,
    .open = ms_open,
    .process = ms_process,
    .close = ms_close,
    .stateful = 1,
    .done = ms_done,
    .needs = ms_needs,
};
