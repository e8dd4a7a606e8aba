/*
 * colcheck.c: see colcheck.h. The input is sampled through the source's
 * own reader (so delimiter, header, encoding, flattening and
 * normalize_names give exactly the names a run sees) in a dry run: no
 * state store, nothing recorded, no position kept. Only file sources are
 * sampled: reading a database or an API at validate would need them
 * reachable and could cost the API's quota.
 */
#include "engine/colcheck.h"
#include "engine/route.h"
#include "core/mem.h"
#include "engine/run.h"
#include "expr/expr.h"
#include "sources/files.h"
#include <stdio.h>
#include <string.h>

/* Records read from the input to learn its columns (all its files' headers
 * are read up to this many records). */
#define SAMPLE_RECORDS 10000

void sl_colset_release(sl_colset *c)
{
    for (size_t i = 0; i < c->n; i++)
        sl_free(c->v[i]);
    sl_free(c->v);
    memset(c, 0, sizeof *c);
}

int sl_colset_find(const sl_colset *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->v[i], name) == 0)
            return (int)i;
    return -1;
}

void sl_colset_add(sl_colset *c, const char *name)
{
    if (sl_colset_find(c, name) >= 0)
        return;
    SL_GROW(c->v, c->cap, c->n + 1);
    c->v[c->n++] = sl_strdup(name);
}

void sl_colset_remove(sl_colset *c, const char *name)
{
    int at = sl_colset_find(c, name);
    if (at < 0)
        return;
    sl_free(c->v[at]);
    memmove(c->v + at, c->v + at + 1, (c->n - (size_t)at - 1) * sizeof *c->v);
    c->n--;
}

void sl_colset_rename(sl_colset *c, const char *from, const char *to)
{
    int at = sl_colset_find(c, from);
    if (at < 0)
        return;
    sl_free(c->v[at]);
    c->v[at] = sl_strdup(to);
}

void sl_colset_set(sl_colset *c, char *const *names, size_t n)
{
    sl_colset_release(c);
    for (size_t i = 0; i < n; i++)
        sl_colset_add(c, names[i]);
    c->known = 1;
}

/* "a, b, c" (the first dozen, then ", ...") */
static void list_names(const sl_colset *c, char *out, size_t len)
{
    size_t at = 0;
    out[0] = 0;
    for (size_t i = 0; i < c->n && at < len; i++) {
        if (i == 12) {
            snprintf(out + at, len - at, ", ... (%zu in all)", c->n);
            return;
        }
        at += (size_t)snprintf(out + at, len - at, "%s%s", i ? ", " : "", c->v[i]);
    }
    if (!c->n)
        snprintf(out, len, "none");
}

static int word_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
           (unsigned char)ch >= 0x80;
}

/* Where name stands as a whole word in loc's file at or after loc: on
 * loc's line (an expression, a flow list) or one of the next few (the
 * items of a block list). loc itself when it is not found there. */
static sl_loc point_at(sl_loc loc, const char *name)
{
    FILE *f = loc.file && loc.line > 0 ? fopen(loc.file, "r") : NULL;
    if (!f)
        return loc;
    char line[4096];
    size_t len = strlen(name);
    for (int no = 1; no < loc.line + 20 && fgets(line, sizeof line, f); no++) {
        if (no < loc.line)
            continue;
        size_t from = no == loc.line && loc.col > 1 ? (size_t)loc.col - 1 : 0;
        if (from >= strlen(line))
            continue;
        for (const char *p = strstr(line + from, name); p; p = strstr(p + 1, name))
            if ((p == line || !word_char(p[-1])) && !word_char(p[len])) {
                fclose(f);
                return (sl_loc){loc.file, no, (int)(p - line) + 1};
            }
    }
    fclose(f);
    return loc;
}

static void unknown_diag(const sl_colset *c, const char *name, sl_loc loc, const char *what, const char *expr,
                         sl_diags *d)
{
    loc = point_at(loc, name);
    const char *s = sl_suggest(name, (const char *const *)c->v, c->n);
    char have[512];
    list_names(c, have, sizeof have);
    char in_expr[300] = "";
    if (expr)
        snprintf(in_expr, sizeof in_expr, " in '%.200s%s'", expr, strlen(expr) > 200 ? "..." : "");
    char quoted[300], *dq = NULL;
    snprintf(quoted, sizeof quoted, "\"%s\"", name);
    if (expr && strstr(expr, quoted))
        dq = "; in double quotes SQLite takes a name that is no column as a text: write a text in single quotes";
    sl_diags_add(d, loc, "%s: no column '%s'%s%s%s%s (the columns here: %s)%s", what, name, in_expr,
                 s ? "; did you mean '" : "", s ? s : "", s ? "'?" : "", have, dq ? dq : "");
}

sl_loc sl_colcheck_loc(sl_loc loc, const sl_instance *in)
{
    return loc.file ? loc : in->loc;
}

int sl_colset_require(const sl_colset *c, const char *name, sl_loc loc, const char *what, sl_diags *d)
{
    if (!c->known || sl_colset_find(c, name) >= 0)
        return 0;
    unknown_diag(c, name, loc, what, NULL, d);
    return 1;
}

int sl_colset_require_expr(const sl_colset *c, const char *text, sl_loc loc, const char *what, sl_diags *d)
{
    if (!c->known)
        return 0;
    char **unknown;
    size_t n;
    sl_error err;
    /* an expression wrong otherwise was reported by the transform's check */
    if (sl_expr_unknown_columns(text, (const char *const *)c->v, c->n, &unknown, &n, &err) < 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unknown_diag(c, unknown[i], loc, what, text, d);
        sl_free(unknown[i]);
    }
    sl_free(unknown);
    return (int)n;
}

/* The input's columns, read through the source in a dry run. The set
 * stays unknown when the source is not a file source, when its files are
 * not there, or when reading them fails (the run will say why). Returns
 * 1 when the sample is the whole input (every file read to its end). */
static int sample_input(sl_pipeline *pl, sl_colset *c)
{
    sl_instance *in = &pl->source;
    const sl_source_plugin *sp = SL_SOURCE(in);
    if (sp->next != sl_filesource_plugin_next)
        return 0;
    sl_pipeline copy = *pl;
    copy.batch_rows = SAMPLE_RECORDS;
    sl_run run;
    memset(&run, 0, sizeof run);
    run.project = pl->project;
    run.pipeline = &copy;
    run.dry_run = 1;      /* nothing recorded, no state store */
    run.full_refresh = 1; /* new_files: every file, loaded before or not */
    run.total_bytes = -1;
    pthread_mutex_init(&run.lock, NULL);
    sl_buf_init(&run.report);
    void *state = in->state;
    sl_run *was = in->run;
    sl_error err = {0};
    int rc = sp->open(in, &run, NULL, &err);
    if (rc == 0) {
        sl_batch *b = sl_batch_new();
        int64_t records = 0;
        while (records < SAMPLE_RECORDS && (rc = sp->next(in, b, &err)) == 1) {
            for (size_t i = 0; i < b->ncols; i++)
                sl_colset_add(c, b->cols[i].name);
            records += (int64_t)b->nrows + (int64_t)b->nrejects;
            sl_batch_clear(b);
        }
        sl_batch_free(b);
    }
    if (sp->close)
        sp->close(in);
    in->state = state;
    in->run = was;
    sl_buf_release(&run.report);
    pthread_mutex_destroy(&run.lock);
    if (rc < 0 || c->n == 0) {
        sl_colset_release(c);
        return 0;
    }
    c->known = 1;
    return rc == 0;
}

/* With the whole input read: a declared column type (`columns:`) for a
 * column the input does not have applies to nothing (a typo leaves the
 * real column to inference). */
static int check_declared(const sl_pipeline *pl, const sl_colset *c, sl_diags *d)
{
    const sl_instance *in = &pl->source;
    const sl_kvlist *decl = &((const sl_source_common *)in->opts)->columns;
    char what[160];
    snprintf(what, sizeof what, "source %s, columns (declared types)", in->id);
    int n = 0;
    for (size_t i = 0; i < decl->n; i++)
        n += sl_colset_require(c, decl->v[i].key, sl_colcheck_loc(decl->loc, in), what, d);
    return n;
}

/* Every sink's key columns: the options `key` (a list) and `only_if_newer`
 * (a column), whichever sink has them. */
static int check_sinks(const sl_pipeline *pl, const sl_colset *c, sl_diags *d)
{
    int n = 0;
    for (size_t k = 0; k < pl->nsinks; k++) {
        const sl_instance *s = &pl->sinks[k];
        char what[160];
        n += sl_route_columns(s, c, d);
        /* a sink's own keys name the columns it gets: those its select: keeps */
        sl_colset mine = {0};
        const sl_colset *cs = c;
        if (s->route && s->route->nselect && c->known) {
            for (size_t i = 0; i < c->n; i++)
                for (size_t j = 0; j < s->route->nselect; j++)
                    if (sl_route_match(s->route->select[j], c->v[i])) {
                        sl_colset_add(&mine, c->v[i]);
                        break;
                    }
            mine.known = 1;
            cs = &mine;
        }
        for (const sl_option *o = SL_SINK(s)->options; o && o->name; o++) {
            if (o->type == SL_OPT_LIST && strcmp(o->name, "key") == 0) {
                const sl_strlist *l = (const sl_strlist *)((const char *)s->opts + o->offset);
                snprintf(what, sizeof what, "sink %s, key", s->id);
                for (size_t i = 0; i < l->n; i++)
                    n += sl_colset_require(cs, l->v[i], sl_colcheck_loc(l->loc, s), what, d);
            } else if (o->type == SL_OPT_STRING && strcmp(o->name, "only_if_newer") == 0) {
                const char *v = *(char *const *)((const char *)s->opts + o->offset);
                snprintf(what, sizeof what, "sink %s, only_if_newer", s->id);
                if (v && *v)
                    n += sl_colset_require(cs, v, sl_colcheck_loc(sl_options_loc(o, s->opts, "only_if_newer"), s), what, d);
            }
        }
        if (SL_SINK(s)->columns)
            n += SL_SINK(s)->columns((sl_instance *)s, cs, d);
        sl_colset_release(&mine);
    }
    return n;
}

/* The columns the pipeline's checks name (checks: of the pipeline file),
 * in the rows that reach the sinks; in-stream checks' expressions too. */
static int check_checks(const sl_pipeline *pl, const sl_colset *c, sl_diags *d)
{
    int n = 0;
    for (size_t k = 0; k < pl->checks.n; k++) {
        const sl_check *ck = &pl->checks.v[k];
        char what[300];
        snprintf(what, sizeof what, "check %s", ck->name ? ck->name : "?");
        if (ck->kind == SL_CHECK_REQUIRED_COLUMNS) /* naming missing columns is its job, at run time */
            continue;
        for (size_t i = 0; i < ck->ncolumns; i++)
            n += sl_colset_require(c, ck->columns[i], ck->loc, what, d);
        if (ck->kind == SL_CHECK_EXPRESSION && ck->expression && sl_check_in_stream(ck))
            n += sl_colset_require_expr(c, ck->expression, ck->loc, what, d);
    }
    return n;
}

int sl_colcheck_pipeline(sl_pipeline *pl, sl_diags *d)
{
    size_t before = d->n;
    sl_colset c = {0};
    if (sample_input(pl, &c))
        check_declared(pl, &c, d);
    for (size_t i = 0; i < pl->ntransforms; i++) {
        sl_instance *t = &pl->transforms[i];
        if (SL_TRANSFORM(t)->columns)
            SL_TRANSFORM(t)->columns(t, &c, d);
        else
            sl_colset_release(&c); /* what it does to the columns is not known */
    }
    check_sinks(pl, &c, d);
    check_checks(pl, &c, d);
    sl_colset_release(&c);
    return (int)(d->n - before);
}
