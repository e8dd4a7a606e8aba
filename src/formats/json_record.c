/* json_record.c: see json_record.h. */
#include "formats/json_record.h"
#include "core/mem.h"
#include "engine/project.h"
#include "engine/run.h"
#include <string.h>
#include <strings.h>

#define EXTRA_NAME "_extra"

void sl_json_record_init(sl_json_record_ctx *c)
{
    memset(c, 0, sizeof *c);
    sl_buf_init(&c->key);
    sl_buf_init(&c->val);
    sl_buf_init(&c->name);
    sl_buf_init(&c->path);
    sl_buf_init(&c->extra);
    sl_names_init(&c->names, 0);
    c->extra_name = -1;
}

void sl_json_record_release(sl_json_record_ctx *c)
{
    sl_buf_release(&c->key);
    sl_buf_release(&c->val);
    sl_buf_release(&c->name);
    sl_buf_release(&c->path);
    sl_buf_release(&c->extra);
    sl_names_release(&c->names);
    sl_free(c->want);
    sl_free(c->colof);
}

void sl_json_record_project(sl_json_record_ctx *c, const struct sl_projection *proj)
{
    c->proj = proj && !proj->all ? proj : NULL;
    c->filt = proj && proj->fcol ? proj : NULL;
    c->nwant = 0;
}

void sl_json_record_seed(sl_json_record_ctx *dst, const sl_json_record_ctx *src)
{
    dst->names.snake_case = src->names.snake_case;
    /* the same calls in the same order give the same names */
    for (size_t i = 0; i < src->names.n; i++) {
        const sl_name_entry *e = &src->names.v[i];
        sl_names_get(&dst->names, e->id, e->idlen, e->source, strlen(e->source));
    }
    dst->extra_name = src->extra_name;
    dst->proj = src->proj;
    dst->filt = src->filt;
    dst->nwant = 0;
}

/* Whether names entry k is a column to materialise (decided once per entry). */
static int wanted(sl_json_record_ctx *c, size_t k)
{
    if (!c->proj && !c->filt)
        return 1;
    if (k >= c->nwant) {
        size_t cap = c->names.n + 16;
        c->want = sl_realloc(c->want, cap);
        for (size_t i = c->nwant; i < c->names.n; i++) {
            const sl_name_entry *e = &c->names.v[i];
            int f = c->filt && strlen(c->filt->fcol) == e->namelen &&
                    strncasecmp(c->filt->fcol, e->name, e->namelen) == 0;
            c->want[i] = (uint8_t)((sl_projection_has(c->proj, e->name, e->namelen) || f) | (f << 1));
        }
        c->nwant = c->names.n;
    }
    c->last_want = c->want[k];
    return c->want[k] & 1;
}

size_t sl_json_record_width(const sl_json_record_ctx *c)
{
    return c->names.n;
}

/* The batch column of names entry k (found, or added as a raw JSON column). */
static size_t batch_column_find(sl_json_record_ctx *c, sl_batch *b, size_t k);

static size_t batch_column(sl_json_record_ctx *c, sl_batch *b, size_t k)
{
    if (k < c->ncolof && c->colof[k] >= 0 && (size_t)c->colof[k] < b->ncols)
        return (size_t)c->colof[k];
    size_t col = batch_column_find(c, b, k);
    if (k >= c->ncolof) {
        size_t n = c->names.n + 16;
        c->colof = sl_realloc(c->colof, n * sizeof *c->colof);
        for (size_t i = c->ncolof; i < n; i++)
            c->colof[i] = -1;
        c->ncolof = n;
    }
    c->colof[k] = (long)col;
    return col;
}

/* Forget the cached columns when b is another batch, a new one, or one
 * whose columns moved. */
static void batch_begin(sl_json_record_ctx *c, const sl_batch *b, size_t row)
{
    if (row == 0 || c->colof_batch != b || c->colof_layout != b->layout) {
        for (size_t i = 0; i < c->ncolof; i++)
            c->colof[i] = -1;
        c->colof_batch = b;
        c->colof_layout = b->layout;
    }
}

static size_t batch_column_find(sl_json_record_ctx *c, sl_batch *b, size_t k)
{
    const sl_name_entry *e = &c->names.v[k];
    const char *name = e->name;
    size_t n = e->namelen;
    if (c->hint < b->ncols && b->cols[c->hint].namelen == n && memcmp(b->cols[c->hint].name, name, n) == 0)
        return c->hint++;
    int at = sl_batch_find(b, name);
    if (at >= 0) {
        c->hint = (size_t)at + 1;
        return (size_t)at;
    }
    size_t i = sl_batch_add_column(b, name, n, SL_T_TEXT, 1);
    sl_column *col = &b->cols[i];
    /* a column slot of a cleared batch keeps its kind array (zeroed by
     * sl_batch_add_column): a new one would leak it (validate's sample) */
    if (!col->kind)
        col->kind = sl_calloc(col->cap, 1);
    c->hint = i + 1;
    return i;
}

#define SKIP_MEMBER (SIZE_MAX - 1)

/* The batch column of the member whose path is in c->path and whose
 * display name (flattened with its prefix) is key; SIZE_MAX when the
 * member is beyond max_columns and goes into `_extra`; SKIP_MEMBER when
 * projection pushdown leaves it out. */
static size_t column_for(sl_json_record_ctx *c, sl_batch *b, const char *key, size_t keylen,
                         const sl_json_record_opts *o)
{
    size_t max = o->max_columns ? o->max_columns : SL_MAX_COLUMNS_DEFAULT;
    size_t members = c->names.n - (c->extra_name >= 0);
    if (members + 1 >= max && sl_names_find(&c->names, c->path.data, c->path.len) < 0)
        return SIZE_MAX;
    size_t k = sl_names_get(&c->names, c->path.data, c->path.len, key, keylen); /* may move names.v */
    if (c->nmember++ == 0)
        c->first_k = k;
    if (!wanted(c, k))
        return SKIP_MEMBER;
    return batch_column(c, b, k);
}

/* Append member key (its value is at j's cursor) to the row's `_extra` object. */
static int spill(sl_json_record_ctx *c, sl_json *j, const char *key, size_t keylen)
{
    const char *start = j->p;
    if (sl_json_skip(j) < 0)
        return -1;
    sl_buf_addc(&c->extra, c->extra.len ? ',' : '{');
    sl_buf_add_json_str(&c->extra, key, keylen);
    sl_buf_addc(&c->extra, ':');
    sl_buf_add(&c->extra, start, (size_t)(j->p - start));
    return 0;
}

/* Store the row's `_extra` object, if it has one. */
static void extra_store(sl_json_record_ctx *c, sl_batch *b, size_t row)
{
    if (!c->extra.len)
        return;
    sl_buf_addc(&c->extra, '}');
    if (c->extra_name < 0) /* an id no member path has (those are never empty) */
        c->extra_name = (long)sl_names_get(&c->names, "", 0, EXTRA_NAME, strlen(EXTRA_NAME));
    size_t col = batch_column(c, b, (size_t)c->extra_name);
    sl_batch_set_text(b, col, row, c->extra.data, c->extra.len);
    b->cols[col].kind[row] = SL_KIND_JSON;
}

static void set_cell(sl_batch *b, size_t col, size_t row, const char *p, size_t n, int kind)
{
    sl_batch_set_text(b, col, row, p, n);
    b->cols[col].kind[row] = (uint8_t)kind;
}

static int read_object(sl_json_record_ctx *c, sl_json *j, sl_batch *b, size_t row,
                       const sl_json_record_opts *o, size_t prefix_len, size_t path_len, int depth)
{
    if (sl_json_object_begin(j) < 0)
        return -1;
    int first = 1, rc;
    const char *key;
    size_t keylen;
    while ((rc = sl_json_member_raw(j, &first, &c->key, &key, &keylen)) == 1) {
        uint32_t len32 = (uint32_t)keylen;
        c->path.len = path_len;
        sl_buf_add(&c->path, (const char *)&len32, sizeof len32);
        sl_buf_add(&c->path, key, keylen);
        sl_json_kind k = sl_json_peek(j);
        int nest = k == SL_JSON_OBJECT && o->flatten && depth <= o->max_depth;
        /* a top-level name is used where it lies; a nested one gets its prefix */
        if (prefix_len > 0 || nest) {
            c->name.len = prefix_len;
            sl_buf_add(&c->name, key, keylen);
            key = c->name.data;
            keylen = c->name.len;
        }
        if (nest) {
            sl_buf_adds(&c->name, o->separator);
            if (read_object(c, j, b, row, o, c->name.len, c->path.len, depth + 1) < 0)
                return -1;
            continue;
        }
        size_t col = column_for(c, b, key, keylen, o);
        if (col == SIZE_MAX) {
            if (spill(c, j, key, keylen) < 0)
                return -1;
            continue;
        }
        if (col != SKIP_MEMBER && c->failing && !(c->last_want & 2) && !c->nofilter) {
            col = SKIP_MEMBER; /* the row fails the filter: named, validated, not copied */
            c->skipped = 1;
        }
        if (col == SKIP_MEMBER) {
            /* validated, not copied (json.c's skip reports a bad value
             * as the reading below would: same checks, same message) */
            if (sl_json_skip(j) < 0)
                return -1;
            continue;
        }
        const char *start = j->p;
        switch (k) {
        case SL_JSON_STRING: {
            const char *sp;
            size_t sn;
            int escaped = 0;
            if (!sl_json_string_plain(j, &sp, &sn) && sl_json_string_raw(j, &sp, &sn, &escaped) < 0)
                return -1;
            if (escaped) {
                /* rare: unescape, then copy */
                sl_json sub;
                sl_json_init(&sub, sp - 1, sn + 2);
                if (sl_json_string(&sub, &c->val) < 0)
                    return -1;
                sp = c->val.data ? c->val.data : "";
                sn = c->val.len;
            }
            set_cell(b, col, row, sp, sn, SL_KIND_STRING);
            break;
        }
        case SL_JSON_NUMBER: {
            const char *np;
            size_t nn;
            if (sl_json_number(j, &np, &nn) < 0)
                return -1;
            set_cell(b, col, row, np, nn, SL_KIND_NUMBER);
            break;
        }
        case SL_JSON_TRUE:
        case SL_JSON_FALSE:
            if (sl_json_skip(j) < 0)
                return -1;
            set_cell(b, col, row, start, (size_t)(j->p - start), SL_KIND_BOOL);
            break;
        case SL_JSON_NULL:
            if (sl_json_skip(j) < 0)
                return -1;
            b->cols[col].valid[row] = 0;
            break;
        default:
            if (sl_json_skip(j) < 0)
                return -1;
            set_cell(b, col, row, start, (size_t)(j->p - start), SL_KIND_JSON);
            break;
        }
        if ((c->last_want & 2) && !c->nofilter) {
            const sl_column *fc = &b->cols[col];
            c->failing = !sl_projection_filter_match(c->filt, fc->valid[row], fc->valid[row] ? fc->str[row].p : NULL,
                                                     fc->valid[row] ? fc->str[row].n : 0);
        }
    }
    return rc;
}

const char *sl_json_record_column(const sl_json_record_ctx *c, const char *member)
{
    size_t n = strlen(member);
    uint32_t len32 = (uint32_t)n;
    char *id = sl_malloc(n + sizeof len32);
    memcpy(id, &len32, sizeof len32);
    memcpy(id + sizeof len32, member, n);
    long k = sl_names_find(&c->names, id, n + sizeof len32);
    sl_free(id);
    return k >= 0 ? c->names.v[k].name : NULL;
}

int sl_json_record_read(sl_json_record_ctx *c, sl_json *j, sl_batch *b, size_t row,
                        const sl_json_record_opts *o)
{
    if (sl_json_peek(j) != SL_JSON_OBJECT) {
        if (sl_json_skip(j) < 0)
            return -1;
        return -2;
    }
    c->hint = 0;
    batch_begin(c, b, row);
    /* records usually repeat the last one's members in order: look for
     * its first member first (core/names.h's hint, a guess only) */
    c->nmember = 0;
    c->names.hint = c->first_k;
    c->names.snake_case = o->snake_case;
    sl_buf_reset(&c->name);
    sl_buf_reset(&c->extra);
    const char *start = j->p;
    int depth = j->depth;
    c->failing = c->skipped = 0;
    int rc = read_object(c, j, b, row, o, 0, 0, 1);
    if (rc == 0 && c->skipped && !c->failing) {
        /* a repeated member made the row pass after some were skipped:
         * read it again, whole (rare: repeated member names) */
        j->p = start;
        j->depth = depth;
        c->hint = 0;
        sl_buf_reset(&c->name);
        sl_buf_reset(&c->extra);
        c->nofilter = 1;
        rc = read_object(c, j, b, row, o, 0, 0, 1);
        c->nofilter = 0;
    }
    if (rc == 0)
        extra_store(c, b, row);
    return rc;
}
