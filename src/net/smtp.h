/*
 * smtp.h: sending one e-mail over SMTP (libcurl), shared by the alert
 * channel (sched/alert_deliver.c) and the `email` sink (sinks/email.c).
 *
 * The server: an smtp:// URL (STARTTLS required when `starttls` is set)
 * or smtps:// (TLS from the start), optional AUTH (username/password, as
 * the caller got them from ${ENV}: never logged), a CA bundle for the
 * server's certificate and a timeout per attempt.
 *
 * The message (RFC 5322): Date, From, To (several addresses), Subject
 * (RFC 2047 encoded-words when it is not ASCII), Message-ID given by the
 * caller (so that a message sent again after a crash carries the same id),
 * extra headers, MIME-Version and a text/plain UTF-8 body with CRLF line
 * ends. libcurl does the SMTP dot-stuffing of the body (a line starting
 * with '.' goes out as '..'): the text given is the text received.
 *
 * One call is one attempt: retries are the caller's (the alert channel's
 * attempts, the sink's backoff), told apart by sl_smtp_permanent.
 */
#ifndef SL_SMTP_H
#define SL_SMTP_H
#include "core/util.h"
#include <stddef.h>
#include <stdint.h>

typedef struct sl_smtp_server {
    const char *url;       /* smtp://host:port or smtps://host:port */
    int starttls;          /* smtp://: require STARTTLS (1) or send in clear (0) */
    const char *ca_file;   /* NULL: the system's CAs */
    const char *username;  /* NULL: no AUTH */
    const char *password;
    long timeout_s;        /* per attempt; 0: 30 s */
} sl_smtp_server;

typedef struct sl_smtp_message {
    const char *from;            /* the envelope and From: address (a@b, or "Name <a@b>") */
    const char *const *to;       /* recipients, each a@b or "Name <a@b>" */
    size_t nto;
    const char *subject;         /* UTF-8, one line (control characters become spaces) */
    const char *body;            /* UTF-8 text, '\n' or "\r\n" line ends */
    const char *message_id;      /* "<id@host>", or NULL: one is made up */
    const char *const *headers;  /* extra "Name: value" lines, or NULL */
    size_t nheaders;
    int64_t date_us;             /* the Date: header (UTC microseconds); 0: now */
} sl_smtp_message;

/* The whole RFC 5322 message (headers and body, CRLF lines) into out. */
void sl_smtp_format(const sl_smtp_message *m, sl_buf *out);

/* The address part of "Name <a@b>" (or the whole text) into out. */
void sl_smtp_address(const char *s, char *out, size_t len);

/* Send m once. 0 when the server accepted it (250 after DATA); -1 with
 * why (no secret in it) and *reply the server's last reply code (0: no
 * reply, e.g. the connection failed). */
int sl_smtp_send(const sl_smtp_server *srv, const sl_smtp_message *m, long *reply, char *why, size_t len);

/* Whether a failed send should not be retried: the server refused with a
 * permanent 5xx reply (RFC 5321 4.2.1). */
static inline int sl_smtp_permanent(long reply)
{
    return reply >= 500 && reply < 600;
}

#endif
