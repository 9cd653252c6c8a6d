/* Webhook receiver for bench/drill. It stands in for the affected units' own
 * servers (4,987 different machines in a real drill), so it must not be the
 * bottleneck of the measure, while doing what a receiver must: every request
 * is read whole (HTTP/1.1, keep-alive, pipelining; chunked bodies refused) and
 * its X-Vigil-Signature ("sha256=" + hex HMAC-SHA256 of the body under SECRET)
 * verified before it counts; a bad one is answered 401. One thread, epoll.
 *
 * A second port serves GET /stats: {count (deliveries with a good signature),
 * unique (distinct idempotency keys), bad (bad signatures), first_ms, last_ms
 * (wall clock in ms at the first and last good delivery), connections (TCP
 * connections accepted on the data port), cpu_ms (this process's CPU time)};
 * POST /reset starts the figures again.
 *
 * Usage: receiver PORT SECRET (PORT 0: any); prints "PORT STATS_PORT".
 * Build: cc -O2 -std=c11 -D_GNU_SOURCE receiver.c -lsodium (bench/drill/run.sh does). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct conn {
    int fd, stats, want_out;
    char *in;
    size_t n, cap;
    char *out;
    size_t on, ocap;
};

static const char *secret;
static size_t secret_len;
static long long count, bad, first_ms, last_ms, conns;
static uint64_t *seen; /* open addressing over 64-bit hashes of idempotency keys */
static size_t seen_cap, seen_n;
static struct rusage ru0;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void seen_add(const char *k, size_t n)
{
    uint64_t h;
    crypto_shorthash((unsigned char *)&h, (const unsigned char *)k, n,
                     (const unsigned char *)"drill-receiver-k");
    h |= 1;
    if (2 * (seen_n + 1) > seen_cap) {
        size_t oc = seen_cap, nc = oc ? 2 * oc : 1024;
        uint64_t *old = seen;
        seen = calloc(nc, sizeof(*seen));
        seen_cap = nc;
        seen_n = 0;
        for (size_t i = 0; i < oc; i++)
            if (old[i]) {
                size_t j = old[i] & (nc - 1);
                while (seen[j])
                    j = (j + 1) & (nc - 1);
                seen[j] = old[i];
                seen_n++;
            }
        free(old);
    }
    size_t j = h & (seen_cap - 1);
    while (seen[j] && seen[j] != h)
        j = (j + 1) & (seen_cap - 1);
    if (!seen[j]) {
        seen[j] = h;
        seen_n++;
    }
}

static void reset(void)
{
    count = bad = first_ms = last_ms = conns = 0;
    memset(seen, 0, seen_cap * sizeof(*seen));
    seen_n = 0;
    getrusage(RUSAGE_SELF, &ru0);
}

static void put(struct conn *c, const char *s, size_t n)
{
    if (c->on + n > c->ocap) {
        c->ocap = (c->on + n) * 2;
        c->out = realloc(c->out, c->ocap);
    }
    memcpy(c->out + c->on, s, n);
    c->on += n;
}

#define LIT(c, s) put((c), (s), sizeof(s) - 1)

/* The value of header name in head[0..n), or NULL; *vn its length. */
static const char *header(const char *head, size_t n, const char *name, size_t *vn)
{
    size_t ln = strlen(name);
    for (const char *p = head, *end = head + n; p < end;) {
        const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
        if (eol == NULL)
            eol = end;
        if ((size_t)(eol - p) > ln && p[ln] == ':' && strncasecmp(p, name, ln) == 0) {
            const char *v = p + ln + 1;
            while (v < eol && (*v == ' ' || *v == '\t'))
                v++;
            *vn = (size_t)(eol - v);
            while (*vn && (v[*vn - 1] == ' ' || v[*vn - 1] == '\t'))
                (*vn)--;
            return v;
        }
        p = eol + 2;
    }
    return NULL;
}

static void on_webhook(struct conn *c, const char *head, size_t hn, const char *body, size_t bn)
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char want[7 + 2 * sizeof(mac) + 1] = "sha256=";
    crypto_auth_hmacsha256_state st;
    size_t sn = 0, kn = 0;
    const char *sig = header(head, hn, "x-vigil-signature", &sn);
    const char *key = header(head, hn, "x-vigil-idempotency-key", &kn);
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, secret_len);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, bn);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(want + 7, sizeof(want) - 7, mac, sizeof(mac));
    if (sig == NULL || sn != strlen(want) || sodium_memcmp(sig, want, sn) != 0) {
        bad++;
        LIT(c, "HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n");
        return;
    }
    last_ms = now_ms();
    if (count++ == 0)
        first_ms = last_ms;
    if (key)
        seen_add(key, kn);
    LIT(c, "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
}

static void on_stats(struct conn *c, const char *head)
{
    char b[512];
    struct rusage ru;
    if (strncmp(head, "POST /reset ", 12) == 0) {
        reset();
        LIT(c, "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
        return;
    }
    getrusage(RUSAGE_SELF, &ru);
    long long cpu = (ru.ru_utime.tv_sec - ru0.ru_utime.tv_sec + ru.ru_stime.tv_sec -
                     ru0.ru_stime.tv_sec) * 1000LL +
                    (ru.ru_utime.tv_usec - ru0.ru_utime.tv_usec + ru.ru_stime.tv_usec -
                     ru0.ru_stime.tv_usec) / 1000;
    int n = snprintf(b, sizeof(b),
                     "{\"count\":%lld,\"unique\":%zu,\"bad\":%lld,\"first_ms\":%lld,"
                     "\"last_ms\":%lld,\"connections\":%lld,\"cpu_ms\":%lld}",
                     count, seen_n, bad, first_ms, last_ms, conns, cpu);
    char h[128];
    int hn = snprintf(h, sizeof(h),
                      "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n", n);
    put(c, h, (size_t)hn);
    put(c, b, (size_t)n);
}

/* Answers every whole request in c->in; 0, or -1 to close the connection. */
static int on_input(struct conn *c)
{
    size_t off = 0;
    for (;;) {
        char *head = c->in + off, *he = memmem(head, c->n - off, "\r\n\r\n", 4);
        size_t hn, bn = 0, vn;
        const char *v;
        if (he == NULL)
            break;
        hn = (size_t)(he - head);
        if (header(head, hn, "transfer-encoding", &vn)) {
            LIT(c, "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            return -1;
        }
        if ((v = header(head, hn, "content-length", &vn)) != NULL)
            bn = strtoull(v, NULL, 10);
        if (c->n - off < hn + 4 + bn)
            break;
        if (c->stats)
            on_stats(c, head);
        else
            on_webhook(c, head, hn, he + 4, bn);
        off += hn + 4 + bn;
    }
    memmove(c->in, c->in + off, c->n - off);
    c->n -= off;
    return 0;
}

static int flush_out(struct conn *c)
{
    size_t done = 0;
    while (done < c->on) {
        ssize_t w = write(c->fd, c->out + done, c->on - done);
        if (w < 0 && errno == EAGAIN)
            break;
        if (w <= 0)
            return -1;
        done += (size_t)w;
    }
    memmove(c->out, c->out + done, c->on - done);
    c->on -= done;
    return 0;
}

static void drop(int ep, struct conn *c)
{
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->in);
    free(c->out);
    free(c);
}

static int listen_on(int port, int *bound)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    socklen_t sl = sizeof(sa);
    int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 4096) != 0) {
        perror("receiver: listen");
        exit(1);
    }
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    *bound = ntohs(sa.sin_port);
    return fd;
}

int main(int argc, char **argv)
{
    int dport, sport, one = 1;
    if (argc < 3 || sodium_init() < 0) {
        fprintf(stderr, "usage: receiver PORT SECRET\n");
        return 2;
    }
    secret = argv[2];
    secret_len = strlen(secret);
    int dfd = listen_on((int)strtol(argv[1], NULL, 10), &dport), sfd = listen_on(0, &sport);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    struct conn lst[2] = {{.fd = dfd}, {.fd = sfd, .stats = 1}};
    ev.data.ptr = &lst[0];
    epoll_ctl(ep, EPOLL_CTL_ADD, dfd, &ev);
    ev.data.ptr = &lst[1];
    epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
    reset();
    printf("%d %d\n", dport, sport);
    fflush(stdout);
    for (;;) {
        struct epoll_event evs[256];
        int ne = epoll_wait(ep, evs, 256, -1);
        for (int i = 0; i < ne; i++) {
            struct conn *c = evs[i].data.ptr;
            if (c == &lst[0] || c == &lst[1]) {
                int fd;
                while ((fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    struct conn *nc = calloc(1, sizeof(*nc));
                    nc->fd = fd;
                    nc->stats = c->stats;
                    conns += !c->stats;
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                    struct epoll_event ce = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = nc};
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ce);
                }
                continue;
            }
            int closing = 0;
            if (evs[i].events & EPOLLIN) {
                for (;;) {
                    if (c->cap - c->n < 65536) {
                        c->cap = c->cap ? 2 * c->cap : 131072;
                        c->in = realloc(c->in, c->cap);
                    }
                    ssize_t r = read(c->fd, c->in + c->n, c->cap - c->n);
                    if (r > 0) {
                        c->n += (size_t)r;
                        continue;
                    }
                    if (r == 0 || errno != EAGAIN)
                        closing = 1;
                    break;
                }
                if (on_input(c) != 0)
                    closing = 1;
            }
            if (flush_out(c) != 0 || (closing && c->on == 0) ||
                (evs[i].events & (EPOLLERR | EPOLLHUP))) {
                drop(ep, c);
                continue;
            }
            if (c->want_out != (c->on > 0)) { /* one epoll_ctl only when interest changes */
                struct epoll_event ce = {.events = EPOLLIN | EPOLLRDHUP | (c->on ? EPOLLOUT : 0),
                                         .data.ptr = c};
                c->want_out = c->on > 0;
                epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ce);
            }
        }
    }
}
