/*
 * ingest_paths.c: the configuration check that no two endpoints of
 * `sluice serve` take one HTTP path (stream/ingest.h,
 * sl_ingest_check_paths): two webhook sources on one path, a webhook
 * inside a Segment source's <path_prefix>/v1/ API, two Segment APIs that
 * overlap, or a Segment API on serve's own paths (/api/v1/...; a webhook's
 * own check refuses them), each on one listener (serve's, or one `listen:`
 * address). The first endpoint would silently take every request of the
 * other; this says so at load, at the source's file:line:col, so that
 * `sluice validate` catches it and `run` and `serve` refuse it.
 * (sl_ingest_start checks the opened endpoints again, with their own
 * matchers.)
 */
#include "stream/ingest.h"
#include "core/mem.h"
#include "core/util.h"
#include <stdio.h>
#include <string.h>

/* The paths one endpoint takes: exactly s, or (prefix) every path that
 * starts with s. */
typedef struct path_pattern {
    const char *s;
    int prefix;
} path_pattern;

typedef struct endpoint_paths {
    const sl_pipeline *pl;
    const char *listen; /* NULL: serve's listener */
    path_pattern pat;
    char *seg_prefix;   /* owned: "<path_prefix>/v1/" of a Segment source */
    sl_loc loc;
} endpoint_paths;

/* Serve's own paths (sched/api.c), on its listener only. */
static const path_pattern serve_paths[] = {{"/healthz", 0}, {"/metrics", 0}, {"/api/v1/", 1}, {NULL, 0}};

static const char *opt_str(const sl_instance *src, const char *name, sl_loc *loc)
{
    for (const sl_option *o = SL_SOURCE(src)->options; o && o->name; o++)
        if (strcmp(o->name, name) == 0 && o->type == SL_OPT_STRING) {
            sl_loc l = sl_options_loc(SL_SOURCE(src)->options, src->opts, name);
            if (loc && l.file)
                *loc = l;
            return *(char *const *)((const char *)src->opts + o->offset);
        }
    return NULL;
}

/* Whether some path is taken by both a and b. */
static int overlap(path_pattern a, path_pattern b)
{
    if (!a.prefix && !b.prefix)
        return strcmp(a.s, b.s) == 0;
    if (!a.prefix)
        return strncmp(a.s, b.s, strlen(b.s)) == 0;
    if (!b.prefix)
        return strncmp(b.s, a.s, strlen(a.s)) == 0;
    size_t la = strlen(a.s), lb = strlen(b.s);
    return strncmp(a.s, b.s, la < lb ? la : lb) == 0;
}

/* How a pattern reads in a message: /hooks/x, or /segment/v1/... */
static const char *shown(path_pattern p, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s", p.s, p.prefix ? "..." : "");
    return buf;
}

/* The endpoint of pipeline pl, 0 when it has none (not a stream source,
 * or a path the source's own check refuses). */
static int endpoint_of(const sl_pipeline *pl, endpoint_paths *e)
{
    const sl_instance *src = &pl->source;
    if (!src->plugin || !SL_SOURCE(src)->ingest || !src->opts)
        return 0;
    *e = (endpoint_paths){.pl = pl, .loc = src->loc};
    const char *listen = opt_str(src, "listen", NULL);
    e->listen = listen && *listen ? listen : NULL;
    const char *path = opt_str(src, "path", &e->loc);
    if (path) {
        if (!*path)
            return 0;
        e->pat = (path_pattern){path, 0};
        return 1;
    }
    const char *prefix = opt_str(src, "path_prefix", &e->loc);
    if (!prefix)
        return 0; /* neither a webhook nor a Segment API: its paths are not known here */
    e->seg_prefix = sl_printf("%s/v1/", prefix);
    e->pat = (path_pattern){e->seg_prefix, 1};
    return 1;
}

static const char *listener_name(const char *listen, char *buf, size_t len)
{
    if (!listen)
        return "serve's listener";
    snprintf(buf, len, "%s", listen);
    return buf;
}

int sl_ingest_check_paths(const sl_project *p, sl_diags *d)
{
    endpoint_paths *eps = sl_calloc(p->npipelines ? p->npipelines : 1, sizeof *eps);
    size_t n = 0;
    int added = 0;
    for (size_t i = 0; i < p->npipelines; i++)
        n += (size_t)endpoint_of(p->pipelines[i], &eps[n]);
    for (size_t i = 0; i < n; i++) {
        endpoint_paths *a = &eps[i];
        char lb[128], pb[300], qb[300];
        if (!a->listen && a->pat.prefix) /* a webhook's own check refuses these paths */
            for (size_t k = 0; serve_paths[k].s; k++)
                if (overlap(a->pat, serve_paths[k])) {
                    sl_diags_add(d, a->loc,
                                 "pipeline '%s' takes the path %s, which is sluice serve's own (%s): give it another "
                                 "path or a listen: of its own",
                                 a->pl->name, shown(a->pat, pb, sizeof pb), shown(serve_paths[k], qb, sizeof qb));
                    added++;
                    break;
                }
        for (size_t k = 0; k < i; k++) {
            endpoint_paths *b = &eps[k];
            int same = (!a->listen && !b->listen) || (a->listen && b->listen && strcmp(a->listen, b->listen) == 0);
            if (!same || !overlap(a->pat, b->pat))
                continue;
            path_pattern hit = !a->pat.prefix ? a->pat : !b->pat.prefix ? b->pat
                               : strlen(a->pat.s) > strlen(b->pat.s) ? a->pat
                                                                     : b->pat;
            sl_diags_add(d, a->loc,
                         "pipelines '%s' and '%s' both take the path %s on %s ('%s' at %s:%d:%d): give one of them "
                         "another path or a listen: of its own",
                         b->pl->name, a->pl->name, shown(hit, pb, sizeof pb), listener_name(a->listen, lb, sizeof lb),
                         b->pl->name, b->loc.file ? b->loc.file : "?", b->loc.line, b->loc.col);
            added++;
        }
    }
    for (size_t i = 0; i < n; i++)
        sl_free(eps[i].seg_prefix);
    sl_free(eps);
    return added;
}
