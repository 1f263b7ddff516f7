/* watchdog.h — notices a rank of a data-parallel run that is gone (its host
 * died, its link was cut, it was killed or stopped) and ends this rank with
 * a message that names it, instead of waiting in an all-reduce for ever.
 *
 * MPI gives no help there: a collective with a peer that vanished without
 * closing its connections (a pulled cable, a host that froze) waits until
 * TCP gives up, which takes many minutes.  So every rank runs a thread that
 * sends a small UDP datagram to every other rank several times a second
 * and notes when it last heard from each.  When this rank's training thread
 * is inside a collective (gt_watchdog_busy) and some rank has been silent
 * for the timeout, the thread prints
 *
 *   gantrain: [rank 0 of 4 on h1] lost rank 2 on h2: nothing heard from it
 *   for 10.0 s (...); stopping: continue from the last checkpoint with --resume
 *
 * and ends the process (status 1); the launcher then ends the others.  A
 * rank busy computing or writing a checkpoint is never interrupted (its
 * heartbeats come from the thread, whatever the training thread does, and
 * the judgement waits until the training thread waits on the others).
 * Used by dist.c; a world of one has no watchdog.
 */
#ifndef GANTRAIN_WATCHDOG_H
#define GANTRAIN_WATCHDOG_H

#include <stdint.h>

/* What one rank tells the others about itself: where its heartbeats can
 * reach it. */
typedef struct gt_watchdog_card {
    uint32_t ip[4]; /* IPv4 addresses, network order: its interfaces but loopback */
    uint32_t n_ip;
    uint16_t port;  /* network order */
    char host[62];
} gt_watchdog_card;

/* Opens this rank's socket and fills its card (the caller shares the
 * cards of all ranks).  Returns 0, or -1 when no socket could be opened
 * (the run goes on without a watchdog). */
int gt_watchdog_open(gt_watchdog_card *mine);
/* Starts the thread; cards[size] are every rank's, this rank's included.
 * nonce: the same on every rank of the run, different between runs. */
void gt_watchdog_start(int rank, int size, const gt_watchdog_card *cards, uint64_t nonce);
/* Seconds of silence after which a rank counts as lost (0: never; the
 * heartbeats still go out, so the others can judge this rank). */
void gt_watchdog_set_timeout(double seconds);
/* The training thread enters (+1) or leaves (-1) a collective. */
void gt_watchdog_busy(int delta);
/* Stops the thread and closes the socket (before MPI_Finalize). */
void gt_watchdog_stop(void);

#endif
