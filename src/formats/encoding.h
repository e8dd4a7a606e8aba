/*
 * encoding.h: text in another encoding turned into UTF-8 as it is read
 * (the `encoding:` option of the csv, jsonl and json sources), through
 * glibc's iconv.
 *
 * Encodings: utf-8 (no decoder: bytes pass as they are), latin-1
 * (ISO-8859-1: every byte is a character), windows-1252, utf-16 (byte order
 * from the BOM; without one, a first NUL byte means big-endian, else
 * little-endian), utf-16le, utf-16be (a BOM at the start is dropped).
 *
 * A byte or code unit the encoding does not define (windows-1252's 0x81,
 * a lone UTF-16 surrogate, a last odd byte) is not guessed at: it comes
 * out as bytes that are not valid UTF-8 (the byte itself, or a surrogate's
 * three-byte form), so the source treats it as it treats any invalid UTF-8
 * (encoding_errors: reject sends the row to the DLQ, with the bytes shown
 * as \xE9).
 *
 * Offsets of the records are offsets in the UTF-8 text; input.c reaches a
 * resume offset by decoding from the start again (as for compressed files).
 */
#ifndef SL_ENCODING_H
#define SL_ENCODING_H
#include "core/error.h"
#include <stddef.h>
#include <stdint.h>

/* The encodings the option accepts, for option tables ("a|b|c"), with the
 * other spellings users write (latin1, iso-8859-1, cp1252, utf8, utf16). */
#define SL_ENCODINGS                                                                                   \
    "utf-8|latin-1|windows-1252|utf-16|utf-16le|utf-16be|utf8|latin1|iso-8859-1|cp1252|utf16|utf16le|utf16be"

typedef struct sl_decoder sl_decoder;

/* Where a decoder gets its bytes: up to n into buf; bytes read, 0 at the
 * end, -1 on error (err set). */
typedef ptrdiff_t (*sl_byte_source)(void *ctx, char *buf, size_t n, sl_error *err);

/* A decoder from `encoding` (one of SL_ENCODINGS, NULL or "" meaning
 * utf-8) to UTF-8. *out is NULL for utf-8 (nothing to do). Caller frees
 * with sl_decoder_free. -1 (err set) if iconv cannot convert it. */
int sl_decoder_new(const char *encoding, sl_decoder **out, sl_error *err);
/* Up to n bytes of UTF-8 into buf, reading from src as needed; bytes
 * written, 0 at the end, -1 on error. */
ptrdiff_t sl_decoder_read(sl_decoder *d, sl_byte_source src, void *ctx, char *buf, size_t n, sl_error *err);
/* Forget everything read: the next read starts a new stream (the caller
 * rewinds its source). */
void sl_decoder_reset(sl_decoder *d);
void sl_decoder_free(sl_decoder *d);

#endif
