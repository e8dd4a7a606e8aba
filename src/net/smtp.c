/* smtp.c: one e-mail over SMTP with libcurl (see smtp.h). */
#include "net/smtp.h"
#include "core/mem.h"
#include "core/types.h"
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void sl_smtp_address(const char *s, char *out, size_t len)
{
    const char *lt = strrchr(s, '<');
    const char *gt = lt ? strchr(lt, '>') : NULL;
    const char *p = s;
    size_t n = strlen(s);
    if (lt && gt) {
        p = lt + 1;
        n = (size_t)(gt - p);
    }
    while (n && (*p == ' ' || *p == '\t')) {
        p++;
        n--;
    }
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    if (n >= len)
        n = len - 1;
    memcpy(out, p, n);
    out[n] = 0;
}

/* A header value on one line: control characters become spaces. */
static void add_line(sl_buf *out, const char *s)
{
    for (; *s; s++)
        sl_buf_addc(out, (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s);
}

static int ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 0;
    return 1;
}

/* The subject as RFC 2047 encoded-words (base64, UTF-8) when it is not
 * ASCII: each word holds whole characters, at most 45 bytes of text (76
 * characters with its frame), words separated by CRLF SP (folding). */
static void add_subject(sl_buf *out, const char *s)
{
    if (ascii(s)) {
        add_line(out, s);
        return;
    }
    size_t n = strlen(s), at = 0;
    int first = 1;
    while (at < n) {
        size_t take = n - at > 45 ? 45 : n - at;
        /* not inside a UTF-8 sequence */
        while (take < n - at && take > 1 && ((unsigned char)s[at + take] & 0xC0) == 0x80)
            take--;
        sl_buf_adds(out, first ? "=?UTF-8?B?" : "\r\n =?UTF-8?B?");
        first = 0;
        unsigned char word[45]; /* control characters become spaces: a value never adds a header */
        for (size_t i = 0; i < take; i++)
            word[i] = (unsigned char)s[at + i] < 0x20 ? ' ' : (unsigned char)s[at + i];
        sl_buf_add_base64(out, word, take);
        sl_buf_adds(out, "?=");
        at += take;
    }
}

void sl_smtp_format(const sl_smtp_message *m, sl_buf *out)
{
    char date[64], host[128] = "localhost";
    gethostname(host, sizeof host - 1);
    time_t when = m->date_us ? (time_t)(m->date_us / 1000000) : time(NULL);
    struct tm tm;
    gmtime_r(&when, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    sl_buf_addf(out, "Date: %s\r\nFrom: ", date);
    add_line(out, m->from);
    sl_buf_adds(out, "\r\nTo: ");
    for (size_t i = 0; i < m->nto; i++) {
        sl_buf_adds(out, i ? ", " : "");
        add_line(out, m->to[i]);
    }
    sl_buf_adds(out, "\r\nSubject: ");
    add_subject(out, m->subject ? m->subject : "");
    sl_buf_adds(out, "\r\nMessage-ID: ");
    if (m->message_id)
        add_line(out, m->message_id);
    else
        sl_buf_addf(out, "<%lld.%d@%s>", (long long)sl_now_us(), (int)getpid(), host);
    for (size_t i = 0; i < m->nheaders; i++) {
        sl_buf_adds(out, "\r\n");
        add_line(out, m->headers[i]);
    }
    sl_buf_adds(out, "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                     "Content-Transfer-Encoding: 8bit\r\n\r\n");
    /* body lines end in CRLF; libcurl doubles a leading '.' (RFC 5321 4.5.2) */
    for (const char *p = m->body ? m->body : ""; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        size_t k = n && p[n - 1] == '\r' ? n - 1 : n;
        sl_buf_add(out, p, k);
        sl_buf_adds(out, "\r\n");
        p += n + (nl ? 1 : 0);
    }
}

typedef struct mail_src {
    const char *data;
    size_t len, pos;
} mail_src;

static size_t mail_read(char *buf, size_t size, size_t n, void *ud)
{
    mail_src *m = ud;
    size_t want = size * n, left = m->len - m->pos;
    if (want > left)
        want = left;
    memcpy(buf, m->data + m->pos, want);
    m->pos += want;
    return want;
}

int sl_smtp_send(const sl_smtp_server *srv, const sl_smtp_message *m, long *reply, char *why, size_t len)
{
    *reply = 0;
    sl_buf msg;
    sl_buf_init(&msg);
    sl_smtp_format(m, &msg);
    char addr[512];
    CURL *cu = curl_easy_init();
    if (!cu) {
        snprintf(why, len, "SMTP: cannot start libcurl");
        sl_buf_release(&msg);
        return -1;
    }
    struct curl_slist *rcpt = NULL;
    for (size_t i = 0; i < m->nto; i++) {
        sl_smtp_address(m->to[i], addr, sizeof addr);
        rcpt = curl_slist_append(rcpt, addr);
    }
    sl_smtp_address(m->from, addr, sizeof addr);
    mail_src src = {msg.data, msg.len, 0};
    curl_easy_setopt(cu, CURLOPT_URL, srv->url);
    curl_easy_setopt(cu, CURLOPT_MAIL_FROM, addr);
    curl_easy_setopt(cu, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(cu, CURLOPT_READFUNCTION, mail_read);
    curl_easy_setopt(cu, CURLOPT_READDATA, &src);
    curl_easy_setopt(cu, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(cu, CURLOPT_TIMEOUT, srv->timeout_s > 0 ? srv->timeout_s : 30L);
    curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
    if (strncmp(srv->url, "smtp://", 7) == 0)
        curl_easy_setopt(cu, CURLOPT_USE_SSL, (long)(srv->starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
    if (srv->ca_file)
        curl_easy_setopt(cu, CURLOPT_CAINFO, srv->ca_file);
    if (srv->username)
        curl_easy_setopt(cu, CURLOPT_USERNAME, srv->username);
    if (srv->password)
        curl_easy_setopt(cu, CURLOPT_PASSWORD, srv->password);
    CURLcode res = curl_easy_perform(cu);
    int rc = 0;
    if (res != CURLE_OK) {
        curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, reply);
        if (res == CURLE_OPERATION_TIMEDOUT && sl_smtp_permanent(*reply))
            *reply = 0; /* the reply before the timeout was not a refusal of this message */
        snprintf(why, len, "SMTP: %s (reply %ld)", curl_easy_strerror(res), *reply);
        rc = -1;
    }
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(cu);
    sl_buf_release(&msg);
    return rc;
}
