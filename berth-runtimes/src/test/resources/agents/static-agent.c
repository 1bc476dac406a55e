/*
 * The agent contract in C, linked statically so that an image needs nothing else: GET /ping and
 * POST /invocations on 127.0.0.1:$PORT (8080). A process per connection, keep-alive within it.
 * An invocation is answered as two server-sent events, chunked: part 1 says who answered (host
 * name, GREETING from the image's env, the sandbox's invocation count kept in its root
 * filesystem, whether a file the image's second layer whited out is gone, the payload's size);
 * part 2 ends it. Test material only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* One chunk in one write: an event is one segment on the wire. */
static int chunk(int fd, const char *s)
{
    char b[2048];
    int n = snprintf(b, sizeof b, "%zx\r\n%s\r\n", strlen(s), s);
    return n < 0 || (size_t)n >= sizeof b ? -1 : write_all(fd, b, (size_t)n);
}

/* The invocation count, in $AGENT_STATE (an existing directory), else /var/lib/agent (made here). */
static int bump(void)
{
    char b[32] = { 0 }, path[512];
    int n = 0;
    const char *dir = getenv("AGENT_STATE");
    if (!dir) {
        mkdir("/var", 0755);
        mkdir("/var/lib", 0755);
        mkdir("/var/lib/agent", 0755);
        dir = "/var/lib/agent";
    }
    snprintf(path, sizeof path, "%s/count", dir);
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0)
        return -1;
    if (read(fd, b, sizeof b - 1) > 0)
        n = atoi(b);
    n++;
    int len = snprintf(b, sizeof b, "%d", n);
    if (pwrite(fd, b, (size_t)len, 0) != len)
        n = -1;
    close(fd);
    return n;
}

static void invocation(int fd, size_t body_len)
{
    char host[128] = "?", part1[1024];
    const char *greeting = getenv("GREETING");
    gethostname(host, sizeof host - 1);
    int count = bump();
    snprintf(part1, sizeof part1,
             "data: {\"part\":1,\"host\":\"%s\",\"count\":%d,\"greeting\":\"%s\",\"whitedOut\":%s,\"bytes\":%zu}\n\n",
             host, count, greeting ? greeting : "", access("/etc/removed-by-layer2", F_OK) == 0 ? "false" : "true",
             body_len);
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
    if (write_all(fd, head, sizeof head - 1) || chunk(fd, part1) || chunk(fd, "data: {\"part\":2,\"done\":true}\n\n")
        || write_all(fd, "0\r\n\r\n", 5))
        _exit(0);
}

static void reply(int fd, const char *status, const char *type, const char *body)
{
    char head[256];
    int n = snprintf(head, sizeof head, "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n", status, type,
                     strlen(body));
    if (write_all(fd, head, (size_t)n) || write_all(fd, body, strlen(body)))
        _exit(0);
}

/* Serves requests on one connection until the peer closes it. */
static void serve(int fd)
{
    static char buf[1 << 20];
    size_t have = 0;
    for (;;) {
        char *end;
        while (!(end = memmem(buf, have, "\r\n\r\n", 4))) {
            if (have == sizeof buf)
                _exit(1);
            ssize_t r = read(fd, buf + have, sizeof buf - have);
            if (r <= 0)
                _exit(0);
            have += (size_t)r;
        }
        size_t head_len = (size_t)(end - buf) + 4, body_len = 0;
        char method[8] = { 0 }, path[256] = { 0 };
        sscanf(buf, "%7s %255s", method, path);
        for (char *l = strstr(buf, "\r\n"); l && l < end; l = strstr(l + 2, "\r\n"))
            if (!strncasecmp(l + 2, "Content-Length:", 15))
                body_len = strtoul(l + 17, NULL, 10);
        if (body_len > sizeof buf - head_len)
            _exit(1);
        while (have < head_len + body_len) {
            ssize_t r = read(fd, buf + have, sizeof buf - have);
            if (r <= 0)
                _exit(0);
            have += (size_t)r;
        }
        if (!strcmp(method, "GET") && !strcmp(path, "/ping"))
            reply(fd, "200 OK", "application/json",
                  access("/mnt/workspace/busy", F_OK) == 0 ? "{\"status\":\"HealthyBusy\"}" : "{\"status\":\"Healthy\"}");
        else if (!strcmp(method, "POST") && !strcmp(path, "/invocations"))
            invocation(fd, body_len);
        else
            reply(fd, "404 Not Found", "text/plain", "not here\n");
        memmove(buf, buf + head_len + body_len, have - head_len - body_len);
        have -= head_len + body_len;
    }
}

int main(void)
{
    const char *p = getenv("PORT");
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(p ? (unsigned short)atoi(p) : 8080),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);
    signal(SIGCHLD, SIG_IGN); /* children are reaped by the kernel */
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 64) < 0) {
        perror("agent: listen");
        return 1;
    }
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0)
            continue;
        /* answers go out as written, as any agent server that streams should */
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        pid_t pid = fork();
        if (pid == 0) {
            close(s);
            serve(c);
        }
        close(c);
    }
}
