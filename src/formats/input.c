/* input.c: see input.h. */
#include "formats/input.h"
#include "core/mem.h"
#include "formats/encoding.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
#include <zlib.h>
#include <zstd.h>

enum { IN_PLAIN, IN_GZIP, IN_ZSTD };

struct sl_input {
    int fd, kind, eof;
    int borrowed;     /* a range reader (sl_input_range): reads with pread, fd not owned, no hash */
    char *path;
    int64_t pos;      /* decompressed offset */
    int64_t raw_pos;  /* file bytes consumed (the file's read position) */
    int64_t nread;    /* file bytes read since open */
    sl_input_identity id; /* fstat at open */
    XXH3_state_t *hs; /* hash of the file's bytes [0, hashed) */
    int64_t hashed;
    /* compressed input buffer */
    unsigned char *zbuf;
    size_t zlen, zoff;
    z_stream gz;
    ZSTD_DStream *zs;
    size_t zlast;     /* last ZSTD_decompressStream result: 0 = a frame just ended */
    sl_decoder *dec;  /* encoding: other than UTF-8 (encoding.h); NULL: none */
    int64_t text_pos; /* with dec: offset in the UTF-8 text */
};

/* Feed the hash with bytes at file offsets [at, at + n) that extend it. */
static void hash_feed(sl_input *in, const char *buf, int64_t at, int64_t n)
{
    if (in->hs && at <= in->hashed && at + n > in->hashed) {
        XXH3_128bits_update(in->hs, buf + (in->hashed - at), (size_t)(at + n - in->hashed));
        in->hashed = at + n;
    }
}

static ptrdiff_t raw_read(sl_input *in, void *buf, size_t n, sl_error *err)
{
    for (;;) {
        ssize_t r = in->borrowed ? pread(in->fd, buf, n, in->raw_pos) : read(in->fd, buf, n);
        if (r >= 0) {
            hash_feed(in, buf, in->raw_pos, r);
            in->raw_pos += r;
            in->nread += r;
            return r;
        }
        if (errno != EINTR) {
            sl_error_set(err, SL_EIO, "%s: read failed: %s", in->path, strerror(errno));
            return -1;
        }
    }
}

sl_input *sl_input_open(const char *path, sl_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        sl_error_set(err, SL_EIO, "%s: %s", path, strerror(errno));
        return NULL;
    }
    sl_input *in = sl_calloc(1, sizeof *in);
    in->fd = fd;
    in->path = sl_strdup(path);
    in->hs = XXH3_createState();
    XXH3_128bits_reset(in->hs);
    struct stat st;
    if (fstat(fd, &st) < 0) {
        sl_error_set(err, SL_EIO, "%s: %s", path, strerror(errno));
        sl_input_close(in);
        return NULL;
    }
    in->id = (sl_input_identity){(int64_t)st.st_dev, (int64_t)st.st_ino, (int64_t)st.st_size,
                                 (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec,
                                 (int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec};
    unsigned char magic[4] = {0};
    ssize_t m = pread(fd, magic, 4, 0);
    if (m >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
        in->kind = IN_GZIP;
        if (inflateInit2(&in->gz, 15 + 32) != Z_OK) {
            sl_error_set(err, SL_EIO, "%s: cannot start gzip decoder", path);
            sl_input_close(in);
            return NULL;
        }
    } else if (m == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd) {
        in->kind = IN_ZSTD;
        in->zs = ZSTD_createDStream();
        ZSTD_initDStream(in->zs);
    }
    if (in->kind != IN_PLAIN)
        in->zbuf = sl_malloc(SL_INPUT_BLOCK);
    return in;
}

static int refill(sl_input *in, sl_error *err)
{
    if (in->zoff < in->zlen)
        return 1;
    ptrdiff_t r = raw_read(in, in->zbuf, SL_INPUT_BLOCK, err);
    if (r < 0)
        return -1;
    in->zlen = (size_t)r;
    in->zoff = 0;
    return r > 0;
}

/* The file's bytes, decompressed (before any encoding conversion). */
static ptrdiff_t read_bytes(sl_input *in, char *buf, size_t n, sl_error *err)
{
    if (in->eof)
        return 0;
    if (in->kind == IN_PLAIN) {
        ptrdiff_t r = raw_read(in, buf, n, err);
        if (r > 0)
            in->pos += r;
        return r;
    }
    size_t out = 0;
    while (out == 0) {
        int more = refill(in, err);
        if (more < 0)
            return -1;
        if (in->kind == IN_GZIP) {
            in->gz.next_in = in->zbuf + in->zoff;
            in->gz.avail_in = (uInt)(in->zlen - in->zoff);
            in->gz.next_out = (unsigned char *)buf;
            in->gz.avail_out = (uInt)n;
            int rc = inflate(&in->gz, Z_NO_FLUSH);
            in->zoff = in->zlen - in->gz.avail_in;
            out = n - in->gz.avail_out;
            if (rc == Z_STREAM_END) {
                /* concatenated gzip members: keep going if input remains */
                if (in->zoff < in->zlen || refill(in, err) > 0)
                    inflateReset(&in->gz);
                else
                    in->eof = 1;
            } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
                sl_error_set(err, SL_EIO, "%s: corrupt gzip data at decompressed offset %lld", in->path,
                             (long long)in->pos);
                return -1;
            } else if (!more && out == 0) {
                sl_error_set(err, SL_EIO, "%s: gzip data ends early (truncated file)", in->path);
                return -1;
            }
        } else {
            ZSTD_inBuffer ib = {in->zbuf, in->zlen, in->zoff};
            ZSTD_outBuffer ob = {buf, n, 0};
            size_t rc = ZSTD_decompressStream(in->zs, &ob, &ib);
            in->zoff = ib.pos;
            out = ob.pos;
            if (ZSTD_isError(rc)) {
                sl_error_set(err, SL_EIO, "%s: corrupt zstd data: %s", in->path, ZSTD_getErrorName(rc));
                return -1;
            }
            if (more || out)
                in->zlast = rc;
            if (!more && out == 0) {
                if (in->zlast != 0) {
                    sl_error_set(err, SL_EIO, "%s: zstd data ends early (truncated file)", in->path);
                    return -1;
                }
                in->eof = 1;
                break;
            }
        }
        if (in->eof)
            break;
    }
    in->pos += (int64_t)out;
    return (ptrdiff_t)out;
}

/* Start the stream over from its first byte. */
static int rewind_input(sl_input *in, sl_error *err)
{
    if (lseek(in->fd, 0, SEEK_SET) < 0)
        return sl_error_set(err, SL_EIO, "%s: seek failed: %s", in->path, strerror(errno));
    in->pos = in->raw_pos = 0;
    in->eof = 0;
    in->zlen = in->zoff = 0;
    in->zlast = 0;
    if (in->kind == IN_GZIP)
        inflateReset(&in->gz);
    else if (in->kind == IN_ZSTD)
        ZSTD_initDStream(in->zs);
    return 0;
}

static int seek_bytes(sl_input *in, int64_t offset, sl_error *err)
{
    if (offset == in->pos)
        return 0;
    if (in->kind == IN_PLAIN) {
        if (!in->borrowed && lseek(in->fd, offset, SEEK_SET) < 0)
            return sl_error_set(err, SL_EIO, "%s: seek failed: %s", in->path, strerror(errno));
        in->raw_pos = in->pos = offset;
        in->eof = 0;
        return 0;
    }
    /* compressed: decompress from the start (or from here) and discard */
    if (offset < in->pos && rewind_input(in, err) < 0)
        return -1;
    char *tmp = sl_malloc(SL_INPUT_BLOCK);
    while (in->pos < offset) {
        size_t want = (size_t)(offset - in->pos) < SL_INPUT_BLOCK ? (size_t)(offset - in->pos) : SL_INPUT_BLOCK;
        ptrdiff_t r = read_bytes(in, tmp, want, err);
        if (r <= 0) {
            sl_free(tmp);
            return r < 0 ? -1 : 0; /* shorter than the checkpoint: nothing more to read */
        }
    }
    sl_free(tmp);
    return 0;
}

/* ---- encoding: the decoded text on top of the bytes (encoding.h) -------- */

static ptrdiff_t byte_source(void *in, char *buf, size_t n, sl_error *err)
{
    return read_bytes(in, buf, n, err);
}

ptrdiff_t sl_input_read(sl_input *in, char *buf, size_t n, sl_error *err)
{
    if (!in->dec)
        return read_bytes(in, buf, n, err);
    ptrdiff_t r = sl_decoder_read(in->dec, byte_source, in, buf, n, err);
    if (r < 0)
        sl_error_prefix(err, "%s", in->path);
    else
        in->text_pos += r;
    return r;
}

int sl_input_seek(sl_input *in, int64_t offset, sl_error *err)
{
    if (!in->dec)
        return seek_bytes(in, offset, err);
    if (offset == in->text_pos)
        return 0;
    /* decode from the start (or from here) and discard */
    if (offset < in->text_pos) {
        if (seek_bytes(in, 0, err) < 0)
            return -1;
        sl_decoder_reset(in->dec);
        in->text_pos = 0;
    }
    char *tmp = sl_malloc(SL_INPUT_BLOCK);
    ptrdiff_t r = 1;
    while (in->text_pos < offset && r > 0) {
        size_t want = (size_t)(offset - in->text_pos) < SL_INPUT_BLOCK ? (size_t)(offset - in->text_pos)
                                                                         : SL_INPUT_BLOCK;
        r = sl_input_read(in, tmp, want, err);
    }
    sl_free(tmp);
    return r < 0 ? -1 : 0;
}

int sl_input_set_encoding(sl_input *in, const char *encoding, sl_error *err)
{
    sl_decoder_free(in->dec);
    in->dec = NULL;
    if (sl_decoder_new(encoding, &in->dec, err) < 0)
        return sl_error_prefix(err, "%s", in->path);
    return 0;
}

int64_t sl_input_raw_pos(const sl_input *in)
{
    return in->raw_pos;
}

int64_t sl_input_bytes_read(const sl_input *in)
{
    return in->nread;
}

const sl_input_identity *sl_input_identity_of(const sl_input *in)
{
    return &in->id;
}

static void hex128(XXH3_state_t *st, char out[33])
{
    XXH128_hash_t h = XXH3_128bits_digest(st);
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)h.high64, (unsigned long long)h.low64);
}

int64_t sl_input_hashed(const sl_input *in)
{
    return in->hashed;
}

int sl_input_digest(sl_input *in, int64_t upto, char out[33], int64_t *hashed, sl_error *err)
{
    if (upto < 0)
        upto = in->raw_pos > in->hashed ? in->raw_pos : in->hashed;
    if (upto < in->hashed)
        return sl_error_set(err, SL_EINTERNAL, "%s: hash asked for %lld bytes after %lld were hashed", in->path,
                            (long long)upto, (long long)in->hashed);
    char *buf = NULL;
    while (in->hashed < upto) {
        if (!buf)
            buf = sl_malloc(SL_INPUT_BLOCK);
        size_t want = upto - in->hashed < SL_INPUT_BLOCK ? (size_t)(upto - in->hashed) : SL_INPUT_BLOCK;
        ssize_t r = pread(in->fd, buf, want, in->hashed);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            sl_free(buf);
            return sl_error_set(err, SL_EIO, "%s: read failed: %s", in->path, strerror(errno));
        }
        if (r == 0)
            break; /* the file is shorter */
        hash_feed(in, buf, in->hashed, r);
    }
    sl_free(buf);
    hex128(in->hs, out);
    *hashed = in->hashed;
    return 0;
}

void sl_input_close(sl_input *in)
{
    if (!in)
        return;
    if (in->kind == IN_GZIP)
        inflateEnd(&in->gz);
    if (in->zs)
        ZSTD_freeDStream(in->zs);
    if (in->fd >= 0 && !in->borrowed)
        close(in->fd);
    if (in->hs)
        XXH3_freeState(in->hs);
    sl_decoder_free(in->dec);
    sl_free(in->zbuf);
    sl_free(in->path);
    sl_free(in);
}

sl_input *sl_input_range(const sl_input *of, int64_t start)
{
    sl_input *in = sl_calloc(1, sizeof *in);
    in->fd = of->fd;
    in->borrowed = 1;
    in->kind = IN_PLAIN;
    in->path = sl_strdup(of->path);
    in->id = of->id;
    in->pos = in->raw_pos = start;
    return in;
}

int sl_input_is_plain(const sl_input *in)
{
    return in->kind == IN_PLAIN && !in->dec;
}

int sl_file_hash(const char *path, char out[33], sl_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sl_error_set(err, SL_EIO, "%s: %s", path, strerror(errno));
    XXH3_state_t *st = XXH3_createState();
    XXH3_128bits_reset(st);
    char *buf = sl_malloc(SL_INPUT_BLOCK);
    ssize_t r;
    while ((r = read(fd, buf, SL_INPUT_BLOCK)) > 0)
        XXH3_128bits_update(st, buf, (size_t)r);
    int rc = r < 0 ? sl_error_set(err, SL_EIO, "%s: %s", path, strerror(errno)) : 0;
    hex128(st, out);
    XXH3_freeState(st);
    sl_free(buf);
    close(fd);
    return rc;
}
