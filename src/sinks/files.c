/*
 * files.c: the `csv` and `jsonl` sinks (files written under a temporary
 * name and renamed when the run finishes; see filesink.h) and the `stdout`
 * sink (JSON Lines or CSV on standard output, for piping and debugging).
 */
#include "core/mem.h"
#include "formats/csv.h"
#include "sinks/filesink.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct file_opts {
    char *path;
    char *delimiter;
    int header;
    char *format;
} file_opts;

static const sl_option csv_sink_options[] = {
    {"path", SL_OPT_STRING, NULL, SL_OPT_REQUIRED, offsetof(file_opts, path), NULL, "output file (relative to the project)"},
    {"delimiter", SL_OPT_STRING, ",", 0, offsetof(file_opts, delimiter), NULL, "field separator (one character; \\t for tab)"},
    {"header", SL_OPT_BOOL, "true", 0, offsetof(file_opts, header), NULL, "write a header row"},
    SL_OPT_END,
};

static const sl_option jsonl_sink_options[] = {
    {"path", SL_OPT_STRING, NULL, SL_OPT_REQUIRED, offsetof(file_opts, path), NULL, "output file (relative to the project)"},
    SL_OPT_END,
};

static const sl_option stdout_sink_options[] = {
    {"format", SL_OPT_ENUM, "jsonl", 0, offsetof(file_opts, format), "jsonl|csv", "output format"},
    SL_OPT_END,
};

static char delim_of(const file_opts *o)
{
    return strcmp(o->delimiter, "\\t") == 0 ? '\t' : o->delimiter[0];
}

static int file_open(sl_instance *in, sl_run *run, sl_error *err)
{
    sl_filesink *fs = sl_calloc(1, sizeof *fs);
    in->state = fs;
    return sl_filesink_open(fs, in, run, ((file_opts *)in->opts)->path, err);
}

static int file_position(sl_instance *in, const char *key, sl_resume *pos, int *found, sl_error *err)
{
    return sl_filesink_position(in->state, key, pos, found);
}

static void format_jsonl(sl_buf *out, const sl_batch *b, size_t from)
{
    for (size_t r = from; r < b->nrows; r++) {
        sl_batch_row_json(b, r, out);
        sl_buf_addc(out, '\n');
    }
}

/* CSV rows; the header is fixed by the first batch. */
static int format_csv(sl_instance *in, sl_buf *out, char ***header, size_t *nheader, int want_header, char delim,
                      const sl_batch *b, size_t from, sl_error *err)
{
    /* a batch without columns or rows (a blocking transform's, such as
     * aggregate's before its flush) fixes no header: the first with rows
     * or columns does */
    if (!*header && b->ncols == 0 && from >= b->nrows)
        return 0;
    if (!*header) {
        *header = sl_calloc(b->ncols ? b->ncols : 1, sizeof **header);
        for (size_t i = 0; i < b->ncols; i++) {
            (*header)[i] = sl_strdup(b->cols[i].name);
            if (want_header) {
                if (i)
                    sl_buf_addc(out, delim);
                sl_csv_write_field(out, b->cols[i].name, strlen(b->cols[i].name), delim);
            }
        }
        *nheader = b->ncols;
        if (want_header)
            sl_buf_addc(out, '\n');
    }
    if (from >= b->nrows)
        return 0;
    if (b->ncols != *nheader)
        return sl_error_set(err, SL_EDATA, "sink %s: the columns changed after the CSV header was written "
                            "(%zu then %zu columns); add a select transform to fix them", in->id, *nheader, b->ncols);
    for (size_t i = 0; i < b->ncols; i++)
        if (strcmp(b->cols[i].name, (*header)[i]) != 0)
            return sl_error_set(err, SL_EDATA, "sink %s: column %zu is '%s' but the CSV header says '%s'", in->id,
                                i + 1, b->cols[i].name, (*header)[i]);
    char tmp[64];
    for (size_t r = from; r < b->nrows; r++) {
        for (size_t i = 0; i < b->ncols; i++) {
            const char *p;
            size_t n;
            if (i)
                sl_buf_addc(out, delim);
            if (sl_cell_text(&b->cols[i], r, tmp, &p, &n))
                sl_csv_write_field(out, p, n, delim);
        }
        sl_buf_addc(out, '\n');
    }
    return 0;
}

static int csv_write(sl_instance *in, sl_batch *b, size_t from, uint8_t *rejected, sl_error *err)
{
    sl_filesink *fs = in->state;
    file_opts *o = in->opts;
    if (fs->finished)
        return 0;
    int want_header = o->header && fs->bytes == 0 && !fs->header;
    fs->out_rows += (int64_t)(b->nrows - from);
    return format_csv(in, &fs->out, &fs->header, &fs->nheader, want_header, delim_of(o), b, from, err);
}

static int jsonl_write(sl_instance *in, sl_batch *b, size_t from, uint8_t *rejected, sl_error *err)
{
    sl_filesink *fs = in->state;
    if (!fs->finished) {
        format_jsonl(&fs->out, b, from);
        fs->out_rows += (int64_t)(b->nrows - from);
    }
    return 0;
}

static int file_commit(sl_instance *in, const sl_batch *b, sl_error *err)
{
    return sl_filesink_commit(in->state, b, err);
}

static void file_rollback(sl_instance *in)
{
    sl_filesink *fs = in->state;
    if (fs) {
        sl_buf_reset(&fs->out);
        fs->out_rows = 0;
    }
}

/* files and stdout: every row written is a line created */
static void file_counts(sl_instance *in, sl_sink_counts *out, sl_buf *requests)
{
    (void)requests;
    *out = (sl_sink_counts){.created = ((sl_filesink *)in->state)->rows};
}

static int file_finish(sl_instance *in, sl_error *err)
{
    return sl_filesink_finish(in->state, err);
}

/* The file is renamed into place at finish: readers see it whole or not at all. */
static int file_publishes_at_end(sl_instance *in)
{
    sl_filesink *fs = in->state;
    return fs && !fs->finished;
}

static int file_discard(sl_instance *in, sl_error *err)
{
    return sl_filesink_discard(in->state, err);
}

static void file_close(sl_instance *in)
{
    if (in->state)
        sl_filesink_close(in->state);
    sl_free(in->state);
    in->state = NULL;
}

static int file_check(sl_instance *in, sl_diags *d)
{
    file_opts *o = in->opts;
    if (o->delimiter && strlen(o->delimiter) != 1 && strcmp(o->delimiter, "\\t") != 0) {
        sl_diags_add(d, sl_options_loc(csv_sink_options, o, "delimiter"), "delimiter must be one character");
        return 1;
    }
    return 0;
}

const sl_sink_plugin sl_sink_csv = {
    .version = SL_PLUGIN_VERSION,
    .name = "csv",
    .summary = "a CSV file, written under a temporary name and renamed when the run finishes",
    .options = csv_sink_options,
    .opts_size = sizeof(file_opts),
    .check = file_check,
    .open = file_open,
    .position = file_position,
    .write = csv_write,
    .commit = file_commit,
    .rollback = file_rollback,
    .finish = file_finish,
    .publishes_at_end = file_publishes_at_end,
    .discard = file_discard,
    .close = file_close,
    .counts = file_counts,
};

const sl_sink_plugin sl_sink_jsonl = {
    .version = SL_PLUGIN_VERSION,
    .name = "jsonl",
    .summary = "a JSON Lines file, written under a temporary name and renamed when the run finishes",
    .options = jsonl_sink_options,
    .opts_size = sizeof(file_opts),
    .open = file_open,
    .position = file_position,
    .write = jsonl_write,
    .commit = file_commit,
    .rollback = file_rollback,
    .finish = file_finish,
    .publishes_at_end = file_publishes_at_end,
    .discard = file_discard,
    .close = file_close,
    .counts = file_counts,
};

/* ---- stdout: at-least-once, no checkpoint ---- */

typedef struct stdout_state {
    sl_buf out;
    int64_t out_rows, rows; /* rows in out; rows written */
    char **header;
    size_t nheader;
} stdout_state;

static int stdout_open(sl_instance *in, sl_run *run, sl_error *err)
{
    stdout_state *st = sl_calloc(1, sizeof *st);
    sl_buf_init(&st->out);
    in->state = st;
    return 0;
}

static int stdout_position(sl_instance *in, const char *key, sl_resume *pos, int *found, sl_error *err)
{
    *found = 0;
    return 0;
}

static int stdout_write(sl_instance *in, sl_batch *b, size_t from, uint8_t *rejected, sl_error *err)
{
    stdout_state *st = in->state;
    file_opts *o = in->opts;
    st->out_rows += (int64_t)(b->nrows - from);
    if (strcmp(o->format, "csv") == 0)
        return format_csv(in, &st->out, &st->header, &st->nheader, 1, ',', b, from, err);
    format_jsonl(&st->out, b, from);
    return 0;
}

static int stdout_commit(sl_instance *in, const sl_batch *b, sl_error *err)
{
    stdout_state *st = in->state;
    if (st->out.len && fwrite(st->out.data, 1, st->out.len, stdout) != st->out.len)
        return sl_error_set(err, SL_EIO, "sink %s: cannot write to standard output", in->id);
    fflush(stdout);
    sl_buf_reset(&st->out);
    st->rows += st->out_rows;
    st->out_rows = 0;
    return 0;
}

static void stdout_rollback(sl_instance *in)
{
    stdout_state *st = in->state;
    if (st) {
        sl_buf_reset(&st->out);
        st->out_rows = 0;
    }
}

static void stdout_counts(sl_instance *in, sl_sink_counts *out, sl_buf *requests)
{
    (void)requests;
    *out = (sl_sink_counts){.created = ((stdout_state *)in->state)->rows};
}

static void stdout_close(sl_instance *in)
{
    stdout_state *st = in->state;
    if (!st)
        return;
    sl_buf_release(&st->out);
    for (size_t i = 0; i < st->nheader; i++)
        sl_free(st->header[i]);
    sl_free(st->header);
    sl_free(st);
    in->state = NULL;
}

const sl_sink_plugin sl_sink_stdout = {
    .version = SL_PLUGIN_VERSION,
    .name = "stdout",
    .summary = "rows on standard output (jsonl or csv); at-least-once, for pipes and debugging",
    .options = stdout_sink_options,
    .opts_size = sizeof(file_opts),
    .open = stdout_open,
    .position = stdout_position,
    .write = stdout_write,
    .commit = stdout_commit,
    .rollback = stdout_rollback,
    .close = stdout_close,
    .counts = stdout_counts,
};
