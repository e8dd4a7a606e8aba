/*
 * listen.h: a listening address as users write it, "HOST:PORT"
 * ("127.0.0.1:8686", "[::1]:8686", "0.0.0.0:8686"): `sluice serve
 * --listen` (sched/api.c) and a stream source's own `listen:`
 * (stream/ingest_http.c).
 */
#ifndef SL_LISTEN_H
#define SL_LISTEN_H
#include "core/error.h"
#include <netdb.h>

/* Resolve addr (numeric port; a bracketed IPv6 host) into *out (freed by
 * the caller with freeaddrinfo). Errors name what (the option: "--listen",
 * "listen") and give example as the expected form, with code. */
int sl_listen_resolve(const char *addr, const char *what, sl_code code, const char *example, struct addrinfo **out,
                      sl_error *err);

/* The port of a resolved address (host byte order). */
unsigned short sl_listen_port(const struct addrinfo *ai);

#endif
