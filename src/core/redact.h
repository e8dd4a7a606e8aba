/*
 * redact.h: the one place secrets are taken out of text, whatever the
 * output channel (log lines, stdout and stderr, the state store's DLQ and
 * run records, API answers, alert payloads).
 *
 * A secret is registered once, raw (sl_redact_add; log.h's sl_log_secret
 * is the same call). The matcher then finds it in every encoding sluice or
 * an API echoing a request may give it, also mixed within one occurrence
 * (encoders disagree on which characters they leave alone):
 *   - the raw bytes;
 *   - percent-encoding, upper- or lower-case hex, '+' for a space;
 *   - JSON escapes: \" \\ \/ \b \f \n \r \t, \u00XX of a byte, \uXXXX of
 *     a UTF-8 character, a surrogate pair for one beyond U+FFFF;
 *   - the Latin-1 misreading of its UTF-8 bytes (what a server that decodes
 *     headers as ISO-8859-1 echoes), raw or \u00XX-escaped;
 *   - the HTML entities &amp; &lt; &gt; &quot; &#39; (Slack escapes & < >).
 * Each occurrence is replaced by "***". A form that is not an escape of the
 * text (the base64 of Basic auth's user:password) is registered as a secret
 * of its own.
 *
 * Values shorter than SL_REDACT_MIN bytes are not registered: a ${VAR}
 * holding "1" or "yes" would otherwise blank out every such word in every
 * output. Registering a value twice keeps one copy. Thread-safe.
 */
#ifndef SL_REDACT_H
#define SL_REDACT_H
#include <stddef.h>
#include <stdio.h>

enum { SL_REDACT_MIN = 4 };

/* Register value (copied) as a secret; NULL, short or known values are ignored. */
void sl_redact_add(const char *value);
/* How many secrets are registered (for tests). */
size_t sl_redact_count(void);
/* Redact buf[0..len) in place (a match never grows: "***" is shorter than
 * any encoded secret); returns the new length. A NUL inside is text. */
size_t sl_redact_span(char *buf, size_t len);
/* Redact a NUL-terminated string in place. */
void sl_redact_str(char *s);
/* A redacted copy of s[0..len), NUL-terminated (caller frees with sl_free). */
char *sl_redact_dup(const char *s, size_t len);

/* The start of s[0..len) redacted, then cut to fit out (outlen bytes with
 * the NUL): for excerpts (a URL, the start of an answer) a secret cut by
 * the excerpt's end would no longer be recognised, so the cut comes after
 * the redaction. Returns out. */
char *sl_redact_cut(char *out, size_t outlen, const char *s, size_t len);

/*
 * Streaming: text written in pieces (a FILE's buffer flushes) may split a
 * secret across two writes. A stream holds back the tail that could still
 * become a secret (only that) until more text or the end decides it.
 */
typedef struct sl_redact_stream sl_redact_stream;
/* A stream writing redacted text to file descriptor fd (not closed). */
sl_redact_stream *sl_redact_stream_new(int fd);
/* Take len bytes; writes what is decided. 0, or -1 when fd fails. */
int sl_redact_stream_write(sl_redact_stream *s, const char *buf, size_t len);
/* Write everything held back (the end of the text); the stream stays usable. */
int sl_redact_stream_flush(sl_redact_stream *s);
void sl_redact_stream_free(sl_redact_stream *s);

/* Replace the process's stdout and stderr with FILEs that redact every
 * byte written through them (fopencookie over fds 1 and 2, the same
 * buffering as before); what is held back is written at exit. Idempotent. */
void sl_redact_stdio(void);

#endif
