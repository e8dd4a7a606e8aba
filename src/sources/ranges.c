/* ranges.c: see ranges.h. */
#include "sources/ranges.h"
#include "core/mem.h"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RANGE_BYTES_DEFAULT ((int64_t)256 << 10)
#define MAX_WORKERS 8
#define AUTO_MIN_BYTES ((int64_t)8 << 20) /* parallel: auto reads smaller files with one reader */
#define QUEUED_MAX 2 /* batches a range ahead of the one handed on may hold */
#define WORKER_SHARE 4 /* a worker's batches hold 1/WORKER_SHARE of a batch's rows */
#define MAX_RANGES 4096 /* a file is cut into at most this many ranges (ranges.h) */
#define GUESSES 64      /* guesses remembered (range k's end is range k + 1's start) */

/* The batches handed on that point to a worker batch's strings. */
typedef struct refs {
    const sl_batch **v;
    size_t n, cap;
} refs;

typedef struct entry {
    sl_batch *b;
    int64_t from, from_line; /* where its fill started (line counted from the range's start) */
    int faithful;
    size_t era;              /* ops->era of the reader after the fill */
} entry;

enum { SLOT_FREE, SLOT_BUSY, SLOT_DONE };

typedef struct slot {
    int state;
    int64_t k;              /* the range */
    int64_t start, stop;    /* guessed start; records starting before stop (INT64_MAX: to the end) */
    int known;              /* start and stop set */
    entry *q;
    size_t qhead, qn, qcap;
    int failed, abandoned, checked;
    sl_error err;
    int64_t end, end_line;  /* where the worker stopped (line counted from the range's start) */
} slot;

struct sl_ranges {
    const sl_range_ops *ops;
    void *fmt;
    sl_input *in;
    int64_t start, line, size, rbytes;
    size_t max;
    int nthreads;
    pthread_t *threads;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    slot *slots;
    int nslots;
    int64_t next_assign, emit, nranges;
    int quit, finished, stopped, quit_free;
    int64_t redone;                /* ranges (or their rest) read again on the calling thread */
    int64_t read;                  /* ranges handed on */
    int64_t gk[GUESSES], gv[GUESSES]; /* guess(gk[i]) = gv[i]; gk -1: none */
    sl_batch **freeb;
    size_t nfree, capfree, made, budget;
    /* the calling thread */
    void *main;
    int64_t true_start, true_line; /* of range `emit` */
    int redo;                      /* range `emit` is being read again here */
    int64_t redo_stop;
    sl_input *redo_in;
    /* the worker batch being handed on: its next row and reject */
    sl_batch *cur;
    size_t cur_row, cur_rej;
    int64_t cur_delta;
    int cur_whole;                 /* every column of cur is known, or cur goes whole into one batch */
    int cur_copy;                  /* cur's strings are copied, not pointed to (see take) */
    refs cur_refs;                 /* batches handed on that point to cur's strings */
    /* strings (arenas) of used-up worker batches that batches handed on
     * still point to; the batches themselves (their arrays) are reused */
    struct held { sl_arena arena; refs refs; } *held;
    size_t nheld, capheld;
    sl_arena *farena;              /* arenas free again, for the workers' batches */
    size_t nfarena, capfarena;
    /* column names of the batches handed on (the file's first batch's too) */
    char **known;
    size_t nknown, capknown;
};

/* One past the first '\n' at or after range k's nominal offset (the
 * file's size if none). Called with the lock held, which it lets go while
 * it reads: each guess is read once (the range before asks for it as its
 * stop), in pieces of 512 bytes growing to 4 KiB, not a block per range. */
static int64_t guess(sl_ranges *rs, int64_t k)
{
    if (k == 0)
        return rs->start;
    if (rs->gk[k % GUESSES] == k)
        return rs->gv[k % GUESSES];
    pthread_mutex_unlock(&rs->mu);
    int64_t at = rs->start + k * rs->rbytes, g = rs->size;
    char buf[4096];
    size_t want = 512;
    sl_input *in = sl_input_range(rs->in, at);
    while (at < rs->size) {
        sl_error err;
        ptrdiff_t n = sl_input_read(in, buf, want, &err);
        if (n <= 0)
            break;
        char *nl = memchr(buf, '\n', (size_t)n);
        if (nl) {
            g = at + (nl - buf) + 1;
            break;
        }
        at += n;
        want = sizeof buf;
    }
    sl_input_close(in);
    pthread_mutex_lock(&rs->mu);
    rs->gk[k % GUESSES] = k;
    rs->gv[k % GUESSES] = g;
    return g;
}

static void push_free(sl_ranges *rs, sl_batch *b)
{
    sl_batch_clear(b);
    SL_GROW(rs->freeb, rs->capfree, rs->nfree + 1);
    rs->freeb[rs->nfree++] = b;
}

/* Give a slot's batches back; the slot is free again. Under the lock. */
static void slot_release(sl_ranges *rs, slot *s)
{
    for (size_t i = 0; i < s->qn; i++)
        push_free(rs, s->q[(s->qhead + i) % s->qcap].b);
    s->qn = s->qhead = 0;
    s->state = SLOT_FREE;
    s->known = s->failed = s->abandoned = s->checked = 0;
    s->k = -1;
}

static void slot_push(slot *s, entry e)
{
    if (s->qn == s->qcap) {
        size_t cap = s->qcap ? s->qcap * 2 : 4;
        entry *q = sl_calloc(cap, sizeof *q);
        for (size_t i = 0; i < s->qn; i++)
            q[i] = s->q[(s->qhead + i) % s->qcap];
        sl_free(s->q);
        s->q = q;
        s->qcap = cap;
        s->qhead = 0;
    }
    s->q[(s->qhead + s->qn) % s->qcap] = e;
    s->qn++;
}

static entry slot_pop(slot *s)
{
    entry e = s->q[s->qhead];
    s->qhead = (s->qhead + 1) % s->qcap;
    s->qn--;
    return e;
}

/* Read range k (its slot s) with reader w. Called and returns with the lock held. */
static void read_range(sl_ranges *rs, void *w, slot *s, int64_t k)
{
    int64_t g0 = guess(rs, k), g1 = guess(rs, k + 1);
    if (k > 0 && g0 >= rs->size) { /* no such range: the one before reads to the end */
        if (k < rs->nranges)
            rs->nranges = k;
        slot_release(rs, s);
        pthread_cond_broadcast(&rs->cv);
        return;
    }
    s->start = g0;
    s->stop = g1 >= rs->size ? INT64_MAX : g1;
    s->known = 1;
    pthread_mutex_unlock(&rs->mu);
    sl_input *in = sl_input_range(rs->in, g0);
    sl_error err = {0};
    int rc = rs->ops->begin(w, in, g0, 1, 1, &err);
    pthread_mutex_lock(&rs->mu);
    while (rc == 0) {
        /* the range handed on now may always get a batch (no deadlock);
         * the others wait for room */
        while (!rs->quit && !s->abandoned &&
               (s->qn >= QUEUED_MAX || (k != rs->emit && rs->nfree == 0 && rs->made >= rs->budget)))
            pthread_cond_wait(&rs->cv, &rs->mu);
        if (rs->quit || s->abandoned)
            break;
        sl_batch *b;
        if (rs->nfree) {
            b = rs->freeb[--rs->nfree];
        } else {
            b = sl_batch_new();
            rs->made++;
        }
        if (!b->arena.head && rs->nfarena) { /* its strings were kept: take freed ones */
            sl_arena_release(&b->arena);
            b->arena = rs->farena[--rs->nfarena];
        }
        pthread_mutex_unlock(&rs->mu);
        entry e = {b, 0, 0, 1, 0};
        rs->ops->where(w, &e.from, &e.from_line);
        int done = 0;
        size_t max = rs->max / WORKER_SHARE ? rs->max / WORKER_SHARE : 1;
        rc = rs->ops->fill(w, b, max, s->stop, &done, &err);
        if (rc == 0 && rs->ops->faithful)
            e.faithful = rs->ops->faithful(w);
        if (rc == 0 && rs->ops->era)
            e.era = rs->ops->era(w);
        pthread_mutex_lock(&rs->mu);
        if (rc < 0) {
            push_free(rs, b);
            break;
        }
        slot_push(s, e);
        pthread_cond_broadcast(&rs->cv);
        if (done || !e.faithful)
            break;
    }
    sl_input_close(in);
    if (rc < 0) {
        s->failed = 1;
        s->err = err;
    }
    rs->ops->where(w, &s->end, &s->end_line);
    s->state = SLOT_DONE;
    if (s->abandoned)
        slot_release(rs, s);
    pthread_cond_broadcast(&rs->cv);
}

static void add_known(sl_ranges *rs, const sl_batch *b);

static void *worker_main(void *arg)
{
    sl_ranges *rs = arg;
    void *w = rs->ops->reader_new(rs->fmt, 0);
    pthread_mutex_lock(&rs->mu);
    while (!rs->quit) {
        int64_t k = rs->next_assign;
        slot *s = &rs->slots[k % rs->nslots];
        if (k < rs->nranges && k < rs->emit + rs->nslots && s->state == SLOT_FREE) {
            rs->next_assign++;
            s->state = SLOT_BUSY;
            s->k = k;
            read_range(rs, w, s, k);
            continue;
        }
        pthread_cond_wait(&rs->cv, &rs->mu);
    }
    pthread_mutex_unlock(&rs->mu);
    rs->ops->reader_free(w);
    return NULL;
}

sl_ranges *sl_ranges_start(const sl_range_ops *ops, void *fmt, sl_input *in, const sl_batch *first,
                           int64_t size, int nworkers, int64_t range_bytes, size_t max)
{
    sl_ranges *rs = sl_calloc(1, sizeof *rs);
    int64_t start = first->end_offset, line = first->end_line;
    add_known(rs, first);
    rs->ops = ops;
    rs->fmt = fmt;
    rs->in = in;
    rs->start = rs->true_start = start;
    rs->line = rs->true_line = line;
    rs->size = size;
    rs->rbytes = range_bytes > 0 ? range_bytes : RANGE_BYTES_DEFAULT;
    if (rs->rbytes < (size - start + MAX_RANGES - 1) / MAX_RANGES) /* tiny ranges cost more than they share out */
        rs->rbytes = (size - start + MAX_RANGES - 1) / MAX_RANGES;
    for (int i = 0; i < GUESSES; i++)
        rs->gk[i] = -1;
    rs->max = max;
    rs->nranges = INT64_MAX;
    rs->nthreads = nworkers;
    rs->nslots = nworkers;
    rs->budget = (size_t)(QUEUED_MAX * nworkers + 1);
    rs->slots = sl_calloc((size_t)rs->nslots, sizeof *rs->slots);
    for (int i = 0; i < rs->nslots; i++)
        rs->slots[i].k = -1;
    rs->main = ops->reader_new(fmt, 1);
    pthread_mutex_init(&rs->mu, NULL);
    pthread_cond_init(&rs->cv, NULL);
    rs->threads = sl_calloc((size_t)nworkers, sizeof *rs->threads);
    for (int i = 0; i < nworkers; i++)
        if (pthread_create(&rs->threads[i], NULL, worker_main, rs) != 0) {
            rs->nthreads = i; /* fewer threads, or none: range by range on the calling thread */
            break;
        }
    return rs;
}

/* Read range `emit` again on the calling thread from (from, line). Under the lock. */
static void redo_begin(sl_ranges *rs, int64_t from, int64_t line, int64_t stop, sl_error *err, int *rc)
{
    rs->redo = 1;
    rs->redone++;
    rs->redo_stop = stop;
    rs->redo_in = sl_input_range(rs->in, from);
    *rc = rs->ops->begin(rs->main, rs->redo_in, from, line, 0, err);
}

/* Range `emit` was handed on whole: the next one starts at (end, line). Under the lock. */
static void advance(sl_ranges *rs, int64_t end, int64_t line, int64_t stop)
{
    rs->true_start = end;
    rs->true_line = line;
    rs->emit++;
    rs->read++;
    if (stop == INT64_MAX || rs->emit >= rs->nranges)
        rs->finished = 1;
    pthread_cond_broadcast(&rs->cv);
}

/* A worker's reject at the file's lines, copied into b. */
static void copy_reject(sl_batch *b, const sl_reject *r, int64_t delta)
{
    char reason[512];
    snprintf(reason, sizeof reason, "%s", r->reason ? r->reason : "");
    sl_ranges_fix_lines(reason, sizeof reason, delta);
    sl_batch_reject_raw(b, r->offset, r->line + delta, r->stage, reason, r->raw, r->raw ? strlen(r->raw) : 0);
}

static int is_known(const sl_ranges *rs, const char *name)
{
    for (size_t i = 0; i < rs->nknown; i++)
        if (strcmp(rs->known[i], name) == 0)
            return 1;
    return 0;
}

static void add_known(sl_ranges *rs, const sl_batch *b)
{
    for (size_t i = 0; i < b->ncols; i++)
        if (!is_known(rs, b->cols[i].name)) {
            SL_GROW(rs->known, rs->capknown, rs->nknown + 1);
            rs->known[rs->nknown++] = sl_strdup(b->cols[i].name);
        }
}

/* The current worker batch is done with: its strings stay (held) as long
 * as a batch handed on points to them; the batch goes back to the
 * workers. Under the lock. */
static void retire_cur(sl_ranges *rs)
{
    sl_batch *w = rs->cur;
    rs->cur = NULL;
    if (rs->cur_refs.n) {
        SL_GROW(rs->held, rs->capheld, rs->nheld + 1);
        struct held *h = &rs->held[rs->nheld++];
        h->arena = w->arena;
        h->refs = rs->cur_refs;
        memset(&rs->cur_refs, 0, sizeof rs->cur_refs);
        sl_arena_init(&w->arena);
    }
    push_free(rs, w);
}

/* b out of a list of batches pointing to strings. */
static void refs_drop(refs *r, const sl_batch *b)
{
    size_t k = 0;
    for (size_t j = 0; j < r->n; j++)
        if (r->v[j] != b)
            r->v[k++] = r->v[j];
    r->n = k;
}

/* Whether the strings of worker batch w are copied into the batches handed
 * on rather than pointed to: when they fill less than a quarter of the
 * blocks its arena holds (a small range's batch: a few rows in a 64 KiB
 * block). Pointing keeps the blocks as long as a batch handed on lives,
 * and a batch made of thousands of tiny ranges' rows would keep thousands
 * of blocks (a 3 MB file in ranges of 1 byte grew to 311 MB); copied, what
 * the batches hold is at most 4 times the strings they point to. */
static int copy_strings(const sl_batch *w)
{
    return w->arena.used * 4 < sl_arena_size(&w->arena);
}

/* Row r of the worker batch w appended to b, its cells pointing to w's
 * strings (copy: to copies of them in b's arena). */
static void append_row(sl_batch *b, const sl_batch *w, size_t r, int64_t delta, size_t *colmap, int copy)
{
    size_t row = sl_batch_add_row(b, w->offset[r], w->line[r] + delta);
    for (size_t c = 0; c < w->ncols; c++) {
        const sl_column *from = &w->cols[c];
        sl_column *to = &b->cols[colmap[c]];
        to->valid[row] = from->valid[r];
        if (from->valid[r] && copy)
            sl_batch_set_text(b, colmap[c], row, from->str[r].p, from->str[r].n);
        else if (from->valid[r])
            to->str[row] = from->str[r];
        if (from->kind)
            to->kind[row] = from->kind[r];
    }
}

/* Hand on rows and rejects of the current worker batch into b, in file
 * order, until b has `rows` rows (the rejects after its last row go to the
 * next batch, as one reader does) or the worker batch is used up. */
static void take(sl_ranges *rs, sl_batch *b, size_t rows)
{
    sl_batch *w = rs->cur;
    size_t *colmap = sl_calloc(w->ncols + 1, sizeof *colmap);
    for (size_t c = 0; c < w->ncols; c++) {
        const sl_column *from = &w->cols[c];
        int at = sl_batch_find(b, from->name);
        colmap[c] = at >= 0 ? (size_t)at : sl_batch_add_column(b, from->name, from->namelen, SL_T_TEXT, 1);
        sl_column *to = &b->cols[colmap[c]];
        if (from->kind && !to->kind) {
            to->kind = sl_calloc(to->cap ? to->cap : 1, 1);
        }
    }
    int took = 0;
    while (b->nrows < rows && (rs->cur_row < w->nrows || rs->cur_rej < w->nrejects)) {
        if (rs->cur_rej < w->nrejects &&
            (rs->cur_row >= w->nrows || w->rejects[rs->cur_rej].offset < w->offset[rs->cur_row])) {
            copy_reject(b, &w->rejects[rs->cur_rej++], rs->cur_delta);
        } else {
            append_row(b, w, rs->cur_row++, rs->cur_delta, colmap, rs->cur_copy);
            took = 1;
        }
    }
    sl_free(colmap);
    refs *rf = &rs->cur_refs;
    if (took && !rs->cur_copy && (rf->n == 0 || rf->v[rf->n - 1] != b)) {
        SL_GROW(rf->v, rf->cap, rf->n + 1);
        rf->v[rf->n++] = b;
    }
    if (rs->cur_row < w->nrows || rs->cur_rej < w->nrejects) {
        /* b is full: it ends where the next record starts */
        int rej = rs->cur_rej < w->nrejects &&
                  (rs->cur_row >= w->nrows || w->rejects[rs->cur_rej].offset < w->offset[rs->cur_row]);
        b->end_offset = rej ? w->rejects[rs->cur_rej].offset : w->offset[rs->cur_row];
        b->end_line = (rej ? w->rejects[rs->cur_rej].line : w->line[rs->cur_row]) + rs->cur_delta;
        return;
    }
    b->end_offset = w->end_offset;
    b->end_line = w->end_line + rs->cur_delta;
    retire_cur(rs);
}

/* Give back the strings nothing points to any more. Under the lock. */
static void sweep(sl_ranges *rs)
{
    size_t k = 0;
    for (size_t i = 0; i < rs->nheld; i++) {
        struct held *h = &rs->held[i];
        if (h->refs.n > 0) {
            rs->held[k++] = *h;
            continue;
        }
        sl_free(h->refs.v);
        if (rs->quit_free || rs->nfarena >= (size_t)QUEUED_MAX) {
            sl_arena_release(&h->arena);
        } else {
            sl_arena_reset(&h->arena);
            SL_GROW(rs->farena, rs->capfarena, rs->nfarena + 1);
            rs->farena[rs->nfarena++] = h->arena;
        }
    }
    rs->nheld = k;
    pthread_cond_broadcast(&rs->cv);
}

void sl_ranges_release(sl_ranges *rs, const sl_batch *b)
{
    if (!rs)
        return;
    pthread_mutex_lock(&rs->mu);
    for (size_t i = 0; i < rs->nheld; i++)
        refs_drop(&rs->held[i].refs, b);
    refs_drop(&rs->cur_refs, b);
    sweep(rs);
    pthread_mutex_unlock(&rs->mu);
}

/* Abandon what the workers read of range `emit` (a wrong guess, or not
 * faithful) from entry on. Under the lock. */
static void abandon(sl_ranges *rs, slot *s)
{
    if (s->state == SLOT_DONE) {
        slot_release(rs, s);
    } else {
        s->abandoned = 1;
        for (size_t i = 0; i < s->qn; i++)
            push_free(rs, s->q[(s->qhead + i) % s->qcap].b);
        s->qn = s->qhead = 0;
    }
    pthread_cond_broadcast(&rs->cv);
}

/* Read range `emit` again on this thread from where the current worker
 * batch's next record starts. Under the lock. */
static int redo_from_cur(sl_ranges *rs, int64_t stop, sl_error *err)
{
    sl_batch *w = rs->cur;
    int64_t from = w->end_offset, line = w->end_line;
    if (rs->cur_rej < w->nrejects &&
        (rs->cur_row >= w->nrows || w->rejects[rs->cur_rej].offset < w->offset[rs->cur_row])) {
        from = w->rejects[rs->cur_rej].offset;
        line = w->rejects[rs->cur_rej].line;
    } else if (rs->cur_row < w->nrows) {
        from = w->offset[rs->cur_row];
        line = w->line[rs->cur_row];
    }
    retire_cur(rs);
    int rc;
    redo_begin(rs, from, line + rs->cur_delta, stop, err, &rc);
    return rc;
}

int sl_ranges_next(sl_ranges *rs, sl_batch *b, size_t max, int *done, sl_error *err)
{
    *done = 0;
    int rc = 0;
    if (b->nrows == 0 && b->arena.used == 0) {
        /* its strings will be the workers': the blocks it kept from
         * earlier batches would only double the memory */
        sl_arena_release(&b->arena);
        sl_arena_init(&b->arena);
    }
    pthread_mutex_lock(&rs->mu);
    for (;;) {
        size_t rows = rs->ops->rows(rs->main, max);
        if (b->nrows >= rows)
            break;
        if (rs->finished) {
            *done = 1;
            break;
        }
        if (rs->redo) {
            pthread_mutex_unlock(&rs->mu);
            int d = 0;
            rc = rs->ops->fill(rs->main, b, max, rs->redo_stop, &d, err);
            pthread_mutex_lock(&rs->mu);
            if (rc < 0)
                break;
            if (d) {
                int64_t end, line;
                rs->ops->where(rs->main, &end, &line);
                sl_input_close(rs->redo_in);
                rs->redo_in = NULL;
                rs->redo = 0;
                advance(rs, end, line, rs->redo_stop);
            }
            continue;
        }
        slot *s = &rs->slots[rs->emit % rs->nslots];
        if (rs->cur) {
            sl_batch *w = rs->cur;
            if (!rs->cur_whole) {
                /* a worker batch split over two batches (or its last
                 * rejects handed on later) must have no column the batches
                 * before have not had: one reader would not have made it in
                 * the first part */
                int ok = 1;
                for (size_t c = 0; c < w->ncols && ok; c++)
                    ok = is_known(rs, w->cols[c].name) || sl_batch_find(b, w->cols[c].name) >= 0;
                size_t left = w->nrows - rs->cur_row;
                if (!ok && (rs->cur_row > 0 || b->nrows + left > rows ||
                            (b->nrows + left == rows && w->nrejects &&
                             w->rejects[w->nrejects - 1].offset > (w->nrows ? w->offset[w->nrows - 1] : -1)))) {
                    int64_t stop = s->stop;
                    abandon(rs, s);
                    if (redo_from_cur(rs, stop, err) < 0) {
                        rc = -1;
                        break;
                    }
                    continue;
                }
                rs->cur_whole = 1;
            }
            take(rs, b, rows);
            if (!rs->cur)
                sweep(rs);
            continue;
        }
        if (rs->nthreads == 0 && s->state == SLOT_FREE) {
            /* no worker thread could start: read each range here */
            s->state = SLOT_BUSY;
            s->k = rs->emit;
            rs->next_assign = rs->emit + 1;
            slot_release(rs, s);
            int64_t g1 = guess(rs, rs->emit + 1);
            redo_begin(rs, rs->true_start, rs->true_line, g1 >= rs->size ? INT64_MAX : g1, err, &rc);
            if (rc < 0)
                break;
            continue;
        }
        if (s->k != rs->emit || !s->known || (s->qn == 0 && s->state != SLOT_DONE)) {
            pthread_cond_wait(&rs->cv, &rs->mu);
            continue;
        }
        if (!s->checked) {
            if (s->start != rs->true_start) {
                int64_t stop = s->stop;
                abandon(rs, s);
                redo_begin(rs, rs->true_start, rs->true_line, stop, err, &rc);
                if (rc < 0)
                    break;
                continue;
            }
            s->checked = 1;
        }
        int64_t delta = rs->true_line - 1;
        if (s->qn) {
            entry e = slot_pop(s);
            if (!e.faithful || (rs->ops->era && e.era != rs->ops->era(rs->main))) {
                int64_t stop = s->stop;
                push_free(rs, e.b);
                abandon(rs, s);
                redo_begin(rs, e.from, e.from_line + delta, stop, err, &rc);
                if (rc < 0)
                    break;
                continue;
            }
            rs->cur = e.b;
            rs->cur_refs.n = 0;
            rs->cur_copy = copy_strings(e.b);
            rs->cur_row = rs->cur_rej = 0;
            rs->cur_delta = delta;
            rs->cur_whole = 0;
            pthread_cond_broadcast(&rs->cv);
            continue;
        }
        /* done and empty */
        if (s->failed) {
            *err = s->err;
            sl_ranges_fix_lines(err->msg, sizeof err->msg, delta);
            rc = -1;
            break;
        }
        int64_t end = s->end, line = s->end_line + delta, stop = s->stop;
        slot_release(rs, s);
        advance(rs, end, line, stop);
    }
    if (rc == 0)
        add_known(rs, b);
    pthread_mutex_unlock(&rs->mu);
    return rc;
}

void sl_ranges_stop(sl_ranges *rs)
{
    if (!rs || rs->stopped)
        return;
    pthread_mutex_lock(&rs->mu);
    rs->quit = 1;
    pthread_cond_broadcast(&rs->cv);
    pthread_mutex_unlock(&rs->mu);
    for (int i = 0; i < rs->nthreads; i++)
        pthread_join(rs->threads[i], NULL);
    rs->stopped = 1;
    rs->quit_free = 1;
    for (int i = 0; i < rs->nslots; i++) {
        slot *s = &rs->slots[i];
        for (size_t j = 0; j < s->qn; j++)
            sl_batch_free(s->q[(s->qhead + j) % s->qcap].b);
        s->qn = 0;
    }
    for (size_t i = 0; i < rs->nfree; i++)
        sl_batch_free(rs->freeb[i]);
    rs->nfree = 0;
    if (rs->redo_in)
        sl_input_close(rs->redo_in);
    rs->redo_in = NULL;
}

int64_t sl_ranges_redone(const sl_ranges *rs)
{
    return rs->redone;
}

void sl_ranges_counts(const sl_ranges *rs, int64_t *ranges, int *workers, int64_t *range_bytes)
{
    *ranges = rs->read;
    *workers = rs->nthreads;
    *range_bytes = rs->rbytes;
}

int sl_ranges_idle(const sl_ranges *rs)
{
    return rs->nheld == 0;
}

void sl_ranges_free(sl_ranges *rs)
{
    if (!rs)
        return;
    sl_ranges_stop(rs);
    if (rs->cur)
        sl_batch_free(rs->cur);
    for (size_t i = 0; i < rs->nheld; i++) {
        sl_arena_release(&rs->held[i].arena);
        sl_free(rs->held[i].refs.v);
    }
    sl_free(rs->cur_refs.v);
    for (size_t i = 0; i < rs->nfarena; i++)
        sl_arena_release(&rs->farena[i]);
    sl_free(rs->farena);
    for (int i = 0; i < rs->nslots; i++)
        sl_free(rs->slots[i].q);
    for (size_t i = 0; i < rs->nknown; i++)
        sl_free(rs->known[i]);
    sl_free(rs->known);
    rs->ops->reader_free(rs->main);
    pthread_mutex_destroy(&rs->mu);
    pthread_cond_destroy(&rs->cv);
    sl_free(rs->held);
    sl_free(rs->freeb);
    sl_free(rs->slots);
    sl_free(rs->threads);
    sl_free(rs);
}

void sl_ranges_fix_lines(char *s, size_t cap, int64_t delta)
{
    char *m;
    while ((m = strchr(s, SL_LINE_MARK)) != NULL) {
        char *e = strchr(m + 1, SL_LINE_MARK);
        if (!e) {
            memmove(m, m + 1, strlen(m + 1) + 1);
            continue;
        }
        char num[32];
        snprintf(num, sizeof num, "%lld", strtoll(m + 1, NULL, 10) + (long long)delta);
        size_t nl = strlen(num), tail = strlen(e + 1);
        size_t at = (size_t)(m - s);
        if (at + nl + tail + 1 > cap)
            tail = cap > at + nl + 1 ? cap - at - nl - 1 : 0;
        if (at + nl + 1 > cap)
            return;
        memmove(s + at + nl, e + 1, tail);
        memcpy(s + at, num, nl);
        s[at + nl + tail] = 0;
    }
}

int sl_ranges_workers(const char *parallel, int64_t size, int64_t *range_bytes)
{
    const char *env = getenv("SLUICE_RANGE_BYTES");
    *range_bytes = env && atoll(env) > 0 ? atoll(env) : RANGE_BYTES_DEFAULT;
    if (!parallel || strcmp(parallel, "false") == 0)
        return 0;
    if (strcmp(parallel, "auto") == 0) {
        /* A run already keeps three threads busy (this reader, the
         * transforms, the sink; the profiler takes what is left): range
         * workers only help with cores beyond those. On the 2-core VM,
         * one worker made the JSONL filter 1.4x and the CSV transform 1.05x
         * slower (docs/BENCHMARKS.md), so auto reads in ranges from 4 cores
         * on (cores - 3 workers); `parallel: N` asks for N anywhere. */
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        if (cores < 4 || size < (env ? 4 * *range_bytes : AUTO_MIN_BYTES))
            return 0;
        return cores - 3 > MAX_WORKERS ? MAX_WORKERS : (int)(cores - 3);
    }
    long n = atol(parallel);
    if (n < 1 || size <= *range_bytes)
        return 0;
    return n > MAX_WORKERS ? MAX_WORKERS : (int)n;
}
