/*
 * loopback-bind: an LD_PRELOAD library that makes a server listen on loopback only. Every
 * bind() to the wildcard address (0.0.0.0, or :: with its IPv4-mapped loopback) is made to the
 * loopback address instead; any other bind is left as asked.
 *
 * DynamoDB Local has no option for its listening address and listens on every interface, so
 * anyone on the network could read and write the demo's table. scripts/dynamodb-local.sh runs
 * it with this library (scripts/setup.sh builds it with cc); testkit/tests/loopback.rs checks
 * that its port is bound to 127.0.0.1 alone.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

int bind(int fd, const struct sockaddr *addr, socklen_t len) {
    static int (*real_bind)(int, const struct sockaddr *, socklen_t);
    if (!real_bind) {
        real_bind = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "bind");
    }
    if (addr && addr->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        struct sockaddr_in in;
        memcpy(&in, addr, sizeof in);
        if (in.sin_addr.s_addr == htonl(INADDR_ANY)) {
            in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            return real_bind(fd, (const struct sockaddr *)&in, sizeof in);
        }
    }
    if (addr && addr->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        struct sockaddr_in6 in6;
        memcpy(&in6, addr, sizeof in6);
        if (IN6_IS_ADDR_UNSPECIFIED(&in6.sin6_addr)) {
            /* ::ffff:127.0.0.1: IPv4 loopback clients reach it, nothing else does. */
            static const unsigned char mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1};
            memcpy(&in6.sin6_addr, mapped, sizeof mapped);
            return real_bind(fd, (const struct sockaddr *)&in6, sizeof in6);
        }
    }
    return real_bind(fd, addr, len);
}
