/* fanout_join.c - a worker's socket joins the fanout group without a
 * frame counted twice.
 *
 * A packet socket bound to every protocol takes in every frame of its
 * interface until it joins a fanout group; from the join on it gets only
 * its share. Opened that way, a worker that joins while others are in the
 * group (at start, or reopening after its interface came back) takes in,
 * for the whole of its opening, frames the group hands to another worker
 * too: each counted twice (tests/integration/test_fanout_edge.sh: 639
 * frames in 40 reopens of one of 4 workers at 200,000 frames a second).
 *
 * So a fanout worker's socket is opened bound to a protocol no frame
 * carries (PF_FANOUT_IDLE_PROTOCOL), and its ring stays empty while
 * libpcap installs the program (through a reject-all one and a drain:
 * harmless, nothing arrives). Then:
 *   1. the program is read back (SO_GET_FILTER: the kernel's copy, with
 *      libpcap's offset fixes for a cooked socket; none if libpcap filters
 *      in user space);
 *   2. a drop-all program takes its place;
 *   3. the socket is bound to every protocol: bind(2) first waits until
 *      no receiver runs with the old binding; from here the socket sees
 *      every frame and turns each away;
 *   4. what came in with the idle protocol is read out of the ring and
 *      thrown away (below); nothing else can have come in. Reading
 *      PACKET_STATISTICS resets the kernel's counts; libpcap keeps running
 *      totals of them and never sees these frames, so pcap_stats and the
 *      drop counters lose nothing that was theirs;
 *   5. the socket joins the group;
 *   6. the program of 1 replaces drop-all in one step (the kernel swaps
 *      the pointer: a frame meets one program or the other);
 *   7. the group's program (fanout_hash.c: which worker gets a frame) is
 *      set, by every worker that joins (below).
 * Between 5 and 6, one system call, the frames the group hands this worker
 * are turned away: the start edge of its capture (docs/CONFIG.md,
 * Workers). Nothing is turned away after 6, as it would be had libpcap
 * installed the program after the join.
 *
 * No received Ethernet frame carries the idle protocol, but a TUN device
 * with a packet-information header takes its protocol from whoever writes
 * to it, and a GRE tunnel from the remote end: such frames reach the idle
 * binding (on "any", from any such device on the host). They are frames
 * the group gets too, so they must not be counted here, and they must not
 * keep the worker from opening either (a steady stream of them would,
 * every worker alike, were they an error). With drop-all on and the socket
 * bound to every protocol nothing more arrives, so they are read and
 * thrown away before the join. The block the kernel was filling is handed
 * over only when its timer retires it (the read timeout), so the wait is
 * bounded: twice the read timeout and 100 ms. Frames still held then (none
 * seen) would be counted by this worker, a handful of non-IP frames.
 *
 * The group is PACKET_FANOUT_CBPF, without PACKET_FANOUT_FLAG_DEFRAG: the
 * kernel's reassembly handed a fragmented datagram to one worker as one
 * packet of its whole length, and fragments that never completed to none
 * (a fragment flood went unseen); the kernel's own hash put a first
 * fragment (hashed on its addresses alone) on another worker than the
 * rest of its flow. Our program hashes the engine's flow key instead. The
 * group keeps its program while it has members, so each joiner sets it
 * (the same program): a group made anew by a worker reopening alone has
 * none until then. Without a program the kernel gives every frame to the
 * group's first member. Workers open in threads of their own, so two can
 * join a fresh group before the first sets its program: until then every
 * frame goes to the first, then flows move to their workers. That is a
 * change of who gets a flow like any change in the number of members
 * (the kernel takes the value modulo it), which moves flows with any
 * fanout hash; once every worker is in, one flow has one worker. The
 * program cannot be set before the join (the kernel sets it on the
 * socket's group).
 *
 * Left open: a frame the kernel was handing to this socket's own binding
 * at the very moment of the join (it took the binding from the device's
 * list before the join removed it, and runs the socket's program only
 * after 6) would meet the real program and be counted here as well as by
 * the worker the group gave it to. That needs the receiving CPU held up
 * between the two for longer than two system calls on another; closing it
 * would take a wait for every receiver (an RCU grace period, milliseconds)
 * between 5 and 6, with this worker's share turned away all that time. */
#include "source/fanout_join.h"

#include "base/clock.h"
#include "base/err.h"
#include "source/fanout_hash.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>

/* The program installed on fd: *prog (malloc'd; NULL with len 0 when
 * there is none). Returns 0, or an errno. */
static int pf_read_program(int fd, struct sock_fprog *prog) {
  *prog = (struct sock_fprog){0};
  /* SO_GET_FILTER counts in instructions, not bytes: 0 asks how many. */
  socklen_t n = 0;
  if (getsockopt(fd, SOL_SOCKET, SO_GET_FILTER, NULL, &n) != 0)
    return errno;
  if (n == 0)
    return 0;
  struct sock_filter *insns = calloc(n, sizeof(*insns));
  if (!insns)
    return ENOMEM;
  socklen_t got = n;
  if (getsockopt(fd, SOL_SOCKET, SO_GET_FILTER, insns, &got) != 0 || got != n) {
    int e = got != n ? EINVAL : errno; /* a short copy sets no errno */
    free(insns);
    return e;
  }
  prog->len = (unsigned short)n;
  prog->filter = insns;
  return 0;
}

/* Binds fd, bound to its interface with the idle protocol, to every
 * protocol on the same interface (index 0: every interface, as libpcap's
 * "any"). */
static int pf_bind_all_protocols(int fd) {
  struct sockaddr_ll sll;
  socklen_t len = sizeof(sll);
  if (getsockname(fd, (struct sockaddr *)&sll, &len) != 0)
    return errno;
  struct sockaddr_ll all = {.sll_family = AF_PACKET,
                            .sll_protocol = htons(ETH_P_ALL),
                            .sll_ifindex = sll.sll_ifindex};
  if (bind(fd, (struct sockaddr *)&all, sizeof(all)) != 0)
    return errno;
  /* An interface gone down since libpcap's bind: bind(2) succeeds without
   * hooking the socket in and leaves ENETDOWN as its pending error (as
   * libpcap's own iface_bind checks). */
  int pending = 0;
  socklen_t plen = sizeof(pending);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &pending, &plen) != 0)
    return errno;
  return pending;
}

/* The frames the socket put in its ring since the last call, which this
 * call sets back to zero. */
static int pf_frames_in_ring(int fd, unsigned *frames) {
  struct tpacket_stats_v3 st = {0}; /* a TPACKET_V2 socket fills its head */
  socklen_t len = sizeof(st);
  if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) != 0)
    return errno;
  *frames = st.tp_packets - st.tp_drops; /* the kernel adds the drops in */
  return 0;
}

static void pf_count_discarded(u_char *user, const struct pcap_pkthdr *h,
                               const u_char *bytes) {
  (void)h;
  (void)bytes;
  ++*(unsigned *)user;
}

/* Reads `frames` frames out of p's ring and throws them away, waiting at
 * most twice the read timeout and 100 ms (the header comment says why);
 * p is non-blocking. */
static void pf_discard_early(pcap_t *p, unsigned frames, int timeout_ms) {
  unsigned gone = 0;
  double deadline = pf_mono_seconds() + (2.0 * timeout_ms + 100) / 1000;
  for (;;) {
    if (pcap_dispatch(p, -1, pf_count_discarded, (u_char *)&gone) < 0 ||
        gone >= frames)
      break;
    double left_ms = (deadline - pf_mono_seconds()) * 1000;
    if (left_ms <= 0)
      break;
    struct pollfd pfd = {.fd = pcap_fileno(p), .events = POLLIN};
    (void)poll(&pfd, 1, left_ms < 10 ? (int)left_ms + 1 : 10);
  }
}

/* Steps 2 to 4: drop-all on, the socket bound to every protocol, and the
 * ring emptied of what the idle binding took in. Returns 0, or -1 with
 * err. */
static int pf_fanout_enter(pcap_t *p, const struct pf_source_config *cfg,
                           const struct sock_fprog *drop, char *err,
                           size_t errlen) {
  int fd = pcap_fileno(p);
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, drop, sizeof(*drop)) != 0)
    return pf_err_errno(err, errlen, errno,
                        "%s: cannot install the drop-all program", cfg->device);
  int e = pf_bind_all_protocols(fd);
  if (e)
    return pf_err_errno(err, errlen, e, "%s: cannot bind to every protocol",
                        cfg->device);
  unsigned early = 0;
  e = pf_frames_in_ring(fd, &early);
  if (e)
    return pf_err_errno(err, errlen, e, "%s: cannot read the socket's counts",
                        cfg->device);
  if (early)
    pf_discard_early(p, early, cfg->timeout_ms);
  return 0;
}

/* Step 7: the group's program, after the join (the kernel sets it on the
 * group the socket is in). */
static int pf_fanout_set_hash(int fd, const struct pf_source_config *cfg,
                              uint32_t key, char *err, size_t errlen) {
  struct sock_filter insns[PF_FANOUT_HASH_MAX];
  unsigned n = pf_fanout_hash_program(PF_FANOUT_IN_KERNEL, key, insns);
  struct sock_fprog prog = {.len = (unsigned short)n, .filter = insns};
  if (n == 0 ||
      setsockopt(fd, SOL_PACKET, PACKET_FANOUT_DATA, &prog, sizeof(prog)) != 0)
    return pf_err_errno(err, errlen, n ? errno : EINVAL,
                        "%s: cannot set the fanout group's program",
                        cfg->device);
  return 0;
}

int pf_fanout_join(pcap_t *p, const struct pf_source_config *cfg, int group,
                   uint32_t key, char *err, size_t errlen) {
  int fd = pcap_fileno(p);
  struct sock_fprog real;
  int e = pf_read_program(fd, &real);
  if (e)
    return pf_err_errno(err, errlen, e,
                        "%s: cannot read back the installed program",
                        cfg->device);
  static struct sock_filter drop_insn = BPF_STMT(BPF_RET | BPF_K, 0);
  struct sock_fprog drop = {.len = 1, .filter = &drop_insn};
  int rc;
  unsigned arg =
      ((unsigned)group & 0xffffu) | ((unsigned)PACKET_FANOUT_CBPF << 16);
  rc = pf_fanout_enter(p, cfg, &drop, err, errlen);
  if (rc == 0 &&
      setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof(arg)) != 0)
    rc = pf_err_errno(err, errlen, errno,
                      "%s: cannot join fanout group %d for Workers %d",
                      cfg->device, group, cfg->workers);
  if (rc == 0 && (real.len ? setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &real,
                                        sizeof(real))
                           : setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER,
                                        &(int){0}, sizeof(int))) != 0)
    rc = pf_err_errno(err, errlen, errno,
                      "%s: cannot put the program back after the fanout join",
                      cfg->device);
  if (rc == 0)
    rc = pf_fanout_set_hash(fd, cfg, key, err, errlen);
  free(real.filter);
  return rc;
}
