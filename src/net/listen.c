/* listen.c: see listen.h. */
#include "net/listen.h"
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

int sl_listen_resolve(const char *addr, const char *what, sl_code code, const char *example, struct addrinfo **out,
                      sl_error *err)
{
    char host[256];
    *out = NULL;
    const char *colon = strrchr(addr, ':');
    if (!colon || colon == addr || !colon[1] || (size_t)(colon - addr) >= sizeof host)
        return sl_error_set(err, code, "%s '%s': expected HOST:PORT (%s)", what, addr, example);
    memcpy(host, addr, (size_t)(colon - addr));
    host[colon - addr] = 0;
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = 0;
    }
    struct addrinfo hints = {0};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int g = getaddrinfo(host, colon + 1, &hints, out);
    if (g != 0 || !*out) {
        if (*out)
            freeaddrinfo(*out);
        *out = NULL;
        return sl_error_set(err, code, "%s '%s': %s", what, addr, g ? gai_strerror(g) : "no address");
    }
    return 0;
}

unsigned short sl_listen_port(const struct addrinfo *ai)
{
    if (ai->ai_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)(const void *)ai->ai_addr)->sin6_port);
    return ntohs(((const struct sockaddr_in *)(const void *)ai->ai_addr)->sin_port);
}
