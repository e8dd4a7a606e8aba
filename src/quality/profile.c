/*
 * profile.c: the in-stream column profiler (quality/profile.h). A pipeline
 * hands it every batch a sink loaded; it keeps, per column, counts, a
 * HyperLogLog of the values (hll.c), numeric moments, text lengths and
 * extremes, date/time extremes and the inferred format's failures, and
 * never copies a value except a new text minimum or maximum.
 *
 * Costs, per batch and column (it runs on every loaded batch):
 *   - every non-null value is hashed in place (XXH3 of its 8 bytes or of
 *     its text, inlined) into the column's HyperLogLog; the per-value
 *     loops keep their running extremes in locals;
 *   - numbers: one pass for count, sum, min and max, a second over the
 *     batch (still in cache) for the squared deviations from the batch's
 *     mean; batches are merged with Chan et al.'s update of Welford's
 *     algorithm (exact mean, numerically stable variance, no division per
 *     value). stddev is the sample standard deviation (n - 1), as SQL's
 *     stddev;
 *   - text: its length in characters (UTF-8 code points, counted 8 bytes
 *     at a time; a text under 8 bytes is read as one word, which also
 *     gives its 8-byte sort key) and, only when that key reaches the
 *     current minimum or maximum, a comparison with it. Text columns are
 *     walked a block of TEXT_BLOCK rows at a time, every column in turn,
 *     so that the arena (row by row) comes from memory once;
 *   - format: a text column's format is inferred once, from up to 1,000
 *     non-null values of the first batch that has values: the first of
 *     email, e164, uuid, url, date, iso_country, iso_currency that more
 *     than half of them pass (sl_format_valid, quality/check.h); none
 *     otherwise. Afterwards the first 10,000 non-null values are checked,
 *     then every 16th (a sample of 1/16: the fail share of a 1M-row load is
 *     still measured on ~72,000 values).
 *
 * Off the pipeline's critical path, in place: sl_profiler_add_async
 * hands the batch itself to the profiler's own worker thread, which
 * profiles it where it lies (no copy) in batch order and then gives it
 * back through the caller's callback (the pipeline returns it to its
 * pool of batches only then). At most QUEUE batches wait (the caller
 * blocks beyond), and sl_profiler_wait / sl_profiler_result wait for the
 * worker to finish. sl_profiler_add is for a batch the caller reuses at
 * once (a routed sink's copy): it copies what it reads of the batch
 * (arrays by memcpy, the counted text values into one buffer per column)
 * and hands the copy over instead. Without a thread (pthread_create
 * failed) the batch is profiled on the caller's thread.
 */
#include "core/mem.h"
#include "quality/check.h"
#include "quality/hll_int.h"
#include "quality/profile.h"
#include <math.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL /* hashes of 8 bytes or a short text: inlined, ~1 ns */
#include <xxhash.h>

/* XXH3_64bits of an 8-byte value (a number's or a time's bits), the same
 * hash, through xxhash's 4-to-8-byte path directly: the public function
 * is too big to inline into a value loop, and a call per value cost more
 * than the rest of the number loop. */
static inline uint64_t word_hash(const void *p)
{
    return XXH3_len_4to8_64b((const xxh_u8 *)p, 8, XXH3_kSecret, 0);
}

#define FORMAT_INFER_VALUES 1000
#define FORMAT_CHECK_ALL 10000
#define FORMAT_CHECK_EVERY 16

static const char *const infer_formats[] = {"email", "e164", "uuid", "url", "date", "iso_country", "iso_currency"};

typedef struct text_copy {
    char *p;
    size_t n, cap;
    uint64_t key;            /* its first 8 bytes, big-endian, zero-padded (text_key) */
} text_copy;

typedef struct col_state {
    char name[128];
    sl_type type;            /* widened over the batches */
    int64_t rows, nulls;     /* rows seen since the column appeared, and nulls among them */
    sl_hll *hll;
    int64_t nnum;            /* numbers: count, mean, sum of squared deviations, extremes */
    double mean, m2, min, max;
    int has_len;
    int64_t min_len, max_len;
    int has_text;
    text_copy tmin, tmax;
    int has_time, only_dates; /* dates and timestamps, as microseconds */
    int64_t time_min, time_max;
    int format_done;         /* 1 once the format was inferred (format "" = none) */
    char format[16];
    int64_t fmt_seen, fmt_checked, fmt_failed;
} col_state;

static inline int counted_row(const uint8_t *skip, size_t r)
{
    return !skip || !skip[r];
}

/* A batch as the worker sees it: the columns' arrays and text copied
 * (strings into one buffer per column), so that the pipeline can recycle
 * the batch at once. Snapshots are recycled too (their arrays only grow):
 * no allocation, hence no page faults, in the steady state. */
typedef struct snap_caps {
    size_t valid, i64, f64, str, text;
} snap_caps;

typedef struct snapshot {
    size_t nrows, ncols, colcap;
    sl_column *cols;         /* name, type, raw, valid, i64/f64/str (str[].p into text[i]) */
    char **text;
    snap_caps *caps;
    uint8_t *skip;           /* NULL when every row counts; else skipbuf */
    uint8_t *skipbuf;
    size_t skipcap;
    const sl_batch *batch;   /* in place: the caller's batch (cols unused), handed back by done(ctx, batch) */
    sl_profiler_done_fn done;
    void *ctx;
    struct snapshot *next;   /* in the free list */
} snapshot;

#define QUEUE 4              /* batches waiting: bounds what the profiler holds (copies: ~2 MB each) */

struct sl_profiler {
    int64_t rows;
    col_state *cols;
    size_t ncols, cap;
    /* the worker thread, its queue and the recycled snapshots */
    pthread_t thread;
    int started, closing, busy;
    pthread_mutex_t mu;
    pthread_cond_t put, got, idle;
    snapshot *q[QUEUE];
    size_t head, count;
    snapshot *spare;
    /* profile_batch's text columns: in the batch, in cols, values counted */
    size_t text_cols[SL_PROFILE_MAX_COLUMNS], text_state[SL_PROFILE_MAX_COLUMNS];
    int64_t text_values[SL_PROFILE_MAX_COLUMNS];
};

static void profile_batch(sl_profiler *p, const sl_batch *b, const uint8_t *skip);

sl_profiler *sl_profiler_new(void)
{
    sl_profiler *p = sl_calloc(1, sizeof(sl_profiler));
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->put, NULL);
    pthread_cond_init(&p->got, NULL);
    pthread_cond_init(&p->idle, NULL);
    return p;
}

static void snapshot_free(snapshot *s)
{
    for (size_t i = 0; i < s->colcap; i++) {
        sl_free(s->cols[i].name);
        sl_free(s->cols[i].valid);
        sl_free(s->cols[i].i64);
        sl_free(s->cols[i].f64);
        sl_free(s->cols[i].str);
        sl_free(s->text[i]);
    }
    sl_free(s->cols);
    sl_free(s->text);
    sl_free(s->caps);
    sl_free(s->skipbuf);
    sl_free(s);
}

/* s->skip: a copy of skip, or NULL when it skips no row (the value
 * loops then test nothing per row). */
static void skip_fill(snapshot *s, const uint8_t *skip, size_t n)
{
    s->skip = NULL;
    size_t r = 0;
    while (skip && r < n && !skip[r])
        r++;
    if (!skip || r == n)
        return;
    SL_GROW(s->skipbuf, s->skipcap, n);
    memcpy(s->skipbuf, skip, n);
    s->skip = s->skipbuf;
}

/* Copy what the profiler reads of b into s: a memcpy per array, one per
 * text value that counts (a few ns each: the hashing, comparing and
 * counting then happen on the worker, off the sink's thread). */
static void snapshot_fill(snapshot *s, const sl_batch *b, const uint8_t *skip)
{
    size_t n = b->nrows, n1 = n ? n : 1;
    size_t ncols = b->ncols < SL_PROFILE_MAX_COLUMNS ? b->ncols : SL_PROFILE_MAX_COLUMNS;
    if (ncols > s->colcap) {
        size_t old = s->colcap;
        s->colcap = ncols;
        s->cols = sl_realloc(s->cols, s->colcap * sizeof *s->cols);
        s->text = sl_realloc(s->text, s->colcap * sizeof *s->text);
        s->caps = sl_realloc(s->caps, s->colcap * sizeof *s->caps);
        memset(s->cols + old, 0, (s->colcap - old) * sizeof *s->cols);
        memset(s->text + old, 0, (s->colcap - old) * sizeof *s->text);
        memset(s->caps + old, 0, (s->colcap - old) * sizeof *s->caps);
    }
    s->nrows = n;
    s->ncols = ncols;
    skip_fill(s, skip, n);
    skip = s->skip;
    for (size_t i = 0; i < ncols; i++) {
        const sl_column *c = &b->cols[i];
        sl_column *d = &s->cols[i];
        snap_caps *k = &s->caps[i];
        if (!d->name || strcmp(d->name, c->name) != 0) {
            sl_free(d->name);
            d->name = sl_strdup(c->name);
        }
        d->namelen = c->namelen;
        d->type = c->type;
        d->raw = c->raw;
        SL_GROW(d->valid, k->valid, n1);
        memcpy(d->valid, c->valid, n);
        int st = c->raw ? SL_STORE_STR : sl_type_storage(c->type);
        if (st == SL_STORE_I64) {
            SL_GROW(d->i64, k->i64, n1);
            memcpy(d->i64, c->i64, n * sizeof *d->i64);
        } else if (st == SL_STORE_F64) {
            SL_GROW(d->f64, k->f64, n1);
            memcpy(d->f64, c->f64, n * sizeof *d->f64);
        } else {
            size_t bytes = 0;
            for (size_t r = 0; r < n; r++)
                if (counted_row(skip, r) && c->valid[r])
                    bytes += c->str[r].n;
            SL_GROW(s->text[i], k->text, bytes ? bytes : 1);
            SL_GROW(d->str, k->str, n1);
        }
    }
    /* The text values, row by row: the batch's arena holds them in row
     * order, so this walk reads it front to back (a walk column by column
     * jumps across it and waits on the memory at every value). */
    size_t ntext = 0;
    size_t textcols[256];
    char *cursor[256];
    for (size_t i = 0; i < ncols && ntext < 256; i++) {
        const sl_column *c = &b->cols[i];
        if ((c->raw ? SL_STORE_STR : sl_type_storage(c->type)) != SL_STORE_I64 &&
            (c->raw ? SL_STORE_STR : sl_type_storage(c->type)) != SL_STORE_F64) {
            textcols[ntext] = i;
            cursor[ntext++] = s->text[i];
        }
    }
    for (size_t r = 0; r < n; r++) {
        if (!counted_row(skip, r))
            continue;
        for (size_t t = 0; t < ntext; t++) {
            size_t i = textcols[t];
            const sl_column *c = &b->cols[i];
            if (!c->valid[r])
                continue;
            sl_column *d = &s->cols[i];
            memcpy(cursor[t], c->str[r].p, c->str[r].n);
            d->str[r].p = cursor[t];
            d->str[r].n = c->str[r].n;
            cursor[t] += c->str[r].n;
        }
    }
    /* past 256 text columns: column by column */
    for (size_t i = ntext ? textcols[ntext - 1] + 1 : 0; ntext == 256 && i < ncols; i++) {
        const sl_column *c = &b->cols[i];
        if ((c->raw ? SL_STORE_STR : sl_type_storage(c->type)) == SL_STORE_I64 ||
            (c->raw ? SL_STORE_STR : sl_type_storage(c->type)) == SL_STORE_F64)
            continue;
        sl_column *d = &s->cols[i];
        char *t = s->text[i];
        for (size_t r = 0; r < n; r++)
            if (counted_row(skip, r) && c->valid[r]) {
                memcpy(t, c->str[r].p, c->str[r].n);
                d->str[r].p = t;
                d->str[r].n = c->str[r].n;
                t += c->str[r].n;
            }
    }
}

static void *worker_main(void *arg)
{
    sl_profiler *p = arg;
    /* below the run's own threads (Linux: a thread's nice value is its
     * own): on a busy machine the reader, transforms and sinks get the
     * cores first and the profile takes what they leave; it cannot fall
     * far behind, the queue holds at most QUEUE batches */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->count == 0 && !p->closing)
            pthread_cond_wait(&p->got, &p->mu);
        if (p->count == 0)
            break;
        snapshot *s = p->q[p->head];
        p->head = (p->head + 1) % QUEUE;
        p->count--;
        p->busy = 1;
        pthread_cond_signal(&p->put);
        pthread_mutex_unlock(&p->mu);
        if (s->batch) {
            profile_batch(p, s->batch, s->skip);
            s->done(s->ctx, (sl_batch *)s->batch);
            s->batch = NULL;
        } else {
            sl_batch view = {0};
            view.nrows = s->nrows;
            view.ncols = s->ncols;
            view.cols = s->cols;
            profile_batch(p, &view, s->skip);
        }
        pthread_mutex_lock(&p->mu);
        s->next = p->spare;
        p->spare = s;
        p->busy = 0;
        if (p->count == 0)
            pthread_cond_broadcast(&p->idle);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Wait until the worker has profiled every batch handed to it. */
static void drain(sl_profiler *p)
{
    if (p->started <= 0)
        return;
    pthread_mutex_lock(&p->mu);
    while (p->count > 0 || p->busy)
        pthread_cond_wait(&p->idle, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

void sl_profiler_free(sl_profiler *p)
{
    if (!p)
        return;
    if (p->started) {
        pthread_mutex_lock(&p->mu);
        p->closing = 1;
        pthread_cond_signal(&p->got);
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->thread, NULL);
    }
    while (p->spare) {
        snapshot *s = p->spare;
        p->spare = s->next;
        snapshot_free(s);
    }
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->put);
    pthread_cond_destroy(&p->got);
    pthread_cond_destroy(&p->idle);
    for (size_t i = 0; i < p->ncols; i++) {
        sl_hll_free(p->cols[i].hll);
        sl_free(p->cols[i].tmin.p);
        sl_free(p->cols[i].tmax.p);
    }
    sl_free(p->cols);
    sl_free(p);
}

/* The profiler's column called name (added, with the rows so far as nulls,
 * when new). hint: where it was last time. */
static col_state *find_col(sl_profiler *p, const sl_column *c, size_t hint)
{
    if (hint < p->ncols && strcmp(p->cols[hint].name, c->name) == 0)
        return &p->cols[hint];
    for (size_t i = 0; i < p->ncols; i++)
        if (strcmp(p->cols[i].name, c->name) == 0)
            return &p->cols[i];
    if (p->ncols == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 16;
        p->cols = sl_realloc(p->cols, p->cap * sizeof *p->cols);
    }
    if (p->ncols >= SL_PROFILE_MAX_COLUMNS)
        return NULL; /* wide inputs: the first SL_PROFILE_MAX_COLUMNS columns are profiled */
    col_state *s = &p->cols[p->ncols++];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", c->name);
    s->type = c->raw ? SL_T_TEXT : c->type;
    s->hll = sl_hll_new();
    s->only_dates = 1;
    return s;
}

/* Continuation bytes (10xxxxxx) among the 8 bytes of w: bit 7 set and bit
 * 6 clear, summed by one multiply (no popcount instruction assumed). */
static inline size_t continuations(uint64_t w)
{
    uint64_t m = (w & ~(w << 1) & 0x8080808080808080ull) >> 7;
    return (size_t)((m * 0x0101010101010101ull) >> 56);
}

/* Characters (UTF-8 code points) in p[0..n): bytes minus continuation
 * bytes, eight at a time; the tail as the last 8 bytes. */
static size_t utf8_chars(const char *p, size_t n)
{
    size_t cont = 0, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080ull)
            cont += continuations(w);
    }
    if (i < n && n >= 8) { /* the bytes not counted yet are the high ones (little-endian) of the last 8 */
        uint64_t w;
        memcpy(&w, p + n - 8, 8);
        return n - cont - continuations(w & ~0ull << (8 * (8 - (n - i))));
    }
    for (; i < n; i++)
        cont += ((unsigned char)p[i] & 0xC0) == 0x80;
    return n - cont;
}

/* The first 8 bytes of s as a big-endian number, zero-padded: two texts
 * whose keys differ compare as their keys do; equal keys need memcmp. */
static inline uint64_t text_key(const char *s, size_t n)
{
    uint64_t k = 0;
    if (n >= 8) {
        memcpy(&k, s, 8);
        return __builtin_bswap64(k);
    }
    for (size_t i = 0; i < n; i++) /* byte by byte: a partial store then a load would stall */
        k |= (uint64_t)(unsigned char)s[i] << (56 - 8 * i);
    return k;
}

static int text_cmp(const text_copy *t, const char *s, size_t n)
{
    size_t k = t->n < n ? t->n : n;
    int c = memcmp(t->p, s, k);
    return c ? c : (t->n > n) - (t->n < n);
}

static void text_set(text_copy *t, const char *s, size_t n, uint64_t key)
{
    if (n + 1 > t->cap) {
        t->cap = n + 1 > 64 ? n + 1 : 64;
        sl_free(t->p);
        t->p = sl_malloc(t->cap);
    }
    memcpy(t->p, s, n);
    t->p[n] = 0;
    t->n = n;
    t->key = key;
}

/* Merge a batch's count, mean and squared deviations (Chan et al.). */
static void moments_merge(col_state *s, int64_t n, double mean, double m2)
{
    if (n == 0)
        return;
    int64_t total = s->nnum + n;
    double delta = mean - s->mean;
    s->mean += delta * (double)n / (double)total;
    s->m2 += m2 + delta * delta * (double)s->nnum * (double)n / (double)total;
    s->nnum = total;
}

static inline int counted(const uint8_t *skip, size_t r)
{
    return !skip || !skip[r];
}

/* A column's batch is counted: its nulls, and its type widened by the
 * batch's when it had values. */
static void col_done(col_state *s, sl_type t, int64_t counted_rows, int64_t valid)
{
    s->nulls += counted_rows - valid;
    if (valid)
        s->type = s->type == SL_T_NULL ? t : sl_type_widen(s->type, t);
}

/* A decimal's text as a double (cut to 63 bytes). */
static double decimal_value(const sl_str *v)
{
    char tmp[64];
    size_t k = v->n < sizeof tmp - 1 ? v->n : sizeof tmp - 1;
    memcpy(tmp, v->p, k);
    tmp[k] = 0;
    return strtod(tmp, NULL);
}

static int64_t add_numbers(col_state *s, const sl_column *c, size_t nrows, const uint8_t *skip)
{
    int is_int = sl_type_storage(c->type) == SL_STORE_I64;
    int64_t n = 0, values = 0;
    double sum = 0, mn = s->nnum ? s->min : INFINITY, mx = s->nnum ? s->max : -INFINITY;
    for (size_t r = 0; r < nrows; r++) {
        if (!counted(skip, r) || !c->valid[r])
            continue;
        double v;
        uint64_t h;
        values++;
        if (is_int) {
            v = (double)c->i64[r];
            h = word_hash(&c->i64[r]);
        } else {
            v = c->f64[r];
            double k = v == 0 ? 0.0 : v; /* -0 and 0 are one value */
            h = word_hash(&k);
        }
        sl_hll_add_inline(s->hll, h);
        if (isnan(v))
            continue; /* counted as a value and a distinct one, kept out of the moments */
        n++;
        sum += v;
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
    }
    if (n == 0)
        return values;
    double mean = sum / (double)n, m2 = 0;
    for (size_t r = 0; r < nrows; r++) {
        if (!counted(skip, r) || !c->valid[r])
            continue;
        double v = is_int ? (double)c->i64[r] : c->f64[r];
        if (!isnan(v))
            m2 += (v - mean) * (v - mean);
    }
    moments_merge(s, n, mean, m2);
    s->min = mn;
    s->max = mx;
    return values;
}

static int64_t add_times(col_state *s, const sl_column *c, size_t nrows, const uint8_t *skip)
{
    int64_t scale = c->type == SL_T_DATE ? 86400000000LL : 1, values = 0;
    /* the extremes in locals: the HyperLogLog's byte stores would reload s's fields at every value */
    int64_t mn = s->has_time ? s->time_min : INT64_MAX, mx = s->has_time ? s->time_max : INT64_MIN;
    sl_hll *h = s->hll;
    const int64_t *v = c->i64;
    for (size_t r = 0; r < nrows; r++) {
        if (!counted(skip, r) || !c->valid[r])
            continue;
        values++;
        sl_hll_add_inline(h, word_hash(&v[r]));
        int64_t us = v[r] * scale;
        mn = us < mn ? us : mn;
        mx = us > mx ? us : mx;
    }
    if (values) {
        s->time_min = mn;
        s->time_max = mx;
        s->has_time = 1;
        if (c->type != SL_T_DATE)
            s->only_dates = 0;
    }
    return values;
}

/* Infer a text column's format from up to FORMAT_INFER_VALUES of this
 * batch's values; returns 0 when the batch had none (try the next). */
static int infer_format(col_state *s, const sl_column *c, size_t nrows, const uint8_t *skip)
{
    size_t nf = sizeof infer_formats / sizeof *infer_formats;
    int pass[sizeof infer_formats / sizeof *infer_formats] = {0}, known[sizeof infer_formats / sizeof *infer_formats];
    for (size_t f = 0; f < nf; f++)
        known[f] = 1;
    int seen = 0;
    for (size_t r = 0; r < nrows && seen < FORMAT_INFER_VALUES; r++) {
        if (!counted(skip, r) || !c->valid[r])
            continue;
        seen++;
        for (size_t f = 0; f < nf; f++) {
            if (!known[f])
                continue;
            int v = sl_format_valid(infer_formats[f], c->str[r].p, c->str[r].n);
            if (v < 0)
                known[f] = 0;
            else
                pass[f] += v;
        }
    }
    if (!seen)
        return 0;
    for (size_t f = 0; f < nf; f++)
        if (known[f] && pass[f] * 2 > seen) {
            snprintf(s->format, sizeof s->format, "%s", infer_formats[f]);
            break;
        }
    return 1;
}

/* A decimal column (text): its values hashed and, as numbers, their
 * moments and extremes (strtod of each value, twice: a rare type). */
static int64_t add_decimals(col_state *s, const sl_column *c, size_t nrows, const uint8_t *skip)
{
    int64_t n = 0;
    double sum = 0, mn = s->nnum ? s->min : INFINITY, mx = s->nnum ? s->max : -INFINITY;
    for (size_t r = 0; r < nrows; r++) {
        if (!counted(skip, r) || !c->valid[r])
            continue;
        sl_hll_add_inline(s->hll, XXH3_64bits(c->str[r].p, c->str[r].n));
        double d = decimal_value(&c->str[r]);
        n++;
        sum += d;
        mn = d < mn ? d : mn;
        mx = d > mx ? d : mx;
    }
    if (n == 0)
        return 0;
    double mean = sum / (double)n, m2 = 0;
    for (size_t r = 0; r < nrows; r++)
        if (counted(skip, r) && c->valid[r]) {
            double d = decimal_value(&c->str[r]);
            m2 += (d - mean) * (d - mean);
        }
    moments_merge(s, n, mean, m2);
    s->min = mn;
    s->max = mx;
    return n;
}

/* The first min(n, 8) bytes of s as a little-endian word, zero-padded,
 * for n < 8: two overlapping loads (or three bytes), no loop. */
static inline uint64_t short_word(const char *s, size_t n)
{
    if (n >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, s, 4);
        memcpy(&hi, s + n - 4, 4);
        return (uint64_t)lo | (uint64_t)hi << (8 * (n - 4));
    }
    if (n == 0)
        return 0;
    return (uint64_t)(unsigned char)s[0] | (uint64_t)(unsigned char)s[n >> 1] << (8 * (n >> 1)) |
           (uint64_t)(unsigned char)s[n - 1] << (8 * (n - 1));
}

/* XXH3_64bits(v, len), the same value, with the short inputs' paths
 * inlined into the profiler's loop (the public function is too big for
 * the compiler to inline there, and a call per value costs ~15 % of the
 * loop): xxhash's own internal functions (0.8), XXH_INLINE_ALL above. */
static inline uint64_t text_hash(const char *v, size_t len)
{
    if (len <= 16)
        return XXH3_len_0to16_64b((const xxh_u8 *)v, len, XXH3_kSecret, 0);
    if (len <= 128)
        return XXH3_len_17to128_64b((const xxh_u8 *)v, len, XXH3_kSecret, sizeof XXH3_kSecret, 0);
    return XXH3_64bits(v, len);
}

/* A text value against the column's minimum or maximum so far (want < 0:
 * keep the smaller): only values whose 8-byte key reaches the extreme get
 * here; texts under 8 bytes with equal keys and lengths are equal. */
static inline int text_beats(const text_copy *t, const char *v, size_t len, uint64_t key, int want)
{
    if (key != t->key)
        return want < 0 ? key < t->key : key > t->key;
    if (len < 8 && t->n == len)
        return 0;
    int c = text_cmp(t, v, len); /* > 0: t is the larger */
    return want < 0 ? c > 0 : c < 0;
}

/* Text rows [r0, r1) (text or JSON; decimals are add_decimals'): every
 * value hashed into the HyperLogLog, its length in characters, the text
 * extremes, the format's sampled check. The extremes and lengths are kept
 * in locals across the loop (the HyperLogLog's byte stores would make the
 * compiler reload every field of s at each value). */
static int64_t add_text(col_state *s, const sl_column *c, size_t r0, size_t r1, const uint8_t *skip)
{
    int lexical = c->raw || c->type == SL_T_TEXT; /* JSON: no min/max text */
    int check = lexical && s->format[0];
    sl_hll *h = s->hll;
    const uint8_t *valid = c->valid;
    const sl_str *str = c->str;
    int64_t values = 0;
    int64_t min_len = s->has_len ? s->min_len : INT64_MAX, max_len = s->has_len ? s->max_len : -1;
    /* an empty column reaches both extremes at its first value */
    uint64_t kmin = s->has_text ? s->tmin.key : UINT64_MAX, kmax = s->has_text ? s->tmax.key : 0;
    int has_text = s->has_text;
    for (size_t r = r0; r < r1; r++) {
        if ((skip && skip[r]) || !valid[r])
            continue;
        if (r + 8 < r1) /* the arena is laid out row by row: fetch ahead of this column's walk */
            __builtin_prefetch(str[r + 8].p);
        const char *v = str[r].p;
        size_t len = str[r].n;
        values++;
        sl_hll_add_inline(h, text_hash(v, len));
        uint64_t key;
        int64_t chars;
        if (len < 8) {
            uint64_t w = short_word(v, len);
            key = __builtin_bswap64(w);
            chars = (int64_t)(len - continuations(w));
        } else {
            key = text_key(v, len);
            chars = (int64_t)utf8_chars(v, len);
        }
        min_len = chars < min_len ? chars : min_len;
        max_len = chars > max_len ? chars : max_len;
        if (lexical && (key <= kmin || key >= kmax)) {
            if (!has_text || text_beats(&s->tmin, v, len, key, -1)) {
                text_set(&s->tmin, v, len, key);
                kmin = key;
            }
            if (!has_text || text_beats(&s->tmax, v, len, key, 1)) {
                text_set(&s->tmax, v, len, key);
                kmax = key;
            }
            has_text = 1;
        }
        if (check) {
            int64_t k = s->fmt_seen++;
            if (k < FORMAT_CHECK_ALL || k % FORMAT_CHECK_EVERY == 0) {
                s->fmt_checked++;
                s->fmt_failed += sl_format_valid(s->format, v, len) == 0;
            }
        }
    }
    if (values) {
        s->has_len = 1;
        s->min_len = min_len;
        s->max_len = max_len;
    }
    s->has_text = has_text;
    return values;
}

/* Rows per block of text columns: a batch's text is profiled a block of
 * rows at a time, every column in turn, so that the block's part of the
 * arena (laid out row by row; ~30 KB for 256 rows of 12 columns) is read
 * from memory once and then from cache, rather than once per column. */
#define TEXT_BLOCK 256

static void profile_batch(sl_profiler *p, const sl_batch *b, const uint8_t *skip)
{
    size_t nrows = b->nrows, ncols = b->ncols < SL_PROFILE_MAX_COLUMNS ? b->ncols : SL_PROFILE_MAX_COLUMNS;
    int64_t counted_rows = (int64_t)nrows;
    for (size_t r = 0; skip && r < nrows; r++)
        counted_rows -= skip[r] != 0;
    size_t ntext = 0;
    for (size_t i = 0; i < ncols; i++) {
        const sl_column *c = &b->cols[i];
        col_state *s = find_col(p, c, i);
        if (!s)
            continue;
        if (s->rows < p->rows) { /* a column appearing late: its earlier rows were nulls */
            s->nulls += p->rows - s->rows;
            s->rows = p->rows;
        }
        s->rows += counted_rows;
        int64_t valid = 0;
        sl_type t = c->raw ? SL_T_TEXT : c->type;
        switch (t) {
        case SL_T_BOOL:
        case SL_T_INT:
        case SL_T_FLOAT:
            valid = add_numbers(s, c, nrows, skip);
            break;
        case SL_T_DATE:
        case SL_T_TIMESTAMP:
            valid = add_times(s, c, nrows, skip);
            break;
        case SL_T_DECIMAL:
            valid = add_decimals(s, c, nrows, skip);
            break;
        case SL_T_TEXT:
        case SL_T_JSON:
            if (t == SL_T_TEXT && !s->format_done)
                s->format_done = infer_format(s, c, nrows, skip);
            p->text_cols[ntext] = i; /* below, a block at a time */
            p->text_state[ntext++] = (size_t)(s - p->cols);
            continue;
        default:
            for (size_t r = 0; r < nrows; r++)
                valid += counted(skip, r) && c->valid[r];
            break;
        }
        col_done(s, t, counted_rows, valid);
    }
    for (size_t k = 0; k < ntext; k++)
        p->text_values[k] = 0;
    for (size_t r0 = 0; r0 < nrows; r0 += TEXT_BLOCK) {
        size_t r1 = nrows - r0 < TEXT_BLOCK ? nrows : r0 + TEXT_BLOCK;
        for (size_t k = 0; k < ntext; k++)
            p->text_values[k] += add_text(&p->cols[p->text_state[k]], &b->cols[p->text_cols[k]], r0, r1, skip);
    }
    for (size_t k = 0; k < ntext; k++) {
        const sl_column *c = &b->cols[p->text_cols[k]];
        col_done(&p->cols[p->text_state[k]], c->raw ? SL_T_TEXT : c->type, counted_rows, p->text_values[k]);
    }
    p->rows += counted_rows;
}

/* Start the worker at the first batch; 0 when there is none (profile on the caller's thread). */
static int worker_up(sl_profiler *p)
{
    if (!p->started) {
        if (pthread_create(&p->thread, NULL, worker_main, p) == 0)
            p->started = 1;
        else
            p->started = -1;
    }
    return p->started > 0;
}

static snapshot *snapshot_take(sl_profiler *p)
{
    pthread_mutex_lock(&p->mu);
    snapshot *s = p->spare;
    if (s)
        p->spare = s->next;
    pthread_mutex_unlock(&p->mu);
    return s ? s : sl_calloc(1, sizeof *s);
}

static void enqueue(sl_profiler *p, snapshot *s)
{
    pthread_mutex_lock(&p->mu);
    while (p->count == QUEUE)
        pthread_cond_wait(&p->put, &p->mu);
    p->q[(p->head + p->count) % QUEUE] = s;
    p->count++;
    pthread_cond_signal(&p->got);
    pthread_mutex_unlock(&p->mu);
}

void sl_profiler_add(sl_profiler *p, const sl_batch *b, const uint8_t *skip)
{
    if (!p || !b)
        return;
    if (!worker_up(p)) {
        profile_batch(p, b, skip);
        return;
    }
    snapshot *s = snapshot_take(p);
    snapshot_fill(s, b, skip);
    enqueue(p, s);
}

void sl_profiler_add_async(sl_profiler *p, sl_batch *b, const uint8_t *skip, sl_profiler_done_fn done, void *ctx)
{
    if (!p || !b || !worker_up(p)) {
        if (p && b)
            profile_batch(p, b, skip);
        if (b)
            done(ctx, b);
        return;
    }
    snapshot *s = snapshot_take(p);
    skip_fill(s, skip, b->nrows);
    s->batch = b;
    s->done = done;
    s->ctx = ctx;
    enqueue(p, s);
}

void sl_profiler_wait(sl_profiler *p)
{
    if (p)
        drain(p);
}

/* Copy s (n bytes) into out[64], cut to 63 bytes at a character boundary. */
static void cut_text(char out[64], const char *s, size_t n)
{
    if (n > 63) {
        n = 63;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out, s, n);
    out[n] = 0;
}

void sl_profiler_result(const sl_profiler *p, sl_profile *out)
{
    memset(out, 0, sizeof *out);
    if (!p)
        return;
    drain((sl_profiler *)p); /* the worker's state only changes while batches are queued */
    out->rows = p->rows;
    out->ncols = p->ncols;
    out->cols = p->ncols ? sl_calloc(p->ncols, sizeof *out->cols) : NULL;
    for (size_t i = 0; i < p->ncols; i++) {
        const col_state *s = &p->cols[i];
        sl_column_profile *c = &out->cols[i];
        snprintf(c->name, sizeof c->name, "%s", s->name);
        snprintf(c->type, sizeof c->type, "%s", sl_type_name(s->type == SL_T_NULL ? SL_T_TEXT : s->type));
        c->rows = p->rows;
        c->nulls = s->nulls + (p->rows - s->rows); /* absent from the last batches: nulls */
        int64_t values = c->rows - c->nulls;
        double est = sl_hll_estimate(s->hll);
        c->distinct = (int64_t)llround(est);
        if (c->distinct > values)
            c->distinct = values;
        if (s->nnum) {
            c->has_num = 1;
            c->min = s->min;
            c->max = s->max;
            c->mean = s->mean;
            c->stddev = s->nnum > 1 ? sqrt(s->m2 / (double)(s->nnum - 1)) : 0;
        }
        if (s->has_len) {
            c->has_len = 1;
            c->min_len = s->min_len;
            c->max_len = s->max_len;
        }
        if (s->has_text) {
            cut_text(c->min_text, s->tmin.p, s->tmin.n);
            cut_text(c->max_text, s->tmax.p, s->tmax.n);
        } else if (s->has_time) {
            int dates = s->only_dates && s->time_min % 86400000000LL == 0 && s->time_max % 86400000000LL == 0;
            char buf[48];
            if (dates) {
                sl_format_date(buf, s->time_min / 86400000000LL);
                snprintf(c->min_text, sizeof c->min_text, "%s", buf);
                sl_format_date(buf, s->time_max / 86400000000LL);
                snprintf(c->max_text, sizeof c->max_text, "%s", buf);
            } else {
                sl_format_timestamp(buf, s->time_min);
                snprintf(c->min_text, sizeof c->min_text, "%s", buf);
                sl_format_timestamp(buf, s->time_max);
                snprintf(c->max_text, sizeof c->max_text, "%s", buf);
            }
        }
        if (s->format[0]) {
            snprintf(c->format, sizeof c->format, "%s", s->format);
            c->format_fail_rate = s->fmt_checked ? (double)s->fmt_failed / (double)s->fmt_checked : 0;
        }
    }
}

void sl_profile_release(sl_profile *p)
{
    if (!p)
        return;
    sl_free(p->cols);
    p->cols = NULL;
    p->ncols = 0;
    p->rows = 0;
}
