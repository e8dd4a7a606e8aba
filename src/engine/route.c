/* route.c: a sink's `where:` and `select:` (see route.h). */
#include "engine/route.h"
#include "config/yaml.h"
#include "core/mem.h"
#include "engine/colcheck.h"
#include "engine/component.h"
#include "expr/expr.h"
#include <string.h>

const char *const sl_route_keys[] = {"where", "select", NULL};

void sl_route_free(sl_sink_route *r)
{
    if (!r)
        return;
    sl_free(r->where);
    for (size_t i = 0; i < r->nselect; i++)
        sl_free(r->select[i]);
    sl_free(r->select);
    sl_free(r->select_loc);
    sl_free(r);
}

static int valid_pattern(const char *s)
{
    if (!*s)
        return 0;
    const char *star = strchr(s, '*');
    return !star || star[1] == 0; /* one '*', at the end */
}

static void add_select(sl_sink_route *r, struct fy_node *item, const char *file, sl_diags *d)
{
    char *s = sl_yaml_scalar(item, file, 0, d);
    if (!s)
        return;
    sl_loc loc = sl_yaml_loc(item, file);
    if (!valid_pattern(s)) {
        sl_diags_add(d, loc, "select: '%s' is not a column name or a prefix glob such as 'user_*'", s);
        sl_free(s);
        return;
    }
    r->select = sl_realloc(r->select, (r->nselect + 1) * sizeof *r->select);
    r->select_loc = sl_realloc(r->select_loc, (r->nselect + 1) * sizeof *r->select_loc);
    r->select[r->nselect] = s;
    r->select_loc[r->nselect++] = loc;
}

sl_sink_route *sl_route_load(struct fy_node *map, const char *file, sl_diags *d)
{
    struct fy_node *w = fy_node_mapping_lookup_by_string(map, "where", 5);
    struct fy_node *s = fy_node_mapping_lookup_by_string(map, "select", 6);
    if (!w && !s)
        return NULL;
    size_t before = d->n;
    sl_sink_route *r = sl_calloc(1, sizeof *r);
    if (w) {
        r->where_loc = sl_yaml_loc(w, file);
        r->where = fy_node_is_scalar(w) ? sl_yaml_scalar(w, file, SL_YAML_MULTILINE, d) : NULL;
        sl_error err;
        if (!fy_node_is_scalar(w))
            sl_diags_add(d, r->where_loc, "where: must be an SQL condition (text), e.g. where: \"kind = 'milestone'\"");
        else if (r->where && sl_expr_validate(r->where, &err) < 0)
            sl_diags_add(d, r->where_loc, "where: %s", err.msg);
    }
    if (s) {
        r->select_at = sl_yaml_loc(s, file);
        if (fy_node_is_scalar(s)) {
            add_select(r, s, file, d);
        } else if (fy_node_is_sequence(s)) {
            void *it = NULL;
            struct fy_node *item;
            while ((item = fy_node_sequence_iterate(s, &it)) != NULL)
                add_select(r, item, file, d);
            if (r->nselect == 0 && d->n == before)
                sl_diags_add(d, r->select_at, "select: is empty (leave it out to send every column)");
        } else {
            sl_diags_add(d, r->select_at, "select: must be a list of column names or prefix globs ('user_*')");
        }
    }
    if (d->n != before) {
        sl_route_free(r);
        return NULL;
    }
    return r;
}

void sl_route_help(sl_buf *out)
{
    sl_buf_addf(out, "  %-16s %s\n", "where",
                "SQL condition: the sink gets only the rows it is true for; a row no sink takes counts as "
                "filtered (default: every row; docs/events/routing.md)");
    sl_buf_addf(out, "  %-16s %s\n", "select",
                "list of the columns the sink gets: names or prefix globs ('user_*') (default: every column)");
}

int sl_route_match(const char *pat, const char *name)
{
    size_t n = strlen(pat);
    if (n && pat[n - 1] == '*')
        return strncmp(pat, name, n - 1) == 0;
    return strcmp(pat, name) == 0;
}

int sl_route_columns(const sl_instance *sink, const sl_colset *c, sl_diags *d)
{
    const sl_sink_route *r = sink->route;
    if (!r || !c->known)
        return 0;
    int n = 0;
    char what[160];
    if (r->where) {
        snprintf(what, sizeof what, "sink %s, where", sink->id);
        n += sl_colset_require_expr(c, r->where, r->where_loc, what, d);
    }
    snprintf(what, sizeof what, "sink %s, select", sink->id);
    for (size_t i = 0; i < r->nselect; i++) {
        const char *p = r->select[i];
        size_t len = strlen(p);
        if (len && p[len - 1] == '*') {
            size_t k = 0;
            while (k < c->n && !sl_route_match(p, c->v[k]))
                k++;
            if (k == c->n) {
                sl_diags_add(d, r->select_loc[i], "%s: '%s' matches no column (columns: %s%s)", what, p,
                             c->n ? c->v[0] : "none", c->n > 1 ? ", ..." : "");
                n++;
            }
        } else {
            n += sl_colset_require(c, p, r->select_loc[i], what, d);
        }
    }
    return n;
}

/* Append column ci of b to out for the rows in rowmap[0..out->nrows). */
static void copy_column(const sl_batch *b, size_t ci, sl_batch *out, const size_t *rowmap)
{
    const sl_column *src = &b->cols[ci];
    size_t k = sl_batch_add_column(out, src->name, src->namelen, src->type, src->raw);
    sl_column *c = &out->cols[k];
    int st = src->raw ? SL_STORE_STR : sl_type_storage(src->type);
    if (src->kind && !c->kind)
        c->kind = sl_calloc(c->cap, 1);
    if (src->rendered) {
        if (!c->str)
            c->str = sl_malloc(c->cap * sizeof *c->str);
        c->rendered = 1;
    }
    for (size_t r = 0; r < out->nrows; r++) {
        size_t from = rowmap[r];
        c->valid[r] = src->valid[from];
        if (st == SL_STORE_I64)
            c->i64[r] = src->i64[from];
        else if (st == SL_STORE_F64)
            c->f64[r] = src->f64[from];
        if (st == SL_STORE_STR || src->rendered)
            c->str[r] = src->str[from];
        if (src->kind)
            c->kind[r] = src->kind[from];
    }
}

void sl_route_copy(const sl_batch *b, const uint8_t *keep, char *const *sel, size_t nsel, sl_batch *out,
                   size_t *rowmap)
{
    sl_batch_clear(out);
    out->file_index = b->file_index;
    out->file = b->file;
    out->end_offset = b->end_offset;
    out->end_line = b->end_line;
    out->no_position = b->no_position;
    out->file_done = b->file_done;
    out->clock_us = b->clock_us;
    for (size_t r = 0; r < b->nrows; r++) {
        if (keep && !keep[r])
            continue;
        rowmap[out->nrows] = r;
        sl_batch_add_row(out, b->offset[r], b->line[r]);
    }
    if (!nsel) {
        for (size_t i = 0; i < b->ncols; i++)
            copy_column(b, i, out, rowmap);
        return;
    }
    for (size_t k = 0; k < nsel; k++) {
        for (size_t i = 0; i < b->ncols; i++) {
            if (!sl_route_match(sel[k], b->cols[i].name) || sl_batch_find(out, b->cols[i].name) >= 0)
                continue;
            copy_column(b, i, out, rowmap);
            size_t len = strlen(sel[k]);
            if (!len || sel[k][len - 1] != '*')
                break; /* a name: one column */
        }
    }
}
