/* csv.c: see csv.h. */
#include "formats/csv.h"
#include "core/mem.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define MAX_RECORD SL_RECORD_MAX /* a record this large is a runaway quote (formats/input.h) */

void sl_csv_init(sl_csv_reader *r, sl_input *in, const sl_csv_config *cfg, int64_t start,
                 int64_t start_line)
{
    memset(r, 0, sizeof *r);
    r->in = in;
    r->cfg = *cfg;
    r->cap = SL_INPUT_BLOCK * 2;
    r->buf = sl_malloc(r->cap);
    r->base = start;
    r->line = start_line > 0 ? start_line : 1;
    r->stop_at = INT64_MAX;
    r->special[(unsigned char)cfg->delimiter] = 1;
    r->special['\n'] = 1;
    r->special['\r'] = 1;
    sl_buf_init(&r->scratch);
}

void sl_csv_restart(sl_csv_reader *r, sl_input *in, int64_t start, int64_t start_line)
{
    r->in = in;
    r->len = r->pos = 0;
    r->eof = 0;
    r->base = start;
    r->line = start_line > 0 ? start_line : 1;
    r->stop_at = INT64_MAX;
    r->nfields = 0;
    r->rec_offset = r->rec_line = 0;
    r->raw = NULL;
    r->rawlen = 0;
    r->bad[0] = 0;
    r->open_quote = 0;
    r->tail = 0;
    sl_buf_reset(&r->scratch);
}

void sl_csv_release(sl_csv_reader *r)
{
    sl_free(r->buf);
    sl_free(r->fields);
    sl_free(r->scratch_off);
    sl_buf_release(&r->scratch);
}

static void grow_fields(sl_csv_reader *r)
{
    SL_GROW(r->fields, r->capfields, r->nfields + 1);
    r->scratch_off = sl_realloc(r->scratch_off, r->capfields * sizeof *r->scratch_off);
}

static inline void add_field(sl_csv_reader *r, const char *p, size_t n, int quoted, size_t scratch_off)
{
    if (r->nfields == r->capfields)
        grow_fields(r);
    r->fields[r->nfields] = (sl_csv_field){p, n, quoted};
    r->scratch_off[r->nfields] = scratch_off;
    r->nfields++;
}

static int64_t count_lines(const char *p, size_t n)
{
    int64_t lines = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] == '\n' || (p[i] == '\r' && (i + 1 == n || p[i + 1] != '\n')))
            lines++;
    return lines;
}

/* The scanners below look at 16 bytes at a time where SSE2 exists (every
 * x86-64), byte by byte elsewhere and near the end of the buffer. */

/* First i' >= i where buf[i'] ends an unquoted field (delimiter, CR, LF), or len. */
static inline size_t scan_plain(const sl_csv_reader *r, const char *buf, size_t i, size_t len)
{
#ifdef __SSE2__
    const __m128i d = _mm_set1_epi8(r->cfg.delimiter), cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');
    for (; i + 16 <= len; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(buf + i));
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, d), _mm_cmpeq_epi8(x, cr)), _mm_cmpeq_epi8(x, lf));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (mask)
            return i + (size_t)__builtin_ctz(mask);
    }
#endif
    while (i < len && !r->special[(unsigned char)buf[i]])
        i++;
    return i;
}

/* First j' >= j holding the quote or the escape character (esc 0: none), or len. */
static inline size_t scan_quoted(const char *buf, size_t j, size_t len, char q, char esc)
{
    if (!esc || esc == q) {
        const char *hit = memchr(buf + j, q, len - j);
        return hit ? (size_t)(hit - buf) : len;
    }
#ifdef __SSE2__
    const __m128i vq = _mm_set1_epi8(q), ve = _mm_set1_epi8(esc);
    for (; j + 16 <= len; j += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(buf + j));
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, vq), _mm_cmpeq_epi8(x, ve)));
        if (mask)
            return j + (size_t)__builtin_ctz(mask);
    }
#endif
    while (j < len && buf[j] != q && buf[j] != esc)
        j++;
    return j;
}

enum { NEED_MORE = -1 };

/* A line number for a message: marked when the reader reads a range whose
 * first line is not known yet (csv.h: mark_lines). */
static const char *line_text(const sl_csv_reader *r, int64_t line, char out[32])
{
    if (r->mark_lines)
        snprintf(out, 32, "%c%lld%c", SL_LINE_MARK, (long long)line, SL_LINE_MARK);
    else
        snprintf(out, 32, "%lld", (long long)line);
    return out;
}

/* Parse one record starting at r->pos. Returns the end position, or NEED_MORE. */
static ptrdiff_t parse_record(sl_csv_reader *r, int final, int64_t *lines)
{
    const char *buf = r->buf;
    size_t len = r->len, i = r->pos;
    const char q = r->cfg.quote, esc = r->cfg.escape, delim = r->cfg.delimiter;
    r->nfields = 0;
    r->bad[0] = 0;
    r->open_quote = 0;
    sl_buf_reset(&r->scratch);
    *lines = 0;
    for (;;) {
        size_t start = i;
        if (i < len && buf[i] == q && q) {
            /* [seg, scan) is field text not yet copied; scanning goes on at
             * scan; a field nobody reads (r->skip) is never copied */
            size_t seg = ++i, scan = seg, soff = SIZE_MAX, open = seg;
            int skip = r->nfields < r->nskip && r->skip[r->nfields];
            for (;;) {
                size_t j = scan_quoted(buf, scan, len, q, esc);
                if (j >= len) {
                    if (!final)
                        return NEED_MORE;
                    char ln[32];
                    snprintf(r->bad, sizeof r->bad, "unterminated quoted field starting at line %s",
                             line_text(r, r->line + *lines, ln));
                    r->open_quote = 1;
                    *lines += count_lines(buf + scan, len - scan);
                    return (ptrdiff_t)len;
                }
                *lines += count_lines(buf + scan, j - scan);
                if (buf[j] == esc && esc != q) {
                    if (j + 1 >= len && !final)
                        return NEED_MORE;
                    if (j + 1 < len && buf[j + 1] != q && buf[j + 1] != esc) {
                        /* it escapes nothing: an ordinary character, kept */
                        scan = j + 1;
                        continue;
                    }
                    if (!skip) {
                        if (soff == SIZE_MAX)
                            soff = r->scratch.len;
                        sl_buf_add(&r->scratch, buf + seg, j - seg);
                        if (j + 1 < len)
                            sl_buf_addc(&r->scratch, buf[j + 1]);
                    }
                    seg = scan = i = j + 2 <= len ? j + 2 : len;
                    continue;
                }
                /* a quote: doubled, or closing */
                if (j + 1 >= len && !final)
                    return NEED_MORE;
                if (j + 1 < len && buf[j + 1] == q) {
                    if (!skip) {
                        if (soff == SIZE_MAX)
                            soff = r->scratch.len;
                        sl_buf_add(&r->scratch, buf + seg, j + 1 - seg);
                    }
                    seg = scan = i = j + 2;
                    continue;
                }
                i = j + 1;
                /* after the closing quote: spaces, then the field's end; any
                 * other text there makes the record bad (its fields would be
                 * a guess), and the field's end is still found so the next
                 * record starts where it should */
                size_t k = i;
                while (k < len && (buf[k] == ' ' || buf[k] == '\t') && !r->special[(unsigned char)buf[k]])
                    k++;
                if (k < len && !r->special[(unsigned char)buf[k]] && !r->bad[0]) {
                    /* the column in characters from the start of its line */
                    const char *rec = buf + r->pos, *at = buf + k, *ls = at;
                    long long col = 1;
                    for (; ls > rec && ls[-1] != '\n' && ls[-1] != '\r'; ls--)
                        col += ((unsigned char)ls[-1] & 0xC0) != 0x80;
                    char ln[32];
                    snprintf(r->bad, sizeof r->bad,
                             "text after the closing quote of field %zu at line %s, column %lld",
                             r->nfields + 1, line_text(r, r->line + *lines, ln), col);
                }
                k = scan_plain(r, buf, k, len);
                if (k >= len && !final)
                    return NEED_MORE;
                if (skip) {
                    add_field(r, buf + open, j - open, 1, SIZE_MAX);
                } else if (soff != SIZE_MAX) {
                    sl_buf_add(&r->scratch, buf + seg, j - seg);
                    add_field(r, NULL, r->scratch.len - soff, 1, soff);
                } else {
                    add_field(r, buf + seg, j - seg, 1, SIZE_MAX);
                }
                i = k;
                break;
            }
        } else {
            i = scan_plain(r, buf, i, len);
            add_field(r, buf + start, i - start, 0, SIZE_MAX);
        }
        if (i >= len) {
            if (!final)
                return NEED_MORE;
            (*lines)++;
            return (ptrdiff_t)len;
        }
        char c = buf[i];
        if (c == delim) {
            i++;
            continue;
        }
        if (c == '\r') {
            if (i + 1 >= len && !final)
                return NEED_MORE;
            i += (i + 1 < len && buf[i + 1] == '\n') ? 2 : 1;
        } else {
            i++;
        }
        (*lines)++;
        return (ptrdiff_t)i;
    }
}

static int fill(sl_csv_reader *r, sl_error *err)
{
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->base += (int64_t)r->pos;
        r->len -= r->pos;
        r->pos = 0;
    }
    if (r->cap - r->len < SL_INPUT_BLOCK) {
        if (r->cap >= MAX_RECORD) {
            char ln[32];
            return sl_error_set(err, SL_EDATA, "%s: a CSV record starting at line %s is larger than %zu MiB "
                                "(an unbalanced quote?)", r->path ? r->path : "input", line_text(r, r->line, ln),
                                MAX_RECORD >> 20);
        }
        r->cap *= 2;
        r->buf = sl_realloc(r->buf, r->cap);
    }
    size_t want = sl_input_range_want(r->base + (int64_t)r->len, r->stop_at, r->cap - r->len, &r->tail);
    ptrdiff_t n = sl_input_read(r->in, r->buf + r->len, want, err);
    if (n < 0)
        return -1;
    if (n == 0)
        r->eof = 1;
    r->len += (size_t)n;
    return 0;
}

/* Skip the line at r->pos (a comment: no quotes, no fields) with its line
 * end. 0: skipped; -1: its end is not in the buffer yet (read more). */
static int skip_line(sl_csv_reader *r)
{
    size_t i = r->pos;
    while (i < r->len && r->buf[i] != '\n' && r->buf[i] != '\r')
        i++;
    if (i >= r->len || (r->buf[i] == '\r' && i + 1 >= r->len)) {
        if (!r->eof)
            return -1;
    }
    if (i < r->len)
        i += (r->buf[i] == '\r' && i + 1 < r->len && r->buf[i + 1] == '\n') ? 2 : 1;
    r->pos = i;
    r->line++;
    return 0;
}

int sl_csv_next(sl_csv_reader *r, sl_error *err)
{
    for (;;) {
        if (r->base == 0 && r->pos == 0 && r->len < 3 && !r->eof) {
            if (fill(r, err) < 0)
                return -1;
            continue;
        }
        if (r->base == 0 && r->pos == 0 && r->len >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0)
            r->pos = 3;
        if (r->pos >= r->len && r->eof)
            return 0;
        if (r->base + (int64_t)r->pos >= r->stop_at)
            return 0; /* the next record is the next range's */
        if (r->cfg.comment && r->pos < r->len && r->buf[r->pos] == r->cfg.comment) {
            int rc = skip_line(r);
            if (rc < 0 && fill(r, err) < 0)
                return -1;
            continue;
        }
        int64_t lines;
        ptrdiff_t end = r->pos < r->len ? parse_record(r, r->eof, &lines) : NEED_MORE;
        if (end == NEED_MORE) {
            if (r->eof)
                return 0;
            if (fill(r, err) < 0)
                return -1;
            continue;
        }
        r->rec_offset = r->base + (int64_t)r->pos;
        r->rec_line = r->line;
        r->raw = r->buf + r->pos;
        r->rawlen = (size_t)end - r->pos;
        r->pos = (size_t)end;
        r->line += lines;
        /* blank line: skip */
        if (r->nfields == 1 && r->fields[0].n == 0 && !r->fields[0].quoted && !r->bad[0])
            continue;
        for (size_t f = 0; f < r->nfields; f++)
            if (r->scratch_off[f] != SIZE_MAX)
                r->fields[f].p = r->scratch.data + r->scratch_off[f];
        /* the raw text without its line terminator */
        while (r->rawlen && (r->raw[r->rawlen - 1] == '\n' || r->raw[r->rawlen - 1] == '\r'))
            r->rawlen--;
        return 1;
    }
}

void sl_csv_write_field(sl_buf *out, const char *p, size_t n, char delimiter)
{
    int quote = n == 0 ? 0 : (p[0] == ' ' || p[n - 1] == ' ');
    for (size_t i = 0; i < n && !quote; i++)
        quote = p[i] == delimiter || p[i] == '"' || p[i] == '\n' || p[i] == '\r';
    if (!quote) {
        sl_buf_add(out, p, n);
        return;
    }
    sl_buf_reserve(out, n + 2);
    sl_buf_addc(out, '"');
    size_t start = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] == '"') {
            sl_buf_add(out, p + start, i + 1 - start);
            sl_buf_addc(out, '"');
            start = i + 1;
        }
    sl_buf_add(out, p + start, n - start);
    sl_buf_addc(out, '"');
}
