/*
 * log.h: logging to stderr, human or JSON lines, with secret redaction.
 *
 * Every value that came from a secret (see docs/secrets.md for the rule)
 * is registered with sl_log_secret(); any log line, and any text passed
 * through sl_log_redact(), has it replaced by "***" in whatever encoding
 * it appears (core/redact.h).
 * Logging is thread-safe: one line is written with one write(2).
 */
#ifndef SL_LOG_H
#define SL_LOG_H
#include <stddef.h>

typedef enum sl_log_level { SL_LOG_ERROR, SL_LOG_WARN, SL_LOG_INFO, SL_LOG_DEBUG } sl_log_level;

void sl_log_set_level(sl_log_level level);
sl_log_level sl_log_get_level(void);
void sl_log_set_json(int on);
void sl_log(sl_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Register a secret value (copied): sl_redact_add (redact.h), which also
 * finds its URL-encoded, JSON-escaped and Latin-1-misread forms. Values
 * shorter than SL_REDACT_MIN bytes are ignored. */
void sl_log_secret(const char *value);
/* Replace every registered secret, in any encoding, in buf (NUL-terminated,
 * in place) with "***": sl_redact_str. */
void sl_log_redact(char *buf);

/* The tail of a run's log: the last lines (at most max_bytes) logged by
 * the threads that capture into it, kept with the run in the state store.
 * Thread-safe. A thread captures with sl_log_capture(tail); threads a
 * pipeline starts take their parent's (sl_log_capture_current()). */
typedef struct sl_log_tail sl_log_tail;
sl_log_tail *sl_log_tail_new(size_t max_bytes);
void sl_log_tail_free(sl_log_tail *t);
/* The captured text (caller frees). */
char *sl_log_tail_text(sl_log_tail *t);
void sl_log_capture(sl_log_tail *t);
sl_log_tail *sl_log_capture_current(void);
/* Add a line to a tail only (not to stderr): a run's own start and end. */
void sl_log_tail_note(sl_log_tail *t, sl_log_level level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define sl_log_error(...) sl_log(SL_LOG_ERROR, __VA_ARGS__)
#define sl_log_warn(...) sl_log(SL_LOG_WARN, __VA_ARGS__)
#define sl_log_info(...) sl_log(SL_LOG_INFO, __VA_ARGS__)
#define sl_log_debug(...) sl_log(SL_LOG_DEBUG, __VA_ARGS__)

#endif
