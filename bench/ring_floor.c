/* ring_floor.c - what a live reader costs a frame with nothing behind it:
 * libpcap's (as a live source opens it, src/source/handle.c) against an
 * AF_PACKET TPACKET_V3 ring read in place, each touching a frame's first
 * 64 bytes as a decoder would. Captures until SIGINT or SIGTERM, then
 * prints one line:
 *   MODE frames bytes kernel_drops cpu_seconds wakeups blocks sys_seconds
 * cpu_seconds is getrusage user + system from "listening" (printed on
 * stderr once the socket is ready) to the stop, sys_seconds its system
 * part; a wake-up is a poll that
 * returned, a block a ring block handed back to the kernel (pcap mode: 0).
 *
 * Usage: ring-floor --mode pcap|ring --iface IF [--buffer-mib 64]
 *          [--block-kib 256] [--retire-ms 100] [--snaplen 320]
 *          [--prefetch BYTES] [--kernel-snap BYTES] [--filter EXPR]
 * --prefetch: the ring walk prefetches the next frame's header and data and
 * the ring BYTES ahead of the frame it reads (0: no prefetch).
 * --kernel-snap: a socket filter that keeps BYTES of each frame, so the
 * kernel copies no more into the ring than the decoder reads.
 * --filter (pcap mode): pcap_compile and pcap_setfilter as a source with a
 * Filter does; "" compiles to "accept, keep the snap length", which the
 * kernel then applies (libpcap 1.10 leaves a ring's return value as is). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

/* As src/source/capture.c: the poll's timeout and a live batch's size. */
#define IDLE_WAKE_MS 250
#define LIVE_BATCH 4096
#define TOUCH_BYTES 64

struct options {
  const char *mode, *iface, *filter;
  unsigned buffer_mib, block_kib, retire_ms, snaplen, prefetch, kernel_snap;
};

struct tally {
  uint64_t frames, bytes, sum, wakeups, blocks, drops;
};

static volatile sig_atomic_t stop;
static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

/* User + system seconds; the system part alone in *sys when asked. */
static double cpu_seconds_split(double *sys) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double s = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
  if (sys)
    *sys = s;
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 + s;
}

/* The system seconds at "listening", beside the cpu0 the modes take. */
static double start_sys;

static void die(const char *what, const char *detail) {
  fprintf(stderr, "ring-floor: %s: %s\n", what, detail);
  exit(1);
}

/* The touch every mode does: sum the frame's first bytes, so the data is
 * read as the decoder would read it. */
static inline uint64_t touch(const unsigned char *data, unsigned caplen) {
  unsigned n = caplen < TOUCH_BYTES ? caplen : TOUCH_BYTES;
  uint64_t s = 0;
  for (unsigned i = 0; i < n; i++)
    s += data[i];
  return s;
}

/* A poll on the capture socket and an eventfd nobody writes: the plugin's
 * wait (the eventfd is its stop signal). */
static void wait_for_frames(int fd, int wake_fd, struct tally *t) {
  struct pollfd fds[2] = {{.fd = fd, .events = POLLIN},
                          {.fd = wake_fd, .events = POLLIN}};
  if (poll(fds, 2, IDLE_WAKE_MS) > 0)
    t->wakeups++;
}

/* ---- pcap: libpcap as a live source opens and reads it ---- */

static void on_packet(u_char *user, const struct pcap_pkthdr *h,
                      const u_char *data) {
  struct tally *t = (struct tally *)user;
  t->frames++;
  t->bytes += h->len;
  t->sum += touch(data, h->caplen) + (uint64_t)h->ts.tv_usec;
}

/* The capture loops are functions of their own, so that callgrind can
 * count them alone (bench/ring_floor_count.sh). */
static __attribute__((noinline)) void pcap_read(pcap_t *p, int wake_fd,
                                                struct tally *t) {
  int fd = pcap_get_selectable_fd(p);
  while (!stop) {
    wait_for_frames(fd, wake_fd, t);
    int n;
    do
      n = pcap_dispatch(p, LIVE_BATCH, on_packet, (u_char *)t);
    while (n == LIVE_BATCH && !stop);
    if (n < 0 && n != PCAP_ERROR_BREAK)
      die("pcap_dispatch", pcap_geterr(p));
  }
}

static void run_pcap(const struct options *o, int wake_fd, struct tally *t,
                     double *cpu0) {
  char err[PCAP_ERRBUF_SIZE] = "";
  pcap_t *p = pcap_create(o->iface, err);
  if (!p)
    die("pcap_create", err);
  if (pcap_set_snaplen(p, (int)o->snaplen) || pcap_set_promisc(p, 0) ||
      pcap_set_timeout(p, (int)o->retire_ms) ||
      pcap_set_buffer_size(p, (int)(o->buffer_mib << 20)))
    die("pcap_set", "an option was refused");
  if (pcap_activate(p) < 0)
    die("pcap_activate", pcap_geterr(p));
  if (o->filter) {
    struct bpf_program prog;
    if (pcap_compile(p, &prog, o->filter, 1, PCAP_NETMASK_UNKNOWN) != 0 ||
        pcap_setfilter(p, &prog) != 0)
      die("filter", pcap_geterr(p));
    pcap_freecode(&prog);
  }
  if (pcap_setnonblock(p, 1, err) != 0)
    die("pcap_setnonblock", err);
  fprintf(stderr, "listening (pcap)\n");
  *cpu0 = cpu_seconds_split(&start_sys);
  pcap_read(p, wake_fd, t);
  struct pcap_stat st;
  if (pcap_stats(p, &st) == 0)
    t->drops = st.ps_drop;
  pcap_close(p);
}

/* ---- ring: an AF_PACKET socket with its own TPACKET_V3 ring ---- */

static int open_ring(const struct options *o, unsigned char **ring,
                     unsigned *block_size, unsigned *block_nr) {
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
  if (fd < 0)
    die("socket", strerror(errno));
  int version = TPACKET_V3;
  if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)))
    die("PACKET_VERSION", strerror(errno));
  if (o->kernel_snap) {
    struct sock_filter keep = BPF_STMT(BPF_RET | BPF_K, o->kernel_snap);
    struct sock_fprog prog = {.len = 1, .filter = &keep};
    if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)))
      die("SO_ATTACH_FILTER", strerror(errno));
  }
  /* libpcap 1.10 makes a "frame" of 256 KiB and a block of one frame, so
   * BufferSize / 256 KiB blocks; --block-kib picks another size. */
  struct tpacket_req3 req = {0};
  req.tp_block_size = o->block_kib << 10;
  req.tp_block_nr = (o->buffer_mib << 20) / req.tp_block_size;
  if (req.tp_block_nr == 0)
    req.tp_block_nr = 1;
  req.tp_frame_size = req.tp_block_size;
  req.tp_frame_nr = req.tp_block_nr;
  req.tp_retire_blk_tov = o->retire_ms;
  if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)))
    die("PACKET_RX_RING", strerror(errno));
  size_t len = (size_t)req.tp_block_size * req.tp_block_nr;
  *ring = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED, fd,
               0);
  if (*ring == MAP_FAILED)
    *ring = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (*ring == MAP_FAILED)
    die("mmap", strerror(errno));
  struct sockaddr_ll ll = {.sll_family = AF_PACKET,
                           .sll_protocol = htons(ETH_P_ALL),
                           .sll_ifindex = (int)if_nametoindex(o->iface)};
  if (ll.sll_ifindex == 0)
    die(o->iface, "no such interface");
  if (bind(fd, (struct sockaddr *)&ll, sizeof(ll)))
    die("bind", strerror(errno));
  *block_size = req.tp_block_size;
  *block_nr = req.tp_block_nr;
  return fd;
}

/* Walks one block the kernel handed over, frame by frame in place. */
static void walk_block(struct tpacket_block_desc *bd, unsigned prefetch,
                       struct tally *t) {
  const unsigned char *f =
      (const unsigned char *)bd + bd->hdr.bh1.offset_to_first_pkt;
  for (uint32_t n = bd->hdr.bh1.num_pkts; n; n--) {
    const struct tpacket3_hdr *h = (const struct tpacket3_hdr *)f;
    const unsigned char *next = f + h->tp_next_offset;
    if (prefetch) {
      if (n > 1) {
        __builtin_prefetch(next);
        __builtin_prefetch(next + ((const struct tpacket3_hdr *)next)->tp_mac);
      }
      __builtin_prefetch(f + prefetch);
    }
    t->frames++;
    t->bytes += h->tp_len;
    /* The timestamp a decoder needs, in microseconds as libpcap gives it. */
    t->sum += touch(f + h->tp_mac, h->tp_snaplen) +
              (uint64_t)h->tp_sec * 1000000u + h->tp_nsec / 1000u;
    f = next;
  }
}

static __attribute__((noinline)) void
ring_read(int fd, unsigned char *ring, unsigned block_size, unsigned block_nr,
          unsigned prefetch, int wake_fd, struct tally *t) {
  unsigned cur = 0;
  while (!stop) {
    struct tpacket_block_desc *bd =
        (struct tpacket_block_desc *)(ring + (size_t)cur * block_size);
    if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) &
          TP_STATUS_USER)) {
      wait_for_frames(fd, wake_fd, t);
      continue;
    }
    walk_block(bd, prefetch, t);
    __atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL,
                     __ATOMIC_RELEASE);
    t->blocks++;
    cur = cur + 1 == block_nr ? 0 : cur + 1;
  }
}

static void run_ring(const struct options *o, int wake_fd, struct tally *t,
                     double *cpu0) {
  unsigned char *ring;
  unsigned block_size, block_nr;
  int fd = open_ring(o, &ring, &block_size, &block_nr);
  fprintf(stderr, "listening (ring: %u blocks of %u KiB)\n", block_nr,
          block_size >> 10);
  *cpu0 = cpu_seconds_split(&start_sys);
  ring_read(fd, ring, block_size, block_nr, o->prefetch, wake_fd, t);
  struct tpacket_stats_v3 st;
  socklen_t len = sizeof(st);
  if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
    t->drops = st.tp_drops;
  munmap(ring, (size_t)block_size * block_nr);
  close(fd);
}

static unsigned number(const char *s, const char *name) {
  char *end;
  unsigned long v = strtoul(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v > 1u << 20)
    die(name, "wants a number");
  return (unsigned)v;
}

int main(int argc, char **argv) {
  struct options o = {.mode = "pcap",
                      .buffer_mib = 64,
                      .block_kib = 256,
                      .retire_ms = 100,
                      .snaplen = 320};
  for (int i = 1; i < argc; i += 2) {
    const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!v)
      die(k, "wants a value");
    if (!strcmp(k, "--mode"))
      o.mode = v;
    else if (!strcmp(k, "--iface"))
      o.iface = v;
    else if (!strcmp(k, "--buffer-mib"))
      o.buffer_mib = number(v, k);
    else if (!strcmp(k, "--block-kib"))
      o.block_kib = number(v, k);
    else if (!strcmp(k, "--retire-ms"))
      o.retire_ms = number(v, k);
    else if (!strcmp(k, "--snaplen"))
      o.snaplen = number(v, k);
    else if (!strcmp(k, "--prefetch"))
      o.prefetch = number(v, k);
    else if (!strcmp(k, "--filter"))
      o.filter = v;
    else if (!strcmp(k, "--kernel-snap"))
      o.kernel_snap = number(v, k);
    else
      die(k, "unknown option (see the comment atop bench/ring_floor.c)");
  }
  if (!o.iface || (strcmp(o.mode, "pcap") && strcmp(o.mode, "ring")))
    die("usage", "ring-floor --mode pcap|ring --iface IF [options]");
  if (o.block_kib == 0 || (o.block_kib & 3))
    die("--block-kib", "wants a multiple of the 4 KiB page");

  struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART */
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  int wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd < 0)
    die("eventfd", strerror(errno));

  struct tally t = {0};
  double cpu0 = 0, sys;
  if (!strcmp(o.mode, "pcap"))
    run_pcap(&o, wake_fd, &t, &cpu0);
  else
    run_ring(&o, wake_fd, &t, &cpu0);
  double cpu = cpu_seconds_split(&sys) - cpu0;
  sys -= start_sys;
  /* The sum is printed so the touch cannot be optimised away. */
  printf("%s %llu %llu %llu %.6f %llu %llu %.6f (touch sum %llu)\n", o.mode,
         (unsigned long long)t.frames, (unsigned long long)t.bytes,
         (unsigned long long)t.drops, cpu, (unsigned long long)t.wakeups,
         (unsigned long long)t.blocks, sys, (unsigned long long)t.sum);
  return 0;
}
