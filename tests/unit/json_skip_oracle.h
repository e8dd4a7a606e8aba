/*
 * json_skip_oracle.h: the JSON reader's value skip as it was written before
 * sl_json_skip became one loop (formats/json.c): a call per value through
 * the object and array walkers (sl_json_member, sl_json_element) and
 * sl_json_peek. test_json.c and fuzz_json.c compare the two on every input:
 * same verdict, same end position, same error at the same byte, so that
 * a reader that skips a member rejects a record exactly as one that reads
 * it. Also what compares a cursor allowed to read past its input's end
 * (sl_json_init_more) with one that is not.
 */
#ifndef SL_JSON_SKIP_ORACLE_H
#define SL_JSON_SKIP_ORACLE_H
#include "formats/json.h"
#include <stdio.h>
#include <string.h>

static int oracle_fail(sl_json *j, const char *msg)
{
    if (!j->err_at) {
        j->err_at = j->p;
        snprintf(j->err, sizeof j->err, "%s", msg);
    }
    return -1;
}

static int oracle_literal(sl_json *j, const char *word, size_t n)
{
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
        return oracle_fail(j, "invalid literal (expected true, false or null)");
    j->p += n;
    return 0;
}

static int oracle_skip(sl_json *j)
{
    const char *np;
    size_t nn;
    switch (sl_json_peek(j)) {
    case SL_JSON_NULL: return oracle_literal(j, "null", 4);
    case SL_JSON_TRUE: return oracle_literal(j, "true", 4);
    case SL_JSON_FALSE: return oracle_literal(j, "false", 5);
    case SL_JSON_NUMBER: return sl_json_number(j, &np, &nn);
    case SL_JSON_STRING: return sl_json_string(j, NULL);
    case SL_JSON_OBJECT: {
        if (sl_json_object_begin(j) < 0)
            return -1;
        int first = 1, rc;
        while ((rc = sl_json_member(j, &first, NULL)) == 1)
            if (oracle_skip(j) < 0)
                return -1;
        return rc;
    }
    case SL_JSON_ARRAY: {
        if (sl_json_array_begin(j) < 0)
            return -1;
        int first = 1, rc;
        while ((rc = sl_json_element(j, &first)) == 1)
            if (oracle_skip(j) < 0)
                return -1;
        return rc;
    }
    default:
        return oracle_fail(j, j->p >= j->end ? "unexpected end of input (expected a value)"
                                             : "unexpected character (expected a value)");
    }
}

/* 0 when skipping doc[0..n) gives the same verdict, end and error with
 * sl_json_skip as with the oracle, and with sl_json_skip reading into
 * `more` bytes past the end (which must not change anything); else 1,
 * with what differed in why. doc must be followed by `more` readable bytes. */
static int oracle_compare(const char *doc, size_t n, size_t more, char *why, size_t cap)
{
    sl_json a, b, c;
    sl_json_init(&a, doc, n);
    sl_json_init(&b, doc, n);
    sl_json_init_more(&c, doc, n, more);
    int ra = oracle_skip(&a), rb = sl_json_skip(&b), rc = sl_json_skip(&c);
    const sl_json *v[2] = {&b, &c};
    int r[2] = {rb, rc};
    for (int i = 0; i < 2; i++) {
        const char *what = i ? "skip reading past the end" : "skip";
        if (r[i] != ra) {
            snprintf(why, cap, "%s returned %d, the oracle %d (%s / %s)", what, r[i], ra, v[i]->err, a.err);
            return 1;
        }
        if (ra == 0 && v[i]->p != a.p) {
            snprintf(why, cap, "%s ended at byte %ld, the oracle at %ld", what, (long)(v[i]->p - doc),
                     (long)(a.p - doc));
            return 1;
        }
        if (ra < 0 && (v[i]->err_at != a.err_at || strcmp(v[i]->err, a.err) != 0)) {
            snprintf(why, cap, "%s: '%s' at byte %ld, the oracle: '%s' at byte %ld", what, v[i]->err,
                     (long)(v[i]->err_at - doc), a.err, (long)(a.err_at - doc));
            return 1;
        }
        if (ra == 0 && v[i]->depth != a.depth) {
            snprintf(why, cap, "%s left depth %d, the oracle %d", what, v[i]->depth, a.depth);
            return 1;
        }
    }
    return 0;
}

#endif
