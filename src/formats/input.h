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

typedef struct sl_input sl_input;

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
/* Bytes of the underlying file consumed so far (for progress). */
int64_t sl_input_raw_pos(const sl_input *in);
void sl_input_close(sl_input *in);

/* Content hash of a file (XXH3-128, hex, 33 bytes with NUL). */
int sl_file_hash(const char *path, char out[33], sl_error *err);

#endif
