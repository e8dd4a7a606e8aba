/* test_encoding.c: formats/encoding.c through sl_input: latin-1,
 * windows-1252 and UTF-16 (BOM, no BOM, both byte orders) into UTF-8,
 * bytes an encoding does not define, reads of any size, seeking in the
 * decoded text, and a gzip file decoded after decompression. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "core/mem.h"
#include "core/util.h"
#include "formats/encoding.h"
#include "formats/input.h"

static char path[64];

static void write_file(const void *p, size_t n)
{
    snprintf(path, sizeof path, "/tmp/sluice-enc-%d", (int)getpid());
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
}

/* The whole file decoded, read `chunk` bytes at a time; caller frees. */
static char *decode(const char *encoding, size_t chunk, size_t *len)
{
    sl_error err;
    sl_input *in = sl_input_open(path, &err);
    assert_non_null(in);
    assert_int_equal(sl_input_set_encoding(in, encoding, &err), 0);
    sl_buf b;
    sl_buf_init(&b);
    char tmp[512];
    ptrdiff_t r;
    while ((r = sl_input_read(in, tmp, chunk, &err)) > 0)
        sl_buf_add(&b, tmp, (size_t)r);
    assert_int_equal(r, 0);
    sl_input_close(in);
    *len = b.len;
    sl_buf_reserve(&b, 0);
    return sl_buf_detach(&b);
}

static void expect(const void *file, size_t n, const char *encoding, const char *want, size_t wantlen)
{
    write_file(file, n);
    static const size_t chunks[] = {1, 2, 3, 7, 512};
    for (size_t c = 0; c < sizeof chunks / sizeof *chunks; c++) {
        size_t len;
        char *got = decode(encoding, chunks[c], &len);
        assert_int_equal(len, wantlen);
        assert_memory_equal(got, want, wantlen);
        sl_free(got);
    }
    unlink(path);
}

#define EXPECT(file, enc, want) expect(file, sizeof file - 1, enc, want, sizeof want - 1)

/* case 04's file: Latin-1 */
static void test_latin1(void **state)
{
    EXPECT("1,Ren\xe9" "e,Z\xfcrich\n5,\xc5sa,Malm\xf6\n", "latin-1",
           "1,Ren\xc3\xa9" "e,Z\xc3\xbcrich\n5,\xc3\x85sa,Malm\xc3\xb6\n");
    EXPECT("plain ascii\n", "utf-8", "plain ascii\n");
    EXPECT("caf\xe9\n", NULL, "caf\xe9\n"); /* utf-8 (default): bytes as they are */
}

/* 0x80 is the euro sign in windows-1252; 0x81 is not defined: it stays a
 * byte that is not UTF-8, for encoding_errors to deal with */
static void test_windows1252(void **state)
{
    EXPECT("\x80" "5 \x93q\x94 \x81x", "windows-1252", "\xe2\x82\xac" "5 \xe2\x80\x9cq\xe2\x80\x9d \x81x");
}

static void test_utf16(void **state)
{
    /* "id,é😀\n" in each form */
    EXPECT("\xff\xfei\0d\0,\0\xe9\0=\xd8\0\xde\n\0", "utf-16", "id,\xc3\xa9\xf0\x9f\x98\x80\n");
    EXPECT("\xfe\xff\0i\0d\0,\0\xe9\xd8=\xde\0\0\n", "utf-16", "id,\xc3\xa9\xf0\x9f\x98\x80\n");
    EXPECT("i\0d\0,\0\xe9\0=\xd8\0\xde\n\0", "utf-16", "id,\xc3\xa9\xf0\x9f\x98\x80\n");   /* no BOM: LE */
    EXPECT("\0i\0d\0,\0\xe9\xd8=\xde\0\0\n", "utf-16", "id,\xc3\xa9\xf0\x9f\x98\x80\n");   /* no BOM, NUL first: BE */
    EXPECT("\xff\xfei\0d\0", "utf-16le", "id");
    EXPECT("\0i\0d", "utf-16be", "id");
    /* a lone surrogate, then a last odd byte: bytes that are not UTF-8 */
    EXPECT("\xff\xfe" "a\0\x00\xdc" "b\0c", "utf-16", "a\xed\xb0\x80" "b\xff");
}

/* seeking to an offset of the decoded text, forward and back */
static void test_seek(void **state)
{
    sl_buf b;
    sl_buf_init(&b);
    for (int i = 0; i < 40000; i++)
        sl_buf_addf(&b, "%d,caf\xe9\n", i);
    write_file(b.data, b.len);
    sl_error err;
    sl_input *in = sl_input_open(path, &err);
    assert_non_null(in);
    assert_int_equal(sl_input_set_encoding(in, "latin-1", &err), 0);
    char line[64];
    /* each line "N,café\n" is one byte longer decoded */
    int64_t at = 0;
    for (int i = 0; i < 30000; i++)
        at += snprintf(line, sizeof line, "%d,caf\xc3\xa9\n", i);
    for (int round = 0; round < 2; round++) {
        assert_int_equal(sl_input_seek(in, at, &err), 0);
        char got[12];
        assert_int_equal(sl_input_read(in, got, 11, &err), 11);
        assert_memory_equal(got, "30000,caf\xc3\xa9", 11);
        assert_int_equal(sl_input_seek(in, 0, &err), 0);
        assert_int_equal(sl_input_read(in, got, 7, &err), 7);
        assert_memory_equal(got, "0,caf\xc3\xa9", 7);
    }
    sl_input_close(in);
    /* the same through gzip: decompressed, then decoded */
    gzFile gz = gzopen(path, "wb");
    assert_non_null(gz);
    assert_int_equal(gzwrite(gz, b.data, (unsigned)b.len), (int)b.len);
    gzclose(gz);
    in = sl_input_open(path, &err);
    assert_int_equal(sl_input_set_encoding(in, "latin-1", &err), 0);
    assert_int_equal(sl_input_seek(in, at, &err), 0);
    char got[12];
    assert_int_equal(sl_input_read(in, got, 11, &err), 11);
    assert_memory_equal(got, "30000,caf\xc3\xa9", 11);
    sl_input_close(in);
    unlink(path);
    sl_buf_release(&b);
}

static void test_unknown_encoding(void **state)
{
    sl_decoder *d = NULL;
    sl_error err;
    assert_int_equal(sl_decoder_new("ebcdic", &d, &err), -1);
    assert_non_null(strstr(err.msg, "unknown encoding 'ebcdic'"));
    assert_int_equal(sl_decoder_new("utf-8", &d, &err), 0);
    assert_null(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_latin1), cmocka_unit_test(test_windows1252), cmocka_unit_test(test_utf16),
        cmocka_unit_test(test_seek), cmocka_unit_test(test_unknown_encoding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
