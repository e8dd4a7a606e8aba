/* test_csv.c: RFC 4180 edge cases for formats/csv.c, read through sl_input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "formats/csv.h"
#include "helpers.h"

typedef struct rec {
    int n;
    char f[8][512];
    long long line, offset;
    char bad[160];
} rec;

/* Parse `text` (written to a file) and collect up to 16 records. */
static int parse(const char *text, size_t len, const sl_csv_config *cfg, rec *out, int max)
{
    char path[] = "/tmp/sluice-csv-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    sl_error err;
    sl_input *in = sl_input_open(path, &err);
    assert_non_null(in);
    sl_csv_reader r;
    sl_csv_init(&r, in, cfg, 0, 1);
    int n = 0;
    while (n < max && sl_csv_next(&r, &err) == 1) {
        out[n].n = (int)r.nfields;
        for (size_t i = 0; i < r.nfields && i < 8; i++)
            snprintf(out[n].f[i], sizeof out[n].f[i], "%.*s", (int)r.fields[i].n, r.fields[i].p);
        out[n].line = r.rec_line;
        out[n].offset = r.rec_offset;
        snprintf(out[n].bad, sizeof out[n].bad, "%s", r.bad);
        n++;
    }
    sl_csv_release(&r);
    sl_input_close(in);
    unlink(path);
    return n;
}

static const sl_csv_config STD = {',', '"', 0, 0};

/* Identity of an input (2026-11-30, issue #10 item 2): the running hash of
 * the bytes read describes the file that was opened, whatever was skipped
 * by a seek, and bytes_read counts exactly the bytes read. */
static void write_file(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

static void read_all(sl_input *in)
{
    char buf[4096];
    sl_error err;
    ptrdiff_t r;
    while ((r = sl_input_read(in, buf, sizeof buf, &err)) > 0)
        ;
    assert_int_equal(r, 0);
}

static void test_input_digest(void **state)
{
    (void)state;
    size_t n = 300 * 1024 + 17;
    char *data = malloc(n);
    srand(42);
    for (size_t i = 0; i < n; i++)
        data[i] = (char)('a' + rand() % 26);
    char path[] = "/tmp/sluice-digest-XXXXXX";
    close(mkstemp(path));
    write_file(path, data, n);
    char whole[33], got[33], prefix[33];
    int64_t hashed;
    sl_error err;
    assert_int_equal(sl_file_hash(path, whole, &err), 0);

    /* read to the end: the hash of the whole file, every byte counted */
    sl_input *in = sl_input_open(path, &err);
    assert_non_null(in);
    assert_int_equal(sl_input_identity_of(in)->size, (int64_t)n);
    read_all(in);
    assert_int_equal(sl_input_bytes_read(in), (int64_t)n);
    assert_int_equal(sl_input_digest(in, -1, got, &hashed, &err), 0);
    assert_int_equal(hashed, (int64_t)n);
    assert_string_equal(got, whole);
    sl_input_close(in);

    /* a resume seek skips bytes: not counted as read, still hashed */
    in = sl_input_open(path, &err);
    assert_int_equal(sl_input_seek(in, 200000, &err), 0);
    read_all(in);
    assert_int_equal(sl_input_bytes_read(in), (int64_t)(n - 200000));
    assert_int_equal(sl_input_digest(in, -1, got, &hashed, &err), 0);
    assert_string_equal(got, whole);
    sl_input_close(in);

    /* a prefix, before reading; going back is refused; past the end stops there */
    char ppath[] = "/tmp/sluice-digest-XXXXXX";
    close(mkstemp(ppath));
    write_file(ppath, data, 1000);
    assert_int_equal(sl_file_hash(ppath, prefix, &err), 0);
    in = sl_input_open(path, &err);
    assert_int_equal(sl_input_digest(in, 1000, got, &hashed, &err), 0);
    assert_int_equal(hashed, 1000);
    assert_string_equal(got, prefix);
    assert_int_equal(sl_input_digest(in, 500, got, &hashed, &err), -1);
    read_all(in); /* reads from 0: only bytes past 1000 extend the hash */
    assert_int_equal(sl_input_digest(in, (int64_t)n + 10, got, &hashed, &err), 0);
    assert_int_equal(hashed, (int64_t)n);
    assert_string_equal(got, whole);
    sl_input_close(in);

    /* the path replaced while the file is read: the hash is the opened file's */
    in = sl_input_open(path, &err);
    char buf[1000];
    assert_int_equal(sl_input_read(in, buf, sizeof buf, &err), (ptrdiff_t)sizeof buf);
    assert_int_equal(rename(ppath, path), 0);
    read_all(in);
    assert_int_equal(sl_input_digest(in, -1, got, &hashed, &err), 0);
    assert_string_equal(got, whole);
    assert_int_equal(sl_input_bytes_read(in), (int64_t)n);
    sl_input_close(in);

    /* gzip: the hash and the count are of the compressed file's bytes */
    write_file(path, data, n);
    char cmd[128], gz[64], gzhash[33];
    snprintf(cmd, sizeof cmd, "gzip -n -f %s", path);
    assert_int_equal(system(cmd), 0);
    snprintf(gz, sizeof gz, "%s.gz", path);
    assert_int_equal(sl_file_hash(gz, gzhash, &err), 0);
    in = sl_input_open(gz, &err);
    read_all(in);
    assert_int_equal(sl_input_digest(in, -1, got, &hashed, &err), 0);
    assert_string_equal(got, gzhash);
    assert_int_equal(sl_input_bytes_read(in), sl_input_identity_of(in)->size);
    assert_true(sl_input_identity_of(in)->size < (int64_t)n);
    sl_input_close(in);
    unlink(gz);
    free(data);
}

static void test_quoting(void **state)
{
    rec r[16];
    const char *t = "a,\"b,c\",\"say \"\"hi\"\"\"\r\n1,2,3\r\n";
    assert_int_equal(parse(t, strlen(t), &STD, r, 16), 2);
    assert_int_equal(r[0].n, 3);
    assert_string_equal(r[0].f[1], "b,c");
    assert_string_equal(r[0].f[2], "say \"hi\"");
    assert_string_equal(r[1].f[2], "3");
    assert_int_equal(r[1].line, 2);
    assert_int_equal(r[1].offset, 22);
}

static void test_embedded_newlines_and_lines(void **state)
{
    rec r[16];
    const char *t = "id,note\n1,\"two\nlines\"\n2,plain\n3,\"x\r\ny\"\n4,end";
    assert_int_equal(parse(t, strlen(t), &STD, r, 16), 5);
    assert_string_equal(r[1].f[1], "two\nlines");
    assert_int_equal(r[1].line, 2);
    assert_int_equal(r[2].line, 4);
    assert_string_equal(r[3].f[1], "x\r\ny");
    assert_int_equal(r[4].line, 7);
    assert_string_equal(r[4].f[1], "end"); /* no final newline */
}

static void test_line_ends_bom_blank(void **state)
{
    rec r[16];
    const char *t = "\xEF\xBB\xBFh1,h2\ra,b\r\rc,d\n\n";
    assert_int_equal(parse(t, strlen(t), &STD, r, 16), 3);
    assert_string_equal(r[0].f[0], "h1"); /* BOM stripped */
    assert_string_equal(r[1].f[1], "b");
    assert_string_equal(r[2].f[0], "c");
    assert_int_equal(r[2].line, 4); /* lone CR ends lines; the blank line counts */
}

static void test_empty_and_quoted_empty(void **state)
{
    rec r[16];
    const char *t = "a,,\"\",d\n";
    assert_int_equal(parse(t, strlen(t), &STD, r, 16), 1);
    assert_int_equal(r[0].n, 4);
    assert_string_equal(r[0].f[1], "");
    assert_string_equal(r[0].f[2], "");
}

static void test_unterminated_quote(void **state)
{
    rec r[16];
    const char *t = "a,b\n1,\"open\nstill open\n";
    assert_int_equal(parse(t, strlen(t), &STD, r, 16), 2);
    assert_string_equal(r[1].bad, "unterminated quoted field starting at line 2");
}

static void test_escape_char(void **state)
{
    rec r[16];
    sl_csv_config cfg = {';', '"', '\\', 0};
    const char *t = "\"a\\\"b\";\"c\\\\d\"\n";
    assert_int_equal(parse(t, strlen(t), &cfg, r, 16), 1);
    assert_string_equal(r[0].f[0], "a\"b");
    assert_string_equal(r[0].f[1], "c\\d");
}

/* Regression 2026-11-30 (issue #10 item 10): text after a closing quote
 * was glued to the field ("b"c loaded as bc) and a quote in the middle
 * moved field boundaries silently. Now the record is bad, naming the line
 * and column, and the next record still starts where it should; spaces
 * after the closing quote are trimmed. */
static void test_text_after_closing_quote(void **state)
{
    rec r[16];
    const char *t = "a,\"b\"c\n1,\"b,c\nd\"e\n2,\"ok\"  ,\"x\"\t\n3,\"y\"\"z\"\n";
    assert_int_equal(parse(t, strlen(t), &STD, r, 16), 4);
    assert_string_equal(r[0].bad, "text after the closing quote of field 2 at line 1, column 6");
    assert_int_equal(r[0].n, 2);
    assert_string_equal(r[1].bad, "text after the closing quote of field 2 at line 3, column 3");
    assert_int_equal(r[1].line, 2);
    assert_int_equal(r[1].n, 2);
    assert_string_equal(r[2].bad, "");
    assert_int_equal(r[2].line, 4);
    assert_int_equal(r[2].n, 3);
    assert_string_equal(r[2].f[1], "ok");
    assert_string_equal(r[2].f[2], "x");
    assert_string_equal(r[3].bad, ""); /* a doubled quote is no stray text */
    assert_string_equal(r[3].f[1], "y\"z");
    /* the column counts characters, not bytes */
    t = "caf\xc3\xa9,\"\xc3\xa9\"x\n";
    assert_int_equal(parse(t, strlen(t), &STD, r, 16), 1);
    assert_string_equal(r[0].bad, "text after the closing quote of field 2 at line 1, column 9");
    /* the check at every offset of a long field (the 16-byte scans) */
    for (int at = 1; at < 40; at++) {
        char line[128];
        int n = snprintf(line, sizeof line, "\"%.*s\"%s,z\n", at, "0123456789012345678901234567890123456789",
                         at % 2 ? "q" : " ");
        assert_int_equal(parse(line, (size_t)n, &STD, r, 16), 1);
        if (at % 2) {
            char want[160];
            snprintf(want, sizeof want, "text after the closing quote of field 1 at line 1, column %d", at + 3);
            assert_string_equal(r[0].bad, want);
        } else {
            assert_string_equal(r[0].bad, "");
            assert_int_equal((int)strlen(r[0].f[0]), at);
        }
    }
}

/* Regression 2026-11-30: with escape: '\\', "c\d" loaded as cd. An escape
 * character before anything but the quote or itself is kept. */
static void test_escape_escapes_only_quote_and_itself(void **state)
{
    rec r[16];
    sl_csv_config cfg = {',', '"', '\\', 0};
    const char *t = "\"c\\d\",\"e\\\"f\",\"g\\\\h\",\"\\n\\\\\\\"\"\n";
    assert_int_equal(parse(t, strlen(t), &cfg, r, 16), 1);
    assert_string_equal(r[0].bad, "");
    assert_int_equal(r[0].n, 4);
    assert_string_equal(r[0].f[0], "c\\d");
    assert_string_equal(r[0].f[1], "e\"f");
    assert_string_equal(r[0].f[2], "g\\h");
    assert_string_equal(r[0].f[3], "\\n\\\"");
}

/* comment: a line starting with it is skipped where a record would start
 * (not inside a quoted field), with any line end; lines still count. */
static void test_comment_lines(void **state)
{
    rec r[16];
    sl_csv_config cfg = {',', '"', 0, '#'};
    const char *t = "# header note\nid,v\n#x,\"y\n1,\"a\n#not a comment\"\r\n# c\r\n2,#b\r# last";
    assert_int_equal(parse(t, strlen(t), &cfg, r, 16), 3);
    assert_string_equal(r[0].f[0], "id");
    assert_int_equal(r[0].line, 2);
    assert_string_equal(r[1].f[1], "a\n#not a comment");
    assert_int_equal(r[1].line, 4);
    assert_string_equal(r[2].f[1], "#b"); /* only at the start of a line */
    assert_int_equal(r[2].line, 7);
    /* without the option the same text is data (and line 3 opens a quote) */
    assert_int_equal(parse(t, strlen(t), &STD, r, 16), 7);
}

static void test_record_across_blocks(void **state)
{
    /* a 300 KiB quoted field spans several 128 KiB reads */
    size_t big = 300 * 1024;
    char *t = malloc(big + 64);
    size_t n = (size_t)sprintf(t, "1,\"");
    for (size_t i = 0; i < big; i++)
        t[n++] = (i % 1000 == 999) ? '\n' : (i % 7 == 0) ? ',' : 'x';
    n += (size_t)sprintf(t + n, "\",tail\n2,b,c\n");
    rec *r = calloc(16, sizeof *r);
    assert_int_equal(parse(t, n, &STD, r, 16), 2);
    assert_int_equal(r[0].n, 3);
    assert_string_equal(r[0].f[2], "tail");
    assert_int_equal(r[1].line, 1 + (long long)(big / 1000) + 1);
    free(r);
    free(t);
}

/* A range's reader (stop_at, issue #16) reads about its own bytes: up to
 * the stop plus 4 KiB, then growing pieces for a record that crosses it
 * (sl_input_range_want), not a whole buffer from the range's start (every
 * range read 256 KiB: ranges of 4 KiB read a file 48 times over). A
 * 300 KiB quoted record across the stop is still read whole, the record
 * after it is the next range's, and the reader ends where one reader has
 * the next record. */
static sl_input *range_file(const char *text, size_t n, char *path)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
    sl_error err;
    sl_input *in = sl_input_open(path, &err);
    assert_non_null(in);
    return in;
}

static void test_range_reads_its_bytes(void **state)
{
    (void)state;
    size_t big = 300 * 1024, rest = 1024 * 1024;
    char *t = malloc(big + rest + 64);
    size_t n = (size_t)sprintf(t, "a,b\n1,x\n2,\"");
    for (size_t i = 0; i < big; i++)
        t[n++] = (i % 1000 == 999) ? '\n' : 'y';
    size_t second = n + 2; /* the record after the long one (after its quote and line end) */
    n += (size_t)sprintf(t + n, "\"\n3,z\n");
    for (size_t i = 0; i < rest; i++) /* more file after the range: not to be read */
        t[n++] = (i % 50 == 49) ? '\n' : 'w';
    sl_error err;
    /* short records: the range [0, 6) reads its bytes and 4 KiB */
    char p1[] = "/tmp/sluice-csv-XXXXXX";
    sl_input *in = range_file(t, n, p1);
    sl_csv_reader r;
    sl_csv_init(&r, in, &STD, 0, 1);
    r.stop_at = 6;
    assert_int_equal(sl_csv_next(&r, &err), 1);
    assert_int_equal(sl_csv_next(&r, &err), 1);
    assert_int_equal(r.rec_offset, 4);
    assert_int_equal(sl_csv_next(&r, &err), 0);
    assert_int_equal(sl_csv_offset(&r), 8);
    assert_true(sl_input_bytes_read(in) <= 6 + 4096);
    sl_csv_release(&r);
    sl_input_close(in);
    unlink(p1);
    /* a long record across the stop */
    char p2[] = "/tmp/sluice-csv-XXXXXX";
    in = range_file(t, n, p2);
    sl_csv_init(&r, in, &STD, 0, 1);
    r.stop_at = 10; /* inside "2,..." : records starting before it are the range's */
    assert_int_equal(sl_csv_next(&r, &err), 1);
    assert_int_equal(sl_csv_next(&r, &err), 1);
    assert_int_equal(sl_csv_next(&r, &err), 1);
    assert_int_equal(r.rec_offset, 8);
    assert_int_equal(r.fields[1].n, big);
    assert_int_equal(sl_csv_next(&r, &err), 0); /* "3,z" starts past the stop */
    assert_int_equal(sl_csv_offset(&r), (int64_t)second);
    assert_int_equal(r.line, 3 + (long long)(big / 1000) + 1);
    assert_true(sl_input_bytes_read(in) < (int64_t)(2 * second + 8192)); /* not the 1 MiB after it */
    sl_csv_release(&r);
    sl_input_close(in);
    unlink(p2);
    free(t);
}

/* Random records written by sl_csv_write_field (random delimiters, line
 * ends, field lengths and contents, so that delimiters, quotes and line
 * breaks fall on every position of the reader's 16-byte scans) read back
 * field for field. */
static void roundtrip(char delim, unsigned seed)
{
    enum { RECS = 400, MAXF = 9 };
    static const char alphabet[] = "abcXYZ019 ,;\t\"\n\r\xc3\xa9-";
    srand(seed);
    char *want[RECS][MAXF];
    int nf[RECS];
    sl_buf text;
    sl_buf_init(&text);
    for (int r = 0; r < RECS; r++) {
        nf[r] = 1 + rand() % MAXF;
        for (int f = 0; f < nf[r]; f++) {
            int len = rand() % 4 == 0 ? rand() % 70 : rand() % 20;
            /* a lone empty field is a blank line, which the reader skips */
            if (nf[r] == 1 && len == 0)
                len = 1;
            want[r][f] = malloc((size_t)len + 1);
            for (int i = 0; i < len; i++)
                want[r][f][i] = alphabet[rand() % (int)(sizeof alphabet - 1)];
            want[r][f][len] = 0;
            if (f)
                sl_buf_addc(&text, delim);
            sl_csv_write_field(&text, want[r][f], (size_t)len, delim);
        }
        sl_buf_adds(&text, rand() % 2 ? "\r\n" : "\n");
    }
    char path[] = "/tmp/sluice-csv-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text.data, text.len), (ssize_t)text.len);
    close(fd);
    sl_error err;
    sl_input *in = sl_input_open(path, &err);
    assert_non_null(in);
    sl_csv_reader rd;
    sl_csv_config cfg = {delim, '"', 0, 0};
    sl_csv_init(&rd, in, &cfg, 0, 1);
    for (int r = 0; r < RECS; r++) {
        assert_int_equal(sl_csv_next(&rd, &err), 1);
        assert_string_equal(rd.bad, "");
        assert_int_equal((int)rd.nfields, nf[r]);
        for (int f = 0; f < nf[r]; f++) {
            assert_int_equal(rd.fields[f].n, strlen(want[r][f]));
            assert_memory_equal(rd.fields[f].p, want[r][f], rd.fields[f].n);
            free(want[r][f]);
        }
    }
    assert_int_equal(sl_csv_next(&rd, &err), 0);
    sl_csv_release(&rd);
    sl_input_close(in);
    unlink(path);
    sl_buf_release(&text);
}

static void test_random_roundtrip(void **state)
{
    for (unsigned seed = 1; seed <= 20; seed++) {
        roundtrip(',', seed);
        roundtrip(';', seed + 100);
        roundtrip('\t', seed + 200);
    }
}

/* Escapes in long quoted fields (the two-character scan), at each offset. */
static void test_escape_long(void **state)
{
    sl_csv_config cfg = {',', '"', '\\', 0};
    char text[256], want[128];
    for (int at = 0; at < 40; at++) {
        /* "xxxx\"yyyy\\zzzz",end */
        size_t n = 0, w = 0;
        text[n++] = '"';
        for (int i = 0; i < at; i++)
            text[n++] = want[w++] = 'x';
        text[n++] = '\\';
        text[n++] = want[w++] = '"';
        for (int i = 0; i < 17; i++)
            text[n++] = want[w++] = 'y';
        text[n++] = '\\';
        text[n++] = want[w++] = '\\';
        for (int i = 0; i < at % 19; i++)
            text[n++] = want[w++] = 'z';
        want[w] = 0;
        n += (size_t)sprintf(text + n, "\",end\n");
        rec r[2];
        assert_int_equal(parse(text, n, &cfg, r, 2), 1);
        assert_int_equal(r[0].n, 2);
        assert_string_equal(r[0].f[0], want);
        assert_string_equal(r[0].f[1], "end");
    }
}

static void test_write_field(void **state)
{
    sl_buf b;
    sl_buf_init(&b);
    sl_csv_write_field(&b, "plain", 5, ',');
    sl_buf_addc(&b, '|');
    sl_csv_write_field(&b, "a,\"b\"\nc", 7, ',');
    assert_string_equal(b.data, "plain|\"a,\"\"b\"\"\nc\"");
    sl_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quoting), cmocka_unit_test(test_embedded_newlines_and_lines),
        cmocka_unit_test(test_line_ends_bom_blank), cmocka_unit_test(test_empty_and_quoted_empty),
        cmocka_unit_test(test_unterminated_quote), cmocka_unit_test(test_escape_char),
        cmocka_unit_test(test_text_after_closing_quote),
        cmocka_unit_test(test_escape_escapes_only_quote_and_itself), cmocka_unit_test(test_record_across_blocks),
        cmocka_unit_test(test_comment_lines), cmocka_unit_test(test_range_reads_its_bytes),
        cmocka_unit_test(test_write_field), cmocka_unit_test(test_random_roundtrip),
        cmocka_unit_test(test_escape_long), cmocka_unit_test(test_input_digest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
