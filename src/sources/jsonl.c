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
    SL_JSON_RECORD_OPTIONS(jsonl_opts),
    SL_OPT_END,
};

typedef struct jsonl_state {
    sl_filesource fs; /* first: the shared callbacks cast in->state to it */
    jsonl_opts *o;
    sl_json_record_opts ro;
    sl_json_record_ctx ctx;
    sl_input *in;
    char *buf;
    size_t cap, len, pos;
    size_t seen;         /* buf[pos..seen) holds no newline */
    int64_t base, line;
    int eof;
    char path[512];   /* for messages */
} jsonl_state;

static int jsonl_fmt_open(void *fmt, sl_input *in, const char *path, const sl_resume *resume, sl_error *err)
{
    jsonl_state *st = fmt;
    if (resume->offset > 0 && sl_input_seek(in, resume->offset, err) < 0)
        return -1;
    st->in = in;
    snprintf(st->path, sizeof st->path, "%s", path ? path : "input");
    st->len = st->pos = st->seen = 0;
    st->base = resume->offset;
    st->line = resume->line > 0 ? resume->line : 1;
    st->eof = 0;
    return 0;
}

/* The next line in buf[pos..]: 1 with *p,*n (without the newline), 0 at end. */
static int next_line(jsonl_state *st, const char **p, size_t *n, sl_error *err)
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
            if (st->cap >= SL_RECORD_MAX) /* a line that never ends (or a decompression bomb) */
                return sl_error_set(err, SL_EDATA,
                                    "%s: a JSON Lines record starting at line %lld is larger than %zu MiB (a line "
                                    "that never ends?)", st->path, (long long)st->line, SL_RECORD_MAX >> 20);
            st->cap = st->cap ? st->cap * 2 : SL_INPUT_BLOCK * 2;
            st->buf = sl_realloc(st->buf, st->cap);
        }
        ptrdiff_t r = sl_input_read(st->in, st->buf + st->len, st->cap - st->len, err);
        if (r < 0)
            return -1;
        if (r == 0)
            st->eof = 1;
        st->len += (size_t)r;
    }
}

static int jsonl_fmt_fill(void *fmt, sl_batch *b, size_t max, int *done, sl_error *err)
{
    jsonl_state *st = fmt;
    char why[300];
    /* wide records make shorter batches: rows x the run's columns stay
     * within the batch's cells (core/batch.h) */
    while (b->nrows < sl_batch_max_rows(sl_json_record_width(&st->ctx), max)) {
        if (sl_filesource_cancelled(&st->fs, err))
            return -1;
        const char *p = NULL;
        size_t n = 0;
        int64_t off = st->base + (int64_t)st->pos, line = st->line;
        int rc = next_line(st, &p, &n, err);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            *done = 1;
            break;
        }
        st->line++;
        size_t k = 0;
        while (k < n && (p[k] == ' ' || p[k] == '\t'))
            k++;
        if (k == n)
            continue; /* blank line */
        sl_json j;
        sl_json_init(&j, p, n);
        size_t row = sl_batch_add_row(b, off, line);
        int r = sl_json_record_read(&st->ctx, &j, b, row, &st->ro);
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
            b->nrows--; /* drop the half-filled row */
            for (size_t c = 0; c < b->ncols; c++)
                b->cols[c].valid[row] = 0;
            sl_batch_reject_raw(b, off, line, "source", why, p, n);
        }
    }
    b->end_offset = st->base + (int64_t)st->pos;
    b->end_line = st->line;
    return 0;
}

static void jsonl_fmt_close(void *fmt)
{
    (void)fmt;
}

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
    return sl_filesource_open(&st->fs, in, run, resume, &jsonl_format, st, err);
}

static void jsonl_close(sl_instance *in)
{
    jsonl_state *st = in->state;
    if (!st)
        return;
    sl_filesource_close(&st->fs);
    sl_json_record_release(&st->ctx);
    sl_free(st->buf);
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
