/*
 * jsonl.c: the `jsonl` source: JSON Lines files, one object per line.
 *
 * Each line is parsed by sluice's JSON reader straight into the raw batch
 * (formats/json_record.h). A line that is not valid JSON, or not an
 * object, is one rejected row (with line, byte offset and the parser's
 * message); the rest of the file loads. Blank lines are skipped.
 */
#include "core/mem.h"
#include "formats/json_record.h"
#include "sources/files.h"
#include <string.h>

typedef struct jsonl_opts {
    sl_file_opts files;
    int flatten;
    int64_t max_depth;
    char *separator;
} jsonl_opts;

static const sl_option jsonl_options[] = {
    SL_FILE_OPTIONS(jsonl_opts),
    SL_PARALLEL_OPTION(jsonl_opts),
    SL_JSON_RECORD_OPTIONS(jsonl_opts),
    SL_OPT_END,
};

/* Lines of one input: the file's, or a range's (sources/ranges.h). */
typedef struct jl_reader {
    sl_input *in;
    char *buf;
    size_t cap, len, pos;
    size_t seen;         /* buf[pos..seen) holds no newline */
    int64_t base, line;
    int eof;
    int64_t stop;        /* lines starting at or after it are the next range's (INT64_MAX: none) */
    size_t tail;         /* reads past stop so far (sl_input_range_want) */
    int mark;            /* line numbers in messages marked (SL_LINE_MARK) */
    const char *path;    /* for messages */
} jl_reader;

typedef struct jsonl_state {
    sl_filesource fs; /* first: the shared callbacks cast in->state to it */
    jsonl_opts *o;
    sl_json_record_opts ro;
    sl_json_record_ctx ctx;
    jl_reader rd;
    char path[512];   /* for messages */
} jsonl_state;

static void reader_begin(jl_reader *rd, sl_input *in, int64_t start, int64_t line, const char *path)
{
    rd->in = in;
    rd->len = rd->pos = rd->seen = 0;
    rd->base = start;
    rd->line = line > 0 ? line : 1;
    rd->eof = 0;
    rd->stop = INT64_MAX;
    rd->tail = 0;
    rd->mark = 0;
    rd->path = path;
}

static int jsonl_fmt_open(void *fmt, sl_input *in, const char *path, const sl_resume *resume, sl_error *err)
{
    jsonl_state *st = fmt;
    if (resume->offset > 0 && sl_input_seek(in, resume->offset, err) < 0)
        return -1;
    snprintf(st->path, sizeof st->path, "%s", path ? path : "input");
    reader_begin(&st->rd, in, resume->offset, resume->line, st->path);
    return 0;
}

/* The next line in buf[pos..]: 1 with *p,*n (without the newline), 0 at end. */
static int next_line(jl_reader *st, const char **p, size_t *n, sl_error *err)
{
    for (;;) {
        /* bytes before st->seen were searched already: a long line read in
         * many pieces is searched once, not once per piece */
        size_t from = st->seen > st->pos ? st->seen : st->pos;
        char *nl = from < st->len ? memchr(st->buf + from, '\n', st->len - from) : NULL;
        if (!nl)
            st->seen = st->len;
        if (nl || (st->eof && st->pos < st->len)) {
            size_t end = nl ? (size_t)(nl - st->buf) : st->len;
            *p = st->buf + st->pos;
            *n = end - st->pos;
            if (*n && (*p)[*n - 1] == '\r')
                (*n)--;
            st->pos = nl ? end + 1 : end;
            return 1;
        }
        if (st->eof)
            return 0;
        if (st->pos > 0) {
            memmove(st->buf, st->buf + st->pos, st->len - st->pos);
            st->base += (int64_t)st->pos;
            st->len -= st->pos;
            st->seen -= st->pos;
            st->pos = 0;
        }
        if (st->cap - st->len < SL_INPUT_BLOCK) {
            if (st->cap >= SL_RECORD_MAX) { /* a line that never ends (or a decompression bomb) */
                char ln[32];
                snprintf(ln, sizeof ln, st->mark ? "\001%lld\001" : "%lld", (long long)st->line);
                return sl_error_set(err, SL_EDATA,
                                    "%s: a JSON Lines record starting at line %s is larger than %zu MiB (a line "
                                    "that never ends?)", st->path, ln, SL_RECORD_MAX >> 20);
            }
            st->cap = st->cap ? st->cap * 2 : SL_INPUT_BLOCK * 2;
            st->buf = sl_realloc(st->buf, st->cap);
        }
        size_t want = sl_input_range_want(st->base + (int64_t)st->len, st->stop, st->cap - st->len, &st->tail);
        ptrdiff_t r = sl_input_read(st->in, st->buf + st->len, want, err);
        if (r < 0)
            return -1;
        if (r == 0)
            st->eof = 1;
        st->len += (size_t)r;
    }
}

/* Lines of rd into b, read with names ctx (the file's, or a range's own). */
static int fill_lines(jsonl_state *st, jl_reader *rd, sl_json_record_ctx *ctx, sl_batch *b, size_t max, int *done,
                      sl_error *err)
{
    char why[300];
    /* wide records make shorter batches: rows x the run's columns stay
     * within the batch's cells (core/batch.h) */
    while (b->nrows < sl_batch_max_rows(sl_json_record_width(ctx), max)) {
        if (sl_filesource_cancelled(&st->fs, err))
            return -1;
        const char *p = NULL;
        size_t n = 0;
        int64_t off = rd->base + (int64_t)rd->pos, line = rd->line;
        if (off >= rd->stop) { /* the next range's */
            *done = 1;
            break;
        }
        int rc = next_line(rd, &p, &n, err);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            *done = 1;
            break;
        }
        rd->line++;
        if (off == 0 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
            p += 3; /* a UTF-8 byte order mark (Windows tools write one), as the CSV reader skips it */
            n -= 3;
        }
        size_t k = 0;
        while (k < n && (p[k] == ' ' || p[k] == '\t'))
            k++;
        if (k == n)
            continue; /* blank line */
        sl_json j;
        /* the buffer's next lines may be read past this one's end */
        sl_json_init_more(&j, p, n, (size_t)(rd->buf + rd->len - (p + n)));
        size_t row = sl_batch_add_row(b, off, line), ncols = b->ncols;
        int r = sl_json_record_read(ctx, &j, b, row, &st->ro);
        if (r == 0) {
            sl_json_ws(&j);
            if (j.p != j.end) {
                j.err_at = j.p;
                snprintf(j.err, sizeof j.err, "unexpected data after the JSON object");
                r = -1;
            }
        }
        if (r == -2) {
            snprintf(why, sizeof why, "not a JSON object");
        } else if (r < 0) {
            char msg[200];
            sl_json_error_text(&j, msg, sizeof msg);
            snprintf(why, sizeof why, "invalid JSON: %s", msg);
        }
        if (r != 0) {
            sl_batch_unadd_row(b, row, ncols); /* the half-filled row, and the columns only it made */
            sl_batch_reject_raw(b, off, line, "source", why, p, n);
        }
    }
    b->end_offset = rd->base + (int64_t)rd->pos;
    b->end_line = rd->line;
    return 0;
}

static int jsonl_fmt_fill(void *fmt, sl_batch *b, size_t max, int *done, sl_error *err)
{
    jsonl_state *st = fmt;
    return fill_lines(st, &st->rd, &st->ctx, b, max, done, err);
}

static void jsonl_fmt_close(void *fmt)
{
    (void)fmt;
}

/* ---- parallel ranges (sources/ranges.h) ---- */

/* A range's reader. Its names start as a copy of the file reader's (taken
 * when ranges start): a range that names a member path they lack is not
 * faithful (the file's reader, which has seen everything before it, might
 * name it otherwise) and is read again on the source thread with the
 * file's names. */
typedef struct jsonl_range {
    jsonl_state *st;
    jl_reader rd;
    sl_json_record_ctx own, *ctx;
    size_t known;        /* names in the copy */
} jsonl_range;

static void *jsonl_range_new(void *fmt, int main)
{
    jsonl_state *st = fmt;
    jsonl_range *w = sl_calloc(1, sizeof *w);
    w->st = st;
    if (main) {
        w->ctx = &st->ctx;
    } else {
        sl_json_record_init(&w->own);
        sl_json_record_seed(&w->own, &st->ctx);
        w->ctx = &w->own;
        w->known = sl_json_record_width(&w->own);
    }
    return w;
}

static void jsonl_range_free(void *p)
{
    jsonl_range *w = p;
    if (w->ctx == &w->own)
        sl_json_record_release(&w->own);
    sl_free(w->rd.buf);
    sl_free(w);
}

static int jsonl_range_begin(void *p, sl_input *in, int64_t start, int64_t line, int mark, sl_error *err)
{
    (void)err;
    jsonl_range *w = p;
    reader_begin(&w->rd, in, start, line, w->st->path);
    w->rd.mark = mark;
    return 0;
}

static int jsonl_range_fill(void *p, sl_batch *b, size_t max, int64_t stop, int *done, sl_error *err)
{
    jsonl_range *w = p;
    w->rd.stop = stop;
    return fill_lines(w->st, &w->rd, w->ctx, b, max, done, err);
}

static void jsonl_range_where(void *p, int64_t *offset, int64_t *line)
{
    jsonl_range *w = p;
    *offset = w->rd.base + (int64_t)w->rd.pos;
    *line = w->rd.line;
}

static int jsonl_range_faithful(void *p)
{
    jsonl_range *w = p;
    return w->ctx != &w->own || sl_json_record_width(&w->own) == w->known;
}

static int jsonl_ranges_ready(void *fmt)
{
    (void)fmt;
    return 1;
}

static size_t jsonl_range_era(void *p)
{
    jsonl_range *w = p;
    return sl_json_record_width(w->ctx);
}

static size_t jsonl_range_rows(void *p, size_t max)
{
    jsonl_range *w = p;
    return sl_batch_max_rows(sl_json_record_width(w->ctx), max);
}

static const sl_range_ops jsonl_ranges = {jsonl_range_new,   jsonl_range_free,     jsonl_range_begin,
                                          jsonl_range_fill,  jsonl_range_where,    jsonl_range_faithful,
                                          jsonl_range_era,   jsonl_range_rows};

static const sl_format_ops jsonl_format = {jsonl_fmt_open, jsonl_fmt_fill, jsonl_fmt_close};

static int jsonl_open(sl_instance *in, sl_run *run, sl_resume_fn resume, sl_error *err)
{
    jsonl_state *st = sl_calloc(1, sizeof *st);
    st->o = in->opts;
    st->ro = (sl_json_record_opts){st->o->flatten, (int)st->o->max_depth, st->o->separator,
                                   strcmp(st->o->files.common.normalize_names, "snake_case") == 0,
                                   sl_source_max_columns(&st->o->files.common)};
    sl_json_record_init(&st->ctx);
    sl_json_record_project(&st->ctx, in->projection); /* engine/project.h */
    in->state = st;
    if (sl_filesource_open(&st->fs, in, run, resume, &jsonl_format, st, err) < 0)
        return -1;
    st->fs.range_ops = &jsonl_ranges;
    st->fs.ranges_ready = jsonl_ranges_ready;
    return 0;
}

static void jsonl_close(sl_instance *in)
{
    jsonl_state *st = in->state;
    if (!st)
        return;
    sl_filesource_close(&st->fs);
    sl_json_record_release(&st->ctx);
    sl_free(st->rd.buf);
    sl_free(st);
    in->state = NULL;
}

const sl_source_plugin sl_source_jsonl = {
    .version = SL_PLUGIN_VERSION,
    .name = "jsonl",
    .summary = "JSON Lines files: one object per line; a bad line is one rejected row",
    .options = jsonl_options,
    .opts_size = sizeof(jsonl_opts),
    .check = sl_filesource_check,
    .open = jsonl_open,
    .next = sl_filesource_plugin_next,
    .done = sl_filesource_plugin_done,
    .close = jsonl_close,
    .total_bytes = sl_filesource_plugin_total,
};
