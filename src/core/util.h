/*
 * util.h: small shared helpers: a growable byte buffer (sl_buf), clocks,
 * JSON string escaping, edit distance for "did you mean" suggestions.
 */
#ifndef SL_UTIL_H
#define SL_UTIL_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

/* A growable byte buffer, always NUL-terminated after sl_buf_* calls.
 * Caller-owned: sl_buf_init() / sl_buf_release(). */
typedef struct sl_buf {
    char *data;
    size_t len, cap;
} sl_buf;

void sl_buf_init(sl_buf *b);
void sl_buf_release(sl_buf *b);
void sl_buf_reset(sl_buf *b);
/* Room for extra more bytes and the NUL (grows by doubling). */
void sl_buf_reserve(sl_buf *b, size_t extra);
/* Append p[0..n) / one byte. Inline: the readers and writers append a few
 * bytes at a time, millions of times a run; growing stays out of line. */
static inline void sl_buf_add(sl_buf *b, const void *p, size_t n)
{
    if (b->cap - b->len <= n) /* len + n + 1 > cap; cap >= len + 1 once allocated */
        sl_buf_reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
}
static inline void sl_buf_addc(sl_buf *b, char c)
{
    if (b->cap - b->len <= 1)
        sl_buf_reserve(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = 0;
}
void sl_buf_adds(sl_buf *b, const char *s);
void sl_buf_addf(sl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s as a JSON string literal, with quotes. A byte that is not part
 * of valid UTF-8 becomes the four characters \xE9 (escaped for JSON as
 * "\\xE9"): the output is always valid JSON, never a lone surrogate. */
void sl_buf_add_json_str(sl_buf *b, const char *s, size_t n);
/* Append the base64 (RFC 4648 section 4, with padding) of p[0..n) to b. */
void sl_buf_add_base64(sl_buf *b, const void *p, size_t n);
/* Append the bytes of base64 text s[0..n) to b: the standard or the
 * URL-safe alphabet (RFC 4648 sections 4 and 5), padding optional (only
 * '=' may follow the first '='). strict: also refuse non-zero bits in the
 * last character's padding (a non-canonical encoding, which a signature
 * check must not accept). Returns 0, or -1 with b holding a prefix. */
int sl_base64_decode(const char *s, size_t n, int strict, sl_buf *b);
/* Append s[0..n) with each byte that is not part of valid UTF-8 written as
 * the four characters \xE9 (uppercase hex), for text shown to people or
 * kept where only UTF-8 fits; valid UTF-8 is copied unchanged. */
void sl_buf_add_utf8_shown(sl_buf *b, const char *s, size_t n);
/* Detach the data (caller frees with sl_free); b is left empty. */
char *sl_buf_detach(sl_buf *b);

/* Escape s for inclusion inside a JSON string (no quotes added), truncating to cap. */
void sl_json_escape(char *out, size_t cap, const char *s);

int64_t sl_now_us(void);        /* wall clock, microseconds since the epoch */
double sl_mono_s(void);         /* monotonic clock, seconds */
/* The CLOCK_REALTIME time `seconds` from now, for pthread_*_timed* calls. */
struct timespec sl_deadline_in(double seconds);
/* Format the current UTC time as 2026-01-02T03:04:05.678Z. */
void sl_time_format_now(char *out, size_t cap);

/* Levenshtein distance, capped: returns cap+1 when larger. */
int sl_edit_distance(const char *a, const char *b, int cap);

/* Validate UTF-8: returns the length of the valid prefix of s[0..n). */
size_t sl_utf8_valid_prefix(const char *s, size_t n);

/* Parse a human duration ("10m", "1h30m", "45s", "2d") into seconds; -1 if invalid. */
int64_t sl_parse_duration(const char *s);

/* Create dir and its missing parents (mode 0777 less the umask, as
 * `mkdir -p`). 0, or -1 with errno set; an existing folder is fine. */
int sl_mkdir_p(const char *dir);
/* Make the entries of dir (a rename or a new file in it) durable: fsync of
 * the folder itself, as POSIX requires after rename(2). 0, or -1 with errno. */
int sl_fsync_dir(const char *dir);

#endif
