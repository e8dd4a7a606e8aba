/*
 * error.h: sluice's one error vocabulary.
 *
 * Functions that can fail return 0 on success and -1 on failure, filling a
 * caller-provided sl_error. `return sl_error_set(err, SL_EDATA, "...")` sets
 * and returns -1 in one line. Context is added on the way up with
 * sl_error_prefix() ("pipeline contacts: sink warehouse: ..."), so a message
 * names its pipeline and step. The code maps to the CLI's exit status.
 */
#ifndef SL_ERROR_H
#define SL_ERROR_H

typedef enum sl_code {
    SL_OK = 0,
    SL_EUSAGE,     /* bad command line */
    SL_ECONFIG,    /* invalid project or pipeline configuration */
    SL_EIO,        /* file or network I/O */
    SL_EDATA,      /* bad input data (when on_error: fail) */
    SL_ESQL,       /* a database refused a statement */
    SL_EBUSY,      /* another process holds the pipeline */
    SL_ECANCELLED, /* interrupted */
    SL_ETIMEOUT,   /* ran longer than its timeout */
    SL_EINTERNAL,  /* a bug */
    SL_EFULL,      /* a bounded store is full (the spool: HTTP 503 + Retry-After) */
    SL_EINVAL,     /* an argument out of its documented range */
} sl_code;

typedef struct sl_error {
    sl_code code;
    char msg[2048];
} sl_error;

/* Set err (if not NULL) and return -1. */
int sl_error_set(sl_error *err, sl_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prepend "<prefix>: " to the message already in err (not when it already
 * starts with it: "sink x: sink x: ..."); returns -1. */
int sl_error_prefix(sl_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sl_error_clear(sl_error *err);
/* Stable machine name of a code ("config_invalid", ...), used in --json errors. */
const char *sl_error_code_name(sl_code code);

#endif
