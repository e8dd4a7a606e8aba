/*
 * csv.c: the `csv` source: CSV files (RFC 4180, see formats/csv.h) into
 * raw batches. Header handling, column names, skip_rows, null values and
 * encoding checks live here; files, globs, incremental loads and resume
 * come from files.c.
 *
 * A record with the wrong number of fields, invalid UTF-8 (with
 * encoding_errors: reject), an unterminated quote on the last line or text
 * after a closing quote goes to the DLQ with its line and byte offset. A
 * quote left open over several lines to the end of the file fails the run:
 * the records it swallowed cannot be counted, let alone told apart.
 *
 * Projection pushdown (engine/project.h): the columns the pipeline cannot
 * use are named (so names and their _2 suffixes are as always) but get no
 * batch column, and their fields are not copied (quoted ones not even
 * unescaped: formats/csv.h, skip); every field is still
 * counted and checked (a short or long row, invalid UTF-8 anywhere in the
 * record: rejected whole, as before). With a pushed-down filter, a row
 * that fails it gets only its filter cell (the filter drops it).
 */
#include "core/mem.h"
#include "core/names.h"
#include "engine/project.h"
#include "formats/csv.h"
#include "sources/files.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef struct csv_opts {
    sl_file_opts files;
    char *delimiter, *quote, *escape, *comment;
    int header;
    sl_strlist column_names;
    int64_t skip_rows;
    sl_strlist null_values;
    char *encoding_errors;
} csv_opts;

static const sl_option csv_options[] = {
    SL_FILE_OPTIONS(csv_opts),
    SL_PARALLEL_OPTION(csv_opts),
    {"delimiter", SL_OPT_STRING, ",", 0, offsetof(csv_opts, delimiter), NULL, "field separator (one character; \\t for tab)"},
    {"quote", SL_OPT_STRING, "\"", 0, offsetof(csv_opts, quote), NULL, "quote character"},
    {"escape", SL_OPT_STRING, "", 0, offsetof(csv_opts, escape), NULL,
     "escape character inside quotes, before the quote or itself (empty: quotes are doubled, as RFC 4180 "
     "says); before any other character it is kept"},
    {"comment", SL_OPT_STRING, "", 0, offsetof(csv_opts, comment), NULL,
     "lines starting with this character (e.g. '#') are skipped: like blank lines they are no records and "
     "are not counted in rows read; line numbers still count them"},
    {"header", SL_OPT_BOOL, "true", 0, offsetof(csv_opts, header), NULL, "the first row names the columns"},
    {"column_names", SL_OPT_LIST, NULL, 0, offsetof(csv_opts, column_names), NULL,
     "column names to use (replaces the header's, or names a header-less file)"},
    {"skip_rows", SL_OPT_INT, "0", 0, offsetof(csv_opts, skip_rows), NULL, "records to skip before the header"},
    {"null_values", SL_OPT_LIST, NULL, 0, offsetof(csv_opts, null_values), NULL,
     "unquoted values read as null (default: the empty value)"},
    {"encoding_errors", SL_OPT_ENUM, "reject", 0, offsetof(csv_opts, encoding_errors), "reject|replace",
     "invalid UTF-8: reject the row, or replace bad bytes with U+FFFD"},
    SL_OPT_END,
};

typedef struct csv_state {
    sl_filesource fs; /* first: the shared callbacks cast in->state to it */
    csv_opts *o;
    sl_csv_config cfg;
    sl_csv_reader r;
    int open;
    char **names;        /* column names of the current file */
    size_t nnames;
    const sl_projection *proj; /* the columns to read (NULL: all) */
    size_t *col;         /* per name: its batch column, or SIZE_MAX (not read) */
    size_t ncol;         /* batch columns made */
    size_t fcol;         /* filter pushdown: the field of the filter's column, or SIZE_MAX */
    unsigned char *skip; /* per name: 1 if not read (the readers' skip: quoted fields not unescaped), or NULL */
    const char *path;
    sl_buf fix;          /* replacement text for encoding_errors: replace */
} csv_state;

static char opt_char(const char *s)
{
    if (!s || !*s)
        return 0;
    if (strcmp(s, "\\t") == 0)
        return '\t';
    return s[0];
}

static void free_names(csv_state *st)
{
    for (size_t i = 0; i < st->nnames; i++)
        sl_free(st->names[i]);
    sl_free(st->names);
    sl_free(st->col);
    sl_free(st->skip);
    st->names = NULL;
    st->col = NULL;
    st->skip = NULL;
    st->r.skip = NULL;
    st->r.nskip = 0;
    st->nnames = 0;
}

/* A reader of the current file skips the fields nobody reads (csv.h: skip). */
static void set_skip(const csv_state *st, sl_csv_reader *r)
{
    r->skip = st->skip;
    r->nskip = st->skip ? st->nnames : 0;
}

/* Which names are read, and their batch columns (in the names' order). */
static void project_names(csv_state *st)
{
    sl_free(st->col);
    sl_free(st->skip);
    st->col = sl_calloc(st->nnames ? st->nnames : 1, sizeof *st->col);
    st->skip = NULL;
    st->ncol = 0;
    st->fcol = SIZE_MAX;
    for (size_t i = 0; i < st->nnames; i++) {
        st->col[i] = sl_projection_has(st->proj, st->names[i], strlen(st->names[i])) ? st->ncol++ : SIZE_MAX;
        if (st->proj && st->proj->fcol && st->col[i] != SIZE_MAX && st->fcol == SIZE_MAX &&
            strcasecmp(st->proj->fcol, st->names[i]) == 0)
            st->fcol = i;
        if (st->col[i] == SIZE_MAX && sl_csv_can_skip(&st->cfg)) {
            if (!st->skip)
                st->skip = sl_calloc(st->nnames, 1);
            st->skip[i] = 1;
        }
    }
    if (st->open)
        set_skip(st, &st->r);
}

/* The batch's columns, made at its first record of the file. */
static void add_columns(csv_state *st, sl_batch *b)
{
    for (size_t i = 0; i < st->nnames; i++)
        if (st->col[i] != SIZE_MAX)
            sl_batch_add_column(b, st->names[i], strlen(st->names[i]), SL_T_TEXT, 1);
}

/* Column names from n source names (the header's fields, or column_names):
 * an empty one is column_<position>; then core/names.h (NUL bytes written
 * out, snake_case when asked, duplicates also without case get _2, _3). */
static void set_names(csv_state *st, const char *const *p, const size_t *len, size_t n)
{
    free_names(st);
    sl_names m;
    sl_names_init(&m, strcmp(st->o->files.common.normalize_names, "snake_case") == 0);
    st->names = sl_calloc(n ? n : 1, sizeof *st->names);
    for (size_t i = 0; i < n; i++) {
        char pos[32];
        int k = snprintf(pos, sizeof pos, "column_%zu", i + 1);
        size_t e = len[i] ? sl_names_get(&m, (const char *)&i, sizeof i, p[i], len[i])
                          : sl_names_get(&m, (const char *)&i, sizeof i, pos, (size_t)k);
        st->names[i] = sl_strdup(m.v[e].name);
    }
    st->nnames = n;
    sl_names_release(&m);
    project_names(st);
}

/* A file wider than max_columns fails the run before any column is made
 * (what it names: the header's line, or the first record's). */
static int check_width(csv_state *st, size_t n, int64_t line, const char *what, sl_error *err)
{
    size_t max = sl_source_max_columns(&st->o->files.common);
    if (n <= max)
        return 0;
    return sl_error_set(err, SL_EDATA,
                        "%s:%lld: the %s has %zu columns, more than max_columns (%zu): raise max_columns in the "
                        "source (up to 100000; PostgreSQL allows 1600 columns per table, SQLite 2000)",
                        st->path, (long long)line, what, n, max);
}

static void set_names_from_header(csv_state *st)
{
    size_t n = st->r.nfields;
    const char **p = sl_calloc(n + 1, sizeof *p);
    size_t *len = sl_calloc(n + 1, sizeof *len);
    for (size_t i = 0; i < n; i++) {
        p[i] = st->r.fields[i].p;
        len[i] = st->r.fields[i].n;
    }
    set_names(st, p, len, n);
    sl_free(p);
    sl_free(len);
}

static int csv_fmt_open(void *fmt, sl_input *in, const char *path, const sl_resume *resume, sl_error *err)
{
    csv_state *st = fmt;
    csv_opts *o = st->o;
    st->path = path;
    sl_csv_init(&st->r, in, &st->cfg, 0, 1);
    st->r.path = path;
    st->open = 1;
    for (int64_t i = 0; i < o->skip_rows; i++)
        if (sl_csv_next(&st->r, err) <= 0)
            break;
    if (o->header) {
        int rc = sl_csv_next(&st->r, err);
        if (rc < 0)
            return -1;
        if (rc > 0 && !o->column_names.n && check_width(st, st->r.nfields, st->r.rec_line, "header", err) < 0)
            return -1;
        if (rc > 0)
            set_names_from_header(st);
    }
    if (o->column_names.n) {
        size_t *len = sl_calloc(o->column_names.n, sizeof *len);
        for (size_t i = 0; i < o->column_names.n; i++)
            len[i] = strlen(o->column_names.v[i]);
        set_names(st, (const char *const *)o->column_names.v, len, o->column_names.n);
        sl_free(len);
    }
    if (resume->offset > sl_csv_offset(&st->r)) {
        /* continue after the last committed record; the reader has read
         * ahead for the header, so the input really moves (back) there */
        if (sl_input_seek(in, resume->offset, err) < 0)
            return -1;
        sl_csv_release(&st->r);
        sl_csv_init(&st->r, in, &st->cfg, resume->offset, resume->line);
        st->r.path = path;
    }
    set_skip(st, &st->r);
    return 0;
}

static int is_null(const csv_opts *o, const sl_csv_field *f)
{
    if (f->quoted)
        return 0;
    if (o->null_values.n == 0)
        return f->n == 0;
    for (size_t i = 0; i < o->null_values.n; i++)
        if (strlen(o->null_values.v[i]) == f->n && memcmp(o->null_values.v[i], f->p, f->n) == 0)
            return 1;
    return 0;
}

/* Replace invalid UTF-8 bytes by U+FFFD into fix. */
static void utf8_replace(sl_buf *fix, const char *p, size_t n)
{
    sl_buf_reset(fix);
    size_t i = 0;
    while (i < n) {
        size_t ok = sl_utf8_valid_prefix(p + i, n - i);
        sl_buf_add(fix, p + i, ok);
        i += ok;
        if (i < n) {
            sl_buf_add(fix, "\xEF\xBF\xBD", 3);
            i++;
        }
    }
}

/* Records of reader r into b (the file's reader, or a range's: then st is
 * only read, its names known). */
static int fill_records(csv_state *st, sl_csv_reader *r, sl_buf *fix, sl_batch *b, size_t max, int *done,
                        sl_error *err)
{
    csv_opts *o = st->o;
    if (b->ncols == 0 && st->nnames)
        add_columns(st, b);
    char why[200];
    /* wide files make shorter batches: rows x columns stay within the
     * batch's cells (core/batch.h) */
    size_t rows = sl_batch_max_rows(st->nnames, max);
    while (b->nrows < rows) {
        if (sl_filesource_cancelled(&st->fs, err))
            return -1;
        int rc = sl_csv_next(r, err);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            *done = 1;
            break;
        }
        if (r->bad[0]) {
            /* a quote open to the end of the file: over several lines, the
             * records it swallowed cannot be told apart (a stray quote, a
             * cut file), so the run fails rather than count them as one */
            size_t n = r->rawlen;
            while (r->open_quote && n && (r->raw[n - 1] == '\n' || r->raw[n - 1] == '\r'))
                n--;
            if (r->open_quote && (memchr(r->raw, '\n', n) || memchr(r->raw, '\r', n)))
                return sl_error_set(err, SL_EDATA,
                                    "%s: %s runs to the end of the file: the lines after it cannot be split into "
                                    "records (a stray quote, or a file cut short)",
                                    st->path, r->bad);
            sl_batch_reject_raw(b, r->rec_offset, r->rec_line, "source", r->bad, r->raw, r->rawlen);
            continue;
        }
        if (st->nnames == 0) {
            /* no header, no names: name columns after the first record */
            if (check_width(st, r->nfields, r->rec_line, "first record", err) < 0)
                return -1;
            rows = sl_batch_max_rows(r->nfields, max);
            st->names = sl_calloc(r->nfields, sizeof *st->names);
            for (size_t i = 0; i < r->nfields; i++)
                st->names[i] = sl_printf("column_%zu", i + 1);
            st->nnames = r->nfields;
            project_names(st);
            add_columns(st, b);
        }
        if (r->nfields != st->nnames) {
            snprintf(why, sizeof why, "expected %zu fields, found %zu", st->nnames, r->nfields);
            sl_batch_reject_raw(b, r->rec_offset, r->rec_line, "source", why, r->raw, r->rawlen);
            continue;
        }
        int replace = strcmp(o->encoding_errors, "replace") == 0;
        size_t badf = SIZE_MAX;
        /* one pass over the whole record; fields only when something is wrong */
        if (sl_utf8_valid_prefix(r->raw, r->rawlen) != r->rawlen)
            for (size_t i = 0; i < r->nfields && badf == SIZE_MAX; i++)
                if (sl_utf8_valid_prefix(r->fields[i].p, r->fields[i].n) != r->fields[i].n)
                    badf = i;
        if (badf != SIZE_MAX && !replace) {
            snprintf(why, sizeof why, "invalid UTF-8 in field %zu ('%s')", badf + 1, st->names[badf]);
            sl_batch_reject_raw(b, r->rec_offset, r->rec_line, "source", why, r->raw, r->rawlen);
            continue;
        }
        size_t row = sl_batch_add_row(b, r->rec_offset, r->rec_line);
        if (st->fcol != SIZE_MAX && badf == SIZE_MAX) {
            /* filter pushdown: a row that fails the filter gets only its
             * filter cell (the filter transform then drops it, counted) */
            const sl_csv_field *f = &r->fields[st->fcol];
            int valid = !is_null(o, f);
            if (!sl_projection_filter_match(st->proj, valid, f->p, f->n)) {
                if (valid)
                    sl_batch_set_text(b, st->col[st->fcol], row, f->p, f->n);
                continue;
            }
        }
        for (size_t i = 0; i < r->nfields; i++) {
            const sl_csv_field *f = &r->fields[i];
            size_t c = st->col[i];
            if (c == SIZE_MAX || is_null(o, f))
                continue;
            if (badf != SIZE_MAX && sl_utf8_valid_prefix(f->p, f->n) != f->n) {
                utf8_replace(fix, f->p, f->n);
                sl_batch_set_text(b, c, row, fix->data, fix->len);
            } else {
                sl_batch_set_text(b, c, row, f->p, f->n);
            }
        }
    }
    b->end_offset = sl_csv_offset(r);
    b->end_line = r->line;
    return 0;
}

static int csv_fmt_fill(void *fmt, sl_batch *b, size_t max, int *done, sl_error *err)
{
    csv_state *st = fmt;
    return fill_records(st, &st->r, &st->fix, b, max, done, err);
}

/* ---- parallel ranges (sources/ranges.h) ---- */

typedef struct csv_range {
    csv_state *st;
    sl_csv_reader r;
    sl_buf fix;
    int open;
} csv_range;

static void *csv_range_new(void *fmt, int main)
{
    (void)main;
    csv_range *w = sl_calloc(1, sizeof *w);
    w->st = fmt;
    sl_buf_init(&w->fix);
    return w;
}

static void csv_range_free(void *p)
{
    csv_range *w = p;
    if (w->open)
        sl_csv_release(&w->r);
    sl_buf_release(&w->fix);
    sl_free(w);
}

static int csv_range_begin(void *p, sl_input *in, int64_t start, int64_t line, int mark, sl_error *err)
{
    (void)err;
    csv_range *w = p;
    if (w->open) /* its buffers are kept from range to range */
        sl_csv_restart(&w->r, in, start, line);
    else
        sl_csv_init(&w->r, in, &w->st->cfg, start, line);
    w->r.path = w->st->path;
    w->r.mark_lines = mark;
    set_skip(w->st, &w->r);
    w->open = 1;
    return 0;
}

static int csv_range_fill(void *p, sl_batch *b, size_t max, int64_t stop, int *done, sl_error *err)
{
    csv_range *w = p;
    w->r.stop_at = stop;
    return fill_records(w->st, &w->r, &w->fix, b, max, done, err);
}

static void csv_range_where(void *p, int64_t *offset, int64_t *line)
{
    csv_range *w = p;
    *offset = sl_csv_offset(&w->r);
    *line = w->r.line;
}

static int csv_ranges_ready(void *fmt)
{
    const csv_state *st = fmt;
    return st->nnames > 0; /* the names are known: the workers only read them */
}

static size_t csv_range_rows(void *p, size_t max)
{
    csv_range *w = p;
    return sl_batch_max_rows(w->st->nnames, max);
}

static const sl_range_ops csv_ranges = {csv_range_new,   csv_range_free, csv_range_begin, csv_range_fill,
                                        csv_range_where, NULL,           NULL,            csv_range_rows};

static void csv_fmt_close(void *fmt)
{
    csv_state *st = fmt;
    if (st->open)
        sl_csv_release(&st->r);
    st->open = 0;
}

static const sl_format_ops csv_format = {csv_fmt_open, csv_fmt_fill, csv_fmt_close};

static int csv_check(sl_instance *in, sl_diags *d)
{
    csv_opts *o = in->opts;
    int n = sl_filesource_check(in, d);
    if (strlen(o->delimiter) != 1 && strcmp(o->delimiter, "\\t") != 0) {
        sl_diags_add(d, sl_options_loc(csv_options, o, "delimiter"), "delimiter must be one character");
        n++;
    }
    if (strlen(o->quote) > 1 || strlen(o->escape) > 1) {
        sl_diags_add(d, sl_options_loc(csv_options, o, strlen(o->quote) > 1 ? "quote" : "escape"),
                     "quote and escape must be one character");
        n++;
    }
    if (o->column_names.n > sl_source_max_columns(&o->files.common)) {
        sl_diags_add(d, sl_options_loc(csv_options, o, "column_names"),
                     "column_names has %zu names, more than max_columns (%zu)", o->column_names.n,
                     sl_source_max_columns(&o->files.common));
        n++;
    }
    char c = opt_char(o->comment);
    if (strlen(o->comment) > 1 || (c && (c == opt_char(o->delimiter) || c == opt_char(o->quote) ||
                                         c == '\n' || c == '\r'))) {
        sl_diags_add(d, sl_options_loc(csv_options, o, "comment"),
                     "comment must be one character, other than the delimiter and the quote");
        n++;
    }
    return n;
}

static int csv_open(sl_instance *in, sl_run *run, sl_resume_fn resume, sl_error *err)
{
    csv_state *st = sl_calloc(1, sizeof *st);
    st->o = in->opts;
    st->proj = in->projection;
    st->cfg.delimiter = opt_char(st->o->delimiter);
    st->cfg.quote = opt_char(st->o->quote);
    st->cfg.escape = opt_char(st->o->escape);
    st->cfg.comment = opt_char(st->o->comment);
    sl_buf_init(&st->fix);
    in->state = st;
    if (sl_filesource_open(&st->fs, in, run, resume, &csv_format, st, err) < 0)
        return -1;
    st->fs.range_ops = &csv_ranges;
    st->fs.ranges_ready = csv_ranges_ready;
    return 0;
}

static void csv_close(sl_instance *in)
{
    csv_state *st = in->state;
    if (!st)
        return;
    sl_filesource_close(&st->fs);
    free_names(st);
    sl_buf_release(&st->fix);
    sl_free(st);
    in->state = NULL;
}

const sl_source_plugin sl_source_csv = {
    .version = SL_PLUGIN_VERSION,
    .name = "csv",
    .summary = "CSV files (RFC 4180): quoted fields, embedded line breaks, .gz/.zst, globs",
    .options = csv_options,
    .opts_size = sizeof(csv_opts),
    .check = csv_check,
    .open = csv_open,
    .next = sl_filesource_plugin_next,
    .done = sl_filesource_plugin_done,
    .close = csv_close,
    .total_bytes = sl_filesource_plugin_total,
};
