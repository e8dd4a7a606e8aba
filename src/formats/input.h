/*
 * input.h: reading a file as a byte stream, decompressing on the fly.
 *
 * gzip and zstd are recognised by their magic bytes (not the file name), so
 * data.csv.gz, data.csv.zst and data.csv read the same way. Offsets are in
 * the decompressed stream; sl_input_seek() reaches a resume offset (by
 * seeking in plain files, by decompressing and discarding otherwise).
 * Reads use 128 KiB blocks (see docs/BENCHMARKS.md: 1 MiB blocks cost 5x
 * the kernel time).
 *
 * Identity: an open input remembers one fstat() of its descriptor and keeps
 * a running hash (XXH3-128) of the file's raw bytes from its first byte, fed
 * by the reads themselves; bytes a seek skipped are hashed on demand with
 * pread(), so sl_input_digest() always describes exactly the bytes of the
 * file that was opened, whatever happens to its path meanwhile. Sources use
 * it to tie a resume position to the content it was taken on.
 *
 * With an encoding other than UTF-8 (sl_input_set_encoding, encoding.h),
 * reads give the text converted to UTF-8 and offsets are in that text;
 * seeking decodes from the start and discards, as for compressed files.
 */
#ifndef SL_INPUT_H
#define SL_INPUT_H
#include "core/error.h"
#include <stddef.h>
#include <stdint.h>

#define SL_INPUT_BLOCK (128 * 1024)
/* The largest record a reader accepts, from a file or an HTTP answer (the
 * CSV reader's MAX_RECORD is the same): one this large is a runaway (an
 * unbalanced quote, a line that never ends, a decompression bomb), and
 * refusing it keeps memory bounded whatever the input expands to. */
#define SL_RECORD_MAX ((size_t)64 << 20)

/* A line number counted from a range's start, in a message of a reader
 * that does not know the lines before it yet: "\001<n>\001"; see
 * sl_ranges_fix_lines (sources/ranges.h). */
#define SL_LINE_MARK '\001'

typedef struct sl_input sl_input;

/* How many bytes a reader of a range (sources/ranges.h) asks for, with
 * `room` bytes free in its buffer, the next byte to read at stream offset
 * `at`, its records ending with the first one that starts at or after
 * `stop` (INT64_MAX: no range, the whole room). Up to stop plus 4 KiB for
 * the record that crosses it, then twice as much each time that record is
 * longer (*tail: 0 at the range's start, kept by the reader): a range
 * reads about its own bytes, not a buffer's worth past them, and a long
 * last record is still read in a few growing pieces, not rescanned per
 * 4 KiB. */
static inline size_t sl_input_range_want(int64_t at, int64_t stop, size_t room, size_t *tail)
{
    if (stop == INT64_MAX)
        return room;
    size_t want;
    if (at < stop) {
        want = (uint64_t)(stop - at) > room ? room : (size_t)(stop - at) + 4096;
    } else {
        *tail = *tail ? *tail * 2 : 4096;
        want = *tail;
    }
    return want < room ? want : room;
}

sl_input *sl_input_open(const char *path, sl_error *err);
/* Read up to n bytes; returns bytes read, 0 at end, -1 on error. */
ptrdiff_t sl_input_read(sl_input *in, char *buf, size_t n, sl_error *err);
/* Continue reading at decompressed offset `offset`, before or after the
 * current position (a compressed stream is decompressed again from its
 * start to go back). Callers that buffer must drop their buffer. */
int sl_input_seek(sl_input *in, int64_t offset, sl_error *err);
/* Read the (decompressed) file as text in `encoding` (encoding.h:
 * SL_ENCODINGS; NULL or "utf-8": as it is), converted to UTF-8. Call right
 * after sl_input_open. -1 (err set) for an encoding iconv lacks. */
int sl_input_set_encoding(sl_input *in, const char *encoding, sl_error *err);
/* Bytes of the underlying file consumed so far (the read position in the
 * file: a seek moves it without reading). */
int64_t sl_input_raw_pos(const sl_input *in);
/* Bytes of the underlying file actually read since open (every read,
 * header and resume skipping included; hashing reads not counted): what a
 * run reports as bytes_read. */
int64_t sl_input_bytes_read(const sl_input *in);
void sl_input_close(sl_input *in);

/* What the open descriptor is: one fstat() taken at open. */
typedef struct sl_input_identity {
    int64_t dev, ino, size;
    int64_t mtime, ctime; /* nanoseconds */
} sl_input_identity;
const sl_input_identity *sl_input_identity_of(const sl_input *in);

/* Hash (XXH3-128, hex, 33 bytes with NUL) of the file's first `upto` raw
 * bytes, or when upto < 0 of every byte consumed so far (or hashed before,
 * if that is more). Bytes not read yet
 * are read with pread() (the read position does not move). `upto` may not
 * be below a length hashed before (the hash only goes forward). *hashed:
 * how many bytes the hash covers: less than upto when the file is shorter.
 * 0, or -1 with err set (read error, or upto below the hashed length). */
int sl_input_digest(sl_input *in, int64_t upto, char out[33], int64_t *hashed, sl_error *err);
/* How many of the file's first bytes the hash covers so far (a resumed
 * run's identity check may have hashed past where its reading starts). */
int64_t sl_input_hashed(const sl_input *in);

/* A second reader of the plain (uncompressed, unconverted) input `of`,
 * starting at byte `start`: it reads the same open file with pread(), so
 * several threads can each read a range of it (sources/ranges.h); it does
 * not hash and does not move `of`. Close it (before `of`) with
 * sl_input_close; the descriptor stays `of`'s. */
sl_input *sl_input_range(const sl_input *of, int64_t start);
/* Whether `in` is a plain file read as it is: neither compressed nor
 * converted from another encoding (offsets are file offsets). */
int sl_input_is_plain(const sl_input *in);

/* Content hash of a file (XXH3-128, hex, 33 bytes with NUL). */
int sl_file_hash(const char *path, char out[33], sl_error *err);

#endif
