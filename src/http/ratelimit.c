/* Brute-force protection: a token bucket per client address (hashed into a
 * fixed table; addresses sharing a slot share a bucket) that failed
 * authentications and login attempts drain. An empty bucket answers 429
 * rate_limited to every attempt to authenticate from that address until it
 * refills. Successful, authenticated traffic is never slowed. */
#include "http/http_int.h"
#include "core/util.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define SLOTS 4096

struct bucket {
    double tokens;
    int64_t at_ms; /* last refill */
};

struct vg_ratelimit {
    pthread_mutex_t mu;
    double per_ms, burst;
    struct bucket b[SLOTS];
};

struct vg_ratelimit *vg_ratelimit_new(int per_minute)
{
    struct vg_ratelimit *rl = vg_xcalloc(1, sizeof(*rl));
    pthread_mutex_init(&rl->mu, NULL);
    rl->burst = per_minute;
    rl->per_ms = per_minute / 60000.0;
    for (int i = 0; i < SLOTS; i++)
        rl->b[i].tokens = rl->burst;
    return rl;
}

void vg_ratelimit_free(struct vg_ratelimit *rl)
{
    if (rl) {
        pthread_mutex_destroy(&rl->mu);
        free(rl);
    }
}

static size_t slot(const struct sockaddr *sa)
{
    uint64_t h = 1469598103934665603ULL;
    const unsigned char *p = NULL;
    size_t n = 0;
    if (sa && sa->sa_family == AF_INET) {
        p = (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr;
        n = 4;
    } else if (sa && sa->sa_family == AF_INET6) {
        p = (const unsigned char *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
        n = 8; /* the /64: one host usually owns it */
    }
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return (size_t)(h % SLOTS);
}

/* cost 0 only asks whether the bucket has a token left. */
int vg_ratelimit_take(struct vg_ratelimit *rl, const struct sockaddr *sa, int cost)
{
    struct timespec ts;
    int ok;
    if (rl == NULL)
        return 1;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    pthread_mutex_lock(&rl->mu);
    struct bucket *b = &rl->b[slot(sa)];
    if (b->at_ms == 0)
        b->at_ms = now;
    b->tokens += (double)(now - b->at_ms) * rl->per_ms;
    if (b->tokens > rl->burst)
        b->tokens = rl->burst;
    b->at_ms = now;
    ok = b->tokens >= 1.0;
    if (ok && cost)
        b->tokens -= cost;
    pthread_mutex_unlock(&rl->mu);
    return ok;
}
