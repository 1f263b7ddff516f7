/* watchdog.c — heartbeats between the ranks of a data-parallel run, and the
 * end of a rank that waits on one that is gone (see watchdog.h). */
#include "gantrain/watchdog.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gantrain/error.h"

#define MAGIC 0x67744862u /* "gtHb" */

typedef struct beat {
    uint32_t magic;
    uint32_t rank;
    uint64_t nonce;
} beat;

static struct {
    int fd;
    int rank, size;
    uint64_t nonce;
    gt_watchdog_card *cards;
    double *heard; /* when each rank was last heard from (this thread's clock) */
    pthread_t thread;
    int running;
    atomic_int stop;
    atomic_int busy;          /* the training thread is inside a collective */
    _Atomic double timeout;   /* seconds; 0: judge nothing */
} wd = {.fd = -1};

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int gt_watchdog_open(gt_watchdog_card *mine) {
    memset(mine, 0, sizeof *mine);
    wd.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (wd.fd < 0) return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};
    socklen_t len = sizeof a;
    if (bind(wd.fd, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(wd.fd, (struct sockaddr *)&a, &len) != 0) {
        close(wd.fd);
        wd.fd = -1;
        return -1;
    }
    mine->port = a.sin_port;
    /* every address of this host but loopback: a rank on another host
     * reaches one of them (which one MPI uses is its own business) */
    struct ifaddrs *ifs = NULL;
    if (getifaddrs(&ifs) == 0) {
        for (struct ifaddrs *i = ifs; i && mine->n_ip < 4; i = i->ifa_next) {
            if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !(i->ifa_flags & IFF_UP) ||
                (i->ifa_flags & IFF_LOOPBACK))
                continue;
            mine->ip[mine->n_ip++] = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
        }
        freeifaddrs(ifs);
    }
    if (mine->n_ip == 0) mine->ip[mine->n_ip++] = htonl(INADDR_LOOPBACK);
    if (gethostname(mine->host, sizeof mine->host - 1) != 0) snprintf(mine->host, sizeof mine->host, "?");
    return 0;
}

static void send_beats(void) {
    beat b = {MAGIC, (uint32_t)wd.rank, wd.nonce};
    for (int r = 0; r < wd.size; r++) {
        if (r == wd.rank) continue;
        for (uint32_t k = 0; k < wd.cards[r].n_ip; k++) {
            struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = wd.cards[r].port};
            to.sin_addr.s_addr = wd.cards[r].ip[k];
            /* a full buffer or an unreachable network loses one beat: the
             * next goes out a moment later */
            (void)sendto(wd.fd, &b, sizeof b, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof to);
        }
    }
}

static void read_beats(void) {
    beat b;
    ssize_t n;
    while ((n = recv(wd.fd, &b, sizeof b, MSG_DONTWAIT)) >= 0 || errno == EINTR) {
        if (n != (ssize_t)sizeof b || b.magic != MAGIC || b.nonce != wd.nonce || b.rank >= (uint32_t)wd.size) continue;
        wd.heard[b.rank] = now();
    }
}

/* ends the process when the training thread waits on a rank that is gone */
static void judge(double t) {
    double limit = atomic_load(&wd.timeout);
    if (limit <= 0 || atomic_load(&wd.busy) <= 0) return;
    int lost = 0, first = -1;
    double worst = 0;
    for (int r = 0; r < wd.size; r++) {
        if (r == wd.rank || t - wd.heard[r] <= limit) continue;
        if (first < 0) first = r;
        if (t - wd.heard[r] > worst) worst = t - wd.heard[r];
        lost++;
    }
    if (!lost) return;
    char msg[1024], who[512] = "";
    if (lost == wd.size - 1 && wd.size > 2) {
        snprintf(msg, sizeof msg,
                 "gantrain: [rank %d of %d on %s] lost every other rank: nothing heard from any for %.1f s "
                 "(is this host's network down?); stopping: continue from the last checkpoint with --resume\n",
                 wd.rank, wd.size, wd.cards[wd.rank].host, worst);
    } else {
        size_t o = 0;
        for (int r = 0, k = 0; r < wd.size && o < sizeof who - 64; r++) {
            if (r == wd.rank || t - wd.heard[r] <= limit) continue;
            o += (size_t)snprintf(who + o, sizeof who - o, "%s%d on %s", k++ ? ", rank " : "", r, wd.cards[r].host);
        }
        snprintf(msg, sizeof msg,
                 "gantrain: [rank %d of %d on %s] lost rank %s: nothing heard from it for %.1f s (its host died, "
                 "its link was cut, or it was killed); stopping: continue from the last checkpoint with --resume\n",
                 wd.rank, wd.size, wd.cards[wd.rank].host, who, worst);
    }
    (void)first;
    /* the training thread is stuck inside MPI: no clean way out remains.
     * write(2) and _exit are safe from any thread; the launcher notices the
     * exit and ends the other ranks */
    ssize_t w = write(2, msg, strlen(msg));
    (void)w;
    _exit(1);
}

static void *run(void *arg) {
    (void)arg;
    double period = 0.2, next = 0;
    struct pollfd pf = {.fd = wd.fd, .events = POLLIN};
    while (!atomic_load(&wd.stop)) {
        double t = now();
        if (t >= next) {
            send_beats();
            next = t + period;
        }
        int ms = (int)((next - t) * 1e3) + 1;
        if (poll(&pf, 1, ms) > 0) read_beats();
        judge(now());
    }
    return NULL;
}

void gt_watchdog_start(int rank, int size, const gt_watchdog_card *cards, uint64_t nonce) {
    if (wd.fd < 0 || wd.running) return;
    wd.rank = rank;
    wd.size = size;
    wd.nonce = nonce;
    wd.cards = gt_xmalloc(sizeof *wd.cards * (size_t)size);
    memcpy(wd.cards, cards, sizeof *wd.cards * (size_t)size);
    for (int r = 0; r < size; r++) wd.cards[r].host[sizeof wd.cards[r].host - 1] = 0;
    wd.heard = gt_xmalloc(sizeof *wd.heard * (size_t)size);
    double t = now();
    for (int r = 0; r < size; r++) wd.heard[r] = t; /* everyone gets a full timeout to be heard */
    atomic_store(&wd.stop, 0);
    if (pthread_create(&wd.thread, NULL, run, NULL) == 0) wd.running = 1;
}

void gt_watchdog_set_timeout(double seconds) { atomic_store(&wd.timeout, seconds > 0 ? seconds : 0); }

void gt_watchdog_busy(int delta) { atomic_fetch_add(&wd.busy, delta); }

void gt_watchdog_stop(void) {
    if (wd.running) {
        atomic_store(&wd.stop, 1);
        pthread_join(wd.thread, NULL);
        wd.running = 0;
    }
    if (wd.fd >= 0) close(wd.fd);
    wd.fd = -1;
    free(wd.cards);
    free(wd.heard);
    wd.cards = NULL;
    wd.heard = NULL;
}
