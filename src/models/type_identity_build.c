/*
 * type_identity_build.c: the build of a `type: identity` model
 * (docs/gtm/identity.md). In order:
 *   1. read every input row (streamed), normalise its identifiers, intern
 *      them (gtm/idgraph.h) and keep per row its identifier ids, seen_at
 *      and trait values (interned too);
 *   2. mark excluded identifiers (globs) and shared ones (their records
 *      carry more than N distinct values of another type);
 *   3. union the linked identifiers of each row (max_component_size);
 *   4. read the previous map/entities/merges and give each component its
 *      stable id (the older entity wins a merge; new: a hash);
 *   5. write entities, map and merges through sl_mtype_table_*.
 */
#include "core/log.h"
#include "core/mem.h"
#include "core/sqlident.h"
#include "gtm/gtm.h"
#include "gtm/idgraph.h"
#include "models/gtm_spec.h"
#include "models/type_identity_int.h"
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define TS_NONE INT64_MIN
enum { ST_LINKED, ST_EXCLUDED, ST_SHARED };
static const char *const status_names[] = {"linked", "excluded", "shared"};

typedef struct ident {
    int64_t first, last; /* seen_at range, TS_NONE when no seen_at */
    int64_t prevfirst;   /* first_seen of the previous map, TS_NONE */
    uint64_t sources;    /* bit per input (inputs past 63 share bit 63) */
    uint32_t degree;     /* rows carrying it (saturating) */
    uint32_t prev;       /* previous entity: eid index + 1, 0 none */
    uint8_t status;
} ident;

typedef struct bctx {
    const sl_mtype_build *b;
    const id_spec *s;
    sl_idgraph *g;     /* identifiers */
    sl_idgraph *pool;  /* trait values */
    sl_idgraph *eids;  /* entity ids (previous and new) */
    ident *id;
    size_t idcap;
    /* rows */
    uint32_t *rid;     /* identifier ids of all rows, concatenated */
    size_t nrid, ridcap;
    size_t *roff;      /* row r's ids: rid[roff[r] .. roff[r+1]) */
    int64_t *rseen;
    uint16_t *rinput;
    uint32_t *rtrait;  /* ntraits per row: pool id + 1, 0 NULL */
    size_t nrows, rowcap, rtraitcap;
    /* the input being read */
    size_t input;
    sl_buf norm;
    int64_t now;
    /* previous entities' first_seen, per eid */
    int64_t *eidfirst;
    size_t eidfirstcap;
    char *bad_time;    /* a seen_at value that is not a time: the read stops, the build fails naming it */
} bctx;

/* ---- small helpers ---- */

/* times as both warehouses print them (models/gtm_spec.h: offsets
 * applied), TS_NONE when s is NULL or not a time */
static int64_t parse_ts(const char *s)
{
    int64_t t;
    return sl_gtms_time_parse(s, &t) == 0 ? t : TS_NONE;
}

static uint64_t hash64(const char *a, size_t na, const char *b, size_t nb, unsigned salt)
{
    uint64_t h = 1469598103934665603ULL ^ salt;
    for (size_t i = 0; i < na; i++)
        h = (h ^ (unsigned char)a[i]) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;
    for (size_t i = 0; i < nb; i++)
        h = (h ^ (unsigned char)b[i]) * 1099511628211ULL;
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Normalise one cell by its type's method into c->norm; 0 when nothing is left. */
static int normalize(bctx *c, const id_type *t, const char *v)
{
    size_t n = strlen(v);
    while (n && (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r'))
        v++, n--;
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\n' || v[n - 1] == '\r'))
        n--;
    if (!n)
        return 0;
    sl_buf_reset(&c->norm);
    int ok;
    switch (t->norm) {
    case ID_NORM_CASEFOLD:
        ok = sl_gtm_text_casefold(v, n, &c->norm);
        break;
    case ID_NORM_EMAIL:
        ok = sl_gtm_email_normalize(v, n, &c->norm);
        break;
    case ID_NORM_CANONICAL:
        ok = sl_gtm_email_canonical(v, n, &c->norm);
        break;
    case ID_NORM_PHONE:
        ok = sl_gtm_phone_normalize(v, n, c->s->region, &c->norm);
        break;
    case ID_NORM_DOMAIN:
        ok = sl_gtm_domain_registered(v, n, &c->norm);
        break;
    default:
        sl_buf_add(&c->norm, v, n);
        ok = 1;
    }
    return ok && c->norm.len > 0;
}

static int excluded(const id_spec *s, const char *v)
{
    for (size_t i = 0; i < s->nexclude; i++)
        if (fnmatch(s->exclude[i], v, FNM_CASEFOLD) == 0)
            return 1;
    return 0;
}

/* ---- 1. reading the inputs ---- */

static int check_columns(bctx *c, const id_input *in, sl_relation rel, sl_error *err)
{
    sl_adapter_column *cols = NULL;
    size_t n = 0;
    if (sl_adapter_columns(c->b->a, rel, &cols, &n, err) < 0)
        return -1;
    if (n == 0) {
        sl_adapter_columns_free(cols, n);
        return sl_error_set(err, SL_ECONFIG, "model %s: input %s has no relation in the warehouse (build it first)",
                            c->s->name, in->from);
    }
    const char **names = sl_calloc(n + 1, sizeof *names);
    for (size_t i = 0; i < n; i++)
        names[i] = cols[i].name;
    int rc = 0;
    size_t total = in->nid + in->ntraits + 1;
    for (size_t k = 0; k < total && rc == 0; k++) {
        const char *want = k < in->nid ? in->id_cols[k] : k < in->nid + in->ntraits ? in->trait_cols[k - in->nid]
                                                                                     : in->seen_at;
        const char *role = k < in->nid ? "identifier" : k < in->nid + in->ntraits ? "trait" : "seen_at";
        if (!want)
            continue;
        int found = 0;
        for (size_t i = 0; i < n && !found; i++)
            found = strcasecmp(names[i], want) == 0;
        if (!found) {
            const char *sug = sl_suggest(want, names, n);
            rc = sl_error_set(err, SL_ECONFIG, "model %s: input %s has no column '%s' (%s)%s%s%s", c->s->name,
                              in->from, want, role, sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
        }
    }
    sl_free(names);
    sl_adapter_columns_free(cols, n);
    return rc;
}

static void grow_ids(bctx *c)
{
    size_t n = sl_idgraph_count(c->g);
    if (n <= c->idcap)
        return;
    size_t old = c->idcap;
    SL_GROW(c->id, c->idcap, n);
    for (size_t i = old; i < c->idcap; i++) {
        memset(&c->id[i], 0, sizeof c->id[i]);
        c->id[i].first = c->id[i].last = c->id[i].prevfirst = TS_NONE;
    }
}

static int on_row(void *ctx, size_t ncols, const char *const *names, const char *const *cells)
{
    (void)ncols;
    (void)names;
    bctx *c = ctx;
    const id_spec *s = c->s;
    const id_input *in = &s->in[c->input];
    int64_t seen = in->seen_at ? parse_ts(cells[in->nid]) : TS_NONE;
    if (seen == TS_NONE && in->seen_at && cells[in->nid] && *cells[in->nid]) {
        c->bad_time = sl_strdup(cells[in->nid]);
        return 1; /* stop: a build never guesses a time */
    }
    size_t start = c->nrid;
    for (size_t k = 0; k < in->nid; k++) {
        if (!cells[k])
            continue;
        const id_type *t = &s->types[in->id_type[k]];
        if (!normalize(c, t, cells[k]))
            continue;
        int added = 0;
        uint32_t id = sl_idgraph_intern(c->g, in->id_type[k], c->norm.data, c->norm.len, &added);
        if (added) {
            grow_ids(c);
            if (excluded(s, c->norm.data))
                c->id[id].status = ST_EXCLUDED;
        }
        int dup = 0;
        for (size_t j = start; j < c->nrid && !dup; j++)
            dup = c->rid[j] == id;
        if (dup)
            continue;
        SL_GROW(c->rid, c->ridcap, c->nrid + 1);
        c->rid[c->nrid++] = id;
        ident *x = &c->id[id];
        x->sources |= 1ULL << (c->input < 63 ? c->input : 63);
        if (x->degree < UINT32_MAX)
            x->degree++;
        if (seen != TS_NONE) {
            if (x->first == TS_NONE || seen < x->first)
                x->first = seen;
            if (x->last == TS_NONE || seen > x->last)
                x->last = seen;
        }
    }
    if (c->nrid == start)
        return 0; /* no identifier: not a record */
    size_t r = c->nrows;
    if (r + 2 > c->rowcap) {
        size_t cap = c->rowcap;
        SL_GROW(c->roff, cap, r + 2);
        cap = c->rowcap;
        SL_GROW(c->rseen, cap, r + 2);
        cap = c->rowcap;
        SL_GROW(c->rinput, cap, r + 2);
        c->rowcap = cap;
    }
    c->roff[r] = start;
    c->roff[r + 1] = c->nrid;
    c->rseen[r] = seen;
    c->rinput[r] = (uint16_t)c->input;
    if (s->ntraits) {
        SL_GROW(c->rtrait, c->rtraitcap, (r + 1) * s->ntraits);
        memset(c->rtrait + r * s->ntraits, 0, s->ntraits * sizeof *c->rtrait);
        for (size_t k = 0; k < in->ntraits; k++) {
            const char *v = cells[in->nid + 1 + k];
            if (v)
                c->rtrait[r * s->ntraits + in->trait_idx[k]] = sl_idgraph_intern(c->pool, 0, v, strlen(v), NULL) + 1;
        }
    }
    c->nrows++;
    return 0;
}

static int read_input(bctx *c, size_t i, sl_error *err)
{
    const id_input *in = &c->s->in[i];
    sl_relation rel;
    if (sl_mtype_relation(c->b, in->from, &rel, err) < 0 || check_columns(c, in, rel, err) < 0)
        return -1;
    sl_buf sql;
    sl_buf_init(&sql);
    sl_buf_adds(&sql, "SELECT ");
    for (size_t k = 0; k < in->nid; k++) {
        sl_sql_ident(&sql, in->id_cols[k]);
        sl_buf_adds(&sql, ", ");
    }
    if (in->seen_at)
        sl_sql_ident(&sql, in->seen_at);
    else
        sl_buf_adds(&sql, "NULL");
    for (size_t k = 0; k < in->ntraits; k++) {
        sl_buf_adds(&sql, ", ");
        sl_sql_ident(&sql, in->trait_cols[k]);
    }
    sl_buf_adds(&sql, " FROM ");
    sl_mtype_relation_sql(c->b, rel, &sql);
    c->input = i;
    int rc = sl_adapter_query(c->b->a, sql.data, 0, on_row, c, err);
    sl_buf_release(&sql);
    if (rc == 0 && c->bad_time) {
        rc = sl_error_set(err, SL_EDATA, "model %s: input %s: column %s holds '%.60s', not a time (YYYY-MM-DD[ HH:MM:SS])",
                          c->s->name, in->from, in->seen_at, c->bad_time);
        sl_free(c->bad_time);
        c->bad_time = NULL;
        return rc;
    }
    if (rc < 0)
        sl_error_prefix(err, "model %s: reading input %s", c->s->name, in->from);
    return rc;
}

/* ---- 2. shared identifiers ---- */

static void mark_shared(bctx *c)
{
    const id_spec *s = c->s;
    int64_t minn = INT64_MAX;
    for (size_t t = 0; t < s->ntypes; t++)
        if (s->types[t].shared < minn)
            minn = s->types[t].shared;
    uint64_t *pairs = NULL;
    size_t np = 0, cap = 0;
    for (size_t r = 0; r < c->nrows; r++)
        for (size_t a = c->roff[r]; a < c->roff[r + 1]; a++) {
            uint32_t x = c->rid[a];
            if (c->id[x].status != ST_LINKED || c->id[x].degree <= (uint64_t)minn)
                continue;
            for (size_t k = c->roff[r]; k < c->roff[r + 1]; k++) {
                uint32_t y = c->rid[k];
                if (c->id[y].status == ST_EXCLUDED || sl_idgraph_type(c->g, y) == sl_idgraph_type(c->g, x))
                    continue;
                SL_GROW(pairs, cap, np + 1);
                pairs[np++] = (uint64_t)x << 32 | y;
            }
        }
    if (np)
        qsort(pairs, np, sizeof *pairs, cmp_u64);
    uint32_t *count = sl_calloc(s->ntypes + 1, sizeof *count);
    for (size_t i = 0; i < np;) {
        uint32_t x = (uint32_t)(pairs[i] >> 32);
        memset(count, 0, s->ntypes * sizeof *count);
        size_t j = i;
        for (; j < np && (uint32_t)(pairs[j] >> 32) == x; j++) {
            if (j > i && pairs[j] == pairs[j - 1])
                continue;
            uint32_t t = sl_idgraph_type(c->g, (uint32_t)pairs[j]);
            if (++count[t] > (uint64_t)s->types[t].shared)
                c->id[x].status = ST_SHARED;
        }
        i = j;
    }
    sl_free(count);
    sl_free(pairs);
}

/* ---- 3. components ---- */

typedef struct comp {
    uint32_t minid;     /* smallest identifier (type name, value) */
    uint32_t newid;     /* first identifier without a previous entity, or NONE */
    uint32_t nids, records;
    int64_t first, last;
    uint32_t eid;       /* index in c->eids */
} comp;

static int link_rows(bctx *c)
{
    uint64_t refused = 0;
    uint32_t big = SL_IDGRAPH_NONE;
    for (size_t r = 0; r < c->nrows; r++) {
        uint32_t f = SL_IDGRAPH_NONE;
        for (size_t a = c->roff[r]; a < c->roff[r + 1]; a++) {
            uint32_t y = c->rid[a];
            if (c->id[y].status != ST_LINKED)
                continue;
            if (f == SL_IDGRAPH_NONE) {
                f = y;
                continue;
            }
            if (sl_idgraph_union(c->g, f, y, c->s->max_component) < 0) {
                refused++;
                uint32_t rf = sl_idgraph_root(c->g, f), ry = sl_idgraph_root(c->g, y);
                if (sl_idgraph_size(c->g, rf) > sl_idgraph_size(c->g, ry))
                    ry = rf;
                if (big == SL_IDGRAPH_NONE || sl_idgraph_size(c->g, ry) > sl_idgraph_size(c->g, sl_idgraph_root(c->g, big)))
                    big = ry;
            }
        }
    }
    if (refused) {
        big = sl_idgraph_root(c->g, big);
        uint32_t t = sl_idgraph_type(c->g, big);
        sl_log_warn("model %s: %llu links refused: a component of %u identifiers (holding %s %s) reached "
                    "max_component_size %u: not merged further",
                    c->s->name, (unsigned long long)refused, sl_idgraph_size(c->g, big), c->s->types[t].name,
                    sl_idgraph_value(c->g, big, NULL), c->s->max_component);
    }
    return 0;
}

/* ---- 4. previous state ---- */

typedef struct prevq {
    bctx *c;
    int what; /* 0 map, 1 entities, 2 merges */
    sl_mtype_table *merges;
    char **kept; /* previous merges: 4 cells a row */
    size_t nkept, keptcap;
} prevq;

static uint32_t eid_intern(bctx *c, const char *v)
{
    int added = 0;
    uint32_t e = sl_idgraph_intern(c->eids, 0, v, strlen(v), &added);
    if (added) {
        size_t old = c->eidfirstcap;
        SL_GROW(c->eidfirst, c->eidfirstcap, (size_t)e + 1);
        for (size_t i = old; i < c->eidfirstcap; i++)
            c->eidfirst[i] = TS_NONE;
    }
    return e;
}

static int on_prev(void *ctx, size_t ncols, const char *const *names, const char *const *cells)
{
    (void)names;
    prevq *q = ctx;
    bctx *c = q->c;
    if (q->what == 2) {
        /* kept, written after the query: no statement may run on the
         * connection while a PostgreSQL query streams its rows */
        if (ncols == 4) {
            /* a merged (retired) id stays taken: a later component, even
             * one a split leaves with the same smallest identifier, never
             * gets it again (new_eid salts past it) */
            if (cells[0])
                eid_intern(c, cells[0]);
            SL_GROW(q->kept, q->keptcap, q->nkept + 4);
            for (size_t i = 0; i < 4; i++)
                q->kept[q->nkept++] = cells[i] ? sl_strdup(cells[i]) : NULL;
        }
        return 0;
    }
    if (q->what == 1) {
        if (cells[0]) {
            uint32_t e = eid_intern(c, cells[0]);
            c->eidfirst[e] = parse_ts(cells[1]);
        }
        return 0;
    }
    if (!cells[0] || !cells[1])
        return 0;
    uint32_t t = SL_IDGRAPH_NONE;
    for (size_t i = 0; i < c->s->ntypes; i++)
        if (strcmp(c->s->types[i].name, cells[0]) == 0)
            t = (uint32_t)i;
    if (t == SL_IDGRAPH_NONE)
        return 0;
    uint32_t id = sl_idgraph_lookup(c->g, t, cells[1], strlen(cells[1]));
    if (id == SL_IDGRAPH_NONE)
        return 0; /* gone from the inputs: it leaves the map */
    if (cells[2])
        c->id[id].prev = eid_intern(c, cells[2]) + 1;
    int64_t f = parse_ts(cells[3]);
    if (f != TS_NONE && (c->id[id].prevfirst == TS_NONE || f < c->id[id].prevfirst))
        c->id[id].prevfirst = f;
    return 0;
}

static int read_prev(bctx *c, sl_relation r, int what, const char *cols, sl_mtype_table *merges, sl_error *err)
{
    int exists = 0;
    if (sl_mtype_exists(c->b, r, &exists, err) < 0)
        return -1;
    if (!exists)
        return 0;
    sl_buf sql;
    sl_buf_init(&sql);
    sl_buf_addf(&sql, "SELECT %s FROM ", cols);
    sl_mtype_relation_sql(c->b, r, &sql);
    prevq q = {c, what, merges, NULL, 0, 0};
    int rc = sl_adapter_query(c->b->a, sql.data, 0, on_prev, &q, err);
    sl_buf_release(&sql);
    if (rc < 0)
        sl_error_prefix(err, "model %s: reading its previous %s", c->s->name, r.identifier);
    for (size_t i = 0; i < q.nkept; i += 4)
        if (rc == 0)
            rc = sl_mtype_table_row(merges, (const char *const *)q.kept + i, err);
    for (size_t i = 0; i < q.nkept; i++)
        sl_free(q.kept[i]);
    sl_free(q.kept);
    return rc < 0 ? -1 : 0;
}

/* the older of two previous entities: earlier first_seen, then smaller id */
static int older(bctx *c, uint32_t a, uint32_t b)
{
    int64_t fa = c->eidfirst[a] == TS_NONE ? INT64_MAX : c->eidfirst[a];
    int64_t fb = c->eidfirst[b] == TS_NONE ? INT64_MAX : c->eidfirst[b];
    if (fa != fb)
        return fa < fb;
    return strcmp(sl_idgraph_value(c->eids, a, NULL), sl_idgraph_value(c->eids, b, NULL)) < 0;
}

static uint32_t new_eid(bctx *c, uint32_t minid)
{
    size_t nt, nv;
    const char *t = c->s->types[sl_idgraph_type(c->g, minid)].name;
    const char *v = sl_idgraph_value(c->g, minid, &nv);
    nt = strlen(t);
    for (unsigned salt = 0;; salt++) {
        char buf[24];
        snprintf(buf, sizeof buf, "e_%016llx", (unsigned long long)hash64(t, nt, v, nv, salt));
        if (sl_idgraph_lookup(c->eids, 0, buf, strlen(buf)) == SL_IDGRAPH_NONE)
            return eid_intern(c, buf);
    }
}

/* ---- the build ---- */

static const char *src_list(bctx *c, uint64_t mask, sl_buf *out)
{
    sl_buf_reset(out);
    for (size_t i = 0; i < c->s->nin; i++) {
        if (!(mask & (1ULL << (i < 63 ? i : 63))))
            continue;
        int dup = 0;
        for (size_t k = 0; k < i && !dup; k++)
            dup = (mask & (1ULL << (k < 63 ? k : 63))) && strcmp(c->s->in[k].source, c->s->in[i].source) == 0;
        if (dup)
            continue;
        if (out->len)
            sl_buf_addc(out, ',');
        sl_buf_adds(out, c->s->in[i].source);
    }
    sl_buf_addc(out, 0);
    return out->data;
}

typedef struct surv {
    uint32_t comp, val, row;
} surv;

static int later(const bctx *c, uint32_t a, uint32_t b)
{
    if (c->rseen[a] != c->rseen[b])
        return c->rseen[a] > c->rseen[b];
    return a > b;
}
static int cmp_surv(const void *x, const void *y)
{
    const surv *a = x, *b = y;
    if (a->comp != b->comp)
        return a->comp < b->comp ? -1 : 1;
    if (a->val != b->val)
        return a->val < b->val ? -1 : 1;
    return a->row < b->row ? -1 : a->row > b->row;
}

/* best[comp * ntraits + t]: the row whose value survives, NONE when none */
static uint32_t *survive(bctx *c, const uint32_t *rowcomp, size_t ncomp)
{
    const id_spec *s = c->s;
    size_t nt = s->ntraits;
    uint32_t *best = sl_malloc((ncomp * nt + 1) * sizeof *best);
    for (size_t i = 0; i < ncomp * nt; i++)
        best[i] = SL_IDGRAPH_NONE;
    for (size_t t = 0; t < nt; t++) {
        const id_trait *tr = &s->traits[t];
        if (tr->rule == ID_SURV_FREQUENT) {
            surv *v = NULL;
            size_t n = 0, cap = 0;
            for (size_t r = 0; r < c->nrows; r++)
                if (rowcomp[r] != SL_IDGRAPH_NONE && c->rtrait[r * nt + t]) {
                    SL_GROW(v, cap, n + 1);
                    v[n++] = (surv){rowcomp[r], c->rtrait[r * nt + t], (uint32_t)r};
                }
            if (n)
                qsort(v, n, sizeof *v, cmp_surv);
            uint32_t *bestn = sl_calloc(ncomp + 1, sizeof *bestn);
            for (size_t i = 0; i < n;) {
                size_t j = i;
                uint32_t top = v[i].row;
                for (; j < n && v[j].comp == v[i].comp && v[j].val == v[i].val; j++)
                    if (later(c, v[j].row, top))
                        top = v[j].row;
                uint32_t cnt = (uint32_t)(j - i);
                size_t slot = (size_t)v[i].comp * nt + t;
                if (best[slot] == SL_IDGRAPH_NONE || cnt > bestn[v[i].comp] ||
                    (cnt == bestn[v[i].comp] && later(c, top, best[slot]))) {
                    best[slot] = top;
                    bestn[v[i].comp] = cnt;
                }
                i = j;
            }
            sl_free(bestn);
            sl_free(v);
            continue;
        }
        for (size_t r = 0; r < c->nrows; r++) {
            if (rowcomp[r] == SL_IDGRAPH_NONE || !c->rtrait[r * nt + t])
                continue;
            size_t slot = (size_t)rowcomp[r] * nt + t;
            uint32_t b = best[slot];
            int take = b == SL_IDGRAPH_NONE;
            if (!take && tr->rule == ID_SURV_PRIORITY) {
                size_t ra = tr->npriority, rb = tr->npriority;
                for (size_t k = 0; k < tr->npriority; k++) {
                    if (ra == tr->npriority && strcmp(tr->priority[k], s->in[c->rinput[r]].source) == 0)
                        ra = k;
                    if (rb == tr->npriority && strcmp(tr->priority[k], s->in[c->rinput[b]].source) == 0)
                        rb = k;
                }
                take = ra < rb || (ra == rb && later(c, (uint32_t)r, b));
            } else if (!take) {
                take = later(c, (uint32_t)r, b);
            }
            if (take)
                best[slot] = (uint32_t)r;
        }
    }
    return best;
}

static void bctx_free(bctx *c)
{
    sl_idgraph_free(c->g);
    sl_idgraph_free(c->pool);
    sl_idgraph_free(c->eids);
    sl_free(c->id);
    sl_free(c->rid);
    sl_free(c->roff);
    sl_free(c->rseen);
    sl_free(c->rinput);
    sl_free(c->rtrait);
    sl_free(c->eidfirst);
    sl_free(c->bad_time);
    sl_buf_release(&c->norm);
}

static int write_outputs(bctx *c, sl_mtype_table *mt, sl_mat_result *res, sl_error *err);

int sl_identity_build(const sl_mtype_build *b, sl_mat_result *res, sl_error *err)
{
    bctx c;
    memset(&c, 0, sizeof c);
    c.b = b;
    c.s = b->spec;
    c.g = sl_idgraph_new();
    c.pool = sl_idgraph_new();
    c.eids = sl_idgraph_new();
    sl_buf_init(&c.norm);
    c.now = parse_ts(b->run_started_at);
    int rc = 0;
    for (size_t i = 0; i < c.s->nin && rc == 0; i++)
        rc = read_input(&c, i, err);
    sl_mtype_table *mt = NULL;
    if (rc == 0) {
        mark_shared(&c);
        link_rows(&c);
        sl_relation self = sl_mtype_self(b), map, merges;
        static const sl_mtype_col mcols[] = {{"merged_entity_id", SL_MT_TEXT},
                                             {"into_entity_id", SL_MT_TEXT},
                                             {"merged_at", SL_MT_TIMESTAMP},
                                             {"reason", SL_MT_TEXT}};
        rc = sl_mtype_relation(b, c.s->map_name, &map, err);
        if (rc == 0)
            rc = sl_mtype_relation(b, c.s->merges_name, &merges, err);
        if (rc == 0)
            rc = read_prev(&c, map, 0, "identifier_type, identifier_value, entity_id, first_seen", NULL, err);
        if (rc == 0)
            rc = read_prev(&c, self, 1, "entity_id, first_seen", NULL, err);
        if (rc == 0)
            rc = sl_mtype_table_open(b, merges, mcols, 4, &mt, err);
        if (rc == 0)
            rc = read_prev(&c, merges, 2, "merged_entity_id, into_entity_id, merged_at, reason", mt, err);
        if (rc == 0)
            rc = write_outputs(&c, mt, res, err);
        else
            sl_mtype_table_free(mt);
    }
    bctx_free(&c);
    return rc;
}

static int write_outputs(bctx *c, sl_mtype_table *mt, sl_mat_result *res, sl_error *err)
{
    const id_spec *s = c->s;
    const sl_mtype_build *b = c->b;
    uint32_t nids = sl_idgraph_count(c->g);
    /* components of the linked identifiers */
    uint32_t *compof = sl_malloc(((size_t)nids + 1) * sizeof *compof); /* per identifier */
    for (uint32_t i = 0; i < nids; i++)
        compof[i] = SL_IDGRAPH_NONE;
    comp *cs = NULL;
    size_t ncomp = 0, ccap = 0;
    for (uint32_t i = 0; i < nids; i++) {
        if (c->id[i].status != ST_LINKED)
            continue;
        uint32_t r = sl_idgraph_root(c->g, i);
        if (compof[r] == SL_IDGRAPH_NONE) {
            SL_GROW(cs, ccap, ncomp + 1);
            cs[ncomp] = (comp){i, SL_IDGRAPH_NONE, 0, 0, TS_NONE, TS_NONE, SL_IDGRAPH_NONE};
            compof[r] = (uint32_t)ncomp++;
        }
    }
    uint32_t *pertype = sl_calloc(ncomp * s->ntypes + 1, sizeof *pertype);
    for (uint32_t i = 0; i < nids; i++) {
        ident *x = &c->id[i];
        if (x->first == TS_NONE) {
            x->first = x->prevfirst != TS_NONE ? x->prevfirst : c->now;
            x->last = c->now;
        } else if (x->prevfirst != TS_NONE && x->prevfirst < x->first) {
            x->first = x->prevfirst;
        }
        if (x->status != ST_LINKED)
            continue;
        uint32_t k = compof[sl_idgraph_root(c->g, i)];
        compof[i] = k;
        comp *p = &cs[k];
        if (sl_idgraph_cmp(c->g, i, p->minid) < 0)
            p->minid = i;
        if (!x->prev && p->newid == SL_IDGRAPH_NONE)
            p->newid = i;
        p->nids++;
        pertype[(size_t)k * s->ntypes + sl_idgraph_type(c->g, i)]++;
        if (p->first == TS_NONE || x->first < p->first)
            p->first = x->first;
        if (p->last == TS_NONE || x->last > p->last)
            p->last = x->last;
    }
    uint32_t *rowcomp = sl_malloc((c->nrows + 1) * sizeof *rowcomp);
    for (size_t r = 0; r < c->nrows; r++) {
        rowcomp[r] = SL_IDGRAPH_NONE;
        for (size_t a = c->roff[r]; a < c->roff[r + 1] && rowcomp[r] == SL_IDGRAPH_NONE; a++)
            rowcomp[r] = compof[c->rid[a]];
        if (rowcomp[r] != SL_IDGRAPH_NONE)
            cs[rowcomp[r]].records++;
    }
    /* stable ids: each previous entity goes to the component holding most
     * of its identifiers (ties: the smaller component's smallest identifier) */
    uint64_t *pe = NULL;
    size_t npe = 0, pecap = 0;
    for (uint32_t i = 0; i < nids; i++)
        if (c->id[i].prev && compof[i] != SL_IDGRAPH_NONE && c->id[i].status == ST_LINKED) {
            SL_GROW(pe, pecap, npe + 1);
            pe[npe++] = (uint64_t)(c->id[i].prev - 1) << 32 | compof[i];
        }
    if (npe)
        qsort(pe, npe, sizeof *pe, cmp_u64);
    uint64_t *won = NULL; /* comp << 32 | eid */
    size_t nwon = 0, woncap = 0;
    for (size_t i = 0; i < npe;) {
        uint32_t e = (uint32_t)(pe[i] >> 32), bestc = SL_IDGRAPH_NONE;
        size_t bestn = 0, j = i;
        while (j < npe && (uint32_t)(pe[j] >> 32) == e) {
            uint64_t v = pe[j];
            size_t n = 0;
            while (j < npe && pe[j] == v)
                j++, n++;
            uint32_t k = (uint32_t)v;
            if (bestc == SL_IDGRAPH_NONE || n > bestn ||
                (n == bestn && sl_idgraph_cmp(c->g, cs[k].minid, cs[bestc].minid) < 0)) {
                bestc = k;
                bestn = n;
            }
        }
        SL_GROW(won, woncap, nwon + 1);
        won[nwon++] = (uint64_t)bestc << 32 | e;
        i = j;
    }
    sl_free(pe);
    if (nwon)
        qsort(won, nwon, sizeof *won, cmp_u64);
    int rc = 0;
    sl_buf reason;
    sl_buf_init(&reason);
    char merged_at[32];
    snprintf(merged_at, sizeof merged_at, "%s", b->run_started_at);
    int64_t nmerges = 0;
    for (size_t i = 0; i < nwon && rc == 0;) {
        uint32_t k = (uint32_t)(won[i] >> 32), keep = (uint32_t)won[i];
        size_t j = i;
        for (; j < nwon && (uint32_t)(won[j] >> 32) == k; j++)
            if (older(c, (uint32_t)won[j], keep))
                keep = (uint32_t)won[j];
        cs[k].eid = keep;
        for (size_t m = i; m < j && rc == 0; m++) {
            uint32_t e = (uint32_t)won[m];
            if (e == keep)
                continue;
            sl_buf_reset(&reason);
            if (cs[k].newid != SL_IDGRAPH_NONE)
                sl_buf_addf(&reason, "new %s %s links them", s->types[sl_idgraph_type(c->g, cs[k].newid)].name,
                            sl_idgraph_value(c->g, cs[k].newid, NULL));
            else
                sl_buf_adds(&reason, "a record links identifiers of both");
            const char *cells[4] = {sl_idgraph_value(c->eids, e, NULL), sl_idgraph_value(c->eids, keep, NULL),
                                    merged_at, reason.data};
            rc = sl_mtype_table_row(mt, cells, err);
            nmerges++;
        }
        i = j;
    }
    sl_free(won);
    for (size_t k = 0; k < ncomp; k++)
        if (cs[k].eid == SL_IDGRAPH_NONE)
            cs[k].eid = new_eid(c, cs[k].minid);
    /* the map */
    sl_relation self = sl_mtype_self(b), map;
    sl_mtype_table *tm = NULL, *te = NULL;
    static const sl_mtype_col mapcols[] = {{"identifier_type", SL_MT_TEXT}, {"identifier_value", SL_MT_TEXT},
                                           {"entity_id", SL_MT_TEXT},       {"first_seen", SL_MT_TIMESTAMP},
                                           {"last_seen", SL_MT_TIMESTAMP},  {"source", SL_MT_TEXT},
                                           {"status", SL_MT_TEXT}};
    if (rc == 0)
        rc = sl_mtype_relation(b, s->map_name, &map, err);
    if (rc == 0)
        rc = sl_mtype_table_open(b, map, mapcols, 7, &tm, err);
    sl_buf src;
    sl_buf_init(&src);
    char f1[32], f2[32];
    for (uint32_t i = 0; i < nids && rc == 0; i++) {
        const ident *x = &c->id[i];
        sl_gtms_time_format(x->first, f1, sizeof f1);
        sl_gtms_time_format(x->last, f2, sizeof f2);
        const char *cells[7] = {s->types[sl_idgraph_type(c->g, i)].name,
                                sl_idgraph_value(c->g, i, NULL),
                                compof[i] != SL_IDGRAPH_NONE ? sl_idgraph_value(c->eids, cs[compof[i]].eid, NULL)
                                                              : NULL,
                                f1,
                                f2,
                                src_list(c, x->sources, &src),
                                status_names[x->status]};
        rc = sl_mtype_table_row(tm, cells, err);
    }
    sl_buf_release(&src);
    /* the entities */
    size_t ncols = 5 + s->ntypes + s->ntraits;
    sl_mtype_col *ecols = sl_calloc(ncols, sizeof *ecols);
    char **owned = sl_calloc(s->ntypes + 1, sizeof *owned);
    static const char *const fixed[] = {"entity_id", "first_seen", "last_seen", "records", "identifiers"};
    static const sl_mtype_coltype ftype[] = {SL_MT_TEXT, SL_MT_TIMESTAMP, SL_MT_TIMESTAMP, SL_MT_INTEGER,
                                             SL_MT_INTEGER};
    for (size_t i = 0; i < 5; i++)
        ecols[i] = (sl_mtype_col){fixed[i], ftype[i]};
    for (size_t t = 0; t < s->ntypes; t++) {
        owned[t] = sl_printf("%s_count", s->types[t].name);
        ecols[5 + t] = (sl_mtype_col){owned[t], SL_MT_INTEGER};
    }
    for (size_t t = 0; t < s->ntraits; t++)
        ecols[5 + s->ntypes + t] = (sl_mtype_col){s->traits[t].name, SL_MT_TEXT};
    uint32_t *best = rc == 0 ? survive(c, rowcomp, ncomp) : NULL;
    if (rc == 0)
        rc = sl_mtype_table_open(b, self, ecols, ncols, &te, err);
    char **cells = sl_calloc(ncols, sizeof *cells);
    char (*num)[24] = sl_calloc(2 + s->ntypes, sizeof *num);
    for (size_t k = 0; k < ncomp && rc == 0; k++) {
        sl_gtms_time_format(cs[k].first, f1, sizeof f1);
        sl_gtms_time_format(cs[k].last, f2, sizeof f2);
        cells[0] = (char *)sl_idgraph_value(c->eids, cs[k].eid, NULL);
        cells[1] = f1;
        cells[2] = f2;
        snprintf(num[0], sizeof num[0], "%u", cs[k].records);
        snprintf(num[1], sizeof num[1], "%u", cs[k].nids);
        cells[3] = num[0];
        cells[4] = num[1];
        for (size_t t = 0; t < s->ntypes; t++) {
            snprintf(num[2 + t], sizeof num[2 + t], "%u", pertype[k * s->ntypes + t]);
            cells[5 + t] = num[2 + t];
        }
        for (size_t t = 0; t < s->ntraits; t++) {
            uint32_t r = best[k * s->ntraits + t];
            cells[5 + s->ntypes + t] =
                r == SL_IDGRAPH_NONE ? NULL : (char *)sl_idgraph_value(c->pool, c->rtrait[(size_t)r * s->ntraits + t] - 1, NULL);
        }
        rc = sl_mtype_table_row(te, (const char *const *)cells, err);
    }
    int64_t nent = 0;
    if (rc == 0 && b->audit && b->audit->fn)
        rc = b->audit->fn(b->audit->ctx, b->a, sl_mtype_table_staged(te), err);
    if (rc == 0) {
        rc = sl_mtype_table_publish(te, &nent, err);
        te = NULL;
    }
    if (rc == 0) {
        rc = sl_mtype_table_publish(tm, NULL, err);
        tm = NULL;
    }
    if (rc == 0) {
        rc = sl_mtype_table_publish(mt, NULL, err);
        mt = NULL;
    }
    sl_mtype_table_free(te);
    sl_mtype_table_free(tm);
    sl_mtype_table_free(mt);
    if (rc == 0) {
        res->rows_affected = nent;
        snprintf(res->message, sizeof res->message, "IDENTITY %lld entities, %u identifiers, %lld merges",
                 (long long)nent, nids, (long long)nmerges);
    }
    for (size_t t = 0; t < s->ntypes; t++)
        sl_free(owned[t]);
    sl_free(owned);
    sl_free(ecols);
    sl_free(cells);
    sl_free(num);
    sl_free(best);
    sl_buf_release(&reason);
    sl_free(rowcomp);
    sl_free(pertype);
    sl_free(cs);
    sl_free(compof);
    return rc;
}
