/* fanout_edge.c - is any frame counted by two workers while they open?
 *
 * Opens WORKERS handles on one interface with the engine's own
 * pf_handle_open (src/source/handle.c), one thread each as the capture
 * workers do, while a sender thread in another network namespace emits
 * numbered UDP frames (each its own 5-tuple, so the fanout hash spreads
 * them) across the whole open window. Every handle is read until the
 * kernel has handed over all it took in. Then:
 *   - no number may be seen twice (on two sockets, or one);
 *   - every number sent after the last open returned must be seen (the
 *     handles' kernel drops must be 0 for that check to mean anything);
 *   - with a Filter, no frame the filter rejects may be seen: the sender
 *     makes every 4th frame one it rejects (UDP port 5001, not 5000);
 *   - frames must have been in flight while the workers opened at start,
 *     and during each reopen (at least MIN_IN_WINDOW sent), or the run
 *     proves nothing and fails as inconclusive. (At start the workers
 *     open at once on a machine with fewer cores, so one open may see the
 *     sender idle; the start as a whole may not.)
 * Mode "start" opens all workers at once; "reopen" then closes and reopens
 * one worker at a time (ROUNDS times) while the others stay joined.
 *
 * Usage (run in the capturing namespace, as root):
 *   fanout_edge SEND_NS SEND_IF CAP_IF WORKERS start|reopen ROUNDS PPS [FILTER]
 * Prints "key value" lines; exits 0 when every check holds, 1 when one
 * fails, 2 on a usage or set-up error. */
#include "base/clock.h"
#include "source/worker.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SEQ (1u << 24)
#define MAX_WORKERS 16
#define MIN_IN_WINDOW 5
#define MAGIC 0x50465351u /* "PFSQ" */
#define REJECTED_EVERY 4  /* with a Filter, every 4th frame is rejected */

static const char *send_ns, *send_if, *cap_if;
static unsigned n_workers, rounds, pps;
static const char *filter;
static uint8_t cap_mac[6];

static _Atomic uint8_t *seen;  /* times each number was handed over */
static _Atomic uint8_t *owner; /* 1 + the worker that first saw it */
static atomic_uint sent;       /* numbers sent so far */
static atomic_bool stop_sending, stop_reading;
static atomic_ulong foreign;           /* frames that carry no number */
static atomic_ulong rejected_seen;     /* frames the Filter should reject */
static atomic_ulong same_socket_twice; /* a socket seeing a number twice */

static void die(const char *what) {
  fprintf(stderr, "fanout_edge: %s: %s\n", what, strerror(errno));
  exit(2);
}

/* ---- the sender ---- */

static uint16_t ip_checksum(const uint8_t *h, size_t n) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < n; i += 2)
    sum += (uint32_t)(h[i] << 8 | h[i + 1]);
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

/* Frame `seq`: Ethernet to the capturing side's MAC, IPv4 198.18.0.x ->
 * 198.18.1.x, UDP from a port of its own, the number in the payload. */
static size_t build_frame(uint8_t *f, const uint8_t src_mac[6], uint32_t seq) {
  memset(f, 0, 64);
  memcpy(f, cap_mac, 6);
  memcpy(f + 6, src_mac, 6);
  f[12] = 0x08;
  uint8_t *ip = f + 14;
  ip[0] = 0x45;
  ip[3] = 20 + 8 + 8; /* total length */
  ip[8] = 64;
  ip[9] = 17;
  ip[12] = 198, ip[13] = 18, ip[14] = 0, ip[15] = (uint8_t)(seq >> 12);
  ip[16] = 198, ip[17] = 18, ip[18] = 1, ip[19] = (uint8_t)(seq >> 20);
  uint16_t sum = ip_checksum(ip, 20);
  ip[10] = (uint8_t)(sum >> 8), ip[11] = (uint8_t)sum;
  uint8_t *udp = ip + 20;
  uint16_t sport = (uint16_t)(10000 + (seq & 0xfff)); /* never 5000 or 5001 */
  uint16_t dport = filter && seq % REJECTED_EVERY == 0 ? 5001 : 5000;
  udp[0] = (uint8_t)(sport >> 8), udp[1] = (uint8_t)sport;
  udp[2] = (uint8_t)(dport >> 8), udp[3] = (uint8_t)dport;
  udp[5] = 16;
  uint32_t m = htonl(MAGIC), s = htonl(seq);
  memcpy(udp + 8, &m, 4);
  memcpy(udp + 12, &s, 4);
  return 64;
}

static void *sender_main(void *arg) {
  (void)arg;
  char path[256];
  snprintf(path, sizeof(path), "/run/netns/%s", send_ns);
  int ns = open(path, O_RDONLY);
  if (ns < 0 || setns(ns, CLONE_NEWNET) != 0)
    die(path);
  close(ns);
  int fd = socket(AF_PACKET, SOCK_RAW, 0); /* sends only */
  if (fd < 0)
    die("socket");
  struct ifreq ifr = {0};
  snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", send_if);
  if (ioctl(fd, SIOCGIFHWADDR, &ifr) != 0)
    die("SIOCGIFHWADDR (sender)");
  uint8_t src_mac[6];
  memcpy(src_mac, ifr.ifr_hwaddr.sa_data, 6);
  struct sockaddr_ll to = {.sll_family = AF_PACKET,
                           .sll_ifindex = (int)if_nametoindex(send_if),
                           .sll_halen = 6};
  memcpy(to.sll_addr, cap_mac, 6);
  double start = pf_mono_seconds();
  uint8_t frame[64];
  for (uint32_t seq = 0; seq < MAX_SEQ && !atomic_load(&stop_sending); seq++) {
    size_t n = build_frame(frame, src_mac, seq);
    while (sendto(fd, frame, n, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
      if (errno != ENOBUFS && errno != EAGAIN)
        die("sendto");
      sched_yield();
    }
    /* Published after the send: a number above sent+1 read at any moment
     * had not started its way yet. */
    atomic_store(&sent, seq + 1);
    if (seq % 32 == 31) {
      double due = start + (double)(seq + 1) / pps;
      double left = due - pf_mono_seconds();
      if (left > 0)
        usleep((useconds_t)(left * 1e6));
    }
  }
  close(fd);
  return NULL;
}

/* ---- the workers ---- */

struct worker {
  unsigned index;
  struct pf_source_config *cfg;
  int group;
  pcap_t *p;
  atomic_bool opened;
  atomic_bool reopen;            /* asked to close and reopen */
  unsigned open_from, open_to;   /* numbers sent when the open began, ended */
  unsigned start_from, start_to; /* ... for the first open */
  unsigned long taken;           /* frames handed over by this handle */
  unsigned long kernel_in;       /* frames its kernel socket took in */
  unsigned long drops;
  unsigned min_in_window; /* fewest frames sent during one reopen */
  pthread_t thread;
};

static void on_frame(u_char *user, const struct pcap_pkthdr *h,
                     const u_char *b) {
  struct worker *w = (struct worker *)user;
  w->taken++;
  uint32_t m, s;
  if (h->caplen < 14 + 20 + 8 + 8 || b[12] != 0x08 || b[13] != 0) {
    atomic_fetch_add(&foreign, 1);
    return;
  }
  memcpy(&m, b + 42, 4);
  memcpy(&s, b + 46, 4);
  uint32_t seq = ntohl(s);
  if (ntohl(m) != MAGIC || seq >= MAX_SEQ) {
    atomic_fetch_add(&foreign, 1);
    return;
  }
  if (filter && seq % REJECTED_EVERY == 0)
    atomic_fetch_add(&rejected_seen, 1);
  uint8_t was = atomic_fetch_add(&seen[seq], 1);
  uint8_t me = (uint8_t)(w->index + 1), first = 0;
  if (was == 0)
    atomic_compare_exchange_strong(&owner[seq], &first, me);
  else if (atomic_load(&owner[seq]) == me)
    atomic_fetch_add(&same_socket_twice, 1);
}

/* What the kernel took in on this handle since the last call: frames in
 * the ring plus frames it had no room for. */
static void take_stats(struct worker *w) {
  struct pcap_stat st;
  if (pcap_stats(w->p, &st) == 0) {
    w->kernel_in = st.ps_recv;
    w->drops = st.ps_drop;
  }
}

static void open_handle(struct worker *w) {
  char err[PF_ERR_MAX];
  unsigned from = atomic_load(&sent);
  w->p = pf_handle_open(w->cfg, w->group, 0x5eed, NULL, err, sizeof(err));
  unsigned to = atomic_load(&sent);
  if (!w->p) {
    fprintf(stderr, "fanout_edge: worker %u: %s\n", w->index, err);
    exit(2);
  }
  w->open_from = from;
  w->open_to = to;
  if (!atomic_load(&w->opened))
    w->start_from = from, w->start_to = to;
  if (getenv("FANOUT_EDGE_VERBOSE"))
    fprintf(stderr, "worker %u opened: %u frames sent meanwhile\n", w->index,
            to - from);
  if (atomic_load(&w->opened) && to - from < w->min_in_window)
    w->min_in_window = to - from;
  w->taken = 0;
}

/* Reads until nothing is left of what the kernel took in. */
static void drain(struct worker *w, double deadline) {
  for (;;) {
    pcap_dispatch(w->p, -1, on_frame, (u_char *)w);
    take_stats(w);
    if (w->taken >= w->kernel_in - w->drops || pf_mono_seconds() > deadline)
      return;
    struct pollfd pfd = {.fd = pcap_get_selectable_fd(w->p), .events = POLLIN};
    poll(&pfd, 1, 20);
  }
}

static void *worker_main(void *arg) {
  struct worker *w = arg;
  w->min_in_window = ~0u;
  open_handle(w);
  atomic_store(&w->opened, true);
  while (!atomic_load(&stop_reading)) {
    if (atomic_load(&w->reopen)) {
      pf_handle_close(w->p, NULL);
      open_handle(w);
      atomic_store(&w->reopen, false);
    }
    struct pollfd pfd = {.fd = pcap_get_selectable_fd(w->p), .events = POLLIN};
    poll(&pfd, 1, 20);
    pcap_dispatch(w->p, -1, on_frame, (u_char *)w);
  }
  drain(w, pf_mono_seconds() + 5.0);
  return NULL;
}

static void sleep_s(double s) { usleep((useconds_t)(s * 1e6)); }

int main(int argc, char **argv) {
  if (argc < 8 || argc > 9) {
    fprintf(stderr, "usage: fanout_edge SEND_NS SEND_IF CAP_IF WORKERS "
                    "start|reopen ROUNDS PPS [FILTER]\n");
    return 2;
  }
  send_ns = argv[1], send_if = argv[2], cap_if = argv[3];
  n_workers = (unsigned)atoi(argv[4]);
  bool reopen = strcmp(argv[5], "reopen") == 0;
  rounds = reopen ? (unsigned)atoi(argv[6]) : 0;
  pps = (unsigned)atoi(argv[7]);
  filter = argc == 9 ? argv[8] : NULL;
  if (n_workers < 2 || n_workers > MAX_WORKERS || pps == 0 ||
      (!reopen && strcmp(argv[5], "start") != 0)) {
    fprintf(stderr, "fanout_edge: bad arguments\n");
    return 2;
  }
  seen = calloc(MAX_SEQ, 1);
  owner = calloc(MAX_SEQ, 1);
  if (!seen || !owner)
    die("calloc");

  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct ifreq ifr = {0};
  snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", cap_if);
  if (s < 0 || ioctl(s, SIOCGIFHWADDR, &ifr) != 0)
    die("SIOCGIFHWADDR (capturing side)");
  memcpy(cap_mac, ifr.ifr_hwaddr.sa_data, 6);
  close(s);

  struct pf_source_config cfg;
  pf_source_config_init(&cfg, PF_SOURCE_INTERFACE);
  cfg.device = strdup(cap_if);
  cfg.filter = filter ? strdup(filter) : NULL;
  cfg.workers = (int)n_workers;
  cfg.buffer_mib = 32;
  int group = (int)((unsigned)getpid() & 0xffffu);

  pthread_t sender;
  if (pthread_create(&sender, NULL, sender_main, NULL) != 0)
    die("pthread_create");
  while (atomic_load(&sent) < 2000) /* traffic flows before any open */
    sleep_s(0.001);

  struct worker w[MAX_WORKERS];
  memset(w, 0, sizeof(w));
  for (unsigned i = 0; i < n_workers; i++) {
    w[i].index = i, w[i].cfg = &cfg, w[i].group = group;
    if (pthread_create(&w[i].thread, NULL, worker_main, &w[i]) != 0)
      die("pthread_create");
  }
  for (unsigned i = 0; i < n_workers; i++)
    while (!atomic_load(&w[i].opened))
      sleep_s(0.001);
  sleep_s(0.1);
  unsigned *win = calloc(2 * (rounds + 1), sizeof(*win));
  for (unsigned r = 0; r < rounds; r++) {
    struct worker *k = &w[r % n_workers];
    atomic_store(&k->reopen, true);
    while (atomic_load(&k->reopen))
      sleep_s(0.001);
    win[2 * r] = k->open_from, win[2 * r + 1] = k->open_to;
    sleep_s(0.05);
  }
  unsigned last_open = 0;
  for (unsigned i = 0; i < n_workers; i++)
    if (w[i].open_to > last_open)
      last_open = w[i].open_to;
  sleep_s(0.2);
  atomic_store(&stop_sending, true);
  pthread_join(sender, NULL);
  unsigned total = atomic_load(&sent);
  sleep_s(0.3); /* the last frames through the receiving side */
  atomic_store(&stop_reading, true);

  unsigned long drops = 0, taken = 0, in = 0;
  unsigned min_window = ~0u, start_from = ~0u, start_to = 0;
  bool undrained = false;
  for (unsigned i = 0; i < n_workers; i++) {
    pthread_join(w[i].thread, NULL);
    drops += w[i].drops, taken += w[i].taken, in += w[i].kernel_in;
    if (w[i].taken < w[i].kernel_in - w[i].drops)
      undrained = true;
    if (w[i].min_in_window < min_window)
      min_window = w[i].min_in_window;
    if (w[i].start_from < start_from)
      start_from = w[i].start_from;
    if (w[i].start_to > start_to)
      start_to = w[i].start_to;
    pf_handle_close(w[i].p, NULL);
  }

  /* Numbers sent after every open had returned: seen exactly once. */
  unsigned from = last_open + 2;
  unsigned long dup = 0, dup_before = 0, missing_after = 0, missing_before = 0;
  unsigned long expected_after = 0;
  for (unsigned q = 0; q < total; q++) {
    bool rejected = filter && q % REJECTED_EVERY == 0;
    uint8_t n = atomic_load(&seen[q]);
    if (n > 1) {
      dup += n - 1u;
      if (q < from)
        dup_before += n - 1u;
    }
    if (rejected)
      continue;
    if (q >= from) {
      expected_after++;
      missing_after += n == 0;
    } else if (n == 0) {
      missing_before++;
    }
  }
  /* While one worker reopens the others are joined: a frame sent then is
   * missed only if the group handed it to the reopening worker while it
   * turned frames away (between its join and its program). */
  unsigned long missing_reopening = 0;
  for (unsigned r = 0; r < rounds; r++)
    for (unsigned q = win[2 * r]; q < win[2 * r + 1]; q++)
      missing_reopening +=
          !(filter && q % REJECTED_EVERY == 0) && atomic_load(&seen[q]) == 0;
  free(win);
  printf("sent %u\n", total);
  printf("opens %u\n", n_workers + rounds);
  printf("sent_during_start %u\n", start_to - start_from);
  printf("fewest_sent_during_a_reopen %u\n", rounds ? min_window : 0);
  printf("duplicates %lu\n", dup);
  printf("same_socket_twice %lu\n",
         (unsigned long)atomic_load(&same_socket_twice));
  printf("expected_after_opens %lu\n", expected_after);
  printf("missing_after_opens %lu\n", missing_after);
  printf("missing_before_last_open %lu\n", missing_before);
  printf("missing_while_reopening %lu\n", missing_reopening);
  printf("rejected_seen %lu\n", (unsigned long)atomic_load(&rejected_seen));
  printf("foreign %lu\n", (unsigned long)atomic_load(&foreign));
  printf("kernel_drops %lu\n", drops);
  printf("undrained %d\n", undrained);

  int rc = 0;
  if (dup) {
    fprintf(stderr,
            "FAIL: %lu frames handed to two workers (%lu of them "
            "before the last open returned)\n",
            dup, dup_before);
    rc = 1;
  }
  if (atomic_load(&rejected_seen)) {
    fprintf(stderr, "FAIL: %lu frames the filter rejects were handed over\n",
            (unsigned long)atomic_load(&rejected_seen));
    rc = 1;
  }
  if (drops || undrained) {
    fprintf(stderr, "FAIL (inconclusive): kernel drops %lu, undrained %d\n",
            drops, undrained);
    rc = 1;
  } else if (missing_after) {
    fprintf(stderr,
            "FAIL: %lu of the %lu frames sent after the last open "
            "were not handed over\n",
            missing_after, expected_after);
    rc = 1;
  }
  if (start_to - start_from < MIN_IN_WINDOW ||
      (rounds && min_window < MIN_IN_WINDOW)) {
    fprintf(stderr,
            "FAIL (inconclusive): %u frames sent while the workers "
            "started, at least %u during each reopen (%d needed)\n",
            start_to - start_from, rounds ? min_window : 0, MIN_IN_WINDOW);
    rc = 1;
  }
  pf_source_config_free(&cfg);
  return rc;
}
