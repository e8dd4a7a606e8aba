/* fuzz_csv.c: any bytes through the CSV reader, with and without an escape
 * and a comment character: no crash, no overread, every record's fields
 * inside the input. Two more readers of the same bytes run in step with
 * it and must agree: one that skips the fields the input's first byte
 * picks (csv.h: skip: same records, lines, offsets, field counts and
 * `bad`; the fields it reads equal; a skipped quoted field valid UTF-8
 * exactly when the unescaped one is), and one that stops at a cut in the
 * middle (a range reader's stop_at, reading in the small pieces
 * sl_input_range_want asks for: the same records up to the cut, and it
 * ends at the cut's first line, at or before the next record). */
#include "core/util.h"
#include "formats/csv.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];

static int same_field(const sl_csv_field *a, const sl_csv_field *b)
{
    return a->n == b->n && a->quoted == b->quoted && (a->n == 0 || memcmp(a->p, b->p, a->n) == 0);
}

/* Record of b equals the record of a (every field when skip is NULL). */
static void check_same(const sl_csv_reader *a, const sl_csv_reader *b, const unsigned char *skip, size_t nskip)
{
    if (a->rec_offset != b->rec_offset || a->rec_line != b->rec_line || a->nfields != b->nfields ||
        a->rawlen != b->rawlen || a->open_quote != b->open_quote || strcmp(a->bad, b->bad) != 0 ||
        a->line != b->line)
        abort();
    for (size_t i = 0; i < a->nfields; i++) {
        const sl_csv_field *x = &a->fields[i], *y = &b->fields[i];
        if (skip && i < nskip && skip[i] && x->quoted) {
            if (!y->quoted || (sl_utf8_valid_prefix(x->p, x->n) == x->n) != (sl_utf8_valid_prefix(y->p, y->n) == y->n))
                abort();
        } else if (!same_field(x, y)) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (!path[0])
        snprintf(path, sizeof path, "/tmp/sluice-fuzz-csv-%d", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    unsigned char skip[8];
    for (int i = 0; i < 8; i++)
        skip[i] = size ? (data[0] >> i) & 1 : 0;
    int64_t cut = (int64_t)size / 2;
    for (int mode = 0; mode < 2; mode++) {
        sl_error err;
        sl_input *in = sl_input_open(path, &err), *in2 = sl_input_open(path, &err), *in3 = sl_input_open(path, &err);
        if (!in || !in2 || !in3) {
            sl_input_close(in);
            sl_input_close(in2);
            sl_input_close(in3);
            return 0;
        }
        sl_csv_config cfg = {mode ? ';' : ',', '"', mode ? '\\' : 0, mode ? '#' : 0};
        sl_csv_reader r, s, c;
        sl_csv_init(&r, in, &cfg, 0, 1);
        sl_csv_init(&s, in2, &cfg, 0, 1);
        sl_csv_init(&c, in3, &cfg, 0, 1);
        s.skip = skip;
        s.nskip = sizeof skip;
        c.stop_at = cut;
        size_t total = 0;
        int rc, crc = 1;
        while ((rc = sl_csv_next(&r, &err)) == 1) {
            for (size_t i = 0; i < r.nfields; i++)
                total += r.fields[i].n;
            if (r.rawlen > size + 3 || r.rec_offset > (int64_t)size)
                abort();
            if (sl_csv_next(&s, &err) != 1)
                abort();
            check_same(&r, &s, skip, sizeof skip);
            if (crc == 1) {
                crc = sl_csv_next(&c, &err);
                if (crc == 1 && r.rec_offset >= cut)
                    abort(); /* a record of the next range */
                if (crc == 1)
                    check_same(&r, &c, NULL, 0);
                else if (crc == 0 && (r.rec_offset < cut || sl_csv_offset(&c) < cut || sl_csv_offset(&c) > r.rec_offset))
                    abort(); /* stopped early, or past where the next record starts (blank
                              * and comment lines after the cut may come between) */
            }
        }
        if (rc == 0 && sl_csv_next(&s, &err) != 0)
            abort();
        if (rc == 0 && crc == 1 && sl_csv_next(&c, &err) != 0)
            abort(); /* the last record was before the cut: the end */
        if (total > size)
            abort(); /* unescaping only ever shortens fields */
        sl_csv_release(&r);
        sl_csv_release(&s);
        sl_csv_release(&c);
        sl_input_close(in);
        sl_input_close(in2);
        sl_input_close(in3);
    }
    return 0;
}
