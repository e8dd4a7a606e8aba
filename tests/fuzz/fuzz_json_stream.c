/* fuzz_json_stream.c: any bytes through the streaming records scanner
 * (formats/json_stream.c) that the http source reads answers with.
 * Properties: no crash; the same elements, count, errors and skeleton
 * however the document is cut into pieces; and on a document the validator
 * accepts, exactly the elements the whole-document reader walks at the same
 * path (formats/json_path.c), each one valid JSON.
 * The first byte picks the path ("" or "data") and seeds where the cuts fall. */
#include "formats/json_path.h"
#include "formats/json_stream.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct seen {
    sl_buf all; /* every element's text, each followed by a NUL */
    int64_t n;
} seen;

static int take(void *ud, const char *p, size_t n, int64_t index, char *why, size_t cap)
{
    seen *s = ud;
    (void)why;
    (void)cap;
    if (index != s->n)
        abort(); /* elements come in order, each once */
    sl_buf_add(&s->all, p, n);
    sl_buf_addc(&s->all, '\0');
    s->n++;
    return 0;
}

/* Scan doc in pieces whose lengths come from the pseudo-random state x
 * (x = 0: one piece). Returns 0 when the document was whole, -1 otherwise. */
static int scan(const char *doc, size_t size, const char *path, uint32_t x, seen *s, sl_buf *skeleton)
{
    sl_json_records r;
    sl_json_records_init(&r, path, 1 << 16, take, s);
    int rc = 0;
    for (size_t off = 0; off < size;) {
        size_t n = size - off;
        if (x) {
            x = x * 1103515245u + 12345u;
            size_t k = 1 + (x >> 16) % 7;
            if (k < n)
                n = k;
        }
        ptrdiff_t got = sl_json_records_feed(&r, doc + off, n);
        if (got < 0) {
            rc = -1;
            break;
        }
        if ((size_t)got != n)
            abort(); /* the callback never asks to stop */
        off += n;
    }
    if (rc == 0)
        rc = sl_json_records_finish(&r);
    if (rc == 0) {
        if (r.found == SL_JSON_FOUND_ARRAY && r.count != s->n)
            abort();
        sl_buf_add(skeleton, r.skeleton.data ? r.skeleton.data : "", r.skeleton.len);
    }
    sl_json_records_release(&r);
    return rc;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *path = data[0] & 1 ? "data" : "";
    uint32_t x = 1u + data[0];
    const char *doc = (const char *)data + 1;
    size_t n = size - 1;

    seen a = {0}, b = {0};
    sl_buf ska, skb;
    sl_buf_init(&a.all);
    sl_buf_init(&b.all);
    sl_buf_init(&ska);
    sl_buf_init(&skb);
    int ra = scan(doc, n, path, 0, &a, &ska);
    int rb = scan(doc, n, path, x, &b, &skb);
    /* the cuts change nothing */
    if (ra != rb || a.n != b.n || a.all.len != b.all.len || (a.all.len && memcmp(a.all.data, b.all.data, a.all.len)))
        abort();
    if (ska.len != skb.len || (ska.len && memcmp(ska.data, skb.data, ska.len)))
        abort();

    /* a valid document: the whole-document reader walks the same elements */
    char why[256];
    if (sl_json_validate(doc, n, why, sizeof why) == 0) {
        if (ra != 0)
            abort(); /* the scanner refused a valid document */
        sl_json j;
        if (sl_json_path_at(&j, doc, n, path) == 0 && sl_json_peek(&j) == SL_JSON_ARRAY) {
            int first = 1;
            int64_t k = 0;
            const char *e = a.all.data;
            sl_json_array_begin(&j);
            while (sl_json_element(&j, &first) == 1) {
                const char *at = j.p;
                if (sl_json_skip(&j) < 0)
                    abort();
                size_t len = (size_t)(j.p - at);
                if (k >= a.n || strlen(e) != len || memcmp(e, at, len) != 0)
                    abort(); /* a different element */
                if (sl_json_validate(e, len, why, sizeof why) != 0)
                    abort();
                e += len + 1;
                k++;
            }
            if (k != a.n)
                abort();
        }
    }
    sl_buf_release(&a.all);
    sl_buf_release(&b.all);
    sl_buf_release(&ska);
    sl_buf_release(&skb);
    return 0;
}
