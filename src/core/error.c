/* error.c: see error.h. */
#include "core/error.h"
#include "core/mem.h"
#include "core/redact.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Secrets leave the message before it is cut to size: a cut secret would
 * no longer be recognised. Takes m. */
static void set_redacted(sl_error *err, char *m)
{
    sl_redact_str(m);
    snprintf(err->msg, sizeof err->msg, "%s", m);
    sl_free(m);
}

int sl_error_set(sl_error *err, sl_code code, const char *fmt, ...)
{
    if (!err)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    char *m = sl_vprintf(fmt, ap);
    va_end(ap);
    set_redacted(err, m);
    err->code = code;
    return -1;
}

int sl_error_prefix(sl_error *err, const char *fmt, ...)
{
    if (!err)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    char *prefix = sl_vprintf(fmt, ap);
    va_end(ap);
    size_t n = strlen(prefix);
    if (strncmp(err->msg, prefix, n) == 0 && err->msg[n] == ':') {
        sl_free(prefix); /* the message already names it: "sink x: sink x: ..." says nothing more */
        return -1;
    }
    set_redacted(err, sl_printf("%s: %s", prefix, err->msg));
    sl_free(prefix);
    return -1;
}

void sl_error_clear(sl_error *err)
{
    if (err) {
        err->code = SL_OK;
        err->msg[0] = 0;
    }
}

const char *sl_error_code_name(sl_code code)
{
    switch (code) {
    case SL_OK: return "ok";
    case SL_EUSAGE: return "usage";
    case SL_ECONFIG: return "config_invalid";
    case SL_EIO: return "io";
    case SL_EDATA: return "bad_data";
    case SL_ESQL: return "sql";
    case SL_EBUSY: return "busy";
    case SL_ECANCELLED: return "cancelled";
    case SL_ETIMEOUT: return "timeout";
    case SL_EINTERNAL: return "internal";
    case SL_EFULL: return "full";
    case SL_EINVAL: return "invalid";
    }
    return "unknown";
}
