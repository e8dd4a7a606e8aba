/* json_stream.c: see json_stream.h. */
#include "formats/json_stream.h"
#include "core/mem.h"
#include <stdio.h>
#include <string.h>
#include <xxhash.h>

enum { M_DOC, M_REC, M_DONE };
/* M_DOC states */
enum { D_TOK, D_STR, D_SCALAR };
/* M_REC states */
enum { R_START, R_NEXT, R_ELEM, R_AFTER };
/* element kinds */
enum { E_CONT, E_STR, E_SCALAR };

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_scalar(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '+' ||
           c == '.';
}

static void common_init(sl_json_records *r, size_t max_record, sl_json_record_fn fn, void *ud)
{
    memset(r, 0, sizeof *r);
    r->fn = fn;
    r->ud = ud;
    r->max_record = max_record ? max_record : SL_RECORD_MAX;
    sl_buf_init(&r->skeleton);
    sl_buf_init(&r->keybuf);
    sl_buf_init(&r->elem);
}

void sl_json_records_init(sl_json_records *r, const char *path, size_t max_record, sl_json_record_fn fn, void *ud)
{
    common_init(r, max_record, fn, ud);
    r->mode = M_DOC;
    r->st = D_TOK;
    r->stack = sl_calloc(SL_JSON_MAX_DEPTH + 1, 1);
    r->keyok = sl_calloc(SL_JSON_MAX_DEPTH + 1, 1);
    r->xh = XXH3_createState();
    if (!path)
        path = "";
    if (strncmp(path, "$.", 2) == 0)
        path += 2;
    else if (strcmp(path, "$") == 0)
        path = "";
    while (*path) {
        const char *dot = strchr(path, '.');
        size_t len = dot ? (size_t)(dot - path) : strlen(path);
        r->seg = sl_realloc(r->seg, (r->nseg + 1) * sizeof *r->seg);
        r->seg[r->nseg++] = sl_strndup(path, len);
        path += len + (dot ? 1 : 0);
    }
}

void sl_json_records_init_array(sl_json_records *r, size_t max_record, sl_json_record_fn fn, void *ud)
{
    common_init(r, max_record, fn, ud);
    r->mode = M_REC;
    r->st = R_START;
    r->found = SL_JSON_FOUND_ARRAY;
}

void sl_json_records_release(sl_json_records *r)
{
    for (size_t i = 0; i < r->nseg; i++)
        sl_free(r->seg[i]);
    sl_free(r->seg);
    sl_free(r->stack);
    sl_free(r->keyok);
    if (r->xh)
        XXH3_freeState(r->xh);
    sl_buf_release(&r->skeleton);
    sl_buf_release(&r->keybuf);
    sl_buf_release(&r->elem);
    memset(r, 0, sizeof *r);
}

/* Whether the member name just read (keybuf, raw between the quotes) is
 * the path's segment at level. */
static int key_matches(sl_json_records *r, int level)
{
    if ((size_t)level >= r->nseg)
        return 0;
    const char *want = r->seg[level];
    if (!memchr(r->keybuf.data ? r->keybuf.data : "", '\\', r->keybuf.len))
        return r->keybuf.len == strlen(want) && memcmp(r->keybuf.data ? r->keybuf.data : "", want, r->keybuf.len) == 0;
    /* a name with escapes: compare its unescaped text */
    sl_buf q, out;
    sl_buf_init(&q);
    sl_buf_init(&out);
    sl_buf_addc(&q, '"');
    sl_buf_add(&q, r->keybuf.data, r->keybuf.len);
    sl_buf_addc(&q, '"');
    sl_json j;
    sl_json_init(&j, q.data, q.len);
    int ok = sl_json_string(&j, &out) == 0 && out.len == strlen(want) && memcmp(out.data, want, out.len) == 0;
    sl_buf_release(&q);
    sl_buf_release(&out);
    return ok;
}

/* A value starts in the document at the current depth: when it is the
 * first one at the path, note its kind; 1 when it is the records array. */
static int value_start(sl_json_records *r, char c)
{
    if (r->found != SL_JSON_FOUND_NONE || (size_t)r->depth != r->nseg)
        return 0;
    for (int i = 0; i < r->depth; i++)
        if (r->stack[i] != 'o' || !r->keyok[i])
            return 0;
    r->found = c == '[' ? SL_JSON_FOUND_ARRAY : c == 'n' ? SL_JSON_FOUND_NULL : SL_JSON_FOUND_OTHER;
    return r->found == SL_JSON_FOUND_ARRAY;
}

static int fail(sl_json_records *r, const char *fmt, long long a)
{
    snprintf(r->why, sizeof r->why, fmt, a);
    return -1;
}

/* Hand out the element that ends at p[end) (its start at p[start) in this
 * piece, earlier pieces in r->elem). 0 go on, 1 stop, -1 error. */
static int emit(sl_json_records *r, const char *p, size_t start, size_t end)
{
    const char *text = p + start;
    size_t len = end - start;
    if (r->elem.len) {
        if (r->elem.len + len > r->max_record)
            goto too_big;
        sl_buf_add(&r->elem, p + start, len);
        text = r->elem.data;
        len = r->elem.len;
    } else if (len > r->max_record) {
        goto too_big;
    }
    int rc = r->fn ? r->fn(r->ud, text, len, r->count, r->why, sizeof r->why) : 0;
    r->count++;
    sl_buf_reset(&r->elem);
    r->st = R_AFTER;
    return rc;
too_big:;
    r->oversized = 1;
    char lim[40];
    if (r->max_record % (1u << 20) == 0)
        snprintf(lim, sizeof lim, "%zu MiB", r->max_record >> 20);
    else
        snprintf(lim, sizeof lim, "%zu bytes", r->max_record);
    snprintf(r->why, sizeof r->why, "record %lld is larger than %s, the limit of one record", (long long)r->count + 1,
             lim);
    return -1;
}

static void array_closed(sl_json_records *r, const char *p, size_t hstart, size_t i)
{
    r->closed = 1;
    if (r->xh) {
        XXH3_64bits_update(r->xh, p + hstart, i + 1 - hstart);
        r->hash = XXH3_64bits_digest(r->xh);
    }
    if (r->stack) {
        sl_buf_addc(&r->skeleton, ']');
        r->mode = M_DOC;
        r->st = D_TOK;
    } else {
        r->mode = M_DONE;
    }
}

ptrdiff_t sl_json_records_feed(sl_json_records *r, const char *p, size_t n)
{
    size_t i = 0, estart = 0, hstart = 0;
    while (i < n) {
        char c = p[i];
        if (r->mode == M_DONE)
            return (ptrdiff_t)n; /* whatever follows the array is not ours */
        if (r->mode == M_DOC) {
            if (r->st == D_STR) {
                if (r->esc)
                    r->esc = 0;
                else if (c == '\\')
                    r->esc = 1;
                else if (c == '"') {
                    r->st = D_TOK;
                    if (r->key && r->depth > 0)
                        r->keyok[r->depth - 1] = (unsigned char)key_matches(r, r->depth - 1);
                    sl_buf_addc(&r->skeleton, c);
                    i++;
                    continue;
                }
                if (r->key && r->keybuf.len < 4096)
                    sl_buf_addc(&r->keybuf, c);
                sl_buf_addc(&r->skeleton, c);
                i++;
                continue;
            }
            if (r->st == D_SCALAR) {
                if (is_scalar(c)) {
                    sl_buf_addc(&r->skeleton, c);
                    i++;
                    continue;
                }
                r->st = D_TOK;
            }
            if (!is_ws(c)) {
                int top = r->depth > 0 ? r->stack[r->depth - 1] : 0;
                if (c == '{' || c == '[') {
                    if (value_start(r, c)) {
                        /* the records array */
                        sl_buf_addc(&r->skeleton, '[');
                        r->array_at = r->off + i + 1;
                        r->mode = M_REC;
                        r->st = R_START;
                        XXH3_64bits_reset(r->xh);
                        hstart = i;
                        i++;
                        continue;
                    }
                    if (r->depth >= SL_JSON_MAX_DEPTH)
                        return fail(r, "the answer nests deeper than %lld levels", SL_JSON_MAX_DEPTH);
                    r->stack[r->depth] = c == '{' ? 'o' : 'a';
                    r->keyok[r->depth] = 0;
                    r->depth++;
                    r->expect_key = c == '{';
                } else if (c == '}' || c == ']') {
                    if (r->depth == 0)
                        return fail(r, "the answer is not JSON: an unmatched bracket at byte %lld",
                                    (long long)(r->off + i));
                    r->depth--;
                    r->expect_key = 0;
                } else if (c == ',') {
                    r->expect_key = top == 'o';
                } else if (c == ':') {
                    r->expect_key = 0;
                } else if (c == '"') {
                    r->key = top == 'o' && r->expect_key;
                    if (r->key) {
                        sl_buf_reset(&r->keybuf);
                        r->keyok[r->depth - 1] = 0;
                        r->expect_key = 0;
                    } else {
                        value_start(r, c);
                    }
                    r->esc = 0;
                    r->st = D_STR;
                } else {
                    value_start(r, c);
                    r->st = D_SCALAR;
                }
            }
            sl_buf_addc(&r->skeleton, c);
            i++;
            continue;
        }
        /* M_REC: inside the records array */
        if (r->st == R_ELEM) {
            int end = 0; /* 1: the element ends after c; 2: it ended before c */
            if (r->elem_kind == E_SCALAR) {
                if (!is_scalar(c))
                    end = 2;
            } else if (r->key) { /* in a string (key doubles as "in a string" here) */
                if (r->esc)
                    r->esc = 0;
                else if (c == '\\')
                    r->esc = 1;
                else if (c == '"') {
                    r->key = 0;
                    if (r->elem_kind == E_STR)
                        end = 1;
                }
            } else if (c == '"') {
                r->key = 1;
            } else if (c == '{' || c == '[') {
                if (++r->edepth > SL_JSON_MAX_DEPTH)
                    return fail(r, "record %lld nests deeper than 512 levels", (long long)r->count + 1);
            } else if (c == '}' || c == ']') {
                if (--r->edepth == 0)
                    end = 1;
            }
            if (!end) {
                i++;
                continue;
            }
            size_t stop = end == 1 ? i + 1 : i;
            int rc = emit(r, p, estart, stop);
            if (rc < 0)
                return -1;
            i = stop;
            if (rc == 1) {
                if (r->xh)
                    XXH3_64bits_update(r->xh, p + hstart, i - hstart);
                r->off += i;
                return (ptrdiff_t)i;
            }
            continue;
        }
        if (is_ws(c)) {
            i++;
            continue;
        }
        if (r->st == R_AFTER) {
            if (c == ',')
                r->st = R_NEXT;
            else if (c == ']')
                array_closed(r, p, hstart, i);
            else
                return fail(r, "the answer is not JSON: ',' or ']' expected after record %lld", (long long)r->count);
            i++;
            continue;
        }
        /* R_START or R_NEXT: an element, or the end */
        if (c == ']') {
            if (r->st == R_NEXT)
                return fail(r, "the answer is not JSON: a ',' before ']' after record %lld", (long long)r->count);
            array_closed(r, p, hstart, i);
            i++;
            continue;
        }
        if (c == ',')
            return fail(r, "the answer is not JSON: a record expected after record %lld", (long long)r->count);
        r->elem_kind = c == '{' || c == '[' ? E_CONT : c == '"' ? E_STR : E_SCALAR;
        r->edepth = r->elem_kind == E_CONT ? 1 : 0;
        r->key = r->elem_kind == E_STR;
        r->esc = 0;
        r->st = R_ELEM;
        sl_buf_reset(&r->elem);
        estart = i;
        i++;
    }
    /* the piece ended: keep the start of an element cut by it */
    if (r->mode == M_REC) {
        if (r->st == R_ELEM) {
            if (r->elem.len + (n - estart) > r->max_record) {
                emit(r, p, estart, n); /* names the record and the limit */
                return -1;
            }
            sl_buf_add(&r->elem, p + estart, n - estart);
        }
        if (r->xh)
            XXH3_64bits_update(r->xh, p + hstart, n - hstart);
    }
    r->off += n;
    return (ptrdiff_t)n;
}

int sl_json_records_finish(sl_json_records *r)
{
    if (r->mode == M_REC) {
        return fail(r, "the answer ends inside the records array, after record %lld (cut short?)",
                    (long long)r->count);
    }
    if (r->mode == M_DONE)
        return 0;
    if (r->st == D_STR) {
        snprintf(r->why, sizeof r->why, "the answer ends inside a string (cut short?)");
        return -1;
    }
    if (r->depth > 0)
        return fail(r, "the answer ends with %lld objects or arrays open (cut short?)", r->depth);
    char e[200];
    if (sl_json_validate(r->skeleton.data ? r->skeleton.data : "", r->skeleton.len, e, sizeof e) < 0) {
        snprintf(r->why, sizeof r->why, "invalid JSON body%s: %s", r->found == SL_JSON_FOUND_ARRAY ? " (outside its records)" : "", e);
        return -1;
    }
    return 0;
}
