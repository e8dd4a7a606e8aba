/*
 * segment_ingest.c: the `segment` sl_ingest_kind: Segment's HTTP Tracking
 * API (POST <path_prefix>/v1/identify|track|page|screen|group|alias|batch,
 * /v1/import = batch) into the spool, so that Segment's client libraries
 * (and RudderStack's, Jitsu's) send to sluice unchanged.
 *
 * A request: POST only (405), a path it knows (404), the write key by
 * Basic auth (the key as user, empty password) or `writeKey` in the body,
 * compared in constant time with every configured key (401), Segment's
 * limits (32 KB a call and a message in a batch, 500 KB a batch: 400),
 * then each message validated as Segment documents (userId or
 * anonymousId; alias: previousId and userId; track: event; group:
 * groupId). A batch with one invalid message is refused whole (400 naming
 * its index): nothing of it is stored, so a client never has to guess
 * which half got in.
 *
 * Each message is normalised into the spooled JSON (stream/segment.h):
 * messageId first (a UUIDv4 when the client sent none), the batch's
 * context/integrations merged under the message's own members, writeKey
 * dropped, and the times Segment adds: receivedAt (when the request was
 * complete), sentAt (the message's or the batch's), originalTimestamp (the
 * client's timestamp) and timestamp corrected for the client's clock skew:
 * timestamp = receivedAt - (sentAt - originalTimestamp); without sentAt,
 * timestamp = originalTimestamp, or receivedAt without either.
 *
 * Deduplication by messageId over dedupe_window: an in-memory map of
 * 128-bit hashes of the ids -> received time, in arrival order (a ring),
 * bounded by dedupe_max_ids (past it the oldest are forgotten), rebuilt at
 * open from the spool's records within the window. An id is reserved
 * (pending) when its request is handled and committed or forgotten in
 * settled() once the spool said whether the records are durable. A
 * message whose id is already committed is acknowledged (200) and not
 * stored; one whose id another request holds pending makes the request
 * 503 + Retry-After: 1 (the client retries and then gets its 200 as a
 * duplicate once the first is durable, or stores it if the first failed),
 * so an acknowledged message is always durable exactly once.
 */
#include "stream/segment.h"
#include "core/mem.h"
#include "core/types.h"
#include "formats/json.h"
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* ---- the dedupe map ------------------------------------------------------ */

enum { DD_COMMITTED = 0, DD_PENDING = 1, DD_DEAD = 2 };

typedef struct dd_ent {
    uint64_t h1, h2;
    int64_t time_us;
    int state;
} dd_ent;

typedef struct dedupe {
    dd_ent *ring;
    uint64_t rcap;       /* power of two */
    uint64_t head, tail; /* live sequence numbers [head, tail) */
    uint64_t *tab;       /* open addressing: seq + 1, 0 = empty */
    uint64_t tcap;       /* power of two, 2 x rcap */
    uint64_t max;
} dedupe;

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void id_hash(const char *s, size_t n, uint64_t *h1, uint64_t *h2)
{
    uint64_t a = 0xcbf29ce484222325ULL, b = 0x84222325cbf29ce4ULL ^ (uint64_t)n;
    for (size_t i = 0; i < n; i++) {
        a = (a ^ (unsigned char)s[i]) * 0x100000001b3ULL;
        b = mix64(b + (unsigned char)s[i] + 0x9e3779b97f4a7c15ULL);
    }
    *h1 = mix64(a);
    *h2 = b;
}

static dd_ent *dd_at(dedupe *d, uint64_t seq) { return &d->ring[seq & (d->rcap - 1)]; }

/* The table slot holding (h1, h2), or the empty slot where it would go (*found = 0). */
static uint64_t dd_slot(dedupe *d, uint64_t h1, uint64_t h2, int *found)
{
    uint64_t i = h1 & (d->tcap - 1);
    while (d->tab[i]) {
        dd_ent *e = dd_at(d, d->tab[i] - 1);
        if (e->h1 == h1 && e->h2 == h2) {
            *found = 1;
            return i;
        }
        i = (i + 1) & (d->tcap - 1);
    }
    *found = 0;
    return i;
}

/* Remove table slot i (backward-shift deletion keeps probe chains whole). */
static void dd_tab_delete(dedupe *d, uint64_t i)
{
    uint64_t mask = d->tcap - 1;
    d->tab[i] = 0;
    uint64_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!d->tab[j])
            return;
        uint64_t k = dd_at(d, d->tab[j] - 1)->h1 & mask;
        /* move j back to i when its home k is not cyclically in (i, j] */
        int between = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (!between) {
            d->tab[i] = d->tab[j];
            d->tab[j] = 0;
            i = j;
        }
    }
}

static void dd_rebuild_table(dedupe *d)
{
    sl_free(d->tab);
    d->tcap = d->rcap * 2;
    d->tab = sl_calloc(d->tcap, sizeof *d->tab);
    for (uint64_t s = d->head; s < d->tail; s++) {
        dd_ent *e = dd_at(d, s);
        if (e->state == DD_DEAD)
            continue;
        int found;
        uint64_t i = dd_slot(d, e->h1, e->h2, &found);
        if (found) /* a later entry of the same id wins (rebuild from a spool) */
            d->tab[i] = s + 1;
        else
            d->tab[i] = s + 1;
    }
}

static void dd_init(dedupe *d, uint64_t max)
{
    memset(d, 0, sizeof *d);
    d->max = max ? max : 1;
    d->rcap = 1024;
    d->ring = sl_calloc(d->rcap, sizeof *d->ring);
    dd_rebuild_table(d);
}

static void dd_release(dedupe *d)
{
    sl_free(d->ring);
    sl_free(d->tab);
    memset(d, 0, sizeof *d);
}

/* Drop the oldest entry. */
static void dd_pop(dedupe *d)
{
    dd_ent *e = dd_at(d, d->head);
    if (e->state != DD_DEAD) {
        int found;
        uint64_t i = dd_slot(d, e->h1, e->h2, &found);
        if (found && d->tab[i] == d->head + 1)
            dd_tab_delete(d, i);
    }
    d->head++;
}

/* Forget committed ids received before cutoff_us. */
static void dd_expire(dedupe *d, int64_t cutoff_us)
{
    while (d->head < d->tail) {
        dd_ent *e = dd_at(d, d->head);
        if (e->state == DD_PENDING || (e->state == DD_COMMITTED && e->time_us >= cutoff_us))
            return;
        dd_pop(d);
    }
}

/* Append an entry (the caller checked it is not in the table). */
static void dd_push(dedupe *d, uint64_t h1, uint64_t h2, int64_t time_us, int state)
{
    if (d->tail - d->head >= d->max)
        dd_pop(d);
    if (d->tail - d->head == d->rcap) {
        uint64_t ncap = d->rcap * 2;
        dd_ent *nr = sl_calloc(ncap, sizeof *nr);
        for (uint64_t s = d->head; s < d->tail; s++)
            nr[s & (ncap - 1)] = *dd_at(d, s);
        sl_free(d->ring);
        d->ring = nr;
        d->rcap = ncap;
        dd_rebuild_table(d);
    }
    dd_ent *e = dd_at(d, d->tail);
    *e = (dd_ent){h1, h2, time_us, state};
    int found;
    uint64_t i = dd_slot(d, h1, h2, &found);
    d->tab[i] = d->tail + 1;
    d->tail++;
}

/* ---- the endpoint -------------------------------------------------------- */

typedef struct seg_state {
    sl_segment_opts *o;
    const char *prefix;
    size_t prefixlen;
    int64_t window_us;
    pthread_mutex_t lock;
    dedupe dd;
    _Atomic int64_t received, duplicates, rejected;
} seg_state;

void sl_segment_counters_get(void *state, sl_segment_counters *out)
{
    seg_state *st = state;
    out->received = atomic_load(&st->received);
    out->duplicates = atomic_load(&st->duplicates);
    out->rejected = atomic_load(&st->rejected);
}

size_t sl_segment_time_format(char *out, int64_t us)
{
    int64_t days = us / 86400000000LL, rem = us % 86400000000LL;
    if (rem < 0) {
        rem += 86400000000LL;
        days--;
    }
    int64_t y;
    unsigned m, d;
    sl_civil_from_days(days, &y, &m, &d);
    int64_t s = rem / 1000000, frac = rem % 1000000;
    int n;
    if (frac % 1000 == 0)
        n = snprintf(out, 32, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ", (long long)y, m, d,
                     (long long)(s / 3600), (long long)(s / 60 % 60), (long long)(s % 60), (long long)(frac / 1000));
    else
        n = snprintf(out, 32, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ", (long long)y, m, d,
                     (long long)(s / 3600), (long long)(s / 60 % 60), (long long)(s % 60), (long long)frac);
    return n > 0 ? (size_t)n : 0;
}

/* The message id of a spooled record: its first member. 0 ok. */
static int record_id(const char *p, size_t n, sl_buf *id)
{
    sl_json j;
    sl_json_init(&j, p, n);
    int first = 1;
    sl_buf key;
    sl_buf_init(&key);
    int rc = -1;
    if (sl_json_object_begin(&j) == 0 && sl_json_member(&j, &first, &key) == 1 &&
        strcmp(key.data ? key.data : "", "messageId") == 0 && sl_json_peek(&j) == SL_JSON_STRING &&
        sl_json_string(&j, id) == 0)
        rc = 0;
    sl_buf_release(&key);
    return rc;
}

/* Read the spool from its start: the ids received within the window. */
static int dedupe_rebuild(seg_state *st, const char *spool_dir, sl_error *err)
{
    sl_spool_reader *r = NULL;
    if (sl_spool_reader_open(spool_dir, 0, &r, NULL, err) < 0)
        return sl_error_prefix(err, "segment: reading the spool for the dedupe window"), -1;
    int64_t cutoff = sl_now_us() - st->window_us;
    sl_buf id;
    sl_buf_init(&id);
    sl_spool_rec rec;
    int rc;
    while ((rc = sl_spool_read(r, &rec, 0, err)) == 1) {
        if (rec.kind != SL_SPOOL_EVENT || rec.time_us < cutoff || record_id(rec.data, rec.len, &id) < 0)
            continue;
        uint64_t h1, h2;
        id_hash(id.data, id.len, &h1, &h2);
        int found;
        uint64_t i = dd_slot(&st->dd, h1, h2, &found);
        if (found)
            dd_at(&st->dd, st->dd.tab[i] - 1)->time_us = rec.time_us;
        else
            dd_push(&st->dd, h1, h2, rec.time_us, DD_COMMITTED);
    }
    sl_buf_release(&id);
    sl_spool_reader_close(r);
    if (rc < 0)
        return sl_error_prefix(err, "segment: reading the spool for the dedupe window"), -1;
    return 0;
}

static int seg_open(sl_instance *src, sl_project *p, const char *spool_dir, sl_spool *spool, void **state,
                    sl_error *err)
{
    (void)p;
    (void)spool;
    sl_segment_opts *o = src->opts;
    if (o->write_key.n == 0)
        return sl_error_set(err, SL_EINVAL, "segment source %s: no write_key", src->id);
    for (size_t i = 0; i < o->write_key.n; i++)
        if (!o->write_key.v[i][0])
            return sl_error_set(err, SL_EINVAL, "segment source %s: write_key %zu is empty (an unset ${ENV}?)",
                                src->id, i + 1);
    seg_state *st = sl_calloc(1, sizeof *st);
    st->o = o;
    st->prefix = o->path_prefix ? o->path_prefix : "";
    st->prefixlen = strlen(st->prefix);
    while (st->prefixlen && st->prefix[st->prefixlen - 1] == '/')
        st->prefixlen--;
    st->window_us = o->dedupe_window * 1000000;
    pthread_mutex_init(&st->lock, NULL);
    if (st->window_us > 0) {
        dd_init(&st->dd, o->dedupe_max_ids > 0 ? (uint64_t)o->dedupe_max_ids : 10000000);
        if (spool_dir && dedupe_rebuild(st, spool_dir, err) < 0) {
            dd_release(&st->dd);
            pthread_mutex_destroy(&st->lock);
            sl_free(st);
            return -1;
        }
    }
    *state = st;
    return 0;
}

static void seg_close(void *state)
{
    seg_state *st = state;
    if (!st)
        return;
    if (st->window_us > 0)
        dd_release(&st->dd);
    pthread_mutex_destroy(&st->lock);
    sl_free(st);
}

/* The part of path after "<prefix>/v1/", or NULL. */
static const char *v1_rest(seg_state *st, const char *path)
{
    if (strncmp(path, st->prefix, st->prefixlen) != 0)
        return NULL;
    path += st->prefixlen;
    return strncmp(path, "/v1/", 4) == 0 ? path + 4 : NULL;
}

static int seg_match(void *state, const char *path) { return v1_rest(state, path) != NULL; }

static const char *const single_types[] = {"identify", "track", "page", "screen", "group", "alias", NULL};

static int is_batch_path(const char *rest) { return strcmp(rest, "batch") == 0 || strcmp(rest, "import") == 0; }

static size_t seg_max_body(void *state, const char *path)
{
    const char *rest = v1_rest(state, path);
    return rest && is_batch_path(rest) ? SL_SEGMENT_MAX_BATCH : SL_SEGMENT_MAX_CALL;
}

/* The answer's {"error": msg}; the request counts as refused. */
static int refuse(seg_state *st, sl_ingest_answer *a, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int refuse(seg_state *st, sl_ingest_answer *a, int status, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    a->status = status;
    sl_buf_reset(&a->body);
    sl_buf_adds(&a->body, "{\"success\": false, \"error\": ");
    sl_buf_add_json_str(&a->body, msg, strlen(msg));
    sl_buf_adds(&a->body, "}");
    if (status >= 400 && status < 500)
        atomic_fetch_add(&st->rejected, 1);
    return 0;
}

/* Constant time in the lengths of both: whether g equals one of the keys. */
static int key_ok(const sl_segment_opts *o, const char *g, size_t gn)
{
    int ok = 0;
    for (size_t k = 0; k < o->write_key.n; k++) {
        const char *w = o->write_key.v[k];
        size_t wn = strlen(w), n = gn > wn ? gn : wn;
        unsigned diff = (unsigned)(gn != wn);
        for (size_t i = 0; i < n; i++)
            diff |= (unsigned)((i < gn ? (unsigned char)g[i] : 0) ^ (i < wn ? (unsigned char)w[i] : 0));
        ok |= diff == 0;
    }
    return ok;
}

/* One object's members, as they lie in the input. */
typedef struct member {
    size_t k, kn;      /* key, unescaped, in the keys buffer */
    const char *v;     /* the value's JSON text */
    size_t vn;
    sl_json_kind kind;
} member;

typedef struct members {
    member *v;
    size_t n, cap;
    sl_buf keys;
} members;

static void members_release(members *m)
{
    sl_free(m->v);
    sl_buf_release(&m->keys);
}

/* Read the object at [p, p + n) into m. -1 with why set. */
static int read_object(const char *p, size_t n, members *m, char *why, size_t whycap)
{
    m->n = 0;
    sl_buf_reset(&m->keys);
    sl_json j;
    sl_json_init(&j, p, n);
    if (sl_json_peek(&j) != SL_JSON_OBJECT) {
        if (j.err_at) {
            char msg[200];
            sl_json_error_text(&j, msg, sizeof msg);
            snprintf(why, whycap, "invalid JSON: %s", msg);
        } else {
            snprintf(why, whycap, "not a JSON object");
        }
        return -1;
    }
    sl_buf key;
    sl_buf_init(&key);
    int first = 1, rc;
    if (sl_json_object_begin(&j) < 0)
        goto bad;
    while ((rc = sl_json_member(&j, &first, &key)) == 1) {
        sl_json_ws(&j);
        sl_json_kind kind = sl_json_peek(&j);
        const char *v = j.p;
        if (sl_json_skip(&j) < 0)
            goto bad;
        SL_GROW(m->v, m->cap, m->n + 1);
        member *e = &m->v[m->n++];
        e->k = m->keys.len;
        e->kn = key.len;
        sl_buf_add(&m->keys, key.data ? key.data : "", key.len);
        sl_buf_addc(&m->keys, 0);
        e->v = v;
        e->vn = (size_t)(j.p - v);
        e->kind = kind;
    }
    if (rc < 0)
        goto bad;
    sl_json_ws(&j);
    if (j.p != j.end) {
        j.err_at = j.p;
        snprintf(j.err, sizeof j.err, "unexpected data after the JSON object");
        goto bad;
    }
    sl_buf_release(&key);
    return 0;
bad:
    sl_buf_release(&key);
    char msg[200];
    sl_json_error_text(&j, msg, sizeof msg);
    snprintf(why, whycap, "invalid JSON: %s", msg);
    return -1;
}

static const char *mkey(const members *m, const member *e) { return m->keys.data + e->k; }

static const member *mget(const members *m, const char *key)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(mkey(m, &m->v[i]), key) == 0)
            return &m->v[i];
    return NULL;
}

/* The string value of e unescaped into out; -1 when e is not a string. */
static int mstring(const member *e, sl_buf *out)
{
    if (!e || e->kind != SL_JSON_STRING)
        return -1;
    sl_json j;
    sl_json_init(&j, e->v, e->vn);
    return sl_json_string(&j, out);
}

/* An identifier Segment accepts: a non-empty string or a number. */
static int id_present(const member *e)
{
    if (!e)
        return 0;
    if (e->kind == SL_JSON_NUMBER)
        return 1;
    return e->kind == SL_JSON_STRING && e->vn > 2;
}

/* A time member: absent (0, *present = 0), parsed (0), or invalid (-1). */
static int mtime(const member *e, sl_buf *tmp, int64_t *us, int *present)
{
    *present = 0;
    if (!e || e->kind == SL_JSON_NULL)
        return 0;
    sl_buf_reset(tmp);
    if (mstring(e, tmp) < 0 || sl_parse_timestamp(tmp->data, tmp->len, us) < 0)
        return -1;
    *present = 1;
    return 0;
}

static void uuid4(char out[37])
{
    unsigned char r[16];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
        for (int i = 0; i < 16; i++)
            r[i] = (unsigned char)(rand() & 0xff);
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2],
             r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}

/* What a batch gives each of its messages. */
typedef struct batch_ctx {
    const member *context, *integrations, *sent_at;
} batch_ctx;

/* Members sluice writes itself (the client's are dropped or replaced). */
static int own_member(const char *k)
{
    static const char *const own[] = {"messageId", "type", "writeKey", "receivedAt", "sentAt", "timestamp",
                                      "originalTimestamp", "context", "integrations", NULL};
    for (size_t i = 0; own[i]; i++)
        if (strcmp(k, own[i]) == 0)
            return 1;
    return 0;
}

/* Write "name": the message's object merged over the batch's (the
 * message's members win); either alone is copied as it is. */
static void add_merged(sl_buf *out, const char *name, const member *mine, const member *batch, int *any)
{
    if ((!mine || mine->kind == SL_JSON_NULL) && (!batch || batch->kind == SL_JSON_NULL))
        return;
    sl_buf_addf(out, ",\"%s\":", name);
    *any = 1;
    if (!mine || mine->kind == SL_JSON_NULL || !batch || batch->kind != SL_JSON_OBJECT ||
        mine->kind != SL_JSON_OBJECT) {
        const member *e = mine && mine->kind != SL_JSON_NULL ? mine : batch;
        sl_buf_add(out, e->v, e->vn);
        return;
    }
    members a = {0}, b = {0};
    char why[8];
    read_object(mine->v, mine->vn, &a, why, sizeof why);
    read_object(batch->v, batch->vn, &b, why, sizeof why);
    sl_buf_addc(out, '{');
    int n = 0;
    for (size_t i = 0; i < a.n; i++) {
        if (n++)
            sl_buf_addc(out, ',');
        sl_buf_add_json_str(out, mkey(&a, &a.v[i]), a.v[i].kn);
        sl_buf_addc(out, ':');
        sl_buf_add(out, a.v[i].v, a.v[i].vn);
    }
    for (size_t i = 0; i < b.n; i++) {
        if (mget(&a, mkey(&b, &b.v[i])))
            continue;
        if (n++)
            sl_buf_addc(out, ',');
        sl_buf_add_json_str(out, mkey(&b, &b.v[i]), b.v[i].kn);
        sl_buf_addc(out, ':');
        sl_buf_add(out, b.v[i].v, b.v[i].vn);
    }
    sl_buf_addc(out, '}');
    members_release(&a);
    members_release(&b);
}

/* Validate and normalise one message (see the file's comment) into out;
 * its messageId into id. type: the endpoint's, or NULL in a batch. -1 with
 * why set. */
static int norm_message(const char *p, size_t n, const char *type, const batch_ctx *bc, int64_t received_us,
                        sl_buf *out, sl_buf *id, char *why, size_t whycap)
{
    members m = {0};
    sl_buf tmp, typebuf;
    sl_buf_init(&tmp);
    sl_buf_init(&typebuf);
    int rc = -1;
    if (read_object(p, n, &m, why, whycap) < 0)
        goto done;
    if (!type) {
        const member *t = mget(&m, "type");
        if (mstring(t, &typebuf) < 0) {
            snprintf(why, whycap, "a message needs a type (identify, track, page, screen, group or alias)");
            goto done;
        }
        for (size_t i = 0; single_types[i]; i++)
            if (strcmp(typebuf.data, single_types[i]) == 0)
                type = single_types[i];
        if (!type) {
            char shown[64];
            sl_json_escape(shown, sizeof shown, typebuf.data);
            snprintf(why, whycap, "unknown type '%s' (identify, track, page, screen, group or alias)", shown);
            goto done;
        }
    }
    if (strcmp(type, "alias") == 0) {
        if (!id_present(mget(&m, "previousId")) || !id_present(mget(&m, "userId"))) {
            snprintf(why, whycap, "an alias needs previousId and userId");
            goto done;
        }
    } else if (!id_present(mget(&m, "userId")) && !id_present(mget(&m, "anonymousId"))) {
        snprintf(why, whycap, "%s %s needs userId or anonymousId", type[0] && strchr("aeiou", type[0]) ? "an" : "a", type);
        goto done;
    }
    if (strcmp(type, "track") == 0) {
        const member *e = mget(&m, "event");
        if (!e || e->kind != SL_JSON_STRING || e->vn <= 2) {
            snprintf(why, whycap, "a track needs an event (its name, a string)");
            goto done;
        }
    }
    if (strcmp(type, "group") == 0 && !id_present(mget(&m, "groupId"))) {
        snprintf(why, whycap, "a group needs groupId");
        goto done;
    }
    int64_t sent = 0, orig = 0;
    int has_sent, has_orig;
    const member *se = mget(&m, "sentAt");
    if (!se || se->kind == SL_JSON_NULL)
        se = bc ? bc->sent_at : NULL;
    if (mtime(se, &tmp, &sent, &has_sent) < 0) {
        snprintf(why, whycap, "sentAt is not an ISO 8601 time");
        goto done;
    }
    if (mtime(mget(&m, "timestamp"), &tmp, &orig, &has_orig) < 0) {
        snprintf(why, whycap, "timestamp is not an ISO 8601 time");
        goto done;
    }
    /* messageId: the client's (a string or a number, kept as text) or a new UUIDv4 */
    sl_buf_reset(id);
    const member *mid = mget(&m, "messageId");
    if (mid && mid->kind == SL_JSON_STRING && mid->vn > 2) {
        mstring(mid, id);
    } else if (mid && mid->kind == SL_JSON_NUMBER) {
        sl_buf_add(id, mid->v, mid->vn);
    } else if (!mid || mid->kind == SL_JSON_NULL || (mid->kind == SL_JSON_STRING && mid->vn <= 2)) {
        char u[37];
        uuid4(u);
        sl_buf_adds(id, u);
    } else {
        snprintf(why, whycap, "messageId must be a string");
        goto done;
    }
    sl_buf_adds(out, "{\"messageId\":");
    sl_buf_add_json_str(out, id->data, id->len);
    sl_buf_addf(out, ",\"type\":\"%s\"", type);
    for (size_t i = 0; i < m.n; i++) {
        const char *k = mkey(&m, &m.v[i]);
        if (own_member(k))
            continue;
        sl_buf_addc(out, ',');
        sl_buf_add_json_str(out, k, m.v[i].kn);
        sl_buf_addc(out, ':');
        sl_buf_add(out, m.v[i].v, m.v[i].vn);
    }
    int any = 0;
    add_merged(out, "context", mget(&m, "context"), bc ? bc->context : NULL, &any);
    add_merged(out, "integrations", mget(&m, "integrations"), bc ? bc->integrations : NULL, &any);
    char t[40];
    sl_segment_time_format(t, received_us);
    sl_buf_addf(out, ",\"receivedAt\":\"%s\"", t);
    if (has_sent) {
        sl_segment_time_format(t, sent);
        sl_buf_addf(out, ",\"sentAt\":\"%s\"", t);
    }
    if (has_orig) {
        sl_segment_time_format(t, orig);
        sl_buf_addf(out, ",\"originalTimestamp\":\"%s\"", t);
    }
    int64_t ts = has_orig ? (has_sent ? received_us - (sent - orig) : orig) : received_us;
    sl_segment_time_format(t, ts);
    sl_buf_addf(out, ",\"timestamp\":\"%s\"}", t);
    rc = 0;
done:
    members_release(&m);
    sl_buf_release(&tmp);
    sl_buf_release(&typebuf);
    return rc;
}

static const char *header(const sl_ingest_request *rq, const char *name)
{
    return rq->header ? rq->header(rq->hctx, name) : NULL;
}

static int seg_handle(void *state, const sl_ingest_request *rq, sl_ingest_records *out, sl_ingest_answer *ans,
                      sl_error *err)
{
    (void)err;
    seg_state *st = state;
    const char *rest = v1_rest(st, rq->path);
    if (!rest)
        return refuse(st, ans, 404, "not found: the Segment API is at %.*s/v1/...", (int)st->prefixlen, st->prefix);
    int batch = is_batch_path(rest);
    const char *type = NULL;
    for (size_t i = 0; single_types[i] && !batch; i++)
        if (strcmp(rest, single_types[i]) == 0)
            type = single_types[i];
    if (!batch && !type)
        return refuse(st, ans, 404, "not found: /v1/%s is none of identify, track, page, screen, group, alias, "
                      "batch, import", strlen(rest) > 40 ? "..." : rest);
    if (strcmp(rq->method, "POST") != 0)
        return refuse(st, ans, 405, "method %s not allowed: the Segment API takes POST", rq->method);
    size_t limit = batch ? SL_SEGMENT_MAX_BATCH : SL_SEGMENT_MAX_CALL;
    if (rq->len > limit)
        return refuse(st, ans, 400, "request too large: %zu bytes, at most %zu KB per %s", rq->len, limit / 1024,
                      batch ? "batch" : "call");

    /* the write key: Basic auth (key as user) wins over the body's writeKey */
    int authed = 0;
    const char *auth = header(rq, "Authorization");
    if (auth) {
        sl_buf dec;
        sl_buf_init(&dec);
        while (*auth == ' ')
            auth++;
        int ok = strncasecmp(auth, "Basic ", 6) == 0;
        if (ok) {
            const char *b = auth + 6;
            while (*b == ' ')
                b++;
            size_t bn = strlen(b);
            while (bn && b[bn - 1] == ' ')
                bn--;
            ok = sl_base64_decode(b, bn, 0, &dec) == 0;
        }
        if (ok) {
            const char *colon = dec.data ? memchr(dec.data, ':', dec.len) : NULL;
            size_t un = colon ? (size_t)(colon - dec.data) : dec.len;
            ok = key_ok(st->o, dec.data ? dec.data : "", un);
        }
        sl_buf_release(&dec);
        if (!ok) {
            ans->www_authenticate = "Basic realm=\"segment\"";
            return refuse(st, ans, 401, "invalid write key");
        }
        authed = 1;
    }

    members top = {0};
    char why[300];
    sl_buf msgs, id, ids;
    sl_buf_init(&msgs);
    sl_buf_init(&id);
    sl_buf_init(&ids);
    size_t *moff = NULL, *mlen = NULL, *ioff = NULL, *ilen = NULL, nmsg = 0, cap = 0;
    int rc = 0;
    if (read_object(rq->body, rq->len, &top, why, sizeof why) < 0) {
        if (!authed) {
            ans->www_authenticate = "Basic realm=\"segment\"";
            rc = refuse(st, ans, 401, "no write key (Basic auth with the key as user, or writeKey in the body)");
        } else {
            rc = refuse(st, ans, 400, "%s", why);
        }
        goto done;
    }
    if (!authed) {
        sl_buf wk;
        sl_buf_init(&wk);
        int ok = mstring(mget(&top, "writeKey"), &wk) == 0 && key_ok(st->o, wk.data, wk.len);
        sl_buf_release(&wk);
        if (!ok) {
            ans->www_authenticate = "Basic realm=\"segment\"";
            rc = refuse(st, ans, 401, mget(&top, "writeKey") ? "invalid write key"
                        : "no write key (Basic auth with the key as user, or writeKey in the body)");
            goto done;
        }
    }

    /* every message validated and normalised before anything is stored */
    if (!batch) {
        if (norm_message(rq->body, rq->len, type, NULL, rq->received_us, &msgs, &id, why, sizeof why) < 0) {
            rc = refuse(st, ans, 400, "%s", why);
            goto done;
        }
        SL_GROW(moff, cap, 1);
        mlen = sl_realloc(mlen, cap * sizeof *mlen);
        ioff = sl_realloc(ioff, cap * sizeof *ioff);
        ilen = sl_realloc(ilen, cap * sizeof *ilen);
        moff[0] = 0;
        mlen[0] = msgs.len;
        ioff[0] = 0;
        ilen[0] = id.len;
        sl_buf_add(&ids, id.data ? id.data : "", id.len);
        nmsg = 1;
    } else {
        const member *arr = mget(&top, "batch");
        if (!arr || arr->kind != SL_JSON_ARRAY) {
            rc = refuse(st, ans, 400, "a batch request is an object with a \"batch\" array of messages");
            goto done;
        }
        batch_ctx bc = {mget(&top, "context"), mget(&top, "integrations"), mget(&top, "sentAt")};
        sl_json j;
        sl_json_init(&j, arr->v, arr->vn);
        int first = 1;
        sl_json_array_begin(&j);
        while (sl_json_element(&j, &first) == 1) {
            sl_json_ws(&j);
            const char *v = j.p;
            sl_json_skip(&j); /* validated by read_object */
            size_t vn = (size_t)(j.p - v);
            if (vn > SL_SEGMENT_MAX_CALL) {
                rc = refuse(st, ans, 400, "batch[%zu]: message too large: %zu bytes, at most 32 KB per message",
                            nmsg, vn);
                goto done;
            }
            size_t at = msgs.len;
            if (norm_message(v, vn, NULL, &bc, rq->received_us, &msgs, &id, why, sizeof why) < 0) {
                rc = refuse(st, ans, 400, "batch[%zu]: %s (nothing of this batch was stored)", nmsg, why);
                goto done;
            }
            if (nmsg == cap) {
                SL_GROW(moff, cap, nmsg + 1);
                mlen = sl_realloc(mlen, cap * sizeof *mlen);
                ioff = sl_realloc(ioff, cap * sizeof *ioff);
                ilen = sl_realloc(ilen, cap * sizeof *ilen);
            }
            moff[nmsg] = at;
            mlen[nmsg] = msgs.len - at;
            ioff[nmsg] = ids.len;
            ilen[nmsg] = id.len;
            sl_buf_add(&ids, id.data ? id.data : "", id.len);
            nmsg++;
        }
    }

    /* deduplicate: reserve the new ids; committed ones are duplicates */
    int64_t dups = 0;
    if (st->window_us > 0) {
        uint64_t *h = sl_malloc((nmsg ? nmsg : 1) * 2 * sizeof *h);
        uint8_t *keep = sl_calloc(nmsg ? nmsg : 1, 1);
        for (size_t i = 0; i < nmsg; i++)
            id_hash(ids.data + ioff[i], ilen[i], &h[2 * i], &h[2 * i + 1]);
        pthread_mutex_lock(&st->lock);
        dd_expire(&st->dd, rq->received_us - st->window_us);
        int busy = 0;
        for (size_t i = 0; i < nmsg && !busy; i++) {
            int found;
            uint64_t s = dd_slot(&st->dd, h[2 * i], h[2 * i + 1], &found);
            if (!found)
                continue;
            dd_ent *e = dd_at(&st->dd, st->dd.tab[s] - 1);
            if (e->state == DD_PENDING)
                busy = 1;
        }
        if (!busy) {
            for (size_t i = 0; i < nmsg; i++) {
                int found;
                uint64_t s = dd_slot(&st->dd, h[2 * i], h[2 * i + 1], &found);
                if (found) {
                    dd_ent *e = dd_at(&st->dd, st->dd.tab[s] - 1);
                    if (e->state == DD_COMMITTED && e->time_us < rq->received_us - st->window_us) {
                        /* out of the window: the id may be used again */
                        e->state = DD_DEAD;
                        dd_tab_delete(&st->dd, s);
                        found = 0;
                    }
                }
                if (found) {
                    dups++; /* committed earlier, or twice in this batch */
                    continue;
                }
                dd_push(&st->dd, h[2 * i], h[2 * i + 1], rq->received_us, DD_PENDING);
                keep[i] = 1;
            }
        }
        pthread_mutex_unlock(&st->lock);
        sl_free(h);
        if (busy) {
            sl_free(keep);
            ans->retry_after = 1;
            rc = refuse(st, ans, 503, "a message with the same messageId is being stored by another request: "
                        "retry");
            goto done;
        }
        for (size_t i = 0; i < nmsg; i++)
            if (keep[i])
                sl_ingest_records_add(out, rq->received_us, msgs.data + moff[i], mlen[i]);
        sl_free(keep);
    } else {
        for (size_t i = 0; i < nmsg; i++)
            sl_ingest_records_add(out, rq->received_us, msgs.data + moff[i], mlen[i]);
    }
    if (dups)
        atomic_fetch_add(&st->duplicates, dups);
    ans->status = 200;
    sl_buf_reset(&ans->body);
    sl_buf_adds(&ans->body, "{\"success\": true}");
done:
    members_release(&top);
    sl_buf_release(&msgs);
    sl_buf_release(&id);
    sl_buf_release(&ids);
    sl_free(moff);
    sl_free(mlen);
    sl_free(ioff);
    sl_free(ilen);
    return rc;
}

static void seg_settled(void *state, const sl_ingest_records *recs, int durable)
{
    seg_state *st = state;
    if (durable)
        atomic_fetch_add(&st->received, (int64_t)recs->n);
    if (st->window_us <= 0)
        return;
    sl_buf id;
    sl_buf_init(&id);
    pthread_mutex_lock(&st->lock);
    for (size_t i = 0; i < recs->n; i++) {
        sl_buf_reset(&id);
        if (record_id(recs->data.data + recs->off[i], recs->len[i], &id) < 0)
            continue;
        uint64_t h1, h2;
        id_hash(id.data, id.len, &h1, &h2);
        int found;
        uint64_t s = dd_slot(&st->dd, h1, h2, &found);
        if (!found)
            continue; /* evicted meanwhile (dedupe_max_ids) */
        dd_ent *e = dd_at(&st->dd, st->dd.tab[s] - 1);
        if (e->state != DD_PENDING)
            continue;
        if (durable) {
            e->state = DD_COMMITTED;
        } else {
            e->state = DD_DEAD;
            dd_tab_delete(&st->dd, s);
        }
    }
    pthread_mutex_unlock(&st->lock);
    sl_buf_release(&id);
}

const sl_ingest_kind sl_ingest_segment = {
    .name = "segment",
    .open = seg_open,
    .match = seg_match,
    .max_body = seg_max_body,
    .handle = seg_handle,
    .settled = seg_settled,
    .close = seg_close,
};
