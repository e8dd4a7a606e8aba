/* encoding.c: other encodings to UTF-8 through iconv. See encoding.h. */
#include "formats/encoding.h"
#include "core/mem.h"
#include <errno.h>
#include <iconv.h>
#include <string.h>

#define IN_CAP (64 * 1024)
#define OUT_CAP (4 * IN_CAP) /* room for one buffer of any input at once */

enum { ENC_BYTES, ENC_UTF16 };

struct sl_decoder {
    iconv_t cd;          /* (iconv_t)-1 until the first read (UTF-16: after its BOM) */
    const char *given;   /* iconv's name; NULL: utf-16, byte order from the BOM */
    const char *from;    /* the one in use (given, or chosen from the BOM) */
    int kind;
    int started;         /* the BOM (if any) has been looked at */
    int src_eof;
    char in[IN_CAP];
    size_t ilen, ioff;
    char out[OUT_CAP];
    size_t olen, ooff;
};

static const struct {
    const char *name, *iconv_name;
    int kind;
} encodings[] = {
    {"latin-1", "ISO-8859-1", ENC_BYTES},    {"windows-1252", "WINDOWS-1252", ENC_BYTES},
    {"utf-16", NULL, ENC_UTF16},             {"utf-16le", "UTF-16LE", ENC_UTF16},
    {"utf-16be", "UTF-16BE", ENC_UTF16},
    /* other spellings of the same */
    {"latin1", "ISO-8859-1", ENC_BYTES},     {"iso-8859-1", "ISO-8859-1", ENC_BYTES},
    {"cp1252", "WINDOWS-1252", ENC_BYTES},   {"utf16", NULL, ENC_UTF16},
    {"utf16le", "UTF-16LE", ENC_UTF16},      {"utf16be", "UTF-16BE", ENC_UTF16},
};

int sl_decoder_new(const char *encoding, sl_decoder **out, sl_error *err)
{
    *out = NULL;
    if (!encoding || !*encoding || strcmp(encoding, "utf-8") == 0 || strcmp(encoding, "utf8") == 0)
        return 0;
    for (size_t i = 0; i < sizeof encodings / sizeof *encodings; i++) {
        if (strcmp(encoding, encodings[i].name) != 0)
            continue;
        /* check now that iconv knows the encoding, not at the first read */
        iconv_t probe = iconv_open("UTF-8", encodings[i].iconv_name ? encodings[i].iconv_name : "UTF-16LE");
        if (probe == (iconv_t)-1)
            return sl_error_set(err, SL_ECONFIG, "encoding %s: iconv cannot convert it: %s", encoding,
                                strerror(errno));
        iconv_close(probe);
        sl_decoder *d = sl_calloc(1, sizeof *d);
        d->cd = (iconv_t)-1;
        d->given = d->from = encodings[i].iconv_name;
        d->kind = encodings[i].kind;
        *out = d;
        return 0;
    }
    return sl_error_set(err, SL_ECONFIG, "unknown encoding '%s' (one of %s)", encoding, SL_ENCODINGS);
}

void sl_decoder_reset(sl_decoder *d)
{
    if (d->cd != (iconv_t)-1)
        iconv_close(d->cd);
    d->cd = (iconv_t)-1;
    d->from = d->given;
    d->started = d->src_eof = 0;
    d->ilen = d->ioff = d->olen = d->ooff = 0;
}

void sl_decoder_free(sl_decoder *d)
{
    if (!d)
        return;
    sl_decoder_reset(d);
    sl_free(d);
}

/* Keep what is unread at the start of in[] and read more after it. */
static int refill(sl_decoder *d, sl_byte_source src, void *ctx, sl_error *err)
{
    memmove(d->in, d->in + d->ioff, d->ilen - d->ioff);
    d->ilen -= d->ioff;
    d->ioff = 0;
    while (!d->src_eof && d->ilen < IN_CAP) {
        ptrdiff_t r = src(ctx, d->in + d->ilen, IN_CAP - d->ilen, err);
        if (r < 0)
            return -1;
        if (r == 0)
            d->src_eof = 1;
        d->ilen += (size_t)r;
        if (d->ilen >= 4)
            break;
    }
    return 0;
}

/* The first bytes: UTF-16's BOM (dropped; for "utf-16" it names the byte
 * order), then open iconv. */
static int start(sl_decoder *d, sl_error *err)
{
    const char *from = d->from;
    const unsigned char *p = (const unsigned char *)d->in;
    size_t have = d->ilen - d->ioff;
    if (d->kind == ENC_UTF16 && have >= 2) {
        int le = p[0] == 0xFF && p[1] == 0xFE, be = p[0] == 0xFE && p[1] == 0xFF;
        if (!from)
            from = be || (!le && p[0] == 0 && p[1] != 0) ? "UTF-16BE" : "UTF-16LE";
        if ((le && strcmp(from, "UTF-16LE") == 0) || (be && strcmp(from, "UTF-16BE") == 0))
            d->ioff += 2;
    }
    if (!from)
        from = "UTF-16LE";
    d->from = from;
    d->cd = iconv_open("UTF-8", from);
    if (d->cd == (iconv_t)-1)
        return sl_error_set(err, SL_EIO, "cannot convert from %s: %s", from, strerror(errno));
    d->started = 1;
    return 0;
}

/* Put a code unit the encoding does not define into out[] as bytes that
 * are not UTF-8 (see encoding.h); returns the input bytes it stands for. */
static size_t put_undefined(sl_decoder *d, const unsigned char *p, size_t have)
{
    if (d->kind == ENC_BYTES || have < 2) {
        d->out[d->olen++] = (char)(have ? (p[0] >= 0x80 ? p[0] : 0xFF) : 0xFF);
        return have ? 1 : 0;
    }
    int be = strcmp(d->from, "UTF-16BE") == 0;
    unsigned u = be ? (unsigned)(p[0] << 8 | p[1]) : (unsigned)(p[1] << 8 | p[0]);
    /* a lone surrogate in its (invalid) three-byte UTF-8 form */
    d->out[d->olen++] = (char)(0xE0 | (u >> 12));
    d->out[d->olen++] = (char)(0x80 | ((u >> 6) & 0x3F));
    d->out[d->olen++] = (char)(0x80 | (u & 0x3F));
    return 2;
}

/* Convert what in[] holds into out[]. 0 ok (maybe nothing when more input
 * is needed), -1 on error. */
static int convert(sl_decoder *d, sl_error *err)
{
    char *ip = d->in + d->ioff, *op = d->out + d->olen;
    size_t il = d->ilen - d->ioff, ol = OUT_CAP - d->olen;
    size_t rc = iconv(d->cd, &ip, &il, &op, &ol);
    int e = errno;
    d->ioff = (size_t)(ip - d->in);
    d->olen = (size_t)(op - d->out);
    if (rc != (size_t)-1 || e == E2BIG)
        return 0;
    if (e == EINVAL && !d->src_eof)
        return 0; /* a sequence cut by the buffer's end: read more */
    if (e == EILSEQ || e == EINVAL) {
        if (OUT_CAP - d->olen >= 3)
            d->ioff += put_undefined(d, (const unsigned char *)d->in + d->ioff, d->ilen - d->ioff);
        return 0;
    }
    return sl_error_set(err, SL_EIO, "cannot convert the text: %s", strerror(e));
}

ptrdiff_t sl_decoder_read(sl_decoder *d, sl_byte_source src, void *ctx, char *buf, size_t n, sl_error *err)
{
    for (;;) {
        if (d->ooff < d->olen) {
            size_t k = d->olen - d->ooff < n ? d->olen - d->ooff : n;
            memcpy(buf, d->out + d->ooff, k);
            d->ooff += k;
            return (ptrdiff_t)k;
        }
        d->olen = d->ooff = 0;
        if (d->ilen - d->ioff < 4 && !d->src_eof && refill(d, src, ctx, err) < 0)
            return -1;
        if (!d->started && start(d, err) < 0)
            return -1;
        if (d->ioff >= d->ilen && d->src_eof)
            return 0;
        size_t before = d->ioff;
        if (convert(d, err) < 0)
            return -1;
        if (d->olen == 0 && d->ioff == before && !d->src_eof && refill(d, src, ctx, err) < 0)
            return -1; /* only a cut sequence left: it needs the next bytes */
    }
}
