/* delayline.c — a fixed one-way delay for the packets of one network
 * namespace, for kernels without netem (tc's delay qdisc).
 *
 *   delayline QUEUE DELAY_US      (with iptables ... -j NFQUEUE --queue-num QUEUE)
 *
 * The packets iptables sends to the queue stay in the kernel; this program
 * is told each one's id (metadata only, no payload is copied: NFQNL_COPY_META,
 * and large TCP segments stay whole: NFQA_CFG_F_GSO) and accepts them
 * DELAY_US after it heard of them, in arrival order, one batch verdict
 * ("every id up to N") per wake-up.  It runs SCHED_FIFO with a timer slack
 * of 1 ns so that its wake-ups are punctual while the ranks keep both cores
 * busy; it sleeps otherwise.  On SIGTERM it lets everything queued go and
 * exits.  Used by tests/multihost/lib.sh (mh_shape); Linux only.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RING (1u << 16)

static int fd;
static uint16_t queue;
static volatile sig_atomic_t stop;
static uint32_t seq;
static struct {
    uint32_t id;
    int64_t due; /* ns, CLOCK_MONOTONIC */
} ring[RING];
static uint32_t head, tail; /* ring[tail .. head) are waiting */
static int64_t early;        /* wake this much before a packet is due (timer lateness) */
static long stamped, unstamped;

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int64_t real_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void die(const char *what) {
    fprintf(stderr, "delayline: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* one nfnetlink message: header, nfgenmsg, then attributes added by put() */
typedef struct msg {
    char buf[256];
    size_t len;
} msg;

static void start(msg *m, int type, int flags) {
    memset(m, 0, sizeof *m);
    struct nlmsghdr *h = (struct nlmsghdr *)m->buf;
    h->nlmsg_type = (uint16_t)((NFNL_SUBSYS_QUEUE << 8) | type);
    h->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
    h->nlmsg_seq = ++seq;
    struct nfgenmsg *g = (struct nfgenmsg *)NLMSG_DATA(h);
    g->nfgen_family = AF_UNSPEC;
    g->version = NFNETLINK_V0;
    g->res_id = htons(queue);
    m->len = NLMSG_LENGTH(sizeof *g);
}

static void put(msg *m, int type, const void *data, size_t n) {
    struct nlattr *a = (struct nlattr *)(m->buf + NLMSG_ALIGN(m->len));
    a->nla_type = (uint16_t)type;
    a->nla_len = (uint16_t)(NLA_HDRLEN + n);
    memcpy((char *)a + NLA_HDRLEN, data, n);
    m->len = NLMSG_ALIGN(m->len) + NLA_ALIGN(a->nla_len);
}

static void send_msg(msg *m) {
    ((struct nlmsghdr *)m->buf)->nlmsg_len = (uint32_t)m->len;
    struct sockaddr_nl k = {.nl_family = AF_NETLINK};
    if (sendto(fd, m->buf, m->len, 0, (struct sockaddr *)&k, sizeof k) < 0) die("sendto");
}

/* waits for the kernel's answer to a request sent with NLM_F_ACK */
static void expect_ack(const char *what) {
    char buf[8192];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0) die(what);
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type != NLMSG_ERROR) continue;
            struct nlmsgerr *e = NLMSG_DATA(h);
            if (e->error == 0) return;
            errno = -e->error;
            die(what);
        }
    }
}

static void config(void) {
    msg m;
    start(&m, NFQNL_MSG_CONFIG, NLM_F_ACK);
    struct nfqnl_msg_config_cmd cmd = {.command = NFQNL_CFG_CMD_BIND, .pf = htons(AF_INET)};
    put(&m, NFQA_CFG_CMD, &cmd, sizeof cmd);
    send_msg(&m);
    expect_ack("binding the queue (is another delayline on it?)");

    start(&m, NFQNL_MSG_CONFIG, NLM_F_ACK);
    struct nfqnl_msg_config_params p = {.copy_range = htonl(0), .copy_mode = NFQNL_COPY_META};
    put(&m, NFQA_CFG_PARAMS, &p, sizeof p);
    uint32_t maxlen = htonl(RING);
    put(&m, NFQA_CFG_QUEUE_MAXLEN, &maxlen, sizeof maxlen);
    uint32_t flags = htonl(NFQA_CFG_F_GSO);
    put(&m, NFQA_CFG_FLAGS, &flags, sizeof flags);
    put(&m, NFQA_CFG_MASK, &flags, sizeof flags);
    send_msg(&m);
    expect_ack("configuring the queue");
}

/* accepts every queued packet with an id up to `id` */
static void release(uint32_t id) {
    msg m;
    start(&m, NFQNL_MSG_VERDICT_BATCH, 0);
    struct nfqnl_msg_verdict_hdr v = {.verdict = htonl(NF_ACCEPT), .id = htonl(id)};
    put(&m, NFQA_VERDICT_HDR, &v, sizeof v);
    send_msg(&m);
}

static void release_due(int64_t t, int all) {
    uint32_t last = 0;
    int any = 0;
    while (tail != head && (all || ring[tail % RING].due <= t)) {
        last = ring[tail % RING].id;
        any = 1;
        tail++;
    }
    if (any) release(last);
}

/* reads every packet notice waiting on the socket */
static void drain(int64_t delay) {
    static char buf[1 << 16];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
            /* notices lost to a full socket buffer: the next batch
             * verdict lets those packets go too (it covers all lower ids) */
            if (errno == ENOBUFS) continue;
            die("recv");
        }
        int64_t t = now_ns(), rt = real_ns();
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
            if ((h->nlmsg_type & 0xff) != NFQNL_MSG_PACKET) continue;
            struct nlattr *a = (struct nlattr *)((char *)NLMSG_DATA(h) + NLMSG_ALIGN(sizeof(struct nfgenmsg)));
            int left = (int)h->nlmsg_len - (int)NLMSG_LENGTH(NLMSG_ALIGN(sizeof(struct nfgenmsg)));
            uint32_t id = 0;
            int have_id = 0;
            /* without a stamp: heard of one wake-up latency after it was sent */
            int64_t sent = t - early;
            while (left >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= left) {
                if ((a->nla_type & NLA_TYPE_MASK) == NFQA_PACKET_HDR) {
                    struct nfqnl_msg_packet_hdr *ph = (void *)((char *)a + NLA_HDRLEN);
                    id = ntohl(ph->packet_id);
                    have_id = 1;
                }
                if ((a->nla_type & NLA_TYPE_MASK) == NFQA_TIMESTAMP) {
                    /* when the packet was sent, in us: the time it waited
                     * for this program to hear of it is then part of the
                     * delay, not added to it.  TCP stamps its packets with
                     * the monotonic clock, other packets carry the wall
                     * clock: whichever is within 5 ms before now */
                    struct nfqnl_msg_packet_timestamp *ts = (void *)((char *)a + NLA_HDRLEN);
                    int64_t w = (int64_t)be64toh(ts->sec) * 1000000000 + (int64_t)be64toh(ts->usec) * 1000;
                    if (w <= t && w > t - 5000000)
                        sent = w;
                    else if (w <= rt && w > rt - 5000000)
                        sent = t - (rt - w);
                }
                left -= NLA_ALIGN(a->nla_len);
                a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
            }
            if (!have_id) continue;
            if (sent != t - early)
                stamped++;
            else
                unstamped++;
            if (head - tail == RING) release_due(0, 1); /* full: let the oldest go now */
            ring[head % RING].id = id;
            ring[head % RING].due = sent + delay;
            head++;
        }
    }
}

static void on_term(int sig) {
    (void)sig;
    stop = 1;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: delayline QUEUE DELAY_US\n");
        return 2;
    }
    char *end;
    long q = strtol(argv[1], &end, 10);
    if (*end || q < 0 || q > 65535) return fprintf(stderr, "delayline: bad queue number '%s'\n", argv[1]), 2;
    long us = strtol(argv[2], &end, 10);
    if (*end || us < 0 || us > 10000000) return fprintf(stderr, "delayline: bad delay '%s' (microseconds)\n", argv[2]), 2;
    queue = (uint16_t)q;
    int64_t delay = (int64_t)us * 1000;

    struct sigaction sa = {.sa_handler = on_term};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    struct sched_param sp = {.sched_priority = 10};
    if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0)
        fprintf(stderr, "delayline: no SCHED_FIFO (%s): wake-ups may be late under load\n", strerror(errno));

    /* how late a wake-up is here (a VM's timer and scheduler answer in
     * tens of us), median of 101 timed sleeps: this program hears of a
     * packet about that long after it was sent, and wakes that much
     * early to let it go, so the delay is right on average */
    int64_t late[101];
    for (int i = 0; i < 101; i++) {
        int64_t t0 = now_ns();
        struct timespec d = {0, 100000};
        ppoll(NULL, 0, &d, NULL);
        late[i] = now_ns() - t0 - 100000;
    }
    for (int i = 0; i < 101; i++)
        for (int j = i + 1; j < 101; j++)
            if (late[j] < late[i]) {
                int64_t x = late[i];
                late[i] = late[j];
                late[j] = x;
            }
    early = late[50] < delay ? late[50] : delay;

    fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER);
    if (fd < 0) die("netlink socket");
    int sz = 8 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) != 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    struct sockaddr_nl me = {.nl_family = AF_NETLINK};
    if (bind(fd, (struct sockaddr *)&me, sizeof me) != 0) die("bind");
    config();
    fprintf(stderr, "delayline: queue %u bound, delay %ld us (wake-ups %.0f us early)\n", queue, us, (double)early / 1e3);

    struct pollfd pf = {.fd = fd, .events = POLLIN};
    while (!stop) {
        int64_t t = now_ns();
        release_due(t, 0);
        struct timespec to, *top = NULL;
        if (tail != head) {
            int64_t wait = ring[tail % RING].due - early - t;
            if (wait < 0) wait = 0;
            to.tv_sec = wait / 1000000000;
            to.tv_nsec = wait % 1000000000;
            top = &to;
        }
        int r = ppoll(&pf, 1, top, NULL);
        if (r < 0 && errno != EINTR) die("ppoll");
        if (r > 0) drain(delay);
    }
    release_due(0, 1);
    fprintf(stderr, "delayline: %ld packets timed from their send stamp, %ld from their arrival here\n", stamped, unstamped);
    return 0;
}
